/* linalg.c - thin wrappers over CBLAS and LAPACKE (see linalg.h). */
#include "linalg.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BI(x) ((int)(x))
#define LDX(x) ((int)((x) > 0 ? (x) : 1))

int la_fits(size_t x) { return x <= (size_t)INT_MAX; }

static CBLAS_TRANSPOSE tr(int t) { return t ? CblasTrans : CblasNoTrans; }

void la_gemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if (m == 0 || n == 0) return;
    if (k == 0) { /* BLAS would do the same; avoid reading A, B */
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < m; i++) C[i + j * ldc] = beta == 0.0 ? 0.0 : beta * C[i + j * ldc];
        return;
    }
    cblas_dgemm(CblasColMajor, tr(ta), tr(tb), BI(m), BI(n), BI(k), alpha, A, LDX(lda), B, LDX(ldb),
                beta, C, LDX(ldc));
}

void la_trmm_right_upper(int trans, size_t m, size_t n, double alpha, const double *R, size_t ldr,
                         double *B, size_t ldb)
{
    if (m == 0 || n == 0) return;
    cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, tr(trans), CblasNonUnit, BI(m), BI(n),
                alpha, R, LDX(ldr), B, LDX(ldb));
}

double la_dot(size_t n, const double *x, const double *y)
{
    return n ? cblas_ddot(BI(n), x, 1, y, 1) : 0.0;
}

double la_nrm2(size_t n, const double *x) { return n ? cblas_dnrm2(BI(n), x, 1) : 0.0; }

void la_axpy(size_t n, double alpha, const double *x, double *y)
{
    if (n) cblas_daxpy(BI(n), alpha, x, 1, y, 1);
}

void la_scal(size_t n, double alpha, double *x)
{
    if (n) cblas_dscal(BI(n), alpha, x, 1);
}

void la_copy(size_t m, size_t n, const double *A, size_t lda, double *B, size_t ldb)
{
    if (lda == m && ldb == m) {
        memmove(B, A, m * n * sizeof *A);
        return;
    }
    for (size_t j = 0; j < n; j++) memmove(B + j * ldb, A + j * lda, m * sizeof *A);
}

/* In square tiles, so that both the reads and the writes of a tile stay in
 * cache: a plain double loop writes with stride ldb and runs at a fraction of
 * the memory bandwidth on large matrices (the data summary's fallback path). */
void la_copy_t(size_t m, size_t n, const double *A, size_t lda, double *B, size_t ldb)
{
    enum { TILE = 32 };
    for (size_t j0 = 0; j0 < n; j0 += TILE) {
        size_t j1 = n - j0 < TILE ? n : j0 + TILE;
        for (size_t i0 = 0; i0 < m; i0 += TILE) {
            size_t i1 = m - i0 < TILE ? m : i0 + TILE;
            for (size_t j = j0; j < j1; j++)
                for (size_t i = i0; i < i1; i++) B[j + i * ldb] = A[i + j * lda];
        }
    }
}

void la_set(size_t m, size_t n, double value, double *A, size_t lda)
{
    if (value == 0.0 && !signbit(value)) { /* +0.0 is all-zero bits */
        if (lda == m)
            memset(A, 0, m * n * sizeof *A);
        else
            for (size_t j = 0; j < n; j++) memset(A + j * lda, 0, m * sizeof *A);
        return;
    }
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) A[i + j * lda] = value;
}

void la_set_identity(size_t m, size_t n, double *A, size_t lda)
{
    la_set(m, n, 0.0, A, lda);
    for (size_t i = 0; i < m && i < n; i++) A[i + i * lda] = 1.0;
}

void la_add(size_t m, size_t n, double alpha, const double *A, size_t lda, double *B, size_t ldb)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) B[i + j * ldb] += alpha * A[i + j * lda];
}

