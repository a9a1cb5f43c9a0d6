/* check_classify.c - classification of points: every class built by the
 * construction routine (random seeds and frames, depths 2-6, bottlenecks,
 * repeated values, unequal lam_l, data) against independent oracles (dense
 * Hessian eigenvalues through LAPACKE, straight-line descent searches, the
 * global value from long double roots or the data's normal equations); the
 * worked examples of the spec; approximately critical and non-critical
 * points; assumption violations; tolerance bands; bad input. */
#include "landscape_util.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static dln_class_report classify(dln_landscape *ls, const dln_net *net, dln_method m, int *pat,
                                 double *dir)
{
    dln_class_report rep;
    rep.struct_size = sizeof rep;
    ck_assert_ok(dln_landscape_classify(ls, net, m, &rep, pat, dir));
    return rep;
}

/* Hessian eigenpairs (ascending) with LAPACKE; Z may be NULL. */
static void eigpairs(dln_loss *loss, const dln_net *net, double *ev, double *Z)
{
    size_t n = dln_net_num_params(net);
    if (!Z) {
        lu_hess_eigs(loss, net, ev);
        return;
    }
    ck_assert_ok(dln_loss_hessian(loss, net, Z, n));
    ck_assert_int_eq(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', (int)n, Z, (int)n, ev), 0);
}

/* Oracle for a critical point of a loss whose global value fstar is known
 * independently: strict (negative eigenvalue), non-strict (PSD and a
 * straight-line descent along the Hessian's null space, or - unregularized,
 * where every local minimum is global - PSD above fstar), global (PSD at
 * fstar), local (PSD above fstar, no descent). */
static dln_class oracle(dln_loss *loss, const dln_net *net, double fstar, double fscale, int unreg)
{
    size_t n = dln_net_num_params(net);
    double *ev = malloc(n * sizeof *ev), *Z = malloc(n * n * sizeof *Z), F;
    eigpairs(loss, net, ev, Z);
    ck_assert_ok(dln_loss_value(loss, net, &F));
    double sc = fmax(fmax(fabs(ev[0]), fabs(ev[n - 1])), 1e-3);
    dln_class c;
    if (ev[0] < -1e-7 * sc) c = DLN_CLASS_STRICT_SADDLE;
    else {
        size_t nn = lu_count_small(n, ev, 1e-9 * sc);
        static const double steps[] = {1e-1, 3e-2, 1e-2, 3e-3};
        double dec = nn ? lu_line_descent(loss, net, nn, Z, steps, 4) : 0.0;
        int at_global = fabs(F - fstar) <= 1e-10 * fscale;
        if (dec < -1e-12 * fscale) c = DLN_CLASS_NONSTRICT_SADDLE;
        else if (at_global) c = DLN_CLASS_GLOBAL_MIN;
        else c = unreg ? DLN_CLASS_NONSTRICT_SADDLE : DLN_CLASS_LOCAL_MIN;
    }
    free(ev), free(Z);
    return c;
}

/* The direction of a strict saddle is a unit vector with d^T H d = curvature < 0. */
static void check_direction(dln_loss *loss, const dln_net *net, const double *d, double curv)
{
    size_t n = dln_net_num_params(net);
    double *hd = malloc(n * sizeof *hd), nd = 0.0, q = 0.0;
    ck_assert_ok(dln_loss_hvp(loss, net, d, hd));
    for (size_t i = 0; i < n; i++) nd += d[i] * d[i], q += d[i] * hd[i];
    ck_assert_double_eq_tol(nd, 1.0, 1e-12);
    ck_assert_double_eq_tol(q, curv, 1e-9 * (1.0 + fabs(curv)));
    ck_assert_double_lt(curv, 0.0);
    free(hd);
}

/* ---- worked examples ----------------------------------------------------- */

START_TEST(examples_regularized)
{
    static const dln_class cls[9] = {DLN_CLASS_LOCAL_MIN,     DLN_CLASS_GLOBAL_MIN,    DLN_CLASS_STRICT_SADDLE,
                                     DLN_CLASS_STRICT_SADDLE, DLN_CLASS_STRICT_SADDLE, DLN_CLASS_LOCAL_MIN,
                                     DLN_CLASS_STRICT_SADDLE, DLN_CLASS_STRICT_SADDLE, DLN_CLASS_STRICT_SADDLE};
    static const int pats[9][2] = {{0, 0}, {1, 0}, {2, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 1}, {2, 2}};
    static const double mins[9] = {1, 0, -0.9609991092, -1.0380064930, -0.6491771288, 0, -0.6360821507,
                                   -1.2449797600, -1.1459041784};
    size_t w[4] = {2, 2, 2, 2};
    double dir[12];
    dln_loss *loss = lu_example_101();
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, w, &net);
    for (int i = 0; i < 9; i++) {
        int got[2];
        ck_assert_ok(dln_landscape_build(ls, pats[i], NULL, DLN_FRAMES_RANDOM, 40 + i, net));
        dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, got, dir);
        ck_assert_int_eq(rep.cls, cls[i]);
        ck_assert_int_eq(rep.agree, 1);
        ck_assert_int_eq(got[0], pats[i][0]);
        ck_assert_int_eq(got[1], pats[i][1]);
        ck_assert_double_eq_tol(rep.hess_min, mins[i], 1e-9);
        ck_assert_double_eq_tol(rep.critical_value, rep.value, 1e-13);
        ck_assert_double_eq_tol(rep.global_value, 4.661759633103, 1e-12);
        ck_assert_uint_eq(rep.hess_nullity, i == 0 ? 0 : 2);
        /* theory alone gives the class and, for strict saddles, a certificate */
        rep = classify(ls, net, DLN_METHOD_THEORY, got, dir);
        ck_assert_int_eq(rep.cls, cls[i]);
        ck_assert_int_eq(rep.decided_by, DLN_METHOD_THEORY);
        if (cls[i] == DLN_CLASS_STRICT_SADDLE) {
            ck_assert_uint_eq(rep.flags & DLN_CF_DIRECTION, DLN_CF_DIRECTION);
            check_direction(loss, net, dir, rep.curvature);
        }
    }
    dln_landscape_free(ls);
    dln_loss_free(loss);
    dln_net_free(net);
    /* 10.2: non-strict saddle at the double root, L = 3, all widths 1 */
    size_t w1[4] = {1, 1, 1, 1};
    double y = 1.754765350603;
    loss = lu_target_loss(1, 1, &y, 0, NULL);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 1.0));
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w1));
    ck_assert_ok(dln_net_create(&net, 3, w1));
    double s3[3] = {pow(3.0, -0.25), pow(3.0, -0.25), pow(3.0, -0.25)};
    ck_assert_ok(dln_net_set_params(net, s3));
    int got[1];
    dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, got, dir);
    ck_assert_int_eq(rep.cls, DLN_CLASS_NONSTRICT_SADDLE);
    ck_assert_int_eq(rep.agree, 1);
    ck_assert_int_eq(got[0], DLN_MATCH_DOUBLE);
    ck_assert_double_eq_tol(rep.value, sqrt(3.0), 1e-12);
    ck_assert_uint_eq(rep.flags & DLN_CF_DEGENERATE, DLN_CF_DEGENERATE);
    ck_assert_double_eq_tol(rep.hess_min, 0.0, 1e-10);
    ck_assert_double_eq_tol(rep.hess_max, 2.0, 1e-10);
    ck_assert_double_lt(rep.probe_decrease, 0.0);
    /* F decreases along s*(1 - t) */
    for (double t = 1e-2; t >= 1e-4; t /= 10.0) {
        double st[3] = {s3[0] * (1 - t), s3[1] * (1 - t), s3[2] * (1 - t)}, F;
        dln_net *x = NULL;
        ck_assert_ok(dln_net_copy(&x, net));
        ck_assert_ok(dln_net_set_params(x, st));
        ck_assert_ok(dln_loss_value(loss, x, &F));
        ck_assert_double_lt(F, sqrt(3.0));
        dln_net_free(x);
    }
    ck_assert_ok(dln_net_init_zeros(net));
    rep = classify(ls, net, DLN_METHOD_BOTH, got, dir);
    ck_assert_int_eq(rep.cls, DLN_CLASS_GLOBAL_MIN);
    ck_assert_double_eq_tol(rep.value, 1.539600717839, 1e-12);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

