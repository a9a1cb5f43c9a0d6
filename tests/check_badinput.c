/* check_badinput.c - a bad-input case for every public function (suite
 * "badinput").
 *
 * The table `cases` is keyed by function name; `every_function_has_a_case`
 * parses include/dlnet.h and fails for a DLN_API function without an entry
 * (and for an entry that names no declared function). Each case calls its
 * function with NULL for each pointer, zero and huge dimensions, small and
 * huge leading dimensions, NaN and Inf, out-of-range options and wrong struct
 * sizes, as they apply; it checks the status, that the handle the function
 * works on has a message, and that the caller's buffers and the handles are
 * byte-for-byte unchanged. check_errors.c tests the detail of the messages.
 *
 * Adding a function: write `static void c_NAME(fx *f)` (a few EXPECT lines
 * between GUARD and CHECK_GUARDS) and add CASE(NAME) to the table. */
#include "testutil.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One past the BLAS integer range, and a size whose byte count overflows. */
#define BIG ((size_t)INT_MAX + 1)
#define HUGE_SZ (SIZE_MAX / 2)

/* ---- the fixture: one handle of each kind --------------------------------- */

enum { L = 3, D0 = 3, DL = 2, NP = 42, M = 7, NOUT = 4096 };
static const size_t W[L + 1] = {D0, 4, 5, DL};

typedef struct fx {
    dln_net *net;
    dln_loss *loss;  /* data, no regularization */
    dln_loss *tloss; /* target, l2 = 0.05: regularized theory */
    dln_landscape *ls;
    dln_opt *opt;
    double X[D0 * M], Y[DL * M], Phi[DL * D0], v[NP];
    double out[NOUT]; /* output buffer, filled with a sentinel */
    int pattern[8];
} fx;

static fx *fx_make(void)
{
    fx *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    tu_rng r;
    tu_seed(&r, 77);
    tu_fill(&r, D0 * M, f->X), tu_fill(&r, DL * M, f->Y), tu_fill(&r, DL * D0, f->Phi);
    tu_fill(&r, NP, f->v);
    f->net = tu_net(L, W, 0.7, 5);
    ck_assert_ok(dln_loss_create_data(&f->loss, D0, DL, M, f->X, D0, f->Y, DL));
    ck_assert_ok(dln_loss_create_target(&f->tloss, DL, D0, f->Phi, DL));
    ck_assert_ok(dln_loss_set_l2_uniform(f->tloss, 0.05));
    ck_assert_ok(dln_landscape_create(&f->ls, f->tloss, L, W));
    ck_assert_ok(dln_opt_create(&f->opt, DLN_OPT_LBFGS));
    for (size_t i = 0; i < NOUT; i++) f->out[i] = -1234.5 - (double)i;
    for (int i = 0; i < 8; i++) f->pattern[i] = DLN_MATCH_NONE;
    return f;
}

static void fx_free(fx *f)
{
    dln_opt_free(f->opt);
    dln_landscape_free(f->ls);
    dln_loss_free(f->tloss);
    dln_loss_free(f->loss);
    dln_net_free(f->net);
    free(f);
}

/* ---- what must hold after a failed call ------------------------------------ */

#define EXPECT_STATUS(expr, code)                                                        \
    do {                                                                                 \
        dln_status st_ = (expr);                                                         \
        ck_assert_msg(st_ == (code), "%s -> %d (%s), expected %d (%s)", #expr, (int)st_,  \
                      dln_strerror(st_), (int)(code), dln_strerror(code));               \
    } while (0)

/* The status, and a non-empty message on the handle (msg: an expression). */
#define EXPECT(msg, expr, code)                                              \
    do {                                                                     \
        EXPECT_STATUS(expr, code);                                           \
        const char *m_ = (msg);                                              \
        ck_assert_msg(m_ != NULL && m_[0] != '\0', "%s: no message", #expr); \
    } while (0)
#define NET_FAILS(f, expr, code) EXPECT(dln_net_errmsg((f)->net), expr, code)
/* A function taking a const handle leaves no message: the handle may be
 * shared between threads (dlnet.h, Threads). The status is checked. */
#define CONST_FAILS(f, expr, code) EXPECT_STATUS(expr, code)
#define LOSS_FAILS(loss, expr, code) EXPECT(dln_loss_errmsg(loss), expr, code)
#define LS_FAILS(f, expr, code) EXPECT(dln_landscape_errmsg((f)->ls), expr, code)
#define OPT_FAILS(f, expr, code) EXPECT(dln_opt_errmsg((f)->opt), expr, code)

/* Snapshots of everything observable: the caller's arrays and the state of
 * each handle (weights; loss value, gradient and options; landscape info and
 * tolerances; optimizer options and report), compared byte for byte. */
enum { FP = 3 * NP + 64 };
typedef struct snap {
    double net[NP], loss[FP], tloss[FP], ls[FP], opt[FP];
    unsigned char arrays[sizeof(((fx *)0)->X) * 2 + sizeof(((fx *)0)->Phi) +
                         sizeof(((fx *)0)->v) + sizeof(((fx *)0)->out) +
                         sizeof(((fx *)0)->pattern) + sizeof(((fx *)0)->Y)];
} snap;

static void loss_fp(dln_loss *loss, const dln_net *net, double *x)
{
    memset(x, 0, FP * sizeof *x);
    dln_loss *c = NULL; /* a copy: evaluating must not disturb the original */
    ck_assert_ok(dln_loss_copy(&c, loss));
    x[0] = (double)dln_loss_get_kind(c) + 10 * (double)dln_loss_get_mean(c);
    x[1] = (double)dln_loss_num_samples(c);
    if (dln_loss_get_l2(c, L, x + 2) != DLN_OK) x[2] = -1;
    if (dln_loss_grad(c, net, x + 5, x + 6) != DLN_OK) x[5] = -2;
    double R[D0 * D0], C[DL * D0];
    ck_assert_ok(dln_loss_summary(c, R, D0, C, DL, x + 6 + NP));
    memcpy(x + 7 + NP, R, sizeof R), memcpy(x + 7 + NP + D0 * D0, C, sizeof C);
    dln_loss_free(c);
}

static void ls_fp(const dln_landscape *ls, double *x)
{
    memset(x, 0, FP * sizeof *x);
    dln_landscape_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    ck_assert_ok(dln_landscape_get_info(ls, &info));
    memcpy(x, &info, sizeof info);
    for (int k = 0; k < 4; k++) x[FP - 1 - k] = dln_landscape_get_tol(ls, (dln_tol)k);
}

static void opt_fp(const dln_opt *opt, double *x)
{
    memset(x, 0, FP * sizeof *x);
    dln_opt_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    ck_assert_ok(dln_opt_get_report(opt, &rep));
    rep.elapsed = 0; /* a clock: changes with time for single steps */
    memcpy(x, &rep, sizeof rep);
    double *y = x + sizeof rep / sizeof(double) + 1;
    y[0] = dln_opt_get_step(opt), y[1] = (double)dln_opt_get_max_iter(opt);
    y[2] = dln_opt_get_grad_tol(opt), y[3] = dln_opt_get_loss_rel_tol(opt);
    y[4] = dln_opt_get_loss_abs_tol(opt), y[5] = dln_opt_get_step_tol(opt);
    y[6] = dln_opt_get_divergence(opt), y[7] = dln_opt_get_momentum(opt);
    ck_assert_ok(dln_opt_get_adam_betas(opt, y + 8, y + 9));
    y[10] = dln_opt_get_adam_eps(opt);
    ck_assert_ok(dln_opt_get_armijo(opt, y + 11, y + 12));
    ck_assert_ok(dln_opt_get_wolfe(opt, y + 13, y + 14));
    y[15] = (double)dln_opt_get_memory(opt);
    ck_assert_ok(dln_opt_get_escape(opt, y + 16, y + 17));
    y[18] = (double)dln_opt_get_seed(opt), y[19] = (double)dln_opt_get_rate_window(opt);
    dln_metric met[DLN_METRIC_MAX_COLUMNS];
    y[20] = (double)dln_opt_get_metrics(opt, met);
    for (size_t c = 0; c < (size_t)y[20]; c++) y[21 + c] = (double)met[c];
    y[40] = (double)dln_opt_history_rows(opt), y[41] = (double)dln_opt_get_kind(opt);
    y[42] = (double)dln_opt_get_history_capacity(opt);
}

static void take(const fx *f, snap *s)
{
    memset(s, 0, sizeof *s);
    ck_assert_ok(dln_net_get_params(f->net, s->net));
    loss_fp(f->loss, f->net, s->loss);
    loss_fp(f->tloss, f->net, s->tloss);
    ls_fp(f->ls, s->ls);
    opt_fp(f->opt, s->opt);
    unsigned char *p = s->arrays;
#define PUT(a) (memcpy(p, f->a, sizeof f->a), p += sizeof f->a)
    PUT(X), PUT(Y), PUT(Phi), PUT(v), PUT(out), PUT(pattern);
#undef PUT
}

static const char *current = ""; /* the case running, for the messages below */

static void same_bytes(const void *now, const void *before, size_t n, const char *what)
{
    ck_assert_msg(memcmp(now, before, n) == 0, "%s: %s changed", current, what);
}

static void same(const fx *f, const snap *before)
{
    snap *now = malloc(sizeof *now);
    ck_assert_ptr_nonnull(now);
    take(f, now);
    same_bytes(now->net, before->net, sizeof now->net, "the net");
    same_bytes(now->loss, before->loss, sizeof now->loss, "the loss");
    same_bytes(now->tloss, before->tloss, sizeof now->tloss, "the target loss");
    same_bytes(now->ls, before->ls, sizeof now->ls, "the landscape");
    same_bytes(now->opt, before->opt, sizeof now->opt, "the optimizer");
    same_bytes(now->arrays, before->arrays, sizeof now->arrays, "a caller array (input or output)");
    free(now);
}

/* Every case body runs between a snapshot and the comparison. */
#define BEGIN                                      \
    snap *before_ = malloc(sizeof *before_);       \
    ck_assert_ptr_nonnull(before_);                \
    take(f, before_)
#define END same(f, before_), free(before_)

/* A report with a struct_size one below its first version's size, and one
 * that is right. */
#define SMALL(T, var, V1) T var; memset(&var, 0, sizeof var); var.struct_size = (V1) - 1
#define SIZED(T, var) T var; memset(&var, 0, sizeof var); var.struct_size = sizeof var
/* Both, and a copy `keep` of the right one: a failed call must not write it. */
#define REPORTS(T, var, V1) SIZED(T, var); SMALL(T, small, V1); T keep = var
#define REPORT_KEPT(var) ck_assert_msg(memcmp(&var, &keep, sizeof var) == 0, "report written")

/* ---- version, status --------------------------------------------------------- */

static void c_dln_version_major(fx *f)
{
    (void)f; /* no argument: the value matches the header */
    ck_assert_int_eq(dln_version_major(), DLN_VERSION_MAJOR);
}
static void c_dln_version_minor(fx *f) { (void)f; ck_assert_int_eq(dln_version_minor(), DLN_VERSION_MINOR); }
static void c_dln_version_patch(fx *f) { (void)f; ck_assert_int_eq(dln_version_patch(), DLN_VERSION_PATCH); }
static void c_dln_version_string(fx *f) { (void)f; ck_assert_ptr_nonnull(dln_version_string()); }

static void c_dln_strerror(fx *f)
{
    (void)f;
    const int bad[] = {-1, 12, 1000, INT_MAX};
    for (int i = 0; i < 4; i++) ck_assert_ptr_nonnull(dln_strerror((dln_status)bad[i]));
}

/* ---- net ------------------------------------------------------------------------ */

static void c_dln_net_create(fx *f)
{
    BEGIN;
    dln_net *n = (dln_net *)f; /* a marker: must stay as it is */
    const size_t zero[3] = {2, 0, 2}, big[3] = {2, BIG, 2}, huge[3] = {HUGE_SZ, HUGE_SZ, 2};
    EXPECT_STATUS(dln_net_create(NULL, 2, W), DLN_E_NULL);
    EXPECT_STATUS(dln_net_create(&n, 2, NULL), DLN_E_NULL);
    EXPECT_STATUS(dln_net_create(&n, 0, W), DLN_E_DIM);
    EXPECT_STATUS(dln_net_create(&n, 2, zero), DLN_E_DIM);
    EXPECT_STATUS(dln_net_create(&n, 2, big), DLN_E_OVERFLOW);
    EXPECT_STATUS(dln_net_create(&n, 2, huge), DLN_E_OVERFLOW);
    ck_assert_ptr_eq(n, (dln_net *)f);
    END;
}

static void c_dln_net_free(fx *f) { (void)f; dln_net_free(NULL); }

/* dln_*_copy: NULL out or source; *out unchanged (a marker pointer). */
#define COPY_CASE(T, copy, src)                          \
    static void c_##copy(fx *f)                          \
    {                                                    \
        BEGIN;                                           \
        T *o_ = (T *)f;                                  \
        EXPECT_STATUS(copy(NULL, src), DLN_E_NULL);      \
        EXPECT_STATUS(copy(&o_, NULL), DLN_E_NULL);      \
        ck_assert_ptr_eq(o_, (T *)f);                    \
        END;                                             \
    }
COPY_CASE(dln_net, dln_net_copy, f->net)
COPY_CASE(dln_loss, dln_loss_copy, f->loss)
COPY_CASE(dln_opt, dln_opt_copy, f->opt)

static void c_dln_net_depth(fx *f) { (void)f; ck_assert_uint_eq(dln_net_depth(NULL), 0); }
static void c_dln_net_width(fx *f)
{
    ck_assert_uint_eq(dln_net_width(NULL, 0), 0);
    ck_assert_uint_eq(dln_net_width(f->net, L + 1), 0);
    ck_assert_uint_eq(dln_net_width(f->net, SIZE_MAX), 0);
}
static void c_dln_net_num_params(fx *f) { (void)f; ck_assert_uint_eq(dln_net_num_params(NULL), 0); }
static void c_dln_net_layer_offset(fx *f)
{
    ck_assert_uint_eq(dln_net_layer_offset(NULL, 1), (size_t)-1);
    ck_assert_uint_eq(dln_net_layer_offset(f->net, 0), (size_t)-1);
    ck_assert_uint_eq(dln_net_layer_offset(f->net, L + 2), (size_t)-1);
}
static void c_dln_net_errmsg(fx *f) { (void)f; ck_assert_ptr_nonnull(dln_net_errmsg(NULL)); }

static void c_dln_net_set_layer(fx *f)
{
    BEGIN;
    double Wl[4 * 3];
    for (int i = 0; i < 12; i++) Wl[i] = 0.1 * i;
    EXPECT_STATUS(dln_net_set_layer(NULL, 1, Wl, 4, DLN_COL_MAJOR), DLN_E_NULL);
    NET_FAILS(f, dln_net_set_layer(f->net, 1, NULL, 4, DLN_COL_MAJOR), DLN_E_NULL);
    NET_FAILS(f, dln_net_set_layer(f->net, 0, Wl, 4, DLN_COL_MAJOR), DLN_E_DIM);
    NET_FAILS(f, dln_net_set_layer(f->net, L + 1, Wl, 4, DLN_COL_MAJOR), DLN_E_DIM);
    NET_FAILS(f, dln_net_set_layer(f->net, 1, Wl, 3, DLN_COL_MAJOR), DLN_E_LD);
    NET_FAILS(f, dln_net_set_layer(f->net, 1, Wl, 2, DLN_ROW_MAJOR), DLN_E_LD);
    NET_FAILS(f, dln_net_set_layer(f->net, 1, Wl, HUGE_SZ, DLN_COL_MAJOR), DLN_E_OVERFLOW);
    NET_FAILS(f, dln_net_set_layer(f->net, 1, Wl, 4, (dln_layout)2), DLN_E_RANGE);
    Wl[5] = NAN;
    NET_FAILS(f, dln_net_set_layer(f->net, 1, Wl, 4, DLN_COL_MAJOR), DLN_E_NONFINITE);
    Wl[5] = INFINITY;
    NET_FAILS(f, dln_net_set_layer(f->net, 1, Wl, 4, DLN_COL_MAJOR), DLN_E_NONFINITE);
    END;
}

static void c_dln_net_get_layer(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_net_get_layer(NULL, 1, f->out, 4, DLN_COL_MAJOR), DLN_E_NULL);
    CONST_FAILS(f, dln_net_get_layer(f->net, 1, NULL, 4, DLN_COL_MAJOR), DLN_E_NULL);
    CONST_FAILS(f, dln_net_get_layer(f->net, 0, f->out, 4, DLN_COL_MAJOR), DLN_E_DIM);
    CONST_FAILS(f, dln_net_get_layer(f->net, 1, f->out, 3, DLN_COL_MAJOR), DLN_E_LD);
    CONST_FAILS(f, dln_net_get_layer(f->net, 1, f->out, HUGE_SZ, DLN_COL_MAJOR), DLN_E_OVERFLOW);
    CONST_FAILS(f, dln_net_get_layer(f->net, 1, f->out, 4, (dln_layout)-1), DLN_E_RANGE);
    END;
}

