/* check_metrics.c - balancedness, f*, gradient dominance, Zhou-Liang and
 * Arora et al. metrics (src/metrics.c) against hand-computed values,
 * structured data with closed-form optima, and gradient-descent runs.
 *
 * Structured data used throughout: X = [Dx, Dx] (d0 x 2d0, Dx diagonal) and
 * Y = [Phi Dx + N, Phi Dx - N]. Then Sxx = 2 Dx^2, the least-squares map is
 * Phi, r0 = 2 ||N||^2, and F(W) = ||(P - Phi) Dx||^2 + ||N||^2 exactly, so
 * f* and F - f* are known in closed form without the library. */
#include "linalg.h" /* la_svd for test-side oracles (LAPACK, not code under test) */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers -------------------------------------------------------------- */

static dln_net *net_of(size_t L, const size_t *d)
{
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, L, d));
    return net;
}

static dln_loss *target_loss(size_t dL, size_t d0, const double *Phi)
{
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, dL, d0, Phi, dL));
    return loss;
}

/* X = [Dx, Dx], Y = [Phi Dx + N, Phi Dx - N] (see the file comment). */
static dln_loss *paired_loss(size_t dL, size_t d0, const double *Phi, const double *dx,
                             const double *N)
{
    size_t m = 2 * d0;
    double *X = calloc(d0 * m, sizeof *X), *Y = calloc(dL * m, sizeof *Y);
    for (size_t j = 0; j < d0; j++) {
        X[j + j * d0] = X[j + (j + d0) * d0] = dx[j];
        for (size_t i = 0; i < dL; i++) {
            double s = Phi[i + j * dL] * dx[j], n = N ? N[i + j * dL] : 0.0;
            Y[i + j * dL] = s + n, Y[i + (j + d0) * dL] = s - n;
        }
    }
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
    free(X), free(Y);
    return loss;
}

/* Data loss from random N(0,1) samples (m of them). */
static dln_loss *random_loss(tu_rng *rng, size_t d0, size_t dL, size_t m)
{
    double *X = tu_padded(rng, d0, m, d0), *Y = tu_padded(rng, dL, m, dL);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
    free(X), free(Y);
    return loss;
}

static double sumsq(size_t n, const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i] * x[i];
    return s;
}

/* ||grad F||^2 / (F - r0/2): the ratio without a bottleneck and with Sxx
 * positive definite, where f* = r0/2 (oracle away from the minimizer). */
static double oracle_ratio(dln_loss *loss, const dln_net *net, double *fstar)
{
    size_t n = dln_net_num_params(net);
    double *g = malloc(n * sizeof *g), f, r0;
    ck_assert_ok(dln_loss_grad(loss, net, &f, g));
    ck_assert_ok(dln_loss_summary(loss, NULL, 1, NULL, 1, &r0));
    double ratio = sumsq(n, g) / (f - 0.5 * r0);
    free(g);
    *fstar = 0.5 * r0;
    return ratio;
}

/* ||(P - Phi) Dx||^2 with P the end-to-end matrix of net. */
static double paired_excess(const dln_net *net, const double *Phi, const double *dx)
{
    size_t L = dln_net_depth(net), d0 = dln_net_width(net, 0), dL = dln_net_width(net, L);
    double *P = malloc(dL * d0 * sizeof *P), s = 0.0;
    ck_assert_ok(dln_net_end_to_end(net, P, dL));
    for (size_t j = 0; j < d0; j++)
        for (size_t i = 0; i < dL; i++) {
            double e = (P[i + j * dL] - Phi[i + j * dL]) * dx[j];
            s += e * e;
        }
    free(P);
    return s;
}

/* Singular values of an m x n matrix (test-side LAPACK oracle). */
static void svals(size_t m, size_t n, const double *A, double *s)
{
    double *c = malloc(m * n * sizeof *c);
    memcpy(c, A, m * n * sizeof *c);
    ck_assert_int_eq(la_svd(m, n, c, m, s, NULL, 1, NULL, 1), 0);
    free(c);
}

/* One step of plain gradient descent W <- W - eta grad F(W); returns F(W). */
static double gd_step(dln_loss *loss, dln_net *net, double eta, double *theta, double *g)
{
    double f;
    size_t n = dln_net_num_params(net);
    ck_assert_ok(dln_net_get_params(net, theta));
    ck_assert_ok(dln_loss_grad(loss, net, &f, g));
    for (size_t i = 0; i < n; i++) theta[i] -= eta * g[i];
    ck_assert_ok(dln_net_set_params(net, theta));
    return f;
}

static dln_dominance_report dominance(dln_loss *loss, const dln_net *net, double tol)
{
    dln_dominance_report r = {.struct_size = sizeof r};
    ck_assert_ok(dln_loss_gradient_dominance(loss, net, tol, &r));
    return r;
}

static dln_arora_report arora(dln_loss *loss, const dln_net *net, double eta, double eps)
{
    dln_arora_report r = {.struct_size = sizeof r};
    ck_assert_ok(dln_loss_arora(loss, net, eta, eps, &r));
    return r;
}

/* l(W) = 1/2 ||W_{L:1} - Phi||^2 from the end-to-end matrix (independent of the loss). */
static double target_l(const dln_net *net, const double *Phi)
{
    size_t L = dln_net_depth(net), d0 = dln_net_width(net, 0), dL = dln_net_width(net, L);
    double *P = malloc(dL * d0 * sizeof *P);
    ck_assert_ok(dln_net_end_to_end(net, P, dL));
    for (size_t i = 0; i < dL * d0; i++) P[i] -= Phi[i];
    double l = 0.5 * sumsq(dL * d0, P);
    free(P);
    return l;
}

/* ---- balancedness ---------------------------------------------------------- */

