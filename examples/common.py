"""What every demo shares: its command line, the device check, and timing the JIT warm-up
apart from training.  Each demo's training code takes the library as an argument (`torch`),
so `benchmarks/bench_demos.py` runs the very same loops on PyTorch."""

import argparse
import os
import sys
import time


def parser(description, epochs, **extra):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--epochs", type=int, default=epochs, help=f"passes over the data ({epochs})")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the model (0)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="cpu or cuda")
    p.add_argument("--out", default="plots", help="folder for the PNG files (plots/)")
    for flag, kwargs in extra.items():
        p.add_argument("--" + flag.replace("_", "-"), **kwargs)
    return p


def device(torch, name):
    """The torch.device for --device, or a clear exit when CUDA was asked for and is absent."""
    if name == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA GPU is available on this machine (numtorch.cuda."
                 "is_available() is False); run with --device cpu")
    return torch.device(name)


def timed(fn):
    """Run fn() and return (its result, seconds taken)."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def report_times(warm_up, train, steps):
    print(f"JIT warm-up (compile, or load from cache): {warm_up:.2f}s; "
          f"training: {train:.2f}s ({steps} steps, {1e3 * train / max(steps, 1):.2f} ms/step)")


def out_path(args, name):
    os.makedirs(args.out, exist_ok=True)
    return os.path.join(args.out, name)


def digit_datasets(torch, root, size, seed, n_train, n_test, fashion=False):
    """(train, test, class names, description): MNIST-format data from `root` when its files
    are there, else procedurally drawn digits (nothing is downloaded).  Images arrive as
    1 x size x size float tensors normalised to mean 0.5 / std 0.5."""
    vision = torch.vision
    tf = [vision.transforms.ToTensor(), vision.transforms.Normalize((0.5,), (0.5,))]
    if root:
        kind = vision.datasets.FashionMNIST if fashion else vision.datasets.MNIST
        pad = (size - 28) // 2
        if pad:  # the seed's LeNet wants 32x32: pad MNIST's 28x28 with background
            tf.append(vision.transforms.Lambda(
                lambda x: torch.nn.functional.pad(x, (pad, pad, pad, pad), value=-1.0)))
        transform = vision.transforms.Compose(tf)
        try:
            train = kind(root, train=True, transform=transform)
            test = kind(root, train=False, transform=transform)
            return train, test, kind.classes, f"{kind.__name__} from {root}"
        except RuntimeError as e:
            print(f"{kind.__name__} not found under {root} ({e}); using synthetic digits")
    transform = vision.transforms.Compose(tf)
    train = vision.datasets.SyntheticDigits(train=True, transform=transform, n=n_train,
                                            size=size, seed=seed)
    test = vision.datasets.SyntheticDigits(train=False, transform=transform, n=n_test,
                                           size=size, seed=seed)
    return train, test, train.classes, f"synthetic digits ({n_train} train / {n_test} test)"


def evaluate(torch, model, loader, loss_fn, dev):
    """(mean loss, accuracy) of `model` over `loader`, in eval mode and without grad."""
    model.eval()
    total, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(dev), y.to(dev)
            out = model(x)
            total += loss_fn(out, y).item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            n += len(y)
    model.train()
    return total / n, correct / n


DIGIT_FLAGS = {
    "root": {"default": None, "help": "folder with (Fashion)MNIST IDX files (else synthetic)"},
    "fashion": {"action": "store_true", "help": "read FashionMNIST from --root"},
    "batch_size": {"type": int, "default": 64, "help": "batch size (64)"},
    "lr": {"type": float, "default": 0.01, "help": "SGD learning rate (0.01)"},
    "n_train": {"type": int, "default": 6000, "help": "synthetic training images (6000)"},
}


def digit_setup(torch, args, size):
    """Device, seeded data and loaders for the digit classifiers (lenet.py, mlp.py)."""
    dev = device(torch, args.device)
    torch.manual_seed(args.seed)
    train_set, test_set, classes, source = digit_datasets(
        torch, args.root, size, args.seed, args.n_train, max(args.n_train // 6, 100),
        args.fashion)
    print(f"data: {source}")
    DataLoader = torch.utils.data.DataLoader
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)
    return dev, train_set, test_set, loader, test_loader, classes, source


def warm_up_step(torch, make_model, dataset, dev):
    """One forward/backward of a scratch model on 8 images: compiles (or loads) the kernels
    so the training time that follows is steady-state.  Returns the seconds it took."""
    def step():
        x, y = next(iter(torch.utils.data.DataLoader(dataset, batch_size=8)))
        torch.nn.functional.cross_entropy(make_model(torch).to(dev)(x.to(dev)),
                                          y.to(dev)).backward()
    return timed(step)[1]


def prediction_grid(torch, model, dataset, classes, dev, path):
    """The first 24 images of `dataset` titled with the model's predictions (and the truth
    where they differ)."""
    x, y = next(iter(torch.utils.data.DataLoader(dataset, batch_size=24)))
    model.eval()
    with torch.no_grad():
        pred = model(x.to(dev)).argmax(1).cpu()
    short = [c.split(" - ")[-1] for c in classes]
    titles = [short[int(a)] + ("" if int(a) == int(b) else f" (true {short[int(b)]})")
              for a, b in zip(pred, y)]
    torch.plot.image_grid(x, titles, ncols=8, path=path)
