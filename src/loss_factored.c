/* loss_factored.c - value, gradient and HVP of bottleneck nets on r-wide
 * blocks (derivatives.md §4a).
 *
 * Split P at a narrowest inner layer k (d_k = r): P = A' B' with
 * A' = W_{L:k+1} (d_L x r) and B' = W_{k:1} (r x d_0). Then
 *   M = B' R^T (r x d_0),  G = A' M - C (d_L x d_0),  F = 1/2 ||G||^2 + r0/2,
 *   dF/dB' = (A'^T G) R,   dF/dA' = G M^T,
 * and G R (d_L x d_0, the E of src/loss_grad.c) is never formed: every
 * product with R or G carries the factor r. G itself is formed as the full
 * path forms it (a product minus C), so the value keeps the QR form's
 * accuracy near exact fits. The two halves are chains with r at their thin
 * end, run as in src/loss_grad.c:
 *   bottom (l <= k):  S_l = W_{k:l+1} (r x d_l),  S_{l-1} = S_l W_l,  B' = S_0,
 *                     U_1 = dF/dB', U_{l+1} = U_l W_l^T,  grad_l = S_l^T U_l
 *   top (l > k):      T_l = W_{l-1:k+1} (d_{l-1} x r),  T_{l+1} = W_l T_l,
 *                     A' = T_{L+1},  V_L = dF/dA', V_{l-1} = W_l^T V_l,
 *                     grad_l = V_l T_l^T
 * with S_k = I, T_{k+1} = I, so grad_k = U_k and grad_{k+1} = V_{k+1};
 * S_{k-1} = W_k and T_{k+2} = W_{k+1} are the layers themselves. Chain entry
 * l holds S_l (l < k) or T_l (l > k+1), back entry l holds U_l (l <= k) or
 * V_l (l > k); each has the layout (rows, ld) of the layer it replaces, so
 * one offset table serves both halves and their tangents.
 *
 * The HVP is the forward-mode derivative of these formulas, one direction at
 * a time. The path is chosen per shape by a flop model
 * (dlni_factored_prepare). */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The factored path must save this factor of the full path's flops: its
 * r-thin products run at a lower flop rate than the full path's wide ones
 * (docs/performance.md, "Bottleneck networks"). */
#define FACTORED_GAIN 2.0

/* Bottleneck layer: the first inner layer of minimal width (0 for depth 1). */
static size_t bottleneck(const dln_net *net)
{
    size_t k = 0;
    for (size_t l = 1; l < net->L; l++)
        if (!k || net->d[l] < net->d[k]) k = l;
    return k;
}

/* Multiply-adds of m rows times R (0 for a target loss; see dlni_times_r). */
static double r_cost(const dln_loss *loss, double m)
{
    double d0 = (double)loss->d0;
    if (!loss->eff.R) return 0.0;
    return loss->d0 < DLNI_R_GEMM_BELOW ? m * d0 * d0 : 0.5 * m * d0 * d0;
}

/* Flop model of one gradient, in multiply-adds (docs/derivatives.md §4a):
 * both paths run each layer's chain, back and gradient products with their
 * thin dimension t (min(d_0, d_L) in full, r factored); the full path adds
 * two d_L-row products with R, the factored one two r-row products with R
 * and three d_L x r x d_0 products (G, A'^T G, G M^T). */
static int factored_is_cheaper(const dln_loss *loss, const dln_net *net, size_t k)
{
    const size_t *d = net->d, L = net->L;
    double layers = 0.0, r = (double)d[k], d0 = (double)d[0], dL = (double)d[L];
    for (size_t l = 1; l <= L; l++) layers += (double)d[l] * (double)d[l - 1];
    double full = 3.0 * (d0 < dL ? d0 : dL) * layers + 2.0 * r_cost(loss, dL);
    double fact = 3.0 * r * layers + 2.0 * r_cost(loss, r) + 3.0 * dL * r * d0;
    return FACTORED_GAIN * fact <= full;
}

void dlni_factored_free(dlni_factored *f)
{
    free(f->d), free(f->off), free(f->chain), free(f->back), free(f->dchain), free(f->dback);
    free(f->Mt), free(f->G), free(f->dMt), free(f->Z), free(f->AA), free(f->theta);
    memset(f, 0, sizeof *f);
}

