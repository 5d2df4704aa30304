"""numtorch.distributed's cost over MPI itself, and what data parallelism buys a LeNet step.

    python benchmarks/bench_distributed.py        # starts mpiexec -n 2 itself

1. all_reduce of 1-64 MB float32 tensors: numtorch.distributed.all_reduce against mpi4py's
   Allreduce on the same buffer (the tensor's own memory, so both see the same pages and
   caches), in the same processes, alternating call by call (A B A B); the best of each.
2. A LeNet step on a global batch of 64: one process alone, then two processes with
   DistributedDataParallel taking 32 each.
Not part of run_all.py (it needs the distributed extra and starts its own processes).
"""

import os
import subprocess
import sys
import time

# (numtorch before NumPy: under mpiexec it shares the cores out among the local ranks, which
# OpenBLAS reads when NumPy loads it)
import numtorch


def _launch():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    mpiexec = here if os.path.exists(here) else "mpiexec"
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    for n in (1, 2):
        subprocess.run([mpiexec, "-n", str(n), "--oversubscribe", sys.executable,
                        os.path.abspath(__file__), "--worker"], env=env, check=True)


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _all_reduce_table(dist, MPI, comm):
    rank = comm.Get_rank()
    group = dist._group.comm  # (the communicator numtorch's group runs on: the same algorithms)
    if rank == 0:
        print(f"{'all_reduce':12s} {'numtorch':>10s} {'mpi4py':>10s} {'overhead':>9s} "
              f"{'GB/s':>6s}")
    for mb, repeat in ((1, 300), (4, 150), (16, 40), (64, 12)):
        n = mb * 2 ** 20 // 4
        t = numtorch.zeros(n)  # (zeros: sums that stay 0, never overflow to inf)
        arr = t.numpy()
        ours, theirs = [], []
        pair = [(ours, lambda t=t: dist.all_reduce(t)),
                (theirs, lambda a=arr: group.Allreduce(MPI.IN_PLACE, a, op=MPI.SUM))]
        for _ in range(repeat):  # A B B A .., one call each, the ranks lined up before each
            pair.reverse()
            for times, fn in pair:
                comm.Barrier()
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
        a, b = min(ours), min(theirs)
        if rank == 0:
            print(f"{mb:9d} MB {a * 1e3:8.3f}ms {b * 1e3:8.3f}ms {100 * (a / b - 1):8.1f}% "
                  f"{mb / 1024 / a:6.2f}", flush=True)


def _lenet_step(dist, comm):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "examples"))
    from lenet import lenet

    import numtorch as torch
    world = comm.Get_size()
    torch.manual_seed(0)
    model = lenet(torch)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(64 // world, 1, 32, 32), torch.randint(0, 10, (64 // world,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    for _ in range(5):
        step()
    comm.Barrier()
    t = _best(step, 30)
    if comm.Get_rank() == 0:
        print(f"LeNet step, global batch 64, {world} process(es) x {64 // world}: "
              f"{t * 1e3:.2f} ms", flush=True)


def _worker():
    from mpi4py import MPI

    import numtorch.distributed as dist
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    if comm.Get_size() > 1:
        _all_reduce_table(dist, MPI, comm)
    _lenet_step(dist, comm)
    dist.destroy_process_group()


if __name__ == "__main__":
    _worker() if "--worker" in sys.argv else _launch()
