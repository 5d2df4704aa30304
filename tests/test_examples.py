"""The demos in examples/: each runs (tiny settings, temporary output folder), writes PNGs that
decode and are not blank, and the two seed demos reach their results at default settings."""

import os
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest

import numtorch

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
sys.path.insert(0, EXAMPLES)

import lenet  # noqa: E402
import mlp  # noqa: E402
import regression  # noqa: E402
import ring_classification  # noqa: E402


def assert_pictures(folder, names):
    for name in names:
        path = os.path.join(folder, name)
        assert os.path.isfile(path), f"{name} was not written"
        img = mpimg.imread(path)
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100, img.shape
        # a blank (one-colour) picture has zero variance
        assert img[..., :3].std() > 0.02, f"{name} looks blank"


def test_regression_lowlevel_recovers_w_and_b(tmp_path):
    w, b, w_true, b_true, losses = regression.main(["--out", str(tmp_path)])
    np.testing.assert_allclose(w.numpy(), w_true.numpy(), atol=0.1)
    assert abs(b.item() - b_true.item()) < 0.4
    assert losses[-1] < losses[0] / 5
    assert_pictures(tmp_path, ["regression_fit.png", "regression_loss.png"])


def test_regression_nn_api_recovers_w_and_b(tmp_path):
    w, b, w_true, b_true, _ = regression.main(["--api", "nn", "--epochs", "25",
                                               "--out", str(tmp_path)])
    np.testing.assert_allclose(w.numpy(), w_true.numpy(), atol=0.15)
    assert abs(b.item() - b_true.item()) < 0.5


def test_ring_classification_default_beats_0_9(tmp_path):
    acc, history = ring_classification.main(["--out", str(tmp_path)])
    assert acc >= 0.9
    assert history["loss"][-1] < history["loss"][0]
    assert_pictures(tmp_path, ["ring_classification.png", "ring_decision_boundary.png",
                               "ring_training.png"])


def test_ring_classification_nn_api(tmp_path):
    acc, _ = ring_classification.main(["--api", "nn", "--epochs", "8", "--out", str(tmp_path)])
    assert acc >= 0.85
    assert_pictures(tmp_path, ["ring_decision_boundary.png"])


def test_lenet_learns_synthetic_digits(tmp_path):
    history = lenet.main(["--epochs", "2", "--n-train", "3000", "--lr", "0.03", "--out",
                          str(tmp_path)])
    assert history["accuracy"]["test"][-1] > 0.5  # chance is 0.1
    assert_pictures(tmp_path, ["lenet_predictions.png", "lenet_training.png"])


def test_mlp_checkpoint_round_trip(tmp_path):
    ckpt = tmp_path / "mlp.pt"
    history, acc_reloaded = mlp.main(["--epochs", "1", "--n-train", "1200", "--out",
                                      str(tmp_path), "--checkpoint", str(ckpt)])
    assert ckpt.is_file()
    assert acc_reloaded == history["accuracy"]["test"][-1]
    assert acc_reloaded > 0.3
    assert_pictures(tmp_path, ["mlp_predictions.png", "mlp_training.png"])


@pytest.mark.parametrize("script,args", [("regression.py", ["--epochs", "2"]),
                                         ("ring_classification.py", ["--epochs", "1"]),
                                         ("lenet.py", ["--epochs", "1", "--n-train", "300"]),
                                         ("mlp.py", ["--epochs", "1", "--n-train", "300"])])
def test_scripts_run_from_the_command_line(script, args, tmp_path):
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args, "--out",
                        str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "JIT warm-up" in r.stdout and "training:" in r.stdout
    assert any(f.endswith(".png") for f in os.listdir(tmp_path))


def test_cuda_request_without_a_gpu_exits_clearly(tmp_path):
    if numtorch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(SystemExit, match="no CUDA GPU"):
        regression.main(["--device", "cuda", "--out", str(tmp_path)])
