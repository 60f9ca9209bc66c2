"""Tests for :mod:`inal_utils.boolean`, each against an independent computation.

Independent references used here: explicit loops over the cube, ``scipy.linalg.hadamard`` (the
Sylvester matrix, built explicitly), popcounts via ``bin(S).count("1")``, closed forms
(majority's level-1 weight, tribes' bias, bent functions) and the definitions of each target.
"""

import itertools
from math import comb, pi

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from inal_utils import boolean as B

# ------------------------------------------------------------------------------------------------
# independent references
# ------------------------------------------------------------------------------------------------


def popcount(i):
    return bin(i).count("1")


def cube_by_loops(n):
    """Row i, column j: -1 iff bit j of i is set (written out with loops)."""
    return np.array([[-1 if (i >> j) & 1 else 1 for j in range(n)] for i in range(2**n)])


def chi_table(n, S):
    """Truth table of χ_S in cube order: χ_S(x_i) = (-1)^{|i ∧ S|}."""
    return np.array([(-1) ** popcount(i & S) for i in range(2**n)], dtype=float)


def brute_fourier(values):
    """f̂(S) = 2^{-n} Σ_i f(x_i) χ_S(x_i), one S at a time."""
    values = np.asarray(values, dtype=float)
    N = values.size
    n = N.bit_length() - 1
    return np.array([np.mean(values * chi_table(n, S)) for S in range(N)])


def brute_degree_weights(c):
    n = len(c).bit_length() - 1
    return np.array([sum(c[S] ** 2 for S in range(len(c)) if popcount(S) == k) for k in range(n + 1)])


def mask(S):
    return sum(1 << j for j in S)


def sign_pm(v):
    """sign with sign(0) = +1."""
    return 1 if v >= 0 else -1


# ------------------------------------------------------------------------------------------------
# hypercube
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8])
def test_hypercube_row_convention_dtype_shape(n):
    X = B.hypercube(n)
    assert X.dtype == np.int8
    assert X.shape == (2**n, n)
    np.testing.assert_array_equal(X, cube_by_loops(n))


def test_hypercube_rows_are_distinct_and_complete():
    X = B.hypercube(6)
    assert len({tuple(r) for r in X}) == 64
    assert set(np.unique(X)) == {-1, 1}


def test_hypercube_refuses_too_large_n_and_names_alternative():
    with pytest.raises(ValueError, match="random_inputs") as info:
        B.hypercube(B.MAX_EXACT_N + 1)
    msg = str(info.value)
    assert str(B.MAX_EXACT_N) in msg and "Sample" in msg


@pytest.mark.parametrize("bad", [2.0, "3", None, True, np.float64(3)])
def test_hypercube_type_error_for_non_integers(bad):
    with pytest.raises(TypeError, match="integer"):
        B.hypercube(bad)


def test_hypercube_negative_n():
    with pytest.raises(ValueError, match="n=-1"):
        B.hypercube(-1)


def test_hypercube_accepts_numpy_integers():
    np.testing.assert_array_equal(B.hypercube(np.int64(3)), cube_by_loops(3))


# ------------------------------------------------------------------------------------------------
# walsh_hadamard
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(0, 11))
def test_walsh_hadamard_matches_explicit_sylvester_matrix(n):
    H = scipy.linalg.hadamard(2**n)
    v = np.random.default_rng(n).standard_normal(2**n)
    np.testing.assert_allclose(B.walsh_hadamard(v), H @ v, rtol=1e-10, atol=1e-9)


def test_walsh_hadamard_entries_are_characters():
    # out[S] = Σ_i v_i (-1)^{|i∧S|}: transform of a unit vector e_i is the row (-1)^{|i∧S|}.
    n = 5
    for i in range(2**n):
        e = np.zeros(2**n)
        e[i] = 1
        np.testing.assert_array_equal(B.walsh_hadamard(e), chi_table(n, i))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_walsh_hadamard_any_axis(axis):
    n = 4
    shape = [3, 5, 2]
    shape[axis] = 2**n
    v = np.random.default_rng(1).standard_normal(shape)
    H = scipy.linalg.hadamard(2**n)
    expected = np.moveaxis(np.tensordot(H, np.moveaxis(v, axis, 0), axes=(1, 0)), 0, axis)
    out = B.walsh_hadamard(v, axis=axis)
    assert out.shape == v.shape
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n", [1, 3, 6, 9])
def test_walsh_hadamard_batch_equals_loop(n):
    v = np.random.default_rng(2).standard_normal((4, 3, 2**n))
    out = B.walsh_hadamard(v)
    loop = np.stack([np.stack([B.walsh_hadamard(v[a, b]) for b in range(3)]) for a in range(4)])
    np.testing.assert_allclose(out, loop, rtol=1e-12, atol=1e-12)


def test_walsh_hadamard_does_not_modify_input():
    v = np.random.default_rng(3).standard_normal((2, 64))
    before = v.copy()
    B.walsh_hadamard(v)
    np.testing.assert_array_equal(v, before)
    t = torch.from_numpy(v.copy())
    B.walsh_hadamard(t)
    np.testing.assert_array_equal(t.numpy(), before)


