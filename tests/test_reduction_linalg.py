"""Reductions, scans, softmax and matrix products against NumPy and PyTorch."""

import numpy as np
import pytest
from conftest import assert_same, check_like_torch, to_torch

import numtorch as nt

RNG = np.random.default_rng(1)
SHAPES = [(7,), (3, 4), (2, 3, 4), (), (0, 3), (40, 50, 60)]


def _inputs(dtype=np.float32):
    for shape in SHAPES:
        base = RNG.standard_normal(shape).astype(dtype) if np.dtype(dtype).kind == "f" else \
            RNG.integers(-5, 6, shape).astype(dtype)
        yield nt.tensor(base)
        if len(shape) >= 2:
            yield nt.tensor(np.ascontiguousarray(base.swapaxes(0, 1))).transpose(0, 1)


def _dims(t):
    yield None
    for d in range(-t.ndim, t.ndim):
        yield d
    if t.ndim >= 2:
        yield (0, t.ndim - 1)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "all", "any",
                                  "logsumexp", "std", "var", "norm", "argmax", "argmin"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_reductions_vs_torch(torch, name, dtype):
    for t in _inputs(np.dtype(dtype)):
        tt = to_torch(t, torch)
        for dim in _dims(t):
            for keepdim in (False, True):
                if dim is None and name in ("logsumexp",):
                    continue
                if dim is None and name in ("argmax", "argmin"):
                    check_like_torch(lambda: getattr(nt, name)(t, keepdim=keepdim),
                                     lambda: getattr(torch, name)(tt, keepdim=keepdim))
                    continue
                if isinstance(dim, tuple) and name in ("argmax", "argmin", "prod"):
                    continue
                if dim is None:
                    check_like_torch(lambda: getattr(nt, name)(t),
                                     lambda: getattr(torch, name)(tt), rtol=1e-4, atol=1e-5)
                    continue
                check_like_torch(lambda: getattr(nt, name)(t, dim=dim, keepdim=keepdim),
                                 lambda: getattr(torch, name)(tt, dim=dim, keepdim=keepdim),
                                 rtol=1e-4, atol=1e-5)


def test_max_min_with_dim_return_named_tuple(torch):
    x = nt.tensor([[1.0, 5.0, 5.0], [3.0, 2.0, 3.0]])
    tx = to_torch(x, torch)
    for fn in ("max", "min"):
        ours = getattr(nt, fn)(x, 1)
        ref = getattr(torch, fn)(tx, 1)
        assert_same(ours.values, ref.values)
        assert_same(ours.indices, ref.indices)
        assert repr(ours) == repr(ref)
        assert_same(getattr(nt, fn)(x, 0, keepdim=True)[1],
                    getattr(torch, fn)(tx, 0, keepdim=True)[1])
    assert_same(nt.max(x), torch.max(tx))
    assert_same(nt.max(x, nt.ones(3) * 2), torch.max(tx, torch.ones(3) * 2))


def test_nan_propagation(torch):
    x = nt.tensor([[1.0, float("nan"), 3.0], [4.0, 5.0, 6.0]])
    tx = to_torch(x, torch)
    for name in ("amax", "amin", "sum", "argmax", "argmin"):
        assert_same(getattr(nt, name)(x, 1), getattr(torch, name)(tx, 1))
    assert_same(nt.max(x, 1).indices, torch.max(tx, 1).indices)


def test_sum_dtypes_and_large_accuracy(torch):
    b = nt.tensor([True, True, False])
    assert nt.sum(b).dtype is nt.int64 and nt.sum(b).item() == 2
    i32 = nt.tensor([1, 2], dtype=nt.int32)
    assert nt.sum(i32).dtype is nt.int64
    big = nt.rand(2000, 2000)
    ref = big.numpy().astype(np.float64)
    np.testing.assert_allclose(big.sum().item(), ref.sum(), rtol=1e-6)
    np.testing.assert_allclose(big.sum(0).numpy(), ref.sum(0), rtol=1e-5)
    np.testing.assert_allclose(big.sum(1).numpy(), ref.sum(1), rtol=1e-5)
    np.testing.assert_allclose(big.mean(1).numpy(), ref.mean(1), rtol=1e-5)
    np.testing.assert_allclose(big.amax(0).numpy(), ref.max(0))
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        nt.tensor([1, 2]).mean()


def test_var_std_forms(torch):
    x = nt.randn(5, 6)
    tx = to_torch(x, torch)
    assert_same(x.var(), tx.var(), rtol=1e-5)
    assert_same(x.std(0), tx.std(0), rtol=1e-5)
    assert_same(x.var(1, unbiased=False), tx.var(1, unbiased=False), rtol=1e-5)
    assert_same(x.std(1, correction=0, keepdim=True), tx.std(1, correction=0, keepdim=True))
    assert_same(x.var(False), tx.var(False), rtol=1e-5)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "softmax", "log_softmax"])
