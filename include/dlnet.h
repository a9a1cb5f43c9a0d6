/**
 * @file dlnet.h
 * @brief libdlnet: deep linear networks x -> W_L ... W_1 x, their losses,
 *        exact derivatives, landscape analysis and optimizers.
 *
 * This is the only public header of libdlnet and its reference documentation.
 * docs/README.md lists the guides; references such as "regularized.md 2.3" or
 * "unregularized.md §11" point to the specification in docs/spec/, and
 * docs/math.md cites the papers and says where the library differs from it.
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
 *   finite input) the contents of output buffers are unspecified. The
 *   handle on which the function operates (the loss for loss functions,
 *   the optimizer for optimizer functions, the net for functions that
 *   modify it) keeps a one-line detail retrievable with
 *   dln_net_errmsg(), dln_loss_errmsg(), ...  Functions that take only
 *   `const` handles report through the status code alone
 *   (see dln_strerror()), except the summary readers and writers
 *   (dln_loss_decode(), dln_loss_load(), dln_loss_save()), which write the
 *   detail into an optional caller buffer.
 * - **Ownership.** The caller owns every array it passes. Inputs are read
 *   during the call only; handles never keep pointers to caller memory; the
 *   library never returns memory for the caller to free.
 * - **Handles.** Four opaque handles: ::dln_net (widths and weights),
 *   ::dln_loss (data summary, l2 coefficients, scratch), ::dln_landscape
 *   (closed-form analysis of one loss and one network shape) and ::dln_opt
 *   (an optimizer). Constructors write the new handle through an out-pointer
 *   (unchanged on failure); every `*_free()` accepts NULL; `*_copy()` makes
 *   an independent deep copy. Options are typed setters validated when set
 *   (::DLN_E_RANGE; the old value is kept).
 * - **Names.** Functions are `dln_FAMILY_WHAT`, the family being the
 *   handle they act on (net, loss, landscape, opt) or, for the scalar
 *   theory without a handle, critical. Options are `set_`/`get_` pairs,
 *   validated when set. Intrinsic properties and held data are bare nouns
 *   (dln_loss_num_samples(), dln_opt_history_rows(), dln_opt_history());
 *   dln_loss_get_kind() and dln_opt_get_kind() keep `get_` because the bare
 *   names are the enum types. A `_report` struct is the result of a
 *   computation, filled by the call that computes it; an `_info` struct
 *   describes a thing (a landscape, a root, an orbit, an escape).
 * - **Report structs** (dln_eig_report, dln_class_report, dln_opt_report,
 *   ...) start with `size_t struct_size`, which the caller sets to
 *   sizeof(the struct) before the call. Fields are only ever appended. Every
 *   function that fills a report accepts any struct_size at least the size of
 *   the struct's first version (the macro next to it, e.g.
 *   ::DLN_CLASS_REPORT_V1_SIZE),
 *   fills exactly the fields that fit in struct_size, and never writes
 *   struct_size itself or any byte past it: a program built against an older
 *   header keeps working, and one built against a newer header gets the
 *   fields this library knows. A smaller struct_size is ::DLN_E_RANGE.
 *   dln_progress and dln_summary_progress are the exception: the library
 *   fills them, struct_size included, for the progress callbacks.
 * - **Threads.** The library has no global mutable state. A `const dln_net`
 *   may be shared by threads. A ::dln_loss, a ::dln_landscape or a ::dln_opt
 *   holds scratch space and must be used by one thread at a time (copy it for
 *   each thread, or create one per thread). Functions that take only `const`
 *   handles may run concurrently on the same handles. The library never
 *   changes the BLAS thread count.
 * - **Randomness.** Every randomized routine takes an explicit 64-bit seed;
 *   the same seed gives the same result, bit for bit, on one machine.
 * - **Sizes** are `size_t`; every dimension and leading dimension must fit
 *   the BLAS integer type, and every caller array (ld times its columns, in
 *   bytes) the address range, PTRDIFF_MAX (::DLN_E_OVERFLOW otherwise,
 *   checked before any array is touched). The sample count m of a data loss
 *   and the leading dimensions of its X and Y are the exception to the
 *   first rule: samples are streamed into the summary in bounded blocks, so
 *   only the array sizes ld * m * sizeof(double) must fit.
 */
#ifndef DLNET_H
#define DLNET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* DLN_API marks the exported functions (the library is built with hidden
 * visibility); not part of the documented API. */
/** @cond */
#if defined(__GNUC__) || defined(__clang__)
#define DLN_API __attribute__((visibility("default")))
#else
#define DLN_API
#endif
/** @endcond */

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
    DLN_E_UNSUPPORTED = 11, /**< the request does not apply to this problem */
    DLN_E_IO = 12,         /**< a file could not be opened, read or written */
    DLN_E_FORMAT = 13      /**< a summary file or buffer is malformed, truncated or corrupted */
} dln_status;

/** Static, human-readable text for a status code (never NULL). */
DLN_API const char *dln_strerror(dln_status status);
/** @} */

/** Bytes of struct `type` up to and including `field`: the size of the
 *  version of a report struct whose last field is `field`. */
#define DLN_SIZE_THROUGH(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

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
 *         ::DLN_E_OVERFLOW (a width beyond the BLAS range, depth > 2^20,
 *         or n overflows),
 *         ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_net_create(dln_net **out, size_t depth, const size_t *widths);
/** Free a network; NULL is a no-op. */
DLN_API void dln_net_free(dln_net *net);
/** Deep copy of a network (shape and weights) into a new handle *out
 *  (unchanged on failure). Errors: ::DLN_E_NULL, ::DLN_E_NOMEM. */
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
 * ld >= d_{l-1}. Padding entries (rows d_l..ld-1, or columns d_{l-1}..ld-1)
 * are never read. Errors: ::DLN_E_NULL, ::DLN_E_DIM (l out of range),
 * ::DLN_E_RANGE (layout), ::DLN_E_LD, ::DLN_E_OVERFLOW (ld beyond the BLAS
 * range), ::DLN_E_NONFINITE; the net is unchanged on every error.
 */
DLN_API dln_status dln_net_set_layer(dln_net *net, size_t l, const double *W, size_t ld,
                                     dln_layout layout);
/** Copy layer l (1..L) out; same layout rules as dln_net_set_layer().
 *  Padding entries of @p W are not written. Errors: ::DLN_E_NULL,
 *  ::DLN_E_DIM (l out of range), ::DLN_E_RANGE (layout), ::DLN_E_LD,
 *  ::DLN_E_OVERFLOW (ld); nothing is written on error. */
DLN_API dln_status dln_net_get_layer(const dln_net *net, size_t l, double *W, size_t ld,
                                     dln_layout layout);
/** Set all weights from theta (length n). Errors: ::DLN_E_NULL,
 *  ::DLN_E_NONFINITE (the net is unchanged). */
DLN_API dln_status dln_net_set_params(dln_net *net, const double *theta);
/** Copy all weights into theta (length n). Errors: ::DLN_E_NULL. */
DLN_API dln_status dln_net_get_params(const dln_net *net, double *theta);

/** Set every weight to zero. Errors: ::DLN_E_NULL. */
DLN_API dln_status dln_net_init_zeros(dln_net *net);
/** Independent N(0, scale^2) entries (scale >= 0, finite), from @p seed.
 *  Errors: ::DLN_E_NULL, ::DLN_E_RANGE (scale; the net is unchanged). */
DLN_API dln_status dln_net_init_gaussian(dln_net *net, double scale, uint64_t seed);
/**
 * Scaled orthogonal initialization: each W_l = scale * Q_l with Q_l having
 * orthonormal columns (d_l >= d_{l-1}) or rows (d_l < d_{l-1}), drawn from the
 * Haar measure with @p seed. scale >= 0, finite.
 * Errors: ::DLN_E_NULL, ::DLN_E_RANGE (scale), ::DLN_E_NOMEM,
 * ::DLN_E_LAPACK (QR failure); on every error the net is unchanged.
 */
DLN_API dln_status dln_net_init_orthogonal(dln_net *net, double scale, uint64_t seed);
/** Identity-like initialization: W_l = scale * [I 0; 0 0] (d_l x d_{l-1}).
 *  Errors: ::DLN_E_NULL, ::DLN_E_RANGE (scale >= 0, finite). */
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
 * @param net    the network whose weights are replaced (its widths are kept)
 * @param A      d_L x d_0 matrix, column-major
 * @param lda    leading dimension of A, lda >= d_L
 * @param frames ::DLN_FRAMES_CANONICAL or ::DLN_FRAMES_RANDOM
 * @param seed   seed of the random frames (unused for canonical frames)
 * @return ::DLN_E_NULL, ::DLN_E_DIM if a hidden width is below rank(A)
 *         (rank decided with tolerance max(d_0,d_L) eps ||A||_2),
 *         ::DLN_E_LD, ::DLN_E_OVERFLOW (lda), ::DLN_E_RANGE (frames),
 *         ::DLN_E_NONFINITE, ::DLN_E_NOMEM, ::DLN_E_LAPACK (SVD failure).
 *         The net is unchanged on every error.
 */
DLN_API dln_status dln_net_init_balanced(dln_net *net, const double *A, size_t lda,
                                         dln_frames frames, uint64_t seed);
/**
 * Balanced initialization from a sampled end-to-end matrix A with i.i.d.
 * N(0, scale^2) entries (then as dln_net_init_balanced() with random frames).
 * Requires min(d_1..d_{L-1}) >= min(d_0, d_L) (::DLN_E_DIM otherwise).
 * Errors: ::DLN_E_NULL, ::DLN_E_RANGE (scale >= 0, finite), ::DLN_E_DIM,
 * ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_net_init_balanced_random(dln_net *net, double scale, uint64_t seed);

/**
 * Partial product W_{j:i} = W_j ... W_i (d_j x d_{i-1}) into @p out
 * (ld >= d_j), for 1 <= i <= L and i-1 <= j <= L; j = i-1 gives the
 * identity. The chain is multiplied starting from its thinner end.
 * Errors: ::DLN_E_NULL, ::DLN_E_DIM (i, j), ::DLN_E_LD, ::DLN_E_OVERFLOW
 * (ld), ::DLN_E_NOMEM, ::DLN_E_NONFINITE (the product of finite weights
 * overflowed; @p out is then unspecified). Rows d_j..ld-1 of @p out are not
 * written.
 */
DLN_API dln_status dln_net_product(const dln_net *net, size_t j, size_t i, double *out,
                                   size_t ld);
/** End-to-end matrix P = W_{L:1} (d_L x d_0) into @p P (ld >= d_L).
 *  Errors as dln_net_product(). */
DLN_API dln_status dln_net_end_to_end(const dln_net *net, double *P, size_t ld);
/**
 * Forward pass Y = W_{L:1} X for a batch of m samples: X is d_0 x m
 * (ldx >= d_0), Y is d_L x m (ldy >= d_L). Uses whichever order (layer by
 * layer, or P first) needs fewer flops. Errors: ::DLN_E_NULL, ::DLN_E_DIM
 * (m = 0), ::DLN_E_LD, ::DLN_E_OVERFLOW (m, ldx or ldy beyond the BLAS
 * range), ::DLN_E_NONFINITE (X has NaN/Inf, or the product overflowed: Y is
 * then unspecified), ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_net_forward(const dln_net *net, size_t m, const double *X, size_t ldx,
                                   double *Y, size_t ldy);

/**
 * Make layer l (1..L) a linear residual layer, W_l = I + A_l (@p on = 1),
 * or a plain one again (@p on = 0); the layer must be square
 * (d_l = d_{l-1}). The layer's parameters in theta become A_l = W_l - I
 * (on) or W_l (off): the network function is unchanged up to rounding.
 *
 * For a residual layer theta, dln_net_set_layer(), dln_net_get_layer(),
 * dln_net_set_params(), dln_net_get_params() and the initializers
 * zeros/gaussian/orthogonal/identity hold A_l (so dln_net_init_zeros() gives
 * W_l = I); dln_net_init_balanced() and dln_net_init_balanced_random() set
 * the weights W_l (A_l = W_l - I). Products, the forward pass, loss values,
 * gradients, HVPs, dense Hessians, Hessian eigenvalues, slices and every
 * optimizer act on A_l: since dW_l/dA_l = I, the gradient and Hessian in
 * A_l are those of the plain net at W_l = I + A_l, except the weight decay,
 * lam_l/2 ||A_l||^2 (gradient lam_l A_l). The closed-form landscape
 * functions, the error-bound and balancedness functions and the metrics of
 * the convergence theorems read W_l and return ::DLN_E_UNSUPPORTED for a
 * residual net (docs/residual.md says which answers carry over through the
 * translation A_l = W_l - I).
 * @return ::DLN_E_NULL, ::DLN_E_DIM (l out of range, or a non-square layer
 *         with on = 1), ::DLN_E_RANGE (on not 0 or 1), ::DLN_E_NOMEM; the net
 *         is unchanged on error.
 */
DLN_API dln_status dln_net_set_residual(dln_net *net, size_t l, int on);
/** 1 if layer l is residual (W_l = I + A_l), 0 otherwise (also for a NULL
 *  net or l outside 1..L). */
DLN_API int dln_net_get_residual(const dln_net *net, size_t l);
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
 * once by a QR factorization of [X^T, Y^T], streamed in blocks (Householder
 * TSQR, or a Cholesky update preconditioned by the factor so far where that
 * is as accurate; docs/derivatives.md section 2):
 * [X^T Y^T] = Q [[R, C^T], [0, T]], r0 = ||T||^2, so that
 * F = w/2 ||P R^T - C||^2 + w/2 r0 + reg exactly. Near the optimum the loss
 * value keeps a relative error of about eps ||Y|| / ||P X - Y|| (backward
 * stable; the normal equations XX^T, YX^T, ||Y||^2 give the square of that
 * and lose all digits on nearly exact fits; docs/derivatives.md), and value,
 * gradient and HVP cost O(L d^3) independent of the sample count m. The target form is R = I, C = Phi, r0 = 0.
 * The loss never keeps a pointer to the caller's arrays.
 *
 * A loss holds scratch space sized for the last network shape it saw: after
 * the first call for a given shape, value, gradient and HVP do not allocate.
 * The HVP's part of it (the tangents of up to 8 directions) is allocated by
 * the first HVP, so that a loss used for values and gradients only holds
 * none (docs/performance.md, "Memory"); that call can fail with
 * ::DLN_E_NOMEM, leaving the loss as it was.
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
 * are allowed. The data are summarized and not retained; *out is unchanged
 * on failure.
 * @return ::DLN_E_NULL, ::DLN_E_DIM (a zero size), ::DLN_E_LD,
 *         ::DLN_E_NONFINITE (a NaN or Inf sample, or finite data whose sums
 *         of squares exceed the double range, so that every loss value would
 *         overflow), ::DLN_E_OVERFLOW (d_0 or d_L beyond the BLAS
 *         range, or ldx * m, ldy * m beyond the address range),
 *         ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_loss_create_data(dln_loss **out, size_t d0, size_t dL, size_t m,
                                        const double *X, size_t ldx, const double *Y,
                                        size_t ldy);
/**
 * Add m more samples to a data loss (streamed update of the summary, on
 * dln_loss_set_threads() library threads);
 * the result equals a loss created from all samples at once, up to rounding.
 * Errors: as dln_loss_create_data(), ::DLN_E_OVERFLOW if the total sample
 * count overflows, ::DLN_E_UNSUPPORTED for a target loss. On any error the
 * loss is unchanged (a NaN in the last block leaves no partial update).
 */
DLN_API dln_status dln_loss_add_samples(dln_loss *loss, size_t m, const double *X, size_t ldx,
                                        const double *Y, size_t ldy);
/** Largest thread count dln_loss_set_threads() accepts. */
#define DLN_THREADS_MAX 256
/**
 * Threads the library itself runs to summarize the samples of later
 * dln_loss_add_samples() calls (default 1; dln_loss_create_data() always
 * uses 1, so create the loss from a first chunk, set this, then add the
 * rest). The samples are cut into one contiguous range per thread, each
 * thread summarizes its range into its own triangular factor and the factors
 * are merged by a TSQR combine; a range gets at least 2 blocks of
 * max(512, 16 (d_0 + d_L)) samples, so small calls use fewer threads. The
 * same thread count gives the same bits; different counts agree to rounding.
 *
 * Threads combine multiplicatively with BLAS threads: every library thread
 * calls BLAS, which may start its own threads. The library never changes the
 * BLAS thread count; with nthreads > 1, limit BLAS to one thread (e.g.
 * `OPENBLAS_NUM_THREADS=1` or `openblas_set_num_threads(1)` in the
 * application) so that nthreads x BLAS threads does not exceed the cores
 * (docs/performance.md). The thread count is copied by dln_loss_copy().
 *
 * Errors: ::DLN_E_NULL, ::DLN_E_RANGE (0 or above ::DLN_THREADS_MAX),
 * ::DLN_E_UNSUPPORTED (target loss); the setting is unchanged on failure.
 */
