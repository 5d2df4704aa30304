"""Differential fuzzing: random programs (programs.py) on numtorch and on PyTorch must agree
on values, dtypes and shapes -- and on gradients when the start tensor requires grad -- or
raise the same exception type.

CI runs a fixed-seed batch and a batch seeded by the date (so each day explores new
programs); `NUMTORCH_FUZZ_EXAMPLES=20000 python -m pytest tests/differential -q` is the long
campaign.  Every mismatch found gets fixed and its program kept in REGRESSIONS below.
"""

import datetime
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings

import numtorch

from .programs import programs, run
from .regressions import REGRESSIONS

torch = pytest.importorskip("torch")
EXAMPLES = int(os.environ.get("NUMTORCH_FUZZ_EXAMPLES", "150"))
TOL = {"float32": (2e-5, 1e-5), "float64": (1e-10, 1e-12), "float16": (2e-3, 2e-3)}


def _outcome(m, program):
    try:
        out, leaf = run(m, program)
    except Exception as e:  # noqa: BLE001  (compared by type)
        return e, None
    grad = None
    if program["grad"] and out.requires_grad and out.dtype.is_floating_point:
        try:
            out.sum().backward() if out.numel() else None
            grad = leaf.grad
        except Exception as e:  # noqa: BLE001
            return e, None
    return out, grad


def _same(ours, theirs, what, loose=False):
    assert tuple(ours.shape) == tuple(theirs.shape), (what, ours.shape, theirs.shape)
    assert repr(ours.dtype) == str(theirs.dtype), (what, ours.dtype, theirs.dtype)
    a = ours.detach().numpy()
    b = theirs.detach().numpy()
    name = str(theirs.dtype).replace("torch.", "")
    if name in TOL:
        # a float32 step anywhere upstream leaves float32 rounding in a float64 result
        rtol, atol = TOL["float32" if loose and name == "float64" else name]
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def check(program):
    ours, og = _outcome(numtorch, program)
    theirs, tg = _outcome(torch, program)
    if isinstance(theirs, Exception):
        assert isinstance(ours, type(theirs)), (
            f"numtorch: {ours!r}; PyTorch: {theirs!r}; steps {program['steps']}")
        return
    assert not isinstance(ours, Exception), (program, repr(ours))
    loose = any(spec["dtype"] != "float64" for spec in
                [program["base"]] + [s[2] for s in program["steps"] if s[0] in "bp"])
    _same(ours, theirs, "value", loose)
    if tg is not None:
        assert og is not None, "numtorch produced no gradient"
        _same(og, tg, "gradient", loose)


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@SETTINGS
@seed(20261122)
@given(programs())
def test_programs_fixed_seed(program):
    check(program)


@SETTINGS
@seed(int(datetime.date.today().strftime("%Y%m%d")))
@given(programs())
def test_programs_rotating_seed(program):
    check(program)




@pytest.mark.parametrize("program", REGRESSIONS)
def test_regressions(program):
    check(program)
