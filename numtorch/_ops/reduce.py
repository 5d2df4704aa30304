"""Reductions, scans and softmax: dim/keepdim/dtype handling over the reduction backend."""

import builtins
import warnings

import numpy as np

from .. import _dtype as D
from .. import opcodes, return_types
from ..autograd import grad_mode, graph
from ..backend import reduction as backend
from ..backend.cuda_array import asarray
from ..tensor import Tensor, wrap, wrap_dim
from ._numpy_names import accept_numpy_names
from .creation import arange, ones_like, zeros_like
from .index import scatter_add, zeros_of
from .pointwise import (
    _type_name,
    deliver,
    eq,
    exp,
    gt,
    isinf,
    isnan,
    log,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    mul,
    ne,
    sqrt,
    sub,
    where,
)
from .pointwise import abs as abs_
from .pointwise import pow as pow_
from .shape import cat, flip, narrow


def _cast(input, dtype):
    """The dtype= argument of reductions: a dtype (or NumPy/Python type), never a string --
    PyTorch's argument parser rejects those with a TypeError."""
    if isinstance(dtype, str):
        raise TypeError(f"received an invalid combination of arguments - got (dtype=str), "
                        f"expected torch.dtype dtype; did you mean torch.{dtype}?")
    return input.to(D.as_dtype(dtype))


def reduce_dims(dim, ndim):
    """Normalise dim (None, int, or sequence) into a sorted tuple; None/() means all dims."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        d = wrap_dim(dim, ndim)  # a 0-d tensor takes dim 0 or -1 only, as in PyTorch
        return (d,) if ndim else ()
    dims = [wrap_dim(d, ndim) for d in dim]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if ndim else ()


def _keep(res, shape, dims, keepdim):
    if keepdim:
        full = list(shape)
        for d in dims:
            full[d] = 1
        return res.reshape(full)
    return res


def _acc_dtype(dt, op=opcodes.SUM):
    """Sums accumulate in float64 for floats and int64 for integers and bools; products of
    float32 (or half) in float32, as PyTorch's do, so one that overflows on the way is inf
    or NaN there too."""
    if dt.category != D.FLOAT:
        return np.int64
    return np.float32 if op == opcodes.PROD and dt.itemsize <= 4 else np.float64


def _fold(op, input, dim, keepdim, res_dtype, out=None):
    arr = input._data
    dims = reduce_dims(dim, arr.ndim)
    if not dims:  # 0-d input: the reduction is the identity (as a copy)
        res = arr.astype(res_dtype.np)
    else:
        acc = _acc_dtype(input.dtype, op) if op in (opcodes.SUM, opcodes.PROD) else arr.dtype
        if op in (opcodes.ANY, opcodes.ALL):
            acc = np.bool_
        res = backend.reduce(op, arr, dims, acc)
    return deliver(asarray(_keep(res, arr.shape, dims, keepdim)), res_dtype, out)


def expand_back(g, shape, dims, keepdim):
    """Broadcast a reduction's gradient back over the reduced dims: a differentiable expand
    view when building a graph of the gradient, else a contiguous array (faster downstream)."""
    if graph.requires_grad(g):
        if not keepdim:
            for d in dims:
                g = g.unsqueeze(d)
        return g.expand(shape)
    arr = g._data if keepdim else np.expand_dims(g._data, dims)
    out = np.empty(shape, arr.dtype, like=arr)  # like=: on arr's device
    out[...] = arr
    return wrap(out, g.dtype)


def _record_fold(res, input, dim, keepdim, name, grad, saved=()):
    """Attach a reduction node: grad(g_expanded, *saved) gives the input's gradient."""
    if not graph.requires_grad(input):
        return res
    shape = input._data.shape
    dims = reduce_dims(dim, input.ndim)
    return graph.attach(res, name, (input,),
                        lambda g, *s: grad(expand_back(g, shape, dims, keepdim), *s), saved)


def _whole(input, name, divide):
    """sum() (or mean(), with divide) of the whole of a small float CPU tensor -- a small
    model's loss, every step -- with one direct kernel call (backend.small_total), skipping the dim
    and dtype handling that cost more than the sum itself; None for any other input."""
    arr = input._data if isinstance(input, Tensor) else None
    n = arr.size if divide and arr is not None else 1
    out = backend.small_total(arr, float(n))
    if out is None:
        return None
    res = wrap(out, input._dtype)
    if not (input._requires_grad and grad_mode._state.enabled):
        return res
    shape, dims = arr.shape, tuple(range(arr.ndim))
    return graph.attach(res, name, (input,), lambda g: _mean_grad(g, shape, dims, False, n))


