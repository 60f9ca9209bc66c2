"""Tests for inal_utils.diversity: every formula against an independent computation."""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.special
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from inal_utils import diversity as dv


def mc_mean(samples):
    """Monte Carlo mean and its standard error."""
    samples = np.asarray(samples, dtype=float)
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / math.sqrt(samples.shape[0])


# ----------------------------------------------------------------------------------------------
# arc-cosine kernels
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("degree", [0, 1])
def test_arccos_kernel_matches_monte_carlo_over_gaussian_weights(degree):
    d = 5
    X = dv.sample_sphere(6, d, seed=1)
    w = np.random.default_rng(2).standard_normal((200_000, d))
    Z = w @ X.T  # (samples, 6)
    F = (Z > 0).astype(float) if degree == 0 else np.maximum(Z, 0.0)
    est = np.einsum("si,sj->sij", F[:50_000], F[:50_000])
    mean, se = mc_mean(est)
    K = dv.arccos_kernel(X, degree=degree)
    assert np.all(np.abs(K - mean) <= 5 * se + 1e-12)


def test_arccos_kernel_closed_values():
    e = np.eye(3)
    K0 = dv.arccos_kernel(np.vstack([e[0], e[1], -e[0]]), degree=0)
    np.testing.assert_allclose(K0[0], [0.5, 0.25, 0.0], atol=1e-15)
    K1 = dv.arccos_kernel(np.vstack([e[0], e[1], -e[0]]), degree=1)
    np.testing.assert_allclose(K1[0], [0.5, 1 / (2 * np.pi), 0.0], atol=1e-15)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), d=st.integers(2, 8))
def test_arccos_kernel_symmetric_bounded_rotation_invariant(seed, d):
    X = dv.sample_sphere(5, d, seed=seed)
    Q, _ = np.linalg.qr(np.random.default_rng(seed + 1).standard_normal((d, d)))
    for degree in (0, 1):
        K = dv.arccos_kernel(X, degree=degree)
        np.testing.assert_allclose(K, K.T, atol=1e-14)
        assert K.min() >= -1e-15 and K.max() <= 0.5 + 1e-15
        np.testing.assert_allclose(dv.arccos_kernel(X @ Q, degree=degree), K, atol=1e-12)


def test_gram_infinity_psd_and_positive_for_nonparallel_inputs():
    X = dv.sample_sphere(40, 6, seed=3)
    G, lam0 = dv.gram_infinity(X)
    assert lam0 > 0
    assert np.linalg.eigvalsh(G)[0] == pytest.approx(lam0)
    # G = E_w[DᵀD]/n: compare with a Monte Carlo average of the feature Gram over Gaussian weights;
    # entry (i, j) averages x_iᵀx_j · Bernoulli(p_ij), p_ij = k(x_iᵀx_j), so its standard error is known
    N = 100_000
    est = dv.feature_gram(np.random.default_rng(4).standard_normal((N, 6)), X)
    p = dv.arccos_kernel(X, degree=0)
    se = np.abs(X @ X.T) * np.sqrt(p * (1 - p) / N)
    assert np.all(np.abs(est - G) <= 5 * se + 1e-12)


def test_gram_infinity_singular_for_repeated_input():
    X = dv.sample_sphere(10, 4, seed=5)
    X[3] = X[7]
    _, lam0 = dv.gram_infinity(X)
    assert abs(lam0) < 1e-12


# ----------------------------------------------------------------------------------------------
# spectrum
# ----------------------------------------------------------------------------------------------
def test_multiplicity_small_cases():
    assert [dv.multiplicity(2, u) for u in range(5)] == [1, 2, 2, 2, 2]
    assert [dv.multiplicity(3, u) for u in range(5)] == [1, 3, 5, 7, 9]
    # d = 4: (u + 1)²
    assert [dv.multiplicity(4, u) for u in range(5)] == [1, 4, 9, 16, 25]
    # dimension of homogeneous harmonic polynomials: C(u+d-1, d-1) - C(u+d-3, d-1)
    for d in (5, 9):
        for u in range(2, 7):
            assert dv.multiplicity(d, u) == math.comb(u + d - 1, d - 1) - math.comb(u + d - 3, d - 1)


def test_spectrum_d2_closed_forms():
    # d = 2: eigenvalues are Fourier cosine coefficients of κ(cos θ); closed forms by hand
    u = np.arange(401.0)
    s0 = dv.kernel_spectrum("arccos0", 2, 400)
    exact0 = np.where(u % 2 == 1, 1 / (np.pi**2 * np.maximum(u, 1) ** 2), 0.0)
    exact0[0] = 0.25
    assert np.all(np.abs(s0.eigenvalue - exact0) <= s0.floor)
    sg = dv.kernel_spectrum("gram", 2, 400)
    exactg = np.where(u % 2 == 0, (1 / (u + 1) ** 2 + 1 / np.maximum(u - 1, 1) ** 2) / (2 * np.pi**2), 0.0)
    exactg[0], exactg[1] = 1 / np.pi**2, 1 / 8
    assert np.all(np.abs(sg.eigenvalue - exactg) <= sg.floor)
    # the rounding floor is not wildly pessimistic either
    assert np.max(np.abs(sg.eigenvalue - exactg) / sg.floor) > 1e-3


