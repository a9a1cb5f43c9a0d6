/* opt_metrics.c - the table of history metrics (see dlni_metric_def in
 * src/opt_internal.h). The optimizer metrics are fields of the iterate that
 * the run loop already has, so they cost nothing beyond storing the value;
 * a metric that needs more work (e.g. the distance to the critical set)
 * supplies eval and, for per-run state, prepare/release, in its own file. */
#include "opt_internal.h"

#include <stddef.h>
#include <string.h>

#define FIELD(id, name, member) {id, name, offsetof(dlni_iterate, member), NULL, NULL, NULL}

static const dlni_metric_def metrics[] = {
    FIELD(DLN_METRIC_LOSS, "loss", loss_value),
    FIELD(DLN_METRIC_GRAD_NORM, "grad_norm", grad_norm),
    FIELD(DLN_METRIC_STEP_NORM, "step_norm", step_norm),
    FIELD(DLN_METRIC_STEP_SIZE, "step_size", step_size),
    FIELD(DLN_METRIC_TIME, "time", elapsed),
    {DLN_METRIC_DIST, "dist", 0, dlni_eb_prepare, dlni_eb_dist, dlni_eb_release},
    {DLN_METRIC_EB_RATIO, "eb_ratio", 0, dlni_eb_prepare, dlni_eb_ratio, dlni_eb_release},
    {DLN_METRIC_BALANCEDNESS, "balancedness", 0, dlni_balance_prepare, dlni_balance_eval,
     dlni_balance_release},
};

const dlni_metric_def *dlni_metric_find(dln_metric id)
{
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
        if (metrics[i].id == id) return &metrics[i];
    return NULL;
}

dln_status dlni_metric_eval(const dlni_metric_def *m, void *state, const dlni_iterate *it,
                            double *out)
{
    if (m->eval) return m->eval(state, it, out);
    memcpy(out, (const char *)it + m->field, sizeof *out);
    return DLN_OK;
}
