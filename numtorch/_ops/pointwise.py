"""Elementwise ops: type promotion, out=/in-place handling, then one backend call.

Every public elementwise function funnels into `_binary`, `_unary` or `_ternary`, which pick the
result dtype with PyTorch's rules, convert operands to the compute dtype (float16 computes in
float32), and let the backend run the Numba kernel straight into the destination when it can.
"""

import math

import numpy as np

from .. import _dtype as D
from .. import opcodes
from ..autograd import grad_mode, graph
from ..backend import elementwise as backend
from ..backend import small
from ..tensor import Tensor, _new, check_overlap, wrap


def compute_dtype(dt):
    return D.float32 if dt is D.float16 else dt


def np_scalar(x, dt):
    """A Python scalar as a NumPy scalar of dt; integers wrap as PyTorch's do (uint8 + 300)."""
    if dt.category == D.FLOAT:
        return dt.np.type(x)
    if isinstance(x, float):
        x = int(x)
    return np.array(x).astype(dt.np)[()]


def as_array(x, dt):
    if isinstance(x, Tensor):
        a = x._data
        return a if a.dtype == dt.np else a.astype(dt.np)
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return np_scalar(x, dt)
    raise TypeError(f"unsupported operand type: expected Tensor or Number, got "
                    f"{type(x).__name__}")


def _check_operand(x, name):
    if not isinstance(x, (Tensor, bool, int, float, np.number, np.bool_)):
        raise TypeError(f"{name}(): argument 'other' must be Tensor or Number, not "
                        f"{type(x).__name__}")


def deliver(res, res_dtype, out=None, inplace=None):
    """Wrap a freshly computed array, or copy it into out=/the in-place target."""
    if res.dtype != res_dtype.np:
        with np.errstate(over="ignore"):  # (a float64 result past float32's range is inf)
            res = res.astype(res_dtype.np)
    target = inplace if inplace is not None else out
    if target is None:
        return wrap(res, res_dtype)
    D.check_cast(res_dtype, target._dtype)
    check_overlap(target)
    if inplace is not None:
        check_inplace_shape(target, res.shape)
        target._data[...] = res
    elif target._data.shape != res.shape:
        target._data = res.astype(target._dtype.np)
    else:
        target._data[...] = res
    target._bump()
    return target


_type_name = D.type_name


def check_inplace_shape(target, shape):
    if tuple(target._data.shape) != tuple(shape):
        raise RuntimeError(f"output with shape {list(target._data.shape)} doesn't match the "
                           f"broadcast shape {list(shape)}")


def _run_into(family, op, operands, shape, out_np_dtype, res_dtype, out, inplace):
    """Run the kernel straight into the destination when its dtype and shape fit."""
    target = inplace if inplace is not None else out
    if (target is not None and target._data.shape == shape
            and target._data.dtype == out_np_dtype):
        D.check_cast(res_dtype, target._dtype)
        check_overlap(target)
        backend.run(family, op, operands, target._data)
        target._bump()
        return target
    res = backend.empty_for(shape, out_np_dtype, operands)
    backend.run(family, op, operands, res)
    return deliver(res, res_dtype, out, inplace)


def _binary(family, op, a, b, res_dtype, cd, out=None, inplace=None, out_np_dtype=None):
    A = as_array(a, cd)
    B = as_array(b, cd)
    shape = backend.broadcast_shapes(np.shape(A), np.shape(B))
    return _run_into(family, op, (A, B), shape,
                     out_np_dtype if out_np_dtype is not None else cd.np,
                     res_dtype, out, inplace)


def _fast_binary(op, a, b, record=True):
    """The hot case of small models: a float tensor with a same-dtype tensor of the same shape,
    or with a Python number.  Skips promotion and broadcasting; None when it doesn't apply.
    Ordered for `a + b` on a few elements, where every attribute read shows (~1 us an op)."""
    if not isinstance(a, Tensor):
        return None
    dt = a._dtype
    if dt is not _F32 and dt is not _F64:
        return None
    x = a._data
    if isinstance(b, Tensor):
        if b._dtype is not dt:
            return None
        y = b._data
        if x.shape == y.shape and type(x) is np.ndarray and type(y) is np.ndarray \
                and x.size < _BCAST_FAST_MAX and x.flags.carray and y.flags.carray:
            # (the layout, aligned and writeable, that _SMALL's entry points were built for)
            res = np.empty(x.shape, x.dtype)
            (_BINARY[x.dtype][x.ndim] or small.learn_binary(op, x, y, res))(op, x, y, res)
        elif type(x) is not type(y):  # different devices: the general path reports it
            return None
        elif x.shape != y.shape:
            res = _small_bcast(op, x, y)
            if res is None:
                shape = backend.broadcast_shapes(x.shape, y.shape)
                if len(shape) > 4 or math.prod(shape) > _BCAST_FAST_MAX:
                    return None
                res = backend.run_broadcast(op, x, y, shape)
                if res is None:
                    return None
        else:
            res = backend.run_simple("binary", op, x, y)
            if res is None:
                return None
        grad = a._requires_grad or b._requires_grad
    elif (type(b) is float or type(b) is int) and -1e38 < b < 1e38:  # noqa: E721  (no bools)
        if type(x) is np.ndarray and x.size < _BCAST_FAST_MAX and x.flags.carray:
            res = np.empty(x.shape, x.dtype)
            # the entry point converts b to x's dtype as np.float32(b) would
            (_BINARY_SCALAR[x.dtype][x.ndim] or small.learn_binary_scalar(op, x, b, res))(
                op, x, b, res)
        else:
            res = backend.run_simple("binary", op, x, dt.np.type(b))
            if res is None:
                return None
        grad = a._requires_grad
    else:
        return None
    out = _new(Tensor)  # wrap(), inlined: this is the hottest path in a small model
    out._data = res
    out._dtype = dt
    out._version = [0]
    return record_binary(op, out, a, b) if grad and record else out


_F32, _F64 = D.float32, D.float64
# the entry tables of the two hottest small kernels, looked up in the line that calls them
_BINARY, _BINARY_SCALAR = small.BINARY, small.BINARY_SCALAR


