/* convergence.c - quantities of the unregularized convergence theory
 * (unregularized.md §3, §10, §11, §12(c), (e); regularized.md §2.1):
 * balancedness, the optimal value f*, the gradient-dominance ratio with the
 * Zhou-Liang constants, and the deficiency margin and bounds of Arora et al.
 *
 * Everything is computed from the loss summary in effect (R, Yw = C, r0, mean
 * normalization included), so every number is consistent with F. F - f* is
 * formed as 1/2 (||P R^T - Yw Pi_R||^2 - tail) from the residual itself:
 * r0 never enters, and no two loss values are subtracted. Only R, C and r0 of
 * the loss are read (and its scratch through dlni_grad for the gradient). */
#include "internal.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------- */

/* Validate a report (first version of v1_size bytes) and a relative tolerance
 * (0 selects the default). */
static dln_status check_args(dln_loss *loss, const void *report, size_t v1_size, double *tol)
{
    dln_status st = dlni_report_check(loss->err, report, v1_size, "report");
    if (st != DLN_OK) return st;
    if (tol) {
        if (!(*tol >= 0.0 && *tol < 1.0))
            return dlni_fail(loss->err, DLN_E_RANGE, "tol = %g must be in [0, 1)", *tol);
        if (*tol == 0.0) *tol = DLN_METRICS_TOL;
    }
    return DLN_OK;
}

/* The loss must match the net and carry no l2 term: the theory here is the
 * unregularized one (src/landscape_distance.c has the regularized counterparts). */
static dln_status check_unregularized(dln_loss *loss, const dln_net *net)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (net->nres) return dlni_fail(loss->err, DLN_E_UNSUPPORTED, DLNI_RESIDUAL_MSG);
    for (size_t l = 0; l < net->L; l++)
        if (loss->work.lam[l] != 0.0)
            return dlni_fail(loss->err, DLN_E_UNSUPPORTED,
                             "lam_%zu = %g > 0: this quantity belongs to the unregularized loss",
                             l + 1, loss->work.lam[l]);
    return DLN_OK;
}

static size_t min_width(const dln_net *net)
{
    size_t r = net->d[0];
    for (size_t l = 1; l <= net->L; l++)
        if (net->d[l] < r) r = net->d[l];
    return r;
}

static int is_square(const dln_net *net)
{
    for (size_t l = 1; l <= net->L; l++)
        if (net->d[l] != net->d[0]) return 0;
    return 1;
}

/* Singular values (descending) of an m x n matrix; A is preserved. */
static dln_status singular_values(size_t m, size_t n, const double *A, size_t lda, double *s)
{
    double *c = dlni_alloc(m * n);
    if (!c) return DLN_E_NOMEM;
    la_copy(m, n, A, lda, c, m);
    int rc = la_svd(m, n, c, m, s, NULL, 1, NULL, 1);
    free(c);
    return dlni_la_status(NULL, rc, "SVD");
}

/* ---- balancedness --------------------------------------------------------- */

/* D_l = c_{l+1} W_{l+1}^T W_{l+1} - c_l W_l W_l^T with c = lam (or 1 if NULL). */
static dln_status balance(const dln_net *net, const double *lam, double *norms, double *D)
{
    const size_t L = net->L, *d = net->d;
    size_t total = 0, mx = 0, sq;
    for (size_t l = 1; l < L; l++) {
        if (!dlni_mul(d[l], d[l], &sq) || total > SIZE_MAX / sizeof(double) - sq)
            return DLN_E_OVERFLOW;
        total += sq, mx = sq > mx ? sq : mx;
    }
    double *scratch = D ? NULL : dlni_alloc(mx);
    if (!D && !scratch) return DLN_E_NOMEM;
    dln_status st = DLN_OK;
    for (size_t l = 1, off = 0; l < L; off += d[l] * d[l], l++) {
        double *out = D ? D + off : scratch, up = lam ? lam[l] : 1.0, dn = lam ? lam[l - 1] : 1.0;
        const double *Wn = dlni_layer(net, l + 1), *W = dlni_layer(net, l);
        la_gemm(LA_T, LA_N, d[l], d[l], d[l + 1], up, Wn, d[l + 1], Wn, d[l + 1], 0.0, out, d[l]);
        la_gemm(LA_N, LA_T, d[l], d[l], d[l - 1], -dn, W, d[l], W, d[l], 1.0, out, d[l]);
        norms[l - 1] = la_fro(d[l], d[l], out, d[l]);
        if (!isfinite(norms[l - 1])) st = DLN_E_NONFINITE;
    }
    free(scratch);
    return st;
}