@pytest.mark.parametrize("profile", ["arccos0", "arccos1", "gram", "relu"])
@pytest.mark.parametrize("d", [3, 4, 7])
def test_spectrum_against_adaptive_quadrature(profile, d):
    kappa = (lambda t: np.maximum(t, 0.0)) if profile == "relu" else dv.PROFILES[profile]
    spec = dv.kernel_spectrum(kappa, d, 8)
    alpha = (d - 2) / 2
    cd = math.gamma(d / 2) / (math.sqrt(math.pi) * math.gamma((d - 1) / 2))
    for u in range(9):
        norm = scipy.special.eval_gegenbauer(u, alpha, 1.0)

        def f(t, u=u):
            return kappa(t) * scipy.special.eval_gegenbauer(u, alpha, t) / norm * (1 - t * t) ** ((d - 3) / 2)

        ref = sum(scipy.integrate.quad(f, a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0] for a, b in ((-1, 0), (0, 1)))
        assert abs(spec.eigenvalue[u] - cd * ref) < 1e-10


def test_spectrum_zero_degrees_and_positivity():
    for d in (3, 5, 10):
        g = dv.kernel_spectrum("gram", d, 60)
        k0 = dv.kernel_spectrum("arccos0", d, 60)
        odd, even = g.degree % 2 == 1, g.degree % 2 == 0
        # G = t·k(t): odd degrees >= 3 vanish; k itself: even degrees >= 2 vanish
        assert np.all(np.abs(g.eigenvalue[odd & (g.degree >= 3)]) <= g.floor[0])
        assert np.all(np.abs(k0.eigenvalue[even & (k0.degree >= 2)]) <= k0.floor[0])
        # positive definite kernels: every eigenvalue is >= 0 up to rounding
        assert g.eigenvalue.min() >= -g.floor[0] and k0.eigenvalue.min() >= -k0.floor[0]


@pytest.mark.parametrize("d", [3, 4])
def test_funk_hecke_sum_reproduces_kernel_and_trace(d):
    # arccos1 decays like u^-(d+2): truncating at 400 leaves a tail of order 400^-3 at t = 1
    spec = dv.kernel_spectrum("arccos1", d, 400)
    t = np.linspace(-1, 1, 41)
    alpha = (d - 2) / 2
    P = np.array([scipy.special.eval_gegenbauer(u, alpha, t) / scipy.special.eval_gegenbauer(u, alpha, 1.0)
                  for u in spec.degree])
    recon = (spec.eigenvalue * spec.multiplicity) @ P
    np.testing.assert_allclose(recon, dv.arccos1_profile(t), atol=1e-6)
    # trace of the integral operator = κ(1)
    assert abs(np.sum(spec.eigenvalue * spec.multiplicity) - dv.arccos1_profile(1.0)) < 1e-6


def test_trace_of_gram_profile_d2_with_exact_tail():
    spec = dv.kernel_spectrum("gram", 2, 400)
    partial = np.sum(spec.eigenvalue * spec.multiplicity)
    # even u = 2k >= 402 carry N = 2 and λ_u = (1/(2k+1)² + 1/(2k-1)²)/(2π²); Σ_{k>=K} 1/(2k+1)² = ψ'(K+1/2)/4
    K = 201
    tail = 2 * (scipy.special.polygamma(1, K + 0.5) + scipy.special.polygamma(1, K - 0.5)) / 4 / (2 * np.pi**2)
    assert abs(partial + tail - 0.5) < 1e-8


def test_spectrum_matches_gram_matrix_eigenvalues_monte_carlo():
    # eigenvalues of K/N on N uniform points approximate the operator's; a bounded-differences bound
    # gives deviations below κ(1)·√(2 log(2/δ)/N) ≈ 2/√N for δ = 1e-3 (κ(1) = 1/2)
    d, N = 3, 1000
    X = dv.sample_sphere(N, d, seed=11)
    ev = np.sort(np.linalg.eigvalsh(dv.arccos_kernel(X, degree=0)))[::-1] / N
    spec = dv.kernel_spectrum("arccos0", d, 9)
    predicted = np.sort(np.repeat(spec.eigenvalue, spec.multiplicity.astype(int)))[::-1][:16]
    assert np.all(np.abs(ev[:16] - predicted) < 2 / math.sqrt(N))


def test_spectrum_converged_in_nodes_and_cached():
    a = dv.kernel_spectrum("gram", 10, 400)
    b = dv.kernel_spectrum("gram", 10, 400, n_nodes=1200)
    assert np.all(np.abs(a.eigenvalue - b.eigenvalue) <= a.floor)
    assert dv._half_nodes.cache_info().hits > 0


def test_gamma_m_counts_multiplicity():
    spec = dv.kernel_spectrum("gram", 3, 20)
    lam = spec.eigenvalue  # λ_1 > λ_0 > λ_2 > λ_4 for G on S^2 (odd degrees >= 3 vanish)
    assert lam[1] > lam[0] > lam[2] > lam[4]
    assert dv.gamma_m(spec, 1) == lam[1]
    assert dv.gamma_m(spec, 3) == lam[1] and dv.gamma_m(spec, 4) == lam[0]
    assert dv.gamma_m(spec, 5) == lam[2] and dv.gamma_m(spec, 9) == lam[2] and dv.gamma_m(spec, 10) == lam[4]


