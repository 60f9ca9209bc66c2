"""Noisy gradient descent with clipped gradients: the training algorithm of Theorem 1.

One step of the algorithm of Abbe, Cornacchia, Hązła and Marquis (ICML 2022), after Abbe and Sandon
(2020), reads

    θ^t = θ^{t-1} − γ_t [E_x ∇_θ L(NN_{θ^{t-1}}(x), f(x))]_A + Z^{(t)},   Z^{(t)} ~ N(0, σ² I),

where ``[·]_A`` clips every coordinate of the population gradient to ``[−A, A]``. The order inside a
step is fixed as written: population gradient, clip, step of size ``γ_t``, then the Gaussian noise
(drawn in the order of ``module.parameters()``, one flat vector per run and step).

Choices this module fixes (and the chapter states):

* ``E_x`` is exact over the whole cube ``{±1}^N`` when ``inputs="exact"`` (``N ≤ MAX_EXACT_N``);
  ``inputs=M`` replaces it by the mean over one fixed sample of ``M`` uniform points, drawn once from
  ``seed`` — the history then says so (``history.exact`` is ``False``).
* ``batch_size=B`` turns the algorithm into online SGD: each step uses ``B`` fresh uniform points
  (the noise-free contrast of the chapter). The recorded correlation is still over ``inputs``.
* The network passed in is never modified: it is trained in a deep copy (:func:`noisy_gd`), or in
  stacked copies (:func:`noisy_gd_ensemble`).
* Randomness: ``seed`` (an int) feeds :class:`numpy.random.SeedSequence`; the fixed sample, the
  fresh evaluation inputs, the SGD batches and the noise of run ``r`` come from independent children
  (:func:`noise_generator`). The noise is drawn on the CPU and moved to ``device``, so a run gives
  the same numbers on every device up to floating-point rounding.

The recorded quantity is the one the theorem bounds, ``E_x[f̄(x) · NN^{(t)}(x)]`` (not normalised).
"""

from __future__ import annotations

import copy
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from inal_utils import _checks as C
from inal_utils.boolean import MAX_EXACT_N, BooleanFunction, Extended, hypercube, random_inputs
from inal_utils.degree_bound import exact_neuron_profile
from inal_utils.expected import target_degree_weights
from inal_utils.networks import Elementwise, Sign, count_edges

LOSSES = ("squared", "correlation", "hinge")

# Children of SeedSequence(seed): 0 the fixed training sample, 1 the evaluation inputs,
# 2 the SGD batches, 3 + r the noise of run r; grandchild (2, 1) the device generator (device_rng=True).
_SAMPLE, _EVAL, _BATCH, _NOISE = 0, 1, 2, 3


# --------------------------------------------------------------------------------------------
# Pieces of one step (each tested on its own)
# --------------------------------------------------------------------------------------------


def loss_fn(name):
    """The per-example loss ``L(ŷ, y)`` named ``name`` as a function of two tensors.

    ``"squared"``: ``(ŷ − y)²/2``; ``"correlation"``: ``−y·ŷ`` (its population gradient is
    ``−E[f ∇NN]``, the correlation the theorem tracks); ``"hinge"``: ``max(0, 1 − y·ŷ)``.
    A callable ``L(ŷ, y)`` returning per-example losses (shape ``(M,)`` for ``(M,)`` inputs) is
    accepted as is.
    """
    if callable(name):
        return name
    if name == "squared":
        return lambda out, y: 0.5 * (out - y) ** 2
    if name == "correlation":
        return lambda out, y: -y * out
    if name == "hinge":
        return lambda out, y: torch.clamp(1.0 - y * out, min=0.0)
    raise ValueError(f"loss name={C.describe(name)} is not known; use one of {LOSSES} or a callable L(output, target)")


def _model_parameters(model, name):
    """The parameters of ``model`` (an ``nn.Module`` with data and at least one parameter)."""
    C.instance(model, name, nn.Module, "a torch.nn.Module (a network, not a factory)")
    params = list(model.parameters())
    if not params:
        raise ValueError(f"{name} has no parameters")
    for p in params:
        if p.device.type == "meta":
            raise ValueError(f"{name} has parameters on the meta device, which hold no data; build it on "
                             "'cpu' or 'cuda'")
    return params


def _per_example(out, values, M, loss):
    """Check the per-example loss ``values`` of a callable ``loss`` has shape ``(M,)``."""
    if not isinstance(values, torch.Tensor) or tuple(values.shape) != (M,):
        got = C.describe(values)
        raise ValueError(f"loss={C.describe(loss)} must return one loss per example (shape ({M},)); got {got}")
    return values


def population_gradient(model, x, y, loss="squared"):
    """``E_x ∇_θ L(NN_θ(x), f(x))`` over the rows of ``x`` (all points weigh the same).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(M, N)`` inputs to ``(M,)`` or ``(M, 1)`` outputs (at least one parameter).
    x : torch.Tensor, shape (M, N)
        Finite floating inputs of the model's dtype and device, ``M >= 1``.
    y : torch.Tensor, shape (M,)
        Finite labels, one per row of ``x`` (a ``(M, 1)`` column is refused: it would broadcast).
    loss : str or callable
        See :func:`loss_fn`.

    Returns
    -------
    list of torch.Tensor
        One gradient per parameter, in the order of ``model.parameters()``.
    """
    params = _model_parameters(model, "model")
    C.finite_tensor(x, "x")
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x has shape {tuple(x.shape)}; a batch of shape (M, N) with M >= 1 is required")
    width = _input_width(model)
    if width is not None and x.shape[1] != width:
        raise ValueError(f"x has {x.shape[1]} columns but model's first layer takes {width} inputs")
    if x.dtype != params[0].dtype or x.device != params[0].device:
        raise ValueError(f"x is {x.dtype} on {x.device} but model's parameters are {params[0].dtype} on "
                         f"{params[0].device}; convert with x.to(dtype, device)")
    C.finite_tensor(y, "y")
    M = x.shape[0]
    if tuple(y.shape) != (M,):
        raise ValueError(f"y has shape {tuple(y.shape)}; shape ({M},) (one label per row of x) is required")
    if y.dtype != x.dtype or y.device != x.device:
        raise ValueError(f"y is {y.dtype} on {y.device}; it must match x ({x.dtype} on {x.device})")
    per_example = loss_fn(loss)
    out = model(x)
    if tuple(out.shape) not in ((M,), (M, 1)):
        raise ValueError(f"model maps x of shape {tuple(x.shape)} to shape {tuple(out.shape)}; outputs of shape "
                         f"({M},) or ({M}, 1) are required (one output unit)")
    out = out.reshape(-1)
    value = _per_example(out, per_example(out, y), M, loss).mean()
    if not bool(torch.isfinite(value)):
        raise ValueError(f"the loss is not finite ({float(value)}) for these inputs")
    return list(torch.autograd.grad(value, params, allow_unused=False))