/* Doubles of chain (back = 0) or back entry l: the layout of the layer it stands for. */
static size_t entry_size(const size_t *d, size_t L, size_t k, size_t l, int back)
{
    size_t r = d[k];
    if (!back) return l + 1 < k ? r * d[l] : l > k + 2 && l <= L + 1 ? d[l - 1] * r : 0;
    return l >= 1 && l <= k ? r * d[l - 1] : l > k && l <= L ? d[l] * r : 0;
}

static dln_status alloc_buffers(dlni_factored *f, const dln_net *net, size_t d0, size_t dL)
{
    const size_t L = net->L, k = f->k, r = net->d[k];
    f->off = malloc(2 * (L + 2) * sizeof *f->off);
    if (!f->off) return DLN_E_NOMEM;
    size_t nc = 0, nb = 0;
    for (size_t l = 0; l <= L + 1; l++) {
        f->off[l] = nc, f->off[L + 2 + l] = nb;
        nc += entry_size(net->d, L, k, l, 0), nb += entry_size(net->d, L, k, l, 1);
    }
    f->nc = nc, f->nb = nb;
    f->chain = dlni_alloc(nc), f->back = dlni_alloc(nb);
    f->Mt = dlni_alloc(r * d0), f->Z = dlni_alloc(2 * r * d0), f->G = dlni_alloc(dL * d0);
    f->theta = dlni_alloc(net->n);
    if (!f->chain || !f->back || !f->Mt || !f->Z || !f->G || !f->theta) return DLN_E_NOMEM;
    return DLN_OK;
}

/* The HVP's tangents, allocated by its first call (a gradient holds none);
 * the scratch is unchanged on failure. */
static dln_status alloc_tangents(dln_loss *loss, size_t r, size_t d0)
{
    dlni_factored *f = &loss->work.fac;
    if (f->dchain) return DLN_OK;
    double *dchain = dlni_alloc(f->nc), *dback = dlni_alloc(f->nb), *dMt = dlni_alloc(r * d0);
    double *AA = dlni_alloc(3 * r * r);
    if (!dchain || !dback || !dMt || !AA) {
        free(dchain), free(dback), free(dMt), free(AA);
        return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the HVP's tangents");
    }
    f->dchain = dchain, f->dback = dback, f->dMt = dMt, f->AA = AA;
    f->MM = AA + r * r, f->K = f->MM + r * r;
    return DLN_OK;
}

dln_status dlni_factored_prepare(dln_loss *loss, const dln_net *net)
{
    dlni_factored *f = &loss->work.fac;
    if (f->d && f->path == loss->path && dlni_same_widths(net, f->L, f->d)) return DLN_OK;
    dlni_factored_free(f);
    const size_t L = net->L;
    size_t k = bottleneck(net);
    int on = k && (loss->path == DLNI_PATH_FACTORED ||
                   (loss->path == DLNI_PATH_AUTO && factored_is_cheaper(loss, net, k)));
    f->d = malloc((L + 1) * sizeof *f->d);
    dln_status st = f->d ? DLN_OK : DLN_E_NOMEM;
    if (st == DLN_OK && on) {
        f->k = k;
        st = alloc_buffers(f, net, loss->d0, loss->dL);
    }
    if (st != DLN_OK) {
        dlni_factored_free(f);
        return dlni_fail(loss->err, st, "out of memory for the scratch of this network shape");
    }
    memcpy(f->d, net->d, (L + 1) * sizeof *f->d);
    f->L = L, f->path = loss->path, f->on = on;
    return DLN_OK;
}

void dlni_factored_set_path(dln_loss *loss, dlni_path path)
{
    loss->path = path; /* dlni_factored_prepare decides again at the next call */
}

/* Chain entry l of the point (S_l or T_l) and its tangent along D (theta layout). */
static const double *chain(const dlni_factored *f, const dln_net *net, size_t l)
{
    if (l + 1 == f->k) return dlni_layer(net, f->k);
    if (l == f->k + 2) return dlni_layer(net, f->k + 1);
    return f->chain + f->off[l];
}

