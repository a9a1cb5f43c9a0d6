/* check_errbound_gd.c - the error bound and the rate theory along
 * hand-written gradient-descent runs (regularized.md 5, 6, 9(c), 9(e)):
 *  - the ratio dist/||grad F|| tends to kappa = 1/mu_min^+ of the limit orbit;
 *  - the predicted rho(eta) (block spectrum) equals the slope of
 *    log ||grad F_k|| measured on the run, and the rate computed here from the
 *    dense Hessian at the limit (LAPACK);
 *  - at the threshold y = y* the ratio grows like 1/dist (L = 3) or 1/dist^2
 *    (L = 2) and gradient descent is sublinear;
 *  - near the threshold kappa follows the closed forms of regularized.md 5.3;
 *  - rates of the worked example 10.1 from its table;
 *  - data with X X^T = c I (the Hessian and kappa scale with c). */
#include "errbound_util.h"
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Perturb the net by a random vector of norm t. */
static void perturb(dln_net *net, tu_rng *rng, double t)
{
    size_t n = dln_net_num_params(net);
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g), nr = 0.0;
    ck_assert_ok(dln_net_get_params(net, th));
    tu_fill(rng, n, g);
    for (size_t i = 0; i < n; i++) nr += g[i] * g[i];
    for (size_t i = 0; i < n; i++) th[i] += t * g[i] / sqrt(nr);
    ck_assert_ok(dln_net_set_params(net, th));
    free(th), free(g);
}

/* rho from the dense Hessian: max over |mu| > 1e-8 max|mu| of |1 - eta mu|. */
static double dense_rho(dln_loss *loss, const dln_net *net, double eta)
{
    size_t n = dln_net_num_params(net);
    double *ev = malloc(n * sizeof *ev), rho = 0.0;
    lu_hess_eigs(loss, net, ev);
    double mx = fmax(fabs(ev[0]), fabs(ev[n - 1]));
    for (size_t i = 0; i < n; i++)
        if (fabs(ev[i]) > 1e-8 * mx) rho = fmax(rho, fabs(1.0 - eta * ev[i]));
    free(ev);
    return rho;
}

typedef struct gd_case {
    size_t problem;
    int local;         /* start near the spurious local minimum {3:+, 1.9:+} of 10.1 */
    double eta_frac;   /* eta = eta_frac * eta_max, or 0: eta_opt */
} gd_case;

/* Least-squares slope of log g_k over k in [k0, k1). */
static double fitted_rate(const double *g, size_t k0, size_t k1)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = (double)(k1 - k0);
    for (size_t k = k0; k < k1; k++) {
        double x = (double)k, y = log(g[k]);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    return exp((m * sxy - sx * sy) / (m * sxx - sx * sx));
}

/* Measured errors of one run (see run_gd). */
typedef struct gd_errors {
    double rho, ratio;
} gd_errors;

/* Gradient descent with step eta_frac * eta_max (eta_opt if 0) from the orbit of
 * pat (random frames) plus a random perturbation of norm 0.05, until
 * ||grad|| < 1e-11 ||grad_0||. Checks the fitted rate against rho(eta) (and the
 * dense-Hessian rate at the limit) and the ratio at ||grad|| ~ 1e-7 ||grad_0||
 * against 1/|mu_slowest|: the iterates align with the slowest mode, which is
 * the mu_min^+ direction (ratio -> kappa) when eta < eta_opt and the mu_max
 * direction above; at eta_opt two modes tie and the ratio stays between. */