def clip_gradient(gradient, clip):
    """``[g]_A``: every coordinate of ``gradient`` clipped to ``[−clip, clip]`` (``clip=inf``: unchanged).

    ``gradient`` is a finite real tensor; ``clip > 0`` (``inf`` allowed).
    """
    C.finite_tensor(gradient, "gradient")
    clip = C.number(clip, "clip", minimum=0.0, low_open=True, allow_inf=True)
    if math.isinf(clip):
        return gradient
    return torch.clamp(gradient, -clip, clip)


def noise_generator(seed, run=0):
    """The CPU :class:`torch.Generator` of the Gaussian noise of run ``run`` under ``seed``.

    ``seed`` an integer in ``[0, 2**64)``, ``run`` an integer ``>= 0``.
    """
    seed = C.seed(seed)
    run = C.integer(run, "run", minimum=0)
    state = np.random.SeedSequence(seed, spawn_key=(_NOISE + run,)).generate_state(2)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


@torch.no_grad()
def noisy_gd_step(parameters, gradients, *, lr, clip, noise_std, generator):
    """One step in place: ``θ ← θ − lr·[g]_A + Z``, ``Z ~ N(0, noise_std² I)``.

    The noise is one flat standard-normal vector of length ``Σ numel`` drawn from ``generator`` (on
    the CPU) and split over ``parameters`` in order. Returns the fraction of clipped coordinates.

    ``parameters`` is a non-empty sequence of floating tensors, ``gradients`` one finite tensor of the
    same shape per parameter; ``lr >= 0`` and ``noise_std >= 0`` finite, ``clip > 0`` (``inf``: no
    clipping), ``generator`` a CPU :class:`torch.Generator`.
    """
    if isinstance(parameters, torch.Tensor) or isinstance(gradients, torch.Tensor):
        raise TypeError("parameters and gradients must be sequences of tensors (one per parameter), "
                        "not single tensors")
    try:
        parameters, gradients = list(parameters), list(gradients)
    except TypeError:
        raise TypeError(f"parameters={C.describe(parameters)} and gradients={C.describe(gradients)} must be "
                        "sequences of tensors") from None
    if not parameters:
        raise ValueError("parameters is empty; give the model's parameters")
    if len(gradients) != len(parameters):
        raise ValueError(f"gradients has {len(gradients)} tensors for {len(parameters)} parameters; give one "
                         "per parameter")
    for i, (p, g) in enumerate(zip(parameters, gradients)):
        C.finite_tensor(p, f"parameters[{i}]")
        C.finite_tensor(g, f"gradients[{i}]")
        if g.shape != p.shape:
            raise ValueError(f"gradients[{i}] has shape {tuple(g.shape)} but parameters[{i}] has "
                             f"{tuple(p.shape)}")
    lr = C.number(lr, "lr", minimum=0.0)
    clip = C.number(clip, "clip", minimum=0.0, low_open=True, allow_inf=True)
    noise_std = C.number(noise_std, "noise_std", minimum=0.0)
    C.instance(generator, "generator", torch.Generator, "a torch.Generator (see noise_generator)")
    clipped = total = 0
    for p, g in zip(parameters, gradients):
        if not math.isinf(clip):
            clipped += int((g.abs() > clip).sum())
        total += g.numel()
        p.sub_(lr * (g if math.isinf(clip) else torch.clamp(g, -clip, clip)))
    if noise_std > 0:
        z = torch.randn(sum(p.numel() for p in parameters), generator=generator, dtype=parameters[0].dtype)
        start = 0
        for p in parameters:
            p.add_(noise_std * z[start:start + p.numel()].view(p.shape).to(p.device))
            start += p.numel()
    return clipped / max(total, 1)


def bound_shape(*, lr, steps, edges, clip, noise_std, n, c):
    """The right-hand side of Theorem 1 without its constant: ``γ T √(E A)/σ · n^{−(c−1)/8}``.

    Parameters
    ----------
    lr, steps, edges, clip, noise_std : float
        ``γ ≥ 0`` (step size), ``T ≥ 0`` (number of steps), ``E ≥ 1`` (edges of the network),
        ``A > 0`` (gradient range), ``σ > 0`` (noise standard deviation). Real finite numbers or
        arrays; arrays broadcast.
    n : float
        Number of relevant inputs of ``f_n`` (``≥ 1``; the extension has ``n²`` inputs).
    c : float
        Exponent of the hypothesis ``INAL(f_n, NN_n) = O(n^{−c})``, ``c ≥ 1``.
    """
    rules = {"lr": (lr, 0.0, False), "steps": (steps, 0.0, False), "edges": (edges, 1.0, False),
             "clip": (clip, 0.0, True), "noise_std": (noise_std, 0.0, True), "n": (n, 1.0, False),
             "c": (c, 1.0, False)}
    values = {}
    for name, (value, low, strict) in rules.items():
        arr = C.real_array(value, name)
        if np.any(arr <= low) if strict else np.any(arr < low):
            extra = {"noise_std": " (the bound divides by σ)",
                     "c": " (Theorem 1 assumes INAL = O(n^-c) with c >= 1)"}.get(name, "")
            raise ValueError(f"{name}={C.describe(value)} must be {'>' if strict else '>='} {low:g}{extra}")
        values[name] = arr
    try:
        np.broadcast_shapes(*(v.shape for v in values.values()))
    except ValueError:
        raise ValueError("lr, steps, edges, clip, noise_std, n, c have shapes "
                         f"{[v.shape for v in values.values()]} that do not broadcast") from None
    v = values
    value = v["lr"] * v["steps"] * np.sqrt(v["edges"] * v["clip"]) / v["noise_std"] * v["n"] ** (-(v["c"] - 1) / 8)
    return value.item() if value.ndim == 0 else value


def expected_overlap(n, N):
    """``E|π(B) ∩ B| = n²/N``: relevant inputs a uniformly random permutation of ``N`` inputs keeps in
    the block ``B`` of the ``n`` relevant ones (the mean of a hypergeometric law).

    ``N = n²`` gives 1 whatever ``n``: two members of the orbit of ``f̄`` share about one relevant input.
    Padding to ``N = 2n`` gives ``n/2``: they share half of them.
    """
    n, N = _check_int(n, "n", 1), _check_int(N, "N", 1)
    if N < n:
        raise ValueError(f"N={N} must be >= n={n}")
    return n * n / N


