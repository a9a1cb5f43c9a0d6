/* check_factored.c - the factored path of bottleneck nets (src/loss_factored.c,
 * derivatives.md §4a): value, gradient, HVP and dense Hessian against the
 * full path and against complex-step derivatives of the naive loss on the
 * raw data (tests/oracle.c) on seeded shapes (input and output side, L = 2..5,
 * r = 1..d/4, several equal minimal widths, data and target form, weight
 * decay, residual layers); accuracy near an exact fit against a long-double
 * reference; the path the flop model picks; allocation failures. */
#include "alloc_inject.h"
#include "internal.h" /* dlni_factored_set_path, loss->work.fac.on */
#include "oracle.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fcase {
    size_t L, d[6], n, m;
    double lam[5];
    double *X, *Y, *Phi, *theta;
    orc_problem p;
    dln_loss *full, *fact; /* the same loss, each forced onto one path */
    dln_net *net;
    char desc[160];
} fcase;

/* Case i: a bottleneck of width r <= min(d_0, d_L)/4 at one or two inner layers. */
static void make_case(int i, fcase *c)
{
    memset(c, 0, sizeof *c);
    tu_rng r;
    tu_seed(&r, 4000 + (uint64_t)i);
    size_t L = c->L = 2 + (size_t)(i % 4);
    int output_side = (i / 4) % 2, target = (i / 8) % 3 == 2;
    size_t lo = tu_int(&r, 4, 16), hi = lo + tu_int(&r, 0, 8), rr = tu_int(&r, 1, lo / 4);
    c->d[0] = output_side ? hi : lo, c->d[L] = output_side ? lo : hi;
    size_t k = tu_int(&r, 1, L - 1);
    for (size_t l = 1; l < L; l++) c->d[l] = l == k || tu_int(&r, 0, 3) == 0 ? rr : tu_int(&r, rr, hi + 2);
    c->n = orc_num_params(L, c->d);
    c->p.L = L, c->p.d = c->d, c->p.w = 1.0;
    size_t d0 = c->d[0], dL = c->d[L];
    if (target) {
        c->Phi = tu_padded(&r, dL, d0, dL + 1);
        c->p.Phi = c->Phi, c->p.ldphi = dL + 1;
        ck_assert_ok(dln_loss_create_target(&c->full, dL, d0, c->Phi, dL + 1));
    } else {
        c->m = tu_int(&r, 0, 1) ? d0 - 1 : 2 * d0 + 3; /* rank-deficient or tall data */
        c->X = tu_padded(&r, d0, c->m, d0 + 1), c->Y = tu_padded(&r, dL, c->m, dL);
        c->p.X = c->X, c->p.Y = c->Y, c->p.m = c->m, c->p.ldx = d0 + 1, c->p.ldy = dL;
        ck_assert_ok(dln_loss_create_data(&c->full, d0, dL, c->m, c->X, d0 + 1, c->Y, dL));
        if (i % 3 == 0) {
            ck_assert_ok(dln_loss_set_mean(c->full, 1));
            c->p.w = 1.0 / (double)c->m;
        }
    }
    if (i % 2) {
        for (size_t l = 0; l < L; l++) c->lam[l] = l == 1 ? 0.0 : 0.1 + tu_uniform(&r);
        ck_assert_ok(dln_loss_set_l2(c->full, L, c->lam));
        c->p.lam = c->lam;
    }
    ck_assert_ok(dln_loss_copy(&c->fact, c->full));
    dlni_factored_set_path(c->full, DLNI_PATH_FULL);
    dlni_factored_set_path(c->fact, DLNI_PATH_FACTORED);
    c->net = tu_net(L, c->d, 0.7, 91 + (uint64_t)i);
    if (i % 10 == 0) /* a residual layer where one is square (no weight decay: the oracle puts it on W_l) */
        for (size_t l = 1; l <= L; l++)
            if (c->d[l] == c->d[l - 1]) {
                ck_assert_ok(dln_net_set_residual(c->net, l, 1));
                break;
            }
    c->theta = malloc(c->n * sizeof *c->theta);
    ck_assert_ok(dln_net_get_params(c->net, c->theta));
    for (size_t l = 1; l <= L; l++) /* the oracle takes W_l, the net stores A_l */
        if (dln_net_get_residual(c->net, l))
            for (size_t j = 0; j < c->d[l]; j++)
                c->theta[dln_net_layer_offset(c->net, l) + j + j * c->d[l]] += 1.0;
    int len = snprintf(c->desc, sizeof c->desc, "case %d: %s, widths", i, target ? "target" : "data");
    for (size_t l = 0; l <= L; l++)
        len += snprintf(c->desc + len, sizeof c->desc - (size_t)len, " %zu", c->d[l]);
}