START_TEST(degenerate_l2)
{
    /* L = 2, an unmatched y = sqrt(lam_1 lam_2) with room: a degenerate (quartic)
     * global minimum at W = 0 (regularized.md 4, L = 2) */
    size_t w[3] = {2, 2, 2};
    double lam[2] = {0.5, 2.0}, Phi[4] = {1.0, 0, 0, 0.5}; /* sqrt(lam_1 lam_2) = 1 */
    dln_loss *loss = lu_target_loss(2, 2, Phi, 2, lam);
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 2, w, &net);
    dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_GLOBAL_MIN);
    ck_assert_int_eq(rep.agree, 1);
    ck_assert_uint_eq(rep.flags & DLN_CF_DEGENERATE, DLN_CF_DEGENERATE);
    ck_assert_uint_eq(rep.hess_nullity, 2); /* the E block [[lam_2, -1], [-1, lam_1]] is singular */
    ck_assert_double_ge(rep.probe_decrease, 0.0);
    double ev[8], Z[64];
    eigpairs(loss, net, ev, Z);
    static const double steps[] = {1e-1, 1e-2};
    ck_assert_double_ge(lu_line_descent(loss, net, 2, Z, steps, 2), 0.0); /* quartic growth */
    dln_landscape_info info;
    info.struct_size = sizeof info;
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    ck_assert_int_eq(info.error_bound, 0);
    ck_assert_int_eq(info.strict_saddle, 1);
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

static dln_net *net_from(size_t L, const size_t *w, const double *const *W)
{
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, L, w));
    for (size_t l = 1; l <= L; l++) ck_assert_ok(dln_net_set_layer(net, l, W[l - 1], w[l - 1], DLN_ROW_MAJOR));
    return net;
}

