"""Attach the op functions to Tensor as methods, operators and in-place `_` variants.

Each op is defined once in `numtorch/_ops`; this table is the only place that says which of
them are also methods and how the Python operators map onto them.
"""

import numpy as np

from . import _dtype as D
from . import autograd, opcodes
from . import random as _random
from ._ops import convert, creation, einsum, index, linalg, reduce, shape
from ._ops import pointwise as P
from .autograd import graph
from .tensor import Tensor, check_overlap, shape_arg

_SAME_NAME = {
    # (and every unary op in P.UNARY_OPS, with its in-place form: see below)
    P: """add sub mul div true_divide floor_divide remainder fmod pow float_power maximum
          minimum fmax fmin atan2 arctan2 hypot eq ne lt le gt ge greater greater_equal less
          less_equal not_equal logical_and logical_or logical_xor logical_not bitwise_and
          bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift logit
          isnan isinf isfinite isposinf isneginf isreal signbit clamp clip clamp_min clamp_max
          lerp nan_to_num addcmul addcdiv subtract multiply divide""",
    reduce: """sum nansum prod mean nanmean amax amin max min aminmax argmax argmin all any
               count_nonzero var std var_mean std_mean norm logsumexp softmax log_softmax
               cumsum cumprod cummax cummin""",
    shape: """view reshape view_as reshape_as flatten ravel unflatten squeeze unsqueeze transpose
              swapaxes swapdims t permute movedim moveaxis expand expand_as broadcast_to repeat
              tile contiguous split chunk tensor_split unbind select narrow flip fliplr flipud
              roll tril triu diagonal diag repeat_interleave diff""",
    index: """index_select gather scatter scatter_ scatter_add scatter_add_ index_add
              index_add_ index_fill index_fill_ index_copy index_copy_ index_put_ put_
              masked_fill masked_fill_ masked_select masked_scatter masked_scatter_ put
              index_put nonzero argwhere take
              take_along_dim sort argsort msort topk kthvalue median nanmedian unique
              unique_consecutive bincount""",
    linalg: "matmul mm bmm mv dot outer ger addmm addmv baddbmm trace cross",
    einsum: "inner",
    convert: """clone copy_ fill_ zero_ to cpu cuda type type_as float double half long int
                short char byte bool equal isclose allclose""",
    _random: "uniform_ normal_ random_ bernoulli_ exponential_",
}

for _module, _names in _SAME_NAME.items():
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_module, _name))

Tensor.bernoulli = _random.bernoulli


def _where(self, condition, other):
    """x.where(condition, y) is torch.where(condition, x, y): self is the kept value."""
    return P.where(condition, self, other)


Tensor.where = _where
Tensor.multinomial = _random.multinomial
Tensor.__getitem__ = index.getitem
Tensor.__setitem__ = index.setitem
Tensor.T = property(lambda self: shape.permute(self, tuple(range(self.ndim - 1, -1, -1))))
Tensor.mT = property(lambda self: shape.transpose(self, -2, -1))
Tensor.H = Tensor.T
Tensor.mH = Tensor.mT


# ---- in-place variants: compute straight into self ---------------------------------------
def _inplace_binary(op, name):
    def method(self, other, *, alpha=1):
        if alpha != 1:
            other = P._scaled(other, alpha, name)
        if op == opcodes.POW and P.root_op(other) is not None:
            return P.unary(P.root_op(other), self, inplace=self)
        if P._fast_inplace(op, self, other):  # optimizer updates: float, same dtype and shape
            return self
        return P._arith(op, name, self, other, inplace=self)
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place {name}: writes into self."
    return method


for _op, _name in ((opcodes.ADD, "add"), (opcodes.SUB, "sub"), (opcodes.MUL, "mul"),
                   (opcodes.FLOORDIV, "floor_divide"), (opcodes.REM, "remainder"),
                   (opcodes.FMOD, "fmod"), (opcodes.POW, "pow"), (opcodes.MAXIMUM, "maximum"),
                   (opcodes.MINIMUM, "minimum")):
    setattr(Tensor, _name + "_", _inplace_binary(_op, _name))
Tensor.subtract_ = Tensor.sub_
Tensor.multiply_ = Tensor.mul_


