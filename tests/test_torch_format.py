"""PyTorch's checkpoint format: numtorch writes what torch.load(weights_only=True) reads, reads
what torch.save writes, and refuses crafted files without running anything."""

import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import numtorch as nt

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _values(dtype, rng):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        vals = rng.standard_normal(7).astype(dt)
        vals[:3] = [np.nan, -0.0, np.inf]
        return vals
    if dt.kind == "b":
        return rng.random(7) > 0.5
    info = np.iinfo(dt)
    return np.array([info.min, info.max, 0, 1, 2, 3, 4], dt)


def _nt_payload():
    rng = np.random.default_rng(3)
    base = nt.arange(12.0)
    return {
        "tensors": {d: nt.from_numpy(_values(d, rng)) for d in DTYPES},
        "base": base, "strided_view": base[1:11:3], "transposed": base.view(3, 4).t(),
        "scalar": nt.tensor(2.5, dtype=nt.float64), "empty": nt.zeros(0, 4),
        "param": nt.nn.Parameter(nt.ones(2, 2)), "frozen": nt.nn.Parameter(nt.ones(1), False),
        "grad": nt.ones(3, requires_grad=True),
        "size": nt.Size([2, 3]), "dtype": nt.float16, "meta": (1, 2.5, None, True, "s", [b"x"]),
    }


def test_constants_match_pytorch():
    torch = pytest.importorskip("torch")
    from numtorch import _torch_format
    for name, storage in _torch_format.STORAGE_NAMES.items():
        assert getattr(torch, storage).dtype == getattr(torch, name), name


def test_pytorch_reads_what_numtorch_writes(tmp_path):
    torch = pytest.importorskip("torch")
    payload = _nt_payload()
    nt.save(payload, tmp_path / "ck.pt")
    back = torch.load(tmp_path / "ck.pt", weights_only=True)
    for d in DTYPES:
        got = back["tensors"][d]
        assert str(got.dtype) == f"torch.{d}"
        assert got.numpy().tobytes() == payload["tensors"][d].numpy().tobytes()
    for key in ("base", "strided_view", "transposed", "scalar", "empty"):
        assert back[key].shape == payload[key].shape, key
        np.testing.assert_array_equal(back[key].numpy(), payload[key].numpy())
    # a view and its base share one storage, in the file and once loaded
    assert back["strided_view"].untyped_storage().data_ptr() == \
        back["base"].untyped_storage().data_ptr()
    assert isinstance(back["param"], torch.nn.Parameter) and back["param"].requires_grad
    assert not back["frozen"].requires_grad and back["grad"].requires_grad
    assert back["size"] == torch.Size([2, 3]) and back["dtype"] is torch.float16
    assert back["meta"] == (1, 2.5, None, True, "s", [b"x"])


