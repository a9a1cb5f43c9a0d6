/* landscape_distance.h - private interface of the distance computation (src/landscape_distance.c)
 * for callers that evaluate it at many points of one landscape, e.g. the
 * history metrics of the optimizers: the workspace is allocated once. */
#ifndef DLNET_LANDSCAPE_DISTANCE_H
#define DLNET_LANDSCAPE_DISTANCE_H

#include "landscape.h"

typedef struct dlni_dist_work dlni_dist_work;

/* Workspace for distances on a regularized landscape (DLN_E_UNSUPPORTED
 * otherwise, with the reason in ls->err). */
dln_status dlni_dist_work_new(dln_landscape *ls, dlni_dist_work **out);
void dlni_dist_work_free(dlni_dist_work *w);
/* dln_landscape_distance() without argument checks: net has the landscape's
 * widths, rep is a full report of this version. vg = {F(W), ||grad F(W)||} when the
 * caller has them (NULL: a gradient is evaluated). nearest: NULL or n
 * doubles for W* (theta layout). Allocates nothing, except the block
 * spectrum when the nearest orbit type differs from the previous call's. */
dln_status dlni_distance(dlni_dist_work *w, const dln_net *net, const double *vg,
                         dln_dist_report *rep, int *pattern, double *nearest);
/* The same for the orbit type of a chosen pattern (DLN_E_RANGE if it is not
 * admissible): one candidate, dist_second = +Inf. */
dln_status dlni_distance_to(dlni_dist_work *w, const dln_net *net, const int *chosen,
                            dln_dist_report *rep, double *nearest);
/* 1: the Procrustes sweeps alone, without the Gauss-Newton steps near an
 * orbit (the path before them), so that tests can compare the two. */
void dlni_dist_work_sweeps_only(dlni_dist_work *w, int on);

#endif
