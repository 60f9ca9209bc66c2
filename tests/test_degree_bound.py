"""Tests for :mod:`inal_utils.degree_bound`, each against an independent computation.

Independent references: Monte Carlo over the neuron's weights with the cube enumerated and the
transform done with an explicit Sylvester matrix (``scipy.linalg.hadamard``); the first-layer INAL
as a quadratic form ``4^{-n} fᵀ G f`` with the kernel Gram matrix (no Fourier transform at all);
Fourier coefficients of ``z ↦ K(Σz/n)`` by enumerating ``z``; Parseval; the bias-free identities
``relu(t) = t/2 + |t|/2``; the large-``n`` constants of :func:`inal_utils.alignment.profile_constant`;
and the Monte Carlo profile of :func:`inal_utils.alignment.neuron_fourier_profile`.
"""

import itertools
from math import comb

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

import mpmath
import torch

from inal_utils import boolean as B
from inal_utils import degree_bound as D
from inal_utils import expected as E

from inal_utils.alignment import neuron_degree_profile, neuron_fourier_profile, profile_constant, spectral_inal
from inal_utils.networks import fully_connected

# ------------------------------------------------------------------------------------------------
# independent references
# ------------------------------------------------------------------------------------------------


def popcount(i):
    return bin(i).count("1")


def sylvester_fourier(values):
    """f̂ = H f / 2^n with the explicit Hadamard matrix (row S = truth table of χ_S)."""
    values = np.asarray(values, dtype=float)
    return scipy.linalg.hadamard(values.shape[-1]) @ values.T / values.shape[-1]


def per_degree_mean_sq(coeffs, n):
    """Mean of ĥ(S)² over |S| = k, by explicit popcounts (coeffs: (2^n, M))."""
    sizes = np.array([popcount(S) for S in range(2**n)])
    return np.stack([np.mean(coeffs[sizes == k] ** 2, axis=0) for k in range(n + 1)], axis=1)


def mc_profile(n, activation, bias_std, n_init, seed):
    """A_k(n) by Monte Carlo over (w, b), exact over the cube: mean and standard error."""
    rng = np.random.default_rng(seed)
    X = np.array(list(itertools.product([1, -1], repeat=n)))[:, ::-1]  # hypercube(n) row order
    W = rng.standard_normal((n_init, n)) / np.sqrt(n)
    b = rng.standard_normal(n_init) * bias_std
    pre = X @ W.T + b
    H = np.maximum(pre, 0.0) if activation == "relu" else np.sign(pre)
    per = per_degree_mean_sq(sylvester_fourier(H.T), n)
    return per.mean(axis=0), per.std(axis=0, ddof=1) / np.sqrt(n_init)


def gram_inal(values, activation, bias_std):
    """E_θ[(E_x f h)²] = 4^{-n} Σ_{x,x'} f(x) f(x') K(⟨x,x'⟩/n): no Fourier transform involved."""
    n = int(np.log2(len(values)))
    X = B.hypercube(n).astype(float)
    G = D.neuron_kernel(X @ X.T / n, activation=activation, bias_std=bias_std)
    return float(values @ G @ values) / 4**n


# ------------------------------------------------------------------------------------------------
# the kernel and the exact profile
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "sign"])
@pytest.mark.parametrize("bias_std", [0.0, 1.0, 2.0])
def test_kernel_matches_monte_carlo_over_weights(activation, bias_std):
    n, samples = 6, 400_000
    x = np.array([1, 1, 1, 1, -1, 1.0])
    y = np.array([1, -1, 1, 1, -1, -1.0])  # <x, y>/n = 1/3
    rng = np.random.default_rng(3)
    w = rng.standard_normal((samples, n)) / np.sqrt(n)
    b = rng.standard_normal(samples) * bias_std
    act = (lambda t: np.maximum(t, 0)) if activation == "relu" else np.sign
    z = act(w @ x + b) * act(w @ y + b)
    expected = D.neuron_kernel(x @ y / n, activation=activation, bias_std=bias_std)
    assert abs(z.mean() - expected) < 5 * z.std() / np.sqrt(samples)


