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

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Stacked tangents of k directions: block j of level l at base + j*stride, ld. */
typedef struct stack {
    double *base;
    size_t stride, ld;
} stack;

/* k stacked blocks at base of rows (input side) or columns (output side). */
static stack stacked(const dlni_work *w, const dln_net *net, double *base, size_t rows_or_cols,
                     size_t k)
{
    size_t d0 = net->d[0], dL = net->d[net->L];
    stack s;
    s.base = base;
    if (w->input_side) /* rows x (k d0): side by side */
        s.stride = rows_or_cols * d0, s.ld = rows_or_cols;
    else /* (k dL) x cols: stacked vertically */
        s.stride = dL, s.ld = k * dL;
    return s;
}

/* Tangent level l of the chain: every level is kept for the back sweep. */
static stack chain_tangent(const dlni_work *w, const dln_net *net, size_t l, size_t rows_or_cols,
                           size_t k)
{
    return stacked(w, net, w->dchain + DLNI_BATCH * w->coff[l], rows_or_cols, k);
}

/* Tangent level l of the back products: each is read by the next level
 * only, so slots by parity (dlni_back_slots), which stay in cache (a block
 * per level would be written cold, i.e. cleared from memory by the beta = 0
 * product). */
static stack back_tangent(const dlni_work *w, const dln_net *net, size_t l, size_t rows_or_cols,
                          size_t k)
{
    size_t slot = dlni_back_slots(net->L) == 2 ? l & 1 : 0;
    return stacked(w, net, w->dback + slot * DLNI_BATCH * w->bmax, rows_or_cols, k);
}

/* A (m x d_0, ld lda) <- A R^T R in place: the dE of a tangent P1 = A,
 * which then serves as dV_L (dU_1); nothing for a target loss. The GEMM
 * path (d_0 < DLNI_R_GEMM_BELOW) goes through the scratch RT; on the TRMM
 * path the scale rs^2 of R^T R is one TRMM's alpha (one scaling pass). */
static void times_rtr(const dln_loss *loss, size_t m, double *A, size_t lda)
{
    const dlni_summ *e = &loss->eff;
    if (!e->R) return;
    double *RT = loss->work.RT;
    if (RT) {
        dlni_times_r(loss, LA_T, m, A, lda, RT, m);
        dlni_times_r(loss, LA_N, m, RT, m, A, lda);
    } else {
        la_trmm_right_upper(LA_T, m, loss->d0, 1.0, e->R, loss->d0, A, lda);
        la_trmm_right_upper(LA_N, m, loss->d0, e->rs * e->rs, e->R, loss->d0, A, lda);
    }
}

/* Finiteness of an output block, tested while it is in cache. */
static int finite_block(size_t m, size_t n, const double *h) { return la_all_finite(m * n, 1, h, m * n); }

/* One batch of k directions. With fwd set, the chains of the point are
 * formed along the tangents (dlni_forward_step), so that each W_l and B_l
 * is read while in cache. Returns 1 if every entry of HV is finite, 0 if
 * not, -1 if the loss value overflowed (the message is in loss). */