dln_status dln_net_balancedness(const dln_net *net, double *norms, double *D)
{
    if (!net || !norms) return DLN_E_NULL;
    if (net->nres) return DLN_E_UNSUPPORTED;
    return balance(net, NULL, norms, D);
}

dln_status dln_loss_balancedness(dln_loss *loss, const dln_net *net, double *norms, double *D)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!norms) return dlni_fail(loss->err, DLN_E_NULL, "norms is NULL");
    if (net->nres) return dlni_fail(loss->err, DLN_E_UNSUPPORTED, DLNI_RESIDUAL_MSG);
    st = balance(net, loss->work.lam, norms, D);
    if (st == DLN_E_NONFINITE) return dlni_fail(loss->err, st, "a layer product overflowed");
    if (st != DLN_OK) return dlni_fail(loss->err, st, "balancedness: no memory or size overflow");
    return DLN_OK;
}

/* ---- the summary: range of R, f*, F - f* ----------------------------------- */

/* What f* needs from the summary. Uperp (d0 x nperp) spans range(R)^perp and
 * CU = Yw Uperp; both are empty under H1 (and for a target loss). */
typedef struct fit {
    size_t rank_x, nperp;
    double sigma_min_r;       /* sigma_min(R) (1 for a target loss) */
    double fstar, tail, scale;
    double *Uperp, *CU;
} fit;

static void fit_free(fit *f) { free(f->Uperp), free(f->CU); }

/* SVD of R: numerical rank (tolerance max(d0, m) eps sigma_1) and range(R)^perp. */
static dln_status range_of_r(const dln_loss *loss, fit *f, double *s)
{
    size_t d0 = loss->d0;
    double *Rc = dlni_alloc(d0 * d0), *U = dlni_alloc(d0 * d0);
    dln_status st = (Rc && U) ? DLN_OK : DLN_E_NOMEM;
    if (st == DLN_OK) {
        dlni_loss_r_copy(loss, LA_N, Rc, d0);
        int rc = la_svd(d0, d0, Rc, d0, s, U, d0, NULL, 1);
        st = dlni_la_status(NULL, rc, "SVD");
    }
    if (st == DLN_OK) {
        double big = (double)(d0 > loss->m ? d0 : loss->m), thr = big * DBL_EPSILON * s[0];
        while (f->rank_x < d0 && s[f->rank_x] > thr) f->rank_x++;
        f->sigma_min_r = s[d0 - 1];
        f->nperp = d0 - f->rank_x;
        f->Uperp = dlni_alloc(d0 * f->nperp);
        if (!f->Uperp) st = DLN_E_NOMEM;
        else la_copy(d0, f->nperp, U + d0 * f->rank_x, d0, f->Uperp, d0);
    }
    free(Rc), free(U);
    return st;
}

