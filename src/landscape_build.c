/* landscape_build.c - construction of critical points of a chosen type
 * (regularized.md 9(d), unregularized.md 12(b)). Every point is checked
 * with the gradient before it is written: a request that does not give a
 * critical point fails with DLN_E_RANGE and leaves the net unchanged. */
#include "landscape.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BUILD_TOL 1e-9 /* relative gradient accepted for a constructed point */

/* Frame of r columns in R^m: leading identity columns or Haar-random. */
static int frame(dlni_rng *rng, dln_frames frames, size_t m, size_t r, double *Q)
{
    if (frames == DLN_FRAMES_CANONICAL || r == 0) {
        la_set_identity(m, r, Q, m);
        return LA_OK;
    }
    return dlni_rng_stiefel(rng, m, r, Q);
}

/* Boundary frames U_L (dL x r), U_0 (d0 x r): matched singular pairs, rotated
 * inside each repeated block by Z_b (canonical: the pattern's own indices). */
static int boundary_frames(dln_landscape *ls, const int *pattern, dln_frames frames, dlni_rng *rng,
                           double *UL, double *U0)
{
    size_t d0 = ls->d[0], dL = ls->d[ls->L], col = 0;
    double *Z = dlni_alloc(ls->nv * ls->nv);
    if (!Z) return LA_NOMEM;
    int rc = LA_OK;
    for (size_t b = 0; b < ls->nb && rc == LA_OK; b++) {
        const dlni_block *B = &ls->blk[b];
        size_t m = B->m, k = 0;
        for (size_t i = 0; i < m; i++) k += pattern[B->start + i] != DLN_MATCH_NONE;
        if (k == 0) continue;
        if (frames == DLN_FRAMES_RANDOM) rc = dlni_rng_stiefel(rng, m, k, Z);
        else {
            la_set(m, k, 0.0, Z, m);
            for (size_t i = 0, j = 0; i < m; i++)
                if (pattern[B->start + i] != DLN_MATCH_NONE) Z[i + (j++) * m] = 1.0;
        }
        if (rc != LA_OK) break;
        la_gemm(LA_N, LA_N, dL, k, m, 1.0, ls->U + B->start * dL, dL, Z, m, 0.0, UL + col * dL, dL);
        la_gemm(LA_N, LA_N, d0, k, m, 1.0, ls->V + B->start * d0, d0, Z, m, 0.0, U0 + col * d0, d0);
        col += k;
    }
    free(Z);
    return rc;
}

/* W_l = lamr_l^{-1/2} U_l diag(s) U_{l-1}^T into theta. */
static dln_status build_reg(dln_landscape *ls, const int *pattern, dln_frames frames,
                            dlni_rng *rng, double *theta)
{
    size_t L = ls->L, *d = ls->d, r, dmax = 0;
    for (size_t l = 0; l <= L; l++) dmax = d[l] > dmax ? d[l] : dmax;
    dlni_comp *comp = malloc((ls->dmin + 1) * sizeof *comp);
    double *Ua = dlni_alloc(dmax * ls->dmin), *Ub = dlni_alloc(dmax * ls->dmin),
           *UL = dlni_alloc(d[L] * ls->dmin);
    dln_status st = (comp && Ua && Ub && UL) ? DLN_OK : dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) st = dlni_pattern_parse(ls, pattern, comp, &r);
    if (st == DLN_OK) /* Ua = U_0, UL = U_L */
        st = dlni_la_status(ls->err, boundary_frames(ls, pattern, frames, rng, UL, Ua), "frames");
    size_t off = 0;
    for (size_t l = 1; l <= L && st == DLN_OK; l++) {
        double *Un = l == L ? UL : Ub; /* U_l */
        if (l < L) st = dlni_la_status(ls->err, frame(rng, frames, d[l], r, Un), "frames");
        if (st != DLN_OK) break;
        for (size_t i = 0; i < r; i++) /* scale the columns of U_{l-1} by s_i / sqrt(lamr_l) */
            la_scal(d[l - 1], comp[i].s / sqrt(ls->lamr[l - 1]), Ua + i * d[l - 1]);
        la_gemm(LA_N, LA_T, d[l], d[l - 1], r, 1.0, Un, d[l], Ua, d[l - 1], 0.0, theta + off, d[l]);
        off += d[l] * d[l - 1];
        la_copy(d[l], r, Un, d[l], Ua, d[l]);
    }
    free(comp), free(Ua), free(Ub), free(UL);
    return st;
}

/* Random well-conditioned G = Q1 diag(e) Q2 with e_j = exp(u_j), u_j uniform
 * in [-1/2, 1/2], and Gi = G^{-1} = Q2^T diag(1/e) Q1^T. w: 3 m^2 doubles. */
