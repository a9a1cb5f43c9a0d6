/* landscape.c - the landscape handle: which theory applies, the spectral
 * data of the effective target, thresholds, roots, global value, flags,
 * and the enumeration of orbit types (regularized.md 2, 9(a);
 * unregularized.md 1-3, 7). */
#include "landscape.h"
#include "landscape_distance.h"
#include "linalg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double default_tol[4] = {1e-8, 1e-9, 1e-8, 1e-10};

static void free_analysis(dln_landscape *ls)
{
    free(ls->y), free(ls->U), free(ls->V), free(ls->blk), free(ls->count);
    dlni_dist_work_free(ls->dist); /* sized by the analysis */
    ls->y = ls->U = ls->V = NULL, ls->blk = NULL, ls->count = NULL, ls->dist = NULL;
    ls->nv = ls->k = ls->nb = 0;
}

void dln_landscape_free(dln_landscape *ls)
{
    if (!ls) return;
    free_analysis(ls);
    dln_loss_free(ls->loss);
    free(ls->d), free(ls->lam), free(ls->lamr), free(ls);
}

/* ---- spectral data --------------------------------------------------- */

/* Thin SVD of the dL x d0 matrix A (overwritten) into ls->y (values), U, V. */
static dln_status spectral(dln_landscape *ls, double *A)
{
    size_t d0 = ls->d[0], dL = ls->d[ls->L], k = d0 < dL ? d0 : dL;
    double *VT = dlni_alloc(k * d0);
    ls->U = dlni_alloc(dL * k), ls->V = dlni_alloc(d0 * k), ls->y = dlni_alloc(dL > k ? dL : k);
    if (!VT || !ls->U || !ls->V || !ls->y) {
        free(VT);
        return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    }
    ls->k = k;
    int rc = la_svd(dL, d0, A, dL, ls->y, ls->U, dL, VT, k);
    if (rc == LA_OK) la_copy_t(k, d0, VT, k, ls->V, d0);
    free(VT);
    return dlni_la_status(ls->err, rc, "SVD of the effective target");
}

/* Group equal values (within tol * y_1) into blocks; regularized blocks get their roots. */
static dln_status make_blocks(dln_landscape *ls)
{
    size_t nv = ls->nv;
    ls->blk = calloc(nv ? nv : 1, sizeof *ls->blk);
    if (!ls->blk) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    double tol = ls->tol[DLN_TOL_VALUE] * (nv ? ls->y[0] : 0.0);
    int distinct = ls->theory == DLN_THEORY_UNREGULARIZED; /* H3 holds */
    ls->nb = 0;
    for (size_t i = 0; i < nv; i++) {
        dlni_block *b = ls->nb ? &ls->blk[ls->nb - 1] : NULL;
        if (b && !distinct && ls->y[i - 1] - ls->y[i] <= tol) {
            b->y = (b->y * (double)b->m + ls->y[i]) / (double)(b->m + 1);
            b->m++;
        } else {
            b = &ls->blk[ls->nb++];
            b->start = i, b->m = 1, b->y = ls->y[i];
        }
    }
    for (size_t b = 0; b < ls->nb && ls->theory == DLN_THEORY_REGULARIZED; b++) {
        ls->blk[b].root.struct_size = sizeof(dln_root_info);
        dlni_roots(ls->L, ls->loglam, ls->blk[b].y, ls->tol[DLN_TOL_VALUE], &ls->blk[b].root);
    }
    return DLN_OK;
}

/* ---- orbit types: options per block, counting, unranking -------------- */

/* Number of options of block b; option o has k matched copies, nm of them s_-. */
static size_t block_options(const dln_landscape *ls, size_t b, size_t o, size_t *k, size_t *nm)
{
    const dlni_block *B = &ls->blk[b];
    size_t m = B->m;
    *k = *nm = 0;
    if (ls->theory == DLN_THEORY_UNREGULARIZED) {
        *k = o;
        return 2;
    }
    if (B->root.count == 0) return 1;
    if (B->root.count == 1) {
        *k = o;
        return m + 1;
    }
    for (size_t kk = 0, idx = 0; kk <= m; kk++) /* (k, nm) in lexicographic order */
        for (size_t j = 0; j <= kk; j++, idx++)
            if (idx == o) *k = kk, *nm = j;
    return (m + 1) * (m + 2) / 2;
}

