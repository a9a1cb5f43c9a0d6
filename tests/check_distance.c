/* check_distance.c - what the faster distance to the critical set added
 * (src/landscape_distance.c, issue 14), against independent checks:
 *  - la_qr_q_ws, the QR that sets up the starting frames: Q orthonormal,
 *    Q^T A upper triangular with the reported diagonal, bad input refused;
 *  - the workspace kept in the landscape: a call on a landscape that has
 *    served other points and other orbit types reports what a fresh
 *    landscape reports, also after dln_landscape_set_tol re-analyses it;
 *  - the projection is a local optimum over the orbit (rotating one hidden
 *    space of W* moves along the orbit and never gets closer to W, beyond the
 *    accuracy the report claims: 1e-10 near an orbit, 1e-4 far from all),
 *    it is critical (dln_loss_grad), at distance dist from W, and
 *    dist_lower <= dist, on widths with repeated values and bottlenecks;
 *  - the Gauss-Newton steps near an orbit give the dist, the orbit type and
 *    the nearest point of the Procrustes sweeps alone, in fewer steps, on
 *    points near every orbit type of every small problem.
 * Other certificates of the distance are in check_errbound.c. */
#include "errbound_util.h"
#include "landscape_util.h"
#include "landscape_distance.h" /* the sweeps alone, to compare */
#include "linalg.h" /* la_qr_q_ws under test; la_gemm and la_qr_q as oracles (BLAS, LAPACK) */

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- la_qr_q_ws, la_qr_r_ws ---- */

START_TEST(qr_with_workspace)
{
    tu_rng rng;
    tu_seed(&rng, 31);
    const size_t shapes[][2] = {{1, 1}, {5, 1}, {7, 7}, {40, 13}, {64, 64}, {30, 12}};
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        size_t m = shapes[c][0], n = shapes[c][1], lw = la_qr_q_wsize(m, n);
        ck_assert_uint_gt(lw, n);
        double *A = malloc(m * n * sizeof *A), *Q = malloc(m * n * sizeof *Q), *K = malloc(n * n * sizeof *K);
        double *rd = malloc(n * sizeof *rd), *work = malloc(lw * sizeof *work);
        tu_fill(&rng, m * n, A);
        if (c == 5) /* rank deficient: a repeated column and a zero column */
            memcpy(A + 3 * m, A + m, m * sizeof *A), memset(A + 7 * m, 0, m * sizeof *A);
        memcpy(Q, A, m * n * sizeof *A);
        ck_assert_int_eq(la_qr_q_ws(m, n, Q, m, rd, work, lw), LA_OK);
        double an = 0.0;
        for (size_t i = 0; i < m * n; i++) an = fmax(an, fabs(A[i]));
        la_gemm(LA_T, LA_N, n, n, m, 1.0, Q, m, Q, m, 0.0, K, n); /* Q^T Q = I */
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++)
                ck_assert_msg(fabs(K[i + j * n] - (i == j)) <= 20.0 * (double)m * DBL_EPSILON,
                              "shape %zu: (Q^T Q)(%zu, %zu) = %g", c, i, j, K[i + j * n]);
        la_gemm(LA_T, LA_N, n, n, m, 1.0, Q, m, A, m, 0.0, K, n); /* R = Q^T A: triangular, diagonal rd */
        for (size_t j = 0; j < n; j++) {
            ck_assert(fabs(K[j + j * n] - rd[j]) <= 20.0 * (double)m * DBL_EPSILON * an);
            for (size_t i = j + 1; i < n; i++)
                ck_assert_msg(fabs(K[i + j * n]) <= 20.0 * (double)m * DBL_EPSILON * an,
                              "shape %zu: R(%zu, %zu) = %g", c, i, j, K[i + j * n]);
        }
        double *R = malloc(n * n * sizeof *R), *QR = malloc(m * n * sizeof *QR);
        memcpy(Q, A, m * n * sizeof *A);
        for (size_t i = 0; i < n * n; i++) R[i] = NAN; /* every entry is written */
        ck_assert_int_eq(la_qr_r_ws(m, n, Q, m, R, n, work, lw), LA_OK); /* all of R: Q R = A, R upper */
        la_gemm(LA_N, LA_N, m, n, n, 1.0, Q, m, R, n, 0.0, QR, m);
        for (size_t j = 0; j < n; j++) {
            ck_assert(fabs(R[j + j * n] - rd[j]) <= 20.0 * (double)m * DBL_EPSILON * an);
            for (size_t i = j + 1; i < n; i++) ck_assert(R[i + j * n] == 0.0);
            for (size_t i = 0; i < m; i++)
                ck_assert_msg(fabs(QR[i + j * m] - A[i + j * m]) <= 20.0 * (double)m * DBL_EPSILON * an,
                              "shape %zu: (QR - A)(%zu, %zu) = %g", c, i, j, QR[i + j * m] - A[i + j * m]);
        }
        free(R), free(QR);
        memcpy(Q, A, m * n * sizeof *A);
        ck_assert_int_eq(la_qr_q_ws(m, n, Q, m, rd, work, n), LA_NOMEM); /* no room beyond tau */
        Q[m * n - 1] = NAN;
        ck_assert_int_eq(la_qr_q_ws(m, n, Q, m, rd, work, lw), LA_NONFINITE);
        free(A), free(Q), free(K), free(rd), free(work);
    }
}
END_TEST

