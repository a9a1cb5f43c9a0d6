/* net_residual.c - linear residual layers W_l = I + A_l (d_l = d_{l-1}).
 *
 * A residual layer stores the parameters A_l in theta: gradients, HVPs,
 * Hessians, spectra, weight decay (lam_l/2 ||A_l||^2) and optimizers act on
 * them. Since dW_l/dA_l = I, the derivatives of the data term are those of
 * the plain net at W_l = I + A_l: the loss multiplies its chains with the
 * effective weights (dlni_loss_effective) and only the weight-decay terms
 * read theta. Switching a layer on or off keeps W_l (theta -/+ I). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

const dln_net *dlni_net_effective(const dln_net *net, dln_net *view, double *buf)
{
    if (!net->nres) return net;
    view->L = net->L, view->n = net->n, view->d = net->d, view->off = net->off;
    view->theta = buf, view->stamp = 0, view->res = NULL, view->nres = 0;
    view->err[0] = '\0';
    memcpy(buf, net->theta, net->n * sizeof *buf);
    dlni_net_shift(net, buf, 1.0);
    return view;
}

dln_status dlni_net_effective_copy(const dln_net *net, dln_net **out)
{
    dln_net *c = NULL;
    dln_status st = dln_net_create(&c, net->L, net->d);
    if (st != DLN_OK) return st;
    memcpy(c->theta, net->theta, net->n * sizeof *c->theta);
    dlni_net_shift(net, c->theta, 1.0);
    *out = c;
    return DLN_OK;
}

dln_status dln_net_set_residual(dln_net *net, size_t l, int on)
{
    if (!net) return DLN_E_NULL;
    if (l == 0 || l > net->L)
        return dlni_fail(net->err, DLN_E_DIM, "layer index %zu outside 1..%zu", l, net->L);
    if (on != 0 && on != 1) return dlni_fail(net->err, DLN_E_RANGE, "on = %d must be 0 or 1", on);
    if (on && net->d[l] != net->d[l - 1])
        return dlni_fail(net->err, DLN_E_DIM, "layer %zu is %zu x %zu: a residual layer must be square", l,
                         net->d[l], net->d[l - 1]);
    if ((net->res && net->res[l - 1]) == on) return DLN_OK;
    if (!net->res && !(net->res = calloc(net->L, 1)))
        return dlni_fail(net->err, DLN_E_NOMEM, "out of memory");
    dlni_net_changed(net);
    size_t d = net->d[l];
    double *A = dlni_layer(net, l);
    for (size_t i = 0; i < d; i++) A[i + i * d] += on ? -1.0 : 1.0; /* the same W_l */
    net->res[l - 1] = (unsigned char)on;
    net->nres = on ? net->nres + 1 : net->nres - 1;
    return DLN_OK;
}

int dln_net_get_residual(const dln_net *net, size_t l)
{
    return net && l >= 1 && l <= net->L && net->res ? net->res[l - 1] : 0;
}
