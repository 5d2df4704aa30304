"""The CUDA kernels compile for a GPU, and to the right types -- checked without one.

The simulator runs the kernels' Python but never types it, so a kernel can pass the
simulator suite and fail to compile on a GPU, or compile to the wrong types: an op ladder
whose float branches (atan2, x / y) made Numba unify an int64 result to float64 rounded
int64s past 2**53.  NVIDIA's compiler (numba-cuda with NVVM: the `cuda` extra) builds PTX
for an H100 (compute capability 9.0) on any machine; these tests skip where it is missing.
"""

import os
import types

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
    pytest.skip("the simulator compiles nothing", allow_module_level=True)
cuda = pytest.importorskip("numba.cuda")
from numba import boolean, float32, float64, int8, int32, int64, uint8  # noqa: E402

CC = (9, 0)


def _nvvm_works():
    try:
        cuda.compile_ptx(lambda x: x + 1, (float32,), device=True, cc=CC)
        return True
    except Exception:  # no NVVM, or Numba's old built-in CUDA target without compile_ptx
        return False


if os.environ.get("NUMTORCH_REQUIRE_CUDA_COMPILER") == "1":  # (CI: a skip would check nothing)
    assert _nvvm_works(), "the cuda extra is installed, yet compile_ptx fails"
pytestmark = pytest.mark.skipif(not _nvvm_works(),
                                reason="no CUDA compiler: pip install '.[cuda]'")


@pytest.fixture(autouse=True)
def no_device_needed(monkeypatch):
    """Device functions called from the compiled code compile for the current device's
    compute capability; without a GPU, say it is CC."""
    import numba.cuda.dispatcher as dispatcher
    monkeypatch.setattr(dispatcher, "get_current_device",
                        lambda: types.SimpleNamespace(compute_capability=CC), raising=False)


def _shared():
    from numtorch.kernels.cuda.scalar import shared
    return shared


def _result_type(fn, sig):
    return cuda.compile_ptx(fn, sig, device=True, cc=CC)[1]


INTS = (int8, uint8, int32, int64)
FLOATS = (float32, float64)


@pytest.mark.parametrize("t", INTS + FLOATS, ids=str)
def test_the_binary_ladder_keeps_the_operands_type(t):
    shared = _shared()
    assert _result_type(lambda op, x, y: shared.binop(op, x, y), (int64, t, t)) == t


@pytest.mark.parametrize("t", FLOATS, ids=str)
def test_the_unary_ladder_keeps_the_float_type(t):
    shared = _shared()
    assert _result_type(lambda op, x: shared.unop(op, x), (int64, t)) == t


@pytest.mark.parametrize("t", INTS, ids=str)
def test_the_integer_ladders_keep_the_integer_type(t):
    shared = _shared()
    assert _result_type(lambda op, x: shared.int_unop(op, x), (int64, t)) == t
    assert _result_type(lambda op, x, y: shared.bitop(op, x, y), (int64, t, t)) == t


@pytest.mark.parametrize("t", INTS + FLOATS, ids=str)
def test_comparisons_and_predicates_give_bools(t):
    shared = _shared()
    assert _result_type(lambda op, x, y: shared.compare(op, x, y), (int64, t, t)) == boolean
    if t in FLOATS:
        assert _result_type(lambda op, x: shared.predicate(op, x), (int64, t)) == boolean
        assert _result_type(lambda op, a, b, c: shared.ternop(op, a, b, c),
                            (int64, t, t, t)) == t


def _array(t, layout="A"):
    return t[::1] if layout == "C" else t[:]


@pytest.mark.parametrize("t", (int64, float32, float64), ids=str)
def test_the_elementwise_kernels_compile(t):
    from numtorch.kernels.cuda import elementwise as k
    a, m = _array(t), _array(int64)
    b = _array(boolean)
    sigs = {
        k.binary: (int64, a, m, a, m, a, m, int64),
        k.compare: (int64, a, m, a, m, b, m, int64),
        k.ternary: (int64, a, m, a, m, a, m, a, m, int64),
        k.copy: (a, m, a, m, int64),
        k.fill: (a, m, t, int64),
        k.binary_flat: (int64, a, int64, a, int64, a, int64),
    }
    if t in (float32, float64):
        sigs.update({k.unary: (int64, a, m, a, m, int64), k.unary_flat: (int64, a, a, int64),
                     k.predicate: (int64, a, m, b, m, int64)})
    else:
        sigs.update({k.int_unary: (int64, a, m, a, m, int64),
                     k.bitwise: (int64, a, m, a, m, a, m, int64)})
    for kernel, sig in sigs.items():
        ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=CC)
        assert ".entry" in ptx, kernel


def test_the_optimizer_and_scan_kernels_compile():
    from numtorch.kernels.cuda import optim, reduction
    a = _array(float32)
    f, i, bo = float64, int64, boolean
    for kernel, sig in ((optim.sgd, (a, a, a, f, f, f, f, bo, bo, bo, i)),
                        (optim.adam, (a, a, a, a, a, f, f, f, f, f, f, f, bo, bo, f, i)),
                        (reduction.cumulative, (i, a, i, i, a, i))):
        ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=CC)
        assert ".entry" in ptx, kernel