/* Data A (unregularized.md 13): E1, E2, E3, E5 */
START_TEST(examples_unregularized_a)
{
    double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[6] = {3, 0, 0, 1, 0, 0};
    size_t w[4] = {3, 2, 2, 2};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 3, X, 3, Y, 2));
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    static const double E1a[6] = {3, 0, 0, 0, 1, 0}, I2[4] = {1, 0, 0, 1}, D10[4] = {1, 0, 0, 0},
                        W1b[6] = {3, 0, 0, 0, 0, 0}, Z6[6] = {0}, Z4[4] = {0};
    const double *E1[3] = {E1a, I2, I2}, *E2[3] = {W1b, D10, D10}, *E3[3] = {W1b, I2, D10}, *E5[3] = {Z6, Z4, Z4};
    const double *const *pts[4] = {E1, E2, E3, E5};
    static const dln_class cls[4] = {DLN_CLASS_GLOBAL_MIN, DLN_CLASS_NONSTRICT_SADDLE, DLN_CLASS_STRICT_SADDLE,
                                     DLN_CLASS_NONSTRICT_SADDLE};
    static const double val[4] = {0.0, 0.5, 0.5, 5.0};
    static const size_t rank[4] = {2, 1, 1, 0}, nullity[4] = {8, 10, 8, 14}, wit[4] = {0, 0, 1, 0};
    double dir[14];
    for (int i = 0; i < 4; i++) {
        dln_net *net = net_from(3, w, pts[i]);
        int S[2];
        dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, S, dir);
        ck_assert_msg(rep.cls == cls[i], "E%d: %s", i, dln_class_name(rep.cls));
        ck_assert_int_eq(rep.agree, 1);
        ck_assert_double_eq_tol(rep.value, val[i], 1e-14);
        ck_assert_double_eq_tol(rep.critical_value, val[i], 1e-14);
        ck_assert_uint_eq(rep.rank, rank[i]);
        ck_assert_int_eq(S[0], rank[i] >= 1 ? DLN_MATCH_SELECTED : DLN_MATCH_NONE);
        ck_assert_uint_eq(rep.hess_nullity, nullity[i]);
        ck_assert_uint_eq(rep.witness_h1, wit[i]);
        ck_assert_uint_eq(rep.witness_h2, wit[i] ? 3 : 0);
        if (i == 2) { /* E3: the (W_1, W_3) block has minimum eigenvalue -1 */
            rep = classify(ls, net, DLN_METHOD_THEORY, S, dir);
            ck_assert_double_eq_tol(rep.curvature, -1.0, 1e-12);
            check_direction(loss, net, dir, rep.curvature);
        }
        dln_net_free(net);
    }
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

/* Data B (unregularized.md 13): E7 (aligned, strict) and E8 (crossed,
 * non-strict) have identical ranks */
static const size_t wb[5] = {2, 1, 1, 1, 2};

START_TEST(examples_unregularized_b)
{
    double XB[4] = {1, 0, 0, 1}, YB[4] = {3, 0, 0, 1}, dir[6];
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 2, 2, 2, XB, 2, YB, 2));
    ck_assert_ok(dln_landscape_create(&ls, loss, 4, wb));
    static const double w1[2] = {0, 1}, z[1] = {0}, a[2] = {0, 1}, c[2] = {1, 0};
    const double *E7[4] = {w1, z, z, a}, *E8[4] = {w1, z, z, c};
    for (int i = 0; i < 2; i++) {
        dln_net *net = net_from(4, wb, i == 0 ? E7 : E8);
        double ev[6];
        lu_hess_eigs(loss, net, ev);
        dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, NULL, dir);
        ck_assert_int_eq(rep.agree, 1);
        ck_assert_double_eq_tol(rep.value, 5.0, 1e-14);
        ck_assert_uint_eq(rep.rank, 0);
        if (i == 0) {
            ck_assert_int_eq(rep.cls, DLN_CLASS_STRICT_SADDLE);
            ck_assert_uint_eq(rep.witness_h1, 2);
            ck_assert_uint_eq(rep.witness_h2, 3);
            ck_assert_double_eq_tol(ev[0], -1.0, 1e-14);
            ck_assert_uint_eq(rep.hess_nullity, 4);
        } else {
            ck_assert_int_eq(rep.cls, DLN_CLASS_NONSTRICT_SADDLE);
            ck_assert_uint_eq(rep.witness_h1, 0);
            ck_assert_double_le(tu_maxabs(6, ev), 1e-14); /* H = 0 */
            ck_assert_uint_eq(rep.hess_nullity, 6);
        }
        dln_net_free(net);
    }
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

/* E7 and E8 on random data with random gauges, built by dln_landscape_build() */
START_TEST(examples_unregularized_b_random)
{
    tu_rng r;
    tu_seed(&r, 21);
    for (int k = 0; k < tu_cases(20); k++) {
        double Xr[4], Yr[4];
        tu_fill(&r, 4, Xr);
        tu_fill(&r, 4, Yr);
        dln_loss *lr = NULL;
        dln_landscape *lsr = NULL;
        ck_assert_ok(dln_loss_create_data(&lr, 2, 2, 2, Xr, 2, Yr, 2));
        ck_assert_ok(dln_landscape_create(&lsr, lr, 4, wb));
        dln_net *net = NULL;
        ck_assert_ok(dln_net_create(&net, 4, wb));
        int aligned[2] = {DLN_MATCH_NONE, DLN_MATCH_FEED_READ}, crossed[2] = {DLN_MATCH_READ, DLN_MATCH_FEED};
        int ex[4] = {DLN_EXTRA_CHANNEL, DLN_EXTRA_ZERO, DLN_EXTRA_ZERO, DLN_EXTRA_CHANNEL};
        for (int i = 0; i < 2; i++) {
            ck_assert_ok(dln_landscape_build(lsr, i ? crossed : aligned, ex, DLN_FRAMES_RANDOM, k, net));
            dln_class_report rep = classify(lsr, net, DLN_METHOD_BOTH, NULL, NULL);
            ck_assert_int_eq(rep.cls, i ? DLN_CLASS_NONSTRICT_SADDLE : DLN_CLASS_STRICT_SADDLE);
            ck_assert_int_eq(rep.agree, 1);
        }
        dln_net_free(net);
        dln_landscape_free(lsr);
        dln_loss_free(lr);
    }
}
END_TEST

/* ---- the zoo of constructed points --------------------------------------- */

static size_t zoo_cases, zoo_agree, zoo_classes[7];

