"""Shape and view ops.  Views are NumPy views sharing the base tensor's storage and version
counter; ops PyTorch defines as copies (flip, roll, repeat, cat, ...) copy."""

import numpy as np

from .. import _dtype as D
from ..autograd import graph
from ..backend import cuda_ops
from ..backend.cuda_array import advanced_offsets, as_strided, ascontiguousarray
from ..tensor import Tensor, view_of, wrap, wrap_dim
from ._numpy_names import accept_numpy_names
from .pointwise import deliver


def _record(res, input, name, backward):
    """Attach a one-input shape op's node; backward(g) maps the result's gradient back."""
    return graph.attach(res, name, (input,), backward)


def _reshaped(input, res, name):
    shape = input._data.shape
    return _record(res, input, name, lambda g: g.reshape(shape))


def _basic(k):
    return k is None or k is Ellipsis or isinstance(k, (slice, np.integer)) or type(k) is int


def embed(g, shape, key):
    """A zero tensor of `shape` with g written (accumulated, for repeated advanced indices) at
    `key`: the gradient of indexing.  Differentiable itself, for double backward."""
    z = np.zeros(shape, g._data.dtype, like=g._data)
    if g.is_cuda:
        cuda_ops.put(z, advanced_offsets(z, key), g._data, accumulate=True)
    elif isinstance(key, tuple) and all(_basic(k) for k in key):
        z[key] = g._data  # a basic index names each place once: no accumulation (add.at is slow)
    else:
        np.add.at(z, key, g._data)
    return _record(wrap(z, g.dtype), g, "IndexPutBackward0", lambda gg: gg[key])


