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


def test_algorithm1_is_seeded_and_random_features_have_independent_rows(small_problem):
    _, X, y = small_problem
    m1 = R.algorithm1(X, y, width=30, seed=5)
    m2 = R.algorithm1(X, y, width=30, seed=5)
    np.testing.assert_array_equal(m1(X), m2(X))
    # Algorithm 1 starts from paired rows (15 distinct directions) ...
    assert len(np.unique(m1.info["W0"], axis=0)) == 15
    # ... random features use `width` distinct directions, w ~ N(0, I/d), seeded
    rf = R.random_features(X, y, width=31, seed=5)
    assert len(np.unique(rf.info["W"], axis=0)) == 31
    np.testing.assert_array_equal(rf.info["W"], R.random_features(X, y, width=31, seed=5).info["W"])
    Wbig = R.random_representation(50, 4000, seed=1)["W"]
    sq = np.sum(Wbig**2, axis=1)
    assert abs(sq.mean() - 1) < 5 * sq.std() / math.sqrt(4000)
    assert m1.info["eta1"] == pytest.approx(math.sqrt(2 * math.pi * 6))
    # prediction = α + β·x + aᵀσ(W¹x + b)
    expected = m1.alpha + X @ m1.beta + np.maximum(X @ m1.info["W"].T + m1.info["b"], 0) @ m1.coef
    np.testing.assert_allclose(m1(X), expected, rtol=1e-10, atol=1e-12)


