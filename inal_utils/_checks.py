"""One validation layer for the public boundary of :mod:`inal_utils`.

Every public function checks its arguments with these helpers *before* computing anything, so that
a caller's mistake ends in a :class:`ValueError` (right type, wrong value) or a :class:`TypeError`
(wrong type) whose message names the argument, the value received and what is allowed — never in
a silent wrong answer, a NaN, or an exception from deep inside numpy or torch.

The rules, once for the whole package:

* **Integers** (sizes, degrees, indices, counts) must be Python or numpy integers; ``bool`` and
  floats are refused (no silent ``int(2.5) == 2``).
* **Seeds** are integers in ``[0, 2**64)``; ``None`` only where a function documents it.
* **Numbers** are real and finite unless a function documents ``inf``; ``bool``, complex and strings
  are refused.
* **Arrays** are real (kinds ``b``/``i``/``u``/``f`` as each function allows), never complex,
  object or string, finite, of the documented shape; arrays an object keeps are copied.
* **Devices** must exist: ``"cuda"`` without CUDA is a ValueError that says so; the ``meta``
  device (no data) is refused.
* **Resources**: :func:`require_memory` refuses a request whose estimated bytes exceed
  :data:`MEMORY_BUDGET_BYTES`, naming the alternative (sample inputs, a smaller degree, ...).
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

#: Largest single request (bytes) a public function accepts before refusing it up front.
MEMORY_BUDGET_BYTES = 8 * 2**30
#: Unsigned 64-bit range shared by numpy and torch seeds.
SEED_LIMIT = 2**64


def describe(value, limit=80):
    """A short, readable description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)}, dtype {value.dtype} on {value.device}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------------------------------------------
# scalars
# ------------------------------------------------------------------------------------------------


def integer(value, name, *, minimum=None, maximum=None):
    """``value`` as a Python ``int``: a Python or numpy integer (not ``bool``) within the bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={describe(value)} must be an integer (a Python or numpy int, not "
                        f"{type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value} must be <= {maximum}")
    return value


def seed(value, name="seed", *, allow_none=False):
    """A seed: an integer in ``[0, 2**64)`` (``None`` only when ``allow_none``, as documented)."""
    if value is None:
        if allow_none:
            return None
        raise TypeError(f"{name}=None is not allowed: pass a non-negative integer seed so the result "
                        "is reproducible")
    return integer(value, name, minimum=0, maximum=SEED_LIMIT - 1)


def number(value, name, *, minimum=None, maximum=None, low_open=False, high_open=False,
           allow_inf=False):
    """``value`` as a Python ``float``: real (not bool/complex/str), finite unless ``allow_inf``.

    ``minimum``/``maximum`` bound it (strictly when ``low_open``/``high_open``).
    """
    if isinstance(value, torch.Tensor) and value.ndim == 0:
        value = tensor_data(value, name).item()
    elif isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={describe(value)} must be a real number (not {type(value).__name__})")
    value = float(value)
    if np.isnan(value) or (np.isinf(value) and not allow_inf):
        raise ValueError(f"{name}={value} must be a finite number")
    if minimum is not None and (value <= minimum if low_open else value < minimum):
        raise ValueError(f"{name}={value} must be {'>' if low_open else '>='} {minimum}")
    if maximum is not None and (value >= maximum if high_open else value > maximum):
        raise ValueError(f"{name}={value} must be {'<' if high_open else '<='} {maximum}")
    return value


def probability(value, name):
    """A probability in ``[0, 1]``."""
    return number(value, name, minimum=0.0, maximum=1.0)


def flag(value, name):
    """A ``bool`` (Python or numpy); ``0``/``1``/strings are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={describe(value)} must be True or False")
    return bool(value)


def choice(value, name, allowed):
    """One of the values in ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}={describe(value)} is not known; use one of {tuple(allowed)}")
    return value


def text(value, name, *, allow_none=False):
    """A string (``None`` when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name}={describe(value)} must be a string")
    return value


def function(value, name, what="a function"):
    """A callable; ``what`` says which kind (e.g. ``"a function of a tensor"``)."""
    if not callable(value):
        raise TypeError(f"{name}={describe(value)} must be {what}")
    return value


def instance(value, name, cls, what=None):
    """``value`` if it is an instance of ``cls``; otherwise a TypeError naming the expected type."""
    if not isinstance(value, cls):
        expected = what or (cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls))
        raise TypeError(f"{name} must be {expected}; got {describe(value)} ({type(value).__name__})")
    return value


# ------------------------------------------------------------------------------------------------
# arrays and tensors
# ------------------------------------------------------------------------------------------------

_KIND_NAMES = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "floating"}


def _shape_ok(shape, want):
    return len(shape) == len(want) and all(w is None or s == w for s, w in zip(shape, want))


