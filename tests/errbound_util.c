/* errbound_util.c - see errbound_util.h. */
#include "errbound_util.h"

#include "linalg.h" /* la_syev: LAPACK eigenpairs for the oracle (not code under test) */

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Depths 2..5, bottlenecks, unequal lam, repeated and zero values. */
const eu_problem eu_problems[] = {
    {3, {2, 2, 2, 2}, {3.0, 1.9}, {1, 1, 1}, 0},                    /* regularized.md 10.1 */
    {3, {3, 5, 4, 2}, {3.0, 2.4}, {0.3, 0.5, 0.2}, 11},             /* wide, unequal lam */
    {2, {3, 4, 3}, {2.0, 1.2, 0.3}, {0.2, 0.4}, 12},                /* L = 2 */
    {4, {3, 3, 2, 3, 3}, {3.0, 3.0, 1.5}, {0.5, 1.0, 0.8, 1.2}, 13}, /* repeated, bottleneck */
    {2, {2, 1, 3}, {2.0, 1.0}, {0.5, 0.5}, 14},                     /* width-1 bottleneck */
    {5, {2, 3, 3, 3, 3, 2}, {4.0, 2.5}, {0.3, 0.3, 0.3, 0.3, 0.3}, 15},
    {3, {3, 3, 3, 3}, {2.0, 2.0, 2.0}, {0.5, 0.5, 0.5}, 16},         /* one value, m = 3 */
    {3, {3, 4, 4, 3}, {2.5, 0.0, 0.0}, {0.7, 0.7, 0.7}, 17},         /* rank-deficient target */
};
const size_t eu_num_problems = sizeof eu_problems / sizeof eu_problems[0];

void eu_setup_problem(const eu_problem *p, eu_setup *s)
{
    size_t d0 = p->w[0], dL = p->w[p->L];
    tu_rng rng;
    tu_seed(&rng, p->seed);
    double *Phi = malloc(dL * d0 * sizeof *Phi);
    if (p->seed == 0) { /* diagonal, as in the spec's worked example */
        memset(Phi, 0, dL * d0 * sizeof *Phi);
        for (size_t i = 0; i < (d0 < dL ? d0 : dL); i++) Phi[i + i * dL] = p->y[i];
    } else {
        lu_matrix_with_sv(&rng, dL, d0, p->y, Phi);
    }
    s->loss = lu_target_loss(dL, d0, Phi, p->L, p->lam);
    free(Phi);
    s->ls = lu_landscape(s->loss, p->L, p->w, &s->net);
    ck_assert_int_eq(dln_landscape_theory(s->ls), DLN_THEORY_REGULARIZED);
    s->n = dln_net_num_params(s->net);
    s->nv = dln_landscape_num_values(s->ls);
}

void eu_setup_free(eu_setup *s)
{
    dln_net_free(s->net);
    dln_landscape_free(s->ls);
    dln_loss_free(s->loss);
}

void eu_hess_eigh(dln_loss *loss, const dln_net *net, double *ev, double *V)
{
    size_t n = dln_net_num_params(net);
    double *H = malloc(n * n * sizeof *H);
    ck_assert_ok(dln_loss_hessian(loss, net, H, n));
    ck_assert_int_eq(la_syev(n, H, n, ev, V, n), LA_OK);
    free(H);
}

double eu_norm(const dln_net *net)
{
    size_t n = dln_net_num_params(net);
    double *t = malloc(n * sizeof *t), s = 0.0;
    ck_assert_ok(dln_net_get_params(net, t));
    for (size_t i = 0; i < n; i++) s += t[i] * t[i];
    free(t);
    return sqrt(s);
}

double eu_dist(const dln_net *a, const dln_net *b)
{
    size_t n = dln_net_num_params(a);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), s = 0.0;
    ck_assert_ok(dln_net_get_params(a, x));
    ck_assert_ok(dln_net_get_params(b, y));
    for (size_t i = 0; i < n; i++) s += (x[i] - y[i]) * (x[i] - y[i]);
    free(x), free(y);
    return sqrt(s);
}

double eu_gd_step(dln_loss *loss, dln_net *net, double eta, double *grad, double *theta)
{
    size_t n = dln_net_num_params(net);
    double g = 0.0;
    ck_assert_ok(dln_loss_grad(loss, net, NULL, grad));
    ck_assert_ok(dln_net_get_params(net, theta));
    for (size_t i = 0; i < n; i++) {
        g += grad[i] * grad[i];
        theta[i] -= eta * grad[i];
    }
    ck_assert_ok(dln_net_set_params(net, theta));
    return sqrt(g);
}

int eu_same_type(const dln_landscape *ls, const int *a, const int *b)
{
    size_t nv = dln_landscape_num_values(ls);
    double *y = malloc((nv + 1) * sizeof *y);
    ck_assert_ok(dln_landscape_values(ls, y));
    int same = 1;
    for (size_t i = 0; i < nv;) { /* group of equal values i..j-1 */
        size_t j = i + 1;
        while (j < nv && y[i] - y[j] <= 1e-10 * y[0]) j++;
        for (int lab = DLN_MATCH_NONE; lab <= DLN_MATCH_DOUBLE; lab++) {
            size_t ca = 0, cb = 0;
            for (size_t k = i; k < j; k++) ca += a[k] == lab, cb += b[k] == lab;
            same &= ca == cb;
        }
        i = j;
    }
    free(y);
    return same;
}

dln_dist_report eu_report(void)
{
    dln_dist_report r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    return r;
}
