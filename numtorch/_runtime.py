"""Process settings numtorch makes when it is imported, each measured on the 2-core machines
the benchmarks run on, applied when this module is imported (numtorch imports it first, before
NumPy, Numba or OpenBLAS load).  A variable the user already set wins."""

import os


def configure_threads():
    # Numba's OpenMP workers spin after each parallel kernel and starve OpenBLAS's threads
    # (and vice versa) on small machines: LeNet steps ran 3x slower.  Passive waiting is set
    # before the OpenMP runtime loads, unless the user chose a policy.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # The same in the other direction: OpenBLAS's workers spin ~0.1 s after each GEMM, and the
    # im2col/col2im kernels between a conv's GEMMs ran 2-3x slower beside them; 2**4 cycles
    # makes them sleep at once.  OpenBLAS reads this when it loads, so it takes effect when
    # numtorch is imported before NumPy (the usual `import numtorch as torch` program).
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


configure_threads()
