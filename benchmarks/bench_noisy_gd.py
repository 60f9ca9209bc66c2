"""Time one step of noisy GD at N = 16 (exact population gradient over 2^16 = 65536 points).

Run: ``OMP_NUM_THREADS=2 python benchmarks/bench_noisy_gd.py``.

Baseline: the straightforward loop, one run after another — ``model(x)``, ``loss.backward()``, clamp,
step, noise — as a reader would write it from the theorem. Ours: ``noisy_gd_ensemble``, all runs as
one set of stacked weights. Prints the best (minimum over repeats) wall-clock time per step and per run-step, and the
ratio ``baseline / ours`` (above 1 means the ensemble is faster). Also prints process CPU time,
which is less sensitive to other jobs on a shared machine.
"""

import copy
import time

import numpy as np
import torch

from inal_utils.boolean import Parity, extend, hypercube
from inal_utils.networks import fully_connected
from inal_utils.noisy_gd import noise_generator, noisy_gd_ensemble

N, STEPS, LR, CLIP, SIGMA = 16, 5, 0.4, 1.0, 0.01


def naive(models, target):
    x = torch.tensor(hypercube(N), dtype=torch.float32)
    y = torch.tensor(target(hypercube(N)), dtype=torch.float32)
    for r, model in enumerate(models):
        model = copy.deepcopy(model)
        gen = noise_generator(0, r)
        for _ in range(STEPS):
            model.zero_grad()
            (0.5 * (model(x).reshape(-1) - y) ** 2).mean().backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= LR * p.grad.clamp(-CLIP, CLIP)
                    p += SIGMA * torch.randn(p.shape, generator=gen)


def ours(models, target):
    noisy_gd_ensemble(models, target, steps=STEPS, lr=LR, clip=CLIP, noise_std=SIGMA, record_every=STEPS)


def timed(fn, *args, repeats=5):
    fn(*args)
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn(*args)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return float(np.min(wall)), float(np.min(cpu))


def main():
    torch.set_num_threads(2)
    target = extend(Parity(4, range(4)), N)
    print(f"noisy GD step, N = {N} (exact cube, 65536 points), {STEPS} steps per timing, float32, "
          f"{torch.get_num_threads()} threads")
    print(f"{'width':>5} {'runs':>4} | {'naive s/step':>12} {'ours s/step':>11} | {'naive ms/run-step':>17} "
          f"{'ours ms/run-step':>16} | {'ratio wall':>10} {'ratio cpu':>9}")
    for width in (32, 64):
        for runs in (1, 4, 10):
            models = [fully_connected(N, [width], seed=s) for s in range(runs)]
            (nw, nc), (ow, oc) = timed(naive, models, target), timed(ours, models, target)
            per = STEPS
            print(f"{width:>5} {runs:>4} | {nw / per:>12.4f} {ow / per:>11.4f} | {1e3 * nw / per / runs:>17.2f} "
                  f"{1e3 * ow / per / runs:>16.2f} | {nw / ow:>10.2f} {nc / oc:>9.2f}")


if __name__ == "__main__":
    main()
