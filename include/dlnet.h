/**
 * @file dlnet.h
 * @brief libdlnet: deep linear networks x -> W_L ... W_1 x, their losses,
 *        exact derivatives, landscape analysis and optimizers.
 *
 * This is the only public header of libdlnet and its reference documentation.
 *
 * @section conventions Conventions (apply to every function below)
 *
 * - **Layers.** A network of depth L >= 1 has widths d_0 (input) .. d_L
 *   (output) and layers W_l in R^{d_l x d_{l-1}}, l = 1..L. W_{j:i} denotes
 *   W_j W_{j-1} ... W_i (i <= j) and W_{i-1:i} = I. P = W_{L:1} is the
 *   end-to-end matrix.
 * - **Matrices** are column-major with an explicit leading dimension `ld`
 *   (as in BLAS/LAPACK): entry (i, j) of an r x c matrix A is A[i + j*ld],
 *   with ld >= max(1, r). A C-order ("row-major") n x d array is the
 *   column-major d x n array with ld = d, so data stored one sample per row
 *   can be passed as X (d_0 x m, one sample per column) without a copy.
 * - **Parameter vector.** theta = [vec(W_1); ...; vec(W_L)] with column-major
 *   vec; its length is n = sum_l d_l d_{l-1}. Gradients, directions,
 *   Hessian-vector products and dense Hessians use this layout.
 * - **Status.** Every function that can fail returns a ::dln_status;
 *   ::DLN_OK is 0. Inputs are never modified. On an argument error (NULL,
 *   dimensions, leading dimensions, non-finite input, range) nothing is
 *   written; if the arithmetic itself overflows (::DLN_E_NONFINITE on a
 *   finite input) the contents of output buffers are unspecified. The handle on which the function operates (the loss for
 *   loss functions, the optimizer for optimizer functions, the net for
 *   functions that modify it) keeps a one-line detail retrievable with
 *   dln_net_errmsg(), dln_loss_errmsg(), ...  Functions that take only
 *   `const` handles report through the status code alone
 *   (see dln_strerror()).
 * - **Ownership.** The caller owns every array it passes. Inputs are read
 *   during the call only; handles never keep pointers to caller memory; the
 *   library never returns memory for the caller to free.
 * - **Threads.** The library has no global mutable state. A `const dln_net`
 *   may be shared by threads. A ::dln_loss or ::dln_opt holds scratch space
 *   and must be used by one thread at a time (copy it for each thread). The
 *   library never changes the BLAS thread count.
 * - **Randomness.** Every randomized routine takes an explicit 64-bit seed;
 *   the same seed gives the same result, bit for bit, on one machine.
 * - **Sizes** are `size_t`; every dimension and leading dimension must fit
 *   the BLAS integer type (::DLN_E_OVERFLOW otherwise).
 */
#ifndef DLNET_H
#define DLNET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DLN_API __attribute__((visibility("default")))
#else
#define DLN_API
#endif

/** @name Version
 *  @{ */
#define DLN_VERSION_MAJOR 0 /**< Major version (API/ABI epoch). */
#define DLN_VERSION_MINOR 1 /**< Minor version (SONAME libdlnet.so.0.MINOR). */
#define DLN_VERSION_PATCH 0 /**< Patch version. */
/** Version string "MAJOR.MINOR.PATCH" of these macros. */
#define DLN_VERSION_STRING "0.1.0"

/** Major version of the library actually linked. */
DLN_API int dln_version_major(void);
/** Minor version of the library actually linked. */
DLN_API int dln_version_minor(void);
/** Patch version of the library actually linked. */
DLN_API int dln_version_patch(void);
/** Version string of the library actually linked (static storage). */
DLN_API const char *dln_version_string(void);
/** @} */

/** @name Status codes
 *  Values never change; new codes are appended.
 *  @{ */
/** Result of every fallible function. */
typedef enum dln_status {
    DLN_OK = 0,            /**< success */
    DLN_E_NULL = 1,        /**< a required handle or pointer is NULL */
    DLN_E_DIM = 2,         /**< invalid or mismatched dimensions / indices */
    DLN_E_LD = 3,          /**< a leading dimension is too small */
    DLN_E_NONFINITE = 4,   /**< an input (or a computed result) is NaN or Inf */
    DLN_E_OVERFLOW = 5,    /**< a size exceeds the BLAS integer or address range */
    DLN_E_RANGE = 6,       /**< an option or argument is out of its range */
    DLN_E_NOMEM = 7,       /**< memory allocation failed */
    DLN_E_LAPACK = 8,      /**< a LAPACK routine reported a failure */
    DLN_E_NOCONV = 9,      /**< an iterative method did not converge */
    DLN_E_TOO_LARGE = 10,  /**< a requested dense object is unreasonably large */
    DLN_E_UNSUPPORTED = 11 /**< the request does not apply to this problem */
} dln_status;

/** Static, human-readable text for a status code (never NULL). */
DLN_API const char *dln_strerror(dln_status status);
/** @} */

/** Storage order of a matrix passed to a layer import/export function. */
typedef enum dln_layout {
    DLN_COL_MAJOR = 0, /**< column-major, ld >= rows (BLAS convention) */
    DLN_ROW_MAJOR = 1  /**< row-major (C order), ld >= cols */
} dln_layout;

/** Choice of the hidden orthonormal frames in constructions. */
typedef enum dln_frames {
    DLN_FRAMES_CANONICAL = 0, /**< leading identity columns */
    DLN_FRAMES_RANDOM = 1     /**< Haar-random orthogonal frames from the seed */
} dln_frames;

/* ======================================================================== */
/** @name Network handle
 *  A network stores its widths and its parameter vector theta. Its weights
 *  are always finite: every setter rejects NaN and Inf.
 *  @{ */

/** Opaque deep linear network W_L ... W_1. */
typedef struct dln_net dln_net;

