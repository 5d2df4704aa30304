"""Per-element op functions for the CUDA kernels (math-module versions of the CPU kernels'
scalar functions: the same op codes and the same PyTorch semantics -- NaN propagation in
maximum/minimum/relu/clamp, sign(nan) == 0, Python-style remainder)."""

import math

from ..cpu import elementwise as C
from ._jit import device_fn

# the CPU kernels' own definition, compiled for the device
int_power = device_fn(C.int_power.py_func)


@device_fn
def sigmoid(x):
    if x >= 0:
        return 1 / (1 + exp(-x))
    e = exp(x)
    return e / (1 + e)


@device_fn
def exp(x):
    # math.exp raises on overflow in the simulator (Python floats); the GPU gives inf
    return math.inf if x > 709.0 else math.exp(x)


@device_fn
def _fmod(x, y):
    # NaN where fmod is undefined: the GPU's answer, and the simulator's math.fmod raises there
    if y == 0 or math.isinf(x) or x != x or y != y:
        return math.nan
    return math.fmod(x, y)


@device_fn
def binop(op, x, y):
    if op == C.ADD:
        return x + y
    if op == C.SUB:
        return x - y
    if op == C.MUL:
        return x * y
    if op == C.DIV:
        return x / y
    if op == C.FLOORDIV:
        return x // y
    if op == C.TRUNCDIV:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return q
    if op == C.REM:
        r = _fmod(x, y)
        if r != 0 and (r < 0) != (y < 0):
            r += y
        return r
    if op == C.FMOD:
        return _fmod(x, y)
    if op == C.REM_INT:
        return x % y
    if op == C.FMOD_INT:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return x - q * y
    if op == C.POW:
        return x ** y
    if op == C.POW_INT:
        return int_power(x, y)
    if op == C.MAXIMUM:
        if x != x:
            return x
        return y if (y != y or y > x) else x
    if op == C.MINIMUM:
        if x != x:
            return x
        return y if (y != y or y < x) else x
    if op == C.ATAN2:
        return math.atan2(x, y)
    return math.hypot(x, y)


@device_fn
def compare(op, x, y):
    if op == C.EQ:
        return x == y
    if op == C.NE:
        return x != y
    if op == C.LT:
        return x < y
    if op == C.LE:
        return x <= y
    if op == C.GT:
        return x > y
    if op == C.GE:
        return x >= y
    if op == C.LAND:
        return (x != 0) and (y != 0)
    if op == C.LOR:
        return (x != 0) or (y != 0)
    return (x != 0) != (y != 0)


@device_fn
def bitop(op, x, y):
    if op == C.BAND:
        return x & y
    if op == C.BOR:
        return x | y
    if op == C.BXOR:
        return x ^ y
    if op == C.LSHIFT:
        return x << y
    return x >> y