DLN_API dln_status dln_loss_set_threads(dln_loss *loss, size_t nthreads);
/** Library threads for the summary (dln_loss_set_threads(); 0 if NULL). */
DLN_API size_t dln_loss_get_threads(const dln_loss *loss);
/** Matrix-factorization loss 1/2 ||W_{L:1} - Phi||^2, Phi d_L x d_0 (ldphi >= d_L).
 *  Errors: ::DLN_E_NULL, ::DLN_E_DIM (a zero size), ::DLN_E_LD,
 *  ::DLN_E_OVERFLOW, ::DLN_E_NONFINITE, ::DLN_E_NOMEM; *out is unchanged on
 *  failure. */
DLN_API dln_status dln_loss_create_target(dln_loss **out, size_t dL, size_t d0,
                                          const double *Phi, size_t ldphi);
/** Free a loss; NULL is a no-op. */
DLN_API void dln_loss_free(dln_loss *loss);
/** Deep copy (summary and options; fresh scratch) for use in another thread.
 *  Errors: ::DLN_E_NULL, ::DLN_E_NOMEM. */
DLN_API dln_status dln_loss_copy(dln_loss **out, const dln_loss *src);
/** Detail of the last failure of a function called on @p loss. */
DLN_API const char *dln_loss_errmsg(const dln_loss *loss);
/** Kind of the loss (::DLN_LOSS_DATA if @p loss is NULL). */
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
 * with ::DLN_E_DIM. Errors: ::DLN_E_NULL, ::DLN_E_DIM (depth = 0),
 * ::DLN_E_RANGE, ::DLN_E_NOMEM; the coefficients are unchanged on failure.
 */
DLN_API dln_status dln_loss_set_l2(dln_loss *loss, size_t depth, const double *lambda);
/** The same l2 coefficient lam >= 0 on every layer, for any depth (0 removes it).
 *  Errors: ::DLN_E_NULL, ::DLN_E_RANGE (negative, NaN or Inf). */
DLN_API dln_status dln_loss_set_l2_uniform(dln_loss *loss, double lambda);
/**
 * Read the coefficients lam_1..lam_depth that apply to a net of depth
 * @p depth. Errors: ::DLN_E_NULL, ::DLN_E_DIM (depth = 0, or per-layer
 * coefficients were set for another depth).
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
 * For a target loss R = I, C = Phi, r0 = 0. Errors: ::DLN_E_NULL (loss),
 * ::DLN_E_LD, ::DLN_E_OVERFLOW (ldr or ldc beyond the BLAS range, or the
 * array beyond the address range), both checked before anything is written;
 * padding rows of R and C are not written.
 */
DLN_API dln_status dln_loss_summary(const dln_loss *loss, double *R, size_t ldr, double *C,
                                    size_t ldc, double *r0);

/**
 * Loss value F(W) at the weights of @p net.
 * Errors: ::DLN_E_NULL, ::DLN_E_DIM (net widths d_0, d_L or depth do not
 * match the loss), ::DLN_E_NONFINITE (the value overflowed), ::DLN_E_NOMEM
 * (first call for a shape only). Like every function below it uses the
 * loss's scratch space: one thread at a time per loss.
 */
DLN_API dln_status dln_loss_value(dln_loss *loss, const dln_net *net, double *value);
/**
 * Value and gradient: grad_l F = W_{L:l+1}^T E W_{l-1:1}^T + lam_l W_l with
 * E = w (P R^T - C) R = w (P X - Y) X^T, in theta layout (length n).
 * About 3L GEMMs along the thinner side (d_0 or d_L) of the chain.
 * @p value may be NULL. The prefix/suffix chains are kept so that a following
 * dln_loss_hvp() at the same weights reuses them. Errors: those of
 * dln_loss_value(), ::DLN_E_NULL (grad), ::DLN_E_NONFINITE (overflow).
 */
DLN_API dln_status dln_loss_grad(dln_loss *loss, const dln_net *net, double *value,
                                 double *grad);
/**
 * Hessian-vector product hv = H(W) v for a direction v in theta layout
 * (forward-mode derivative of the gradient chain: 8L GEMMs, 6L when the
 * chains of a dln_loss_grad() or dln_loss_hvp() call at the same weights are
 * reused). @p hv may be @p v (in place; overlapping buffers cost one copy
 * of the directions). Errors: those of dln_loss_value(), ::DLN_E_NULL (v,
 * hv), ::DLN_E_NONFINITE if v has NaN/Inf (nothing written) or the product
 * overflowed, ::DLN_E_NOMEM (the copy).
 */
DLN_API dln_status dln_loss_hvp(dln_loss *loss, const dln_net *net, const double *v,
                                double *hv);
/**
 * Batched HVP: HV[:,j] = H(W) V[:,j] for k directions (V and HV are n x k,
 * ldv, ldhv >= n). The chains are formed once and the products with W_l of
 * all directions run as single wide GEMMs. k = 0 does nothing. Errors: those
 * of dln_loss_hvp(), ::DLN_E_LD, ::DLN_E_OVERFLOW (ldv * k or ldhv * k
 * beyond the address range). Padding rows of V are not read, of HV not
 * written.
 */
DLN_API dln_status dln_loss_hvp_batch(dln_loss *loss, const dln_net *net, size_t k,
                                      const double *V, size_t ldv, double *HV, size_t ldhv);
/** Largest n for which dln_loss_hessian() assembles a dense Hessian. */
#define DLN_HESSIAN_MAX_PARAMS 8192
/**
 * Dense Hessian H (n x n, ldh >= n, symmetric, both triangles filled) for
 * small nets, assembled from n HVPs with cached chains and symmetrized.
 * Errors: those of dln_loss_value(), ::DLN_E_NULL (H), ::DLN_E_TOO_LARGE if
 * n > ::DLN_HESSIAN_MAX_PARAMS, ::DLN_E_LD, ::DLN_E_OVERFLOW (ldh).
 */
DLN_API dln_status dln_loss_hessian(dln_loss *loss, const dln_net *net, double *H, size_t ldh);
/** @} */

/* ======================================================================== */
/** @name Summaries as values: import, merge, files, progress
 *
 * The summary of a data loss is (R, C, r0, m) in the sum form, the
 * triangular factor of [X^T Y^T] (see the loss handle). It can be made into
 * a loss without the samples, merged with another summary (the loss of the
 * union of the samples, to QR accuracy, whatever the order or tree of the
 * merges), written to and read from a portable binary encoding (a file or a
 * buffer, docs/summary_format.md), and built from long streams with
 * progress reports. The l2 coefficients are options of a handle, not part
 * of the summary: they are neither merged nor stored.
 * @{ */

/**
 * Data loss from a summary: R (d_0 x d_0 upper triangular; ldr >= d_0; the
 * strict lower triangle is not read), C (d_L x d_0, ldc >= d_L), r0 >= 0
 * and the sample count m >= 1, in the weighting @p mean says: 0 for the sum
 * form, 1 for the mean form (R, C, r0 as dln_loss_summary() returns them
 * after dln_loss_set_mean(loss, 1)). The new loss has that weighting and no
 * l2 term, so F = 1/2 ||P R^T - C||^2 + r0/2 + reg. dln_loss_num_samples()
 * and dln_loss_get_mean() give m and the weighting back, dln_loss_summary()
 * R, C and r0 to a few units in the last place (the loss stores the factor
 * [[R, C^T], [0, T]] of the sum form: the mean form is scaled by sqrt(m)
 * and back, and r0 is kept as T = sqrt(r0) e_1 e_1^T, since F uses T only
 * through ||T||^2). It merges, saves and takes more samples like a loss
 * built from data.
 * @return ::DLN_E_NULL, ::DLN_E_DIM (a zero size or m = 0), ::DLN_E_LD,
 *         ::DLN_E_RANGE (mean not 0 or 1, r0 negative), ::DLN_E_NONFINITE,
 *         ::DLN_E_OVERFLOW, ::DLN_E_NOMEM. *out is unchanged on failure.
 */
DLN_API dln_status dln_loss_create_summary(dln_loss **out, size_t d0, size_t dL, size_t m,
                                           const double *R, size_t ldr, const double *C,
                                           size_t ldc, double r0, int mean);
/**
 * Merge the summary of @p src into @p dst: dst becomes the loss of the
 * samples of both (sample counts add; dst keeps its weighting and l2
 * coefficients). One TSQR step (LAPACK dtpqrt) on the two triangular
 * factors [[R, C^T], [0, T]] of order d_0 + d_L: O((d_0 + d_L)^3), no
 * samples touched. @p src may be @p dst (the samples counted twice).
 * @return ::DLN_E_NULL, ::DLN_E_UNSUPPORTED (a target loss),
 *         ::DLN_E_DIM (d_0 or d_L differ), ::DLN_E_OVERFLOW (sample count),
 *         ::DLN_E_NOMEM, ::DLN_E_LAPACK; dst is unchanged on failure
 *         (detail in dln_loss_errmsg(dst)).
 */
DLN_API dln_status dln_loss_merge(dln_loss *dst, const dln_loss *src);

/** Size in bytes of the encoding of a data loss's summary (0 for NULL or a
 *  target loss; 0 also if it would exceed SIZE_MAX). */
DLN_API size_t dln_loss_encoded_size(const dln_loss *loss);
/**
 * Encode the summary of a data loss (d_0, d_L, m, the weighting and the
 * triangular factor, bit for bit) into @p buf of @p size >=
 * dln_loss_encoded_size() bytes in the versioned, little-endian format of
 * docs/summary_format.md, with a CRC-32. Only those bytes are written.
 * @return ::DLN_E_NULL, ::DLN_E_UNSUPPORTED (target loss), ::DLN_E_RANGE
 *         (size too small; nothing written).
 */
DLN_API dln_status dln_loss_encode(const dln_loss *loss, void *buf, size_t size);
/**
 * Data loss from an encoded summary (dln_loss_encode(), or the bytes of a
 * file of dln_loss_save()). Exactly @p size bytes are read; the loss equals
 * the encoded one bit for bit (summary, m, weighting; no l2 term).
 * @param out     receives the new loss (unchanged on failure)
 * @param buf     the encoding
 * @param size    its length in bytes
 * @param msg     optional buffer (may be NULL) for a one-line detail of a
 *                failure, e.g. "truncated: 120 bytes, the header implies 188"
 * @param msgsize bytes of @p msg (the detail is cut to fit and NUL-terminated)
 * @return ::DLN_E_NULL, ::DLN_E_FORMAT (wrong magic, unknown version or
 *         flags, sizes that do not match, truncated or trailing bytes,
 *         checksum mismatch, non-finite entries), ::DLN_E_DIM,
 *         ::DLN_E_OVERFLOW (sizes beyond the BLAS range), ::DLN_E_NOMEM.
 *         *out is unchanged on failure.
 */
DLN_API dln_status dln_loss_decode(dln_loss **out, const void *buf, size_t size, char *msg,
                                   size_t msgsize);
/**
 * Write the encoded summary of a data loss to the file @p path (created or
 * truncated). @p msg as in dln_loss_decode().
 * @return ::DLN_E_NULL, ::DLN_E_UNSUPPORTED (target loss), ::DLN_E_NOMEM,
 *         ::DLN_E_IO (open, write or close failed; the file may then be
 *         incomplete, and a reader rejects it).
 */
DLN_API dln_status dln_loss_save(const dln_loss *loss, const char *path, char *msg,
                                 size_t msgsize);
/**
 * Read a summary file of dln_loss_save() into a new loss (see
 * dln_loss_decode()). The file's size is checked against its header before
 * anything else is allocated. Errors: those of dln_loss_decode(),
 * ::DLN_E_IO (cannot open, seek or read @p path).
 */
DLN_API dln_status dln_loss_load(dln_loss **out, const char *path, char *msg, size_t msgsize);

/**
 * Progress of a long summary, handed to a ::dln_summary_progress_fn after
 * each chunk (filled by the library, struct_size included).
 */
typedef struct dln_summary_progress {
    size_t struct_size;   /**< sizeof(dln_summary_progress) of the library */
    size_t samples_done;  /**< samples of this call summarized so far */
    size_t samples_total; /**< samples of this call (its m) */
    size_t loss_samples;  /**< samples in the loss now, earlier calls included */
} dln_summary_progress;
/** Summary progress callback; a nonzero return stops after this chunk. */
typedef int (*dln_summary_progress_fn)(const dln_summary_progress *progress, void *user);
/**
 * dln_loss_add_samples() in chunks of @p chunk samples (0: 65536), calling
 * @p fn (may be NULL) after each chunk. Memory is that of one chunk's QR,
 * whatever m. A nonzero return of @p fn stops after that chunk: the chunks
 * so far stay in the loss (a checkpoint, e.g. for dln_loss_save()), and
 * @p done (may be NULL) receives the samples taken, m when all were.
 * Errors: those of dln_loss_add_samples(); on an error the loss is as
 * before the call and *done is not written.
 */
DLN_API dln_status dln_loss_add_samples_progress(dln_loss *loss, size_t m, const double *X,
                                                 size_t ldx, const double *Y, size_t ldy,
                                                 size_t chunk, dln_summary_progress_fn fn,
                                                 void *user, size_t *done);
/** @} */

/* ======================================================================== */
/** @name Loss-landscape slices
 *
 * The loss along a line or on a plane of weight space (the pictures of Li,
 * Xu, Taylor, Studer & Goldstein 2018), and the exact polynomial that F is
 * on a line. See docs/slices.md.
 * @{ */

/**
 * Exact coefficients of F restricted to the line W + t D:
 *
 *     F(W + t D) = sum_{k=0}^{2L} coef[k] t^k,
 *     coef[s] = 1/2 sum_{j+k=s} <N_j, N_k> + [s = 0] r0/2
 *               + sum_l lam_l/2 ([s = 0] ||W_l||^2 + [s = 1] 2 <W_l, D_l> + [s = 2] ||D_l||^2),
 *
 * where prod_l (W_l + t D_l) = sum_k M_k t^k and N_k = M_k R^T - [k = 0] C
 * (the loss summary, mean normalization included). The M_k are formed from
 * the layers and the direction (2 GEMMs per layer and coefficient, along
 * the thinner side of the chain), not by sampling F. coef[0] = F(W),
 * coef[1] = <grad F(W), D>, 2 coef[2] = D^T H(W) D, and coef[2L] = 1/2
 * ||prod_l D_l R^T||^2; differences F(W + t D) - F(W) = sum_{k>=1} coef[k] t^k
 * keep their digits when t D is small.
 * @param loss  the loss (its message buffer; no other scratch is used)
 * @param net   the point W
 * @param dir   the direction D in theta layout (n entries)
 * @param coef  2L + 1 coefficients (output)
 * Cost: L(L+1) GEMMs of d x d x min(d_0, d_L) and (L+1)^2/2 inner products of
 * d_L x d_0 matrices; memory about 2 (L+1) max_l d_l min(d_0, d_L) doubles,
 * allocated per call.
 * @return ::DLN_E_NULL, ::DLN_E_DIM (net and loss), ::DLN_E_NONFINITE (D has
 *         NaN/Inf, nothing written; or a coefficient overflowed),
 *         ::DLN_E_OVERFLOW, ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_loss_line_coeffs(dln_loss *loss, const dln_net *net, const double *dir,
                                        double *coef);
/**
 * F on the line through two nets: values[i] = F((1 - t_i) W_a + t_i W_b)
 * for the caller's grid t (any finite values; t = 0 is W_a and t = 1 is W_b
 * exactly). Each point is evaluated directly (the residual form keeps the
 * value accurate near a fit; use dln_loss_line_coeffs() for the polynomial).
 * @param loss   the loss (its scratch is used)
 * @param a, b   the two nets (same widths, fitting the loss)
 * @param npts   number of grid points (0 does nothing)
 * @param t      npts grid values
 * @param values npts outputs
 * Cost: npts loss values, O(L d^3) each, independent of the sample count; a
 * copy of the net is allocated per call. Threads: uses the loss's scratch.
 * @return ::DLN_E_NULL, ::DLN_E_DIM (a net does not fit the loss, or the two
 *         nets differ in widths), ::DLN_E_NONFINITE (t has NaN/Inf; or a
 *         value overflowed: values unspecified), ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_loss_slice_line(dln_loss *loss, const dln_net *a, const dln_net *b,
                                       size_t npts, const double *t, double *values);
/**
 * F on a plane: values[i + j*ldv] = F(W + alpha_i D_1 + beta_j D_2) for the
 * grid alpha (na points) x beta (nb points); D_1, D_2 in theta layout, e.g.
 * from dln_loss_slice_directions(). Row i of the output is alpha_i, column j
 * is beta_j; padding rows na..ldv-1 are not written.
 * Cost: na nb loss values, O(L d^3) each; a copy of the net per call.
 * @return ::DLN_E_NULL, ::DLN_E_DIM, ::DLN_E_LD (ldv < na), ::DLN_E_OVERFLOW
 *         (ldv nb), ::DLN_E_NONFINITE (a direction or the grid has NaN/Inf;
 *         or a value overflowed), ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_loss_slice_plane(dln_loss *loss, const dln_net *net, const double *d1,
                                        const double *d2, size_t na, const double *alpha,
                                        size_t nb, const double *beta, double *values,
                                        size_t ldv);

/** Directions of a plane slice (dln_loss_slice_directions()). */
typedef enum dln_slice_dirs {
    /** Two independent Gaussian directions, each layer block rescaled to the
     *  Frobenius norm of the layer (Li et al.'s normalization, per layer) */
    DLN_SLICE_RANDOM = 0,
    /** Unit eigenvectors of the two largest Hessian eigenvalues */
    DLN_SLICE_HESSIAN_TOP = 1,
    /** Unit eigenvectors of the two smallest Hessian eigenvalues (at a
     *  strict saddle, d1 is the most negative curvature) */
    DLN_SLICE_HESSIAN_BOTTOM = 2
} dln_slice_dirs;

