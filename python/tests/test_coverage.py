"""Every DLN_API function of include/dlnet.h has a binding in the package, or an
entry below with the reason it has none. A function counts as bound when the
package's source calls it as ``lib.dln_...`` (found by parsing the source)."""
import ast
import os
import re

from conftest import PACKAGE, TREE
from dlnet import _ffi

# name -> why the package does not call it. Keep this short and justified.
EXCLUDED = {
}


def header_functions(path):
    with open(path) as f:
        text = re.sub(r'/\*.*?\*/', ' ', f.read(), flags=re.S)
    return set(re.findall(r'DLN_API\b[^;{(]*?\b(dln_\w+)\s*\(', text))


def bound_functions(package_dir):
    names = set()
    for fname in sorted(os.listdir(package_dir)):
        if fname.endswith('.py'):
            with open(os.path.join(package_dir, fname)) as f:
                tree = ast.parse(f.read(), fname)
            names |= {node.attr for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and node.attr.startswith('dln_')}
    return names


def test_header_is_the_one_the_package_read():
    assert os.path.samefile(_ffi.HEADER, os.path.join(TREE, 'include', 'dlnet.h'))


def test_every_public_function_is_bound_or_excluded():
    declared = header_functions(os.path.join(TREE, 'include', 'dlnet.h'))
    assert len(declared) > 100  # the parser found the API, not a fragment of it
    missing = sorted(declared - bound_functions(PACKAGE) - set(EXCLUDED))
    assert not missing, ('DLN_API functions without a Python binding: %s. Bind them in '
                         'python/dlnet/ (see docs/python.md, "Adding a function"), or add '
                         'them to EXCLUDED in %s with a reason.' % (missing, __file__))


def test_exclusions_are_current_and_justified():
    declared = header_functions(os.path.join(TREE, 'include', 'dlnet.h'))
    bound = bound_functions(PACKAGE)
    for name, reason in EXCLUDED.items():
        assert name in declared, '%s is excluded but no longer in the header' % name
        assert name not in bound, '%s is excluded but bound' % name
        assert len(reason.split()) >= 3, 'give a reason for excluding %s' % name


def test_bindings_name_only_real_functions():
    declared = header_functions(os.path.join(TREE, 'include', 'dlnet.h'))
    assert not sorted(bound_functions(PACKAGE) - declared)


def test_the_coverage_test_can_fail(tmp_path):
    header = tmp_path / 'dlnet.h'
    header.write_text('DLN_API int dln_new_function(int x);\n'
                      '/* DLN_API int dln_commented(void); */\n'
                      'DLN_API const char *dln_other(const dln_net *net);\n')
    assert header_functions(str(header)) == {'dln_new_function', 'dln_other'}
    assert 'dln_new_function' not in bound_functions(PACKAGE)
