/* spectrum_eigs.c - extreme eigenpairs of the Hessian (derivatives.md §5-§7).
 *
 * Small n: the dense Hessian (n HVPs) and LAPACK dsyevr.
 *
 * Otherwise: thick-restart block Lanczos with partial reorthogonalization
 * (below). The basis V = [v_1 .. v_p] (orthonormal; semi-orthogonal under
 * partial reorthogonalization) and a pending block Q (the next Krylov
 * block, orthonormal and orthogonal to V) satisfy
 *
 *     H V = V T + Q G,        T = V^T H V (p x p),  G (|Q| x p),
 *
 * up to rounding. Expanding applies H to Q in one batched HVP call (written
 * straight into the basis, where the next pending block goes), projects the
 * result twice (CGS2 as GEMMs; the coefficients are the new columns of T),
 * and orthonormalizes the remainder column by column into the next pending
 * block; its triangular factor is the new G.
 *
 * Which columns the projection runs against: in exact arithmetic H Q is
 * orthogonal to every basis column except Q itself and the block that G
 * couples to Q (the previous block; every kept Ritz vector right after a
 * restart), so a pass over those "local" columns suffices and the basis is
 * not read. Rounding makes the new block lose orthogonality against the rest
 * of the basis; partial reorthogonalization (Simon 1984) follows estimates
 * of |v_i' q| through the same relation (O(p^2) scalar work per block, no
 * pass over the basis) and projects the new block against the whole basis
 * only when an estimate exceeds eta, and again at the next block. With
 * eta = sqrt(eps) the basis stays semi-orthogonal, which keeps T the
 * projection of H to O(eps ||H||) and the Ritz values as accurate as with
 * full reorthogonalization (Simon 1984, Theorem 4). The reorthogonalization
 * coefficients enter only the upper triangle of T, which perturbs the
 * relation by about eta ||H||, unseen by the residuals ||G s||: when
 * eigenvectors are wanted eta = min(sqrt(eps), tol/10), and the k returned
 * Ritz vectors (orthonormal to about eta) are orthonormalized at the end.
 * A Ritz pair (theta, V s) of T has the residual ||H V s - theta V s|| =
 * ||G s||, so convergence is checked after every block without extra HVPs.
 * When the basis is full, the Ritz vectors nearest the wanted end are kept
 * (V <- V S_keep, T <- diag(theta_keep), G <- G S_keep) and expansion goes on.
 *
 * Why this shape: Hessians at critical points have large null spaces and
 * repeated eigenvalues (derivatives.md §7). A Krylov space grown from b start
 * vectors holds at most b copies of an eigenvalue, so the block width is
 * b >= k (default b = k: wider blocks were measured to cost more HVPs, and a
 * batched HVP costs the same per direction; docs/spectrum.md). Full
 * reorthogonalization prevents the ghost copies of plain Lanczos. When the
 * new block is rank deficient (an invariant subspace was found, e.g. H = 0 at
 * the origin for L >= 3), the missing columns are filled with random vectors
 * orthogonal to the basis: the relation above still holds with a zero row
 * in G. */
#include "internal.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TOL 1e-10
/* Dense path up to this n: see docs/spectrum.md for the measurement. */
#define DENSE_MAX_N 256
/* Default outer iterations (thick restarts). */
#define DEFAULT_MAXIT 1000
/* Rows per chunk of the in-place product V <- V S at a restart. */
#define RESTART_ROWS 1024
/* A column whose norm fell below this fraction of its norm before a
 * projection pass is projected again (Kahan-Parlett "twice is enough"). */
#define REORTH_RATIO 0.7071067811865476
/* A new Krylov column is numerically zero (rank deficiency) below this
 * multiple of max(||H q||, hnorm): it is dropped and replaced at random. */
#define DROP_REL 1e-14
/* Semi-orthogonality level of partial reorthogonalization: sqrt(eps). */
#define SEMI_ORTHO 1.4901161193847656e-08

/* ------------------------------------------------------------------------ */
/* Shared argument checks and the report. */

