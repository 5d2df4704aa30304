"""The backward engine: an iterative topological walk (no recursion, so a chain of 100,000 ops
is fine), gradient accumulation per node, tensor hooks, retain_grad, and graph freeing."""


import math
import sys

import numpy as np

from .. import opcodes
from .._ops.creation import zeros
from ..backend import reduction as backend
from ..tensor import wrap
from . import grad_mode
from .graph import AccumulateGrad, edge


def sum_to(g, shape):
    """Reduce a broadcast gradient back to `shape` (tensor ops, so it differentiates too)."""
    gs = g._data.shape
    if gs == tuple(shape):
        return g
    lead = len(gs) - len(shape)
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape)
                                if s == 1 and gs[lead + i] != 1]
    arr = g._data
    if not grad_mode._state.enabled and type(arr) is np.ndarray and arr.dtype.kind == "f":
        return wrap(_summed_to(arr, shape, dims, lead).reshape(shape), g._dtype)
    if dims:
        g = g.sum(dims, keepdim=True)
    return g.reshape(shape) if g._data.shape != tuple(shape) else g


def _summed_to(arr, shape, dims, lead):
    """sum_to's sum of a float host array when no graph is wanted (a bias gradient, every
    step), in arr's dtype, accumulated in float64 as sum() does: one kernel call where one fits
    -- through sum() and reshape() a Linear's 64x512 bias gradient took 48 us, its kernel 7."""
    n = math.prod(shape)
    out = backend.small_total(arr) if n == 1 else \
        backend.column_sums(arr, n) if len(dims) == lead else None
    if out is not None:
        return out
    acc = backend.reduce(opcodes.SUM, arr, tuple(dims), np.float64)
    with np.errstate(over="ignore"):  # (past float32's range is inf, as in sum())
        return acc.astype(arr.dtype)


def _apply_tensor_hooks(t, g):
    for hook in list(t._hooks or ()):
        r = hook(g)
        if r is not None:
            g = r
    return g


def _own(g, create_graph):
    """The gradient to store in a .grad: a private copy (the same tensor may flow to several
    leaves, and users zero .grad in place) unless the graph of the gradient is wanted."""
    if create_graph:
        return g
    return wrap(g._data.copy(), g._dtype)  # copy() is C-ordered (and stays on g's device)


def _accumulate(leaf, g, create_graph):
    if leaf._grad is None:
        leaf._grad = _own(g, create_graph)
    elif create_graph or leaf._grad.grad_fn is not None:
        leaf._grad = leaf._grad + g
    else:  # in place, so the .grad tensor object a user holds keeps receiving gradients
        leaf._grad._data += g._data.astype(leaf._grad._data.dtype, copy=False)


def _zeros_for(node, i):
    """A zero gradient for output i of a multi-output node that received none."""
    t = node._out[i]()
    if t is None:
        raise RuntimeError("numtorch: an output of a multi-output op was freed before backward")
    return zeros(t.shape, dtype=t.dtype, device=t.device)


def run_backward(roots, root_grads, retain_graph, create_graph, capture=None):
    """Propagate root_grads from the root tensors through the graph.  With `capture` (a dict of
    (node, output_nr) -> None) gradients reaching those edges are stored there instead of
    accumulating into leaves' .grad (autograd.grad).

    This loop runs once per node of every backward, ~20 nodes for a small model's step, so
    the common cases are inlined: leaves, and single-output nodes without hooks."""
    start = [edge(r) for r in roots]
    # deps: every node reachable from the roots (so also the set of nodes to free), with the
    # number of its consumers yet to run
    deps = {}
    stack = []
    buffers = {}
    ready = []
    for (node, nr), g in zip(start, root_grads):
        if node is not None:
            if node not in deps:
                deps[node] = 0
                stack.append(node)
                ready.append(node)
            _add(buffers, node, nr, g)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                stack.append(nxt)
    ready = [n for n in ready if deps[n] == 0]
    prev = grad_mode._state.enabled
    grad_mode._state.enabled = bool(create_graph)
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if type(node) is AccumulateGrad:
                if grads is not None and grads[0] is not None:
                    _leaf(node, grads[0], create_graph, capture)
                continue
            result = _run_node(node, grads or [None], create_graph, capture)
            n_result = len(result)
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                gi = result[i] if i < n_result else None
                if gi is not None:
                    shape, dtype = node._input_meta[i]
                    if gi._data.shape != shape:
                        gi = sum_to(gi, shape)
                    if gi._dtype is not dtype:
                        gi = gi.to(dtype)
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt._n_out
                    buf[nr] = gi if buf[nr] is None else buf[nr] + gi
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    ready.append(nxt)
            # drop this frame's references to the gradients just routed, so that a leaf can
            # tell from refcounts alone whether it is a gradient's only holder (see _leaf)
            result = gi = buf = None
    finally:
        grad_mode._state.enabled = prev
        if not retain_graph:
            for node in deps:
                if node._saved is not None:  # free what it saved
                    node._saved = ()
                    node._freed = True