static gd_errors run_gd(dln_loss *loss, dln_landscape *ls, dln_net *net, const int *pat,
                        double eta_frac, uint64_t seed)
{
    size_t n = dln_net_num_params(net);
    tu_rng rng;
    tu_seed(&rng, seed);
    dln_rate_report rr = {.struct_size = sizeof rr};
    ck_assert_ok(dln_landscape_rate(ls, pat, 0.0, &rr));
    double eta = eta_frac > 0.0 ? eta_frac * rr.eta_max : rr.eta_opt;
    ck_assert_ok(dln_landscape_rate(ls, pat, eta, &rr));
    ck_assert(rr.rho < 1.0 && rr.flags == 0u);
    ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, seed, net));
    perturb(net, &rng, 0.05);
    size_t cap = (size_t)(30.0 / -log(rr.rho)) + 200, k = 0;
    double *g = malloc((cap + 1) * sizeof *g), *grad = malloc(n * sizeof *grad), *th = malloc(n * sizeof *th);
    int got[4];
    dln_dist_report r = eu_report();
    for (; k <= cap; k++) {
        if (k > 0 && g[k - 1] < 1e-7 * g[0] && r.dist == 0.0) /* the ratio, well above rounding */
            ck_assert_ok(dln_landscape_distance(ls, net, &r, got, NULL));
        g[k] = eu_gd_step(loss, net, eta, grad, th);
        if (g[k] < 1e-11 * g[0]) break;
    }
    ck_assert_msg(k < cap, "no convergence in %zu steps (rho %g)", cap, rr.rho);
    /* fit on the iterates with grad in [1e-10, 1e-7] g_0: linear regime, above
     * rounding; the finite window is biased by the second-slowest mode (6) */
    size_t k0 = 0, k1 = 0;
    while (g[k0] > 1e-7 * g[0]) k0++;
    for (k1 = k0; k1 < k && g[k1] > 1e-10 * g[0]; k1++) continue;
    ck_assert_uint_ge(k1 - k0, 3);
    double rho_meas = fitted_rate(g, k0, k1);
    gd_errors e = {fabs(rho_meas - rr.rho), fabs(r.ratio * fabs(rr.mu_slowest) - 1.0)};
    ck_assert_msg(e.rho <= 2e-6, "measured rho %.12f predicted %.12f", rho_meas, rr.rho);
    ck_assert(fabs(dense_rho(loss, net, eta) - rr.rho) <= 1e-9);
    ck_assert(eu_same_type(ls, pat, got));
    ck_assert_msg(r.ratio <= r.kappa * (1.0 + 1e-6) && r.ratio >= (1.0 - 1e-6) / r.mu_max,
                  "ratio %.10g outside [1/mu_max, kappa] = [%.10g, %.10g] (eta/eta_opt %g)", r.ratio,
                  1.0 / r.mu_max, r.kappa, eta / rr.eta_opt);
    if (eta_frac == 0.0) e.ratio = 0.0;
    ck_assert_msg(e.ratio <= 1e-5, "ratio %.12g, 1/mu_slowest %.12g", r.ratio, 1.0 / fabs(rr.mu_slowest));
    if (eta_frac > 0.0 && eta < 2.0 / (rr.mu_min_pos + rr.mu_max))
        ck_assert(fabs(r.ratio / r.kappa - 1.0) <= 1e-5);
    ck_assert(!(r.flags & (DLN_EB_FAILS | DLN_EB_DEGENERATE | DLN_EB_FAR)));
    free(g), free(grad), free(th);
    return e;
}

