"""Tests for inal_utils.representation against independent computations (autograd, direct solves)."""

import math

import numpy as np
import pytest
import torch

from inal_utils import hermite as H
from inal_utils import representation as R


@pytest.fixture(scope="module")
def small_problem():
    f = H.paper_target(6, seed=1)
    X, y = f.sample(300, zeta=0.1, seed=2)
    return f, X, y


# ----------------------------------------------------------------------------- initialisation & step
def test_symmetric_init_is_the_zero_function():
    a, W = R.symmetric_init(7, 40, seed=3)
    assert set(np.unique(a)) == {-1.0, 1.0}
    X = np.random.default_rng(0).standard_normal((500, 7))
    out = R.relu_features(W, np.zeros(40))(X) @ a
    np.testing.assert_allclose(out, 0.0, atol=1e-12)
    # w_j ~ N(0, I/d): mean squared row norm close to 1
    _, Wbig = R.symmetric_init(50, 4000, seed=1)
    sq = np.sum(Wbig[:2000] ** 2, axis=1)
    assert abs(sq.mean() - 1) < 5 * sq.std() / math.sqrt(2000)


def test_one_step_equals_autograd_gradient_step(small_problem):
    _, X, y = small_problem
    n, d = X.shape
    eta1 = 2.7
    a, W0 = R.symmetric_init(d, 20, seed=0)
    alpha, beta, r = R.preprocess(X, y)
    W1 = R.one_step(X, r, a, W0, eta1=eta1, chunk=64)  # chunked path

    Wt = torch.tensor(W0, requires_grad=True)
    Xt, rt, at = torch.tensor(X), torch.tensor(r), torch.tensor(a)
    loss = 0.5 * torch.mean((rt - torch.relu(Xt @ Wt.T) @ at) ** 2)
    (grad,) = torch.autograd.grad(loss, Wt)
    lam1 = 1 / eta1
    expected = W0 - eta1 * (grad.numpy() + lam1 * W0)
    np.testing.assert_allclose(W1, expected, rtol=1e-10, atol=1e-12)


def test_preprocessing_removes_mean_and_linear_part(small_problem):
    _, X, y = small_problem
    alpha, beta, r = R.preprocess(X, y)
    assert alpha == pytest.approx(np.mean(y))
    np.testing.assert_allclose(beta, X.T @ y / len(y))
    np.testing.assert_allclose(r, y - alpha - X @ beta)


# ----------------------------------------------------------------------------- ridge
@pytest.mark.parametrize("n, p", [(200, 30), (20, 60)])
def test_ridge_path_matches_direct_solves(n, p):
    rng = np.random.default_rng(n)
    Phi = rng.standard_normal((n, p)) @ np.diag(np.linspace(0.1, 2, p))
    y = rng.standard_normal(n)
    path = R.ridge_path(Phi, y=y)
    lams = np.array([1e-4, 1e-2, 1.0])
    C = path.coef(lams)
    for j, lam in enumerate(lams):
        direct = np.linalg.solve(Phi.T @ Phi / n + lam * np.eye(p), Phi.T @ y / n)
        np.testing.assert_allclose(C[:, j], direct, rtol=1e-7, atol=1e-10)
    # the feature-map route (chunked Gram) gives the same path
    fm = lambda Z: Z  # noqa: E731
    fm.p = p
    np.testing.assert_allclose(R.ridge_path(fm, Phi, y, chunk=17).coef(lams), C, rtol=1e-7, atol=1e-10)
    assert path.scale == pytest.approx(np.trace(Phi.T @ Phi) / n)


def test_fit_head_picks_the_best_held_out_lambda():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 4))
    y = np.sin(X[:, 0]) + 0.3 * rng.standard_normal(150)
    W, b = rng.standard_normal((25, 4)), rng.standard_normal(25)
    fm = R.relu_features(W, b)
    lams = np.logspace(-8, 0, 9)
    head = R.fit_head(fm, X, y, lambdas=lams, val_fraction=0.3, seed=4)
    perm = np.random.default_rng(4).permutation(150)
    va, tr = perm[:45], perm[45:]
    F = fm(X)
    scale = np.trace(F[tr].T @ F[tr]) / len(tr)
    losses = []
    for lam in lams * scale:
        a = np.linalg.solve(F[tr].T @ F[tr] / len(tr) + lam * np.eye(25), F[tr].T @ y[tr] / len(tr))
        losses.append(np.mean((y[va] - F[va] @ a) ** 2))
    np.testing.assert_allclose(head.val_loss, losses, rtol=1e-6)
    best = int(np.argmin(losses))
    assert head.lam_rel == lams[best]
    a = np.linalg.solve(F[tr].T @ F[tr] / len(tr) + lams[best] * scale * np.eye(25), F[tr].T @ y[tr] / len(tr))
    np.testing.assert_allclose(head.coef, a, rtol=1e-6, atol=1e-10)


