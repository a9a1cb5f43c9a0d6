"""The documented offline install works, and the library search order and its
failure messages are the documented ones (docs/python.md)."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import TREE

SONAME = 'libdlnet.so.%s' % '.'.join(open(os.path.join(TREE, 'include', 'dlnet.h')).read()
                                    .split('#define DLN_VERSION_STRING "')[1].split('.')[:2])


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('DLNET_') and k not in ('PYTHONPATH', 'LD_LIBRARY_PATH')}
    env.update(extra)
    return env


def probe(site, env, cwd):
    """Run `import dlnet` from ``site``; (returncode, stdout, stderr)."""
    code = ('import dlnet; print(dlnet.LIBRARY); print(dlnet.HEADER); print(dlnet.version()); '
            'print(dlnet._ffi.PREBUILT)')
    p = subprocess.run([sys.executable, '-c', code], env=dict(env, PYTHONPATH=str(site)),
                       cwd=str(cwd), capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines(), p.stderr


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """pip install --no-build-isolation --no-deps --no-index of a copy of python/."""
    tmp = tmp_path_factory.mktemp('install')
    src = tmp / 'src'
    shutil.copytree(os.path.join(TREE, 'python'), str(src / 'python'),
                    ignore=shutil.ignore_patterns('__pycache__', 'build', '*.egg-info'))
    shutil.copytree(os.path.join(TREE, 'include'), str(src / 'include'))
    site = tmp / 'site'
    libdir = os.path.join(TREE, 'lib')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-build-isolation', '--no-deps',
                    '--no-index', '--target', str(site), str(src / 'python')],
                   env=clean_env(DLNET_LIBDIR=libdir, PIP_DISABLE_PIP_VERSION_CHECK='1'),
                   check=True, capture_output=True)
    return tmp, site, libdir


def test_installed_package_finds_the_recorded_library_and_its_header(installed):
    tmp, site, libdir = installed
    rc, out, err = probe(site, clean_env(), tmp)
    assert rc == 0, err
    assert out[0] == os.path.join(libdir, SONAME)
    assert out[1] == os.path.join(str(site), 'dlnet', 'include', 'dlnet.h')
    assert out[3] == 'True'  # the declarations prebuilt at install


def test_prebuilt_declarations_are_used_only_for_their_header(installed, tmp_path):
    tmp, site, _ = installed
    header = tmp_path / 'dlnet.h'
    with open(os.path.join(TREE, 'include', 'dlnet.h')) as f:
        header.write_text(f.read() + '\n/* another header */\n')
    rc, out, err = probe(site, clean_env(DLNET_HEADER=str(header)), tmp)
    assert rc == 0, err
    assert out[1] == str(header) and out[3] == 'False'  # parsed from that header instead


def test_the_environment_variable_comes_first(installed, tmp_path):
    tmp, site, libdir = installed
    copy = tmp_path / SONAME
    shutil.copyfile(os.path.join(libdir, SONAME), str(copy))
    rc, out, err = probe(site, clean_env(DLNET_LIBRARY=str(copy)), tmp)
    assert rc == 0 and out[0] == str(copy), err
    rc, out, err = probe(site, clean_env(DLNET_LIBRARY=str(tmp_path / 'missing.so')), tmp)
    assert rc != 0 and 'DLNET_LIBRARY' in err and 'does not exist' in err


def test_a_missing_library_says_what_to_do(installed, tmp_path):
    tmp, site, _ = installed
    with open(os.path.join(str(site), 'dlnet', '_install.py'), 'r') as f:
        recorded = f.read()
    try:
        with open(os.path.join(str(site), 'dlnet', '_install.py'), 'w') as f:
            f.write('LIBDIR = %r\n' % str(tmp_path / 'nowhere'))
        rc, out, err = probe(site, clean_env(), tmp)
    finally:
        with open(os.path.join(str(site), 'dlnet', '_install.py'), 'w') as f:
            f.write(recorded)
    if rc == 0:  # a system-wide libdlnet answered through the dynamic loader
        assert out[0] == SONAME
    else:
        assert 'cannot find the shared library' in err and 'DLNET_LIBRARY' in err
        assert 'make install' in err


def test_the_build_tree_is_found_in_tree():
    rc, out, err = probe(os.path.join(TREE, 'python'), clean_env(), TREE)
    assert rc == 0, err
    assert out[0] == os.path.join(TREE, 'lib', SONAME)
    assert out[1] == os.path.join(TREE, 'include', 'dlnet.h') and out[3] == 'False'


def test_prebuilt_declarations_equal_the_parsed_ones(installed):
    tmp, site, _ = installed
    code = '''
import re, cffi, dlnet
from dlnet._header import header_declarations
parsed = cffi.FFI(); parsed.cdef(header_declarations(open(dlnet.HEADER).read()))
pre = dlnet._ffi.ffi
assert dlnet._ffi.PREBUILT
names = re.findall(r"typedef\\s+(?:struct|enum)\\s+(dln_\\w+)\\s*\\{", open(dlnet.HEADER).read())
for n in names:
    assert pre.sizeof(n) == parsed.sizeof(n), n
    t1, t2 = pre.typeof(n), parsed.typeof(n)
    if t1.kind == "struct":
        assert [(f, pre.offsetof(n, f)) for f, _ in t1.fields] == \\
            [(f, parsed.offsetof(n, f)) for f, _ in t2.fields], n
    else:
        assert t1.elements == t2.elements, n
print(len(names))
'''
    p = subprocess.run([sys.executable, '-c', code], env=dict(clean_env(), PYTHONPATH=str(site)),
                       cwd=str(tmp), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert int(p.stdout) >= 25