/* The global minimizer's pattern: the top values above yhat, with s_+. */
static void global_pattern(dln_landscape *ls, int *pat)
{
    dln_landscape_info info = {.struct_size = sizeof info};
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    for (size_t i = 0, r = 0; i < info.num_values; i++) {
        dln_root_info ri = {.struct_size = sizeof ri};
        ck_assert_ok(dln_landscape_roots(ls, i, &ri));
        pat[i] = DLN_MATCH_NONE;
        if (ri.count && ri.delta_hat > 0.0 && r < info.rank_max) pat[i] = DLN_MATCH_PLUS, r++;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

START_TEST(gd_ratio_and_rate)
{
    static const gd_case cases[] = {
        {0, 0, 0.1}, {0, 0, 0.97}, {0, 0, 0.0}, {0, 1, 0.3}, {1, 0, 0.2}, {1, 0, 0.0},
        {2, 0, 0.5}, {2, 0, 0.97}, {5, 0, 0.3}, {6, 0, 0.4}, {3, 0, 0.3},
    };
    size_t nc = sizeof cases / sizeof cases[0];
    double worst_ratio = 0.0, erho[16];
    for (size_t ci = 0; ci < nc; ci++) {
        const gd_case *gc = &cases[ci];
        eu_setup s;
        eu_setup_problem(&eu_problems[gc->problem], &s);
        int pat[4];
        global_pattern(s.ls, pat);
        if (gc->local) pat[1] = DLN_MATCH_PLUS; /* 10.1: the spurious minimum {3:+, 1.9:+} */
        gd_errors e = run_gd(s.loss, s.ls, s.net, pat, gc->eta_frac, 31 + ci);
        erho[ci] = e.rho, worst_ratio = fmax(worst_ratio, e.ratio);
        eu_setup_free(&s);
    }
    qsort(erho, nc, sizeof *erho, cmp_double);
    orc_note("errbound: median |measured rho - predicted rho| over GD runs", erho[nc / 2]);
    orc_note("errbound: max |measured rho - predicted rho| over GD runs", erho[nc - 1]);
    orc_note("errbound: max |ratio |mu_slowest| - 1| along GD runs (1e-7 g_0)", worst_ratio);
}
END_TEST

/* Data with X X^T = c I (sum and mean forms): the theory runs on the reduced
 * problem, and distances, kappa and rates are those of the loss itself. */
START_TEST(data_isotropic)
{
    size_t d0 = 3, dL = 2, N = 7, L = 3, w[] = {3, 4, 3, 2};
    double lam[] = {0.6, 0.9, 0.4}, c = 2.5;
    tu_rng rng;
    tu_seed(&rng, 41);
    double *Q = malloc(N * N * sizeof *Q), *X = malloc(d0 * N * sizeof *X), *Y = malloc(dL * N * sizeof *Y);
    lu_orth(&rng, N, Q);
    for (size_t j = 0; j < N; j++)
        for (size_t i = 0; i < d0; i++) X[i + j * d0] = sqrt(c) * Q[j + i * N]; /* rows of Q^T */
    for (size_t j = 0; j < N; j++)
        for (size_t i = 0; i < dL; i++) Y[i + j * dL] = 2.0 * tu_normal(&rng);
    for (int mean = 0; mean <= 1; mean++) {
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d0, dL, N, X, d0, Y, dL));
        ck_assert_ok(dln_loss_set_l2(loss, L, lam));
        ck_assert_ok(dln_loss_set_mean(loss, mean));
        dln_net *net = NULL;
        dln_landscape *ls = lu_landscape(loss, L, w, &net);
        ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_REGULARIZED);
        size_t n = dln_net_num_params(net);
        dln_landscape_info info = {.struct_size = sizeof info};
        ck_assert_ok(dln_landscape_get_info(ls, &info));
        double *ev = malloc(n * sizeof *ev);
        int pat[2], got[2];
        for (size_t o = 0; o < info.num_orbits; o++) {
            ck_assert_ok(dln_landscape_orbit(ls, o, pat));
            ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 50 + o, net));
            dln_dist_report r = eu_report();
            ck_assert_ok(dln_landscape_distance(ls, net, &r, got, NULL));
            ck_assert(r.dist <= 1e-13 * fmax(1.0, eu_norm(net)));
            ck_assert(eu_same_type(ls, pat, got));
            lu_hess_eigs(loss, net, ev);
            double mx = fmax(fabs(ev[0]), ev[n - 1]), mu = INFINITY;
            for (size_t i = 0; i < n; i++)
                if (fabs(ev[i]) > 1e-8 * mx) mu = fmin(mu, fabs(ev[i]));
            ck_assert_msg(fabs(r.kappa * mu - 1.0) <= 1e-8, "mean %d orbit %zu: kappa %g vs %g", mean, o, r.kappa,
                          1.0 / mu);
        }
        global_pattern(ls, pat);
        run_gd(loss, ls, net, pat, 0.95, 60 + (uint64_t)mean);
        free(ev);
        dln_net_free(net), dln_landscape_free(ls), dln_loss_free(loss);
    }
    free(Q), free(X), free(Y);
}
END_TEST

/* Target diag(y1, y2) with lam_l = lam, L = depth, widths 2: setup with a net. */
static void diag_setup(size_t L, double lam, double y1, double y2, eu_setup *s)
{
    eu_problem p;
    memset(&p, 0, sizeof p);
    p.L = L, p.y[0] = y1, p.y[1] = y2, p.seed = 0;
    for (size_t l = 0; l <= L; l++) p.w[l] = 2;
    for (size_t l = 0; l < L; l++) p.lam[l] = lam;
    eu_setup_problem(&p, s);
}

