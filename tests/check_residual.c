/* check_residual.c - linear residual layers W_l = I + A_l (src/net_residual.c
 * and the loss core). Oracles: complex-step derivatives of the loss on the
 * raw data at W = I + A (tests/oracle.c) plus the weight decay on A written
 * out; equivalence with the plain net of the same W (values, HVPs, dense
 * Hessians, eigenvalues, products); a hand-written gradient-descent loop. */
#include "landscape_util.h"
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A data problem with residual square layers: widths d, residual flags res. */
typedef struct rcase {
    size_t L, d[6], n, m;
    int res[5];
    double lam[5], *X, *Y;
    orc_problem p;   /* the data term only (lam = NULL) */
    dln_loss *loss;
    dln_net *net;    /* residual */
    dln_net *plain;  /* plain, with W_l = I + A_l */
} rcase;

static void make_case(rcase *c, uint64_t seed)
{
    tu_rng r;
    tu_seed(&r, seed);
    memset(c, 0, sizeof *c);
    c->L = 1 + seed % 5;
    size_t w = tu_int(&r, 2, 4);
    for (size_t l = 0; l <= c->L; l++) c->d[l] = w;
    if (c->L >= 3 && seed % 2) c->d[1] = w + 1, c->d[c->L] = tu_int(&r, 1, 4); /* some non-square */
    int reg = seed % 3 != 0;
    for (size_t l = 0; l < c->L; l++) c->lam[l] = reg ? 0.1 + 0.05 * (double)l : 0.0;
    c->m = 9;
    size_t d0 = c->d[0], dL = c->d[c->L];
    c->X = tu_padded(&r, d0, c->m, d0);
    c->Y = tu_padded(&r, dL, c->m, dL);
    ck_assert_ok(dln_loss_create_data(&c->loss, d0, dL, c->m, c->X, d0, c->Y, dL));
    ck_assert_ok(dln_loss_set_l2(c->loss, c->L, c->lam));
    c->p = (orc_problem){c->L, c->d, c->X, c->Y, c->m, d0, dL, NULL, 0, 1.0, NULL};
    c->net = tu_net(c->L, c->d, 0.3, seed + 50);
    for (size_t l = 1; l <= c->L; l++) {
        c->res[l - 1] = c->d[l] == c->d[l - 1];
        if (c->res[l - 1]) ck_assert_ok(dln_net_set_residual(c->net, l, 1));
    }
    c->n = dln_net_num_params(c->net);
    /* the plain net of the same W: A + I on the residual layers */
    double *th = malloc(c->n * sizeof *th);
    ck_assert_ok(dln_net_get_params(c->net, th));
    for (size_t l = 1; l <= c->L; l++)
        if (c->res[l - 1])
            for (size_t i = 0; i < c->d[l]; i++) th[dln_net_layer_offset(c->net, l) + i + i * c->d[l]] += 1.0;
    ck_assert_ok(dln_net_create(&c->plain, c->L, c->d));
    ck_assert_ok(dln_net_set_params(c->plain, th));
    free(th);
}

static void free_case(rcase *c)
{
    free(c->X), free(c->Y);
    dln_net_free(c->net), dln_net_free(c->plain);
    dln_loss_free(c->loss);
}

/* theta of the plain net (W) and of the residual net (A). */
static void params(const rcase *c, double *W, double *A)
{
    ck_assert_ok(dln_net_get_params(c->plain, W));
    ck_assert_ok(dln_net_get_params(c->net, A));
}

/* Penalty sum lam_l/2 ||A_l||^2 and its gradient/HVP terms. */
static double decay(const rcase *c, const double *A, const double *D)
{
    double s = 0.0;
    for (size_t l = 1; l <= c->L; l++) {
        size_t o = dln_net_layer_offset(c->net, l), m = c->d[l] * c->d[l - 1];
        s += c->lam[l - 1] * orc_dot(m, A + o, D ? D + o : A + o) * (D ? 1.0 : 0.5);
    }
    return s;
}

