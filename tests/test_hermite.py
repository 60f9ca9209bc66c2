"""Tests for inal_utils.hermite: every formula against an independent computation."""

import math

import numpy as np
import pytest
import scipy.special
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial import hermite_e

from inal_utils import hermite as H


# ----------------------------------------------------------------------------- polynomials
@settings(max_examples=40, deadline=None)
@given(k=st.integers(0, 12), x=st.floats(-6, 6))
def test_recurrence_matches_numpy_and_scipy(k, x):
    expected = hermite_e.hermeval(x, [0] * k + [1])
    assert H.hermite_he(k, x) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert H.hermite_he(k, x) == pytest.approx(scipy.special.eval_hermitenorm(k, x), rel=1e-9, abs=1e-9)


def test_not_the_physicists_family():
    # He_2(x) = x^2 - 1, whereas the physicists' H_2(x) = 4x^2 - 2.
    np.testing.assert_allclose(H.he_coefficients(2), [-1.0, 0.0, 1.0])
    assert H.hermite_he(2, 2.0) == pytest.approx(3.0)


def test_torch_evaluation_and_derivative():
    x = torch.linspace(-3, 3, 41, dtype=torch.float64, requires_grad=True)
    for k in range(1, 7):
        val = H.hermite_he(k, x)
        assert isinstance(val, torch.Tensor)
        np.testing.assert_allclose(val.detach().numpy(), H.hermite_he(k, x.detach().numpy()), rtol=1e-12)
        (grad,) = torch.autograd.grad(val.sum(), x)
        # He_k' = k He_{k-1}
        np.testing.assert_allclose(grad.numpy(), k * H.hermite_he(k - 1, x.detach().numpy()), rtol=1e-10,
                                   atol=1e-10)


def test_orthogonality_by_quadrature():
    z, w = H.gauss_hermite(30)
    assert w.sum() == pytest.approx(1.0)
    gram = np.array([[np.sum(w * H.hermite_he(j, z) * H.hermite_he(k, z)) for k in range(8)]
                     for j in range(8)])
    np.testing.assert_allclose(gram, np.diag([math.factorial(k) for k in range(8)]), atol=1e-8)


def test_orthogonality_by_monte_carlo():
    z = np.random.default_rng(0).standard_normal(200_000)
    for j in range(5):
        for k in range(5):
            prod = H.hermite_he(j, z) * H.hermite_he(k, z)
            se = prod.std() / math.sqrt(z.size)
            target = math.factorial(k) if j == k else 0.0
            assert abs(prod.mean() - target) < 5 * se + 1e-12, (j, k)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_correlated_hermite_identity(k):
    # E[He_k(u·x) He_k(v·x)] = k! (u·v)^k for unit u, v (Mehler).
    rng = np.random.default_rng(k)
    d = 6
    u, v = rng.standard_normal(d), rng.standard_normal(d)
    u /= np.linalg.norm(u)
    v = 0.6 * u + 0.8 * (v - (v @ u) * u) / np.linalg.norm(v - (v @ u) * u)
    X = rng.standard_normal((400_000, d))
    prod = H.hermite_he(k, X @ u) * H.hermite_he(k, X @ v)
    se = prod.std() / math.sqrt(len(X))
    assert abs(prod.mean() - math.factorial(k) * (u @ v) ** k) < 5 * se


def test_hermite_coefficients_of_polynomial_and_relu():
    # polynomial: exact
    coef = H.hermite_coefficients(lambda z: 2 + 3 * H.hermite_he(3, z), 5, n_nodes=20, normalised=False)
    np.testing.assert_allclose(coef, [2, 0, 0, 3, 0, 0], atol=1e-10)
    coef_n = H.hermite_coefficients(lambda z: H.hermite_h(4, z), 5, n_nodes=20)
    np.testing.assert_allclose(coef_n, [0, 0, 0, 0, 1, 0], atol=1e-10)
    # ReLU, closed form: c0 = 1/sqrt(2π), c1 = 1/2, c2 = 1/sqrt(4π), c3 = 0
    c = H.hermite_coefficients(lambda z: np.maximum(z, 0), 3, n_nodes=200)
    np.testing.assert_allclose(c, [1 / math.sqrt(2 * math.pi), 0.5, 1 / math.sqrt(4 * math.pi), 0.0],
                               atol=2e-3)