static const double *dchain(const dlni_factored *f, const dln_net *net, const double *D, size_t l)
{
    if (l + 1 == f->k) return D + net->off[f->k - 1];
    if (l == f->k + 2) return D + net->off[f->k];
    return f->dchain + f->off[l];
}

static double *back(const dlni_factored *f, size_t l) { return f->back + f->off[f->L + 2 + l]; }
static double *dback(const dlni_factored *f, size_t l) { return f->dback + f->off[f->L + 2 + l]; }

/* Columns per block of G in the products that form or read it: about 32K
 * doubles, so that a block formed by one product is still in the L2 cache
 * for the next step, and at least 4r, so that each block's product stays
 * efficient. For small r these products are memory-bound: at 512-16-512
 * forming G this way takes 0.75 of the time of a GEMM and a separate pass,
 * and the two products that read it 0.8 (docs/performance.md). */
static size_t block_cols(size_t dL, size_t r)
{
    return 32768 / dL > 4 * r ? 32768 / dL : 4 * r;
}

/* G = A' M - C and ||G||^2, block after block of columns. */
static double residual(const dln_loss *loss, const dln_net *net)
{
    const dlni_factored *f = &loss->work.fac;
    const size_t L = net->L, r = net->d[f->k], d0 = net->d[0], dL = net->d[L];
    const size_t b = block_cols(dL, r);
    double ss = 0.0;
    for (size_t j = 0; j < d0; j += b) {
        size_t nb = d0 - j < b ? d0 - j : b;
        double *G = f->G + j * dL;
        la_gemm(LA_N, LA_T, dL, nb, r, 1.0, chain(f, net, L + 1), dL, f->Mt + j, d0, 0.0, G, dL);
        ss += dlni_minus_sumsq(dL * nb, 1.0, loss->eff.rs, loss->eff.C + j * dL, G);
    }
    return ss;
}

dln_status dlni_factored_forward(dln_loss *loss, const dln_net *net, const dln_net *params,
                                 double *value)
{
    dlni_factored *f = &loss->work.fac;
    const size_t L = net->L, *d = net->d, k = f->k, r = d[k], d0 = d[0];
    if (!(f->fwd_valid && memcmp(f->theta, net->theta, net->n * sizeof *f->theta) == 0)) {
        f->fwd_valid = f->have = 0;
        for (size_t l = k - 1; l >= 1; l--) /* S_{l-1} = S_l W_l */
            la_gemm(LA_N, LA_N, r, d[l - 1], d[l], 1.0, chain(f, net, l), r, dlni_layer(net, l),
                    d[l], 0.0, f->chain + f->off[l - 1], r);
        for (size_t l = k + 2; l <= L; l++) /* T_{l+1} = W_l T_l */
            la_gemm(LA_N, LA_N, d[l], r, d[l - 1], 1.0, dlni_layer(net, l), d[l],
                    chain(f, net, l), d[l - 1], 0.0, f->chain + f->off[l + 1], d[l]);
        la_copy_t(r, d0, chain(f, net, 0), r, f->Z, d0); /* M^T = R B'^T */
        dlni_r_times(loss, LA_N, r, f->Z, d0, f->Mt, d0);
        f->value = 0.5 * residual(loss, net) + 0.5 * loss->r0;
        memcpy(f->theta, net->theta, net->n * sizeof *f->theta);
        f->fwd_valid = 1;
    }
    return dlni_total_value(loss, params, f->value, value);
}

/* Parts of the back products at the point (f->have): the gradient needs U
 * and V, the HVP only the r x r products and the chains it reads (U_l for
 * l < k, V_l for l > k+1). */
enum { HAVE_U = 1, HAVE_V = 2, HAVE_RR = 4 };

/* Form the parts in need that are missing:
 *   U: U_1 = (A'^T G) R, formed transposed, R^T (G^T A'), and transposed
 *      back (r d_0); U_{l+1} = U_l W_l^T up to U_{k-1} (U_k is not formed);
 *   V: V_L = G M^T; V_{l-1} = W_l^T V_l down to V_{k+2};
 * the products with G block by block, both from one pass over it;
 *   RR: A'^T A' and M M^T for the tangents. */
