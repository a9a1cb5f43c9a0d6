/* landscape_distance.c - distance to the critical set of the regularized loss, the
 * error-bound ratio with its predicted limit kappa = 1/mu_min^+, and the
 * predicted rate of gradient descent (regularized.md 5, 6, 9(c), 9(e)).
 *
 * Every critical point is W_l = c_l U_l S U_{l-1}^T with c_l = lamr_l^{-1/2}
 * and boundary frames made of singular vectors of Ybar: U_L = U_b Z_b,
 * U_0 = V_b Z_b in each singular block b. For one orbit type (the multiset
 * of (value, root)) the squared distance to the orbit is the minimum over
 * the frames of sum_l ||W_l - c_l U_l S U_{l-1}^T||^2, i.e. the maximum of
 * sum_l c_l tr(S U_l^T W_l U_{l-1}). Taking one frame at a time, the
 * maximizer is an orthogonal polar factor (coupled Procrustes); near an
 * orbit Gauss-Newton steps move all frames at once instead (docs/errbound.md
 * 1). Any frames give a critical point, so every objective value is an
 * upper bound.
 *
 * Candidate types come from the point: the end-to-end matrix projected on a
 * singular block gives one direction per value (a "slot"); the singular
 * values of W_L and W_1 along its boundary vectors are compared with c_L s
 * and c_1 s for each admissible root s (or 0), and each slot takes the
 * nearest. Mirsky's inequality sum_i (sigma_i(A) - sigma_i(B))^2 <=
 * ||A - B||_F^2, layer by layer, gives lower bounds.
 *
 * The workspace (struct dlni_dist_work) is allocated once per landscape, so
 * that repeated distances (history metrics) allocate nothing but the block
 * spectrum of a new nearest orbit type. */
#include "landscape_distance.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SWEEPS 500     /* cap of the Procrustes iteration */
#define SWEEP_RTOL 1e-13   /* stop when the objective decreases by less than this fraction */
#define NEAR_RTOL 1e-10    /* stop when the estimated decrease still to come is below this fraction */
#define FAR_RTOL 1e-4      /* the same while dist > LOOSE_FACTOR ||W|| (far from every orbit) */
#define LOOSE_FACTOR 0.1
#define UPDATE_MAX 1e-3    /* first-order polar update while its entries are below this */
#define UPDATE_FAR 5e-2    /* the same far from every orbit (dist to a few digits) */
#define NS_STEPS 4         /* Newton-Schulz steps to orthonormalize it */
#define GN_STEPS 4         /* Gauss-Newton steps on all frames at once, near an orbit */
#define GN_MAX 1e-2        /* a Gauss-Newton step is taken while its entries are below this */
#define GAUGE_TOL 1e-10    /* a Schur complement below this fraction: the orbit's own rotation */
#define ORTHO_TOL 10.0     /* ||Y^T Y - I||_F <= ORTHO_TOL eps r: orthonormal */
#define MAX_ALT 6          /* alternative candidate types besides the primary and W = 0 */
#define ALT_FACTOR 4.0     /* an option whose slot cost is within this factor is an alternative */
#define FAR_FACTOR 0.1     /* DLN_EB_FAR: dist above this fraction of the smallest layer scale */
#define AMBIGUOUS 1.1      /* DLN_EB_AMBIGUOUS: another type within this factor of dist */
#define ROUNDING 100.0     /* DLN_EB_ROUNDING: dist below this many eps of the scale */

/* Slot costs of one value: its best and second-best options. */
typedef struct slotinfo {
    int best, second; /* labels */
    double c_best, c_second, c_none;
} slotinfo;

/* Spectral summary of an orbit type. */
typedef struct orbit_spec {
    size_t dim;
    double hess_min, mu_max, mu_min_pos, value;
    int degenerate;
    dln_class cls;
} orbit_spec;

/* Workspace for distances on one landscape (allocated once). */
struct dlni_dist_work {
    dln_landscape *ls;
    const dln_net *net;
    size_t L, R, nv, mmax, dmax, kmax, nframe;
    const size_t *d;
    size_t *uoff;        /* frame U_l at U + uoff[l] (d_l x R) */
    size_t *bof;         /* block of each value */
    double *cl;          /* cl[l] = lamr_l^{-1/2}, l = 1..L */
    double *zs;          /* slot i: direction in its block, zs + i * mmax */
    double *sig;         /* slot i: boundary singular values along it, sig + 2 i */
    double *lsv;         /* layer l: its singular values at lsv + (l-1) * kmax (zero padded) */
    double *U, *Ub;      /* frames: current candidate, best candidate */
    double *M, *T, *G;   /* scratch max(dmax, 2) x R (M, also R pairs), dmax x (R+1), mmax x R */
    double *Zb;          /* Gauss-Newton: the boundary blocks' Z, block after block (mmax x R) */
    double *Nf, *Ug;     /* Gauss-Newton: normal parts and new frames (as U), frames before the step */
    double *Wt;          /* U_l^T W_l U_{l-1} (L of R x R, then the rotations) */
    double *E;           /* scratch dmax x dmax */
    double *PV;          /* P V (P = W_L .. W_1, the end-to-end matrix; dmax x nv), then W_L U_{L-1}
                            of the Gauss-Newton steps (d_L x R, R <= nv): one buffer, fewer pages */
    double *WU;          /* W_L^T U_b z (d_{L-1} x nv): also the first starting frame's product */
    double *UZ;          /* the slots' boundary vectors U_b z (d_L x nv) */
    double *ev;          /* n: the gradient, then the block spectrum of a candidate type; NULL
                            when the spare frames Ug hold n doubles (square widths): they serve */
    dlni_spec_ws *spws;  /* its workspace */
    double *Mb, *Z, *ZT; /* projected block and its singular vectors (mmax x mmax) */
    double *q, *u;       /* mmax singular values; dmax + 6 L vector scratch */
    double *rv, *f;      /* roots (s, cap) and two rows of the table of all_lower */
    double *pw, *sw, *qw; /* polar, SVD and QR workspaces */
    size_t npw, nsw, nqw;
    slotinfo *si;
    int *opt, *prim, *bopt, *copt; /* candidates: current, primary, best, cached spectrum's */
    size_t *alt;
    dlni_comp *comp;     /* components of the current candidate (R) */
    size_t *slot;        /* their slots */
    size_t r, sweeps;
    double wn, loose2;   /* ||W||_F; (LOOSE_FACTOR ||W||)^2: looser stopping, fewer candidates beyond */
    double umax;         /* the largest first-order polar update taken (UPDATE_MAX or UPDATE_FAR) */
    int noconv, cached, sweeps_only;
    orbit_spec cache;    /* spectral summary of the type copt */
};
typedef struct dlni_dist_work ebw;

void dlni_dist_work_free(dlni_dist_work *w)
{
    if (!w) return;
    free(w->uoff), free(w->bof), free(w->cl), free(w->zs), free(w->sig), free(w->lsv);
    free(w->U), free(w->Ub), free(w->M), free(w->T), free(w->G), free(w->E), free(w->PV), free(w->WU);
    free(w->ev), dlni_spec_ws_free(w->spws);
    free(w->Mb), free(w->Z), free(w->ZT), free(w->q), free(w->u), free(w->rv), free(w->f);
    free(w->pw), free(w->sw), free(w->qw), free(w->si), free(w->opt), free(w->prim);
    free(w->bopt), free(w->copt), free(w->Nf), free(w->Ug), free(w->Wt), free(w->UZ), free(w->Zb);
    free(w->alt), free(w->comp), free(w->slot), free(w);
}

/* Workspace sizes of the polar factors and SVDs of every shape used. */
static void lapack_sizes(ebw *w)
{
    size_t R = w->R, mmax = w->mmax;
    w->npw = la_polar_wsize(w->dmax, R) + la_polar_wsize(mmax, mmax < R ? mmax : R);
    w->nsw = la_svd_wsize(mmax, mmax, 1), w->nqw = 0;
    for (size_t l = 1; l <= w->L; l++) {
        size_t s = la_svd_wsize(w->d[l], w->d[l - 1], 0);
        w->nsw = s > w->nsw ? s : w->nsw;
        size_t q = la_qr_q_wsize(w->d[l - 1], R);
        w->nqw = q > w->nqw ? q : w->nqw;
    }
}

