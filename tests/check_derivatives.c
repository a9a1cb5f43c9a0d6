/* check_derivatives.c - value, gradient, HVP and dense Hessian against
 * independent oracles (derivatives.md §5-§8): complex-step derivatives of
 * the naive holomorphic loss of tests/oracle.c, central differences, the
 * dense Hessian, symmetry, the Taylor test, the gauge identities of §7 and
 * the closed-form curvature of §5.
 *
 * The cases sweep depth 1-6, square / wide / bottleneck / rectangular
 * widths, both chain sides of loss.c (d_0 < d_L, d_0 > d_L, d_0 = d_L), both
 * loss kinds, no / uniform / per-layer l2, mean normalization, and data with
 * m >> d_0, m < d_0, m = 1 and rank-deficient X. */
#include "oracle.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCASES 72 /* 6 depths x 3 sides x 4 width patterns */

enum { REG_NONE, REG_UNIFORM, REG_LAYER };
enum { DATA_TALL, DATA_SHORT, DATA_ONE, DATA_RANKDEF, TARGET };

typedef struct dcase {
    size_t L, d[7], n;
    double lam[6];
    double *X, *Y, *Phi; /* NaN-padded raw data */
    orc_problem p;
    dln_loss *loss;
    dln_net *net;
    double *theta;
    char desc[160];
} dcase;

static const char *pattern_name[] = {"square", "wide", "bottleneck", "rectangular"};

/* Widths for depth L, chain side (0: d_0 < d_L, 1: d_0 > d_L, 2: equal) and pattern. */
static void make_widths(tu_rng *r, size_t L, int side, int pattern, size_t *d)
{
    size_t a = tu_int(r, 1, 4), b = a + tu_int(r, 1, 3);
    if (side == 2) b = a;
    if (pattern == 2 && a < 2) a++, b++; /* room for a bottleneck */
    d[0] = side == 1 ? b : a;
    d[L] = side == 1 ? a : b;
    size_t lo = d[0] < d[L] ? d[0] : d[L], hi = d[0] > d[L] ? d[0] : d[L];
    for (size_t l = 1; l < L; l++) {
        if (pattern == 0) d[l] = hi;
        else if (pattern == 1) d[l] = hi + tu_int(r, 1, 3);
        else if (pattern == 2) d[l] = tu_int(r, 1, lo - 1);
        else d[l] = tu_int(r, 1, 6);
    }
    if (pattern == 0 && L > 1) d[0] = d[L] = hi; /* square: every width equal */
}

/* Data X (d_0 x m) according to the variant; rank-deficient X = U V with inner rank < d_0. */
static void make_data(tu_rng *r, dcase *c, int variant)
{
    size_t d0 = c->d[0], dL = c->d[c->L], m;
    m = variant == DATA_TALL ? 3 * d0 + tu_int(r, 1, 5)
        : variant == DATA_SHORT ? (d0 > 1 ? d0 - 1 : 1)
        : variant == DATA_ONE ? 1
                              : 2 * d0 + 3;
    size_t ldx = d0 + tu_int(r, 0, 2), ldy = dL + tu_int(r, 0, 2);
    c->X = tu_padded(r, d0, m, ldx);
    c->Y = tu_padded(r, dL, m, ldy);
    if (variant == DATA_RANKDEF) {
        size_t k = d0 > 1 ? d0 - 1 : 1;
        double *U = malloc(d0 * k * sizeof *U), *V = malloc(k * m * sizeof *V);
        tu_fill(r, d0 * k, U), tu_fill(r, k * m, V);
        if (d0 == 1) memset(U, 0, sizeof *U); /* rank 0 for a single input */
        orc_matmul(d0, m, k, U, d0, 0, V, k, 0, c->X, ldx);
        free(U), free(V);
    }
    c->p.X = c->X, c->p.Y = c->Y, c->p.m = m, c->p.ldx = ldx, c->p.ldy = ldy;
    ck_assert_ok(dln_loss_create_data(&c->loss, d0, dL, m, c->X, ldx, c->Y, ldy));
}

