"""peers_eig.py - the top Hessian eigenvalue to 1e-10 (relative): libdlnet
(dln_loss_hessian_eigs, block Lanczos on the cached chains) against PyTorch
power iteration as PyHessian does it (double-backward HVPs on the samples)
and the same power iteration on the QR data summary (the strongest peer: d
columns instead of m samples), plus Lanczos with full reorthogonalization in
PyTorch on the summary. One run, same thread count for all.

Problem: data form, all widths d, m = 8d samples (N(0,1)), lam = 0, Gaussian
weights of scale 1/sqrt(d), float64; at such points lambda_max dominates
|lambda_min|, so power iteration converges to lambda_max. Power iteration
stops when the Rayleigh quotient changes by less than 1e-12 relative (or at
--max-iter / --max-seconds); Lanczos when its residual estimate is below
1e-10 |theta|. Reference: the dense Hessian's largest eigenvalue (numpy) for
n <= 3000, else a 300-step PyTorch Lanczos on the summary. Printed: time,
HVPs, error, ratio to libdlnet. Run by `make peers-eig`.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'python'))
import dlnet  # noqa: E402


def problem(d, L, seed):
    rng = np.random.default_rng(seed)
    m = 8 * d
    X, Y = rng.standard_normal((m, d)), rng.standard_normal((m, d))
    Ws = [rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(L)]
    return X, Y, Ws


class TorchHessian:
    """HVPs by double backward (PyHessian): the loss on inputs A (k, d) and
    targets B (k, d), the gradient with create_graph=True once."""

    def __init__(self, A, B, Ws):
        self.Ws = [torch.tensor(W, requires_grad=True) for W in Ws]
        H = torch.tensor(A).T
        for W in self.Ws:
            H = W @ H
        loss = 0.5 * ((H - torch.tensor(B).T) ** 2).sum()
        self.grads = torch.autograd.grad(loss, self.Ws, create_graph=True)
        self.hvps = 0

    def __call__(self, v):
        self.hvps += 1
        parts = torch.autograd.grad(self.grads, self.Ws, grad_outputs=list(v), retain_graph=True)
        return torch.stack(parts)


def power(make, max_iter, max_seconds, seed):
    t0 = time.perf_counter()
    hv = make()
    gen = torch.Generator().manual_seed(seed)
    v = torch.randn(torch.Size([len(hv.Ws)]) + hv.Ws[0].shape, generator=gen, dtype=torch.float64)
    v /= v.norm()
    lam, prev = 0.0, None
    for _ in range(max_iter):
        w = hv(v)
        lam = float((w * v).sum())
        v = w / w.norm()
        if prev is not None and abs(lam - prev) <= 1e-12 * abs(lam):
            break
        if time.perf_counter() - t0 > max_seconds:
            break
        prev = lam
    return time.perf_counter() - t0, lam, hv.hvps


def lanczos(make, steps, tol, seed):
    """Lanczos with full reorthogonalization (two CGS passes against a
    preallocated basis), largest Ritz value."""
    t0 = time.perf_counter()
    hv = make()
    gen = torch.Generator().manual_seed(seed)
    shape = torch.Size([len(hv.Ws)]) + hv.Ws[0].shape
    Q = torch.empty((steps + 1, shape.numel()), dtype=torch.float64)
    q = torch.randn(shape, generator=gen, dtype=torch.float64).reshape(-1)
    Q[0] = q / q.norm()
    alpha, beta, theta = [], [], 0.0
    for j in range(steps):
        w = hv(Q[j].reshape(shape)).reshape(-1)
        B = Q[:j + 1]
        c = B @ w
        w -= B.T @ c
        c2 = B @ w
        w -= B.T @ c2
        alpha.append(float(c[-1] + c2[-1]))
        b = float(w.norm())
        T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
        vals, vecs = np.linalg.eigh(T)
        theta = vals[-1]
        if b * abs(vecs[-1, -1]) <= tol * abs(theta) or b == 0.0:
            break
        beta.append(b)
        Q[j + 1] = w / b
    return time.perf_counter() - t0, theta, hv.hvps


def summary(X, Y):
    """QR data summary X = Q R (reduced), C = Y^T Q: the loss is 1/2 ||W R^T - C||^2 + const,
    i.e. d "samples" with inputs the rows of R and targets the rows of C^T."""
    Qf, R = np.linalg.qr(X)
    return R, Qf.T @ Y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', nargs='+', type=int, default=[128, 256, 512])
    ap.add_argument('--depth', type=int, default=4)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--max-iter', type=int, default=5000)
    ap.add_argument('--max-seconds', type=float, default=120.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    L = a.depth
    print(f'top Hessian eigenvalue to 1e-10, L = {L}, {a.threads} thread(s), torch '
          f'{torch.__version__}, load {os.getloadavg()[0]:.2f}')
    print(f'{"d":>4} {"n":>8}  {"method":<34} {"time s":>9} {"HVPs":>6} {"rel. error":>10} '
          f'{"x libdlnet":>10}')
    for d in a.sizes:
        X, Y, Ws = problem(d, L, 7 + d)
        n = L * d * d
        loss = dlnet.Loss.data(X, Y)
        net = dlnet.Net([d] * (L + 1))
        theta = np.concatenate([W.reshape(-1, order='F') for W in Ws])
        net.set_params(theta)
        best, ev, rep = np.inf, None, None
        for _ in range(a.reps):
            net.set_params(theta)  # new weights: the solve builds its chains
            t0 = time.perf_counter()
            ev, _, rep = loss.hessian_eigs(net, k=1, which=dlnet.EigWhich.LARGEST, tol=1e-10)
            best = min(best, time.perf_counter() - t0)
        lam = ev[0]
        Rt, Ct = summary(X, Y)
        if n <= 3000:
            ref = np.linalg.eigvalsh(loss.hessian(net))[-1]
            refname = 'dense'
        else:
            ref = lanczos(lambda: TorchHessian(Rt, Ct, Ws), 300, 1e-14, 3)[1]
            refname = 'long Lanczos'
        rows = [('libdlnet eigs (block Lanczos)', best, rep.hvps, lam)]
        for name, A, B in (('torch power, samples (PyHessian)', X, Y),
                           ('torch power, QR summary', Rt, Ct)):
            t, v, h = power(lambda: TorchHessian(A, B, Ws), a.max_iter, a.max_seconds, 5)
            rows.append((name, t, h, v))
        t, v, h = lanczos(lambda: TorchHessian(Rt, Ct, Ws), 400, 1e-10, 5)
        rows.append(('torch Lanczos, QR summary', t, h, v))
        for name, t, h, v in rows:
            print(f'{d:4d} {n:8d}  {name:<34} {t:9.3f} {h:6d} {abs(v - ref) / abs(ref):10.1e} '
                  f'{t / best:10.1f}')
        print(f'     reference ({refname}) {ref:.15g}')


if __name__ == '__main__':
    main()