def _small_bcast(op, x, y):
    """x op y for small C-contiguous host arrays of one float dtype where one operand is a
    single element or a single row of the other's last dim (`x @ w + b`, `y - 1`-shaped
    constants): a direct kernel call, without broadcast_shapes or 4-D reshapes; None for any
    other pair."""
    if type(x) is not np.ndarray or not (x.flags.carray and y.flags.carray):
        return None
    big, vec, swap = (x, y, False) if x.size >= y.size else (y, x, True)
    m = vec.size
    if not 0 < big.size < _BCAST_FAST_MAX or vec.ndim > big.ndim or big.ndim > 7:
        return None
    res = np.empty(big.shape, big.dtype)
    if m == 1:  # a number in a tensor: its value, exactly, as the scalar kernels take it
        s = vec.item()
        if swap:
            small.binary_scalar_left(op, s, big, res)
        else:
            small.binary_scalar(op, big, s, res)
        return res
    if vec.shape[-1] != m or big.shape[-1] != m:
        return None
    small.binary_rowvec(op, big, vec, res, swap)
    return res


def _fast_inplace(op, t, b):
    """`t op= b` for a float t and a same-dtype, same-shape tensor or a Python number, written
    straight into t; False when the general path is needed."""
    dt = t._dtype
    if dt is not _F32 and dt is not _F64:
        return False
    x = t._data
    if isinstance(b, Tensor):
        if b._dtype is not dt:
            return False
        y = b._data
        if x.shape == y.shape and type(x) is np.ndarray and type(y) is np.ndarray \
                and x.size < _BCAST_FAST_MAX and x.flags.carray and y.flags.carray:
            (_BINARY[x.dtype][x.ndim] or small.learn_binary(op, x, y, x))(op, x, y, x)
        else:
            check_overlap(t)
            if backend.run_simple("binary", op, x, y, out=x) is None:
                return False
    elif type(b) is float or type(b) is int:  # noqa: E721  (bool must not match)
        check_overlap(t)
        if backend.run_simple("binary", op, x, dt.np.type(b), out=x) is None:
            return False
    else:
        return False
    t._bump()
    return True


_BCAST_FAST_MAX = small.SMALL_MAX


def _small_float(t):
    """t's array when t is a float32/float64 CPU tensor, C-contiguous and small enough for the
    serial kernels: the layout the fast paths below take.  None otherwise."""
    if not isinstance(t, Tensor) or (t._dtype is not D.float32 and t._dtype is not D.float64):
        return None
    x = t._data
    if type(x) is not np.ndarray or not x.flags.c_contiguous or x.size >= _BCAST_FAST_MAX:
        return None
    return x


def _number(v, dt):
    """v as a scalar of float dtype dt when v is a plain Python int/float that dtype holds;
    None otherwise (bools, NumPy scalars and huge values take the general path)."""
    if (type(v) is float or type(v) is int) and -1e38 < v < 1e38:  # noqa: E721  (abs is ours)
        return dt.np.type(v)
    return None


def _fast_compare(op, a, b):
    """a <op> b for a small float tensor and a same-shape, same-dtype one or a number."""
    x = _small_float(a)
    if x is None:
        return None
    if isinstance(b, Tensor):
        y = _small_float(b)
        if y is None or b._dtype is not a._dtype or y.shape != x.shape:
            return None
        out = np.empty(x.shape, np.bool_)
        small.compare(op, x, y, out)
    else:
        s = _number(b, a._dtype)
        if s is None:
            return None
        out = np.empty(x.shape, np.bool_)
        small.compare_scalar(op, x, s, out)
    return wrap(out, D.bool_)


def _fast_binary_left(op, s, b):
    """s <op> b for a Python number s and a small float tensor b (1 - x, 1 / x)."""
    x = _small_float(b)
    v = None if x is None else _number(s, b._dtype)
    if v is None:
        return None
    out = np.empty(x.shape, x.dtype)
    small.binary_scalar_left(op, v, x, out)
    res = wrap(out, b._dtype)
    return record_binary(op, res, s, b) if b._requires_grad else res


# ---- derivatives of the binary arithmetic ops, written with tensor ops (so they nest) ----
def _max_grad(g, a, b, sign):
    """Gradient to `a` of maximum(a, b) (sign 1) or minimum (-1), as PyTorch defines it: all
    of it unless a loses, half on ties -- so where either side is NaN both get all of it."""
    lose = lt(a, b) if sign > 0 else gt(a, b)
    return where(lose, 0.0, where(eq(a, b), g * 0.5, g))


# op -> (name, saves inputs, d/da, d/db); each derivative is (g, a, b) -> tensor and is only
# called for an input that requires grad
_BINARY_GRADS = {
    opcodes.ADD: ("AddBackward0", False, lambda g, a, b: g, lambda g, a, b: g),
    opcodes.SUB: ("SubBackward0", False, lambda g, a, b: g, lambda g, a, b: -g),
    opcodes.MUL: ("MulBackward0", True, lambda g, a, b: g * b, lambda g, a, b: g * a),
    opcodes.DIV: ("DivBackward0", True, lambda g, a, b: g / b, lambda g, a, b: -g * a / (b * b)),
    opcodes.MAXIMUM: ("MaximumBackward0", True, lambda g, a, b: _max_grad(g, a, b, 1),
                lambda g, a, b: _max_grad(g, b, a, 1)),
    opcodes.MINIMUM: ("MinimumBackward0", True, lambda g, a, b: _max_grad(g, a, b, -1),
                lambda g, a, b: _max_grad(g, b, a, -1)),
    opcodes.REM: ("RemainderBackward0", True, lambda g, a, b: g,
            lambda g, a, b: -g * floor_divide(a, b)),
    opcodes.FMOD: ("FmodBackward0", True, lambda g, a, b: g,
             lambda g, a, b: -g * div(a, b, rounding_mode="trunc")),
    # PyTorch's conventions at 0: x**0 has slope 0, and 0**b (b >= 0) has slope 0 in b
    opcodes.POW: ("PowBackward1", True, lambda g, a, b: where(eq(b, 0), 0.0, g * b * pow(a, b - 1)),
            lambda g, a, b: where(logical_and(eq(a, 0), ge(b, 0)), 0.0,
                                  g * pow(a, b) * log(a))),
    # PyTorch's atan2 partials are g * b * r and g * -a * r with r = 1 / (a^2 + b^2) taken
    # as 0 where a == b == 0 (an infinite g still gives NaN there, and an r that overflows
    # makes 0 * inf = NaN, as in PyTorch); hypot's at 0 is NaN, as 0/0
    opcodes.ATAN2: ("Atan2Backward0", True, lambda g, a, b: g * b * _atan2_scale(a, b),
              lambda g, a, b: g * -a * _atan2_scale(a, b)),
    opcodes.HYPOT: ("HypotBackward0", True, lambda g, a, b: g * a / hypot(a, b),
              lambda g, a, b: g * b / hypot(a, b)),
}