static void free_case(fcase *c)
{
    dln_loss_free(c->full), dln_loss_free(c->fact);
    dln_net_free(c->net);
    free(c->X), free(c->Y), free(c->Phi), free(c->theta);
}

static double nrm(size_t n, const double *a) { return sqrt(orc_dot(n, a, a)); }

/* Value, gradient, HVP of 3 directions, dense Hessian: the factored path
 * agrees with the full path to rounding, and both with the complex-step
 * oracle (which never calls the library). */
START_TEST(factored_matches_full_and_oracle)
{
    int cases = tu_cases(48);
    for (int i = 0; i < cases; i++) {
        fcase c;
        make_case(i, &c);
        size_t n = c.n;
        double *g[2], *hv[2], *H[2], f[2];
        double *V = malloc(3 * n * sizeof *V), *ref = malloc(n * sizeof *ref);
        tu_rng r;
        tu_seed(&r, 7 + (uint64_t)i);
        tu_fill(&r, 3 * n, V);
        dln_loss *loss[2] = {c.full, c.fact};
        for (int p = 0; p < 2; p++) {
            g[p] = malloc(n * sizeof *g[p]), hv[p] = malloc(3 * n * sizeof *hv[p]);
            H[p] = malloc(n * n * sizeof *H[p]);
            ck_assert_ok(dln_loss_value(loss[p], c.net, &f[p]));
            ck_assert_ok(dln_loss_grad(loss[p], c.net, NULL, g[p]));
            ck_assert_ok(dln_loss_hvp_batch(loss[p], c.net, 3, V, n, hv[p], n));
            ck_assert_ok(dln_loss_hessian(loss[p], c.net, H[p], n));
            ck_assert_int_eq(loss[p]->work.fac.on, p);
        }
        double fo = orc_value(&c.p, c.theta);
        ck_assert_msg(fabs(f[1] - f[0]) <= 1e-13 * fabs(f[0]) && fabs(f[1] - fo) <= 1e-12 * fabs(fo),
                      "%s: value %.17g, full %.17g, oracle %.17g", c.desc, f[1], f[0], fo);
        double gs = nrm(n, g[0]) + 1e-300;
        ck_assert_msg(tu_relerr(n, g[1], g[0], gs) < 1e-12, "%s: gradient vs full path %g",
                      c.desc, tu_relerr(n, g[1], g[0], gs));
        for (int j = 0; j < 3; j++) {
            double cs = orc_cs_dir(&c.p, c.theta, V + j * n);
            ck_assert_msg(fabs(orc_dot(n, g[1], V + j * n) - cs) <= 1e-11 * gs * nrm(n, V + j * n),
                          "%s: <g, v> %.15g vs complex step %.15g", c.desc,
                          orc_dot(n, g[1], V + j * n), cs);
            orc_cs_hvp(&c.p, c.theta, V + j * n, ref);
            double hs = nrm(n, ref) + 1e-300;
            ck_assert_msg(tu_relerr(n, hv[1] + j * n, hv[0] + j * n, hs) < 1e-12 &&
                              tu_relerr(n, hv[1] + j * n, ref, hs) < 1e-10,
                          "%s: HVP %d vs full %g, vs complex step %g", c.desc, j,
                          tu_relerr(n, hv[1] + j * n, hv[0] + j * n, hs),
                          tu_relerr(n, hv[1] + j * n, ref, hs));
        }
        /* HVP first at fresh weights (only the back products it needs), then the gradient */
        dln_loss *fresh = NULL;
        ck_assert_ok(dln_loss_copy(&fresh, c.fact));
        dlni_factored_set_path(fresh, DLNI_PATH_FACTORED);
        double *hv2 = malloc(3 * n * sizeof *hv2), *g2 = malloc(n * sizeof *g2);
        ck_assert_ok(dln_loss_hvp_batch(fresh, c.net, 3, V, n, hv2, n));
        ck_assert_ok(dln_loss_grad(fresh, c.net, NULL, g2));
        ck_assert_msg(memcmp(hv2, hv[1], 3 * n * sizeof *hv2) == 0 &&
                          memcmp(g2, g[1], n * sizeof *g2) == 0,
                      "%s: results depend on the call order", c.desc);
        free(hv2), free(g2);
        dln_loss_free(fresh);
        double Hs = nrm(n * n, H[0]);
        ck_assert_msg(tu_relerr(n * n, H[1], H[0], Hs) < 1e-12, "%s: dense Hessian %g", c.desc,
                      tu_relerr(n * n, H[1], H[0], Hs));
        orc_matmul(n, 1, n, H[1], n, 0, V, n, 0, ref, n); /* the dense Hessian times v_1 */
        ck_assert_msg(tu_relerr(n, hv[1], ref, nrm(n, ref) + 1e-300) < 1e-12,
                      "%s: HVP vs dense Hessian %g", c.desc,
                      tu_relerr(n, hv[1], ref, nrm(n, ref) + 1e-300));
        for (int p = 0; p < 2; p++) free(g[p]), free(hv[p]), free(H[p]);
        free(V), free(ref);
        free_case(&c);
    }
}
END_TEST

