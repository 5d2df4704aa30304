"""PyTorch's checkpoint format: a zip archive of `<name>/data.pkl` (a protocol-2 pickle whose
tensors are `torch._utils._rebuild_tensor_v2` calls over persistent storage ids) and one raw
little-endian record `<name>/data/<key>` per storage, each aligned to 64 bytes.

Writing uses the standard library's pickler with torch's globals written by name (numtorch
never imports torch).  Reading uses an unpickler that resolves only an allowlist of names --
PyTorch's `weights_only` rule -- mapped onto numtorch, so a file cannot run code; tensor
views are bounds-checked against their storage before NumPy is asked for them.
"""

import io
import os
import pickle
import struct
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from . import _dtype as D
from ._device import device as _device
from ._parameter import Parameter
from ._size import Size
from .tensor import Tensor, wrap

# PyTorch's typed storage class for each dtype: the pickle names the class, not the dtype
STORAGE_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
                 "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage",
                 "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage"}
_DTYPE_OF_STORAGE = {v: D.as_dtype(k) for k, v in STORAGE_NAMES.items()}
ALIGNMENT = 64


class _Global:
    """Pickled as GLOBAL `module name`, whether or not that module can be imported here."""
    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # the pickler asks that a reduce function be callable
        raise TypeError(f"{self.module}.{self.name} is a name written into a checkpoint")


class _Storage:
    __slots__ = ("key", "dtype", "location", "numel")

    def __init__(self, key, dtype, location, numel):
        self.key, self.dtype, self.location, self.numel = key, dtype, location, numel


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")


def _root(arr):
    """The array that owns arr's memory, or None when it is not a plain NumPy buffer."""
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr if arr.base is None else None


class _Pickler(pickle._Pickler):
    """The pure-Python pickler (its dispatch table can be extended, the C one's cannot)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = {}   # (id of the owning buffer, dtype name) -> (_Storage, its bytes)
        self._keep = []      # buffers copied for saving stay alive so ids are not reused

    def save_global_marker(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = save_global_marker

    def save_dtype(self, obj):
        self.save_global_marker(_Global("torch", obj.name))

    dispatch[D.dtype] = save_dtype

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", _Global("torch", STORAGE_NAMES[obj.dtype.name]), obj.key,
                    obj.location, obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Parameter):
            plain = wrap(obj._data, obj._dtype)
            return (_REBUILD_PARAMETER, (plain, bool(obj._requires_grad), OrderedDict()))
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if isinstance(obj, Size):
            return (_Global("torch", "Size"), (tuple(obj),))
        if isinstance(obj, _device):
            return (_Global("torch", "device"), (str(obj),))
        return NotImplemented

    def _tensor(self, t):
        arr = t._data.get() if t.is_cuda else t._data  # CUDA: saved from a host copy
        location = str(t.device) if t.is_cuda else "cpu"
        item = arr.dtype.itemsize
        root = None if t.is_cuda else _root(arr)
        view = None
        if root is not None and root.flags.c_contiguous and root.dtype == arr.dtype and \
                all(s >= 0 and s % item == 0 for s in arr.strides):
            offset = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
            if offset % item == 0:  # a view into its buffer: the buffer is saved once
                view = (root, offset // item, tuple(s // item for s in arr.strides))
        if view is None:
            root = np.ascontiguousarray(arr)
            self._keep.append(root)
            view = (root, 0, tuple(s // item for s in root.strides))
        root, offset, strides = view
        key = (id(root), t.dtype.name, location)
        if key not in self.storages:
            storage = _Storage(str(len(self.storages)), t.dtype, location, root.size)
            self.storages[key] = (storage, root)
        storage = self.storages[key][0]
        args = (storage, offset, tuple(arr.shape), strides, bool(t._requires_grad),
                OrderedDict())
        return (_REBUILD_TENSOR, args)


def _zip_entry(z, name, data):
    """A stored (uncompressed) entry whose data starts on a 64-byte boundary, as PyTorch
    writes them (so they can be memory-mapped), padded through the local header's extra
    field."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = z.fp.tell() + 30 + len(name.encode("utf-8"))
    pad = (-(start + 4)) % ALIGNMENT
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # the "FB" padding record
    z.writestr(info, data)


def dumps(obj, archive_name="archive"):
    """obj in PyTorch's zip format, as bytes."""
    buf = io.BytesIO()
    pickler = _Pickler(buf)
    pickler.dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        prefix = archive_name + "/"
        _zip_entry(z, prefix + "data.pkl", buf.getvalue())
        _zip_entry(z, prefix + ".format_version", b"1")
        _zip_entry(z, prefix + ".storage_alignment", str(ALIGNMENT).encode())
        _zip_entry(z, prefix + "byteorder", b"little")
        for storage, root in pickler.storages.values():
            data = root.astype(root.dtype.newbyteorder("<"), copy=False).tobytes()
            _zip_entry(z, prefix + "data/" + storage.key, data)
        _zip_entry(z, prefix + "version", b"3\n")
    return out.getvalue()


# ---- reading ---------------------------------------------------------------------------------


def _unsupported(module, name):
    return pickle.UnpicklingError(
        f"Weights only load failed. In PyTorch 2.6, we changed the default value of the "
        f"`weights_only` argument in `torch.load` from `False` to `True`. Re-running "
        f"`torch.load` with `weights_only` set to `False` will likely succeed, but it can "
        f"result in arbitrary code execution. Do it only if you got the file from a trusted "
        f"source.\n WeightsUnpickler error: Unsupported global: GLOBAL {module}.{name} was not "
        f"an allowed global by default.")


