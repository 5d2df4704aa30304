"""LeNet-5 on MNIST-format digits: the seed tutorial's convolutional network, trained.

    python examples/lenet.py                      # synthetic digits, generated on the fly
    python examples/lenet.py --root ~/data        # real MNIST IDX files under ~/data
    python examples/lenet.py --root ~/data --fashion

Trains with SGD + momentum and CrossEntropyLoss over a DataLoader, reports test accuracy per
epoch, and writes plots/lenet_training.png and plots/lenet_predictions.png.
"""

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


def lenet(torch):
    """The seed's Net: two 5x5 convolutions with 2x2 max pooling, then three linear layers."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

        def num_flat_features(self, x):
            n = 1
            for s in x.size()[1:]:
                n *= s
            return n

    return Net()


def train(torch, model, loader, test_loader, epochs, lr, dev, show=True):
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history = {"loss": {"train": [], "test": []}, "accuracy": {"test": []}}
    for epoch in range(epochs):
        bar = progress(loader, desc=f"epoch {epoch + 1}/{epochs}", unit="step") if show \
            else loader
        total, n = 0.0, 0
        for x, y in bar:
            x, y = x.to(dev), y.to(dev)
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item()
            n += 1
            if show and n % 10 == 0:
                bar.set_postfix(loss=total / n)
        test_loss, acc = evaluate(torch, model, test_loader, loss_fn, dev)
        history["loss"]["train"].append(total / n)
        history["loss"]["test"].append(test_loss)
        history["accuracy"]["test"].append(acc)
        if show:
            print(f"epoch {epoch + 1}: train loss {total / n:.4f}, test loss {test_loss:.4f}, "
                  f"test accuracy {acc:.4f}")
    return history


def main(argv=None):
    p = parser(__doc__.splitlines()[0], epochs=3, **DIGIT_FLAGS)
    args = p.parse_args(argv)
    torch = numtorch
    dev, train_set, test_set, loader, test_loader, classes, source = digit_setup(torch, args, 32)
    model = lenet(torch).to(dev)
    print(model)
    warm_s = warm_up_step(torch, lenet, train_set, dev)
    history, train_s = timed(lambda: train(torch, model, loader, test_loader, args.epochs,
                                           args.lr, dev))
    report_times(warm_s, train_s, args.epochs * len(loader))
    print(f"test accuracy: {history['accuracy']['test'][-1]:.4f}")
    prediction_grid(torch, model, test_set, classes, dev, out_path(args, "lenet_predictions.png"))
    torch.plot.curves(history, title=f"LeNet on {source}",
                      path=out_path(args, "lenet_training.png"))
    print(f"wrote lenet_predictions.png and lenet_training.png to {args.out}/")
    return history


if __name__ == "__main__":
    main()
