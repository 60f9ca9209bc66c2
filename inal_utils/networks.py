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
import numbers

import torch
from torch import nn

INITS = ("gaussian", "rademacher")


class Sign(nn.Module):
    """``sign(t)`` with ``sign(0) = 0`` (a measure-zero event under a continuous init)."""

    def forward(self, t):
        return torch.sign(t)


class Elementwise(nn.Module):
    """Wrap a plain function ``t ↦ σ(t)`` as an activation module."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

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


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer")
    return int(value)


@torch.no_grad()
def init_linear(layer, *, bias_std=1.0, init="gaussian", generator=None):
    """Re-draw ``layer``'s weights (``N(0, 1/fan_in)`` or ``±1/√fan_in``) and biases ``N(0, bias_std²)``."""
    if init not in INITS:
        raise ValueError(f"init={init!r} is not known; use one of {INITS}")
    if not bias_std >= 0:
        raise ValueError(f"bias_std={bias_std!r} must be >= 0")
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
        Seed of a private generator; ``None`` uses torch's global generator.

    Returns
    -------
    torch.nn.Sequential
    """
    n = _positive_int(n, "n")
    widths = [_positive_int(w, "widths[i]") for w in (widths if hasattr(widths, "__iter__") else [widths])]
    if not widths:
        raise ValueError("widths must name at least one hidden layer")
    if symmetric and widths[-1] % 2:
        raise ValueError(f"widths[-1]={widths[-1]} must be even for the symmetric initialisation")
    out_features = _positive_int(out_features, "out_features")
    generator = None if seed is None else torch.Generator().manual_seed(int(seed))
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
    """Make the last hidden layer come in pairs with opposite output weights (network ≡ 0)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    hidden, out = linears[-2], linears[-1]
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
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))


_NOT_NEURONS = (nn.Linear, nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.Dropout, nn.Identity, nn.Flatten)


def neuron_outputs(model, x):
    """Every neuron's output on the batch ``x``: one tensor ``(batch, width)`` per layer.

    Neurons are found generically: the outputs of every leaf module that is not a ``Linear``,
    container, ``Dropout``, ``Identity`` or ``Flatten`` (i.e. the activations), in forward order,
    then the model's output (the output neurons). Works for any ``nn.Module`` built that way.
    """
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
    layers = [t.reshape(t.shape[0], -1) for t in captured]
    layers.append(out.reshape(out.shape[0], -1))
    return layers
