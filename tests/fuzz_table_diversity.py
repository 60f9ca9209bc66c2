"""Bad-input fuzz table for :mod:`inal_utils.diversity` (merged into ``tests/test_bad_input.py``).

``DIVERSITY_API`` has one :class:`Entry` per public callable of :mod:`inal_utils.diversity` (keys
``"diversity.<name>"``), ``DIVERSITY_EXEMPT`` the callables deliberately not fuzzed, with their
reason. ``test_bad_input.py`` adds ``"diversity"`` to ``COVERED_MODULES`` and merges both dicts into
``API`` and ``EXEMPT``. Valid calls are tiny (4 points on ``S²``, 3 hidden units, one training step).
"""

from __future__ import annotations

import numpy as np
import torch

from inal_utils import diversity as D
from test_bad_input import Entry, bad

X4 = D.sample_sphere(4, 3, seed=0)
W3 = np.array([[1.0, 0.2, -0.3], [-0.5, 1.0, 0.1], [0.3, -0.4, 1.0]])
V3 = np.array([1.0, -1.0, 1.0])
Y4 = np.array([0.1, -0.2, 0.3, 0.0])
T3 = np.array([0.5, -0.2, 1.0])


def _spectrum():
    return D.kernel_spectrum("gram", 3, 4)


def _x():
    return X4.copy()


def _is(shape):
    return lambda s: s == shape


_BAD_T = bad("values", 5.0, -1.5, 1.0 + 1e-6, np.inf, -np.inf, np.nan, np.array([0.5, 2.0]),
             np.array([4], dtype=np.int8), 1j, np.array([0.5 + 1j]), "0.5", None, [[0.5], [0.1, 0.2]],
             np.array([0.5], dtype=object), np.array([True]), torch.tensor([np.nan]),
             torch.tensor([0.5], device="meta"))
_X = bad("array", valid=X4, shape_ok=_is((4, 3)))
_W = bad("array", valid=W3, shape_ok=_is((3, 3)))
_V = bad("array", [1.0, 0.5, -1.0], [1, 0, 1], valid=V3, shape_ok=_is((3,)))
_Y = bad("array", valid=Y4, shape_ok=_is((4,)))
_SEEDS = bad("values", -1, 2**64, [0, -1], [0.5], "0", None, [], 1.5, [True], np.array([[0]]), {0: 1})
_DEVICES = ["meta", "foo", 3, None, torch.device("meta"), "cuda:99"] + (
    [] if torch.cuda.is_available() else ["cuda"])
_DEVICE = bad("values", *_DEVICES)
_DTYPE = bad("values", torch.int64, torch.bool, torch.complex64, torch.float16, "float32", np.float32, None)
_REG = bad("values", -1.0, np.nan, np.inf, [0.0, -1.0], [[0.1]], "0.1", 1j, None, [], np.array([0.1 + 1j]))
_SPECTRUM = bad("values", None, "gram", (1, 2, 3, 4), {"eigenvalue": 1}, np.ones(4), D.kernel_spectrum)


def _training(**extra):
    return dict(X=_x(), y=Y4.copy(), width=3, **extra)