def test_mean_squared_kernel_three_ways():
    d = 4
    quad = dv.mean_squared_kernel(d)
    spec = dv.kernel_spectrum("arccos0", d, 200)
    parseval = np.sum(spec.eigenvalue**2 * spec.multiplicity)
    assert abs(quad - parseval) < 1e-8
    U = dv.sample_sphere(200_000, d, seed=7)
    V = dv.sample_sphere(200_000, d, seed=8)
    mean, se = mc_mean(dv.arccos0_profile(np.sum(U * V, axis=1)) ** 2)
    assert abs(quad - mean) < 5 * se


# ----------------------------------------------------------------------------------------------
# extended feature matrix, gradient, discrepancy
# ----------------------------------------------------------------------------------------------
def _net(n=7, d=4, m=9, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, d))
    v = rng.choice([-1.0, 1.0], n)
    X = dv.sample_sphere(m, d, seed=seed + 1)
    y = rng.standard_normal(m)
    return W, v, X, y


def test_gradient_equals_D_r_against_autograd():
    W, v, X, y = _net()
    L, grad, r = dv.loss_and_gradient(W, v, X, y)
    D, _ = dv.extended_feature_matrix(W, v, X)
    np.testing.assert_allclose((D @ r).reshape(W.shape), grad, atol=1e-14)
    Wt = torch.tensor(W, requires_grad=True)
    f = torch.relu(torch.tensor(X) @ Wt.T) @ torch.tensor(v)
    Lt = 0.5 * ((torch.tensor(y) - f) ** 2).mean()
    Lt.backward()
    assert L == pytest.approx(Lt.item(), rel=1e-13)
    np.testing.assert_allclose(grad, Wt.grad.numpy(), atol=1e-13)
    np.testing.assert_allclose(dv.net_output(W, v, X), f.detach().numpy(), atol=1e-13)


def test_key_inequality_holds():
    W, v, X, y = _net(n=10, d=4, m=30, seed=3)
    L, grad, r = dv.loss_and_gradient(W, v, X, y)
    _, s_m = dv.extended_feature_matrix(W, v, X)
    assert s_m > 0
    assert np.linalg.norm(r) <= np.linalg.norm(grad) / s_m * (1 + 1e-12)


def test_extended_feature_matrix_rank_cases():
    d, m = 4, 30
    X = dv.sample_sphere(m, d, seed=9)
    rng = np.random.default_rng(10)
    W = rng.standard_normal((12, d))
    v = rng.choice([-1.0, 1.0], 12)
    D, s_m = dv.extended_feature_matrix(W, v, X)
    assert D.shape == (12 * d, m)
    tol = np.finfo(float).eps * max(D.shape) * np.linalg.norm(D, 2)
    assert s_m > 1e3 * tol
    # collapsed weights: rank D <= d < m
    Dc, sc = dv.extended_feature_matrix(np.tile(W[:1], (12, 1)), v, X)
    assert sc <= np.finfo(float).eps * max(Dc.shape) * np.linalg.norm(Dc, 2)
    # too narrow: dn < m
    _, s_narrow = dv.extended_feature_matrix(W[:5], v[:5], X)
    assert s_narrow == 0.0


def test_feature_gram_equals_DtD_over_n():
    W, v, X, _ = _net(n=6, d=3, m=8, seed=4)
    D, _ = dv.extended_feature_matrix(W, v, X)
    np.testing.assert_allclose(dv.feature_gram(W, X), D.T @ D / W.shape[0], atol=1e-14)


def test_discrepancy_identity_and_brute_force():
    rng = np.random.default_rng(12)
    for n, d in ((5, 3), (30, 6)):
        W = rng.standard_normal((n, d)) * rng.uniform(0.5, 2.0, size=(n, 1))
        Wb = W / np.linalg.norm(W, axis=1, keepdims=True)
        brute = 0.0
        for i in range(n):
            for j in range(n):
                # angle by the half-angle formula, accurate also for i = j
                theta = 2 * math.atan2(np.linalg.norm(Wb[i] - Wb[j]), np.linalg.norm(Wb[i] + Wb[j]))
                brute += (0.5 - theta / (2 * math.pi)) ** 2
        Ek2 = dv.mean_squared_kernel(d)
        L2sq = dv.weight_discrepancy(W) ** 2
        assert L2sq == pytest.approx(brute / n**2 - Ek2, abs=1e-12)
        R = dv.diversity_regularizer(W)
        assert L2sq == pytest.approx(1 / (4 * n) + (n - 1) / n * R - Ek2, abs=1e-12)


def test_discrepancy_collapsed_vs_random():
    d = 5
    W = np.random.default_rng(1).standard_normal((200, d))
    collapsed = np.tile(W[:1], (200, 1))
    Ek2 = dv.mean_squared_kernel(d)
    assert dv.weight_discrepancy(collapsed) == pytest.approx(math.sqrt(0.25 - Ek2), rel=1e-9)
    # random weights: E[L_2²] = (1/4 - E k²)/n, so L_2 ~ n^{-1/2}
    assert dv.weight_discrepancy(W) < 3 * math.sqrt((0.25 - Ek2) / 200)