static void make_case(int i, dcase *c)
{
    memset(c, 0, sizeof *c);
    tu_rng r;
    tu_seed(&r, 1000 + (uint64_t)i);
    c->L = 1 + (size_t)(i % 6);
    int side = (i / 6) % 3, pattern = (i / 18) % 4;
    int variant = (int)tu_int(&r, 0, 4), reg = (int)tu_int(&r, 0, 2), mean = (int)tu_int(&r, 0, 1);
    make_widths(&r, c->L, side, pattern, c->d);
    c->n = orc_num_params(c->L, c->d);
    c->p.L = c->L, c->p.d = c->d, c->p.w = 1.0;
    if (variant == TARGET) {
        size_t ld = c->d[c->L] + 1;
        c->Phi = tu_padded(&r, c->d[c->L], c->d[0], ld);
        c->p.Phi = c->Phi, c->p.ldphi = ld;
        ck_assert_ok(dln_loss_create_target(&c->loss, c->d[c->L], c->d[0], c->Phi, ld));
        mean = 0;
    } else {
        make_data(&r, c, variant);
        if (mean) {
            ck_assert_ok(dln_loss_set_mean(c->loss, 1));
            c->p.w = 1.0 / (double)c->p.m;
        }
    }
    for (size_t l = 0; l < c->L; l++)
        c->lam[l] = reg == REG_UNIFORM ? 0.3 : reg == REG_LAYER ? (l % 3 == 1 ? 0.0 : tu_uniform(&r)) : 0;
    if (reg == REG_UNIFORM) ck_assert_ok(dln_loss_set_l2_uniform(c->loss, 0.3));
    if (reg == REG_LAYER) ck_assert_ok(dln_loss_set_l2(c->loss, c->L, c->lam));
    if (reg != REG_NONE) c->p.lam = c->lam;
    c->net = tu_net(c->L, c->d, 0.8, 77 + (uint64_t)i);
    c->theta = malloc(c->n * sizeof *c->theta);
    ck_assert_ok(dln_net_get_params(c->net, c->theta));
    int len = snprintf(c->desc, sizeof c->desc, "case %d: L=%zu %s %s reg=%d mean=%d widths", i,
                       c->L, pattern_name[pattern],
                       variant == TARGET ? "target" : variant == DATA_RANKDEF ? "rankdef-X" : "data",
                       reg, mean);
    for (size_t l = 0; l <= c->L; l++)
        len += snprintf(c->desc + len, sizeof c->desc - (size_t)len, " %zu", c->d[l]);
}

static void free_case(dcase *c)
{
    dln_loss_free(c->loss);
    dln_net_free(c->net);
    free(c->X), free(c->Y), free(c->Phi), free(c->theta);
}

static double *unit_direction(tu_rng *r, size_t n)
{
    double *v = malloc(n * sizeof *v);
    tu_fill(r, n, v);
    double s = sqrt(orc_dot(n, v, v));
    for (size_t i = 0; i < n; i++) v[i] /= s;
    return v;
}

static double norm(size_t n, const double *a) { return sqrt(orc_dot(n, a, a)); }

/* Evaluate the library's value / gradient at theta + t v (a scratch net). */
static double value_at(dcase *c, const double *v, double t, double *grad)
{
    double *th = malloc(c->n * sizeof *th), f;
    for (size_t i = 0; i < c->n; i++) th[i] = c->theta[i] + t * v[i];
    dln_net *x = NULL;
    ck_assert_ok(dln_net_copy(&x, c->net));
    ck_assert_ok(dln_net_set_params(x, th));
    if (grad) ck_assert_ok(dln_loss_grad(c->loss, x, &f, grad));
    else ck_assert_ok(dln_loss_value(c->loss, x, &f));
    dln_net_free(x);
    free(th);
    return f;
}

/* Worst errors of one oracle comparison over the cases (NaN sticks). */
typedef struct metrics {
    double worst[3];
    int checked;
} metrics;

/* A check asserts on one case and returns 0 if the case does not apply. */
typedef int (*case_check)(dcase *c, tu_rng *r, metrics *m);

/* Run check on every stride-th case with a seeded direction generator. */
static void for_each_case(uint64_t seed, int stride, case_check check, metrics *m)
{
    tu_rng r;
    tu_seed(&r, seed);
    for (int i = 0; i < tu_cases(NCASES); i += stride) {
        dcase c;
        make_case(i, &c);
        m->checked += check(&c, &r, m);
        free_case(&c);
    }
}

static void record(metrics *m, int k, double err) { m->worst[k] = orc_max(m->worst[k], err); }

/* ---- gradient ------------------------------------------------------------ */

