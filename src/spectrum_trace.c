/* spectrum_trace.c - exact trace and diagonal of the Hessian, and the
 * Hutchinson estimate that sampling codes use (docs/spectrum.md §1).
 *
 * F is quadratic in each single layer: with A_l = W_{L:l+1} (d_L x d_l) and
 * M_l = W_{l-1:1} R^T (d_{l-1} x d_0), the data term is 1/2 ||A_l W_l M_l - C||^2,
 * so the diagonal block of layer l is the Kronecker product
 *
 *     H_ll = (M_l M_l^T) (x) (A_l^T A_l) + lam_l I     (theta index i + j d_l).
 *
 * Its diagonal is a_i b_j + lam_l with a = diag(A_l^T A_l) (squared column
 * norms of A_l) and b = diag(M_l M_l^T) (squared row norms of M_l), and its
 * trace is ||A_l||_F^2 ||M_l||_F^2 + lam_l d_l d_{l-1}. Both chains are
 * walked once, from R^T upwards and from I downwards: 2L - 4 GEMMs and one
 * TRMM by R, against 3L - 2 for a gradient. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t max_width(const dln_net *net)
{
    size_t w = 0;
    for (size_t l = 0; l <= net->L; l++) w = net->d[l] > w ? net->d[l] : w;
    return w;
}

/* Squared row norms (rows = 1) or column norms (rows = 0) of an r x c matrix. */
static void sq_norms(int rows, size_t r, size_t c, const double *X, size_t ld, double *out)
{
    if (rows) {
        memset(out, 0, r * sizeof *out);
        for (size_t j = 0; j < c; j++)
            for (size_t i = 0; i < r; i++) out[i] += X[i + j * ld] * X[i + j * ld];
    } else {
        for (size_t j = 0; j < c; j++) out[j] = la_sumsq(r, X + j * ld);
    }
}

dln_status dlni_gram_factors(dln_loss *loss, const dln_net *net, size_t sel, double *a, double *b,
                             double *ga, double *gm)
{
    /* residual layers: the chains multiply W_l = I + A_l; the Hessian in A_l
     * is the one in W_l (the shift is affine, the penalty's Hessian lam I) */
    net = dlni_loss_effective(loss, net);
    const size_t L = net->L, *d = net->d, d0 = d[0], dL = d[L], w = max_width(net);
    size_t t1, t2;
    if (!dlni_mul(w, d0 > dL ? d0 : dL, &t1) || !dlni_mul(t1, 2, &t2))
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "chain workspace overflows");
    double *buf = dlni_alloc(t2);
    if (!buf) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the chains");
    double *X = buf, *Y = buf + t1, *tmp;
    /* input side: M_1 = R^T, M_{l+1} = W_l M_l */
    dlni_loss_r_copy(loss, LA_T, X, d0);
    for (size_t l = 1, off = 0; l <= L; off += d[l - 1], l++) {
        if (b) sq_norms(1, d[l - 1], d0, X, d[l - 1], b + off);
        if (gm && l == sel)
            la_gemm(LA_N, LA_T, d[l - 1], d[l - 1], d0, 1.0, X, d[l - 1], X, d[l - 1], 0.0, gm,
                    d[l - 1]);
        if (l == 1 && L > 1) /* M_2 = W_1 R^T: a TRMM (or a copy for a target loss) */
            dlni_times_r(loss, LA_T, d[1], dlni_layer(net, 1), d[1], Y, d[1]);
        else if (l < L)
            la_gemm(LA_N, LA_N, d[l], d0, d[l - 1], 1.0, dlni_layer(net, l), d[l], X, d[l - 1],
                    0.0, Y, d[l]);
        tmp = X, X = Y, Y = tmp;
    }
    /* output side: A_L = I, A_{l-1} = A_l W_l */
    la_set_identity(dL, dL, X, dL);
    size_t off = 0; /* offset of layer l's entries in a: d_1 + ... + d_{l-1} */
    for (size_t l = 1; l < L; l++) off += d[l];
    for (size_t l = L; l >= 1; l--) {
        if (a) sq_norms(0, dL, d[l], X, dL, a + off);
        if (ga && l == sel) la_gemm(LA_T, LA_N, d[l], d[l], dL, 1.0, X, dL, X, dL, 0.0, ga, d[l]);
        if (l > 1) {
            if (l == L) /* A_{L-1} = W_L */
                la_copy(dL, d[l - 1], dlni_layer(net, l), dL, Y, dL);
            else
                la_gemm(LA_N, LA_N, dL, d[l - 1], d[l], 1.0, X, dL, dlni_layer(net, l), d[l], 0.0,
                        Y, dL);
            tmp = X, X = Y, Y = tmp;
            off -= d[l - 1];
        }
    }
    free(buf);
    return DLN_OK;
}

