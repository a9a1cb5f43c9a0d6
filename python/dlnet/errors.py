"""One exception class per dln_status, each carrying the status and the
one-line message of the handle the failing call operated on."""
from ._ffi import lib, text
from .enums import Status

__all__ = ['DlnetError', 'NullError', 'DimError', 'LdError', 'NonFiniteError',
           'SizeOverflowError', 'RangeError', 'NoMemError', 'LapackError', 'NoConvError',
           'TooLargeError', 'UnsupportedError', 'FileIOError', 'FormatError', 'error_class',
           'strerror']


class DlnetError(Exception):
    """A libdlnet function returned a status other than DLN_OK.

    Attributes: ``status`` (a :class:`dlnet.Status`) and ``message`` (the
    handle's detail, e.g. "X has 3 rows, network input is 4", or the static
    text of the status for functions that take only const handles)."""
    status = None

    def __init__(self, status, message):
        super().__init__('%s: %s' % (Status(status).name, message))
        self.status = Status(status)
        self.message = message


class NullError(DlnetError):
    """DLN_E_NULL: a required handle or pointer is NULL."""


class DimError(DlnetError, ValueError):
    """DLN_E_DIM: invalid or mismatched dimensions or indices."""


class LdError(DlnetError, ValueError):
    """DLN_E_LD: a leading dimension is too small."""


class NonFiniteError(DlnetError, ValueError):
    """DLN_E_NONFINITE: an input, or a computed result, is NaN or Inf."""


class SizeOverflowError(DlnetError, OverflowError):
    """DLN_E_OVERFLOW: a size exceeds the BLAS integer or address range."""


class RangeError(DlnetError, ValueError):
    """DLN_E_RANGE: an option or argument is out of its range."""


class NoMemError(DlnetError, MemoryError):
    """DLN_E_NOMEM: memory allocation failed."""


class LapackError(DlnetError, ArithmeticError):
    """DLN_E_LAPACK: a LAPACK routine reported a failure."""


class NoConvError(DlnetError, ArithmeticError):
    """DLN_E_NOCONV: an iterative method did not converge."""


class TooLargeError(DlnetError, ValueError):
    """DLN_E_TOO_LARGE: a requested dense object is unreasonably large."""


class UnsupportedError(DlnetError):
    """DLN_E_UNSUPPORTED: the request does not apply to this problem."""


class FileIOError(DlnetError, OSError):
    """DLN_E_IO: a file could not be opened, read or written."""


class FormatError(DlnetError, ValueError):
    """DLN_E_FORMAT: a summary file or buffer is malformed, truncated or corrupted."""


_BY_STATUS = {Status.E_NULL: NullError, Status.E_DIM: DimError, Status.E_LD: LdError,
              Status.E_NONFINITE: NonFiniteError, Status.E_OVERFLOW: SizeOverflowError,
              Status.E_RANGE: RangeError, Status.E_NOMEM: NoMemError,
              Status.E_LAPACK: LapackError, Status.E_NOCONV: NoConvError,
              Status.E_TOO_LARGE: TooLargeError, Status.E_UNSUPPORTED: UnsupportedError,
              Status.E_IO: FileIOError, Status.E_FORMAT: FormatError}
for _status, _cls in _BY_STATUS.items():
    _cls.status = _status


def error_class(status):
    """The exception class of a status (DlnetError for a code this version does not know)."""
    return _BY_STATUS.get(status, DlnetError)


def strerror(status):
    """Static text of a status code (dln_strerror)."""
    return text(lib.dln_strerror(status))


def check_msg(status, msg):
    """Raise the exception of a nonzero status with the message a reader or
    writer left in ``msg`` (a char buffer), or else dln_strerror."""
    if status:
        raise error_class(status)(status, text(msg) or strerror(status))


def check(status, errmsg=None, handle=None):
    """Raise the exception of a nonzero status; the message comes from
    ``errmsg(handle)`` (a dln_*_errmsg function) or else dln_strerror."""
    if status:
        message = text(errmsg(handle)) if errmsg is not None else strerror(status)
        raise error_class(status)(status, message)