/**
 * Two directions for dln_loss_slice_plane() at the weights of @p net.
 * ::DLN_SLICE_RANDOM: D_l = G_l ||W_l||_F / ||G_l||_F with G Gaussian from
 * @p seed (a zero layer gets a zero block: the slice does not move it; for
 * a residual layer the norm is that of its parameters A_l);
 * the Hessian kinds: dln_loss_hessian_eigs() with k = 2, tol 1e-10 and
 * @p seed, d1 for the eigenvalue at the requested end.
 * @param loss   the loss (its scratch is used)
 * @param net    the point W
 * @param kind   a ::dln_slice_dirs
 * @param seed   seed of the Gaussian directions or of the eigensolver
 * @param d1, d2 n entries each (output)
 * @param evals  NULL, or 2 entries: the two eigenvalues (Hessian kinds; NaN
 *               for ::DLN_SLICE_RANDOM)
 * Cost: random: O(n); Hessian: as dln_loss_hessian_eigs() with k = 2.
 * @return ::DLN_E_NULL, ::DLN_E_DIM (n < 2 for the Hessian kinds, or shapes),
 *         ::DLN_E_RANGE (kind), ::DLN_E_NOMEM, and the errors of
 *         dln_loss_hessian_eigs() (::DLN_E_NOCONV: the estimates are still
 *         written). Nothing is written on argument errors.
 */
DLN_API dln_status dln_loss_slice_directions(dln_loss *loss, const dln_net *net,
                                             dln_slice_dirs kind, uint64_t seed, double *d1,
                                             double *d2, double *evals);
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
/** Size of the first version of ::dln_eig_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_EIG_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_eig_report, dense)

/**
 * The k extreme eigenvalues of the Hessian H(W) of the loss at the weights of
 * @p net, and optionally orthonormal eigenvectors, from Hessian-vector
 * products only.
 *
 * **Method.** For n <= 256 parameters: the dense Hessian (n HVPs, as
 * dln_loss_hessian()) and LAPACK dsyevr, exact to rounding (tol and maxit
 * are ignored). Above: thick-restart block Lanczos, applying H to a block
 * of b = k directions per
 * dln_loss_hvp_batch() call. A block of width >= k finds every copy of a
 * repeated eigenvalue among the k wanted ones (a Krylov method of block
 * width b cannot see more than b copies), which matters because Hessians at
 * critical points have large null spaces and clustered spectra. The basis
 * holds m = max(32, min(12k, 4k + 80)) vectors (at most n); when it is full,
 * the Ritz vectors nearest the wanted end are kept (thick restart). A
 * rank-deficient block (an invariant subspace, e.g. H = 0 at the origin for
 * L >= 3) is completed with random directions, so that case returns after
 * k HVPs. Either end is found whatever the signs (indefinite Hessians
 * included).
 *
 * **Orthogonality.** Each block is projected against the two latest
 * blocks, and against the whole basis only when a bound on the lost
 * orthogonality exceeds a threshold (partial reorthogonalization, Simon
 * 1984): sqrt(eps) for values only (@p evecs NULL), min(sqrt(eps), tol/10)
 * with @p evecs, so that the vectors' residuals stay within @p tol; the k
 * returned vectors are then orthonormalized (Gram-Schmidt, twice), so they
 * are orthonormal to rounding. The Ritz values are as accurate as with full
 * reorthogonalization, at a fraction of the cost, but may differ between
 * calls with and without @p evecs in the last digits.
 *
 * **Cost.** For k = 1, typically 30 to 500 HVPs (docs/spectrum.md has
 * measured counts; PSD points with large null spaces need the most), plus
 * the reorthogonalization above. Memory: about n (m + k) doubles, allocated
 * once per call (nothing in the iteration).
 *
 * **Tolerance.** A Ritz pair (theta, x) is accepted when
 * ||H x - theta x|| <= tol * hnorm, hnorm being the estimate of ||H||_2 in
 * the report; then some eigenvalue lies within tol * hnorm of theta, and
 * typically within (tol * hnorm)^2 / gap. The residual is obtained from the
 * Lanczos relation (no extra HVPs) and matches the true one to rounding.
 * Requesting tol far below 1e-13 may not be attainable (::DLN_E_NOCONV).
 * Eigenvalues closer than tol * hnorm are not resolved individually, but
 * their vectors span the right invariant subspace. Clusters wider than that
 * and larger than the basis (e.g. near W = 0 with l2, where the spectrum is
 * lam_l plus tiny perturbations) converge slowly; a looser tol helps.
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
 *         HVP or an eigenvalue overflowed), ::DLN_E_LAPACK; ::DLN_E_NOCONV if the tolerance
 *         was not met within maxit outer iterations: the best estimates (Ritz
 *         pairs) are still written and the report has converged = 0. On
 *         argument errors nothing is written.
 */
DLN_API dln_status dln_loss_hessian_eigs(dln_loss *loss, const dln_net *net, dln_eig_which which,
                                         size_t k, double tol, size_t maxit, uint64_t seed,
                                         double *evals, double *evecs, size_t ldvec,
                                         dln_eig_report *report);

/**
 * Exact trace, per-layer traces and diagonal of the Hessian H(W).
 *
 * F is quadratic in each single layer, so the diagonal block of layer l is
 * H_ll = (M_l M_l^T) (x) (A_l^T A_l) + lam_l I with A_l = W_{L:l+1}
 * (d_L x d_l) and M_l = W_{l-1:1} R^T (d_{l-1} x d_0), R the data summary
 * (dln_loss_summary(), mean scaling included; R = I for a target loss).
 * Hence, with theta index i + j d_l of entry (i, j) of W_l,
 *
 *     diag = ||A_l e_i||^2 ||e_j^T M_l||^2 + lam_l,
 *     tr H_ll = ||A_l||_F^2 ||M_l||_F^2 + lam_l d_l d_{l-1},   tr H = sum_l tr H_ll.
 *
 * **Cost.** Both chains once, no HVP: the input side (W_1 R^T, then
 * M_{l+1} = W_l M_l) takes d_1 d_0^2 / 2 + sum_{l>=2} d_l d_{l-1} d_0
 * multiply-adds, the output side sum_l d_L d_l d_{l-1}. With d_0 = d_L this
 * is 2L - 4 GEMMs and a TRMM, against 3L - 2 for a gradient (measured: 0.3
 * to 0.5 gradients for square widths 256). The input side does not shrink
 * with d_L, the gradient does: 784-256-256-10 measured 5.3 gradients,
 * 10-256-256-784 2.3. Memory 2 max_l(d_l) max(d_0, d_L) doubles per call. Exact to rounding, unlike
 * the sampled estimate of dln_loss_hessian_trace_estimate().
 * @param loss        loss (its summary, coefficients and error detail are used)
 * @param net         point W at which the Hessian is taken
 * @param trace       tr H (output, may be NULL)
 * @param layer_trace L entries tr H_ll (output, may be NULL)
 * @param diag        n entries, the diagonal of H in theta layout (output, may be NULL)
 * @return ::DLN_OK; ::DLN_E_NULL (loss or net, or all three outputs NULL),
 *         ::DLN_E_DIM (net does not match the loss), ::DLN_E_OVERFLOW,
 *         ::DLN_E_NOMEM, ::DLN_E_NONFINITE (the trace overflowed: outputs
 *         unspecified). Threads: uses the loss handle only for its summary
 *         and error detail; one thread at a time per loss.
 */
DLN_API dln_status dln_loss_hessian_trace(dln_loss *loss, const dln_net *net, double *trace,
                                          double *layer_trace, double *diag);

/**
 * Hutchinson estimate of tr H(W): the mean of z^T H z over @p probes
 * Rademacher vectors z (entries +-1 drawn from @p seed), with its standard
 * error sqrt(s^2 / probes), s^2 the sample variance of the quadratic forms.
 * This is what sampling codes (PyHessian) compute; dln_loss_hessian_trace()
 * is exact and cheaper. Offered for comparison and for testing estimators.
 * Cost: @p probes HVPs, in batches of 8 (dln_loss_hvp_batch()); memory
 * 16 n doubles.
 * @param loss      loss (its HVP scratch is used)
 * @param net       point W at which the Hessian is taken
 * @param probes    number of probe vectors, >= 2
 * @param seed      seed of the probes (same seed, same estimate, bit for bit)
 * @param estimate  the mean (output)
 * @param std_error its standard error (output, may be NULL)
 * @return ::DLN_OK; ::DLN_E_NULL (loss, net, estimate), ::DLN_E_DIM,
 *         ::DLN_E_RANGE (probes < 2), ::DLN_E_OVERFLOW, ::DLN_E_NOMEM,
 *         ::DLN_E_NONFINITE (an HVP overflowed). Nothing is written on error.
 */
DLN_API dln_status dln_loss_hessian_trace_estimate(dln_loss *loss, const dln_net *net,
                                                   size_t probes, uint64_t seed, double *estimate,
                                                   double *std_error);

/**
 * Eigenvalue density of H(W) by stochastic Lanczos quadrature (SLQ, Golub
 * and Meurant; Ghorbani et al. 2019). For each of @p probes Rademacher
 * vectors v (normalized), @p steps Lanczos steps with full
 * reorthogonalization give a tridiagonal T = S diag(theta) S^T; its Ritz
 * values are the nodes and (S_{1i})^2 / probes their weights, so that
 * sum_i w_i f(theta_i) estimates (1/n) tr f(H), exactly in expectation for
 * polynomials of degree < 2 steps. All probes advance together (one batched
 * HVP per step). A probe whose Krylov space becomes invariant before
 * @p steps (|beta| <= 1e-12 ||H||-estimate) stops early: its remaining slots
 * get node 0 and weight 0. The weights sum to 1.
 *
 * If @p ngrid > 0, the Gaussian-broadened density
 * density[g] = sum_i w_i exp(-(grid[g] - theta_i)^2 / (2 sigma^2)) / (sigma sqrt(2 pi))
 * is written for the caller's grid points.
 *
 * **Cost.** probes x steps HVPs (batches of up to 8 probes), plus
 * 4 n steps^2 flops per probe of reorthogonalization; memory
 * n (steps + 1) min(probes, 8) doubles, allocated once per call.
 * @param loss    loss (its HVP scratch is used)
 * @param net     point W at which the Hessian is taken
 * @param probes  number of probe vectors, >= 1
 * @param steps   Lanczos steps per probe, 1 <= steps <= n
 * @param seed    seed of the probes
 * @param nodes   probes x steps nodes (output; probe p at p*steps, ascending within a probe)
 * @param weights probes x steps weights (output)
 * @param sigma   broadening > 0 (ignored if ngrid = 0)
 * @param ngrid   number of grid points (0: no density)
 * @param grid    ngrid points (may be NULL if ngrid = 0)
 * @param density ngrid values (output; may be NULL if ngrid = 0)
 * @return ::DLN_OK; ::DLN_E_NULL, ::DLN_E_DIM (net vs loss; steps = 0 or
 *         > n; probes = 0), ::DLN_E_RANGE (sigma not finite and > 0 with
 *         ngrid > 0), ::DLN_E_NONFINITE (a grid point is not finite, or an
 *         HVP overflowed), ::DLN_E_OVERFLOW, ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 *         Nothing is written on argument errors.
 */
DLN_API dln_status dln_loss_hessian_density(dln_loss *loss, const dln_net *net, size_t probes,
                                            size_t steps, uint64_t seed, double *nodes,
                                            double *weights, double sigma, size_t ngrid,
                                            const double *grid, double *density);

/**
 * The k extreme eigenvalues of the diagonal block of H(W) that belongs to
 * the contiguous layers first..last (1 <= first <= last <= L): the Hessian
 * of F in those layers with the others frozen.
 *
 * **One layer** (first = last = l): exact from the Kronecker structure
 * H_ll = (M_l M_l^T) (x) (A_l^T A_l) + lam_l I (see dln_loss_hessian_trace()):
 * the eigenvalues are alpha_i beta_j + lam_l for the eigenvalues alpha of
 * A_l^T A_l and beta of M_l M_l^T (LAPACK dsyevr on d_l x d_l and
 * d_{l-1} x d_{l-1} matrices; no HVP, tol, maxit and seed are ignored;
 * the report has dense = 1 and hvps = 0).
 * **Several layers**: the eigensolver of dln_loss_hessian_eigs() (dense up
 * to 256 block parameters, block Lanczos above) on the block, applied by
 * HVPs of directions that vanish outside it.
 * @param loss   loss (its summary and HVP scratch are used)
 * @param net    point W at which the Hessian is taken
 * @param first  first layer of the group (1-based)
 * @param last   last layer of the group, first <= last <= L
 * @param which  ::DLN_EIG_SMALLEST or ::DLN_EIG_LARGEST
 * @param k      number of eigenvalues, 1 <= k <= block parameters
 * @param tol    as for dln_loss_hessian_eigs() (groups only)
 * @param maxit  as for dln_loss_hessian_eigs() (groups only)
 * @param seed   as for dln_loss_hessian_eigs() (groups only)
 * @param evals  k eigenvalues (output; ascending for ::DLN_EIG_SMALLEST,
 *               descending for ::DLN_EIG_LARGEST)
 * @param report optional (may be NULL), as for dln_loss_hessian_eigs()
 * @return as dln_loss_hessian_eigs(), with ::DLN_E_DIM also for a bad layer
 *         range or k above the block's parameter count.
 */
DLN_API dln_status dln_loss_layer_eigs(dln_loss *loss, const dln_net *net, size_t first,
                                       size_t last, dln_eig_which which, size_t k, double tol,
                                       size_t maxit, uint64_t seed, double *evals,
                                       dln_eig_report *report);

/** Option of dln_loss_hessian_eigs_deflated() and dln_loss_gd_rate(): use
 *  block Lanczos even where the dense path would be chosen. */
#define DLN_EIG_FORCE_ITERATIVE 1
/** Largest n accepted by dln_loss_hessian_eigs_deflated() and
 *  dln_loss_gd_rate() (the symmetry basis is held densely). */
#define DLN_DEFLATE_MAX_PARAMS 8192

