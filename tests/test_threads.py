"""The parallel kernels' thread count: PyTorch's set/get_num_threads, and the adapting to cores
that other processes keep busy (numtorch/_threads.py)."""

import numba
import numpy as np
import pytest

import numtorch as nt
from numtorch import _threads


@pytest.fixture
def fresh_state(monkeypatch):
    """A private _State, so that a test's fixed count or fake load never leaks out."""
    monkeypatch.setattr(_threads, "_state", _threads._State())
    yield _threads._state
    numba.set_num_threads(_threads._CORES)
    _threads._mine.n = _threads._CORES


def test_set_num_threads_like_torch(fresh_state):
    nt.set_num_threads(1)
    assert nt.get_num_threads() == 1
    assert numba.get_num_threads() == 1
    nt.set_num_threads(100)  # PyTorch accepts more threads than cores
    assert nt.get_num_threads() == 100
    assert numba.get_num_threads() == _threads._CORES
    for bad, message in [(0, "positive integer"), (-1, "positive integer"),
                         (2.0, "expects an int, but got float"),
                         (True, "expects an int, but got bool")]:
        with pytest.raises(RuntimeError, match=message):
            nt.set_num_threads(bad)


def test_set_num_threads_errors_match_torch(torch):
    for bad in (0, -1, 2.0, True):
        with pytest.raises(RuntimeError) as ours:
            nt.set_num_threads(bad)
        with pytest.raises(RuntimeError) as theirs:
            torch.set_num_threads(bad)
        assert str(ours.value) == str(theirs.value)
    torch.set_num_threads(2)


def _fake_machine(monkeypatch, fresh_state, others_per_second, own_per_second):
    """A clock, /proc/stat and os.times() in which other processes keep `others_per_second`
    cores busy and this process uses `own_per_second` (its spinning workers included)."""
    clock = [100.0]
    monkeypatch.setattr(_threads.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(_threads, "_machine_busy",
                        lambda: clock[0] * (others_per_second + own_per_second))

    class Times:
        def __init__(self):
            self.user, self.system = clock[0] * own_per_second, 0.0
    monkeypatch.setattr(_threads.os, "times", Times)
    return clock


@pytest.mark.parametrize("others, own, expected", [
    (0.0, 0.0, 2), (0.0, 1.9, 2), (0.2, 1.5, 2), (0.9, 1.0, 1), (1.0, 0.0, 1), (1.7, 0.3, 1)])
def test_adapt_leaves_other_processes_their_cores(monkeypatch, fresh_state, others, own,
                                                   expected):
    monkeypatch.setattr(_threads, "_CORES", 2)
    clock = _fake_machine(monkeypatch, fresh_state, others, own)
    _threads.adapt()  # the first look only takes a sample
    assert fresh_state.want == 2
    clock[0] += 0.1
    _threads.adapt()  # too soon for another look
    assert fresh_state.want == 2
    clock[0] += _threads._INTERVAL
    _threads.adapt()
    assert fresh_state.want == expected
    assert nt.get_num_threads() == expected
    assert numba.get_num_threads() == expected


def test_a_fixed_count_is_not_adapted(monkeypatch, fresh_state):
    monkeypatch.setattr(_threads, "_CORES", 2)
    clock = _fake_machine(monkeypatch, fresh_state, 1.0, 0.0)
    nt.set_num_threads(2)
    for _ in range(3):
        clock[0] += 1.0
        _threads.adapt()
    assert nt.get_num_threads() == 2 and numba.get_num_threads() == 2


def test_no_proc_stat_keeps_the_default(monkeypatch, fresh_state):
    monkeypatch.setattr(_threads, "_machine_busy", lambda: None)
    _threads.adapt()
    _threads.adapt()
    assert fresh_state.want == _threads._CORES and fresh_state.next_look == float("inf")


def test_parallel_kernels_give_the_same_answer_on_any_thread_count(fresh_state):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1200, 1000)).astype(np.float32)  # above PARALLEL_THRESHOLD
    results = []
    for n in (1, _threads._CORES):
        nt.set_num_threads(n)
        t = nt.from_numpy(x)
        results.append(((t * 2 + 1).numpy(), t.sum(0).numpy(), t.sum(1).numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(results[0][1], x.astype(np.float64).sum(0), rtol=1e-5, atol=1e-3)
