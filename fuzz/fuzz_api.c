/* fuzz_api.c - libFuzzer harness: the input bytes are decoded into a short
 * sequence of API calls on small arbitrary shapes and values, over every
 * handle kind (data and target losses, regularized or not, landscapes with
 * classification, distance and rates, eigensolves, optimizer runs with
 * history). Invariants checked after every call (a violation aborts, which
 * libFuzzer reports as a crash with the input that caused it):
 *   - DLN_OK implies finite outputs;
 *   - a failed call on a handle leaves a non-empty message on it;
 *   - nothing is printed: stdout and stderr point to a scratch file during
 *     each input, which must still be empty afterwards (run with
 *     -close_fd_mask=3 so that libFuzzer and the sanitizers report on their
 *     own copy of stderr).
 * Bad arguments (zero or huge sizes, small leading dimensions, NaN and Inf)
 * are produced on purpose: the library must reject them, not crash.
 * fuzz/README.md says how to run it and reproduce a finding. */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, ftruncate, pread */
#include "dlnet.h"

#include <math.h>
#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- decoding bytes --------------------------------------------------- */

typedef struct src {
    const uint8_t *p;
    size_t n;
} src;

static unsigned byte(src *s)
{
    if (s->n == 0) return 0;
    s->n--;
    return *s->p++;
}

/* An integer in [lo, hi]. */
static size_t pick(src *s, size_t lo, size_t hi) { return lo + byte(s) % (hi - lo + 1); }

/* Mostly moderate values, sometimes the ones that break numerics. */
static double value(src *s)
{
    static const double special[] = {0.0, 1.0, -1.0, 0.5, 2.0, 1e-8, 1e-300, 1e150, 1e200,
                                     -1e308, INFINITY, -INFINITY, NAN, 4.9e-324, 1e-4, 3.0};
    unsigned b = byte(s);
    if (b >= 240) return special[b - 240];
    return ((double)b - 120.0) / 40.0 + (double)byte(s) / 4096.0;
}

/* A size that is usually right and sometimes wrong (0, too small, so large
 * that its byte count overflows: the library must refuse those). Sizes that
 * are valid but larger than the harness's buffers are never produced. */
static size_t size_like(src *s, size_t good)
{
    switch (byte(s) % 16) {
    case 0: return 0;
    case 1: return good > 0 ? good - 1 : 0;
    case 2: return good / 2;
    case 3: return SIZE_MAX / 2;
    case 4: return good + 3;
    default: return good;
    }
}

/* ---- invariants ---------------------------------------------------------- */

static void restore(void);

/* Reported through the sanitizers' stream: with -close_fd_mask=3, fd 2 is
 * /dev/null and libFuzzer writes to its own copy of stderr. */
static void fail(const char *what)
{
    char text[512];
    restore();
    snprintf(text, sizeof text, "fuzz_api: invariant violated after %s", what);
    __sanitizer_report_error_summary(text);
    abort();
}

static void finite_or_die(dln_status st, size_t n, const double *x, const char *what)
{
    if (st != DLN_OK) return;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) fail(what);
}

static void msg_or_die(dln_status st, const char *msg, const char *what)
{
    if (st != DLN_OK && st != DLN_E_NOCONV && (msg == NULL || msg[0] == '\0')) fail(what);
}

/* ---- the state of one input ----------------------------------------------- */

enum { MAXW = 10, MAXL = 4, MAXM = 8, MAXN = 4 * MAXW * MAXW, MAXK = 3 };

typedef struct state {
    src in;
    size_t L, d[MAXL + 1], n;
    dln_loss *loss;
    dln_net *net;
    dln_landscape *ls;
    dln_opt *opt;
    /* scratch: large enough for every call with the sizes above (plus the
     * slack of a leading dimension that is 3 too large) */
    double a[(MAXN + 3) * (MAXN + 3)], b[(MAXN + 3) * (MAXK + 1)], v[(MAXN + 3) * (MAXK + 1)];
    int pattern[MAXW + 3], extras[MAXL + 1];
} state;

/* A call on a handle: a failure leaves a message there (msg is read after
 * the call), DLN_OK leaves n_out finite values in out. */
