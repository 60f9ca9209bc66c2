"""Bad input gets a clear ValueError/TypeError: a fuzz test of the public API, driven by ONE table.

``API`` maps each public callable of the modules in ``COVERED_MODULES`` to an :class:`Entry`: how
to call it with valid arguments, and which arguments to corrupt with which kind of mistake
(``Bad``). For every (callable, argument) pair hypothesis draws wrong values of that kind — wrong
types and dtypes, complex, NaN/inf, wrong shapes, out-of-range and memory-busting sizes, wrong
objects — and the call must raise ``ValueError`` or ``TypeError`` whose message names the
argument, and nothing else: no result, no other exception, no warning.

``test_every_public_callable_is_in_the_table`` makes the table complete: a public callable (a
function or class defined in a covered module, or a public method of such a class) that is neither
in ``API`` nor in ``EXEMPT`` (with its reason) fails the suite. To cover a new module, add its name
to ``COVERED_MODULES`` and one entry per public callable; new kinds of mistake go into ``KINDS``.

Unit tests of :mod:`inal_utils._checks` and regressions for :mod:`inal_utils.plotting` follow.
"""

from __future__ import annotations

import inspect
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402
from torch import nn  # noqa: E402

import inal_utils  # noqa: E402
from inal_utils import _checks  # noqa: E402
from inal_utils import alignment as A  # noqa: E402
from inal_utils import book as BK  # noqa: E402
from inal_utils import boolean as B  # noqa: E402
from inal_utils import degree_bound as DB  # noqa: E402
from inal_utils import expected as E  # noqa: E402
from inal_utils import hermite as H  # noqa: E402
from inal_utils import networks as N  # noqa: E402
from inal_utils import noisy_gd as G  # noqa: E402
from inal_utils import plotting as P  # noqa: E402
from inal_utils import representation as R  # noqa: E402

#: Modules whose every public callable must have an entry in ``API`` (diversity is added below the
#: table, from ``fuzz_table_diversity``).
COVERED_MODULES = ("boolean", "networks", "plotting", "alignment", "expected", "degree_bound", "noisy_gd",
                   "hermite", "representation", "book")
#: Examples drawn per (callable, argument) pair (the file stays under 60 s on 2 loaded cores).
EXAMPLES = 8

# ------------------------------------------------------------------------------------------------
# kinds of mistake: each maps its options to a hypothesis strategy of INVALID values
# ------------------------------------------------------------------------------------------------

NOT_NUMBERS = [None, "3", b"3", [3], {"a": 3}, 1 + 1j, np.complex128(2 + 0j)]


def _int_mistakes(minimum=None, maximum=None, huge=None, allow_none=False):
    """Wrong integers: floats (also integral ones), bools, strings, None; out of range; too big."""
    not_numbers = [v for v in NOT_NUMBERS if v is not None or not allow_none]
    out = [st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.sampled_from(not_numbers),
           st.sampled_from([np.float64(2.0), np.float32(3.5), np.bool_(True), np.array(3)])]
    if minimum is not None:
        out.append(st.integers(minimum - 10**6, minimum - 1))
        out.append(st.integers(minimum - 10**6, minimum - 1).map(np.int64))
    if maximum is not None:
        out.append(st.integers(maximum + 1, maximum + 10**6))
    if huge is not None:  # a size whose memory would not fit: must be refused up front
        out.append(st.sampled_from(huge))
    return st.one_of(out)


def _seed_mistakes(allow_none=False):
    out = [st.integers(-(2**70), -1), st.integers(2**64, 2**70), st.floats(), st.booleans(),
           st.sampled_from(["0", 1.0, np.float64(0.0), [0], 1j])]
    if not allow_none:
        out.append(st.none())
    return st.one_of(out)


def _number_mistakes(minimum=None, maximum=None, allow_none=False, allow_inf=False):
    """Wrong real numbers: NaN/±inf, complex, strings, bools, None (unless allowed), out of range."""
    bad = [float("nan"), -float("inf"), np.float64("nan"), "0.5", 1j, True, np.array([1.0])]
    if not allow_inf:
        bad.append(float("inf"))
    out = [st.sampled_from(bad), st.complex_numbers(min_magnitude=1e-3, allow_nan=False).filter(lambda z: z.imag)]
    if not allow_none:
        out.append(st.none())
    if minimum is not None:
        out.append(st.floats(max_value=minimum, exclude_max=True, allow_nan=False, allow_infinity=False))
    if maximum is not None:
        out.append(st.floats(min_value=maximum, exclude_min=True, allow_nan=False, allow_infinity=False))
    return st.one_of(out)


def _array_mistakes(valid, shape_ok, kinds="iuf", positive=False, nonneg=False, tensors=False, allow_none=False):
    """Corrupt a valid real array: complex, NaN/inf, wrong dtype or shape, non-array, ragged, bad values."""
    base = np.asarray(valid, dtype=float)

    def put(value):
        return st.integers(0, base.size - 1).map(lambda i: _with(base, i, value))

    out = [
        st.floats(0.1, 3.0).map(lambda im: base + 1j * im),  # complex (every entry, or one below)
        st.integers(0, base.size - 1).map(lambda i: _with(base.astype(complex), i, 1j)),
        st.sampled_from([np.nan, np.inf, -np.inf]).flatmap(put),  # one non-finite entry
        st.sampled_from([base.astype(object), base.astype(str), "1.0", {"a": 1}, [[1.0, 2.0], [3.0]]]
                        + ([] if allow_none else [None])),
    ]
    if shape_ok is not None:  # None: every shape is valid
        out.append(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5).filter(lambda s: not shape_ok(s))
                   .map(lambda s: np.full(s, 2.0 if positive else 1.0)))  # a wrong shape
    if "b" not in kinds:
        out.append(st.just(base != 0))
    if positive:
        out.append(st.sampled_from([0.0, -1.0, -1e-300]).flatmap(put))
    if nonneg:
        out.append(st.sampled_from([-1.0, -1e-12]).flatmap(put))
    if tensors:  # the same mistakes as tensors, plus a tensor without data
        out.append(st.sampled_from([torch.tensor(base + 0.5j), torch.tensor(_with(base, 0, np.nan)),
                                    torch.tensor(base, device="meta")]))
    return st.one_of(out)


def _with(a, index, value):
    a = np.array(a, dtype=np.result_type(a, type(value)) if not isinstance(value, complex) else complex)
    a.flat[index] = value
    return a


def _pm1_mistakes(n, tensors=True):
    """Corrupt points of {±1}^n: an entry off ±1 (incl. NaN), complex unit modulus, wrong last axis."""
    cube = B.hypercube(n).astype(float)
    off = st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: v not in (1.0, -1.0))
    out = [
        st.tuples(st.integers(0, cube.size - 1), off).map(lambda t: _with(cube, *t)),
        st.tuples(st.integers(0, cube.size - 1), st.floats(0.1, 6.2)).map(
            lambda t: _with(cube.astype(complex), t[0], complex(np.exp(1j * t[1])))),
        st.just(cube.astype(complex)),
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=5).filter(lambda s: not s or s[-1] != n)
        .map(lambda s: np.ones(s)),
        st.sampled_from([cube > 0, cube.astype(str), cube.astype(object), None, "x"]),
    ]
    if tensors:
        out.append(st.sampled_from([torch.tensor(cube, device="meta"), torch.tensor(cube + 0j),
                                    torch.zeros(2, n), torch.ones(2, n + 1)]))
    return st.one_of(out)


def _index_set_mistakes(n):
    return st.one_of(
        st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3),
        st.lists(st.integers(0, n - 1), min_size=2, max_size=4).filter(lambda s: len(set(s)) < len(s)),
        st.lists(st.integers(n, n + 100) | st.integers(-100, -1), min_size=1, max_size=3),
        st.sampled_from(["01", 1, None, [True], np.array([0.0, 1.0]), np.array([1 + 1j]), [[0, 1]], {0: 1}]),
    )


def _choice_mistakes(allowed):
    return st.one_of(st.text(max_size=8).filter(lambda s: s not in allowed),
                     st.sampled_from([None, 3, [allowed[0]], allowed[0].upper() + "_"]))


def _tensor_batch_mistakes(n, dtype=torch.float32):
    """Wrong batches for a float32 network with n inputs."""
    good = torch.ones(4, n, dtype=dtype)
    return st.one_of(
        st.sampled_from([good.numpy(), good.tolist(), None, good.double(), good.long(), good.bool(), good.half(),
                         good.to(torch.complex64), good.to("meta"), torch.ones(0, n), torch.ones(n),
                         torch.ones(2, n + 1), torch.ones(2, 2, n)]),
        st.tuples(st.integers(0, 4 * n - 1), st.sampled_from([np.nan, np.inf, -np.inf])).map(
            lambda t: good.flatten().index_put_((torch.tensor(t[0]),), torch.tensor(t[1])).reshape(4, n)),
    )


def _odd_model():
    return N.fully_connected(3, [5], seed=0)


KINDS: dict[str, Callable[..., st.SearchStrategy]] = {
    "integer": _int_mistakes,
    "seed": _seed_mistakes,
    "number": _number_mistakes,
    "array": _array_mistakes,
    "pm1": _pm1_mistakes,
    "index_set": _index_set_mistakes,
    "choice": _choice_mistakes,
    "flag": lambda: st.sampled_from([0, 1, "yes", None, "False", np.array([True])]),
    "text": lambda allow_none=False: st.sampled_from([3, b"x", ["x"], 1.5] + ([] if allow_none else [None])),
    "function": lambda: st.sampled_from([3, "relu_", None, [1], np.ones(2)]),
    "module": lambda meta=True: st.sampled_from(
        [None, 3, "model", {"W": 1}, torch.ones(3), lambda: N.fully_connected(3, [4], seed=0)]
        + ([N.fully_connected(3, [4], seed=0).to("meta")] if meta else [])),
    "axes": lambda: st.sampled_from([None, "ax", 3, np.ones(2), plt]),
    "tensor_batch": _tensor_batch_mistakes,
    "values": st.nothing,  # only the explicit invalid values given as extras
}


