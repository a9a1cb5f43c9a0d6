/* loss_hvp.c - Hessian-vector products and the dense Hessian (derivatives.md §5-§6).
 *
 * The HVP is the forward-mode derivative of the gradient chain of loss_grad.c
 * along a direction D, reusing the chains B_l (or A_l), the back products
 * V_l (or U_l) and E of the point:
 *   input side:  dB_2 = D_1, dB_{l+1} = W_l dB_l + D_l B_l,  P1 = dB_{L+1},
 *                dE = P1 R^T R,  dV_L = dE, dV_{l-1} = W_l^T dV_l + D_l^T V_l,
 *                H_l = dV_l B_l^T + V_l dB_l^T + lam_l D_l   (H_1 = dV_1 + lam_1 D_1)
 *   output side: dA_{L-1} = D_L, dA_{l-1} = dA_l W_l + A_l D_l,  P1 = dA_0,
 *                dU_1 = dE, dU_{l+1} = dU_l W_l^T + U_l D_l^T,
 *                H_l = dA_l^T U_l + A_l^T dU_l + lam_l D_l   (H_L = dU_L + lam_L D_L)
 * Up to DLNI_BATCH directions run together: their tangents are stacked
 * (side by side on the input side, on top of each other on the output side)
 * so that every product with a layer W_l is a single wide GEMM. */
#include "internal.h"
#include "linalg.h"

#include <stdlib.h>
#include <string.h>

/* Stacked tangents of k directions: block j of level l at base + j*stride, ld. */
typedef struct stack {
    double *base;
    size_t stride, ld;
} stack;

/* Tangent level l of the chain (dchain) or of the back products (dback). */
static stack tangent(const dlni_work *w, const dln_net *net, double *buf, const size_t *off,
                     size_t l, size_t rows_or_cols, size_t k)
{
    size_t d0 = net->d[0], dL = net->d[net->L];
    stack s;
    s.base = buf + DLNI_BATCH * off[l];
    if (w->input_side) /* rows x (k d0): side by side */
        s.stride = rows_or_cols * d0, s.ld = rows_or_cols;
    else /* (k dL) x cols: stacked vertically */
        s.stride = dL, s.ld = k * dL;
    return s;
}

/* out = A R^T R (the dE of a tangent P1 = A), A m x d_0 with m <= DLNI_BATCH d_L. */
static void times_rtr(const dln_loss *loss, size_t m, const double *A, size_t lda, double *out,
                      size_t ldo)
{
    if (!loss->R) {
        la_copy(m, loss->d0, A, lda, out, ldo);
        return;
    }
    dlni_times_r(loss, LA_T, m, A, lda, loss->work.RT, m);
    dlni_times_r(loss, LA_N, m, loss->work.RT, m, out, ldo);
}

static void hvp_input_side(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                           size_t ldv, double *HV, size_t ldhv)
{
    dlni_work *w = &loss->work;
    const size_t L = net->L, *d = net->d, d0 = d[0], dL = d[L];
    size_t ld, ldb;
    /* dB_2 = D_1 */
    stack t = tangent(w, net, w->dchain, w->coff, 2, d[1], k);
    for (size_t j = 0; j < k; j++) la_copy(d[1], d0, V + j * ldv, d[1], t.base + j * t.stride, t.ld);
    for (size_t l = 2; l <= L; l++) {
        stack tl = tangent(w, net, w->dchain, w->coff, l, d[l - 1], k);
        stack tn = tangent(w, net, w->dchain, w->coff, l + 1, d[l], k);
        const double *B = dlni_chain_at(loss, net, l, &ldb);
        la_gemm(LA_N, LA_N, d[l], k * d0, d[l - 1], 1.0, dlni_layer(net, l), d[l], tl.base, tl.ld,
                0.0, tn.base, tn.ld);
        for (size_t j = 0; j < k; j++)
            la_gemm(LA_N, LA_N, d[l], d0, d[l - 1], 1.0, V + j * ldv + net->off[l - 1], d[l], B,
                    ldb, 1.0, tn.base + j * tn.stride, tn.ld);
    }
    /* dE = P1 R^T R, stored as dV_L */
    stack p1 = tangent(w, net, w->dchain, w->coff, L + 1, dL, k);
    stack dv = tangent(w, net, w->dback, w->boff, L, dL, k);
    for (size_t j = 0; j < k; j++)
        times_rtr(loss, dL, p1.base + j * p1.stride, p1.ld, dv.base + j * dv.stride, dv.ld);
    for (size_t l = L; l >= 2; l--) {
        stack tl = tangent(w, net, w->dback, w->boff, l, d[l], k);
        stack tp = tangent(w, net, w->dback, w->boff, l - 1, d[l - 1], k);
        const double *Vl = dlni_back_at(loss, net, l, &ld);
        la_gemm(LA_T, LA_N, d[l - 1], k * d0, d[l], 1.0, dlni_layer(net, l), d[l], tl.base, tl.ld,
                0.0, tp.base, tp.ld);
        for (size_t j = 0; j < k; j++)
            la_gemm(LA_T, LA_N, d[l - 1], d0, d[l], 1.0, V + j * ldv + net->off[l - 1], d[l], Vl,
                    ld, 1.0, tp.base + j * tp.stride, tp.ld);
    }
    for (size_t l = 1; l <= L; l++) {
        stack dvl = tangent(w, net, w->dback, w->boff, l, d[l], k);
        stack dbl = tangent(w, net, w->dchain, w->coff, l, d[l - 1], k);
        for (size_t j = 0; j < k; j++) {
            double *h = HV + j * ldhv + net->off[l - 1];
            double beta = dlni_start_lam(w->lam[l - 1], d[l] * d[l - 1],
                                         V + j * ldv + net->off[l - 1], h);
            if (l == 1) {
                dlni_add_or_copy(beta, d[1], d0, dvl.base + j * dvl.stride, dvl.ld, h);
                continue;
            }
            const double *Vl = dlni_back_at(loss, net, l, &ld);
            const double *B = dlni_chain_at(loss, net, l, &ldb);
            la_gemm(LA_N, LA_T, d[l], d[l - 1], d0, 1.0, dvl.base + j * dvl.stride, dvl.ld, B, ldb,
                    beta, h, d[l]);
            la_gemm(LA_N, LA_T, d[l], d[l - 1], d0, 1.0, Vl, ld, dbl.base + j * dbl.stride, dbl.ld,
                    1.0, h, d[l]);
        }
    }
}

