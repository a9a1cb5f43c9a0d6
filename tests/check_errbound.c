/* check_errbound.c - distance to the critical set, error-bound ratio and
 * kappa (src/errbound.c) against independent oracles:
 *  - constructed critical points (dln_landscape_build, random frames) are at
 *    distance 0 and are their own projection;
 *  - W0 + t N with N normal to the orbit (a combination of dense-Hessian
 *    eigenvectors of nonzero eigenvalues, LAPACK) is at distance exactly t,
 *    its projection is W0; tangent perturbations give O(t^2);
 *  - kappa = 1/mu_min^+ of the dense Hessian, and the ratio along the
 *    slowest eigenvector tends to it;
 *  - certificates: dist_lower <= ||W - C|| for random critical points C,
 *    and dist <= ||Delta|| for W = C + Delta;
 *  - the projection is critical and of the reported type (gradient, classify).
 * Gradient-descent runs, thresholds and rates are in check_errbound_gd.c. */
#include "errbound_util.h"
#include "linalg.h" /* la_svd for the Mirsky oracle (LAPACK, not code under test) */
#include "oracle.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ORBITS 40 /* orbit types per problem exercised */

/* mu_min^+ from dense eigenvalues: the smallest |mu| above 1e-8 max |mu|. */
static double dense_mu_min_pos(size_t n, const double *ev)
{
    double mx = fmax(fabs(ev[0]), fabs(ev[n - 1])), best = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (fabs(ev[i]) > 1e-8 * mx) best = fmin(best, fabs(ev[i]));
    return best;
}

/* Unit combination of the eigenvectors whose eigenvalue is (not) zero;
 * returns 0 if there are none. */
static int eigen_combination(tu_rng *rng, size_t n, const double *ev, const double *V, int normal,
                              double *dir)
{
    double mx = fmax(fabs(ev[0]), fabs(ev[n - 1])), nr = 0.0;
    memset(dir, 0, n * sizeof *dir);
    for (size_t k = 0; k < n; k++) {
        int nz = fabs(ev[k]) > 1e-6 * mx;
        if (nz != normal) continue;
        double c = tu_normal(rng);
        for (size_t i = 0; i < n; i++) dir[i] += c * V[i + k * n];
    }
    for (size_t i = 0; i < n; i++) nr += dir[i] * dir[i];
    for (size_t i = 0; i < n; i++) dir[i] = nr > 0.0 ? dir[i] / sqrt(nr) : 0.0;
    return nr > 0.0;
}

static void set_shifted(dln_net *x, const double *t0, const double *dir, double t, size_t n,
                        double *th)
{
    for (size_t i = 0; i < n; i++) th[i] = t0[i] + t * dir[i];
    ck_assert_ok(dln_net_set_params(x, th));
}

static int is_degenerate(dln_landscape *ls, const int *pattern)
{
    dln_orbit_info oi = {.struct_size = sizeof oi};
    ck_assert_ok(dln_landscape_pattern_info(ls, pattern, &oi));
    return oi.cls == DLN_CLASS_NONSTRICT_SADDLE || oi.nullity != oi.dim;
}

/* Every orbit type of every problem, built with random frames: distance 0,
 * the point is its own projection, the type is recovered, kappa is the dense
 * Hessian's 1/mu_min^+. */
