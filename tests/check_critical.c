/* check_critical.c - closed-form critical sets: thresholds, the root solver
 * (against long double bisection), critical values and F* (against the
 * built points' loss values and an independent enumeration), orbit counts,
 * the block Hessian spectrum (against dense Hessians), theory detection,
 * construction and bad input. */
#include "landscape_util.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static dln_landscape *make_ls(dln_loss *loss, size_t L, const size_t *w)
{
    return lu_landscape(loss, L, w, NULL);
}

static dln_landscape_info get_info(const dln_landscape *ls)
{
    dln_landscape_info info;
    info.struct_size = sizeof info;
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    return info;
}

/* ---- thresholds and roots ------------------------------------------------ */

START_TEST(thresholds_table)
{
    /* regularized.md 2.3 reference table: lam, L, y*, yhat, s*, p* */
    static const double t[][6] = {
        {1, 2, 1, 1, NAN, NAN},
        {1, 3, 1.754765350603, 2.000000000000, 0.759835685652, 0.438691337651},
        {1, 4, 1.889881574842, 2.381101577952, 0.890898718140, 0.629960524947},
        {1, 5, 1.937819240878, 2.649351128562, 0.938142705985, 0.726682215329},
        {1, 6, 1.960131704208, 2.871745887493, 0.960264500792, 0.784052681683},
        {0.125, 2, 0.353553390593, 0.353553390593, NAN, NAN},
        {0.125, 3, 1.043389720049, 1.189207115003, 0.451801001805, 0.260847430012},
        {0.125, 4, 1.336348077211, 1.683693072464, 0.629960524947, 0.445449359070},
        {1e-3, 3, 0.312046309243, 0.355655882008, 0.135120015481, 0.078011577311},
        {1e-3, 4, 0.597633028449, 0.752970432655, 0.281726911385, 0.199211009483}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double ys, yh, ss, ps;
        ck_assert_ok(dln_critical_thresholds((size_t)t[i][1], t[i][0], &ys, &yh, &ss, &ps));
        ck_assert_double_eq_tol(ys, t[i][2], 1e-12);
        ck_assert_double_eq_tol(yh, t[i][3], 1e-12);
        if (t[i][1] == 2) {
            ck_assert(isnan(ss) && isnan(ps));
        } else {
            ck_assert_double_eq_tol(ss, t[i][4], 1e-12);
            ck_assert_double_eq_tol(ps, t[i][5], 1e-12);
            ck_assert(ys < yh); /* L >= 3 */
        }
    }
    /* closed forms of the L = 3, lam = 1 row */
    double ys, ss;
    ck_assert_ok(dln_critical_thresholds(3, 1.0, &ys, NULL, &ss, NULL));
    ck_assert_double_eq_tol(ys, 4.0 / 3.0 * pow(3.0, 0.25), 4e-16);
    ck_assert_double_eq_tol(ss, pow(3.0, -0.25), 4e-16);
    /* all depths and lam: log-space evaluation agrees with long double */
    for (size_t L = 2; L <= 20; L++)
        for (double lam = 1e-8; lam <= 1e2 * 1.0001; lam *= 10.0) {
            double yh;
            ck_assert_ok(dln_critical_thresholds(L, lam, &ys, &yh, &ss, NULL));
            ck_assert_double_le(fabs(ys / (double)lu_ystar(L, lam) - 1.0), 16 * DBL_EPSILON);
            ck_assert_double_le(fabs(yh / (double)lu_yhat(L, lam) - 1.0), 16 * DBL_EPSILON);
            if (L > 2) ck_assert_double_le(fabs(ss / (double)lu_sstar(L, lam) - 1.0), 16 * DBL_EPSILON);
        }
}
END_TEST

/* 1 if long double arithmetic is really wider than double (valgrind emulates
 * x87 long doubles with doubles, which halves the oracle's precision). */
static int long_double_is_wide(void)
{
    volatile long double x = 1.0L + LDBL_EPSILON;
    return LDBL_MANT_DIG > DBL_MANT_DIG && x != 1.0L;
}