/* 1 if the m entries of x are finite. x * 0 is +-0 for a finite x and NaN
 * for Inf or NaN, so the sum below is 0 exactly when all are finite; eight
 * independent sums without branches run near memory speed (1.7x faster than
 * an isfinite() test per entry on the benchmark machine). */
static int finite_run(size_t m, const double *x)
{
    double s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= m; i += 8)
        for (int k = 0; k < 8; k++) s[k] += x[i + k] * 0.0;
    for (; i < m; i++) s[0] += x[i] * 0.0;
    double t = 0.0;
    for (int k = 0; k < 8; k++) t += s[k];
    return t == 0.0;
}

int la_all_finite(size_t m, size_t n, const double *A, size_t lda)
{
    if (lda == m) return finite_run(m * n, A);
    for (size_t j = 0; j < n; j++)
        if (!finite_run(m, A + j * lda)) return 0;
    return 1;
}

/* The dlassq recurrence: scale^2 ssq += sum (a_i - b_i)^2 without forming
 * a square that could overflow or underflow. */
static void ssq_add(size_t n, const double *a, const double *b, double *scale, double *ssq)
{
    for (size_t i = 0; i < n; i++) {
        double x = fabs(b ? a[i] - b[i] : a[i]);
        if (x == 0.0) continue;
        if (*scale < x) *ssq = 1.0 + *ssq * (*scale / x) * (*scale / x), *scale = x;
        else *ssq += (x / *scale) * (x / *scale);
    }
}

double la_norm_safe(size_t n, const double *a, const double *b)
{
    double scale = 0.0, ssq = 1.0;
    ssq_add(n, a, b, &scale, &ssq);
    return scale * sqrt(ssq);
}

double la_fro(size_t m, size_t n, const double *A, size_t lda)
{
    if (lda == m || n == 1) return la_nrm2(m * n, A);
    double scale = 0.0, ssq = 1.0; /* padded: one recurrence over the columns */
    for (size_t j = 0; j < n; j++) ssq_add(m, A + j * lda, NULL, &scale, &ssq);
    return scale * sqrt(ssq);
}

static int info_code(lapack_int info) { return info < 0 ? LA_NOMEM : (int)info; }

/* 1 if the upper triangle (diagonal included) of the n x n matrix A is finite:
 * the part the symmetric and triangular drivers read. */
static int upper_finite(size_t n, const double *A, size_t lda)
{
    for (size_t j = 0; j < n; j++)
        if (!la_all_finite(j + 1, 1, A + j * lda, lda)) return 0;
    return 1;
}

int la_svd(size_t m, size_t n, double *A, size_t lda, double *s, double *U, size_t ldu, double *VT,
           size_t ldvt)
{
    size_t k = m < n ? m : n;
    if (k == 0) return LA_OK;
    if (!la_all_finite(m, n, A, lda)) return LA_NONFINITE;
    char job = (U || VT) ? 'S' : 'N';
    double dummy = 0.0;
    double *u = U ? U : &dummy, *vt = VT ? VT : &dummy;
    size_t lu = U ? ldu : 1, lv = VT ? ldvt : 1;
    double *uu = NULL, *vv = NULL; /* gesdd computes both or neither */
    if (job == 'S' && !U) {
        uu = malloc(m * k * sizeof *uu);
        if (!uu) return LA_NOMEM;
        u = uu, lu = m;
    }
    if (job == 'S' && !VT) {
        vv = malloc(k * n * sizeof *vv);
        if (!vv) { free(uu); return LA_NOMEM; }
        vt = vv, lv = k;
    }
    lapack_int *iwork = malloc(8 * k * sizeof *iwork);
    double q = 0.0;
    lapack_int info = iwork ? LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, job, BI(m), BI(n), A, LDX(lda),
                                                  s, u, LDX(lu), vt, LDX(lv), &q, -1, iwork)
                            : -1;
    double *work = NULL;
    if (info == 0) {
        size_t lw = (size_t)q + 1;
        work = malloc(lw * sizeof *work);
        info = work ? LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, job, BI(m), BI(n), A, LDX(lda), s, u,
                                          LDX(lu), vt, LDX(lv), work, BI(lw), iwork)
                    : -1;
    }
    free(work), free(iwork), free(uu), free(vv);
    return info_code(info);
}

