/* opt_escape.c - L-BFGS with second-order saddle escapes.
 *
 * Away from critical points this is L-BFGS (src/opt_lbfgs.c). When
 * ||g_k|| <= grad_threshold (once on entering that region) and whenever the
 * gradient test is about to declare convergence, the smallest Hessian
 * eigenpair (mu, v), ||v|| = 1, is computed with dln_loss_hessian_eigs()
 * (seed = the seed option + the number of checks so far in the run). If
 * mu < -curv_tol ||H|| and mu^2 >= ||g_k|| ||H|| (the curvature dominates the
 * gradient: near a minimizer the zero modes of its orbit dip below zero by
 * O(||g_k||), which is no saddle), the next iteration is an escape:
 *     theta_{k+1} = theta_k + t sigma v,
 * searched on both sides sigma = -sign(g'v) (the side where F decreases to
 * first order) and -sigma, each by backtracking from t = 1 (then doubling
 * while F keeps decreasing) on the second-order Armijo test
 *     F(theta_k + t sigma v) <= F_k + c1 (t sigma g'v + t^2 mu / 2);
 * the side with the lower F wins. The L-BFGS memory restarts after an escape.
 * At a strict saddle (g = 0, mu < 0) the decrease is about t^2 |mu| / 2, so
 * every escape lowers F by a finite amount. */
#include "opt_internal.h"
#include "linalg.h"

#include <math.h>

static size_t escape_len(const dln_opt *opt, size_t n)
{
    size_t l = dlni_lbfgs_len(opt, n);
    return l + n < l ? (size_t)-1 : l + n;
}

static void escape_bind(dln_opt *opt)
{
    dlni_lbfgs_bind(opt);
    opt->esc.v = opt->state + dlni_lbfgs_len(opt, opt->n);
}

static void escape_reset(dln_opt *opt)
{
    dlni_escape *e = &opt->esc;
    dlni_lbfgs_reset(opt);
    e->mu = e->hnorm = NAN;
    e->checked_at = e->checks = 0;
    e->in_region = e->pending = 0;
}

/* Smallest Hessian eigenpair at the current iterate; sets e->pending when
 * the curvature is negative enough to escape. */
static dln_status check(dln_opt *opt, dln_loss *loss, const dln_net *net)
{
    dlni_escape *e = &opt->esc;
    dln_eig_report er = {0};
    er.struct_size = sizeof er;
    double mu = NAN;
    dln_status st = dln_loss_hessian_eigs(loss, net, DLN_EIG_SMALLEST, 1, 0.0, 0,
                                          opt->o.seed + e->checks, &mu, e->v, opt->n, &er);
    e->checks++;
    opt->rep.hvp_evals += er.hvps;
    /* an unconverged estimate is still usable: the escape search checks F */
    if (st != DLN_OK && st != DLN_E_NOCONV)
        return dlni_fail(opt->err, st, "eigensolver: %s", dln_loss_errmsg(loss));
    e->mu = mu, e->hnorm = er.hnorm;
    e->checked_at = opt->k + 1;
    opt->rep.min_eig = mu;
    /* negative beyond the tolerance, and dominating the gradient: near a
     * minimizer's orbit its zero modes turn negative by O(||g||) only */
    e->pending = mu < -opt->o.esc_curv * er.hnorm && mu * mu >= opt->gnorm * er.hnorm;
    return DLN_OK;
}

static void log_escape(dln_opt *opt, double f_before, double g_before, double step)
{
    if (opt->rep.escapes < DLN_OPT_ESCAPE_LOG) {
        dln_escape_info *x = &opt->esc_log[opt->rep.escapes];
        x->struct_size = sizeof *x;
        x->iteration = opt->k + 1;
        x->eigenvalue = opt->esc.mu;
        x->grad_norm = g_before;
        x->loss_before = f_before;
        x->loss_after = opt->f;
        x->step = step;
    }
    opt->rep.escapes++;
}

