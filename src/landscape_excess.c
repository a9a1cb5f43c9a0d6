/* landscape_excess.c - F(W) - F* for the regularized loss without
 * cancellation. F(W) and F* agree to many digits near a minimizer, so their
 * difference keeps only eps F / (F - F*) relative accuracy. Instead, with
 * W* the projection of W on an orbit (dln_landscape_distance), F is the
 * exact polynomial p(t) of dln_loss_line_coeffs on the segment W* + t (W - W*),
 * and
 *
 *     F(W) - F(W*) = p(1) - p(0) = sum_{k >= 1} coef[k],
 *
 * in which coef[1] = <grad F(W*), W - W*> vanishes up to the rounding of W*
 * and coef[2] = 1/2 (W - W*)^T H (W - W*) carries the leading term: the
 * relative error is about eps ||grad scale|| / (mu dist) instead of
 * eps F / (mu dist^2). F(W*) is the orbit's closed-form value, and the
 * values of two orbits differ by O(1), so their difference is harmless. */
#include "landscape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

dln_status dln_landscape_excess(dln_landscape *ls, const dln_net *net, const int *pattern,
                                double *excess, double *excess_orbit)
{
    if (!ls) return DLN_E_NULL;
    if (!net) return dlni_fail(ls->err, DLN_E_NULL, "net is NULL");
    dln_net *star = NULL;
    if (dln_net_copy(&star, net) != DLN_OK) return dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    dln_dist_report rep = {.struct_size = sizeof rep};
    dln_status st = pattern ? dln_landscape_distance_to(ls, net, pattern, &rep, star)
                            : dln_landscape_distance(ls, net, &rep, NULL, star);
    size_t n = ls->n, L = ls->L;
    double *dir = st == DLN_OK ? dlni_alloc(n + 2 * L + 1) : NULL, *coef = dir ? dir + n : NULL;
    if (st == DLN_OK && !dir) st = dlni_fail(ls->err, DLN_E_NOMEM, "out of memory");
    if (st == DLN_OK) {
        for (size_t i = 0; i < n; i++) dir[i] = net->theta[i] - star->theta[i];
        st = dln_loss_line_coeffs(ls->loss, star, dir, coef);
        if (st != DLN_OK) st = dlni_fail(ls->err, st, "%s", dln_loss_errmsg(ls->loss));
    }
    if (st == DLN_OK) {
        double exo = 0.0;
        for (size_t k = 2 * L; k >= 1; k--) exo += coef[k];
        /* two closed-form values; the same orbit type gives exactly 0 */
        double gap = rep.cls == DLN_CLASS_GLOBAL_MIN ? 0.0 : rep.critical_value - ls->gstar;
        if (excess_orbit) *excess_orbit = exo;
        if (excess) *excess = exo + gap;
    }
    free(dir);
    dln_net_free(star);
    return st;
}
