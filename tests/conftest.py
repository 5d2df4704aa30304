"""Shared helpers: the optional PyTorch reference and value comparison."""

import numpy as np
import pytest

import numtorch

try:
    import torch as _torch
except ImportError:  # the reference is optional; tests that need it skip
    _torch = None


@pytest.fixture
def torch():
    if _torch is None:
        pytest.skip("PyTorch is not installed (reference comparisons skipped)")
    return _torch


def to_torch(x, torch):
    """Convert numtorch values (possibly nested) into the equivalent torch values."""
    if isinstance(x, numtorch.Tensor):
        return torch.from_numpy(np.array(x._data, copy=True))
    if isinstance(x, numtorch.dtype):
        return getattr(torch, x.name)
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v, torch) for v in x)
    if isinstance(x, dict):
        return {k: to_torch(v, torch) for k, v in x.items()}
    return x


def assert_same(ours, ref, rtol=1e-5, atol=1e-6):
    """Values, shape and dtype of a numtorch result equal a torch (or numpy) reference."""
    if isinstance(ref, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(ref)
        for a, b in zip(ours, ref):
            assert_same(a, b, rtol, atol)
        return
    if not hasattr(ref, "shape"):
        assert ours == ref or (ours != ours and ref != ref), (ours, ref)
        return
    assert isinstance(ours, numtorch.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(ref.shape), (ours.shape, ref.shape)
    ref_np = ref.numpy() if hasattr(ref, "numpy") and not isinstance(ref, np.ndarray) else ref
    if hasattr(ref, "dtype") and str(ref.dtype).startswith("torch."):
        assert repr(ours.dtype) == str(ref.dtype), (ours.dtype, ref.dtype)
    else:
        assert ours.numpy().dtype == ref_np.dtype, (ours.dtype, ref_np.dtype)
    a = ours.detach().numpy()
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, ref_np)
    else:
        np.testing.assert_allclose(a.astype(np.float64), ref_np.astype(np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True)


def check_like_torch(ours_fn, ref_fn, rtol=1e-5, atol=1e-6):
    """Run both; if PyTorch raises, numtorch must raise the same exception type."""
    try:
        ref = ref_fn()
    except Exception as e:  # noqa: BLE001  (any PyTorch error is the spec)
        with pytest.raises(type(e)):
            ours_fn()
        return
    assert_same(ours_fn(), ref, rtol, atol)