/**
 * The k extreme eigenvalues of the Hessian restricted to the orthogonal
 * complement of the symmetry directions of the loss at W (the compression
 * Q^T H Q, Q an orthonormal basis of that complement), and optionally
 * eigenvectors in theta layout.
 *
 * **Symmetries.** F is invariant under W_l -> G_l W_l G_{l-1}^{-1} for
 * hidden widths h = 1..L-1 (G_0 = G_L = I): every G_h invertible when
 * lam_h = lam_{h+1} = 0, orthogonal otherwise, none when layer h or h+1
 * is residual (W = I + A) with weight decay (lam/2 ||A||^2 is not
 * invariant). Their tangent directions at W (W_l = I + A_l on residual
 * layers) are (X_h W_h in layer h, -W_{h+1} X_h in layer h+1) for X_h in
 * R^{d_h x d_h} (resp. skew-symmetric X_h). At a critical point they span
 * null directions of H, which hide the smallest nonzero curvature from
 * dln_loss_hessian_eigs(); they are removed here, and the dimension removed
 * (the numerical rank of the tangent vectors: pivoted Cholesky of their
 * Gram matrix, residual norms above 1e-6 of the largest tangent norm, so
 * that near a rank-deficient limit the directions of
 * nearly broken symmetries, whose tangents have norm of the order of the
 * distance to that limit, are kept) is written to *removed. Eigenvalues that are
 * still zero belong to genuine flat directions (a degenerate point).
 *
 * **Method.** Dense (the compressed matrix from n - r applications, then
 * dsyevr) when n - r <= 256, block Lanczos on the compressed operator
 * otherwise or with ::DLN_EIG_FORCE_ITERATIVE. The basis costs n s^2 +
 * s^3/3 + 2 n r^2 flops in level-3 BLAS for the s <= sum_h d_h^2 tangent
 * vectors (Gram matrix, pivoted Cholesky, Householder QR of the r kept);
 * each application of the compressed Hessian one HVP plus 8 n r flops for
 * the reflectors (measured times in docs/spectrum.md). Memory n s + s^2
 * doubles during the set-up, n (r + 16) after.
 * n <= ::DLN_DEFLATE_MAX_PARAMS.
 * @param loss    loss (its HVP scratch is used)
 * @param net     point W at which the Hessian is taken
 * @param which   ::DLN_EIG_SMALLEST or ::DLN_EIG_LARGEST
 * @param k       1 <= k <= n - r (r the removed dimension)
 * @param tol     as for dln_loss_hessian_eigs()
 * @param maxit   as for dln_loss_hessian_eigs()
 * @param seed    as for dln_loss_hessian_eigs()
 * @param options 0 or ::DLN_EIG_FORCE_ITERATIVE
 * @param evals   k eigenvalues (output, ordered as dln_loss_hessian_eigs())
 * @param evecs   n x k orthonormal eigenvectors in theta layout, orthogonal
 *                to the symmetry directions (output, or NULL)
 * @param ldvec   leading dimension of evecs, >= n (ignored if evecs is NULL)
 * @param removed dimension r of the symmetry subspace removed (output, may be NULL)
 * @param report  optional (may be NULL), as for dln_loss_hessian_eigs()
 * Other parameters and errors as dln_loss_hessian_eigs(); ::DLN_E_RANGE
 * also for unknown option bits, ::DLN_E_TOO_LARGE for n above
 * ::DLN_DEFLATE_MAX_PARAMS, ::DLN_E_DIM for k > n - r.
 */
DLN_API dln_status dln_loss_hessian_eigs_deflated(dln_loss *loss, const dln_net *net,
                                                  dln_eig_which which, size_t k, double tol,
                                                  size_t maxit, uint64_t seed, unsigned options,
                                                  double *evals, double *evecs, size_t ldvec,
                                                  size_t *removed, dln_eig_report *report);
/** @} */

/* ======================================================================== */
/** @name Landscape analysis: critical sets and classification
 *
 * A ::dln_landscape describes the whole critical set of a loss for one
 * network shape, in closed form where a theory applies, and classifies
 * given points (global minimum, spurious local minimum, strict or
 * non-strict saddle) with the evidence that decided. See docs/landscape.md.
 *
 * **Theories** (::dln_theory). Which one applies is decided once, at
 * creation, from the loss and the widths:
 * - depth 1: the loss is convex (least squares or ridge); every critical
 *   point is a global minimizer;
 * - every lam_l > 0 and either a target loss or data with X X^T = c I
 *   (within ::DLN_TOL_VALUE): the regularized theory of Chen, Jiang & Wang
 *   (arXiv 2502.11152, 2506.20344), applied to the reduced problem
 *   F = c Fbar + r0/2 with Ybar = Y X^T / c and lam_l / c;
 * - every lam_l = 0 and the assumptions H1 (X X^T invertible), H2 (Sigma =
 *   Syx Sxx^-1 Syx^T invertible) and H3 (distinct eigenvalues of Sigma)
 *   hold: the unregularized theory of Achour, Malgouyres & Gerchinovitz
 *   (JMLR 2024) and Kawaguchi (2016);
 * - otherwise (some lam_l = 0 and others > 0; lam > 0 with X X^T not a
 *   multiple of I; H1-H3 violated) no closed form applies:
 *   dln_landscape_limits() and dln_landscape_reason() say why, and
 *   classification falls back to the numerical method.
 *
 * **Values and patterns.** The spectral data of the problem are nv =
 * dln_landscape_num_values() numbers, in decreasing order: the singular
 * values y_1 >= ... >= y_nv of Ybar (regularized: nv = min(d_0, d_L)) or
 * the eigenvalues gamma_1 >= ... >= gamma_nv of Sigma (unregularized:
 * nv = d_L); nv = 0 in the convex case. A *pattern* is an int array of length nv with
 * one ::dln_match per value: which values a critical point matches and with
 * which root (regularized), or the index set S (unregularized). Repeated
 * values form blocks; a pattern is read per block as a multiset.
 *
 * **Threads.** A landscape holds a private copy of the loss (scratch) and
 * must be used by one thread at a time; const queries may run concurrently.
 * @{ */

/** Opaque landscape analysis of one loss and one network shape. */
typedef struct dln_landscape dln_landscape;

/** Closed-form theory that applies to a (loss, widths) pair. */
typedef enum dln_theory {
    DLN_THEORY_NONE = 0,         /**< no closed form (see dln_landscape_limits()) */
    DLN_THEORY_CONVEX = 1,       /**< depth 1: convex, every critical point is global */
    DLN_THEORY_REGULARIZED = 2,  /**< all lam_l > 0, target or X X^T = cI (regularized.md) */
    DLN_THEORY_UNREGULARIZED = 3 /**< all lam_l = 0 and H1-H3 hold (unregularized.md) */
} dln_theory;

/** Bits of dln_landscape_limits(): why a theory does not apply. */
enum {
    DLN_LIMIT_MIXED_L2 = 1,    /**< some lam_l = 0 and others > 0: outside both theories */
    DLN_LIMIT_DATA = 2,        /**< lam > 0 but X X^T is not c I: closed forms unavailable */
    DLN_LIMIT_H1 = 4,          /**< X X^T is singular (X not of full row rank) */
    DLN_LIMIT_H2 = 8,          /**< Sigma is singular (d_L > d_0 or Syx rank deficient) */
    DLN_LIMIT_H3 = 16          /**< Sigma has a repeated eigenvalue */
};

/** Classes of a point. */
typedef enum dln_class {
    DLN_CLASS_UNDETERMINED = 0,    /**< could not be decided (report.flags says why) */
    DLN_CLASS_NOT_CRITICAL = 1,    /**< relative gradient above the tolerance */
    DLN_CLASS_GLOBAL_MIN = 2,      /**< global minimizer */
    DLN_CLASS_LOCAL_MIN = 3,       /**< local minimizer that is not global (spurious) */
    DLN_CLASS_STRICT_SADDLE = 4,   /**< critical, Hessian has a negative eigenvalue */
    DLN_CLASS_NONSTRICT_SADDLE = 5,/**< critical, not a local min, Hessian PSD */
    DLN_CLASS_MINIMUM = 6          /**< numerical local minimum; the global value is unknown */
} dln_class;

/** How dln_landscape_classify() decides. */
typedef enum dln_method {
    DLN_METHOD_AUTO = 0,      /**< theory when it applies, the numerical method otherwise */
    DLN_METHOD_THEORY = 1,    /**< closed-form rules only (UNDETERMINED without a theory) */
    DLN_METHOD_NUMERICAL = 2, /**< Hessian eigenvalues, descent probe and global value */
    DLN_METHOD_BOTH = 3       /**< theory cross-checked numerically; disagreement is reported */
} dln_method;

/** One entry of a pattern (see the section introduction). */
typedef enum dln_match {
    DLN_MATCH_NONE = 0,     /**< value not matched / index not in S */
    DLN_MATCH_PLUS = 1,     /**< regularized: matched with the larger root s_+ (L = 2: the root) */
    DLN_MATCH_MINUS = 2,    /**< regularized, L >= 3: matched with the smaller root s_- */
    DLN_MATCH_DOUBLE = 3,   /**< regularized, L >= 3: matched with the double root s* (y = y*) */
    DLN_MATCH_SELECTED = 4, /**< unregularized: index in S */
    DLN_MATCH_FEED = 5,     /**< unregularized construction: not in S; extra inputs feed u_i */
    DLN_MATCH_READ = 6,     /**< unregularized construction: not in S; extra outputs read u_i */
    DLN_MATCH_FEED_READ = 7 /**< both of the above */
} dln_match;

/** Extra-chain block K_l of an unregularized construction (dln_landscape_build()). */
typedef enum dln_extra {
    DLN_EXTRA_ZERO = 0,     /**< K_l = 0 */
    DLN_EXTRA_RANDOM = 1,   /**< Gaussian entries */
    DLN_EXTRA_IDENTITY = 2, /**< [I 0; 0 0] */
    DLN_EXTRA_SIGNAL = 3,   /**< K_1: rows in the null space of Pi_perp Syx; K_L: columns in span U_S */
    DLN_EXTRA_CHANNEL = 4   /**< K_1: rows fed into the FEED directions; K_L: columns reading
                                 span U_S + the READ directions (pattern 3 of unregularized.md 12b) */
} dln_extra;

/** Tolerances of a landscape (dln_landscape_set_tol()). */
typedef enum dln_tol {
    DLN_TOL_GRAD = 0,  /**< criticality: relative gradient <= tol (default 1e-8) */
    DLN_TOL_RANK = 1,  /**< floor of the decision band tau for point-dependent tests (1e-9) */
    DLN_TOL_HESS = 2,  /**< Hessian eigenvalues within tol * scale count as zero (1e-8) */
    DLN_TOL_VALUE = 3  /**< data: equal values, values at thresholds, X X^T = cI, H1-H3 (1e-10) */
} dln_tol;

/** Scalars describing the critical set (dln_landscape_get_info()). */
typedef struct dln_landscape_info {
    size_t struct_size;   /**< sizeof(dln_landscape_info), set by the caller */
    dln_theory theory;    /**< theory that applies */
    unsigned limits;      /**< DLN_LIMIT_* bits */
    size_t depth;         /**< L */
    size_t rank_max;      /**< d_min = min_l d_l: the largest rank of a critical point */
    size_t num_values;    /**< nv (0 for the convex case and when no values are defined) */
    size_t num_orbits;    /**< orbit types (regularized) or index sets (unregularized); SIZE_MAX if it overflows */
    double scale;         /**< c: F = c Fbar + offset (1 for a target loss) */
    double offset;        /**< r0/2 (the least-squares residual of the data) */
    double lam;           /**< prod_l lam_l/c of the reduced problem (regularized) */
    double ystar;         /**< y*_L(lam) (sqrt(lam) for L = 2); NaN if not regularized */
    double yhat;          /**< yhat_L(lam) (sqrt(lam) for L = 2) */
    double sstar;         /**< s* (NaN for L = 2) */
    double pstar;         /**< p* = s*^L/sqrt(lam) (NaN for L = 2) */
    double global_value;  /**< F* (regularized, convex) or f* (unregularized, H1); NaN if unknown */
    double zero_value;    /**< F(0) = ||C||^2/2 + r0/2 */
    int error_bound;      /**< regularized: 1 if y* is not a value (EB holds near all of Crit F) */
    double error_bound_gap;  /**< min_k |y_k - y*|/y* over all values */
    int strict_saddle;    /**< 1 if every critical point is a local min or a strict saddle */
    double strict_saddle_gap;/**< regularized: min |y_k - y*|/y* over the top d_min values */
    double iso_gap;       /**< ||X X^T - cI||_F / (c sqrt(d_0)) (0 for a target loss) */
    double h1_margin;     /**< sigma_min(R)/sigma_max(R) (H1 holds if > DLN_TOL_VALUE) */
    double h2_margin;     /**< gamma_min/gamma_1 (H2) */
    double h3_margin;     /**< min_i (gamma_i - gamma_{i+1})/gamma_1 (H3) */
} dln_landscape_info;
/** Size of the first version of ::dln_landscape_info (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_LANDSCAPE_INFO_V1_SIZE DLN_SIZE_THROUGH(dln_landscape_info, h3_margin)

/** Roots of the scalar critical equation for one value (dln_critical_roots()). */
typedef struct dln_root_info {
    size_t struct_size;  /**< sizeof(dln_root_info), set by the caller */
    double y;            /**< the matched value */
    double delta;        /**< (y - y*)/y*: relative gap to the double-root threshold */
    double delta_hat;    /**< (y - yhat)/yhat: relative gap to the worth-fitting threshold */
    int count;           /**< number of positive roots: 0, 1 (L = 2, or double) or 2 */
    int is_double;       /**< 1 if |delta| <= tau (the double root s* is returned) */
    double s[2];         /**< s_+ (or s*) and s_- (NaN if absent) */
    double p[2];         /**< p = s^L/sqrt(lam) */
    double phi[2];       /**< phi(p; y): contribution to the critical value */
    double residual[2];  /**< |s^L + lam s^{2-L} - sqrt(lam) y| / (sqrt(lam) y) */
    int iterations[2];   /**< Newton (+ bisection) iterations */
} dln_root_info;
/** Size of the first version of ::dln_root_info (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_ROOT_INFO_V1_SIZE DLN_SIZE_THROUGH(dln_root_info, iterations)

/** The critical orbit(s) of one pattern (dln_landscape_pattern_info()). */
typedef struct dln_orbit_info {
    size_t struct_size; /**< sizeof(dln_orbit_info), set by the caller */
    dln_class cls;      /**< class by theory (UNDETERMINED for unregularized top-S below
                             r_max at L >= 3: it depends on the extra chain) */
    size_t rank;        /**< r */
    double value;       /**< critical value F */
    size_t dim;         /**< regularized: orbit dimension (regularized.md 2.5) */
    double hess_min;    /**< regularized: smallest Hessian eigenvalue (block spectrum) */
    double hess_min_pos;/**< regularized: smallest nonzero |eigenvalue| mu_min^+ */
    double hess_max;    /**< regularized: largest eigenvalue mu_max */
    size_t nullity;     /**< regularized: zero eigenvalues (within 1e-10 of mu_max) */
} dln_orbit_info;
/** Size of the first version of ::dln_orbit_info (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_ORBIT_INFO_V1_SIZE DLN_SIZE_THROUGH(dln_orbit_info, nullity)

/** Bits of dln_class_report::flags. */
enum {
    DLN_CF_NO_THEORY = 1,      /**< the theory was requested but none applies */
    DLN_CF_ASSUMPTIONS = 2,    /**< H1-H3 fail (unregularized) */
    DLN_CF_TOLERANCE = 4,      /**< a decisive quantity lies in the tolerance band */
    DLN_CF_INCONSISTENT = 8,   /**< critical, but not of the closed form (tolerance too loose?) */
    DLN_CF_DISAGREE = 16,      /**< theory and numerical verdicts differ (METHOD_BOTH) */
    DLN_CF_TOO_LARGE = 32,     /**< too many parameters for the dense Hessian and the probe */
    DLN_CF_NOCONV = 64,        /**< the eigensolver did not converge */
    DLN_CF_DIRECTION = 128,    /**< a direction was written to the caller's buffer */
    DLN_CF_DEGENERATE = 256,   /**< a value sits at a threshold: not Morse-Bott */
    DLN_CF_CONVEX = 512,       /**< depth 1: convex problem */
    DLN_CF_NO_SPURIOUS = 1024, /**< numerical: saddle because F > f* and (Kawaguchi) every
                                    local minimum is global */
    DLN_CF_DESCENT = 2048      /**< the descent probe found F(W') < F(W) near W */
};

