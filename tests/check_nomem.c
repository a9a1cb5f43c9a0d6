/* check_nomem.c - allocation-failure injection: "allocation failure is
 * DLN_E_NOMEM, always; the caller's data and the handles are unchanged on
 * failure" (docs/reliability.md).
 *
 * Each scenario is a fixed sequence of library calls (STEP). It runs once
 * unfailed, recording every status and counting the allocations, then once
 * for every k with the k-th allocation failed (tests/alloc_inject.h). In each
 * failed run the first status that differs from the unfailed run must be
 * DLN_E_NOMEM, the handles (a fingerprint of everything observable through
 * the getters, and the handle pointers themselves) must be as before that
 * call, and after the teardown no block may be left allocated. A run whose
 * statuses all match although an allocation failed means the failure was
 * swallowed. The sequence stops at the first differing status. */
#include "alloc_inject.h"
#include "internal.h" /* dlni_hessian_eigs: force the Lanczos path */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NM_STEPS 160
#define NM_BUF 4096

typedef struct nm_run {
    dln_net *net, *net2;
    dln_loss *loss, *loss2;
    dln_landscape *ls;
    dln_opt *opt, *opt2;
    int injected;                 /* 0: the unfailed reference run */
    const dln_status *ref;        /* statuses of the reference run */
    dln_status st[NM_STEPS];      /* statuses of this run */
    size_t nsteps, stopped_at;    /* stopped_at: first differing step + 1 (0: none) */
    unsigned long long before;    /* fingerprint before the current step */
    char msg[400];
    /* the scenario's own buffers: static, so that the sweep allocates nothing */
    double a[NM_BUF], b[NM_BUF], c[NM_BUF], fp[NM_BUF];
    int pat[64], pat2[64];
} nm_run;

/* ---- fingerprint of the handles ---- */

static unsigned long long fnv(unsigned long long h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}
#define FNV(h, x) ((h) = fnv((h), &(x), sizeof(x)))

static unsigned long long fp_net(unsigned long long h, nm_run *r, const dln_net *net)
{
    FNV(h, net);
    if (!net) return h;
    size_t n = dln_net_num_params(net), L = dln_net_depth(net);
    FNV(h, n), FNV(h, L);
    if (n <= NM_BUF && dln_net_get_params(net, r->fp) == DLN_OK)
        h = fnv(h, r->fp, n * sizeof *r->fp);
    return h;
}

static unsigned long long fp_loss(unsigned long long h, nm_run *r, const dln_loss *loss)
{
    FNV(h, loss);
    if (!loss) return h;
    size_t d0 = dln_loss_input_dim(loss), dL = dln_loss_output_dim(loss),
           m = dln_loss_num_samples(loss);
    int mean = dln_loss_get_mean(loss);
    dln_loss_kind kind = dln_loss_get_kind(loss);
    double r0 = 0.0;
    FNV(h, d0), FNV(h, dL), FNV(h, m), FNV(h, mean), FNV(h, kind);
    if (d0 * (d0 + dL) <= NM_BUF &&
        dln_loss_summary(loss, r->fp, d0, r->fp + d0 * d0, dL, &r0) == DLN_OK)
        h = fnv(h, r->fp, d0 * (d0 + dL) * sizeof *r->fp), FNV(h, r0);
    for (size_t depth = 1; depth <= 4; depth++)
        if (dln_loss_get_l2(loss, depth, r->fp) == DLN_OK) h = fnv(h, r->fp, depth * sizeof *r->fp);
    return h;
}

