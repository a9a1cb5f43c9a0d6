/* loss_slice.c - the loss restricted to a line or a plane of weight space.
 *
 * On the line W + t D the end-to-end matrix prod_l (W_l + t D_l) is a matrix
 * polynomial sum_k M_k t^k of degree L, so
 *
 *     F(W + t D) = 1/2 ||sum_k N_k t^k||^2 + r0/2 + sum_l lam_l/2 ||W_l + t D_l||^2,
 *     N_k = M_k R^T - [k = 0] C,
 *
 * a polynomial of degree 2L whose coefficients are the inner products
 * <N_j, N_k>: exact, from 2 GEMMs per layer and coefficient, and free of the
 * cancellation of differences of sampled values. The M_k come from the
 * recursion Q_k <- W_l Q_k + D_l Q_{k-1} along the chain, started at its
 * thinner end. The grids evaluate F directly at each point (the residual
 * form keeps F accurate near a fit, which a polynomial in t does not). */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Coefficients Q_0..Q_L of prod_l (W_l + t D_l) (d_L x d_0, ld d_L) into Q,
 * with S (the same size) as scratch. */
static void chain_coeffs(const dln_net *net, const double *dir, double *Q, double *S)
{
    size_t L = net->L, d0 = net->d[0], dL = net->d[L];
    int input = d0 <= dL; /* the thin side: columns d_0 (input) or rows d_L (output) */
    size_t thin = input ? d0 : dL;
    /* Q_k is (input) d_l x d_0 or (output) d_L x d_{l-1}; block stride dmax * thin */
    size_t dmax = 0;
    for (size_t l = 0; l <= L; l++) dmax = net->d[l] > dmax ? net->d[l] : dmax;
    size_t bs = dmax * thin;
    size_t first = input ? 1 : L;
    size_t r = net->d[first], c = net->d[first - 1];
    la_copy(r, c, dlni_layer(net, first), r, Q, r);
    la_copy(r, c, dir + net->off[first - 1], r, Q + bs, r);
    for (size_t step = 2; step <= L; step++) {
        size_t l = input ? step : L + 1 - step, m = net->d[l], k = net->d[l - 1];
        const double *W = dlni_layer(net, l), *D = dir + net->off[l - 1];
        for (size_t j = 0; j <= step; j++) {
            double *out = S + j * bs;
            if (input) { /* d_l x d_0 = W_l Q_j + D_l Q_{j-1} */
                if (j < step) la_gemm(LA_N, LA_N, m, d0, k, 1.0, W, m, Q + j * bs, k, 0.0, out, m);
                else la_set(m, d0, 0.0, out, m);
                if (j > 0) la_gemm(LA_N, LA_N, m, d0, k, 1.0, D, m, Q + (j - 1) * bs, k, 1.0, out, m);
            } else { /* d_L x d_{l-1} = Q_j W_l + Q_{j-1} D_l */
                if (j < step) la_gemm(LA_N, LA_N, dL, k, m, 1.0, Q + j * bs, dL, W, m, 0.0, out, dL);
                else la_set(dL, k, 0.0, out, dL);
                if (j > 0) la_gemm(LA_N, LA_N, dL, k, m, 1.0, Q + (j - 1) * bs, dL, D, m, 1.0, out, dL);
            }
        }
        double *t = Q;
        Q = S, S = t;
    }
    /* after L - 1 swaps the result is in S when L is even: move it to the caller's Q */
    if (L % 2 == 0)
        for (size_t j = 0; j <= L; j++) la_copy(dL, d0, Q + j * bs, dL, S + j * bs, dL);
}

