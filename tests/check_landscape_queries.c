/* check_landscape_queries.c - per-layer values of the roots
 * (dln_landscape_root_layers), the accurate excess F - F*
 * (dln_landscape_excess) and the distance to a chosen orbit
 * (dln_landscape_distance_to). Oracles: long double roots of the scalar
 * equation, layer norms of constructed critical points, long double loss
 * values, and the automatic dln_landscape_distance on points near an orbit. */
#include "errbound_util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whitened data with X X^T = c I (c = 4) and weight decay: a regularized
 * landscape whose scale c is not 1. */
static dln_loss *whitened_loss(size_t L, const double *lam)
{
    const double X[9] = {2, 0, 0, 0, 2, 0, 0, 0, 2}, Y[6] = {5, 1, 0.4, 3, -1, 0.2};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 3, X, 3, Y, 2));
    ck_assert_ok(dln_loss_set_l2(loss, L, lam));
    return loss;
}

/* Root layers against the long double roots and the layer norms of the
 * rank-1 critical point that matches value k with root j. */
static size_t check_root_layers(dln_landscape *ls, dln_net *net, const double *lam, double c)
{
    size_t built = 0;
    size_t L = dln_net_depth(net), nv = dln_landscape_num_values(ls);
    double *y = malloc(nv * sizeof *y), lamp = 1.0, sig[2 * 8];
    ck_assert_ok(dln_landscape_values(ls, y));
    for (size_t l = 0; l < L; l++) lamp *= lam[l] / c;
    int *pat = malloc(nv * sizeof *pat);
    for (size_t k = 0; k < nv; k++) {
        long double s[2], dH[2];
        int nr = lu_roots(L, lamp, y[k], s, dH);
        for (size_t i = 0; i < 16; i++) sig[i] = -1.0;
        ck_assert_ok(dln_landscape_root_layers(ls, k, sig, 8));
        for (int j = 0; j < 2; j++)
            for (size_t l = 0; l < L; l++) {
                double got = sig[l + 8 * (size_t)j];
                if (j >= nr) {
                    ck_assert(isnan(got));
                    continue;
                }
                double want = (double)(s[j] / sqrtl((long double)(lam[l] / c)));
                /* near the double root the roots are only sqrt-conditioned */
                ck_assert_double_le(fabs(got - want), 1e-7 * want);
            }
        ck_assert_double_eq(sig[L], -1.0); /* padding untouched */
        /* a rank-1 critical point with this value: ||W_l||_F is the layer value */
        for (int j = 0; j < nr; j++) {
            for (size_t i = 0; i < nv; i++) pat[i] = DLN_MATCH_NONE;
            pat[k] = nr == 2 ? (j ? DLN_MATCH_MINUS : DLN_MATCH_PLUS) : (L == 2 ? DLN_MATCH_PLUS : DLN_MATCH_DOUBLE);
            if (L >= 3 && nr == 1) continue; /* a double root only at y = y* exactly */
            if (dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 3, net) != DLN_OK) continue;
            built++;
            for (size_t l = 1; l <= L; l++) {
                size_t m = dln_net_width(net, l), n = dln_net_width(net, l - 1);
                double *W = malloc(m * n * sizeof *W), f = 0.0;
                ck_assert_ok(dln_net_get_layer(net, l, W, m, DLN_COL_MAJOR));
                for (size_t i = 0; i < m * n; i++) f += W[i] * W[i];
                ck_assert_double_le(fabs(sqrt(f) - sig[(l - 1) + 8 * (size_t)j]), 1e-12 * sqrt(f));
                free(W);
            }
        }
    }
    free(pat), free(y);
    return built;
}

START_TEST(root_layers)
{
    for (size_t p = 0; p < eu_num_problems; p++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[p], &s);
        ck_assert_uint_gt(check_root_layers(s.ls, s.net, eu_problems[p].lam, 1.0), 0);
        eu_setup_free(&s);
    }
    const double lam[3] = {0.2, 0.5, 0.3};
    dln_loss *loss = whitened_loss(3, lam);
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, (const size_t[]){3, 4, 3, 2}, &net);
    dln_landscape_info info = {.struct_size = sizeof info};
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    ck_assert_double_le(fabs(info.scale - 4.0), 1e-14);
    ck_assert_uint_gt(check_root_layers(ls, net, lam, 4.0), 0);
    dln_landscape_free(ls), dln_net_free(net), dln_loss_free(loss);
}
END_TEST

