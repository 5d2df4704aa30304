"""The op codes every layer shares: the ops pick them, the backend passes them on, and the CPU
and CUDA kernels switch on them.  A neutral module (it imports nothing) so that neither
backend depends on the other's kernels and nothing above the backend imports a kernel module.

Each family numbers its ops from 0; a kernel only ever receives codes of its own family.
Never renumber a code: Numba freezes these values into the compiled kernels, and its on-disk
cache does not notice a change in this file, so a renumbering would run stale kernels with
the new codes (append new codes at the end of a family instead)."""

# ---- elementwise: binary arithmetic (out dtype == input dtype) ----------------------------
(ADD, SUB, MUL, DIV, FLOORDIV, TRUNCDIV, REM, FMOD, POW, MAXIMUM, MINIMUM, ATAN2, HYPOT, REM_INT,
 FMOD_INT, POW_INT) = range(16)
# Numba's np.fmod is wrong for negative integer divisors, so integers take REM_INT/FMOD_INT;
# its int ** int goes through float64 (3 ** 41 comes out 29 off), so integers take POW_INT

# ---- elementwise: comparisons and logical ops (any dtype in, bool out) --------------------
EQ, NE, LT, LE, GT, GE, LAND, LOR, LXOR = range(9)

# ---- elementwise: bitwise (integer and bool only) -----------------------------------------
BAND, BOR, BXOR, LSHIFT, RSHIFT = range(5)

# ---- elementwise: unary on floats ---------------------------------------------------------
(NEG, ABS, SIGN, EXP, LOG, LOG2, LOG10, LOG1P, EXPM1, SQRT, RSQRT, SIN, COS, TAN, ASIN, ACOS,
 ATAN, SINH, COSH, TANH, SIGMOID, RELU, FLOOR, CEIL, ROUND, TRUNC, RECIPROCAL, SQUARE, ERF, ERFC,
 FRAC, EXP2, SILU, SOFTPLUS, ASINH, ACOSH, ATANH, LOGIT, GELU, GELU_TANH, SIGN_BIT) = range(41)
# ... of which these also exist for integers, plus bitwise not
INT_UNARY = frozenset((NEG, ABS, SIGN, RELU, SQUARE))
BITNOT = 100

# ---- elementwise: float predicates (float in, bool out) -----------------------------------
ISNAN, ISINF, ISFINITE, ISPOSINF, ISNEGINF, SIGNBIT = range(6)

# ---- elementwise: ternary: where(cond, x, y), clamp(x, lo, hi), lerp(start, end, weight) ---
WHERE, CLAMP, LERP, CLAMP_MIN, CLAMP_MAX = range(5)

# ---- reductions, arg-reductions and scans -------------------------------------------------
SUM, PROD, MAX, MIN, ANY, ALL = range(6)
ARGMAX, ARGMIN = 0, 1
CUMSUM, CUMPROD, CUMMAX, CUMMIN = range(4)

# ---- scatter modes (index_put_, scatter_, scatter_add_ / reduce=) -------------------------
SCATTER_ASSIGN, SCATTER_ADD, SCATTER_MULTIPLY = range(3)
