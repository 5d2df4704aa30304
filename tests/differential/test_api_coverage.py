"""The differential suite covers the whole public API: every public function of numtorch is
either an op of the random programs (programs.py) or checked against PyTorch below, or named
in NOT_IN_PROGRAMS with the test that checks it.  A new public function fails
test_every_public_function_is_checked until it is placed in one of them."""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from op_tables import UNARY_AND_ALIASES

import numtorch

torch = pytest.importorskip("torch")

PROGRAMS = (Path(__file__).parent / "programs.py").read_text()

# functions that make or describe tensors rather than compute from one: checked here (marked
# "below") or in the named test module
NOT_IN_PROGRAMS = {
    **dict.fromkeys("BoolTensor ByteTensor CharTensor DoubleTensor FloatTensor HalfTensor "
                    "IntTensor LongTensor ShortTensor".split(), "below: legacy constructors"),
    **dict.fromkeys("arange empty eye full linspace logspace ones zeros as_tensor asarray "
                    "from_numpy".split(), "below: creation"),
    **dict.fromkeys("can_cast promote_types result_type broadcast_shapes is_nonzero is_tensor "
                    "get_default_dtype set_default_dtype".split(), "below: dtype/shape rules"),
    **dict.fromkeys("bernoulli multinomial normal poisson rand rand_like randint randint_like "
                    "randn randn_like randperm".split(),
                    "below: shapes/dtypes/ranges; streams in tests/test_core.py"),
    **dict.fromkeys("manual_seed seed initial_seed get_rng_state set_rng_state".split(),
                    "below: generator state"),
    "save": "tests/test_checkpoints.py", "load": "tests/test_checkpoints.py",
    "cdist": "tests/test_long_tail_nn.py",
    **dict.fromkeys("get_default_device set_default_device".split(),
                    "tests/test_long_tail_nn.py"),
    "is_grad_enabled": "tests/test_core.py",
    **dict.fromkeys("get_num_threads set_num_threads".split(), "tests/test_threads.py"),
    **dict.fromkeys("get_printoptions set_printoptions".split(), "below: printing"),
}


def _public_functions():
    return sorted(n for n in dir(numtorch) if not n.startswith("_")
                  and callable(getattr(numtorch, n))
                  and not inspect.isclass(getattr(numtorch, n))
                  and not inspect.ismodule(getattr(numtorch, n)))


def test_every_public_function_is_checked():
    # (the programs draw every op of the unary table by name, without listing it)
    unchecked = [n for n in _public_functions() if n not in NOT_IN_PROGRAMS
                 and n not in UNARY_AND_ALIASES
                 and not re.search(rf"\b{re.escape(n)}\b", PROGRAMS)]
    assert not unchecked, f"public functions in no differential check: {unchecked}"


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("src", DTYPES)
def test_dtype_rules_match_pytorch(src):
    for dst in DTYPES:
        a, b = getattr(numtorch, src), getattr(numtorch, dst)
        ta, tb = getattr(torch, src), getattr(torch, dst)
        assert numtorch.can_cast(a, b) == torch.can_cast(ta, tb), (src, dst)
        assert str(numtorch.promote_types(a, b)) == str(torch.promote_types(ta, tb)), (src, dst)
        x, y = numtorch.zeros(2, dtype=a), numtorch.zeros((), dtype=b)
        tx, ty = torch.zeros(2, dtype=ta), torch.zeros((), dtype=tb)
        assert str(numtorch.result_type(x, y)) == str(torch.result_type(tx, ty)), (src, dst)
        for scalar in (True, 2, 2.5):
            assert str(numtorch.result_type(x, scalar)) == str(torch.result_type(tx, scalar))


@pytest.mark.parametrize("shapes", [[(2, 1), (3,)], [(), (4, 1)], [(0, 1), (1, 5)],
                                    [(2,), (3,)], [(1, 2, 3), (4, 1, 1), (3,)]])
def test_broadcast_shapes(shapes):
    try:
        expected = torch.broadcast_shapes(*shapes)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            numtorch.broadcast_shapes(*shapes)
        return
    assert numtorch.broadcast_shapes(*shapes) == expected


@pytest.mark.parametrize("values", [[1.0], [0], [True], [], [1, 2]])
def test_is_nonzero(values):
    try:
        expected = torch.is_nonzero(torch.tensor(values))
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match=str(e)):
            numtorch.is_nonzero(numtorch.tensor(values))
        return
    assert numtorch.is_nonzero(numtorch.tensor(values)) == expected
    assert numtorch.is_tensor(numtorch.tensor(values)) and not numtorch.is_tensor(values)