DIVERSITY_API = {
    "diversity.arccos0_profile": Entry(D.arccos0_profile, lambda: {"t": T3.copy()}, {"t": _BAD_T}),
    "diversity.arccos1_profile": Entry(D.arccos1_profile, lambda: {"t": T3.copy()}, {"t": _BAD_T}),
    "diversity.gram_profile": Entry(D.gram_profile, lambda: {"t": T3.copy()}, {"t": _BAD_T}),
    "diversity.sample_sphere": Entry(D.sample_sphere, lambda: {"m": 4, "d": 3, "seed": 0}, {
        "m": bad("integer", minimum=1, huge=[10**12]),
        "d": bad("integer", minimum=2, huge=[10**12]),
        "seed": bad("seed")}),
    "diversity.arccos_kernel": Entry(D.arccos_kernel, lambda: {"X": _x(), "Y": _x()[:2], "degree": 1}, {
        "X": _X,
        "Y": bad("array", D.sample_sphere(2, 4, seed=1), valid=X4[:2], shape_ok=_is((2, 3)), allow_none=True),
        "degree": bad("integer", minimum=0, maximum=1)}),
    "diversity.gram_infinity": Entry(D.gram_infinity, lambda: {"X": _x()}, {"X": _X}),
    "diversity.gram_lambda_min": Entry(D.gram_lambda_min, lambda: {"X": _x(), "ms": [2, 4]}, {
        "X": _X,
        "ms": bad("values", [2.5], [1], [5], [], "2", None, np.array([2.0]), [True], [2, 10**30], 1j)}),
    "diversity.multiplicity": Entry(D.multiplicity, lambda: {"d": 200, "u": 2}, {
        "d": bad("integer", minimum=2, huge=[10**400]),
        "u": bad("integer", minimum=0, huge=[10**5, 10**400])}),
    "diversity.kernel_spectrum": Entry(D.kernel_spectrum, lambda: {"profile": "arccos1", "d": 3, "max_degree": 4,
                                                                     "n_nodes": None}, {
        "profile": bad("values", "tanh", 3, None, [D.arccos0_profile], lambda t: np.full_like(t, np.nan),
                       lambda t: np.ones(3), lambda t: t + 1j, lambda t: np.where(t > 0.5, np.inf, t)),
        "d": bad("integer", minimum=2, huge=[10**6, 10**400]),
        "max_degree": bad("integer", minimum=0, huge=[10**5, 10**12]),
        "n_nodes": bad("integer", minimum=1, maximum=D.MAX_NODES, allow_none=True)}),
    "diversity.gamma_m": Entry(D.gamma_m, lambda: {"spectrum": _spectrum(), "m": 3}, {
        "spectrum": _SPECTRUM, "m": bad("integer", 10**6, minimum=1)}),
    "diversity.tail_trace": Entry(D.tail_trace, lambda: {"spectrum": _spectrum(), "m": 3, "trace": 0.5}, {
        "spectrum": _SPECTRUM, "m": bad("integer", minimum=1), "trace": bad("number")}),
    "diversity.mean_squared_kernel": Entry(D.mean_squared_kernel, lambda: {"d": 3}, {
        "d": bad("integer", minimum=2, huge=[10**6, 10**12])}),
    "diversity.net_output": Entry(D.net_output, lambda: {"W": W3.copy(), "v": V3.copy(), "X": _x()}, {
        "W": _W, "v": _V, "X": _X}),
    "diversity.extended_feature_matrix": Entry(
        D.extended_feature_matrix,
        lambda: {"W": W3.copy(), "v": V3.copy(), "X": _x(), "return_singular_values": True}, {
            "W": _W, "v": _V, "X": _X, "return_singular_values": bad("flag")}),
    "diversity.feature_gram": Entry(D.feature_gram, lambda: {"W": W3.copy(), "X": _x()}, {"W": _W, "X": _X}),
    "diversity.least_singular_value": Entry(D.least_singular_value, lambda: {"W": W3.copy(), "X": _x()}, {
        "W": _W, "X": _X}),
    "diversity.loss_and_gradient": Entry(D.loss_and_gradient,
                                         lambda: {"W": W3.copy(), "v": V3.copy(), "X": _x(), "y": Y4.copy()}, {
        "W": _W, "v": _V, "X": _X, "y": _Y}),
    "diversity.weight_discrepancy": Entry(D.weight_discrepancy, lambda: {"W": W3.copy()}, {
        "W": bad("array", np.zeros((3, 3)), np.ones((2, 10**4)), valid=W3,
                 shape_ok=lambda s: len(s) == 2 and s[0] >= 1 and s[1] >= 2)}),
    "diversity.diversity_regularizer": Entry(D.diversity_regularizer, lambda: {"W": W3.copy(), "clamp": 1e-7}, {
        "W": bad("array", np.zeros((3, 3)), torch.zeros(3, 3), torch.ones(3, 3, dtype=torch.int64),
                 np.array([["0.1", "nan"], ["1", "2"]]), valid=W3, tensors=True,
                 shape_ok=lambda s: len(s) >= 2 and s[-2] >= 2 and s[-1] >= 2),
        "clamp": bad("number", minimum=0.0, maximum=1.0)}),
    "diversity.diversity_regularizer_grad": Entry(D.diversity_regularizer_grad, lambda: {"W": W3.copy()}, {
        "W": bad("array", np.zeros((3, 3)), valid=W3, shape_ok=lambda s: len(s) == 2 and s[0] >= 2 and s[1] >= 2)}),
    "diversity.teacher_dataset": Entry(
        D.teacher_dataset, lambda: {"m": 4, "d": 3, "teacher_width": 2, "seed": 0, "m_test": 2}, {
            "m": bad("integer", minimum=1, huge=[10**12]),
            "d": bad("integer", minimum=2, huge=[10**12]),
            "teacher_width": bad("integer", minimum=1, huge=[10**12]),
            "seed": bad("seed"),
            "m_test": bad("integer", minimum=0, huge=[10**12])}),
    "diversity.train_diverse_net": Entry(
        D.train_diverse_net,
        lambda: _training(reg=[0.0, 0.1], seeds=(0,), steps=1, lr=0.01, lr_final=0.005, init_scale=1.0,
                          optimizer="gd", grad_tol=10.0, track_every=1, X_test=_x()[:2], y_test=Y4[:2].copy(),
                          device="cpu", dtype=torch.float64), {
            "X": _X, "y": _Y,
            "width": bad("integer", minimum=2, huge=[10**9]),
            "reg": _REG, "seeds": _SEEDS,
            "steps": bad("integer", minimum=1, huge=[10**12]),
            "lr": bad("number", minimum=0.0), "lr_final": bad("number", minimum=0.0, allow_none=True),
            "init_scale": bad("number", 0.0, minimum=0.0),
            "optimizer": bad("choice", allowed=D.OPTIMIZERS),
            "grad_tol": bad("number", 1.0, minimum=1.0, allow_none=True),
            "track_every": bad("integer", minimum=1, allow_none=True),
            "X_test": bad("array", valid=X4[:2], shape_ok=_is((2, 3))),
            "y_test": bad("array", valid=Y4[:2], shape_ok=_is((2,))),
            "device": _DEVICE, "dtype": _DTYPE}),
    "diversity.du_gradient_descent": Entry(
        D.du_gradient_descent,
        lambda: _training(lr=0.1, steps=1, seeds=(0, 1), device="cpu", dtype=torch.float64), {
            "X": _X, "y": _Y,
            "width": bad("integer", minimum=1, huge=[10**9]),
            "lr": bad("number", 0.0, minimum=0.0),
            "steps": bad("integer", minimum=1, huge=[10**12]),
            "seeds": _SEEDS, "device": _DEVICE, "dtype": _DTYPE}),
}

#: Public callables of diversity not fuzzed, with the reason.
DIVERSITY_EXEMPT = {
    "diversity.Spectrum": "a NamedTuple record of the arrays kernel_spectrum computes (its fields are not "
                          "validated on construction); gamma_m and tail_trace refuse anything but a Spectrum",
}