static int hvp_input_side(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                          size_t ldv, double *HV, size_t ldhv, int fwd)
{
    dlni_work *w = &loss->work;
    const size_t L = net->L, *d = net->d, d0 = d[0], dL = d[L];
    size_t ld, ldb;
    int ok = 1;
    /* dB_2 = D_1: one direction is read in place (unless it is P1, which
     * is overwritten by dE below), several are stacked side by side */
    stack t = chain_tangent(w, net, 2, d[1], k);
    const double *db2 = t.base;
    if (k == 1 && L > 1)
        db2 = V;
    else
        for (size_t j = 0; j < k; j++)
            la_copy(d[1], d0, V + j * ldv, d[1], t.base + j * t.stride, t.ld);
    for (size_t l = 2; l <= L; l++) {
        if (fwd) dlni_forward_step(loss, net, l);
        stack tl = chain_tangent(w, net, l, d[l - 1], k);
        stack tn = chain_tangent(w, net, l + 1, d[l], k);
        const double *B = dlni_chain_at(loss, net, l, &ldb), *dB = l == 2 ? db2 : tl.base;
        la_gemm(LA_N, LA_N, d[l], k * d0, d[l - 1], 1.0, dlni_layer(net, l), d[l], dB, tl.ld, 0.0,
                tn.base, tn.ld);
        for (size_t j = 0; j < k; j++)
            la_gemm(LA_N, LA_N, d[l], d0, d[l - 1], 1.0, V + j * ldv + net->off[l - 1], d[l], B,
                    ldb, 1.0, tn.base + j * tn.stride, tn.ld);
    }
    if (fwd) {
        dlni_forward_end(loss, net);
        if (dlni_forward_value(loss, net, NULL) != DLN_OK) return -1;
    }
    /* dV_L = dE = P1 R^T R, formed in the storage of P1 = dB_{L+1} */
    stack p1 = chain_tangent(w, net, L + 1, dL, k);
    for (size_t j = 0; j < k; j++) times_rtr(loss, dL, p1.base + j * p1.stride, p1.ld);
    /* The back sweep: at level l the primal V_{l-1} (unless cached), the
     * tangent dV_{l-1} and the output H_l, while W_l, V_l and dV_l are in cache */
    int fresh = !w->back_valid;
    for (size_t l = L; l >= 2; l--) {
        stack tl = l == L ? p1 : back_tangent(w, net, l, d[l], k);
        stack tp = back_tangent(w, net, l - 1, d[l - 1], k);
        if (fresh && l >= 3) dlni_backward_step(loss, net, l);
        double beta = 0.0;
        if (l == 2 && k == 1) { /* dV_1 is H_1 - lam_1 D_1: straight into HV */
            tp.base = HV;
            beta = dlni_start_lam(w->lam[0], d[1] * d0, V, HV);
        }
        const double *Vl = dlni_back_at(loss, net, l, &ld), *B = dlni_chain_at(loss, net, l, &ldb);
        la_gemm(LA_T, LA_N, d[l - 1], k * d0, d[l], 1.0, dlni_layer(net, l), d[l], tl.base, tl.ld,
                beta, tp.base, tp.ld);
        stack dbl = chain_tangent(w, net, l, d[l - 1], k);
        for (size_t j = 0; j < k; j++) {
            const double *D = V + j * ldv + net->off[l - 1];
            la_gemm(LA_T, LA_N, d[l - 1], d0, d[l], 1.0, D, d[l], Vl, ld, 1.0,
                    tp.base + j * tp.stride, tp.ld);
            /* H_l = dV_l B_l^T + V_l dB_l^T + lam_l D_l */
            double *h = HV + j * ldhv + net->off[l - 1];
            const double *dB = l == 2 ? db2 + j * dbl.stride : dbl.base + j * dbl.stride;
            double bh = dlni_start_lam(w->lam[l - 1], d[l] * d[l - 1], D, h);
            la_gemm(LA_N, LA_T, d[l], d[l - 1], d0, 1.0, tl.base + j * tl.stride, tl.ld, B, ldb, bh,
                    h, d[l]);
            la_gemm(LA_N, LA_T, d[l], d[l - 1], d0, 1.0, Vl, ld, dB, dbl.ld, 1.0, h, d[l]);
            ok &= finite_block(d[l], d[l - 1], h);
        }
    }
    w->back_valid = 1;
    /* H_1 = dV_1 + lam_1 D_1 (formed in HV above for one direction) */
    stack dv1 = L == 1 ? p1 : back_tangent(w, net, 1, d[1], k);
    for (size_t j = 0; j < k; j++) {
        double *h = HV + j * ldhv;
        if (k > 1 || L == 1)
            dlni_add_or_copy(dlni_start_lam(w->lam[0], d[1] * d0, V + j * ldv, h), d[1], d0,
                             dv1.base + j * dv1.stride, dv1.ld, h);
        ok &= finite_block(d[1], d0, h);
    }
    return ok;
}

