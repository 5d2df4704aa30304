"""Tensor creation: from data, filled, ranges, and the `*_like`/`new_*` families."""

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._device import as_device, factory_device
from ..backend.cuda_array import to_device
from ..tensor import Tensor, _array_from_data, shape_arg, wrap


def _finish(arr, dt, requires_grad=False, device=None):
    if as_device(factory_device(device)).type == "cuda":
        arr = to_device(arr)
    t = wrap(arr, dt)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.clone().detach() or sourceTensor.clone().detach()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, dt = _array_from_data(data, dtype)
    return _finish(arr, dt, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    as_device(device)
    dt = D.as_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        return data if dt is None or dt is data.dtype else data.to(dt)
    if isinstance(data, np.ndarray) and (dt is None or dt.np == data.dtype):
        return from_numpy(data)
    arr, dt = _array_from_data(data, dt)
    return wrap(arr, dt)


asarray = as_tensor


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.byteorder not in "=|":
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    return wrap(ndarray, D.from_numpy_dtype(ndarray.dtype))


def _dt(dtype, default=None):
    if dtype is None:
        return default or D.get_default_dtype()
    return D.as_dtype(dtype)


def _allocate(np_fn, shape, dt, *fill):
    """np_fn(shape, *fill, dtype) with PyTorch's RuntimeErrors for sizes that overflow or
    that memory cannot hold (NumPy raises ValueError/MemoryError)."""
    nbytes = math.prod(shape) * dt.itemsize
    if nbytes >= 1 << 63:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    try:
        return np_fn(shape, *fill, dt.np)
    except (MemoryError, ValueError):
        raise RuntimeError(f"DefaultCPUAllocator: not enough memory: you tried to allocate "
                           f"{nbytes} bytes.") from None


def _filled(np_fn, size, dtype, requires_grad, device, out, fill=None):
    shape = shape_arg(size)
    dt = _dt(dtype)
    arr = _allocate(np_fn, shape, dt) if fill is None else _allocate(np_fn, shape, dt, fill)
    if out is not None:
        out._data = arr
        out._dtype = dt
        return out
    return _finish(arr, dt, requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _filled(np.zeros, size, dtype, requires_grad, device, out)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    return _filled(np.ones, size, dtype, requires_grad, device, out)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          memory_format=None, pin_memory=False):
    # zero-filled: uninitialised memory would make programs irreproducible for no real gain
    return _filled(np.zeros, size, dtype, requires_grad, device, out)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dt = D.as_dtype(dtype) if dtype is not None else D.scalar_dtype(fill_value)
    shape = shape_arg((size,) if isinstance(size, (int, np.integer)) else size)
    return _finish(_allocate(np.full, shape, dt, D.fill_scalar(fill_value, dt)), dt,
                   requires_grad, device)


def _like(input, dtype, device, requires_grad):
    """(shape, dtype, device) of a *_like result: input's unless given."""
    dev = as_device(device if device is not None else input.device)
    return input._data.shape, (D.as_dtype(dtype) if dtype is not None else input.dtype), dev


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
               memory_format=None):
    shape, dt, dev = _like(input, dtype, device, requires_grad)
    return _finish(np.zeros(shape, dt.np), dt, requires_grad, dev)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    shape, dt, dev = _like(input, dtype, device, requires_grad)
    return _finish(np.ones(shape, dt.np), dt, requires_grad, dev)


empty_like = zeros_like


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    shape, dt, dev = _like(input, dtype, device, requires_grad)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(_allocate(np.full, shape, dt, D.fill_scalar(fill_value, dt)), dt,
                   requires_grad, dev)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    dt = _dt(dtype)
    return _finish(np.eye(n, n if m is None else m, dtype=dt.np), dt, requires_grad, device)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False,
           out=None):
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dt = D.as_dtype(dtype) if dtype is not None else (D.int64 if all_int
                                                      else D.get_default_dtype())
    n = max(int(math.ceil((end - start) / step)), 0)
    if dt.category == D.FLOAT:
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(dt.np)
    else:
        arr = np.arange(n, dtype=np.int64) * step + start
        arr = arr.astype(dt.np)
    return _finish(arr, dt, requires_grad, device)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        start, end = 0, start
    dt = _dt(dtype)
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(max(n, 0), dtype=np.float64) * step).astype(dt.np)
    return _finish(arr, dt, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dt(dtype)
    return _finish(np.linspace(_num(start), _num(end), steps).astype(dt.np), dt, requires_grad,
                   device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    dt = _dt(dtype)
    return _finish(np.logspace(start, end, steps, base=base).astype(dt.np), dt, requires_grad,
                   device)


def meshgrid(*tensors, indexing="ij"):
    """Grids as expanded views of the inputs, so gradients flow back to them (summed)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got a {t.ndim}-D tensor of shape {list(t.shape)}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    flat = [t.reshape(-1) for t in tensors]
    if indexing == "xy" and len(flat) >= 2:  # 'xy' is 'ij' with the first two inputs swapped
        flat[0], flat[1] = flat[1], flat[0]
    shape = [t.shape[0] for t in flat]
    grids = []
    for i, t in enumerate(flat):
        view = [1] * len(flat)  # (this module's `range` is torch.range, hence no comprehension)
        view[i] = -1
        grids.append(t.reshape(view).expand(shape))
    if indexing == "xy" and len(grids) >= 2:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def complex_unsupported(*args, **kwargs):
    raise TypeError("numtorch has no complex dtypes")
