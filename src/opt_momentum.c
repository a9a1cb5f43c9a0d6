/* opt_momentum.c - heavy-ball momentum and Nesterov acceleration.
 *   heavy ball:  v_{k+1} = beta v_k - eta g_k,  theta_{k+1} = theta_k + v_{k+1}
 *   Nesterov:    b_{k+1} = beta b_k + g_k,      theta_{k+1} = theta_k - eta (g_k + beta b_{k+1})
 * with v_0 = b_0 = 0. The Nesterov form is the classical x_{k+1} = y_k - eta
 * grad F(y_k), y_{k+1} = x_{k+1} + beta (x_{k+1} - x_k) written for the
 * look-ahead points y_k (theta_k = y_k), so that the gradient is evaluated
 * at the weights the net holds and no extra evaluation is needed. */
#include "opt_internal.h"

#include <string.h>

static size_t one_vector(const dln_opt *opt, size_t n)
{
    (void)opt;
    return n;
}

static void clear_vector(dln_opt *opt) { memset(opt->state, 0, opt->n * sizeof *opt->state); }

static void heavy_ball_update(dln_opt *opt, const double *th, double *out)
{
    const double beta = opt->o.momentum, eta = opt->o.step, *g = opt->g;
    double *v = opt->state;
    for (size_t i = 0; i < opt->n; i++) {
        v[i] = beta * v[i] - eta * g[i];
        out[i] = th[i] + v[i];
    }
}

static void nesterov_update(dln_opt *opt, const double *th, double *out)
{
    const double beta = opt->o.momentum, eta = opt->o.step, *g = opt->g;
    double *b = opt->state;
    for (size_t i = 0; i < opt->n; i++) {
        b[i] = beta * b[i] + g[i];
        out[i] = th[i] - eta * (g[i] + beta * b[i]);
    }
}

const dlni_opt_ops dlni_opt_heavy_ball = {"heavy-ball", one_vector,        NULL, clear_vector,
                                          heavy_ball_update, NULL, NULL};
const dlni_opt_ops dlni_opt_nesterov = {"nesterov", one_vector,      NULL, clear_vector,
                                        nesterov_update, NULL, NULL};
