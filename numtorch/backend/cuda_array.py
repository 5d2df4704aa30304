"""CudaArray: the storage of a CUDA tensor, shaped like the slice of the NumPy ndarray API the
ops use.

A CudaArray is a flat device buffer (a Numba device array) plus offset, shape and strides in
elements, so every view op (reshape of contiguous data, transpose, permute, expand, basic
slicing) is metadata only, as on the CPU.  The op code in numtorch/_ops calls NumPy functions
on `tensor._data`; for a CudaArray those calls arrive here through NumPy's `__array_function__`
and `__array_ufunc__` protocols (and the `like=` argument for creation), and run CUDA kernels.
What is not implemented raises NotImplementedError naming the NumPy function -- never a silent
copy to the host: `__array__` refuses, like PyTorch's `.numpy()` on a CUDA tensor.
"""

import collections
import math
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from .. import opcodes
from . import layout
from ._types import Array, Dims, DType, HostArray, Shape

_HANDLED: dict = {}  # numpy function -> implementation
_UFUNCS = {}  # numpy ufunc -> (family, op code)
# The kernel launchers this type's own methods need (advanced indexing, reductions, matmul,
# ufuncs), by name.  numtorch/backend/cuda_ops.py builds on this module (empty, launch, the
# metas) and registers them when it is imported, as it registers the NumPy functions it
# implements in _HANDLED; the backend package imports it, so they are always there.
_LAUNCHERS: dict = {}


def _cuda():
    from numba import cuda
    return cuda


def _k():
    from ..kernels.cuda import elementwise
    return elementwise


class _Flags:
    __slots__ = ("c_contiguous", "f_contiguous", "writeable")

    def __init__(self, c, f):
        self.c_contiguous, self.f_contiguous, self.writeable = c, f, True


def c_strides(shape: Dims) -> Shape:
    st, acc = [], 1
    for s in reversed(shape):
        st.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(st))


