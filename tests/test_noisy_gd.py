"""Tests for inal_utils.noisy_gd: the step is applied exactly as written in Theorem 1."""

import copy
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from inal_utils.boolean import Dictator, Majority, Parity, extend, hypercube, random_inputs
from inal_utils.networks import count_edges, fully_connected
from inal_utils.noisy_gd import (
    bound_shape, clip_gradient, loss_fn, noise_generator, noise_threshold, noisy_gd, noisy_gd_ensemble,
    noisy_gd_step, population_gradient,
)

F64 = torch.float64


def net(N=6, width=8, seed=0, **kw):
    return fully_connected(N, [width], seed=seed, dtype=F64, **kw)


def cube(N):
    return torch.tensor(hypercube(N), dtype=F64)


def hand_gd(model, target, steps, lr, clip=math.inf, noise_std=0.0, generator=None, loss="squared"):
    """The algorithm written out with plain torch: backward, clamp, step, then the noise."""
    model = copy.deepcopy(model)
    x = cube(target.n)
    y = torch.tensor(target(hypercube(target.n)), dtype=F64)
    L = loss_fn(loss)
    for _ in range(steps):
        model.zero_grad()
        L(model(x).reshape(-1), y).mean().backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * (p.grad if math.isinf(clip) else p.grad.clamp(-clip, clip))
            if noise_std > 0:
                z = torch.randn(sum(p.numel() for p in model.parameters()), generator=generator, dtype=F64)
                i = 0
                for p in model.parameters():
                    p += noise_std * z[i:i + p.numel()].view(p.shape)
                    i += p.numel()
    return model


def max_diff(a, b):
    return max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))


# ---------------------------------------------------------------- the noiseless limit is plain GD

@pytest.mark.parametrize("loss", ["squared", "hinge", "correlation"])
def test_noiseless_unclipped_equals_plain_gd(loss):
    f = extend(Majority(3), 6)
    model = net()
    trained, history = noisy_gd(model, f, steps=5, lr=0.05, clip=math.inf, noise_std=0.0, loss=loss)
    reference = hand_gd(model, f, 5, 0.05, loss=loss)
    assert max_diff(trained, reference) < 1e-12
    assert history.exact and history.n_points == 64


def test_network_is_not_modified():
    model = net()
    before = [p.clone() for p in model.parameters()]
    noisy_gd(model, extend(Dictator(3), 6), steps=3, lr=0.1, clip=1.0, noise_std=0.1)
    assert all(torch.equal(p, q) for p, q in zip(before, model.parameters()))


def test_clipping_and_noise_as_written():
    f = extend(Parity(3, [0, 1, 2]), 6)
    model = net(seed=3)
    trained, history = noisy_gd(model, f, steps=4, lr=0.7, clip=0.01, noise_std=0.05, seed=11)
    reference = hand_gd(model, f, 4, 0.7, clip=0.01, noise_std=0.05, generator=noise_generator(11, 0))
    assert max_diff(trained, reference) < 1e-12
    assert np.all(history.clip_fraction > 0)  # A = 0.01 clips some coordinates
    # the same steps without clipping land elsewhere (the clip is not a no-op)
    unclipped = hand_gd(model, f, 4, 0.7, noise_std=0.05, generator=noise_generator(11, 0))
    assert max_diff(trained, unclipped) > 1e-3


def test_step_function_deterministic():
    """One step by hand: clamp, multiply by the rate, subtract, add σ·z with z from the generator."""
    p = [torch.tensor([1.0, -2.0, 3.0], dtype=F64), torch.tensor([[0.5]], dtype=F64)]
    g = [torch.tensor([0.2, -5.0, 1.0], dtype=F64), torch.tensor([[-0.1]], dtype=F64)]
    z = torch.randn(4, generator=torch.Generator().manual_seed(7), dtype=F64)
    frac = noisy_gd_step(p, g, lr=0.5, clip=0.3, noise_std=0.1, generator=torch.Generator().manual_seed(7))
    expected0 = torch.tensor([1.0 - 0.5 * 0.2, -2.0 + 0.5 * 0.3, 3.0 - 0.5 * 0.3], dtype=F64) + 0.1 * z[:3]
    expected1 = torch.tensor([[0.5 + 0.5 * 0.1]], dtype=F64) + 0.1 * z[3]
    assert torch.allclose(p[0], expected0, atol=1e-15) and torch.allclose(p[1], expected1, atol=1e-15)
    assert frac == pytest.approx(2 / 4)


