/* check_spectrum_trace.c - exact trace and diagonal, the Hutchinson
 * estimate, and per-layer spectra against the dense Hessian. */
#include "spectrum_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#define NCASES 36

START_TEST(exact_trace_and_diagonal)
{
    for (size_t i = 0; i < (size_t)tu_cases(NCASES); i++) {
        su_case c = su_make(i, 4);
        size_t n = c.n, L = c.L;
        double *H = su_hessian(&c), *diag = malloc(n * sizeof *diag), lt[8], tr = NAN;
        ck_assert_ok(dln_loss_hessian_trace(c.loss, c.net, &tr, lt, diag));
        double scale = 0.0, ref = 0.0;
        for (size_t k = 0; k < n; k++) scale = fmax(scale, fabs(H[k + k * n]));
        for (size_t k = 0; k < n; k++)
            ck_assert_msg(fabs(diag[k] - H[k + k * n]) <= 1e-12 * (scale + 1.0),
                          "%s: diag[%zu] = %.17g, dense %.17g", c.desc, k, diag[k], H[k + k * n]);
        for (size_t l = 1; l <= L; l++) {
            size_t o = dln_net_layer_offset(c.net, l), e = l < L ? dln_net_layer_offset(c.net, l + 1) : n;
            double s = 0.0;
            for (size_t k = o; k < e; k++) s += H[k + k * n];
            ck_assert_msg(fabs(lt[l - 1] - s) <= 1e-12 * (fabs(s) + n * scale + 1.0),
                          "%s: layer %zu trace %.17g, dense %.17g", c.desc, l, lt[l - 1], s);
            ref += s;
        }
        ck_assert_msg(fabs(tr - ref) <= 1e-12 * (fabs(ref) + n * scale + 1.0), "%s: trace %.17g vs %.17g",
                      c.desc, tr, ref);
        /* every output is optional */
        double tr2 = NAN;
        ck_assert_ok(dln_loss_hessian_trace(c.loss, c.net, &tr2, NULL, NULL));
        ck_assert(tr2 == tr);
        free(H), free(diag);
        su_free(&c);
    }
}
END_TEST

/* The estimate is unbiased with variance 2 (||H||_F^2 - sum H_ii^2) / probes:
 * check that it covers the exact trace and that its standard error matches
 * the exact one. */
START_TEST(hutchinson_covers_exact)
{
    size_t worst_z = 0;
    double zmax = 0.0;
    for (size_t i = 0; i < (size_t)tu_cases(24); i++) {
        su_case c = su_make(i, 4);
        size_t n = c.n, p = 400;
        double *H = su_hessian(&c), fro = 0.0, dsq = 0.0, tr = 0.0, est, se;
        for (size_t k = 0; k < n * n; k++) fro += H[k] * H[k];
        for (size_t k = 0; k < n; k++) dsq += H[k + k * n] * H[k + k * n];
        ck_assert_ok(dln_loss_hessian_trace(c.loss, c.net, &tr, NULL, NULL));
        ck_assert_ok(dln_loss_hessian_trace_estimate(c.loss, c.net, p, 42 + i, &est, &se));
        double se_true = sqrt(2.0 * (fro - dsq) / (double)p), slack = 1e-10 * (fabs(tr) + 1.0);
        double z = fabs(est - tr) / (se_true + slack);
        if (z > zmax) zmax = z, worst_z = i;
        ck_assert_msg(fabs(est - tr) <= 5.0 * se_true + slack, "%s: estimate %g, exact %g, se %g",
                      c.desc, est, tr, se_true);
        if (se_true > slack) /* the reported error estimates the true one */
            ck_assert_msg(se > 0.6 * se_true && se < 1.6 * se_true, "%s: se %g, exact %g", c.desc,
                          se, se_true);
        double est2, se2;
        ck_assert_ok(dln_loss_hessian_trace_estimate(c.loss, c.net, p, 42 + i, &est2, &se2));
        ck_assert(est2 == est && se2 == se); /* same seed, same bits */
        free(H);
        su_free(&c);
    }
    ck_assert_msg(zmax < 5.0, "worst z-score %g (case %zu)", zmax, worst_z);
}
END_TEST

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

