"""Landscape: the closed-form critical set of a loss for one network shape (dln_landscape)."""
import collections

import numpy as np

from ._ffi import ffi, lib, text
from ._handle import Handle
from ._arrays import vec_out, mat_out, sizes
from .errors import SizeOverflowError, check
from .enums import Frames, Limit, Match, Method, Status, Theory, Tol
from .net import Net
from .reports import new_struct, report

__all__ = ['Landscape', 'critical_thresholds', 'critical_roots', 'class_name', 'Thresholds']

Thresholds = collections.namedtuple('Thresholds', 'ystar yhat sstar pstar')
_SIZE_MAX = 2 ** (8 * ffi.sizeof('size_t')) - 1


def critical_thresholds(depth, lam):
    """Thresholds y* (double root), yhat (worth fitting), s*, p* of the regularized
    scalar equation for depth L >= 2 and lam = prod lam_l > 0 (dln_critical_thresholds)."""
    out = ffi.new('double[4]')
    check(lib.dln_critical_thresholds(depth, lam, out, out + 1, out + 2, out + 3))
    return Thresholds(*out)


def critical_roots(depth, lam, y, tau=0.0):
    """Positive roots of s^{2L-2} - sqrt(lam) y s^{L-2} + lam = 0 as a RootInfo
    (dln_critical_roots)."""
    rep = new_struct('dln_root_info')
    check(lib.dln_critical_roots(depth, lam, y, tau, rep))
    return report('dln_root_info', rep)


def class_name(cls):
    """Static name of a Class ("global minimum", ...) (dln_class_name)."""
    return text(lib.dln_class_name(cls))


def _pattern_in(pattern, nv):
    p = ffi.new('int[]', max(nv, 1))
    pattern = [int(x) for x in pattern]
    if len(pattern) != nv:
        raise ValueError('a pattern has %d entries (one per value), not %d' % (nv, len(pattern)))
    p[0:nv] = pattern
    return p


def _pattern_out(p, nv):
    return tuple(Match(x) for x in p[0:nv])