def test_walsh_hadamard_non_contiguous_input():
    v = np.random.default_rng(4).standard_normal((32, 6))[:, ::2]  # strided view, axis 0 has 32
    H = scipy.linalg.hadamard(32)
    np.testing.assert_allclose(B.walsh_hadamard(v, axis=0), H @ v, rtol=1e-10, atol=1e-10)


def test_walsh_hadamard_dtypes_numpy():
    v32 = np.random.default_rng(5).standard_normal(256).astype(np.float32)
    out = B.walsh_hadamard(v32)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, scipy.linalg.hadamard(256) @ v32.astype(float), rtol=1e-4, atol=1e-3)
    ints = np.arange(16, dtype=np.int64)
    out = B.walsh_hadamard(ints)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, scipy.linalg.hadamard(16) @ ints)
    bools = np.arange(8) % 3 == 0
    assert B.walsh_hadamard(bools).dtype == np.float64
    assert B.walsh_hadamard(np.ones(4, dtype=np.int8)).dtype == np.float64
    # lists are fine too
    np.testing.assert_array_equal(B.walsh_hadamard([1, 2, 3, 4]), [10, -2, -4, 0])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_walsh_hadamard_torch_equals_numpy(dtype):
    v = np.random.default_rng(6).standard_normal((3, 2**7))
    t = torch.tensor(v, dtype=dtype)
    out = B.walsh_hadamard(t)
    assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.device == t.device
    tol = 1e-4 if dtype == torch.float32 else 1e-12
    np.testing.assert_allclose(out.numpy(), B.walsh_hadamard(v), rtol=tol, atol=tol)


def test_walsh_hadamard_torch_integer_tensor_gives_float64():
    out = B.walsh_hadamard(torch.arange(8))
    assert out.dtype == torch.float64
    np.testing.assert_array_equal(out.numpy(), scipy.linalg.hadamard(8) @ np.arange(8))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_walsh_hadamard_cuda_equals_numpy():
    v = np.random.default_rng(7).standard_normal((2, 2**12))
    out = B.walsh_hadamard(torch.tensor(v, device="cuda"))
    assert out.device.type == "cuda"
    np.testing.assert_allclose(out.cpu().numpy(), B.walsh_hadamard(v), rtol=1e-10, atol=1e-9)


def test_walsh_hadamard_autograd():
    # gradcheck compares autograd with finite differences (independent of the implementation).
    v = torch.randn(2, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    assert torch.autograd.gradcheck(lambda u: B.walsh_hadamard(u, axis=-1), (v,))
    # and the gradient of <w, Hv> is H w (H is symmetric)
    w = torch.randn(2, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    (B.walsh_hadamard(v) * w).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), w.numpy() @ scipy.linalg.hadamard(32), rtol=1e-10, atol=1e-10)


@given(n=st.integers(0, 9), seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 3))
def test_walsh_hadamard_inversion(n, seed, batch):
    v = np.random.default_rng(seed).standard_normal((batch, 2**n))
    np.testing.assert_allclose(B.walsh_hadamard(B.walsh_hadamard(v)), 2**n * v, rtol=1e-9, atol=1e-9)


@given(v=arrays(np.float64, st.sampled_from([1, 2, 4, 8, 16, 32]), elements=st.floats(-1e3, 1e3)))
def test_walsh_hadamard_inversion_arbitrary_values(v):
    np.testing.assert_allclose(B.walsh_hadamard(B.walsh_hadamard(v)), v.size * v, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("length", [0, 3, 6, 12, 1000])
def test_walsh_hadamard_bad_length(length):
    with pytest.raises(ValueError, match="power of two") as info:
        B.walsh_hadamard(np.ones(length))
    assert str(length) in str(info.value)


def test_walsh_hadamard_bad_length_on_chosen_axis():
    with pytest.raises(ValueError, match="power of two"):
        B.walsh_hadamard(np.ones((8, 3)), axis=1)
    B.walsh_hadamard(np.ones((8, 3)), axis=0)  # fine


def test_walsh_hadamard_bad_axis():
    with pytest.raises(ValueError, match="axis=2"):
        B.walsh_hadamard(np.ones((2, 4)), axis=2)
    with pytest.raises(ValueError, match="axis=-3"):
        B.walsh_hadamard(torch.ones(2, 4), axis=-3)


@pytest.mark.parametrize("scalar", [np.float64(3.0), 3.0, np.array(3.0), torch.tensor(3.0)], ids=type)
def test_walsh_hadamard_rejects_scalars_numpy_like_torch(scalar):
    # A 0-d input has no axis of length 2**n; numpy and torch inputs must be treated alike.
    with pytest.raises(ValueError, match="at least one axis"):
        B.walsh_hadamard(scalar)


def test_walsh_hadamard_rejects_complex_and_non_numeric():
    with pytest.raises(TypeError, match="complex"):
        B.walsh_hadamard(np.ones(4, dtype=complex))
    with pytest.raises(TypeError, match="complex"):
        B.walsh_hadamard(torch.ones(4, dtype=torch.complex64))
    with pytest.raises(TypeError):
        B.walsh_hadamard(np.array(["a", "b"]))


# ------------------------------------------------------------------------------------------------
# fourier_coefficients
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3, 5])
def test_fourier_coefficients_match_definition(n):
    f = np.random.default_rng(n).standard_normal(2**n)
    np.testing.assert_allclose(B.fourier_coefficients(f), brute_fourier(f), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [1, 4])