START_TEST(roots_accuracy)
{
    const double bound = long_double_is_wide() ? 8.0 : 16.0; /* + the oracle's own error */
    static const double deltas[] = {-0.5, -1e-6, 1e-11, 1e-9, 1e-7, 1e-5, 1e-3, 0.1, 1.0, 10.0, 1e3, 1e6};
    double worst = 0.0; /* error in units of eps * (1 + 1/|dH/dt|) */
    size_t roots = 0;
    for (size_t L = 2; L <= 20; L++)
        for (double lam = 1e-8; lam <= 1e2 * 1.0001; lam *= 10.0)
            for (size_t k = 0; k < sizeof deltas / sizeof deltas[0]; k++) {
                double ys = (double)lu_ystar(L, lam), y = ys * (1.0 + deltas[k]);
                dln_root_info ri;
                ri.struct_size = sizeof ri;
                ck_assert_ok(dln_critical_roots(L, lam, y, 0.0, &ri));
                long double s[2], dH[2];
                int nr = lu_roots(L, lam, y, s, dH);
                ck_assert_int_eq(ri.is_double, 0);
                ck_assert_int_eq(ri.count, nr);
                for (int i = 0; i < nr; i++, roots++) {
                    double err = fabs(ri.s[i] - (double)s[i]) / (double)s[i];
                    double unit = DBL_EPSILON * (1.0 + 1.0 / (double)dH[i]);
                    worst = fmax(worst, err / unit);
                    ck_assert_msg(err <= bound * unit, "L=%zu lam=%g delta=%g root %d: rel err %g (%g units)",
                                  L, lam, deltas[k], i, err, err / unit);
                    /* p = s^L/sqrt(lam) and the product-form residual */
                    ck_assert_double_le(fabs(ri.p[i] / (double)(powl(s[i], L) / sqrtl(lam)) - 1.0),
                                        bound * L * unit + DBL_EPSILON * (4.0 + fabs(log(lam))));
                    ck_assert_int_le(ri.iterations[i], 400);
                    ck_assert_double_le(ri.residual[i], 64 * DBL_EPSILON); /* backward error */
                }
                if (nr == 2) ck_assert(ri.s[1] < ri.s[0] && ri.p[1] < ri.p[0]);
            }
    ck_assert_uint_gt(roots, 1000);
    ck_assert_double_le(worst, bound);
    /* the double root: |delta| <= tau gives s* in closed form */
    for (size_t L = 3; L <= 20; L++)
        for (double lam = 1e-8; lam <= 1e2 * 1.0001; lam *= 100.0) {
            double ys = (double)lu_ystar(L, lam);
            dln_root_info ri;
            ri.struct_size = sizeof ri;
            ck_assert_ok(dln_critical_roots(L, lam, ys * (1.0 + 1e-13), 0.0, &ri));
            ck_assert_int_eq(ri.is_double, 1);
            ck_assert_int_eq(ri.count, 1);
            ck_assert_double_le(fabs(ri.s[0] / (double)lu_sstar(L, lam) - 1.0), 8 * DBL_EPSILON);
            ck_assert_double_le(fabs(ri.delta), 2e-13);
            ck_assert(isnan(ri.s[1]));
            /* just outside the band: two roots, close to s* on either side */
            ck_assert_ok(dln_critical_roots(L, lam, ys * (1.0 + 1e-10), 1e-12, &ri));
            ck_assert_int_eq(ri.count, 2);
            double ss = (double)lu_sstar(L, lam);
            ck_assert(ri.s[1] < ss && ss < ri.s[0]);
            ck_assert_double_le(ri.s[0] / ri.s[1] - 1.0, 1e-3);
        }
    /* no roots below the threshold; L = 2 is soft thresholding */
    dln_root_info ri;
    ri.struct_size = sizeof ri;
    ck_assert_ok(dln_critical_roots(3, 1.0, 1.7, 0.0, &ri));
    ck_assert_int_eq(ri.count, 0);
    ck_assert_ok(dln_critical_roots(2, 0.25, 0.5, 0.0, &ri));
    ck_assert_int_eq(ri.count, 0);
    ck_assert_ok(dln_critical_roots(2, 0.25, 2.5, 0.0, &ri));
    ck_assert_int_eq(ri.count, 1);
    ck_assert_double_eq_tol(ri.p[0], 2.0, 1e-15);
    ck_assert_double_eq_tol(ri.phi[0], 0.5 * 4.0 - 2.5 * 2.0 + 0.5 * 2.0 * 2.0 * 0.5, 1e-14);
}
END_TEST

/* ---- enumeration, values, F* --------------------------------------------- */

/* Independent count and minimum over all label assignments of a regularized
 * landscape with values y (nv) grouped as the library does: canonical key per
 * block = (#plus, #minus, #double). */
static void brute_force(size_t L, long double lam, const double *y, size_t nv, size_t dmin,
                        double tau, size_t *count, double *best)
{
    long double ys = lu_ystar(L, lam), s[2], dH[2];
    size_t total = 1, nkeys = 0;
    for (size_t i = 0; i < nv; i++) total *= 3;
    unsigned long long *keys = malloc(total * sizeof *keys);
    *best = 0.0;
    for (size_t code = 0; code < total; code++) {
        size_t c = code, r = 0;
        int lab[16], ok = 1;
        long double sum = 0;
        for (size_t i = 0; i < nv; i++, c /= 3) lab[i] = (int)(c % 3);
        for (size_t i = 0; i < nv && ok; i++) {
            if (!lab[i]) continue;
            r++;
            int nroots = lu_roots(L, lam, y[i], s, dH);
            int dbl = L > 2 && fabsl(y[i] - ys) <= tau * ys;
            if (dbl) nroots = 1, s[0] = lu_sstar(L, lam);
            if ((lab[i] == 1 && nroots < 1) || (lab[i] == 2 && (nroots < 2 || dbl))) ok = 0;
            else {
                long double si = s[lab[i] - 1], p = powl(si, L) / sqrtl(lam);
                sum += p * p / 2 - y[i] * p + (long double)L / 2 * si * si;
            }
        }
        if (!ok || r > dmin) continue;
        if ((double)sum < *best) *best = (double)sum;
        unsigned long long key = 0; /* per group of equal values: counts of labels 1, 2 */
        for (size_t i = 0; i < nv;) {
            size_t j = i, n1 = 0, n2 = 0;
            while (j < nv && fabs(y[j] - y[i]) <= 1e-10 * y[0]) n1 += lab[j] == 1, n2 += lab[j] == 2, j++;
            key = key * 64 + n1 * 8 + n2;
            i = j;
        }
        size_t q = 0;
        while (q < nkeys && keys[q] != key) q++;
        if (q == nkeys) keys[nkeys++] = key;
    }
    *count = nkeys;
    free(keys);
}

