"""Per-element rules shared by the CPU and CUDA kernels: plain Python, compiled by each
target (inlined `@njit` functions in kernels/cpu/, `@cuda.jit(device=True)` functions in
kernels/cuda/), so the two compute the same thing from one definition.

The elementwise ops' rules live here -- PyTorch's NaN, inf and signed-zero semantics, once:
binop, compare, bitop, unop, int_unop, predicate and ternop switch on numtorch/opcodes.py's
codes.  They call a few primitives (exp, erf, exp2, floor, ceil, trunc, rint, sqrt, fmod) by
name; compiled() binds those names per target: the portable versions below (CUDA, and plain
Python under the CUDA simulator, whose `math` raises where the GPU returns inf or NaN), or
the CPU's vectorising and NumPy ones.  Constants are built in x's dtype (`t(0.5)`), so a
float32 op stays float32, and every branch returns x's type, so an integer ladder is not
unified to float64 (which rounds int64s past 2**53).

They take one element's values and return the new ones -- never arrays: an inlined function
that receives arrays increfs and decrefs them on every call, which made the SGD loop 4x
slower and unvectorisable.  They must compile for both targets and run as plain Python
under the CUDA simulator: `math` functions and arithmetic only.  (Numba's cache notices
edits here: see kernels/_cache.py.)"""

import math
import types
from typing import Any, Callable, Dict, Optional

from ..opcodes import (
    ABS,
    ACOS,
    ACOSH,
    ADD,
    ASIN,
    ASINH,
    ATAN,
    ATAN2,
    ATANH,
    BAND,
    BOR,
    BXOR,
    CEIL,
    CLAMP,
    CLAMP_MAX,
    CLAMP_MIN,
    COS,
    COSH,
    CUMMAX,
    CUMPROD,
    CUMSUM,
    DIV,
    EQ,
    ERF,
    ERFC,
    EXP,
    EXP2,
    EXPM1,
    FLOOR,
    FLOORDIV,
    FMOD,
    FMOD_INT,
    FRAC,
    GE,
    GELU,
    GELU_TANH,
    GT,
    HYPOT,
    ISFINITE,
    ISINF,
    ISNAN,
    ISNEGINF,
    ISPOSINF,
    LAND,
    LE,
    LOG,
    LOG1P,
    LOG2,
    LOG10,
    LOGIT,
    LOR,
    LSHIFT,
    LT,
    MAXIMUM,
    MINIMUM,
    MUL,
    NE,
    NEG,
    POW,
    POW_INT,
    RECIPROCAL,
    RELU,
    REM,
    REM_INT,
    ROUND,
    RSQRT,
    SIGMOID,
    SIGN,
    SILU,
    SIN,
    SINH,
    SOFTPLUS,
    SQRT,
    SQUARE,
    SUB,
    TAN,
    TANH,
    TRUNC,
    TRUNCDIV,
    WHERE,
)


# ---- primitives: the portable versions (compiled() swaps in a target's own) ---------------
def exp(x):
    # math.exp raises on overflow in the simulator (Python floats); the GPU gives inf
    return type(x)(math.inf) if x > 709.0 else math.exp(x)


def erf(x):
    return math.erf(x)


def exp2(x):
    t = type(x)
    return t(math.inf) if x > 1023.0 else t(2.0 ** x)


# (the rounding functions pass inf and NaN through: Python's math.floor raises on them)
def floor(x):
    return x if x != x or math.isinf(x) else math.floor(x)


def ceil(x):
    return x if x != x or math.isinf(x) else math.ceil(x)


def trunc(x):  # (not math.trunc: the simulator's NumPy scalars have no __trunc__)
    if x != x or math.isinf(x):
        return x
    return math.floor(x) if x >= 0 else math.ceil(x)


def rint(x):
    """x rounded half to even (torch.round), the sign of a zero result kept as x's."""
    if x != x or math.isinf(x):
        return x
    f = math.floor(x)
    d = x - f  # exact for every finite float
    r = f + 1 if d > 0.5 or (d == 0.5 and f % 2 != 0) else f
    return math.copysign(r, x)


