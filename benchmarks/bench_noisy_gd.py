"""Time one step of noisy GD at N = 16 (exact population gradient over 2^16 = 65536 points).

Run: ``OMP_NUM_THREADS=2 python benchmarks/bench_noisy_gd.py``.

``--paper`` instead sizes chapter 4's paper scale on the machine at hand (run it on the GPU first): it
times a few steps of every paper-scale training call of the chapter (the n-sweep at each n, the
extension experiment) and prints the predicted wall-clock time of each and of the whole chapter.
Keep its constants in step with the notebook's ``choose(..., paper=...)`` values.

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


# chapter 4 at paper scale (the notebook's choose(..., paper=...) values)
PAPER = dict(width=512, steps=10_000, batch=4096, seeds=8, families=5, record_every=20, n_eval=2**15,
             ns=[3, 4, 5, 6, 7, 8, 10, 12, 16, 20], n_ext=8, steps_ext=5_000, seeds_ext=8)


def paper(probe_steps=40):
    """Predicted time of chapter 4's paper-scale training calls, from ``probe_steps`` timed steps each."""
    from inal_utils.book import default_device
    from inal_utils.boolean import Dictator
    from inal_utils.noisy_gd import noisy_gd_ensemble

    device = default_device("paper")
    if device == "cuda":
        torch.set_float32_matmul_precision("high")      # TF32 matrix products, as the chapter uses on a GPU
    P = PAPER
    calls = [(f"sweep n={n}", n * n, P["families"] * P["seeds"], P["steps"], P["batch"]) for n in P["ns"]]
    n = P["n_ext"]
    for N in (n, 2 * n, n * n):
        calls += [(f"extension N={N}", N, P["seeds_ext"], P["steps_ext"], P["batch"])] * 2     # two inits
    print(f"device: {device}; probe: {probe_steps} steps per call (after one warm-up)")
    total = 0.0
    for name, N, R, T, batch in calls:
        models = [fully_connected(N, [P["width"]], seed=s) for s in range(R)]
        target = extend(Dictator(2), N)
        kw = dict(lr=0.4, clip=1.0, noise_std=0.01, inputs=P["n_eval"], batch_size=batch,
                  device=device, device_rng=device != "cpu", seed=0)
        def timed_call(steps):
            if device == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            noisy_gd_ensemble(models, target, steps=steps, record_every=steps, **kw)    # records at 0 and at `steps`
            if device == "cuda":
                torch.cuda.synchronize()
            return time.perf_counter() - t

        timed_call(2)                                                                   # warm-up
        short, long = timed_call(probe_steps), timed_call(2 * probe_steps)
        per_step = max(long - short, 1e-9) / probe_steps                               # without the evaluations
        per_record = max(short - probe_steps * per_step, 0.0) / 2
        records = T // P["record_every"] + 1
        predicted = per_step * T + per_record * records
        total += predicted
        print(f"{name:>18}: N = {N:>3}, runs = {R:>2}, {1e3 * per_step:7.2f} ms/step, "
              f"{1e3 * per_record:7.1f} ms/evaluation -> {predicted:7.1f} s for T = {T}")
    print(f"predicted training time of chapter 4 at paper scale: {total:.0f} s "
          "(plus about 30-60 s for the exact tables, the noise-only networks and the output-layer fits on the CPU)")


if __name__ == "__main__":
    import sys

    paper() if "--paper" in sys.argv else main()