def _div_(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        return P.true_divide(self, other, inplace=self)
    op = {"trunc": opcodes.TRUNCDIV, "floor": opcodes.FLOORDIV}.get(rounding_mode)
    if op is None:
        return P.div(self, other, rounding_mode=rounding_mode)
    return P._arith(op, "div", self, other, inplace=self)


Tensor.div_ = Tensor.divide_ = Tensor.true_divide_ = _div_


def _inplace_compare(op, name):
    def method(self, other):
        return P._compare(op, self, other, inplace=self)
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place {name}: writes 0/1 into self in its own dtype."
    return method


for _op, _name in ((opcodes.EQ, "eq"), (opcodes.NE, "ne"), (opcodes.LT, "lt"), (opcodes.LE, "le"),
                   (opcodes.GT, "gt"), (opcodes.GE, "ge"), (opcodes.LAND, "logical_and"),
                   (opcodes.LOR, "logical_or"), (opcodes.LXOR, "logical_xor")):
    setattr(Tensor, _name + "_", _inplace_compare(_op, _name))


def _inplace_bitwise(op, name):
    def method(self, other):
        return P._bitwise(op, name, self, other, inplace=self)
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place {name}."
    return method


for _op, _name in ((opcodes.BAND, "bitwise_and"), (opcodes.BOR, "bitwise_or"),
                   (opcodes.BXOR, "bitwise_xor"), (opcodes.LSHIFT, "bitwise_left_shift"),
                   (opcodes.RSHIFT, "bitwise_right_shift")):
    setattr(Tensor, _name + "_", _inplace_bitwise(_op, _name))


def _inplace_unary(op, name):
    def method(self):
        return P.unary(op, self, inplace=self)
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place {name}."
    return method


for _name, (_fn, _op) in P.UNARY_OPS.items():
    setattr(Tensor, _name, _fn)
    setattr(Tensor, _name + "_", _inplace_unary(_op, _name))


def _clamp_(self, min=None, max=None):
    return P.clamp(self, min, max, inplace=self)


Tensor.clamp_ = Tensor.clip_ = _clamp_
Tensor.clamp_min_ = lambda self, min: self.clamp_(min=min)
Tensor.clamp_max_ = lambda self, max: self.clamp_(max=max)


def _logical_not_(self):
    res = P.logical_not(self)
    check_overlap(self)
    self._data[...] = res._data
    self._bump()
    return self


Tensor.logical_not_ = _logical_not_


def _bitwise_not_(self):
    res = P.bitwise_not(self)
    check_overlap(self)
    self._data[...] = res._data
    self._bump()
    return self


Tensor.bitwise_not_ = _bitwise_not_


def _deliver_into(self, res):
    """Write an out-of-place result into self, refusing casts PyTorch refuses."""
    return P.deliver(res._data, res.dtype, inplace=self)


def _lerp_(self, end, weight):
    return _deliver_into(self, P.lerp(self, end, weight))


Tensor.lerp_ = _lerp_


def _nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return _deliver_into(self, P.nan_to_num(self, nan, posinf, neginf))


Tensor.nan_to_num_ = _nan_to_num_


def _named(method, name, doc):
    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def _shape_inplace(fn):
    def method(self, *args, **kwargs):
        if self._requires_grad and autograd.is_grad_enabled():
            base = self._base
            if self.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            if base is not None and base._requires_grad and base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used "
                                   "in an in-place operation.")
        res = fn(self, *args, **kwargs)
        self._data = res._data
        self._bump()  # (PyTorch counts these as in-place writes: saved copies go stale)
        if res.grad_fn is not None:  # self is now the view's output in the graph
            graph.rebind_output(self, res.grad_fn)
        return self
    return _named(method, fn.__name__ + "_", f"In-place {fn.__name__}: self becomes the view.")


for _fn in (shape.t, shape.transpose, shape.squeeze, shape.unsqueeze):
    setattr(Tensor, _fn.__name__ + "_", _shape_inplace(_fn))


def _values_inplace(fn):
    """An in-place op computed out of place and written back into self's memory, so every
    view of it sees the new values."""
    def method(self, *args, **kwargs):
        res = fn(self, *args, **kwargs)
        if self.dtype is D.bool_ and fn.__name__ in ("cumsum", "cumprod") and self.ndim and \
                self.numel():
            raise NotImplementedError(f"\"{fn.__name__}_out_cpu\" not implemented for 'Bool'")
        check_overlap(self)
        if self.ndim and self.numel():  # (PyTorch casts a 0-d or empty result back freely)
            D.check_cast(res.dtype, self._dtype)
        self._data[...] = res._data
        self._bump()
        return self
    return _named(method, fn.__name__ + "_", f"In-place {fn.__name__}.")


