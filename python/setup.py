"""Offline install of the dlnet package with Debian's setuptools:

    pip install --no-build-isolation --no-deps ./python      (or: make python-install)

The header the package reads its declarations from is bundled
(dlnet/include/dlnet.h) together with those declarations prebuilt for CFFI
(dlnet/_cdefs.py: a fast import), and the library directory given by
$DLNET_LIBDIR (make python-install sets it to the install's libdir) is
recorded in dlnet/_install.py as a place to look for libdlnet.so (see
dlnet/_ffi.py)."""
import importlib.util
import os
import re
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(HERE, '..', 'include', 'dlnet.h')


def header_module():
    """dlnet/_header.py, loaded alone (the package itself would load the library)."""
    spec = importlib.util.spec_from_file_location('_dlnet_header',
                                                  os.path.join(HERE, 'dlnet', '_header.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def version():
    with open(HEADER) as f:
        return re.search(r'#define DLN_VERSION_STRING "([^"]+)"', f.read()).group(1)


class BuildPy(build_py):
    """Copies the header into the package, prebuilds its declarations for CFFI
    (out-of-line ABI mode: dlnet/_cdefs.py) and records the library directory."""

    def run(self):
        import cffi
        super().run()
        target = os.path.join(self.build_lib, 'dlnet')
        os.makedirs(os.path.join(target, 'include'), exist_ok=True)
        shutil.copyfile(HEADER, os.path.join(target, 'include', 'dlnet.h'))
        with open(HEADER) as f:
            text = f.read()
        header = header_module()
        builder = cffi.FFI()
        builder.cdef(header.header_declarations(text))
        builder.set_source('dlnet._cdefs', None)
        builder.emit_python_code(os.path.join(target, '_cdefs.py'))
        libdir = os.environ.get('DLNET_LIBDIR')
        with open(os.path.join(target, '_install.py'), 'w') as f:
            f.write('"""Written at install time: where libdlnet was installed, and the\n'
                    'digest of the header that _cdefs.py was built from."""\n')
            f.write('LIBDIR = %r\n' % (os.path.abspath(libdir) if libdir else None))
            f.write('HEADER_DIGEST = %r\n' % header.header_digest(text))


setup(
    name='dlnet',
    version=version(),
    description='Deep linear networks: exact derivatives, Hessian spectra, landscape theory',
    packages=['dlnet'],
    python_requires='>=3.7',
    install_requires=['numpy', 'cffi'],
    cmdclass={'build_py': BuildPy},
)