dln_status dln_loss_hessian_trace(dln_loss *loss, const dln_net *net, double *trace,
                                  double *layer_trace, double *diag)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!trace && !layer_trace && !diag)
        return dlni_fail(loss->err, DLN_E_NULL, "trace, layer_trace and diag are all NULL");
    const size_t L = net->L, *d = net->d;
    size_t sa = 0, sb = 0;
    for (size_t l = 1; l <= L; l++) sa += d[l], sb += d[l - 1];
    double *ab = dlni_alloc(sa + sb + L);
    if (!ab) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the Gram diagonals");
    double *a = ab, *b = ab + sa, *lt = b + sb, total = 0.0;
    st = dlni_gram_factors(loss, net, 0, a, b, NULL, NULL);
    for (size_t l = 1; l <= L && st == DLN_OK; l++) {
        double lam = loss->work.lam[l - 1], sumA = 0.0, sumB = 0.0;
        for (size_t i = 0; i < d[l]; i++) sumA += a[i];
        for (size_t j = 0; j < d[l - 1]; j++) sumB += b[j];
        lt[l - 1] = sumA * sumB + lam * (double)d[l] * (double)d[l - 1];
        total += lt[l - 1];
        if (diag)
            for (size_t j = 0; j < d[l - 1]; j++)
                for (size_t i = 0; i < d[l]; i++)
                    diag[net->off[l - 1] + i + j * d[l]] = a[i] * b[j] + lam;
        a += d[l], b += d[l - 1];
    }
    if (st == DLN_OK && !isfinite(total))
        st = dlni_fail(loss->err, DLN_E_NONFINITE, "the trace overflowed");
    if (st == DLN_OK) {
        if (trace) *trace = total;
        if (layer_trace) memcpy(layer_trace, lt, L * sizeof *lt);
    }
    free(ab);
    return st;
}

void dlni_rademacher(dlni_rng *rng, size_t n, double *z)
{
    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 64 == 0) bits = dlni_rng_next(rng);
        z[i] = (bits & 1) ? 1.0 : -1.0;
        bits >>= 1;
    }
}

dln_status dln_loss_hessian_trace_estimate(dln_loss *loss, const dln_net *net, size_t probes,
                                           uint64_t seed, double *estimate, double *std_error)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!estimate) return dlni_fail(loss->err, DLN_E_NULL, "estimate is NULL");
    if (probes < 2)
        return dlni_fail(loss->err, DLN_E_RANGE, "probes = %zu: at least 2 are needed", probes);
    const size_t n = net->n;
    size_t t;
    if (!dlni_mul(n, 2 * DLNI_BATCH, &t))
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "probe workspace overflows");
    double *Z = dlni_alloc(t), *HZ = Z ? Z + n * DLNI_BATCH : NULL;
    if (!Z) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the probes");
    dlni_rng rng;
    dlni_rng_seed(&rng, seed);
    /* Welford's running mean and sum of squared deviations */
    double mean = 0.0, m2 = 0.0;
    for (size_t p0 = 0; p0 < probes && st == DLN_OK; p0 += DLNI_BATCH) {
        size_t kk = probes - p0 < DLNI_BATCH ? probes - p0 : DLNI_BATCH;
        dlni_rademacher(&rng, n * kk, Z);
        st = dln_loss_hvp_batch(loss, net, kk, Z, n, HZ, n);
        for (size_t j = 0; j < kk && st == DLN_OK; j++) {
            double q = la_dot(n, Z + j * n, HZ + j * n), delta = q - mean;
            mean += delta / (double)(p0 + j + 1);
            m2 += delta * (q - mean);
        }
    }
    free(Z);
    if (st != DLN_OK) return st;
    double se = sqrt(m2 / ((double)probes * (double)(probes - 1)));
    if (!isfinite(mean) || !isfinite(se))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "the estimate overflowed");
    *estimate = mean;
    if (std_error) *std_error = se;
    return DLN_OK;
}