static void backward(dln_loss *loss, const dln_net *net, int need)
{
    dlni_factored *f = &loss->work.fac;
    const size_t L = net->L, *d = net->d, k = f->k, r = d[k], d0 = d[0], dL = d[L];
    const double *A = chain(f, net, L + 1);
    need &= ~f->have;
    const size_t b = block_cols(dL, r);
    for (size_t j = 0; j < d0 && (need & (HAVE_U | HAVE_V)); j += b) { /* G^T A', G M^T */
        size_t nb = d0 - j < b ? d0 - j : b;
        const double *G = f->G + j * dL;
        if (need & HAVE_U)
            la_gemm(LA_T, LA_N, nb, r, dL, 1.0, G, dL, A, dL, 0.0, f->Z + j, d0);
        if (need & HAVE_V)
            la_gemm(LA_N, LA_N, dL, r, nb, 1.0, G, dL, f->Mt + j, d0, j ? 1.0 : 0.0, back(f, L), dL);
    }
    if (need & HAVE_U) {
        double *St = f->Z + r * d0;
        dlni_r_times(loss, LA_T, r, f->Z, d0, St, d0);
        la_copy_t(d0, r, St, d0, back(f, 1), r);
        for (size_t l = 1; l + 1 < k; l++)
            la_gemm(LA_N, LA_T, r, d[l], d[l - 1], 1.0, back(f, l), r, dlni_layer(net, l), d[l],
                    0.0, back(f, l + 1), r);
    }
    if (need & HAVE_V) {
        for (size_t l = L; l > k + 2; l--)
            la_gemm(LA_T, LA_N, d[l - 1], r, d[l], 1.0, dlni_layer(net, l), d[l], back(f, l), d[l],
                    0.0, back(f, l - 1), d[l - 1]);
    }
    if (need & HAVE_RR) {
        la_gemm(LA_T, LA_N, r, r, dL, 1.0, A, dL, A, dL, 0.0, f->AA, r);
        la_gemm(LA_T, LA_N, r, r, d0, 1.0, f->Mt, d0, f->Mt, d0, 0.0, f->MM, r);
    }
    f->have |= need;
}

/* The tangents of the seeds U_1 and V_L along D (dM^T = R dB'^T in f->dMt),
 * with dG = dA' M + A' dM never formed:
 *   dU_1 = (dA'^T G + (A'^T dA') M + (A'^T A') dM) R,
 *   dV_L = G dM^T + dA' (M M^T) + A' (dM M^T),
 * i.e. one d_L x r x d_0 product each plus r x r ones (derivatives.md §4a). */
static void tangent_seeds(dln_loss *loss, const dln_net *net, const double *dA)
{
    dlni_factored *f = &loss->work.fac;
    const size_t L = net->L, r = net->d[f->k], d0 = net->d[0], dL = net->d[L];
    const double *A = chain(f, net, L + 1);
    double *VL = dback(f, L), *St = f->Z + r * d0;
    la_gemm(LA_T, LA_N, d0, r, dL, 1.0, f->G, dL, dA, dL, 0.0, f->Z, d0);
    la_gemm(LA_T, LA_N, r, r, dL, 1.0, A, dL, dA, dL, 0.0, f->K, r);
    la_gemm(LA_N, LA_T, d0, r, r, 1.0, f->Mt, d0, f->K, r, 1.0, f->Z, d0);
    la_gemm(LA_N, LA_N, d0, r, r, 1.0, f->dMt, d0, f->AA, r, 1.0, f->Z, d0);
    dlni_r_times(loss, LA_T, r, f->Z, d0, St, d0);
    la_copy_t(d0, r, St, d0, dback(f, 1), r);
    la_gemm(LA_N, LA_N, dL, r, d0, 1.0, f->G, dL, f->dMt, d0, 0.0, VL, dL);
    la_gemm(LA_N, LA_N, dL, r, r, 1.0, dA, dL, f->MM, r, 1.0, VL, dL);
    la_gemm(LA_T, LA_N, r, r, d0, 1.0, f->dMt, d0, f->Mt, d0, 0.0, f->K, r);
    la_gemm(LA_N, LA_N, dL, r, r, 1.0, A, dL, f->K, r, 1.0, VL, dL);
}