/* ---- the workspace kept in the landscape ---- */

enum { D = 16 };

/* A regularized target problem of widths w (d, d, d, d) with Gaussian Phi
 * of seed `seed`, weight decay 0.05. */
static void wide_problem(dln_loss **loss, dln_landscape **ls, const size_t *w, uint64_t seed)
{
    size_t d = w[0];
    tu_rng rng;
    tu_seed(&rng, seed);
    double *phi = malloc(d * d * sizeof *phi);
    tu_fill(&rng, d * d, phi);
    ck_assert_ok(dln_loss_create_target(loss, d, d, phi, d));
    ck_assert_ok(dln_loss_set_l2_uniform(*loss, 0.05));
    ck_assert_ok(dln_landscape_create(ls, *loss, 3, w));
    free(phi);
}

/* The point of case k: near a random orbit type (t = 1e-6 or 1e-3), random
 * (far), or zero. */
static void case_point(dln_landscape *ls, dln_net *net, int k, double *th)
{
    tu_rng rng;
    tu_seed(&rng, 500 + (uint64_t)k);
    size_t n = dln_net_num_params(net);
    if (k % 4 == 2) {
        ck_assert_ok(dln_net_init_gaussian(net, 1.0 / sqrt((double)D), 60 + (uint64_t)k));
        return;
    }
    if (k % 4 == 3) {
        ck_assert_ok(dln_net_init_zeros(net));
        return;
    }
    dln_landscape_info info = {.struct_size = sizeof info};
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    int pat[D];
    ck_assert_ok(dln_landscape_orbit(ls, tu_int(&rng, 0, info.num_orbits - 1), pat));
    ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 70 + (uint64_t)k, net));
    double t = k % 4 == 0 ? 1e-6 : 1e-3, *g = malloc(n * sizeof *g), nd = 0.0;
    tu_fill(&rng, n, g);
    for (size_t i = 0; i < n; i++) nd += g[i] * g[i];
    ck_assert_ok(dln_net_get_params(net, th));
    for (size_t i = 0; i < n; i++) th[i] += t * g[i] / sqrt(nd);
    ck_assert_ok(dln_net_set_params(net, th));
    free(g);
}