static int hvp_output_side(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                           size_t ldv, double *HV, size_t ldhv, int fwd)
{
    dlni_work *w = &loss->work;
    const size_t L = net->L, *d = net->d, d0 = d[0], dL = d[L];
    size_t ld, lda;
    int ok = 1;
    /* dA_{L-1} = D_L: read in place for one direction (unless it is P1),
     * else stacked vertically */
    stack t = chain_tangent(w, net, L - 1, d[L - 1], k);
    const double *dal1 = t.base;
    if (k == 1 && L > 1)
        dal1 = V + net->off[L - 1];
    else
        for (size_t j = 0; j < k; j++)
            la_copy(dL, d[L - 1], V + j * ldv + net->off[L - 1], dL, t.base + j * t.stride, t.ld);
    for (size_t l = L - 1; l >= 1; l--) {
        if (fwd) dlni_forward_step(loss, net, l);
        stack tl = chain_tangent(w, net, l, d[l], k);
        stack tp = chain_tangent(w, net, l - 1, d[l - 1], k);
        const double *A = dlni_chain_at(loss, net, l, &lda), *dA = l == L - 1 ? dal1 : tl.base;
        la_gemm(LA_N, LA_N, k * dL, d[l - 1], d[l], 1.0, dA, tl.ld, dlni_layer(net, l), d[l], 0.0,
                tp.base, tp.ld);
        for (size_t j = 0; j < k; j++)
            la_gemm(LA_N, LA_N, dL, d[l - 1], d[l], 1.0, A, lda, V + j * ldv + net->off[l - 1],
                    d[l], 1.0, tp.base + j * tp.stride, tp.ld);
    }
    if (fwd) {
        dlni_forward_end(loss, net);
        if (dlni_forward_value(loss, net, NULL) != DLN_OK) return -1;
    }
    /* dU_1 = dE = P1 R^T R for all k at once (stacked vertically), in the storage of P1 = dA_0 */
    stack p1 = chain_tangent(w, net, 0, d0, k);
    times_rtr(loss, k * dL, p1.base, p1.ld);
    /* The back sweep: at level l the primal U_{l+1} (unless cached), the
     * tangent dU_{l+1} and the output H_l, while W_l, U_l and dU_l are in cache */
    int fresh = !w->back_valid;
    for (size_t l = 1; l < L; l++) {
        stack tl = l == 1 ? p1 : back_tangent(w, net, l, d[l - 1], k);
        stack tn = back_tangent(w, net, l + 1, d[l], k);
        if (fresh && l + 2 <= L) dlni_backward_step(loss, net, l);
        double beta = 0.0;
        if (l == L - 1 && k == 1) { /* dU_L is H_L - lam_L D_L: straight into HV */
            tn.base = HV + net->off[L - 1];
            beta = dlni_start_lam(w->lam[L - 1], dL * d[L - 1], V + net->off[L - 1], tn.base);
        }
        const double *Ul = dlni_back_at(loss, net, l, &ld), *A = dlni_chain_at(loss, net, l, &lda);
        la_gemm(LA_N, LA_T, k * dL, d[l], d[l - 1], 1.0, tl.base, tl.ld, dlni_layer(net, l), d[l],
                beta, tn.base, tn.ld);
        stack dal = chain_tangent(w, net, l, d[l], k);
        for (size_t j = 0; j < k; j++) {
            const double *D = V + j * ldv + net->off[l - 1];
            la_gemm(LA_N, LA_T, dL, d[l], d[l - 1], 1.0, Ul, ld, D, d[l], 1.0,
                    tn.base + j * tn.stride, tn.ld);
            /* H_l = dA_l^T U_l + A_l^T dU_l + lam_l D_l */
            double *h = HV + j * ldhv + net->off[l - 1];
            const double *dA = l == L - 1 ? dal1 + j * dal.stride : dal.base + j * dal.stride;
            double bh = dlni_start_lam(w->lam[l - 1], d[l] * d[l - 1], D, h);
            la_gemm(LA_T, LA_N, d[l], d[l - 1], dL, 1.0, dA, dal.ld, Ul, ld, bh, h, d[l]);
            la_gemm(LA_T, LA_N, d[l], d[l - 1], dL, 1.0, A, lda, tl.base + j * tl.stride, tl.ld,
                    1.0, h, d[l]);
            ok &= finite_block(d[l], d[l - 1], h);
        }
    }
    w->back_valid = 1;
    /* H_L = dU_L + lam_L D_L (formed in HV above for one direction) */
    stack duL = L == 1 ? p1 : back_tangent(w, net, L, d[L - 1], k);
    for (size_t j = 0; j < k; j++) {
        double *h = HV + j * ldhv + net->off[L - 1];
        if (k > 1 || L == 1)
            dlni_add_or_copy(dlni_start_lam(w->lam[L - 1], dL * d[L - 1], V + j * ldv + net->off[L - 1], h),
                             dL, d[L - 1], duL.base + j * duL.stride, duL.ld, h);
        ok &= finite_block(dL, d[L - 1], h);
    }
    return ok;
}

