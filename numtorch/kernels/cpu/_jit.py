"""The one place CPU kernels get their Numba options.

error_model='numpy' gives IEEE inf/nan on division instead of Python's ZeroDivisionError and
runs ~6x faster; cache=True makes a second run of a program start warm.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
from numba import njit, prange  # noqa: F401  (prange re-exported for kernel modules)

from ... import _threads
from .. import _cache

_cache.install()  # before any kernel below is defined: they look their cache up then

# Cast a computed index with this: a signed index gets Numba's negative-index wraparound test,
# which stops LLVM vectorising the loop (im2col ran 2.7x slower with it)
unsigned = np.uint64

kernel = njit(cache=True, error_model="numpy", nogil=True)
# inline helpers are compiled into their caller, so they share its cache entry
inline = njit(inline="always", error_model="numpy")
# reassoc lets float sums vectorise; no 'nnan'/'ninf' so isnan and inf still behave
reduce_kernel = njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc", "contract"})


class _Parallel:
    """A parallel kernel, called from Python only: it first sizes this thread's Numba pool to
    the cores other processes leave free (see numtorch/_threads.py).  Everything else -- its
    signatures, its cache -- is the Numba dispatcher's."""

    __slots__ = ("dispatcher",)

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher

    def __call__(self, *args):
        _threads.adapt()
        return self.dispatcher(*args)

    def __getattr__(self, name):  # (only reached for names that are not slots)
        if name == "dispatcher":
            raise AttributeError(name)
        return getattr(self.dispatcher, name)


def _adaptive(jit):
    return lambda fn: _Parallel(jit(fn))


parallel_kernel = _adaptive(njit(cache=True, error_model="numpy", nogil=True, parallel=True))
parallel_reduce_kernel = _adaptive(njit(cache=True, error_model="numpy", nogil=True,
                                        parallel=True, fastmath={"reassoc", "contract"}))

# Above this many elements memory-bound kernels split the work over threads.  Below it waking
# the sleeping workers costs more than the split saves: 5-10 us on bare metal, but 60-200 us
# on the 2-vCPU VMs the benchmarks run on, where a 400k-element SGD update inside an MLP step
# took 270-460 us in parallel against 185-210 us on one thread (1 << 17 before).
PARALLEL_THRESHOLD = 1 << 20


def entry_point(dispatcher: Any, args: Sequence[Any]) -> Callable:
    """The compiled function of `dispatcher` for the types of args (compiled, or loaded from
    the cache, now; args are only typed, never run: an in-place caller's would be applied
    twice).

    Calling it directly skips Numba's dispatch (typing every argument, ~150 ns of a 10-element
    add's ~1 us), so it is only for call sites whose own checks guarantee that later calls pass
    exactly these types: same dtypes, ranks and layouts, aligned and writeable arrays."""
    sig = tuple(dispatcher.typeof_pyval(a) for a in args)
    dispatcher.compile(sig)
    return dispatcher.overloads[sig].entry_point


def entry_table() -> Dict[np.dtype, List[Optional[Callable]]]:
    """Slots for one kernel's entry points, `table[x.dtype][x.ndim]`, for the float dtypes
    the small-tensor fast paths take.  Keyed by the array's own dtype, so a slot only ever
    receives the types it was compiled for."""
    return {np.dtype(t): [None] * 65 for t in (np.float32, np.float64)}


def learn(table: Dict[np.dtype, List[Optional[Callable]]], dispatcher: Any, x: np.ndarray,
          args: Sequence[Any], slot: Optional[int] = None) -> Callable:
    """Compile dispatcher for args, x being the array whose dtype (and rank, unless
    `slot` says otherwise) keys its entry point in table; returns the entry point."""
    ep = table[x.dtype][x.ndim if slot is None else slot] = entry_point(dispatcher, args)
    return ep


CHUNKS = 16
