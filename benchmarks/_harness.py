"""What every CPU benchmark shares: the `--load` flag and a machine-readable ratio log.

`--load` starts a separate process that keeps one core busy (a Python busy loop, at normal
priority, as a browser tab or a second notebook would) for as long as the benchmark runs, and
stops it at exit: a user's laptop is never idle, and thread policies that look fine on an
empty machine fall over on a shared one.

With NUMTORCH_BENCH_LOG=path each benchmark appends one JSON line per case ({"case", "ratio"},
numtorch's time over PyTorch's), which `run_all.py` reads to print the geometric mean.
"""

import atexit
import json
import os
import subprocess
import sys
import time

LOADED = "--load" in sys.argv


def start_load():
    """Start the busy-loop process (once); it is killed when this process exits."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    atexit.register(proc.kill)
    time.sleep(0.2)  # let it reach its loop before anything is timed
    return proc


if LOADED:
    start_load()


def banner():
    print(f"machine: {os.cpu_count()} cores, "
          f"{'one core kept busy by another process (--load)' if LOADED else 'quiet'}")


def log_ratio(case, ours, ref):
    path = os.environ.get("NUMTORCH_BENCH_LOG")
    if path and ref:
        with open(path, "a") as f:
            f.write(json.dumps({"case": case, "ratio": ours / ref, "loaded": LOADED}) + "\n")