def _atan2_scale(a, b):
    d = a * a + b * b
    return where(eq(d, 0), 0.0, reciprocal(d))


def record_binary(op, res, a, b):
    """Attach the graph node of binary op `op` (see _BINARY_GRADS) to res when needed."""
    need_a = getattr(a, "_requires_grad", False)
    need_b = getattr(b, "_requires_grad", False)
    if not (need_a or need_b) or not grad_mode._state.enabled:
        return res
    entry = _BINARY_GRADS.get(op)
    if entry is None or res._dtype.category != D.FLOAT:
        return res
    name, saves, grad_a, grad_b = entry
    if op == opcodes.SUB and not isinstance(a, Tensor):  # 1 - x is rsub(x, 1)
        return graph.attach(res, "RsubBackward1", (b,), lambda g: -g)
    if op == opcodes.POW and not isinstance(a, Tensor):  # 2 ** x
        return graph.attach(res, "PowBackward2", (b,),
                            lambda g, y: g * y * math.log(a), (res,))
    if op == opcodes.POW and not isinstance(b, Tensor):  # x ** 2
        return graph.attach(res, "PowBackward0", (a,),
                            lambda g, x: g * 0.0 if b == 0 else
                            g * b * (x if b == 2 else pow(x, b - 1)), (a,))

    def backward(g, x=None, y=None, _result=None):
        return (grad_a(g, x, y) if need_a else None, grad_b(g, x, y) if need_b else None)
    if not saves:
        return graph.attach(res, name, (a, b), backward)
    # save what PyTorch's node saves, no more and no less: an in-place write to a saved
    # tensor fails the version check at backward there, so it must here, and only then
    keep_a, keep_b = _SAVE_RULES.get(op, _keep_both)(need_a, need_b)
    saved = (a if keep_a else None, b if keep_b else None)
    return graph.attach(res, name, (a, b), backward,
                        saved + (res,) if op in _SAVES_RESULT else saved)


_SAVES_RESULT = (opcodes.POW, opcodes.HYPOT)


def _keep_both(need_a, need_b):
    return True, True


# (which of a, b a node keeps, given which need a gradient): a * b keeps b for a's gradient
# and a for b's; a / b always keeps b; remainder and fmod keep both only for b's gradient
_SAVE_RULES = {
    opcodes.MUL: lambda need_a, need_b: (need_b, need_a),
    opcodes.DIV: lambda need_a, need_b: (need_b, True),
    opcodes.REM: lambda need_a, need_b: (need_b, need_b),
    opcodes.FMOD: lambda need_a, need_b: (need_b, need_b),
}


def _arith(op, name, a, b, out=None, inplace=None, grad=True):
    """Binary arithmetic with promotion; records its graph node unless grad=False (callers that
    record a different node themselves) or writing into out=/in place."""
    if out is not None and graph.requires_grad(a, b):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")
    if out is None and inplace is None:
        res = _fast_binary(op, a, b, grad)
        if res is not None:
            return res
    res = _arith_forward(op, name, a, b, out, inplace)
    if out is not None or inplace is not None or not grad:
        return res
    return record_binary(op, res, a, b)


def _arith_forward(op, name, a, b, out, inplace):
    _check_operand(b, name)
    _check_operand(a, name)
    dt = D.result_type(a, b)
    if op == opcodes.SUB and any(_is_bool(x) for x in (a, b)) and dt is not D.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")
    if dt is D.bool_:
        if op == opcodes.ADD or op == opcodes.MAXIMUM:
            return _binary("compare", opcodes.LOR, a, b, dt, dt, out, inplace, np.bool_)
        if op == opcodes.MUL or op == opcodes.MINIMUM:
            return _binary("compare", opcodes.LAND, a, b, dt, dt, out, inplace, np.bool_)
        if op == opcodes.SUB:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        if op in _NO_BOOL_KERNEL:
            raise NotImplementedError(f"\"{_NO_BOOL_KERNEL[op]}\" not implemented for 'Bool'")
        dt_c = D.int64
        res = _binary("binary", op, a, b, dt_c, dt_c)
        return deliver(res._data.astype(np.bool_), dt, out, inplace)
    if op in (opcodes.FLOORDIV, opcodes.TRUNCDIV, opcodes.REM, opcodes.FMOD) and \
            dt.category != D.FLOAT:
        if not (isinstance(a, Tensor) and a.numel() == 0):  # nothing divided, nothing raised
            _check_int_zero(b)
        op = {opcodes.REM: opcodes.REM_INT, opcodes.FMOD: opcodes.FMOD_INT}.get(op, op)
    if op == opcodes.POW and dt.category != D.FLOAT:
        if not isinstance(b, Tensor):
            _check_int_pow(b)
        elif (b._data < 0).any():
            return _int_pow_negative(a, b, dt, out, inplace)
        op = opcodes.POW_INT
    cd = compute_dtype(dt)
    return _binary("binary", op, a, b, dt, cd, out, inplace)


# ops PyTorch has no bool kernel for (their CPU kernel names, for the message)
_NO_BOOL_KERNEL = {opcodes.FLOORDIV: "div_floor_cpu", opcodes.TRUNCDIV: "div_trunc_cpu",
                   opcodes.REM: "remainder_cpu", opcodes.FMOD: "fmod_cpu", opcodes.POW: "pow",
                   opcodes.HYPOT: "hypot_cpu"}


def _is_bool(x):
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x.dtype is D.bool_)


def _check_int_zero(b):
    zero = (b._data == 0).any() if isinstance(b, Tensor) else b == 0
    if zero:
        raise RuntimeError("ZeroDivisionError")


def _int_pow_negative(a, b, dt, out, inplace):
    """Integer tensors to integer tensor powers with negative entries, as PyTorch computes
    them: x ** -n is 1 for x == 1, +-1 for x == -1, and 0 otherwise (0 ** -n included)."""
    nonneg = _binary("binary", opcodes.POW_INT, a, maximum(b, 0), dt, dt)._data
    x = a._data if isinstance(a, Tensor) else np.asarray(a)
    y = b._data
    neg_res = np.where(x == 1, 1, np.where(x == -1, np.where(y % 2 == 0, 1, -1), 0))
    return deliver(np.where(y < 0, neg_res, nonneg).astype(dt.np), dt, out, inplace)


def _check_int_pow(b):
    neg = (b._data < 0).any() if isinstance(b, Tensor) else b < 0
    if neg:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def _scaled(other, alpha, name):
    if alpha == 1:
        return other
    if isinstance(other, Tensor):
        if isinstance(alpha, float) and other._dtype.category != D.FLOAT:
            raise RuntimeError("For integral input tensors, argument alpha must not be a "
                               "floating point number.")
        return mul(other, alpha)
    return other * alpha


