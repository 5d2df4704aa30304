"""Indexing: tensor[key], tensor[key] = value, gather/scatter, masks, sort and friends.

`__getitem__` validates the key against PyTorch's rules (index dtypes, bounds, mask shapes) and
then lets NumPy apply it: basic keys give views, advanced keys give copies, exactly as in
PyTorch.  Gather/scatter/index_select/index_add run Numba kernels through the backend.
"""

import math

import numpy as np

from .. import _dtype as D
from .. import opcodes, return_types
from .._errors import IndexOutOfRange
from ..autograd import graph
from ..autograd.grad_mode import no_grad
from ..backend import cuda_ops
from ..backend import indexing as backend
from ..backend.cuda_array import CudaArray, asarray, ascontiguousarray, to_device
from ..backend.elementwise import broadcast_shapes
from ..tensor import Tensor, check_overlap, overlaps, view_of, wrap, wrap_dim
from ._numpy_names import accept_numpy_names
from .pointwise import _type_name, as_array, deliver, isnan, logical_and, where
from .shape import embed

_INDEX_DTYPES = (np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_)


def _convert_key(key, tensor):
    """Translate a PyTorch index key into a NumPy one, checking it on the way."""
    if not isinstance(key, tuple):
        key = (key,)
    shape = tensor._data.shape
    consuming = 0
    for k in key:
        if k is None or k is Ellipsis:
            continue
        if isinstance(k, Tensor) and k.dtype in (D.bool_, D.uint8):
            consuming += max(k.ndim, 1) if k.ndim else 0
        elif isinstance(k, (bool, np.bool_)):
            continue
        else:
            consuming += 1
    if consuming > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out = []
    dim = 0
    advanced = False
    for k in key:
        if k is None:
            out.append(None)
        elif k is Ellipsis:
            out.append(Ellipsis)
            dim += len(shape) - consuming
        elif isinstance(k, slice):
            if k.step is not None and _int(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(slice(_opt_int(k.start), _opt_int(k.stop), _opt_int(k.step)))
            dim += 1
        elif isinstance(k, (bool, np.bool_)):
            out.append(bool(k))
            advanced = True
        elif isinstance(k, (int, np.integer)):
            n = shape[dim]
            if k < -n or k >= n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
            out.append(int(k))
            dim += 1
        else:
            arr = _index_array(k)
            advanced = True
            if arr.dtype == np.bool_:
                for j, m in enumerate(arr.shape):
                    if dim + j < len(shape) and m != shape[dim + j]:
                        raise IndexError(
                            f"The shape of the mask {list(arr.shape)} at index {j} does not "
                            f"match the shape of the indexed tensor {list(shape)} at index "
                            f"{dim + j}")
                dim += arr.ndim
            elif 0 in shape and shape[dim]:
                # no element is read or written, and PyTorch checks no index then
                arr = np.zeros(arr.shape, np.int64)
                dim += 1
            else:
                backend.check_bounds(arr, shape[dim], dim, negative=True)
                dim += 1
            out.append(arr)
    return tuple(out), advanced


def _int(v):
    return int(v) if not isinstance(v, Tensor) else v.__index__()


def _opt_int(v):
    return None if v is None else _int(v)


def _index_array(k):
    if isinstance(k, Tensor):
        arr = k._data
    elif isinstance(k, np.ndarray):
        arr = k
    elif isinstance(k, range):  # PyTorch reads a range as the sequence of its ints
        arr = np.arange(k.start, k.stop, k.step, dtype=np.int64)
    elif isinstance(k, (list, tuple)):
        if any(isinstance(v, Tensor) for v in k):
            k = [v.item() if isinstance(v, Tensor) else v for v in k]
        arr = np.array(k)
        if arr.size == 0:
            arr = arr.astype(np.int64)
    else:
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         "Variables are valid indices (got " + type(k).__name__ + ")")
    if arr.dtype.type not in _INDEX_DTYPES:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.dtype == np.uint8:
        arr = arr.astype(np.bool_)
    return arr


