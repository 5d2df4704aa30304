"""Plot helpers for the demos: regression fits, ring classification, decision boundaries,
training curves, image grids and the autograd graph behind a tensor.

Every function builds a `matplotlib.figure.Figure` directly (not through pyplot), so nothing
needs a display -- figures render with Agg -- and nothing piles up in pyplot's global figure
list across a long run.  Each returns its Figure (Jupyter shows it) and, given `path=`, saves
it there as well, creating the folder.  Inputs may be numtorch tensors, torch tensors or arrays.
"""

import os

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import from_numpy, no_grad

__all__ = ["regression_fit", "ring_classification", "decision_boundary", "curves",
           "image_grid", "autograd_graph", "to_numpy"]

_POS, _NEG = "#d62728", "#2ca02c"  # the seed's red positives and green negatives


def to_numpy(x):
    """A float/int NumPy array from a tensor (any device, with or without grad) or array."""
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "cpu"):
        x = x.cpu()
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x)


def _finish(fig, path):
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        fig.savefig(path, dpi=fig.dpi, bbox_inches="tight")
    return fig


def regression_fit(X, Y, w, b, true_w=None, true_b=None, path=None):
    """The seed's side-by-side panels: y against each feature x_k with the fitted line
    w_k * x_k + b (and the true line, dashed, when given)."""
    x, y = to_numpy(X), to_numpy(Y).reshape(-1)
    w, b = to_numpy(w).reshape(-1), float(to_numpy(b).reshape(-1)[0])
    d = x.shape[1]
    fig = Figure(figsize=(6 * d, 5), dpi=100)
    colours = ["b", "g", "m", "c"]
    for k in range(d):
        ax = fig.add_subplot(1, d, k + 1)
        ax.scatter(x[:, k], y, c=colours[k % 4], s=10, alpha=0.6, label="samples")
        grid = np.linspace(x[:, k].min(), x[:, k].max(), 2)
        ax.plot(grid, w[k] * grid + b, "-r", linewidth=4.0,
                label=f"model: {w[k]:.3f}·x{k + 1} + {b:.3f}")
        if true_w is not None:
            tw = to_numpy(true_w).reshape(-1)[k]
            tb = float(to_numpy(true_b).reshape(-1)[0]) if true_b is not None else 0.0
            ax.plot(grid, tw * grid + tb, "--k", linewidth=1.5,
                    label=f"truth: {tw:.3f}·x{k + 1} + {tb:.3f}")
        ax.set_xlabel(f"x{k + 1}")
        ax.set_ylabel("y", rotation=0)
        ax.legend(loc="best")
    fig.suptitle("Linear regression: samples and fitted lines (other features held at 0)")
    return _finish(fig, path)


def _class_scatter(ax, x, labels, title, size=6, alpha=1.0):
    pos = labels > 0.5
    ax.scatter(x[pos, 0], x[pos, 1], c=_POS, s=size, alpha=alpha, label="positive")
    ax.scatter(x[~pos, 0], x[~pos, 1], c=_NEG, s=size, alpha=alpha, label="negative")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.legend(loc="upper right")


def ring_classification(X, y_true, y_pred, path=None):
    """Ground truth beside the model's predictions (y_pred: probabilities or 0/1 labels)."""
    x = to_numpy(X)
    truth, pred = to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1)
    acc = float(np.mean((pred >= 0.5) == (truth >= 0.5)))
    fig = Figure(figsize=(12, 5.5), dpi=100)
    _class_scatter(fig.add_subplot(1, 2, 1), x, truth, "y_true")
    _class_scatter(fig.add_subplot(1, 2, 2), x, (pred >= 0.5).astype(float),
                   f"y_pred (accuracy {acc:.3f})")
    return _finish(fig, path)


def decision_boundary(model, X, y, path=None, resolution=200, margin=0.5, title=None):
    """Colour the plane by `model`'s output over a grid around X, with the samples on top.

    `model` maps an (m, 2) float32 tensor to P(class 1) as (m,) or (m, 1) -- drawn as a
    probability map with the 0.5 contour -- or to (m, k) scores, drawn as argmax regions."""

    x, labels = to_numpy(X), to_numpy(y).reshape(-1)
    lo, hi = x.min(0) - margin, x.max(0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    with no_grad():
        out = to_numpy(model(from_numpy(grid)))
    fig = Figure(figsize=(6.5, 5.5), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    if out.ndim == 1 or out.shape[1] == 1:
        prob = out.reshape(gx.shape)
        cs = ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="RdYlGn_r", alpha=0.7)
        ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.5)
        fig.colorbar(cs, ax=ax, label="P(positive)")
        _class_scatter(ax, x, labels, title or "decision boundary (P = 0.5 in black)",
                       size=3, alpha=0.5)
    else:
        regions = out.argmax(1).reshape(gx.shape)
        k = out.shape[1]
        ax.contourf(gx, gy, regions, levels=np.arange(k + 1) - 0.5, cmap="tab10", alpha=0.35,
                    vmin=0, vmax=9)
        ax.scatter(x[:, 0], x[:, 1], c=labels, cmap="tab10", vmin=0, vmax=9, s=8,
                   edgecolors="k", linewidths=0.2)
        ax.set_title(title or "decision regions")
        ax.set_aspect("equal")
    return _finish(fig, path)