def add(input, other, *, alpha=1, out=None):
    return _arith(opcodes.ADD, "add", input, _scaled(other, alpha, "add"), out)


def sub(input, other, *, alpha=1, out=None):
    return _arith(opcodes.SUB, "sub", input, _scaled(other, alpha, "sub"), out)


subtract = sub


def rsub(input, other, *, alpha=1):
    return _arith(opcodes.SUB, "rsub", other, _scaled(input, alpha, "rsub"))


def mul(input, other, *, out=None):
    return _arith(opcodes.MUL, "mul", input, other, out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return true_divide(input, other, out=out)
    if rounding_mode in ("trunc", "floor"):
        op = opcodes.TRUNCDIV if rounding_mode == "trunc" else opcodes.FLOORDIV
        res = _arith(op, "div", input, other, out, grad=False)
        if out is not None or res.dtype.category != D.FLOAT:
            return res
        # a step function: zero gradient almost everywhere (PyTorch's DivBackward2)
        return graph.attach(res, "DivBackward2", (input, other),
                            lambda g: (_zero_grad(g, None), _zero_grad(g, None)))
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


divide = div


def true_divide(input, other, *, out=None, inplace=None):
    if out is None and inplace is None:
        res = _fast_binary(opcodes.DIV, input, other)
        if res is not None:
            return res
    _check_operand(other, "div")
    dt = D.result_type(input, other)
    if dt.category != D.FLOAT:
        dt = D.get_default_dtype()
    res = _binary("binary", opcodes.DIV, input, other, dt, compute_dtype(dt), out, inplace)
    if out is not None or inplace is not None:
        return res
    return record_binary(opcodes.DIV, res, input, other)


def floor_divide(input, other, *, out=None):
    res = _arith(opcodes.FLOORDIV, "floor_divide", input, other, out, grad=False)
    if out is not None or res.dtype.category != D.FLOAT:
        return res
    return graph.attach(res, "NotImplemented", (input, other), _no_floor_divide_grad)


def _no_floor_divide_grad(g):
    raise RuntimeError("derivative for aten::floor_divide is not implemented")


def remainder(input, other, *, out=None):
    return _arith(opcodes.REM, "remainder", input, other, out)


def fmod(input, other, *, out=None):
    return _arith(opcodes.FMOD, "fmod", input, other, out)


def pow(input, exponent, *, out=None):
    # x ** 2 as x * x: one vectorised multiply instead of a pow call per element
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) \
            and not isinstance(exponent, bool) and exponent == 2 and input.dtype is not D.bool_ \
            and (isinstance(exponent, int) or input.dtype.is_floating_point):
        res = _arith(opcodes.MUL, "pow", input, input, out, grad=False)
    elif isinstance(input, Tensor) and input.dtype.is_floating_point and \
            root_op(exponent) is not None:
        res = _unary_forward(root_op(exponent), input, out, None)
    else:
        res = _arith(opcodes.POW, "pow", input, exponent, out, grad=False)
    return res if out is not None else record_binary(opcodes.POW, res, input, exponent)


def root_op(exponent):
    """SQRT / RSQRT for a Python exponent of 0.5 / -0.5, else None: PyTorch computes those
    as (r)sqrt, so (-inf) ** 0.5 is nan (C pow's is inf) and (-0.) ** 0.5 is -0."""
    if type(exponent) is float and (exponent == 0.5 or exponent == -0.5):
        return opcodes.SQRT if exponent > 0 else opcodes.RSQRT
    return None


def float_power(input, exponent, *, out=None):
    a = input.double() if isinstance(input, Tensor) else float(input)
    b = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return _arith(opcodes.POW, "float_power", a, b, out)


def maximum(input, other, *, out=None):
    return _arith(opcodes.MAXIMUM, "maximum", input, other, out)


def minimum(input, other, *, out=None):
    return _arith(opcodes.MINIMUM, "minimum", input, other, out)


def _nan_ignoring(extreme, input, other, out):
    """fmax/fmin: like maximum/minimum, but a NaN loses to a number (NaN only if both are)."""
    if D.result_type(input, other).category != D.FLOAT:
        return extreme(input, other, out=out)
    a = input if isinstance(input, Tensor) else wrap(np.asarray(input))
    b = other if isinstance(other, Tensor) else wrap(np.asarray(other))
    with grad_mode.no_grad():
        res = where(isnan(a), b, where(isnan(b), a, extreme(a, b)))
    if out is not None:
        return deliver(res._data, res.dtype, out)
    # PyTorch: a gets all of the gradient where it wins, ties included, or where b is NaN
    wins = ge if extreme is maximum else le
    name = "FmaxBackward0" if extreme is maximum else "FminBackward0"

    def backward(g, x, y):
        keep = logical_or(wins(x, y), isnan(y))
        return where(keep, g, 0.0), where(keep, 0.0, g)
    return graph.attach(res, name, (a, b), backward, (a, b))


def fmax(input, other, *, out=None):
    return _nan_ignoring(maximum, input, other, out)


def fmin(input, other, *, out=None):
    return _nan_ignoring(minimum, input, other, out)


def _float_binary(op, a, b, out=None):
    dt = D.result_type(a, b)
    if dt is D.bool_ and op in _NO_BOOL_KERNEL:
        raise NotImplementedError(f"\"{_NO_BOOL_KERNEL[op]}\" not implemented for 'Bool'")
    if op == opcodes.HYPOT and dt.category != D.FLOAT:  # hypot has no integer kernel either
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{_type_name(dt)}'")
    if dt.category != D.FLOAT:
        dt = D.get_default_dtype()
    res = _binary("binary", op, a, b, dt, compute_dtype(dt), out)
    return res if out is not None else record_binary(op, res, a, b)


def atan2(input, other, *, out=None):
    return _float_binary(opcodes.ATAN2, input, other, out)


arctan2 = atan2


def hypot(input, other, *, out=None):
    return _float_binary(opcodes.HYPOT, input, other, out)


# ---- comparisons and logical -------------------------------------------------------------
def _compare(op, a, b, out=None, inplace=None):
    if out is None and inplace is None:
        res = _fast_compare(op, a, b)
        if res is not None:
            return res
    _check_operand(b, "comparison")
    dt = D.result_type(a, b)
    cd = compute_dtype(dt)
    if inplace is not None:
        res = _binary("compare", op, a, b, D.bool_, cd, out_np_dtype=np.bool_)
        return deliver(res._data, inplace._dtype, inplace=inplace)
    return _binary("compare", op, a, b, D.bool_, cd, out, None, np.bool_)