START_TEST(root_layers_bad_input)
{
    eu_setup s;
    eu_setup_problem(&eu_problems[0], &s);
    double sig[6] = {-1, -1, -1, -1, -1, -1};
    ck_assert_int_eq(dln_landscape_root_layers(NULL, 0, sig, 3), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_root_layers(s.ls, 0, NULL, 3), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_root_layers(s.ls, s.nv, sig, 3), DLN_E_DIM);
    ck_assert_int_eq(dln_landscape_root_layers(s.ls, 0, sig, 2), DLN_E_LD);
    for (int i = 0; i < 6; i++) ck_assert_double_eq(sig[i], -1.0);
    /* no regularized theory: lam = 0 */
    const double Phi[4] = {3, 0, 0, 1};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 3, NULL);
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, (const size_t[]){2, 2, 2, 2}, &net);
    ck_assert_int_eq(dln_landscape_root_layers(ls, 0, sig, 3), DLN_E_UNSUPPORTED);
    for (int i = 0; i < 6; i++) ck_assert_double_eq(sig[i], -1.0);
    dln_landscape_free(ls), dln_net_free(net), dln_loss_free(loss);
    eu_setup_free(&s);
}
END_TEST


/* The first orbit type of class cls (pattern: nv entries); 0 if none. */
static int find_orbit(dln_landscape *ls, dln_class cls, int *pattern)
{
    dln_landscape_info info = {.struct_size = sizeof info};
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    for (size_t i = 0; i < info.num_orbits && i < 200; i++) {
        dln_orbit_info o = {.struct_size = sizeof o};
        ck_assert_ok(dln_landscape_orbit(ls, i, pattern));
        ck_assert_ok(dln_landscape_pattern_info(ls, pattern, &o));
        if (o.cls == cls) return 1;
    }
    return 0;
}

/* W = W0 + t v with W0 a critical point of the given pattern and v the unit
 * dense-Hessian eigenvector of eigenvalue index k (LAPACK); returns mu_k. */
static double perturbed(eu_setup *s, const int *pattern, size_t k, double t, dln_net *w0, dln_net *w)
{
    size_t n = s->n;
    ck_assert_ok(dln_landscape_build(s->ls, pattern, NULL, DLN_FRAMES_RANDOM, 5, w0));
    double *ev = malloc(n * sizeof *ev), *V = malloc(n * n * sizeof *V), *th = malloc(n * sizeof *th);
    eu_hess_eigh(s->loss, w0, ev, V);
    ck_assert_ok(dln_net_get_params(w0, th));
    for (size_t i = 0; i < n; i++) th[i] += t * V[i + k * n];
    ck_assert_ok(dln_net_set_params(w, th));
    double mu = ev[k];
    free(ev), free(V), free(th);
    return mu;
}

/* Near the global minimizers' orbit along the top eigenvector: the excess is
 * mu t^2/2 (1 + O(t)) down to t = 1e-8, where F - F* from two values has no
 * digit left; near a strict saddle along its negative eigenvector the orbit
 * excess is mu t^2/2 < 0 and the total adds the closed-form value gap. */
START_TEST(excess_keeps_digits)
{
    for (size_t p = 0; p < eu_num_problems; p++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[p], &s);
        int *pat = malloc(s.nv * sizeof *pat), *sad = malloc(s.nv * sizeof *sad);
        dln_net *w0 = NULL, *w = NULL;
        ck_assert_ok(dln_net_copy(&w0, s.net));
        ck_assert_ok(dln_net_copy(&w, s.net));
        dln_landscape_info info = {.struct_size = sizeof info};
        ck_assert_ok(dln_landscape_get_info(s.ls, &info));
        ck_assert(find_orbit(s.ls, DLN_CLASS_GLOBAL_MIN, pat));
        for (double t = 1e-4; t > 1e-9; t *= 1e-2) {
            double mu = perturbed(&s, pat, s.n - 1, t, w0, w), ex = NAN, exo = NAN, exp_ = NAN;
            ck_assert_ok(dln_landscape_excess(s.ls, w, NULL, &ex, &exo));
            ck_assert_ok(dln_landscape_excess(s.ls, w, pat, &exp_, NULL));
            double want = 0.5 * mu * t * t;
            ck_assert_msg(fabs(ex / want - 1.0) <= 1e3 * t + 1e-6, "problem %zu t %g: %g vs %g", p, t, ex, want);
            ck_assert_double_eq(ex, exo);
            ck_assert_double_le(fabs(exp_ - ex), 1e-6 * want);
        }
        if (find_orbit(s.ls, DLN_CLASS_STRICT_SADDLE, sad)) {
            double t = 1e-6, mu = perturbed(&s, sad, 0, t, w0, w), ex, exo;
            dln_orbit_info o = {.struct_size = sizeof o};
            ck_assert_ok(dln_landscape_pattern_info(s.ls, sad, &o));
            ck_assert_double_lt(mu, 0.0);
            ck_assert_ok(dln_landscape_excess(s.ls, w, sad, &ex, &exo));
            double want = 0.5 * mu * t * t;
            ck_assert_msg(fabs(exo / want - 1.0) <= 1e-3, "problem %zu saddle: %g vs %g", p, exo, want);
            ck_assert_double_eq(ex, exo + (o.value - info.global_value));
        }
        free(pat), free(sad);
        dln_net_free(w0), dln_net_free(w);
        eu_setup_free(&s);
    }
}
END_TEST