static int check_gradient_complex_step(dcase *c, tu_rng *r, metrics *m)
{
    (void)r;
    double *g = malloc(c->n * sizeof *g), *go = malloc(c->n * sizeof *go);
    double *gc = malloc(c->n * sizeof *gc), *e = calloc(c->n, sizeof *e), f;
    ck_assert_ok(dln_loss_grad(c->loss, c->net, &f, g));
    double fo = orc_value(&c->p, c->theta);
    orc_grad(&c->p, c->theta, go);
    for (size_t j = 0; j < c->n; j++) { /* entrywise complex step of the naive F */
        e[j] = 1.0;
        gc[j] = orc_cs_dir(&c->p, c->theta, e);
        e[j] = 0.0;
    }
    double ef = fabs(f - fo) / fabs(fo), eg = tu_relerr(c->n, g, gc, 1e-300);
    double ecs = tu_relerr(c->n, go, gc, 1e-300);
    ck_assert_msg(ef < 1e-13, "%s: value %.17g vs naive %.17g", c->desc, f, fo);
    ck_assert_msg(eg < 1e-13, "%s: gradient rel err %g vs complex step", c->desc, eg);
    ck_assert_msg(ecs < 1e-13, "%s: naive gradient vs its complex step %g", c->desc, ecs);
    record(m, 0, ef), record(m, 1, eg), record(m, 2, ecs);
    free(g), free(go), free(gc), free(e);
    return 1;
}

static int check_gradient_central(dcase *c, tu_rng *r, metrics *m)
{
    double *g = malloc(c->n * sizeof *g), *v = unit_direction(r, c->n), f;
    ck_assert_ok(dln_loss_grad(c->loss, c->net, &f, g));
    double h = 1e-6 * fmax(1.0, norm(c->n, c->theta));
    double fd = (value_at(c, v, h, NULL) - value_at(c, v, -h, NULL)) / (2 * h);
    double err = fabs(fd - orc_dot(c->n, g, v)) / norm(c->n, g);
    ck_assert_msg(err < 1e-7, "%s: central difference %.12g vs <g,v> %.12g", c->desc, fd,
                  orc_dot(c->n, g, v));
    record(m, 0, err);
    free(g), free(v);
    return 1;
}

/* ---- Hessian-vector products --------------------------------------------- */

static int check_hvp_complex_step_and_central(dcase *c, tu_rng *r, metrics *m)
{
    double *v = unit_direction(r, c->n), *hv = malloc(c->n * sizeof *hv);
    double *hc = malloc(c->n * sizeof *hc), *gp = malloc(c->n * sizeof *gp);
    double *gm = malloc(c->n * sizeof *gm);
    ck_assert_ok(dln_loss_hvp(c->loss, c->net, v, hv));
    orc_cs_hvp(&c->p, c->theta, v, hc);
    double ecs = tu_relerr(c->n, hv, hc, 1e-300);
    ck_assert_msg(ecs < 1e-13, "%s: HVP vs complex step %g", c->desc, ecs);
    double h = 1e-6 * fmax(1.0, norm(c->n, c->theta));
    value_at(c, v, h, gp);
    value_at(c, v, -h, gm);
    for (size_t j = 0; j < c->n; j++) gp[j] = (gp[j] - gm[j]) / (2 * h);
    double efd = tu_relerr(c->n, gp, hv, 1e-300);
    ck_assert_msg(efd < 1e-7, "%s: HVP vs central differences of gradients %g", c->desc, efd);
    record(m, 0, ecs), record(m, 1, efd);
    free(v), free(hv), free(hc), free(gp), free(gm);
    return 1;
}

/* Dense Hessian: every column against the complex step of the naive gradient
 * along e_j; H v against the HVP; the padding rows of H stay untouched. */
static int check_dense_hessian(dcase *c, tu_rng *r, metrics *m)
{
    size_t n = c->n, ldh = n + 2;
    double *H = malloc(ldh * n * sizeof *H), *e = calloc(n, sizeof *e);
    double *col = malloc(n * sizeof *col), *v = unit_direction(r, n);
    double *hv = malloc(n * sizeof *hv), *Hv = malloc(n * sizeof *Hv);
    for (size_t j = 0; j < ldh * n; j++) H[j] = NAN;
    ck_assert_ok(dln_loss_hessian(c->loss, c->net, H, ldh));
    double hnorm = orc_fro(n, n, H, ldh);
    for (size_t j = 0; j < n; j++) {
        e[j] = 1.0;
        orc_cs_hvp(&c->p, c->theta, e, col);
        e[j] = 0.0;
        double err = orc_maxdiff(n, H + j * ldh, col) / hnorm;
        ck_assert_msg(err < 1e-13, "%s: Hessian column %zu off by %g |H|", c->desc, j, err);
        record(m, 0, err);
        ck_assert(isnan(H[n + j * ldh]) && isnan(H[n + 1 + j * ldh]));
    }
    ck_assert_ok(dln_loss_hvp(c->loss, c->net, v, hv));
    orc_matmul(n, 1, n, H, ldh, 0, v, n, 0, Hv, n);
    double err = tu_relerr(n, hv, Hv, 1e-300);
    ck_assert_msg(err < 1e-13, "%s: H v vs HVP %g", c->desc, err);
    record(m, 1, err);
    free(H), free(e), free(col), free(v), free(hv), free(Hv);
    return 1;
}