def infer_shape(shape, numel):
    """Resolve one -1 in `shape` against numel, with PyTorch's errors."""
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {shape} because the "
                    f"unspecified dimension size -1 can be any value and is ambiguous")
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        if numel % known:
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def _shape_from(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"view(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(s).__name__}")
        out.append(int(s))
    return out


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], (D.dtype, type, str)):
        return _view_dtype(input, D.as_dtype(shape[0]))
    arr = input._data
    new = infer_shape(_shape_from(shape), arr.size)
    try:
        res = np.reshape(arr, new, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _reshaped(input, view_of(input, res), "ViewBackward0")


def _view_dtype(input, dt):
    if dt.itemsize != input.dtype.itemsize:
        raise RuntimeError("view(dtype): only same-size dtypes are supported")
    t = view_of(input, input._data.view(dt.np))
    t._dtype = dt
    return t


def reshape(input, *shape):
    arr = input._data
    new = infer_shape(_shape_from(shape), arr.size)
    res = arr.reshape(new)
    if np.shares_memory(res, arr) if res.size else True:
        return _reshaped(input, view_of(input, res), "ViewBackward0")
    # a copying reshape is a clone followed by a view of the copy, as PyTorch records it
    copy = _record(wrap(ascontiguousarray(arr), input.dtype), input, "CloneBackward0",
                   lambda g: g)
    return _reshaped(copy, wrap(copy._data.reshape(new), input.dtype), "UnsafeViewBackward0")


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    nd = input.ndim
    if nd == 0:
        return reshape(input, 1)
    s = wrap_dim(start_dim, nd)
    e = wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:  # nothing to merge: PyTorch hands back the tensor itself, not a view
        return input
    shp = input._data.shape
    return reshape(input, shp[:s] + (-1 if 0 not in shp[s:e + 1] else 0,) + shp[e + 1:])


def unflatten(input, dim, sizes):
    d = wrap_dim(dim, input.ndim)
    shp = input._data.shape
    sizes = list(sizes)
    inner = infer_shape(sizes, shp[d]) if -1 in sizes else tuple(sizes)
    if int(np.prod(inner)) != shp[d]:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({shp[d]}) in the input tensor")
    return view(input, shp[:d] + tuple(inner) + shp[d + 1:])


def squeeze(input, dim=None):
    arr = input._data
    if dim is None:
        res = view_of(input, arr.reshape([s for s in arr.shape if s != 1]))
        return _reshaped(input, res, "SqueezeBackward0")
    single = isinstance(dim, (int, np.integer))
    dims = {wrap_dim(d, arr.ndim) for d in ((dim,) if single else tuple(dim))}
    res = view_of(input, arr.reshape([s for i, s in enumerate(arr.shape)
                                      if not (i in dims and s == 1)]))
    return _reshaped(input, res, "SqueezeBackward1" if single else "SqueezeBackward2")


def unsqueeze(input, dim):
    d = wrap_dim(dim, input.ndim + 1)
    return _record(view_of(input, np.expand_dims(input._data, d)), input, "UnsqueezeBackward0",
                   lambda g: g.squeeze(d))


def transpose(input, dim0, dim1):
    nd = input.ndim
    a, b = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    if nd == 0:
        return _record(view_of(input, input._data.view()), input, "TransposeBackward0",
                       lambda g: g)
    return _record(view_of(input, np.swapaxes(input._data, a, b)), input, "TransposeBackward0",
                   lambda g: g.transpose(a, b))


swapaxes = swapdims = transpose


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    return _record(view_of(input, input._data.T), input, "TBackward0", lambda g: g.t())


def permute(input, *dims):
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = input.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    ds = [wrap_dim(d, nd) for d in dims]
    if len(set(ds)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permuted(input, ds)


def _permuted(input, order):
    inverse = [0] * len(order)
    for i, d in enumerate(order):
        inverse[d] = i
    return _record(view_of(input, input._data.transpose(order)), input, "PermuteBackward0",
                   lambda g: g.permute(inverse))


def movedim(input, source, destination):
    nd = input.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(s_, nd) for s_ in src]
    dst = [wrap_dim(d, nd) for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    if nd == 0:
        return view_as(input, input)
    order = [d for d in range(nd) if d not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return _permuted(input, order)


moveaxis = movedim


def expand(input, *sizes):
    sizes = _shape_from(sizes)
    arr = input._data
    if len(sizes) < arr.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(arr.shape)}}}, size={sizes}): the "
                           f"number of sizes provided ({len(sizes)}) must be greater or equal "
                           f"to the number of dimensions in the tensor ({arr.ndim})")
    off = len(sizes) - arr.ndim
    shape, strides = [], []
    for i, s in enumerate(sizes):
        if i < off:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            shape.append(s)
            strides.append(0)
            continue
        cur = arr.shape[i - off]
        if s == -1:
            s = cur
        if cur == s:
            shape.append(s)
            strides.append(arr.strides[i - off])
        elif cur == 1:
            shape.append(s)
            strides.append(0)
        else:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(arr.shape)}")
    # the engine sums the gradient back over the expanded dims (sum_to the input's shape)
    return _record(view_of(input, as_strided(arr, tuple(shape), tuple(strides))), input,
                   "ExpandBackward0", lambda g: g)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def repeat(input, *sizes):
    sizes = _shape_from(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    arr = input._data.reshape((1,) * (len(sizes) - input.ndim) + input._data.shape)
    # the result seen as (r0, s0, r1, s1, ...): the repeats are its r axes
    split = [n for pair in zip(sizes, arr.shape) for n in pair]
    if type(arr) is np.ndarray:
        # one broadcasting copy (np.tile copies once per axis: 256x1024 by (2, 2), 1.8 -> 0.17 ms)
        out = np.empty(split, arr.dtype)
        out[...] = arr.reshape([n for s in arr.shape for n in (1, s)])
        res = wrap(out.reshape([r * s for r, s in zip(sizes, arr.shape)]), input.dtype)
    else:
        res = wrap(np.tile(arr, sizes), input.dtype)

    def backward(g):
        return g.reshape(split).sum(tuple(range(0, 2 * len(sizes), 2))).reshape(
            input._data.shape)
    return _record(res, input, "RepeatBackward0", backward)


def tile(input, dims):
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return _record(wrap(ascontiguousarray(input._data), input.dtype), input, "CloneBackward0",
                   lambda g: g)


def _check_tensors(name, tensors):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not Tensor")
    tensors = list(tensors)
    if not tensors:
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(x).__name__}")
    return tensors


def cat(tensors, dim=0, *, out=None):
    tensors = _check_tensors("cat", tensors)
    dt = D.result_type(*[x for x in tensors if x.ndim]) if any(x.ndim for x in tensors) \
        else tensors[0].dtype
    for x in tensors[1:]:
        dt = D.promote_types(dt, x.dtype)
    # legacy behaviour: 1-D empty tensors are skipped
    parts = [x for x in tensors if not (x.ndim == 1 and x._data.shape[0] == 0)]
    if not parts:  # (still a node, so an input's requires_grad carries over)
        return graph.attach(wrap(np.empty((0,), dt.np, like=tensors[0]._data), dt),
                            "CatBackward0", tuple(tensors),
                            lambda g: tuple(_no_elements(g) for _ in tensors))
    ref = parts[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref.ndim)
    for x in parts:
        pos = next(i for i, t in enumerate(tensors) if t is x)
        if x.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} "
                               f"and {x.ndim}")
        for k in range(ref.ndim):
            if k != d and x._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref._data.shape[k]} but got size {x._data.shape[k]} for tensor number "
                    f"{pos} in the list.")
    res = np.concatenate([x._data for x in parts], axis=d, dtype=dt.np)
    res = deliver(res, dt, out)
    if out is not None:
        return res
    kept = {id(x) for x in parts}
    sizes = [x._data.shape[d] for x in parts]

    def backward(g):  # (a skipped empty input's gradient is empty too, not missing)
        pieces = iter(split(g, sizes, d))
        return tuple(next(pieces) if id(x) in kept else _no_elements(g) for x in tensors)
    return graph.attach(res, "CatBackward0", tuple(tensors), backward)


