"""Time ``inal_utils.boolean.walsh_hadamard`` against a pure-NumPy butterfly and the ``pyfwht`` package.

Run: ``OMP_NUM_THREADS=2 python benchmarks/bench_walsh_hadamard.py``. ``pyfwht`` (C/OpenMP) is a
benchmark-only baseline (``pip install pyfwht``); it is skipped with a note when absent.
Prints median wall-clock times and the ratio ``ours / baseline`` (below 1 means we are faster).
"""

import time

import numpy as np

from inal_utils.boolean import walsh_hadamard


def butterfly_numpy(values):
    """The textbook in-place-style butterfly, one level at a time (the straightforward baseline)."""
    x = np.array(values, dtype=np.float64)
    h = 1
    while h < x.size:
        y = x.reshape(-1, 2, h)
        x = np.concatenate([y[:, 0] + y[:, 1], y[:, 0] - y[:, 1]], axis=1).reshape(-1)
        h *= 2
    return x


def median_time(fn, arg, repeats):
    fn(arg)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    try:
        import pyfwht
    except ImportError:
        pyfwht = None
        print("pyfwht not installed: its columns are skipped (pip install pyfwht)")
    rows = []
    for n in (16, 20, 24):
        values = np.random.default_rng(0).standard_normal(2**n)
        repeats = 7 if n < 24 else 3
        ours = median_time(walsh_hadamard, values, repeats)
        assert np.allclose(walsh_hadamard(values[: 2**12]), butterfly_numpy(values[: 2**12]))
        row = {"n": n, "ours": ours, "butterfly": median_time(butterfly_numpy, values, repeats)}
        if pyfwht is not None:
            for backend in ("cpu", "openmp"):
                row[backend] = median_time(lambda v: pyfwht.fwht(v, backend=backend), values, repeats)
            assert np.allclose(pyfwht.fwht(values[: 2**12], backend="cpu"), walsh_hadamard(values[: 2**12]))
        rows.append(row)
    cols = [c for c in ("butterfly", "cpu", "openmp") if c in rows[0]]
    names = {"butterfly": "numpy butterfly", "cpu": "pyfwht cpu", "openmp": "pyfwht openmp"}
    print(f"{'n':>3} {'ours [s]':>10} " + " ".join(f"{names[c] + ' [s]':>20}" for c in cols)
          + "  " + " ".join(f"{'ours/' + names[c]:>24}" for c in cols))
    for r in rows:
        print(f"{r['n']:>3} {r['ours']:>10.4f} " + " ".join(f"{r[c]:>20.4f}" for c in cols)
              + "  " + " ".join(f"{r['ours'] / r[c]:>24.2f}" for c in cols))


if __name__ == "__main__":
    main()
