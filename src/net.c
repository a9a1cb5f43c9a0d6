/* net.c - the network handle: shape, storage, layer import/export and the
 * initializations (zeros, Gaussian, orthogonal, identity, balanced). */
#include "internal.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

dln_status dln_net_create(dln_net **out, size_t depth, const size_t *widths)
{
    if (!out || !widths) return DLN_E_NULL;
    if (depth == 0) return DLN_E_DIM;
    if (depth > (size_t)1 << 20) return DLN_E_OVERFLOW;
    size_t n = 0;
    for (size_t l = 0; l <= depth; l++) {
        if (widths[l] == 0) return DLN_E_DIM;
        if (!la_fits(widths[l])) return DLN_E_OVERFLOW;
    }
    for (size_t l = 1; l <= depth; l++) {
        size_t nl;
        if (!dlni_mul(widths[l], widths[l - 1], &nl) || n > SIZE_MAX - nl) return DLN_E_OVERFLOW;
        n += nl;
    }
    if (n > SIZE_MAX / sizeof(double)) return DLN_E_OVERFLOW;
    dln_net *net = calloc(1, sizeof *net);
    if (!net) return DLN_E_NOMEM;
    net->L = depth;
    net->n = n;
    net->d = malloc((depth + 1) * sizeof *net->d);
    net->off = malloc((depth + 1) * sizeof *net->off);
    net->theta = calloc(n ? n : 1, sizeof *net->theta);
    if (!net->d || !net->off || !net->theta) {
        dln_net_free(net);
        return DLN_E_NOMEM;
    }
    memcpy(net->d, widths, (depth + 1) * sizeof *net->d);
    net->off[0] = 0;
    for (size_t l = 1; l <= depth; l++) net->off[l] = net->off[l - 1] + widths[l] * widths[l - 1];
    *out = net;
    return DLN_OK;
}

void dln_net_free(dln_net *net)
{
    if (!net) return;
    free(net->d), free(net->off), free(net->theta), free(net->res), free(net);
}

dln_status dln_net_copy(dln_net **out, const dln_net *src)
{
    if (!out || !src) return DLN_E_NULL;
    dln_net *c;
    dln_status st = dln_net_create(&c, src->L, src->d);
    if (st != DLN_OK) return st;
    memcpy(c->theta, src->theta, src->n * sizeof *c->theta);
    if (src->nres) {
        c->res = malloc(src->L);
        if (!c->res) {
            dln_net_free(c);
            return DLN_E_NOMEM;
        }
        memcpy(c->res, src->res, src->L);
        c->nres = src->nres;
    }
    *out = c;
    return DLN_OK;
}

size_t dln_net_depth(const dln_net *net) { return net ? net->L : 0; }
size_t dln_net_width(const dln_net *net, size_t l) { return net && l <= net->L ? net->d[l] : 0; }
size_t dln_net_num_params(const dln_net *net) { return net ? net->n : 0; }

size_t dln_net_layer_offset(const dln_net *net, size_t l)
{
    if (!net || l == 0 || l > net->L + 1) return (size_t)-1;
    return net->off[l - 1];
}

const char *dln_net_errmsg(const dln_net *net) { return net ? net->err : "NULL network handle"; }

/* Validate (l, ld, layout) for a layer transfer; the message goes to err. */
static dln_status check_layer_args(const dln_net *net, char *err, size_t l, const void *W,
                                   size_t ld, dln_layout layout)
{
    if (!W) return dlni_fail(err, DLN_E_NULL, "layer array is NULL");
    if (l == 0 || l > net->L)
        return dlni_fail(err, DLN_E_DIM, "layer index %zu outside 1..%zu", l, net->L);
    if (layout != DLN_COL_MAJOR && layout != DLN_ROW_MAJOR)
        return dlni_fail(err, DLN_E_RANGE, "layout %d is neither DLN_COL_MAJOR nor DLN_ROW_MAJOR",
                         (int)layout);
    size_t need = layout == DLN_COL_MAJOR ? net->d[l] : net->d[l - 1];
    if (ld < need)
        return dlni_fail(err, DLN_E_LD, "ld = %zu is below %zu for layer %zu (%zu x %zu, %s)", ld,
                         need, l, net->d[l], net->d[l - 1],
                         layout == DLN_COL_MAJOR ? "column-major" : "row-major");
    if (!la_fits(ld) || !dlni_span_fits(ld, layout == DLN_COL_MAJOR ? net->d[l - 1] : net->d[l]))
        return dlni_fail(err, DLN_E_OVERFLOW,
                         "ld = %zu exceeds the BLAS range (or the layer the address range)", ld);
    return DLN_OK;
}

