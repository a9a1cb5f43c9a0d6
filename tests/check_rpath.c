/* check_rpath.c - value, gradient and HVP on both sides of DLNI_R_GEMM_BELOW.
 *
 * The products with the triangular factor R of the data summary run as GEMMs
 * below that input width and as TRMMs from it on (a speed choice, see
 * src/internal.h), on the input side (d_0 <= d_L) and on the output side.
 * Both paths are checked against the direct data form of tests/oracle.c
 * (naive loops on the samples; HVP by complex step). */
#include "internal.h"
#include "oracle.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { L = 3 };

/* Data of one case: m samples scaled so that P X = O(1), and the oracle's
 * value, gradient and HVP (along v) at theta for all m of them. */
typedef struct rcase {
    size_t d[L + 1], m, n;
    double *X, *Y, *theta, *v, f0, *g0, *hv0;
    dln_net *net;
    double lam;
    int mean;
} rcase;

static rcase make_case(size_t d0, int output_side, double lam, int mean, size_t m, uint64_t seed)
{
    const size_t in[L + 1] = {d0, 3, 4, d0 + 1}, out[L + 1] = {d0, 4, 3, 2};
    rcase c = {.m = m, .lam = lam, .mean = mean};
    memcpy(c.d, output_side ? out : in, sizeof c.d);
    const size_t *d = c.d;
    tu_rng r;
    tu_seed(&r, seed);
    c.X = malloc(d0 * c.m * sizeof *c.X), c.Y = malloc(d[L] * c.m * sizeof *c.Y);
    tu_fill(&r, d0 * c.m, c.X);
    tu_fill(&r, d[L] * c.m, c.Y);
    for (size_t i = 0; i < d0 * c.m; i++) c.X[i] /= sqrt((double)d0); /* P X = O(1) */
    const double lams[L] = {lam, lam, lam};
    orc_problem p = {.L = L, .d = d, .X = c.X, .Y = c.Y, .m = c.m, .ldx = d0, .ldy = d[L],
                     .w = mean ? 1.0 / (double)c.m : 1.0, .lam = lams};
    c.net = tu_net(L, d, 0.7, seed + 1);
    c.n = dln_net_num_params(c.net);
    c.theta = malloc(c.n * sizeof *c.theta), c.v = malloc(c.n * sizeof *c.v);
    c.g0 = malloc(c.n * sizeof *c.g0), c.hv0 = malloc(c.n * sizeof *c.hv0);
    ck_assert_ok(dln_net_get_params(c.net, c.theta));
    tu_fill(&r, c.n, c.v);
    c.f0 = orc_value(&p, c.theta);
    orc_grad(&p, c.theta, c.g0);
    orc_cs_hvp(&p, c.theta, c.v, c.hv0);
    return c;
}

static void free_case(rcase *c)
{
    free(c->X), free(c->Y), free(c->theta), free(c->v), free(c->g0), free(c->hv0);
    dln_net_free(c->net);
}

/* A loss on samples first..last-1 of the case, with its options. */
static dln_loss *case_loss(const rcase *c, size_t first, size_t last)
{
    const size_t d0 = c->d[0], dL = c->d[L];
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, last - first, c->X + first * d0, d0,
                                      c->Y + first * dL, dL));
    ck_assert_ok(dln_loss_set_mean(loss, c->mean));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, c->lam));
    return loss;
}

/* The loss (on all samples of the case) against the oracle on the full and
 * the factored path: the HVP first (it forms the chains), then the
 * gradient, then the HVP again on the chains of the gradient call. */
static void expect_oracle(dln_loss *loss, const rcase *c)
{
    size_t n = c->n;
    double *hv = malloc(n * sizeof *hv), *g = malloc(n * sizeof *g), f;
    for (int path = DLNI_PATH_FULL; path <= DLNI_PATH_FACTORED; path++) {
        dlni_factored_set_path(loss, (dlni_path)path);
        ck_assert_ok(dln_loss_hvp(loss, c->net, c->v, hv));
        ck_assert_double_le(tu_relerr(n, hv, c->hv0, 1e-300), 1e-10);
        ck_assert_ok(dln_loss_grad(loss, c->net, &f, g));
        ck_assert_double_le(fabs(f - c->f0), 1e-12 * c->f0);
        ck_assert_double_le(tu_relerr(n, g, c->g0, 1e-300), 1e-12);
        ck_assert_ok(dln_loss_hvp(loss, c->net, c->v, hv));
        ck_assert_double_le(tu_relerr(n, hv, c->hv0, 1e-300), 1e-10);
    }
    dlni_factored_set_path(loss, DLNI_PATH_AUTO);
    free(hv), free(g);
}

