"""Tests for inal_utils.noisy_gd: the step is applied exactly as written in Theorem 1."""

import copy
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from inal_utils.boolean import Dictator, Majority, Parity, RandomBoolean, extend, hypercube, random_inputs
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
    (dict(loss="l1"), "loss name='l1'"),
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


# ---------------------------------------------------------------- the gradient signal at initialisation

from inal_utils.degree_bound import neuron_kernel  # noqa: E402
from inal_utils.noisy_gd import (  # noqa: E402
    distinguishability, gradient_signal, parity_cross_predictability, steps_to_reach,
)


def _brute_force_signal(f, width, bias_std):
    """E_θ‖E_x[f ∇NN]‖² by double sums over the cube with the two-point kernels (no Fourier, no Krawtchouk).

    E_θ[(E_x u(x) σ(w·x+b))²] = E_{x,x'}[u(x) u(x') K_σ(⟨x,x'⟩/N)] for any u; the step function's kernel
    is P(U > 0, V > 0) = 1/4 + asin(c)/(2π) for a centred Gaussian pair with correlation c.
    """
    X = hypercube(f.n).astype(float)
    N, M = f.n, X.shape[0]
    rho = X @ X.T / N
    s2 = bias_std**2
    c = np.clip((rho + s2) / (1 + s2), -1, 1)
    K_relu = neuron_kernel(rho, bias_std=bias_std)
    K_step = 0.25 + np.arcsin(c) / (2 * np.pi)
    y = f(hypercube(N))
    quad = lambda u, K: u @ K @ u / M**2
    total = width * quad(y, K_relu)                                   # output weights
    total += sum(quad(y * X[:, i], K_step) for i in range(N))         # first-layer weights
    if bias_std > 0:
        total += quad(y, K_step) + y.mean() ** 2                      # first-layer and output biases
    return total


@pytest.mark.parametrize("f, width, bias_std", [
    (extend(Parity(2, [0, 1]), 4), 8, 1.0),
    (extend(Majority(3), 5), 3, 1.0),
    (extend(Dictator(2), 4), 16, 0.5),
    (Parity(5, range(5)), 7, 1.0),
    (extend(Parity(3, [0, 1, 2]), 6), 4, 0.0),
    (RandomBoolean(5, seed=3), 5, 1.0),
])
def test_gradient_signal_equals_brute_force_over_the_cube(f, width, bias_std):
    exact = gradient_signal(f, width, bias_std=bias_std)
    assert exact == pytest.approx(_brute_force_signal(f, width, bias_std), rel=1e-9, abs=1e-14)


def test_gradient_signal_matches_monte_carlo_over_initialisations():
    """Autograd on the exact cube for 3000 seeded networks; the closed form within 4 standard errors."""
    f = extend(Parity(2, [0, 1]), 5)
    width, n_init = 6, 3000
    x, y = cube(5), torch.tensor(f(hypercube(5)), dtype=F64)
    values = []
    for s in range(n_init):
        model = net(N=5, width=width, seed=10_000 + s)
        g = population_gradient(model, x, y, loss="correlation")   # = −E_x[f ∇NN]
        values.append(sum(float((t ** 2).sum()) for t in g))
    values = np.array(values)
    mean, se = values.mean(), values.std(ddof=1) / math.sqrt(n_init)
    exact, parts = gradient_signal(f, width, return_parts=True)
    assert abs(mean - exact) < 4 * se, (mean, se, exact)
    assert se < 0.05 * exact          # the test can tell the closed form from one missing term
    assert min(parts.values()) > 4 * se or parts["output_bias"] == 0.0


def test_gradient_signal_parts_and_inputs():
    f = extend(Parity(3, [0, 1, 2]), 9)
    total, parts = gradient_signal(f, 10, return_parts=True)
    assert total == pytest.approx(sum(parts.values()), abs=1e-15)
    assert parts["output_bias"] == 0.0          # balanced target
    # the output-weight term is linear in the width, the rest does not depend on it
    _, p2 = gradient_signal(f, 20, return_parts=True)
    assert p2["output_weights"] == pytest.approx(2 * parts["output_weights"], rel=1e-12)
    assert p2["hidden_weights"] == pytest.approx(parts["hidden_weights"], rel=1e-12)
    # a degree profile gives the same number as the function
    w = np.zeros(10); w[3] = 1.0
    assert gradient_signal(w, 10) == pytest.approx(total, rel=1e-12)
    # the dictator's constant-size signal against the extended full parity's collapse
    assert gradient_signal(extend(Dictator(6), 36), 32) > 1e6 * gradient_signal(extend(Parity(6, range(6)), 36), 32)
    with pytest.raises(ValueError, match="width=0"):
        gradient_signal(f, 0)
    with pytest.raises(ValueError, match="degree weights"):
        gradient_signal([0.5, -0.5], 4)
    with pytest.raises((ValueError, TypeError), match="bias_std"):
        gradient_signal(f, 4, bias_std=-1.0)