/* Classify every orbit type of a regularized landscape and compare with the oracle. */
static void zoo_reg(dln_loss *loss, size_t L, const size_t *w, uint64_t seed)
{
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, L, w));
    ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_REGULARIZED);
    dln_landscape_info info;
    info.struct_size = sizeof info;
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    size_t nv = info.num_values;
    double y[8];
    ck_assert_ok(dln_landscape_values(ls, y));
    double fstar = info.zero_value + info.scale * lu_reg_fstar_shift(L, info.lam, y, nv, info.rank_max);
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, L, w));
    size_t n = dln_net_num_params(net);
    double *dir = malloc(n * sizeof *dir);
    int pat[8], got[8];
    for (size_t k = 0; k < info.num_orbits; k++) {
        ck_assert_ok(dln_landscape_orbit(ls, k, pat));
        ck_assert_ok(dln_landscape_build(ls, pat, NULL, (dln_frames)((seed + k) % 2), seed + k, net));
        dln_class expect = oracle(loss, net, fstar, info.zero_value, 0);
        dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, got, dir);
        zoo_cases++;
        zoo_agree += rep.agree == 1;
        zoo_classes[rep.cls]++;
        ck_assert_msg(rep.cls == expect, "L=%zu orbit %zu: %s, oracle %s (flags %x, theory %s, numerical %s)",
                      L, k, dln_class_name(rep.cls), dln_class_name(expect), rep.flags,
                      dln_class_name(rep.theory_class), dln_class_name(rep.numerical_class));
        ck_assert_int_eq(rep.agree, 1);
        ck_assert_double_eq_tol(rep.value, rep.critical_value, 1e-11 * info.zero_value);
        if (rep.cls == DLN_CLASS_STRICT_SADDLE) check_direction(loss, net, dir, rep.curvature);
        for (size_t i = 0; i < nv; i++) /* the matched multiset per block is the pattern's */
            ck_assert_int_eq(got[i] != 0, pat[i] != 0);
    }
    free(dir);
    dln_net_free(net);
    dln_landscape_free(ls);
}

START_TEST(zoo_regularized)
{
    tu_rng r;
    tu_seed(&r, 31);
    int cases = tu_cases(150);
    for (int c = 0; c < cases; c++) {
        size_t L = 2 + (size_t)c % 5, w[8];
        for (size_t l = 0; l <= L; l++) w[l] = tu_int(&r, 1, 3 + (L <= 3));
        if (c % 7 == 3) w[L / 2] = 1; /* bottleneck */
        size_t dY = w[0] < w[L] ? w[0] : w[L];
        double s[4], lam[7], lprod = 1.0;
        for (size_t l = 0; l < L; l++) lprod *= (lam[l] = c % 4 == 0 ? 0.5 : 0.1 + tu_uniform(&r));
        double ys = (double)lu_ystar(L, lprod), yh = (double)lu_yhat(L, lprod);
        for (size_t k = 0; k < dY; k++) s[k] = ys * (0.4 + 2.0 * tu_uniform(&r));
        if (dY >= 2 && c % 3 == 0) s[1] = s[0];              /* repeated value */
        if (L >= 3 && c % 4 == 1) s[dY - 1] = ys;            /* non-strict saddles exist */
        if (L >= 3 && dY >= 2 && c % 5 == 2) s[0] = 0.5 * (ys + yh); /* in (y*, yhat) */
        lu_sort_desc(dY, s);
        double *Phi = malloc(w[L] * w[0] * sizeof *Phi);
        lu_matrix_with_sv(&r, w[L], w[0], s, Phi);
        dln_loss *loss = lu_target_loss(w[L], w[0], Phi, L, lam);
        zoo_reg(loss, L, w, 1000 * (uint64_t)c);
        dln_loss_free(loss);
        free(Phi);
    }
    /* data with X X^T = c I */
    size_t w[4] = {3, 2, 3, 2}, m = 6;
    double Q[36], X[18], Yd[12], lam[3] = {0.2, 0.3, 0.25};
    lu_orth(&r, m, Q);
    for (size_t j = 0; j < m; j++)
        for (size_t i = 0; i < 3; i++) X[i + 3 * j] = 1.7 * Q[j + i * m];
    tu_fill(&r, 12, Yd);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, m, X, 3, Yd, 2));
    ck_assert_ok(dln_loss_set_l2(loss, 3, lam));
    zoo_reg(loss, 3, w, 77);
    dln_loss_free(loss);
    ck_assert_uint_gt(zoo_cases, 3 * (size_t)cases);
    ck_assert_uint_eq(zoo_agree, zoo_cases);
    for (int k = DLN_CLASS_GLOBAL_MIN; k <= DLN_CLASS_NONSTRICT_SADDLE; k++) ck_assert_uint_gt(zoo_classes[k], 0);
}
END_TEST

/* Independent f* of unregularized data (X d0 x m, Y dL x m, d0 <= 4): the
 * least-squares residual plus the best rank-r_max fit of the least-squares
 * predictions (normal equations, LAPACKE); *Fz = F(0). */