def _rows(input, dim, keepdim):
    """sum(dim) of a float CPU tensor over its last dim with one kernel call
    (backend.sum_rows) and no general dim/dtype handling; None for any other input."""
    arr = input._data if isinstance(input, Tensor) else None
    if arr is None or type(dim) is not int or dim not in (-1, arr.ndim - 1):
        return None
    res = backend.sum_rows(arr)
    if res is None:
        return None
    if keepdim:
        res = res.reshape(arr.shape[:-1] + (1,))
    return _record_fold(wrap(res, input._dtype), input, dim, keepdim, "SumBackward1", _same)


def _same(g):
    return g


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dtype is None and out is None:
        res = _whole(input, "SumBackward0", False) if dim is None else _rows(input, dim, keepdim)
        if res is not None:
            return res
    if dtype is not None:
        input = _cast(input, dtype)
    dt = input.dtype if input.dtype.category == D.FLOAT else D.int64
    res = _fold(opcodes.SUM, input, dim, keepdim, dt, out)
    name = "SumBackward0" if dim is None else "SumBackward1"
    return _record_fold(res, input, dim, keepdim, name, _same)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    with grad_mode.no_grad():
        res = sum(where(isnan(input), 0, input), dim, keepdim, dtype=dtype)
    # (saves the input, as PyTorch's node does, and multiplies by the mask, so a NaN
    # gradient stays NaN at a NaN input, as in PyTorch)
    return _record_fold(res, input, dim, keepdim, "NansumBackward0",
                        lambda g, x: mul(g, logical_not(isnan(x))), (input,))


def prod(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = _cast(input, dtype)
    dt = input.dtype if input.dtype.category == D.FLOAT else D.int64
    res = _fold(opcodes.PROD, input, dim, keepdim, dt)
    name = "ProdBackward0" if dim is None else "ProdBackward1"
    return _record_fold(res, input, dim, keepdim, name,
                        lambda g, x, r: _prod_grad(g, x, r, dim, keepdim), (input, res))


def _prod_grad(g_full, x, r, dim, keepdim):
    """d prod / d x_i (g_full arrives expanded to x's shape), PyTorch's way: prod / x_i when
    x has no zero; otherwise the product of the other entries of x_i's line (of the whole
    tensor for prod() with one zero; with two or more zeros that is 0 everywhere)."""
    if x.ndim == 0:  # PyTorch passes the gradient straight through (even for inf)
        return g_full
    dims = reduce_dims(dim, x.ndim)
    zeros = int(sum(eq(x, 0)))
    if zeros == 0:
        return g_full * expand_back(r, x.shape, dims, keepdim) / x
    if dim is not None:
        return g_full * _others_product(x, dims[0])
    if zeros == 1:
        return g_full * _others_product(x.reshape(-1), 0).reshape(x.shape)
    return zeros_like(x)


def _others_product(x, d):
    """For each x_i along d, the product of the other entries of its line: the product of
    those before it times the product of those after it (two exclusive cumprods), with no
    division, so a NaN or inf reaches only the positions whose product includes it -- what
    PyTorch's prod(dim) backward gives once the input has a zero."""
    n = x.shape[d]
    ones = ones_like(narrow(x, d, 0, 1))
    if n == 1:
        return ones

    def exclusive(t):
        return cat([ones, cumprod(narrow(t, d, 0, n - 1), d)], d)
    return exclusive(x) * flip(exclusive(flip(x, d)), d)


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dim is None and dtype is None and out is None:
        res = _whole(input, "MeanBackward0", True)
        if res is not None:
            return res
    if dtype is not None:
        input = _cast(input, dtype)
    if input.dtype.category != D.FLOAT:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_type_name(input.dtype)}")
    arr = input._data
    dims = reduce_dims(dim, arr.ndim)
    n = _count(arr.shape, dims)
    s = backend.reduce(opcodes.SUM, arr, dims, np.float64) if dims else arr.astype(np.float64)
    if n:
        np.divide(s, n, out=s)
    else:
        s = np.full(s.shape, np.nan, like=s)
    res = deliver(_keep(s, arr.shape, dims, keepdim), input.dtype, out)
    name = "MeanBackward0" if dim is None else "MeanBackward1"
    if not graph.requires_grad(input):
        return res
    shape = arr.shape
    return graph.attach(res, name, (input,), lambda g: _mean_grad(g, shape, dims, keepdim, n))


