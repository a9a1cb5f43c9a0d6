"""peers.py - libdlnet next to PyTorch autograd and a NumPy closed-form gradient.

Run through bench/peers, which sets the thread environment. For each problem
(data form, all widths d, m = 8d, float64, lam = 0) the C benchmark runs as a
timing server (`grad_hvp --serve --size d L --dump DIR`): it writes the data,
weights, direction and its own results, and times libdlnet on request. This
script checks that the peers compute the same loss, gradient and HVP from the
very same arrays, then takes the samples of libdlnet and of the peers
interleaved (so that a busy phase of a shared machine hits all alike), and
prints medians and the medians of the per-sample ratios peer / libdlnet
(targets: gradient >= 5x faster than torch and >= 4x faster than NumPy, HVP
>= 8x faster than torch).

The peers are written as a researcher would, on the samples:
  torch  loss = 1/2 ||W_L ... W_1 X - Y||^2 layer by layer, gradient by
         torch.autograd.grad, HVP by double backward (grad of <grad, v>);
  numpy  grad_l = W_{L:l+1}^T (P X - Y) X^T W_{l-1:1}^T with P, the prefix and
         the suffix products formed once (4L + 11 d^3-GEMMs against libdlnet's
         3L - 2: libdlnet works on the QR summary of the data, made once).
libdlnet's gradient and HVP are timed at new weights on every call (chains
recomputed), as the peers are.

The strongest peers work, like libdlnet, on a data summary made once (not timed):
  QR    X^T = Q R (R upper triangular d_0 x d_0), C = Y Q, r0 = ||Y||^2 - ||C||^2,
        so F = 1/2 ||P R^T - C||^2 + r0/2 (libdlnet's own summary, dln_loss_summary);
  Gram  Sxx = X X^T, Syx = Y X^T, F = 1/2 tr(P Sxx P^T) - tr(P Syx^T) + ||Y||^2/2
        (one product less per gradient; cancels near exact fits).
  torch-QR, torch-Gram  autograd gradient and double-backward HVP on these losses;
  torch-QR func         HVP as forward-over-reverse, jvp(grad(F)) (torch.func,
                        or functorch on PyTorch < 2.0);
  numpy-QR, numpy-Gram  the backpropagation above with E = (P R^T - C) R or
                        E = P Sxx - Syx.
The second table gives, per size, the fastest peer of each kind and libdlnet's
speed-up against it (median of per-sample ratios).
"""
import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

try:  # forward-over-reverse HVP: torch.func (PyTorch >= 2.0), else functorch
    from torch.func import grad as func_grad, jvp as func_jvp
except ImportError:
    try:
        from functorch import grad as func_grad, jvp as func_jvp
    except ImportError:
        func_grad = func_jvp = None

SIZES = [(4, 3), (32, 5), (128, 5), (256, 8), (512, 4)]
TARGETS = {"torch_grad": 5.0, "numpy_grad": 4.0, "torch_hvp": 8.0}