static void c_dln_net_set_params(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_net_set_params(NULL, f->v), DLN_E_NULL);
    NET_FAILS(f, dln_net_set_params(f->net, NULL), DLN_E_NULL);
    double t[NP];
    memcpy(t, f->v, sizeof t);
    t[NP - 1] = NAN;
    NET_FAILS(f, dln_net_set_params(f->net, t), DLN_E_NONFINITE);
    t[NP - 1] = -INFINITY;
    NET_FAILS(f, dln_net_set_params(f->net, t), DLN_E_NONFINITE);
    END;
}

static void c_dln_net_get_params(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_net_get_params(NULL, f->out), DLN_E_NULL);
    CONST_FAILS(f, dln_net_get_params(f->net, NULL), DLN_E_NULL);
    END;
}

static void c_dln_net_init_zeros(fx *f) { (void)f; EXPECT_STATUS(dln_net_init_zeros(NULL), DLN_E_NULL); }

/* The initializers with a scale: NULL net, negative, NaN and Inf scales. */
#define SCALE_CASES(call_null, call_scale)                          \
    BEGIN;                                                          \
    EXPECT_STATUS(call_null, DLN_E_NULL);                           \
    const double bad_[] = {-1.0, NAN, INFINITY, -INFINITY};         \
    for (int i_ = 0; i_ < 4; i_++) {                                \
        double s_ = bad_[i_];                                       \
        NET_FAILS(f, call_scale, DLN_E_RANGE);                      \
    }                                                               \
    END

static void c_dln_net_init_gaussian(fx *f)
{
    SCALE_CASES(dln_net_init_gaussian(NULL, 1, 1), dln_net_init_gaussian(f->net, s_, 1));
}
static void c_dln_net_init_orthogonal(fx *f)
{
    SCALE_CASES(dln_net_init_orthogonal(NULL, 1, 1), dln_net_init_orthogonal(f->net, s_, 1));
}
static void c_dln_net_init_identity(fx *f)
{
    SCALE_CASES(dln_net_init_identity(NULL, 1), dln_net_init_identity(f->net, s_));
}
static void c_dln_net_init_balanced_random(fx *f)
{
    SCALE_CASES(dln_net_init_balanced_random(NULL, 1, 1), dln_net_init_balanced_random(f->net, s_, 1));
}

static void c_dln_net_init_balanced(fx *f)
{
    BEGIN;
    double A[DL * D0];
    memcpy(A, f->Phi, sizeof A);
    EXPECT_STATUS(dln_net_init_balanced(NULL, A, DL, DLN_FRAMES_CANONICAL, 1), DLN_E_NULL);
    NET_FAILS(f, dln_net_init_balanced(f->net, NULL, DL, DLN_FRAMES_CANONICAL, 1), DLN_E_NULL);
    NET_FAILS(f, dln_net_init_balanced(f->net, A, DL - 1, DLN_FRAMES_CANONICAL, 1), DLN_E_LD);
    NET_FAILS(f, dln_net_init_balanced(f->net, A, HUGE_SZ, DLN_FRAMES_CANONICAL, 1), DLN_E_OVERFLOW);
    NET_FAILS(f, dln_net_init_balanced(f->net, A, DL, (dln_frames)2, 1), DLN_E_RANGE);
    A[3] = NAN;
    NET_FAILS(f, dln_net_init_balanced(f->net, A, DL, DLN_FRAMES_CANONICAL, 1), DLN_E_NONFINITE);
    END;
}

static void c_dln_net_product(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_net_product(NULL, 2, 1, f->out, 5), DLN_E_NULL);
    CONST_FAILS(f, dln_net_product(f->net, 2, 1, NULL, 5), DLN_E_NULL);
    CONST_FAILS(f, dln_net_product(f->net, 0, 2, f->out, 5), DLN_E_DIM); /* j < i - 1 */
    CONST_FAILS(f, dln_net_product(f->net, L + 1, 1, f->out, 5), DLN_E_DIM);
    CONST_FAILS(f, dln_net_product(f->net, 2, 0, f->out, 5), DLN_E_DIM);
    CONST_FAILS(f, dln_net_product(f->net, 2, 1, f->out, 4), DLN_E_LD);
    CONST_FAILS(f, dln_net_product(f->net, 2, 1, f->out, BIG), DLN_E_OVERFLOW);
    CONST_FAILS(f, dln_net_product(f->net, 2, 1, f->out, HUGE_SZ), DLN_E_OVERFLOW);
    END;
}

static void c_dln_net_end_to_end(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_net_end_to_end(NULL, f->out, DL), DLN_E_NULL);
    CONST_FAILS(f, dln_net_end_to_end(f->net, NULL, DL), DLN_E_NULL);
    CONST_FAILS(f, dln_net_end_to_end(f->net, f->out, DL - 1), DLN_E_LD);
    CONST_FAILS(f, dln_net_end_to_end(f->net, f->out, BIG), DLN_E_OVERFLOW);
    CONST_FAILS(f, dln_net_end_to_end(f->net, f->out, HUGE_SZ), DLN_E_OVERFLOW);
    END;
}

static void c_dln_net_forward(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_net_forward(NULL, M, f->X, D0, f->out, DL), DLN_E_NULL);
    CONST_FAILS(f, dln_net_forward(f->net, M, NULL, D0, f->out, DL), DLN_E_NULL);
    CONST_FAILS(f, dln_net_forward(f->net, M, f->X, D0, NULL, DL), DLN_E_NULL);
    CONST_FAILS(f, dln_net_forward(f->net, 0, f->X, D0, f->out, DL), DLN_E_DIM);
    CONST_FAILS(f, dln_net_forward(f->net, M, f->X, D0 - 1, f->out, DL), DLN_E_LD);
    CONST_FAILS(f, dln_net_forward(f->net, M, f->X, D0, f->out, DL - 1), DLN_E_LD);
    CONST_FAILS(f, dln_net_forward(f->net, BIG, f->X, D0, f->out, DL), DLN_E_OVERFLOW);
    CONST_FAILS(f, dln_net_forward(f->net, M, f->X, HUGE_SZ, f->out, DL), DLN_E_OVERFLOW);
    CONST_FAILS(f, dln_net_forward(f->net, M, f->X, D0, f->out, HUGE_SZ), DLN_E_OVERFLOW);
    double X[D0 * M];
    memcpy(X, f->X, sizeof X);
    X[4] = NAN;
    CONST_FAILS(f, dln_net_forward(f->net, M, X, D0, f->out, DL), DLN_E_NONFINITE);
    END;
}

/* ---- loss ------------------------------------------------------------------------ */

static void c_dln_loss_create_data(fx *f)
{
    BEGIN;
    dln_loss *l = (dln_loss *)f;
    EXPECT_STATUS(dln_loss_create_data(NULL, D0, DL, M, f->X, D0, f->Y, DL), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, M, NULL, D0, f->Y, DL), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, M, f->X, D0, NULL, DL), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_create_data(&l, 0, DL, M, f->X, D0, f->Y, DL), DLN_E_DIM);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, 0, M, f->X, D0, f->Y, DL), DLN_E_DIM);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, 0, f->X, D0, f->Y, DL), DLN_E_DIM);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, M, f->X, D0 - 1, f->Y, DL), DLN_E_LD);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, M, f->X, D0, f->Y, DL - 1), DLN_E_LD);
    EXPECT_STATUS(dln_loss_create_data(&l, BIG, DL, M, f->X, BIG, f->Y, DL), DLN_E_OVERFLOW);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, 2, f->X, HUGE_SZ, f->Y, DL), DLN_E_OVERFLOW);
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, 2, f->X, D0, f->Y, HUGE_SZ), DLN_E_OVERFLOW);
    double Y[DL * M];
    memcpy(Y, f->Y, sizeof Y);
    Y[M] = INFINITY;
    EXPECT_STATUS(dln_loss_create_data(&l, D0, DL, M, f->X, D0, Y, DL), DLN_E_NONFINITE);
    ck_assert_ptr_eq(l, (dln_loss *)f);
    END;
}

static void c_dln_loss_add_samples(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_loss_add_samples(NULL, M, f->X, D0, f->Y, DL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, M, NULL, D0, f->Y, DL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, M, f->X, D0, NULL, DL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, 0, f->X, D0, f->Y, DL), DLN_E_DIM);
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, M, f->X, D0 - 1, f->Y, DL), DLN_E_LD);
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, 2, f->X, HUGE_SZ, f->Y, DL), DLN_E_OVERFLOW);
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, 2, f->X, D0, f->Y, HUGE_SZ), DLN_E_OVERFLOW);
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, SIZE_MAX, f->X, D0, f->Y, DL), DLN_E_OVERFLOW);
    double X[D0 * M];
    memcpy(X, f->X, sizeof X);
    X[D0 * M - 1] = NAN; /* in the last sample: no partial update */
    LOSS_FAILS(f->loss, dln_loss_add_samples(f->loss, M, X, D0, f->Y, DL), DLN_E_NONFINITE);
    LOSS_FAILS(f->tloss, dln_loss_add_samples(f->tloss, M, f->X, D0, f->Y, DL), DLN_E_UNSUPPORTED);
    END;
}

