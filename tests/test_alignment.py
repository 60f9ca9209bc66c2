"""Tests for :mod:`inal_utils.alignment`, each against an independent computation.

Independent references used here: explicit averages ``mean_x f(x) σ(w·x + b)`` over the cube built
by ``itertools.product`` (no transform), explicit characters ``χ_S`` from loops over subsets,
the finite symmetry group of the weight law (sign flips × permutations: averaging over an orbit
makes the spectral identity exact), ``scipy.integrate.quad`` with finite differences and with
Stein's identity, closed forms (``E[Φ(b)²] = 1/3``, ``E[φ(sB)²] = 1/(2π√(1+2s²))``), and
Monte Carlo with standard errors.
"""

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from torch import nn

from inal_utils import alignment as A
from inal_utils import boolean as B
from inal_utils import networks as N
from inal_utils.networks import fully_connected

# ------------------------------------------------------------------------------------------------
# independent references
# ------------------------------------------------------------------------------------------------

ACT = {"relu": lambda t: np.maximum(t, 0.0), "sign": np.sign, "tanh": np.tanh}
SCALAR_ACT = {"relu": lambda t: max(t, 0.0), "sign": lambda t: math.copysign(1.0, t) if t else 0.0, "tanh": math.tanh}


def pdf(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def cube_by_product(n):
    """All points of {±1}^n in hypercube order (bit j of the row index set <=> x_j = -1)."""
    rows = [[1 - 2 * ((i >> j) & 1) for j in range(n)] for i in range(2**n)]
    return np.array(rows, dtype=np.float64)


def coefficient_by_loop(values, X, S):
    """ĥ(S) = mean_x h(x) ∏_{j∈S} x_j, computed directly."""
    chi = np.prod(X[:, list(S)], axis=1) if S else np.ones(len(X))
    return float(np.mean(values * chi))


def degree_average_by_loops(values, X, n):
    """mean over |S| = k of ĥ(S)², k = 0..n, by enumerating the subsets."""
    return np.array([
        np.mean([coefficient_by_loop(values, X, S) ** 2 for S in itertools.combinations(range(n), k)])
        for k in range(n + 1)
    ])


def orbit(w):
    """All images of w under sign flips and permutations of coordinates (the weight law's symmetries)."""
    n = len(w)
    out = []
    for perm in itertools.permutations(range(n)):
        for signs in itertools.product((1.0, -1.0), repeat=n):
            out.append(np.array(signs) * w[list(perm)])
    return np.array(out)


def g_by_quad(b, act):
    """g(b) = E_Z σ(Z + b) by adaptive quadrature (kink at z = -b)."""
    sigma = SCALAR_ACT[act]
    f = lambda z: sigma(z + b) * pdf(z)
    return integrate.quad(f, -12, -b, epsabs=1e-13, epsrel=1e-13)[0] + integrate.quad(
        f, -b, 12, epsabs=1e-13, epsrel=1e-13)[0]


def stein_derivative_by_quad(k, b, act):
    """g^{(k)}(b) = E[σ(Z + b) He_k(Z)] by adaptive quadrature (Gaussian integration by parts)."""
    sigma = SCALAR_ACT[act]
    He = np.polynomial.hermite_e.HermiteE.basis(k)  # probabilists' He_k
    f = lambda z: sigma(z + b) * He(z) * pdf(z)
    return integrate.quad(f, -14, -b, limit=200)[0] + integrate.quad(f, -b, 14, limit=200)[0]


def bias_average_by_quad(fn, bias_std):
    """E_b[fn(b)] for b ~ N(0, bias_std²) by composite Simpson on [-9, 9] standard deviations."""
    t = np.linspace(-9, 9, 241)
    return integrate.simpson([fn(bias_std * ti) * pdf(ti) for ti in t], x=t)


# ------------------------------------------------------------------------------------------------
# neuron_degree_profile / neuron_fourier_profile
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", ["relu", "sign", "tanh"])
def test_degree_profile_matches_explicit_subsets(act):
    rng = np.random.default_rng(0)
    n = 5
    W, b = rng.standard_normal((3, n)) / math.sqrt(n), rng.standard_normal(3)
    got = A.neuron_degree_profile(W, b, activation=act)
    X = cube_by_product(n)
    for i in range(3):
        want = degree_average_by_loops(ACT[act](X @ W[i] + b[i]), X, n)
        np.testing.assert_allclose(got[i], want, rtol=1e-10, atol=1e-15)


def test_cube_preactivations_follow_hypercube_order():
    rng = np.random.default_rng(1)
    W, b = rng.standard_normal((4, 6)), rng.standard_normal(4)
    got = A._cube_preactivations(torch.tensor(W), torch.tensor(b)).numpy()
    want = (B.hypercube(6) @ W.T + b).T
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_fourier_profile_result_object():
    p = A.neuron_fourier_profile(6, n_init=10, seed=3)
    assert p.samples.shape == (10, 7) and p.n_init == 10 and list(p.degrees) == list(range(7))
    values, stderr = p
    np.testing.assert_array_equal(values, p.samples.mean(axis=0))
    np.testing.assert_allclose(stderr, p.samples.std(axis=0, ddof=1) / math.sqrt(10))
    assert np.all(stderr > 0)
    # deterministic in the seed, different across seeds
    np.testing.assert_array_equal(A.neuron_fourier_profile(6, n_init=10, seed=3).samples, p.samples)
    assert not np.array_equal(A.neuron_fourier_profile(6, n_init=10, seed=4).samples, p.samples)


def test_fourier_profile_parseval_against_monte_carlo_second_moment():
    """Σ_k C(n,k) A_k = E_θ E_x[h²]: compare with a direct Monte Carlo over weights and inputs."""
    n = 7
    p = A.neuron_fourier_profile(n, n_init=400, seed=5)
    sizes = np.array([math.comb(n, k) for k in range(n + 1)])
    total = p.samples @ sizes
    rng = np.random.default_rng(6)
    W = rng.standard_normal((20000, n)) / math.sqrt(n)
    X = 1 - 2 * rng.integers(0, 2, (20000, n))
    h2 = np.maximum((W * X).sum(1) + rng.standard_normal(20000), 0) ** 2
    se = math.hypot(total.std(ddof=1) / math.sqrt(len(total)), h2.std(ddof=1) / math.sqrt(len(h2)))
    assert abs(total.mean() - h2.mean()) < 4 * se


@pytest.mark.parametrize("n", [5, 6, 8])
def test_bias_free_relu_has_no_odd_weight_beyond_one(n):
    p = A.neuron_fourier_profile(n, bias_std=0.0, n_init=8, seed=0)
    odd = [k for k in range(3, n + 1, 2)]
    assert np.max(np.abs(p.samples[:, odd])) < 1e-28
    assert np.all(p.samples[:, [1, 2]] > 1e-6)  # degrees 1 and 2 are present


def test_bias_free_sign_has_no_even_weight():
    p = A.neuron_fourier_profile(7, activation="sign", bias_std=0.0, n_init=8, seed=0)
    assert np.max(np.abs(p.samples[:, 0::2])) < 1e-28
    assert np.all(p.samples[:, [1, 3]] > 1e-8)


def test_profile_rademacher_init_has_the_same_second_moment_structure():
    p = A.neuron_fourier_profile(6, n_init=16, seed=0, init="rademacher")
    assert p.init == "rademacher" and np.all(np.isfinite(p.samples))


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0, "n_init": 4}, "n=0"),
    ({"n": 25, "n_init": 4}, "inputs=N"),
    ({"n": 5, "n_init": 1}, "n_init=1"),
    ({"n": 5, "n_init": 4, "bias_std": -1.0}, "bias_std=-1.0"),
    ({"n": 5, "n_init": 4, "init": "uniform"}, "init='uniform'"),
    ({"n": 5, "n_init": 4, "activation": "swish"}, "activation='swish'"),
])
def test_fourier_profile_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        A.neuron_fourier_profile(**kwargs)


