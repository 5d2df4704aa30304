"""One rank of the multi-process checks in test_distributed.py, started by mpiexec:

    mpiexec -n 3 python tests/distributed_worker.py collectives|ddp|timeout

Each rank builds every rank's input from its rank number alone, so it can compute the expected
result of each collective with NumPy and compare.  Prints "OK <scenario> rank <r>" at the end;
any failure raises (nonzero exit)."""

import datetime
import sys

import numpy as np

import numtorch as torch
import numtorch.distributed as dist

DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
SHAPES = [(), (5,), (2, 3, 4)]


def value(rank, dtype, shape, salt=0):
    """Rank `rank`'s tensor, as a NumPy array (small numbers: products and sums stay exact)."""
    n = int(np.prod(shape)) if shape else 1
    base = (np.arange(n) * 7 + rank * 3 + salt) % 5 + 1
    if dtype == "bool":
        return ((base + rank) % 2 == 0).reshape(shape)
    return base.astype(dtype).reshape(shape)


def tensor(rank, dtype, shape, salt=0):
    return torch.tensor(value(rank, dtype, shape, salt))


def same(t, expected, what):
    got = t.numpy()
    assert got.dtype == expected.dtype and got.shape == expected.shape, (what, got, expected)
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=what)
    else:
        np.testing.assert_array_equal(got, expected, err_msg=what)


def collectives(rank, size):
    R = dist.ReduceOp
    folds = {R.SUM: np.sum, R.PRODUCT: np.prod, R.MAX: np.max, R.MIN: np.min, R.AVG: np.mean}
    for dtype in DTYPES:
        for shape in SHAPES:
            everyone = np.stack([value(r, dtype, shape) for r in range(size)])
            for op, fold in folds.items():
                if op == R.AVG and dtype != "float32" and dtype != "float64":
                    continue
                t = tensor(rank, dtype, shape)
                dist.all_reduce(t, op=op)
                expected = fold(everyone, axis=0)
                if dtype == "bool":
                    expected = (everyone.any(0) if op in (R.SUM, R.MAX) else everyone.all(0))
                same(t, expected.astype(everyone.dtype), f"all_reduce {op} {dtype} {shape}")
            src = 1 % size
            t = tensor(rank, dtype, shape)
            dist.broadcast(t, src=src)
            same(t, everyone[src], f"broadcast {dtype} {shape}")
            t = tensor(rank, dtype, shape)
            dist.reduce(t, dst=src, op=R.MAX)
            if rank == src:
                same(t, everyone.max(0), f"reduce {dtype} {shape}")
            out = [torch.tensor(np.zeros(shape, dtype)) for _ in range(size)]
            dist.all_gather(out, tensor(rank, dtype, shape))
            for r in range(size):
                same(out[r], everyone[r], f"all_gather {dtype} {shape}")
            gathered = [torch.tensor(np.zeros(shape, dtype)) for _ in range(size)] \
                if rank == 0 else None
            dist.gather(tensor(rank, dtype, shape), gathered, dst=0)
            if rank == 0:
                for r in range(size):
                    same(gathered[r], everyone[r], f"gather {dtype} {shape}")
            parts = [tensor(r, dtype, shape, salt=1) for r in range(size)] if rank == 0 else None
            t = torch.tensor(np.zeros(shape, dtype))
            dist.scatter(t, parts, src=0)
            same(t, value(rank, dtype, shape, salt=1), f"scatter {dtype} {shape}")
    # point to point, around a ring
    t = tensor(rank, "float32", (3, 2))
    inbox = torch.zeros(3, 2)
    if rank % 2 == 0:
        dist.send(t, dst=(rank + 1) % size)
        dist.recv(inbox, src=(rank - 1) % size)
    else:
        dist.recv(inbox, src=(rank - 1) % size)
        dist.send(t, dst=(rank + 1) % size)
    same(inbox, value((rank - 1) % size, "float32", (3, 2)), "send/recv")
    # objects
    objs = [None] * size
    dist.all_gather_object(objs, {"rank": rank, "name": f"r{rank}"})
    assert objs == [{"rank": r, "name": f"r{r}"} for r in range(size)], objs
    box = [rank, "x"] if rank == 0 else [None, None]
    dist.broadcast_object_list(box, src=0)
    assert box == [0, "x"], box
    # async: the work handle finishes in place
    t = tensor(rank, "float64", (4,))
    work = dist.all_reduce(t, async_op=True)
    work.wait()
    same(t, sum(value(r, "float64", (4,)) for r in range(size)), "async all_reduce")
    assert work.is_completed()
    dist.barrier()
    # mismatched shapes or dtypes: the same RuntimeError on every rank, nobody hangs
    for bad in (torch.ones(2 + rank), torch.ones(2, dtype=torch.float64 if rank else
                                                      torch.float32)):
        try:
            dist.all_reduce(bad)
        except RuntimeError as e:
            assert "differ across ranks" in str(e), e
        else:
            raise AssertionError("a mismatched all_reduce did not raise")
    try:
        dist.recv(torch.zeros(5), src=(rank - 1) % size) if rank % 2 else \
            dist.send(torch.ones(3), dst=(rank + 1) % size)
    except RuntimeError as e:  # the receiver refuses 3 elements into 5
        assert rank % 2 and "sent shape (3,)" in str(e), e
    dist.barrier()