/**
 * Create a network of depth L >= 1 with widths d_0..d_L (all >= 1); all
 * weights are zero.
 * @param out    receives the new handle (unchanged on failure)
 * @param depth  L >= 1
 * @param widths array of L+1 widths d_0 (input) .. d_L (output)
 * @return ::DLN_E_NULL, ::DLN_E_DIM (L = 0 or a zero width),
 *         ::DLN_E_OVERFLOW (a width beyond the BLAS range or n overflows),
 *         ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_net_create(dln_net **out, size_t depth, const size_t *widths);
/** Free a network; NULL is a no-op. */
DLN_API void dln_net_free(dln_net *net);
/** Deep copy of a network (shape and weights) into a new handle. */
DLN_API dln_status dln_net_copy(dln_net **out, const dln_net *src);
/** Depth L (0 if net is NULL). */
DLN_API size_t dln_net_depth(const dln_net *net);
/** Width d_l for l = 0..L (0 if net is NULL or l > L). */
DLN_API size_t dln_net_width(const dln_net *net, size_t l);
/** Number of parameters n = sum_l d_l d_{l-1} (0 if net is NULL). */
DLN_API size_t dln_net_num_params(const dln_net *net);
/**
 * Offset of layer l (1..L) in theta: W_l occupies
 * theta[offset .. offset + d_l d_{l-1}). Returns n for l = L+1 and
 * (size_t)-1 for l = 0, l > L+1 or a NULL net.
 */
DLN_API size_t dln_net_layer_offset(const dln_net *net, size_t l);
/** Detail of the last failure of a function that modified @p net. */
DLN_API const char *dln_net_errmsg(const dln_net *net);

/**
 * Set layer l (1..L) from a d_l x d_{l-1} matrix W.
 * With ::DLN_COL_MAJOR, W[i + j*ld] is entry (i,j) and ld >= d_l; with
 * ::DLN_ROW_MAJOR (an out x in C array), W[i*ld + j] is entry (i,j) and
 * ld >= d_{l-1}. Errors: ::DLN_E_NULL, ::DLN_E_DIM (l out of range),
 * ::DLN_E_LD, ::DLN_E_NONFINITE (the net is unchanged).
 */
DLN_API dln_status dln_net_set_layer(dln_net *net, size_t l, const double *W, size_t ld,
                                     dln_layout layout);
/** Copy layer l (1..L) out; same layout rules as dln_net_set_layer(). */
DLN_API dln_status dln_net_get_layer(const dln_net *net, size_t l, double *W, size_t ld,
                                     dln_layout layout);
/** Set all weights from theta (length n). ::DLN_E_NONFINITE leaves the net unchanged. */
DLN_API dln_status dln_net_set_params(dln_net *net, const double *theta);
/** Copy all weights into theta (length n). */
DLN_API dln_status dln_net_get_params(const dln_net *net, double *theta);

/** Set every weight to zero. */
DLN_API dln_status dln_net_init_zeros(dln_net *net);
/** Independent N(0, scale^2) entries (scale >= 0, finite), from @p seed. */
DLN_API dln_status dln_net_init_gaussian(dln_net *net, double scale, uint64_t seed);
/**
 * Scaled orthogonal initialization: each W_l = scale * Q_l with Q_l having
 * orthonormal columns (d_l >= d_{l-1}) or rows (d_l < d_{l-1}), drawn from the
 * Haar measure with @p seed. scale >= 0, finite.
 */
DLN_API dln_status dln_net_init_orthogonal(dln_net *net, double scale, uint64_t seed);
/** Identity-like initialization: W_l = scale * [I 0; 0 0] (d_l x d_{l-1}). */
DLN_API dln_status dln_net_init_identity(dln_net *net, double scale);
/**
 * Balanced initialization with a prescribed end-to-end matrix (Arora,
 * Cohen, Golowich & Hu 2018, procedure of unregularized.md 11.4).
 *
 * With the thin SVD A = U S V^T (k = rank(A) nonzero singular values):
 * W_1 = [S^{1/L} V^T; 0], W_j = [S^{1/L} 0; 0 0] (1 < j < L),
 * W_L = [U S^{1/L}, 0]; with ::DLN_FRAMES_RANDOM the hidden nodes are
 * rotated by Haar-random O_j (W_j <- O_j W_j O_{j-1}^T) drawn from @p seed.
 * The result satisfies W_{L:1} = A and W_{j+1}^T W_{j+1} = W_j W_j^T
 * (exactly balanced), and every layer has singular values s_i^{1/L}.
 * @param A  d_L x d_0 matrix, column-major, lda >= d_L
 * @return ::DLN_E_DIM if a hidden width is below rank(A) (rank decided
 *         with tolerance max(d_0,d_L) eps ||A||_2), ::DLN_E_LD,
 *         ::DLN_E_NONFINITE, ::DLN_E_LAPACK (SVD failure).
 */
DLN_API dln_status dln_net_init_balanced(dln_net *net, const double *A, size_t lda,
                                         dln_frames frames, uint64_t seed);
/**
 * Balanced initialization from a sampled end-to-end matrix A with i.i.d.
 * N(0, scale^2) entries (then as dln_net_init_balanced() with random frames).
 * Requires min(d_1..d_{L-1}) >= min(d_0, d_L).
 */
DLN_API dln_status dln_net_init_balanced_random(dln_net *net, double scale, uint64_t seed);

/**
 * Partial product W_{j:i} = W_j ... W_i (d_j x d_{i-1}) into @p out
 * (ld >= d_j), for 1 <= i <= L and i-1 <= j <= L; j = i-1 gives the
 * identity. The chain is multiplied starting from its thinner end.
 */
DLN_API dln_status dln_net_product(const dln_net *net, size_t j, size_t i, double *out,
                                   size_t ld);
/** End-to-end matrix P = W_{L:1} (d_L x d_0) into @p P (ld >= d_L). */
DLN_API dln_status dln_net_end_to_end(const dln_net *net, double *P, size_t ld);
/**
 * Forward pass Y = W_{L:1} X for a batch of m samples: X is d_0 x m
 * (ldx >= d_0), Y is d_L x m (ldy >= d_L). Uses whichever order (layer by
 * layer, or P first) needs fewer flops. ::DLN_E_NONFINITE if X has NaN/Inf.
 */
DLN_API dln_status dln_net_forward(const dln_net *net, size_t m, const double *X, size_t ldx,
                                   double *Y, size_t ldy);
/** @} */