def test_noise_statistics():
    """With lr = 0 the parameters move by a sum of T independent N(0, σ²) draws: variance T σ²."""
    model = net(N=6, width=64, seed=1)
    T, sigma = 9, 0.2
    trained, _ = noisy_gd(model, extend(Dictator(2), 6), steps=T, lr=0.0, clip=1.0, noise_std=sigma, seed=5)
    d = torch.cat([(p - q).reshape(-1) for p, q in zip(trained.parameters(), model.parameters())]).detach().numpy()
    # sample variance of ~530 Gaussian draws: relative standard error sqrt(2/530) ≈ 6%; allow 4 s.e.
    assert abs(d.var() / (T * sigma**2) - 1) < 4 * math.sqrt(2 / d.size)
    assert abs(d.mean()) < 4 * math.sqrt(T) * sigma / math.sqrt(d.size)


def test_seeded_and_reproducible():
    model, f = net(), extend(Dictator(3), 6)
    a, ha = noisy_gd(model, f, steps=3, lr=0.1, clip=1.0, noise_std=0.1, seed=2)
    b, hb = noisy_gd(model, f, steps=3, lr=0.1, clip=1.0, noise_std=0.1, seed=2)
    c, _ = noisy_gd(model, f, steps=3, lr=0.1, clip=1.0, noise_std=0.1, seed=3)
    assert max_diff(a, b) == 0 and np.array_equal(ha.correlation, hb.correlation)
    assert max_diff(a, c) > 0


# ---------------------------------------------------------------- the population gradient

def test_population_gradient_is_mean_of_per_example_gradients():
    model, f = net(N=5, width=6, seed=4), Majority(5)
    x = cube(5)
    y = torch.tensor(f(hypercube(5)), dtype=F64)
    full = population_gradient(model, x, y)
    per_example = [population_gradient(model, x[i:i + 1], y[i:i + 1]) for i in range(32)]
    for j, g in enumerate(full):
        assert torch.allclose(g, torch.stack([pe[j] for pe in per_example]).mean(0), atol=1e-13)


def test_population_gradient_closed_form_output_layer():
    """Squared loss: ∂/∂a E[(NN − f)²/2] = E[(NN − f) h] for the output weights a."""
    model, f = net(N=4, width=5, seed=2), Parity(4, [0, 1])
    x = cube(4)
    y = torch.tensor(f(hypercube(4)), dtype=F64)
    grads = population_gradient(model, x, y)
    with torch.no_grad():
        h = torch.relu(model[0](x))
        r = model(x).reshape(-1) - y
    assert torch.allclose(grads[2].reshape(-1), (r[:, None] * h).mean(0), atol=1e-13)
    assert torch.allclose(grads[3].reshape(-1), r.mean().reshape(1), atol=1e-13)


def test_recorded_correlation_is_exact_mean_over_cube():
    model, f = net(), extend(Majority(3), 6)
    trained, history = noisy_gd(model, f, steps=2, lr=0.1, clip=1.0, noise_std=0.01)
    x = cube(6)
    y = torch.tensor(f(hypercube(6)), dtype=F64)
    with torch.no_grad():
        expected = (trained(x).reshape(-1) * y).mean().item()
        start = (model(x).reshape(-1) * y).mean().item()
    assert history.correlation[-1] == pytest.approx(expected, abs=1e-12)
    assert history.correlation[0] == pytest.approx(start, abs=1e-12)
    assert list(history.steps) == [0, 1, 2]


def test_accuracy_on_fresh_inputs():
    model, f = net(), extend(Dictator(2), 6)
    trained, history = noisy_gd(model, f, steps=1, lr=0.1, clip=1.0, noise_std=0.0, n_eval=50, seed=4)
    assert 0 <= history.accuracy[-1] <= 1 and history.n_eval == 50
    # accuracy is a multiple of 1/50
    assert abs(history.accuracy[-1] * 50 - round(history.accuracy[-1] * 50)) < 1e-9


def test_sampled_inputs_reported_and_match_hand_loop():
    model, f = net(N=8), extend(Dictator(2), 8)
    trained, history = noisy_gd(model, f, steps=3, lr=0.2, clip=math.inf, noise_std=0.0, inputs=100, seed=9)
    assert not history.exact and history.n_points == 100 and "not exact" in history.inputs
    # the sample is fixed: a hand loop on any one sample must give a different answer than on the cube
    exact, _ = noisy_gd(model, f, steps=3, lr=0.2, clip=math.inf, noise_std=0.0)
    assert max_diff(trained, exact) > 1e-6


def test_sgd_batches_are_fresh_and_seeded():
    model, f = net(), extend(Dictator(2), 6)
    a, ha = noisy_gd(model, f, steps=4, lr=0.1, clip=math.inf, noise_std=0.0, batch_size=8, seed=1)
    b, _ = noisy_gd(model, f, steps=4, lr=0.1, clip=math.inf, noise_std=0.0, batch_size=8, seed=1)
    full, _ = noisy_gd(model, f, steps=4, lr=0.1, clip=math.inf, noise_std=0.0)
    assert max_diff(a, b) == 0 and max_diff(a, full) > 1e-6
    assert len(ha.correlation) == 5


