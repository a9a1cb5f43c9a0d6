/* check_rpath.c - value, gradient and HVP on both sides of DLNI_R_GEMM_BELOW.
 *
 * The products with the triangular factor R of the data summary run as GEMMs
 * below that input width and as TRMMs from it on (a speed choice, see
 * src/internal.h), on the input side (d_0 <= d_L) and on the output side.
 * Both paths are checked against the direct data form of tests/oracle.c
 * (naive loops on the samples; HVP by complex step). */
#include "internal.h"
#include "oracle.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

enum { L = 3 };

static void check_case(size_t d0, int output_side, double lam, uint64_t seed)
{
    const size_t in[L + 1] = {d0, 3, 4, d0 + 1}, out[L + 1] = {d0, 4, 3, 2};
    const size_t *d = output_side ? out : in, m = d0 + 9;
    const double lams[L] = {lam, lam, lam};
    tu_rng r;
    tu_seed(&r, seed);
    double *X = malloc(d0 * m * sizeof *X), *Y = malloc(d[L] * m * sizeof *Y);
    tu_fill(&r, d0 * m, X);
    tu_fill(&r, d[L] * m, Y);
    for (size_t i = 0; i < d0 * m; i++) X[i] /= sqrt((double)d0); /* P X = O(1) */
    orc_problem p = {.L = L, .d = d, .X = X, .Y = Y, .m = m, .ldx = d0, .ldy = d[L], .w = 1.0,
                     .lam = lams};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, d[L], m, X, d0, Y, d[L]));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, lam));
    dln_net *net = tu_net(L, d, 0.7, seed + 1);
    size_t n = dln_net_num_params(net);
    double *theta = malloc(n * sizeof *theta), *v = malloc(n * sizeof *v);
    double *g = malloc(n * sizeof *g), *g0 = malloc(n * sizeof *g0);
    double *hv = malloc(n * sizeof *hv), *hv0 = malloc(n * sizeof *hv0), f;
    ck_assert_ok(dln_net_get_params(net, theta));
    tu_fill(&r, n, v);
    double f0 = orc_value(&p, theta);
    orc_grad(&p, theta, g0);
    orc_cs_hvp(&p, theta, v, hv0);
    /* the HVP first (it forms the chains), then the gradient, then the HVP
     * again on the chains of the gradient call */
    ck_assert_ok(dln_loss_hvp(loss, net, v, hv));
    ck_assert_double_le(tu_relerr(n, hv, hv0, 1e-300), 1e-10);
    ck_assert_ok(dln_loss_grad(loss, net, &f, g));
    ck_assert_double_le(fabs(f - f0), 1e-12 * f0);
    ck_assert_double_le(tu_relerr(n, g, g0, 1e-300), 1e-12);
    ck_assert_ok(dln_loss_hvp(loss, net, v, hv));
    ck_assert_double_le(tu_relerr(n, hv, hv0, 1e-300), 1e-10);
    free(theta), free(v), free(g), free(g0), free(hv), free(hv0), free(X), free(Y);
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