# ----------------------------------------------------------------------------- targets
def test_paper_target_is_the_papers_formula_with_unit_variance():
    d = 10
    f = H.paper_target(d, seed=3)
    u = f.U[0]
    X = np.random.default_rng(1).standard_normal((300_000, d))
    t = X @ u
    direct = H.hermite_he(2, t) / 2 + H.hermite_he(4, t) / math.sqrt(2 * math.factorial(4))
    np.testing.assert_allclose(f(X), direct, rtol=1e-10, atol=1e-10)
    assert f.variance == pytest.approx(1.0)
    se = (direct**2).std() / math.sqrt(len(X))
    assert abs(np.mean(direct**2) - 1.0) < 5 * se


def test_expected_hessian_closed_form_vs_stein_monte_carlo():
    d, n = 5, 200_000
    rng = np.random.default_rng(2)
    X = rng.standard_normal((n, d))
    U = H.random_directions(d, 2, seed=4)
    targets = [
        H.paper_target(d, seed=0),
        H.single_index_target(U[0], {4: 1.0}),  # degenerate: zero expected Hessian
        H.multi_index_target(U, {(2, 0): 1, (1, 1): 1, (2, 2): 1, (0, 3): 1}),
    ]
    for f in targets:
        fx = f(X)
        # Stein: E[∇² f] = E[f(x) (x xᵀ - I)]
        samples = fx[:, None, None] * (X[:, :, None] * X[:, None, :] - np.eye(d))
        mc, se = samples.mean(0), samples.std(0) / math.sqrt(n)
        assert np.all(np.abs(mc - f.expected_hessian()) < 5 * se + 1e-9)
    np.testing.assert_allclose(targets[0].expected_hessian(), np.outer(targets[0].U[0], targets[0].U[0]),
                               atol=1e-12)
    np.testing.assert_allclose(targets[1].expected_hessian(), 0.0)
    assert np.linalg.matrix_rank(targets[2].expected_hessian(), tol=1e-8) == 2


def test_expected_hessian_by_autograd():
    d = 4
    f = H.multi_index_target(H.random_directions(d, 2, seed=1), {(2, 0): 0.5, (1, 1): -1, (4, 0): 1})
    X = torch.as_tensor(np.random.default_rng(0).standard_normal((200_000, d)))
    X.requires_grad_(True)
    grads = torch.autograd.grad(f(X).sum(), X, create_graph=True)[0]
    hess = np.stack([torch.autograd.grad(grads[:, i].sum(), X, retain_graph=True)[0].detach().numpy()
                     for i in range(d)], axis=1)
    mc, se = hess.mean(0), hess.std(0) / math.sqrt(len(hess))
    assert np.all(np.abs(mc - f.expected_hessian()) < 5 * se + 1e-9)


def test_multi_index_variance_and_normalisation():
    U = H.random_directions(8, 2, seed=0)
    f = H.multi_index_target(U, {(2, 0): 3.0, (1, 3): 4.0})
    assert f.variance == pytest.approx(1.0)
    X = np.random.default_rng(3).standard_normal((300_000, 8))
    sq = f(X) ** 2
    assert abs(sq.mean() - 1) < 5 * sq.std() / math.sqrt(len(X))
    assert f.degree == 4 and f.r == 2 and f.d == 8


def test_random_directions_orthonormal_and_seeded():
    U = H.random_directions(7, 3, seed=5)
    np.testing.assert_allclose(U @ U.T, np.eye(3), atol=1e-12)
    np.testing.assert_array_equal(U, H.random_directions(7, 3, seed=5))
    assert not np.allclose(U, H.random_directions(7, 3, seed=6))


