/* loss_grad.c - loss value and gradient (derivatives.md §3-§4).
 *
 * With the summary F = 1/2 ||P R^T - C||^2 + r0/2 + sum_l lam_l/2 ||W_l||^2:
 *   G = P R^T - C,  E = G R = dF/dP,  grad_l = A_l^T E B_l^T + lam_l W_l,
 * where B_l = W_{l-1:1} (prefix) and A_l = W_{L:l+1} (suffix). The chain is
 * run along the thinner end (d_0 or d_L) so that every GEMM carries the
 * factor min(d_0, d_L):
 *   input side (d_0 <= d_L):  B_{l+1} = W_l B_l,  V_L = E, V_{l-1} = W_l^T V_l,
 *                             grad_l = V_l B_l^T + lam_l W_l   (B_1 = I)
 *   output side:              A_{l-1} = A_l W_l,  U_1 = E, U_{l+1} = U_l W_l^T,
 *                             grad_l = A_l^T U_l + lam_l W_l   (A_L = I)
 * 3L - 3 GEMMs (V_1 and U_L are never formed: grad_1 = W_2^T V_2 and
 * grad_L = U_{L-1} W_{L-1}^T directly), plus for the data form the two
 * products with the triangular R (TRMMs, or GEMMs below DLNI_R_GEMM_BELOW).
 * The scratch lives in loss->work. */
#include "internal.h"
#include "linalg.h"

#include <stdlib.h>
#include <string.h>

static int same_shape(const dlni_work *w, const dln_net *net)
{
    return w->d && dlni_same_widths(net, w->L, w->d);
}

/* Offsets of the stored primal entries inside chain and back: the chain
 * keeps B_3..B_L (input side) or A_1..A_{L-2} (output side), since B_2 and
 * A_{L-1} are layers and the product P goes straight into E; back keeps
 * V_2..V_{L-1} or U_2..U_{L-1} (V_L = U_1 = E, the outermost one is never
 * formed). The chain's tangents use the full layout of coff, the back
 * products' tangents slots of bmax (src/loss_hvp.c, back_tangent). */
static size_t chain_first(const dlni_work *w)
{
    return w->input_side ? w->coff[w->L >= 2 ? 3 : w->L + 1] : w->coff[1];
}
static size_t chain_end(const dlni_work *w)
{
    return w->input_side ? w->coff[w->L + 1] : w->coff[w->L - 1];
}
/* Stored chain entry l (see chain_first) and back entry l. */
static double *chain_entry(const dlni_work *w, size_t l) { return w->chain + (w->coff[l] - chain_first(w)); }
static double *back_entry(const dlni_work *w, size_t l) { return w->back + (w->boff[l] - w->boff[2]); }

size_t dlni_back_slots(size_t L) { return L >= 3 ? 2 : L - 1; }

/* Size the scratch for net's shape (only when the shape changes). The HVP's
 * tangents are allocated by its first call (dlni_work_hvp), the residual
 * view's weights by the first residual net: a gradient holds neither. */
