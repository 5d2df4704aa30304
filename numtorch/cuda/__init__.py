"""numtorch.cuda: the GPU backend's front door.  It answers honestly from Numba's view of the
machine; tensors on CUDA arrive with the CUDA-backend issue."""


def is_available():
    try:
        from numba import cuda
        return bool(cuda.is_available())
    except Exception:  # numba without CUDA support, or a broken driver: no GPU for us
        return False


def device_count():
    if not is_available():
        return 0
    from numba import cuda
    return len(cuda.gpus)


def _lazy_init():
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")
    raise RuntimeError("numtorch: CUDA tensors are not implemented yet in this build")


def manual_seed(seed):
    """Seeding a GPU that is not there is a no-op, as in PyTorch."""


manual_seed_all = manual_seed


def synchronize(device=None):
    _lazy_init()


def current_device():
    _lazy_init()


def get_device_name(device=None):
    _lazy_init()
