/* check_opt_lbfgs.c - the compact L-BFGS direction of src/opt_lbfgs.c
 * against the textbook two-loop recursion (Nocedal & Wright, Algorithm 7.4)
 * written here independently: at every step, theta_{k+1} - theta_k must be
 * a multiple of the two-loop direction built from the pairs the test
 * records itself (same storage rule s'y > eps ||s|| ||y||), to rounding.
 * Memories 1, 3 and 10 on a depth-3 data problem (indefinite Hessian), so
 * that the ring wraps several times, and memories 3 and 10 on a net large
 * enough for the chunked sweeps over the history. */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* d = -H g by the two-loop recursion over pairs 0..c-1 (oldest first). */
static void two_loop(size_t n, size_t c, const double *S, const double *Y, const double *g,
                     double *d)
{
    double alpha[16];
    for (size_t i = 0; i < n; i++) d[i] = -g[i];
    if (c == 0) return;
    for (size_t j = c; j-- > 0;) {
        alpha[j] = dot(n, S + j * n, d) / dot(n, S + j * n, Y + j * n);
        for (size_t i = 0; i < n; i++) d[i] -= alpha[j] * Y[j * n + i];
    }
    const double *yn = Y + (c - 1) * n;
    double gamma = dot(n, S + (c - 1) * n, yn) / dot(n, yn, yn);
    for (size_t i = 0; i < n; i++) d[i] *= gamma;
    for (size_t j = 0; j < c; j++) {
        double beta = dot(n, Y + j * n, d) / dot(n, S + j * n, Y + j * n);
        for (size_t i = 0; i < n; i++) d[i] += (alpha[j] - beta) * S[j * n + i];
    }
}

/* L-BFGS with memory m on a data problem (net widths dims, seed) against
 * the two-loop recursion over 40 steps. */
static void check_two_loop(size_t m, size_t L, const size_t *dims, size_t samples, uint64_t seed)
{
    const size_t steps = 40, d0 = dims[0], dL = dims[L];
    tu_rng r;
    tu_seed(&r, 41 + seed);
    double *X = malloc(d0 * samples * sizeof *X), *Yd = malloc(dL * samples * sizeof *Yd);
    tu_fill(&r, d0 * samples, X), tu_fill(&r, dL * samples, Yd);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, samples, X, d0, Yd, dL));
    free(X), free(Yd);
    dln_net *net = tu_net(L, dims, 0.7, 5 + seed);
    const size_t n = dln_net_num_params(net);
    dln_opt *opt = NULL;
    ck_assert_ok(dln_opt_create(&opt, DLN_OPT_LBFGS));
    ck_assert_ok(dln_opt_set_memory(opt, m));
    ck_assert_ok(dln_opt_set_grad_tol(opt, 0.0));
    double *S = calloc(m * n, sizeof *S), *Yp = calloc(m * n, sizeof *Yp);
    double *th = malloc(n * sizeof *th), *th1 = malloc(n * sizeof *th1);
    double *g = malloc(n * sizeof *g), *g1 = malloc(n * sizeof *g1), *d = malloc(n * sizeof *d);
    double *s = malloc(n * sizeof *s), *y = malloc(n * sizeof *y), f;
    ck_assert_ok(dln_net_get_params(net, th));
    ck_assert_ok(dln_loss_grad(loss, net, &f, g));
    size_t c = 0, checked = 0;
    for (size_t k = 0; k < steps; k++) {
        two_loop(n, c, S, Yp, g, d);
        dln_stop stop = DLN_STOP_NONE;
        if (dln_opt_step(opt, loss, net, &stop) != DLN_OK || stop != DLN_STOP_NONE) break;
        ck_assert_ok(dln_net_get_params(net, th1));
        ck_assert_ok(dln_loss_grad(loss, net, &f, g1));
        for (size_t i = 0; i < n; i++) s[i] = th1[i] - th[i], y[i] = g1[i] - g[i];
        double ss = dot(n, s, s), t = dot(n, s, d) / dot(n, d, d), err = 0.0;
        if (!(ss > 0.0)) break; /* converged to rounding */
        for (size_t i = 0; i < n; i++) err = fmax(err, fabs(s[i] - t * d[i]));
        ck_assert_msg(err <= 1e-9 * sqrt(ss), "memory %zu, step %zu: step off the two-loop "
                      "direction by %g (|s| = %g)", m, k, err, sqrt(ss));
        checked++;
        double sy = dot(n, s, y);
        if (sy > DBL_EPSILON * sqrt(ss) * sqrt(dot(n, y, y))) {
            if (c == m) { /* drop the oldest */
                memmove(S, S + n, (m - 1) * n * sizeof *S);
                memmove(Yp, Yp + n, (m - 1) * n * sizeof *Yp);
                c--;
            }
            memcpy(S + c * n, s, n * sizeof *s), memcpy(Yp + c * n, y, n * sizeof *y);
            c++;
        }
        memcpy(th, th1, n * sizeof *th), memcpy(g, g1, n * sizeof *g);
    }
    ck_assert_uint_ge(checked, 3 * m < 20 ? 3 * m : 20); /* the ring wrapped */
    free(S), free(Yp), free(th), free(th1), free(g), free(g1), free(d), free(s), free(y);
    dln_opt_free(opt);
    dln_net_free(net);
    dln_loss_free(loss);
}

START_TEST(matches_two_loop)
{
    static const size_t memories[] = {1, 3, 10}, dims[] = {4, 5, 3, 4};
    check_two_loop(memories[_i], 3, dims, 30, (uint64_t)_i);
}
END_TEST

/* n = 35 700 parameters: the sweeps over the history run in three row
 * chunks (16 384 rows each, the last one partial). */
START_TEST(matches_two_loop_chunked)
{
    static const size_t memories[] = {3, 10}, dims[] = {130, 140, 125};
    check_two_loop(memories[_i], 2, dims, 60, 7 + (uint64_t)_i);
}
END_TEST

Suite *suite_opt_lbfgs(void)
{
    Suite *s = suite_create("opt_lbfgs");
    TCase *tc = tcase_create("opt_lbfgs");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, matches_two_loop, 0, 3);
    tcase_add_loop_test(tc, matches_two_loop_chunked, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
