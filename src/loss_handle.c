/* loss_handle.c - the loss handle's data summary and options.
 *
 * The data enter only through the upper-triangular factor of
 * [X^T Y^T] = Q [[R, C^T], [0, T]] (m x (d_0 + d_L)), accumulated block by
 * block with LAPACK's triangular-pentagonal QR (dtpqrt, i.e. TSQR). Then
 * ||P X - Y||^2 = ||R_aug [P^T; -I]||^2 = ||P R^T - C||^2 + ||T||^2 exactly,
 * for any m and any rank, and r0 = ||T||^2 involves no subtraction (design
 * §4, derivatives.md §3). */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t dlni_loss_sum_size(const dln_loss *loss)
{
    size_t d0 = loss->d0, dL = loss->dL;
    return loss->kind == DLN_LOSS_DATA ? d0 * d0 + dL * d0 + dL * dL : dL * d0;
}

dln_loss *dlni_loss_alloc(dln_loss_kind kind, size_t d0, size_t dL)
{
    dln_loss *loss = calloc(1, sizeof *loss);
    if (!loss) return NULL;
    loss->kind = kind;
    loss->threads = 1;
    loss->d0 = d0, loss->dL = dL, loss->na = d0 + dL;
    loss->sum = calloc(dlni_loss_sum_size(loss), sizeof *loss->sum);
    if (!loss->sum) {
        dln_loss_free(loss);
        return NULL;
    }
    int data = kind == DLN_LOSS_DATA;
    loss->eff = (dlni_summ){data ? loss->sum : NULL, loss->sum + (data ? d0 * d0 : 0), 1.0};
    return loss;
}

void dln_loss_free(dln_loss *loss)
{
    if (!loss) return;
    dlni_work_free(&loss->work);
    free(loss->sum), free(loss->lam), free(loss);
}

/* Validate the sizes shared by the constructors; na*na and the summary's block must fit. */
dln_status dlni_loss_check_shape(size_t d0, size_t dL)
{
    if (d0 == 0 || dL == 0) return DLN_E_DIM;
    size_t na2, b;
    if (!la_fits(d0) || !la_fits(dL) || !la_fits(d0 + dL)) return DLN_E_OVERFLOW;
    if (!dlni_mul(d0 + dL, d0 + dL, &na2) || !dlni_mul(d0 + dL, dlni_summary_block(d0 + dL), &b))
        return DLN_E_OVERFLOW;
    return DLN_OK;
}

static dln_status check_samples(size_t d0, size_t dL, size_t m, const double *X, size_t ldx,
                                const double *Y, size_t ldy, char *err)
{
    if (!X || !Y) return dlni_fail(err, DLN_E_NULL, "X or Y is NULL");
    if (m == 0) return dlni_fail(err, DLN_E_DIM, "no samples (m = 0)");
    if (ldx < d0) return dlni_fail(err, DLN_E_LD, "ldx = %zu is below d_0 = %zu", ldx, d0);
    if (ldy < dL) return dlni_fail(err, DLN_E_LD, "ldy = %zu is below d_L = %zu", ldy, dL);
    if (!dlni_span_fits(ldx, m) || !dlni_span_fits(ldy, m))
        return dlni_fail(err, DLN_E_OVERFLOW,
                         "ldx or ldy times m = %zu overflows the address range", m);
    return DLN_OK;
}

/* The effective summary's scale and r0 from the factor and the normalization. */
void dlni_loss_refresh(dln_loss *loss)
{
    size_t d0 = loss->d0, dL = loss->dL;
    double w = loss->mean ? 1.0 / (double)loss->m : 1.0;
    loss->eff.rs = sqrt(w);
    loss->r0 = w * dlni_summary_tail_sumsq(loss->sum + d0 * d0 + dL * d0, dL, dL);
    dlni_work_invalidate(&loss->work);
}

