"""Benchmarks for chapter 6: the spectrum of G, one training step, and the λ_min(G) curve.

1. Spherical-harmonic spectrum of G up to degree 400.

Compares ``inal_utils.diversity.kernel_spectrum`` (Gauss–Legendre in θ = arccos t, split at
t = 0, cached nodes and Gegenbauer table by recurrence) with

- ``naive``: per-degree adaptive ``scipy.integrate.quad`` in t on [−1, 0] and [0, 1] with
  ``scipy.special.eval_gegenbauer`` (``eval_chebyt`` for d = 2);
- ``uncached``: the same θ-rule as ours, but nodes and polynomials (``eval_gegenbauer``) rebuilt
  on every call.

Target: degree 400 for d <= 50 in <= 2 s.

2. One step of ``train_diverse_net`` (9 networks of width 300, d = 5, m = 875, the regulariser on 6
   of them): the closed-form gradients it uses against autograd through the same loss.

3. ``gram_lambda_min`` (shift-invert Lanczos) against a dense ``eigvalsh`` at m = 2000.

Run:
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


def bench_training_step(repeats=30):
    import torch

    torch.set_num_threads(1)
    B, n, d, m = 9, 300, 5, 875
    g = torch.Generator().manual_seed(0)
    W = torch.randn(B, n, d, generator=g) / math.sqrt(n)
    X = torch.randn(m, d, generator=g)
    X /= X.norm(dim=1, keepdim=True)
    y, v = torch.randn(m, generator=g), torch.sign(torch.randn(B, n, generator=g))
    lam = torch.tensor([0.0] * 3 + [0.2] * 3 + [2.0] * 3)

    def autograd_step():
        Wg = W.clone().requires_grad_(True)
        f = (torch.relu(X @ Wg.transpose(-1, -2)) @ v[:, :, None]).squeeze(-1)
        loss = 0.5 * ((f - y) ** 2).mean(-1) + lam * dv.diversity_regularizer(Wg)
        loss.sum().backward()
        return Wg.grad

    def closed_form_step():
        Z = W @ X.T
        r = ((v[:, None, :] @ torch.relu(Z)).squeeze(-2) - y) / m
        grad = ((Z > 0).to(W.dtype).mul_(r[:, None, :]) @ X) * v[:, :, None]
        grad[3:] += lam[3:, None, None] * dv._regularizer_and_grad(W[3:])[1]
        return grad

    err = float((autograd_step() - closed_form_step()).abs().max())
    times = {}
    for name, fn in (("autograd", autograd_step), ("closed form", closed_form_step)):
        fn()
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        times[name] = (time.perf_counter() - t0) / repeats
    print(f"\none training step, 9 nets of width 300 (d=5, m=875), float32, 1 thread; max |Δgrad| = {err:.1e}")
    for name, t in times.items():
        print(f"  {name:<12} {1e3 * t:8.2f} ms   speed-up over autograd {times['autograd'] / t:5.2f}")


def bench_lambda_min(m=2000, d=10):
    X = dv.sample_sphere(m, d, seed=7)
    t_dense, dense = timed(lambda: np.linalg.eigvalsh(dv.gram_infinity(X)[0])[0])
    t_ours, ours = timed(lambda: dv.gram_lambda_min(X, [m])[0])
    print(f"\nλ_min(G) at m={m}, d={d}: eigvalsh {t_dense:.3f} s, gram_lambda_min {t_ours:.3f} s "
          f"(speed-up {t_dense / t_ours:.1f}), |Δ| = {abs(dense - ours):.1e}")


if __name__ == "__main__":
    main()
    bench_training_step()
    bench_lambda_min()
