/* check_fuzz_found.c - regression tests of the defects that fuzz/fuzz_api.c
 * found (suite "fuzz_found"): each the smallest input that showed it. */
#include "testutil.h"

#include <cblas.h> /* OpenBLAS: openblas_set_num_threads */
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

/* The squared singular values of the data beyond the bottleneck overflow:
 * f* = gamma_2 / 2 = Inf was returned with DLN_OK by dln_loss_optimal_value()
 * (the data themselves, and their residual r0 = 0, are fine). */
START_TEST(optimal_value_of_overflowing_residual)
{
    const double X[4] = {1, 0, 0, 1}, Y[4] = {1e200, 0, 0, 1e200};
    const size_t w[3] = {2, 1, 2};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 2, 2, 2, X, 2, Y, 2));
    dln_net *net = tu_net(2, w, 1.0, 1);
    double fstar = 42.0;
    ck_assert_int_eq(dln_loss_optimal_value(loss, net, &fstar), DLN_E_NONFINITE);
    ck_assert_double_eq(fstar, 42.0);
    ck_assert_str_ne(dln_loss_errmsg(loss), "");
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* lam_l denormal (4.9e-324): the weights of the orbit, ~ lam^{-1/2}, overflow
 * and dln_landscape_orbit_spectrum() returned NaN and Inf with DLN_OK. Now
 * DLN_E_NONFINITE, the caller's buffer untouched; a normal lam still works. */
START_TEST(orbit_spectrum_of_denormal_l2)
{
    const double Phi[4] = {5.15, 0, 0, 0};
    const size_t w[3] = {1, 7, 4};
    const int pattern[1] = {DLN_MATCH_PLUS};
    enum { N = 7 + 28 };
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 4, 1, Phi, 4));
    double ev[N], lam[] = {4.9406564584124654e-324, 0.01};
    for (int k = 0; k < 2; k++) {
        ck_assert_ok(dln_loss_set_l2_uniform(loss, lam[k]));
        dln_landscape *ls = NULL;
        ck_assert_ok(dln_landscape_create(&ls, loss, 2, w));
        ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_REGULARIZED);
        ck_assert_uint_eq(dln_landscape_num_params(ls), N);
        for (int i = 0; i < N; i++) ev[i] = -7.0;
        dln_orbit_info info = {.struct_size = sizeof info};
        dln_rate_report rate = {.struct_size = sizeof rate};
        if (k == 0) {
            ck_assert_int_eq(dln_landscape_orbit_spectrum(ls, pattern, ev), DLN_E_NONFINITE);
            for (int i = 0; i < N; i++) ck_assert_double_eq(ev[i], -7.0);
            ck_assert_int_eq(dln_landscape_pattern_info(ls, pattern, &info), DLN_E_NONFINITE);
            ck_assert_int_eq(dln_landscape_rate(ls, pattern, 0, &rate), DLN_E_NONFINITE);
            ck_assert_str_ne(dln_landscape_errmsg(ls), "");
        } else {
            ck_assert_ok(dln_landscape_orbit_spectrum(ls, pattern, ev));
            for (int i = 0; i < N; i++) ck_assert(isfinite(ev[i]));
            ck_assert_ok(dln_landscape_pattern_info(ls, pattern, &info));
            ck_assert_ok(dln_landscape_rate(ls, pattern, 0, &rate));
        }
        dln_landscape_free(ls);
    }
    dln_loss_free(loss);
}
END_TEST

/* A Hessian with entries near 1e300 (data with a 1e150 feature and target):
 * with single-threaded OpenBLAS, dsyevr returned NaN eigenvectors with
 * info = 0, so dln_loss_hessian_eigs() and dln_landscape_classify() returned
 * DLN_OK with a NaN direction. The eigensolver wrappers now scale by a power
 * of two first. OpenBLAS is set to one thread for this test only (the
 * library never changes it; each test runs in its own process). */
START_TEST(eigenvectors_at_extreme_scale)
{
    const double X[6] = {-2.525, -3, -3, -3, -2.939697265625, 1e150},
                 Y[6] = {1e150, 1e150, -1.739697265625, 3, -2.9154296875, -2.8};
    const size_t w[3] = {6, 6, 6};
    enum { N = 72 };
    int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 6, 6, 1, X, 6, Y, 6));
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 2, w)); /* W = 0: a strict saddle */
    static double ev[3], V[N * 3], dir[N];
    ck_assert_ok(dln_loss_hessian_eigs(loss, net, DLN_EIG_SMALLEST, 3, 0, 0, 1, ev, V, N, NULL));
    for (int i = 0; i < N * 3; i++) ck_assert_msg(isfinite(V[i]), "eigenvector entry %d = %g", i, V[i]);
    ck_assert_double_lt(ev[0], -1e300);
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 2, w));
    dln_class_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_landscape_classify(ls, net, DLN_METHOD_NUMERICAL, &rep, NULL, dir));
    ck_assert_int_eq(rep.cls, DLN_CLASS_STRICT_SADDLE);
    ck_assert(rep.flags & DLN_CF_DIRECTION);
    for (int i = 0; i < N; i++) ck_assert_msg(isfinite(dir[i]), "direction entry %d = %g", i, dir[i]);
    dln_landscape_free(ls);
    dln_net_free(net);
    dln_loss_free(loss);
    openblas_set_num_threads(threads);
}
END_TEST

/* A history column that fails (DIST: the block spectrum overflows for a
 * denormal lam_l) made dln_opt_run_history() return DLN_E_NONFINITE with no
 * message on the optimizer. */
START_TEST(history_metric_failure_has_a_message)
{
    const double Phi[4] = {5.15, 0, 0, 0};
    const size_t w[3] = {1, 7, 4};
    const dln_metric cols[2] = {DLN_METRIC_LOSS, DLN_METRIC_DIST};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 4, 1, Phi, 4));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 4.9406564584124654e-324));
    dln_net *net = tu_net(2, w, 0.5, 4);
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_metrics(opt, 2, cols));
    double H[2 * 8];
    dln_status st = dln_opt_run_history(opt, loss, net, H, 8, 8, NULL);
    ck_assert_int_ne(st, DLN_OK);
    ck_assert_str_ne(dln_opt_errmsg(opt), "");
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* The dense Hessian's symmetrization averaged (a + b) / 2: two finite halves
 * above DBL_MAX / 2 gave Inf with DLN_OK. Phi = w1 w2 = 1.125 * 2^1023, the
 * residual is 0 and every Hessian entry is w1 w2 (fuzz_api, CI run of the
 * session that added fuzz-ci). */
START_TEST(hessian_entries_near_dbl_max)
{
    const double phi = ldexp(2.25, 1022), w = ldexp(1.5, 511), th[2] = {w, w};
    const size_t widths[3] = {1, 1, 1};
    dln_loss *loss = NULL;
    dln_net *net = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 1, 1, &phi, 1));
    ck_assert_ok(dln_net_create(&net, 2, widths));
    ck_assert_ok(dln_net_set_params(net, th));
    double H[4];
    ck_assert_ok(dln_loss_hessian(loss, net, H, 2));
    for (int i = 0; i < 4; i++) ck_assert_double_eq(H[i], w * w);
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
    tcase_add_test(tc, orbit_spectrum_of_denormal_l2);
    tcase_add_test(tc, eigenvectors_at_extreme_scale);
    tcase_add_test(tc, history_metric_failure_has_a_message);
    tcase_add_test(tc, hessian_entries_near_dbl_max);
    suite_add_tcase(s, tc);
    return s;
}