dln_status dlni_dist_work_new(dln_landscape *ls, dlni_dist_work **out)
{
    if (ls->theory != DLN_THEORY_REGULARIZED)
        return dlni_fail(ls->err, DLN_E_UNSUPPORTED,
                         "error bounds need the regularized theory (%s)", ls->reason);
    ebw *w = calloc(1, sizeof *w);
    if (!w) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    w->ls = ls, w->L = ls->L, w->R = ls->dmin, w->nv = ls->nv, w->d = ls->d;
    size_t L = w->L, sd = 0, nb = ls->nb;
    for (size_t l = 0; l <= L; l++) {
        w->dmax = ls->d[l] > w->dmax ? ls->d[l] : w->dmax;
        sd += ls->d[l];
    }
    for (size_t l = 1; l <= L; l++) {
        size_t k = ls->d[l] < ls->d[l - 1] ? ls->d[l] : ls->d[l - 1];
        w->kmax = k > w->kmax ? k : w->kmax;
    }
    w->mmax = 1;
    for (size_t b = 0; b < nb; b++) w->mmax = ls->blk[b].m > w->mmax ? ls->blk[b].m : w->mmax;
    size_t R = w->R, nv = w->nv, mmax = w->mmax, dmax = w->dmax, dL = ls->d[L];
    lapack_sizes(w);
    w->nframe = sd * R;
    w->uoff = malloc((L + 1) * sizeof *w->uoff), w->bof = malloc((nv + 1) * sizeof *w->bof);
    w->cl = dlni_alloc(L + 1), w->zs = dlni_alloc(nv * mmax), w->sig = dlni_alloc(2 * nv);
    w->lsv = dlni_alloc(L * w->kmax), w->U = dlni_alloc(w->nframe), w->Ub = dlni_alloc(w->nframe);
    /* M also holds orbit_lower's R (value, payload) pairs: 2R doubles even when dmax = 1 */
    w->M = dlni_alloc((dmax < 2 ? 2 : dmax) * R);
    w->T = dlni_alloc(dmax * (R + 1)), w->G = dlni_alloc(mmax * R), w->Zb = dlni_alloc(mmax * R);
    w->E = dlni_alloc(dmax * dmax), w->PV = dlni_alloc(dmax * nv), w->WU = dlni_alloc(dmax * nv);
    w->UZ = dlni_alloc(dL * nv);
    w->ev = w->nframe >= ls->n ? NULL : dlni_alloc(ls->n), w->spws = dlni_spec_ws_new(ls);
    w->Mb = dlni_alloc(mmax * mmax), w->Z = dlni_alloc(mmax * mmax), w->ZT = dlni_alloc(mmax * mmax);
    w->q = dlni_alloc(mmax), w->u = dlni_alloc(dmax + 6 * L);
    w->rv = dlni_alloc(4 * nb + 2), w->f = dlni_alloc(2 * (R + 1));
    w->pw = dlni_alloc(w->npw), w->sw = dlni_alloc(w->nsw), w->qw = dlni_alloc(w->nqw);
    w->Nf = dlni_alloc(w->nframe), w->Ug = dlni_alloc(w->nframe);
    w->Wt = dlni_alloc(L * R * R);
    w->si = malloc((nv + 1) * sizeof *w->si), w->alt = malloc((nv + 1) * sizeof *w->alt);
    w->opt = malloc((nv + 1) * sizeof *w->opt), w->prim = malloc((nv + 1) * sizeof *w->prim);
    w->bopt = malloc((nv + 1) * sizeof *w->bopt), w->copt = malloc((nv + 1) * sizeof *w->copt);
    w->comp = malloc((R + 1) * sizeof *w->comp), w->slot = malloc((R + 1) * sizeof *w->slot);
    if (!w->uoff || !w->bof || !w->cl || !w->zs || !w->sig || !w->lsv || !w->U || !w->Ub || !w->M ||
        !w->T || !w->G || !w->E || !w->PV || !w->WU || (!w->ev && w->nframe < ls->n) || !w->spws || !w->Mb ||
        !w->Z || !w->ZT || !w->q || !w->u || !w->rv || !w->f || !w->pw || !w->sw || !w->qw ||
        !w->Nf || !w->Ug || !w->Wt || !w->UZ || !w->Zb ||
        !w->si || !w->alt || !w->opt || !w->prim || !w->bopt || !w->copt || !w->comp || !w->slot) {
        dlni_dist_work_free(w);
        return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    }
    for (size_t l = 0, o = 0; l <= L; o += ls->d[l] * R, l++) w->uoff[l] = o;
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < ls->blk[b].m; i++) w->bof[ls->blk[b].start + i] = b;
    for (size_t l = 1; l <= L; l++) w->cl[l] = 1.0 / sqrt(ls->lamr[l - 1]);
    *out = w;
    return DLN_OK;
}

void dlni_dist_work_sweeps_only(dlni_dist_work *w, int on) { w->sweeps_only = on; }

static double orbit_lower(ebw *w);

static const double *layer(const ebw *w, size_t l) { return dlni_layer(w->net, l); }
/* n doubles of scratch for the gradient and the block spectrum (each used
 * only within read_point and best_spectrum): the spare frames Ug when they
 * hold n (no pages of its own for a first call to touch), else ev. */
static double *scratch_n(ebw *w) { return w->ev ? w->ev : w->Ug; }
/* Frames change buffers by pointer, not by a copy of (L+1) d R doubles. */
static void swap_frames(double **a, double **b)
{
    double *t = *a;
    *a = *b, *b = t;
}
static double *frame(double *U, const ebw *w, size_t l) { return U + w->uoff[l]; }

/* ---- slots: one direction per value, and the layer singular values along it ---- */

/* Slot directions z (left singular vectors of U_b^T P V_b, block by block) and
 * the boundary singular values along them: sig = (||W_L^T U_b z||, ||W_1 V_b z'||)
 * with z' the matching right singular vector. At a critical point these are
 * c_L s and c_1 s for a matched value and 0 for an unmatched one, whatever the
 * hidden layers do (a hidden direction may be shared by several slots: only
 * the boundary vectors are the slot's own). */
static dln_status read_slots(ebw *w)
{
    dln_landscape *ls = w->ls;
    size_t L = w->L, d1 = w->d[1], dL = w->d[L], dh = w->d[L - 1], mmax = w->mmax, nv = w->nv;
    /* P V = W_L (.. (W_1 V)): L products with nv columns (P itself is not needed); W_1 V
     * kept in WU (for W_1 V_b z'), the others in E and PV in turn, the last in PV */
    const double *X = ls->V, *WV = L == 1 ? w->PV : w->WU;
    for (size_t l = 1; l <= L; l++) {
        double *Y = l == 1 ? (double *)WV : (L - l) % 2 ? w->E : w->PV;
        la_gemm(LA_N, LA_N, w->d[l], nv, w->d[l - 1], 1.0, layer(w, l), w->d[l], X, w->d[l - 1], 0.0, Y, w->d[l]);
        X = Y;
    }
    if (!la_all_finite(dL, nv, w->PV, dL))
        return dlni_fail(ls->err, DLN_E_NONFINITE, "the end-to-end matrix overflowed");
    /* every block and slot at once by GEMMs (per value they would be GEMVs of whole layers) */
    double *UZ = w->UZ;
    for (size_t b = 0; b < ls->nb; b++) {
        const dlni_block *B = &ls->blk[b];
        size_t m = B->m, i0 = B->start;
        const double *Ubk = ls->U + i0 * dL;
        if (m == 1) { /* a simple value: z = 1 (z' = +-1 only signs the norm) */
            w->zs[i0 * mmax] = 1.0;
            memcpy(UZ + i0 * dL, Ubk, dL * sizeof *UZ);
            w->sig[2 * i0 + 1] = la_nrm2(d1, WV + i0 * d1);
            continue;
        }
        la_gemm(LA_T, LA_N, m, m, dL, 1.0, Ubk, dL, w->PV + i0 * dL, dL, 0.0, w->Mb, m);
        dln_status st = dlni_la_status(
            ls->err, la_svd_ws(m, m, w->Mb, m, w->q, w->Z, m, w->ZT, m, w->sw, w->nsw), "SVD of a projected block");
        if (st != DLN_OK) return st;
        for (size_t j = 0; j < m; j++) memcpy(w->zs + (i0 + j) * mmax, w->Z + j * m, m * sizeof *w->Z);
        la_gemm(LA_N, LA_N, dL, m, m, 1.0, Ubk, dL, w->Z, m, 0.0, UZ + i0 * dL, dL); /* U_b z */
        la_gemm(LA_N, LA_T, d1, m, m, 1.0, WV + i0 * d1, d1, w->ZT, m, 0.0, w->E, d1); /* W_1 V_b z' */
        for (size_t j = 0; j < m; j++) w->sig[2 * (i0 + j) + 1] = la_nrm2(d1, w->E + j * d1);
    }
    la_gemm(LA_T, LA_N, dh, nv, dL, 1.0, layer(w, L), dL, UZ, dL, 0.0, w->WU, dh);
    for (size_t i = 0; i < nv; i++) w->sig[2 * i] = la_nrm2(dh, w->WU + i * dh);
    return DLN_OK;
}

/* Admissible options of a value: labels and rescaled roots (none first). */
static size_t options(const dlni_block *B, int *lab, double *s)
{
    size_t n = 0;
    lab[n] = DLN_MATCH_NONE, s[n++] = 0.0;
    if (B->root.count == 0) return n;
    lab[n] = B->root.is_double ? DLN_MATCH_DOUBLE : DLN_MATCH_PLUS, s[n++] = B->root.s[0];
    if (B->root.count == 2) lab[n] = DLN_MATCH_MINUS, s[n++] = B->root.s[1];
    return n;
}

/* (sigma_L - c_L s)^2 + (sigma_1 - c_1 s)^2: how far the slot is from carrying root s. */
static double slot_cost(const ebw *w, size_t i, double s)
{
    double eL = w->sig[2 * i] - w->cl[w->L] * s, e1 = w->sig[2 * i + 1] - w->cl[1] * s;
    return eL * eL + e1 * e1;
}

/* ---- projection onto one orbit type (coupled Procrustes) ---- */

/* Components of a candidate (labels per slot), in slot order. */
static void set_components(ebw *w, const int *opt)
{
    dln_landscape *ls = w->ls;
    w->r = 0;
    for (size_t i = 0; i < w->nv; i++) {
        if (opt[i] == DLN_MATCH_NONE) continue;
        const dlni_block *B = &ls->blk[w->bof[i]];
        dlni_comp *c = &w->comp[w->r];
        c->blk = w->bof[i], c->label = opt[i], c->y = B->y;
        c->s = B->root.s[opt[i] == DLN_MATCH_MINUS ? 1 : 0];
        w->slot[w->r++] = i;
    }
}

static void scale_columns(size_t m, size_t r, double *A, size_t lda, const dlni_comp *comp)
{
    for (size_t k = 0; k < r; k++) la_scal(m, comp[k].s, A + k * lda);
}

/* U <- polar(A) for an m x k matrix A (overwritten). A 1 x 1 block (a simple
 * singular value of Ybar) is its sign: no LAPACK call per value and sweep. */