def _no_elements(g):
    return wrap(np.zeros((0,), g._data.dtype, like=g._data), g.dtype)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = _check_tensors("stack", tensors)
    shp = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != shp:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shp)} at entry 0 and {list(x._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(shp) + 1)
    dt = tensors[0].dtype
    for x in tensors[1:]:
        if x.dtype is not dt:
            dt = D.promote_types(dt, x.dtype)
    # one np.stack (DataLoader's collate stacks every batch), not an unsqueeze per tensor + cat
    arrays = [x._data if x._data.dtype == dt.np else x._data.astype(dt.np) for x in tensors]
    if d == 0 and all(type(a) is np.ndarray for a in arrays):
        res = np.array(arrays)  # 3x cheaper than np.stack for a batch of small rows
    else:
        res = np.stack(arrays, axis=d)
    res = deliver(res, dt, out)
    if out is not None:
        return res
    return graph.attach(res, "StackBackward0", tuple(tensors), lambda g: unbind(g, d))


def hstack(tensors):
    tensors = [atleast_1d(x) for x in _check_tensors("hstack", tensors)]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    tensors = _check_tensors("vstack", tensors)
    return cat([x.reshape(1, -1) if x.ndim < 2 else x for x in tensors], 0)


def _need_dims(name, t):
    if t.ndim == 0:
        raise RuntimeError(f"{name} expects at least a 1-dimensional tensor")


def split(tensor, split_size_or_sections, dim=0):
    _need_dims("split", tensor)
    d = wrap_dim(dim, tensor.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if step else [0]
        if not sizes:
            sizes = [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for s_ in sizes:
        out.append(_narrow(tensor, d, start, s_, "SplitBackward0"))
        start += s_
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    _need_dims("chunk", input)
    d = wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    step = max(-(-n // chunks), 1) if n else 0
    if n == 0:
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    return split(input, step, d)


def tensor_split(input, indices_or_sections, dim=0):
    d = wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        starts = [sum(sizes[:i]) for i in range(k)]
        # (separate slices, not split()'s multi-output views: PyTorch's can be written to)
        return tuple(narrow(input, d, a, s_) for a, s_ in zip(starts, sizes))
    idx = [0] + [min(int(i), n) for i in indices_or_sections] + [n]
    return tuple(narrow(input, d, a, max(b - a, 0)) for a, b in zip(idx[:-1], idx[1:]))


def _no_dims_error(dim):
    return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


def unbind(input, dim=0):
    if input.ndim == 0:
        raise _no_dims_error(dim)
    d = wrap_dim(dim, input.ndim)
    return tuple(_select(input, d, i, "UnbindBackward0") for i in range(input._data.shape[d]))


def select(input, dim, index):
    return _select(input, dim, index, "SelectBackward0")


def _select(input, dim, index, name):
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    if index < -n or index >= n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {d}")
    sl = [slice(None)] * input.ndim
    sl[d] = index
    return _indexed(input, tuple(sl), name)


def _indexed(input, key, name):
    """A basic-indexing view of input whose gradient is embedded back at `key`."""
    shape = input._data.shape
    # the trailing Ellipsis keeps an all-integer key a 0-d view (NumPy would return a scalar)
    out = view_of(input, input._data[key + (Ellipsis,)])
    if name in _MULTI_VIEW:
        # PyTorch's views from split/chunk/unbind can't be replayed after an in-place write
        # to them or their base: saving the view (it shares the base's version counter)
        # makes backward fail the version check then, as there
        return graph.attach(out, name, (input,), lambda g, _: embed(g, shape, key), (out,))
    return _record(out, input, name, lambda g: embed(g, shape, key))


_MULTI_VIEW = ("SplitBackward0", "SplitWithSizesBackward0", "UnbindBackward0")


def narrow(input, dim, start, length):
    return _narrow(input, dim, start, length, "SliceBackward0")


def _narrow(input, dim, start, length, name):
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    if isinstance(start, Tensor):
        start = int(start)
    if start < -n or start > n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    sl = [slice(None)] * input.ndim
    sl[d] = slice(start, start + length)
    return _indexed(input, tuple(sl), name)


def flip(input, dims):
    dims = [dims] if isinstance(dims, int) else list(dims)
    ds = [wrap_dim(d, input.ndim) for d in dims]
    if len(set(ds)) != len(ds):
        raise RuntimeError(f"dims has duplicates, original flip dims size={len(ds)}, but unique "
                           f"flip dims size={len(set(ds))}")
    if input.ndim == 0:  # flipping a number's only "dim" leaves it as it is
        ds = []
    res = wrap(np.flip(input._data, ds).copy() if ds else input._data.copy(), input.dtype)
    return _record(res, input, "FlipBackward0", lambda g: g.flip(ds) if ds else g)


def ravel(input):
    """A contiguous 1-D tensor: a view when input is contiguous, else a copy (so an expanded
    input gives a tensor that can be written to), as PyTorch's."""
    return reshape(input.contiguous(), -1)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim (for bools, whether neighbours differ)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        hi, lo = narrow(x, d, 1, m - 1), narrow(x, d, 0, m - 1)
        x = hi != lo if x.dtype is D.bool_ else hi - lo
    return x


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def roll(input, shifts, dims=None):
    if dims is None:
        res = wrap(np.roll(input._data.reshape(-1), shifts).reshape(input._data.shape),
                   input.dtype)
        return _record(res, input, "RollBackward0", lambda g: g.roll(-shifts))
    if input.numel() == 0:  # PyTorch returns an empty input as it is, dims unchecked
        return _record(wrap(input._data.copy(), input.dtype), input, "RollBackward0",
                       lambda g: g)
    shifts = [shifts] if isinstance(shifts, int) else list(shifts)
    dims = [dims] if isinstance(dims, int) else list(dims)
    if input.ndim == 0:
        raise _no_dims_error(dims[0])
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    ds = [wrap_dim(d, input.ndim) for d in dims]
    return _record(wrap(np.roll(input._data, shifts, ds), input.dtype), input, "RollBackward0",
                   lambda g: g.roll([-x for x in shifts], ds))


def _tri(input, diagonal, fn):
    if input.ndim < 2:
        raise RuntimeError(f"{fn.__name__}: input tensor must have at least 2 dimensions")
    name = "TrilBackward0" if fn is np.tril else "TriuBackward0"
    return _record(wrap(fn(input._data, diagonal), input.dtype), input, name,
                   lambda g: _tri(g, diagonal, fn))


def tril(input, diagonal=0):
    return _tri(input, diagonal, np.tril)


def triu(input, diagonal=0):
    return _tri(input, diagonal, np.triu)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape = tuple(input.shape)
    return _record(view_of(input, _diagonal_view(input._data, offset, d1, d2)), input,
                   "DiagonalBackward0", lambda g: onto_diagonal(g, shape, offset, d1, d2))


def _diagonal_view(arr, offset, d1, d2):
    """np.diagonal as a writable view (NumPy's is read-only, and in-place ops write into
    PyTorch's): the two dims moved last, sliced to start at the diagonal's first element,
    then one dim stepping both at once."""
    moved = np.moveaxis(arr, (d1, d2), (-2, -1)) if type(arr) is np.ndarray else None
    if moved is None:
        return np.diagonal(arr, offset, d1, d2)
    start = moved[..., max(-offset, 0):, max(offset, 0):]
    n = max(min(start.shape[-2], start.shape[-1]), 0)
    return as_strided(start, start.shape[:-2] + (n,),
                      start.strides[:-2] + (start.strides[-2] + start.strides[-1],))


def onto_diagonal(g, shape, offset, d1, d2):
    """A zero tensor of `shape` with g on its `offset` diagonal over dims d1, d2 (g's last
    dim runs along it; a 0-d g fills it): the gradient of diagonal, diag and trace."""
    out = np.zeros(shape, g._data.dtype, like=g._data)
    n = min(shape[d1] - max(-offset, 0), shape[d2] - max(offset, 0))
    i = np.arange(max(n, 0))
    np.moveaxis(out, (d1, d2), (-2, -1))[..., i - min(offset, 0), i + max(offset, 0)] = g._data
    return wrap(out, g.dtype)


def diag(input, diagonal=0):
    if input.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    res = wrap(np.diag(input._data, diagonal).copy(), input.dtype)
    if input.ndim == 1:  # vector -> matrix: the gradient is the matrix's diagonal
        return graph.attach(res, "DiagEmbedBackward0", (input,),
                            lambda g: diag(g, diagonal))
    shape = tuple(input.shape)

    # matrix -> its diagonal: the gradient goes back onto that diagonal
    return graph.attach(res, "DiagonalBackward0", (input,),
                        lambda g: onto_diagonal(g, shape, diagonal, 0, 1))


def atleast_1d(input):
    return input if input.ndim >= 1 else reshape(input, 1)


def atleast_2d(input):
    return input if input.ndim >= 2 else reshape(input, 1, -1)


def repeat_interleave(input, repeats, dim=None):
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = wrap_dim(dim, input.ndim)
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    reps = reps.get() if hasattr(reps, "get") else reps  # repeat counts size the result
    idx = np.repeat(np.arange(input._data.shape[d]), reps).astype(np.int64)
    return input.index_select(d, wrap(np.asarray(idx, like=input._data)))


accept_numpy_names(globals())
