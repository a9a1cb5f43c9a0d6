/* opt_eval.c - what every kind does to the loss and the iterate: evaluations
 * counted in the report, and moves along a direction. Below the kinds, which
 * the handle's table (src/opt.c) and the run loop (src/opt_run.c) sit above. */
#include "opt_internal.h"

/* ---- helpers for the kinds ------------------------------------------------------ */

dln_status dlni_opt_eval(dln_opt *opt, dln_loss *loss, const dln_net *net, double *g, double *f)
{
    opt->rep.grad_evals++;
    return dlni_grad(loss, net, f, g);
}

dln_status dlni_opt_value(dln_opt *opt, dln_loss *loss, const dln_net *net, double *f)
{
    opt->rep.value_evals++;
    return dlni_forward(loss, net, f);
}

void dlni_opt_move(dln_opt *opt, dln_net *net, double t, const double *d)
{
    const double *p = opt->prev;
    double *th = net->theta;
    for (size_t i = 0; i < opt->n; i++) th[i] = p[i] + t * d[i];
}