def getitem(tensor, key):
    arr = tensor._data
    if type(key) is int and type(arr) is np.ndarray and arr.ndim and \
            -arr.shape[0] <= key < arr.shape[0]:
        # x[i], the DataLoader's per-sample read: a view, without the general key handling
        # ('...' keeps a 0-d array where a 1-D tensor's element would be a NumPy scalar)
        out = view_of(tensor, arr[key, ...])
        if not tensor._requires_grad:
            return out
        shape = arr.shape
        return graph.attach(out, "SelectBackward0", (tensor,), lambda g: embed(g, shape, (key,)))
    if tensor.ndim == 0 and key is not None and key is not Ellipsis and not (
            isinstance(key, tuple) and all(k is None or k is Ellipsis for k in key)) and not (
            isinstance(key, (bool, Tensor))):
        if isinstance(key, slice) or isinstance(key, (int, np.integer)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    npkey, advanced = _convert_key(key, tensor)
    res = tensor._data[npkey]
    if not advanced and type(res) is not np.ndarray and type(res) is not CudaArray:
        res = tensor._data[npkey + (Ellipsis,)]  # a 0-d view, not a NumPy scalar
    if advanced:
        out, name = wrap(asarray(res), tensor.dtype), "IndexBackward0"
    else:
        out = view_of(tensor, res)
        name = "SelectBackward0" if any(isinstance(k, int) for k in npkey) else "SliceBackward0"
    shape = tensor._data.shape
    return graph.attach(out, name, (tensor,), lambda g: embed(g, shape, npkey))


def setitem(tensor, key, value):
    if graph.requires_grad(tensor, value):
        graph.rebase_inplace(tensor, index_put, (key, value), {})
        return
    _setitem(tensor, key, value)


def index_put(input, key, value, accumulate=False):
    """Out-of-place `input[key] = value` (or += with accumulate): gradient g to input outside
    key (everywhere with accumulate), g[key] to value."""
    npkey, _ = _convert_key(key, input)
    with no_grad():
        res = input.clone()
        if accumulate:
            index_put_(res, key, value, True)
        else:
            _setitem(res, key, value)
    if accumulate:
        keep_t = None
    else:
        keep = np.ones(input._data.shape, np.bool_, like=input._data)
        keep[npkey] = False
        keep_t = wrap(keep, D.bool_)
    return graph.attach(res, "IndexPutBackward0", (input, value),
                        lambda g: (g if keep_t is None else where(keep_t, g, 0.0),
                                   getitem(g, npkey) if isinstance(value, Tensor) else None))


def _setitem(tensor, key, value):
    npkey, advanced = _convert_key(key, tensor)
    if not advanced:  # a basic key writes into a view, which PyTorch checks like copy_
        check_overlap(tensor, tensor._data[npkey])
    if isinstance(value, Tensor):
        val = value._data
    elif isinstance(value, (bool, int, float, np.number, np.bool_)):
        if isinstance(value, int) and not -(1 << 63) <= value < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        val = D.fill_scalar(value, tensor.dtype)
    else:
        val = np.asarray(value)
    try:
        if isinstance(val, np.ndarray) and val.dtype != tensor._data.dtype:
            val = val.astype(tensor._data.dtype)
        tensor._data[npkey] = val
    except ValueError as e:
        target = np.empty(tensor._data.shape, np.bool_)[npkey].shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(val))} cannot "
                           f"be broadcast to indexing result of shape {list(target)}") from e
    tensor._bump()


def _check_index(name, index, allow_int32=False):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not "
                        f"{type(index).__name__}")
    ok = (D.int64, D.int32) if allow_int32 else (D.int64,)
    if index.dtype not in ok:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")


def index_select(input, dim, index, *, out=None):
    _check_index("index_select", index, True)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0 and index.numel() != 1:
        raise IndexOutOfRange(f"index_select(): Index to scalar can have only 1 value, got "
                              f"{index.numel()} value(s)")
    x = input._data if input.ndim else input._data.reshape(1)
    res = backend.index_select(x, d, index._data.reshape(-1))
    if input.ndim == 0:
        res = res.reshape(())
    res = deliver(res, input.dtype, out)
    if not input._requires_grad:
        return res
    key = (slice(None),) * d + (index._data.reshape(-1),)
    shape = input._data.shape
    return graph.attach(res, "IndexSelectBackward0", (input,),
                        lambda g: embed(g, shape, key) if g.ndim else g)


def _check_gather_shapes(name, input, dim, index, src=None):
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    for k in range(index.ndim):
        if k != dim and index._data.shape[k] > input._data.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(index._data.shape)} to be smaller than self "
                               f"{list(input._data.shape)} apart from dimension {dim}")
        if src is not None and index._data.shape[k] > src._data.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(index._data.shape)} to be smaller than src "
                               f"{list(src._data.shape)}")


