/* check_slice.c - loss-landscape slices (src/loss_slice.c,
 * src/spectrum_slice.c). Oracles independent of the library: the loss on
 * the raw data (tests/oracle.c, naive loops), its complex-step derivatives,
 * closed forms on scalar nets, and LAPACK eigenvalues of the dense Hessian. */
#include "landscape_util.h"
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A random problem: depth 1-5, either side thinner, data (sum or mean) or
 * target, with or without per-layer weight decay. */
typedef struct scase {
    size_t L, d[6], n, m;
    double lam[5], *X, *Y, *Phi, *theta;
    orc_problem p;
    dln_loss *loss;
    dln_net *net;
} scase;

static void make_case(scase *c, uint64_t seed)
{
    tu_rng r;
    tu_seed(&r, seed);
    memset(c, 0, sizeof *c);
    c->L = 1 + seed % 5;
    for (size_t l = 0; l <= c->L; l++) c->d[l] = tu_int(&r, 1, 5);
    if (seed % 3 == 0 && c->L > 2) c->d[c->L / 2] = 1; /* bottleneck */
    int target = seed % 4 == 1, mean = seed % 4 == 2, reg = seed % 2 == 0;
    for (size_t l = 0; l < c->L; l++) c->lam[l] = reg ? 0.05 + 0.1 * (double)l : 0.0;
    size_t d0 = c->d[0], dL = c->d[c->L];
    c->m = 7;
    if (target) {
        c->Phi = malloc(dL * d0 * sizeof *c->Phi);
        tu_fill(&r, dL * d0, c->Phi);
        c->loss = lu_target_loss(dL, d0, c->Phi, c->L, reg ? c->lam : NULL);
        c->p = (orc_problem){c->L, c->d, NULL, NULL, 0, 0, 0, c->Phi, dL, 1.0, c->lam};
    } else {
        c->X = tu_padded(&r, d0, c->m, d0 + 1);
        c->Y = tu_padded(&r, dL, c->m, dL + 2);
        ck_assert_ok(dln_loss_create_data(&c->loss, d0, dL, c->m, c->X, d0 + 1, c->Y, dL + 2));
        if (reg) ck_assert_ok(dln_loss_set_l2(c->loss, c->L, c->lam));
        if (mean) ck_assert_ok(dln_loss_set_mean(c->loss, 1));
        c->p = (orc_problem){c->L, c->d, c->X, c->Y, c->m, d0 + 1, dL + 2, NULL, 0,
                             mean ? 1.0 / (double)c->m : 1.0, c->lam};
    }
    c->net = tu_net(c->L, c->d, 0.8, seed + 100);
    c->n = dln_net_num_params(c->net);
    c->theta = malloc(c->n * sizeof *c->theta);
    ck_assert_ok(dln_net_get_params(c->net, c->theta));
}

static void free_case(scase *c)
{
    free(c->X), free(c->Y), free(c->Phi), free(c->theta);
    dln_net_free(c->net);
    dln_loss_free(c->loss);
}

/* Oracle F(theta + t dir) on the raw data. */
static double oracle_at(const scase *c, const double *dir, double t)
{
    double *th = malloc(c->n * sizeof *th);
    for (size_t i = 0; i < c->n; i++) th[i] = c->theta[i] + t * dir[i];
    double f = orc_value(&c->p, th);
    free(th);
    return f;
}

START_TEST(coefficients_match_direct_evaluation)
{
    int cases = tu_cases(60);
    for (int s = 0; s < cases; s++) {
        scase c;
        make_case(&c, (uint64_t)s);
        tu_rng r;
        tu_seed(&r, 500 + (uint64_t)s);
        size_t L = c.L, n = c.n;
        double *D = malloc(n * sizeof *D), coef[11], hv[64 * 64];
        tu_fill(&r, n, D);
        for (int k = 0; k < 11; k++) coef[k] = NAN;
        ck_assert_ok(dln_loss_line_coeffs(c.loss, c.net, D, coef));
        for (size_t k = 0; k <= 2 * L; k++) ck_assert(isfinite(coef[k]));
        if (2 * L + 1 < 11) ck_assert(isnan(coef[2 * L + 1])); /* nothing beyond degree 2L */
        /* the polynomial against the raw-data loss at 41 points of [-2, 2] */
        for (int i = 0; i <= 40; i++) {
            double t = -2.0 + 0.1 * i, poly = 0.0, mag = 0.0;
            for (size_t k = 2 * L + 1; k-- > 0;) poly = poly * t + coef[k], mag = mag * fabs(t) + fabs(coef[k]);
            double want = oracle_at(&c, D, t);
            ck_assert_msg(fabs(poly - want) <= 1e-12 * mag, "case %d t %g: %g vs %g", s, t, poly, want);
        }
        /* coef[1] = <grad, D> and 2 coef[2] = D^T H D by complex steps */
        double g1 = orc_cs_dir(&c.p, c.theta, D);
        ck_assert_double_le(fabs(coef[1] - g1), 1e-12 * (fabs(coef[1]) + coef[0] + 1.0) * (1.0 + orc_dot(n, D, D)));
        if (n <= 64) {
            orc_cs_hvp(&c.p, c.theta, D, hv);
            double q = orc_dot(n, D, hv);
            ck_assert_double_le(fabs(2.0 * coef[2] - q), 1e-11 * (fabs(q) + coef[0] + 1.0) * (1.0 + orc_dot(n, D, D)));
        }
        free(D);
        free_case(&c);
    }
}
END_TEST

