"""Convolution and pooling: values and gradients against PyTorch and central differences,
over strides, paddings, dilations, groups, odd sizes and ceil_mode."""

import itertools
import re

import numpy as np
import pytest
from conftest import assert_same

import numtorch as nt
import numtorch.nn.functional as F
from numtorch.autograd import gradcheck

RNG = np.random.default_rng(11)

CONV_CASES = [dict(stride=s, padding=p, dilation=d, groups=g)
              for s, p, d, g in itertools.product((1, 2), (0, 1, (2, 1)), (1, 2), (1, 2))]


@pytest.fixture(params=["direct", "im2col"])
def conv_path(request, monkeypatch):
    """Runs a test with stride-1 convs on each CPU path (strided ones always take im2col);
    without it the shapes decide, and small test shapes mostly take im2col."""
    from numtorch.backend import conv as C
    monkeypatch.setattr(C, "_direct_pays", lambda *a: request.param == "direct")
    return request.param


@pytest.mark.parametrize("kw", CONV_CASES, ids=str)
def test_conv2d_vs_torch(torch, kw, conv_path):
    x = RNG.standard_normal((2, 4, 9, 7))
    w = RNG.standard_normal((6, 4 // kw["groups"], 3, 2))
    b = RNG.standard_normal(6)

    def run(m):
        xi, wi, bi = (m.tensor(a, requires_grad=True) for a in (x, w, b))
        out = m.nn.functional.conv2d(xi, wi, bi, **kw)
        (out * out).sum().backward()
        return out.detach(), xi.grad, wi.grad, bi.grad
    for a, b_ in zip(run(nt), run(torch)):
        assert_same(a, b_, rtol=1e-9, atol=1e-9)


def test_conv_gradcheck_and_same_padding(torch):
    x = nt.tensor(RNG.standard_normal((1, 2, 5, 4)), requires_grad=True)
    w = nt.tensor(RNG.standard_normal((3, 2, 2, 3)), requires_grad=True)
    b = nt.tensor(RNG.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride=(2, 1), padding=1), (x, w, b))
    for ksize in (3, 4):
        wi = RNG.standard_normal((2, 2, ksize, ksize))
        ours = F.conv2d(x.detach(), nt.tensor(wi), padding="same")
        ref = torch.nn.functional.conv2d(torch.tensor(x.detach().numpy()), torch.tensor(wi),
                                         padding="same")
        assert_same(ours, ref, rtol=1e-9, atol=1e-9)
    x1 = RNG.standard_normal((2, 3, 11))
    w1 = RNG.standard_normal((4, 3, 3))
    assert_same(F.conv1d(nt.tensor(x1), nt.tensor(w1), stride=2, padding=1),
                torch.nn.functional.conv1d(torch.tensor(x1), torch.tensor(w1), stride=2,
                                           padding=1), rtol=1e-9, atol=1e-9)


POOL_CASES = [dict(kernel_size=k, stride=s, padding=p, ceil_mode=c)
              for k, s, p, c in itertools.product((2, 3, (3, 2)), (None, 2, 1), (0, 1),
                                                  (False, True))]


@pytest.mark.parametrize("kw", POOL_CASES, ids=str)
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pooling_vs_torch(torch, name, kw):
    x = RNG.standard_normal((2, 3, 7, 9))

    def run(m):
        xi = m.tensor(x, requires_grad=True)
        out = getattr(m.nn.functional, name)(xi, **kw)
        (out * out).sum().backward()
        return out.detach(), xi.grad
    for a, b in zip(run(nt), run(torch)):
        assert_same(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("size", [(1, 1), (3, 4), (5, 2), (None, 3)], ids=str)
def test_adaptive_avg_pool_vs_torch(torch, size):
    x = RNG.standard_normal((2, 3, 7, 9))

    def run(m):
        xi = m.tensor(x, requires_grad=True)
        out = m.nn.functional.adaptive_avg_pool2d(xi, size)
        (out * out).sum().backward()
        return out.detach(), xi.grad
    for a, b in zip(run(nt), run(torch)):
        assert_same(a, b, rtol=1e-9, atol=1e-12)


def test_pool_gradcheck_and_names(torch):
    x = nt.tensor(RNG.standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert gradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1, count_include_pad=False), (x,))
    assert gradcheck(lambda t: F.max_pool2d(t, 2, 1), (x,))
    assert type(F.max_pool2d(x, 2).grad_fn).__name__ == "MaxPool2DWithIndicesBackward0"
    assert type(F.avg_pool2d(x, 2).grad_fn).__name__ == "AvgPool2DBackward0"
    w = nt.randn(3, 2, 3, 3).double().requires_grad_()
    assert type(F.conv2d(x, w).grad_fn).__name__ == "ConvolutionBackward0"
    x1 = RNG.standard_normal((2, 3, 10))
    assert_same(F.max_pool1d(nt.tensor(x1), 3, 2), torch.nn.functional.max_pool1d(
        torch.tensor(x1), 3, 2))
    assert_same(F.avg_pool1d(nt.tensor(x1), 2), torch.nn.functional.avg_pool1d(
        torch.tensor(x1), 2))


def test_conv_errors():
    conv = nt.nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[4, 3, 3, 3\], "
                                           r"expected input\[1, 2, 8, 8\] to have 3 channels, "
                                           r"but got 2 channels instead"):
        conv(nt.randn(1, 2, 8, 8))
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 2\)"
                                           r". Kernel size: \(3 x 3\). Kernel size can't be "
                                           r"greater than actual input size"):
        conv(nt.randn(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\)"):
        conv(nt.randn(3, 8))
    assert conv(nt.randn(3, 8, 8)).shape == (4, 6, 6)


@pytest.mark.parametrize("bias_shape,bias_dtype", [((5,), "float32"), ((4,), "float32"),
                                                   ((4,), "float64"), ((4, 1), "float32")])
def test_conv_bias_errors_match_torch(torch, bias_shape, bias_dtype):
    def run(m):
        x, w = m.ones(1, 2, 5, 5), m.ones(4, 2, 3, 3)
        return m.nn.functional.conv2d(x, w, m.zeros(bias_shape, dtype=getattr(m, bias_dtype)))
    try:
        run(torch)
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match=re.escape(str(e))):
            run(nt)
        return
    assert tuple(run(nt).shape) == (1, 4, 3, 3)