static dln_status work_resize(dln_loss *loss, const dln_net *net)
{
    dlni_work *w = &loss->work;
    if (same_shape(w, net)) return DLN_OK;
    dlni_work_free(w);
    const size_t L = net->L, *d = net->d, d0 = d[0], dL = d[L];
    w->L = L, w->n = net->n;
    w->input_side = d0 <= dL;
    size_t k = w->input_side ? d0 : dL; /* thin dimension of every chain */
    w->d = malloc((L + 1) * sizeof *w->d);
    w->coff = malloc((L + 2) * sizeof *w->coff);
    w->boff = malloc((L + 1) * sizeof *w->boff);
    if (!w->d || !w->coff || !w->boff) goto nomem;
    memcpy(w->d, d, (L + 1) * sizeof *w->d);
    /* chain/back entry l holds a (width x k) matrix; widths per side */
    size_t nc = 0, nb = 0;
    w->bmax = 0;
    for (size_t l = 0; l <= L + 1; l++) {
        w->coff[l] = nc;
        if (l <= L) w->boff[l] = nb;
        /* input side: B_l (l=2..L+1) has d_{l-1} rows; V_l (l=1..L) d_l rows.
         * output side: A_l (l=0..L-1) has d_l cols; U_l (l=1..L) d_{l-1} cols. */
        size_t cw = 0, bw = 0;
        if (w->input_side) {
            if (l >= 2) cw = d[l - 1];
            if (l >= 1 && l <= L) bw = d[l];
        } else {
            if (l <= L - 1) cw = d[l];
            if (l >= 1 && l <= L) bw = d[l - 1];
        }
        nc += cw * k, nb += bw * k;
        if (bw * k > w->bmax) w->bmax = bw * k;
    }
    w->nc = nc, w->nb = nb;
    size_t c0 = chain_first(w), c1 = chain_end(w), b0 = w->boff[L >= 2 ? 2 : L];
    w->chain = dlni_alloc(c1 > c0 ? c1 - c0 : 0);
    w->back = dlni_alloc(w->boff[L] - b0);
    /* G apart from E only where E = G R is a GEMM (out != in) */
    int gemm_r = loss->eff.R && d0 < DLNI_R_GEMM_BELOW;
    if (gemm_r) w->G = dlni_alloc(dL * d0);
    w->E = dlni_alloc(dL * d0);
    w->lam = dlni_alloc(L);
    w->theta = dlni_alloc(net->n);
    if (!w->chain || !w->back || (gemm_r && !w->G) || !w->E ||
        !w->lam || !w->theta)
        goto nomem;
    return DLN_OK;
nomem:
    dlni_work_free(w);
    return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the scratch of this network shape");
}

dln_status dlni_work_hvp(dln_loss *loss)
{
    dlni_work *w = &loss->work;
    if (w->dchain) return DLN_OK;
    /* dE = P1 R^T R runs in place (TRMMs) except on the GEMM path */
    int gemm_r = loss->eff.R && loss->d0 < DLNI_R_GEMM_BELOW;
    double *RT = gemm_r ? dlni_alloc((w->input_side ? 1 : DLNI_BATCH) * loss->dL * loss->d0) : NULL;
    double *dchain = dlni_alloc(DLNI_BATCH * w->nc);
    double *dback = dlni_alloc(dlni_back_slots(w->L) * DLNI_BATCH * w->bmax);
    if ((gemm_r && !RT) || !dchain || !dback) {
        free(RT), free(dchain), free(dback);
        return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the HVP's tangents");
    }
    w->RT = RT, w->dchain = dchain, w->dback = dback;
    return DLN_OK;
}

dln_status dlni_loss_check(dln_loss *loss, const dln_net *net)
{
    if (!loss) return DLN_E_NULL;
    if (!net) return dlni_fail(loss->err, DLN_E_NULL, "network handle is NULL");
    if (net->d[0] != loss->d0 || net->d[net->L] != loss->dL)
        return dlni_fail(loss->err, DLN_E_DIM,
                         "network maps %zu -> %zu, the loss expects %zu -> %zu", net->d[0],
                         net->d[net->L], loss->d0, loss->dL);
    if (loss->lam_depth && loss->lam_depth != net->L)
        return dlni_fail(loss->err, DLN_E_DIM,
                         "regularization was set for depth %zu, the network has depth %zu",
                         loss->lam_depth, net->L);
    dln_status st = work_resize(loss, net);
    if (st == DLN_OK) st = dlni_factored_prepare(loss, net);
    if (st != DLN_OK) return st;
    if (net->nres && !loss->work.weff && !(loss->work.weff = dlni_alloc(net->n)))
        return dlni_fail(loss->err, DLN_E_NOMEM, "out of memory for the effective weights");
    for (size_t l = 0; l < net->L; l++)
        loss->work.lam[l] = loss->lam_depth ? loss->lam[l] : loss->lam_uniform;
    return DLN_OK;
}

