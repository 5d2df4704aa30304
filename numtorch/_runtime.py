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
    # Several processes of one MPI job on a machine (mpiexec -n 2 on 2 cores): each one's
    # OpenBLAS and Numba pools sized for every core oversubscribe it, and a 2-process DDP
    # LeNet step took 9-55 ms against 3.3-4.0 ms with the cores shared out (torchrun sets
    # OMP_NUM_THREADS=1 for the same reason).  The launchers say how many ranks share this
    # machine: OpenMPI's OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's MPI_LOCALNRANKS.
    local = os.environ.get("OMPI_COMM_WORLD_LOCAL_SIZE") or os.environ.get("MPI_LOCALNRANKS")
    if local and local.isdigit() and int(local) > 1:
        share = str(max(1, (os.cpu_count() or 1) // int(local)))
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
            os.environ.setdefault(name, share)


configure_threads()