/* Build every orbit type of a regularized landscape and check values. */
static void check_orbits(dln_loss *loss, size_t L, const size_t *w, uint64_t seed)
{
    dln_landscape *ls = make_ls(loss, L, w);
    ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_REGULARIZED);
    dln_landscape_info info = get_info(ls);
    size_t nv = info.num_values, dmin = info.rank_max;
    double *y = malloc(nv * sizeof *y);
    ck_assert_ok(dln_landscape_values(ls, y));
    size_t count;
    double best;
    brute_force(L, info.lam, y, nv, dmin, 1e-10, &count, &best);
    ck_assert_uint_eq(info.num_orbits, count);
    ck_assert_double_eq_tol(info.global_value, info.zero_value + info.scale * best,
                            1e-12 * info.zero_value);
    ck_assert_double_eq_tol(info.global_value,
                            info.zero_value + info.scale * lu_reg_fstar_shift(L, info.lam, y, nv, dmin),
                            1e-12 * info.zero_value);
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, L, w));
    size_t n = dln_net_num_params(net);
    double *g = malloc(n * sizeof *g), vmin = INFINITY, *ev = malloc(n * sizeof *ev),
           *dev = malloc(n * sizeof *dev);
    int *pat = malloc(nv * sizeof *pat);
    for (size_t k = 0; k < info.num_orbits; k++) {
        ck_assert_ok(dln_landscape_orbit(ls, k, pat));
        dln_orbit_info oi;
        oi.struct_size = sizeof oi;
        ck_assert_ok(dln_landscape_pattern_info(ls, pat, &oi));
        ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, seed + k, net));
        double F;
        ck_assert_ok(dln_loss_grad(loss, net, &F, g));
        ck_assert_double_le(tu_maxabs(n, g), 1e-11 * (1.0 + info.zero_value));
        ck_assert_double_eq_tol(F, oi.value, 1e-12 * info.zero_value);
        vmin = fmin(vmin, oi.value);
        /* block spectrum (times c for data) against the dense Hessian */
        ck_assert_ok(dln_landscape_orbit_spectrum(ls, pat, ev));
        lu_hess_eigs(loss, net, dev);
        ck_assert_double_le(tu_maxdiff(n, ev, dev), 1e-9 * fmax(fabs(dev[0]), fabs(dev[n - 1])));
    }
    ck_assert_double_eq_tol(vmin, info.global_value, 1e-13 * info.zero_value);
    dln_net_free(net);
    dln_landscape_free(ls);
    free(y), free(g), free(pat), free(ev), free(dev);
}

START_TEST(orbits_and_values)
{
    tu_rng r;
    tu_seed(&r, 11);
    int cases = tu_cases(40);
    for (int c = 0; c < cases; c++) {
        size_t L = tu_int(&r, 2, 5), w[7], dY;
        for (size_t l = 0; l <= L; l++) w[l] = tu_int(&r, 1, 4);
        dY = w[0] < w[L] ? w[0] : w[L];
        double s[4], lam[6], lprod = 1.0;
        for (size_t l = 0; l < L; l++) lprod *= (lam[l] = 0.2 + tu_uniform(&r));
        double ys = (double)lu_ystar(L, lprod);
        for (size_t k = 0; k < dY; k++) s[k] = ys * (0.5 + 2.5 * tu_uniform(&r));
        if (c % 3 == 0 && dY >= 2) s[1] = s[0]; /* a repeated value */
        if (c % 5 == 1) s[dY - 1] = ys;         /* a value at the double-root threshold */
        lu_sort_desc(dY, s);
        double *Phi = malloc(w[L] * w[0] * sizeof *Phi);
        lu_matrix_with_sv(&r, w[L], w[0], s, Phi);
        dln_loss *loss = lu_target_loss(w[L], w[0], Phi, L, lam);
        check_orbits(loss, L, w, 100 * (uint64_t)c);
        dln_loss_free(loss);
        free(Phi);
    }
}
END_TEST