START_TEST(derivatives_by_complex_step)
{
    int cases = tu_cases(40);
    for (int s = 0; s < cases; s++) {
        rcase c;
        make_case(&c, (uint64_t)s);
        size_t n = c.n;
        double *W = malloc(n * sizeof *W), *A = malloc(n * sizeof *A), *g = malloc(n * sizeof *g);
        double *D = malloc(n * sizeof *D), *hv = malloc(n * sizeof *hv), *hc = malloc(n * sizeof *hc), f;
        params(&c, W, A);
        tu_rng r;
        tu_seed(&r, 900 + (uint64_t)s);
        tu_fill(&r, n, D);
        ck_assert_ok(dln_loss_grad(c.loss, c.net, &f, g));
        double fo = orc_value(&c.p, W) + decay(&c, A, NULL);
        ck_assert_double_le(fabs(f - fo), 1e-13 * (1.0 + fo));
        double dd = orc_cs_dir(&c.p, W, D) + decay(&c, A, D), gd = orc_dot(n, g, D);
        double scale = sqrt(orc_dot(n, g, g) * orc_dot(n, D, D)) + 1.0;
        ck_assert_msg(fabs(gd - dd) <= 1e-12 * scale, "case %d: <grad, D> %g vs %g", s, gd, dd);
        ck_assert_ok(dln_loss_hvp(c.loss, c.net, D, hv));
        orc_cs_hvp(&c.p, W, D, hc);
        for (size_t l = 1; l <= c.L; l++) {
            size_t o = dln_net_layer_offset(c.net, l), m = c.d[l] * c.d[l - 1];
            for (size_t i = 0; i < m; i++) hc[o + i] += c.lam[l - 1] * D[o + i];
        }
        ck_assert_msg(tu_relerr(n, hv, hc, 1e-300) < 1e-12, "case %d: HVP", s);
        free(W), free(A), free(g), free(D), free(hv), free(hc);
        free_case(&c);
    }
}
END_TEST

/* The residual net against the plain net with the same W: equal values
 * without decay, gradients differing by lam_l I on the residual layers,
 * equal HVPs, dense Hessians and eigenvalues, equal products. */
START_TEST(equivalent_to_plain)
{
    int cases = tu_cases(30);
    for (int s = 0; s < cases; s++) {
        rcase c;
        make_case(&c, 300 + (uint64_t)s);
        size_t n = c.n, L = c.L;
        double *gr = malloc(n * sizeof *gr), *gp = malloc(n * sizeof *gp), *A = malloc(n * sizeof *A);
        double *W = malloc(n * sizeof *W);
        double *Hr = malloc(n * n * sizeof *Hr), *Hp = malloc(n * n * sizeof *Hp);
        double fr, fp, P1[36], P2[36], er[3], ep[3];
        params(&c, W, A);
        ck_assert_ok(dln_loss_grad(c.loss, c.net, &fr, gr));
        ck_assert_ok(dln_loss_grad(c.loss, c.plain, &fp, gp));
        for (size_t l = 1; l <= L; l++) {
            size_t o = dln_net_layer_offset(c.net, l), m = c.d[l] * c.d[l - 1];
            for (size_t i = 0; i < m; i++) { /* plain grad + lam (A - W) = plain grad - lam I */
                double shift = c.res[l - 1] && i % (c.d[l] + 1) == 0 ? 1.0 : 0.0;
                gp[o + i] -= c.lam[l - 1] * shift;
            }
        }
        ck_assert_double_le(tu_relerr(n, gr, gp, 1e-300), 1e-13);
        /* the values differ by the decay alone: lam/2 (||W||^2 - ||A||^2) */
        double dw = decay(&c, W, NULL), da = decay(&c, A, NULL);
        ck_assert_double_le(fabs((fp - fr) - (dw - da)), 1e-13 * (1.0 + fp));
        ck_assert_ok(dln_loss_hessian(c.loss, c.net, Hr, n));
        ck_assert_ok(dln_loss_hessian(c.loss, c.plain, Hp, n));
        ck_assert_double_le(tu_relerr(n * n, Hr, Hp, 1e-300), 1e-14);
        size_t k = n < 3 ? n : 3;
        ck_assert_ok(dln_loss_hessian_eigs(c.loss, c.net, DLN_EIG_SMALLEST, k, 0.0, 0, 1, er, NULL, 0, NULL));
        ck_assert_ok(dln_loss_hessian_eigs(c.loss, c.plain, DLN_EIG_SMALLEST, k, 0.0, 0, 1, ep, NULL, 0, NULL));
        for (size_t i = 0; i < k; i++) ck_assert_double_le(fabs(er[i] - ep[i]), 1e-12 * (1.0 + fabs(ep[i])));
        ck_assert_ok(dln_net_end_to_end(c.net, P1, c.d[L]));
        ck_assert_ok(dln_net_end_to_end(c.plain, P2, c.d[L]));
        ck_assert_double_le(tu_maxdiff(c.d[L] * c.d[0], P1, P2), 1e-14 * (1.0 + tu_maxabs(c.d[L] * c.d[0], P2)));
        free(gr), free(gp), free(A), free(W), free(Hr), free(Hp);
        free_case(&c);
    }
}
END_TEST

