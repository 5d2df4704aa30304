"""Matrix products.  All of them go through NumPy's BLAS-backed matmul; this module checks
shapes and dtypes first so mismatches raise PyTorch's errors."""

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode, graph
from ..autograd.composite import composite
from ..backend.cuda_array import asarray
from ..backend.elementwise import broadcast_shapes
from ..tensor import Tensor, wrap, wrap_dim
from .pointwise import _type_name, add, deliver, mul, sub
from .shape import onto_diagonal, roll

# PyTorch has no bool matrix products; the kernel it would run names the error
_BOOL_KERNEL = {1: "dot", 2: "addmm_impl_cpu_"}


def _check(name, a, b, product=True):
    """Operand checks; `product` is False for outer, whose bool version PyTorch does run."""
    for x in (a, b):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument must be Tensor, not {type(x).__name__}")
    batched = b.ndim >= 3  # with a 2-D (or 1-D) right side PyTorch folds the batch into mm
    if name != "dot" and (a.numel() == 0 or b.numel() == 0):
        if batched:  # PyTorch's empty bmm checks nothing (and returns mat2's dtype)
            return
        product = False  # no kernel runs on an empty operand, so bool is not refused
    if a.dtype is D.bool_ and product and (batched or (a.ndim >= 3 and not _folds(a))):
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{D.c_type_name(a.dtype)} != {D.c_type_name(b.dtype)}")
    if a.dtype is D.bool_ and product:
        kernel = "bmm" if batched else _BOOL_KERNEL.get(min(a.ndim, b.ndim, 2), "mv")
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _folds(a):
    """Whether PyTorch's matmul folds a's batch dims into a 2-D mm/mv (so its dtype checks
    come first): only when they merge into one dim without a copy, by PyTorch's test of
    the strides (size-1 dims included)."""
    shape, strides = a._data.shape, a._data.strides
    return a._data.size == 0 or all(strides[i] == strides[i + 1] * shape[i + 1]
                                    for i in range(a.ndim - 2))


def _product(a, b):
    x, y = a._data, b._data
    if x.dtype == np.float16:  # BLAS has no half; compute in float32 like PyTorch's CPU path
        return np.matmul(x.astype(np.float32), y.astype(np.float32)).astype(np.float16)
    if x.dtype == np.bool_:
        return np.matmul(x, y)
    return np.matmul(x, y)


def _numeric(*ts):
    """The arrays of ts when no graph of a gradient is wanted and all are float CPU tensors of
    one dtype: then a product's gradient is one np.matmul, without the tensor-op layers."""
    if grad_mode._state.enabled:
        return None
    dt = ts[0]._dtype
    if dt is not D.float32 and dt is not D.float64:
        return None
    arrays = []
    for t in ts:
        if t._dtype is not dt or type(t._data) is not np.ndarray:
            return None
        arrays.append(t._data)
    return arrays


def _mm_grad_a(g, a, b):
    arrays = _numeric(g, b)
    if arrays is not None:
        return wrap(np.matmul(arrays[0], arrays[1].T), g._dtype)
    return mm(g, b.t())


def _mm_grad_b(g, a, b):
    arrays = _numeric(a, g, b)
    if arrays is not None:
        x, y, w = arrays
        # laid out like b, as _grad_rhs does
        rhs_t = not w.flags.c_contiguous and w.T.flags.c_contiguous
        return wrap(np.matmul(y.T, x).T if rhs_t else np.matmul(x.T, y), g._dtype)
    return _grad_rhs(a, g, b)


def _float_matrices(a, b):
    """(a's array, b's array, their dtype) when a @ b is the hot case of small models: two
    float CPU matrices of one dtype whose inner sizes agree; else None."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        return None
    x, y, dt = a._data, b._data, a._dtype
    if (dt is not b._dtype or (dt is not D.float32 and dt is not D.float64)
            or type(x) is not np.ndarray or type(y) is not np.ndarray
            or x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[0]):
        return None
    return x, y, dt


def _fast_mm(a, b):
    """`x @ w` of _float_matrices with no out=, skipping the general checks; None when it
    doesn't apply."""
    arrays = _float_matrices(a, b)
    if arrays is None:
        return None
    x, y, dt = arrays
    res = wrap(np.matmul(x, y), dt)
    if a._requires_grad or b._requires_grad:
        return _record_pair(res, "MmBackward0", a, b, _mm_grad_a, _mm_grad_b)
    return res