static unsigned long long fp_opt(unsigned long long h, nm_run *r, const dln_opt *opt)
{
    FNV(h, opt);
    if (!opt) return h;
    dln_opt_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    if (dln_opt_get_report(opt, &rep) == DLN_OK) { /* not elapsed: a clock */
        FNV(h, rep.kind), FNV(h, rep.stop), FNV(h, rep.iterations), FNV(h, rep.value_evals);
        FNV(h, rep.grad_evals), FNV(h, rep.hvp_evals), FNV(h, rep.loss), FNV(h, rep.grad_norm);
        FNV(h, rep.escapes), FNV(h, rep.history_rows);
    }
    dln_metric met[DLN_METRIC_MAX_COLUMNS];
    size_t k = dln_opt_get_metrics(opt, met), rows = dln_opt_history_rows(opt);
    double eta = dln_opt_get_step(opt);
    size_t it = dln_opt_get_max_iter(opt);
    FNV(h, k), FNV(h, rows), FNV(h, eta), FNV(h, it);
    h = fnv(h, met, k * sizeof *met);
    if (rows * k <= NM_BUF && rows && dln_opt_history(opt, r->fp, rows) == DLN_OK)
        for (size_t c = 0; c < k; c++)
            if (met[c] != DLN_METRIC_TIME) h = fnv(h, r->fp + c * rows, rows * sizeof *r->fp);
    return h;
}

static unsigned long long fp_landscape(unsigned long long h, const dln_landscape *ls)
{
    FNV(h, ls);
    if (!ls) return h;
    dln_landscape_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (dln_landscape_get_info(ls, &info) == DLN_OK) h = fnv(h, &info, sizeof info);
    for (int t = 0; t < 4; t++) {
        double tol = dln_landscape_get_tol(ls, (dln_tol)t);
        FNV(h, tol);
    }
    return h;
}

static unsigned long long fingerprint(nm_run *r)
{
    ai_pause(1);
    unsigned long long h = 14695981039346656037ULL;
    h = fp_net(h, r, r->net), h = fp_net(h, r, r->net2);
    h = fp_loss(h, r, r->loss), h = fp_loss(h, r, r->loss2);
    h = fp_opt(h, r, r->opt), h = fp_opt(h, r, r->opt2);
    h = fp_landscape(h, r->ls);
    ai_pause(0);
    return h;
}

/* ---- steps ---- */

static int step_begin(nm_run *r)
{
    if (r->stopped_at || r->nsteps >= NM_STEPS) return 0;
    if (r->injected) r->before = fingerprint(r);
    return 1;
}

static void step_end(nm_run *r, const char *call, dln_status st, int keeps_handles)
{
    size_t i = r->nsteps++;
    r->st[i] = st;
    if (!r->injected || st == r->ref[i]) return;
    r->stopped_at = i + 1;
    if (st != DLN_E_NOMEM)
        snprintf(r->msg, sizeof r->msg, "step %zu %s: status %d (%s), unfailed run %d", i, call,
                 (int)st, dln_strerror(st), (int)r->ref[i]);
    else if (keeps_handles && fingerprint(r) != r->before)
        snprintf(r->msg, sizeof r->msg, "step %zu %s: DLN_E_NOMEM changed a handle", i, call);
}

/* A call that leaves every handle unchanged when it fails (keeps = 1), or
 * that is documented to leave progress (keeps = 0: an optimizer run of the
 * escape kind, whose eigensolver allocates during the run, keeps the last
 * iterate, its report and history rows; dlnet.h, optimizers, "Failures"). */
