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

Suite *suite_landscape_queries(void)
{
    Suite *s = suite_create("landscape_queries");
    TCase *tc = tcase_create("landscape_queries");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, root_layers);
    tcase_add_test(tc, root_layers_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