START_TEST(constructed_points)
{
    size_t checked = 0;
    for (size_t pi = 0; pi < eu_num_problems; pi++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[pi], &s);
        dln_landscape_info info = {.struct_size = sizeof info};
        ck_assert_ok(dln_landscape_get_info(s.ls, &info));
        dln_net *near = NULL;
        ck_assert_ok(dln_net_create(&near, eu_problems[pi].L, eu_problems[pi].w));
        int pat[4], got[4];
        double *ev = malloc(s.n * sizeof *ev);
        size_t norb = info.num_orbits < MAX_ORBITS ? info.num_orbits : MAX_ORBITS;
        for (size_t o = 0; o < norb; o++) {
            ck_assert_ok(dln_landscape_orbit(s.ls, o, pat));
            ck_assert_ok(dln_landscape_build(s.ls, pat, NULL, DLN_FRAMES_RANDOM, 100 + o, s.net));
            double scale = fmax(eu_norm(s.net), 1.0);
            dln_dist_report r = eu_report();
            ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, got, near));
            ck_assert_msg(r.dist <= 1e-13 * scale, "problem %zu orbit %zu: dist %g", pi, o, r.dist);
            ck_assert(r.dist_lower <= r.dist + 1e-15 * scale);
            ck_assert(r.dist_lower_orbit <= r.dist + 1e-15 * scale);
            ck_assert(r.flags & DLN_EB_ROUNDING);
            ck_assert_msg(eu_same_type(s.ls, pat, got), "problem %zu orbit %zu: type not recovered", pi, o);
            ck_assert(eu_dist(near, s.net) <= 1e-13 * scale);
            size_t rk = 0;
            for (size_t i = 0; i < s.nv; i++) rk += pat[i] != DLN_MATCH_NONE;
            ck_assert_uint_eq(r.rank, rk);
            double F;
            ck_assert_ok(dln_loss_value(s.loss, s.net, &F));
            ck_assert(fabs(r.value - F) <= 1e-14 * fmax(1.0, fabs(F)));
            ck_assert(fabs(r.critical_value - F) <= 1e-12 * fmax(1.0, fabs(F)));
            if (!is_degenerate(s.ls, pat)) {
                lu_hess_eigs(s.loss, s.net, ev);
                double mu = dense_mu_min_pos(s.n, ev);
                ck_assert_msg(fabs(r.kappa * mu - 1.0) <= 1e-8, "problem %zu orbit %zu: kappa %.12g vs %.12g",
                              pi, o, r.kappa, 1.0 / mu);
                ck_assert(fabs(r.mu_max - ev[s.n - 1]) <= 1e-10 * fabs(ev[s.n - 1]));
                ck_assert(fabs(r.hess_min - ev[0]) <= 1e-10 * fabs(ev[s.n - 1]));
                ck_assert(!(r.flags & DLN_EB_DEGENERATE));
            } else {
                ck_assert(r.flags & DLN_EB_DEGENERATE);
                ck_assert(isinf(r.kappa));
            }
            checked++;
        }
        free(ev);
        dln_net_free(near);
        eu_setup_free(&s);
    }
    ck_assert_uint_ge(checked, 40);
}
END_TEST

/* W0 + t N: dist = t exactly for N normal to the orbit (below its reach), the
 * projection is W0; dist = O(t^2) for N tangent; along the slowest normal
 * eigenvector ratio -> kappa with an O(t) error. */