/* HV = H V for k directions; arguments already validated. */
static dln_status hvp_sweeps(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                             size_t ldv, double *HV, size_t ldhv)
{
    /* W_l = I + A_l is affine in A_l: the Hessian in A is the one in W (the
     * weight decay lam_l I is the same on either), so a residual net runs
     * on its effective weights */
    if (loss->work.fac.on) /* src/loss_factored.c, with its own scratch */
        return dlni_factored_hvp(loss, dlni_loss_effective(loss, net), k, V, ldv, HV, ldhv);
    dln_status st = dlni_work_hvp(loss);
    if (st != DLN_OK) return st;
    net = dlni_loss_effective(loss, net);
    /* the chains and back products of the point are formed in the first
     * batch's sweeps unless cached */
    int fwd = dlni_forward_begin(loss, net), ok = 1;
    if (!fwd && dlni_forward_value(loss, net, NULL) != DLN_OK) return DLN_E_NONFINITE;
    for (size_t j0 = 0; j0 < k && ok >= 0; j0 += DLNI_BATCH) {
        size_t kk = k - j0 < DLNI_BATCH ? k - j0 : DLNI_BATCH;
        int r = loss->work.input_side
                    ? hvp_input_side(loss, net, kk, V + j0 * ldv, ldv, HV + j0 * ldhv, ldhv, fwd)
                    : hvp_output_side(loss, net, kk, V + j0 * ldv, ldv, HV + j0 * ldhv, ldhv, fwd);
        ok = r < 0 ? r : ok && r;
        fwd = 0;
    }
    if (ok < 0) return DLN_E_NONFINITE; /* the loss value overflowed (message set) */
    if (!ok) return dlni_fail(loss->err, DLN_E_NONFINITE, "the Hessian-vector product overflowed");
    return DLN_OK;
}

/* Whether the spans of two n x k blocks (leading dimensions lda, ldb) share memory. */
static int spans_overlap(const double *a, size_t lda, const double *b, size_t ldb, size_t n,
                         size_t k)
{
    uintptr_t a0 = (uintptr_t)a, a1 = (uintptr_t)(a + (k - 1) * lda + n);
    uintptr_t b0 = (uintptr_t)b, b1 = (uintptr_t)(b + (k - 1) * ldb + n);
    return a0 < b1 && b0 < a1;
}

/* HV may overlap V (in place, hv == v, as 0.1.0 allowed): the sweeps read a
 * direction's first layers after writing its output, so they read a copy
 * then (the one allocation, only for overlapping buffers). */
static dln_status hvp_run(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                          size_t ldv, double *HV, size_t ldhv)
{
    size_t n = net->n;
    if (!spans_overlap(V, ldv, HV, ldhv, n, k)) return hvp_sweeps(loss, net, k, V, ldv, HV, ldhv);
    double *copy = dlni_alloc(n * k);
    if (!copy) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for a copy of the directions");
    la_copy(n, k, V, ldv, copy, n);
    dln_status st = hvp_sweeps(loss, net, k, copy, n, HV, ldhv);
    free(copy);
    return st;
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