/** Result of dln_landscape_classify() (set struct_size = sizeof before the call). */
typedef struct dln_class_report {
    size_t struct_size;         /**< sizeof(dln_class_report), set by the caller */
    dln_class cls;              /**< the verdict */
    dln_method decided_by;      /**< DLN_METHOD_THEORY or DLN_METHOD_NUMERICAL */
    dln_theory theory;          /**< theory of the landscape */
    dln_class theory_class;     /**< verdict of the theory (UNDETERMINED if not run) */
    dln_class numerical_class;  /**< verdict of the numerical method (UNDETERMINED if not run) */
    int agree;                  /**< 1 agree, 0 disagree (both ran), -1 only one ran */
    unsigned flags;             /**< DLN_CF_* bits */
    double value;               /**< F(W) */
    double grad_norm;           /**< ||grad F(W)||_F */
    double grad_rel;            /**< max_l ||grad_l||_F / g_l (g_l: size of the cancelling terms) */
    double tol_grad;            /**< criticality tolerance on grad_rel */
    double tol_decide;          /**< decision band tau = max(DLN_TOL_RANK, sqrt(grad_rel)) */
    double balance;             /**< max_l ||lam_{l+1} W_{l+1}^T W_{l+1} - lam_l W_l W_l^T||_F / scale
                                     (regularized; NaN otherwise) */
    size_t rank;                /**< r: matched components or |S| (SIZE_MAX if unknown) */
    double critical_value;      /**< closed-form value of the matched structure (NaN if unknown) */
    double global_value;        /**< F* or f* (NaN if unknown) */
    double gap_global;          /**< (F(W) - global_value) / F(0) */
    double gap_match;           /**< worst relative mismatch point vs closed form (<= tau expected) */
    double gap_zero;            /**< regularized: largest s of a component counted as zero, relative
                                     to the smallest admissible root (zero if <= 0.1, matched if >= 0.5,
                                     undetermined in between) */
    double gap_label;           /**< regularized L >= 3: min_i |s_i - s*|/s* over matched i */
    double gap_threshold;       /**< min relative gap of a relevant value to y* (sqrt(lam) if L = 2) */
    double gap_defect;          /**< regularized: (max unmatched y - min matched y)/min matched y */
    size_t witness_h1;          /**< unregularized strict saddle: witness pair (0 if none) */
    size_t witness_h2;          /**< second layer of the witness pair */
    double coupling_margin;     /**< unregularized: min over zero/rank tests of the factor between
                                     the tested quantity and its threshold (> 10: safe) */
    double hess_min;            /**< smallest Hessian eigenvalue (NaN if not computed) */
    double hess_max;            /**< largest Hessian eigenvalue */
    double hess_tol;            /**< |mu| <= hess_tol counted as zero */
    size_t hess_nullity;        /**< eigenvalues counted as zero (SIZE_MAX if not computed) */
    double curvature;           /**< d^T H d of the unit direction written (NaN if none) */
    double probe_decrease;      /**< smallest F(W') - F(W) found by the descent probe (NaN: not run) */
    double probe_step;          /**< ||W' - W|| of that point */
} dln_class_report;
/** Size of the first version of ::dln_class_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_CLASS_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_class_report, probe_step)

/**
 * Analyse the loss for networks of depth @p depth and widths d_0..d_L.
 * The loss (data summary and lam_l) is copied: later changes to @p loss
 * do not affect the landscape. The effective target, its SVD, thresholds,
 * roots, global value, flags and orbit count are computed here (cost: a few
 * SVDs of d_L x d_0 matrices).
 * @param out    receives the new handle (unchanged on failure)
 * @param loss   the loss to analyse (copied; only read)
 * @param depth  L >= 1
 * @param widths L+1 widths, widths[0] = d_0 and widths[L] = d_L of the loss
 * @return ::DLN_E_NULL, ::DLN_E_DIM (depth 0, a zero width, widths that do
 *         not fit the loss, lam_l set for another depth), ::DLN_E_OVERFLOW,
 *         ::DLN_E_NONFINITE (F(0) or a value overflows: data or target too
 *         large to analyse), ::DLN_E_NOMEM, ::DLN_E_LAPACK. A landscape is
 *         returned even when no theory applies.
 */
DLN_API dln_status dln_landscape_create(dln_landscape **out, const dln_loss *loss, size_t depth,
                                        const size_t *widths);
/** Free a landscape; NULL is a no-op. */
DLN_API void dln_landscape_free(dln_landscape *ls);
/** Detail of the last failure of a function called on @p ls. */
DLN_API const char *dln_landscape_errmsg(const dln_landscape *ls);
/** Theory that applies (::DLN_THEORY_NONE for NULL). */
DLN_API dln_theory dln_landscape_theory(const dln_landscape *ls);
/** DLN_LIMIT_* bits explaining why a theory does not apply (0 if one does). */
DLN_API unsigned dln_landscape_limits(const dln_landscape *ls);
/** One line naming the theory and, if none applies, why (static per handle, never NULL). */
DLN_API const char *dln_landscape_reason(const dln_landscape *ls);
/** nv: length of the value array and of patterns (0 for NULL). */
DLN_API size_t dln_landscape_num_values(const dln_landscape *ls);
/** Number of parameters n of the analysed shape (0 for NULL). */
DLN_API size_t dln_landscape_num_params(const dln_landscape *ls);
/** Fill @p info (the scalars computed at creation; no computation here).
 *  Errors: ::DLN_E_NULL, ::DLN_E_RANGE (info->struct_size too small). */
DLN_API dln_status dln_landscape_get_info(const dln_landscape *ls, dln_landscape_info *info);
/**
 * The nv values in decreasing order: singular values y_k of Ybar (regularized
 * theory) or eigenvalues gamma_i of Sigma (every lam_l = 0 and H1 holds,
 * also when H2 or H3 fail, so that the violation can be inspected) into
 * @p values (nv = dln_landscape_num_values() entries).
 * Errors: ::DLN_E_NULL, ::DLN_E_UNSUPPORTED (no values: convex case, or no
 * theory and not every lam_l = 0 with H1).
 */
DLN_API dln_status dln_landscape_values(const dln_landscape *ls, double *values);
/**
 * Roots of the critical equation for value k (0-based) of a regularized
 * landscape, as dln_critical_roots() with the landscape's L and lam and
 * tau = ::DLN_TOL_VALUE. Errors: ::DLN_E_NULL, ::DLN_E_RANGE
 * (info->struct_size too small), ::DLN_E_UNSUPPORTED for other theories,
 * ::DLN_E_DIM if k >= nv.
 */
DLN_API dln_status dln_landscape_roots(const dln_landscape *ls, size_t k, dln_root_info *info);
/**
 * Per-layer values of the roots of value k (regularized.md 2.3, 9(a)4): a
 * component matched with root s has the singular value
 *
 *     sigma_l = s / sqrt(lam_l / c)      in layer W_l, l = 1..L,
 *
 * at every critical point (c: the data scale of dln_landscape_info, 1 for a
 * target loss). Column j of the L x 2 array @p sigma (column-major, ld >= L)
 * belongs to root s[j] of dln_landscape_roots() (s_+ or s*, then s_-); a
 * column of an absent root is NaN. Threads: reads the landscape only.
 * @return ::DLN_E_NULL, ::DLN_E_UNSUPPORTED unless the theory is
 *         regularized, ::DLN_E_DIM (k >= nv), ::DLN_E_LD (ld < L). Nothing
 *         is written on error.
 */
DLN_API dln_status dln_landscape_root_layers(const dln_landscape *ls, size_t k, double *sigma,
                                             size_t ld);
/**
 * Pattern of orbit type @p index (0 <= index < info.num_orbits) into
 * @p pattern (nv entries). Types are ordered block by block (largest value
 * first), within a block by the number matched and then the number of s_-
 * roots; index 0 is W = 0 (or S empty). Errors: ::DLN_E_NULL,
 * ::DLN_E_RANGE (index out of range, or num_orbits overflowed to SIZE_MAX),
 * ::DLN_E_UNSUPPORTED without a regularized/unregularized theory.
 */
DLN_API dln_status dln_landscape_orbit(const dln_landscape *ls, size_t index, int *pattern);
/**
 * Class, critical value and (regularized) the block Hessian spectrum
 * summary of the critical points with @p pattern (nv entries of
 * ::dln_match) into @p info (struct_size set by the caller).
 * Errors: ::DLN_E_NULL, ::DLN_E_RANGE (pattern not admissible, or
 * struct_size too small), ::DLN_E_UNSUPPORTED (no closed form),
 * ::DLN_E_NONFINITE (the block spectrum overflows, e.g. for lam_l so small
 * that the weights of the orbit do), ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_landscape_pattern_info(dln_landscape *ls, const int *pattern,
                                              dln_orbit_info *info);
/**
 * All n Hessian eigenvalues (ascending) at any critical point of the
 * regularized orbit with @p pattern, from the block structure of
 * regularized.md 3 (D-congruence for unequal lam_l, times c for data)
 * without forming the Hessian: O(r^2 L + n log n) work with equal lam_l
 * (r^2 L^3 otherwise). @p evals has n = dln_landscape_num_params()
 * entries. Errors: ::DLN_E_NULL, ::DLN_E_RANGE (pattern not admissible),
 * ::DLN_E_UNSUPPORTED unless the theory is regularized, ::DLN_E_NONFINITE
 * (the spectrum overflows; nothing is written on error), ::DLN_E_NOMEM,
 * ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_landscape_orbit_spectrum(dln_landscape *ls, const int *pattern,
                                                double *evals);
/**
 * Build a critical point with @p pattern into @p net (its widths must be
 * the landscape's; its weights are overwritten).
 *
 * Regularized: W_l = (lam_l/c)^{-1/2} U_l S U_{l-1}^T with U_L, U_0 the
 * matched singular vectors of Ybar and hidden frames U_l that are leading
 * identity columns (::DLN_FRAMES_CANONICAL) or Haar-random, together with a
 * random frame inside each repeated singular space (::DLN_FRAMES_RANDOM).
 * Unregularized (unregularized.md 12b): W_1 = [U_S^T M; K_1],
 * W_h = [I 0; 0 K_h], W_L = [U_S, K_L] with the extra blocks K_l chosen by
 * @p extras (L entries of ::dln_extra; NULL: all zero), then a random
 * well-conditioned GL gauge at every hidden node with ::DLN_FRAMES_RANDOM.
 * The point is checked: ::DLN_E_RANGE if the pattern is not admissible or
 * the extra chain does not give a critical point (net unchanged).
 * ::DLN_E_UNSUPPORTED for the convex and no-theory cases.
 */
DLN_API dln_status dln_landscape_build(dln_landscape *ls, const int *pattern, const int *extras,
                                       dln_frames frames, uint64_t seed, dln_net *net);
/** Set a tolerance (0 < tol < 1, see ::dln_tol); ::DLN_TOL_VALUE re-runs the
 *  analysis of dln_landscape_create() (if that fails, the previous tolerance
 *  and analysis are restored and its status returned). Errors: ::DLN_E_NULL,
 *  ::DLN_E_RANGE (unknown kind or tol outside (0, 1)). */
DLN_API dln_status dln_landscape_set_tol(dln_landscape *ls, dln_tol which, double tol);
/** Current value of a tolerance (NaN for NULL or an unknown kind). */
DLN_API double dln_landscape_get_tol(const dln_landscape *ls, dln_tol which);
/**
 * Classify the point W of @p net (widths of the landscape).
 *
 * 1. Criticality: grad_rel = max_l ||grad_l||_F / g_l <= ::DLN_TOL_GRAD, where g_l =
 *    prod_{k!=l} ||W_k||_2 (||Sxx||_2 prod_k ||W_k||_2 + ||Syx||_2) + lam_l ||W_l||_2 +
 *    a_l, a_l being the size of the terms that cancel in grad_l, with a floor at the
 *    natural scale of the data (unregularized.md 8). Otherwise ::DLN_CLASS_NOT_CRITICAL.
 * 2. Theory: the matched structure is read off the point (pattern: nv entries,
 *    optional) and the rules of regularized.md 4 / unregularized.md 4 apply.
 *    Every point-dependent decision uses the band tau = max(t, sqrt(grad_rel)),
 *    t = ::DLN_TOL_RANK; a decisive quantity within a factor 10 of its threshold
 *    gives ::DLN_CLASS_UNDETERMINED with ::DLN_CF_TOLERANCE.
 * 3. Numerical: the Hessian's eigenvalues, dense for n <= 1500 (above: the
 *    extreme pairs from dln_loss_hessian_eigs() and no probe, ::DLN_CF_TOO_LARGE).
 *    lambda_min < -10 hess_tol gives a strict saddle (within a factor 10 of
 *    -hess_tol: undetermined). For a PSD Hessian a descent probe along the
 *    numerical null space (Newton-corrected on its complement) looks for
 *    higher-order descent (non-strict saddle); otherwise the value decides:
 *    at the global value a global minimum, above it a spurious local minimum
 *    (regularized), a non-strict saddle (unregularized with H1-H3, where
 *    every local minimum is global, ::DLN_CF_NO_SPURIOUS), and
 *    ::DLN_CLASS_MINIMUM when the global value is unknown.
 * Methods: ::DLN_METHOD_AUTO uses the theory when one applies and falls back
 * to the numerical method when it does not or when the theory's verdict is
 * undetermined; ::DLN_METHOD_BOTH runs both and reports ::DLN_CF_DISAGREE
 * (class undetermined) when two decided verdicts differ.
 * For strict saddles a unit negative-curvature direction is written to
 * @p direction (n entries, optional) and report->curvature = d^T H d; for
 * non-strict saddles the probe's descent direction when one was found.
 * @return ::DLN_OK whenever a report was produced (including UNDETERMINED);
 *         ::DLN_E_NULL, ::DLN_E_DIM (widths), ::DLN_E_RANGE (struct_size or
 *         method), ::DLN_E_NOMEM, ::DLN_E_LAPACK. On error nothing is written.
 */
DLN_API dln_status dln_landscape_classify(dln_landscape *ls, const dln_net *net,
                                          dln_method method, dln_class_report *report,
                                          int *pattern, double *direction);
/** Static name of a class ("global minimum", ...). */
DLN_API const char *dln_class_name(dln_class cls);

/**
 * Thresholds of the regularized scalar equation for depth L >= 2 and
 * lam = prod_l lam_l > 0 (regularized.md 2.3), computed in log space:
 * y* (double root), yhat (worth fitting), s* and p* (NaN for L = 2, where
 * y* = yhat = sqrt(lam)). Any output may be NULL.
 * @return ::DLN_E_RANGE for L < 2 or lam not finite and positive.
 */
DLN_API dln_status dln_critical_thresholds(size_t depth, double lam, double *ystar, double *yhat,
                                           double *sstar, double *pstar);
/**
 * Positive roots s of s^{2L-2} - sqrt(lam) y s^{L-2} + lam = 0 for y >= 0
 * (regularized.md 2.3, 9(a)4): L = 2 in closed form; L >= 3 by Newton in
 * t = ln s on the convex H(t) = e^{Lt} + lam e^{(2-L)t} - sqrt(lam) y from
 * starting points on the far side of each root (monotone), with a bisection
 * fallback; |delta| <= tau flags the double root s*.
 * @param depth L >= 2
 * @param lam   lam = prod_l lam_l > 0, finite
 * @param y     the value to match, y >= 0, finite
 * @param tau   relative tolerance on delta = (y - y*)/y* (0 selects 1e-12)
 * @param info  output (struct_size set by the caller): the roots, their
 *              p = s^L/sqrt(lam), phi, residuals and iteration counts
 * @return ::DLN_E_NULL, ::DLN_E_RANGE (L < 2, lam or y invalid, tau not in
 *         [0, 1)), ::DLN_E_RANGE if info->struct_size is too small.
 */
DLN_API dln_status dln_critical_roots(size_t depth, double lam, double y, double tau,
                                      dln_root_info *info);
/** @} */

/* ======================================================================== */
/** @name Landscape: distances to the critical set, error bounds and predicted rates
 *
 * Numbers behind the convergence theory of the regularized loss
 * (regularized.md §5, §6, §9(c), §9(e)), for a landscape whose theory is
 * ::DLN_THEORY_REGULARIZED (every lam_l > 0; a target loss, or data with
 * X X^T = c I). Near its critical set the loss satisfies the error bound
 *
 *     dist(W, Crit F) <= kappa ||grad F(W)||
 *
 * exactly when y* is not a singular value of Ybar (Theorem C), and gradient
 * descent then converges linearly with the rate rho(eta) read off the
 * Hessian at the limit orbit (Theorem D). dln_landscape_distance() measures
 * the distance, the ratio dist / ||grad F|| and its predicted limit kappa at
 * any point; dln_landscape_rate() predicts the rate of an orbit. Every
 * threshold verdict carries its relative gap; a NaN or infinite output
 * always comes with the flag that explains it. See docs/errbound.md.
 *
 * Threads: as every function of a landscape (one thread at a time).
 * @{ */