/* Step along +-v; *done = 0 if neither side decreases F (net back at theta_k). */
static dln_status escape(dln_opt *opt, dln_loss *loss, dln_net *net, int *done)
{
    dlni_escape *e = &opt->esc;
    const double gv = la_dot(opt->n, opt->g, e->v), f_before = opt->f, g_before = opt->gnorm;
    double best_f = opt->f, best_step = 0.0;
    *done = 0;
    e->pending = 0;
    for (int side = 0; side < 2; side++) {
        double sign = (side == 0) == (gv <= 0.0) ? 1.0 : -1.0; /* first-order descent side first */
        double t = 1.0, f;
        int ok;
        dln_status st = dlni_backtrack(opt, loss, net, e->v, sign, sign * gv, e->mu, 1, &t, &f, &ok);
        if (st != DLN_OK) return st;
        if (ok && f < best_f) best_f = f, best_step = sign * t;
    }
    dlni_opt_move(opt, net, best_step, e->v);
    if (best_step == 0.0) return DLN_OK;
    dln_status st = dlni_opt_eval(opt, loss, net, opt->g, &opt->f);
    if (st != DLN_OK) return st;
    log_escape(opt, f_before, g_before, best_step);
    opt->escaped = 1, opt->t = fabs(best_step);
    dlni_lbfgs_reset(opt);
    e->in_region = 0;
    *done = 1;
    return DLN_OK;
}

static dln_status escape_step(dln_opt *opt, dln_loss *loss, dln_net *net)
{
    dlni_escape *e = &opt->esc;
    dln_status st;
    if (opt->gnorm > opt->o.esc_grad)
        e->in_region = 0;
    else if (!e->in_region) {
        if (e->checked_at != opt->k + 1 && (st = check(opt, loss, net)) != DLN_OK) return st;
        e->in_region = 1;
    }
    if (e->pending) {
        int done;
        if ((st = escape(opt, loss, net, &done)) != DLN_OK || done) return st;
    }
    return dlni_lbfgs_step(opt, loss, net);
}

/* No escapable curvature is left at a critical point: a non-strict saddle
 * looks the same to the eigenvalue test (its Hessian is PSD), so the
 * classifier decides, with its theory or its higher-order descent probe.
 * A landscape is built once per call: this runs only where a run stops.
 * A residual net is classified as the plain net at W = I + A: without
 * weight decay the translation keeps the classes (docs/residual.md); with
 * decay on A_l no classification applies and the point is accepted. */
static dln_status nonstrict_saddle(dln_opt *opt, dln_loss *loss, const dln_net *net, int *yes)
{
    *yes = 0;
    dln_net *eff = NULL;
    if (net->nres) {
        for (size_t l = 0; l < net->L; l++)
            if (loss->work.lam[l] != 0.0) return DLN_OK;
        if (dlni_net_effective_copy(net, &eff) != DLN_OK)
            return dlni_fail(opt->err, DLN_E_NOMEM, "out of memory");
        net = eff;
    }
    dln_landscape *ls = NULL;
    dln_class_report rep = {.struct_size = sizeof rep};
    dln_status st = dln_landscape_create(&ls, loss, net->L, net->d);
    if (st == DLN_OK) st = dln_landscape_classify(ls, net, DLN_METHOD_AUTO, &rep, NULL, NULL);
    if (st != DLN_OK)
        st = dlni_fail(opt->err, st, "classification: %s", ls ? dln_landscape_errmsg(ls) : "no landscape");
    dln_landscape_free(ls);
    dln_net_free(eff);
    *yes = st == DLN_OK && rep.cls == DLN_CLASS_NONSTRICT_SADDLE;
    return st;
}

/* The gradient test passed: converged without escapable negative curvature,
 * unless the point is a non-strict saddle. */
static dln_status escape_accept(dln_opt *opt, dln_loss *loss, dln_net *net, dln_stop *verdict)
{
    dln_status st = DLN_OK;
    int stuck = 0;
    if (opt->esc.checked_at != opt->k + 1) st = check(opt, loss, net);
    if (st == DLN_OK && !opt->esc.pending) st = nonstrict_saddle(opt, loss, net, &stuck);
    *verdict = opt->esc.pending ? DLN_STOP_NONE : stuck ? DLN_STOP_NONSTRICT_SADDLE : DLN_STOP_GRAD_TOL;
    return st;
}

const dlni_opt_ops dlni_opt_lbfgs_escape = {"lbfgs-escape", escape_len, escape_bind, escape_reset,
                                            NULL,           escape_step, escape_accept};
