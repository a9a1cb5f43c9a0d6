/* check_spectrum_density.c - stochastic Lanczos quadrature against the
 * dense spectrum: moments, Wasserstein-1 distance, Ritz bounds, density. */
#include "spectrum_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* W1 between the measure sum_i w_i delta(x_i) and the uniform measure on the
 * n eigenvalues ev (ascending): the integral of |F1 - F2|. */
static double wasserstein1(size_t k, const double *x, const double *w, size_t n, const double *ev)
{
    size_t *idx = malloc(k * sizeof *idx), tot = k + n;
    double *pts = malloc(tot * sizeof *pts), *xs = malloc(k * 2 * sizeof *xs);
    for (size_t i = 0; i < k; i++) xs[2 * i] = x[i], xs[2 * i + 1] = w[i];
    qsort(xs, k, 2 * sizeof *xs, ascending); /* sorts by node */
    for (size_t i = 0; i < k; i++) pts[i] = xs[2 * i];
    memcpy(pts + k, ev, n * sizeof *ev);
    qsort(pts, tot, sizeof *pts, ascending);
    double F1 = 0.0, F2 = 0.0, dist = 0.0;
    size_t a = 0, b = 0;
    for (size_t t = 0; t + 1 < tot; t++) {
        while (a < k && xs[2 * a] <= pts[t]) F1 += xs[2 * a + 1], a++;
        while (b < n && ev[b] <= pts[t]) F2 += 1.0 / (double)n, b++;
        dist += fabs(F1 - F2) * (pts[t + 1] - pts[t]);
    }
    free(idx), free(pts), free(xs);
    return dist;
}

/* Moments sum_i w_i theta_i^q estimate tr(H^q)/n with standard error
 * sqrt(2 (||H^q||_F^2 - sum_i (H^q)_ii^2) / probes) / n (Rademacher probes);
 * Gauss quadrature with s steps is exact for q < 2s. */
START_TEST(moments_match_dense)
{
    for (size_t i = 0; i < (size_t)tu_cases(24); i++) {
        su_case c = su_make(i, 4);
        size_t n = c.n, p = 60, s = 3 < n ? 3 : n, k = p * s;
        double *H = su_hessian(&c), *Hq = malloc(n * n * sizeof *Hq), *T = malloc(n * n * sizeof *T);
        double *nodes = malloc(k * sizeof *nodes), *wts = malloc(k * sizeof *wts), *ev = malloc(n * sizeof *ev);
        ck_assert_ok(dln_loss_hessian_density(c.loss, c.net, p, s, 11 + i, nodes, wts, 0, 0, NULL, NULL));
        su_eigs(n, H, n, ev);
        double wsum = 0.0;
        for (size_t j = 0; j < k; j++) wsum += wts[j];
        ck_assert_msg(fabs(wsum - 1.0) <= 1e-12, "%s: weights sum to %.17g", c.desc, wsum);
        double hn = fmax(fabs(ev[0]), fabs(ev[n - 1]));
        for (size_t j = 0; j < k; j++) /* Ritz values lie in [lambda_min, lambda_max] */
            if (wts[j] > 0.0)
                ck_assert_msg(nodes[j] >= ev[0] - 1e-10 * hn && nodes[j] <= ev[n - 1] + 1e-10 * hn,
                              "%s: node %g outside [%g, %g]", c.desc, nodes[j], ev[0], ev[n - 1]);
        memcpy(Hq, H, n * n * sizeof *Hq);
        for (size_t q = 1; q < 2 * s && q <= 4; q++) {
            if (q > 1) { /* Hq <- Hq H */
                for (size_t b = 0; b < n; b++)
                    for (size_t a = 0; a < n; a++) {
                        double acc = 0.0;
                        for (size_t t = 0; t < n; t++) acc += Hq[a + t * n] * H[t + b * n];
                        T[a + b * n] = acc;
                    }
                memcpy(Hq, T, n * n * sizeof *T);
            }
            double tr = 0.0, fro = 0.0, dsq = 0.0, mom = 0.0;
            for (size_t a = 0; a < n; a++) tr += Hq[a + a * n], dsq += Hq[a + a * n] * Hq[a + a * n];
            for (size_t a = 0; a < n * n; a++) fro += Hq[a] * Hq[a];
            for (size_t j = 0; j < k; j++) mom += wts[j] * pow(nodes[j], (double)q);
            double se = sqrt(2.0 * fmax(fro - dsq, 0.0) / (double)p) / (double)n;
            double slack = 1e-10 * pow(hn, (double)q) + 1e-300;
            ck_assert_msg(fabs(mom - tr / (double)n) <= 5.0 * se + slack,
                          "%s: moment %zu = %.12g, tr/n = %.12g, se %.3g", c.desc, q, mom,
                          tr / (double)n, se);
        }
        free(H), free(Hq), free(T), free(nodes), free(wts), free(ev);
        su_free(&c);
    }
}
END_TEST