/* Without decay the values agree exactly in meaning: F(A) = F_plain(I + A). */
START_TEST(value_without_decay)
{
    rcase c;
    make_case(&c, 3); /* seed % 3 == 0: no decay */
    double fr, fp;
    ck_assert_ok(dln_loss_value(c.loss, c.net, &fr));
    ck_assert_ok(dln_loss_value(c.loss, c.plain, &fp));
    ck_assert_double_le(fabs(fr - fp), 1e-14 * fp);
    free_case(&c);
}
END_TEST

/* DLN_OPT_GD on a residual net is the hand-written loop on A, bit for bit,
 * and L-BFGS reaches the plain net's optimal value (no decay, square). */
START_TEST(optimizers_act_on_A)
{
    rcase c;
    make_case(&c, 24); /* L = 5, square, no decay */
    size_t n = c.n;
    dln_net *hand = NULL;
    ck_assert_ok(dln_net_copy(&hand, c.net));
    ck_assert_int_eq(dln_net_get_residual(hand, 1), 1);
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_step(opt, 1e-3));
    ck_assert_ok(dln_opt_set_max_iter(opt, 20));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    ck_assert_ok(dln_opt_run(opt, c.loss, c.net, NULL));
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g), *t2 = malloc(n * sizeof *t2);
    for (int k = 0; k < 20; k++) {
        ck_assert_ok(dln_net_get_params(hand, th));
        ck_assert_ok(dln_loss_grad(c.loss, hand, NULL, g));
        for (size_t i = 0; i < n; i++) th[i] = th[i] - 1e-3 * g[i];
        ck_assert_ok(dln_net_set_params(hand, th));
    }
    ck_assert_ok(dln_net_get_params(c.net, t2));
    ck_assert_double_eq(tu_maxdiff(n, th, t2), 0.0);
    dln_opt_free(opt);
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS));
    ck_assert_ok(dln_opt_set_max_iter(opt, 5000));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 1e-10));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, c.loss, c.net, &rep));
    double fstar;
    ck_assert_ok(dln_loss_optimal_value(c.loss, c.plain, &fstar));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    ck_assert_double_le(rep.loss - fstar, 1e-9 * (1.0 + fstar));
    free(th), free(g), free(t2);
    dln_opt_free(opt);
    dln_net_free(hand);
    free_case(&c);
}
END_TEST

/* The escape kind names the non-strict saddle W = 0 (A = -I) of data A of
 * unregularized.md 13 through the translation, and accepts the plain
 * convergence of a residual net with decay (no classification applies). */
START_TEST(escape_names_the_saddle_through_the_translation)
{
    const double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[9] = {3, 0, 0, 0, 1, 0, 0, 0, 0.5};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 3, 3, X, 3, Y, 3));
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, (const size_t[]){3, 3, 3, 3})); /* W = 0 */
    for (size_t l = 1; l <= 3; l++) ck_assert_ok(dln_net_set_residual(net, l, 1));
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS_ESCAPE));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_NONSTRICT_SADDLE);
    ck_assert_uint_eq(rep.iterations, 0);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1)); /* decay on A: A = -I is not critical */
    ck_assert_ok(dln_opt_set_max_iter(opt, 2000));
    ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* The line polynomial follows W = I + A + t D, and the decay on A. */