def noise_threshold(null_correlations, multiple=4.0):
    """``multiple × RMS`` of correlations measured under the noise-only null (``lr = 0``).

    The null network has parameters ``θ^0 + Σ_t Z^{(t)}`` (initialisation plus the accumulated noise,
    scale ``σ√T``) and never sees a gradient; its correlation with the target is centred, so a trained
    network whose ``|E[f̄·NN]|`` stays below this threshold is indistinguishable from noise.
    """
    z = C.real_array(null_correlations, "null_correlations").ravel()
    if z.size < 2:
        raise ValueError(f"null_correlations must hold at least 2 finite values; got {z.size}")
    multiple = C.number(multiple, "multiple", minimum=0.0, low_open=True)
    return float(multiple * np.sqrt(np.mean(z ** 2)))


# --------------------------------------------------------------------------------------------
# The history of a run (or of an ensemble of runs)
# --------------------------------------------------------------------------------------------


@dataclass
class NoisyGDHistory:
    """What :func:`noisy_gd` records. Arrays have a leading run axis for :func:`noisy_gd_ensemble`.

    Attributes
    ----------
    steps : ndarray of int
        The recorded steps ``t`` (``0`` is the initialisation, ``T`` the end).
    correlation : ndarray
        ``E_x[f̄(x)·NN^{(t)}(x)]`` over the training points (the exact cube when ``exact``).
    loss : ndarray
        The population loss over the training points.
    accuracy : ndarray
        ``P[f̄(x)·NN^{(t)}(x) > 0]`` on ``n_eval`` fresh uniform inputs (never trained on).
    clip_fraction : ndarray
        Fraction of gradient coordinates clipped at each step ``1..T`` (per run).
    exact : bool
        ``True`` when ``E_x`` was the exact mean over the cube.
    n_points, n_eval : int
        Training points (``2^N`` when exact) and evaluation inputs.
    seconds_per_step : float
        Wall-clock time per step (all runs together).
    """

    steps: np.ndarray
    correlation: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    clip_fraction: np.ndarray
    exact: bool
    n_points: int
    n_eval: int
    N: int
    edges: int
    seconds_per_step: float = 0.0
    settings: dict = field(default_factory=dict)

    @property
    def inputs(self):
        """How ``E_x`` was computed, in words."""
        if self.exact:
            return f"exact over the cube: 2^{self.N} = {self.n_points} points"
        return f"fixed sample of {self.n_points} uniform points of {{±1}}^{self.N} (not exact)"

    @property
    def final_correlation(self):
        return self.correlation[..., -1]


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


def _check_seed(seed):
    return C.seed(seed)


def _child_seed(seed, key):
    return int(np.random.SeedSequence(seed, spawn_key=(key,)).generate_state(1)[0])


def _check_number(value, name, *, allow_inf=False, positive=False):
    return C.number(value, name, minimum=0.0, low_open=positive, allow_inf=allow_inf)


def _check_int(value, name, minimum):
    return C.integer(value, name, minimum=minimum)


def _per_run(value, name, runs, **kw):
    """A float or one float per run, checked, as an array of length ``runs``."""
    if isinstance(value, (numbers.Real, np.floating)) and not isinstance(value, bool):
        return np.full(runs, _check_number(value, name, **kw))
    values = list(np.asarray(value, dtype=object).ravel()) if not isinstance(value, str) else [value]
    if len(values) != runs:
        raise ValueError(f"{name} has {len(values)} values; give one number, or one per network ({runs})")
    return np.array([_check_number(v if not isinstance(v, np.floating) else float(v), f"{name}[r]", **kw)
                     for v in values])


def _lr_schedule(lr, steps):
    if isinstance(lr, numbers.Real) and not isinstance(lr, bool):
        return [_check_number(lr, "lr")] * steps
    if isinstance(lr, (str, bytes, dict, set, bool)) or not hasattr(lr, "__iter__"):
        raise TypeError(f"lr={C.describe(lr)} must be a number or a sequence of one number per step")
    lr = list(lr)
    if len(lr) != steps:
        raise ValueError(f"lr has {len(lr)} values; give one per step (steps={steps}) or a single number")
    return [_check_number(v, "lr[t]") for v in lr]


def _input_width(model):
    first = next((m for m in model.modules() if isinstance(m, nn.Linear)), None)
    return None if first is None else first.in_features


def _check_pair(model, target, N):
    _model_parameters(model, "network")
    width = _input_width(model)
    if width is not None and width != N:
        raise ValueError(f"target takes n={N} inputs but the network's first layer takes {width}; "
                         "build the network with the target's input size")


def _targets(targets, runs):
    if not isinstance(targets, (list, tuple)):
        targets = [targets] * runs
    if len(targets) != runs:
        raise ValueError(f"{len(targets)} targets for {runs} networks; give one target, or one per network")
    for f in targets:
        if not isinstance(f, BooleanFunction):
            raise TypeError(f"target/targets={C.describe(f)} must be a Boolean function from inal_utils.boolean")
    sizes = {int(f.n) for f in targets}
    if len(sizes) > 1:
        raise ValueError(f"all targets must take the same number of inputs; got n in {sorted(sizes)}")
    return list(targets), sizes.pop()


def _require_training_memory(N, inputs, n_eval, batch_size, R, dtype):
    """Refuse up front a training set (inputs, labels, outputs of all runs) that cannot fit."""
    M = _input_count(N, inputs)
    size = torch.empty((), dtype=dtype).element_size()
    points = M + n_eval + (batch_size or 0)
    # ±1 points (int8) and their float copy, labels and outputs of every run (a few copies each)
    C.require_memory(points * N * (1 + size) + 4 * R * points * size,
                     f"noisy_gd(N={N}, inputs={inputs!r}, n_eval={n_eval}, runs={R})",
                     "Use a smaller inputs=M sample (or fewer runs / a smaller n_eval).")


def _probe(network, target, N, per_example, loss):
    """One forward pass on two points: the network has one output and the loss is per-example."""
    params = list(network.parameters())
    x = torch.as_tensor(hypercube(1).repeat(N, axis=1)[:2], dtype=params[0].dtype, device=params[0].device)
    with torch.no_grad():
        try:
            out = network(x)
        except RuntimeError as err:
            raise ValueError(f"network fails on a batch of shape {tuple(x.shape)}: {err}") from None
        if tuple(out.shape) not in ((2,), (2, 1)):
            raise ValueError(f"network maps a batch of shape {tuple(x.shape)} to shape {tuple(out.shape)}; "
                             "outputs of shape (M,) or (M, 1) are required (one output unit)")
        out = out.reshape(1, 2)
        try:
            values = per_example(out, torch.ones_like(out))
        except Exception as err:  # noqa: BLE001 - a user loss: report whatever it raised, naming it
            raise ValueError(f"loss={C.describe(loss)} fails on outputs of shape (1, 2): {err!r}") from None
    if not isinstance(values, torch.Tensor) or tuple(values.shape) != (1, 2):
        raise ValueError(f"loss={C.describe(loss)} must be per-example (elementwise): for outputs of shape (1, 2) "
                         f"it returned {C.describe(values)}")