def curves(history, path=None, title=None, xlabel="epoch", log=()):
    """One panel per metric.  `history` maps a metric's name to its per-epoch values, or to a
    dict of named series drawn together: {"loss": {"train": [...], "test": [...]}}.  Metrics
    named in `log` get a logarithmic y axis."""
    fig = Figure(figsize=(5.5 * len(history), 4.2), dpi=100)
    for k, (name, series) in enumerate(history.items()):
        ax = fig.add_subplot(1, len(history), k + 1)
        items = series.items() if isinstance(series, dict) else [(name, series)]
        for label, values in items:
            values = np.asarray([float(v) for v in values])
            ax.plot(np.arange(1, len(values) + 1), values, marker="o" if len(values) < 30
                    else None, markersize=3, label=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(name)
        if name in log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3, which="both")
        if isinstance(series, dict):
            ax.legend()
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def image_grid(images, titles=None, ncols=8, path=None, cmap="gray"):
    """Images (N, H, W), (N, 1, H, W) or (N, 3, H, W) in a grid, each with its title."""
    imgs = to_numpy(images)
    if imgs.ndim == 4:
        imgs = imgs[:, 0] if imgs.shape[1] == 1 else imgs.transpose(0, 2, 3, 1)
    n = imgs.shape[0]
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(1.6 * ncols, 1.8 * nrows), dpi=100)
    for k in range(n):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        img = imgs[k]
        if img.ndim == 3:  # colour: show in [0, 1] whatever the normalisation
            img = (img - img.min()) / max(float(img.max() - img.min()), 1e-12)
        ax.imshow(img, cmap=None if img.ndim == 3 else cmap, aspect="equal")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=9)
    return _finish(fig, path)


def _graph_layers(root):
    """Nodes of the backward graph by depth from `root` (longest path, so each node sits
    left of everything it feeds) and the edges between them."""
    depth, edges, order = {root: 0}, [], [root]
    k = 0
    while k < len(order):
        node = order[k]
        k += 1
        for nxt, _ in getattr(node, "next_functions", ()):
            if nxt is None:
                continue
            edges.append((node, nxt))
            if nxt not in depth:
                order.append(nxt)
            depth[nxt] = max(depth.get(nxt, 0), depth[node] + 1)
    # a second relaxation pass settles depths raised after their children were seen
    for _ in range(len(order)):
        changed = False
        for a, b in edges:
            if depth[b] < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    return depth, edges


def _node_label(node, names):
    name = type(node).__name__
    var = getattr(node, "variable", None)
    if var is not None:  # AccumulateGrad: show the leaf it feeds
        leaf = names.get(id(var), "leaf")
        return f"{leaf}\n{tuple(var.shape)}"
    return name


def autograd_graph(tensor, path=None, names=None, title=None):
    """Draw the backward graph behind `tensor`: one box per node, named like its `grad_fn`
    (`MulBackward0`, ...), leaves (AccumulateGrad) as the parameters with their shapes, edges
    pointing the way gradients flow.  `names` maps leaf tensors to labels, e.g.
    `dict(model.named_parameters())` inverted, or {"w": w} -- either way works."""
    from matplotlib.patches import FancyBboxPatch

    root = tensor.grad_fn
    if root is None:
        raise ValueError("autograd_graph: the tensor has no grad_fn (it is a leaf or was made "
                         "without grad); nothing to draw")
    labels = {}
    for k, v in (names or {}).items():
        if hasattr(k, "shape"):
            labels[id(k)] = str(v)
        else:
            labels[id(v)] = str(k)
    depth, edges = _graph_layers(root)
    by_depth = {}
    for node, d in depth.items():
        by_depth.setdefault(d, []).append(node)
    n_layers = max(by_depth) + 1
    widest = max(len(v) for v in by_depth.values())
    fig = Figure(figsize=(max(6.0, 2.4 * n_layers), max(3.0, 1.1 * widest + 1)), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    pos = {}
    for d, nodes in by_depth.items():
        for i, node in enumerate(nodes):
            pos[node] = (n_layers - 1 - d, (len(nodes) - 1) / 2 - i)
    for a, b in edges:  # gradient flows from the root (a) to its inputs (b)
        (ax_, ay_), (bx_, by_) = pos[a], pos[b]
        ax.annotate("", xy=(bx_ + 0.44, by_), xytext=(ax_ - 0.44, ay_),
                    arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=0, shrinkB=0))
    for node, (px, py) in pos.items():
        leaf = getattr(node, "variable", None) is not None
        ax.add_patch(FancyBboxPatch((px - 0.42, py - 0.22), 0.84, 0.44,
                                    boxstyle="round,pad=0.02",
                                    fc="#cfe8ff" if leaf else "#ffe9b3",
                                    ec="#1f77b4" if leaf else "#b8860b"))
        ax.text(px, py, _node_label(node, labels), ha="center", va="center", fontsize=8)
    ax.set_xlim(-0.7, n_layers - 0.3)
    ax.set_ylim(-widest / 2 - 0.2, widest / 2 + 0.2)
    ax.axis("off")
    ax.set_title(title or f"autograd graph of a {tuple(tensor.shape)} tensor "
                 f"(grad_fn={type(root).__name__}); leaves in blue")
    return _finish(fig, path)
