"""Every CPU benchmark, each in its own process, then the geometric mean of the ratios.

    python benchmarks/run_all.py [--load] [--skip demos]

Prints each benchmark's own table as it runs, then one line per workload (numtorch's time
over PyTorch's, same process run) and their geometric mean.  `--load` is passed on: each
benchmark then runs with one core kept busy by a separate process.
"""

import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = ("core", "autograd", "nn", "demos")


def main(argv):
    skip = set(argv[argv.index("--skip") + 1].split(",")) if "--skip" in argv else set()
    flags = ["--load"] if "--load" in argv else []
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "ratios.jsonl")
        env = dict(os.environ, NUMTORCH_BENCH_LOG=log)
        for name in BENCHMARKS:
            if name in skip:
                continue
            print(f"\n== bench_{name}.py {' '.join(flags)}", flush=True)
            subprocess.run([sys.executable, os.path.join(HERE, f"bench_{name}.py"), *flags],
                           env=env, check=True)
        rows = [json.loads(line) for line in open(log)] if os.path.exists(log) else []
    if not rows:
        print("no ratios (PyTorch not installed?)")
        return
    print(f"\n{'workload':46s} {'nt/torch':>9s}")
    for r in rows:
        print(f"{r['case']:46s} {r['ratio']:9.2f}")
    geomean = math.exp(sum(math.log(r["ratio"]) for r in rows) / len(rows))
    print(f"{'geometric mean (' + str(len(rows)) + ' workloads)':46s} {geomean:9.2f}"
          f"   {'one core busy' if flags else 'quiet'}")


if __name__ == "__main__":
    main(sys.argv[1:])
