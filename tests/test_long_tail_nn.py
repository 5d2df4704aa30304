"""The long tail of torch.nn and friends against PyTorch: transposed convolution, resampling,
recurrent layers, the remaining activation and layer modules, parameter containers, gradient
clipping, orthogonal init, the one-cycle and linear schedules, cdist -- and the API coverage
report's list of commonly used names, all present."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import numtorch as nt

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(11)


def _f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _copy_params(src, dst):
    """PyTorch module's parameters into the numtorch one, by state_dict name."""
    missing = dst.load_state_dict({k: nt.tensor(v.detach().numpy())
                                   for k, v in src.state_dict().items()})
    assert not missing.missing_keys and not missing.unexpected_keys


def _check_module(make, x, atol=1e-5):
    """Same parameters, same input: same output, input gradient and parameter gradients."""
    torch.manual_seed(0)
    tm = make(torch.nn)
    nm = make(nt.nn)
    _copy_params(tm, nm)
    xt = torch.tensor(x, requires_grad=True)
    xn = nt.tensor(x, requires_grad=True)
    yt, yn = tm(xt), nm(xn)
    yt = yt[0] if isinstance(yt, tuple) else yt
    yn = yn[0] if isinstance(yn, tuple) else yn
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=atol)
    g = RNG.standard_normal(tuple(yt.shape)).astype(np.float32)
    (yt * torch.tensor(g)).sum().backward()
    (yn * nt.tensor(g)).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=atol)
    for (name, pt), pn in zip(tm.named_parameters(), nm.parameters()):
        np.testing.assert_allclose(pn.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=atol,
                                   err_msg=name)
    assert repr(nm) == repr(tm)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1, output_padding=1, groups=2),
                                dict(stride=2, padding=1), dict(dilation=2),
                                dict(stride=3, padding=2, output_padding=2),
                                dict(padding=2, bias=False)])
def test_conv_transpose2d(kw):
    _check_module(lambda nn: nn.ConvTranspose2d(4, 6, 3, **kw), _f32(2, 4, 5, 6))


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(7, 3)),
                                dict(scale_factor=2, mode="bilinear"),
                                dict(size=(7, 9), mode="bilinear", align_corners=True),
                                dict(size=(3, 2), mode="bilinear"),
                                dict(scale_factor=1.5, mode="bilinear")])
def test_interpolate_and_upsample(kw):
    x = _f32(2, 3, 4, 5)
    xt, xn = torch.tensor(x, requires_grad=True), nt.tensor(x, requires_grad=True)
    yt = torch.nn.functional.interpolate(xt, **kw)
    yn = nt.nn.functional.interpolate(xn, **kw)
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yt.pow(2).sum().backward()
    yn.pow(2).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    up = nt.nn.Upsample(**kw)(nt.tensor(x))
    np.testing.assert_allclose(up.numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_linear_interpolate_and_pixel_shuffle():
    x = _f32(2, 3, 5)
    np.testing.assert_allclose(
        nt.nn.functional.interpolate(nt.tensor(x), scale_factor=2, mode="linear").numpy(),
        torch.nn.functional.interpolate(torch.tensor(x), scale_factor=2, mode="linear").numpy(),
        rtol=1e-5, atol=1e-6)
    _check_module(lambda nn: nn.PixelShuffle(2), _f32(2, 8, 3, 3))


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2, batch_first=True),
                                dict(bidirectional=True), dict(nonlinearity="relu")])
