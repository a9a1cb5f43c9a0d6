/* check_opt.c - the optimizer handle: exact GD iterates, stop tests,
 * callback, history, report, state continuation, bad input. */
#include "opt_util.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const dln_opt_kind all_kinds[] = {DLN_OPT_GD,       DLN_OPT_GD_ARMIJO, DLN_OPT_HEAVY_BALL,
                                         DLN_OPT_NESTEROV, DLN_OPT_ADAM,      DLN_OPT_LBFGS,
                                         DLN_OPT_LBFGS_ESCAPE};
#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

static dln_opt *make_opt(dln_opt_kind kind, double step, size_t max_iter)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, kind));
    ck_assert_ok(dln_opt_set_step(opt, step));
    ck_assert_ok(dln_opt_set_max_iter(opt, max_iter));
    return opt;
}

/* A regularized data loss and a random net of depth 3 (widths 3-4-5-2). */
static void deep_problem(dln_loss **loss, dln_net **net, uint64_t seed)
{
    static const size_t d[4] = {3, 4, 5, 2};
    tu_rng r;
    tu_seed(&r, seed);
    double X[3 * 10], Y[2 * 10];
    tu_fill(&r, 30, X), tu_fill(&r, 20, Y);
    *loss = NULL;
    ck_assert_ok(dln_loss_create_data(loss, 3, 2, 10, X, 3, Y, 2));
    ck_assert_ok(dln_loss_set_l2_uniform(*loss, 0.05));
    *net = tu_net(3, d, 0.5, seed + 1);
}

static double *params(const dln_net *net)
{
    double *th = malloc(dln_net_num_params(net) * sizeof *th);
    ck_assert_ok(dln_net_get_params(net, th));
    return th;
}

/* ---- GD is exactly W <- W - eta grad F ---------------------------------------- */

START_TEST(gd_bit_for_bit)
{
    dln_loss *loss;
    dln_net *net;
    deep_problem(&loss, &net, 11);
    dln_net *ref = NULL, *start = NULL;
    ck_assert_ok(dln_net_copy(&ref, net));
    ck_assert_ok(dln_net_copy(&start, net));
    const size_t n = dln_net_num_params(net), K = 40;
    const double eta = 0.01;
    double *th = params(net), *g = malloc(n * sizeof *g), *hist = malloc((K + 1) * 2 * sizeof *hist);
    double *fk = malloc((K + 1) * sizeof *fk);
    for (size_t k = 0; k <= K; k++) { /* the hand-written loop */
        ck_assert_ok(dln_net_set_params(ref, th));
        ck_assert_ok(dln_loss_grad(loss, ref, &fk[k], g));
        if (k < K)
            for (size_t i = 0; i < n; i++) th[i] = th[i] - eta * g[i];
    }
    dln_opt *opt = make_opt(DLN_OPT_GD, eta, K);
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run_history(opt, loss, net, hist, K + 1, K + 1, &rep));
    double *got = params(net);
    ck_assert_int_eq(memcmp(got, th, n * sizeof *th), 0);
    ck_assert_int_eq(memcmp(hist, fk, (K + 1) * sizeof *fk), 0); /* loss column */
    ck_assert_int_eq(rep.stop, DLN_STOP_MAX_ITER);
    ck_assert_uint_eq(rep.iterations, K);
    ck_assert_uint_eq(rep.grad_evals, K + 1);
    ck_assert_uint_eq(rep.value_evals, 0);
    ck_assert_uint_eq(rep.history_rows, K + 1);
    ck_assert(rep.loss == fk[K] && rep.initial_loss == fk[0]);
    ck_assert_double_eq(rep.grad_norm, hist[K + K + 1]);
    ck_assert_double_eq_tol(rep.grad_norm, ou_grad_norm(loss, net), 1e-14 * rep.grad_norm);
    /* the same with K single steps from a copy of the start */
    ck_assert_ok(dln_loss_grad(loss, net, NULL, g)); /* any call in between is harmless */
    for (size_t k = 0; k < K; k++) {
        dln_stop s;
        ck_assert_ok(dln_opt_step(opt, loss, start, &s));
        ck_assert_int_eq(s, DLN_STOP_NONE);
    }
    double *got2 = params(start);
    ck_assert_int_eq(memcmp(got2, th, n * sizeof *th), 0);
    free(th), free(g), free(hist), free(fk), free(got), free(got2);
    dln_opt_free(opt);
    dln_net_free(net), dln_net_free(ref), dln_net_free(start);
    dln_loss_free(loss);
}
END_TEST

