"""numtorch.cuda: the GPU as Numba sees it.  With no GPU (or no CUDA driver) is_available() is
False and anything that needs a device raises, as PyTorch's CPU builds do.  Under Numba's CUDA
simulator (NUMBA_ENABLE_CUDASIM=1) the simulated device counts as one GPU, which is how the
CUDA backend's tests run on machines without one."""

from .._device import _lazy_init, device_count, is_available  # noqa: F401  (torch.cuda's names)
from ..random import cuda_generator


def is_initialized():
    return is_available()


def current_device():
    _lazy_init()
    return 0


def get_device_name(device=None):
    _lazy_init()
    from numba import cuda
    # the simulator's device has no name
    name = getattr(cuda.current_context().device, "name", "Numba CUDA simulator")
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None):
    _lazy_init()
    from numba import cuda
    cuda.synchronize()


def manual_seed(seed):
    """Seed the generator behind random CUDA tensors (a no-op without a GPU, as in PyTorch)."""
    cuda_generator.manual_seed(seed)


manual_seed_all = manual_seed