dln_status dlni_eig_check(dln_loss *loss, size_t n, dln_eig_which which, size_t k, double tol,
                          const double *evals, const double *evecs, size_t ldvec,
                          const dln_eig_report *report)
{
    if (!evals) return dlni_fail(loss->err, DLN_E_NULL, "evals is NULL");
    if (which != DLN_EIG_SMALLEST && which != DLN_EIG_LARGEST)
        return dlni_fail(loss->err, DLN_E_RANGE, "which = %d is not a dln_eig_which", (int)which);
    if (k == 0 || k > n)
        return dlni_fail(loss->err, DLN_E_DIM, "k = %zu must be in 1..n = %zu", k, n);
    if (!(tol >= 0.0 && tol < 1.0))
        return dlni_fail(loss->err, DLN_E_RANGE, "tol = %g must be in [0, 1)", tol);
    if (evecs && ldvec < n)
        return dlni_fail(loss->err, DLN_E_LD, "ldvec = %zu is below n = %zu", ldvec, n);
    if (!la_fits(n) || (evecs && (!la_fits(ldvec) || !dlni_span_fits(ldvec, k))))
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "n or ldvec exceeds the BLAS range");
    return report ? dlni_report_check(loss->err, report, DLN_EIG_REPORT_V1_SIZE, "report") : DLN_OK;
}

/* ------------------------------------------------------------------------ */
/* Dense path. */

/* The dense matrix of the operator (op->n HVP-like applications to unit
 * vectors, DLNI_BATCH at a time), symmetrized. */
static dln_status op_dense(const dlni_op *op, double *H, double *E)
{
    const size_t n = op->n;
    for (size_t j0 = 0; j0 < n; j0 += DLNI_BATCH) {
        size_t kk = n - j0 < DLNI_BATCH ? n - j0 : DLNI_BATCH;
        la_set(n, kk, 0.0, E, n);
        for (size_t j = 0; j < kk; j++) E[j0 + j + j * n] = 1.0;
        dln_status st = op->apply(op->ctx, kk, E, n, H + j0 * n, n);
        if (st != DLN_OK) return st;
    }
    for (size_t j = 0; j < n; j++) /* symmetrize the rounding-level asymmetry */
        for (size_t i = 0; i < j; i++)
            H[i + j * n] = H[j + i * n] = 0.5 * (H[i + j * n] + H[j + i * n]);
    return DLN_OK;
}

static dln_status eigs_dense(dln_loss *loss, const dlni_op *op, dln_eig_which which, size_t k,
                             double *evals, double *evecs, size_t ldvec, dln_eig_report *rep)
{
    const size_t n = op->n;
    if (n > DLN_HESSIAN_MAX_PARAMS)
        return dlni_fail(loss->err, DLN_E_TOO_LARGE, "n = %zu is too large for the dense path", n);
    size_t wsz = la_syevr_wsize(n), total;
    if (wsz == 0) return dlni_fail(loss->err, DLN_E_LAPACK, "dsyevr workspace query failed");
    /* H (n x n), its diagonal, eigenvalues, all eigenvectors Z (first the
     * unit vectors that build H), H Z for the k wanted ones, LAPACK work */
    if (!dlni_mul(n, 2 * n + 2 + k, &total) || total > SIZE_MAX - wsz)
        return dlni_fail(loss->err, DLN_E_OVERFLOW, "dense workspace overflows");
    double *H = dlni_alloc(total + wsz);
    if (!H) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the dense Hessian");
    double *diag = H + n * n, *w = diag + n, *Z = w + n, *HZ = Z + n * n, *work = HZ + n * k;
    dln_status st = op_dense(op, H, Z);
    if (st == DLN_OK) {
        for (size_t i = 0; i < n; i++) diag[i] = H[i + i * n];
        if (la_syevr_ws(n, H, n, 1, n, w, Z, n, work) != LA_OK)
            st = dlni_fail(loss->err, DLN_E_LAPACK, "dsyevr failed on the dense Hessian");
    }
    if (st != DLN_OK) {
        free(H);
        return st;
    }
    /* dsyevr keeps the strict lower triangle: rebuild H for the residuals */
    for (size_t j = 0; j < n; j++) {
        H[j + j * n] = diag[j];
        for (size_t i = 0; i < j; i++) H[i + j * n] = H[j + i * n];
    }
    size_t c0 = which == DLN_EIG_SMALLEST ? 0 : n - k; /* wanted columns c0..c0+k-1 */
    la_gemm(LA_N, LA_N, n, k, n, 1.0, H, n, Z + c0 * n, n, 0.0, HZ, n);
    double hnorm = fmax(fabs(w[0]), fabs(w[n - 1])), rmax = 0.0;
    for (size_t j = 0; j < k; j++) {
        size_t c = which == DLN_EIG_SMALLEST ? j : n - 1 - j;
        la_axpy(n, -w[c], Z + c * n, HZ + (c - c0) * n);
        rmax = fmax(rmax, la_nrm2(n, HZ + (c - c0) * n));
        evals[j] = w[c];
        if (evecs) memcpy(evecs + j * ldvec, Z + c * n, n * sizeof *Z);
    }
    rep->hvps = n, rep->iterations = 0, rep->dense = 1, rep->converged = 1;
    rep->hnorm = hnorm;
    rep->max_residual = hnorm > 0.0 ? rmax / hnorm : 0.0;
    free(H);
    return DLN_OK;
}

