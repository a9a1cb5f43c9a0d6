/* opt_internal.h - private structures of the optimizers (src/opt*.c).
 *
 * src/opt.c owns the handle and the options; src/opt_run.c the run loop, the
 * stop tests, the report and the history. Each kind lives in its own file
 * behind a dlni_opt_ops table, in one of two forms:
 *
 * - element-wise (update != NULL): update(opt, theta, out) writes theta_{k+1}
 *   into out (n entries, out != theta) given theta_k = theta and
 *   g_k = opt->g; the run loop hands out over to the net (double buffering:
 *   the net's old block keeps theta_k) and evaluates F and grad F there.
 * - general (step != NULL): called with the net at theta_k and a copy of it
 *   in opt->prev, opt->g = g_k, opt->f = F_k, opt->gnorm = ||g_k||; it
 *   leaves the net at theta_{k+1} with opt->g and opt->f evaluated there and
 *   opt->t set to the step length. It returns DLN_E_NONFINITE when the new
 *   point has no finite loss or gradient, or DLN_OK with opt->ls_failed = 1
 *   when no step was acceptable.
 *
 * In both cases opt->prev holds theta_k afterwards, and the run loop puts the
 * net back to theta_k on failure by exchanging the two blocks again. */
#ifndef DLNET_OPT_INTERNAL_H
#define DLNET_OPT_INTERNAL_H

#include "internal.h"

/* Options (plain values, copied by dln_opt_copy). */
typedef struct dlni_opt_options {
    double step, grad_tol, loss_rel_tol, loss_abs_tol, step_tol, divergence;
    size_t max_iter;
    double momentum, beta1, beta2, adam_eps;
    double armijo_c1, shrink, wolfe_c1, wolfe_c2;
    size_t memory;
    double esc_grad, esc_curv;
    uint64_t seed;
    size_t rate_window;
} dlni_opt_options;

typedef struct dlni_opt_ops {
    const char *name;
    /* doubles of kind-specific state for n parameters */
    size_t (*state_len)(const dln_opt *opt, size_t n);
    /* point the kind's pointers into opt->state (after an allocation) */
    void (*bind)(dln_opt *opt);
    /* clear the kind's state (the start of a run) */
    void (*reset)(dln_opt *opt);
    void (*update)(dln_opt *opt, const double *theta, double *out);
    dln_status (*step)(dln_opt *opt, dln_loss *loss, dln_net *net);
    /* second-order acceptance of a point that passed the gradient test:
     * *verdict = DLN_STOP_GRAD_TOL (converged), DLN_STOP_NONSTRICT_SADDLE
     * (stuck: no second-order escape) or DLN_STOP_NONE (keep going); NULL
     * means DLN_STOP_GRAD_TOL (first-order methods) */
    dln_status (*accept)(dln_opt *opt, dln_loss *loss, dln_net *net, dln_stop *verdict);
} dlni_opt_ops;

extern const dlni_opt_ops dlni_opt_gd, dlni_opt_gd_armijo, dlni_opt_heavy_ball,
    dlni_opt_nesterov, dlni_opt_adam, dlni_opt_lbfgs, dlni_opt_lbfgs_escape;

/* What a history metric can read about iterate k. */
typedef struct dlni_iterate {
    dln_loss *loss;     /* its chains are valid at net */
    const dln_net *net; /* theta_k */
    const double *grad; /* g_k, length n */
    size_t iteration;
    double loss_value, grad_norm, step_size, elapsed;
    double step_norm;   /* NaN unless a DLN_METRIC_STEP_NORM column is recorded */
} dlni_iterate;

/* A history metric. Adding one: a dln_metric value in dlnet.h and one entry
 * in the table of src/opt_metrics.c (its functions may live in their own
 * file). A metric is either a double field of dlni_iterate (eval = NULL,
 * field = its offsetof) or computed by eval, which runs for every recorded
 * row and must not allocate; prepare (optional) runs once per run before
 * iterate 0 and may allocate the state that release frees. */
typedef struct dlni_metric_def {
    dln_metric id;
    const char *name;
    size_t field;
    dln_status (*prepare)(void **state, dln_loss *loss, const dln_net *net, char *err);
    dln_status (*eval)(void *state, const dlni_iterate *it, double *out);
    void (*release)(void *state);
} dlni_metric_def;

const dlni_metric_def *dlni_metric_find(dln_metric id);

/* Metrics computed from the landscape analysis and the convergence metrics
 * (src/opt_metrics_landscape.c), entries of the table in src/opt_metrics.c. */
dln_status dlni_eb_prepare(void **state, dln_loss *loss, const dln_net *net, char *err);
dln_status dlni_eb_dist(void *state, const dlni_iterate *it, double *out);
dln_status dlni_eb_ratio(void *state, const dlni_iterate *it, double *out);
void dlni_eb_release(void *state);
dln_status dlni_balance_prepare(void **state, dln_loss *loss, const dln_net *net, char *err);
dln_status dlni_balance_eval(void *state, const dlni_iterate *it, double *out);
void dlni_balance_release(void *state);
dln_status dlni_metric_eval(const dlni_metric_def *m, void *state, const dlni_iterate *it,
                            double *out);

