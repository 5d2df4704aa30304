"""Kernel paths most likely to index out of bounds; CI also runs this file with
NUMBA_BOUNDSCHECK=1 so a kernel reading past an array raises instead of returning garbage."""

import numpy as np

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
    sel = x.index_select(1, nt.tensor([4, 0, -1]))
    assert np.allclose(sel.numpy(), x.numpy()[:, [4, 0, -1]])
    v = x.var(1)
    assert np.allclose(v.numpy(), x.numpy().var(1, ddof=1), atol=1e-5)
    w = nt.where(x > 0, x, nt.zeros(4))
    assert np.allclose(w.numpy(), np.where(x.numpy() > 0, x.numpy(), 0))