def test_along_dim_vs_torch(torch, name):
    for t in _inputs():
        if t.ndim == 0 or t.numel() > 10000:
            continue
        for d in range(-t.ndim, t.ndim):
            assert_same(getattr(nt, name)(t, d), getattr(torch, name)(to_torch(t, torch), d),
                        rtol=1e-4, atol=1e-5)
    ints = nt.tensor([[1, 2], [3, 4]])
    if name in ("cumsum", "cumprod"):
        assert_same(getattr(nt, name)(ints, 1), getattr(torch, name)(to_torch(ints, torch), 1))


def test_softmax_is_stable_for_large_logits(torch):
    x = nt.tensor([[1e4, -1e4, 0.0], [1.0, 2.0, 3.0]])
    assert_same(nt.log_softmax(x, 1), torch.log_softmax(to_torch(x, torch), 1))
    assert_same(nt.softmax(x, 1), torch.softmax(to_torch(x, torch), 1))
    assert_same(nt.logsumexp(x, 1), torch.logsumexp(to_torch(x, torch), 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_over_every_dim_with_nan_and_inf(torch, dtype):
    """Both softmax kernels (contiguous rows for the last dim, whole rows of the inner dims
    for the others) on columns holding a NaN, all -inf, an inf, and logits far apart (the
    float32 exp's whole range), against PyTorch in float64 (its float32 log_softmax is
    further from that than ours, which sums in float64)."""
    x = RNG.uniform(-60, 60, (5, 6, 7)).astype(dtype)
    x[1, :, 2] = -np.inf
    x[:, 3, 4] = -np.inf
    x[..., 5][:, 0] = -np.inf
    x[2, 2, 2] = np.nan
    x[3, 1, 1] = np.inf
    for d in range(3):
        for name in ("softmax", "log_softmax"):
            ours = getattr(nt, name)(nt.from_numpy(x), d)
            ref = getattr(torch, name)(torch.from_numpy(x.astype(np.float64)), d).numpy()
            assert ours.dtype == getattr(nt, np.dtype(dtype).name)
            np.testing.assert_allclose(ours.numpy(), ref, equal_nan=True,
                                       rtol=2e-5 if dtype == np.float32 else 1e-13,
                                       atol=1e-37 if dtype == np.float32 else 1e-15)


def test_cummax(torch):
    x = nt.tensor([1.0, 3.0, 2.0, 3.0, 5.0])
    ours, ref = nt.cummax(x, 0), torch.cummax(to_torch(x, torch), 0)
    assert_same(ours.values, ref.values)
    assert_same(ours.indices, ref.indices)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4,)), ((3, 4), (4,)),
                                   ((4,), (4, 2)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)),
                                   ((5, 1, 3, 4), (2, 4, 2)), ((0, 3), (3, 2))])
def test_matmul_vs_torch(torch, sa, sb):
    a = nt.randn(*sa)
    b = nt.randn(*sb)
    assert_same(nt.matmul(a, b), torch.matmul(to_torch(a, torch), to_torch(b, torch)),
                rtol=1e-4, atol=1e-5)
    assert_same(a @ b, to_torch(a, torch) @ to_torch(b, torch), rtol=1e-4, atol=1e-5)


def test_matmul_family(torch):
    a, b, v = nt.randn(3, 4), nt.randn(4, 5), nt.randn(4)
    ta, tb, tv = (to_torch(x, torch) for x in (a, b, v))
    assert_same(nt.mm(a, b), torch.mm(ta, tb), rtol=1e-5)
    assert_same(nt.mv(a, v), torch.mv(ta, tv), rtol=1e-5)
    assert_same(nt.dot(v, v), torch.dot(tv, tv), rtol=1e-5)
    assert_same(nt.outer(v, v), torch.outer(tv, tv), rtol=1e-5)
    c = nt.randn(3, 5)
    tc = to_torch(c, torch)
    assert_same(nt.addmm(c, a, b), torch.addmm(tc, ta, tb), rtol=1e-5, atol=1e-6)
    assert_same(nt.addmm(c, a, b, beta=0.5, alpha=2), torch.addmm(tc, ta, tb, beta=0.5, alpha=2),
                rtol=1e-5, atol=1e-6)
    bias, w = nt.randn(5), nt.randn(5, 4)  # Linear's form: a 1-D bias, a transposed weight
    assert_same(nt.addmm(bias, a, w.t()), torch.addmm(to_torch(bias, torch), ta,
                                                      to_torch(w, torch).t()), rtol=1e-5, atol=1e-6)
    assert_same(nt.addmm(bias.double(), a.double(), b.double()),
                torch.addmm(to_torch(bias, torch).double(), ta.double(), tb.double()), rtol=1e-12)
    x, y = nt.randn(2, 3, 4), nt.randn(2, 4, 5)
    assert_same(nt.bmm(x, y), torch.bmm(to_torch(x, torch), to_torch(y, torch)), rtol=1e-5)
    assert_same(a.t(), ta.t())
    assert_same(x.mT, to_torch(x, torch).mT)
    assert_same(a.T, ta.T)
    il = nt.tensor([[1, 2], [3, 4]])
    assert_same(il @ il, to_torch(il, torch) @ to_torch(il, torch))