#define CHECKED_CALL(msg, expr, n_out, out)                               \
    do {                                                                  \
        dln_status st_ = (expr);                                          \
        msg_or_die(st_, (msg), #expr);                                    \
        finite_or_die(st_, (n_out), (out), #expr);                        \
    } while (0)
#define NET_CALL(S, expr, n_out, out) CHECKED_CALL(dln_net_errmsg((S)->net), expr, n_out, out)
#define LOSS_CALL(S, expr, n_out, out) CHECKED_CALL(dln_loss_errmsg((S)->loss), expr, n_out, out)
#define LS_CALL(S, expr, n_out, out) CHECKED_CALL(dln_landscape_errmsg((S)->ls), expr, n_out, out)
#define OPT_CALL(S, expr) CHECKED_CALL(dln_opt_errmsg((S)->opt), expr, 0, NULL)
/* A function of a const handle leaves no message (the handle may be shared
 * between threads): only the outputs are checked. */
#define CONST_CALL(S, expr, n_out, out) finite_or_die((expr), (n_out), (out), #expr)

static void fill(state *S, size_t count, double *x)
{
    for (size_t i = 0; i < count; i++) x[i] = value(&S->in);
}

/* Shapes, net and loss: data (several sample blocks) or target. */
static int setup(state *S)
{
    S->L = pick(&S->in, 1, MAXL);
    for (size_t l = 0; l <= S->L; l++) S->d[l] = pick(&S->in, 1, MAXW);
    if (dln_net_create(&S->net, S->L, S->d) != DLN_OK) return 0;
    S->n = dln_net_num_params(S->net);
    size_t d0 = S->d[0], dL = S->d[S->L];
    if (byte(&S->in) % 2) {
        fill(S, dL * d0, S->a);
        if (dln_loss_create_target(&S->loss, dL, d0, S->a, dL) != DLN_OK) return 0;
    } else {
        size_t m = pick(&S->in, 1, MAXM);
        fill(S, d0 * m, S->a), fill(S, dL * m, S->b);
        if (dln_loss_create_data(&S->loss, d0, dL, m, S->a, d0, S->b, dL) != DLN_OK) return 0;
    }
    NET_CALL(S, dln_net_init_gaussian(S->net, value(&S->in), byte(&S->in)), 0, NULL);
    return 1;
}

static void op_net(state *S)
{
    size_t d0 = S->d[0], dL = S->d[S->L];
    switch (byte(&S->in) % 9) {
    case 7: {
        size_t j = pick(&S->in, 0, S->L), i = pick(&S->in, 0, S->L + 1), ld = size_like(&S->in, S->d[j]);
        dln_status st = dln_net_product(S->net, j, i, S->a, ld); /* W_{j:i}: d_j x d_{i-1} */
        finite_or_die(st, ld == S->d[j] && i >= 1 && i <= S->L ? S->d[j] * S->d[i - 1] : 0, S->a,
                      "dln_net_product");
        break;
    }
    case 0: fill(S, S->n, S->a); NET_CALL(S, dln_net_set_params(S->net, S->a), 0, NULL); break;
    case 1: NET_CALL(S, dln_net_init_orthogonal(S->net, value(&S->in), byte(&S->in)), 0, NULL); break;
    case 2: NET_CALL(S, dln_net_init_identity(S->net, value(&S->in)), 0, NULL); break;
    case 3: NET_CALL(S, dln_net_init_balanced_random(S->net, value(&S->in), byte(&S->in)), 0, NULL); break;
    case 4:
        fill(S, dL * d0, S->a);
        NET_CALL(S, dln_net_init_balanced(S->net, S->a, size_like(&S->in, dL), byte(&S->in) % 3,
                                          byte(&S->in)), 0, NULL);
        break;
    case 5: {
        size_t ld = size_like(&S->in, dL);
        CONST_CALL(S, dln_net_end_to_end(S->net, S->a, ld), ld == dL ? dL * d0 : 0, S->a);
        break;
    }
    case 6: {
        size_t m = pick(&S->in, 1, MAXM), ldy = size_like(&S->in, dL);
        fill(S, d0 * m, S->b);
        CONST_CALL(S, dln_net_forward(S->net, m, S->b, d0, S->a, ldy), ldy == dL ? dL * m : 0, S->a);
        break;
    }
    default: {
        size_t l = pick(&S->in, 0, S->L), ld = size_like(&S->in, MAXW);
        fill(S, MAXW * MAXW, S->a);
        NET_CALL(S, dln_net_set_layer(S->net, l, S->a, ld, byte(&S->in) % 3), 0, NULL);
        CONST_CALL(S, dln_net_get_layer(S->net, pick(&S->in, 0, S->L), S->a, MAXW, byte(&S->in) % 3),
                 0, NULL);
        break;
    }
    }
}

static void op_loss(state *S)
{
    size_t d0 = S->d[0], dL = S->d[S->L], n = S->n;
    double f = 0;
    switch (byte(&S->in) % 10) {
    case 0: LOSS_CALL(S, dln_loss_set_l2_uniform(S->loss, value(&S->in)), 0, NULL); break;
    case 1: fill(S, S->L, S->b); LOSS_CALL(S, dln_loss_set_l2(S->loss, S->L, S->b), 0, NULL); break;
    case 2: LOSS_CALL(S, dln_loss_set_mean(S->loss, (int)byte(&S->in) % 3 - 1), 0, NULL); break;
    case 3: {
        size_t m = pick(&S->in, 1, MAXM);
        fill(S, d0 * m, S->a), fill(S, dL * m, S->b);
        LOSS_CALL(S, dln_loss_add_samples(S->loss, m, S->a, size_like(&S->in, d0), S->b, dL), 0, NULL);
        break;
    }
    case 4: LOSS_CALL(S, dln_loss_value(S->loss, S->net, &f), 1, &f); break;
    case 5: LOSS_CALL(S, dln_loss_grad(S->loss, S->net, &f, S->a), n, S->a); break;
    case 6: fill(S, n, S->b); LOSS_CALL(S, dln_loss_hvp(S->loss, S->net, S->b, S->a), n, S->a); break;
    case 7: {
        size_t k = pick(&S->in, 1, MAXK), ldhv = size_like(&S->in, n);
        fill(S, n * k, S->v);
        LOSS_CALL(S, dln_loss_hvp_batch(S->loss, S->net, k, S->v, n, S->a, ldhv),
                  ldhv == n ? n * k : 0, S->a);
        break;
    }
    case 8: {
        size_t ldh = size_like(&S->in, n);
        LOSS_CALL(S, dln_loss_hessian(S->loss, S->net, S->a, ldh), ldh == n ? n * n : 0, S->a);
        break;
    }
    default: {
        size_t k = pick(&S->in, 1, MAXK), ldv = size_like(&S->in, n);
        double *vecs = byte(&S->in) % 2 ? S->v : NULL;
        dln_eig_report rep = {.struct_size = sizeof rep};
        dln_status st = dln_loss_hessian_eigs(S->loss, S->net, byte(&S->in) % 3, k,
                                              byte(&S->in) % 2 ? 1e-6 : 0, pick(&S->in, 0, 20),
                                              byte(&S->in), S->b, vecs, ldv, &rep);
        msg_or_die(st, dln_loss_errmsg(S->loss), "dln_loss_hessian_eigs");
        finite_or_die(st, k, S->b, "dln_loss_hessian_eigs");
        finite_or_die(st, vecs && ldv == n ? n * k : 0, S->v, "dln_loss_hessian_eigs (vectors)");
        break;
    }
    }
}

static void op_metrics(state *S)
{
    double f = 0, t[4];
    switch (byte(&S->in) % 7) {
    case 5: {
        dln_zhou_liang_report rep = {.struct_size = sizeof rep};
        LOSS_CALL(S, dln_loss_zhou_liang(S->loss, S->net, S->net, value(&S->in), &rep), 0, NULL);
        break;
    }
    case 6: {
        dln_root_info info = {.struct_size = sizeof info};
        double lam = value(&S->in);
        /* y*, yhat are finite for a valid (L, lam); s*, p* are NaN for L = 2 */
        finite_or_die(dln_critical_thresholds(S->L, lam, t, t + 1, t + 2, t + 3), 2, t,
                      "dln_critical_thresholds");
        (void)dln_critical_roots(S->L, lam, value(&S->in), value(&S->in), &info);
        break;
    }
    case 0:
        CONST_CALL(S, dln_net_balancedness(S->net, S->a, byte(&S->in) % 2 ? S->v : NULL), S->L - 1, S->a);
        break;
    case 1:
        LOSS_CALL(S, dln_loss_balancedness(S->loss, S->net, S->a, byte(&S->in) % 2 ? S->v : NULL),
                  S->L - 1, S->a);
        break;
    case 2: LOSS_CALL(S, dln_loss_optimal_value(S->loss, S->net, &f), 1, &f); break;
    case 3: {
        dln_dominance_report rep = {.struct_size = sizeof rep};
        LOSS_CALL(S, dln_loss_gradient_dominance(S->loss, S->net, value(&S->in), &rep), 1, &rep.value);
        break;
    }
    default: {
        dln_arora_report rep = {.struct_size = sizeof rep};
        LOSS_CALL(S, dln_loss_arora(S->loss, S->net, value(&S->in), value(&S->in), &rep), 0, NULL);
        break;
    }
    }
}

static void fill_pattern(state *S, size_t nv)
{
    for (size_t i = 0; i < nv && i < MAXW + 3; i++) S->pattern[i] = (int)byte(&S->in) % 9;
    for (size_t l = 0; l < S->L; l++) S->extras[l] = (int)byte(&S->in) % 6;
}

static void op_landscape(state *S)
{
    if (!S->ls) {
        /* a failed create has no handle to hold a message; the loss is const */
        if (dln_landscape_create(&S->ls, S->loss, S->L, S->d) != DLN_OK) return;
    }
    size_t nv = dln_landscape_num_values(S->ls);
    if (nv > MAXW + 3) fail("num_values larger than the widths");
    switch (byte(&S->in) % 8) {
    case 0: {
        dln_class_report rep = {.struct_size = sizeof rep};
        double *dir = byte(&S->in) % 2 ? S->a : NULL;
        LS_CALL(S, dln_landscape_classify(S->ls, S->net, byte(&S->in) % 5, &rep, S->pattern, dir),
                1, &rep.value);
        finite_or_die(DLN_OK, dir && (rep.flags & DLN_CF_DIRECTION) ? S->n : 0, S->a,
                      "dln_landscape_classify (direction)");
        break;
    }
    case 1: {
        dln_dist_report rep = {.struct_size = sizeof rep};
        LS_CALL(S, dln_landscape_distance(S->ls, S->net, &rep, S->pattern,
                                          byte(&S->in) % 2 ? S->net : NULL), 0, NULL);
        break;
    }
    case 2: {
        dln_rate_report rep = {.struct_size = sizeof rep};
        fill_pattern(S, nv);
        LS_CALL(S, dln_landscape_rate(S->ls, S->pattern, value(&S->in), &rep), 0, NULL);
        break;
    }
    case 3: {
        dln_landscape_info info = {.struct_size = sizeof info};
        CONST_CALL(S, dln_landscape_get_info(S->ls, &info), 0, NULL);
        CONST_CALL(S, dln_landscape_values(S->ls, S->a), nv, S->a);
        dln_root_info root = {.struct_size = sizeof root};
        CONST_CALL(S, dln_landscape_roots(S->ls, pick(&S->in, 0, nv), &root), 0, NULL);
        break;
    }
    case 4: {
        dln_orbit_info info = {.struct_size = sizeof info};
        CONST_CALL(S, dln_landscape_orbit(S->ls, byte(&S->in), S->pattern), 0, NULL);
        LS_CALL(S, dln_landscape_pattern_info(S->ls, S->pattern, &info), 0, NULL);
        LS_CALL(S, dln_landscape_orbit_spectrum(S->ls, S->pattern, S->a), S->n, S->a);
        break;
    }
    case 5:
        fill_pattern(S, nv);
        LS_CALL(S, dln_landscape_build(S->ls, S->pattern, byte(&S->in) % 2 ? S->extras : NULL,
                                       byte(&S->in) % 3, byte(&S->in), S->net), 0, NULL);
        break;
    case 6: LS_CALL(S, dln_landscape_set_tol(S->ls, byte(&S->in) % 5, value(&S->in)), 0, NULL); break;
    default:
        dln_landscape_free(S->ls); /* the next landscape op sees the current loss */
        S->ls = NULL;
        break;
    }
}

static int stop_early(const dln_progress *p, void *user)
{
    return p->iteration >= *(const size_t *)user;
}

static void op_opt(state *S)
{
    static const dln_metric metrics[] = {DLN_METRIC_LOSS, DLN_METRIC_GRAD_NORM, DLN_METRIC_STEP_NORM,
                                         DLN_METRIC_STEP_SIZE, DLN_METRIC_DIST, DLN_METRIC_EB_RATIO,
                                         DLN_METRIC_BALANCEDNESS, 99};
    static size_t stop_at = 5;
    if (!S->opt) {
        dln_status st = dln_opt_create(&S->opt, byte(&S->in) % 9);
        if (st != DLN_OK) return;
    }
    dln_metric cols[3];
    size_t k = pick(&S->in, 1, 3);
    for (size_t c = 0; c < k; c++) cols[c] = metrics[byte(&S->in) % 8];
    switch (byte(&S->in) % 7) {
    case 0: OPT_CALL(S, dln_opt_set_step(S->opt, value(&S->in))); break;
    case 1: OPT_CALL(S, dln_opt_set_metrics(S->opt, k, cols)); break;
    case 2: OPT_CALL(S, dln_opt_set_history_capacity(S->opt, pick(&S->in, 0, 40))); break;
    case 3: OPT_CALL(S, dln_opt_set_callback(S->opt, byte(&S->in) % 2 ? stop_early : NULL, &stop_at,
                                             pick(&S->in, 0, 3)));
        break;
    case 4: {
        dln_stop stop;
        OPT_CALL(S, dln_opt_step(S->opt, S->loss, S->net, &stop));
        if (byte(&S->in) % 4 == 0) OPT_CALL(S, dln_opt_reset(S->opt));
        break;
    }
    case 5: { /* a copy replaces the optimizer: its state and history must carry over */
        dln_opt *copy = NULL;
        if (dln_opt_copy(&copy, S->opt) == DLN_OK) dln_opt_free(S->opt), S->opt = copy;
        dln_opt_report rep = {.struct_size = sizeof rep};
        dln_escape_info info = {.struct_size = sizeof info};
        (void)dln_opt_get_report(S->opt, &rep);
        (void)dln_opt_get_escape_info(S->opt, byte(&S->in) % 3, &info);
        break;
    }
    default: {
        dln_opt_report rep = {.struct_size = sizeof rep};
        OPT_CALL(S, dln_opt_set_max_iter(S->opt, pick(&S->in, 0, 30)));
        size_t rows = pick(&S->in, 0, 31), ldh = size_like(&S->in, 31);
        dln_status st = byte(&S->in) % 2
                            ? dln_opt_run(S->opt, S->loss, S->net, &rep)
                            : dln_opt_run_history(S->opt, S->loss, S->net, S->a, ldh, rows, &rep);
        msg_or_die(st, dln_opt_errmsg(S->opt), "dln_opt_run");
        if (st == DLN_OK) {
            CONST_CALL(S, dln_net_get_params(S->net, S->b), S->n, S->b);
            (void)dln_opt_history(S->opt, S->a, 31); /* const: no message */
        }
        break;
    }
    }
}

static void run(state *S)
{
    if (!setup(S)) return;
    for (int ops = 0; ops < 24 && S->in.n > 0; ops++) {
        switch (byte(&S->in) % 5) {
        case 0: op_net(S); break;
        case 1: op_loss(S); break;
        case 2: op_metrics(S); break;
        case 3: op_landscape(S); break;
        default: op_opt(S); break;
        }
    }
}

/* ---- nothing printed -------------------------------------------------------- */

static FILE *scratch;
static int saved_out = -1, saved_err = -1;

static void redirect(void)
{
    if (!scratch && !(scratch = tmpfile())) abort();
    fflush(stdout), fflush(stderr);
    if (ftruncate(fileno(scratch), 0) != 0) abort();
    saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(scratch), 1), dup2(fileno(scratch), 2);
}

static void restore(void)
{
    if (saved_out < 0) return;
    fflush(stdout), fflush(stderr);
    dup2(saved_out, 1), dup2(saved_err, 2);
    close(saved_out), close(saved_err);
    saved_out = saved_err = -1;
}

static void restore_and_check(void)
{
    restore();
    off_t size = lseek(fileno(scratch), 0, SEEK_END);
    if (size > 0) {
        char text[512] = {0}, line[700];
        if (pread(fileno(scratch), text, sizeof text - 1, 0) < 0) text[0] = 0;
        snprintf(line, sizeof line, "fuzz_api: the library printed %lld bytes: %s", (long long)size, text);
        __sanitizer_report_error_summary(line);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static state S; /* large scratch: not on the stack */
    memset(&S, 0, sizeof S);
    S.in.p = data, S.in.n = size;
    redirect();
    run(&S);
    dln_opt_free(S.opt);
    dln_landscape_free(S.ls);
    dln_loss_free(S.loss);
    dln_net_free(S.net);
    restore_and_check();
    return 0;
}
