"""Fully connected networks with the normalised i.i.d. initialisation of the INAL paper.

Choices the sources leave open, fixed here and stated in the chapters:

* weights ``N(0, 1/fan_in)`` (output weights therefore have variance ``1/width``);
* biases i.i.d. ``N(0, bias_std²)`` with ``bias_std = 1`` by default (``0`` gives bias-free layers);
* ``init="rademacher"`` draws weights ``±1/√fan_in`` instead (a non-Gaussian i.i.d. init).

A network is a plain :class:`torch.nn.Sequential` of ``Linear`` and activation modules, so generic
code (:func:`neuron_outputs`) finds its neurons as the outputs of the activation modules plus the
network's output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import _checks as C

INITS = ("gaussian", "rademacher")


class Sign(nn.Module):
    """``sign(t)`` with ``sign(0) = 0`` (a measure-zero event under a continuous init)."""

    def forward(self, t):
        return torch.sign(t)


class Elementwise(nn.Module):
    """Wrap a plain function ``t ↦ σ(t)`` as an activation module."""

    def __init__(self, fn):
        super().__init__()
        self.fn = C.function(fn, "fn", "a function of a tensor")

    def forward(self, t):
        return self.fn(t)


ACTIVATIONS = {"relu": nn.ReLU, "sign": Sign, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def make_activation(activation):
    """An activation module from a name in :data:`ACTIVATIONS`, a module class/instance, or a function."""
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation={activation!r} is not known; use one of {sorted(ACTIVATIONS)}, "
                             "an nn.Module, or a function of a tensor")
        return ACTIVATIONS[activation]()
    if isinstance(activation, nn.Module):
        return activation
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation()
    if callable(activation):
        return Elementwise(activation)
    raise TypeError(f"activation={activation!r} must be a name, an nn.Module or a callable")


def _module_data(model, name):
    """``model`` if it is an ``nn.Module`` whose parameters hold data (none on the meta device)."""
    C.instance(model, name, nn.Module, "a torch.nn.Module (a network, not a factory)")
    for p in model.parameters():
        if p.device.type == "meta":
            raise ValueError(f"{name} has parameters on the meta device, which hold no data; "
                             "build it on 'cpu' or 'cuda'")
    return model


@torch.no_grad()
def init_linear(layer, *, bias_std=1.0, init="gaussian", generator=None):
    """Re-draw ``layer``'s weights (``N(0, 1/fan_in)`` or ``±1/√fan_in``) and biases ``N(0, bias_std²)``.

    ``layer`` is an ``nn.Linear`` with ``in_features >= 1``; ``bias_std`` a finite number ``>= 0``;
    ``generator`` ``None`` (torch's global generator) or a CPU ``torch.Generator``.
    """
    C.instance(layer, "layer", nn.Linear)
    _module_data(layer, "layer")
    if layer.in_features < 1:
        raise ValueError(f"layer has in_features={layer.in_features}; the 1/fan_in scale needs fan_in >= 1")
    C.choice(init, "init", INITS)
    bias_std = C.number(bias_std, "bias_std", minimum=0.0)
    if generator is not None:
        C.instance(generator, "generator", torch.Generator, "None or a torch.Generator")
    w = layer.weight
    scale = 1.0 / math.sqrt(w.shape[1])
    if init == "gaussian":
        w.copy_(torch.randn(w.shape, generator=generator, dtype=w.dtype) * scale)
    else:
        signs = torch.randint(0, 2, w.shape, generator=generator).to(w.dtype) * 2 - 1
        w.copy_(signs * scale)
    if layer.bias is not None:
        layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator, dtype=w.dtype) * bias_std)
    return layer


def fully_connected(n, widths, *, activation="relu", bias_std=1.0, init="gaussian", symmetric=False,
                    out_features=1, seed=None, dtype=torch.float32):
    """A fully connected network ``n → widths[0] → … → widths[-1] → out_features``.

    Parameters
    ----------
    n : int
        Input dimension.
    widths : sequence of int
        Hidden widths (depth = ``len(widths)`` hidden layers; at least one).
    activation : str, nn.Module or callable
        ``"relu"`` (default), ``"sign"``, ``"tanh"``, ``"sigmoid"``, or any torch activation.
    bias_std : float
        Standard deviation of the i.i.d. Gaussian biases (hidden and output); ``0`` for none.
    init : {"gaussian", "rademacher"}
        Law of the weights, both with variance ``1/fan_in``.
    symmetric : bool
        Pair the last hidden layer's neurons (equal incoming weights and biases, opposite output
        weights, output bias 0) so that the network is identically 0 at initialisation.
    out_features : int
        Number of output neurons.
    seed : int or None
        Seed in ``[0, 2**64)`` of a private generator; ``None`` uses torch's global generator
        (reproducible after :func:`inal_utils.book.seed_everything`).
    dtype : torch.dtype
        A floating dtype for the parameters.

    Returns
    -------
    torch.nn.Sequential

    Raises
    ------
    ValueError
        For sizes whose parameters would not fit in memory
        (:data:`inal_utils._checks.MEMORY_BUDGET_BYTES`).
    """
    n = C.integer(n, "n", minimum=1)
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (Sequence, np.ndarray)):
        raise TypeError(f"widths={C.describe(widths)} must be a list of positive integers, e.g. [64]")
    widths = [C.integer(w, f"widths[{i}]", minimum=1) for i, w in enumerate(widths)]
    if not widths:
        raise ValueError("widths must name at least one hidden layer")
    symmetric = C.flag(symmetric, "symmetric")
    if symmetric and widths[-1] % 2:
        raise ValueError(f"widths[-1]={widths[-1]} must be even for the symmetric initialisation")
    out_features = C.integer(out_features, "out_features", minimum=1)
    bias_std = C.number(bias_std, "bias_std", minimum=0.0)
    C.choice(init, "init", INITS)
    dtype = C.torch_float_dtype(dtype)
    seed = C.seed(seed, allow_none=True)
    make_activation(activation)  # validates before anything is allocated
    sizes = [n] + widths + [out_features]
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    C.require_memory(n_params * dtype.itemsize,
                     f"fully_connected(n={n}, widths={widths}, out_features={out_features})",
                     "Use smaller widths (or fewer layers).")
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    # nn.Linear's own default init draws from the global generator; a seeded build must not touch it.
    with torch.random.fork_rng(devices=[], enabled=seed is not None):
        layers, fan_in = [], n
        for width in widths:
            layers += [nn.Linear(fan_in, width, bias=bias_std > 0, dtype=dtype), make_activation(activation)]
            fan_in = width
        layers.append(nn.Linear(fan_in, out_features, bias=bias_std > 0, dtype=dtype))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            init_linear(layer, bias_std=bias_std, init=init, generator=generator)
    model = nn.Sequential(*layers)
    if symmetric:
        symmetrize(model)
    return model


@torch.no_grad()
def symmetrize(model):
    """Make the last hidden layer come in pairs with opposite output weights (network ≡ 0).

    ``model`` is a network whose last two ``nn.Linear`` layers (in module order) are the last
    hidden layer, of even width, and the output layer; modified in place and returned.
    """
    _module_data(model, "model")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(linears) < 2:
        raise ValueError(f"model has {len(linears)} nn.Linear layer(s); symmetrize needs a hidden layer "
                         "and an output layer")
    hidden, out = linears[-2], linears[-1]
    if hidden.out_features % 2 or hidden.out_features != out.in_features:
        raise ValueError(f"model's last hidden layer has width {hidden.out_features} and its output layer "
                         f"{out.in_features} inputs; symmetrize needs an even width feeding the output layer")
    half = hidden.out_features // 2
    hidden.weight[half:] = hidden.weight[:half]
    if hidden.bias is not None:
        hidden.bias[half:] = hidden.bias[:half]
    out.weight[:, half:] = -out.weight[:, :half]
    if out.bias is not None:
        out.bias.zero_()
    return model


def count_edges(model):
    """Number of weights (edges) of the network's linear layers — the ``E`` of Theorem 1."""
    C.instance(model, "model", nn.Module, "a torch.nn.Module (a network, not a factory)")
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))