def gather(input, dim, index, *, sparse_grad=False, out=None):
    _check_index("gather", index)
    d = wrap_dim(dim, input.ndim)
    _check_gather_shapes("gather", input, d, index)
    x = input._data.reshape(max(input.ndim, 1) * (1,)) if input.ndim == 0 else input._data
    idx = index._data.reshape(x.shape[:0] + (1,)) if index.ndim == 0 else index._data
    res = backend.gather(x, d, idx).reshape(index._data.shape)
    res = deliver(res, input.dtype, out)
    return graph.attach(res, "GatherBackward0", (input,),
                        lambda g, x_: scatter_add(zeros_of(x_), d, index, g) if x_.ndim
                        else g.reshape(()), (input,))


def zeros_of(x):
    return wrap(np.zeros(x._data.shape, x._data.dtype, like=x._data), x.dtype)


def _scatter_into(target, dim, index, src, value, reduce, mode_default):
    _check_index("scatter", index)
    d = wrap_dim(dim, target.ndim)
    idx_arr = index._data
    if idx_arr.ndim == 0:  # a 0-d index addresses one element (the seed's one-hot transform)
        idx_arr = idx_arr.reshape((1,) * max(target.ndim, 1))
    if src is None:
        src_arr = np.full(idx_arr.shape, value, target._data.dtype, like=target._data)
    elif isinstance(src, Tensor):
        _check_gather_shapes("scatter", target, d, index, src)
        if src.dtype is not target.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        src_arr = src._data
    else:
        src_arr = np.full(idx_arr.shape, src, target._data.dtype, like=target._data)
    mode = {None: mode_default, "add": opcodes.SCATTER_ADD, "sum": opcodes.SCATTER_ADD,
            "multiply": opcodes.SCATTER_MULTIPLY, "prod": opcodes.SCATTER_MULTIPLY}.get(reduce)
    if mode is None:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    check_overlap(target)
    if target.ndim == 0:  # one element: scatter into a 1-element view of it
        idx_arr, src_arr = idx_arr.reshape(-1), src_arr.reshape(-1)
    out = target._data.reshape(1) if target.ndim == 0 else target._data
    src = src_arr.reshape(idx_arr.shape) if src_arr.ndim == 0 else src_arr
    backend.scatter(out, d, idx_arr, src, mode)
    target._bump()
    return target


def scatter_(input, dim, index, src=None, *, value=None, reduce=None):
    return _scatter_into(input, dim, index, src, value, reduce, opcodes.SCATTER_ASSIGN)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    with no_grad():
        res = scatter_(input.clone(), dim, index, src, value=value, reduce=reduce)
    d = wrap_dim(dim, input.ndim)
    if isinstance(src, Tensor) and reduce is None:
        return graph.attach(res, "ScatterBackward0", (input, src),
                            lambda g: (g.scatter(d, index, 0.0), g.gather(d, index)))
    return graph.attach(res, "ScatterBackward1", (input,), lambda g: g.scatter(d, index, 0.0))


def scatter_add_(input, dim, index, src):
    return _scatter_into(input, dim, index, src, None, None, opcodes.SCATTER_ADD)


def scatter_add(input, dim, index, src):
    with no_grad():
        res = scatter_add_(input.clone(), dim, index, src)
    d = wrap_dim(dim, input.ndim)
    return graph.attach(res, "ScatterAddBackward0", (input, src),
                        lambda g: (g, g.gather(d, index)))


def index_add_(input, dim, index, source, *, alpha=1):
    _check_index("index_add", index, True)
    d = wrap_dim(dim, input.ndim)
    n = input._data.shape[d] if input.ndim else 1
    want = list(input._data.shape)
    if input.ndim:
        want[d] = index.numel()
    if (source.ndim or input.ndim == 0) and list(source.shape) != want:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")
    if input.numel() == 0 and input.ndim > 1:  # (PyTorch checks no index there)
        return input
    backend.check_bounds(index._data, n, d)
    check_overlap(input)
    if input.ndim == 0:  # one element: add into a 1-element view of it
        backend.index_add(input._data.reshape(1), 0, index._data.reshape(-1),
                    source._data.reshape(-1), alpha)
    else:
        backend.index_add(input._data, d, index._data.reshape(-1), source._data, alpha)
    input._bump()
    return input