static void same_double(double a, double b, const char *what, int k)
{
    ck_assert_msg(a == b || (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-13 * fmax(fabs(a), fabs(b)),
                  "case %d: %s %.17g (kept workspace) vs %.17g (fresh)", k, what, a, b);
}

static void same_report(const dln_dist_report *a, const dln_dist_report *b, int k)
{
    same_double(a->dist, b->dist, "dist", k);
    same_double(a->dist_second, b->dist_second, "dist_second", k);
    same_double(a->dist_lower, b->dist_lower, "dist_lower", k);
    same_double(a->dist_lower_orbit, b->dist_lower_orbit, "dist_lower_orbit", k);
    same_double(a->kappa, b->kappa, "kappa", k);
    same_double(a->mu_min_pos, b->mu_min_pos, "mu_min_pos", k);
    same_double(a->hess_min, b->hess_min, "hess_min", k);
    same_double(a->mu_max, b->mu_max, "mu_max", k);
    same_double(a->critical_value, b->critical_value, "critical_value", k);
    ck_assert_uint_eq(a->rank, b->rank);
    ck_assert_uint_eq(a->orbit_dim, b->orbit_dim);
    ck_assert_uint_eq(a->sweeps, b->sweeps);
    ck_assert_uint_eq(a->candidates, b->candidates);
    ck_assert_int_eq(a->cls, b->cls);
    ck_assert_uint_eq(a->flags, b->flags);
}

/* Points of changing kinds and orbit types on one landscape, each compared
 * with a fresh landscape; then a new value tolerance (a new analysis). */
START_TEST(kept_workspace)
{
    const size_t w[4] = {D, D, D, D};
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    wide_problem(&loss, &ls, w, 2024);
    dln_net *net = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    double *th = malloc(dln_net_num_params(net) * sizeof *th);
    int pa[D], pb[D];
    int cases = tu_cases(16);
    for (int k = 0; k < cases; k++) {
        if (k == cases / 2) ck_assert_ok(dln_landscape_set_tol(ls, DLN_TOL_VALUE, 1e-6));
        case_point(ls, net, k, th);
        dln_landscape *fresh = NULL;
        ck_assert_ok(dln_landscape_create(&fresh, loss, 3, w));
        if (k >= cases / 2) ck_assert_ok(dln_landscape_set_tol(fresh, DLN_TOL_VALUE, 1e-6));
        dln_dist_report a = eu_report(), b = eu_report();
        ck_assert_ok(dln_landscape_distance(ls, net, &a, pa, NULL));
        ck_assert_ok(dln_landscape_distance(fresh, net, &b, pb, NULL));
        same_report(&a, &b, k);
        ck_assert_mem_eq(pa, pb, sizeof pa);
        dln_landscape_free(fresh);
    }
    free(th);
    dln_net_free(net), dln_landscape_free(ls), dln_loss_free(loss);
}
END_TEST

/* ---- the projection is a local optimum over its orbit ---- */

/* Layer j of a net into a new array (d_j x d_{j-1}). */
static double *get_layer(const dln_net *net, size_t j)
{
    size_t m = dln_net_width(net, j), k = dln_net_width(net, j - 1);
    double *W = malloc(m * k * sizeof *W);
    ck_assert_ok(dln_net_get_layer(net, j, W, m, DLN_COL_MAJOR));
    return W;
}

/* The rotation of hidden space l that first decreases ||W - C(Q)||^2 with
 * C(Q) = (.., Q W*_l, W*_{l+1} Q^T, ..): Q = qr(I + eps G), G the unit skew
 * part of M = W*_l (W_l - W*_l)^T + (W_{l+1} - W*_{l+1})^T W*_{l+1}, the
 * derivative of the squared distance being -2 <A, M> for skew A. */
static void descent_skew(const dln_net *net, const dln_net *near, size_t l, double *G)
{
    size_t dl = dln_net_width(net, l), dp = dln_net_width(net, l - 1), dn = dln_net_width(net, l + 1);
    double *A = get_layer(net, l), *As = get_layer(near, l), *B = get_layer(net, l + 1), *Bs = get_layer(near, l + 1);
    for (size_t i = 0; i < dl * dp; i++) A[i] -= As[i];
    for (size_t i = 0; i < dn * dl; i++) B[i] -= Bs[i];
    double *M = malloc(dl * dl * sizeof *M), nrm = 0.0;
    la_gemm(LA_N, LA_T, dl, dl, dp, 1.0, As, dl, A, dl, 0.0, M, dl);
    la_gemm(LA_T, LA_N, dl, dl, dn, 1.0, B, dn, Bs, dn, 1.0, M, dl);
    for (size_t j = 0; j < dl; j++)
        for (size_t i = 0; i < dl; i++) {
            G[i + j * dl] = M[i + j * dl] - M[j + i * dl];
            nrm += G[i + j * dl] * G[i + j * dl];
        }
    for (size_t i = 0; i < dl * dl; i++) G[i] = nrm > 0.0 ? G[i] / sqrt(nrm) : 0.0;
    free(A), free(As), free(B), free(Bs), free(M);
}

/* net2 <- net with hidden space l rotated by Q = qr(I + eps G). */
static void rotate_hidden(const dln_net *net, size_t l, const double *G, double eps, dln_net *net2)
{
    size_t L = dln_net_depth(net), dl = dln_net_width(net, l), dp = dln_net_width(net, l - 1),
           dn = dln_net_width(net, l + 1);
    double *Q = malloc(dl * dl * sizeof *Q), *A = malloc(dl * dp * sizeof *A), *B = malloc(dn * dl * sizeof *B);
    double *rd = malloc(dl * sizeof *rd);
    for (size_t i = 0; i < dl * dl; i++) Q[i] = eps * G[i] + (i % (dl + 1) == 0);
    ck_assert_int_eq(la_qr_q(dl, dl, Q, dl, rd), LA_OK);
    for (size_t j = 0; j < dl; j++) /* Q near I: R's diagonal positive */
        for (size_t i = 0; i < dl && rd[j] < 0.0; i++) Q[i + j * dl] = -Q[i + j * dl];
    free(rd);
    for (size_t j = 1; j <= L; j++) {
        double *W = get_layer(net, j);
        ck_assert_ok(dln_net_set_layer(net2, j, W, dln_net_width(net, j), DLN_COL_MAJOR));
        free(W);
    }
    double *Wl = get_layer(net, l), *Wn = get_layer(net, l + 1);
    la_gemm(LA_N, LA_N, dl, dp, dl, 1.0, Q, dl, Wl, dl, 0.0, A, dl);
    la_gemm(LA_N, LA_T, dn, dl, dl, 1.0, Wn, dn, Q, dl, 0.0, B, dn);
    ck_assert_ok(dln_net_set_layer(net2, l, A, dl, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_set_layer(net2, l + 1, B, dn, DLN_COL_MAJOR));
    free(Q), free(A), free(B), free(Wl), free(Wn);
}

/* W, its projection W*: critical, at distance dist, dist_lower <= dist, and
 * no rotation of a hidden space of W* (same orbit) along the steepest
 * descent of the distance gets closer to W than dist (1 - rtol). */
static void check_projection(dln_landscape *ls, dln_loss *loss, const dln_net *net, dln_net *near, dln_net *rot,
                             const char *what)
{
    dln_dist_report r = eu_report();
    ck_assert_ok(dln_landscape_distance(ls, net, &r, NULL, near));
    double scale = fmax(eu_norm(net), 1.0), rtol = (r.flags & DLN_EB_FAR) ? 1e-4 : 1e-10;
    ck_assert_msg(fabs(eu_dist(near, net) - r.dist) <= 1e-12 * scale, "%s: ||W - W*|| vs dist", what);
    ck_assert_msg(r.dist_lower <= r.dist * (1.0 + 1e-12) + 1e-15, "%s: dist_lower %g > dist %g", what,
                  r.dist_lower, r.dist);
    size_t n = dln_net_num_params(net), L = dln_net_depth(net);
    double *g = malloc(n * sizeof *g), f, gn = 0.0;
    ck_assert_ok(dln_loss_grad(loss, near, &f, g));
    for (size_t i = 0; i < n; i++) gn += g[i] * g[i];
    ck_assert_msg(sqrt(gn) <= 1e-11 * scale * scale, "%s: ||grad F(W*)|| = %g", what, sqrt(gn));
    free(g);
    if (r.rank == 0) return;
    for (size_t l = 1; l < L; l++) {
        size_t dl = dln_net_width(net, l);
        double *G = malloc(dl * dl * sizeof *G);
        descent_skew(net, near, l, G);
        for (double c = 1.0; c >= 1e-6; c *= 0.1)
            for (int sign = -1; sign <= 1; sign += 2) {
                double eps = sign * c * r.dist / scale;
                rotate_hidden(near, l, G, eps, rot);
                double d = eu_dist(rot, net);
                ck_assert_msg(d >= r.dist * (1.0 - rtol) - 1e-14 * scale,
                              "%s: hidden space %zu rotated by %g is closer: %.17g < dist %.17g", what, l, eps,
                              d, r.dist);
            }
        free(G);
    }
}

START_TEST(projection_is_local_optimum)
{
    const size_t w[4] = {D, D, D, D};
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    wide_problem(&loss, &ls, w, 2024);
    dln_net *net = NULL, *near = NULL, *rot = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    ck_assert_ok(dln_net_create(&near, 3, w));
    ck_assert_ok(dln_net_create(&rot, 3, w));
    double *th = malloc(dln_net_num_params(net) * sizeof *th);
    int cases = tu_cases(12);
    for (int k = 0; k < cases; k++) {
        if (k % 4 == 3) continue; /* W = 0 is exact */
        case_point(ls, net, k, th);
        check_projection(ls, loss, net, near, rot, k % 4 == 2 ? "wide, random" : "wide, near");
    }
    free(th);
    dln_net_free(net), dln_net_free(near), dln_net_free(rot);
    dln_landscape_free(ls), dln_loss_free(loss);
    /* the small problems: repeated values, bottlenecks, depths 2-5, rank-deficient targets */
    for (size_t pi = 0; pi < eu_num_problems; pi++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[pi], &s);
        const eu_problem *p = &eu_problems[pi];
        ck_assert_ok(dln_net_create(&near, p->L, p->w));
        ck_assert_ok(dln_net_create(&rot, p->L, p->w));
        for (int k = 0; k < tu_cases(6); k++) {
            ck_assert_ok(dln_net_init_gaussian(s.net, pow(10.0, -1.0 + 0.5 * k), 900 + (uint64_t)k));
            check_projection(s.ls, s.loss, s.net, near, rot, "small problem");
        }
        dln_net_free(near), dln_net_free(rot);
        eu_setup_free(&s);
    }
}
END_TEST

/* net <- a point of orbit type o moved by t ||W|| in a random direction. */
static void near_orbit(dln_landscape *ls, size_t o, double t, uint64_t seed, dln_net *net, double *th,
                       double *g)
{
    tu_rng rng;
    tu_seed(&rng, seed);
    size_t n = dln_net_num_params(net), nv = dln_landscape_num_values(ls);
    int *pat = malloc(nv * sizeof *pat);
    ck_assert_ok(dln_landscape_orbit(ls, o, pat));
    ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, seed, net));
    free(pat);
    double wn = eu_norm(net), gn = 0.0;
    tu_fill(&rng, n, g);
    for (size_t i = 0; i < n; i++) gn += g[i] * g[i];
    ck_assert_ok(dln_net_get_params(net, th));
    for (size_t i = 0; i < n; i++) th[i] += t * fmax(wn, 1.0) * g[i] / sqrt(gn);
    ck_assert_ok(dln_net_set_params(net, th));
}