def test_algorithm1_beats_the_exact_ntk_where_kernels_cannot_fit_degree_4():
    # d = 8, n = 1000 < C(12, 4) = 495 · 2: a kernel cannot fit the degree-4 half of f* yet (loss >= ~1/2),
    # while one step finds u and a univariate fit needs few samples. The margin (3x) is far below the gap.
    d = 8
    f = H.paper_target(d, seed=0)
    X, y = f.sample(1000, zeta=0.1, seed=1)
    alg = R.excess_risk_quadrature(R.algorithm1(X, y, width=400, seed=0), f, n_perp=40)[0]
    ntk = R.excess_risk_quadrature(R.ntk_kernel_regression(X, y), f, n_perp=40)[0]
    assert ntk > 0.4
    assert ntk > 3 * alg


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
    (lambda X, y: R.algorithm1(X, y[:-1], width=8), ValueError, "y must have shape"),
    (lambda X, y: R.algorithm1(X[:, :, None], y, width=8), ValueError, "X must be a 2-d"),
    (lambda X, y: R.algorithm1(np.where(X > 2, np.nan, X), y, width=8), ValueError, "non-finite"),
    (lambda X, y: R.ntk_regression(X, np.where(y > 1, np.inf, y)), ValueError, "non-finite"),
    (lambda X, y: R.algorithm1(X, y, width=8, eta1=-1.0), ValueError, "eta1"),
    (lambda X, y: R.algorithm1(X, y, width=8, val_fraction=1.0, selection="holdout"), ValueError, "val_fraction"),
    (lambda X, y: R.algorithm1(X, y, width=8, lambdas=[0.0, 1.0]), ValueError, "lambdas"),
    (lambda X, y: R.algorithm1(X[:1], y[:1], width=8), ValueError, "n=1"),
    (lambda X, y: R.subspace_alignment(np.ones((3, 4)), np.ones((1, 5))), ValueError, "share d"),
    (lambda X, y: R.transfer("model", X, y), TypeError, "Predictor"),
    (lambda X, y: R.algorithm1(X, y, width=8, selection="cv"), ValueError, "selection='cv'"),
    (lambda X, y: R.ntk_kernel_regression(X, y, device=0), TypeError, "device=0"),
    (lambda X, y: R.ntk_kernel_regression(X[:1], y[:1]), ValueError, "n=1"),
    (lambda X, y: R.ntk_kernel_regression(X, y, val_fraction=0.0), ValueError, "val_fraction"),
    (lambda X, y: R.random_features(X, y, width=0), ValueError, "width=0"),
    (lambda X, y: R.excess_risk_quadrature(None, "f"), TypeError, "HermiteTarget"),
    (lambda X, y: R.fit_head_loo(R.relu_features(np.ones((2, 6)), np.ones(2)), X[:1], y[:1]), ValueError, "n=1"),
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
def test_ntk_kernel_regression_selects_on_held_out_points_then_refits_on_all():
    f = H.paper_target(4, seed=0)
    X, y = f.sample(120, zeta=0.1, seed=1)
    m = R.ntk_kernel_regression(X, y, seed=3)
    alpha, beta, r = R.preprocess(X, y)
    perm = np.random.default_rng(3).permutation(120)
    va, tr = perm[:24], perm[24:]
    K = R.relu_ntk(X, X)
    scale = np.trace(K[np.ix_(tr, tr)]) / len(tr)
    # held-out curve by direct solves
    for lam_rel, loss in zip(m.info["head"].lambdas, m.info["head"].val_loss):
        c_tr = np.linalg.solve(K[np.ix_(tr, tr)] + len(tr) * lam_rel * scale * np.eye(len(tr)), r[tr])
        assert loss == pytest.approx(np.mean((r[va] - K[np.ix_(va, tr)] @ c_tr) ** 2), rel=1e-6)
    assert m.info["lam_rel"] == m.info["head"].lambdas[np.argmin(m.info["head"].val_loss)]
    # final fit: all 120 points at the selected λ
    c = np.linalg.solve(K + len(X) * m.info["lam"] * np.eye(len(X)), r)
    Z = np.random.default_rng(2).standard_normal((30, 4))
    np.testing.assert_allclose(m(Z), alpha + Z @ beta + R.relu_ntk(Z, X) @ c, rtol=1e-6, atol=1e-8)
    assert m.info["lam"] == pytest.approx(m.info["lam_rel"] * scale)
    # the torch path (used on a GPU) gives the same predictor on the CPU
    # (nearly ridgeless solves: agreement to the conditioning of K + nλI, not to machine precision)
    mt = R.ntk_kernel_regression(X, y, seed=3, device="cpu:0")
    np.testing.assert_allclose(mt(Z), m(Z), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(mt.info["head"].val_loss, m.info["head"].val_loss, rtol=1e-6, atol=1e-9)


def test_relu_ntk_torch_matches_numpy():
    X = np.random.default_rng(0).standard_normal((7, 5))
    Z = np.random.default_rng(1).standard_normal((4, 5))
    np.testing.assert_allclose(R.relu_ntk(torch.tensor(Z), torch.tensor(X)).numpy(), R.relu_ntk(Z, X),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, p", [(30, 50), (80, 12)])
def test_fit_head_loo_equals_refitting_without_each_point(n, p):
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 4))
    y = np.cos(X[:, 1]) + 0.2 * rng.standard_normal(n)
    fm = R.relu_features(rng.standard_normal((p, 4)), rng.standard_normal(p))
    lams = np.array([1e-4, 1e-2, 1.0])
    head = R.fit_head_loo(fm, X, y, lambdas=lams, chunk=7)  # chunked primal path when n > p
    F = fm(X)
    scale = np.trace(F.T @ F) / n
    for j, lam in enumerate(lams * scale):
        errs = []
        for i in range(n):
            keep = np.arange(n) != i
            a = np.linalg.solve(F[keep].T @ F[keep] + n * lam * np.eye(p), F[keep].T @ y[keep])
            errs.append(y[i] - F[i] @ a)
        assert head.val_loss[j] == pytest.approx(np.mean(np.square(errs)), rel=1e-6)
    best = int(np.argmin(head.val_loss))
    a = np.linalg.solve(F.T @ F + n * lams[best] * scale * np.eye(p), F.T @ y)
    np.testing.assert_allclose(head.coef, a, rtol=1e-6, atol=1e-9)