static void c_dln_loss_create_target(fx *f)
{
    BEGIN;
    dln_loss *l = (dln_loss *)f;
    EXPECT_STATUS(dln_loss_create_target(NULL, DL, D0, f->Phi, DL), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_create_target(&l, DL, D0, NULL, DL), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_create_target(&l, 0, D0, f->Phi, DL), DLN_E_DIM);
    EXPECT_STATUS(dln_loss_create_target(&l, DL, 0, f->Phi, DL), DLN_E_DIM);
    EXPECT_STATUS(dln_loss_create_target(&l, DL, D0, f->Phi, DL - 1), DLN_E_LD);
    EXPECT_STATUS(dln_loss_create_target(&l, DL, D0, f->Phi, HUGE_SZ), DLN_E_OVERFLOW);
    EXPECT_STATUS(dln_loss_create_target(&l, BIG, D0, f->Phi, BIG), DLN_E_OVERFLOW);
    double P[DL * D0];
    memcpy(P, f->Phi, sizeof P);
    P[1] = NAN;
    EXPECT_STATUS(dln_loss_create_target(&l, DL, D0, P, DL), DLN_E_NONFINITE);
    ck_assert_ptr_eq(l, (dln_loss *)f);
    END;
}

static void c_dln_loss_free(fx *f) { (void)f; dln_loss_free(NULL); }

static void c_dln_loss_errmsg(fx *f) { (void)f; ck_assert_ptr_nonnull(dln_loss_errmsg(NULL)); }
static void c_dln_loss_get_kind(fx *f) { (void)f; ck_assert_int_eq(dln_loss_get_kind(NULL), DLN_LOSS_DATA); }
static void c_dln_loss_input_dim(fx *f) { (void)f; ck_assert_uint_eq(dln_loss_input_dim(NULL), 0); }
static void c_dln_loss_output_dim(fx *f) { (void)f; ck_assert_uint_eq(dln_loss_output_dim(NULL), 0); }
static void c_dln_loss_num_samples(fx *f) { (void)f; ck_assert_uint_eq(dln_loss_num_samples(NULL), 0); }
static void c_dln_loss_get_mean(fx *f) { (void)f; ck_assert_int_eq(dln_loss_get_mean(NULL), 0); }

static void c_dln_loss_set_l2(fx *f)
{
    BEGIN;
    double lam[L] = {0.1, 0.2, 0.3};
    EXPECT_STATUS(dln_loss_set_l2(NULL, L, lam), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_set_l2(f->loss, L, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_set_l2(f->loss, 0, lam), DLN_E_DIM);
    const double bad[] = {-0.1, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        lam[1] = bad[i];
        LOSS_FAILS(f->loss, dln_loss_set_l2(f->loss, L, lam), DLN_E_RANGE);
    }
    END;
}

static void c_dln_loss_set_l2_uniform(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_loss_set_l2_uniform(NULL, 0.1), DLN_E_NULL);
    const double bad[] = {-0.1, NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 4; i++) LOSS_FAILS(f->loss, dln_loss_set_l2_uniform(f->loss, bad[i]), DLN_E_RANGE);
    END;
}

static void c_dln_loss_get_l2(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_loss_get_l2(NULL, L, f->out), DLN_E_NULL);
    CONST_FAILS(f, dln_loss_get_l2(f->tloss, L, NULL), DLN_E_NULL);
    CONST_FAILS(f, dln_loss_get_l2(f->tloss, 0, f->out), DLN_E_DIM);
    END;
}

static void c_dln_loss_set_mean(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_loss_set_mean(NULL, 1), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_set_mean(f->loss, 2), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_set_mean(f->loss, -1), DLN_E_RANGE);
    LOSS_FAILS(f->tloss, dln_loss_set_mean(f->tloss, 1), DLN_E_UNSUPPORTED);
    END;
}

static void c_dln_loss_summary(fx *f)
{
    BEGIN;
    double *R = f->out, *C = f->out + 64, *r0 = f->out + 128;
    EXPECT_STATUS(dln_loss_summary(NULL, R, D0, C, DL, r0), DLN_E_NULL);
    CONST_FAILS(f, dln_loss_summary(f->loss, R, D0 - 1, C, DL, r0), DLN_E_LD);
    CONST_FAILS(f, dln_loss_summary(f->loss, R, D0, C, DL - 1, r0), DLN_E_LD);
    CONST_FAILS(f, dln_loss_summary(f->loss, R, BIG, C, DL, r0), DLN_E_OVERFLOW);
    CONST_FAILS(f, dln_loss_summary(f->loss, R, D0, C, HUGE_SZ, r0), DLN_E_OVERFLOW);
    END;
}

/* The evaluations share their argument errors: NULL loss or net, a net of
 * another shape (depth, input or output width). */
static void eval_cases(fx *f, dln_status (*call)(fx *f, dln_loss *loss, const dln_net *net))
{
    static const size_t other_in[L + 1] = {D0 + 1, 4, 5, DL}, other_out[L + 1] = {D0, 4, 5, DL + 1};
    BEGIN;
    EXPECT_STATUS(call(f, NULL, f->net), DLN_E_NULL);
    LOSS_FAILS(f->loss, call(f, f->loss, NULL), DLN_E_NULL);
    dln_net *nets[2] = {tu_net(L, other_in, 0.5, 1), tu_net(L, other_out, 0.5, 1)};
    for (int i = 0; i < 2; i++) {
        LOSS_FAILS(f->loss, call(f, f->loss, nets[i]), DLN_E_DIM);
        dln_net_free(nets[i]);
    }
    END;
}

static dln_status ev_value(fx *f, dln_loss *l, const dln_net *n) { return dln_loss_value(l, n, f->out); }
static dln_status ev_grad(fx *f, dln_loss *l, const dln_net *n)
{
    return dln_loss_grad(l, n, f->out, f->out + 1);
}
static dln_status ev_hvp(fx *f, dln_loss *l, const dln_net *n) { return dln_loss_hvp(l, n, f->v, f->out); }
static dln_status ev_hessian(fx *f, dln_loss *l, const dln_net *n)
{
    return dln_loss_hessian(l, n, f->out, NP);
}

static void c_dln_loss_value(fx *f)
{
    eval_cases(f, ev_value);
    BEGIN;
    LOSS_FAILS(f->loss, dln_loss_value(f->loss, f->net, NULL), DLN_E_NULL);
    END;
}

static void c_dln_loss_grad(fx *f)
{
    eval_cases(f, ev_grad);
    BEGIN;
    LOSS_FAILS(f->loss, dln_loss_grad(f->loss, f->net, NULL, NULL), DLN_E_NULL);
    END;
}

static void c_dln_loss_hvp(fx *f)
{
    eval_cases(f, ev_hvp);
    BEGIN;
    LOSS_FAILS(f->loss, dln_loss_hvp(f->loss, f->net, NULL, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hvp(f->loss, f->net, f->v, NULL), DLN_E_NULL);
    double v[NP];
    memcpy(v, f->v, sizeof v);
    v[7] = NAN;
    LOSS_FAILS(f->loss, dln_loss_hvp(f->loss, f->net, v, f->out), DLN_E_NONFINITE);
    END;
}

static void c_dln_loss_hvp_batch(fx *f)
{
    BEGIN;
    double V[2 * NP];
    memcpy(V, f->v, sizeof f->v), memcpy(V + NP, f->v, sizeof f->v);
    EXPECT_STATUS(dln_loss_hvp_batch(NULL, f->net, 2, V, NP, f->out, NP), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, NULL, 2, V, NP, f->out, NP), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, f->net, 2, NULL, NP, f->out, NP), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, f->net, 2, V, NP, NULL, NP), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, f->net, 2, V, NP - 1, f->out, NP), DLN_E_LD);
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, f->net, 2, V, NP, f->out, NP - 1), DLN_E_LD);
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, f->net, 2, V, HUGE_SZ, f->out, NP), DLN_E_OVERFLOW);
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, f->net, 2, V, NP, f->out, HUGE_SZ), DLN_E_OVERFLOW);
    V[NP + 3] = INFINITY;
    LOSS_FAILS(f->loss, dln_loss_hvp_batch(f->loss, f->net, 2, V, NP, f->out, NP), DLN_E_NONFINITE);
    END;
}

static void c_dln_loss_hessian(fx *f)
{
    eval_cases(f, ev_hessian);
    BEGIN;
    LOSS_FAILS(f->loss, dln_loss_hessian(f->loss, f->net, NULL, NP), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hessian(f->loss, f->net, f->out, NP - 1), DLN_E_LD);
    LOSS_FAILS(f->loss, dln_loss_hessian(f->loss, f->net, f->out, BIG), DLN_E_OVERFLOW);
    LOSS_FAILS(f->loss, dln_loss_hessian(f->loss, f->net, f->out, HUGE_SZ), DLN_E_OVERFLOW);
    END;
}

static void c_dln_loss_hessian_eigs(fx *f)
{
    BEGIN;
    double *ev = f->out, *V = f->out + 8;
    SMALL(dln_eig_report, small, DLN_EIG_REPORT_V1_SIZE);
#define EIGS(loss, net, which, k, tol, evals, evecs, ld, rep) \
    dln_loss_hessian_eigs(loss, net, which, k, tol, 0, 1, evals, evecs, ld, rep)
    EXPECT_STATUS(EIGS(NULL, f->net, DLN_EIG_SMALLEST, 2, 0, ev, V, NP, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, EIGS(f->loss, NULL, DLN_EIG_SMALLEST, 2, 0, ev, V, NP, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, 2, 0, NULL, V, NP, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, 0, 0, ev, V, NP, NULL), DLN_E_DIM);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, NP + 1, 0, ev, V, NP, NULL), DLN_E_DIM);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, 2, 0, ev, V, NP - 1, NULL), DLN_E_LD);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, (dln_eig_which)2, 2, 0, ev, V, NP, NULL), DLN_E_RANGE);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, 2, NAN, ev, V, NP, NULL), DLN_E_RANGE);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, 2, 1.0, ev, V, NP, NULL), DLN_E_RANGE);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, 2, -1e-3, ev, V, NP, NULL), DLN_E_RANGE);
    LOSS_FAILS(f->loss, EIGS(f->loss, f->net, DLN_EIG_SMALLEST, 2, 0, ev, V, NP, &small), DLN_E_RANGE);
#undef EIGS
    END;
}

/* ---- convergence metrics ----------------------------------------------------- */

static void c_dln_net_balancedness(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_net_balancedness(NULL, f->out, NULL), DLN_E_NULL);
    CONST_FAILS(f, dln_net_balancedness(f->net, NULL, f->out), DLN_E_NULL);
    END;
}

static void c_dln_loss_balancedness(fx *f)
{
    BEGIN;
    static const size_t two[3] = {D0 + 1, 4, DL};
    dln_net *other = tu_net(2, two, 0.5, 1);
    EXPECT_STATUS(dln_loss_balancedness(NULL, f->net, f->out, NULL), DLN_E_NULL);
    LOSS_FAILS(f->tloss, dln_loss_balancedness(f->tloss, NULL, f->out, NULL), DLN_E_NULL);
    LOSS_FAILS(f->tloss, dln_loss_balancedness(f->tloss, f->net, NULL, NULL), DLN_E_NULL);
    LOSS_FAILS(f->tloss, dln_loss_balancedness(f->tloss, other, f->out, NULL), DLN_E_DIM);
    dln_net_free(other);
    END;
}

