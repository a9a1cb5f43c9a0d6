"""Weight decay creates spurious local minima in deep linear networks.

Chen, Jiang & Wang (arXiv 2502.11152): with l2 regularization lam > 0 on every
layer, the loss 1/2 ||W_3 W_2 W_1 - Phi||^2 + lam/2 sum ||W_l||^2 has local
minima that are not global (W = 0 among them, and points that fit a singular
value below the worth-fitting threshold), while without regularization every
local minimum is global (Kawaguchi 2016). This script fits Phi = diag(3, 1.9)
with three 2 x 2 layers, runs gradient descent (with Armijo backtracking,
so that no start diverges) from many random starts for each lam, classifies each end point with the closed-form theory cross-checked
by the Hessian, and counts the fraction of starts that reach each class.

Writes spurious_minima.csv (one row per lam), spurious_minima_runs.csv (one row
per run: class, F, the closed-form critical value of the orbit reached) and,
when matplotlib is installed, spurious_minima.png.

Usage: python3 spurious_minima.py [--quick] [--out DIR]
"""
import argparse
import csv
import os
import sys

import numpy as np

import dlnet

PHI = np.diag([3.0, 1.9])
WIDTHS = [2, 2, 2, 2]
CLASSES = [dlnet.Class.GLOBAL_MIN, dlnet.Class.LOCAL_MIN, dlnet.Class.STRICT_SADDLE,
           dlnet.Class.NONSTRICT_SADDLE, dlnet.Class.NOT_CRITICAL, dlnet.Class.UNDETERMINED]


def sweep(lams, starts, step=0.1):
    """Per lam: the summary row and the rows of the individual runs."""
    summary, runs = [], []
    for lam in lams:
        loss = dlnet.Loss.target(PHI, l2=lam)
        landscape = dlnet.Landscape(loss, WIDTHS)
        # orbit types that are spurious local minima, by the theory alone
        spurious_types = sum(landscape.pattern_info(p).cls == dlnet.Class.LOCAL_MIN
                             for p in landscape.orbits())
        gd = dlnet.Optimizer(dlnet.OptKind.GD_ARMIJO, step_size=step, grad_tol=1e-10,
                             max_iter=50000)
        counts = dict.fromkeys(CLASSES, 0)
        for seed in range(1, starts + 1):
            net = dlnet.Net(WIDTHS).init_gaussian(1.0, seed)
            run = gd.run(loss, net)
            rep = landscape.classify(net, dlnet.Method.BOTH)
            counts[rep.cls] += 1
            critical = (landscape.pattern_info(rep.pattern).value
                        if rep.pattern is not None and rep.cls != dlnet.Class.NOT_CRITICAL
                        else float('nan'))
            runs.append({'lam': lam, 'seed': seed, 'class': rep.cls.name.lower(),
                         'agree': rep.agree, 'F': rep.value, 'critical_value': critical,
                         'iterations': run.iterations, 'stop': run.stop.name.lower()})
        # the thresholds of the scalar equation (lam_1 lam_2 lam_3 = lam^3): a value
        # between y* and yhat is fitted only at a spurious minimum
        t = dlnet.critical_thresholds(3, lam ** 3) if lam > 0 else None
        row = {'lam': lam, 'theory': landscape.theory.name.lower(), 'starts': starts,
               'ystar': t.ystar if t else float('nan'), 'yhat': t.yhat if t else float('nan'),
               'spurious_types': spurious_types}
        for c in CLASSES:
            row['frac_' + c.name.lower()] = counts[c] / starts
        summary.append(row)
    return summary, runs


def write_csv(path, rows):
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def plot(path, summary):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed: no figure (Debian: python3-matplotlib)')
        return
    lam = [r['lam'] for r in summary]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.stackplot(lam, [r['frac_global_min'] for r in summary],
                 [r['frac_local_min'] for r in summary],
                 [sum(v for k, v in r.items() if k.startswith('frac_')) - r['frac_global_min']
                  - r['frac_local_min'] for r in summary],
                 labels=['global minimum', 'spurious local minimum', 'other'],
                 colors=['#4c72b0', '#dd8452', '#bbbbbb'])
    ax.set_xlabel('weight decay $\\lambda$ (every layer)')
    ax.set_ylabel('fraction of random starts')
    ax.set_title('GD on $\\frac{1}{2}\\Vert W_3W_2W_1-\\mathrm{diag}(3,1.9)\\Vert^2'
                 '+\\frac{\\lambda}{2}\\sum\\Vert W_l\\Vert^2$', fontsize=10)
    ax.set_xlim(min(lam), max(lam))
    ax.set_ylim(0, 1)
    ax.legend(loc='lower left', fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print('wrote', path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='3 values of lam, 20 starts each')
    ap.add_argument('--out', default='.', help='directory of the CSV files and the figure')
    args = ap.parse_args(argv)
    lams = [0.0, 0.5, 1.0] if args.quick else [round(0.1 * k, 1) for k in range(16)]
    starts = 20 if args.quick else 200
    summary, runs = sweep(lams, starts)
    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, 'spurious_minima.csv'), summary)
    write_csv(os.path.join(args.out, 'spurious_minima_runs.csv'), runs)
    print('  lam  theory          y*     yhat    global  spurious  other  (spurious orbit types)')
    for r in summary:
        other = sum(v for k, v in r.items()
                    if k.startswith('frac_') and k not in ('frac_global_min', 'frac_local_min'))
        print('%5.2f  %-14s %6.3f  %6.3f  %6.3f  %8.3f  %5.3f  (%d)' % (
            r['lam'], r['theory'], r['ystar'], r['yhat'], r['frac_global_min'],
            r['frac_local_min'], other, r['spurious_types']))
    plot(os.path.join(args.out, 'spurious_minima.png'), summary)
    return 0


if __name__ == '__main__':
    sys.exit(main())