@dataclass(frozen=True)
class Bad:
    """One corruptible argument: a kind from ``KINDS``, its options, and extra invalid values."""

    kind: str
    options: dict = field(default_factory=dict)
    extra: tuple = ()

    def strategy(self):
        s = KINDS[self.kind](**self.options)
        return s | st.sampled_from(self.extra) if self.extra else s


def bad(kind, *extra, **options):
    return Bad(kind, options, tuple(extra))


@dataclass(frozen=True)
class Entry:
    """``call(**valid())`` succeeds; replacing one argument of ``corrupt`` by a bad value must not."""

    call: Callable[..., Any]
    valid: Callable[[], dict]
    corrupt: dict[str, Bad] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# the table
# ------------------------------------------------------------------------------------------------


def _pow2(k):
    return k >= 1 and k & (k - 1) == 0


_FIG, _AX = plt.subplots()


def _ax():
    _AX.cla()
    return _AX


class _Constant(B.BooleanFunction):
    """The smallest concrete subclass: exercises BooleanFunction's own constructor."""

    def _evaluate(self, x):
        return np.ones(x.shape[0])


PM1 = np.array([1.0, -1, -1, 1, -1, 1, 1, -1])
COEFFS = np.array([0.5, 0.5, 0.5, -0.5])
XS, YS = np.array([1.0, 2, 4, 8]), np.array([3.0, 1.5, 0.75, 0.375])


PROFILE3 = np.array([0.5, 0.2, 0.1, 0.05])
WEIGHTS3 = np.array([0.0, 0.5, 0.25, 0.25])
_rng = np.random.default_rng(0)
XR = _rng.standard_normal((12, 3))
YR = XR[:, 0] ** 2 - 1 + 0.5 * XR[:, 1]
FZ = R.relu_features(np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]), np.array([0.0, 0.1, -0.1, 0.2]))
TARGET = H.paper_target(3)
KERNEL_MODEL = R.ntk_kernel_regression(XR, YR)
VTABLE = DB.verification_table({"dictator": B.Dictator, "parity": lambda n: B.Parity(n, [0, 1])}, [3, 4],
                               DB.exact_neuron_profile, ks=(1, 2))
HISTORY = G.noisy_gd(N.fully_connected(3, [4], seed=0), B.Parity(3, [0]), steps=2, lr=0.1, clip=1.0,
                     noise_std=0.0, n_eval=8)[1]
SWEEP_ARGS = dict(families={"parity": lambda n: B.Parity(n, [0])}, ns=[2], width=4, steps=1, lr=0.1, clip=1.0,
                  noise_std=0.1, batch_size=None, n_eval=8, seeds=1, n_null=2, pad="none")
SWEEP = G.fixed_budget_sweep(**SWEEP_ARGS)
CLAIMS = BK.ClaimsTable()
CLAIMS.check("a claim", "1.0", True, source="x")
CLAIMS.record("another", "2.0", "inconclusive")

