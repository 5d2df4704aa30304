"""torch.device: 'cpu', and 'cuda' (one GPU, index 0) when Numba sees one."""


class device:
    __slots__ = ("type", "index")

    def __init__(self, type_or_str, index=None):
        if isinstance(type_or_str, device):
            self.type, self.index = type_or_str.type, type_or_str.index
            return
        if isinstance(type_or_str, int):
            type_or_str, index = "cuda", type_or_str
        if not isinstance(type_or_str, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({type(type_or_str).__name__})")
        s = type_or_str
        if ":" in s:
            s, _, idx = s.partition(":")
            if index is not None or not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type_or_str}'")
            index = int(idx)
        if s not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, meta device type at start of device string: "
                f"{type_or_str}")
        self.type = s
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


# numtorch.cuda's availability checks live here, below the device type that needs them
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


CPU = device("cpu")
CUDA0 = device("cuda", 0)


def as_device(d):
    """Normalise a device argument; refuse devices this build cannot run."""
    if d is None or d is CPU:
        return CPU
    if not isinstance(d, device):
        d = device(d)
    if d.type == "cpu":
        return CPU
    if d.type == "cuda":
        _lazy_init()
        if d.index not in (None, 0) and d.index >= device_count():
            raise RuntimeError("CUDA error: invalid device ordinal")
        return CUDA0
    raise RuntimeError(f"numtorch: device {d} is not supported by this build")


_default = None  # what set_default_device chose; None means the CPU


def set_default_device(d):
    """Where factory functions (zeros, randn, tensor, ...) put tensors given no device."""
    global _default
    _default = None if d is None else device(d)


def get_default_device():
    return CPU if _default is None else as_device(_default)


def factory_device(d):
    """A factory function's device argument, with set_default_device's choice for None."""
    return _default if d is None else d