def test_recurrent_layers(mode, kw):
    if "nonlinearity" in kw and mode != "RNN":
        pytest.skip("RNN only")
    _check_module(lambda nn: getattr(nn, mode)(3, 4, **kw), _f32(5, 2, 3))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_recurrent_state_in_and_out(mode):
    torch.manual_seed(0)
    tm, nm = getattr(torch.nn, mode)(3, 4, 2), getattr(nt.nn, mode)(3, 4, 2)
    _copy_params(tm, nm)
    x, h = _f32(6, 3), _f32(2, 4)  # unbatched, with an initial state
    if mode == "LSTM":
        c = _f32(2, 4)
        ot, (ht, ct) = tm(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
        on, (hn, cn) = nm(nt.tensor(x), (nt.tensor(h), nt.tensor(c)))
        np.testing.assert_allclose(cn.detach().numpy(), ct.detach().numpy(), atol=1e-6)
    else:
        ot, ht = tm(torch.tensor(x), torch.tensor(h))
        on, hn = nm(nt.tensor(x), nt.tensor(h))
    assert tuple(on.shape) == tuple(ot.shape) and tuple(hn.shape) == tuple(ht.shape)
    np.testing.assert_allclose(on.detach().numpy(), ot.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(hn.detach().numpy(), ht.detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_recurrent_cells(cell):
    _check_module(lambda nn: getattr(nn, cell)(3, 4), _f32(2, 3))


@pytest.mark.parametrize("make", [
    lambda nn: nn.ReLU6(), lambda nn: nn.SELU(), lambda nn: nn.CELU(0.5),
    lambda nn: nn.Hardtanh(-0.3, 0.4), lambda nn: nn.Hardsigmoid(), lambda nn: nn.Hardswish(),
    lambda nn: nn.Mish(), lambda nn: nn.Softsign(), lambda nn: nn.Tanhshrink(),
    lambda nn: nn.Threshold(0.1, 20.0), lambda nn: nn.Hardshrink(0.3),
    lambda nn: nn.Softshrink(0.3), lambda nn: nn.GLU(1), lambda nn: nn.Softmin(1),
    lambda nn: nn.PReLU(4), lambda nn: nn.PReLU(), lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.ZeroPad2d((1, 0, 2, 1)), lambda nn: nn.GroupNorm(4, 4, affine=False)],
    ids=lambda f: "")
def test_more_modules(make):
    _check_module(make, _f32(2, 4, 3, 3) * 3)


def test_dropout2d_zeroes_whole_channels():
    nt.manual_seed(0)
    x = nt.ones(8, 16, 3, 3)
    y = nt.nn.Dropout2d(0.5)(x).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    assert nt.equal(nt.nn.Dropout2d(0.5).eval()(x), x)


def test_parameter_containers_register():
    m = nt.nn.Module()
    m.plist = nt.nn.ParameterList([nt.ones(2), nt.nn.Parameter(nt.zeros(3))])
    m.pdict = nt.nn.ParameterDict({"a": nt.ones(1)})
    m.plist.append(nt.ones(4))
    assert [n for n, _ in m.named_parameters()] == ["plist.0", "plist.1", "plist.2", "pdict.a"]
    assert all(isinstance(p, nt.nn.Parameter) for p in m.parameters())
    assert len(m.plist) == 3 and "a" in m.pdict and m.pdict["a"].shape == (1,)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm(norm_type):
    grads = [_f32(3, 2) * 5, _f32(4)]
    results = []
    for lib in (nt, torch):
        ps = [lib.nn.Parameter(lib.zeros(g.shape)) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = lib.tensor(g)
        total = lib.nn.utils.clip_grad_norm_(ps, 1.5, norm_type)
        results.append((total.item(), [p.grad.numpy() for p in ps]))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    p = nt.nn.Parameter(nt.zeros(3))
    p.grad = nt.tensor([-3.0, 0.5, 2.0])
    nt.nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]
    vec = nt.nn.utils.parameters_to_vector([nt.ones(2, 2), nt.zeros(3)])
    assert vec.tolist() == [1, 1, 1, 1, 0, 0, 0]


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3)])
def test_orthogonal_init(shape):
    w = nt.nn.init.orthogonal_(nt.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda lr, o: lr.OneCycleLR(o, 1.0, total_steps=12),
    lambda lr, o: lr.OneCycleLR(o, 0.5, epochs=3, steps_per_epoch=4, anneal_strategy="linear",
                                three_phase=True),
    lambda lr, o: lr.LinearLR(o, 0.2, 1.0, 5), lambda lr, o: lr.LinearLR(o)])
def test_schedules_match_pytorch(make):
    import warnings
    curves = []
    for lib in (nt, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        sched = make(lib.optim.lr_scheduler, opt)
        seen = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(11):
                seen.append(sched.get_last_lr()[0])
                opt.step()
                sched.step()
        curves.append(seen)
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-9, atol=1e-12)


def test_cdist_backends_and_variable():
    a, b = _f32(2, 4, 3), _f32(2, 5, 3)
    for p in (1.0, 2.0):
        np.testing.assert_allclose(nt.cdist(nt.tensor(a), nt.tensor(b), p).numpy(),
                                   torch.cdist(torch.tensor(a), torch.tensor(b), p).numpy(),
                                   rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="same number of columns"):
        nt.cdist(nt.ones(2, 3), nt.ones(2, 4))
    assert nt.backends.mps.is_available() is False
    nt.backends.cudnn.benchmark = True  # accepted, as programs set it
    v = nt.autograd.Variable(nt.ones(2), requires_grad=True)
    assert v.requires_grad and isinstance(v, nt.Tensor)


