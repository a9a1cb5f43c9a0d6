/* check_summary.c - the data summary of a loss (derivatives.md §2-§3):
 * value and gradient against the direct formula on the raw data, streamed
 * samples against one-shot creation, the consistency identities of the QR
 * summary, and the accuracy of the loss at the least-squares solution of an
 * ill-conditioned regression (where the normal-equation form fails). */
#include "oracle.h"
#include "testutil.h"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Raw data and the loss built from it. */
typedef struct sdata {
    size_t d0, dL, m, ldx, ldy;
    double *X, *Y;
} sdata;

static sdata make_data(tu_rng *r, size_t d0, size_t dL, size_t m)
{
    sdata s = {d0, dL, m, d0 + tu_int(r, 0, 2), dL + tu_int(r, 0, 2), NULL, NULL};
    s.X = tu_padded(r, d0, m, s.ldx);
    s.Y = tu_padded(r, dL, m, s.ldy);
    return s;
}

static void free_data(sdata *s) { free(s->X), free(s->Y); }

static orc_problem problem(const sdata *s, const size_t *d, size_t L, const double *lam, int mean)
{
    orc_problem p = {L, d, s->X, s->Y, s->m, s->ldx, s->ldy, NULL, 0,
                     mean ? 1.0 / (double)s->m : 1.0, lam};
    return p;
}

/* Sample counts around the TSQR block size (256 rows + d_0 + d_L) and below d_0. */
static const size_t sample_counts[] = {1, 2, 5, 17, 255, 300, 700};

START_TEST(value_and_gradient_match_direct_formula)
{
    double worst_f = 0.0, worst_g = 0.0;
    tu_rng r;
    tu_seed(&r, 21);
    int ncase = tu_cases(40);
    for (int i = 0; i < ncase; i++) {
        size_t L = tu_int(&r, 1, 4), d[5];
        for (size_t l = 0; l <= L; l++) d[l] = tu_int(&r, 1, 6);
        size_t m = sample_counts[i % 7];
        int mean = i % 2;
        double lam[4] = {0.1, 0.0, 0.7, 0.2};
        sdata s = make_data(&r, d[0], d[L], m);
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d[0], d[L], m, s.X, s.ldx, s.Y, s.ldy));
        ck_assert_uint_eq(dln_loss_num_samples(loss), m);
        ck_assert_ok(dln_loss_set_mean(loss, mean));
        if (i % 3 == 0) ck_assert_ok(dln_loss_set_l2(loss, L, lam));
        orc_problem p = problem(&s, d, L, i % 3 == 0 ? lam : NULL, mean);
        dln_net *net = tu_net(L, d, 0.7, (uint64_t)i);
        size_t n = dln_net_num_params(net);
        double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g), *go = malloc(n * sizeof *go);
        double f;
        ck_assert_ok(dln_net_get_params(net, th));
        ck_assert_ok(dln_loss_grad(loss, net, &f, g));
        double fo = orc_value(&p, th);
        orc_grad(&p, th, go);
        double ef = fabs(f - fo) / fo, eg = tu_relerr(n, g, go, 1e-300);
        ck_assert_msg(ef < 1e-13, "case %d (m=%zu): F = %.17g, direct %.17g", i, m, f, fo);
        ck_assert_msg(eg < 1e-13, "case %d (m=%zu): gradient rel err %g", i, m, eg);
        worst_f = orc_max(worst_f, ef), worst_g = orc_max(worst_g, eg);
        free(th), free(g), free(go);
        dln_net_free(net);
        dln_loss_free(loss);
        free_data(&s);
    }
    orc_note("summary: F vs direct 1/2||WX-Y||^2 (rel)", worst_f);
    orc_note("summary: gradient vs direct (rel)", worst_g);
}
END_TEST

/* R^T R, C R and ||C||^2 + r0 of a loss (sign-free invariants of the summary). */
typedef struct invariants {
    double *RtR, *CR, cc, r0;
} invariants;

static invariants summary_invariants(const dln_loss *loss, size_t d0, size_t dL)
{
    size_t ldr = d0 + 1, ldc = dL + 2;
    double *R = malloc(ldr * d0 * sizeof *R), *C = malloc(ldc * d0 * sizeof *C);
    for (size_t i = 0; i < ldr * d0; i++) R[i] = NAN;
    for (size_t i = 0; i < ldc * d0; i++) C[i] = NAN;
    invariants v = {malloc(d0 * d0 * sizeof(double)), malloc(dL * d0 * sizeof(double)), 0.0, 0.0};
    ck_assert_ok(dln_loss_summary(loss, R, ldr, C, ldc, &v.r0));
    for (size_t j = 0; j < d0; j++) { /* R upper triangular, padding untouched */
        ck_assert(isnan(R[d0 + j * ldr]) && isnan(C[dL + j * ldc]) && isnan(C[dL + 1 + j * ldc]));
        for (size_t i = j + 1; i < d0; i++) ck_assert(R[i + j * ldr] == 0.0);
    }
    orc_matmul(d0, d0, d0, R, ldr, 1, R, ldr, 0, v.RtR, d0);
    orc_matmul(dL, d0, d0, C, ldc, 0, R, ldr, 0, v.CR, dL);
    v.cc = orc_fro(dL, d0, C, ldc) * orc_fro(dL, d0, C, ldc);
    free(R), free(C);
    return v;
}

