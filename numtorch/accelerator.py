"""numtorch.accelerator: PyTorch's device-neutral view of the GPU, which is the CUDA device when
Numba sees one.  Tutorials write `torch.accelerator.current_accelerator()` to pick a device."""

from . import cuda
from ._device import device


def is_available():
    return cuda.is_available()


def current_accelerator(check_available=False):
    """device('cuda') when a GPU is there; None on a CPU-only machine, as PyTorch returns."""
    return device("cuda") if cuda.is_available() else None


def device_count():
    return cuda.device_count()


def current_device_index():
    return cuda.current_device() if cuda.is_available() else -1


current_device_idx = current_device_index


def synchronize(device=None):
    if cuda.is_available():
        cuda.synchronize()
