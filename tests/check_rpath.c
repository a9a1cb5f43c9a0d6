/* check_rpath.c - value, gradient and HVP on both sides of DLNI_R_GEMM_BELOW.
 *
 * The products with the triangular factor R of the data summary run as GEMMs
 * below that input width and as TRMMs from it on (a speed choice, see
 * src/internal.h), on the input side (d_0 <= d_L) and the output side. Both
 * paths are checked against an independent oracle: the direct data form
 * 1/2 ||W_L ... W_1 X - Y||^2 + lam/2 sum ||W_l||^2 with its gradient by plain
 * backpropagation over the samples, and H v as the derivative of that
 * gradient along v, which is exact here: t -> grad(W + t v) is a polynomial of
 * degree 2L - 1 = 5, and the 6-point central formula is exact up to degree 6. */
#include "internal.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { L = 3 };

typedef struct problem {
    size_t d[L + 1], m, n;
    double lam, *X, *Y;
} problem;

/* C = op(A) op(B) + beta C by plain loops; op(A) r x k, op(B) k x c. */
static void mm(int ta, int tb, size_t r, size_t c, size_t k, const double *A, size_t lda,
               const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    for (size_t j = 0; j < c; j++)
        for (size_t i = 0; i < r; i++) {
            double s = 0.0;
            for (size_t p = 0; p < k; p++)
                s += (ta ? A[p + i * lda] : A[i + p * lda]) * (tb ? B[j + p * ldb] : B[p + j * ldb]);
            C[i + j * ldc] = s + (beta == 0.0 ? 0.0 : beta * C[i + j * ldc]);
        }
}

/* Direct loss value and gradient (backpropagation over the m samples). */
static double direct_grad(const problem *p, const double *theta, double *grad)
{
    const size_t *d = p->d, m = p->m;
    const double *W[L];
    double *H[L + 1], f = 0.0;
    size_t off = 0;
    for (size_t l = 1; l <= L; l++) W[l - 1] = theta + off, off += d[l] * d[l - 1];
    H[0] = (double *)p->X;
    for (size_t l = 1; l <= L; l++) {
        H[l] = malloc(d[l] * m * sizeof *H[l]);
        mm(0, 0, d[l], m, d[l - 1], W[l - 1], d[l], H[l - 1], d[l - 1], 0.0, H[l], d[l]);
    }
    double *delta = H[L]; /* residual P X - Y, then backpropagated */
    for (size_t i = 0; i < d[L] * m; i++) delta[i] -= p->Y[i], f += 0.5 * delta[i] * delta[i];
    off = p->n;
    for (size_t l = L; l >= 1; l--) {
        off -= d[l] * d[l - 1];
        double *g = grad + off;
        for (size_t i = 0; i < d[l] * d[l - 1]; i++) g[i] = p->lam * W[l - 1][i];
        mm(0, 1, d[l], d[l - 1], m, delta, d[l], H[l - 1], d[l - 1], 1.0, g, d[l]);
        for (size_t i = 0; i < d[l] * d[l - 1]; i++) f += 0.5 * p->lam * W[l - 1][i] * W[l - 1][i];
        if (l > 1) { /* delta <- W_l^T delta, stored over H[l-1] */
            double *next = malloc(d[l - 1] * m * sizeof *next);
            mm(1, 0, d[l - 1], m, d[l], W[l - 1], d[l], delta, d[l], 0.0, next, d[l - 1]);
            memcpy(H[l - 1], next, d[l - 1] * m * sizeof *next);
            free(next);
            free(delta);
            delta = H[l - 1];
        }
    }
    free(delta);
    return f;
}

