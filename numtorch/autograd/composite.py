"""Ops that PyTorch records as one node but numtorch writes as a few tensor ops.

`composite("SmoothL1LossBackward0", fn, x, y)` runs `fn(x, y)` without a graph and records the
result as a single node with PyTorch's name, so `loss.grad_fn` prints what PyTorch prints and
`next_functions` points straight at the inputs.  Its backward re-runs `fn` with a graph and
differentiates that: on detached copies of the inputs normally (a graph of a few nodes, freed
at once), and on the inputs themselves under `create_graph=True`, so second derivatives flow
through the re-run as through any other tensor ops.
"""

from . import graph
from .api import grad
from .grad_mode import _state as _grad
from .grad_mode import enable_grad, no_grad


def composite(name, fn, *inputs):
    """fn(*inputs) as one graph node `name`; every tensor fn reads that may require grad must
    be among `inputs` (anything else it closes over is treated as a constant)."""
    if not (_grad.enabled and graph.requires_grad(*inputs)):
        return fn(*inputs)
    with no_grad():
        out = fn(*inputs)

    def backward(g, *saved):
        create_graph = _grad.enabled
        xs = saved if create_graph else \
            [x.detach().requires_grad_(x._requires_grad) for x in saved]
        with enable_grad():
            y = fn(*xs)
        wanted = [i for i, x in enumerate(xs) if x._requires_grad]
        gs = grad(y, [xs[i] for i in wanted], g, create_graph=create_graph, allow_unused=True)
        result = [None] * len(xs)
        for i, gi in zip(wanted, gs):
            result[i] = gi
        return tuple(result)

    return graph.attach(out, name, inputs, backward, saved=inputs)
