/* internal.h - private structures and helpers shared by the library sources.
 * Internal functions carry the prefix dlni_ and are never exported. */
#ifndef DLNET_INTERNAL_H
#define DLNET_INTERNAL_H

#include "dlnet.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define DLNI_MSG 200 /* size of a handle's error-detail buffer */

struct dln_net {
    size_t L;     /* depth */
    size_t n;     /* number of parameters */
    size_t *d;    /* widths d_0..d_L */
    size_t *off;  /* off[l-1] = offset of W_l in theta, off[L] = n */
    /* n doubles from malloc. An optimizer exchanges this block with one of
     * its own of the same size (src/opt_run.c): never keep the pointer
     * across library calls. */
    double *theta;
    /* The optimizer handle whose state continues at theta, as an integer
     * (0: none). Set when an optimizer starts on the net; every other write
     * of theta clears it with dlni_net_changed(). */
    uintptr_t stamp;
    /* Residual layers (src/net_residual.c): res[l-1] = 1 when W_l = I + A_l
     * with theta holding A_l; nres of them (0 and res = NULL: a plain net). */
    unsigned char *res;
    size_t nres;
    char err[DLNI_MSG];
};

/* Call before writing net->theta anywhere but in an optimizer: the
 * optimizer that last ran on the net must then restart its state (it
 * continues only while its own stamp is in place). */
static inline void dlni_net_changed(dln_net *net) { net->stamp = 0; }

/* The one way to replace all weights of a net from outside src/net.c:
 * copies n = net->n doubles and marks the net changed. */
void dlni_net_assign(dln_net *net, const double *theta);
/* 1 if the net has depth L and widths d_0..d_L. */
int dlni_same_widths(const dln_net *net, size_t L, const size_t *d);

/* Weights of layer l (1..L): d_l x d_{l-1}, column-major, ld = d_l. For a
 * residual layer these are the parameters A_l, not W_l = I + A_l. */
static inline double *dlni_layer(const dln_net *net, size_t l) { return net->theta + net->off[l - 1]; }

/* Residual nets (src/net_residual.c; dlni_net_shift in src/net.c). */
/* theta (n, the layout of net) += sign I on the residual layers of net. */
void dlni_net_shift(const dln_net *net, double *theta, double sign);
/* The net itself if plain; otherwise *view, a plain net sharing net's shape
 * whose weights W_l = I + A_l are written to buf (n doubles). */
const dln_net *dlni_net_effective(const dln_net *net, dln_net *view, double *buf);
/* A new plain net with the effective weights of net. */
dln_status dlni_net_effective_copy(const dln_net *net, dln_net **out);
/* The closed-form theory and the metrics read W_l from theta: they refuse
 * residual nets with this message (DLN_E_UNSUPPORTED). */
#define DLNI_RESIDUAL_MSG                                                                \
    "the net is residual (W_l = I + A_l): use a plain copy with the same W_l "          \
    "(dln_net_copy, then dln_net_set_residual(copy, l, 0)); docs/residual.md says which " \
    "answers carry over"

/* Scratch of the factored path for bottleneck nets (src/loss_factored.c):
 * chain/back entries l of S_l, T_l, U_l, V_l at off[l] and off[L + 2 + l],
 * tangents (one direction) in the same layout. */
typedef struct dlni_factored {
    size_t L, *d;       /* shape the path was chosen for (d = NULL: none) */
    int path;           /* loss->path it was chosen with */
    int on;             /* 1: value, gradient and HVP run factored */
    size_t k;           /* bottleneck layer: d_k = r = min of d_1..d_{L-1} */
    size_t *off, nc, nb; /* nc, nb: doubles of chain and back (and of dchain, dback) */
    double *chain, *back;
    double *dchain, *dback; /* allocated by the first HVP, like dMt and AA */
    double *Mt, *G;     /* M^T = R B'^T (d_0 x r), G = A' M - C (d_L x d_0) */
    double *dMt;        /* tangent of M^T */
    double *Z;          /* 2 r d_0 scratch: R's operands and results, transposed */
    double *AA, *MM, *K; /* r x r: A'^T A', M M^T (at the point), scratch (one block) */
    double *theta;      /* weights at which the point's entries are valid */
    int fwd_valid;      /* chains, G and value valid at theta */
    int have;           /* parts of the back products valid at theta (loss_factored.c) */
    double value;       /* data part of the value at theta */
} dlni_factored;

