/* opt_metrics_landscape.c - history metrics of the optimizers from the landscape
 * analysis (entries of the table in src/opt_metrics.c): the distance to the
 * critical set and the error-bound ratio (regularized theory, src/landscape_distance.c),
 * and balancedness (any loss, src/convergence.c). Each prepares its state once
 * per run so that a recorded row allocates nothing (the distance: except the
 * block spectrum of a new nearest orbit type). */
#include "landscape_distance.h"
#include "opt_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- distance and ratio ---- */

typedef struct eb_state {
    dln_landscape *ls;
    dlni_dist_work *w;
} eb_state;

void dlni_eb_release(void *state)
{
    eb_state *s = state;
    if (!s) return;
    dlni_dist_work_free(s->w);
    dln_landscape_free(s->ls);
    free(s);
}

dln_status dlni_eb_prepare(void **state, dln_loss *loss, const dln_net *net, char *err)
{
    if (net->nres) return dlni_fail(err, DLN_E_UNSUPPORTED, "distance metric: " DLNI_RESIDUAL_MSG);
    eb_state *s = calloc(1, sizeof *s);
    if (!s) return dlni_fail(err, DLN_E_NOMEM, "out of memory");
    dln_status st = dln_landscape_create(&s->ls, loss, net->L, net->d);
    if (st != DLN_OK) {
        free(s);
        return dlni_fail(err, st, "distance metric: the landscape analysis failed");
    }
    st = dlni_dist_work_new(s->ls, &s->w);
    if (st != DLN_OK) {
        dlni_fail(err, st, "distance metric: %s", s->ls->err);
        dlni_eb_release(s);
        return st;
    }
    *state = s;
    return DLN_OK;
}

/* The distance report at iterate k, with the run's F_k and ||g_k||. */
static dln_status eb_report(void *state, const dlni_iterate *it, dln_dist_report *r)
{
    eb_state *s = state;
    double vg[2] = {it->loss_value, it->grad_norm};
    r->struct_size = sizeof *r;
    return dlni_distance(s->w, it->net, vg, r, NULL, NULL);
}

dln_status dlni_eb_dist(void *state, const dlni_iterate *it, double *out)
{
    dln_dist_report r;
    dln_status st = eb_report(state, it, &r);
    if (st == DLN_OK) *out = r.dist;
    return st;
}

dln_status dlni_eb_ratio(void *state, const dlni_iterate *it, double *out)
{
    dln_dist_report r;
    dln_status st = eb_report(state, it, &r);
    if (st == DLN_OK) *out = r.ratio;
    return st;
}

/* ---- balancedness ---- */

typedef struct balance_state {
    double *D, *norms;
    int weighted; /* every lam_l > 0: the loss's weighted D_l */
} balance_state;

void dlni_balance_release(void *state)
{
    balance_state *s = state;
    if (!s) return;
    free(s->D), free(s->norms), free(s);
}

dln_status dlni_balance_prepare(void **state, dln_loss *loss, const dln_net *net, char *err)
{
    if (net->nres) return dlni_fail(err, DLN_E_UNSUPPORTED, "balancedness metric: " DLNI_RESIDUAL_MSG);
    size_t L = net->L, len = 0;
    for (size_t l = 1; l < L; l++) len += net->d[l] * net->d[l];
    balance_state *s = calloc(1, sizeof *s);
    double *lam = dlni_alloc(L);
    if (s) s->D = dlni_alloc(len), s->norms = dlni_alloc(L);
    if (!s || !lam || !s->D || !s->norms) {
        free(lam);
        dlni_balance_release(s);
        return dlni_fail(err, DLN_E_NOMEM, "out of memory");
    }
    dln_status st = dln_loss_get_l2(loss, L, lam);
    s->weighted = st == DLN_OK;
    for (size_t l = 0; l < L && s->weighted; l++) s->weighted = lam[l] > 0.0;
    free(lam);
    *state = s;
    return DLN_OK;
}

dln_status dlni_balance_eval(void *state, const dlni_iterate *it, double *out)
{
    balance_state *s = state;
    dln_status st = s->weighted ? dln_loss_balancedness(it->loss, it->net, s->norms, s->D)
                                : dln_net_balancedness(it->net, s->norms, s->D);
    double mx = 0.0;
    for (size_t l = 0; st == DLN_OK && l + 1 < it->net->L; l++) mx = s->norms[l] > mx ? s->norms[l] : mx;
    if (st == DLN_OK) *out = mx;
    return st;
}