/* ------------------------------------------------------------------------ */
/* Iterative path: thick-restart block Lanczos (see the file comment). */

typedef struct lanczos {
    dln_loss *loss;    /* receives the error detail */
    const dlni_op *op;
    dln_eig_which which;
    size_t n, k, b, m; /* order, wanted pairs, block width, basis capacity */
    size_t ldt;        /* m + b: leading dimension of T */
    double *V;         /* n x (m + b): basis columns 0..p-1, pending block p..p+pend-1,
                        * then H applied to the pending block */
    double *T;         /* (m + b) x (m + b): T = V^T H V above the diagonal, G below row p */
    double *Om;        /* (m + b) x (m + b): estimates of |v_i' v_j|, i < j (column j) */
    double *A, *S;     /* m x m: copy of T for LAPACK, Ritz vectors of T */
    double *theta;     /* m: Ritz values, ascending */
    double *res;       /* m: residual norms ||G s_i|| */
    double *GS;        /* b x m: G S */
    double *rows;      /* RESTART_ROWS x m: chunk of V S at a restart */
    double *coef;      /* m + b: projection coefficients of one column */
    double *C2;        /* (m + b) x b: second CGS pass of a block */
    double *lwork;     /* dsyevr workspace for order m */
    size_t p, pend;    /* basis columns, pending columns */
    double hnorm;      /* max |Ritz value| seen: estimate of ||H||_2 (lower bound) */
    double eta;        /* reorthogonalize fully above this estimate (0: always) */
    double noise;      /* |v_i' v_j| of freshly orthogonalized columns: eps sqrt(n) */
    size_t lo;         /* first column G couples to the pending block (0: all) */
    int full_next;     /* the next block is projected against the whole basis */
    size_t hvps, cycles;
    dlni_rng rng;
} lanczos;

static double *col(const lanczos *z, size_t j) { return z->V + j * z->n; }

/* Default block width: the least that finds every wanted copy of a
 * repeated eigenvalue (see the file comment). */
static size_t default_block(size_t k) { return k; }

/* Default basis capacity: larger bases need fewer HVPs but cost O(n m) per
 * vector in reorthogonalization; 32 for k = 1, about 12k for small k. */
static size_t default_basis(size_t k)
{
    size_t m = 12 * k < 4 * k + 80 ? 12 * k : 4 * k + 80;
    return m < 32 ? 32 : m;
}

/* Carve the single workspace allocation. */
static dln_status lanczos_alloc(lanczos *z, double **buf)
{
    size_t n = z->n, m = z->m, b = z->b, ldt = m + b, wsz = la_syevr_wsize(m), nv, t, total;
    if (wsz == 0) return dlni_fail(z->loss->err, DLN_E_LAPACK, "dsyevr workspace query failed");
    if (!dlni_mul(n, ldt, &nv) || !dlni_mul(ldt, 2 * ldt, &t))
        return dlni_fail(z->loss->err, DLN_E_OVERFLOW, "Lanczos workspace overflows");
    total = t + 2 * m * m + 2 * m + b * m + RESTART_ROWS * m + ldt + ldt * b + wsz;
    if (nv > SIZE_MAX - total)
        return dlni_fail(z->loss->err, DLN_E_OVERFLOW, "Lanczos workspace overflows");
    double *p = dlni_alloc(nv + total);
    if (!p) return dlni_fail(z->loss->err, DLN_E_NOMEM, "out of memory for the Lanczos basis");
    *buf = p;
    z->ldt = ldt;
    z->V = p, p += n * ldt;
    z->T = p, p += ldt * ldt;
    z->Om = p, p += ldt * ldt;
    z->A = p, p += m * m;
    z->S = p, p += m * m;
    z->theta = p, p += m;
    z->res = p, p += m;
    z->GS = p, p += b * m;
    z->rows = p, p += RESTART_ROWS * m;
    z->coef = p, p += ldt;
    z->C2 = p, p += ldt * b;
    z->lwork = p;
    memset(z->T, 0, t * sizeof *z->T);
    return DLN_OK;
}