/* The momentum and Adam updates against their formulas written out here. */
START_TEST(update_formulas)
{
    dln_loss *loss;
    dln_net *net;
    deep_problem(&loss, &net, 21);
    const size_t n = dln_net_num_params(net), K = 15;
    const double eta = 0.02, beta = 0.7, b1 = 0.8, b2 = 0.99, eps = 1e-6;
    for (int kind = 0; kind < 3; kind++) {
        dln_net *a = NULL, *b = NULL;
        ck_assert_ok(dln_net_copy(&a, net));
        ck_assert_ok(dln_net_copy(&b, net));
        double *th = params(a), *g = malloc(n * sizeof *g), *v = calloc(n, sizeof *v);
        double *w = calloc(n, sizeof *w);
        for (size_t k = 0; k < K; k++) {
            ck_assert_ok(dln_net_set_params(b, th));
            ck_assert_ok(dln_loss_grad(loss, b, NULL, g));
            double c1 = 1.0 - pow(b1, (double)(k + 1)), c2 = 1.0 - pow(b2, (double)(k + 1));
            for (size_t i = 0; i < n; i++) {
                if (kind == 0) { /* heavy ball */
                    v[i] = beta * v[i] - eta * g[i];
                    th[i] = th[i] + v[i];
                } else if (kind == 1) { /* Nesterov, look-ahead form */
                    v[i] = beta * v[i] + g[i];
                    th[i] = th[i] - eta * (g[i] + beta * v[i]);
                } else { /* Adam */
                    v[i] = b1 * v[i] + (1.0 - b1) * g[i];
                    w[i] = b2 * w[i] + (1.0 - b2) * g[i] * g[i];
                    th[i] = th[i] - eta * (v[i] / c1) / (sqrt(w[i] / c2) + eps);
                }
            }
        }
        dln_opt_kind k3[] = {DLN_OPT_HEAVY_BALL, DLN_OPT_NESTEROV, DLN_OPT_ADAM};
        dln_opt *opt = make_opt(k3[kind], eta, K);
        ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
        if (kind < 2) ck_assert_ok(dln_opt_set_momentum(opt, beta));
        else {
            ck_assert_ok(dln_opt_set_adam_betas(opt, b1, b2));
            ck_assert_ok(dln_opt_set_adam_eps(opt, eps));
        }
        ck_assert_ok(dln_opt_run(opt, loss, a, NULL));
        double *got = params(a);
        ck_assert_msg(memcmp(got, th, n * sizeof *th) == 0, "kind %d differs by %g", kind,
                      tu_maxdiff(n, got, th));
        free(th), free(g), free(v), free(w), free(got);
        dln_opt_free(opt);
        dln_net_free(a), dln_net_free(b);
    }
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* ---- stop tests ------------------------------------------------------------------ */

START_TEST(stop_grad_and_max_iter)
{
    ou_lsq p;
    ou_lsq_make(&p, 4, 3, 20, 5);
    dln_net *net = ou_lsq_net(&p);
    dln_opt *opt = make_opt(DLN_OPT_LBFGS, 1.0 / p.lmax, 500);
    ck_assert_ok(dln_opt_set_grad_tol(opt, 1e-9));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    ck_assert_double_le(rep.grad_norm, 1e-9);
    ck_assert_double_le(ou_grad_norm(p.loss, net), 1e-9);
    /* already converged: zero iterations */
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_GRAD_TOL);
    ck_assert_uint_eq(rep.iterations, 0);
    /* max_iter */
    ck_assert_ok(dln_net_init_zeros(net));
    ck_assert_ok(dln_opt_set_max_iter(opt, 3));
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_MAX_ITER);
    ck_assert_uint_eq(rep.iterations, 3);
    ck_assert_ok(dln_opt_set_max_iter(opt, 0));
    double *before = params(net);
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_MAX_ITER);
    ck_assert_uint_eq(rep.iterations, 0);
    double *after = params(net);
    ck_assert_int_eq(memcmp(before, after, 12 * sizeof *before), 0);
    free(before), free(after);
    dln_opt_free(opt);
    dln_net_free(net);
    ou_lsq_free(&p);
}
END_TEST

