"""Views, reshapes, joins and indexing against PyTorch."""

import numpy as np
import pytest
from conftest import assert_same, check_like_torch, to_torch

import numtorch as nt


@pytest.fixture
def x():
    return nt.arange(24).reshape(2, 3, 4).float()


def test_views_share_memory(x):
    v = x.view(6, 4)
    v[0, 0] = 100.0
    assert x[0, 0, 0].item() == 100.0
    assert x.view(-1).shape == nt.Size([24])
    d = x.detach()
    d[1, 1, 1] = -1
    assert x[1, 1, 1].item() == -1
    a = np.ones(5)
    b = nt.from_numpy(a)
    np.add(a, 1, out=a)
    assert b.tolist() == [2.0] * 5
    assert b.numpy() is a or np.shares_memory(b.numpy(), a)


def test_view_rules(torch):
    m = nt.arange(0, 12).view(2, 6)
    t = m.t()
    assert not t.is_contiguous()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view(3, 4)
    assert_same(t.reshape(3, 4), to_torch(m, torch).t().reshape(3, 4))
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        nt.ones(6).view(4, 2)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        nt.ones(6).view(-1, -1)
    assert t.contiguous().is_contiguous()
    assert t.stride() == to_torch(m, torch).t().stride()


SHAPE_CALLS = [
    ("flatten", ()), ("flatten", (1,)), ("squeeze", ()), ("unsqueeze", (1,)),
    ("unsqueeze", (-1,)), ("transpose", (0, 2)), ("permute", (2, 0, 1)), ("flip", ([0, 2],)),
    ("roll", (1, 1)), ("narrow", (1, 1, 2)), ("repeat", (2, 1, 1)), ("movedim", (0, 2)),
    ("unflatten", (2, (2, 2))), ("swapaxes", (0, 1)), ("tril", ()), ("triu", (1,)),
    ("select", (1, -1)), ("expand", (3, 2, 3, 4)), ("chunk", (2, 2)), ("split", (2, 2)),
    ("split", ([1, 3], 2)), ("unbind", (1,)), ("tensor_split", (3, 1)),
]


@pytest.mark.parametrize("name,args", SHAPE_CALLS, ids=lambda v: str(v))
def test_shape_ops_vs_torch(torch, x, name, args):
    tx = to_torch(x, torch)
    check_like_torch(lambda: getattr(x, name)(*args), lambda: getattr(tx, name)(*args))


def test_cat_stack_vs_torch(torch):
    a, b = nt.ones(2, 3), nt.zeros(1, 3)
    assert_same(nt.cat([a, b]), torch.cat([to_torch(a, torch), to_torch(b, torch)]))
    assert_same(nt.cat([a, a], dim=1), torch.cat([to_torch(a, torch)] * 2, dim=1))
    i = nt.tensor([[1, 2, 3]], dtype=nt.int32)
    assert_same(nt.cat([a, i]), torch.cat([to_torch(a, torch), to_torch(i, torch)]))
    assert_same(nt.stack([a, a], 2), torch.stack([to_torch(a, torch)] * 2, 2))
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0. "
                                           "Expected size 3 but got size 4 for tensor number 1"):
        nt.cat([nt.ones(2, 3), nt.ones(2, 4)])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but "
                                           r"got \[2\] at entry 0 and \[3\] at entry 1"):
        nt.stack([nt.ones(2), nt.ones(3)])
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        nt.cat([a, a], dim=2)
    with pytest.raises(RuntimeError, match="same number of dimensions: got 2 and 1"):
        nt.cat([a, nt.ones(3)])


def test_expand_error():
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match "
                                           r"the existing size \(2\) at non-singleton dimension "
                                           r"0"):
        nt.ones(2, 3).expand(4, 3)


KEYS = [0, -1, (0, 1), (slice(None), 1), (Ellipsis, 2), (None, 0), slice(0, 2),
        (slice(None), slice(None, None, 2)), ([1, 0],), (slice(None), [0, 2, 2]),
        ([0, 1], [1, 2]), (0, Ellipsis, None)]


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_getitem_vs_torch(torch, x, key):
    assert_same(x[key], to_torch(x, torch)[key])


