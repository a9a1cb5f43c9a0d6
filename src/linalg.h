/* linalg.h - the only interface between libdlnet and CBLAS/LAPACKE.
 *
 * Every wrapper takes size_t dimensions that the caller has already checked
 * with la_fits() (handles check their shapes once at creation), so that BLAS
 * and LAPACK never see an out-of-range integer and never report an argument
 * error themselves. Matrices are column-major. Wrappers that need LAPACK
 * workspace allocate it (they are never called from a hot loop) and return
 * LA_NOMEM on allocation failure, or the positive LAPACK info on failure.
 * A LAPACK driver is never reached with a NaN or Inf in its input: LAPACK's
 * scaling (DLASCL) would report an illegal argument through XERBLA, which
 * prints; the wrappers check first and return LA_NONFINITE instead.
 */
#ifndef DLNET_LINALG_H
#define DLNET_LINALG_H

#include <stddef.h>

enum { LA_OK = 0, LA_NOMEM = -1, LA_NONFINITE = -2 };
enum { LA_N = 0, LA_T = 1 }; /* transpose flags */

/* 1 if x fits the BLAS/LAPACK integer type. */
int la_fits(size_t x);

/* C := alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n. */
void la_gemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc);
/* B := alpha B op(R) with R upper triangular n x n, B m x n. */
void la_trmm_right_upper(int trans, size_t m, size_t n, double alpha, const double *R, size_t ldr,
                         double *B, size_t ldb);
double la_dot(size_t n, const double *x, const double *y);
double la_nrm2(size_t n, const double *x);
void la_axpy(size_t n, double alpha, const double *x, double *y);
void la_scal(size_t n, double alpha, double *x);

/* Plain matrix helpers (no BLAS). */
void la_copy(size_t m, size_t n, const double *A, size_t lda, double *B, size_t ldb);
void la_copy_t(size_t m, size_t n, const double *A, size_t lda, double *B, size_t ldb); /* B = A^T */
void la_set(size_t m, size_t n, double value, double *A, size_t lda);
void la_set_identity(size_t m, size_t n, double *A, size_t lda); /* [I 0; 0 0] */
/* B := alpha A + B (m x n). */
void la_add(size_t m, size_t n, double alpha, const double *A, size_t lda, double *B, size_t ldb);
int la_all_finite(size_t m, size_t n, const double *A, size_t lda);
/* Frobenius norm of an m x n matrix (scaled, no overflow). */
double la_fro(size_t m, size_t n, const double *A, size_t lda);
/* ||a - b|| (b = NULL: ||a||) of n entries by LAPACK's dlassq recurrence: no
 * overflow or underflow whatever the BLAS (OpenBLAS's x86-64 dnrm2 relies on
 * the x87 extended exponent range, which valgrind does not emulate). */
double la_norm_safe(size_t n, const double *a, const double *b);

/* Thin SVD A = U diag(s) VT (A is overwritten); U m x k, VT k x n, k = min(m,n).
 * U or VT may be NULL (then not computed; both NULL: values only). */
int la_svd(size_t m, size_t n, double *A, size_t lda, double *s, double *U, size_t ldu, double *VT,
           size_t ldvt);
/* Spectral norm of A (A is preserved). */
int la_norm2(size_t m, size_t n, const double *A, size_t lda, double *out);
/* All eigenvalues (ascending) and, if Z != NULL, eigenvectors of symmetric A
 * (upper triangle used; A is overwritten). */
int la_syev(size_t n, double *A, size_t lda, double *w, double *Z, size_t ldz);
/* Thin QR: A (m x n, m >= n) is replaced by Q (m x n, orthonormal columns);
 * the diagonal of R goes to rdiag (length n) if not NULL. */
int la_qr_q(size_t m, size_t n, double *A, size_t lda, double *rdiag);
/* The same with caller workspace: la_qr_q_wsize(m, n) doubles (0: the LAPACK
 * query failed). No allocation (for repeated use). */
size_t la_qr_q_wsize(size_t m, size_t n);
int la_qr_q_ws(size_t m, size_t n, double *A, size_t lda, double *rdiag, double *work, size_t lwork);
/* The same with all of R (n x n, upper triangular, zeros below) into R
 * (leading dimension ldr); the workspace of la_qr_q_wsize(m, n). */
int la_qr_r_ws(size_t m, size_t n, double *A, size_t lda, double *R, size_t ldr, double *work, size_t lwork);
/* TSQR step: triangular A (n x n) and B (m x n) -> A := R of [A; B]
 * (B is overwritten). work: >= nb*n + nb*n doubles with nb = la_tpqrt_nb(n). */
size_t la_tpqrt_nb(size_t n);
int la_tpqrt(size_t m, size_t n, double *A, size_t lda, double *B, size_t ldb, double *work);

/* ---- spectrum ---- */
/* y := alpha op(A) x + beta y, A m x n (BLAS2; dgemm with one column packs A). */
void la_gemv(int ta, size_t m, size_t n, double alpha, const double *A, size_t lda,
             const double *x, double beta, double *y);
/* Doubles of workspace that la_syevr_ws() needs for order n (with eigenvectors,
 * any range); includes the integer work arrays. 0 on a LAPACK query failure. */
size_t la_syevr_wsize(size_t n);
/* Eigenvalues il..iu (1-based, ascending; 1 <= il <= iu <= n) of symmetric A
 * (upper triangle used; the upper triangle and the diagonal are overwritten,
 * the strict lower triangle is kept) into w[0..iu-il] (w has room for n), and
 * their eigenvectors into Z (n x (iu-il+1), ldz >= n) unless Z is NULL.
 * work: la_syevr_wsize(n) doubles. No allocation (for solver loops). */