/* Fold m samples into the summary (src/loss_summary.c). Nothing in loss changes on failure. */
static dln_status absorb(dln_loss *loss, size_t m, const double *X, size_t ldx, const double *Y,
                         size_t ldy)
{
    dln_status st = dlni_summary_absorb(loss->sum, loss->m, loss->d0, loss->dL, m, X, ldx, Y, ldy,
                                        loss->threads, loss->err);
    if (st == DLN_OK) {
        loss->m += m;
        dlni_loss_refresh(loss);
    }
    return st;
}

dln_status dln_loss_create_data(dln_loss **out, size_t d0, size_t dL, size_t m, const double *X,
                                size_t ldx, const double *Y, size_t ldy)
{
    if (!out) return DLN_E_NULL;
    dln_status st = dlni_loss_check_shape(d0, dL);
    if (st != DLN_OK) return st;
    st = check_samples(d0, dL, m, X, ldx, Y, ldy, NULL);
    if (st != DLN_OK) return st;
    dln_loss *loss = dlni_loss_alloc(DLN_LOSS_DATA, d0, dL);
    if (!loss) return DLN_E_NOMEM;
    st = absorb(loss, m, X, ldx, Y, ldy);
    if (st != DLN_OK) {
        dln_loss_free(loss);
        return st;
    }
    *out = loss;
    return DLN_OK;
}

dln_status dln_loss_add_samples(dln_loss *loss, size_t m, const double *X, size_t ldx,
                                const double *Y, size_t ldy)
{
    if (!loss) return DLN_E_NULL;
    if (loss->kind != DLN_LOSS_DATA)
        return dlni_fail(loss->err, DLN_E_UNSUPPORTED, "a target loss has no samples to add to");
    dln_status st = check_samples(loss->d0, loss->dL, m, X, ldx, Y, ldy, loss->err);
    if (st != DLN_OK) return st;
    if (loss->m > SIZE_MAX - m) return dlni_fail(loss->err, DLN_E_OVERFLOW, "sample count overflows");
    return absorb(loss, m, X, ldx, Y, ldy);
}

dln_status dln_loss_create_target(dln_loss **out, size_t dL, size_t d0, const double *Phi,
                                  size_t ldphi)
{
    if (!out || !Phi) return DLN_E_NULL;
    dln_status st = dlni_loss_check_shape(d0, dL);
    if (st != DLN_OK) return st;
    if (ldphi < dL) return DLN_E_LD;
    if (!la_fits(ldphi) || !dlni_span_fits(ldphi, d0)) return DLN_E_OVERFLOW;
    if (!la_all_finite(dL, d0, Phi, ldphi)) return DLN_E_NONFINITE;
    dln_loss *loss = dlni_loss_alloc(DLN_LOSS_TARGET, d0, dL);
    if (!loss) return DLN_E_NOMEM;
    la_copy(dL, d0, Phi, ldphi, loss->sum, dL);
    loss->m = d0;
    *out = loss;
    return DLN_OK;
}

dln_status dln_loss_copy(dln_loss **out, const dln_loss *src)
{
    if (!out || !src) return DLN_E_NULL;
    dln_loss *c = dlni_loss_alloc(src->kind, src->d0, src->dL);
    if (!c) return DLN_E_NOMEM;
    memcpy(c->sum, src->sum, dlni_loss_sum_size(src) * sizeof *c->sum);
    c->eff.rs = src->eff.rs, c->r0 = src->r0, c->m = src->m, c->mean = src->mean;
    c->threads = src->threads;
    c->lam_uniform = src->lam_uniform, c->lam_depth = src->lam_depth;
    if (src->lam_depth) {
        c->lam = dlni_alloc(src->lam_depth);
        if (!c->lam) {
            dln_loss_free(c);
            return DLN_E_NOMEM;
        }
        memcpy(c->lam, src->lam, src->lam_depth * sizeof *c->lam);
    }
    *out = c;
    return DLN_OK;
}

const char *dln_loss_errmsg(const dln_loss *loss) { return loss ? loss->err : "NULL loss handle"; }
dln_loss_kind dln_loss_get_kind(const dln_loss *loss) { return loss ? loss->kind : DLN_LOSS_DATA; }
size_t dln_loss_input_dim(const dln_loss *loss) { return loss ? loss->d0 : 0; }
size_t dln_loss_output_dim(const dln_loss *loss) { return loss ? loss->dL : 0; }
size_t dln_loss_num_samples(const dln_loss *loss) { return loss ? loss->m : 0; }

