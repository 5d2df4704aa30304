"""torch.backends as a program asks it: which accelerators exist and the cuDNN switches.
numtorch has no MPS or cuDNN backend; their flags are accepted and change nothing."""

import types

from . import cuda as _cuda

mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cudnn = types.SimpleNamespace(enabled=True, benchmark=False, deterministic=False,
                              allow_tf32=True, is_available=lambda: False,
                              version=lambda: None)
mkldnn = types.SimpleNamespace(enabled=False, is_available=lambda: False)
openmp = types.SimpleNamespace(is_available=lambda: True)


def _cuda_available():
    return _cuda.is_available()


cuda_backend = types.SimpleNamespace(is_built=_cuda_available,
                                     matmul=types.SimpleNamespace(allow_tf32=False))
globals()["cuda"] = cuda_backend
