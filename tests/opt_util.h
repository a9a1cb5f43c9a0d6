/* opt_util.h - helpers shared by the optimizer suites (check_opt*.c):
 * test problems with independently known minima and LAPACK oracles. */
#ifndef DLNET_OPT_UTIL_H
#define DLNET_OPT_UTIL_H

#include "dlnet.h"

#include <stddef.h>

/* ||grad F|| at net (via dln_loss_grad). */
double ou_grad_norm(dln_loss *loss, const dln_net *net);
/* Smallest eigenvalue of the dense Hessian (dln_loss_hessian + LAPACKE_dsyev). */
double ou_min_hessian_eig(dln_loss *loss, const dln_net *net);
/* Extreme eigenvalues of the symmetric n x n matrix A (copied; LAPACKE_dsyev). */
void ou_sym_extremes(size_t n, const double *A, double *lmin, double *lmax);

/* Depth-1 least squares: X (d0 x m), Y (dL x m) random from seed; the
 * minimizer W* (dL x d0, from LAPACKE_dgels on X^T W^T = Y^T), F* and the
 * extreme eigenvalues of X X^T (those of the Hessian). */
typedef struct ou_lsq {
    size_t d0, dL, m;
    double *X, *Y, *Wstar, lmin, lmax, fstar;
    dln_loss *loss;
} ou_lsq;
void ou_lsq_make(ou_lsq *p, size_t d0, size_t dL, size_t m, unsigned seed);
/* A depth-1 net d0 -> dL with zero weights for the problem. */
dln_net *ou_lsq_net(const ou_lsq *p);
void ou_lsq_free(ou_lsq *p);

/* Roots of the L = 3, lam = 1 scalar equation s^4 - y s + 1 = 0
 * (regularized.md §2.3) by bisection: plus = 1 gives s_+ > s* = 3^{-1/4},
 * plus = 0 gives s_- < s*. */
double ou_root3(double y, int plus);

/* regularized.md §10.1: L = 3, widths 2-2-2-2, lam_l = 1, Ybar = diag(3, 1.9). */
dln_loss *ou_reg_example(void);
/* phi(p; y) = p^2/2 - y p + (3/2) p^{2/3} at the root p = s^3 of ou_root3
 * (regularized.md §2.4, L = 3, lam = 1): the change of F from matching y. */
double ou_phi3(double y, int plus);

/* Net with W_l = diag(w[0..d-1]) (d x d) for l = 1..L. */
dln_net *ou_diag_net(size_t L, size_t d, const double *w);

#endif