START_TEST(normal_perturbations)
{
    tu_rng rng;
    tu_seed(&rng, 5);
    double worst_rel = 0.0, worst_ratio = 0.0;
    for (size_t pi = 0; pi < eu_num_problems; pi++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[pi], &s);
        dln_landscape_info info = {.struct_size = sizeof info};
        ck_assert_ok(dln_landscape_get_info(s.ls, &info));
        size_t n = s.n;
        double *ev = malloc(n * sizeof *ev), *V = malloc(n * n * sizeof *V), *t0 = malloc(n * sizeof *t0),
               *dir = malloc(n * sizeof *dir), *th = malloc(n * sizeof *th);
        dln_net *x = NULL, *near = NULL;
        ck_assert_ok(dln_net_create(&x, eu_problems[pi].L, eu_problems[pi].w));
        ck_assert_ok(dln_net_create(&near, eu_problems[pi].L, eu_problems[pi].w));
        int pat[4], got[4];
        size_t norb = info.num_orbits < MAX_ORBITS ? info.num_orbits : MAX_ORBITS;
        for (size_t o = 0; o < norb; o++) {
            ck_assert_ok(dln_landscape_orbit(s.ls, o, pat));
            if (is_degenerate(s.ls, pat)) continue;
            ck_assert_ok(dln_landscape_build(s.ls, pat, NULL, DLN_FRAMES_RANDOM, 200 + o, s.net));
            ck_assert_ok(dln_net_get_params(s.net, t0));
            double scale = fmax(eu_norm(s.net), 1.0);
            eu_hess_eigh(s.loss, s.net, ev, V);
            ck_assert(eigen_combination(&rng, n, ev, V, 1, dir));
            for (double t = 1e-2; t >= 1e-6; t *= 1e-2) {
                set_shifted(x, t0, dir, t, n, th);
                dln_dist_report r = eu_report();
                ck_assert_ok(dln_landscape_distance(s.ls, x, &r, got, near));
                double rel = fabs(r.dist - t) / t;
                worst_rel = fmax(worst_rel, rel);
                ck_assert_msg(rel <= 1e-9 + 1e-14 * scale / t, "problem %zu orbit %zu t %g: dist/t - 1 = %g",
                              pi, o, t, r.dist / t - 1.0);
                ck_assert(eu_same_type(s.ls, pat, got));
                ck_assert_msg(eu_dist(near, s.net) <= 1e-4 * t, "problem %zu orbit %zu t %g: ||W* - W0|| = %g",
                              pi, o, t, eu_dist(near, s.net));
                ck_assert(r.dist_lower <= r.dist * (1.0 + 1e-12));
                ck_assert(isfinite(r.ratio) && r.ratio > 0.0);
            }
            int tangent = eigen_combination(&rng, n, ev, V, 0, dir);
            for (double t = 1e-2; t >= 1e-4 && tangent; t *= 1e-1) {
                set_shifted(x, t0, dir, t, n, th);
                dln_dist_report r = eu_report();
                ck_assert_ok(dln_landscape_distance(s.ls, x, &r, NULL, NULL));
                ck_assert_msg(r.dist <= 10.0 * t * t / fmin(scale, 1.0) + 1e-13 * scale,
                              "problem %zu orbit %zu: tangent dist %g at t %g", pi, o, r.dist, t);
            }
            size_t kslow = 0; /* slowest normal eigenvector */
            double mu = dense_mu_min_pos(n, ev);
            for (size_t k = 0; k < n; k++)
                if (fabs(fabs(ev[k]) - mu) <= 1e-10 * fabs(ev[n - 1])) kslow = k;
            for (double t = 1e-3; t >= 1e-5; t *= 1e-2) {
                set_shifted(x, t0, V + kslow * n, t, n, th);
                dln_dist_report r = eu_report();
                ck_assert_ok(dln_landscape_distance(s.ls, x, &r, NULL, NULL));
                double e = fabs(r.ratio / r.kappa - 1.0);
                if (t < 1e-4) worst_ratio = fmax(worst_ratio, e);
                ck_assert_msg(e <= 100.0 * t, "problem %zu orbit %zu: ratio %.12g kappa %.12g at t %g", pi, o,
                              r.ratio, r.kappa, t);
            }
        }
        free(ev), free(V), free(t0), free(dir), free(th);
        dln_net_free(x), dln_net_free(near);
        eu_setup_free(&s);
    }
    orc_note("errbound: max |dist/t - 1| for normal perturbations", worst_rel);
    orc_note("errbound: max |ratio/kappa - 1| along the slowest direction, t = 1e-5", worst_ratio);
}
END_TEST

/* Random points of several scales: the bounds bracket the distance to every
 * critical point we can build (dist_lower <= ||W - C|| for random C of random
 * types; dist <= ||W - C|| when W = C + Delta is near C), the projection is
 * critical and of the reported type, and every output is finite or flagged. */
