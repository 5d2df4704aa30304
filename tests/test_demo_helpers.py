"""numtorch.datasets, numtorch.plot and the progress bar."""

import io

import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.figure import Figure

import numtorch as nt
from numtorch import datasets
from numtorch.utils import progress


def test_linear_regression_data_follows_its_formula():
    X, Y, w, b = datasets.linear_regression(5000, w=(1.5, -2.0, 0.5), b=3.0, noise=0.5,
                                            seed=1)
    assert X.shape == (5000, 3) and Y.shape == (5000, 1) and w.shape == (3, 1)
    x = X.numpy().astype(np.float64)
    assert x.min() >= -5 and x.max() < 5 and abs(x.mean()) < 0.1
    # least squares on the data recovers the true parameters; residuals have the noise's sd
    design = np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(design, Y.numpy().astype(np.float64), rcond=None)
    np.testing.assert_allclose(coef[:3, 0], [1.5, -2.0, 0.5], atol=0.02)
    assert abs(coef[3, 0] - 3.0) < 0.05
    resid = Y.numpy()[:, 0] - design @ coef[:, 0]
    assert abs(resid.std() - 0.5) < 0.03


def test_rings_radii_labels_and_seeding():
    X, Y = datasets.rings(3000, 1000, seed=3)
    r = np.hypot(X.numpy()[:, 0], X.numpy()[:, 1])
    y = Y.numpy()[:, 0]
    assert Y.shape == (4000, 1) and y[:3000].min() == 1 and y[3000:].max() == 0
    assert abs(r[:3000].mean() - 5) < 0.1 and abs(r[3000:].mean() - 8) < 0.15
    assert abs(r[:3000].std() - 1) < 0.1
    X2, _ = datasets.rings(3000, 1000, seed=3)
    X3, _ = datasets.rings(3000, 1000, seed=4)
    assert nt.equal(X, X2) and not nt.equal(X, X3)


@pytest.mark.parametrize("make,classes", [(datasets.two_moons, 2), (datasets.xor, 2),
                                          (lambda **k: datasets.spirals(classes=3, **k), 3),
                                          (lambda **k: datasets.blobs(centers=4, **k), 4)])
def test_toy_classification_sets(make, classes):
    X, y = make(n=600, seed=0)
    assert X.shape == (600, 2) and X.dtype == nt.float32 and y.dtype == nt.int64
    counts = np.bincount(y.numpy(), minlength=classes)
    assert len(counts) == classes and counts.min() >= 600 // classes - 60
    # each class has its own region: class means are not all the same point
    means = np.array([X.numpy()[y.numpy() == c].mean(0) for c in range(classes)])
    assert np.ptp(means, axis=0).max() > 0.1 or classes == 2


def test_xor_labels_match_quadrants_before_noise():
    X, y = datasets.xor(n=2000, noise=0.0, seed=0)
    x = X.numpy()
    np.testing.assert_array_equal(y.numpy(), (x[:, 0] * x[:, 1] < 0).astype(np.int64))


def test_digits_look_like_mnist_data():
    images, labels = datasets.digits(50, size=32, seed=0)
    assert images.shape == (50, 32, 32) and images.dtype == nt.uint8
    assert np.bincount(labels.numpy()).tolist() == [5] * 10
    ink = images.numpy().astype(np.float64) / 255
    assert 0.05 < ink.mean() < 0.5 and ink.max() == 1.0
    # an 8 lights every segment a 1 uses and more
    eights = ink[labels.numpy() == 8].mean()
    ones = ink[labels.numpy() == 1].mean()
    assert eights > 1.5 * ones
    ds = nt.vision.datasets.SyntheticDigits(n=20, transform=nt.vision.transforms.ToTensor())
    img, target = ds[3]
    assert img.shape == (1, 28, 28) and img.dtype == nt.float32 and 0 <= target < 10


def _decodes_and_not_blank(path):
    img = mpimg.imread(path)
    assert img.ndim == 3 and img[..., :3].std() > 0.02


def test_plot_helpers_return_figures_and_save(tmp_path):
    X, Y, w, b = datasets.linear_regression(50, seed=0)
    figs = {
        "fit.png": nt.plot.regression_fit(X, Y, w, b, w, b, path=tmp_path / "fit.png"),
        "rings.png": nt.plot.ring_classification(*datasets.rings(100, 100), nt.rand(200, 1),
                                                 path=tmp_path / "rings.png"),
        "curves.png": nt.plot.curves({"loss": [3, 2, 1], "acc": {"train": [.1, .5],
                                                                 "test": [.2, .4]}},
                                     log=("loss",), path=tmp_path / "curves.png"),
        "grid.png": nt.plot.image_grid(datasets.digits(10)[0], titles=list(range(10)),
                                       path=tmp_path / "sub" / "grid.png"),
    }
    for name, fig in figs.items():
        assert isinstance(fig, Figure)
        _decodes_and_not_blank(tmp_path / ("sub/" + name if name == "grid.png" else name))


def test_decision_boundary_binary_and_multiclass(tmp_path):
    X, y = datasets.blobs(n=90, centers=3, seed=0)
    lin = nt.nn.Linear(2, 3)
    nt.plot.decision_boundary(lin, X, y, path=tmp_path / "multi.png", resolution=40)
    Xr, Yr = datasets.rings(50, 50)
    prob = nt.plot.decision_boundary(lambda g: (g.pow(2).sum(1) < 42).float(), Xr, Yr,
                                     path=tmp_path / "bin.png", resolution=40)
    assert isinstance(prob, Figure)
    _decodes_and_not_blank(tmp_path / "multi.png")
    _decodes_and_not_blank(tmp_path / "bin.png")


def test_autograd_graph_names_nodes_like_grad_fns(tmp_path):
    w = nt.randn(2, 3, requires_grad=True)
    b = nt.zeros(3, requires_grad=True)
    y = ((nt.ones(4, 2) @ w + b).relu() * w.sum()).sum()
    fig = nt.plot.autograd_graph(y, names={"w": w, "b": b}, path=tmp_path / "g.png")
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"SumBackward0", "MulBackward0", "ReluBackward0", "AddBackward0",
            "MmBackward0", "w\n(2, 3)", "b\n(3,)"} <= texts
    _decodes_and_not_blank(tmp_path / "g.png")
    with pytest.raises(ValueError, match="no grad_fn"):
        nt.plot.autograd_graph(w)


def test_progress_bar_reports_counts_rate_and_postfix():
    out = io.StringIO()  # not a terminal: a line at each quarter
    bar = progress(range(8), desc="train", unit="step", file=out)
    for i in bar:
        bar.set_postfix(loss=1.0 / (i + 1))
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("train: 100%|") and "8/8" in lines[-1]
    assert "step/s" in lines[-1] and "loss=0.125" in lines[-1]
    assert list(progress(iter([1, 2, 3]), file=io.StringIO())) == [1, 2, 3]
