"""Elementwise ops against NumPy (always) and PyTorch (when installed), over broadcasting,
0-d, empty and non-contiguous inputs."""

import numpy as np
import pytest
from conftest import assert_same, check_like_torch, to_torch
from op_tables import DOMAIN, UNARY, UNARY_AND_ALIASES, domain

import numtorch as nt

RNG = np.random.default_rng(0)

# (shape_a, shape_b) pairs: same, broadcast both ways, 0-d, empty, high rank
SHAPE_PAIRS = [((7,), (7,)), ((3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 3)), ((2, 3), ()),
               ((0, 3), (3,)), ((2, 1, 4, 1, 3), (4, 5, 1)), ((300, 500), (300, 500)),
               ((2, 3, 4, 5, 6), (6,))]


def _arr(shape, dtype=np.float32, positive=False):
    if dtype == np.bool_:
        return RNG.random(shape) > 0.5
    if np.dtype(dtype).kind in "iu":
        lo = 1 if positive else -9
        return RNG.integers(lo, 10, shape).astype(dtype)
    a = RNG.standard_normal(shape).astype(dtype)
    return np.abs(a) + 0.5 if positive else a


def _views(shape, dtype=np.float32, positive=False, values=None):
    """The same values as a contiguous tensor, a transposed view and a strided slice
    (values: a map applied to them first)."""
    base = _arr(shape, dtype, positive)
    if values is not None:
        base = values(base).astype(base.dtype)
    yield "contiguous", nt.tensor(base)
    if len(shape) >= 2:
        yield "transposed", nt.tensor(np.ascontiguousarray(base.swapaxes(0, 1))).transpose(0, 1)
    if len(shape) >= 1 and shape[-1] > 0:
        big = np.repeat(base, 2, axis=-1)
        yield "strided", nt.tensor(big)[..., ::2]


BINARY = {
    "add": (np.add, False), "sub": (np.subtract, False), "mul": (np.multiply, False),
    "div": (np.true_divide, False), "maximum": (np.maximum, False),
    "minimum": (np.minimum, False), "pow": (np.power, True), "remainder": (np.mod, True),
    "fmod": (np.fmod, True), "floor_divide": (np.floor_divide, True),
    "atan2": (np.arctan2, False),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_float_vs_numpy(name, shapes):
    ref, positive = BINARY[name]
    sa, sb = shapes
    for _, a in _views(sa, positive=positive):
        b = nt.tensor(_arr(sb, positive=positive))
        out = getattr(nt, name)(a, b)
        with np.errstate(all="ignore"):
            expected = ref(np.asarray(a.numpy()), b.numpy())
        np.testing.assert_allclose(out.numpy(), expected, rtol=2e-5, atol=1e-6)
        assert out.dtype is nt.float32


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "remainder", "fmod",
                                  "floor_divide", "pow", "maximum", "minimum"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "float16"])
def test_binary_vs_torch(torch, name, dtype):
    np_dt = np.dtype(dtype)
    for sa, sb in SHAPE_PAIRS[:6]:
        a = nt.tensor(_arr(sa, np_dt, positive=True))
        b = nt.tensor(_arr(sb, np_dt, positive=True))
        if name == "pow" and np_dt.kind in "iu":
            b = b.clamp(max=3)
        ours = getattr(nt, name)(a, b)
        ref = getattr(torch, name)(to_torch(a, torch), to_torch(b, torch))
        tol = 2e-3 if dtype == "float16" else 1e-5
        assert_same(ours, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("scalar", [2, -3, 2.5, True, 0.1])
@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "uint8", "bool", "float64"])
def test_scalar_promotion_vs_torch(torch, scalar, dtype):
    a = nt.tensor(_arr((3, 4), np.dtype(dtype), positive=True))
    ta = to_torch(a, torch)
    for op in ("__add__", "__mul__", "__truediv__", "__radd__", "__rsub__", "__rmul__"):
        try:
            ref = getattr(ta, op)(scalar)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                getattr(a, op)(scalar)
            continue
        assert_same(getattr(a, op)(scalar), ref)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_unary_vs_torch(torch, name, dtype):
    positive = DOMAIN.get(name) == "positive"  # (integers: 1..9)
    for shape in [(5,), (3, 4), (), (0, 2), (200, 700)]:
        for _, a in _views(shape, np.dtype(dtype), positive, domain(name)):
            check_like_torch(lambda: getattr(nt, name)(a),
                             lambda: getattr(torch, name)(to_torch(a, torch)))