/* d_0 >= DLNI_R_GEMM_BELOW: the products with R run as TRMMs (on the left,
 * on transposed r-column blocks); input and output side, depth 2 and 3. */
START_TEST(trmm_branch_matches_full)
{
    const size_t shapes[][5] = {{2, DLNI_R_GEMM_BELOW + 8, 3, DLNI_R_GEMM_BELOW + 20},
                                {3, DLNI_R_GEMM_BELOW + 30, 5, 4, DLNI_R_GEMM_BELOW + 2}};
    for (int s = 0; s < 2; s++) {
        fcase c;
        memset(&c, 0, sizeof c);
        tu_rng r;
        tu_seed(&r, 77 + (uint64_t)s);
        size_t L = c.L = shapes[s][0];
        memcpy(c.d, shapes[s] + 1, (L + 1) * sizeof *c.d);
        size_t d0 = c.d[0], dL = c.d[L], n = c.n = orc_num_params(L, c.d);
        c.m = c.p.m = d0 + 40;
        c.X = tu_padded(&r, d0, c.m, d0), c.Y = tu_padded(&r, dL, c.m, dL);
        c.p.L = L, c.p.d = c.d, c.p.w = 1.0, c.p.X = c.X, c.p.Y = c.Y, c.p.ldx = d0, c.p.ldy = dL;
        ck_assert_ok(dln_loss_create_data(&c.full, d0, dL, c.m, c.X, d0, c.Y, dL));
        ck_assert_ok(dln_loss_copy(&c.fact, c.full));
        dlni_factored_set_path(c.full, DLNI_PATH_FULL);
        dlni_factored_set_path(c.fact, DLNI_PATH_FACTORED);
        c.net = tu_net(L, c.d, 0.2, 5 + (uint64_t)s);
        c.theta = malloc(n * sizeof *c.theta);
        ck_assert_ok(dln_net_get_params(c.net, c.theta));
        double *g0 = malloc(n * sizeof *g0), *g1 = malloc(n * sizeof *g1), *v = malloc(n * sizeof *v);
        double *h0 = malloc(n * sizeof *h0), *h1 = malloc(n * sizeof *h1), f0, f1;
        tu_fill(&r, n, v);
        ck_assert_ok(dln_loss_grad(c.full, c.net, &f0, g0));
        ck_assert_ok(dln_loss_grad(c.fact, c.net, &f1, g1));
        ck_assert_ok(dln_loss_hvp(c.full, c.net, v, h0));
        ck_assert_ok(dln_loss_hvp(c.fact, c.net, v, h1));
        ck_assert(c.fact->work.fac.on && !c.full->work.fac.on);
        double cs = orc_cs_dir(&c.p, c.theta, v), gs = nrm(n, g0);
        ck_assert_msg(fabs(f1 - f0) <= 1e-13 * f0, "shape %d: value %.17g vs %.17g", s, f1, f0);
        ck_assert_msg(tu_relerr(n, g1, g0, gs) < 1e-12 &&
                          fabs(orc_dot(n, g1, v) - cs) <= 1e-11 * gs * nrm(n, v),
                      "shape %d: gradient vs full %g, <g,v> %.15g vs complex step %.15g", s,
                      tu_relerr(n, g1, g0, gs), orc_dot(n, g1, v), cs);
        ck_assert_msg(tu_relerr(n, h1, h0, nrm(n, h0)) < 1e-12, "shape %d: HVP vs full %g", s,
                      tu_relerr(n, h1, h0, nrm(n, h0)));
        free(g0), free(g1), free(v), free(h0), free(h1);
        free_case(&c);
    }
}
END_TEST