/* The Gauss-Newton path against the sweeps alone at points near each orbit
 * type: the same orbit type, dist to 1e-10, nearest points within the
 * accuracy the report claims, W* critical and locally nearest
 * (check_projection), and at most half the steps near orbits of rank >= 2
 * (so that the new path is the one that ran). */
START_TEST(gauss_newton_matches_sweeps)
{
    size_t steps_gn = 0, steps_sw = 0; /* near orbits of rank >= 2 (rank 1 has no rotations) */
    for (size_t pi = 0; pi < eu_num_problems; pi++) {
        eu_setup s;
        eu_setup_problem(&eu_problems[pi], &s);
        const eu_problem *p = &eu_problems[pi];
        dln_net *near = NULL, *rot = NULL;
        ck_assert_ok(dln_net_create(&near, p->L, p->w));
        ck_assert_ok(dln_net_create(&rot, p->L, p->w));
        dlni_dist_work *gw = NULL, *sw = NULL;
        ck_assert_ok(dlni_dist_work_new(s.ls, &gw));
        ck_assert_ok(dlni_dist_work_new(s.ls, &sw));
        dlni_dist_work_sweeps_only(sw, 1);
        dln_landscape_info info = {.struct_size = sizeof info};
        ck_assert_ok(dln_landscape_get_info(s.ls, &info));
        double *th = malloc(s.n * sizeof *th), *g = malloc(s.n * sizeof *g);
        double *xg = malloc(s.n * sizeof *xg), *xs = malloc(s.n * sizeof *xs);
        int *pg = malloc(s.nv * sizeof *pg), *ps = malloc(s.nv * sizeof *ps);
        for (size_t o = 0; o < info.num_orbits; o++)
            for (int k = 0; k < tu_cases(2); k++) {
                double t = k % 2 ? 1e-3 : 1e-6;
                near_orbit(s.ls, o, t, 3000 + 17 * pi + 5 * o + (uint64_t)k, s.net, th, g);
                dln_dist_report rg = eu_report(), rs = eu_report();
                ck_assert_ok(dlni_distance(gw, s.net, NULL, &rg, pg, xg));
                ck_assert_ok(dlni_distance(sw, s.net, NULL, &rs, ps, xs));
                ck_assert_msg(eu_same_type(s.ls, pg, ps), "problem %zu orbit %zu t %g: orbit types differ", pi, o,
                              t);
                ck_assert_msg(fabs(rg.dist - rs.dist) <= 1e-10 * rs.dist + 1e-15,
                              "problem %zu orbit %zu t %g: dist %.17g (Gauss-Newton) vs %.17g (sweeps)", pi, o, t,
                              rg.dist, rs.dist);
                double dx = 0.0;
                for (size_t i = 0; i < s.n; i++) dx = hypot(dx, xg[i] - xs[i]);
                ck_assert_msg(dx <= 1e-4 * rs.dist + 1e-13 * fmax(eu_norm(s.net), 1.0),
                              "problem %zu orbit %zu t %g: nearest points %g apart (dist %g)", pi, o, t, dx, rs.dist);
                if (rs.rank > 1 && t < 1e-5) steps_gn += rg.sweeps, steps_sw += rs.sweeps;
                check_projection(s.ls, s.loss, s.net, near, rot, "near an orbit");
            }
        free(th), free(g), free(xg), free(xs), free(pg), free(ps);
        dlni_dist_work_free(gw), dlni_dist_work_free(sw);
        dln_net_free(near), dln_net_free(rot);
        eu_setup_free(&s);
    }
    ck_assert_msg(steps_sw > 0 && 2 * steps_gn <= steps_sw, "%zu Gauss-Newton steps against %zu sweeps", steps_gn,
                  steps_sw);
}
END_TEST