int la_norm2(size_t m, size_t n, const double *A, size_t lda, double *out)
{
    size_t k = m < n ? m : n;
    *out = 0.0;
    if (k == 0) return LA_OK;
    double *c = malloc((m * n + k) * sizeof *c);
    if (!c) return LA_NOMEM;
    la_copy(m, n, A, lda, c, m);
    int rc = la_svd(m, n, c, m, c + m * n, NULL, 1, NULL, 1);
    if (rc == LA_OK) *out = c[m * n];
    free(c);
    return rc;
}

/* Symmetric eigensolvers at extreme scales: with entries near 1e300 dsyevr
 * returned NaN eigenvectors with info = 0 (single-threaded OpenBLAS; found
 * by fuzz/fuzz_api.c). The upper triangle is scaled by a power of two
 * (exact) towards 1 first; the eigenvalues are scaled back, and a result that
 * is still not finite is reported as LA_NONFINITE. */
static int eig_scale(size_t n, double *A, size_t lda)
{
    double amax = 0.0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i <= j; i++) amax = fmax(amax, fabs(A[i + j * lda]));
    int e = amax > 0.0 ? ilogb(amax) : 0;
    if (e > -256 && e < 256) return 0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i <= j; i++) A[i + j * lda] = ldexp(A[i + j * lda], -e);
    return e;
}

static int eig_unscale(int rc, int e, size_t m, double *w, size_t n, const double *Z, size_t ldz)
{
    if (rc != LA_OK) return rc;
    for (size_t i = 0; i < m; i++) w[i] = ldexp(w[i], e);
    if (!la_all_finite(m, 1, w, m ? m : 1) || (Z && !la_all_finite(n, m, Z, ldz))) return LA_NONFINITE;
    return LA_OK;
}

int la_syev(size_t n, double *A, size_t lda, double *w, double *Z, size_t ldz)
{
    if (n == 0) return LA_OK;
    if (!upper_finite(n, A, lda)) return LA_NONFINITE;
    int e = eig_scale(n, A, lda);
    lapack_int m = 0, liw = 0;
    lapack_int *isuppz = malloc(2 * n * sizeof *isuppz);
    if (!isuppz) return LA_NOMEM;
    double q = 0.0, dummy = 0.0;
    lapack_int qi = 0;
    char jobz = Z ? 'V' : 'N';
    double *z = Z ? Z : &dummy;
    size_t lz = Z ? ldz : 1;
    lapack_int info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, jobz, 'A', 'U', BI(n), A, LDX(lda), 0.0,
                                          0.0, 0, 0, 0.0, &m, w, z, LDX(lz), isuppz, &q, -1, &qi,
                                          -1);
    double *work = NULL;
    lapack_int *iwork = NULL;
    if (info == 0) {
        size_t lw = (size_t)q + 1;
        liw = qi + 1;
        work = malloc(lw * sizeof *work);
        iwork = malloc((size_t)liw * sizeof *iwork);
        info = (work && iwork) ? LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, jobz, 'A', 'U', BI(n), A,
                                                     LDX(lda), 0.0, 0.0, 0, 0, 0.0, &m, w, z,
                                                     LDX(lz), isuppz, work, BI(lw), iwork, liw)
                               : -1;
    }
    free(work), free(iwork), free(isuppz);
    return eig_unscale(info_code(info), e, (size_t)m, w, n, Z, ldz);
}