/* f* = r0/2 + 1/2 ||Yw Uperp||^2 + 1/2 sum_{i > r_max} sigma_i(Yw Pi_R)^2. */
static dln_status fit_summary(dln_loss *loss, size_t r_max, fit *f)
{
    size_t d0 = loss->d0, dL = loss->dL, k = d0 < dL ? d0 : dL;
    memset(f, 0, sizeof *f);
    f->rank_x = d0, f->sigma_min_r = 1.0;
    double *s = dlni_alloc(d0 > k ? d0 : k), *CP = dlni_alloc(dL * d0);
    dln_status st = (s && CP) ? DLN_OK : DLN_E_NOMEM;
    if (st == DLN_OK && loss->eff.R) {
        f->rank_x = 0;
        st = range_of_r(loss, f, s);
    }
    double perp2 = 0.0, cn = 0.0;
    if (st == DLN_OK) {
        dlni_loss_c_copy(loss, CP, dL);
        cn = la_nrm2(dL * d0, CP);
        if (f->nperp) { /* CP = Yw Pi_R = Yw - (Yw Uperp) Uperp^T */
            f->CU = dlni_alloc(dL * f->nperp);
            if (!f->CU) st = DLN_E_NOMEM;
            else {
                la_gemm(LA_N, LA_N, dL, f->nperp, d0, 1.0, CP, dL, f->Uperp, d0, 0.0, f->CU, dL);
                la_gemm(LA_N, LA_T, dL, d0, f->nperp, -1.0, f->CU, dL, f->Uperp, d0, 1.0, CP, dL);
                perp2 = la_nrm2(dL * f->nperp, f->CU);
                perp2 *= perp2;
            }
        }
    }
    if (st == DLN_OK) {
        int rc = la_svd(dL, d0, CP, dL, s, NULL, 1, NULL, 1);
        st = dlni_la_status(NULL, rc, "SVD");
    }
    if (st == DLN_OK) {
        double tail = 0.0;
        for (size_t i = k; i > r_max; i--) tail += s[i - 1] * s[i - 1]; /* smallest first */
        f->tail = 0.5 * tail;
        f->fstar = 0.5 * loss->r0 + 0.5 * perp2 + f->tail;
        f->scale = cn * cn;
    }
    free(s), free(CP);
    if (st != DLN_OK) {
        fit_free(f);
        return dlni_fail(loss->err, st, "SVD of the data summary failed");
    }
    return DLN_OK;
}

/* F(W) - f* = 1/2 (||P R^T - Yw Pi_R||^2 - 2 tail), from the residual itself. */
static dln_status excess_at(dln_loss *loss, const dln_net *net, const fit *f, double *excess)
{
    size_t d0 = loss->d0, dL = loss->dL;
    double *Z = dlni_alloc(dL * d0);
    dln_status st = Z ? dln_net_end_to_end(net, Z, dL) : DLN_E_NOMEM;
    if (st != DLN_OK) {
        free(Z);
        return dlni_fail(loss->err, st, "end-to-end product failed");
    }
    dlni_times_r_inplace(loss, LA_T, dL, Z, dL);
    la_add(dL, d0, -loss->eff.rs, loss->eff.C, dL, Z, dL); /* Z = P R^T - Yw */
    if (f->nperp) la_gemm(LA_N, LA_T, dL, d0, f->nperp, 1.0, f->CU, dL, f->Uperp, d0, 1.0, Z, dL);
    double z = la_nrm2(dL * d0, Z), t = sqrt(2.0 * f->tail);
    free(Z);
    *excess = 0.5 * (z - t) * (z + t);
    if (!isfinite(*excess))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "||P R^T - Yw|| overflowed");
    return DLN_OK;
}

dln_status dln_loss_optimal_value(dln_loss *loss, const dln_net *net, double *fstar)
{
    dln_status st = check_unregularized(loss, net);
    if (st != DLN_OK) return st;
    if (!fstar) return dlni_fail(loss->err, DLN_E_NULL, "fstar is NULL");
    fit f;
    st = fit_summary(loss, min_width(net), &f);
    if (st != DLN_OK) return st;
    double v = f.fstar;
    fit_free(&f);
    if (!isfinite(v)) /* the squared scale of the data overflows (found by fuzz/fuzz_api.c) */
        return dlni_fail(loss->err, DLN_E_NONFINITE, "f* overflows: rescale the data");
    *fstar = v;
    return DLN_OK;
}

/* ---- gradient dominance and Zhou-Liang ----------------------------------- */

static dln_status sigma_min(size_t d, const double *A, double *s, double *out)
{
    dln_status st = singular_values(d, d, A, d, s);
    *out = s[d - 1];
    return st;
}

/* sigma_min of B_l = W_{l-1:1} (pre[l]) and A_l = W_{L:l+1} (suf[l]), l = 1..L,
 * of a square net (B_1 = A_L = I). */