class Landscape(Handle):
    """The critical set of ``loss`` for nets of the given widths, in closed form where
    a theory applies (Theory.REGULARIZED: Chen, Jiang & Wang; UNREGULARIZED:
    Achour et al., Kawaguchi; CONVEX for depth 1), and the classification of
    points. The loss is copied at creation. Patterns are tuples of Match, one
    entry per value. One thread at a time per Landscape; ``copy()`` per thread.
    """
    __slots__ = ('_loss', '_widths', '_nv')
    _errmsg_fn = lib.dln_landscape_errmsg

    def __init__(self, loss, widths):
        """Analyse ``loss`` for widths d_0..d_L (dln_landscape_create).
        Raises DimError if the widths do not fit the loss."""
        widths = sizes(widths, 'widths')
        h = ffi.new('dln_landscape **')
        check(lib.dln_landscape_create(h, loss._h, max(len(widths) - 1, 0), widths or ffi.NULL))
        self._h = ffi.gc(h[0], lib.dln_landscape_free)
        self._loss = loss.copy()  # for copy(): the C handle has no copy function
        self._widths = widths
        self._nv = lib.dln_landscape_num_values(self._h)

    def copy(self):
        """Independent landscape of the same loss, widths and tolerances."""
        other = Landscape(self._loss, self._widths)
        for t in Tol:
            if other.get_tol(t) != self.get_tol(t):
                other.set_tol(t, self.get_tol(t))
        return other

    def __repr__(self):
        return 'Landscape(theory=%s, widths=%s)' % (self.theory.name, list(self._widths))

    @property
    def widths(self):
        """The widths d_0..d_L analysed."""
        return self._widths

    @property
    def theory(self):
        """The Theory that applies (dln_landscape_theory)."""
        return Theory(lib.dln_landscape_theory(self._h))

    @property
    def limits(self):
        """Limit flags: why no theory applies (dln_landscape_limits)."""
        return Limit(lib.dln_landscape_limits(self._h))

    @property
    def reason(self):
        """One line naming the theory and, if none applies, why (dln_landscape_reason)."""
        return text(lib.dln_landscape_reason(self._h))

    @property
    def num_values(self):
        """nv: the number of values, and the length of patterns (dln_landscape_num_values)."""
        return self._nv

    @property
    def num_params(self):
        """n of the analysed shape (dln_landscape_num_params)."""
        return lib.dln_landscape_num_params(self._h)

    def info(self):
        """Scalars of the critical set (thresholds, global value, margins) as a
        LandscapeInfo (dln_landscape_get_info)."""
        rep = new_struct('dln_landscape_info')
        self._check(lib.dln_landscape_get_info(self._h, rep))
        return report('dln_landscape_info', rep)

    def values(self):
        """The nv values in decreasing order: singular values y_k of Ybar (regularized)
        or eigenvalues of Sigma (unregularized) (dln_landscape_values)."""
        out = np.empty(self._nv)
        self._check(lib.dln_landscape_values(self._h, ffi.from_buffer('double[]', out)))
        return out

    def roots(self, k):
        """Roots of the critical equation for value k (0-based) as a RootInfo
        (dln_landscape_roots)."""
        rep = new_struct('dln_root_info')
        self._check(lib.dln_landscape_roots(self._h, k, rep))
        return report('dln_root_info', rep)

    def root_layers(self, k):
        """Per-layer singular values s / sqrt(lam_l / c) of the roots of value k, shape
        (L, 2): column j for root j (s_+ or s*, then s_-), NaN if absent
        (dln_landscape_root_layers)."""
        S, p, ld, _t = mat_out(None, self.info().depth, 2)
        self._check(lib.dln_landscape_root_layers(self._h, k, p, ld))
        return S

    def orbit(self, index):
        """Pattern of orbit type ``index`` (0 <= index < info().num_orbits), a tuple of
        Match (dln_landscape_orbit)."""
        p = ffi.new('int[]', max(self._nv, 1))
        self._check(lib.dln_landscape_orbit(self._h, index, p))
        return _pattern_out(p, self._nv)

    def orbits(self):
        """Iterator over the patterns of every orbit type, in the library's order
        (lazily: their number grows quickly with nv). Raises SizeOverflowError
        when the count overflowed (use :meth:`orbit` with chosen indices)."""
        count = self.info().num_orbits
        if count == _SIZE_MAX:
            raise SizeOverflowError(Status.E_OVERFLOW, 'the number of orbit types overflows')
        return (self.orbit(i) for i in range(count))

    def pattern_info(self, pattern):
        """Class, critical value and block Hessian spectrum summary of the orbit of
        ``pattern`` as an OrbitInfo (dln_landscape_pattern_info)."""
        rep = new_struct('dln_orbit_info')
        self._check(lib.dln_landscape_pattern_info(self._h, _pattern_in(pattern, self._nv), rep))
        return report('dln_orbit_info', rep)

    def orbit_spectrum(self, pattern, out=None):
        """All n Hessian eigenvalues (ascending) on the regularized orbit of ``pattern``
        (dln_landscape_orbit_spectrum)."""
        out, p = vec_out(out, self.num_params)
        self._check(lib.dln_landscape_orbit_spectrum(self._h, _pattern_in(pattern, self._nv), p))
        return out

    def build(self, pattern, extras=None, frames=Frames.CANONICAL, seed=0, net=None):
        """A critical point with ``pattern`` (dln_landscape_build), written into ``net``
        or a new Net; ``extras``: L entries of Extra (unregularized). Returns the net."""
        net = Net(self._widths) if net is None else net
        L = len(self._widths) - 1
        ex = ffi.NULL
        if extras is not None:
            if len(extras) != L:
                raise ValueError('extras needs %d entries (one per layer)' % L)
            ex = ffi.new('int[]', [int(e) for e in extras])
        self._check(lib.dln_landscape_build(self._h, _pattern_in(pattern, self._nv), ex, frames,
                                            seed, net._h))
        return net

    def set_tol(self, which, tol):
        """Set a tolerance (Tol.GRAD, RANK, HESS, VALUE; 0 < tol < 1) (dln_landscape_set_tol).
        Tol.VALUE re-runs the analysis."""
        self._check(lib.dln_landscape_set_tol(self._h, which, tol))
        self._nv = lib.dln_landscape_num_values(self._h)

    def get_tol(self, which):
        """Current value of a tolerance (dln_landscape_get_tol)."""
        return lib.dln_landscape_get_tol(self._h, which)

    def classify(self, net, method=Method.AUTO, direction=False):
        """Classify the point of ``net`` (dln_landscape_classify). Returns a ClassReport
        with the C fields plus ``pattern`` (tuple of Match, None if none was read off)
        and ``direction`` (unit negative-curvature or descent direction in theta layout
        when ``direction`` is true and one was found, else None)."""
        rep = new_struct('dln_class_report')
        p = ffi.new('int[]', max(self._nv, 1))
        for i in range(self._nv):
            p[i] = -1  # detects a pattern the library did not write
        d = np.empty(self.num_params) if direction else None
        self._check(lib.dln_landscape_classify(self._h, net._h, method, rep, p,
                                               ffi.NULL if d is None
                                               else ffi.from_buffer('double[]', d)))
        pattern = None if self._nv and p[0] == -1 else _pattern_out(p, self._nv)
        has_dir = d is not None and rep.flags & lib.DLN_CF_DIRECTION
        return report('dln_class_report', rep, pattern=pattern,
                      direction=d if has_dir else None)

    def distance(self, net, nearest=None):
        """Distance from ``net`` to the critical set, the error-bound ratio and kappa
        (dln_landscape_distance), as a DistReport with ``pattern`` (the orbit type of
        the projection W*). ``nearest``: a Net that receives W* (may be ``net``)."""
        rep = new_struct('dln_dist_report')
        p = ffi.new('int[]', max(self._nv, 1))
        self._check(lib.dln_landscape_distance(self._h, net._h, rep, p,
                                               ffi.NULL if nearest is None else nearest._h))
        return report('dln_dist_report', rep, pattern=_pattern_out(p, self._nv))

    def distance_to(self, net, pattern, nearest=None):
        """Distance from ``net`` to the orbit of ``pattern`` (dln_landscape_distance_to),
        as a DistReport; ``nearest`` receives the projection W*."""
        rep = new_struct('dln_dist_report')
        self._check(lib.dln_landscape_distance_to(self._h, net._h, _pattern_in(pattern, self._nv),
                                                  rep, ffi.NULL if nearest is None else nearest._h))
        return report('dln_dist_report', rep)

    def excess(self, net, pattern=None):
        """(F(W) - F*, F(W) - F(W*)) without cancellation, W* the projection on the
        nearest orbit or on that of ``pattern`` (dln_landscape_excess)."""
        ex, exo = ffi.new('double *'), ffi.new('double *')
        pat = ffi.NULL if pattern is None else _pattern_in(pattern, self._nv)
        self._check(lib.dln_landscape_excess(self._h, net._h, pat, ex, exo))
        return ex[0], exo[0]

    def rate(self, pattern, eta=0.0):
        """Predicted linear rate of GD with step ``eta`` (0: the optimal step) near the
        orbit of ``pattern`` (dln_landscape_rate), as a RateReport."""
        rep = new_struct('dln_rate_report')
        self._check(lib.dln_landscape_rate(self._h, _pattern_in(pattern, self._nv), eta, rep))
        return report('dln_rate_report', rep)