START_TEST(data_isotropic)
{
    /* X X^T = c I: reduction to Ybar = Y X^T / c, lam_l / c (regularized.md 7) */
    tu_rng r;
    tu_seed(&r, 12);
    size_t w[4] = {3, 3, 2, 2}, m = 5, d0 = 3, dL = 2;
    double Q[25], X[15], Y[10], c = 2.5, lam[3] = {0.3, 0.5, 0.4};
    lu_orth(&r, m, Q);
    for (size_t j = 0; j < m; j++)
        for (size_t i = 0; i < d0; i++) X[i + j * d0] = sqrt(c) * Q[j + i * m]; /* rows orthonormal */
    tu_fill(&r, dL * m, Y);
    for (size_t i = 0; i < dL * m; i++) Y[i] *= 2.0;
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
    ck_assert_ok(dln_loss_set_l2(loss, 3, lam));
    dln_landscape *ls = make_ls(loss, 3, w);
    dln_landscape_info info = get_info(ls);
    ck_assert_double_eq_tol(info.scale, c, 1e-13);
    ck_assert_double_le(info.iso_gap, 1e-14);
    ck_assert_double_eq_tol(info.lam, 0.3 * 0.5 * 0.4 / (c * c * c), 1e-15);
    /* values are the singular values of Y X^T / c */
    double YX[6] = {0}, sv[2], y[2], U[4], VT[9];
    for (size_t i = 0; i < dL; i++)
        for (size_t j = 0; j < d0; j++)
            for (size_t k = 0; k < m; k++) YX[i + j * dL] += Y[i + k * dL] * X[j + k * d0] / c;
    double sup[2];
    ck_assert_int_eq(LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', 2, 3, YX, 2, sv, U, 2, VT, 3, sup), 0);
    ck_assert_ok(dln_landscape_values(ls, y));
    ck_assert_double_eq_tol(y[0], sv[0], 1e-13);
    ck_assert_double_eq_tol(y[1], sv[1], 1e-13);
    dln_landscape_free(ls);
    check_orbits(loss, 3, w, 7);
    dln_loss_set_mean(loss, 1); /* mean normalization: c = 2.5/5 */
    ls = make_ls(loss, 3, w);
    ck_assert_double_eq_tol(get_info(ls).scale, c / (double)m, 1e-14);
    dln_landscape_free(ls);
    check_orbits(loss, 3, w, 8);
    dln_loss_free(loss);
}
END_TEST

START_TEST(unregularized_values)
{
    tu_rng r;
    tu_seed(&r, 13);
    int cases = tu_cases(20);
    for (int c = 0; c < cases; c++) {
        size_t L = tu_int(&r, 2, 5), w[7], m = 9;
        w[0] = tu_int(&r, 2, 4), w[L] = tu_int(&r, 1, w[0]);
        for (size_t l = 1; l < L; l++) w[l] = tu_int(&r, 1, 4);
        size_t d0 = w[0], dL = w[L], dmin = d0;
        for (size_t l = 0; l <= L; l++) dmin = w[l] < dmin ? w[l] : dmin;
        double *X = malloc(d0 * m * sizeof *X), *Y = malloc(dL * m * sizeof *Y);
        tu_fill(&r, d0 * m, X);
        tu_fill(&r, dL * m, Y);
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
        dln_landscape *ls = make_ls(loss, L, w);
        ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_UNREGULARIZED);
        dln_landscape_info info = get_info(ls);
        /* independent gamma: eigenvalues of Y X^T (X X^T)^{-1} X Y^T */
        double Sxx[16] = {0}, Syx[16] = {0}, Sig[16] = {0}, gam[4], syy = 0.0;
        for (size_t k = 0; k < m; k++) {
            for (size_t i = 0; i < d0; i++)
                for (size_t j = 0; j < d0; j++) Sxx[i + j * d0] += X[i + k * d0] * X[j + k * d0];
            for (size_t i = 0; i < dL; i++) {
                syy += Y[i + k * dL] * Y[i + k * dL];
                for (size_t j = 0; j < d0; j++) Syx[i + j * dL] += Y[i + k * dL] * X[j + k * d0];
            }
        }
        double B[16];
        memcpy(B, Syx, sizeof B);
        int ipiv[4];
        double St[16]; /* solve Sxx Z = Syx^T */
        for (size_t i = 0; i < dL; i++)
            for (size_t j = 0; j < d0; j++) St[j + i * d0] = Syx[i + j * dL];
        ck_assert_int_eq(LAPACKE_dgesv(LAPACK_COL_MAJOR, (int)d0, (int)dL, Sxx, (int)d0, ipiv, St, (int)d0), 0);
        for (size_t i = 0; i < dL; i++)
            for (size_t j = 0; j < dL; j++)
                for (size_t k = 0; k < d0; k++) Sig[i + j * dL] += Syx[i + k * dL] * St[k + j * d0];
        ck_assert_int_eq(LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (int)dL, Sig, (int)dL, gam), 0);
        (void)B;
        double vals[4], tail = 0.0, sumg = 0.0;
        ck_assert_ok(dln_landscape_values(ls, vals));
        for (size_t i = 0; i < dL; i++) {
            ck_assert_double_eq_tol(vals[i], gam[dL - 1 - i], 1e-10 * gam[dL - 1]);
            sumg += gam[i];
            if (i >= dmin) tail += vals[i];
        }
        double r0 = syy - sumg;
        ck_assert_double_eq_tol(info.global_value, 0.5 * r0 + 0.5 * tail, 1e-10 * syy);
        size_t expect = 0; /* sum_{r <= dmin} C(dL, r) */
        for (size_t rr = 0; rr <= dmin && rr <= dL; rr++) {
            size_t cnk = 1;
            for (size_t q = 0; q < rr; q++) cnk = cnk * (dL - q) / (q + 1);
            expect += cnk;
        }
        ck_assert_uint_eq(info.num_orbits, expect);
        dln_net *net = NULL;
        ck_assert_ok(dln_net_create(&net, L, w));
        int pat[4];
        for (size_t k = 0; k < info.num_orbits; k++) {
            ck_assert_ok(dln_landscape_orbit(ls, k, pat));
            dln_orbit_info oi;
            oi.struct_size = sizeof oi;
            ck_assert_ok(dln_landscape_pattern_info(ls, pat, &oi));
            double cv = 0.5 * r0;
            for (size_t i = 0; i < dL; i++)
                if (pat[i] != DLN_MATCH_SELECTED) cv += 0.5 * vals[i];
            ck_assert_double_eq_tol(oi.value, cv, 1e-10 * syy);
            ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, k, net));
            double F;
            ck_assert_ok(dln_loss_value(loss, net, &F));
            ck_assert_double_eq_tol(F, cv, 1e-8 * syy); /* spec 3: 1e-8 relative */
        }
        dln_net_free(net);
        dln_landscape_free(ls);
        dln_loss_free(loss);
        free(X), free(Y);
    }
}
END_TEST

/* ---- block spectrum ------------------------------------------------------ */