def eq(input, other, *, out=None):
    return _compare(opcodes.EQ, input, other, out)


def ne(input, other, *, out=None):
    return _compare(opcodes.NE, input, other, out)


def lt(input, other, *, out=None):
    return _compare(opcodes.LT, input, other, out)


def le(input, other, *, out=None):
    return _compare(opcodes.LE, input, other, out)


def gt(input, other, *, out=None):
    return _compare(opcodes.GT, input, other, out)


def ge(input, other, *, out=None):
    return _compare(opcodes.GE, input, other, out)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_and(input, other, *, out=None):
    return _compare(opcodes.LAND, input, other, out)


def logical_or(input, other, *, out=None):
    return _compare(opcodes.LOR, input, other, out)


def logical_xor(input, other, *, out=None):
    return _compare(opcodes.LXOR, input, other, out)


def logical_not(input, *, out=None):
    return _compare(opcodes.EQ, input, False if input.dtype is D.bool_ else 0, out)


# ---- bitwise -----------------------------------------------------------------------------
def _bitwise(op, name, a, b, out=None, inplace=None):
    _check_operand(b, name)
    dt = D.result_type(a, b)
    if dt.category == D.FLOAT or (dt is D.bool_ and name.endswith("shift")):
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_type_name(dt)}'")
    return _binary("bitwise", op, a, b, dt, dt, out, inplace)


def bitwise_and(input, other, *, out=None):
    return _bitwise(opcodes.BAND, "bitwise_and", input, other, out)


def bitwise_or(input, other, *, out=None):
    return _bitwise(opcodes.BOR, "bitwise_or", input, other, out)


def bitwise_xor(input, other, *, out=None):
    return _bitwise(opcodes.BXOR, "bitwise_xor", input, other, out)


def bitwise_left_shift(input, other, *, out=None):
    return _shift(opcodes.LSHIFT, "lshift", input, other, out)


def bitwise_right_shift(input, other, *, out=None):
    return _shift(opcodes.RSHIFT, "rshift", input, other, out)


def _shift(op, name, a, b, out):
    """A shift by a negative amount or by the width or more is undefined in the kernels' C
    semantics; PyTorch defines it as 0 (left) or the sign fill (right), so those elements
    are fixed up after the kernel."""
    res = _bitwise(op, name, a, b, out)
    bits = 8 * res.dtype.np.itemsize
    if isinstance(b, Tensor):
        bad = logical_or(lt(b, 0), ge(b, bits))
        if not bool(bad.any()):
            return res
    elif 0 <= b < bits:
        return res
    else:
        bad = wrap(np.ones((), np.bool_), D.bool_)
    fill = 0 if op == opcodes.LSHIFT else lt(a, 0).to(res.dtype).neg()
    return where(bad, fill, res, out=res)


def invert(input):
    """The ~ operator: PyTorch's operator raises TypeError on floats (bitwise_not raises
    NotImplementedError)."""
    if input.dtype.category == D.FLOAT:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(input)


def bitwise_not(input, *, out=None):
    if input.dtype.category == D.FLOAT:
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for "
                                  f"'{_type_name(input.dtype)}'")
    if input.dtype is D.bool_:
        return logical_not(input, out=out)
    return _unary_into("int_unary", opcodes.BITNOT, input, input.dtype, out, None)


# ---- unary -------------------------------------------------------------------------------
def _unary_into(family, op, x, res_dtype, out, inplace, out_np_dtype=None):
    cd = compute_dtype(res_dtype) if family != "predicate" else compute_dtype(x.dtype)
    A = as_array(x, cd)
    return _run_into(family, op, (A,), A.shape,
                     out_np_dtype if out_np_dtype is not None else cd.np,
                     res_dtype, out, inplace)


def _zero_grad(g, s):
    """Zeros shaped like g (g * 0 would turn an inf or NaN in g into NaN; PyTorch's are 0)."""
    return wrap(np.zeros(g._data.shape, g._data.dtype, like=g._data), g.dtype)


# op code -> (grad_fn name, saves the input "x" or the output "out", d(g, saved))
def _small_pair(a, b):
    """The arrays of a and b when both are small float CPU tensors (see _small_float) of one
    shape and dtype, and no graph of the computation is wanted: the numeric-backward case.
    None otherwise."""
    if grad_mode._state.enabled:
        return None
    x, y = _small_float(a), _small_float(b)
    if x is None or y is None or x.shape != y.shape or x.dtype != y.dtype:
        return None
    return x, y


def _fused_grad(op, formula):
    """The derivative formula(g, saved) of unary op `op`, as one kernel call
    (unary_grad_small) when no graph of it is wanted -- the formula's 2-3 tensor ops cost
    ~10 us at the sizes of a small model; with create_graph=True the formula runs."""
    def grad(g, s):
        pair = _small_pair(g, s)
        if pair is None:
            return formula(g, s)
        x, y = pair
        out = np.empty(x.shape, x.dtype)
        small.unary_grad(op, x, y, out)
        return wrap(out, g._dtype)
    return grad