/* y_1 = y*: the error bound fails. L = 3 at the double-root orbit, along the
 * balanced scaling W_l = (1 + t) W0_l: ||grad|| ~ t^2, ratio ~ 1/dist.
 * L = 2 at W = 0 (Crit F = {0}), along the null vector of block E:
 * ||grad|| ~ t^3, ratio ~ 1/dist^2. */
START_TEST(threshold_growth)
{
    double ystar;
    ck_assert_ok(dln_critical_thresholds(3, 1.0, &ystar, NULL, NULL, NULL));
    eu_setup s;
    diag_setup(3, 1.0, ystar, 0.5, &s);
    int pat[2] = {DLN_MATCH_DOUBLE, DLN_MATCH_NONE}, got[2];
    ck_assert_ok(dln_landscape_build(s.ls, pat, NULL, DLN_FRAMES_RANDOM, 3, s.net));
    double th0[12], th[12], prev = NAN;
    ck_assert_uint_eq(s.n, 12);
    ck_assert_ok(dln_net_get_params(s.net, th0));
    for (double t = 1e-2; t >= 1e-4; t *= 0.1) {
        for (size_t i = 0; i < 12; i++) th[i] = (1.0 + t) * th0[i];
        ck_assert_ok(dln_net_set_params(s.net, th));
        dln_dist_report r = eu_report();
        ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, got, NULL));
        ck_assert(fabs(r.dist / (t * eu_norm(s.net) / (1.0 + t)) - 1.0) <= 1e-9);
        ck_assert(eu_same_type(s.ls, pat, got));
        ck_assert_uint_eq(r.flags & (DLN_EB_FAILS | DLN_EB_DEGENERATE), DLN_EB_FAILS | DLN_EB_DEGENERATE);
        ck_assert(isinf(r.kappa) && r.error_bound == 0 && r.error_bound_gap <= 1e-12 && r.orbit_gap <= 1e-12);
        ck_assert_int_eq(r.cls, DLN_CLASS_NONSTRICT_SADDLE);
        if (!isnan(prev)) /* ratio * dist converges: the ratio gains a factor 10 per decade */
            ck_assert_msg(fabs(r.ratio / prev / 10.0 - 1.0) <= 0.05, "L = 3: growth %g per decade", r.ratio / prev);
        prev = r.ratio;
    }
    eu_setup_free(&s);

    diag_setup(2, 1.0, 1.0, 0.3, &s); /* sqrt(lam) = 1 = y_1 */
    ck_assert_uint_eq(s.n, 8);
    prev = NAN;
    for (double t = 1e-1; t >= 1e-3; t *= 0.1) {
        double W1[4] = {t, 0, 0, 0}, W2[4] = {t, 0, 0, 0}; /* W_1(e,k) = W_2(k,e) = t: null vector of E */
        ck_assert_ok(dln_net_set_layer(s.net, 1, W1, 2, DLN_COL_MAJOR));
        ck_assert_ok(dln_net_set_layer(s.net, 2, W2, 2, DLN_COL_MAJOR));
        dln_dist_report r = eu_report();
        ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, got, NULL));
        ck_assert(fabs(r.dist - sqrt(2.0) * t) <= 1e-15);
        ck_assert(got[0] == DLN_MATCH_NONE && got[1] == DLN_MATCH_NONE);
        ck_assert(r.flags & DLN_EB_FAILS && r.flags & DLN_EB_DEGENERATE && isinf(r.kappa));
        if (!isnan(prev))
            ck_assert_msg(fabs(r.ratio / prev / 100.0 - 1.0) <= 0.05, "L = 2: growth %g per decade", r.ratio / prev);
        prev = r.ratio;
    }
    eu_setup_free(&s);
}
END_TEST

/* At y = y* (L = 3) gradient descent from above s* converges to the double
 * root sublinearly: ||grad F_k|| = Theta(k^-2), dist = Theta(1/k)
 * (regularized.md 6). Along the degenerate direction x' = -a x^2, so
 * x_k ~ 1/(a eta k), ||grad|| ~ a x^2 and the ratio x/||grad|| ~ eta k. */
