"""python_overhead.py - the cost of the Python layer (package dlnet) on a gradient.

For each problem (data form, all widths d, m = 8d, float64, lam = 0: the
problems of bench/grad_hvp.c) the same gradient is timed, interleaved sample
by sample (see bench/peers.py), four ways:

  C        dln_loss_grad in C (grad_hvp --serve), at new weights every call;
  py out=  loss.grad(net, out=g) from Python: no allocation;
  py       loss.value_and_grad(net): a new gradient array per call;
  torch    torch.autograd.grad of 1/2 ||W_L ... W_1 X - Y||^2 in the same
           interpreter (as bench/peers.py).

Python alternates two nets with the weights of the C benchmark's two, so both
recompute the chains on every call. Reported: medians (microseconds), the
median over samples of (py - C) ("added us") and of py / C - 1 ("added %"),
and torch / py. Goals of issue 11: under 10 us added at d = 4, L = 3, under
2% added at d = 256. Never pass/fail.

Usage: python_overhead.py GRAD_HVP_BINARY [--reps N]
(`make bench-python`; one BLAS thread unless OPENBLAS_NUM_THREADS is set).
"""
import argparse
import os
import statistics
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'python'))
import dlnet  # noqa: E402
from peers import CServer, load_problem, make_torch, py_sampler, time_interleaved  # noqa: E402

SIZES = [(4, 3), (32, 3), (128, 3), (256, 3)]


def openblas_core():
    """The OpenBLAS kernel in use (the library is already loaded by libdlnet)."""
    try:
        lib = dlnet._ffi.ffi.dlopen('libopenblas.so.0')
        ffi = dlnet._ffi.ffi
        return ffi.string(lib.openblas_get_corename()).decode()
    except (OSError, AttributeError):
        return 'unknown'


def python_tasks(p, d, L):
    X, Y = p['X'].T, p['Y'].T                      # (m, d): samples in rows, no copy
    loss = dlnet.Loss.data(X, Y)
    nets = [dlnet.Net([d] * (L + 1)).init_gaussian(1.0 / np.sqrt(d), 10 + k) for k in (0, 1)]
    assert np.array_equal(nets[0].params, dlnet.layers_to_theta(p['W']))
    g = np.empty(nets[0].num_params)
    flip = [0]

    def grad_out():
        flip[0] ^= 1
        loss.grad(nets[flip[0]], out=g)

    def grad_new():
        flip[0] ^= 1
        return loss.value_and_grad(nets[flip[0]])
    err = np.linalg.norm(loss.grad(nets[0]) - p['grad']) / np.linalg.norm(p['grad'])
    return grad_out, grad_new, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('binary', help='the grad_hvp benchmark binary')
    ap.add_argument('--reps', type=int, default=15)
    args = ap.parse_args()
    import torch
    threads = int(os.environ.get('OPENBLAS_NUM_THREADS', '1'))
    torch.set_num_threads(threads)
    dlnet._ffi.ffi.cdef('char *openblas_get_corename(void);', override=True)
    print('python_overhead: dlnet %s (%s), Python %s, NumPy %s, PyTorch %s; OpenBLAS kernel %s,'
          ' %d thread(s); medians of %d interleaved samples; load %.2f'
          % (dlnet.version(), dlnet.LIBRARY, sys.version.split()[0], np.__version__,
             torch.__version__, openblas_core(), threads, args.reps, os.getloadavg()[0]))
    print('times in us; added = median over samples of (py - C) and py/C - 1; '
          'torch/py = median of per-sample ratios\n')
    print('   d  L |       C   py out=        py     torch | added us (out=, new)'
          ' | added % (out=, new) | torch/py | check')
    with tempfile.TemporaryDirectory() as tmp:
        for d, L in SIZES:
            server = CServer(args.binary, d, L, tmp)
            p = load_problem(os.path.join(tmp, 'd%d_L%d.f64' % (d, L)), d, L)
            grad_out, grad_new, err = python_tasks(p, d, L)
            tgrad = make_torch(p)[0]
            c, po, pn, tg = time_interleaved([server.sampler('grad'), py_sampler(grad_out),
                                              py_sampler(grad_new), py_sampler(tgrad)],
                                             args.reps)
            server.close()
            med = [statistics.median(x) * 1e6 for x in (c, po, pn, tg)]
            add_us = [statistics.median(1e6 * (a - b) for a, b in zip(x, c)) for x in (po, pn)]
            add_pc = [statistics.median(100 * (a / b - 1) for a, b in zip(x, c)) for x in (po, pn)]
            torch_ratio = statistics.median(a / b for a, b in zip(tg, pn))
            print('%4d %2d | %7.2f %9.2f %9.2f %9.2f | %8.2f %8.2f    | %7.1f %7.1f     |'
                  ' %8.1f | %.1e' % (d, L, *med, *add_us, *add_pc, torch_ratio, err), flush=True)


if __name__ == '__main__':
    sys.exit(main())