for _fn in (reduce.cumsum, reduce.cumprod):
    setattr(Tensor, _fn.__name__ + "_", _values_inplace(_fn))


def _triangle_inplace(fn):
    """tril_/triu_ write only the zeros (masked_fill_), so rows that share memory (an
    expanded view, which PyTorch lets these take) see each other's zeros, as in PyTorch."""
    def method(self, diagonal=0):
        keep = fn(creation.ones(self.shape[-2:], dtype=D.bool_, device=self.device), diagonal)
        return self.masked_fill_(P.logical_not(keep), 0)
    return _named(method, fn.__name__ + "_", f"In-place {fn.__name__}.")


for _fn in (shape.tril, shape.triu):
    setattr(Tensor, _fn.__name__ + "_", _triangle_inplace(_fn))


def _addcmul_(self, tensor1, tensor2, *, value=1):
    return _deliver_into(self, P.addcmul(self, tensor1, tensor2, value=value))


def _addcdiv_(self, tensor1, tensor2, *, value=1):
    return _deliver_into(self, P.addcdiv(self, tensor1, tensor2, value=value))


Tensor.addcmul_ = _addcmul_
Tensor.addcdiv_ = _addcdiv_


def _addmm_(self, mat1, mat2, *, beta=1, alpha=1):
    return _deliver_into(self, linalg.addmm(self, mat1, mat2, beta=beta, alpha=alpha))


Tensor.addmm_ = _addmm_


# ---- autograd for in-place ops: the fast in-place path unless a graph must be recorded ------
def _replaced(t, values):
    """`values` broadcast to t's shape, as an op of t whose gradient to t is zero (where(),
    not t * 0 + values, which an inf or NaN in t would turn into NaN)."""
    keep = creation.zeros(t._data.shape, dtype=D.bool_, device=t.device)
    return P.where(keep, t, values)


def _fill_like(t, value):
    return _replaced(t, value.to(t.dtype) if isinstance(value, Tensor) else value)


def _copy_from(t, src, non_blocking=False):
    return _replaced(t, src.to(t.dtype))


_OUT_OF_PLACE = {
    "add_": P.add, "sub_": P.sub, "mul_": P.mul, "div_": P.div, "pow_": P.pow,
    "remainder_": P.remainder, "fmod_": P.fmod, "maximum_": P.maximum, "minimum_": P.minimum,
    "clamp_": P.clamp, "lerp_": P.lerp, "nan_to_num_": P.nan_to_num, "addcmul_": P.addcmul,
    "addcdiv_": P.addcdiv, "addmm_": linalg.addmm, "masked_fill_": index.masked_fill,
    "scatter_": index.scatter, "scatter_add_": index.scatter_add, "index_add_": index.index_add,
    "index_fill_": index.index_fill, "index_copy_": index.index_copy, "put_": index.put,
    "masked_scatter_": index.masked_scatter,
    "floor_divide_": P.floor_divide, "tril_": shape.tril, "triu_": shape.triu,
    "cumsum_": reduce.cumsum, "cumprod_": reduce.cumprod,
    "fill_": _fill_like, "zero_": lambda t: _replaced(t, 0), "copy_": _copy_from,
}
for _name, (_fn, _op) in P.UNARY_OPS.items():
    _OUT_OF_PLACE[_name + "_"] = _fn
for _name, _slow in _OUT_OF_PLACE.items():
    setattr(Tensor, _name, graph.inplace_method(getattr(Tensor, _name), _slow, _name))
for _alias, _name in (("subtract_", "sub_"), ("multiply_", "mul_"), ("divide_", "div_"),
                      ("true_divide_", "div_"), ("clip_", "clamp_")):
    setattr(Tensor, _alias, getattr(Tensor, _name))


# ---- new_* constructors ------------------------------------------------------------------
def _new_filled(np_fn):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        dt = dtype or self.dtype
        return creation._finish(np_fn(shape_arg(size), creation._dt(dt).np), creation._dt(dt),
                                requires_grad, device or self.device)
    method.__name__ = method.__qualname__ = "new_" + np_fn.__name__
    method.__doc__ = ("A new tensor of the given size with self's dtype and device unless "
                      "given.")
    return method


