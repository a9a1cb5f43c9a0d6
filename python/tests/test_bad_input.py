"""Every public method refuses bad input with an exception (a DlnetError
subclass from C, or ValueError/TypeError/IndexError before C is called), never a
crash, and leaves the objects unchanged."""
import numpy as np
import pytest

import dlnet

E = dlnet


@pytest.fixture
def objs():
    loss = dlnet.Loss.target(np.diag([3.0, 1.9]), l2=1.0)
    net = dlnet.Net([2, 2, 2, 2]).init_gaussian(1.0, 2)
    return {'loss': loss, 'net': net, 'ls': dlnet.Landscape(loss, [2, 2, 2, 2]),
            'opt': dlnet.Optimizer(), 'other': dlnet.Net([3, 2]), 'n': net.num_params}


CASES = {
    'Net.set_layer': (lambda o: o['net'].set_layer(1, np.ones((3, 2))), ValueError),
    'Net.set_layer index': (lambda o: o['net'].set_layer(4, np.ones((2, 2))), IndexError),
    'Net.layer out': (lambda o: o['net'].layer(1, out=np.empty((3, 3))), ValueError),
    'Net.set_params': (lambda o: o['net'].set_params(np.full(o['n'], np.inf)), E.NonFiniteError),
    'Net.get_params out': (lambda o: o['net'].get_params(out=np.empty(3)), ValueError),
    'Net.init_orthogonal': (lambda o: o['net'].init_orthogonal(np.nan, 1), E.RangeError),
    'Net.init_identity': (lambda o: o['net'].init_identity(-1.0), E.RangeError),
    'Net.init_balanced': (lambda o: o['net'].init_balanced(np.ones((2, 3))), ValueError),
    'Net.init_balanced frames': (lambda o: o['net'].init_balanced(np.eye(2), 7), E.RangeError),
    'Net.init_balanced_random': (lambda o: o['net'].init_balanced_random(-2.0, 1), E.RangeError),
    'Net.product': (lambda o: o['net'].product(1, 3), IndexError),
    'Net.forward': (lambda o: o['net'].forward(np.ones((5, 3))), ValueError),
    'Net.forward nan': (lambda o: o['net'].forward(np.full((5, 2), np.nan)), E.NonFiniteError),
    'Net.from_layers': (lambda o: dlnet.Net.from_layers([np.ones((2, 3)), np.ones((2, 3))]),
                        ValueError),
    'Net.from_params': (lambda o: dlnet.Net.from_params([2, 2], np.ones(3)), ValueError),
    'Net.layer_offset': (lambda o: o['net'].layer_offset(0), IndexError),
    'Loss.data': (lambda o: dlnet.Loss.data(np.ones(3), np.ones(3)), ValueError),
    'Loss.data nan': (lambda o: dlnet.Loss.data(np.full((4, 2), np.nan), np.ones((4, 1))),
                      E.NonFiniteError),
    'Loss.target': (lambda o: dlnet.Loss.target(np.ones(3)), ValueError),
    'Loss.add_samples': (lambda o: o['loss'].add_samples(np.ones((2, 2)), np.ones((2, 2))),
                         E.UnsupportedError),
    'Loss.set_l2': (lambda o: o['loss'].set_l2([1.0, np.nan]), E.RangeError),
    'Loss.get_l2': (lambda o: o['loss'].get_l2(0), E.DimError),
    'Loss.value': (lambda o: o['loss'].value(o['other']), E.DimError),
    'Loss.value_and_grad': (lambda o: o['loss'].value_and_grad(o['other']), E.DimError),
    'Loss.hvp': (lambda o: o['loss'].hvp(o['net'], np.ones(3)), ValueError),
    'Loss.hvp_batch': (lambda o: o['loss'].hvp_batch(o['net'], np.ones(o['n'])), ValueError),
    'Loss.hessian': (lambda o: o['loss'].hessian(o['other']), E.DimError),
    'Loss.hessian too large': (lambda o: dlnet.Loss.target(np.eye(91)).hessian(
        dlnet.Net([91, 91])), E.TooLargeError),
    'Loss.hessian_eigs': (lambda o: o['loss'].hessian_eigs(o['net'], k=0), E.DimError),
    'Loss.hessian_eigs tol': (lambda o: o['loss'].hessian_eigs(o['net'], tol=2.0), E.RangeError),
    'Loss.hessian_trace': (lambda o: o['loss'].hessian_trace(o['other']), E.DimError),
    'Loss.hessian_trace_estimate': (lambda o: o['loss'].hessian_trace_estimate(o['net'], 1),
                                    E.RangeError),
    'Loss.hessian_density': (lambda o: o['loss'].hessian_density(o['net'], steps=0), E.DimError),
    'Loss.hessian_density grid': (lambda o: o['loss'].hessian_density(
        o['net'], steps=2, grid=[0.0, 1.0], sigma=-1.0), E.RangeError),
    'Loss.layer_eigs': (lambda o: o['loss'].layer_eigs(o['net'], 0), E.DimError),
    'Loss.hessian_eigs_deflated': (lambda o: o['loss'].hessian_eigs_deflated(o['net'], k=0),
                                   E.DimError),
    'Loss.gd_rate': (lambda o: o['loss'].gd_rate(o['net'], eta=-1.0), E.RangeError),
    'Loss.balancedness': (lambda o: o['loss'].balancedness(o['other']), E.DimError),
    'Loss.optimal_value': (lambda o: o['loss'].optimal_value(o['net']), E.UnsupportedError),
    'Loss.gradient_dominance': (lambda o: o['loss'].gradient_dominance(o['net']),
                                E.UnsupportedError),
    'Loss.zhou_liang': (lambda o: o['loss'].zhou_liang(o['net'], o['net']), E.UnsupportedError),
    'Loss.arora': (lambda o: o['loss'].arora(o['net']), E.UnsupportedError),
    'Loss.mean': (lambda o: setattr(o['loss'], 'mean', True), E.UnsupportedError),
    'Loss.threads': (lambda o: setattr(o['loss'], 'threads', 2), E.UnsupportedError),
    'Loss.threads range': (lambda o: setattr(dlnet.Loss.data(np.ones((4, 2)), np.ones((4, 1))),
                                             'threads', 0), E.RangeError),
    'Loss.from_summary': (lambda o: dlnet.Loss.from_summary(np.eye(2), np.ones((1, 2)), -1.0, 3),
                          E.RangeError),
    'Loss.decode': (lambda o: dlnet.Loss.decode(b'DLNSUMRY'), E.FormatError),
    'Loss.load': (lambda o: dlnet.Loss.load('/nonexistent/s.dls'), E.FileIOError),
    'Loss.encode': (lambda o: o['loss'].encode(), E.UnsupportedError),
    'Loss.save': (lambda o: o['loss'].save('/nonexistent/s.dls'), E.UnsupportedError),
    'Loss.merge': (lambda o: o['loss'].merge(o['loss']), E.UnsupportedError),
    'Loss.add_samples_progress': (lambda o: o['loss'].add_samples_progress(
        np.ones((2, 2)), np.ones((2, 2)), chunk=1), E.UnsupportedError),
    'Landscape()': (lambda o: dlnet.Landscape(o['loss'], [2, 0, 2]), E.DimError),
    'Landscape.roots': (lambda o: o['ls'].roots(5), E.DimError),
    'Landscape.orbit': (lambda o: o['ls'].orbit(1000), E.RangeError),
    'Landscape.pattern_info': (lambda o: o['ls'].pattern_info([9, 9]), E.RangeError),
    'Landscape.orbit_spectrum': (lambda o: o['ls'].orbit_spectrum([1]), ValueError),
    'Landscape.build': (lambda o: o['ls'].build([0, 0], net=o['other']), E.DimError),
    'Landscape.set_tol': (lambda o: o['ls'].set_tol(99, 0.1), E.RangeError),
    'Landscape.classify': (lambda o: o['ls'].classify(o['other']), E.DimError),
    'Landscape.classify method': (lambda o: o['ls'].classify(o['net'], 9), E.RangeError),
    'Landscape.distance': (lambda o: o['ls'].distance(o['other']), E.DimError),
    'Landscape.rate': (lambda o: o['ls'].rate([0, 0], eta=-1.0), E.RangeError),
    'critical_roots': (lambda o: dlnet.critical_roots(3, 1.0, -1.0), E.RangeError),
    'Optimizer()': (lambda o: dlnet.Optimizer(99), E.RangeError),
    'Optimizer.step_size': (lambda o: setattr(o['opt'], 'step_size', 0.0), E.RangeError),
    'Optimizer.wolfe': (lambda o: setattr(o['opt'], 'wolfe', (0.9, 0.1)), E.UnsupportedError),
    'Optimizer.metrics': (lambda o: setattr(o['opt'], 'metrics', [99]), E.RangeError),
    'Optimizer.set_callback': (lambda o: o['opt'].set_callback(print, every=0), E.RangeError),
    'Optimizer.run': (lambda o: o['opt'].run(o['loss'], o['other']), E.DimError),
    'Optimizer.run_history': (lambda o: o['opt'].run_history(o['loss'], o['other'], 5),
                              E.DimError),
    'Optimizer.step': (lambda o: o['opt'].step(o['loss'], o['other']), E.DimError),
    'Optimizer.escape_info': (lambda o: o['opt'].escape_info(0), E.RangeError),
    'wrong object': (lambda o: o['loss'].grad(None), AttributeError),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_bad_input_raises_and_changes_nothing(objs, name):
    call, error = CASES[name]
    before = (objs['net'].params, objs['loss'].get_l2(3), objs['opt'].step_size,
              objs['ls'].get_tol(dlnet.Tol.GRAD))
    with pytest.raises(error):
        call(objs)
    after = (objs['net'].params, objs['loss'].get_l2(3), objs['opt'].step_size,
             objs['ls'].get_tol(dlnet.Tol.GRAD))
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