static void unreg_fstar(const double *X, const double *Y, size_t d0, size_t dL, size_t m,
                        size_t rank_max, double *Fls, double *Fz)
{
    double A[16] = {0}, B[16] = {0}, sv[4], sup[4], U1[1], V1[1];
    for (size_t k = 0; k < m; k++)
        for (size_t i = 0; i < d0; i++) {
            for (size_t j = 0; j < d0; j++) A[i + j * d0] += X[i + k * d0] * X[j + k * d0];
            for (size_t j = 0; j < dL; j++) B[i + j * d0] += X[i + k * d0] * Y[j + k * dL];
        }
    int ipiv[4];
    ck_assert_int_eq(LAPACKE_dgesv(LAPACK_COL_MAJOR, (int)d0, (int)dL, A, (int)d0, ipiv, B, (int)d0), 0);
    double *Pr = malloc(dL * m * sizeof *Pr);
    *Fls = *Fz = 0.0;
    for (size_t k = 0; k < m; k++)
        for (size_t j = 0; j < dL; j++) {
            double p = 0.0;
            for (size_t i = 0; i < d0; i++) p += B[i + j * d0] * X[i + k * d0];
            Pr[j + k * dL] = p;
            *Fls += 0.5 * (p - Y[j + k * dL]) * (p - Y[j + k * dL]);
            *Fz += 0.5 * Y[j + k * dL] * Y[j + k * dL];
        }
    ck_assert_int_eq(LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (int)dL, (int)m, Pr, (int)dL, sv, U1,
                                    1, V1, 1, sup), 0);
    for (size_t i = rank_max; i < dL; i++) *Fls += 0.5 * sv[i] * sv[i];
    free(Pr);
}

START_TEST(zoo_unregularized)
{
    tu_rng r;
    tu_seed(&r, 41);
    int cases = tu_cases(200);
    size_t agree = 0, counts[7] = {0};
    for (int c = 0; c < cases; c++) {
        size_t L = 2 + (size_t)c % 5, w[8], m = 8;
        w[0] = tu_int(&r, 2, 4), w[L] = tu_int(&r, 1, w[0]);
        for (size_t l = 1; l < L; l++) w[l] = tu_int(&r, 1, 4);
        size_t d0 = w[0], dL = w[L];
        double *X = malloc(d0 * m * sizeof *X), *Y = malloc(dL * m * sizeof *Y);
        tu_fill(&r, d0 * m, X);
        tu_fill(&r, dL * m, Y);
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
        dln_landscape *ls = NULL;
        ck_assert_ok(dln_landscape_create(&ls, loss, L, w));
        dln_landscape_info info;
        info.struct_size = sizeof info;
        ck_assert_ok(dln_landscape_get_info(ls, &info));
        double Fls, Fz;
        unreg_fstar(X, Y, d0, dL, m, info.rank_max, &Fls, &Fz);
        ck_assert_double_eq_tol(info.global_value, Fls, 1e-10 * Fz);
        dln_net *net = NULL;
        ck_assert_ok(dln_net_create(&net, L, w));
        size_t n = dln_net_num_params(net);
        double *dir = malloc(n * sizeof *dir);
        int pat[4], ex[8];
        for (int rep_i = 0; rep_i < 4; rep_i++) {
            size_t idx = tu_int(&r, 0, info.num_orbits - 1);
            ck_assert_ok(dln_landscape_orbit(ls, idx, pat));
            size_t rr = 0;
            for (size_t i = 0; i < dL; i++) rr += pat[i] == DLN_MATCH_SELECTED;
            int kind = (c + rep_i) % 5;
            for (size_t l = 0; l < L; l++) ex[l] = DLN_EXTRA_ZERO;
            if (kind == 1) { /* two zero blocks a < b, random elsewhere */
                size_t a = tu_int(&r, 1, L - 1), b = tu_int(&r, a + 1, L);
                for (size_t l = 1; l <= L; l++) ex[l - 1] = (l == a || l == b) ? DLN_EXTRA_ZERO : DLN_EXTRA_RANDOM;
            } else if (kind == 2) /* coupled loose pair: K_1 = K_L = 0, identity in between */
                for (size_t l = 2; l < L; l++) ex[l - 1] = DLN_EXTRA_IDENTITY;
            else if (kind == 3 && rr > 0) { /* one zero block + extra outputs inside span U_S */
                size_t cz = tu_int(&r, 1, L - 1);
                for (size_t l = 1; l < L; l++) ex[l - 1] = l == cz ? DLN_EXTRA_ZERO : DLN_EXTRA_RANDOM;
                ex[L - 1] = DLN_EXTRA_SIGNAL;
            } else if (kind == 4) { /* one zero block + extra inputs in the null space of Pi_perp Syx */
                size_t cz = tu_int(&r, 2, L);
                for (size_t l = 2; l <= L; l++) ex[l - 1] = l == cz ? DLN_EXTRA_ZERO : DLN_EXTRA_RANDOM;
                ex[0] = DLN_EXTRA_SIGNAL;
            }
            ck_assert_ok(dln_landscape_build(ls, pat, ex, DLN_FRAMES_RANDOM, 100 * (uint64_t)c + rep_i, net));
            dln_class expect = oracle(loss, net, Fls, Fz, 1);
            dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, NULL, dir);
            ck_assert_msg(rep.cls == expect, "case %d: %s, oracle %s (theory %s, numerical %s, flags %x)", c,
                          dln_class_name(rep.cls), dln_class_name(expect), dln_class_name(rep.theory_class),
                          dln_class_name(rep.numerical_class), rep.flags);
            agree += rep.agree == 1;
            counts[rep.cls]++;
            if (rep.cls == DLN_CLASS_STRICT_SADDLE) check_direction(loss, net, dir, rep.curvature);
        }
        free(dir);
        dln_net_free(net);
        dln_landscape_free(ls);
        dln_loss_free(loss);
        free(X), free(Y);
    }
    ck_assert_uint_eq(agree, 4 * (size_t)cases);
    ck_assert_uint_gt(counts[DLN_CLASS_GLOBAL_MIN], 0);
    ck_assert_uint_gt(counts[DLN_CLASS_STRICT_SADDLE], 0);
    ck_assert_uint_gt(counts[DLN_CLASS_NONSTRICT_SADDLE], 0);
}
END_TEST

