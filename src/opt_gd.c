/* opt_gd.c - gradient descent with a fixed step and with Armijo backtracking.
 *   fixed:   theta_{k+1} = theta_k - eta g_k
 *   Armijo:  theta_{k+1} = theta_k - t g_k with the first t in eta, eta*shrink,
 *            eta*shrink^2, ... such that F(theta_k - t g_k) <= F_k - c1 t ||g_k||^2
 *            and F(theta_k - t g_k) < F_k */
#include "opt_internal.h"

static void gd_update(dln_opt *opt, const double *th, double *out)
{
    const double eta = opt->o.step, *g = opt->g;
    for (size_t i = 0; i < opt->n; i++) out[i] = th[i] - eta * g[i];
}

static dln_status armijo_step(dln_opt *opt, dln_loss *loss, dln_net *net)
{
    double t = opt->o.step, f;
    int ok;
    dln_status st = dlni_backtrack(opt, loss, net, opt->g, -1.0, -opt->gnorm * opt->gnorm, 0.0, 0,
                                   &t, &f, &ok);
    if (st != DLN_OK) return st;
    if (!ok) {
        opt->ls_failed = 1;
        return DLN_OK;
    }
    opt->t = t;
    return dlni_opt_eval(opt, loss, net, opt->g, &opt->f); /* reuses the chains of the last trial */
}

const dlni_opt_ops dlni_opt_gd = {"gd", NULL, NULL, NULL, gd_update, NULL, NULL};
const dlni_opt_ops dlni_opt_gd_armijo = {"gd-armijo", NULL, NULL, NULL, NULL, armijo_step, NULL};
