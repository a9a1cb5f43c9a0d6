/* check_opt_conv.c - every kind reaches the global minimum of problems whose
 * minimum is known independently (LAPACK least squares, the SVD value f* of
 * a deep bottleneck, the closed form of regularized.md §10.1); L-BFGS to
 * 1e-12 gradients; reproducibility and threads. */
#include "opt_util.h"
#include "testutil.h"

#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const dln_opt_kind all_kinds[] = {DLN_OPT_GD,       DLN_OPT_GD_ARMIJO, DLN_OPT_HEAVY_BALL,
                                         DLN_OPT_NESTEROV, DLN_OPT_ADAM,      DLN_OPT_LBFGS,
                                         DLN_OPT_LBFGS_ESCAPE};
#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

/* An optimizer tuned from the curvature range [lmin, lmax] of the problem:
 * the classical optimal parameters of each method on a quadratic. */
static dln_opt *tuned(dln_opt_kind kind, double lmin, double lmax)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, kind));
    double sk = sqrt(lmax / lmin), q = (sk - 1.0) / (sk + 1.0), eta = 1.0 / lmax;
    if (kind == DLN_OPT_HEAVY_BALL) {
        eta = 4.0 / ((sqrt(lmax) + sqrt(lmin)) * (sqrt(lmax) + sqrt(lmin)));
        ck_assert_ok(dln_opt_set_momentum(opt, q * q));
    }
    if (kind == DLN_OPT_NESTEROV) ck_assert_ok(dln_opt_set_momentum(opt, q));
    if (kind == DLN_OPT_ADAM) eta = 0.01;
    if (kind == DLN_OPT_GD_ARMIJO) eta = 1.0;
    ck_assert_ok(dln_opt_set_step(opt, eta));
    ck_assert_ok(dln_opt_set_max_iter(opt, 50000));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 1e-10));
    return opt;
}

/* Armijo backtracking compares values of F: it ends (DLN_STOP_LINE_SEARCH)
 * once the decrease is below the rounding of F, before tiny gradients. */
static void assert_converged(dln_opt_kind kind, const dln_opt_report *rep)
{
    if (kind == DLN_OPT_GD_ARMIJO && rep->stop == DLN_STOP_LINE_SEARCH) return;
    ck_assert_msg(rep->stop == DLN_STOP_GRAD_TOL, "%s stopped by %s after %zu iterations",
                  dln_opt_kind_name(kind), dln_stop_name(rep->stop), rep->iterations);
}

/* Depth 1: F is a strongly convex quadratic with Hessian eigenvalues in
 * [lmin, lmax] of X X^T, so ||W - W*|| <= ||grad F(W)|| / lmin. */
START_TEST(least_squares)
{
    for (int c = 0; c < tu_cases(4); c++) {
        ou_lsq p;
        tu_rng r;
        tu_seed(&r, 100 + (uint64_t)c);
        size_t d0 = tu_int(&r, 1, 6), dL = tu_int(&r, 1, 4), m = d0 + tu_int(&r, 2, 30);
        ou_lsq_make(&p, d0, dL, m, 200 + (unsigned)c);
        for (size_t q = 0; q < NKINDS; q++) {
            dln_net *net = ou_lsq_net(&p);
            dln_opt *opt = tuned(all_kinds[q], p.lmin, p.lmax);
            dln_opt_report rep = {.struct_size = sizeof rep};
            ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
            assert_converged(all_kinds[q], &rep);
            double *W = malloc(d0 * dL * sizeof *W);
            ck_assert_ok(dln_net_get_params(net, W));
            double wn = 0.0, dd = 0.0, g = ou_grad_norm(p.loss, net);
            for (size_t i = 0; i < d0 * dL; i++)
                wn += p.Wstar[i] * p.Wstar[i], dd += (W[i] - p.Wstar[i]) * (W[i] - p.Wstar[i]);
            ck_assert_msg(sqrt(dd) <= 1.01 * g / p.lmin + 1e-12 * sqrt(wn),
                          "%s: ||W - W*|| = %g, ||g|| / lmin = %g", dln_opt_kind_name(all_kinds[q]),
                          sqrt(dd), g / p.lmin);
            ck_assert_double_le(fabs(rep.loss - p.fstar), 1e-12 * (1.0 + p.fstar));
            free(W);
            dln_opt_free(opt);
            dln_net_free(net);
        }
        ou_lsq_free(&p);
    }
}
END_TEST