/* ---- approximately critical, non-critical -------------------------------- */

START_TEST(near_critical)
{
    tu_rng r;
    tu_seed(&r, 51);
    size_t w[4] = {2, 3, 2, 2};
    double Phi[4] = {3, 0.4, -0.2, 1.9}, lam[3] = {0.8, 1.0, 1.3};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 3, lam);
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    dln_net *net = NULL, *x = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    size_t n = dln_net_num_params(net), undetermined = 0, total = 0;
    double th[32], d[32];
    for (size_t k = 0; k < 9; k++) {
        int pat[2];
        ck_assert_ok(dln_landscape_orbit(ls, k, pat));
        ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, k, net));
        dln_class exact = classify(ls, net, DLN_METHOD_BOTH, NULL, NULL).cls;
        ck_assert_ok(dln_net_copy(&x, net));
        ck_assert_ok(dln_net_get_params(net, th));
        for (int j = 0; j < 4; j++) {
            tu_fill(&r, n, d);
            double norm = 0.0;
            for (size_t i = 0; i < n; i++) norm += d[i] * d[i];
            norm = sqrt(norm);
            /* far: not critical */
            for (size_t i = 0; i < n; i++) d[i] = th[i] + 1e-3 * d[i] / norm;
            ck_assert_ok(dln_net_set_params(x, d));
            dln_class_report rep = classify(ls, x, DLN_METHOD_AUTO, NULL, NULL);
            ck_assert_int_eq(rep.cls, DLN_CLASS_NOT_CRITICAL);
            ck_assert_double_gt(rep.grad_rel, rep.tol_grad);
            /* near (1e-9): approximately critical, same class or undetermined, never another one */
            for (size_t i = 0; i < n; i++) d[i] = th[i] + 1e-9 * (d[i] - th[i]) / 1e-3;
            ck_assert_ok(dln_net_set_params(x, d));
            ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_GRAD, 1e-6));
            rep = classify(ls, x, DLN_METHOD_BOTH, NULL, NULL);
            ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_GRAD, 1e-8));
            ck_assert_double_gt(rep.grad_rel, 1e-12);
            ck_assert_double_ge(rep.tol_decide, sqrt(rep.grad_rel));
            ck_assert_msg(rep.cls == exact || rep.cls == DLN_CLASS_UNDETERMINED, "orbit %zu: %s vs %s", k,
                          dln_class_name(rep.cls), dln_class_name(exact));
            undetermined += rep.cls == DLN_CLASS_UNDETERMINED;
            total++;
        }
        dln_net_free(x);
        x = NULL;
    }
    ck_assert_uint_le(undetermined, total / 4);
    /* a point reached by gradient descent: a minimum, and both methods agree */
    ck_assert_ok(dln_net_init_gaussian(net, 0.5, 9));
    double g[32], F;
    for (int it = 0; it < 20000; it++) {
        ck_assert_ok(dln_loss_grad(loss, net, &F, g));
        ck_assert_ok(dln_net_get_params(net, th));
        for (size_t i = 0; i < n; i++) th[i] -= 0.05 * g[i];
        ck_assert_ok(dln_net_set_params(net, th));
        if (tu_maxabs(n, g) < 1e-11) break;
    }
    dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, NULL, NULL);
    ck_assert(rep.cls == DLN_CLASS_GLOBAL_MIN || rep.cls == DLN_CLASS_LOCAL_MIN);
    ck_assert_int_eq(rep.agree, 1);
    /* random points are not critical, whatever the theory */
    for (int k = 0; k < 5; k++) {
        ck_assert_ok(dln_net_init_gaussian(net, 1.0, 100 + k));
        rep = classify(ls, net, DLN_METHOD_BOTH, NULL, NULL);
        ck_assert_int_eq(rep.cls, DLN_CLASS_NOT_CRITICAL);
        ck_assert_double_gt(rep.grad_rel, 1e-4);
    }
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

START_TEST(tolerance_band)
{
    /* a value just above y* (delta = 1e-9, not at the threshold): the '+' root is
     * decided with the default tau, undetermined once tau is within 10x of the gap */
    size_t w[4] = {1, 1, 1, 1};
    double y = (double)lu_ystar(3, 1.0) * (1.0 + 1e-9);
    dln_loss *loss = lu_target_loss(1, 1, &y, 0, NULL);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 1.0));
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    int plus[1] = {DLN_MATCH_PLUS}, got[1];
    ck_assert_ok(dln_landscape_build(ls, plus, NULL, DLN_FRAMES_CANONICAL, 0, net));
    dln_class_report rep = classify(ls, net, DLN_METHOD_THEORY, got, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_LOCAL_MIN); /* y < yhat: spurious */
    ck_assert_int_eq(got[0], DLN_MATCH_PLUS);
    double gl = rep.gap_label;
    ck_assert(gl > 1e-6 && gl < 1e-3);
    ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_RANK, gl / 5.0));
    rep = classify(ls, net, DLN_METHOD_THEORY, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_UNDETERMINED);
    ck_assert_uint_eq(rep.flags & DLN_CF_TOLERANCE, DLN_CF_TOLERANCE);
    ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_RANK, gl / 20.0));
    ck_assert_int_eq(classify(ls, net, DLN_METHOD_THEORY, NULL, NULL).cls, DLN_CLASS_LOCAL_MIN);
    /* with a coarse value tolerance the same value counts as y*: double root */
    ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_VALUE, 1e-8));
    dln_root_info ri;
    ri.struct_size = sizeof ri;
    ck_assert_ok(dln_landscape_roots(ls, 0, &ri));
    ck_assert_int_eq(ri.is_double, 1);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    dln_net_free(net);
    /* unregularized: E3's witness middle has rank 2 = 1 + 1; a coarse tau makes it ambiguous */
    double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Yd[6] = {3, 0, 0, 1, 0, 0};
    size_t w3[4] = {3, 2, 2, 2};
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 3, X, 3, Yd, 2));
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w3));
    static const double W1[6] = {3, 0, 0, 0, 0, 0}, I2[4] = {1, 0, 0, 1}, D10[4] = {1, 0, 0, 0};
    const double *E3[3] = {W1, I2, D10};
    net = net_from(3, w3, E3);
    rep = classify(ls, net, DLN_METHOD_THEORY, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_STRICT_SADDLE);
    ck_assert_double_gt(rep.coupling_margin, 1e6);
    ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_RANK, 0.1));
    rep = classify(ls, net, DLN_METHOD_THEORY, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_UNDETERMINED);
    ck_assert_uint_eq(rep.flags & DLN_CF_TOLERANCE, DLN_CF_TOLERANCE);
    ck_assert_double_lt(rep.coupling_margin, 10.0);
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

