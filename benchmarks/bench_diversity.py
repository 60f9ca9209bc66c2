"""Benchmark: spherical-harmonic spectrum of G up to degree 400 (chapter 6).

Compares ``inal_utils.diversity.kernel_spectrum`` (Gauss–Legendre in θ = arccos t, split at
t = 0, cached nodes and Gegenbauer table by recurrence) with

- ``naive``: per-degree adaptive ``scipy.integrate.quad`` in t on [−1, 0] and [0, 1] with
  ``scipy.special.eval_gegenbauer`` (``eval_chebyt`` for d = 2);
- ``uncached``: the same θ-rule as ours, but nodes and polynomials (``eval_gegenbauer``) rebuilt
  on every call.

Target from the issue: degree 400 for d <= 50 in <= 2 s. Run:
``OMP_NUM_THREADS=2 python benchmarks/bench_diversity.py``
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import scipy.integrate
import scipy.special

from inal_utils import diversity as dv

MAX_DEGREE = 400
DIMS = (2, 3, 10, 50)


def _poly(d, u, t):
    if d == 2:
        return scipy.special.eval_chebyt(u, t)
    alpha = (d - 2) / 2
    return scipy.special.eval_gegenbauer(u, alpha, t) / scipy.special.eval_gegenbauer(u, alpha, 1.0)


def naive_spectrum(profile, d, max_degree):
    cd = math.gamma(d / 2) / (math.sqrt(math.pi) * math.gamma((d - 1) / 2))
    out = np.empty(max_degree + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.integrate.IntegrationWarning)
        for u in range(max_degree + 1):
            def f(t, u=u):
                return profile(t) * _poly(d, u, t) * (1 - t * t) ** ((d - 3) / 2)
            out[u] = cd * sum(scipy.integrate.quad(f, a, b, epsabs=1e-14, limit=200)[0] for a, b in ((-1, 0), (0, 1)))
    return out


def uncached_spectrum(profile, d, max_degree):
    n = max_degree + d + 48
    s, w = scipy.special.roots_legendre(n)
    theta = (s + 1) * np.pi / 4
    cd = math.gamma(d / 2) / (math.sqrt(math.pi) * math.gamma((d - 1) / 2))
    w = w * np.pi / 4 * cd * np.sin(theta) ** (d - 2)
    t = np.cos(theta)
    out = np.empty(max_degree + 1)
    for u in range(max_degree + 1):
        P = _poly(d, u, t)
        out[u] = w @ (profile(t) * P + profile(-t) * P * (-1) ** u)
    return out


def timed(fn, *args):
    t0 = time.perf_counter()
    val = fn(*args)
    return time.perf_counter() - t0, val


def main():
    profile = dv.gram_profile
    rows = []
    for d in DIMS:
        dv._half_nodes.cache_clear()
        dv._legendre_table.cache_clear()
        t_cold, ours = timed(dv.kernel_spectrum, "gram", d, MAX_DEGREE)
        t_warm = min(timed(dv.kernel_spectrum, "gram", d, MAX_DEGREE)[0] for _ in range(5))
        t_unc, unc = timed(uncached_spectrum, profile, d, MAX_DEGREE)
        t_naive, naive = timed(naive_spectrum, profile, d, MAX_DEGREE)
        floor = ours.floor[0]
        rows.append((d, "naive quad", t_naive, np.max(np.abs(naive - ours.eigenvalue)) / floor))
        rows.append((d, "uncached θ-rule", t_unc, np.max(np.abs(unc - ours.eigenvalue)) / floor))
        rows.append((d, "ours (cold cache)", t_cold, 0.0))
        rows.append((d, "ours (warm cache)", t_warm, 0.0))
    print(f"kernel_spectrum('gram', d, {MAX_DEGREE}): time and speed-up over the naive adaptive quadrature")
    print(f"{'d':>3} | {'method':<18} | {'time [s]':>9} | {'speed-up':>9} | max|Δλ| / floor")
    print("-" * 66)
    naive_t = {}
    for d, name, t, err in rows:
        if name == "naive quad":
            naive_t[d] = t
        print(f"{d:>3} | {name:<18} | {t:9.4f} | {naive_t[d] / t:9.1f} | {err:10.2g}")
    worst = max(t for d, name, t, _ in rows if name == "ours (cold cache)")
    print(f"\nslowest cold call of ours: {worst:.3f} s (target <= 2 s)")


if __name__ == "__main__":
    main()