/* Chain entry l (B_l or A_l, see the file comment; not the product P =
 * B_{L+1} = A_0, which the residual overwrites); *ld receives its leading
 * dimension. */
const double *dlni_chain_at(const dln_loss *loss, const dln_net *net, size_t l, size_t *ld)
{
    const dlni_work *w = &loss->work;
    if (w->input_side) { /* B_l, l = 2..L+1 */
        *ld = net->d[l - 1];
        return l == 2 ? dlni_layer(net, 1) : chain_entry(w, l);
    }
    *ld = net->d[net->L]; /* A_l, l = 1..L-1 */
    return l == net->L - 1 ? dlni_layer(net, net->L) : chain_entry(w, l);
}

const double *dlni_back_at(const dln_loss *loss, const dln_net *net, size_t l, size_t *ld)
{
    const dlni_work *w = &loss->work;
    if (w->input_side) { /* V_l, l = 1..L */
        *ld = l == net->L ? net->d[net->L] : net->d[l];
        return l == net->L ? w->E : back_entry(w, l);
    }
    *ld = net->d[net->L]; /* U_l, l = 1..L */
    return l == 1 ? w->E : back_entry(w, l);
}

/* G = P R^T - C and E = G R (data) or E = G (target); returns 1/2||G||^2 + r0/2.
 * P (ld ldp) may be E itself: G is formed in E wherever the products with R
 * are TRMMs (in place), so that the loss holds one d_L x d_0 block, not three.
 * The in-place TRMMs multiply by the stored R: the pass that subtracts C
 * applies the scale rs of both (and that of the stored C). */
static double residual(dln_loss *loss, const double *P, size_t ldp)
{
    dlni_work *w = &loss->work;
    const dlni_summ *e = &loss->eff;
    size_t d0 = loss->d0, dL = loss->dL;
    double *G = w->G ? w->G : w->E;
    if (w->G)
        dlni_times_r(loss, LA_T, dL, P, ldp, G, dL);
    else {
        if (P != G) la_copy(dL, d0, P, ldp, G, dL);
        if (e->R) la_trmm_right_upper(LA_T, dL, d0, 1.0, e->R, d0, G, dL);
    }
    double gg = dlni_minus_sumsq(dL * d0, w->G ? 1.0 : e->rs, e->rs, e->C, G);
    if (w->G)
        dlni_times_r(loss, LA_N, dL, G, dL, w->E, dL);
    else if (e->R)
        la_trmm_right_upper(LA_N, dL, d0, 1.0, e->R, d0, w->E, dL);
    return 0.5 * gg + 0.5 * loss->r0; /* Inf iff ||G||^2 overflows: the value would too */
}

const dln_net *dlni_loss_effective(dln_loss *loss, const dln_net *net)
{
    return dlni_net_effective(net, &loss->work.view, loss->work.weff);
}

int dlni_forward_begin(dln_loss *loss, const dln_net *net)
{
    dlni_work *w = &loss->work;
    if (w->fwd_valid && memcmp(w->theta, net->theta, net->n * sizeof *w->theta) == 0) return 0;
    w->fwd_valid = w->back_valid = 0;
    return 1;
}

/* Layer l into the copy of the weights that validates the chains. */
static void keep_layer(dlni_work *w, const dln_net *net, size_t l)
{
    memcpy(w->theta + net->off[l - 1], dlni_layer(net, l), net->d[l] * net->d[l - 1] * sizeof *w->theta);
}

/* Each step also copies the layers it reads (W_l, and the layer that is
 * B_2 or A_{L-1} at the first step) while they are in cache: a separate
 * pass after the chain would read all the weights once more and evict the
 * chain entries that the back sweep reads first. */