static dln_status polar(ebw *w, size_t m, size_t k, double *A, size_t lda, double *U, size_t ldu)
{
    if (m == 1 && k == 1 && isfinite(A[0])) {
        U[0] = A[0] < 0.0 ? -1.0 : 1.0;
        return DLN_OK;
    }
    return dlni_la_status(w->ls->err, la_polar_ws(m, k, A, lda, U, ldu, w->pw, w->npw), "polar factor");
}

/* ||W_l - c_l U_l S U_{l-1}^T||_F^2, the difference formed explicitly (no cancellation). */
static double layer_objective(ebw *w, const double *U, size_t l)
{
    size_t m = w->d[l], n = w->d[l - 1], r = w->r;
    la_copy(m, n, layer(w, l), m, w->E, m);
    la_copy(n, r, U + w->uoff[l - 1], n, w->M, n);
    scale_columns(n, r, w->M, n, w->comp);
    la_gemm(LA_N, LA_T, m, n, r, -w->cl[l], U + w->uoff[l], m, w->M, n, 1.0, w->E, m);
    double f = la_fro(m, n, w->E, m);
    return f * f;
}

/* sum_l ||W_l - c_l U_l S U_{l-1}^T||_F^2. */
static double objective(ebw *w, double *U)
{
    double acc = 0.0;
    for (size_t l = 1; l <= w->L; l++) acc += layer_objective(w, U, l);
    return acc;
}

/* ||W_l Q||_F^2 for an orthonormal basis Q of the complement of the frame
 * U_{l-1} (n x r, p = n - r columns), into *out; returns 0 when that is not
 * cheaper than the explicit difference (8 p > r) or Q is not found
 * orthogonal to the frame. Q comes from a fixed Gaussian block projected out
 * of the frame twice (Gram-Schmidt twice: orthogonal to rounding) and a QR,
 * and is accepted only when ||U^T Q||_F <= ORTHO_TOL eps r, the frames' own
 * tolerance. Scratch: T (n x p), E (max(r, d_l) x p), u. */
static int complement_term(ebw *w, const double *U, size_t l, double *out)
{
    size_t n = w->d[l - 1], r = w->r, p = n - r, m = w->d[l];
    const double *F = U + w->uoff[l - 1];
    double *Q = w->T, *Y = w->E;
    *out = 0.0;
    if (p == 0) return 1;
    if (8 * p > r) return 0;
    dlni_rng rng;
    dlni_rng_seed(&rng, 0x5eed + n);
    dlni_rng_fill_normal(&rng, n * p, 1.0, Q);
    for (int pass = 0; pass < 2; pass++) {
        la_gemm(LA_T, LA_N, r, p, n, 1.0, F, n, Q, n, 0.0, Y, r);
        la_gemm(LA_N, LA_N, n, p, r, -1.0, F, n, Y, r, 1.0, Q, n);
    }
    if (la_qr_q_ws(n, p, Q, n, w->u, w->qw, w->nqw) != LA_OK) return 0;
    la_gemm(LA_T, LA_N, r, p, n, 1.0, F, n, Q, n, 0.0, Y, r);
    if (!(la_fro(r, p, Y, r) <= ORTHO_TOL * DBL_EPSILON * (double)r)) return 0;
    la_gemm(LA_N, LA_N, m, p, n, 1.0, layer(w, l), m, Q, n, 0.0, Y, m);
    double f = la_fro(m, p, Y, m);
    *out = f * f;
    return 1;
}

/* ||W_l - c_l U_l S U_{l-1}^T||_F^2 from P = W_l U_{l-1} (d_l x r): the part
 * along the frame, ||P - c_l U_l S||_F^2 (a difference of small entries, no
 * cancellation), plus the complement's ||W_l Q||_F^2 (complement_term); the
 * explicit difference when that is not available. */
static double layer_objective_from(ebw *w, const double *U, size_t l, const double *P)
{
    size_t m = w->d[l], r = w->r;
    const double *Ul = U + w->uoff[l];
    double rest;
    if (!complement_term(w, U, l, &rest)) return layer_objective(w, U, l);
    double acc = 0.0;
    for (size_t k = 0; k < r; k++) {
        double c = w->cl[l] * w->comp[k].s;
        for (size_t i = 0; i < m; i++) {
            double e = P[i + k * m] - c * Ul[i + k * m];
            acc += e * e;
        }
    }
    return acc + rest;
}

/* Z_b <- polar(c_1 V_b^T W_1^T U_1[:,J] S_J + c_L U_b^T W_L U_{L-1}[:,J] S_J) for every block
 * (W_1^T U_1 in T and W_L U_{L-1} in E, each one GEMM for all blocks). */
static dln_status boundary_step(ebw *w, double *U)
{
    dln_landscape *ls = w->ls;
    size_t L = w->L, d0 = w->d[0], d1 = w->d[1], dL = w->d[L], dh = w->d[L - 1], r = w->r;
    la_gemm(LA_T, LA_N, d0, r, d1, 1.0, layer(w, 1), d1, frame(U, w, 1), d1, 0.0, w->T, d0);
    la_gemm(LA_N, LA_N, dL, r, dh, 1.0, layer(w, L), dL, frame(U, w, L - 1), dh, 0.0, w->E, dL);
    for (size_t k0 = 0, k1; k0 < r; k0 = k1) {
        size_t b = w->comp[k0].blk, m = ls->blk[b].m, st0 = ls->blk[b].start;
        for (k1 = k0; k1 < r && w->comp[k1].blk == b; k1++) continue;
        size_t kb = k1 - k0;
        const double *Ubk = ls->U + st0 * dL, *Vbk = ls->V + st0 * d0;
        la_gemm(LA_T, LA_N, m, kb, d0, w->cl[1], Vbk, d0, w->T + k0 * d0, d0, 0.0, w->G, m);
        la_gemm(LA_T, LA_N, m, kb, dL, w->cl[L], Ubk, dL, w->E + k0 * dL, dL, 1.0, w->G, m);
        scale_columns(m, kb, w->G, m, w->comp + k0);
        dln_status st = polar(w, m, kb, w->G, m, w->M, m); /* Z_b in M */
        if (st != DLN_OK) return st;
        la_gemm(LA_N, LA_N, d0, kb, m, 1.0, Vbk, d0, w->M, m, 0.0, frame(U, w, 0) + k0 * d0, d0);
        la_gemm(LA_N, LA_N, dL, kb, m, 1.0, Ubk, dL, w->M, m, 0.0, frame(U, w, L) + k0 * dL, dL);
    }
    return DLN_OK;
}

/* Polar factor of M (n x r) by a first-order update of the current frame Q
 * (orthonormal n x r), with no SVD: M = Q K + B with B normal to Q, and near
 * the orbit K = H + A, H close to diagonal positive, A skew and B small. Then
 * polar(M) = Q (I + Omega) + B H^{-1} + O(|A|^2 + |B|^2) with
 * Omega_ij = (K_ij - K_ji) / (K_ii + K_jj), i.e. Y = M H^{-1} + Q C with
 * C = Omega - (K - H) H^{-1} (one product; ||B_j||^2 = ||M_j||^2 - ||K_j||^2
 * only sizes the update). Newton-Schulz steps make Y orthonormal to rounding.
 * Returns 0 when the update is too large to be accurate (Q untouched) or
 * does not orthonormalize (Q overwritten): the caller then takes the SVD of
 * M (untouched). keep_q: a small update is not applied (returns 1, Q
 * untouched). Scratch: E (r x r), T (n x r), u (r). */
static int orthonormalize(ebw *w, size_t n, size_t r, double *Y, double *Q);

/* polar_update with K = Q^T M (r x r) already in E. */
static int polar_update_k(ebw *w, size_t n, size_t r, const double *M, double *Q, int keep_q)
{
    double *K = w->E, *Y = w->T, *h = w->u, big = 0.0;
    for (size_t i = 0; i < r; i++) {
        h[i] = K[i + i * r];
        if (!(h[i] > 0.0)) return 0;
    }
    for (size_t j = 0; j < r; j++) {
        double mj = la_nrm2(n, M + j * n), kj = la_nrm2(r, K + j * r);
        big = fmax(big, sqrt(fmax((mj - kj) * (mj + kj), 0.0)) / h[j]);
    }
    for (size_t j = 0; j < r; j++) /* C, in place of K (Omega from the untouched upper half) */
        for (size_t i = 0; i < j; i++) {
            double a = (K[i + j * r] - K[j + i * r]) / (h[i] + h[j]);
            big = fmax(big, fabs(a));
            K[i + j * r] = a - K[i + j * r] / h[j], K[j + i * r] = -a - K[j + i * r] / h[i];
        }
    if (!(big <= w->umax)) return 0;
    if (keep_q) return 1; /* small: the Gauss-Newton steps to come correct Q */
    for (size_t j = 0; j < r; j++) {
        K[j + j * r] = 0.0;
        for (size_t i = 0; i < n; i++) Y[i + j * n] = M[i + j * n] / h[j];
    }
    la_gemm(LA_N, LA_N, n, r, r, 1.0, Q, n, K, r, 1.0, Y, n);
    return orthonormalize(w, n, r, Y, Q);
}

static int polar_update(ebw *w, size_t n, size_t r, const double *M, double *Q, int keep_q)
{
    la_gemm(LA_T, LA_N, r, r, n, 1.0, Q, n, M, n, 0.0, w->E, r);
    return polar_update_k(w, n, r, M, Q, keep_q);
}

/* Q <- Y made orthonormal by Newton-Schulz steps (Y, n x r, within O(|Y^T Y - I|)
 * of a frame: the step leaves about its square). Returns 0 when NS_STEPS do
 * not reach ||Y^T Y - I||_F <= ORTHO_TOL eps r. Y and Q (distinct) take the
 * steps in turn (a step: one copy and one product); both are overwritten.
 * Scratch: E. */
