"""Tensor repr in PyTorch's exact format (see shared/PYTORCH_REFERENCE.md 'Print rules').

One formatter per tensor decides the number style from the finite non-zero magnitudes of the
(summarised) values: integral floats print as `1.`, wide ranges or tiny/huge values in
scientific notation, everything else fixed with `precision` digits; all elements share a width.
"""

import math

import numpy as np

from . import _dtype as D


class _Options:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTS = _Options()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    if profile == "default":
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = 4, math.inf, 3, 80
    for name, v in (("precision", precision), ("threshold", threshold),
                    ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is not None:
            setattr(OPTS, name, v)
    OPTS.sci_mode = sci_mode


def get_printoptions():
    return {"precision": OPTS.precision, "threshold": OPTS.threshold,
            "edgeitems": OPTS.edgeitems, "linewidth": OPTS.linewidth,
            "sci_mode": OPTS.sci_mode}


class _Formatter:
    def __init__(self, values, dtype):
        self.floating = dtype.category == D.FLOAT
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            strs = [str(v) for v in values.reshape(-1).tolist()]
            self.width = max((len(s) for s in strs), default=1)
            return
        vals = values.astype(np.float64).reshape(-1)
        signed = vals[np.isfinite(vals) & (vals != 0)]
        finite = np.abs(signed)
        if finite.size:
            lo, hi = finite.min(), finite.max()
            self.int_mode = bool(np.all(finite == np.ceil(finite)))
            if self.int_mode:
                self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
            else:
                self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if OPTS.sci_mode is not None:
            self.sci_mode = OPTS.sci_mode
        # like PyTorch, only non-zero finite values set the column width
        self.width = max((len(self._fmt(v)) for v in signed.tolist()), default=1)

    def _fmt(self, v):
        if not self.floating:
            return str(v)
        if self.sci_mode:
            return f"{v:.{OPTS.precision}e}"
        if self.int_mode:
            s = f"{v:.0f}"
            return s if (math.isinf(v) or math.isnan(v)) else s + "."
        return f"{v:.{OPTS.precision}f}"

    def format(self, v):
        s = self._fmt(v)
        return " " * (self.width - len(s)) + s


def _summarized(arr):
    """The edge rows/cols PyTorch shows when a tensor is summarised (for the formatter)."""
    e = OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.shape[0] > 2 * e:
        parts = [arr[:e], arr[-e:]]
    else:
        parts = [arr]
    if arr.ndim == 1:
        return np.concatenate(parts)
    return np.concatenate([np.stack([_summarized(r) for r in p]) if len(p) else p
                           for p in parts])


def _body(arr, indent, summarize, fmt):
    if arr.ndim == 0:
        return fmt.format(arr.item())
    e = OPTS.edgeitems
    if arr.ndim == 1:
        width = fmt.width + 2
        per_line = max(1, int(math.floor((OPTS.linewidth - indent) / width)))
        vals = arr.tolist()
        if summarize and len(vals) > 2 * e:
            data = [fmt.format(v) for v in vals[:e]] + [" ..."] + \
                   [fmt.format(v) for v in vals[-e:]]
        else:
            data = [fmt.format(v) for v in vals]
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    n = arr.shape[0]
    if summarize and n > 2 * e:
        slices = [_body(arr[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] + \
                 [_body(arr[i], indent + 1, summarize, fmt) for i in range(n - e, n)]
    else:
        slices = [_body(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(slices) + "]"


def _add_suffixes(text, suffixes, indent):
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def array_str(arr, dtype, indent):
    """The bracketed body of a tensor's repr (no prefix or suffixes)."""
    summarize = arr.size > OPTS.threshold
    fmt = _Formatter(_summarized(arr) if summarize else arr, dtype)
    return _body(arr, indent, summarize, fmt)


def tensor_repr(t, prefix="tensor(", indent=None):
    arr = t._data
    if not isinstance(arr, np.ndarray):  # a CUDA tensor prints from a host copy
        arr = arr.get()
    dt = t.dtype
    indent = len(prefix) if indent is None else indent
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt is not D.get_default_dtype():
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if dt not in (D.get_default_dtype(), D.int64, D.bool_):
            suffixes.append(f"dtype={dt!r}")
        body = array_str(arr, dt, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
