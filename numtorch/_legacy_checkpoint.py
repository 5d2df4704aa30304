"""Reading numtorch's first checkpoint format (numtorch 0.1): a zip of `structure.json`, which
describes the saved object, and one `.npy` entry per tensor.  numtorch now writes PyTorch's
format; files in this one still load, and loading one never executes code from it.
"""

import io
import json
import math
import zipfile
from collections import OrderedDict

import numpy as np

from . import _dtype as D
from ._parameter import Parameter
from .tensor import wrap

MAGIC = "numtorch-checkpoint"


def is_legacy_archive(z):
    return "structure.json" in z.namelist()


def _corrupt(why):
    return RuntimeError(f"numtorch.load: not a valid numtorch checkpoint ({why})")


def load_legacy(z, place):
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

    return _decode(structure.get("root"), tensor_at, place)


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
