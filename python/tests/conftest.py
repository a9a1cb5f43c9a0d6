"""Shared fixtures: seeded generators and the source tree's paths."""
import os
import sys

import numpy as np
import pytest

TREE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the package of this tree, not an installed one (unless DLNET_TEST_INSTALLED is set)
if not os.environ.get('DLNET_TEST_INSTALLED'):
    sys.path.insert(0, os.path.join(TREE, 'python'))
import dlnet  # noqa: E402

PACKAGE = os.path.dirname(os.path.abspath(dlnet.__file__))


@pytest.fixture
def rng():
    return np.random.default_rng(20261205)


def rel_err(a, b):
    """||a - b|| / max(||b||, tiny): the tolerances of these tests scale with the norms."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)
