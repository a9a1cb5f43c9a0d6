/* check_report.c - the report contract (dlnet.h, "Report structs"), for every
 * function that fills a report: a caller whose struct_size is that of the
 * first version, or of a later version with more fields, succeeds and gets
 * exactly the fields that fit; bytes past them are never written; a size
 * below the first version is DLN_E_RANGE and the struct is left alone. A later
 * version is simulated by a test-only struct with an extra trailing field. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 0xA5 /* fill byte of the caller's struct and of what lies past it */
#define SLACK 32   /* bytes after the largest struct_size tried */

/* Problems every report is computed on; built once per test. */
typedef struct fixture {
    dln_loss *reg, *unreg;  /* target diag(3, 1.9) with lam = 1 / diag(3, 2) unregularized */
    dln_net *net, *wstar;   /* 2-2-2-2 net near the regularized problem's fit; 2-2-2 minimizer */
    dln_net *near;          /* 2-2-2 net near wstar */
    dln_landscape *ls;
    dln_opt *opt, *esc;     /* a finished GD run; an escape run from a strict saddle */
    int pattern[2];
} fixture;

static fixture fx;

static void setup(void)
{
    const double phi_reg[4] = {3, 0, 0, 1.9}, phi[4] = {3, 0, 0, 2};
    const size_t w3[4] = {2, 2, 2, 2}, w2[3] = {2, 2, 2};
    ck_assert_ok(dln_loss_create_target(&fx.reg, 2, 2, phi_reg, 2));
    ck_assert_ok(dln_loss_set_l2_uniform(fx.reg, 1.0));
    ck_assert_ok(dln_loss_create_target(&fx.unreg, 2, 2, phi, 2));
    fx.net = tu_net(3, w3, 1.0, 1);
    ck_assert_ok(dln_landscape_create(&fx.ls, fx.reg, 3, w3));
    ck_assert_ok(dln_landscape_orbit(fx.ls, 0, fx.pattern));
    ck_assert_ok(dln_net_create(&fx.wstar, 2, w2));
    const double s[4] = {sqrt(3.0), 0, 0, sqrt(2.0)};
    for (size_t l = 1; l <= 2; l++) ck_assert_ok(dln_net_set_layer(fx.wstar, l, s, 2, DLN_COL_MAJOR));
    ck_assert_ok(dln_net_copy(&fx.near, fx.wstar));
    const double e[4] = {1.8, 0.01, -0.02, 1.4};
    ck_assert_ok(dln_net_set_layer(fx.near, 1, e, 2, DLN_COL_MAJOR));
    /* a finished run, and escapes from the strict saddle W = 0 (L = 2) */
    ck_assert_ok(dln_opt_create(&fx.opt, DLN_OPT_GD));
    ck_assert_ok(dln_opt_set_max_iter(fx.opt, 20));
    dln_net *x = tu_net(3, w3, 1.0, 2);
    ck_assert_ok(dln_opt_run(fx.opt, fx.reg, x, NULL));
    dln_net_free(x);
    ck_assert_ok(dln_opt_create(&fx.esc, DLN_OPT_LBFGS_ESCAPE));
    ck_assert_ok(dln_net_create(&x, 2, w2));
    ck_assert_ok(dln_opt_run(fx.esc, fx.unreg, x, NULL));
    dln_net_free(x);
}

static void teardown(void)
{
    dln_opt_free(fx.opt), dln_opt_free(fx.esc);
    dln_landscape_free(fx.ls);
    dln_net_free(fx.net), dln_net_free(fx.wstar), dln_net_free(fx.near);
    dln_loss_free(fx.reg), dln_loss_free(fx.unreg);
    memset(&fx, 0, sizeof fx);
}

/* One function that fills a report, called on the fixture. */
typedef struct entry {
    const char *name;
    size_t v1, full; /* size of the first version, sizeof in this header */
    dln_status (*call)(void *report);
} entry;

static dln_status eigs(void *r)
{
    double ev[2];
    return dln_loss_hessian_eigs(fx.reg, fx.net, DLN_EIG_LARGEST, 2, 0.0, 0, 7, ev, NULL, 0, r);
}
static dln_status info(void *r) { return dln_landscape_get_info(fx.ls, r); }
static dln_status roots(void *r) { return dln_landscape_roots(fx.ls, 1, r); }
static dln_status croots(void *r) { return dln_critical_roots(3, 1.0, 1.9, 0.0, r); }
static dln_status pinfo(void *r) { return dln_landscape_pattern_info(fx.ls, fx.pattern, r); }
static dln_status classify(void *r)
{
    return dln_landscape_classify(fx.ls, fx.net, DLN_METHOD_BOTH, r, NULL, NULL);
}
static dln_status distance(void *r) { return dln_landscape_distance(fx.ls, fx.net, r, NULL, NULL); }
static dln_status rate(void *r) { return dln_landscape_rate(fx.ls, fx.pattern, 0.1, r); }
static dln_status opt_report(void *r) { return dln_opt_get_report(fx.opt, r); }
static dln_status escape(void *r) { return dln_opt_get_escape_info(fx.esc, 0, r); }
static dln_status dominance(void *r) { return dln_loss_gradient_dominance(fx.unreg, fx.near, 0.0, r); }
static dln_status zhou_liang(void *r) { return dln_loss_zhou_liang(fx.unreg, fx.near, fx.wstar, 0.0, r); }
static dln_status arora(void *r) { return dln_loss_arora(fx.unreg, fx.near, 0.0, 1e-6, r); }

