"""Creation, dtypes and promotion, printing, conversion and bad input, against PyTorch."""

import numpy as np
import pytest
from conftest import assert_same, check_like_torch, to_torch

import numtorch as nt

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_vs_torch(torch, a, b):
    ours = nt.promote_types(getattr(nt, a if a != "bool" else "bool"), getattr(nt, b))
    assert repr(ours) == str(torch.promote_types(getattr(torch, a), getattr(torch, b)))


def test_promotion_table_from_reference():
    # shared/PYTORCH_REFERENCE.md "type promotion", checked without PyTorch installed
    cases = [(nt.tensor([1]), nt.tensor([1.0]), nt.float32),
             (nt.tensor([1], dtype=nt.int32), nt.tensor([1]), nt.int64),
             (nt.tensor([True]), nt.tensor([1]), nt.int64), (nt.tensor([1]), 1.5, nt.float32),
             (nt.tensor([1.0]), 2, nt.float32),
             (nt.tensor([1], dtype=nt.uint8), nt.tensor([1], dtype=nt.int8), nt.int16),
             (nt.tensor([1.0], dtype=nt.float16), nt.tensor([1.0]), nt.float32),
             (nt.tensor([1.0]), nt.tensor(1.0, dtype=nt.float64), nt.float32),
             (nt.tensor([1]), nt.tensor(1.0, dtype=nt.float64), nt.float64),
             (nt.tensor([1], dtype=nt.int32), 2, nt.int32)]
    for a, b, want in cases:
        assert (a + b).dtype is want, (a.dtype, b, want)
        assert (a / b).dtype.is_floating_point
    assert (nt.tensor([1]) / nt.tensor([2])).dtype is nt.float32
    assert (nt.tensor([1]) < 2).dtype is nt.bool
    assert (nt.tensor([250], dtype=nt.uint8) + 300).tolist() == [38]
    assert (nt.tensor([2]) ** 2).dtype is nt.int64 and (nt.tensor([2]) ** 2.0).dtype is nt.float32


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([[1, 2], [3, 4]]), lambda m: m.tensor([1.5, 2.0]),
    lambda m: m.tensor([True, 1]), lambda m: m.tensor([]), lambda m: m.tensor(3),
    lambda m: m.tensor(2.0, dtype=m.double), lambda m: m.zeros(2, 3, dtype=m.long),
    lambda m: m.ones((2,)), lambda m: m.full((2,), 3), lambda m: m.full((2,), 1.5),
    lambda m: m.eye(3), lambda m: m.eye(2, 3), lambda m: m.arange(5), lambda m: m.arange(1, 4),
    lambda m: m.arange(0, 1, 0.25), lambda m: m.arange(1, 0.6, -0.1), lambda m: m.linspace(0, 1, 5),
    lambda m: m.zeros_like(m.ones(2), dtype=m.int32), lambda m: m.ones(2).new_full((3,), 7),
    lambda m: m.ones(2, dtype=m.int32).new_zeros(2), lambda m: m.full((2, 2), True),
])
def test_creation_vs_torch(torch, make):
    assert_same(make(nt), make(torch))


def test_random_reproducible_and_shaped():
    nt.manual_seed(3)
    a = nt.rand(5, 3)
    nt.manual_seed(3)
    b = nt.rand(5, 3)
    assert nt.equal(a, b) and a.dtype is nt.float32 and a.shape == (5, 3)
    assert 0 <= a.min().item() and a.max().item() < 1
    g = nt.Generator().manual_seed(1)
    r = nt.randint(0, 10, (1000,), generator=g)
    assert r.dtype is nt.int64 and 0 <= r.min().item() and r.max().item() <= 9
    assert sorted(nt.randperm(6).tolist()) == list(range(6))
    n = nt.normal(0.0, 2.0, size=(4000, 1))
    assert abs(n.std().item() - 2.0) < 0.15
    m = nt.normal(mean=nt.arange(4.0), std=nt.arange(1.0, 0.6, -0.1))
    assert m.shape == (4,)
    assert nt.randn_like(nt.ones(2, dtype=nt.float64)).dtype is nt.float64