START_TEST(block_spectrum_table)
{
    /* regularized.md 10.1: L = 3, dims 2, lam = 1, Ybar = diag(3, 1.9) */
    static const struct {
        int p0, p1;
        double F, mn, mup, mx;
    } t[] = {{0, 0, 6.305000000000, 1, 1, 1},
             {1, 0, 4.661759633103, 0, 1.0000000000, 7.7673749087},
             {2, 0, 6.361268282892, -0.9609991092, 0.3714334422, 2.0000000000},
             {0, 1, 6.397198167380, -1.0380064930, 1.0000000000, 4.6238471052},
             {0, 2, 6.458020191561, -0.6491771288, 0.6360821507, 2.8917890283},
             {1, 1, 4.753957800483, 0, 1.3787609183, 8.3449354501},
             {1, 2, 4.814779824664, -0.6360821507, 0.6360821507, 7.7673749087},
             {2, 1, 6.453466450272, -1.2449797600, 0.9609991092, 5.0598795725},
             {2, 2, 6.514288474453, -1.1459041784, 0.6360821507, 3.4939399270}};
    /* full spectra of regularized.md 10.1 (three copies of lam = 1 at the global minimum:
     * one "rest" entry per layer; the dense Hessian agrees, checked above) */
    static const double gmin[12] = {0, 0, 1, 1, 1, 1.4382347111, 2, 2, 2, 2, 6.4066818947, 7.7673749087};
    static const double g11[12] = {0, 0, 1.3787609183, 2, 2, 2, 2, 2, 2, 4.1303424408, 7.7673749087, 8.3449354501};
    size_t w[4] = {2, 2, 2, 2};
    double ev[12], dev[12];
    dln_loss *loss = lu_example_101();
    dln_landscape *ls = make_ls(loss, 3, w);
    dln_landscape_info info = get_info(ls);
    ck_assert_uint_eq(info.num_orbits, 9);
    ck_assert_double_eq_tol(info.global_value, 4.661759633103, 1e-12);
    ck_assert_int_eq(info.error_bound, 1);
    ck_assert_int_eq(info.strict_saddle, 1);
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    for (size_t i = 0; i < 9; i++) {
        int pat[2] = {t[i].p0, t[i].p1};
        dln_orbit_info oi;
        oi.struct_size = sizeof oi;
        ck_assert_ok(dln_landscape_pattern_info(ls, pat, &oi));
        ck_assert_double_eq_tol(oi.value, t[i].F, 1e-12);
        ck_assert_double_eq_tol(oi.hess_min, t[i].mn, 1e-10);
        ck_assert_double_eq_tol(oi.hess_min_pos, t[i].mup, 1e-10);
        ck_assert_double_eq_tol(oi.hess_max, t[i].mx, 1e-10);
        ck_assert_uint_eq(oi.nullity, i == 0 ? 0 : 2);
        ck_assert_uint_eq(oi.dim, i == 0 ? 0 : 2);
        ck_assert_ok(dln_landscape_orbit_spectrum(ls, pat, ev));
        ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 5 + i, net));
        lu_hess_eigs(loss, net, dev);
        ck_assert_double_le(tu_maxdiff(12, ev, dev), 1e-12);
        if (i == 1) ck_assert_double_le(tu_maxdiff(12, ev, gmin), 1e-10);
        if (i == 5) ck_assert_double_le(tu_maxdiff(12, ev, g11), 1e-10);
    }
    /* identity hidden frames: W_l = diag(1.3074861009619814, 0) at the global minimum */
    int pg[2] = {1, 0};
    ck_assert_ok(dln_landscape_build(ls, pg, NULL, DLN_FRAMES_CANONICAL, 0, net));
    double W[4];
    for (size_t l = 1; l <= 3; l++) {
        ck_assert_ok(dln_net_get_layer(net, l, W, 2, DLN_COL_MAJOR));
        ck_assert_double_eq_tol(W[0], 1.3074861009619814, 1e-15);
        ck_assert_double_eq_tol(fabs(W[1]) + fabs(W[2]) + fabs(W[3]), 0.0, 1e-15);
    }
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

