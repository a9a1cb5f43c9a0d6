/* check_summary_values.c - summaries as values (suite "summary_values"):
 * a loss from (R, C, r0, m) gives them back to rounding and behaves like
 * the data loss it came from; merged summaries equal the summary of the
 * union of the samples (checked against the direct formula on the raw
 * union), for several orders and merge trees, sum and mean forms,
 * rank-deficient parts and parts with fewer samples than d_0; the chunked
 * summary with progress reports, stops and restores on errors. */
#include "oracle.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Effective summary of a loss in compact arrays. */
typedef struct summ {
    size_t d0, dL;
    double *R, *C, r0;
} summ;

static summ get_summ(const dln_loss *loss)
{
    summ s = {dln_loss_input_dim(loss), dln_loss_output_dim(loss), NULL, NULL, 0.0};
    s.R = malloc(s.d0 * s.d0 * sizeof *s.R), s.C = malloc(s.dL * s.d0 * sizeof *s.C);
    ck_assert_ok(dln_loss_summary(loss, s.R, s.d0, s.C, s.dL, &s.r0));
    return s;
}

static void free_summ(summ *s) { free(s->R), free(s->C); }

/* Largest difference of R, C, r0 relative to max(|R|, |C|) and to r0. */
static double summ_diff(const summ *a, const summ *b)
{
    size_t nr = a->d0 * a->d0, nc = a->dL * a->d0;
    double scale = orc_max(orc_maxabs(nr, a->R), orc_maxabs(nc, a->C));
    double e = orc_max(orc_maxdiff(nr, a->R, b->R), orc_maxdiff(nc, a->C, b->C)) / scale;
    return orc_max(e, a->r0 > 0 ? fabs(a->r0 - b->r0) / a->r0 : fabs(b->r0));
}

static int same_summ(const summ *a, const summ *b)
{
    return a->d0 == b->d0 && a->dL == b->dL && a->r0 == b->r0 &&
           memcmp(a->R, b->R, a->d0 * a->d0 * sizeof(double)) == 0 &&
           memcmp(a->C, b->C, a->dL * a->d0 * sizeof(double)) == 0;
}

/* Relative error of the value and gradient of loss against the direct
 * formula on the raw samples (columns 0..m-1 of X, Y) at a random net. */
static double err_vs_data(dln_loss *loss, size_t L, const size_t *d, const double *X, size_t ldx,
                          const double *Y, size_t ldy, size_t m, uint64_t seed)
{
    dln_net *net = tu_net(L, d, 0.8, seed);
    size_t n = dln_net_num_params(net);
    double *th = malloc(n * sizeof *th), *g = malloc(n * sizeof *g), *go = malloc(n * sizeof *go);
    double f;
    ck_assert_ok(dln_net_get_params(net, th));
    ck_assert_ok(dln_loss_grad(loss, net, &f, g));
    orc_problem p = {L, d, X, Y, m, ldx, ldy, NULL, 0,
                     dln_loss_get_mean(loss) ? 1.0 / (double)m : 1.0, NULL};
    double fo = orc_value(&p, th);
    orc_grad(&p, th, go);
    double e = orc_max(fabs(f - fo) / fo, tu_relerr(n, g, go, 1e-300));
    free(th), free(g), free(go);
    dln_net_free(net);
    return e;
}

