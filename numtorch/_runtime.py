"""Process settings numtorch makes when it is imported, each measured on the 2-core machines
the benchmarks run on, applied when this module is imported (numtorch imports it first, before
NumPy, Numba or OpenBLAS load).  A variable the user already set wins."""

import os


def configure_threads():
    # OpenMP workers (Numba's, and PyTorch's in the same process) spin after each parallel
    # kernel.  libgomp's default spin (300,000 rounds, about a millisecond) starves OpenBLAS's
    # GEMM threads on small machines: LeNet steps ran 3x slower.  Sleeping at once (PASSIVE)
    # costs a thread wake-up per parallel kernel instead, 60-70 us on the 2-core VMs, and a
    # 256x1024 sum(0) ran 20x slower.  A short spin, 1,000 rounds (20-50 us), keeps kernels
    # launched back to back warm and frees the core before a GEMM needs it.  Intel's OpenMP
    # sleeps at once.  Set before the OpenMP runtime loads, unless the user chose a policy.
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "1000")
        os.environ.setdefault("KMP_BLOCKTIME", "0")
    # The same in the other direction: OpenBLAS's workers spin ~0.1 s after each GEMM, and the
    # im2col/col2im kernels between a conv's GEMMs ran 2-3x slower beside them; 2**4 cycles
    # makes them sleep at once.  OpenBLAS reads this when it loads, so it takes effect when
    # numtorch is imported before NumPy (the usual `import numtorch as torch` program).
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


configure_threads()