def _input_count(N, inputs):
    """The number of training points: ``2**N`` for ``inputs="exact"`` (N ≤ MAX_EXACT_N), else ``inputs``."""
    if isinstance(inputs, str):
        if inputs != "exact":
            raise ValueError(f"inputs={inputs!r} must be 'exact' or a positive sample size (int)")
        if N > MAX_EXACT_N:
            raise ValueError(f"inputs='exact' enumerates 2**{N} points; at most N={MAX_EXACT_N} is allowed. "
                             "Use inputs=M to average over a fixed sample of M uniform points instead.")
        return 2**N
    return _check_int(inputs, "inputs", 1)


def _points(N, inputs, seed):
    M = _input_count(N, inputs)
    if inputs == "exact":
        return hypercube(N), True
    return random_inputs(N, M, seed=_child_seed(seed, _SAMPLE)), False



# --------------------------------------------------------------------------------------------
# R networks as one set of stacked weights
# --------------------------------------------------------------------------------------------

_ELEMENTWISE = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.LeakyReLU, nn.ELU, nn.SiLU, nn.Softplus, nn.Identity,
                Sign, Elementwise)


def _is_plain_mlp(model):
    return (isinstance(model, nn.Sequential) and not list(model.buffers())
            and all(isinstance(m, (nn.Linear,) + _ELEMENTWISE) for m in model))


#: Points per chunk are chosen so that one hidden activation of all runs holds about this many numbers:
#: small blocks stay in cache and avoid a fresh large allocation (page faults) at every step.
_CHUNK_ELEMENTS = 2**20


def _chunked_gradient(forward, params, names, x, y, per_example, chunk):
    """Outputs ``(R, M)`` and the gradients of ``Σ_r mean_x L_r``, accumulated over blocks of points."""
    M = x.shape[0]
    outs, grads = [], None
    for start in range(0, M, chunk):
        out = forward(params, x[start:start + chunk])
        part = per_example(out, y[:, start:start + chunk]).sum(1).sum() / M
        g = torch.autograd.grad(part, [params[k] for k in names])
        grads = list(g) if grads is None else [a.add_(b) for a, b in zip(grads, g)]
        outs.append(out.detach())
    return torch.cat(outs, 1), grads


def _torch_target(f):
    """``f`` as a function of a ±1 float tensor on any device, for catalogue targets; ``None`` otherwise."""
    from inal_utils.boolean import Dictator, Majority, Parity
    if isinstance(f, Extended):
        inner = _torch_target(f.base)
        n = f.base.n
        return None if inner is None else (lambda x: inner(x[:, :n]))
    if isinstance(f, Parity):
        S = list(f.S)
        return lambda x: x[:, S].prod(1) if S else torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
    if isinstance(f, Dictator):
        return lambda x: x[:, f.i]
    if isinstance(f, Majority):
        return lambda x: torch.sign(x.sum(1))
    return None


def _stacked_forward(models):
    """Stacked parameters ``{name: (R, …)}`` (leaves requiring grad) and ``forward(params, x) → (R, M)``.

    A plain ``nn.Sequential`` of ``Linear`` layers and elementwise activations runs as batched
    matrix products on the stacked weights (the first layer as one GEMM over all runs); any other
    module runs through ``torch.func.functional_call`` under ``vmap``. Both are exact re-writings of
    ``model(x)`` for every run.
    """
    params, buffers = stack_module_state(models)
    params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    if _is_plain_mlp(models[0]):
        layers = [(str(i), m) for i, m in enumerate(models[0])]

        def forward(p, x):
            h = None
            for name, m in layers:
                if not isinstance(m, nn.Linear):
                    h = m(h)
                    continue
                W, b = p[name + ".weight"], p.get(name + ".bias")
                R, out, inp = W.shape
                if h is None:  # shared input: one GEMM (M, N) @ (N, R*out)
                    h = (x @ W.reshape(R * out, inp).T).view(x.shape[0], R, out).transpose(0, 1)
                else:
                    h = torch.bmm(h, W.transpose(1, 2))
                if b is not None:
                    h = h + b[:, None, :]
            return h.reshape(h.shape[0], h.shape[1])
        return params, forward

    base = copy.deepcopy(models[0]).to("meta")

    def one(p, b, inp):
        return functional_call(base, (p, b), (inp,)).reshape(-1)

    batched = vmap(one, in_dims=(0, 0, None))
    return params, lambda p, x: batched(p, buffers, x)

# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def noisy_gd(network, target, *, steps, lr, clip, noise_std, inputs="exact", seed=0, device=None,
             loss="squared", batch_size=None, n_eval=4096, record_every=1, device_rng=False):
    """Train ``network`` on ``target`` by noisy gradient descent with clipped gradients.

    ``θ^t = θ^{t−1} − γ_t [E_x ∇_θ L(NN_{θ^{t−1}}(x), f(x))]_A + Z^{(t)}``, ``Z^{(t)} ~ N(0, σ² I)``.
    With ``noise_std=0`` and ``clip=inf`` this is plain (full-batch) gradient descent.

    Parameters
    ----------
    network : torch.nn.Module
        Maps ``(M, N)`` float inputs to ``(M,)`` or ``(M, 1)``. It is **not** modified: training
        happens in a deep copy, which is returned.
    target : BooleanFunction
        Callable on ``(…, N)`` arrays of ±1 with attribute ``n = N`` (e.g. ``extend(f, n**2)``).
    steps : int
        ``T``, the number of steps (``0`` only records the initialisation).
    lr : float or sequence of float
        ``γ_t``: one step size, or one per step.
    clip : float
        ``A > 0``: every gradient coordinate is clipped to ``[−A, A]``; ``inf`` for none.
    noise_std : float
        ``σ ≥ 0``: standard deviation of the Gaussian noise added to every parameter at every step.
    inputs : "exact" or int
        ``"exact"``: ``E_x`` over all ``2^N`` points; ``M``: over one fixed sample of ``M`` points.
    seed : int
        Seeds the noise, the fixed sample, the evaluation inputs and the SGD batches.
    device : str or torch.device, optional
        Where to train (``None``: the network's device).
    loss : {"squared", "correlation", "hinge"} or callable
        ``L(ŷ, y)``; see :func:`loss_fn`.
    batch_size : int, optional
        ``None`` (default): full batch, as in the theorem. An int: online SGD on fresh uniform points.
    n_eval : int
        Fresh uniform inputs for the accuracy.
    record_every : int
        Record every this many steps (and always the last one).
    device_rng : bool
        ``False`` (default): the noise and the SGD batches are drawn on the CPU, so a run gives the
        same numbers on every device. ``True``: both are drawn by one seeded generator on ``device``
        (the same law, other numbers; much faster on a GPU for large networks), and catalogue targets
        (parities, dictators, majorities and their extensions) are evaluated there too.

    Returns
    -------
    model : torch.nn.Module
        The trained copy.
    history : NoisyGDHistory
        Correlation, loss and accuracy per recorded step (no run axis).
    """
    _model_parameters(network, "network")
    models, history = noisy_gd_ensemble([network], target, steps=steps, lr=lr, clip=clip, noise_std=noise_std,
                                        inputs=inputs, seed=seed, device=device, loss=loss, batch_size=batch_size,
                                        n_eval=n_eval, record_every=record_every, device_rng=device_rng)
    for name in ("correlation", "loss", "accuracy", "clip_fraction"):
        setattr(history, name, getattr(history, name)[0])
    return models[0], history