def mm(input, mat2, *, out=None):
    if out is None:
        res = _fast_mm(input, mat2)
        if res is not None:
            return res
    _check("mm", input, mat2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    (n, k), (k2, m) = input._data.shape, mat2._data.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")
    res = deliver(_product(input, mat2), input.dtype, out)
    return _record_pair(res, "MmBackward0", input, mat2, _mm_grad_a, _mm_grad_b)


def _grad_rhs(a, g, b):
    """a.T @ g, laid out like b: for `x @ w.t()` (Linear) b is a transposed view, and
    producing the gradient as (g.T @ a).T means w's gradient arrives C-contiguous instead of
    needing a transposing copy."""
    if not b._data.flags.c_contiguous and b._data.T.flags.c_contiguous:
        return mm(g.t(), a).t()
    return mm(a.t(), g)


def _record_pair(res, name, a, b, grad_a, grad_b):
    """Attach a two-input product node computing only the gradients that are needed (the
    data operand of `x @ w` usually needs none)."""
    need_a = a._requires_grad
    need_b = b._requires_grad

    def backward(g, x, y):
        return (grad_a(g, x, y) if need_a else None, grad_b(g, x, y) if need_b else None)
    return graph.attach(res, name, (a, b), backward, (a, b))


def bmm(input, mat2, *, out=None):
    _check("bmm", input, mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (b, _, k), (b2, k2, _) = input._data.shape, mat2._data.shape
    if b != b2 or k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {k}] but got: [{b2}, {k2}].")
    res = deliver(_product(input, mat2), input.dtype, out)
    return _record_pair(res, "BmmBackward0", input, mat2,
                        lambda g, a, b: bmm(g, b.mT), lambda g, a, b: bmm(a.mT, g))


def mv(input, vec, *, out=None):
    _check("mv", input, vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {vec.ndim}, {input.ndim}, "
                           f"{vec.ndim}")
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat "
                           f"({input._data.shape[0]}x{input._data.shape[1]}), vec "
                           f"({vec._data.shape[0]})")
    res = deliver(_product(input, vec), input.dtype, out)
    return _record_pair(res, "MvBackward0", input, vec,
                        lambda g, a, v: outer(g, v), lambda g, a, v: mv(a.t(), g))


def dot(input, other, *, out=None):
    _check("dot", input, other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           f"tensors")
    if input._data.shape[0] != other._data.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._data.shape[0]}] "
                           f"and src [{other._data.shape[0]}] to have the same number of "
                           f"elements, but got {input._data.shape[0]} and "
                           f"{other._data.shape[0]} elements respectively")
    res = deliver(asarray(_product(input, other)), input.dtype, out)
    return _record_pair(res, "DotBackward0", input, other,
                        lambda g, a, b: g * b, lambda g, a, b: g * a)


def matmul(input, other, *, out=None):
    if out is None:
        res = _fast_mm(input, other)
        if res is not None:
            return res
    _check("matmul", input, other)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.ndim == 2 and b.ndim == 2:
        return mm(input, other, out=out)
    if a.ndim == 1 and b.ndim == 1:
        return dot(input, other, out=out)
    if a.ndim == 2 and b.ndim == 1:
        return mv(input, other, out=out)
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        sa = "x".join(map(str, a.shape[-2:] if a.ndim > 1 else (1,) + a.shape))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {ka}] but got: [{b.shape[0]}, {kb}]."
                           if a.ndim == 3 and b.ndim == 3 else
                           f"mat1 and mat2 shapes cannot be multiplied ({sa} and "
                           f"{'x'.join(map(str, b.shape[-2:] if b.ndim > 1 else b.shape))})")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({a.shape[-3]}) must match the size of tensor "
                           f"b ({b.shape[-3]}) at non-singleton dimension 0") from None
    if input.dtype is not other.dtype:  # only an empty batched product gets here
        dt = other.dtype
        if dt.category != D.FLOAT and (input._requires_grad or other._requires_grad):
            raise RuntimeError(f"Autograd not support dtype: {_type_name(dt)}")
        res = deliver(np.matmul(a.astype(dt.np), b), dt, out)
    else:
        res = deliver(_product(input, other), input.dtype, out)
    name = "BmmBackward0" if a.ndim == 3 and b.ndim == 3 else "UnsafeViewBackward0"
    return _record_pair(res, name, input, other, lambda g, a, b: _matmul_grad(g, a, b, 0),
                        lambda g, a, b: _matmul_grad(g, a, b, 1))


def _matmul_grad(g, a, b, which):
    """Gradient of matmul(a, b) for operand `which`: promote 1-D operands to matrices,
    multiply by the transposes; the engine sums broadcast batch dims back to the input."""
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    g2 = g.unsqueeze(-2) if a.ndim == 1 else g
    if b.ndim == 1:
        g2 = g2.unsqueeze(-1)
    if which == 0:
        ga = matmul(g2, b2.mT)
        return ga.squeeze(-2) if a.ndim == 1 else ga
    gb = matmul(a2.mT, g2)
    return gb.squeeze(-1) if b.ndim == 1 else gb


def outer(input, vec2, *, out=None):
    _check("outer", input, vec2, product=False)
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError("outer: expected 1-D tensors")
    res = deliver(np.multiply.outer(input._data, vec2._data), input.dtype, out)
    return _record_pair(res, "OuterBackward0", input, vec2,
                        lambda g, a, b: mv(g, b), lambda g, a, b: mv(g.t(), a))


