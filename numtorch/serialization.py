"""numtorch.save / numtorch.load without pickle.

A checkpoint is a zip archive: `structure.json` describes the object (dicts, lists, tuples,
numbers, strings, None, tensors by reference) and each tensor is a raw `.npy` entry, so every
dtype round-trips bit for bit (NaN payloads, -0.0).  Loading never executes code from the file.
Saving writes a temporary file beside the target and renames it over the target, so a crash
mid-save leaves the previous checkpoint intact.
"""

import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from . import _dtype as D
from .tensor import Tensor, wrap

MAGIC = "numtorch-checkpoint"
VERSION = 1


class _Writer:
    def __init__(self):
        self.arrays = []
        self.ids = {}

    def encode(self, obj):
        if isinstance(obj, Tensor):
            key = id(obj)
            if key not in self.ids:
                self.ids[key] = len(self.arrays)
                data = obj._data.get() if obj.is_cuda else obj._data  # CUDA: a host copy
                self.arrays.append(np.array(data, order="C"))  # keeps 0-d arrays 0-d
            from .nn.parameter import Parameter
            node = {"t": "tensor", "i": self.ids[key], "dtype": obj.dtype.name,
                    "rg": bool(obj._requires_grad), "param": isinstance(obj, Parameter)}
            if obj.is_cuda:
                node["device"] = str(obj.device)
            return node
        if obj is None or isinstance(obj, (bool, str)):
            return {"t": "v", "v": obj}
        if isinstance(obj, (int, np.integer)):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, (float, np.floating)):
            return {"t": "float", "v": float(obj).hex()}
        if isinstance(obj, dict):
            return {"t": "odict" if isinstance(obj, OrderedDict) else "dict",
                    "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"t": "list" if isinstance(obj, list) else "tuple",
                    "items": [self.encode(v) for v in obj]}
        if isinstance(obj, D.dtype):
            return {"t": "dtype", "v": obj.name}
        raise TypeError(f"numtorch.save: cannot save an object of type {type(obj).__name__} "
                        f"(supported: tensors, dicts, lists, tuples, numbers, strings, None)")


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    writer = _Writer()
    structure = {"magic": MAGIC, "version": VERSION, "root": writer.encode(obj)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("structure.json", json.dumps(structure))
        for i, arr in enumerate(writer.arrays):
            entry = io.BytesIO()
            np.lib.format.write_array(entry, arr, allow_pickle=False)
            z.writestr(f"tensors/{i}.npy", entry.getvalue())
    data = buf.getvalue()
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".numtorch-save-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _corrupt(why):
    return RuntimeError(f"numtorch.load: not a valid numtorch checkpoint ({why})")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    try:
        if hasattr(f, "read"):
            z = zipfile.ZipFile(io.BytesIO(f.read()))
        else:
            z = zipfile.ZipFile(os.fspath(f))
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise _corrupt(f"{type(e).__name__}: {e}") from None
    with z:
        try:
            structure = json.loads(z.read("structure.json"))
        except (KeyError, ValueError, zipfile.BadZipFile) as e:
            raise _corrupt(f"missing or unreadable structure: {e}") from None
        if not isinstance(structure, dict) or structure.get("magic") != MAGIC:
            raise _corrupt("wrong magic")
        cache = {}

        def tensor_at(i):
            if i not in cache:
                try:
                    arr = np.lib.format.read_array(io.BytesIO(z.read(f"tensors/{i}.npy")),
                                                   allow_pickle=False)
                except (KeyError, ValueError, zipfile.BadZipFile, OSError) as e:
                    raise _corrupt(f"tensor {i}: {e}") from None
                cache[i] = arr
            return cache[i]

        return _decode(structure.get("root"), tensor_at, _placement(map_location))


_NO_CUDA = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
            "False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU.")


def _placement(map_location):
    """saved device name -> the device a loaded tensor goes to (PyTorch: where it was saved,
    unless map_location says otherwise)."""
    from . import cuda
    from ._device import device

    def place(saved):
        target = saved
        if isinstance(map_location, (str, device)):
            target = str(map_location)
        elif isinstance(map_location, dict):
            target = map_location.get(saved, saved)
        elif callable(map_location):
            raise TypeError("numtorch.load: a callable map_location is not supported; pass a "
                            "device, a device string or a dict")
        if device(target).type == "cuda" and not cuda.is_available():
            raise RuntimeError(_NO_CUDA)
        return target
    return place


def _decode(node, tensor_at, place):
    if not isinstance(node, dict) or "t" not in node:
        raise _corrupt("malformed entry")
    kind = node["t"]
    if kind == "tensor":
        dt = D.as_dtype(node["dtype"])
        arr = tensor_at(int(node["i"]))
        if arr.dtype != dt.np:
            raise _corrupt(f"tensor {node['i']} has dtype {arr.dtype}, expected {dt.name}")
        target = place(node.get("device", "cpu"))
        t = wrap(arr, dt) if target == "cpu" else wrap(arr, dt).to(target)
        if node.get("param"):
            from .nn.parameter import Parameter
            return Parameter(t, requires_grad=bool(node.get("rg")))
        if node.get("rg"):
            t.requires_grad_(True)
        return t
    if kind == "v":
        return node["v"]
    if kind == "int":
        return int(node["v"])
    if kind == "float":
        return float.fromhex(node["v"]) if isinstance(node["v"], str) else math.nan
    if kind in ("dict", "odict"):
        items = [(_decode(k, tensor_at, place), _decode(v, tensor_at, place))
                 for k, v in node["items"]]
        return OrderedDict(items) if kind == "odict" else dict(items)
    if kind == "list":
        return [_decode(v, tensor_at, place) for v in node["items"]]
    if kind == "tuple":
        return tuple(_decode(v, tensor_at, place) for v in node["items"])
    if kind == "dtype":
        return D.as_dtype(node["v"])
    raise _corrupt(f"unknown entry type {kind!r}")
