"""The public surface: docstrings everywhere, enums and reports as documented."""
import inspect

import pytest

import dlnet


def public_members():
    for name in dlnet.__all__:
        obj = getattr(dlnet, name)
        if inspect.isclass(obj) and not issubclass(obj, (int, BaseException)):
            yield name, obj
            for attr, member in vars(obj).items():
                if not attr.startswith('_') and (callable(member) or isinstance(member, property)
                                                 or isinstance(member, classmethod)):
                    yield '%s.%s' % (name, attr), member
        elif inspect.isfunction(obj):
            yield name, obj


def test_every_public_class_method_and_function_has_a_docstring():
    members = list(public_members())
    assert len(members) > 100
    missing = []
    for name, obj in members:
        doc = obj.__func__.__doc__ if isinstance(obj, classmethod) else obj.__doc__
        if not doc or len(doc.split()) < 3:
            missing.append(name)
    assert not missing, 'no docstring: %s' % missing


def test_enums_mirror_the_header():
    assert dlnet.Status.OK == 0 and dlnet.Status.E_UNSUPPORTED == 11
    assert dlnet.OptKind.LBFGS_ESCAPE == 6 and dlnet.Metric.DIST == 16
    assert dlnet.Class.GLOBAL_MIN == dlnet._ffi.lib.DLN_CLASS_GLOBAL_MIN
    assert dlnet.EBFlag.SADDLE == 128 and dlnet.ClassFlag.DESCENT == 2048
    assert issubclass(dlnet.Limit, int) and dlnet.Limit.H3 == 16
    assert dlnet.METRICS_TOL == 1e-10 and dlnet.ARORA_ETA_CONST == 6144.0
    assert dlnet.version_info() == tuple(int(x) for x in dlnet.__version__.split('.'))
    assert dlnet.version() == dlnet.__version__


def test_every_status_has_its_exception():
    for status in dlnet.Status:
        if status != dlnet.Status.OK:
            cls = dlnet.error_class(status)
            assert cls is not dlnet.DlnetError and cls.status == status
            e = cls(status, 'detail')
            assert e.message == 'detail' and status.name in str(e)
            assert dlnet.strerror(status)


def test_reports_are_read_only_records():
    rep = dlnet.critical_roots(3, 1.0, 1.9)
    assert isinstance(rep, dlnet.Report) and rep.count == 2 and len(rep.s) == 2
    with pytest.raises(AttributeError):
        rep.count = 3
    with pytest.raises(AttributeError):
        rep.no_such_field
    assert 'struct_size' not in rep.fields and rep.as_dict()['y'] == 1.9
    assert repr(rep).startswith('RootInfo(y=1.9')


def test_reports_pickle_in_a_fresh_process(tmp_path):
    import os
    import pickle
    import subprocess
    import sys
    from conftest import PACKAGE
    rep = dlnet.critical_roots(3, 1.0, 1.9)
    path = tmp_path / 'rep.pickle'
    path.write_bytes(pickle.dumps(rep))
    code = 'import pickle, sys; r = pickle.load(open(sys.argv[1], "rb")); print(r.count, r.s[0])'
    out = subprocess.run([sys.executable, '-c', code, str(path)], check=True, text=True,
                         capture_output=True,
                         env=dict(os.environ, PYTHONPATH=os.path.dirname(PACKAGE))).stdout
    assert out.split() == [str(rep.count), repr(rep.s[0])]
    assert pickle.loads(pickle.dumps(rep)) == rep
