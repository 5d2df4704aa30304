"""Every case of the corpus raises PyTorch's exception type (where PyTorch is installed) and
leaves its input tensors unchanged; a subprocess run of the whole corpus proves none of them
crashes the interpreter."""

import os
import subprocess
import sys

import numpy as np
import pytest

import numtorch

from .corpus import CASES, EXPECT

try:
    import torch
except ImportError:
    torch = None


def _outcome(m, name):
    thunk, inputs = CASES[name](m)
    before = [np.array(t.detach().numpy(), copy=True) for t in inputs]
    try:
        thunk()
        err = None
    except Exception as e:  # noqa: BLE001  (the type is what we compare)
        err = e
    for t, b in zip(inputs, before):
        np.testing.assert_array_equal(t.detach().numpy(), b, err_msg=f"{name} changed an input")
    return err


def test_corpus_is_large():
    assert len(CASES) >= 200, len(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_raises_like_pytorch(name):
    ours = _outcome(numtorch, name)
    if name in EXPECT:
        expected = EXPECT[name]
    elif torch is None:
        pytest.skip("PyTorch is not installed (the reference exception type)")
    else:
        ref = _outcome(torch, name)
        if ref is None:
            assert ours is None, f"PyTorch accepts this; numtorch raised {ours!r}"
            return
        expected = type(ref)
    assert ours is not None, f"{name}: numtorch raised nothing, expected {expected.__name__}"
    assert isinstance(ours, expected), f"{name}: {type(ours).__name__}: {ours}"
    assert str(ours), f"{name}: the message is empty"


def test_no_case_crashes_the_interpreter():
    code = ("import numtorch\nfrom tests.bad_inputs.corpus import CASES\nn = 0\n"
            "for name, fn in CASES.items():\n"
            "    thunk, _ = fn(numtorch)\n"
            "    try:\n        thunk()\n    except Exception:\n        n += 1\n"
            "print('survived', len(CASES), 'raised', n)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"survived {len(CASES)}" in r.stdout
