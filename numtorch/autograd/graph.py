"""The autograd graph: nodes named as PyTorch names them, recorded by every differentiable op.

An op records its result with `attach(out, "MulBackward0", inputs, backward, saved)`.
`backward(grad, *saved)` returns one gradient per input (None where there is none) and is written
with tensor ops, so the same code builds a graph of the gradient when `create_graph=True`.
Tensors a backward needs go in `saved`, never in the closure: saved tensors are version-checked
and freed after backward, while ops that save nothing (add, sum, view, ...) can be
back-propagated through again, exactly as in PyTorch.
"""

import re
import weakref

from .._dtype import check_cast, type_name
from ..tensor import _Handle, check_overlap, wrap
from .grad_mode import _state as _grad

_NODE_TYPES = {}


class Node:
    """A grad_fn.  `next_functions` has one (node or None, output_nr) per forward input."""

    __slots__ = ("next_functions", "_backward", "_saved", "_versions", "_freed", "_out",
                 "_input_meta", "__weakref__", "__dict__")
    # rarely set, so class-level defaults keep them out of every node's dict
    _pre_hooks = ()
    _post_hooks = ()
    _n_out = 1

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def register_hook(self, fn):
        if not self._post_hooks:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _Handle(self._post_hooks, fn)

    def register_prehook(self, fn):
        if not self._pre_hooks:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return _Handle(self._pre_hooks, fn)

    @property
    def metadata(self):
        return self.__dict__.setdefault("_metadata", {})

    def saved_values(self):
        """The saved tensors, after checking they were neither freed nor modified in place."""
        if self._saved is None:
            return ()
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward.")
        for t, (v, is_output) in zip(self._saved, self._versions):
            if hasattr(t, "_version") and t._version[0] != v:
                # PyTorch names this node for its own saved output, else t's current creator
                creator = self if is_output else t.grad_fn
                raise RuntimeError(_modified_message(t, v, creator))
        return self._saved

    # (the engine frees saved tensors after backward: _saved becomes (), _freed True)


def _modified_message(t, expected, creator):
    what = f"[torch.{type_name(t.dtype)}Tensor {list(t.shape)}]"
    if creator is not None:
        op = re.sub(r"Backward\d*$", "", type(creator).__name__)
        what += f", which is output 0 of {op},"
    return (f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {what} is at version {t._version[0]}; expected version "
            f"{expected} instead. Hint: enable anomaly detection to find the operation that "
            f"failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
            f"check_nan=False).")


class AccumulateGrad(Node):
    """The node at a leaf: adds the incoming gradient into `variable.grad`."""

    __slots__ = ("variable",)


def node_type(name):
    cls = _NODE_TYPES.get(name)
    if cls is None:
        cls = type(name, (Node,), {"__slots__": ()})
        _NODE_TYPES[name] = cls
    return cls


def grad_accumulator(t):
    """The (unique, while alive) AccumulateGrad node of leaf tensor t."""
    acc = t.__dict__.get("_accumulator")
    node = acc() if acc is not None else None
    if node is None:
        node = AccumulateGrad()
        node.variable = t
        node.next_functions = ()
        node._saved = None
        node._freed = False
        node._out = None
        node._input_meta = ()
        t.__dict__["_accumulator"] = weakref.ref(node)
    return node


def edge(x):
    """The (node, output_nr) a gradient for input x flows along, or (None, 0)."""
    if x is None or not getattr(x, "_requires_grad", False):
        return (None, 0)
    if x.grad_fn is not None:
        return (x.grad_fn, x.__dict__.get("_output_nr", 0))
    return (grad_accumulator(x), 0)


def requires_grad(*xs):
    """Whether an op over xs must be recorded (grad mode on and some input requires grad)."""
    if not _grad.enabled:
        return False
    for x in xs:
        if getattr(x, "_requires_grad", False):
            return True
    return False


_NO_EDGE = (None, 0)