PRINT_CASES = [
    "torch.tensor([[7.7643e-01, 7.1436e-04, 6.7820e-01], [8.5539e-01, 4.8096e-01, 1.3477e-01]])",
    "torch.tensor([2., 2.], dtype=torch.float64)", "torch.tensor([3, 4])",
    "torch.tensor([True, False])", "torch.tensor([1, 2], dtype=torch.int32)",
    "torch.tensor(2.)", "torch.tensor(3)", "torch.arange(2000.).reshape(100, 20)",
    "torch.tensor([])", "torch.zeros(2, 0)", "torch.tensor([float('nan'), float('inf'), -1.5])",
    "torch.tensor([1., 2., 3.])", "torch.ones(2, 2, requires_grad=True)",
    "torch.tensor([], dtype=torch.int64)", "torch.arange(24.).reshape(2, 3, 4) / 7",
    "torch.tensor([1e-8, 1.0])", "torch.tensor([123456789.0, 1.0])", "torch.tensor([-0.0, 0.5])",
    "torch.arange(30).reshape(3, 10) * 1000", "torch.tensor([0.1, 0.25], dtype=torch.float16)",
    "torch.linspace(-1, 1, 50)", "torch.tensor([[1, 2], [255, 4]], dtype=torch.uint8)",
    "torch.tensor([1.5]).expand(2, 3)", "torch.tensor([[1.0, 2.0]]).t()",
    "torch.full((3, 4), 1e10)", "torch.arange(5000).reshape(50, 100)",
]


@pytest.mark.parametrize("expr", PRINT_CASES)
def test_repr_matches_torch(torch, expr):
    ours = eval(expr, {"torch": nt})
    ref = eval(expr, {"torch": torch})
    assert repr(ours) == repr(ref)


def test_repr_reference_without_torch():
    assert repr(nt.tensor([float("nan"), float("inf"), -1.5])) == \
        "tensor([    nan,     inf, -1.5000])"
    assert repr(nt.Size([5, 3])) == "torch.Size([5, 3])"
    assert repr(nt.float32) == "torch.float32"
    assert repr(nt.device("cpu")) == "device(type='cpu')"
    assert repr(nt.tensor([], dtype=nt.int64)) == "tensor([], dtype=torch.int64)"


def test_conversions(torch):
    t = nt.tensor([1.5, 2.5])
    assert t.tolist() == [1.5, 2.5]
    assert nt.tensor([2]).item() == 2 and isinstance(nt.tensor(2.0).item(), float)
    assert t.numpy().dtype == np.float32 and np.shares_memory(t.numpy(), t.numpy())
    assert t.double().dtype is nt.float64 and t.long().tolist() == [1, 2]
    assert t.to(nt.int32).dtype is nt.int32 and t.to("cpu") is t
    assert t.to("cpu", nt.double).dtype is nt.float64
    assert t.type() == "torch.FloatTensor" and t.type(nt.int64).dtype is nt.int64
    assert nt.tensor(1).type_as(t).dtype is nt.float32
    assert float(nt.tensor([2.5])) == 2.5 and int(nt.tensor(3)) == 3
    assert [1, 2, 3][nt.tensor(1)] == 2
    assert len(nt.ones(4, 2)) == 4 and [x.shape for x in nt.ones(2, 3)] == [(3,), (3,)]
    assert nt.allclose(t, t + 1e-9) and nt.equal(t, t.clone())
    assert_same(nt.isclose(t, t + 0.1), torch.isclose(to_torch(t, torch),
                                                      to_torch(t, torch) + 0.1))
    c = nt.zeros(2)
    c.copy_(t)
    c.fill_(3)
    assert c.tolist() == [3.0, 3.0]
    assert c.zero_().tolist() == [0.0, 0.0]
    x = nt.IntTensor(1)
    assert x.dtype is nt.int32 and x.shape == (1,)
    assert nt.Tensor(5, 3).shape == (5, 3) and nt.Tensor([[1, 2], [3, 4]]).dtype is nt.float32
    assert repr(nt.Tensor(np.array(2.0))) == "tensor(2.)"
    assert nt.BoolTensor(np.array([1, 0, 2, 0])).tolist() == [True, False, True, False]