static void c_dln_loss_optimal_value(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_loss_optimal_value(NULL, f->net, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_optimal_value(f->loss, NULL, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_optimal_value(f->loss, f->net, NULL), DLN_E_NULL);
    LOSS_FAILS(f->tloss, dln_loss_optimal_value(f->tloss, f->net, f->out), DLN_E_UNSUPPORTED);
    END;
}

static void c_dln_loss_gradient_dominance(fx *f)
{
    BEGIN;
    REPORTS(dln_dominance_report, rep, DLN_DOMINANCE_REPORT_V1_SIZE);
    EXPECT_STATUS(dln_loss_gradient_dominance(NULL, f->net, 0, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_gradient_dominance(f->loss, NULL, 0, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_gradient_dominance(f->loss, f->net, 0, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_gradient_dominance(f->loss, f->net, 0, &small), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_gradient_dominance(f->loss, f->net, NAN, &rep), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_gradient_dominance(f->loss, f->net, -1, &rep), DLN_E_RANGE);
    REPORT_KEPT(rep);
    END;
}

static void c_dln_loss_zhou_liang(fx *f)
{
    BEGIN;
    REPORTS(dln_zhou_liang_report, rep, DLN_ZHOU_LIANG_REPORT_V1_SIZE);
    EXPECT_STATUS(dln_loss_zhou_liang(NULL, f->net, f->net, 0, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_zhou_liang(f->loss, NULL, f->net, 0, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_zhou_liang(f->loss, f->net, NULL, 0, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_zhou_liang(f->loss, f->net, f->net, 0, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_zhou_liang(f->loss, f->net, f->net, 0, &small), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_zhou_liang(f->loss, f->net, f->net, NAN, &rep), DLN_E_RANGE);
    REPORT_KEPT(rep);
    END;
}

static void c_dln_loss_arora(fx *f)
{
    BEGIN;
    REPORTS(dln_arora_report, rep, DLN_ARORA_REPORT_V1_SIZE);
    EXPECT_STATUS(dln_loss_arora(NULL, f->net, 0.01, 0.1, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_arora(f->loss, NULL, 0.01, 0.1, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_arora(f->loss, f->net, 0.01, 0.1, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_arora(f->loss, f->net, 0.01, 0.1, &small), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_arora(f->loss, f->net, NAN, 0.1, &rep), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_arora(f->loss, f->net, 0.01, -1, &rep), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_arora(f->loss, f->net, 0.01, INFINITY, &rep), DLN_E_RANGE);
    REPORT_KEPT(rep);
    END;
}

/* ---- landscape ------------------------------------------------------------------ */

static void c_dln_landscape_create(fx *f)
{
    BEGIN;
    dln_landscape *ls = (dln_landscape *)f;
    const size_t wrong_in[L + 1] = {D0 + 1, 4, 5, DL}, zero[L + 1] = {D0, 0, 5, DL},
                 big[L + 1] = {D0, BIG, 5, DL};
    EXPECT_STATUS(dln_landscape_create(NULL, f->tloss, L, W), DLN_E_NULL);
    EXPECT_STATUS(dln_landscape_create(&ls, NULL, L, W), DLN_E_NULL);
    EXPECT_STATUS(dln_landscape_create(&ls, f->tloss, L, NULL), DLN_E_NULL);
    EXPECT_STATUS(dln_landscape_create(&ls, f->tloss, 0, W), DLN_E_DIM);
    EXPECT_STATUS(dln_landscape_create(&ls, f->tloss, L, wrong_in), DLN_E_DIM);
    EXPECT_STATUS(dln_landscape_create(&ls, f->tloss, L, zero), DLN_E_DIM);
    EXPECT_STATUS(dln_landscape_create(&ls, f->tloss, 2, W), DLN_E_DIM); /* l2 set for depth 3 */
    EXPECT_STATUS(dln_landscape_create(&ls, f->tloss, L, big), DLN_E_OVERFLOW);
    ck_assert_ptr_eq(ls, (dln_landscape *)f);
    END;
}

static void c_dln_landscape_free(fx *f) { (void)f; dln_landscape_free(NULL); }
static void c_dln_landscape_errmsg(fx *f) { (void)f; ck_assert_ptr_nonnull(dln_landscape_errmsg(NULL)); }
static void c_dln_landscape_theory(fx *f) { (void)f; ck_assert_int_eq(dln_landscape_theory(NULL), DLN_THEORY_NONE); }
static void c_dln_landscape_limits(fx *f) { (void)f; (void)dln_landscape_limits(NULL); }
static void c_dln_landscape_reason(fx *f) { (void)f; ck_assert_ptr_nonnull(dln_landscape_reason(NULL)); }
static void c_dln_landscape_num_values(fx *f) { (void)f; ck_assert_uint_eq(dln_landscape_num_values(NULL), 0); }
static void c_dln_landscape_num_params(fx *f) { (void)f; ck_assert_uint_eq(dln_landscape_num_params(NULL), 0); }

static void c_dln_landscape_get_info(fx *f)
{
    BEGIN;
    REPORTS(dln_landscape_info, info, DLN_LANDSCAPE_INFO_V1_SIZE);
    EXPECT_STATUS(dln_landscape_get_info(NULL, &info), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_get_info(f->ls, NULL), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_get_info(f->ls, &small), DLN_E_RANGE);
    REPORT_KEPT(info);
    END;
}

static void c_dln_landscape_values(fx *f)
{
    BEGIN;
    dln_landscape *conv = NULL;
    const size_t one[2] = {D0, DL};
    dln_loss *plain = NULL;
    ck_assert_ok(dln_loss_copy(&plain, f->tloss));
    ck_assert_ok(dln_loss_set_l2_uniform(plain, 0));
    ck_assert_ok(dln_landscape_create(&conv, plain, 1, one));
    EXPECT_STATUS(dln_landscape_values(NULL, f->out), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_values(f->ls, NULL), DLN_E_NULL);
    EXPECT_STATUS(dln_landscape_values(conv, f->out), DLN_E_UNSUPPORTED);
    dln_landscape_free(conv);
    dln_loss_free(plain);
    END;
}

static void c_dln_landscape_roots(fx *f)
{
    BEGIN;
    REPORTS(dln_root_info, info, DLN_ROOT_INFO_V1_SIZE);
    size_t nv = dln_landscape_num_values(f->ls);
    EXPECT_STATUS(dln_landscape_roots(NULL, 0, &info), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_roots(f->ls, 0, NULL), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_roots(f->ls, 0, &small), DLN_E_RANGE);
    CONST_FAILS(f, dln_landscape_roots(f->ls, nv, &info), DLN_E_DIM);
    CONST_FAILS(f, dln_landscape_roots(f->ls, SIZE_MAX, &info), DLN_E_DIM);
    REPORT_KEPT(info);
    END;
}

static void c_dln_landscape_orbit(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_landscape_orbit(NULL, 0, f->pattern), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_orbit(f->ls, 0, NULL), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_orbit(f->ls, SIZE_MAX, f->pattern), DLN_E_RANGE);
    END;
}

/* Patterns that no orbit has: unknown entries, an unregularized entry. */
static void bad_patterns(int bad[3][8])
{
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 8; i++) bad[k][i] = DLN_MATCH_NONE;
    bad[0][0] = 99;
    bad[1][0] = -1;
    bad[2][0] = DLN_MATCH_SELECTED;
}

static void c_dln_landscape_pattern_info(fx *f)
{
    BEGIN;
    REPORTS(dln_orbit_info, info, DLN_ORBIT_INFO_V1_SIZE);
    int bad[3][8];
    bad_patterns(bad);
    EXPECT_STATUS(dln_landscape_pattern_info(NULL, f->pattern, &info), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_pattern_info(f->ls, NULL, &info), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_pattern_info(f->ls, f->pattern, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_pattern_info(f->ls, f->pattern, &small), DLN_E_RANGE);
    for (int k = 0; k < 3; k++) LS_FAILS(f, dln_landscape_pattern_info(f->ls, bad[k], &info), DLN_E_RANGE);
    REPORT_KEPT(info);
    END;
}

static void c_dln_landscape_orbit_spectrum(fx *f)
{
    BEGIN;
    int bad[3][8];
    bad_patterns(bad);
    EXPECT_STATUS(dln_landscape_orbit_spectrum(NULL, f->pattern, f->out), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_orbit_spectrum(f->ls, NULL, f->out), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_orbit_spectrum(f->ls, f->pattern, NULL), DLN_E_NULL);
    for (int k = 0; k < 3; k++) LS_FAILS(f, dln_landscape_orbit_spectrum(f->ls, bad[k], f->out), DLN_E_RANGE);
    END;
}

static void c_dln_landscape_build(fx *f)
{
    BEGIN;
    int bad[3][8];
    bad_patterns(bad);
    static const size_t other[L + 1] = {D0, 5, 4, DL};
    dln_net *wrong = tu_net(L, other, 0.5, 2);
    EXPECT_STATUS(dln_landscape_build(NULL, f->pattern, NULL, DLN_FRAMES_CANONICAL, 1, f->net), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_build(f->ls, NULL, NULL, DLN_FRAMES_CANONICAL, 1, f->net), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_build(f->ls, f->pattern, NULL, DLN_FRAMES_CANONICAL, 1, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_build(f->ls, f->pattern, NULL, DLN_FRAMES_CANONICAL, 1, wrong), DLN_E_DIM);
    LS_FAILS(f, dln_landscape_build(f->ls, f->pattern, NULL, (dln_frames)5, 1, f->net), DLN_E_RANGE);
    for (int k = 0; k < 3; k++)
        LS_FAILS(f, dln_landscape_build(f->ls, bad[k], NULL, DLN_FRAMES_CANONICAL, 1, f->net), DLN_E_RANGE);
    dln_net_free(wrong);
    END;
}

static void c_dln_landscape_set_tol(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_landscape_set_tol(NULL, DLN_TOL_GRAD, 1e-6), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_set_tol(f->ls, (dln_tol)4, 1e-6), DLN_E_RANGE);
    LS_FAILS(f, dln_landscape_set_tol(f->ls, (dln_tol)-1, 1e-6), DLN_E_RANGE);
    const double bad[] = {0.0, 1.0, -1e-3, NAN, INFINITY};
    for (int i = 0; i < 5; i++) LS_FAILS(f, dln_landscape_set_tol(f->ls, DLN_TOL_HESS, bad[i]), DLN_E_RANGE);
    END;
}

static void c_dln_landscape_get_tol(fx *f)
{
    ck_assert(isnan(dln_landscape_get_tol(NULL, DLN_TOL_GRAD)));
    ck_assert(isnan(dln_landscape_get_tol(f->ls, (dln_tol)4)));
}

static void c_dln_landscape_classify(fx *f)
{
    BEGIN;
    REPORTS(dln_class_report, rep, DLN_CLASS_REPORT_V1_SIZE);
    static const size_t other[L + 1] = {D0, 5, 4, DL};
    dln_net *wrong = tu_net(L, other, 0.5, 2);
    EXPECT_STATUS(dln_landscape_classify(NULL, f->net, DLN_METHOD_AUTO, &rep, NULL, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_classify(f->ls, NULL, DLN_METHOD_AUTO, &rep, NULL, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_classify(f->ls, f->net, DLN_METHOD_AUTO, NULL, NULL, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_classify(f->ls, f->net, DLN_METHOD_AUTO, &small, f->pattern, f->out),
             DLN_E_RANGE);
    LS_FAILS(f, dln_landscape_classify(f->ls, f->net, (dln_method)4, &rep, f->pattern, f->out), DLN_E_RANGE);
    LS_FAILS(f, dln_landscape_classify(f->ls, wrong, DLN_METHOD_AUTO, &rep, f->pattern, f->out), DLN_E_DIM);
    REPORT_KEPT(rep);
    dln_net_free(wrong);
    END;
}

static void c_dln_class_name(fx *f)
{
    (void)f;
    ck_assert_ptr_nonnull(dln_class_name((dln_class)-1));
    ck_assert_ptr_nonnull(dln_class_name((dln_class)1000));
}

static void c_dln_landscape_distance(fx *f)
{
    BEGIN;
    REPORTS(dln_dist_report, rep, DLN_DIST_REPORT_V1_SIZE);
    static const size_t other[L + 1] = {D0, 5, 4, DL};
    dln_net *wrong = tu_net(L, other, 0.5, 2);
    dln_landscape *data = NULL; /* a data loss whose X X^T is not cI: no regularized theory */
    dln_loss *reg = NULL;
    ck_assert_ok(dln_loss_copy(&reg, f->loss));
    ck_assert_ok(dln_loss_set_l2_uniform(reg, 0.05));
    ck_assert_ok(dln_landscape_create(&data, reg, L, W));
    EXPECT_STATUS(dln_landscape_distance(NULL, f->net, &rep, NULL, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_distance(f->ls, NULL, &rep, NULL, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_distance(f->ls, f->net, NULL, NULL, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_distance(f->ls, f->net, &small, f->pattern, NULL), DLN_E_RANGE);
    LS_FAILS(f, dln_landscape_distance(f->ls, wrong, &rep, f->pattern, NULL), DLN_E_DIM);
    LS_FAILS(f, dln_landscape_distance(f->ls, f->net, &rep, f->pattern, wrong), DLN_E_DIM);
    EXPECT(dln_landscape_errmsg(data), dln_landscape_distance(data, f->net, &rep, f->pattern, NULL),
           DLN_E_UNSUPPORTED);
    REPORT_KEPT(rep);
    dln_landscape_free(data);
    dln_loss_free(reg);
    dln_net_free(wrong);
    END;
}

static void c_dln_landscape_rate(fx *f)
{
    BEGIN;
    REPORTS(dln_rate_report, rep, DLN_RATE_REPORT_V1_SIZE);
    int bad[3][8];
    bad_patterns(bad);
    EXPECT_STATUS(dln_landscape_rate(NULL, f->pattern, 0, &rep), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_rate(f->ls, NULL, 0, &rep), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_rate(f->ls, f->pattern, 0, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_rate(f->ls, f->pattern, 0, &small), DLN_E_RANGE);
    const double eta[] = {-0.1, NAN, INFINITY};
    for (int i = 0; i < 3; i++) LS_FAILS(f, dln_landscape_rate(f->ls, f->pattern, eta[i], &rep), DLN_E_RANGE);
    for (int k = 0; k < 3; k++) LS_FAILS(f, dln_landscape_rate(f->ls, bad[k], 0, &rep), DLN_E_RANGE);
    REPORT_KEPT(rep);
    END;
}

static void c_dln_critical_thresholds(fx *f)
{
    BEGIN;
    double *o = f->out;
    EXPECT_STATUS(dln_critical_thresholds(1, 0.1, o, o + 1, o + 2, o + 3), DLN_E_RANGE);
    const double lam[] = {0.0, -1.0, NAN, INFINITY};
    for (int i = 0; i < 4; i++)
        EXPECT_STATUS(dln_critical_thresholds(3, lam[i], o, o + 1, o + 2, o + 3), DLN_E_RANGE);
    END;
}

static void c_dln_critical_roots(fx *f)
{
    BEGIN;
    REPORTS(dln_root_info, info, DLN_ROOT_INFO_V1_SIZE);
    EXPECT_STATUS(dln_critical_roots(3, 0.1, 1.0, 0, NULL), DLN_E_NULL);
    EXPECT_STATUS(dln_critical_roots(3, 0.1, 1.0, 0, &small), DLN_E_RANGE);
    EXPECT_STATUS(dln_critical_roots(1, 0.1, 1.0, 0, &info), DLN_E_RANGE);
    EXPECT_STATUS(dln_critical_roots(3, NAN, 1.0, 0, &info), DLN_E_RANGE);
    EXPECT_STATUS(dln_critical_roots(3, 0.0, 1.0, 0, &info), DLN_E_RANGE);
    EXPECT_STATUS(dln_critical_roots(3, 0.1, -1.0, 0, &info), DLN_E_RANGE);
    EXPECT_STATUS(dln_critical_roots(3, 0.1, INFINITY, 0, &info), DLN_E_RANGE);
    EXPECT_STATUS(dln_critical_roots(3, 0.1, 1.0, 1.0, &info), DLN_E_RANGE);
    EXPECT_STATUS(dln_critical_roots(3, 0.1, 1.0, NAN, &info), DLN_E_RANGE);
    REPORT_KEPT(info);
    END;
}

/* ---- optimizers -------------------------------------------------------------------- */

static void c_dln_opt_kind_name(fx *f) { (void)f; ck_assert_str_eq(dln_opt_kind_name((dln_opt_kind)99), "unknown"); }
static void c_dln_stop_name(fx *f) { (void)f; ck_assert_str_eq(dln_stop_name((dln_stop)-1), "unknown"); }

static void c_dln_opt_create(fx *f)
{
    BEGIN;
    dln_opt *o = (dln_opt *)f;
    EXPECT_STATUS(dln_opt_create(NULL, DLN_OPT_GD), DLN_E_NULL);
    EXPECT_STATUS(dln_opt_create(&o, (dln_opt_kind)7), DLN_E_RANGE);
    EXPECT_STATUS(dln_opt_create(&o, (dln_opt_kind)-1), DLN_E_RANGE);
    ck_assert_ptr_eq(o, (dln_opt *)f);
    END;
}

static void c_dln_opt_free(fx *f) { (void)f; dln_opt_free(NULL); }

static void c_dln_opt_errmsg(fx *f) { (void)f; ck_assert_ptr_nonnull(dln_opt_errmsg(NULL)); }
static void c_dln_opt_get_kind(fx *f) { (void)f; ck_assert_int_eq(dln_opt_get_kind(NULL), DLN_OPT_GD); }

/* The optimizer a setter applies to: the fixture's L-BFGS, or a new one of
 * @p kind (the fixture must then refuse the option as unsupported). */
static dln_opt *opt_of_kind(fx *f, dln_opt_kind kind)
{
    if (kind == DLN_OPT_LBFGS) return f->opt;
    dln_opt *o = NULL;
    ck_assert_ok(dln_opt_create(&o, kind));
    return o;
}

static void opt_done(fx *f, dln_opt *o, const double *fp_before)
{
    if (o == f->opt) return;
    double *fp = malloc(FP * sizeof *fp);
    ck_assert_ptr_nonnull(fp);
    opt_fp(o, fp);
    same_bytes(fp, fp_before, FP * sizeof *fp, "the optimizer");
    free(fp);
    dln_opt_free(o);
}

/* A setter of one double: NULL handle, then each value of bad[] (DLN_E_RANGE). */
static void setter1(fx *f, dln_opt_kind kind, dln_status (*set)(dln_opt *, double),
                    const double *bad, int nbad)
{
    BEGIN;
    dln_opt *o = opt_of_kind(f, kind);
    double fp[FP];
    opt_fp(o, fp);
    EXPECT_STATUS(set(NULL, 0.5), DLN_E_NULL);
    for (int i = 0; i < nbad; i++) EXPECT(dln_opt_errmsg(o), set(o, bad[i]), DLN_E_RANGE);
    if (o != f->opt) OPT_FAILS(f, set(f->opt, 0.5), DLN_E_UNSUPPORTED);
    opt_done(f, o, fp);
    END;
}
/* A setter of two doubles: each pair of bad[] (DLN_E_RANGE). */
static void setter2(fx *f, dln_opt_kind kind, dln_status (*set)(dln_opt *, double, double),
                    const double (*bad)[2], int nbad)
{
    BEGIN;
    dln_opt *o = opt_of_kind(f, kind);
    double fp[FP];
    opt_fp(o, fp);
    EXPECT_STATUS(set(NULL, 0.5, 0.5), DLN_E_NULL);
    for (int i = 0; i < nbad; i++) EXPECT(dln_opt_errmsg(o), set(o, bad[i][0], bad[i][1]), DLN_E_RANGE);
    if (o != f->opt) OPT_FAILS(f, set(f->opt, 0.5, 0.5), DLN_E_UNSUPPORTED);
    opt_done(f, o, fp);
    END;
}
/* A getter of two doubles: NULL handle; NULL outputs are allowed. */
static void getter2(fx *f, dln_status (*get)(const dln_opt *, double *, double *))
{
    BEGIN;
    EXPECT_STATUS(get(NULL, f->out, f->out + 1), DLN_E_NULL);
    ck_assert_ok(get(f->opt, NULL, NULL));
    END;
}

#define NBAD(a) ((int)(sizeof(a) / sizeof(a)[0]))
static const double positive_finite[] = {0.0, -1.0, NAN, INFINITY};
static const double nonneg_finite[] = {-1e-9, NAN, INFINITY, -INFINITY};

static void c_dln_opt_set_step(fx *f) { setter1(f, DLN_OPT_LBFGS, dln_opt_set_step, positive_finite, NBAD(positive_finite)); }
static void c_dln_opt_set_grad_tol(fx *f) { setter1(f, DLN_OPT_LBFGS, dln_opt_set_grad_tol, nonneg_finite, NBAD(nonneg_finite)); }
static void c_dln_opt_set_loss_rel_tol(fx *f)
{
    setter1(f, DLN_OPT_LBFGS, dln_opt_set_loss_rel_tol, nonneg_finite, NBAD(nonneg_finite));
}
static void c_dln_opt_set_loss_abs_tol(fx *f)
{
    setter1(f, DLN_OPT_LBFGS, dln_opt_set_loss_abs_tol, nonneg_finite, NBAD(nonneg_finite));
}
static void c_dln_opt_set_step_tol(fx *f) { setter1(f, DLN_OPT_LBFGS, dln_opt_set_step_tol, nonneg_finite, NBAD(nonneg_finite)); }
static void c_dln_opt_set_divergence(fx *f)
{
    static const double bad[] = {1.0, 0.5, NAN, -INFINITY};
    setter1(f, DLN_OPT_LBFGS, dln_opt_set_divergence, bad, NBAD(bad));
}
static void c_dln_opt_set_momentum(fx *f)
{
    static const double bad[] = {-0.1, 1.0, NAN, INFINITY};
    setter1(f, DLN_OPT_HEAVY_BALL, dln_opt_set_momentum, bad, NBAD(bad));
}
static void c_dln_opt_set_adam_eps(fx *f) { setter1(f, DLN_OPT_ADAM, dln_opt_set_adam_eps, positive_finite, NBAD(positive_finite)); }

static void c_dln_opt_set_adam_betas(fx *f)
{
    static const double bad[][2] = {{1.0, 0.9}, {0.9, 1.0}, {-0.1, 0.9}, {NAN, 0.9}, {0.9, INFINITY}};
    setter2(f, DLN_OPT_ADAM, dln_opt_set_adam_betas, bad, NBAD(bad));
}
static void c_dln_opt_set_armijo(fx *f)
{
    static const double bad[][2] = {{0.0, 0.5}, {1.0, 0.5}, {1e-4, 0.0}, {1e-4, 1.0}, {NAN, 0.5}};
    setter2(f, DLN_OPT_GD_ARMIJO, dln_opt_set_armijo, bad, NBAD(bad));
}
static void c_dln_opt_set_wolfe(fx *f)
{
    static const double bad[][2] = {{0.5, 0.4}, {0.0, 0.9}, {1e-4, 1.0}, {1e-4, NAN}, {0.5, 0.5}};
    setter2(f, DLN_OPT_LBFGS, dln_opt_set_wolfe, bad, NBAD(bad));
}
static void c_dln_opt_set_escape(fx *f)
{
    static const double bad[][2] = {{0.0, 1e-6}, {1e-4, 0.0}, {-1.0, 1e-6}, {NAN, 1e-6}, {1e-4, INFINITY}};
    setter2(f, DLN_OPT_LBFGS_ESCAPE, dln_opt_set_escape, bad, NBAD(bad));
}
static void c_dln_opt_get_adam_betas(fx *f) { getter2(f, dln_opt_get_adam_betas); }
static void c_dln_opt_get_armijo(fx *f) { getter2(f, dln_opt_get_armijo); }
static void c_dln_opt_get_wolfe(fx *f) { getter2(f, dln_opt_get_wolfe); }
static void c_dln_opt_get_escape(fx *f) { getter2(f, dln_opt_get_escape); }

/* Getters of one value: the documented value for NULL. */
static void c_dln_opt_get_step(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_step(NULL))); }
static void c_dln_opt_get_grad_tol(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_grad_tol(NULL))); }
static void c_dln_opt_get_loss_rel_tol(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_loss_rel_tol(NULL))); }
static void c_dln_opt_get_loss_abs_tol(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_loss_abs_tol(NULL))); }
static void c_dln_opt_get_step_tol(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_step_tol(NULL))); }
static void c_dln_opt_get_divergence(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_divergence(NULL))); }
static void c_dln_opt_get_momentum(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_momentum(NULL))); }
static void c_dln_opt_get_adam_eps(fx *f) { (void)f; ck_assert(isnan(dln_opt_get_adam_eps(NULL))); }
static void c_dln_opt_get_max_iter(fx *f) { (void)f; ck_assert_uint_eq(dln_opt_get_max_iter(NULL), 0); }
static void c_dln_opt_get_memory(fx *f) { (void)f; ck_assert_uint_eq(dln_opt_get_memory(NULL), 0); }
static void c_dln_opt_get_seed(fx *f) { (void)f; ck_assert_uint_eq(dln_opt_get_seed(NULL), 0); }
static void c_dln_opt_get_rate_window(fx *f) { (void)f; ck_assert_uint_eq(dln_opt_get_rate_window(NULL), 0); }
static void c_dln_opt_get_history_capacity(fx *f) { (void)f; ck_assert_uint_eq(dln_opt_get_history_capacity(NULL), 0); }
static void c_dln_opt_history_rows(fx *f) { (void)f; ck_assert_uint_eq(dln_opt_history_rows(NULL), 0); }
static void c_dln_opt_get_metrics(fx *f)
{
    dln_metric m[DLN_METRIC_MAX_COLUMNS];
    ck_assert_uint_eq(dln_opt_get_metrics(NULL, m), 0);
    ck_assert_uint_eq(dln_opt_get_metrics(f->opt, NULL), 2); /* default columns, none written */
}

static void c_dln_opt_set_max_iter(fx *f)
{
    (void)f; /* every size_t is a valid cap */
    EXPECT_STATUS(dln_opt_set_max_iter(NULL, 10), DLN_E_NULL);
}
static void c_dln_opt_set_seed(fx *f) { (void)f; EXPECT_STATUS(dln_opt_set_seed(NULL, 1), DLN_E_NULL); }
static void c_dln_opt_reset(fx *f) { (void)f; EXPECT_STATUS(dln_opt_reset(NULL), DLN_E_NULL); }

static void c_dln_opt_set_memory(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_opt_set_memory(NULL, 5), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_set_memory(f->opt, 0), DLN_E_RANGE);
    OPT_FAILS(f, dln_opt_set_memory(f->opt, 1001), DLN_E_RANGE);
    OPT_FAILS(f, dln_opt_set_memory(f->opt, SIZE_MAX), DLN_E_RANGE);
    END;
}

static void c_dln_opt_set_rate_window(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_opt_set_rate_window(NULL, 5), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_set_rate_window(f->opt, 1), DLN_E_RANGE);
    OPT_FAILS(f, dln_opt_set_rate_window(f->opt, SIZE_MAX), DLN_E_RANGE);
    END;
}

static int never(const dln_progress *p, void *user) { (void)p, (void)user; return 0; }

static void c_dln_opt_set_callback(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_opt_set_callback(NULL, never, NULL, 1), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_set_callback(f->opt, never, NULL, 0), DLN_E_RANGE);
    END;
}