/* ======================================================================== */
/** @name Loss handle
 *
 * Squared loss with optional per-layer l2 regularization:
 *
 *     data form:    F(W) = w/2 ||W_{L:1} X - Y||^2   + sum_l lam_l/2 ||W_l||^2
 *     target form:  F(W) = 1/2 ||W_{L:1} - Phi||^2   + sum_l lam_l/2 ||W_l||^2
 *
 * with w = 1 (the sum form of the papers; default) or w = 1/m (mean
 * normalization, dln_loss_set_mean()). At creation the data are summarized
 * once by a Householder QR of [X^T, Y^T] (streamed in blocks, TSQR):
 * [X^T Y^T] = Q [[R, C^T], [0, T]], r0 = ||T||^2, so that
 * F = w/2 ||P R^T - C||^2 + w/2 r0 + reg exactly. The loss value near the
 * optimum of ill-conditioned regressions keeps full relative accuracy (no
 * normal equations), and value, gradient and HVP cost O(L d^3) independent
 * of the sample count m. The target form is R = I, C = Phi, r0 = 0.
 * The loss never keeps a pointer to the caller's arrays.
 *
 * A loss holds scratch space sized for the last network shape it saw: after
 * the first call for a given shape, value, gradient and HVP do not allocate.
 * @{ */

/** Opaque loss (data summary, regularization, scratch). */
typedef struct dln_loss dln_loss;

/** Kind of a loss. */
typedef enum dln_loss_kind {
    DLN_LOSS_DATA = 0,  /**< 1/2 ||P X - Y||^2 from samples */
    DLN_LOSS_TARGET = 1 /**< 1/2 ||P - Phi||^2 (matrix factorization) */
} dln_loss_kind;

/**
 * Supervised loss from data X (d_0 x m, ldx >= d_0, one sample per column)
 * and Y (d_L x m, ldy >= d_L). Any m >= 1, rank-deficient X and m < d_0
 * are allowed. The data are summarized and not retained.
 * @return ::DLN_E_NULL, ::DLN_E_DIM (a zero size), ::DLN_E_LD,
 *         ::DLN_E_NONFINITE, ::DLN_E_OVERFLOW, ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_loss_create_data(dln_loss **out, size_t d0, size_t dL, size_t m,
                                        const double *X, size_t ldx, const double *Y,
                                        size_t ldy);
/**
 * Add m more samples to a data loss (streamed TSQR update of the summary);
 * the result equals a loss created from all samples at once, up to rounding.
 * ::DLN_E_UNSUPPORTED for a target loss.
 */
DLN_API dln_status dln_loss_add_samples(dln_loss *loss, size_t m, const double *X, size_t ldx,
                                        const double *Y, size_t ldy);
/** Matrix-factorization loss 1/2 ||W_{L:1} - Phi||^2, Phi d_L x d_0 (ldphi >= d_L). */
DLN_API dln_status dln_loss_create_target(dln_loss **out, size_t dL, size_t d0,
                                          const double *Phi, size_t ldphi);
/** Free a loss; NULL is a no-op. */
DLN_API void dln_loss_free(dln_loss *loss);
/** Deep copy (summary and options; fresh scratch) for use in another thread. */
DLN_API dln_status dln_loss_copy(dln_loss **out, const dln_loss *src);
/** Detail of the last failure of a function called on @p loss. */
DLN_API const char *dln_loss_errmsg(const dln_loss *loss);
/** Kind of the loss. */
DLN_API dln_loss_kind dln_loss_get_kind(const dln_loss *loss);
/** Input width d_0 the loss expects (0 if NULL). */
DLN_API size_t dln_loss_input_dim(const dln_loss *loss);
/** Output width d_L the loss expects (0 if NULL). */
DLN_API size_t dln_loss_output_dim(const dln_loss *loss);
/** Number of samples m summarized so far (d_0 for a target loss; 0 if NULL). */
DLN_API size_t dln_loss_num_samples(const dln_loss *loss);

/**
 * Per-layer l2 regularization lam_1..lam_L (each finite and >= 0) for
 * networks of depth @p depth; the loss then rejects nets of another depth
 * with ::DLN_E_DIM.
 */
DLN_API dln_status dln_loss_set_l2(dln_loss *loss, size_t depth, const double *lambda);
/** The same l2 coefficient lam >= 0 on every layer, for any depth (0 removes it). */
DLN_API dln_status dln_loss_set_l2_uniform(dln_loss *loss, double lambda);
/**
 * Read the coefficients lam_1..lam_depth that apply to a net of depth
 * @p depth. ::DLN_E_DIM if per-layer coefficients were set for another depth.
 */
DLN_API dln_status dln_loss_get_l2(const dln_loss *loss, size_t depth, double *lambda);
/**
 * Mean normalization: @p mean = 1 multiplies the data term by 1/m (m = total
 * samples), 0 restores the sum form (default, as in the papers).
 * ::DLN_E_UNSUPPORTED for a target loss; ::DLN_E_RANGE for other values.
 */
DLN_API dln_status dln_loss_set_mean(dln_loss *loss, int mean);
/** 1 if mean normalization is on, 0 otherwise. */
DLN_API int dln_loss_get_mean(const dln_loss *loss);
/**
 * The data summary in effect (including mean normalization): R (d_0 x d_0
 * upper triangular, ldr >= d_0), C (d_L x d_0, ldc >= d_L) and r0 with
 * F = 1/2 ||P R^T - C||^2 + r0/2 + reg. Any output pointer may be NULL.
 * For a target loss R = I, C = Phi, r0 = 0.
 */
DLN_API dln_status dln_loss_summary(const dln_loss *loss, double *R, size_t ldr, double *C,
                                    size_t ldc, double *r0);

/**
 * Loss value F(W) at the weights of @p net.
 * Errors: ::DLN_E_NULL, ::DLN_E_DIM (net widths d_0, d_L or depth do not
 * match the loss), ::DLN_E_NONFINITE (the value overflowed), ::DLN_E_NOMEM
 * (first call for a shape only).
 */
