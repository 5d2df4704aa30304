"""Kernel paths most likely to index out of bounds; CI also runs this file with
NUMBA_BOUNDSCHECK=1 so a kernel reading past an array raises instead of returning garbage."""

import numpy as np
import pytest

import numtorch as nt


def test_kernels_stay_in_bounds():
    rng = np.random.default_rng(5)
    x = nt.tensor(rng.standard_normal((6, 5, 4)).astype(np.float32))
    y = x.transpose(0, 2)[:, ::2]
    assert np.allclose((y + y.sin()).numpy(), y.numpy() + np.sin(y.numpy()), atol=1e-6)
    assert np.allclose(x.sum((0, 2)).numpy(), x.numpy().sum((0, 2)), atol=1e-4)
    assert np.allclose(x.amax(1).numpy(), x.numpy().max(1))
    assert (x.argmax(2).numpy() == x.numpy().argmax(2)).all()
    assert np.allclose(x.softmax(1).numpy().sum(1), 1, atol=1e-5)
    assert np.allclose(x.cumsum(0).numpy(), x.numpy().cumsum(0), atol=1e-5)
    idx = nt.tensor(rng.integers(0, 6, (3, 5, 4)))
    assert np.allclose(x.gather(0, idx).numpy(), np.take_along_axis(x.numpy(), idx.numpy(), 0))
    z = nt.zeros(6, 5, 4).scatter_add_(0, idx, nt.ones(3, 5, 4))
    assert z.sum().item() == 60
    sel = x.index_select(1, nt.tensor([4, 0, 4]))
    assert np.allclose(sel.numpy(), x.numpy()[:, [4, 0, 4]])
    # take_along_dim counts negative indices from the end (gather refuses them)
    back = nt.take_along_dim(x, nt.tensor([[[-1]]]), 1)
    assert np.allclose(back.numpy(), x.numpy()[:, -1:, :])  # (the index broadcasts)
    v = x.var(1)
    assert np.allclose(v.numpy(), x.numpy().var(1, ddof=1), atol=1e-5)
    w = nt.where(x > 0, x, nt.zeros(4))
    assert np.allclose(w.numpy(), np.where(x.numpy() > 0, x.numpy(), 0))


