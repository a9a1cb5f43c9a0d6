/* opt.c - the optimizer handle: creation, copies, options (validated when
 * set), names. The run loop is in src/opt_run.c, the kinds in src/opt_*.c. */
#include "opt_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Indexed by dln_opt_kind. */
static const dlni_opt_ops *const kinds[] = {
    &dlni_opt_gd,       &dlni_opt_gd_armijo, &dlni_opt_heavy_ball,   &dlni_opt_nesterov,
    &dlni_opt_adam,     &dlni_opt_lbfgs,     &dlni_opt_lbfgs_escape,
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Kinds that use an option (bit = 1 << kind). */
#define K(kind) (1u << (kind))
#define USES_MOMENTUM (K(DLN_OPT_HEAVY_BALL) | K(DLN_OPT_NESTEROV))
#define USES_ADAM K(DLN_OPT_ADAM)
#define USES_ARMIJO (K(DLN_OPT_GD_ARMIJO) | K(DLN_OPT_LBFGS_ESCAPE))
#define USES_LBFGS (K(DLN_OPT_LBFGS) | K(DLN_OPT_LBFGS_ESCAPE))
#define USES_ESCAPE K(DLN_OPT_LBFGS_ESCAPE)

#define MAX_MEMORY 1000
#define MAX_RATE_WINDOW 100000

const char *dln_opt_kind_name(dln_opt_kind kind)
{
    return (unsigned)kind < NKINDS ? kinds[kind]->name : "unknown";
}

const char *dln_stop_name(dln_stop stop)
{
    static const char *const names[] = {"none",      "grad-tol", "loss-rel-tol", "loss-abs-tol",
                                        "step-tol",  "max-iter", "callback",     "nonfinite",
                                        "diverged",  "line-search",  "nonstrict-saddle"};
    return (unsigned)stop < sizeof names / sizeof names[0] ? names[stop] : "unknown";
}

static void set_defaults(dlni_opt_options *o)
{
    o->step = 1e-2, o->max_iter = 1000;
    o->grad_tol = 1e-8, o->loss_rel_tol = 0.0, o->loss_abs_tol = 0.0, o->step_tol = 0.0;
    o->divergence = 1e8;
    o->momentum = 0.9, o->beta1 = 0.9, o->beta2 = 0.999, o->adam_eps = 1e-8;
    o->armijo_c1 = 1e-4, o->shrink = 0.5, o->wolfe_c1 = 1e-4, o->wolfe_c2 = 0.9;
    o->memory = 10;
    o->esc_grad = 1e-4, o->esc_curv = 1e-6, o->seed = 0;
    o->rate_window = 10;
}

/* Drop the per-shape scratch (it is reallocated by the next run). */
void dlni_opt_drop_state(dln_opt *opt)
{
    free(opt->block), free(opt->prev);
    opt->block = opt->g = opt->prev = opt->state = NULL;
    opt->n = 0;
    opt->live = 0;
}

/* The report of a handle that has not run: counts zero, values NaN. */
void dlni_opt_clear_report(dln_opt *opt)
{
    dln_opt_report *r = &opt->rep;
    memset(r, 0, sizeof *r);
    r->struct_size = sizeof *r;
    r->kind = opt->kind;
    r->stop = DLN_STOP_NONE;
    r->initial_loss = r->initial_grad_norm = r->loss = r->grad_norm = NAN;
    r->rate = r->min_eig = NAN;
}

dln_status dln_opt_create(dln_opt **out, dln_opt_kind kind)
{
    if (!out) return DLN_E_NULL;
    if ((unsigned)kind >= NKINDS) return DLN_E_RANGE;
    dln_opt *opt = calloc(1, sizeof *opt);
    if (!opt) return DLN_E_NOMEM;
    opt->kind = kind;
    opt->ops = kinds[kind];
    set_defaults(&opt->o);
    opt->every = 1;
    opt->cols[0] = DLN_METRIC_LOSS, opt->cols[1] = DLN_METRIC_GRAD_NORM, opt->ncols = 2;
    opt->ring = dlni_alloc(opt->o.rate_window);
    if (!opt->ring) {
        free(opt);
        return DLN_E_NOMEM;
    }
    dlni_opt_clear_report(opt);
    *out = opt;
    return DLN_OK;
}

void dln_opt_free(dln_opt *opt)
{
    if (!opt) return;
    dlni_opt_drop_state(opt);
    free(opt->hist);
    free(opt->ring);
    free(opt);
}

dln_status dln_opt_copy(dln_opt **out, const dln_opt *src)
{
    if (!out || !src) return DLN_E_NULL;
    dln_opt *opt = NULL;
    dln_status st = dln_opt_create(&opt, src->kind);
    if (st != DLN_OK) return st;
    opt->o = src->o;
    opt->cb = src->cb, opt->user = src->user, opt->every = src->every;
    memcpy(opt->cols, src->cols, sizeof opt->cols);
    opt->ncols = src->ncols;
    if (dln_opt_set_rate_window(opt, src->o.rate_window) != DLN_OK ||
        dln_opt_set_history_capacity(opt, src->hist_cap) != DLN_OK) {
        dln_opt_free(opt);
        return DLN_E_NOMEM;
    }
    *out = opt;
    return DLN_OK;
}

const char *dln_opt_errmsg(const dln_opt *opt) { return opt ? opt->err : "optimizer handle is NULL"; }

dln_opt_kind dln_opt_get_kind(const dln_opt *opt) { return opt ? opt->kind : DLN_OPT_GD; }

/* ---- validation helpers ---------------------------------------------------- */

static dln_status out_of_range(dln_opt *opt, const char *name, double v, const char *range)
{
    return dlni_fail(opt->err, DLN_E_RANGE, "%s = %g is out of range: %s", name, v, range);
}

/* A kind-specific option: the handle exists and its kind uses the option. */
static dln_status needs_kind(dln_opt *opt, unsigned mask, const char *name)
{
    if (!opt) return DLN_E_NULL;
    if (mask & K(opt->kind)) return DLN_OK;
    return dlni_fail(opt->err, DLN_E_UNSUPPORTED, "option %s does not apply to kind %s", name,
                     opt->ops->name);
}

/* A tolerance: finite and >= 0. */
static dln_status set_tol(dln_opt *opt, double *field, double v, const char *name)
{
    if (!opt) return DLN_E_NULL;
    if (!(isfinite(v) && v >= 0.0)) return out_of_range(opt, name, v, "need a finite value >= 0");
    *field = v;
    return DLN_OK;
}

static int in_unit(double v) { return v > 0.0 && v < 1.0; } /* (0, 1) */

/* ---- general options --------------------------------------------------------- */

dln_status dln_opt_set_step(dln_opt *opt, double eta)
{
    if (!opt) return DLN_E_NULL;
    if (!(isfinite(eta) && eta > 0.0)) return out_of_range(opt, "step", eta, "need 0 < eta < Inf");
    opt->o.step = eta;
    return DLN_OK;
}
double dln_opt_get_step(const dln_opt *opt) { return opt ? opt->o.step : NAN; }

dln_status dln_opt_set_max_iter(dln_opt *opt, size_t max_iter)
{
    if (!opt) return DLN_E_NULL;
    opt->o.max_iter = max_iter;
    return DLN_OK;
}
size_t dln_opt_get_max_iter(const dln_opt *opt) { return opt ? opt->o.max_iter : 0; }

/* Setter and getter of a tolerance option o.name. */
#define TOLERANCE_OPTION(name)                                                     \
    dln_status dln_opt_set_##name(dln_opt *opt, double tol)                        \
    {                                                                              \
        return set_tol(opt, opt ? &opt->o.name : NULL, tol, #name);                \
    }                                                                              \
    double dln_opt_get_##name(const dln_opt *opt) { return opt ? opt->o.name : NAN; }

TOLERANCE_OPTION(grad_tol)
TOLERANCE_OPTION(loss_rel_tol)
TOLERANCE_OPTION(loss_abs_tol)
TOLERANCE_OPTION(step_tol)

dln_status dln_opt_set_divergence(dln_opt *opt, double factor)
{
    if (!opt) return DLN_E_NULL;
    if (!(factor > 1.0)) /* also rejects NaN; +Inf disables the test */
        return out_of_range(opt, "divergence", factor, "need factor > 1 (Inf disables)");
    opt->o.divergence = factor;
    return DLN_OK;
}
double dln_opt_get_divergence(const dln_opt *opt) { return opt ? opt->o.divergence : NAN; }

dln_status dln_opt_set_rate_window(dln_opt *opt, size_t window)
{
    if (!opt) return DLN_E_NULL;
    if (window < 2 || window > MAX_RATE_WINDOW)
        return out_of_range(opt, "rate_window", (double)window, "need 2 <= window <= 100000");
    double *ring = dlni_alloc(window);
    if (!ring) return dlni_fail(opt->err, DLN_E_NOMEM, "out of memory for the rate window");
    free(opt->ring);
    opt->ring = ring;
    opt->o.rate_window = window;
    opt->live = 0; /* the ring restarts */
    return DLN_OK;
}
size_t dln_opt_get_rate_window(const dln_opt *opt) { return opt ? opt->o.rate_window : 0; }

/* ---- kind-specific options ----------------------------------------------------- */

dln_status dln_opt_set_momentum(dln_opt *opt, double beta)
{
    dln_status st = needs_kind(opt, USES_MOMENTUM, "momentum");
    if (st != DLN_OK) return st;
    if (!(beta >= 0.0 && beta < 1.0)) return out_of_range(opt, "momentum", beta, "need 0 <= beta < 1");
    opt->o.momentum = beta;
    return DLN_OK;
}
double dln_opt_get_momentum(const dln_opt *opt) { return opt ? opt->o.momentum : NAN; }

dln_status dln_opt_set_adam_betas(dln_opt *opt, double beta1, double beta2)
{
    dln_status st = needs_kind(opt, USES_ADAM, "betas");
    if (st != DLN_OK) return st;
    if (!(beta1 >= 0.0 && beta1 < 1.0)) return out_of_range(opt, "beta1", beta1, "need 0 <= beta1 < 1");
    if (!(beta2 >= 0.0 && beta2 < 1.0)) return out_of_range(opt, "beta2", beta2, "need 0 <= beta2 < 1");
    opt->o.beta1 = beta1, opt->o.beta2 = beta2;
    return DLN_OK;
}

/* Copy two option values out; either pointer may be NULL. */
static dln_status get_pair(const dln_opt *opt, double a, double b, double *pa, double *pb)
{
    if (!opt) return DLN_E_NULL;
    if (pa) *pa = a;
    if (pb) *pb = b;
    return DLN_OK;
}

dln_status dln_opt_get_adam_betas(const dln_opt *opt, double *beta1, double *beta2)
{
    return opt ? get_pair(opt, opt->o.beta1, opt->o.beta2, beta1, beta2) : DLN_E_NULL;
}

dln_status dln_opt_set_adam_eps(dln_opt *opt, double eps)
{
    dln_status st = needs_kind(opt, USES_ADAM, "adam_eps");
    if (st != DLN_OK) return st;
    if (!(isfinite(eps) && eps > 0.0)) return out_of_range(opt, "adam_eps", eps, "need 0 < eps < Inf");
    opt->o.adam_eps = eps;
    return DLN_OK;
}
double dln_opt_get_adam_eps(const dln_opt *opt) { return opt ? opt->o.adam_eps : NAN; }

dln_status dln_opt_set_armijo(dln_opt *opt, double c1, double shrink)
{
    dln_status st = needs_kind(opt, USES_ARMIJO, "armijo");
    if (st != DLN_OK) return st;
    if (!in_unit(c1)) return out_of_range(opt, "armijo c1", c1, "need 0 < c1 < 1");
    if (!in_unit(shrink)) return out_of_range(opt, "armijo shrink", shrink, "need 0 < shrink < 1");
    opt->o.armijo_c1 = c1, opt->o.shrink = shrink;
    return DLN_OK;
}

dln_status dln_opt_get_armijo(const dln_opt *opt, double *c1, double *shrink)
{
    return opt ? get_pair(opt, opt->o.armijo_c1, opt->o.shrink, c1, shrink) : DLN_E_NULL;
}

dln_status dln_opt_set_wolfe(dln_opt *opt, double c1, double c2)
{
    dln_status st = needs_kind(opt, USES_LBFGS, "wolfe");
    if (st != DLN_OK) return st;
    if (!in_unit(c1)) return out_of_range(opt, "wolfe c1", c1, "need 0 < c1 < c2 < 1");
    if (!(in_unit(c2) && c2 > c1)) return out_of_range(opt, "wolfe c2", c2, "need 0 < c1 < c2 < 1");
    opt->o.wolfe_c1 = c1, opt->o.wolfe_c2 = c2;
    return DLN_OK;
}

dln_status dln_opt_get_wolfe(const dln_opt *opt, double *c1, double *c2)
{
    return opt ? get_pair(opt, opt->o.wolfe_c1, opt->o.wolfe_c2, c1, c2) : DLN_E_NULL;
}

dln_status dln_opt_set_memory(dln_opt *opt, size_t m)
{
    dln_status st = needs_kind(opt, USES_LBFGS, "memory");
    if (st != DLN_OK) return st;
    if (m < 1 || m > MAX_MEMORY) return out_of_range(opt, "memory", (double)m, "need 1 <= m <= 1000");
    if (m != opt->o.memory) dlni_opt_drop_state(opt); /* the pair storage changes size */
    opt->o.memory = m;
    return DLN_OK;
}
size_t dln_opt_get_memory(const dln_opt *opt) { return opt ? opt->o.memory : 0; }

dln_status dln_opt_set_escape(dln_opt *opt, double grad_threshold, double curv_tol)
{
    dln_status st = needs_kind(opt, USES_ESCAPE, "escape");
    if (st != DLN_OK) return st;
    if (!(isfinite(grad_threshold) && grad_threshold > 0.0))
        return out_of_range(opt, "escape grad_threshold", grad_threshold, "need 0 < value < Inf");
    if (!(isfinite(curv_tol) && curv_tol > 0.0))
        return out_of_range(opt, "escape curv_tol", curv_tol, "need 0 < value < Inf");
    opt->o.esc_grad = grad_threshold, opt->o.esc_curv = curv_tol;
    return DLN_OK;
}

dln_status dln_opt_get_escape(const dln_opt *opt, double *grad_threshold, double *curv_tol)
{
    return opt ? get_pair(opt, opt->o.esc_grad, opt->o.esc_curv, grad_threshold, curv_tol)
               : DLN_E_NULL;
}

dln_status dln_opt_set_seed(dln_opt *opt, uint64_t seed)
{
    dln_status st = needs_kind(opt, USES_ESCAPE, "seed");
    if (st != DLN_OK) return st;
    opt->o.seed = seed;
    return DLN_OK;
}
uint64_t dln_opt_get_seed(const dln_opt *opt) { return opt ? opt->o.seed : 0; }

/* ---- observation: callback, metrics, history ----------------------------------- */

dln_status dln_opt_set_callback(dln_opt *opt, dln_progress_fn fn, void *user, size_t every)
{
    if (!opt) return DLN_E_NULL;
    if (every < 1) return out_of_range(opt, "callback every", 0.0, "need every >= 1");
    opt->cb = fn, opt->user = fn ? user : NULL, opt->every = every;
    return DLN_OK;
}

/* Internal history of rows x ncols (rows = 0: none). */
static dln_status alloc_history(dln_opt *opt, size_t rows, size_t ncols)
{
    double *h = NULL;
    if (rows) {
        size_t cnt;
        if (!dlni_mul(rows, ncols, &cnt) || !(h = dlni_alloc(cnt)))
            return dlni_fail(opt->err, DLN_E_NOMEM, "out of memory for a history of %zu rows", rows);
    }
    free(opt->hist);
    opt->hist = h, opt->hist_cap = rows, opt->hist_rows = 0;
    return DLN_OK;
}

dln_status dln_opt_set_metrics(dln_opt *opt, size_t k, const dln_metric *metrics)
{
    if (!opt) return DLN_E_NULL;
    if (!metrics) return dlni_fail(opt->err, DLN_E_NULL, "metrics array is NULL");
    if (k < 1 || k > DLN_METRIC_MAX_COLUMNS)
        return out_of_range(opt, "number of metrics", (double)k, "need 1 <= k <= 16");
    for (size_t c = 0; c < k; c++)
        if (!dlni_metric_find(metrics[c]))
            return dlni_fail(opt->err, DLN_E_RANGE, "metric %d (column %zu) is unknown",
                             (int)metrics[c], c);
    if (k != opt->ncols) {
        dln_status st = alloc_history(opt, opt->hist_cap, k);
        if (st != DLN_OK) return st;
    }
    memcpy(opt->cols, metrics, k * sizeof *metrics);
    opt->ncols = k;
    opt->hist_rows = 0;
    return DLN_OK;
}

size_t dln_opt_get_metrics(const dln_opt *opt, dln_metric *metrics)
{
    if (!opt) return 0;
    if (metrics) memcpy(metrics, opt->cols, opt->ncols * sizeof *metrics);
    return opt->ncols;
}

dln_status dln_opt_set_history_capacity(dln_opt *opt, size_t rows)
{
    if (!opt) return DLN_E_NULL;
    return alloc_history(opt, rows, opt->ncols);
}

size_t dln_opt_get_history_capacity(const dln_opt *opt) { return opt ? opt->hist_cap : 0; }

size_t dln_opt_history_rows(const dln_opt *opt) { return opt ? opt->hist_rows : 0; }

dln_status dln_opt_history(const dln_opt *opt, double *H, size_t ldh)
{
    if (!opt || !H) return DLN_E_NULL;
    if (ldh < opt->hist_rows || ldh < 1) return DLN_E_LD;
    if (!dlni_span_fits(ldh, opt->ncols)) return DLN_E_OVERFLOW;
    if (opt->hist_rows == 0) return DLN_OK; /* no history: opt->hist may be NULL */
    for (size_t c = 0; c < opt->ncols; c++)
        memcpy(H + c * ldh, opt->hist + c * opt->hist_cap, opt->hist_rows * sizeof *H);
    return DLN_OK;
}