/* The path the flop model picks (derivatives.md §4a). */
static int picks_factored(size_t L, const size_t *d, int data)
{
    dln_loss *loss = NULL;
    size_t d0 = d[0], dL = d[L], m = d0 + 5;
    double *Y = calloc(dL * (data ? m : d0), sizeof *Y), *X = calloc(d0 * m, sizeof *X);
    for (size_t j = 0; j < m; j++) X[j % d0 + j * d0] = 1.0;
    if (data) ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, X, d0, Y, dL));
    else ck_assert_ok(dln_loss_create_target(&loss, dL, d0, Y, dL));
    dln_net *net = tu_net(L, d, 0.1, 1);
    double f;
    ck_assert_ok(dln_loss_value(loss, net, &f));
    int on = loss->work.fac.on;
    dln_net_free(net), dln_loss_free(loss);
    free(X), free(Y);
    return on;
}

START_TEST(flop_model_picks_the_path)
{
    const size_t b1[] = {512, 16, 512}, b2[] = {256, 32, 32, 256}, b3[] = {48, 1, 64};
    const size_t sq[] = {64, 64, 64}, mild[] = {256, 128, 256}, one[] = {512, 512};
    const size_t wide_inside[] = {256, 256, 8, 256}; /* a d^3 chain product in the full path */
    ck_assert(picks_factored(2, b1, 1));
    ck_assert(picks_factored(3, b2, 1));
    ck_assert(picks_factored(2, b3, 1));
    ck_assert(picks_factored(3, wide_inside, 0));
    ck_assert(!picks_factored(2, b1, 0)); /* target form at depth 2: both paths are r d^2 */
    ck_assert(!picks_factored(2, sq, 1));
    ck_assert(!picks_factored(2, mild, 1));
    ck_assert(!picks_factored(1, one, 1)); /* depth 1: no inner layer */
}
END_TEST

/* Long-double reference of the data term at raw data: F = 1/2 ||P X - Y||^2
 * and grad_l = A_l^T (P X - Y) X^T B_l^T (no weight decay, no mean). */
typedef struct ldref {
    long double f;
    double *g;
} ldref;