static void c_dln_opt_set_metrics(fx *f)
{
    BEGIN;
    dln_metric m[DLN_METRIC_MAX_COLUMNS + 1];
    for (int i = 0; i <= DLN_METRIC_MAX_COLUMNS; i++) m[i] = DLN_METRIC_LOSS;
    EXPECT_STATUS(dln_opt_set_metrics(NULL, 1, m), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_set_metrics(f->opt, 1, NULL), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_set_metrics(f->opt, 0, m), DLN_E_RANGE);
    OPT_FAILS(f, dln_opt_set_metrics(f->opt, DLN_METRIC_MAX_COLUMNS + 1, m), DLN_E_RANGE);
    const int bad[] = {5, 15, 19, -1};
    for (int i = 0; i < 4; i++) {
        m[1] = (dln_metric)bad[i];
        OPT_FAILS(f, dln_opt_set_metrics(f->opt, 2, m), DLN_E_RANGE);
    }
    END;
}

static void c_dln_opt_set_history_capacity(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_opt_set_history_capacity(NULL, 10), DLN_E_NULL);
    /* rows x columns beyond memory: the old history is kept */
    dln_status st = dln_opt_set_history_capacity(f->opt, SIZE_MAX);
    ck_assert_msg(st == DLN_E_NOMEM || st == DLN_E_OVERFLOW, "SIZE_MAX rows -> %d", (int)st);
    ck_assert_str_ne(dln_opt_errmsg(f->opt), "");
    END;
}

