/* check_errbound_opt.c - the landscape metrics of the optimizer history
 * (DLN_METRIC_DIST, DLN_METRIC_EB_RATIO, DLN_METRIC_BALANCEDNESS): the
 * recorded columns equal direct calls (dln_landscape_distance(),
 * dln_loss_balancedness(), dln_net_balancedness()) at the iterates of a
 * hand-written gradient descent, which DLN_OPT_GD reproduces bit for bit;
 * theories without a distance fail with a clear status. */
#include "errbound_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const dln_metric cols[] = {DLN_METRIC_LOSS, DLN_METRIC_GRAD_NORM, DLN_METRIC_DIST,
                                  DLN_METRIC_EB_RATIO, DLN_METRIC_BALANCEDNESS};
#define NCOLS (sizeof cols / sizeof cols[0])
#define ITERS 40

static dln_opt *gd(double eta)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_step(opt, eta));
    ck_assert_ok(dln_opt_set_max_iter(opt, ITERS));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    return opt;
}

static double max_balance(dln_loss *loss, const dln_net *net, int weighted)
{
    double norms[8], mx = 0.0;
    size_t L = dln_net_depth(net);
    if (weighted) ck_assert_ok(dln_loss_balancedness(loss, net, norms, NULL));
    else ck_assert_ok(dln_net_balancedness(net, norms, NULL));
    for (size_t l = 0; l + 1 < L; l++) mx = fmax(mx, norms[l]);
    return mx;
}

static void near_rel(double a, double b, double tol, const char *what, size_t k)
{
    ck_assert_msg(fabs(a - b) <= tol * fmax(fabs(b), 1e-300), "%s at k = %zu: %.17g vs %.17g", what, k, a, b);
}

/* Internal and caller-buffer histories against direct calls along the replay. */
START_TEST(history_matches_direct)
{
    for (size_t pi = 0; pi < 3; pi++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[pi == 2 ? 5 : pi], &s);
        ck_assert_ok(dln_net_init_gaussian(s.net, 0.4, 10 + pi));
        double *theta0 = malloc(s.n * sizeof *theta0), *g = malloc(s.n * sizeof *g), *th = malloc(s.n * sizeof *th);
        ck_assert_ok(dln_net_get_params(s.net, theta0));
        dln_opt *opt = gd(0.02);
        ck_assert_ok(dln_opt_set_metrics(opt, NCOLS, cols));
        ck_assert_ok(dln_opt_set_history_capacity(opt, ITERS + 1));
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run(opt, s.loss, s.net, &rep));
        size_t rows = dln_opt_history_rows(opt);
        ck_assert_uint_eq(rows, ITERS + 1);
        double *H = malloc(rows * NCOLS * sizeof *H), *H2 = malloc(rows * NCOLS * sizeof *H2);
        ck_assert_ok(dln_opt_history(opt, H, rows));
        ck_assert_ok(dln_net_set_params(s.net, theta0));
        ck_assert_ok(dln_opt_run_history(opt, s.loss, s.net, H2, rows, rows, NULL));
        ck_assert_int_eq(memcmp(H, H2, rows * NCOLS * sizeof *H), 0);
        ck_assert_ok(dln_net_set_params(s.net, theta0));
        for (size_t k = 0; k < rows; k++) {
            dln_dist_report r = eu_report();
            ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, NULL, NULL));
            ck_assert(H[k] == r.value);
            near_rel(H[k + 2 * rows], r.dist, 1e-14, "dist", k);
            near_rel(H[k + 3 * rows], r.ratio, 1e-13, "ratio", k);
            near_rel(H[k + 4 * rows], max_balance(s.loss, s.net, 1), 1e-14, "balancedness", k);
            eu_gd_step(s.loss, s.net, 0.02, g, th);
        }
        ck_assert(H[rows - 1 + 2 * rows] < H[2 * rows]); /* GD approaches Crit F */
        free(H), free(H2), free(theta0), free(g), free(th);
        dln_opt_free(opt);
        eu_setup_free(&s);
    }
}
END_TEST

/* Without the regularized theory the distance columns fail at the start of the
 * run (nothing recorded) and balancedness is the unweighted one. */
START_TEST(unregularized_losses)
{
    double Phi[4] = {2, 0.5, 0, 1};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 0, NULL);
    size_t w[] = {2, 3, 2};
    dln_net *net = tu_net(2, w, 0.5, 4);
    double *theta0 = malloc(12 * sizeof *theta0), g[12], th[12];
    ck_assert_uint_eq(dln_net_num_params(net), 12);
    ck_assert_ok(dln_net_get_params(net, theta0));
    dln_opt *opt = gd(0.05);
    dln_metric dist[1] = {DLN_METRIC_DIST}, ratio[1] = {DLN_METRIC_EB_RATIO}, bal[2] = {DLN_METRIC_LOSS, DLN_METRIC_BALANCEDNESS};
    double H[2 * (ITERS + 1)];
    ck_assert_ok(dln_opt_set_metrics(opt, 1, dist));
    ck_assert_int_eq(dln_opt_run_history(opt, loss, net, H, ITERS + 1, ITERS + 1, NULL), DLN_E_UNSUPPORTED);
    ck_assert_msg(strstr(dln_opt_errmsg(opt), "regularized") != NULL, "%s", dln_opt_errmsg(opt));
    ck_assert_ok(dln_opt_set_metrics(opt, 1, ratio));
    ck_assert_int_eq(dln_opt_run_history(opt, loss, net, H, ITERS + 1, ITERS + 1, NULL), DLN_E_UNSUPPORTED);
    ck_assert_ok(dln_net_set_params(net, theta0));
    ck_assert_ok(dln_opt_set_metrics(opt, 2, bal));
    ck_assert_ok(dln_opt_run_history(opt, loss, net, H, ITERS + 1, ITERS + 1, NULL));
    ck_assert_ok(dln_net_set_params(net, theta0));
    double b0 = H[ITERS + 1];
    for (size_t k = 0; k <= ITERS; k++) {
        near_rel(H[k + ITERS + 1], max_balance(loss, net, 0), 1e-14, "balancedness", k);
        eu_gd_step(loss, net, 0.05, g, th);
    }
    /* GD changes the unweighted D_l only at second order (metrics.md) */
    ck_assert(fabs(H[2 * ITERS + 1] - b0) <= 0.5 * b0);
    free(theta0);
    dln_opt_free(opt), dln_net_free(net), dln_loss_free(loss);
}
END_TEST

Suite *suite_errbound_opt(void)
{
    Suite *s = suite_create("errbound_opt");
    TCase *tc = tcase_create("history");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, history_matches_direct);
    tcase_add_test(tc, unregularized_losses);
    suite_add_tcase(s, tc);
    return s;
}
