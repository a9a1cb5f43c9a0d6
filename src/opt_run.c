/* opt_run.c - the run loop shared by every kind: starting point, iteration,
 * stop tests, progress callback, history rows, report. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "opt_internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double dlni_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- per-shape scratch and the starting point ------------------------------------ */

/* Scratch for n parameters: two gradient slots (g and the one a new start
 * evaluates into, see start()) and the kind's state in one block; prev on its
 * own, since it changes hands with the net's weights (both are n doubles
 * from malloc, each freed by whichever handle holds it at the end). The
 * current blocks when they fit, else new ones that only scratch_install()
 * puts in place: until then the handle is untouched. */
static dln_status scratch_for(dln_opt *opt, size_t n, double **block, double **prev)
{
    *block = opt->block, *prev = opt->prev;
    if (opt->block && opt->n == n) return DLN_OK;
    size_t len = opt->ops->state_len ? opt->ops->state_len(opt, n) : 0;
    *block = len <= SIZE_MAX - 2 * n ? dlni_alloc(2 * n + len) : NULL;
    *prev = dlni_alloc(n);
    if (*block && *prev) return DLN_OK;
    free(*block), free(*prev);
    return dlni_fail(opt->err, DLN_E_NOMEM, "out of memory for the scratch of n = %zu", n);
}

static void scratch_install(dln_opt *opt, size_t n, double *block, double *prev)
{
    if (block == opt->block) return;
    dlni_opt_drop_state(opt);
    opt->block = block, opt->prev = prev, opt->n = n;
    opt->g = block, opt->state = block + 2 * n;
    if (opt->ops->bind) opt->ops->bind(opt);
}

/* The integer that marks a net as carrying this handle's state. */
static uintptr_t stamp_of(const dln_opt *opt) { return (uintptr_t)(const void *)opt; }

/* Exchange the weight blocks of the net and of opt->prev. */
static void swap_prev(dln_opt *opt, dln_net *net)
{
    double *th = net->theta;
    net->theta = opt->prev, opt->prev = th;
}

static void ring_push(dln_opt *opt, double gnorm)
{
    opt->ring[opt->ring_pos] = gnorm;
    if (++opt->ring_pos == opt->o.rate_window) opt->ring_pos = 0;
    if (opt->ring_count < opt->o.rate_window) opt->ring_count++;
}

static dln_status check_pair(dln_opt *opt, dln_loss *loss, const dln_net *net)
{
    if (!loss || !net)
        return dlni_fail(opt->err, DLN_E_NULL, "%s handle is NULL", loss ? "network" : "loss");
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return dlni_fail(opt->err, st, "loss: %s", dln_loss_errmsg(loss));
    if (!la_fits(net->n))
        return dlni_fail(opt->err, DLN_E_OVERFLOW, "n = %zu parameters exceed the BLAS range",
                         net->n);
    return DLN_OK;
}

/* ||g|| as sqrt(g'g) from gg = g'g, with the scaled norm when g'g is near
 * underflow or overflow. */
static double norm_from(double gg, size_t n, const double *g)
{
    return gg > 1e-280 && gg < 1e280 ? sqrt(gg) : la_norm_safe(n, g, NULL);
}

/* F, g and ||g|| at net into opt->f, opt->g, opt->gnorm: one gradient
 * evaluation, whose finiteness scan also sums g'g (no pass of its own). */
static dln_status eval_here(dln_opt *opt, dln_loss *loss, const dln_net *net)
{
    double gg;
    opt->rep.grad_evals++;
    dln_status st = dlni_grad_sq(loss, net, &opt->f, opt->g, &gg);
    if (st == DLN_OK) opt->gnorm = norm_from(gg, opt->n, opt->g);
    return st;
}

/* A fresh start at the net's weights: scratch, state, report, F and g. F and
 * g are evaluated into the spare gradient slot before anything is reset, so
 * that a start that fails (no memory, F or g not finite at theta_0) leaves
 * the handle exactly as an argument error does (dlnet.h, dln_opt_run). */