static void free_invariants(invariants *v) { free(v->RtR), free(v->CR); }

START_TEST(summary_consistency)
{
    double worst = 0.0;
    tu_rng r;
    tu_seed(&r, 22);
    for (int i = 0; i < tu_cases(28); i++) {
        size_t d0 = tu_int(&r, 1, 7), dL = tu_int(&r, 1, 5), m = sample_counts[i % 7];
        int mean = i % 2;
        sdata s = make_data(&r, d0, dL, m);
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, s.X, s.ldx, s.Y, s.ldy));
        ck_assert_ok(dln_loss_set_mean(loss, mean));
        ck_assert_int_eq(dln_loss_get_mean(loss), mean);
        invariants v = summary_invariants(loss, d0, dL);
        double w = mean ? 1.0 / (double)m : 1.0;
        double *Sxx = malloc(d0 * d0 * sizeof *Sxx), *Syx = malloc(dL * d0 * sizeof *Syx);
        orc_matmul(d0, d0, m, s.X, s.ldx, 0, s.X, s.ldx, 1, Sxx, d0);
        orc_matmul(dL, d0, m, s.Y, s.ldy, 0, s.X, s.ldx, 1, Syx, dL);
        for (size_t t = 0; t < d0 * d0; t++) Sxx[t] *= w;
        for (size_t t = 0; t < dL * d0; t++) Syx[t] *= w;
        double nx = orc_fro(d0, m, s.X, s.ldx), ny = orc_fro(dL, m, s.Y, s.ldy);
        double e1 = orc_maxdiff(d0 * d0, v.RtR, Sxx) / (w * nx * nx);
        double e2 = orc_maxdiff(dL * d0, v.CR, Syx) / (w * nx * ny);
        double e3 = fabs(v.cc + v.r0 - w * ny * ny) / (w * ny * ny);
        ck_assert_msg(e1 < 1e-14 && e2 < 1e-14 && e3 < 1e-14,
                      "d0=%zu dL=%zu m=%zu: R'R %g, CR %g, |C|^2+r0 %g", d0, dL, m, e1, e2, e3);
        ck_assert(v.r0 >= 0.0);
        worst = orc_max(worst, orc_max(e1, orc_max(e2, e3)));
        ck_assert_ok(dln_loss_summary(loss, NULL, 0, NULL, 0, NULL)); /* all outputs optional */
        ck_assert_int_eq(dln_loss_summary(loss, v.RtR, d0 - 1, NULL, 0, NULL), DLN_E_LD);
        free_invariants(&v);
        free(Sxx), free(Syx);
        dln_loss_free(loss);
        free_data(&s);
    }
    orc_note("summary: R'R=XX', CR=YX', |C|^2+r0=|Y|^2 (rel)", worst);
}
END_TEST

START_TEST(target_summary)
{
    tu_rng r;
    tu_seed(&r, 23);
    size_t dL = 3, d0 = 4, ld = 5;
    double *Phi = tu_padded(&r, dL, d0, ld), R[16], C[12], r0 = -1.0;
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_target(&loss, dL, d0, Phi, ld));
    ck_assert_int_eq(dln_loss_get_kind(loss), DLN_LOSS_TARGET);
    ck_assert_uint_eq(dln_loss_num_samples(loss), d0);
    ck_assert_ok(dln_loss_summary(loss, R, d0, C, dL, &r0));
    for (size_t j = 0; j < d0; j++) {
        for (size_t i = 0; i < d0; i++) ck_assert(R[i + j * d0] == (i == j ? 1.0 : 0.0));
        for (size_t i = 0; i < dL; i++) ck_assert(C[i + j * dL] == Phi[i + j * ld]);
    }
    ck_assert(r0 == 0.0);
    ck_assert_int_eq(dln_loss_set_mean(loss, 1), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_loss_add_samples(loss, 1, Phi, ld, Phi, ld), DLN_E_UNSUPPORTED);
    dln_loss_free(loss);
    free(Phi);
}
END_TEST

