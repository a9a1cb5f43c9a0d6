/* loss_kernels.c - the steps that the full (src/loss_grad.c, src/loss_hvp.c)
 * and the factored (src/loss_factored.c) derivative paths share: products
 * with the data factor R, the weight-decay terms. Below both paths in the
 * file-level call graph (tests/layers.sh). */
#include "internal.h"
#include "linalg.h"

#include <math.h>

/* Penalty sum_l lam_l/2 ||W_l||^2. */
static double penalty(const dln_loss *loss, const dln_net *net)
{
    double s = 0.0;
    for (size_t l = 1; l <= net->L; l++) {
        double lam = loss->work.lam[l - 1];
        if (lam != 0.0) {
            double nr = la_nrm2(net->d[l] * net->d[l - 1], dlni_layer(net, l));
            s += 0.5 * lam * nr * nr;
        }
    }
    return s;
}

dln_status dlni_total_value(dln_loss *loss, const dln_net *params, double data, double *value)
{
    double v = data + penalty(loss, params);
    if (value) *value = v;
    return isfinite(v) ? DLN_OK
                       : dlni_fail(loss->err, DLN_E_NONFINITE, "the loss value overflowed (%g)", v);
}

dln_status dlni_grad_block_sumsq(dln_loss *loss, size_t n, const double *g, double *ss)
{
    *ss += la_sumsq(n, g);
    if (!isfinite(*ss) && !la_all_finite(n, 1, g, n)) /* else a finite sum overflowed */
        return dlni_fail(loss->err, DLN_E_NONFINITE, "the gradient overflowed");
    return DLN_OK;
}

/* The pass of dlni_minus_sumsq, inlined twice: with s = c = 1 (the sum and
 * target forms) the compiler drops the multiplications. */
static inline double minus_sumsq(size_t n, double s, double c, const double *C, double *G)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0; /* named: kept in registers */
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        double g0 = s * G[i] - c * C[i], g1 = s * G[i + 1] - c * C[i + 1];
        double g2 = s * G[i + 2] - c * C[i + 2], g3 = s * G[i + 3] - c * C[i + 3];
        G[i] = s * g0, G[i + 1] = s * g1, G[i + 2] = s * g2, G[i + 3] = s * g3;
        s0 += g0 * g0, s1 += g1 * g1, s2 += g2 * g2, s3 += g3 * g3;
    }
    for (; i < n; i++) {
        double g = s * G[i] - c * C[i];
        G[i] = s * g, s0 += g * g;
    }
    return (s0 + s1) + (s2 + s3);
}

double dlni_minus_sumsq(size_t n, double s, double c, const double *C, double *G)
{
    return s == 1.0 && c == 1.0 ? minus_sumsq(n, 1.0, 1.0, C, G) : minus_sumsq(n, s, c, C, G);
}

/* The products with R: BLAS-3 on the stored (sum-form) R with the scale rs
 * as alpha (the mean form's R is never formed). */
void dlni_times_r(const dln_loss *loss, int trans, size_t m, const double *A, size_t lda,
                  double *out, size_t ldo)
{
    const dlni_summ *e = &loss->eff;
    size_t d0 = loss->d0;
    if (e->R && d0 < DLNI_R_GEMM_BELOW) {
        la_gemm(LA_N, trans, m, d0, d0, e->rs, A, lda, e->R, d0, 0.0, out, ldo);
        return;
    }
    la_copy(m, d0, A, lda, out, ldo);
    dlni_times_r_inplace(loss, trans, m, out, ldo);
}

void dlni_times_r_inplace(const dln_loss *loss, int trans, size_t m, double *A, size_t lda)
{
    const dlni_summ *e = &loss->eff;
    if (e->R) la_trmm_right_upper(trans, m, loss->d0, e->rs, e->R, loss->d0, A, lda);
}

void dlni_r_times(const dln_loss *loss, int trans, size_t n, const double *B, size_t ldb,
                  double *out, size_t ldo)
{
    const dlni_summ *e = &loss->eff;
    size_t d0 = loss->d0;
    if (e->R && d0 < DLNI_R_GEMM_BELOW) {
        la_gemm(trans, LA_N, d0, n, d0, e->rs, e->R, d0, B, ldb, 0.0, out, ldo);
        return;
    }
    la_copy(d0, n, B, ldb, out, ldo);
    if (e->R) la_trmm_left_upper(trans, d0, n, e->rs, e->R, d0, out, ldo);
}

void dlni_solve_r(const dln_loss *loss, size_t m, double *W, size_t ldw)
{
    const dlni_summ *e = &loss->eff;
    if (e->R) la_trsm_right_upper(LA_T, m, loss->d0, 1.0 / e->rs, e->R, loss->d0, W, ldw);
}

void dlni_loss_r_copy(const dln_loss *loss, int trans, double *out, size_t ldo)
{
    const dlni_summ *e = &loss->eff;
    size_t d0 = loss->d0;
    la_set_identity(d0, d0, out, ldo);
    if (!e->R) return;
    for (size_t j = 0; j < d0; j++)
        for (size_t i = 0; i <= j; i++) {
            double r = e->rs * e->R[i + j * d0];
            out[trans == LA_N ? i + j * ldo : j + i * ldo] = r;
        }
}

void dlni_loss_c_copy(const dln_loss *loss, double *out, size_t ldo)
{
    size_t d0 = loss->d0, dL = loss->dL;
    for (size_t j = 0; j < d0; j++)
        for (size_t i = 0; i < dL; i++) out[i + j * ldo] = loss->eff.rs * loss->eff.C[i + j * dL];
}

double dlni_start_lam(double lam, size_t n, const double *x, double *out)
{
    if (lam == 0.0) return 0.0;
    for (size_t i = 0; i < n; i++) out[i] = lam * x[i];
    return 1.0;
}

void dlni_add_or_copy(double beta, size_t m, size_t n, const double *A, size_t lda, double *B)
{
    if (beta == 0.0)
        la_copy(m, n, A, lda, B, m);
    else
        la_add(m, n, 1.0, A, lda, B, m);
}