static void c_dln_opt_history(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_opt_history(NULL, f->out, 4), DLN_E_NULL);
    CONST_FAILS(f, dln_opt_history(f->opt, f->out, 0), DLN_E_LD);
    END;
}

/* The run functions share the argument errors of a (loss, net) pair. */
static dln_status run_plain(fx *f, dln_opt *o, dln_loss *l, dln_net *n, dln_opt_report *rep)
{
    (void)f;
    return dln_opt_run(o, l, n, rep);
}
static dln_status run_hist(fx *f, dln_opt *o, dln_loss *l, dln_net *n, dln_opt_report *rep)
{
    return dln_opt_run_history(o, l, n, f->out, 8, 8, rep);
}
static dln_status run_step(fx *f, dln_opt *o, dln_loss *l, dln_net *n, dln_opt_report *rep)
{
    (void)f, (void)rep;
    dln_stop stop;
    return dln_opt_step(o, l, n, &stop);
}

static void run_cases(fx *f, dln_status (*run)(fx *, dln_opt *, dln_loss *, dln_net *, dln_opt_report *))
{
    BEGIN;
    SIZED(dln_opt_report, rep);
    static const size_t other[L + 1] = {D0 + 1, 4, 5, DL};
    dln_net *wrong = tu_net(L, other, 0.5, 2), *blown = NULL;
    ck_assert_ok(dln_net_copy(&blown, f->net));
    ck_assert_ok(dln_net_init_gaussian(blown, 1e200, 3)); /* F overflows at theta_0 */
    double before_blown[NP], after[NP];
    ck_assert_ok(dln_net_get_params(blown, before_blown));
    EXPECT_STATUS(run(f, NULL, f->loss, f->net, &rep), DLN_E_NULL);
    OPT_FAILS(f, run(f, f->opt, NULL, f->net, &rep), DLN_E_NULL);
    OPT_FAILS(f, run(f, f->opt, f->loss, NULL, &rep), DLN_E_NULL);
    OPT_FAILS(f, run(f, f->opt, f->loss, wrong, &rep), DLN_E_DIM);
    dln_opt_report keep = rep;
    OPT_FAILS(f, run(f, f->opt, f->loss, blown, &rep), DLN_E_NONFINITE);
    REPORT_KEPT(rep);
    ck_assert_ok(dln_net_get_params(blown, after));
    ck_assert(memcmp(after, before_blown, sizeof after) == 0);
    dln_net_free(wrong), dln_net_free(blown);
    END;
}

static void c_dln_opt_run(fx *f)
{
    run_cases(f, run_plain);
    BEGIN;
    SMALL(dln_opt_report, small, DLN_OPT_REPORT_V1_SIZE);
    OPT_FAILS(f, dln_opt_run(f->opt, f->loss, f->net, &small), DLN_E_RANGE);
    END;
}

static void c_dln_opt_run_history(fx *f)
{
    run_cases(f, run_hist);
    BEGIN;
    OPT_FAILS(f, dln_opt_run_history(f->opt, f->loss, f->net, NULL, 8, 8, NULL), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_run_history(f->opt, f->loss, f->net, f->out, 7, 8, NULL), DLN_E_LD);
    OPT_FAILS(f, dln_opt_run_history(f->opt, f->loss, f->net, f->out, 0, 0, NULL), DLN_E_LD);
    OPT_FAILS(f, dln_opt_run_history(f->opt, f->loss, f->net, f->out, HUGE_SZ, 8, NULL), DLN_E_OVERFLOW);
    END;
}

static void c_dln_opt_step(fx *f) { run_cases(f, run_step); }

static void c_dln_opt_get_report(fx *f)
{
    BEGIN;
    SIZED(dln_opt_report, rep);
    SMALL(dln_opt_report, small, DLN_OPT_REPORT_V1_SIZE);
    EXPECT_STATUS(dln_opt_get_report(NULL, &rep), DLN_E_NULL);
    CONST_FAILS(f, dln_opt_get_report(f->opt, NULL), DLN_E_NULL);
    CONST_FAILS(f, dln_opt_get_report(f->opt, &small), DLN_E_RANGE);
    END;
}

static void c_dln_opt_get_escape_info(fx *f)
{
    BEGIN;
    REPORTS(dln_escape_info, info, DLN_ESCAPE_INFO_V1_SIZE);
    EXPECT_STATUS(dln_opt_get_escape_info(NULL, 0, &info), DLN_E_NULL);
    CONST_FAILS(f, dln_opt_get_escape_info(f->opt, 0, NULL), DLN_E_NULL);
    CONST_FAILS(f, dln_opt_get_escape_info(f->opt, 0, &info), DLN_E_RANGE); /* no escape yet */
    CONST_FAILS(f, dln_opt_get_escape_info(f->opt, 0, &small), DLN_E_RANGE);
    REPORT_KEPT(info);
    END;
}

/* ---- added in 0.2.0: residual layers, slices, orbit distances, steps ------- */

static void c_dln_net_set_residual(fx *f)
{
    BEGIN; /* the fixture's layers are all non-square */
    EXPECT_STATUS(dln_net_set_residual(NULL, 1, 1), DLN_E_NULL);
    NET_FAILS(f, dln_net_set_residual(f->net, 0, 0), DLN_E_DIM);
    NET_FAILS(f, dln_net_set_residual(f->net, L + 1, 0), DLN_E_DIM);
    NET_FAILS(f, dln_net_set_residual(f->net, 1, 1), DLN_E_DIM);
    NET_FAILS(f, dln_net_set_residual(f->net, 1, 2), DLN_E_RANGE);
    END;
}

static void c_dln_net_get_residual(fx *f)
{
    ck_assert_int_eq(dln_net_get_residual(NULL, 1), 0);
    ck_assert_int_eq(dln_net_get_residual(f->net, 0), 0);
    ck_assert_int_eq(dln_net_get_residual(f->net, L + 1), 0);
}