def _mean_grad(g, shape, dims, keepdim, n):
    """g / n spread over the reduced dims (n=1: sum's gradient); with no graph wanted, one
    broadcasting divide straight into the result (a small model's loss runs this every
    step)."""
    arr = g._data
    if not grad_mode._state.enabled and n and type(arr) is np.ndarray and (
            arr.dtype == np.float32 or arr.dtype == np.float64):
        out = np.empty(shape, arr.dtype)
        if not (keepdim or arr.ndim == 0):  # (a 0-d arr broadcasts as it is)
            arr = np.expand_dims(arr, dims)
        if n == 1:  # sum's gradient
            out[...] = arr
        else:
            np.divide(arr, arr.dtype.type(n), out=out)
        return wrap(out, g._dtype)
    g = expand_back(g, shape, dims, keepdim)
    return g if n == 1 else g / n


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is None and input.dtype.category != D.FLOAT:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_type_name(input.dtype)}")
    return nansum(input, dim, keepdim, dtype=dtype) / sum(logical_not(isnan(input)), dim,
                                                          keepdim)


def _check_nonempty(name, input, dims, explicit):
    if input._data.size == 0 and builtins.any(input._data.shape[d] == 0 for d in dims):
        if not explicit:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0. Specify the reduction dim with the 'dim' "
                               f"argument.")
        bad = next(d for d in dims if input._data.shape[d] == 0)
        raise IndexError(f"{name}(): Expected reduction dim {bad} to have non-zero size.")


def _tie_grad(g, x, r, dims, keepdim, nan_wins):
    """Gradient of a max/min over dims, shared evenly among the elements that attain it, as
    PyTorch computes it (g * mask / count): for amax/amin a NaN result matches nothing, so the
    gradient is NaN (0/0); for max()/min() (nan_wins) the NaN elements share it, and the
    others get 0."""
    rr = expand_back(r, x.shape, dims, keepdim)
    hit = eq(x, rr)
    if nan_wins:
        hit = logical_or(hit, logical_and(isnan(x), isnan(rr)))
    count = sum(hit, dims, True)
    if nan_wins:  # (max()/min() leave the others 0 even for an infinite g)
        return where(hit, g / count, 0.0)
    return g * hit.to(g.dtype) / count


def _extreme_fold(name, op, input, dim, keepdim, node_name, out=None, nan_wins=False):
    dims = reduce_dims(dim, input.ndim)
    _check_nonempty(name, input, dims, dim not in (None, ()))
    res = _fold(op, input, dims, keepdim, input.dtype, out)
    return _record_fold(res, input, dims, keepdim, node_name,
                        lambda g, x, r: _tie_grad(g, x, r, dims, keepdim, nan_wins),
                        (input, res))


def amax(input, dim=(), keepdim=False, *, out=None):
    return _extreme_fold("amax", opcodes.MAX, input, dim, keepdim, "AmaxBackward0", out)


def amin(input, dim=(), keepdim=False, *, out=None):
    return _extreme_fold("amin", opcodes.MIN, input, dim, keepdim, "AminBackward0", out)


def _extreme(name, op, argop, rtype, input, dim, keepdim, other):
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        other, dim = dim, None
    if other is not None:
        return (maximum if op == opcodes.MAX else minimum)(input, other)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0. Specify the reduction dim with the 'dim' "
                               f"argument.")
        return _extreme_fold(name, op, input, (), False, name.capitalize() + "Backward1",
                             nan_wins=True)
    d = wrap_dim(dim, input.ndim)
    if input.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if input.ndim == 0:  # the number itself, its gradient passing straight through
        values = wrap(input._data.copy(), input.dtype)
        _record_fold(values, input, d, keepdim, name.capitalize() + "Backward0", lambda g: g)
        return rtype(values, wrap(np.zeros((), np.int64, like=input._data), D.int64))
    vals, idx = backend.argreduce(argop, input._data, d)
    if keepdim:
        vals, idx = np.expand_dims(vals, d), np.expand_dims(idx, d)
    values, indices = wrap(vals, input.dtype), wrap(idx, D.int64)
    # max(dim) gives the whole gradient to the index it returned
    _record_fold(values, input, d, keepdim, name.capitalize() + "Backward0",
                 lambda g, i: select_grad(g, i, d, keepdim), (indices,))
    return rtype(values, indices)


