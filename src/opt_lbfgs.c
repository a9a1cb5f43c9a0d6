/* opt_lbfgs.c - L-BFGS (Nocedal 1980; Nocedal & Wright, Algorithm 7.4).
 *
 * Direction d_k = -H_k g_k by the two-loop recursion over the last m pairs
 * s_j = theta_{j+1} - theta_j, y_j = g_{j+1} - g_j, with H_k^0 = gamma I,
 * gamma = s'y / y'y of the newest pair; theta_{k+1} = theta_k + t d_k with t
 * from the strong Wolfe search (first trial t = 1; t = eta with d = -g on the
 * first iteration and after a restart). A pair is stored only when
 * s'y > eps ||s|| ||y|| (positive curvature, guaranteed by the Wolfe
 * conditions up to rounding). When d is not a descent direction or the
 * search fails, the memory is cleared and steepest descent is tried once. */
#include "opt_internal.h"
#include "linalg.h"

#include <float.h>
#include <string.h>

size_t dlni_lbfgs_len(const dln_opt *opt, size_t n)
{
    size_t m = opt->o.memory, pairs;
    if (!dlni_mul(2 * m, n, &pairs) || pairs + 2 * m + 2 * n < pairs) return (size_t)-1;
    return pairs + 2 * m + 2 * n;
}

void dlni_lbfgs_bind(dln_opt *opt)
{
    dlni_lbfgs *lb = &opt->lb;
    size_t m = opt->o.memory, n = opt->n;
    lb->S = opt->state;
    lb->Y = lb->S + m * n;
    lb->rho = lb->Y + m * n;
    lb->alpha = lb->rho + m;
    lb->d = lb->alpha + m;
    lb->gt = lb->d + n;
}

void dlni_lbfgs_reset(dln_opt *opt) { opt->lb.head = opt->lb.count = 0; }

/* d = -H g by the two-loop recursion (d = -g with an empty memory). */
static void direction(dln_opt *opt)
{
    dlni_lbfgs *lb = &opt->lb;
    const size_t n = opt->n, m = opt->o.memory;
    double *d = lb->d;
    for (size_t i = 0; i < n; i++) d[i] = -opt->g[i];
    if (lb->count == 0) return;
    for (size_t c = 0; c < lb->count; c++) { /* newest to oldest */
        size_t j = (lb->head + m - 1 - c) % m;
        lb->alpha[j] = lb->rho[j] * la_dot(n, lb->S + j * n, d);
        la_axpy(n, -lb->alpha[j], lb->Y + j * n, d);
    }
    size_t newest = (lb->head + m - 1) % m;
    const double *yn = lb->Y + newest * n;
    la_scal(n, 1.0 / (lb->rho[newest] * la_dot(n, yn, yn)), d); /* gamma = s'y / y'y */
    for (size_t c = lb->count; c-- > 0;) { /* oldest to newest */
        size_t j = (lb->head + m - 1 - c) % m;
        double beta = lb->rho[j] * la_dot(n, lb->Y + j * n, d);
        la_axpy(n, lb->alpha[j] - beta, lb->S + j * n, d);
    }
}

/* Store s = theta - prev and y = gt - g when s'y is safely positive. */
static void remember(dln_opt *opt, const dln_net *net)
{
    dlni_lbfgs *lb = &opt->lb;
    const size_t n = opt->n, m = opt->o.memory;
    double *s = lb->S + lb->head * n, *y = lb->Y + lb->head * n;
    for (size_t i = 0; i < n; i++) s[i] = net->theta[i] - opt->prev[i], y[i] = lb->gt[i] - opt->g[i];
    double sy = la_dot(n, s, y);
    if (!(sy > DBL_EPSILON * la_nrm2(n, s) * la_nrm2(n, y))) return;
    lb->rho[lb->head] = 1.0 / sy;
    lb->head = (lb->head + 1) % m;
    if (lb->count < m) lb->count++;
}

dln_status dlni_lbfgs_step(dln_opt *opt, dln_loss *loss, dln_net *net)
{
    dlni_lbfgs *lb = &opt->lb;
    for (int attempt = 0; attempt < 2; attempt++) {
        direction(opt);
        double slope = la_dot(opt->n, opt->g, lb->d);
        if (!(slope < 0.0) && lb->count > 0) { /* not a descent direction: restart */
            dlni_lbfgs_reset(opt);
            direction(opt);
            slope = la_dot(opt->n, opt->g, lb->d);
        }
        if (!(slope < 0.0)) break; /* g = 0 to rounding: nothing to do */
        double t = lb->count ? 1.0 : opt->o.step, f;
        int ok;
        dln_status st = dlni_wolfe(opt, loss, net, lb->d, slope, &t, &f, lb->gt, &ok);
        if (st != DLN_OK) return st;
        if (ok) {
            remember(opt, net);
            double *g = opt->g; /* the gradient at the new point becomes g_{k+1} */
            opt->g = lb->gt, lb->gt = g;
            opt->f = f, opt->t = t;
            return DLN_OK;
        }
        if (lb->count == 0) break;
        dlni_lbfgs_reset(opt); /* retry once with steepest descent */
    }
    opt->ls_failed = 1;
    return DLN_OK;
}

const dlni_opt_ops dlni_opt_lbfgs = {"lbfgs",          dlni_lbfgs_len, dlni_lbfgs_bind,
                                     dlni_lbfgs_reset, NULL,           dlni_lbfgs_step, NULL};