def openblas_kernel():
    """OpenBLAS's core name and build line, as loaded in this process (NumPy's BLAS)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = lib.openblas_get_config.restype = ctypes.c_char_p
        return f"{lib.openblas_get_corename().decode()} ({lib.openblas_get_config().decode()})"
    except (OSError, AttributeError):
        return "unknown"


def load_problem(path, d, L):
    """Arrays written by grad_hvp --dump (column-major float64)."""
    m, n = 8 * d, L * d * d
    buf = np.fromfile(path, dtype=np.float64)
    assert buf.size == 2 * d * m + 4 * n + 1, "unexpected dump size"
    parts, pos = {}, 0
    for name, size in (("X", d * m), ("Y", d * m), ("theta", n), ("v", n), ("grad", n),
                       ("hvp", n), ("value", 1)):
        parts[name], pos = buf[pos:pos + size], pos + size
    colmajor = lambda a, r, c: np.ascontiguousarray(a.reshape(c, r).T)
    layers = lambda vec: [colmajor(vec[l * d * d:(l + 1) * d * d], d, d) for l in range(L)]
    return {"X": colmajor(parts["X"], d, m), "Y": colmajor(parts["Y"], d, m),
            "W": layers(parts["theta"]), "D": layers(parts["v"]),
            "grad": parts["grad"], "hvp": parts["hvp"], "value": parts["value"][0]}


def theta_of(mats):
    """Column-major vec of each layer, stacked (libdlnet's theta layout)."""
    return np.concatenate([np.asarray(a).T.ravel() for a in mats])


def torch_loss(Ws, X, Y):
    H = X
    for W in Ws:
        H = W @ H
    R = H - Y
    return 0.5 * (R * R).sum()


def make_torch(p):
    X, Y = torch.from_numpy(p["X"]), torch.from_numpy(p["Y"])
    Ws = [torch.from_numpy(W.copy()).requires_grad_(True) for W in p["W"]]
    Ds = [torch.from_numpy(D) for D in p["D"]]

    def grad():
        return torch.autograd.grad(torch_loss(Ws, X, Y), Ws)

    def hvp():
        g = torch.autograd.grad(torch_loss(Ws, X, Y), Ws, create_graph=True)
        return torch.autograd.grad(g, Ws, grad_outputs=Ds)

    value = lambda: float(torch_loss(Ws, X, Y).detach())
    return grad, hvp, value


def summaries(p):
    """The QR summary (R, C, r0) and the Gram summary (Sxx, Syx, ||Y||^2) of X, Y."""
    X, Y = p["X"], p["Y"]
    Q, R = np.linalg.qr(X.T)             # X^T = Q R, Q: m x d_0
    C = Y @ Q
    yy = float(np.sum(Y * Y))
    return {"R": R, "C": C, "r0": yy - float(np.sum(C * C)), "Sxx": X @ X.T, "Syx": Y @ X.T,
            "yy": yy}


def chain(Ws):
    P = Ws[0]
    for W in Ws[1:]:
        P = W @ P
    return P


def torch_loss_qr(Ws, R, C, r0):
    E = chain(Ws) @ R.T - C
    return 0.5 * (E * E).sum() + 0.5 * r0


def torch_loss_gram(Ws, Sxx, Syx, yy):
    P = chain(Ws)
    return 0.5 * ((P @ Sxx) * P).sum() - (P * Syx).sum() + 0.5 * yy


def make_torch_summary(p, s, form):
    """Autograd gradient, double-backward HVP and (QR) the torch.func HVP on a summary."""
    Ws = [torch.from_numpy(W.copy()).requires_grad_(True) for W in p["W"]]
    Ds = tuple(torch.from_numpy(D) for D in p["D"])
    if form == "qr":
        args = (torch.from_numpy(s["R"]), torch.from_numpy(s["C"]), s["r0"])
        loss = torch_loss_qr
    else:
        args = (torch.from_numpy(s["Sxx"]), torch.from_numpy(s["Syx"]), s["yy"])
        loss = torch_loss_gram

    def grad():
        return torch.autograd.grad(loss(Ws, *args), Ws)

    def hvp():
        g = torch.autograd.grad(loss(Ws, *args), Ws, create_graph=True)
        return torch.autograd.grad(g, Ws, grad_outputs=Ds)

    func_hvp = None
    if func_grad is not None:
        plain = tuple(W.detach() for W in Ws)
        g_of = func_grad(lambda ws: loss(list(ws), *args))

        def func_hvp():
            return func_jvp(g_of, (plain,), (Ds,))[1]

    value = lambda: float(loss(Ws, *args).detach())
    return grad, hvp, func_hvp, value


def numpy_grad(Ws, X, Y, residual=None):
    """Backpropagation; residual(P) gives E = dF/dP (default (P X - Y) X^T)."""
    L = len(Ws)
    B = [None, None, Ws[0]]              # B[l] = W_{l-1:1} (B[1] = I)
    for l in range(2, L + 1):
        B.append(Ws[l - 1] @ B[l])
    E = (B[L + 1] @ X - Y) @ X.T if residual is None else residual(B[L + 1])
    A = [None] * (L + 1)                 # A[l] = W_{L:l+1} (A[L] = I)
    if L >= 2:
        A[L - 1] = Ws[L - 1]
    for l in range(L - 1, 1, -1):
        A[l - 1] = A[l] @ Ws[l - 1]
    grads = []
    for l in range(1, L + 1):
        G = E if l == L else A[l].T @ E
        grads.append(G if l == 1 else G @ B[l].T)
    return grads


class CServer:
    """grad_hvp --serve: libdlnet timed in C, one sample per request."""

    def __init__(self, binary, d, L, tmp):
        self.proc = subprocess.Popen([binary, "--serve", "--size", str(d), str(L), "--dump", tmp],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{binary} --serve did not start")

    def sampler(self, task):
        def sample(iters):
            self.proc.stdin.write(f"{task} {iters}\n")
            self.proc.stdin.flush()
            return float(self.proc.stdout.readline())
        return sample

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait()


def py_sampler(fn, clock=time.perf_counter):
    def sample(iters):
        t0 = clock()
        for _ in range(iters):
            fn()
        return (clock() - t0) / iters
    return sample


def time_interleaved(samplers, reps, min_sample=0.005):
    """Per sampler, the list of seconds per call over reps rounds; each round
    takes one sample of every sampler, each sample lasting >= min_sample."""
    iters = []
    for s in samplers:
        s(2)  # warm-up
        once = s(1)
        iters.append(int(min_sample / once) + 1 if once > 0 else 1000)
    rounds = [[s(it) for s, it in zip(samplers, iters)] for _ in range(reps)]
    return [list(col) for col in zip(*rounds)]


def median_ratio(a, b):
    return statistics.median(x / y for x, y in zip(a, b))


def relerr(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the grad_hvp benchmark binary")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--reps", type=int, default=11)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"peers: libdlnet vs PyTorch {torch.__version__} autograd and NumPy {np.__version__}"
          f" closed form; float64, data form, widths d, m = 8d; {args.threads} threads"
          f" (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')},"
          f" OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')},"
          f" torch.get_num_threads()={torch.get_num_threads()}); medians of {args.reps};"
          f" load {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; OpenBLAS kernel {openblas_kernel()}")
    print("times in us; ratio = median of per-sample (peer time / libdlnet time) (targets: torch grad >= 5, numpy"
          " grad >= 4, torch HVP >= 8); check = max relative difference of value, gradient"
          " and HVP to libdlnet\n")
    hdr = ("   d  L     m |  dlnet grad   dlnet hvp |  torch grad   torch hvp |  numpy grad |"
           " torch/g torch/h numpy/g | check")
    print(hdr)
    missed, strongest = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for d, L in SIZES:
            server = CServer(args.bin, d, L, tmp)
            p = load_problem(os.path.join(tmp, f"d{d}_L{L}.f64"), d, L)
            s = summaries(p)
            tgrad, thvp, tvalue = make_torch(p)
            ngrad = lambda: numpy_grad(p["W"], p["X"], p["Y"])
            qgrad, qhvp, qfunc, qvalue = make_torch_summary(p, s, "qr")
            ggrad, ghvp, _, gvalue = make_torch_summary(p, s, "gram")
            R, C, Sxx, Syx = s["R"], s["C"], s["Sxx"], s["Syx"]
            grads = {"torch-QR": qgrad, "torch-Gram": ggrad,
                     "numpy-QR": lambda: numpy_grad(p["W"], None, None, lambda P: (P @ R.T - C) @ R),
                     "numpy-Gram": lambda: numpy_grad(p["W"], None, None, lambda P: P @ Sxx - Syx)}
            hvps = {"torch-QR": qhvp, "torch-Gram": ghvp}
            if qfunc is not None:
                hvps["torch-QR-func"] = qfunc
            values = [tvalue(), qvalue(), gvalue()]
            err = max([relerr(np.array([v]), np.array([p["value"]])) for v in values] +
                      [relerr(theta_of(f()), p["grad"]) for f in [tgrad, ngrad, *grads.values()]] +
                      [relerr(theta_of(f()), p["hvp"]) for f in [thvp, *hvps.values()]])
            times = time_interleaved(
                [server.sampler("grad"), server.sampler("hvp"), py_sampler(tgrad),
                 py_sampler(thvp), py_sampler(ngrad)] +
                [py_sampler(f) for f in grads.values()] + [py_sampler(f) for f in hvps.values()],
                args.reps)
            server.close()
            cg, ch, tg, th, ng = times[:5]
            sg = dict(zip(grads, times[5:5 + len(grads)]))
            sh = dict(zip(hvps, times[5 + len(grads):]))
            r = {"torch_grad": median_ratio(tg, cg), "torch_hvp": median_ratio(th, ch),
                 "numpy_grad": median_ratio(ng, cg)}
            med = [statistics.median(x) * 1e6 for x in (cg, ch, tg, th, ng)]
            print(f"{d:4d} {L:2d} {8 * d:5d} | {med[0]:11.2f} {med[1]:11.2f} |"
                  f" {med[2]:11.2f} {med[3]:11.2f} | {med[4]:11.2f} |"
                  f" {r['torch_grad']:7.1f} {r['torch_hvp']:7.1f} {r['numpy_grad']:7.1f} |"
                  f" {err:.1e}{'' if err < 1e-8 else '  MISMATCH'}", flush=True)
            missed += [f"{k} at (d={d}, L={L}): {v:.1f}x < {TARGETS[k]:g}x"
                       for k, v in r.items() if v < TARGETS[k]]
            # the strongest peer: the smallest median ratio peer / libdlnet
            bg = min(sg, key=lambda k: median_ratio(sg[k], cg))
            bh = min(sh, key=lambda k: median_ratio(sh[k], ch))
            strongest.append(
                f"{d:4d} {L:2d} | {med[0]:11.2f} {statistics.median(sg[bg]) * 1e6:11.2f} {bg:>10s}"
                f" {median_ratio(sg[bg], cg):6.2f} | {med[1]:11.2f}"
                f" {statistics.median(sh[bh]) * 1e6:11.2f} {bh:>13s} {median_ratio(sh[bh], ch):6.2f} | "
                + " ".join(f"{k}={statistics.median(v) * 1e6:.1f}" for k, v in {**sg, **{
                    k + "/hvp": v for k, v in sh.items()}}.items()))
    print("\nthe strongest peers, on the data summary (times in us; ratio = median of per-sample"
          " (peer time / libdlnet time); HVP peers: autograd double backward and, where available,"
          f" forward-over-reverse {'(torch.func/functorch)' if func_grad else '(unavailable)'})\n")
    print("   d  L |  dlnet grad   best grad       peer  ratio |   dlnet hvp    best hvp"
          "          peer  ratio | every summary peer")
    print("\n".join(strongest))
    print("\ntargets " + ("met at every size" if not missed else "missed: " + "; ".join(missed)))


if __name__ == "__main__":
    sys.exit(main())