def test_distinguishability_formula():
    assert distinguishability(2e-4, lr=0.4, noise_std=0.01, steps=150) == pytest.approx(150 * 0.16 * 2e-4 / 2e-4)
    assert np.allclose(distinguishability(np.array([1.0, 2.0]), lr=1.0, noise_std=1.0), [0.5, 1.0])
    with pytest.raises(ValueError, match="noise_std"):
        distinguishability(1.0, lr=0.1, noise_std=0.0)
    with pytest.raises(ValueError, match="signal"):
        distinguishability(-1.0, lr=0.1, noise_std=1.0)


def test_parity_cross_predictability_by_enumerating_the_orbit():
    """E over pairs of orbit members of (E_x F F')², by listing every permutation's image for N = 5."""
    import itertools
    N, k = 5, 2
    X = hypercube(N)
    orbit = [np.prod(X[:, list(p[:k])], axis=1) for p in itertools.permutations(range(N))]
    F = np.array(orbit)
    cp = np.mean((F @ F.T / X.shape[0]) ** 2)
    assert cp == pytest.approx(parity_cross_predictability(N, k), abs=1e-12)
    assert parity_cross_predictability(64, 8) == pytest.approx(1 / math.comb(64, 8))
    with pytest.raises(ValueError, match="k=6 must be <= N=5"):
        parity_cross_predictability(5, 6)


def test_steps_to_reach():
    class H:
        steps = np.array([0, 10, 20, 30])
        correlation = np.array([[0.0, 0.05, 0.2, 0.9], [0.0, 0.0, 0.01, 0.02]])
    out = steps_to_reach(H, 0.1)
    assert out[0] == 20 and np.isnan(out[1])
    H.correlation = H.correlation[0]
    assert steps_to_reach(H, 0.5) == 30


# ---------------------------------------------------------------- device-side randomness

def test_device_rng_is_seeded_and_has_the_right_noise_law():
    f = extend(Parity(3, [0, 1]), 9)
    models = [fully_connected(9, [16], seed=s, dtype=F64) for s in range(3)]
    kw = dict(steps=4, lr=0.2, clip=1.0, noise_std=0.0, batch_size=64, inputs=256, device_rng=True)
    a, ha = noisy_gd_ensemble(models, f, seed=3, **kw)
    b, hb = noisy_gd_ensemble(models, f, seed=3, **kw)
    c, _ = noisy_gd_ensemble(models, f, seed=4, **kw)
    assert all(max_diff(x, y) == 0 for x, y in zip(a, b)) and np.array_equal(ha.correlation, hb.correlation)
    assert max_diff(a[0], c[0]) > 0
    # lr = 0: the parameters move by T independent N(0, σ²) draws per coordinate
    T, sigma = 16, 0.1
    moved, _ = noisy_gd_ensemble(models, f, steps=T, lr=0.0, clip=1.0, noise_std=sigma, inputs=16, device_rng=True)
    d = torch.cat([(p - q).reshape(-1) for m0, m1 in zip(models, moved)
                   for p, q in zip(m1.parameters(), m0.parameters())]).detach().numpy()
    assert abs(d.var() / (T * sigma**2) - 1) < 4 * math.sqrt(2 / d.size)


@pytest.mark.parametrize("f", [extend(Parity(4, [1, 3]), 7), extend(Majority(3), 7), Dictator(7, 2),
                               extend(RandomBoolean(3, seed=1), 7)])
def test_device_targets_match_numpy_targets(f):
    """A device batch trains on the same labels the function gives (catalogue targets in torch, others via numpy)."""
    from inal_utils.noisy_gd import _torch_target
    x = hypercube(7)
    g = _torch_target(f)
    if g is None:
        assert isinstance(f.base, RandomBoolean)
        return
    assert np.array_equal(g(torch.tensor(x, dtype=F64)).numpy(), f(x))


# ---------------------------------------------------------------- training only the output layer