START_TEST(bounds_and_projection)
{
    tu_rng rng;
    tu_seed(&rng, 9);
    int cases = tu_cases(30);
    for (size_t pi = 0; pi < eu_num_problems; pi++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[pi], &s);
        const eu_problem *p = &eu_problems[pi];
        dln_landscape_info info = {.struct_size = sizeof info};
        ck_assert_ok(dln_landscape_get_info(s.ls, &info));
        dln_net *c = NULL, *near = NULL;
        ck_assert_ok(dln_net_create(&c, p->L, p->w));
        ck_assert_ok(dln_net_create(&near, p->L, p->w));
        double *th = malloc(s.n * sizeof *th), *g = malloc(s.n * sizeof *g);
        int pat[4], got[4];
        for (int k = 0; k < cases; k++) {
            double scale = pow(10.0, -2.0 + 3.0 * tu_uniform(&rng));
            ck_assert_ok(dln_net_init_gaussian(s.net, scale, 1000 + (uint64_t)k));
            dln_dist_report r = eu_report();
            ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, got, near));
            ck_assert(isfinite(r.dist) && isfinite(r.dist_lower) && isfinite(r.grad_norm));
            ck_assert(isfinite(r.ratio) || (r.flags & DLN_EB_NO_RATIO));
            ck_assert(isfinite(r.kappa) || (r.flags & DLN_EB_DEGENERATE));
            ck_assert(r.dist_lower <= r.dist * (1.0 + 1e-12) + 1e-15);
            ck_assert(r.dist <= eu_norm(s.net) * (1.0 + 1e-14)); /* W = 0 is a candidate */
            ck_assert(fabs(eu_dist(near, s.net) - r.dist) <= 1e-12 * fmax(r.dist, 1.0));
            dln_class_report cr = {.struct_size = sizeof cr};
            int cpat[4];
            ck_assert_ok(dln_landscape_classify(s.ls, near, DLN_METHOD_THEORY, &cr, cpat, NULL));
            ck_assert_msg(cr.grad_rel <= 1e-12, "problem %zu: projection not critical (%g)", pi, cr.grad_rel);
            ck_assert(eu_same_type(s.ls, cpat, got));
            ck_assert_int_eq(cr.cls, r.cls);
            /* a random critical point C: dist_lower <= ||W - C|| */
            ck_assert_ok(dln_landscape_orbit(s.ls, tu_int(&rng, 0, info.num_orbits - 1), pat));
            ck_assert_ok(dln_landscape_build(s.ls, pat, NULL, DLN_FRAMES_RANDOM, 2000 + (uint64_t)k, c));
            ck_assert(r.dist_lower <= eu_dist(s.net, c) * (1.0 + 1e-12));
            /* W = C + Delta: the projection is at most ||Delta|| away */
            ck_assert_ok(dln_net_get_params(c, th));
            double t = 1e-3 * pow(10.0, 2.0 * tu_uniform(&rng)), nd = 0.0;
            tu_fill(&rng, s.n, g);
            for (size_t i = 0; i < s.n; i++) nd += g[i] * g[i];
            for (size_t i = 0; i < s.n; i++) th[i] += t * g[i] / sqrt(nd);
            ck_assert_ok(dln_net_set_params(s.net, th));
            ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, NULL, NULL));
            ck_assert_msg(r.dist <= t * (1.0 + 1e-10), "problem %zu: dist %g > ||Delta|| = %g", pi, r.dist, t);
            ck_assert(r.dist_lower <= r.dist * (1.0 + 1e-12) + 1e-15);
        }
        /* far away: flagged, still bracketed; W = 0: exact, with a zero gradient (every L >= 2) */
        ck_assert_ok(dln_net_init_gaussian(s.net, 30.0, 5));
        dln_dist_report r = eu_report();
        ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, NULL, NULL));
        ck_assert(r.flags & DLN_EB_FAR);
        ck_assert(r.dist_lower <= r.dist && isfinite(r.ratio) && isfinite(r.kappa + r.dist_lower_orbit));
        ck_assert_ok(dln_net_init_zeros(s.net));
        ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, got, NULL));
        ck_assert(r.dist == 0.0 && r.rank == 0 && (r.flags & DLN_EB_ROUNDING));
        ck_assert(isnan(r.ratio) && (r.flags & DLN_EB_NO_RATIO) && r.grad_norm == 0.0);
        free(th), free(g);
        dln_net_free(c), dln_net_free(near);
        eu_setup_free(&s);
    }
}
END_TEST