/* Loss-change and step tests fire at the first iterate that meets them. */
START_TEST(stop_change_tests)
{
    ou_lsq p;
    ou_lsq_make(&p, 4, 3, 20, 6);
    const size_t K = 400;
    const dln_metric cols[] = {DLN_METRIC_LOSS, DLN_METRIC_STEP_NORM};
    double *H = malloc((K + 1) * 2 * sizeof *H);
    for (int which = 0; which < 3; which++) {
        dln_net *net = ou_lsq_net(&p);
        dln_opt *opt = make_opt(DLN_OPT_GD, 0.5 / p.lmax, K);
        ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
        ck_assert_ok(dln_opt_set_metrics(opt, 2, cols));
        const double tol = which == 0 ? 1e-4 : which == 1 ? 1e-6 : 1e-3;
        if (which == 0) ck_assert_ok(dln_opt_set_loss_abs_tol(opt, tol));
        if (which == 1) ck_assert_ok(dln_opt_set_loss_rel_tol(opt, tol));
        if (which == 2) ck_assert_ok(dln_opt_set_step_tol(opt, tol));
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run_history(opt, p.loss, net, H, K + 1, K + 1, &rep));
        const dln_stop want[] = {DLN_STOP_LOSS_ABS_TOL, DLN_STOP_LOSS_REL_TOL, DLN_STOP_STEP_TOL};
        ck_assert_int_eq(rep.stop, want[which]);
        size_t k = rep.iterations;
        ck_assert(k > 1 && k < K && rep.history_rows == k + 1);
        for (size_t j = 1; j <= k; j++) { /* fires at k and not before */
            double df = fabs(H[j] - H[j - 1]), m = fmax(fabs(H[j]), fabs(H[j - 1]));
            double q = which == 0 ? df : which == 1 ? df / m : H[j + K + 1];
            ck_assert_msg((q <= tol) == (j == k), "test %d at iterate %zu of %zu: %g vs %g", which,
                          j, k, q, tol);
        }
        dln_opt_free(opt);
        dln_net_free(net);
    }
    free(H);
    ou_lsq_free(&p);
}
END_TEST

typedef struct cb_log {
    size_t calls, stop_at, seen[64];
    int bad;
} cb_log;

static int record_cb(const dln_progress *pr, void *user)
{
    cb_log *c = user;
    if (pr->struct_size != sizeof(dln_progress) || !(pr->elapsed >= 0.0) || !isfinite(pr->loss))
        c->bad = 1;
    if (c->calls < 64) c->seen[c->calls] = pr->iteration;
    c->calls++;
    return pr->iteration == c->stop_at;
}

START_TEST(callback_schedule_and_stop)
{
    ou_lsq p;
    ou_lsq_make(&p, 4, 3, 20, 7);
    dln_net *net = ou_lsq_net(&p);
    dln_opt *opt = make_opt(DLN_OPT_GD, 0.5 / p.lmax, 9);
    cb_log c = {0, 1000, {0}, 0};
    ck_assert_ok(dln_opt_set_callback(opt, record_cb, &c, 4));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    /* k = 0, 4, 8 and the final iterate 9 */
    ck_assert_uint_eq(c.calls, 4);
    ck_assert(c.seen[0] == 0 && c.seen[1] == 4 && c.seen[2] == 8 && c.seen[3] == 9 && !c.bad);
    ck_assert_int_eq(rep.stop, DLN_STOP_MAX_ITER);
    /* nonzero return stops the run at that iterate */
    c = (cb_log){0, 3, {0}, 0};
    ck_assert_ok(dln_opt_set_callback(opt, record_cb, &c, 1));
    ck_assert_ok(dln_opt_set_max_iter(opt, 100));
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_CALLBACK);
    ck_assert_uint_eq(rep.iterations, 3);
    ck_assert_uint_eq(c.calls, 4);
    /* removing the callback */
    ck_assert_ok(dln_opt_set_callback(opt, NULL, NULL, 1));
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_uint_eq(c.calls, 4);
    dln_opt_free(opt);
    dln_net_free(net);
    ou_lsq_free(&p);
}
END_TEST

/* A step beyond 2/lmax makes GD diverge; the test fires on a finite iterate. */
START_TEST(divergence_detected)
{
    ou_lsq p;
    ou_lsq_make(&p, 4, 3, 20, 8);
    dln_net *net = ou_lsq_net(&p);
    dln_opt *opt = make_opt(DLN_OPT_GD, 3.0 / p.lmax, 100000);
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_DIVERGED);
    ck_assert(isfinite(rep.loss) && rep.loss > 1e8 * rep.initial_loss);
    double f;
    ck_assert_ok(dln_loss_value(p.loss, net, &f));
    ck_assert_double_eq(f, rep.loss);
    /* +Inf disables the test: the run goes on until F overflows, and the net
     * is left at the last finite iterate, equal to a hand-written GD loop */
    ck_assert_int_eq(dln_opt_set_divergence(opt, 1.0), DLN_E_RANGE);
    ck_assert_ok(dln_opt_set_divergence(opt, INFINITY));
    ck_assert_ok(dln_net_init_zeros(net));
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_NONFINITE);
    ck_assert(rep.iterations > 10 && isfinite(rep.loss));
    double th[12] = {0}, g[12], eta = 3.0 / p.lmax;
    dln_net *ref = NULL;
    ck_assert_ok(dln_net_create(&ref, 1, (const size_t[]){4, 3}));
    for (size_t k = 0; k < rep.iterations; k++) {
        ck_assert_ok(dln_net_set_params(ref, th));
        ck_assert_ok(dln_loss_grad(p.loss, ref, NULL, g));
        for (int i = 0; i < 12; i++) th[i] = th[i] - eta * g[i];
    }
    double *got = params(net);
    ck_assert_int_eq(memcmp(got, th, sizeof th), 0);
    free(got);
    dln_opt_free(opt);
    dln_net_free(net), dln_net_free(ref);
    ou_lsq_free(&p);
}
END_TEST

