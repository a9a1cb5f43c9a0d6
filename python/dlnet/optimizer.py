"""Optimizer: gradient descent and its relatives on a (Loss, Net) pair (dln_opt)."""
import numpy as np

from ._ffi import ffi, lib, text
from ._handle import Handle
from .errors import check
from .enums import Metric, OptKind, Stop
from .reports import new_struct, report

__all__ = ['Optimizer']

# Options: Python name -> (C setter, C getter, meaning). Scalars are properties;
# pairs (two values set together) are tuples. Ranges: include/dlnet.h.
_SCALARS = {
    'step_size': (lib.dln_opt_set_step, lib.dln_opt_get_step,
                  'step eta > 0 (GD, momentum, Adam learning rate, first trial step)'),
    'max_iter': (lib.dln_opt_set_max_iter, lib.dln_opt_get_max_iter, 'iteration cap of run()'),
    'grad_tol': (lib.dln_opt_set_grad_tol, lib.dln_opt_get_grad_tol,
                 'stop when ||g_k|| <= grad_tol (0 disables)'),
    'loss_rel_tol': (lib.dln_opt_set_loss_rel_tol, lib.dln_opt_get_loss_rel_tol,
                     'stop when |F_k - F_{k-1}| <= tol max(|F_k|, |F_{k-1}|) (0 disables)'),
    'loss_abs_tol': (lib.dln_opt_set_loss_abs_tol, lib.dln_opt_get_loss_abs_tol,
                     'stop when |F_k - F_{k-1}| <= tol (0 disables)'),
    'step_tol': (lib.dln_opt_set_step_tol, lib.dln_opt_get_step_tol,
                 'stop when ||theta_k - theta_{k-1}|| <= tol (0 disables)'),
    'divergence': (lib.dln_opt_set_divergence, lib.dln_opt_get_divergence,
                   'stop when F_k > factor F_0 (factor > 1; inf disables)'),
    'momentum': (lib.dln_opt_set_momentum, lib.dln_opt_get_momentum,
                 'beta in [0, 1) of HEAVY_BALL and NESTEROV'),
    'adam_eps': (lib.dln_opt_set_adam_eps, lib.dln_opt_get_adam_eps,
                 'Adam denominator offset eps > 0'),
    'memory': (lib.dln_opt_set_memory, lib.dln_opt_get_memory,
               'L-BFGS memory, 1..1000 (s, y) pairs'),
    'seed': (lib.dln_opt_set_seed, lib.dln_opt_get_seed,
             'seed of the eigensolver of LBFGS_ESCAPE'),
    'rate_window': (lib.dln_opt_set_rate_window, lib.dln_opt_get_rate_window,
                    'iterates (2..100000) the report\'s observed rate is fitted on'),
    'history_capacity': (lib.dln_opt_set_history_capacity, lib.dln_opt_get_history_capacity,
                         'rows of internal history that run() records (0: off)'),
}
_PAIRS = {
    'adam_betas': (lib.dln_opt_set_adam_betas, lib.dln_opt_get_adam_betas,
                   '(beta1, beta2) in [0, 1): Adam moment decay rates'),
    'armijo': (lib.dln_opt_set_armijo, lib.dln_opt_get_armijo,
               '(c1, shrink) in (0, 1): Armijo backtracking of GD_ARMIJO and escapes'),
    'wolfe': (lib.dln_opt_set_wolfe, lib.dln_opt_get_wolfe,
              '(c1, c2), 0 < c1 < c2 < 1: strong Wolfe line search of L-BFGS'),
    'escape': (lib.dln_opt_set_escape, lib.dln_opt_get_escape,
               '(grad_threshold, curv_tol) > 0: when LBFGS_ESCAPE looks for negative curvature'),
}


def _scalar(setter, getter, doc):
    def get(self):
        return getter(self._h)

    def set_(self, value):
        self._check(setter(self._h, value))
    return property(get, set_, doc=doc + '. Raises RangeError, UnsupportedError (other kinds).')


def _pair(setter, getter, doc):
    def get(self):
        out = ffi.new('double[2]')
        check(getter(self._h, out, out + 1))
        return (out[0], out[1])

    def set_(self, value):
        a, b = value
        self._check(setter(self._h, a, b))
    return property(get, set_, doc=doc + '. Raises RangeError, UnsupportedError (other kinds).')


