"""Checkpoint safety: a save killed at any point leaves the previous file loadable, a crafted
file cannot run code on load, and every dtype round-trips bit for bit (NaN payloads, -0.0,
subnormals, integer extremes)."""

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import numtorch as nt

CHILD = """
import sys, numpy as np, numtorch as nt
path = sys.argv[1]
big = np.arange(3_000_000, dtype=np.float32)
k = 1
print("ready", flush=True)
while True:  # keep overwriting the file until killed
    nt.save({"version": k, "w": nt.from_numpy(big + k)}, path)
    k += 1
"""


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.5, 0.8])
def test_killed_save_leaves_a_complete_checkpoint(tmp_path, delay):
    path = tmp_path / "ckpt.pt"
    nt.save({"version": 0, "w": nt.from_numpy(np.arange(3_000_000, dtype=np.float32))}, path)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"ready"
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()
    ck = nt.load(path)  # whatever moment the kill hit, the file is one whole version
    v = ck["version"]
    np.testing.assert_array_equal(ck["w"].numpy(), np.arange(3_000_000, dtype=np.float32) + v)
    leftovers = [p for p in os.listdir(tmp_path) if p != "ckpt.pt"]
    assert len(leftovers) <= 1  # at most the killed save's temporary file


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def test_a_crafted_file_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    buf = io.BytesIO()
    arr = np.empty(1, dtype=object)
    arr[0] = Payload()
    np.save(buf, arr, allow_pickle=True)  # an .npy holding a pickle
    structure = {"magic": "numtorch-checkpoint",  # numtorch 0.1's format, still read
                 "root": {"t": "tensor", "i": 0, "dtype": "float32", "rg": False}}
    _zip(tmp_path / "evil.pt", {"structure.json": json.dumps(structure),
                                "tensors/0.npy": buf.getvalue()})
    with pytest.raises(RuntimeError, match="not a valid numtorch checkpoint"):
        nt.load(tmp_path / "evil.pt")
    assert not marker.exists()
    # a raw pickle with the .pt name is refused as well
    import pickle
    (tmp_path / "evil2.pt").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(RuntimeError):
        nt.load(tmp_path / "evil2.pt")
    assert not marker.exists()


def _specials(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]
        info = np.finfo(dt)
        vals = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, info.tiny / 2, info.max, info.min,
                         info.eps], dtype=dt)
        # NaNs with distinct payloads (quiet and signalling), by bit pattern
        exp_all = {2: 0x7C00, 4: 0x7F800000, 8: 0x7FF0000000000000}[dt.itemsize]
        payloads = np.array([exp_all | 1, exp_all | 0x5, (exp_all | 3) | (1 << (8 * dt.itemsize
                                                                               - 1))],
                            dtype=bits).view(dt)
        return np.concatenate([vals, payloads])
    if dt.kind == "b":
        return np.array([True, False, True])
    info = np.iinfo(dt)
    return np.array([info.min, info.max, 0, -1 if info.min < 0 else 1], dtype=dt)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "bool"])
def test_every_dtype_round_trips_bit_exactly(tmp_path, dtype):
    arr = _specials(dtype)
    t = nt.from_numpy(arr.copy())
    nt.save({"t": t, "scalar": nt.from_numpy(arr[:1].reshape(())), "list": [t[:2], -0.0]},
            tmp_path / "x.pt")
    back = nt.load(tmp_path / "x.pt")
    assert back["t"].dtype == t.dtype
    assert back["t"].numpy().tobytes() == arr.tobytes()
    assert back["scalar"].shape == () and back["scalar"].numpy().tobytes() == arr[:1].tobytes()
    assert np.signbit(back["list"][1]) and back["list"][0].numpy().tobytes() == arr[:2].tobytes()


def test_save_to_a_path_fsyncs_the_file_then_renames_then_fsyncs_the_folder(tmp_path,
                                                                            monkeypatch):
    """The order that makes a save durable: data on disk before the rename, and the rename
    itself on disk (the folder's entry) before save returns."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.basename(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    nt.save({"w": nt.ones(3)}, tmp_path / "ckpt.pt")
    assert events == [("fsync", "file"), ("replace", "ckpt.pt"), ("fsync", "folder")]
    assert np.array_equal(nt.load(tmp_path / "ckpt.pt")["w"].numpy(), np.ones(3, np.float32))
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary file left