static void hvp_output_side(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                            size_t ldv, double *HV, size_t ldhv)
{
    dlni_work *w = &loss->work;
    const size_t L = net->L, *d = net->d, d0 = d[0], dL = d[L];
    size_t ld, lda;
    /* dA_{L-1} = D_L */
    stack t = tangent(w, net, w->dchain, w->coff, L - 1, d[L - 1], k);
    for (size_t j = 0; j < k; j++)
        la_copy(dL, d[L - 1], V + j * ldv + net->off[L - 1], dL, t.base + j * t.stride, t.ld);
    for (size_t l = L - 1; l >= 1; l--) {
        stack tl = tangent(w, net, w->dchain, w->coff, l, d[l], k);
        stack tp = tangent(w, net, w->dchain, w->coff, l - 1, d[l - 1], k);
        const double *A = dlni_chain_at(loss, net, l, &lda);
        la_gemm(LA_N, LA_N, k * dL, d[l - 1], d[l], 1.0, tl.base, tl.ld, dlni_layer(net, l), d[l],
                0.0, tp.base, tp.ld);
        for (size_t j = 0; j < k; j++)
            la_gemm(LA_N, LA_N, dL, d[l - 1], d[l], 1.0, A, lda, V + j * ldv + net->off[l - 1],
                    d[l], 1.0, tp.base + j * tp.stride, tp.ld);
    }
    /* dE = P1 R^T R for all k at once (stacked vertically), stored as dU_1 */
    stack p1 = tangent(w, net, w->dchain, w->coff, 0, d0, k);
    stack du = tangent(w, net, w->dback, w->boff, 1, d0, k);
    times_rtr(loss, k * dL, p1.base, p1.ld, du.base, du.ld);
    for (size_t l = 1; l < L; l++) {
        stack tl = tangent(w, net, w->dback, w->boff, l, d[l - 1], k);
        stack tn = tangent(w, net, w->dback, w->boff, l + 1, d[l], k);
        const double *Ul = dlni_back_at(loss, net, l, &ld);
        la_gemm(LA_N, LA_T, k * dL, d[l], d[l - 1], 1.0, tl.base, tl.ld, dlni_layer(net, l), d[l],
                0.0, tn.base, tn.ld);
        for (size_t j = 0; j < k; j++)
            la_gemm(LA_N, LA_T, dL, d[l], d[l - 1], 1.0, Ul, ld, V + j * ldv + net->off[l - 1],
                    d[l], 1.0, tn.base + j * tn.stride, tn.ld);
    }
    for (size_t l = 1; l <= L; l++) {
        stack dul = tangent(w, net, w->dback, w->boff, l, d[l - 1], k);
        stack dal = tangent(w, net, w->dchain, w->coff, l, d[l], k);
        for (size_t j = 0; j < k; j++) {
            double *h = HV + j * ldhv + net->off[l - 1];
            double beta = dlni_start_lam(w->lam[l - 1], d[l] * d[l - 1],
                                         V + j * ldv + net->off[l - 1], h);
            if (l == L) {
                dlni_add_or_copy(beta, dL, d[L - 1], dul.base + j * dul.stride, dul.ld, h);
                continue;
            }
            const double *Ul = dlni_back_at(loss, net, l, &ld);
            const double *A = dlni_chain_at(loss, net, l, &lda);
            la_gemm(LA_T, LA_N, d[l], d[l - 1], dL, 1.0, dal.base + j * dal.stride, dal.ld, Ul, ld,
                    beta, h, d[l]);
            la_gemm(LA_T, LA_N, d[l], d[l - 1], dL, 1.0, A, lda, dul.base + j * dul.stride, dul.ld,
                    1.0, h, d[l]);
        }
    }
}

