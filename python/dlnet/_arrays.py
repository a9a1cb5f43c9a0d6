"""NumPy arrays to and from the column-major matrices of the C API.

A C-order (rows, cols) array *is* the column-major cols x rows matrix with
ld = cols; an F-order (rows, cols) array is the column-major rows x cols
matrix with ld = rows; a column slice of either keeps its leading dimension.
These helpers pass such arrays without copying and copy only what cannot be
described by a pointer and a leading dimension (other dtypes, other strides).
"""
import operator

import numpy as np

from ._ffi import ffi

_D = np.dtype(np.float64)


def vec_in(v, n, name):
    """Pointer to a float64 vector of length n (copied only if needed), and the array."""
    v = np.ascontiguousarray(v, dtype=np.float64)
    if v.shape != (n,):
        raise ValueError('%s must have shape (%d,), not %s' % (name, n, v.shape))
    return ffi.from_buffer('double[]', v), v


def vec_out(out, n, name='out'):
    """(array, pointer) for a result vector of length n: ``out`` itself when given."""
    if out is None:
        out = np.empty(n)
    elif not (isinstance(out, np.ndarray) and out.dtype == _D and out.shape == (n,)
              and out.strides == (8,) and out.flags.writeable):
        raise ValueError('%s must be a writeable contiguous float64 array of shape (%d,)'
                         % (name, n))
    return out, ffi.from_buffer('double[]', out)


def _colmajor(A, rows, cols):
    """The ld of A (shape (rows, cols)) read as a column-major matrix, or None."""
    if A.dtype != _D:
        return None
    s0, s1 = A.strides
    if rows > 1 and s0 != 8:
        return None
    if cols == 1:
        return max(rows, 1)
    if s1 <= 0 or s1 % 8 or s1 // 8 < rows:
        return None
    return s1 // 8


def _ptr(A):
    if A.flags.c_contiguous:
        return ffi.from_buffer('double[]', A)
    if A.flags.f_contiguous:
        return ffi.from_buffer('double[]', A.T)
    return ffi.cast('double *', A.ctypes.data)


def mat_in(A, rows, cols, name):
    """(pointer, ld, keep) of the column-major rows x cols matrix A (NumPy shape (rows, cols))."""
    A = np.asarray(A)
    if A.shape != (rows, cols):
        raise ValueError('%s must have shape (%d, %d), not %s' % (name, rows, cols, A.shape))
    ld = _colmajor(A, rows, cols)
    if ld is None:
        A = np.asfortranarray(A, dtype=np.float64)
        ld = max(rows, 1)
    return _ptr(A), ld, A


def mat_out(out, rows, cols, name='out'):
    """(array, pointer, ld, target) for a rows x cols result in column-major order.

    Without ``out`` a new F-order array; with a compatible ``out`` that array;
    otherwise a temporary that :func:`finish` copies into ``out``."""
    if out is None:
        A = np.empty((rows, cols), order='F')
        return A, _ptr(A), max(rows, 1), None
    if not isinstance(out, np.ndarray) or out.shape != (rows, cols) or not out.flags.writeable:
        raise ValueError('%s must be a writeable array of shape (%d, %d)' % (name, rows, cols))
    ld = _colmajor(out, rows, cols)
    if ld is not None:
        return out, _ptr(out), ld, None
    A = np.empty((rows, cols), order='F')
    return A, _ptr(A), max(rows, 1), out


def finish(A, target):
    """Copy a temporary result into the caller's ``out`` (see mat_out); returns the result."""
    if target is None:
        return A
    target[...] = A
    return target


def sizes(a, name):
    """A tuple of Python ints from a sequence of nonnegative integers
    (TypeError for floats and non-sequences, ValueError for negative values)."""
    try:
        out = tuple(operator.index(x) for x in a)
    except TypeError:
        raise TypeError('%s must be a sequence of integers' % name) from None
    if any(x < 0 for x in out):
        raise ValueError('%s must not be negative: %s' % (name, list(out)))
    return out