/* Scalar nets: F(t) = 1/2 ((w2 + t e2)(w1 + t e1) - phi)^2 + lam/2 sum (w_l + t e_l)^2. */
START_TEST(coefficients_known_case)
{
    const double phi = 1.5, lam = 0.25, w1 = 0.7, w2 = -1.3, e1 = 2.0, e2 = 0.5;
    dln_loss *loss = lu_target_loss(1, 1, &phi, 2, (const double[]){lam, lam});
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 2, (const size_t[]){1, 1, 1}));
    ck_assert_ok(dln_net_set_params(net, (const double[]){w1, w2}));
    double coef[5];
    ck_assert_ok(dln_loss_line_coeffs(loss, net, (const double[]){e1, e2}, coef));
    /* product a + b t + c t^2 */
    double a = w1 * w2 - phi, b = w1 * e2 + w2 * e1, c2 = e1 * e2;
    const double want[5] = {0.5 * a * a + 0.5 * lam * (w1 * w1 + w2 * w2), a * b + lam * (w1 * e1 + w2 * e2),
                            0.5 * b * b + a * c2 + 0.5 * lam * (e1 * e1 + e2 * e2), b * c2, 0.5 * c2 * c2};
    for (int k = 0; k < 5; k++) ck_assert_double_le(fabs(coef[k] - want[k]), 1e-15 * 8.0);
    /* the excess along a tiny step keeps its digits: F(W + tD) - F(W) at t = 1e-9 */
    double t = 1e-9, ex = ((coef[4] * t + coef[3]) * t + coef[2]) * t * t + coef[1] * t;
    double ex_want = (a * b + lam * (w1 * e1 + w2 * e2)) * t + (0.5 * b * b + a * c2 + 0.5 * lam * 4.25) * t * t;
    ck_assert_double_le(fabs(ex - ex_want), 1e-14 * fabs(ex_want));
    dln_net_free(net);
    dln_loss_free(loss);
}
END_TEST

START_TEST(line_and_plane_grids)
{
    int cases = tu_cases(20);
    for (int s = 0; s < cases; s++) {
        scase c;
        make_case(&c, 1000 + (uint64_t)s);
        size_t n = c.n;
        dln_net *b = tu_net(c.L, c.d, 0.5, 77 + (uint64_t)s);
        double *thb = malloc(n * sizeof *thb), *D = malloc(n * sizeof *D);
        ck_assert_ok(dln_net_get_params(b, thb));
        for (size_t i = 0; i < n; i++) D[i] = thb[i] - c.theta[i];
        const double t[6] = {0.0, 1.0, 0.5, -0.75, 1.5, 0.125};
        double v[6], fa, fb;
        ck_assert_ok(dln_loss_slice_line(c.loss, c.net, b, 6, t, v));
        ck_assert_ok(dln_loss_value(c.loss, c.net, &fa));
        ck_assert_ok(dln_loss_value(c.loss, b, &fb));
        ck_assert_double_eq(v[0], fa);
        ck_assert_double_eq(v[1], fb);
        for (int i = 2; i < 6; i++) {
            double want = oracle_at(&c, D, t[i]);
            ck_assert_double_le(fabs(v[i] - want), 1e-12 * (1.0 + want));
        }
        /* plane: alpha x beta grid with padding rows */
        double *d2 = malloc(n * sizeof *d2), *th = malloc(n * sizeof *th);
        tu_rng r;
        tu_seed(&r, 9 + (uint64_t)s);
        tu_fill(&r, n, d2);
        const double al[3] = {-1.0, 0.0, 0.3}, be[2] = {0.0, 2.0};
        double V[5 * 2];
        for (int i = 0; i < 10; i++) V[i] = -7.0;
        ck_assert_ok(dln_loss_slice_plane(c.loss, c.net, D, d2, 3, al, 2, be, V, 5));
        for (int j = 0; j < 2; j++)
            for (int i = 0; i < 5; i++) {
                if (i >= 3) {
                    ck_assert_double_eq(V[i + 5 * j], -7.0);
                    continue;
                }
                for (size_t p = 0; p < n; p++) th[p] = c.theta[p] + al[i] * D[p] + be[j] * d2[p];
                double want = orc_value(&c.p, th);
                ck_assert_double_le(fabs(V[i + 5 * j] - want), 1e-12 * (1.0 + want));
            }
        ck_assert_double_eq(V[1], fa); /* alpha = 0, beta = 0 */
        free(thb), free(D), free(d2), free(th);
        dln_net_free(b);
        free_case(&c);
    }
}
END_TEST

