/* spectrum_layer.c - extreme eigenvalues of the diagonal block of H that
 * belongs to a contiguous group of layers (docs/spectrum.md §3).
 *
 * One layer: H_ll = (M_l M_l^T) (x) (A_l^T A_l) + lam_l I (spectrum_trace.c),
 * so its eigenvalues are the products of the two Gram matrices' eigenvalues
 * plus lam_l: two small symmetric eigenproblems, no HVP. Several layers: the
 * eigensolver of spectrum_eigs.c on the operator v -> (H [0; v; 0]) restricted to
 * the block's coordinates. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One layer, exact: all products alpha_i beta_j + lam, sorted. */
static dln_status layer_exact(dln_loss *loss, const dln_net *net, size_t l, dln_eig_which which,
                              size_t k, double *evals, dln_eig_report *rep)
{
    const size_t da = net->d[l], db = net->d[l - 1], nb = da * db;
    double *buf = dlni_alloc(da * da + db * db + da + db + nb);
    if (!buf) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the layer block");
    double *ga = buf, *gm = ga + da * da, *alpha = gm + db * db, *beta = alpha + da,
           *mu = beta + db, lam = loss->work.lam[l - 1];
    dln_status st = dlni_gram_factors(loss, net, l, NULL, NULL, ga, gm);
    if (st == DLN_OK)
        st = dlni_la_status(loss->err, la_syev(da, ga, da, alpha, NULL, 1), "dsyevr (Gram of A_l)");
    if (st == DLN_OK)
        st = dlni_la_status(loss->err, la_syev(db, gm, db, beta, NULL, 1), "dsyevr (Gram of M_l)");
    if (st == DLN_OK) {
        for (size_t j = 0; j < db; j++)
            for (size_t i = 0; i < da; i++) mu[i + j * da] = alpha[i] * beta[j] + lam;
        qsort(mu, nb, sizeof *mu, ascending);
        if (!isfinite(mu[0]) || !isfinite(mu[nb - 1]))
            st = dlni_fail(loss->err, DLN_E_NONFINITE, "the layer block overflowed");
    }
    if (st == DLN_OK) {
        for (size_t j = 0; j < k; j++) evals[j] = which == DLN_EIG_SMALLEST ? mu[j] : mu[nb - 1 - j];
        rep->dense = 1, rep->converged = 1;
        rep->hnorm = fmax(fabs(mu[0]), fabs(mu[nb - 1]));
    }
    free(buf);
    return st;
}

/* The block operator: directions embedded at offset `off` of theta. */
typedef struct block_ctx {
    dln_loss *loss;
    const dln_net *net;
    size_t off, nb;
    double *E, *HE; /* n x DLNI_BATCH each, E zero outside the block */
} block_ctx;

static dln_status apply_block(void *ctx, size_t k, const double *X, size_t ldx, double *Y,
                              size_t ldy)
{
    block_ctx *c = ctx;
    const size_t n = c->net->n;
    for (size_t j0 = 0; j0 < k; j0 += DLNI_BATCH) {
        size_t kk = k - j0 < DLNI_BATCH ? k - j0 : DLNI_BATCH;
        la_copy(c->nb, kk, X + j0 * ldx, ldx, c->E + c->off, n);
        dln_status st = dln_loss_hvp_batch(c->loss, c->net, kk, c->E, n, c->HE, n);
        if (st != DLN_OK) return st;
        la_copy(c->nb, kk, c->HE + c->off, n, Y + j0 * ldy, ldy);
    }
    return DLN_OK;
}

dln_status dln_loss_layer_eigs(dln_loss *loss, const dln_net *net, size_t first, size_t last,
                               dln_eig_which which, size_t k, double tol, size_t maxit,
                               uint64_t seed, double *evals, dln_eig_report *report)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (first < 1 || first > last || last > net->L)
        return dlni_fail(loss->err, DLN_E_DIM, "layers %zu..%zu are not within 1..%zu", first,
                         last, net->L);
    const size_t off = net->off[first - 1], nb = net->off[last] - off, n = net->n;
    st = dlni_eig_check(loss, nb, which, k, tol, evals, NULL, 0, report);
    if (st != DLN_OK) return st;
    dln_eig_report rep;
    memset(&rep, 0, sizeof rep);
    if (first == last) {
        st = layer_exact(loss, net, first, which, k, evals, &rep);
    } else {
        size_t t;
        if (!dlni_mul(n, 2 * DLNI_BATCH, &t))
            return dlni_fail(loss->err, DLN_E_OVERFLOW, "block workspace overflows");
        double *E = dlni_alloc(t);
        if (!E) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the block operator");
        memset(E, 0, t * sizeof *E);
        block_ctx ctx = {loss, net, off, nb, E, E + n * DLNI_BATCH};
        dlni_op op = {nb, apply_block, &ctx};
        const dlni_eig_tuning automatic = {DLNI_EIG_AUTO, 0, 0};
        st = dlni_op_eigs(loss, &op, which, k, tol, maxit, seed, &automatic, evals, NULL, 0, &rep);
        free(E);
    }
    if (report && (st == DLN_OK || st == DLN_E_NOCONV)) dlni_report_put(report, &rep, sizeof rep);
    return st;
}