def attach(out, name, inputs, backward, saved=None):
    """Record `out` as the result of op `name` over `inputs` (in forward argument order) when
    any input requires grad; otherwise return `out` untouched.  (edge() and the node's fields
    are inlined here: this runs once per recorded op, ~1 us of a small model's ~4 us ops.)"""
    if not _grad.enabled:
        return out
    edges = []
    meta = []
    needed = False
    for x in inputs:
        if getattr(x, "_requires_grad", False):
            needed = True
            fn = x.grad_fn
            edges.append((fn, x.__dict__.get("_output_nr", 0)) if fn is not None
                         else (grad_accumulator(x), 0))
            meta.append((x._data.shape, x._dtype))
        else:
            edges.append(_NO_EDGE)
            meta.append(None)
    if not needed:
        return out
    node = (_NODE_TYPES.get(name) or node_type(name))()
    node.next_functions = tuple(edges)
    node._backward = backward
    if saved:
        node._saved = saved
        # (version at save time, whether it is this op's own output): to detect and report
        # in-place writes to saved tensors
        versions = []
        for t in saved:
            v = getattr(t, "_version", None)
            versions.append((v[0], t is out) if v is not None else (0, False))
        node._versions = versions
    else:
        node._saved = None  # nothing saved, so backward can run again
        node._versions = ()
    node._freed = False
    node._out = weakref.ref(out)
    node._input_meta = meta
    out.grad_fn = node
    out._requires_grad = True
    return out


def attach_multi(outs, name, inputs, backward, saved=None):
    """Like attach for an op with several outputs; `backward(grads, *saved)` gets one gradient
    per output (zeros where an output received none)."""
    if not requires_grad(*inputs):
        return outs
    first = attach(outs[0], name, inputs, backward, saved)
    node = first.grad_fn
    node._n_out = len(outs)
    node._out = tuple(weakref.ref(o) for o in outs)
    for i, o in enumerate(outs):
        if i:
            o.grad_fn = node
            o._requires_grad = True
        o.__dict__["_output_nr"] = i
    return outs


def check_inplace(t):
    """PyTorch's refusals for in-place writes that would corrupt autograd."""
    if not (_grad.enabled and t._requires_grad):
        return
    if t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = t._base
    if base is not None and base._requires_grad:
        if base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        raise RuntimeError("numtorch: in-place operations on views of tensors that require grad "
                           "are not supported; write the op out of place (e.g. torch.where).")


def rebase_inplace(t, out_of_place, args, kwargs):
    """An in-place op that autograd must see: run its out-of-place form on a snapshot of t,
    write the result into t, and make t the output of the new node (PyTorch's rebase)."""
    check_overlap(t)
    check_inplace(t)
    if t._base is not None and any(getattr(a, "_requires_grad", False) for a in args):
        raise RuntimeError("numtorch: in-place operations that make a view require grad are not "
                           "supported; write the op out of place.")
    old = wrap(t._data.copy(), t._dtype)
    if t._requires_grad:
        old.grad_fn = t.grad_fn
        old._requires_grad = True
        if "_output_nr" in t.__dict__:
            old.__dict__["_output_nr"] = t.__dict__["_output_nr"]
    res = out_of_place(old, *args, **kwargs)
    if res._data.shape != t._data.shape:
        raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the "
                           f"broadcast shape {list(res._data.shape)}")
    if res._dtype.category > t._dtype.category:
        check_cast(res._dtype, t._dtype)
    t._data[...] = res._data
    t._bump()
    node = res.grad_fn
    if node is not None:
        rebind_output(t, node)
        if node._saved:  # an op that saved its output (exp_, sigmoid_) now saves t itself
            node._versions = tuple((t._version[0], True) if s is res else v
                                   for s, v in zip(node._saved, node._versions))
            node._saved = tuple(t if s is res else s for s in node._saved)
    return t


def rebind_output(t, node):
    """Make tensor t the output of node (an in-place op's result now lives in t)."""
    t.grad_fn = node
    t._requires_grad = True
    t.__dict__.pop("_output_nr", None)
    node._out = weakref.ref(t)


def inplace_method(fast, out_of_place, name):
    """A Tensor method that writes in place with `fast` unless autograd has to record it."""
    def method(self, *args, **kwargs):
        if requires_grad(self, *args, *kwargs.values()):
            return rebase_inplace(self, out_of_place, args, kwargs)
        return fast(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place {name.rstrip('_')} (recorded by autograd when needed)."
    return method