dln_status dln_net_set_layer(dln_net *net, size_t l, const double *W, size_t ld, dln_layout layout)
{
    if (!net) return DLN_E_NULL;
    dln_status st = check_layer_args(net, net->err, l, W, ld, layout);
    if (st != DLN_OK) return st;
    size_t r = net->d[l], c = net->d[l - 1];
    int finite = layout == DLN_COL_MAJOR ? la_all_finite(r, c, W, ld) : la_all_finite(c, r, W, ld);
    if (!finite) return dlni_fail(net->err, DLN_E_NONFINITE, "layer %zu has a NaN or Inf entry", l);
    dlni_net_changed(net);
    if (layout == DLN_COL_MAJOR)
        la_copy(r, c, W, ld, dlni_layer(net, l), r);
    else
        la_copy_t(c, r, W, ld, dlni_layer(net, l), r);
    return DLN_OK;
}

dln_status dln_net_get_layer(const dln_net *net, size_t l, double *W, size_t ld, dln_layout layout)
{
    if (!net) return DLN_E_NULL;
    dln_status st = check_layer_args(net, NULL, l, W, ld, layout);
    if (st != DLN_OK) return st;
    size_t r = net->d[l], c = net->d[l - 1];
    if (layout == DLN_COL_MAJOR)
        la_copy(r, c, dlni_layer(net, l), r, W, ld);
    else
        la_copy_t(r, c, dlni_layer(net, l), r, W, ld);
    return DLN_OK;
}

void dlni_net_assign(dln_net *net, const double *theta)
{
    dlni_net_changed(net);
    memcpy(net->theta, theta, net->n * sizeof *theta);
}

/* Residual layers (src/net_residual.c) store A_l = W_l - I. */
void dlni_net_shift(const dln_net *net, double *theta, double sign)
{
    if (!net->nres) return;
    for (size_t l = 1; l <= net->L; l++)
        if (net->res[l - 1]) {
            size_t d = net->d[l];
            double *A = theta + net->off[l - 1];
            for (size_t i = 0; i < d; i++) A[i + i * d] += sign;
        }
}

int dlni_same_widths(const dln_net *net, size_t L, const size_t *d)
{
    return net->L == L && memcmp(net->d, d, (L + 1) * sizeof *d) == 0;
}

dln_status dln_net_set_params(dln_net *net, const double *theta)
{
    if (!net) return DLN_E_NULL;
    if (!theta) return dlni_fail(net->err, DLN_E_NULL, "theta is NULL");
    for (size_t i = 0; i < net->n; i++)
        if (!isfinite(theta[i]))
            return dlni_fail(net->err, DLN_E_NONFINITE, "theta[%zu] is not finite", i);
    dlni_net_assign(net, theta);
    return DLN_OK;
}

dln_status dln_net_get_params(const dln_net *net, double *theta)
{
    if (!net || !theta) return DLN_E_NULL;
    memcpy(theta, net->theta, net->n * sizeof *theta);
    return DLN_OK;
}

/* ---- initializations ---------------------------------------------------- */

static dln_status check_scale(dln_net *net, double scale)
{
    if (!isfinite(scale) || scale < 0)
        return dlni_fail(net->err, DLN_E_RANGE, "scale %g must be finite and >= 0", scale);
    return DLN_OK;
}

dln_status dln_net_init_zeros(dln_net *net)
{
    if (!net) return DLN_E_NULL;
    dlni_net_changed(net);
    memset(net->theta, 0, net->n * sizeof *net->theta);
    return DLN_OK;
}

dln_status dln_net_init_gaussian(dln_net *net, double scale, uint64_t seed)
{
    if (!net) return DLN_E_NULL;
    dln_status st = check_scale(net, scale);
    if (st != DLN_OK) return st;
    dlni_rng rng;
    dlni_rng_seed(&rng, seed);
    dlni_net_changed(net);
    dlni_rng_fill_normal(&rng, net->n, scale, net->theta);
    return DLN_OK;
}