/* A wider problem (d = 24, L = 3, Gaussian Phi, many simple values) runs the
 * paths that the small problems above do not reach: the first-order polar
 * update of the hidden frames near an orbit, the loose stopping rule and the
 * skipped alternatives far from every orbit. Near a global minimizer moved by
 * Delta, dist <= ||Delta||; everywhere the projection is critical, at
 * distance dist from W, and dist_lower <= dist <= min(||W||, dist_second). */
START_TEST(wider_problem_paths)
{
    enum { D = 24 };
    const size_t w[4] = {D, D, D, D};
    tu_rng rng;
    tu_seed(&rng, 1414);
    double phi[D * D];
    tu_fill(&rng, D * D, phi);
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, D, D, phi, D));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.05));
    ck_assert_ok(dln_landscape_create(&ls, loss, 3, w));
    dln_net *net = NULL, *c = NULL, *near = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    ck_assert_ok(dln_net_create(&c, 3, w));
    ck_assert_ok(dln_net_create(&near, 3, w));
    int pat[D];
    for (size_t k = 0; k < D; k++) { /* the global minimizers: every value whose s_+ lowers F */
        dln_root_info ri = {.struct_size = sizeof ri};
        ck_assert_ok(dln_landscape_roots(ls, k, &ri));
        pat[k] = ri.count > 0 && ri.phi[0] < 0.0 ? DLN_MATCH_PLUS : DLN_MATCH_NONE;
    }
    ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 7, c));
    size_t n = dln_net_num_params(c);
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g);
    for (int kind = 0; kind < 3; kind++) {
        double t = kind == 0 ? 1e-6 : 1e-2, nd = 0.0;
        if (kind < 2) { /* C + t G/||G|| */
            ck_assert_ok(dln_net_get_params(c, th));
            tu_fill(&rng, n, g);
            for (size_t i = 0; i < n; i++) nd += g[i] * g[i];
            for (size_t i = 0; i < n; i++) th[i] += t * g[i] / sqrt(nd);
            ck_assert_ok(dln_net_set_params(net, th));
        } else {
            ck_assert_ok(dln_net_init_gaussian(net, 1.0 / sqrt((double)D), 9));
        }
        dln_dist_report r = eu_report();
        ck_assert_ok(dln_landscape_distance(ls, net, &r, NULL, near));
        if (kind < 2)
            ck_assert_msg(r.dist <= t * (1.0 + 1e-10), "kind %d: dist %g > ||Delta|| = %g", kind, r.dist, t);
        else
            ck_assert(r.flags & DLN_EB_FAR);
        ck_assert_msg(fabs(eu_dist(near, net) - r.dist) <= 1e-12 * fmax(r.dist, 1.0), "kind %d", kind);
        ck_assert(r.dist_lower <= r.dist * (1.0 + 1e-12));
        ck_assert(r.dist <= eu_norm(net) * (1.0 + 1e-14) && r.dist <= r.dist_second);
        dln_class_report cr = {.struct_size = sizeof cr};
        ck_assert_ok(dln_landscape_classify(ls, near, DLN_METHOD_THEORY, &cr, NULL, NULL));
        ck_assert_msg(cr.grad_rel <= 1e-12, "kind %d: projection not critical (%g)", kind, cr.grad_rel);
    }
    free(th), free(g);
    dln_net_free(net), dln_net_free(c), dln_net_free(near);
    dln_landscape_free(ls), dln_loss_free(loss);
}
END_TEST

/* Mirsky's bound for one type, computed here from the layer singular values
 * and the roots (landscape queries only): dist_lower_orbit must equal it. */