/* Samples added in chunks give the loss created from all of them at once. */
START_TEST(add_samples_equals_one_shot)
{
    static const size_t chunks[] = {1, 4, 300, 95, 2};
    double worst = 0.0;
    tu_rng r;
    tu_seed(&r, 24);
    for (int i = 0; i < tu_cases(10); i++) {
        size_t L = tu_int(&r, 1, 3), d[4];
        for (size_t l = 0; l <= L; l++) d[l] = tu_int(&r, 1, 6);
        size_t m = 0;
        for (size_t c = 0; c < 5; c++) m += chunks[c];
        sdata s = make_data(&r, d[0], d[L], m);
        dln_loss *one = NULL, *many = NULL;
        ck_assert_ok(dln_loss_create_data(&one, d[0], d[L], m, s.X, s.ldx, s.Y, s.ldy));
        ck_assert_ok(dln_loss_create_data(&many, d[0], d[L], chunks[0], s.X, s.ldx, s.Y, s.ldy));
        int mean = i % 2;
        ck_assert_ok(dln_loss_set_mean(many, mean)); /* before the samples: 1/m follows m */
        size_t done = chunks[0];
        for (size_t c = 1; c < 5; c++) {
            ck_assert_ok(dln_loss_add_samples(many, chunks[c], s.X + done * s.ldx, s.ldx,
                                              s.Y + done * s.ldy, s.ldy));
            done += chunks[c];
        }
        ck_assert_uint_eq(dln_loss_num_samples(many), m);
        ck_assert_ok(dln_loss_set_mean(one, mean));
        invariants a = summary_invariants(one, d[0], d[L]), b = summary_invariants(many, d[0], d[L]);
        double scale = fmax(orc_maxabs(d[0] * d[0], a.RtR), 1e-300);
        ck_assert(orc_maxdiff(d[0] * d[0], a.RtR, b.RtR) < 1e-13 * scale);
        ck_assert(tu_relerr(d[L] * d[0], b.CR, a.CR, 1e-300) < 1e-13);
        ck_assert(fabs(a.cc + a.r0 - b.cc - b.r0) < 1e-13 * (a.cc + a.r0));
        dln_net *net = tu_net(L, d, 0.8, 5 + (uint64_t)i);
        size_t n = dln_net_num_params(net);
        double *g1 = malloc(n * sizeof *g1), *g2 = malloc(n * sizeof *g2), f1, f2;
        ck_assert_ok(dln_loss_grad(one, net, &f1, g1));
        ck_assert_ok(dln_loss_grad(many, net, &f2, g2));
        double e = orc_max(fabs(f1 - f2) / f1, tu_relerr(n, g2, g1, 1e-300));
        ck_assert_msg(e < 1e-13, "case %d: chunked vs one-shot %g", i, e);
        worst = orc_max(worst, e);
        /* a rejected chunk (NaN sample) leaves the loss as it was */
        double *bad = malloc(d[0] * 3 * sizeof *bad), f3;
        tu_fill(&r, d[0] * 3, bad);
        bad[d[0] * 2] = NAN;
        ck_assert_int_eq(dln_loss_add_samples(many, 3, bad, d[0], s.Y, s.ldy), DLN_E_NONFINITE);
        ck_assert_uint_eq(dln_loss_num_samples(many), m);
        ck_assert_ok(dln_loss_value(many, net, &f3));
        ck_assert(f3 == f2);
        free(bad), free(g1), free(g2);
        free_invariants(&a), free_invariants(&b);
        dln_net_free(net);
        dln_loss_free(one), dln_loss_free(many);
        free_data(&s);
    }
    orc_note("summary: chunked TSQR vs one-shot (rel)", worst);
}
END_TEST

/* ---- accuracy at the least-squares solution -------------------------------- */

/* Error-free transformations (Ogita, Rump & Oishi 2005). */
static void two_sum(double a, double b, double *s, double *e)
{
    *s = a + b;
    double z = *s - a;
    *e = (a - (*s - z)) + (b - z);
}

/* 1/2 ||P X - Y||^2 with each residual entry from a compensated dot product
 * (as accurate as if computed in twice the working precision). */
static double accurate_half_residual(const sdata *s, const double *P)
{
    double sum = 0.0, comp = 0.0;
    for (size_t j = 0; j < s->m; j++)
        for (size_t i = 0; i < s->dL; i++) {
            double p = -s->Y[i + j * s->ldy], c = 0.0;
            for (size_t t = 0; t < s->d0; t++) {
                double a = P[i + t * s->dL], b = s->X[t + j * s->ldx], h = a * b, q;
                double err = fma(a, b, -h);
                two_sum(p, h, &p, &q);
                c += q + err;
            }
            double rij = p + c, e;
            two_sum(sum, rij * rij, &sum, &e);
            comp += e;
        }
    return 0.5 * (sum + comp);
}