static int orthonormalize(ebw *w, size_t n, size_t r, double *Y, double *Q)
{
    double *K = w->E, tol = ORTHO_TOL * DBL_EPSILON * (double)r, *src = Y, *dst = Q;
    for (int it = 0; it < NS_STEPS; it++) { /* dst <- src (3 I - src^T src) / 2 */
        la_syrk_t(r, n, src, n, K, r);
        double off = 0.0;
        for (size_t j = 0; j < r; j++) {
            K[j + j * r] -= 1.0;
            for (size_t i = 0; i < j; i++) K[j + i * r] = K[i + j * r];
            off = hypot(off, la_nrm2(r, K + j * r));
        }
        int last = off * off <= tol; /* the step leaves about off^2: no second check */
        if (off > tol) {
            la_copy(n, r, src, n, dst, n);
            la_gemm(LA_N, LA_N, n, r, r, -0.5, src, n, K, r, 1.0, dst, n); /* src - src (src^T src - I) / 2 */
            double *t = src;
            src = dst, dst = t;
        }
        if (off <= tol || last) {
            if (src != Q) la_copy(n, r, src, n, Q, n);
            return 1;
        }
    }
    return 0;
}

/* U_l <- polar(c_l W_l U_{l-1} S + c_{l+1} W_{l+1}^T U_{l+1} S) for a hidden l:
 * the first-order update when it is accurate, else the SVD. */
static dln_status hidden_step(ebw *w, double *U, size_t l)
{
    size_t r = w->r, dl = w->d[l], dp = w->d[l - 1], dn = w->d[l + 1];
    la_gemm(LA_N, LA_N, dl, r, dp, w->cl[l], layer(w, l), dl, frame(U, w, l - 1), dp, 0.0, w->M, dl);
    la_gemm(LA_T, LA_N, dl, r, dn, w->cl[l + 1], layer(w, l + 1), dn, frame(U, w, l + 1), dn, 1.0, w->M, dl);
    scale_columns(dl, r, w->M, dl, w->comp);
    if (polar_update(w, dl, r, w->M, frame(U, w, l), 0)) return DLN_OK;
    return polar(w, dl, r, w->M, dl, frame(U, w, l), dl);
}

/* U (n x r) <- polar(M) (M spent): near an orbit M = Q R has R nearly
 * diagonal, and the first-order update of Q (R's diagonal made positive)
 * gives polar(M) to rounding for a QR instead of an SVD; else the SVD.
 * Q^T M is the QR's R (no product). */
static dln_status start_frame(ebw *w, size_t n, size_t r, double *M, double *U)
{
    double *R = w->E;
    la_copy(n, r, M, n, U, n);
    dln_status st = dlni_la_status(w->ls->err, la_qr_r_ws(n, r, U, n, R, r, w->qw, w->nqw), "QR of a frame");
    if (st != DLN_OK) return st;
    for (size_t k = 0; k < r; k++)
        if (R[k + k * r] < 0.0) {
            la_scal(n, -1.0, U + k * n);
            for (size_t j = k; j < r; j++) R[k + j * r] = -R[k + j * r];
        }
    if (polar_update_k(w, n, r, M, U, !w->sweeps_only)) return DLN_OK;
    return polar(w, n, r, M, n, U, n);
}

/* Initial frames: boundary from the slots (U_b z from the slots' UZ, V_b z),
 * then U_{l-1} near polar(W_l^T U_l S), l = L..2 (W_L^T U_L from WU). */
static dln_status initial_frames(ebw *w, double *U)
{
    dln_landscape *ls = w->ls;
    size_t L = w->L, d0 = w->d[0], dL = w->d[L], r = w->r;
    for (size_t k = 0; k < r; k++) {
        const dlni_block *B = &ls->blk[w->comp[k].blk];
        size_t i = w->slot[k];
        memcpy(frame(U, w, L) + k * dL, w->UZ + i * dL, dL * sizeof *U);
        la_gemv(LA_N, d0, B->m, 1.0, ls->V + B->start * d0, d0, w->zs + i * w->mmax, 0.0, frame(U, w, 0) + k * d0);
        if (L >= 2) memcpy(w->M + k * w->d[L - 1], w->WU + i * w->d[L - 1], w->d[L - 1] * sizeof *U);
    }
    for (size_t l = L; l >= 2; l--) {
        size_t dl = w->d[l], dp = w->d[l - 1];
        if (l < L) la_gemm(LA_T, LA_N, dp, r, dl, 1.0, layer(w, l), dl, frame(U, w, l), dl, 0.0, w->M, dp);
        scale_columns(dp, r, w->M, dp, w->comp);
        dln_status st = start_frame(w, dp, r, w->M, frame(U, w, l - 1));
        if (st != DLN_OK) return st;
    }
    return DLN_OK;
}

/* ---- Gauss-Newton steps on all frames at once (near an orbit) ---- */

/* The rotations of one pair i < j of components: the least-squares solution
 * of the linearized residuals of entries (i, j) and (j, i) of every layer,
 *   W~_l[i,j] - c_l (w_l s_j - s_i w_{l-1}),  W~_l[j,i] - c_l (s_j w_{l-1} - s_i w_l),
 * in w_1 .. w_{L-1} (hidden frames) and w_0 = w_L = z (the boundary rotation,
 * free only when i and j share a singular block, else 0): a tridiagonal
 * system T bordered by z, [T e; e^T dz], solved by elimination and the Schur
 * complement dz - e^T T^{-1} e. With s_i = s_j in one block, rotating every
 * frame alike moves nothing (the orbit's own symmetry): the complement
 * vanishes and z = 0 fixes that gauge. Reads W~_l[i,j], W~_l[j,i] from Wt
 * (layer l at Wt + (l-1) R^2, leading dimension r); writes w_l over
 * W~_l[i,j] (l < L) and z over W~_L[i,j], the negatives over [j,i]; returns
 * the largest |w| and adds the decrease the linearized problem predicts,
 * b^T w with b = -J^T r, to *pred. Scratch h: 6 L doubles. */
static double pair_rotations(ebw *w, size_t i, size_t j, int same, double *h, double *pred)
{
    size_t L = w->L, r = w->r, n = L - 1, rr = w->R * w->R;
    double si = w->comp[i].s, sj = w->comp[j].s, dz = 0.0, bz = 0.0;
    double *D = h, *E = D + L, *x = E + L, *e = x + L, *y = e + L, *b = y + L;
    for (size_t k = 0; k < L; k++) D[k] = E[k] = x[k] = e[k] = 0.0;
    for (size_t l = 1; l <= L; l++) { /* layer l couples frames l and l-1 */
        const double *Wl = w->Wt + (l - 1) * rr;
        double c = w->cl[l], a = Wl[i + j * r], bt = Wl[j + i * r];
        double dd = c * c * (si * si + sj * sj), off = -2.0 * c * c * si * sj;
        double gl = c * (sj * a - si * bt), gp = c * (sj * bt - si * a); /* -J^T r: frames l, l-1 */
        int hl = l < L, hp = l > 1; /* frames l, l-1 hidden */
        if (hl) D[l - 1] += dd, x[l - 1] += gl;
        else dz += dd, bz += gl;
        if (hp) D[l - 2] += dd, x[l - 2] += gp;
        else dz += dd, bz += gp;
        if (hl && hp) E[l - 2] += off;
        else if (hl || hp) e[hl ? l - 1 : l - 2] += off;
        else dz += 2.0 * off; /* L = 1: both ends are z */
    }
    for (size_t k = 0; k < n; k++) y[k] = e[k], b[k] = x[k];
    for (size_t k = 1; k < n; k++) { /* T x = b and T y = e, forward */
        double f = E[k - 1] / D[k - 1];
        D[k] -= f * E[k - 1], x[k] -= f * x[k - 1], y[k] -= f * y[k - 1];
    }
    for (size_t k = n; k-- > 0;) {
        double nx = k + 1 < n ? x[k + 1] : 0.0, ny = k + 1 < n ? y[k + 1] : 0.0;
        x[k] = (x[k] - E[k] * nx) / D[k], y[k] = (y[k] - E[k] * ny) / D[k];
    }
    double z = 0.0, big = 0.0;
    if (same) {
        double sc = dz, rz = bz;
        for (size_t k = 0; k < n; k++) sc -= e[k] * y[k], rz -= e[k] * x[k];
        if (sc > GAUGE_TOL * dz) z = rz / sc;
    }
    *pred += bz * z;
    for (size_t l = 1; l <= L; l++) {
        double *Wl = w->Wt + (l - 1) * rr, v = l < L ? x[l - 1] - z * y[l - 1] : z;
        Wl[i + j * r] = v, Wl[j + i * r] = -v;
        big = fmax(big, fabs(v));
        if (l < L) *pred += b[l - 1] * v;
    }
    return big;
}

/* N (n x r) <- (N - U K) with column j divided by q s_j^2: the normal part of
 * M = N (K = U^T M), least-squares step of the frame out of its span. */
static void normal_step(size_t n, size_t r, const double *U, size_t ldu, const double *K, size_t ldk,
                        double q, const dlni_comp *comp, double *N, size_t ldn)
{
    la_gemm(LA_N, LA_N, n, r, r, -1.0, U, ldu, K, ldk, 1.0, N, ldn);
    for (size_t k = 0; k < r; k++) la_scal(n, 1.0 / (q * comp[k].s * comp[k].s), N + k * ldn);
}

/* K (r x r) <- c_l W~_l S + c_{l+1} W~_{l+1}^T S: U_l^T M_l of a hidden frame. */
static void hidden_k(ebw *w, size_t l, double *K)
{
    size_t r = w->r, rr = w->R * w->R;
    const double *A = w->Wt + (l - 1) * rr, *B = A + rr;
    for (size_t jj = 0; jj < r; jj++)
        for (size_t ii = 0; ii < r; ii++)
            K[ii + jj * r] = (w->cl[l] * A[ii + jj * r] + w->cl[l + 1] * B[jj + ii * r]) * w->comp[jj].s;
}