static void ld_matmul(size_t m, size_t n, size_t k, const long double *A, const long double *B,
                      long double *C) /* C = A B, all column-major with ld = rows */
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < m; i++) {
            long double s = 0;
            for (size_t t = 0; t < k; t++) s += A[i + t * m] * B[t + j * k];
            C[i + j * m] = s;
        }
}

/* W_{j:i} in long double (d_j x d_{i-1}); j = i - 1 gives the identity. */
static long double *ld_product(const fcase *c, size_t j, size_t i)
{
    const size_t *d = c->d;
    long double *P = calloc(d[i - 1] * d[i - 1], sizeof *P);
    for (size_t t = 0; t < d[i - 1]; t++) P[t + t * d[i - 1]] = 1;
    for (size_t l = i; l <= j; l++) {
        long double *W = malloc(d[l] * d[l - 1] * sizeof *W), *Q = malloc(d[l] * d[i - 1] * sizeof *Q);
        for (size_t t = 0; t < d[l] * d[l - 1]; t++) W[t] = c->theta[orc_num_params(l - 1, d) + t];
        ld_matmul(d[l], d[i - 1], d[l - 1], W, P, Q);
        free(W), free(P);
        P = Q;
    }
    return P;
}

static void ld_reference(const fcase *c, ldref *out)
{
    const size_t L = c->L, *d = c->d, d0 = d[0], dL = d[L], m = c->m;
    long double *P = ld_product(c, L, 1), *X = malloc(d0 * m * sizeof *X);
    long double *Res = malloc(dL * m * sizeof *Res), *EX = malloc(dL * d0 * sizeof *EX);
    for (size_t j = 0; j < m; j++)
        for (size_t t = 0; t < d0; t++) X[t + j * d0] = c->X[t + j * c->p.ldx];
    ld_matmul(dL, m, d0, P, X, Res);
    out->f = 0;
    for (size_t j = 0; j < m; j++)
        for (size_t t = 0; t < dL; t++) {
            Res[t + j * dL] -= c->Y[t + j * c->p.ldy];
            out->f += Res[t + j * dL] * Res[t + j * dL] / 2;
        }
    for (size_t a = 0; a < dL; a++) /* EX = Res X^T */
        for (size_t b = 0; b < d0; b++) {
            long double s = 0;
            for (size_t j = 0; j < m; j++) s += Res[a + j * dL] * X[b + j * d0];
            EX[a + b * dL] = s;
        }
    out->g = malloc(c->n * sizeof *out->g);
    for (size_t l = 1; l <= L; l++) { /* A_l^T EX B_l^T */
        long double *A = ld_product(c, L, l + 1), *B = ld_product(c, l - 1, 1);
        long double *T = malloc(d[l] * d0 * sizeof *T), *G = malloc(d[l] * d[l - 1] * sizeof *G);
        long double *At = malloc(d[l] * dL * sizeof *At), *Bt = malloc(d0 * d[l - 1] * sizeof *Bt);
        for (size_t a = 0; a < dL; a++)
            for (size_t b = 0; b < d[l]; b++) At[b + a * d[l]] = A[a + b * dL];
        for (size_t a = 0; a < d[l - 1]; a++)
            for (size_t b = 0; b < d0; b++) Bt[b + a * d0] = B[a + b * d[l - 1]];
        ld_matmul(d[l], d0, dL, At, EX, T);
        ld_matmul(d[l], d[l - 1], d0, T, Bt, G);
        for (size_t t = 0; t < d[l] * d[l - 1]; t++)
            out->g[orc_num_params(l - 1, d) + t] = (double)G[t];
        free(A), free(B), free(T), free(G), free(At), free(Bt);
    }
    free(P), free(X), free(Res), free(EX);
}

/* Near an exact fit (Y = P X + 1e-12 noise) the QR form's error is
 * eps ||G|| (prod ||W_l|| ||X|| + ||Y||), far below the Gram form's
 * eps (prod ||W_l|| ||X||)^2: both paths stay within the first bound, and
 * the test shows it is tight enough to reject the Gram form's value. */