def select_grad(g, index, dim, keepdim):
    """g (already expanded over dim) kept only where position == index along dim."""
    n = g.shape[dim]
    pos = wrap(np.arange(n, like=g._data).reshape([-1] + [1] * (g.ndim - dim - 1)), D.int64)
    idx = index if keepdim else index.unsqueeze(dim)
    return where(eq(pos, idx), g, 0.0)


def max(input, dim=None, keepdim=False, *, other=None):
    return _extreme("max", opcodes.MAX, opcodes.ARGMAX, return_types.max, input, dim, keepdim,
                    other)


def min(input, dim=None, keepdim=False, *, other=None):
    return _extreme("min", opcodes.MIN, opcodes.ARGMIN, return_types.min, input, dim, keepdim,
                    other)


def aminmax(input, *, dim=None, keepdim=False):
    return return_types.aminmax(amin(input, dim if dim is not None else (), keepdim),
                                amax(input, dim if dim is not None else (), keepdim))


def _arg(name, argop, input, dim, keepdim):
    if input.dtype is D.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0.")
        _, idx = backend.argreduce(argop, input._data.reshape(-1), 0)
        res = idx.reshape((1,) * input.ndim) if keepdim else idx
        return wrap(asarray(res), D.int64)
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return wrap(np.zeros((), np.int64, like=input._data), D.int64)
    if input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    _, idx = backend.argreduce(argop, input._data, d)
    return wrap(np.expand_dims(idx, d) if keepdim else idx, D.int64)


def argmax(input, dim=None, keepdim=False):
    return _arg("argmax", opcodes.ARGMAX, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _arg("argmin", opcodes.ARGMIN, input, dim, keepdim)


def all(input, dim=None, keepdim=False):
    return _fold(opcodes.ALL, input, dim, keepdim, D.bool_)


def any(input, dim=None, keepdim=False):
    return _fold(opcodes.ANY, input, dim, keepdim, D.bool_)


def count_nonzero(input, dim=None):
    return sum(ne(input, 0), dim)


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    return 1.0 if (unbiased is None or unbiased) else 0.0


def _var_args(dim, unbiased, keepdim):
    # var(x, True) is the legacy (input, unbiased) form
    if isinstance(dim, bool):
        return None, dim, keepdim
    return dim, unbiased, keepdim


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread_mean(input, dim, unbiased, keepdim, correction, False, running_mean=True)


def _spread_mean(input, dim, unbiased, keepdim, correction, root, running_mean=False):
    """(var, mean), or (std, mean) with root.  The moments accumulate in float64 and std's
    square root is taken there too, so a float32 std near 1e20 stays finite (its variance
    would overflow float32), as PyTorch's does.  running_mean: the mean as PyTorch's
    var_mean/std_mean give it (see _running_mean_nan)."""
    dim, unbiased, keepdim = _var_args(dim, unbiased, keepdim)
    if input.dtype.category != D.FLOAT:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = reduce_dims(dim, input.ndim)
    c = _correction(unbiased, correction)
    if not dims:
        m, v = input._data.astype(np.float64), np.full(input._data.shape, np.nan, like=input._data)
        if c == 0:  # (x - mean)^2 with mean == x: 0, or NaN where x is NaN or inf
            with np.errstate(invalid="ignore"):
                v = (m - m) * (m - m)
    else:
        m, v = backend.moments(input._data, dims, c, np.float64)
    n = _count(input._data.shape, dims)
    if n - c <= 0:
        warnings.warn(f"{'std' if root else 'var'}(): degrees of freedom is <= 0. Correction "
                      f"should be strictly less than the reduction factor (input numel divided "
                      f"by output numel).", UserWarning, stacklevel=4)
    m = _keep(m, input._data.shape, dims, keepdim)
    v = _keep(v, input._data.shape, dims, keepdim)
    if root:  # (a tensor op, so a CUDA variance stays on the GPU)
        v = sqrt(wrap(asarray(v, np.float64), D.float64))._data
    spread = wrap(asarray(v, input.dtype.np), input.dtype)
    mean_t = wrap(asarray(m, input.dtype.np), input.dtype)
    if running_mean:
        mean_t = _running_mean_nan(mean_t, input, dims, keepdim)
    dof = builtins.max(n - c, 0)
    if root:  # d std / dx = (x - mean) / ((N - correction) std), 0 where std is 0

        def std_grad(g, x, s_):
            s_ = expand_back(s_, x.shape, dims, keepdim)
            return where(eq(s_, 0), 0.0, g * (x - x.mean(dims, True)) / (dof * s_))
        _record_fold(spread, input, dim, keepdim, "StdBackward0", std_grad, (input, spread))
    else:  # d var / dx = 2 (x - mean) / (N - correction); the mean's own gradient is g / N
        _record_fold(spread, input, dim, keepdim, "VarBackward0",
                     lambda g, x: g * 2.0 * (x - x.mean(dims, True)) / dof, (input,))
    _record_fold(mean_t, input, dim, keepdim, "MeanBackward1", lambda g: g / n)
    return spread, mean_t


def _running_mean_nan(mean, input, dims, keepdim):
    """PyTorch's var_mean/std_mean update a running mean, m + (x - m) / k, so an infinity
    anywhere but in the last element taken makes that mean NaN (inf - inf), where mean()
    gives inf."""
    if not dims or input.numel() == 0:
        return mean
    with grad_mode.no_grad():
        inf = isinf(input)
        if not bool(inf.any()):
            return mean
        last = inf[tuple(slice(-1, None) if d in dims else slice(None)
                         for d in range(input.ndim))]
        early = gt(sub(sum(inf, dims, True), last.to(D.int64)), 0)
        return where(early.reshape(mean.shape), float("nan"), mean)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    v, _ = _spread_mean(input, dim, unbiased, keepdim, correction, False)
    return v if out is None else deliver(v._data, v.dtype, out)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _spread_mean(input, dim, unbiased, keepdim, correction, True, running_mean=True)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    s, _ = _spread_mean(input, dim, unbiased, keepdim, correction, True)
    return s if out is None else deliver(s._data, s.dtype, out)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None, out=None):
    if dtype is not None:
        input = _cast(input, dtype)
    if input.dtype.category != D.FLOAT:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {_type_name(input.dtype)}")
    if p is None or p == "fro" or p == 2:
        r = _two_norm(input, dim, keepdim)
    elif p == float("inf"):
        r = amax(abs_(input), dim if dim is not None else (), keepdim)
    elif p == float("-inf"):
        r = amin(abs_(input), dim if dim is not None else (), keepdim)
    elif p == 1:
        r = sum(abs_(input), dim, keepdim)
    elif p == 0:
        r = sum(ne(input, 0), dim, keepdim).to(input.dtype)
    elif isinstance(p, (int, float)):
        r = pow_(sum(pow_(abs_(input), p), dim, keepdim), 1.0 / p)
    else:
        raise RuntimeError(f"norm(): unsupported p={p!r}")
    return r if out is None else deliver(r._data, input.dtype, out)