static dln_status start(dln_opt *opt, dln_loss *loss, dln_net *net)
{
    const size_t n = net->n;
    double *block, *prev, f, gg, t0 = dlni_now();
    dln_status st = scratch_for(opt, n, &block, &prev);
    if (st != DLN_OK) return st;
    int own = block == opt->block;
    double *g0 = own && opt->g == block + n ? block : block + n;
    st = dlni_grad_sq(loss, net, &f, g0, &gg);
    if (st != DLN_OK) {
        if (!own) free(block), free(prev);
        return dlni_fail(opt->err, st, "at the starting point: %s", dln_loss_errmsg(loss));
    }
    scratch_install(opt, n, block, prev);
    opt->g = g0;
    opt->live = 0;
    if (opt->ops->reset) opt->ops->reset(opt);
    dlni_opt_clear_report(opt);
    opt->k = 0, opt->t = 0.0, opt->step_norm = 0.0, opt->escaped = 0, opt->prev_valid = 0;
    opt->ring_pos = opt->ring_count = 0;
    opt->t_start = t0;
    opt->rep.grad_evals = 1;
    opt->f = f, opt->gnorm = norm_from(gg, n, g0);
    opt->f0 = opt->rep.initial_loss = opt->f;
    opt->rep.initial_grad_norm = opt->gnorm;
    ring_push(opt, opt->gnorm);
    opt->loss_seen = loss, opt->net_seen = net, opt->live = 1;
    net->stamp = stamp_of(opt); /* cleared by any other write of the weights */
    return DLN_OK;
}

/* ---- one iteration and the stop tests -------------------------------------------- */

/* ||theta_k - theta_{k-1}||, computed when first asked for (one pass). */
static double step_norm(dln_opt *opt, const dln_net *net)
{
    if (isnan(opt->step_norm) && opt->prev_valid)
        opt->step_norm = la_norm_safe(opt->n, net->theta, opt->prev);
    return opt->step_norm;
}

static dln_status stop_tests(dln_opt *opt, dln_loss *loss, dln_net *net, double fprev,
                             dln_stop *stop)
{
    const dlni_opt_options *o = &opt->o;
    double f = opt->f, df = fabs(f - fprev);
    *stop = DLN_STOP_NONE;
    if (opt->f0 > 0.0 && f > o->divergence * opt->f0) {
        *stop = DLN_STOP_DIVERGED;
        return DLN_OK;
    }
    if (o->grad_tol > 0.0 && opt->gnorm <= o->grad_tol) {
        dln_stop verdict = DLN_STOP_GRAD_TOL;
        if (opt->ops->accept) {
            dln_status st = opt->ops->accept(opt, loss, net, &verdict);
            if (st != DLN_OK) return st;
        }
        if (verdict != DLN_STOP_NONE) {
            *stop = verdict;
            return DLN_OK;
        }
    }
    if (opt->k == 0) return DLN_OK; /* the starting point has no change to test */
    if (o->loss_abs_tol > 0.0 && df <= o->loss_abs_tol)
        *stop = DLN_STOP_LOSS_ABS_TOL;
    else if (o->loss_rel_tol > 0.0 && df <= o->loss_rel_tol * fmax(fabs(f), fabs(fprev)))
        *stop = DLN_STOP_LOSS_REL_TOL;
    else if (o->step_tol > 0.0 && step_norm(opt, net) <= o->step_tol)
        *stop = DLN_STOP_STEP_TOL;
    return DLN_OK;
}

/* One iteration theta_k -> theta_{k+1}, then the stop tests on the new
 * iterate. Either way opt->prev ends up holding theta_k: the element-wise
 * kinds write theta_{k+1} into it and exchange it with the net's block; the
 * others work from a copy. On a non-finite new point or a failed line search
 * the blocks are exchanged back, which puts the net at theta_k, and the
 * scalars are restored. Non-finite weights always surface as a non-finite
 * gradient: grad_l includes lam_l W_l, computed even for lam_l = 0
 * (0 * Inf = NaN). */