/* C := alpha op(A) B + beta C for B with `cols` columns (a GEMV for one). */
static void mul(int ta, size_t rows, size_t cols, size_t inner, double alpha, const double *A,
                size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if (cols == 1)
        la_gemv(ta, ta ? inner : rows, ta ? rows : inner, alpha, A, lda, B, beta, C);
    else
        la_gemm(ta, LA_N, rows, cols, inner, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Project x against the `count` basis columns starting at `first`, repeating
 * while a pass removes most of x (at most 3 passes). The coefficients are
 * added to acc[0..count) unless acc is NULL. Returns ||x||. */
static double project(lanczos *z, double *x, size_t first, size_t count, double *acc)
{
    const size_t n = z->n;
    double before = la_nrm2(n, x), after = before;
    for (int pass = 0; pass < 3 && count > 0; pass++) {
        mul(LA_T, count, 1, n, 1.0, col(z, first), n, x, n, 0.0, z->coef, count);
        mul(LA_N, n, 1, count, -1.0, col(z, first), n, z->coef, count, 1.0, x, n);
        if (acc) la_axpy(count, 1.0, z->coef, acc);
        after = la_nrm2(n, x);
        if (after > REORTH_RATIO * before) break;
        before = after;
    }
    return after;
}

/* Make column q a random unit vector orthogonal to columns 0..q-1.
 * Returns 0 if none was found (the basis spans the whole space). */
static int random_column(lanczos *z, size_t q)
{
    double *x = col(z, q);
    for (int tries = 0; tries < 4; tries++) {
        dlni_rng_fill_normal(&z->rng, z->n, 1.0, x);
        la_scal(z->n, 1.0 / la_nrm2(z->n, x), x);
        double nrm = project(z, x, 0, q, NULL);
        if (nrm > 1e-8) {
            la_scal(z->n, 1.0 / nrm, x);
            return 1;
        }
    }
    return 0;
}

/* Entry (l, i) of a symmetric matrix stored in its upper triangle. */
static double sym(const double *A, size_t ld, size_t l, size_t i)
{
    return l <= i ? A[l + i * ld] : A[i + l * ld];
}

/* Estimates of v_i' q for the new block q..q+acc-1 (built from H applied
 * to the pending block p..q-1 by one projection pass against lo..q-1) and
 * every older column i < lo, by the recurrence of partial
 * reorthogonalization (Simon 1984) in block form: v_i' H Q = (H v_i)' Q =
 * sum_l T_li v_l' Q + rounding (G has no entry in column i < lo), so
 *     est_i R = T_.i' Om_.Q - Om_i,loc C + noise ||H||,
 * with R the triangular factor of the new block and C the projection
 * coefficients, bounded in absolute values. The relation holds for
 * H - sigma I as well (T_ii and the column's own coefficient C_cc both shift
 * by -sigma). For blocks of width 1 it is bounded with sigma = C_11 (alpha
 * of scalar Lanczos, as in Simon's recurrence), which removes that term: the
 * growth per block is then |T_ii - alpha| + the couplings to the neighbours,
 * not |T_ii| + |alpha| (2 ||H|| at the wanted end, which made the bound
 * 1e7 times the measured loss within ten blocks). For wider blocks the
 * per-column shift under-estimated the measured loss (6.7e-7 against
 * 2e-8 at d = 128, L = 8, k = 4, and 384 HVPs instead of 128): sigma = 0.
 * Against columns lo..q-1 the error is that of one projection pass:
 * eps sqrt(n) ||H q|| / ||remainder|| and the overlaps of those columns
 * times the coefficients; within the block, rounding.
 * Entered in Om; returns the largest magnitude. O(p^2 b) scalar work. */
static double estimate(lanczos *z, size_t lo, size_t acc)
{
    const size_t p = z->p, bb = z->pend, q = p + bb, ldt = z->ldt;
    const double *Tc = z->T + p * ldt, *Om = z->Om, *hq = z->res;
    double worst = 0.0, *x = z->coef;
    for (size_t i = 0; i < lo; i++) {
        for (size_t c = 0; c < acc; c++) {
            const double *Rc = Tc + c * ldt + q; /* R(r, c) = Rc[r], r <= c */
            const double sigma = bb == 1 ? Tc[p] : 0.0; /* the shift: see above */
            double e = 0.0;
            for (size_t l = 0; l < p; l++)
                e += fabs((sym(z->T, ldt, l, i) - (l == i ? sigma : 0.0)) * Om[l + (p + c) * ldt]);
            for (size_t l = lo; l < q; l++)
                e += fabs(sym(Om, ldt, i, l) * (Tc[l + c * ldt] - (l == p + c ? sigma : 0.0)));
            for (size_t r = 0; r < c; r++) e += fabs(x[r] * Rc[r]);
            e += z->noise * fmax(hq[c], z->hnorm);
            x[c] = e / fabs(Rc[c]);
            worst = fmax(worst, fabs(x[c]));
        }
        for (size_t c = 0; c < acc; c++) z->Om[i + (q + c) * ldt] = x[c];
    }
    for (size_t c = 0; c < acc; c++) { /* one local pass: cancellation error */
        double r = fabs(Tc[q + c + c * ldt]), cancel = z->noise * fmax(1.0, hq[c] / r);
        for (size_t i = lo; i < q + c; i++) {
            double e = cancel; /* + the pass's error from the local columns' own overlaps */
            for (size_t l = lo; l < q && i < q; l++)
                if (l != i) e += fabs(sym(Om, ldt, i, l) * Tc[l + c * ldt]) / r;
            z->Om[i + (q + c) * ldt] = e;
            worst = fmax(worst, e);
        }
    }
    return worst;
}

/* Project the new block (acc columns at q) against the whole basis and
 * renormalize it; the coefficients enter T so that the relation stays exact
 * to rounding (H Q = V C + Q_new R = V (C + X R) + Q_new' R). */
static void reorthogonalize(lanczos *z, size_t acc)
{
    const size_t n = z->n, p = z->p, bb = z->pend, q = p + bb, ldt = z->ldt;
    double *Tc = z->T + p * ldt, *X = z->C2, *Qn = col(z, q);
    if (acc > 0) {
        mul(LA_T, q, acc, n, 1.0, z->V, n, Qn, n, 0.0, X, ldt);
        mul(LA_N, n, acc, q, -1.0, z->V, n, X, ldt, 1.0, Qn, n);
        la_gemm(LA_N, LA_N, q, bb, acc, 1.0, X, ldt, Tc + q, ldt, 1.0, Tc, ldt);
    }
    for (size_t r = 0; r < acc; r++) {
        double nrm = la_nrm2(n, col(z, q + r));
        la_scal(n, 1.0 / nrm, col(z, q + r));
        for (size_t c = 0; c < bb; c++) Tc[q + r + c * ldt] *= nrm; /* row r of R */
    }
    for (size_t c = 0; c < acc; c++)
        for (size_t i = 0; i < q + c; i++) z->Om[i + (q + c) * ldt] = z->noise;
}

/* Apply H to the pending block, add it to the basis (T gains its columns)
 * and orthonormalize the remainder into the next pending block (new G). */
static dln_status expand(lanczos *z)
{
    const size_t n = z->n, p = z->p, bb = z->pend, q = p + bb, ldt = z->ldt;
    double *W = col(z, q); /* room for b columns: p + pend <= m */
    dln_status st = z->op->apply(z->op->ctx, bb, col(z, p), n, W, n);
    if (st != DLN_OK) return st;
    z->hvps += bb;
    double *Tc = z->T + p * ldt, *hq = z->res, *X = z->C2;
    for (size_t j = 0; j < q; j++) /* the next block couples only to this one */
        memset(z->T + q + j * ldt, 0, z->b * sizeof *z->T);
    /* full: right after a restart (G couples every kept vector, which are
     * only semi-orthogonal) and once guard_restart set eta = 0, block CGS2
     * against the whole basis; else one block CGS pass against the local
     * columns lo..q-1, whose error enters the estimates */
    int full = z->lo == 0 || z->eta == 0.0;
    size_t lo = full ? 0 : z->lo, nc = q - lo;
    /* W sits right after column q-1: one product with [V_lo..q-1 W] gives
     * the coefficients and W'W, whose diagonal is ||H q_j||^2 before the
     * projection (no pass over W of its own) */
    mul(LA_T, nc + bb, bb, n, 1.0, col(z, lo), n, W, n, 0.0, X, ldt);
    for (size_t j = 0; j < bb; j++) {
        memset(Tc + j * ldt, 0, lo * sizeof *Tc);
        memcpy(Tc + j * ldt + lo, X + j * ldt, nc * sizeof *Tc);
        double ww = X[nc + j + j * ldt]; /* the scaled norm near under/overflow */
        hq[j] = ww > 1e-280 && ww < 1e280 ? sqrt(ww) : la_nrm2(n, W + j * n);
    }
    mul(LA_N, n, bb, nc, -1.0, col(z, lo), n, Tc + lo, ldt, 1.0, W, n);
    if (full) {
        mul(LA_T, q, bb, n, 1.0, z->V, n, W, n, 0.0, z->C2, ldt);
        mul(LA_N, n, bb, q, -1.0, z->V, n, z->C2, ldt, 1.0, W, n);
        la_add(q, bb, 1.0, z->C2, ldt, Tc, ldt);
    }
    /* column-wise orthonormalization of the remainder: T[q.., p + j] = R */
    size_t room = n - q < z->b ? n - q : z->b, acc = 0;
    int clean = 1; /* every new column came from its own HVP by local passes */
    for (size_t j = 0; j < bb; j++) {
        double *x = W + j * n, *tcol = Tc + j * ldt;
        double drop = DROP_REL * fmax(hq[j], z->hnorm);
        double nrm = project(z, x, q, acc, tcol + q);
        if (nrm > drop && nrm < 1e-3 * hq[j]) { /* heavy cancellation: once more */
            nrm = project(z, x, 0, q + acc, tcol);
            clean = 0;
        }
        /* numerically in the span (rank deficiency), or no room left: the
         * remainder is rounding noise and is dropped */
        if (nrm <= drop || acc == room) {
            clean = 0;
            continue;
        }
        la_scal(n, 1.0 / nrm, x);
        if (acc < j) memcpy(col(z, q + acc), x, n * sizeof *x);
        tcol[q + acc] = nrm;
        acc++;
    }
    size_t made = acc;
    while (acc < room && random_column(z, q + acc)) acc++; /* invariant subspace found */
    if (full) {
        for (size_t c = 0; c < acc; c++)
            for (size_t i = 0; i < q + c; i++) z->Om[i + (q + c) * ldt] = z->noise;
        z->full_next = 0;
    } else if (z->full_next || !clean || acc > made || estimate(z, lo, made) > z->eta) {
        reorthogonalize(z, acc);
        z->full_next = !z->full_next; /* the next block inherits the loss (Simon's rule) */
    }
    z->lo = p;
    z->p = q, z->pend = acc;
    return DLN_OK;
}

/* Index of the j-th wanted Ritz value (theta ascending). */
static size_t wanted(const lanczos *z, size_t j)
{
    return z->which == DLN_EIG_SMALLEST ? j : z->p - 1 - j;
}

/* Ritz values and vectors of T, their residuals ||G s||, and hnorm. */
static dln_status rayleigh_ritz(lanczos *z)
{
    const size_t p = z->p, m = z->m, ldt = z->ldt;
    for (size_t j = 0; j < p; j++) memcpy(z->A + j * m, z->T + j * ldt, (j + 1) * sizeof *z->A);
    if (la_syevr_ws(p, z->A, m, 1, p, z->theta, z->S, m, z->lwork) != LA_OK)
        return dlni_fail(z->loss->err, DLN_E_LAPACK, "dsyevr failed on the projected matrix");
    la_gemm(LA_N, LA_N, z->pend, p, p, 1.0, z->T + p, ldt, z->S, m, 0.0, z->GS, z->b);
    for (size_t i = 0; i < p; i++) z->res[i] = la_nrm2(z->pend, z->GS + i * z->b);
    z->hnorm = fmax(z->hnorm, fmax(fabs(z->theta[0]), fabs(z->theta[p - 1])));
    return DLN_OK;
}

/* Number of wanted pairs that miss the tolerance (k while p < k). */
static size_t unconverged(const lanczos *z, double tol)
{
    if (z->p < z->k) return z->k;
    size_t miss = 0;
    for (size_t j = 0; j < z->k; j++) miss += !(z->res[wanted(z, j)] <= tol * z->hnorm);
    return miss;
}

/* The kept Ritz vectors of a semi-orthogonal basis are only semi-orthogonal,
 * and over many restarts their loss of orthogonality accumulates (a test
 * with 244 restarts returned eigenvalues off by thousands of ||H||). The
 * loss is measured once per restart: Y'Y, accumulated in z->A by restart()
 * from the rows of Y while they are in cache (n nk^2 flops, about half the
 * restart's own product, no pass over Y of its own). Once it exceeds
 * eta / 16 the solve continues with full reorthogonalization, under which
 * it no longer grows (||S' Om S|| <= ||Om|| for the orthonormal S of later
 * restarts). */
static void guard_restart(lanczos *z, size_t nk)
{
    double loss = 0.0;
    for (size_t j = 0; j < nk; j++)
        for (size_t i = 0; i < nk; i++)
            loss = fmax(loss, fabs(z->A[i + j * z->m] - (i == j ? 1.0 : 0.0)));
    if (loss > z->eta / 16.0) z->eta = 0.0;
}

/* Thick restart: keep the nk Ritz pairs nearest the wanted end. */
static void restart(lanczos *z)
{
    const size_t n = z->n, p = z->p, m = z->m, ldt = z->ldt, pend = z->pend;
    size_t nk = z->k + (m - z->k) / 2;
    if (nk > m - pend) nk = m - pend;
    size_t off = z->which == DLN_EIG_SMALLEST ? 0 : p - nk;
    const double *Sk = z->S + off * m;
    for (size_t r0 = 0; r0 < n; r0 += RESTART_ROWS) { /* V <- V S_keep in place, by rows */
        size_t rc = n - r0 < RESTART_ROWS ? n - r0 : RESTART_ROWS;
        la_gemm(LA_N, LA_N, rc, nk, p, 1.0, z->V + r0, n, Sk, m, 0.0, z->rows, rc);
        if (z->eta > 0.0) /* Y'Y for guard_restart, while the rows are in cache */
            la_gemm(LA_T, LA_N, nk, nk, rc, 1.0, z->rows, rc, z->rows, rc, r0 ? 1.0 : 0.0, z->A,
                    m);
        la_copy(rc, nk, z->rows, rc, z->V + r0, n);
    }
    for (size_t j = 0; j < pend; j++) memmove(col(z, nk + j), col(z, p + j), n * sizeof *z->V);
    for (size_t c = 0; c < pend; c++) { /* Om_.Q <- S_keep' Om_.Q; within Q unchanged */
        const double *o = z->Om + (p + c) * ldt;
        double *on = z->Om + (nk + c) * ldt;
        for (size_t i = 0; i < nk; i++) { /* |S_keep|' |Om_.Q|: a bound */
            double e = 0.0;
            for (size_t l = 0; l < p; l++) e += fabs(Sk[l + i * m] * o[l]);
            z->coef[i] = e;
        }
        memmove(on + nk, o + p, c * sizeof *on);
        memcpy(on, z->coef, nk * sizeof *on);
    }
    z->lo = 0; /* G couples the pending block to every kept vector */
    for (size_t j = 0; j < nk; j++) { /* T <- diag(theta_keep), G <- G S_keep */
        double *t = z->T + j * ldt;
        memset(t, 0, nk * sizeof *t);
        t[j] = z->theta[off + j];
        memcpy(t + nk, z->GS + (off + j) * z->b, pend * sizeof *t);
    }
    z->p = nk;
    z->cycles++;
    if (z->eta > 0.0) guard_restart(z, nk);
}

/* Modified Gram-Schmidt, twice, on the k columns of Y (most wanted first).
 * Ritz vectors of a semi-orthogonal basis have norms 1 + O(eta) and
 * overlaps O(eta); converged ones for distinct eigenvalues overlap only by
 * residual / gap, so this moves them by O(eta) within their own span (a
 * cluster's eigenspace) and by far less otherwise: their residuals stay at
 * tol, and they become orthonormal to rounding. k^2 n flops. */
static void orthonormalize(size_t n, size_t k, double *Y, size_t ld)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < k; j++) {
            double *y = Y + j * ld;
            for (size_t i = 0; i < j; i++) la_axpy(n, -la_dot(n, Y + i * ld, y), Y + i * ld, y);
            la_scal(n, 1.0 / la_nrm2(n, y), y);
        }
}