/** Bits of dln_dist_report::flags and dln_rate_report::flags. */
enum {
    /** y* is a singular value of Ybar (within ::DLN_TOL_VALUE; the gap is
     *  error_bound_gap): the error bound fails near some critical orbit. */
    DLN_EB_FAILS = 1,
    /** The orbit is not Morse-Bott: a matched double root s* (L >= 3), or
     *  (L = 2) room and an unmatched value at sqrt(lam). kappa = +Inf; the
     *  ratio grows like 1/dist (L >= 3) or 1/dist^2 (L = 2) along the
     *  degenerate directions, and gradient descent is sublinear there. */
    DLN_EB_DEGENERATE = 2,
    /** The projection stopped at its sweep cap: dist is still an upper bound
     *  (the distance to a critical point), but may not be the orbit's. */
    DLN_EB_NOCONV = 4,
    /** dist exceeds 0.1 times the smallest nonzero layer singular value of
     *  any critical point: W is outside the local regime, the nearest orbit
     *  type is a guess and kappa does not predict the ratio. */
    DLN_EB_FAR = 8,
    /** Another orbit type was within 10% of dist (dist_second). */
    DLN_EB_AMBIGUOUS = 16,
    /** dist is at the rounding level of W (<= 100 eps max(||W||, scale)): W is
     *  critical to working precision and the ratio is rounding noise. */
    DLN_EB_ROUNDING = 32,
    /** grad F(W) = 0 exactly: the ratio is NaN. */
    DLN_EB_NO_RATIO = 64,
    /** The orbit has a negative Hessian eigenvalue (a strict saddle):
     *  gradient descent is repelled, rho > 1. */
    DLN_EB_SADDLE = 128,
    /** eta >= 2/mu_max: gradient descent cannot converge to this orbit. */
    DLN_EB_UNSTABLE = 256
};

/** Distance to the critical set and error-bound ratio at a point
 *  (dln_landscape_distance()). */
typedef struct dln_dist_report {
    size_t struct_size;       /**< sizeof(dln_dist_report), set by the caller */
    unsigned flags;           /**< DLN_EB_* bits */
    double dist;              /**< upper bound ||W - W*||: W* is a critical point (the projection) */
    double dist_lower;        /**< certified lower bound on dist(W, Crit F) (Mirsky, all orbit types) */
    double dist_lower_orbit;  /**< Mirsky lower bound on the distance to the orbit of W* */
    double dist_second;       /**< distance to the best other candidate type (+Inf if none); one
                                   skipped by its Mirsky bound counts with that bound */
    double value;             /**< F(W) */
    double critical_value;    /**< F on the orbit of W* */
    double grad_norm;         /**< ||grad F(W)|| */
    double ratio;             /**< dist / grad_norm (NaN only with ::DLN_EB_NO_RATIO) */
    double kappa;             /**< 1/mu_min^+ of the orbit of W* (+Inf with ::DLN_EB_DEGENERATE) */
    double mu_min_pos;        /**< mu_min^+: smallest |Hessian eigenvalue| normal to the orbit */
    double mu_max;            /**< largest Hessian eigenvalue on the orbit */
    double hess_min;          /**< smallest Hessian eigenvalue on the orbit (< 0: saddle) */
    size_t rank;              /**< r: matched components of the orbit */
    size_t orbit_dim;         /**< dimension of the orbit (regularized.md 2.5) */
    dln_class cls;            /**< class of the orbit (Theorem B) */
    int error_bound;          /**< 1 if the error bound holds near all of Crit F (y* not a value) */
    double error_bound_gap;   /**< min_k |y_k - y*|/y*, the gap that decides error_bound */
    double orbit_gap;         /**< min |y - y*|/y* over the values that can make this orbit
                                   degenerate (matched values; for L = 2 also unmatched ones when
                                   r < d_min); +Inf if none. kappa ~ gap^{-1/2} (L >= 3) or
                                   gap^{-1} (L = 2) as it tends to 0 */
    size_t candidates;        /**< orbit types projected on (skipped ones not counted) */
    size_t sweeps;            /**< Procrustes sweeps and Gauss-Newton steps, all candidates together */
} dln_dist_report;
/** Size of the first version of ::dln_dist_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_DIST_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_dist_report, sweeps)

/**
 * Distance from W (the weights of @p net) to the critical set of the
 * regularized loss, the error-bound ratio and its predicted limit
 * (regularized.md §9(c)).
 *
 * 1. **Orbit type.** The end-to-end matrix projected on each singular block
 *    of Ybar gives one direction per value; the layer singular values along
 *    it, followed down the layers, are compared with each admissible root
 *    (s_+, s_-, s*, or unmatched). The nearest choice gives the primary
 *    type; choices within a factor 4 of it (in squared boundary mismatch)
 *    give alternative types (at most 6), and W = 0 is always a candidate.
 * 2. **Coupled Procrustes projection** onto each candidate orbit: minimize
 *    sum_l ||W_l - (lam_l/c)^{-1/2} U_l S U_{l-1}^T||^2 over the hidden frames
 *    U_l in St(d_l, r) and the rotations Z_b inside each singular block
 *    (U_L = U_b Z_b, U_0 = V_b Z_b). While dist < 0.1 ||W||, Gauss-Newton
 *    steps move all frames at once (the linearized problem splits into one
 *    small tridiagonal system per pair of components and one normal step
 *    per frame; usually 2 steps), each step undone unless it lowers the
 *    objective; otherwise, and after an undone step, sweeps take each frame
 *    in turn by an orthogonal polar factor (near the orbit a first-order
 *    update of the previous frame, orthonormalized by Newton-Schulz steps,
 *    instead of an SVD). Both stop when the estimated decrease still to come
 *    (from the ratio of the last decreases) is below 1e-10 of the objective,
 *    1e-4 while dist > 0.1 ||W||, or when a sweep lowers it by less than
 *    1e-13 of itself (at most 500 sweeps, ::DLN_EB_NOCONV). W = 0 is
 *    projected first (exactly), then the primary type; an alternative is
 *    skipped when its Mirsky bound exceeds 1.1 times the best dist so far,
 *    and all of them once dist > 0.1 ||W||. Any frames give a
 *    critical point, so @c dist is an upper bound on dist(W, Crit F); it is
 *    the distance to the nearest point of the orbit when the iteration
 *    reaches it (always near the orbit). For W = W_0 + Delta with W_0 on an
 *    orbit and Delta normal to it, dist = ||Delta|| while ||Delta|| is below
 *    the orbit's reach.
 * 3. **Lower bound.** Mirsky's inequality per layer:
 *    dist(W, orbit)^2 >= sum_l sum_i (sigma_i(W_l) - s_i (lam_l/c)^{-1/2})^2,
 *    minimized over all orbit types (dynamic programme over the sorted
 *    roots) for @c dist_lower.
 * 4. **Ratio** dist / ||grad F(W)|| and **kappa** = 1/mu_min^+ of the orbit
 *    of W*, from the block Hessian spectrum (no dense Hessian; the dim
 *    eigenvalues of smallest modulus are the tangent ones). Near a
 *    Morse-Bott orbit the ratio lies in [1/mu_max, kappa] up to a factor
 *    1 + O(dist). Along gradient descent the iterates align with the slowest
 *    mode and the ratio tends to 1/|mu_slowest| of dln_landscape_rate():
 *    kappa when eta < eta_opt, 1/mu_max when eta > eta_opt.
 *
 * @param ls      regularized landscape (its loss copy and error buffer are used)
 * @param net     the point W (widths of the landscape)
 * @param report  output (struct_size set by the caller)
 * @param pattern NULL, or nv entries: the orbit type of W* (::dln_match)
 * @param nearest NULL, or a net of the landscape's widths that receives W*
 *                (may be @p net itself). W* is exactly critical; its position
 *                on the orbit is accurate to about 1e-5 dist (the objective,
 *                quadratic in the frame error, is converged to about 1e-10)
 * Cost: the SVDs of the L layers and of the blocks of U^T P V, a gradient,
 * per candidate near an orbit 1-2 Gauss-Newton steps of about 7L
 * products d x d x r each, else 1 to a few dozen sweeps of L polar factors
 * (d_l x r; near an orbit first-order updates of a few products instead)
 * and L GEMMs, and
 * the block spectrum O(r^2 L + n) with equal lam_l, O(r^2 L^3 + n)
 * otherwise. The landscape keeps the workspace (about (6L + 20) d^2 doubles
 * for widths d) and the spectrum of the last nearest orbit type: a
 * repeated call allocates nothing unless that type changes.
 * @return ::DLN_E_NULL, ::DLN_E_DIM (widths), ::DLN_E_RANGE (struct_size),
 *         ::DLN_E_UNSUPPORTED (the theory is not regularized; the reason in
 *         dln_landscape_errmsg()), ::DLN_E_NONFINITE (F or its gradient
 *         overflowed), ::DLN_E_NOMEM, ::DLN_E_LAPACK. Nothing is written on
 *         error.
 */
DLN_API dln_status dln_landscape_distance(dln_landscape *ls, const dln_net *net,
                                          dln_dist_report *report, int *pattern, dln_net *nearest);
/**
 * dln_landscape_distance() to the orbit of a chosen type: the coupled
 * Procrustes projection (step 2) runs on the orbit of @p pattern only,
 * whatever orbit is nearest, e.g. to follow the distance to the global
 * minimizers' orbit along a run, or to a saddle's orbit on the way out.
 * In each singular block the matched components start on the directions of
 * W with the largest projected values, larger roots first. @c dist is an
 * upper bound on the distance to that orbit (the distance itself once W is
 * near it); @c dist_second is +Inf, @c candidates is 1, and the other
 * fields (kappa, spectrum, class, the certified lower bound over all types,
 * flags) are those of dln_landscape_distance() for this orbit.
 * @param ls      regularized landscape (its loss copy and error buffer are used)
 * @param net     the point W (widths of the landscape)
 * @param pattern nv entries of ::dln_match (e.g. from dln_landscape_orbit())
 * @param report  output (struct_size set by the caller)
 * @param nearest NULL, or a net of the landscape's widths that receives the
 *                projection W* (may be @p net itself)
 * Cost: one candidate of dln_landscape_distance().
 * @return as dln_landscape_distance(), and ::DLN_E_NULL (pattern),
 *         ::DLN_E_RANGE (pattern not admissible). Nothing is written on error.
 */
DLN_API dln_status dln_landscape_distance_to(dln_landscape *ls, const dln_net *net,
                                             const int *pattern, dln_dist_report *report,
                                             dln_net *nearest);
/**
 * The excess F(W) - F* of the regularized loss, accurate where F(W) - F*
 * computed from two loss values has lost its digits (below a distance of
 * about 1e-4 from a minimizer in double precision):
 *
 *     excess_orbit = F(W) - F(W*) = sum_{k=1}^{2L} coef[k],
 *     excess       = excess_orbit + (F_orbit - F*),
 *
 * where W* is the projection of W on the nearest orbit (dln_landscape_distance())
 * or on the orbit of @p pattern (dln_landscape_distance_to()), coef are the
 * exact coefficients of F on the segment from W* to W (dln_loss_line_coeffs();
 * coef[1] = <grad F(W*), W - W*> is zero up to rounding), F_orbit is the
 * orbit's closed-form critical value and F* = dln_landscape_info::global_value
 * (the difference is exactly 0 on a global minimizers' orbit). The relative
 * error is about eps / dist instead of eps / dist^2.
 * @param ls      regularized landscape (its loss copy and error buffer are used)
 * @param net     the point W (widths of the landscape)
 * @param pattern NULL (the nearest orbit) or nv entries of ::dln_match
 * @param excess, excess_orbit outputs (either may be NULL)
 * Cost: dln_landscape_distance() (or one candidate of it) and
 * dln_loss_line_coeffs().
 * @return errors of dln_landscape_distance() / dln_landscape_distance_to()
 *         (::DLN_E_UNSUPPORTED unless regularized, ::DLN_E_DIM, ::DLN_E_RANGE
 *         for a pattern, ...), ::DLN_E_NULL, ::DLN_E_NOMEM. Nothing is written
 *         on error.
 */
DLN_API dln_status dln_landscape_excess(dln_landscape *ls, const dln_net *net, const int *pattern,
                                        double *excess, double *excess_orbit);

/** Predicted gradient-descent rate at an orbit (dln_landscape_rate()). */
typedef struct dln_rate_report {
    size_t struct_size;  /**< sizeof(dln_rate_report), set by the caller */
    unsigned flags;      /**< ::DLN_EB_DEGENERATE (sublinear), ::DLN_EB_SADDLE, ::DLN_EB_UNSTABLE */
    double eta;          /**< the step the rate is for */
    double rho;          /**< max over the normal eigenvalues mu of |1 - eta mu| */
    double mu_slowest;   /**< the eigenvalue that attains rho */
    double mu_min_pos;   /**< mu_min^+ (smallest normal |eigenvalue|) */
    double mu_max;       /**< largest eigenvalue */
    double hess_min;     /**< smallest eigenvalue */
    double eta_opt;      /**< 2/(mu_min^+ + mu_max): the step that minimizes rho */
    double rho_opt;      /**< (mu_max - mu_min^+)/(mu_max + mu_min^+): rho at eta_opt */
    double eta_max;      /**< 2/mu_max: the stability bound (+Inf if mu_max <= 0) */
    size_t orbit_dim;    /**< tangent eigenvalues left out (the orbit dimension) */
} dln_rate_report;
/** Size of the first version of ::dln_rate_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_RATE_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_rate_report, orbit_dim)

/**
 * Linear rate of gradient descent W <- W - eta grad F near the orbit of
 * @p pattern (regularized.md §6, §9(e)): tangent directions do not move and
 * each normal eigen-direction with Hessian eigenvalue mu contracts by
 * |1 - eta mu| per step, so ||grad F_k||, dist_k and ||W_k - W_inf|| decay
 * like rho^k and F_k - F_inf like rho^{2k}, with
 *
 *     rho(eta) = max_{mu normal} |1 - eta mu|,   stable iff eta < 2/mu_max,
 *     eta* = 2/(mu_min^+ + mu_max),               rho* = (mu_max - mu_min^+)/(mu_max + mu_min^+).
 *
 * The spectrum is the block spectrum of the orbit (times c for data), so
 * eta is the step of gradient descent on the loss itself. rho > 1 at a
 * strict saddle (::DLN_EB_SADDLE: repelled); at a degenerate orbit
 * (::DLN_EB_DEGENERATE) the extra zero eigenvalue gives rho = 1: there is no
 * linear rate and convergence is sublinear.
 * @param ls      regularized landscape
 * @param pattern nv entries of ::dln_match (e.g. from dln_landscape_distance())
 * @param eta     step > 0, finite; 0 selects eta*
 * @param report  output (struct_size set by the caller)
 * Cost: the block spectrum, O(r^2 L + n log n) with equal lam_l
 *       (r^2 L^3 otherwise).
 * @return ::DLN_E_NULL, ::DLN_E_RANGE (pattern not admissible, eta negative
 *         or not finite, struct_size), ::DLN_E_UNSUPPORTED (not regularized),
 *         ::DLN_E_NONFINITE (the block spectrum overflows), ::DLN_E_NOMEM,
 *         ::DLN_E_LAPACK. Nothing is written on error.
 */
DLN_API dln_status dln_landscape_rate(dln_landscape *ls, const int *pattern, double eta,
                                      dln_rate_report *report);
/** @} */

/* ======================================================================== */
/** @name Numerical rates for any data
 *  @{ */

