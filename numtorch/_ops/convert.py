"""Copies, casts, device moves and whole-tensor comparisons.

This module defines methods named float/int/bool/type, so it spells the builtins out."""

import builtins

import numpy as np

from .. import _dtype as D
from .._device import as_device
from .._device import device as device_cls
from ..autograd import graph
from ..backend.cuda_array import to_device
from ..backend.elementwise import broadcast_shapes
from ..tensor import Tensor, check_overlap, wrap


def clone(input, *, memory_format=None):
    return graph.attach(wrap(input._data.copy(), input.dtype), "CloneBackward0", (input,),
                        lambda g: g)


def copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({self._data.shape[-1] if self.ndim else 1}) "
                           f"must match the size of tensor b "
                           f"({src._data.shape[-1] if src.ndim else 1}) at non-singleton "
                           f"dimension {max(self.ndim - 1, 0)}") from None
    check_overlap(self)
    self._data[...] = src._data
    self._bump()
    return self


def fill_(self, value):
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        value = value.item()
    self._data[...] = D.fill_scalar(value, self.dtype)
    self._bump()
    return self


def zero_(self):
    self._data[...] = 0
    self._bump()
    return self


def _parse_to(args, kwargs):
    """Tensor.to(dtype) / to(device) / to(device, dtype) / to(other) / to(..., copy=)."""
    dev = kwargs.get("device")
    dt = kwargs.get("dtype")
    for a in args:
        if isinstance(a, Tensor):
            dev, dt = a.device, a.dtype
        elif isinstance(a, (D.dtype, builtins.type)) and not isinstance(a, str):
            dt = a
        elif isinstance(a, (str, device_cls, builtins.int)):
            dev = a
        elif isinstance(a, builtins.bool):
            continue
        elif a is not None:
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"({type(a).__name__})")
    return dev, (D.as_dtype(dt) if dt is not None else None), kwargs.get("copy", False)


def _move(t, dev):
    """t's data copied to device `dev` (a numtorch.device), recorded as ToCopyBackward0: the
    gradient goes back to t's device."""
    src = t.device
    data = to_device(t._data) if dev.type == "cuda" else t._data.get()
    return graph.attach(wrap(data, t.dtype), "ToCopyBackward0", (t,), lambda g: _move(g, src))


def to(self, *args, **kwargs):
    dev, dt, copy = _parse_to(args, kwargs)
    res = self
    if dev is not None:
        dev = as_device(dev)
        if dev != self.device:
            res, copy = _move(self, dev), False
    if dt is None or dt is res.dtype:
        return clone(res) if copy else res
    out = wrap(res._data.astype(dt.np), dt)
    if not dt.is_floating_point:  # integer and bool tensors never require grad
        return out
    # the engine casts the gradient back to the input's dtype
    return graph.attach(out, "ToCopyBackward0", (res,), lambda g: g)


def cpu(self, memory_format=None):
    return to(self, "cpu")


def cuda(self, device=None, non_blocking=False):
    return to(self, "cuda" if device is None else device)


def type(self, dtype=None, non_blocking=False):
    if dtype is None:
        return "torch." + D.type_name(self.dtype) + "Tensor"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        name = dtype.rsplit(".", 1)[-1][:-6]
        dtype = {v: k for k, v in D._TYPE_NAMES.items()}[name]
    return to(self, D.as_dtype(dtype))


def type_as(self, other):
    return to(self, other.dtype)


def _caster(dt):
    def cast(self, memory_format=None):
        return to(self, dt)
    cast.__name__ = cast.__qualname__ = dt.name
    cast.__doc__ = f"self.to({dt!r})"
    return cast


float = _caster(D.float32)
double = _caster(D.float64)
half = _caster(D.float16)
long = _caster(D.int64)
int = _caster(D.int32)
short = _caster(D.int16)
char = _caster(D.int8)
byte = _caster(D.uint8)
bool = _caster(D.bool_)


def equal(input, other):
    return input._data.shape == other._data.shape and builtins.bool(np.array_equal(input._data,
                                                                          other._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    broadcast_shapes(tuple(input.shape), tuple(other.shape))  # PyTorch's size-mismatch error
    res = np.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return wrap(np.asarray(res, like=input._data), D.bool_)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan)._data.all())