static dln_status iterate(dln_opt *opt, dln_loss *loss, dln_net *net, dln_stop *stop)
{
    const double fk = opt->f, gk = opt->gnorm, tk = opt->t, sk = opt->step_norm;
    const int ek = opt->escaped;
    dln_status st;
    *stop = DLN_STOP_NONE;
    opt->escaped = opt->ls_failed = 0;
    opt->t = 0.0;
    if (opt->ops->update) {
        opt->ops->update(opt, net->theta, opt->prev);
        swap_prev(opt, net);
        opt->t = opt->o.step;
        st = eval_here(opt, loss, net);
    } else {
        memcpy(opt->prev, net->theta, opt->n * sizeof *opt->prev);
        st = opt->ops->step(opt, loss, net);
        if (st == DLN_OK && !opt->ls_failed)
            opt->gnorm = norm_from(la_dot(opt->n, opt->g, opt->g), opt->n, opt->g);
    }
    if (st == DLN_OK && !opt->ls_failed) {
        opt->prev_valid = 1;
        opt->step_norm = NAN;
        opt->k++;
        ring_push(opt, opt->gnorm);
        return stop_tests(opt, loss, net, fk, stop);
    }
    swap_prev(opt, net);
    opt->prev_valid = 0;
    opt->f = fk, opt->gnorm = gk, opt->t = tk, opt->step_norm = sk, opt->escaped = ek;
    opt->live = 0;
    if (st == DLN_E_NONFINITE) {
        *stop = DLN_STOP_NONFINITE;
        return DLN_OK;
    }
    if (st == DLN_OK) *stop = DLN_STOP_LINE_SEARCH;
    return st;
}

/* ---- report ---------------------------------------------------------------------- */

/* exp(slope) of the least-squares line through log ||g_j|| over the ring. */
static double observed_rate(const dln_opt *opt, size_t *used)
{
    const size_t w = opt->o.rate_window, m = opt->ring_count;
    *used = m;
    if (m < 2) return NAN;
    double xbar = 0.5 * (double)(m - 1), ybar = 0.0, sxy = 0.0, sxx = 0.0;
    for (size_t i = 0; i < m; i++) {
        double gi = opt->ring[(opt->ring_pos + w - m + i) % w];
        if (!(gi > 0.0 && isfinite(gi))) return NAN;
        ybar += log(gi) / (double)m;
    }
    for (size_t i = 0; i < m; i++) {
        double x = (double)i - xbar, y = log(opt->ring[(opt->ring_pos + w - m + i) % w]) - ybar;
        sxy += x * y, sxx += x * x;
    }
    return exp(sxy / sxx);
}

/* The report after a run, or after a step (elapsed < 0: read the clock when
 * the report is read, which keeps a clock call out of every step). */
static void finish_report(dln_opt *opt, dln_stop stop, int read_clock)
{
    dln_opt_report *r = &opt->rep;
    r->stop = stop;
    r->iterations = opt->k;
    r->loss = opt->f;
    r->grad_norm = opt->gnorm;
    r->elapsed = read_clock ? dlni_now() - opt->t_start : -1.0;
}

/* The report with its rate (fitted only when a report is read). */
static void report_out(const dln_opt *opt, dln_opt_report *dst)
{
    dln_opt_report r = opt->rep;
    r.rate = observed_rate(opt, &r.rate_window);
    if (r.elapsed < 0.0) r.elapsed = dlni_now() - opt->t_start;
    dlni_report_put(dst, &r, sizeof r);
}

dln_status dln_opt_get_report(const dln_opt *opt, dln_opt_report *report)
{
    if (!opt) return DLN_E_NULL;
    dln_status st = dlni_report_check(NULL, report, DLN_OPT_REPORT_V1_SIZE, "report");
    if (st != DLN_OK) return st;
    report_out(opt, report);
    return DLN_OK;
}