def test_output_layer_fit_is_the_projection():
    from inal_utils.noisy_gd import output_layer_fit
    f = Parity(6, [0, 1])
    value = output_layer_fit(f, 5, seed=2)[0]
    first = fully_connected(6, [5], seed=2, dtype=F64)[0]
    X = torch.tensor(hypercube(6), dtype=F64)
    with torch.no_grad():
        H = np.hstack([torch.relu(first(X)).numpy(), np.ones((64, 1))])
    y = f(hypercube(6))
    P = H @ np.linalg.pinv(H)                      # the projection matrix, independently
    assert value == pytest.approx(np.mean(y * (P @ y)), abs=1e-12)
    assert value == pytest.approx(np.mean((P @ y) ** 2), abs=1e-12)   # E[f·Pf] = E[(Pf)²]
    # the fitted output layer is at least as good as any single neuron alone
    h = H[:, :5]
    best_single = max(np.mean(y * hj) ** 2 / np.mean(hj**2) for hj in h.T)
    assert value >= best_single - 1e-12


def test_output_layer_fit_chance_level_and_bad_input():
    from inal_utils.noisy_gd import output_layer_fit
    assert 0.0 <= output_layer_fit(RandomBoolean(6, seed=0), 64)[0] <= 1.0 + 1e-12
    # a random target: mean (m + 1)/2^n over draws of the target (4 s.e.)
    vals = [output_layer_fit(RandomBoolean(7, seed=s), 7, seed=s)[0] for s in range(60)]
    assert abs(np.mean(vals) - 8 / 128) < 4 * np.std(vals) / math.sqrt(60)
    with pytest.raises(ValueError, match="n=21"):
        output_layer_fit(Dictator(21), 4)
    with pytest.raises(TypeError, match="BooleanFunction"):
        output_layer_fit(np.ones(8), 4)


# ---------------------------------------------------------------- symmetry and the n-sweep

@pytest.mark.parametrize("seed", [0, 1])
def test_permutation_equivariance_of_noisy_gd(seed):
    """Training on f̄∘π equals training on f̄ with the first layer's columns permuted (σ = 0, clipping on).

    g(x) = f̄(x_π) with (x_π)_i = x_{π(i)}; the network M'(x) = M(x_π) has W'[:, π(i)] = W[:, i]. The
    cube is permutation invariant and the clip acts coordinate-wise, so every step commutes with π.
    """
    from inal_utils.boolean import TruthTable
    N = 6
    rng = np.random.default_rng(seed)
    perm = rng.permutation(N)
    f = extend(Parity(3, [0, 1, 2]), N)
    X = hypercube(N)
    g = TruthTable(f(X[:, perm]))
    model = net(N=N, width=8, seed=seed)
    permuted = copy.deepcopy(model)
    with torch.no_grad():
        permuted[0].weight[:, perm] = model[0].weight
    kw = dict(steps=6, lr=0.5, clip=0.05, noise_std=0.0)
    a, ha = noisy_gd(model, f, **kw)
    b, hb = noisy_gd(permuted, g, **kw)
    assert np.all(ha.clip_fraction > 0)                       # the clip is active
    assert torch.allclose(b[0].weight[:, perm], a[0].weight, atol=1e-12)
    for p, q in list(zip(a.parameters(), b.parameters()))[1:]:
        assert torch.allclose(p, q, atol=1e-12)
    assert np.allclose(ha.correlation, hb.correlation, atol=1e-12)
    # and it is not trivially true: the unpermuted network on g follows another trajectory
    c, _ = noisy_gd(model, g, **kw)
    assert max_diff(c, a) > 1e-3


def test_n_sweep_transition_small_seeded():
    """The chapter's n-sweep in miniature: at a fixed budget the extended full parity is learned at n = 3
    and stays at noise level at n = 6, where the heuristic budget T·γ²·signal/(2σ²) has fallen below 1;
    the extended dictator is learned at both."""
    from inal_utils.noisy_gd import fixed_budget_sweep
    families = {"dictator": lambda n: Dictator(n), "full parity": lambda n: Parity(n, range(n))}
    res = fixed_budget_sweep(families, [3, 6], width=32, steps=300, lr=0.4, clip=1.0, noise_std=0.01,
                             batch_size=1024, n_eval=2**14, seeds=2, n_null=4, seed=5)
    assert res.N == [9, 36] and res.final["dictator"].shape == (2, 2)
    assert res.learned("dictator").all()
    assert res.learned("full parity")[0] and res.budget["full parity"][0] > 1
    assert res.at_noise_level("full parity")[1] and res.budget["full parity"][1] < 1
    assert np.all(res.tau < 0.05)                        # 2^14 evaluation points: s.e. about 0.01 or less
    assert res.curves["dictator"].shape == (2, 2, len(res.steps))