size_t la_qr_q_wsize(size_t m, size_t n)
{
    if (n == 0) return 1;
    double q1 = 0.0, q2 = 0.0, dummy = 0.0;
    lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, BI(m), BI(n), &dummy, LDX(m), &dummy, &q1, -1);
    if (info == 0)
        info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, BI(m), BI(n), BI(n), &dummy, LDX(m), &dummy, &q2, -1);
    return info == 0 ? n + (size_t)(q1 > q2 ? q1 : q2) + 1 : 0;
}

/* Q into A; the diagonal of R into rdiag and/or R (upper, zeros below) into R when not NULL. */
static int qr_ws(size_t m, size_t n, double *A, size_t lda, double *rdiag, double *R, size_t ldr, double *work,
                 size_t lwork)
{
    if (n == 0) return LA_OK;
    if (!la_all_finite(m, n, A, lda)) return LA_NONFINITE;
    if (lwork <= n) return LA_NOMEM;
    double *tau = work, *w = work + n;
    lapack_int lw = BI(lwork - n);
    lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, BI(m), BI(n), A, LDX(lda), tau, w, lw);
    if (info == 0 && rdiag)
        for (size_t i = 0; i < n; i++) rdiag[i] = A[i + i * lda];
    if (info == 0 && R)
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++) R[i + j * ldr] = i <= j ? A[i + j * lda] : 0.0;
    if (info == 0) info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, BI(m), BI(n), BI(n), A, LDX(lda), tau, w, lw);
    return info_code(info);
}

int la_qr_q_ws(size_t m, size_t n, double *A, size_t lda, double *rdiag, double *work, size_t lwork)
{
    return qr_ws(m, n, A, lda, rdiag, NULL, 1, work, lwork);
}

int la_qr_r_ws(size_t m, size_t n, double *A, size_t lda, double *R, size_t ldr, double *work, size_t lwork)
{
    return qr_ws(m, n, A, lda, NULL, R, ldr, work, lwork);
}

int la_qr_q(size_t m, size_t n, double *A, size_t lda, double *rdiag)
{
    size_t lw = la_qr_q_wsize(m, n);
    double *work = lw ? malloc(lw * sizeof *work) : NULL;
    int rc = work ? la_qr_q_ws(m, n, A, lda, rdiag, work, lw) : LA_NOMEM;
    free(work);
    return rc;
}

size_t la_tpqrt_nb(size_t n) { return n < 32 ? (n ? n : 1) : 32; }

int la_tpqrt(size_t m, size_t n, double *A, size_t lda, double *B, size_t ldb, double *work)
{
    if (m == 0 || n == 0) return LA_OK;
    if (!upper_finite(n, A, lda) || !la_all_finite(m, n, B, ldb)) return LA_NONFINITE;
    size_t nb = la_tpqrt_nb(n);
    double *T = work, *w = work + nb * n;
    lapack_int info = LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, BI(m), BI(n), 0, BI(nb), A, LDX(lda), B,
                                          LDX(ldb), T, BI(nb), w);
    return info_code(info);
}

/* ---- spectrum ---- */
void la_gemv(int ta, size_t m, size_t n, double alpha, const double *A, size_t lda,
             const double *x, double beta, double *y)
{
    size_t ny = ta ? n : m, nx = ta ? m : n;
    if (ny == 0) return;
    if (nx == 0) { /* BLAS would do the same; avoid reading A, x */
        for (size_t i = 0; i < ny; i++) y[i] = beta == 0.0 ? 0.0 : beta * y[i];
        return;
    }
    cblas_dgemv(CblasColMajor, tr(ta), BI(m), BI(n), alpha, A, LDX(lda), x, 1, beta, y, 1);
}

/* Integer arrays of dsyevr (isuppz 2n, iwork liwork) live at the end of the
 * double workspace; ints_in_doubles converts their count. */
static size_t ints_in_doubles(size_t count)
{
    return (count * sizeof(lapack_int) + sizeof(double) - 1) / sizeof(double);
}