class CudaArray:
    __slots__ = ("buf", "offset", "shape", "st", "dtype", "__weakref__")
    __array_priority__ = 100

    def __init__(self, buf: Any, offset: int, shape: Dims, st: Dims, dtype: DType) -> None:
        self.buf, self.offset, self.shape, self.st = buf, offset, tuple(shape), tuple(st)
        self.dtype = np.dtype(dtype)

    # ---- metadata ---------------------------------------------------------------------------
    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.size * self.itemsize

    @property
    def strides(self):
        return tuple(s * self.itemsize for s in self.st)

    @property
    def flags(self):
        c = _is_c(self.shape, self.st)
        f = _is_c(self.shape[::-1], self.st[::-1])
        return _Flags(c, f)

    @property
    def base(self):
        return None

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def meta(self):
        """(offset, ndim, shape..., strides...) for the kernels."""
        return (self.offset, len(self.shape)) + self.shape + self.st

    # ---- views ------------------------------------------------------------------------------
    def _view(self, shape, st, offset=None):
        return CudaArray(self.buf, self.offset if offset is None else offset, shape, st,
                         self.dtype)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(range(self.ndim - 1, -1, -1))
        return self._view([self.shape[a] for a in axes], [self.st[a] for a in axes])

    def swapaxes(self, a, b):
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return self.transpose(axes)

    def reshape(self, *shape, order="C", copy=None):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = _fill_minus_one(shape, self.size)
        # an empty array has no elements to lay out: any strides do
        st = c_strides(shape) if self.size == 0 else _reshape_strides(self.shape, self.st, shape)
        if st is None:
            if copy is False:
                raise ValueError("cannot reshape this CUDA array without copying")
            return ascontiguous(self).reshape(shape)
        return self._view(shape, st)

    def ravel(self):
        return self.reshape(-1)

    flatten = ravel

    def squeeze(self, axis=None):
        keep = [i for i, s in enumerate(self.shape)
                if not (s == 1 and (axis is None or i in _axes(axis, self.ndim)))]
        return self._view([self.shape[i] for i in keep], [self.st[i] for i in keep])

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if is_advanced(key):
            return _LAUNCHERS["take"](self, advanced_offsets(self, key))
        shape, st, off = [], [], self.offset
        dim = 0
        n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
        for k in key:
            if k is Ellipsis:
                for _ in range(self.ndim - n_real):
                    shape.append(self.shape[dim])
                    st.append(self.st[dim])
                    dim += 1
            elif k is None:
                shape.append(1)
                st.append(0)
            elif isinstance(k, slice):
                start, stop, step = k.indices(self.shape[dim])
                n = max(0, (stop - start + (step - (1 if step > 0 else -1))) // step)
                off += start * self.st[dim]
                shape.append(n)
                st.append(self.st[dim] * step)
                dim += 1
            else:
                i = int(k)
                if i < 0:
                    i += self.shape[dim]
                if not 0 <= i < self.shape[dim]:
                    raise IndexError(f"index {int(k)} is out of bounds for axis {dim} with "
                                     f"size {self.shape[dim]}")
                off += i * self.st[dim]
                dim += 1
        shape += self.shape[dim:]
        st += self.st[dim:]
        return self._view(shape, st, off)

    def __setitem__(self, key, value):
        if is_advanced(key if isinstance(key, tuple) else (key,)):
            _LAUNCHERS["put"](self, advanced_offsets(self, key), value, accumulate=False)
            return
        copy_into(self[key] if key != Ellipsis and key != () else self, value)

    # ---- data movement ----------------------------------------------------------------------
    def astype(self, dtype, copy=True, **_):
        dtype = np.dtype(dtype)
        if dtype == self.dtype and not copy:
            return self
        out = empty(self.shape, dtype)
        copy_into(out, self)
        return out

    def copy(self, order="C"):
        out = empty(self.shape, self.dtype)
        copy_into(out, self)
        return out

    def fill(self, value):
        fill(self, value)

    def get(self):
        """A host NumPy copy (C order)."""
        c = ascontiguous(self)
        flat = c.buf[c.offset:c.offset + c.size].copy_to_host() if c.size else \
            np.empty(0, self.dtype)
        return flat.reshape(self.shape)

    def item(self):
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self.get().reshape(-1)[0].item()

    def tolist(self):
        return self.get().tolist()

    def _fold(self, op, axis, dtype=None):
        reduce = _LAUNCHERS["reduce"]
        dims = tuple(range(self.ndim)) if axis is None else tuple(sorted(_axes(axis, self.ndim)))
        if op in (opcodes.ANY, opcodes.ALL):
            return reduce(op, self, dims, np.int64).astype(np.bool_)
        return reduce(op, self, dims, dtype or self.dtype)

    def sum(self, axis=None, dtype=None, **_):
        return self._fold(opcodes.SUM, axis, dtype)

    def max(self, axis=None, **_):
        return self._fold(opcodes.MAX, axis)

    def min(self, axis=None, **_):
        return self._fold(opcodes.MIN, axis)

    def any(self, axis=None, **_):
        return self._fold(opcodes.ANY, axis)

    def all(self, axis=None, **_):
        return self._fold(opcodes.ALL, axis)

    def __bool__(self):
        return bool(self.item())

    def __int__(self):
        return int(self.item())

    def __float__(self):
        return float(self.item())

    __index__ = __int__

    def __array__(self, dtype=None, copy=None):
        raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to "
                        "copy the tensor to host memory first.")

    # ---- NumPy protocols --------------------------------------------------------------------
    def __array_function__(self, func, types, args, kwargs):
        impl = _HANDLED.get(func)
        if impl is None:
            return host_fallback(func, func.__name__, args, kwargs,
                                 writes_first=func in _WRITES_FIRST)
        return impl(*args, **kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if ufunc is np.matmul and method == "__call__" and out is None:
            return _LAUNCHERS["matmul"](*inputs)
        spec = _UFUNCS.get(ufunc)
        if method != "__call__" or spec is None:
            if out is not None:
                kwargs["out"] = out
            return host_fallback(getattr(ufunc, method), f"{ufunc.__name__}.{method}", inputs,
                                 kwargs, writes_first=method == "at")
        res = _LAUNCHERS["ufunc"](spec, inputs)
        if out is not None:
            copy_into(out[0] if isinstance(out, tuple) else out, res)
            return out[0] if isinstance(out, tuple) else out
        return res

    def __add__(self, o): return np.add(self, o)  # noqa: E704
    def __radd__(self, o): return np.add(o, self)  # noqa: E704
    def __sub__(self, o): return np.subtract(self, o)  # noqa: E704
    def __rsub__(self, o): return np.subtract(o, self)  # noqa: E704
    def __mul__(self, o): return np.multiply(self, o)  # noqa: E704
    def __rmul__(self, o): return np.multiply(o, self)  # noqa: E704
    def __truediv__(self, o): return np.true_divide(self, o)  # noqa: E704
    def __rtruediv__(self, o): return np.true_divide(o, self)  # noqa: E704
    def __neg__(self): return np.negative(self)  # noqa: E704
    def __lt__(self, o): return np.less(self, o)  # noqa: E704
    def __le__(self, o): return np.less_equal(self, o)  # noqa: E704
    def __gt__(self, o): return np.greater(self, o)  # noqa: E704
    def __ge__(self, o): return np.greater_equal(self, o)  # noqa: E704
    def __eq__(self, o): return np.equal(self, o)  # noqa: E704
    def __ne__(self, o): return np.not_equal(self, o)  # noqa: E704
    def __invert__(self): return np.invert(self)  # noqa: E704
    def __and__(self, o): return np.bitwise_and(self, o)  # noqa: E704
    def __or__(self, o): return np.bitwise_or(self, o)  # noqa: E704
    def __xor__(self, o): return np.bitwise_xor(self, o)  # noqa: E704
    def __mod__(self, o): return np.remainder(self, o)  # noqa: E704
    def __rmod__(self, o): return np.remainder(o, self)  # noqa: E704
    def __floordiv__(self, o): return np.floor_divide(self, o)  # noqa: E704
    def __rfloordiv__(self, o): return np.floor_divide(o, self)  # noqa: E704
    def __pow__(self, o): return np.power(self, o)  # noqa: E704
    def __rpow__(self, o): return np.power(o, self)  # noqa: E704
    def __abs__(self): return np.absolute(self)  # noqa: E704
    __hash__ = None  # type: ignore[assignment]  # (mutable, as NumPy arrays are)

    def __repr__(self):
        return f"CudaArray(shape={self.shape}, dtype={self.dtype})"


def _is_c(shape, st):
    expect = 1
    for s, t in zip(reversed(shape), reversed(st)):
        if s == 1:
            continue
        if t != expect:
            return False
        expect *= s
    return True


def _axes(axis, ndim):
    axis = axis if isinstance(axis, (tuple, list)) else (axis,)
    return {a % ndim for a in axis}


def _fill_minus_one(shape, size):
    shape = [int(s) for s in shape]
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        shape[shape.index(-1)] = size // known if known else 0
    return tuple(shape)


def _reshape_strides(old_shape, old_st, new_shape):
    """Strides viewing (old_shape, old_st) as new_shape without a copy, or None."""
    old = [(s, t) for s, t in zip(old_shape, old_st) if s != 1]
    new_st = []
    i = 0
    for s in new_shape:
        if s == 1:
            new_st.append(0)
            continue
        # gather old dims whose product is s; they must be mutually contiguous
        if i >= len(old):
            return None
        prod, first = old[i][0], i
        while prod < s and i + 1 < len(old):
            i += 1
            prod *= old[i][0]
        if prod != s:
            # split one old dim into several new ones
            if first == i and old[i][0] % s == 0:
                size, stride = old[i]
                new_st.append(stride * (size // s))
                old[i] = (size // s, stride)
                continue
            return None
        for j in range(first, i):
            if old[j][1] != old[j + 1][1] * old[j + 1][0]:
                return None
        new_st.append(old[i][1])
        i += 1
    return tuple(new_st) if i >= len(old) else None


# ---- allocation and copies ------------------------------------------------------------------
# NumPy functions that write into their first argument
_WRITES_FIRST = {np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis}
# NumPy function name -> times run on the host
HOST_FALLBACKS: collections.Counter = collections.Counter()


def host_fallback(fn: Callable[..., Any], name: str, args: Sequence[Any],
                  kwargs: Dict[str, Any], writes_first: bool = False) -> Any:
    """The NumPy functions with no kernel here (the long tail: diag, trace, searchsorted, ...,
    and unique/bincount, whose result size the data decides, so it must reach the host anyway
    -- PyTorch's CUDA versions synchronise for them too) run on host copies of their CUDA
    operands, and their array results come back to the device: correct, and slow only for
    ops that are rare in training loops.  The ops those
    loops live on (elementwise, reductions, matmul, conv, pooling, indexing, softmax,
    optimizers, random) all have kernels.  HOST_FALLBACKS counts each use, so a test or a
    profile can see which ones a program hit."""
    HOST_FALLBACKS[name] += 1
    out = kwargs.get("out")

    def host(x):
        if isinstance(x, CudaArray):
            return x.get()
        if isinstance(x, (list, tuple)):
            return type(x)(host(v) for v in x)
        return x

    def device(x):
        if isinstance(x, np.ndarray):
            return to_device(x)
        if isinstance(x, (list, tuple)):
            return type(x)(device(v) for v in x)
        return x
    hargs = [host(a) for a in args]
    hkwargs = {k: host(v) for k, v in kwargs.items()}
    res = fn(*hargs, **hkwargs)
    if writes_first and isinstance(args[0], CudaArray):
        copy_into(args[0], hargs[0])
    if out is not None:  # results written into host copies of `out`: copy them back
        for dst, src in zip(out if isinstance(out, tuple) else (out,),
                            hkwargs["out"] if isinstance(out, tuple) else (hkwargs["out"],)):
            if isinstance(dst, CudaArray):
                copy_into(dst, src)
        return out
    return device(res)


def is_advanced(key: Tuple[Any, ...]) -> bool:
    """Whether an index tuple has array (integer or boolean) parts."""
    return any(isinstance(k, (np.ndarray, list, CudaArray)) or
               (hasattr(k, "dtype") and getattr(k, "ndim", 0) > 0) for k in key)


def advanced_offsets(a: "CudaArray", key: Any) -> HostArray:
    """Host int64 array, of the indexing result's shape, of each selected element's offset in
    a.buf.  NumPy's own indexing runs on zero-copy broadcast coordinate grids, so every rule
    (boolean masks, broadcasting index arrays, where the indexed dims land, negative and
    out-of-bounds indices and their IndexError) is NumPy's, exactly as on the CPU.  Index
    arrays on the device come to the host: the result's shape depends on their values (PyTorch
    synchronises here too)."""
    key = key if isinstance(key, tuple) else (key,)
    host_key = tuple(k.get() if isinstance(k, CudaArray) else k for k in key)
    offsets = np.broadcast_to(np.int64(a.offset), a.shape)[host_key].astype(np.int64)
    for i, (n, st) in enumerate(zip(a.shape, a.st)):
        coord = np.arange(n, dtype=np.int64).reshape([n if j == i else 1
                                                       for j in range(a.ndim)])
        offsets += np.broadcast_to(coord, a.shape)[host_key] * st
    return offsets


def empty(shape: Dims, dtype: DType) -> CudaArray:
    shape = tuple(int(s) for s in shape)
    n = math.prod(shape)
    buf = _cuda().device_array(max(n, 1), np.dtype(dtype))
    return CudaArray(buf, 0, shape, c_strides(shape), dtype)


def to_device(arr: Any) -> CudaArray:
    shape = np.shape(arr)  # (ascontiguousarray makes a 0-d array 1-d)
    arr = np.ascontiguousarray(arr)
    buf = _cuda().to_device(arr.reshape(-1) if arr.size else np.zeros(1, arr.dtype))
    return CudaArray(buf, 0, shape, c_strides(shape), arr.dtype)


def as_operand(x: Any, dtype: Optional[DType] = None) -> CudaArray:
    """A CudaArray for a kernel operand: CudaArrays as they are, scalars as 0-d arrays."""
    if isinstance(x, CudaArray):
        return x
    if isinstance(x, np.ndarray) and x.ndim:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           "two devices, cuda:0 and cpu!")
    return to_device(np.asarray(x, dtype=dtype))


def launch(kern: Any, n: int, *args: Any) -> None:
    from ..kernels.cuda._jit import grid
    if n:
        blocks, threads = grid(n)
        kern[blocks, threads](*args, n)


_META_CACHE: dict = {}


def device_meta(values: Tuple[int, ...]) -> Any:
    """A device copy of a meta tuple, cached: the same layouts recur every training step, and
    each fresh copy would be a host-to-device transfer before the launch."""
    d = _META_CACHE.get(values)
    if d is None:
        if len(_META_CACHE) > 4096:
            _META_CACHE.clear()
        d = _META_CACHE[values] = _cuda().to_device(np.array(values, np.int64))
    return d


def broadcast_meta(a: CudaArray, shape: Shape) -> Any:
    """a's meta with a's dims broadcast to `shape` (stride 0 where a has size 1 or no dim)."""
    nd = len(shape)
    st = [0] * nd
    off = nd - a.ndim
    for i in range(a.ndim):
        if a.shape[i] != 1:
            if a.shape[i] != shape[off + i]:
                raise ValueError(f"operands could not be broadcast together with shapes "
                                 f"{a.shape} {shape}")
            st[off + i] = a.st[i]
    return device_meta((a.offset, nd) + tuple(shape) + tuple(st))


def copy_into(dst: CudaArray, src: Any) -> CudaArray:
    if type(src) is np.ndarray and src.ndim:  # a host-to-device copy
        src = to_device(src)
    src = as_operand(src, dst.dtype)
    launch(_k().copy, dst.size, src.buf, broadcast_meta(src, dst.shape), dst.buf,
           device_meta(tuple(dst.meta())))
    return dst


def fill(dst: CudaArray, value: Any) -> CudaArray:
    launch(_k().fill, dst.size, dst.buf, device_meta(tuple(dst.meta())),
           np.array(value, dst.dtype)[()])
    return dst


def ascontiguous(a: CudaArray) -> CudaArray:
    if a.flags.c_contiguous:
        return a
    return a.copy()


def implements(*funcs: Callable[..., Any]) -> Callable[[Any], Any]:
    def register(fn):
        for f in funcs:
            _HANDLED[f] = fn
        return fn
    return register


# ---- the NumPy functions the ops call ---------------------------------------------------------
def _shape_of(s):
    if isinstance(s, CudaArray):
        return s.shape
    return tuple(int(x) for x in s) if isinstance(s, (tuple, list)) else (int(s),)


@implements(np.empty, np.empty_like)
def _np_empty(shape_or_arr, dtype=None, order="C", like=None, shape=None, **_):
    default = shape_or_arr.dtype if isinstance(shape_or_arr, CudaArray) else np.float64
    return empty(_shape_of(shape if shape is not None else shape_or_arr), dtype or default)


@implements(np.zeros, np.zeros_like)
def _np_zeros(shape_or_arr, dtype=None, order="C", like=None, **_):
    return fill(_np_empty(shape_or_arr, dtype), 0)


@implements(np.ones, np.ones_like)
def _np_ones(shape_or_arr, dtype=None, order="C", like=None, **_):
    return fill(_np_empty(shape_or_arr, dtype), 1)


@implements(np.full, np.full_like)
def _np_full(shape_or_arr, fill_value, dtype=None, order="C", like=None, **_):
    return fill(_np_empty(shape_or_arr, dtype or np.asarray(fill_value).dtype), fill_value)


@implements(np.ascontiguousarray)
def _np_ascontiguous(a, dtype=None, like=None):
    a = ascontiguous(a)
    return a.astype(dtype, copy=False) if dtype is not None else a


@implements(np.copy)
def _np_copy(a, order="K", subok=False):
    return a.copy()


@implements(np.array)
def _np_array(a, dtype=None, copy=True, order="K", ndmin=0, like=None):
    if not isinstance(a, CudaArray):
        return np.array(a, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
    out = a.copy() if copy else a
    return out.astype(dtype, copy=False) if dtype is not None else out


@implements(np.shape)
def _np_shape(a):
    return a.shape


@implements(np.ndim)
def _np_ndim(a):
    return a.ndim


@implements(np.size)
def _np_size(a, axis=None):
    return a.size if axis is None else a.shape[axis]


@implements(np.reshape)
def _np_reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    return a.reshape(shape if shape is not None else newshape, copy=copy)


@implements(np.transpose)
def _np_transpose(a, axes=None):
    return a.transpose(axes) if axes is not None else a.transpose()


@implements(np.swapaxes)
def _np_swapaxes(a, axis1, axis2):
    return a.swapaxes(axis1, axis2)


@implements(np.moveaxis)
def _np_moveaxis(a, source, destination):
    src = [s % a.ndim for s in (source if isinstance(source, (tuple, list)) else [source])]
    dst = [d % a.ndim for d in (destination if isinstance(destination, (tuple, list))
                                else [destination])]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return a.transpose(order)


@implements(np.expand_dims)
def _np_expand_dims(a, axis):
    axes = sorted(x % (a.ndim + len(axis if isinstance(axis, (tuple, list)) else [axis]))
                  for x in (axis if isinstance(axis, (tuple, list)) else [axis]))
    shape, st = list(a.shape), list(a.st)
    for x in axes:
        shape.insert(x, 1)
        st.insert(x, 0)
    return a._view(shape, st)


@implements(np.squeeze)
def _np_squeeze(a, axis=None):
    return a.squeeze(axis)


@implements(np.broadcast_to)
def _np_broadcast_to(a, shape, subok=False):
    shape = tuple(shape)
    meta = [0] * len(shape)
    off = len(shape) - a.ndim
    for i in range(a.ndim):
        if a.shape[i] != 1:
            meta[off + i] = a.st[i]
    return a._view(shape, meta)


@implements(np.concatenate)
def _np_concatenate(arrays, axis=0, out=None, dtype=None, **_):
    arrays = [as_operand(x) for x in arrays]
    axis = axis % arrays[0].ndim
    shape = list(arrays[0].shape)
    shape[axis] = sum(x.shape[axis] for x in arrays)
    res = empty(shape, dtype or np.result_type(*[x.dtype for x in arrays]))
    pos = 0
    for x in arrays:
        idx = (slice(None),) * axis + (slice(pos, pos + x.shape[axis]),)
        copy_into(res[idx], x)
        pos += x.shape[axis]
    return res


@implements(np.stack)
def _np_stack(arrays, axis=0, out=None, **_):
    arrays = [as_operand(x) for x in arrays]
    axis = axis % (arrays[0].ndim + 1)
    return _np_concatenate([_np_expand_dims(x, axis) for x in arrays], axis)


@implements(np.may_share_memory, np.shares_memory)
def _np_shares(a, b, max_work=None):
    return isinstance(a, CudaArray) and isinstance(b, CudaArray) and a.buf is b.buf


@implements(np.result_type)
def _np_result_type(*args):
    return np.result_type(*[a.dtype if isinstance(a, CudaArray) else a for a in args])


@implements(np.flip)
def _np_flip(a, axis=None):
    axes = range(a.ndim) if axis is None else _axes(axis, a.ndim)
    return a[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(a.ndim))]


@implements(np.nonzero)
def _np_nonzero(a):
    """The positions come from the host: their number sizes the result, so it must reach the
    host anyway (PyTorch's CUDA nonzero synchronises the same way)."""
    return tuple(to_device(i.astype(np.int64)) for i in np.nonzero(a.get()))


for _f, _spec in (
    (np.add, ("binary", opcodes.ADD)),
    (np.subtract, ("binary", opcodes.SUB)),
    (np.multiply, ("binary", opcodes.MUL)),
    (np.true_divide, ("binary", opcodes.DIV)),
    (np.maximum, ("binary", opcodes.MAXIMUM)),
    (np.minimum, ("binary", opcodes.MINIMUM)),
    (np.negative, ("unary", opcodes.NEG)),
    (np.sqrt, ("unary", opcodes.SQRT)),
    (np.exp, ("unary", opcodes.EXP)),
    (np.log, ("unary", opcodes.LOG)),
    (np.abs, ("unary", opcodes.ABS)),
    (np.isnan, ("predicate", opcodes.ISNAN)),
    (np.equal, ("compare", opcodes.EQ)),
    (np.not_equal, ("compare", opcodes.NE)),
    (np.less, ("compare", opcodes.LT)),
    (np.less_equal, ("compare", opcodes.LE)),
    (np.greater, ("compare", opcodes.GT)),
    (np.greater_equal, ("compare", opcodes.GE)),
    (np.logical_and, ("compare", opcodes.LAND)),
    (np.logical_or, ("compare", opcodes.LOR)),
    (np.invert, ("int_unary", opcodes.BITNOT)),
    (np.bitwise_and, ("bitwise", opcodes.BAND)),
    (np.bitwise_or, ("bitwise", opcodes.BOR)),
    (np.bitwise_xor, ("bitwise", opcodes.BXOR)),
):
    _UFUNCS[_f] = _spec


def asarray(x: Any, dtype: Optional[DType] = None) -> Array:
    """np.asarray that leaves CUDA arrays on the device (np.asarray would need __array__)."""
    if type(x) is CudaArray:
        return x if dtype is None else x.astype(dtype, copy=False)
    return np.asarray(x, dtype)


def ascontiguousarray(x: Any, dtype: Optional[DType] = None) -> Array:
    """np.ascontiguousarray that keeps CUDA arrays on the device (and copies transposed host
    arrays with a tiled kernel)."""
    if type(x) is CudaArray:
        return _np_ascontiguous(x, dtype)
    if dtype is None and type(x) is np.ndarray and not x.flags.c_contiguous:
        return layout.contiguous(x)
    return np.ascontiguousarray(x, dtype)


def as_strided(x: Array, shape: Dims, strides: Dims) -> Array:
    """numpy's as_strided (strides in bytes) for host and CUDA arrays alike."""
    if type(x) is CudaArray:
        return x._view(shape, [s // x.itemsize for s in strides])
    from numpy.lib.stride_tricks import as_strided as np_as_strided
    return np_as_strided(x, shape, strides)
