"""Net: a deep linear network x -> W_L ... W_1 x (the dln_net handle)."""
import zipfile

import numpy as np

from ._ffi import ffi, lib
from ._handle import Handle
from ._arrays import vec_in, vec_out, mat_in, mat_out, finish, sizes
from .errors import check
from .enums import Frames, Layout

__all__ = ['Net', 'theta_to_layers', 'layers_to_theta']


def theta_to_layers(theta, widths):
    """Views of theta = [vec(W_1); ...; vec(W_L)] (column-major vec) as the
    layers W_l, NumPy shape (d_l, d_{l-1}) (F-order views, no copy)."""
    theta = np.asarray(theta)
    widths = sizes(widths, 'widths')
    layers, off = [], 0
    for l in range(1, len(widths)):
        size = widths[l] * widths[l - 1]
        layers.append(theta[off:off + size].reshape(widths[l - 1], widths[l]).T)
        off += size
    if off != theta.shape[0]:
        raise ValueError('theta has %d entries, widths %s need %d' % (theta.shape[0], widths, off))
    return layers


def layers_to_theta(layers):
    """theta = [vec(W_1); ...; vec(W_L)] (column-major vec) of a list of
    (d_l, d_{l-1}) arrays, in the layout of gradients and HVPs."""
    return np.concatenate([np.asarray(W, dtype=np.float64).T.ravel() for W in layers])