Tensor.new_ones = _new_filled(np.ones)
Tensor.new_zeros = _new_filled(np.zeros)
Tensor.new_empty = _new_filled(np.zeros)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return creation.full(size, fill_value, dtype=dtype or self.dtype,
                         device=device or self.device, requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                           requires_grad=requires_grad)


Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradient of this tensor with respect to the graph's leaves."""
    autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


Tensor.backward = _backward


# ---- Python operators --------------------------------------------------------------------
def _swap(fn):
    def reflected(self, other):
        return fn(other, self)
    reflected.__name__ = reflected.__qualname__ = "r" + fn.__name__
    reflected.__doc__ = f"other {fn.__name__} self"
    return reflected


def _matmul_operand(other):
    if not isinstance(other, Tensor):
        raise TypeError(f"unsupported operand type(s) for @: 'Tensor' and "
                        f"'{type(other).__name__}'")
    return other


_OPERAND = (Tensor, bool, int, float, np.number, np.bool_)


def _op(slow, fast=None, left=False):
    """A binary operator: NotImplemented for foreign operands (so Python tries the reflected
    op); `a + b` and friends first try the same-dtype fast path for kernel op code `fast`
    (with `left`, a reflected op: `1 - x` is other - self)."""
    try_fast = None if fast is None else P._fast_binary_left if left else P._fast_binary

    def method(self, other):  # (the hottest Python in a small model: no work it can skip)
        if try_fast is not None:
            res = try_fast(fast, other, self) if left else try_fast(fast, self, other)
            if res is not None:
                return res
        if not isinstance(other, _OPERAND):
            return NotImplemented
        return slow(self, other)
    method.__name__ = method.__qualname__ = slow.__name__
    method.__doc__ = slow.__doc__
    return method


Tensor.__add__ = _op(P.add, opcodes.ADD)
Tensor.__radd__ = _op(P.add, opcodes.ADD)
Tensor.__sub__ = _op(P.sub, opcodes.SUB)
Tensor.__rsub__ = _op(_swap(P.sub), opcodes.SUB, left=True)
Tensor.__mul__ = _op(P.mul, opcodes.MUL)
Tensor.__rmul__ = _op(P.mul, opcodes.MUL)
Tensor.__truediv__ = _op(P.true_divide, opcodes.DIV)
Tensor.__rtruediv__ = _op(_swap(P.true_divide), opcodes.DIV, left=True)
Tensor.__floordiv__ = _op(P.floor_divide)
Tensor.__rfloordiv__ = _op(_swap(P.floor_divide))
Tensor.__mod__ = _op(P.remainder)
Tensor.__rmod__ = _op(_swap(P.remainder))
_pow_fast = _op(P.pow, opcodes.POW)  # (the kernel squares and cubes by multiplying)


def _pow(self, other):
    if P.root_op(other) is not None:
        return P.pow(self, other)  # PyTorch's (r)sqrt for these, in pow
    return _pow_fast(self, other)


Tensor.__pow__ = _pow
Tensor.__rpow__ = _op(_swap(P.pow))


def _matmul(self, other):
    res = linalg._fast_mm(self, other)  # `x @ w` of small models: skip matmul's layers
    return res if res is not None else linalg.matmul(self, _matmul_operand(other))


Tensor.__matmul__ = _matmul
Tensor.__rmatmul__ = lambda self, other: linalg.matmul(_matmul_operand(other), self)
Tensor.__and__ = _op(P.bitwise_and)
Tensor.__rand__ = _op(P.bitwise_and)
Tensor.__or__ = _op(P.bitwise_or)
Tensor.__ror__ = _op(P.bitwise_or)
Tensor.__xor__ = _op(P.bitwise_xor)
Tensor.__rxor__ = _op(P.bitwise_xor)
Tensor.__lshift__ = _op(P.bitwise_left_shift)
Tensor.__rshift__ = _op(P.bitwise_right_shift)
Tensor.__eq__ = _op(P.eq)
Tensor.__ne__ = _op(P.ne)
Tensor.__lt__ = _op(P.lt)
Tensor.__le__ = _op(P.le)
Tensor.__gt__ = _op(P.gt)
Tensor.__ge__ = _op(P.ge)
Tensor.__neg__ = P.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = P.abs
Tensor.__invert__ = P.invert
Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_
Tensor.__ipow__ = Tensor.pow_
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_
Tensor.__array_priority__ = 1000