def test_fixed_budget_sweep_padding_and_bad_input():
    from inal_utils.noisy_gd import fixed_budget_sweep
    fam = {"dictator": lambda n: Dictator(n)}
    kw = dict(width=4, steps=2, lr=0.1, clip=1.0, noise_std=0.01, batch_size=16, n_eval=64, seeds=1, n_null=2)
    assert fixed_budget_sweep(fam, [3], pad="double", **kw).N == [6]
    r = fixed_budget_sweep(fam, [3], pad="none", init="rademacher", **kw)
    assert r.N == [3] and np.isnan(r.budget["dictator"]).all()     # no exact signal for a Rademacher init
    d = fixed_budget_sweep(fam, [3], device_rng=True, **kw)                  # the GPU path, on the CPU
    assert np.all(np.isfinite(d.final["dictator"])) and d.settings["seeds"] == 1
    with pytest.raises(ValueError, match="pad='cube'"):
        fixed_budget_sweep(fam, [3], pad="cube", **kw)
    with pytest.raises(ValueError, match="families"):
        fixed_budget_sweep({}, [3], **kw)


def test_n_sweep_transition_by_hand_ensemble():
    """The chapter's n-sweep in miniature: at a fixed budget the extended full parity is learned at n = 3
    and stays at noise level at n = 6, where the heuristic budget T·γ²·signal/(2σ²) has fallen below 1;
    the extended dictator is learned at both."""
    width, T, lr, A, sigma = 32, 300, 0.4, 1.0, 0.01
    out = {}
    for n in (3, 6):
        N = n * n
        targets = [extend(Dictator(n), N), extend(Parity(n, range(n)), N)]
        nets = [fully_connected(N, [width], seed=10 * n + i) for i in range(2)]
        _, h = noisy_gd_ensemble(nets, targets, steps=T, lr=lr, clip=A, noise_std=sigma, inputs=2**14,
                                 batch_size=1024, seed=n, record_every=T)
        budget = distinguishability(gradient_signal(targets[1], width), lr=lr, noise_std=sigma, steps=T)
        out[n] = (h.correlation[:, -1], budget)
    assert out[3][0][0] > 0.5 and out[6][0][0] > 0.5          # the dictator at both sizes
    assert out[3][0][1] > 0.5 and out[3][1] > 1               # the full parity learned at n = 3 ...
    assert abs(out[6][0][1]) < 0.03 and out[6][1] < 1          # ... and at noise level at n = 6


@pytest.mark.parametrize("f", [Majority(9), Majority(1), Parity(7, [1, 4]), Parity(5, []), Dictator(6, 3),
                               extend(extend(Majority(5), 7), 11), extend(RandomBoolean(4, seed=2), 6)])
def test_structured_degree_weights_equal_the_transform(f):
    """The shortcuts gradient_signal relies on (one-degree parities and dictators, the majority's closed
    form, padded extensions) against the Walsh–Hadamard transform of the truth table."""
    from inal_utils.boolean import degree_weights
    from inal_utils.expected import target_degree_weights
    assert np.allclose(target_degree_weights(f), degree_weights(f.fourier()), atol=1e-13)


# --------------------------------------------------------------------------------------------
# bad input (issue: validate at the boundary); each test failed or returned a number before the fix
# --------------------------------------------------------------------------------------------


def test_population_gradient_refuses_column_labels():
    """Labels of shape (M, 1) were broadcast against (M,) outputs: the loss averaged M×M pairs."""
    model, x = net(N=3), cube(3)
    y = torch.tensor(Parity(3, [0, 1])(hypercube(3)), dtype=F64)
    with pytest.raises(ValueError, match=r"y has shape \(8, 1\); shape \(8,\)"):
        population_gradient(model, x, y[:, None])
    with pytest.raises(ValueError, match="y has shape"):
        population_gradient(model, x, y[0])
    with pytest.raises(ValueError, match="x has shape"):
        population_gradient(model, x[0], y[:1])