DLN_API dln_status dln_loss_value(dln_loss *loss, const dln_net *net, double *value);
/**
 * Value and gradient: grad_l F = W_{L:l+1}^T E W_{l-1:1}^T + lam_l W_l with
 * E = w (P R^T - C) R = w (P X - Y) X^T, in theta layout (length n).
 * About 3L GEMMs along the thinner side (d_0 or d_L) of the chain.
 * @p value may be NULL. The prefix/suffix chains are kept so that a following
 * dln_loss_hvp() at the same weights reuses them.
 */
DLN_API dln_status dln_loss_grad(dln_loss *loss, const dln_net *net, double *value,
                                 double *grad);
/**
 * Hessian-vector product hv = H(W) v for a direction v in theta layout
 * (forward-mode derivative of the gradient chain: 8L GEMMs, 6L when the
 * chains of a dln_loss_grad() or dln_loss_hvp() call at the same weights are
 * reused). ::DLN_E_NONFINITE if v has NaN/Inf.
 */
DLN_API dln_status dln_loss_hvp(dln_loss *loss, const dln_net *net, const double *v,
                                double *hv);
/**
 * Batched HVP: HV[:,j] = H(W) V[:,j] for k directions (V and HV are n x k,
 * ldv, ldhv >= n). The chains are formed once and the products with W_l of
 * all directions run as single wide GEMMs.
 */
DLN_API dln_status dln_loss_hvp_batch(dln_loss *loss, const dln_net *net, size_t k,
                                      const double *V, size_t ldv, double *HV, size_t ldhv);
/** Largest n for which dln_loss_hessian() assembles a dense Hessian. */
#define DLN_HESSIAN_MAX_PARAMS 8192
/**
 * Dense Hessian H (n x n, ldh >= n, symmetric, both triangles filled) for
 * small nets, assembled from n HVPs with cached chains and symmetrized.
 * ::DLN_E_TOO_LARGE if n > ::DLN_HESSIAN_MAX_PARAMS.
 */
DLN_API dln_status dln_loss_hessian(dln_loss *loss, const dln_net *net, double *H, size_t ldh);
/** @} */

/* ======================================================================== */
/** @name Hessian spectra
 *  @{ */

/** Which end of the Hessian spectrum to compute. */
typedef enum dln_eig_which {
    DLN_EIG_SMALLEST = 0, /**< the k algebraically smallest (most negative) eigenvalues */
    DLN_EIG_LARGEST = 1   /**< the k largest eigenvalues */
} dln_eig_which;

/**
 * What dln_loss_hessian_eigs() did. Set struct_size = sizeof(dln_eig_report)
 * before the call; the library fills the fields that fit in struct_size
 * (later versions may append fields).
 */
typedef struct dln_eig_report {
    size_t struct_size;  /**< sizeof(dln_eig_report), set by the caller */
    size_t iterations;   /**< outer iterations: 1 + thick restarts (0 on the dense path) */
    size_t hvps;         /**< Hessian-vector products used (n on the dense path) */
    double max_residual; /**< max_j ||H x_j - theta_j x_j|| / hnorm over the returned pairs
                              (0 if hnorm = 0) */
    double hnorm;        /**< estimate of ||H||_2 that scales the tolerance: the largest
                              |Ritz value| seen (a lower bound; exact on the dense path) */
    int converged;       /**< 1 if every returned pair met the tolerance */
    int dense;           /**< 1 if the dense Hessian and LAPACK dsyevr were used */
} dln_eig_report;

/**
 * The k extreme eigenvalues of the Hessian H(W) of the loss at the weights of
 * @p net, and optionally orthonormal eigenvectors, from Hessian-vector
 * products only.
 *
 * **Method.** For n <= 400 parameters: the dense Hessian (n HVPs, as
 * dln_loss_hessian()) and LAPACK dsyevr, exact to rounding (tol and maxit
 * are ignored). Above: thick-restart block Lanczos with full
 * reorthogonalization. Each step applies H to a block of b directions in one
 * dln_loss_hvp_batch() call, b = k rounded up to a multiple of 8 (at most n):
 * a block of width >= k finds every copy of a repeated eigenvalue among the
 * k wanted ones (a Krylov method of block width b cannot see more than b
 * copies), which matters because Hessians at critical points have large
 * null spaces and clustered spectra. The basis holds m = max(48, 2k + 6b)
 * vectors (at most n); when it is full, the Ritz vectors nearest the wanted
 * end are kept (thick restart). A rank-deficient block (an invariant subspace,
 * e.g. H = 0 at the origin for L >= 3) is completed with random directions,
 * so such cases return after b HVPs. The eigenvalues of
 * either end are found regardless of the sign pattern (indefinite Hessians
 * included).
 *
 * **Cost.** Typically a few hundred HVPs for k = 1 (see docs/spectrum.md for
 * measured counts) plus O(n m^2) flops for the reorthogonalization; memory
 * about n (m + 2b) doubles, allocated once per call (none in the iteration).
 *
 * **Tolerance.** A Ritz pair (theta, x) is accepted when
 * ||H x - theta x|| <= tol * hnorm, hnorm being the estimate of ||H||_2 in
 * the report; then some eigenvalue lies within tol * hnorm of theta, and
 * typically within (tol * hnorm)^2 / gap. The residual is obtained from the
 * Lanczos relation (no extra HVPs) and matches the true one to rounding.
 * Requesting tol far below 1e-13 may not be attainable (::DLN_E_NOCONV).
 * Eigenvalues inside a cluster narrower than tol * hnorm are not resolved
 * individually, but their vectors span the right invariant subspace.
 *
 * **Threads.** @p loss holds the scratch of the HVPs and must not be used by
 * another thread during the call; @p net is only read. The BLAS thread count
 * is not changed. Same seed, same result, bit for bit.
 *
 * @param loss   loss (its HVP scratch is used)
 * @param net    point W at which the Hessian is taken
 * @param which  ::DLN_EIG_SMALLEST (most negative first, ascending) or
 *               ::DLN_EIG_LARGEST (largest first, descending)
 * @param k      number of pairs, 1 <= k <= n
 * @param tol    relative residual tolerance in [0, 1); 0 selects 1e-10
 * @param maxit  cap on outer iterations (thick restarts + 1); 0 selects 1000
 * @param seed   seed of the random start block (and of any random completion)
 * @param evals  k eigenvalues (output)
 * @param evecs  n x k orthonormal eigenvectors in theta layout (output,
 *               column j belongs to evals[j]), or NULL for values only
 * @param ldvec  leading dimension of evecs, >= n (ignored if evecs is NULL)
 * @param report optional details (may be NULL); struct_size must be set
 * @return ::DLN_OK; ::DLN_E_NULL (loss, net or evals NULL), ::DLN_E_DIM (net
 *         does not match the loss, k = 0 or k > n), ::DLN_E_LD (ldvec < n),
 *         ::DLN_E_RANGE (which not a ::dln_eig_which, tol NaN or outside
 *         [0, 1), report->struct_size below sizeof(dln_eig_report) of this
 *         version), ::DLN_E_OVERFLOW, ::DLN_E_NOMEM, ::DLN_E_NONFINITE (an
 *         HVP overflowed), ::DLN_E_LAPACK; ::DLN_E_NOCONV if the tolerance
 *         was not met within maxit outer iterations: the best estimates (Ritz
 *         pairs) are still written and the report has converged = 0. On
 *         argument errors nothing is written.
 */
