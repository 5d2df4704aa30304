"""DistributedDataParallel: one model replica per process, gradients averaged in backward.

At construction rank 0's parameters and buffers are broadcast, so every replica starts equal.
The parameters are grouped into buckets of about bucket_cap_mb (in reverse order, the order
backward produces their gradients); once backward has accumulated the last gradient of a
bucket, that bucket's gradients are flattened into one buffer and a nonblocking all-reduce
starts, while backward goes on with the earlier layers.  When the last bucket is in flight
the reductions are waited for and each .grad becomes the average over the processes -- the
same sum on every rank, so the replicas stay bit-identical.
"""

from contextlib import contextmanager

import numpy as np

from ... import distributed as dist
from ..._dtype import from_numpy_dtype
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...autograd.graph import AccumulateGrad, Node
from ...tensor import Tensor, wrap
from ..modules.module import Module


class _Bucket:
    __slots__ = ("params", "pending", "buffer", "work")

    def __init__(self, params):
        self.params = params
        self.pending = len(params)
        self.buffer = None
        self.work = None


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=25,
                 find_unused_parameters=False, gradient_as_bucket_view=False):
        super().__init__()
        if not dist.is_initialized():
            raise ValueError("Default process group has not been initialized, please make "
                             "sure to call init_process_group.")
        self.module = module
        self.find_unused_parameters = find_unused_parameters
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        with no_grad():
            for t in list(module.parameters()) + list(module.buffers()):
                dist.broadcast(t.data, src=0)
        params = [p for p in module.parameters() if p.requires_grad]
        self._params = params
        self._used = None  # with find_unused_parameters: which params this forward reached
        self._buckets = _make_buckets(params, bucket_cap_mb * 2 ** 20)
        self._bucket_of = {}
        for b in self._buckets:
            for p in b.params:
                self._bucket_of[id(p)] = b
        self._launched = 0
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]

    def forward(self, *args, **kwargs):
        if any(b.pending != len(b.params) for b in self._buckets):
            raise RuntimeError("Expected to have finished reduction in the prior iteration "
                               "before starting a new one. This error indicates that your "
                               "module has parameters that were not used in producing loss. "
                               "You can enable unused parameter detection by passing the "
                               "keyword argument `find_unused_parameters=True` to "
                               "`torch.nn.parallel.DistributedDataParallel`")
        if self.broadcast_buffers:
            with no_grad():
                for t in self.module.buffers():
                    dist.broadcast(t.data, src=0)
        out = self.module(*args, **kwargs)
        if self.find_unused_parameters and self.require_backward_grad_sync and \
                is_grad_enabled():
            self._used = _reached(out)
            for p in self._params:
                if id(p) not in self._used:
                    self._grad_ready(p)
        return out

    @contextmanager
    def no_sync(self):
        """Gradients accumulate locally inside; the first backward after it averages them."""
        prev = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = prev

    def _grad_ready(self, param):
        if not self.require_backward_grad_sync:
            return
        b = self._bucket_of[id(param)]
        b.pending -= 1
        if b.pending:
            return
        # launch every full bucket whose predecessors have gone, in bucket order
        while self._launched < len(self._buckets) and \
                not self._buckets[self._launched].pending:
            b = self._buckets[self._launched]
            b.buffer = np.concatenate([_flat_grad(p) for p in b.params])
            b.work = dist.all_reduce(_wrap(b.buffer), async_op=True)
            self._launched += 1
        if self._launched == len(self._buckets):
            self._finish()

    def _finish(self):
        n = dist.get_world_size()
        used = None
        if self._used is not None:  # which params some rank used (the others stay as they are)
            used = _wrap(np.array([id(p) in self._used for p in self._params]))
            dist.all_reduce(used, op=dist.ReduceOp.MAX)
            used = {id(p) for p, u in zip(self._params, used._data) if u}
            self._used = None
        for b in self._buckets:
            b.work.wait()
            b.buffer /= n
            at = 0
            for p in b.params:
                size = p._data.size
                if used is None or id(p) in used:
                    avg = b.buffer[at:at + size].reshape(p._data.shape)
                    if p.grad is None:
                        p.grad = _wrap(avg.copy())
                    else:
                        p.grad._data[...] = avg
                at += size
            b.pending, b.buffer, b.work = len(b.params), None, None
        self._launched = 0


def _make_buckets(params, cap_bytes):
    """Consecutive parameters of one dtype, last layer first, about cap_bytes a bucket."""
    buckets, current, size = [], [], 0
    for p in reversed(params):
        nbytes = p._data.nbytes
        if current and (size + nbytes > cap_bytes or p.dtype is not current[0].dtype):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(p)
        size += nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets


def _flat_grad(p):
    """p's gradient as a flat array: zeros for a parameter this rank did not use."""
    if p.grad is None:
        return np.zeros(p._data.size, p._data.dtype)
    return p.grad._data.reshape(-1)


def _reached(out):
    """ids of the leaf tensors that out's graph reaches (out: tensors, possibly nested)."""
    stack, seen, leaves = [out], set(), set()
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, Tensor):
            if x.grad_fn is not None:
                stack.append(x.grad_fn)
            elif x.requires_grad:
                leaves.add(id(x))
        elif isinstance(x, AccumulateGrad):
            leaves.add(id(x.variable))
        elif isinstance(x, Node) and id(x) not in seen:
            seen.add(id(x))
            stack.extend(n for n, _ in x.next_functions if n is not None)
    return leaves


def _wrap(arr):
    return wrap(arr, from_numpy_dtype(arr.dtype))