ger = outer


def _int_scales(dtype, beta, alpha):
    """Integer products take beta and alpha as integers, as PyTorch's kernels do."""
    if dtype is D.bool_:  # a bool product is scaled by truth values: 2.0 acts as True
        return int(bool(beta)), int(bool(alpha))
    return (beta, alpha) if dtype.category == D.FLOAT else (int(beta), int(alpha))


def _fast_linear(bias, a, b):
    """Linear's forward, bias + a @ b for _float_matrices a, b and a 1-D bias of their
    dtype and b's width: the bias is added into the fresh product in place (through
    mm() and add() a 64x784 -> 512 layer spent 36 us beside its 270 us product); None for
    anything else."""
    arrays = _float_matrices(a, b)
    if arrays is None or not isinstance(bias, Tensor):
        return None
    x, y, dt = arrays
    v = bias._data
    if bias._dtype is not dt or type(v) is not np.ndarray or v.shape != (y.shape[1],):
        return None
    arr = np.matmul(x, y)
    arr += v
    return wrap(arr, dt)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    if mat1.dtype.category != D.FLOAT and mat1.ndim == 2 and mat1.shape[1] == 0 and \
            mat1.shape[0] * mat2.shape[-1] > 0:
        # with nothing to multiply PyTorch computes beta * input as an op of beta's type and
        # refuses to cast it back (an integer product otherwise truncates beta)
        wider = "Float" if isinstance(beta, float) else \
            "Long" if mat1.dtype is D.bool_ and type(beta) is not bool else None
        if wider:
            raise RuntimeError(f"result type {wider} can't be cast to the desired output type "
                               f"{_type_name(mat1.dtype)}")
    if mat1.dtype is D.bool_ and mat1.numel() and mat2.numel():
        if mat1.numel() == 1 and mat2.numel() == 1 and isinstance(beta, float):
            # (PyTorch multiplies 1x1 operands elementwise, and beta * input is a float op)
            raise RuntimeError("result type Float can't be cast to the desired output type "
                               "Bool")
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    beta, alpha = _int_scales(mat1.dtype, beta, alpha)
    res = _fast_linear(input, mat1, mat2) if beta == 1 and alpha == 1 and out is None else None
    if res is None:
        with grad_mode.no_grad():
            prod = mm(mat1, mat2)
            if alpha != 1:
                prod = mul(prod, alpha)
            base = input if beta == 1 else mul(input, beta)
            r = add(base, prod)
        if r.shape != prod.shape:
            raise RuntimeError(f"The expanded size of the tensor ({prod.shape[-1]}) must match "
                               f"the existing size ({input.shape[-1]})")
        res = deliver(r._data, r.dtype, out)
    need = (getattr(input, "_requires_grad", False), mat1._requires_grad, mat2._requires_grad)

    def backward(g, m1, m2):
        return (_scale(g, beta) if need[0] else None,
                _scale(mm(g, m2.t()), alpha) if need[1] else None,
                _scale(_grad_rhs(m1, g, m2), alpha) if need[2] else None)
    return graph.attach(res, "AddmmBackward0", (input, mat1, mat2), backward, (mat1, mat2))


def _scale(t, alpha):
    return t if alpha == 1 else t * alpha


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    beta, alpha = _int_scales(mat.dtype, beta, alpha)
    return add(_scale(input, beta), _scale(mv(mat, vec), alpha), out=out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    beta, alpha = _int_scales(batch1.dtype, beta, alpha)
    return add(_scale(input, beta), _scale(bmm(batch1, batch2), alpha), out=out)


def cross(input, other, dim=None):
    """Component i is a[i+1] b[i+2] - a[i+2] b[i+1] (indices mod 3): rolls, so it is
    differentiable.  Without dim, the first dim of size 3 (PyTorch's deprecated default)."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input.dtype)} but found "
                           f"{_type_name(other.dtype)}")
    if dim is None:
        dim = next((d for d, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, "
                           f"but got {input.ndim} and {other.ndim}")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    if input.dtype is D.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))

    def fn(x, y):
        a, b = x.expand(shape), y.expand(shape)
        return sub(mul(roll(a, -1, d), roll(b, -2, d)), mul(roll(a, -2, d), roll(b, -1, d)))
    # one node that saves both inputs, as PyTorch's does
    return composite("LinalgCrossBackward0", fn, input, other)


def trace(input):
    if input.ndim != 2:
        raise RuntimeError("trace: expected a matrix")
    if input.dtype is D.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    dt = input.dtype if input.dtype.category == D.FLOAT else D.int64
    res = wrap(np.asarray(np.trace(input._data), dt.np, like=input._data), dt)
    shape = tuple(input.shape)

    return graph.attach(res, "TraceBackward0", (input,),  # the gradient lands on the diagonal
                        lambda g: onto_diagonal(g, shape, 0, 0, 1))