API: dict[str, Entry] = {
    # --- boolean ---------------------------------------------------------------------------------
    "boolean.hypercube": Entry(B.hypercube, lambda: {"n": 3}, {"n": bad("integer", minimum=0, maximum=24)}),
    "boolean.random_inputs": Entry(B.random_inputs, lambda: {"n": 3, "num": 5, "seed": 0}, {
        "n": bad("integer", minimum=0, huge=[10**12]),
        "num": bad("integer", minimum=1, huge=[10**12, 2**62]),
        "seed": bad("seed")}),
    "boolean.walsh_hadamard": Entry(B.walsh_hadamard, lambda: {"values": PM1.copy(), "axis": -1}, {
        "values": bad("array", valid=PM1, shape_ok=lambda s: len(s) >= 1 and _pow2(s[-1]), kinds="biuf",
                      tensors=True),
        "axis": bad("integer", minimum=-1, maximum=0)}),
    "boolean.fourier_coefficients": Entry(B.fourier_coefficients, lambda: {"values": PM1.copy()}, {
        "values": bad("array", valid=PM1, shape_ok=lambda s: len(s) >= 1 and _pow2(s[-1]), kinds="biuf",
                      tensors=True)}),
    "boolean.subset_sizes": Entry(B.subset_sizes, lambda: {"n": 3}, {"n": bad("integer", minimum=0, maximum=30)}),
    "boolean.degree_weights": Entry(B.degree_weights, lambda: {"coefficients": COEFFS.copy()}, {
        "coefficients": bad("array", valid=COEFFS, shape_ok=lambda s: len(s) >= 1 and _pow2(s[-1]),
                            tensors=True)}),
    "boolean.low_degree_weight": Entry(B.low_degree_weight, lambda: {"coefficients": COEFFS.copy(), "k": 1}, {
        "coefficients": bad("array", valid=COEFFS, shape_ok=lambda s: len(s) >= 1 and _pow2(s[-1]),
                            tensors=True),
        "k": bad("integer", minimum=0, maximum=2)}),
    "boolean.character": Entry(B.character, lambda: {"n": 3, "S": [0, 2]}, {
        "n": bad("integer", minimum=0), "S": bad("index_set", n=3)}),
    "boolean.BooleanFunction": Entry(_Constant, lambda: {"n": 3}, {"n": bad("integer", minimum=0)}),
    "boolean.BooleanFunction.__call__": Entry(
        lambda f, x: f(x), lambda: {"f": B.Parity(3, [0, 2]), "x": B.hypercube(3)}, {"x": bad("pm1", n=3)}),
    "boolean.BooleanFunction.truth_table": Entry(
        lambda n: B.Parity(n, []).truth_table(), lambda: {"n": 3}, {"n": bad("integer", minimum=0, maximum=24)}),
    "boolean.BooleanFunction.fourier": Entry(
        lambda n: B.Majority(n).fourier(), lambda: {"n": 3}, {"n": bad("integer", minimum=0, maximum=24)}),
    "boolean.Parity": Entry(B.Parity, lambda: {"n": 3, "S": [0, 1]}, {
        "n": bad("integer", minimum=0), "S": bad("index_set", n=3)}),
    "boolean.Majority": Entry(B.Majority, lambda: {"n": 3}, {"n": bad("integer", 2, 4, 10**6, minimum=0)}),
    "boolean.Dictator": Entry(B.Dictator, lambda: {"n": 3, "i": 1}, {
        "n": bad("integer", minimum=1), "i": bad("integer", minimum=0, maximum=2)}),
    "boolean.Staircase": Entry(B.Staircase, lambda: {"n": 5, "k": 3}, {
        "n": bad("integer", minimum=1), "k": bad("integer", 2, 4, minimum=1, maximum=5, allow_none=True)}),
    "boolean.Tribes": Entry(B.Tribes, lambda: {"width": 2, "tribes": 2}, {
        "width": bad("integer", minimum=1), "tribes": bad("integer", minimum=1)}),
    "boolean.LinearThreshold": Entry(
        B.LinearThreshold, lambda: {"n": 3, "weights": np.array([0.5, -1.0, 2.0]), "threshold": 0.1, "seed": 0}, {
            "n": bad("integer", minimum=0),
            "weights": bad("array", valid=[0.5, -1.0, 2.0], shape_ok=lambda s: s == (3,), tensors=True),
            "threshold": bad("number"),
            "seed": bad("seed")}),
    "boolean.InnerProductMod2": Entry(B.InnerProductMod2, lambda: {"n": 4}, {
        "n": bad("integer", 3, 5, minimum=0)}),
    "boolean.TruthTable": Entry(B.TruthTable, lambda: {"values": PM1.copy(), "name": "f"}, {
        "values": bad("array", valid=PM1, shape_ok=lambda s: len(s) == 1 and _pow2(s[0]), tensors=True),
        "name": bad("text", allow_none=True)}),
    "boolean.TruthTable.truth_table": Entry(lambda values: B.TruthTable(values).truth_table(),
                                            lambda: {"values": PM1.copy()}, {
        "values": bad("array", valid=PM1, shape_ok=lambda s: len(s) == 1 and _pow2(s[0]))}),
    "boolean.RandomBoolean": Entry(B.RandomBoolean, lambda: {"n": 3, "seed": 0}, {
        "n": bad("integer", minimum=0, maximum=24), "seed": bad("seed")}),
    "boolean.Extended": Entry(B.Extended, lambda: {"base": B.Majority(3), "N": 5}, {
        "base": bad("values", *[None, np.ones(8), lambda x: x, "majority", B.Majority]),
        "N": bad("integer", minimum=3)}),
    "boolean.Extended.fourier": Entry(lambda N: B.extend(B.Majority(3), N).fourier(), lambda: {"N": 5}, {
        "N": bad("integer", minimum=3, maximum=24)}),
    "boolean.extend": Entry(B.extend, lambda: {"f": B.Majority(3), "N": 9}, {
        "f": bad("values", *[None, np.ones(8), lambda x: x, "majority"]), "N": bad("integer", minimum=3)}),
    # --- networks --------------------------------------------------------------------------------
    "networks.Sign": Entry(N.Sign, lambda: {}),
    "networks.Elementwise": Entry(N.Elementwise, lambda: {"fn": torch.tanh}, {"fn": bad("function")}),
    "networks.make_activation": Entry(N.make_activation, lambda: {"activation": "relu"}, {
        "activation": bad("choice", 3, None, [torch.relu], allowed=tuple(N.ACTIVATIONS))}),
    "networks.init_linear": Entry(
        N.init_linear, lambda: {"layer": nn.Linear(3, 4), "bias_std": 0.5, "init": "gaussian",
                                "generator": torch.Generator().manual_seed(0)}, {
            "layer": bad("module", nn.ReLU(), nn.Linear(3, 4, device="meta")),
            "bias_std": bad("number", minimum=0.0),
            "init": bad("choice", allowed=N.INITS),
            "generator": bad("values", *[0, "g", np.random.default_rng(0), torch.manual_seed])}),
    "networks.fully_connected": Entry(
        N.fully_connected, lambda: {"n": 3, "widths": [4, 2], "activation": "tanh", "bias_std": 1.0,
                                    "init": "rademacher", "symmetric": True, "out_features": 1, "seed": 1,
                                    "dtype": torch.float64}, {
            "n": bad("integer", minimum=1, huge=[10**12]),
            "widths": bad("values", *[4, "44", None, [], [4, 0], [4, 2.0], [True], [4, 3], [10**6, 10**6],
                                     [4, -2], [np.float64(4.0)], {4: 2}]),
            "activation": bad("choice", 3, None, allowed=tuple(N.ACTIVATIONS)),
            "bias_std": bad("number", minimum=0.0),
            "init": bad("choice", allowed=N.INITS),
            "symmetric": bad("flag"),
            "out_features": bad("integer", minimum=1, huge=[10**12]),
            "seed": bad("seed", allow_none=True),
            "dtype": bad("values", *[torch.int64, torch.bool, torch.complex64, "float32", np.float32, None])}),
    "networks.symmetrize": Entry(N.symmetrize, lambda: {"model": N.fully_connected(3, [4], seed=0)}, {
        "model": bad("module", _odd_model(), nn.Sequential(nn.Linear(3, 1)), nn.ReLU())}),
    "networks.count_edges": Entry(N.count_edges, lambda: {"model": N.fully_connected(3, [4], seed=0)}, {
        "model": bad("module", meta=False)}),
    "networks.neuron_outputs": Entry(
        N.neuron_outputs, lambda: {"model": N.fully_connected(3, [4], seed=0), "x": torch.ones(4, 3)}, {
            "model": bad("module", N.fully_connected(3, [4], bias_std=0.0, activation=torch.log, seed=0)),
            "x": bad("tensor_batch", n=3)}),
    # --- plotting --------------------------------------------------------------------------------
    "plotting.fit_power_law": Entry(P.fit_power_law, lambda: {"x": XS.copy(), "y": YS.copy()}, {
        "x": bad("array", valid=XS, shape_ok=lambda s: s == (4,), positive=True),
        "y": bad("array", valid=YS, shape_ok=lambda s: s == (4,), positive=True)}),
    "plotting.loglog_fit": Entry(
        P.loglog_fit, lambda: {"ax": _ax(), "x": XS.copy(), "y": YS.copy(), "label": "y", "predicted_slope": -1.0,
                               "yerr": 0.1 * YS, "fit": True}, {
            "ax": bad("axes"),
            "x": bad("array", valid=XS, shape_ok=lambda s: s == (4,), positive=True),
            "y": bad("array", valid=YS, shape_ok=lambda s: s == (4,), positive=True),
            "label": bad("text"),
            "predicted_slope": bad("number", allow_none=True),
            "yerr": bad("array", valid=0.1 * YS, shape_ok=lambda s: s in ((4,), (2, 4)), nonneg=True,
                          allow_none=True),
            "fit": bad("flag")}),
    "plotting.label_axes": Entry(P.label_axes, lambda: {"ax": _ax(), "xlabel": "x", "ylabel": "y", "title": "t"}, {
        "ax": bad("axes"), "xlabel": bad("text", allow_none=True), "ylabel": bad("text", allow_none=True),
        "title": bad("text", allow_none=True)}),
    # --- alignment -------------------------------------------------------------------------------
    "alignment.FourierProfile": Entry(A.FourierProfile, lambda: {"n": 3, "samples": np.full((2, 4), 0.25)}, {
        "n": bad("integer", minimum=1, maximum=3),
        "samples": bad("array", valid=np.full((2, 4), 0.25), shape_ok=lambda s: len(s) == 2 and s[0] >= 2 and s[1] == 4,
                       nonneg=True, tensors=True)}),
    "alignment.neuron_degree_profile": Entry(
        A.neuron_degree_profile, lambda: {"weights": np.full((2, 3), 0.5), "biases": np.zeros(2), "activation": "relu"}, {
            "weights": bad("array", valid=np.full((2, 3), 0.5), shape_ok=lambda s: len(s) == 2 and min(s) >= 1,
                           tensors=True),
            "biases": bad("array", valid=np.zeros(2), shape_ok=lambda s: s == (2,), tensors=True, allow_none=True),
            "activation": bad("values", "relu_", 3, None, [torch.relu], torch.log)}),
    "alignment.neuron_fourier_profile": Entry(
        A.neuron_fourier_profile, lambda: {"n": 3, "n_init": 2, "seed": 0, "bias_std": 0.5, "init": "gaussian"}, {
            "n": bad("integer", minimum=1, maximum=24),
            "n_init": bad("integer", minimum=2, maximum=A.MAX_N_INIT),
            "seed": bad("seed"), "bias_std": bad("number", minimum=0.0),
            "init": bad("choice", allowed=("gaussian", "rademacher"))}),
    "alignment.InalResult.from_samples": Entry(
        A.InalResult.from_samples, lambda: {"samples": np.ones((2, 2)), "widths": [4, 1], "inputs": "exact"}, {
            "samples": bad("array", valid=np.ones((2, 2)), shape_ok=lambda s: len(s) == 2 and s[0] >= 2 and s[1] == 2),
            "widths": bad("values", None, 4, "41", [], [4, 0], [4.0, 1], [True, 1]),
            "inputs": bad("values", "approx", 1, 2.5, None, -3)}),
    "alignment.inal": Entry(
        A.inal, lambda: {"target": B.Parity(3, [0, 1]), "network": lambda: N.fully_connected(3, [4]), "n_init": 2,
                         "inputs": "exact", "seed": 0, "device": None, "dtype": torch.float64, "unbiased": True}, {
            "target": bad("values", None, 3, "parity", np.ones(8), B.Parity),
            "network": bad("values", None, 3, N.fully_connected(3, [4], seed=0), lambda: 3,
                           lambda: N.fully_connected(3, [4]).to("meta"), lambda: N.fully_connected(4, [4])),
            "n_init": bad("integer", minimum=2, maximum=A.MAX_N_INIT),
            "inputs": bad("values", "approx", 1, 0, 2.5, None, 10**13, True),
            "seed": bad("seed"),
            "device": bad("values", "meta", "foo", 3, *([] if torch.cuda.is_available() else ["cuda"])),
            "dtype": bad("values", torch.int64, "float32", torch.float16, None),
            "unbiased": bad("flag")}),
    # --- expected --------------------------------------------------------------------------------
    "expected.neuron_kernel": Entry(
        E.neuron_kernel, lambda: {"rho": np.array([0.5, -0.2]), "activation": "relu", "bias_std": 1.0, "layer": 1}, {
            "rho": bad("array", 1.5, -3.0, np.array([0.5, 2.0]), valid=[0.5, -0.2], shape_ok=None, tensors=True),
            "activation": bad("choice", allowed=E.KERNEL_ACTIVATIONS),
            "bias_std": bad("number", minimum=0.0), "layer": bad("integer", minimum=1, maximum=E.MAX_LAYERS)}),
    "expected.exact_layer_profiles": Entry(
        E.exact_layer_profiles, lambda: {"n": 3, "n_layers": 1, "activation": "relu", "bias_std": 1.0, "k_max": 2}, {
            "n": bad("integer", minimum=1, maximum=E.MAX_PROFILE_N),
            "n_layers": bad("integer", minimum=1, maximum=E.MAX_LAYERS),
            "activation": bad("choice", allowed=E.KERNEL_ACTIVATIONS), "bias_std": bad("number", minimum=0.0),
            "k_max": bad("integer", minimum=0, maximum=3)}),
    "expected.exact_neuron_profile": Entry(
        E.exact_neuron_profile, lambda: {"n": 3, "activation": "sign", "bias_std": 0.5, "k_max": 3, "layer": 1,
                                         "init": "gaussian"}, {
            "n": bad("integer", minimum=1, maximum=E.MAX_PROFILE_N),
            "activation": bad("choice", allowed=E.KERNEL_ACTIVATIONS), "bias_std": bad("number", minimum=0.0),
            "k_max": bad("integer", minimum=0, maximum=3), "layer": bad("integer", minimum=1),
            "init": bad("choice", allowed=("gaussian", "rademacher"))}),
    "expected.target_degree_weights": Entry(E.target_degree_weights, lambda: {"target": B.Majority(3)}, {
        "target": bad("values", None, "majority", lambda x: x, np.array([0.5, -0.5]), [[1.0, 0.0]], [0.5, np.nan],
                      np.array([0.5, 0.5j]), [1.0], {"w": 1})}),
    "expected.spectral_inal": Entry(
        E.spectral_inal, lambda: {"coefficients": COEFFS.copy(), "profile": np.array([0.3, 0.2, 0.1]),
                                  "return_stderr": False}, {
            "coefficients": bad("array", valid=COEFFS, shape_ok=lambda s: s == (4,), tensors=True),
            "profile": bad("array", valid=[0.3, 0.2, 0.1], shape_ok=lambda s: s == (3,), nonneg=True, tensors=True),
            "return_stderr": bad("flag")}),
    "expected.expected_inal": Entry(
        E.expected_inal, lambda: {"target": B.Dictator(4), "n_layers": 1, "activation": "relu", "bias_std": 1.0,
                                  "init": "gaussian"}, {
            "target": bad("values", None, "dictator", np.array([0.5, -0.5]), [0.5, np.inf], lambda x: x),
            "n_layers": bad("integer", minimum=1), "activation": bad("choice", allowed=E.KERNEL_ACTIVATIONS),
            "bias_std": bad("number", minimum=0.0), "init": bad("choice", allowed=("gaussian", "rademacher"))}),
    "expected.profile_constant": Entry(
        E.profile_constant, lambda: {"k": 2, "activation": "relu", "bias_std": 1.0, "n_nodes": 20}, {
            "k": bad("values", 2.5, -1, "2", None, True, [1.5], [-1], np.float64(2.0)),
            "activation": bad("values", "relu_", 3, None, torch.log),
            "bias_std": bad("number", minimum=0.0), "n_nodes": bad("integer", minimum=2, maximum=E.MAX_NODES)}),
    "expected.kernel_constant": Entry(
        E.kernel_constant, lambda: {"k": 2, "layer": 1, "activation": "relu", "bias_std": 1.0}, {
            "k": bad("values", 2.5, -1, "2", None, True, [1.5], [-1], 10**6, [10**6]),
            "layer": bad("integer", minimum=1, maximum=E.MAX_LAYERS), "activation": bad("choice", allowed=E.KERNEL_ACTIVATIONS),
            "bias_std": bad("number", minimum=0.0)}),
    # --- degree_bound ----------------------------------------------------------------------------
    "degree_bound.per_degree_bound": Entry(DB.per_degree_bound, lambda: {"inal": 0.1, "profile": PROFILE3.copy()}, {
        "inal": bad("number", minimum=0.0),
        "profile": bad("array", valid=PROFILE3, shape_ok=lambda s: len(s) == 1 and s[0] >= 2, nonneg=True,
                       tensors=True)}),
    "degree_bound.per_degree_slack": Entry(
        DB.per_degree_slack, lambda: {"weights": WEIGHTS3.copy(), "profile": PROFILE3.copy(), "inal": None}, {
            "weights": bad("array", valid=WEIGHTS3, shape_ok=lambda s: s == (4,), nonneg=True, tensors=True),
            "profile": bad("array", valid=PROFILE3, shape_ok=lambda s: s == (4,), nonneg=True, tensors=True),
            "inal": bad("number", minimum=0.0, allow_none=True)}),
    "degree_bound.degree_shares": Entry(DB.degree_shares, lambda: {"weights": WEIGHTS3.copy(), "profile": PROFILE3.copy()}, {
        "weights": bad("array", valid=WEIGHTS3, shape_ok=lambda s: s == (4,), nonneg=True),
        "profile": bad("array", valid=PROFILE3, shape_ok=lambda s: s == (4,), nonneg=True)}),
    "degree_bound.bound_ratio": Entry(DB.bound_ratio, lambda: {"weights": WEIGHTS3.copy(), "inal": 0.1, "k": 1}, {
        "weights": bad("array", valid=WEIGHTS3, shape_ok=lambda s: len(s) == 1 and s[0] >= 2, nonneg=True),
        "inal": bad("number", minimum=0.0), "k": bad("integer", minimum=0, maximum=3)}),
    "degree_bound.ratio_envelope": Entry(DB.ratio_envelope, lambda: {"profile": PROFILE3.copy(), "k": 1, "n": None}, {
        "profile": bad("array", valid=PROFILE3, shape_ok=lambda s: len(s) == 1 and s[0] >= 2, nonneg=True),
        "k": bad("integer", minimum=0, maximum=3), "n": bad("integer", minimum=3, allow_none=True)}),
    "degree_bound.degree_profile": Entry(
        lambda f, coefficients: DB.degree_profile(f, coefficients=coefficients),
        lambda: {"f": None, "coefficients": COEFFS.copy()}, {
            "f": bad("values", B.Parity(2, [0]), np.ones(4), "parity", 3),
            "coefficients": bad("array", valid=COEFFS, shape_ok=lambda s: len(s) == 1 and _pow2(s[0]), tensors=True)}),
    "degree_bound.parity_mixture": Entry(
        DB.parity_mixture, lambda: {"n": 4, "degrees": [1, 2], "weights": np.array([0.5, 0.5]), "seed": 0}, {
            "n": bad("integer", minimum=2, maximum=24),
            "degrees": bad("values", None, 2, "12", [], [1.5, 2], [5], [-1], [4, 4], {1: 2}),
            "weights": bad("array", valid=[0.5, 0.5], shape_ok=lambda s: s == (2,), nonneg=True, allow_none=True),
            "seed": bad("seed")}),
    "degree_bound.selector_mixture": Entry(DB.selector_mixture, lambda: {"n": 4, "degrees": [1, 2], "seed": 0}, {
        "n": bad("integer", minimum=3, maximum=24),
        "degrees": bad("values", None, 2, "12", [1], [1, 2, 3], [1.5, 2], [-1, 1], [4, 1], [1, 1, 1, 1], {1: 2}),
        "seed": bad("seed")}),
    "degree_bound.selector_mixture_weights": Entry(DB.selector_mixture_weights, lambda: {"n": 4, "degrees": [1, 2]}, {
        "n": bad("integer", minimum=3, maximum=24),
        "degrees": bad("values", None, 2, "12", [1], [1, 2, 3], [1.5, 2], [-1, 1], [4, 1], [1, 1, 1, 1])}),
    "degree_bound.layer_profiles": Entry(
        DB.layer_profiles, lambda: {"model": N.fully_connected(3, [4], seed=0, dtype=torch.float64), "n": 3}, {
            "model": bad("module", nn.Sequential(nn.ReLU()),),
            "n": bad("integer", minimum=1, maximum=24)}),
    "degree_bound.VerificationTable.column": Entry(
        lambda name, k: VTABLE.column(name, k), lambda: {"name": "ratio", "k": 1}, {
            "name": bad("values", "ratios", 3, None, ["inal"]), "k": bad("values", 5, None, 1.5, "1", True)}),
    "degree_bound.VerificationTable.max_ratio": Entry(lambda k: VTABLE.max_ratio(k), lambda: {"k": 1}, {
        "k": bad("values", 5, None, 1.5, "1", True, [1])}),
    "degree_bound.VerificationTable.headers": Entry(lambda: VTABLE.headers(), dict),
    "degree_bound.VerificationTable.table_rows": Entry(lambda: VTABLE.table_rows(), dict),
    "degree_bound.verification_table": Entry(
        DB.verification_table, lambda: {"targets": {"dictator": B.Dictator}, "ns": [3], "profile": DB.exact_neuron_profile,
                                        "ks": (1,), "rtol": 1e-9}, {
            "targets": bad("values", None, {}, [B.Dictator], {"d": lambda n: B.Dictator(n + 1)}, {"d": lambda n: 3}),
            "ns": bad("values", None, 3, [0], [2.5], ["3"], [10**6]),
            "profile": bad("values", None, 3, lambda n: np.ones(2), lambda n: -np.ones(n + 1),
                           lambda n: np.full(n + 1, np.nan)),
            "ks": bad("values", None, 1, [1.5], [-1], [5]),
            "rtol": bad("number", minimum=0.0)}),
    # --- noisy_gd --------------------------------------------------------------------------------
    "noisy_gd.loss_fn": Entry(G.loss_fn, lambda: {"name": "squared"}, {"name": bad("values", "mse", 3, None, ["squared"])}),
    "noisy_gd.population_gradient": Entry(
        G.population_gradient, lambda: {"model": N.fully_connected(3, [4], seed=0), "x": torch.ones(4, 3),
                                        "y": torch.ones(4), "loss": "squared"}, {
            "model": bad("module", N.fully_connected(3, [4], out_features=2, seed=0), nn.Sequential(nn.ReLU())),
            "x": bad("tensor_batch", n=3),
            "y": bad("values", torch.ones(4, 1), torch.ones(()), torch.ones(5), torch.tensor([1.0, np.nan, 1.0, 1.0]),
                     torch.ones(4, dtype=torch.float64), np.ones(4), None, torch.ones(4) + 0j, torch.ones(4, device="meta")),
            "loss": bad("values", "mse", 3, None, lambda out, t: (out - t).sum(), lambda out, t: "x")}),
    "noisy_gd.clip_gradient": Entry(G.clip_gradient, lambda: {"gradient": torch.tensor([-3.0, 0.5, 3.0]), "clip": 1.0}, {
        "gradient": bad("values", None, np.ones(3), torch.tensor([1.0, np.nan]), torch.ones(3) + 1j,
                        torch.ones(3, dtype=torch.int64), torch.ones(3, device="meta")),
        "clip": bad("number", minimum=0.0, allow_inf=True)}),
    "noisy_gd.noise_generator": Entry(G.noise_generator, lambda: {"seed": 0, "run": 1}, {
        "seed": bad("seed"), "run": bad("integer", minimum=0)}),
    "noisy_gd.noisy_gd_step": Entry(
        G.noisy_gd_step, lambda: {"parameters": [torch.zeros(3), torch.zeros(2)], "gradients": [torch.ones(3), torch.ones(2)],
                                  "lr": 0.1, "clip": 1.0, "noise_std": 0.1, "generator": torch.Generator().manual_seed(0)}, {
            "gradients": bad("values", None, torch.ones(3), [torch.ones(3)], [torch.ones(3), torch.ones(1)],
                             [torch.ones(3), torch.tensor([np.nan, 1.0])], [np.ones(3), np.ones(2)]),
            "lr": bad("number", minimum=0.0), "clip": bad("number", minimum=0.0, allow_inf=True),
            "noise_std": bad("number", minimum=0.0),
            "generator": bad("values", None, 0, np.random.default_rng(0), "g")}),
    "noisy_gd.bound_shape": Entry(
        G.bound_shape, lambda: {"lr": 0.1, "steps": 10, "edges": 100, "clip": 1.0, "noise_std": 0.1, "n": 5, "c": 2}, {
            "lr": bad("values", np.nan, -1.0, 1j, "0.1", None, np.array([0.1, np.inf]), np.array([0.1], dtype=object)),
            "noise_std": bad("values", 0.0, np.nan, -1.0, 1j, None, np.array([0.1, 0.0])),
            "edges": bad("values", 0.5, np.inf, "100", None),
            "c": bad("values", 0.5, np.nan, 1j, None, np.array([2.0, 0.0]))}),
    "noisy_gd.expected_overlap": Entry(G.expected_overlap, lambda: {"n": 3, "N": 9}, {
        "n": bad("integer", minimum=1, maximum=9), "N": bad("integer", minimum=3)}),
    "noisy_gd.noise_threshold": Entry(G.noise_threshold, lambda: {"null_correlations": np.array([0.1, -0.2, 0.05]),
                                                                  "multiple": 4.0}, {
        "null_correlations": bad("array", valid=[0.1, -0.2, 0.05], shape_ok=lambda s: int(np.prod(s)) >= 2, tensors=True),
        "multiple": bad("number", minimum=0.0)}),
    "noisy_gd.noisy_gd": Entry(
        G.noisy_gd, lambda: {"network": N.fully_connected(3, [4], seed=0), "target": B.Parity(3, [0, 1]), "steps": 1,
                             "lr": 0.1, "clip": 1.0, "noise_std": 0.1, "inputs": "exact", "seed": 0, "device": None,
                             "loss": "squared", "batch_size": None, "n_eval": 8, "record_every": 1, "device_rng": False}, {
            "network": bad("module", N.fully_connected(3, [4], out_features=2, seed=0), nn.Sequential(nn.ReLU())),
            "target": bad("values", None, 3, "parity", np.ones(8), B.Parity(4, [0])),
            "steps": bad("integer", minimum=0),
            "lr": bad("values", np.nan, -1.0, 1j, "0.1", None, [0.1, 0.1], np.inf),
            "clip": bad("values", 0.0, -1.0, np.nan, 1j, None, "1"),
            "noise_std": bad("values", -0.1, np.nan, np.inf, 1j, None, "0.1"),
            "inputs": bad("values", "approx", 0, 2.5, None, 10**13, True),
            "seed": bad("seed"),
            "device": bad("values", "meta", "foo", 3, *([] if torch.cuda.is_available() else ["cuda"])),
            "loss": bad("values", "mse", 3, lambda out, t: ((out - t) ** 2).mean()),
            "batch_size": bad("integer", minimum=1, allow_none=True),
            "n_eval": bad("integer", minimum=1, huge=[10**12]),
            "record_every": bad("integer", minimum=1), "device_rng": bad("flag")}),
    "noisy_gd.noisy_gd_ensemble": Entry(
        G.noisy_gd_ensemble, lambda: {"networks": [N.fully_connected(3, [4], seed=s) for s in (0, 1)],
                                      "targets": B.Parity(3, [0, 1]), "steps": 1, "lr": 0.1, "clip": [1.0, 2.0],
                                      "noise_std": 0.1, "n_eval": 8}, {
            "networks": bad("values", [], None, [3], [N.fully_connected(3, [4], seed=0), N.fully_connected(3, [5], seed=0)]),
            "targets": bad("values", None, [B.Parity(3, [0])] * 3, [B.Parity(3, [0]), B.Parity(4, [0])]),
            "clip": bad("values", [1.0], [1.0, np.nan], [1.0, -1.0], "1"),
            "steps": bad("integer", minimum=0)}),
    "noisy_gd.gradient_signal": Entry(
        G.gradient_signal, lambda: {"target": B.Parity(4, [0, 1]), "width": 4, "bias_std": 1.0, "return_parts": False}, {
            "target": bad("values", None, "parity", np.array([0.5, -0.5]), [0.5, np.nan], np.array([1.0, 1j]), lambda x: x),
            "width": bad("integer", minimum=1), "bias_std": bad("number", minimum=0.0), "return_parts": bad("flag")}),
    "noisy_gd.distinguishability": Entry(
        G.distinguishability, lambda: {"signal": np.array([0.5, 1.0]), "lr": 0.1, "noise_std": 0.1, "steps": 10}, {
            "signal": bad("array", valid=[0.5, 1.0], shape_ok=None, nonneg=True, tensors=True),
            "lr": bad("number", minimum=0.0), "noise_std": bad("number", 0.0, minimum=0.0),
            "steps": bad("integer", minimum=0)}),
    "noisy_gd.parity_cross_predictability": Entry(G.parity_cross_predictability, lambda: {"N": 5, "k": 2}, {
        "N": bad("integer", minimum=2), "k": bad("integer", minimum=0, maximum=5)}),
    "noisy_gd.steps_to_reach": Entry(G.steps_to_reach, lambda: {"history": HISTORY, "level": 0.1}, {
        "history": bad("values", None, 3, {"steps": [0]}, np.ones(3)), "level": bad("number", minimum=0.0)}),
    "noisy_gd.output_layer_fit": Entry(
        G.output_layer_fit, lambda: {"target": B.Parity(3, [0, 1]), "width": 4, "n_draws": 1, "bias_std": 1.0,
                                     "init": "gaussian", "seed": 0}, {
            "target": bad("values", None, 3, np.ones(8), B.Parity(21, [0])),
            "width": bad("integer", minimum=1), "n_draws": bad("integer", minimum=1),
            "bias_std": bad("number", minimum=0.0), "init": bad("choice", allowed=N.INITS), "seed": bad("seed")}),
    "noisy_gd.SweepResult.learned": Entry(lambda family, level: SWEEP.learned(family, level),
                                          lambda: {"family": "parity", "level": 0.5}, {
        "family": bad("values", "parities", None, 3), "level": bad("number")}),
    "noisy_gd.SweepResult.at_noise_level": Entry(lambda family: SWEEP.at_noise_level(family),
                                                 lambda: {"family": "parity"}, {
        "family": bad("values", "parities", None, 3)}),
    "noisy_gd.fixed_budget_sweep": Entry(
        G.fixed_budget_sweep, lambda: dict(SWEEP_ARGS), {
            "families": bad("values", None, {}, [B.Parity]),
            "ns": bad("values", None, 2, [0], [2.5], ["2"]),
            "seeds": bad("integer", minimum=1), "n_null": bad("integer", minimum=2),
            "pad": bad("values", "cube", None, 3)}),
    # --- hermite ---------------------------------------------------------------------------------
    "hermite.hermite_he": Entry(H.hermite_he, lambda: {"k": 3, "x": np.array([0.5, -1.0])}, {
        "k": bad("integer", minimum=0, maximum=H.MAX_DEGREE),
        "x": bad("array", valid=[0.5, -1.0], shape_ok=None, tensors=True, allow_none=False)}),
    "hermite.hermite_h": Entry(H.hermite_h, lambda: {"k": 3, "x": np.array([0.5, -1.0])}, {
        "k": bad("integer", minimum=0, maximum=H.MAX_DEGREE),
        "x": bad("array", valid=[0.5, -1.0], shape_ok=None, tensors=True)}),
    "hermite.he_coefficients": Entry(H.he_coefficients, lambda: {"k": 3}, {"k": bad("integer", minimum=0, maximum=170)}),
    "hermite.gauss_hermite": Entry(H.gauss_hermite, lambda: {"n_nodes": 5}, {
        "n_nodes": bad("integer", minimum=1, maximum=250)}),
    "hermite.hermite_coefficients": Entry(
        H.hermite_coefficients, lambda: {"g": np.cos, "degree": 3, "n_nodes": 20, "normalised": True}, {
            "g": bad("function", lambda z: z + 1j, lambda z: np.full_like(z, np.nan), lambda z: z[:3],
                     lambda z: torch.tensor(z), lambda z: None),
            "degree": bad("integer", minimum=0, maximum=H.MAX_DEGREE), "n_nodes": bad("integer", minimum=1, maximum=250),
            "normalised": bad("flag")}),
    "hermite.random_directions": Entry(H.random_directions, lambda: {"d": 4, "r": 2, "seed": 0}, {
        "d": bad("integer", minimum=2, huge=[10**12]), "r": bad("integer", minimum=1, maximum=4), "seed": bad("seed")}),
    "hermite.HermiteTarget": Entry(H.HermiteTarget, lambda: {"U": np.eye(1, 3), "terms": (((2,), 1.0),)}, {
        "U": bad("array", valid=np.eye(1, 3), shape_ok=lambda s: s == (1, 1), tensors=True),
        "terms": bad("values", None, "x", (((2, 1), 1.0),), (((2.5,), 1.0),), (((2,), np.nan),), (), (((-1,), 1.0),),
                     (((2,), 1.0), (2, 1.0)), (((2,), 1j),))}),
    "hermite.HermiteTarget.__call__": Entry(lambda X: TARGET(X), lambda: {"X": np.ones((4, 3))}, {
        "X": bad("array", valid=np.ones((4, 3)), shape_ok=lambda s: len(s) == 2 and s[1] == 3, tensors=True)}),
    "hermite.HermiteTarget.g": Entry(lambda Z: TARGET.g(Z), lambda: {"Z": np.ones((4, 1))}, {
        "Z": bad("array", valid=np.ones((4, 1)), shape_ok=lambda s: len(s) == 2 and s[1] == 1, tensors=True)}),
    "hermite.HermiteTarget.expected_hessian": Entry(lambda: TARGET.expected_hessian(), dict),
    "hermite.HermiteTarget.sample": Entry(lambda n, zeta, seed: TARGET.sample(n, zeta=zeta, seed=seed),
                                          lambda: {"n": 4, "zeta": 0.1, "seed": 0}, {
        "n": bad("integer", minimum=1, huge=[10**12]), "zeta": bad("number", minimum=0.0), "seed": bad("seed")}),
    "hermite.multi_index_target": Entry(
        H.multi_index_target, lambda: {"U": np.eye(2, 3), "terms": {(2, 0): 1.0, (1, 1): 0.5}, "normalise": True}, {
            "U": bad("array", valid=np.eye(2, 3), shape_ok=lambda s: False, tensors=True),
            "terms": bad("values", None, "x", {2: 1.0}, {(2,): 1.0}, {(2, 0): np.inf}, {},
                         {(2, 0): 0.0}, {(-1, 0): 1.0}, [(2, 0)]),
            "normalise": bad("flag")}),
    "hermite.single_index_target": Entry(
        H.single_index_target, lambda: {"u": np.array([1.0, 2.0, 0.0]), "coefficients": {2: 1.0, 3: 0.5},
                                        "normalise": True}, {
            "u": bad("array", np.zeros(3), valid=[1.0, 2.0, 0.0], shape_ok=lambda s: len(s) == 1 and s[0] >= 1,
                     tensors=True),
            "coefficients": bad("values", None, [1.0], {2.5: 1.0}, {"2": 1.0}, {-1: 1.0}, {2: np.nan}, {2: 1j}, {},
                                {2: 0.0}, {True: 1.0})}),
    "hermite.paper_target": Entry(H.paper_target, lambda: {"d": 4, "p": 4, "seed": 0}, {
        "d": bad("integer", minimum=1, huge=[10**12]), "p": bad("integer", minimum=3, maximum=H.MAX_DEGREE),
        "seed": bad("seed")}),
    "hermite.gaussian_data": Entry(H.gaussian_data, lambda: {"target": TARGET, "n": 4, "zeta": 0.1, "seed": 0}, {
        "target": bad("values", None, 3, np.eye(3), lambda x: x),
        "n": bad("integer", minimum=1, huge=[10**12]), "zeta": bad("number", minimum=0.0), "seed": bad("seed")}),
    # --- representation --------------------------------------------------------------------------
    "representation.relu": Entry(R.relu, lambda: {"t": np.array([-1.0, 2.0])}, {
        "t": bad("array", valid=[-1.0, 2.0], shape_ok=None, tensors=True)}),
    "representation.relu_features": Entry(R.relu_features, lambda: {"W": np.ones((2, 3)), "b": np.zeros(2)}, {
        "W": bad("array", valid=np.ones((2, 3)), shape_ok=lambda s: len(s) == 2 and s[0] == 2 and s[1] >= 1, tensors=True),
        "b": bad("array", valid=np.zeros(2), shape_ok=lambda s: s == (2,), tensors=True)}),
    "representation.ntk_feature_map": Entry(
        R.ntk_feature_map, lambda: {"W": np.ones((2, 3)), "b": np.zeros(2), "a": np.ones(2)}, {
            "W": bad("array", valid=np.ones((2, 3)), shape_ok=lambda s: len(s) == 2 and s[0] == 2 and s[1] >= 1),
            "b": bad("array", valid=np.zeros(2), shape_ok=lambda s: s == (2,), tensors=True),
            "a": bad("array", valid=np.ones(2), shape_ok=lambda s: s == (2,), tensors=True)}),
    "representation.relu_ntk": Entry(R.relu_ntk, lambda: {"X1": XR[:3].copy(), "X2": XR[:2].copy()}, {
        "X1": bad("array", valid=XR[:3], shape_ok=lambda s: len(s) == 2 and s[0] >= 1 and s[1] == 3),
        "X2": bad("array", valid=XR[:2], shape_ok=lambda s: len(s) == 2 and s[0] >= 1 and s[1] == 3)}),
    "representation.RidgePath.coef": Entry(lambda lam: R.ridge_path(np.abs(XR), y=YR).coef(lam), lambda: {"lam": 1e-3}, {
        "lam": bad("values", -1.0, 0.0, np.nan, 1j, "x", None, [], np.ones((2, 2)), np.array([1e-3, -1.0]))}),
    "representation.ridge_path": Entry(R.ridge_path, lambda: {"Phi_or_featurize": np.abs(XR), "X": None, "y": YR.copy()}, {
        "Phi_or_featurize": bad("array", lambda X: X, valid=np.abs(XR), shape_ok=lambda s: len(s) == 2 and min(s) >= 1),
        "y": bad("array", valid=YR, shape_ok=lambda s: s == (12,))}),
    "representation.holdout_split": Entry(R.holdout_split, lambda: {"n": 10, "val_fraction": 0.2, "seed": 0}, {
        "n": bad("integer", minimum=2, huge=[10**15]), "val_fraction": bad("number", 0.0, 1.0, minimum=0.0, maximum=1.0),
        "seed": bad("seed")}),
    "representation.fit_head": Entry(
        R.fit_head, lambda: {"featurize": FZ, "X": XR.copy(), "y": YR.copy(), "lambdas": None, "val_fraction": 0.2,
                             "seed": 0, "chunk": 8}, {
            "featurize": bad("values", None, 3, lambda X: X, np.ones(3)),
            "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
            "y": bad("array", valid=YR, shape_ok=lambda s: s == (12,)),
            "lambdas": bad("array", valid=[1e-3, 1e-1], shape_ok=lambda s: int(np.prod(s)) >= 1, positive=True,
                           allow_none=True),
            "val_fraction": bad("number", 0.0, 1.0, minimum=0.0, maximum=1.0), "seed": bad("seed"),
            "chunk": bad("integer", minimum=1)}),
    "representation.Predictor": Entry(
        R.Predictor, lambda: {"featurize": FZ, "coef": np.ones(4), "alpha": 0.5, "beta": np.zeros(3), "info": {}}, {
            "featurize": bad("values", None, 3, lambda X: X),
            "coef": bad("array", valid=np.ones(4), shape_ok=lambda s: s == (4,)),
            "alpha": bad("number"), "beta": bad("array", valid=np.zeros(3), shape_ok=lambda s: len(s) == 1 and s[0] >= 1,
                                               allow_none=True),
            "info": bad("values", None, [1], "info")}),
    "representation.preprocess": Entry(R.preprocess, lambda: {"X": XR.copy(), "y": YR.copy()}, {
        "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
        "y": bad("array", valid=YR, shape_ok=lambda s: s == (12,))}),
    "representation.symmetric_init": Entry(R.symmetric_init, lambda: {"d": 3, "width": 4, "seed": 0}, {
        "d": bad("integer", minimum=1, huge=[10**12]), "width": bad("integer", 3, 5, minimum=2, huge=[10**12]),
        "seed": bad("seed")}),
    "representation.one_step": Entry(
        R.one_step, lambda: {"X": XR.copy(), "r": YR.copy(), "a": np.array([1.0, -1.0]), "W": np.ones((2, 3)), "eta1": 1.0,
                             "chunk": 8}, {
            "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
            "r": bad("array", valid=YR, shape_ok=lambda s: s == (12,)),
            "a": bad("array", valid=[1.0, -1.0], shape_ok=lambda s: s == (2,)),
            "W": bad("array", valid=np.ones((2, 3)), shape_ok=lambda s: s == (2, 3)),
            "eta1": bad("number", 0.0, minimum=0.0)}),
    "representation.first_step": Entry(
        R.first_step, lambda: {"X": XR.copy(), "y": YR.copy(), "width": 4, "eta1": None, "bias_std": 1.0, "seed": 0}, {
            "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
            "width": bad("integer", 3, minimum=2, huge=[10**12]), "eta1": bad("number", 0.0, minimum=0.0, allow_none=True),
            "bias_std": bad("number", 0.0, minimum=0.0), "seed": bad("seed")}),
    "representation.algorithm1": Entry(
        R.algorithm1, lambda: {"X": XR.copy(), "y": YR.copy(), "width": 4, "seed": 0, "selection": "loo",
                               "val_fraction": 0.2}, {
            "y": bad("array", valid=YR, shape_ok=lambda s: s == (12,)),
            "width": bad("integer", 3, minimum=2), "seed": bad("seed"),
            "selection": bad("choice", allowed=("loo", "holdout")),
            "val_fraction": bad("number", 0.0, 1.0, minimum=0.0, maximum=1.0)}),
    "representation.random_representation": Entry(
        R.random_representation, lambda: {"d": 3, "width": 4, "bias_std": 1.0, "seed": 0}, {
            "d": bad("integer", minimum=1, huge=[10**12]), "width": bad("integer", minimum=1, huge=[10**12]),
            "bias_std": bad("number", 0.0, minimum=0.0), "seed": bad("seed")}),
    "representation.random_features": Entry(
        R.random_features, lambda: {"X": XR.copy(), "y": YR.copy(), "width": 4, "seed": 0, "selection": "holdout"}, {
            "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
            "width": bad("integer", minimum=1, huge=[10**12]), "seed": bad("seed"),
            "selection": bad("choice", allowed=("loo", "holdout"))}),
    "representation.ntk_regression": Entry(
        R.ntk_regression, lambda: {"X": XR.copy(), "y": YR.copy(), "width": 4, "seed": 0}, {
            "y": bad("array", valid=YR, shape_ok=lambda s: s == (12,)),
            "width": bad("integer", minimum=1, huge=[10**6]), "seed": bad("seed")}),
    "representation.ntk_kernel_regression": Entry(
        R.ntk_kernel_regression, lambda: {"X": XR.copy(), "y": YR.copy(), "lambdas": None, "val_fraction": 0.2,
                                          "seed": 0, "device": "cpu"}, {
            "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
            "lambdas": bad("array", valid=[1e-3, 1e-1], shape_ok=lambda s: int(np.prod(s)) >= 1, positive=True,
                           allow_none=True),
            "val_fraction": bad("number", 0.0, 1.0, minimum=0.0, maximum=1.0), "seed": bad("seed"),
            "device": bad("values", "meta", "foo", 3, None, *([] if torch.cuda.is_available() else ["cuda"]))}),
    "representation.predicted_alignment": Entry(
        R.predicted_alignment, lambda: {"n": np.array([100.0, 1000.0]), "d": 5, "hessian_eig": 1.0, "label_var": 1.0,
                                        "u_noise_ratio": 1.0, "n_mc": 20, "seed": 0}, {
            "n": bad("array", valid=[100.0, 1000.0], shape_ok=lambda s: len(s) <= 1 and int(np.prod(s)) >= 1,
                     positive=True),
            "d": bad("integer", minimum=2), "hessian_eig": bad("number"), "label_var": bad("number", 0.0, minimum=0.0),
            "u_noise_ratio": bad("number", 0.0, minimum=0.0), "n_mc": bad("integer", minimum=1, huge=[10**12]),
            "seed": bad("seed")}),
    "representation.path_losses": Entry(
        R.path_losses, lambda: {"featurize": FZ, "X": XR.copy(), "y": YR.copy(), "X_eval": XR[:4].copy(),
                                "y_eval": YR[:4].copy(), "val_fraction": 0.2, "seed": 0}, {
            "featurize": bad("values", None, 3, lambda X: X),
            "X_eval": bad("array", valid=XR[:4], shape_ok=lambda s: s == (4, 3)),
            "y_eval": bad("array", valid=YR[:4], shape_ok=lambda s: s == (4,)),
            "val_fraction": bad("number", 0.0, 1.0, minimum=0.0, maximum=1.0), "seed": bad("seed")}),
    "representation.subspace_alignment": Entry(
        R.subspace_alignment, lambda: {"W": np.ones((2, 3)), "U": np.eye(1, 3)}, {
            "W": bad("array", np.zeros((2, 3)), valid=np.ones((2, 3)), shape_ok=lambda s: len(s) == 2 and s[0] >= 1 and s[1] == 3),
            "U": bad("array", np.ones((1, 3)), valid=np.eye(1, 3), shape_ok=lambda s: s in ((3,),))}),
    "representation.fit_head_loo": Entry(
        R.fit_head_loo, lambda: {"featurize": FZ, "X": XR.copy(), "y": YR.copy(), "lambdas": None, "chunk": 8}, {
            "featurize": bad("values", None, 3, lambda X: X),
            "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
            "y": bad("array", valid=YR, shape_ok=lambda s: s == (12,)),
            "lambdas": bad("array", valid=[1e-3, 1e-1], shape_ok=lambda s: int(np.prod(s)) >= 1, positive=True,
                           allow_none=True),
            "chunk": bad("integer", minimum=1)}),
    "representation.transfer": Entry(
        R.transfer, lambda: {"model": R.first_step(XR, YR, width=4), "X": XR.copy(), "y": YR.copy(), "seed": 0,
                             "selection": "loo"}, {
            "model": bad("values", None, 3, {"W": 1}, FZ, KERNEL_MODEL),
            "X": bad("array", valid=XR, shape_ok=lambda s: s == (12, 3)),
            "selection": bad("choice", allowed=("loo", "holdout"))}),
    "representation.excess_risk": Entry(
        R.excess_risk, lambda: {"predictor": lambda X: X[:, 0], "target": TARGET, "n_test": 8, "seed": 0}, {
            "predictor": bad("function"), "target": bad("values", None, 3, lambda X: X),
            "n_test": bad("integer", minimum=2, huge=[10**12]), "seed": bad("seed")}),
    "representation.excess_risk_quadrature": Entry(
        R.excess_risk_quadrature, lambda: {"predictor": lambda X: X[:, 0], "target": TARGET, "n_nodes": 5, "n_perp": 3,
                                           "seed": 0}, {
            "predictor": bad("function"), "target": bad("values", None, 3, lambda X: X),
            "n_nodes": bad("integer", minimum=1, maximum=250), "n_perp": bad("integer", minimum=2), "seed": bad("seed")}),
    "representation.feature_floor": Entry(
        R.feature_floor, lambda: {"featurize": FZ, "target": TARGET, "n": 20, "linear": True, "lam_rel": 1e-8, "seed": 0,
                                  "n_nodes": 5, "n_perp": 3}, {
            "featurize": bad("values", None, 3, lambda X: X), "target": bad("values", None, 3, lambda X: X),
            "n": bad("integer", minimum=2, huge=[10**12]), "linear": bad("flag"), "lam_rel": bad("number", 0.0, minimum=0.0),
            "seed": bad("seed")}),
    # --- book ------------------------------------------------------------------------------------
    "book.check_scale": Entry(BK.check_scale, lambda: {"scale": "quick"}, {"scale": bad("choice", allowed=BK.SCALES)}),
    "book.choose": Entry(BK.choose, lambda: {"scale": "paper", "quick": 1, "paper": 2}, {
        "scale": bad("choice", allowed=BK.SCALES)}),
    "book.default_device": Entry(BK.default_device, lambda: {"scale": "paper"}, {"scale": bad("choice", allowed=BK.SCALES)}),
    "book.seed_everything": Entry(BK.seed_everything, lambda: {"seed": 3}, {"seed": bad("seed")}),
    "book.as_builtin": Entry(BK.as_builtin, lambda: {"value": np.float32(0.5)}, {
        "value": bad("values", 1j, np.complex64(1j), torch.ones((), device="meta"), torch.tensor(1j), np.ones(2),
                     torch.ones(2))}),
    "book.figure_png": Entry(BK.figure_png, lambda: {"fig": _FIG, "dpi": 20}, {
        "fig": bad("axes"), "dpi": bad("number", 0.5, minimum=1.0, maximum=1200.0)}),
    "book.glue": Entry(BK.glue, lambda: {"name": "chx_key", "value": 0.5, "display": False}, {
        "name": bad("text", ""), "value": bad("number", None, [1.0], {"a": 1}, np.ones(2)), "display": bad("flag")}),
    "book.Math": Entry(BK.Math, lambda: {"tex": "W^{=k}"}, {"tex": bad("text", "")}),
    "book.Math.html": Entry(lambda: BK.Math("x").html(), dict),
    "book.html_table": Entry(BK.html_table, lambda: {"headers": ["a", "b"], "rows": [[1, 2.5]], "floatfmt": ".3g",
                                                     "css_class": "t"}, {
        "headers": bad("values", None, 3, "ab"), "rows": bad("values", None, 3, [[1]], [1, 2], "ab"),
        "floatfmt": bad("values", 3, None, "q", "..3"), "css_class": bad("text")}),
    "book.Table": Entry(BK.Table, lambda: {"headers": ["a", "b"], "rows": [[1, 2.5]], "floatfmt": ".3g"}, {
        "headers": bad("values", None, 3), "rows": bad("values", None, 3, [[1]]), "floatfmt": bad("values", 3, "q")}),
    "book.ClaimsTable": Entry(BK.ClaimsTable, dict),
    "book.ClaimsTable.check": Entry(
        lambda statement, measured, held, source: BK.ClaimsTable().check(statement, measured, held, source=source),
        lambda: {"statement": "s", "measured": "m", "held": True, "source": "x"}, {
            "statement": bad("values", "", "  ", None, 3), "held": bad("flag", float("nan"), "inconclusive", "held"),
            "source": bad("text")}),
    "book.ClaimsTable.record": Entry(
        lambda statement, measured, outcome, source: BK.ClaimsTable().record(statement, measured, outcome, source=source),
        lambda: {"statement": "s", "measured": "m", "outcome": "inconclusive", "source": "x"}, {
            "statement": bad("values", "", None, 3), "outcome": bad("flag", float("nan"), "maybe"),
            "source": bad("text")}),
    "book.ClaimsTable.counts": Entry(lambda: CLAIMS.counts(), dict),
    "book.ClaimsTable.to_markdown": Entry(lambda: CLAIMS.to_markdown(), dict),
}

