/* errbound.h - private interface of the distance computation (src/errbound.c)
 * for callers that evaluate it at many points of one landscape, e.g. the
 * history metrics of the optimizers: the workspace is allocated once. */
#ifndef DLNET_ERRBOUND_H
#define DLNET_ERRBOUND_H

#include "landscape.h"

typedef struct dlni_dist_work dlni_dist_work;

/* Workspace for distances on a regularized landscape (DLN_E_UNSUPPORTED
 * otherwise, with the reason in ls->err). */
dln_status dlni_dist_work_new(dln_landscape *ls, dlni_dist_work **out);
void dlni_dist_work_free(dlni_dist_work *w);
/* dln_landscape_distance() without argument checks: net has the landscape's
 * widths, rep->struct_size is valid. vg = {F(W), ||grad F(W)||} when the
 * caller has them (NULL: a gradient is evaluated). nearest: NULL or n
 * doubles for W* (theta layout). Allocates nothing, except the block
 * spectrum when the nearest orbit type differs from the previous call's. */
dln_status dlni_distance(dlni_dist_work *w, const dln_net *net, const double *vg,
                         dln_dist_report *rep, int *pattern, double *nearest);
/* The same for the orbit type of a chosen pattern (DLN_E_RANGE if it is not
 * admissible): one candidate, dist_second = +Inf. */
dln_status dlni_distance_to(dlni_dist_work *w, const dln_net *net, const int *chosen,
                            dln_dist_report *rep, double *nearest);

/* History metrics of the optimizers (src/errbound_metrics.c), entries of the
 * table in src/opt_metrics.c (see dlni_metric_def in src/opt_internal.h). */
struct dlni_iterate;
dln_status dlni_eb_prepare(void **state, dln_loss *loss, const dln_net *net, char *err);
dln_status dlni_eb_dist(void *state, const struct dlni_iterate *it, double *out);
dln_status dlni_eb_ratio(void *state, const struct dlni_iterate *it, double *out);
void dlni_eb_release(void *state);
dln_status dlni_balance_prepare(void **state, dln_loss *loss, const dln_net *net, char *err);
dln_status dlni_balance_eval(void *state, const struct dlni_iterate *it, double *out);
void dlni_balance_release(void *state);

#endif