def index_add(input, dim, index, source, *, alpha=1):
    with no_grad():
        res = index_add_(input.clone(), dim, index, source, alpha=alpha)
    d = wrap_dim(dim, input.ndim)
    shape = tuple(source.shape)

    def backward(g):  # input: g itself; source: the rows of g it was added to, scaled
        if g.numel() == 0:  # (an empty input took no index: none is checked here either)
            return g, zeros_of(source)
        gs = g.index_select(d, index.reshape(-1)).reshape(shape)
        return g, (gs if alpha == 1 else gs * alpha)
    # (source is saved only for the version check, as PyTorch saves it)
    return graph.attach(res, "IndexAddBackward0", (input, source), lambda g, _: backward(g),
                        (source,))


def _dim_key(input, dim, index, name, negative):
    """The NumPy key selecting `index` along `dim`, with the index checked as PyTorch does;
    None for an empty input, which PyTorch leaves alone without checking the index (unless
    the dim itself is empty and the rest is not)."""
    _check_index(name, index)
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index should have dimension 1 or 0 (got {index.ndim})")
    d = wrap_dim(dim, input.ndim)
    n = input._data.shape[d] if input.ndim else 1
    message = None if negative else f"{name}(): index {{index}} is out of bounds for dimension " \
        "{dim} with size {size}"
    if input.numel() == 0:
        rest = math.prod(s for k, s in enumerate(input._data.shape) if k != d)
        if n == 0 and index.numel() and rest:
            raise IndexOutOfRange(f"{name}(): index out of range for dimension {d} of size 0")
        return d, None
    idx = backend.check_bounds(index._data, n, d, message, negative)
    return d, (slice(None),) * d + (idx,) if input.ndim else ()


def index_fill_(input, dim, index, value):
    _, key = _dim_key(input, dim, index, "index_fill_", True)
    if isinstance(value, Tensor):
        if value.ndim:
            raise IndexError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value.ndim} dimension(s).")
        value = value.item()
    if key is None:
        return input
    input._data[key] = D.fill_scalar(value, input.dtype)
    input._bump()
    return input


def index_fill(input, dim, index, value):
    with no_grad():
        res = index_fill_(input.clone(), dim, index, value)
    return graph.attach(res, "IndexFillBackward0", (input,),
                        lambda g: g.index_fill(dim, index, 0.0))


def index_copy_(input, dim, index, source):
    if not isinstance(source, Tensor):
        raise TypeError(f"index_copy_(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__}")
    d, key = _dim_key(input, dim, index, "index_copy_", False)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {input.dtype} and (source) {source.dtype}")
    want = list(input._data.shape)
    if input.ndim:
        want[d] = index.numel()
    if source.numel() != math.prod(want) or (source.ndim and list(source.shape) != want):
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                           f"shapes. Destination slice shape: {want} at dimension {d} and "
                           f"source slice shape: {list(source.shape)} at dimension {d}.")
    if key is None:
        return input
    check_overlap(input)
    input._data[key] = source._data.reshape(want)
    input._bump()
    return input


def index_copy(input, dim, index, source):
    with no_grad():
        res = index_copy_(input.clone(), dim, index, source)
    d = wrap_dim(dim, input.ndim)
    shape = tuple(source.shape)

    need_source = source._requires_grad

    def backward(g, _):  # (the source's part, an index_select, checks the index: only if asked)
        return (g.index_fill(d, index, 0.0),
                g.index_select(d, index.reshape(-1)).reshape(shape) if need_source else None)
    # (source saved for the version check, as in PyTorch)
    return graph.attach(res, "IndexCopyBackward0", (input, source), backward, (source,))


def index_put_(input, indices, values, accumulate=False):
    if not accumulate:
        setitem(input, tuple(indices), values)
        return input
    if graph.requires_grad(input, values):
        return graph.rebase_inplace(input, index_put, (tuple(indices), values),
                                    {"accumulate": True})
    npkey, _ = _convert_key(tuple(indices), input)
    flat_index = np.arange(input._data.size).reshape(input._data.shape)[npkey]
    vals = np.broadcast_to(as_array(values, input.dtype), flat_index.shape)
    backend.put(input._data, flat_index, vals, True)
    input._bump()
    return input


def put_(input, index, source, accumulate=False):
    check_overlap(input)
    backend.put(input._data, index._data, source._data, accumulate)
    input._bump()
    return input


