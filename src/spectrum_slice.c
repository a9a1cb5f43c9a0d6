/* spectrum_slice.c - directions of a loss-landscape slice: random with each
 * layer block scaled to its layer's norm (Li et al. 2018 normalize per
 * filter; a deep linear net has no filters, and the per-layer scale is what
 * keeps the slice invariant to the rescaling W_l -> a W_l, W_{l+1} -> W_{l+1}/a),
 * or Hessian eigenvectors at an end of the spectrum. */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EIG_TOL 1e-10

static void layer_normalized(const dln_net *net, dlni_rng *r, double *d)
{
    dlni_rng_fill_normal(r, net->n, 1.0, d);
    for (size_t l = 1; l <= net->L; l++) {
        size_t m = net->d[l] * net->d[l - 1];
        double *b = d + net->off[l - 1], g = la_nrm2(m, b), w = la_nrm2(m, dlni_layer(net, l));
        la_scal(m, g > 0.0 ? w / g : 0.0, b);
    }
}

dln_status dln_loss_slice_directions(dln_loss *loss, const dln_net *net, dln_slice_dirs kind,
                                     uint64_t seed, double *d1, double *d2, double *evals)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!d1 || !d2) return dlni_fail(loss->err, DLN_E_NULL, "a direction buffer is NULL");
    if (kind == DLN_SLICE_RANDOM) {
        dlni_rng r;
        dlni_rng_seed(&r, seed);
        layer_normalized(net, &r, d1);
        layer_normalized(net, &r, d2);
        if (evals) evals[0] = evals[1] = NAN;
        return DLN_OK;
    }
    if (kind != DLN_SLICE_HESSIAN_TOP && kind != DLN_SLICE_HESSIAN_BOTTOM)
        return dlni_fail(loss->err, DLN_E_RANGE, "unknown slice direction kind %d", (int)kind);
    if (net->n < 2) return dlni_fail(loss->err, DLN_E_DIM, "two eigenvectors need n >= 2");
    double *V = dlni_alloc(2 * net->n), ev[2];
    if (!V) return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory");
    dln_eig_which which = kind == DLN_SLICE_HESSIAN_TOP ? DLN_EIG_LARGEST : DLN_EIG_SMALLEST;
    st = dln_loss_hessian_eigs(loss, net, which, 2, EIG_TOL, 0, seed, ev, V, net->n, NULL);
    if (st == DLN_OK || st == DLN_E_NOCONV) {
        memcpy(d1, V, net->n * sizeof *V);
        memcpy(d2, V + net->n, net->n * sizeof *V);
        if (evals) evals[0] = ev[0], evals[1] = ev[1];
    }
    free(V);
    return st;
}