# ----------------------------------------------------------------------------- NTK
def test_ntk_features_are_autograd_gradients():
    rng = np.random.default_rng(1)
    m, d = 7, 3
    W, b, a = rng.standard_normal((m, d)), rng.standard_normal(m), rng.choice([-1.0, 1.0], m)
    x = rng.standard_normal(d)
    Wt, bt, at = (torch.tensor(v, requires_grad=True) for v in (W, b, a))
    out = (at * torch.relu(Wt @ torch.tensor(x) / math.sqrt(d) + bt)).sum() / math.sqrt(m)
    ga, gW, gb = torch.autograd.grad(out, (at, Wt, bt))
    expected = np.concatenate([ga.numpy(), gW.numpy().ravel(), gb.numpy()])
    np.testing.assert_allclose(R.ntk_feature_map(W, b, a)(x[None])[0], expected, rtol=1e-12, atol=1e-12)


def test_empirical_ntk_converges_to_analytic():
    rng = np.random.default_rng(2)
    d, m = 5, 20_000
    X = rng.standard_normal((6, d)) * np.array([[0.5], [1], [1], [2], [1], [1.5]])
    K = R.relu_ntk(X, X)
    np.testing.assert_allclose(K, K.T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(K) > -1e-10)
    W, b, a = rng.standard_normal((m, d)), rng.standard_normal(m), rng.choice([-1.0, 1.0], m)
    Phi = R.ntk_feature_map(W, b, a)(X)
    # each entry is an average of m i.i.d. terms: relative error ~ 1/sqrt(m) ≈ 0.007
    np.testing.assert_allclose(Phi @ Phi.T, K, rtol=0.05, atol=0.02)


# ----------------------------------------------------------------------------- alignment, methods
def test_subspace_alignment_known_cases():
    U = np.eye(4)[:2]
    W = np.array([[1.0, 0, 0, 0], [0, 0, 3, 0], [1, 1, 1, 1]])
    np.testing.assert_allclose(R.subspace_alignment(W, U), [1.0, 0.0, 0.5])
    np.testing.assert_allclose(R.subspace_alignment(W, np.array([0, 0, 1.0, 0])), [0, 1, 0.25])
    # random Gaussian rows: E = r/d
    _, W0 = R.symmetric_init(10, 4000, seed=0)
    al = R.subspace_alignment(W0[:2000], H.random_directions(10, 2, seed=1))
    assert abs(al.mean() - 0.2) < 5 * al.std() / math.sqrt(2000)


def test_algorithm1_and_random_features_share_init_and_are_seeded(small_problem):
    _, X, y = small_problem
    m1 = R.algorithm1(X, y, width=30, seed=5)
    m2 = R.algorithm1(X, y, width=30, seed=5)
    rf = R.random_features(X, y, width=30, seed=5)
    np.testing.assert_array_equal(m1(X), m2(X))
    np.testing.assert_array_equal(m1.info["W0"], rf.info["W"])
    np.testing.assert_array_equal(m1.info["b"], rf.info["b"])
    assert m1.info["eta1"] == pytest.approx(math.sqrt(2 * math.pi * 6))
    # prediction = α + β·x + aᵀσ(W¹x + b)
    expected = m1.alpha + X @ m1.beta + np.maximum(X @ m1.info["W"].T + m1.info["b"], 0) @ m1.coef
    np.testing.assert_allclose(m1(X), expected, rtol=1e-10)


def test_algorithm1_beats_random_features_by_the_degree4_share():
    # f* = h_2/√2 + h_4/√2: random features (and kernels) with n << d^4 learn at most the He_2 part,
    # leaving excess ≈ 1/2; Algorithm 1 finds u and fits all of g. Margin: a quarter (half the He_4 share).
    d = 10
    f = H.paper_target(d, seed=0)
    X, y = f.sample(3000, zeta=0.1, seed=1)
    alg = R.excess_risk(R.algorithm1(X, y, width=400, seed=0), f, n_test=4000, seed=9)[0]
    rf = R.excess_risk(R.random_features(X, y, width=400, seed=0), f, n_test=4000, seed=9)[0]
    assert rf > 0.4
    assert rf - alg > 0.25


def test_one_step_moves_neurons_into_the_principal_subspace():
    d = 10
    f = H.paper_target(d, seed=2)
    X, y = f.sample(20_000, seed=3)
    rep = R.first_step(X, y, width=200, seed=0)
    assert np.mean(R.subspace_alignment(rep["W"], f.U)) > 0.6
    assert np.mean(R.subspace_alignment(rep["W0"], f.U)) < 0.2


def test_transfer_keeps_features_and_refits_head():
    d = 8
    f = H.paper_target(d, seed=0)
    X, y = f.sample(2000, seed=1)
    model = R.algorithm1(X, y, width=100, seed=0)
    g = H.single_index_target(f.U[0], {3: 1.0})
    Xn, yn = g.sample(200, seed=2)
    new = R.transfer(model, Xn, yn, seed=0)
    assert new.alpha == 0.0 and new.beta is None
    np.testing.assert_array_equal(new.info["W"], model.info["W"])
    F = model.featurize(Xn)
    np.testing.assert_allclose(new(Xn), F @ new.coef)
    rep = R.first_step(X, y, width=100, seed=0)
    np.testing.assert_allclose(R.transfer(rep, Xn, yn, seed=0)(Xn), new(Xn), rtol=1e-10)