def put(input, index, source, accumulate=False):
    with no_grad():
        res = put_(input.clone(), index, source, accumulate)
    shape = tuple(source.shape)

    def backward(g):  # the written positions' gradient goes to source (and stays, with +=)
        kept = g if accumulate else put_(g.clone(), index, zeros_of(source))
        return kept, g.take(index).reshape(shape)
    return graph.attach(res, "PutBackward0", (input, source), backward)


def _mask_check(name, mask):
    if not isinstance(mask, Tensor) or mask.dtype is not D.bool_:
        dt = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{dt}")


def masked_fill(input, mask, value):
    _mask_check("masked_fill_", mask)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        value = value.item()
    with no_grad():
        res = where(mask, wrap(np.array(D.fill_scalar(value, input.dtype)), input.dtype), input)
    if res._data.shape != input._data.shape:
        raise RuntimeError(f"The size of tensor a ({input._data.shape[-1]}) must match the size "
                           f"of tensor b ({mask._data.shape[-1]}) at non-singleton dimension "
                           f"{input.ndim - 1}")
    return graph.attach(res, "MaskedFillBackward0", (input,), lambda g: where(mask, 0.0, g))


def masked_fill_(input, mask, value):
    res = masked_fill(input, mask, value)
    if overlaps(input._data):
        # only the masked elements are written, so elements that share memory see each
        # other's fills, as in PyTorch (writing the whole result would undo them)
        chosen = np.broadcast_to(mask._data, res._data.shape)
        input._data[chosen] = res._data[chosen]
    else:
        input._data[...] = res._data
    input._bump()
    return input


def masked_select(input, mask):
    _mask_check("masked_select:", mask)
    shape = broadcast_shapes(input._data.shape, mask._data.shape)
    x = np.broadcast_to(input._data, shape)
    m = np.broadcast_to(mask._data, shape)
    return graph.attach(wrap(x[m], input.dtype), "MaskedSelectBackward0", (input,),
                        lambda g, _: embed(g, shape, m), (input,))  # (saved as in PyTorch)


def masked_scatter_(input, mask, source):
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{_type_name(input.dtype)} and {_type_name(source.dtype)}")
    check_overlap(input)
    m = np.broadcast_to(mask._data, input._data.shape)
    n = int(m.sum())
    input._data[m] = source._data.reshape(-1)[:n]
    input._bump()
    return input


def masked_scatter(input, mask, source):
    with no_grad():
        res = masked_scatter_(input.clone(), mask, source)
    m = np.broadcast_to(mask._data, input._data.shape)
    n = int(m.sum())
    shape = tuple(source.shape)

    def backward(g):  # source's first n elements went, in order, where mask is set
        used = g._data[m]
        gs = np.zeros(math.prod(shape), g._data.dtype)
        gs[:n] = used
        return where(mask, 0.0, g), wrap(gs.reshape(shape), g.dtype)
    return graph.attach(res, "MaskedScatterBackward0", (input, source), backward)


def nonzero(input, *, as_tuple=False):
    nz = np.nonzero(input._data) if input.ndim else np.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(wrap(ascontiguousarray(a, np.int64), D.int64) for a in nz)
    res = np.stack(nz, axis=1).astype(np.int64) if input.ndim else \
        np.zeros((int(bool(input._data)), 0), np.int64, like=input._data)
    return wrap(res, D.int64)


def argwhere(input):
    return nonzero(input)


def take(input, index):
    _check_index("take", index)
    flat = ascontiguousarray(input._data).reshape(-1)
    idx = backend.check_bounds(index._data, flat.size, 0,
                         "out of range: tried to access index {index} on a tensor of {size} "
                         "elements.", negative=True)
    shape = input._data.shape
    res = wrap(flat[idx].reshape(index._data.shape), input.dtype)
    return graph.attach(res, "TakeBackward0", (input,),
                        lambda g, _: embed(g.reshape(-1), (flat.size,), (idx,)).reshape(shape),
                        (input,))  # (saved for the version check, as in PyTorch)