/* Haar-like orthogonal k x k matrix (Q of a Gaussian matrix). */
static void orthogonal(tu_rng *r, size_t k, double *Q)
{
    double tau[16];
    tu_fill(r, k * k, Q);
    ck_assert_int_eq(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)k, (int)k, Q, (int)k, tau), 0);
    ck_assert_int_eq(LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)k, (int)k, (int)k, Q, (int)k, tau), 0);
}

/* Ill-conditioned regression (derivatives.md §3): X = Q1 diag(s) Q2 G with
 * singular values of the mixing from 1 to 1e-7, Y = A X + 1e-4 noise, A ~ 1e3. */
static sdata ill_conditioned(tu_rng *r, size_t d0, size_t dL, size_t m)
{
    sdata s = {d0, dL, m, d0, dL, malloc(d0 * m * sizeof(double)), malloc(dL * m * sizeof(double))};
    double Q1[64], Q2[64], M[64], T[64], A[64];
    double *G = malloc(d0 * m * sizeof *G);
    orthogonal(r, d0, Q1);
    orthogonal(r, d0, Q2);
    for (size_t j = 0; j < d0; j++) /* T = diag(s) Q2 */
        for (size_t i = 0; i < d0; i++) T[i + j * d0] = pow(10.0, -7.0 * (double)i / (double)(d0 - 1)) * Q2[i + j * d0];
    orc_matmul(d0, d0, d0, Q1, d0, 0, T, d0, 0, M, d0);
    tu_fill(r, d0 * m, G);
    orc_matmul(d0, m, d0, M, d0, 0, G, d0, 0, s.X, d0);
    for (size_t i = 0; i < dL * d0; i++) A[i] = 1e3 * tu_normal(r);
    orc_matmul(dL, m, d0, A, dL, 0, s.X, d0, 0, s.Y, dL);
    for (size_t i = 0; i < dL * m; i++) s.Y[i] += 1e-4 * tu_normal(r);
    free(G);
    return s;
}

/* Least-squares P (d_L x d_0) by LAPACKE_dgels on X^T P^T = Y^T; returns
 * LAPACK's 1/2 ||residual||^2 from the rows of Q^T Y^T below d_0. */
static double lapack_least_squares(const sdata *s, double *P)
{
    size_t m = s->m, d0 = s->d0, dL = s->dL;
    double *A = malloc(m * d0 * sizeof *A), *B = malloc(m * dL * sizeof *B);
    for (size_t j = 0; j < d0; j++)
        for (size_t i = 0; i < m; i++) A[i + j * m] = s->X[j + i * s->ldx];
    for (size_t j = 0; j < dL; j++)
        for (size_t i = 0; i < m; i++) B[i + j * m] = s->Y[j + i * s->ldy];
    ck_assert_int_eq(LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (int)m, (int)d0, (int)dL, A, (int)m, B, (int)m), 0);
    double rss = 0.0;
    for (size_t j = 0; j < dL; j++) {
        for (size_t i = 0; i < d0; i++) P[j + i * dL] = B[i + j * m];
        for (size_t i = d0; i < m; i++) rss += B[i + j * m] * B[i + j * m];
    }
    free(A), free(B);
    return 0.5 * rss;
}

/* 1/2 <P Sxx, P> - <P, Syx> + 1/2 syy with the statistics formed in double. */
static double normal_equation_value(const sdata *s, const double *P)
{
    size_t d0 = s->d0, dL = s->dL;
    double Sxx[64], Syx[64], PS[64];
    orc_matmul(d0, d0, s->m, s->X, s->ldx, 0, s->X, s->ldx, 1, Sxx, d0);
    orc_matmul(dL, d0, s->m, s->Y, s->ldy, 0, s->X, s->ldx, 1, Syx, dL);
    orc_matmul(dL, d0, d0, P, dL, 0, Sxx, d0, 0, PS, dL);
    double syy = orc_fro(dL, s->m, s->Y, s->ldy);
    return 0.5 * orc_dot(dL * d0, PS, P) - orc_dot(dL * d0, P, Syx) + 0.5 * syy * syy;
}

/* At the least-squares solution the loss is tiny next to ||Y||^2. Rounding
 * the data alone moves F by about eps ||Y|| / ||res|| relative (first-order
 * perturbation of the residual), so this product ("eps kappa", ~1e-9 here) is
 * the accuracy any backward-stable method can promise; the QR summary meets
 * it, while the normal-equation form misses it by many orders of magnitude.
 * The reference is F at the LAPACK solution with compensated residuals. */
