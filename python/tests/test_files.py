"""Net.load on corrupted files: a Net or ValueError, never another exception
(a seeded mutation fuzzer over a valid .npz file)."""
import io

import numpy as np
import pytest

import dlnet


def valid_file(rng):
    buf = io.BytesIO()
    net = dlnet.Net([3, 2, 4]).init_gaussian(1.0, 5)
    np.savez(buf, widths=np.array(net.widths), W1=net.layer(1), W2=net.layer(2))
    return buf.getvalue()


def test_corrupted_files_raise_value_error(rng, tmp_path):
    data = bytearray(valid_file(rng))
    path = tmp_path / 'fuzz.npz'
    outcomes = {'net': 0, 'error': 0}
    for trial in range(400):
        mutated = bytearray(data)
        for _ in range(rng.integers(1, 8)):
            kind = rng.integers(3)
            pos = int(rng.integers(len(mutated)))
            if kind == 0:
                mutated[pos] = int(rng.integers(256))
            elif kind == 1:
                del mutated[pos:pos + int(rng.integers(1, 64))]
            else:
                mutated[pos:pos] = bytes(rng.integers(0, 256, int(rng.integers(1, 16)),
                                                      dtype=np.uint8))
        path.write_bytes(bytes(mutated))
        try:
            net = dlnet.Net.load(str(path))
        except ValueError:
            outcomes['error'] += 1
        else:
            assert len(net.widths) >= 2 and np.all(np.isfinite(net.params))
            outcomes['net'] += 1
    assert outcomes['error'] > 100  # the mutations did reach the checks


@pytest.mark.parametrize('arrays', [
    {'widths': np.array([3, 2]), 'W1': np.zeros((3, 2))},            # transposed layer
    {'widths': np.array([3, -2]), 'W1': np.zeros((1, 3))},           # negative width
    {'widths': np.array([10 ** 12, 2]), 'W1': np.zeros((2, 3))},     # a huge width
    {'widths': np.array([3.0, 2.0]), 'W1': np.zeros((2, 3))},        # not integers
    {'widths': np.array([3, 2]), 'W1': np.array([[np.nan] * 3] * 2)},  # NaN weights
    {'W1': np.zeros((2, 3))},
])
def test_invalid_contents(tmp_path, arrays):
    path = str(tmp_path / 'bad.npz')
    np.savez(path, **arrays)
    with pytest.raises(ValueError):
        dlnet.Net.load(path)