def take_along_dim(input, indices, dim=None):
    """gather() that counts negative indices from the end and broadcasts the other dims."""
    _check_index("take_along_dim", indices)
    if dim is None:
        input, indices, d = input.reshape(-1), indices.reshape(-1), 0
    else:
        if input.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        d = wrap_dim(dim, input.ndim)
        if input.ndim != indices.ndim:
            raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                               f"number of dimensions, but got {input.ndim} dimensions for "
                               f"input, and {indices.ndim} dimensions for indices")
        if input.ndim:
            a, b = list(input.shape), list(indices.shape)
            a[d] = b[d] = 1
            common = list(np.broadcast_shapes(tuple(a), tuple(b)))
            input = input.expand(common[:d] + [input.shape[d]] + common[d + 1:])
            indices = indices.expand(common[:d] + [indices.shape[d]] + common[d + 1:])
    n = input._data.shape[d] if input.ndim else 1
    idx = backend.check_bounds(indices._data, n, d, negative=True)
    if idx.size and idx.min() < 0:
        indices = where(indices < 0, indices + n, indices)
    return gather(input, d, indices)


def _sort_indices(arr, d, descending):
    """(indices, values) sorting arr along d as a stable sort does: ties keep their order and
    NaN counts as the largest value.  values is None when not computed on the way.  NumPy's
    introsort ran 2.8x faster here than its stable sort (256x1024 float32: 5.3 vs 14.8 ms) and
    gives that order for every line along d without two equal entries or a NaN; the lines
    with them (a few in a float32 line of 1024) are sorted again stably."""
    if type(arr) is CudaArray:
        return cuda_ops.argsort(arr, d, descending), None
    if arr.dtype.kind not in "biuf" or arr.shape[d] < 2 or arr.size == 0:
        return _stable_argsort(arr, d, descending), None
    x = np.moveaxis(arr, d, -1)
    x2 = x.reshape(-1, x.shape[-1])
    idx = np.argsort(x2, axis=1)
    vals = np.take_along_axis(x2, idx, 1)
    redo = (vals[:, 1:] == vals[:, :-1]).any(1)
    if arr.dtype.kind == "f":
        redo |= np.isnan(vals[:, -1])  # NaN sorts last
    if descending:
        idx, vals = idx[:, ::-1], vals[:, ::-1]
    if redo.any():
        lines = x2[redo]
        fixed = _stable_argsort(lines, 1, descending)
        idx[redo] = fixed
        vals[redo] = np.take_along_axis(lines, fixed, 1)
    return tuple(np.ascontiguousarray(np.moveaxis(a.reshape(x.shape), -1, d))
                 for a in (idx, vals))


def _stable_argsort(arr, d, descending):
    if not descending:
        return np.argsort(arr, axis=d, kind="stable")
    n = arr.shape[d]
    idx = np.argsort(np.flip(arr, d), axis=d, kind="stable")
    return n - 1 - np.flip(idx, d)


def _topk_indices(arr, d, k, largest):
    """int64 indices of the k largest (smallest) entries along d, ordered as a stable sort's
    first k: one O(n) selection of the k-th value, then a sort of the k picked instead of a
    sort of all n (256x1024, k=10: 17 -> 1.2 ms).  Of the entries tied with the k-th value
    the earliest are taken, and NaN counts as the largest value, as in sort."""
    x = np.moveaxis(arr, d, -1)
    n = x.shape[-1]
    kth = n - k if largest else k - 1
    thr = np.partition(x, kth, axis=-1)[..., kth:kth + 1]
    x_nan, t_nan = x != x, thr != thr
    if largest:
        better = (x > thr) | (x_nan & ~t_nan)
    else:
        better = (x < thr) | (~x_nan & t_nan)
    tied = (x == thr) | (x_nan & t_nan)
    need = k - better.sum(-1, keepdims=True)
    if (tied.sum(-1, keepdims=True) > need).any():  # keep only the earliest `need` ties
        tied &= np.cumsum(tied, -1, dtype=np.int32) <= need
    picked = (np.flatnonzero(better | tied) % n).reshape(x.shape[:-1] + (k,))
    order = _sort_indices(np.take_along_axis(x, picked, -1), x.ndim - 1, largest)[0]
    return np.moveaxis(np.take_along_axis(picked, order, -1), -1, d).astype(np.int64)


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    if isinstance(dim, bool):  # sort(x, stable=...) positional forms are rare; keep dim an int
        dim = -1
    arr = input._data
    d = wrap_dim(dim, arr.ndim)
    if arr.ndim == 0:
        vals = graph.attach(wrap(arr.copy(), input.dtype), "SortBackward0", (input,), lambda g: g)
        return return_types.sort(vals, wrap(np.zeros((), np.int64, like=arr), D.int64))
    order, vals = _sort_indices(arr, d, descending)
    idx = wrap(order.astype(np.int64, copy=False), D.int64)
    vals = wrap(np.take_along_axis(arr, idx._data, d) if vals is None else vals, input.dtype)
    return return_types.sort(*_taken(vals, input, d, idx, "SortBackward0"))