_UNARY_GRADS = {
    opcodes.NEG: ("NegBackward0", None, lambda g, s: -g),
    opcodes.ABS: ("AbsBackward0", "x", lambda g, x: g * sign(x)),
    opcodes.SIGN: ("SignBackward0", None, _zero_grad),
    opcodes.EXP: ("ExpBackward0", "out", lambda g, y: g * y),
    opcodes.EXP2: ("Exp2Backward0", "out", lambda g, y: g * y * math.log(2.0)),
    opcodes.LOG: ("LogBackward0", "x", lambda g, x: g / x),
    opcodes.LOG2: ("Log2Backward0", "x", lambda g, x: g / (x * math.log(2.0))),
    opcodes.LOG10: ("Log10Backward0", "x", lambda g, x: g / (x * math.log(10.0))),
    opcodes.LOG1P: ("Log1PBackward0", "x", lambda g, x: g / (x + 1)),
    opcodes.EXPM1: ("Expm1Backward0", "out", lambda g, y: g * (y + 1)),
    opcodes.SQRT: ("SqrtBackward0", "out", lambda g, y: g / (2 * y)),
    # (the power first, as PyTorch: y * y can overflow to inf where g * y * y would not)
    opcodes.RSQRT: ("RsqrtBackward0", "out", lambda g, y: -0.5 * g * (y * y * y)),
    opcodes.SIN: ("SinBackward0", "x", lambda g, x: g * cos(x)),
    opcodes.COS: ("CosBackward0", "x", lambda g, x: -g * sin(x)),
    opcodes.TAN: ("TanBackward0", "out", lambda g, y: g * (1 + y * y)),
    opcodes.ASIN: ("AsinBackward0", "x", lambda g, x: g * rsqrt(1 - x * x)),
    opcodes.ACOS: ("AcosBackward0", "x", lambda g, x: -g * rsqrt(1 - x * x)),
    opcodes.ATAN: ("AtanBackward0", "x", lambda g, x: g / (1 + x * x)),
    opcodes.SINH: ("SinhBackward0", "x", lambda g, x: g * cosh(x)),
    opcodes.COSH: ("CoshBackward0", "x", lambda g, x: g * sinh(x)),
    opcodes.TANH: ("TanhBackward0", "out", _fused_grad(opcodes.TANH, lambda g, y: g * (1 - y * y))),
    opcodes.ASINH: ("AsinhBackward0", "x", lambda g, x: g * rsqrt(x * x + 1)),
    opcodes.ACOSH: ("AcoshBackward0", "x", lambda g, x: g * rsqrt(x * x - 1)),
    opcodes.ATANH: ("AtanhBackward0", "x", lambda g, x: g / (1 - x * x)),
    opcodes.SIGMOID: ("SigmoidBackward0", "out",
                      _fused_grad(opcodes.SIGMOID, lambda g, y: g * y * (1 - y))),
    # PyTorch passes the gradient wherever the result is not <= 0 (so NaN passes it too)
    opcodes.RELU: ("ReluBackward0", "out",
                   _fused_grad(opcodes.RELU, lambda g, y: where(le(y, 0), 0.0, g))),
    opcodes.FLOOR: ("FloorBackward0", None, _zero_grad),
    opcodes.CEIL: ("CeilBackward0", None, _zero_grad),
    opcodes.ROUND: ("RoundBackward0", None, _zero_grad),
    opcodes.TRUNC: ("TruncBackward0", None, _zero_grad),
    opcodes.FRAC: ("FracBackward0", None, lambda g, s: g),
    opcodes.RECIPROCAL: ("ReciprocalBackward0", "out", lambda g, y: -g * (y * y)),
    opcodes.SQUARE: ("PowBackward0", "x", lambda g, x: 2 * g * x),
    opcodes.ERF: ("ErfBackward0", "x",
            lambda g, x: g * (2 / math.sqrt(math.pi)) * exp(-(x * x))),
    opcodes.ERFC: ("ErfcBackward0", "x",
             lambda g, x: -g * (2 / math.sqrt(math.pi)) * exp(-(x * x))),
    opcodes.SILU: ("SiluBackward0", "x",
             lambda g, x: g * sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
    opcodes.SOFTPLUS: ("SoftplusBackward0", "x", lambda g, x: g * sigmoid(x)),
    # NaN outside [0, 1], where logit itself is NaN (PyTorch's LogitBackward0); x(1 - x) is
    # >= 0 inside, and abs() makes its zero at x = -0.0 a +0 (so +inf, as in PyTorch)
    opcodes.LOGIT: ("LogitBackward0", "x",
                    lambda g, x: where(logical_or(lt(x, 0), gt(x, 1)), math.nan,
                                       g / abs(x * (1 - x)))),
    opcodes.GELU: ("GeluBackward0", "x",
             lambda g, x: g * (0.5 * (1 + erf(x * 0.7071067811865476))
                               + x * exp(-0.5 * x * x) * 0.3989422804014327)),
}


def record_unary(op, res, x):
    """Attach the graph node of unary op `op` (see _UNARY_GRADS) to res when needed."""
    if not (graph.requires_grad(x) and res.dtype.category == D.FLOAT):
        return res
    name, saves, grad = _UNARY_GRADS[op]
    if saves is None:
        return graph.attach(res, name, (x,), lambda g: grad(g, None))
    return graph.attach(res, name, (x,), grad, (x if saves == "x" else res,))


def unary(op, x, out=None, inplace=None):
    """Float math on x; integer inputs promote to the default float dtype (sqrt(int) -> float),
    except ops that keep integers (neg, abs, sign, relu, square).  Records its graph node
    unless writing into out= or in place."""
    if out is None and inplace is None and isinstance(x, Tensor):
        # the hot case (a small model's activations): a small float C-contiguous host tensor,
        # straight into unary_small's entry point (the sizes where NumPy's loops would be
        # used instead start at backend.NUMPY_UNARY_MIN)
        dt, a = x._dtype, x._data
        if (dt is _F32 or dt is _F64) and type(a) is np.ndarray and \
                a.size < backend.NUMPY_UNARY_MIN and a.flags.carray:
            arr = np.empty(a.shape, a.dtype)
            small.unary(op, a, arr)
            res = wrap(arr, dt)
            return record_unary(op, res, x) if x._requires_grad else res
    if out is not None and graph.requires_grad(x):
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    res = _unary_forward(op, x, out, inplace)
    if out is None and inplace is None:
        return record_unary(op, res, x)
    return res


# bool inputs PyTorch refuses for these unary ops (its CPU kernel names, for the message)
_BOOL_UNARY_ERRORS = {
    opcodes.ABS: (NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
    opcodes.RELU: (RuntimeError, "Boolean inputs not supported for relu"),
    **{op: (NotImplementedError, f"\"{name}_vml_cpu\" not implemented for 'Bool'")
       for op, name in ((opcodes.FLOOR, "floor"), (opcodes.CEIL, "ceil"), (opcodes.ROUND, "round"),
                        (opcodes.TRUNC, "trunc"))}}


def _unary_forward(op, x, out, inplace):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected Tensor as element 0 in argument 0, but got "
                        f"{type(x).__name__}")
    dt = x._dtype
    if dt is D.bool_ and op in _BOOL_UNARY_ERRORS:
        exc, message = _BOOL_UNARY_ERRORS[op]
        raise exc(message)
    if dt is D.bool_ and op == opcodes.SQUARE:  # PyTorch squares bools as int64
        return _unary_forward(op, x.long(), out, inplace)
    if out is None and inplace is None and dt.category == D.FLOAT and dt is not D.float16:
        res = backend.run_simple("unary", op, x._data)
        if res is not None:
            return wrap(res, dt)
    if dt.category != D.FLOAT:
        if op in opcodes.INT_UNARY:
            if dt is D.bool_:
                if op == opcodes.NEG:
                    raise RuntimeError("Negation, the `-` operator, on a bool tensor is not "
                                       "supported. If you are trying to invert a mask, use "
                                       "the `~` or `logical_not()` operator instead.")
                r = _unary_into("int_unary", op, x, D.uint8, None, None)
                return deliver(r._data.astype(np.bool_), D.bool_, out, inplace)
            return _unary_into("int_unary", op, x, dt, out, inplace)
        dt = D.get_default_dtype()
        if inplace is not None:
            D.check_cast(dt, inplace._dtype)
    return _unary_into("unary", op, x, dt, out, inplace)


# ---- the unary maths: each op's one line here makes torch.<name>, Tensor.<name> and the
# in-place Tensor.<name>_ (numtorch/__init__.py and numtorch/_methods.py read UNARY_OPS)
UNARY_OPS: dict = {}  # public name (aliases too) -> (function, op code)


def _register(fn, op, aliases=()):
    for name in (fn.__name__, *aliases):
        UNARY_OPS[name] = (fn, op)
    return fn


def _unary_fn(op, name, aliases=(), public=True):
    def fn(input, *, out=None):
        return unary(op, input, out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} (a Numba kernel; integer inputs give floats)."
    return _register(fn, op, aliases) if public else fn


neg = _unary_fn(opcodes.NEG, "neg", ("negative",))
abs = _unary_fn(opcodes.ABS, "abs", ("absolute",))
sign = _unary_fn(opcodes.SIGN, "sign")
exp = _unary_fn(opcodes.EXP, "exp")
exp2 = _unary_fn(opcodes.EXP2, "exp2")
log = _unary_fn(opcodes.LOG, "log")
log2 = _unary_fn(opcodes.LOG2, "log2")
log10 = _unary_fn(opcodes.LOG10, "log10")
log1p = _unary_fn(opcodes.LOG1P, "log1p")
expm1 = _unary_fn(opcodes.EXPM1, "expm1")
sqrt = _unary_fn(opcodes.SQRT, "sqrt")
rsqrt = _unary_fn(opcodes.RSQRT, "rsqrt")
sin = _unary_fn(opcodes.SIN, "sin")
cos = _unary_fn(opcodes.COS, "cos")
tan = _unary_fn(opcodes.TAN, "tan")
asin = _unary_fn(opcodes.ASIN, "asin", ("arcsin",))
acos = _unary_fn(opcodes.ACOS, "acos", ("arccos",))
atan = _unary_fn(opcodes.ATAN, "atan", ("arctan",))
sinh = _unary_fn(opcodes.SINH, "sinh")
cosh = _unary_fn(opcodes.COSH, "cosh")
tanh = _unary_fn(opcodes.TANH, "tanh")
asinh = _unary_fn(opcodes.ASINH, "asinh", ("arcsinh",))
acosh = _unary_fn(opcodes.ACOSH, "acosh", ("arccosh",))
atanh = _unary_fn(opcodes.ATANH, "atanh", ("arctanh",))
sigmoid = _unary_fn(opcodes.SIGMOID, "sigmoid")
relu = _unary_fn(opcodes.RELU, "relu")
reciprocal = _unary_fn(opcodes.RECIPROCAL, "reciprocal")
square = _unary_fn(opcodes.SQUARE, "square")
erf = _unary_fn(opcodes.ERF, "erf")
erfc = _unary_fn(opcodes.ERFC, "erfc")


def frac(input, *, out=None):
    if input.dtype.category != D.FLOAT:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for "
                                  f"'{_type_name(input.dtype)}'")
    return unary(opcodes.FRAC, input, out)