START_TEST(block_spectrum_random)
{
    tu_rng r;
    tu_seed(&r, 14);
    int cases = tu_cases(60), checked = 0;
    for (int c = 0; c < cases; c++) {
        size_t L = tu_int(&r, 2, 5), w[7];
        for (size_t l = 0; l <= L; l++) w[l] = tu_int(&r, 1, 4);
        size_t dY = w[0] < w[L] ? w[0] : w[L];
        double s[4], lam[6], lprod = 1.0, ev[400], dev[400];
        int equal = c % 4 == 0;
        for (size_t l = 0; l < L; l++) lprod *= (lam[l] = equal ? 0.7 : 0.1 + 1.5 * tu_uniform(&r));
        double ys = (double)lu_ystar(L, lprod);
        for (size_t k = 0; k < dY; k++) s[k] = ys * (0.3 + 3.0 * (double)(dY - k) / (double)dY + 0.1 * tu_uniform(&r));
        if (c % 3 == 1 && dY >= 2) s[1] = s[0];
        double *Phi = malloc(w[L] * w[0] * sizeof *Phi);
        lu_matrix_with_sv(&r, w[L], w[0], s, Phi);
        dln_loss *loss = lu_target_loss(w[L], w[0], Phi, L, lam);
        dln_landscape *ls = make_ls(loss, L, w);
        dln_landscape_info info = get_info(ls);
        dln_net *net = NULL;
        ck_assert_ok(dln_net_create(&net, L, w));
        size_t n = dln_net_num_params(net);
        ck_assert_uint_le(n, 400);
        int pat[4];
        for (size_t k = 0; k < info.num_orbits; k++) {
            ck_assert_ok(dln_landscape_orbit(ls, k, pat));
            ck_assert_ok(dln_landscape_orbit_spectrum(ls, pat, ev));
            ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 31 * k + c, net));
            lu_hess_eigs(loss, net, dev);
            double sc = fmax(fabs(dev[0]), fabs(dev[n - 1]));
            ck_assert_msg(tu_maxdiff(n, ev, dev) <= 1e-9 * sc, "case %d orbit %zu: block spectrum off by %g",
                          c, k, tu_maxdiff(n, ev, dev));
            dln_orbit_info oi;
            oi.struct_size = sizeof oi;
            ck_assert_ok(dln_landscape_pattern_info(ls, pat, &oi));
            /* Morse-Bott (no value at a threshold): nullity = orbit dimension */
            ck_assert_uint_eq(lu_count_small(n, dev, 1e-9 * sc), oi.dim);
            checked++;
        }
        dln_net_free(net);
        dln_landscape_free(ls);
        dln_loss_free(loss);
        free(Phi);
    }
    ck_assert_int_gt(checked, cases);
}
END_TEST

/* ---- theory detection and flags ------------------------------------------ */

START_TEST(flags_and_theories)
{
    /* EB and strict-saddle flags: y* among the values, inside / outside the top d_min */
    double ys = (double)lu_ystar(3, 1.0), Phi[4] = {3.0, 0, 0, ys};
    size_t w2[4] = {2, 2, 2, 2}, wb[4] = {2, 1, 2, 2};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 0, NULL);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 1.0));
    dln_landscape *ls = make_ls(loss, 3, w2);
    dln_landscape_info info = get_info(ls);
    ck_assert_int_eq(info.error_bound, 0);
    ck_assert_int_eq(info.strict_saddle, 0);
    ck_assert_double_le(info.error_bound_gap, 1e-15);
    dln_landscape_free(ls);
    ls = make_ls(loss, 3, wb); /* bottleneck d_min = 1: y* is not in the top 1 */
    info = get_info(ls);
    ck_assert_int_eq(info.error_bound, 0);
    ck_assert_int_eq(info.strict_saddle, 1);
    ck_assert_double_gt(info.strict_saddle_gap, 0.5);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    /* depth 1: convex; F* of ridge regression against the normal equations */
    double X[6] = {1, 2, 0, 1, -1, 3}, Y[3] = {1, -2, 0.5}, lam = 0.3;
    size_t w1[2] = {2, 1};
    ck_assert_ok(dln_loss_create_data(&loss, 2, 1, 3, X, 2, Y, 1));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, lam));
    ls = make_ls(loss, 1, w1);
    info = get_info(ls);
    ck_assert_int_eq(info.theory, DLN_THEORY_CONVEX);
    double A[4] = {lam, 0, 0, lam}, b[2] = {0, 0};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 2; i++) {
            b[i] += Y[k] * X[i + 2 * k];
            for (int j = 0; j < 2; j++) A[i + 2 * j] += X[i + 2 * k] * X[j + 2 * k];
        }
    int ipiv[2];
    ck_assert_int_eq(LAPACKE_dgesv(LAPACK_COL_MAJOR, 2, 1, A, 2, ipiv, b, 2), 0);
    double Fs = 0.5 * lam * (b[0] * b[0] + b[1] * b[1]);
    for (int k = 0; k < 3; k++) {
        double e = b[0] * X[2 * k] + b[1] * X[1 + 2 * k] - Y[k];
        Fs += 0.5 * e * e;
    }
    ck_assert_double_eq_tol(info.global_value, Fs, 1e-13);
    dln_landscape_free(ls);
    /* mixed regularization; lam > 0 with X X^T != cI */
    size_t w3[4] = {2, 2, 2, 1};
    double lm[3] = {0.0, 0.1, 0.2};
    ck_assert_ok(dln_loss_set_l2(loss, 3, lm));
    ls = make_ls(loss, 3, w3);
    ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_NONE);
    ck_assert_uint_eq(dln_landscape_limits(ls), DLN_LIMIT_MIXED_L2);
    ck_assert_ptr_nonnull(strstr(dln_landscape_reason(ls), "mixed"));
    dln_landscape_free(ls);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1));
    ls = make_ls(loss, 3, w3);
    ck_assert_uint_eq(dln_landscape_limits(ls), DLN_LIMIT_DATA);
    ck_assert_double_gt(get_info(ls).iso_gap, 0.1);
    double v[2];
    ck_assert_int_eq(dln_landscape_values(ls, v), DLN_E_UNSUPPORTED);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

