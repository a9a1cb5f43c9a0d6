/* opt_util.c - see opt_util.h. */
#include "opt_util.h"
#include "testutil.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double ou_grad_norm(dln_loss *loss, const dln_net *net)
{
    size_t n = dln_net_num_params(net);
    double *g = malloc(n * sizeof *g), s = 0.0;
    ck_assert_ok(dln_loss_grad(loss, net, NULL, g));
    for (size_t i = 0; i < n; i++) s += g[i] * g[i];
    free(g);
    return sqrt(s);
}

void ou_sym_extremes(size_t n, const double *A, double *lmin, double *lmax)
{
    double *B = malloc(n * n * sizeof *B), *w = malloc(n * sizeof *w);
    memcpy(B, A, n * n * sizeof *B);
    ck_assert_int_eq(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)n, B, (lapack_int)n, w), 0);
    if (lmin) *lmin = w[0];
    if (lmax) *lmax = w[n - 1];
    free(B), free(w);
}

double ou_min_hessian_eig(dln_loss *loss, const dln_net *net)
{
    size_t n = dln_net_num_params(net);
    double *H = malloc(n * n * sizeof *H), e;
    ck_assert_ok(dln_loss_hessian(loss, net, H, n));
    ou_sym_extremes(n, H, &e, NULL);
    free(H);
    return e;
}

void ou_lsq_make(ou_lsq *p, size_t d0, size_t dL, size_t m, unsigned seed)
{
    tu_rng r;
    tu_seed(&r, seed);
    p->d0 = d0, p->dL = dL, p->m = m;
    p->X = malloc(d0 * m * sizeof *p->X);
    p->Y = malloc(dL * m * sizeof *p->Y);
    p->Wstar = malloc(dL * d0 * sizeof *p->Wstar);
    tu_fill(&r, d0 * m, p->X);
    tu_fill(&r, dL * m, p->Y);
    /* min ||X^T B - Y^T|| over B = W^T (d0 x dL) */
    double *A = malloc(m * d0 * sizeof *A), *B = malloc(m * dL * sizeof *B);
    for (size_t i = 0; i < d0; i++)
        for (size_t j = 0; j < m; j++) A[j + i * m] = p->X[i + j * d0];
    for (size_t i = 0; i < dL; i++)
        for (size_t j = 0; j < m; j++) B[j + i * m] = p->Y[i + j * dL];
    ck_assert_int_eq(LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)m, (lapack_int)d0,
                                   (lapack_int)dL, A, (lapack_int)m, B, (lapack_int)m),
                     0);
    for (size_t i = 0; i < dL; i++)
        for (size_t j = 0; j < d0; j++) p->Wstar[i + j * dL] = B[j + i * m];
    double *S = calloc(d0 * d0, sizeof *S); /* X X^T */
    for (size_t i = 0; i < d0; i++)
        for (size_t j = 0; j < d0; j++)
            for (size_t k = 0; k < m; k++) S[i + j * d0] += p->X[i + k * d0] * p->X[j + k * d0];
    ou_sym_extremes(d0, S, &p->lmin, &p->lmax);
    p->fstar = 0.0; /* 1/2 ||W* X - Y||^2 */
    for (size_t k = 0; k < m; k++)
        for (size_t i = 0; i < dL; i++) {
            double res = -p->Y[i + k * dL];
            for (size_t j = 0; j < d0; j++) res += p->Wstar[i + j * dL] * p->X[j + k * d0];
            p->fstar += 0.5 * res * res;
        }
    free(A), free(B), free(S);
    p->loss = NULL;
    ck_assert_ok(dln_loss_create_data(&p->loss, d0, dL, m, p->X, d0, p->Y, dL));
}

dln_net *ou_lsq_net(const ou_lsq *p)
{
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 1, (const size_t[]){p->d0, p->dL}));
    return net;
}

void ou_lsq_free(ou_lsq *p)
{
    free(p->X), free(p->Y), free(p->Wstar);
    dln_loss_free(p->loss);
}

double ou_root3(double y, int plus)
{
    double sstar = pow(3.0, -0.25), lo, hi;
    if (plus)
        lo = sstar, hi = y + 1.0; /* h(s) = s^3 + 1/s - y > 0 for s >= y + 1 */
    else
        lo = 0.0, hi = sstar;     /* h -> +Inf as s -> 0 */
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi), h = mid * mid * mid + 1.0 / mid - y;
        /* h decreases on (0, s*) and increases after */
        if ((h > 0.0) == (plus != 0)) hi = mid;
        else lo = mid;
    }
    return 0.5 * (lo + hi);
}

dln_loss *ou_reg_example(void)
{
    const double Ybar[4] = {3.0, 0.0, 0.0, 1.9};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 2, 2, Ybar, 2));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 1.0));
    return loss;
}

double ou_phi3(double y, int plus)
{
    double s = ou_root3(y, plus), p = s * s * s;
    return 0.5 * p * p - y * p + 1.5 * s * s; /* p^{2/3} = s^2 */
}

dln_net *ou_diag_net(size_t L, size_t d, const double *w)
{
    size_t *dims = malloc((L + 1) * sizeof *dims);
    for (size_t l = 0; l <= L; l++) dims[l] = d;
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, L, dims));
    double *W = calloc(d * d, sizeof *W);
    for (size_t i = 0; i < d; i++) W[i + i * d] = w[i];
    for (size_t l = 1; l <= L; l++) ck_assert_ok(dln_net_set_layer(net, l, W, d, DLN_COL_MAJOR));
    free(W), free(dims);
    return net;
}
