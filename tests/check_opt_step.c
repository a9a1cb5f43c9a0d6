/* check_opt_step.c - dln_opt_set_step_from_hessian: mu_max against the
 * LAPACK eigenvalues of X X^T (depth 1) and of the dense Hessian (depth 3),
 * and the stability bound of each kind, which is sharp on a quadratic:
 * 0.95 of it converges, 1.05 of it diverges. */
#include "opt_util.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Run a kind (momentum 0.9) at a fraction of its stability bound on a depth-1 least squares problem. */
static dln_stop run_at(const ou_lsq *p, dln_opt_kind kind, double fraction, double *loss)
{
    dln_net *net = ou_lsq_net(p);
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, kind));
    if (kind == DLN_OPT_HEAVY_BALL || kind == DLN_OPT_NESTEROV) ck_assert_ok(dln_opt_set_momentum(opt, 0.9));
    double eta = 0.0, mu = 0.0;
    ck_assert_ok(dln_opt_set_step_from_hessian(opt, p->loss, net, 1.0, 7, &eta, &mu));
    ck_assert_double_le(fabs(mu - p->lmax), 1e-8 * p->lmax);
    double b = kind == DLN_OPT_HEAVY_BALL ? 2.0 * 1.9 : kind == DLN_OPT_NESTEROV ? 2.0 * 1.9 / 2.8 : 2.0;
    ck_assert_double_le(fabs(eta - b / p->lmax), 1e-8 * eta);
    ck_assert_double_eq(dln_opt_get_step(opt), eta);
    ck_assert_ok(dln_opt_set_step(opt, fraction * eta)); /* around the bound itself */
    ck_assert_ok(dln_opt_set_max_iter(opt, 4000));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 1e-9));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, p->loss, net, &rep));
    *loss = rep.loss;
    dln_opt_free(opt);
    dln_net_free(net);
    return rep.stop;
}

START_TEST(bound_is_sharp)
{
    ou_lsq p;
    ou_lsq_make(&p, 6, 3, 40, 11);
    const dln_opt_kind kinds[] = {DLN_OPT_GD, DLN_OPT_HEAVY_BALL, DLN_OPT_NESTEROV};
    for (int k = 0; k < 3; k++) {
        double f;
        ck_assert_int_eq(run_at(&p, kinds[k], 0.95, &f), DLN_STOP_GRAD_TOL);
        ck_assert_double_le(f - p.fstar, 1e-9 * (1.0 + p.fstar));
        ck_assert_int_eq(run_at(&p, kinds[k], 1.05, &f), DLN_STOP_DIVERGED);
    }
    ou_lsq_free(&p);
}
END_TEST

/* Depth 3, data loss with weight decay: mu_max is the top of the dense spectrum. */
START_TEST(deep_matches_dense)
{
    const size_t d[] = {4, 5, 3, 2};
    tu_rng r;
    tu_seed(&r, 5);
    double X[4 * 30], Y[2 * 30], lmin, lmax;
    tu_fill(&r, sizeof X / sizeof *X, X);
    tu_fill(&r, sizeof Y / sizeof *Y, Y);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 4, 2, 30, X, 4, Y, 2));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1));
    dln_net *net = tu_net(3, d, 0.7, 9);
    size_t n = dln_net_num_params(net);
    double *H = malloc(n * n * sizeof *H);
    ck_assert_ok(dln_loss_hessian(loss, net, H, n));
    ou_sym_extremes(n, H, &lmin, &lmax);
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS));
    double eta, mu;
    ck_assert_ok(dln_opt_set_step_from_hessian(opt, loss, net, 0.5, 1, &eta, &mu));
    ck_assert_double_le(fabs(mu - lmax), 1e-8 * lmax);
    ck_assert_double_le(fabs(eta - 1.0 / lmax), 1e-8 * eta);
    free(H);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

START_TEST(bad_input)
{
    ou_lsq p;
    ou_lsq_make(&p, 3, 2, 10, 3);
    dln_net *net = ou_lsq_net(&p);
    dln_opt *opt = NULL, *adam = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_create(&adam, DLN_OPT_ADAM));
    double eta = -1.0, mu = -1.0, old = dln_opt_get_step(opt);
    ck_assert_int_eq(dln_opt_set_step_from_hessian(NULL, p.loss, net, 0.5, 0, &eta, &mu), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_set_step_from_hessian(opt, NULL, net, 0.5, 0, &eta, &mu), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_set_step_from_hessian(opt, p.loss, NULL, 0.5, 0, &eta, &mu), DLN_E_NULL);
    const double bad[] = {0.0, -0.5, 1.5, NAN, INFINITY};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(dln_opt_set_step_from_hessian(opt, p.loss, net, bad[i], 0, &eta, &mu),
                         DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_step_from_hessian(adam, p.loss, net, 0.5, 0, &eta, &mu),
                     DLN_E_UNSUPPORTED);
    /* widths that do not fit the loss */
    dln_net *wrong = NULL;
    ck_assert_ok(dln_net_create(&wrong, 1, (const size_t[]){2, 2}));
    ck_assert_int_eq(dln_opt_set_step_from_hessian(opt, p.loss, wrong, 0.5, 0, &eta, &mu), DLN_E_DIM);
    /* W = 0 at depth 3: the Hessian vanishes, there is no curvature */
    dln_net *zero = NULL;
    ck_assert_ok(dln_net_create(&zero, 3, (const size_t[]){3, 2, 2, 2}));
    ck_assert_int_eq(dln_opt_set_step_from_hessian(opt, p.loss, zero, 0.5, 0, &eta, &mu),
                     DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_opt_errmsg(opt), "curvature"));
    ck_assert_double_eq(dln_opt_get_step(opt), old);
    ck_assert_double_eq(eta, -1.0);
    ck_assert_double_eq(mu, -1.0);
    dln_net_free(zero), dln_net_free(wrong), dln_net_free(net);
    dln_opt_free(opt), dln_opt_free(adam);
    ou_lsq_free(&p);
}
END_TEST

Suite *suite_opt_step(void)
{
    Suite *s = suite_create("opt_step");
    TCase *tc = tcase_create("opt_step");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bound_is_sharp);
    tcase_add_test(tc, deep_matches_dense);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return s;
}