/* Scratch for value/gradient/HVP, sized for one network shape.
 *
 * Input side (d_0 <= d_L): chain l = B_l = W_{l-1:1} (d_{l-1} x d_0), back
 * l = V_l = A_l^T E (d_l x d_0). Output side: chain l = A_l = W_{L:l+1}
 * (d_L x d_l), back l = U_l = E B_l^T (d_L x d_{l-1}). See src/loss_grad.c. */
typedef struct dlni_work {
    size_t L, n, *d;    /* shape the buffers are sized for (d: L+1 widths) */
    int input_side;     /* 1: prefix chains (thin side d_0), 0: suffix chains (d_L) */
    /* Layout of all entries of the chain (L+2) and back products (L+1), nc
     * and nb doubles: the tangents use it whole, the primal chain and back
     * only the entries that are formed (src/loss_grad.c, chain_first). */
    size_t *coff, *boff, nc, nb;
    size_t bmax;        /* doubles of the largest back entry */
    double *chain, *back;
    /* E = G R (d_L x d_0); G = P R^T - C is formed in E (in-place TRMMs)
     * unless the products with R are GEMMs (d_0 < DLNI_R_GEMM_BELOW): then G
     * has a block of its own, else it is NULL */
    double *G, *E;
    /* Allocated by the first HVP (dlni_work_hvp) where the products with R
     * are GEMMs: tangents times R^T (d_L x d_0 on the input side, DLNI_BATCH
     * of them on the output side); else NULL (in-place TRMMs, target form) */
    double *RT;
    double *lam;        /* resolved coefficients lam_1..lam_L */
    double *theta;      /* weights at which chain/back are valid */
    int fwd_valid;      /* chain, G, E and value valid at theta */
    int back_valid;     /* back valid at theta */
    double value;       /* data part of the value at theta */
    /* tangents of up to DLNI_BATCH directions (allocated by the first HVP):
     * dchain in the layout of the chain, dback in dlni_back_slots slots of
     * DLNI_BATCH bmax (a back tangent is read by the next level only) */
    double *dchain, *dback;
    /* effective weights of a residual net (n; allocated by dlni_loss_check
     * for the first residual net) and the plain view on them */
    double *weff;
    dln_net view;
    dlni_factored fac;  /* the factored path (src/loss_factored.c) */
} dlni_work;

#define DLNI_BATCH 8

/* The effective summary F = 1/2 ||P (rs R)^T - rs C||^2 + r0/2 of a loss:
 * R and C are the loss's one copy of the summary in the sum form (views
 * into loss->sum); the mean form's scale rs = sqrt(1/m) is applied by the
 * products (src/loss_kernels.c), never stored. */
typedef struct dlni_summ {
    const double *R;    /* d0 x d0 upper (zeros below); NULL for a target loss (R = I) */
    const double *C;    /* dL x d0 */
    double rs;          /* sqrt(1/m) in the mean form, else 1 */
} dlni_summ;

/* Offset of entry (i, j), i <= j, of the factor [[R, C^T], [0, T]] (order
 * d0 + dL) in the blocks R (d0 x d0), C (dL x d0), T (dL x dL) of loss->sum. */
static inline size_t dlni_summary_index(size_t d0, size_t dL, size_t i, size_t j)
{
    if (j < d0) return i + j * d0;
    if (i < d0) return d0 * d0 + (j - d0) + i * dL;
    return d0 * d0 + dL * d0 + (i - d0) + (j - d0) * dL;
}

struct dln_loss {
    dln_loss_kind kind;
    size_t d0, dL, m;
    size_t na;          /* d0 + dL: order of the augmented triangular factor */
    /* Data form: the upper triangular factor [[R, C^T], [0, T]] of
     * [X^T Y^T] in the sum form (src/loss_handle.c) as its blocks R
     * (d0 x d0), C (dL x d0), T (dL x dL), zeros below the diagonals of R
     * (the GEMM path multiplies R as a square) and T (dlni_summary_index).
     * Target form: Phi (dL x d0). Held once: eff views it. */
    double *sum;
    dlni_summ eff;
    double r0;          /* effective r0 */
    int mean;
    size_t threads;     /* library threads for the summary (dln_loss_set_threads) */
    size_t lam_depth;   /* 0: uniform coefficient lam_uniform; else per-layer lam[] */
    double lam_uniform;
    double *lam;
    dlni_work work;
    int path;           /* dlni_path of value/gradient/HVP (tests, benches) */
    char err[DLNI_MSG];
};