# ------------------------------------------------------------------------------------------------
# spectral_inal: the identity
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("act, bias", [("relu", 0.7), ("sign", 0.3), ("relu", 0.0)])
@pytest.mark.parametrize("target", [B.Staircase(4, 3), B.RandomBoolean(4, seed=2), B.Parity(4, [0, 2])])
def test_spectral_identity_is_exact_over_a_symmetry_orbit(act, bias, target):
    """Averaging over all sign flips and permutations of one weight vector is a weight law with the
    symmetries the identity needs, so the identity must hold to rounding error."""
    n = target.n
    w = np.random.default_rng(7).standard_normal(n) / math.sqrt(n)
    Ws = orbit(w)
    X = cube_by_product(n)
    f = target(X.astype(np.int8))
    direct = np.mean([np.mean(f * ACT[act](X @ wi + bias)) ** 2 for wi in Ws])
    profile = A.neuron_degree_profile(Ws, np.full(len(Ws), bias), activation=act).mean(axis=0)
    assert A.spectral_inal(target.fourier(), profile) == pytest.approx(direct, rel=1e-10, abs=1e-16)
    assert A.spectral_inal(target, profile) == pytest.approx(direct, rel=1e-10, abs=1e-16)
    weights = B.degree_weights(target.fourier())
    assert A.spectral_inal(None, profile, weights=weights) == pytest.approx(direct, rel=1e-10, abs=1e-16)


