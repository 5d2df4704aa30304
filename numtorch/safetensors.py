"""safetensors files for numtorch tensors, as `safetensors.torch` gives them to PyTorch:
`save_file`, `load_file`, `save`, `load`.  The format is the `safetensors` package's (an
optional extra: `pip install "numtorch[safetensors]"`); numtorch hands it NumPy arrays.
"""

import numpy as np

from .tensor import Tensor, wrap

__all__ = ["save", "save_file", "load", "load_file"]


def _backend():
    try:
        import safetensors.numpy as st
    except ImportError:
        raise ImportError("numtorch.safetensors needs the safetensors package: "
                          "pip install 'numtorch[safetensors]'") from None
    return st


def _arrays(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received "
                         f"{type(tensors).__name__}")
    arrays, owners = {}, {}
    for name, t in tensors.items():
        if not isinstance(name, str) or not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected str to torch.Tensor but "
                             f"received {type(name).__name__} to {type(t).__name__}")
        arr = t._data.get() if t.is_cuda else t._data
        # safetensors.torch refuses tensors sharing memory (the file cannot say so)
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        if arr.size and id(root) in owners:
            raise RuntimeError(f"Some tensors share memory, this will lead to duplicate memory "
                               f"on disk and potential differences when loading them again: "
                               f"[{owners[id(root)]!r}, {name!r}].")
        owners[id(root)] = name
        arrays[name] = np.ascontiguousarray(arr)
    return arrays


def save(tensors, metadata=None):
    return _backend().save(_arrays(tensors), metadata=metadata)


def save_file(tensors, filename, metadata=None):
    _backend().save_file(_arrays(tensors), str(filename), metadata=metadata)


def _tensors(arrays, device):
    out = {}
    for name, arr in arrays.items():
        t = wrap(np.array(arr, copy=True))
        out[name] = t if str(device) == "cpu" else t.to(device)
    return out


def load(data, device="cpu"):
    return _tensors(_backend().load(data), device)


def load_file(filename, device="cpu"):
    return _tensors(_backend().load_file(str(filename)), device)
