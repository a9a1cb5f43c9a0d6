"""examples/spurious_minima.py (quick mode) reproduces the phenomenon: no spurious
minimum is reached without weight decay, some starts reach one with it, and
every end point sits at the closed-form critical value of the class it got."""
import csv
import math
import os
import subprocess
import sys

from conftest import PACKAGE, TREE


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_spurious_minima_example(tmp_path):
    script = os.path.join(TREE, 'python', 'examples', 'spurious_minima.py')
    env = dict(os.environ, PYTHONPATH=os.path.dirname(PACKAGE), MPLBACKEND='Agg')
    subprocess.run([sys.executable, script, '--quick', '--out', str(tmp_path)], check=True,
                   env=env, capture_output=True, text=True)
    summary = read(tmp_path / 'spurious_minima.csv')
    runs = read(tmp_path / 'spurious_minima_runs.csv')
    assert [float(r['lam']) for r in summary] == [0.0, 0.5, 1.0]
    by_lam = {float(r['lam']): r for r in summary}
    for r in summary:
        fracs = [float(v) for k, v in r.items() if k.startswith('frac_')]
        assert abs(sum(fracs) - 1) < 1e-12
    # Kawaguchi: without regularization every local minimum is global
    assert by_lam[0.0]['theory'] == 'unregularized' and int(by_lam[0.0]['spurious_types']) == 0
    assert float(by_lam[0.0]['frac_global_min']) == 1.0
    # Chen, Jiang & Wang: weight decay creates spurious minima (W = 0 and
    # {3: s_+, 1.9: s_+} at lam = 1, regularized.md §10.1), and GD finds them
    for lam in (0.5, 1.0):
        assert by_lam[lam]['theory'] == 'regularized' and int(by_lam[lam]['spurious_types']) >= 1
        assert float(by_lam[lam]['frac_local_min']) > 0
        assert float(by_lam[lam]['frac_global_min']) + float(by_lam[lam]['frac_local_min']) == 1
    assert len(runs) == 60
    scale = 0.5 * (3.0 ** 2 + 1.9 ** 2)  # F(0) = ||Phi||^2 / 2: the size of every value
    for r in runs:
        assert r['class'] in ('global_min', 'local_min') and r['agree'] == '1'
        F, crit = float(r['F']), float(r['critical_value'])
        assert not math.isnan(crit) and abs(F - crit) <= 1e-8 * scale
    # the two values of regularized.md §10.1 at lam = 1
    values = {round(float(r['F']), 9) for r in runs if float(r['lam']) == 1.0}
    assert values <= {4.661759633, 4.753957800, 6.305}
    assert 4.661759633 in values and 4.753957800 in values