def test_ntk_regression_runs_and_excess_risk_of_null_model():
    f = H.paper_target(5, seed=0)
    X, y = f.sample(400, seed=0)
    m = R.ntk_regression(X, y, width=20, seed=0)
    assert m.coef.shape == (20 * 7,)
    null = R.Predictor(featurize=R.relu_features(np.zeros((2, 5)), np.zeros(2)), coef=np.zeros(2))
    mean, se = R.excess_risk(null, f, n_test=50_000, seed=1)
    assert abs(mean - 1.0) < 5 * se


@pytest.mark.parametrize("call, err, match", [
    (lambda X, y: R.algorithm1(X, y, width=7), ValueError, "width=7 must be even"),
    (lambda X, y: R.random_features(X, y, width=9), ValueError, "width=9"),
    (lambda X, y: R.algorithm1(X, y[:-1], width=8), ValueError, "y must have shape"),
    (lambda X, y: R.algorithm1(X[:, :, None], y, width=8), ValueError, "X must be a 2-d"),
    (lambda X, y: R.algorithm1(np.where(X > 2, np.nan, X), y, width=8), ValueError, "non-finite"),
    (lambda X, y: R.ntk_regression(X, np.where(y > 1, np.inf, y)), ValueError, "non-finite"),
    (lambda X, y: R.algorithm1(X, y, width=8, eta1=-1.0), ValueError, "eta1"),
    (lambda X, y: R.algorithm1(X, y, width=8, val_fraction=1.0), ValueError, "val_fraction"),
    (lambda X, y: R.algorithm1(X, y, width=8, lambdas=[0.0, 1.0]), ValueError, "lambdas"),
    (lambda X, y: R.algorithm1(X[:1], y[:1], width=8), ValueError, "n=1"),
    (lambda X, y: R.subspace_alignment(np.ones((3, 4)), np.ones((1, 5))), ValueError, "share d"),
    (lambda X, y: R.transfer("model", X, y), TypeError, "Predictor"),
])
def test_bad_input_raises(small_problem, call, err, match):
    _, X, y = small_problem
    with pytest.raises(err, match=match):
        call(X, y)


def test_transfer_rejects_wrong_dimension(small_problem):
    _, X, y = small_problem
    model = R.algorithm1(X, y, width=8)
    with pytest.raises(ValueError, match="expects d=6"):
        R.transfer(model, X[:, :4], y)


# ----------------------------------------------------------------------------- analytic NTK, theory curve, oracle
def test_ntk_kernel_regression_solves_the_dual_problem():
    f = H.paper_target(4, seed=0)
    X, y = f.sample(120, zeta=0.1, seed=1)
    m = R.ntk_kernel_regression(X, y, seed=3)
    alpha, beta, r = R.preprocess(X, y)
    perm = np.random.default_rng(3).permutation(120)
    tr = perm[24:]
    K = R.relu_ntk(X[tr], X[tr])
    c = np.linalg.solve(K + len(tr) * m.info["lam"] * np.eye(len(tr)), r[tr])
    Z = np.random.default_rng(2).standard_normal((30, 4))
    np.testing.assert_allclose(m(Z), alpha + Z @ beta + R.relu_ntk(Z, X[tr]) @ c, rtol=1e-6, atol=1e-8)
    assert m.info["lam"] == pytest.approx(m.info["lam_rel"] * np.trace(K) / len(tr))


def test_predicted_alignment_limits():
    d = 8
    # no signal, isotropic noise: a uniformly random direction, E = 1/d
    a0 = R.predicted_alignment(1.0, d, hessian_eig=0.0, n_mc=200_000)[0]
    assert abs(a0 - 1 / d) < 0.005
    curve = R.predicted_alignment([10, 100, 1000, 10_000, 1e7], d)
    assert np.all(np.diff(curve) > 0) and curve[-1] > 0.99
    # the noise along u raises the floor: E[κ²ξ²/(κ²ξ² + χ²_{d-1})] > 1/d
    assert R.predicted_alignment(1.0, d, hessian_eig=0.0, u_noise_ratio=9.0)[0] > 0.3


def test_path_losses_contains_the_selected_fit():
    f = H.paper_target(5, seed=0)
    X, y = f.sample(400, zeta=0.1, seed=1)
    Xe, ye = f.sample(500, seed=2)
    fm = R.relu_features(*[np.random.default_rng(0).standard_normal(s) for s in ((60, 5), 60)])
    head = R.fit_head(fm, X, y, seed=7)
    eval_loss, val_loss = R.path_losses(fm, X, y, Xe, ye, seed=7)
    np.testing.assert_allclose(val_loss, head.val_loss, rtol=1e-8)
    best = int(np.argmin(val_loss))
    assert eval_loss[best] == pytest.approx(np.mean((ye - fm(Xe) @ head.coef) ** 2), rel=1e-8)
    assert eval_loss.min() <= eval_loss[best]