/* A step so large that the first iterate overflows: the net keeps theta_0. */
START_TEST(nonfinite_guard)
{
    dln_loss *loss;
    dln_net *net;
    deep_problem(&loss, &net, 31);
    const size_t n = dln_net_num_params(net);
    double *th0 = params(net);
    for (size_t i = 0; i < 3; i++) {
        const dln_opt_kind kinds[] = {DLN_OPT_GD, DLN_OPT_HEAVY_BALL, DLN_OPT_NESTEROV};
        dln_opt *opt = make_opt(kinds[i], 1e300, 10);
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
        ck_assert_int_eq(rep.stop, DLN_STOP_NONFINITE);
        ck_assert_uint_eq(rep.iterations, 0);
        ck_assert_double_eq(rep.loss, rep.initial_loss);
        double *th = params(net);
        ck_assert_int_eq(memcmp(th, th0, n * sizeof *th), 0);
        free(th);
        /* a following step restarts from the (finite) net and fails the same way */
        dln_stop s;
        ck_assert_ok(dln_opt_step(opt, loss, net, &s));
        ck_assert_int_eq(s, DLN_STOP_NONFINITE);
        dln_opt_free(opt);
    }
    /* the line-search kinds shrink the step instead and make progress */
    for (size_t i = 0; i < 2; i++) { /* (bisection from a non-finite trial is slow: 1e4) */
        dln_opt *opt = make_opt(i ? DLN_OPT_LBFGS : DLN_OPT_GD_ARMIJO, i ? 1e4 : 1e300, 5);
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
        ck_assert_int_eq(rep.stop, DLN_STOP_MAX_ITER);
        ck_assert(rep.loss < rep.initial_loss && isfinite(rep.loss));
        ck_assert_ok(dln_net_set_params(net, th0));
        dln_opt_free(opt);
    }
    free(th0);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* ||g|| where g'g overflows (g ~ 1e200, finite) or is subnormal (g ~ 1e-160):
 * the gradient is accepted as finite and the reported norm is the scaled one,
 * against a norm computed here with scaling. g = lam W + a data part below
 * the rounding of lam W (target Phi = 0 and tiny weights). */
START_TEST(grad_norm_extreme_scales)
{
    static const size_t d[3] = {2, 3, 2};
    const double Phi[4] = {0.0, 0.0, 0.0, 0.0}, lam[2] = {1e300, 1.0};
    const double wscale[2] = {1e-100, 1e-160};
    for (int c = 0; c < 2; c++) {
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_target(&loss, 2, 2, Phi, 2));
        ck_assert_ok(dln_loss_set_l2_uniform(loss, lam[c]));
        dln_net *net = tu_net(2, d, wscale[c], 70 + (uint64_t)c);
        const size_t n = dln_net_num_params(net);
        double *w = params(net), *g = malloc(n * sizeof *g), f, big = 0.0, ssq = 0.0;
        ck_assert_ok(dln_loss_grad(loss, net, &f, g));
        for (size_t i = 0; i < n; i++) {
            ck_assert_double_eq_tol(g[i], lam[c] * w[i], 1e-14 * fabs(lam[c] * w[i]));
            big = fmax(big, fabs(g[i]));
        }
        for (size_t i = 0; i < n; i++) ssq += (g[i] / big) * (g[i] / big);
        const double norm = big * sqrt(ssq);
        ck_assert(c == 0 ? norm * norm == INFINITY : norm * norm < 1e-280);
        dln_opt *opt = make_opt(DLN_OPT_GD, 1e-310, 0);
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
        ck_assert_double_eq_tol(rep.initial_grad_norm, norm, 1e-14 * norm);
        free(w), free(g);
        dln_opt_free(opt);
        dln_net_free(net);
        dln_loss_free(loss);
    }
}
END_TEST

/* Armijo GD without a gradient test ends when no decrease is detectable. */
START_TEST(line_search_stop)
{
    ou_lsq p;
    ou_lsq_make(&p, 3, 2, 12, 9);
    dln_net *net = ou_lsq_net(&p);
    dln_opt *opt = make_opt(DLN_OPT_GD_ARMIJO, 1.0, 100000);
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_int_eq(rep.stop, DLN_STOP_LINE_SEARCH);
    ck_assert(rep.value_evals > rep.iterations);
    /* at that point F equals F* to rounding */
    ck_assert_double_le(fabs(rep.loss - p.fstar), 1e-12 * p.fstar);
    dln_opt_free(opt);
    dln_net_free(net);
    ou_lsq_free(&p);
}
END_TEST