/* H v = d/dt grad(W + t v) at 0, 6-point central formula (exact for degree <= 6). */
static void direct_hvp(const problem *p, const double *theta, const double *v, double *hv)
{
    const double h = 0.05, w[4] = {0.0, 45.0, -9.0, 1.0};
    double *t = malloc(p->n * sizeof *t), *gp = malloc(p->n * sizeof *gp);
    double *gm = malloc(p->n * sizeof *gm);
    memset(hv, 0, p->n * sizeof *hv);
    for (int s = 1; s <= 3; s++) {
        for (size_t i = 0; i < p->n; i++) t[i] = theta[i] + s * h * v[i];
        direct_grad(p, t, gp);
        for (size_t i = 0; i < p->n; i++) t[i] = theta[i] - s * h * v[i];
        direct_grad(p, t, gm);
        for (size_t i = 0; i < p->n; i++) hv[i] += w[s] * (gp[i] - gm[i]) / (60.0 * h);
    }
    free(t), free(gp), free(gm);
}

static void check_case(size_t d0, int output_side, double lam, uint64_t seed)
{
    problem p = {.m = d0 + 9, .lam = lam};
    const size_t in[L + 1] = {d0, 3, 4, d0 + 1}, out[L + 1] = {d0, 4, 3, 2};
    memcpy(p.d, output_side ? out : in, sizeof p.d);
    tu_rng r;
    tu_seed(&r, seed);
    p.X = malloc(p.d[0] * p.m * sizeof *p.X), p.Y = malloc(p.d[L] * p.m * sizeof *p.Y);
    tu_fill(&r, p.d[0] * p.m, p.X);
    tu_fill(&r, p.d[L] * p.m, p.Y);
    for (size_t i = 0; i < p.d[0] * p.m; i++) p.X[i] /= sqrt((double)d0); /* P X = O(1) */
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, p.d[0], p.d[L], p.m, p.X, p.d[0], p.Y, p.d[L]));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, lam));
    dln_net *net = tu_net(L, p.d, 0.7, seed + 1);
    p.n = dln_net_num_params(net);
    double *theta = malloc(p.n * sizeof *theta), *v = malloc(p.n * sizeof *v);
    double *g = malloc(p.n * sizeof *g), *g0 = malloc(p.n * sizeof *g0);
    double *hv = malloc(p.n * sizeof *hv), *hv0 = malloc(p.n * sizeof *hv0), f, f0;
    ck_assert_ok(dln_net_get_params(net, theta));
    tu_fill(&r, p.n, v);
    f0 = direct_grad(&p, theta, g0);
    direct_hvp(&p, theta, v, hv0);
    /* the HVP first (chains formed by it), then the gradient, then the HVP again (cached) */
    ck_assert_ok(dln_loss_hvp(loss, net, v, hv));
    ck_assert_double_le(tu_relerr(p.n, hv, hv0, 1e-300), 1e-10);
    ck_assert_ok(dln_loss_grad(loss, net, &f, g));
    ck_assert_double_le(fabs(f - f0), 1e-12 * f0);
    ck_assert_double_le(tu_relerr(p.n, g, g0, 1e-300), 1e-12);
    ck_assert_ok(dln_loss_hvp(loss, net, v, hv));
    ck_assert_double_le(tu_relerr(p.n, hv, hv0, 1e-300), 1e-10);
    free(theta), free(v), free(g), free(g0), free(hv), free(hv0), free(p.X), free(p.Y);
    dln_net_free(net);
    dln_loss_free(loss);
}

START_TEST(both_paths)
{
    /* _i: bit 0 = output side, bit 1 = TRMM path (d_0 = DLNI_R_GEMM_BELOW), bit 2 = lam */
    size_t d0 = DLNI_R_GEMM_BELOW - ((_i & 2) ? 0 : 1);
    check_case(d0, _i & 1, (_i & 4) ? 0.25 : 0.0, 40 + (uint64_t)_i);
}
END_TEST

Suite *suite_rpath(void)
{
    Suite *s = suite_create("rpath");
    TCase *tc = tcase_create("gemm_and_trmm_paths");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, both_paths, 0, tu_quick() ? 4 : 8);
    suite_add_tcase(s, tc);
    return s;
}