/* Predicted decrease q s_k^2 ||N_k||^2 of the normal steps N_k (columns of
 * N, n x r, as normal_step leaves them; q = c_l^2 + c_{l+1}^2). */
static double normal_pred(size_t n, size_t r, const double *N, size_t ldn, double q, const dlni_comp *comp)
{
    double acc = 0.0;
    for (size_t k = 0; k < r; k++) {
        double f = la_nrm2(n, N + k * ldn) * comp[k].s;
        acc += q * f * f;
    }
    return acc;
}

/* Boundary of block b (components k0..k1-1), its normal part: Z = U_b^T
 * U_L[:,J] (m x kb) into Z, G as in boundary_step made into (G - Z Z^T G) /
 * (q S_J^2), q = c_1^2 + c_L^2, into G; returns its predicted decrease. Q_1 =
 * W_1^T U_1 in T, W_L U_{L-1} in PV. */
static double boundary_normal(ebw *w, const double *U, size_t k0, size_t k1, double *Z, double *G)
{
    dln_landscape *ls = w->ls;
    size_t L = w->L, d0 = w->d[0], dL = w->d[L], kb = k1 - k0;
    const dlni_block *B = &ls->blk[w->comp[k0].blk];
    size_t m = B->m;
    const double *Ubk = ls->U + B->start * dL, *Vbk = ls->V + B->start * d0;
    double *K = w->ZT, q = w->cl[1] * w->cl[1] + w->cl[L] * w->cl[L];
    la_gemm(LA_T, LA_N, m, kb, dL, 1.0, Ubk, dL, U + w->uoff[L] + k0 * dL, dL, 0.0, Z, m);
    la_gemm(LA_T, LA_N, m, kb, d0, w->cl[1], Vbk, d0, w->T + k0 * d0, d0, 0.0, G, m);
    la_gemm(LA_T, LA_N, m, kb, dL, w->cl[L], Ubk, dL, w->PV + k0 * dL, dL, 1.0, G, m);
    scale_columns(m, kb, G, m, w->comp + k0);
    la_gemm(LA_T, LA_N, kb, kb, m, 1.0, Z, m, G, m, 0.0, K, kb);
    normal_step(m, kb, Z, m, K, kb, q, w->comp + k0, G, m);
    return normal_pred(m, kb, G, m, q, w->comp + k0);
}

/* Boundary of block b: Z <- polar(Z (I + Omega_JJ) + G) from Z and G of
 * boundary_normal (G spent), and V_L[:,J], V_0[:,J] (the new frames) from
 * the new Z (in Mb). */
static dln_status gn_boundary(ebw *w, double *V, size_t k0, size_t k1, const double *Zo, double *G)
{
    dln_landscape *ls = w->ls;
    size_t L = w->L, d0 = w->d[0], dL = w->d[L], r = w->r, kb = k1 - k0;
    const dlni_block *B = &ls->blk[w->comp[k0].blk];
    size_t m = B->m;
    const double *Ubk = ls->U + B->start * dL, *Vbk = ls->V + B->start * d0;
    double *Z = w->Mb, *Om = w->Wt + (L - 1) * w->R * w->R + k0 + k0 * r;
    for (size_t k = 0; k < kb; k++) Om[k + k * r] = 1.0;
    la_gemm(LA_N, LA_N, m, kb, kb, 1.0, Zo, m, Om, r, 1.0, G, m);
    dln_status st = polar(w, m, kb, G, m, Z, m);
    if (st != DLN_OK) return st;
    la_gemm(LA_N, LA_N, d0, kb, m, 1.0, Vbk, d0, Z, m, 0.0, frame(V, w, 0) + k0 * d0, d0);
    la_gemm(LA_N, LA_N, dL, kb, m, 1.0, Ubk, dL, Z, m, 0.0, frame(V, w, L) + k0 * dL, dL);
    return DLN_OK;
}

/* The rotated layers W~_l = U_l^T W_l U_{l-1} into Wt, and the hidden
 * frames' M_l = c_l W_l U_{l-1} S + c_{l+1} W_{l+1}^T U_{l+1} S made into
 * their normal steps in Nf; W_1^T U_1 in T and W_L U_{L-1} in PV for the
 * boundary. 2L products d_l x d_{l-1} x r and L + (L - 1) of d_l x r x r.
 * Returns the objective at U, from the products W_l U_{l-1} (which the
 * explicit objective would form again). */
static double gn_rotate(ebw *w, double *U)
{
    size_t L = w->L, r = w->r, rr = w->R * w->R;
    double obj = 0.0;
    for (size_t l = 1; l <= L; l++) {
        size_t dl = w->d[l], dp = w->d[l - 1];
        double *P = l < L ? frame(w->Nf, w, l) : w->PV, *Wl = w->Wt + (l - 1) * rr;
        la_gemm(LA_N, LA_N, dl, r, dp, 1.0, layer(w, l), dl, frame(U, w, l - 1), dp, 0.0, P, dl);
        obj += layer_objective_from(w, U, l, P);
        la_gemm(LA_T, LA_N, r, r, dl, 1.0, frame(U, w, l), dl, P, dl, 0.0, Wl, r);
        if (l < L) la_scal(dl * r, w->cl[l], P);
    }
    la_gemm(LA_T, LA_N, w->d[0], r, w->d[1], 1.0, layer(w, 1), w->d[1], frame(U, w, 1), w->d[1], 0.0,
            w->T, w->d[0]);
    for (size_t l = 1; l < L; l++) {
        size_t dl = w->d[l], dn = w->d[l + 1];
        double *N = frame(w->Nf, w, l);
        la_gemm(LA_T, LA_N, dl, r, dn, w->cl[l + 1], layer(w, l + 1), dn, frame(U, w, l + 1), dn, 1.0, N, dl);
        scale_columns(dl, r, N, dl, w->comp);
        hidden_k(w, l, w->E);
        normal_step(dl, r, frame(U, w, l), dl, w->E, r, w->cl[l] * w->cl[l] + w->cl[l + 1] * w->cl[l + 1],
                    w->comp, N, dl);
    }
    return obj;
}

/* One Gauss-Newton step on every frame (w->U, objective obj, gn_rotate's
 * data at U in place): the new frames are written into w->Ug, which then
 * changes place with w->U (so Ug keeps the frames before the step). *taken
 * = 0, U untouched, when the step is
 * larger than GN_MAX (too far for the linearization) or a frame does not
 * orthonormalize; *converged = 1, U untouched, when the decrease that the
 * linearized problem predicts is below NEAR_RTOL obj (the step would change
 * the objective by about that: after a converged step, 5e-12 to 2e-11 of
 * it in bench/distance), which saves the retraction and the objective. */
static dln_status gn_step(ebw *w, double obj, int *taken, int *converged)
{
    size_t L = w->L, r = w->r, rr = w->R * w->R;
    double big = 0.0, pred = 0.0, *U = w->U;
    *taken = *converged = 0;
    for (size_t j = 0; j < r; j++)
        for (size_t i = 0; i < j; i++)
            big = fmax(big, pair_rotations(w, i, j, w->comp[i].blk == w->comp[j].blk, w->u, &pred));
    for (size_t l = 1; l < L; l++) { /* the normal steps: their sizes and predicted decrease */
        double q = w->cl[l] * w->cl[l] + w->cl[l + 1] * w->cl[l + 1];
        for (size_t k = 0; k < r; k++) {
            double nk = la_nrm2(w->d[l], frame(w->Nf, w, l) + k * w->d[l]), f = nk * w->comp[k].s;
            big = fmax(big, nk), pred += q * f * f;
        }
    }
    if (!(big <= GN_MAX)) return DLN_OK;
    /* the boundary blocks' Z and normal parts, kept block after block for the step */
    for (size_t k0 = 0, k1, off = 0; k0 < r; off += w->ls->blk[w->comp[k0].blk].m * (k1 - k0), k0 = k1) {
        for (k1 = k0; k1 < r && w->comp[k1].blk == w->comp[k0].blk; k1++) continue;
        pred += boundary_normal(w, U, k0, k1, w->Zb + off, w->G + off);
    }
    if (pred <= NEAR_RTOL * obj) {
        *converged = 1;
        return DLN_OK;
    }
    for (size_t k0 = 0, k1, off = 0; k0 < r; off += w->ls->blk[w->comp[k0].blk].m * (k1 - k0), k0 = k1) {
        for (k1 = k0; k1 < r && w->comp[k1].blk == w->comp[k0].blk; k1++) continue;
        dln_status st = gn_boundary(w, w->Ug, k0, k1, w->Zb + off, w->G + off);
        if (st != DLN_OK) return st;
    }
    for (size_t l = 1; l < L; l++) { /* V_l <- orthonormalized U_l (I + Omega_l) + N_l */
        size_t dl = w->d[l];
        double *Om = w->Wt + (l - 1) * rr, *Y = frame(w->Nf, w, l);
        for (size_t k = 0; k < r; k++) Om[k + k * r] = 1.0;
        la_gemm(LA_N, LA_N, dl, r, r, 1.0, frame(U, w, l), dl, Om, r, 1.0, Y, dl);
        if (!orthonormalize(w, dl, r, Y, frame(w->Ug, w, l))) return DLN_OK;
    }
    swap_frames(&w->U, &w->Ug);
    *taken = 1;
    return DLN_OK;
}

/* Gauss-Newton steps from the current frames while each lowers the
 * objective (*obj: the objective at the frames left in w->U); a step that is
 * not taken or does not lower it is undone. Each step's products give the
 * objective of the frames they start from (gn_rotate), so the frames that
 * are more than LOOSE_FACTOR ||W|| away return at once, to the sweeps. The
 * error contracts by a factor q of the order of the residual per step, so
 * after two decreases s_1, s_2 the rest is about s_2 q/(1 - q), q = s_2/s_1;
 * *done when that (or s_2 itself) is below NEAR_RTOL. */