@pytest.mark.parametrize("activation,bias_std", [("relu", 1.0), ("relu", 0.0), ("relu", 0.5), ("sign", 1.0)])
def test_exact_profile_matches_brute_force_monte_carlo(activation, bias_std):
    n = 5
    mean, se = mc_profile(n, activation, bias_std, n_init=20_000, seed=1)
    exact = D.exact_neuron_profile(n, activation=activation, bias_std=bias_std)
    low = (exact > 0) & (np.arange(n + 1) <= 3)  # high-degree samples are heavy-tailed: their SE is unreliable
    assert np.all(np.abs(mean[low] - exact[low]) < 5 * se[low])
    assert np.all(mean[exact == 0] < 1e-20)  # exact zeros are zeros of the brute force too


def test_exact_profile_matches_alignment_monte_carlo_profile():
    n = 8
    profile = neuron_fourier_profile(n, n_init=3000, seed=5)
    exact = D.exact_neuron_profile(n)
    low = slice(0, 5)  # degrees <= 4; higher degrees are covered exactly by the enumeration test below
    assert np.all(np.abs(profile.values[low] - exact[low]) < 5 * profile.stderr[low])


@pytest.mark.parametrize("activation,bias_std", [("relu", 1.0), ("relu", 0.0), ("sign", 0.7)])
@pytest.mark.parametrize("n", [3, 10])
def test_exact_profile_matches_enumerated_symmetric_function(n, activation, bias_std):
    """A_k = E_z[χ_S(z) K(Σz/n)] by enumerating z and transforming: no Krawtchouk polynomials."""
    X = B.hypercube(n).astype(float)
    F = D.neuron_kernel(X.sum(axis=1) / n, activation=activation, bias_std=bias_std)
    coeffs = sylvester_fourier(F)
    direct = np.array([coeffs[(1 << k) - 1] for k in range(n + 1)])  # S = {0..k-1}
    exact = D.exact_neuron_profile(n, activation=activation, bias_std=bias_std)
    big = np.abs(direct) > 1e-9
    np.testing.assert_allclose(exact[big], direct[big], rtol=1e-6)
    assert np.all(exact[~big] < 1e-8)


@pytest.mark.parametrize("n", [3, 17, 150])
@pytest.mark.parametrize("activation,bias_std,total", [("relu", 1.0, 1.0), ("relu", 0.0, 0.5), ("relu", 2.0, 2.5),
                                                       ("sign", 1.0, 1.0)])
def test_exact_profile_parseval(n, activation, bias_std, total):
    """Σ_k C(n,k) A_k(n) = E[σ(w·x+b)²] = E σ(N(0, 1+s²))²: (1+s²)/2 for ReLU, 1 for sign."""
    a = D.exact_neuron_profile(n, activation=activation, bias_std=bias_std)
    assert sum(comb(n, k) * a[k] for k in range(n + 1)) == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("n", [4, 9, 40])
def test_bias_free_zero_pattern(n):
    relu = D.exact_neuron_profile(n, bias_std=0.0)
    assert relu[1] == pytest.approx(1 / (4 * n), rel=1e-12)  # the linear part t/2 of relu(t)
    assert np.all(relu[3::2] == 0.0) and np.all(relu[0::2] > 0)
    sign = D.exact_neuron_profile(n, activation="sign", bias_std=0.0)
    assert np.all(sign[0::2] == 0.0) and np.all(sign[1::2] > 0)
    assert np.all(D.exact_neuron_profile(n, bias_std=1.0) > 0)  # random biases: every degree is present


@pytest.mark.parametrize("bias_std", [1.0, 0.5])
def test_exact_profile_large_n_constants(bias_std):
    n = 1000
    a = D.exact_neuron_profile(n, bias_std=bias_std, k_max=4)
    for k in range(1, 5):
        assert n**k * a[k] == pytest.approx(profile_constant(k, bias_std=bias_std), rel=0.02)


def test_exact_profile_k_max_is_a_prefix():
    np.testing.assert_array_equal(D.exact_neuron_profile(30, k_max=5), D.exact_neuron_profile(30)[:6])


# ------------------------------------------------------------------------------------------------
# the bound (property-based)
# ------------------------------------------------------------------------------------------------