def ddp(rank, size):
    """A DDP model trained on shards of each global batch ends where single-process training
    on the whole batches ends, bit-identical on every rank; no_sync accumulates."""
    def model():
        torch.manual_seed(0)  # (the same weights on every rank and for the reference)
        m = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
        m.register_buffer("seen", torch.tensor([float(rank)]))
        return m

    ref = model()
    with torch.no_grad():  # a replica that starts elsewhere is reset by DDP's broadcast
        local = model()
        for p in local.parameters():
            p.add_(rank)
    net = torch.nn.parallel.DistributedDataParallel(local, bucket_cap_mb=0.0005)
    assert float(net.module.seen) == 0.0  # rank 0's buffer
    assert len(net._buckets) > 1  # (a tiny cap: several buckets in flight)
    g = torch.Generator().manual_seed(1)
    batches = [(torch.randn(4 * size, 6, generator=g), torch.randint(0, 3, (4 * size,),
                                                                      generator=g))
               for _ in range(5)]
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches:
        opt.zero_grad()
        mine = slice(4 * rank, 4 * rank + 4)
        loss_fn(net(x[mine]), y[mine]).backward()
        opt.step()
        ref_opt.zero_grad()
        loss_fn(ref(x), y).backward()
        ref_opt.step()
    # no_sync: two micro-batches, the second synced
    x, y = batches[0]
    opt.zero_grad()
    ref_opt.zero_grad()
    with net.no_sync():
        loss_fn(net(x[4 * rank:4 * rank + 2]), y[4 * rank:4 * rank + 2]).backward()
    loss_fn(net(x[4 * rank + 2:4 * rank + 4]), y[4 * rank + 2:4 * rank + 4]).backward()
    opt.step()
    halves = [list(range(4 * r, 4 * r + 2)) for r in range(size)]
    first = torch.tensor([i for h in halves for i in h])
    second = torch.tensor([i + 2 for h in halves for i in h])
    loss_fn(ref(x[first]), y[first]).backward()
    loss_fn(ref(x[second]), y[second]).backward()
    ref_opt.step()
    for (name, p), q in zip(net.module.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=name)
        everyone = [torch.zeros_like(p) for _ in range(size)]
        dist.all_gather(everyone, p.detach().contiguous())
        for r in range(size):  # bit-identical replicas
            np.testing.assert_array_equal(everyone[r].numpy(), p.detach().numpy(), err_msg=name)


class _Branches(torch.nn.Module):
    """b is used only when asked, c never: the parameters find_unused_parameters is for."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Linear(3, 2) for _ in range(3))

    def forward(self, x, use_b):
        y = self.a(x)
        return {"out": (y + self.b(x) if use_b else y,)}  # (outputs may be nested)


def ddp_unused(rank, size):
    """find_unused_parameters: a parameter some ranks did not use gets the average of what
    every rank holds (its old .grad, or zeros); one no rank used keeps its .grad -- checked
    against the same arithmetic done on one plain model, over steps without zero_grad."""
    torch.manual_seed(0)
    net = torch.nn.parallel.DistributedDataParallel(_Branches(), bucket_cap_mb=0.00001,
                                                    find_unused_parameters=True)
    torch.manual_seed(0)
    plain = _Branches()
    g = torch.Generator().manual_seed(2)
    xs = [torch.randn(4, 3, generator=g) for _ in range(size)]
    ref = {name: None for name, _ in plain.named_parameters()}
    for uses in ([r == 1 for r in range(size)], [False] * size,
                 [r == size - 1 for r in range(size)]):
        net(xs[rank], uses[rank])["out"][0].sum().backward()
        held = {name: [] for name in ref}  # what each rank holds after its own backward
        for r in range(size):
            plain.zero_grad()
            plain(xs[r], uses[r])["out"][0].sum().backward()
            for name, p in plain.named_parameters():
                old = ref[name] if ref[name] is not None else 0
                held[name].append(old + p.grad.numpy() if p.grad is not None else None)
        for name in ref:
            if any(h is not None for h in held[name]):  # some rank used it: the average
                ref[name] = sum(h if h is not None else (ref[name] if ref[name] is not None
                                                         else 0) for h in held[name]) / size
        for name, p in net.module.named_parameters():
            if ref[name] is None:
                assert p.grad is None, (name, p.grad)
            else:
                np.testing.assert_allclose(p.grad.numpy(), ref[name], rtol=1e-6,
                                           err_msg=name)
    assert net.module.c.weight.grad is None
    # without it, a parameter with no gradient stops the next forward, as in PyTorch
    strict = torch.nn.parallel.DistributedDataParallel(_Branches())
    strict(xs[rank], False)["out"][0].sum().backward()
    try:
        strict(xs[rank], False)
    except RuntimeError as e:
        assert "find_unused_parameters=True" in str(e), e
    else:
        raise AssertionError("a forward after an unfinished reduction ran")


def timeout(rank, size):
    """A collective whose peers do not come within the group's timeout raises RuntimeError
    (they come later, so the job still ends in order; every collective waits the same way,
    the object collectives too)."""
    import time

    def late_sizes():  # completes all_gather_object's first step (the pickles' sizes)
        dist._group.comm.Iallgather(np.array([1], np.int64), np.empty(size, np.int64)).Wait()
    for what, call, late in (("barrier", dist.barrier, dist.barrier),
                             ("all_gather_object",
                              lambda: dist.all_gather_object([None] * size, "late"),
                              late_sizes)):
        if rank == 0:
            try:
                call()
            except RuntimeError as e:
                assert f"{what} timed out" in str(e), e
            else:
                raise AssertionError(f"{what} without its peers returned")
        else:
            time.sleep(3)
            late()  # (completes rank 0's abandoned request, which the group keeps alive)
        dist.barrier()


def main():
    scenario = sys.argv[1]
    limit = datetime.timedelta(seconds=2 if scenario == "timeout" else 120)
    dist.init_process_group("mpi", timeout=limit)
    rank, size = dist.get_rank(), dist.get_world_size()
    {"collectives": collectives, "ddp": ddp, "ddp_unused": ddp_unused,
     "timeout": timeout}[scenario](rank, size)
    print(f"OK {scenario} rank {rank}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