_register(frac, opcodes.FRAC)
silu = _unary_fn(opcodes.SILU, "silu", public=False)  # (nn.functional.silu; no torch.silu)


def logit(input, eps=None, *, out=None):
    x = input if eps is None else clamp(input, eps, 1 - eps)
    return unary(opcodes.LOGIT, x, out)


def _rounding(op, name, aliases=(), public=True):
    def fn(input, *, out=None):
        if input.dtype is D.bool_:
            exc, message = _BOOL_UNARY_ERRORS[op]
            raise exc(message)
        if input.dtype.category != D.FLOAT:  # rounding an integer is the identity
            return deliver(input._data.copy(), input.dtype, out)
        return unary(op, input, out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}; integer tensors are returned unchanged (copied)."
    return _register(fn, op, aliases) if public else fn


floor = _rounding(opcodes.FLOOR, "floor")
ceil = _rounding(opcodes.CEIL, "ceil")
trunc = _rounding(opcodes.TRUNC, "trunc", ("fix",))
_round = _rounding(opcodes.ROUND, "round", public=False)


def round(input, *, decimals=0, out=None):
    if decimals == 0:
        return _round(input, out=out)
    scale = 10.0 ** decimals
    return div(_round(mul(input, scale)), scale, out=out)


_register(round, opcodes.ROUND)


def _predicate(op, name, int_value):
    def fn(input):
        if input.dtype.category != D.FLOAT:
            return wrap(np.full(input._data.shape, int_value, np.bool_, like=input._data), D.bool_)
        return _unary_into("predicate", op, input, D.bool_, None, None, np.bool_)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} as a bool tensor."
    return fn


isnan = _predicate(opcodes.ISNAN, "isnan", False)
isinf = _predicate(opcodes.ISINF, "isinf", False)
isfinite = _predicate(opcodes.ISFINITE, "isfinite", True)
isposinf = _predicate(opcodes.ISPOSINF, "isposinf", False)
isneginf = _predicate(opcodes.ISNEGINF, "isneginf", False)
signbit = _predicate(opcodes.SIGNBIT, "signbit", False)


def isreal(input):
    return wrap(np.ones(input._data.shape, np.bool_, like=input._data), D.bool_)


# ---- ternary -----------------------------------------------------------------------------
def _ternary(op, a, b, c, res_dtype, cd, out=None, inplace=None, a_dtype=None):
    A = as_array(a, a_dtype or cd)
    B = as_array(b, cd)
    C = as_array(c, cd)
    shape = backend.broadcast_shapes(np.shape(A), np.shape(B), np.shape(C))
    return _run_into("ternary", op, (A, B, C), shape, cd.np, res_dtype, out, inplace)