/* Near orbits of rank d - 4 .. d - 1 at widths d = 24: the Gauss-Newton
 * steps take the objective from their own products, with a basis of the
 * frames' complement when it has at most r/8 columns (ranks 22, 23) and the
 * explicit difference otherwise (ranks 20, 21). dist as the sweeps' (explicit
 * objectives only) to 1e-10, ||W - W*|| = dist to 1e-10, the rank kept. */
START_TEST(objective_with_complements)
{
    enum { E = 24 };
    const size_t w[4] = {E, E, E, E};
    tu_rng rng; /* the perturbations */
    tu_seed(&rng, 4243);
    dln_loss *loss = NULL;
    dln_landscape *ls = NULL;
    wide_problem(&loss, &ls, w, 4242);
    ck_assert_uint_eq(dln_landscape_num_values(ls), E);
    dln_net *net = NULL, *near = NULL;
    ck_assert_ok(dln_net_create(&net, 3, w));
    ck_assert_ok(dln_net_create(&near, 3, w));
    size_t n = dln_net_num_params(net);
    double *th = malloc(n * sizeof *th), *xg = malloc(n * sizeof *xg), *xs = malloc(n * sizeof *xs);
    dlni_dist_work *gw = NULL, *sw = NULL;
    ck_assert_ok(dlni_dist_work_new(ls, &gw));
    ck_assert_ok(dlni_dist_work_new(ls, &sw));
    dlni_dist_work_sweeps_only(sw, 1);
    int has[E];
    size_t m = 0;
    for (size_t k = 0; k < E; k++) {
        dln_root_info ri = {.struct_size = sizeof ri};
        ck_assert_ok(dln_landscape_roots(ls, k, &ri));
        has[k] = ri.count > 0, m += ri.count > 0;
    }
    ck_assert_uint_ge(m, E - 1); /* ranks m - 3 .. m: both ways of the objective */
    for (size_t p = E - m; p <= E - m + 3; p++) {
        int pat[E];
        for (size_t k = 0, j = 0; k < E; k++) /* the values with roots, the smallest p - (E - m) unmatched */
            pat[k] = has[k] && j++ < E - p ? DLN_MATCH_PLUS : DLN_MATCH_NONE;
        ck_assert_ok(dln_landscape_build(ls, pat, NULL, DLN_FRAMES_RANDOM, 80 + (uint64_t)p, net));
        ck_assert_ok(dln_net_get_params(net, th));
        for (size_t i = 0; i < n; i++) th[i] *= 1.0 + 1e-6 * tu_normal(&rng);
        ck_assert_ok(dln_net_set_params(net, th));
        dln_dist_report rg = eu_report(), rs = eu_report();
        ck_assert_ok(dlni_distance(gw, net, NULL, &rg, NULL, xg));
        ck_assert_ok(dlni_distance(sw, net, NULL, &rs, NULL, xs));
        ck_assert_uint_eq(rg.rank, E - p);
        ck_assert_uint_eq(rs.rank, E - p);
        ck_assert_msg(rg.sweeps < rs.sweeps, "rank %zu: %zu steps, %zu sweeps", E - p, rg.sweeps, rs.sweeps);
        ck_assert_msg(fabs(rg.dist - rs.dist) <= 1e-10 * rs.dist, "rank %zu: dist %.17g (Gauss-Newton) vs %.17g",
                      E - p, rg.dist, rs.dist);
        ck_assert_ok(dln_net_set_params(near, xg));
        ck_assert_msg(fabs(eu_dist(near, net) - rg.dist) <= 1e-10 * rg.dist, "rank %zu: ||W - W*|| %.17g, dist %.17g",
                      E - p, eu_dist(near, net), rg.dist);
    }
    free(th), free(xg), free(xs);
    dlni_dist_work_free(gw), dlni_dist_work_free(sw);
    dln_net_free(net), dln_net_free(near), dln_landscape_free(ls), dln_loss_free(loss);
}
END_TEST