static void c_dln_loss_line_coeffs(fx *f)
{
    BEGIN;
    static const size_t other[L + 1] = {D0 + 1, 4, 5, DL};
    dln_net *wrong = tu_net(L, other, 0.5, 2);
    double v[NP];
    memcpy(v, f->v, sizeof v);
    EXPECT_STATUS(dln_loss_line_coeffs(NULL, f->net, f->v, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_line_coeffs(f->loss, NULL, f->v, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_line_coeffs(f->loss, f->net, NULL, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_line_coeffs(f->loss, f->net, f->v, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_line_coeffs(f->loss, wrong, f->v, f->out), DLN_E_DIM);
    v[3] = NAN;
    LOSS_FAILS(f->loss, dln_loss_line_coeffs(f->loss, f->net, v, f->out), DLN_E_NONFINITE);
    dln_net_free(wrong);
    END;
}

static void c_dln_loss_slice_line(fx *f)
{
    BEGIN;
    static const size_t other[L + 1] = {D0, 5, 4, DL};
    dln_net *wrong = tu_net(L, other, 0.5, 2);
    double t[3] = {0.0, 0.5, 1.0};
    EXPECT_STATUS(dln_loss_slice_line(NULL, f->net, f->net, 3, t, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_line(f->loss, NULL, f->net, 3, t, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_line(f->loss, f->net, NULL, 3, t, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_line(f->loss, f->net, f->net, 3, NULL, f->out), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_line(f->loss, f->net, f->net, 3, t, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_line(f->loss, f->net, wrong, 3, t, f->out), DLN_E_DIM);
    t[1] = INFINITY;
    LOSS_FAILS(f->loss, dln_loss_slice_line(f->loss, f->net, f->net, 3, t, f->out), DLN_E_NONFINITE);
    dln_net_free(wrong);
    END;
}

static void c_dln_loss_slice_plane(fx *f)
{
    BEGIN;
    double g[3] = {-1.0, 0.0, 1.0}, *o = f->out;
    const double *v = f->v;
#define PLANE(loss, net, d1, d2, a, b, out, ld) dln_loss_slice_plane(loss, net, d1, d2, 3, a, 3, b, out, ld)
    EXPECT_STATUS(PLANE(NULL, f->net, v, v, g, g, o, 3), DLN_E_NULL);
    LOSS_FAILS(f->loss, PLANE(f->loss, NULL, v, v, g, g, o, 3), DLN_E_NULL);
    LOSS_FAILS(f->loss, PLANE(f->loss, f->net, NULL, v, g, g, o, 3), DLN_E_NULL);
    LOSS_FAILS(f->loss, PLANE(f->loss, f->net, v, v, g, NULL, o, 3), DLN_E_NULL);
    LOSS_FAILS(f->loss, PLANE(f->loss, f->net, v, v, g, g, NULL, 3), DLN_E_NULL);
    LOSS_FAILS(f->loss, PLANE(f->loss, f->net, v, v, g, g, o, 2), DLN_E_LD);
    LOSS_FAILS(f->loss, PLANE(f->loss, f->net, v, v, g, g, o, HUGE_SZ), DLN_E_OVERFLOW);
    g[2] = NAN;
    LOSS_FAILS(f->loss, PLANE(f->loss, f->net, v, v, g, g, o, 3), DLN_E_NONFINITE);
#undef PLANE
    END;
}

static void c_dln_loss_slice_directions(fx *f)
{
    BEGIN;
    double *d1 = f->out, *d2 = f->out + NP;
    EXPECT_STATUS(dln_loss_slice_directions(NULL, f->net, DLN_SLICE_RANDOM, 1, d1, d2, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_directions(f->loss, NULL, DLN_SLICE_RANDOM, 1, d1, d2, NULL),
               DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_directions(f->loss, f->net, DLN_SLICE_RANDOM, 1, NULL, d2, NULL),
               DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_slice_directions(f->loss, f->net, (dln_slice_dirs)3, 1, d1, d2, NULL),
               DLN_E_RANGE);
    END;
}

static void c_dln_landscape_root_layers(fx *f)
{
    BEGIN;
    size_t nv = dln_landscape_num_values(f->ls);
    EXPECT_STATUS(dln_landscape_root_layers(NULL, 0, f->out, L), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_root_layers(f->ls, 0, NULL, L), DLN_E_NULL);
    CONST_FAILS(f, dln_landscape_root_layers(f->ls, nv, f->out, L), DLN_E_DIM);
    CONST_FAILS(f, dln_landscape_root_layers(f->ls, 0, f->out, L - 1), DLN_E_LD);
    END;
}

static void c_dln_landscape_distance_to(fx *f)
{
    BEGIN;
    REPORTS(dln_dist_report, rep, DLN_DIST_REPORT_V1_SIZE);
    int bad[3][8];
    bad_patterns(bad);
    EXPECT_STATUS(dln_landscape_distance_to(NULL, f->net, f->pattern, &rep, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_distance_to(f->ls, NULL, f->pattern, &rep, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_distance_to(f->ls, f->net, NULL, &rep, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_distance_to(f->ls, f->net, f->pattern, NULL, NULL), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_distance_to(f->ls, f->net, f->pattern, &small, NULL), DLN_E_RANGE);
    for (int k = 0; k < 3; k++)
        LS_FAILS(f, dln_landscape_distance_to(f->ls, f->net, bad[k], &rep, NULL), DLN_E_RANGE);
    REPORT_KEPT(rep);
    END;
}

static void c_dln_landscape_excess(fx *f)
{
    BEGIN;
    int bad[3][8];
    bad_patterns(bad);
    EXPECT_STATUS(dln_landscape_excess(NULL, f->net, NULL, f->out, f->out + 1), DLN_E_NULL);
    LS_FAILS(f, dln_landscape_excess(f->ls, NULL, NULL, f->out, f->out + 1), DLN_E_NULL);
    for (int k = 0; k < 3; k++)
        LS_FAILS(f, dln_landscape_excess(f->ls, f->net, bad[k], f->out, f->out + 1), DLN_E_RANGE);
    END;
}

static void c_dln_opt_set_step_from_hessian(fx *f)
{
    BEGIN;
    dln_opt *adam = opt_of_kind(f, DLN_OPT_ADAM);
    double fp[FP];
    opt_fp(adam, fp);
    double *eta = f->out, *mu = f->out + 1;
    EXPECT_STATUS(dln_opt_set_step_from_hessian(NULL, f->loss, f->net, 0.5, 1, eta, mu), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_set_step_from_hessian(f->opt, NULL, f->net, 0.5, 1, eta, mu), DLN_E_NULL);
    OPT_FAILS(f, dln_opt_set_step_from_hessian(f->opt, f->loss, NULL, 0.5, 1, eta, mu), DLN_E_NULL);
    const double bad[] = {0.0, -0.5, 1.5, NAN};
    for (int i = 0; i < 4; i++)
        OPT_FAILS(f, dln_opt_set_step_from_hessian(f->opt, f->loss, f->net, bad[i], 1, eta, mu),
                  DLN_E_RANGE);
    EXPECT(dln_opt_errmsg(adam), dln_opt_set_step_from_hessian(adam, f->loss, f->net, 0.5, 1, eta, mu),
           DLN_E_UNSUPPORTED);
    opt_done(f, adam, fp);
    END;
}

/* ---- summaries as values (0.2.0) ------------------------------------------ */

static void c_dln_loss_create_summary(fx *f)
{
    BEGIN;
    dln_loss *l = (dln_loss *)f;
    double R[D0 * D0] = {1, 0, 0, 2, 3, 0, 4, 5, 6}, C[DL * D0] = {1, 2, 3, 4, 5, 6};
#define SUMMARY(out, m, R_, ldr, C_, ldc, r0, mean) \
    dln_loss_create_summary(out, D0, DL, m, R_, ldr, C_, ldc, r0, mean)
    EXPECT_STATUS(SUMMARY(NULL, M, R, D0, C, DL, 0.5, 0), DLN_E_NULL);
    EXPECT_STATUS(SUMMARY(&l, M, NULL, D0, C, DL, 0.5, 0), DLN_E_NULL);
    EXPECT_STATUS(SUMMARY(&l, M, R, D0, NULL, DL, 0.5, 0), DLN_E_NULL);
    EXPECT_STATUS(SUMMARY(&l, 0, R, D0, C, DL, 0.5, 0), DLN_E_DIM);
    EXPECT_STATUS(SUMMARY(&l, M, R, D0 - 1, C, DL, 0.5, 0), DLN_E_LD);
    EXPECT_STATUS(SUMMARY(&l, M, R, D0, C, DL - 1, 0.5, 0), DLN_E_LD);
    EXPECT_STATUS(SUMMARY(&l, M, R, HUGE_SZ, C, DL, 0.5, 0), DLN_E_OVERFLOW);
    EXPECT_STATUS(SUMMARY(&l, M, R, D0, C, DL, -1.0, 0), DLN_E_RANGE);
    EXPECT_STATUS(SUMMARY(&l, M, R, D0, C, DL, 0.5, 2), DLN_E_RANGE);
    C[3] = NAN;
    EXPECT_STATUS(SUMMARY(&l, M, R, D0, C, DL, 0.5, 0), DLN_E_NONFINITE);
#undef SUMMARY
    ck_assert_ptr_eq(l, (dln_loss *)f);
    END;
}

static void c_dln_loss_merge(fx *f)
{
    BEGIN;
    dln_loss *other = NULL; /* d_0 = 2: does not fit */
    ck_assert_ok(dln_loss_create_data(&other, 2, DL, M, f->X, 2, f->Y, DL));
    EXPECT_STATUS(dln_loss_merge(NULL, f->loss), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_merge(f->loss, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_merge(f->loss, other), DLN_E_DIM);
    LOSS_FAILS(f->tloss, dln_loss_merge(f->tloss, f->loss), DLN_E_UNSUPPORTED);
    dln_loss_free(other);
    END;
}

static void c_dln_loss_encoded_size(fx *f)
{
    ck_assert_uint_eq(dln_loss_encoded_size(NULL), 0);
    ck_assert_uint_eq(dln_loss_encoded_size(f->tloss), 0);
}

static void c_dln_loss_encode(fx *f)
{
    BEGIN;
    size_t size = dln_loss_encoded_size(f->loss);
    ck_assert_uint_gt(size, 0);
    ck_assert_uint_le(size, sizeof f->out);
    EXPECT_STATUS(dln_loss_encode(NULL, f->out, size), DLN_E_NULL);
    CONST_FAILS(f, dln_loss_encode(f->loss, NULL, size), DLN_E_NULL);
    CONST_FAILS(f, dln_loss_encode(f->loss, f->out, size - 1), DLN_E_RANGE);
    CONST_FAILS(f, dln_loss_encode(f->tloss, f->out, size), DLN_E_UNSUPPORTED);
    END;
}

/* A valid encoding of the fixture's data loss, then damaged copies. */
static void c_dln_loss_decode(fx *f)
{
    BEGIN;
    size_t size = dln_loss_encoded_size(f->loss);
    unsigned char *enc = malloc(size), *bad = malloc(size);
    ck_assert(enc && bad);
    ck_assert_ok(dln_loss_encode(f->loss, enc, size));
    dln_loss *l = (dln_loss *)f;
    char msg[64];
    EXPECT_STATUS(dln_loss_decode(NULL, enc, size, msg, sizeof msg), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_decode(&l, NULL, size, msg, sizeof msg), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_decode(&l, enc, 0, msg, sizeof msg), DLN_E_FORMAT);
    EXPECT_STATUS(dln_loss_decode(&l, enc, size - 1, msg, sizeof msg), DLN_E_FORMAT);
    ck_assert_str_ne(msg, "");
    const size_t at[] = {0, 9, size / 2, size - 1}; /* magic, header, payload, checksum */
    for (int i = 0; i < 4; i++) {
        memcpy(bad, enc, size);
        bad[at[i]] ^= 0x5a;
        EXPECT_STATUS(dln_loss_decode(&l, bad, size, NULL, 0), DLN_E_FORMAT);
    }
    ck_assert_ptr_eq(l, (dln_loss *)f);
    free(enc), free(bad);
    END;
}

static void c_dln_loss_save(fx *f)
{
    BEGIN;
    char msg[64] = "";
    EXPECT_STATUS(dln_loss_save(NULL, "/tmp/x", msg, sizeof msg), DLN_E_NULL);
    CONST_FAILS(f, dln_loss_save(f->loss, NULL, msg, sizeof msg), DLN_E_NULL);
    CONST_FAILS(f, dln_loss_save(f->tloss, "/tmp/x", msg, sizeof msg), DLN_E_UNSUPPORTED);
    CONST_FAILS(f, dln_loss_save(f->loss, "/nonexistent-dir/dlnet.sum", msg, sizeof msg), DLN_E_IO);
    ck_assert_str_ne(msg, "");
    END;
}

static void c_dln_loss_load(fx *f)
{
    BEGIN;
    dln_loss *l = (dln_loss *)f;
    char msg[64] = "";
    EXPECT_STATUS(dln_loss_load(NULL, "/tmp/x", msg, sizeof msg), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_load(&l, NULL, msg, sizeof msg), DLN_E_NULL);
    EXPECT_STATUS(dln_loss_load(&l, "/nonexistent-dir/dlnet.sum", msg, sizeof msg), DLN_E_IO);
    ck_assert_str_ne(msg, "");
    ck_assert_ptr_eq(l, (dln_loss *)f);
    END;
}

static void c_dln_loss_add_samples_progress(fx *f)
{
    BEGIN;
    size_t done = 99;
#define PROGRESS(loss, m, X, ldx, Y, ldy, chunk) \
    dln_loss_add_samples_progress(loss, m, X, ldx, Y, ldy, chunk, NULL, NULL, &done)
    EXPECT_STATUS(PROGRESS(NULL, M, f->X, D0, f->Y, DL, 2), DLN_E_NULL);
    LOSS_FAILS(f->loss, PROGRESS(f->loss, M, NULL, D0, f->Y, DL, 2), DLN_E_NULL);
    LOSS_FAILS(f->loss, PROGRESS(f->loss, 0, f->X, D0, f->Y, DL, 2), DLN_E_DIM);
    LOSS_FAILS(f->loss, PROGRESS(f->loss, M, f->X, D0 - 1, f->Y, DL, 2), DLN_E_LD);
    LOSS_FAILS(f->loss, PROGRESS(f->loss, 2, f->X, HUGE_SZ, f->Y, DL, 2), DLN_E_OVERFLOW);
    LOSS_FAILS(f->tloss, PROGRESS(f->tloss, M, f->X, D0, f->Y, DL, 2), DLN_E_UNSUPPORTED);
#undef PROGRESS
    END;
}

/* ---- spectra beyond the extreme eigenvalues (0.2.0) ---------------------------- */

static void c_dln_loss_hessian_trace(fx *f)
{
    BEGIN;
    double *o = f->out;
    EXPECT_STATUS(dln_loss_hessian_trace(NULL, f->net, o, o + 1, o + 8), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hessian_trace(f->loss, NULL, o, o + 1, o + 8), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hessian_trace(f->loss, f->net, NULL, NULL, NULL), DLN_E_NULL);
    END;
}

static void c_dln_loss_hessian_trace_estimate(fx *f)
{
    BEGIN;
    double *o = f->out;
    EXPECT_STATUS(dln_loss_hessian_trace_estimate(NULL, f->net, 8, 1, o, o + 1), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hessian_trace_estimate(f->loss, NULL, 8, 1, o, o + 1), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hessian_trace_estimate(f->loss, f->net, 8, 1, NULL, o + 1), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_hessian_trace_estimate(f->loss, f->net, 1, 1, o, o + 1), DLN_E_RANGE);
    END;
}

static void c_dln_loss_hessian_density(fx *f)
{
    BEGIN;
    double *nodes = f->out, *wts = f->out + 64, *dens = f->out + 128, grid[2] = {0.0, 1.0};
#define DENSITY(loss, net, probes, steps, sigma, g) \
    dln_loss_hessian_density(loss, net, probes, steps, 1, nodes, wts, sigma, 2, g, dens)
    EXPECT_STATUS(DENSITY(NULL, f->net, 2, 4, 0.1, grid), DLN_E_NULL);
    LOSS_FAILS(f->loss, DENSITY(f->loss, NULL, 2, 4, 0.1, grid), DLN_E_NULL);
    LOSS_FAILS(f->loss, DENSITY(f->loss, f->net, 0, 4, 0.1, grid), DLN_E_DIM);
    LOSS_FAILS(f->loss, DENSITY(f->loss, f->net, 2, 0, 0.1, grid), DLN_E_DIM);
    LOSS_FAILS(f->loss, DENSITY(f->loss, f->net, 2, NP + 1, 0.1, grid), DLN_E_DIM);
    LOSS_FAILS(f->loss, DENSITY(f->loss, f->net, 2, 4, 0.0, grid), DLN_E_RANGE);
    LOSS_FAILS(f->loss, DENSITY(f->loss, f->net, 2, 4, NAN, grid), DLN_E_RANGE);
    grid[1] = INFINITY;
    LOSS_FAILS(f->loss, DENSITY(f->loss, f->net, 2, 4, 0.1, grid), DLN_E_NONFINITE);
#undef DENSITY
    END;
}

static void c_dln_loss_layer_eigs(fx *f)
{
    BEGIN;
    double *ev = f->out;
#define LAYER(loss, net, first, last, which, k) \
    dln_loss_layer_eigs(loss, net, first, last, which, k, 0, 0, 1, ev, NULL)
    EXPECT_STATUS(LAYER(NULL, f->net, 1, 2, DLN_EIG_LARGEST, 1), DLN_E_NULL);
    LOSS_FAILS(f->loss, LAYER(f->loss, NULL, 1, 2, DLN_EIG_LARGEST, 1), DLN_E_NULL);
    LOSS_FAILS(f->loss, LAYER(f->loss, f->net, 0, 2, DLN_EIG_LARGEST, 1), DLN_E_DIM);
    LOSS_FAILS(f->loss, LAYER(f->loss, f->net, 2, 1, DLN_EIG_LARGEST, 1), DLN_E_DIM);
    LOSS_FAILS(f->loss, LAYER(f->loss, f->net, 1, L + 1, DLN_EIG_LARGEST, 1), DLN_E_DIM);
    LOSS_FAILS(f->loss, LAYER(f->loss, f->net, 1, 2, (dln_eig_which)2, 1), DLN_E_RANGE);
    LOSS_FAILS(f->loss, LAYER(f->loss, f->net, 1, 1, DLN_EIG_LARGEST, 0), DLN_E_DIM);
#undef LAYER
    END;
}

static void c_dln_loss_hessian_eigs_deflated(fx *f)
{
    BEGIN;
    double *ev = f->out;
    size_t removed = 7;
#define DEFL(loss, net, which, k, tol, options) \
    dln_loss_hessian_eigs_deflated(loss, net, which, k, tol, 0, 1, options, ev, NULL, 0, &removed, NULL)
    EXPECT_STATUS(DEFL(NULL, f->net, DLN_EIG_SMALLEST, 1, 0, 0), DLN_E_NULL);
    LOSS_FAILS(f->loss, DEFL(f->loss, NULL, DLN_EIG_SMALLEST, 1, 0, 0), DLN_E_NULL);
    LOSS_FAILS(f->loss, DEFL(f->loss, f->net, DLN_EIG_SMALLEST, 0, 0, 0), DLN_E_DIM);
    LOSS_FAILS(f->loss, DEFL(f->loss, f->net, (dln_eig_which)2, 1, 0, 0), DLN_E_RANGE);
    LOSS_FAILS(f->loss, DEFL(f->loss, f->net, DLN_EIG_SMALLEST, 1, NAN, 0), DLN_E_RANGE);
    LOSS_FAILS(f->loss, DEFL(f->loss, f->net, DLN_EIG_SMALLEST, 1, 0, 0x100u), DLN_E_RANGE);
#undef DEFL
    ck_assert_uint_eq(removed, 7);
    END;
}

static void c_dln_loss_gd_rate(fx *f)
{
    BEGIN;
    REPORTS(dln_rate_report, rep, DLN_RATE_REPORT_V1_SIZE);
    EXPECT_STATUS(dln_loss_gd_rate(NULL, f->net, 0.01, 0, 0, 1, 0, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_gd_rate(f->loss, NULL, 0.01, 0, 0, 1, 0, &rep), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_gd_rate(f->loss, f->net, 0.01, 0, 0, 1, 0, NULL), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_gd_rate(f->loss, f->net, 0.01, 0, 0, 1, 0, &small), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_gd_rate(f->loss, f->net, -0.01, 0, 0, 1, 0, &rep), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_gd_rate(f->loss, f->net, NAN, 0, 0, 1, 0, &rep), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_gd_rate(f->loss, f->net, 0.01, 1.0, 0, 1, 0, &rep), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_gd_rate(f->loss, f->net, 0.01, 0, 0, 1, 0x100u, &rep), DLN_E_RANGE);
    REPORT_KEPT(rep);
    END;
}

static void c_dln_loss_set_threads(fx *f)
{
    BEGIN;
    EXPECT_STATUS(dln_loss_set_threads(NULL, 2), DLN_E_NULL);
    LOSS_FAILS(f->loss, dln_loss_set_threads(f->loss, 0), DLN_E_RANGE);
    LOSS_FAILS(f->loss, dln_loss_set_threads(f->loss, DLN_THREADS_MAX + 1), DLN_E_RANGE);
    LOSS_FAILS(f->tloss, dln_loss_set_threads(f->tloss, 2), DLN_E_UNSUPPORTED);
    END;
}

static void c_dln_loss_get_threads(fx *f) { (void)f; ck_assert_uint_eq(dln_loss_get_threads(NULL), 0); }

/* ---- the table and the coverage test ------------------------------------------------ */

typedef struct bad_case {
    const char *name;
    void (*run)(fx *f);
} bad_case;

#define CASE(fn) {#fn, c_##fn}
static const bad_case cases[] = {
    CASE(dln_version_major), CASE(dln_version_minor), CASE(dln_version_patch),
    CASE(dln_version_string), CASE(dln_strerror),
    CASE(dln_net_create), CASE(dln_net_free), CASE(dln_net_copy), CASE(dln_net_depth),
    CASE(dln_net_width), CASE(dln_net_num_params), CASE(dln_net_layer_offset),
    CASE(dln_net_errmsg), CASE(dln_net_set_layer), CASE(dln_net_get_layer),
    CASE(dln_net_set_params), CASE(dln_net_get_params), CASE(dln_net_init_zeros),
    CASE(dln_net_init_gaussian), CASE(dln_net_init_orthogonal), CASE(dln_net_init_identity),
    CASE(dln_net_init_balanced), CASE(dln_net_init_balanced_random), CASE(dln_net_product),
    CASE(dln_net_end_to_end), CASE(dln_net_forward),
    CASE(dln_loss_create_data), CASE(dln_loss_add_samples), CASE(dln_loss_create_target),
    CASE(dln_loss_free), CASE(dln_loss_copy), CASE(dln_loss_errmsg), CASE(dln_loss_get_kind),
    CASE(dln_loss_input_dim), CASE(dln_loss_output_dim), CASE(dln_loss_num_samples),
    CASE(dln_loss_set_l2), CASE(dln_loss_set_l2_uniform), CASE(dln_loss_get_l2),
    CASE(dln_loss_set_mean), CASE(dln_loss_get_mean), CASE(dln_loss_summary),
    CASE(dln_loss_value), CASE(dln_loss_grad), CASE(dln_loss_hvp), CASE(dln_loss_hvp_batch),
    CASE(dln_loss_hessian), CASE(dln_loss_hessian_eigs),
    CASE(dln_net_balancedness), CASE(dln_loss_balancedness), CASE(dln_loss_optimal_value),
    CASE(dln_loss_gradient_dominance), CASE(dln_loss_zhou_liang), CASE(dln_loss_arora),
    CASE(dln_landscape_create), CASE(dln_landscape_free), CASE(dln_landscape_errmsg),
    CASE(dln_landscape_theory), CASE(dln_landscape_limits), CASE(dln_landscape_reason),
    CASE(dln_landscape_num_values), CASE(dln_landscape_num_params), CASE(dln_landscape_get_info),
    CASE(dln_landscape_values), CASE(dln_landscape_roots), CASE(dln_landscape_orbit),
    CASE(dln_landscape_pattern_info), CASE(dln_landscape_orbit_spectrum),
    CASE(dln_landscape_build), CASE(dln_landscape_set_tol), CASE(dln_landscape_get_tol),
    CASE(dln_landscape_classify), CASE(dln_class_name), CASE(dln_landscape_distance),
    CASE(dln_landscape_rate), CASE(dln_critical_thresholds), CASE(dln_critical_roots),
    CASE(dln_opt_kind_name), CASE(dln_stop_name), CASE(dln_opt_create), CASE(dln_opt_free),
    CASE(dln_opt_copy), CASE(dln_opt_errmsg), CASE(dln_opt_get_kind),
    CASE(dln_opt_set_step), CASE(dln_opt_get_step), CASE(dln_opt_set_max_iter),
    CASE(dln_opt_get_max_iter), CASE(dln_opt_set_grad_tol), CASE(dln_opt_get_grad_tol),
    CASE(dln_opt_set_loss_rel_tol), CASE(dln_opt_get_loss_rel_tol),
    CASE(dln_opt_set_loss_abs_tol), CASE(dln_opt_get_loss_abs_tol), CASE(dln_opt_set_step_tol),
    CASE(dln_opt_get_step_tol), CASE(dln_opt_set_divergence), CASE(dln_opt_get_divergence),
    CASE(dln_opt_set_momentum), CASE(dln_opt_get_momentum), CASE(dln_opt_set_adam_betas),
    CASE(dln_opt_get_adam_betas), CASE(dln_opt_set_adam_eps), CASE(dln_opt_get_adam_eps),
    CASE(dln_opt_set_armijo), CASE(dln_opt_get_armijo), CASE(dln_opt_set_wolfe),
    CASE(dln_opt_get_wolfe), CASE(dln_opt_set_memory), CASE(dln_opt_get_memory),
    CASE(dln_opt_set_escape), CASE(dln_opt_get_escape), CASE(dln_opt_set_seed),
    CASE(dln_opt_get_seed), CASE(dln_opt_set_rate_window), CASE(dln_opt_get_rate_window),
    CASE(dln_opt_set_callback), CASE(dln_opt_set_metrics), CASE(dln_opt_get_metrics),
    CASE(dln_opt_set_history_capacity), CASE(dln_opt_get_history_capacity), CASE(dln_opt_history_rows), CASE(dln_opt_history),
    CASE(dln_opt_run), CASE(dln_opt_run_history), CASE(dln_opt_step), CASE(dln_opt_reset),
    CASE(dln_opt_get_report), CASE(dln_opt_get_escape_info),
    CASE(dln_net_set_residual), CASE(dln_net_get_residual), CASE(dln_loss_line_coeffs),
    CASE(dln_loss_slice_line), CASE(dln_loss_slice_plane), CASE(dln_loss_slice_directions),
    CASE(dln_landscape_root_layers), CASE(dln_landscape_distance_to), CASE(dln_landscape_excess),
    CASE(dln_opt_set_step_from_hessian),
    CASE(dln_loss_create_summary), CASE(dln_loss_merge), CASE(dln_loss_encoded_size),
    CASE(dln_loss_encode), CASE(dln_loss_decode), CASE(dln_loss_save), CASE(dln_loss_load),
    CASE(dln_loss_add_samples_progress),
    CASE(dln_loss_hessian_trace), CASE(dln_loss_hessian_trace_estimate),
    CASE(dln_loss_hessian_density), CASE(dln_loss_layer_eigs),
    CASE(dln_loss_hessian_eigs_deflated), CASE(dln_loss_gd_rate),
    CASE(dln_loss_set_threads), CASE(dln_loss_get_threads),
};
#undef CASE
enum { NCASES = sizeof cases / sizeof cases[0] };

static const bad_case *find_case(const char *name)
{
    for (size_t i = 0; i < NCASES; i++)
        if (strcmp(cases[i].name, name) == 0) return &cases[i];
    return NULL;
}

/* include/dlnet.h, found next to this file's directory (tests/). */
static FILE *open_header(void)
{
    char path[4096];
    const char *me = __FILE__; /* "tests/check_badinput.c" or "/abs/tests/..." */
    size_t root = strlen(me), seps = 0;
    while (root > 0 && seps < 2) seps += me[--root] == '/';
    int len = seps == 2 ? snprintf(path, sizeof path, "%.*s/include/dlnet.h", (int)root, me)
                        : snprintf(path, sizeof path, "include/dlnet.h");
    ck_assert_int_lt(len, (int)sizeof path);
    FILE *h = fopen(path, "r");
    ck_assert_msg(h != NULL, "cannot open %s", path);
    return h;
}

/* The DLN_API function names of the header (as tests/symbols.sh reads them:
 * a declaration starts a line with "DLN_API " and names the function just
 * before its first '(', possibly on a later line). Returns their count. */
static size_t declared(char names[][64], size_t cap)
{
    FILE *h = open_header();
    char line[1024], decl[4096] = "";
    size_t count = 0;
    int collecting = 0;
    while (fgets(line, sizeof line, h)) {
        if (strncmp(line, "DLN_API ", 8) == 0) collecting = 1, decl[0] = '\0';
        if (!collecting) continue;
        strncat(decl, line, sizeof decl - strlen(decl) - 1);
        char *paren = strchr(decl, '(');
        if (!paren) continue;
        collecting = 0;
        char *end = paren;
        while (end > decl && end[-1] == ' ') end--;
        char *start = end;
        while (start > decl && (isalnum((unsigned char)start[-1]) || start[-1] == '_')) start--;
        ck_assert_uint_lt(count, cap);
        ck_assert_int_lt((int)(end - start), 64);
        snprintf(names[count++], 64, "%.*s", (int)(end - start), start);
    }
    fclose(h);
    return count;
}

START_TEST(every_function_has_a_case)
{
    static char names[1024][64];
    size_t n = declared(names, 1024);
    ck_assert_uint_gt(n, 100);
    char missing[4096] = "";
    for (size_t i = 0; i < n; i++)
        if (!find_case(names[i]) && strlen(missing) + strlen(names[i]) + 2 < sizeof missing)
            strcat(missing, " "), strcat(missing, names[i]);
    ck_assert_msg(missing[0] == '\0', "public functions without a bad-input case:%s", missing);
    for (size_t c = 0; c < NCASES; c++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++) found = strcmp(names[i], cases[c].name) == 0;
        ck_assert_msg(found, "case %s names no DLN_API function of dlnet.h", cases[c].name);
    }
}
END_TEST

START_TEST(bad_input)
{
    fx *f = fx_make();
    current = cases[_i].name;
    cases[_i].run(f);
    fx_free(f);
}
END_TEST

Suite *suite_badinput(void)
{
    Suite *s = suite_create("badinput");
    TCase *tc = tcase_create("badinput");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_function_has_a_case);
    tcase_add_loop_test(tc, bad_input, 0, NCASES);
    suite_add_tcase(s, tc);
    return s;
}