START_TEST(assumption_checks)
{
    size_t w[4] = {3, 2, 2, 2};
    double X[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0}, Y[8] = {1, 0, 0, 1, 0, 0, 0, 0};
    dln_loss *loss = NULL;
    /* H3: Y X^T with a repeated singular value (Sigma = I) */
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 3, X, 3, Y, 2));
    dln_landscape *ls = make_ls(loss, 3, w);
    ck_assert_uint_eq(dln_landscape_limits(ls), DLN_LIMIT_H3);
    ck_assert_double_le(get_info(ls).h3_margin, 1e-15);
    ck_assert_double_gt(get_info(ls).h2_margin, 0.5);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    /* H1: two samples in R^3 (X X^T singular) */
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 2, X, 3, Y, 2));
    ls = make_ls(loss, 3, w);
    ck_assert_uint_eq(dln_landscape_limits(ls) & DLN_LIMIT_H1, DLN_LIMIT_H1);
    ck_assert_double_le(get_info(ls).h1_margin, 1e-10);
    ck_assert_int_eq(dln_landscape_theory(ls), DLN_THEORY_NONE);
    dln_landscape_free(ls);
    dln_loss_free(loss);
    /* H2: d_L > d_0 (Sigma singular) */
    double Phi[6] = {3, 0, 0, 0, 2, 0};
    size_t w2[3] = {2, 2, 3};
    loss = lu_target_loss(3, 2, Phi, 0, NULL);
    ls = make_ls(loss, 2, w2);
    ck_assert_uint_eq(dln_landscape_limits(ls), DLN_LIMIT_H2);
    ck_assert_double_le(get_info(ls).h2_margin, 0.0);
    double gam[3];
    ck_assert_ok(dln_landscape_values(ls, gam));
    ck_assert_double_eq_tol(gam[0], 9.0, 1e-13);
    ck_assert(gam[2] == 0.0);
    /* changing DLN_TOL_VALUE re-runs the analysis */
    ck_assert_double_eq(dln_landscape_get_tol(ls, DLN_TOL_VALUE), 1e-10);
    ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_VALUE, 1e-12));
    ck_assert_uint_eq(dln_landscape_limits(ls), DLN_LIMIT_H2);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

/* ---- construction and bad input ------------------------------------------ */

START_TEST(bad_input)
{
    size_t w[4] = {2, 2, 2, 2}, wbad[4] = {3, 2, 2, 2};
    double Phi[4] = {3, 0, 0, 1.9};
    dln_loss *loss = lu_example_101();
    dln_landscape *ls = NULL;
    ck_assert_int_eq(dln_landscape_create(NULL, loss, 3, w), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_create(&ls, NULL, 3, w), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_create(&ls, loss, 3, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_create(&ls, loss, 0, w), DLN_E_DIM);
    ck_assert_int_eq(dln_landscape_create(&ls, loss, 3, wbad), DLN_E_DIM);
    size_t wz[4] = {2, 0, 2, 2};
    ck_assert_int_eq(dln_landscape_create(&ls, loss, 3, wz), DLN_E_DIM);
    double l4[4] = {1, 1, 1, 1};
    dln_loss *l4loss = lu_target_loss(2, 2, Phi, 4, l4);
    ck_assert_int_eq(dln_landscape_create(&ls, l4loss, 3, w), DLN_E_DIM);
    dln_loss_free(l4loss);
    ck_assert_ptr_null(ls);
    ls = make_ls(loss, 3, w);
    dln_landscape_info info;
    info.struct_size = sizeof info - 1;
    ck_assert_int_eq(dln_landscape_get_info(ls, &info), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_get_info(NULL, &info), DLN_E_NULL);
    dln_root_info ri;
    ri.struct_size = sizeof ri;
    ck_assert_int_eq(dln_landscape_roots(ls, 2, &ri), DLN_E_DIM);
    ck_assert_ok(dln_landscape_roots(ls, 1, &ri));
    ck_assert_double_eq_tol(ri.y, 1.9, 1e-15);
    ck_assert_int_eq(ri.count, 2);
    int pat[2];
    ck_assert_int_eq(dln_landscape_orbit(ls, 9, pat), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_orbit(ls, 0, NULL), DLN_E_NULL);
    dln_orbit_info oi;
    oi.struct_size = sizeof oi;
    int bad1[2] = {DLN_MATCH_DOUBLE, 0}, bad2[2] = {DLN_MATCH_SELECTED, 0}, bad3[2] = {7, 0};
    ck_assert_int_eq(dln_landscape_pattern_info(ls, bad1, &oi), DLN_E_RANGE);
    ck_assert_ptr_nonnull(strstr(dln_landscape_errmsg(ls), "admissible"));
    ck_assert_int_eq(dln_landscape_pattern_info(ls, bad2, &oi), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_pattern_info(ls, bad3, &oi), DLN_E_RANGE);
    oi.struct_size = 0;
    int ok[2] = {1, 0};
    ck_assert_int_eq(dln_landscape_pattern_info(ls, ok, &oi), DLN_E_RANGE);
    /* build: wrong widths, frames, inadmissible pattern; the net is unchanged */
    dln_net *net = tu_net(3, w, 1.0, 3), *other = tu_net(3, wbad, 1.0, 3);
    double th0[12], th1[12];
    ck_assert_ok(dln_net_get_params(net, th0));
    ck_assert_int_eq(dln_landscape_build(ls, ok, NULL, DLN_FRAMES_CANONICAL, 0, other), DLN_E_DIM);
    ck_assert_int_eq(dln_landscape_build(ls, ok, NULL, (dln_frames)5, 0, net), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_build(ls, bad1, NULL, DLN_FRAMES_CANONICAL, 0, net), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_build(ls, NULL, NULL, DLN_FRAMES_CANONICAL, 0, net), DLN_E_NULL);
    ck_assert_ok(dln_net_get_params(net, th1));
    ck_assert_double_eq(tu_maxdiff(12, th0, th1), 0.0);
    /* tolerances */
    ck_assert_int_eq(dln_landscape_set_tol(ls, DLN_TOL_GRAD, 0.0), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_set_tol(ls, DLN_TOL_GRAD, NAN), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_set_tol(ls, (dln_tol)9, 1e-3), DLN_E_RANGE);
    ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_GRAD, 1e-6));
    ck_assert_double_eq(dln_landscape_get_tol(ls, DLN_TOL_GRAD), 1e-6);
    ck_assert(isnan(dln_landscape_get_tol(NULL, DLN_TOL_GRAD)));
    /* pure functions */
    ck_assert_int_eq(dln_critical_thresholds(1, 1.0, NULL, NULL, NULL, NULL), DLN_E_RANGE);
    ck_assert_int_eq(dln_critical_thresholds(3, 0.0, NULL, NULL, NULL, NULL), DLN_E_RANGE);
    ck_assert_int_eq(dln_critical_thresholds(3, INFINITY, NULL, NULL, NULL, NULL), DLN_E_RANGE);
    ck_assert_int_eq(dln_critical_roots(3, 1.0, -1.0, 0.0, &ri), DLN_E_RANGE);
    ck_assert_int_eq(dln_critical_roots(3, 1.0, NAN, 0.0, &ri), DLN_E_RANGE);
    ck_assert_int_eq(dln_critical_roots(3, 1.0, 2.0, 1.0, &ri), DLN_E_RANGE);
    ck_assert_int_eq(dln_critical_roots(3, 1.0, 2.0, 0.0, NULL), DLN_E_NULL);
    ri.struct_size = 3;
    ck_assert_int_eq(dln_critical_roots(3, 1.0, 2.0, 0.0, &ri), DLN_E_RANGE);
    /* NULL handles in queries */
    dln_landscape_free(NULL);
    ck_assert_int_eq(dln_landscape_theory(NULL), DLN_THEORY_NONE);
    ck_assert_uint_eq(dln_landscape_num_values(NULL), 0);
    ck_assert_ptr_nonnull(dln_landscape_errmsg(NULL));
    ck_assert_ptr_nonnull(dln_landscape_reason(NULL));
    ck_assert_int_eq(dln_landscape_values(ls, NULL), DLN_E_NULL);
    dln_net_free(net), dln_net_free(other);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