START_TEST(directions)
{
    scase c;
    make_case(&c, 4); /* L = 5, weight decay */
    size_t n = c.n, L = c.L;
    double *d1 = malloc(n * sizeof *d1), *d2 = malloc(n * sizeof *d2), *e1 = malloc(n * sizeof *e1);
    double ev[2], *hv = malloc(n * sizeof *hv);
    ck_assert_ok(dln_loss_slice_directions(c.loss, c.net, DLN_SLICE_RANDOM, 5, d1, d2, ev));
    ck_assert(isnan(ev[0]) && isnan(ev[1]));
    for (size_t l = 1; l <= L; l++) { /* each block has the norm of its layer */
        size_t off = dln_net_layer_offset(c.net, l), m = c.d[l] * c.d[l - 1];
        double w = orc_fro(m, 1, c.theta + off, m);
        ck_assert_double_le(fabs(orc_fro(m, 1, d1 + off, m) - w), 1e-14 * w);
        ck_assert_double_le(fabs(orc_fro(m, 1, d2 + off, m) - w), 1e-14 * w);
    }
    ck_assert_double_gt(orc_maxdiff(n, d1, d2), 0.0);
    ck_assert_ok(dln_loss_slice_directions(c.loss, c.net, DLN_SLICE_RANDOM, 5, e1, hv, NULL));
    ck_assert_double_eq(orc_maxdiff(n, d1, e1), 0.0); /* same seed, same directions */
    /* Hessian ends against LAPACK on the dense Hessian */
    double *all = malloc(n * sizeof *all);
    lu_hess_eigs(c.loss, c.net, all);
    double hn = fmax(fabs(all[0]), fabs(all[n - 1]));
    for (int top = 0; top < 2; top++) {
        ck_assert_ok(dln_loss_slice_directions(c.loss, c.net, top ? DLN_SLICE_HESSIAN_TOP : DLN_SLICE_HESSIAN_BOTTOM,
                                               3, d1, d2, ev));
        ck_assert_double_le(fabs(ev[0] - (top ? all[n - 1] : all[0])), 1e-9 * hn);
        ck_assert_double_le(fabs(ev[1] - (top ? all[n - 2] : all[1])), 1e-9 * hn);
        ck_assert_ok(dln_loss_hvp(c.loss, c.net, d1, hv));
        for (size_t i = 0; i < n; i++) hv[i] -= ev[0] * d1[i];
        ck_assert_double_le(orc_fro(n, 1, hv, n), 1e-8 * hn);
        ck_assert_double_le(fabs(orc_dot(n, d1, d1) - 1.0), 1e-12);
        ck_assert_double_le(fabs(orc_dot(n, d1, d2)), 1e-12);
    }
    free(d1), free(d2), free(e1), free(hv), free(all);
    free_case(&c);
}
END_TEST

/* Rescaling W_1 -> 2 W_1, W_2 -> W_2 / 2 leaves the layer-normalized slice unchanged. */
START_TEST(random_slice_is_scale_invariant)
{
    const double Phi[6] = {1, 2, 0, -1, 0.5, 1};
    dln_loss *loss = lu_target_loss(2, 3, Phi, 3, NULL);
    dln_net *net = tu_net(3, (const size_t[]){3, 4, 4, 2}, 0.7, 21), *sc = NULL;
    ck_assert_ok(dln_net_copy(&sc, net));
    size_t n = dln_net_num_params(net), o2 = dln_net_layer_offset(net, 2), o3 = dln_net_layer_offset(net, 3);
    double *th = malloc(n * sizeof *th), *d1 = malloc(n * sizeof *d1), *d2 = malloc(n * sizeof *d2);
    ck_assert_ok(dln_net_get_params(net, th));
    for (size_t i = 0; i < o2; i++) th[i] *= 2.0;
    for (size_t i = o2; i < o3; i++) th[i] *= 0.5;
    ck_assert_ok(dln_net_set_params(sc, th));
    const double g[3] = {-1.0, 0.2, 0.9};
    double A[9], B[9];
    ck_assert_ok(dln_loss_slice_directions(loss, net, DLN_SLICE_RANDOM, 8, d1, d2, NULL));
    ck_assert_ok(dln_loss_slice_plane(loss, net, d1, d2, 3, g, 3, g, A, 3));
    ck_assert_ok(dln_loss_slice_directions(loss, sc, DLN_SLICE_RANDOM, 8, d1, d2, NULL));
    ck_assert_ok(dln_loss_slice_plane(loss, sc, d1, d2, 3, g, 3, g, B, 3));
    for (int i = 0; i < 9; i++) ck_assert_double_le(fabs(A[i] - B[i]), 1e-13 * (1.0 + A[i]));
    free(th), free(d1), free(d2);
    dln_net_free(net), dln_net_free(sc);
    dln_loss_free(loss);
}
END_TEST

