/* oracle.h - reference computations for the tests, independent of libdlnet.
 *
 * Everything here works on the raw data (X, Y or Phi) with naive loops and
 * never calls the library. The loss and its gradient are evaluated as the
 * holomorphic extension to complex weights (C99 double complex): products
 * and transposes without conjugation, squared norms as sum z^2, so that
 * Im F(theta + i h D) / h = <grad F, D> and Im grad F(theta + i h D) / h =
 * H[D] up to O(h^2) (complex step, derivatives.md §8.1). */
#ifndef DLNET_TESTS_ORACLE_H
#define DLNET_TESTS_ORACLE_H

#include <complex.h>
#include <stddef.h>

/* A loss on raw data: data form when X != NULL, target form otherwise:
 *   w/2 ||W_{L:1} X - Y||^2 + sum lam_l/2 ||W_l||^2   or
 *   1/2 ||W_{L:1} - Phi||^2 + sum lam_l/2 ||W_l||^2. */
typedef struct orc_problem {
    size_t L;
    const size_t *d;     /* widths d_0..d_L */
    const double *X, *Y; /* d_0 x m (ldx), d_L x m (ldy); NULL for the target form */
    size_t m, ldx, ldy;
    const double *Phi;   /* d_L x d_0 (ldphi), target form */
    size_t ldphi;
    double w;            /* weight of the data term: 1 (sum) or 1/m (mean) */
    const double *lam;   /* lam_1..lam_L, or NULL for none */
} orc_problem;

size_t orc_num_params(size_t L, const size_t *d);

/* Holomorphic F and grad F at complex weights theta (theta layout). */
double complex orc_value_c(const orc_problem *p, const double complex *theta);
void orc_grad_c(const orc_problem *p, const double complex *theta, double complex *grad);

/* F and grad F at real weights. */
double orc_value(const orc_problem *p, const double *theta);
void orc_grad(const orc_problem *p, const double *theta, double *grad);

/* Complex-step derivatives at real theta along dir (h = 1e-20 / max(1, ||dir||)). */
double orc_cs_dir(const orc_problem *p, const double *theta, const double *dir);
void orc_cs_hvp(const orc_problem *p, const double *theta, const double *dir, double *hv);

/* C = op(A) op(B) (m x n, inner k), naive; ta/tb nonzero means transpose. */
void orc_matmul(size_t m, size_t n, size_t k, const double *A, size_t lda, int ta,
                const double *B, size_t ldb, int tb, double *C, size_t ldc);
/* W_{j:i} (d_j x d_{i-1}, ld) from theta, naive; j = i-1 gives the identity. */
void orc_product(size_t L, const size_t *d, const double *theta, size_t j, size_t i, double *out,
                 size_t ld);
/* max(a, b) and max_i |a_i - b_i|, max_i |a_i| that propagate NaN (unlike
 * fmax, which drops it and would hide a missing output). */
double orc_max(double a, double b);
double orc_maxdiff(size_t n, const double *a, const double *b);
double orc_maxabs(size_t n, const double *a);
/* Frobenius norm of an m x n matrix and <A, B>. */
double orc_fro(size_t m, size_t n, const double *A, size_t lda);
double orc_dot(size_t n, const double *a, const double *b);

/* Print "label: value" to stderr when DLN_TEST_REPORT is set (measured
 * accuracies for the reports; silent otherwise). */
void orc_note(const char *label, double value);

#endif
