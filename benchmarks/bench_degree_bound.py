"""Time the closed-form profile ``degree_bound.exact_neuron_profile`` against the Monte Carlo profile.

Run: ``OMP_NUM_THREADS=2 python benchmarks/bench_degree_bound.py``.

Baseline: :func:`inal_utils.alignment.neuron_fourier_profile` — exact over the ``2^n`` inputs,
Monte Carlo over ``n_init`` initialisations (the straightforward route to ``A_k(n)``). The closed form
is exact over both inputs and initialisations. Prints wall-clock times (cold cache), the ratio
``closed form / Monte Carlo`` (below 1 means the closed form is faster) and the Monte Carlo relative
standard error at ``k = 3`` (the closed form has none), and the largest ``|z|`` of Monte Carlo
against the closed form for ``k <= 5`` and over all ``k`` (at high degree the per-initialisation
samples are heavy-tailed, so the standard error there is unreliable). For ``N = n²`` inputs (extended targets) the
baseline cannot run at all (``2^N`` points), so only the closed form is timed.

Last, the depth study of chapter 2: :func:`inal_utils.expected.expected_inal` for the 2-parity and majority
with three hidden layers at every odd ``n`` from 9 to 21 (exact expectations, infinite width), against the
Monte Carlo estimator :func:`inal_utils.alignment.inal` (exact over the cube) at the single point ``n = 11``,
width 512, 16 initialisations; the ratio is Monte Carlo (one point) / exact (the whole study).
"""

import time

import numpy as np

from inal_utils import degree_bound as D
from inal_utils import expected as E
from inal_utils import boolean as B
from inal_utils.alignment import inal, neuron_fourier_profile
from inal_utils.networks import fully_connected


def cold_exact(n, k_max=None):
    E._gaussian_profiles.cache_clear()
    t0 = time.perf_counter()
    a = D.exact_neuron_profile(n, k_max=k_max)
    return time.perf_counter() - t0, a


def main():
    n_init = 200
    print(f"A_k(n) for k = 0..n: closed form vs Monte Carlo profile (n_init = {n_init})")
    print(f"{'n':>4} {'closed form [s]':>16} {'Monte Carlo [s]':>16} {'ratio':>8} {'MC rel. SE (k=3)':>17} "
          f"{'max |z|, k<=5':>14} {'max |z|, all k':>15}")
    for n in (8, 12, 16, 20):
        t_exact, a = cold_exact(n)
        t0 = time.perf_counter()
        mc = neuron_fourier_profile(n, n_init=n_init, seed=0)
        t_mc = time.perf_counter() - t0
        z = np.abs(mc.values - a) / mc.stderr  # high degrees: heavy-tailed samples, the SE is unreliable
        print(f"{n:>4} {t_exact:>16.4f} {t_mc:>16.3f} {t_exact / t_mc:>8.1e} {mc.stderr[3] / a[3]:>17.3f} "
              f"{z[:6].max():>14.2f} {z.max():>15.2f}")
    print("\nExtended targets: A_k(N) for N = n² inputs, k <= n (no enumeration possible: 2^N points)")
    print(f"{'n':>4} {'N':>6} {'closed form [s]':>16}")
    for n in (10, 15, 20):
        t_exact, _ = cold_exact(n * n, k_max=n)
        print(f"{n:>4} {n * n:>6} {t_exact:>16.4f}")
    print("\nDepth study (three hidden layers): exact expectations vs one Monte Carlo point")
    E._gaussian_profiles.cache_clear()
    t0 = time.perf_counter()
    study = {name: [E.expected_inal(make(n), 3).layer_values for n in range(9, 22, 2)]
             for name, make in (("2-parity", lambda n: B.Parity(n, [0, 1])), ("majority", B.Majority))}
    t_exact = time.perf_counter() - t0
    t0 = time.perf_counter()
    mc = inal(B.Majority(11), lambda: fully_connected(11, [512] * 3), n_init=16, seed=0)
    t_mc = time.perf_counter() - t0
    z = np.abs(mc.layer_values[:3] - study["majority"][1][:3]) / mc.layer_stderr[:3]
    print(f"exact, 2 targets x 7 n x 4 layers: {t_exact:.3f} s; Monte Carlo, 1 point: {t_mc:.2f} s; "
          f"ratio {t_mc / t_exact:.0f}; |z| of the Monte Carlo point per hidden layer {np.round(z, 2).tolist()}")


if __name__ == "__main__":
    main()