/**
 * Linear rate of gradient descent W <- W - eta grad F predicted from the
 * Hessian at the point W itself, for any data (whitened or not), with or
 * without weight decay: the closed form of dln_landscape_rate() evaluated
 * on the numerical spectrum of the Hessian restricted to the complement of
 * the symmetry directions (dln_loss_hessian_eigs_deflated()):
 *
 *     rho(eta) = max |1 - eta mu| = max(|1 - eta mu_min|, |1 - eta mu_max|).
 *
 * At (or near) the limit of a GD run this is the observed slope of
 * log ||grad F_k||. Report fields: eta, rho, mu_slowest (the end that
 * attains rho), hess_min = mu_min (the smallest eigenvalue on the
 * complement; dln_landscape_rate() reports the full Hessian's, which is 0
 * on a nontrivial orbit), mu_max, mu_min_pos (= mu_min when
 * mu_min >= 0; NaN at a saddle, as are eta_opt and rho_opt), eta_opt,
 * rho_opt, eta_max as in dln_landscape_rate(), and
 * orbit_dim = the removed dimension. Flags: ::DLN_EB_SADDLE if mu_min <
 * -zero, ::DLN_EB_DEGENERATE if an eigenvalue within zero = 1e-8 max|mu|
 * of 0 remains (flat directions beyond the symmetries: no linear rate),
 * ::DLN_EB_UNSTABLE if eta >= 2/mu_max, ::DLN_EB_NOCONV if the eigensolver
 * missed its tolerance (the estimates are still used).
 * @param loss    loss (its HVP scratch is used)
 * @param net     point W
 * @param eta     step > 0 and finite; 0 selects eta_opt (1/mu_max at a saddle)
 * @param tol     as for dln_loss_hessian_eigs_deflated()
 * @param maxit   as for dln_loss_hessian_eigs_deflated()
 * @param seed    as for dln_loss_hessian_eigs_deflated()
 * @param options as for dln_loss_hessian_eigs_deflated()
 * @param report  output (struct_size >= sizeof(dln_rate_report) of 0.1)
 * Cost: two deflated eigensolves (k = 1, both ends).
 * @return ::DLN_OK; ::DLN_E_NULL, ::DLN_E_DIM, ::DLN_E_RANGE (eta, tol,
 *         options, struct_size), ::DLN_E_TOO_LARGE, ::DLN_E_OVERFLOW,
 *         ::DLN_E_NOMEM, ::DLN_E_NONFINITE, ::DLN_E_LAPACK. Nothing is
 *         written on error.
 */
DLN_API dln_status dln_loss_gd_rate(dln_loss *loss, const dln_net *net, double eta, double tol,
                                    size_t maxit, uint64_t seed, unsigned options,
                                    dln_rate_report *report);
/** @} */

/* ======================================================================== */
/** @name Convergence metrics: quantities of the unregularized theory
 *
 * Quantities from the convergence theory of deep linear networks, evaluated
 * at the weights of a net (unregularized.md §3, §10, §11, §12(c), (e)):
 * balancedness, the optimal value f* and the gradient-dominance ratio, the
 * Zhou-Liang constants, and the deficiency margin and bounds of Arora,
 * Cohen, Golowich & Hu. Notation: the loss summary in effect
 * (dln_loss_summary(), mean normalization included) is R, Yw = C and r0,
 * so F = 1/2 ||P R^T - Yw||^2 + r0/2 (+ penalty); Sxx = R^T R,
 * gamma_1 >= gamma_2 >= ... are the squared singular values of Yw, and
 * r_max = min(d_0, ..., d_L). See docs/metrics.md for meaning, cost and
 * caveats of every quantity.
 *
 * Report structs follow the convention of ::dln_eig_report: the caller sets
 * struct_size = sizeof(the struct) before the call (any value >=
 * sizeof(size_t) is accepted; only the leading struct_size bytes are
 * written, so binaries built against an older, shorter struct keep working).
 * @{ */

/** Default relative tolerance of the metrics functions (tol = 0). */
#define DLN_METRICS_TOL 1e-10
/** Relative tolerance of the whitening test Sxx = s I of dln_loss_arora():
 *  (sigma_max(Sxx) - sigma_min(Sxx)) <= DLN_WHITEN_RTOL * sigma_max(Sxx). */
#define DLN_WHITEN_RTOL 1e-8
/** Constant of the balancedness bound of Arora, Cohen, Golowich & Hu
 *  delta_max = c^2 / (DLN_ARORA_DELTA_CONST L^3 ||Phi||_F^{2(L-1)/L})
 *  (as commonly cited; unregularized.md §11.3). */
#define DLN_ARORA_DELTA_CONST 256.0
/** Constant of the step-size bound of Arora, Cohen, Golowich & Hu
 *  eta_max = c^{(4L-2)/L} / (DLN_ARORA_ETA_CONST L^3 ||Phi||_F^{(6L-4)/L})
 *  (as commonly cited; unregularized.md §11.3). */
#define DLN_ARORA_ETA_CONST 6144.0

/** Whether a theorem's hypotheses hold for a loss and a network shape. */
typedef enum dln_applicability {
    DLN_APPLICABLE = 0,      /**< the hypotheses hold */
    DLN_NA_NOT_SQUARE = 1,   /**< the widths d_0..d_L are not all equal */
    DLN_NA_SXX_SINGULAR = 2  /**< Sxx is singular at the rank tolerance (H1 fails) */
} dln_applicability;

/**
 * Balancedness of the layers (the delta of Arora, Cohen, Golowich & Hu;
 * unregularized.md §11.2):
 *
 *     D_l = W_{l+1}^T W_{l+1} - W_l W_l^T   (d_l x d_l),   norms[l-1] = ||D_l||_F,  l = 1..L-1.
 *
 * Gradient flow on the unregularized loss keeps every D_l constant; one step
 * of gradient descent W <- W - eta grad changes it by exactly
 * eta^2 (grad_{l+1}^T grad_{l+1} - grad_l grad_l^T).
 * @param net    the network
 * @param norms  L-1 entries (output; nothing is written when L = 1)
 * @param D      NULL, or the matrices D_1..D_{L-1} one after another:
 *               D_l is d_l x d_l (ld = d_l) at offset sum_{j<l} d_j^2;
 *               total length sum_{l=1}^{L-1} d_l^2
 * @return ::DLN_E_NULL, ::DLN_E_OVERFLOW (the total length of D overflows),
 *         ::DLN_E_NONFINITE (a product overflowed), ::DLN_E_NOMEM.
 * Cost: 2 d_l^2 (d_{l-1} + d_{l+1}) flops per layer (two GEMMs).
 */
DLN_API dln_status dln_net_balancedness(const dln_net *net, double *norms, double *D);

/**
 * Balancedness weighted by the loss's l2 coefficients (regularized.md §2.1):
 *
 *     D_l = lam_{l+1} W_{l+1}^T W_{l+1} - lam_l W_l W_l^T,   norms[l-1] = ||D_l||_F,
 *
 * which vanishes at every critical point of the regularized loss. Without
 * regularization it is identically zero (use dln_net_balancedness()).
 * Shapes, layout and cost as dln_net_balancedness().
 * @return ::DLN_E_NULL, ::DLN_E_DIM (net does not match the loss or the depth
 *         of per-layer coefficients), ::DLN_E_OVERFLOW, ::DLN_E_NONFINITE,
 *         ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_loss_balancedness(dln_loss *loss, const dln_net *net, double *norms,
                                         double *D);

/**
 * Optimal value f* = inf F over all networks of the shape of @p net, for the
 * unregularized loss (unregularized.md §3):
 *
 *     f* = r0/2 + 1/2 ||Yw (I - Pi_R)||^2 + 1/2 sum_{i > r_max} gamma_i(Yw Pi_R),
 *
 * where Pi_R projects onto range(R). Under H1 (Sxx positive definite)
 * Pi_R = I and this is r0/2 + 1/2 sum_{i > r_max} gamma_i. The numerical
 * rank of R is decided with tolerance max(d_0, m) eps sigma_1(R) (an exactly
 * rank-deficient X then gives the infimum of its data, not the one of a
 * rounding-perturbed R). Only the widths of @p net are used.
 * Cost: an SVD of R (data loss) and of Yw, O(d_0^3 + d_L d_0 min(d_0, d_L)).
 * @return ::DLN_E_NULL, ::DLN_E_DIM, ::DLN_E_UNSUPPORTED (some lam_l > 0: f*
 *         is then given by the regularized theory), ::DLN_E_NONFINITE (f*
 *         overflows), ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_loss_optimal_value(dln_loss *loss, const dln_net *net, double *fstar);

/** Gradient dominance at a point; see dln_loss_gradient_dominance(). */
typedef struct dln_dominance_report {
    size_t struct_size;     /**< sizeof(dln_dominance_report), set by the caller */
    double value;           /**< F(W) */
    double fstar;           /**< f* (as dln_loss_optimal_value()) */
    double excess;          /**< F(W) - f*, computed without r0 and without subtracting two
                                 loss values; may be slightly negative by rounding */
    double tail;            /**< 1/2 sum_{i > r_max} gamma_i: the part of f* that a
                                 bottleneck forces (0 without bottleneck) */
    double excess_rel_tail; /**< excess / tail, the digits left after cancellation;
                                 +Inf when tail = 0 (nothing cancels) */
    double scale;           /**< ||Yw||_F^2, the scale of the "undefined" test */
    double grad_norm2;      /**< ||grad F(W)||^2 */
    double ratio;           /**< ||grad F||^2 / (F - f*) when @c defined, NaN otherwise;
                                 the Polyak-Lojasiewicz constant in the convention
                                 ||grad f||^2 >= 2 mu (f - f*) is ratio/2 */
    int defined;            /**< 1 iff excess > tol * scale */
    size_t rank_max;        /**< r_max = min(d_0..d_L) */
    size_t rank_x;          /**< numerical rank of R (d_0 iff H1 holds) */
    dln_applicability zl_status; /**< ::DLN_APPLICABLE iff the Zhou-Liang bound applies
                                 (all widths equal and Sxx positive definite) */
    double lambda_min_sxx;  /**< lambda_min(Sxx) = sigma_min(R)^2 (1 for a target loss) */
    double zl_bound;        /**< Zhou-Liang pointwise constant (0 if not applicable):
                                 2 lambda_min(Sxx) sum_l sigma_min^2(W_{L:l+1})
                                 sigma_min^2(W_{l-1:1}) <= ratio */
} dln_dominance_report;
/** Size of the first version of ::dln_dominance_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_DOMINANCE_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_dominance_report, zl_bound)

/**
 * Gradient-dominance ratio ||grad F(W)||^2 / (F(W) - f*) of the
 * unregularized loss (unregularized.md §12(c)) and, for square networks with
 * Sxx positive definite, Zhou & Liang's pointwise lower bound on it (§10):
 *
 *     F - f* = 1/2 (||P R^T - Yw Pi_R||^2 - sum_{i > r_max} gamma_i)
 *     ||grad F||^2 >= 2 lambda_min(Sxx) sum_l sigma_min^2(W_{L:l+1}) sigma_min^2(W_{l-1:1})
 *                     * (F - f*)
 *
 * The ratio is "undefined" (report->defined = 0, ratio = NaN) when
 * F - f* <= tol * ||Yw||^2: there the computed excess is dominated by
 * rounding (W is at, or numerically at, a global minimizer).
 * @param loss   unregularized loss (its scratch is used)
 * @param net    the point W
 * @param tol    relative threshold, 0 <= tol < 1; 0 selects ::DLN_METRICS_TOL
 * @param report output (struct_size set by the caller)
 * Cost: a gradient, the SVDs of dln_loss_optimal_value(), and for the
 * Zhou-Liang bound 2(L-1) SVDs of d x d partial products.
 * @return ::DLN_E_NULL, ::DLN_E_DIM, ::DLN_E_RANGE (tol or struct_size),
 *         ::DLN_E_UNSUPPORTED (some lam_l > 0), ::DLN_E_NONFINITE (overflow),
 *         ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_loss_gradient_dominance(dln_loss *loss, const dln_net *net, double tol,
                                               dln_dominance_report *report);

/** Zhou-Liang neighbourhood constants; see dln_loss_zhou_liang(). */
typedef struct dln_zhou_liang_report {
    size_t struct_size;      /**< sizeof(dln_zhou_liang_report), set by the caller */
    double lambda_min_sxx;   /**< lambda_min(Sxx) */
    double wstar_excess_rel; /**< (F(W*) - f*) / ||Yw||^2: how exactly W* is a minimizer */
    double tau;              /**< max_l ||W_l - W_l*||_2 / sigma_min(W_l*) */
    double mu_tau;           /**< 2 lambda_min (1-tau)^{2(L-1)} sum_l prod_{j!=l} sigma_min^2(W_j*)
                                  if tau < 1, else 0 */
    double delta;            /**< max_l ||W_l - W_l*||_2 */
    double s_star;           /**< min_l sigma_min(W_l*) */
    double mu_uniform;       /**< 2 L lambda_min (s* - delta)^{2(L-1)} if delta < s*, else 0 */
    int inside_tau;          /**< 1 iff tau < 1 (W is in the per-layer neighbourhood) */
    int inside_uniform;      /**< 1 iff delta < s* (W is in the uniform neighbourhood) */
} dln_zhou_liang_report;
/** Size of the first version of ::dln_zhou_liang_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_ZHOU_LIANG_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_zhou_liang_report, inside_uniform)

/**
 * Gradient-dominance constants of a neighbourhood of a full-rank global
 * minimizer W* (unregularized.md §10; libdlnet's own derived constants, the
 * paper's may differ by constant factors). For square networks (all widths
 * d) with Sxx positive definite, every W with ||W_l - W_l*||_2 <= tau
 * sigma_min(W_l*) (tau < 1), respectively ||W_l - W_l*||_2 <= delta < s*,
 * satisfies
 *
 *     ||grad F(W)||^2 >= mu (F(W) - f*),   mu = report->mu_tau, report->mu_uniform,
 *
 * evaluated at the smallest tau and delta that contain @p net.
 * @param loss   unregularized loss (its scratch is used)
 * @param net    the point W
 * @param wstar  a global minimizer with invertible layers, same shape as net
 * @param tol    W* is accepted when F(W*) - f* <= tol ||Yw||^2 and every
 *               sigma_min(W_l*) > d eps sigma_max(W_l*); 0 <= tol < 1, 0
 *               selects ::DLN_METRICS_TOL
 * @param report output (struct_size set by the caller)
 * Cost: 2L SVDs of d x d matrices, a loss value at W*.
 * @return ::DLN_E_UNSUPPORTED with the reason in dln_loss_errmsg() when some
 *         lam_l > 0, the net is not square, Sxx is singular, W* is not a
 *         global minimizer or has a singular layer; ::DLN_E_NULL,
 *         ::DLN_E_DIM (shapes), ::DLN_E_RANGE, ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_loss_zhou_liang(dln_loss *loss, const dln_net *net, const dln_net *wstar,
                                       double tol, dln_zhou_liang_report *report);

/** The quantities of Arora, Cohen, Golowich & Hu's Theorem 1, each next to its
 *  bound; see dln_loss_arora(). */