START_TEST(slices_follow)
{
    rcase c;
    make_case(&c, 7);
    size_t n = c.n, L = c.L;
    double *D = malloc(n * sizeof *D), coef[11], t[5] = {-1.0, -0.3, 0.2, 0.9, 1.7}, v[5];
    tu_rng r;
    tu_seed(&r, 1);
    tu_fill(&r, n, D);
    ck_assert_ok(dln_loss_line_coeffs(c.loss, c.net, D, coef));
    dln_net *b = NULL;
    ck_assert_ok(dln_net_copy(&b, c.net));
    double *th = malloc(n * sizeof *th);
    ck_assert_ok(dln_net_get_params(c.net, th));
    for (size_t i = 0; i < n; i++) th[i] += D[i];
    ck_assert_ok(dln_net_set_params(b, th));
    ck_assert_ok(dln_loss_slice_line(c.loss, c.net, b, 5, t, v));
    for (int i = 0; i < 5; i++) {
        double p = 0.0, mag = 0.0;
        for (size_t k = 2 * L + 1; k-- > 0;) p = p * t[i] + coef[k], mag = mag * fabs(t[i]) + fabs(coef[k]);
        ck_assert_double_le(fabs(p - v[i]), 1e-12 * mag);
    }
    free(D), free(th);
    dln_net_free(b);
    free_case(&c);
}
END_TEST

START_TEST(switching_keeps_W)
{
    const size_t d[4] = {3, 3, 4, 3};
    dln_net *net = tu_net(3, d, 0.8, 4);
    double P0[9], P1[9], th0[33], th1[33];
    ck_assert_ok(dln_net_end_to_end(net, P0, 3));
    ck_assert_ok(dln_net_get_params(net, th0));
    ck_assert_ok(dln_net_set_residual(net, 1, 1));
    ck_assert_ok(dln_net_set_residual(net, 1, 1)); /* again: no change */
    ck_assert_int_eq(dln_net_get_residual(net, 1), 1);
    ck_assert_int_eq(dln_net_get_residual(net, 2), 0);
    ck_assert_ok(dln_net_get_params(net, th1));
    for (size_t i = 0; i < 9; i++) ck_assert_double_eq(th1[i], th0[i] - (i % 4 == 0 ? 1.0 : 0.0));
    ck_assert_ok(dln_net_end_to_end(net, P1, 3));
    ck_assert_double_le(tu_maxdiff(9, P0, P1), 1e-14);
    /* W = I at zero parameters */
    dln_net *z = NULL;
    ck_assert_ok(dln_net_copy(&z, net));
    ck_assert_ok(dln_net_init_zeros(z));
    double W1[9], I3[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    ck_assert_ok(dln_net_product(z, 1, 1, W1, 3));
    ck_assert_double_eq(tu_maxdiff(9, W1, I3), 0.0);
    /* init_balanced sets W: the end-to-end matrix is the one asked for */
    const double A[9] = {2, 0.5, 0, -1, 1, 0.3, 0, 0.2, 1.5};
    ck_assert_ok(dln_net_init_balanced(z, A, 3, DLN_FRAMES_RANDOM, 3));
    ck_assert_ok(dln_net_end_to_end(z, P1, 3));
    ck_assert_double_le(tu_maxdiff(9, P1, A), 1e-13);
    /* the forward pass uses W */
    double X[6] = {1, 2, 3, -1, 0, 1}, Y[6], Yp[6];
    ck_assert_ok(dln_net_forward(z, 2, X, 3, Y, 3));
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++) {
            Yp[i + 3 * j] = 0.0;
            for (int k = 0; k < 3; k++) Yp[i + 3 * j] += A[i + 3 * k] * X[k + 3 * j];
        }
    ck_assert_double_le(tu_maxdiff(6, Y, Yp), 1e-13);
    ck_assert_ok(dln_net_set_residual(net, 1, 0));
    ck_assert_ok(dln_net_get_params(net, th1));
    ck_assert_double_le(tu_maxdiff(33, th0, th1), 1e-15);
    ck_assert_int_eq(dln_net_get_residual(net, 1), 0);
    dln_net_free(net), dln_net_free(z);
}
END_TEST