@given(n=st.integers(2, 7), seed=st.integers(0, 2**32 - 1), boolean=st.booleans(),
       activation=st.sampled_from(["relu", "sign"]), bias_std=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_per_degree_inequality_on_random_functions(n, seed, boolean, activation, bias_std):
    rng = np.random.default_rng(seed)
    values = rng.choice([-1.0, 1.0], 2**n) if boolean else rng.standard_normal(2**n)
    w = B.degree_weights(sylvester_fourier(values))
    a = D.exact_neuron_profile(n, activation=activation, bias_std=bias_std)
    inal = gram_inal(values, activation, bias_std)
    assert spectral_inal(None, a, weights=w) == pytest.approx(inal, rel=1e-9, abs=1e-15)  # the identity
    bound = D.per_degree_bound(inal, a)
    assert np.all(w <= bound * (1 + 1e-9) + 1e-15)
    assert np.all(D.per_degree_slack(w, a, inal) >= -1e-9 * bound)
    for k in range(n + 1):  # the O(n^{k+1}) form, with the worst case over all f
        assert D.bound_ratio(w, inal, k) <= D.ratio_envelope(a, k) * (1 + 1e-9)


@given(n=st.integers(1, 8), seed=st.integers(0, 2**32 - 1), bias_std=st.sampled_from([0.5, 1.0]))
def test_bound_is_exact_on_parities(n, seed, bias_std):
    rng = np.random.default_rng(seed)
    S = [j for j in range(n) if rng.random() < 0.5]
    k = len(S)
    w = D.degree_profile(B.Parity(n, S))
    a = D.exact_neuron_profile(n, bias_std=bias_std)
    inal = gram_inal(B.Parity(n, S).truth_table(), "relu", bias_std)
    assert inal == pytest.approx(a[k], rel=1e-9)
    assert D.per_degree_bound(inal, a)[k] == pytest.approx(1.0, rel=1e-9)  # W^{=k} = 1 = INAL / A_k
    assert D.per_degree_slack(w, a)[k] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(D.degree_shares(w, a), np.eye(n + 1)[k], atol=1e-12)
    assert D.bound_ratio(w, inal, n) == pytest.approx(1 / (n ** (n + 1) * inal), rel=1e-9)


def test_envelope_is_attained_by_the_k_parity():
    n = 12
    a = D.exact_neuron_profile(n)
    for k in (1, 2, 3):
        w = D.degree_profile(B.Parity(n, range(k)))
        inal = spectral_inal(None, a, weights=w)
        assert D.bound_ratio(w, inal, k) == pytest.approx(D.ratio_envelope(a, k), rel=1e-12)
        assert D.ratio_envelope(D.exact_neuron_profile(n, k_max=k), k, n=n) == D.ratio_envelope(a, k)


def test_bias_free_three_parity_has_zero_inal_and_infinite_bound():
    n = 6
    a = D.exact_neuron_profile(n, bias_std=0.0)
    values = B.Parity(n, [0, 1, 2]).truth_table()
    assert gram_inal(values, "relu", 0.0) == pytest.approx(0.0, abs=1e-15)
    w = D.degree_profile(B.Parity(n, [0, 1, 2]))
    assert D.bound_ratio(w, 0.0, 3) == np.inf and D.bound_ratio(w, 0.0, 2) == 0.0
    assert D.per_degree_bound(0.0, a)[3] == np.inf and D.ratio_envelope(a, 3) == np.inf


# ------------------------------------------------------------------------------------------------
# degree profiles and mixtures
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("degrees", [[1, 3], [0, 2, 2, 5], [4, 1]])
def test_selector_mixture_is_boolean_with_closed_form_profile(degrees):
    n = 9
    f = D.selector_mixture(n, degrees, seed=2)
    values = f.truth_table()
    assert set(np.unique(values)) <= {-1.0, 1.0}
    brute = B.degree_weights(sylvester_fourier(values))
    np.testing.assert_allclose(brute, D.selector_mixture_weights(n, degrees), atol=1e-12)
    np.testing.assert_allclose(D.degree_profile(f), brute, atol=1e-12)


def test_parity_mixture_profile_and_norm():
    n = 7
    f = D.parity_mixture(n, [1, 2, 2, 4], weights=[1, 1, 2, 4], seed=3)
    values = f.truth_table()
    assert np.mean(values**2) == pytest.approx(1.0)
    expected = np.zeros(n + 1)
    expected[[1, 2, 4]] = [1 / 8, 3 / 8, 4 / 8]
    np.testing.assert_allclose(B.degree_weights(sylvester_fourier(values)), expected, atol=1e-12)


def test_degree_profile_of_extension_without_enumeration():
    f = B.Staircase(5)
    small = B.extend(f, 11)
    np.testing.assert_allclose(D.degree_profile(small), B.degree_weights(sylvester_fourier(small.truth_table())),
                               atol=1e-12)
    big = D.degree_profile(B.extend(f, 25**2))  # 2**625 points: never enumerated
    assert big.shape == (626,)
    np.testing.assert_allclose(big[:6], D.degree_profile(f), atol=1e-15)
    assert np.all(big[6:] == 0)


def test_layer_profiles_first_layer_matches_direct_transform_and_bias_free_zeros():
    n = 6
    model = fully_connected(n, [16], bias_std=0.0, seed=4, dtype=torch.float64)
    prof = D.layer_profiles(model, n)
    assert prof.shape == (2, n + 1)
    first = model[0]
    # bias-free odd degrees >= 3 are 0 in theory: round-off (1e-34) needs an absolute tolerance
    np.testing.assert_allclose(prof[0], neuron_degree_profile(first.weight, first.bias).mean(axis=0),
                               rtol=1e-10, atol=1e-25)
    # bias-free ReLU: the first layer and the linear output neuron carry no odd degree >= 3
    assert np.all(prof[:, 3::2] < 1e-28)
    deep = D.layer_profiles(fully_connected(n, [16, 16], bias_std=0.0, seed=4, dtype=torch.float64), n)
    assert deep.shape == (3, n + 1) and deep[1, 3] > 1e-8  # a second hidden layer creates degree 3


# ------------------------------------------------------------------------------------------------
# the verification table
# ------------------------------------------------------------------------------------------------


def test_verification_table_over_a_small_catalogue():
    targets = {
        "majority": lambda n: B.Majority(n) if n % 2 else None,
        "parity3": lambda n: B.Parity(n, range(3)),
        "random": lambda n: B.RandomBoolean(n, seed=n),
        "ip": lambda n: B.InnerProductMod2(n) if n % 2 == 0 else None,
    }
    table = D.verification_table(targets, [6, 7], lambda n: D.exact_neuron_profile(n))
    assert len(table) == 6 and table.all_hold and table.ns == [6, 7]
    for row in table:
        a = D.exact_neuron_profile(row.n)
        assert row.inal == pytest.approx(float(row.weights @ a))
        for k in table.ks:
            assert row.ratio[k] <= D.ratio_envelope(a, k) * (1 + 1e-12)
    p3 = [r for r in table if r.target == "parity3"]
    assert all(r.max_share == pytest.approx(1.0) for r in p3)
    best = table.max_ratio(3)
    assert best[6][1] == "parity3" and best[6][0] == pytest.approx(D.ratio_envelope(D.exact_neuron_profile(6), 3))
    assert "parity3" in repr(table) and "<table" in table._repr_html_()
    assert table.column("ratio", 1).shape == (6,)


def test_verification_table_accepts_a_fourier_profile():
    table = D.verification_table({"dictator": lambda n: B.Dictator(n)}, [5],
                                 lambda n: neuron_fourier_profile(n, n_init=50, seed=0))
    assert table.all_hold and table.rows[0].max_share == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------------
# bad inputs
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call,match", [
    (lambda: D.exact_neuron_profile(0), "n=0"),
    (lambda: D.exact_neuron_profile(5.0), "n=5.0"),
    (lambda: D.exact_neuron_profile(5, activation="tanh"), "activation='tanh'"),
    (lambda: D.exact_neuron_profile(5, bias_std=-1.0), "bias_std=-1.0"),
    (lambda: D.exact_neuron_profile(5, bias_std=float("nan")), "bias_std=nan"),
    (lambda: D.exact_neuron_profile(5, k_max=6), "k_max=6"),
    (lambda: D.neuron_kernel(1.5), "rho must lie"),
    (lambda: D.per_degree_bound(-0.1, [1.0, 0.5]), "inal=-0.1"),
    (lambda: D.per_degree_bound(0.1, [1.0, -0.5]), "finite A_k >= 0"),
    (lambda: D.per_degree_bound(0.1, [[1.0, 0.5]]), "1-d A_k"),
    (lambda: D.per_degree_slack([0.5, 0.5], [1.0, 0.5, 0.2]), "weights has n=1"),
    (lambda: D.per_degree_slack([0.5, -0.5], [1.0, 0.5]), "W\\^\\{=k\\} >= 0"),
    (lambda: D.degree_shares([0.0, 1.0], [1.0, 0.0]), "first-layer INAL"),
    (lambda: D.bound_ratio([0.5, 0.5], 0.1, 2), "k=2"),
    (lambda: D.ratio_envelope([1.0, 0.5], -1), "k=-1"),
    (lambda: D.ratio_envelope([1.0, 0.5, 0.2], 1, n=1), "n=1"),
    (lambda: D.layer_profiles(fully_connected(3, [4]), 0), "n=0"),
    (lambda: D.parity_mixture(4, [5]), "degrees\\[i\\]=5"),
    (lambda: D.parity_mixture(4, []), "non-empty"),
    (lambda: D.parity_mixture(4, [4, 4]), "more distinct sets"),
    (lambda: D.parity_mixture(4, [1, 2], weights=[1, -1]), "weights must be 2"),
    (lambda: D.selector_mixture(6, [1, 2, 3]), "2\\*\\*m entries"),
    (lambda: D.selector_mixture(4, [1, 4]), "degrees=\\[1, 4\\] asks for a parity"),
    (lambda: D.verification_table({}, [4], D.exact_neuron_profile), "non-empty mapping"),
    (lambda: D.verification_table({"d": B.Dictator}, [4], lambda n: np.ones(3)), "profile\\(4\\) has length 3"),
    (lambda: D.verification_table({"d": lambda n: B.Dictator(n + 1)}, [4], D.exact_neuron_profile), "has n=5"),
    (lambda: D.verification_table({"d": B.Dictator}, [2], D.exact_neuron_profile, ks=(3,)), "ns\\[i\\]=2"),
])
def test_bad_inputs_raise_clear_value_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_degree_profile_rejects_non_functions():
    with pytest.raises(TypeError, match="BooleanFunction"):
        D.degree_profile(np.ones((2, 4)))


