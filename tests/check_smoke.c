/* check_smoke.c - the worked example of derivatives.md §9 (exact values). */
#include "testutil.h"

#include <math.h>

static const size_t dims[4] = {2, 2, 3, 1};

static dln_net *example_net(const double *w1, const double *w2, const double *w3)
{
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, dims));
    ck_assert_ok(dln_net_set_layer(net, 1, w1, 2, DLN_ROW_MAJOR));
    ck_assert_ok(dln_net_set_layer(net, 2, w2, 2, DLN_ROW_MAJOR));
    ck_assert_ok(dln_net_set_layer(net, 3, w3, 3, DLN_ROW_MAJOR));
    return net;
}

START_TEST(worked_example)
{
    const double W1[] = {1, 0, 1, 1}, W2[] = {1, 0, 0, 1, 1, -1}, W3[] = {1, 1, 0};
    const double D1[] = {0, 1, 1, 0}, D2[] = {1, 0, 0, 0, 0, 1}, D3[] = {0, 1, 1};
    const double X[] = {1, 0, 0, 1, 1, 1}, Y[] = {1, 2, 0}, lam[] = {0, 1, 0.5};
    /* expected values, column-major per layer (derivatives.md §9) */
    const double g0[13] = {4, 4, 2, 2, 4, 4, 0, 6, 6, 0, 4, 6, -2};
    const double g1[13] = {4, 4, 2, 2, 5, 4, 1, 6, 7, -1, 4.5, 6.5, -2};
    const double h0[13] = {15, 7, 9, 5, 9, 13, 4, 16, 22, 6, 13, 16, -1};
    const double h1[13] = {15, 7, 9, 5, 10, 13, 4, 16, 22, 7, 13, 16.5, -0.5};
    dln_net *net = example_net(W1, W2, W3), *dir = example_net(D1, D2, D3);
    double d[13], g[13], hv[13], f;
    ck_assert_ok(dln_net_get_params(dir, d));
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 2, 1, 3, X, 2, Y, 1));
    for (int reg = 0; reg < 2; reg++) {
        if (reg) ck_assert_ok(dln_loss_set_l2(loss, 3, lam));
        ck_assert_ok(dln_loss_grad(loss, net, &f, g));
        ck_assert_double_eq_tol(f, reg ? 8.0 : 5.5, 1e-13);
        ck_assert_double_le(tu_maxdiff(13, g, reg ? g1 : g0), 1e-13);
        ck_assert_ok(dln_loss_hvp(loss, net, d, hv));
        ck_assert_double_le(tu_maxdiff(13, hv, reg ? h1 : h0), 1e-13);
        double q = 0.0;
        for (int i = 0; i < 13; i++) q += d[i] * hv[i];
        ck_assert_double_eq_tol(q, reg ? 49.0 : 46.0, 1e-12);
    }
    dln_loss_free(loss);
    dln_net_free(net);
    dln_net_free(dir);
}
END_TEST

Suite *suite_smoke(void)
{
    Suite *s = suite_create("smoke");
    TCase *tc = tcase_create("worked_example");
    tcase_add_test(tc, worked_example);
    suite_add_tcase(s, tc);
    return s;
}
