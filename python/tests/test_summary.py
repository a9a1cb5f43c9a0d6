"""Summaries as values from Python: from_summary, merge, encode/decode,
save/load (the same files as the C library), chunked summaries with a
progress callback, and the errors of the reader."""
import struct
import zlib

import numpy as np
import pytest

import dlnet


def data(seed, m, d0=4, dL=2):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, d0)), rng.standard_normal((m, dL))


def direct_value(net, X, Y, mean):
    P = np.eye(X.shape[1])
    for W in net.layers:
        P = W @ P
    r = X @ P.T - Y
    return 0.5 * np.sum(r * r) / (X.shape[0] if mean else 1)


def test_from_summary_round_trip_and_merge_equals_union():
    X, Y = data(1, 300)
    net = dlnet.Net([4, 3, 2])
    net.init_gaussian(0.7, 2)
    for mean in (False, True):
        a = dlnet.Loss.data(X[:100], Y[:100], mean=mean)
        R, C, r0 = a.summary()
        b = dlnet.Loss.from_summary(R, C, r0, 100, mean=mean)
        R2, C2, r02 = b.summary()
        np.testing.assert_allclose(R2, R, rtol=4e-16, atol=4e-16 * abs(R).max())
        np.testing.assert_allclose(C2, C, rtol=4e-16, atol=4e-16 * abs(C).max())
        assert abs(r02 - r0) <= 4e-16 * r0
        assert b.num_samples == 100 and b.mean == mean
        b.merge(dlnet.Loss.data(X[100:], Y[100:]))
        assert b.num_samples == 300
        f = direct_value(net, X, Y, mean)
        assert abs(b.value(net) - f) <= 1e-13 * f


def test_encode_decode_save_load(tmp_path):
    X, Y = data(3, 50)
    a = dlnet.Loss.data(X, Y, mean=True)
    raw = a.encode()
    assert len(raw) == 52 + 8 * 6 * 7 // 2 and raw[:8] == b'DLNSUMRY'
    # the layout of docs/summary_format.md, read with struct and zlib only
    version, flags, d0, dL, m, count = struct.unpack_from('<IIQQQQ', raw, 8)
    assert (version, flags, d0, dL, m, count) == (1, 1, 4, 2, 50, 21)
    assert zlib.crc32(raw[:-4]) == struct.unpack_from('<I', raw, len(raw) - 4)[0]
    b = dlnet.Loss.decode(raw)
    assert b.encode() == raw
    a.save(tmp_path / 's.dls')
    assert (tmp_path / 's.dls').read_bytes() == raw
    c = dlnet.Loss.load(str(tmp_path / 's.dls'))
    for x, y in zip(a.summary(), c.summary()):
        assert np.array_equal(x, y)


def test_reader_errors(tmp_path):
    raw = dlnet.Loss.data(*data(4, 10)).encode()
    with pytest.raises(dlnet.FormatError, match='truncated'):
        dlnet.Loss.decode(raw[:-1])
    with pytest.raises(dlnet.FormatError, match='checksum'):
        dlnet.Loss.decode(raw[:60] + bytes([raw[60] ^ 1]) + raw[61:])
    bad = bytearray(raw)
    bad[8] = 2
    bad[-4:] = struct.pack('<I', zlib.crc32(bytes(bad[:-4])))
    with pytest.raises(dlnet.FormatError, match='version 2'):
        dlnet.Loss.decode(bytes(bad))
    with pytest.raises(dlnet.FileIOError, match='cannot open'):
        dlnet.Loss.load(tmp_path / 'missing.dls')
    with pytest.raises(dlnet.UnsupportedError):
        dlnet.Loss.target(np.eye(2)).encode()
    with pytest.raises(dlnet.DimError):
        dlnet.Loss.data(*data(5, 10)).merge(dlnet.Loss.data(*data(5, 10, d0=3)))
    with pytest.raises(dlnet.RangeError):
        dlnet.Loss.from_summary(np.eye(2), np.ones((1, 2)), -1.0, 5)


def test_add_samples_progress():
    X, Y = data(6, 1000)
    loss = dlnet.Loss.data(X[:1], Y[:1])
    seen = []
    assert loss.add_samples_progress(X[1:], Y[1:], chunk=300,
                                     callback=lambda *p: seen.append(p)) == 999
    assert seen == [(300, 999, 301), (600, 999, 601), (900, 999, 901), (999, 999, 1000)]
    stopped = dlnet.Loss.data(X[:1], Y[:1])
    assert stopped.add_samples_progress(X[1:], Y[1:], chunk=300, callback=lambda *p: True) == 300
    assert stopped.num_samples == 301

    def boom(*p):
        raise KeyError('from the callback')

    with pytest.raises(KeyError):
        dlnet.Loss.data(X[:1], Y[:1]).add_samples_progress(X[1:], Y[1:], chunk=300, callback=boom)
