#!/usr/bin/python3
"""Plain sgemm peer for bench_eval: times numpy float32 U @ V.T at the evaluation shape, computed in
row tiles (so the full score matrix is never held, like the evaluator) with a fixed thread count.

Usage: OPENBLAS_CORETYPE= OPENBLAS_L2_SIZE= /usr/bin/python3 bench/sgemm_probe.py [users items dim threads tile]
Unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for the run (env -u ...): this machine may set them, and
they force a slower OpenBLAS kernel. Prints the median of 5 runs and the BLAS core type in use.
"""
import os
import sys
import time

args = [int(a) for a in sys.argv[1:]]
users, items, dim, threads, tile = (args + [29858, 40981, 64, 2, 2048][len(args):])[:5]
# Thread count must be fixed before numpy loads its BLAS.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)

import numpy as np  # noqa: E402

rng = np.random.default_rng(0)
U = (0.1 * rng.standard_normal((users, dim))).astype(np.float32)
V = (0.1 * rng.standard_normal((items, dim))).astype(np.float32)
Vt = np.ascontiguousarray(V.T)
out = np.empty((tile, items), dtype=np.float32)  # reused: times the multiply, not page faults


def once():
    for start in range(0, users, tile):
        stop = min(users, start + tile)
        np.matmul(U[start:stop], Vt, out=out[: stop - start])


once()  # warm-up
times = []
for _ in range(5):
    t0 = time.perf_counter()
    once()
    times.append(time.perf_counter() - t0)
times.sort()
median = times[len(times) // 2]

info = "threadpoolctl not available"
try:
    from threadpoolctl import threadpool_info

    info = "; ".join(
        f"{p.get('internal_api')} {p.get('version')} arch={p.get('architecture')} threads={p.get('num_threads')}"
        for p in threadpool_info()
    )
except ImportError:
    pass
env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
print(f"sgemm {users}x{items}x{dim} in row tiles of {tile}, {threads} threads: median of 5 = {median:.3f} s "
      f"({2.0 * users * items * dim / median * 1e-9:.1f} GFLOP/s)")
print(f"blas: {info}; env {env}")