def sqrt(x):
    return math.sqrt(x) if x >= 0 else (x if x != x else type(x)(math.nan))


def fmod(x, y):
    # NaN where fmod is undefined: the GPU's answer, and the simulator's math.fmod raises there
    if y == 0 or math.isinf(x) or x != x or y != y:
        return math.nan
    return math.fmod(x, y)


# ---- the ops ------------------------------------------------------------------------------
def sigmoid(x):
    """1 / (1 + e^-x), computed from e^-|x| so exp never overflows and without a branch
    (random signs mispredict), in x's dtype: a literal 1 would widen float32 to float64
    (2.8x slower in all)."""
    one = type(x)(1)
    e = exp(-abs(x))
    r = one / (one + e)
    return r if x >= 0 else e * r


def relu(x):  # `x < 0` keeps NaN and -0.0, as torch.relu does
    return type(x)(0) if x < 0 else x


def gelu(x):
    t = type(x)
    return t(0.5) * x * (t(1) + erf(x * t(0.7071067811865476)))


def binop(op, x, y):
    t = type(x)
    if op == ADD:
        return t(x + y)
    if op == SUB:
        return t(x - y)
    if op == MUL:
        return t(x * y)
    if op == DIV:
        return t(x / y)
    if op == FLOORDIV:
        return t(x // y)
    if op == TRUNCDIV:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return t(q)
    if op == REM:  # Python's sign rule: the result takes the divisor's sign
        r = fmod(x, y)
        if r != 0 and (r < 0) != (y < 0):
            r += y
        return t(r)
    if op == FMOD:
        return t(fmod(x, y))
    if op == REM_INT:
        return t(x % y)
    if op == FMOD_INT:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return t(x - q * y)
    if op == POW:
        # squares and cubes by multiplication, as PyTorch's CPU kernel does (powf took
        # ~11 ns an element; x**2 is the same single rounding)
        if y == 2:
            return t(x * x)
        if y == 3:
            return t(x * x * x)
        return t(x ** y)
    if op == POW_INT:
        return t(int_power(x, y))
    if op == MAXIMUM:  # NaN-propagating like torch.maximum
        if x != x:
            return x
        return t(y) if (y != y or y > x) else x
    if op == MINIMUM:
        if x != x:
            return x
        return t(y) if (y != y or y < x) else x
    if op == ATAN2:
        return t(math.atan2(x, y))
    if op == HYPOT:
        return t(math.hypot(x, y))
    return x  # unreachable: the backend only passes known codes


def compare(op, x, y):
    if op == EQ:
        return x == y
    if op == NE:
        return x != y
    if op == LT:
        return x < y
    if op == LE:
        return x <= y
    if op == GT:
        return x > y
    if op == GE:
        return x >= y
    if op == LAND:
        return (x != 0) and (y != 0)
    if op == LOR:
        return (x != 0) or (y != 0)
    return (x != 0) != (y != 0)


def bitop(op, x, y):
    t = type(x)
    if op == BAND:
        return t(x & y)
    if op == BOR:
        return t(x | y)
    if op == BXOR:
        return t(x ^ y)
    if op == LSHIFT:
        return t(x << y)
    return t(x >> y)


def unop(op, x):
    """A float unary op.  Where the domain ends, the value is the IEEE one (log(0) = -inf,
    sqrt(-1) = nan) written out, as the simulator's `math` raises there."""
    t = type(x)
    if op == RELU:
        return relu(x)
    if op == NEG:
        return -x
    if op == ABS:
        return abs(x)
    if op == SIGN:  # sign(nan) is 0 in PyTorch
        return t(1) if x > 0 else (t(-1) if x < 0 else t(0))
    if op == EXP:
        return t(exp(x))
    if op == SIGMOID:
        return sigmoid(x)
    if op == TANH:
        return t(math.tanh(x))
    if op == SQRT:
        return t(sqrt(x))
    if op == GELU:
        return gelu(x)
    if op == ERF:
        return t(erf(x))
    if op == LOG:
        return t(math.log(x)) if x > 0 else t(-math.inf if x == 0 else math.nan)
    if op == LOG2:
        return t(math.log2(x)) if x > 0 else t(-math.inf if x == 0 else math.nan)
    if op == LOG10:
        return t(math.log10(x)) if x > 0 else t(-math.inf if x == 0 else math.nan)
    if op == LOG1P:
        return t(math.log1p(x)) if x > -1 else t(-math.inf if x == -1 else math.nan)
    if op == EXPM1:
        return t(math.inf) if x > 709.0 else t(math.expm1(x))
    if op == RSQRT:
        if x == 0:  # +-inf (the simulator's Python 1 / 0.0 would raise)
            return t(math.copysign(math.inf, x))
        return t(1) / t(sqrt(x))
    if op == SIN or op == COS or op == TAN:
        if math.isinf(x):
            return t(math.nan)
        return t(math.sin(x) if op == SIN else math.cos(x) if op == COS else math.tan(x))
    if op == ASIN:
        return t(math.asin(x)) if -1 <= x <= 1 else t(math.nan)
    if op == ACOS:
        return t(math.acos(x)) if -1 <= x <= 1 else t(math.nan)
    if op == ATAN:
        return t(math.atan(x))
    if op == SINH:
        return t(math.copysign(math.inf, x)) if abs(x) > 709.0 else t(math.sinh(x))
    if op == COSH:
        return t(math.inf) if abs(x) > 709.0 else t(math.cosh(x))
    if op == FLOOR:
        return t(floor(x))
    if op == CEIL:
        return t(ceil(x))
    if op == ROUND:
        return t(rint(x))
    if op == TRUNC:
        return t(trunc(x))
    if op == FRAC:  # (frac(inf) is inf - inf: NaN)
        return x - t(trunc(x))
    if op == RECIPROCAL:
        return t(1) / x
    if op == SQUARE:
        return x * x
    if op == ERFC:
        return t(math.erfc(x))
    if op == EXP2:
        return t(exp2(x))
    if op == SILU:
        return x * sigmoid(x)
    if op == SOFTPLUS:  # log(1 + e^x) without overflow (no max(): old Numba CUDA fails on it)
        return t((x if x > 0 else t(0)) + math.log1p(math.exp(-abs(x))))
    if op == ASINH:
        return t(math.asinh(x))
    if op == ACOSH:
        return t(math.acosh(x)) if x >= 1 else t(math.nan)
    if op == ATANH:
        if -1 < x < 1:
            return t(math.atanh(x))
        return t(math.copysign(math.inf, x)) if abs(x) == 1 else t(math.nan)
    if op == LOGIT:
        if x == 0 or x == 1:
            return t(-math.inf if x == 0 else math.inf)
        return t(math.log(x / (1 - x))) if 0 < x < 1 else t(math.nan)
    if op == GELU_TANH:
        return t(0.5) * x * (t(1) + t(math.tanh(t(0.7978845608028654)
                                               * (x + t(0.044715) * x * x * x))))
    return x


def int_unop(op, x):
    """An integer unary op (NEG, ABS, SIGN, RELU, SQUARE; anything else is bitwise not)."""
    t = type(x)
    if op == NEG:
        return t(-x)
    if op == ABS:
        return t(-x) if x < 0 else x
    if op == SIGN:
        return t(1) if x > 0 else (t(-1) if x < 0 else t(0))
    if op == RELU:
        return x if x > 0 else t(0)
    if op == SQUARE:
        return t(x * x)
    return t(~x)


def predicate(op, x):
    if op == ISNAN:
        return x != x
    if op == ISINF:
        return math.isinf(x)
    if op == ISFINITE:
        return not (math.isinf(x) or x != x)
    if op == ISPOSINF:
        return x == math.inf
    if op == ISNEGINF:
        return x == -math.inf
    return math.copysign(1.0, x) < 0  # SIGNBIT


def ternop(op, a, b, c):
    if op == WHERE:
        return b if a else c
    if op == CLAMP:  # min(max(a, lo), hi), a NaN anywhere giving NaN (as in PyTorch)
        v = b if (a < b) | (b != b) else a
        return c if (v > c) | (c != c) else v
    if op == CLAMP_MIN:
        return b if (a < b) | (b != b) else a
    if op == CLAMP_MAX:
        return b if (a > b) | (b != b) else a
    if abs(c) < 0.5:  # LERP, torch's two-sided formula: lerp(a, b, 1) == b exactly
        return a + c * (b - a)
    return b - (b - a) * (type(c)(1) - c)  # (a literal 1 would make every branch float64)


def int_power(x, y):
    """x ** y (y >= 0) by repeated squaring; the products wrap, so the result is PyTorch's
    modulo 2**bits once stored in x's dtype."""
    r = x - x + 1
    b = x
    e = y
    while e > 0:
        if e % 2 == 1:  # (not e & 1: floats compile this too)
            r = r * b
        b = b * b
        e //= 2
    return r


def scan_step(op, acc, v):
    """One step of a running sum/product/max/min; a NaN, once seen, stays the running max/min."""
    if op == CUMSUM:
        return acc + v
    if op == CUMPROD:
        return acc * v
    if op == CUMMAX:
        return v if (v >= acc or v != v) else acc
    return v if (v <= acc or v != v) else acc


def sgd_update(p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first):
    """(parameter, momentum buffer) after one step; keep = 1 - dampening."""
    d = -g if maximize else g
    if weight_decay != 0:
        d += weight_decay * p
    if momentum != 0:
        buf = d if first else momentum * buf + keep * d
        d = d + momentum * buf if nesterov else buf
    return p - lr * d, buf


def adam_update(p, g, m, v, vmax, step_size, keep1, beta2, keep2, eps, weight_decay, decay,
                amsgrad, maximize, bc2_sqrt):
    """(parameter, exp_avg, exp_avg_sq, max_exp_avg_sq) after one step.  keep1/keep2 are
    1 - beta1 and 1 - beta2, step_size lr / (1 - beta1**t); AdamW passes its decoupled decay
    as decay = 1 - lr * weight_decay and weight_decay 0, Adam decay 1."""
    d = -g if maximize else g
    if decay != 1:
        p = p * decay
    if weight_decay != 0:
        d += weight_decay * p
    m += keep1 * (d - m)
    v = beta2 * v + keep2 * d * d
    if amsgrad:
        if v > vmax or v != v:  # torch.maximum: NaN wins
            vmax = v
        denom = math.sqrt(vmax) / bc2_sqrt + eps
    else:
        denom = math.sqrt(v) / bc2_sqrt + eps
    return p - step_size * m / denom, m, v, vmax


_SHARED = ("exp", "erf", "exp2", "floor", "ceil", "trunc", "rint", "sqrt", "fmod", "sigmoid",
           "relu", "gelu", "binop", "compare", "bitop", "unop", "int_unop", "predicate", "ternop",
           "int_power", "scan_step", "sgd_update", "adam_update")


def compiled(decorate: Callable[[Callable], Any],
             primitives: Optional[Dict[str, Any]] = None) -> types.ModuleType:
    """This module's functions compiled by `decorate` (a Numba decorator), as a module (the
    namespace kind Numba resolves in compiled code): each calls the others in their compiled
    form, and `primitives` ({name: a function the target compiles}) in place of the portable
    primitives of the same name."""
    names = dict(globals())
    for name in _SHARED:
        fn = globals()[name]
        copy = types.FunctionType(fn.__code__, names, name, fn.__defaults__)
        copy.__doc__, copy.__qualname__, copy.__module__ = fn.__doc__, fn.__qualname__, __name__
        names[name] = decorate(copy)
    names.update(primitives or {})
    module = types.ModuleType(f"{__name__}[{getattr(decorate, '__name__', 'compiled')}]")
    for n in _SHARED:
        setattr(module, n, names[n])
    return module