def test_gaussian_data_noise_and_seed():
    f = H.paper_target(6, seed=0)
    X, y = H.gaussian_data(f, 5000, zeta=0.3, seed=7)
    eps = y - f(X)
    np.testing.assert_allclose(np.abs(eps), 0.3)
    assert 0.4 < np.mean(eps > 0) < 0.6
    X2, y2 = f.sample(5000, zeta=0.3, seed=7)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("call, match", [
    (lambda: H.hermite_he(-1, 0.0), "k=-1"),
    (lambda: H.hermite_he(1.5, 0.0), "k=1.5"),
    (lambda: H.gauss_hermite(0), "n_nodes"),
    (lambda: H.gauss_hermite(400), "n_nodes=400"),
    (lambda: H.random_directions(3, 4), "r=4"),
    (lambda: H.multi_index_target(np.ones((2, 3)), {(2, 0): 1}), "orthonormal"),
    (lambda: H.multi_index_target(np.eye(2), {(2,): 1}), "length 1"),
    (lambda: H.multi_index_target(np.eye(2), {(2, 0): 0.0}), "is zero"),
    (lambda: H.single_index_target(np.zeros(3), {2: 1}), "non-zero"),
    (lambda: H.paper_target(5, p=2), "p=2"),
    (lambda: H.gaussian_data(H.paper_target(3), 10, zeta=-1), "zeta"),
    (lambda: H.gaussian_data(H.paper_target(3), 0), "n=0"),
    (lambda: H.paper_target(3)(np.ones((4, 2))), "shape"),
    (lambda: H.hermite_coefficients(lambda z: z[:3], 2), "same shape"),
])
def test_bad_input_raises(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ------------------------------------------------------------------------------------------------
# bad input and silent wrong answers (each test failed, or got a wrong number, before the fix)
# ------------------------------------------------------------------------------------------------


def test_multi_index_given_as_int_and_tuple_is_refused():
    """{2: 1.0, (2,): 1.0} kept the term twice: variance 1 by the formula, E f² = 2.04 by sampling."""
    with pytest.raises(ValueError, match=r"multi-index \(2,\) twice"):
        H.multi_index_target(np.eye(1, 3), {2: 1.0, (2,): 1.0})


def test_single_index_degrees_are_integers_and_u_is_a_vector():
    """2.5 was truncated to 2 (and merged); a 3×3 u was flattened into d = 9."""
    with pytest.raises(TypeError, match="coefficients key=2.5"):
        H.single_index_target(np.array([1.0, 0, 0]), {2: 1.0, 2.5: 1.0})
    with pytest.raises(ValueError, match="u has shape \\(3, 3\\)"):
        H.single_index_target(np.eye(3), {1: 1.0})


def test_integer_tensors_do_not_truncate_U():
    """An int64 tensor cast U to int64: paper_target(3)(ones) gave -0.067 instead of -0.280."""
    t = H.paper_target(3)
    np.testing.assert_allclose(t(torch.ones(2, 3, dtype=torch.int64)).numpy(), t(np.ones((2, 3))), atol=1e-15)


def test_high_degrees_do_not_overflow():
    """hermite_h(171, 1.0) raised OverflowError (math.sqrt(171!))."""
    a, b = H.hermite_h(170, 0.7), H.hermite_h(171, 0.7)
    # the normalised recurrence continues the float one: h_171 = (x h_170 - sqrt(170) h_169)/sqrt(171)
    np.testing.assert_allclose(b, (0.7 * a - math.sqrt(170) * H.hermite_h(169, 0.7)) / math.sqrt(171), rtol=1e-10)
    assert np.isfinite(H.hermite_h(2000, 0.3))
    c = H.hermite_coefficients(np.cos, 200)
    assert np.all(np.isfinite(c)) and np.all(np.isfinite(H.hermite_coefficients(np.cos, 200, normalised=False)))
    with pytest.raises(ValueError, match="overflows float64"):
        H.hermite_he(400, 3.0)
    with pytest.raises(ValueError, match="k=100000000 must be <= 10000"):
        H.hermite_he(10**8, 0.5)
    t = H.paper_target(3, p=180)
    assert np.all(np.isfinite(t(np.ones((2, 3)))))


@pytest.mark.parametrize("call, error, match", [
    (lambda: H.hermite_he(2, None), TypeError, "x=None"),
    (lambda: H.hermite_he(2, np.array([1.0 + 1j])), TypeError, "x has complex"),
    (lambda: H.hermite_h(2, np.array([np.nan])), ValueError, "x has 1 non-finite"),
    (lambda: H.paper_target(3)(np.array([[0.0, np.nan, 1.0]])), ValueError, "X has 1 non-finite"),
    (lambda: H.paper_target(3)(torch.tensor([[0.0, np.inf, 1.0]])), ValueError, "X has 1 non-finite"),
    (lambda: H.paper_target(3)(torch.empty((2, 4, 0))), ValueError, "X has shape"),
    (lambda: H.hermite_coefficients(lambda z: np.where(z > 0, z, np.nan), 3), ValueError, "g returned"),
    (lambda: H.gaussian_data(object(), 4), TypeError, "target must be a HermiteTarget"),
    (lambda: H.random_directions(3, seed=None), TypeError, "seed=None"),
    (lambda: H.gaussian_data(H.paper_target(3), 10**12), ValueError, "Use a smaller n"),
])
def test_bad_values_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_target_keeps_a_read_only_copy_of_U():
    U = np.eye(1, 3)
    t = H.multi_index_target(U, {(2,): 1.0})
    assert not np.shares_memory(t.U, U) and not t.U.flags.writeable