static int syevr_query(size_t n, size_t *lwork, size_t *liwork)
{
    double q = 0.0, dummy = 0.0;
    lapack_int qi = 0, m = 0, isuppz[2] = {0, 0};
    lapack_int info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'U', BI(n), &dummy, LDX(n),
                                          0.0, 0.0, 0, 0, 0.0, &m, &dummy, &dummy, LDX(n),
                                          isuppz, &q, -1, &qi, -1);
    *lwork = (size_t)q + 1, *liwork = (size_t)qi + 1;
    return info_code(info);
}

size_t la_syevr_wsize(size_t n)
{
    size_t lw = 0, liw = 0;
    if (n == 0 || syevr_query(n, &lw, &liw) != LA_OK) return 0;
    return lw + ints_in_doubles(liw + 2 * n);
}

int la_syevr_ws(size_t n, double *A, size_t lda, size_t il, size_t iu, double *w, double *Z,
                size_t ldz, double *work)
{
    if (n == 0) return LA_OK;
    if (!upper_finite(n, A, lda)) return LA_NONFINITE;
    size_t lw = 0, liw = 0;
    int rc = syevr_query(n, &lw, &liw);
    if (rc != LA_OK) return rc;
    int e = eig_scale(n, A, lda);
    lapack_int *isuppz = (lapack_int *)(work + lw), *iwork = isuppz + 2 * n, m = 0;
    double dummy = 0.0;
    char range = (il == 1 && iu == n) ? 'A' : 'I';
    lapack_int info = LAPACKE_dsyevr_work(
        LAPACK_COL_MAJOR, Z ? 'V' : 'N', range, 'U', BI(n), A, LDX(lda), 0.0, 0.0, BI(il),
        BI(iu), 0.0, &m, w, Z ? Z : &dummy, Z ? LDX(ldz) : 1, isuppz, work, BI(lw), iwork, BI(liw));
    return eig_unscale(info_code(info), e, (size_t)m, w, n, Z, ldz);
}

/* Householder vector of x (length m): x := v with H x = alpha e_1 for
 * H = I - tau v v^T; returns tau (0: x is already alpha e_1, H = I). */
static double householder(size_t m, double *x, double *alpha)
{
    double sigma = 0.0;
    for (size_t i = 1; i < m; i++) sigma += x[i] * x[i];
    if (sigma == 0.0) {
        *alpha = x[0];
        return 0.0;
    }
    double nrm = sqrt(x[0] * x[0] + sigma);
    *alpha = x[0] >= 0.0 ? -nrm : nrm;
    x[0] -= *alpha;
    return 2.0 / (x[0] * x[0] + sigma);
}

/* B := H B H for the full symmetric m x m B and H = I - tau v v^T (p: m doubles). */
static void reflect_both(size_t m, double *B, size_t ldb, const double *v, double tau, double *p)
{
    double vp = 0.0;
    for (size_t i = 0; i < m; i++) { /* p = tau B v */
        double acc = 0.0;
        for (size_t j = 0; j < m; j++) acc += B[i + j * ldb] * v[j];
        p[i] = tau * acc, vp += v[i] * p[i];
    }
    for (size_t i = 0; i < m; i++) p[i] -= 0.5 * tau * vp * v[i]; /* q = p - (tau v^T p / 2) v */
    for (size_t j = 0; j < m; j++)
        for (size_t i = 0; i < m; i++) B[i + j * ldb] -= v[i] * p[j] + p[i] * v[j];
}

/* Householder reduction of the full symmetric A (n >= 2) to tridiagonal
 * (diagonal d, off-diagonal e), as dsytd2 does; A is overwritten, p: n doubles. */
static void tridiagonalize(size_t n, double *A, size_t lda, double *d, double *e, double *p)
{
    for (size_t k = 0; k + 2 < n; k++) {
        double *v = A + (k + 1) + k * lda; /* column k below the diagonal */
        double tau = householder(n - k - 1, v, &e[k]);
        if (tau != 0.0) reflect_both(n - k - 1, A + (k + 1) * (lda + 1), lda, v, tau, p);
    }
    for (size_t i = 0; i < n; i++) d[i] = A[i + i * lda];
    e[n - 2] = A[(n - 1) + (n - 2) * lda];
}