def test_unary_edge_values(torch):
    x = nt.tensor([0.0, -0.0, float("nan"), float("inf"), -float("inf"), 1e30, -1e30, 80.0,
                   -100.0, 0.5, -2.5, 2.5])
    tx = to_torch(x, torch)
    for name in ["relu", "sigmoid", "tanh", "sign", "abs", "round", "exp", "floor", "neg",
                 "trunc", "ceil"]:
        assert_same(getattr(nt, name)(x), getattr(torch, name)(tx))
    for name in ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit"]:
        assert_same(getattr(nt, name)(x), getattr(torch, name)(tx))
    assert_same(nt.nan_to_num(x), torch.nan_to_num(tx))
    assert_same(nt.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0),
                torch.nan_to_num(tx, nan=1.0, posinf=2.0, neginf=-2.0))


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "logical_and",
                                  "logical_or", "logical_xor"])
def test_compare_vs_torch(torch, name):
    for sa, sb in SHAPE_PAIRS:
        a = nt.tensor(_arr(sa, np.int64))
        b = nt.tensor(_arr(sb, np.int64))
        assert_same(getattr(nt, name)(a, b), getattr(torch, name)(to_torch(a, torch),
                                                                 to_torch(b, torch)))
        af = a.float()
        assert_same(getattr(nt, name)(af, 0.5), getattr(torch, name)(to_torch(af, torch),
                                                                    torch.tensor(0.5)))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_bitwise_vs_torch(torch, name, dtype):
    a = nt.tensor(_arr((4, 5), np.dtype(dtype)))
    b = nt.tensor(_arr((5,), np.dtype(dtype)))
    assert_same(getattr(nt, name)(a, b), getattr(torch, name)(to_torch(a, torch),
                                                             to_torch(b, torch)))
    assert_same(nt.bitwise_not(a), torch.bitwise_not(to_torch(a, torch)))


def test_shifts(torch):
    a = nt.tensor([1, 2, 3, 64])
    assert_same(a << 2, to_torch(a, torch) << 2)
    assert_same(a >> 1, to_torch(a, torch) >> 1)


def test_bitwise_on_float_raises():
    with pytest.raises(RuntimeError, match="bitwise_and"):
        nt.ones(3) & nt.ones(3)


