"""What the four handle classes share: the C handle, its error message, copies."""
from ._ffi import text
from .errors import check


class Handle:
    """Base of Net, Loss, Landscape and Optimizer. Subclasses set ``_errmsg_fn``
    (their dln_*_errmsg) and define ``copy()``; ``_h`` is the C handle, freed by
    CFFI's garbage-collection hook."""
    __slots__ = ('_h', '__weakref__')
    _errmsg_fn = None

    def _check(self, status):
        """Raise the exception of a nonzero status with this handle's message."""
        check(status, self._errmsg_fn, self._h)

    @property
    def errmsg(self):
        """Detail of the last failure of a call that used this handle (dln_*_errmsg)."""
        return text(self._errmsg_fn(self._h))

    def copy(self):
        """An independent copy of the handle (each subclass says what is copied)."""
        raise NotImplementedError

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()