START_TEST(from_summary_round_trip)
{
    tu_rng r;
    tu_seed(&r, 131);
    for (int i = 0; i < tu_cases(24); i++) {
        size_t L = tu_int(&r, 1, 3), d[4], m = tu_int(&r, 1, 40);
        for (size_t l = 0; l <= L; l++) d[l] = tu_int(&r, 1, 6);
        size_t d0 = d[0], dL = d[L];
        int mean = i % 2;
        double *X = tu_padded(&r, d0, 2 * m, d0), *Y = tu_padded(&r, dL, 2 * m, dL);
        dln_loss *data = NULL, *imp = NULL;
        ck_assert_ok(dln_loss_create_data(&data, d0, dL, m, X, d0, Y, dL));
        ck_assert_ok(dln_loss_set_mean(data, mean));
        summ a = get_summ(data);
        /* padded copies; the strict lower triangle of R is NaN and must not be read */
        size_t ldr = d0 + 2, ldc = dL + 1;
        double *R = malloc(ldr * d0 * sizeof *R), *C = malloc(ldc * d0 * sizeof *C);
        for (size_t t = 0; t < ldr * d0; t++) R[t] = NAN;
        for (size_t t = 0; t < ldc * d0; t++) C[t] = NAN;
        for (size_t j = 0; j < d0; j++) {
            for (size_t k = 0; k <= j; k++) R[k + j * ldr] = a.R[k + j * d0];
            for (size_t k = 0; k < dL; k++) C[k + j * ldc] = a.C[k + j * dL];
        }
        ck_assert_ok(dln_loss_create_summary(&imp, d0, dL, m, R, ldr, C, ldc, a.r0, mean));
        summ b = get_summ(imp);
        double back = summ_diff(&a, &b);
        ck_assert_msg(back <= 8 * DBL_EPSILON, "case %d: summary back to %g", i, back);
        ck_assert_uint_eq(dln_loss_num_samples(imp), m);
        ck_assert_int_eq(dln_loss_get_mean(imp), mean);
        ck_assert_int_eq(dln_loss_get_kind(imp), DLN_LOSS_DATA);
        /* the same loss: value and gradient equal the direct formula */
        double e = err_vs_data(imp, L, d, X, d0, Y, dL, m, 7 + (uint64_t)i);
        ck_assert_msg(e < 1e-13, "case %d: imported loss vs data %g", i, e);
        /* and it takes more samples like the data loss: all 2m samples */
        ck_assert_ok(dln_loss_add_samples(imp, m, X + m * d0, d0, Y + m * dL, dL));
        e = err_vs_data(imp, L, d, X, d0, Y, dL, 2 * m, 8 + (uint64_t)i);
        ck_assert_msg(e < 1e-13, "case %d: imported + samples vs data %g", i, e);
        /* switching the weighting keeps the loss consistent */
        ck_assert_ok(dln_loss_set_mean(imp, !mean));
        e = err_vs_data(imp, L, d, X, d0, Y, dL, 2 * m, 9 + (uint64_t)i);
        ck_assert_msg(e < 1e-13, "case %d: imported, reweighted vs data %g", i, e);
        free_summ(&a), free_summ(&b);
        free(R), free(C), free(X), free(Y);
        dln_loss_free(data), dln_loss_free(imp);
    }
}
END_TEST

/* Parts of the union: cut[k]..cut[k+1]-1 are the samples of part k. */
enum { MAXP = 6 };

static dln_loss *part(const double *X, size_t ldx, const double *Y, size_t ldy, size_t d0,
                      size_t dL, size_t lo, size_t hi, int mean)
{
    dln_loss *p = NULL;
    ck_assert_ok(dln_loss_create_data(&p, d0, dL, hi - lo, X + lo * ldx, ldx, Y + lo * ldy, ldy));
    ck_assert_ok(dln_loss_set_mean(p, mean));
    return p;
}

/* Merge the np losses of q by the tree kind: 0 left fold, 1 right fold
 * (reverse order), 2 balanced tree, 3 random pairs. Returns the one left;
 * the others are freed. */
static dln_loss *merge_tree(dln_loss **q, size_t np, int kind, tu_rng *r)
{
    while (np > 1) {
        if (kind == 2) { /* one level: q[k] = q[2k] + q[2k+1] */
            size_t k = 0;
            for (size_t j = 0; j < np; j += 2, k++) {
                if (j + 1 < np) {
                    ck_assert_ok(dln_loss_merge(q[j], q[j + 1]));
                    dln_loss_free(q[j + 1]);
                }
                q[k] = q[j];
            }
            np = k;
            continue;
        }
        size_t a = 0, b = 1;
        if (kind == 1) a = np - 1, b = np - 2;
        if (kind == 3) {
            a = tu_int(r, 0, np - 1);
            do b = tu_int(r, 0, np - 1);
            while (b == a);
        }
        ck_assert_ok(dln_loss_merge(q[a], q[b]));
        dln_loss_free(q[b]);
        q[b] = q[np - 1]; /* the last fills the gap (it may be q[a] itself) */
        np--;
    }
    return q[0];
}