def test_division_semantics():
    a = nt.tensor([-7, 7, -7, 7])
    b = nt.tensor([2, 2, -2, -2])
    assert (a // b).tolist() == [-4, 3, 3, -4]
    assert (a % b).tolist() == [1, 1, -1, -1]
    assert nt.fmod(a, b).tolist() == [-1, 1, -1, 1]
    assert nt.div(a, b, rounding_mode="trunc").tolist() == [-3, 3, 3, -3]
    assert nt.div(a, b, rounding_mode="floor").tolist() == [-4, 3, 3, -4]
    assert (a / b).dtype is nt.float32
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a // nt.tensor([0, 1, 1, 1])
    with pytest.raises(RuntimeError, match="negative integer powers"):
        a ** -1


def test_where_clamp_lerp_vs_torch(torch):
    x = nt.tensor(_arr((4, 5)))
    y = nt.tensor(_arr((5,)))
    tx, ty = to_torch(x, torch), to_torch(y, torch)
    assert_same(nt.where(x > 0, x, y), torch.where(tx > 0, tx, ty))
    assert_same(nt.where(x > 0, x, 0.0), torch.where(tx > 0, tx, 0.0))
    assert_same(nt.clamp(x, -0.5, 0.5), torch.clamp(tx, -0.5, 0.5))
    assert_same(nt.clamp(x, min=0.1), torch.clamp(tx, min=0.1))
    assert_same(x.clip(max=0.2), tx.clip(max=0.2))
    assert_same(nt.clamp(x, min=y, max=y + 1), torch.clamp(tx, min=ty, max=ty + 1))
    assert_same(nt.lerp(x, y, 0.3), torch.lerp(tx, ty, 0.3))
    assert_same(nt.lerp(x, y, x.sigmoid()), torch.lerp(tx, ty, tx.sigmoid()))
    assert_same(nt.clamp(nt.arange(5), 1, 3), torch.clamp(torch.arange(5), 1, 3))


def test_out_and_inplace(torch):
    x = nt.rand(5, 3)
    y = nt.rand(5, 3)
    result = nt.empty(5, 3)
    r = nt.add(x, y, out=result)
    assert r is result
    np.testing.assert_allclose(result.numpy(), x.numpy() + y.numpy())
    z = y.clone()
    z.add_(x)
    np.testing.assert_allclose(z.numpy(), x.numpy() + y.numpy())
    z = y.clone()
    z.add_(x, alpha=2)
    np.testing.assert_allclose(z.numpy(), y.numpy() + 2 * x.numpy(), rtol=1e-6)
    z = y.clone()
    z -= 1
    z *= 2
    z /= 4
    np.testing.assert_allclose(z.numpy(), (y.numpy() - 1) * 2 / 4, rtol=1e-6)
    long_t = nt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        long_t += 1.5
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        nt.ones(3).add_(nt.ones(2, 3))
    t = nt.ones(2, 3).t()
    t.mul_(nt.tensor([1.0, 2.0]))  # in place into a non-contiguous view
    np.testing.assert_allclose(t.numpy(), [[1, 2]] * 3)
    a = nt.tensor([1.0, -1.0])
    a.relu_()
    assert a.tolist() == [1.0, 0.0]
    a.exp_()
    np.testing.assert_allclose(a.numpy(), [np.e, 1.0], rtol=1e-6)


def test_broadcast_error_message():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 0"):
        nt.ones(3) + nt.ones(4)


def test_float16_computes_and_stores_half(torch):
    a = nt.tensor([1.5, 2.25, 3.0], dtype=nt.float16)
    b = nt.tensor([0.1, 0.2, 0.3], dtype=nt.float16)
    assert (a + b).dtype is nt.float16
    assert_same(a * b, to_torch(a, torch) * to_torch(b, torch), rtol=1e-3, atol=1e-3)
    assert (a + nt.ones(3)).dtype is nt.float32


def test_large_parallel_paths_match_numpy(monkeypatch):
    from numtorch.backend import elementwise
    # taken above PARALLEL_THRESHOLD elements (1 << 20); lowered so these sizes reach them
    monkeypatch.setattr(elementwise, "PARALLEL_THRESHOLD", 1 << 16)
    a = nt.tensor(_arr((1 << 18,)))
    b = nt.tensor(_arr((1 << 18,)))
    np.testing.assert_allclose((a * b + a).numpy(), a.numpy() * b.numpy() + a.numpy(),
                               rtol=1e-6)
    m = nt.tensor(_arr((512, 512)))
    v = nt.tensor(_arr((512,)))
    np.testing.assert_allclose((m.t() - v).numpy(), m.numpy().T - v.numpy(), rtol=1e-6)
    np.testing.assert_allclose(m.sigmoid().numpy(), 1 / (1 + np.exp(-m.numpy())), rtol=1e-5)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sin", "cos", "exp2", "log2",
                                  "sigmoid", "nn.functional.silu", "nn.functional.gelu"])
def test_large_float32_transcendentals_are_accurate_and_silent(name):
    """Large float32 inputs take NumPy's SIMD loops (backend/elementwise.py NUMPY_UNARY) or
    Numba's float32 formulas: within a few float32 ulps of a float64 reference, inf and NaN
    handled without NumPy's warnings, in place as well."""
    import warnings
    f = nt
    for part in name.split("."):
        f = getattr(f, part)
    ref_fn = {"exp2": lambda a: np.exp2(a), "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
              "nn.functional.silu": lambda a: a / (1 + np.exp(-a)),
              "nn.functional.gelu": lambda a: a * 0.5 * (1 + _erf(a / np.sqrt(2)))}.get(name) \
        or getattr(np, name)
    x = (RNG.standard_normal(8192) * 4).astype(np.float32)
    if name in ("log", "log2"):
        x = np.abs(x)
    x[:6] = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-30]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = f(nt.from_numpy(x)).numpy()
    with np.errstate(all="ignore"):
        ref = ref_fn(x.astype(np.float64))
    # gelu's 1 + erf cancels for negative x, in PyTorch's float32 as here
    atol = 1e-6 if name.endswith("gelu") else 1e-37
    close = np.isclose(got, ref, rtol=4 * np.finfo(np.float32).eps, atol=atol, equal_nan=True)
    assert close.all(), (x[~close][:5], got[~close][:5], ref[~close][:5])
    strided = f(nt.from_numpy(x.reshape(64, 128)).t()).numpy()
    assert np.array_equal(strided, got.reshape(64, 128).T, equal_nan=True)
    if "." not in name:
        y = nt.from_numpy(x.copy())
        getattr(y, name + "_")()
        assert np.array_equal(y.numpy(), got, equal_nan=True)