def _bad(why):
    return RuntimeError(f"numtorch.load: not a valid checkpoint ({why})")


def _check_ints(name, values):
    if not isinstance(values, (tuple, list)) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
        raise _bad(f"{name} must be non-negative integers, got {values!r}")
    return tuple(values)


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False,
                    backward_hooks=None, metadata=None):
    if not isinstance(storage, _Loaded):
        raise _bad("a tensor without a storage")
    size, stride = _check_ints("size", size), _check_ints("stride", stride)
    (offset,) = _check_ints("storage offset", (storage_offset,))
    if len(size) != len(stride):
        raise _bad(f"size {list(size)} and stride {list(stride)} differ in length")
    arr = storage.array
    if 0 in size:
        data = np.empty(size, arr.dtype)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= arr.size:
            raise _bad(f"a tensor of size {list(size)}, stride {list(stride)} and offset "
                       f"{offset} reaches element {last} of a storage of {arr.size}")
        item = arr.dtype.itemsize
        data = np.lib.stride_tricks.as_strided(arr[offset:], size, [s * item for s in stride])
    t = wrap(data, storage.dtype)
    t = t if storage.device == "cpu" else t.to(storage.device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None, *state):
    if not isinstance(data, Tensor):
        raise _bad("a parameter without a tensor")
    return Parameter(data, requires_grad=bool(requires_grad))


class _Loaded:
    __slots__ = ("array", "dtype", "device")

    def __init__(self, array, dtype, device):
        self.array, self.dtype, self.device = array, dtype, device


def _allowed():
    names = {("collections", "OrderedDict"): OrderedDict,
             ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
             ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
             ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
             ("torch", "Size"): lambda dims=(): Size(_check_ints("torch.Size", dims)),
             ("torch", "device"): _device,
             ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
             ("builtins", "bytearray"): bytearray, ("builtins", "slice"): slice}
    for dt in D.ALL:
        names[("torch", dt.name)] = dt
    for alias, dt in D.ALIASES.items():
        names[("torch", alias)] = dt
    for storage_name, dt in _DTYPE_OF_STORAGE.items():
        names[("torch", storage_name)] = ("storage-type", dt)
    return names


_ALLOWED = _allowed()


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, records, prefix, place, weights_only):
        super().__init__(file, encoding="utf-8")
        self.records, self.prefix, self.place = records, prefix, place
        self.weights_only = weights_only
        self.loaded = {}

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" or module.startswith("torch.") or self.weights_only:
            raise _unsupported(module, name)
        return super().find_class(module, name)  # weights_only=False: the caller trusts it

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise _bad(f"unknown persistent id {pid!r}")
        _, kind, key, location, numel = pid
        if not (isinstance(kind, tuple) and kind[0] == "storage-type"):
            raise _bad(f"unknown storage type {kind!r}")
        dt = kind[1]
        (numel,) = _check_ints("storage size", (numel,))
        if not isinstance(key, str) or not isinstance(location, str):
            raise _bad(f"storage key {key!r} at {location!r}")
        if key not in self.loaded:
            name = f"{self.prefix}data/{key}"
            if name not in self.records:
                raise _bad(f"storage {key} is missing")
            raw = self.records[name]()
            if len(raw) < numel * dt.itemsize:
                raise _bad(f"storage {key} holds {len(raw)} bytes, expected "
                           f"{numel * dt.itemsize}")
            arr = np.frombuffer(bytearray(raw[:numel * dt.itemsize]),
                                dt.np.newbyteorder(self.byteorder))
            if self.byteorder == ">":
                arr = arr.astype(dt.np)
            self.loaded[key] = _Loaded(arr, dt, self.place(location))
        return self.loaded[key]


def _location_name(location):
    """PyTorch's location strings ('cpu', 'cuda', 'cuda:1') as numtorch device names."""
    try:
        return str(_device(location))
    except (RuntimeError, TypeError, ValueError):
        raise _bad(f"unknown device {location!r}") from None


def is_torch_archive(z):
    return any(n.endswith("/data.pkl") or n == "data.pkl" for n in z.namelist())


def load_archive(z, place, weights_only=True):
    try:
        return _load_archive(z, place, weights_only)
    except (zipfile.BadZipFile, zlib.error, OSError) as e:  # a damaged archive
        raise _bad(f"{type(e).__name__}: {e}") from None


def _load_archive(z, place, weights_only):
    names = z.namelist()
    pkl = next(n for n in names if n.endswith("/data.pkl") or n == "data.pkl")
    prefix = pkl[:-len("data.pkl")]
    records = {n: (lambda n=n: z.read(n)) for n in names}
    order = records.get(prefix + "byteorder", lambda: b"little")().strip()
    if order not in (b"little", b"big"):
        raise _bad(f"byte order {order!r}")
    u = _Unpickler(io.BytesIO(z.read(pkl)), records, prefix,
                   lambda loc: place(_location_name(loc)), weights_only)
    u.byteorder = "<" if order == b"little" else ">"
    try:
        return u.load()
    except (pickle.UnpicklingError, RuntimeError, zipfile.BadZipFile, zlib.error, OSError):
        raise
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            struct.error) as e:
        raise _bad(f"{type(e).__name__}: {e}") from None


def archive_name(f):
    """PyTorch names the archive's folder after the file (its name without extension)."""
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        if stem:
            return stem
    return "archive"