def _history_dtype(metrics):
    return np.dtype([(Metric(m).name.lower(), np.float64) for m in metrics])


class Optimizer(Handle):
    """One optimization method (OptKind) with its options, run on a (Loss, Net) pair;
    the net is updated in place. Options are properties (``opt.step_size = 0.1``) or
    keyword arguments of the constructor; invalid values raise RangeError (the old
    value is kept), options of another kind UnsupportedError. One thread at a
    time per Optimizer; ``copy()`` gives a fresh one with the same options.
    """
    __slots__ = ('_callback', '_cb_fn', '_cb_every', '_cb_error')
    _errmsg_fn = lib.dln_opt_errmsg

    def __init__(self, kind=OptKind.GD, **options):
        """New optimizer of ``kind`` with the documented defaults (dln_opt_create),
        then ``options`` set by name (e.g. step_size=0.1, grad_tol=1e-10, metrics=[...])."""
        h = ffi.new('dln_opt **')
        check(lib.dln_opt_create(h, kind))
        self._adopt(h[0])
        for name, value in options.items():
            if not hasattr(type(self), name) or name.startswith('_'):
                raise TypeError('unknown optimizer option %r' % name)
            setattr(self, name, value)

    def _adopt(self, ptr):
        self._h = ffi.gc(ptr, lib.dln_opt_free)
        self._callback = self._cb_fn = self._cb_error = None
        self._cb_every = 1

    def copy(self):
        """Same kind, options, history settings and callback; fresh state, empty
        history (dln_opt_copy)."""
        h = ffi.new('dln_opt **')
        check(lib.dln_opt_copy(h, self._h))
        other = Optimizer.__new__(Optimizer)
        other._adopt(h[0])
        # the copy gets its own trampoline, so that its errors stay its own
        other.set_callback(self._cb_fn, self._cb_every)
        return other

    def __repr__(self):
        return 'Optimizer(%s, step_size=%g)' % (self.kind.name, self.step_size)

    @property
    def kind(self):
        """The OptKind (dln_opt_get_kind)."""
        return OptKind(lib.dln_opt_get_kind(self._h))

    @property
    def metrics(self):
        """History columns, a tuple of Metric (dln_opt_get_metrics / dln_opt_set_metrics)."""
        buf = ffi.new('dln_metric[]', lib.DLN_METRIC_MAX_COLUMNS)
        k = lib.dln_opt_get_metrics(self._h, buf)
        return tuple(Metric(buf[i]) for i in range(k))

    @metrics.setter
    def metrics(self, metrics):
        metrics = [int(m) for m in metrics]
        self._check(lib.dln_opt_set_metrics(self._h, len(metrics),
                                            ffi.new('dln_metric[]', metrics or [0])))

    @property
    def history_rows(self):
        """Rows recorded by the last run() (dln_opt_history_rows)."""
        return lib.dln_opt_history_rows(self._h)

    def history(self):
        """The internal history of the last run() as a structured array with one named
        column per metric (``h['loss']``, ``h['grad_norm']``, ...) (dln_opt_history)."""
        rows, metrics = self.history_rows, self.metrics
        H = np.empty((len(metrics), max(rows, 1)))  # C-order (k, rows) = column-major rows x k
        check(lib.dln_opt_history(self._h, ffi.from_buffer('double[]', H), max(rows, 1)))
        return _records(H[:, :rows], metrics)

    # ---- callback ------------------------------------------------------------------
    def set_callback(self, fn, every=1):
        """Call ``fn(progress)`` with a Progress report at the start, every ``every``
        iterations, after escapes and at the end of run() (dln_opt_set_callback). A
        true return value stops the run (Stop.CALLBACK); an exception raised by ``fn``
        stops it too and is re-raised by run(). ``fn=None`` removes the callback."""
        if fn is None:
            self._check(lib.dln_opt_set_callback(self._h, ffi.NULL, ffi.NULL, every))
            self._callback = self._cb_fn = None
            return

        def trampoline(progress, user):
            try:
                return 1 if fn(report('dln_progress', progress)) else 0
            except BaseException as e:  # noqa: B902 - handed to run(), which re-raises it
                self._cb_error = e
                return 1

        cb = ffi.callback('dln_progress_fn', trampoline)
        self._check(lib.dln_opt_set_callback(self._h, cb, ffi.NULL, every))
        self._callback, self._cb_fn, self._cb_every = cb, fn, every

    # ---- running -------------------------------------------------------------------
    def _finish_run(self, status):
        error, self._cb_error = self._cb_error, None
        if error is not None:
            raise error
        self._check(status)

    def run(self, loss, net):
        """Run from the weights of ``net`` until a stop test fires, updating ``net``
        (dln_opt_run). Returns the OptReport (``stop`` says why it stopped; a stop is
        not an error). The internal history (``history_capacity``) is recorded."""
        rep = new_struct('dln_opt_report')
        self._cb_error = None
        self._finish_run(lib.dln_opt_run(self._h, loss._h, net._h, rep))
        return report('dln_opt_report', rep)

    def run_history(self, loss, net, rows):
        """run() recording up to ``rows`` iterates (dln_opt_run_history). Returns
        (OptReport, history): a structured array with one named column per metric."""
        metrics = self.metrics
        H = np.empty((len(metrics), max(rows, 1)))
        rep = new_struct('dln_opt_report')
        self._cb_error = None
        self._finish_run(lib.dln_opt_run_history(self._h, loss._h, net._h,
                                                 ffi.from_buffer('double[]', H), max(rows, 1),
                                                 rows, rep))
        return report('dln_opt_report', rep), _records(H[:, :rep.history_rows], metrics)

    def step_from_hessian(self, loss, net, fraction=0.5, seed=0):
        """Set the step to fraction x the kind's stability bound at the largest Hessian
        eigenvalue at ``net`` (dln_opt_set_step_from_hessian); returns (eta, mu_max)."""
        eta, mu = ffi.new('double *'), ffi.new('double *')
        self._check(lib.dln_opt_set_step_from_hessian(self._h, loss._h, net._h, fraction, seed,
                                                      eta, mu))
        return eta[0], mu[0]

    def step(self, loss, net):
        """One iteration (dln_opt_step); the state carries over between steps on the same
        loss and net. Returns the Stop a test detected (Stop.NONE if none)."""
        stop = ffi.new('dln_stop *')
        self._check(lib.dln_opt_step(self._h, loss._h, net._h, stop))
        return Stop(stop[0])

    def reset(self):
        """Forget the method state (dln_opt_reset)."""
        self._check(lib.dln_opt_reset(self._h))

    def report(self):
        """OptReport of the last run, or of the steps since the last restart
        (dln_opt_get_report)."""
        rep = new_struct('dln_opt_report')
        self._check(lib.dln_opt_get_report(self._h, rep))
        return report('dln_opt_report', rep)

    def escape_info(self, i):
        """EscapeInfo of saddle escape number i of the last run (dln_opt_get_escape_info)."""
        rep = new_struct('dln_escape_info')
        self._check(lib.dln_opt_get_escape_info(self._h, i, rep))
        return report('dln_escape_info', rep)

    def escapes(self):
        """List of the EscapeInfo of every logged escape of the last run."""
        n = min(self.report().escapes, lib.DLN_OPT_ESCAPE_LOG)
        return [self.escape_info(i) for i in range(n)]


def stop_name(stop):
    """Static name of a Stop reason ("grad-tol", ...) (dln_stop_name)."""
    return text(lib.dln_stop_name(stop))


def kind_name(kind):
    """Static name of an OptKind ("gd", ...) (dln_opt_kind_name)."""
    return text(lib.dln_opt_kind_name(kind))


def _records(H, metrics):
    """Structured array (rows,) with named columns from a (k, rows) array."""
    out = np.empty(H.shape[1], dtype=_history_dtype(metrics))
    for c, name in enumerate(out.dtype.names):
        out[name] = H[c]
    return out


for _name, _spec in _SCALARS.items():
    setattr(Optimizer, _name, _scalar(*_spec))
for _name, _spec in _PAIRS.items():
    setattr(Optimizer, _name, _pair(*_spec))

__all__ += ['stop_name', 'kind_name']