/* ---- outside the theories ------------------------------------------------- */

/* H3 fails (Sigma = I, repeated values): no theory; W = 0 and a balanced
 * rank-1 point are non-strict saddles, found numerically */
START_TEST(outside_repeated_values)
{
    size_t w[4] = {2, 2, 2, 2};
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w)); /* W = 0: critical for every L >= 3 loss */
    double I2[4] = {1, 0, 0, 1};
    dln_loss *loss = lu_target_loss(2, 2, I2, 0, NULL);
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    ck_assert_uint_eq(dln_landscape_limits(ls), DLN_LIMIT_H3);
    dln_class_report rep = classify(ls, net, DLN_METHOD_THEORY, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_UNDETERMINED);
    ck_assert_uint_eq(rep.flags & (DLN_CF_NO_THEORY | DLN_CF_ASSUMPTIONS), DLN_CF_NO_THEORY | DLN_CF_ASSUMPTIONS);
    rep = classify(ls, net, DLN_METHOD_AUTO, NULL, NULL);
    ck_assert_int_eq(rep.decided_by, DLN_METHOD_NUMERICAL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_NONSTRICT_SADDLE); /* H = 0, cubic descent */
    ck_assert_uint_eq(rep.flags & DLN_CF_DESCENT, DLN_CF_DESCENT);
    ck_assert_double_lt(rep.probe_decrease, 0.0);
    double W1[4] = {1, 0, 0, 0};
    for (size_t l = 1; l <= 3; l++) ck_assert_ok(dln_net_set_layer(net, l, W1, 2, DLN_COL_MAJOR));
    rep = classify(ls, net, DLN_METHOD_AUTO, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_NONSTRICT_SADDLE);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

/* mixed regularization: W = 0 is a local minimum whose globality is unknown */
START_TEST(outside_mixed_l2)
{
    size_t w[4] = {2, 2, 2, 2};
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    double Phi[4] = {2, 0, 0, 1}, lm[3] = {0.0, 0.5, 0.5};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 3, lm);
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    dln_class_report rep = classify(ls, net, DLN_METHOD_AUTO, NULL, NULL);
    ck_assert_int_eq(rep.theory, DLN_THEORY_NONE);
    ck_assert_int_eq(rep.cls, DLN_CLASS_MINIMUM);
    ck_assert(isnan(rep.global_value));
    ck_assert_uint_eq(rep.hess_nullity, 4); /* layer 1 is free at W = 0 */
    dln_landscape_free(ls);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

static const double Xo[8] = {1, 0, 0, 2, 1, 1, 3, -1}, Yo[8] = {1, 2, 0, 1, 1, 0, 2, 1};

/* regularized data with X X^T != cI: numerical only */
START_TEST(outside_unwhitened_l2)
{
    size_t w[4] = {2, 2, 2, 2};
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 2, 2, 4, Xo, 2, Yo, 2));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.3));
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    ck_assert_uint_eq(dln_landscape_limits(ls), DLN_LIMIT_DATA);
    dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_MINIMUM); /* H = 0.3 I > 0 at W = 0 */
    ck_assert_int_eq(rep.theory_class, DLN_CLASS_UNDETERMINED);
    ck_assert_int_eq(rep.decided_by, DLN_METHOD_NUMERICAL);
    ck_assert_double_eq_tol(rep.hess_min, 0.3, 1e-14);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

/* rank-deficient data (H1 fails): the origin, numerically */
START_TEST(outside_rank_deficient)
{
    size_t w[4] = {2, 2, 2, 2};
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 2, 2, 1, Xo, 2, Yo, 2));
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    ck_assert_uint_eq(dln_landscape_limits(ls) & DLN_LIMIT_H1, DLN_LIMIT_H1);
    ck_assert_int_eq(classify(ls, net, DLN_METHOD_AUTO, NULL, NULL).cls, DLN_CLASS_NONSTRICT_SADDLE);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    dln_net_free(net);
}
END_TEST