def test_characters_are_orthonormal(n):
    for S in range(2**n):
        coeffs = B.fourier_coefficients(chi_table(n, S))
        np.testing.assert_allclose(coeffs, np.eye(2**n)[S], atol=1e-14)
    # the same through the character()/Parity objects
    for S in itertools.chain.from_iterable(itertools.combinations(range(n), k) for k in range(n + 1)):
        chi = B.character(n, S)
        np.testing.assert_array_equal(chi.truth_table(), chi_table(n, mask(S)))
        np.testing.assert_allclose(chi.fourier(), np.eye(2**n)[mask(S)], atol=1e-14)


@given(n=st.integers(0, 10), seed=st.integers(0, 2**32 - 1))
def test_parseval_real_values(n, seed):
    f = np.random.default_rng(seed).standard_normal(2**n) * 3
    c = B.fourier_coefficients(f)
    np.testing.assert_allclose(np.sum(c**2), np.mean(f**2), rtol=1e-10)


@given(n=st.integers(0, 10), seed=st.integers(0, 2**32 - 1))
def test_parseval_boolean_tables(n, seed):
    f = np.random.default_rng(seed).choice([-1.0, 1.0], size=2**n)
    np.testing.assert_allclose(np.sum(B.fourier_coefficients(f) ** 2), 1.0, rtol=1e-10)


@given(n=st.integers(0, 5), seed=st.integers(0, 2**32 - 1))
def test_fourier_inversion_brute_force(n, seed):
    f = np.random.default_rng(seed).standard_normal(2**n)
    c = B.fourier_coefficients(f)
    X = cube_by_loops(n)
    recon = [sum(c[S] * np.prod([X[i, j] for j in range(n) if (S >> j) & 1]) for S in range(2**n))
             for i in range(2**n)]
    np.testing.assert_allclose(recon, f, rtol=1e-10, atol=1e-10)


def test_fourier_coefficients_batch_equals_loop_and_torch():
    F = np.random.default_rng(8).standard_normal((2, 3, 64))
    out = B.fourier_coefficients(F)
    assert out.shape == F.shape
    for a in range(2):
        for b in range(3):
            np.testing.assert_allclose(out[a, b], brute_fourier(F[a, b]), atol=1e-12)
    t = B.fourier_coefficients(torch.tensor(F))
    assert isinstance(t, torch.Tensor)
    np.testing.assert_allclose(t.numpy(), out, atol=1e-12)


def test_fourier_coefficients_bad_length():
    with pytest.raises(ValueError, match="power of two"):
        B.fourier_coefficients(np.ones(10))


# ------------------------------------------------------------------------------------------------
# degree weights
# ------------------------------------------------------------------------------------------------


@given(n=st.integers(0, 8), seed=st.integers(0, 2**32 - 1))
def test_degree_weights_brute_force(n, seed):
    c = np.random.default_rng(seed).standard_normal(2**n)
    w = B.degree_weights(c)
    assert w.shape == (n + 1,)
    np.testing.assert_allclose(w, brute_degree_weights(c), rtol=1e-12, atol=1e-12)
    for k in range(n + 1):
        brute = sum(c[S] ** 2 for S in range(2**n) if popcount(S) <= k)
        np.testing.assert_allclose(B.low_degree_weight(c, k), brute, rtol=1e-12, atol=1e-12)


def test_degree_weights_batch_and_torch():
    C = np.random.default_rng(9).standard_normal((4, 2, 32))
    W = B.degree_weights(C)
    assert W.shape == (4, 2, 6)
    for a in range(4):
        for b in range(2):
            np.testing.assert_allclose(W[a, b], brute_degree_weights(C[a, b]), atol=1e-12)
    np.testing.assert_allclose(B.degree_weights(torch.tensor(C, requires_grad=True)), W, atol=1e-12)
    np.testing.assert_allclose(B.low_degree_weight(C, 2), W[..., :3].sum(-1), atol=1e-12)


def test_subset_sizes_popcount():
    np.testing.assert_array_equal(B.subset_sizes(7), [popcount(S) for S in range(128)])


@pytest.mark.parametrize("k, error", [(-1, ValueError), (6, ValueError), (2.0, TypeError), (True, TypeError),
                                      ("1", TypeError), (None, TypeError)])
def test_low_degree_weight_bad_k(k, error):
    with pytest.raises(error, match="k="):
        B.low_degree_weight(np.ones(32), k)


def test_degree_weights_bad_length():
    with pytest.raises(ValueError, match="power of two"):
        B.degree_weights(np.ones(5))
    with pytest.raises(ValueError):
        B.degree_weights(np.float64(1.0))