/* ---- history, report and rate ---------------------------------------------------- */

START_TEST(history_buffers)
{
    ou_lsq p;
    ou_lsq_make(&p, 4, 3, 20, 10);
    dln_net *net = ou_lsq_net(&p);
    const dln_metric cols[] = {DLN_METRIC_GRAD_NORM, DLN_METRIC_TIME, DLN_METRIC_LOSS,
                               DLN_METRIC_STEP_SIZE, DLN_METRIC_STEP_NORM};
    const size_t K = 12, ld = 20;
    dln_opt *opt = make_opt(DLN_OPT_GD_ARMIJO, 1.0, K);
    ck_assert_ok(dln_opt_set_metrics(opt, 5, cols));
    dln_metric back[DLN_METRIC_MAX_COLUMNS];
    ck_assert_uint_eq(dln_opt_get_metrics(opt, back), 5);
    ck_assert_int_eq(back[1], DLN_METRIC_TIME);
    double *H = malloc(ld * 5 * sizeof *H);
    for (size_t i = 0; i < ld * 5; i++) H[i] = NAN;
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run_history(opt, p.loss, net, H, ld, K + 1, &rep));
    ck_assert_uint_eq(rep.history_rows, K + 1);
    for (size_t j = 0; j <= K; j++) {
        ck_assert(H[j] > 0.0 && H[j + 2 * ld] > 0.0);
        ck_assert(H[j + ld] >= (j ? H[j - 1 + ld] : 0.0)); /* time is monotonic */
        if (j) ck_assert(H[j + 2 * ld] < H[j - 1 + 2 * ld]); /* Armijo decreases F */
        /* step norm = step size * ||g_{j-1}|| for gradient descent */
        double want = j ? H[j + 3 * ld] * H[j - 1] : 0.0;
        ck_assert_double_le(fabs(H[j + 4 * ld] - want), 1e-9 * want);
    }
    for (size_t j = K + 1; j < ld; j++) ck_assert(isnan(H[j]) && isnan(H[j + 4 * ld]));
    ck_assert_double_eq(H[K + 2 * ld], rep.loss);
    ck_assert_double_eq(H[K], rep.grad_norm);
    /* internal history: same numbers (time aside); too small a buffer truncates */
    ck_assert_uint_eq(dln_opt_history_rows(opt), 0);
    ck_assert_uint_eq(dln_opt_get_history_capacity(opt), 0);
    ck_assert_ok(dln_opt_set_history_capacity(opt, 5));
    ck_assert_uint_eq(dln_opt_get_history_capacity(opt), 5);
    ck_assert_uint_eq(dln_opt_get_history_capacity(NULL), 0);
    ck_assert_ok(dln_net_init_zeros(net));
    ck_assert_ok(dln_opt_run(opt, p.loss, net, &rep));
    ck_assert_uint_eq(rep.history_rows, 5);
    ck_assert_uint_eq(dln_opt_history_rows(opt), 5);
    double G[5 * 5];
    ck_assert_int_eq(dln_opt_history(opt, G, 4), DLN_E_LD);
    ck_assert_ok(dln_opt_history(opt, G, 5));
    for (size_t j = 0; j < 5; j++) {
        ck_assert_double_eq(G[j], H[j]);
        ck_assert_double_eq(G[j + 10], H[j + 2 * ld]);
    }
    free(H);
    dln_opt_free(opt);
    dln_net_free(net);
    ou_lsq_free(&p);
}
END_TEST

/* On a quadratic, GD with step eta contracts the slowest mode by
 * 1 - eta lambda_min: the report's fitted rate must find it. */
START_TEST(observed_rate)
{
    const double X[16] = {2, 0, 0, 0, 0, 1.4142135623730951, 0, 0, 0, 0, 1.224744871391589, 0,
                          0, 0, 0, 1}; /* X X^T = diag(4, 2, 1.5, 1) */
    tu_rng r;
    tu_seed(&r, 3);
    double Y[12];
    tu_fill(&r, 12, Y);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 4, 3, 4, X, 4, Y, 3));
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 1, (const size_t[]){4, 3}));
    dln_opt *opt = make_opt(DLN_OPT_GD, 0.25, 80);
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    ck_assert_ok(dln_opt_set_rate_window(opt, 20));
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
    ck_assert_uint_eq(rep.rate_window, 20);
    ck_assert_double_eq_tol(rep.rate, 0.75, 1e-6);
    /* a report shorter than its first version is refused and left alone
     * (the contract itself: tests/check_report.c) */
    dln_opt_report small;
    memset(&small, 0xff, sizeof small);
    small.struct_size = offsetof(dln_opt_report, rate);
    ck_assert_int_eq(dln_opt_get_report(opt, &small), DLN_E_RANGE);
    ck_assert_uint_eq(small.iterations, (size_t)-1);
    ck_assert_uint_eq(small.struct_size, offsetof(dln_opt_report, rate));
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* ---- state: continuation, restart, copies ---------------------------------------- */