#define TOL_C 4.0 /* measured errors are at most 0.04 of TOL_C = 1 */
START_TEST(near_exact_fit_stays_accurate)
{
    for (int i = 0; i < tu_cases(8); i++) {
        fcase c;
        memset(&c, 0, sizeof c);
        tu_rng r;
        tu_seed(&r, 5100 + (uint64_t)i);
        size_t L = c.L = 2 + (size_t)(i % 3);
        size_t lo = 8 + 4 * (size_t)(i % 2), hi = 12, rr = 1 + (size_t)(i % 3);
        c.d[0] = i % 2 ? hi : lo, c.d[L] = i % 2 ? lo : hi;
        for (size_t l = 1; l < L; l++) c.d[l] = l == 1 ? rr : rr + 2;
        const size_t d0 = c.d[0], dL = c.d[L];
        c.n = orc_num_params(L, c.d), c.m = c.p.m = 3 * d0;
        c.p.L = L, c.p.d = c.d, c.p.w = 1.0, c.p.ldx = d0, c.p.ldy = dL;
        c.net = tu_net(L, c.d, 0.9, 300 + (uint64_t)i);
        c.theta = malloc(c.n * sizeof *c.theta);
        ck_assert_ok(dln_net_get_params(c.net, c.theta));
        c.X = malloc(d0 * c.m * sizeof *c.X), c.Y = malloc(dL * c.m * sizeof *c.Y);
        tu_fill(&r, d0 * c.m, c.X);
        ck_assert_ok(dln_net_forward(c.net, c.m, c.X, d0, c.Y, dL));
        for (size_t t = 0; t < dL * c.m; t++) c.Y[t] += 1e-12 * tu_normal(&r);
        c.p.X = c.X, c.p.Y = c.Y;
        ck_assert_ok(dln_loss_create_data(&c.full, d0, dL, c.m, c.X, d0, c.Y, dL));
        ck_assert_ok(dln_loss_copy(&c.fact, c.full));
        dlni_factored_set_path(c.full, DLNI_PATH_FULL);
        dlni_factored_set_path(c.fact, DLNI_PATH_FACTORED);
        ldref ref;
        ld_reference(&c, &ref);
        /* scale of the rounding in G = A' (B' R^T) - C: A' = W_{L:2}, B' = W_1 */
        double *A = malloc(dL * c.d[1] * sizeof *A);
        orc_product(L, c.d, c.theta, L, 2, A, dL);
        double xn = orc_fro(d0, c.m, c.X, d0), yn = orc_fro(dL, c.m, c.Y, dL);
        double ab = orc_fro(dL, c.d[1], A, dL) * orc_fro(c.d[1], d0, c.theta, c.d[1]);
        double scale = ab * xn + yn, gn = sqrt(2.0 * (double)ref.f);
        double tol_f = TOL_C * DBL_EPSILON * gn * scale, tol_g = TOL_C * DBL_EPSILON * scale * xn * ab;
        free(A);
        dln_loss *loss[2] = {c.full, c.fact};
        double *g = malloc(c.n * sizeof *g);
        for (int p = 0; p < 2; p++) {
            double f;
            ck_assert_ok(dln_loss_grad(loss[p], c.net, &f, g));
            double ef = fabs(f - (double)ref.f), eg = 0.0;
            for (size_t t = 0; t < c.n; t++) eg += (g[t] - ref.g[t]) * (g[t] - ref.g[t]);
            eg = sqrt(eg);
            ck_assert_msg(ef <= tol_f && eg <= tol_g,
                          "case %d path %d: value %.6g (ref %.6Lg) error %.3g > %.3g or gradient "
                          "error %.3g > %.3g",
                          i, p, f, ref.f, ef, tol_f, eg, tol_g);
            orc_note(p ? "factored, near-exact fit: value error / tol" : "full, value error / tol",
                     ef / tol_f);
            orc_note(p ? "factored, near-exact fit: gradient error / tol" : "full, gradient error / tol",
                     eg / tol_g);
        }
        /* The Gram form 1/2 (<P^T P, X X^T> - 2 <P, Y X^T> + ||Y||^2) misses the bound. */
        double *P = malloc(dL * d0 * sizeof *P), *PX = malloc(dL * c.m * sizeof *PX);
        orc_product(L, c.d, c.theta, L, 1, P, dL);
        orc_matmul(dL, c.m, d0, P, dL, 0, c.X, d0, 0, PX, dL);
        double gram = 0.5 * (orc_dot(dL * c.m, PX, PX) - 2 * orc_dot(dL * c.m, PX, c.Y) +
                             orc_dot(dL * c.m, c.Y, c.Y));
        ck_assert_msg(fabs(gram - (double)ref.f) > tol_f,
                      "case %d: the bound does not discriminate (Gram error %.3g, tol %.3g)", i,
                      fabs(gram - (double)ref.f), tol_f);
        free(P), free(PX), free(g), free(ref.g);
        free_case(&c);
    }
}
END_TEST