DLN_API dln_status dln_loss_hessian_eigs(dln_loss *loss, const dln_net *net, dln_eig_which which,
                                         size_t k, double tol, size_t maxit, uint64_t seed,
                                         double *evals, double *evecs, size_t ldvec,
                                         dln_eig_report *report);
/** @} */

/* ---- Landscape analysis (src/critical.c, src/classify.c) ---- */

/* ---- Optimizers (src/opt*.c) ---- */

/* ======================================================================== */
/** @name Optimizers
 *
 * An optimizer handle ::dln_opt runs one method on a (loss, net) pair and
 * updates the weights of the net in place. theta_k denotes the weights after
 * k iterations (theta_0: the weights the run starts from), F_k = F(theta_k),
 * g_k = grad F(theta_k) and ||.|| the Euclidean norm of theta layout. The
 * update formula of every kind is exact: the library computes precisely the
 * stated arithmetic, coordinate by coordinate in double precision (no fused
 * multiply-add is introduced by the library's own updates), so a hand-written
 * loop with dln_loss_grad() reproduces ::DLN_OPT_GD bit for bit.
 *
 * Usage: create a handle for a kind, set options (each setter validates its
 * value at once: ::DLN_E_RANGE, and ::DLN_E_UNSUPPORTED for an option that
 * the kind does not use), then call dln_opt_run() (until a stop test fires)
 * or dln_opt_step() (one iteration). Stop tests, the progress callback, the
 * history and the run report make the run observable; the library never
 * prints. docs/optimizers.md states every update formula and default.
 *
 * Threads: a handle holds scratch space and the state of the method; use one
 * handle per thread (dln_opt_copy()), each with its own loss and net.
 * @{ */

/** Opaque optimizer (kind, options, method state, scratch). */
typedef struct dln_opt dln_opt;

/** Optimization method. Values are fixed. */
typedef enum dln_opt_kind {
    /** Gradient descent, fixed step eta: theta_{k+1} = theta_k - eta g_k. */
    DLN_OPT_GD = 0,
    /** Gradient descent with Armijo backtracking: t = eta, then t <- shrink t
     *  until F(theta_k - t g_k) <= F_k - c1 t ||g_k||^2 and F(theta_k - t g_k) < F_k;
     *  theta_{k+1} = theta_k - t g_k. */
    DLN_OPT_GD_ARMIJO = 1,
    /** Heavy-ball momentum (Polyak): v_{k+1} = beta v_k - eta g_k,
     *  theta_{k+1} = theta_k + v_{k+1}, v_0 = 0. */
    DLN_OPT_HEAVY_BALL = 2,
    /** Nesterov acceleration, look-ahead form: b_{k+1} = beta b_k + g_k,
     *  theta_{k+1} = theta_k - eta (g_k + beta b_{k+1}), b_0 = 0 (the net holds
     *  the points where the gradient is evaluated). */
    DLN_OPT_NESTEROV = 3,
    /** Adam (Kingma & Ba), bias-corrected; a heuristic that does not follow
     *  the convergence theory of gradient descent (see docs/optimizers.md). */
    DLN_OPT_ADAM = 4,
    /** L-BFGS (two-loop recursion, memory m) with a line search satisfying
     *  the strong Wolfe conditions. */
    DLN_OPT_LBFGS = 5,
    /** L-BFGS with second-order saddle escapes: where ||g_k|| is small and
     *  the smallest Hessian eigenvalue mu is negative, step along its
     *  eigenvector instead (see dln_opt_set_escape()). */
    DLN_OPT_LBFGS_ESCAPE = 6
} dln_opt_kind;

/** Why a run stopped (or what dln_opt_step() detected). Values are fixed. */
typedef enum dln_stop {
    DLN_STOP_NONE = 0,         /**< no stop test fired */
    DLN_STOP_GRAD_TOL = 1,     /**< ||g_k|| <= grad_tol (converged) */
    DLN_STOP_LOSS_REL_TOL = 2, /**< |F_k - F_{k-1}| <= loss_rel_tol max(|F_k|, |F_{k-1}|) */
    DLN_STOP_LOSS_ABS_TOL = 3, /**< |F_k - F_{k-1}| <= loss_abs_tol */
    DLN_STOP_STEP_TOL = 4,     /**< ||theta_k - theta_{k-1}|| <= step_tol */
    DLN_STOP_MAX_ITER = 5,     /**< max_iter iterations done */
    DLN_STOP_CALLBACK = 6,     /**< the progress callback returned nonzero */
    /** a new iterate, its loss or its gradient was NaN/Inf; the net was put
     *  back to the last finite iterate theta_k and the state was reset */
    DLN_STOP_NONFINITE = 7,
    /** F_k > divergence F_0 (see dln_opt_set_divergence()); theta_k is kept */
    DLN_STOP_DIVERGED = 8,
    /** the line search found no acceptable step (typically: the decrease is
     *  below the rounding level of F); the net is left at theta_k */
    DLN_STOP_LINE_SEARCH = 9
} dln_stop;