#: Public callables deliberately not fuzzed, each with its reason.
EXEMPT = {
    "networks.Sign.forward": "an activation inside a network: data is validated where it enters "
                             "(neuron_outputs, the training loops); a check per forward pass would tax every step",
    "networks.Elementwise.forward": "as Sign.forward (its fn is checked to be callable by the constructor)",
    # records: plain result containers the package builds from validated data; their constructors take
    # whatever fields they are given (the functions that build them are fuzzed)
    "alignment.InalResult": "a record built by inal() and InalResult.from_samples (both fuzzed)",
    "expected.ExpectedInal": "a record built by expected_inal (fuzzed)",
    "degree_bound.VerificationRow": "a record built by verification_table (fuzzed)",
    "degree_bound.VerificationTable": "a record built by verification_table (fuzzed); its methods are fuzzed",
    "noisy_gd.NoisyGDHistory": "a record built by noisy_gd/noisy_gd_ensemble (fuzzed)",
    "noisy_gd.SweepResult": "a record built by fixed_budget_sweep (fuzzed); its methods are fuzzed",
    "representation.RidgePath": "a record built by ridge_path (fuzzed); RidgePath.coef is fuzzed",
    "representation.HeadFit": "a record built by fit_head/fit_head_loo (fuzzed)",
    "book.Claim": "a record built by ClaimsTable.check/record (fuzzed)",
}