START_TEST(wasserstein_shrinks_with_steps)
{
    size_t d[4] = {6, 6, 5, 4};
    dln_net *net = tu_net(3, d, 0.8, 21);
    tu_rng r;
    tu_seed(&r, 8);
    double X[6 * 20], Y[4 * 20];
    tu_fill(&r, 120, X), tu_fill(&r, 80, Y);
    dln_loss *loss;
    ck_assert_ok(dln_loss_create_data(&loss, 6, 4, 20, X, 6, Y, 4));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.05));
    size_t n = dln_net_num_params(net), p = 30;
    double *H = malloc(n * n * sizeof *H), *ev = malloc(n * sizeof *ev);
    ck_assert_ok(dln_loss_hessian(loss, net, H, n));
    su_eigs(n, H, n, ev);
    size_t steps[5] = {1, 2, 4, 8, 24};
    double w1[5];
    for (int t = 0; t < 5; t++) {
        size_t k = p * steps[t];
        double *nodes = malloc(k * sizeof *nodes), *wts = malloc(k * sizeof *wts);
        ck_assert_ok(dln_loss_hessian_density(loss, net, p, steps[t], 99, nodes, wts, 0, 0, NULL, NULL));
        w1[t] = wasserstein1(k, nodes, wts, n, ev);
        free(nodes), free(wts);
    }
    double spread = ev[n - 1] - ev[0];
    for (int t = 1; t < 5; t++)
        ck_assert_msg(w1[t] < w1[t - 1], "W1 at %zu steps %g, at %zu steps %g", steps[t], w1[t],
                      steps[t - 1], w1[t - 1]);
    ck_assert_msg(w1[4] < 0.25 * w1[0] && w1[4] < 0.05 * spread, "W1 %g -> %g, spread %g", w1[0],
                  w1[4], spread);
    free(H), free(ev);
    dln_loss_free(loss), dln_net_free(net);
}
END_TEST

/* The density is the Gaussian mixture of the nodes; it integrates to 1. */
START_TEST(broadened_density)
{
    su_case c = su_make(13, 4);
    size_t p = 4, s = 6 < c.n ? 6 : c.n, k = p * s, ng = 4001;
    double *nodes = malloc(k * sizeof *nodes), *wts = malloc(k * sizeof *wts);
    double *grid = malloc(ng * sizeof *grid), *dens = malloc(ng * sizeof *dens), sigma = 0.05;
    ck_assert_ok(dln_loss_hessian_density(c.loss, c.net, p, s, 5, nodes, wts, 0, 0, NULL, NULL));
    double lo = nodes[0], hi = nodes[0];
    for (size_t j = 0; j < k; j++) lo = fmin(lo, nodes[j]), hi = fmax(hi, nodes[j]);
    lo -= 10 * sigma, hi += 10 * sigma;
    for (size_t g = 0; g < ng; g++) grid[g] = lo + (hi - lo) * (double)g / (double)(ng - 1);
    double *n2 = malloc(k * sizeof *n2), *w2 = malloc(k * sizeof *w2);
    ck_assert_ok(dln_loss_hessian_density(c.loss, c.net, p, s, 5, n2, w2, sigma, ng, grid, dens));
    ck_assert(memcmp(n2, nodes, k * sizeof *n2) == 0 && memcmp(w2, wts, k * sizeof *w2) == 0);
    double integral = 0.0, h = (hi - lo) / (double)(ng - 1);
    for (size_t g = 0; g + 1 < ng; g++) integral += 0.5 * h * (dens[g] + dens[g + 1]);
    ck_assert_msg(fabs(integral - 1.0) < 1e-6, "integral %.10g", integral);
    size_t g = ng / 3; /* one point by the formula */
    double ref = 0.0;
    for (size_t j = 0; j < k; j++)
        ref += wts[j] * exp(-0.5 * pow((grid[g] - nodes[j]) / sigma, 2)) / (sigma * sqrt(2 * 3.14159265358979323846));
    ck_assert(fabs(dens[g] - ref) <= 1e-12 * (ref + 1.0));
    free(nodes), free(wts), free(grid), free(dens), free(n2), free(w2);
    su_free(&c);
}
END_TEST