/* A deep bottleneck 4-2-3-4 on 1/2 ||P - Phi||^2: every local minimum is
 * global with value f* = 1/2 (sigma_3^2 + sigma_4^2) (unregularized.md §3). */
START_TEST(deep_bottleneck)
{
    tu_rng r;
    tu_seed(&r, 77);
    double Phi[16], A[16], sv[4], sup[3];
    tu_fill(&r, 16, Phi);
    memcpy(A, Phi, sizeof A);
    ck_assert_int_eq(LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', 4, 4, A, 4, sv, NULL, 1, NULL, 1, sup), 0);
    const double fstar = 0.5 * (sv[2] * sv[2] + sv[3] * sv[3]);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 4, 4, Phi, 4));
    dln_net *start = tu_net(3, (const size_t[]){4, 2, 3, 4}, 0.5, 5);
    for (size_t q = 0; q < NKINDS; q++) {
        dln_net *net = NULL;
        ck_assert_ok(dln_net_copy(&net, start));
        dln_opt *opt = tuned(all_kinds[q], 0.4, 20.0); /* a step of 0.05 for GD */
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
        assert_converged(all_kinds[q], &rep);
        ck_assert_msg(fabs(rep.loss - fstar) <= 1e-12 * (1.0 + fstar), "%s: F - f* = %g",
                      dln_opt_kind_name(all_kinds[q]), rep.loss - fstar);
        dln_opt_free(opt);
        dln_net_free(net);
    }
    dln_net_free(start);
    dln_loss_free(loss);
}
END_TEST

/* regularized.md §10.1: the global minimum F* = 1/2 ||Ybar||^2 + phi(p_+(3); 3)
 * (checked against the spec's 4.661759633103), reached from a small random
 * start; the limit is balanced (§2.1). */
START_TEST(regularized_global_min)
{
    const double fstar = 0.5 * (9.0 + 3.61) + ou_phi3(3.0, 1);
    ck_assert_double_eq_tol(fstar, 4.661759633103, 1e-12);
    dln_loss *loss = ou_reg_example();
    dln_net *start = tu_net(3, (const size_t[]){2, 2, 2, 2}, 0.3, 9);
    for (size_t q = 0; q < NKINDS; q++) {
        dln_net *net = NULL;
        ck_assert_ok(dln_net_copy(&net, start));
        dln_opt *opt = tuned(all_kinds[q], 1.0, 10.0); /* spectrum at the minimum: 0, 1 .. 7.77 */
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
        assert_converged(all_kinds[q], &rep);
        ck_assert_msg(fabs(rep.loss - fstar) <= 1e-13 * fstar, "%s: F - F* = %g",
                      dln_opt_kind_name(all_kinds[q]), rep.loss - fstar);
        double W1[4], W2[4], B = 0.0; /* W_2^T W_2 - W_1 W_1^T */
        ck_assert_ok(dln_net_get_layer(net, 1, W1, 2, DLN_COL_MAJOR));
        ck_assert_ok(dln_net_get_layer(net, 2, W2, 2, DLN_COL_MAJOR));
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                double e = 0.0;
                for (int k = 0; k < 2; k++) e += W2[k + 2 * i] * W2[k + 2 * j] - W1[i + 2 * k] * W1[j + 2 * k];
                B = fmax(B, fabs(e));
            }
        ck_assert_double_le(B, 1e-8);
        dln_opt_free(opt);
        dln_net_free(net);
    }
    dln_net_free(start);
    dln_loss_free(loss);
}
END_TEST

