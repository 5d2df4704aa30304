"""Elementwise kernels: unary, binary, comparison, bitwise and ternary op families.

Every family has one loop kernel over 1-D arrays (`*_1d`) that switches on an op code *outside*
its loops: the hot ops (add, mul, relu, ...) each get a loop of their own that vectorises --
the operators written out, the others calling their own small rule from kernels/scalar.py
(`shared.sigmoid(x)`); rarer ops share a loop over the family's whole rule (`shared.unop`),
inlined.  The backend hands these kernels either flat contiguous arrays or 4-D
views (broadcast dims have stride 0, Python scalars are stride-0 1-D views); `*_rows` walks the
first three dims of the 4-D case and calls the 1-D loop per row, `*_par` splits rows or the flat
range over threads.  This keeps compiled variants to a few per dtype instead of one per
rank/layout/dtype pair.
"""

import numpy as np
from numba.extending import overload

from ...opcodes import (
    ABS,
    ADD,
    CEIL,
    CLAMP,
    CLAMP_MAX,
    CLAMP_MIN,
    DIV,
    EQ,
    ERF,
    EXP,
    FLOOR,
    GE,
    GELU,
    GT,
    LE,
    LT,
    MUL,
    NE,
    NEG,
    RELU,
    ROUND,
    SIGMOID,
    SQRT,
    SUB,
    TANH,
    TRUNC,
    WHERE,
)
from ._jit import CHUNKS, inline, kernel, parallel_kernel, prange
from .scalar import shared

# ---- binary arithmetic: out dtype == input dtype -----------------------------------------


@kernel
def binary_1d(op, a, b, out):
    n = out.shape[0]
    if op == ADD:  # (the four operators in loops of their own, which vectorise)
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
            out[i] = shared.binop(op, a[i], b[i])


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
    if op == EQ:  # (the six comparison operators in loops of their own, which vectorise)
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
    else:
        for i in range(n):
            out[i] = shared.compare(op, a[i], b[i])


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


@kernel
def bitwise_1d(op, a, b, out):
    for i in range(out.shape[0]):
        out[i] = shared.bitop(op, a[i], b[i])


@kernel
def bitwise_rows(op, a, b, out, lo, hi):
    d1, d2 = out.shape[1], out.shape[2]
    for r in range(lo, hi):
        i, j, k = r // (d1 * d2), (r // d2) % d1, r % d2
        bitwise_1d(op, a[i, j, k], b[i, j, k], out[i, j, k])


# ---- unary on floats ---------------------------------------------------------------------


@kernel
def unary_1d(op, a, out):
    # a loop of its own for each hot op, so that it vectorises, calling that op's own small
    # rule (inlining the whole ladder into each loop compiled 3x slower: 23 s of JIT for the
    # ring demo against 7); the rest share one loop over the ladder
    n = out.shape[0]
    if op == RELU:
        for i in range(n):
            out[i] = shared.relu(a[i])
    elif op == NEG:
        for i in range(n):
            out[i] = -a[i]
    elif op == EXP:
        for i in range(n):
            out[i] = shared.exp(a[i])
    elif op == SIGMOID:
        for i in range(n):
            out[i] = shared.sigmoid(a[i])
    elif op == TANH:
        for i in range(n):
            out[i] = np.tanh(a[i])
    elif op == SQRT:
        for i in range(n):
            out[i] = shared.sqrt(a[i])
    elif op == ABS:
        for i in range(n):
            out[i] = abs(a[i])
    elif op == GELU:
        for i in range(n):
            out[i] = shared.gelu(a[i])
    elif op == ERF:  # (gelu's backward)
        for i in range(n):
            out[i] = shared.erf(a[i])
    elif op == ROUND:  # (the roundings vectorise too: 4x faster than through the ladder)
        for i in range(n):
            out[i] = shared.rint(a[i])
    elif op == FLOOR:
        for i in range(n):
            out[i] = shared.floor(a[i])
    elif op == CEIL:
        for i in range(n):
            out[i] = shared.ceil(a[i])
    elif op == TRUNC:
        for i in range(n):
            out[i] = shared.trunc(a[i])
    else:
        for i in range(n):
            out[i] = shared.unop(op, a[i])


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
        out[i] = shared.int_unop(op, a[i])


# ---- float predicates: float in, bool out -------------------------------------------------


@kernel
def predicate_1d(op, a, out):
    for i in range(out.shape[0]):
        out[i] = shared.predicate(op, a[i])


# ---- ternary: where(cond, x, y), clamp(x, lo, hi), lerp(start, end, weight) -------------------


@kernel
def ternary_1d(op, a, b, c, out):
    n = out.shape[0]
    if op == WHERE:
        for i in range(n):
            out[i] = b[i] if a[i] else c[i]
    # CPU-only override of shared.ternop's clamps (the same NaN rule): written in the loop,
    # a clamp of 200k float32 took 95 us, through the inlined rule 130 us
    elif op == CLAMP:
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
            out[i] = shared.ternop(op, a[i], b[i], c[i])


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