def test_every_commonly_used_name_is_present():
    path = Path(__file__).parents[1] / "benchmarks" / "api_coverage.py"
    spec = importlib.util.spec_from_file_location("api_coverage", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import io
    out = io.StringIO()
    assert module.report(out=out) == {}, out.getvalue()
    # the common names are real PyTorch names (a typo in the list would pass vacuously)
    for ns, names in module.COMMON.items():
        theirs = module._resolve(ns)
        assert [n for n in names.split() if not module._has(theirs, n)] == [], ns


def _fit_problem(lib):
    """A small least-squares fit in float64 with PyTorch's initial weights copied in."""
    g = np.random.default_rng(3)
    x = lib.tensor(g.standard_normal((32, 5)))
    y = lib.tensor(g.standard_normal((32, 2)))
    w = lib.nn.Parameter(lib.tensor(g.standard_normal((5, 2)) * 0.1))
    b = lib.nn.Parameter(lib.zeros(2, dtype=lib.float64))
    return x, y, w, b


@pytest.mark.parametrize("make", [
    lambda o, ps: o.Adadelta(ps), lambda o, ps: o.Adadelta(ps, lr=0.5, rho=0.8, weight_decay=0.1),
    lambda o, ps: o.Adadelta(ps, maximize=True)])
def test_adadelta_matches_pytorch(make):
    seen = []
    for lib in (nt, torch):
        x, y, w, b = _fit_problem(lib)
        opt = make(lib.optim, [w, b])
        for _ in range(5):
            opt.zero_grad()
            ((x @ w + b - y) ** 2).mean().backward()
            opt.step()
        seen.append((w.detach().numpy().copy(), opt.state_dict()["state"][0]["acc_delta"].numpy()))
    np.testing.assert_allclose(seen[0][0], seen[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("kw", [{}, dict(lr=0.5, max_iter=4, history_size=3),
                                dict(max_iter=50, tolerance_change=1e-12)])
def test_lbfgs_matches_pytorch(kw):
    """time_sequence_prediction's optimizer: the same iterates, evaluations and losses."""
    seen = []
    for lib in (nt, torch):
        x, y, w, b = _fit_problem(lib)
        opt = lib.optim.LBFGS([w, b], **kw)
        losses = []

        def closure():
            opt.zero_grad()
            loss = ((x @ w + b - y) ** 2).mean() + (w ** 4).sum()
            loss.backward()
            losses.append(loss.item())
            return loss

        returned = [opt.step(closure).item() for _ in range(3)]
        seen.append((w.detach().numpy().copy(), losses, returned,
                     opt.state_dict()["state"][0]["func_evals"]))
    np.testing.assert_allclose(seen[0][0], seen[1][0], rtol=1e-8, atol=1e-10)
    assert len(seen[0][1]) == len(seen[1][1]) and seen[0][3] == seen[1][3]
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-8)
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-8)
    with pytest.raises(RuntimeError, match="closure"):
        nt.optim.LBFGS([nt.nn.Parameter(nt.ones(1))]).step(None)


def test_default_device_accelerator_and_range_indexing():
    assert nt.get_default_device() == nt.device("cpu")
    nt.set_default_device("cpu")
    try:
        assert nt.zeros(2).device == nt.device("cpu") and nt.randn(2).device.type == "cpu"
    finally:
        nt.set_default_device(None)
    assert nt.accelerator.is_available() == torch.accelerator.is_available() == \
        nt.cuda.is_available()
    if not nt.cuda.is_available():
        assert nt.accelerator.current_accelerator() is None
        assert nt.accelerator.device_count() == 0
    a = np.arange(12.0).reshape(3, 4)
    for key in [(range(3), [0, 1, 2]), range(1, 3), (slice(None), range(0, 4, 2))]:
        np.testing.assert_array_equal(nt.tensor(a)[key].numpy(), torch.tensor(a)[key].numpy())
    with pytest.raises(IndexError, match="out of bounds"):
        nt.tensor(a)[range(5)]
    nt.nn.LSTM(2, 3).flatten_parameters()  # word_language_model calls it after loading