class Net(Handle):
    """A deep linear network W_L ... W_1 with widths d_0 (input) .. d_L (output).

    Layers are NumPy arrays of shape (d_l, d_{l-1}); the parameter vector
    theta (``params``) concatenates their column-major vecs. A new net has
    zero weights. Nets free their C handle when collected; ``copy()`` is deep.
    A Net may be read by several threads at once (the library releases the GIL).
    """
    __slots__ = ('_widths', '_n')
    _errmsg_fn = lib.dln_net_errmsg

    def __init__(self, widths):
        """Zero network with the given L+1 widths (dln_net_create).
        Raises DimError (L = 0 or a zero width), SizeOverflowError."""
        widths = sizes(widths, 'widths')
        h = ffi.new('dln_net **')
        check(lib.dln_net_create(h, max(len(widths) - 1, 0), widths or ffi.NULL))
        self._adopt(h[0])

    def _adopt(self, ptr):
        self._h = ffi.gc(ptr, lib.dln_net_free)
        self._widths = tuple(lib.dln_net_width(ptr, l) for l in range(lib.dln_net_depth(ptr) + 1))
        self._n = lib.dln_net_num_params(ptr)  # the shape never changes: no C call per use

    @classmethod
    def _wrap(cls, ptr):
        net = cls.__new__(cls)
        net._adopt(ptr)
        return net

    @classmethod
    def from_layers(cls, layers):
        """Net whose layers are the given (d_l, d_{l-1}) arrays (shapes must chain)."""
        layers = [np.asarray(W) for W in layers]
        if not layers or any(W.ndim != 2 for W in layers):
            raise ValueError('layers must be a nonempty list of 2-D arrays')
        widths = [layers[0].shape[1]] + [W.shape[0] for W in layers]
        for l, W in enumerate(layers[1:], start=2):
            if W.shape[1] != widths[l - 1]:
                raise ValueError('layer %d has %d columns, layer %d has %d rows'
                                 % (l, W.shape[1], l - 1, widths[l - 1]))
        net = cls(widths)
        net.set_layers(layers)
        return net

    @classmethod
    def from_params(cls, widths, theta):
        """Net of the given widths with parameter vector theta."""
        net = cls(widths)
        net.set_params(theta)
        return net

    def copy(self):
        """Independent deep copy (dln_net_copy)."""
        h = ffi.new('dln_net **')
        check(lib.dln_net_copy(h, self._h))
        return Net._wrap(h[0])

    def __repr__(self):
        return 'Net(widths=%s)' % (list(self._widths),)

    def __reduce__(self):  # picklable: widths and weights
        return (Net.from_params, (self._widths, self.params))

    @property
    def widths(self):
        """Tuple of the L+1 widths d_0 .. d_L (dln_net_width)."""
        return self._widths

    @property
    def depth(self):
        """Depth L (dln_net_depth)."""
        return lib.dln_net_depth(self._h)

    @property
    def num_params(self):
        """n = sum_l d_l d_{l-1} (dln_net_num_params)."""
        return self._n

    def layer_offset(self, l):
        """Offset of W_l (l = 1..L; L+1 gives n) in theta (dln_net_layer_offset)."""
        if not 1 <= l <= len(self._widths):
            raise IndexError('layer index %d outside 1..%d' % (l, len(self._widths)))
        return lib.dln_net_layer_offset(self._h, l)

    # ---- weights -------------------------------------------------------------
    def layer(self, l, out=None):
        """W_l (l = 1..L) as a (d_l, d_{l-1}) array (dln_net_get_layer), or into ``out``."""
        self._layer_index(l)
        A, p, ld, target = mat_out(out, self._widths[l], self._widths[l - 1])
        self._check(lib.dln_net_get_layer(self._h, l, p, ld, Layout.COL_MAJOR))
        return finish(A, target)

    def set_layer(self, l, W):
        """Set W_l (l = 1..L) from a (d_l, d_{l-1}) array of any order (dln_net_set_layer).
        Raises DimError, NonFiniteError (the net is unchanged)."""
        self._layer_index(l)
        p, ld, _keep = mat_in(W, self._widths[l], self._widths[l - 1], 'W_%d' % l)
        self._check(lib.dln_net_set_layer(self._h, l, p, ld, Layout.COL_MAJOR))

    def _layer_index(self, l):
        if not 1 <= l <= len(self._widths) - 1:
            raise IndexError('layer index %d outside 1..%d' % (l, len(self._widths) - 1))

    @property
    def layers(self):
        """List of the L layers, each a new (d_l, d_{l-1}) array (views of one theta copy):
        the parameters, i.e. A_l for a residual layer (see :meth:`set_residual`)."""
        return theta_to_layers(self.params, self._widths)

    def set_layers(self, layers):
        """Set all L layers from (d_l, d_{l-1}) arrays; the net is unchanged if one is invalid."""
        if len(layers) != len(self._widths) - 1:
            raise ValueError('%d layers given, the net has %d' % (len(layers), self.depth))
        theta = np.empty(self._n)
        for l, W in enumerate(layers, start=1):
            W = np.asarray(W, dtype=np.float64)
            if W.shape != (self._widths[l], self._widths[l - 1]):
                raise ValueError('W_%d must have shape %s, not %s'
                                 % (l, (self._widths[l], self._widths[l - 1]), W.shape))
            theta[self.layer_offset(l):self.layer_offset(l + 1)] = W.T.ravel()
        self.set_params(theta)

    @property
    def params(self):
        """theta, a new vector of length n (dln_net_get_params)."""
        return self.get_params()

    @params.setter
    def params(self, theta):
        self.set_params(theta)

    def get_params(self, out=None):
        """theta = [vec(W_1); ...; vec(W_L)] into a new vector or ``out`` (dln_net_get_params)."""
        out, p = vec_out(out, self._n)
        self._check(lib.dln_net_get_params(self._h, p))
        return out

    def set_params(self, theta):
        """Set all weights from theta (length n) (dln_net_set_params).
        Raises NonFiniteError (the net is unchanged)."""
        p, _keep = vec_in(theta, self._n, 'theta')
        self._check(lib.dln_net_set_params(self._h, p))

    # ---- initializations (each returns the net, for chaining) ------------------
    def init_zeros(self):
        """Every weight zero (dln_net_init_zeros)."""
        self._check(lib.dln_net_init_zeros(self._h))
        return self

    def init_gaussian(self, scale, seed):
        """Independent N(0, scale^2) weights from ``seed`` (dln_net_init_gaussian)."""
        self._check(lib.dln_net_init_gaussian(self._h, scale, seed))
        return self

    def init_orthogonal(self, scale, seed):
        """W_l = scale Q_l, Q_l Haar-random with orthonormal columns or rows
        (dln_net_init_orthogonal)."""
        self._check(lib.dln_net_init_orthogonal(self._h, scale, seed))
        return self

    def init_identity(self, scale=1.0):
        """W_l = scale [I 0; 0 0] (dln_net_init_identity)."""
        self._check(lib.dln_net_init_identity(self._h, scale))
        return self

    def init_balanced(self, A, frames=Frames.CANONICAL, seed=0):
        """Exactly balanced layers with end-to-end matrix A, shape (d_L, d_0)
        (dln_net_init_balanced; Arora et al. 2018). Raises DimError if a hidden
        width is below rank(A)."""
        p, ld, _keep = mat_in(A, self._widths[-1], self._widths[0], 'A')
        self._check(lib.dln_net_init_balanced(self._h, p, ld, frames, seed))
        return self

    def init_balanced_random(self, scale, seed):
        """Balanced layers with a random N(0, scale^2) end-to-end matrix
        (dln_net_init_balanced_random)."""
        self._check(lib.dln_net_init_balanced_random(self._h, scale, seed))
        return self

    def set_residual(self, l, on=True):
        """Make layer l a residual layer W_l = I + A_l (theta then holds A_l), or plain
        again; W_l is kept (dln_net_set_residual). Raises DimError for a non-square layer."""
        self._check(lib.dln_net_set_residual(self._h, l, 1 if on else 0))
        return self

    def is_residual(self, l):
        """True if layer l is residual (dln_net_get_residual)."""
        return bool(lib.dln_net_get_residual(self._h, l))

    # ---- products ------------------------------------------------------------
    def product(self, j, i, out=None):
        """Partial product W_{j:i} = W_j ... W_i, shape (d_j, d_{i-1}) (dln_net_product);
        j = i - 1 gives the identity."""
        if not (1 <= i <= self.depth and i - 1 <= j <= self.depth):
            raise IndexError('need 1 <= i <= L and i-1 <= j <= L, got j=%d, i=%d' % (j, i))
        A, p, ld, target = mat_out(out, self._widths[j], self._widths[i - 1])
        check(lib.dln_net_product(self._h, j, i, p, ld))
        return finish(A, target)

    def end_to_end(self, out=None):
        """P = W_{L:1}, shape (d_L, d_0) (dln_net_end_to_end)."""
        A, p, ld, target = mat_out(out, self._widths[-1], self._widths[0])
        check(lib.dln_net_end_to_end(self._h, p, ld))
        return finish(A, target)

    def forward(self, X, out=None):
        """Outputs for samples in rows: X (m, d_0) -> (m, d_L), i.e. X P^T
        (dln_net_forward; C-order X and out are used without copying)."""
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError('X must be a 2-D array (m, d_0)')
        m = X.shape[0]
        px, ldx, _keep = mat_in(X.T, self._widths[0], m, 'X.T')
        Yt, py, ldy, target = mat_out(None if out is None else out.T, self._widths[-1], m)
        check(lib.dln_net_forward(self._h, m, px, ldx, py, ldy))
        finish(Yt, target)
        return Yt.T if out is None else out

    def balancedness(self, matrices=False):
        """||W_{l+1}^T W_{l+1} - W_l W_l^T||_F for l = 1..L-1 (dln_net_balancedness);
        with ``matrices`` also the list of the D_l, shape (d_l, d_l)."""
        L = self.depth
        norms = np.empty(max(L - 1, 0))
        D = np.empty(sum(self._widths[l] ** 2 for l in range(1, L))) if matrices else None
        check(lib.dln_net_balancedness(self._h, ffi.from_buffer('double[]', norms),
                                       ffi.NULL if D is None else ffi.from_buffer('double[]', D)))
        return (norms, _split_square(D, self._widths[1:L])) if matrices else norms

    # ---- files and PyTorch -------------------------------------------------------
    def _weights(self):
        """The weights W_l = I + A_l of residual layers, W_l of plain ones (dln_net_product)."""
        return [self.product(l, l) for l in range(1, len(self._widths))]

    def save(self, path):
        """Write the widths, the weights W_l and the residual flags to a NumPy .npz file
        (arrays widths, W1 .. WL, residual)."""
        np.savez(path, widths=np.array(self._widths, dtype=np.int64),
                 residual=np.array([self.is_residual(l) for l in range(1, len(self._widths))],
                                   dtype=np.int8),
                 **{'W%d' % l: W for l, W in enumerate(self._weights(), start=1)})

    @classmethod
    def load(cls, path):
        """Net from a .npz file written by :meth:`save` (no pickles are loaded).
        Raises ValueError for a file that is not one, whatever is wrong with it."""
        try:
            with np.load(path, allow_pickle=False) as f:
                widths = _npz_widths(f)
                layers = [_npz_layer(f, l, widths) for l in range(1, len(widths))]
                residual = [bool(x) for x in f['residual']] if 'residual' in f else []
        except (OSError, EOFError, KeyError, zipfile.BadZipFile, UnicodeDecodeError,
                NotImplementedError, ValueError) as e:
            raise ValueError('%s is not a dlnet net file: %s' % (path, e)) from e
        net = cls(widths)
        net.set_layers(layers)
        for l, on in enumerate(residual[:len(layers)], start=1):
            if on:
                net.set_residual(l)  # keeps W_l
        return net

    @classmethod
    def from_torch(cls, module):
        """Net from a torch.nn.Sequential of bias-free nn.Linear layers (or one such layer)."""
        from .interop import layers_from_torch
        return cls.from_layers(layers_from_torch(module))

    def to_torch(self, dtype=None):
        """torch.nn.Sequential of bias-free nn.Linear layers (float64 unless ``dtype``)
        holding the weights W_l (I + A_l for a residual layer)."""
        from .interop import sequential_from_layers
        return sequential_from_layers(self._weights(), dtype)


def _npz_widths(f):
    if 'widths' not in f:
        raise ValueError('no array "widths"')
    w = f['widths']
    if w.ndim != 1 or w.size < 2 or w.dtype.kind not in 'iu' or np.any(w < 1):
        raise ValueError('"widths" must hold L+1 >= 2 positive integers')
    return [int(x) for x in w]


def _npz_layer(f, l, widths):
    """Layer l, checked against the widths before any net is made (so that a
    corrupt width cannot ask for a huge allocation)."""
    name = 'W%d' % l
    if name not in f:
        raise ValueError('no array "%s"' % name)
    W = f[name]
    if W.shape != (widths[l], widths[l - 1]) or W.dtype.kind not in 'fiu':
        raise ValueError('"%s" must be a (%d, %d) real array' % (name, widths[l], widths[l - 1]))
    return W


def _split_square(D, widths):
    out, off = [], 0
    for d in widths:
        out.append(D[off:off + d * d].reshape(d, d).T)
        off += d * d
    return out
