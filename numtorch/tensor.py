"""The Tensor: a NumPy array (any strides) plus dtype, device and autograd fields.

Ops live in `numtorch/_ops/*`; `_methods.py` attaches them as methods, so this file holds only
what a tensor *is*: storage, metadata, conversions, and Python protocol methods.
"""

import warnings

import numpy as np

from . import _dtype as D
from ._device import CPU, CUDA0, as_device
from ._printing import tensor_repr
from ._size import Size

_new = object.__new__

_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If "
    "you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. "
    "See github.com/pytorch/pytorch/pull/30531 for more information.")


_CUDA_NUMPY = ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
               "tensor to host memory first.")


class Tensor:
    __slots__ = ("_data", "_dtype", "_version", "__weakref__", "__dict__")
    # Autograd fields default at class level and land in the instance dict only when set, so
    # creating a result tensor (the hot path) assigns three slots and nothing else.
    _requires_grad = False
    _grad = None
    grad_fn = None
    _base = None
    _retains_grad = False
    _hooks = None
    _post_accumulate_hooks = None

    # --- construction -------------------------------------------------------------------------
    def __init__(self, *args, device=None):
        # torch.Tensor(5, 3) allocates; torch.Tensor(data) copies data as float32
        as_device(device)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            arr, _ = _array_from_data(args[0], D.get_default_dtype())
        else:
            shape = shape_arg(args)
            arr = np.empty(shape, D.get_default_dtype().np)
        _init(self, arr, D.get_default_dtype())

    # --- metadata -----------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def stride(self, dim=None):
        item = self._data.itemsize
        st = tuple(s // item for s in self._data.strides)
        if dim is None:
            return st
        return st[wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        if self.is_cuda:
            return self._data.offset
        base = self._data
        while isinstance(base.base, np.ndarray):
            base = base.base
        return (self._data.__array_interface__["data"][0]
                - base.__array_interface__["data"][0]) // self._data.itemsize

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    @property
    def device(self):
        return CPU if type(self._data) is np.ndarray else CUDA0

    @property
    def is_cuda(self):
        return type(self._data) is not np.ndarray

    @property
    def is_cpu(self):
        return type(self._data) is np.ndarray

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_signed(self):
        return self._dtype.is_signed

    @property
    def layout(self):
        return "torch.strided"

    # --- autograd fields (the engine arrives with the autograd issue) --------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not self._dtype.is_floating_point:
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                            f"type {type(value).__name__}")
        self._grad = value

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._dtype = value._dtype

    def detach(self):
        t = wrap(self._data, self._dtype)
        t._version = self._version  # a detached tensor shares storage, so it shares versions
        return t

    # backward() is attached by _methods.py: it lives with the engine in numtorch.autograd

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _Handle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) runs after a backward has accumulated this leaf's .grad (what
        DistributedDataParallel starts its gradient reduction from)."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _Handle(self._post_accumulate_hooks, hook)

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def output_nr(self):
        return self.__dict__.get("_output_nr", 0)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    # --- conversion ---------------------------------------------------------------------------
    def numpy(self, force=False):
        if self.is_cuda:
            raise TypeError(_CUDA_NUMPY)
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self.is_cuda:
            raise TypeError(_CUDA_NUMPY)
        if dtype is None:
            return self._data
        return self._data.astype(dtype, copy=False)

    def item(self):
        arr = self._data
        if arr.size != 1:
            raise RuntimeError(f"a Tensor with {arr.size} elements cannot be converted to Scalar")
        return arr.item() if type(arr) is np.ndarray else arr.reshape(-1)[0].item()

    def tolist(self):
        return self._data.tolist()

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return kind(self._data.reshape(-1)[0].item())

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(-1)[0])

    def __index__(self):
        if self._dtype.category != D.INT or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.reshape(-1)[0])

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        t = wrap(self._data.copy(), self._dtype)
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    def _bump(self):
        """Record an in-place write (autograd checks saved tensors against this counter)."""
        self._version[0] += 1


def _init(t, arr, dtype):
    t._data = arr
    t._dtype = dtype
    t._version = [0]


def wrap(arr, dtype=None):
    """A Tensor over `arr` without copying (the hot path for every op result)."""
    t = _new(Tensor)
    t._data = arr
    t._dtype = dtype if dtype is not None else D.from_numpy_dtype(arr.dtype)
    t._version = [0]
    return t


def overlaps(arr):
    """Whether several elements of arr share one memory location (an expand()ed view)."""
    st = arr.strides
    return 0 in st and arr.size and any(s == 0 and n > 1 for s, n in zip(st, arr.shape))


def check_overlap(t, arr=None):
    """PyTorch's refusal to write in place into a tensor whose elements share memory (an
    expand()ed view): the result would depend on the order the kernel visits them."""
    if overlaps(t._data if arr is None else arr):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")