START_TEST(accuracy_at_least_squares_solution)
{
    static const size_t ms[] = {100, 400, 1000};
    double worst_lib = 0.0, worst_lapack = 0.0, worst_deep = 0.0, worst_vs_lapack = 0.0;
    double best_ne = INFINITY, worst_bound = 0.0;
    tu_rng r;
    tu_seed(&r, 25);
    for (int i = 0; i < 6; i++) {
        size_t d0 = 4 + (size_t)(i % 3) * 2, dL = 2, m = ms[i % 3];
        sdata s = ill_conditioned(&r, d0, dL, m);
        double P[64];
        double f_lapack = lapack_least_squares(&s, P), f_true = accurate_half_residual(&s, P);
        double f_ne = normal_equation_value(&s, P), f, f_deep;
        double eps_kappa = DBL_EPSILON * orc_fro(dL, m, s.Y, s.ldy) / sqrt(2.0 * f_true);
        dln_loss *loss = NULL;
        ck_assert_ok(dln_loss_create_data(&loss, d0, dL, m, s.X, s.ldx, s.Y, s.ldy));
        size_t d1[2] = {d0, dL}, d3[4] = {d0, 5, 3, dL};
        dln_net *net = NULL, *deep = NULL;
        ck_assert_ok(dln_net_create(&net, 1, d1));
        ck_assert_ok(dln_net_set_layer(net, 1, P, dL, DLN_COL_MAJOR));
        ck_assert_ok(dln_loss_value(loss, net, &f));
        ck_assert_ok(dln_net_create(&deep, 3, d3)); /* W_3 W_2 W_1 = P up to rounding */
        ck_assert_ok(dln_net_init_balanced(deep, P, dL, DLN_FRAMES_RANDOM, 9));
        ck_assert_ok(dln_loss_value(loss, deep, &f_deep));
        double e_lib = fabs(f - f_true) / f_true, e_lapack = fabs(f_lapack - f_true) / f_true;
        double e_deep = fabs(f_deep - f_true) / f_true, e_ne = fabs(f_ne - f_true) / f_true;
        ck_assert_msg(e_lib < eps_kappa && e_deep < eps_kappa,
                      "m=%zu d0=%zu: F %.17g, depth 3 %.17g, exact %.17g (eps kappa %g)", m, d0, f,
                      f_deep, f_true, eps_kappa);
        ck_assert_msg(e_lapack < eps_kappa, "LAPACK residual %.17g vs exact %.17g", f_lapack, f_true);
        ck_assert_msg(e_ne > 1e3 * eps_kappa, "normal equations unexpectedly accurate (%g)", e_ne);
        worst_lib = orc_max(worst_lib, e_lib), worst_lapack = orc_max(worst_lapack, e_lapack);
        worst_deep = orc_max(worst_deep, e_deep), best_ne = fmin(best_ne, e_ne);
        worst_vs_lapack = orc_max(worst_vs_lapack, fabs(f - f_lapack) / f_lapack);
        worst_bound = orc_max(worst_bound, eps_kappa);
        dln_net_free(net), dln_net_free(deep);
        dln_loss_free(loss);
        free_data(&s);
    }
    orc_note("LS accuracy: eps ||Y||/||res|| (largest)", worst_bound);
    orc_note("LS accuracy: library F vs compensated exact", worst_lib);
    orc_note("LS accuracy: depth-3 net F vs exact", worst_deep);
    orc_note("LS accuracy: LAPACK dgels residual vs exact", worst_lapack);
    orc_note("LS accuracy: library F vs LAPACK residual", worst_vs_lapack);
    orc_note("LS accuracy: normal-equation F (best case) vs exact", best_ne);
}
END_TEST

