"""peers_bottleneck.py - libdlnet's gradient and HVP on bottleneck nets next to
the strongest peers, all on libdlnet's own QR summary (R, C, r0) of the same data.

Shapes 512-16-512, 512-32-32-512, 1024-64-64-1024 (data form, m = 2 d_0,
float64, lam = 0). libdlnet runs through the Python package (loss.grad(net,
out=g), loss.hvp(net, v, out=h): a few microseconds of Python per call, far
below these times) and picks its factored path by itself (derivatives.md §4a).
The peers, in the same process:

  torch-QR layerwise   F = 1/2 ||W_L (... (W_1 R^T)) - C||^2 + r0/2, the product
                       formed layer by layer from R^T: autograd then costs
                       O(r d^2) too (every product has the factor r), like
                       libdlnet's factored path; HVP by double backward;
  torch-QR chain       the same loss with P = W_L ... W_1 formed first, then
                       P R^T - C (bench/peers.py's torch-QR): O(d^3);
  torch-Gram layerwise 1/2 <W_L(...(W_1 Sxx)), P> - <P, Syx> + ||Y||^2/2 with
                       Sxx = R^T R, Syx = C R (cancels near exact fits);
  numpy-QR layerwise   hand-written backpropagation of the first loss:
                       H_0 = R^T, H_l = W_l H_{l-1}, G = H_L - C,
                       grad_l = Delta_l H_{l-1}^T, Delta_{l-1} = W_l^T Delta_l.

Every call is at new weights (two weight sets alternate, for libdlnet and the
peers alike). Samples of all tasks are interleaved round by round; reported
are medians (microseconds) and the median over rounds of peer / libdlnet.
Each peer's gradient and HVP are first compared with libdlnet's.

Usage (one thread, the OpenBLAS kernel chosen by OpenBLAS itself):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \\
      OMP_NUM_THREADS=1 /usr/bin/python3 bench/peers_bottleneck.py [--reps N]
Never pass/fail.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'python'))
import dlnet  # noqa: E402
from peers import openblas_kernel  # noqa: E402

SHAPES = [(512, 16, 512), (512, 32, 32, 512), (1024, 64, 64, 1024)]


def torch_layerwise_qr(Ws, RT, C, r0):
    H = RT
    for W in Ws:
        H = W @ H
    G = H - C
    return 0.5 * (G * G).sum() + 0.5 * r0


def torch_chain_qr(Ws, RT, C, r0):
    P = Ws[0]
    for W in Ws[1:]:
        P = W @ P
    G = P @ RT - C
    return 0.5 * (G * G).sum() + 0.5 * r0


def torch_layerwise_gram(Ws, Sxx, Syx, yy):
    PS, P = Sxx, Ws[0]
    for W in Ws:
        PS = W @ PS
    for W in Ws[1:]:
        P = W @ P
    return 0.5 * (PS * P).sum() - (P * Syx).sum() + 0.5 * yy


def torch_tasks(loss_fn, args, weights, direction):
    """Gradient and double-backward HVP closures alternating the two weight sets."""
    sets = [[torch.from_numpy(W.copy()).requires_grad_(True) for W in ws] for ws in weights]
    D = [torch.from_numpy(x) for x in direction]
    state = {'k': 0}

    def pick():
        state['k'] ^= 1
        return sets[state['k']]

    def grad(Ws=None):
        Ws = Ws or pick()
        return torch.autograd.grad(loss_fn(Ws, *args), Ws)

    def hvp(Ws=None):
        Ws = Ws or pick()
        g = torch.autograd.grad(loss_fn(Ws, *args), Ws, create_graph=True)
        return torch.autograd.grad(g, Ws, grad_outputs=D)

    return grad, hvp, sets[0]


def numpy_task(RT, C, weights):
    state = {'k': 0}

    def grad(Ws=None):
        if Ws is None:
            state['k'] ^= 1
            Ws = weights[state['k']]
        H = [RT]
        for W in Ws:
            H.append(W @ H[-1])
        delta, out = H[-1] - C, [None] * len(Ws)
        for l in range(len(Ws) - 1, -1, -1):
            out[l] = delta @ H[l].T
            if l:
                delta = Ws[l].T @ delta
        return out

    return grad


def theta(mats):
    return np.concatenate([np.asarray(m).T.ravel() for m in mats])


def relerr(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def time_interleaved(tasks, reps, min_sample=0.02):
    """Per task, reps samples of seconds per call; sample r of every task before r + 1."""
    iters = {}
    for name, fn in tasks.items():
        fn(), fn()
        t0 = time.perf_counter()
        fn()
        once = time.perf_counter() - t0
        iters[name] = max(1, int(min_sample / max(once, 1e-9)))
    samples = {name: [] for name in tasks}
    for _ in range(reps):
        for name, fn in tasks.items():
            t0 = time.perf_counter()
            for _ in range(iters[name]):
                fn()
            samples[name].append((time.perf_counter() - t0) / iters[name])
    return samples


def run_shape(widths, reps):
    d0, dL, L = widths[0], widths[-1], len(widths) - 1
    rng = np.random.default_rng(7)
    m = 2 * d0
    X, Y = rng.uniform(-1, 1, (m, d0)), rng.uniform(-1, 1, (m, dL))
    loss = dlnet.Loss.data(X, Y)                   # samples in rows
    R, C, r0 = loss.summary()
    nets = [dlnet.Net(list(widths)).init_gaussian(1.0 / np.sqrt(max(d0, dL)), 10 + k)
            for k in (0, 1)]
    weights = [net.layers for net in nets]
    n = nets[0].num_params
    v = rng.standard_normal(n)
    dnet = dlnet.Net(list(widths))
    dnet.params = v
    direction = dnet.layers
    g, h = np.empty(n), np.empty(n)
    state = {'k': 0}

    def lib_grad():
        state['k'] ^= 1
        return loss.grad(nets[state['k']], out=g)

    def lib_hvp():
        state['k'] ^= 1
        return loss.hvp(nets[state['k']], v, out=h)

    RTt, Ct = torch.from_numpy(np.ascontiguousarray(R.T)), torch.from_numpy(np.ascontiguousarray(C))
    Sxx, Syx = torch.from_numpy(R.T @ R), torch.from_numpy(C @ R)
    yy = float(np.sum(C * C)) + r0
    peers = {
        'torch-QR layerwise': torch_tasks(torch_layerwise_qr, (RTt, Ct, r0), weights, direction),
        'torch-QR chain': torch_tasks(torch_chain_qr, (RTt, Ct, r0), weights, direction),
        'torch-Gram layerwise': torch_tasks(torch_layerwise_gram, (Sxx, Syx, yy), weights,
                                            direction),
    }
    np_grad = numpy_task(np.ascontiguousarray(R.T), C, weights)
    # agreement at net 0
    g0, h0 = loss.grad(nets[0]).copy(), loss.hvp(nets[0], v).copy()
    agree = {}
    for name, (pg, ph, W0) in peers.items():
        agree[name] = (relerr(theta([t.detach().numpy() for t in pg(W0)]), g0),
                       relerr(theta([t.detach().numpy() for t in ph(W0)]), h0))
    agree['numpy-QR layerwise'] = (relerr(theta(np_grad(weights[0])), g0), float('nan'))
    tasks = {'libdlnet grad': lib_grad, 'libdlnet hvp': lib_hvp}
    for name, (pg, ph, _W0) in peers.items():
        tasks[name + ' grad'] = pg
        tasks[name + ' hvp'] = ph
    tasks['numpy-QR layerwise grad'] = np_grad
    s = time_interleaved(tasks, reps)
    label = '-'.join(str(w) for w in widths)
    print(f'\n{label}: libdlnet gradient {1e6 * statistics.median(s["libdlnet grad"]):.0f} us, '
          f'HVP {1e6 * statistics.median(s["libdlnet hvp"]):.0f} us')
    print(f'  {"peer":22s} {"grad us":>9s} {"x lib":>6s} {"hvp us":>9s} {"x lib":>6s}  '
          f'{"agreement grad / hvp":>22s}')
    for name in list(peers) + ['numpy-QR layerwise']:
        row = f'  {name:22s}'
        for kind in ('grad', 'hvp'):
            key = f'{name} {kind}'
            if key not in s:
                row += f' {"-":>9s} {"-":>6s}'
                continue
            ratio = statistics.median(a / b for a, b in zip(s[key], s['libdlnet ' + kind]))
            row += f' {1e6 * statistics.median(s[key]):9.0f} {ratio:6.2f}'
        ea, eh = agree[name]
        row += f'  {ea:10.1e} / {eh:9.1e}'
        print(row)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--reps', type=int, default=9)
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '1')))
    print(f'libdlnet {dlnet.version()} vs peers on the QR summary, bottleneck nets, float64; '
          f'torch {torch.__version__}, {torch.get_num_threads()} thread(s); '
          f'OpenBLAS {openblas_kernel()}; load {os.getloadavg()[0]:.2f}; '
          f'medians of {a.reps} interleaved samples')
    print('x lib = median over rounds of peer time / libdlnet time (> 1: libdlnet faster)')
    for widths in SHAPES:
        run_shape(widths, a.reps)


if __name__ == '__main__':
    main()
