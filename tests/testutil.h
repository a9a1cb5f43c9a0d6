/* testutil.h - shared helpers for the Check suites: seeded random data,
 * NaN-padded strided arrays, quick mode, tolerances. */
#ifndef DLNET_TESTUTIL_H
#define DLNET_TESTUTIL_H

#include "dlnet.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* 1 when DLN_TEST_QUICK is set (valgrind runs): suites use fewer cases. */
int tu_quick(void);
/* Number of random cases: full, or a reduced count in quick mode. */
int tu_cases(int full);

/* Deterministic test RNG (independent of the library's). */
typedef struct tu_rng { uint64_t s; } tu_rng;
void tu_seed(tu_rng *r, uint64_t seed);
double tu_uniform(tu_rng *r); /* [0, 1) */
double tu_normal(tu_rng *r);
size_t tu_int(tu_rng *r, size_t lo, size_t hi); /* uniform in [lo, hi] */
void tu_fill(tu_rng *r, size_t n, double *x);   /* N(0,1) entries */

/* An m x n matrix inside an ld x n block whose padding rows are NaN.
 * Free with free(). */
double *tu_padded(tu_rng *r, size_t m, size_t n, size_t ld);

/* Random network of the given widths with N(0, scale^2) weights. */
dln_net *tu_net(size_t L, const size_t *d, double scale, uint64_t seed);

/* max |a_i - b_i| and max |a_i| helpers. */
double tu_maxabs(size_t n, const double *a);
double tu_maxdiff(size_t n, const double *a, const double *b);
/* Relative error ||a - b|| / max(||b||, floor). */
double tu_relerr(size_t n, const double *a, const double *b, double floor);

/* Every suite constructor (tests/check_<name>.c defines suite_<name>). */
#define DLN_SUITE(name) Suite *suite_##name(void);
#include "suites.h"
#undef DLN_SUITE

#define ck_assert_ok(expr)                                                          \
    do {                                                                            \
        dln_status tu_st_ = (expr);                                                 \
        ck_assert_msg(tu_st_ == DLN_OK, "%s -> %d (%s)", #expr, (int)tu_st_,          \
                      dln_strerror(tu_st_));                                        \
    } while (0)

#endif