START_TEST(bad_input_and_unsupported)
{
    const size_t d[4] = {3, 3, 4, 3};
    dln_net *net = tu_net(3, d, 0.8, 4);
    double th0[33], th1[33];
    ck_assert_ok(dln_net_get_params(net, th0));
    ck_assert_int_eq(dln_net_set_residual(NULL, 1, 1), DLN_E_NULL);
    ck_assert_int_eq(dln_net_set_residual(net, 0, 1), DLN_E_DIM);
    ck_assert_int_eq(dln_net_set_residual(net, 4, 1), DLN_E_DIM);
    ck_assert_int_eq(dln_net_set_residual(net, 2, 1), DLN_E_DIM); /* 4 x 3 */
    ck_assert_ptr_nonnull(strstr(dln_net_errmsg(net), "square"));
    ck_assert_int_eq(dln_net_set_residual(net, 1, 2), DLN_E_RANGE);
    ck_assert_ok(dln_net_set_residual(net, 2, 0)); /* off on a non-square layer: nothing to do */
    ck_assert_ok(dln_net_get_params(net, th1));
    ck_assert_double_eq(tu_maxdiff(33, th0, th1), 0.0);
    ck_assert_int_eq(dln_net_get_residual(NULL, 1), 0);
    ck_assert_int_eq(dln_net_get_residual(net, 9), 0);
    /* the closed-form theory and the metrics refuse a residual net */
    ck_assert_ok(dln_net_set_residual(net, 1, 1));
    const double Phi[9] = {3, 0, 0, 0, 2, 0, 0, 0, 1};
    dln_loss *loss = lu_target_loss(3, 3, Phi, 3, NULL);
    dln_net *z = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, d, &z);
    dln_class_report rep = {.struct_size = sizeof rep};
    ck_assert_int_eq(dln_landscape_classify(ls, net, DLN_METHOD_AUTO, &rep, NULL, NULL), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_landscape_errmsg(ls), "residual"));
    int pat[3] = {0, 0, 0};
    ck_assert_int_eq(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_CANONICAL, 0, net), DLN_E_UNSUPPORTED);
    double norms[2];
    ck_assert_int_eq(dln_net_balancedness(net, norms, NULL), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_loss_balancedness(loss, net, norms, NULL), DLN_E_UNSUPPORTED);
    dln_arora_report ar = {.struct_size = sizeof ar};
    ck_assert_int_eq(dln_loss_arora(loss, net, 0.0, 1e-3, &ar), DLN_E_UNSUPPORTED);
    dln_dominance_report dr = {.struct_size = sizeof dr};
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, 0.0, &dr), DLN_E_UNSUPPORTED);
    dln_landscape_free(ls), dln_loss_free(loss), dln_net_free(z);
    /* regularized: distance and excess */
    const double lam[3] = {0.5, 0.5, 0.5};
    loss = lu_target_loss(3, 3, Phi, 3, lam);
    ls = lu_landscape(loss, 3, d, &z);
    dln_dist_report dist = {.struct_size = sizeof dist};
    double ex = -1.0;
    ck_assert_int_eq(dln_landscape_distance(ls, net, &dist, NULL, NULL), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_landscape_distance(ls, z, &dist, NULL, net), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_landscape_excess(ls, net, NULL, &ex, NULL), DLN_E_UNSUPPORTED);
    ck_assert_double_eq(ex, -1.0);
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    const dln_metric m[1] = {DLN_METRIC_DIST};
    ck_assert_ok(dln_opt_set_metrics(opt, 1, m));
    ck_assert_int_eq(dln_opt_run(opt, loss, net, NULL), DLN_E_UNSUPPORTED);
    dln_opt_free(opt);
    dln_landscape_free(ls), dln_loss_free(loss), dln_net_free(z);
    dln_net_free(net);
}
END_TEST

Suite *suite_residual(void)
{
    Suite *s = suite_create("residual");
    TCase *tc = tcase_create("residual");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, derivatives_by_complex_step);
    tcase_add_test(tc, equivalent_to_plain);
    tcase_add_test(tc, value_without_decay);
    tcase_add_test(tc, optimizers_act_on_A);
    tcase_add_test(tc, escape_names_the_saddle_through_the_translation);
    tcase_add_test(tc, slices_follow);
    tcase_add_test(tc, switching_keeps_W);
    tcase_add_test(tc, bad_input_and_unsupported);
    suite_add_tcase(s, tc);
    return s;
}