int la_syevr_ws(size_t n, double *A, size_t lda, size_t il, size_t iu, double *w, double *Z,
                size_t ldz, double *work);
/* All eigenvalues (ascending) of a small symmetric A (both triangles read;
 * A is overwritten) into w[0..n-1]: Householder tridiagonalization here, the
 * values by LAPACK's dsterf. For orders below about 10, where dsyevr's fixed
 * costs (workspace query, ilaenv, BLAS-2 calls of length < n) are most of its
 * time; the same backward stability. work: 2n doubles. No allocation. */
int la_syev_small(size_t n, double *A, size_t lda, double *w, double *work);
/* The same on the orthogonal complement of the k independent columns of N
 * (n x k, k <= n; A N = 0 to rounding, e.g. known null vectors): the n - k
 * eigenvalues of Q2^T A Q2 with range(Q2) = range(N)^perp into w[0..n-k-1]
 * (ascending; the k zeros are the caller's). A and N are overwritten;
 * work: 2n doubles. No allocation. */
int la_syev_small_null(size_t n, double *A, size_t lda, size_t k, double *N, size_t ldn, double *w,
                       double *work);

/* ---- landscape analysis ---- */
/* B := alpha B op(R)^{-1} with R upper triangular n x n (nonsingular), B m x n. */
void la_trsm_right_upper(int trans, size_t m, size_t n, double alpha, const double *R, size_t ldr,
                         double *B, size_t ldb);

/* ---- error bounds ---- */
/* Doubles of workspace that la_polar_ws() needs for an m x k matrix (m >= k);
 * 0 on a LAPACK query failure. */
size_t la_polar_wsize(size_t m, size_t k);
/* Orthogonal polar factor Q = U V^T of A = U diag(s) V^T (m x k, m >= k;
 * A is overwritten) into Q (ldq >= m), by dgesdd. work: lwork doubles, at
 * least la_polar_wsize(m, k) (a workspace sized for a larger m x k also
 * serves). No allocation (for solver loops). */
int la_polar_ws(size_t m, size_t k, double *A, size_t lda, double *Q, size_t ldq, double *work,
                size_t lwork);
/* Doubles of workspace that la_svd_ws() needs for an m x n matrix, with
 * (vectors = 1) or without thin singular vectors; 0 on a query failure. */
size_t la_svd_wsize(size_t m, size_t n, int vectors);
/* Thin SVD A = U diag(s) VT by dgesdd (A is overwritten); U (m x k) and VT
 * (k x n), k = min(m, n), both computed or both NULL. work: lwork doubles,
 * at least la_svd_wsize(m, n, U != NULL). No allocation (for repeated use). */
int la_svd_ws(size_t m, size_t n, double *A, size_t lda, double *s, double *U, size_t ldu, double *VT,
              size_t ldvt, double *work, size_t lwork);

/* ---- optimizer overhead ---- */
/* x_1^2 + ... + x_n^2, unscaled (Inf on overflow, NaN if an entry is NaN or
 * Inf), by eight independent sums: faster than la_all_finite(). */
double la_sumsq(size_t n, const double *x);

/* ---- data summary ---- */
/* C := A A^T + beta C (upper triangle), A n x k. */
void la_syrk(size_t n, size_t k, const double *A, size_t lda, double beta, double *C, size_t ldc);
/* C := A^T A (upper triangle), A k x n. */
void la_syrk_t(size_t n, size_t k, const double *A, size_t lda, double *C, size_t ldc);
/* B := alpha op(R) B with R upper triangular m x m, B m x n. */
void la_trmm_left_upper(int trans, size_t m, size_t n, double alpha, const double *R, size_t ldr,
                        double *B, size_t ldb);
/* R := R^{-1} for upper triangular R (in place); positive info if singular. */
int la_trtri_upper(size_t n, double *R, size_t ldr);
/* Doubles of workspace la_trcon_upper() needs for order n. */
size_t la_trcon_wsize(size_t n);
/* Reciprocal condition number estimate (1-norm) of upper triangular R into
 * *rcond. work: la_trcon_wsize(n) doubles. No allocation. */
int la_trcon_upper(size_t n, const double *R, size_t ldr, double *rcond, double *work);
/* Cholesky factor A = U^T U into the upper triangle (the lower one is not
 * referenced); positive info if A is not positive definite. */
int la_potrf_upper(size_t n, double *A, size_t lda);

/* ---- summaries as values ---- */
/* TSQR merge: upper triangular A and B (n x n) -> A := R of [A; B]; only the
 * upper triangle of B is read (dtpqrt with l = n, about half the flops of
 * la_tpqrt on a square B; B is overwritten). work as for la_tpqrt. */
int la_tpqrt_tri(size_t n, double *A, size_t lda, double *B, size_t ldb, double *work);

/* Pivoted Cholesky P^T A P = R^T R of a symmetric PSD n x n matrix (dpstrf,
 * upper triangle), stopped when the largest remaining diagonal is <= tol:
 * *rank pivots were taken, piv[i] (0-based) is the column in position i. */
int la_pstrf(size_t n, double *A, size_t lda, double tol, int *piv, size_t *rank);
/* Householder QR of an m x n matrix (dgeqrf, blocked): reflectors below the
 * diagonal, R on and above it, tau (min(m, n)). */
int la_geqrf(size_t m, size_t n, double *A, size_t lda, double *tau);
/* C (m x n) := op(Q) C for Q = H_1 ... H_k of a QR factorization (dormqr,
 * from the left); work of la_ormqr_wsize(m, n, k) doubles (0: query failed). */
size_t la_ormqr_wsize(size_t m, size_t n, size_t k);
int la_ormqr(int trans, size_t m, size_t n, size_t k, const double *QR, size_t ldq,
             const double *tau, double *C, size_t ldc, double *work, size_t lwork);

#endif