def _reduced_count(input, dim):
    return int(np.prod([input.shape[d] for d in reduce_dims(dim, input.ndim)]))


def _two_norm(input, dim, keepdim):
    """sqrt(sum(x^2)) as one node (LinalgVectorNormBackward0) whose gradient x / norm is taken
    as 0 where the norm is 0, as PyTorch does (the composed sqrt would give 0 * inf)."""
    with grad_mode.no_grad():  # (one element: its |x| itself, as PyTorch: no x * x to overflow)
        r = sum(abs_(input), dim, keepdim) if _reduced_count(input, dim) == 1 else \
            sqrt(sum(mul(input, input), dim, keepdim))
    dims = reduce_dims(dim, input.ndim)

    def backward(g, x, n):
        gx = expand_back(g, x.shape, dims, keepdim)
        nx = expand_back(n, x.shape, dims, keepdim)
        return gx * where(eq(nx, 0), 0.0, x / nx)  # (so an infinite g at 0 gives NaN)
    return graph.attach(r, "LinalgVectorNormBackward0", (input,), backward, (input, r))


def logsumexp(input, dim, keepdim=False):
    if input.dtype.category != D.FLOAT:
        input = input.to(D.get_default_dtype())
    with grad_mode.no_grad():
        if input.numel() == 0:  # log(0) = -inf over empty dims (amax of none would raise)
            r = log(sum(exp(input), dim, True))
        else:
            m = amax(input, dim, True)
            m = where(isinf(m), 0.0, m)
            r = log(sum(exp(sub(input, m)), dim, True)) + m
    dims = reduce_dims(dim, input.ndim)
    if not keepdim:
        r = wrap(r._data.reshape([n for i, n in enumerate(r._data.shape) if i not in dims]),
                 r.dtype)
    return _record_fold(r, input, dim, keepdim, "LogsumexpBackward0",
                        lambda g, x, out: g * exp(x - expand_back(out, x.shape, dims, keepdim)),
                        (input, r))


