"""The layouts CFFI derived from the header (sizes and field offsets of every
struct, sizes of the enums, the first-version sizes DLN_*_V1_SIZE of the
report structs) equal what the C compiler says."""
import os
import re
import subprocess

from conftest import TREE
from dlnet import _ffi

ffi = _ffi.ffi


def typedefs(kind):
    with open(os.path.join(TREE, 'include', 'dlnet.h')) as f:
        text = re.sub(r'/\*.*?\*/', ' ', f.read(), flags=re.S)
    return re.findall(r'typedef\s+%s\s+(dln_\w+)\s*\{' % kind, text)


def first_version_sizes():
    """The DLN_*_V1_SIZE macros: name -> (struct, last field of the first version)."""
    with open(os.path.join(TREE, 'include', 'dlnet.h')) as f:
        return {m[0]: (m[1], m[2]) for m in re.findall(
            r'#define\s+(DLN_\w+_V1_SIZE)\s+DLN_SIZE_THROUGH\((\w+),\s*(\w+)\)', f.read())}


def compiler_layout(tmp_path, structs, enums):
    lines = ['#include <dlnet.h>', '#include <stddef.h>', '#include <stdio.h>',
             'int main(void) {']
    for s in structs:
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (s, s))
        for f, _ in ffi.typeof(s).fields:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (s, f, s, f))
    for e in enums:
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (e, e))
    for macro in first_version_sizes():
        lines.append('printf("%s %%zu\\n", (size_t)%s);' % (macro, macro))
    lines += ['return 0;', '}']
    src = tmp_path / 'layout.c'
    src.write_text('\n'.join(lines) + '\n')
    exe = tmp_path / 'layout'
    cc = os.environ.get('CC', 'cc')
    subprocess.run([cc, '-std=c11', '-I', os.path.join(TREE, 'include'), '-o', str(exe), str(src)],
                   check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return dict((k, int(v)) for k, v in (line.split() for line in out.splitlines()))


def cffi_layout(structs, enums):
    out = {}
    for s in structs:
        out[s] = ffi.sizeof(s)
        for f, _ in ffi.typeof(s).fields:
            out['%s.%s' % (s, f)] = ffi.offsetof(s, f)
    for e in enums:
        out[e] = ffi.sizeof(e)
    for macro, (s, field) in first_version_sizes().items():
        out[macro] = ffi.offsetof(s, field) + ffi.sizeof(dict(ffi.typeof(s).fields)[field].type)
    return out


def test_struct_and_enum_layouts_match_the_compiler(tmp_path):
    structs, enums = typedefs('struct'), typedefs('enum')
    assert len(structs) >= 12 and len(enums) >= 14 and len(first_version_sizes()) >= 9
    expected = compiler_layout(tmp_path, structs, enums)
    got = cffi_layout(structs, enums)
    assert got == expected


def test_every_report_struct_has_a_python_report():
    import dlnet.reports as reports
    for s in typedefs('struct'):
        values = reports.report(s, reports.new_struct(s))
        names = [f for f, _ in ffi.typeof(s).fields if f != 'struct_size']
        assert list(values.fields) == names