def test_regularizer_gradient_closed_form_vs_autograd_and_batching():
    rng = np.random.default_rng(13)
    W = rng.standard_normal((9, 5)) * rng.uniform(0.5, 2.0, size=(9, 1))
    Wt = torch.tensor(W, requires_grad=True)
    R = dv.diversity_regularizer(Wt)
    R.backward()
    np.testing.assert_allclose(dv.diversity_regularizer_grad(W), Wt.grad.numpy(), atol=1e-12)
    assert R.item() == pytest.approx(dv.diversity_regularizer(W), abs=1e-12)
    # finite differences, independent of both
    eps, i, j = 1e-6, 2, 3
    Wp, Wm = W.copy(), W.copy()
    Wp[i, j] += eps
    Wm[i, j] -= eps
    fd = (dv.diversity_regularizer(Wp) - dv.diversity_regularizer(Wm)) / (2 * eps)
    assert fd == pytest.approx(dv.diversity_regularizer_grad(W)[i, j], abs=1e-8)
    batch = torch.tensor(np.stack([W, 2 * W[::-1]]))
    np.testing.assert_allclose(dv.diversity_regularizer(batch).numpy(), [R.item()] * 2, atol=1e-12)


def test_regularizer_finite_gradient_for_parallel_rows():
    W = torch.tensor(np.array([[1.0, 0, 0], [2.0, 0, 0], [0, 1.0, 0]]), requires_grad=True)
    dv.diversity_regularizer(W).backward()
    assert torch.isfinite(W.grad).all()


# ----------------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------------
def test_train_diverse_net_batched_equals_separate_and_reg_lowers_R():
    X, y, Xt, yt = dv.teacher_dataset(60, 4, teacher_width=20, seed=0, m_test=30)
    both = dv.train_diverse_net(X, y, 8, reg=[0.0, 1.0], seeds=[0, 1], steps=60, lr=0.02, X_test=Xt, y_test=yt,
                                dtype=torch.float64)
    one = dv.train_diverse_net(X, y, 8, reg=1.0, seeds=[1], steps=60, lr=0.02, dtype=torch.float64)
    np.testing.assert_allclose(both["W"][3], one["W"][0], atol=1e-10)
    assert list(both["reg"]) == [0.0, 0.0, 1.0, 1.0] and list(both["seed"]) == [0, 1, 0, 1]
    assert both["train_mse"][0] < both["history"][0, 0]
    assert np.all(both["R"][2:] < both["R"][:2])
    # test_mse agrees with net_output
    f = dv.net_output(both["W"][0], both["v"][0], Xt)
    assert both["test_mse"][0] == pytest.approx(np.mean((f - yt) ** 2), rel=1e-9)


def test_train_diverse_net_gd_step_equals_closed_form_gradients():
    X, y, _, _ = dv.teacher_dataset(60, 4, teacher_width=20, seed=0)
    out = dv.train_diverse_net(X, y, 8, reg=[0.0, 0.7], seeds=[3], steps=1, lr=0.1, optimizer="gd",
                               init_scale=0.01, dtype=torch.float64)
    W0, v = out["W_init"][0], out["v"][0]
    rng = np.random.default_rng(3)
    np.testing.assert_allclose(W0, 0.01 * rng.standard_normal((8, 4)) / math.sqrt(8), atol=1e-15)
    _, g, _ = dv.loss_and_gradient(W0, v, X, y)
    gR = dv.diversity_regularizer_grad(W0)
    np.testing.assert_allclose(out["W"][0], W0 - 0.1 * g, atol=1e-14)
    np.testing.assert_allclose(out["W"][1], W0 - 0.1 * (g + 0.7 * gR), atol=1e-13)
    # the reference gradient norm is the data term's, the same with and without the regulariser
    np.testing.assert_allclose(out["grad_norm0"], [np.linalg.norm(g)] * 2, rtol=1e-12)
    _, g1, _ = dv.loss_and_gradient(out["W"][1], v, X, y)
    assert out["grad_norm"][1] == pytest.approx(np.linalg.norm(g1 + 0.7 * dv.diversity_regularizer_grad(out["W"][1])),
                                                rel=1e-10)


def test_train_diverse_net_adam_matches_autograd_reference():
    X, y, _, _ = dv.teacher_dataset(40, 3, teacher_width=10, seed=1)
    out = dv.train_diverse_net(X, y, 6, reg=0.3, seeds=[2], steps=5, lr=0.05, dtype=torch.float64)
    W = torch.tensor(out["W_init"][0], requires_grad=True)
    v, Xt, yt = torch.tensor(out["v"][0]), torch.tensor(X), torch.tensor(y)
    opt = torch.optim.Adam([W], lr=0.05)
    for _ in range(5):
        opt.zero_grad()
        loss = 0.5 * ((torch.relu(Xt @ W.T) @ v - yt) ** 2).mean() + 0.3 * dv.diversity_regularizer(W)
        loss.backward()
        opt.step()
    np.testing.assert_allclose(out["W"][0], W.detach().numpy(), atol=1e-12)