/* Summary internals of src/loss_handle.c for src/loss_merge.c and src/loss_summary_io.c. */
/* Doubles of loss->sum (the blocks of the factor, or Phi). */
size_t dlni_loss_sum_size(const dln_loss *loss);
/* A loss of the given kind with a zeroed summary, unset (NULL on NOMEM). */
dln_loss *dlni_loss_alloc(dln_loss_kind kind, size_t d0, size_t dL);
/* DLN_E_DIM or DLN_E_OVERFLOW unless d0, dL (and the summary's blocks) fit. */
dln_status dlni_loss_check_shape(size_t d0, size_t dL);
/* The scale rs and r0 from the summary, m and the mean flag; invalidates the scratch. */
void dlni_loss_refresh(dln_loss *loss);

/* Record a failure in an error buffer and return the status. */
dln_status dlni_fail(char *err, dln_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The status of a linalg.h return code rc (LA_OK, LA_NOMEM, LA_NONFINITE or
 * a LAPACK info): DLN_OK, DLN_E_NOMEM, DLN_E_NONFINITE or DLN_E_LAPACK, with
 * a message naming WHAT in err (may be NULL). */
dln_status dlni_la_status(char *err, int rc, const char *what);

/* The report contract (dlnet.h, "Report structs"). A function that fills a
 * report checks the caller's struct once with dlni_report_check (NULL, or a
 * struct_size below v1_size, the size of the struct's first version, is an
 * error recorded in err, which may be NULL), computes a full report of this
 * version in a local, and hands it over with dlni_report_put, which copies
 * the fields that fit in the caller's struct_size and never writes
 * struct_size itself nor any byte past it. */
dln_status dlni_report_check(char *err, const void *report, size_t v1_size, const char *name);
void dlni_report_put(void *report, const void *full, size_t full_size);

/* Overflow-checked a*b (returns 0 and leaves *out on overflow). */
int dlni_mul(size_t a, size_t b, size_t *out);
/* 1 if an array of cols columns of leading dimension ld (doubles) lies in the
 * address range: ld * cols * sizeof(double) <= PTRDIFF_MAX. Counting bytes,
 * not elements: an element count that fits size_t can still wrap a pointer
 * offset to before the caller's buffer. */
int dlni_span_fits(size_t ld, size_t cols);
/* malloc of n doubles with overflow check (NULL on failure; n = 0 gives a
 * valid 1-element block so that callers need no special case). */
double *dlni_alloc(size_t n);

/* Partial product W_{j:i} (j >= i) into out (ld), without allocating: s1 and
 * s2 hold dlni_chain_scratch(net, j, i) doubles each (src/net_products.c). */
void dlni_chain_product(const dln_net *net, size_t j, size_t i, double *out, size_t ld, double *s1,
                        double *s2);
size_t dlni_chain_scratch(const dln_net *net, size_t j, size_t i);

/* Random numbers (src/random.c): xoshiro256** seeded by splitmix64. */
typedef struct dlni_rng { uint64_t s[4]; int has_spare; double spare; } dlni_rng;
void dlni_rng_seed(dlni_rng *r, uint64_t seed);
uint64_t dlni_rng_next(dlni_rng *r);
double dlni_rng_uniform(dlni_rng *r);       /* in (0, 1) */
double dlni_rng_normal(dlni_rng *r);        /* N(0, 1) */
void dlni_rng_fill_normal(dlni_rng *r, size_t n, double scale, double *x);
/* Haar-random m x n matrix with orthonormal columns (m >= n) into Q (ld m). */
int dlni_rng_stiefel(dlni_rng *r, size_t m, size_t n, double *Q);

/* The data summary kernel (src/loss_summary.c). */
/* Samples per block of the summary for na = d_0 + d_L: max(512, 16 na). */
size_t dlni_summary_block(size_t na);
/* Fold m samples into the factor held as the blocks of loss->sum (m_prev
 * samples so far) with up to nthreads threads. sum is unchanged on failure
 * (DLN_E_NONFINITE for a NaN or Inf sample or a factor whose sums of squares
 * overflow, DLN_E_NOMEM, DLN_E_LAPACK; the detail goes to err). */
dln_status dlni_summary_absorb(double *sum, size_t m_prev, size_t d0, size_t dL, size_t m,
                               const double *X, size_t ldx, const double *Y, size_t ldy,
                               size_t nthreads, char *err);
/* The factor from the blocks of loss->sum into raug (na x na, zeros below)
 * and back (its upper triangle). */
void dlni_summary_unpack(size_t d0, size_t dL, const double *sum, double *raug);
void dlni_summary_pack(size_t d0, size_t dL, const double *raug, double *sum);
/* ||T||^2 of the upper triangle of T (dL x dL, ld ldt): r0 before the
 * normalization (Inf when the residual sum of squares exceeds the double range). */
double dlni_summary_tail_sumsq(const double *T, size_t ldt, size_t dL);

/* Loss internals (src/loss_grad.c, src/loss_hvp.c; the steps both derivative
 * paths share are in src/loss_kernels.c). */
/* Below this input width d_0 the products with the triangular R run as GEMMs
 * on its stored square form (zeros below the diagonal): twice the flops of a
 * TRMM, but threaded OpenBLAS TRMMs are 2-3x slower than GEMMs there
 * (docs/performance.md). */
#define DLNI_R_GEMM_BELOW 128
/* In these, R is the effective R, rs eff.R, and C the effective C (src/loss_kernels.c). */
/* out (ld ldo) = A op(R) for an m x d_0 block A (ld lda), out != A; a copy
 * of A for a target loss (R = I). */
void dlni_times_r(const dln_loss *loss, int trans, size_t m, const double *A, size_t lda,
                  double *out, size_t ldo);
/* out (ld ldo) = op(R) B for a d_0 x n block B (ld ldb), out != B; a copy of
 * B for a target loss. For n << d_0 OpenBLAS's TRMM is faster from the left
 * than from the right on the transposed block (docs/performance.md). */
void dlni_r_times(const dln_loss *loss, int trans, size_t n, const double *B, size_t ldb,
                  double *out, size_t ldo);
/* A (m x d_0, ld lda) = A op(R) in place (a TRMM); nothing for a target loss. */
void dlni_times_r_inplace(const dln_loss *loss, int trans, size_t m, double *A, size_t lda);
/* W (m x d_0, ld ldw) = W R^{-T} in place (a TRSM); nothing for a target loss. */
void dlni_solve_r(const dln_loss *loss, size_t m, double *W, size_t ldw);
/* out (d_0 x d_0, ld ldo) = op(R), zeros in the other triangle; I for a target loss. */
void dlni_loss_r_copy(const dln_loss *loss, int trans, double *out, size_t ldo);
/* out (d_L x d_0, ld ldo) = C. */
void dlni_loss_c_copy(const dln_loss *loss, double *out, size_t ldo);
dln_status dlni_loss_check(dln_loss *loss, const dln_net *net);
/* Forward chain + residual at net (reused when valid); value = full loss. */
dln_status dlni_forward(dln_loss *loss, const dln_net *net, double *value);
/* dlni_forward in steps, for the HVP, which interleaves its tangents:
 * begin returns 1 (and invalidates the chains) unless they are valid at
 * net's weights; then the chain steps l = 2..L (input side) or L-1..1
 * (output side) in that order (each also copies the layers it reads into
 * the copy of the weights that validates the chains), end (residual,
 * value) and value (the full loss and its finiteness, the penalty on params). */
int dlni_forward_begin(dln_loss *loss, const dln_net *net);
void dlni_forward_step(dln_loss *loss, const dln_net *net, size_t l);
void dlni_forward_end(dln_loss *loss, const dln_net *net);
dln_status dlni_forward_value(dln_loss *loss, const dln_net *params, double *value);
/* Gradient into grad (length n) after dlni_forward; value may be NULL. */
dln_status dlni_grad(dln_loss *loss, const dln_net *net, double *value, double *grad);
/* The same, also *gg = ||grad||^2 (unscaled: Inf when the sum overflows a
 * finite gradient). The sum of squares of each layer's block, taken while
 * the block is in cache, is also the finiteness test: a finite sum has
 * finite terms, and only a non-finite sum needs an explicit scan. */
dln_status dlni_grad_sq(dln_loss *loss, const dln_net *net, double *value, double *grad,
                        double *gg);
/* One step of the back products at the forward point (after dlni_forward):
 * V_{l-1} from V_l (input side, l = L..3) or U_{l+1} from U_l (output side,
 * l = 1..L-2). The gradient and the HVP interleave the steps with their own
 * products, so that each W_l and back product is read while in cache; the
 * one that completes a sweep sets work.back_valid. */
void dlni_backward_step(dln_loss *loss, const dln_net *net, size_t l);
/* out = lam x (n entries) and return 1 as the GEMM beta that adds to it;
 * for lam = 0 leave out alone and return 0 (the GEMM overwrites it). */
double dlni_start_lam(double lam, size_t n, const double *x, double *out);
/* B (ld m) = A (beta = 0) or B += A (beta = 1), A m x n with ld lda. */
void dlni_add_or_copy(double beta, size_t m, size_t n, const double *A, size_t lda, double *B);
/* Chain entry l: B_l (input side, l = 2..L) or A_l (output side, l = 1..L-1). */
const double *dlni_chain_at(const dln_loss *loss, const dln_net *net, size_t l, size_t *ld);
/* Back entry V_l (input side, l = 2..L) or U_l (output side, l = 1..L-1). */
const double *dlni_back_at(const dln_loss *loss, const dln_net *net, size_t l, size_t *ld);
void dlni_work_free(dlni_work *w);
/* Allocate the HVP's tangent scratch unless present (after dlni_loss_check);
 * DLN_E_NOMEM leaves the loss unchanged. */
dln_status dlni_work_hvp(dln_loss *loss);
/* Slots of the HVP's back tangents at depth L >= 1: 2 (levels alternate),
 * 1 at L = 2 (dV_1 or dU_2 only), 0 at L = 1 (the only level is the
 * chain's P1). */
size_t dlni_back_slots(size_t L);
void dlni_work_invalidate(dlni_work *w);
/* The net whose weights the chains multiply: net, or for a residual net the
 * plain view on its effective weights (W_l = I + A_l) in the loss's scratch.
 * The weight-decay terms use the parameters, i.e. net itself. */
const dln_net *dlni_loss_effective(dln_loss *loss, const dln_net *net);
/* *value (may be NULL) = data + the penalty sum_l lam_l/2 ||W_l||^2 at
 * params; DLN_E_NONFINITE with a message unless finite. */
dln_status dlni_total_value(dln_loss *loss, const dln_net *params, double data, double *value);
/* *ss += ||g||^2 of a gradient block of n entries, taken while the block is
 * in cache; it is also the finiteness test (DLN_E_NONFINITE): a finite sum
 * has finite terms, and only a non-finite sum needs an explicit scan. */
dln_status dlni_grad_block_sumsq(dln_loss *loss, size_t n, const double *g, double *ss);
/* g = s G - c C, G = s g (n entries) and return ||g||^2, in one pass over G
 * (unscaled: Inf iff the sum overflows, and then the value would too). c is
 * the scale of the stored C (eff.rs), s the scale of R that the in-place
 * TRMMs of the residual leave out (a TRMM's alpha would cost a pass of its
 * own), 1 where the products apply it; s = c = 1: G -= C. */
double dlni_minus_sumsq(size_t n, double s, double c, const double *C, double *G);

/* The factored path for bottleneck nets (src/loss_factored.c, derivatives.md
 * §4a). dlni_loss_check calls dlni_factored_prepare, which chooses the path
 * for the net's shape by a flop model and sizes the scratch when the shape
 * changes; while loss->work.fac.on, the entry points of src/loss_grad.c and
 * src/loss_hvp.c hand over to the functions below, which have their
 * contracts (forward, dlni_grad_sq after the effective net, hvp_run). */
typedef enum dlni_path {
    DLNI_PATH_AUTO = 0,     /* by the flop model */
    DLNI_PATH_FULL = 1,     /* always full width */
    DLNI_PATH_FACTORED = 2  /* factored whenever there is an inner layer (L >= 2) */
} dlni_path;
/* Force a path (tests and benches compare them); the next call decides again. */
void dlni_factored_set_path(dln_loss *loss, dlni_path path);
dln_status dlni_factored_prepare(dln_loss *loss, const dln_net *net);
void dlni_factored_free(dlni_factored *f);
dln_status dlni_factored_forward(dln_loss *loss, const dln_net *net, const dln_net *params,
                                 double *value);
dln_status dlni_factored_grad_sq(dln_loss *loss, const dln_net *eff, const dln_net *net,
                                 double *value, double *grad, double *gg);
/* The whole HVP path of k directions (hvp_run's contract, after the
 * effective net): only the back products the HVP needs are formed. */
dln_status dlni_factored_hvp(dln_loss *loss, const dln_net *net, size_t k, const double *V,
                             size_t ldv, double *HV, size_t ldhv);


/* ---- spectrum (src/spectrum_eigs.c) ---- */
/* Path and sizes of the Hessian eigensolver; zeros select the defaults. */
typedef enum dlni_eig_path {
    DLNI_EIG_AUTO = 0,     /* dense for small n, iterative otherwise */
    DLNI_EIG_DENSE = 1,    /* dense Hessian + dsyevr (n <= DLN_HESSIAN_MAX_PARAMS) */
    DLNI_EIG_ITERATIVE = 2 /* block Lanczos at any n */
} dlni_eig_path;
typedef struct dlni_eig_tuning {
    dlni_eig_path path;
    size_t block; /* block width b of the iterative path (raised to k, clamped to n) */
    size_t basis; /* basis capacity m (raised to k + 2b, clamped to n) */
} dlni_eig_tuning;
/* A symmetric linear operator of order n applied to k columns at a time
 * (the Hessian, a block of it, the Hessian on a subspace). */
typedef struct dlni_op {
    size_t n;
    dln_status (*apply)(void *ctx, size_t k, const double *X, size_t ldx, double *Y, size_t ldy);
    void *ctx;
} dlni_op;
/* Argument checks of the eigensolvers for an operator of order n (after
 * dlni_loss_check). */
dln_status dlni_eig_check(dln_loss *loss, size_t n, dln_eig_which which, size_t k, double tol,
                          const double *evals, const double *evecs, size_t ldvec,
                          const dln_eig_report *report);
/* Extreme eigenpairs of an operator by the paths of dln_loss_hessian_eigs()
 * (arguments checked by the caller, 1 <= k <= op->n); errors go to loss. */
dln_status dlni_op_eigs(dln_loss *loss, const dlni_op *op, dln_eig_which which, size_t k,
                       double tol, size_t maxit, uint64_t seed, const dlni_eig_tuning *tune,
                       double *evals, double *evecs, size_t ldvec, dln_eig_report *rep);
/* dln_loss_hessian_eigs() with a forced path and sizes (tests, benchmarks);
 * same checks, outputs and report. */
dln_status dlni_hessian_eigs(dln_loss *loss, const dln_net *net, dln_eig_which which, size_t k,
                             double tol, size_t maxit, uint64_t seed, const dlni_eig_tuning *tune,
                             double *evals, double *evecs, size_t ldvec, dln_eig_report *report);

/* ---- traces, layer blocks (src/spectrum_trace.c) ---- */
/* The Gram factors of the diagonal blocks H_ll = (M_l M_l^T) (x) (A_l^T A_l)
 * + lam_l I, A_l = W_{L:l+1}, M_l = W_{l-1:1} R^T, after dlni_loss_check():
 * a (sum_l d_l) and b (sum_l d_{l-1}) receive their diagonals layer after
 * layer (either may be NULL); for layer sel, ga (d_sel^2) and gm
 * (d_{sel-1}^2) receive the full matrices unless NULL. */
dln_status dlni_gram_factors(dln_loss *loss, const dln_net *net, size_t sel, double *a, double *b,
                             double *ga, double *gm);
/* n Rademacher (+-1) entries. */
void dlni_rademacher(dlni_rng *rng, size_t n, double *z);

#endif