# ------------------------------------------------------------------------------------------------
# the exact theory (inal_utils.expected): every layer, Rademacher, constants, targets at any n
# ------------------------------------------------------------------------------------------------


def gram_layer_inal(values, activation, bias_std, layer):
    """4^{-n} fᵀ G f with G = K_layer(⟨x,x'⟩/n) on the enumerated cube (float64 kernel, no transform)."""
    n = int(np.log2(len(values)))
    X = B.hypercube(n).astype(float)
    G = D.neuron_kernel(X @ X.T / n, activation=activation, bias_std=bias_std, layer=layer)
    return float(values @ G @ values) / 4**n


@pytest.mark.parametrize("activation", ["relu", "sign"])
@pytest.mark.parametrize("bias_std", [0.0, 1.0])
@pytest.mark.parametrize("make", [lambda n: B.RandomBoolean(n, seed=n), lambda n: B.Majority(n - 1 + n % 2),
                                  lambda n: B.Parity(n, range(n))])
def test_expected_inal_every_layer_matches_the_gram_quadratic_form(activation, bias_std, make):
    n = 7
    f = make(n)
    f = f if f.n == n else B.extend(f, n)
    got = E.expected_inal(f, 3, activation=activation, bias_std=bias_std)
    values = f.truth_table()
    want = [gram_layer_inal(values, activation, bias_std, l) for l in (1, 2, 3)]
    want.append(want[-1] + bias_std**2 * float(np.mean(values)) ** 2)  # output: K_3 + s²
    np.testing.assert_allclose(got.layer_values, want, rtol=1e-9, atol=1e-15)
    assert got.value == max(got.layer_values) and got.layer_names[-1] == "output"