/* Checks and scales the full symmetric A like eig_scale (which scales the
 * upper triangle only); returns LA_OK or LA_NONFINITE, the exponent in *e. */
static int small_prepare(size_t n, double *A, size_t lda, int *e)
{
    if (!la_all_finite(n, n, A, lda)) return LA_NONFINITE;
    *e = eig_scale(n, A, lda);
    if (*e) /* the lower triangle from the scaled upper one */
        for (size_t j = 0; j < n; j++)
            for (size_t i = j + 1; i < n; i++) A[i + j * lda] = A[j + i * lda];
    return LA_OK;
}

/* Eigenvalues of the full symmetric A (scaled by eig_scale) into w, ascending. */
static int values_small(size_t n, double *A, size_t lda, double *w, double *work)
{
    if (n == 1) w[0] = A[0];
    else tridiagonalize(n, A, lda, w, work, work + n);
    lapack_int info = n > 1 ? LAPACKE_dsterf_work(BI(n), w, work) : 0;
    return info_code(info);
}

int la_syev_small(size_t n, double *A, size_t lda, double *w, double *work)
{
    int e = 0;
    if (n == 0) return LA_OK;
    if (small_prepare(n, A, lda, &e) != LA_OK) return LA_NONFINITE;
    return eig_unscale(values_small(n, A, lda, w, work), e, n, w, n, NULL, 1);
}

int la_syev_small_null(size_t n, double *A, size_t lda, size_t k, double *N, size_t ldn, double *w,
                       double *work)
{
    int e = 0;
    if (n == k) return LA_OK;
    if (!la_all_finite(n, k, N, ldn) || small_prepare(n, A, lda, &e) != LA_OK) return LA_NONFINITE;
    for (size_t c = 0; c < k; c++) { /* A := Q^T A Q with N = Q R, one reflector per column */
        double *v = N + c + c * ldn, alpha, tau = householder(n - c, v, &alpha);
        if (tau == 0.0) continue;
        for (size_t j = c + 1; j < k; j++) { /* the later columns of N */
            double *x = N + c + j * ldn, dot = 0.0;
            for (size_t i = 0; i < n - c; i++) dot += v[i] * x[i];
            for (size_t i = 0; i < n - c; i++) x[i] -= tau * dot * v[i];
        }
        reflect_both(n - c, A + c * (lda + 1), lda, v, tau, work);
    }
    double *B = A + k * (lda + 1); /* the complement of range(N) */
    return eig_unscale(values_small(n - k, B, lda, w, work), e, n - k, w, n - k, NULL, 1);
}

/* ---- landscape analysis ---- */
void la_trsm_right_upper(int trans, size_t m, size_t n, double alpha, const double *R, size_t ldr,
                         double *B, size_t ldb)
{
    if (m == 0 || n == 0) return;
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, tr(trans), CblasNonUnit, BI(m), BI(n),
                alpha, R, LDX(ldr), B, LDX(ldb));
}

/* ---- error bounds ---- */
/* The workspace wrappers use the divide-and-conquer SVD (dgesdd): 12-20 times
 * faster than dgesvd at the sizes of the distance computation on the
 * benchmark machine (docs/performance.md). Its integer workspace of 8 k
 * entries sits at the end of the caller's double workspace. */
static size_t iwork_doubles(size_t k)
{
    return (8 * k * sizeof(lapack_int) + sizeof(double) - 1) / sizeof(double);
}

static size_t gesdd_lwork(size_t m, size_t n, char job)
{
    double q = 0.0, dummy = 0.0;
    lapack_int idummy = 0;
    size_t k = m < n ? m : n;
    lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, job, BI(m), BI(n), &dummy, LDX(m), &dummy,
                                          &dummy, LDX(m), &dummy, LDX(k), &q, -1, &idummy);
    return info == 0 ? (size_t)q + 1 + iwork_doubles(k) : 0;
}

