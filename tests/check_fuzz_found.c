/* check_fuzz_found.c - regression tests of the defects that fuzz/fuzz_api.c
 * found (suite "fuzz_found"): each the smallest input that showed it. */
#include "testutil.h"

#include <math.h>

/* Data whose squared scale overflows: F(0) and the values gamma_i = Inf were
 * returned with DLN_OK by dln_landscape_values(); now the analysis fails. */
START_TEST(landscape_of_overflowing_data)
{
    const double X[4] = {1, 0, 0, 1}, Y[4] = {1e200, 0, 0, 1e199}, Phi[4] = {1e200, 0, 0, 1e200};
    const size_t w[3] = {2, 2, 2};
    dln_loss *data = NULL, *target = NULL;
    ck_assert_ok(dln_loss_create_data(&data, 2, 2, 2, X, 2, Y, 2));
    ck_assert_ok(dln_loss_create_target(&target, 2, 2, Phi, 2));
    dln_landscape *ls = (dln_landscape *)&data; /* a marker: unchanged on failure */
    ck_assert_int_eq(dln_landscape_create(&ls, data, 2, w), DLN_E_NONFINITE);
    ck_assert_ptr_eq(ls, (dln_landscape *)&data);
    ck_assert_ok(dln_loss_set_l2_uniform(target, 0.1)); /* the regularized path */
    ck_assert_int_eq(dln_landscape_create(&ls, target, 2, w), DLN_E_NONFINITE);
    ck_assert_ptr_eq(ls, (dln_landscape *)&data);
    /* a scale that still fits is analysed, with finite values */
    const double Ysmall[4] = {1e100, 0, 0, 1e99};
    dln_loss *fine = NULL;
    ck_assert_ok(dln_loss_create_data(&fine, 2, 2, 2, X, 2, Ysmall, 2));
    ck_assert_ok(dln_landscape_create(&ls, fine, 2, w));
    double v[2];
    ck_assert_ok(dln_landscape_values(ls, v));
    ck_assert(isfinite(v[0]) && isfinite(v[1]) && v[0] > 0.0);
    ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_VALUE, 1e-9));
    dln_landscape_free(ls);
    dln_loss_free(fine), dln_loss_free(data), dln_loss_free(target);
}
END_TEST

/* The least-squares residual r0 overflows (m > d_0): f* = Inf was returned
 * with DLN_OK by dln_loss_optimal_value(). */
START_TEST(optimal_value_of_overflowing_residual)
{
    const double X[2] = {1, 1}, Y[2] = {1e200, -1e200};
    const size_t w[3] = {1, 1, 1};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 1, 1, 2, X, 1, Y, 1));
    dln_net *net = tu_net(2, w, 1.0, 1);
    double fstar = 42.0;
    ck_assert_int_eq(dln_loss_optimal_value(loss, net, &fstar), DLN_E_NONFINITE);
    ck_assert_double_eq(fstar, 42.0);
    ck_assert_str_ne(dln_loss_errmsg(loss), "");
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_fuzz_found(void)
{
    Suite *s = suite_create("fuzz_found");
    TCase *tc = tcase_create("fuzz_found");
    tcase_add_test(tc, landscape_of_overflowing_data);
    tcase_add_test(tc, optimal_value_of_overflowing_residual);
    suite_add_tcase(s, tc);
    return s;
}