/* HV of k = 1..20 directions (strided, NaN padding) equals k single HVPs. */
static int check_hvp_batch(dcase *c, tu_rng *r, metrics *m)
{
    size_t n = c->n;
    for (size_t k = 1; k <= 20; k++) {
        size_t ldv = n + 1 + k % 3, ldhv = n + 2;
        double *V = tu_padded(r, n, k, ldv), *HV = malloc(ldhv * k * sizeof *HV);
        double *hv = malloc(n * sizeof *hv);
        for (size_t j = 0; j < ldhv * k; j++) HV[j] = NAN;
        ck_assert_ok(dln_loss_hvp_batch(c->loss, c->net, k, V, ldv, HV, ldhv));
        for (size_t j = 0; j < k; j++) {
            ck_assert_ok(dln_loss_hvp(c->loss, c->net, V + j * ldv, hv));
            double err = tu_relerr(n, HV + j * ldhv, hv, 1e-300);
            ck_assert_msg(err < 1e-13, "%s: k=%zu column %zu batch vs single %g", c->desc, k, j,
                          err);
            record(m, 0, err);
            ck_assert(isnan(HV[n + j * ldhv]) && isnan(HV[n + 1 + j * ldhv]));
        }
        free(V), free(HV), free(hv);
    }
    return 1;
}

static int check_symmetry(dcase *c, tu_rng *r, metrics *m)
{
    double *u = unit_direction(r, c->n), *v = unit_direction(r, c->n);
    double *hu = malloc(c->n * sizeof *hu), *hv = malloc(c->n * sizeof *hv);
    ck_assert_ok(dln_loss_hvp(c->loss, c->net, u, hu));
    ck_assert_ok(dln_loss_hvp(c->loss, c->net, v, hv));
    double a = orc_dot(c->n, u, hv), b = orc_dot(c->n, v, hu);
    double err = fabs(a - b) / fmax(norm(c->n, hu), norm(c->n, hv));
    ck_assert_msg(err < 1e-13, "%s: u'Hv = %.17g, v'Hu = %.17g", c->desc, a, b);
    record(m, 0, err);
    free(u), free(v), free(hu), free(hv);
    return 1;
}

/* Taylor test (§8.3): r1(t) = F(W+tD) - F - t<g,D> shrinks 4x per halving of
 * t and r2(t) = r1(t) - t^2/2 <D,H[D]> shrinks 8x (F is quadratic for L = 1:
 * r2 stays at rounding level). */
static int check_taylor(dcase *c, tu_rng *r, metrics *m)
{
    (void)m;
    double *v = unit_direction(r, c->n), *g = malloc(c->n * sizeof *g);
    double *hv = malloc(c->n * sizeof *hv), f;
    ck_assert_ok(dln_loss_grad(c->loss, c->net, &f, g));
    ck_assert_ok(dln_loss_hvp(c->loss, c->net, v, hv));
    double gv = orc_dot(c->n, g, v), q = orc_dot(c->n, v, hv), r1p = 0, r2p = 0;
    double t = 1e-3 * fmax(1.0, norm(c->n, c->theta));
    for (int s = 0; s < 4; s++, t /= 2) {
        double r1 = value_at(c, v, t, NULL) - f - t * gv, r2 = r1 - 0.5 * t * t * q;
        if (s > 0) {
            ck_assert_msg(fabs(r1p / r1 - 4.0) < 0.2, "%s: r1 ratio %g at t=%g", c->desc, r1p / r1,
                          t);
            if (c->L == 1)
                ck_assert_msg(fabs(r2) < 1e-11 * fmax(fabs(f), 1.0), "%s: r2 = %g for a quadratic",
                              c->desc, r2);
            else
                ck_assert_msg(fabs(r2p / r2 - 8.0) < 0.8, "%s: r2 ratio %g at t=%g", c->desc,
                              r2p / r2, t);
        }
        r1p = r1, r2p = r2;
    }
    free(v), free(g), free(hv);
    return 1;
}

