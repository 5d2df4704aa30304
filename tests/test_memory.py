"""No leaks: long training runs keep the process's memory flat (each step's graph and saved
tensors are freed) and Numba compiles no new kernel variants as batch shapes change.

Each run happens in a fresh subprocess that reports its RSS (from /proc) after a warm-up and
at the end.  NUMTORCH_MEMORY_STEPS sets the steps (10,000 by default, the issue's bar)."""

import json
import os
import subprocess
import sys

import pytest

STEPS = int(os.environ.get("NUMTORCH_MEMORY_STEPS", "10000"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = """
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[3], "examples"))
import numpy as np
import numtorch as nt
from numtorch.kernels.cpu import conv, elementwise, indexing, optim, reduction

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def variants():
    return sum(len(getattr(mod, k).signatures) for mod in (conv, elementwise, indexing, optim,
               reduction) for k in dir(mod) if hasattr(getattr(mod, k), "signatures"))

which, steps = sys.argv[1], int(sys.argv[2])
nt.manual_seed(0)
if which == "mlp":
    from mlp import neural_network
    model, shape = neural_network(nt), (1, 28, 28)
else:
    from lenet import lenet
    model, shape = lenet(nt), (1, 32, 32)
opt = nt.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
rng = np.random.default_rng(0)
batch = 64 if which == "mlp" else 8
data = [nt.from_numpy(rng.standard_normal((b,) + shape).astype(np.float32))
        for b in (batch, batch - 3, batch - 5)]  # the last batch of an epoch is often short
labels = [nt.from_numpy(rng.integers(0, 10, len(x))) for x in data]
marks = {}
for step in range(steps):
    x, y = data[step % 3], labels[step % 3]
    opt.zero_grad()
    loss = nt.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    if step == steps // 10:
        marks["warm_rss"], marks["warm_variants"] = rss_mb(), variants()
marks["end_rss"], marks["end_variants"] = rss_mb(), variants()
marks["loss"] = loss.item()
print(json.dumps(marks))
"""

_VARIANT_CAP = {"mlp": 12, "lenet": 20}


@pytest.mark.parametrize("which", ["mlp", "lenet"])
def test_long_training_keeps_memory_flat(which):
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("RSS is read from /proc (Linux)")
    r = subprocess.run([sys.executable, "-c", CHILD, which, str(STEPS), ROOT],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads(r.stdout.strip().splitlines()[-1])
    growth = m["end_rss"] - m["warm_rss"]
    assert growth < 8.0, f"{which}: RSS grew {growth:.1f} MB over {STEPS} steps ({m})"
    assert m["end_variants"] == m["warm_variants"], m  # no new compiled kernels per shape
    # and few in all (8 for the MLP, 14 for LeNet today): more means a dispatch path now
    # compiles per layout or rank, which every user pays for in cold-start time
    assert m["end_variants"] <= _VARIANT_CAP[which], m
    assert m["loss"] == m["loss"]  # the run trained (not NaN)