def real_array(value, name, *, kinds="iuf", ndim=None, shape=None, min_size=0, finite=True,
               dtype=np.float64, copy=False):
    """``value`` (array-like or tensor) as a real numpy array of ``dtype`` (``None``: keep its dtype).

    Parameters
    ----------
    kinds : str
        numpy dtype kinds accepted (``"b"`` bool, ``"i"``/``"u"`` integer, ``"f"`` float). Complex is
        a TypeError, and so are object and string arrays.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    shape : tuple, optional
        Exact shape; ``None`` entries are free.
    min_size : int
        Smallest number of entries.
    finite : bool
        Refuse NaN and ±inf (ValueError).
    copy : bool
        Always return a fresh array (for objects that keep it).
    """
    if isinstance(value, torch.Tensor):
        value = tensor_data(value, name).detach().cpu()
        value = (value.float() if value.dtype == torch.bfloat16 else value).numpy()  # numpy has no bfloat16
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name}={describe(value)} must be a real array")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nested lists
        raise ValueError(f"{name} is not a rectangular array: {err}") from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} has complex dtype {arr.dtype}; a real array is required")
    if arr.dtype.kind not in kinds:
        allowed = ", ".join(_KIND_NAMES[k] for k in kinds)
        raise TypeError(f"{name} has dtype {arr.dtype}; allowed kinds: {allowed}")
    if ndim is not None and arr.ndim not in ((ndim,) if isinstance(ndim, int) else tuple(ndim)):
        raise ValueError(f"{name} has shape {arr.shape}; it must have {ndim} dimension(s)")
    if shape is not None and not _shape_ok(arr.shape, shape):
        want = "(" + ", ".join("…" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} has shape {arr.shape}; shape {want} is required")
    if arr.size < min_size:
        raise ValueError(f"{name} has {arr.size} entries; at least {min_size} are required")
    if finite and arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{name} has {int(bad.sum())} non-finite entries (first at index {first}: "
                             f"{arr[first]}); finite values are required")
    if dtype is not None:
        arr = arr.astype(dtype, copy=copy)
    elif copy:
        arr = arr.copy()
    return arr


def tensor_data(t, name):
    """``t`` if it is a tensor holding data (not on the ``meta`` device)."""
    if t.device.type == "meta":
        raise ValueError(f"{name} is on the meta device, which holds no data; move it to 'cpu' or 'cuda'")
    return t


def finite_tensor(t, name, *, floating=True):
    """A real torch tensor with data, finite entries (and a floating dtype when ``floating``)."""
    instance(t, name, torch.Tensor, "a torch.Tensor")
    tensor_data(t, name)
    if t.is_complex():
        raise TypeError(f"{name} has complex dtype {t.dtype}; a real tensor is required")
    if floating and not t.is_floating_point():
        raise TypeError(f"{name} has dtype {t.dtype}; a floating-point tensor is required")
    if t.is_floating_point() and t.numel() and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} has {int((~torch.isfinite(t)).sum())} non-finite entries; finite values "
                         "are required")
    return t


def pm1_points(x, name, n):
    """``x`` (array-like or tensor) of shape ``(…, n)`` with entries exactly ±1, as an int8 array."""
    arr = real_array(x, name, kinds="iuf", finite=False, dtype=None)
    if arr.ndim == 0 or arr.shape[-1] != n:
        raise ValueError(f"{name} has shape {arr.shape}; inputs of shape (..., {n}) are required")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{name} has entries outside {{-1, +1}}; points of the cube {{±1}}^{n} are "
                         "required")
    return arr.astype(np.int8)


def device(value, name="device"):
    """A :class:`torch.device` that exists here (``cuda`` only when CUDA is available; no ``meta``)."""
    if not isinstance(value, (str, torch.device)):
        raise TypeError(f"{name}={describe(value)} must be a device name such as 'cpu' or 'cuda'")
    try:
        dev = torch.device(value)
    except RuntimeError as err:
        raise ValueError(f"{name}={value!r} is not a device name ({err}); use 'cpu' or 'cuda'") from None
    if dev.type == "meta":
        raise ValueError(f"{name}={value!r}: the meta device holds no data; use 'cpu' or 'cuda'")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{name}={value!r} but CUDA is not available here (torch.cuda.is_available() "
                             "is False); use device='cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"{name}={value!r} but only {torch.cuda.device_count()} CUDA device(s) exist")
    elif dev.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError(f"{name}={value!r} but the MPS backend is not available here; use 'cpu'")
    elif dev.type != "cpu":
        raise ValueError(f"{name}={value!r}: only 'cpu', 'cuda' and 'mps' devices are supported")
    return dev


def torch_float_dtype(value, name="dtype"):
    """A floating torch dtype (float16/bfloat16/float32/float64)."""
    if not isinstance(value, torch.dtype):
        raise TypeError(f"{name}={describe(value)} must be a torch dtype such as torch.float32")
    if not value.is_floating_point:
        raise TypeError(f"{name}={value} must be a floating-point torch dtype (float32 or float64)")
    return value


# ------------------------------------------------------------------------------------------------
# resources
# ------------------------------------------------------------------------------------------------


def require_memory(nbytes, what, alternative, *, budget=None):
    """Refuse up front a computation needing ``nbytes`` bytes above the budget.

    Parameters
    ----------
    nbytes : int
        Estimated peak bytes of the request (exact integer arithmetic: no overflow).
    what : str
        The request, with its arguments, e.g. ``"hypercube(n=30)"``.
    alternative : str
        What to do instead (sampled inputs, a smaller degree, ...).
    budget : int, optional
        Bytes allowed; :data:`MEMORY_BUDGET_BYTES` (read at call time) by default.
    """
    budget = MEMORY_BUDGET_BYTES if budget is None else budget
    if nbytes > budget:
        raise ValueError(f"{what} needs about {_gib(nbytes)} of memory, more than the {_gib(budget)} "
                         f"allowed (inal_utils._checks.MEMORY_BUDGET_BYTES). {alternative}")
    return int(nbytes)


def _gib(nbytes):
    return f"{nbytes / 2**30:.3g} GiB" if nbytes < 2**70 else f"2**{int(nbytes).bit_length() - 1} bytes"