static dln_status gn_refine(ebw *w, double *obj, int *done)
{
    double s1 = INFINITY;
    *done = 0;
    for (int k = 0; k <= GN_STEPS; k++) {
        double cur = gn_rotate(w, w->U);
        if (k == 0) {
            *obj = cur, *done = !(cur > 0.0);
            if (*done || cur > w->loose2) return DLN_OK;
        } else if (!(cur <= *obj)) { /* undone; a rise below the tolerance is rounding: converged */
            swap_frames(&w->U, &w->Ug);
            *done = cur - *obj <= NEAR_RTOL * *obj;
            return DLN_OK;
        } else {
            double s2 = *obj - cur, q = k > 1 ? s2 / s1 : 1.0;
            *obj = cur, s1 = s2, w->sweeps++;
            *done = s2 <= NEAR_RTOL * cur || (q < 1.0 && s2 * q / (1.0 - q) <= NEAR_RTOL * cur);
            if (*done || k == GN_STEPS) return DLN_OK;
        }
        int taken, converged;
        dln_status st = gn_step(w, *obj, &taken, &converged);
        if (st != DLN_OK || !taken) {
            *done = converged;
            return st;
        }
    }
    return DLN_OK;
}

/* The sweeps converge linearly (ratio q per sweep about 0.05 near an orbit,
 * 0.8-0.95 far from all), so the decrease still to come is about
 * s q / (1 - q) after a decrease s; q is the larger of the last two ratios
 * of the decreases s[0] (oldest) .. s[2] (latest), so that a ratio still
 * growing is not trusted. Far from every orbit the report needs dist to a
 * few digits, not to rounding. */
static int tail_small(const double *s, double cur, double rtol)
{
    if (!(s[0] > 0.0 && s[1] > 0.0 && s[2] > 0.0 && isfinite(s[0]))) return 0; /* three decreases */
    double q = fmax(s[1] / s[0], s[2] / s[1]);
    return q < 1.0 && s[2] * q / (1.0 - q) <= rtol * cur;
}

/* Squared distance to the orbit of the candidate opt (frames left in w->U). */
static dln_status project(ebw *w, const int *opt, double *obj)
{
    set_components(w, opt);
    if (w->r == 0) { /* the orbit {0} */
        double acc = 0.0;
        for (size_t l = 1; l <= w->L; l++) {
            double f = la_fro(w->d[l], w->d[l - 1], layer(w, l), w->d[l]);
            acc += f * f;
        }
        *obj = acc;
        return DLN_OK;
    }
    w->umax = UPDATE_MAX;
    dln_status st = initial_frames(w, w->U);
    double low = orbit_lower(w), prev = 0.0, s[3] = {INFINITY, INFINITY, INFINITY};
    int converged = 0;
    if (st == DLN_OK && low * low <= w->loose2 && !w->sweeps_only) /* maybe near: Gauss-Newton steps */
        st = gn_refine(w, &prev, &converged);
    else if (st == DLN_OK) /* far (the bound is below the objective): the sweeps alone */
        prev = objective(w, w->U), converged = !(prev > 0.0);
    double cur = prev;
    for (size_t it = 0; it < MAX_SWEEPS && st == DLN_OK && !converged; it++) {
        w->umax = prev > w->loose2 ? UPDATE_FAR : UPDATE_MAX;
        st = boundary_step(w, w->U);
        for (size_t l = 1; l < w->L && st == DLN_OK; l++) st = hidden_step(w, w->U, l);
        if (st != DLN_OK) break;
        w->sweeps++;
        cur = objective(w, w->U);
        s[0] = s[1], s[1] = s[2], s[2] = prev - cur;
        converged = s[2] <= SWEEP_RTOL * prev || tail_small(s, cur, cur > w->loose2 ? FAR_RTOL : NEAR_RTOL);
        prev = cur;
    }
    if (!converged) w->noconv = 1;
    *obj = cur;
    return st;
}

/* ---- candidates ---- */

/* Unmatch the matched slot (other than keep) whose loss of fit is smallest. */
static void drop_weakest(const ebw *w, int *opt, size_t keep)
{
    size_t arg = SIZE_MAX;
    double best = INFINITY;
    for (size_t i = 0; i < w->nv; i++) {
        if (i == keep || opt[i] == DLN_MATCH_NONE) continue;
        double regret = w->si[i].c_none - w->si[i].c_best;
        if (regret < best) best = regret, arg = i;
    }
    if (arg != SIZE_MAX) opt[arg] = DLN_MATCH_NONE;
}

static size_t matched(const ebw *w, const int *opt)
{
    size_t r = 0;
    for (size_t i = 0; i < w->nv; i++) r += opt[i] != DLN_MATCH_NONE;
    return r;
}

/* Per-slot option costs and the primary candidate w->prim (rank capped at d_min). */
static void primary(ebw *w)
{
    for (size_t i = 0; i < w->nv; i++) {
        int lab[3];
        double s[3];
        size_t no = options(&w->ls->blk[w->bof[i]], lab, s);
        slotinfo *x = &w->si[i];
        x->best = x->second = -1, x->c_best = x->c_second = INFINITY;
        for (size_t o = 0; o < no; o++) {
            double c = slot_cost(w, i, s[o]);
            if (o == 0) x->c_none = c;
            if (c < x->c_best) {
                x->second = x->best, x->c_second = x->c_best;
                x->best = lab[o], x->c_best = c;
            } else if (c < x->c_second) {
                x->second = lab[o], x->c_second = c;
            }
        }
        w->prim[i] = x->best;
    }
    while (matched(w, w->prim) > w->R) drop_weakest(w, w->prim, SIZE_MAX);
}

/* Alternatives: slots whose second option costs at most ALT_FACTOR times the
 * best, cheapest flips first (at most MAX_ALT). */
static size_t alternatives(ebw *w)
{
    size_t na = 0;
    for (size_t i = 0; i < w->nv; i++) {
        const slotinfo *x = &w->si[i];
        if (x->second < 0 || !(x->c_second <= ALT_FACTOR * x->c_best)) continue;
        size_t k = na++; /* insertion by the cost of the flip */
        for (; k > 0; k--) {
            const slotinfo *y = &w->si[w->alt[k - 1]];
            if (y->c_second - y->c_best <= x->c_second - x->c_best) break;
            w->alt[k] = w->alt[k - 1];
        }
        w->alt[k] = i;
    }
    return na < MAX_ALT ? na : MAX_ALT;
}

/* Candidate c of nearest_type into w->opt: 0 is W = 0, 1 the primary, 2 + k alternative k. */
static void candidate(ebw *w, size_t c)
{
    size_t nv = w->nv;
    memcpy(w->opt, w->prim, nv * sizeof *w->opt);
    if (c == 0)
        for (size_t i = 0; i < nv; i++) w->opt[i] = DLN_MATCH_NONE;
    else if (c >= 2) {
        size_t i = w->alt[c - 2];
        w->opt[i] = w->si[i].second;
        if (matched(w, w->opt) > w->R) drop_weakest(w, w->opt, i);
    }
}

/* Project on W = 0 (exact, no sweeps), the primary and the alternatives; the
 * best goes to Ub/bopt. An alternative is skipped when its Mirsky bound
 * exceeds AMBIGUOUS times the best distance so far (it can change neither
 * dist nor the flag; it enters dist_second through its bound), and every
 * alternative once the best exceeds LOOSE_FACTOR ||W|| (so far away the type
 * is not claimed to be the nearest). */
static dln_status nearest_type(ebw *w, double *best, double *second, size_t *ncand)
{
    size_t nv = w->nv;
    primary(w);
    size_t nalt = alternatives(w);
    dln_status st = DLN_OK;
    *best = *second = INFINITY, *ncand = 0;
    for (size_t c = 0; c < nalt + 2 && st == DLN_OK; c++) {
        candidate(w, c);
        if (c >= 2) {
            if (*best > w->loose2) break;
            set_components(w, w->opt);
            double low = orbit_lower(w);
            if (low * low > AMBIGUOUS * AMBIGUOUS * *best) {
                *second = fmin(*second, low * low);
                continue;
            }
        }
        double obj;
        st = project(w, w->opt, &obj);
        if (st != DLN_OK) break;
        (*ncand)++;
        if (obj < *best) {
            *second = *best, *best = obj;
            memcpy(w->bopt, w->opt, nv * sizeof *w->opt);
            swap_frames(&w->Ub, &w->U);
        } else if (obj < *second && memcmp(w->opt, w->bopt, nv * sizeof *w->opt) != 0) {
            *second = obj;
        }
    }
    return st;
}

/* ---- lower bounds (Mirsky) ---- */

static dln_status layer_values(ebw *w)
{
    for (size_t l = 1; l <= w->L; l++) {
        size_t m = w->d[l], n = w->d[l - 1], k = m < n ? m : n;
        double *s = w->lsv + (l - 1) * w->kmax;
        la_copy(m, n, layer(w, l), m, w->E, m);
        int rc = la_svd_ws(m, n, w->E, m, s, NULL, 1, NULL, 1, w->sw, w->nsw);
        for (size_t i = k; i < w->kmax; i++) s[i] = 0.0;
        if (rc != LA_OK) return dlni_la_status(w->ls->err, rc, "SVD of a layer");
    }
    return DLN_OK;
}

/* g_q(s) = sum_l (sigma_q(W_l) - c_l s)^2 (position q < kmax). */
static double position_cost(const ebw *w, size_t q, double s)
{
    double acc = 0.0;
    for (size_t l = 1; l <= w->L; l++) {
        double e = w->lsv[(l - 1) * w->kmax + q] - w->cl[l] * s;
        acc += e * e;
    }
    return acc;
}

