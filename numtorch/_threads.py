"""How many threads the parallel kernels use: the cores other processes leave free.

A kernel split over every core finishes when its slowest part does.  On a shared machine (a
browser, an IDE, a second notebook: a user's laptop is never idle) the part whose core is busy
elsewhere gets half a core, and the whole kernel waits for it: with one core of two kept busy,
a parallel sum over dim 0 of 2000x2000 floats took 1.07 ms against 0.52 ms on one thread.  So
before a parallel kernel runs, at most every _INTERVAL seconds, this measures how many cores
other processes kept busy since the last look -- the machine's busy time (/proc/stat) less this
process's own CPU time, which includes Numba's and OpenBLAS's spinning workers, so they never
count against us -- and gives the kernels the rest, at least one.

`set_num_threads` (PyTorch's function) fixes the count and ends the adapting.  Off Linux, or
where /proc/stat cannot be read, the count stays Numba's default (every core).
"""

import os
import threading
import time

import numba

_INTERVAL = 0.2  # seconds between looks; a look costs ~10 us
_CORES = numba.config.NUMBA_NUM_THREADS


class _State:
    fixed = None  # the user's set_num_threads count
    want = _CORES  # what the kernels should use now
    next_look = 0.0
    last = None  # (wall, machine busy, own cpu) at the previous look, in seconds


_state = _State()
_mine = threading.local()  # the count this thread last gave Numba (its setting is per thread)
try:
    _TICK = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):
    _TICK = None


def _machine_busy():
    """CPU seconds the whole machine has spent not idle (all cores), or None."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()
        # user nice system idle iowait irq softirq steal: everything but idle and iowait
        user, nice, system, _idle, _wait, irq, softirq, steal = map(int, fields[1:9])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq + steal) / _TICK


def _look(now):
    busy = _machine_busy() if _TICK else None
    if busy is None:
        _state.next_look = float("inf")  # nothing to measure here: keep Numba's default
        return
    t = os.times()
    sample = (now, busy, t.user + t.system)
    last, _state.last = _state.last, sample
    if last is None or now - last[0] <= 0:
        return
    others = ((busy - last[1]) - (sample[2] - last[2])) / (now - last[0])
    # a core counts as taken when others kept it busy for most of the interval
    _state.want = max(1, min(_CORES, _CORES - int(others + 0.35)))


def adapt():
    """Give this thread's parallel kernels the cores free now (called before each one)."""
    now = time.monotonic()
    if _state.fixed is None and now >= _state.next_look:
        _state.next_look = now + _INTERVAL
        _look(now)
    want = min(_state.fixed, _CORES) if _state.fixed else _state.want
    if getattr(_mine, "n", None) != want:
        numba.set_num_threads(want)
        _mine.n = want


def set_num_threads(n):
    """Use n threads for the parallel kernels from now on (PyTorch's torch.set_num_threads)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state.fixed = n  # (more than the cores is allowed, as in PyTorch; Numba gets the cores)
    adapt()


def get_num_threads():
    """The number of threads the parallel kernels use (PyTorch's torch.get_num_threads)."""
    return _state.fixed or _state.want
