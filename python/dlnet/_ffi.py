"""The C boundary: finds libdlnet and its header, declares the header to CFFI.

Nothing here is hand-copied from the header. The declarations CFFI needs
(functions, enums, report structs, integer macros) are read from
``dlnet.h`` itself (at import in the source tree, prebuilt at install time
for an installed package), so that a signature, an enum value or a struct
layout cannot drift from the library (tests/test_layout.py compares the
layouts with the C compiler as well).

Search order of the shared library (the first that exists wins):

1. ``$DLNET_LIBRARY``: a path to ``libdlnet.so*``;
2. the build tree, when this package sits in ``python/`` of a libdlnet
   source tree (``../lib/libdlnet.so.0.MINOR``);
3. the library directory recorded by ``make python-install``
   (``dlnet/_install.py``);
4. the system's dynamic loader (``libdlnet.so.0.MINOR``: ``LD_LIBRARY_PATH``,
   ``/etc/ld.so.conf``, the default directories).

The header is found the same way: ``$DLNET_HEADER``, the copy installed
with the package, the build tree, then ``../include/dlnet.h`` next to the
library's directory and ``/usr/local/include``, ``/usr/include``.
"""
import os

import cffi

from ._header import header_declarations, header_digest, header_float_macros

_HERE = os.path.dirname(os.path.abspath(__file__))
# the libdlnet source tree, when this package is its python/dlnet
_TREE = os.path.dirname(os.path.dirname(_HERE))
if not os.path.exists(os.path.join(_TREE, 'include', 'dlnet.h')):
    _TREE = None

try:  # written by setup.py at install: where the library was installed
    from ._install import LIBDIR as _INSTALL_LIBDIR
except ImportError:  # in-tree use
    _INSTALL_LIBDIR = None


def _first_existing(paths):
    for p in paths:
        if p and os.path.exists(p):
            return p
    return None


def _find_header():
    env = os.environ.get('DLNET_HEADER')
    if env:
        if not os.path.exists(env):
            raise ImportError('dlnet: DLNET_HEADER=%s does not exist' % env)
        return env
    return _first_existing([
        os.path.join(_HERE, 'include', 'dlnet.h'),
        _TREE and os.path.join(_TREE, 'include', 'dlnet.h'),
        _INSTALL_LIBDIR and os.path.join(os.path.dirname(_INSTALL_LIBDIR), 'include', 'dlnet.h'),
        '/usr/local/include/dlnet.h',
        '/usr/include/dlnet.h'])


def _open_library(ffi, soname):
    env = os.environ.get('DLNET_LIBRARY')
    if env:
        if not os.path.exists(env):
            raise ImportError('dlnet: DLNET_LIBRARY=%s does not exist' % env)
        return ffi.dlopen(env), env
    tried = []
    for d in (_TREE and os.path.join(_TREE, 'lib'), _INSTALL_LIBDIR):
        if d:
            path = os.path.join(d, soname)
            tried.append(path)
            if os.path.exists(path):
                return ffi.dlopen(path), path
    try:
        return ffi.dlopen(soname), soname
    except OSError as e:
        tried.append('%s through the dynamic loader (%s)' % (soname, e))
    raise ImportError(
        'dlnet: cannot find the shared library libdlnet (tried: %s).\n'
        'Build it with `make` in the libdlnet source tree, or install it with '
        '`make install PREFIX=...` and add PREFIX/lib to LD_LIBRARY_PATH, or set '
        'DLNET_LIBRARY=/path/to/%s.' % ('; '.join(tried), soname))


def _declarations(text):
    """An FFI that knows the header's declarations: the one setup.py prebuilt
    for this very header (imports in milliseconds), else parsed now (pycparser:
    a few tenths of a second)."""
    try:
        from ._cdefs import ffi as prebuilt
        from ._install import HEADER_DIGEST
    except ImportError:
        prebuilt = None
    if prebuilt is not None and HEADER_DIGEST == header_digest(text):
        return prebuilt, True
    ffi = cffi.FFI()
    ffi.cdef(header_declarations(text))
    return ffi, False


def _load():
    header = _find_header()
    if header is None:
        raise ImportError(
            'dlnet: cannot find dlnet.h (the package reads its declarations from it). '
            'Install the package with `make python-install` (it bundles the header), '
            'or set DLNET_HEADER=/path/to/dlnet.h.')
    with open(header) as f:
        text = f.read()
    macros = header_float_macros(text)
    version = macros['DLN_VERSION_STRING']
    major, minor = version.split('.')[:2]
    ffi, prebuilt = _declarations(text)
    lib, path = _open_library(ffi, 'libdlnet.so.%s.%s' % (major, minor))
    linked = ffi.string(lib.dln_version_string()).decode()
    if linked.split('.')[:2] != [major, minor]:
        raise ImportError('dlnet: %s is version %s but the header %s is %s; point '
                          'DLNET_LIBRARY and DLNET_HEADER at one installation'
                          % (path, linked, header, version))
    return ffi, lib, header, path, macros, prebuilt


ffi, lib, HEADER, LIBRARY, MACROS, PREBUILT = _load()


def text(p):
    """A Python str from a C string the library returned (static or per handle)."""
    return ffi.string(p).decode()
