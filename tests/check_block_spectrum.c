/* check_block_spectrum.c - the pieces of the block Hessian spectrum
 * (src/landscape_spectrum.c): the small symmetric eigensolvers of linalg.c
 * against matrices of known spectrum and against dsyevr, the selection of
 * the (k+1)-th smallest modulus against a sort, and the block spectrum
 * against the dense Hessian at depths 1-5 with equal weight decay (B blocks
 * in closed form) and unequal weight decay (B blocks deflated and solved). */
#include "landscape.h"
#include "landscape_util.h"
#include "linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A = Q diag(lam) Q^T (full, n x n) with a random orthogonal Q (also returned). */
static void sym_with_values(tu_rng *r, size_t n, const double *lam, double *A, double *Q)
{
    lu_orth(r, n, Q);
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            double acc = 0.0;
            for (size_t k = 0; k < n; k++) acc += Q[i + k * n] * lam[k] * Q[j + k * n];
            A[i + j * n] = acc;
        }
    for (size_t j = 0; j < n; j++) /* exactly symmetric */
        for (size_t i = j + 1; i < n; i++) A[i + j * n] = A[j + i * n];
}

static int cmp_up(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Designed values: distinct, repeated (ties of 2 and 3), indefinite, zero. */
static void designed(tu_rng *r, size_t n, int kind, double *lam)
{
    for (size_t k = 0; k < n; k++) lam[k] = 4.0 * tu_uniform(r) - (kind == 1 ? 2.0 : 0.0);
    if (kind == 2)
        for (size_t k = 1; k < n; k += 2) lam[k] = lam[k - 1]; /* pairs */
    if (kind == 3) /* +-x: ties of the modulus, indefinite */
        for (size_t k = 1; k < n; k++) lam[k] = k % 2 ? -lam[0] : lam[0];
    if (kind == 4)
        for (size_t k = 0; k < n; k++) lam[k] = 0.0;
}

START_TEST(small_eigenvalues)
{
    tu_rng r;
    tu_seed(&r, 41);
    double A[100], B[100], Q[100], lam[10], w[10], v[10], work[40];
    for (int c = 0; c < tu_cases(400); c++) {
        size_t n = tu_int(&r, 1, 10);
        int kind = c % 5;
        designed(&r, n, kind, lam);
        double scale = c % 7 == 3 ? 1e200 : c % 7 == 5 ? 1e-200 : 1.0;
        for (size_t k = 0; k < n; k++) lam[k] *= scale;
        sym_with_values(&r, n, lam, A, Q);
        memcpy(B, A, n * n * sizeof *A);
        ck_assert_int_eq(la_syev_small(n, A, n, w, work), LA_OK);
        ck_assert_int_eq(la_syev(n, B, n, v, NULL, n), LA_OK); /* dsyevr */
        qsort(lam, n, sizeof *lam, cmp_up);
        double nrm = 0.0;
        for (size_t k = 0; k < n; k++) nrm = fmax(nrm, fabs(lam[k]));
        for (size_t k = 0; k < n; k++) {
            ck_assert_double_le(fabs(w[k] - lam[k]), 1e-14 * n * nrm);
            ck_assert_double_le(fabs(w[k] - v[k]), 1e-14 * n * nrm);
            if (k) ck_assert_double_le(w[k - 1], w[k]);
        }
    }
    A[0] = 1.0, A[1] = NAN, A[2] = NAN, A[3] = 2.0;
    ck_assert_int_eq(la_syev_small(2, A, 2, w, work), LA_NONFINITE);
}
END_TEST

/* Known null vectors: A = Q diag(0 (k times), lam) Q^T, N = Q_1 R with R
 * upper triangular (independent, not orthonormal columns). */
START_TEST(small_eigenvalues_null)
{
    tu_rng r;
    tu_seed(&r, 42);
    double A[100], Q[100], N[100], lam[10], w[10], work[40];
    for (int c = 0; c < tu_cases(400); c++) {
        size_t n = tu_int(&r, 1, 10), k = tu_int(&r, 0, n);
        designed(&r, n, c % 4, lam);
        for (size_t i = 0; i < k; i++) lam[i] = 0.0;
        sym_with_values(&r, n, lam, A, Q);
        double R[100];
        for (size_t j = 0; j < k; j++)
            for (size_t t = 0; t <= j; t++) R[t + j * n] = t == j ? 1.0 + tu_uniform(&r) : tu_normal(&r);
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < n; i++) {
                double acc = 0.0;
                for (size_t t = 0; t <= j; t++) acc += Q[i + t * n] * R[t + j * n];
                N[i + j * n] = acc;
            }
        ck_assert_int_eq(la_syev_small_null(n, A, n, k, N, n, w, work), LA_OK);
        qsort(lam + k, n - k, sizeof *lam, cmp_up);
        double nrm = 1e-300;
        for (size_t i = 0; i < n; i++) nrm = fmax(nrm, fabs(lam[i]));
        for (size_t i = 0; i < n - k; i++) ck_assert_msg(fabs(w[i] - lam[k + i]) <= 1e-13 * n * nrm, "c %d n %zu k %zu i %zu: %g vs %g", c, n, k, i, w[i], lam[k + i]);
    }
}
END_TEST