def test_bad_inputs():
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted to "
                                           "Scalar"):
        nt.ones(3).item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is "
                                           "ambiguous"):
        bool(nt.ones(3))
    with pytest.raises(ValueError, match="only one element tensors"):
        float(nt.ones(2))
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        nt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires "
                                           "grad"):
        nt.ones(2, requires_grad=True).numpy()
    with pytest.raises(IndexError, match="Dimension out of range"):
        nt.ones(2, 2).sum(2)
    with pytest.raises(TypeError):
        nt.ones(2) + "a"
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1"):
        nt.tensor([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="cannot be converted to type uint8 without overflow"):
        nt.tensor([300], dtype=nt.uint8)
    with pytest.raises(RuntimeError, match="negative dimension"):
        nt.zeros(-1)
    with pytest.raises((AssertionError, RuntimeError)):  # CPU-only PyTorch: AssertionError
        nt.ones(2).to("cuda")
    x = nt.ones(3)
    before = x.clone()
    with pytest.raises(RuntimeError):
        x.add_(nt.ones(2))
    assert nt.equal(x, before)


def test_no_grad_mode_and_requires_grad_flag():
    x = nt.ones(2, 2, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None
    with nt.no_grad():
        assert not nt.is_grad_enabled()
    assert nt.is_grad_enabled()
    assert not x.detach().requires_grad
    assert nt.cuda.is_available() in (True, False) and nt.device("cuda:0").index == 0


def test_every_package_directory_is_installable():
    """`pip install .` only ships directories with an __init__.py."""
    import pathlib
    root = pathlib.Path(nt.__file__).parent
    missing = [str(d.relative_to(root)) for d in root.rglob("*")
               if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))
               and not (d / "__init__.py").exists()]
    assert not missing, missing


NUMPY_NAME_CALLS = {
    "cat": lambda t, x: t.cat([x, x], axis=1),
    "stack": lambda t, x: t.stack([x, x], axis=-1),
    "sum_keepdims": lambda t, x: x.sum(axis=1, keepdims=True),
    "mean": lambda t, x: t.mean(x, axis=0),
    "max_values": lambda t, x: x.max(axis=1).values,
    "argmax": lambda t, x: x.argmax(axis=1),
    "softmax": lambda t, x: t.softmax(x, axis=1),
    "std": lambda t, x: x.std(axis=0),
    "cumsum": lambda t, x: x.cumsum(axis=1),
    "unsqueeze": lambda t, x: x.unsqueeze(axis=0),
    "logsumexp": lambda t, x: x.logsumexp(axis=1),
    "index_select": lambda t, x: x.index_select(axis=1, index=t.tensor([2, 0])),
    "both_names": lambda t, x: x.sum(axis=0, dim=1),
}


@pytest.mark.parametrize("name", sorted(NUMPY_NAME_CALLS))
def test_numpy_argument_names_like_torch(name, torch):
    """PyTorch accepts axis=/keepdims= for dim=/keepdim= (the seeds write cat(..., axis=1))."""
    data = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    call = NUMPY_NAME_CALLS[name]
    check_like_torch(lambda: call(nt, nt.tensor(data)),
                     lambda: call(torch, torch.tensor(data)))


def test_tensor_where_keeps_self_where_the_condition_holds(torch):
    # Tensor.where(condition, y) is torch.where(condition, self, y) (it used to pass self
    # as the condition)
    x, c, y = [1., 2., 3.], [True, False, True], [0., -1., 0.]
    assert_same(nt.tensor(x).where(nt.tensor(c), nt.tensor(y)),
                torch.tensor(x).where(torch.tensor(c), torch.tensor(y)))
