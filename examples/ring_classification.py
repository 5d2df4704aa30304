"""Ring classification with the seed tutorial's 2-4-8-1 DNN.

    python examples/ring_classification.py             # nn.Parameter weights, hand-written BCE
    python examples/ring_classification.py --api nn    # nn.Sequential + BCELoss + Adam

Positives lie on a ring of radius 5, negatives on one of radius 8; a small ReLU network learns
the circle between them.  Prints the accuracy and writes plots/ring_classification.png
(truth beside prediction), plots/ring_decision_boundary.png and plots/ring_training.png.
"""

import numtorch  # isort: skip  (before NumPy: it sets OpenBLAS's thread spin, see README)
import numpy as np
from common import device, out_path, parser, report_times, timed
from regression import data_iter

from numtorch.utils import progress


def dnn_model(torch):
    """The seed's DNNModel, defined against whichever library is passed in."""
    nn = torch.nn

    class DNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.w1 = nn.Parameter(torch.randn(2, 4))
            self.b1 = nn.Parameter(torch.zeros(1, 4))
            self.w2 = nn.Parameter(torch.randn(4, 8))
            self.b2 = nn.Parameter(torch.zeros(1, 8))
            self.w3 = nn.Parameter(torch.randn(8, 1))
            self.b3 = nn.Parameter(torch.zeros(1, 1))

        def forward(self, x):
            x = torch.relu(x @ self.w1 + self.b1)
            x = torch.relu(x @ self.w2 + self.b2)
            return torch.sigmoid(x @ self.w3 + self.b3)

        def loss_func(self, y_pred, y_true):
            eps = 1e-7  # clamp so log never sees 0 or 1
            y_pred = torch.clamp(y_pred, eps, 1.0 - eps)
            bce = -y_true * torch.log(y_pred) - (1 - y_true) * torch.log(1 - y_pred)
            return torch.mean(bce)

        def metric_func(self, y_pred, y_true):
            y_pred = torch.where(y_pred > 0.5, torch.ones_like(y_pred, dtype=torch.float32),
                                 torch.zeros_like(y_pred, dtype=torch.float32))
            return torch.mean(1 - torch.abs(y_true - y_pred))

    return DNNModel()


def seed_train_step(model, features, labels, lr):
    predictions = model.forward(features)
    loss = model.loss_func(predictions, labels)
    metric = model.metric_func(predictions, labels)
    loss.backward()
    for param in model.parameters():
        param.data = param.data - lr * param.grad.data
    model.zero_grad()
    return loss.item(), metric.item()


def train_lowlevel(torch, X, Y, epochs, lr=0.01, batch_size=20, show=True):
    model = dnn_model(torch).to(X.device)
    history = {"loss": [], "accuracy": []}
    bar = progress(range(epochs), desc="rings (low-level)", unit="epoch") if show \
        else range(epochs)
    for _ in bar:
        losses, metrics = [], []
        for features, labels in data_iter(torch, X, Y, batch_size):
            loss, metric = seed_train_step(model, features, labels, lr)
            losses.append(loss)
            metrics.append(metric)
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(float(np.mean(metrics)))
        if show:
            bar.set_postfix(loss=history["loss"][-1], acc=history["accuracy"][-1])
    return model, history


def train_nn(torch, X, Y, epochs, lr=0.01, batch_size=20, show=True):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 8), nn.ReLU(),
                          nn.Linear(8, 1), nn.Sigmoid()).to(X.device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCELoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y),
                                         batch_size=batch_size, shuffle=True)
    history = {"loss": [], "accuracy": []}
    bar = progress(range(epochs), desc="rings (nn)", unit="epoch") if show else range(epochs)
    for _ in bar:
        losses, metrics = [], []
        for features, labels in loader:
            opt.zero_grad()
            pred = model(features)
            loss = loss_fn(pred, labels)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            metrics.append(((pred > 0.5).float() == labels).float().mean().item())
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(float(np.mean(metrics)))
        if show:
            bar.set_postfix(loss=history["loss"][-1], acc=history["accuracy"][-1])
    return model, history


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=60,
               api={"choices": ["lowlevel", "nn"], "default": "lowlevel",
                    "help": "the seed's nn.Parameter model (default) or nn.Sequential + Adam"},
               lr={"type": float, "default": 0.01, "help": "learning rate (0.01)"})
    args = p.parse_args(argv)
    torch = numtorch
    dev = device(torch, args.device)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    X, Y = torch.datasets.rings(seed=args.seed)
    X, Y = X.to(dev), Y.to(dev)
    train = train_nn if args.api == "nn" else train_lowlevel

    _, warm_s = timed(lambda: train(torch, X[:40], Y[:40], 1, args.lr, show=False))
    (model, history), train_s = timed(lambda: train(torch, X, Y, args.epochs, args.lr))
    report_times(warm_s, train_s, args.epochs * len(X) // 20)

    with torch.no_grad():
        prob = model(X)
    acc = ((prob > 0.5).float() == Y).float().mean().item()
    print(f"accuracy on all {len(X)} points: {acc:.4f}")
    Xc, Yc, prob = X.cpu(), Y.cpu(), prob.cpu()
    torch.plot.ring_classification(Xc, Yc, prob, path=out_path(args, "ring_classification.png"))
    torch.plot.decision_boundary(lambda g: model(g.to(dev)).cpu(), Xc, Yc,
                                 title=f"learned boundary ({args.api}), accuracy {acc:.3f}",
                                 path=out_path(args, "ring_decision_boundary.png"))
    torch.plot.curves(history, title=f"rings ({args.api}): per-epoch means over batches",
                      path=out_path(args, "ring_training.png"))
    print(f"wrote ring_classification.png, ring_decision_boundary.png and ring_training.png "
          f"to {args.out}/")
    return acc, history


if __name__ == "__main__":
    main()
