"""LeNet-5 trained data-parallel: one process per share of each batch, gradients averaged.

    mpiexec -n 2 python examples/ddp_mnist.py                  # two processes, this machine
    mpiexec -n 8 --hostfile hosts python examples/ddp_mnist.py # eight, across machines

MPI starts the processes (a hostfile lists the machines and their slots; that is MPI's job,
not numtorch's); each joins with init_process_group, trains its DistributedSampler's share of
the data with a DistributedDataParallel LeNet, and rank 0 reports test accuracy and writes
plots/ddp_lenet_training.png.  Needs the extra: pip install ".[distributed]".
"""

from common import DIGIT_FLAGS, digit_datasets, evaluate, out_path, parser, timed
from lenet import lenet

import numtorch as torch
import numtorch.distributed as dist
from numtorch.nn.parallel import DistributedDataParallel
from numtorch.utils.data import DataLoader
from numtorch.utils.data.distributed import DistributedSampler


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=2, **DIGIT_FLAGS)
    args = p.parse_args(argv)
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(args.seed)
    train_set, test_set, _, source = digit_datasets(
        torch, args.root, 32, args.seed, args.n_train, max(args.n_train // 6, 100), args.fashion)
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)
    # the global batch is args.batch_size: each of the `world` processes takes its share
    loader = DataLoader(train_set, batch_size=max(args.batch_size // world, 1), sampler=sampler)
    model = DistributedDataParallel(lenet(torch))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    history = {"loss": {"train": [], "test": []}, "accuracy": {"test": []}}

    def train():
        for epoch in range(args.epochs):
            sampler.set_epoch(epoch)
            total, n = 0.0, 0
            for x, y in loader:
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                total += loss.item()
                n += 1
            mean = torch.tensor([total / n])
            dist.all_reduce(mean, op=dist.ReduceOp.AVG)
            if rank == 0:
                test_loss, acc = evaluate(torch, model.module,
                                          DataLoader(test_set, batch_size=256), loss_fn, "cpu")
                history["loss"]["train"].append(float(mean))
                history["loss"]["test"].append(test_loss)
                history["accuracy"]["test"].append(acc)
                print(f"epoch {epoch + 1}: train loss {float(mean):.4f}, test loss "
                      f"{test_loss:.4f}, test accuracy {acc:.4f}", flush=True)

    _, seconds = timed(train)
    if rank == 0:
        print(f"{world} processes, {len(loader)} steps an epoch each: {seconds:.2f}s "
              f"(data: {source})")
        torch.plot.curves(history, title=f"LeNet, data-parallel on {world} processes",
                          path=out_path(args, "ddp_lenet_training.png"))
        print(f"wrote ddp_lenet_training.png to {args.out}/")
    dist.destroy_process_group()
    return history


if __name__ == "__main__":
    main()