/* Argument errors: the documented status, and outputs left untouched. */
START_TEST(loss_argument_errors)
{
    static char sentinel;
    const size_t d[3] = {3, 4, 2}, wrong[3] = {2, 4, 2};
    tu_rng r;
    tu_seed(&r, 26);
    sdata s = make_data(&r, 3, 2, 10);
    dln_loss *loss = (dln_loss *)(void *)&sentinel;
    ck_assert_int_eq(dln_loss_create_data(&loss, 3, 2, 0, s.X, s.ldx, s.Y, s.ldy), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_create_data(&loss, 0, 2, 10, s.X, s.ldx, s.Y, s.ldy), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_create_data(&loss, 3, 2, 10, s.X, 2, s.Y, s.ldy), DLN_E_LD);
    ck_assert_int_eq(dln_loss_create_data(&loss, 3, 2, 10, s.X, s.ldx, NULL, s.ldy), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_create_target(&loss, 2, 3, s.Y, 1), DLN_E_LD);
    double keep = s.X[1 + 7 * s.ldx];
    s.X[1 + 7 * s.ldx] = INFINITY;
    ck_assert_int_eq(dln_loss_create_data(&loss, 3, 2, 10, s.X, s.ldx, s.Y, s.ldy), DLN_E_NONFINITE);
    s.X[1 + 7 * s.ldx] = keep;
    ck_assert_ptr_eq(loss, (dln_loss *)(void *)&sentinel);
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 10, s.X, s.ldx, s.Y, s.ldy));
    /* options are validated when set */
    double lam[2] = {0.5, -1.0}, got[3] = {7, 7, 7};
    ck_assert_int_eq(dln_loss_set_l2(loss, 2, lam), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_set_l2_uniform(loss, NAN), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_set_mean(loss, 2), DLN_E_RANGE);
    ck_assert(strlen(dln_loss_errmsg(loss)) > 0);
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.25));
    ck_assert_ok(dln_loss_get_l2(loss, 3, got));
    ck_assert(got[0] == 0.25 && got[1] == 0.25 && got[2] == 0.25);
    lam[1] = 2.0;
    ck_assert_ok(dln_loss_set_l2(loss, 2, lam));
    ck_assert_int_eq(dln_loss_get_l2(loss, 3, got), DLN_E_DIM);
    ck_assert_ok(dln_loss_get_l2(loss, 2, got));
    ck_assert(got[0] == 0.5 && got[1] == 2.0);
    /* nets of the wrong ends or depth */
    dln_net *net = tu_net(2, d, 1.0, 1), *bad = tu_net(2, wrong, 1.0, 1), *deep = NULL;
    const size_t d3[4] = {3, 4, 4, 2};
    deep = tu_net(3, d3, 1.0, 1);
    double f = 42.0, g[20], HV[2 * 22], V[2 * 22];
    ck_assert_int_eq(dln_loss_value(loss, bad, &f), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_value(loss, deep, &f), DLN_E_DIM); /* l2 set for depth 2 */
    ck_assert_int_eq(dln_loss_value(loss, NULL, &f), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_grad(loss, net, &f, NULL), DLN_E_NULL);
    ck_assert(f == 42.0);
    /* HVP: ld too small, non-finite direction; HV untouched */
    tu_fill(&r, 44, V);
    for (size_t t = 0; t < 44; t++) HV[t] = -3.0;
    ck_assert_int_eq(dln_loss_hvp_batch(loss, net, 2, V, 19, HV, 22), DLN_E_LD);
    V[30] = NAN;
    ck_assert_int_eq(dln_loss_hvp_batch(loss, net, 2, V, 22, HV, 22), DLN_E_NONFINITE);
    ck_assert_ok(dln_loss_hvp_batch(loss, net, 0, V, 22, HV, 22));
    for (size_t t = 0; t < 44; t++) ck_assert(HV[t] == -3.0);
    ck_assert_int_eq(dln_loss_hessian(loss, net, HV, 19), DLN_E_LD);
    ck_assert_ok(dln_loss_grad(loss, net, &f, g)); /* the loss still works */
    /* the dense Hessian refuses n > DLN_HESSIAN_MAX_PARAMS */
    const size_t big[2] = {100, 100};
    dln_net *wide = NULL;
    ck_assert_ok(dln_net_create(&wide, 1, big));
    dln_loss *target = NULL;
    double *Phi = calloc(100 * 100, sizeof *Phi);
    ck_assert_ok(dln_loss_create_target(&target, 100, 100, Phi, 100));
    ck_assert_int_eq(dln_loss_hessian(target, wide, Phi, 10000), DLN_E_TOO_LARGE);
    free(Phi);
    dln_loss_free(target), dln_loss_free(loss);
    dln_net_free(net), dln_net_free(bad), dln_net_free(deep), dln_net_free(wide);
    free_data(&s);
}
END_TEST

/* ---- many samples: the fast path of the summary and its threads ------------ */

/* A loss over s by create_data on the first sample, then nthreads library
 * threads for the rest (the summary's blocks, fast path and merge). */
static dln_loss *threaded_loss(const sdata *s, size_t nthreads)
{
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, s->d0, s->dL, 1, s->X, s->ldx, s->Y, s->ldy));
    ck_assert_ok(dln_loss_set_threads(loss, nthreads));
    ck_assert_uint_eq(dln_loss_get_threads(loss), nthreads);
    ck_assert_ok(dln_loss_add_samples(loss, s->m - 1, s->X + s->ldx, s->ldx, s->Y + s->ldy, s->ldy));
    return loss;
}

/* Regression data whose features span `decades` orders of magnitude (the
 * fast path must not care: it equilibrates), Y = A X + noise. */