def _softmax(input, dim, dtype, log):
    if dtype is not None:
        input = _cast(input, dtype)
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    wrap_dim(dim, input.ndim)  # (a dim out of range is reported before a dtype)
    if input.dtype.category != D.FLOAT and input.numel() == 0:
        return wrap(input._data.copy(), input.dtype)  # no kernel runs, so nothing objects
    if input.dtype.category != D.FLOAT:
        name = "log_softmax" if log else "softmax"
        last = "_lastdim" if input.ndim <= 1 or wrap_dim(dim, input.ndim) == input.ndim - 1 \
            else ""
        raise NotImplementedError(f"\"{name}{last}_kernel_impl\" not implemented for "
                                  f"'{_type_name(input.dtype)}'")
    arr = input._data
    if arr.ndim == 0:
        arr = arr.reshape(1)
    d = wrap_dim(dim, arr.ndim)
    src = arr.astype(np.float32) if arr.dtype == np.float16 else arr
    res = backend.softmax(src, d, log)
    out = wrap(res.reshape(input._data.shape).astype(input.dtype.np, copy=False), input.dtype)
    return graph.attach(out, "LogSoftmaxBackward0" if log else "SoftmaxBackward0", (input,),
                        lambda g, y: _softmax_backward(g, y, d, log), (out,))


def _softmax_backward(g, y, d, log):
    """The input gradient of (log-)softmax from its output y: one kernel pass over
    contiguous last-dim rows when no graph of the gradient is wanted, tensor ops otherwise."""
    ga, ya = g._data, y._data
    if (not grad_mode._state.enabled and d == ya.ndim - 1 and type(ga) is np.ndarray
            and type(ya) is np.ndarray and ga.dtype == ya.dtype
            and ya.dtype in (np.float32, np.float64) and ga.shape == ya.shape and ya.size
            and ga.flags.c_contiguous and ya.flags.c_contiguous):
        return wrap(backend.softmax_rows_backward(ga, ya, log), y.dtype)
    if log:
        return g - exp(y) * sum(g, d, True)
    return y * (g - sum(g * y, d, True))


def softmax(input, dim=None, dtype=None, _stacklevel=3):
    return _softmax(input, dim, dtype, False)


def log_softmax(input, dim=None, dtype=None, _stacklevel=3):
    return _softmax(input, dim, dtype, True)


def _scan(op, input, dim, dtype, out=None):
    if dtype is not None:
        input = _cast(input, dtype)
    elif input.dtype.category != D.FLOAT:
        input = input.to(D.int64)
    arr = input._data
    if arr.ndim == 0:  # a running sum/product of one element is that element
        wrap_dim(dim, 0)
        res = deliver(arr.copy(), input.dtype, out)
        if out is not None or input.dtype.category != D.FLOAT or op not in (opcodes.CUMSUM,
                                                                             opcodes.CUMPROD):
            return res
        if op == opcodes.CUMSUM:
            return graph.attach(res, "CumsumBackward0", (input,), lambda g: g)
        # (cumprod saves its input and result even here, as PyTorch's node does)
        return graph.attach(res, "CumprodBackward0", (input,), lambda g, *_: g, (input, res))
    d = wrap_dim(dim, arr.ndim)
    src = arr
    if op in (opcodes.CUMSUM, opcodes.CUMPROD) and arr.dtype in (np.float16, np.float32):
        # (PyTorch's CPU scans accumulate float32 in float64: a running product that passes
        # 1e40 on the way stays finite there, and 1e40 * -0. is -0., not NaN)
        src = arr.astype(np.float64)
    elif arr.dtype == np.float16:  # (the kernels have no half)
        src = arr.astype(np.float32)
    res = backend.cumulative(op, src, d, src.dtype)
    res = deliver(res, input.dtype, out)
    if out is not None or input.dtype.category != D.FLOAT:
        return res
    if op == opcodes.CUMSUM:
        return graph.attach(res, "CumsumBackward0", (input,), lambda g: _rev_cumsum(g, d))
    if op == opcodes.CUMPROD:
        return graph.attach(res, "CumprodBackward0", (input,),
                            lambda g, x, y: _cumprod_grad(g, x, y, d), (input, res))
    return res


