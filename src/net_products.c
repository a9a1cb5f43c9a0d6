/* net_products.c - partial products W_{j:i}, end-to-end matrix, forward pass.
 * Chains are multiplied from their thinner end so that every intermediate
 * keeps the smaller outer dimension. */
#include "internal.h"
#include "linalg.h"

#include <stdlib.h>

/* W_{j:i} (j >= i) into out (ld), using two scratch buffers of
 * d_j * d_{i-1}-compatible size: each holds any intermediate d_l x thin. */
void dlni_chain_product(const dln_net *net, size_t j, size_t i, double *out, size_t ld,
                          double *s1, double *s2)
{
    const size_t *d = net->d;
    if (j == i) {
        la_copy(d[i], d[i - 1], dlni_layer(net, i), d[i], out, ld);
        return;
    }
    const double *cur;
    double *nxt;
    if (d[i - 1] <= d[j]) { /* right to left: intermediates d_l x d_{i-1} */
        cur = dlni_layer(net, i);
        for (size_t l = i + 1; l <= j; l++) {
            nxt = l == j ? out : (cur == s1 ? s2 : s1);
            la_gemm(LA_N, LA_N, d[l], d[i - 1], d[l - 1], 1.0, dlni_layer(net, l), d[l], cur,
                    d[l - 1], 0.0, nxt, l == j ? ld : d[l]);
            cur = nxt;
        }
    } else { /* left to right: intermediates d_j x d_{l-1} */
        cur = dlni_layer(net, j);
        for (size_t l = j - 1; l >= i; l--) {
            nxt = l == i ? out : (cur == s1 ? s2 : s1);
            la_gemm(LA_N, LA_N, d[j], d[l - 1], d[l], 1.0, cur, d[j], dlni_layer(net, l), d[l],
                    0.0, nxt, l == i ? ld : d[j]);
            cur = nxt;
        }
    }
}

/* Finite weights can still overflow in a product (weights 1e150, depth 3):
 * report it like the loss functions do instead of returning Inf. */
static dln_status finite_or_fail(size_t m, size_t n, const double *A, size_t ld)
{
    return la_all_finite(m, n, A, ld) ? DLN_OK : DLN_E_NONFINITE;
}

/* Largest intermediate of dlni_chain_product(j, i). */
size_t dlni_chain_scratch(const dln_net *net, size_t j, size_t i)
{
    size_t thin = net->d[i - 1] <= net->d[j] ? net->d[i - 1] : net->d[j], mx = 0;
    for (size_t l = i - 1; l <= j; l++)
        if (net->d[l] * thin > mx) mx = net->d[l] * thin;
    return mx;
}

/* A residual net's products are those of the plain net with W_l = I + A_l. */
#define ON_EFFECTIVE(net, call)                                             \
    do {                                                                    \
        dln_net *eff_ = NULL;                                               \
        dln_status st_ = dlni_net_effective_copy(net, &eff_);               \
        if (st_ == DLN_OK) st_ = call;                                      \
        dln_net_free(eff_);                                                 \
        return st_;                                                         \
    } while (0)

dln_status dln_net_product(const dln_net *net, size_t j, size_t i, double *out, size_t ld)
{
    if (!net || !out) return DLN_E_NULL;
    if (i == 0 || i > net->L || j + 1 < i || j > net->L) return DLN_E_DIM;
    if (ld < net->d[j]) return DLN_E_LD;
    if (!la_fits(ld) || !dlni_span_fits(ld, net->d[i - 1])) return DLN_E_OVERFLOW;
    if (net->nres && j >= i) ON_EFFECTIVE(net, dln_net_product(eff_, j, i, out, ld));
    if (j + 1 == i) {
        la_set_identity(net->d[j], net->d[j], out, ld);
        return DLN_OK;
    }
    size_t sz = dlni_chain_scratch(net, j, i);
    double *s = dlni_alloc(2 * sz);
    if (!s) return DLN_E_NOMEM;
    dlni_chain_product(net, j, i, out, ld, s, s + sz);
    free(s);
    return finite_or_fail(net->d[j], net->d[i - 1], out, ld);
}

dln_status dln_net_end_to_end(const dln_net *net, double *P, size_t ld)
{
    if (!net) return DLN_E_NULL;
    return dln_net_product(net, net->L, 1, P, ld);
}

dln_status dln_net_forward(const dln_net *net, size_t m, const double *X, size_t ldx, double *Y,
                           size_t ldy)
{
    if (!net || !X || !Y) return DLN_E_NULL;
    const size_t L = net->L, *d = net->d;
    if (m == 0) return DLN_E_DIM;
    if (ldx < d[0] || ldy < d[L]) return DLN_E_LD;
    if (!la_fits(m) || !la_fits(ldx) || !la_fits(ldy) || !dlni_span_fits(ldx, m) ||
        !dlni_span_fits(ldy, m))
        return DLN_E_OVERFLOW;
    if (!la_all_finite(d[0], m, X, ldx)) return DLN_E_NONFINITE;
    if (net->nres) ON_EFFECTIVE(net, dln_net_forward(eff_, m, X, ldx, Y, ldy));
    /* flops: layer by layer m sum d_l d_{l-1}; P first: thin sum + d_L d_0 m */
    double layerwise = 0.0, pfirst = (double)d[L] * (double)d[0] * (double)m;
    double thin = (double)(d[0] < d[L] ? d[0] : d[L]);
    for (size_t l = 1; l <= L; l++) {
        layerwise += (double)m * (double)d[l] * (double)d[l - 1];
        if (L > 1) pfirst += thin * (double)d[l] * (double)d[l - 1];
    }
    if (pfirst < layerwise) {
        size_t sz = dlni_chain_scratch(net, L, 1);
        double *s = dlni_alloc(2 * sz + d[L] * d[0]);
        if (!s) return DLN_E_NOMEM;
        double *P = s + 2 * sz;
        dlni_chain_product(net, L, 1, P, d[L], s, s + sz);
        la_gemm(LA_N, LA_N, d[L], m, d[0], 1.0, P, d[L], X, ldx, 0.0, Y, ldy);
        free(s);
        return finite_or_fail(d[L], m, Y, ldy);
    }
    size_t mx = 0, sz;
    for (size_t l = 1; l < L; l++)
        if (d[l] > mx) mx = d[l];
    if (!dlni_mul(mx, m, &sz)) return DLN_E_OVERFLOW;
    double *s = L > 1 ? dlni_alloc(2 * sz) : NULL;
    if (L > 1 && !s) return DLN_E_NOMEM;
    const double *cur = X;
    size_t ldc = ldx;
    for (size_t l = 1; l <= L; l++) {
        double *nxt = l == L ? Y : (cur == s ? s + sz : s);
        size_t ldn = l == L ? ldy : d[l];
        la_gemm(LA_N, LA_N, d[l], m, d[l - 1], 1.0, dlni_layer(net, l), d[l], cur, ldc, 0.0, nxt,
                ldn);
        cur = nxt, ldc = ldn;
    }
    free(s);
    return finite_or_fail(d[L], m, Y, ldy);
}
