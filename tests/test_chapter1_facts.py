"""The identities chapter 1 states, checked for many n (they are facts, not claims for its table).

``tests/test_boolean.py`` tests the package's building blocks (the transform against the Sylvester matrix,
orthonormality, Parseval, majority's closed form, the inner product being bent, the extension). This file
checks the statements the chapter's prose makes on top of them, each against an independent computation.
"""

import itertools
from math import comb, pi, sqrt

import numpy as np
import pytest
from scipy.linalg import hadamard

from inal_utils import boolean as B


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_character_truth_tables_are_hadamard_rows_and_orthonormal(n):
    chars = np.stack([B.Parity(n, [j for j in range(n) if S >> j & 1]).truth_table() for S in range(2**n)])
    np.testing.assert_array_equal(chars, hadamard(2**n))
    np.testing.assert_allclose(chars @ chars.T / 2**n, np.eye(2**n), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [3, 5, 7, 9])
def test_majority_level_one_coefficients_equal_the_central_binomial(n):
    coef = B.Majority(n).fourier()
    singletons = coef[[1 << j for j in range(n)]]
    expected = comb(n - 1, (n - 1) // 2) / 2.0 ** (n - 1)
    np.testing.assert_allclose(singletons, expected, rtol=0, atol=1e-12)
    # majority is odd: no weight on even degrees
    w = B.degree_weights(coef)
    np.testing.assert_allclose(w[0::2], 0, rtol=0, atol=1e-12)


def test_majority_excess_over_two_over_pi_is_one_over_pi_n():
    """The Stirling rate the chapter derives: n (W¹ − 2/π) → 1/π, from the exact closed form at large n."""
    def w1(n):
        m = (n - 1) // 2
        # log of C(2m, m) / 4^m, exact enough in floating point through lgamma
        from math import lgamma, log, exp
        c = exp(lgamma(2 * m + 1) - 2 * lgamma(m + 1) - 2 * m * log(2))
        return n * c**2

    for n in (1001, 10001, 100001):
        gap = n * (w1(n) - 2 / pi)
        assert abs(gap - 1 / pi) < 2.0 / n  # the O(1/n) correction
    # and the transform agrees with the closed form where both are computable
    assert abs(B.degree_weights(B.Majority(15).fourier())[1] - w1(15)) < 1e-12


@pytest.mark.parametrize("n", [3, 5, 9])
def test_extended_inner_product_is_bent_only_on_its_own_inputs(n):
    c = B.extend(B.InnerProductMod2(n - 1), n).fourier()
    contains_last = np.arange(2**n) >= 2 ** (n - 1)
    np.testing.assert_allclose(np.abs(c[~contains_last]), 2.0 ** (-(n - 1) / 2), rtol=0, atol=1e-12)
    np.testing.assert_allclose(c[contains_last], 0, rtol=0, atol=1e-12)
    # hence its low-degree weight: the empty set and the n-1 singletons of the first n-1 inputs
    assert B.low_degree_weight(c, 1) == pytest.approx(n * 2.0 ** (-(n - 1)), abs=1e-12)


@pytest.mark.parametrize("n", [4, 7, 10])
def test_low_degree_weights_the_chapter_quotes(n):
    assert B.low_degree_weight(B.Dictator(n).fourier(), 1) == pytest.approx(1.0, abs=1e-12)
    assert B.low_degree_weight(B.Parity(n, [0, 1, 2]).fourier(), 2) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3])
def test_random_function_mean_degree_mean_and_variance_exactly(n):
    """E[D] = n/2 and Var[D] = n 2^-(n+1) for D = Σ|S| f̂(S)², over ALL functions {±1}^n → {±1}."""
    sizes = B.subset_sizes(n).astype(float)
    degrees = []
    for values in itertools.product([-1.0, 1.0], repeat=2**n):
        degrees.append(float(np.sum(sizes * B.fourier_coefficients(np.array(values)) ** 2)))
    degrees = np.array(degrees)
    assert degrees.mean() == pytest.approx(n / 2, abs=1e-12)
    assert degrees.var() == pytest.approx(n * 2.0 ** -(n + 1), abs=1e-12)
    assert sqrt(degrees.var()) > 0  # the formula is not vacuous


def test_mean_degree_is_total_influence():
    """Σ|S| f̂(S)² equals the total influence Σ_i Pr[f(x) ≠ f(x with x_i flipped)] (brute force)."""
    n = 6
    f = B.RandomBoolean(n, seed=3)
    x = B.hypercube(n)
    fx = f(x)
    influence = 0.0
    for i in range(n):
        flipped = x.copy()
        flipped[:, i] *= -1
        influence += np.mean(fx != f(flipped))
    mean_degree = np.sum(B.subset_sizes(n) * f.fourier() ** 2)
    assert mean_degree == pytest.approx(influence, abs=1e-12)