START_TEST(balance_hand)
{
    /* d = (2,1,1): W1 = [1 2], W2 = [3]: D = 9 - 5 = 4; lam = (2, 0.5): 4.5 - 10 = -5.5 */
    const size_t d1[] = {2, 1, 1};
    dln_net *net = net_of(2, d1);
    const double th1[] = {1, 2, 3}, lam[] = {2, 0.5}, phi[] = {1, 1};
    ck_assert_ok(dln_net_set_params(net, th1));
    double norm, D;
    ck_assert_ok(dln_net_balancedness(net, &norm, &D));
    ck_assert_double_eq(norm, 4.0);
    ck_assert_double_eq(D, 4.0);
    dln_loss *loss = target_loss(1, 2, phi);
    ck_assert_ok(dln_loss_set_l2(loss, 2, lam));
    ck_assert_ok(dln_loss_balancedness(loss, net, &norm, &D));
    ck_assert_double_eq(norm, 5.5);
    ck_assert_double_eq(D, -5.5);
    dln_loss_free(loss);
    dln_net_free(net);

    /* d = (2,2,2): W1 = [[1,2],[0,1]], W2 = [[1,1],[0,2]]:
     * W2^T W2 = [[1,1],[1,5]], W1 W1^T = [[5,2],[2,1]], D = [[-4,-1],[-1,4]] */
    const size_t d2[] = {2, 2, 2};
    net = net_of(2, d2);
    const double W1[] = {1, 2, 0, 1}, W2[] = {1, 1, 0, 2}, Dx[] = {-4, -1, -1, 4};
    ck_assert_ok(dln_net_set_layer(net, 1, W1, 2, DLN_ROW_MAJOR));
    ck_assert_ok(dln_net_set_layer(net, 2, W2, 2, DLN_ROW_MAJOR));
    double D4[4];
    ck_assert_ok(dln_net_balancedness(net, &norm, D4));
    ck_assert_double_eq_tol(norm, sqrt(34.0), 1e-15);
    ck_assert_double_le(tu_maxdiff(4, D4, Dx), 1e-15);
    dln_net_free(net);

    /* unregularized.md §12(d): A = [3 4], dims 2-3-2-1, exactly balanced */
    const size_t d3[] = {2, 3, 2, 1};
    const double A[] = {3, 4};
    net = net_of(3, d3);
    ck_assert_ok(dln_net_init_balanced(net, A, 1, DLN_FRAMES_CANONICAL, 0));
    double n3[2], D3[9 + 4];
    ck_assert_ok(dln_net_balancedness(net, n3, D3));
    ck_assert_double_le(n3[0], 1e-14 * 2.924018);
    ck_assert_double_le(n3[1], 1e-14 * 2.924018);
    ck_assert_double_le(tu_maxabs(13, D3), 1e-14 * 2.924018);
    dln_net_free(net);

    /* L = 1: nothing to compare, nothing written */
    const size_t d4[] = {3, 2};
    net = net_of(1, d4);
    norm = -1.0;
    ck_assert_ok(dln_net_balancedness(net, &norm, NULL));
    ck_assert_double_eq(norm, -1.0);
    dln_net_free(net);
}
END_TEST

/* Fill out[l] = g_{l+1}^T g_{l+1} - g_l g_l^T by plain loops (oracle). */
static void grad_balance(const dln_net *net, const double *g, double *out)
{
    size_t L = dln_net_depth(net), off = 0;
    for (size_t l = 1; l < L; l++) {
        size_t a = dln_net_width(net, l - 1), b = dln_net_width(net, l);
        size_t c = dln_net_width(net, l + 1);
        const double *gl = g + dln_net_layer_offset(net, l);
        const double *gn = g + dln_net_layer_offset(net, l + 1);
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < b; j++) {
                double s = 0.0;
                for (size_t k = 0; k < c; k++) s += gn[k + i * c] * gn[k + j * c];
                for (size_t k = 0; k < a; k++) s -= gl[i + k * b] * gl[j + k * b];
                out[off + i + j * b] = s;
            }
        off += b * b;
    }
}

/* D(t+1) - D(t) = eta^2 (g_{l+1}^T g_{l+1} - g_l g_l^T) for the unregularized loss. */
START_TEST(balance_gd_identity)
{
    tu_rng rng;
    tu_seed(&rng, 11);
    int cases = tu_cases(60);
    double worst = 0.0;
    for (int c = 0; c < cases; c++) {
        size_t L = tu_int(&rng, 2, 5), d[6], m = tu_int(&rng, 1, 9), tot = 0;
        for (size_t l = 0; l <= L; l++) d[l] = tu_int(&rng, 1, 5);
        for (size_t l = 1; l < L; l++) tot += d[l] * d[l];
        dln_loss *loss = random_loss(&rng, d[0], d[L], m);
        if (c % 3 == 1) ck_assert_ok(dln_loss_set_mean(loss, 1));
        dln_net *net = tu_net(L, d, 0.8, 100 + (uint64_t)c);
        size_t n = dln_net_num_params(net);
        double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g);
        double *D0 = malloc(tot * sizeof *D0), *D1 = malloc(tot * sizeof *D1);
        double *E = malloc(tot * sizeof *E), nrm[5];
        ck_assert_ok(dln_net_balancedness(net, nrm, D0));
        double f;
        ck_assert_ok(dln_loss_grad(loss, net, &f, g));
        double eta = 0.3 / fmax(1.0, sqrt(sumsq(n, g))), scale = 0.0;
        grad_balance(net, g, E);
        gd_step(loss, net, eta, th, g);
        ck_assert_ok(dln_net_balancedness(net, nrm, D1));
        for (size_t l = 1; l <= L; l++) {
            size_t sz = d[l] * d[l - 1];
            scale += sumsq(sz, th + dln_net_layer_offset(net, l));
        }
        double err = 0.0, term = 0.0;
        for (size_t i = 0; i < tot; i++) {
            err = fmax(err, fabs(D1[i] - D0[i] - eta * eta * E[i]));
            term = fmax(term, fabs(eta * eta * E[i]));
        }
        /* the eta^2 term is well above the rounding floor, so a wrong
         * identity (or a wrong D) would be caught */
        ck_assert_double_le(err, 1e-14 * scale);
        if (term > 1e-6 * scale) worst = fmax(worst, err / term);
        free(th), free(g), free(D0), free(D1), free(E);
        dln_net_free(net);
        dln_loss_free(loss);
    }
    ck_assert_double_le(worst, 1e-10);
}
END_TEST