static dln_status chain_sigma_min(const dln_net *net, double *pre, double *suf)
{
    const size_t L = net->L, d = net->d[0];
    double *buf = dlni_alloc(2 * d * d + d);
    if (!buf) return DLN_E_NOMEM;
    double *cur = buf, *nxt = buf + d * d, *s = nxt + d * d, *t;
    dln_status st = DLN_OK;
    pre[1] = suf[L] = 1.0;
    la_copy(d, d, dlni_layer(net, 1), d, cur, d);
    for (size_t l = 2; l <= L && st == DLN_OK; l++) { /* cur = B_l */
        st = sigma_min(d, cur, s, &pre[l]);
        la_gemm(LA_N, LA_N, d, d, d, 1.0, dlni_layer(net, l), d, cur, d, 0.0, nxt, d);
        t = cur, cur = nxt, nxt = t;
    }
    la_copy(d, d, dlni_layer(net, L), d, cur, d);
    for (size_t l = L - 1; l >= 1 && st == DLN_OK; l--) { /* cur = A_l */
        st = sigma_min(d, cur, s, &suf[l]);
        la_gemm(LA_N, LA_N, d, d, d, 1.0, cur, d, dlni_layer(net, l), d, 0.0, nxt, d);
        t = cur, cur = nxt, nxt = t;
    }
    free(buf);
    return st;
}

static dln_applicability zl_applies(const dln_net *net, const fit *f)
{
    if (!is_square(net)) return DLN_NA_NOT_SQUARE;
    return f->rank_x == net->d[0] ? DLN_APPLICABLE : DLN_NA_SXX_SINGULAR;
}

/* 2 lambda_min(Sxx) sum_l sigma_min^2(A_l) sigma_min^2(B_l). */
static dln_status zl_pointwise(dln_loss *loss, const dln_net *net, double lmin, double *bound)
{
    double *pre = dlni_alloc(2 * (net->L + 1)), *suf = pre ? pre + net->L + 1 : NULL;
    dln_status st = pre ? chain_sigma_min(net, pre, suf) : DLN_E_NOMEM;
    double sum = 0.0;
    for (size_t l = 1; st == DLN_OK && l <= net->L; l++) sum += pre[l] * pre[l] * suf[l] * suf[l];
    free(pre);
    if (st != DLN_OK) return dlni_fail(loss->err, st, "SVD of a partial product failed");
    *bound = 2.0 * lmin * sum;
    return DLN_OK;
}

dln_status dln_loss_gradient_dominance(dln_loss *loss, const dln_net *net, double tol,
                                       dln_dominance_report *report)
{
    dln_status st = check_unregularized(loss, net);
    if (st == DLN_OK) st = check_args(loss, report, DLN_DOMINANCE_REPORT_V1_SIZE, &tol);
    if (st != DLN_OK) return st;
    dln_dominance_report r = {.struct_size = sizeof r};
    fit f;
    st = fit_summary(loss, min_width(net), &f);
    if (st != DLN_OK) return st;
    double *g = dlni_alloc(net->n);
    if (!g) st = dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) st = dlni_grad(loss, net, &r.value, g);
    if (st == DLN_OK) st = excess_at(loss, net, &f, &r.excess);
    if (st == DLN_OK) {
        double gn = la_nrm2(net->n, g);
        r.fstar = f.fstar, r.tail = f.tail, r.scale = f.scale;
        r.excess_rel_tail = f.tail > 0.0 ? r.excess / f.tail : INFINITY;
        r.grad_norm2 = gn * gn;
        r.defined = r.excess > tol * f.scale;
        r.ratio = r.defined ? r.grad_norm2 / r.excess : NAN;
        r.rank_max = min_width(net), r.rank_x = f.rank_x;
        r.lambda_min_sxx = f.sigma_min_r * f.sigma_min_r;
        r.zl_status = zl_applies(net, &f);
        if (r.zl_status == DLN_APPLICABLE)
            st = zl_pointwise(loss, net, r.lambda_min_sxx, &r.zl_bound);
    }
    if (st == DLN_OK && !isfinite(r.grad_norm2))
        st = dlni_fail(loss->err, DLN_E_NONFINITE, "the squared gradient norm overflowed");
    if (st == DLN_OK) dlni_report_put(report, &r, sizeof r);
    free(g);
    fit_free(&f);
    return st;
}