/* g = grad_l - lam_l W_l (beta = 0) or g += it (beta = 1), after backward(U | V). */
static void grad_layer(const dln_loss *loss, const dln_net *net, size_t l, double beta, double *g)
{
    const dlni_factored *f = &loss->work.fac;
    const size_t L = net->L, *d = net->d, k = f->k, r = d[k];
    if (l < k) /* S_l^T U_l */
        la_gemm(LA_T, LA_N, d[l], d[l - 1], r, 1.0, chain(f, net, l), r, back(f, l), r, beta, g,
                d[l]);
    else if (l == k && k == 1) /* U_1 */
        dlni_add_or_copy(beta, r, d[0], back(f, 1), r, g);
    else if (l == k) /* U_k = U_{k-1} W_{k-1}^T */
        la_gemm(LA_N, LA_T, r, d[k - 1], d[k - 2], 1.0, back(f, k - 1), r, dlni_layer(net, k - 1),
                d[k - 1], beta, g, r);
    else if (l == k + 1 && k + 1 == L) /* V_L */
        dlni_add_or_copy(beta, d[L], r, back(f, L), d[L], g);
    else if (l == k + 1) /* V_{k+1} = W_{k+2}^T V_{k+2} */
        la_gemm(LA_T, LA_N, d[k + 1], r, d[k + 2], 1.0, dlni_layer(net, k + 2), d[k + 2],
                back(f, k + 2), d[k + 2], beta, g, d[k + 1]);
    else /* V_l T_l^T */
        la_gemm(LA_N, LA_T, d[l], d[l - 1], r, 1.0, back(f, l), d[l], chain(f, net, l), d[l - 1],
                beta, g, d[l]);
}

dln_status dlni_factored_grad_sq(dln_loss *loss, const dln_net *eff, const dln_net *net,
                                 double *value, double *grad, double *gg)
{
    dln_status st = dlni_factored_forward(loss, eff, net, value);
    if (st != DLN_OK) return st;
    backward(loss, eff, HAVE_U | HAVE_V);
    double ss = 0.0;
    for (size_t l = 1; l <= net->L; l++) {
        double *g = grad + net->off[l - 1];
        size_t nl = net->d[l] * net->d[l - 1];
        double beta = dlni_start_lam(loss->work.lam[l - 1], nl, dlni_layer(net, l), g);
        grad_layer(loss, eff, l, beta, g);
        if ((st = dlni_grad_block_sumsq(loss, nl, g, &ss)) != DLN_OK) return st;
    }
    if (gg) *gg = ss;
    return DLN_OK;
}

/* Tangents of the chains along D: dS_{l-1} = dS_l W_l + S_l D_l,
 * dT_{l+1} = W_l dT_l + D_l T_l (dS_{k-1} = D_k, dT_{k+2} = D_{k+1}). */
static void tangent_chains(const dlni_factored *f, const dln_net *net, const double *D)
{
    const size_t L = net->L, *d = net->d, k = f->k, r = d[k];
    for (size_t l = k - 1; l >= 1; l--) {
        double *out = f->dchain + f->off[l - 1];
        la_gemm(LA_N, LA_N, r, d[l - 1], d[l], 1.0, dchain(f, net, D, l), r, dlni_layer(net, l),
                d[l], 0.0, out, r);
        la_gemm(LA_N, LA_N, r, d[l - 1], d[l], 1.0, chain(f, net, l), r, D + net->off[l - 1], d[l],
                1.0, out, r);
    }
    for (size_t l = k + 2; l <= L; l++) {
        double *out = f->dchain + f->off[l + 1];
        la_gemm(LA_N, LA_N, d[l], r, d[l - 1], 1.0, dlni_layer(net, l), d[l],
                dchain(f, net, D, l), d[l - 1], 0.0, out, d[l]);
        la_gemm(LA_N, LA_N, d[l], r, d[l - 1], 1.0, D + net->off[l - 1], d[l], chain(f, net, l),
                d[l - 1], 1.0, out, d[l]);
    }
}

/* Tangents of the back chains: dU_{l+1} = dU_l W_l^T + U_l D_l^T (l < k),
 * dV_{l-1} = W_l^T dV_l + D_l^T V_l (l > k+1). */