/* With l2 terms the plain identity fails (control: the test above can fail). */
START_TEST(balance_gd_regularized_control)
{
    const size_t d[] = {2, 3, 2};
    const double phi[] = {1, 2, -1, 0.5}, lam[] = {0.3, 0.1};
    dln_net *net = tu_net(2, d, 1.0, 5);
    dln_loss *loss = target_loss(2, 2, phi);
    ck_assert_ok(dln_loss_set_l2(loss, 2, lam));
    double th[12], g[12], D0[9], D1[9], E[9], nrm;
    ck_assert_ok(dln_net_balancedness(net, &nrm, D0));
    ck_assert_ok(dln_loss_grad(loss, net, NULL, g));
    grad_balance(net, g, E);
    gd_step(loss, net, 0.1, th, g);
    ck_assert_ok(dln_net_balancedness(net, &nrm, D1));
    double err = 0.0;
    for (int i = 0; i < 9; i++) err = fmax(err, fabs(D1[i] - D0[i] - 0.01 * E[i]));
    ck_assert_double_ge(err, 1e-3);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

/* ---- f* ------------------------------------------------------------------- */

/* f* = ||N||^2 + sum_{i > r} s_i^2 on paired data with Phi = diag(s) padded. */
START_TEST(fstar_closed_form)
{
    /* distinct, repeated, rank-deficient */
    const double sv[3][3] = {{3, 2, 0.5}, {3, 2, 2}, {3, 1, 0}};
    tu_rng rng;
    tu_seed(&rng, 3);
    for (int v = 0; v < 3; v++)
        for (size_t dL = 2; dL <= 4; dL++) {
            size_t d0 = 3, k = dL < d0 ? dL : d0;
            double Phi[12] = {0}, N[12], dx[3] = {1, 1, 1};
            for (size_t i = 0; i < k; i++) Phi[i + i * dL] = sv[v][i];
            tu_fill(&rng, dL * d0, N);
            double n2 = sumsq(dL * d0, N);
            dln_loss *data = paired_loss(dL, d0, Phi, dx, N), *tgt = target_loss(dL, d0, Phi);
            for (size_t r = 1; r <= 3; r++) {
                const size_t w[] = {d0, r + 1, r, dL};
                dln_net *net = net_of(3, w);
                double tail = 0.0, fs;
                for (size_t i = r; i < k; i++) tail += sv[v][i] * sv[v][i];
                ck_assert_ok(dln_loss_optimal_value(data, net, &fs));
                ck_assert_double_eq_tol(fs, n2 + tail, 1e-13 * (n2 + 20.0));
                ck_assert_ok(dln_loss_set_mean(data, 1));
                ck_assert_ok(dln_loss_optimal_value(data, net, &fs));
                ck_assert_double_eq_tol(fs, (n2 + tail) / 6.0, 1e-13 * (n2 + 20.0));
                ck_assert_ok(dln_loss_set_mean(data, 0));
                ck_assert_ok(dln_loss_optimal_value(tgt, net, &fs));
                ck_assert_double_eq_tol(fs, 0.5 * tail, 1e-13 * 20.0);
                dln_net_free(net);
            }
            dln_loss_free(data), dln_loss_free(tgt);
        }
}
END_TEST

/* X with an exactly zero row (and one of size 1e-20): rank 3 of 4, and f* is
 * the infimum of the data, as if the row were absent. */
START_TEST(fstar_rank_deficient_x)
{
    for (int noisy = 0; noisy < 2; noisy++) {
        size_t d0 = 4, dL = 3, m = 6;
        double X[24] = {0}, Y[18], N[9];
        const double s[3] = {3, 2, 0.5};
        tu_rng rng;
        tu_seed(&rng, 9);
        tu_fill(&rng, 9, N);
        for (size_t j = 0; j < 3; j++) {
            X[j + j * d0] = X[j + (j + 3) * d0] = 1.0;
            for (size_t i = 0; i < dL; i++) {
                double p = i == j ? s[i] : 0.0;
                Y[i + j * dL] = p + N[i + j * dL], Y[i + (j + 3) * dL] = p - N[i + j * dL];
            }
        }
        for (size_t j = 0; noisy && j < m; j++) X[3 + j * d0] = 1e-20 * (double)(j + 1);
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
        const size_t w[] = {4, 2, 3};
        dln_net *net = tu_net(2, w, 1.0, 4);
        dln_dominance_report r = dominance(loss, net, 0.0);
        double n2 = sumsq(9, N);
        ck_assert_uint_eq(r.rank_x, 3);
        ck_assert_uint_eq(r.rank_max, 2);
        ck_assert_double_eq_tol(r.fstar, n2 + 0.25, 1e-13 * (n2 + 14));
        ck_assert_double_eq_tol(r.tail, 0.25, 1e-13 * 14); /* 1/2 gamma_3 = 1/2 * 2 * 0.5^2 */
        ck_assert_int_eq(r.zl_status, DLN_NA_NOT_SQUARE);
        ck_assert_double_eq_tol(r.excess, r.value - r.fstar, 1e-11 * r.value);
        dln_net_free(net);
        dln_loss_free(loss);
    }
}
END_TEST

/* ---- gradient dominance --------------------------------------------------- */

/* F - f* without cancellation: huge r0, tiny excess (evidence for using
 * ||Yw||^2 rather than max(f*, ||Yw||^2) as the scale of "undefined"). */
START_TEST(dominance_excess_accuracy)
{
    const size_t d0 = 3, dL = 3, w[] = {3, 3, 3};
    double Phi[9], N[9], dx[3] = {1.0, 0.7, 1.3}, E[9];
    tu_rng rng;
    tu_seed(&rng, 21);
    tu_fill(&rng, 9, Phi), tu_fill(&rng, 9, N), tu_fill(&rng, 9, E);
    for (int i = 0; i < 9; i++) N[i] *= 1e4; /* r0/2 = ||N||^2 ~ 1e9 */
    dln_loss *loss = paired_loss(dL, d0, Phi, dx, N);
    dln_net *net = net_of(2, w);
    for (int i = 0; i < 9; i++) Phi[i] += 1e-3 * E[i];
    ck_assert_ok(dln_net_init_balanced(net, Phi, 3, DLN_FRAMES_RANDOM, 8));
    for (int i = 0; i < 9; i++) Phi[i] -= 1e-3 * E[i];
    dln_dominance_report r = dominance(loss, net, 0.0);
    double want = paired_excess(net, Phi, dx);
    ck_assert_double_eq_tol(r.excess, want, 1e-8 * want);
    ck_assert_int_eq(r.defined, 1);
    ck_assert(isinf(r.excess_rel_tail));
    ck_assert_double_eq_tol(r.fstar, sumsq(9, N), 1e-13 * r.fstar);
    /* subtracting two loss values would lose most digits here */
    ck_assert_double_ge(fabs((r.value - r.fstar) - want), 1e-3 * want);
    /* 1000 x closer: below the default threshold (undefined), yet still
     * accurate, and defined with a smaller tol */
    for (int i = 0; i < 9; i++) Phi[i] += 1e-6 * E[i];
    ck_assert_ok(dln_net_init_balanced(net, Phi, 3, DLN_FRAMES_RANDOM, 8));
    for (int i = 0; i < 9; i++) Phi[i] -= 1e-6 * E[i];
    want = paired_excess(net, Phi, dx);
    r = dominance(loss, net, 0.0);
    ck_assert_double_le(want, DLN_METRICS_TOL * r.scale);
    ck_assert_int_eq(r.defined, 0);
    ck_assert(isnan(r.ratio));
    ck_assert_double_eq_tol(r.excess, want, 1e-6 * want);
    r = dominance(loss, net, 1e-16);
    ck_assert_int_eq(r.defined, 1);
    ck_assert_double_eq_tol(r.ratio, r.grad_norm2 / want, 1e-6 * r.ratio);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* At an exact global minimizer: undefined, NaN ratio flagged, rest finite. */
START_TEST(dominance_at_minimizer)
{
    const size_t d0 = 3, dL = 2, w[] = {3, 1, 2};
    double Phi[6] = {3, 0, 0, 1, 0, 0}, N[6], dx[3] = {1, 2, 0.5};
    tu_rng rng;
    tu_seed(&rng, 2);
    tu_fill(&rng, 6, N);
    dln_loss *loss = paired_loss(dL, d0, Phi, dx, N);
    dln_net *net = net_of(2, w);
    /* best rank-1 fit in the metric of Sxx = 2 Dx^2: the top singular pair of
     * Phi Dx = [[3,0,0],[0,2,0]] is e1 (value 3): P* = [[3,0,0],[0,0,0]] */
    const double Pstar[6] = {3, 0, 0, 0, 0, 0};
    ck_assert_ok(dln_net_init_balanced(net, Pstar, 2, DLN_FRAMES_RANDOM, 1));
    dln_dominance_report r = dominance(loss, net, 0.0);
    ck_assert_double_eq_tol(r.fstar, sumsq(6, N) + 4.0, 1e-13 * 30); /* tail s_2^2 = 2^2 */
    ck_assert_double_eq_tol(r.tail, 4.0, 1e-13 * 30);
    ck_assert_int_eq(r.defined, 0);
    ck_assert(isnan(r.ratio));
    ck_assert_double_le(fabs(r.excess), 1e-13 * r.scale);
    ck_assert_double_le(r.grad_norm2, 1e-24 * r.scale * r.scale);
    ck_assert(isfinite(r.value) && isfinite(r.excess) && isfinite(r.excess_rel_tail));
    ck_assert_int_eq(r.zl_status, DLN_NA_NOT_SQUARE);
    ck_assert_double_eq(r.zl_bound, 0.0);
    /* a bottleneck point off the minimizer: the ratio is defined and positive */
    const double Poff[6] = {3, 0.3, 0, 0, 0.2, 0.02}; /* (1, 0.1)^T (3, 0, 0.2) */
    ck_assert_ok(dln_net_init_balanced(net, Poff, 2, DLN_FRAMES_RANDOM, 1));
    r = dominance(loss, net, 0.0);
    ck_assert_int_eq(r.defined, 1);
    ck_assert_double_eq_tol(r.excess, paired_excess(net, Phi, dx) - 4.0, 1e-12 * 30);
    ck_assert_double_eq_tol(r.excess_rel_tail, r.excess / 4.0, 1e-15);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* L = 1: ratio = 2 lambda_min(Sxx) exactly along the weakest input direction
 * (the Zhou-Liang bound is attained), larger elsewhere. */
START_TEST(zl_pointwise_tight)
{
    const size_t w[] = {3, 3};
    double Phi[9], dx[3] = {1.0, 0.3, 2.0};
    tu_rng rng;
    tu_seed(&rng, 4);
    tu_fill(&rng, 9, Phi);
    dln_loss *loss = paired_loss(3, 3, Phi, dx, NULL);
    dln_net *net = net_of(1, w);
    double W[9];
    memcpy(W, Phi, sizeof W);
    W[0 + 1 * 3] += 0.5; /* P - Phi = 0.5 e_1 e_2^T, e_2 = weakest input */
    ck_assert_ok(dln_net_set_params(net, W));
    dln_dominance_report r = dominance(loss, net, 0.0);
    double lmin = 2.0 * 0.09;
    ck_assert_int_eq(r.zl_status, DLN_APPLICABLE);
    ck_assert_double_eq_tol(r.lambda_min_sxx, lmin, 1e-15);
    ck_assert_double_eq_tol(r.zl_bound, 2.0 * lmin, 1e-15);
    ck_assert_double_eq_tol(r.ratio, 2.0 * lmin, 1e-12);
    W[0 + 1 * 3] -= 0.5, W[2 + 2 * 3] += 0.5; /* strongest direction: ratio 2 * 2 * 4 */
    ck_assert_ok(dln_net_set_params(net, W));
    r = dominance(loss, net, 0.0);
    ck_assert_double_eq_tol(r.ratio, 16.0, 1e-12);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* Random square nets and data: ratio (checked against an independent
 * ||g||^2 / (F - r0/2)) >= the pointwise Zhou-Liang bound. */
START_TEST(zl_pointwise_random)
{
    tu_rng rng;
    tu_seed(&rng, 12);
    int cases = tu_cases(80);
    for (int c = 0; c < cases; c++) {
        size_t L = tu_int(&rng, 1, 4), dd = tu_int(&rng, 1, 4), m = 2 * dd + tu_int(&rng, 0, 5);
        size_t d[5] = {dd, dd, dd, dd, dd};
        dln_loss *loss = random_loss(&rng, dd, dd, m);
        if (c % 4 == 3) ck_assert_ok(dln_loss_set_mean(loss, 1));
        dln_net *net = tu_net(L, d, 0.3 + tu_uniform(&rng), 500 + (uint64_t)c);
        double fs, ratio = oracle_ratio(loss, net, &fs);
        dln_dominance_report r = dominance(loss, net, 0.0);
        ck_assert_int_eq(r.zl_status, DLN_APPLICABLE);
        ck_assert_double_eq_tol(r.fstar, fs, 1e-14 * r.value);
        ck_assert_double_eq_tol(r.ratio, ratio, 1e-8 * ratio);
        ck_assert_double_gt(r.zl_bound, 0.0);
        ck_assert_double_ge(r.ratio, r.zl_bound * (1.0 - 1e-10));
        dln_net_free(net);
        dln_loss_free(loss);
    }
}
END_TEST

/* Neighbourhood of a full-rank minimizer: hand-computed constants on
 * Phi = diag(s) (every sigma_min(W_l*) = s_min^{1/L}) and the bound holds. */
START_TEST(zl_neighbourhood)
{
    tu_rng rng;
    tu_seed(&rng, 13);
    int cases = tu_cases(60), inside = 0;
    for (int c = 0; c < cases; c++) {
        size_t L = tu_int(&rng, 1, 4), dd = tu_int(&rng, 1, 4), d[5] = {dd, dd, dd, dd, dd};
        double Phi[16] = {0}, dx[4], N[16], smin = INFINITY;
        for (size_t i = 0; i < dd; i++) {
            Phi[i + i * dd] = 0.5 + 2.0 * tu_uniform(&rng);
            dx[i] = 0.5 + tu_uniform(&rng);
            smin = fmin(smin, Phi[i + i * dd]);
        }
        tu_fill(&rng, dd * dd, N);
        double lmin = INFINITY;
        for (size_t i = 0; i < dd; i++) lmin = fmin(lmin, 2.0 * dx[i] * dx[i]);
        dln_loss *loss = paired_loss(dd, dd, Phi, dx, N);
        dln_net *ws = net_of(L, d), *net = net_of(L, d);
        ck_assert_ok(dln_net_init_balanced(ws, Phi, dd, DLN_FRAMES_RANDOM, 700 + (uint64_t)c));
        /* W_l = W_l* + t_l s* u v^T with unit u, v: ||W_l - W_l*||_2 = t_l s* */
        double ss = pow(smin, 1.0 / (double)L), tau = 0.0;
        size_t n = dln_net_num_params(ws);
        double *th = malloc(n * sizeof *th), u[4], v[4];
        ck_assert_ok(dln_net_get_params(ws, th));
        for (size_t l = 1; l <= L; l++) {
            double t = 1.2 * tu_uniform(&rng), *W = th + dln_net_layer_offset(ws, l);
            tu_fill(&rng, dd, u), tu_fill(&rng, dd, v);
            double nu = sqrt(sumsq(dd, u)), nv = sqrt(sumsq(dd, v));
            for (size_t j = 0; j < dd; j++)
                for (size_t i = 0; i < dd; i++) W[i + j * dd] += t * ss * u[i] * v[j] / (nu * nv);
            tau = fmax(tau, t);
        }
        ck_assert_ok(dln_net_set_params(net, th));
        dln_zhou_liang_report z = {.struct_size = sizeof z};
        ck_assert_ok(dln_loss_zhou_liang(loss, net, ws, 0.0, &z));
        double e = 2.0 * ((double)L - 1.0), want = 2.0 * lmin * (double)L * pow(ss, e);
        ck_assert_double_eq_tol(z.lambda_min_sxx, lmin, 1e-14 * lmin);
        ck_assert_double_eq_tol(z.s_star, ss, 1e-13 * ss);
        ck_assert_double_eq_tol(z.tau, tau, 1e-12);
        ck_assert_double_eq_tol(z.delta, tau * ss, 1e-12 * ss);
        ck_assert_int_eq(z.inside_tau, tau < 1.0);
        ck_assert_int_eq(z.inside_uniform, tau < 1.0);
        ck_assert_double_le(z.wstar_excess_rel, 1e-13);
        double mu = tau < 1.0 ? want * pow(1.0 - tau, e) : 0.0;
        ck_assert_double_eq_tol(z.mu_tau, mu, 1e-11 * want);
        ck_assert_double_eq_tol(z.mu_uniform, mu, 1e-11 * want);
        /* the bound, with the ratio from an independent excess */
        double *g = malloc(n * sizeof *g);
        ck_assert_ok(dln_loss_grad(loss, net, NULL, g));
        double ratio = sumsq(n, g) / paired_excess(net, Phi, dx);
        dln_dominance_report r = dominance(loss, net, 0.0);
        ck_assert_double_eq_tol(r.ratio, ratio, 1e-8 * ratio);
        if (tau < 1.0) {
            inside++;
            ck_assert_double_ge(ratio, z.mu_tau * (1.0 - 1e-10));
            ck_assert_double_ge(r.zl_bound, z.mu_tau * (1.0 - 1e-10));
        }
        free(th), free(g);
        dln_net_free(ws), dln_net_free(net);
        dln_loss_free(loss);
    }
    ck_assert_int_ge(inside, cases / 4);
}
END_TEST

/* Random (non-diagonal) data: W* = balanced factorization of M = Yw R^{-T};
 * the ratio stays above mu_tau and mu_uniform inside the neighbourhoods. */
START_TEST(zl_neighbourhood_random)
{
    tu_rng rng;
    tu_seed(&rng, 14);
    int cases = tu_cases(40);
    for (int c = 0; c < cases; c++) {
        size_t L = tu_int(&rng, 2, 4), dd = tu_int(&rng, 2, 4), m = 3 * dd;
        size_t d[5] = {dd, dd, dd, dd, dd};
        dln_loss *loss = random_loss(&rng, dd, dd, m);
        double R[16], C[16], M[16], s[4];
        ck_assert_ok(dln_loss_summary(loss, R, dd, C, dd, NULL));
        for (size_t i = 0; i < dd; i++) /* M R^T = C: rows by back substitution */
            for (size_t j = dd; j-- > 0;) {
                double t = C[i + j * dd];
                for (size_t k = j + 1; k < dd; k++) t -= M[i + k * dd] * R[j + k * dd];
                M[i + j * dd] = t / R[j + j * dd];
            }
        svals(dd, dd, M, s);
        dln_net *ws = net_of(L, d), *net = tu_net(L, d, 1.0, 900 + (uint64_t)c);
        ck_assert_ok(dln_net_init_balanced(ws, M, dd, DLN_FRAMES_RANDOM, 800 + (uint64_t)c));
        size_t n = dln_net_num_params(ws);
        double *th = malloc(n * sizeof *th), *dir = malloc(n * sizeof *dir);
        ck_assert_ok(dln_net_get_params(ws, th));
        ck_assert_ok(dln_net_get_params(net, dir));
        double t = (0.05 + 0.35 * tu_uniform(&rng)) * pow(s[dd - 1], 1.0 / (double)L);
        t /= sqrt(sumsq(n, dir));
        for (size_t i = 0; i < n; i++) th[i] += t * dir[i]; /* Frobenius step: inside */
        ck_assert_ok(dln_net_set_params(net, th));
        dln_zhou_liang_report z = {.struct_size = sizeof z};
        ck_assert_ok(dln_loss_zhou_liang(loss, net, ws, 0.0, &z));
        ck_assert_int_eq(z.inside_tau, 1);
        ck_assert_int_eq(z.inside_uniform, 1);
        double fs, ratio = oracle_ratio(loss, net, &fs);
        ck_assert_double_ge(ratio, z.mu_tau * (1.0 - 1e-8));
        ck_assert_double_ge(ratio, z.mu_uniform * (1.0 - 1e-8));
        free(th), free(dir);
        dln_net_free(ws), dln_net_free(net);
        dln_loss_free(loss);
    }
}
END_TEST

/* ---- Arora et al. ---------------------------------------------------------- */

/* f = 1/2 (ab - 1)^2 (L = 2, d = 1, Phi = 1). */
START_TEST(arora_scalar)
{
    const size_t d[] = {1, 1, 1};
    const double one = 1.0;
    dln_loss *loss = target_loss(1, 1, &one);
    dln_net *net = net_of(2, d);
    double th[2], g[2];

    /* (0.5, -0.5): ab = -0.25, margin 1 - 1.25 < 0; GD keeps b = -a and
     * shrinks both to the saddle (0, 0) at loss 1/2 */
    const double bad[2] = {0.5, -0.5};
    ck_assert_ok(dln_net_set_params(net, bad));
    dln_arora_report r = arora(loss, net, 0.1, 1e-6);
    ck_assert_double_eq(r.margin, -0.25);
    ck_assert_double_eq(r.delta, 0.0);
    ck_assert_int_eq(r.margin_ok, 0);
    ck_assert_int_eq(r.guarantee, 0);
    ck_assert(isnan(r.iterations) && isnan(r.eta_max) && isnan(r.delta_max));
    double f = 0.0;
    for (int t = 0; t < 3000; t++) {
        f = gd_step(loss, net, 0.1, th, g);
        ck_assert_double_eq(th[1], -th[0]);
    }
    ck_assert_double_le(fabs(th[0] * th[1]), 1e-100);
    ck_assert_double_eq_tol(f, 0.5, 1e-15);

    /* (0.5, 0.5): margin 0.25, balanced; the bounds by hand (L = 2, ||Phi|| = 1):
     * delta_max = c^2/(256*8), eta_max = c^3/(6144*8), rate = eta_max c */
    const double good[2] = {0.5, 0.5};
    ck_assert_ok(dln_net_set_params(net, good));
    double c = 0.25, l0 = 0.5 * 0.75 * 0.75, emax = c * c * c / (6144.0 * 8.0);
    double eps = l0 * exp(-1e-4), T = ceil(1e-4 / (emax * c));
    r = arora(loss, net, 0.0, eps);
    ck_assert_double_eq(r.margin, 0.25);
    ck_assert_double_eq_tol(r.delta_max, c * c / 2048.0, 1e-20);
    ck_assert_double_eq_tol(r.eta_max, emax, 1e-22);
    ck_assert_double_eq_tol(r.eta_max_lib, emax, 1e-22);
    ck_assert_double_eq_tol(r.rate, emax * c, 1e-22);
    ck_assert_double_eq(r.loss0, l0);
    ck_assert_double_eq(r.iterations, T);
    ck_assert_int_eq(r.guarantee, 1);
    /* the guarantee: per-step contraction and l(T) <= eps at eta_max */
    double prev = l0;
    for (int t = 0; t < (int)T; t++) {
        gd_step(loss, net, r.eta_max_lib, th, g);
        double l = target_l(net, &one);
        ck_assert_double_le(l, (1.0 - r.rate) * prev * (1.0 + 1e-14));
        prev = l;
    }
    ck_assert_double_le(prev, eps);
    /* linear convergence at a practical step */
    ck_assert_ok(dln_net_set_params(net, good));
    for (int t = 0; t < 400; t++) gd_step(loss, net, 0.2, th, g);
    ck_assert_double_le(target_l(net, &one), 1e-28);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* Matrix target: margin against a test-side SVD, the guarantee at eta_max
 * from a balanced start, and linear convergence at a practical step. */
START_TEST(arora_matrix)
{
    const size_t d[] = {3, 3, 4, 2}, d0 = 3, dL = 2;
    tu_rng rng;
    tu_seed(&rng, 31);
    double Phi[6], A[6], s[2];
    tu_fill(&rng, 6, Phi);
    for (int i = 0; i < 6; i++) A[i] = Phi[i] + 0.05 * tu_normal(&rng);
    svals(dL, d0, Phi, s);
    dln_loss *loss = target_loss(dL, d0, Phi);
    dln_net *net = net_of(3, d);
    ck_assert_ok(dln_net_init_balanced(net, A, dL, DLN_FRAMES_RANDOM, 3));
    double diff[6];
    for (int i = 0; i < 6; i++) diff[i] = A[i] - Phi[i];
    double res = sqrt(sumsq(6, diff)), c = s[1] - res, pn = sqrt(sumsq(6, Phi));
    ck_assert_double_gt(c, 0.0);
    dln_arora_report r = arora(loss, net, 0.0, 1.0); /* eps for T below */
    ck_assert_double_eq_tol(r.phi_sigma_min, s[1], 1e-14);
    ck_assert_double_eq_tol(r.residual, res, 1e-13);
    ck_assert_double_eq_tol(r.margin, c, 1e-13);
    ck_assert_double_eq_tol(r.phi_norm, pn, 1e-14);
    ck_assert_double_le(r.delta, 1e-13);
    double dmax = c * c / (256.0 * 27.0 * pow(pn, 4.0 / 3.0));
    ck_assert_double_eq_tol(r.delta_max, dmax, 1e-12 * dmax);
    double emax = pow(c, 10.0 / 3.0) / (6144.0 * 27.0 * pow(pn, 14.0 / 3.0));
    ck_assert_double_eq_tol(r.eta_max, emax, 1e-12 * emax);
    ck_assert_int_eq(r.guarantee, 1);
    /* choose eps so that T is about 1500 steps, then run them at eta_max */
    double rate = emax * pow(c, 4.0 / 3.0), eps = r.loss0 * exp(-1500.0 * rate);
    r = arora(loss, net, 0.0, eps);
    ck_assert_double_eq_tol(r.rate, rate, 1e-12 * rate);
    ck_assert_double_eq(r.iterations, ceil(log(r.loss0 / eps) / r.rate));
    size_t n = dln_net_num_params(net);
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g), prev = r.loss0;
    for (int t = 0; t < (int)r.iterations; t++) {
        gd_step(loss, net, r.eta_max_lib, th, g);
        double l = target_l(net, Phi);
        ck_assert_double_le(l, (1.0 - r.rate) * prev * (1.0 + 1e-13));
        prev = l;
    }
    ck_assert_double_le(prev, eps);
    /* practical step: linear convergence to rounding level */
    ck_assert_ok(dln_net_init_balanced(net, A, dL, DLN_FRAMES_RANDOM, 3));
    for (int t = 0; t < 3000; t++) gd_step(loss, net, 0.05, th, g);
    ck_assert_double_le(target_l(net, Phi), 1e-24);
    free(th), free(g);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* Whitened data (X X^T = m I): s = m in the sum form, 1 in the mean form, and
 * the predicted per-step contraction holds with eta = s eta_lib. */
START_TEST(arora_whitened_data)
{
    const size_t d[] = {3, 3, 2}, d0 = 3, dL = 2, m = 6;
    tu_rng rng;
    tu_seed(&rng, 32);
    double X[18] = {0}, Y[12], Phi[6] = {0};
    for (size_t j = 0; j < d0; j++) X[j + j * d0] = X[j + (j + d0) * d0] = sqrt(3.0);
    tu_fill(&rng, 12, Y);
    for (size_t i = 0; i < dL; i++) /* Phi = Y X^T / m */
        for (size_t j = 0; j < d0; j++)
            for (size_t k = 0; k < m; k++) Phi[i + j * dL] += Y[i + k * dL] * X[j + k * d0] / 6.0;
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
    dln_net *net = net_of(2, d);
    double A[6];
    for (int i = 0; i < 6; i++) A[i] = Phi[i] * 0.98;
    size_t n = dln_net_num_params(net);
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g);
    for (int mean = 0; mean < 2; mean++) {
        ck_assert_ok(dln_loss_set_mean(loss, mean));
        ck_assert_ok(dln_net_init_balanced(net, A, dL, DLN_FRAMES_RANDOM, 5));
        dln_arora_report r = arora(loss, net, 0.0, 1.0);
        double sx = mean ? 1.0 : 6.0;
        ck_assert_double_eq_tol(r.sxx_scale, sx, 1e-14 * sx);
        ck_assert_double_eq_tol(r.eta_max_lib * sx, r.eta_max, 1e-15 * r.eta_max);
        ck_assert_double_eq_tol(r.loss0, target_l(net, Phi), 1e-13);
        ck_assert_int_eq(r.margin_ok, 1);
        dln_arora_report q = arora(loss, net, 0.01, 1.0);
        ck_assert_double_eq_tol(q.eta, sx * 0.01, 1e-17);
        /* grad F = s grad l exactly (test-side grad l for L = 2), which is
         * what makes GD on F with eta_lib GD on l with eta = s eta_lib */
        double W1[9], W2[6], P[6], gl[15];
        ck_assert_ok(dln_net_get_layer(net, 1, W1, 3, DLN_COL_MAJOR));
        ck_assert_ok(dln_net_get_layer(net, 2, W2, 2, DLN_COL_MAJOR));
        ck_assert_ok(dln_net_end_to_end(net, P, 2));
        for (int i = 0; i < 6; i++) P[i] -= Phi[i]; /* E = P - Phi (2 x 3) */
        for (size_t i = 0; i < 3; i++) /* grad_1 l = W2^T E (3 x 3) */
            for (size_t j = 0; j < 3; j++)
                gl[i + 3 * j] = W2[0 + 2 * i] * P[0 + 2 * j] + W2[1 + 2 * i] * P[1 + 2 * j];
        for (size_t i = 0; i < 2; i++) /* grad_2 l = E W1^T (2 x 3) */
            for (size_t j = 0; j < 3; j++) {
                double t = 0.0;
                for (size_t k = 0; k < 3; k++) t += P[i + 2 * k] * W1[j + 3 * k];
                gl[9 + i + 2 * j] = t;
            }
        ck_assert_ok(dln_loss_grad(loss, net, NULL, g));
        for (int i = 0; i < 15; i++) ck_assert_double_eq_tol(g[i], r.sxx_scale * gl[i], 1e-12);
        /* the guarantee on the data loss: T steps at eta_max_lib reach eps */
        double eps = r.loss0 * exp(-800.0 * r.rate), prev = r.loss0;
        r = arora(loss, net, 0.0, eps);
        ck_assert_double_le(r.iterations, 801.0);
        for (int t = 0; t < (int)r.iterations; t++) {
            gd_step(loss, net, r.eta_max_lib, th, g);
            double l = target_l(net, Phi);
            ck_assert_double_le(l, (1.0 - r.rate) * prev * (1.0 + 1e-13));
            prev = l;
        }
        ck_assert_double_le(prev, eps);
    }
    free(th), free(g);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* A balanced start with a rank-deficient end-to-end matrix (negative margin)
 * keeps the missing direction at zero and converges to the saddle. */
START_TEST(arora_rank_deficient_start)
{
    const size_t d[] = {2, 2, 2};
    const double Phi[4] = {2, 0, 0, 1}, A[4] = {1, 0, 0, 0};
    dln_loss *loss = target_loss(2, 2, Phi);
    dln_net *net = net_of(2, d);
    ck_assert_ok(dln_net_init_balanced(net, A, 2, DLN_FRAMES_CANONICAL, 0));
    dln_arora_report r = arora(loss, net, 0.05, 1e-8);
    ck_assert_double_eq_tol(r.margin, 1.0 - sqrt(2.0), 1e-14);
    ck_assert_int_eq(r.margin_ok, 0);
    double th[8], g[8], f = 0.0;
    for (int t = 0; t < 2000; t++) f = gd_step(loss, net, 0.05, th, g);
    ck_assert_double_eq_tol(f, 0.5, 1e-12); /* the saddle P = diag(2, 0) */
    ck_assert_double_le(sqrt(sumsq(8, g)), 1e-10);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* unregularized.md §11.6 at small size: balanced init converges, tiny
 * independent init stalls near the origin (L = 4, 10-10-10-10-1). */
START_TEST(arora_acceptance)
{
    const size_t d[] = {10, 10, 10, 10, 1};
    tu_rng rng;
    tu_seed(&rng, 41);
    double Phi[10];
    tu_fill(&rng, 10, Phi);
    double pn = sqrt(sumsq(10, Phi));
    for (int i = 0; i < 10; i++) Phi[i] /= pn;
    dln_loss *loss = target_loss(1, 10, Phi);
    dln_net *net = net_of(4, d);
    size_t n = dln_net_num_params(net);
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g);
    int seeds = tu_quick() ? 1 : 3;
    for (int sd = 0; sd < seeds; sd++) {
        const double scales[] = {0.01, 0.1, 1.0};
        for (int k = 0; k < 3; k++) {
            double sc = scales[k] / sqrt(10.0);
            ck_assert_ok(dln_net_init_balanced_random(net, sc, 60 + (uint64_t)sd));
            int t = 0;
            while (target_l(net, Phi) > 1e-4 && t < 20000) gd_step(loss, net, 0.01, th, g), t++;
            ck_assert_int_lt(t, 20000);
        }
        ck_assert_ok(dln_net_init_gaussian(net, 0.01, 70 + (uint64_t)sd));
        for (int t = 0; t < 5000; t++) gd_step(loss, net, 0.01, th, g);
        ck_assert_double_ge(target_l(net, Phi), 0.49);
        /* large independent init diverges at the same step */
        ck_assert_ok(dln_net_init_gaussian(net, 1.0, 80 + (uint64_t)sd));
        int t = 0;
        for (double f = 0.0; t < 100; t++) {
            ck_assert_ok(dln_net_get_params(net, th));
            if (dln_loss_grad(loss, net, &f, g) != DLN_OK || !(f < 1e6)) break;
            for (size_t i = 0; i < n; i++) th[i] -= 0.01 * g[i];
            if (dln_net_set_params(net, th) != DLN_OK) break;
        }
        ck_assert_int_lt(t, 100);
    }
    free(th), free(g);
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

/* ---- bad input and degenerate cases --------------------------------------- */

START_TEST(bad_input)
{
    const size_t d[] = {2, 2, 2}, e[] = {3, 2, 2}, f3[] = {2, 3, 2};
    const double Phi[4] = {1, 0, 0, 1};
    dln_loss *loss = target_loss(2, 2, Phi);
    dln_net *net = tu_net(2, d, 1.0, 1), *other = tu_net(2, e, 1.0, 2);
    dln_net *wide = tu_net(2, f3, 1.0, 3);
    dln_dominance_report r = {.struct_size = sizeof r};
    dln_zhou_liang_report z = {.struct_size = sizeof z};
    dln_arora_report a = {.struct_size = sizeof a};
    double x[4], fs = -7.0;
    ck_assert_int_eq(dln_net_balancedness(NULL, x, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_net_balancedness(net, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_balancedness(loss, other, x, NULL), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_balancedness(NULL, net, x, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_optimal_value(loss, net, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_optimal_value(loss, other, &fs), DLN_E_DIM);
    ck_assert_double_eq(fs, -7.0);
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, 0.0, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, -1.0, &r), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, NAN, &r), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, 1.0, &r), DLN_E_RANGE);
    r.struct_size = 0;
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, 0.0, &r), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_zhou_liang(loss, net, NULL, 0.0, &z), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_zhou_liang(loss, net, wide, 0.0, &z), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_zhou_liang(loss, wide, wide, 0.0, &z), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(loss), "widths"));
    /* net is no minimizer of Phi = I */
    ck_assert_int_eq(dln_loss_zhou_liang(loss, net, net, 0.0, &z), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(loss), "not a global minimizer"));
    ck_assert_int_eq(dln_loss_arora(loss, net, -0.1, 1e-3, &a), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_arora(loss, net, INFINITY, 1e-3, &a), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_arora(loss, net, 0.1, 0.0, &a), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_arora(loss, net, 0.1, NAN, &a), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_arora(loss, net, 0.1, 1e-3, NULL), DLN_E_NULL);
    /* regularized: not this theory */
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1));
    ck_assert_int_eq(dln_loss_optimal_value(loss, net, &fs), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, 0.0, &r), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_loss_zhou_liang(loss, net, net, 0.0, &z), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_loss_arora(loss, net, 0.1, 1e-3, &a), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(loss), "lam_1"));
    ck_assert_ok(dln_loss_balancedness(loss, net, x, NULL));
    /* a singular layer in W*: a minimizer of Phi = diag(1, 0) is not full rank */
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.0));
    dln_loss_free(loss);
    const double Phi0[4] = {1, 0, 0, 0};
    loss = target_loss(2, 2, Phi0);
    ck_assert_ok(dln_net_init_balanced(net, Phi0, 2, DLN_FRAMES_RANDOM, 4));
    ck_assert_int_eq(dln_loss_zhou_liang(loss, net, net, 0.0, &z), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(loss), "singular"));
    dln_loss_free(loss);
    /* not whitened data */
    double X[6] = {1, 0, 0, 2, 1, 1}, Y[6] = {1, 2, 3, 4, 5, 6};
    ck_assert_ok(dln_loss_create_data(&loss, 2, 2, 3, X, 2, Y, 2));
    ck_assert_int_eq(dln_loss_arora(loss, net, 0.1, 1e-3, &a), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(loss), "whitened"));
    /* m < d_0: Sxx singular, so Zhou-Liang does not apply; f* still exact */
    dln_loss_free(loss);
    ck_assert_ok(dln_loss_create_data(&loss, 2, 2, 1, X, 2, Y, 2));
    r.struct_size = sizeof r;
    ck_assert_ok(dln_loss_gradient_dominance(loss, net, 0.0, &r));
    ck_assert_int_eq(r.zl_status, DLN_NA_SXX_SINGULAR);
    ck_assert_uint_eq(r.rank_x, 1);
    ck_assert_double_eq_tol(r.fstar, 0.0, 1e-15);
    ck_assert_double_eq(r.zl_bound, 0.0);
    ck_assert_int_eq(dln_loss_zhou_liang(loss, net, net, 0.0, &z), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(loss), "Sxx is singular"));
    dln_loss_free(loss);
    dln_net_free(net), dln_net_free(other), dln_net_free(wide);
}
END_TEST

