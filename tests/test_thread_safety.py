"""Autograd under Python threads: grad mode is per thread (as in PyTorch), so a thread running
under no_grad() never switches autograd off for another, and threads training separate models
at once get exactly the results each gets alone."""

import threading

import numpy as np
import pytest

import numtorch as torch


def _train(seed, steps=15):
    """A small conv + linear model trained with SGD; returns its final parameters."""
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 6 * 6, 3))
    rng = np.random.default_rng(seed)  # not the global generator, which threads share
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(0.3 * rng.standard_normal(p.shape).astype(np.float32)))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.from_numpy(rng.standard_normal((8, 1, 8, 8)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 3, 8))
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        with torch.no_grad():  # each thread toggles its own grad mode every step
            model(x)
    return [p.detach().numpy().copy() for p in model.parameters()]


def _in_threads(fns):
    results, errors = [None] * len(fns), []

    def call(i):
        try:
            results[i] = fns[i]()
        except BaseException as e:  # noqa: BLE001  (re-raised in the main thread)
            errors.append(e)
    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]
    return results


@pytest.mark.parametrize("n_threads", [2, 4])
def test_threads_training_separate_models_match_single_threaded(n_threads):
    alone = [_train(seed) for seed in range(n_threads)]
    together = _in_threads([lambda s=seed: _train(s) for seed in range(n_threads)])
    for a, b in zip(alone, together):
        for pa, pb in zip(a, b):
            np.testing.assert_array_equal(pa, pb)


def test_no_grad_in_one_thread_leaves_another_recording():
    stop = threading.Event()
    entered = threading.Event()

    def spin_in_no_grad():
        with torch.no_grad():
            entered.set()
            while not stop.is_set():
                torch.ones(3) * 2

    t = threading.Thread(target=spin_in_no_grad)
    t.start()
    try:
        entered.wait(10)
        x = torch.ones(4, requires_grad=True)
        recorded = 0
        for _ in range(2000):
            recorded += (x * 2).requires_grad
        (x * 3).sum().backward()
    finally:
        stop.set()
        t.join(10)
    assert torch.is_grad_enabled()
    assert recorded == 2000
    np.testing.assert_array_equal(x.grad.numpy(), np.full(4, 3.0, np.float32))


def test_grad_mode_starts_enabled_in_a_new_thread_and_does_not_leak_back():
    seen = []
    with torch.no_grad():
        t = threading.Thread(target=lambda: seen.append(torch.is_grad_enabled()))
        t.start()
        t.join()
        assert not torch.is_grad_enabled()

    def disable():
        torch.set_grad_enabled(False)
        seen.append(torch.is_grad_enabled())
    t = threading.Thread(target=disable)
    t.start()
    t.join()
    assert seen == [True, False]
    assert torch.is_grad_enabled()