def test_excess_risk_quadrature_is_exact_for_polynomials_and_agrees_with_monte_carlo():
    f = H.paper_target(6, seed=0)  # (h2 + h4)/√2
    u = f.U[0]

    def poly(coef):
        fm = lambda Z: H.hermite_h(2, Z @ u)[:, None]  # noqa: E731
        fm.p = 1
        return R.Predictor(featurize=fm, coef=np.array([coef]))

    # predicting 0, or exactly the h2 part: E[(f̂ - f*)²] = 1 and 1/2 exactly (no perpendicular noise)
    assert R.excess_risk_quadrature(poly(0.0), f)[0] == pytest.approx(1.0, abs=1e-10)
    assert R.excess_risk_quadrature(poly(1 / math.sqrt(2)), f)[0] == pytest.approx(0.5, abs=1e-10)
    # two relevant directions: the null predictor scores E[f*²] = 1
    g = H.multi_index_target(H.random_directions(5, 2, seed=1), {(2, 0): 1.0, (1, 3): 1.0})
    null = R.Predictor(featurize=R.relu_features(np.zeros((1, 5)), np.zeros(1)), coef=np.zeros(1))
    assert R.excess_risk_quadrature(null, g, n_nodes=20, n_perp=2)[0] == pytest.approx(1.0, abs=1e-10)
    # a ReLU-feature predictor (kinks, dependence across u): agrees with plain Monte Carlo within errors
    X, y = f.sample(600, zeta=0.1, seed=3)
    model = R.random_features(X, y, width=80, seed=0)
    q, q_se = R.excess_risk_quadrature(model, f, n_nodes=60, n_perp=200, seed=4)
    mc, mc_se = R.excess_risk(model, f, n_test=400_000, seed=5)
    assert abs(q - mc) < 4 * math.hypot(q_se, mc_se) + 0.01 * q


def test_feature_floor_of_known_feature_sets():
    f = H.paper_target(6, seed=0)
    u = f.U[0]

    def fm_of(*degrees):
        fm = lambda Z: np.stack([H.hermite_h(k, Z @ u) for k in degrees], axis=1)  # noqa: E731
        fm.p = len(degrees)
        return fm

    # features that span f* reach 0; without h4 (orthogonal to every polynomial of degree < 4) the floor is 1/2
    assert R.feature_floor(fm_of(2, 4), f, n=2000)[0] == pytest.approx(0.0, abs=1e-8)
    assert R.feature_floor(fm_of(2, 3), f, n=200_000)[0] == pytest.approx(0.5, abs=0.01)


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


def test_one_pretraining_sample_gives_a_rank_one_representation():
    # r_1 = y_1 - α - β·x_1 = -y_1 |x_1|²; every row of W¹ is a multiple of x_1 (the transfer's control arm)
    f = H.paper_target(7, seed=0)
    X, y = f.sample(1, seed=4)
    W1 = R.first_step(X, y, width=60, seed=1)["W"]
    assert np.linalg.matrix_rank(W1, tol=1e-10) == 1
    rows = W1[np.linalg.norm(W1, axis=1) > 0]
    np.testing.assert_allclose(np.abs(rows @ X[0]) / np.linalg.norm(rows, axis=1), np.linalg.norm(X[0]), rtol=1e-10)


def test_transfer_selects_lambda_by_leave_one_out_on_all_points():
    d = 6
    f = H.paper_target(d, p=3, seed=0)
    rep = R.first_step(*f.sample(500, seed=1), width=50, seed=0)
    g = H.single_index_target(f.U[0], {3: 1.0})
    Xn, yn = g.sample(40, seed=2)
    new = R.transfer(rep, Xn, yn)
    head = R.fit_head_loo(rep["featurize"], Xn, yn)
    np.testing.assert_allclose(new.coef, head.coef)
    assert new.info["head"].n_train == 40 and new.alpha == 0.0 and new.beta is None


# ------------------------------------------------------------------------------------------------
# bad input and silent wrong answers (each test returned a number or raised something else before)
# ------------------------------------------------------------------------------------------------

_rng = np.random.default_rng(0)
_X = _rng.standard_normal((40, 3))
_Y = _X[:, 0] ** 2 - 1 + 0.5 * _X[:, 1]


def test_one_step_refuses_nan_weights():
    """NaN first-layer weights gave an all-zero update (the NaN was masked)."""
    with pytest.raises(ValueError, match="W has 6 non-finite"):
        R.one_step(_X, _Y, np.array([1.0, -1]), np.full((2, 3), np.nan), eta1=1.0)
    with pytest.raises(ValueError, match="a has 1 non-finite"):
        R.one_step(_X, _Y, np.array([np.nan, -1]), np.ones((2, 3)), eta1=1.0)