static size_t sat_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

/* count[b][rem]: orbit types of blocks b.. with total rank <= rem. */
static dln_status count_orbits(dln_landscape *ls)
{
    size_t R = ls->dmin, nb = ls->nb, w = R + 1;
    ls->count = malloc((nb + 1) * w * sizeof *ls->count);
    if (!ls->count) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    for (size_t rem = 0; rem <= R; rem++) ls->count[nb * w + rem] = 1;
    for (size_t b = nb; b-- > 0;)
        for (size_t rem = 0; rem <= R; rem++) {
            size_t k, nm, tot = 0, no = block_options(ls, b, 0, &k, &nm);
            for (size_t o = 0; o < no; o++) {
                block_options(ls, b, o, &k, &nm);
                if (k <= rem) tot = sat_add(tot, ls->count[(b + 1) * w + rem - k]);
            }
            ls->count[b * w + rem] = tot;
        }
    ls->norbits = ls->count[R];
    return DLN_OK;
}

static int main_label(const dln_landscape *ls, size_t b)
{
    if (ls->theory == DLN_THEORY_UNREGULARIZED) return DLN_MATCH_SELECTED;
    return ls->blk[b].root.is_double ? DLN_MATCH_DOUBLE : DLN_MATCH_PLUS;
}

dln_status dln_landscape_orbit(const dln_landscape *ls, size_t index, int *pattern)
{
    if (!ls || !pattern) return DLN_E_NULL;
    if (ls->theory != DLN_THEORY_REGULARIZED && ls->theory != DLN_THEORY_UNREGULARIZED)
        return DLN_E_UNSUPPORTED;
    if (ls->norbits == SIZE_MAX || index >= ls->norbits) return DLN_E_RANGE;
    size_t w = ls->dmin + 1, rem = ls->dmin;
    for (size_t i = 0; i < ls->nv; i++) pattern[i] = DLN_MATCH_NONE;
    for (size_t b = 0; b < ls->nb; b++) {
        size_t k, nm, no = block_options(ls, b, 0, &k, &nm);
        for (size_t o = 0; o < no; o++) {
            block_options(ls, b, o, &k, &nm);
            if (k > rem) continue;
            size_t c = ls->count[(b + 1) * w + rem - k];
            if (index < c) {
                size_t s = ls->blk[b].start;
                for (size_t j = 0; j < k; j++)
                    pattern[s + j] = j < k - nm ? main_label(ls, b) : DLN_MATCH_MINUS;
                rem -= k;
                break;
            }
            index -= c;
        }
    }
    return DLN_OK;
}

/* Unregularized critical value r0/2 + 1/2 sum_{i not in S} gamma_i (no cancellation). */
static double unreg_value(const dln_landscape *ls, const dlni_comp *comp, size_t r)
{
    double s = 0.0;
    for (size_t i = 0; i < ls->nv; i++) {
        int in = 0;
        for (size_t j = 0; j < r; j++) in |= comp[j].blk == i;
        if (!in) s += ls->y[i];
    }
    return ls->offset + 0.5 * s;
}