START_TEST(bad_input)
{
    scase c;
    make_case(&c, 2);
    size_t n = c.n;
    double *D = calloc(n, sizeof *D), coef[11], v[4] = {-3, -3, -3, -3}, t[2] = {0.0, 1.0};
    for (int k = 0; k < 11; k++) coef[k] = -3.0;
    ck_assert_int_eq(dln_loss_line_coeffs(NULL, c.net, D, coef), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_line_coeffs(c.loss, NULL, D, coef), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_line_coeffs(c.loss, c.net, NULL, coef), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_line_coeffs(c.loss, c.net, D, NULL), DLN_E_NULL);
    D[n - 1] = NAN;
    ck_assert_int_eq(dln_loss_line_coeffs(c.loss, c.net, D, coef), DLN_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(c.loss), "direction"));
    D[n - 1] = 0.0;
    for (int k = 0; k < 11; k++) ck_assert_double_eq(coef[k], -3.0);
    dln_net *wrong = NULL, *other = NULL;
    ck_assert_ok(dln_net_create(&wrong, 1, (const size_t[]){c.d[0] + 1, c.d[c.L]}));
    ck_assert_int_eq(dln_loss_line_coeffs(c.loss, wrong, D, coef), DLN_E_DIM);
    size_t d2[6];
    memcpy(d2, c.d, sizeof d2);
    d2[1]++;
    ck_assert_ok(dln_net_create(&other, c.L, d2));
    ck_assert_int_eq(dln_loss_slice_line(c.loss, c.net, other, 2, t, v), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_slice_line(c.loss, c.net, NULL, 2, t, v), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_slice_line(c.loss, c.net, c.net, 2, NULL, v), DLN_E_NULL);
    ck_assert_ok(dln_loss_slice_line(c.loss, c.net, c.net, 0, NULL, NULL));
    t[1] = INFINITY;
    ck_assert_int_eq(dln_loss_slice_line(c.loss, c.net, c.net, 2, t, v), DLN_E_NONFINITE);
    t[1] = 1.0;
    ck_assert_int_eq(dln_loss_slice_plane(c.loss, c.net, D, D, 2, t, 2, t, v, 1), DLN_E_LD);
    ck_assert_int_eq(dln_loss_slice_plane(c.loss, c.net, NULL, D, 2, t, 2, t, v, 2), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_slice_plane(c.loss, c.net, D, D, 2, t, 2, NULL, v, 2), DLN_E_NULL);
    D[0] = NAN;
    ck_assert_int_eq(dln_loss_slice_plane(c.loss, c.net, D, D, 2, t, 2, t, v, 2), DLN_E_NONFINITE);
    ck_assert_int_eq(dln_loss_slice_plane(c.loss, c.net, D, D, 2, t, 2, t, v, SIZE_MAX), DLN_E_OVERFLOW);
    for (int i = 0; i < 4; i++) ck_assert_double_eq(v[i], -3.0);
    double e[2] = {-3, -3};
    ck_assert_int_eq(dln_loss_slice_directions(c.loss, c.net, (dln_slice_dirs)7, 0, D, D, e), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_slice_directions(c.loss, c.net, DLN_SLICE_RANDOM, 0, NULL, D, e), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_slice_directions(c.loss, wrong, DLN_SLICE_RANDOM, 0, D, D, e), DLN_E_DIM);
    ck_assert_double_eq(e[0], -3.0);
    ck_assert(isnan(D[0]));
    dln_net_free(wrong), dln_net_free(other);
    free(D);
    free_case(&c);
}
END_TEST

Suite *suite_slice(void)
{
    Suite *s = suite_create("slice");
    TCase *tc = tcase_create("slice");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, coefficients_match_direct_evaluation);
    tcase_add_test(tc, coefficients_known_case);
    tcase_add_test(tc, line_and_plane_grids);
    tcase_add_test(tc, directions);
    tcase_add_test(tc, random_slice_is_scale_invariant);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return s;
}