/* depth 1: convex; the ridge solution is the global minimum */
START_TEST(depth_one_convex)
{
    size_t w1[2] = {2, 2};
    double Pc[4] = {2, 1, 0, 3}, lam = 0.5, Wc[4];
    dln_loss *loss = lu_target_loss(2, 2, Pc, 0, NULL);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, lam));
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_landscape_create(&ls, loss, 1, w1));
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 1, w1));
    for (int i = 0; i < 4; i++) Wc[i] = Pc[i] / (1.0 + lam);
    ck_assert_ok(dln_net_set_params(net, Wc));
    dln_class_report rep = classify(ls, net, DLN_METHOD_BOTH, NULL, NULL);
    ck_assert_int_eq(rep.cls, DLN_CLASS_GLOBAL_MIN);
    ck_assert_int_eq(rep.agree, 1);
    ck_assert_uint_eq(rep.flags & DLN_CF_CONVEX, DLN_CF_CONVEX);
    ck_assert_double_eq_tol(rep.value, rep.global_value, 1e-14);
    Wc[0] += 0.1;
    ck_assert_ok(dln_net_set_params(net, Wc));
    ck_assert_int_eq(classify(ls, net, DLN_METHOD_AUTO, NULL, NULL).cls, DLN_CLASS_NOT_CRITICAL);
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

START_TEST(large_numerical)
{
    /* n = 2100 > the dense limit: Lanczos for the extreme eigenvalues, no probe */
    tu_rng r;
    tu_seed(&r, 61);
    size_t w[4] = {20, 30, 30, 20};
    double s[20], Phi[400];
    for (int k = 0; k < 20; k++) s[k] = 6.0 - 0.25 * k;
    lu_matrix_with_sv(&r, 20, 20, s, Phi);
    dln_loss *loss = lu_target_loss(20, 20, Phi, 0, NULL);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.5));
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, w, &net);
    size_t n = dln_net_num_params(net);
    ck_assert_uint_eq(n, 2100);
    int pat[20] = {0};
    double *ev = malloc(n * sizeof *ev);
    for (int c = 0; c < 2; c++) {
        pat[0] = c == 0 ? DLN_MATCH_NONE : DLN_MATCH_PLUS; /* defect (strict) or top-1 */
        pat[1] = DLN_MATCH_PLUS;
        if (c == 1)
            for (int k = 2; k < 20; k++) pat[k] = DLN_MATCH_PLUS;
        ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 5, net));
        ck_assert_ok(dln_landscape_orbit_spectrum(ls, pat, ev));
        dln_class_report rep = classify(ls, net, DLN_METHOD_NUMERICAL, NULL, NULL);
        ck_assert_uint_eq(rep.flags & DLN_CF_TOO_LARGE, DLN_CF_TOO_LARGE);
        ck_assert_int_eq(rep.cls, c == 0 ? DLN_CLASS_STRICT_SADDLE : DLN_CLASS_GLOBAL_MIN);
        ck_assert_double_eq_tol(rep.hess_min, ev[0], 1e-8 * ev[n - 1]);
        ck_assert_double_eq_tol(rep.hess_max, ev[n - 1], 1e-8 * ev[n - 1]);
        ck_assert_int_eq(classify(ls, net, DLN_METHOD_THEORY, NULL, NULL).cls, rep.cls);
    }
    free(ev);
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

START_TEST(bad_input)
{
    size_t w[4] = {2, 2, 2, 2}, w2[3] = {2, 2, 2};
    dln_loss *loss = lu_example_101();
    dln_landscape *ls = lu_landscape(loss, 3, w, NULL);
    dln_net *net = tu_net(3, w, 1.0, 1), *other = tu_net(2, w2, 1.0, 1);
    dln_class_report rep;
    rep.struct_size = sizeof rep;
    rep.value = 42.0;
    ck_assert_int_eq(dln_landscape_classify(NULL, net, DLN_METHOD_AUTO, &rep, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_classify(ls, NULL, DLN_METHOD_AUTO, &rep, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_classify(ls, net, DLN_METHOD_AUTO, NULL, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_classify(ls, other, DLN_METHOD_AUTO, &rep, NULL, NULL), DLN_E_DIM);
    ck_assert_int_eq(dln_landscape_classify(ls, net, (dln_method)7, &rep, NULL, NULL), DLN_E_RANGE);
    ck_assert_ptr_nonnull(strstr(dln_landscape_errmsg(ls), "method"));
    rep.struct_size = sizeof rep - 8;
    ck_assert_int_eq(dln_landscape_classify(ls, net, DLN_METHOD_AUTO, &rep, NULL, NULL), DLN_E_RANGE);
    ck_assert_double_eq(rep.value, 42.0); /* untouched */
    ck_assert_str_eq(dln_class_name(DLN_CLASS_STRICT_SADDLE), "strict saddle");
    ck_assert_str_eq(dln_class_name((dln_class)99), "unknown class");
    dln_net_free(net), dln_net_free(other);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_classify(void)
{
    Suite *s = suite_create("classify");
    TCase *tc = tcase_create("classify");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, examples_regularized);
    tcase_add_test(tc, examples_unregularized_a);
    tcase_add_test(tc, examples_unregularized_b);
    tcase_add_test(tc, examples_unregularized_b_random);
    tcase_add_test(tc, degenerate_l2);
    tcase_add_test(tc, zoo_regularized);
    tcase_add_test(tc, zoo_unregularized);
    tcase_add_test(tc, near_critical);
    tcase_add_test(tc, tolerance_band);
    tcase_add_test(tc, outside_repeated_values);
    tcase_add_test(tc, outside_mixed_l2);
    tcase_add_test(tc, outside_unwhitened_l2);
    tcase_add_test(tc, outside_rank_deficient);
    tcase_add_test(tc, depth_one_convex);
    tcase_add_test(tc, large_numerical);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return s;
}