dln_status dln_landscape_pattern_info(dln_landscape *ls, const int *pattern, dln_orbit_info *info)
{
    if (!ls) return DLN_E_NULL;
    if (!pattern || !info) return dlni_fail(ls->err, DLN_E_NULL, "pattern or info is NULL");
    dln_status st = dlni_report_check(ls->err, info, DLN_ORBIT_INFO_V1_SIZE, "info");
    if (st != DLN_OK) return st;
    if (ls->theory != DLN_THEORY_REGULARIZED && ls->theory != DLN_THEORY_UNREGULARIZED)
        return dlni_fail(ls->err, DLN_E_UNSUPPORTED, "no closed-form critical set: %s", ls->reason);
    dlni_comp *comp = malloc((ls->dmin + 1) * sizeof *comp);
    double *ev = ls->theory == DLN_THEORY_REGULARIZED ? dlni_alloc(ls->n) : NULL;
    dlni_spec_ws *ws = ls->theory == DLN_THEORY_REGULARIZED ? dlni_spec_ws_new(ls) : NULL;
    if (!comp || (ls->theory == DLN_THEORY_REGULARIZED && (!ev || !ws))) {
        free(comp), free(ev), dlni_spec_ws_free(ws);
        return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    }
    size_t r;
    st = dlni_pattern_parse(ls, pattern, comp, &r);
    dln_orbit_info o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.rank = r;
    o.hess_min = o.hess_min_pos = o.hess_max = NAN;
    if (st == DLN_OK && ls->theory == DLN_THEORY_UNREGULARIZED) {
        int top = 1;
        for (size_t j = 0; j < r; j++) top &= comp[j].blk == j;
        o.value = unreg_value(ls, comp, r);
        o.cls = !top ? DLN_CLASS_STRICT_SADDLE
              : r == ls->dmin ? DLN_CLASS_GLOBAL_MIN
              : ls->L == 2 ? DLN_CLASS_STRICT_SADDLE : DLN_CLASS_UNDETERMINED;
    } else if (st == DLN_OK) {
        o.value = dlni_reg_value(ls, comp, r);
        o.cls = dlni_reg_class(ls, comp, r, NULL);
        o.dim = dlni_orbit_dim(ls, comp, r);
        dlni_spectrum sp;
        st = dlni_block_spectrum(ls, comp, r, ev, ws, &sp);
        if (st == DLN_OK) {
            dlni_spectrum_sorted(&sp);
            double mx = fmax(fabs(ev[0]), fabs(ev[ls->n - 1])), zt = 1e-10 * mx;
            o.hess_min = ev[0], o.hess_max = ev[ls->n - 1], o.hess_min_pos = INFINITY;
            for (size_t i = 0; i < ls->n; i++) {
                if (fabs(ev[i]) <= zt) o.nullity++;
                else o.hess_min_pos = fmin(o.hess_min_pos, fabs(ev[i]));
            }
        }
    }
    if (st == DLN_OK) dlni_report_put(info, &o, sizeof o);
    free(comp), free(ev), dlni_spec_ws_free(ws);
    return st;
}

/* ---- theory detection and analysis ------------------------------------- */

/* Global value of the convex depth-1 problem: with R = U diag(rho) V^T,
 * F* = r0/2 + 1/2 sum_j ||C u_j||^2 lam/(rho_j^2 + lam) (ridge in closed form). */
static dln_status convex_global(dln_landscape *ls, const double *R, const double *C)
{
    size_t d0 = ls->d[0], dL = ls->d[1];
    double lam = ls->lam[0];
    double *A = dlni_alloc(d0 * d0), *rho = dlni_alloc(d0), *Uu = dlni_alloc(d0 * d0),
           *VT = dlni_alloc(d0 * d0), *CU = dlni_alloc(dL * d0);
    dln_status st = DLN_OK;
    if (!A || !rho || !Uu || !VT || !CU) st = dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) {
        la_copy(d0, d0, R, d0, A, d0);
        st = dlni_la_status(ls->err, la_svd(d0, d0, A, d0, rho, Uu, d0, VT, d0), "SVD of R");
    }
    if (st == DLN_OK) {
        la_gemm(LA_N, LA_N, dL, d0, d0, 1.0, C, dL, Uu, d0, 0.0, CU, dL);
        double s = 0.0, rtol = ls->tol[DLN_TOL_VALUE] * rho[0];
        for (size_t j = 0; j < d0; j++) {
            double nc = la_nrm2(dL, CU + j * dL), w;
            if (rho[j] <= rtol) w = 1.0; /* direction not seen by the data */
            else w = lam / (rho[j] * rho[j] + lam);
            s += nc * nc * w;
        }
        ls->gstar = ls->offset + 0.5 * s;
    }
    free(A), free(rho), free(Uu), free(VT), free(CU);
    return st;
}