/* dgesdd on a workspace of lwork doubles laid out as [work | iwork]. */
static lapack_int gesdd_ws(char job, size_t m, size_t n, double *A, size_t lda, double *s, double *U,
                           size_t ldu, double *VT, size_t ldvt, double *work, size_t lwork)
{
    size_t k = m < n ? m : n, iw = iwork_doubles(k);
    if (lwork <= iw) return -1;
    lapack_int *iwork = (lapack_int *)(void *)(work + (lwork - iw));
    return LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, job, BI(m), BI(n), A, LDX(lda), s, U, LDX(ldu), VT,
                               LDX(ldvt), work, BI(lwork - iw), iwork);
}

size_t la_svd_wsize(size_t m, size_t n, int vectors)
{
    if (m == 0 || n == 0) return 1;
    return gesdd_lwork(m, n, vectors ? 'S' : 'N');
}

int la_svd_ws(size_t m, size_t n, double *A, size_t lda, double *s, double *U, size_t ldu, double *VT,
              size_t ldvt, double *work, size_t lwork)
{
    if (m == 0 || n == 0) return LA_OK;
    if (!la_all_finite(m, n, A, lda)) return LA_NONFINITE;
    double dummy = 0.0;
    lapack_int info = U ? gesdd_ws('S', m, n, A, lda, s, U, ldu, VT, ldvt, work, lwork)
                        : gesdd_ws('N', m, n, A, lda, s, &dummy, 1, &dummy, 1, work, lwork);
    return info_code(info);
}

size_t la_polar_wsize(size_t m, size_t k)
{
    if (k == 0) return 1;
    size_t lw = gesdd_lwork(m, k, 'S');
    return lw ? lw + m * k + k * k + k : 0;
}

int la_polar_ws(size_t m, size_t k, double *A, size_t lda, double *Q, size_t ldq, double *work,
                size_t lwork)
{
    if (k == 0) return LA_OK;
    if (!la_all_finite(m, k, A, lda)) return LA_NONFINITE;
    size_t extra = m * k + k * k + k;
    if (lwork <= extra) return LA_NOMEM;
    double *U = work, *VT = U + m * k, *s = VT + k * k, *w = s + k;
    lapack_int info = gesdd_ws('S', m, k, A, lda, s, U, m, VT, k, w, lwork - extra);
    if (info == 0) la_gemm(LA_N, LA_N, m, k, k, 1.0, U, m, VT, k, 0.0, Q, ldq);
    return info_code(info);
}

/* ---- optimizer overhead ---- */

/* Eight sums in named variables: GCC -O2 keeps them in registers (an array
 * of sums stays in memory, 2.5x slower on the benchmark machine). */
double la_sumsq(size_t n, const double *x)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 += x[i] * x[i], s1 += x[i + 1] * x[i + 1];
        s2 += x[i + 2] * x[i + 2], s3 += x[i + 3] * x[i + 3];
        s4 += x[i + 4] * x[i + 4], s5 += x[i + 5] * x[i + 5];
        s6 += x[i + 6] * x[i + 6], s7 += x[i + 7] * x[i + 7];
    }
    for (; i < n; i++) s0 += x[i] * x[i];
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

/* ---- data summary ---- */
void la_syrk(size_t n, size_t k, const double *A, size_t lda, double beta, double *C, size_t ldc)
{
    if (n == 0) return;
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, BI(n), BI(k), 1.0, A, LDX(lda), beta, C,
                LDX(ldc));
}

void la_syrk_t(size_t n, size_t k, const double *A, size_t lda, double *C, size_t ldc)
{
    if (n == 0) return;
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, BI(n), BI(k), 1.0, A, LDX(lda), 0.0, C, LDX(ldc));
}

