"""The 784-512-512-10 classifier of the seed's FashionMNIST tutorial: train/test loops over
DataLoaders, then save the state_dict, reload it into a fresh model and evaluate in eval().

    python examples/mlp.py                          # synthetic 28x28 digits
    python examples/mlp.py --root ~/data --fashion  # real FashionMNIST IDX files

Writes plots/mlp_training.png and plots/mlp_predictions.png; the checkpoint goes to
--checkpoint (a temporary file by default).
"""

import os
import tempfile

from common import (
    DIGIT_FLAGS,
    digit_setup,
    evaluate,
    out_path,
    parser,
    prediction_grid,
    report_times,
    timed,
    warm_up_step,
)

import numtorch
from numtorch.utils import progress


def neural_network(torch):
    nn = torch.nn

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512), nn.ReLU(),
                nn.Linear(512, 512), nn.ReLU(),
                nn.Linear(512, 10))

        def forward(self, x):
            return self.linear_relu_stack(self.flatten(x))

    return NeuralNetwork()


def train_epoch(torch, dataloader, model, loss_fn, optimizer, dev, desc, show=True):
    model.train()
    bar = progress(dataloader, desc=desc, unit="step") if show else dataloader
    total, n = 0.0, 0
    for X, y in bar:
        X, y = X.to(dev), y.to(dev)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item()
        n += 1
        if show and n % 10 == 0:
            bar.set_postfix(loss=total / n)
    return total / n


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=3, **DIGIT_FLAGS,
               checkpoint={"default": None, "help": "where to save the state_dict"})
    args = p.parse_args(argv)
    torch = numtorch
    dev, train_set, test_set, train_loader, test_loader, classes, source = digit_setup(
        torch, args, 28)
    model = neural_network(torch).to(dev)
    print(model)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    warm_s = warm_up_step(torch, neural_network, train_set, dev)

    def fit():
        history = {"loss": {"train": [], "test": []}, "accuracy": {"test": []}}
        for t in range(args.epochs):
            train_loss = train_epoch(torch, train_loader, model, loss_fn, optimizer, dev,
                                     f"epoch {t + 1}/{args.epochs}")
            test_loss, acc = evaluate(torch, model, test_loader, loss_fn, dev)
            print(f"epoch {t + 1}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
                  f"accuracy {100 * acc:.1f}%")
            history["loss"]["train"].append(train_loss)
            history["loss"]["test"].append(test_loss)
            history["accuracy"]["test"].append(acc)
        return history
    history, train_s = timed(fit)
    report_times(warm_s, train_s, args.epochs * len(train_loader))

    # save, reload into a fresh model, and check it predicts exactly as the trained one
    path = args.checkpoint or os.path.join(tempfile.mkdtemp(), "mlp_model.pt")
    torch.save(model.state_dict(), path)
    reloaded = neural_network(torch).to(dev)
    reloaded.load_state_dict(torch.load(path))
    reloaded.eval()
    _, acc_reloaded = evaluate(torch, reloaded, test_loader, loss_fn, dev)
    print(f"saved the state_dict to {path}; reloaded model's accuracy {100 * acc_reloaded:.1f}% "
          f"(trained model: {100 * history['accuracy']['test'][-1]:.1f}%)")

    prediction_grid(torch, reloaded, test_set, classes, dev,
                    out_path(args, "mlp_predictions.png"))
    torch.plot.curves(history, title=f"784-512-512-10 MLP on {source}",
                      path=out_path(args, "mlp_training.png"))
    print(f"wrote mlp_predictions.png and mlp_training.png to {args.out}/")
    return history, acc_reloaded


if __name__ == "__main__":
    main()