START_TEST(layer_spectra_vs_dense_blocks)
{
    for (size_t i = 0; i < (size_t)tu_cases(NCASES); i++) {
        su_case c = su_make(i, 4);
        size_t n = c.n, L = c.L;
        double *H = su_hessian(&c), *w = malloc(n * sizeof *w), ev[4];
        double hn = 0.0;
        for (size_t k = 0; k < n * n; k++) hn = fmax(hn, fabs(H[k]));
        for (size_t first = 1; first <= L; first++)
            for (size_t last = first; last <= L && last <= first + 2; last++) {
                size_t o = dln_net_layer_offset(c.net, first);
                size_t e = last < L ? dln_net_layer_offset(c.net, last + 1) : n, m = e - o;
                size_t k = m < 3 ? m : 3;
                su_block_eigs(H, n, o, m, w);
                for (int which = 0; which < 2; which++) {
                    dln_eig_report rep;
                    memset(&rep, 0, sizeof rep);
                    rep.struct_size = sizeof rep;
                    ck_assert_ok(dln_loss_layer_eigs(c.loss, c.net, first, last, (dln_eig_which)which, k,
                                                     0, 0, 3, ev, &rep));
                    if (which) qsort(w, m, sizeof *w, cmp_desc);
                    for (size_t j = 0; j < k; j++)
                        ck_assert_msg(fabs(ev[j] - w[j]) <= 1e-9 * (hn * n + 1.0),
                                      "%s: layers %zu..%zu which %d: %.17g vs %.17g", c.desc,
                                      first, last, which, ev[j], w[j]);
                    ck_assert_int_eq(rep.converged, 1);
                    if (first == last) ck_assert_int_eq((int)rep.hvps, 0);
                }
            }
        free(H), free(w);
        su_free(&c);
    }
}
END_TEST

/* A group of layers above the dense threshold runs block Lanczos. */
START_TEST(layer_group_iterative)
{
    size_t d[4] = {9, 12, 12, 10};
    dln_net *net = tu_net(3, d, 0.7, 5);
    double Phi[90];
    tu_rng r;
    tu_seed(&r, 3);
    tu_fill(&r, 90, Phi);
    dln_loss *loss;
    ck_assert_ok(dln_loss_create_target(&loss, 10, 9, Phi, 10));
    ck_assert_ok(dln_loss_set_l2_uniform(loss, 0.1));
    size_t n = dln_net_num_params(net), o = dln_net_layer_offset(net, 2), m = n - o;
    ck_assert_uint_gt(m, 256);
    double *H = malloc(n * n * sizeof *H), *w = malloc(m * sizeof *w), ev[2];
    ck_assert_ok(dln_loss_hessian(loss, net, H, n));
    su_block_eigs(H, n, o, m, w);
    dln_eig_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    ck_assert_ok(dln_loss_layer_eigs(loss, net, 2, 3, DLN_EIG_SMALLEST, 2, 1e-10, 0, 1, ev, &rep));
    ck_assert_int_eq(rep.dense, 0);
    double hn = fmax(fabs(w[0]), fabs(w[m - 1]));
    ck_assert(fabs(ev[0] - w[0]) <= 1e-8 * hn && fabs(ev[1] - w[1]) <= 1e-8 * hn);
    ck_assert_ok(dln_loss_layer_eigs(loss, net, 2, 3, DLN_EIG_LARGEST, 1, 1e-10, 0, 1, ev, &rep));
    ck_assert(fabs(ev[0] - w[m - 1]) <= 1e-8 * hn);
    free(H), free(w);
    dln_loss_free(loss), dln_net_free(net);
}
END_TEST

START_TEST(bad_input)
{
    su_case c = su_make(7, 3);
    size_t d[3] = {c.d[0] + 1, 2, c.d[c.L]};
    dln_net *other = tu_net(2, d, 1.0, 1);
    double tr = -7, lt[8], est = -7, se = -7, ev[2] = {-7, -7};
    ck_assert_int_eq(dln_loss_hessian_trace(NULL, c.net, &tr, lt, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_trace(c.loss, NULL, &tr, lt, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_trace(c.loss, c.net, NULL, NULL, NULL), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_trace(c.loss, other, &tr, NULL, NULL), DLN_E_DIM);
    ck_assert(tr == -7);
    ck_assert_int_eq(dln_loss_hessian_trace_estimate(c.loss, c.net, 1, 1, &est, &se), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_hessian_trace_estimate(c.loss, c.net, 10, 1, NULL, &se), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_trace_estimate(NULL, c.net, 10, 1, &est, &se), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_hessian_trace_estimate(c.loss, other, 10, 1, &est, &se), DLN_E_DIM);
    ck_assert(est == -7 && se == -7);
    ck_assert_ok(dln_loss_hessian_trace_estimate(c.loss, c.net, 10, 1, &est, NULL));
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 0, 1, DLN_EIG_SMALLEST, 1, 0, 0, 1, ev, NULL),
                     DLN_E_DIM);
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 2, 1, DLN_EIG_SMALLEST, 1, 0, 0, 1, ev, NULL),
                     DLN_E_DIM);
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 1, c.L + 1, DLN_EIG_SMALLEST, 1, 0, 0, 1, ev,
                                         NULL), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 1, 1, DLN_EIG_SMALLEST, c.n + 1, 0, 0, 1, ev,
                                         NULL), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 1, 1, (dln_eig_which)5, 1, 0, 0, 1, ev, NULL),
                     DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 1, 1, DLN_EIG_SMALLEST, 1, 2.0, 0, 1, ev, NULL),
                     DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 1, 1, DLN_EIG_SMALLEST, 1, 0, 0, 1, NULL, NULL),
                     DLN_E_NULL);
    dln_eig_report small = {1, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, c.net, 1, 1, DLN_EIG_SMALLEST, 1, 0, 0, 1, ev, &small),
                     DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_layer_eigs(c.loss, other, 1, 1, DLN_EIG_SMALLEST, 1, 0, 0, 1, ev, NULL),
                     DLN_E_DIM);
    ck_assert(ev[0] == -7 && ev[1] == -7);
    ck_assert_ptr_nonnull(dln_loss_errmsg(c.loss));
    dln_net_free(other);
    su_free(&c);
}
END_TEST