def _taken(values, input, d, indices, name, keepdim=True):
    """values = input gathered along d at indices: route the gradient back there.  Only the
    indices are saved, as in PyTorch (an in-place write to the input leaves this valid).
    keepdim=False squeezes d out of values and indices first, as plain tensors, not views."""
    shape = input._data.shape
    if not keepdim:
        kept = values._data.shape[:d] + values._data.shape[d + 1:]
        values = wrap(values._data.reshape(kept), values.dtype)
        indices = wrap(indices._data.reshape(kept), indices.dtype)

    def backward(g, i):
        if not keepdim:
            g, i = g.unsqueeze(d), i.unsqueeze(d)
        return scatter_add(wrap(np.zeros(shape, g._data.dtype, like=g._data), g.dtype), d, i, g)
    return graph.attach(values, name, (input,), backward, (indices,)), indices


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    arr = input._data
    d = wrap_dim(dim, arr.ndim)
    if input.dtype is D.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    n = arr.shape[d] if arr.ndim else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    if type(arr) is np.ndarray and arr.ndim and 0 < k < n:
        picked = _topk_indices(arr, d, k, largest)
        idx = wrap(picked, D.int64)
        vals = wrap(np.take_along_axis(arr, picked, d), input.dtype)
        return return_types.topk(*_taken(vals, input, d, idx, "TopkBackward0"))
    with no_grad():
        s = sort(input, d, descending=largest)
        vals = s.values.narrow(d, 0, k) if arr.ndim else s.values
        idx = s.indices.narrow(d, 0, k).contiguous() if arr.ndim else s.indices
    if not arr.ndim:
        return return_types.topk(graph.attach(vals, "TopkBackward0", (input,), lambda g: g),
                                 idx)
    return return_types.topk(*_taken(vals.contiguous(), input, d, idx, "TopkBackward0"))


def kthvalue(input, k, dim=-1, keepdim=False):
    arr = input._data
    d = wrap_dim(dim, arr.ndim)
    if arr.ndim and arr.shape[d] == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if arr.ndim == 0:  # (PyTorch returns a 0-d input as it is, whatever its dtype)
        if k != 1:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
        values = graph.attach(wrap(arr.copy(), input.dtype), "KthvalueBackward0", (input,),
                              lambda g: g)
        return return_types.kthvalue(values, wrap(np.zeros((), np.int64), D.int64))
    if input.dtype is D.bool_:
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    n = arr.shape[d]
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if k < 1 or k > n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    with no_grad():
        s = sort(input, d)
        v = s.values.narrow(d, k - 1, 1).contiguous()
        i = s.indices.narrow(d, k - 1, 1).contiguous()
    return return_types.kthvalue(*_taken(v, input, d, i, "KthvalueBackward0", keepdim))