def test_tensor_and_mask_indexing(torch, x):
    tx = to_torch(x, torch)
    idx = nt.tensor([1, 0, 1])
    assert_same(x[:, idx], tx[:, to_torch(idx, torch)])
    mask = x > 10
    assert_same(x[mask], tx[to_torch(mask, torch)])
    row_mask = nt.tensor([True, False])
    assert_same(x[row_mask], tx[to_torch(row_mask, torch)])
    y = x.clone()
    ty = tx.clone()
    y[mask] = 0
    ty[to_torch(mask, torch)] = 0
    assert_same(y, ty)
    y[:, 1] = nt.tensor([7.0, 8.0, 9.0, 10.0])
    ty[:, 1] = torch.tensor([7.0, 8.0, 9.0, 10.0])
    assert_same(y, ty)
    y[0] = 5
    ty[0] = 5
    assert_same(y, ty)
    new = x.clone()
    new[0, 0, 0] = 1111
    assert x[0, 0, 0].item() == 0


def test_index_errors(x):
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        nt.ones(3)[5]
    with pytest.raises(IndexError, match="index -4 is out of bounds"):
        nt.ones(3)[nt.tensor([0, -4])]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 1"):
        nt.ones(3)[0, 0]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or "
                                         "bool"):
        nt.ones(3)[nt.tensor([0.0])]
    with pytest.raises(IndexError, match="The shape of the mask"):
        x[nt.tensor([True, False, True])]


def test_gather_scatter_vs_torch(torch):
    src = nt.randn(3, 4)
    idx = nt.tensor([[0, 1, 2, 0], [2, 0, 0, 1]])
    tsrc, tidx = to_torch(src, torch), to_torch(idx, torch)
    assert_same(nt.gather(src, 0, idx), torch.gather(tsrc, 0, tidx))
    idx1 = nt.tensor([[3, 0], [1, 1], [0, 2]])
    assert_same(src.gather(1, idx1), tsrc.gather(1, to_torch(idx1, torch)))
    z = nt.zeros(3, 4)
    tz = torch.zeros(3, 4)
    assert_same(z.scatter(0, idx, src), tz.scatter(0, tidx, tsrc))
    assert_same(z.scatter_add(0, idx, src), tz.scatter_add(0, tidx, tsrc))
    assert_same(z.scatter(1, idx1, 2.5), tz.scatter(1, to_torch(idx1, torch), 2.5))
    one_hot = nt.zeros(10, dtype=nt.float).scatter_(0, nt.tensor(3), value=1)
    assert one_hot.tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    with pytest.raises(RuntimeError, match="index 5 is out of bounds"):
        nt.gather(src, 0, nt.tensor([[5]]))


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_gather_scatter_along_every_dim_vs_torch(torch, dim):
    """The kernels walk rows along dim (contiguous for the last dim, strided otherwise)."""
    rng = np.random.default_rng(dim + 7)
    src = rng.standard_normal((3, 5, 6))
    n = src.shape[dim]
    shape = list(src.shape)
    shape[dim] = 4
    idx = rng.integers(0, n, shape)
    t_src, t_idx = torch.tensor(src), torch.tensor(idx)
    x, i = nt.tensor(src), nt.tensor(idx)
    assert_same(x.gather(dim, i), t_src.gather(dim, t_idx))
    vals = rng.standard_normal(shape)
    for reduce in (None, "add", "multiply"):
        kw = {} if reduce is None else {"reduce": reduce}
        got = x.clone().scatter_(dim, i, nt.tensor(vals), **kw)
        want = t_src.clone().scatter_(dim, t_idx, torch.tensor(vals), **kw)
        if reduce is None:  # duplicate indices: any one of the writes may win, check others
            dup = np.zeros(src.shape, bool)
            np.put_along_axis(dup, idx, True, dim)
            assert_same(got[nt.tensor(~dup)], want[torch.tensor(~dup)])
        else:
            assert_same(got, want, rtol=1e-12, atol=1e-12)
    assert_same(x.scatter_add(dim, i, nt.tensor(vals)),
                t_src.scatter_add(dim, t_idx, torch.tensor(vals)), rtol=1e-12, atol=1e-12)


