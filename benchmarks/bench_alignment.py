"""Time exact ``inal`` against the straightforward evaluation, side by side.

Run: ``OMP_NUM_THREADS=2 python benchmarks/bench_alignment.py [--quick]``.

The case of issue 3: majority on ``n = 16`` inputs, a two-layer ReLU network of width 1024,
64 initialisations, every point of the cube. The straightforward baseline materialises ``X @ W``
for the whole cube one initialisation at a time, applies the activation, runs the output layer,
and reduces ``f @ h`` per layer (float32, torch's default). ``inal`` stacks the initialisations,
builds the first layer's pre-activations from a table over the low input bits plus one offset per
block of the cube (no ``X @ W``), works in cache-sized chunks and gets the output neuron by
linearity. Both are timed in float32 and float64; the table prints the ratio baseline / ours
(above 1 means ``inal`` is faster) and checks that the estimates agree.
First times ``n = 20`` exact (bounded memory) for the same width over 8 initialisations.
"""

import argparse
import resource
import time

import numpy as np
import torch

from inal_utils import boolean as B
from inal_utils.alignment import inal
from inal_utils.networks import fully_connected, neuron_outputs


def straightforward_inal(target, network, n_init, seed=0, dtype=torch.float32):
    """Per-layer ``E_θ[(E_x f h_v)²]``: one initialisation at a time, the whole cube at once."""
    n = target.n
    X = torch.as_tensor(B.hypercube(n)).to(dtype)
    F = torch.as_tensor(target.truth_table()).to(dtype)
    rows = []
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        for _ in range(n_init):
            model = network().to(dtype)
            rows.append([((F @ h) / 2**n).square().mean().item() for h in neuron_outputs(model, X)])
    return np.array(rows).mean(axis=0)


def timed(fn, repeats=1):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="n = 14 instead of 16 (a smoke test)")
    args = parser.parse_args()
    n20 = 18 if args.quick else 20
    target20 = B.Staircase(n20, 5)
    t, res = timed(lambda: inal(target20, lambda: fully_connected(n20, [1024]), n_init=8))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"exact n={n20}, width 1024, 8 inits (float64): {t:.2f} s, INAL {res.value:.3e} ± {res.stderr:.1e}, "
          f"peak RSS so far {peak:.2f} GiB (the straightforward evaluation holds a 2**{n20} x 1024 activation "
          f"per init: {2**n20 * 1024 * 4 / 2**30:.1f} GiB in float32)\n")

    n, width, n_init = (14 if args.quick else 16), 1024, 64
    target = B.Staircase(n, 3)
    network = lambda: fully_connected(n, [width])  # noqa: E731
    print(f"threads: {torch.get_num_threads()}; target {target!r}; two-layer ReLU, width {width}, "
          f"{n_init} initialisations, exact over 2**{n} inputs")
    base_t, base = timed(lambda: straightforward_inal(target, network, n_init))
    rows = []
    for dtype in (torch.float32, torch.float64):
        inal(target, network, n_init=2, dtype=dtype)  # warm-up
        t, res = timed(lambda: inal(target, network, n_init=n_init, dtype=dtype), repeats=3)
        rel = np.max(np.abs(res.layer_values - base) / base)
        rows.append((str(dtype).replace("torch.", ""), t, base_t / t, rel))
    print(f"\n{'method':<28} {'time [s]':>9} {'baseline/ours':>14} {'max rel. diff':>14}")
    print(f"{'straightforward (float32)':<28} {base_t:>9.2f} {1.0:>14.2f} {0.0:>14.1e}")
    for name, t, ratio, rel in rows:
        print(f"{'inal (' + name + ')':<28} {t:>9.2f} {ratio:>14.2f} {rel:>14.1e}")


if __name__ == "__main__":
    main()