START_TEST(step_continues_run)
{
    dln_loss *loss;
    dln_net *net;
    deep_problem(&loss, &net, 41);
    const size_t n = dln_net_num_params(net);
    for (size_t q = 0; q < NKINDS; q++) {
        dln_net *a = NULL, *b = NULL;
        ck_assert_ok(dln_net_copy(&a, net));
        ck_assert_ok(dln_net_copy(&b, net));
        dln_opt *opt = make_opt(all_kinds[q], 0.01, 12);
        ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
        ck_assert_ok(dln_opt_run(opt, loss, a, NULL)); /* 12 iterations */
        ck_assert_ok(dln_opt_set_max_iter(opt, 5));
        ck_assert_ok(dln_opt_run(opt, loss, b, NULL)); /* 5 + 7 steps */
        for (int k = 0; k < 7; k++) ck_assert_ok(dln_opt_step(opt, loss, b, NULL));
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_get_report(opt, &rep));
        ck_assert_uint_eq(rep.iterations, 12);
        double *ta = params(a), *tb = params(b);
        ck_assert_msg(memcmp(ta, tb, n * sizeof *ta) == 0, "%s", dln_opt_kind_name(all_kinds[q]));
        /* changed weights restart the state: equal to a fresh run of 1 step */
        ta[0] += 0.25;
        ck_assert_ok(dln_net_set_params(a, ta));
        ck_assert_ok(dln_net_set_params(b, ta));
        ck_assert_ok(dln_opt_step(opt, loss, a, NULL));
        ck_assert_ok(dln_opt_set_max_iter(opt, 1));
        dln_opt *fresh = NULL;
        ck_assert_ok(dln_opt_copy(&fresh, opt));
        ck_assert_ok(dln_opt_run(fresh, loss, b, NULL));
        free(ta), free(tb);
        ta = params(a), tb = params(b);
        ck_assert_msg(memcmp(ta, tb, n * sizeof *ta) == 0, "%s", dln_opt_kind_name(all_kinds[q]));
        free(ta), free(tb);
        dln_opt_free(opt), dln_opt_free(fresh);
        dln_net_free(a), dln_net_free(b);
    }
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* A change of one weight far into the vector restarts the state exactly. */
START_TEST(step_detects_late_change)
{
    const size_t d[4] = {20, 30, 30, 20};
    tu_rng r;
    tu_seed(&r, 61);
    double Phi[400];
    tu_fill(&r, 400, Phi);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, 20, 20, Phi, 20));
    dln_net *a = tu_net(3, d, 0.2, 62), *b = NULL;
    const size_t n = dln_net_num_params(a);
    ck_assert_uint_eq(n, 2100);
    for (int q = 0; q < 4; q++) {
        const dln_opt_kind kinds[] = {DLN_OPT_GD, DLN_OPT_HEAVY_BALL, DLN_OPT_NESTEROV, DLN_OPT_ADAM};
        dln_opt *opt = make_opt(kinds[q], 0.01, 1), *fresh = NULL;
        ck_assert_ok(dln_opt_copy(&fresh, opt));
        for (int k = 0; k < 3; k++) ck_assert_ok(dln_opt_step(opt, loss, a, NULL));
        double *th = params(a);
        th[n - 5] += 1e-3;
        ck_assert_ok(dln_net_set_params(a, th));
        ck_assert_ok(dln_net_copy(&b, a));
        ck_assert_ok(dln_opt_step(opt, loss, a, NULL)); /* restarts: one step from th */
        ck_assert_ok(dln_opt_run(fresh, loss, b, NULL));
        double *ta = params(a), *tb = params(b);
        ck_assert_msg(memcmp(ta, tb, n * sizeof *ta) == 0, "%s", dln_opt_kind_name(kinds[q]));
        dln_opt_report rep = {.struct_size = sizeof rep};
        ck_assert_ok(dln_opt_get_report(opt, &rep));
        ck_assert_uint_eq(rep.iterations, 1);
        free(th), free(ta), free(tb);
        dln_opt_free(opt), dln_opt_free(fresh);
        dln_net_free(b);
    }
    dln_net_free(a);
    dln_loss_free(loss);
}
END_TEST

/* ---- options and bad input ----------------------------------------------------------- */

