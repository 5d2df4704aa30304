"""Elementwise kernels: unary, binary, comparison, bitwise and ternary op families.

Every family has one loop kernel over 1-D arrays (`*_1d`) that switches on an op code *outside*
its loops, so the hot ops (add, mul, relu, ...) vectorise; rarer ops share a loop that calls an
inlined scalar function.  The backend hands these kernels either flat contiguous arrays or 4-D
views (broadcast dims have stride 0, Python scalars are stride-0 1-D views); `*_rows` walks the
first three dims of the 4-D case and calls the 1-D loop per row, `*_par` splits rows or the flat
range over threads.  This keeps compiled variants to a few per dtype instead of one per
rank/layout/dtype pair.
"""

import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from ...opcodes import (
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
from .. import scalar
from ._jit import CHUNKS, inline, kernel, like, parallel_kernel, prange

# ---- binary arithmetic: out dtype == input dtype -----------------------------------------


int_power = inline(scalar.int_power)


@inline
def _binop(op, x, y):
    if op == FLOORDIV:
        return x // y
    if op == TRUNCDIV:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return q
    if op == REM:
        r = np.fmod(x, y)
        if r != 0 and (r < 0) != (y < 0):
            r += y
        return like(r, x)
    if op == FMOD:
        return like(np.fmod(x, y), x)
    if op == REM_INT:
        return x % y
    if op == FMOD_INT:
        q = x // y
        if q * y != x and (x < 0) != (y < 0):
            q += 1
        return x - q * y
    if op == POW:
        # squares and cubes by multiplication, as PyTorch's CPU kernel does (powf took
        # ~11 ns an element; x**2 is the same single rounding)
        if y == 2:
            return x * x
        if y == 3:
            return x * x * x
        return like(x ** y, x)
    if op == POW_INT:
        return int_power(x, y)
    if op == MAXIMUM:  # NaN-propagating like torch.maximum
        if x != x:
            return x
        return y if (y != y or y > x) else x
    if op == MINIMUM:
        if x != x:
            return x
        return y if (y != y or y < x) else x
    # (every branch is compiled for integers too: like() keeps their result an integer)
    if op == ATAN2:
        return like(np.arctan2(x, y), x)
    if op == HYPOT:
        return like(np.hypot(x, y), x)
    return x  # unreachable: the backend only passes known codes


@kernel
def binary_1d(op, a, b, out):
    n = out.shape[0]
    if op == ADD:
        for i in range(n):
            out[i] = a[i] + b[i]
    elif op == SUB:
        for i in range(n):
            out[i] = a[i] - b[i]
    elif op == MUL:
        for i in range(n):
            out[i] = a[i] * b[i]
    elif op == DIV:
        for i in range(n):
            out[i] = a[i] / b[i]
    else:
        for i in range(n):
            out[i] = _binop(op, a[i], b[i])


@parallel_kernel
def binary_1d_par(op, a, b, out):
    n = out.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        lo = c * step
        hi = min(n, lo + step)
        if lo < hi:
            binary_1d(op, a[lo:hi], b[lo:hi], out[lo:hi])


@kernel
def binary_rows(op, a, b, out, lo, hi):
    d1, d2 = out.shape[1], out.shape[2]
    for r in range(lo, hi):
        i, j, k = r // (d1 * d2), (r // d2) % d1, r % d2
        binary_1d(op, a[i, j, k], b[i, j, k], out[i, j, k])


@parallel_kernel
def binary_rows_par(op, a, b, out):
    rows = out.shape[0] * out.shape[1] * out.shape[2]
    step = (rows + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        binary_rows(op, a, b, out, c * step, min(rows, c * step + step))


@kernel
def binary_bcast(op, a, b, out):
    """Broadcasting in the kernel: a, b and out are 4-D (padded with leading 1s), and a or b
    may have size 1 in any dim.  Saves building stride-0 views in Python (~5 us per operand),
    which dominated small broadcast ops like `x @ w + b`."""
    d0, d1, d2, n = out.shape
    for i in range(d0):
        ai = i if a.shape[0] != 1 else 0
        bi = i if b.shape[0] != 1 else 0
        for j in range(d1):
            aj = j if a.shape[1] != 1 else 0
            bj = j if b.shape[1] != 1 else 0
            for k in range(d2):
                ra = a[ai, aj, k if a.shape[2] != 1 else 0]
                rb = b[bi, bj, k if b.shape[2] != 1 else 0]
                ro = out[i, j, k]
                if ra.shape[0] == n:
                    if rb.shape[0] == n:
                        binary_1d(op, ra, rb, ro)
                    else:
                        binary_1d(op, ra, np.broadcast_to(rb, (n,)), ro)
                else:  # rb.shape[0] == n: n is the larger of the two row lengths (a call
                    # with both rows broadcast could never run, yet cost a 1 s compile)
                    binary_1d(op, np.broadcast_to(ra, (n,)), rb, ro)


def _flat(a):
    """a C-contiguous array as 1-D (a itself when it already is)."""


@overload(_flat, inline="always")
def _flat_typed(a):
    # chosen while typing: Numba's reshape calls a runtime helper (~35 ns), a tenth of a
    # 10-element add, so 1-D operands skip it
    if a.ndim == 1:
        return lambda a: a
    return lambda a: a.reshape(a.size)


# A number operand goes in as a small C-contiguous block of copies, the operand walked in
# blocks of that length: the 1-D loops then take the same (C, C, C) types as for two arrays and
# are compiled once (a stride-0 view compiled each loop again, ~1.8 s apiece on a cold cache,
# for the number on the right, on the left and in comparisons).
_SCALAR_BLOCK = 256


@inline
def _with_scalar(a, s, out):
    """a and out flattened, and the block of copies of s."""
    af = _flat(a)
    block = np.empty(min(af.shape[0], _SCALAR_BLOCK), a.dtype)
    block[:] = s
    return af, _flat(out), block


@kernel
def binary_small(op, a, b, out):
    """Same-shape C-contiguous operands of any rank (binary_small_scalar: b is a scalar),
    flattened here, where it is nearly free: three reshapes and a scalar view cost ~0.6 us
    from Python, which is most of a small op's budget."""
    binary_1d(op, _flat(a), _flat(b), _flat(out))


@kernel
def binary_small_scalar(op, a, s, out):
    af, of, sv = _with_scalar(a, s, out)
    for i in range(0, af.shape[0], _SCALAR_BLOCK):
        j = min(af.shape[0], i + _SCALAR_BLOCK)
        binary_1d(op, af[i:j], sv[:j - i], of[i:j])


@kernel
def binary_small_scalar_left(op, s, a, out):
    """s op a[i] for a Python number s on the left (1 - x, 2 / x, 2 ** x)."""
    af, of, sv = _with_scalar(a, s, out)
    for i in range(0, af.shape[0], _SCALAR_BLOCK):
        j = min(af.shape[0], i + _SCALAR_BLOCK)
        binary_1d(op, sv[:j - i], af[i:j], of[i:j])


@kernel
def binary_rowvec(op, a, v, out, swap):
    """out = a op v (v op a with swap) for C-contiguous a and out of one shape and v holding
    one row of a's last dim, repeated down every row: `x @ w + b`'s broadcast, any ranks."""
    m = v.size
    af, vf, of = _flat(a), _flat(v), _flat(out)
    for r in range(0, af.shape[0], m):
        row = af[r:r + m]
        x, y = (vf, row) if swap else (row, vf)  # one call site: binary_1d is big to compile
        binary_1d(op, x, y, of[r:r + m])


# ---- comparisons and logical ops: any dtype in, bool out ----------------------------------


@kernel
def compare_1d(op, a, b, out):
    n = out.shape[0]
    if op == EQ:
        for i in range(n):
            out[i] = a[i] == b[i]
    elif op == NE:
        for i in range(n):
            out[i] = a[i] != b[i]
    elif op == LT:
        for i in range(n):
            out[i] = a[i] < b[i]
    elif op == LE:
        for i in range(n):
            out[i] = a[i] <= b[i]
    elif op == GT:
        for i in range(n):
            out[i] = a[i] > b[i]
    elif op == GE:
        for i in range(n):
            out[i] = a[i] >= b[i]
    elif op == LAND:
        for i in range(n):
            out[i] = (a[i] != 0) and (b[i] != 0)
    elif op == LOR:
        for i in range(n):
            out[i] = (a[i] != 0) or (b[i] != 0)
    else:
        for i in range(n):
            out[i] = (a[i] != 0) != (b[i] != 0)


@kernel
def compare_small(op, a, b, out):
    """Same-shape C-contiguous operands of any rank (compare_small_scalar: b is a scalar),
    flattened here for the same reason as binary_small."""
    compare_1d(op, _flat(a), _flat(b), _flat(out))


@kernel
def compare_small_scalar(op, a, s, out):
    af, of, sv = _with_scalar(a, s, out)
    for i in range(0, af.shape[0], _SCALAR_BLOCK):
        j = min(af.shape[0], i + _SCALAR_BLOCK)
        compare_1d(op, af[i:j], sv[:j - i], of[i:j])


@kernel
def compare_rows(op, a, b, out, lo, hi):
    d1, d2 = out.shape[1], out.shape[2]
    for r in range(lo, hi):
        i, j, k = r // (d1 * d2), (r // d2) % d1, r % d2
        compare_1d(op, a[i, j, k], b[i, j, k], out[i, j, k])


# ---- bitwise: integer and bool only ------------------------------------------------------


@inline
def _bitop(op, x, y):
    if op == BAND:
        return x & y
    if op == BOR:
        return x | y
    if op == BXOR:
        return x ^ y
    if op == LSHIFT:
        return x << y
    return x >> y


@kernel
def bitwise_1d(op, a, b, out):
    for i in range(out.shape[0]):
        out[i] = _bitop(op, a[i], b[i])


@kernel
def bitwise_rows(op, a, b, out, lo, hi):
    d1, d2 = out.shape[1], out.shape[2]
    for r in range(lo, hi):
        i, j, k = r // (d1 * d2), (r // d2) % d1, r % d2
        bitwise_1d(op, a[i, j, k], b[i, j, k], out[i, j, k])


# ---- unary on floats ---------------------------------------------------------------------


# ---- a float32 exp that vectorises ---------------------------------------------------------
# Numba can only call libm's expf, one element at a time (2.7 ns here); this one is plain
# arithmetic, so LLVM runs 8 lanes at once: 0.6 ns per element, within 1 ulp (91% correctly
# rounded; libm 0.5 ulp, PyTorch's Sleef 1 ulp).


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose bit pattern is the low 32 bits of an integer."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        v = args[0]
        if bits.bitwidth > 32:
            v = builder.trunc(v, ir.IntType(32))
        return builder.bitcast(v, ir.FloatType())
    return types.float32(bits), codegen


@inline
def _expf(x):
    """e^x for a float32 x: 2^n * e^r with n = round(x / ln 2), r reduced in two steps
    (Cody-Waite), e^r = 1 + r + r^2 q(r) with q fitted (least squares, relative error) on
    |r| <= ln(2) / 2, and 2^n as two float32 factors so that results near the top of the
    range and denormals come out right."""
    f = np.float32
    xc = min(max(x, f(-104.0)), f(89.0))
    n = np.rint(xc * f(1.44269504))
    r = xc - n * f(0.693359375)
    r = r - n * f(-2.12194440e-4)
    q = f(0.00019826496200339456)
    q = q * r + f(0.0013946020784317975)
    q = q * r + f(0.00833342997533356)
    q = q * r + f(0.04166627028506924)
    q = q * r + f(0.16666666163889216)
    q = q * r + f(0.5000000078130339)
    p = f(1.0) + (r + r * r * q)
    ni = np.int32(n)
    half = ni >> np.int32(1)
    y = (p * _float32_from_bits((half + np.int32(127)) << np.int32(23))) * \
        _float32_from_bits((ni - half + np.int32(127)) << np.int32(23))
    return x if x != x else y  # NaN stays NaN; +-inf saturate through the clamp


def _for_float32(fast, other):
    """A function for kernels that compiles to `fast` for a float32 argument and to `other`
    (libm's, through NumPy or math) for any other type (a Numba overload)."""
    def pick(x):
        return other(x)

    @overload(pick)
    def _pick(x):
        return (lambda x: fast(x)) if x == types.float32 else (lambda x: other(x))
    return pick


_exp = _for_float32(_expf, np.exp)


# ---- a float32 erf that vectorises, for erf and gelu -----------------------------------------
# libm's erff costs 12 ns per element here, one at a time; this is polynomials and _expf,
# 1 ns.  Within 2 ulp (99.7% of float32 inputs within 1; libm 1 ulp): on |x| < 1.25,
# x + x*R(x^2); above, 1 - e^Q(|x|) with Q fitted to log(erfc) on [1.25, 4] (erf rounds to +-1
# from 3.92).  The coefficients are least-squares fits in float64 (relative error for R,
# error scaled by erfc/erf for Q), chosen with the float32 evaluation over a dense grid.


@inline
def _erff(x):
    f = np.float32
    t = x * x
    r = f(-7.628161706740855e-06)
    r = r * t + f(0.00010425943540168237)
    r = r * t + f(-0.0008346989966547674)
    r = r * t + f(0.0052098845210193645)
    r = r * t + f(-0.026860784775481615)
    r = r * t + f(0.1128369167398949)
    r = r * t + f(-0.37612632187908107)
    r = r * t + f(0.12837916662626436)
    near = x + x * r
    a = abs(x)
    u = min(a, f(4.0)) - f(2.625)
    q = f(2.240965186750543e-07)
    q = q * u + f(2.7903390793504457e-06)
    q = q * u + f(-9.919367263577783e-06)
    q = q * u + f(6.632599094213987e-05)
    q = q * u + f(-0.00036840555005368536)
    q = q * u + f(0.0019188987283753622)
    q = q * u + f(-0.009838199531315484)
    q = q * u + f(-0.9477703375929919)
    q = q * u + f(-5.589146715371028)
    q = q * u + f(-8.490669396940337)
    far = np.copysign(f(1.0) - _expf(q), x)
    return far if a >= f(1.25) else near  # NaN takes near, which stays NaN


_erf = _for_float32(_erff, math.erf)


@inline
def _gelu(x):
    t = type(x)  # constants in x's dtype, as in _sigmoid
    return t(0.5) * x * (t(1) + _erf(x * t(0.7071067811865476)))


@inline
def _sigmoid(x):
    """1 / (1 + e^-x), computed from e^-|x| so exp never overflows and without a branch
    (random signs mispredict), in x's dtype: `type(x)(1)`, as a literal 1 would widen float32
    to float64 (2.8x slower in all)."""
    one = type(x)(1)
    e = _exp(-abs(x))
    r = one / (one + e)
    return r if x >= 0 else e * r


@inline
def _unop(op, x):
    if op == NEG:
        return -x
    if op == ABS:
        return abs(x)
    if op == SIGN:  # sign(nan) is 0 in PyTorch
        return (x > 0) - (x < 0)
    if op == EXP:
        return _exp(x)
    if op == LOG:
        return np.log(x)
    if op == LOG2:
        return np.log2(x)
    if op == LOG10:
        return np.log10(x)
    if op == LOG1P:
        return np.log1p(x)
    if op == EXPM1:
        return np.expm1(x)
    if op == SQRT:
        return np.sqrt(x)
    if op == RSQRT:
        return 1 / np.sqrt(x)
    if op == SIN:
        return np.sin(x)
    if op == COS:
        return np.cos(x)
    if op == TAN:
        return np.tan(x)
    if op == ASIN:
        return np.arcsin(x)
    if op == ACOS:
        return np.arccos(x)
    if op == ATAN:
        return np.arctan(x)
    if op == SINH:
        return np.sinh(x)
    if op == COSH:
        return np.cosh(x)
    if op == TANH:
        return np.tanh(x)
    if op == SIGMOID:
        return _sigmoid(x)
    if op == FLOOR:
        return np.floor(x)
    if op == CEIL:
        return np.ceil(x)
    if op == ROUND:
        return np.rint(x)
    if op == TRUNC:
        return np.trunc(x)
    if op == RECIPROCAL:
        return 1 / x
    if op == SQUARE:
        return x * x
    if op == ERF:
        return _erf(x)
    if op == ERFC:
        return math.erfc(x)
    if op == FRAC:
        return x - np.trunc(x)
    if op == EXP2:
        return np.exp2(x)
    if op == SILU:
        return x * _sigmoid(x)
    if op == SOFTPLUS:  # log(1 + e^x) without overflow
        return max(x, 0) + np.log1p(np.exp(-abs(x)))
    if op == ASINH:
        return np.arcsinh(x)
    if op == ACOSH:
        return np.arccosh(x)
    if op == ATANH:
        return np.arctanh(x)
    if op == LOGIT:
        return np.log(x / (1 - x))
    if op == GELU:
        return _gelu(x)
    if op == GELU_TANH:
        t = type(x)
        return t(0.5) * x * (t(1) + np.tanh(t(0.7978845608028654) * (x + t(0.044715) * x * x * x)))
    return x


@kernel
def unary_1d(op, a, out):
    n = out.shape[0]
    if op == RELU:
        for i in range(n):
            x = a[i]
            # `x < 0` keeps NaN and -0.0, as torch.relu does
            out[i] = 0 if x < 0 else x
    elif op == NEG:
        for i in range(n):
            out[i] = -a[i]
    elif op == EXP:
        for i in range(n):
            out[i] = _exp(a[i])
    elif op == SIGMOID:
        for i in range(n):
            out[i] = _sigmoid(a[i])
    elif op == TANH:
        for i in range(n):
            out[i] = np.tanh(a[i])
    elif op == SQRT:
        for i in range(n):
            out[i] = np.sqrt(a[i])
    elif op == ABS:
        for i in range(n):
            out[i] = abs(a[i])
    elif op == GELU or op == ERF:  # erf (gelu's backward) vectorises only in a loop of its own
        for i in range(n):
            out[i] = _gelu(a[i]) if op == GELU else _erf(a[i])
    else:
        for i in range(n):
            out[i] = _unop(op, a[i])


@parallel_kernel
def unary_1d_par(op, a, out):
    n = out.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for c in prange(CHUNKS):
        lo = c * step
        hi = min(n, lo + step)
        if lo < hi:
            unary_1d(op, a[lo:hi], out[lo:hi])


@kernel
def unary_small(op, a, out):
    """unary_1d on a C-contiguous array of any rank (see binary_small)."""
    unary_1d(op, _flat(a), _flat(out))


@kernel
def unary_rows(op, a, out, lo, hi):
    d1, d2 = out.shape[1], out.shape[2]
    for r in range(lo, hi):
        i, j, k = r // (d1 * d2), (r // d2) % d1, r % d2
        unary_1d(op, a[i, j, k], out[i, j, k])


# ---- unary on integers (neg, abs, sign, relu, square, bitwise not) ---------------------------


# ---- derivatives of unary ops, for backward passes that build no graph ------------------
@kernel
def unary_grad_small(op, g, v, one, out):
    """out = d op * g from the saved output v, for C-contiguous same-shape arrays of any rank
    (relu, sigmoid, tanh: op codes above), evaluated in the operands' dtype and order exactly
    as the tensor formulas in _ops/pointwise.py are (`one` is 1 in that dtype)."""
    gf, vf, of = g.reshape(g.size), v.reshape(v.size), out.reshape(out.size)
    if op == RELU:  # the gradient passes wherever the output is not <= 0 (NaN passes it)
        for i in range(of.size):
            of[i] = 0 if vf[i] <= 0 else gf[i]
    elif op == SIGMOID:
        for i in range(of.size):
            of[i] = gf[i] * vf[i] * (one - vf[i])
    elif op == TANH:
        for i in range(of.size):
            of[i] = gf[i] * (one - vf[i] * vf[i])


@kernel
def clamp_grad_small(g, x, lo, hi, out):
    """out = g where lo <= x <= hi (NaN x fails both), else 0: clamp's input gradient."""
    gf, xf, of = g.reshape(g.size), x.reshape(x.size), out.reshape(out.size)
    for i in range(of.size):
        of[i] = gf[i] if (xf[i] >= lo) & (xf[i] <= hi) else 0


@kernel
def int_unary_1d(op, a, out):
    for i in range(out.shape[0]):
        x = a[i]
        if op == NEG:
            out[i] = -x
        elif op == ABS:
            out[i] = -x if x < 0 else x
        elif op == SIGN:
            out[i] = (x > 0) - (x < 0)
        elif op == RELU:
            out[i] = x if x > 0 else 0
        elif op == SQUARE:
            out[i] = x * x
        else:
            out[i] = ~x


# ---- float predicates: float in, bool out -------------------------------------------------


@kernel
def predicate_1d(op, a, out):
    for i in range(out.shape[0]):
        x = a[i]
        if op == ISNAN:
            out[i] = x != x
        elif op == ISINF:
            out[i] = np.isinf(x)
        elif op == ISFINITE:
            out[i] = np.isfinite(x)
        elif op == ISPOSINF:
            out[i] = x == np.inf
        elif op == ISNEGINF:
            out[i] = x == -np.inf
        else:
            out[i] = np.signbit(x)


# ---- ternary: where(cond, x, y), clamp(x, lo, hi), lerp(start, end, weight) -------------------


@kernel
def ternary_1d(op, a, b, c, out):
    n = out.shape[0]
    if op == WHERE:
        for i in range(n):
            out[i] = b[i] if a[i] else c[i]
    elif op == CLAMP:  # min(max(x, lo), hi), a NaN anywhere giving NaN (as in PyTorch)
        for i in range(n):
            lo = b[i]
            hi = c[i]
            v = lo if (a[i] < lo) | (lo != lo) else a[i]
            out[i] = hi if (v > hi) | (hi != hi) else v
    elif op == CLAMP_MIN:
        for i in range(n):
            out[i] = b[i] if (a[i] < b[i]) | (b[i] != b[i]) else a[i]
    elif op == CLAMP_MAX:
        for i in range(n):
            out[i] = b[i] if (a[i] > b[i]) | (b[i] != b[i]) else a[i]
    else:
        for i in range(n):
            w = c[i]
            # torch's lerp: the two-sided formula keeps lerp(a, b, 1) == b exactly
            if abs(w) < 0.5:
                out[i] = a[i] + w * (b[i] - a[i])
            else:
                out[i] = b[i] - (b[i] - a[i]) * (1 - w)


@parallel_kernel
def ternary_1d_par(op, a, b, c, out):
    n = out.shape[0]
    step = (n + CHUNKS - 1) // CHUNKS
    for k in prange(CHUNKS):
        lo = k * step
        hi = min(n, lo + step)
        if lo < hi:
            ternary_1d(op, a[lo:hi], b[lo:hi], c[lo:hi], out[lo:hi])


@kernel
def ternary_rows(op, a, b, c, out, lo, hi):
    d1, d2 = out.shape[1], out.shape[2]
    for r in range(lo, hi):
        i, j, k = r // (d1 * d2), (r // d2) % d1, r % d2
        ternary_1d(op, a[i, j, k], b[i, j, k], c[i, j, k], out[i, j, k])