def test_matmul_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 4x5\)"):
        nt.ones(2, 3) @ nt.ones(4, 5)
    with pytest.raises(RuntimeError):
        nt.ones(2, 3).mm(nt.ones(3, 2, dtype=nt.float64))
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        nt.dot(nt.ones(2, 2), nt.ones(2))


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "int32"])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_integer_and_bool_sums_never_wrap(dtype, dim):
    """Sums of bools and small ints accumulate in int64 (a partial sum kept in the input
    dtype would saturate or wrap; found by the differential fuzzer)."""
    rng = np.random.default_rng(3)
    arr = (rng.random((400, 300)) < 0.7) if dtype == "bool" else \
        rng.integers(0, 100, (400, 300)).astype(dtype)
    t = nt.tensor(arr)
    want = arr.astype(np.int64).sum() if dim is None else arr.astype(np.int64).sum(axis=dim)
    got = t.sum() if dim is None else t.sum(dim)
    assert got.dtype == nt.int64
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_whole_sum_and_mean_of_small_tensors(dtype):
    """sum()/mean() of a whole small float tensor (a loss) take a direct kernel call per
    rank: float64 accumulation like the general path, gradients spread over every element."""
    rng = np.random.default_rng(1)
    for shape in [(), (1,), (5,), (3, 4), (2, 1, 3), (2, 2, 2, 2)]:
        x = np.asarray(rng.standard_normal(shape), dtype)
        ref = np.sum(x.astype(np.float64))
        for fn, want, scale in [("sum", ref, 1.0), ("mean", ref / x.size, 1.0 / x.size)]:
            t = nt.tensor(x, requires_grad=True)
            r = getattr(t, fn)()
            assert r.dtype == t.dtype and r.shape == ()
            np.testing.assert_allclose(r.item(), want, rtol=1e-6 if dtype == np.float32 else 1e-12)
            (r * 3).backward()
            np.testing.assert_allclose(t.grad.numpy(), np.full(shape, 3 * scale, dtype),
                                       rtol=1e-6)
    ro = rng.standard_normal((4, 4)).astype(dtype)
    ro.flags.writeable = False
    np.testing.assert_allclose(nt.from_numpy(ro).sum().item(), ro.sum(dtype=np.float64),
                               rtol=1e-6)
    np.testing.assert_allclose(nt.from_numpy(ro).t().mean().item(), ro.mean(dtype=np.float64),
                               rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_over_last_dim_in_float64(dtype):
    """sum(-1) of a float tensor stores each row's float64 sum straight into the result (one
    kernel, serial or a row per thread, or, for few long rows, the chunked general path): the
    values of a float64 sum, PyTorch's overflow to inf, keepdim, the gradient, and 0-size
    rows."""
    rng = np.random.default_rng(2)
    for shape in [(5,), (3, 4), (2, 3, 4), (0, 3), (3, 0), (1200, 1000), (3, 400_000)]:
        x = rng.standard_normal(shape).astype(dtype) + 1.0  # (a mean off 0: error shows)
        ref = x.astype(np.float64).sum(-1)
        for dim, keep in [(-1, False), (len(shape) - 1, True)]:
            t = nt.tensor(x, requires_grad=True)
            r = t.sum(dim, keepdim=keep)
            assert r.dtype == t.dtype and r.shape == (ref.shape + (1,) * keep)
            np.testing.assert_allclose(r.detach().numpy().reshape(ref.shape), ref,
                                       rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-5)
            (r * 2).sum().backward()
            np.testing.assert_array_equal(t.grad.numpy(), np.full(shape, 2, dtype))
    wide = nt.tensor([[3e38, 3e38], [1.0, -1.0]])
    assert wide.sum(1).tolist() == [float("inf"), 0.0]
    strided = nt.tensor(rng.standard_normal((6, 8)).astype(dtype)).t()
    np.testing.assert_allclose(strided.sum(1).numpy(),
                               strided.numpy().astype(np.float64).sum(1), rtol=1e-6)


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "std", "var", "amax", "amin", "nansum",
                                "logsumexp", "all", "any", "count_nonzero"])
@pytest.mark.parametrize("dim", [1, -2])
def test_zero_dim_reductions_reject_dims_beyond_minus_one_and_zero(op, dim):
    x = nt.tensor(2.0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                                         rf"of \[-1, 0\], but got {dim}\)"):
        getattr(nt, op)(x, dim=dim)
    for ok in (0, -1):
        assert getattr(nt, op)(x, dim=ok).shape == ()
