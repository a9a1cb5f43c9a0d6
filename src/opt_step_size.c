/* opt_step_size.c - a step size from the curvature at the starting point.
 *
 * On a quadratic with Hessian eigenvalues in [0, mu] each method below is
 * stable exactly for eta < eta_max(mu) (the roots of its characteristic
 * polynomial z^2 - (1 + beta - eta h) z + beta for heavy ball, and
 * z^2 - (1 + beta)(1 - eta h) z + beta (1 - eta h) for Nesterov, stay in the
 * unit disc for 0 < eta h < bound). The Hessian of a deep linear network
 * changes along the path, and at the start it is typically 2-3 times larger
 * than at the limit: a step measured at the limit makes momentum diverge,
 * which is why the bound is taken at the start, with a safety fraction. */
#include "opt_internal.h"

#include <math.h>

#define EIG_TOL 1e-8 /* relative residual of the top eigenpair: 8 digits of mu_max */

/* eta_max * mu_max for the kind (0: the kind's step does not scale with curvature). */
static double stability_bound(const dln_opt *opt)
{
    double beta = opt->o.momentum;
    switch (opt->kind) {
    case DLN_OPT_HEAVY_BALL: return 2.0 * (1.0 + beta);
    case DLN_OPT_NESTEROV: return 2.0 * (1.0 + beta) / (1.0 + 2.0 * beta);
    case DLN_OPT_ADAM: return 0.0;
    default: return 2.0; /* GD, and the first trial step of the line-search kinds */
    }
}

dln_status dln_opt_set_step_from_hessian(dln_opt *opt, dln_loss *loss, const dln_net *net,
                                         double fraction, uint64_t seed, double *eta,
                                         double *mu_max)
{
    if (!opt) return DLN_E_NULL;
    if (!loss || !net) return dlni_fail(opt->err, DLN_E_NULL, "loss or net is NULL");
    if (!(fraction > 0.0 && fraction <= 1.0))
        return dlni_fail(opt->err, DLN_E_RANGE, "fraction = %g is out of range: need 0 < fraction <= 1",
                         fraction);
    double bound = stability_bound(opt);
    if (bound == 0.0)
        return dlni_fail(opt->err, DLN_E_UNSUPPORTED,
                         "the step of kind %s is not scaled by the curvature", opt->ops->name);
    double mu = NAN;
    dln_status st = dln_loss_hessian_eigs(loss, net, DLN_EIG_LARGEST, 1, EIG_TOL, 0, seed, &mu,
                                          NULL, 0, NULL);
    if (st != DLN_OK) return dlni_fail(opt->err, st, "eigensolver: %s", dln_loss_errmsg(loss));
    if (!(mu > 0.0))
        return dlni_fail(opt->err, DLN_E_UNSUPPORTED,
                         "the largest Hessian eigenvalue is %g: no positive curvature to scale by", mu);
    double step = fraction * bound / mu;
    if (!(isfinite(step) && step > 0.0))
        return dlni_fail(opt->err, DLN_E_RANGE, "the step %g from mu_max = %g is not finite", step, mu);
    opt->o.step = step;
    if (eta) *eta = step;
    if (mu_max) *mu_max = mu;
    return DLN_OK;
}