/* Wanted Ritz pairs into the caller's arrays; returns max residual. */
static double finish(lanczos *z, double *evals, double *evecs, size_t ldvec)
{
    double rmax = 0.0;
    for (size_t j = 0; j < z->k; j++) {
        size_t i = wanted(z, j);
        evals[j] = z->theta[i];
        rmax = fmax(rmax, z->res[i]);
        memcpy(z->A + j * z->m, z->S + i * z->m, z->p * sizeof *z->A);
    }
    if (evecs) {
        la_gemm(LA_N, LA_N, z->n, z->k, z->p, 1.0, z->V, z->n, z->A, z->m, 0.0, evecs, ldvec);
        orthonormalize(z->n, z->k, evecs, ldvec);
    }
    return rmax;
}

static dln_status eigs_lanczos(dln_loss *loss, const dlni_op *op, dln_eig_which which, size_t k,
                               double tol, size_t maxit, uint64_t seed, size_t b, size_t m,
                               double *evals, double *evecs, size_t ldvec, dln_eig_report *rep)
{
    lanczos z;
    memset(&z, 0, sizeof z);
    z.loss = loss, z.op = op, z.which = which, z.n = op->n, z.k = k;
    /* b >= k: a start block of width b meets an eigenspace of multiplicity
     * mu in min(b, mu) dimensions, and the block Krylov space never holds
     * more copies than that */
    b = b == 0 ? default_block(k) : b;
    b = b < k ? k : b;
    z.b = b < z.n ? b : z.n;
    m = m == 0 ? default_basis(k) : m;
    /* keep k wanted pairs plus one block of history (the "momentum" that
     * makes a small basis behave like LOBPCG rather than steepest descent) */
    if (m < k + 2 * z.b) m = k + 2 * z.b;
    z.m = m < z.n ? m : z.n;
    z.eta = evecs ? fmin(SEMI_ORTHO, 0.1 * tol) : SEMI_ORTHO;
    z.noise = DBL_EPSILON * sqrt((double)z.n);
    double *buf = NULL;
    dln_status st = lanczos_alloc(&z, &buf);
    if (st != DLN_OK) return st;
    dlni_rng_seed(&z.rng, seed);
    while (z.pend < z.b && random_column(&z, z.pend)) z.pend++;
    z.cycles = 1;
    int converged = 0;
    for (;;) {
        if ((st = expand(&z)) != DLN_OK || (st = rayleigh_ritz(&z)) != DLN_OK) break;
        converged = unconverged(&z, tol) == 0;
        if (converged || z.pend == 0) break;
        if (z.p + z.pend > z.m) {
            if (z.cycles >= maxit) break;
            restart(&z);
        }
    }
    if (st == DLN_OK) {
        double rmax = finish(&z, evals, evecs, ldvec);
        rep->iterations = z.cycles, rep->hvps = z.hvps, rep->hnorm = z.hnorm;
        rep->max_residual = z.hnorm > 0.0 ? rmax / z.hnorm : 0.0;
        rep->converged = converged, rep->dense = 0;
        if (!converged)
            st = dlni_fail(loss->err, DLN_E_NOCONV,
                           "%zu of the %zu wanted pairs missed tol = %g after %zu outer "
                           "iterations (max relative residual %g)",
                           unconverged(&z, tol), k, tol, z.cycles, rep->max_residual);
    }
    free(buf);
    return st;
}