void dlni_forward_step(dln_loss *loss, const dln_net *net, size_t l)
{
    dlni_work *w = &loss->work;
    const size_t L = net->L, *d = net->d;
    size_t ld;
    keep_layer(w, net, l);
    if (l == (w->input_side ? 2 : L - 1)) keep_layer(w, net, w->input_side ? 1 : L);
    if (w->input_side) { /* B_{l+1} = W_l B_l, l = 2..L (P = B_{L+1} into E) */
        const double *B = dlni_chain_at(loss, net, l, &ld);
        la_gemm(LA_N, LA_N, d[l], d[0], d[l - 1], 1.0, dlni_layer(net, l), d[l], B, ld, 0.0,
                l == L ? w->E : chain_entry(w, l + 1), d[l]);
    } else { /* A_{l-1} = A_l W_l, l = L-1..1 (P = A_0 into E) */
        const double *A = dlni_chain_at(loss, net, l, &ld);
        la_gemm(LA_N, LA_N, d[L], d[l - 1], d[l], 1.0, A, ld, dlni_layer(net, l), d[l], 0.0,
                l == 1 ? w->E : chain_entry(w, l - 1), d[L]);
    }
}

void dlni_forward_end(dln_loss *loss, const dln_net *net)
{
    dlni_work *w = &loss->work;
    const double *P = net->L == 1 ? dlni_layer(net, 1) : w->E;
    w->value = residual(loss, P, net->d[net->L]);
    if (net->L == 1) keep_layer(w, net, 1); /* no steps */
    w->fwd_valid = 1;
}

dln_status dlni_forward_value(dln_loss *loss, const dln_net *params, double *value)
{
    return dlni_total_value(loss, params, loss->work.value, value);
}

/* dlni_forward with the chains on the effective net and the penalty on the parameters. */
static dln_status forward(dln_loss *loss, const dln_net *net, const dln_net *params, double *value)
{
    if (loss->work.fac.on) return dlni_factored_forward(loss, net, params, value);
    if (dlni_forward_begin(loss, net)) {
        const size_t L = net->L;
        if (loss->work.input_side)
            for (size_t l = 2; l <= L; l++) dlni_forward_step(loss, net, l);
        else
            for (size_t l = L - 1; l >= 1; l--) dlni_forward_step(loss, net, l);
        dlni_forward_end(loss, net);
    }
    return dlni_forward_value(loss, params, value);
}

dln_status dlni_forward(dln_loss *loss, const dln_net *net, double *value)
{
    return forward(loss, dlni_loss_effective(loss, net), net, value);
}

/* The back products V_L..V_2 (input side) or U_1..U_{L-1} (output side)
 * at the forward point are formed one step at a time by the sweeps of the
 * gradient and the HVP. The outermost one (V_1 = W_2^T V_2, U_L = U_{L-1}
 * W_{L-1}^T) is not formed: it only enters grad_1 (grad_L), which grad_layer
 * computes with the same product, and the HVP's dV_1 (dU_L) needs only V_2. */
void dlni_backward_step(dln_loss *loss, const dln_net *net, size_t l)
{
    dlni_work *w = &loss->work;
    const size_t L = net->L, *d = net->d;
    size_t ld;
    if (w->input_side) { /* V_{l-1} = W_l^T V_l, l = L..3 */
        const double *V = dlni_back_at(loss, net, l, &ld);
        la_gemm(LA_T, LA_N, d[l - 1], d[0], d[l], 1.0, dlni_layer(net, l), d[l], V, ld, 0.0,
                back_entry(w, l - 1), d[l - 1]);
    } else { /* U_{l+1} = U_l W_l^T, l = 1..L-2 */
        const double *U = dlni_back_at(loss, net, l, &ld);
        la_gemm(LA_N, LA_T, d[L], d[l], d[l - 1], 1.0, U, ld, dlni_layer(net, l), d[l], 0.0,
                back_entry(w, l + 1), d[L]);
    }
}