CREATION = [
    ("arange", (5,), {}), ("arange", (1, 4, 0.5), {}), ("arange", (0, -3, -1), {}),
    ("linspace", (-1, 1, 5), {}), ("linspace", (0, 1, 1), {}), ("logspace", (0, 2, 3), {}),
    ("logspace", (0, 3, 4), {"base": 2}), ("eye", (3,), {}), ("eye", (2, 4), {}),
    ("full", ((2, 3), 7), {}), ("full", ((2,), 1.5), {}), ("full", ((1,), True), {}),
    ("ones", (2, 3), {"dtype": "int32"}), ("zeros", ((0, 2),), {}),
    ("as_tensor", ([1, 2],), {}), ("as_tensor", ([1.5, 2],), {"dtype": "float64"}),
    ("asarray", ([[1, 2], [3, 4]],), {}), ("asarray", ([True],), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CREATION)
def test_creation_matches_pytorch(name, args, kwargs):
    def call(m):
        kw = {k: getattr(m, v) if k == "dtype" else v for k, v in kwargs.items()}
        return getattr(m, name)(*args, **kw)
    ours, theirs = call(numtorch), call(torch)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_from_numpy_shares_memory_and_legacy_constructors():
    a = np.arange(4, dtype=np.float32)
    t = numtorch.from_numpy(a)
    a[0] = 9
    assert t[0].item() == 9 and t.dtype == numtorch.float32
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor",
                 "CharTensor", "ByteTensor", "BoolTensor", "HalfTensor"):
        ours, theirs = getattr(numtorch, name)([1, 0]), getattr(torch, name)([1, 0])
        assert str(ours.dtype) == str(theirs.dtype), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert tuple(getattr(numtorch, name)(2, 3).shape) == (2, 3)


def test_default_dtype_round_trip():
    assert numtorch.get_default_dtype() is numtorch.float32
    numtorch.set_default_dtype(numtorch.float64)
    try:
        assert numtorch.tensor([1.0]).dtype is numtorch.float64
        assert numtorch.ones(1).dtype is numtorch.float64
    finally:
        numtorch.set_default_dtype(numtorch.float32)
    assert numtorch.tensor([1.0]).dtype is numtorch.float32


RANDOM = [
    ("rand", lambda m: m.rand(3, 4), (0.0, 1.0)),
    ("randn", lambda m: m.randn(2, 5, dtype=m.float64), None),
    ("rand_like", lambda m: m.rand_like(m.zeros(2, 3, dtype=m.float64)), (0.0, 1.0)),
    ("randn_like", lambda m: m.randn_like(m.zeros(4)), None),
    ("randint", lambda m: m.randint(2, 9, (50,)), (2, 8)),
    ("randint_like", lambda m: m.randint_like(m.zeros(3, 3, dtype=m.int32), 5), (0, 4)),
    ("randperm", lambda m: m.randperm(7), (0, 6)),
    ("normal", lambda m: m.normal(m.zeros(3), m.ones(3)), None),
    ("bernoulli", lambda m: m.bernoulli(m.full((20,), 0.5)), (0.0, 1.0)),
    ("multinomial", lambda m: m.multinomial(m.tensor([0.2, 0.8]), 4, True), (0, 1)),
    ("poisson", lambda m: m.poisson(m.full((30,), 3.0)), (0.0, np.inf)),
]


@pytest.mark.parametrize("name,make,bounds", RANDOM)
def test_random_shapes_dtypes_ranges(name, make, bounds):
    ours, theirs = make(numtorch), make(torch)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    if bounds is not None:
        v = ours.numpy()
        assert v.min() >= bounds[0] and v.max() <= bounds[1], name
    if name == "randperm":
        assert sorted(ours.tolist()) == list(range(7))
    if name == "poisson":
        v = ours.numpy()
        assert np.array_equal(v, np.round(v)) and 1.0 < v.mean() < 5.0


def test_generator_state_round_trip():
    numtorch.manual_seed(123)
    assert numtorch.initial_seed() == 123
    state = numtorch.get_rng_state()
    a = numtorch.rand(5)
    numtorch.set_rng_state(state)
    np.testing.assert_array_equal(numtorch.rand(5).numpy(), a.numpy())
    s = numtorch.seed()
    assert numtorch.initial_seed() == s


@pytest.mark.parametrize("options", [{"precision": 2}, {"sci_mode": True},
                                     {"threshold": 5, "edgeitems": 1}, {"linewidth": 20}])
def test_printoptions_match_pytorch(options):
    values = [[1.23456, -2.5, 1e-3], [4.0, 5.5, 600.25]]
    saved = numtorch.get_printoptions()
    try:
        numtorch.set_printoptions(**options)
        torch.set_printoptions(**options)
        for v in (values, [list(range(12))]):
            assert repr(numtorch.tensor(v)) == repr(torch.tensor(v))
    finally:
        numtorch.set_printoptions(**saved)
        torch.set_printoptions(profile="default")
    assert numtorch.get_printoptions() == saved