/* ---- gauge identities (§7) ----------------------------------------------- */

/* Tangent T_l = X_l W_l - W_l X_{l-1} for hidden generators X_1..X_{L-1}
 * (X_0 = X_L = 0), skew when skew != 0. Gens: X_l at gens + goff[l]. */
static void gauge_tangent(const dcase *c, const double *gens, const size_t *goff, double *T)
{
    const size_t *d = c->d;
    size_t off = 0;
    for (size_t l = 1; l <= c->L; l++) {
        size_t r = d[l], k = d[l - 1];
        const double *W = c->theta + off;
        double *Tl = T + off, *tmp = malloc(r * k * sizeof *tmp);
        memset(Tl, 0, r * k * sizeof *Tl);
        if (l < c->L) orc_matmul(r, k, r, gens + goff[l], r, 0, W, r, 0, Tl, r);
        if (l > 1) {
            orc_matmul(r, k, k, W, r, 0, gens + goff[l - 1], k, 0, tmp, r);
            for (size_t t = 0; t < r * k; t++) Tl[t] -= tmp[t];
        }
        free(tmp);
        off += r * k;
    }
}

/* rhs_l = grad_l X_{l-1}^T - X_l^T grad_l (X_0 = X_L = 0). */
static void gauge_rhs(const dcase *c, const double *gens, const size_t *goff, const double *g,
                      double *rhs)
{
    const size_t *d = c->d;
    size_t off = 0;
    for (size_t l = 1; l <= c->L; l++) {
        size_t rr = d[l], k = d[l - 1];
        double *tmp = malloc(rr * k * sizeof *tmp);
        memset(rhs + off, 0, rr * k * sizeof *rhs);
        if (l > 1) orc_matmul(rr, k, k, g + off, rr, 0, gens + goff[l - 1], k, 1, rhs + off, rr);
        if (l < c->L) {
            orc_matmul(rr, k, rr, gens + goff[l], rr, 1, g + off, rr, 0, tmp, rr);
            for (size_t t = 0; t < rr * k; t++) rhs[off + t] -= tmp[t];
        }
        free(tmp);
        off += rr * k;
    }
}

static int check_gauge(dcase *c, tu_rng *r, metrics *m)
{
    const size_t *d = c->d;
    size_t goff[8] = {0}, ng = 0, n = c->n;
    if (c->L < 2) return 0; /* no hidden node */
    for (size_t l = 1; l < c->L; l++) goff[l] = ng, ng += d[l] * d[l];
    double *gens = malloc(ng * sizeof *gens);
    tu_fill(r, ng, gens);
    if (c->p.lam) /* weight decay keeps only orthogonal gauges: skew generators */
        for (size_t l = 1; l < c->L; l++)
            for (size_t a = 0; a < d[l]; a++)
                for (size_t b = 0; b <= a; b++) {
                    double *x = gens + goff[l];
                    x[a + b * d[l]] = a == b ? 0.0 : x[a + b * d[l]];
                    x[b + a * d[l]] = -x[a + b * d[l]];
                }
    double *T = malloc(n * sizeof *T), *g = malloc(n * sizeof *g), *hT = malloc(n * sizeof *hT);
    double *rhs = malloc(n * sizeof *rhs), f;
    gauge_tangent(c, gens, goff, T);
    int applies = norm(n, T) > 0.0; /* zero only with 1 x 1 hidden nodes and skew generators */
    if (applies) {
        ck_assert_ok(dln_loss_grad(c->loss, c->net, &f, g));
        ck_assert_ok(dln_loss_hvp(c->loss, c->net, T, hT));
        double eg = fabs(orc_dot(n, g, T)) / (norm(n, g) * norm(n, T));
        ck_assert_msg(eg < 1e-13, "%s: <grad, T> = %g relative", c->desc, eg);
        gauge_rhs(c, gens, goff, g, rhs);
        /* scale: both sides are sums of terms of size |H| |T| ~ |g| |X| */
        double scale = fmax(norm(n, rhs), norm(n, g) * norm(ng, gens));
        double eh = orc_maxdiff(n, hT, rhs) / scale;
        ck_assert_msg(eh < 1e-13, "%s: H[T] vs grad X^T - X^T grad: %g", c->desc, eh);
        record(m, 0, eg), record(m, 1, eh);
    }
    free(gens), free(T), free(g), free(hT), free(rhs);
    return applies;
}

/* ---- curvature closed form (§5) ------------------------------------------ */