@device_fn
def unop(op, x):
    if x != x:  # NaN in, NaN out (sign(nan) is 0 in PyTorch)
        return 0.0 if op == C.SIGN else x
    if math.isinf(x) and (op == C.SIN or op == C.COS or op == C.TAN):
        return math.nan
    if op == C.RELU:  # (-0.0 stays -0.0, as in PyTorch)
        return 0.0 if x < 0 else x
    if op == C.NEG:
        return -x
    if op == C.ABS:
        return abs(x)
    if op == C.SIGN:
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
    if op == C.EXP:
        return exp(x)
    if op == C.LOG:
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == C.LOG2:
        return math.log2(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == C.LOG10:
        return math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == C.LOG1P:
        return math.log1p(x) if x > -1 else (-math.inf if x == -1 else math.nan)
    if op == C.EXPM1:
        return math.inf if x > 709.0 else math.expm1(x)
    if op == C.SQRT:
        return math.sqrt(x) if x >= 0 else math.nan
    if op == C.RSQRT:
        if x == 0:  # +-inf (the simulator's Python 1 / 0.0 would raise)
            return math.copysign(math.inf, x)
        return 1 / math.sqrt(x) if x > 0 else math.nan
    if op == C.SIN:
        return math.sin(x)
    if op == C.COS:
        return math.cos(x)
    if op == C.TAN:
        return math.tan(x)
    if op == C.ASIN:
        return math.asin(x) if -1 <= x <= 1 else math.nan
    if op == C.ACOS:
        return math.acos(x) if -1 <= x <= 1 else math.nan
    if op == C.ATAN:
        return math.atan(x)
    if op == C.SINH:
        return math.copysign(math.inf, x) if abs(x) > 709.0 else math.sinh(x)
    if op == C.COSH:
        return math.inf if abs(x) > 709.0 else math.cosh(x)
    if op == C.TANH:
        return math.tanh(x)
    if op == C.SIGMOID:
        return sigmoid(x)
    if x != x or math.isinf(x):  # rounding ops below: inf and nan are their own result
        if op == C.FLOOR or op == C.CEIL or op == C.ROUND or op == C.TRUNC:
            return x
        if op == C.FRAC:
            return math.nan
    if op == C.FLOOR:
        return math.floor(x)
    if op == C.CEIL:
        return math.ceil(x)
    if op == C.ROUND:  # half to even, as torch.round
        r = math.floor(x + 0.5)
        if r - x == 0.5 and r % 2 != 0:
            r -= 1
        return r
    if op == C.TRUNC:  # (not math.trunc: the simulator's NumPy scalars have no __trunc__)
        return math.floor(x) if x >= 0 else math.ceil(x)
    if op == C.RECIPROCAL:
        return 1 / x
    if op == C.SQUARE:
        return x * x
    if op == C.ERF:
        return math.erf(x)
    if op == C.ERFC:
        return math.erfc(x)
    if op == C.FRAC:
        return x - (math.floor(x) if x >= 0 else math.ceil(x))
    if op == C.EXP2:
        return math.inf if x > 1023.0 else 2.0 ** x
    if op == C.SILU:
        return x * sigmoid(x)
    if op == C.SOFTPLUS:
        return max(x, 0) + math.log1p(math.exp(-abs(x)))
    if op == C.ASINH:
        return math.asinh(x)
    if op == C.ACOSH:
        return math.acosh(x) if x >= 1 else math.nan
    if op == C.ATANH:
        return math.atanh(x) if -1 < x < 1 else (math.copysign(math.inf, x) if abs(x) == 1
                                                 else math.nan)
    if op == C.LOGIT:
        if x == 0 or x == 1:
            return -math.inf if x == 0 else math.inf
        return math.log(x / (1 - x)) if 0 < x < 1 else math.nan
    if op == C.GELU:
        return 0.5 * x * (1 + math.erf(x * 0.7071067811865476))
    if op == C.GELU_TANH:
        return 0.5 * x * (1 + math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    return x


@device_fn
def int_unop(op, x):
    if op == C.NEG:
        return -x
    if op == C.ABS:
        return -x if x < 0 else x
    if op == C.SIGN:
        return 1 if x > 0 else (-1 if x < 0 else 0)
    if op == C.RELU:
        return x if x > 0 else 0
    if op == C.SQUARE:
        return x * x
    return ~x


@device_fn
def predicate(op, x):
    if op == C.ISNAN:
        return x != x
    if op == C.ISINF:
        return math.isinf(x)
    if op == C.ISFINITE:
        return not (math.isinf(x) or x != x)
    if op == C.ISPOSINF:
        return x == math.inf
    if op == C.ISNEGINF:
        return x == -math.inf
    return math.copysign(1.0, x) < 0


@device_fn
def ternop(op, a, b, c):
    if op == C.WHERE:
        return b if a else c
    if op == C.CLAMP:  # min(max(a, lo), hi), a NaN anywhere giving NaN (as in PyTorch)
        v = b if (a < b) | (b != b) else a
        return c if (v > c) | (c != c) else v
    if op == C.CLAMP_MIN:
        return b if (a < b) | (b != b) else a
    if op == C.CLAMP_MAX:
        return b if (a > b) | (b != b) else a
    if abs(c) < 0.5:  # LERP, torch's two-sided formula
        return a + c * (b - a)
    return b - (b - a) * (1 - c)
