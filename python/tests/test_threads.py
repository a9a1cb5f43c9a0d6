"""The GIL is released during C calls (docs/python.md, "Threads and the GIL"):
another Python thread keeps running while one thread is inside a long call."""
import threading
import time

import numpy as np

import dlnet


def test_other_threads_run_during_a_long_call(rng):
    X, Y = rng.standard_normal((200000, 64)), rng.standard_normal((200000, 8))
    inside = {}
    ticks = []
    done = threading.Event()

    def worker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(1e-4)

    def long_call():
        inside['start'] = time.perf_counter()
        dlnet.Loss.data(X, Y)                      # a QR of 200000 samples, one C call
        inside['end'] = time.perf_counter()

    t = threading.Thread(target=worker)
    t.start()
    try:
        long_call()
    finally:
        done.set()
        t.join()
    start, end = inside['start'], inside['end']
    assert end - start > 0.02                       # long enough to see the other thread
    during = [x for x in ticks if start < x < end]
    # Holding the GIL, the worker would get at most a few switch intervals
    # (5 ms each) of the call; released, it runs all along.
    assert len(during) > 20, (len(during), end - start)
    assert max(np.diff([start] + during + [end])) < 0.5 * (end - start)