dln_status dln_net_init_orthogonal(dln_net *net, double scale, uint64_t seed)
{
    if (!net) return DLN_E_NULL;
    dln_status st = check_scale(net, scale);
    if (st != DLN_OK) return st;
    size_t maxn = 0;
    for (size_t l = 1; l <= net->L; l++)
        if (net->d[l] * net->d[l - 1] > maxn) maxn = net->d[l] * net->d[l - 1];
    /* built aside and copied in on success, so that a failure leaves the net unchanged */
    double *tmp = dlni_alloc(maxn), *theta = dlni_alloc(net->n);
    if (!tmp || !theta) {
        free(tmp), free(theta);
        return dlni_fail(net->err, DLN_E_NOMEM, "out of memory");
    }
    dlni_rng rng;
    dlni_rng_seed(&rng, seed);
    int rc = LA_OK;
    for (size_t l = 1; l <= net->L && rc == LA_OK; l++) {
        size_t r = net->d[l], c = net->d[l - 1];
        double *W = theta + net->off[l - 1];
        if (r >= c) {
            rc = dlni_rng_stiefel(&rng, r, c, W);
        } else { /* orthonormal rows: transpose of a c x r Stiefel matrix */
            rc = dlni_rng_stiefel(&rng, c, r, tmp);
            if (rc == LA_OK) la_copy_t(c, r, tmp, c, W, r);
        }
        if (rc == LA_OK) la_scal(r * c, scale, W);
    }
    free(tmp);
    if (rc == LA_OK) dlni_net_assign(net, theta);
    free(theta);
    return dlni_la_status(net->err, rc, "QR of a Gaussian matrix");
}

dln_status dln_net_init_identity(dln_net *net, double scale)
{
    if (!net) return DLN_E_NULL;
    dln_status st = check_scale(net, scale);
    if (st != DLN_OK) return st;
    dlni_net_changed(net);
    for (size_t l = 1; l <= net->L; l++) {
        double *W = dlni_layer(net, l);
        la_set_identity(net->d[l], net->d[l - 1], W, net->d[l]);
        la_scal(net->d[l] * net->d[l - 1], scale, W);
    }
    return DLN_OK;
}

/* Rotate every hidden node by a Haar-random O_l: W_l <- O_l W_l O_{l-1}^T. */
static int rotate_hidden(dln_net *net, dlni_rng *rng, double *work)
{
    size_t dmax = 0;
    for (size_t l = 0; l <= net->L; l++)
        if (net->d[l] > dmax) dmax = net->d[l];
    double *O = work, *T = work + dmax * dmax;
    for (size_t h = 1; h < net->L; h++) {
        size_t dh = net->d[h];
        int rc = dlni_rng_stiefel(rng, dh, dh, O); /* Haar O in O(d_h) */
        if (rc != LA_OK) return rc;
        double *Wh = dlni_layer(net, h), *Wn = dlni_layer(net, h + 1);
        size_t cin = net->d[h - 1], rout = net->d[h + 1];
        la_gemm(LA_N, LA_N, dh, cin, dh, 1.0, O, dh, Wh, dh, 0.0, T, dh); /* O W_h */
        la_copy(dh, cin, T, dh, Wh, dh);
        la_gemm(LA_N, LA_T, rout, dh, dh, 1.0, Wn, rout, O, dh, 0.0, T, rout); /* W_{h+1} O^T */
        la_copy(rout, dh, T, rout, Wn, rout);
    }
    return LA_OK;
}

/* Balanced factors of a d_L x d_0 matrix A whose thin SVD is (U, s, VT). */
static void write_balanced(dln_net *net, size_t k, const double *U, const double *s,
                           const double *VT, size_t ldvt)
{
    size_t L = net->L, d0 = net->d[0], dL = net->d[L];
    memset(net->theta, 0, net->n * sizeof *net->theta);
    for (size_t i = 0; i < k; i++) {
        double root = pow(s[i], 1.0 / (double)L);
        if (L == 1) { /* single layer: W_1 = A = sum_i s_i u_i v_i^T */
            for (size_t b = 0; b < d0; b++)
                for (size_t a = 0; a < dL; a++)
                    net->theta[a + b * dL] += s[i] * U[a + i * dL] * VT[i + b * ldvt];
            continue;
        }
        double *W1 = dlni_layer(net, 1), *WL = dlni_layer(net, L);
        for (size_t b = 0; b < d0; b++) W1[i + b * net->d[1]] = root * VT[i + b * ldvt];
        for (size_t a = 0; a < dL; a++) WL[a + i * dL] = root * U[a + i * dL];
        for (size_t j = 2; j < L; j++) dlni_layer(net, j)[i + i * net->d[j]] = root;
    }
}