/* The distance to a chosen orbit: near W0 + t v (v normal) it is t for W0's
 * own type (as the automatic choice), and to another type it is certified
 * from below, attained by its critical projection. */
START_TEST(distance_to_chosen_orbit)
{
    for (size_t p = 0; p < eu_num_problems; p++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[p], &s);
        int *glob = malloc(s.nv * sizeof *glob), *sad = malloc(s.nv * sizeof *sad);
        dln_net *w0 = NULL, *w = NULL, *star = NULL;
        ck_assert_ok(dln_net_copy(&w0, s.net));
        ck_assert_ok(dln_net_copy(&w, s.net));
        ck_assert_ok(dln_net_copy(&star, s.net));
        ck_assert(find_orbit(s.ls, DLN_CLASS_GLOBAL_MIN, glob));
        const double t = 1e-3;
        perturbed(&s, glob, s.n - 1, t, w0, w);
        dln_dist_report a = eu_report(), b = eu_report();
        ck_assert_ok(dln_landscape_distance(s.ls, w, &a, NULL, NULL));
        ck_assert_ok(dln_landscape_distance_to(s.ls, w, glob, &b, star));
        ck_assert_double_le(fabs(b.dist - t), 1e-9);
        ck_assert_double_le(fabs(b.dist - a.dist), 1e-12);
        ck_assert_double_le(fabs(eu_dist(w, star) - b.dist), 1e-12);
        ck_assert(isinf(b.dist_second) && b.candidates == 1);
        ck_assert_int_eq(b.cls, DLN_CLASS_GLOBAL_MIN);
        if (find_orbit(s.ls, DLN_CLASS_STRICT_SADDLE, sad)) {
            ck_assert_ok(dln_landscape_distance_to(s.ls, w, sad, &b, star));
            ck_assert_int_eq(b.cls, DLN_CLASS_STRICT_SADDLE);
            ck_assert_double_ge(b.dist, b.dist_lower - 1e-12);
            ck_assert_double_ge(b.dist, b.dist_lower_orbit - 1e-12);
            ck_assert_double_gt(b.dist, 10.0 * t);
            ck_assert_double_le(fabs(eu_dist(w, star) - b.dist), 1e-10 * (1.0 + b.dist));
            double f;
            ck_assert_ok(dln_loss_value(s.loss, star, &f));
            ck_assert_double_le(fabs(f - b.critical_value), 1e-10 * (1.0 + fabs(f)));
            double *g = malloc(2 * s.n * sizeof *g); /* critical: a zero step leaves it, ||grad|| ~ 0 */
            ck_assert_double_le(eu_gd_step(s.loss, star, 0.0, g, g + s.n), 1e-9 * (1.0 + eu_norm(star)));
            free(g);
        }
        free(glob), free(sad);
        dln_net_free(w0), dln_net_free(w), dln_net_free(star);
        eu_setup_free(&s);
    }
}
END_TEST

START_TEST(excess_and_distance_bad_input)
{
    eu_setup s;
    eu_setup_problem(&eu_problems[0], &s);
    int bad[2] = {DLN_MATCH_SELECTED, DLN_MATCH_NONE};
    double ex = -1.0, exo = -1.0;
    dln_dist_report r = eu_report();
    r.dist = -1.0;
    ck_assert_int_eq(dln_landscape_distance_to(NULL, s.net, bad, &r, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_distance_to(s.ls, s.net, NULL, &r, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_distance_to(s.ls, s.net, bad, &r, NULL), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_excess(s.ls, s.net, bad, &ex, &exo), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_excess(NULL, s.net, NULL, &ex, &exo), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_excess(s.ls, NULL, NULL, &ex, &exo), DLN_E_NULL);
    ck_assert_double_eq(r.dist, -1.0);
    ck_assert_double_eq(ex, -1.0);
    ck_assert_double_eq(exo, -1.0);
    const double Phi[4] = {3, 0, 0, 1};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 3, NULL);
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, (const size_t[]){2, 2, 2, 2}, &net);
    ck_assert_int_eq(dln_landscape_excess(ls, net, NULL, &ex, &exo), DLN_E_UNSUPPORTED);
    ck_assert_double_eq(ex, -1.0);
    dln_landscape_free(ls), dln_net_free(net), dln_loss_free(loss);
    eu_setup_free(&s);
}
END_TEST

Suite *suite_landscape_queries(void)
{
    Suite *s = suite_create("landscape_queries");
    TCase *tc = tcase_create("landscape_queries");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, root_layers);
    tcase_add_test(tc, root_layers_bad_input);
    tcase_add_test(tc, excess_keeps_digits);
    tcase_add_test(tc, distance_to_chosen_orbit);
    tcase_add_test(tc, excess_and_distance_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
