"""The process settings `import numtorch` makes (numtorch/_runtime.py), checked in fresh
interpreters because they only take effect before the OpenMP and BLAS runtimes load."""

import json
import os
import subprocess
import sys

KEYS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "OPENBLAS_THREAD_TIMEOUT")


def _settings_after_import(**env):
    clean = {k: v for k, v in os.environ.items() if k not in KEYS}
    clean.update(env)
    code = ("import json, os, numtorch; "
            f"print(json.dumps({{k: os.environ.get(k) for k in {KEYS!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_short_openmp_spin_and_sleeping_blas_threads_by_default():
    s = _settings_after_import()
    assert s == {"OMP_WAIT_POLICY": None, "GOMP_SPINCOUNT": "1000", "KMP_BLOCKTIME": "0",
                 "OPENBLAS_THREAD_TIMEOUT": "4"}


def test_the_users_choices_win():
    s = _settings_after_import(OMP_WAIT_POLICY="ACTIVE", OPENBLAS_THREAD_TIMEOUT="20")
    assert s == {"OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": None, "KMP_BLOCKTIME": None,
                 "OPENBLAS_THREAD_TIMEOUT": "20"}
    assert _settings_after_import(GOMP_SPINCOUNT="50")["GOMP_SPINCOUNT"] == "50"