dln_status dln_opt_get_escape_info(const dln_opt *opt, size_t i, dln_escape_info *info)
{
    if (!opt) return DLN_E_NULL;
    dln_status st = dlni_report_check(NULL, info, DLN_ESCAPE_INFO_V1_SIZE, "info");
    if (st != DLN_OK) return st;
    size_t logged = opt->rep.escapes < DLN_OPT_ESCAPE_LOG ? opt->rep.escapes : DLN_OPT_ESCAPE_LOG;
    if (i >= logged) return DLN_E_RANGE;
    dlni_report_put(info, &opt->esc_log[i], sizeof opt->esc_log[i]);
    return DLN_OK;
}

dln_status dln_opt_reset(dln_opt *opt)
{
    if (!opt) return DLN_E_NULL;
    opt->live = 0;
    return DLN_OK;
}

/* ---- history and callback ----------------------------------------------------------- */

typedef struct sink {
    double *H;
    size_t ld, cap, rows;
    void *state[DLN_METRIC_MAX_COLUMNS];
} sink;

static dln_status sink_open(dln_opt *opt, dln_loss *loss, const dln_net *net, sink *s)
{
    for (size_t c = 0; c < opt->ncols; c++) {
        const dlni_metric_def *m = dlni_metric_find(opt->cols[c]);
        if (m->prepare) {
            dln_status st = m->prepare(&s->state[c], loss, net, opt->err);
            if (st != DLN_OK) return st;
        }
    }
    return DLN_OK;
}

static void sink_close(dln_opt *opt, sink *s)
{
    for (size_t c = 0; c < opt->ncols; c++) {
        const dlni_metric_def *m = dlni_metric_find(opt->cols[c]);
        if (m->release && s->state[c]) m->release(s->state[c]);
    }
}

static dln_status record(dln_opt *opt, dln_loss *loss, const dln_net *net, sink *s)
{
    if (!s->H || s->rows >= s->cap) return DLN_OK;
    dlni_iterate it = {loss, net, opt->g, opt->k, opt->f, opt->gnorm, opt->t,
                       dlni_now() - opt->t_start, NAN};
    for (size_t c = 0; c < opt->ncols; c++)
        if (opt->cols[c] == DLN_METRIC_STEP_NORM) it.step_norm = step_norm(opt, net);
    for (size_t c = 0; c < opt->ncols; c++) {
        dln_status st = dlni_metric_eval(dlni_metric_find(opt->cols[c]), s->state[c], &it,
                                         s->H + s->rows + c * s->ld);
        if (st != DLN_OK) /* the metrics have no handle of their own to hold a message */
            return dlni_fail(opt->err, st, "history column %zu (metric %d) at iterate %zu: %s", c,
                             (int)opt->cols[c], opt->k, dln_strerror(st));
    }
    s->rows++;
    return DLN_OK;
}

static int notify(dln_opt *opt, const dln_net *net)
{
    dln_progress p = {sizeof p,     opt->kind,  opt->k,
                      opt->f,       opt->gnorm, step_norm(opt, net),
                      opt->t,       dlni_now() - opt->t_start,
                      opt->escaped, opt->escaped ? opt->esc.mu : NAN};
    return opt->cb(&p, opt->user) != 0;
}

/* ---- run and step -------------------------------------------------------------------- */

static dln_status check_report(dln_opt *opt, const dln_opt_report *report)
{
    return report ? dlni_report_check(opt->err, report, DLN_OPT_REPORT_V1_SIZE, "report") : DLN_OK;
}