/* The (k+1)-th smallest modulus and the range against a sort of the expanded multiset. */
START_TEST(selection_against_sort)
{
    tu_rng r;
    tu_seed(&r, 43);
    enum { NV = 300, NP = 20 };
    double v[NV + NP * 9], pv[NP], all[NV + NP * 9], sorted[NV + NP * 9];
    size_t pc[NP];
    int checked = 0;
    for (int c = 0; c < tu_cases(600); c++) {
        size_t nv = tu_int(&r, 0, NV), np = tu_int(&r, 0, NP), n = 0;
        int kind = c % 4; /* 0: continuous, 1: few distinct values (ties), 2: all zeros, 3: +-x pairs */
        for (size_t i = 0; i < nv; i++) {
            double x = kind == 0 ? tu_normal(&r) : kind == 1 ? (double)tu_int(&r, 0, 4) - 2.0 : 0.0;
            if (kind == 3) x = (i % 2 ? -1.0 : 1.0) * (double)tu_int(&r, 0, 3);
            v[i] = all[n++] = x;
        }
        for (size_t i = 0; i < np; i++) {
            pv[i] = kind == 2 ? 0.0 : kind == 0 ? tu_normal(&r) : (double)tu_int(&r, 0, 4) - 2.0;
            pc[i] = tu_int(&r, 2, 9);
            for (size_t t = 0; t < pc[i]; t++) all[n++] = pv[i];
        }
        if (n == 0) continue;
        dlni_spectrum sp = {v, nv, pv, pc, np};
        double lo, hi, mlo = INFINITY, mhi = -INFINITY;
        dlni_spectrum_range(&sp, &lo, &hi);
        for (size_t i = 0; i < n; i++) mlo = fmin(mlo, all[i]), mhi = fmax(mhi, all[i]);
        ck_assert(lo == mlo && hi == mhi);
        for (size_t i = 0; i < n; i++) sorted[i] = fabs(all[i]);
        qsort(sorted, n, sizeof *sorted, cmp_up);
        size_t ks[4] = {0, n - 1, tu_int(&r, 0, n - 1), n / 2};
        for (int t = 0; t < 4; t++) {
            /* a fresh copy each time: the selection reorders and takes moduli */
            double v2[NV + NP * 9], p2[NP];
            size_t c2[NP];
            memcpy(v2, v, nv * sizeof *v), memcpy(p2, pv, np * sizeof *pv), memcpy(c2, pc, np * sizeof *pc);
            dlni_spectrum s2 = {v2, nv, p2, c2, np};
            ck_assert(dlni_spectrum_kth_modulus(&s2, ks[t]) == sorted[ks[t]]);
            checked++;
        }
        dlni_spectrum s3 = {v, nv, pv, pc, np};
        ck_assert(isnan(dlni_spectrum_kth_modulus(&s3, n))); /* beyond the count */
    }
    ck_assert_int_gt(checked, 100);
}
END_TEST