def test_numtorch_reads_what_pytorch_writes(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    base = torch.arange(12.0)
    payload = {"tensors": {d: torch.from_numpy(_values(d, rng)) for d in DTYPES},
               "base": base, "view": base[2:10:4], "t": base.view(3, 4).t(),
               "scalar": torch.tensor(7, dtype=torch.int16), "empty": torch.zeros(2, 0),
               "param": torch.nn.Parameter(torch.ones(3)), "size": torch.Size([4]),
               "dtype": torch.int32, "n": 3}
    torch.save(payload, tmp_path / "torch.pt")
    back = nt.load(tmp_path / "torch.pt")
    for d in DTYPES:
        assert back["tensors"][d].dtype is getattr(nt, d)
        assert back["tensors"][d].numpy().tobytes() == payload["tensors"][d].numpy().tobytes()
    for key in ("base", "view", "t", "scalar", "empty"):
        assert tuple(back[key].shape) == tuple(payload[key].shape), key
        np.testing.assert_array_equal(back[key].numpy(), payload[key].numpy())
    back["base"][2] = -1.0  # loaded views share memory as PyTorch's do
    assert back["view"][0].item() == -1.0
    assert isinstance(back["param"], nt.nn.Parameter) and back["param"].requires_grad
    assert back["size"] == nt.Size([4]) and back["dtype"] is nt.int32 and back["n"] == 3


def test_state_dicts_cross_between_the_libraries(tmp_path):
    torch = pytest.importorskip("torch")

    def build(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(lib.nn.Conv2d(1, 3, 3), lib.nn.BatchNorm2d(3), lib.nn.ReLU(),
                                 lib.nn.Flatten(), lib.nn.Linear(48, 5))
    x = np.random.default_rng(5).random((2, 1, 6, 6)).astype(np.float32)
    tnet, net = build(torch), build(nt)
    tnet(torch.tensor(x))  # a training step's worth of running statistics
    torch.save(tnet.state_dict(), tmp_path / "from_torch.pt")
    net.load_state_dict(nt.load(tmp_path / "from_torch.pt"))
    tnet.eval()
    net.eval()
    np.testing.assert_allclose(net(nt.tensor(x)).detach().numpy(),
                               tnet(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    net[0].weight.data.mul_(2)
    nt.save(net.state_dict(), tmp_path / "from_numtorch.pt")
    tnet.load_state_dict(torch.load(tmp_path / "from_numtorch.pt", weights_only=True))
    np.testing.assert_allclose(net(nt.tensor(x)).detach().numpy(),
                               tnet(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_optimizer_state_round_trips_into_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    net = nt.nn.Linear(3, 2)
    opt = nt.optim.Adam(net.parameters(), lr=0.01)
    net(nt.ones(4, 3)).sum().backward()
    opt.step()
    nt.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 1},
            tmp_path / "ck.pt")
    ck = torch.load(tmp_path / "ck.pt", weights_only=True)
    tnet = torch.nn.Linear(3, 2)
    tnet.load_state_dict(ck["model"])
    topt = torch.optim.Adam(tnet.parameters(), lr=0.01)
    topt.load_state_dict(ck["optimizer"])
    np.testing.assert_allclose(topt.state_dict()["state"][0]["exp_avg"].numpy(),
                               opt.state_dict()["state"][0]["exp_avg"].numpy())


def test_whole_modules_need_weights_only_false(tmp_path):
    net = nt.nn.Sequential(nt.nn.Linear(2, 2), nt.nn.Tanh())
    nt.save(net, tmp_path / "net.pt")
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        nt.load(tmp_path / "net.pt")
    back = nt.load(tmp_path / "net.pt", weights_only=False)
    x = nt.randn(3, 2)
    assert nt.equal(back(x), net(x))


def test_archive_layout_is_pytorchs(tmp_path):
    nt.save({"w": nt.ones(3)}, tmp_path / "model.pth")
    with zipfile.ZipFile(tmp_path / "model.pth") as z:
        names = z.namelist()
        assert names[0] == "model/data.pkl"
        assert {"model/byteorder", "model/version", "model/data/0"} <= set(names)
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            start = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert start % 64 == 0, info.filename
    buf = io.BytesIO()
    nt.save({"w": nt.ones(3)}, buf)
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()[0] == "archive/data.pkl"
    buf.seek(0)
    assert nt.load(buf)["w"].tolist() == [1.0, 1.0, 1.0]


# ---- crafted files ---------------------------------------------------------------------------


def _archive(path, pkl, records=()):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", b"little")
        z.writestr("archive/version", b"3\n")
        for name, data in records:
            z.writestr("archive/" + name, data)


def _tensor_pickle(offset, size, stride, numel):
    """data.pkl for one float32 tensor view, built opcode by opcode as torch.save writes it."""
    def uni(s):
        return b"X" + struct.pack("<I", len(s)) + s.encode()

    def ints(vals):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in vals) + b"t"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(("
            + uni("storage") + b"ctorch\nFloatStorage\n" + uni("0") + uni("cpu")
            + b"J" + struct.pack("<i", numel) + b"tQ"
            + b"J" + struct.pack("<i", offset) + ints(size) + ints(stride)
            + b"\x89ccollections\nOrderedDict\n)RtR.")


def test_crafted_pickles_cannot_run_code(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))
    _archive(tmp_path / "evil.pt", pickle.dumps({"w": Payload()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL posix.system"):
        nt.load(tmp_path / "evil.pt")
    assert not marker.exists()
    (tmp_path / "raw.pt").write_bytes(pickle.dumps(Payload()))  # a bare pickle, no zip
    with pytest.raises(RuntimeError, match="zip format"):
        nt.load(tmp_path / "raw.pt")
    assert not marker.exists()


def test_a_well_formed_crafted_tensor_loads(tmp_path):
    data = np.arange(6, dtype=np.float32).tobytes()
    _archive(tmp_path / "ok.pt", _tensor_pickle(1, (2, 2), (2, 1), 6), [("data/0", data)])
    assert nt.load(tmp_path / "ok.pt").tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("offset,size,stride,numel,nbytes,match", [
    (0, (2, 4), (4, 1), 6, 24, "reaches element 7 of a storage of 6"),
    (5, (2,), (1,), 6, 24, "reaches element 6"),
    (0, (3,), (1,), 6, 8, "holds 8 bytes, expected 24"),
    (0, (2, 2), (2,), 6, 24, "differ in length"),
])
def test_tensors_outside_their_storage_are_refused(tmp_path, offset, size, stride, numel,
                                                   nbytes, match):
    data = np.arange(numel, dtype=np.float32).tobytes()[:nbytes]
    _archive(tmp_path / "bad.pt", _tensor_pickle(offset, size, stride, numel), [("data/0", data)])
    with pytest.raises(RuntimeError, match=match):
        nt.load(tmp_path / "bad.pt")


def test_negative_strides_and_missing_storages_are_refused(tmp_path):
    pkl = _tensor_pickle(0, (2,), (1,), 2).replace(b"J\x01\x00\x00\x00t\x89",
                                                   b"J\xff\xff\xff\xfft\x89")
    _archive(tmp_path / "neg.pt", pkl, [("data/0", bytes(8))])
    with pytest.raises(RuntimeError, match="non-negative"):
        nt.load(tmp_path / "neg.pt")
    _archive(tmp_path / "none.pt", _tensor_pickle(0, (2,), (1,), 2))
    with pytest.raises(RuntimeError, match="storage 0 is missing"):
        nt.load(tmp_path / "none.pt")


def test_legacy_numtorch_checkpoints_still_load(tmp_path):
    """numtorch 0.1's format: structure.json + .npy entries."""
    import json
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([1.5, -2.0], np.float32), allow_pickle=False)
    structure = {"magic": "numtorch-checkpoint", "version": 1, "root": {"t": "odict", "items": [
        [{"t": "v", "v": "w"}, {"t": "tensor", "i": 0, "dtype": "float32", "rg": False,
                                "param": False}],
        [{"t": "v", "v": "step"}, {"t": "int", "v": 7}]]}}
    with zipfile.ZipFile(tmp_path / "old.pt", "w") as z:
        z.writestr("structure.json", json.dumps(structure))
        z.writestr("tensors/0.npy", buf.getvalue())
    back = nt.load(tmp_path / "old.pt")
    assert isinstance(back, OrderedDict) and back["step"] == 7
    assert back["w"].tolist() == [1.5, -2.0]


# ---- safetensors -----------------------------------------------------------------------------


def test_safetensors_cross_with_pytorch(tmp_path):
    pytest.importorskip("safetensors")
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    import numtorch.safetensors as st
    rng = np.random.default_rng(6)
    ours = {d: nt.from_numpy(_values(d, rng)) for d in DTYPES}
    ours["transposed"] = nt.arange(6).view(2, 3).t()  # saved contiguous
    st.save_file(ours, tmp_path / "ours.safetensors", metadata={"epoch": "3"})
    theirs = load_file(tmp_path / "ours.safetensors")
    for name, t in ours.items():
        assert theirs[name].numpy().tobytes() == t.contiguous().numpy().tobytes(), name
        assert str(theirs[name].dtype) == str(t.dtype)
    save_file({"w": torch.randn(3, 2), "m": torch.tensor([True, False])},
              tmp_path / "theirs.safetensors")
    back = st.load_file(tmp_path / "theirs.safetensors")
    ref = load_file(tmp_path / "theirs.safetensors")
    assert back["m"].dtype is nt.bool and back["w"].tolist() == ref["w"].tolist()
    assert st.load(st.save({"x": nt.ones(2)}))["x"].tolist() == [1.0, 1.0]


def test_safetensors_refuses_what_it_cannot_store():
    pytest.importorskip("safetensors")
    import numtorch.safetensors as st
    base = nt.arange(4.0)
    with pytest.raises(RuntimeError, match="share memory"):
        st.save({"x": base, "y": base[1:]})
    with pytest.raises(ValueError, match="expected str to torch.Tensor"):
        st.save({"x": [1.0]})