def test_conv_scratch_buffers_are_not_reused_while_a_graph_holds_them(conv_path):
    """The im2col matrix or padded input a graph saved goes back to the workspace pool only
    when the graph is freed: a retained graph's second backward, after other convolutions of
    the same shape ran, gives the same gradients."""
    conv = nt.nn.Conv2d(3, 4, 3, padding=1)
    x = nt.tensor(RNG.standard_normal((2, 3, 7, 7)).astype(np.float32), requires_grad=True)
    out = conv(x)
    out.sum().backward(retain_graph=True)
    first = conv.weight.grad.clone(), x.grad.clone()
    for _ in range(3):  # same shapes: these would take a wrongly released buffer
        other = conv(nt.tensor(RNG.standard_normal((2, 3, 7, 7)).astype(np.float32)))
        other.sum().backward()
        del other
    conv.weight.grad, x.grad = None, None
    out.sum().backward()
    assert_same(conv.weight.grad, first[0], rtol=0, atol=0)
    assert_same(x.grad, first[1], rtol=0, atol=0)


@pytest.mark.parametrize("stride,padding,dilation", [(1, 1, 1), (1, 0, 2), (2, 1, 1)])
def test_conv_input_gradient_in_chunks_and_padded_rows(torch, monkeypatch, stride, padding,
                                                       dilation):
    """The input gradient is computed a few samples at a time (here one: a ragged last chunk
    is no different), and GEMM buffers whose rows would be a multiple of 4 KiB get padded rows
    (4 x 16 x 16 float32 outputs): neither may change a value."""
    from numtorch.backend import conv as C
    monkeypatch.setattr(C, "_CHUNK_BYTES", 1)
    x = RNG.standard_normal((4, 3, 16, 16)).astype(np.float32)
    w = RNG.standard_normal((5, 3, 3, 3)).astype(np.float32)
    b = RNG.standard_normal(5).astype(np.float32)

    def run(m):
        xi, wi, bi = (m.tensor(a, requires_grad=True) for a in (x, w, b))
        out = m.nn.functional.conv2d(xi, wi, bi, stride, padding, dilation)
        (out * out).sum().backward()
        return out.detach(), xi.grad, wi.grad, bi.grad
    for a, b_ in zip(run(nt), run(torch)):
        assert_same(a, b_, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("c,o,groups,k,padding,dilation", [
    (1, 6, 1, (5, 5), 0, 1),       # 25 taps: passes of nine, nine, three, three and one
    (2, 4, 1, (1, 5), (0, 2), 1),  # 10 taps: nine and one
    (3, 5, 1, (3, 3), 1, 1),       # 5 channels: blocks of 4 and 1 (the last one repeated)
    (4, 7, 1, (2, 3), (1, 2), 2),  # 24 taps, asymmetric padding, dilation
    (6, 6, 3, (3, 1), (1, 0), 1),  # groups of 2 -> 2 channels: 6 taps and half-empty blocks
    (4, 4, 4, (3, 3), 1, 1),       # depthwise
    (2, 8, 1, (4, 4), 3, 1),       # padding the whole reach: the gradient gets no padding
], ids=str)
def test_direct_conv_kernels_vs_torch(torch, c, o, groups, k, padding, dilation):
    """The direct kernels in float32 on the block and tap remainders, groups and paddings, on
    planes big enough to take them without forcing; x need not require grad."""
    from numtorch.backend import conv as C
    x = RNG.standard_normal((3, c, 18, 20)).astype(np.float32)
    w = RNG.standard_normal((o, c // groups) + k).astype(np.float32)
    b = RNG.standard_normal(o).astype(np.float32)
    oh = 18 + 2 * _pair(padding)[0] - _pair(dilation)[0] * (k[0] - 1)
    ow = 20 + 2 * _pair(padding)[1] - _pair(dilation)[1] * (k[1] - 1)
    assert C._direct((o, c // groups) + k, (1, 1), _pair(padding), _pair(dilation), groups,
                     oh, ow)
    for x_grad in (True, False):
        def run(m):
            xi = m.tensor(x, requires_grad=x_grad)
            wi, bi = (m.tensor(a, requires_grad=True) for a in (w, b))
            out = m.nn.functional.conv2d(xi, wi, bi, 1, padding, dilation, groups)
            (out * out).sum().backward()
            return out.detach(), xi.grad, wi.grad, bi.grad
        for a, b_ in zip(run(nt), run(torch)):
            if b_ is None:
                assert a is None
            else:
                assert_same(a, b_, rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize("padding,dilation,groups", [(0, 1, 1), (2, 2, 1), ("same", 1, 2)],
                         ids=str)
def test_conv1d_stride_1_vs_torch(torch, conv_path, padding, dilation, groups):
    """conv1d is conv2d over one-row planes: on the direct path a plane is a single row."""
    x = RNG.standard_normal((3, 4, 23))
    w = RNG.standard_normal((5 * groups, 4 // groups, 3))
    b = RNG.standard_normal(5 * groups)

    def run(m):
        xi, wi, bi = (m.tensor(a, requires_grad=True) for a in (x, w, b))
        out = m.nn.functional.conv1d(xi, wi, bi, 1, padding, dilation, groups)
        (out * out).sum().backward()
        return out.detach(), xi.grad, wi.grad, bi.grad
    for a, b_ in zip(run(nt), run(torch)):
        assert_same(a, b_, rtol=1e-9, atol=1e-9)


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def test_direct_conv_weight_gradient_with_inf_input(torch, conv_path):
    """The direct weight gradient runs over each plane's gap too, where an inf in the input
    would make taps whose windows never reach it NaN; those fall back to im2col's exact
    sums, so the finite entries stay finite, as PyTorch's do."""
    x = RNG.standard_normal((2, 3, 16, 16))
    x[1, 2, 5, 0] = np.inf
    w = RNG.standard_normal((4, 3, 3, 3))

    def run(m):
        wi = m.tensor(w, requires_grad=True)
        m.nn.functional.conv2d(m.tensor(x), wi).sum().backward()
        return wi.grad
    ours, ref = run(nt).numpy(), run(torch).numpy()
    assert np.isfinite(ref).sum() == w.size - 4 * 3  # only channel 2's column-0 taps reach it
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)


def test_conv_input_modified_in_place_before_backward_raises(conv_path):
    """conv saves its input, as PyTorch does, so an in-place write to it between forward and
    backward raises, as in PyTorch."""
    conv = nt.nn.Conv2d(2, 3, 3)
    x = nt.randn(1, 2, 6, 6)
    out = conv(x)
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_lenet_training_reduces_loss():
    nt.manual_seed(0)
    net = nt.nn.Sequential(nt.nn.Conv2d(1, 4, 5), nt.nn.ReLU(), nt.nn.MaxPool2d(2),
                           nt.nn.Flatten(), nt.nn.Linear(4 * 6 * 6, 3))
    x = nt.randn(24, 1, 16, 16)
    y = nt.randint(0, 3, (24,))
    x = x + y.view(-1, 1, 1, 1).float()  # make the classes separable
    opt = nt.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(30):
        loss = nt.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.3