void la_trmm_left_upper(int trans, size_t m, size_t n, double alpha, const double *R, size_t ldr,
                        double *B, size_t ldb)
{
    if (m == 0 || n == 0) return;
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, tr(trans), CblasNonUnit, BI(m), BI(n),
                alpha, R, LDX(ldr), B, LDX(ldb));
}

int la_trtri_upper(size_t n, double *R, size_t ldr)
{
    if (n == 0) return LA_OK;
    return info_code(LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', BI(n), R, LDX(ldr)));
}

size_t la_trcon_wsize(size_t n) { return 3 * n + ints_in_doubles(n) + 1; }

int la_trcon_upper(size_t n, const double *R, size_t ldr, double *rcond, double *work)
{
    if (n == 0) {
        *rcond = 1.0;
        return LA_OK;
    }
    lapack_int *iwork = (lapack_int *)(work + 3 * n);
    return info_code(LAPACKE_dtrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', BI(n), R, LDX(ldr), rcond,
                                         work, iwork));
}

int la_potrf_upper(size_t n, double *A, size_t lda)
{
    if (n == 0) return LA_OK;
    return info_code(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', BI(n), A, LDX(lda)));
}

/* ---- summaries as values ---- */
int la_tpqrt_tri(size_t n, double *A, size_t lda, double *B, size_t ldb, double *work)
{
    if (n == 0) return LA_OK;
    size_t nb = la_tpqrt_nb(n);
    double *T = work, *w = work + nb * n;
    lapack_int info = LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, BI(n), BI(n), BI(n), BI(nb), A, LDX(lda),
                                          B, LDX(ldb), T, BI(nb), w);
    return info_code(info);
}

int la_pstrf(size_t n, double *A, size_t lda, double tol, int *piv, size_t *rank)
{
    *rank = 0;
    if (n == 0) return LA_OK;
    lapack_int *p = malloc(n * sizeof *p), r = 0;
    double *work = malloc(2 * n * sizeof *work);
    lapack_int info = (p && work) ? LAPACKE_dpstrf_work(LAPACK_COL_MAJOR, 'U', BI(n), A, LDX(lda),
                                                        p, &r, tol, work)
                                  : -1;
    if (info >= 0) { /* info = 1: rank deficient, which is an answer here */
        info = 0, *rank = (size_t)r;
        for (size_t i = 0; i < n; i++) piv[i] = (int)p[i] - 1;
    }
    free(p), free(work);
    return info_code(info);
}

int la_geqrf(size_t m, size_t n, double *A, size_t lda, double *tau)
{
    if (m == 0 || n == 0) return LA_OK;
    double q = 0.0, *work = NULL;
    lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, BI(m), BI(n), A, LDX(lda), tau, &q, -1);
    if (info == 0) {
        size_t lw = (size_t)q + 1;
        work = malloc(lw * sizeof *work);
        info = work ? LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, BI(m), BI(n), A, LDX(lda), tau, work,
                                          BI(lw))
                    : -1;
    }
    free(work);
    return info_code(info);
}

size_t la_ormqr_wsize(size_t m, size_t n, size_t k)
{
    if (m == 0 || n == 0 || k == 0) return 1;
    double q = 0.0, dummy = 0.0;
    lapack_int info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', BI(m), BI(n), BI(k), &dummy,
                                          LDX(m), &dummy, &dummy, LDX(m), &q, -1);
    return info == 0 ? (size_t)q + 1 : 0;
}

int la_ormqr(int trans, size_t m, size_t n, size_t k, const double *QR, size_t ldq,
             const double *tau, double *C, size_t ldc, double *work, size_t lwork)
{
    if (m == 0 || n == 0 || k == 0) return LA_OK;
    lapack_int info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', trans ? 'T' : 'N', BI(m), BI(n),
                                          BI(k), (double *)QR, LDX(ldq), tau, C, LDX(ldc), work,
                                          BI(lwork));
    return info_code(info);
}