START_TEST(merge_equals_union)
{
    double worst = 0.0;
    tu_rng r;
    tu_seed(&r, 132);
    for (int i = 0; i < tu_cases(48); i++) {
        size_t L = tu_int(&r, 1, 4), d[5];
        for (size_t l = 0; l <= L; l++) d[l] = tu_int(&r, 1, 7);
        size_t d0 = d[0], dL = d[L], np = tu_int(&r, 2, MAXP), cut[MAXP + 1] = {0};
        for (size_t k = 1; k <= np; k++) /* parts of 1 .. 300 samples, some below d_0 */
            cut[k] = cut[k - 1] + (k % 2 ? tu_int(&r, 1, 3) : tu_int(&r, 1, 300));
        size_t m = cut[np], ldx = d0 + 1, ldy = dL;
        double *X = tu_padded(&r, d0, m, ldx), *Y = tu_padded(&r, dL, m, ldy);
        if (i % 4 == 3 && d0 > 1) /* rank-deficient: the last feature copies the first */
            for (size_t s = 0; s < m; s++) X[d0 - 1 + s * ldx] = X[s * ldx];
        int mean = (i / 4) % 2;
        dln_loss *p[MAXP];
        for (size_t k = 0; k < np; k++) p[k] = part(X, ldx, Y, ldy, d0, dL, cut[k], cut[k + 1], mean);
        dln_loss *u = merge_tree(p, np, i % 4, &r);
        ck_assert_uint_eq(dln_loss_num_samples(u), m);
        ck_assert_int_eq(dln_loss_get_mean(u), mean);
        double e = err_vs_data(u, L, d, X, ldx, Y, ldy, m, 11 + (uint64_t)i);
        ck_assert_msg(e < 1e-13, "case %d (tree %d, %zu parts, m %zu): merged vs union %g", i,
                      i % 4, np, m, e);
        worst = orc_max(worst, e);
        dln_loss_free(u);
        free(X), free(Y);
    }
    orc_note("summary values: merged tree vs union of samples (rel)", worst);
}
END_TEST

START_TEST(merge_self_and_imported)
{
    tu_rng r;
    tu_seed(&r, 133);
    size_t d[3] = {4, 3, 2}, m = 9;
    double *X = tu_padded(&r, 4, 2 * m, 4), *Y = tu_padded(&r, 2, 2 * m, 2);
    for (size_t s = 0; s < m; s++) { /* second half repeats the first */
        memcpy(X + (m + s) * 4, X + s * 4, 4 * sizeof *X);
        memcpy(Y + (m + s) * 2, Y + s * 2, 2 * sizeof *Y);
    }
    dln_loss *a = NULL, *b = NULL;
    ck_assert_ok(dln_loss_create_data(&a, 4, 2, m, X, 4, Y, 2));
    ck_assert_ok(dln_loss_merge(a, a)); /* the samples twice */
    ck_assert_uint_eq(dln_loss_num_samples(a), 2 * m);
    ck_assert(err_vs_data(a, 2, d, X, 4, Y, 2, 2 * m, 3) < 1e-13);
    /* an imported summary merges like the data it came from */
    summ s = get_summ(a);
    ck_assert_ok(dln_loss_create_summary(&b, 4, 2, 2 * m, s.R, 4, s.C, 2, s.r0, 0));
    ck_assert_ok(dln_loss_merge(b, a));
    ck_assert_uint_eq(dln_loss_num_samples(b), 4 * m);
    dln_loss *twice = NULL; /* 4 copies of the first half = 2 copies of X */
    ck_assert_ok(dln_loss_create_data(&twice, 4, 2, 2 * m, X, 4, Y, 2));
    ck_assert_ok(dln_loss_merge(twice, twice));
    double f1, f2;
    dln_net *net = tu_net(2, d, 0.8, 5);
    ck_assert_ok(dln_loss_value(b, net, &f1));
    ck_assert_ok(dln_loss_value(twice, net, &f2));
    ck_assert_msg(fabs(f1 - f2) < 1e-13 * f2, "%.17g vs %.17g", f1, f2);
    dln_net_free(net);
    free_summ(&s);
    free(X), free(Y);
    dln_loss_free(a), dln_loss_free(b), dln_loss_free(twice);
}
END_TEST

typedef struct prog_log {
    size_t calls, last_done, stop_after;
    int bad;
} prog_log;