/* Depth 1, target loss: H = (1 + lam) I, so each probe's Krylov space is
 * invariant after one step: one node 1 + lam of weight 1/probes per probe. */
START_TEST(invariant_after_one_step)
{
    size_t d[2] = {3, 4};
    dln_net *net = tu_net(1, d, 1.0, 2);
    double Phi[12] = {0};
    dln_loss *loss;
    ck_assert_ok(dln_loss_create_target(&loss, 4, 3, Phi, 4));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.5));
    double nodes[3 * 5], wts[3 * 5];
    ck_assert_ok(dln_loss_hessian_density(loss, net, 3, 5, 1, nodes, wts, 0, 0, NULL, NULL));
    for (size_t p = 0; p < 3; p++) {
        ck_assert(fabs(nodes[p * 5] - 1.5) < 1e-14 && fabs(wts[p * 5] - 1.0 / 3) < 1e-14);
        for (size_t j = 1; j < 5; j++) ck_assert(nodes[p * 5 + j] == 0.0 && wts[p * 5 + j] == 0.0);
    }
    dln_loss_free(loss), dln_net_free(net);
}
END_TEST

START_TEST(bad_input)
{
    su_case c = su_make(4, 3);
    double nodes[40], wts[40], grid[3] = {0, 1, NAN}, dens[3] = {-7, -7, -7};
    for (int i = 0; i < 40; i++) nodes[i] = wts[i] = -7;
    ck_assert_int_eq(dln_loss_hessian_density(NULL, c.net, 2, 2, 1, nodes, wts, 0, 0, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, NULL, 2, 2, 1, nodes, wts, 0, 0, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 2, 2, 1, NULL, wts, 0, 0, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 0, 2, 1, nodes, wts, 0, 0, NULL, NULL), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 2, 0, 1, nodes, wts, 0, 0, NULL, NULL), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 1, c.n + 1, 1, nodes, wts, 0, 0, NULL, NULL),
                     DLN_E_DIM);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 2, 2, 1, nodes, wts, 0.1, 2, NULL, dens), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 2, 2, 1, nodes, wts, 0.0, 2, grid, dens), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 2, 2, 1, nodes, wts, NAN, 2, grid, dens), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_hessian_density(c.loss, c.net, 2, 2, 1, nodes, wts, 0.1, 3, grid, dens),
                     DLN_E_NONFINITE);
    for (int i = 0; i < 40; i++) ck_assert(nodes[i] == -7 && wts[i] == -7);
    ck_assert(dens[0] == -7);
    /* finite weights whose products overflow */
    size_t d[4] = {2, 2, 2, 2};
    dln_net *huge = tu_net(3, d, 1e110, 4);
    dln_loss *t;
    double Phi[4] = {1, 0, 0, 1};
    ck_assert_ok(dln_loss_create_target(&t, 2, 2, Phi, 2));
    ck_assert_int_eq(dln_loss_hessian_density(t, huge, 2, 2, 1, nodes, wts, 0, 0, NULL, NULL),
                     DLN_E_NONFINITE);
    ck_assert(nodes[0] == -7 && wts[0] == -7);
    dln_loss_free(t), dln_net_free(huge);
    su_free(&c);
}
END_TEST

Suite *suite_spectrum_density(void)
{
    Suite *s = suite_create("spectrum_density");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, moments_match_dense);
    tcase_add_test(tc, wasserstein_shrinks_with_steps);
    tcase_add_test(tc, broadened_density);
    tcase_add_test(tc, invariant_after_one_step);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return s;
}