/* Sort k pairs (value, payload) by decreasing value (insertion: short arrays). */
static void sort_pairs_desc(double *a, size_t k)
{
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && a[2 * j] > a[2 * (j - 1)]; j--) {
            double t0 = a[2 * j], t1 = a[2 * j + 1];
            a[2 * j] = a[2 * (j - 1)], a[2 * j + 1] = a[2 * (j - 1) + 1];
            a[2 * (j - 1)] = t0, a[2 * (j - 1) + 1] = t1;
        }
}

/* Mirsky bound for the current candidate: its s sorted, zero padded. */
static double orbit_lower(ebw *w)
{
    double *s = w->M;
    for (size_t k = 0; k < w->r; k++) s[2 * k] = w->comp[k].s, s[2 * k + 1] = 0.0;
    sort_pairs_desc(s, w->r);
    double acc = 0.0;
    for (size_t q = 0; q < w->kmax; q++) acc += position_cost(w, q, q < w->r ? s[2 * q] : 0.0);
    return sqrt(acc);
}

/* Roots of the landscape as (s, m_b) pairs, decreasing; returns their number. */
static size_t root_list(const dln_landscape *ls, double *rv)
{
    size_t nr = 0;
    for (size_t b = 0; b < ls->nb; b++)
        for (int k = 0; k < ls->blk[b].root.count; k++) {
            rv[2 * nr] = ls->blk[b].root.s[k], rv[2 * nr + 1] = (double)ls->blk[b].m;
            nr++;
        }
    sort_pairs_desc(rv, nr);
    return nr;
}

/* min over all orbit types of the Mirsky bound, relaxed: each root value may be
 * used up to m_b times (s_+ and s_- of one block independently), so every type
 * is included and the minimum is a lower bound. DP over the sorted roots j and
 * positions i: f(j, i) = min_t sum_{q=i}^{i+t-1} g_q(s_j) + f(j+1, i+t).
 * Row j needs only row j + 1: two rows of R + 1 in turn. */
static double all_lower(ebw *w)
{
    size_t R = w->R, nr = root_list(w->ls, w->rv), W = R + 1;
    double *rv = w->rv, tail = 0.0, *next = w->f + (nr % 2) * W;
    for (size_t q = R; q < w->kmax; q++) tail += position_cost(w, q, 0.0);
    next[R] = 0.0;
    for (size_t i = R; i-- > 0;) next[i] = next[i + 1] + position_cost(w, i, 0.0);
    for (size_t j = nr; j-- > 0;) {
        size_t cap = (size_t)rv[2 * j + 1];
        double *f = w->f + (j % 2) * W;
        for (size_t i = 0; i <= R; i++) {
            double best = next[i], run = 0.0;
            for (size_t t = 1; t <= cap && i + t <= R; t++) {
                run += position_cost(w, i + t - 1, rv[2 * j]);
                best = fmin(best, run + next[i + t]);
            }
            f[i] = best;
        }
        next = f;
    }
    return sqrt(next[0] + tail);
}

/* ---- orbit spectrum: tangent eigenvalues left out ---- */

/* The orbit's dimension, class and value (the summary besides the spectrum). */
static void orbit_data(dln_landscape *ls, const dlni_comp *comp, size_t r, orbit_spec *o)
{
    unsigned fl = 0;
    o->dim = dlni_orbit_dim(ls, comp, r);
    o->cls = dlni_reg_class(ls, comp, r, &fl);
    o->degenerate = (fl & DLN_CF_DEGENERATE) != 0;
    o->value = dlni_reg_value(ls, comp, r);
}

/* Summary of the block spectrum of comp: its extremes and mu_min^+, the
 * (dim+1)-th smallest modulus (the dim smallest are the tangent eigenvalues,
 * exactly dim zeros at a Morse-Bott orbit), selected without a sort. ev: n
 * doubles of scratch. */
static dln_status normal_spectrum(dln_landscape *ls, const dlni_comp *comp, size_t r, double *ev,
                                  dlni_spec_ws *ws, orbit_spec *o)
{
    dlni_spectrum sp;
    dln_status st = dlni_block_spectrum(ls, comp, r, ev, ws, &sp);
    if (st != DLN_OK) return st;
    orbit_data(ls, comp, r, o);
    dlni_spectrum_range(&sp, &o->hess_min, &o->mu_max);
    o->mu_min_pos = o->dim < ls->n ? dlni_spectrum_kth_modulus(&sp, o->dim) : NAN;
    return DLN_OK;
}

/* The summary of the best type, recomputed only when the type changed. */
static dln_status best_spectrum(ebw *w)
{
    set_components(w, w->bopt);
    if (w->cached && memcmp(w->bopt, w->copt, w->nv * sizeof *w->copt) == 0) return DLN_OK;
    dln_status st = normal_spectrum(w->ls, w->comp, w->r, scratch_n(w), w->spws, &w->cache);
    w->cached = st == DLN_OK;
    if (st == DLN_OK) memcpy(w->copt, w->bopt, w->nv * sizeof *w->copt);
    return st;
}

/* min |y - y*|/y* over the values that can make the orbit degenerate. */
static double orbit_gap(const dln_landscape *ls, const dlni_comp *comp, size_t r)
{
    double g = INFINITY;
    for (size_t k = 0; k < r; k++) g = fmin(g, fabs(ls->blk[comp[k].blk].root.delta));
    if (ls->L == 2 && r < ls->dmin)
        for (size_t b = 0; b < ls->nb; b++) {
            size_t kb = 0;
            for (size_t k = 0; k < r; k++) kb += comp[k].blk == b;
            if (kb < ls->blk[b].m && ls->blk[b].y > 0.0) g = fmin(g, fabs(ls->blk[b].root.delta));
        }
    return g;
}

/* Smallest nonzero layer singular value of any critical point (the scale of DLN_EB_FAR). */
static double layer_scale(const ebw *w)
{
    const dln_landscape *ls = w->ls;
    double s = INFINITY, cmin = INFINITY;
    for (size_t b = 0; b < ls->nb; b++)
        for (int k = 0; k < ls->blk[b].root.count; k++) s = fmin(s, ls->blk[b].root.s[k]);
    for (size_t l = 1; l <= w->L; l++) cmin = fmin(cmin, w->cl[l]);
    return isfinite(s) ? s * cmin : ls->ascale;
}

/* ---- the distance ---- */

/* W*_l = c_l U_l S U_{l-1}^T from the best frames into theta. */
static void write_point(ebw *w, double *theta)
{
    for (size_t l = 1, off = 0; l <= w->L; off += w->d[l] * w->d[l - 1], l++) {
        size_t m = w->d[l], n = w->d[l - 1];
        la_copy(n, w->r, frame(w->Ub, w, l - 1), n, w->M, n);
        scale_columns(n, w->r, w->M, n, w->comp);
        la_gemm(LA_N, LA_T, m, n, w->r, w->cl[l], frame(w->Ub, w, l), m, w->M, n, 0.0, theta + off, m);
    }
}

/* Pattern of the current components: per block, matched labels first. */
static void write_pattern(const ebw *w, int *pattern)
{
    const dln_landscape *ls = w->ls;
    for (size_t i = 0; i < w->nv; i++) pattern[i] = DLN_MATCH_NONE;
    for (size_t b = 0, k = 0; b < ls->nb; b++)
        for (size_t pos = ls->blk[b].start; k < w->r && w->comp[k].blk == b; k++) pattern[pos++] = w->comp[k].label;
}

/* F(W) and ||grad F(W)|| with the landscape's loss (the gradient in scratch_n). */
static dln_status value_and_gradient(ebw *w, double *vg)
{
    dln_landscape *ls = w->ls;
    double *g = scratch_n(w);
    dln_status st = dln_loss_grad(ls->loss, w->net, &vg[0], g);
    if (st != DLN_OK) return dlni_fail(ls->err, st, "%s", ls->loss->err);
    vg[1] = la_nrm2(ls->n, g);
    return DLN_OK;
}

/* The report from the best type and the bounds. */
static void fill_report(ebw *w, const double *vg, double best, double second, double lower,
                        dln_dist_report *o)
{
    const dln_landscape *ls = w->ls;
    const orbit_spec *sp = &w->cache;
    double wn = w->wn, scale = layer_scale(w);
    o->dist = sqrt(best), o->dist_second = sqrt(second), o->dist_lower = lower;
    o->dist_lower_orbit = orbit_lower(w);
    o->value = vg[0], o->grad_norm = vg[1], o->critical_value = sp->value;
    o->ratio = vg[1] > 0.0 ? o->dist / vg[1] : NAN;
    o->rank = w->r, o->orbit_dim = sp->dim, o->cls = sp->cls;
    o->hess_min = sp->hess_min, o->mu_max = sp->mu_max, o->mu_min_pos = sp->mu_min_pos;
    o->kappa = sp->degenerate ? INFINITY : 1.0 / sp->mu_min_pos;
    o->error_bound = ls->eb, o->error_bound_gap = ls->eb_gap;
    o->orbit_gap = orbit_gap(ls, w->comp, w->r);
    o->sweeps = w->sweeps;
    o->flags = 0;
    if (!ls->eb) o->flags |= DLN_EB_FAILS;
    if (sp->degenerate) o->flags |= DLN_EB_DEGENERATE;
    if (w->noconv) o->flags |= DLN_EB_NOCONV;
    if (o->dist > FAR_FACTOR * scale) o->flags |= DLN_EB_FAR;
    if (o->dist_second <= AMBIGUOUS * o->dist) o->flags |= DLN_EB_AMBIGUOUS;
    if (o->dist <= ROUNDING * DBL_EPSILON * fmax(wn, scale)) o->flags |= DLN_EB_ROUNDING;
    if (!(vg[1] > 0.0)) o->flags |= DLN_EB_NO_RATIO;
}