/* Regularized: X X^T = cI test, Ybar = C R / c, thresholds, roots, F*, flags. */
static dln_status analyse_regularized(dln_landscape *ls, const double *R, const double *C)
{
    size_t d0 = ls->d[0], dL = ls->d[ls->L], L = ls->L;
    double c = 1.0;
    ls->iso_gap = 0.0;
    if (R) {
        double *G = dlni_alloc(d0 * d0);
        if (!G) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
        la_gemm(LA_T, LA_N, d0, d0, d0, 1.0, R, d0, R, d0, 0.0, G, d0);
        double fr = la_fro(d0, d0, R, d0);
        c = fr * fr / (double)d0;
        for (size_t i = 0; i < d0; i++) G[i + i * d0] -= c;
        ls->iso_gap = c > 0.0 ? la_fro(d0, d0, G, d0) / (c * sqrt((double)d0)) : INFINITY;
        free(G);
        if (!(ls->iso_gap <= ls->tol[DLN_TOL_VALUE])) {
            ls->limits |= DLN_LIMIT_DATA;
            snprintf(ls->reason, DLNI_MSG,
                     "no theory: lam > 0 but X X^T is not c I (relative deviation %.3g > %.3g); "
                     "balancedness still holds, classification is numerical",
                     ls->iso_gap, ls->tol[DLN_TOL_VALUE]);
            return DLN_OK;
        }
    }
    ls->theory = DLN_THEORY_REGULARIZED;
    ls->c = c;
    ls->loglam = 0.0;
    for (size_t l = 0; l < L; l++) {
        ls->lamr[l] = ls->lam[l] / c;
        ls->loglam += log(ls->lamr[l]);
    }
    ls->lamp = exp(ls->loglam);
    dlni_thresholds(L, ls->loglam, &ls->ystar, &ls->yhat, &ls->sstar, &ls->pstar);
    double *A = dlni_alloc(dL * d0);
    if (!A) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    la_copy(dL, d0, C, dL, A, dL);
    if (R) {
        la_trmm_right_upper(LA_N, dL, d0, 1.0, R, d0, A, dL);
        la_scal(dL * d0, 1.0 / c, A);
    }
    ls->nv = ls->k = d0 < dL ? d0 : dL;
    dln_status st = spectral(ls, A);
    free(A);
    if (st == DLN_OK) st = make_blocks(ls);
    if (st != DLN_OK) return st;
    double tau = ls->tol[DLN_TOL_VALUE], fsum = 0.0;
    size_t used = 0;
    ls->eb_gap = ls->ssp_gap = INFINITY;
    for (size_t b = 0; b < ls->nb; b++) {
        const dlni_block *B = &ls->blk[b];
        double gap = fabs(B->root.delta);
        ls->eb_gap = fmin(ls->eb_gap, gap);
        if (used < ls->dmin) ls->ssp_gap = fmin(ls->ssp_gap, gap);
        for (size_t j = 0; j < B->m && used < ls->dmin; j++, used++)
            if (B->root.count >= 1 && !B->root.is_double) fsum += fmin(0.0, B->root.phi[0]);
    }
    ls->gstar = ls->fzero + c * fsum;
    ls->eb = ls->eb_gap > tau;
    ls->ssp = L == 2 || ls->ssp_gap > tau;
    if (L == 2) ls->ssp_gap = NAN;
    snprintf(ls->reason, DLNI_MSG,
             "regularized theory (Chen-Jiang-Wang) on %s, L = %zu, lam = %.6g, c = %.6g",
             R ? "data with X X^T = c I" : "the target", L, ls->lamp, c);
    return count_orbits(ls);
}