typedef struct dln_arora_report {
    size_t struct_size;  /**< sizeof(dln_arora_report), set by the caller */
    double sxx_scale;    /**< s with Sxx = s I: m for whitened data in the sum form,
                              1 for the mean form and for a target loss */
    double phi_norm;     /**< ||Phi||_F, Phi = Syx / s */
    double phi_sigma_min; /**< sigma_min(Phi), the min(d_0, d_L)-th singular value */
    double residual;     /**< ||W_{L:1} - Phi||_F */
    double margin;       /**< deficiency margin c = phi_sigma_min - residual */
    int margin_ok;       /**< 1 iff c > 0; otherwise the theorem does not apply:
                              delta_max, eta_max, eta_max_lib, rate and iterations
                              are NaN and every *_ok flag is 0 */
    double loss0;        /**< l(W) = 1/2 ||W_{L:1} - Phi||^2 (the paper's loss) */
    double delta;        /**< max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F (0 for L = 1) */
    double delta_max;    /**< c^2 / (256 L^3 ||Phi||^{2(L-1)/L}) */
    int delta_ok;        /**< 1 iff margin_ok and delta <= delta_max */
    double eta;          /**< the step for l: s * eta_lib (eta_lib = 0: eta_max, NaN
                              if !margin_ok) */
    double eta_max;      /**< c^{(4L-2)/L} / (6144 L^3 ||Phi||^{(6L-4)/L}), for l */
    double eta_max_lib;  /**< eta_max / s: the bound for gradient descent on this loss */
    int eta_ok;          /**< 1 iff margin_ok and eta <= eta_max */
    double rate;         /**< eta c^{2(L-1)/L}: guaranteed per-step contraction
                              l(t+1) <= (1 - rate) l(t) */
    double iterations;   /**< T(eps) = ceil(ln(l(0)/eps) / rate) (0 if l(0) <= eps;
                              may exceed 2^53, +Inf if rate underflows to 0) */
    int guarantee;       /**< 1 iff margin_ok, delta_ok and eta_ok: l(t) <= eps for
                              every t >= iterations */
} dln_arora_report;
/** Size of the first version of ::dln_arora_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_ARORA_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_arora_report, guarantee)

/**
 * Deficiency margin, balancedness, step-size bound and predicted iteration
 * count of Arora, Cohen, Golowich & Hu's Theorem 1 (unregularized.md §11,
 * §12(e)) for gradient descent from the weights of @p net.
 *
 * The theorem is about l(W) = 1/2 ||W_{L:1} - Phi||^2. It applies to a
 * target loss (Phi = Yw, s = 1) and to whitened data, Sxx = s I within
 * ::DLN_WHITEN_RTOL, where F = s l + r0/2 with Phi = Syx / s (s = m for
 * (1/m) X X^T = I in the sum form): gradient descent on F with step eta_lib
 * is gradient descent on l with step eta = s eta_lib.
 *
 *     c        = sigma_min(Phi) - ||W_{L:1} - Phi||_F
 *     delta    = max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F
 *     delta   <= c^2 / (DLN_ARORA_DELTA_CONST L^3 ||Phi||_F^{2(L-1)/L})
 *     eta     <= c^{(4L-2)/L} / (DLN_ARORA_ETA_CONST L^3 ||Phi||_F^{(6L-4)/L})
 *     T(eps)   = ceil(ln(l(0)/eps) / (eta c^{2(L-1)/L}))
 *
 * @param loss    unregularized target loss, or data loss with whitened data
 * @param net     the initial point W(0)
 * @param eta_lib step size of gradient descent on this loss (>= 0, finite);
 *                0 selects the bound eta_max_lib
 * @param eps     target accuracy for l (> 0, finite)
 * @param report  output (struct_size set by the caller)
 * Cost: SVDs of R and Phi, the end-to-end product, the balancedness.
 * @return ::DLN_E_UNSUPPORTED with the reason in dln_loss_errmsg() when some
 *         lam_l > 0 or the data are not whitened; ::DLN_E_NULL, ::DLN_E_DIM,
 *         ::DLN_E_RANGE, ::DLN_E_NONFINITE, ::DLN_E_NOMEM, ::DLN_E_LAPACK.
 */
DLN_API dln_status dln_loss_arora(dln_loss *loss, const dln_net *net, double eta_lib, double eps,
                                  dln_arora_report *report);
/** @} */

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
 * Options: every setter returns ::DLN_OK, ::DLN_E_NULL (@p opt NULL),
 * ::DLN_E_RANGE (a value outside the range stated with the setter) or
 * ::DLN_E_UNSUPPORTED (an option of another kind); on error the option keeps
 * its value and dln_opt_errmsg() names the option and its range. Options
 * take effect at the next dln_opt_run() or dln_opt_step(). Getters of a
 * NULL handle return NaN (doubles), 0 (sizes, seed) or ::DLN_E_NULL (the
 * getters of pairs, which write through pointers that may be NULL).
 *
 * Failures: a dln_opt_run() or dln_opt_step() that returns an error before
 * its first iteration (an argument error, ::DLN_E_NOMEM, F or grad F not
 * finite at theta_0) leaves the optimizer exactly as it was: report,
 * history, history rows and the method state that a following
 * dln_opt_step() continues from, and the net. A dln_opt_step() whose
 * iteration fails also leaves the report, the history and the net as they
 * were; its method state restarts at the next step. Only a dln_opt_run() that
 * fails after its first iteration leaves progress (an error of the
 * eigensolver of ::DLN_OPT_LBFGS_ESCAPE, which allocates at each check, or
 * of a history column's computation): the net then holds the last iterate
 * and the report and history describe the iterates done.
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
    /** L-BFGS (memory m; the direction in the compact form of Byrd, Nocedal and Schnabel) with a line search satisfying
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
    DLN_STOP_LINE_SEARCH = 9,
    /** ::DLN_OPT_LBFGS_ESCAPE: ||g_k|| <= grad_tol and no escapable negative
     *  curvature is left, but dln_landscape_classify() (::DLN_METHOD_AUTO)
     *  finds a non-strict saddle: the Hessian is PSD and rank-deficient
     *  beyond the symmetry directions, and F decreases only at third or
     *  higher order. The run cannot leave it with second-order steps; the
     *  net is left there. (A residual net is classified as the plain net of
     *  the same W_l without weight decay, and not at all with it.) */
    DLN_STOP_NONSTRICT_SADDLE = 10
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
 * values from 16 on are the landscape metrics of the error-bound module
 * (distance to the critical set, error-bound ratio, balancedness). The cost
 * is per recorded row.
 */
typedef enum dln_metric {
    DLN_METRIC_LOSS = 0,      /**< F_k (free) */
    DLN_METRIC_GRAD_NORM = 1, /**< ||g_k|| (free) */
    DLN_METRIC_STEP_NORM = 2, /**< ||theta_k - theta_{k-1}||, 0 at k = 0 (one pass over 2 vectors of length n) */
    DLN_METRIC_STEP_SIZE = 3, /**< step length t of iteration k, 0 at k = 0 (free) */
    DLN_METRIC_TIME = 4,      /**< seconds since the start of the run (one clock read) */
    /** dist(theta_k, Crit F): the upper bound of dln_landscape_distance()
     *  (regularized theory only: dln_opt_run() fails with ::DLN_E_UNSUPPORTED
     *  otherwise). A landscape and its workspace are built once per run; each
     *  row costs the projection (a few SVDs and Procrustes sweeps, no
     *  gradient), and the block spectrum when the nearest orbit type changes. */
    DLN_METRIC_DIST = 16,
    /** Error-bound ratio dist / ||g_k|| (NaN if g_k = 0), as
     *  dln_landscape_distance(); same cost as ::DLN_METRIC_DIST (each column
     *  computes its own projection). */
    DLN_METRIC_EB_RATIO = 17,
    /** Balancedness max_l ||D_l||_F (the delta of Arora, Cohen, Golowich & Hu): weighted,
     *  D_l = lam_{l+1} W_{l+1}^T W_{l+1} - lam_l W_l W_l^T (dln_loss_balancedness(),
     *  zero at critical points) when every lam_l > 0, otherwise unweighted
     *  (dln_net_balancedness(), constant under gradient flow); 2 GEMMs per
     *  layer, 0 for L = 1. */
    DLN_METRIC_BALANCEDNESS = 18
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
/** Size of the first version of ::dln_opt_report (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_OPT_REPORT_V1_SIZE DLN_SIZE_THROUGH(dln_opt_report, history_rows)

/**
 * One saddle escape (see dln_opt_get_escape_info()): at theta_k with smallest
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
/** Size of the first version of ::dln_escape_info (0.1.0), the smallest struct_size
 *  accepted (see "Report structs" in the conventions). */
#define DLN_ESCAPE_INFO_V1_SIZE DLN_SIZE_THROUGH(dln_escape_info, step)

/** Number of escapes kept for dln_opt_get_escape_info() (later ones are counted only). */
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
/** New handle *out with the kind, options, callback and history settings of
 *  @p src; its method state is fresh and its history empty (the callback's
 *  user pointer is shared, not copied). Errors: ::DLN_E_NULL, ::DLN_E_NOMEM
 *  (*out unchanged). */
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
/**
 * Set the step from the curvature at the start: mu_max, the largest Hessian
 * eigenvalue at the weights of @p net (dln_loss_hessian_eigs(), k = 1,
 * relative tolerance 1e-8, @p seed), and
 *
 *     eta = fraction * b / mu_max,   b = 2                          GD, GD_ARMIJO, LBFGS, LBFGS_ESCAPE
 *                                    b = 2 (1 + beta)               HEAVY_BALL
 *                                    b = 2 (1 + beta) / (1 + 2 beta)  NESTEROV
 *
 * with the handle's current momentum beta (set it first): b / mu_max is the
 * stability bound of the method on a quadratic of curvature mu_max (for the
 * line-search kinds, of their first trial step). The curvature of a deep
 * linear network at the start is typically 2-3 times the curvature at the
 * limit, so a step measured at the limit can make the momentum methods
 * diverge; fraction = 0.5 gives GD the classical 1/mu_max.
 * @param opt      the optimizer (its step is set; unchanged on error)
 * @param loss     the loss (its scratch is used)
 * @param net      the starting point
 * @param fraction 0 < fraction <= 1
 * @param seed     seed of the eigensolver's start block
 * @param eta      NULL, or receives the step set
 * @param mu_max   NULL, or receives mu_max
 * Cost: one extreme eigenvalue (the dense Hessian for n <= 256, else Lanczos,
 * typically 30-500 HVPs). Threads: as the optimizer and the loss.
 * @return ::DLN_E_NULL, ::DLN_E_RANGE (fraction), ::DLN_E_UNSUPPORTED
 *         (::DLN_OPT_ADAM, whose step is not scaled by the curvature, or
 *         mu_max <= 0, e.g. W = 0 for L >= 3), errors of
 *         dln_loss_hessian_eigs() (::DLN_E_DIM, ::DLN_E_NOCONV, ...; the
 *         loss's message is copied to dln_opt_errmsg()).
 */
DLN_API dln_status dln_opt_set_step_from_hessian(dln_opt *opt, dln_loss *loss, const dln_net *net,
                                                 double fraction, uint64_t seed, double *eta,
                                                 double *mu_max);
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
DLN_API dln_status dln_opt_set_adam_betas(dln_opt *opt, double beta1, double beta2);
/** Adam moment decay rates; either pointer may be NULL. */
DLN_API dln_status dln_opt_get_adam_betas(const dln_opt *opt, double *beta1, double *beta2);
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
/** Number of last iterates (2..100000) the report's rate is fitted on
 *  (default 10). Errors as every setter, and ::DLN_E_NOMEM. */
DLN_API dln_status dln_opt_set_rate_window(dln_opt *opt, size_t window);
/** Rate window (0 if NULL). */
DLN_API size_t dln_opt_get_rate_window(const dln_opt *opt);

/**
 * Progress callback of dln_opt_run(), called for the starting point (k = 0),
 * after every iteration k with k % every == 0, after every escape, and for
 * the final iterate. @p fn NULL removes it; every >= 1 (::DLN_E_RANGE
 * otherwise). The handle keeps @p fn and @p user (not owned) until they are
 * replaced. Errors: ::DLN_E_NULL, ::DLN_E_RANGE.
 */
DLN_API dln_status dln_opt_set_callback(dln_opt *opt, dln_progress_fn fn, void *user,
                                        size_t every);
/**
 * History columns: k metrics (1 <= k <= ::DLN_METRIC_MAX_COLUMNS, each a
 * known ::dln_metric). Row j of a history holds the metrics of iterate j.
 * Setting the metrics empties the internal history (reallocated when the
 * number of columns changes). Errors: ::DLN_E_NULL, ::DLN_E_RANGE (an unknown metric or a
 * bad k), ::DLN_E_NOMEM.
 */
DLN_API dln_status dln_opt_set_metrics(dln_opt *opt, size_t k, const dln_metric *metrics);
/** Current history columns into @p metrics (room for ::DLN_METRIC_MAX_COLUMNS
 *  entries, may be NULL); returns their number (0 if opt is NULL). */
DLN_API size_t dln_opt_get_metrics(const dln_opt *opt, dln_metric *metrics);
/**
 * Internal history of dln_opt_run(): room for @p rows rows (allocated now;
 * 0 frees it and turns the internal history off). Iterates beyond the room
 * are not recorded (report.history_rows tells how many were).
 * Errors: ::DLN_E_NULL, ::DLN_E_NOMEM (the old history is kept).
 */
DLN_API dln_status dln_opt_set_history_capacity(dln_opt *opt, size_t rows);
/** Rows the internal history has room for (0: off, or opt is NULL). */
DLN_API size_t dln_opt_get_history_capacity(const dln_opt *opt);
/** Rows recorded by the last dln_opt_run() (0 if NULL). */
DLN_API size_t dln_opt_history_rows(const dln_opt *opt);
/**
 * Copy the internal history out: H is rows x k (column-major, ldh >= rows,
 * rows = dln_opt_history_rows(), k = number of metrics), H[j + c*ldh] =
 * metric c of iterate j. Errors: ::DLN_E_NULL, ::DLN_E_LD (ldh < rows or
 * ldh = 0), ::DLN_E_OVERFLOW (ldh times the number of columns overflows the
 * address range).
 */
DLN_API dln_status dln_opt_history(const dln_opt *opt, double *H, size_t ldh);

/**
 * Run the method from the current weights of @p net until a stop test fires,
 * updating @p net in place; the method state starts fresh (zero momentum,
 * empty L-BFGS memory). Each iteration: the step of the kind, then, on the
 * new iterate, the tests in the order non-finite, divergence, gradient,
 * absolute and relative loss change, step, callback, max_iter; the first
 * that fires is the stop reason. The gradient test also applies to theta_0
 * and max_iter = 0 stops at theta_0. The history (if enabled) is recorded.
 * A stop is not an error: the status is ::DLN_OK whatever the stop reason.
 * @param opt    the optimizer (its state, scratch and history are written)
 * @param loss   the loss to minimize (its scratch is used)
 * @param net    the starting point theta_0; holds the last iterate on return
 * @param report optional (may be NULL; struct_size must be set)
 * @return ::DLN_E_NULL, ::DLN_E_DIM (net and loss shapes differ: message of
 *         the loss copied to the optimizer), ::DLN_E_NONFINITE (F or grad F
 *         is not finite at theta_0), ::DLN_E_OVERFLOW, ::DLN_E_NOMEM,
 *         ::DLN_E_RANGE (report->struct_size too small), and errors of the
 *         eigensolver and of the final classification for
 *         ::DLN_OPT_LBFGS_ESCAPE (the net then holds the last iterate).
 */
DLN_API dln_status dln_opt_run(dln_opt *opt, dln_loss *loss, dln_net *net,
                               dln_opt_report *report);
/**
 * dln_opt_run() recording into a caller buffer instead of the internal
 * history: H is rows x k (ldh >= rows, k = number of metrics), row j =
 * iterate j; rows beyond the run are untouched, iterates beyond @p rows are
 * not recorded. The internal history is not touched.
 * Errors: those of dln_opt_run(), ::DLN_E_NULL (H NULL with rows > 0),
 * ::DLN_E_LD (ldh < rows or ldh = 0), ::DLN_E_OVERFLOW (ldh times the number
 * of columns overflows).
 */
DLN_API dln_status dln_opt_run_history(dln_opt *opt, dln_loss *loss, dln_net *net, double *H,
                                       size_t ldh, size_t rows, dln_opt_report *report);
/**
 * One iteration from the current weights of @p net. The method state carries
 * over from this handle's previous dln_opt_step() or dln_opt_run() when the
 * same loss and net are passed and nothing else has written the net's
 * weights since (a constant-time check); otherwise it restarts. Writes are
 * the dln_net_set_* and dln_net_init_* calls, dln_landscape_build(),
 * dln_landscape_distance() into the net as @p nearest, and the steps and
 * runs of other optimizer handles; a write restarts the state even when it
 * stores the same values. Call dln_opt_reset() after changing the loss
 * itself (e.g. its regularization) between steps.
 * The stop tests except max_iter and the callback are applied to the new
 * iterate; the reason goes to @p stop (may be NULL), ::DLN_STOP_NONE if
 * none fired. No history is recorded. Errors as dln_opt_run().
 */
DLN_API dln_status dln_opt_step(dln_opt *opt, dln_loss *loss, dln_net *net, dln_stop *stop);
/** Forget the method state: the next dln_opt_step() starts fresh.
 *  Errors: ::DLN_E_NULL. */
DLN_API dln_status dln_opt_reset(dln_opt *opt);
/** Report of the last run, or of the dln_opt_step() calls since the state
 *  last restarted (report->struct_size must be set). Errors: ::DLN_E_NULL,
 *  ::DLN_E_RANGE (struct_size < sizeof(size_t)). */
DLN_API dln_status dln_opt_get_report(const dln_opt *opt, dln_opt_report *report);
/**
 * Escape number i (0-based, i < min(report.escapes, ::DLN_OPT_ESCAPE_LOG))
 * of the last run. info->struct_size must be set.
 * @return ::DLN_E_NULL, ::DLN_E_RANGE (no such escape or bad struct_size).
 */
DLN_API dln_status dln_opt_get_escape_info(const dln_opt *opt, size_t i, dln_escape_info *info);
/** @} */

#ifdef __cplusplus
}
#endif
#endif /* DLNET_H */
