"""Loss: the squared loss of a deep linear network and its derivatives (dln_loss)."""
import os

import numpy as np

from ._ffi import ffi, lib
from ._handle import Handle
from ._arrays import vec_in, vec_out, mat_in, mat_out, finish
from .errors import NoConvError, check, check_msg
from .enums import EigWhich, LossKind, SliceDirs
from .net import _split_square
from .reports import new_struct, report

__all__ = ['Loss']


class Loss(Handle):
    """F(W) = w/2 ||W_{L:1} X - Y||^2 + sum_l lam_l/2 ||W_l||^2 (data form, samples
    in rows of X (m, d_0) and Y (m, d_L)), or 1/2 ||W_{L:1} - Phi||^2 + ... (target
    form). The data are summarized once (QR); every derivative then costs
    O(L d^3), independent of m. One thread at a time per Loss (it holds
    scratch space): use ``copy()`` per thread. Parameter vectors (gradients,
    directions) are in theta layout, see :func:`dlnet.layers_to_theta`.
    """
    __slots__ = ()
    _errmsg_fn = lib.dln_loss_errmsg

    def __init__(self, *args, **kwargs):
        raise TypeError('use Loss.data(X, Y) or Loss.target(Phi)')

    @classmethod
    def _wrap(cls, ptr):
        loss = object.__new__(cls)
        loss._h = ffi.gc(ptr, lib.dln_loss_free)
        return loss

    @classmethod
    def data(cls, X, Y, l2=None, mean=False):
        """Data loss from X (m, d_0) and Y (m, d_L), one sample per row (dln_loss_create_data).
        C-order float64 arrays (and row slices of wider ones) are read without a copy.
        ``l2``: a scalar or per-layer sequence (see :meth:`set_l2`); ``mean``: 1/m form.
        Raises DimError, NonFiniteError, SizeOverflowError."""
        px, ldx, m, d0, py, ldy, dL, _keep = _samples(X, Y)
        h = ffi.new('dln_loss **')
        check(lib.dln_loss_create_data(h, d0, dL, m, px, ldx, py, ldy))
        return cls._wrap(h[0])._options(l2, mean)

    @classmethod
    def target(cls, Phi, l2=None):
        """Matrix-factorization loss 1/2 ||W_{L:1} - Phi||^2, Phi of shape (d_L, d_0)
        (dln_loss_create_target). Raises DimError, NonFiniteError."""
        Phi = np.asarray(Phi)
        if Phi.ndim != 2:
            raise ValueError('Phi must be a 2-D array (d_L, d_0)')
        p, ld, _keep = mat_in(Phi, Phi.shape[0], Phi.shape[1], 'Phi')
        h = ffi.new('dln_loss **')
        check(lib.dln_loss_create_target(h, Phi.shape[0], Phi.shape[1], p, ld))
        return cls._wrap(h[0])._options(l2, False)

    @classmethod
    def from_summary(cls, R, C, r0, m, mean=False):
        """Data loss from a summary (dln_loss_create_summary): R (d_0, d_0) upper
        triangular (the strict lower triangle is not read), C (d_L, d_0), r0 >= 0 and
        the sample count m, in the sum form or, with ``mean``, the 1/m form (as
        :meth:`summary` returns them). :meth:`summary` gives them back to rounding.
        Raises DimError, RangeError, NonFiniteError."""
        R, C = np.asarray(R), np.asarray(C)
        if R.ndim != 2 or C.ndim != 2:
            raise ValueError('R (d_0, d_0) and C (d_L, d_0) must be 2-D arrays')
        d0, dL = R.shape[0], C.shape[0]
        pr, ldr, _kr = mat_in(R, d0, d0, 'R')
        pc, ldc, _kc = mat_in(C, dL, d0, 'C')
        h = ffi.new('dln_loss **')
        check(lib.dln_loss_create_summary(h, d0, dL, m, pr, ldr, pc, ldc, float(r0),
                                          1 if mean else 0))
        return cls._wrap(h[0])

    @classmethod
    def decode(cls, data):
        """Data loss from the bytes of :meth:`encode` or of a summary file
        (dln_loss_decode; docs/summary_format.md). Raises FormatError with the
        reason (truncated, checksum, version, ...), SizeOverflowError."""
        data = bytes(data)
        h, msg = ffi.new('dln_loss **'), ffi.new('char[200]')
        check_msg(lib.dln_loss_decode(h, data, len(data), msg, 200), msg)
        return cls._wrap(h[0])

    @classmethod
    def load(cls, path):
        """Data loss from a summary file written by :meth:`save` or the C library
        (dln_loss_load). Raises FileIOError, FormatError."""
        h, msg = ffi.new('dln_loss **'), ffi.new('char[200]')
        check_msg(lib.dln_loss_load(h, os.fsencode(path), msg, 200), msg)
        return cls._wrap(h[0])

    def encode(self):
        """The summary (d_0, d_L, m, weighting, triangular factor) as bytes in the
        versioned format of docs/summary_format.md (dln_loss_encoded_size,
        dln_loss_encode). Raises UnsupportedError for a target loss."""
        size = lib.dln_loss_encoded_size(self._h)
        buf = ffi.new('unsigned char[]', max(size, 1))
        check(lib.dln_loss_encode(self._h, buf, size))
        return bytes(ffi.buffer(buf, size))

    def save(self, path):
        """Write the summary to a file (dln_loss_save), readable by :meth:`load` and by
        the C library. Raises FileIOError, UnsupportedError."""
        msg = ffi.new('char[200]')
        check_msg(lib.dln_loss_save(self._h, os.fsencode(path), msg, 200), msg)

    def merge(self, other):
        """Add the samples summarized in ``other`` to this loss (dln_loss_merge: a TSQR
        step on the two triangular factors); this loss keeps its weighting and l2
        coefficients. Raises DimError, UnsupportedError; unchanged on error."""
        self._check(lib.dln_loss_merge(self._h, other._h))

    def add_samples_progress(self, X, Y, chunk=0, callback=None):
        """add_samples in chunks of ``chunk`` samples (0: 65536), calling
        ``callback(done, total, loss_samples)`` after each (dln_loss_add_samples_progress).
        A true return value stops after that chunk, keeping the samples so far; an
        exception in the callback stops too and is re-raised. Returns the number of
        samples taken. Unchanged on a library error."""
        px, ldx, m, _d0, py, ldy, _dL, _keep = _samples(X, Y)
        error = []

        def trampoline(progress, user):
            try:
                return 1 if callback(progress.samples_done, progress.samples_total,
                                     progress.loss_samples) else 0
            except BaseException as e:  # noqa: B902 - re-raised below
                error.append(e)
                return 1

        cb = ffi.callback('dln_summary_progress_fn', trampoline) if callback else ffi.NULL
        done = ffi.new('size_t *')
        status = lib.dln_loss_add_samples_progress(self._h, m, px, ldx, py, ldy, chunk, cb,
                                                   ffi.NULL, done)
        if error:
            raise error[0]
        self._check(status)
        return done[0]

    def _options(self, l2, mean):
        if l2 is not None:
            self.set_l2(l2)
        if mean:
            self.mean = True
        return self

    def add_samples(self, X, Y):
        """Add samples (rows of X and Y) to a data loss (dln_loss_add_samples);
        unchanged on error. Raises UnsupportedError for a target loss."""
        px, ldx, m, _d0, py, ldy, _dL, _keep = _samples(X, Y)
        self._check(lib.dln_loss_add_samples(self._h, m, px, ldx, py, ldy))

    def copy(self):
        """Deep copy with fresh scratch, e.g. for another thread (dln_loss_copy)."""
        h = ffi.new('dln_loss **')
        check(lib.dln_loss_copy(h, self._h))
        return Loss._wrap(h[0])

    def __repr__(self):
        return 'Loss(kind=%s, d0=%d, dL=%d, m=%d)' % (self.kind.name, self.input_dim,
                                                     self.output_dim, self.num_samples)

    @property
    def kind(self):
        """LossKind.DATA or LossKind.TARGET (dln_loss_get_kind)."""
        return LossKind(lib.dln_loss_get_kind(self._h))

    @property
    def input_dim(self):
        """Input width d_0 that nets must have (dln_loss_input_dim)."""
        return lib.dln_loss_input_dim(self._h)

    @property
    def output_dim(self):
        """Output width d_L that nets must have (dln_loss_output_dim)."""
        return lib.dln_loss_output_dim(self._h)

    @property
    def num_samples(self):
        """m summarized so far; d_0 for a target loss (dln_loss_num_samples)."""
        return lib.dln_loss_num_samples(self._h)

    def set_l2(self, lam):
        """l2 coefficients: a scalar for every layer of any depth (dln_loss_set_l2_uniform),
        or a sequence lam_1..lam_L for nets of depth L (dln_loss_set_l2). Raises RangeError."""
        if np.ndim(lam) == 0:
            self._check(lib.dln_loss_set_l2_uniform(self._h, float(lam)))
        else:
            p, keep = vec_in(lam, len(lam), 'lam')
            self._check(lib.dln_loss_set_l2(self._h, len(keep), p))

    def get_l2(self, depth):
        """lam_1..lam_depth that apply to nets of that depth (dln_loss_get_l2)."""
        out = np.empty(depth)
        check(lib.dln_loss_get_l2(self._h, depth, ffi.from_buffer('double[]', out)))
        return out

    @property
    def mean(self):
        """True for the mean form w = 1/m, False for the sum form (dln_loss_get_mean/set_mean)."""
        return bool(lib.dln_loss_get_mean(self._h))

    @mean.setter
    def mean(self, on):
        self._check(lib.dln_loss_set_mean(self._h, 1 if on else 0))

    @property
    def threads(self):
        """Library threads that summarize the samples of later ``add_samples`` calls
        (dln_loss_get_threads/set_threads; default 1, at most DLN_THREADS_MAX). With
        more than 1, limit BLAS to one thread (e.g. OPENBLAS_NUM_THREADS=1): the
        two kinds of threads multiply. Raises RangeError, UnsupportedError (target)."""
        return lib.dln_loss_get_threads(self._h)

    @threads.setter
    def threads(self, n):
        self._check(lib.dln_loss_set_threads(self._h, n))

    def summary(self):
        """(R, C, r0) with F = 1/2 ||P R^T - C||^2 + r0/2 + reg; R (d_0, d_0) upper
        triangular, C (d_L, d_0) (dln_loss_summary)."""
        d0, dL = self.input_dim, self.output_dim
        R, pr, ldr, _t = mat_out(None, d0, d0)
        C, pc, ldc, _t = mat_out(None, dL, d0)
        r0 = ffi.new('double *')
        check(lib.dln_loss_summary(self._h, pr, ldr, pc, ldc, r0))
        return R, C, r0[0]

    # ---- derivatives -------------------------------------------------------------
    def value(self, net):
        """F(W) at the weights of ``net`` (dln_loss_value). Raises DimError if the shapes differ."""
        v = ffi.new('double *')
        self._check(lib.dln_loss_value(self._h, net._h, v))
        return v[0]

    def value_and_grad(self, net, out=None):
        """(F(W), grad F(W)): the gradient in theta layout, new or in ``out`` (dln_loss_grad).
        grad_l F = W_{L:l+1}^T E W_{l-1:1}^T + lam_l W_l, E = w (P X - Y) X^T."""
        out, p = vec_out(out, net._n)
        v = ffi.new('double *')
        self._check(lib.dln_loss_grad(self._h, net._h, v, p))
        return v[0], out

    def grad(self, net, out=None):
        """grad F(W) in theta layout (dln_loss_grad); see :meth:`value_and_grad`."""
        out, p = vec_out(out, net._n)
        self._check(lib.dln_loss_grad(self._h, net._h, ffi.NULL, p))
        return out

    def hvp(self, net, v, out=None):
        """Hessian-vector product H(W) v, v and result in theta layout (dln_loss_hvp).
        Raises NonFiniteError if v has NaN/Inf."""
        n = net._n
        pv, _keep = vec_in(v, n, 'v')
        out, p = vec_out(out, n)
        self._check(lib.dln_loss_hvp(self._h, net._h, pv, p))
        return out

    def hvp_batch(self, net, V, out=None):
        """H(W) V for k directions at once: V and the result have shape (n, k), one
        direction per column (dln_loss_hvp_batch; F-order arrays are used as they are)."""
        V = np.asarray(V)
        n = net._n
        if V.ndim != 2:
            raise ValueError('V must have shape (n, k)')
        k = V.shape[1]
        pv, ldv, _keep = mat_in(V, n, k, 'V')
        HV, ph, ldh, target = mat_out(out, n, k)
        self._check(lib.dln_loss_hvp_batch(self._h, net._h, k, pv, ldv, ph, ldh))
        return finish(HV, target)

    def hessian(self, net, out=None):
        """Dense symmetric Hessian (n, n) (dln_loss_hessian). Raises TooLargeError
        for n > DLN_HESSIAN_MAX_PARAMS."""
        n = net._n
        H, p, ld, target = mat_out(out, n, n)
        self._check(lib.dln_loss_hessian(self._h, net._h, p, ld))
        return finish(H, target)

    def hessian_eigs(self, net, k=1, which=EigWhich.LARGEST, tol=0.0, maxit=0, seed=0,
                     vectors=False):
        """k extreme Hessian eigenvalues, optionally eigenvectors (dln_loss_hessian_eigs).

        Returns (evals (k,), evecs (n, k) or None, EigReport). ``which``:
        EigWhich.LARGEST (descending) or SMALLEST (ascending). tol = 0: 1e-10;
        maxit = 0: 1000. Raises NoConvError (the error's ``partial`` attribute
        then holds the best estimates (evals, evecs, report))."""
        n = net._n
        evals = np.empty(k)
        evecs, pe, ld, _t = mat_out(None, n, k) if vectors else (None, ffi.NULL, max(n, 1), None)
        rep = new_struct('dln_eig_report')
        status = lib.dln_loss_hessian_eigs(self._h, net._h, which, k, tol, maxit, seed,
                                           ffi.from_buffer('double[]', evals), pe, ld, rep)
        try:
            self._check(status)
        except NoConvError as e:  # the best estimates were written
            e.partial = (evals, evecs, report('dln_eig_report', rep))
            raise
        return evals, evecs, report('dln_eig_report', rep)

    def hessian_trace(self, net, diagonal=False):
        """Exact tr H(W), the per-layer traces (L,) and, with ``diagonal``, the diagonal
        of H (n,) in theta layout, else None (dln_loss_hessian_trace): from the Kronecker
        form of the diagonal blocks, about 2L GEMMs and no HVP."""
        tr = ffi.new('double *')
        layers = np.empty(len(net.widths) - 1)
        diag = np.empty(net._n) if diagonal else None
        self._check(lib.dln_loss_hessian_trace(
            self._h, net._h, tr, ffi.from_buffer('double[]', layers),
            ffi.NULL if diag is None else ffi.from_buffer('double[]', diag)))
        return tr[0], layers, diag

    def hessian_trace_estimate(self, net, probes=100, seed=0):
        """Hutchinson estimate of tr H(W) from ``probes`` >= 2 Rademacher probes and its
        standard error, as (estimate, std_error) (dln_loss_hessian_trace_estimate)."""
        est, se = ffi.new('double *'), ffi.new('double *')
        self._check(lib.dln_loss_hessian_trace_estimate(self._h, net._h, probes, seed, est, se))
        return est[0], se[0]

    def hessian_density(self, net, probes=1, steps=100, seed=0, grid=None, sigma=None):
        """Stochastic Lanczos quadrature (dln_loss_hessian_density): nodes and weights of
        shape (probes, steps) (unused slots of a probe that stopped early: 0, 0; the
        weights sum to 1) and, if ``grid`` is given, the density broadened by Gaussians
        of width ``sigma`` on it, else None."""
        nodes, weights = np.empty((probes, steps)), np.empty((probes, steps))
        if grid is None:
            pg, pd, ng, dens, _keep = ffi.NULL, ffi.NULL, 0, None, None
        else:
            if sigma is None:
                raise ValueError('a grid needs sigma')
            _keep = np.ascontiguousarray(grid, dtype=np.float64).ravel()
            ng, dens = _keep.size, np.empty(_keep.size)
            pg, pd = ffi.from_buffer('double[]', _keep), ffi.from_buffer('double[]', dens)
        self._check(lib.dln_loss_hessian_density(
            self._h, net._h, probes, steps, seed, ffi.from_buffer('double[]', nodes),
            ffi.from_buffer('double[]', weights), 0.0 if sigma is None else sigma, ng, pg, pd))
        return nodes, weights, dens

    def layer_eigs(self, net, first, last=None, k=1, which=EigWhich.LARGEST, tol=0.0,
                   maxit=0, seed=0):
        """k extreme eigenvalues of the diagonal Hessian block of layers first..last
        (1-based; last defaults to first), exact for one layer (dln_loss_layer_eigs).
        Returns (evals (k,), EigReport)."""
        last = first if last is None else last
        evals = np.empty(k)
        rep = new_struct('dln_eig_report')
        self._check(lib.dln_loss_layer_eigs(self._h, net._h, first, last, which, k, tol, maxit,
                                            seed, ffi.from_buffer('double[]', evals), rep))
        return evals, report('dln_eig_report', rep)

    def hessian_eigs_deflated(self, net, k=1, which=EigWhich.SMALLEST, tol=0.0, maxit=0,
                              seed=0, force_iterative=False, vectors=False):
        """k extreme eigenvalues of the Hessian on the complement of the symmetry
        directions (dln_loss_hessian_eigs_deflated). Returns (evals, evecs (n, k) or
        None, removed dimension, EigReport); NoConvError as :meth:`hessian_eigs`."""
        n = net._n
        evals = np.empty(k)
        evecs, pe, ld, _t = mat_out(None, n, k) if vectors else (None, ffi.NULL, max(n, 1), None)
        removed = ffi.new('size_t *')
        rep = new_struct('dln_eig_report')
        options = lib.DLN_EIG_FORCE_ITERATIVE if force_iterative else 0
        status = lib.dln_loss_hessian_eigs_deflated(
            self._h, net._h, which, k, tol, maxit, seed, options,
            ffi.from_buffer('double[]', evals), pe, ld, removed, rep)
        try:
            self._check(status)
        except NoConvError as e:
            e.partial = (evals, evecs, removed[0], report('dln_eig_report', rep))
            raise
        return evals, evecs, removed[0], report('dln_eig_report', rep)

    def gd_rate(self, net, eta=0.0, tol=0.0, maxit=0, seed=0, force_iterative=False):
        """GD rate rho(eta) = max |1 - eta mu| over the Hessian on the complement of the
        symmetry directions at ``net``, for any data (dln_loss_gd_rate), as a RateReport
        (eta = 0: eta_opt)."""
        rep = new_struct('dln_rate_report')
        options = lib.DLN_EIG_FORCE_ITERATIVE if force_iterative else 0
        self._check(lib.dln_loss_gd_rate(self._h, net._h, eta, tol, maxit, seed, options, rep))
        return report('dln_rate_report', rep)

    # ---- slices ----------------------------------------------------------------------
    def line_coeffs(self, net, direction):
        """Exact coefficients c_0..c_2L of F(W + t D) = sum_k c_k t^k for a direction D in
        theta layout, from products of the layers (dln_loss_line_coeffs)."""
        pd, _keep = vec_in(direction, net._n, 'direction')
        out = np.empty(2 * net.depth + 1)
        self._check(lib.dln_loss_line_coeffs(self._h, net._h, pd, ffi.from_buffer('double[]', out)))
        return out

    def slice_line(self, a, b, t):
        """F((1 - t_i) W_a + t_i W_b) for the grid t (dln_loss_slice_line)."""
        t = np.ascontiguousarray(t, dtype=np.float64).ravel()
        out = np.empty(t.size)
        self._check(lib.dln_loss_slice_line(self._h, a._h, b._h, t.size, ffi.from_buffer('double[]', t),
                                            ffi.from_buffer('double[]', out)))
        return out

    def slice_plane(self, net, d1, d2, alpha, beta):
        """F(W + alpha_i D_1 + beta_j D_2) as an array (len(alpha), len(beta))
        (dln_loss_slice_plane)."""
        p1, _k1 = vec_in(d1, net._n, 'd1')
        p2, _k2 = vec_in(d2, net._n, 'd2')
        alpha = np.ascontiguousarray(alpha, dtype=np.float64).ravel()
        beta = np.ascontiguousarray(beta, dtype=np.float64).ravel()
        V, pv, ldv, _t = mat_out(None, alpha.size, beta.size)
        self._check(lib.dln_loss_slice_plane(self._h, net._h, p1, p2, alpha.size,
                                             ffi.from_buffer('double[]', alpha), beta.size,
                                             ffi.from_buffer('double[]', beta), pv, ldv))
        return V

    def slice_directions(self, net, kind=SliceDirs.RANDOM, seed=0):
        """(d1, d2, evals): two directions for :meth:`slice_plane` (dln_loss_slice_directions):
        layer-normalized random ones, or Hessian eigenvectors at either end (evals: their
        eigenvalues, NaN for random)."""
        d1, p1 = vec_out(None, net._n)
        d2, p2 = vec_out(None, net._n)
        ev = np.empty(2)
        self._check(lib.dln_loss_slice_directions(self._h, net._h, kind, seed, p1, p2,
                                                  ffi.from_buffer('double[]', ev)))
        return d1, d2, ev

    # ---- metrics of the theory -------------------------------------------------------
    def balancedness(self, net, matrices=False):
        """Weighted balancedness ||lam_{l+1} W_{l+1}^T W_{l+1} - lam_l W_l W_l^T||_F,
        l = 1..L-1 (dln_loss_balancedness); ``matrices`` adds the list of D_l."""
        widths = net.widths
        L = len(widths) - 1
        norms = np.empty(max(L - 1, 0))
        D = np.empty(sum(widths[l] ** 2 for l in range(1, L))) if matrices else None
        self._check(lib.dln_loss_balancedness(
            self._h, net._h, ffi.from_buffer('double[]', norms),
            ffi.NULL if D is None else ffi.from_buffer('double[]', D)))
        return (norms, _split_square(D, widths[1:L])) if matrices else norms

    def optimal_value(self, net):
        """f* = inf F over nets of the shape of ``net``, unregularized loss
        (dln_loss_optimal_value). Raises UnsupportedError if some lam_l > 0."""
        v = ffi.new('double *')
        self._check(lib.dln_loss_optimal_value(self._h, net._h, v))
        return v[0]

    def gradient_dominance(self, net, tol=0.0):
        """||grad F||^2 / (F - f*) and the Zhou-Liang bound (dln_loss_gradient_dominance)
        as a DominanceReport."""
        rep = new_struct('dln_dominance_report')
        self._check(lib.dln_loss_gradient_dominance(self._h, net._h, tol, rep))
        return report('dln_dominance_report', rep)

    def zhou_liang(self, net, wstar, tol=0.0):
        """Gradient-dominance constants near the global minimizer ``wstar``
        (dln_loss_zhou_liang) as a ZhouLiangReport."""
        rep = new_struct('dln_zhou_liang_report')
        self._check(lib.dln_loss_zhou_liang(self._h, net._h, wstar._h, tol, rep))
        return report('dln_zhou_liang_report', rep)

    def arora(self, net, eta=0.0, eps=1e-6):
        """Deficiency margin, balancedness, step bound and iteration count of Arora,
        Cohen, Golowich & Hu's Theorem 1 for GD with step ``eta`` (0: the bound) to
        accuracy ``eps`` (dln_loss_arora) as an AroraReport."""
        rep = new_struct('dln_arora_report')
        self._check(lib.dln_loss_arora(self._h, net._h, eta, eps, rep))
        return report('dln_arora_report', rep)


def _samples(X, Y):
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError('X (m, d_0) and Y (m, d_L) must be 2-D with the same number of rows, '
                         'not %s and %s' % (X.shape, Y.shape))
    m, d0, dL = X.shape[0], X.shape[1], Y.shape[1]
    px, ldx, kx = mat_in(X.T, d0, m, 'X.T')
    py, ldy, ky = mat_in(Y.T, dL, m, 'Y.T')
    return px, ldx, m, d0, py, ldy, dL, (kx, ky)