# ---------------------------------------------------------------- the ensemble

def test_ensemble_equals_runs_one_by_one_noiseless():
    targets = [extend(Dictator(3), 6), extend(Parity(3, [0, 1]), 6), extend(Majority(3), 6)]
    models = [net(seed=s) for s in range(3)]
    trained, history = noisy_gd_ensemble(models, targets, steps=4, lr=0.1, clip=0.5, noise_std=0.0)
    for r in range(3):
        alone, h = noisy_gd(models[r], targets[r], steps=4, lr=0.1, clip=0.5, noise_std=0.0)
        assert max_diff(trained[r], alone) < 1e-12
        assert np.allclose(history.correlation[r], h.correlation, atol=1e-12)
    assert history.correlation.shape == (3, 5)


def test_ensemble_run_r_uses_its_own_noise_and_settings():
    f = extend(Majority(3), 6)
    models = [net(seed=s) for s in range(2)]
    trained, _ = noisy_gd_ensemble(models, f, steps=3, lr=0.3, clip=[0.05, math.inf], noise_std=[0.1, 0.02], seed=4)
    ref0 = hand_gd(models[0], f, 3, 0.3, clip=0.05, noise_std=0.1, generator=noise_generator(4, 0))
    ref1 = hand_gd(models[1], f, 3, 0.3, clip=math.inf, noise_std=0.02, generator=noise_generator(4, 1))
    assert max_diff(trained[0], ref0) < 1e-12 and max_diff(trained[1], ref1) < 1e-12


def test_generic_module_path_matches_sequential_path():
    """A module that is not a plain Sequential runs through functional_call + vmap: same numbers."""

    class Wrapped(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x)

    f = extend(Parity(3, [0, 2]), 6)
    models = [net(seed=s) for s in range(2)]
    plain, hp = noisy_gd_ensemble(models, f, steps=3, lr=0.2, clip=0.1, noise_std=0.05, seed=1)
    wrapped, hw = noisy_gd_ensemble([Wrapped(m) for m in models], f, steps=3, lr=0.2, clip=0.1, noise_std=0.05,
                                    seed=1)
    for a, b in zip(plain, wrapped):
        assert max_diff(a, b.inner) < 1e-12
    assert np.allclose(hp.correlation, hw.correlation, atol=1e-12)


def test_deeper_network():
    f = extend(Dictator(2), 5)
    model = fully_connected(5, [6, 4], seed=0, dtype=F64, activation="tanh")
    trained, _ = noisy_gd(model, f, steps=3, lr=0.1, clip=math.inf, noise_std=0.0)
    assert max_diff(trained, hand_gd(model, f, 3, 0.1)) < 1e-12


# ---------------------------------------------------------------- bound and threshold

def test_bound_shape_formula():
    value = bound_shape(lr=0.5, steps=100, edges=400, clip=2.0, noise_std=0.1, n=16, c=3)
    assert value == pytest.approx(0.5 * 100 * math.sqrt(800) / 0.1 * 16 ** (-2 / 8))
    assert bound_shape(lr=1, steps=1, edges=1, clip=1, noise_std=1, n=5, c=1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="noise_std"):
        bound_shape(lr=1, steps=1, edges=1, clip=1, noise_std=0, n=5, c=2)
    with pytest.raises(ValueError, match="c="):
        bound_shape(lr=1, steps=1, edges=1, clip=1, noise_std=1, n=5, c=0.5)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 10), st.floats(0.1, 10))
def test_bound_shape_scalings(a, s):
    base = dict(lr=0.3, steps=50, edges=100, clip=1.0, noise_std=0.2, n=9, c=2)
    b0 = bound_shape(**base)
    assert bound_shape(**{**base, "clip": a}) == pytest.approx(b0 * math.sqrt(a), rel=1e-12)
    assert bound_shape(**{**base, "noise_std": s}) == pytest.approx(b0 * 0.2 / s, rel=1e-12)
    assert bound_shape(**{**base, "steps": 50 * a}) == pytest.approx(b0 * a, rel=1e-12)


def test_noise_threshold():
    assert noise_threshold([3.0, -4.0], multiple=2) == pytest.approx(2 * math.sqrt(12.5))
    with pytest.raises(ValueError, match="at least 2"):
        noise_threshold([1.0])