START_TEST(unregularized_build_checks)
{
    /* extra-chain patterns: accepted ones are critical, others fail cleanly */
    double X[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, Y[6] = {3, 0, 0, 1, 0, 0};
    size_t w[5] = {3, 3, 3, 3, 2};
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 3, X, 3, Y, 2));
    dln_landscape *ls = make_ls(loss, 4, w);
    dln_net *net = tu_net(4, w, 1.0, 1);
    int S1[2] = {DLN_MATCH_SELECTED, DLN_MATCH_NONE};
    int all_random[4] = {DLN_EXTRA_RANDOM, DLN_EXTRA_RANDOM, DLN_EXTRA_RANDOM, DLN_EXTRA_RANDOM};
    int two_zero[4] = {DLN_EXTRA_ZERO, DLN_EXTRA_RANDOM, DLN_EXTRA_RANDOM, DLN_EXTRA_ZERO};
    int signal_out[4] = {DLN_EXTRA_RANDOM, DLN_EXTRA_IDENTITY, DLN_EXTRA_ZERO, DLN_EXTRA_SIGNAL};
    int bad_mid[4] = {DLN_EXTRA_ZERO, DLN_EXTRA_SIGNAL, DLN_EXTRA_ZERO, DLN_EXTRA_ZERO};
    ck_assert_int_eq(dln_landscape_build(ls, S1, all_random, DLN_FRAMES_RANDOM, 2, net), DLN_E_RANGE);
    ck_assert_ptr_nonnull(strstr(dln_landscape_errmsg(ls), "critical"));
    ck_assert_int_eq(dln_landscape_build(ls, S1, bad_mid, DLN_FRAMES_RANDOM, 2, net), DLN_E_RANGE);
    int outofrange[4] = {9, 0, 0, 0};
    ck_assert_int_eq(dln_landscape_build(ls, S1, outofrange, DLN_FRAMES_RANDOM, 2, net), DLN_E_RANGE);
    size_t n = dln_net_num_params(net);
    double g[64], F;
    const int *ok[2] = {two_zero, signal_out};
    for (int k = 0; k < 2; k++) {
        ck_assert_ok(dln_landscape_build(ls, S1, ok[k], DLN_FRAMES_RANDOM, 3 + k, net));
        ck_assert_ok(dln_loss_grad(loss, net, &F, g));
        ck_assert_double_le(tu_maxabs(n, g), 1e-12 * 10.0);
        ck_assert_double_eq_tol(F, 0.5, 1e-12);
    }
    dln_net_free(net);
    dln_landscape_free(ls);
    dln_loss_free(loss);
}
END_TEST

Suite *suite_critical(void)
{
    Suite *s = suite_create("critical");
    TCase *tc = tcase_create("closed_forms");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, thresholds_table);
    tcase_add_test(tc, roots_accuracy);
    tcase_add_test(tc, orbits_and_values);
    tcase_add_test(tc, data_isotropic);
    tcase_add_test(tc, unregularized_values);
    tcase_add_test(tc, block_spectrum_table);
    tcase_add_test(tc, block_spectrum_random);
    tcase_add_test(tc, flags_and_theories);
    tcase_add_test(tc, assumption_checks);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, unregularized_build_checks);
    suite_add_tcase(s, tc);
    return s;
}