#define E(fn, T, V1) {#fn, V1, sizeof(T), fn}
static const entry entries[] = {
    E(eigs, dln_eig_report, DLN_EIG_REPORT_V1_SIZE),
    E(info, dln_landscape_info, DLN_LANDSCAPE_INFO_V1_SIZE),
    E(roots, dln_root_info, DLN_ROOT_INFO_V1_SIZE),
    E(croots, dln_root_info, DLN_ROOT_INFO_V1_SIZE),
    E(pinfo, dln_orbit_info, DLN_ORBIT_INFO_V1_SIZE),
    E(classify, dln_class_report, DLN_CLASS_REPORT_V1_SIZE),
    E(distance, dln_dist_report, DLN_DIST_REPORT_V1_SIZE),
    E(rate, dln_rate_report, DLN_RATE_REPORT_V1_SIZE),
    E(opt_report, dln_opt_report, DLN_OPT_REPORT_V1_SIZE),
    E(escape, dln_escape_info, DLN_ESCAPE_INFO_V1_SIZE),
    E(dominance, dln_dominance_report, DLN_DOMINANCE_REPORT_V1_SIZE),
    E(zhou_liang, dln_zhou_liang_report, DLN_ZHOU_LIANG_REPORT_V1_SIZE),
    E(arora, dln_arora_report, DLN_ARORA_REPORT_V1_SIZE),
};
#define NENTRIES (sizeof entries / sizeof *entries)

/* A caller's buffer of cap bytes filled with GUARD, struct_size = size. */
static unsigned char *caller(size_t cap, size_t size)
{
    unsigned char *b = malloc(cap);
    ck_assert_ptr_nonnull(b);
    memset(b, GUARD, cap);
    memcpy(b, &size, sizeof size);
    return b;
}

static size_t first_unguarded(const unsigned char *b, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (b[i] != GUARD) return i;
    return to;
}

/* The full report of this version, as a caller of this header gets it. */
static unsigned char *reference(const entry *e)
{
    unsigned char *ref = caller(e->full + SLACK, e->full);
    ck_assert_msg(e->call(ref) == DLN_OK, "%s: reference call failed", e->name);
    ck_assert_uint_eq(first_unguarded(ref, e->full, e->full + SLACK), e->full + SLACK);
    return ref;
}

/* A caller of struct_size `size` (>= v1) gets the first min(size, full)
 * bytes of the reference and nothing past them is written. */
static void accepted(const entry *e, const unsigned char *ref, size_t size)
{
    size_t cap = size + SLACK, known = size < e->full ? size : e->full;
    unsigned char *b = caller(cap, size);
    ck_assert_msg(e->call(b) == DLN_OK, "%s: struct_size %zu refused", e->name, size);
    size_t got;
    memcpy(&got, b, sizeof got);
    ck_assert_msg(got == size, "%s: struct_size changed to %zu", e->name, got);
    ck_assert_msg(memcmp(b + sizeof got, ref + sizeof got, known - sizeof got) == 0,
                  "%s: the known fields differ from the full report (struct_size %zu)", e->name, size);
    size_t w = first_unguarded(b, known, cap);
    ck_assert_msg(w == cap, "%s: byte %zu written past the %zu known bytes (struct_size %zu)",
                  e->name, w, known, size);
    free(b);
}

START_TEST(first_version_size)
{
    const entry *e = &entries[_i];
    unsigned char *ref = reference(e);
    accepted(e, ref, e->v1);
    free(ref);
}
END_TEST

START_TEST(later_version_size)
{
    /* struct { T report; double added_in_a_later_version; } */
    const entry *e = &entries[_i];
    unsigned char *ref = reference(e);
    accepted(e, ref, e->full + sizeof(double));
    accepted(e, ref, e->full + 1000);
    free(ref);
}
END_TEST

START_TEST(below_first_version)
{
    const entry *e = &entries[_i];
    const size_t sizes[] = {0, sizeof(size_t), e->v1 - 1};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        unsigned char *b = caller(e->full + SLACK, sizes[k]);
        dln_status st = e->call(b);
        ck_assert_msg(st == DLN_E_RANGE, "%s: struct_size %zu gave %d, expected DLN_E_RANGE",
                      e->name, sizes[k], (int)st);
        ck_assert_uint_eq(first_unguarded(b, sizeof(size_t), e->full + SLACK), e->full + SLACK);
        free(b);
    }
}
END_TEST

Suite *suite_report(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("contract");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, first_version_size, 0, (int)NENTRIES);
    tcase_add_loop_test(tc, later_version_size, 0, (int)NENTRIES);
    tcase_add_loop_test(tc, below_first_version, 0, (int)NENTRIES);
    suite_add_tcase(s, tc);
    return s;
}
