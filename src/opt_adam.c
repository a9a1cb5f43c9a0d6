/* opt_adam.c - Adam (Kingma & Ba 2015), with bias correction:
 *   m_{k+1} = beta1 m_k + (1 - beta1) g_k,   v_{k+1} = beta2 v_k + (1 - beta2) g_k^2,
 *   theta_{k+1} = theta_k - eta (m_{k+1}/(1 - beta1^{k+1})) / (sqrt(v_{k+1}/(1 - beta2^{k+1})) + eps)
 * coordinate-wise, m_0 = v_0 = 0. A per-coordinate rescaling of the
 * gradient: not a gradient method in the sense of the convergence theory. */
#include "opt_internal.h"

#include <math.h>
#include <string.h>

static size_t two_vectors(const dln_opt *opt, size_t n)
{
    (void)opt;
    return 2 * n;
}

static void clear_moments(dln_opt *opt) { memset(opt->state, 0, 2 * opt->n * sizeof *opt->state); }

static void adam_update(dln_opt *opt, const double *th, double *out)
{
    const double b1 = opt->o.beta1, b2 = opt->o.beta2, eta = opt->o.step, eps = opt->o.adam_eps;
    const double k1 = (double)(opt->k + 1);
    const double c1 = 1.0 - pow(b1, k1), c2 = 1.0 - pow(b2, k1), *g = opt->g;
    double *m = opt->state, *v = opt->state + opt->n;
    for (size_t i = 0; i < opt->n; i++) {
        m[i] = b1 * m[i] + (1.0 - b1) * g[i];
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
        out[i] = th[i] - eta * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
    }
}

const dlni_opt_ops dlni_opt_adam = {"adam", two_vectors, NULL, clear_moments, adam_update, NULL,
                                    NULL};
