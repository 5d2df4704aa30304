"""The differential fuzzer's random programs (tests/differential/programs.py) replayed on the
CUDA backend against the CPU one: same values, dtypes, shapes, gradients and exception types.
Like tests/test_cuda.py it runs where numtorch.cuda.is_available() -- a real GPU, or Numba's
CUDA simulator in CI, where few examples keep it quick."""

import os

import numpy as np
import pytest
from differential.programs import programs, run
from differential.regressions import REGRESSIONS
from hypothesis import HealthCheck, given, seed, settings
from numba import config

import numtorch

pytestmark = pytest.mark.skipif(not numtorch.cuda.is_available(), reason="no CUDA device")
EXAMPLES = int(os.environ.get("NUMTORCH_CUDA_FUZZ_EXAMPLES",
                              25 if config.ENABLE_CUDASIM else 400))


class _OnCuda:
    """numtorch, with the tensors a program makes created on the GPU."""

    def __getattr__(self, name):
        return getattr(numtorch, name)

    @staticmethod
    def tensor(*args, **kwargs):
        return numtorch.tensor(*args, **kwargs).cuda()

    @staticmethod
    def ones(*args, **kwargs):
        return numtorch.ones(*args, **kwargs).cuda()


def _outcome(m, program):
    try:
        out, leaf = run(m, program)
        grad = None
        if program["grad"] and out.requires_grad and out.dtype.is_floating_point:
            if out.numel():
                out.sum().backward()
            grad = leaf.grad
        return out, grad
    except Exception as e:  # noqa: BLE001  (compared by type)
        return e, None


def _same(gpu, cpu, what):
    assert gpu.is_cuda, what
    assert tuple(gpu.shape) == tuple(cpu.shape) and gpu.dtype == cpu.dtype, (what, gpu, cpu)
    np.testing.assert_allclose(gpu.detach().cpu().numpy().astype(np.float64),
                               cpu.detach().numpy().astype(np.float64), rtol=2e-5, atol=1e-5,
                               equal_nan=True, err_msg=what)


def check(program):
    cpu, cpu_grad = _outcome(numtorch, program)
    gpu, gpu_grad = _outcome(_OnCuda(), program)
    if isinstance(cpu, Exception):
        assert isinstance(gpu, type(cpu)), (repr(cpu), repr(gpu), program["steps"])
        return
    assert not isinstance(gpu, Exception), (repr(gpu), program["steps"])
    _same(gpu, cpu, "value")
    if cpu_grad is not None:
        assert gpu_grad is not None, "no gradient on CUDA"
        _same(gpu_grad, cpu_grad, "gradient")


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@seed(20261123)
@given(programs())
def test_random_programs_agree_with_cpu(program):
    check(program)


@pytest.mark.parametrize("program", REGRESSIONS)
def test_fuzzer_regressions_agree_with_cpu(program):
    check(program)