def test_population_gradient_refuses_nan_dtype_and_contract_violations():
    model, x = net(N=3), cube(3)
    y = torch.ones(8, dtype=F64)
    xn = x.clone()
    xn[0, 0] = float("nan")
    with pytest.raises(ValueError, match="x has 1 non-finite"):
        population_gradient(model, xn, y)
    with pytest.raises(ValueError, match="x is torch.float32"):
        population_gradient(model, x.float(), y)
    with pytest.raises(ValueError, match="model maps"):
        population_gradient(fully_connected(3, [4], out_features=2, seed=0, dtype=F64), x, y)
    with pytest.raises(ValueError, match="one loss per example"):
        population_gradient(model, x, y, loss=lambda out, t: ((out - t) ** 2).mean())
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        population_gradient(lambda: model, x, y)


def test_step_pieces_validate_like_noisy_gd():
    """clip_gradient(g, -1) returned a tensor of -1; the step broadcast wrong shapes and dropped gradients."""
    with pytest.raises(ValueError, match="clip=-1.0 must be > 0"):
        clip_gradient(torch.tensor([-3.0, 0.5, 3.0]), -1.0)
    p = [torch.zeros(3), torch.zeros(2)]
    gen = noise_generator(0)
    with pytest.raises(ValueError, match="gradients has 1 tensors for 2 parameters"):
        noisy_gd_step(p, [torch.ones(3)], lr=0.1, clip=1.0, noise_std=0.0, generator=gen)
    with pytest.raises(ValueError, match=r"gradients\[1\] has shape \(1,\)"):
        noisy_gd_step(p, [torch.ones(3), torch.ones(1)], lr=0.1, clip=1.0, noise_std=0.0, generator=gen)
    with pytest.raises(ValueError, match="noise_std=-1.0 must be >= 0"):
        noisy_gd_step(p, [torch.ones(3), torch.ones(2)], lr=0.1, clip=1.0, noise_std=-1.0, generator=gen)
    with pytest.raises(ValueError, match="run=-1 must be >= 0"):
        noise_generator(0, run=-1)
    with pytest.raises(TypeError, match="seed=None"):
        noise_generator(None)
    assert torch.equal(p[0], torch.zeros(3))  # nothing was applied


@pytest.mark.parametrize("kw, match", [
    (dict(lr=np.array([0.1, np.nan])), "lr has 1 non-finite"),
    (dict(noise_std=np.array([1.0, 1j])), "noise_std has complex"),
    (dict(edges=0.5), "edges=0.5 must be >= 1"),
    (dict(clip=0.0), "clip=0.0 must be > 0"),
    (dict(lr=np.ones(2), n=np.ones(3)), "do not broadcast"),
])
def test_bound_shape_refuses_bad_values(kw, match):
    args = dict(lr=0.1, steps=10, edges=100, clip=1.0, noise_std=0.1, n=5, c=2) | kw
    with pytest.raises((ValueError, TypeError), match=match):
        bound_shape(**args)


def test_noise_threshold_refuses_bad_multiple_and_nan():
    with pytest.raises(ValueError, match="null_correlations has 1 non-finite"):
        noise_threshold([0.1, np.nan, 0.2])
    with pytest.raises(ValueError, match="multiple=-1.0 must be > 0"):
        noise_threshold([0.1, 0.2], multiple=-1.0)


def test_noisy_gd_contract_violations_are_value_errors():
    """out_features=2 raised a reshape RuntimeError; a scalar loss an IndexError; cuda an AssertionError."""
    f = Parity(3, [0, 1])
    common = dict(steps=1, lr=0.1, clip=1.0, noise_std=0.0)
    with pytest.raises(ValueError, match="network maps a batch"):
        noisy_gd(fully_connected(3, [4], out_features=2, seed=0), f, **common)
    with pytest.raises(ValueError, match="loss=.* must be per-example"):
        noisy_gd(fully_connected(3, [4], seed=0), f, loss=lambda out, y: ((out - y) ** 2).mean(), **common)
    with pytest.raises(ValueError, match="network has parameters on the meta device"):
        noisy_gd(fully_connected(3, [4], seed=0).to("meta"), f, **common)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            noisy_gd(fully_connected(3, [4], seed=0), f, device="cuda", **common)
    with pytest.raises(ValueError, match="device='foo' is not a device name"):
        noisy_gd(fully_connected(3, [4], seed=0), f, device="foo", **common)


def test_noisy_gd_refuses_a_training_set_that_cannot_fit():
    with pytest.raises(ValueError, match=r"inputs=10\*\*12|needs about .* Use a smaller inputs=M"):
        noisy_gd(fully_connected(3, [4], seed=0), Parity(3, [0]), steps=1, lr=0.1, clip=1.0, noise_std=0.0,
                 inputs=10**12)