START_TEST(threshold_sublinear)
{
    double ystar;
    ck_assert_ok(dln_critical_thresholds(3, 1.0, &ystar, NULL, NULL, NULL));
    eu_setup s;
    diag_setup(3, 1.0, ystar, 0.5, &s);
    int pat[2] = {DLN_MATCH_DOUBLE, DLN_MATCH_NONE};
    ck_assert_ok(dln_landscape_build(s.ls, pat, NULL, DLN_FRAMES_CANONICAL, 0, s.net));
    double th[12], grad[12];
    ck_assert_ok(dln_net_get_params(s.net, th));
    for (size_t i = 0; i < 12; i++) th[i] *= 1.1;
    ck_assert_ok(dln_net_set_params(s.net, th));
    size_t K = 4096;
    double g[2], d[2], q[2], eta = 0.1;
    for (size_t k = 0, j = 0; k <= 4 * K; k++) {
        if (k == K || k == 4 * K) {
            dln_dist_report r = eu_report();
            ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, NULL, NULL));
            g[j] = r.grad_norm, d[j] = r.dist, q[j++] = r.ratio;
        }
        eu_gd_step(s.loss, s.net, eta, grad, th);
    }
    ck_assert_msg(fabs(g[1] / g[0] * 16.0 - 1.0) <= 0.05, "grad ratio %g (k^-2: 1/16)", g[1] / g[0]);
    ck_assert_msg(fabs(d[1] / d[0] * 4.0 - 1.0) <= 0.05, "dist ratio %g (1/k: 1/4)", d[1] / d[0]);
    ck_assert_msg(fabs(q[1] / (eta * 4.0 * (double)K) - 1.0) <= 0.01, "ratio %g, eta k = %g", q[1],
                  eta * 4.0 * (double)K);
    eu_setup_free(&s);
}
END_TEST

/* Near the threshold (regularized.md 5.3): L >= 3, all lam_l = 1, the block-A
 * eigenvalues of s_+ and s_- are +-c_L sqrt(delta), c_L = (2L-2) sqrt(2(L-2)/L);
 * L = 2: mu_min^+ = 2 p = 2 (y - sqrt(lam)) exactly. */
START_TEST(near_threshold_kappa)
{
    double delta = 1e-6;
    for (size_t L = 3; L <= 5; L++) {
        double ystar, cL = (2.0 * (double)L - 2.0) * sqrt(2.0 * ((double)L - 2.0) / (double)L);
        ck_assert_ok(dln_critical_thresholds(L, 1.0, &ystar, NULL, NULL, NULL));
        eu_setup s;
        diag_setup(L, 1.0, ystar * (1.0 + delta), 0.5, &s);
        int plus[2] = {DLN_MATCH_PLUS, DLN_MATCH_NONE}, minus[2] = {DLN_MATCH_MINUS, DLN_MATCH_NONE};
        ck_assert_ok(dln_landscape_build(s.ls, plus, NULL, DLN_FRAMES_RANDOM, 1, s.net));
        dln_dist_report r = eu_report();
        ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, NULL, NULL));
        ck_assert_msg(fabs(r.kappa * cL * sqrt(delta) - 1.0) <= 2e-3, "L = %zu: kappa %g, predicted %g", L, r.kappa,
                      1.0 / (cL * sqrt(delta)));
        ck_assert(!(r.flags & (DLN_EB_FAILS | DLN_EB_DEGENERATE)) && r.error_bound);
        ck_assert(fabs(r.orbit_gap / delta - 1.0) <= 1e-6 && fabs(r.error_bound_gap / delta - 1.0) <= 1e-6);
        dln_rate_report rr = {.struct_size = sizeof rr};
        ck_assert_ok(dln_landscape_rate(s.ls, minus, 0.01, &rr));
        ck_assert(fabs(rr.hess_min / (cL * sqrt(delta)) + 1.0) <= 2e-3);
        ck_assert(rr.flags & DLN_EB_SADDLE);
        eu_setup_free(&s);
    }
    eu_setup s;
    diag_setup(2, 1.0, 1.0 + delta, 0.3, &s);
    int plus[2] = {DLN_MATCH_PLUS, DLN_MATCH_NONE};
    ck_assert_ok(dln_landscape_build(s.ls, plus, NULL, DLN_FRAMES_RANDOM, 1, s.net));
    dln_dist_report r = eu_report();
    ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, NULL, NULL));
    ck_assert_msg(fabs(r.kappa * 2.0 * delta - 1.0) <= 1e-8, "L = 2: kappa %.12g", r.kappa);
    eu_setup_free(&s);
}
END_TEST

