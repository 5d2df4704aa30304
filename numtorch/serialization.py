"""numtorch.save / numtorch.load in PyTorch's own checkpoint format.

`save` writes the zip archive that `torch.save` writes (`_torch_format.py`), so
`torch.load(path, weights_only=True)` opens numtorch's files; `load` reads those and the files
PyTorch saves, through an unpickler that resolves only an allowlist of names (PyTorch's
`weights_only=True`, the default: a file cannot run code), and still reads numtorch's first,
JSON-described format.  Saving to a path writes a temporary file beside the target, fsyncs it,
renames it over the target and fsyncs the folder, so a crash at any point leaves either the
previous checkpoint or the new one.  Saving to a file object writes the bytes in one call and
is not atomic: the caller owns that file.
"""

import io
import os
import tempfile
import zipfile

from . import _legacy_checkpoint, _torch_format, cuda
from ._device import device


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    data = _torch_format.dumps(obj, _torch_format.archive_name(f))
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
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX; folders cannot be opened on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """weights_only=None means True, as in PyTorch 2.6 and later; False lets the file name any
    importable global (only for files you trust, exactly as in PyTorch)."""
    try:
        if hasattr(f, "read"):
            z = zipfile.ZipFile(io.BytesIO(f.read()))
        else:
            z = zipfile.ZipFile(os.fspath(f))
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise RuntimeError(f"numtorch.load: not a valid checkpoint: not in PyTorch's zip "
                           f"format ({type(e).__name__}: {e})") from None
    place = _placement(map_location)
    with z:
        if _legacy_checkpoint.is_legacy_archive(z):
            return _legacy_checkpoint.load_legacy(z, place)
        if not _torch_format.is_torch_archive(z):
            raise RuntimeError("numtorch.load: not a valid checkpoint: the archive holds no "
                               "data.pkl record")
        return _torch_format.load_archive(z, place, weights_only is not False)


_NO_CUDA = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
            "False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU.")


def _placement(map_location):
    """saved device name -> the device a loaded tensor goes to (PyTorch: where it was saved,
    unless map_location says otherwise)."""

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