# diversity's entries live beside this table (they import Entry and bad from this module)
from fuzz_table_diversity import DIVERSITY_API, DIVERSITY_EXEMPT  # noqa: E402

COVERED_MODULES += ("diversity",)
API.update(DIVERSITY_API)
EXEMPT.update(DIVERSITY_EXEMPT)

# ------------------------------------------------------------------------------------------------
# the tests
# ------------------------------------------------------------------------------------------------

CASES = [(name, arg) for name, entry in API.items() for arg in entry.corrupt]
_COUNT = {"cases": 0}


def _public_callables(module):
    """Functions and classes defined in ``module`` (no leading underscore), and their public methods."""
    short = module.__name__.rsplit(".", 1)[-1]
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not callable(obj) or getattr(obj, "__module__", None) != module.__name__:
            continue
        names.append(f"{short}.{name}")
        if inspect.isclass(obj):
            names += [f"{short}.{name}.{attr}" for attr, member in vars(obj).items()
                      if not attr.startswith("_") and (inspect.isfunction(member)
                                                       or isinstance(member, (staticmethod, classmethod)))]
    return names


def _resolve(name):
    obj = inal_utils
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_public_callable_is_in_the_table():
    import importlib

    required = {n for m in COVERED_MODULES for n in _public_callables(importlib.import_module(f"inal_utils.{m}"))}
    missing = sorted(required - set(API) - set(EXEMPT))
    assert not missing, f"public callables without a bad-input entry in tests/test_bad_input.py: {missing}"
    assert not set(API) & set(EXEMPT)
    for name in list(API) + list(EXEMPT):  # no stale entries
        assert name.split(".")[0] in COVERED_MODULES, name
        assert callable(_resolve(name)), name