def test_spectral_inal_stderr_from_samples():
    p = A.neuron_fourier_profile(5, n_init=50, seed=1)
    f = B.Majority(5)
    value, se = A.spectral_inal(f, p, return_stderr=True)
    per_init = p.samples @ B.degree_weights(f.fourier())
    assert value == pytest.approx(per_init.mean()) and se == pytest.approx(per_init.std(ddof=1) / math.sqrt(50))
    assert math.isnan(A.spectral_inal(f, p.values, return_stderr=True)[1])


def test_spectral_inal_bad_inputs():
    p = A.neuron_fourier_profile(4, n_init=4, seed=0)
    with pytest.raises(ValueError, match="n=4"):
        A.spectral_inal(B.Majority(5).fourier(), p)
    with pytest.raises(ValueError, match="exactly one"):
        A.spectral_inal(None, p)
    with pytest.raises(ValueError, match="n\\+1=5"):
        A.spectral_inal(None, p, weights=[1.0, 0.0])
    with pytest.raises(ValueError, match="1-d"):
        A.spectral_inal(B.Dictator(4).fourier(), np.ones((2, 5)))


# ------------------------------------------------------------------------------------------------
# profile_constant
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", ["relu", "sign"])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5])
def test_profile_constant_against_stein_quadrature(act, k):
    s = 0.8
    want = bias_average_by_quad(lambda b: stein_derivative_by_quad(k, b, act) ** 2, s)
    assert A.profile_constant(k, activation=act, bias_std=s) == pytest.approx(want, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("act", ["relu", "sign"])
@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_profile_constant_against_finite_differences_of_quadrature(act, k):
    """g^{(k)} by central differences of g computed with quad, then E_b by quad."""
    h = 0.02
    stencil = {0: [1.0], 1: [-0.5, 0, 0.5], 2: [1.0, -2.0, 1.0], 3: [-0.5, 1.0, 0, -1.0, 0.5]}[k]
    m = len(stencil) // 2

    def deriv(b):
        return sum(c * g_by_quad(b + (i - m) * h, act) for i, c in enumerate(stencil) if c) / h**k

    want = bias_average_by_quad(lambda b: deriv(b) ** 2, 1.0)
    assert A.profile_constant(k, activation=act) == pytest.approx(want, rel=2e-3)


def test_profile_constant_closed_forms():
    assert A.profile_constant(1) == pytest.approx(1 / 3, rel=1e-12)  # Φ(b) is uniform: E U² = 1/3
    assert A.profile_constant(0, activation="sign") == pytest.approx(1 / 3, rel=1e-12)  # E(2U-1)²
    for s in (0.5, 1.0, 2.0):
        assert A.profile_constant(2, bias_std=s) == pytest.approx(1 / (2 * math.pi * math.sqrt(1 + 2 * s * s)))
    # bias-free: g^{(k)}(0)², odd k >= 3 vanish for ReLU
    np.testing.assert_allclose(A.profile_constant([0, 1, 2, 3, 4, 5], bias_std=0.0),
                               [1 / (2 * math.pi), 0.25, 1 / (2 * math.pi), 0.0, 1 / (2 * math.pi), 0.0],
                               atol=1e-15)


def test_profile_constant_generic_activation_against_quadrature():
    k, s = 3, 1.0
    want = bias_average_by_quad(lambda b: stein_derivative_by_quad(k, b, "tanh") ** 2, s)
    assert A.profile_constant(k, activation="tanh", bias_std=s) == pytest.approx(want, rel=1e-6)
    assert A.profile_constant(k, activation=torch.tanh, bias_std=s) == pytest.approx(want, rel=1e-6)


def test_profile_constant_is_the_large_n_limit():
    """n^k A_k(n) → C_k: at n = 14 the k = 1, 2 ratios are within a few standard errors + O(k²/n)."""
    n = 14
    p = A.neuron_fourier_profile(n, n_init=300, seed=11)
    for k in (1, 2):
        ratio = p.values[k] * n**k / A.profile_constant(k)
        se = p.stderr[k] * n**k / A.profile_constant(k)
        assert abs(ratio - 1) < 3 * se + k * k / n, (k, ratio, se)


@pytest.mark.parametrize("bad, match", [({"k": -1}, "k=-1"), ({"k": 1.5}, "k=1.5"), ({"k": "2"}, "k='2'"),
                                        ({"k": 1, "bias_std": float("nan")}, "bias_std=nan"),
                                        ({"k": 1, "activation": "swish"}, "swish")])
def test_profile_constant_bad_inputs(bad, match):
    with pytest.raises(ValueError, match=match):
        A.profile_constant(**bad)


# ------------------------------------------------------------------------------------------------
# inal
# ------------------------------------------------------------------------------------------------


def inal_by_loops(target, factory, n_init, seed=0):
    """Per-layer mean of (mean_x f h_v)² with an explicit cube, one model at a time, float64."""
    n = target.n
    X = torch.tensor(cube_by_product(n))
    f = torch.tensor(target(cube_by_product(n).astype(np.int8)))
    rows = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        models = [factory().double().requires_grad_(False) for _ in range(n_init)]
    for model in models:
        layers, h = [], X
        for module in model:
            h = module(h)
            if not isinstance(module, nn.Linear):
                layers.append(h)
        layers.append(h)
        rows.append([float(((f[:, None] * t).mean(0) ** 2).mean()) for t in layers])
    return np.array(rows).mean(axis=0)


def net(n, widths, **kw):
    return lambda: fully_connected(n, widths, **kw)


@pytest.mark.parametrize("widths, kw", [
    ([12], {}),
    ([12, 6], {}),
    ([10, 6, 4], {"activation": "tanh"}),
    ([12], {"activation": "sign", "bias_std": 0.5}),
    ([12, 6], {"bias_std": 0.0}),
    ([12], {"init": "rademacher"}),
    ([8], {"out_features": 3}),
])
def test_exact_inal_matches_explicit_loops(widths, kw):
    target = B.Majority(7)
    got = A.inal(target, net(7, widths, **kw), n_init=5, seed=3)
    want = inal_by_loops(target, net(7, widths, **kw), 5, seed=3)
    np.testing.assert_allclose(got.layer_values, want, rtol=1e-10, atol=1e-18)
    assert got.layer_widths == tuple(widths) + (kw.get("out_features", 1),)
    assert got.value == pytest.approx(want.max()) and got.layer == int(np.argmax(want))


def test_exact_inal_in_blocks_matches_explicit_loops(monkeypatch):
    """Force tiny work buffers so the cube is split into many blocks and the neurons into many jobs."""
    monkeypatch.setattr(A, "HOT_BYTES", 2**9)
    monkeypatch.setattr(A, "CHUNK_ELEMENTS", 2**7)
    target = B.Staircase(8, 5)
    for widths in ([24], [16, 8]):
        got = A.inal(target, net(8, widths), n_init=4, seed=1)
        np.testing.assert_allclose(got.layer_values, inal_by_loops(target, net(8, widths), 4, seed=1), rtol=1e-10)
        got32 = A.inal(target, net(8, widths), n_init=4, seed=1, dtype=torch.float32)
        np.testing.assert_allclose(got32.layer_values, got.layer_values, rtol=1e-4)


def test_result_object_and_determinism():
    state = torch.random.get_rng_state()
    r = A.inal(B.Dictator(6), net(6, [8]), n_init=6, seed=2)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator is left as it was
    assert r.samples.shape == (6, 2) and r.n_init == 6 and r.layer_names == ("hidden 1", "output")
    np.testing.assert_allclose(r.layer_values, r.samples.mean(0))
    np.testing.assert_allclose(r.layer_stderr, r.samples.std(0, ddof=1) / math.sqrt(6))
    assert r.stderr == r.layer_stderr[r.layer]
    np.testing.assert_array_equal(A.inal(B.Dictator(6), net(6, [8]), n_init=6, seed=2).samples, r.samples)
    assert not np.array_equal(A.inal(B.Dictator(6), net(6, [8]), n_init=6, seed=5).samples, r.samples)
    assert "hidden 1" in repr(r) or "output" in repr(r)


def test_exact_and_sampled_agree_within_three_standard_errors():
    target = B.Majority(7)
    exact = A.inal(target, net(7, [16, 8]), n_init=200, seed=0)
    sampled = A.inal(target, net(7, [16, 8]), n_init=200, inputs=300, seed=1)
    se = np.hypot(exact.layer_stderr, sampled.layer_stderr)
    assert np.all(np.abs(exact.layer_values - sampled.layer_values) < 3 * se), (exact.layer_values,
                                                                                sampled.layer_values, se)


def test_sampled_estimator_is_unbiased_where_the_naive_one_is_not():
    """3-parity on n = 10: INAL ~ 1e-4 while the naive square of a 64-sample mean is off by ~1e-2."""
    target, N = B.Parity(10, [0, 1, 2]), 64
    exact = A.inal(target, net(10, [4]), n_init=100, seed=0).layer_values[0]
    sampled = A.inal(target, net(10, [4]), n_init=1500, inputs=N, seed=1)
    assert abs(sampled.layer_values[0] - exact) < 3 * sampled.layer_stderr[0]
    # the naive estimator on the same kind of draws, computed here: biased by about E[h²]/N
    rng = np.random.default_rng(2)
    naive = []
    for i in range(300):
        model = fully_connected(10, [4], seed=1000 + i).double().requires_grad_(False)
        X = 1 - 2 * rng.integers(0, 2, (N, 10))
        h = model[1](model[0](torch.tensor(X, dtype=torch.float64))).numpy()
        naive.append(np.mean((target(X.astype(np.int8))[:, None] * h).mean(0) ** 2))
    assert np.mean(naive) - exact > 10 * np.std(naive) / math.sqrt(300)
    biased = A.inal(target, net(10, [4]), n_init=300, inputs=N, seed=3, unbiased=False)  # the same biased quantity
    assert abs(biased.layer_values[0] - np.mean(naive)) < 3 * math.hypot(biased.layer_stderr[0],
                                                                          np.std(naive) / math.sqrt(300))
    assert sampled.layer_stderr[0] < 0.1 * (np.mean(naive) - exact)  # the test resolves that bias


def test_generic_path_matches_fast_path_in_both_modes():
    class Wrapped(nn.Module):  # not a Sequential: evaluated with forward hooks, one model at a time
        def __init__(self):
            super().__init__()
            self.body = fully_connected(6, [8, 4])

        def forward(self, x):
            return self.body(x)

    for inputs in ("exact", 500):
        fast = A.inal(B.Staircase(6, 3), net(6, [8, 4]), n_init=4, inputs=inputs, seed=7)
        slow = A.inal(B.Staircase(6, 3), Wrapped, n_init=4, inputs=inputs, seed=7)
        np.testing.assert_allclose(slow.layer_values, fast.layer_values, rtol=1e-9, atol=1e-18)


def test_custom_sequential_factory():
    n = 6

    def factory():
        return nn.Sequential(nn.Linear(n, 10), nn.GELU(), nn.Linear(10, 5), nn.Sigmoid(), nn.Linear(5, 1))

    r = A.inal(B.Staircase(n, 3), factory, n_init=4, seed=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        models = [factory().double().requires_grad_(False) for _ in range(4)]
    X = torch.tensor(cube_by_product(n))
    f = torch.tensor(B.Staircase(n, 3)(cube_by_product(n).astype(np.int8)))
    want = np.mean([[float(((f[:, None] * h).mean(0) ** 2).mean()) for h in neuron_outputs_(m, X)]
                    for m in models], axis=0)
    np.testing.assert_allclose(r.layer_values, want, rtol=1e-10)
    # a module the fast path does not know (LayerNorm): the generic path, same definition of neurons
    ln = lambda: nn.Sequential(nn.Linear(n, 8), nn.LayerNorm(8), nn.ReLU(), nn.Linear(8, 1))  # noqa: E731
    r2 = A.inal(B.Staircase(n, 3), ln, n_init=3, seed=0)
    assert r2.layer_widths == (8, 8, 1) and np.all(np.isfinite(r2.layer_values))


def neuron_outputs_(model, X):
    """Activations and output of a Sequential by explicit iteration (reference for neuron_outputs)."""
    out, h = [], X
    for m in model:
        h = m(h)
        if not isinstance(m, nn.Linear):
            out.append(h)
    return out + [h]


def test_spectral_identity_against_the_direct_estimate():
    """First-layer INAL of fully_connected equals Σ_k W^{=k} A_k (independent draws, 3 s.e.)."""
    for target in (B.Majority(7), B.Staircase(7, 5), B.Parity(7, [1, 3])):
        direct = A.inal(target, net(7, [32]), n_init=300, seed=0)
        profile = A.neuron_fourier_profile(7, n_init=2000, seed=1)
        value, se = A.spectral_inal(target, profile, return_stderr=True)
        assert abs(direct.layer_values[0] - value) < 3 * math.hypot(direct.layer_stderr[0], se)


def test_output_neuron_matches_hidden_neurons():
    """Σ_j a_j h_j with Var a_j = 1/width: cross terms vanish, E[out²-corr] = mean hidden."""
    r = A.inal(B.Majority(7), net(7, [16]), n_init=3000, seed=4)
    assert abs(r.layer_values[0] - r.layer_values[1]) < 3 * math.hypot(*r.layer_stderr)
    assert r.layer_stderr[1] < 0.1 * r.layer_values[1]


def test_bias_free_relu_network_has_zero_inal_for_odd_parities():
    for S in ([0, 1, 2], [0, 1, 2, 3, 4]):
        r = A.inal(B.Parity(7, S), net(7, [16], bias_std=0.0), n_init=4)
        assert np.max(np.abs(r.layer_values)) < 1e-28
    assert A.inal(B.Parity(7, [0, 1]), net(7, [16], bias_std=0.0), n_init=4).value > 1e-6


def test_inal_accepts_a_plain_callable_target():
    def xor(x):
        return x[..., 0] * x[..., 1]

    xor.n = 5
    a = A.inal(xor, net(5, [8]), n_init=3).layer_values
    np.testing.assert_allclose(a, A.inal(B.Parity(5, [0, 1]), net(5, [8]), n_init=3).layer_values)


class _NotBoolean:
    n = 5

    def __call__(self, x):
        return 0.5 * x[..., 0]


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((B.Majority(5), net(7, [4])), {"n_init": 3}, ValueError, "n=5 inputs .* takes 7"),
    ((_NotBoolean(), net(5, [4])), {"n_init": 3}, ValueError, "values in \\{-1, \\+1\\}.*0.5"),
    ((_NotBoolean(), net(5, [4])), {"n_init": 3, "inputs": 50}, ValueError, "values in"),
    ((B.Parity(30, [0]), net(30, [4])), {"n_init": 3}, ValueError, "n=30 .*at most n=24.*inputs=N"),
    ((B.Majority(5), net(5, [4])), {"n_init": 1}, ValueError, "n_init=1"),
    ((B.Majority(5), net(5, [4])), {"n_init": 3, "inputs": "all"}, ValueError, "inputs='all'"),
    ((B.Majority(5), net(5, [4])), {"n_init": 3, "inputs": 1}, ValueError, "inputs=1"),
    ((B.Majority(5), net(5, [4])), {"n_init": 3, "dtype": torch.float16}, ValueError, "dtype"),
    ((B.Majority(5), fully_connected(5, [4])), {"n_init": 3}, TypeError, "zero-argument factory"),
    ((B.Majority(5), lambda: "net"), {"n_init": 3}, TypeError, "returned str"),
    ((B.Majority(5), net(5, [4], seed=0)), {"n_init": 3}, ValueError, "identical parameters"),
    ((np.sign, net(5, [4])), {"n_init": 3}, TypeError, "attribute .n"),
])
def test_inal_bad_inputs(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        A.inal(*args, **kwargs)


def test_inal_network_that_cannot_take_n_inputs():
    class Bad(nn.Module):
        def forward(self, x):
            return x[:, :3] @ torch.ones(4, 1, dtype=x.dtype)

    with pytest.raises(ValueError, match="could not be evaluated"):
        A.inal(B.Majority(5), Bad, n_init=2)


@given(st.integers(2, 7), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_exact_inal_is_at_most_the_second_moment(n, width, seed):
    """Cauchy–Schwarz: (E f h)² <= E h² for ±1 f, neuron by neuron (a property over random nets)."""
    r = A.inal(B.Dictator(n), net(n, [width]), n_init=2, seed=seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        models = [fully_connected(n, [width]).double().requires_grad_(False) for _ in range(2)]
    X = torch.tensor(cube_by_product(n))
    bound = np.mean([[float((h**2).mean(0).mean()) for h in neuron_outputs_(m, X)] for m in models], axis=0)
    assert np.all(r.layer_values <= bound * (1 + 1e-12) + 1e-15)
    assert np.all(r.layer_values >= 0)


# ------------------------------------------------------------------------------------------------
# the exact expectation (inal_utils.expected, re-exported here) against the Monte Carlo estimator
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target,depth", [(B.Parity(7, [0, 1]), 3), (B.Majority(7), 3), (B.Parity(7, [0, 1, 2]), 2)])
def test_expected_inal_matches_exact_inputs_monte_carlo_at_depth(target, depth):
    """Every hidden layer of width 512: the infinite-width expectation is inside the Monte Carlo error bars."""
    est = A.inal(target, lambda: fully_connected(7, [512] * depth), n_init=32, seed=1)
    exact = A.expected_inal(target, depth)
    z = (est.layer_values[:-1] - exact.layer_values[:-1]) / est.layer_stderr[:-1]
    assert np.all(np.abs(z) < 4), z


@pytest.mark.parametrize("bias_std", [0.0, 1.0])
def test_expected_inal_first_layer_and_output_are_exact_at_any_width(bias_std):
    f = B.Staircase(6, 3)
    est = A.inal(f, lambda: fully_connected(6, [8], bias_std=bias_std), n_init=3000, seed=3)
    exact = A.expected_inal(f, 1, bias_std=bias_std)
    z = (est.layer_values - exact.layer_values) / est.layer_stderr
    assert np.all(np.abs(z) < 4), z


def test_expected_inal_depth_one_matches_monte_carlo_for_sign_and_rademacher():
    f = B.Parity(6, [0, 1])
    for kw in ({"activation": "sign"}, {"init": "rademacher"}):
        est = A.inal(f, lambda: fully_connected(6, [256], **kw), n_init=200, seed=5)
        exact = A.expected_inal(f, 1, **kw)
        assert abs(est.layer_values[0] - exact.layer_values[0]) < 4 * est.layer_stderr[0]


def test_alignment_reexports_the_exact_theory():
    from inal_utils import expected

    assert A.expected_inal is expected.expected_inal
    assert A.spectral_inal is expected.spectral_inal and A.profile_constant is expected.profile_constant


# ------------------------------------------------------------------------------------------------
# bad input (each test returned a number, hung or raised something else before the fix)
# ------------------------------------------------------------------------------------------------


def _factory():
    return N.fully_connected(3, [4])


def test_spectral_inal_refuses_negative_profile():
    """A negative A_k gave a negative 'expected squared correlation' (-0.5)."""
    with pytest.raises(ValueError, match="profile has negative"):
        A.spectral_inal(B.Dictator(3), np.array([0.1, -0.5, 0.1, 0.1]))


def test_neuron_degree_profile_refuses_complex_nan_and_nan_activations():
    with pytest.raises(TypeError, match="weights has complex"):
        A.neuron_degree_profile(np.ones((2, 3)) + 1j)
    with pytest.raises(ValueError, match="biases has 1 non-finite"):
        A.neuron_degree_profile(np.ones((2, 3)), np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="activation='log' returned non-finite"):
        A.neuron_degree_profile(np.ones((2, 3)), activation=torch.log)


def test_inal_seed_device_and_meta_factory():
    f = B.Parity(3, [0, 1])
    for seed in (None, -1, 2**64, 1.0):
        with pytest.raises((TypeError, ValueError), match="seed"):
            A.inal(f, _factory, n_init=2, seed=seed)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            A.inal(f, _factory, n_init=2, device="cuda")
    with pytest.raises(ValueError, match="meta device"):
        A.inal(f, _factory, n_init=2, device="meta")
    with pytest.raises(ValueError, match="network\\(\\) has parameters on the meta device"):
        A.inal(f, lambda: N.fully_connected(3, [4]).to("meta"), n_init=2)
    with pytest.raises((TypeError, ValueError), match="seed"):
        A.neuron_fourier_profile(3, n_init=2, seed=None)


def test_inal_work_is_bounded_up_front():
    """inputs=10**12 and n_init=10**8 ran without bound."""
    f = B.Parity(3, [0, 1])
    with pytest.raises(ValueError, match="use fewer initialisations"):
        A.inal(f, _factory, n_init=2, inputs=10**12)
    with pytest.raises(ValueError, match="n_init=100000000 must be <="):
        A.inal(f, _factory, n_init=10**8)
    with pytest.raises(ValueError, match="n_init=100000000 must be <="):
        A.neuron_fourier_profile(3, n_init=10**8)


def test_exact_mode_refusal_names_the_alternative():
    with pytest.raises(ValueError, match="Sample inputs with inputs=N"):
        A.neuron_degree_profile(np.ones((1, 25)))


def test_inal_result_from_samples_refuses_empty_and_nan():
    """Zero samples gave value=nan, stderr=nan."""
    with pytest.raises(ValueError, match="samples has 0 rows"):
        A.InalResult.from_samples(np.ones((0, 2)), [4, 1], "exact")
    with pytest.raises(ValueError, match="samples has 1 non-finite"):
        A.InalResult.from_samples(np.array([[1.0, np.nan], [1.0, 1.0]]), [4, 1], "exact")
    r = A.InalResult.from_samples(np.array([[1.0, 2.0], [3.0, 2.0]]), [4, 1], 8)
    assert r.value == 2.0 and r.layer == 0 and r.inputs == 8


def test_fourier_profile_keeps_a_read_only_copy():
    s = np.full((3, 4), 0.25)
    p = A.FourierProfile(3, s)
    s[0, 0] = 9.0
    assert p.values[0] == 0.25 and not p.samples.flags.writeable
    with pytest.raises(ValueError, match="samples has shape .* n=3 needs"):
        A.FourierProfile(3, np.ones((3, 5)))


def test_profile_constant_many_nodes_is_refused_not_nan():
    """n_nodes=1000 returned NaN."""
    with pytest.raises(ValueError, match="n_nodes=1000"):
        A.profile_constant(2, n_nodes=1000)