/* ------------------------------------------------------------------------ */

dln_status dlni_op_eigs(dln_loss *loss, const dlni_op *op, dln_eig_which which, size_t k,
                       double tol, size_t maxit, uint64_t seed, const dlni_eig_tuning *tune,
                       double *evals, double *evecs, size_t ldvec, dln_eig_report *rep)
{
    int dense = tune->path == DLNI_EIG_DENSE ||
                (tune->path == DLNI_EIG_AUTO && op->n <= DENSE_MAX_N);
    if (dense) return eigs_dense(loss, op, which, k, evals, evecs, ldvec, rep);
    return eigs_lanczos(loss, op, which, k, tol == 0.0 ? DEFAULT_TOL : tol,
                        maxit == 0 ? DEFAULT_MAXIT : maxit, seed, tune->block, tune->basis, evals,
                        evecs, ldvec, rep);
}

typedef struct hvp_ctx {
    dln_loss *loss;
    const dln_net *net;
} hvp_ctx;

static dln_status apply_hvp(void *ctx, size_t k, const double *X, size_t ldx, double *Y,
                            size_t ldy)
{
    const hvp_ctx *c = ctx;
    return dln_loss_hvp_batch(c->loss, c->net, k, X, ldx, Y, ldy);
}

dln_status dlni_hessian_eigs(dln_loss *loss, const dln_net *net, dln_eig_which which, size_t k,
                             double tol, size_t maxit, uint64_t seed, const dlni_eig_tuning *tune,
                             double *evals, double *evecs, size_t ldvec, dln_eig_report *report)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st == DLN_OK) st = dlni_eig_check(loss, net->n, which, k, tol, evals, evecs, ldvec, report);
    if (st != DLN_OK) return st;
    dln_eig_report rep;
    memset(&rep, 0, sizeof rep);
    hvp_ctx ctx = {loss, net};
    dlni_op op = {net->n, apply_hvp, &ctx};
    st = dlni_op_eigs(loss, &op, which, k, tol, maxit, seed, tune, evals, evecs, ldvec, &rep);
    if (report && (st == DLN_OK || st == DLN_E_NOCONV)) dlni_report_put(report, &rep, sizeof rep);
    return st;
}

dln_status dln_loss_hessian_eigs(dln_loss *loss, const dln_net *net, dln_eig_which which,
                                 size_t k, double tol, size_t maxit, uint64_t seed, double *evals,
                                 double *evecs, size_t ldvec, dln_eig_report *report)
{
    const dlni_eig_tuning automatic = {DLNI_EIG_AUTO, 0, 0};
    return dlni_hessian_eigs(loss, net, which, k, tol, maxit, seed, &automatic, evals, evecs,
                             ldvec, report);
}