/* creation and the options every kind has */
START_TEST(options_common)
{
    dln_opt *opt = NULL;
    ck_assert_int_eq(dln_opt_create(NULL, DLN_OPT_GD), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_create(&opt, (dln_opt_kind)7), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_create(&opt, (dln_opt_kind)-1), DLN_E_RANGE);
    ck_assert_ptr_null(opt);
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    const double bad[] = {0.0, -1.0, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(dln_opt_set_step(opt, bad[i]), DLN_E_RANGE);
        if (i) {
            ck_assert_int_eq(dln_opt_set_grad_tol(opt, bad[i]), DLN_E_RANGE);
            ck_assert_int_eq(dln_opt_set_loss_rel_tol(opt, bad[i]), DLN_E_RANGE);
            ck_assert_int_eq(dln_opt_set_loss_abs_tol(opt, bad[i]), DLN_E_RANGE);
            ck_assert_int_eq(dln_opt_set_step_tol(opt, bad[i]), DLN_E_RANGE);
        }
    }
    ck_assert(strstr(dln_opt_errmsg(opt), "step_tol") != NULL);
    ck_assert_double_eq(dln_opt_get_step(opt), 1e-2); /* unchanged by failed setters */
    ck_assert_double_eq(dln_opt_get_grad_tol(opt), 1e-8);
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    ck_assert_int_eq(dln_opt_set_divergence(opt, NAN), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_rate_window(opt, 1), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_callback(opt, record_cb, NULL, 0), DLN_E_RANGE);
    dln_opt_free(opt);
}
END_TEST

/* kind-specific options on the wrong kind */
START_TEST(options_wrong_kind)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_GD));
    ck_assert_int_eq(dln_opt_set_momentum(opt, 0.5), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_opt_set_adam_betas(opt, 0.5, 0.5), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_opt_set_adam_eps(opt, 1e-3), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_opt_set_armijo(opt, 0.1, 0.5), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_opt_set_wolfe(opt, 0.1, 0.5), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_opt_set_memory(opt, 5), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_opt_set_escape(opt, 1e-3, 1e-3), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_opt_set_seed(opt, 5), DLN_E_UNSUPPORTED);
    ck_assert(strstr(dln_opt_errmsg(opt), "gd") != NULL);
    dln_opt_free(opt);
}
END_TEST

/* momentum and Adam options: ranges and defaults */
START_TEST(options_momentum_adam)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_NESTEROV));
    ck_assert_int_eq(dln_opt_set_momentum(opt, 1.0), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_momentum(opt, -0.1), DLN_E_RANGE);
    ck_assert_ok(dln_opt_set_momentum(opt, 0.0));
    dln_opt_free(opt);
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_ADAM));
    ck_assert_int_eq(dln_opt_set_adam_betas(opt, 1.0, 0.5), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_adam_betas(opt, 0.5, NAN), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_adam_eps(opt, 0.0), DLN_E_RANGE);
    double b1, b2;
    ck_assert_ok(dln_opt_get_adam_betas(opt, &b1, &b2));
    ck_assert(b1 == 0.9 && b2 == 0.999);
    dln_opt_free(opt);
}
END_TEST

/* line-search, memory and escape options of the L-BFGS kinds, kept by copies */
START_TEST(options_lbfgs)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS_ESCAPE));
    ck_assert_int_eq(dln_opt_set_wolfe(opt, 0.5, 0.5), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_wolfe(opt, 0.0, 0.5), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_wolfe(opt, 0.1, 1.0), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_armijo(opt, 1.0, 0.5), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_armijo(opt, 0.1, 0.0), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_memory(opt, 0), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_memory(opt, 1001), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_escape(opt, 0.0, 1e-6), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_escape(opt, 1e-3, INFINITY), DLN_E_RANGE);
    ck_assert_ok(dln_opt_set_wolfe(opt, 0.3, 0.4));
    ck_assert_ok(dln_opt_set_memory(opt, 3));
    ck_assert_ok(dln_opt_set_seed(opt, 99));
    double c1, c2;
    ck_assert_ok(dln_opt_get_wolfe(opt, &c1, &c2));
    ck_assert(c1 == 0.3 && c2 == 0.4 && dln_opt_get_memory(opt) == 3 && dln_opt_get_seed(opt) == 99);
    dln_opt *cp = NULL;
    ck_assert_ok(dln_opt_copy(&cp, opt));
    ck_assert_int_eq(dln_opt_get_kind(cp), DLN_OPT_LBFGS_ESCAPE);
    ck_assert(dln_opt_get_memory(cp) == 3 && dln_opt_get_seed(cp) == 99);
    dln_opt_free(cp);
    dln_opt_free(opt);
}
END_TEST

/* history metrics must be known, 1..DLN_METRIC_MAX_COLUMNS of them */
START_TEST(options_metrics)
{
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS));
    const dln_metric unknown[] = {DLN_METRIC_LOSS, (dln_metric)99};
    ck_assert_int_eq(dln_opt_set_metrics(opt, 2, unknown), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_metrics(opt, 0, unknown), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_metrics(opt, 17, unknown), DLN_E_RANGE);
    ck_assert_int_eq(dln_opt_set_metrics(opt, 1, NULL), DLN_E_NULL);
    ck_assert_uint_eq(dln_opt_get_metrics(opt, NULL), 2);
    dln_opt_free(opt);
}
END_TEST