/* dln_landscape_rate on the orbits of regularized.md 10.1 against its table. */
START_TEST(rates_of_example_101)
{
    static const struct {
        int pat[2];
        double hmin, mupos, mumax;
    } orb[] = {
        {{0, 0}, 1, 1, 1},
        {{1, 0}, 0, 1.0, 7.7673749087},
        {{2, 0}, -0.9609991092, 0.3714334422, 2.0},
        {{0, 1}, -1.0380064930, 1.0, 4.6238471052},
        {{0, 2}, -0.6491771288, 0.6360821507, 2.8917890283},
        {{1, 1}, 0, 1.3787609183, 8.3449354501},
        {{1, 2}, -0.6360821507, 0.6360821507, 7.7673749087},
        {{2, 1}, -1.2449797600, 0.9609991092, 5.0598795725},
        {{2, 2}, -1.1459041784, 0.6360821507, 3.4939399270},
    };
    eu_setup s;
    eu_setup_problem(&eu_problems[0], &s);
    double eta = 0.1;
    for (size_t i = 0; i < sizeof orb / sizeof orb[0]; i++) {
        dln_rate_report rr = {.struct_size = sizeof rr};
        ck_assert_ok(dln_landscape_rate(s.ls, orb[i].pat, eta, &rr));
        ck_assert(fabs(rr.mu_min_pos - orb[i].mupos) <= 1e-9 && fabs(rr.mu_max - orb[i].mumax) <= 1e-9);
        ck_assert(fabs(rr.hess_min - orb[i].hmin) <= 1e-9);
        double rho = orb[i].hmin < 0.0 ? 1.0 - eta * orb[i].hmin
                                       : fmax(fabs(1.0 - eta * orb[i].mupos), fabs(1.0 - eta * orb[i].mumax));
        ck_assert_msg(fabs(rr.rho - rho) <= 1e-9, "orbit %zu: rho %.12g vs %.12g", i, rr.rho, rho);
        ck_assert(fabs(rr.eta_max - 2.0 / orb[i].mumax) <= 1e-9);
        ck_assert(fabs(rr.eta_opt - 2.0 / (orb[i].mupos + orb[i].mumax)) <= 1e-9);
        ck_assert(fabs(rr.rho_opt - (orb[i].mumax - orb[i].mupos) / (orb[i].mumax + orb[i].mupos)) <= 1e-9);
        ck_assert_uint_eq(rr.flags, orb[i].hmin < 0.0 ? (unsigned)DLN_EB_SADDLE : 0u);
        ck_assert_uint_eq(rr.orbit_dim, 2 * (i > 0));
        ck_assert_ok(dln_landscape_rate(s.ls, orb[i].pat, 1.01 * rr.eta_max, &rr));
        ck_assert(rr.flags & DLN_EB_UNSTABLE && rr.rho > 1.0);
        ck_assert_ok(dln_landscape_rate(s.ls, orb[i].pat, 0.0, &rr)); /* 0 selects eta_opt */
        ck_assert(rr.eta == rr.eta_opt);
    }
    eu_setup_free(&s);
}
END_TEST

Suite *suite_errbound_gd(void)
{
    Suite *s = suite_create("errbound_gd");
    TCase *tc = tcase_create("gd");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, gd_ratio_and_rate);
    tcase_add_test(tc, data_isotropic);
    tcase_add_test(tc, threshold_growth);
    tcase_add_test(tc, threshold_sublinear);
    tcase_add_test(tc, near_threshold_kappa);
    tcase_add_test(tc, rates_of_example_101);
    suite_add_tcase(s, tc);
    return s;
}