/** Static name of a kind ("gd", "gd-armijo", ...; "unknown" otherwise). */
DLN_API const char *dln_opt_kind_name(dln_opt_kind kind);
/** Static name of a stop reason ("grad-tol", "max-iter", ...; "unknown" otherwise). */
DLN_API const char *dln_stop_name(dln_stop stop);

/**
 * State of a run handed to the progress callback (set by the library;
 * struct_size = sizeof(dln_progress) of the library, fields may be added at
 * the end).
 */
typedef struct dln_progress {
    size_t struct_size;   /**< sizeof(dln_progress) of the library */
    dln_opt_kind kind;    /**< method */
    size_t iteration;     /**< k: iterations done (0: the starting point) */
    double loss;          /**< F_k */
    double grad_norm;     /**< ||g_k|| */
    double step_norm;     /**< ||theta_k - theta_{k-1}|| (0 for k = 0; NaN if unknown,
                               e.g. in the final call after a failed step) */
    double step_size;     /**< step length t used for iteration k (eta, line-search t, escape t; 0 for k = 0) */
    double elapsed;       /**< seconds since the run started (monotonic clock) */
    int escape;           /**< 1 if theta_k came from a saddle-escape step */
    double min_eig;       /**< the eigenvalue mu of that escape, else NaN */
} dln_progress;

/**
 * Progress callback: called with the state after iteration k (see
 * dln_opt_set_callback()). A nonzero return stops the run with
 * ::DLN_STOP_CALLBACK (not an error). The callback must not modify or free
 * the optimizer, the loss or the net of the run.
 */
typedef int (*dln_progress_fn)(const dln_progress *progress, void *user);

/**
 * Quantities a history can record, one column each (see
 * dln_opt_set_metrics()). Values are fixed; 0..15 are optimizer metrics,
 * values from 16 on are reserved for the landscape metrics of the
 * error-bound module (distance to the critical set, error-bound ratio,
 * balancedness). The cost is per recorded row.
 */
typedef enum dln_metric {
    DLN_METRIC_LOSS = 0,      /**< F_k (free) */
    DLN_METRIC_GRAD_NORM = 1, /**< ||g_k|| (free) */
    DLN_METRIC_STEP_NORM = 2, /**< ||theta_k - theta_{k-1}||, 0 at k = 0 (one pass over 2 vectors of length n) */
    DLN_METRIC_STEP_SIZE = 3, /**< step length t of iteration k, 0 at k = 0 (free) */
    DLN_METRIC_TIME = 4       /**< seconds since the start of the run (one clock read) */
} dln_metric;

/** Largest number of history columns. */
#define DLN_METRIC_MAX_COLUMNS 16

/**
 * Report of a run (or of the dln_opt_step() calls since the last reset).
 * Set struct_size = sizeof(dln_opt_report) before passing it; the library
 * writes only the fields that fit in struct_size bytes.
 */
typedef struct dln_opt_report {
    size_t struct_size;     /**< sizeof(dln_opt_report), set by the caller */
    dln_opt_kind kind;      /**< method */
    dln_stop stop;          /**< why the run stopped */
    size_t iterations;      /**< iterations done (accepted steps, escapes included) */
    size_t value_evals;     /**< evaluations of F alone (backtracking and escape trials) */
    size_t grad_evals;      /**< evaluations of F and grad F (the starting point included) */
    size_t hvp_evals;       /**< Hessian-vector products (eigensolver of the escape kind) */
    double initial_loss;    /**< F_0 */
    double initial_grad_norm; /**< ||g_0|| */
    double loss;            /**< F at the final iterate */
    double grad_norm;       /**< ||grad F|| at the final iterate */
    /** observed linear rate: exp(slope) of the least-squares line through
     *  log ||g_j|| over the last rate_window iterates (NaN if fewer than 2
     *  iterates or a zero gradient norm among them); ||g_k|| ~ rate^k */
    double rate;
    size_t rate_window;     /**< number of iterates the rate was fitted on */
    double elapsed;         /**< seconds of the run (monotonic clock); after single
                                 steps: since the state started, until the report is read */
    size_t escapes;         /**< saddle escapes done (::DLN_OPT_LBFGS_ESCAPE) */
    /** smallest Hessian eigenvalue at the last second-order check
     *  (::DLN_OPT_LBFGS_ESCAPE; NaN if none was made) */
    double min_eig;
    size_t history_rows;    /**< rows written to the history */
} dln_opt_report;

/**
 * One saddle escape (see dln_opt_get_escape()): at theta_k with smallest
 * Hessian eigenvalue mu < 0 and unit eigenvector v, theta_{k+1} =
 * theta_k + t sigma v with sigma = +1 or -1.
 */
typedef struct dln_escape_info {
    size_t struct_size;   /**< sizeof(dln_escape_info), set by the caller */
    size_t iteration;     /**< k + 1: the iterate the escape produced */
    double eigenvalue;    /**< mu < 0 */
    double grad_norm;     /**< ||g_k|| at the saddle */
    double loss_before;   /**< F_k */
    double loss_after;    /**< F_{k+1} */
    double step;          /**< t sigma (signed distance moved along v) */
} dln_escape_info;

/** Number of escapes kept for dln_opt_get_escape() (later ones are counted only). */
#define DLN_OPT_ESCAPE_LOG 64

/**
 * Create an optimizer of the given kind with the default options of
 * docs/optimizers.md (step 1e-2, max_iter 1000, grad_tol 1e-8, other
 * tolerances off, divergence 1e8, momentum 0.9, Adam betas 0.9/0.999 and
 * eps 1e-8, Armijo c1 1e-4 and shrink 0.5, Wolfe c1 1e-4 and c2 0.9,
 * memory 10, escape thresholds 1e-4/1e-6, seed 0, rate window 10,
 * history columns {loss, grad norm}, no internal history, no callback).
 * @return ::DLN_E_NULL, ::DLN_E_RANGE (unknown kind), ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_opt_create(dln_opt **out, dln_opt_kind kind);
/** Free an optimizer; NULL is a no-op. */
DLN_API void dln_opt_free(dln_opt *opt);
/** New handle with the kind, options, callback and history settings of
 *  @p src; its method state is fresh and its history empty. */