def test_train_diverse_net_grad_tol_stops_and_freezes_each_network():
    X, y, _, _ = dv.teacher_dataset(50, 4, teacher_width=20, seed=2)
    kw = dict(reg=[0.0, 0.05], seeds=[0, 1], lr=0.2, optimizer="gd", grad_tol=20.0, dtype=torch.float64)
    long = dv.train_diverse_net(X, y, 30, steps=20_000, **kw)
    assert np.all(long["converged"]) and np.all(long["steps_taken"] < 20_000)
    assert np.all(long["grad_norm"] <= long["grad_norm0"] / 20.0)
    assert len(set(long["steps_taken"])) > 1  # the networks stop at different steps
    assert long["history"].shape == (long["steps_taken"].max() + 1, 4)
    # the network that stops first is frozen: its weights are those of a run capped at its stop
    first = int(np.argmin(long["steps_taken"]))
    capped = dv.train_diverse_net(X, y, 30, steps=int(long["steps_taken"][first]), **{**kw, "grad_tol": None})
    np.testing.assert_allclose(long["W"][first], capped["W"][first], atol=1e-13)
    # and it had not converged one step earlier
    earlier = dv.train_diverse_net(X, y, 30, steps=int(long["steps_taken"][first]) - 1, **{**kw, "grad_tol": None})
    assert earlier["grad_norm"][first] > long["grad_norm0"][first] / 20.0
    # a cap too small to converge reports it
    short = dv.train_diverse_net(X, y, 30, steps=3, **kw)
    assert not np.any(short["converged"]) and np.all(short["steps_taken"] == 3)


def test_train_diverse_net_tracks_discrepancy():
    X, y, _, _ = dv.teacher_dataset(50, 4, teacher_width=20, seed=2)
    out = dv.train_diverse_net(X, y, 12, reg=[0.0, 1.0], seeds=[5], steps=25, lr=0.1, optimizer="gd",
                               track_every=10, init_scale=1e-3, dtype=torch.float64)
    assert list(out["L2_steps"]) == [0, 10, 20, 25]
    for b in range(2):
        assert out["L2_history"][0, b] == pytest.approx(dv.weight_discrepancy(out["W_init"][b]), abs=1e-9)
        assert out["L2_history"][-1, b] == pytest.approx(dv.weight_discrepancy(out["W"][b]), abs=1e-9)
    assert out["L2_steps"] is not None
    plain = dv.train_diverse_net(X, y, 12, steps=2, lr=0.1)
    assert plain["L2_steps"] is None and plain["L2_history"] is None and not plain["converged"].any()


def test_least_singular_value_equals_svd_of_D():
    d, m = 4, 30
    X = dv.sample_sphere(m, d, seed=9)
    rng = np.random.default_rng(10)
    for n in (8, 12, 40):
        W = rng.standard_normal((n, d))
        v = rng.choice([-1.0, 1.0], n)
        _, s_m = dv.extended_feature_matrix(W, v, X)
        assert dv.least_singular_value(W, X) == pytest.approx(s_m, abs=1e-10)
    assert dv.least_singular_value(W[:7], X) == 0.0  # dn = 28 < m = 30


def test_gram_lambda_min_nested_prefixes_against_dense():
    X = dv.sample_sphere(150, 6, seed=4)
    ms = [10, 63, 64, 100, 150]
    got = dv.gram_lambda_min(X, ms)
    for m, g in zip(ms, got):
        assert g == pytest.approx(np.linalg.eigvalsh(dv.gram_infinity(X[:m])[0])[0], abs=1e-12)
    assert np.all(np.diff(got) <= 1e-12)  # Cauchy interlacing
    with pytest.raises(ValueError, match="only 150 rows"):
        dv.gram_lambda_min(X, [200])


def test_random_direction_discrepancy_expectation_monte_carlo():
    # E L_2(W)² = (1/4 − E k²)/n for i.i.d. uniform directions (the V-statistic's diagonal)
    d, n = 5, 40
    Ek2 = dv.mean_squared_kernel(d)
    vals = [dv.weight_discrepancy(np.random.default_rng(s).standard_normal((n, d))) ** 2 for s in range(400)]
    mean, se = mc_mean(vals)
    assert abs(mean - (0.25 - Ek2) / n) < 4 * se
    assert abs(mean - 2 * (0.25 - Ek2) / n) > 4 * se  # the test tells 1/n from 2/n


def test_tail_trace_blocks():
    d = 3
    spec = dv.kernel_spectrum("gram", d, 60)
    lam = spec.eigenvalue  # order on S^2: λ_1 (3-fold) > λ_0 > λ_2 (5-fold) > λ_4 (9-fold) > ...
    assert dv.tail_trace(spec, 2, trace=0.5) == pytest.approx(0.5, abs=1e-15)  # the first block has 3
    assert dv.tail_trace(spec, 3, trace=0.5) == pytest.approx(0.5 - 3 * lam[1], abs=1e-15)
    assert dv.tail_trace(spec, 8, trace=0.5) == pytest.approx(0.5 - 3 * lam[1] - lam[0], abs=1e-15)
    assert dv.tail_trace(spec, 9, trace=0.5) == pytest.approx(0.5 - 3 * lam[1] - lam[0] - 5 * lam[2], abs=1e-15)
    # against the trace of the blocks left out, summed directly (the rest beyond degree 60 is < 1/60)
    direct = np.sum((lam * spec.multiplicity)[4:][np.abs(lam[4:]) > spec.floor[4:]])
    assert 0 <= dv.tail_trace(spec, 9, trace=0.5) - direct <= 1 / 60