/* Degenerate targets and far points: every report field is finite unless a
 * flag says otherwise; a short struct_size only gets its prefix. */
START_TEST(degenerate_reports)
{
    const size_t d[] = {3, 3, 3, 3};
    const double zero[9] = {0}, eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double *targets[2] = {zero, eye};
    for (int k = 0; k < 2; k++) {
        dln_loss *loss = target_loss(3, 3, targets[k]);
        for (int far = 0; far < 3; far++) {
            dln_net *net = tu_net(3, d, far == 0 ? 0.0 : far == 1 ? 1.0 : 1e3, 77);
            dln_dominance_report r = dominance(loss, net, 0.0);
            double fields[] = {r.value, r.fstar, r.excess, r.tail, r.scale, r.grad_norm2,
                               r.lambda_min_sxx, r.zl_bound};
            for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
                ck_assert(isfinite(fields[i]));
            ck_assert(r.defined ? isfinite(r.ratio) : isnan(r.ratio));
            ck_assert(!isnan(r.excess_rel_tail));
            ck_assert_int_eq(r.defined, k == 1 || far > 0); /* W = 0 minimizes Phi = 0 */
            dln_arora_report a = arora(loss, net, 0.01, 1e-6);
            double af[] = {a.sxx_scale, a.phi_norm, a.phi_sigma_min, a.residual, a.margin,
                           a.loss0, a.delta, a.eta};
            for (size_t i = 0; i < sizeof af / sizeof *af; i++) ck_assert(isfinite(af[i]));
            if (a.margin_ok)
                ck_assert(isfinite(a.delta_max) && isfinite(a.eta_max) && isfinite(a.rate) &&
                          isfinite(a.iterations));
            else
                ck_assert(isnan(a.eta_max) && isnan(a.iterations) && !a.guarantee);
            dln_net_free(net);
        }
        dln_loss_free(loss);
    }
    /* repeated singular values with a bottleneck: Phi = I, r_max = 1: f* = 1 */
    const size_t b[] = {3, 1, 3};
    dln_loss *loss = target_loss(3, 3, eye);
    dln_net *net = tu_net(2, b, 1.0, 3);
    double fs;
    ck_assert_ok(dln_loss_optimal_value(loss, net, &fs));
    ck_assert_double_eq_tol(fs, 1.0, 1e-15);
    /* a report shorter than its first version is refused and left alone
     * (the contract itself: tests/check_report.c) */
    struct { dln_dominance_report r; double guard; } shortr;
    memset(&shortr, 0, sizeof shortr);
    shortr.r.struct_size = offsetof(dln_dominance_report, excess);
    shortr.r.excess = 12345.0, shortr.guard = 6789.0;
    ck_assert_int_eq(dln_loss_gradient_dominance(loss, net, 0.0, &shortr.r), DLN_E_RANGE);
    ck_assert_double_eq(shortr.r.excess, 12345.0);
    ck_assert_double_eq(shortr.guard, 6789.0);
    ck_assert_double_eq(shortr.r.fstar, 0.0);
    ck_assert_uint_eq(shortr.r.struct_size, offsetof(dln_dominance_report, excess));
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_metrics(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("balancedness");
    tcase_add_test(tc, balance_hand);
    tcase_add_test(tc, balance_gd_identity);
    tcase_add_test(tc, balance_gd_regularized_control);
    suite_add_tcase(s, tc);
    tc = tcase_create("fstar_dominance");
    tcase_add_test(tc, fstar_closed_form);
    tcase_add_test(tc, fstar_rank_deficient_x);
    tcase_add_test(tc, dominance_excess_accuracy);
    tcase_add_test(tc, dominance_at_minimizer);
    tcase_add_test(tc, zl_pointwise_tight);
    tcase_add_test(tc, zl_pointwise_random);
    tcase_add_test(tc, zl_neighbourhood);
    tcase_add_test(tc, zl_neighbourhood_random);
    suite_add_tcase(s, tc);
    tc = tcase_create("arora");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, arora_scalar);
    tcase_add_test(tc, arora_matrix);
    tcase_add_test(tc, arora_whitened_data);
    tcase_add_test(tc, arora_rank_deficient_start);
    tcase_add_test(tc, arora_acceptance);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad_input");
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, degenerate_reports);
    suite_add_tcase(s, tc);
    return s;
}