static void check_case(size_t d0, int output_side, double lam, int mean, uint64_t seed)
{
    rcase c = make_case(d0, output_side, lam, mean, d0 + 9, seed);
    dln_loss *loss = case_loss(&c, 0, c.m);
    expect_oracle(loss, &c);
    dln_loss_free(loss);
    free_case(&c);
}

START_TEST(both_paths)
{
    /* _i: bit 0 = output side, bit 1 = TRMM path (d_0 = DLNI_R_GEMM_BELOW), bit 2 = lam */
    size_t d0 = DLNI_R_GEMM_BELOW - ((_i & 2) ? 0 : 1);
    check_case(d0, _i & 1, (_i & 4) ? 0.25 : 0.0, 0, 40 + (uint64_t)_i);
}
END_TEST

/* The mean form: the loss keeps R in the sum form and applies sqrt(1/m) as
 * the products' scale (src/internal.h, dlni_summ). */
START_TEST(both_paths_mean)
{
    size_t d0 = DLNI_R_GEMM_BELOW - ((_i & 2) ? 0 : 1);
    check_case(d0, _i & 1, 0.25, 1, 50 + (uint64_t)_i);
}
END_TEST

/* The summary updated after a gradient: the loss holds the factor as its
 * blocks R, C, T in the sum form (src/internal.h), which the samples' QR
 * update, the merge and the summary file convert to and from the square
 * factor (tests in both forms and on both paths). Each half of the samples
 * has 3 (d_0 + d_L), so that the first half's factor is well conditioned
 * and the update by the second half takes the summary's fast path (a TRMM
 * by the whole factor). */
START_TEST(summary_updates_after_a_gradient)
{
    size_t d0 = DLNI_R_GEMM_BELOW - ((_i & 2) ? 0 : 1);
    rcase c = make_case(d0, 0, 0.25, _i & 1, 6 * (2 * d0 + 1), 60 + (uint64_t)_i);
    size_t half = c.m / 2, n = c.n;
    double *g = malloc(n * sizeof *g), *g2 = malloc(n * sizeof *g2), f, f2;
    /* add_samples after a gradient on the first half */
    dln_loss *a = case_loss(&c, 0, half);
    ck_assert_ok(dln_loss_grad(a, c.net, NULL, g));
    size_t d0c = c.d[0], dL = c.d[L];
    ck_assert_ok(dln_loss_add_samples(a, c.m - half, c.X + half * d0c, d0c, c.Y + half * dL, dL));
    expect_oracle(a, &c);
    /* merge after a gradient on each part */
    dln_loss *b = case_loss(&c, 0, half), *rest = case_loss(&c, half, c.m);
    ck_assert_ok(dln_loss_grad(b, c.net, NULL, g2));
    ck_assert_ok(dln_loss_grad(rest, c.net, NULL, g2));
    ck_assert_ok(dln_loss_merge(b, rest));
    expect_oracle(b, &c);
    /* the file after a gradient: the bytes of a loss that had none, and a
     * loaded loss gives the same results bit for bit */
    size_t size = dln_loss_encoded_size(a);
    unsigned char *buf = malloc(size), *fresh = malloc(size);
    ck_assert_ok(dln_loss_encode(a, buf, size));
    dln_loss *cold = case_loss(&c, 0, half);
    ck_assert_ok(dln_loss_add_samples(cold, c.m - half, c.X + half * d0c, d0c, c.Y + half * dL, dL));
    ck_assert_ok(dln_loss_encode(cold, fresh, size));
    ck_assert(memcmp(buf, fresh, size) == 0);
    dln_loss *back = NULL;
    ck_assert_ok(dln_loss_decode(&back, buf, size, NULL, 0));
    ck_assert_ok(dln_loss_set_l2_uniform(back, c.lam));
    ck_assert_int_eq(dln_loss_get_mean(back), c.mean);
    ck_assert_ok(dln_loss_grad(a, c.net, &f, g));
    ck_assert_ok(dln_loss_grad(back, c.net, &f2, g2));
    ck_assert(f == f2 && memcmp(g, g2, n * sizeof *g) == 0);
    free(g), free(g2), free(buf), free(fresh);
    dln_loss_free(a), dln_loss_free(b), dln_loss_free(rest), dln_loss_free(cold);
    dln_loss_free(back);
    free_case(&c);
}
END_TEST

Suite *suite_rpath(void)
{
    Suite *s = suite_create("rpath");
    TCase *tc = tcase_create("gemm_and_trmm_paths");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, both_paths, 0, tu_quick() ? 4 : 8);
    tcase_add_loop_test(tc, both_paths_mean, 0, 4);
    tcase_add_loop_test(tc, summary_updates_after_a_gradient, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}