/* Every allocation of the factored path's first gradient and first HVP
 * failing in turn: DLN_E_NOMEM, no leak, and the next calls succeed with the
 * right values. */
START_TEST(allocation_failures_are_nomem)
{
    const size_t d[] = {12, 2, 3, 10};
    tu_rng r;
    tu_seed(&r, 61);
    double *X = tu_padded(&r, 12, 30, 12), *Y = tu_padded(&r, 10, 30, 10);
    dln_net *net = tu_net(3, d, 0.5, 2);
    size_t n = dln_net_num_params(net);
    double *g = malloc(n * sizeof *g), *v = malloc(n * sizeof *v), *h = malloc(n * sizeof *h);
    double *h0 = malloc(n * sizeof *h0), f0, f;
    tu_fill(&r, n, v);
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 12, 10, 30, X, 12, Y, 10));
    ck_assert_ok(dln_loss_grad(loss, net, &f0, g));
    ck_assert_ok(dln_loss_hvp(loss, net, v, h0));
    ck_assert(loss->work.fac.on);
    dln_loss_free(loss);
    for (size_t k = 1;; k++) { /* the gradient's scratch, then the HVP's tangents */
        long live = ai_live(); /* no assertion until the count: Check allocates */
        loss = NULL;
        dln_status st0 = dln_loss_create_data(&loss, 12, 10, 30, X, 12, Y, 10);
        ai_arm(k);
        dln_status st = dln_loss_grad(loss, net, &f, g);
        if (st == DLN_OK) st = dln_loss_hvp(loss, net, v, h);
        int fired = ai_fired();
        ai_disarm();
        dln_status st2 = dln_loss_grad(loss, net, &f, g);
        dln_status st3 = dln_loss_hvp(loss, net, v, h);
        dln_loss_free(loss);
        long leaked = ai_live() - live;
        ck_assert_ok(st0);
        ck_assert_int_eq(st, fired ? DLN_E_NOMEM : DLN_OK);
        ck_assert_ok(st2);
        ck_assert_ok(st3);
        ck_assert(f == f0 && memcmp(h, h0, n * sizeof *h) == 0);
        ck_assert_int_eq(leaked, 0);
        if (!fired) break;
    }
    free(X), free(Y), free(g), free(v), free(h), free(h0);
    dln_net_free(net);
}
END_TEST

Suite *suite_factored(void)
{
    Suite *s = suite_create("factored");
    TCase *tc = tcase_create("factored");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, factored_matches_full_and_oracle);
    tcase_add_test(tc, trmm_branch_matches_full);
    tcase_add_test(tc, flop_model_picks_the_path);
    tcase_add_test(tc, near_exact_fit_stays_accurate);
    tcase_add_test(tc, allocation_failures_are_nomem);
    suite_add_tcase(s, tc);
    return s;
}
