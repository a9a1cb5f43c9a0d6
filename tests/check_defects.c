/* check_defects.c - regression tests of the defects of issue 10 (items 1-9),
 * one test each; every one fails (or, for the memory errors, is reported by
 * `make asan`) without its fix. */
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Item 1: widths {1, 1, 1}, target 2, lam 0.01. The Mirsky sort of the
 * distance wrote 2r doubles into a dmax * dmin = 1 block. */
static dln_landscape *unit_landscape(dln_loss **loss)
{
    const size_t w[3] = {1, 1, 1};
    const double phi = 2.0;
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_loss_create_target(loss, 1, 1, &phi, 1));
    ck_assert_ok(dln_loss_set_l2_uniform(*loss, 0.01));
    ck_assert_ok(dln_landscape_create(&ls, *loss, 2, w));
    return ls;
}

START_TEST(distance_all_widths_one)
{
    const size_t w[3] = {1, 1, 1};
    dln_loss *loss = NULL;
    dln_landscape *ls = unit_landscape(&loss);
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 2, w));
    const double theta[2] = {1.3, 1.3};
    ck_assert_ok(dln_net_set_params(net, theta));
    dln_dist_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_landscape_distance(ls, net, &rep, NULL, NULL));
    /* scalar case: critical points w1 = w2 = s with s^2 = 2 - 0.01 (product
     * 1.99 at the matched root), or 0; 1.3 is 0.11 from sqrt(1.99) */
    double s = sqrt(1.99), ref = sqrt(2.0) * fabs(1.3 - s);
    ck_assert_msg(fabs(rep.dist - ref) <= 1e-8, "dist %.17g, expected %.17g", rep.dist, ref);
    ck_assert(rep.dist_lower <= rep.dist * (1 + 1e-12));
    /* the same through the optimizer's DIST and EB_RATIO columns */
    dln_opt *opt = NULL;
    const dln_metric cols[2] = {DLN_METRIC_DIST, DLN_METRIC_EB_RATIO};
    double H[2 * 4];
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_metrics(opt, 2, cols));
    ck_assert_ok(dln_opt_set_max_iter(opt, 3));
    ck_assert_ok(dln_opt_set_step(opt, 0.05));
    ck_assert_ok(dln_opt_run_history(opt, loss, net, H, 4, 4, NULL));
    ck_assert(isfinite(H[0]) && fabs(H[0] - ref) <= 1e-8);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_defects(void)
{
    Suite *s = suite_create("defects");
    TCase *tc = tcase_create("defects");
    tcase_add_test(tc, distance_all_widths_one);
    suite_add_tcase(s, tc);
    return s;
}