/* Coefficients P0 = P, P1, P2 of prod_l (W_l + t D_l), by the recursion
 * c_k <- W c_k + D c_{k-1} on d_l x d_0 matrices (naive). */
static void product_coefficients(const dcase *c, const double *D, double *P[3])
{
    const size_t *d = c->d;
    size_t d0 = d[0], mx = 0, off = 0;
    for (size_t l = 0; l <= c->L; l++) mx = d[l] > mx ? d[l] : mx;
    double *cur[3], *nxt[3], *tmp = malloc(mx * d0 * sizeof *tmp);
    for (int k = 0; k < 3; k++) {
        cur[k] = calloc(mx * d0, sizeof *cur[k]);
        nxt[k] = calloc(mx * d0, sizeof *nxt[k]);
    }
    for (size_t i = 0; i < d0; i++) cur[0][i + i * d0] = 1.0;
    for (size_t l = 1; l <= c->L; l++) {
        size_t r = d[l], k = d[l - 1];
        for (int q = 0; q < 3; q++) {
            orc_matmul(r, d0, k, c->theta + off, r, 0, cur[q], k, 0, nxt[q], r);
            if (q > 0) {
                orc_matmul(r, d0, k, D + off, r, 0, cur[q - 1], k, 0, tmp, r);
                for (size_t t = 0; t < r * d0; t++) nxt[q][t] += tmp[t];
            }
        }
        for (int q = 0; q < 3; q++) {
            double *s = cur[q];
            cur[q] = nxt[q], nxt[q] = s;
        }
        off += r * k;
    }
    for (int q = 0; q < 3; q++) memcpy(P[q], cur[q], d[c->L] * d0 * sizeof *P[q]), free(cur[q]), free(nxt[q]);
    free(tmp);
}

/* <D,H[D]> = w ||P1 X||^2 + 2 w <P X - Y, P2 X> + sum lam ||D_l||^2 (X = I, Y = Phi, w = 1 for a target). */
static double curvature_closed_form(const dcase *c, const double *D, double *scale)
{
    size_t d0 = c->d[0], dL = c->d[c->L], m = c->p.X ? c->p.m : d0;
    double *P[3];
    for (int q = 0; q < 3; q++) P[q] = malloc(dL * d0 * sizeof *P[q]);
    product_coefficients(c, D, P);
    double *Xe = calloc(d0 * m, sizeof *Xe), *Ye = malloc(dL * m * sizeof *Ye);
    for (size_t j = 0; j < m; j++) {
        for (size_t i = 0; i < d0; i++) Xe[i + j * d0] = c->p.X ? c->p.X[i + j * c->p.ldx] : i == j;
        for (size_t i = 0; i < dL; i++)
            Ye[i + j * dL] = c->p.X ? c->p.Y[i + j * c->p.ldy] : c->p.Phi[i + j * c->p.ldphi];
    }
    double *PX[3];
    for (int q = 0; q < 3; q++) {
        PX[q] = malloc(dL * m * sizeof *PX[q]);
        orc_matmul(dL, m, d0, P[q], dL, 0, Xe, d0, 0, PX[q], dL);
    }
    double gn = 0.0, cross = 0.0, reg = 0.0;
    for (size_t t = 0; t < dL * m; t++) {
        gn += PX[1][t] * PX[1][t];
        cross += (PX[0][t] - Ye[t]) * PX[2][t];
    }
    size_t off = 0;
    for (size_t l = 1; l <= c->L; l++) {
        size_t nl = c->d[l] * c->d[l - 1];
        if (c->p.lam) reg += c->lam[l - 1] * orc_dot(nl, D + off, D + off);
        off += nl;
    }
    double w = c->p.X ? c->p.w : 1.0;
    *scale = w * (gn + 2 * fabs(cross)) + reg;
    for (int q = 0; q < 3; q++) free(P[q]), free(PX[q]);
    free(Xe), free(Ye);
    return w * (gn + 2 * cross) + reg;
}

static int check_curvature(dcase *c, tu_rng *r, metrics *m)
{
    double *v = unit_direction(r, c->n), *hv = malloc(c->n * sizeof *hv), scale;
    ck_assert_ok(dln_loss_hvp(c->loss, c->net, v, hv));
    double q = orc_dot(c->n, v, hv), qc = curvature_closed_form(c, v, &scale);
    double err = fabs(q - qc) / scale;
    ck_assert_msg(err < 1e-13, "%s: <D,H[D]> = %.17g, closed form %.17g", c->desc, q, qc);
    record(m, 0, err);
    free(v), free(hv);
    return 1;
}