static sdata scaled_regression(tu_rng *r, size_t d0, size_t dL, size_t m, double decades, double noise)
{
    sdata s = {d0, dL, m, d0, dL, malloc(d0 * m * sizeof(double)), malloc(dL * m * sizeof(double))};
    double A[64];
    tu_fill(r, d0 * m, s.X);
    for (size_t j = 0; j < m; j++)
        for (size_t i = 0; i < d0; i++) s.X[i + j * d0] *= pow(10.0, -decades * (double)i / (double)d0);
    tu_fill(r, dL * d0, A);
    orc_matmul(dL, m, d0, A, dL, 0, s.X, d0, 0, s.Y, dL);
    for (size_t i = 0; i < dL * m; i++) s.Y[i] += noise * tu_normal(r);
    return s;
}

/* With many samples (dozens of blocks) and 1 to 3 library threads the loss
 * at the least-squares solution keeps the accuracy of the previous test
 * (eps ||Y|| / ||res|| against the compensated exact value) on noisy
 * regressions (the fast path), near-exact fits and ill-conditioned data (the
 * Householder path), and agrees with the direct formula at random weights. */
START_TEST(many_samples_accuracy)
{
    double worst = 0.0, worst_direct = 0.0;
    tu_rng r;
    tu_seed(&r, 27);
    for (int i = 0; i < tu_cases(9); i++) {
        size_t d0 = 2 + (size_t)i % 6, dL = 1 + (size_t)i % 3, m = tu_quick() ? 3000 : 12000;
        int kind = i % 3;
        sdata s = kind == 2 ? ill_conditioned(&r, d0, dL, m)
                            : scaled_regression(&r, d0, dL, m, 3.0, kind ? 1e-9 : 1e-2);
        double P[64], f_lapack = lapack_least_squares(&s, P), f_true = accurate_half_residual(&s, P);
        double eps_kappa = DBL_EPSILON * orc_fro(dL, m, s.Y, s.ldy) / sqrt(2.0 * f_true);
        (void)f_lapack;
        size_t d1[2] = {d0, dL};
        dln_net *net = NULL, *rnd = tu_net(1, d1, 1.0, 7 + (uint64_t)i);
        ck_assert_ok(dln_net_create(&net, 1, d1));
        ck_assert_ok(dln_net_set_layer(net, 1, P, dL, DLN_COL_MAJOR));
        double theta[64], f_direct;
        ck_assert_ok(dln_net_get_params(rnd, theta));
        orc_problem pr = problem(&s, d1, 1, NULL, 0);
        f_direct = orc_value(&pr, theta);
        for (size_t t = 1; t <= 3; t++) {
            dln_loss *loss = threaded_loss(&s, t);
            double f, g;
            ck_assert_ok(dln_loss_value(loss, net, &f));
            ck_assert_ok(dln_loss_value(loss, rnd, &g));
            double e = fabs(f - f_true) / f_true, ed = fabs(g - f_direct) / f_direct;
            ck_assert_msg(e < eps_kappa, "case %d (kind %d, %zu threads): F %.17g, exact %.17g "
                          "(eps kappa %g)", i, kind, t, f, f_true, eps_kappa);
            ck_assert_msg(ed < 1e-12, "case %d: F at random weights %.17g, direct %.17g", i, g,
                          f_direct);
            worst = orc_max(worst, e / eps_kappa), worst_direct = orc_max(worst_direct, ed);
            dln_loss_free(loss);
        }
        dln_net_free(net), dln_net_free(rnd);
        free_data(&s);
    }
    orc_note("many samples: LS error / (eps ||Y||/||res||) (largest)", worst);
    orc_note("many samples: F at random weights vs direct (rel)", worst_direct);
}
END_TEST

/* The same thread count gives the same bits; other counts agree to rounding;
 * a NaN in the range of a later thread leaves the loss as it was. */
