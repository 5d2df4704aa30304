"""Numerical robustness PyTorch users rely on: stable softmax-family losses for logits of
+-1e4, sigmoid/softplus at extremes, float16 handled as PyTorch does."""

import numpy as np
import pytest
from conftest import assert_same

import numtorch as nt

F = nt.nn.functional
LOGITS = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4 - 1, 3.0]], np.float32)


def _both(torch, fn, *arrays, grad=True):
    ours = [nt.tensor(a, requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad) for a in arrays]
    out_o, out_t = fn(nt, ours), fn(torch, theirs)
    assert np.isfinite(out_o.detach().numpy()).all(), out_o
    assert_same(out_o.detach(), out_t.detach(), rtol=1e-5, atol=1e-5)
    if grad:
        out_o.sum().backward()
        out_t.sum().backward()
        for a, b in zip(ours, theirs):
            assert np.isfinite(a.grad.numpy()).all()
            assert_same(a.grad, b.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,fn", [
    ("log_softmax", lambda m, x: m.log_softmax(x[0], 1).clamp(min=-1e5)),
    ("softmax", lambda m, x: m.softmax(x[0], 1)),
    ("logsumexp", lambda m, x: m.logsumexp(x[0], 1)),
    ("cross_entropy", lambda m, x: m.nn.functional.cross_entropy(x[0], m.tensor([1, 0, 2]))),
    ("cross_entropy_smooth", lambda m, x: m.nn.functional.cross_entropy(
        x[0], m.tensor([1, 0, 2]), label_smoothing=0.2)),
])
def test_softmax_family_at_1e4(torch, name, fn):
    _both(torch, fn, LOGITS)


def test_bce_with_logits_at_extremes(torch):
    z = np.array([1e4, -1e4, 50.0, -50.0, 0.0], np.float32)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], np.float32)
    _both(torch, lambda m, x: m.nn.functional.binary_cross_entropy_with_logits(
        x[0], m.tensor(y), pos_weight=m.tensor(2.0), reduction="none"), z)


@pytest.mark.parametrize("op", ["sigmoid", "softplus", "logsigmoid", "tanh", "silu", "gelu",
                                "elu"])
def test_activations_at_extremes(torch, op):
    x = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], np.float32)
    fn = {"sigmoid": lambda m, t: t[0].sigmoid(),
          "tanh": lambda m, t: t[0].tanh()}.get(
        op, lambda m, t: getattr(m.nn.functional, op)(t[0]))
    _both(torch, fn, x)


@pytest.mark.parametrize("fn", [lambda m, x: x * 3 + 1, lambda m, x: x.sum(),
                                lambda m, x: x.mean(0), lambda m, x: m.softmax(x, 1),
                                lambda m, x: x @ x.t(), lambda m, x: x.exp(),
                                lambda m, x: x.sigmoid(), lambda m, x: x.min(),
                                lambda m, x: x.max(1).values, lambda m, x: x.argmax(1),
                                lambda m, x: x.var(0), lambda m, x: x.cumsum(1),
                                lambda m, x: x.norm(), lambda m, x: x.logsumexp(1),
                                lambda m, x: x.prod(0)])
def test_float16_like_pytorch(torch, fn):
    x = (np.arange(12, dtype=np.float32).reshape(3, 4) / 5 - 1).astype(np.float16)
    ours, theirs = fn(nt, nt.tensor(x)), fn(torch, torch.tensor(x))
    assert repr(ours.dtype) == str(theirs.dtype)
    assert_same(ours, theirs, rtol=2e-3, atol=2e-3)