_NOT_NEURONS = (nn.Linear, nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.Dropout, nn.Identity, nn.Flatten)


def neuron_outputs(model, x):
    """Every neuron's output on the batch ``x``: one tensor ``(batch, width)`` per layer.

    Neurons are found generically: the outputs of every leaf module that is not a ``Linear``,
    container, ``Dropout``, ``Identity`` or ``Flatten`` (i.e. the activations), in forward order,
    then the model's output (the output neurons). Works for any ``nn.Module`` built that way.

    ``x`` is a finite floating tensor of shape ``(batch, n)`` (``batch >= 1``) with the dtype and
    device of the model's parameters. Every neuron output must be finite: a network that computes
    NaN or inf (an infinite bias, an activation such as ``log``) is a ValueError, not a result.
    """
    _module_data(model, "model")
    C.finite_tensor(x, "x")
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x has shape {tuple(x.shape)}; a batch of shape (batch, n) with batch >= 1 is "
                         "required (use x[None] for one point)")
    param = next(model.parameters(), None)
    if param is not None and x.dtype != param.dtype:
        raise TypeError(f"x has dtype {x.dtype} but the model's parameters have dtype {param.dtype}; "
                        f"convert x with x.to({param.dtype})")
    if param is not None and x.device != param.device:
        raise ValueError(f"x is on {x.device} but the model's parameters are on {param.device}; "
                         f"move x with x.to('{param.device}')")
    first = next((m for m in model.modules() if isinstance(m, nn.Linear)), None)
    if first is not None and x.shape[1] != first.in_features:
        raise ValueError(f"x has {x.shape[1]} columns but the model's first layer takes "
                         f"{first.in_features} inputs")
    captured = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: captured.append(out))
        for m in model.modules()
        if not list(m.children()) and not isinstance(m, _NOT_NEURONS)
    ]
    try:
        out = model(x)
    finally:
        for h in hooks:
            h.remove()
    layers = []
    for l, t in enumerate(captured + [out]):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"layer {l} of the model outputs {type(t).__name__}; neuron_outputs needs modules "
                            "that return tensors")
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise ValueError(f"the model computes non-finite values in layer {l} (of {len(captured) + 1}) on "
                             "this x: check its biases and activation")
        layers.append(t.reshape(t.shape[0], -1))
    return layers
