/* landscape_util.h - independent oracles for the landscape suites: dense
 * Hessian eigenvalues through LAPACKE directly, random matrices with given
 * singular values, long double thresholds and roots of the regularized
 * scalar equation, and a straight-line descent search. */
#ifndef DLNET_LANDSCAPE_UTIL_H
#define DLNET_LANDSCAPE_UTIL_H

#include "testutil.h"

/* All n Hessian eigenvalues (ascending) of loss at net (dense Hessian, dsyev). */
void lu_hess_eigs(dln_loss *loss, const dln_net *net, double *ev);
/* Random orthogonal m x m (QR of a Gaussian matrix via modified Gram-Schmidt). */
void lu_orth(tu_rng *r, size_t m, double *Q);
/* A = U diag(s) V^T (m x n, ld m) with random orthogonal U, V; s has min(m,n) entries. */
/* Sort s[0..n) in decreasing order (insertion sort: n is small). */
void lu_sort_desc(size_t n, double *s);
void lu_matrix_with_sv(tu_rng *r, size_t m, size_t n, const double *s, double *A);
/* Thresholds of regularized.md 2.3 in long double. */
long double lu_ystar(size_t L, long double lam);
long double lu_yhat(size_t L, long double lam);
long double lu_sstar(size_t L, long double lam);
/* Roots by long double bisection in t = ln s; returns their number (0, 1 or 2):
 * s[0] = s_+ (or the only root), s[1] = s_-; dH[i] = |dH/dt| of the normalized H. */
int lu_roots(size_t L, long double lam, long double y, long double *s, long double *dH);
/* Regularized global value of the reduced problem (without 1/2 ||Ybar||^2):
 * sum over the dmin largest y of min(0, phi(p_+)), phi from the long double roots. */
double lu_reg_fstar_shift(size_t L, long double lam, const double *y, size_t ny, size_t dmin);
/* min over the ndir directions (columns of D, n x ndir), signs and t in steps of
 * F(W + t d/||d||) - F(W); a negative result is a descent found. */
double lu_line_descent(dln_loss *loss, const dln_net *net, size_t ndir, const double *D,
                       const double *steps, size_t nsteps);
/* Number of eigenvalues with |ev| <= tol. */
size_t lu_count_small(size_t n, const double *ev, double tol);
/* Create a target loss Phi (dL x d0) with per-layer l2 (lam may be NULL: none). */
dln_loss *lu_target_loss(size_t dL, size_t d0, const double *Phi, size_t L, const double *lam);

/* The loss of regularized.md 10.1: target diag(3, 1.9), lam_l = 1 (any depth). */
dln_loss *lu_example_101(void);
/* A landscape of loss for widths w (depth L) and a zero net of the same widths. */
dln_landscape *lu_landscape(dln_loss *loss, size_t L, const size_t *w, dln_net **net);

#endif