/* sum_l prod_{j != l} s_j^2 (no division: a tiny s_j must not blow up). */
static double sum_of_cofactors(size_t L, const double *s)
{
    double sum = 0.0;
    for (size_t l = 0; l < L; l++) {
        double p = 1.0;
        for (size_t j = 0; j < L; j++)
            if (j != l) p *= s[j] * s[j];
        sum += p;
    }
    return sum;
}

/* sigma_min(W_l*) into smin[l-1] and ||W_l - W_l*||_2 into dist[l-1]; fails
 * with DLN_E_UNSUPPORTED when a layer of W* is singular. */
static dln_status layer_distances(dln_loss *loss, const dln_net *net, const dln_net *wstar,
                                  double *smin, double *dist)
{
    size_t d = net->d[0], L = net->L;
    double *D = dlni_alloc(d * d), *s = dlni_alloc(d);
    dln_status st = (D && s) ? DLN_OK : dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    for (size_t l = 1; l <= L && st == DLN_OK; l++) {
        st = singular_values(d, d, dlni_layer(wstar, l), d, s);
        if (st != DLN_OK) {
            st = dlni_fail(loss->err, st, "SVD of W*_%zu failed", l);
            break;
        }
        smin[l - 1] = s[d - 1];
        if (!(s[d - 1] > (double)d * DBL_EPSILON * s[0])) {
            st = dlni_fail(loss->err, DLN_E_UNSUPPORTED,
                           "W*_%zu is singular (sigma_min = %g, sigma_max = %g): "
                           "Zhou-Liang needs a full-rank minimizer", l, s[d - 1], s[0]);
            break;
        }
        la_copy(d, d, dlni_layer(net, l), d, D, d);
        la_add(d, d, -1.0, dlni_layer(wstar, l), d, D, d);
        int rc = la_norm2(d, d, D, d, &dist[l - 1]);
        st = dlni_la_status(loss->err, rc, "SVD of W_l - W*_l");
    }
    free(D), free(s);
    return st;
}

/* Check the hypotheses of §10 and that W* is a global minimizer. */
static dln_status zl_setup(dln_loss *loss, const dln_net *net, const dln_net *wstar, double tol,
                           fit *f, double *wstar_rel)
{
    if (!is_square(net))
        return dlni_fail(loss->err, DLN_E_UNSUPPORTED,
                         "Zhou-Liang needs all widths equal (square layers)");
    dln_status st = fit_summary(loss, net->d[0], f);
    if (st != DLN_OK) return st;
    double ex = 0.0;
    if (f->rank_x < net->d[0])
        st = dlni_fail(loss->err, DLN_E_UNSUPPORTED,
                       "Sxx is singular (rank %zu < d_0 = %zu): Zhou-Liang needs it positive "
                       "definite", f->rank_x, net->d[0]);
    if (st == DLN_OK) st = excess_at(loss, wstar, f, &ex);
    if (st == DLN_OK) {
        *wstar_rel = f->scale > 0.0 ? ex / f->scale : (ex > 0.0 ? INFINITY : 0.0);
        if (!(ex <= tol * f->scale))
            st = dlni_fail(loss->err, DLN_E_UNSUPPORTED,
                           "W* is not a global minimizer: (F(W*) - f*)/||Yw||^2 = %g > tol = %g",
                           *wstar_rel, tol);
    }
    if (st != DLN_OK) fit_free(f);
    return st;
}