def _median(input, dim, keepdim, skip_nan):
    """The lower of the two middle values along dim (PyTorch's median, no averaging).  A line
    with a NaN has median NaN, at its first NaN; nanmedian takes the median of the rest."""
    name = "nanmedian" if skip_nan else "median"
    if dim is None and input.numel() == 0:  # (NaN; its node saves input and result too)
        res = wrap(np.array(np.nan).astype(input.dtype.np), input.dtype)
        return graph.attach(res, "MedianBackward0", (input,), lambda g, x, r: zeros_of(x),
                            (input, res))
    if dim is not None:
        d = wrap_dim(dim, input.ndim)
        if input.ndim and input._data.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if input.dtype is D.bool_:
        raise NotImplementedError(f"\"median_{'cpu' if dim is None else 'out'}\" not "
                                  f"implemented for 'Bool'")
    if dim is None:
        with no_grad():
            res = _median(input.reshape(-1), 0, False, skip_nan)
        # the gradient is shared evenly by every element equal to the median, as PyTorch's
        # is; its node saves the input and the result, so writes to either fail backward
        return graph.attach(res.values, "MedianBackward0", (input,), _spread_evenly,
                            (input, res.values))
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        res = _median(input.reshape(1), 0, False, skip_nan)
        return getattr(return_types, name)(res.values.reshape(()), res.indices.reshape(()))
    n = input._data.shape[d]
    if n == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    with no_grad():
        s = sort(input, d, stable=True)  # NaN sorts last, ties keep their order
        if input.dtype.category == D.FLOAT:
            count = (input == input).sum(d, keepdim=True)  # the non-NaN entries of each line
            pos = ((count - 1) // 2).clamp(min=0) if skip_nan else \
                where(count < n, count, (n - 1) // 2)
        else:
            pos = wrap(np.full(s.values.shape[:d] + (1,) + s.values.shape[d + 1:], (n - 1) // 2,
                               np.int64), D.int64).to(input.device)
        v = s.values.gather(d, pos)
        i = s.indices.gather(d, pos)
    return getattr(return_types, name)(*_taken(v, input, d, i, "MedianBackward1", keepdim))


def _spread_evenly(g, x, r):
    hit = (x == r) if not bool(isnan(r)) else logical_and(isnan(x), isnan(x))
    return where(hit, g / hit.sum(), 0.0)


def median(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, False)


def nanmedian(input, dim=None, keepdim=False):
    return _median(input, dim, keepdim, True)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    arr = input._data
    if dim is not None:
        d = wrap_dim(dim, arr.ndim)
        res = np.unique(arr, return_inverse=return_inverse, return_counts=return_counts,
                        equal_nan=False, axis=d)
    else:
        res = np.unique(arr.reshape(-1), return_inverse=return_inverse, equal_nan=False,
                        return_counts=return_counts)
    if not isinstance(res, tuple):
        return _unique_node(wrap(res, input.dtype), input)
    out = [_unique_node(wrap(res[0], input.dtype), input)]
    k = 1
    if return_inverse:
        inv = res[k].reshape(arr.shape if dim is None else -1)
        out.append(wrap(inv.astype(np.int64), D.int64))
        k += 1
    if return_counts:
        out.append(wrap(res[k].astype(np.int64), D.int64))
    return tuple(out)


def _unique_node(values, input, node="Unique2Backward0", op="_unique2"):
    """PyTorch records a node with no derivative (Unique2Backward0, ...): backward through it
    raises."""
    def backward(g):
        raise NotImplementedError(f"the derivative for '{op}' is not implemented.")
    return graph.attach(values, node, (input,), backward)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Drops repeats of the previous element (of the previous slice along dim).  On CUDA the
    data goes to the host: the result's size depends on it."""
    data = input._data.get() if input.is_cuda else input._data
    if dim is None:
        arr, axis = data.reshape(-1), 0
    else:
        axis = wrap_dim(dim, input.ndim)
        arr = np.moveaxis(data, axis, 0)
    n = arr.shape[0]
    changed = (arr[1:] != arr[:-1]).reshape(max(n - 1, 0), -1).any(axis=1) if n > 1 else \
        np.zeros(0, np.bool_)
    starts = np.concatenate([[n > 0], changed]) if n else np.zeros(0, np.bool_)
    vals = arr[starts] if dim is None else np.moveaxis(arr[starts], 0, axis)
    def placed(a, dt):
        return wrap(to_device(a) if input.is_cuda else np.ascontiguousarray(a), dt)
    out = [_unique_node(placed(vals, input.dtype), input, "UniqueConsecutiveBackward0",
                        "unique_consecutive")]
    if return_inverse:
        inv = np.cumsum(starts) - 1
        out.append(placed(inv.reshape(data.shape if dim is None else -1), D.int64))
    if return_counts:
        pos = np.flatnonzero(starts)
        out.append(placed(np.diff(np.append(pos, n)).astype(np.int64), D.int64))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    if input.dtype.category != D.INT or input.dtype is D.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{_type_name(input.dtype)}'")
    if input.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input._data.size and input._data.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights._data
    res = np.bincount(input._data, w, minlength)
    dt = D.int64 if weights is None else (weights.dtype if weights.dtype.category == D.FLOAT
                                          else D.float64)
    return wrap(res.astype(dt.np), dt)


def searchsorted(sorted_sequence, input, *, right=False, side=None):
    side = side or ("right" if right else "left")
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    res = np.searchsorted(sorted_sequence._data, vals, side=side)
    return wrap(np.asarray(res, np.int64, like=sorted_sequence._data), D.int64)


def bucketize(input, boundaries, *, right=False):
    return searchsorted(boundaries, input, right=right)


accept_numpy_names(globals())