START_TEST(mirsky_orbit_bound)
{
    for (size_t pi = 0; pi < eu_num_problems; pi++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[pi], &s);
        const eu_problem *p = &eu_problems[pi];
        ck_assert_ok(dln_net_init_gaussian(s.net, 0.5, 77 + pi));
        dln_dist_report r = eu_report();
        int got[4];
        ck_assert_ok(dln_landscape_distance(s.ls, s.net, &r, got, NULL));
        double sv[4], acc = 0.0;
        size_t r0 = 0;
        for (size_t i = 0; i < s.nv; i++) {
            if (got[i] == DLN_MATCH_NONE) continue;
            dln_root_info ri = {.struct_size = sizeof ri};
            ck_assert_ok(dln_landscape_roots(s.ls, i, &ri));
            sv[r0++] = ri.s[got[i] == DLN_MATCH_MINUS ? 1 : 0];
        }
        for (size_t a = 0; a < r0; a++) /* descending */
            for (size_t b = a + 1; b < r0; b++)
                if (sv[b] > sv[a]) { double t = sv[a]; sv[a] = sv[b], sv[b] = t; }
        for (size_t l = 1; l <= p->L; l++) {
            size_t m = p->w[l], nn = p->w[l - 1], k = m < nn ? m : nn;
            double *W = malloc(m * nn * sizeof *W), sl[8];
            ck_assert_ok(dln_net_get_layer(s.net, l, W, m, DLN_COL_MAJOR));
            ck_assert_int_eq(la_svd(m, nn, W, m, sl, NULL, 1, NULL, 1), LA_OK);
            for (size_t q = 0; q < k; q++) {
                double e = sl[q] - (q < r0 ? sv[q] / sqrt(p->lam[l - 1]) : 0.0);
                acc += e * e;
            }
            free(W);
        }
        ck_assert_msg(fabs(r.dist_lower_orbit - sqrt(acc)) <= 1e-12 * sqrt(acc), "problem %zu: %.15g vs %.15g", pi,
                      r.dist_lower_orbit, sqrt(acc));
        ck_assert(r.dist_lower <= r.dist_lower_orbit * (1.0 + 1e-12));
        eu_setup_free(&s);
    }
}
END_TEST

static void expect_untouched(const dln_dist_report *r, const int *pat, size_t nv)
{
    ck_assert_uint_eq(r->struct_size, sizeof *r);
    ck_assert(r->dist == -7.0 && r->flags == 0u);
    for (size_t i = 0; i < nv; i++) ck_assert_int_eq(pat[i], -3);
}

static void expect_msg(const dln_landscape *ls, const char *needle)
{
    ck_assert_msg(strstr(dln_landscape_errmsg(ls), needle) != NULL, "message '%s' lacks '%s'",
                  dln_landscape_errmsg(ls), needle);
}

/* Argument errors and the theories without a closed-form critical set: a clear
 * status and message, nothing written. */
