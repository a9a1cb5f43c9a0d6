"""IntEnums and IntFlags generated from the enums of dlnet.h.

``typedef enum dln_loss_kind {DLN_LOSS_DATA, ...}`` becomes
``LossKind.DATA``: the class name is the C name without ``dln_`` in
CamelCase (``dln_opt_kind`` -> ``OptKind``, ``dln_theory`` -> ``Theory``),
the member names lose the prefix their C names share. The
anonymous bit-flag enums become IntFlags (``EBFlag``, ``ClassFlag``,
``Limit``). A new enum in the header appears here without any code.
"""
import enum
import re

from ._ffi import ffi, lib, HEADER

__all__ = []

# Anonymous enums of bit flags: C prefix -> Python name.
_FLAG_NAMES = {'DLN_EB_': 'EBFlag', 'DLN_CF_': 'ClassFlag', 'DLN_LIMIT_': 'Limit'}


def _common_prefix(names):
    first = names[0]
    cut = 0
    for i in range(len(first)):
        if all(n.startswith(first[:i + 1]) for n in names) and first[i] == '_':
            cut = i + 1
    return first[:cut]


def _camel(cname):
    return ''.join(w.capitalize() for w in cname[len('dln_'):].split('_'))


def _members(names, prefix):
    return {n[len(prefix):]: getattr(lib, n) for n in names}


def _generate():
    with open(HEADER) as f:
        text = re.sub(r'/\*.*?\*/', ' ', f.read(), flags=re.S)
    out = {}
    for cname in re.findall(r'typedef\s+enum\s+(dln_\w+)', text):
        elements = ffi.typeof(cname).elements
        names = [elements[v] for v in sorted(elements)]
        out[_camel(cname)] = enum.IntEnum(_camel(cname), _members(names, _common_prefix(names)),
                                          module=__name__)
    for body in re.findall(r'(?<!typedef )enum\s*\{(.*?)\}', text, flags=re.S):
        names = re.findall(r'(DLN_\w+)\s*=', body)
        prefix = _common_prefix(names)
        pyname = _FLAG_NAMES.get(prefix, _camel('dln_' + prefix.lower()[4:-1]) + 'Flag')
        out[pyname] = enum.IntFlag(pyname, _members(names, prefix), module=__name__)
    return out


for _name, _cls in _generate().items():
    globals()[_name] = _cls
    __all__.append(_name)
