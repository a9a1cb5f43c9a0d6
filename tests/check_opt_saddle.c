/* check_opt_saddle.c - the saddle-escape kind on exact strict saddles:
 * the regularized example of regularized.md §10.1 ({3:-} and {1.9:+}) and
 * the unregularized point E3 of unregularized.md §13. Oracles: the spec's
 * critical values and eigenvalues, closed forms of §2.4, dense Hessians
 * with LAPACK. */
#include "opt_util.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct escape_seen {
    size_t escapes, at;
    double mu;
} escape_seen;

static int watch(const dln_progress *p, void *user)
{
    escape_seen *s = user;
    if (p->escape) s->escapes++, s->at = p->iteration, s->mu = p->min_eig;
    return 0;
}

static dln_opt *escape_opt(escape_seen *seen)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS_ESCAPE));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 1e-10));
    ck_assert_ok(dln_opt_set_seed(opt, 2024));
    ck_assert_ok(dln_opt_set_callback(opt, watch, seen, 1000));
    return opt;
}

/* Run from a strict saddle: plain L-BFGS stays (g = 0), the escape kind
 * leaves along the negative curvature and stops at a local minimizer. */
static void escape_from(dln_loss *loss, const dln_net *saddle, double f_saddle, double mu_saddle,
                        const double *minima, int nmin, double tol_f)
{
    /* the starting point is what the spec says */
    double f;
    ck_assert_ok(dln_loss_value(loss, saddle, &f));
    ck_assert_double_le(fabs(f - f_saddle), 1e-11 * (1.0 + f_saddle));
    ck_assert_double_le(ou_grad_norm(loss, saddle), 1e-13);
    ck_assert_double_le(fabs(ou_min_hessian_eig(loss, saddle) - mu_saddle), 1e-9);

    dln_net *net = NULL;
    ck_assert_ok(dln_net_copy(&net, saddle));
    dln_opt *plain = NULL;
    ck_assert_ok(dln_opt_create(&plain, DLN_OPT_LBFGS));
    ck_assert_ok(dln_opt_set_grad_tol(plain, 1e-10));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(plain, loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    ck_assert_uint_eq(rep.iterations, 0);
    ck_assert(isnan(rep.min_eig) && rep.escapes == 0);

    escape_seen seen = {0, 0, 0.0};
    dln_opt *opt = escape_opt(&seen);
    ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    ck_assert_uint_ge(rep.escapes, 1);
    ck_assert_uint_eq(seen.escapes, rep.escapes); /* each escape is reported to the callback */
    ck_assert(seen.mu < 0.0 && seen.at >= 1);
    ck_assert(rep.hvp_evals > 0 && rep.value_evals > 0);
    dln_escape_info e = {.struct_size = sizeof e};
    ck_assert_ok(dln_opt_get_escape_info(opt, 0, &e));
    ck_assert_uint_eq(e.iteration, 1);
    ck_assert_double_le(fabs(e.eigenvalue - mu_saddle), 1e-8);
    ck_assert_double_eq(e.loss_before, f);
    ck_assert(e.loss_after < e.loss_before && e.step != 0.0);
    ck_assert_int_eq(dln_opt_get_escape_info(opt, rep.escapes, &e), DLN_E_RANGE);
    /* a local minimizer: gradient ~ 0, PSD Hessian, lower loss, and one of
     * the known local-minimum values */
    ck_assert_double_le(ou_grad_norm(loss, net), 1e-10);
    ck_assert_double_ge(ou_min_hessian_eig(loss, net), -1e-8);
    ck_assert_double_ge(rep.min_eig, -1e-8);
    ck_assert(rep.loss < f_saddle);
    int hit = 0;
    for (int i = 0; i < nmin; i++) hit |= fabs(rep.loss - minima[i]) <= tol_f;
    ck_assert_msg(hit, "final loss %.15g is no local-minimum value", rep.loss);
    /* same seed, same trajectory */
    dln_net *again = NULL;
    ck_assert_ok(dln_net_copy(&again, saddle));
    dln_opt *twin = NULL;
    ck_assert_ok(dln_opt_copy(&twin, opt));
    ck_assert_ok(dln_opt_run(twin, loss, again, NULL));
    size_t n = dln_net_num_params(net);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    ck_assert_ok(dln_net_get_params(net, a));
    ck_assert_ok(dln_net_get_params(again, b));
    ck_assert_int_eq(memcmp(a, b, n * sizeof *a), 0);
    free(a), free(b);
    dln_opt_free(plain), dln_opt_free(opt), dln_opt_free(twin);
    dln_net_free(net), dln_net_free(again);
}

/* The local minima of §10.1: W = 0, {3:+} (global) and {3:+, 1.9:+}. */
static void reg_minima(double *v)
{
    const double half = 0.5 * (9.0 + 3.61);
    v[0] = half;
    v[1] = half + ou_phi3(3.0, 1);
    v[2] = half + ou_phi3(3.0, 1) + ou_phi3(1.9, 1);
    ck_assert_double_eq_tol(v[1], 4.661759633103, 1e-12);
    ck_assert_double_eq_tol(v[2], 4.753957800483, 1e-12);
}

/* {3:-}: W_l = diag(s_-(3), 0); {1.9:+}: W_l = diag(0, s_+(1.9)), a rotation
 * defect (3 left unmatched). Values and eigenvalues from the table of §10.1. */
START_TEST(regularized_saddles)
{
    const struct {
        double w[2], f, mu;
    } cases[2] = {{{ou_root3(3.0, 0), 0.0}, 6.361268282892, -0.9609991092},
                  {{0.0, ou_root3(1.9, 1)}, 6.397198167380, -1.0380064930}};
    dln_loss *loss = ou_reg_example();
    double minima[3];
    reg_minima(minima);
    for (int c = 0; c < 2; c++) {
        dln_net *saddle = ou_diag_net(3, 2, cases[c].w);
        escape_from(loss, saddle, cases[c].f, cases[c].mu, minima, 3, 1e-12 * minima[0]);
        dln_net_free(saddle);
    }
    dln_loss_free(loss);
}
END_TEST

/* The {3:-} saddle embedded in hidden widths 20 (n = 480: the eigensolver
 * takes its Lanczos path). The hidden frames are the leading identity
 * columns; the class and the negative eigenvalue do not depend on widths. */
START_TEST(regularized_wide_lanczos)
{
    const size_t d[4] = {2, 20, 20, 2};
    dln_loss *loss = ou_reg_example();
    dln_net *saddle = NULL;
    ck_assert_ok(dln_net_create(&saddle, 3, d));
    double W[400] = {0}, minima[3];
    W[0] = ou_root3(3.0, 0);
    ck_assert_ok(dln_net_set_layer(saddle, 1, W, 20, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_set_layer(saddle, 2, W, 20, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_set_layer(saddle, 3, W, 2, DLN_COL_MAJOR));
    reg_minima(minima);
    escape_from(loss, saddle, 6.361268282892, -0.9609991092, minima, 3, 1e-12 * minima[0]);
    dln_net_free(saddle);
    dln_loss_free(loss);
}
END_TEST

/* unregularized.md §13, data A (X = I_3, Y = [[3,0,0],[0,1,0]]), point E3:
 * loss 0.5, smallest eigenvalue -1; the escape reaches f* = 0. */
START_TEST(unregularized_e3)
{
    const double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[6] = {3, 0, 0, 1, 0, 0};
    const double W1[6] = {3, 0, 0, 0, 0, 0}, W2[4] = {1, 0, 0, 1}, W3[4] = {1, 0, 0, 0};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 3, X, 3, Y, 2));
    dln_net *saddle = NULL;
    ck_assert_ok(dln_net_create(&saddle, 3, (const size_t[]){3, 2, 2, 2}));
    ck_assert_ok(dln_net_set_layer(saddle, 1, W1, 2, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_set_layer(saddle, 2, W2, 2, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_set_layer(saddle, 3, W3, 2, DLN_COL_MAJOR));
    const double fstar = 0.0;
    escape_from(loss, saddle, 0.5, -1.0, &fstar, 1, 1e-16);
    dln_net_free(saddle);
    dln_loss_free(loss);
}
END_TEST

/* At a local minimizer the escape kind only certifies: no escape, the
 * smallest eigenvalue is reported. */
START_TEST(minimizer_is_certified)
{
    dln_loss *loss = ou_reg_example();
    double w[2] = {ou_root3(3.0, 1), 0.0}; /* {3:+}, the global minimizer */
    dln_net *net = ou_diag_net(3, 2, w);
    escape_seen seen = {0, 0, 0.0};
    dln_opt *opt = escape_opt(&seen);
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    ck_assert_uint_eq(rep.iterations, 0);
    ck_assert_uint_eq(rep.escapes, 0);
    ck_assert_double_le(fabs(rep.min_eig), 1e-8); /* the orbit's zero modes */
    ck_assert_uint_gt(rep.hvp_evals, 0);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* Data A at W = 0, depth 3: the Hessian vanishes (no negative curvature)
 * and F(0) = 5 > f* = 0, a non-strict saddle (unregularized.md §4). Plain
 * L-BFGS reports convergence; the escape kind names the saddle. */
START_TEST(nonstrict_saddle_is_named)
{
    const double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[6] = {3, 0, 0, 1, 0, 0};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 3, X, 3, Y, 2));
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, (const size_t[]){3, 2, 2, 2}));
    dln_opt_report rep = {.struct_size = sizeof rep};
    dln_opt *plain = NULL;
    ck_assert_ok(dln_opt_create(&plain, DLN_OPT_LBFGS));
    ck_assert_ok(dln_opt_run(plain, loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    escape_seen seen = {0, 0, 0.0};
    dln_opt *opt = escape_opt(&seen);
    ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_NONSTRICT_SADDLE);
    ck_assert_str_eq(dln_stop_name(rep.stop), "nonstrict-saddle");
    ck_assert_uint_eq(rep.iterations, 0);
    ck_assert_uint_eq(rep.escapes, 0);
    ck_assert_double_eq(rep.min_eig, 0.0);
    ck_assert_double_le(fabs(rep.loss - 5.0), 1e-14);
    dln_opt_free(plain);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_opt_saddle(void)
{
    Suite *s = suite_create("opt_saddle");
    TCase *tc = tcase_create("opt_saddle");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, regularized_saddles);
    tcase_add_test(tc, regularized_wide_lanczos);
    tcase_add_test(tc, unregularized_e3);
    tcase_add_test(tc, minimizer_is_certified);
    tcase_add_test(tc, nonstrict_saddle_is_named);
    suite_add_tcase(s, tc);
    return s;
}