def _np_conv2d(x, w, stride, pad, dil):
    """Direct float64 cross-correlation, the reference for the im2col path."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh = (h - dil * (kh - 1) - 1) // stride + 1
    ow = (wd - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i * dil:i * dil + stride * (oh - 1) + 1:stride,
                      j * dil:j * dil + stride * (ow - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


def _np_max_pool2d(x, k, stride, pad, ceil):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    size = x.shape[2] + 2 * pad - k
    o = (-(-size // stride) if ceil else size // stride) + 1
    if ceil and (o - 1) * stride >= x.shape[2] + pad:
        o -= 1
    out = np.full(x.shape[:2] + (o, o), -np.inf, x.dtype)
    for y in range(o):
        for z in range(o):
            win = xp[:, :, y * stride:y * stride + k, z * stride:z * stride + k]
            out[:, :, y, z] = win.max((2, 3))
    return out


@pytest.mark.parametrize("direct", [True, False])
def test_conv_and_pool_kernels_stay_in_bounds(monkeypatch, direct):
    """im2col/col2im and pooling compute their in-row ranges and cast indices to unsigned, and
    the direct kernels read runs over pitched planes up to their last row's end; padding,
    strides, dilation and ceil_mode put windows against every edge (stride-1 convs run on
    each path, 5 output channels make a ragged block)."""
    from numtorch.backend import conv as C
    monkeypatch.setattr(C, "_direct_pays", lambda *a: direct)
    rng = np.random.default_rng(6)
    xa = rng.standard_normal((2, 3, 9, 9)).astype(np.float32)
    wa = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    for stride, pad, dil in ((1, 0, 1), (1, 2, 1), (2, 1, 1), (3, 2, 2), (1, 1, 2)):
        x = nt.tensor(xa, requires_grad=True)
        w = nt.tensor(wa, requires_grad=True)
        out = nt.nn.functional.conv2d(x, w, stride=stride, padding=pad, dilation=dil)
        assert np.allclose(out.detach().numpy(), _np_conv2d(xa, wa, stride, pad, dil), atol=1e-4)
        out.sum().backward()
        # conv is linear in x: d(sum)/dx at a pixel is the sum of the conv of that pixel's
        # indicator (corners and edges, where the in-row ranges are clipped)
        eps = np.zeros(xa.shape)
        for idx in [(0, 0, 0, 0), (1, 2, 8, 8), (0, 1, 4, 0), (1, 0, 0, 8)]:
            eps[idx] = 1.0
            ref = _np_conv2d(eps, wa, stride, pad, dil).sum()
            eps[idx] = 0.0
            assert np.isclose(x.grad.numpy()[idx], ref, atol=1e-4)
    for k, stride, pad, ceil in ((2, 2, 0, False), (3, 2, 1, True), (3, 3, 1, True),
                                 (2, 1, 1, False)):
        x = nt.tensor(xa, requires_grad=True)
        out = nt.nn.functional.max_pool2d(x, k, stride, pad, ceil_mode=ceil)
        assert np.array_equal(out.detach().numpy(), _np_max_pool2d(xa, k, stride, pad, ceil))
        out.sum().backward()
        assert x.grad.numpy().sum() == out.numel()


def test_tiled_transpose_stays_in_bounds(monkeypatch):
    """The tiled transpose (taken above PARALLEL_THRESHOLD elements, here at any size) on
    sizes that are no multiple of its tile."""
    from numtorch.backend import layout
    monkeypatch.setattr(layout, "PARALLEL_THRESHOLD", 0)
    x = np.arange(3 * 301 * 437, dtype=np.float32).reshape(3, 301, 437)
    t = nt.from_numpy(x)
    assert np.array_equal(t.transpose(1, 2).contiguous().numpy(), x.transpose(0, 2, 1))
    assert np.array_equal(t.permute(2, 0, 1).contiguous().numpy(), x.transpose(2, 0, 1))


def test_row_kernels_stay_in_bounds():
    """Softmax backward, nll, layer norm, the fused optimizers and last-dim gather/scatter on
    odd sizes, against NumPy references."""
    rng = np.random.default_rng(9)
    x = nt.tensor(rng.standard_normal((5, 7)), requires_grad=True)
    nt.nn.functional.cross_entropy(x, nt.tensor([0, 6, -100, 3, 6])).backward()
    p = np.exp(x.detach().numpy())
    p /= p.sum(1, keepdims=True)
    onehot = np.zeros((5, 7))
    onehot[[0, 1, 3, 4], [0, 6, 3, 6]] = 1
    keep = np.array([1, 1, 0, 1, 1])[:, None]
    assert np.allclose(x.grad.numpy(), (p - onehot) * keep / 4)
    w = nt.tensor(rng.standard_normal(7), requires_grad=True)
    out = nt.nn.functional.layer_norm(x, (7,), w)
    out.sum().backward()
    xa = x.detach().numpy()
    xhat = (xa - xa.mean(1, keepdims=True)) / np.sqrt(xa.var(1, keepdims=True) + 1e-5)
    assert np.allclose(out.detach().numpy(), xhat * w.detach().numpy())
    assert np.allclose(w.grad.numpy(), xhat.sum(0))
    for opt in (nt.optim.SGD([w], lr=0.1, momentum=0.9), nt.optim.Adam([w], amsgrad=True)):
        before = w.detach().numpy().copy()
        opt.step()
        assert np.isfinite(w.detach().numpy()).all()
        assert not np.array_equal(before, w.detach().numpy())
    idx = nt.tensor(rng.integers(0, 7, (5, 3)))
    g = x.detach().gather(1, idx)
    assert np.array_equal(g.numpy(), np.take_along_axis(xa, idx.numpy(), 1))
    z = nt.zeros(5, 7, dtype=nt.float64).scatter_add_(1, idx, g)
    assert np.isclose(z.sum().item(), g.sum().item())
