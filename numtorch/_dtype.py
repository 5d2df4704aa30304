"""dtypes, their aliases, and PyTorch's type-promotion rules.

A numtorch dtype wraps the NumPy dtype its tensors store.  Promotion follows PyTorch, not NumPy:
int64 + float32 is float32, and Python scalars only lift the result to a higher category
(bool < int < float) without widening it.
"""

import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "promote_types", "result_type"]

BOOL, INT, FLOAT = 0, 1, 2


class dtype:
    __slots__ = ("name", "np", "itemsize", "category", "is_floating_point", "is_signed")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.category = category
        self.is_floating_point = category == FLOAT
        self.is_signed = category == FLOAT or self.np.kind == "i"

    @property
    def is_complex(self):
        return False

    def to_real(self):
        return self

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name


float32 = dtype("float32", np.float32, FLOAT)
float64 = dtype("float64", np.float64, FLOAT)
float16 = dtype("float16", np.float16, FLOAT)
int64 = dtype("int64", np.int64, INT)
int32 = dtype("int32", np.int32, INT)
int16 = dtype("int16", np.int16, INT)
int8 = dtype("int8", np.int8, INT)
uint8 = dtype("uint8", np.uint8, INT)
bool_ = dtype("bool", np.bool_, BOOL)

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "bool": bool_}
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(ALIASES)

_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    d = as_dtype(d)
    if d not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype):
    d = _BY_NP.get(np.dtype(np_dtype))
    if d is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    return d


def as_dtype(d):
    """Accepts a numtorch dtype, a Python type (float/int/bool), a NumPy dtype or a name."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        name = d[6:] if d.startswith("torch.") else d
        if name in _BY_NAME:
            return _BY_NAME[name]
        raise TypeError(f"invalid dtype: {d!r}")
    try:
        return from_numpy_dtype(d)
    except TypeError:
        raise TypeError(f"dtype must be a torch.dtype, got {type(d).__name__}") from None


_PROMOTE = {}


def promote_types(a, b):
    """PyTorch's promote_types: within a category widen as NumPy does, across categories the
    higher category wins unchanged (int64 + float16 -> float16)."""
    key = (a, b)
    r = _PROMOTE.get(key)
    if r is None:
        if a.category == b.category:
            r = from_numpy_dtype(np.promote_types(a.np, b.np))
        else:
            r = a if a.category > b.category else b
        _PROMOTE[key] = r
    return r


def scalar_category(x):
    if isinstance(x, (bool, np.bool_)):
        return BOOL
    if isinstance(x, (int, np.integer)):
        return INT
    return FLOAT


def scalar_dtype(x):
    """The dtype a lone Python scalar becomes in `torch.tensor(x)`."""
    c = scalar_category(x)
    return bool_ if c == BOOL else int64 if c == INT else get_default_dtype()


def result_type(*operands):
    """Result dtype of an op over tensors and Python scalars, with PyTorch's priority rules:
    dimensioned tensors > 0-d tensors > scalars; a lower-priority operand only matters when its
    category is higher."""
    dim_t = zero_t = None
    scal = -1
    for x in operands:
        dt = getattr(x, "dtype", None)
        if isinstance(dt, dtype):
            if x.ndim:
                dim_t = dt if dim_t is None else promote_types(dim_t, dt)
            else:
                zero_t = dt if zero_t is None else promote_types(zero_t, dt)
        elif x is not None:
            scal = max(scal, scalar_category(x))
    r = dim_t
    if zero_t is not None and (r is None or zero_t.category > r.category):
        r = zero_t
    if scal >= 0 and (r is None or scal > r.category):
        r = bool_ if scal == BOOL else int64 if scal == INT else get_default_dtype()
    return r


def can_cast(src, dst):
    """PyTorch's same-kind rule for writing a result into an existing tensor (out=, in-place)."""
    return src.category <= dst.category


# the C type names in PyTorch's "value cannot be converted" message for fill-like ops
_C_NAMES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t",
            "uint8": "uint8_t"}


def check_int_range(values, dt, type_name=None):
    """PyTorch's refusal to store a number an integer dtype cannot hold: NaN, inf, or a value
    (after truncation) outside the type's range.  uint8 takes -255..-1 too, wrapping them (its
    two's-complement allowance).  `values` is a number or a NumPy array."""
    info = np.iinfo(dt.np)
    lo = info.min if info.min < 0 else -info.max
    a = np.asarray(values)
    if a.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            bad = not np.isfinite(a).all() or (np.trunc(a) < lo).any() or \
                (np.trunc(a) > info.max).any()
    elif a.dtype.kind in "iu":
        bad = a.size and (a.min() < lo or a.max() > info.max)
    else:
        bad = isinstance(values, int) and not lo <= values <= info.max
    if bad:
        name = type_name or _C_NAMES.get(dt.name, dt.name)
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def fill_scalar(value, dt, type_name=None):
    """A Python number as dt's NumPy scalar for fill_/full/__setitem__/masked_fill, with
    PyTorch's overflow check for integer dtypes (arithmetic wraps instead: uint8 + 300)."""
    if dt.category != INT or isinstance(value, (bool, np.bool_)):
        return np.array(value).astype(dt.np)[()]
    check_int_range(value, dt, type_name)
    return np.array(int(value), np.int64).astype(dt.np)[()]


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool"}


def type_name(dt):
    """PyTorch's scalar type name for dt, as its messages print it ('Float', 'Long')."""
    return _TYPE_NAMES.get(dt.name, dt.name)


def c_type_name(dt):
    """The C++ type name PyTorch's kernel messages print for dt ('float', 'long int')."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}[dt.name]


def check_cast(res_dtype, out_dtype):
    """PyTorch's error for an in-place or out= result that its output's dtype cannot hold."""
    if not can_cast(res_dtype, out_dtype):
        names = {FLOAT: "Float", INT: "Long", BOOL: "Bool"}
        raise RuntimeError(f"result type {names[res_dtype.category]} can't be cast to the "
                           f"desired output type {type_name(out_dtype)}")