dln_status dln_net_init_balanced(dln_net *net, const double *A, size_t lda, dln_frames frames,
                                 uint64_t seed)
{
    if (!net) return DLN_E_NULL;
    if (!A) return dlni_fail(net->err, DLN_E_NULL, "A is NULL");
    size_t L = net->L, d0 = net->d[0], dL = net->d[L], k = d0 < dL ? d0 : dL;
    if (lda < dL) return dlni_fail(net->err, DLN_E_LD, "lda = %zu is below d_L = %zu", lda, dL);
    if (!la_fits(lda) || !dlni_span_fits(lda, d0))
        return dlni_fail(net->err, DLN_E_OVERFLOW, "lda exceeds the BLAS or address range");
    if (frames != DLN_FRAMES_CANONICAL && frames != DLN_FRAMES_RANDOM)
        return dlni_fail(net->err, DLN_E_RANGE, "frames must be DLN_FRAMES_CANONICAL or _RANDOM");
    if (!la_all_finite(dL, d0, A, lda))
        return dlni_fail(net->err, DLN_E_NONFINITE, "A has a NaN or Inf entry");
    size_t dmax = 0;
    for (size_t l = 0; l <= L; l++)
        if (net->d[l] > dmax) dmax = net->d[l];
    size_t need = dL * d0 + k + dL * k + k * d0, rot = 2 * dmax * dmax;
    double *buf = dlni_alloc(need > rot ? need : rot);
    double *theta0 = dlni_alloc(net->n);
    if (!buf || !theta0) {
        free(buf), free(theta0);
        return dlni_fail(net->err, DLN_E_NOMEM, "out of memory");
    }
    double *Ac = buf, *s = Ac + dL * d0, *U = s + k, *VT = U + dL * k;
    la_copy(dL, d0, A, lda, Ac, dL);
    dln_status st = DLN_OK;
    int rc = la_svd(dL, d0, Ac, dL, s, U, dL, VT, k);
    size_t rank = 0;
    double tol = (double)(d0 > dL ? d0 : dL) * 2.220446049250313e-16 * (k ? s[0] : 0.0);
    for (size_t i = 0; i < k && rc == LA_OK; i++)
        if (s[i] > tol) rank++;
    size_t hmin = SIZE_MAX;
    for (size_t l = 1; l < L; l++)
        if (net->d[l] < hmin) hmin = net->d[l];
    if (rc != LA_OK)
        st = dlni_la_status(net->err, rc, "SVD of A");
    else if (L > 1 && hmin < rank)
        st = dlni_fail(net->err, DLN_E_DIM,
                       "a hidden width (%zu) is below rank(A) = %zu: no balanced factorization",
                       hmin, rank);
    if (st == DLN_OK) {
        dlni_net_changed(net);
        memcpy(theta0, net->theta, net->n * sizeof *theta0);
        write_balanced(net, rank, U, s, VT, k);
        if (frames == DLN_FRAMES_RANDOM) {
            dlni_rng rng;
            dlni_rng_seed(&rng, seed);
            rc = rotate_hidden(net, &rng, buf);
            if (rc != LA_OK) {
                dlni_net_assign(net, theta0);
                st = dlni_la_status(net->err, rc, "random hidden rotation");
            }
        }
        if (st == DLN_OK) dlni_net_shift(net, net->theta, -1.0); /* residual: A_l = W_l - I */
    }
    free(buf), free(theta0);
    return st;
}

dln_status dln_net_init_balanced_random(dln_net *net, double scale, uint64_t seed)
{
    if (!net) return DLN_E_NULL;
    dln_status st = check_scale(net, scale);
    if (st != DLN_OK) return st;
    size_t d0 = net->d[0], dL = net->d[net->L], k = d0 < dL ? d0 : dL;
    for (size_t l = 1; l < net->L; l++)
        if (net->d[l] < k)
            return dlni_fail(net->err, DLN_E_DIM, "hidden width d_%zu = %zu is below min(d_0, d_L) = %zu",
                             l, net->d[l], k);
    double *A = dlni_alloc(dL * d0);
    if (!A) return dlni_fail(net->err, DLN_E_NOMEM, "out of memory");
    dlni_rng rng;
    dlni_rng_seed(&rng, seed);
    dlni_rng_fill_normal(&rng, dL * d0, scale, A);
    /* a different stream for the rotations, derived from the same seed */
    st = dln_net_init_balanced(net, A, dL, DLN_FRAMES_RANDOM, dlni_rng_next(&rng));
    free(A);
    return st;
}