def test_layer_kernel_recursion_matches_a_wide_random_network():
    """K_2(ρ) against the empirical two-point function of second-layer neurons of wide networks."""
    n, width, draws = 8, 1024, 40
    x = torch.ones(2, n, dtype=torch.float64)
    x[1, :2] = -1  # ρ = 1/2
    prods = []
    for seed in range(draws):
        net = fully_connected(n, [width, width], seed=seed, dtype=torch.float64)
        with torch.no_grad():
            h2 = torch.relu(net[2](torch.relu(net[0](x))))
        prods.append(float((h2[0] * h2[1]).mean()))
    mean, se = np.mean(prods), np.std(prods, ddof=1) / np.sqrt(draws)
    assert abs(mean - float(D.neuron_kernel(0.5, layer=2))) < 4 * se + 2 / width


def test_full_parity_profile_against_direct_high_precision_sum():
    """The n-th finite difference 2^{-n} Σ_m C(n,m) (-1)^m K(1-2m/n), evaluated directly with mpmath."""
    n = 128
    with mpmath.workdps(120):
        s2, v = mpmath.mpf(1), mpmath.mpf(2)
        total = mpmath.mpf(0)
        for m in range(n + 1):
            c = (mpmath.mpf(n - 2 * m) / n + s2) / v
            kern = v / (2 * mpmath.pi) * (mpmath.sqrt(1 - c * c) + (mpmath.pi - mpmath.acos(c)) * c)
            total += comb(n, m) * (-1) ** m * kern
        direct = float(total / mpmath.mpf(2) ** n)
    got = E.expected_inal(B.Parity(n, range(n))).layer_values[0]
    assert 1e-46 < got < 1e-42
    np.testing.assert_allclose(got, direct, rtol=1e-10)