def test_completeness_check_sees_public_names():
    """The completeness test can fail: it finds functions, classes and methods, and skips imports."""
    names = _public_callables(B)
    assert {"boolean.hypercube", "boolean.Parity", "boolean.BooleanFunction.truth_table"} <= set(names)
    assert not any(n.endswith((".Iterable", "._check_n")) for n in names)


@pytest.mark.parametrize("name", list(API))
def test_valid_call_succeeds(name):
    """The table's valid arguments really are valid (so every refusal below is about the corruption)."""
    entry = API[name]
    kwargs = entry.valid()
    assert set(entry.corrupt) <= set(kwargs), "corruptible arguments must have a valid value"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        entry.call(**kwargs)


@pytest.fixture(scope="module", autouse=True)
def _report_case_count():
    yield
    plt.close(_FIG)
    print(f"\ntest_bad_input: {_COUNT['cases']} fuzz cases over {len(CASES)} (callable, argument) pairs "
          f"of {len(API)} callables")


@pytest.mark.parametrize("name, arg", CASES, ids=[f"{n}:{a}" for n, a in CASES])
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_bad_argument_is_refused(name, arg, data):
    entry = API[name]
    kwargs = entry.valid()
    value = data.draw(entry.corrupt[arg].strategy(), label=arg)
    kwargs[arg] = value
    _COUNT["cases"] += 1
    shown = _checks.describe(value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning means bad input got into the computation
            result = entry.call(**kwargs)
    except (ValueError, TypeError) as err:
        assert re.search(rf"\b{re.escape(arg)}\b", str(err)), (
            f"{name}({arg}={shown}) raised {type(err).__name__} without naming {arg!r}: {err}")
    except Exception as err:  # noqa: BLE001 - anything else is the defect this test exists to find
        pytest.fail(f"{name}({arg}={shown}) raised {type(err).__name__}: {err}")
    else:
        pytest.fail(f"{name}({arg}={shown}) returned {_checks.describe(result)} instead of refusing")


# ------------------------------------------------------------------------------------------------
# _checks, directly
# ------------------------------------------------------------------------------------------------


def test_integer_accepts_numpy_integers_and_refuses_floats_and_bools():
    assert _checks.integer(np.int8(3), "n") == 3 and type(_checks.integer(np.uint64(3), "n")) is int
    for value in (2.5, 2.0, True, np.bool_(False), "2", None):
        with pytest.raises(TypeError, match="n="):
            _checks.integer(value, "n")
    with pytest.raises(ValueError, match="n=-1 must be >= 0"):
        _checks.integer(-1, "n", minimum=0)


def test_seed_range_and_none():
    assert _checks.seed(2**64 - 1) == 2**64 - 1 and _checks.seed(None, allow_none=True) is None
    with pytest.raises(TypeError, match="seed=None"):
        _checks.seed(None)
    with pytest.raises(ValueError, match="seed"):
        _checks.seed(2**64)


def test_number_refuses_nan_inf_complex_and_bounds():
    assert _checks.number(np.float32(0.5), "lr") == 0.5 and _checks.number(np.array(2.0), "lr") == 2.0
    assert _checks.number(float("inf"), "lr", allow_inf=True) == math.inf
    for value, error in ((float("nan"), ValueError), (float("inf"), ValueError), (1j, TypeError),
                         ("0.5", TypeError), (True, TypeError), (None, TypeError)):
        with pytest.raises(error, match="lr"):
            _checks.number(value, "lr")
    with pytest.raises(ValueError, match="lr=0.0 must be > 0"):
        _checks.number(0.0, "lr", minimum=0.0, low_open=True)
    with pytest.raises(ValueError, match="p=1.5 must be <= 1"):
        _checks.probability(1.5, "p")


def test_real_array_messages_name_argument_value_and_rule():
    with pytest.raises(TypeError, match="X has complex dtype complex128"):
        _checks.real_array([1j], "X")
    with pytest.raises(ValueError, match=r"X has 2 non-finite entries \(first at index \(1,\): nan\)"):
        _checks.real_array([1.0, np.nan, np.inf], "X")
    with pytest.raises(ValueError, match=r"X has shape \(2, 3\); shape \(…, 2\) is required"):
        _checks.real_array(np.ones((2, 3)), "X", shape=(None, 2))
    with pytest.raises(TypeError, match="X has dtype object"):
        _checks.real_array(np.array([1, None]), "X")
    with pytest.raises(ValueError, match="X is not a rectangular array"):
        _checks.real_array([[1.0], [1.0, 2.0]], "X")
    v = np.ones(3)
    assert not np.shares_memory(_checks.real_array(v, "v", copy=True), v)
    assert _checks.real_array(torch.ones(2, dtype=torch.bfloat16), "v").dtype == np.float64


def test_device_names_cuda_absence_and_refuses_meta():
    assert _checks.device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            _checks.device("cuda")
    else:
        with pytest.raises(ValueError, match="CUDA device"):
            _checks.device(f"cuda:{torch.cuda.device_count()}")
    with pytest.raises(ValueError, match="meta device holds no data"):
        _checks.device("meta")
    with pytest.raises(ValueError, match="not a device name"):
        _checks.device("gpu0")
    with pytest.raises(TypeError, match="device=0"):
        _checks.device(0)


def test_function_and_instance_name_the_expected_kind():
    with pytest.raises(TypeError, match="activation=3 must be a function of a tensor"):
        _checks.function(3, "activation", "a function of a tensor")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        _checks.instance(lambda: 0, "model", nn.Module, "a torch.nn.Module")


def test_require_memory_names_the_request_and_the_alternative(monkeypatch):
    assert _checks.require_memory(2**20, "x", "y") == 2**20
    with pytest.raises(ValueError, match=r"table\(n=40\) needs about 1.02e\+03 GiB.*Use a smaller degree"):
        _checks.require_memory(2**40 * 1, "table(n=40)", "Use a smaller degree.")
    monkeypatch.setattr(_checks, "MEMORY_BUDGET_BYTES", 10)
    with pytest.raises(ValueError, match="more than the 9.31e-09 GiB allowed"):
        _checks.require_memory(11, "x", "y")


# ------------------------------------------------------------------------------------------------
# regressions: plotting (each returned a number, or raised something else, before the fix)
# ------------------------------------------------------------------------------------------------


def test_fit_power_law_needs_two_distinct_x():
    """All x equal gave an arbitrary slope (0.5) with only a RankWarning."""
    with pytest.raises(ValueError, match="x takes 1 distinct value"):
        P.fit_power_law([2.0, 2.0], [1.0, 4.0])


@pytest.mark.parametrize("y", [[np.nan, np.inf, np.nan, 0.5], [1.0, 2.0, np.inf, 4.0]])
def test_fit_power_law_refuses_non_finite(y):
    """NaN y gave (nan, nan)."""
    with pytest.raises(ValueError, match="y has .* non-finite"):
        P.fit_power_law([1.0, 2.0, 4.0, 8.0], y)


def test_fit_power_law_refuses_complex():
    """Complex x was reduced to its real part."""
    with pytest.raises(TypeError, match="x has complex dtype"):
        P.fit_power_law(np.array([1.0, 2.0, 4.0]) + 0.5j, [1.0, 2.0, 3.0])


def test_loglog_fit_refuses_wrong_axes_and_invisible_points():
    """A non-Axes failed with AttributeError; y <= 0 vanished from the log axis with fit=False."""
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        P.loglog_fit(plt, XS, YS, label="y")
    with pytest.raises(ValueError, match="y has 1 entries <= 0"):
        P.loglog_fit(_ax(), XS, [1.0, 0.0, 2.0, 3.0], label="y", fit=False)
    with pytest.raises(ValueError, match="yerr has negative entries"):
        P.loglog_fit(_ax(), XS, YS, yerr=-YS, label="y")


def test_loglog_fit_unknown_keyword_is_a_type_error():
    """matplotlib answers an unknown line property with AttributeError."""
    with pytest.raises(TypeError, match="colour"):
        P.loglog_fit(_ax(), XS, YS, label="y", colour="red")
    assert P.loglog_fit(_ax(), XS, YS, label="y", color="red", ms=3) == pytest.approx(-1.0, abs=1e-12)


def test_boolean_function_of_zero_inputs_on_a_batch():
    """A guard: n = 0, a batch of shape (5, 0) is five points of the one-point cube (reshape(-1, 0) is ambiguous)."""
    np.testing.assert_array_equal(B.Parity(0, [])(np.ones((5, 0))), np.ones(5))