/* ---- the oracle table ---------------------------------------------------- */

typedef struct oracle {
    uint64_t seed;      /* of the random directions */
    int stride;         /* every stride-th case */
    case_check check;
    const char *what[3]; /* labels of the measured worst errors */
} oracle;

static const oracle oracles[] = {
    {10, 1, check_gradient_complex_step,
     {"value vs naive raw-data F (rel)", "gradient vs entrywise complex step (rel)",
      "naive gradient vs complex step (rel)"}},
    {11, 1, check_gradient_central, {"directional derivative vs central diff (/|g|)"}},
    {12, 1, check_hvp_complex_step_and_central,
     {"HVP vs complex step of naive gradient (rel)", "HVP vs central diff of gradients (rel)"}},
    {13, 1, check_dense_hessian,
     {"dense Hessian columns vs complex step (/|H|_F)", "dense H v vs HVP (rel)"}},
    {14, 5, check_hvp_batch, {"batched HVP vs single HVPs (rel)"}},
    {15, 1, check_symmetry, {"u'Hv - v'Hu (/max |Hu|,|Hv|)"}},
    {16, 1, check_taylor, {NULL}},
    {17, 1, check_gauge, {"gauge <grad,T> (/|g||T|)", "gauge H[T] = grad X^T - X^T grad (rel)"}},
    {18, 1, check_curvature, {"<D,H[D]> vs closed form (/term sizes)"}},
};

START_TEST(oracle_over_cases)
{
    const oracle *o = &oracles[_i];
    metrics m = {{0}, 0};
    for_each_case(o->seed, o->stride, o->check, &m);
    ck_assert_msg(m.checked > 0, "oracle %d applied to no case", _i);
    for (int k = 0; k < 3; k++)
        if (o->what[k]) orc_note(o->what[k], m.worst[k]);
}
END_TEST

/* Wider layers (BLAS blocking, larger batches): gradient against the naive
 * one and a directional complex step, HVPs against complex steps. The last
 * two shapes have d_0 >= DLNI_R_GEMM_BELOW: the products with R are TRMMs,
 * in place (input and output side). */
START_TEST(wide_layers_complex_step)
{
    static const size_t shapes[][6] = {{3, 20, 48, 33, 40}, {4, 45, 30, 52, 17, 6}, {2, 37, 64, 37},
                                       {2, 130, 9, 140}, {3, 140, 7, 5, 130}};
    double worst = 0.0;
    tu_rng r;
    tu_seed(&r, 20);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t L = shapes[s][0], m = 150;
        const size_t *d = shapes[s] + 1;
        double *X = tu_padded(&r, d[0], m, d[0] + 1), *Y = tu_padded(&r, d[L], m, d[L]);
        double lam[4] = {0.2, 0.0, 0.1, 0.3};
        orc_problem p = {L, d, X, Y, m, d[0] + 1, d[L], NULL, 0, 1.0, lam};
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d[0], d[L], m, X, d[0] + 1, Y, d[L]));
        ck_assert_ok(dln_loss_set_l2(loss, L, lam));
        dln_net *net = tu_net(L, d, 1.0 / sqrt((double)d[1]), 3 + s);
        size_t n = dln_net_num_params(net), k = 11;
        double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g), *go = malloc(n * sizeof *go);
        double *V = malloc(n * k * sizeof *V), *HV = malloc(n * k * sizeof *HV), *hc = malloc(n * sizeof *hc);
        ck_assert_ok(dln_net_get_params(net, th));
        ck_assert_ok(dln_loss_grad(loss, net, NULL, g));
        orc_grad(&p, th, go);
        double e = tu_relerr(n, g, go, 1e-300);
        tu_fill(&r, n * k, V);
        double dd = orc_cs_dir(&p, th, V);
        e = orc_max(e, fabs(dd - orc_dot(n, g, V)) / (norm(n, g) * norm(n, V)));
        ck_assert_ok(dln_loss_hvp_batch(loss, net, k, V, n, HV, n));
        for (size_t j = 0; j < k; j++) {
            orc_cs_hvp(&p, th, V + j * n, hc);
            e = orc_max(e, tu_relerr(n, HV + j * n, hc, 1e-300));
        }
        ck_assert_msg(e < 1e-13, "shape %zu (n = %zu): error %g", s, n, e);
        worst = orc_max(worst, e);
        free(X), free(Y), free(th), free(g), free(go), free(V), free(HV), free(hc);
        dln_net_free(net);
        dln_loss_free(loss);
    }
    orc_note("wide layers: grad/HVP vs naive and complex step", worst);
}
END_TEST