static void tangent_backs(const dlni_factored *f, const dln_net *net, const double *D)
{
    const size_t L = net->L, *d = net->d, k = f->k, r = d[k];
    for (size_t l = 1; l < k; l++) {
        la_gemm(LA_N, LA_T, r, d[l], d[l - 1], 1.0, dback(f, l), r, dlni_layer(net, l), d[l], 0.0,
                dback(f, l + 1), r);
        la_gemm(LA_N, LA_T, r, d[l], d[l - 1], 1.0, back(f, l), r, D + net->off[l - 1], d[l], 1.0,
                dback(f, l + 1), r);
    }
    for (size_t l = L; l > k + 1; l--) {
        la_gemm(LA_T, LA_N, d[l - 1], r, d[l], 1.0, dlni_layer(net, l), d[l], dback(f, l), d[l],
                0.0, dback(f, l - 1), d[l - 1]);
        la_gemm(LA_T, LA_N, d[l - 1], r, d[l], 1.0, D + net->off[l - 1], d[l], back(f, l), d[l],
                1.0, dback(f, l - 1), d[l - 1]);
    }
}

/* h (+)= the data part of H_l D: dS_l^T U_l + S_l^T dU_l (l < k), dU_k,
 * dV_{k+1}, dV_l T_l^T + V_l dT_l^T (l > k+1). */
static void hvp_layer(const dlni_factored *f, const dln_net *net, const double *D, size_t l,
                      double beta, double *h)
{
    const size_t *d = net->d, k = f->k, r = d[k];
    if (l == k) {
        dlni_add_or_copy(beta, r, d[k - 1], dback(f, k), r, h);
    } else if (l == k + 1) {
        dlni_add_or_copy(beta, d[k + 1], r, dback(f, k + 1), d[k + 1], h);
    } else if (l < k) {
        la_gemm(LA_T, LA_N, d[l], d[l - 1], r, 1.0, dchain(f, net, D, l), r, back(f, l), r, beta,
                h, d[l]);
        la_gemm(LA_T, LA_N, d[l], d[l - 1], r, 1.0, chain(f, net, l), r, dback(f, l), r, 1.0, h,
                d[l]);
    } else {
        la_gemm(LA_N, LA_T, d[l], d[l - 1], r, 1.0, dback(f, l), d[l], chain(f, net, l), d[l - 1],
                beta, h, d[l]);
        la_gemm(LA_N, LA_T, d[l], d[l - 1], r, 1.0, back(f, l), d[l], dchain(f, net, D, l),
                d[l - 1], 1.0, h, d[l]);
    }
}

dln_status dlni_factored_hvp(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                             size_t ldv, double *HV, size_t ldhv)
{
    dlni_factored *f = &loss->work.fac;
    const size_t L = net->L, *d = net->d, r = d[f->k];
    dln_status st = alloc_tangents(loss, r, d[0]);
    if (st == DLN_OK) st = dlni_factored_forward(loss, net, net, NULL);
    if (st != DLN_OK) return st;
    backward(loss, net, HAVE_RR | (f->k >= 2 ? HAVE_U : 0) | (L >= f->k + 2 ? HAVE_V : 0));
    for (size_t j = 0; j < k; j++) {
        const double *D = V + j * ldv;
        tangent_chains(f, net, D);
        la_copy_t(r, d[0], dchain(f, net, D, 0), r, f->Z, d[0]); /* dM^T = R dB'^T */
        dlni_r_times(loss, LA_N, r, f->Z, d[0], f->dMt, d[0]);
        tangent_seeds(loss, net, dchain(f, net, D, L + 1));
        tangent_backs(f, net, D);
        for (size_t l = 1; l <= L; l++) {
            double *h = HV + j * ldhv + net->off[l - 1];
            size_t nl = d[l] * d[l - 1];
            double beta = dlni_start_lam(loss->work.lam[l - 1], nl, D + net->off[l - 1], h);
            hvp_layer(f, net, D, l, beta, h);
        }
    }
    if (!la_all_finite(net->n, k, HV, ldhv))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "the Hessian-vector product overflowed");
    return DLN_OK;
}