def _erf(a):
    from math import erf
    return np.vectorize(erf)(a)


def test_float32_erf_and_gelu_within_two_ulp():
    """float32 erf is two fitted pieces (kernels/cpu/elementwise.py _erff): within 2 ulp of
    the float64 result (and 1 ulp for all but a few in a thousand) on a dense grid over the
    range where it is not +-1, odd, exact at the special values; gelu and gelu's gradient use
    it, and match their float64 values."""
    grid = np.concatenate([np.linspace(-4.5, 4.5, 1_000_001),
                           np.linspace(-1e-3, 1e-3, 10_001)]).astype(np.float32)
    got = nt.from_numpy(grid).erf().numpy()
    ref = _erf(grid.astype(np.float64))
    ulps = np.abs(got - ref) / np.spacing(np.abs(ref).astype(np.float32))
    assert ulps.max() <= 2.05 and (ulps > 1).mean() < 0.005
    assert np.array_equal(got, -nt.from_numpy(-grid).erf().numpy())
    special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-45, 5.0], np.float32)
    assert np.array_equal(nt.from_numpy(special).erf().numpy(),
                          np.array([1, -1, np.nan, 0.0, -0.0, 1e-45 * 1.1283791, 1], np.float32),
                          equal_nan=True)
    assert np.signbit(nt.from_numpy(special).erf().numpy()[4])
    x = nt.from_numpy(grid[::7]).requires_grad_()
    y = nt.nn.functional.gelu(x)
    y.sum().backward()
    x64 = grid[::7].astype(np.float64)
    phi = 0.5 * (1 + _erf(x64 / np.sqrt(2)))
    np.testing.assert_allclose(y.detach().numpy(), x64 * phi, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(x.grad.numpy(), phi + x64 * np.exp(-x64 * x64 / 2)
                               / np.sqrt(2 * np.pi), rtol=1e-6, atol=1e-6)


def test_float32_exp_within_one_ulp_over_its_whole_range():
    """float32 exp has its own vectorised kernel (kernels/cpu/elementwise.py _expf): within
    1 ulp of the float64 result from underflow to overflow, denormals included, and exact
    at the special values."""
    grid = np.concatenate([np.linspace(-104.5, 89.0, 1_000_003),
                           np.linspace(-1e-3, 1e-3, 10_001)]).astype(np.float32)
    got = nt.from_numpy(grid).exp().numpy()
    ref = np.exp(grid.astype(np.float64))
    with np.errstate(over="ignore"):
        ref32 = ref.astype(np.float32)
    ulp = np.spacing(ref32).astype(np.float64)
    finite = np.isfinite(ref32)
    assert (np.abs(got[finite] - ref[finite]) <= ulp[finite]).all()
    assert (got[~finite] == np.inf).all()
    special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 88.72283, 88.72284, -103.0, -110.0],
                       np.float32)
    with np.errstate(over="ignore"):
        want = np.exp(special)
    assert np.array_equal(nt.from_numpy(special).exp().numpy(), want, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_small_operator_fast_path_every_rank_and_layout(dtype):
    """`a op b` on small float tensors calls compiled kernels directly, per (dtype, rank):
    every rank, and operands that are read-only, transposed or broadcast, must give NumPy's
    answer (those layouts must leave the direct path, never be misread by it)."""
    rng = np.random.default_rng(0)
    for shape in [(), (1,), (7,), (3, 4), (2, 3, 2), (2, 1, 3, 2), (1, 2, 1, 2, 3)]:
        x = np.asarray(rng.standard_normal(shape), dtype)
        y = np.asarray(rng.standard_normal(shape) + 3, dtype)
        ro = y.copy()
        ro.flags.writeable = False
        for xa, ya in [(x, y), (x, ro), (ro, x)]:
            a, b = nt.from_numpy(xa), nt.from_numpy(ya)
            for got, want in [(a + b, xa + ya), (a - b, xa - ya), (a * b, xa * ya),
                              (a / b, xa / ya), (a * 2.5, xa * dtype(2.5)),
                              (a - 3, xa - dtype(3)), (a / 7, xa / dtype(7))]:
                assert got.dtype == a.dtype and got.shape == want.shape
                np.testing.assert_array_equal(got.numpy(), want)
    x = rng.standard_normal((4, 3)).astype(dtype)
    y = rng.standard_normal((3, 4)).astype(dtype)
    a, b = nt.from_numpy(x), nt.from_numpy(y)
    np.testing.assert_array_equal((a.t() + b).numpy(), x.T + y)
    np.testing.assert_array_equal((a + b.t()).numpy(), x + y.T)
    np.testing.assert_array_equal((a.t() * 2.0).numpy(), x.T * dtype(2.0))
    np.testing.assert_array_equal((a + nt.from_numpy(y[0, :3])).numpy(), x + y[0, :3])


def test_small_broadcasts_match_numpy_and_raise_like_it():
    """Row-vector and single-element broadcasts (`x @ w + b`) take direct kernel calls; every
    pairing of these shapes, either way round, must give NumPy's values and shape, and the
    pairs NumPy rejects must raise."""
    import itertools
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (1, 4), (1, 1), (1,), (), (2, 3, 4), (1, 1, 4), (3, 1), (5,)]
    for sa, sb in itertools.product(shapes, shapes):
        for dt in (np.float32, np.float64):
            xa = np.asarray(rng.standard_normal(sa) + 2, dt)
            ya = np.asarray(rng.standard_normal(sb) + 2, dt)
            a, b = nt.from_numpy(xa), nt.from_numpy(ya)
            try:
                np.broadcast_shapes(sa, sb)
            except ValueError:
                with pytest.raises(RuntimeError):
                    a + b
                continue
            for got, want in [(a + b, xa + ya), (a - b, xa - ya), (b / a, ya / xa),
                              (a * b, xa * ya)]:
                assert got.shape == want.shape and got.dtype == a.dtype, (sa, sb)
                np.testing.assert_array_equal(got.numpy(), want)