def _rev_cumsum(g, d):
    return g.flip([d]).cumsum(d).flip([d])


def _cumprod_grad(g, x, y, d):
    """d/dx_i of sum_j g_j y_j with y = cumprod(x): sum_{j>=i} g_j y_j / x_i where no zero
    comes at or before i.  Past a line's first zero every y_j is 0, so later positions get 0;
    the first zero itself gets sum_{j>=z} g_j prod_{k<=j, k!=z} x_k, a cumprod with that zero
    read as 1 -- no division by zero anywhere."""
    if x.shape[d] == 1:  # y = x: the gradient passes as it is (no inf/inf at x = inf)
        return g
    zero = eq(x, 0)
    if not bool(zero.any()):
        return _rev_cumsum(g * y, d) / x
    zeros_so_far = zero.to(D.int64).cumsum(d)
    before = eq(zeros_so_far, 0)
    first = logical_and(zero, eq(zeros_so_far, 1))
    # (before the first zero only the products before it count: the later ones are 0 in
    # exact arithmetic, even where 0 * inf made them NaN)
    part = where(before, _rev_cumsum(where(before, g * y, 0.0), d) / where(before, x, 1.0),
                 0.0)
    # the first zero z: (prod_{k<z} x_k) * sum_{z<=j<z2} g_j prod_{z<k<=j} x_k, up to the
    # second zero z2, with the prefix read off y just before z (PyTorch's order: an infinite
    # prefix times a zero sum is NaN, and whatever comes after z2 cannot make one)
    span = eq(zeros_so_far, 1)
    inner = where(logical_and(span, logical_not(first)), x, 1.0).cumprod(d)
    tail = (where(span, g, 0.0) * inner).sum(d, keepdim=True)
    shifted = cat([ones_like(narrow(y, d, 0, 1)), narrow(y, d, 0, x.shape[d] - 1)], d)
    prefix = where(first, shifted, 0.0).sum(d, keepdim=True)
    return part + where(first, prefix * tail, 0.0)


def cumsum(input, dim, *, dtype=None, out=None):
    return _scan(opcodes.CUMSUM, input, dim, dtype, out)


def cumprod(input, dim, *, dtype=None, out=None):
    return _scan(opcodes.CUMPROD, input, dim, dtype, out)


def _cum_extreme(op, rtype, input, dim):
    if input.numel() == 0:  # PyTorch returns empty results, dim unchecked
        vals = wrap(input._data.copy(), input.dtype)
        indices = wrap(np.zeros(input._data.shape, np.int64, like=input._data), D.int64)
        return rtype(_attach_cum_extreme(op, vals, input, 0, indices), indices)
    if input.ndim == 0 and dim not in (-1, 0):
        raise IndexError(f"{rtype.__name__}(): Expected reduction dim -1 or 0 for scalar but "
                         f"got {dim}")
    vals = _scan(op, input, dim, input.dtype)
    # index of the running extreme: the last position where x equals the running value (a
    # running max of the positions of the hits), built from tensor ops so it runs on CUDA too
    d = wrap_dim(dim, input.ndim) if input.ndim else 0
    with grad_mode.no_grad():
        hit = logical_or(eq(input, vals), logical_and(isnan(input), isnan(vals)))
        n = input.shape[d] if input.ndim else 1
        pos = arange(n, device=input.device).reshape([-1] + [1] * (input.ndim - d - 1)) \
            if input.ndim else 0
        pos = where(hit, pos, 0)
        indices = _scan(opcodes.CUMMAX, pos, d, None) if input.ndim else pos.to(D.int64)
    return rtype(_attach_cum_extreme(op, vals, input, d, indices), indices)


def _attach_cum_extreme(op, vals, input, d, indices):
    """Each output's gradient goes to the element that was the running extreme there."""
    if input.dtype.category != D.FLOAT:
        return vals
    name = "CummaxBackward0" if op == opcodes.CUMMAX else "CumminBackward0"
    return graph.attach(vals, name, (input,), lambda g, x: scatter_add(
        zeros_of(x), d, indices, g) if x.ndim else g, (input,))


def cummax(input, dim):
    return _cum_extreme(opcodes.CUMMAX, return_types.cummax, input, dim)


def cummin(input, dim):
    return _cum_extreme(opcodes.CUMMIN, return_types.cummin, input, dim)


accept_numpy_names(globals())