/* Unregularized: H1-H3 with margins, gamma = sigma(C)^2, f*. */
static dln_status analyse_unregularized(dln_landscape *ls, const double *R, const double *C)
{
    size_t d0 = ls->d[0], dL = ls->d[ls->L];
    double tau = ls->tol[DLN_TOL_VALUE];
    ls->h1 = 1.0;
    if (R) {
        double *A = dlni_alloc(d0 * d0), *rho = dlni_alloc(d0);
        if (!A || !rho) {
            free(A), free(rho);
            return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
        }
        la_copy(d0, d0, R, d0, A, d0);
        int rc = la_svd(d0, d0, A, d0, rho, NULL, 1, NULL, 1);
        ls->h1 = rc == LA_OK && rho[0] > 0.0 ? rho[d0 - 1] / rho[0] : 0.0;
        free(A), free(rho);
        if (rc != LA_OK) return dlni_la_status(ls->err, rc, "SVD of R");
    }
    if (!(ls->h1 > tau)) {
        ls->limits |= DLN_LIMIT_H1;
        snprintf(ls->reason, DLNI_MSG,
                 "no theory: H1 fails, X X^T is singular (sigma_min/sigma_max of R = %.3g <= %.3g)",
                 ls->h1, tau);
        return DLN_OK;
    }
    double *A = dlni_alloc(dL * d0);
    if (!A) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    la_copy(dL, d0, C, dL, A, dL);
    ls->nv = dL;
    dln_status st = spectral(ls, A);
    free(A);
    if (st != DLN_OK) return st;
    for (size_t i = 0; i < dL; i++) ls->y[i] = i < ls->k ? ls->y[i] * ls->y[i] : 0.0;
    double g1 = ls->y[0];
    ls->h2 = g1 > 0.0 ? ls->y[dL - 1] / g1 : 0.0;
    ls->h3 = dL > 1 ? INFINITY : 1.0;
    for (size_t i = 0; i + 1 < dL; i++)
        ls->h3 = fmin(ls->h3, g1 > 0.0 ? (ls->y[i] - ls->y[i + 1]) / g1 : 0.0);
    double tail = 0.0;
    for (size_t i = ls->dmin; i < dL; i++) tail += ls->y[i];
    ls->gstar = ls->offset + 0.5 * tail;
    if (!(ls->h2 > tau)) ls->limits |= DLN_LIMIT_H2;
    if (!(ls->h3 > tau)) ls->limits |= DLN_LIMIT_H3;
    if (ls->limits) {
        snprintf(ls->reason, DLNI_MSG,
                 "no theory: %s%s(gamma_min/gamma_1 = %.3g, min gap/gamma_1 = %.3g, tol %.3g)",
                 ls->limits & DLN_LIMIT_H2 ? "H2 fails, Sigma is singular " : "",
                 ls->limits & DLN_LIMIT_H3 ? "H3 fails, Sigma has a repeated eigenvalue " : "",
                 ls->h2, ls->h3, tau);
        return DLN_OK;
    }
    ls->theory = DLN_THEORY_UNREGULARIZED;
    ls->ssp = ls->L == 2;
    ls->eb = 0, ls->eb_gap = ls->ssp_gap = NAN;
    st = make_blocks(ls);
    if (st != DLN_OK) return st;
    snprintf(ls->reason, DLNI_MSG,
             "unregularized theory (Achour-Malgouyres-Gerchinovitz): H1-H3 hold with margins "
             "%.3g, %.3g, %.3g",
             ls->h1, ls->h2, ls->h3);
    return count_orbits(ls);
}

