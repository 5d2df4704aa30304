"""numtorch.distributed over MPI: collectives, DistributedDataParallel and the sampler.

The multi-process checks start 2 and 3 processes with mpiexec running
tests/distributed_worker.py (each rank checks its results against NumPy and, for DDP, against
single-process training on the whole batch); they skip when mpi4py or mpiexec is missing."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import numtorch
import numtorch.distributed as dist
from numtorch.utils.data.distributed import DistributedSampler

WORKER = os.path.join(os.path.dirname(__file__), "distributed_worker.py")


def _mpiexec():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


needs_mpi = pytest.mark.skipif(not dist.is_available() or _mpiexec() is None,
                               reason="no MPI runtime: pip install '.[distributed]'")


@needs_mpi
@pytest.mark.parametrize("scenario,n", [("collectives", 2), ("collectives", 3), ("ddp", 2),
                                        ("ddp", 3), ("ddp_unused", 2), ("ddp_unused", 3),
                                        ("timeout", 2)])
def test_across_processes(scenario, n):
    # (OpenMPI refuses to run as root unless told; CI containers run as root)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    run = subprocess.run([_mpiexec(), "-n", str(n), "--oversubscribe", sys.executable, WORKER,
                          scenario], capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for r in range(n):
        assert f"OK {scenario} rank {r}" in run.stdout, run.stdout + run.stderr[-3000:]


def test_without_the_extra_it_says_what_to_install(monkeypatch):
    monkeypatch.setattr(dist, "MPI", None)
    assert not dist.is_available()
    with pytest.raises(RuntimeError, match=r"numtorch\[distributed\]"):
        dist.init_process_group("mpi")


def test_before_init_and_unknown_backend_raise_pytorchs_types():
    assert not dist.is_initialized()
    for call in (lambda: dist.all_reduce(numtorch.ones(2)), dist.get_rank, dist.barrier,
                 lambda: numtorch.nn.parallel.DistributedDataParallel(numtorch.nn.Linear(2, 2))):
        with pytest.raises(ValueError, match="has not been initialized"):
            call()
    with pytest.raises(AssertionError, match="Unknown backend type nccl"):  # PyTorch's type
        dist.init_process_group("nccl")
    with pytest.raises(ValueError):
        dist.init_process_group("nccl")


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (2, 3, False),
                                                  (11, 4, True), (12, 4, False), (1, 5, False)])
def test_sampler_deals_out_shares_as_pytorch(n, replicas, drop_last):
    shares = [list(DistributedSampler(range(n), replicas, r, shuffle=False,
                                      drop_last=drop_last)) for r in range(replicas)]
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as Theirs
    assert shares == [list(Theirs(range(n), replicas, r, shuffle=False, drop_last=drop_last))
                      for r in range(replicas)]
    assert len({len(s) for s in shares}) == 1
    assert torch is not None


def test_sampler_shuffles_per_epoch_into_a_partition():
    def shares(epoch):
        out = []
        for r in range(3):
            s = DistributedSampler(range(12), 3, r, seed=7)
            s.set_epoch(epoch)
            out.append(list(s))
        return out
    a, b = shares(0), shares(1)
    assert sorted(i for s in a for i in s) == list(range(12))
    assert a == shares(0) and a != b
    with pytest.raises(ValueError, match="Invalid rank"):
        DistributedSampler(range(4), 2, 2)


def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    torch = pytest.importorskip("torch")
    seen = {}
    for m in (numtorch, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        got = []
        w.register_post_accumulate_grad_hook(lambda p: got.append(p.grad.clone()))
        (w * 3).sum().backward()
        (w * w).sum().backward()
        m.autograd.grad((w * 5).sum(), w)  # (no accumulation: no hook)
        seen[m.__name__] = [g.numpy() for g in got]
        with pytest.raises(RuntimeError, match="non-leaf"):
            (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    for a, b in zip(seen["numtorch"], seen["torch"]):
        np.testing.assert_array_equal(a, b)
    assert len(seen["numtorch"]) == len(seen["torch"]) == 2


@needs_mpi
def test_the_ddp_example_trains_on_two_processes(tmp_path):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    example = os.path.join(os.path.dirname(__file__), "..", "examples", "ddp_mnist.py")
    run = subprocess.run([_mpiexec(), "-n", "2", "--oversubscribe", sys.executable, example,
                          "--n-train", "600", "--epochs", "1", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "epoch 1: train loss" in run.stdout and "2 processes" in run.stdout
    assert (tmp_path / "ddp_lenet_training.png").exists()


def test_ranks_sharing_a_machine_share_its_cores():
    """Under an MPI launcher with several ranks on this machine, each rank's BLAS, OpenMP and
    Numba pools get cores // ranks threads (unless the user set them)."""
    code = ("import os, numtorch; print(os.environ['OPENBLAS_NUM_THREADS'], "
            "os.environ['NUMBA_NUM_THREADS'])")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")}
    share = str(max(1, (os.cpu_count() or 1) // 2))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(env, OMPI_COMM_WORLD_LOCAL_SIZE="2"), check=True)
    assert out.stdout.split() == [share, share]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(env, OMPI_COMM_WORLD_LOCAL_SIZE="2", OPENBLAS_NUM_THREADS="7",
                                  NUMBA_NUM_THREADS="1"), check=True)
    assert out.stdout.split() == ["7", "1"]