static int random_gl(dlni_rng *rng, size_t m, double *G, double *Gi, double *w)
{
    double *Q1 = w, *Q2 = w + m * m, *T = w + 2 * m * m;
    int rc = dlni_rng_stiefel(rng, m, m, Q1);
    if (rc == LA_OK) rc = dlni_rng_stiefel(rng, m, m, Q2);
    if (rc != LA_OK) return rc;
    for (size_t j = 0; j < m; j++) {
        double e = exp(dlni_rng_uniform(rng) - 0.5);
        for (size_t i = 0; i < m; i++) {
            T[i + j * m] = Q1[i + j * m] * e; /* Q1 diag(e) */
            Gi[i + j * m] = Q2[j + i * m] / e; /* Q2^T diag(1/e), used as scratch */
        }
    }
    la_gemm(LA_N, LA_N, m, m, m, 1.0, T, m, Q2, m, 0.0, G, m);
    la_copy(m, m, Gi, m, T, m);
    la_gemm(LA_N, LA_T, m, m, m, 1.0, T, m, Q1, m, 0.0, Gi, m);
    return LA_OK;
}

/* Extra block K (rows x cols) of kind kind for layer l (1..L) of an unregularized build. */
static dln_status extra_block(dln_landscape *ls, size_t l, int kind, const int *pattern,
                              dlni_rng *rng, size_t rows, size_t cols, double *K, size_t ldk)
{
    size_t L = ls->L, d0 = ls->d[0], dL = ls->d[L];
    la_set(rows, cols, 0.0, K, ldk);
    if (kind == DLN_EXTRA_ZERO) return DLN_OK;
    if (kind == DLN_EXTRA_IDENTITY) {
        la_set_identity(rows, cols, K, ldk);
        return DLN_OK;
    }
    for (size_t j = 0; j < cols; j++) dlni_rng_fill_normal(rng, rows, 1.0, K + j * ldk);
    if (kind == DLN_EXTRA_RANDOM) return DLN_OK;
    if ((kind != DLN_EXTRA_SIGNAL && kind != DLN_EXTRA_CHANNEL) || (l != 1 && l != L))
        return dlni_fail(ls->err, DLN_E_RANGE,
                         "extras[%zu] = %d: SIGNAL and CHANNEL apply to K_1 and K_L only", l - 1, kind);
    int feed = l == 1; /* K_1: project rows; K_L: project columns */
    for (size_t i = 0; i < ls->nv; i++) {
        int p = pattern[i];
        int keep = p == DLN_MATCH_SELECTED ||
                   (kind == DLN_EXTRA_CHANNEL &&
                    (p == DLN_MATCH_FEED_READ || p == (feed ? DLN_MATCH_FEED : DLN_MATCH_READ)));
        if (feed && !keep) /* rows x: remove v_i (i not in S, not fed): Pi_perp C x stays in the kept span */
            for (size_t a = 0; a < rows; a++) {
                double c = 0.0;
                for (size_t j = 0; j < d0; j++) c += K[a + j * ldk] * ls->V[j + i * d0];
                for (size_t j = 0; j < d0; j++) K[a + j * ldk] -= c * ls->V[j + i * d0];
            }
        if (!feed && !keep) /* columns: remove u_i */
            for (size_t j = 0; j < cols; j++)
                la_axpy(dL, -la_dot(dL, ls->U + i * dL, K + j * ldk), ls->U + i * dL, K + j * ldk);
    }
    return DLN_OK; /* under H2 the u_i span R^{d_L}: K_L now lies in the kept span */
}