/* Everything that depends on the loss and DLN_TOL_VALUE, from its effective R and C. */
static dln_status analyse_summary(dln_landscape *ls, const double *R, const double *C)
{
    const dln_loss *loss = ls->loss;
    size_t L = ls->L, d0 = ls->d[0], dL = ls->d[L], npos = 0;
    ls->theory = DLN_THEORY_NONE;
    ls->limits = 0;
    ls->c = 1.0, ls->offset = 0.5 * loss->r0, ls->lamp = ls->loglam = NAN;
    ls->ystar = ls->yhat = ls->sstar = ls->pstar = ls->gstar = NAN;
    ls->eb = ls->ssp = 0;
    ls->eb_gap = ls->ssp_gap = ls->iso_gap = ls->h1 = ls->h2 = ls->h3 = NAN;
    ls->norbits = 0;
    double cn = la_fro(dL, d0, C, dL);
    ls->fzero = 0.5 * cn * cn + ls->offset;
    double *CR = dlni_alloc(dL * d0);
    if (!CR) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    la_copy(dL, d0, C, dL, CR, dL);
    if (R) la_trmm_right_upper(LA_N, dL, d0, 1.0, R, d0, CR, dL);
    double rn = 1.0;
    dln_status st = dlni_norm2(ls->err, dL, d0, CR, dL, &ls->syx);
    if (st == DLN_OK && R) st = dlni_norm2(ls->err, d0, d0, R, d0, &rn);
    free(CR);
    if (st != DLN_OK) return st;
    ls->sxx = rn * rn;
    double ybar = ls->sxx > 0.0 ? ls->syx / ls->sxx : 0.0;
    ls->ascale = ybar > 0.0 ? pow(ybar, 1.0 / (double)L) : 1.0;
    for (size_t l = 0; l < L; l++) npos += ls->lam[l] > 0.0;
    if (L == 1) {
        ls->theory = DLN_THEORY_CONVEX;
        ls->eb = ls->ssp = 1;
        snprintf(ls->reason, DLNI_MSG,
                 "convex: depth 1 (%s); every critical point is a global minimizer",
                 npos ? "ridge regression" : "least squares");
        if (R) return convex_global(ls, R, C);
        ls->gstar = ls->offset + 0.5 * cn * cn * ls->lam[0] / (1.0 + ls->lam[0]);
        return DLN_OK;
    }
    if (npos == L) return analyse_regularized(ls, R, C);
    if (npos == 0) return analyse_unregularized(ls, R, C);
    ls->limits |= DLN_LIMIT_MIXED_L2;
    size_t z = 0, p = 0;
    for (size_t l = 0; l < L; l++) {
        if (ls->lam[l] == 0.0) z = l + 1;
        else p = l + 1;
    }
    snprintf(ls->reason, DLNI_MSG,
             "no theory: lam_%zu = 0 but lam_%zu = %.3g > 0 (mixed regularization is outside "
             "both theories); classification is numerical",
             z, p, ls->lam[p - 1]);
    return DLN_OK;
}

/* The theory reads the effective R (NULL: a target loss) and C: copies, as
 * the loss holds them in the sum form (src/internal.h, dlni_summ). */
static dln_status analyse_kinds(dln_landscape *ls)
{
    free_analysis(ls);
    const dln_loss *loss = ls->loss;
    size_t d0 = ls->d[0], dL = ls->d[ls->L];
    double *R = loss->eff.R ? dlni_alloc(d0 * d0) : NULL, *C = dlni_alloc(dL * d0);
    dln_status st;
    if ((loss->eff.R && !R) || !C) {
        st = dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    } else {
        if (R) dlni_loss_r_copy(loss, LA_N, R, d0);
        dlni_loss_c_copy(loss, C, dL);
        st = analyse_summary(ls, R, C);
    }
    free(R), free(C);
    return st;
}

/* The analysis, refused when the data's scale overflows it: F(0) or a value
 * (gamma_i are squares of the data's scale) that is Inf would reach the
 * caller as a DLN_OK result (found by fuzz/fuzz_api.c). */