def test_in_place_ops_apply_once_on_first_use():
    """The direct-call tables compile a kernel on its first use in a process; an in-place op
    being that first use must still apply exactly once (typing the arguments, never running
    them), so this runs in a fresh interpreter."""
    import subprocess
    import sys
    program = ("import numtorch as nt\n"
               "z = nt.ones(2, 3, 4, 5, dtype=nt.float64)\n"
               "z.add_(nt.ones(2, 3, 4, 5, dtype=nt.float64))\n"
               "z.mul_(3.0)\n"
               "print(z.sum().item())\n")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         check=True)
    assert float(out.stdout.strip().splitlines()[-1]) == 2 * 3 * 120


@pytest.mark.parametrize("n", [0, 1, 255, 256, 257, 1000])
def test_number_operands_across_block_boundaries(n):
    """A number operand is applied in blocks of 256 copies: lengths around the block size
    must match NumPy, on either side of the operator and in comparisons."""
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    a = nt.from_numpy(x)
    np.testing.assert_array_equal((a * 2.5).numpy(), x * np.float32(2.5))
    np.testing.assert_array_equal((1 - a).numpy(), np.float32(1) - x)
    np.testing.assert_array_equal((a.reshape(-1, 1) / 3.0).numpy().ravel(), x / np.float32(3))
    np.testing.assert_array_equal((a < 0.3).numpy(), x < np.float32(0.3))


@pytest.mark.parametrize("name", UNARY_AND_ALIASES)
def test_unary_table_makes_torch_names_methods_and_inplace_forms(torch, name):
    """One line in pointwise.py's UNARY_OPS makes torch.<name>, Tensor.<name> and
    Tensor.<name>_, as PyTorch has them; the in-place form writes the op's values into self."""
    assert hasattr(torch, name) and hasattr(torch.Tensor, name + "_"), name
    fn = getattr(nt, name)
    assert getattr(nt.Tensor, name) is fn
    x = nt.tensor(domain(name)(RNG.standard_normal((3, 4))))
    y = x.clone()
    assert getattr(y, name + "_")() is y
    assert_same(y, fn(x))
    assert_same(y, getattr(torch, name)(to_torch(x, torch)))