def test_du_movement_within_lemma_bound():
    # Du et al.'s R' = 2√n‖y − u(0)‖/(√m λ_0) bounds every weight's movement in the regime of the lemma
    X = dv.sample_sphere(20, 10, seed=3)
    y = np.random.default_rng(4).standard_normal(20)
    H, lam0 = dv.gram_infinity(X)
    out = dv.du_gradient_descent(X, y, 4000, lr=1 / np.linalg.eigvalsh(H)[-1], steps=100, seeds=[0, 1])
    Rp = 2 * np.sqrt(20) * out["residual"][:, 0] / (np.sqrt(4000) * lam0)
    assert np.all(out["max_movement"][:, -1] <= Rp)
    assert np.all(out["residual"][:, -1] < 0.1 * out["residual"][:, 0])


def test_du_gradient_descent_step_and_records():
    X = dv.sample_sphere(10, 5, seed=1)
    y = np.random.default_rng(2).standard_normal(10)
    out = dv.du_gradient_descent(X, y, 50, lr=0.5, steps=3, seeds=[4])
    # replay the first step by hand with autograd
    rng = np.random.default_rng(4)
    W0 = torch.tensor(rng.standard_normal((50, 5)), requires_grad=True)
    a = torch.tensor(rng.choice([-1.0, 1.0], 50))
    u = torch.relu(torch.tensor(X) @ W0.T) @ a / math.sqrt(50)
    loss = 0.5 * ((torch.tensor(y) - u) ** 2).sum()
    loss.backward()
    assert out["residual"][0, 0] == pytest.approx(math.sqrt(2 * loss.item()), rel=1e-12)
    W1 = W0.detach() - 0.5 * W0.grad
    assert out["max_movement"][0, 1] == pytest.approx((W1 - W0.detach()).norm(dim=1).max().item(), rel=1e-10)
    changed = ((torch.tensor(X) @ W1.T >= 0) != (torch.tensor(X) @ W0.detach().T >= 0)).double().mean()
    assert out["pattern_change"][0, 1] == pytest.approx(changed.item())
    assert out["residual"].shape == (1, 4) and out["pattern_change"][0, 0] == 0.0


# ----------------------------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------------------------
def test_bad_input_messages():
    X = dv.sample_sphere(5, 3, seed=0)
    with pytest.raises(ValueError, match="unit-norm rows.*row 0"):
        dv.arccos_kernel(2 * X)
    with pytest.raises(ValueError, match="degree=2"):
        dv.arccos_kernel(X, degree=2)
    with pytest.raises(ValueError, match="d=1 .*d >= 2"):
        dv.kernel_spectrum("gram", 1, 10)
    with pytest.raises(ValueError, match="profile='tanh'"):
        dv.kernel_spectrum("tanh", 3, 10)
    with pytest.raises(ValueError, match="shape\\[1\\]=1"):
        dv.gram_infinity(np.ones((4, 1)))
    with pytest.raises(ValueError, match="W has 4 columns but X has 3"):
        dv.extended_feature_matrix(np.ones((2, 4)), [1, -1], X)
    with pytest.raises(ValueError, match="v has shape \\(3,\\)"):
        dv.extended_feature_matrix(np.ones((2, 3)), [1, -1, 1], X)
    with pytest.raises(ValueError, match="only \\+1 and -1"):
        dv.extended_feature_matrix(np.ones((2, 3)), [1, 0.5], X)
    with pytest.raises(ValueError, match="y has shape"):
        dv.loss_and_gradient(np.ones((2, 3)), [1, -1], X, np.zeros(4))
    with pytest.raises(ValueError, match="zero row"):
        dv.weight_discrepancy(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="reg="):
        dv.train_diverse_net(X, np.zeros(5), 4, reg=-1.0)
    with pytest.raises(ValueError, match="optimizer='sgd'"):
        dv.train_diverse_net(X, np.zeros(5), 4, optimizer="sgd")
    with pytest.raises(ValueError, match="grad_tol=1"):
        dv.train_diverse_net(X, np.zeros(5), 4, grad_tol=1)
    with pytest.raises(ValueError, match="init_scale=0"):
        dv.train_diverse_net(X, np.zeros(5), 4, init_scale=0)
    with pytest.raises(ValueError, match="track_every=0"):
        dv.train_diverse_net(X, np.zeros(5), 4, track_every=0)
    with pytest.raises(ValueError, match="trace=nan"):
        dv.tail_trace(dv.kernel_spectrum("gram", 3, 4), 2, trace=float("nan"))
    with pytest.raises(ValueError, match="lr=0"):
        dv.du_gradient_descent(X, np.zeros(5), 4, lr=0, steps=2)


# ----------------------------------------------------------------------------------------------
# regressions: bad input reaching the computation (fuzz findings)
# ----------------------------------------------------------------------------------------------
def test_profiles_refuse_t_outside_unit_interval_S14():
    for profile in (dv.arccos0_profile, dv.arccos1_profile, dv.gram_profile):
        for t in (5.0, -1.5, np.array([0.5, 1.0 + 1e-6]), np.array([4], dtype=np.int8)):
            with pytest.raises(ValueError, match=r"\bt\b.*\[-1, 1\]"):
                profile(t)
        for t in (np.inf, np.array([0.0, np.nan])):
            with pytest.raises(ValueError, match="non-finite"):
                profile(t)
        with pytest.raises(TypeError, match="complex"):
            profile(np.array([0.5 + 1j]))
        # rounding excess within COSINE_TOL is clipped, exactly as before
        assert profile(1.0 + 0.5 * dv.COSINE_TOL) == profile(1.0)
        assert profile(-1.0 - 0.5 * dv.COSINE_TOL) == profile(-1.0)
    assert dv.arccos0_profile(1.0) == 0.5 and dv.arccos0_profile(-1.0) == 0.0


