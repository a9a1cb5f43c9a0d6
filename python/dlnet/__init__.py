"""dlnet: deep linear networks x -> W_L ... W_1 x with exact derivatives, Hessian
spectra, the closed-form landscape theory and optimizers, on libdlnet.

NumPy in, NumPy out: samples are rows of X (m, d_0) and Y (m, d_L); layers are
(d_l, d_{l-1}) arrays; parameter vectors (gradients, directions) use theta =
[vec(W_1); ...; vec(W_L)] with column-major vec. See docs/python.md.

    >>> import numpy as np, dlnet
    >>> loss = dlnet.Loss.target(np.diag([3.0, 1.9]), l2=1.0)
    >>> net = dlnet.Net([2, 2, 2, 2]).init_gaussian(1.0, seed=1)
    >>> report = dlnet.Optimizer(dlnet.OptKind.GD, step_size=0.1, grad_tol=1e-10).run(loss, net)
"""
from . import _ffi
from ._ffi import HEADER, LIBRARY, MACROS
from .enums import *  # noqa: F401,F403 - the IntEnums of the header
from .enums import __all__ as _enums_all
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all
from .reports import Report
from .net import Net, theta_to_layers, layers_to_theta
from .loss import Loss
from .landscape import Landscape, critical_thresholds, critical_roots, class_name, Thresholds
from .optimizer import Optimizer, stop_name, kind_name

__version__ = MACROS['DLN_VERSION_STRING']


def version():
    """Version string of the linked library (dln_version_string)."""
    return _ffi.text(_ffi.lib.dln_version_string())


def version_info():
    """(major, minor, patch) of the linked library (dln_version_major/minor/patch)."""
    return (_ffi.lib.dln_version_major(), _ffi.lib.dln_version_minor(),
            _ffi.lib.dln_version_patch())


# The floating-point constants of the header (integer ones are in the IntEnums
# or below), e.g. METRICS_TOL = DLN_METRICS_TOL.
HESSIAN_MAX_PARAMS = _ffi.lib.DLN_HESSIAN_MAX_PARAMS
METRIC_MAX_COLUMNS = _ffi.lib.DLN_METRIC_MAX_COLUMNS
OPT_ESCAPE_LOG = _ffi.lib.DLN_OPT_ESCAPE_LOG
for _k, _v in MACROS.items():
    if isinstance(_v, float):
        globals()[_k[len('DLN_'):]] = _v

__all__ = (['Net', 'Loss', 'Landscape', 'Optimizer', 'Report', 'Thresholds',
            'theta_to_layers', 'layers_to_theta', 'critical_thresholds', 'critical_roots',
            'class_name', 'stop_name', 'kind_name', 'version', 'version_info',
            'HEADER', 'LIBRARY', 'HESSIAN_MAX_PARAMS', 'METRIC_MAX_COLUMNS', 'OPT_ESCAPE_LOG']
           + list(_enums_all) + list(_errors_all)
           + [k[len('DLN_'):] for k, v in MACROS.items() if isinstance(v, float)])