# ------------------------------------------------------------------------------------------------
# catalogue: known spectra and definitions
# ------------------------------------------------------------------------------------------------


def evaluate_by_definition(n, rule):
    return np.array([rule(tuple(int(v) for v in x)) for x in cube_by_loops(n)], dtype=float)


@pytest.mark.parametrize("n,S", [(1, [0]), (4, [1, 3]), (5, range(5)), (6, []), (6, [0, 2, 5])])
def test_parity_spectrum_all_weight_on_S(n, S):
    f = B.Parity(n, S)
    np.testing.assert_array_equal(f.truth_table(), evaluate_by_definition(n, lambda x: np.prod([x[j] for j in S])))
    c = f.fourier()
    np.testing.assert_allclose(c, np.eye(2**n)[mask(S)], atol=1e-14)
    w = B.degree_weights(c)
    np.testing.assert_allclose(w, np.eye(n + 1)[len(set(S))], atol=1e-14)


def test_parity_bad_set():
    with pytest.raises(ValueError, match="S="):
        B.Parity(3, [0, 3])


@pytest.mark.parametrize("n,i", [(1, 0), (4, 2), (7, 6)])
def test_dictator(n, i):
    f = B.Dictator(n, i)
    np.testing.assert_array_equal(f.truth_table(), evaluate_by_definition(n, lambda x: x[i]))
    np.testing.assert_allclose(f.fourier(), np.eye(2**n)[1 << i], atol=1e-14)
    with pytest.raises(ValueError, match="i="):
        B.Dictator(n, n)