def _add(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._n_out
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _leaf(node, g, create_graph, capture):
    """A gradient reaching leaf node (an AccumulateGrad): hooks, then .grad or capture."""
    leaf = node.variable
    if leaf._hooks:
        g = _apply_tensor_hooks(leaf, g)
    if capture is not None:
        if (node, 0) in capture:
            capture[(node, 0)] = g
        return
    if leaf._grad is None and not create_graph and not leaf._hooks and _sole_holder(g):
        # nobody else can see g or its memory: it becomes .grad without a copy (as a fresh
        # tensor, so that .grad is never a view even when g was one)
        leaf._grad = wrap(g._data, g._dtype) if g._base is not None else g
    else:
        _accumulate(leaf, g, create_graph)
    if leaf._post_accumulate_hooks:
        for hook in list(leaf._post_accumulate_hooks):
            hook(leaf)


def _sole_holder(g):
    """Whether the engine's list of a node's incoming gradients is the only holder of g, and
    g the only holder of its C-contiguous host buffer -- then .grad may take g itself, as
    PyTorch's AccumulateGrad does, instead of a copy (0.2-0.3 ms of an MLP step).  Anything
    else holding them -- the same gradient routed to another input, a hook or a user keeping
    it, another view of the buffer -- adds a reference.  A g that views a whole buffer (a
    Linear weight's gradient arrives as a transpose of a transpose) qualifies when its base
    tensor and that buffer are held by nothing but g.  (CPython's counts; the test
    test_grad_takes_a_fresh_gradient... in tests/test_autograd.py fails if they shift.)"""
    arr = g._data
    # g: that list, _leaf's and this function's arguments, getrefcount's; arr: g's attribute,
    # this local and getrefcount's
    if not (sys.getrefcount(g) == 4 and type(arr) is np.ndarray and arr.flags.c_contiguous
            and sys.getrefcount(arr) == 3):
        return False
    owner, base = arr.base, g._base
    if owner is None:
        return base is None
    if type(owner) is not np.ndarray or owner.base is not None or owner.nbytes != arr.nbytes:
        return False
    if base is None:  # a NumPy view of a whole buffer: arr's base, this local, getrefcount's
        return sys.getrefcount(owner) == 3
    # base: g's attribute, this local, getrefcount's; owner: as above plus base's data
    # (NumPy points a view of a view at the buffer's owner)
    return (sys.getrefcount(base) == 3 and base._data is owner
            and sys.getrefcount(owner) == 4)


def _run_node(node, grads, create_graph, capture):
    """Apply hooks, then the node's backward; returns its gradients, one per input (None where
    there is none), or () when it received none."""
    out = node._out
    if type(out) is tuple:
        outs = [r() for r in out]
    else:
        outs = (out(),)
    for i, g in enumerate(grads):
        t = outs[i] if i < len(outs) else None
        if g is None or t is None:
            continue
        if t._hooks:
            g = grads[i] = _apply_tensor_hooks(t, g)
        if t._retains_grad:
            t._grad = _own(g, create_graph) if t._grad is None else t._grad + g
        if capture is not None and (node, i) in capture:
            capture[(node, i)] = g
    for hook in node._pre_hooks:
        r = hook(tuple(grads))
        if r is not None:
            grads = list(r)
    if len(grads) == 1:
        arg = grads[0]
        if arg is None:
            return ()
    elif all(g is None for g in grads):
        return ()
    else:
        arg = [g if g is not None else _zeros_for(node, i) for i, g in enumerate(grads)]
    saved = node._saved
    result = node._backward(arg) if saved is None else node._backward(arg, *node.saved_values())
    if not isinstance(result, (tuple, list)):
        result = (result,)
    for hook in node._post_hooks:
        hook(tuple(result), tuple(grads))
    return result