static int cmp_modulus(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

/* The rate report's selections against a sort of the n values ev by modulus:
 * mu_min^+ = |ev| at index dim, rho and mu_slowest = the first maximizer of
 * |1 - eta mu| from there on (eta = 0: eta_opt). */
static void rate_against_sort(dln_landscape *ls, const int *pat, size_t n, size_t dim, const double *ev)
{
    double *m = malloc(n * sizeof *m);
    memcpy(m, ev, n * sizeof *m);
    qsort(m, n, sizeof *m, cmp_modulus);
    double eta = 0.0;
    for (int k = 0; k < 2; k++) {
        dln_rate_report rr = {.struct_size = sizeof rr};
        ck_assert_ok(dln_landscape_rate(ls, pat, eta, &rr));
        double mu_min = dim < n ? fabs(m[dim]) : NAN, rho = 0.0, slow = NAN;
        for (size_t i = dim; i < n; i++) {
            double c = fabs(1.0 - rr.eta * m[i]);
            if (c > rho) rho = c, slow = m[i];
        }
        ck_assert(rr.mu_min_pos == mu_min || (isnan(rr.mu_min_pos) && isnan(mu_min)));
        ck_assert_msg(rr.rho == rho, "rho %.17g vs %.17g", rr.rho, rho);
        ck_assert_msg(rr.mu_slowest == slow || (isnan(rr.mu_slowest) && isnan(slow)), "mu_slowest %.17g vs %.17g",
                      rr.mu_slowest, slow);
        if (!(rr.eta_max < INFINITY)) break;
        eta = 0.7 * rr.eta_max; /* then a step of its own */
    }
    free(m);
}

/* Every orbit type of target landscapes of depth 1-5 (widths 1-5: bottlenecks,
 * repeated values, s_- roots): the block spectrum against the dense Hessian,
 * the distance's selected mu_min^+ against dln_landscape_rate's, and the
 * rate's selections against a sort (rate_against_sort). */
static void blocks_against_dense(int equal)
{
    tu_rng r;
    tu_seed(&r, 44 + (uint64_t)equal);
    int checked = 0, cases = tu_cases(50); /* every depth 1-5 even in the quick runs (5 cases) */
    for (int c = 0; c < cases; c++) {
        size_t L = 1 + (size_t)c % 5, w[7];
        for (size_t l = 0; l <= L; l++) w[l] = tu_int(&r, 1, 5);
        if (c % 3 == 0 && L >= 2) w[L / 2] = 1; /* a bottleneck */
        size_t dY = w[0] < w[L] ? w[0] : w[L];
        double s[5], lam[6], lprod = 1.0;
        for (size_t l = 0; l < L; l++) lprod *= (lam[l] = equal ? 0.3 + 0.1 * (double)(c % 4) : 0.1 + 1.5 * tu_uniform(&r));
        double ys = L == 1 ? 1.0 : (double)lu_ystar(L, lprod); /* L = 1: no threshold */
        for (size_t k = 0; k < dY; k++) s[k] = ys * (0.3 + 4.0 * (double)(dY - k) / (double)dY + 0.1 * tu_uniform(&r));
        if (c % 4 == 1 && dY >= 2) s[1] = s[0]; /* a repeated value */
        lu_sort_desc(dY, s);
        double *Phi = malloc(w[L] * w[0] * sizeof *Phi);
        lu_matrix_with_sv(&r, w[L], w[0], s, Phi);
        dln_loss *loss = lu_target_loss(w[L], w[0], Phi, L, lam);
        dln_net *net = NULL;
        dln_landscape *ls = lu_landscape(loss, L, w, &net);
        dln_landscape_info info = {.struct_size = sizeof info};
        ck_assert_ok(dln_landscape_get_info(ls, &info));
        size_t n = dln_net_num_params(net);
        double *ev = malloc(n * sizeof *ev), *dev = malloc(n * sizeof *dev);
        int pat[5];
        for (size_t k = 0; k < info.num_orbits; k++) {
            ck_assert_ok(dln_landscape_orbit(ls, k, pat));
            ck_assert_ok(dln_landscape_orbit_spectrum(ls, pat, ev));
            ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 17 * k + (uint64_t)c, net));
            lu_hess_eigs(loss, net, dev);
            double sc = fmax(fabs(dev[0]), fabs(dev[n - 1]));
            ck_assert_msg(tu_maxdiff(n, ev, dev) <= 1e-9 * sc, "L = %zu, case %d, orbit %zu: off by %g", L, c, k,
                          tu_maxdiff(n, ev, dev));
            dln_dist_report dr = {.struct_size = sizeof dr};
            dln_rate_report rr = {.struct_size = sizeof rr};
            ck_assert_ok(dln_landscape_distance_to(ls, net, pat, &dr, NULL));
            ck_assert_ok(dln_landscape_rate(ls, pat, 0.0, &rr));
            ck_assert(dr.hess_min == ev[0] && dr.mu_max == ev[n - 1]);
            ck_assert(dr.hess_min == rr.hess_min && dr.mu_max == rr.mu_max);
            ck_assert(dr.mu_min_pos == rr.mu_min_pos || (isnan(dr.mu_min_pos) && isnan(rr.mu_min_pos)));
            rate_against_sort(ls, pat, n, rr.orbit_dim, ev);
            checked++;
        }
        free(ev), free(dev), free(Phi);
        dln_net_free(net);
        dln_landscape_free(ls);
        dln_loss_free(loss);
    }
    ck_assert_int_gt(checked, cases);
}

START_TEST(blocks_equal_decay) { blocks_against_dense(1); }
END_TEST

START_TEST(blocks_unequal_decay) { blocks_against_dense(0); }
END_TEST

Suite *suite_block_spectrum(void)
{
    Suite *s = suite_create("block_spectrum");
    TCase *tc = tcase_create("pieces");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, small_eigenvalues);
    tcase_add_test(tc, small_eigenvalues_null);
    tcase_add_test(tc, selection_against_sort);
    tcase_add_test(tc, blocks_equal_decay);
    tcase_add_test(tc, blocks_unequal_decay);
    suite_add_tcase(s, tc);
    return s;
}
