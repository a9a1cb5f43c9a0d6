/* loss_merge.c - summaries as values: a loss from (R, C, r0, m), the
 * merge of two summaries, and long summaries in chunks with progress.
 *
 * A data loss holds R_aug = [[R, C^T], [0, T]], the triangular factor of
 * [X^T Y^T] in the sum form, as its blocks (src/internal.h). Two such
 * factors stacked are the factor of the union of the samples up to an
 * orthogonal map, so one dtpqrt of the pair (B triangular, l = n_a) is the
 * summary of the union (TSQR). F uses T only through r0 = ||T||^2, and a QR update keeps
 * that norm exactly in arithmetic (orthogonal maps preserve the trailing
 * block's Frobenius norm), so a summary given as (R, C, r0) stores
 * T = sqrt(r0) e_1 e_1^T. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK 65536

static int upper_finite(size_t n, const double *R, size_t ldr)
{
    for (size_t j = 0; j < n; j++)
        if (!la_all_finite(j + 1, 1, R + j * ldr, ldr)) return 0;
    return 1;
}

static dln_status check_summary(size_t d0, size_t dL, size_t m, const double *R, size_t ldr,
                                const double *C, size_t ldc, double r0, int mean)
{
    if (!R || !C) return DLN_E_NULL;
    dln_status st = dlni_loss_check_shape(d0, dL);
    if (st != DLN_OK) return st;
    if (m == 0) return DLN_E_DIM;
    if (ldr < d0 || ldc < dL) return DLN_E_LD;
    /* in bytes, before R or C is read (a huge ld would wrap the pointer) */
    if (!dlni_span_fits(ldr, d0) || !dlni_span_fits(ldc, d0)) return DLN_E_OVERFLOW;
    if (mean != 0 && mean != 1) return DLN_E_RANGE;
    if (!upper_finite(d0, R, ldr) || !la_all_finite(dL, d0, C, ldc) || !isfinite(r0))
        return DLN_E_NONFINITE;
    return r0 < 0 ? DLN_E_RANGE : DLN_OK;
}

dln_status dln_loss_create_summary(dln_loss **out, size_t d0, size_t dL, size_t m,
                                   const double *R, size_t ldr, const double *C, size_t ldc,
                                   double r0, int mean)
{
    if (!out) return DLN_E_NULL;
    dln_status st = check_summary(d0, dL, m, R, ldr, C, ldc, r0, mean);
    if (st != DLN_OK) return st;
    dln_loss *loss = dlni_loss_alloc(DLN_LOSS_DATA, d0, dL);
    if (!loss) return DLN_E_NOMEM;
    double s = mean ? sqrt((double)m) : 1.0, *sum = loss->sum; /* effective -> sum form */
    size_t ns = dlni_loss_sum_size(loss);
    for (size_t j = 0; j < d0; j++) {
        for (size_t i = 0; i <= j; i++) sum[i + j * d0] = s * R[i + j * ldr];
        for (size_t i = 0; i < dL; i++) sum[d0 * d0 + i + j * dL] = s * C[i + j * ldc];
    }
    sum[dlni_summary_index(d0, dL, d0, d0)] = s * sqrt(r0);
    if (!la_all_finite(ns, 1, sum, ns)) { /* s * entry overflowed */
        dln_loss_free(loss);
        return DLN_E_NONFINITE;
    }
    /* The effective summary is read from the factor like that of any data
     * loss, so that copies, merges and encodings see one consistent state. */
    loss->m = m, loss->mean = mean;
    dlni_loss_refresh(loss);
    *out = loss;
    return DLN_OK;
}

dln_status dln_loss_merge(dln_loss *dst, const dln_loss *src)
{
    if (!dst) return DLN_E_NULL;
    if (!src) return dlni_fail(dst->err, DLN_E_NULL, "src is NULL");
    if (dst->kind != DLN_LOSS_DATA || src->kind != DLN_LOSS_DATA)
        return dlni_fail(dst->err, DLN_E_UNSUPPORTED, "a target loss has no samples to merge");
    if (dst->d0 != src->d0 || dst->dL != src->dL)
        return dlni_fail(dst->err, DLN_E_DIM, "summaries of %zu -> %zu and %zu -> %zu data",
                         dst->d0, dst->dL, src->d0, src->dL);
    if (dst->m > SIZE_MAX - src->m)
        return dlni_fail(dst->err, DLN_E_OVERFLOW, "sample count overflows");
    size_t na = dst->na, nb = la_tpqrt_nb(na);
    double *A = dlni_alloc(na * na), *B = dlni_alloc(na * na), *work = dlni_alloc(2 * nb * na);
    dln_status st = DLN_OK;
    if (!A || !B || !work) {
        st = dlni_fail(dst->err, DLN_E_NOMEM, "out of memory");
    } else {
        dlni_summary_unpack(dst->d0, dst->dL, dst->sum, A);
        dlni_summary_unpack(src->d0, src->dL, src->sum, B);
        st = dlni_la_status(dst->err, la_tpqrt_tri(na, A, na, B, na, work),
                            "QR merge of the summaries");
    }
    if (st == DLN_OK) {
        dlni_summary_pack(dst->d0, dst->dL, A, dst->sum);
        dst->m += src->m;
        dlni_loss_refresh(dst);
    }
    free(A), free(B), free(work);
    return st;
}

/* Put back the summary of snap (a copy taken before the call) into loss. */
static void restore(dln_loss *loss, dln_loss *snap)
{
    memcpy(loss->sum, snap->sum, dlni_loss_sum_size(loss) * sizeof *loss->sum);
    loss->r0 = snap->r0, loss->m = snap->m, loss->eff.rs = snap->eff.rs;
    dlni_work_invalidate(&loss->work);
}

dln_status dln_loss_add_samples_progress(dln_loss *loss, size_t m, const double *X, size_t ldx,
                                         const double *Y, size_t ldy, size_t chunk,
                                         dln_summary_progress_fn fn, void *user, size_t *done)
{
    if (!loss) return DLN_E_NULL;
    if (chunk == 0) chunk = DEFAULT_CHUNK;
    if (m <= chunk) { /* one chunk: nothing to restore on failure */
        dln_status st = dln_loss_add_samples(loss, m, X, ldx, Y, ldy);
        if (st == DLN_OK) {
            if (fn) fn(&(dln_summary_progress){sizeof(dln_summary_progress), m, m, loss->m}, user);
            if (done) *done = m;
        }
        return st;
    }
    dln_loss *snap = NULL;
    if (loss->kind == DLN_LOSS_DATA && dln_loss_copy(&snap, loss) != DLN_OK)
        return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    dln_status st = DLN_OK;
    size_t s = 0;
    while (s < m) {
        size_t b = m - s < chunk ? m - s : chunk;
        /* X, Y NULL or too short ld: the first chunk fails before any pointer offset. */
        st = dln_loss_add_samples(loss, b, s ? X + s * ldx : X, ldx, s ? Y + s * ldy : Y, ldy);
        if (st != DLN_OK) break;
        s += b;
        if (fn && fn(&(dln_summary_progress){sizeof(dln_summary_progress), s, m, loss->m}, user))
            break;
    }
    if (st != DLN_OK && s > 0) {
        char why[DLNI_MSG];
        snprintf(why, sizeof why, "%s", loss->err);
        restore(loss, snap);
        dlni_fail(loss->err, st, "%s (in the chunk starting at sample %zu)", why, s);
    }
    if (st == DLN_OK && done) *done = s;
    dln_loss_free(snap);
    return st;
}
