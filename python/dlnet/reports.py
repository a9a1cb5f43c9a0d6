"""Read-only Python objects for the report structs of dlnet.h.

A report is made from the C struct the library filled: every field but
``struct_size`` becomes an attribute, enum fields become the IntEnums of
:mod:`dlnet.enums`, bit fields IntFlags, fixed arrays tuples. The field list
is the header's, so a field appended to a struct in C appears here as is.
A call may add Python-side results (e.g. the ``pattern`` of a
classification) as further fields.
"""
import re

from ._ffi import ffi, HEADER
from . import enums

__all__ = ['Report', 'new_struct', 'report']

# unsigned fields that hold DLN_* bits
_FLAG_FIELDS = {('dln_class_report', 'flags'): enums.ClassFlag,
                ('dln_dist_report', 'flags'): enums.EBFlag,
                ('dln_rate_report', 'flags'): enums.EBFlag,
                ('dln_landscape_info', 'limits'): enums.Limit}


class Report:
    """Immutable record with named fields (``fields``), ``as_dict()`` and a readable repr."""
    __slots__ = ('_values',)
    fields = ()

    def __init__(self, values):
        object.__setattr__(self, '_values', dict(values))

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError('%s has no field %r' % (type(self).__name__, name)) from None

    def __setattr__(self, name, value):
        raise AttributeError('%s is read-only' % type(self).__name__)

    def __dir__(self):
        return list(self._values) + ['as_dict', 'fields']

    def __eq__(self, other):
        return type(self) is type(other) and self._values == other._values

    __hash__ = None

    def __reduce__(self):  # picklable (e.g. results of multiprocessing workers)
        return (type(self), (self._values,))

    def as_dict(self):
        """The fields as a new dict (name -> value), in struct order."""
        return dict(self._values)

    def __repr__(self):
        def show(v):
            return v.name if isinstance(v, enums.enum.Enum) and v.name else repr(v)
        body = ', '.join('%s=%s' % (k, show(v)) for k, v in self._values.items())
        return '%s(%s)' % (type(self).__name__, body)


def _converter(ctype_name, fname, ftype):
    if (ctype_name, fname) in _FLAG_FIELDS:
        return _FLAG_FIELDS[(ctype_name, fname)]
    if ftype.kind == 'enum':
        return getattr(enums, ''.join(w.capitalize() for w in ftype.cname[4:].split('_')))
    if ftype.kind == 'array':
        return tuple
    return None


_CLASSES = {}
with open(HEADER) as _f:
    _STRUCTS = re.findall(r'typedef\s+struct\s+(dln_\w+)\s*\{', _f.read())


def _pyname(ctype_name):
    return ''.join(w.capitalize() for w in ctype_name[4:].split('_'))


def __getattr__(name):
    """The Report class of a struct by its Python name (dlnet.reports.ClassReport),
    so that pickles of reports load in a fresh process."""
    for cname in _STRUCTS:
        if _pyname(cname) == name:
            return _class_for(cname)
    raise AttributeError('module %r has no attribute %r' % (__name__, name))


def _class_for(ctype_name):
    cls = _CLASSES.get(ctype_name)
    if cls is None:
        fields = [(f, _converter(ctype_name, f, t.type))
                  for f, t in ffi.typeof(ctype_name).fields if f != 'struct_size']
        pyname = _pyname(ctype_name)
        cls = type(pyname, (Report,), {'__slots__': (), '_conv': fields,
                                       'fields': tuple(f for f, _ in fields),
                                       '__module__': __name__,
                                       '__doc__': 'Fields of the C struct %s; see '
                                                  'include/dlnet.h.' % ctype_name})
        _CLASSES[ctype_name] = cls
    return cls


def new_struct(ctype_name):
    """A zeroed C struct with struct_size set, as the library expects."""
    s = ffi.new(ctype_name + ' *')
    s.struct_size = ffi.sizeof(ctype_name)
    return s


def report(ctype_name, s, **extra):
    """The read-only Report of a filled struct, with Python-side ``extra`` fields."""
    cls = _class_for(ctype_name)
    values = {}
    for f, conv in cls._conv:
        v = getattr(s, f)
        values[f] = conv(v) if conv is not None else v
    values.update(extra)
    return cls(values)