/* The report of the best type (in bopt, its frames in Ub) and the outputs. */
static dln_status report_out(ebw *w, const double *vg, double best, double second, size_t ncand,
                             dln_dist_report *rep, int *pattern, double *nearest)
{
    dln_dist_report o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    fill_report(w, vg, best, second, all_lower(w), &o);
    o.candidates = ncand;
    if (nearest) write_point(w, nearest);
    if (pattern) write_pattern(w, pattern);
    memcpy(rep, &o, sizeof o);
    return DLN_OK;
}

/* The slot labels of a chosen pattern: in each block the matched labels go
 * to the slots of the largest projected values, larger roots first. */
static dln_status chosen_type(ebw *w, const int *pattern)
{
    dln_landscape *ls = w->ls;
    size_t r;
    dln_status st = dlni_pattern_parse(ls, pattern, w->comp, &r);
    if (st != DLN_OK) return st;
    for (size_t i = 0; i < w->nv; i++) w->bopt[i] = DLN_MATCH_NONE;
    static const int order[3] = {DLN_MATCH_PLUS, DLN_MATCH_DOUBLE, DLN_MATCH_MINUS};
    for (size_t b = 0; b < ls->nb; b++) {
        size_t next = ls->blk[b].start;
        for (int o = 0; o < 3; o++)
            for (size_t k = 0; k < r; k++)
                if (w->comp[k].blk == b && w->comp[k].label == order[o]) w->bopt[next++] = order[o];
    }
    return DLN_OK;
}

/* Value, gradient, slots and layer values of the point (the data of every candidate). */
static dln_status read_point(ebw *w, const dln_net *net, const double *vg_in, double *vg)
{
    w->net = net, w->sweeps = 0, w->noconv = 0, w->wn = 0.0;
    for (size_t l = 1; l <= w->L; l++) w->wn = hypot(w->wn, la_fro(w->d[l], w->d[l - 1], layer(w, l), w->d[l]));
    w->loose2 = LOOSE_FACTOR * LOOSE_FACTOR * w->wn * w->wn;
    dln_status st = vg_in ? DLN_OK : value_and_gradient(w, vg);
    if (vg_in) vg[0] = vg_in[0], vg[1] = vg_in[1];
    if (st == DLN_OK) st = read_slots(w);
    if (st == DLN_OK) st = layer_values(w);
    return st;
}

dln_status dlni_distance_to(dlni_dist_work *w, const dln_net *net, const int *chosen,
                            dln_dist_report *rep, double *nearest)
{
    double vg[2], best = INFINITY;
    dln_status st = chosen_type(w, chosen);
    if (st == DLN_OK) st = read_point(w, net, NULL, vg);
    if (st == DLN_OK) st = project(w, w->bopt, &best);
    if (st == DLN_OK) swap_frames(&w->Ub, &w->U);
    if (st == DLN_OK) st = best_spectrum(w);
    if (st != DLN_OK) return st;
    return report_out(w, vg, best, INFINITY, 1, rep, NULL, nearest);
}

dln_status dlni_distance(dlni_dist_work *w, const dln_net *net, const double *vg_in,
                         dln_dist_report *rep, int *pattern, double *nearest)
{
    double vg[2], best = INFINITY, second = INFINITY;
    size_t ncand = 0;
    dln_status st = read_point(w, net, vg_in, vg);
    if (st == DLN_OK) st = nearest_type(w, &best, &second, &ncand);
    if (st == DLN_OK) st = best_spectrum(w);
    if (st != DLN_OK) return st;
    return report_out(w, vg, best, second, ncand, rep, pattern, nearest);
}

/* ---- public functions ---- */

/* dln_landscape_distance (chosen = NULL) and dln_landscape_distance_to. */
static dln_status distance(dln_landscape *ls, const dln_net *net, const int *chosen,
                           dln_dist_report *report, int *pattern, dln_net *nearest)
{
    if (!ls) return DLN_E_NULL;
    if (!net) return dlni_fail(ls->err, DLN_E_NULL, "net is NULL");
    dln_status st = dlni_report_check(ls->err, report, DLN_DIST_REPORT_V1_SIZE, "report");
    if (st != DLN_OK) return st;
    if (net->nres || (nearest && nearest->nres))
        return dlni_fail(ls->err, DLN_E_UNSUPPORTED, DLNI_RESIDUAL_MSG);
    if (ls->theory == DLN_THEORY_REGULARIZED &&
        (!dlni_same_widths(net, ls->L, ls->d) || (nearest && !dlni_same_widths(nearest, ls->L, ls->d))))
        return dlni_fail(ls->err, DLN_E_DIM, "the net's widths differ from the landscape's");
    if (!ls->dist) st = dlni_dist_work_new(ls, &ls->dist); /* kept: a repeated call allocates nothing */
    if (st != DLN_OK) return st;
    dlni_dist_work *w = ls->dist;
    double *theta = nearest ? dlni_alloc(ls->n) : NULL;
    if (nearest && !theta) st = dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    dln_dist_report o = {.struct_size = sizeof o};
    int *pat = pattern ? malloc((ls->nv + 1) * sizeof *pat) : NULL;
    if (pattern && !pat) st = dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK)
        st = chosen ? dlni_distance_to(w, net, chosen, &o, theta) : dlni_distance(w, net, NULL, &o, pat, theta);
    w->net = NULL; /* the landscape keeps no pointer to the caller's net */
    if (st == DLN_OK) { /* outputs only on success (nearest may be net itself) */
        if (theta) dlni_net_assign(nearest, theta);
        if (pat) memcpy(pattern, pat, ls->nv * sizeof *pat);
        dlni_report_put(report, &o, sizeof o);
    }
    free(theta), free(pat);
    return st;
}

dln_status dln_landscape_distance(dln_landscape *ls, const dln_net *net, dln_dist_report *report,
                                  int *pattern, dln_net *nearest)
{
    return distance(ls, net, NULL, report, pattern, nearest);
}

dln_status dln_landscape_distance_to(dln_landscape *ls, const dln_net *net, const int *pattern,
                                     dln_dist_report *report, dln_net *nearest)
{
    if (ls && !pattern) return dlni_fail(ls->err, DLN_E_NULL, "pattern is NULL");
    return distance(ls, net, pattern, report, NULL, nearest);
}

/* rho = max |1 - eta mu| over the normal eigenvalues (all but the tangent
 * ones, the dim smallest moduli: those of modulus t = mu_min^+ and above)
 * and its mu, the one of smallest modulus among equal rho (the first in
 * the order of moduli); the values x[0..n) once each (copies change
 * neither). */
static void slowest(const double *x, size_t n, double t, double eta, double *rho, double *mu)
{
    *rho = 0.0, *mu = NAN;
    for (size_t i = 0; i < n; i++) {
        double c = fabs(1.0 - eta * x[i]);
        if (!(fabs(x[i]) >= t)) continue;
        if (c > *rho || (c == *rho && fabs(x[i]) < fabs(*mu))) *rho = c, *mu = x[i];
    }
}

dln_status dln_landscape_rate(dln_landscape *ls, const int *pattern, double eta, dln_rate_report *report)
{
    if (!ls) return DLN_E_NULL;
    if (!pattern) return dlni_fail(ls->err, DLN_E_NULL, "pattern is NULL");
    dln_status st = dlni_report_check(ls->err, report, DLN_RATE_REPORT_V1_SIZE, "report");
    if (st != DLN_OK) return st;
    if (!(eta >= 0.0 && isfinite(eta)))
        return dlni_fail(ls->err, DLN_E_RANGE, "the step %g must be finite and >= 0", eta);
    if (ls->theory != DLN_THEORY_REGULARIZED)
        return dlni_fail(ls->err, DLN_E_UNSUPPORTED,
                         "error bounds need the regularized theory (%s)", ls->reason);
    dlni_pattern_spec ps;
    st = dlni_pattern_spectrum(ls, pattern, &ps);
    size_t n = ls->n, nd = st == DLN_OK ? ps.sp.nv + ps.sp.np : 0;
    double *vals = st == DLN_OK ? dlni_alloc(nd ? nd : 1) : NULL; /* signed, before the selection */
    if (st == DLN_OK && !vals) st = dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) {
        orbit_spec sp;
        orbit_data(ls, ps.comp, ps.r, &sp);
        dlni_spectrum_range(&ps.sp, &sp.hess_min, &sp.mu_max);
        memcpy(vals, ps.sp.v, ps.sp.nv * sizeof *vals);
        memcpy(vals + ps.sp.nv, ps.sp.pv, ps.sp.np * sizeof *vals);
        sp.mu_min_pos = sp.dim < n ? dlni_spectrum_kth_modulus(&ps.sp, sp.dim) : NAN; /* the tangent ones below */
        dln_rate_report o;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        o.orbit_dim = sp.dim, o.hess_min = sp.hess_min, o.mu_max = sp.mu_max;
        o.mu_min_pos = sp.mu_min_pos;
        o.eta_opt = 2.0 / (sp.mu_min_pos + sp.mu_max);
        o.rho_opt = (sp.mu_max - sp.mu_min_pos) / (sp.mu_max + sp.mu_min_pos);
        o.eta_max = sp.mu_max > 0.0 ? 2.0 / sp.mu_max : INFINITY;
        o.eta = eta > 0.0 ? eta : o.eta_opt;
        slowest(vals, nd, sp.mu_min_pos, o.eta, &o.rho, &o.mu_slowest);
        if (sp.degenerate) o.flags |= DLN_EB_DEGENERATE;
        if (sp.cls == DLN_CLASS_STRICT_SADDLE) o.flags |= DLN_EB_SADDLE;
        if (!(o.eta < o.eta_max)) o.flags |= DLN_EB_UNSTABLE;
        dlni_report_put(report, &o, sizeof o);
    }
    free(vals), dlni_pattern_spec_free(&ps);
    return st;
}