/* L-BFGS drives the gradient to the 1e-12 level (recomputed independently). */
START_TEST(lbfgs_tight)
{
    ou_lsq p;
    ou_lsq_make(&p, 4, 3, 20, 5);
    tu_rng r;
    tu_seed(&r, 77);
    double Phi[16];
    tu_fill(&r, 16, Phi);
    dln_loss *deep = NULL, *reg = ou_reg_example();
    ck_assert_ok(dln_loss_create_target(&deep, 4, 4, Phi, 4));
    dln_net *nets[3] = {NULL, tu_net(3, (const size_t[]){4, 2, 3, 4}, 0.5, 5),
                        tu_net(3, (const size_t[]){2, 2, 2, 2}, 0.3, 9)};
    ck_assert_ok(dln_net_create(&nets[0], 1, (const size_t[]){4, 3}));
    dln_loss *losses[3] = {p.loss, deep, reg};
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 1e-12));
    for (int i = 0; i < 3; i++) {
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run(opt, losses[i], nets[i], &rep));
        ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
        ck_assert_double_le(ou_grad_norm(losses[i], nets[i]), 1e-12);
        ck_assert(rep.iterations < 100);
        dln_net_free(nets[i]);
    }
    dln_opt_free(opt);
    dln_loss_free(deep), dln_loss_free(reg);
    ou_lsq_free(&p);
}
END_TEST

/* ---- reproducibility and threads ------------------------------------------------------ */

typedef struct job {
    dln_opt_kind kind;
    uint64_t seed;
    double theta[32], hist[2 * 201];
    dln_opt_report rep;
    int ok;
} job;

/* A run on the deep bottleneck from a seeded start, with its own handles. */
static void *run_job(void *arg)
{
    job *j = arg;
    tu_rng r;
    tu_seed(&r, 77);
    double Phi[16];
    tu_fill(&r, 16, Phi);
    dln_loss *loss = NULL;
    dln_net *net = NULL;
    dln_opt *opt = NULL;
    const size_t d[4] = {4, 2, 3, 4};
    j->ok = dln_loss_create_target(&loss, 4, 4, Phi, 4) == DLN_OK &&
            dln_net_create(&net, 3, d) == DLN_OK &&
            dln_net_init_gaussian(net, 0.5, j->seed) == DLN_OK &&
            dln_opt_create(&opt, j->kind) == DLN_OK && dln_opt_set_step(opt, 0.02) == DLN_OK &&
            dln_opt_set_max_iter(opt, 200) == DLN_OK;
    j->rep.struct_size = sizeof j->rep;
    j->ok = j->ok && dln_opt_run_history(opt, loss, net, j->hist, 201, 201, &j->rep) == DLN_OK &&
            dln_net_get_params(net, j->theta) == DLN_OK;
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
    return NULL;
}

static void assert_same(const job *a, const job *b)
{
    ck_assert(a->ok && b->ok);
    ck_assert_uint_eq(a->rep.iterations, b->rep.iterations);
    ck_assert_int_eq(memcmp(a->theta, b->theta, sizeof a->theta), 0);
    ck_assert_int_eq(memcmp(a->hist, b->hist, (a->rep.history_rows) * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(a->hist + 201, b->hist + 201, a->rep.history_rows * sizeof(double)), 0);
}

START_TEST(same_seed_same_trajectory)
{
    for (size_t q = 0; q < NKINDS; q++) {
        job a = {all_kinds[q], 3, {0}, {0}, {0}, 0}, b = a, c = a;
        c.seed = 4;
        run_job(&a), run_job(&b), run_job(&c);
        assert_same(&a, &b);
        ck_assert(memcmp(a.theta, c.theta, sizeof a.theta) != 0); /* the seed matters */
    }
}
END_TEST

START_TEST(threads_match_sequential)
{
    job seq[4], par[4];
    for (int i = 0; i < 4; i++) {
        seq[i] = (job){all_kinds[(size_t)i * 2 % NKINDS], 10 + (uint64_t)i, {0}, {0}, {0}, 0};
        par[i] = seq[i];
        run_job(&seq[i]);
    }
    pthread_t th[4];
    for (int i = 0; i < 4; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, run_job, &par[i]), 0);
    for (int i = 0; i < 4; i++) ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 4; i++) assert_same(&seq[i], &par[i]);
}
END_TEST

Suite *suite_opt_conv(void)
{
    Suite *s = suite_create("opt_conv");
    TCase *tc = tcase_create("opt_conv");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, least_squares);
    tcase_add_test(tc, deep_bottleneck);
    tcase_add_test(tc, regularized_global_min);
    tcase_add_test(tc, lbfgs_tight);
    tcase_add_test(tc, same_seed_same_trajectory);
    tcase_add_test(tc, threads_match_sequential);
    suite_add_tcase(s, tc);
    return s;
}