dln_status dln_loss_zhou_liang(dln_loss *loss, const dln_net *net, const dln_net *wstar,
                               double tol, dln_zhou_liang_report *report)
{
    dln_status st = check_unregularized(loss, net);
    if (st == DLN_OK) st = check_args(loss, report, DLN_ZHOU_LIANG_REPORT_V1_SIZE, &tol);
    if (st != DLN_OK) return st;
    if (!wstar) return dlni_fail(loss->err, DLN_E_NULL, "wstar is NULL");
    if (!dlni_same_widths(wstar, net->L, net->d))
        return dlni_fail(loss->err, DLN_E_DIM, "wstar and net have different shapes");
    if (wstar->nres) return dlni_fail(loss->err, DLN_E_UNSUPPORTED, DLNI_RESIDUAL_MSG);
    dln_zhou_liang_report r = {.struct_size = sizeof r};
    fit f;
    st = zl_setup(loss, net, wstar, tol, &f, &r.wstar_excess_rel);
    if (st != DLN_OK) return st;
    size_t L = net->L;
    double *smin = dlni_alloc(2 * L), *dist = smin ? smin + L : NULL;
    st = smin ? layer_distances(loss, net, wstar, smin, dist)
              : dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) {
        r.lambda_min_sxx = f.sigma_min_r * f.sigma_min_r;
        r.s_star = INFINITY;
        for (size_t l = 0; l < L; l++) {
            r.tau = fmax(r.tau, dist[l] / smin[l]);
            r.delta = fmax(r.delta, dist[l]);
            r.s_star = fmin(r.s_star, smin[l]);
        }
        double e = 2.0 * ((double)L - 1.0);
        r.inside_tau = r.tau < 1.0;
        r.inside_uniform = r.delta < r.s_star;
        if (r.inside_tau)
            r.mu_tau = 2.0 * r.lambda_min_sxx * pow(1.0 - r.tau, e) * sum_of_cofactors(L, smin);
        if (r.inside_uniform)
            r.mu_uniform = 2.0 * (double)L * r.lambda_min_sxx * pow(r.s_star - r.delta, e);
        dlni_report_put(report, &r, sizeof r);
    }
    free(smin);
    fit_free(&f);
    return st;
}

/* ---- Arora, Cohen, Golowich & Hu ------------------------------------------ */

/* s with Sxx = s I (1 for a target loss); DLN_E_UNSUPPORTED if not whitened. */
static dln_status whitened_scale(dln_loss *loss, double *s)
{
    *s = 1.0;
    const dlni_summ *e = &loss->eff;
    if (!e->R) return DLN_OK;
    size_t d0 = loss->d0;
    double *sv = dlni_alloc(d0);
    dln_status st = sv ? singular_values(d0, d0, e->R, d0, sv) : DLN_E_NOMEM;
    if (st != DLN_OK) {
        free(sv);
        return dlni_fail(loss->err, st, "SVD of R failed");
    }
    double hi = e->rs * sv[0], lo = e->rs * sv[d0 - 1]; /* of the effective R */
    hi *= hi, lo *= lo;
    free(sv);
    if (!(hi > 0.0 && hi - lo <= DLN_WHITEN_RTOL * hi))
        return dlni_fail(loss->err, DLN_E_UNSUPPORTED,
                         "data are not whitened: the eigenvalues of Sxx span [%g, %g]; Arora et "
                         "al.'s theorem needs Sxx = s I", lo, hi);
    double fr = e->rs * la_nrm2(d0 * d0, e->R);
    *s = fr * fr / (double)d0;
    return DLN_OK;
}