@pytest.mark.parametrize("n", [1, 3, 5, 7, 9, 11, 13, 15])
def test_majority_level_one_weight_closed_form(n):
    f = B.Majority(n)
    c = f.fourier()
    w = B.degree_weights(c)
    closed = n * (comb(n - 1, (n - 1) // 2) / 2 ** (n - 1)) ** 2
    np.testing.assert_allclose(w[1], closed, rtol=1e-12)
    # every singleton carries the same coefficient (symmetry), and it is positive (monotone)
    singles = c[[1 << j for j in range(n)]]
    np.testing.assert_allclose(singles, singles[0], rtol=1e-12)
    assert singles[0] > 0
    # odd function: zero even-degree weight
    np.testing.assert_allclose(w[0::2], 0, atol=1e-14)
    np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-12)


def test_majority_definition_and_limit_two_over_pi():
    np.testing.assert_array_equal(B.Majority(5).truth_table(), evaluate_by_definition(5, lambda x: np.sign(sum(x))))
    ns = [3, 5, 7, 9, 11, 13, 15]
    w1 = np.array([B.degree_weights(B.Majority(n).fourier())[1] for n in ns])
    assert np.all(np.diff(w1) < 0)  # decreases towards the limit
    excess = w1 - 2 / pi
    assert np.all(excess > 0)
    # Stirling: W1 = (2/π)(1 + 1/(2n) + O(1/n²)), so n·(W1 − 2/π) → 1/π ≈ 0.318
    assert np.all(excess * np.array(ns) < 0.35)
    assert abs(w1[-1] - 2 / pi) < 0.025


def test_majority_requires_odd_n():
    with pytest.raises(ValueError, match="odd"):
        B.Majority(4)


@pytest.mark.parametrize("n", [2, 4, 6, 8])
def test_inner_product_mod2_is_bent(n):
    h = n // 2
    f = B.InnerProductMod2(n)
    # definition from the cube index: a_i = bit i, b_i = bit i + n/2
    expected = [(-1) ** sum(((i >> j) & 1) * ((i >> (j + h)) & 1) for j in range(h)) for i in range(2**n)]
    np.testing.assert_array_equal(f.truth_table(), expected)
    np.testing.assert_allclose(np.abs(f.fourier()), 2.0 ** (-n / 2), rtol=1e-12)


def test_inner_product_requires_even_n():
    with pytest.raises(ValueError, match="even"):
        B.InnerProductMod2(5)


@pytest.mark.parametrize("width,tribes", [(1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (4, 2)])
def test_tribes_definition_and_bias(width, tribes):
    f = B.Tribes(width, tribes)
    n = width * tribes
    assert f.n == n

    def rule(x):
        blocks = [x[b * width:(b + 1) * width] for b in range(tribes)]
        return -1 if any(all(v == -1 for v in blk) for blk in blocks) else 1

    table = f.truth_table()
    np.testing.assert_array_equal(table, evaluate_by_definition(n, rule))
    p_true = 1 - (1 - 2.0**-width) ** tribes  # closed form
    np.testing.assert_allclose(f.fourier()[0], 1 - 2 * p_true, rtol=1e-12)


def test_tribes_bad_sizes():
    with pytest.raises(ValueError):
        B.Tribes(0, 3)
    with pytest.raises(ValueError):
        B.Tribes(2, 0)


@pytest.mark.parametrize(
    "n,weights,theta",
    [(5, None, 0.0), (4, [1, 1, 1, 1], 0.0), (4, [1, 2, -1, 0.5], 0.5), (6, [3, 1, 1, 1, 1, 1], -1.0)],
)
def test_linear_threshold_definition(n, weights, theta):
    f = B.LinearThreshold(n, weights=weights, threshold=theta, seed=3)
    w = np.random.default_rng(3).standard_normal(n) if weights is None else np.asarray(weights, float)
    expected = evaluate_by_definition(n, lambda x: sign_pm(sum(wi * xi for wi, xi in zip(w, x)) - theta))
    np.testing.assert_array_equal(f.truth_table(), expected)


def test_linear_threshold_seeded_and_bad_weights():
    a, b, c = (B.LinearThreshold(8, seed=s).truth_table() for s in (0, 0, 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    with pytest.raises(ValueError, match="weights"):
        B.LinearThreshold(3, weights=[1, 2])
    with pytest.raises(ValueError, match="weights"):
        B.LinearThreshold(2, weights=[1, np.nan])


@pytest.mark.parametrize("n,k", [(1, 1), (3, 3), (5, 3), (6, None), (7, None), (7, 5)])
def test_staircase_definition(n, k):
    f = B.Staircase(n, k)
    kk = k if k is not None else (n if n % 2 else n - 1)
    assert f.k == kk
    expected = evaluate_by_definition(n, lambda x: np.sign(sum(np.prod(x[: m + 1]) for m in range(kk))))
    np.testing.assert_array_equal(f.truth_table(), expected)
    # it depends on the first k inputs only: no weight on sets reaching beyond them
    c = f.fourier()
    assert np.all(c[[S for S in range(2**n) if S >> kk]] == 0)


@pytest.mark.parametrize("k", [0, 2, 9])
def test_staircase_bad_k(k):
    with pytest.raises(ValueError, match="k="):
        B.Staircase(7, k)


def test_random_boolean_seeded_reproducible():
    a, b, c = B.RandomBoolean(10, seed=4), B.RandomBoolean(10, seed=4), B.RandomBoolean(10, seed=5)
    np.testing.assert_array_equal(a.truth_table(), b.truth_table())
    assert not np.array_equal(a.truth_table(), c.truth_table())
    assert set(np.unique(a.truth_table())) == {-1.0, 1.0}
    # a uniformly random function: its mean is within 5 standard errors of 0
    assert abs(a.truth_table().mean()) < 5 / np.sqrt(2**10)
    with pytest.raises(ValueError, match="random_inputs"):
        B.RandomBoolean(B.MAX_EXACT_N + 1)


def test_truth_table_round_trip():
    g = B.Majority(5)
    t = B.TruthTable(g.truth_table())
    assert t.n == 5
    np.testing.assert_array_equal(t.truth_table(), g.truth_table())
    X = B.random_inputs(5, 200, seed=1)
    np.testing.assert_array_equal(t(X), g(X))
    np.testing.assert_allclose(t.fourier(), g.fourier(), atol=1e-14)
    # the stored table is not exposed for mutation through truth_table()
    tt = t.truth_table()
    tt[0] *= -1
    np.testing.assert_array_equal(t.truth_table(), g.truth_table())


def test_truth_table_bad_values():
    with pytest.raises(ValueError, match="power of two"):
        B.TruthTable(np.ones(6))
    with pytest.raises(ValueError, match="1 dimension"):
        B.TruthTable(np.ones((2, 4)))


CATALOGUE = [
    B.Parity(6, [0, 2, 3]),
    B.Majority(7),
    B.Dictator(5, 3),
    B.Staircase(7),
    B.Tribes(2, 3),
    B.LinearThreshold(6, seed=2),
    B.InnerProductMod2(6),
    B.RandomBoolean(6, seed=0),
    B.TruthTable(np.where(np.arange(16) % 3 == 0, -1.0, 1.0)),
    B.extend(B.Majority(3), 6),
]


@pytest.mark.parametrize("f", CATALOGUE, ids=repr)
def test_catalogue_outputs_pm1_parseval_and_shapes(f):
    table = f.truth_table()
    assert table.shape == (2**f.n,)
    assert set(np.unique(table)) <= {-1.0, 1.0}
    np.testing.assert_allclose(np.sum(f.fourier() ** 2), 1.0, rtol=1e-12)
    np.testing.assert_allclose(f.fourier(), brute_fourier(table), atol=1e-12)
    # batches of inputs (..., n) -> (...)
    X = B.random_inputs(f.n, 24, seed=1).reshape(2, 3, 4, f.n)
    out = f(X)
    assert out.shape == (2, 3, 4)
    # agrees with the truth table at the same points
    idx = ((X < 0) * (1 << np.arange(f.n))).sum(-1)
    np.testing.assert_array_equal(out, table[idx])


@pytest.mark.parametrize("f", CATALOGUE, ids=repr)
def test_catalogue_on_torch_tensors(f):
    X = B.random_inputs(f.n, 50, seed=2)
    out = f(torch.tensor(X, dtype=torch.float32))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_array_equal(out.numpy(), f(X))
    np.testing.assert_array_equal(f(torch.tensor(X)).numpy(), f(X))


@pytest.mark.parametrize("f", CATALOGUE, ids=repr)
def test_catalogue_refuses_non_pm1_inputs(f):
    for bad_value in (0, 2, 0.5):
        X = np.ones((3, f.n))
        X[1, -1] = bad_value
        with pytest.raises(ValueError, match="±1"):
            f(X)
    with pytest.raises(ValueError, match="±1"):
        f(torch.zeros(2, f.n))


@pytest.mark.parametrize("f", CATALOGUE, ids=repr)
def test_catalogue_refuses_wrong_width(f):
    with pytest.raises(ValueError, match=rf"\(\.\.\., {f.n}\)"):
        f(np.ones((4, f.n + 1)))
    with pytest.raises(ValueError, match="shape"):
        f(np.ones(f.n - 1))
    with pytest.raises(ValueError, match="shape"):
        f(np.float64(1.0))


# ------------------------------------------------------------------------------------------------
# extension
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [B.Majority(3), B.Tribes(2, 2), B.Parity(4, [1, 3]), B.RandomBoolean(3, seed=1),
                               B.Staircase(5), B.InnerProductMod2(4)], ids=repr)
@pytest.mark.parametrize("extra", [0, 1, 4])
def test_extension(f, extra):
    N = f.n + extra
    g = B.extend(f, N)
    assert g.n == N
    X = B.random_inputs(N, 300, seed=3)
    np.testing.assert_array_equal(g(X), f(X[:, : f.n]))
    coeffs = g.fourier()
    np.testing.assert_allclose(coeffs, B.fourier_coefficients(g.truth_table()), atol=1e-13)
    padded = np.concatenate([B.degree_weights(f.fourier()), np.zeros(extra)])
    np.testing.assert_allclose(B.degree_weights(coeffs), padded, atol=1e-13)


@given(n=st.integers(1, 4), extra=st.integers(0, 4), seed=st.integers(0, 2**32 - 1))
def test_extension_property(n, extra, seed):
    f = B.RandomBoolean(n, seed=seed)
    g = B.extend(f, n + extra)
    c = B.fourier_coefficients(g.truth_table())
    np.testing.assert_allclose(g.fourier(), c, atol=1e-13)
    # coefficients of sets that touch the new coordinates vanish
    assert np.all(np.abs(c[2**n:]) < 1e-13)
    np.testing.assert_allclose(c[: 2**n], f.fourier(), atol=1e-13)


def test_extend_bad_arguments():
    with pytest.raises(ValueError, match="N="):
        B.extend(B.Majority(5), 4)
    with pytest.raises(TypeError, match="N=6.0"):
        B.extend(B.Majority(5), 6.0)
    with pytest.raises(TypeError, match="BooleanFunction"):
        B.extend(lambda x: x, 4)


def test_extension_of_large_n_is_callable_but_fourier_refuses():
    g = B.extend(B.Majority(3), 40)
    X = B.random_inputs(40, 10, seed=0)
    np.testing.assert_array_equal(g(X), np.sign(X[:, :3].sum(-1)))
    with pytest.raises(ValueError, match="random_inputs"):
        g.fourier()


# ------------------------------------------------------------------------------------------------
# random_inputs
# ------------------------------------------------------------------------------------------------


def test_random_inputs_shape_values_seed():
    X = B.random_inputs(30, 400, seed=7)
    assert X.shape == (400, 30) and X.dtype == np.int8
    assert set(np.unique(X)) == {-1, 1}
    np.testing.assert_array_equal(X, B.random_inputs(30, 400, seed=7))
    assert not np.array_equal(X, B.random_inputs(30, 400, seed=8))
    # uniform: mean within 5 standard errors (1/sqrt(12000)) of 0, coordinates uncorrelated
    assert abs(X.mean()) < 5 / np.sqrt(X.size)
    corr = (X[:, 0].astype(float) * X[:, 1]).mean()
    assert abs(corr) < 5 / np.sqrt(400)
    # n beyond the exact limit is fine here: that is the point of sampling
    assert B.random_inputs(B.MAX_EXACT_N + 10, 3).shape == (3, B.MAX_EXACT_N + 10)


@pytest.mark.parametrize("num, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError)])
def test_random_inputs_bad_num(num, error):
    with pytest.raises(error, match="num="):
        B.random_inputs(3, num)


# ------------------------------------------------------------------------------------------------
# regressions: bad input (each case returned a number, or raised something else, before the fix)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", CATALOGUE, ids=repr)
def test_complex_unit_modulus_points_are_not_pm1(f):
    """|1j| == 1 used to pass the ±1 check (the imaginary part was then dropped)."""
    x = np.ones((2, f.n), dtype=complex)
    x[0, 0] = 1j
    with pytest.raises(TypeError, match="complex"):
        f(x)
    with pytest.raises(TypeError, match="complex"):
        f(torch.ones(2, f.n, dtype=torch.complex64))


@pytest.mark.parametrize("f", CATALOGUE, ids=repr)
def test_bool_and_nan_points_are_refused(f):
    with pytest.raises(TypeError, match="x"):
        f(np.ones((2, f.n), dtype=bool))
    x = np.ones((2, f.n))
    x[1, 0] = np.nan
    with pytest.raises(ValueError, match="±1"):
        f(x)


@pytest.mark.parametrize("call", [
    lambda: B.degree_weights(np.array([0.5 + 0.5j, 0.5, 0.5, 0.5])),
    lambda: B.low_degree_weight(np.array([0.5 + 0.5j, 0.5, 0.5, 0.5]), 1),
    lambda: B.TruthTable(np.array([1, -1j])),
    lambda: B.LinearThreshold(2, weights=np.array([1.0, 1j])),
    lambda: B.fourier_coefficients(np.array([1, -1j])),
    lambda: B.Parity(3, np.array([1 + 1j, np.inf + 1j])),
], ids=["degree_weights", "low_degree_weight", "TruthTable", "LinearThreshold", "fourier_coefficients",
        "Parity"])
def test_complex_arrays_are_refused(call):
    """Complex input was reduced to its real part (Parity: OverflowError on int(inf))."""
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("call", [
    lambda v: B.TruthTable(np.array([1.0, v])),
    lambda v: B.TruthTable(np.array([0.6, -1.0, v, 0.6], dtype=np.float32)),
    lambda v: B.degree_weights(np.array([0.5, v, 0.5, 0.5])),
    lambda v: B.degree_weights(torch.tensor([0.5, v, 0.5, 0.5])),
    lambda v: B.low_degree_weight(np.array([0.5, v]), 0),
    lambda v: B.walsh_hadamard(np.array([1.0, v])),
    lambda v: B.walsh_hadamard(torch.tensor([1.0, v])),
    lambda v: B.fourier_coefficients(np.array([[1.0, 1.0], [v, 1.0]])),
    lambda v: B.LinearThreshold(3, threshold=v),
    lambda v: B.LinearThreshold(2, weights=[1.0, v]),
], ids=["TruthTable", "TruthTable-f32", "degree_weights", "degree_weights-torch", "low_degree_weight",
        "walsh", "walsh-torch", "fourier", "threshold", "weights"])
def test_non_finite_values_are_refused(call, bad):
    """NaN/inf gave NaN coefficients, and threshold=NaN the constant function -1."""
    with pytest.raises(ValueError, match="finite"):
        call(bad)


def test_walsh_hadamard_half_precision_is_promoted():
    """A float16 tensor was transformed in float16: the sum of 2**16 ones overflowed to inf."""
    for dtype in (torch.float16, torch.bfloat16):
        out = B.walsh_hadamard(torch.ones(2**16, dtype=dtype))
        assert out.dtype == torch.float64
        assert out[0].item() == 65536.0 and torch.count_nonzero(out[1:]) == 0
    assert B.walsh_hadamard(np.ones(2**16, dtype=np.float16))[0] == 65536.0
    assert B.walsh_hadamard(torch.ones(4, dtype=torch.float32)).dtype == torch.float32


@pytest.mark.parametrize("call, error", [
    (lambda: B.character(3, [1.5]), TypeError),
    (lambda: B.Parity(3, [1.0]), TypeError),
    (lambda: B.Parity(3, "01"), TypeError),
    (lambda: B.Parity(3, 1), TypeError),
    (lambda: B.Parity(3, np.array([0.9, 2.0], dtype=np.float16)), TypeError),
    (lambda: B.Parity(3, [True]), TypeError),
    (lambda: B.Parity(3, [0, 0]), ValueError),
    (lambda: B.Parity(3, [3]), ValueError),
    (lambda: B.Dictator(3, 1.5), TypeError),
    (lambda: B.Staircase(5, 3.0), TypeError),
    (lambda: B.Tribes(2.5, 2), TypeError),
    (lambda: B.Tribes(2, 0), ValueError),
], ids=["character-1.5", "Parity-1.0", "Parity-str", "Parity-int", "Parity-f16", "Parity-bool",
        "Parity-dup", "Parity-range", "Dictator-1.5", "Staircase-3.0", "Tribes-2.5", "Tribes-0"])
def test_indices_and_sizes_are_not_truncated(call, error):
    """int() used to truncate: S=[1.5] was {1}, i=1.5 was 1, S='01' was {0, 1}, [0, 0] was {0}."""
    with pytest.raises(error):
        call()


def test_numpy_integer_indices_and_sizes_are_accepted():
    f = B.Parity(np.int64(4), np.array([0, 3], dtype=np.int32))
    assert f.S == (0, 3) and f.n == 4 and type(f.n) is int
    assert B.Dictator(3, np.uint8(2)).i == 2
    np.testing.assert_array_equal(B.hypercube(np.int16(3)), B.hypercube(3))


@pytest.mark.parametrize("make", [
    lambda s: B.random_inputs(3, 4, seed=s),
    lambda s: B.RandomBoolean(3, seed=s),
    lambda s: B.LinearThreshold(3, seed=s),
], ids=["random_inputs", "RandomBoolean", "LinearThreshold"])
@pytest.mark.parametrize("seed, error", [(None, TypeError), (-1, ValueError), (2.5, TypeError), (2**64, ValueError),
                                         ("0", TypeError)])
def test_seeds_are_non_negative_integers(make, seed, error):
    """seed=None drew fresh OS entropy (not reproducible) although the docs say seed: int."""
    with pytest.raises(error, match="seed"):
        make(seed)


def test_subset_sizes_cache_does_not_bypass_validation():
    """A guard: validation runs before the cache (3.0 and True must not reach cached int keys)."""
    B.subset_sizes(3)
    B.subset_sizes(1)
    with pytest.raises(TypeError):
        B.subset_sizes(3.0)
    with pytest.raises(TypeError):
        B.subset_sizes(True)


def test_meta_tensors_are_refused():
    x = torch.ones(2, 3, device="meta")
    with pytest.raises(ValueError, match="meta"):
        B.Parity(3, [0])(x)
    with pytest.raises(ValueError, match="meta"):
        B.degree_weights(torch.ones(4, device="meta"))
    with pytest.raises(ValueError, match="meta"):
        B.walsh_hadamard(torch.ones(4, device="meta"))


def test_boolean_function_base_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        B.BooleanFunction(3)


def test_kept_arrays_are_copies():
    """TruthTable.values and LinearThreshold.weights were the caller's arrays (a later change by the
    caller changed the function)."""
    v = np.array([1.0, -1, -1, 1])
    t = B.TruthTable(v)
    w = np.array([0.5, -1.0, 2.0])
    g = B.LinearThreshold(3, weights=w)
    X = B.hypercube(3)
    before = g(X)
    assert not np.shares_memory(t.values, v) and not np.shares_memory(g.weights, w)
    v[0], w[:] = -7.0, [-5.0, 0.0, 0.0]
    np.testing.assert_array_equal(t.truth_table(), [1.0, -1, -1, 1])
    np.testing.assert_array_equal(g(X), before)
    with pytest.raises(ValueError):  # the kept copies are read-only
        t.values[0] = 3.0


def test_hypercube_peak_memory_is_its_output():
    """hypercube(n) built int64 intermediates: a peak of 24x its output (9.3 GiB at n = 24)."""
    import tracemalloc

    n = 18
    tracemalloc.start()
    try:
        X = B.hypercube(n)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert X.nbytes == n * 2**n
    assert peak <= 1.1 * X.nbytes


def test_truth_table_peak_memory_is_bounded():
    """truth_table() evaluates the cube a block of rows at a time (it used to build the whole cube
    and int64/float64 copies of it)."""
    import tracemalloc

    n = 20
    f = B.LinearThreshold(n, seed=0)
    want = np.where(B.hypercube(n) @ f.weights >= 0, 1.0, -1.0)
    tracemalloc.start()
    try:
        table = f.truth_table()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(table, want)
    assert peak <= table.nbytes + 24 * 2**20  # the 8 MiB output plus one block (~12 MiB)


def test_memory_budget_refuses_up_front(monkeypatch):
    from inal_utils import _checks

    monkeypatch.setattr(_checks, "MEMORY_BUDGET_BYTES", 2**10)
    with pytest.raises(ValueError, match=r"hypercube\(n=10\).*random_inputs"):
        B.hypercube(10)
    with pytest.raises(ValueError, match=r"random_inputs\(n=10, num=200\)"):
        B.random_inputs(10, 200)
    assert B.hypercube(5).shape == (32, 5)  # 160 bytes fit


def test_random_inputs_refuses_impossible_sizes_quickly():
    """random_inputs(10**6, 10**6) used to fail inside numpy (MemoryError, no alternative named)."""
    with pytest.raises(ValueError, match="num=1000000"):
        B.random_inputs(10**6, 10**6)


def test_random_inputs_chunks_draw_the_same_stream(monkeypatch):
    """Drawing in blocks (bounded memory) gives exactly the single-call stream."""
    want = (1 - 2 * np.random.default_rng(11).integers(0, 2, size=(37, 5))).astype(np.int8)
    monkeypatch.setattr(B, "_CHUNK_ROWS", 1)  # blocks of 16 // 5 = 3 rows
    np.testing.assert_array_equal(B.random_inputs(5, 37, seed=11), want)


def test_tables_and_transforms_refuse_above_the_memory_budget(monkeypatch):
    from inal_utils import _checks

    monkeypatch.setattr(_checks, "MEMORY_BUDGET_BYTES", 2**12)
    for call, what in [(lambda: B.walsh_hadamard(np.ones(2**10)), "walsh_hadamard"),
                       (lambda: B.degree_weights(np.ones(2**10)), "degree_weights"),
                       (lambda: B.subset_sizes(13), "subset_sizes"),
                       (lambda: B.RandomBoolean(10), "RandomBoolean")]:
        with pytest.raises(ValueError, match=rf"{what}\(.*MEMORY_BUDGET_BYTES"):
            call()
    assert B.walsh_hadamard(np.ones(8))[0] == 8.0  # small requests still fit
