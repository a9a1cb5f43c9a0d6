/* spectrum_util.h - seeded problems of every shape for the spectrum_*
 * suites, and dense references computed independently with LAPACKE. */
#ifndef DLNET_SPECTRUM_UTIL_H
#define DLNET_SPECTRUM_UTIL_H

#include "testutil.h"

typedef struct su_case {
    dln_loss *loss;
    dln_net *net;
    size_t L, n, d[8];
    int data, reg, mean; /* data (else target) loss, weight decay, mean form */
    char desc[96];
} su_case;

/* Case i of a cycle over depth 1-6, square / bottleneck / rectangular
 * widths, data (sometimes rank-deficient, m < d_0) or target, with or
 * without weight decay, mean or sum; widths <= max_w. */
su_case su_make(size_t i, size_t max_w);
void su_free(su_case *c);
/* Dense Hessian (n x n, malloc'd). */
double *su_hessian(su_case *c);
/* All eigenvalues (ascending) of the symmetric n x n matrix A (ld lda). */
void su_eigs(size_t n, const double *A, size_t lda, double *w);
/* Eigenvalues of the principal submatrix of H on rows/cols off..off+m-1. */
void su_block_eigs(const double *H, size_t n, size_t off, size_t m, double *w);

#endif