/* Finite weights whose products overflow: DLN_E_NONFINITE, trace not written. */
START_TEST(overflow_is_reported)
{
    size_t d[4] = {2, 2, 2, 2};
    dln_net *net = tu_net(3, d, 1e110, 4);
    double Phi[4] = {1, 0, 0, 1}, tr = -7, lt[3] = {-7, -7, -7}, est = -7;
    dln_loss *loss;
    ck_assert_ok(dln_loss_create_target(&loss, 2, 2, Phi, 2));
    ck_assert_int_eq(dln_loss_hessian_trace(loss, net, &tr, lt, NULL), DLN_E_NONFINITE);
    ck_assert(tr == -7 && lt[0] == -7);
    ck_assert_int_eq(dln_loss_hessian_trace_estimate(loss, net, 4, 1, &est, NULL), DLN_E_NONFINITE);
    ck_assert(est == -7);
    dln_loss_free(loss), dln_net_free(net);
}
END_TEST

/* The new functions on copies of a loss in two threads, sharing a const net,
 * give the bits of a sequential call (the seeds are explicit). */
typedef struct spec_job {
    dln_loss *loss;
    const dln_net *net;
    double out[64];
    dln_status st;
} spec_job;

static int run_spec_job(void *arg)
{
    spec_job *j = arg;
    double *o = j->out;
    dln_rate_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    j->st = dln_loss_hessian_trace(j->loss, j->net, o, NULL, NULL);
    if (!j->st) j->st = dln_loss_hessian_trace_estimate(j->loss, j->net, 20, 3, o + 1, o + 2);
    if (!j->st) j->st = dln_loss_hessian_density(j->loss, j->net, 3, 5, 4, o + 3, o + 18, 0, 0, NULL, NULL);
    if (!j->st) j->st = dln_loss_layer_eigs(j->loss, j->net, 1, 2, DLN_EIG_LARGEST, 2, 0, 0, 5, o + 33, NULL);
    if (!j->st)
        j->st = dln_loss_hessian_eigs_deflated(j->loss, j->net, DLN_EIG_SMALLEST, 2, 0, 0, 6,
                                               DLN_EIG_FORCE_ITERATIVE, o + 35, NULL, 0, NULL, NULL);
    if (!j->st) j->st = dln_loss_gd_rate(j->loss, j->net, 0.0, 0, 0, 7, 0, &rep);
    o[37] = rep.rho;
    return 0;
}

START_TEST(loss_copies_in_threads)
{
    su_case c = su_make(15, 4); /* L = 4, regularized */
    ck_assert_uint_ge(c.L, 2);
    spec_job seq = {c.loss, c.net, {0}, DLN_OK}, job[2];
    run_spec_job(&seq);
    ck_assert_ok(seq.st);
    thrd_t t[2];
    for (int i = 0; i < 2; i++) {
        job[i] = seq;
        for (int k = 0; k < 64; k++) job[i].out[k] = NAN;
        ck_assert_ok(dln_loss_copy(&job[i].loss, c.loss));
        ck_assert_int_eq(thrd_create(&t[i], run_spec_job, &job[i]), thrd_success);
    }
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(thrd_join(t[i], NULL), thrd_success);
        ck_assert_ok(job[i].st);
        ck_assert_msg(memcmp(job[i].out, seq.out, 38 * sizeof(double)) == 0, "thread %d differs", i);
        dln_loss_free(job[i].loss);
    }
    su_free(&c);
}
END_TEST

Suite *suite_spectrum_trace(void)
{
    Suite *s = suite_create("spectrum_trace");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, exact_trace_and_diagonal);
    tcase_add_test(tc, hutchinson_covers_exact);
    tcase_add_test(tc, layer_spectra_vs_dense_blocks);
    tcase_add_test(tc, layer_group_iterative);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, overflow_is_reported);
    tcase_add_test(tc, loss_copies_in_threads);
    suite_add_tcase(s, tc);
    return s;
}
