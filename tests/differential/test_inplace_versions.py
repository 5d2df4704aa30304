"""In-place writes after an op: to its input or to its output, then backward.  PyTorch fails
the version check exactly when the op's node saved the tensor written to (or it is a view
from split/chunk/unbind); numtorch must fail in the same cases and compute gradients in the
others -- every op of the random programs, both writes."""

import warnings

import pytest

import numtorch

from .programs import BINARY, UNARY, _apply_binary, _apply_unary

torch = pytest.importorskip("torch")


def _outcome(m, kind, name, written):
    leaf = m.tensor([[0.5, 1.5, 2.0], [0.25, 3.0, 1.25]], requires_grad=True)
    x = leaf * 1
    other = m.tensor([[1.5, 0.5, 2.5], [2.0, 1.0, 0.75]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            y = _apply_unary(m, name, x) if kind == "u" else _apply_binary(m, name, x, other)
        except Exception as e:  # noqa: BLE001  (compared by type)
            return "forward " + type(e).__name__
        if not (y.requires_grad and y.dtype.is_floating_point):
            return "no graph"
        try:
            with m.no_grad():
                (x if written == "input" else y).add_(0.5)
            y.sum().backward()
        except RuntimeError as e:
            return "version" if "inplace operation" in str(e) else "RuntimeError"
        except Exception as e:  # noqa: BLE001
            return type(e).__name__
    return "gradient"


@pytest.mark.parametrize("written", ["input", "output"])
@pytest.mark.parametrize("kind,name", [("u", n) for n in UNARY] + [("b", n) for n in BINARY])
def test_inplace_write_then_backward_matches_pytorch(kind, name, written):
    assert _outcome(numtorch, kind, name, written) == _outcome(torch, kind, name, written)