static dln_status analyse(dln_landscape *ls)
{
    dln_status st = analyse_kinds(ls);
    int finite = st != DLN_OK || isfinite(ls->fzero);
    for (size_t k = 0; finite && st == DLN_OK && ls->y && k < ls->nv; k++) finite = isfinite(ls->y[k]);
    if (finite) return st;
    free_analysis(ls);
    return dlni_fail(ls->err, DLN_E_NONFINITE,
                     "the analysis overflows (F(0) = %g): rescale the data or the target", ls->fzero);
}

dln_status dln_landscape_create(dln_landscape **out, const dln_loss *loss, size_t depth,
                                const size_t *widths)
{
    if (!out || !loss || !widths) return DLN_E_NULL;
    if (depth == 0) return DLN_E_DIM;
    size_t n = 0, dmin = SIZE_MAX;
    for (size_t l = 0; l <= depth; l++) {
        if (widths[l] == 0) return DLN_E_DIM;
        if (!la_fits(widths[l])) return DLN_E_OVERFLOW;
        if (widths[l] < dmin) dmin = widths[l];
        size_t t;
        if (l > 0 && (!dlni_mul(widths[l], widths[l - 1], &t) || n > SIZE_MAX - t))
            return DLN_E_OVERFLOW;
        if (l > 0) n += t;
    }
    if (widths[0] != loss->d0 || widths[depth] != loss->dL) return DLN_E_DIM;
    if (loss->lam_depth && loss->lam_depth != depth) return DLN_E_DIM;
    dln_landscape *ls = calloc(1, sizeof *ls);
    if (!ls) return DLN_E_NOMEM;
    ls->L = depth, ls->n = n, ls->dmin = dmin;
    memcpy(ls->tol, default_tol, sizeof ls->tol);
    ls->d = malloc((depth + 1) * sizeof *ls->d);
    ls->lam = dlni_alloc(depth), ls->lamr = dlni_alloc(depth);
    dln_status st = (ls->d && ls->lam && ls->lamr) ? dln_loss_copy(&ls->loss, loss) : DLN_E_NOMEM;
    if (st == DLN_OK) {
        memcpy(ls->d, widths, (depth + 1) * sizeof *ls->d);
        st = dln_loss_get_l2(loss, depth, ls->lam);
    }
    if (st == DLN_OK) st = analyse(ls);
    if (st != DLN_OK) {
        dln_landscape_free(ls);
        return st;
    }
    *out = ls;
    return DLN_OK;
}

/* ---- queries and options ----------------------------------------------- */

const char *dln_landscape_errmsg(const dln_landscape *ls) { return ls ? ls->err : "NULL landscape"; }
dln_theory dln_landscape_theory(const dln_landscape *ls) { return ls ? ls->theory : DLN_THEORY_NONE; }
unsigned dln_landscape_limits(const dln_landscape *ls) { return ls ? ls->limits : 0u; }
const char *dln_landscape_reason(const dln_landscape *ls) { return ls ? ls->reason : "NULL landscape"; }
size_t dln_landscape_num_values(const dln_landscape *ls) { return ls ? ls->nv : 0; }
size_t dln_landscape_num_params(const dln_landscape *ls) { return ls ? ls->n : 0; }

dln_status dln_landscape_get_info(const dln_landscape *ls, dln_landscape_info *info)
{
    if (!ls) return DLN_E_NULL;
    dln_status st = dlni_report_check(NULL, info, DLN_LANDSCAPE_INFO_V1_SIZE, "info");
    if (st != DLN_OK) return st;
    dln_landscape_info o;
    memset(&o, 0, sizeof o); /* padding included: the caller gets no stale bytes */
    o.struct_size = sizeof o;
    o.theory = ls->theory, o.limits = ls->limits, o.depth = ls->L, o.rank_max = ls->dmin;
    o.num_values = ls->nv, o.num_orbits = ls->norbits;
    o.scale = ls->c, o.offset = ls->offset, o.lam = ls->lamp;
    o.ystar = ls->ystar, o.yhat = ls->yhat, o.sstar = ls->sstar, o.pstar = ls->pstar;
    o.global_value = ls->gstar, o.zero_value = ls->fzero;
    o.error_bound = ls->eb, o.error_bound_gap = ls->eb_gap;
    o.strict_saddle = ls->ssp, o.strict_saddle_gap = ls->ssp_gap;
    o.iso_gap = ls->iso_gap, o.h1_margin = ls->h1, o.h2_margin = ls->h2, o.h3_margin = ls->h3;
    dlni_report_put(info, &o, sizeof o);
    return DLN_OK;
}