dln_status dln_loss_line_coeffs(dln_loss *loss, const dln_net *net, const double *dir, double *coef)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!dir || !coef) return dlni_fail(loss->err, DLN_E_NULL, "direction or coefficient array is NULL");
    if (!la_all_finite(net->n, 1, dir, net->n))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "the direction has NaN or Inf entries");
    size_t L = net->L, d0 = loss->d0, dL = loss->dL, dmax = 0, bs, tot, nk;
    for (size_t l = 0; l <= L; l++) dmax = net->d[l] > dmax ? net->d[l] : dmax;
    /* Q and S hold L+1 blocks of dmax x min(d0, dL); N holds L+1 blocks d_L x d_0 */
    if (!dlni_mul(dmax, d0 < dL ? d0 : dL, &bs) || !dlni_mul(bs, L + 1, &tot) ||
        !dlni_mul(dL * d0, L + 1, &nk) || tot > SIZE_MAX / 2)
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "coefficient storage overflows");
    double *Q = dlni_alloc(2 * tot), *N = dlni_alloc(nk);
    if (!Q || !N) {
        free(Q), free(N);
        return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    }
    chain_coeffs(dlni_loss_effective(loss, net), dir, Q, Q + tot); /* W_l = I + A_l if residual */
    size_t md = dL * d0;
    for (size_t k = 0; k <= L; k++) dlni_times_r(loss, LA_T, dL, Q + k * bs, dL, N + k * md, dL);
    la_add(dL, d0, -loss->eff.rs, loss->eff.C, dL, N, dL);
    double *a = Q; /* free now, and 2 tot >= 2L + 2 */
    for (size_t s = 0; s <= 2 * L; s++) a[s] = 0.0;
    for (size_t j = 0; j <= L; j++)
        for (size_t k = j; k <= L; k++)
            a[j + k] += (j == k ? 0.5 : 1.0) * la_dot(md, N + j * md, N + k * md);
    a[0] += 0.5 * loss->r0;
    for (size_t l = 1; l <= L; l++) {
        double lam = loss->work.lam[l - 1];
        if (lam == 0.0) continue;
        size_t m = net->d[l] * net->d[l - 1];
        const double *W = dlni_layer(net, l), *D = dir + net->off[l - 1];
        a[0] += 0.5 * lam * la_dot(m, W, W);
        a[1] += lam * la_dot(m, W, D);
        a[2] += 0.5 * lam * la_dot(m, D, D);
    }
    st = la_all_finite(2 * L + 1, 1, a, 2 * L + 1)
             ? DLN_OK
             : dlni_fail(loss->err, DLN_E_NONFINITE, "the coefficients overflowed");
    if (st == DLN_OK) memcpy(coef, a, (2 * L + 1) * sizeof *coef);
    free(Q), free(N);
    return st;
}

static int all_finite(size_t n, const double *x) { return n == 0 || la_all_finite(n, 1, x, n); }

/* A private copy of net to move along the grid, and n doubles for its points. */
static dln_status grid_net(dln_loss *loss, const dln_net *net, dln_net **tmp, double **th)
{
    dln_status st = dln_net_copy(tmp, net);
    *th = st == DLN_OK ? dlni_alloc(net->n) : NULL;
    if (*th) return DLN_OK;
    dln_net_free(*tmp);
    return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
}

dln_status dln_loss_slice_line(dln_loss *loss, const dln_net *a, const dln_net *b, size_t npts,
                               const double *t, double *values)
{
    dln_status st = dlni_loss_check(loss, a);
    if (st != DLN_OK) return st;
    if (!b || ((!t || !values) && npts))
        return dlni_fail(loss->err, DLN_E_NULL, "second net, grid or value array is NULL");
    if (!dlni_same_widths(b, a->L, a->d))
        return dlni_fail(loss->err, DLN_E_DIM, "the two nets have different widths");
    if (!all_finite(npts, t)) return dlni_fail(loss->err, DLN_E_NONFINITE, "the grid has NaN or Inf");
    if (npts == 0) return DLN_OK;
    dln_net *tmp = NULL;
    double *th = NULL;
    if ((st = grid_net(loss, a, &tmp, &th)) != DLN_OK) return st;
    for (size_t i = 0; i < npts && st == DLN_OK; i++) {
        /* (1 - t) a + t b: exactly a at t = 0 and b at t = 1 */
        for (size_t p = 0; p < a->n; p++) th[p] = (1.0 - t[i]) * a->theta[p] + t[i] * b->theta[p];
        dlni_net_assign(tmp, th);
        st = dlni_forward(loss, tmp, &values[i]);
    }
    dln_net_free(tmp), free(th);
    return st;
}

dln_status dln_loss_slice_plane(dln_loss *loss, const dln_net *net, const double *d1,
                                const double *d2, size_t na, const double *alpha, size_t nb,
                                const double *beta, double *values, size_t ldv)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!d1 || !d2 || ((!alpha || !values) && na && nb) || (!beta && na && nb))
        return dlni_fail(loss->err, DLN_E_NULL, "a direction, grid or value array is NULL");
    if (ldv < (na ? na : 1)) return dlni_fail(loss->err, DLN_E_LD, "ldv = %zu is below na = %zu", ldv, na);
    if (!dlni_span_fits(ldv, nb))
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "ldv * nb overflows the address range");
    if (!all_finite(net->n, d1) || !all_finite(net->n, d2) || !all_finite(na, alpha) ||
        !all_finite(nb, beta))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "a direction or the grid has NaN or Inf");
    if (na == 0 || nb == 0) return DLN_OK;
    dln_net *tmp = NULL;
    double *th = NULL;
    if ((st = grid_net(loss, net, &tmp, &th)) != DLN_OK) return st;
    for (size_t j = 0; j < nb && st == DLN_OK; j++)
        for (size_t i = 0; i < na && st == DLN_OK; i++) {
            for (size_t p = 0; p < net->n; p++) th[p] = net->theta[p] + alpha[i] * d1[p] + beta[j] * d2[p];
            dlni_net_assign(tmp, th);
            st = dlni_forward(loss, tmp, &values[i + j * ldv]);
        }
    dln_net_free(tmp), free(th);
    return st;
}