/* HV = H V for k directions; arguments already validated. */
static dln_status hvp_run(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                          size_t ldv, double *HV, size_t ldhv)
{
    /* W_l = I + A_l is affine in A_l: the Hessian in A is the one in W (the
     * weight decay lam_l I is the same on either), so a residual net runs
     * on its effective weights */
    net = dlni_loss_effective(loss, net);
    if (loss->work.fac.on) return dlni_factored_hvp(loss, net, k, V, ldv, HV, ldhv);
    dln_status st = dlni_forward(loss, net, NULL);
    if (st != DLN_OK) return st;
    dlni_backward(loss, net);
    for (size_t j0 = 0; j0 < k; j0 += DLNI_BATCH) {
        size_t kk = k - j0 < DLNI_BATCH ? k - j0 : DLNI_BATCH;
        if (loss->work.input_side)
            hvp_input_side(loss, net, kk, V + j0 * ldv, ldv, HV + j0 * ldhv, ldhv);
        else
            hvp_output_side(loss, net, kk, V + j0 * ldv, ldv, HV + j0 * ldhv, ldhv);
    }
    if (!la_all_finite(net->n, k, HV, ldhv))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "the Hessian-vector product overflowed");
    return DLN_OK;
}

dln_status dln_loss_hvp_batch(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                              size_t ldv, double *HV, size_t ldhv)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!V || !HV) return dlni_fail(loss->err, DLN_E_NULL, "direction or output buffer is NULL");
    size_t n = net->n;
    if (k == 0) return DLN_OK;
    if (ldv < n || ldhv < n)
        return dlni_fail(loss->err, DLN_E_LD, "ldv = %zu and ldhv = %zu must be >= n = %zu", ldv,
                         ldhv, n);
    if (!dlni_span_fits(ldv, k) || !dlni_span_fits(ldhv, k))
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "n x k buffers overflow the address range");
    if (!la_all_finite(n, k, V, ldv))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "a direction has a NaN or Inf entry");
    return hvp_run(loss, net, k, V, ldv, HV, ldhv);
}

dln_status dln_loss_hvp(dln_loss *loss, const dln_net *net, const double *v, double *hv)
{
    if (!net) return loss ? dlni_fail(loss->err, DLN_E_NULL, "network handle is NULL") : DLN_E_NULL;
    return dln_loss_hvp_batch(loss, net, 1, v, net->n, hv, net->n);
}

dln_status dln_loss_hessian(dln_loss *loss, const dln_net *net, double *H, size_t ldh)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!H) return dlni_fail(loss->err, DLN_E_NULL, "Hessian buffer is NULL");
    size_t n = net->n;
    if (n > DLN_HESSIAN_MAX_PARAMS)
        return dlni_fail(loss->err, DLN_E_TOO_LARGE,
                         "n = %zu parameters exceeds DLN_HESSIAN_MAX_PARAMS = %d; use "
                         "dln_loss_hvp or the Lanczos eigensolver",
                         n, DLN_HESSIAN_MAX_PARAMS);
    if (ldh < n) return dlni_fail(loss->err, DLN_E_LD, "ldh = %zu is below n = %zu", ldh, n);
    if (!la_fits(ldh) || !dlni_span_fits(ldh, n))
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "ldh exceeds the BLAS range");
    double *E = dlni_alloc(n * DLNI_BATCH);
    if (!E) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    st = DLN_OK;
    for (size_t j0 = 0; j0 < n && st == DLN_OK; j0 += DLNI_BATCH) {
        size_t kk = n - j0 < DLNI_BATCH ? n - j0 : DLNI_BATCH;
        memset(E, 0, n * kk * sizeof *E);
        for (size_t j = 0; j < kk; j++) E[j0 + j + j * n] = 1.0;
        st = hvp_run(loss, net, kk, E, n, H + j0 * ldh, ldh);
    }
    free(E);
    if (st != DLN_OK) return st;
    for (size_t j = 0; j < n; j++) /* symmetrize the rounding-level asymmetry */
        for (size_t i = 0; i < j; i++) {
            double s = 0.5 * H[i + j * ldh] + 0.5 * H[j + i * ldh]; /* no overflow */
            H[i + j * ldh] = H[j + i * ldh] = s;
        }
    return DLN_OK;
}