/* A repeated value after a simple one (y = 2.5, 2, 2): the Gauss-Newton step
 * keeps each boundary block's normal part from its prediction to its step
 * (block after block). Near every orbit type (t = 1e-6) the steps give the
 * sweeps' dist, and for rank >= 2 they converge without the sweeps (at most
 * 2 steps). */
START_TEST(gauss_newton_repeated_block_second)
{
    const size_t w[4] = {3, 3, 3, 3};
    const double y[3] = {2.5, 2.0, 2.0}, lam[3] = {0.3, 0.3, 0.3};
    tu_rng rng;
    tu_seed(&rng, 77);
    double Phi[9];
    lu_matrix_with_sv(&rng, 3, 3, y, Phi);
    dln_loss *loss = lu_target_loss(3, 3, Phi, 3, lam);
    dln_net *net = NULL;
    dln_landscape *ls = lu_landscape(loss, 3, w, &net);
    size_t n = dln_net_num_params(net), tried = 0;
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g);
    dlni_dist_work *gw = NULL, *sw = NULL;
    ck_assert_ok(dlni_dist_work_new(ls, &gw));
    ck_assert_ok(dlni_dist_work_new(ls, &sw));
    dlni_dist_work_sweeps_only(sw, 1);
    dln_landscape_info info = {.struct_size = sizeof info};
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    for (size_t o = 0; o < info.num_orbits; o++) {
        near_orbit(ls, o, 1e-6, 4100 + (uint64_t)o, net, th, g);
        dln_dist_report rg = eu_report(), rs = eu_report();
        ck_assert_ok(dlni_distance(gw, net, NULL, &rg, NULL, NULL));
        ck_assert_ok(dlni_distance(sw, net, NULL, &rs, NULL, NULL));
        /* both stop with up to about 1e-10 of the objective still to come (the sweeps a few
         * times that after their tail estimate): dist to 1e-9 */
        ck_assert_msg(fabs(rg.dist - rs.dist) <= 1e-9 * rs.dist, "orbit %zu: dist %.17g vs %.17g", o, rg.dist,
                      rs.dist);
        if (rs.rank < 2) continue;
        ck_assert_msg(rg.sweeps <= 2, "orbit %zu (rank %zu): %zu steps", o, rg.rank, rg.sweeps);
        tried++;
    }
    ck_assert_uint_gt(tried, 0);
    free(th), free(g);
    dlni_dist_work_free(gw), dlni_dist_work_free(sw);
    dln_net_free(net), dln_landscape_free(ls), dln_loss_free(loss);
}
END_TEST

Suite *suite_distance(void)
{
    Suite *s = suite_create("distance");
    TCase *tc = tcase_create("fast");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, qr_with_workspace);
    tcase_add_test(tc, kept_workspace);
    tcase_add_test(tc, projection_is_local_optimum);
    tcase_add_test(tc, gauss_newton_matches_sweeps);
    tcase_add_test(tc, objective_with_complements);
    tcase_add_test(tc, gauss_newton_repeated_block_second);
    suite_add_tcase(s, tc);
    return s;
}