def test_edges_recorded():
    model = net(N=6, width=8)
    _, h = noisy_gd(model, extend(Dictator(2), 6), steps=0, lr=0.1, clip=1.0, noise_std=0.0)
    assert h.edges == count_edges(model) == 6 * 8 + 8
    assert h.correlation.shape == (1,)


def test_clip_gradient():
    g = torch.tensor([-3.0, 0.5, 2.0])
    assert torch.equal(clip_gradient(g, 1.0), torch.tensor([-1.0, 0.5, 1.0]))
    assert clip_gradient(g, math.inf) is g


# ---------------------------------------------------------------- bad inputs

@pytest.mark.parametrize("kwargs, match", [
    (dict(noise_std=-0.1), "noise_std=-0.1 must be >= 0"),
    (dict(clip=0.0), "clip=0.0 must be > 0"),
    (dict(clip=-1.0), "clip=-1.0 must be > 0"),
    (dict(steps=-1), "steps=-1"),
    (dict(lr=-0.5), "lr=-0.5"),
    (dict(inputs="cube"), "inputs='cube'"),
    (dict(inputs=0), "inputs=0"),
    (dict(seed=-3), "seed=-3"),
    (dict(loss="l1"), "loss='l1'"),
    (dict(lr=[0.1, 0.2]), "one per step"),
])
def test_bad_arguments(kwargs, match):
    args = dict(steps=3, lr=0.1, clip=1.0, noise_std=0.0)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        noisy_gd(net(), extend(Dictator(2), 6), **args)


def test_size_mismatch_rejected():
    with pytest.raises(ValueError, match="n=9 inputs but the network's first layer takes 6"):
        noisy_gd(net(N=6), extend(Dictator(2), 9), steps=1, lr=0.1, clip=1.0, noise_std=0.0)


def test_other_bad_inputs():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        noisy_gd("net", Dictator(3), steps=1, lr=0.1, clip=1.0, noise_std=0.0)
    with pytest.raises(ValueError, match="at most N=24"):
        noisy_gd(net(N=25), extend(Dictator(2), 25), steps=1, lr=0.1, clip=1.0, noise_std=0.0)
    with pytest.raises(ValueError, match="2 targets for 3 networks"):
        noisy_gd_ensemble([net(seed=s) for s in range(3)], [Dictator(6)] * 2, steps=1, lr=0.1, clip=1.0,
                          noise_std=0.0)
    with pytest.raises(ValueError, match="noise_std has 2 values"):
        noisy_gd_ensemble([net(seed=s) for s in range(3)], Dictator(6), steps=1, lr=0.1, clip=1.0,
                          noise_std=[0.1, 0.2])
    with pytest.raises(ValueError, match="one architecture"):
        noisy_gd_ensemble([net(width=4), net(width=6)], Dictator(6), steps=1, lr=0.1, clip=1.0, noise_std=0.0)


def test_sampled_inputs_beyond_exact_limit_work():
    model = fully_connected(30, [4], seed=0)
    _, h = noisy_gd(model, extend(Dictator(2), 30), steps=2, lr=0.1, clip=1.0, noise_std=0.01, inputs=64)
    assert not h.exact and h.correlation.shape == (3,)
    assert random_inputs(30, 2).shape == (2, 30)


def test_expected_overlap_against_random_permutations():
    from inal_utils.noisy_gd import expected_overlap
    rng = np.random.default_rng(0)
    for n, N in [(4, 16), (4, 8), (3, 9)]:
        overlaps = [np.sum(rng.permutation(N)[:n] < n) for _ in range(20000)]
        se = np.std(overlaps) / np.sqrt(len(overlaps))
        assert abs(np.mean(overlaps) - expected_overlap(n, N)) < 4 * se
    assert expected_overlap(5, 25) == 1.0
    with pytest.raises(ValueError, match="N=3 must be >= n=4"):
        expected_overlap(4, 3)


def test_chunked_population_gradient_equals_unchunked(monkeypatch):
    import inal_utils.noisy_gd as mod
    f = extend(Majority(3), 9)
    models = [fully_connected(9, [8], seed=s, dtype=F64) for s in range(2)]
    whole, hw = noisy_gd_ensemble(models, f, steps=3, lr=0.2, clip=0.5, noise_std=0.01, seed=3)
    monkeypatch.setattr(mod, "_CHUNK_ELEMENTS", 1)  # 256 points per chunk: 2 chunks of the 512-point cube
    chunked, hc = noisy_gd_ensemble(models, f, steps=3, lr=0.2, clip=0.5, noise_std=0.01, seed=3)
    for a, b in zip(whole, chunked):
        assert max_diff(a, b) < 1e-12
    assert np.allclose(hw.correlation, hc.correlation, atol=1e-12)
    assert np.allclose(hw.loss, hc.loss, atol=1e-12)
