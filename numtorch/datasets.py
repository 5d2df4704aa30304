"""Synthetic datasets for the demos and tests: the seed tutorials' linear-regression data and
rings, plus the usual 2-D classification toys and procedurally drawn digits.

Every generator takes `seed` and draws from its own NumPy generator, so the same call gives the
same tensors whatever else the program does with numtorch's global random state.  Features are
float32 tensors; labels are float32 columns for the binary (BCE-style) sets, as in the seeds,
and int64 class indices for the multi-class ones.
"""

import numpy as np

from . import _dtype as D
from .tensor import wrap

__all__ = ["linear_regression", "rings", "two_moons", "spirals", "xor", "blobs", "digits"]


def _f32(a):
    return wrap(np.ascontiguousarray(a, dtype=np.float32), D.float32)


def _i64(a):
    return wrap(np.ascontiguousarray(a, dtype=np.int64), D.int64)


def linear_regression(n=400, w=(2.0, -3.0), b=10.0, noise=2.0, seed=0):
    """`n` samples of X uniform in [-5, 5)^d and Y = X @ w + b + N(0, noise^2).

    Returns (X (n, d), Y (n, 1), w (d, 1), b (1, 1)): the data and the true parameters."""
    rng = np.random.default_rng(seed)
    w = np.asarray(w, np.float64).reshape(-1, 1)
    x = 10 * rng.random((n, w.shape[0])) - 5.0
    y = x @ w + b + rng.normal(0.0, noise, (n, 1))
    return _f32(x), _f32(y), _f32(w), _f32(np.full((1, 1), b))


def _ring(rng, n, radius, jitter):
    r = radius + rng.normal(0.0, jitter, (n, 1))
    theta = 2 * np.pi * rng.random((n, 1))
    return np.concatenate([r * np.cos(theta), r * np.sin(theta)], axis=1)


def rings(n_positive=2000, n_negative=2000, radii=(5.0, 8.0), jitter=1.0, seed=0):
    """The seeds' DNN data: positives on a ring of radius 5, negatives on one of radius 8, radii
    jittered by N(0, jitter^2), angles uniform.  Returns (X (n, 2), Y (n, 1) of 1.0/0.0),
    positives first."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([_ring(rng, n_positive, radii[0], jitter),
                        _ring(rng, n_negative, radii[1], jitter)])
    y = np.concatenate([np.ones((n_positive, 1)), np.zeros((n_negative, 1))])
    return _f32(x), _f32(y)


def two_moons(n=400, noise=0.1, seed=0):
    """Two interleaved half circles.  Returns (X (n, 2), y (n,) int64 in {0, 1})."""
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0 = np.pi * rng.random(n0)
    t1 = np.pi * rng.random(n - n0)
    upper = np.stack([np.cos(t0), np.sin(t0)], 1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)
    x = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n, 2))
    return _f32(x), _i64(np.repeat([0, 1], [n0, n - n0]))


def spirals(n=400, classes=2, turns=1.5, noise=0.2, seed=0):
    """`classes` interleaved Archimedean spiral arms.  Returns (X (n, 2), y (n,) int64)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    t = rng.random(n)
    radius = 0.5 + 4.5 * t
    angle = 2 * np.pi * (turns * t + y / classes)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    return _f32(x + rng.normal(0.0, noise, (n, 2))), _i64(y)


def xor(n=400, noise=0.1, seed=0):
    """Points in [-1, 1]^2 labelled 1 where the coordinates' signs differ (before noise)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 2))
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    return _f32(x + rng.normal(0.0, noise, (n, 2))), _i64(y)


def blobs(n=400, centers=3, std=1.0, box=(-8.0, 8.0), seed=0):
    """Isotropic Gaussian clusters; `centers` is a count (drawn uniformly in `box`) or a
    (k, 2) array.  Returns (X (n, 2), y (n,) int64 cluster indices)."""
    rng = np.random.default_rng(seed)
    if np.ndim(centers) == 0:
        centers = rng.uniform(box[0], box[1], (int(centers), 2))
    centers = np.asarray(centers, np.float64)
    y = np.arange(n) % len(centers)
    return _f32(centers[y] + rng.normal(0.0, std, (n, centers.shape[1]))), _i64(y)


# Seven-segment strokes as (x0, y0, x1, y1) in a unit box, y down; a digit is a set of them.
_SEGMENTS = {"a": (0, 0, 1, 0), "b": (1, 0, 1, .5), "c": (1, .5, 1, 1), "d": (0, 1, 1, 1),
             "e": (0, .5, 0, 1), "f": (0, 0, 0, .5), "g": (0, .5, 1, .5)}
_DIGITS = ["abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg",
           "abcdfg"]


def digits(n=1000, size=28, seed=0):
    """Procedurally drawn seven-segment digits, MNIST-like: random position, scale, slant and
    stroke width, blurred edges and background noise.  Returns (images (n, size, size) uint8,
    labels (n,) int64 balanced over 0-9) -- the format of `vision.datasets.MNIST`'s data."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    images = np.empty((n, size, size), np.uint8)
    for k, label in enumerate(labels):
        height = size * rng.uniform(0.55, 0.75)
        width = height * rng.uniform(0.4, 0.6)
        slant = rng.uniform(-0.25, 0.25)
        x0 = rng.uniform(0.1 * size, 0.9 * size - width)
        y0 = rng.uniform(0.1 * size, 0.9 * size - height)
        stroke = size * rng.uniform(0.05, 0.08)
        ink = np.zeros((size, size))
        for s in _DIGITS[label]:
            ax, ay, bx, by = _SEGMENTS[s]
            # segment end points in pixels, sheared by the slant
            p = np.array([x0 + ax * width + slant * (1 - ay) * height, y0 + ay * height])
            q = np.array([x0 + bx * width + slant * (1 - by) * height, y0 + by * height])
            d = q - p
            t = np.clip(((xx - p[0]) * d[0] + (yy - p[1]) * d[1]) / (d @ d), 0.0, 1.0)
            dist = np.hypot(xx - p[0] - t * d[0], yy - p[1] - t * d[1])
            ink = np.maximum(ink, np.clip(stroke - dist + 0.5, 0.0, 1.0))
        ink = ink + rng.uniform(0.0, 0.15, ink.shape) * (rng.random(ink.shape) < 0.1)
        images[k] = np.round(255 * np.clip(ink, 0.0, 1.0))
    return wrap(images, D.uint8), _i64(labels)
