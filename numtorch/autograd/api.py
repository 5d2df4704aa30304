"""torch.autograd's entry points: backward, grad (and the pre-0.4 Variable) over the engine."""

import numpy as np

from .._ops.creation import tensor, zeros_like
from ..tensor import Tensor, wrap
from . import graph
from .engine import _accumulate, run_backward


def _as_tuple(x):
    if x is None:
        return ()
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _root_grads(outputs, grad_outputs):
    grads = list(_as_tuple(grad_outputs)) or [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad_tensors should have the same length as tensors: got "
                           f"{len(grads)} and {len(outputs)}")
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            arr = out._data  # (a scalar loss, every step: ones() without ones_like's layers)
            ones = np.empty(arr.shape, arr.dtype, like=arr)  # like=: on the loss's device
            ones.fill(1)
            g = wrap(ones, out._dtype)
        elif not isinstance(g, Tensor):
            g = tensor(g, dtype=out.dtype)
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} "
                               f"and output[{i}] has a shape of {out.shape}.")
        result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    outputs = _as_tuple(tensors)
    grads = _root_grads(outputs, grad_tensors if grad_tensors is not None else grad_variables)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        ins = _as_tuple(inputs)
        got = grad(outputs, ins, grads, retain_graph=retain_graph, create_graph=create_graph,
                   allow_unused=True)
        for t, g in zip(ins, got):
            if g is not None:
                _accumulate(t, g, create_graph)
        return
    run_backward(outputs, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _root_grads(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    keys = [graph.edge(t) for t in inputs]
    capture = {k: None for k in keys}
    run_backward(outputs, grads, retain_graph, create_graph, capture)
    result = []
    for t, k in zip(inputs, keys):
        g = capture[k]
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                g = zeros_like(t)
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def Variable(data, requires_grad=False, volatile=False):
    """The pre-0.4 wrapper, now a no-op as in PyTorch: returns a tensor (requiring grad when
    asked)."""
    return data.requires_grad_(True) if requires_grad else data