static int on_progress(const dln_summary_progress *p, void *user)
{
    prog_log *lg = user;
    if (p->struct_size != sizeof *p || p->samples_done <= lg->last_done ||
        p->samples_done > p->samples_total)
        lg->bad = 1;
    lg->last_done = p->samples_done;
    lg->calls++;
    return lg->stop_after && lg->calls == lg->stop_after;
}

START_TEST(progress_chunks)
{
    tu_rng r;
    tu_seed(&r, 134);
    size_t d[3] = {5, 4, 3}, d0 = 5, dL = 3, m = 1000, chunk = 97;
    double *X = tu_padded(&r, d0, m, d0 + 1), *Y = tu_padded(&r, dL, m, dL);
    size_t ldx = d0 + 1;
    dln_loss *loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, 1, X, ldx, Y, dL));
    prog_log lg = {0, 0, 0, 0};
    size_t done = 0;
    ck_assert_ok(dln_loss_add_samples_progress(loss, m - 1, X + ldx, ldx, Y + dL, dL, chunk,
                                               on_progress, &lg, &done));
    ck_assert_uint_eq(done, m - 1);
    ck_assert_uint_eq(lg.calls, (m - 1 + chunk - 1) / chunk);
    ck_assert_uint_eq(lg.last_done, m - 1);
    ck_assert(!lg.bad);
    ck_assert_uint_eq(dln_loss_num_samples(loss), m);
    ck_assert(err_vs_data(loss, 2, d, X, ldx, Y, dL, m, 1) < 1e-13);
    dln_loss_free(loss);

    /* a stop after 3 chunks keeps exactly those samples */
    loss = NULL;
    ck_assert_ok(dln_loss_create_data(&loss, d0, dL, 1, X, ldx, Y, dL));
    lg = (prog_log){0, 0, 3, 0};
    ck_assert_ok(dln_loss_add_samples_progress(loss, m - 1, X + ldx, ldx, Y + dL, dL, chunk,
                                               on_progress, &lg, &done));
    ck_assert_uint_eq(done, 3 * chunk);
    ck_assert_uint_eq(dln_loss_num_samples(loss), 1 + 3 * chunk);
    ck_assert(err_vs_data(loss, 2, d, X, ldx, Y, dL, 1 + 3 * chunk, 2) < 1e-13);

    /* a NaN in the 5th chunk: error, and the loss exactly as before the call */
    summ before = get_summ(loss);
    X[2 + (4 * chunk + 10) * ldx] = NAN;
    done = 12345;
    ck_assert_int_eq(dln_loss_add_samples_progress(loss, m, X, ldx, Y, dL, chunk, NULL, NULL, &done),
                     DLN_E_NONFINITE);
    ck_assert_uint_eq(done, 12345);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(loss), "chunk starting at sample 388"));
    summ after = get_summ(loss);
    ck_assert(same_summ(&before, &after));
    ck_assert_uint_eq(dln_loss_num_samples(loss), 1 + 3 * chunk);
    /* argument errors of the first chunk, default chunk size, one-chunk path */
    ck_assert_int_eq(dln_loss_add_samples_progress(NULL, m, X, ldx, Y, dL, 0, NULL, NULL, NULL),
                     DLN_E_NULL);
    ck_assert_int_eq(dln_loss_add_samples_progress(loss, m, NULL, ldx, Y, dL, 10, NULL, NULL, NULL),
                     DLN_E_NULL);
    ck_assert_int_eq(dln_loss_add_samples_progress(loss, m, X, 2, Y, dL, 10, NULL, NULL, NULL),
                     DLN_E_LD);
    ck_assert_int_eq(dln_loss_add_samples_progress(loss, 0, X, ldx, Y, dL, 0, NULL, NULL, NULL),
                     DLN_E_DIM);
    lg = (prog_log){0, 0, 0, 0};
    ck_assert_ok(dln_loss_add_samples_progress(loss, 10, X, ldx, Y, dL, 0, on_progress, &lg, &done));
    ck_assert_uint_eq(lg.calls, 1);
    ck_assert_uint_eq(done, 10);
    summ again = get_summ(loss);
    ck_assert(!same_summ(&before, &again));
    free_summ(&before), free_summ(&after), free_summ(&again);
    dln_loss *target = NULL;
    double phi[6] = {1, 2, 3, 4, 5, 6};
    ck_assert_ok(dln_loss_create_target(&target, 2, 3, phi, 2));
    ck_assert_int_eq(dln_loss_add_samples_progress(target, 300, X, ldx, Y, dL, 100, NULL, NULL, NULL),
                     DLN_E_UNSUPPORTED);
    dln_loss_free(target);
    dln_loss_free(loss);
    free(X), free(Y);
}
END_TEST