/* g = grad_l - lam_l W_l (beta = 0) or g += it (beta = 1); g is d_l x d_{l-1}. */
static void grad_layer(const dln_loss *loss, const dln_net *net, size_t l, double beta, double *g)
{
    const size_t L = net->L, *d = net->d, r = d[l], c = d[l - 1];
    size_t ldc, ldb;
    if (loss->work.input_side) { /* grad_l = V_l B_l^T, grad_1 = V_1 = W_2^T V_2 */
        if (l == 1 && L == 1) {
            const double *E = dlni_back_at(loss, net, 1, &ldb);
            dlni_add_or_copy(beta, r, c, E, ldb, g);
        } else if (l == 1) {
            const double *V2 = dlni_back_at(loss, net, 2, &ldb);
            la_gemm(LA_T, LA_N, r, c, d[2], 1.0, dlni_layer(net, 2), d[2], V2, ldb, beta, g, r);
        } else {
            const double *V = dlni_back_at(loss, net, l, &ldb), *B = dlni_chain_at(loss, net, l, &ldc);
            la_gemm(LA_N, LA_T, r, c, d[0], 1.0, V, ldb, B, ldc, beta, g, r);
        }
    } else { /* grad_l = A_l^T U_l, grad_L = U_L = U_{L-1} W_{L-1}^T */
        if (l == L && L == 1) {
            const double *E = dlni_back_at(loss, net, 1, &ldb);
            dlni_add_or_copy(beta, r, c, E, ldb, g);
        } else if (l == L) {
            const double *U = dlni_back_at(loss, net, L - 1, &ldb);
            la_gemm(LA_N, LA_T, r, c, d[L - 2], 1.0, U, ldb, dlni_layer(net, L - 1), d[L - 1],
                    beta, g, r);
        } else {
            const double *U = dlni_back_at(loss, net, l, &ldb), *A = dlni_chain_at(loss, net, l, &ldc);
            la_gemm(LA_T, LA_N, r, c, d[L], 1.0, A, ldc, U, ldb, beta, g, r);
        }
    }
}

dln_status dlni_grad_sq(dln_loss *loss, const dln_net *net, double *value, double *grad,
                        double *gg)
{
    const dln_net *eff = dlni_loss_effective(loss, net); /* dW/dA = I: the same chains */
    if (loss->work.fac.on) return dlni_factored_grad_sq(loss, eff, net, value, grad, gg);
    dln_status st = forward(loss, eff, net, value);
    if (st != DLN_OK) return st;
    /* In the order of the back sweep, which runs along (unless cached): each
     * back product is formed right after the gradient block that reads it */
    dlni_work *w = &loss->work;
    const size_t L = net->L;
    int fresh = !w->back_valid, in = w->input_side;
    double ss = 0.0;
    for (size_t i = 0; i < L; i++) {
        size_t l = in ? L - i : i + 1;
        double *g = grad + net->off[l - 1];
        size_t nl = net->d[l] * net->d[l - 1];
        double beta = dlni_start_lam(w->lam[l - 1], nl, dlni_layer(net, l), g);
        grad_layer(loss, eff, l, beta, g);
        if ((st = dlni_grad_block_sumsq(loss, nl, g, &ss)) != DLN_OK) return st;
        if (fresh && (in ? l >= 3 : l + 2 <= L)) dlni_backward_step(loss, eff, l);
    }
    w->back_valid = 1;
    if (gg) *gg = ss;
    return DLN_OK;
}

dln_status dlni_grad(dln_loss *loss, const dln_net *net, double *value, double *grad)
{
    return dlni_grad_sq(loss, net, value, grad, NULL);
}

dln_status dln_loss_value(dln_loss *loss, const dln_net *net, double *value)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!value) return dlni_fail(loss->err, DLN_E_NULL, "value pointer is NULL");
    double v;
    st = dlni_forward(loss, net, &v);
    if (st == DLN_OK) *value = v;
    return st;
}

dln_status dln_loss_grad(dln_loss *loss, const dln_net *net, double *value, double *grad)
{
    dln_status st = dlni_loss_check(loss, net);
    if (st != DLN_OK) return st;
    if (!grad) return dlni_fail(loss->err, DLN_E_NULL, "gradient buffer is NULL");
    return dlni_grad(loss, net, value, grad);
}