dln_status dln_loss_set_l2(dln_loss *loss, size_t depth, const double *lambda)
{
    if (!loss) return DLN_E_NULL;
    if (!lambda) return dlni_fail(loss->err, DLN_E_NULL, "lambda is NULL");
    if (depth == 0) return dlni_fail(loss->err, DLN_E_DIM, "depth must be >= 1");
    for (size_t l = 0; l < depth; l++)
        if (!isfinite(lambda[l]) || lambda[l] < 0)
            return dlni_fail(loss->err, DLN_E_RANGE, "lambda_%zu = %g must be finite and >= 0",
                             l + 1, lambda[l]);
    double *lam = dlni_alloc(depth);
    if (!lam) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    memcpy(lam, lambda, depth * sizeof *lam);
    free(loss->lam);
    loss->lam = lam, loss->lam_depth = depth, loss->lam_uniform = 0.0;
    return DLN_OK;
}

dln_status dln_loss_set_l2_uniform(dln_loss *loss, double lambda)
{
    if (!loss) return DLN_E_NULL;
    if (!isfinite(lambda) || lambda < 0)
        return dlni_fail(loss->err, DLN_E_RANGE, "lambda = %g must be finite and >= 0", lambda);
    free(loss->lam);
    loss->lam = NULL, loss->lam_depth = 0, loss->lam_uniform = lambda;
    return DLN_OK;
}

dln_status dln_loss_get_l2(const dln_loss *loss, size_t depth, double *lambda)
{
    if (!loss || !lambda) return DLN_E_NULL;
    if (depth == 0 || (loss->lam_depth && loss->lam_depth != depth)) return DLN_E_DIM;
    for (size_t l = 0; l < depth; l++) lambda[l] = loss->lam_depth ? loss->lam[l] : loss->lam_uniform;
    return DLN_OK;
}

dln_status dln_loss_set_mean(dln_loss *loss, int mean)
{
    if (!loss) return DLN_E_NULL;
    if (mean != 0 && mean != 1) return dlni_fail(loss->err, DLN_E_RANGE, "mean must be 0 or 1");
    if (loss->kind != DLN_LOSS_DATA)
        return dlni_fail(loss->err, DLN_E_UNSUPPORTED, "mean normalization needs a data loss");
    loss->mean = mean;
    dlni_loss_refresh(loss);
    return DLN_OK;
}

int dln_loss_get_mean(const dln_loss *loss) { return loss ? loss->mean : 0; }

dln_status dln_loss_summary(const dln_loss *loss, double *R, size_t ldr, double *C, size_t ldc,
                            double *r0)
{
    if (!loss) return DLN_E_NULL;
    size_t d0 = loss->d0, dL = loss->dL;
    if ((R && ldr < d0) || (C && ldc < dL)) return DLN_E_LD;
    if ((R && (!la_fits(ldr) || !dlni_span_fits(ldr, d0))) ||
        (C && (!la_fits(ldc) || !dlni_span_fits(ldc, d0))))
        return DLN_E_OVERFLOW;
    if (R) dlni_loss_r_copy(loss, LA_N, R, ldr);
    if (C) dlni_loss_c_copy(loss, C, ldc);
    if (r0) *r0 = loss->r0;
    return DLN_OK;
}

/* ---- the handle's scratch (sized and filled by src/loss_grad.c) ---- */

void dlni_work_invalidate(dlni_work *w)
{
    w->fwd_valid = w->back_valid = 0;
    w->fac.fwd_valid = w->fac.have = 0;
}

void dlni_work_free(dlni_work *w)
{
    free(w->d), free(w->coff), free(w->boff), free(w->chain), free(w->back), free(w->G), free(w->E),
        free(w->RT);
    free(w->lam), free(w->theta), free(w->dchain), free(w->dback), free(w->weff);
    dlni_factored_free(&w->fac);
    memset(w, 0, sizeof *w);
}
