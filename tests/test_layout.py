"""Contiguous copies of strided tensors: the tiled transpose kernel (backend/layout.py) must
give exactly NumPy's C-ordered copy, and take only the layouts it understands."""

import numpy as np
import pytest

import numtorch as nt
from numtorch.backend import layout

RNG = np.random.default_rng(11)
BIG = RNG.standard_normal((3, 5, 97, 331)).astype(np.float32)  # odd sizes


@pytest.fixture(autouse=True)
def every_size_takes_the_kernel(monkeypatch):
    """The kernel is taken above PARALLEL_THRESHOLD elements; here at any size."""
    monkeypatch.setattr(layout, "PARALLEL_THRESHOLD", 0)


@pytest.mark.parametrize("make, batched", [
    (lambda: BIG[0, 0].T, (1, 331, 97)),                     # x.t()
    (lambda: BIG.transpose(0, 2, 3, 1), (3, 97 * 331, 5)),    # NCHW -> NHWC
    (lambda: BIG.transpose(0, 3, 1, 2), (3, 331, 5 * 97)),    # NHWC-like -> NCHW-like
    (lambda: BIG.swapaxes(2, 3), (15, 331, 97)),              # x.mT
    (lambda: BIG[:1].transpose(1, 0, 3, 2), (5, 331, 97)),  # a size-1 dim in the way
    (lambda: BIG[:, :1].transpose(0, 1, 3, 2), None),         # not a dense buffer
    (lambda: BIG.transpose(1, 0, 2, 3), None),                # not a block swap
    (lambda: BIG.transpose(3, 2, 1, 0), None),
    (lambda: BIG[:, :, ::2].swapaxes(2, 3), None),            # not a dense buffer
])
def test_transposed_copies_match_numpy(make, batched):
    view = make()
    plan = layout.transpose_plan(view)
    assert (plan[1] if plan else None) == batched
    out = layout.contiguous(view)
    assert out.flags.c_contiguous and out.dtype == view.dtype
    assert np.array_equal(out, np.ascontiguousarray(view))


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.int8, np.bool_, np.uint8])
def test_every_dtype_and_the_tensor_api(dtype):
    x = (RNG.standard_normal((401, 389)) * 100).astype(dtype)
    t = nt.from_numpy(x)
    assert np.array_equal(t.t().contiguous().numpy(), x.T.copy())
    y = nt.from_numpy(np.ascontiguousarray(BIG.astype(dtype)))
    assert np.array_equal(y.permute(0, 2, 3, 1).contiguous().numpy(),
                          BIG.astype(dtype).transpose(0, 2, 3, 1))


def test_gradient_flows_through_the_copy():
    w = nt.tensor(BIG[0, 0].astype(np.float64), requires_grad=True)
    (w.t().contiguous() * nt.arange(97.0)).sum().backward()
    assert np.array_equal(w.grad.numpy(), np.broadcast_to(np.arange(97.0)[:, None], (97, 331)))
