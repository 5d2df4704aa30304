"""Linear regression, the seed tutorial's low-level way and (--api nn) the nn/optim way.

    python examples/regression.py                 # hand-written data_iter, w/b, SGD under no_grad
    python examples/regression.py --api nn        # nn.Linear + optim.SGD + DataLoader

Fits y = x @ w + b to 400 noisy samples of y = 2*x1 - 3*x2 + 10, prints the learned w, b beside
the true ones, and writes plots/regression_fit.png and plots/regression_loss.png.
The seed ran 1000 epochs at lr 0.001; `--epochs 1000 --lr 0.001` reproduces that exactly.
"""

import numtorch  # isort: skip  (before NumPy: it sets OpenBLAS's thread spin, see README)
import numpy as np
from common import device, out_path, parser, report_times, timed

from numtorch.utils import progress


def data_iter(torch, features, labels, batch_size=8):
    """The seed's data pipeline: shuffled index batches through index_select."""
    num_examples = len(features)
    indices = list(range(num_examples))
    np.random.shuffle(indices)  # the seed shuffles with NumPy's global generator
    for i in range(0, num_examples, batch_size):
        indexs = torch.LongTensor(indices[i: min(i + batch_size, num_examples)]).to(
            features.device)
        yield features.index_select(0, indexs), labels.index_select(0, indexs)


class LinearRegression:
    """The seed's model: bare tensors and hand-written forward and loss."""

    def __init__(self, torch, w0, b0):
        self.w = torch.randn_like(w0, requires_grad=True)
        self.b = torch.zeros_like(b0, requires_grad=True)

    def forward(self, x):
        return x @ self.w + self.b

    def loss_func(self, y_pred, y_true):
        return ((y_pred - y_true) ** 2 / 2).mean()


def train_step(torch, model, features, labels, lr):
    loss = model.loss_func(model.forward(features), labels)
    loss.backward()
    with torch.no_grad():  # the update must not be recorded
        model.w -= lr * model.w.grad
        model.b -= lr * model.b.grad
        model.w.grad.zero_()
        model.b.grad.zero_()
    return loss


def train_lowlevel(torch, X, Y, w0, b0, epochs, lr, batch_size=10, show=True):
    model = LinearRegression(torch, w0, b0)
    losses = []
    bar = progress(range(epochs), desc="regression (low-level)", unit="epoch",
                   interval=0.25) if show else range(epochs)
    for _ in bar:
        total, n = 0.0, 0
        for features, labels in data_iter(torch, X, Y, batch_size):
            total += train_step(torch, model, features, labels, lr).item()
            n += 1
        losses.append(total / n)
        if show:
            bar.set_postfix(loss=losses[-1])
    return model.w.detach(), model.b.detach(), losses


def train_nn(torch, X, Y, epochs, lr, batch_size=10, show=True):
    nn = torch.nn
    model = nn.Linear(X.shape[1], 1).to(X.device)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y),
                                         batch_size=batch_size, shuffle=True)
    losses = []
    bar = progress(range(epochs), desc="regression (nn)", unit="epoch",
                   interval=0.25) if show else range(epochs)
    for _ in bar:
        total, n = 0.0, 0
        for features, labels in loader:
            opt.zero_grad()
            loss = loss_fn(model(features), labels) / 2  # the seed's mean((y' - y)^2 / 2)
            loss.backward()
            opt.step()
            total += loss.item()
            n += 1
        losses.append(total / n)
        if show:
            bar.set_postfix(loss=losses[-1])
    return model.weight.detach().t(), model.bias.detach().view(1, 1), losses


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=200,
               api={"choices": ["lowlevel", "nn"], "default": "lowlevel",
                    "help": "the seed's low-level loop (default) or nn + optim + DataLoader"},
               lr={"type": float, "default": 0.01, "help": "SGD step size (0.01)"},
               n={"type": int, "default": 400, "help": "number of samples (400)"})
    args = p.parse_args(argv)
    torch = numtorch
    dev = device(torch, args.device)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    X, Y, w_true, b_true = torch.datasets.linear_regression(args.n, seed=args.seed)
    X, Y = X.to(dev), Y.to(dev)

    # one throwaway step on copies: compiles (or loads from the cache) every kernel used
    def warm():
        if args.api == "nn":
            train_nn(torch, X[:10], Y[:10], 1, args.lr, show=False)
        else:
            train_step(torch, LinearRegression(torch, w_true.to(dev), b_true.to(dev)),
                       X[:10], Y[:10], args.lr)
    _, warm_s = timed(warm)
    if args.api == "nn":
        (w, b, losses), train_s = timed(lambda: train_nn(torch, X, Y, args.epochs, args.lr))
    else:
        (w, b, losses), train_s = timed(lambda: train_lowlevel(
            torch, X, Y, w_true.to(dev), b_true.to(dev), args.epochs, args.lr))
    steps = args.epochs * -(-args.n // 10)
    report_times(warm_s, train_s, steps)
    w, b = w.cpu(), b.cpu()
    print(f"learned w = {w.view(-1).tolist()}   true w = {w_true.view(-1).tolist()}")
    print(f"learned b = {b.item():.4f}   true b = {b_true.item():.4f}")
    print(f"final loss (mean of the last epoch) = {losses[-1]:.4f}  "
          f"(noise variance / 2 = {2.0 ** 2 / 2:.1f} is the floor)")
    torch.plot.regression_fit(X.cpu(), Y.cpu(), w, b, w_true, b_true,
                              path=out_path(args, "regression_fit.png"))
    torch.plot.curves({"loss": losses}, title=f"regression ({args.api}): training loss",
                      log=("loss",),
                      path=out_path(args, "regression_loss.png"))
    print(f"wrote {out_path(args, 'regression_fit.png')} and "
          f"{out_path(args, 'regression_loss.png')}")
    return w, b, w_true, b_true, losses


if __name__ == "__main__":
    main()