/* W_1 = [U_S^T C; K_1] R^{-T}, W_h = [I 0; 0 K_h], W_L = [U_S, K_L], then the gauge. */
static dln_status build_unreg(dln_landscape *ls, const int *pattern, const int *extras,
                              dln_frames frames, dlni_rng *rng, double *theta)
{
    size_t L = ls->L, *d = ls->d, d0 = d[0], dL = d[L], r = 0, dmax = 0;
    for (size_t l = 0; l <= L; l++) dmax = d[l] > dmax ? d[l] : dmax;
    dlni_comp *comp = malloc((ls->dmin + 1) * sizeof *comp);
    double *w = dlni_alloc(7 * dmax * dmax);
    dln_status st = (comp && w) ? DLN_OK : dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) st = dlni_pattern_parse(ls, pattern, comp, &r);
    for (size_t l = 1; l <= L && st == DLN_OK && extras; l++)
        if (extras[l - 1] < DLN_EXTRA_ZERO || extras[l - 1] > DLN_EXTRA_CHANNEL)
            st = dlni_fail(ls->err, DLN_E_RANGE, "extras[%zu] = %d is not a dln_extra", l - 1,
                           extras[l - 1]);
    size_t off = 0;
    for (size_t l = 1; l <= L && st == DLN_OK; l++) {
        double *W = theta + off;
        size_t rows = d[l], cols = d[l - 1];
        int kind = extras ? extras[l - 1] : DLN_EXTRA_ZERO;
        la_set(rows, cols, 0.0, W, rows);
        if (l == 1) { /* signal rows sqrt(gamma_i) v_i^T, extra rows below */
            for (size_t i = 0; i < r; i++)
                for (size_t j = 0; j < d0; j++)
                    W[i + j * rows] = sqrt(ls->y[comp[i].blk]) * ls->V[j + comp[i].blk * d0];
            st = extra_block(ls, 1, kind, pattern, rng, rows - r, cols, W + r, rows);
            if (st == DLN_OK) dlni_solve_r(ls->loss, rows, W, rows);
        } else if (l == L) { /* signal columns u_i, extra columns to the right */
            for (size_t i = 0; i < r; i++) la_copy(dL, 1, ls->U + comp[i].blk * dL, dL, W + i * rows, rows);
            st = extra_block(ls, L, kind, pattern, rng, rows, cols - r, W + r * rows, rows);
        } else {
            for (size_t i = 0; i < r; i++) W[i + i * rows] = 1.0;
            st = extra_block(ls, l, kind, pattern, rng, rows - r, cols - r, W + r + r * rows, rows);
        }
        off += rows * cols;
    }
    if (st == DLN_OK && frames == DLN_FRAMES_RANDOM) { /* W_h <- G_h W_h G_{h-1}^{-1} */
        double *G = w, *Gi = w + dmax * dmax, *T = w + 2 * dmax * dmax, *ws = w + 4 * dmax * dmax;
        size_t o = 0;
        for (size_t h = 1; h < L && st == DLN_OK; h++) {
            double *Wh = theta + o, *Wn = theta + o + d[h] * d[h - 1];
            st = dlni_la_status(ls->err, random_gl(rng, d[h], G, Gi, ws), "random gauge");
            if (st != DLN_OK) break;
            la_gemm(LA_N, LA_N, d[h], d[h - 1], d[h], 1.0, G, d[h], Wh, d[h], 0.0, T, d[h]);
            la_copy(d[h], d[h - 1], T, d[h], Wh, d[h]);
            la_gemm(LA_N, LA_N, d[h + 1], d[h], d[h], 1.0, Wn, d[h + 1], Gi, d[h], 0.0, T, d[h + 1]);
            la_copy(d[h + 1], d[h], T, d[h + 1], Wn, d[h + 1]);
            o += d[h] * d[h - 1];
        }
    }
    free(comp), free(w);
    return st;
}

dln_status dln_landscape_build(dln_landscape *ls, const int *pattern, const int *extras,
                               dln_frames frames, uint64_t seed, dln_net *net)
{
    if (!ls) return DLN_E_NULL;
    if (!pattern || !net) return dlni_fail(ls->err, DLN_E_NULL, "pattern or net is NULL");
    if (net->nres) return dlni_fail(ls->err, DLN_E_UNSUPPORTED, DLNI_RESIDUAL_MSG);
    if (!dlni_same_widths(net, ls->L, ls->d))
        return dlni_fail(ls->err, DLN_E_DIM, "the net's widths differ from the landscape's");
    if (frames != DLN_FRAMES_CANONICAL && frames != DLN_FRAMES_RANDOM)
        return dlni_fail(ls->err, DLN_E_RANGE, "frames must be DLN_FRAMES_CANONICAL or _RANDOM");
    if (ls->theory != DLN_THEORY_REGULARIZED && ls->theory != DLN_THEORY_UNREGULARIZED)
        return dlni_fail(ls->err, DLN_E_UNSUPPORTED, "no closed-form critical set: %s", ls->reason);
    double *theta = dlni_alloc(ls->n), *old = dlni_alloc(ls->n), *g = dlni_alloc(ls->n);
    dln_status st = (theta && old && g) ? DLN_OK : dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    dlni_rng rng;
    dlni_rng_seed(&rng, seed);
    if (st == DLN_OK)
        st = ls->theory == DLN_THEORY_REGULARIZED ? build_reg(ls, pattern, frames, &rng, theta)
                                                  : build_unreg(ls, pattern, extras, frames, &rng, theta);
    if (st == DLN_OK && !la_all_finite(ls->n, 1, theta, ls->n))
        st = dlni_fail(ls->err, DLN_E_NONFINITE, "the constructed weights overflowed");
    if (st == DLN_OK) {
        memcpy(old, net->theta, ls->n * sizeof *old);
        dlni_net_assign(net, theta);
        double grel = 0.0;
        st = dlni_grad_rel(ls, net, g, NULL, NULL, &grel);
        if (st == DLN_OK && !(grel <= BUILD_TOL))
            st = dlni_fail(ls->err, DLN_E_RANGE,
                           "the extra-chain pattern does not give a critical point (relative "
                           "gradient %.3g)", grel);
        if (st != DLN_OK) dlni_net_assign(net, old);
    }
    free(theta), free(old), free(g);
    return st;
}