def test_index_select_and_friends(torch):
    x = nt.randn(4, 3)
    tx = to_torch(x, torch)
    i = nt.LongTensor([2, 0, 2])
    assert_same(x.index_select(0, i), tx.index_select(0, to_torch(i, torch)))
    assert_same(nt.index_select(x, 1, i), torch.index_select(tx, 1, to_torch(i, torch)))
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_select(0, nt.tensor([4]))
    assert_same(x.index_add(0, i, nt.ones(3, 3)),
                tx.index_add(0, to_torch(i, torch), torch.ones(3, 3)))
    m = x > 0
    assert_same(x.masked_fill(m, -1.0), tx.masked_fill(to_torch(m, torch), -1.0))
    assert_same(x.masked_select(m), tx.masked_select(to_torch(m, torch)))
    assert_same(nt.nonzero(m), torch.nonzero(to_torch(m, torch)))
    assert_same(nt.take(x, nt.tensor([0, 11, 5])), torch.take(tx, torch.tensor([0, 11, 5])))
    assert_same(nt.where(m), torch.where(to_torch(m, torch)))


@pytest.mark.parametrize("largest", [True, False])
def test_topk_is_a_stable_sorts_first_k(largest):
    """topk selects, then sorts only the k picked: it must still agree with a stable sort on
    ties (the earliest of the tied entries win), NaN (the largest value) and infinities,
    along every dim and for k up to n."""
    rng = np.random.default_rng(3)
    x = np.round(rng.standard_normal((6, 9, 7)) * 2)  # many ties
    x[0, :4, 0] = np.nan
    x[1, 2:, 3] = np.inf
    x[2, :, 1] = -np.inf
    x[3, 5, :] = np.nan
    t = nt.tensor(x)
    for dim in range(3):
        for k in range(1, x.shape[dim] + 1):
            top = t.topk(k, dim, largest=largest)
            s = t.sort(dim, descending=largest)
            assert np.array_equal(top.values.numpy(), s.values.narrow(dim, 0, k).numpy(),
                                  equal_nan=True)
            assert np.array_equal(top.indices.numpy(), s.indices.narrow(dim, 0, k).numpy())
    ti = nt.tensor(rng.integers(0, 3, (5, 8)))
    top = ti.topk(3, 1, largest=largest)
    ref = np.argsort(-ti.numpy() if largest else ti.numpy(), axis=1, kind="stable")[:, :3]
    assert np.array_equal(top.indices.numpy(), ref)


@pytest.mark.parametrize("case", ["unique", "one-tie", "signed-zeros", "nan", "ints"])
def test_sort_orders_ties_as_a_stable_sort_vs_torch(torch, case):
    """Rows without ties or NaN take NumPy's introsort, the rest its stable sort; either way
    values and indices equal PyTorch's stable sort, ascending and descending, along each dim."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((7, 9)).astype(np.float32)
    if case == "one-tie":
        x[3, 7] = x[3, 2]
        x[5, 0] = x[1, 0]
    elif case == "signed-zeros":
        x[2, 4], x[2, 6] = 0.0, -0.0
    elif case == "nan":
        x[4, 1] = np.nan
    elif case == "ints":
        x = rng.integers(-1000, 1000, (7, 9))
    for dim in (0, 1):
        for desc in (False, True):
            s = nt.from_numpy(x).sort(dim, descending=desc)
            ts = torch.from_numpy(x).sort(dim=dim, descending=desc, stable=True)
            assert np.array_equal(s.values.numpy(), ts.values.numpy(), equal_nan=True)
            assert np.array_equal(s.indices.numpy(), ts.indices.numpy())
            assert s.values.numpy().flags.c_contiguous


def test_sort_topk_unique_vs_torch(torch):
    x = nt.tensor([[3.0, 1.0, 2.0, 1.0], [float("nan"), 0.0, -1.0, 5.0]])
    tx = to_torch(x, torch)
    for desc in (False, True):
        s, ts = x.sort(1, descending=desc), tx.sort(dim=1, descending=desc, stable=True)
        assert_same(s.values, ts.values)
        assert_same(s.indices, ts.indices)
    y = nt.tensor([[3.0, 1.0, 2.0, 1.0], [4.0, 0.0, -1.0, 5.0]])
    ty = to_torch(y, torch)
    t1, t2 = y.topk(2, 1), ty.topk(2, 1)
    assert_same(t1.values, t2.values)
    assert_same(t1.indices, t2.indices)
    assert_same(y.argsort(0), ty.argsort(dim=0, stable=True))
    u = nt.tensor([3, 1, 3, 2, 1])
    assert_same(nt.unique(u), torch.unique(to_torch(u, torch)))
    assert_same(nt.unique(u, return_counts=True)[1],
                torch.unique(to_torch(u, torch), return_counts=True)[1])