/* L-BFGS memory (also used by the escape kind), src/opt_lbfgs.c. A ring of
 * m + 1 slots: `count` pairs end just before `head`, whose slot is free and
 * receives the next direction (it becomes s in place). SY and YY hold the
 * inner products s_i'y_j (i <= j in age) and y_i'y_j by slot. */
typedef struct dlni_lbfgs {
    double *S, *Y;      /* m + 1 slots of length n, slot j at j*n */
    double *SY, *YY;    /* (m + 1) x (m + 1), by slot */
    double *dots;       /* 2 (m + 1) x 2: [S Y]' g now, and for the previous g */
    double *u, *w;      /* m + 1: coefficients of the compact form */
    double *d, *gt;     /* direction (slot head of S), gradient at the trial point */
    size_t head, count; /* free slot, pairs stored */
    int fresh;          /* the newest pair's products are not yet in SY, YY */
} dlni_lbfgs;

/* Saddle-escape bookkeeping. */
typedef struct dlni_escape {
    double *v;          /* unit eigenvector of the last check */
    double mu, hnorm;   /* its eigenvalue and the solver's ||H|| estimate */
    size_t checked_at;  /* iteration of the last check + 1 (0: none) */
    int in_region;      /* a check was made since ||g|| dropped below the threshold */
    int pending;        /* escape along v at the next step */
    size_t checks;
} dlni_escape;

struct dln_opt {
    dln_opt_kind kind;
    const dlni_opt_ops *ops;
    dlni_opt_options o;
    dln_progress_fn cb;
    void *user;
    size_t every;
    dln_metric cols[DLN_METRIC_MAX_COLUMNS];
    size_t ncols;
    double *hist;       /* internal history, hist_cap x ncols, ld = hist_cap */
    size_t hist_cap, hist_rows;
    double *ring;       /* last rate_window gradient norms */
    size_t ring_pos, ring_count;
    /* scratch and state for one parameter count n */
    size_t n;
    double *block;      /* one allocation holding g and state */
    double *g;          /* g_k */
    double *state;      /* the kind's state (state_len doubles) */
    double *prev;       /* n doubles of its own (exchanged with net->theta):
                         * theta_k while a step runs, theta_{k-1} after it */
    dlni_lbfgs lb;
    dlni_escape esc;
    /* state of the current run */
    const dln_loss *loss_seen;
    const dln_net *net_seen;
    int live;           /* state valid for continuing on net_seen while it
                         * carries this handle's stamp (dln_net.stamp) */
    size_t k;           /* iterations done */
    double f, gnorm, t, f0;
    double step_norm;   /* ||theta_k - theta_{k-1}||, NaN until computed */
    int prev_valid;     /* prev holds theta_{k-1} */
    int escaped;        /* the last step was an escape */
    int ls_failed;      /* set by a kind: no acceptable step (net back at theta_k) */
    double t_start;
    dln_opt_report rep;
    dln_escape_info esc_log[DLN_OPT_ESCAPE_LOG];
    char err[DLNI_MSG];
};

/* The handle's own field resets (src/opt.c). */
void dlni_opt_drop_state(dln_opt *opt);
void dlni_opt_clear_report(dln_opt *opt);

/* Helpers for the kinds (src/opt_eval.c). */
/* F and grad F at net into g, *f; counts one gradient evaluation. */
dln_status dlni_opt_eval(dln_opt *opt, dln_loss *loss, const dln_net *net, double *g, double *f);
/* F alone at net; counts one value evaluation. */
dln_status dlni_opt_value(dln_opt *opt, dln_loss *loss, const dln_net *net, double *f);
/* net->theta = prev + t d. */
void dlni_opt_move(dln_opt *opt, dln_net *net, double t, const double *d);
/* Line searches (src/opt_linesearch.c) from opt->prev (value opt->f). On
 * success (*ok = 1) the net is at the accepted point; otherwise back at prev. */
/* Backtracking from t = *t on the points prev + (sign t) d:
 * F <= F(prev) + c1 (t slope + t^2 curv / 2) with slope, curv the derivatives
 * per unit t; with expand, t is then doubled while the test holds and F
 * decreases. The value at the accepted t goes to *f. */
dln_status dlni_backtrack(dln_opt *opt, dln_loss *loss, dln_net *net, const double *d, double sign,
                          double slope, double curv, int expand, double *t, double *f, int *ok);
/* Strong Wolfe search from t = *t along a descent direction d (slope =
 * g'd < 0); F and grad F at the accepted point go to *f and g. */
dln_status dlni_wolfe(dln_opt *opt, dln_loss *loss, dln_net *net, const double *d, double slope,
                      double *t, double *f, double *g, int *ok);
/* L-BFGS pieces shared by the two L-BFGS kinds (src/opt_lbfgs.c). */
size_t dlni_lbfgs_len(const dln_opt *opt, size_t n);
void dlni_lbfgs_bind(dln_opt *opt);
void dlni_lbfgs_reset(dln_opt *opt);
dln_status dlni_lbfgs_step(dln_opt *opt, dln_loss *loss, dln_net *net);

double dlni_now(void);

#endif