#define STEP_KEEPS(r, call, keeps)                                                                 \
    do {                                                                                           \
        if (step_begin(r)) step_end(r, #call, (call), keeps);                                      \
    } while (0)
#define STEP(r, call) STEP_KEEPS(r, call, 1)

static void nm_free(nm_run *r)
{
    dln_net_free(r->net), dln_net_free(r->net2);
    dln_loss_free(r->loss), dln_loss_free(r->loss2);
    dln_landscape_free(r->ls);
    dln_opt_free(r->opt), dln_opt_free(r->opt2);
}

typedef void (*nm_body)(nm_run *r);

static nm_run ref_run, inj_run; /* large: static */

/* The sweep: one unfailed run, then one run per allocation with it failed. */
static void sweep(nm_body body, const char *name)
{
    nm_run *ref = &ref_run, *r = &inj_run;
    memset(ref, 0, sizeof *ref);
    long live0 = ai_live();
    ai_arm(0);
    body(ref);
    size_t total = ai_counted();
    ai_disarm();
    nm_free(ref);
    long leaked = ai_live() - live0;
    ck_assert_msg(leaked == 0, "%s: the unfailed run leaks %ld blocks", name, leaked);
    ck_assert_msg(ref->nsteps < NM_STEPS, "%s: raise NM_STEPS", name);
    for (size_t i = 0; i < ref->nsteps; i++)
        ck_assert_msg(ref->st[i] == DLN_OK, "%s: step %zu fails unfailed: %d", name, i,
                      (int)ref->st[i]);
    ck_assert_msg(total > 0, "%s: no allocation to fail", name);
    for (size_t k = 1; k <= total; k++) {
        memset(r, 0, sizeof *r);
        r->injected = 1, r->ref = ref->st;
        live0 = ai_live();
        ai_arm(k);
        body(r);
        int fired = ai_fired();
        void *stack[8];
        char site[200] = "";
        for (int i = 1, depth = ai_stack(stack); i < depth && i < 6; i++) /* 0: the wrapper */
            snprintf(site + strlen(site), sizeof site - strlen(site), " %p", stack[i]);
        ai_disarm();
        nm_free(r);
        leaked = ai_live() - live0;
        ck_assert_msg(fired, "%s: allocation %zu of %zu never happened (not deterministic?)", name,
                      k, total);
        ck_assert_msg(!r->msg[0], "%s, allocation %zu of %zu (at%s) failed: %s", name, k, total,
                      site, r->msg);
        ck_assert_msg(r->stopped_at, "%s: allocation %zu of %zu (at%s) failed, yet every status "
                      "matched: the failure was swallowed", name, k, total, site);
        ck_assert_msg(leaked == 0, "%s: allocation %zu of %zu failed: %ld blocks leaked", name, k,
                      total, leaked);
    }
}

/* ---- data ---- */

static double DX[3 * 700], DY[2 * 700], XW[3 * 300], XD[3 * 300], PHI[9], PHI32[6];

static void fill_data(void)
{
    tu_rng g;
    tu_seed(&g, 1010);
    tu_fill(&g, 3 * 700, DX), tu_fill(&g, 2 * 700, DY);
    for (size_t i = 0; i < 2 * 700; i++) DY[i] += 0.5 * DX[(i / 2) * 3 + i % 2];
    for (size_t j = 0; j < 300; j++) { /* whitened (X X^T = 100 I) and rank-2 data */
        XW[3 * j + j % 3] = 1.0;
        XD[3 * j + j % 2] = 1.0 + 0.1 * (double)(j % 5);
    }
    const double phi[9] = {3.0, 0.2, -0.1, 0.1, 2.0, 0.3, 0.0, -0.2, 1.0};
    memcpy(PHI, phi, sizeof phi);
    const double phi32[6] = {2.0, 0.5, -0.3, 0.4, 1.2, 0.1};
    memcpy(PHI32, phi32, sizeof phi32);
}

static int quiet_cb(const dln_progress *p, void *user)
{
    (void)p, (void)user;
    return 0;
}

/* ---- scenarios ---- */

/* create (three TSQR blocks), add samples, copy, options, derivatives,
 * dense and Lanczos eigensolves, a target loss. */
static void body_loss(nm_run *r)
{
    const size_t w[3] = {3, 4, 2};
    const double lam[2] = {0.1, 0.2};
    dln_eig_report er = {.struct_size = sizeof er};
    const dlni_eig_tuning lanczos = {DLNI_EIG_ITERATIVE, 2, 8};
    STEP(r, dln_loss_create_data(&r->loss, 3, 2, 700, DX, 3, DY, 2));
    STEP(r, dln_loss_add_samples(r->loss, 300, DX, 3, DY, 2));
    STEP(r, dln_loss_set_l2(r->loss, 2, lam));
    STEP(r, dln_loss_copy(&r->loss2, r->loss));
    STEP(r, dln_loss_set_mean(r->loss2, 1));
    STEP(r, dln_loss_set_l2_uniform(r->loss, 0.05));
    STEP(r, dln_net_create(&r->net, 2, w));
    STEP(r, dln_net_init_gaussian(r->net, 0.5, 7));
    STEP(r, dln_loss_value(r->loss, r->net, r->a));
    STEP(r, dln_loss_grad(r->loss2, r->net, NULL, r->a));
    STEP(r, dln_loss_hvp(r->loss2, r->net, r->a, r->b));
    STEP(r, dln_loss_hvp_batch(r->loss, r->net, 3, r->a, 20, r->b, 20));
    STEP(r, dln_loss_hessian(r->loss, r->net, r->c, 20));
    STEP(r, dln_loss_hessian_eigs(r->loss, r->net, DLN_EIG_SMALLEST, 3, 0.0, 0, 1, r->a, r->b, 20,
                                  &er));
    STEP(r, dlni_hessian_eigs(r->loss2, r->net, DLN_EIG_LARGEST, 2, 1e-8, 0, 3, &lanczos, r->a,
                              r->b, 20, &er));
    STEP(r, dlni_hessian_eigs(r->loss2, r->net, DLN_EIG_SMALLEST, 1, 1e-8, 0, 3, &lanczos, r->a,
                              NULL, 20, NULL));
    STEP(r, dln_loss_summary(r->loss, r->a, 3, r->b, 2, r->c));
    dln_loss_free(r->loss2), r->loss2 = NULL;
    STEP(r, dln_loss_create_target(&r->loss2, 2, 3, PHI32, 2));
    STEP(r, dln_loss_grad(r->loss2, r->net, r->c, r->a));
    STEP(r, dln_loss_hessian(r->loss2, r->net, r->c, 20));
    /* the lazy scratch: a residual net's weights at its first call, the
     * tangents at the first HVP after a gradient (input side, d_0 = d_L) */
    const size_t sq[3] = {3, 3, 3};
    dln_loss_free(r->loss2), r->loss2 = NULL;
    STEP(r, dln_loss_create_target(&r->loss2, 3, 3, PHI, 3));
    STEP(r, dln_net_create(&r->net2, 2, sq));
    STEP(r, dln_net_init_gaussian(r->net2, 0.5, 8));
    STEP(r, dln_net_set_residual(r->net2, 2, 1));
    STEP(r, dln_loss_grad(r->loss2, r->net2, r->c, r->a));
    STEP(r, dln_loss_hvp(r->loss2, r->net2, r->a, r->b));
}

/* The net: copies, initializations, products, metrics of the net alone. */
static void body_net(nm_run *r)
{
    const size_t w[4] = {3, 5, 4, 2};
    STEP(r, dln_net_create(&r->net, 3, w));
    STEP(r, dln_net_init_orthogonal(r->net, 0.8, 3));
    STEP(r, dln_net_copy(&r->net2, r->net));
    STEP(r, dln_net_init_balanced(r->net2, PHI32, 2, DLN_FRAMES_RANDOM, 5));
    STEP(r, dln_net_init_balanced(r->net2, PHI32, 2, DLN_FRAMES_CANONICAL, 5));
    STEP(r, dln_net_init_balanced_random(r->net, 1.0, 9));
    STEP(r, dln_net_product(r->net, 3, 2, r->a, 2));
    STEP(r, dln_net_end_to_end(r->net, r->a, 2));
    STEP(r, dln_net_forward(r->net, 2, DX, 3, r->a, 2));
    STEP(r, dln_net_forward(r->net, 600, DX, 3, r->a, 2));
    STEP(r, dln_net_balancedness(r->net, r->a, r->b));
    STEP(r, dln_net_get_layer(r->net, 2, r->a, 5, DLN_ROW_MAJOR));
    STEP(r, dln_net_set_layer(r->net2, 2, r->a, 5, DLN_ROW_MAJOR));
}

/* Metrics of the theorems on a data loss and a target loss. */
static void body_metrics(nm_run *r)
{
    const size_t w[3] = {3, 3, 3}, w2[3] = {3, 4, 2};
    dln_dominance_report dom = {.struct_size = sizeof dom};
    dln_zhou_liang_report zl = {.struct_size = sizeof zl};
    dln_arora_report ar = {.struct_size = sizeof ar};
    STEP(r, dln_loss_create_target(&r->loss, 3, 3, PHI, 3));
    STEP(r, dln_net_create(&r->net, 2, w));
    STEP(r, dln_net_init_balanced(r->net, PHI, 3, DLN_FRAMES_CANONICAL, 1));
    STEP(r, dln_net_copy(&r->net2, r->net));
    STEP(r, dln_net_init_gaussian(r->net, 0.9, 2));
    STEP(r, dln_loss_balancedness(r->loss, r->net, r->a, r->b));
    STEP(r, dln_loss_optimal_value(r->loss, r->net, r->a));
    STEP(r, dln_loss_gradient_dominance(r->loss, r->net, 0.0, &dom));
    STEP(r, dln_loss_zhou_liang(r->loss, r->net, r->net2, 0.0, &zl));
    STEP(r, dln_loss_arora(r->loss, r->net2, 0.0, 1e-6, &ar));
    STEP(r, dln_loss_create_data(&r->loss2, 3, 2, 300, DX, 3, DY, 2));
    dln_net_free(r->net2), r->net2 = NULL;
    STEP(r, dln_net_create(&r->net2, 2, w2));
    STEP(r, dln_net_init_gaussian(r->net2, 0.5, 4));
    STEP(r, dln_loss_optimal_value(r->loss2, r->net2, r->a));
    STEP(r, dln_loss_gradient_dominance(r->loss2, r->net2, 0.0, &dom));
    STEP(r, dln_loss_set_l2_uniform(r->loss2, 0.01));
    STEP(r, dln_loss_balancedness(r->loss2, r->net2, r->a, r->b));
}

/* Regularized landscape: create, queries, construction, classification by
 * every method, distance, rate, tolerance change. */
static void body_landscape_reg(nm_run *r)
{
    const size_t w[4] = {3, 3, 2, 3};
    dln_root_info ri = {.struct_size = sizeof ri};
    dln_orbit_info oi = {.struct_size = sizeof oi};
    dln_class_report cr = {.struct_size = sizeof cr};
    dln_dist_report dr = {.struct_size = sizeof dr};
    dln_rate_report rr = {.struct_size = sizeof rr};
    STEP(r, dln_loss_create_target(&r->loss, 3, 3, PHI, 3));
    STEP(r, dln_loss_set_l2_uniform(r->loss, 0.05));
    STEP(r, dln_landscape_create(&r->ls, r->loss, 3, w));
    STEP(r, dln_net_create(&r->net, 3, w));
    STEP(r, dln_net_create(&r->net2, 3, w));
    STEP(r, dln_landscape_values(r->ls, r->a));
    STEP(r, dln_landscape_roots(r->ls, 0, &ri));
    for (size_t index = 0; index < 4; index++) {
        STEP(r, dln_landscape_orbit(r->ls, index, r->pat));
        STEP(r, dln_landscape_pattern_info(r->ls, r->pat, &oi));
        STEP(r, dln_landscape_orbit_spectrum(r->ls, r->pat, r->a));
        STEP(r, dln_landscape_build(r->ls, r->pat, NULL, DLN_FRAMES_RANDOM, index, r->net));
        STEP(r, dln_landscape_classify(r->ls, r->net, DLN_METHOD_BOTH, &cr, r->pat2, r->b));
        STEP(r, dln_landscape_classify(r->ls, r->net, DLN_METHOD_NUMERICAL, &cr, NULL, r->b));
        STEP(r, dln_landscape_rate(r->ls, r->pat, 0.0, &rr));
    }
    STEP(r, dln_net_init_gaussian(r->net, 0.7, 11));
    STEP(r, dln_landscape_classify(r->ls, r->net, DLN_METHOD_AUTO, &cr, r->pat2, r->b));
    STEP(r, dln_landscape_distance(r->ls, r->net, &dr, r->pat2, r->net2));
    STEP(r, dln_landscape_classify(r->ls, r->net2, DLN_METHOD_BOTH, &cr, r->pat2, r->b));
    STEP(r, dln_landscape_set_tol(r->ls, DLN_TOL_VALUE, 1e-6));
}

/* Unregularized landscape (data, lam = 0, a bottleneck): construction with
 * extra blocks and gauges, classification. */
static void body_landscape_unreg(nm_run *r)
{
    const size_t w[4] = {3, 2, 4, 2};
    dln_class_report cr = {.struct_size = sizeof cr};
    dln_landscape_info info = {.struct_size = sizeof info};
    STEP(r, dln_loss_create_data(&r->loss, 3, 2, 300, DX, 3, DY, 2));
    STEP(r, dln_landscape_create(&r->ls, r->loss, 3, w));
    STEP(r, dln_landscape_get_info(r->ls, &info));
    STEP(r, dln_net_create(&r->net, 3, w));
    for (size_t index = 0; index < 3; index++) {
        STEP(r, dln_landscape_orbit(r->ls, index, r->pat));
        STEP(r, dln_landscape_build(r->ls, r->pat, NULL, DLN_FRAMES_RANDOM, index, r->net));
        STEP(r, dln_landscape_classify(r->ls, r->net, DLN_METHOD_BOTH, &cr, r->pat2, r->b));
    }
    STEP(r, dln_net_init_gaussian(r->net, 0.5, 3));
    STEP(r, dln_landscape_classify(r->ls, r->net, DLN_METHOD_AUTO, &cr, NULL, NULL));
}

/* Whitened and rank-deficient data: the regularized theory on data, the
 * convex depth-1 case, Arora's theorem, a rank-deficient summary. */
static void body_data_theory(nm_run *r)
{
    const size_t w[3] = {3, 3, 3}, w1[2] = {3, 3};
    dln_class_report cr = {.struct_size = sizeof cr};
    dln_arora_report ar = {.struct_size = sizeof ar};
    dln_dominance_report dom = {.struct_size = sizeof dom};
    STEP(r, dln_loss_create_data(&r->loss, 3, 3, 300, XW, 3, DX, 3));
    STEP(r, dln_loss_set_l2_uniform(r->loss, 0.05));
    STEP(r, dln_landscape_create(&r->ls, r->loss, 2, w));
    STEP(r, dln_net_create(&r->net, 2, w));
    STEP(r, dln_landscape_orbit(r->ls, 1, r->pat));
    STEP(r, dln_landscape_build(r->ls, r->pat, NULL, DLN_FRAMES_RANDOM, 1, r->net));
    STEP(r, dln_landscape_classify(r->ls, r->net, DLN_METHOD_BOTH, &cr, r->pat2, r->b));
    dln_landscape_free(r->ls), r->ls = NULL;
    STEP(r, dln_landscape_create(&r->ls, r->loss, 1, w1));
    STEP(r, dln_net_create(&r->net2, 1, w1));
    STEP(r, dln_landscape_classify(r->ls, r->net2, DLN_METHOD_BOTH, &cr, NULL, NULL));
    STEP(r, dln_loss_create_data(&r->loss2, 3, 3, 300, XD, 3, DX, 3));
    STEP(r, dln_loss_optimal_value(r->loss2, r->net, r->a));
    STEP(r, dln_loss_gradient_dominance(r->loss2, r->net, 0.0, &dom));
    STEP(r, dln_loss_set_l2_uniform(r->loss, 0.0));
    STEP(r, dln_loss_arora(r->loss, r->net, 0.0, 1e-6, &ar));
}

/* A value exactly at the threshold y* (depth 3): the double root, its
 * non-strict saddles and their certificate. */
static void body_double_root(nm_run *r)
{
    const size_t w[4] = {3, 3, 3, 3};
    double ystar = 0.0, phi[9] = {0};
    dln_landscape_info info = {.struct_size = sizeof info};
    dln_class_report cr = {.struct_size = sizeof cr};
    STEP(r, dln_critical_thresholds(3, 0.1 * 0.1 * 0.1, &ystar, NULL, NULL, NULL));
    phi[0] = 3.0, phi[4] = ystar, phi[8] = 0.01;
    STEP(r, dln_loss_create_target(&r->loss, 3, 3, phi, 3));
    STEP(r, dln_loss_set_l2_uniform(r->loss, 0.1));
    STEP(r, dln_landscape_create(&r->ls, r->loss, 3, w));
    STEP(r, dln_landscape_get_info(r->ls, &info));
    STEP(r, dln_net_create(&r->net, 3, w));
    for (size_t index = 0; index < info.num_orbits && index < 12; index++) {
        STEP(r, dln_landscape_orbit(r->ls, index, r->pat));
        int dbl = 0;
        for (size_t i = 0; i < 3; i++) dbl |= r->pat[i] == DLN_MATCH_DOUBLE;
        if (!dbl) continue;
        STEP(r, dln_landscape_build(r->ls, r->pat, NULL, DLN_FRAMES_RANDOM, index, r->net));
        STEP(r, dln_landscape_classify(r->ls, r->net, DLN_METHOD_BOTH, &cr, r->pat2, r->b));
    }
}

/* Loss slices, residual nets, the excess over an orbit, the step from the
 * Hessian, and the escape kind stopping at a critical point (its
 * non-strict-saddle test classifies the point). */
static void body_extras(nm_run *r)
{
    const size_t w[3] = {3, 3, 3};
    const double t[5] = {-0.5, 0.0, 0.5, 1.0, 1.5}, ab[3] = {-1.0, 0.0, 1.0};
    double e = 0.0, eo = 0.0, eta = 0.0, mu = 0.0, ev[2];
    dln_opt_report rep = {.struct_size = sizeof rep};
    STEP(r, dln_loss_create_target(&r->loss, 3, 3, PHI, 3));
    STEP(r, dln_loss_set_l2_uniform(r->loss, 0.05));
    STEP(r, dln_net_create(&r->net, 2, w));
    STEP(r, dln_net_init_gaussian(r->net, 0.7, 21));
    STEP(r, dln_net_copy(&r->net2, r->net));
    STEP(r, dln_net_init_gaussian(r->net2, 0.7, 22));
    STEP(r, dln_loss_slice_line(r->loss, r->net, r->net2, 5, t, r->a));
    STEP(r, dln_loss_slice_directions(r->loss, r->net, DLN_SLICE_RANDOM, 1, r->b, r->c, NULL));
    STEP(r, dln_loss_slice_directions(r->loss, r->net, DLN_SLICE_HESSIAN_BOTTOM, 1, r->b, r->c, ev));
    STEP(r, dln_loss_slice_plane(r->loss, r->net, r->b, r->c, 3, ab, 3, ab, r->a, 3));
    STEP(r, dln_landscape_create(&r->ls, r->loss, 2, w));
    STEP(r, dln_landscape_excess(r->ls, r->net, NULL, &e, &eo));
    STEP(r, dln_landscape_orbit(r->ls, 1, r->pat));
    STEP(r, dln_landscape_excess(r->ls, r->net, r->pat, &e, &eo));
    STEP(r, dln_opt_create(&r->opt, DLN_OPT_GD));
    STEP(r, dln_opt_set_step_from_hessian(r->opt, r->loss, r->net, 0.5, 1, &eta, &mu));
    STEP(r, dln_net_set_residual(r->net2, 2, 1));
    STEP(r, dln_loss_grad(r->loss, r->net2, NULL, r->a));
    STEP(r, dln_net_end_to_end(r->net2, r->a, 3));
    STEP(r, dln_net_forward(r->net2, 4, DX, 3, r->a, 3));
    dln_net_free(r->net), r->net = NULL;
    STEP(r, dln_net_copy(&r->net, r->net2));
    STEP(r, dln_opt_create(&r->opt2, DLN_OPT_LBFGS_ESCAPE));
    STEP(r, dln_opt_set_grad_tol(r->opt2, 1e-6));
    STEP(r, dln_landscape_orbit(r->ls, 2, r->pat));
    STEP(r, dln_net_set_residual(r->net, 2, 0)); /* a plain net to build into */
    STEP(r, dln_landscape_build(r->ls, r->pat, NULL, DLN_FRAMES_RANDOM, 3, r->net));
    STEP_KEEPS(r, dln_opt_run(r->opt2, r->loss, r->net, &rep), 0);
}

/* Every optimizer kind with history columns (the landscape ones included),
 * a callback, runs, steps, copies. */
static dln_opt_kind nm_kind;

static void body_opt(nm_run *r)
{
    const size_t w[3] = {3, 3, 3};
    const dln_metric cols[5] = {DLN_METRIC_LOSS, DLN_METRIC_STEP_NORM, DLN_METRIC_DIST,
                                DLN_METRIC_EB_RATIO, DLN_METRIC_BALANCEDNESS};
    dln_opt_report rep = {.struct_size = sizeof rep};
    dln_stop stop;
    int keeps = nm_kind != DLN_OPT_LBFGS_ESCAPE; /* the others allocate only at the start */
    STEP(r, dln_loss_create_target(&r->loss, 3, 3, PHI, 3));
    STEP(r, dln_loss_set_l2_uniform(r->loss, 0.05));
    STEP(r, dln_net_create(&r->net, 2, w));
    STEP(r, dln_net_init_gaussian(r->net, 0.3, 5));
    STEP(r, dln_opt_create(&r->opt, nm_kind));
    STEP(r, dln_opt_set_metrics(r->opt, 5, cols));
    STEP(r, dln_opt_set_history_capacity(r->opt, 8));
    STEP(r, dln_opt_set_callback(r->opt, quiet_cb, NULL, 2));
    STEP(r, dln_opt_set_max_iter(r->opt, 6));
    STEP(r, dln_opt_set_step(r->opt, 0.05));
    STEP_KEEPS(r, dln_opt_run(r->opt, r->loss, r->net, &rep), keeps);
    STEP(r, dln_opt_history(r->opt, r->a, 8));
    STEP(r, dln_opt_step(r->opt, r->loss, r->net, &stop));
    STEP(r, dln_opt_step(r->opt, r->loss, r->net, &stop));
    STEP(r, dln_opt_reset(r->opt));
    STEP(r, dln_opt_step(r->opt, r->loss, r->net, &stop)); /* a fresh start */
    STEP(r, dln_opt_copy(&r->opt2, r->opt));
    STEP(r, dln_opt_set_history_capacity(r->opt2, 0));
    STEP_KEEPS(r, dln_opt_run_history(r->opt2, r->loss, r->net, r->b, 8, 8, &rep), keeps);
}

/* The scenarios; kind is the optimizer of body_opt. */
static const struct {
    nm_body body;
    const char *name;
    dln_opt_kind kind;
} scenarios[] = {
    {body_loss, "loss", 0},
    {body_net, "net", 0},
    {body_metrics, "metrics", 0},
    {body_landscape_reg, "regularized landscape", 0},
    {body_landscape_unreg, "unregularized landscape", 0},
    {body_data_theory, "whitened and rank-deficient data", 0},
    {body_double_root, "double root", 0},
    {body_extras, "slices, residual nets, excess, step from the Hessian", 0},
    {body_opt, "gd", DLN_OPT_GD},
    {body_opt, "gd-armijo", DLN_OPT_GD_ARMIJO},
    {body_opt, "heavy-ball", DLN_OPT_HEAVY_BALL},
    {body_opt, "nesterov", DLN_OPT_NESTEROV},
    {body_opt, "adam", DLN_OPT_ADAM},
    {body_opt, "lbfgs", DLN_OPT_LBFGS},
    {body_opt, "lbfgs-escape", DLN_OPT_LBFGS_ESCAPE},
};

START_TEST(nomem_sweep)
{
    nm_kind = scenarios[_i].kind;
    sweep(scenarios[_i].body, scenarios[_i].name);
}
END_TEST

Suite *suite_nomem(void)
{
    fill_data();
    Suite *s = suite_create("nomem");
    TCase *tc = tcase_create("nomem");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, nomem_sweep, 0, (int)(sizeof scenarios / sizeof *scenarios));
    suite_add_tcase(s, tc);
    return s;
}
