/* errbound_util.h - problems and oracles shared by the error-bound suites:
 * regularized target problems with prescribed singular values, dense
 * Hessian eigenpairs (LAPACK, independent of the block spectrum), and a
 * hand-written gradient-descent step. */
#ifndef DLNET_ERRBOUND_UTIL_H
#define DLNET_ERRBOUND_UTIL_H

#include "landscape_util.h"

/* A regularized target problem: Phi = U diag(y) V^T with random orthogonal
 * U, V (from seed), depth L, widths w[0..L], coefficients lam[0..L-1]. */
typedef struct eu_problem {
    size_t L;
    size_t w[8];
    double y[4];     /* min(w[0], w[L]) values */
    double lam[7];
    uint64_t seed;
} eu_problem;

/* Problems used throughout (regularized.md 10.1 first). */
extern const eu_problem eu_problems[];
extern const size_t eu_num_problems;

/* The problem's loss, landscape and a zero net of its widths. */
typedef struct eu_setup {
    dln_loss *loss;
    dln_landscape *ls;
    dln_net *net;
    size_t n, nv;
} eu_setup;
void eu_setup_problem(const eu_problem *p, eu_setup *s);
void eu_setup_free(eu_setup *s);

/* All eigenpairs of the dense Hessian: ev ascending (n), V n x n orthonormal. */
void eu_hess_eigh(dln_loss *loss, const dln_net *net, double *ev, double *V);
/* ||theta|| of a net, and ||a - b|| of two nets of one shape. */
double eu_norm(const dln_net *net);
double eu_dist(const dln_net *a, const dln_net *b);
/* One step W <- W - eta grad F; returns ||grad F(W)|| before the step. */
double eu_gd_step(dln_loss *loss, dln_net *net, double eta, double *grad, double *theta);
/* 1 if two patterns have the same multiset of labels in every block of ls. */
int eu_same_type(const dln_landscape *ls, const int *a, const int *b);
/* A dist report with struct_size set. */
dln_dist_report eu_report(void);

#endif