def noisy_gd_ensemble(networks, targets, *, steps, lr, clip, noise_std, inputs="exact", seed=0, device=None,
                      loss="squared", batch_size=None, n_eval=4096, record_every=1, device_rng=False):
    """:func:`noisy_gd` for ``R`` independent runs at once (one set of stacked weights).

    The runs share the architecture (``networks`` are ``R`` modules with parameters of equal
    shapes, e.g. ``fully_connected(..., seed=s)`` for ``R`` seeds) and the training points; they
    differ in initialisation, target (``targets``: one for all, or one per network) and noise
    (run ``r`` draws its noise from :func:`noise_generator` ``(seed, r)``), and may differ in ``clip``
    and ``noise_std`` (one value per run), so a whole sweep is one call. The forward and backward
    passes of all runs are a single batched computation: the sum of the runs' losses has the per-run
    population gradients as its gradient. A plain ``nn.Sequential`` of ``Linear`` layers and
    elementwise activations runs as batched matrix products on the stacked weights; any other module
    through ``torch.func.functional_call`` under ``vmap``. Run ``0`` equals :func:`noisy_gd` with the
    same arguments.

    Parameters
    ----------
    networks : sequence of torch.nn.Module
        ``R`` networks of one architecture (not modified).
    targets : BooleanFunction or sequence of them
        One target for all runs, or one per run (all with the same ``n``).
    clip, noise_std : float or sequence of float
        ``A`` and ``σ``: one value for all runs, or one per run.
    steps, lr, inputs, seed, device, loss, batch_size, n_eval, record_every, device_rng
        As in :func:`noisy_gd`.

    Returns
    -------
    models : list of torch.nn.Module
        The trained copies, in order.
    history : NoisyGDHistory
        Arrays of shape ``(R, number of recorded steps)``; ``clip_fraction`` of shape ``(R, steps)``.
    """
    networks = list(networks) if isinstance(networks, (list, tuple)) else [networks]
    if not networks:
        raise ValueError("networks must hold at least one torch.nn.Module")
    R = len(networks)
    for r, net in enumerate(networks):
        _model_parameters(net, f"networks[{r}]")
    targets, N = _targets(targets, R)
    for net in networks:
        _check_pair(net, targets[0], N)
    shapes = [tuple(p.shape for p in net.parameters()) for net in networks]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("networks must share one architecture (parameters of equal shapes) to be stacked")
    steps = _check_int(steps, "steps", 0)
    lrs = _lr_schedule(lr, steps)
    clip = _per_run(clip, "clip", R, allow_inf=True, positive=True)
    noise_std = _per_run(noise_std, "noise_std", R)
    seed = _check_seed(seed)
    record_every = _check_int(record_every, "record_every", 1)
    n_eval = _check_int(n_eval, "n_eval", 1)
    if batch_size is not None:
        batch_size = _check_int(batch_size, "batch_size", 1)
    per_example = loss_fn(loss)
    device = C.device(device) if device is not None else next(networks[0].parameters()).device
    dtype = next(networks[0].parameters()).dtype
    if not isinstance(device_rng, bool):
        raise TypeError(f"device_rng={device_rng!r} must be True or False")
    _require_training_memory(N, inputs, n_eval, batch_size, R, dtype)
    _probe(networks[0], targets[0], N, per_example, loss)

    x_np, exact = _points(N, inputs, seed)
    x_eval_np = random_inputs(N, n_eval, seed=_child_seed(seed, _EVAL))
    x = torch.as_tensor(x_np, dtype=dtype, device=device)
    x_eval = torch.as_tensor(x_eval_np, dtype=dtype, device=device)
    y = torch.stack([torch.as_tensor(f(x_np), dtype=dtype) for f in targets]).to(device)          # (R, M)
    y_eval = torch.stack([torch.as_tensor(f(x_eval_np), dtype=dtype) for f in targets]).to(device)
    for f, row in zip(targets, y):
        if not torch.all(torch.isfinite(row)):
            raise ValueError(f"target {f!r} returned non-finite values")

    copies = [copy.deepcopy(net).to(device) for net in networks]
    params, forward = _stacked_forward(copies)
    names = list(params)
    generators = [noise_generator(seed, r) for r in range(R)]
    if device_rng:
        device_gen = torch.Generator(device=device).manual_seed(
            int(np.random.SeedSequence(seed, spawn_key=(_BATCH, 1)).generate_state(1)[0]))
        on_device = [_torch_target(f) for f in targets]
    batch_gen = np.random.default_rng(_child_seed(seed, _BATCH))
    numels = [params[k][0].numel() for k in names]
    clipping = not np.all(np.isinf(clip))
    A = {k: torch.as_tensor(clip, dtype=dtype, device=device).view((R,) + (1,) * (params[k].ndim - 1)) for k in names}
    sigma = torch.as_tensor(noise_std, dtype=dtype, device=device)[:, None]

    record = sorted(set(range(0, steps + 1, record_every)) | {steps})
    corr, losses, acc = [], [], []
    clip_fraction = np.zeros((R, steps))

    def measure(out):
        with torch.no_grad():
            out_eval = forward(params, x_eval)
            corr.append((out * y).mean(1).cpu().numpy())
            losses.append(per_example(out, y).mean(1).cpu().numpy())
            acc.append((out_eval * y_eval > 0).to(dtype).mean(1).cpu().numpy())

    widest = max([m.out_features for m in copies[0].modules() if isinstance(m, nn.Linear)] + [1])
    # small blocks help a CPU cache; a GPU wants one large block
    chunk = max(256, _CHUNK_ELEMENTS // (R * widest)) if device.type == "cpu" else max(x.shape[0], batch_size or 0)
    start = time.perf_counter()
    for t in range(steps + 1):
        recording = t in record
        training = t < steps
        need_grad = training and lrs[t] != 0
        if not training or batch_size is not None or not need_grad:
            if recording:
                with torch.no_grad():
                    measure(forward(params, x))
        if not training:
            break
        if need_grad:
            if batch_size is None:
                xb, yb = x, y
            else:
                if device_rng:
                    xb = 1 - 2 * torch.randint(0, 2, (batch_size, N), generator=device_gen, device=device).to(dtype)
                    yb = torch.stack([g(xb) if g is not None else torch.as_tensor(f(xb.cpu().numpy()), dtype=dtype,
                                                                                  device=device)
                                      for f, g in zip(targets, on_device)]).to(dtype)
                else:
                    xb_np = 1 - 2 * batch_gen.integers(0, 2, size=(batch_size, N)).astype(np.int8)
                    xb = torch.as_tensor(xb_np, dtype=dtype, device=device)
                    yb = torch.stack([torch.as_tensor(f(xb_np), dtype=dtype) for f in targets]).to(device)
            out, grads = _chunked_gradient(forward, params, names, xb, yb, per_example, chunk)
            if recording and batch_size is None:
                measure(out.detach())
            with torch.no_grad():
                for k, g in zip(names, grads):
                    if clipping:
                        clip_fraction[:, t] += (g.abs() > A[k]).reshape(R, -1).sum(1).cpu().numpy()
                        g = torch.clamp(g, -A[k], A[k])
                    params[k].sub_(lrs[t] * g)
            clip_fraction[:, t] /= sum(numels)
        if np.any(noise_std > 0) and device_rng:
            with torch.no_grad():
                for k in names:
                    params[k].add_(torch.randn(params[k].shape, generator=device_gen, device=device, dtype=dtype)
                                   * sigma.view((R,) + (1,) * (params[k].ndim - 1)))
        elif np.any(noise_std > 0):
            with torch.no_grad():
                z = torch.stack([torch.randn(sum(numels), generator=g, dtype=dtype) if s > 0
                                 else torch.zeros(sum(numels), dtype=dtype)
                                 for g, s in zip(generators, noise_std)]).to(device) * sigma
                offset = 0
                for k, size in zip(names, numels):
                    params[k].add_(z[:, offset:offset + size].view(params[k].shape))
                    offset += size
    elapsed = time.perf_counter() - start

    with torch.no_grad():
        for r, model in enumerate(copies):
            for (name, p) in model.named_parameters():
                p.copy_(params[name][r])
    history = NoisyGDHistory(
        steps=np.array(record), correlation=np.stack(corr, 1), loss=np.stack(losses, 1),
        accuracy=np.stack(acc, 1), clip_fraction=clip_fraction, exact=exact, n_points=int(x.shape[0]),
        n_eval=n_eval, N=N, edges=count_edges(copies[0]), seconds_per_step=elapsed / max(steps, 1),
        settings=dict(steps=steps, lr=lr, clip=clip.tolist(), noise_std=noise_std.tolist(), seed=seed, loss=loss,
                      batch_size=batch_size, runs=R, device_rng=device_rng),
    )
    return copies, history


# --------------------------------------------------------------------------------------------
# The mechanism: the target's gradient signal at initialisation, exactly
# --------------------------------------------------------------------------------------------


def gradient_signal(target, width, *, bias_std=1.0, return_parts=False):
    """``E_θ ‖E_x[f̄(x) ∇_θ NN_θ(x)]‖²`` at initialisation, exactly, for the book's two-layer ReLU net.

    The network is :func:`inal_utils.networks.fully_connected` ``(N, [width])``:
    ``NN(x) = Σ_j a_j relu(w_j·x + b_j) + c`` with ``w_j ~ N(0, I/N)``, ``a_j ~ N(0, 1/width)`` and
    biases ``b_j, c ~ N(0, bias_std²)`` (none when ``bias_std = 0``). ``g = E_x[f ∇_θ NN]`` is the
    part of the population gradient of the squared (or correlation) loss that depends on the target.
    By the spectral identity of a first-layer neuron, with ``W_k = W^{=k}[f]``,
    ``A_k = A_k(N)`` the profile of ``relu(w·x + b)`` and ``B_k`` that of its derivative
    ``1{w·x + b > 0}``::

        E‖g‖² = width · Σ_k W_k A_k                        (output weights a_j)
              + Σ_k W_k [k B_{k−1} + (N − k) B_{k+1}]        (first-layer weights w_j)
              + Σ_k W_k B_k                                 (first-layer biases b_j)
              + W_0                                         (output bias c).

    The weight term: ``∂NN/∂w_{ji} = a_j x_i 1{…}`` and multiplying by ``x_i`` moves a coefficient
    ``f̂(S)`` to ``S Δ {i}``, one degree down for the ``k`` inputs ``i ∈ S`` and one up for the
    ``N − k`` others. ``B_k`` comes from the sign profile: ``1{t > 0} = (1 + sign t)/2`` has kernel
    ``1/4 + K_sign/4``, so ``B_k = A_k^{sign}/4 + δ_{k0}/4``. Both profiles are exact
    (:func:`inal_utils.degree_bound.exact_neuron_profile`), so ``N = n² = 400`` costs a fraction of a second.

    Parameters
    ----------
    target : BooleanFunction or array-like
        ``f̄`` on ``N`` inputs (e.g. ``extend(f, n**2)``, never enumerated), or its degree profile
        ``(W^{=0}, …, W^{=N})``.
    width : int
        Hidden width ``m``.
    bias_std : float
        Standard deviation of the biases (``0``: bias-free network, no bias terms).
    return_parts : bool
        Also return the four terms above in a dict (keys ``"output_weights"``, ``"hidden_weights"``,
        ``"hidden_biases"``, ``"output_bias"``).

    Returns
    -------
    float (and dict when ``return_parts``)
    """
    width = _check_int(width, "width", 1)
    bias_std = _check_number(bias_std, "bias_std")
    return_parts = C.flag(return_parts, "return_parts")
    W = target_degree_weights(target)
    N = W.size - 1
    top = int(np.flatnonzero(W > 0).max()) if np.any(W > 0) else 0
    k_max = min(N, 8 * (top // 8 + 1))   # rounded up so that targets of similar degree share cached profiles
    A = exact_neuron_profile(N, activation="relu", bias_std=bias_std, k_max=k_max)[: top + 1]
    S = exact_neuron_profile(N, activation="sign", bias_std=bias_std, k_max=k_max)[: top + 2]
    B = S / 4
    B[0] += 0.25
    B = np.concatenate([B, np.zeros(top + 2 - B.size)])   # B_{N+1} is never used: its factor is N − k = 0
    k = np.arange(top + 1)
    w = W[: top + 1]
    parts = {
        "output_weights": float(width * np.sum(w * A)),
        "hidden_weights": float(np.sum(w[1:] * k[1:] * B[k[1:] - 1]) + np.sum(w * (N - k) * B[k + 1])),
        "hidden_biases": float(np.sum(w * B[: top + 1])) if bias_std > 0 else 0.0,
        "output_bias": float(W[0]) if bias_std > 0 else 0.0,
    }
    total = float(sum(parts.values()))
    return (total, parts) if return_parts else total


def distinguishability(signal, *, lr, noise_std, steps=1):
    """The heuristic budget ``T · γ² · signal / (2σ²)`` of a target's gradient signal against the noise.

    ``γ² signal / (2σ²)`` is the Kullback–Leibler divergence between two Gaussian steps
    ``N(μ, σ² I)`` and ``N(μ + γ g, σ² I)`` with ``E‖g‖² = signal``: how well one noisy step
    tells the target's gradient from no gradient at all. Summed over ``T`` steps with the signal
    frozen at its value at initialisation it is a heuristic, not a bound: when it is ``≪ 1`` the
    noisy trajectory is statistically close to one trained on no target, and learning cannot start.
    """
    noise_std = _check_number(noise_std, "noise_std", positive=True)
    lr = _check_number(lr, "lr")
    steps = _check_int(steps, "steps", 0)
    signal = C.real_array(signal, "signal")
    if np.any(signal < 0):
        raise ValueError(f"signal={signal!r} must be finite and >= 0")
    value = steps * lr**2 * signal / (2 * noise_std**2)
    return value.item() if value.ndim == 0 else value


def parity_cross_predictability(N, k):
    """``1/C(N, k)``: the cross-predictability of the orbit of a ``k``-parity on ``N`` inputs.

    Cross-predictability (Abbe and Sandon 2020) of a class of functions drawn uniformly is
    ``E_{F,F'}[(E_x F(x)F'(x))²]``. The orbit of ``χ_S`` under permutations of the ``N`` inputs is
    every ``k``-parity; two of them are orthogonal unless equal, so the value is ``P(S = S')``.
    """
    N, k = _check_int(N, "N", 1), _check_int(k, "k", 0)
    if k > N:
        raise ValueError(f"k={k} must be <= N={N}")
    return 1.0 / math.comb(N, k)


def steps_to_reach(history, level):
    """First recorded step at which the correlation reaches ``level`` (``nan`` if never: censored).

    Works on a single run or on an ensemble (one value per run).
    """
    if not (hasattr(history, "steps") and hasattr(history, "correlation")):
        raise TypeError(f"history={C.describe(history)} must be a NoisyGDHistory (with .steps and .correlation)")
    steps = C.real_array(history.steps, "history.steps", ndim=1)
    correlation = C.real_array(history.correlation, "history.correlation", ndim=(1, 2), shape=None)
    if correlation.shape[-1] != steps.size:
        raise ValueError(f"history has {steps.size} steps but correlations of shape {correlation.shape}")
    level = _check_number(level, "level", positive=True)
    corr = np.atleast_2d(correlation)
    out = np.full(corr.shape[0], np.nan)
    for r, c in enumerate(corr):
        hit = np.flatnonzero(c >= level)
        if hit.size:
            out[r] = steps[hit[0]]
    return out if correlation.ndim == 2 else float(out[0])


# --------------------------------------------------------------------------------------------
# The positive side: train only the output layer
# --------------------------------------------------------------------------------------------


def output_layer_fit(target, width, *, n_draws=1, bias_std=1.0, init="gaussian", seed=0):
    """Correlation ``E_x[f(x) · NN(x)]`` of the best output layer on ``width`` random ReLU neurons, exactly.

    The first layer of :func:`inal_utils.networks.fully_connected` ``(n, [width])`` is frozen at its
    initialisation and the output layer (weights and bias) is fitted by least squares over the whole
    cube ``{±1}^n`` — the limit of training only the output layer to convergence on unlimited data.
    The fitted network is the orthogonal projection ``Pf`` of ``f`` on the span of the neurons and
    the constant, so its correlation is ``E[f·Pf] = E[(Pf)²] ∈ [0, 1]``. A target whose values are
    independent of the features (a "random" target) gets ``(width + 1)/2^n`` on average: the chance level.

    Parameters
    ----------
    target : BooleanFunction
        On ``n <= 20`` inputs (the cube is enumerated).
    width : int
        Number of random neurons ``m``.
    n_draws : int
        Independent first layers (networks seeded ``seed, seed + 1, …``).
    bias_std, init
        As in :func:`inal_utils.networks.fully_connected`.
    seed : int

    Returns
    -------
    numpy.ndarray, shape ``(n_draws,)``
    """
    from inal_utils.networks import fully_connected

    if not isinstance(target, BooleanFunction):
        raise TypeError(f"target must be a BooleanFunction; got {type(target).__name__}")
    n = target.n
    if n > 20:
        raise ValueError(f"target has n={n} inputs; output_layer_fit enumerates the cube and allows n <= 20")
    width = _check_int(width, "width", 1)
    n_draws = _check_int(n_draws, "n_draws", 1)
    seed = _check_seed(seed)
    X = torch.as_tensor(hypercube(n), dtype=torch.float64)
    y = torch.as_tensor(target(hypercube(n)), dtype=torch.float64)
    out = np.empty(n_draws)
    for d in range(n_draws):
        first = fully_connected(n, [width], bias_std=bias_std, init=init, seed=seed + d, dtype=torch.float64)[0]
        with torch.no_grad():
            H = torch.cat([torch.relu(first(X)), torch.ones(X.shape[0], 1, dtype=torch.float64)], 1)
            coef = torch.linalg.lstsq(H, y[:, None], driver="gelsd").solution
            out[d] = float((y * (H @ coef)[:, 0]).mean())
    return out


# --------------------------------------------------------------------------------------------
# The n-sweep at a fixed budget
# --------------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What :func:`fixed_budget_sweep` returns (arrays indexed ``[i_n, seed]`` or ``[i_n, seed, record]``).

    Attributes
    ----------
    ns : list of int
        Relevant inputs ``n``; the networks see ``N[i] = pad(n)`` inputs.
    final : dict
        ``family -> (len(ns), seeds)`` final correlation ``E[f̄·NN^{(T)}]`` on ``n_eval`` fresh points.
    curves : dict
        ``family -> (len(ns), seeds, records)`` correlation at the recorded ``steps``.
    tau : ndarray
        Noise threshold per ``n``: 4 × RMS correlation of ``n_null`` networks that only receive the noise.
    budget : dict
        ``family -> (len(ns),)`` heuristic budget ``T γ² E‖g‖²/(2σ²)`` at initialisation
        (:func:`gradient_signal`, :func:`distinguishability`; ``nan`` for a non-Gaussian init or ``σ = 0``).
    """

    ns: list
    N: list
    families: list
    steps: np.ndarray
    final: dict
    curves: dict
    tau: np.ndarray
    budget: dict
    settings: dict
    seconds: float

    def learned(self, family, level=0.5):
        """``(len(ns),)`` booleans: every seed reached ``level``."""
        family = C.choice(family, "family", tuple(self.final))
        level = C.number(level, "level")
        return np.all(self.final[family] >= level, axis=1)

    def at_noise_level(self, family):
        """``(len(ns),)`` booleans: every seed ended with ``|corr| < τ``."""
        family = C.choice(family, "family", tuple(self.final))
        return np.all(np.abs(self.final[family]) < self.tau[:, None], axis=1)


def fixed_budget_sweep(families, ns, *, width, steps, lr, clip, noise_std, batch_size, n_eval, seeds, n_null=8,
                       pad="square", init="gaussian", seed=0, device=None, record_every=None, device_rng=False):
    """Noisy GD at one fixed budget on ``extend(f_n, N)`` for every family and every ``n``, on fresh batches.

    For each ``n`` one batched call of :func:`noisy_gd_ensemble` trains ``len(families) × seeds``
    two-layer ReLU networks (``fully_connected(N, [width])``, seeds distinct per run), each step on a
    fresh batch of ``batch_size`` uniform points (the theorem's full-batch gradient cannot be
    enumerated once ``N > 20``); the correlation is measured on ``n_eval`` fresh uniform points drawn
    once per ``n`` and never trained on. ``n_null`` further networks get the same ``T`` noise steps with
    ``γ = 0`` (no gradient; drawn as one step of noise ``σ√T``, which has the same law) and set the
    noise threshold ``τ = 4·RMS`` of their correlations.

    Parameters
    ----------
    families : dict
        ``name -> callable n ↦ BooleanFunction on n inputs``.
    ns : sequence of int
    pad : "square", "none", "double" or callable
        ``N`` as a function of ``n``: ``n²`` (the theorem), ``n``, ``2n``, or any ``n ↦ N ≥ n``.
    init : {"gaussian", "rademacher"}
    width, steps, lr, clip, noise_std, batch_size, n_eval, seed, device, device_rng
        As in :func:`noisy_gd_ensemble`; ``record_every`` defaults to ``steps // 10``.

    Returns
    -------
    SweepResult
    """
    from inal_utils.boolean import extend
    from inal_utils.networks import fully_connected

    if not isinstance(families, dict) or not families:
        raise ValueError("families must be a non-empty dict name -> (n -> BooleanFunction)")
    if isinstance(ns, (str, bytes, dict, set)) or not hasattr(ns, "__iter__"):
        raise TypeError(f"ns={C.describe(ns)} must be a sequence of input sizes")
    ns = [_check_int(n, "ns[i]", 1) for n in ns]
    pads = {"square": lambda n: n * n, "none": lambda n: n, "double": lambda n: 2 * n}
    if isinstance(pad, str):
        if pad not in pads:
            raise ValueError(f"pad={pad!r} must be one of {sorted(pads)} or a callable n -> N")
        pad = pads[pad]
    C.function(pad, "pad", "'square', 'none', 'double' or a callable n -> N")
    seeds, steps = _check_int(seeds, "seeds", 1), _check_int(steps, "steps", 1)
    n_null = _check_int(n_null, "n_null", 2)
    record_every = max(1, steps // 10) if record_every is None else _check_int(record_every, "record_every", 1)
    names = list(families)
    final = {k: np.zeros((len(ns), seeds)) for k in names}
    curves, budget = {k: [] for k in names}, {k: np.full(len(ns), np.nan) for k in names}
    tau, Ns = np.zeros(len(ns)), []
    start = time.perf_counter()
    recorded = None
    for i, n in enumerate(ns):
        N = int(pad(n))
        Ns.append(N)
        targets = {k: extend(families[k](n), N) for k in names}
        runs = [(k, s) for k in names for s in range(seeds)]
        nets = [fully_connected(N, [width], init=init, seed=seed + 100_003 * i + j) for j in range(len(runs))]
        common = dict(clip=clip, inputs=n_eval, seed=seed + i, device=device, device_rng=device_rng)
        _, h = noisy_gd_ensemble(nets, [targets[k] for k, _ in runs], steps=steps, lr=lr, noise_std=noise_std,
                                 batch_size=batch_size, record_every=record_every, **common)
        nulls = [fully_connected(N, [width], init=init, seed=seed + 100_003 * i + len(runs) + j) for j in range(n_null)]
        # T noise steps without gradient are θ⁰ + Σ_t Z^(t) ~ θ⁰ + N(0, T σ² I): one step of noise σ√T, same law
        _, h0 = noisy_gd_ensemble(nulls, targets[names[-1]], steps=1, lr=0.0, noise_std=noise_std * math.sqrt(steps),
                                  record_every=1, **common)
        tau[i] = noise_threshold(h0.correlation[:, -1], multiple=4.0)
        recorded = h.steps
        for j, k in enumerate(names):
            block = h.correlation[j * seeds:(j + 1) * seeds]
            final[k][i] = block[:, -1]
            curves[k].append(block)
            if init == "gaussian" and noise_std > 0:
                budget[k][i] = distinguishability(gradient_signal(targets[k], width), lr=lr, noise_std=noise_std,
                                                  steps=steps)
    return SweepResult(ns=ns, N=Ns, families=names, steps=recorded, final=final,
                       curves={k: np.stack(v) for k, v in curves.items()}, tau=tau, budget=budget,
                       settings=dict(width=width, steps=steps, lr=lr, clip=clip, noise_std=noise_std,
                                     batch_size=batch_size, n_eval=n_eval, seeds=seeds, n_null=n_null, init=init),
                       seconds=time.perf_counter() - start)