@pytest.mark.parametrize("X", [np.zeros((40, 3)), np.full((40, 3), -0.1)])
def test_all_zero_features_give_the_zero_head_not_nan(X):
    """An all-zero feature matrix gave NaN coefficients (0/0 in the relative ridge grid)."""
    fz = R.relu_features(np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]), np.zeros(4))
    for head in (R.fit_head(fz, X, _Y), R.fit_head_loo(fz, X, _Y)):
        assert np.all(head.coef == 0) and np.all(np.isfinite(head.val_loss))
    model = R.ntk_regression(np.zeros((40, 3)), _Y, width=4)
    assert np.all(np.isfinite(model(_X[:5])))
    ev, va = R.path_losses(fz, X, _Y, _X, _Y)
    assert np.all(np.isfinite(ev)) and np.all(np.isfinite(va))


def test_feature_maps_validate_and_copy_their_weights():
    """A 1-d W gave features of the wrong shape; complex/NaN flowed through; W was kept by reference."""
    with pytest.raises(ValueError, match="W must have shape"):
        R.relu_features(np.ones(3), 0.0)
    with pytest.raises(TypeError, match="b has complex"):
        R.relu_features(np.ones((2, 3)), np.array([1j, 0.5]))
    with pytest.raises(ValueError, match="a has 1 non-finite"):
        R.ntk_feature_map(np.ones((2, 3)), np.zeros(2), np.array([np.inf, 1.0]))
    with pytest.raises(ValueError, match="W must have shape"):
        R.ntk_feature_map(np.ones((2, 0)), np.zeros(2), np.ones(2))
    W = np.ones((2, 3))
    f = R.relu_features(W, np.zeros(2))
    W[0, 0] = 5.0
    assert f(np.ones((1, 3)))[0, 0] == 3.0
    g = R.ntk_feature_map(np.ones((2, 3)), np.zeros(2), np.ones(2))
    np.testing.assert_array_equal(g(_X[:2].tolist()), g(_X[:2]))  # lists accepted, as by relu_features
    with pytest.raises(TypeError, match="X has complex"):
        f(_X[:2] + 0.5j)


def test_ridge_and_alignment_refuse_bad_values():
    with pytest.raises(TypeError, match="y has complex"):
        R.ridge_path(np.abs(_X), y=_Y * np.exp(0.5j))
    path = R.ridge_path(np.abs(_X), y=_Y)
    with pytest.raises(ValueError, match="lam must be a positive"):
        path.coef(-1.0)
    with pytest.raises(ValueError, match="n_mc=0 must be >= 1"):
        R.predicted_alignment(100, 5, n_mc=0)
    fz = R.relu_features(np.eye(3), np.zeros(3))
    with pytest.raises(ValueError, match="val_fraction=5.0 must be < 1"):
        R.path_losses(fz, _X, _Y, _X, _Y, val_fraction=5)


def test_seeds_are_required_integers():
    """seed=None was accepted by 12 functions documented as seed: int (fresh entropy, not reproducible)."""
    for call in (lambda: R.algorithm1(_X, _Y, width=4, seed=None), lambda: R.symmetric_init(3, 4, seed=None),
                 lambda: R.predicted_alignment(100, 5, n_mc=10, seed=-1),
                 lambda: R.fit_head(R.relu_features(np.eye(3), np.zeros(3)), _X, _Y, seed=1.5)):
        with pytest.raises((TypeError, ValueError), match="seed"):
            call()


def test_default_lambdas_are_not_shared_or_writable():
    head = R.fit_head(R.relu_features(np.eye(3), np.zeros(3)), _X, _Y)
    assert not np.shares_memory(head.lambdas, R.DEFAULT_LAMBDAS)
    assert not R.DEFAULT_LAMBDAS.flags.writeable


def test_wrong_objects_are_type_errors():
    """transfer of a kernel predictor raised KeyError 'W'; a featurize without .p an AttributeError."""
    with pytest.raises(TypeError, match="kernel predictors have no features"):
        R.transfer(R.ntk_kernel_regression(_X, _Y), _X, _Y)
    with pytest.raises(TypeError, match="featurize must have an integer attribute p"):
        R.fit_head(lambda X: X, _X, _Y)
    with pytest.raises(TypeError, match="target must be a HermiteTarget"):
        R.excess_risk(lambda X: X[:, 0], object())
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            R.ntk_kernel_regression(_X, _Y, device="cuda")