@pytest.mark.parametrize("activation,bias_std", [("relu", 1.0), ("relu", 0.0), ("sign", 1.0), ("sign", 2.0)])
def test_kernel_constant_first_layer_is_profile_constant(activation, bias_std):
    np.testing.assert_allclose(E.kernel_constant(range(6), activation=activation, bias_std=bias_std),
                               profile_constant(range(6), activation=activation, bias_std=bias_std, n_nodes=300),
                               rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("layer", [2, 3])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_kernel_constant_deeper_layers_is_the_large_n_limit(layer, k):
    for n in (100, 1000):
        ratio = n**k * E.exact_neuron_profile(n, k_max=k, layer=layer)[k] / E.kernel_constant(k, layer=layer)
        assert abs(ratio - 1) < k * k / n


def test_kernel_constant_second_layer_values():
    # the two-layer constants C_k^{(2)} = K_2^{(k)}(0) for ReLU with unit-variance biases
    np.testing.assert_allclose(E.kernel_constant([1, 2, 3, 4], layer=2), [0.1329, 0.0515, 0.0302, 0.0503], atol=6e-5)


def rademacher_profile_by_quadrature(n, k, activation, bias_std):
    """E_b[ĝ_k(b)²] with ĝ_k the transform of y ↦ σ(Σy/√n + b) (Sylvester matrix), integrated by quad."""
    from scipy import integrate

    X = B.hypercube(n).astype(float)
    chi = np.prod(X[:, :k], axis=1)
    act = (lambda t: np.maximum(t, 0.0)) if activation == "relu" else np.sign
    coef = lambda b: float(np.mean(act(X.sum(axis=1) / np.sqrt(n) + b) * chi))  # noqa: E731
    kinks = sorted({-(n - 2 * j) / np.sqrt(n) for j in range(n + 1)})
    dens = lambda b: coef(b) ** 2 * np.exp(-0.5 * (b / bias_std) ** 2) / (bias_std * np.sqrt(2 * np.pi))  # noqa: E731
    edges = [-12 * bias_std] + [t for t in kinks if abs(t) < 12 * bias_std] + [12 * bias_std]
    return sum(integrate.quad(dens, a, b, epsabs=1e-15, epsrel=1e-12)[0] for a, b in zip(edges[:-1], edges[1:]))


@pytest.mark.parametrize("activation", ["relu", "sign"])
def test_rademacher_profile_against_quadrature_and_monte_carlo(activation):
    n = 6
    exact = E.exact_neuron_profile(n, activation=activation, init="rademacher")
    quad = [rademacher_profile_by_quadrature(n, k, activation, 1.0) for k in range(n + 1)]
    np.testing.assert_allclose(exact, quad, rtol=1e-7, atol=1e-13)
    mc = neuron_fourier_profile(n, activation=activation, n_init=4000, seed=2, init="rademacher")
    assert np.all(np.abs(mc.values - exact) < 4 * mc.stderr + 1e-12)
    # and it differs from the Gaussian profile (not the same law)
    assert abs(exact[n] / E.exact_neuron_profile(n, activation=activation)[n] - 1) > 0.1


def test_rademacher_full_parity_decays_polynomially_gaussian_exponentially():
    N = [16, 32, 64]
    rad = [E.expected_inal(B.Parity(n, range(n)), init="rademacher").value for n in N]
    gau = [E.expected_inal(B.Parity(n, range(n))).value for n in N]
    slope = np.polyfit(np.log(N), np.log(rad), 1)[0]
    assert -3 < slope < -1.5  # about N^{-2}
    assert gau[-1] < 1e-15 * rad[-1]


@pytest.mark.parametrize("n", [9, 11, 13])
def test_target_degree_weights_closed_forms_match_enumeration(n):
    for f in (B.Majority(n), B.Staircase(n, 3), B.Staircase(n), B.Parity(n, [1, 4, 5]), B.Dictator(n, 2),
              B.extend(B.Majority(5), n)):
        np.testing.assert_allclose(E.target_degree_weights(f), B.degree_weights(f.fourier()), atol=1e-13)


def test_expected_inal_at_large_n_without_enumeration():
    big = E.expected_inal(B.Majority(201))
    assert big.weights.sum() == pytest.approx(1.0)
    # majority's level-1 weight → 2/π, so its INAL approaches (2/π) A_1(n) ≈ (2/π) C_1/n
    assert big.value * 201 == pytest.approx(2 / np.pi * profile_constant(1), rel=0.05)
    ext = E.expected_inal(B.extend(B.Parity(20, [0, 1]), 400))
    assert ext.value == pytest.approx(E.exact_neuron_profile(400, k_max=2)[2], rel=1e-12)
    from_weights = E.expected_inal(np.eye(1, 401, 2)[0])
    assert from_weights.value == ext.value


def test_bias_free_exact_zeros_and_second_layer_degree_three():
    prof = E.exact_layer_profiles(9, 2, bias_std=0.0)
    assert np.all(prof[0, 3::2] == 0.0) and prof[0, 1] > 0
    assert prof[1, 3] > 1e-6  # depth restores degree 3
    np.testing.assert_array_equal(prof[2], prof[1])  # bias-free output = last hidden layer
    # with random biases every degree is present, in every layer
    assert np.all(E.exact_layer_profiles(16, 2) > 0)


@pytest.mark.parametrize("call,error,match", [
    (lambda: E.expected_inal(B.Dictator(4), 0), ValueError, "n_layers=0"),
    (lambda: E.expected_inal(B.Dictator(4), activation="tanh"), ValueError, "activation='tanh'"),
    (lambda: E.expected_inal(B.Dictator(4), bias_std=-1), ValueError, "bias_std=-1"),
    (lambda: E.expected_inal(B.Dictator(4), init="uniform"), ValueError, "init='uniform'"),
    (lambda: E.expected_inal(B.Dictator(4), 2, init="rademacher"), ValueError, "n_layers=2"),
    (lambda: E.expected_inal([0.5, -0.5]), ValueError, "finite and >= 0"),
    (lambda: E.expected_inal("parity"), TypeError, "BooleanFunction"),
    (lambda: E.exact_neuron_profile(5, layer=0), ValueError, "layer=0"),
    (lambda: E.exact_neuron_profile(5, layer=2, init="rademacher"), ValueError, "layer=2"),
    (lambda: E.exact_layer_profiles(5, 1, k_max=9), ValueError, "k_max=9"),
    (lambda: E.kernel_constant(-1), ValueError, "k=-1"),
    (lambda: E.kernel_constant(2, layer=0), ValueError, "layer=0"),
    (lambda: E.neuron_kernel(0.5, layer=1.5), TypeError, "layer=1.5"),
])
def test_expected_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------------------------------------
# bad input and silent wrong answers (each test failed, or got a number, before the fix)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("n, degrees", [(3, [1, 1]), (4, [1, 1]), (5, [2, 2, 1, 1]), (4, [0, 2])])
def test_selector_mixture_profile_equals_closed_form_for_every_seed(n, degrees, seed):
    """Two branches drawing the same parity set broke the closed form: (3, [1, 1], seed=0) had [0, 1, 0, 0]."""
    f = D.selector_mixture(n, degrees, seed=seed)
    np.testing.assert_allclose(D.degree_profile(f), D.selector_mixture_weights(n, degrees), atol=1e-12)


def test_selector_mixture_refuses_more_equal_degrees_than_sets():
    with pytest.raises(ValueError, match="only C\\(2,1\\) = 2 exist"):
        D.selector_mixture(4, [1, 1, 1, 1])


def test_degree_profile_never_reads_values_as_coefficients():
    """degree_profile(Parity(3, [0, 1]).truth_table()) gave [1, 3, 3, 1] (values read as coefficients)."""
    f = B.Parity(3, [0, 1])
    with pytest.raises(TypeError, match="TruthTable"):
        D.degree_profile(f.truth_table())
    np.testing.assert_allclose(D.degree_profile(B.TruthTable(f.truth_table())), [0, 0, 1, 0], atol=1e-15)
    np.testing.assert_allclose(D.degree_profile(coefficients=f.fourier()), [0, 0, 1, 0], atol=1e-15)
    with pytest.raises(ValueError, match="coefficients has 1 non-finite"):
        D.degree_profile(coefficients=[0.5, np.nan, 0.5, 0.5])


@pytest.mark.parametrize("call, error, match", [
    (lambda: E.spectral_inal(B.Dictator(3), np.array([0.1, -0.5, 0.1, 0.1])), ValueError, "profile has negative"),
    (lambda: E.spectral_inal(None, [0.1, 0.2], weights=[1.5, -0.5]), ValueError, "weights has negative"),
    (lambda: E.spectral_inal(None, [0.1, np.nan], weights=[0.5, 0.5]), ValueError, "profile has 1 non-finite"),
    (lambda: E.spectral_inal([1 + 1j, 0.0], [0.1, 0.2]), TypeError, "coefficients has complex"),
    (lambda: E.expected_inal([0.5, np.inf]), ValueError, "target has 1 non-finite"),
    (lambda: D.degree_shares(np.array([0.5, 0.5 + 1j]), [1.0, 0.5]), TypeError, "weights has complex"),
    (lambda: D.neuron_kernel(np.array([0.5, np.nan])), ValueError, "rho has 1 non-finite"),
])
def test_negative_complex_and_nan_spectra_are_refused(call, error, match):
    """A negative A_k gave spectral_inal = -0.5; complex input lost its imaginary part; NaN flowed through."""
    with pytest.raises(error, match=match):
        call()


def test_exact_profile_work_is_bounded_up_front():
    """exact_neuron_profile(5000) was accepted and ran for minutes; low degrees stay cheap at any n."""
    with pytest.raises(ValueError, match="pass a smaller k_max"):
        D.exact_neuron_profile(5000)
    with pytest.raises(ValueError, match="pass a smaller k_max"):
        D.exact_neuron_profile(2000, init="rademacher", k_max=3)
    assert D.exact_neuron_profile(5000, k_max=2).shape == (3,)


def test_profile_constant_quadrature_is_bounded():
    """n_nodes=1000 returned NaN (numpy's Gauss–Hermite weights overflow)."""
    with pytest.raises(ValueError, match="n_nodes=1000 must be <= 360"):
        profile_constant(2, n_nodes=1000)
    with pytest.raises(ValueError, match="not finite"):
        profile_constant(2, activation=torch.log)


def test_layers_and_taylor_degrees_are_bounded():
    """layer=10**9 or kernel_constant(10**6) looped without bound."""
    with pytest.raises(ValueError, match="layer=1000000000 must be <= 100"):
        E.neuron_kernel(0.5, layer=10**9)
    with pytest.raises(ValueError, match="k=1000000 must be <= 100"):
        E.kernel_constant(10**6)
    with pytest.raises(ValueError, match="n_layers=1000 must be <= 100"):
        E.exact_layer_profiles(3, 1000)