def test_teacher_dataset_refuses_negative_m_test_S22():
    with pytest.raises(ValueError, match="m_test=-1 must be >= 0"):
        dv.teacher_dataset(5, 3, teacher_width=2, seed=0, m_test=-1)
    X, y, Xt, yt = dv.teacher_dataset(5, 3, teacher_width=2, seed=0, m_test=2)
    assert X.shape == (5, 3) and y.shape == (5,) and Xt.shape == (2, 3) and yt.shape == (2,)


def test_diversity_regularizer_refuses_zero_rows_and_bad_clamp_S23():
    W = np.array([[0.0, 0.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="W has 1 zero row"):
        dv.diversity_regularizer(W)
    with pytest.raises(ValueError, match="zero row"):
        dv.diversity_regularizer(torch.tensor(W))
    with pytest.raises(ValueError, match="zero row"):
        dv.diversity_regularizer_grad(W)
    with pytest.raises(ValueError, match="zero row"):
        dv.weight_discrepancy(W)
    W = np.array([[1.0, 0.2], [0.3, 1.0], [-1.0, 0.5]])
    for clamp in (1.5, 1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="clamp="):
            dv.diversity_regularizer(W, clamp=clamp)
    assert dv.diversity_regularizer(W, clamp=0.0) == pytest.approx(dv.diversity_regularizer(W), abs=1e-12)


def test_non_finite_and_complex_arrays_refused_S10_S2():
    X = dv.sample_sphere(4, 3, seed=0)
    W, v, y = np.eye(3), np.array([1.0, -1.0, 1.0]), np.zeros(4)
    with pytest.raises(ValueError, match=r"\by\b has 1 non-finite"):
        dv.loss_and_gradient(W, v, X, np.array([0.0, np.inf, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"\by\b has 1 non-finite"):
        dv.train_diverse_net(X, np.array([0.0, np.nan, 0.0, 0.0]), 3, steps=1)
    with pytest.raises(ValueError, match=r"\by\b has 1 non-finite"):
        dv.du_gradient_descent(X, np.array([np.nan, 0.0, 0.0, 0.0]), 3, lr=0.1, steps=1)
    with pytest.raises(TypeError, match=r"\bW\b has complex"):
        dv.net_output(W + 1j, v, X)
    with pytest.raises(TypeError, match=r"\bW\b has dtype <U"):
        dv.diversity_regularizer(np.array([["0.1", "nan"], ["1", "2"]]))
    with pytest.raises(ValueError, match=r"\bW\b has 1 non-finite"):
        dv.diversity_regularizer(torch.tensor([[1.0, 0.0], [0.0, float("nan")]]))
    with pytest.raises(TypeError, match=r"\bX\b has complex"):
        dv.feature_gram(W, X + 0j)
    with pytest.raises(ValueError, match=r"\bW\b has 1 non-finite"):
        dv.extended_feature_matrix(np.array([[np.nan, 0, 0], [1, 0, 0]]), [1, -1], X)
    with pytest.raises(ValueError, match=r"\bW\b has 1 non-finite"):
        dv.weight_discrepancy(np.array([[np.nan, 0, 0], [1, 0, 0]]))
    with pytest.raises(ValueError, match=r"\bW\b has 1 non-finite"):
        dv.diversity_regularizer_grad(np.array([[np.nan, 0, 0], [1, 0, 0]]))


def test_multiplicity_and_spectrum_refuse_float_overflow_U1():
    with pytest.raises(ValueError, match=r"N\(d=200, u=100000\) is beyond the largest float"):
        dv.multiplicity(200, 10**5)
    with pytest.raises(ValueError, match="beyond the largest float"):
        dv.multiplicity(10**400, 2)
    with pytest.raises(ValueError, match="max_degree=2000 is too large for d=300"):
        dv.kernel_spectrum("gram", 300, 2000)
    # the largest values that fit stay exact
    assert dv.multiplicity(3, 10**12) == 2 * 10**12 + 1
    assert dv.multiplicity(200, 2) == (2 * 2 + 198) * math.comb(199, 1) // 2


def test_kernel_spectrum_refuses_huge_tables_up_front_H3():
    with pytest.raises(ValueError, match="max_degree=100000 .*MAX_NODES"):
        dv.kernel_spectrum("arccos1", 3, 10**5)
    with pytest.raises(ValueError, match=r"n_nodes=10001 must be <= 10000"):
        dv.kernel_spectrum("arccos1", 3, 4, n_nodes=10**4 + 1)
    with pytest.raises(ValueError, match=r"d=1000000 .*MAX_NODES"):
        dv.mean_squared_kernel(10**6)


def test_kernel_spectrum_memory_budget(monkeypatch):
    from inal_utils import _checks

    monkeypatch.setattr(_checks, "MEMORY_BUDGET_BYTES", 1000)
    with pytest.raises(ValueError, match=r"kernel_spectrum\(max_degree=40, n_nodes=91\).*smaller max_degree"):
        dv.kernel_spectrum("gram", 3, 40)


def test_kernel_spectrum_refuses_nan_profile_S29():
    with pytest.raises(ValueError, match="profile=.*non-finite"):
        dv.kernel_spectrum(lambda t: np.full_like(t, np.nan), 3, 4)
    with pytest.raises(ValueError, match="profile=.*shape"):
        dv.kernel_spectrum(lambda t: 1.0, 3, 4)
    with pytest.raises(TypeError, match="profile=3 must be a callable"):
        dv.kernel_spectrum(3, 3, 4)


def test_training_refuses_unavailable_devices_U2_U3():
    X = dv.sample_sphere(4, 3, seed=0)
    devices = ["meta", "foo", torch.device("meta")] + ([] if torch.cuda.is_available() else ["cuda"])
    for device in devices:
        with pytest.raises(ValueError, match="device="):
            dv.train_diverse_net(X, np.zeros(4), 3, steps=1, device=device)
        with pytest.raises(ValueError, match="device="):
            dv.du_gradient_descent(X, np.zeros(4), 3, lr=0.1, steps=1, device=device)


def test_integer_dtypes_refused_U7():
    X = dv.sample_sphere(4, 3, seed=0)
    for dtype in (torch.int64, torch.bool):
        with pytest.raises(TypeError, match="dtype=.*floating"):
            dv.train_diverse_net(X, np.zeros(4), 3, steps=1, dtype=dtype)
        with pytest.raises(TypeError, match="dtype=.*floating"):
            dv.du_gradient_descent(X, np.zeros(4), 3, lr=0.1, steps=1, dtype=dtype)
    with pytest.raises(ValueError, match="dtype=torch.float16 is not supported"):
        dv.train_diverse_net(X, np.zeros(4), 3, steps=1, dtype=torch.float16)
    with pytest.raises(TypeError, match=r"\bW\b has dtype torch.int64"):
        dv.diversity_regularizer(torch.ones(3, 3, dtype=torch.int64))


def test_gamma_m_refuses_non_spectrum_U4():
    for obj in (None, (1, 2, 3, 4), np.ones(4), {"eigenvalue": np.ones(2)}):
        with pytest.raises(TypeError, match="spectrum must be a Spectrum"):
            dv.gamma_m(obj, 2)
        with pytest.raises(TypeError, match="spectrum must be a Spectrum"):
            dv.tail_trace(obj, 2, trace=0.5)


def test_seeds_required_and_in_range_SEED():
    for f in (lambda s: dv.sample_sphere(3, 3, seed=s), lambda s: dv.teacher_dataset(3, 3, teacher_width=2, seed=s)):
        with pytest.raises(TypeError, match="seed=None"):
            f(None)
        for s in (-1, 2**64):
            with pytest.raises(ValueError, match="seed="):
                f(s)
        with pytest.raises(TypeError, match="seed="):
            f(1.0)
    X = dv.sample_sphere(4, 3, seed=0)
    with pytest.raises(ValueError, match=r"seeds\[1\]=-1"):
        dv.train_diverse_net(X, np.zeros(4), 3, steps=1, seeds=[0, -1])
    with pytest.raises(TypeError, match=r"seeds\[0\]"):
        dv.du_gradient_descent(X, np.zeros(4), 3, lr=0.1, steps=1, seeds=[0.5])
    # a seed as a numpy integer gives the same points as the Python int
    np.testing.assert_array_equal(dv.sample_sphere(3, 3, seed=np.uint64(7)), dv.sample_sphere(3, 3, seed=7))


def test_huge_sizes_refused_before_allocation_M2():
    with pytest.raises(ValueError, match=r"sample_sphere\(m=1000000000000, d=3\) needs about"):
        dv.sample_sphere(10**12, 3, seed=0)
    X = dv.sample_sphere(4, 3, seed=0)
    with pytest.raises(ValueError, match=r"train_diverse_net\(.*width=1000000000.*smaller width"):
        dv.train_diverse_net(X, np.zeros(4), 10**9, steps=1)
    with pytest.raises(ValueError, match=r"steps=1000000000000"):
        dv.train_diverse_net(X, np.zeros(4), 3, steps=10**12)
    with pytest.raises(ValueError, match=r"du_gradient_descent\(.*width=1000000000"):
        dv.du_gradient_descent(X, np.zeros(4), 10**9, lr=0.1, steps=1)
    with pytest.raises(ValueError, match=r"teacher_dataset\(m=1000000000000"):
        dv.teacher_dataset(10**12, 3, teacher_width=2, seed=0)


def test_sizes_must_be_integers_not_floats():
    with pytest.raises(TypeError, match="m=.*must be an integer"):
        dv.sample_sphere(4.0, 3, seed=0)
    with pytest.raises(TypeError, match="degree=True"):
        dv.arccos_kernel(dv.sample_sphere(3, 3, seed=0), degree=True)
    with pytest.raises(TypeError, match=r"ms\[0\]|\bms\b"):
        dv.gram_lambda_min(dv.sample_sphere(3, 3, seed=0), [2.5])
    with pytest.raises(ValueError, match="y_test is given without X_test"):
        dv.train_diverse_net(dv.sample_sphere(4, 3, seed=0), np.zeros(4), 3, steps=1, y_test=np.zeros(2))