/* Phi = Syx / s = Yw R / s; residual ||P - Phi||, ||Phi|| and sigma_min(Phi). */
static dln_status target_geometry(dln_loss *loss, const dln_net *net, double s,
                                  dln_arora_report *r)
{
    size_t d0 = loss->d0, dL = loss->dL, k = d0 < dL ? d0 : dL;
    double *Phi = dlni_alloc(dL * d0), *P = dlni_alloc(dL * d0), *sv = dlni_alloc(k);
    dln_status st = (Phi && P && sv) ? DLN_OK : DLN_E_NOMEM;
    if (st == DLN_OK) {
        dlni_loss_c_copy(loss, Phi, dL);
        if (loss->eff.R) {
            dlni_times_r_inplace(loss, LA_N, dL, Phi, dL);
            la_scal(dL * d0, 1.0 / s, Phi);
        }
        st = dln_net_end_to_end(net, P, dL);
    }
    if (st == DLN_OK) st = singular_values(dL, d0, Phi, dL, sv);
    if (st == DLN_OK) {
        r->phi_norm = la_nrm2(dL * d0, Phi);
        r->phi_sigma_min = sv[k - 1];
        la_add(dL, d0, -1.0, Phi, dL, P, dL);
        r->residual = la_nrm2(dL * d0, P);
    }
    free(Phi), free(P), free(sv);
    if (st != DLN_OK) return dlni_fail(loss->err, st, "end-to-end product or SVD of Phi failed");
    if (!isfinite(r->residual))
        return dlni_fail(loss->err, DLN_E_NONFINITE, "||W_{L:1} - Phi|| overflowed");
    return DLN_OK;
}

/* The bounds of Theorem 1 from margin c, ||Phi||, delta and the step. */
static void arora_bounds(dln_arora_report *r, size_t depth, double s, double eta_lib, double eps)
{
    double L = (double)depth, c = r->margin, L3 = L * L * L, nan = NAN;
    r->margin_ok = c > 0.0;
    r->delta_max = r->eta_max = r->eta_max_lib = r->rate = r->iterations = nan;
    r->eta = s * eta_lib;
    if (!r->margin_ok) {
        if (eta_lib == 0.0) r->eta = nan;
        return;
    }
    r->delta_max = c * c / (DLN_ARORA_DELTA_CONST * L3 * pow(r->phi_norm, 2.0 * (L - 1.0) / L));
    r->eta_max = pow(c, (4.0 * L - 2.0) / L) /
                 (DLN_ARORA_ETA_CONST * L3 * pow(r->phi_norm, (6.0 * L - 4.0) / L));
    r->eta_max_lib = r->eta_max / s;
    if (eta_lib == 0.0) r->eta = r->eta_max;
    r->delta_ok = r->delta <= r->delta_max;
    r->eta_ok = r->eta <= r->eta_max;
    r->guarantee = r->delta_ok && r->eta_ok;
    r->rate = r->eta * pow(c, 2.0 * (L - 1.0) / L);
    r->iterations = r->loss0 <= eps ? 0.0 : ceil(log(r->loss0 / eps) / r->rate);
}

dln_status dln_loss_arora(dln_loss *loss, const dln_net *net, double eta_lib, double eps,
                          dln_arora_report *report)
{
    dln_status st = check_unregularized(loss, net);
    if (st == DLN_OK) st = check_args(loss, report, DLN_ARORA_REPORT_V1_SIZE, NULL);
    if (st != DLN_OK) return st;
    if (!(isfinite(eta_lib) && eta_lib >= 0.0))
        return dlni_fail(loss->err, DLN_E_RANGE, "eta = %g must be finite and >= 0", eta_lib);
    if (!(isfinite(eps) && eps > 0.0))
        return dlni_fail(loss->err, DLN_E_RANGE, "eps = %g must be finite and > 0", eps);
    dln_arora_report r = {.struct_size = sizeof r};
    st = whitened_scale(loss, &r.sxx_scale);
    if (st == DLN_OK) st = target_geometry(loss, net, r.sxx_scale, &r);
    if (st != DLN_OK) return st;
    double *norms = net->L > 1 ? dlni_alloc(net->L - 1) : NULL;
    if (net->L > 1 && !norms) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    st = net->L > 1 ? balance(net, NULL, norms, NULL) : DLN_OK;
    for (size_t l = 0; st == DLN_OK && l + 1 < net->L; l++) r.delta = fmax(r.delta, norms[l]);
    free(norms);
    if (st != DLN_OK) return dlni_fail(loss->err, st, "balancedness failed");
    r.margin = r.phi_sigma_min - r.residual;
    r.loss0 = 0.5 * r.residual * r.residual;
    arora_bounds(&r, net->L, r.sxx_scale, eta_lib, eps);
    dlni_report_put(report, &r, sizeof r);
    return DLN_OK;
}