START_TEST(summary_value_errors)
{
    double R[9] = {1, NAN, NAN, 2, 3, NAN, 4, 5, 6}, C[6] = {1, 2, 3, 4, 5, 6};
    dln_loss *out = (dln_loss *)&R, *a = NULL, *t = NULL; /* sentinel: must stay */
    ck_assert_int_eq(dln_loss_create_summary(NULL, 3, 2, 5, R, 3, C, 2, 1.0, 0), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, NULL, 3, C, 2, 1.0, 0), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, NULL, 2, 1.0, 0), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_create_summary(&out, 0, 2, 5, R, 3, C, 2, 1.0, 0), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 0, 5, R, 3, C, 2, 1.0, 0), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 0, R, 3, C, 2, 1.0, 0), DLN_E_DIM);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 2, C, 2, 1.0, 0), DLN_E_LD);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 1, 1.0, 0), DLN_E_LD);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 2, -1.0, 0), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 2, 1.0, 2), DLN_E_RANGE);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 2, NAN, 0), DLN_E_NONFINITE);
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 2, INFINITY, 0),
                     DLN_E_NONFINITE);
    ck_assert_int_eq(dln_loss_create_summary(&out, (size_t)1 << 40, 2, 5, R, 3, C, 2, 1.0, 0),
                     DLN_E_OVERFLOW);
    R[4] = INFINITY;
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 2, 1.0, 0), DLN_E_NONFINITE);
    R[4] = 3;
    C[5] = NAN;
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 2, 1.0, 0), DLN_E_NONFINITE);
    C[5] = 6;
    /* sqrt(m) times a huge entry overflows in the mean form */
    R[8] = 1e308;
    ck_assert_int_eq(dln_loss_create_summary(&out, 3, 2, 5, R, 3, C, 2, 1.0, 1), DLN_E_NONFINITE);
    R[8] = 6;
    ck_assert_ptr_eq(out, (dln_loss *)&R);
    ck_assert_ok(dln_loss_create_summary(&a, 3, 2, 5, R, 3, C, 2, 1.0, 0)); /* NaN below: unread */

    /* merge: NULLs, target, shapes; dst unchanged */
    double phi[6] = {1, 2, 3, 4, 5, 6};
    ck_assert_ok(dln_loss_create_target(&t, 2, 3, phi, 2));
    dln_loss *b = NULL;
    double X[4] = {1, 2, 3, 4}, Y[2] = {1, 2};
    ck_assert_ok(dln_loss_create_data(&b, 2, 1, 2, X, 2, Y, 1));
    summ before = get_summ(a);
    ck_assert_int_eq(dln_loss_merge(NULL, a), DLN_E_NULL);
    ck_assert_int_eq(dln_loss_merge(a, NULL), DLN_E_NULL);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(a), "NULL"));
    ck_assert_int_eq(dln_loss_merge(a, t), DLN_E_UNSUPPORTED);
    ck_assert_int_eq(dln_loss_merge(t, a), DLN_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(t), "target"));
    ck_assert_int_eq(dln_loss_merge(a, b), DLN_E_DIM);
    ck_assert_ptr_nonnull(strstr(dln_loss_errmsg(a), "3 -> 2 and 2 -> 1"));
    summ after = get_summ(a);
    ck_assert(same_summ(&before, &after));
    ck_assert_uint_eq(dln_loss_num_samples(a), 5);
    free_summ(&before), free_summ(&after);
    dln_loss_free(a), dln_loss_free(b), dln_loss_free(t);
}
END_TEST

Suite *suite_summary_values(void)
{
    Suite *s = suite_create("summary_values");
    TCase *tc = tcase_create("summary_values");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, from_summary_round_trip);
    tcase_add_test(tc, merge_equals_union);
    tcase_add_test(tc, merge_self_and_imported);
    tcase_add_test(tc, progress_chunks);
    tcase_add_test(tc, summary_value_errors);
    suite_add_tcase(s, tc);
    return s;
}