def view_of(base, arr):
    """A Tensor sharing `base`'s storage (and so its version counter)."""
    t = wrap(arr, base._dtype)
    t._version = base._version
    t._base = base if base._base is None else base._base
    return t


def _rebuild(arr, requires_grad):
    t = wrap(arr)
    t._requires_grad = requires_grad
    return t


def wrap_dim(dim, ndim):
    """Normalise a possibly-negative dim, raising PyTorch's IndexError when out of range."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    n = max(ndim, 1)
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def shape_arg(args):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3]))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    shape = []
    for s in args:
        if isinstance(s, Tensor):
            s = s.__index__()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"expected a sequence of integers as size but got an element of "
                            f"type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(args)}")
        if s >= 1 << 63:
            raise TypeError(f"argument 'size' failed to unpack the object at pos "
                            f"{len(shape) + 1} with error \"Overflow when unpacking long long\"")
        shape.append(int(s))
    return tuple(shape)


class _Handle:
    """What register_hook returns: `remove()` takes the hook out again."""

    def __init__(self, hooks, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


# ---- Python data -> storage: torch.tensor's and Tensor(data)'s dtype inference and errors ----
def _flatten_tensors(data):
    """Replace tensors nested in lists by their values so NumPy can read the structure."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_flatten_tensors(x) for x in data]
    return data


def _check_ragged(data, dim=0):
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple)):
        n = len(data[0])
        for x in data:
            if not isinstance(x, (list, tuple)):
                raise TypeError("not a sequence")
            if len(x) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} "
                                 f"(got {len(x)})")
        for x in data:
            _check_ragged(x, dim + 1)


def _array_from_data(data, dtype=None):
    """A fresh NumPy array holding `data`, with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data.copy()
        inferred = data.dtype
    elif isinstance(data, np.ndarray):
        inferred = D.from_numpy_dtype(data.dtype)
        arr = data.copy()
    elif _flat_numbers(data):  # the common [1, 2, 3] / [0.5, 1.0]: no nesting to inspect
        arr = np.array(data)
        inferred = D.int64 if arr.dtype.kind == "i" else D.get_default_dtype()
    else:
        if isinstance(data, str) or (isinstance(data, (list, tuple)) and _has_str(data)):
            # PyTorch infers the shape from the first element at each depth: a str there reads
            # as one more (unsupported) dimension, a str found later as a bad element type
            first = data
            while isinstance(first, (list, tuple)) and len(first):
                first = first[0]
            if isinstance(first, str) and first is not data:
                raise ValueError("too many dimensions 'str'")
            raise TypeError("new(): invalid data type 'str'")
        _check_ragged(data)
        arr = np.array(_flatten_tensors(data))
        if arr.dtype == object or arr.dtype.kind == "u" and arr.dtype.itemsize == 8:
            _raise_bad_element(data)
        kind = arr.dtype.kind
        if isinstance(data, np.generic):
            inferred = D.from_numpy_dtype(arr.dtype)
        elif kind == "f":
            inferred = D.get_default_dtype() if not _nested_has_tensor_dtype(data) \
                else D.from_numpy_dtype(arr.dtype)
        elif kind in "iu":
            inferred = D.int64 if not _nested_has_tensor_dtype(data) \
                else D.from_numpy_dtype(arr.dtype)
        elif kind == "b":
            inferred = D.bool_
        else:
            raise TypeError(f"Could not infer dtype of {arr.dtype}")
    dt = D.as_dtype(dtype) if dtype is not None else inferred
    if dt.category == D.INT and arr.dtype.kind in "iuf" and arr.size and \
            arr.dtype != dt.np and not isinstance(data, (Tensor, np.ndarray)):
        D.check_int_range(arr, dt, dt.name)
    return (arr.astype(dt.np) if arr.dtype != dt.np else arr), dt


def _raise_bad_element(data):
    """PyTorch's error for the first element of `data` that is not a number it can hold."""
    items = [data]
    while items:
        x = items.pop(0)
        if isinstance(x, (list, tuple)):
            items[:0] = list(x)
        elif isinstance(x, int) and not isinstance(x, bool):
            if not -(1 << 63) <= x < (1 << 63):
                raise ValueError("Overflow when unpacking long long")
        elif not isinstance(x, (float, bool, np.generic, np.ndarray, Tensor)):
            raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _flat_numbers(data):
    """A non-empty flat list/tuple of Python ints that fit int64, or of Python floats."""
    if type(data) is not list and type(data) is not tuple or not data:
        return False
    kind = type(data[0])
    if kind is int:
        return all(type(v) is int and -(1 << 63) <= v < (1 << 63) for v in data)
    return kind is float and all(type(v) is float for v in data)


def _has_str(data):
    return any(isinstance(x, str) or (isinstance(x, (list, tuple)) and _has_str(x))
               for x in data)


def _nested_has_tensor_dtype(data):
    """torch.tensor([t1, t2]) keeps the tensors' dtype rather than re-inferring it."""
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, Tensor)