/* NULL handles and the name functions */
START_TEST(options_null_and_names)
{
    dln_opt *cp = NULL;
    dln_opt_free(NULL);
    ck_assert_int_eq(dln_opt_set_step(NULL, 1.0), DLN_E_NULL);
    ck_assert(isnan(dln_opt_get_step(NULL)));
    ck_assert_int_eq(dln_opt_copy(&cp, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_reset(NULL), DLN_E_NULL);
    ck_assert_str_eq(dln_opt_kind_name(DLN_OPT_LBFGS), "lbfgs");
    ck_assert_str_eq(dln_opt_kind_name((dln_opt_kind)42), "unknown");
    ck_assert_str_eq(dln_stop_name(DLN_STOP_DIVERGED), "diverged");
    ck_assert_str_eq(dln_stop_name((dln_stop)42), "unknown");
}
END_TEST

START_TEST(bad_run_arguments)
{
    dln_loss *loss;
    dln_net *net;
    deep_problem(&loss, &net, 51);
    const size_t n = dln_net_num_params(net);
    double *th0 = params(net);
    dln_opt *opt = make_opt(DLN_OPT_GD, 0.01, 5);
    dln_opt_report rep = {.struct_size = sizeof rep};
    ck_assert_int_eq(dln_opt_run(NULL, loss, net, &rep), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_run(opt, NULL, net, &rep), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_run(opt, loss, NULL, &rep), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_step(opt, loss, NULL, NULL), DLN_E_NULL);
    /* shapes: a net 3 -> 3 on a 3 -> 2 loss, and a depth that differs from
     * the per-layer regularization */
    dln_net *wrong = tu_net(2, (const size_t[]){3, 4, 3}, 0.5, 1);
    ck_assert_int_eq(dln_opt_run(opt, loss, wrong, &rep), DLN_E_DIM);
    ck_assert(strstr(dln_opt_errmsg(opt), "expects") != NULL);
    dln_net *shallow = tu_net(2, (const size_t[]){3, 4, 2}, 0.5, 1);
    ck_assert_ok(dln_loss_set_l2(loss, 3, (const double[]){0.1, 0.1, 0.1}));
    ck_assert_int_eq(dln_opt_step(opt, loss, shallow, NULL), DLN_E_DIM);
    /* report size, history buffer */
    dln_opt_report tiny = {.struct_size = 0};
    ck_assert_int_eq(dln_opt_run(opt, loss, net, &tiny), DLN_E_RANGE);
    double H[10];
    ck_assert_int_eq(dln_opt_run_history(opt, loss, net, H, 4, 5, &rep), DLN_E_LD);
    ck_assert_int_eq(dln_opt_run_history(opt, loss, net, NULL, 5, 5, &rep), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_get_report(opt, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_opt_get_report(opt, &tiny), DLN_E_RANGE);
    dln_escape_info info = {.struct_size = sizeof info};
    ck_assert_int_eq(dln_opt_get_escape_info(opt, 0, &info), DLN_E_RANGE);
    double *th = params(net);
    ck_assert_int_eq(memcmp(th, th0, n * sizeof *th), 0); /* untouched by all of the above */
    /* the handle still works afterwards */
    ck_assert_ok(dln_opt_run(opt, loss, net, &rep));
    ck_assert_uint_eq(rep.iterations, 5);
    free(th), free(th0);
    dln_opt_free(opt);
    dln_net_free(net), dln_net_free(wrong), dln_net_free(shallow);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_opt(void)
{
    Suite *s = suite_create("opt");
    TCase *tc = tcase_create("opt");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, gd_bit_for_bit);
    tcase_add_test(tc, update_formulas);
    tcase_add_test(tc, stop_grad_and_max_iter);
    tcase_add_test(tc, stop_change_tests);
    tcase_add_test(tc, callback_schedule_and_stop);
    tcase_add_test(tc, divergence_detected);
    tcase_add_test(tc, nonfinite_guard);
    tcase_add_test(tc, grad_norm_extreme_scales);
    tcase_add_test(tc, line_search_stop);
    tcase_add_test(tc, history_buffers);
    tcase_add_test(tc, observed_rate);
    tcase_add_test(tc, step_continues_run);
    tcase_add_test(tc, step_detects_late_change);
    tcase_add_test(tc, options_common);
    tcase_add_test(tc, options_wrong_kind);
    tcase_add_test(tc, options_momentum_adam);
    tcase_add_test(tc, options_lbfgs);
    tcase_add_test(tc, options_metrics);
    tcase_add_test(tc, options_null_and_names);
    tcase_add_test(tc, bad_run_arguments);
    suite_add_tcase(s, tc);
    return s;
}