START_TEST(threads_deterministic_and_atomic)
{
    tu_rng r;
    tu_seed(&r, 28);
    size_t d0 = 5, dL = 2, m = tu_quick() ? 8000 : 30000;
    sdata s = scaled_regression(&r, d0, dL, m, 1.0, 0.1);
    double R1[25], R2[25], C1[10], C2[10], r1, r2;
    dln_loss *a = threaded_loss(&s, 2), *b = threaded_loss(&s, 2), *one = threaded_loss(&s, 1);
    ck_assert_ok(dln_loss_summary(a, R1, d0, C1, dL, &r1));
    ck_assert_ok(dln_loss_summary(b, R2, d0, C2, dL, &r2));
    ck_assert(memcmp(R1, R2, sizeof R1) == 0 && memcmp(C1, C2, sizeof C1) == 0 && r1 == r2);
    invariants v1 = summary_invariants(one, d0, dL);
    for (size_t t = 2; t <= 4; t++) {
        dln_loss *lt = threaded_loss(&s, t);
        invariants vt = summary_invariants(lt, d0, dL);
        double scale = orc_maxabs(d0 * d0, v1.RtR);
        ck_assert(orc_maxdiff(d0 * d0, v1.RtR, vt.RtR) < 1e-13 * scale);
        ck_assert(tu_relerr(dL * d0, vt.CR, v1.CR, 1e-300) < 1e-13);
        ck_assert(fabs(v1.cc + v1.r0 - vt.cc - vt.r0) < 1e-13 * (v1.cc + v1.r0));
        ck_assert(fabs(v1.r0 - vt.r0) < 1e-12 * v1.r0);
        free_invariants(&vt);
        dln_loss_free(lt);
    }
    /* a NaN near the end (the last thread's range): nothing changes */
    dln_loss *c = NULL;
    ck_assert_ok(dln_loss_copy(&c, a));
    ck_assert_uint_eq(dln_loss_get_threads(c), 2);
    double *where[2] = {&s.Y[1 + (m - 3) * dL], &s.X[4 + (m / 2 + 700) * d0]};
    for (int k = 0; k < 4; k++) { /* NaN or Inf, in Y or X, blocks of both threads */
        double keep = *where[k % 2];
        *where[k % 2] = k < 2 ? NAN : -INFINITY;
        ck_assert_int_eq(dln_loss_add_samples(c, m, s.X, d0, s.Y, dL), DLN_E_NONFINITE);
        ck_assert(strstr(dln_loss_errmsg(c), "NaN") != NULL);
        *where[k % 2] = keep;
        ck_assert_uint_eq(dln_loss_num_samples(c), m);
        ck_assert_ok(dln_loss_summary(c, R2, d0, C2, dL, &r2));
        ck_assert(memcmp(R1, R2, sizeof R1) == 0 && memcmp(C1, C2, sizeof C1) == 0 && r1 == r2);
    }
    free_invariants(&v1);
    dln_loss_free(a), dln_loss_free(b), dln_loss_free(one), dln_loss_free(c);
    free_data(&s);
}
END_TEST

/* dln_loss_set_threads: the documented statuses; the setting survives failures. */
START_TEST(threads_argument_errors)
{
    tu_rng r;
    tu_seed(&r, 29);
    sdata s = make_data(&r, 3, 2, 10);
    dln_loss *loss = NULL, *target = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, 3, 2, 10, s.X, s.ldx, s.Y, s.ldy));
    ck_assert_uint_eq(dln_loss_get_threads(loss), 1);
    ck_assert_uint_eq(dln_loss_get_threads(NULL), 0);
    ck_assert_int_eq(dln_loss_set_threads(NULL, 2), DLN_E_NULL);
    ck_assert_ok(dln_loss_set_threads(loss, 3));
    ck_assert_int_eq(dln_loss_set_threads(loss, 0), DLN_E_RANGE);
    ck_assert(strlen(dln_loss_errmsg(loss)) > 0);
    ck_assert_int_eq(dln_loss_set_threads(loss, DLN_THREADS_MAX + 1), DLN_E_RANGE);
    ck_assert_uint_eq(dln_loss_get_threads(loss), 3);
    ck_assert_ok(dln_loss_set_threads(loss, DLN_THREADS_MAX));
    ck_assert_ok(dln_loss_create_target(&target, 2, 3, s.Y, s.ldy));
    ck_assert_int_eq(dln_loss_set_threads(target, 2), DLN_E_UNSUPPORTED);
    ck_assert_uint_eq(dln_loss_get_threads(target), 1);
    /* more threads than blocks: small calls use fewer, same result */
    ck_assert_ok(dln_loss_add_samples(loss, 10, s.X, s.ldx, s.Y, s.ldy));
    ck_assert_uint_eq(dln_loss_num_samples(loss), 20);
    dln_loss_free(loss), dln_loss_free(target);
    free_data(&s);
}
END_TEST

Suite *suite_summary(void)
{
    Suite *s = suite_create("summary");
    TCase *tc = tcase_create("summary");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, value_and_gradient_match_direct_formula);
    tcase_add_test(tc, summary_consistency);
    tcase_add_test(tc, target_summary);
    tcase_add_test(tc, add_samples_equals_one_shot);
    tcase_add_test(tc, accuracy_at_least_squares_solution);
    tcase_add_test(tc, loss_argument_errors);
    tcase_add_test(tc, many_samples_accuracy);
    tcase_add_test(tc, threads_deterministic_and_atomic);
    tcase_add_test(tc, threads_argument_errors);
    suite_add_tcase(s, tc);
    return s;
}