DLN_API dln_status dln_opt_copy(dln_opt **out, const dln_opt *src);
/** Detail of the last failure of a function called on @p opt. */
DLN_API const char *dln_opt_errmsg(const dln_opt *opt);
/** Kind of the optimizer (DLN_OPT_GD if NULL). */
DLN_API dln_opt_kind dln_opt_get_kind(const dln_opt *opt);

/** Step size eta > 0, finite: the step of GD and the momentum methods, the
 *  learning rate of Adam, the first trial step of Armijo backtracking (each
 *  iteration) and of the first L-BFGS iteration (later ones try t = 1). */
DLN_API dln_status dln_opt_set_step(dln_opt *opt, double eta);
/** Step size (NaN if NULL). */
DLN_API double dln_opt_get_step(const dln_opt *opt);
/** Iteration cap of dln_opt_run() (any value; 0 only evaluates theta_0). */
DLN_API dln_status dln_opt_set_max_iter(dln_opt *opt, size_t max_iter);
/** Iteration cap (0 if NULL). */
DLN_API size_t dln_opt_get_max_iter(const dln_opt *opt);
/** Gradient test ||g_k|| <= tol (tol >= 0, finite; 0 disables). */
DLN_API dln_status dln_opt_set_grad_tol(dln_opt *opt, double tol);
/** Gradient tolerance (NaN if NULL). */
DLN_API double dln_opt_get_grad_tol(const dln_opt *opt);
/** Relative loss-change test |F_k - F_{k-1}| <= tol max(|F_k|, |F_{k-1}|)
 *  (tol >= 0, finite; 0 disables). */
DLN_API dln_status dln_opt_set_loss_rel_tol(dln_opt *opt, double tol);
/** Relative loss-change tolerance (NaN if NULL). */
DLN_API double dln_opt_get_loss_rel_tol(const dln_opt *opt);
/** Absolute loss-change test |F_k - F_{k-1}| <= tol (tol >= 0, finite; 0 disables). */
DLN_API dln_status dln_opt_set_loss_abs_tol(dln_opt *opt, double tol);
/** Absolute loss-change tolerance (NaN if NULL). */
DLN_API double dln_opt_get_loss_abs_tol(const dln_opt *opt);
/** Step test ||theta_k - theta_{k-1}|| <= tol (tol >= 0, finite; 0 disables). */
DLN_API dln_status dln_opt_set_step_tol(dln_opt *opt, double tol);
/** Step tolerance (NaN if NULL). */
DLN_API double dln_opt_get_step_tol(const dln_opt *opt);
/** Divergence test F_k > factor F_0 (checked when F_0 > 0); factor > 1, and
 *  +Inf disables it. */
DLN_API dln_status dln_opt_set_divergence(dln_opt *opt, double factor);
/** Divergence factor (NaN if NULL). */
DLN_API double dln_opt_get_divergence(const dln_opt *opt);

/** Momentum beta in [0, 1) for ::DLN_OPT_HEAVY_BALL and ::DLN_OPT_NESTEROV
 *  (::DLN_E_UNSUPPORTED for other kinds). */
DLN_API dln_status dln_opt_set_momentum(dln_opt *opt, double beta);
/** Momentum (NaN if NULL). */
DLN_API double dln_opt_get_momentum(const dln_opt *opt);
/** Adam moment decay rates beta1, beta2 in [0, 1) (::DLN_OPT_ADAM only). */
DLN_API dln_status dln_opt_set_betas(dln_opt *opt, double beta1, double beta2);
/** Adam moment decay rates; either pointer may be NULL. */
DLN_API dln_status dln_opt_get_betas(const dln_opt *opt, double *beta1, double *beta2);
/** Adam denominator offset eps > 0, finite (::DLN_OPT_ADAM only). */
DLN_API dln_status dln_opt_set_adam_eps(dln_opt *opt, double eps);
/** Adam eps (NaN if NULL). */
DLN_API double dln_opt_get_adam_eps(const dln_opt *opt);
/** Armijo constant c1 in (0, 1) and backtracking factor shrink in (0, 1)
 *  (::DLN_OPT_GD_ARMIJO; ::DLN_OPT_LBFGS_ESCAPE uses them for its escape
 *  search). */
DLN_API dln_status dln_opt_set_armijo(dln_opt *opt, double c1, double shrink);
/** Armijo constants; either pointer may be NULL. */
DLN_API dln_status dln_opt_get_armijo(const dln_opt *opt, double *c1, double *shrink);
/** Wolfe constants 0 < c1 < c2 < 1 of the L-BFGS line search
 *  (::DLN_OPT_LBFGS, ::DLN_OPT_LBFGS_ESCAPE). */
DLN_API dln_status dln_opt_set_wolfe(dln_opt *opt, double c1, double c2);
/** Wolfe constants; either pointer may be NULL. */
DLN_API dln_status dln_opt_get_wolfe(const dln_opt *opt, double *c1, double *c2);
/** L-BFGS memory: number m of kept (s, y) pairs, 1 <= m <= 1000
 *  (::DLN_OPT_LBFGS, ::DLN_OPT_LBFGS_ESCAPE). */
DLN_API dln_status dln_opt_set_memory(dln_opt *opt, size_t m);
/** L-BFGS memory (0 if NULL). */
DLN_API size_t dln_opt_get_memory(const dln_opt *opt);
/**
 * Saddle-escape thresholds (::DLN_OPT_LBFGS_ESCAPE only): the smallest
 * Hessian eigenvalue mu is computed (dln_loss_hessian_eigs()) when
 * ||g_k|| <= grad_threshold, once on entering that region, and again before
 * the gradient test may declare convergence; an escape is made when
 * mu < -curv_tol ||H|| and mu^2 >= ||g_k|| ||H|| (||H||: the solver's norm
 * estimate; the second test keeps the zero modes of a minimizer's orbit,
 * which dip below zero by O(||g_k||) near it, from triggering escapes).
 * Both > 0, finite.
 */