/* ---- call history -------------------------------------------------------- */

/* Value, gradient and HVP of a loss do not depend on earlier calls: the
 * chains cached for one set of weights must never serve another (one changed
 * entry, another net, changed options, added samples). Reference: a fresh
 * copy of the loss for every evaluation. */
static void assert_fresh(dln_loss *loss, const dln_net *net, const double *v, const char *what)
{
    size_t n = dln_net_num_params(net);
    double *g1 = malloc(n * sizeof *g1), *g2 = malloc(n * sizeof *g2), f1, f2;
    double *h1 = malloc(n * sizeof *h1), *h2 = malloc(n * sizeof *h2);
    dln_loss *fresh = NULL;
    ck_assert_ok(dln_loss_copy(&fresh, loss));
    ck_assert_ok(dln_loss_hvp(loss, net, v, h1)); /* HVP before the gradient here, after it below */
    ck_assert_ok(dln_loss_grad(loss, net, &f1, g1));
    ck_assert_ok(dln_loss_grad(fresh, net, &f2, g2));
    ck_assert_ok(dln_loss_hvp(fresh, net, v, h2));
    ck_assert_msg(f1 == f2 && orc_maxdiff(n, g1, g2) == 0.0 && orc_maxdiff(n, h1, h2) == 0.0,
                  "%s: results depend on the call history (F %.17g vs %.17g)", what, f1, f2);
    dln_loss_free(fresh);
    free(g1), free(g2), free(h1), free(h2);
}

START_TEST(results_independent_of_call_history)
{
    /* both chain sides, and depths 1 and 2, where the forward steps that
     * copy the weights (src/loss_grad.c, keep_layer) are none or one */
    static const size_t shapes[][5] = {{3, 2, 4, 3, 5}, {3, 5, 3, 4, 2}, {1, 3, 2},
                                       {2, 2, 3, 4},    {2, 4, 3, 2}};
    tu_rng r;
    tu_seed(&r, 19);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t L = shapes[s][0], *d = shapes[s] + 1;
        double *X = tu_padded(&r, d[0], 9, d[0]), *Y = tu_padded(&r, d[L], 9, d[L]);
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d[0], d[L], 6, X, d[0], Y, d[L]));
        dln_net *a = tu_net(L, d, 0.8, 1), *b = tu_net(L, d, 0.8, 2);
        size_t n = dln_net_num_params(a);
        double *v = unit_direction(&r, n), *th = malloc(n * sizeof *th), f;
        assert_fresh(loss, a, v, "first call");
        assert_fresh(loss, b, v, "another net");
        assert_fresh(loss, a, v, "back to the first net");
        for (size_t i = 0; i < n; i += n / 4) { /* one entry of one layer changes */
            ck_assert_ok(dln_net_get_params(a, th));
            th[n - 1 - i] += 0.5;
            ck_assert_ok(dln_net_set_params(a, th));
            assert_fresh(loss, a, v, "one changed weight");
        }
        for (size_t l = 0, off = 0; l < L; off += d[l + 1] * d[l], l++) { /* each layer's first entry */
            ck_assert_ok(dln_net_get_params(a, th));
            th[off] -= 0.25;
            ck_assert_ok(dln_net_set_params(a, th));
            assert_fresh(loss, a, v, "the first weight of a layer changed");
        }
        ck_assert_ok(dln_loss_value(loss, a, &f));
        ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.4));
        assert_fresh(loss, a, v, "l2 set after a call");
        ck_assert_ok(dln_loss_set_mean(loss, 1));
        assert_fresh(loss, a, v, "mean set after a call");
        ck_assert_ok(dln_loss_add_samples(loss, 3, X + 6 * d[0], d[0], Y + 6 * d[L], d[L]));
        assert_fresh(loss, a, v, "samples added after a call");
        free(X), free(Y), free(v), free(th);
        dln_net_free(a), dln_net_free(b);
        dln_loss_free(loss);
    }
}
END_TEST

Suite *suite_derivatives(void)
{
    Suite *s = suite_create("derivatives");
    TCase *tc = tcase_create("oracles");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, oracle_over_cases, 0, (int)(sizeof oracles / sizeof oracles[0]));
    tcase_add_test(tc, wide_layers_complex_step);
    tcase_add_test(tc, results_independent_of_call_history);
    suite_add_tcase(s, tc);
    return s;
}