dln_status dln_landscape_values(const dln_landscape *ls, double *values)
{
    if (!ls || !values) return DLN_E_NULL;
    if (!ls->y) return DLN_E_UNSUPPORTED;
    memcpy(values, ls->y, ls->nv * sizeof *values);
    return DLN_OK;
}

/* The roots of value k (< nv) of a regularized landscape. */
static const dln_root_info *roots_of(const dln_landscape *ls, size_t k)
{
    size_t b = 0;
    while (b + 1 < ls->nb && k >= ls->blk[b].start + ls->blk[b].m) b++;
    return &ls->blk[b].root;
}

dln_status dln_landscape_roots(const dln_landscape *ls, size_t k, dln_root_info *info)
{
    if (!ls) return DLN_E_NULL;
    dln_status st = dlni_report_check(NULL, info, DLN_ROOT_INFO_V1_SIZE, "info");
    if (st != DLN_OK) return st;
    if (ls->theory != DLN_THEORY_REGULARIZED) return DLN_E_UNSUPPORTED;
    if (k >= ls->nv) return DLN_E_DIM;
    const dln_root_info *ri = roots_of(ls, k);
    dlni_report_put(info, ri, sizeof *ri);
    return DLN_OK;
}

dln_status dln_landscape_root_layers(const dln_landscape *ls, size_t k, double *sigma, size_t ld)
{
    if (!ls || !sigma) return DLN_E_NULL;
    if (ls->theory != DLN_THEORY_REGULARIZED) return DLN_E_UNSUPPORTED;
    if (k >= ls->nv) return DLN_E_DIM;
    if (ld < ls->L) return DLN_E_LD;
    const dln_root_info *ri = roots_of(ls, k);
    /* W_l = lamr_l^{-1/2} U_l S U_{l-1}^T: root s is s / sqrt(lamr_l) in layer l */
    for (int j = 0; j < 2; j++)
        for (size_t l = 1; l <= ls->L; l++)
            sigma[(l - 1) + (size_t)j * ld] = j < ri->count ? ri->s[j] / sqrt(ls->lamr[l - 1]) : NAN;
    return DLN_OK;
}

dln_status dln_landscape_set_tol(dln_landscape *ls, dln_tol which, double tol)
{
    if (!ls) return DLN_E_NULL;
    if ((int)which < 0 || (int)which > (int)DLN_TOL_VALUE)
        return dlni_fail(ls->err, DLN_E_RANGE, "unknown tolerance kind %d", (int)which);
    if (!(tol > 0.0 && tol < 1.0))
        return dlni_fail(ls->err, DLN_E_RANGE, "tolerance %g must lie in (0, 1)", tol);
    double old = ls->tol[which];
    ls->tol[which] = tol;
    if (which != DLN_TOL_VALUE) return DLN_OK;
    dln_status st = analyse(ls);
    if (st != DLN_OK) { /* restore the previous analysis */
        ls->tol[which] = old;
        char keep[DLNI_MSG];
        memcpy(keep, ls->err, DLNI_MSG);
        if (analyse(ls) == DLN_OK) memcpy(ls->err, keep, DLNI_MSG);
    }
    return st;
}

double dln_landscape_get_tol(const dln_landscape *ls, dln_tol which)
{
    if (!ls || (int)which < 0 || (int)which > (int)DLN_TOL_VALUE) return NAN;
    return ls->tol[which];
}