START_TEST(bad_input)
{
    eu_setup s;
    eu_setup_problem(&eu_problems[0], &s);
    dln_dist_report r = eu_report();
    r.dist = -7.0;
    int pat[2] = {-3, -3};
    ck_assert_int_eq(dln_landscape_distance(NULL, s.net, &r, pat, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_distance(s.ls, NULL, &r, pat, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_distance(s.ls, s.net, NULL, pat, NULL), DLN_E_NULL);
    r.struct_size = sizeof r - 1;
    ck_assert_int_eq(dln_landscape_distance(s.ls, s.net, &r, pat, NULL), DLN_E_RANGE);
    expect_msg(s.ls, "struct_size");
    r.struct_size = sizeof r;
    size_t w3[] = {2, 3, 2, 2}, w2[] = {2, 2, 2};
    dln_net *other = NULL, *shallow = NULL;
    ck_assert_ok(dln_net_create(&other, 3, w3));
    ck_assert_ok(dln_net_create(&shallow, 2, w2));
    ck_assert_int_eq(dln_landscape_distance(s.ls, other, &r, pat, NULL), DLN_E_DIM);
    ck_assert_int_eq(dln_landscape_distance(s.ls, shallow, &r, pat, NULL), DLN_E_DIM);
    ck_assert_ok(dln_net_init_gaussian(other, 1.0, 3));
    double before = eu_norm(other);
    ck_assert_int_eq(dln_landscape_distance(s.ls, s.net, &r, pat, other), DLN_E_DIM);
    ck_assert(eu_norm(other) == before);
    expect_msg(s.ls, "widths");
    expect_untouched(&r, pat, 2);

    /* rates */
    dln_rate_report rr = {.struct_size = sizeof rr};
    int good[2] = {DLN_MATCH_PLUS, DLN_MATCH_NONE}, bad[2] = {DLN_MATCH_SELECTED, DLN_MATCH_NONE};
    ck_assert_int_eq(dln_landscape_rate(NULL, good, 0.1, &rr), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_rate(s.ls, NULL, 0.1, &rr), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_rate(s.ls, good, 0.1, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_landscape_rate(s.ls, bad, 0.1, &rr), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_rate(s.ls, good, -0.1, &rr), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_rate(s.ls, good, NAN, &rr), DLN_E_RANGE);
    ck_assert_int_eq(dln_landscape_rate(s.ls, good, INFINITY, &rr), DLN_E_RANGE);
    rr.struct_size = 0;
    ck_assert_int_eq(dln_landscape_rate(s.ls, good, 0.1, &rr), DLN_E_RANGE);
    ck_assert_uint_eq(rr.struct_size, 0);
    rr.struct_size = sizeof rr;
    dln_net_free(other), dln_net_free(shallow);
    eu_setup_free(&s);

    /* no regularized theory: unregularized, mixed l2, general X, depth 1 */
    double Phi[4] = {3, 0, 0, 1}, lam_mixed[3] = {1, 0, 1};
    dln_loss *loss = lu_target_loss(2, 2, Phi, 0, NULL);
    size_t w[] = {2, 2, 2, 2}, w1[] = {2, 2};
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, w, &net);
    ck_assert_int_eq(dln_landscape_distance(ls, net, &r, pat, NULL), DLN_E_UNSUPPORTED);
    expect_msg(ls, "regularized theory");
    ck_assert_int_eq(dln_landscape_rate(ls, good, 0.1, &rr), DLN_E_UNSUPPORTED);
    dln_landscape_free(ls);
    ck_assert_ok(dln_loss_set_l2(loss, 3, lam_mixed));
    ls = lu_landscape(loss, 3, w, NULL);
    ck_assert_int_eq(dln_landscape_distance(ls, net, &r, pat, NULL), DLN_E_UNSUPPORTED);
    expect_msg(ls, "mixed");
    dln_landscape_free(ls);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.5));
    dln_net *n1 = NULL;
    ls = lu_landscape(loss, 1, w1, &n1);
    ck_assert_int_eq(dln_landscape_distance(ls, n1, &r, pat, NULL), DLN_E_UNSUPPORTED);
    dln_landscape_free(ls), dln_net_free(n1), dln_loss_free(loss);
    double X[6] = {1, 0, 0, 2, 1, 1}, Y[6] = {1, 2, 3, 4, 5, 6};
    ck_assert_ok(dln_loss_create_data(&loss, 2, 2, 3, X, 2, Y, 2));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.5));
    ls = lu_landscape(loss, 3, w, NULL);
    ck_assert_int_eq(dln_landscape_distance(ls, net, &r, pat, NULL), DLN_E_UNSUPPORTED);
    expect_msg(ls, "X X^T");
    expect_untouched(&r, pat, 2);
    dln_landscape_free(ls), dln_net_free(net), dln_loss_free(loss);
}
END_TEST

Suite *suite_errbound(void)
{
    Suite *s = suite_create("errbound");
    TCase *tc = tcase_create("distance");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, constructed_points);
    tcase_add_test(tc, normal_perturbations);
    tcase_add_test(tc, bounds_and_projection);
    tcase_add_test(tc, wider_problem_paths);
    tcase_add_test(tc, mirsky_orbit_bound);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return s;
}