static dln_status run(dln_opt *opt, dln_loss *loss, dln_net *net, sink *s, dln_opt_report *report)
{
    dln_status st = check_report(opt, report);
    if (st == DLN_OK) st = check_pair(opt, loss, net);
    if (st == DLN_OK) st = sink_open(opt, loss, net, s); /* may allocate: before the start */
    if (st == DLN_OK) st = start(opt, loss, net);
    if (st != DLN_OK) {
        sink_close(opt, s);
        return st;
    }
    dln_stop stop = DLN_STOP_NONE;
    size_t last_notified = (size_t)-1;
    st = record(opt, loss, net, s);
    if (st == DLN_OK) st = stop_tests(opt, loss, net, opt->f, &stop);
    if (st == DLN_OK && stop == DLN_STOP_NONE && opt->cb) {
        last_notified = 0;
        if (notify(opt, net)) stop = DLN_STOP_CALLBACK;
    }
    if (stop == DLN_STOP_NONE && opt->o.max_iter == 0) stop = DLN_STOP_MAX_ITER;
    while (st == DLN_OK && stop == DLN_STOP_NONE) {
        st = iterate(opt, loss, net, &stop);
        if (st != DLN_OK || stop == DLN_STOP_NONFINITE || stop == DLN_STOP_LINE_SEARCH) break;
        st = record(opt, loss, net, s);
        if (st == DLN_OK && stop == DLN_STOP_NONE && opt->cb &&
            (opt->k % opt->every == 0 || opt->escaped)) {
            last_notified = opt->k;
            if (notify(opt, net)) stop = DLN_STOP_CALLBACK;
        }
        if (stop == DLN_STOP_NONE && opt->k >= opt->o.max_iter) stop = DLN_STOP_MAX_ITER;
    }
    if (st == DLN_OK && opt->cb && last_notified != opt->k) (void)notify(opt, net);
    sink_close(opt, s);
    finish_report(opt, stop, 1);
    opt->rep.history_rows = s->rows;
    if (report) report_out(opt, report);
    return st;
}

dln_status dln_opt_run(dln_opt *opt, dln_loss *loss, dln_net *net, dln_opt_report *report)
{
    if (!opt) return DLN_E_NULL;
    sink s = {opt->hist, opt->hist_cap, opt->hist_cap, 0, {NULL}};
    dln_status st = run(opt, loss, net, &s, report);
    if (st == DLN_OK || s.rows) opt->hist_rows = s.rows; /* a failed start records nothing */
    return st;
}

dln_status dln_opt_run_history(dln_opt *opt, dln_loss *loss, dln_net *net, double *H, size_t ldh,
                               size_t rows, dln_opt_report *report)
{
    if (!opt) return DLN_E_NULL;
    if (!H && rows) return dlni_fail(opt->err, DLN_E_NULL, "history buffer is NULL");
    if (ldh < rows || ldh < 1)
        return dlni_fail(opt->err, DLN_E_LD, "ldh = %zu must be >= rows = %zu and >= 1", ldh, rows);
    if (!dlni_span_fits(ldh, opt->ncols))
        return dlni_fail(opt->err, DLN_E_OVERFLOW, "ldh x columns overflows the address range");
    sink s = {H, ldh, rows, 0, {NULL}};
    return run(opt, loss, net, &s, report);
}

dln_status dln_opt_step(dln_opt *opt, dln_loss *loss, dln_net *net, dln_stop *stop)
{
    if (!opt) return DLN_E_NULL;
    dln_status st = check_pair(opt, loss, net);
    if (st != DLN_OK) return st;
    /* The state continues on the same loss and net while the net carries
     * this handle's stamp: no other function has written its weights since
     * (see dlni_net_changed). A fresh net, or another net at a freed one's
     * address, carries no stamp of this handle until it starts there. */
    int cont = opt->live && opt->loss_seen == loss && opt->net_seen == net &&
               net->stamp == stamp_of(opt);
    if (!cont && (st = start(opt, loss, net)) != DLN_OK) return st;
    dln_stop s;
    dln_opt_report before = opt->rep;
    st = iterate(opt, loss, net, &s); /* on failure: net back at theta_k, state restarts */
    if (st != DLN_OK) {
        opt->rep = before;
        return st;
    }
    finish_report(opt, s, 0);
    if (stop) *stop = s;
    return st;
}