DLN_API dln_status dln_opt_set_escape(dln_opt *opt, double grad_threshold, double curv_tol);
/** Saddle-escape thresholds; either pointer may be NULL. */
DLN_API dln_status dln_opt_get_escape(const dln_opt *opt, double *grad_threshold,
                                      double *curv_tol);
/** Seed of the eigensolver start vectors (::DLN_OPT_LBFGS_ESCAPE only; the
 *  other kinds are deterministic). */
DLN_API dln_status dln_opt_set_seed(dln_opt *opt, uint64_t seed);
/** Seed (0 if NULL). */
DLN_API uint64_t dln_opt_get_seed(const dln_opt *opt);
/** Number of last iterates (2..100000) the report's rate is fitted on. */
DLN_API dln_status dln_opt_set_rate_window(dln_opt *opt, size_t window);
/** Rate window (0 if NULL). */
DLN_API size_t dln_opt_get_rate_window(const dln_opt *opt);

/**
 * Progress callback of dln_opt_run(), called for the starting point (k = 0),
 * after every iteration k with k % every == 0, after every escape, and for
 * the final iterate. @p fn NULL removes it; every >= 1. The handle keeps
 * @p fn and @p user (not owned) until they are replaced.
 */
DLN_API dln_status dln_opt_set_callback(dln_opt *opt, dln_progress_fn fn, void *user,
                                        size_t every);
/**
 * History columns: k metrics (1 <= k <= ::DLN_METRIC_MAX_COLUMNS, each a
 * known ::dln_metric). Row j of a history holds the metrics of iterate j.
 * ::DLN_E_RANGE for an unknown metric or a bad k.
 */
DLN_API dln_status dln_opt_set_metrics(dln_opt *opt, size_t k, const dln_metric *metrics);
/** Current history columns into @p metrics (room for ::DLN_METRIC_MAX_COLUMNS
 *  entries, may be NULL); returns their number (0 if opt is NULL). */
DLN_API size_t dln_opt_get_metrics(const dln_opt *opt, dln_metric *metrics);
/**
 * Internal history of dln_opt_run(): room for @p rows rows (allocated now;
 * 0 frees it and turns the internal history off). Iterates beyond the room
 * are not recorded (report.history_rows tells how many were).
 */
DLN_API dln_status dln_opt_set_history(dln_opt *opt, size_t rows);
/** Rows recorded by the last dln_opt_run() (0 if NULL). */
DLN_API size_t dln_opt_history_rows(const dln_opt *opt);
/**
 * Copy the internal history out: H is rows x k (column-major, ldh >= rows,
 * rows = dln_opt_history_rows(), k = number of metrics), H[j + c*ldh] =
 * metric c of iterate j. ::DLN_E_LD if ldh < rows.
 */
DLN_API dln_status dln_opt_get_history(const dln_opt *opt, double *H, size_t ldh);

/**
 * Run the method from the current weights of @p net until a stop test fires,
 * updating @p net in place; the method state starts fresh (zero momentum,
 * empty L-BFGS memory). Each iteration: the step of the kind, then, on the
 * new iterate, the tests in the order non-finite, divergence, gradient,
 * absolute and relative loss change, step, callback, max_iter; the first
 * that fires is the stop reason. The gradient test also applies to theta_0
 * and max_iter = 0 stops at theta_0. The history (if enabled) is recorded.
 * A stop is not an error: the status is ::DLN_OK whatever the stop reason.
 * @param report optional (may be NULL; struct_size must be set)
 * @return ::DLN_E_NULL, ::DLN_E_DIM (net and loss shapes differ: message of
 *         the loss copied to the optimizer), ::DLN_E_NONFINITE (F or grad F
 *         is not finite at theta_0), ::DLN_E_OVERFLOW, ::DLN_E_NOMEM,
 *         ::DLN_E_RANGE (report->struct_size too small), and errors of the
 *         eigensolver for ::DLN_OPT_LBFGS_ESCAPE (the net then holds the last
 *         iterate).
 */
DLN_API dln_status dln_opt_run(dln_opt *opt, dln_loss *loss, dln_net *net,
                               dln_opt_report *report);
/**
 * dln_opt_run() recording into a caller buffer instead of the internal
 * history: H is rows x k (ldh >= rows, k = number of metrics), row j =
 * iterate j; rows beyond the run are untouched, iterates beyond @p rows are
 * not recorded.
 */
DLN_API dln_status dln_opt_run_history(dln_opt *opt, dln_loss *loss, dln_net *net, double *H,
                                       size_t ldh, size_t rows, dln_opt_report *report);
/**
 * One iteration from the current weights of @p net. The method state carries
 * over from the previous dln_opt_step() or dln_opt_run() when the same loss
 * and net are passed and the weights are bit for bit those that call left
 * (checked in one pass over the weights, fused with the update for the
 * element-wise kinds); otherwise it restarts. Call dln_opt_reset() after
 * changing the loss itself (e.g. its regularization) between steps.
 * The stop tests except max_iter and the callback are applied to the new
 * iterate; the reason goes to @p stop (may be NULL), ::DLN_STOP_NONE if
 * none fired. No history is recorded. Errors as dln_opt_run().
 */
DLN_API dln_status dln_opt_step(dln_opt *opt, dln_loss *loss, dln_net *net, dln_stop *stop);
/** Forget the method state: the next dln_opt_step() starts fresh. */
DLN_API dln_status dln_opt_reset(dln_opt *opt);
/** Report of the last run, or of the dln_opt_step() calls since the state
 *  last restarted (report->struct_size must be set). */
DLN_API dln_status dln_opt_get_report(const dln_opt *opt, dln_opt_report *report);
/**
 * Escape number i (0-based, i < min(report.escapes, ::DLN_OPT_ESCAPE_LOG))
 * of the last run. info->struct_size must be set.
 * @return ::DLN_E_NULL, ::DLN_E_RANGE (no such escape or bad struct_size).
 */
DLN_API dln_status dln_opt_get_escape_info(const dln_opt *opt, size_t i, dln_escape_info *info);
/** @} */

/* ---- Error bounds and metrics (src/errbound.c, src/metrics.c) ---- */

#ifdef __cplusplus
}
#endif
#endif /* DLNET_H */