def _fast_where(condition, input, other, dt):
    """where() over a small contiguous condition with float tensors of its shape (or Python
    numbers) on both sides, straight into the flat kernel."""
    c = condition._data
    if type(c) is not np.ndarray or not c.flags.c_contiguous or c.size >= _BCAST_FAST_MAX or \
            (dt is not D.float32 and dt is not D.float64):
        return None
    n = c.size
    flat = []
    for v in (input, other):
        if isinstance(v, Tensor):
            x = _small_float(v)
            if x is None or v._dtype is not dt or x.shape != c.shape:
                return None
            flat.append(x.reshape(n))
        else:
            s = _number(v, dt)
            if s is None:
                return None
            flat.append(backend._scalar_view(s, n))
    out = np.empty(c.shape, dt.np)
    small.where(c.reshape(n), flat[0], flat[1], out.reshape(n))
    return wrap(out, dt)


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)  # (index ops sit above the pointwise ones)
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' must be Tensor")
    if condition.dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_type_name(condition.dtype)}")
    dt = D.result_type(input, other)
    res = _fast_where(condition, input, other, dt) if out is None else None
    if res is None:
        res = _ternary(opcodes.WHERE, condition, input, other, dt, compute_dtype(dt), out,
                       a_dtype=D.bool_)
    # the condition is not differentiable, so (like PyTorch) it has no edge
    return graph.attach(res, "WhereBackward0", (input, other),
                        lambda g, c: (where(c, g, 0.0), where(c, 0.0, g)), (condition,))


def clamp(input, min=None, max=None, *, out=None, inplace=None, _node="ClampBackward1"):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if out is None and inplace is None:
        res = _fast_clamp(input, min, max)
        if res is not None:
            return _record_clamp(res, input, min, max, _node)
    dt = D.result_type(input, *(v for v in (min, max) if v is not None))
    if inplace is not None:
        dt = inplace.dtype if D.can_cast(dt, inplace.dtype) else dt
    cd = compute_dtype(dt)
    if max is None:
        res = _ternary(opcodes.CLAMP_MIN, input, min, 0, dt, cd, out, inplace)
    elif min is None:
        res = _ternary(opcodes.CLAMP_MAX, input, max, 0, dt, cd, out, inplace)
    else:
        res = _ternary(opcodes.CLAMP, input, min, max, dt, cd, out, inplace)
    if out is not None or inplace is not None:
        return res
    return _record_clamp(res, input, min, max, _node)


def _clamp_grads(g, x, lo, hi):
    """Clamp passes the gradient inside [lo, hi] (bounds included) to x, the rest to the
    bound that was hit."""
    inside = ones_like_bool(x)
    if lo is not None:
        inside = logical_and(inside, ge(x, lo))
    if hi is not None:
        inside = logical_and(inside, le(x, hi))
    gx = where(inside, g, 0.0)
    glo = where(lt(x, lo), g, 0.0) if isinstance(lo, Tensor) else None
    ghi = where(gt(x, hi), g, 0.0) if isinstance(hi, Tensor) else None
    return gx, glo, ghi


def ones_like_bool(x):
    return wrap(np.ones(x._data.shape, np.bool_, like=x._data), D.bool_)


def _fast_clamp(input, lo, hi):
    """clamp of a small float tensor between numbers, as maximum then minimum with each bound:
    the same NaN rules (a NaN input or bound gives NaN) and lo > hi giving hi."""
    x = _small_float(input)
    if x is None:
        return None
    steps = [(op, _number(v, input._dtype))
             for op, v in ((opcodes.MAXIMUM, lo), (opcodes.MINIMUM, hi)) if v is not None]
    if any(v is None for _, v in steps):
        return None
    out = np.empty(x.shape, x.dtype)
    for op, v in steps:
        small.binary_scalar(op, x, v, out)
        x = out
    return wrap(out, input._dtype)


def _record_clamp(res, x, lo, hi, name):
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        return graph.attach(res, "ClampBackward0", (x, lo, hi),
                            lambda g, x_, lo_, hi_: _clamp_grads(g, x_, lo_, hi_), (x, lo, hi))
    return graph.attach(res, name, (x,), lambda g, x_: _clamp_grad(g, x_, lo, hi),
                        (x,))


def _clamp_grad(g, x, lo, hi):
    """clamp's input gradient for number bounds: one kernel call when no graph is wanted."""
    pair = _small_pair(g, x)
    if pair is None:
        return _clamp_grads(g, x, lo, hi)[0]
    ga, xa = pair
    out = np.empty(ga.shape, ga.dtype)
    small.clamp_grad(ga, xa, lo, hi, out)
    return wrap(out, g._dtype)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min, _node="ClampMinBackward0")


def clamp_max(input, max):
    return clamp(input, max=max, _node="ClampMaxBackward0")


def lerp(input, end, weight, *, out=None):
    if isinstance(end, Tensor) and end.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {D.c_type_name(input.dtype)} for `end` but got dtype "
                           f"{D.c_type_name(end.dtype)}")
    dt = D.result_type(input, end)
    if dt.category != D.FLOAT:
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for "
                                  f"'{_type_name(dt)}'")
    res = _ternary(opcodes.LERP, input, end, weight, dt, compute_dtype(dt), out)
    if isinstance(weight, Tensor):
        return graph.attach(res, "LerpBackward1", (input, end, weight),
                            lambda g, a, b, w: (g * (1 - w), g * w, g * (b - a)),
                            (input, end, weight))
    return graph.attach(res, "LerpBackward0", (input, end),
                        lambda g: (g * (1 - weight), g * weight))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    if input.dtype.category != D.FLOAT:
        return deliver(input._data.copy(), input.dtype, out)
    info = np.finfo(input.dtype.np)
    r = where(isnan(input), nan, input)
    r = where(isposinf(r), info.max if posinf is None else posinf, r)
    r = where(isneginf(r), info.min if neginf is None else neginf, r)
    res = deliver(r._data, input.dtype, out)
    if out is not None:
        return res
    # the gradient passes where the input was finite and stops where it was replaced (times
    # the mask, so an infinite or NaN gradient there is NaN, as in PyTorch)
    return graph.attach(res, "NanToNumBackward0", (input,),
                        lambda g, x: mul(g, isfinite(x)), (input,))


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    if D.result_type(input, tensor1, tensor2) is D.bool_:
        raise NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'")
    if D.result_type(input, tensor1, tensor2).category != D.FLOAT:
        value = int(value)  # an integer result takes the scale as an integer, as PyTorch does
    return add(input, mul(_value_times(tensor1, value, input, tensor2), tensor2), out=out)


def _value_times(t1, value, input, t2):
    """value * t1 in the op's result dtype, first, as PyTorch's addcmul/addcdiv compute
    value * t1 * t2 and value * t1 / t2 (1e38 * 4 / 8 overflows only the other way round)."""
    rt = D.result_type(input, t1, t2)
    return mul(t1 if t1.dtype is rt else t1.to(rt), value)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if all(t.dtype.category != D.FLOAT for t in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return add(input, div(_value_times(tensor1, value, input, tensor2), tensor2), out=out)
