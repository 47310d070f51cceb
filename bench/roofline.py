#!/usr/bin/env python3
"""This machine's roofline, measured with NumPy (OpenBLAS) as the reference for docs/performance.md.

Peak compute: float32 matrix products (sgemm) of 2048 x 2048 x 2048, on 1 thread and on all threads.
Memory bandwidth: copying a 256 MiB float32 array (bytes read + bytes written per second) and the STREAM
triad a = b + s * c (3 arrays of 128 MiB: two read, one written).

Not part of the TypeScript project or its tests (NumPy is not a dependency); run it by hand:
    python3 bench/roofline.py [--runs N]
Each figure is the median of N runs (default 5). Thread counts are set through OPENBLAS_NUM_THREADS in a
fresh interpreter, since OpenBLAS reads it when it loads.
"""
import json
import os
import statistics
import subprocess
import sys
import time

CHILD = r'''
import json, sys, time
import numpy as np
runs = int(sys.argv[1])
n = 2048
rng = np.random.default_rng(0)
a = rng.standard_normal((n, n), dtype=np.float32)
b = rng.standard_normal((n, n), dtype=np.float32)
a @ b  # warm-up
gflops = []
for _ in range(runs):
    t = time.perf_counter(); a @ b; dt = time.perf_counter() - t
    gflops.append(2 * n ** 3 / dt / 1e9)
print(json.dumps(gflops))
'''


def sgemm(threads: int, runs: int) -> list[float]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, '-c', CHILD, str(runs)], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def bandwidth(runs: int) -> tuple[list[float], list[float]]:
    import numpy as np
    size = 256 * 2 ** 20 // 4
    src = np.ones(size, dtype=np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # touch every page first
    copy = []
    for _ in range(runs):
        t = time.perf_counter(); np.copyto(dst, src); dt = time.perf_counter() - t
        copy.append(2 * src.nbytes / dt / 1e9)
    half = size // 2
    b = np.ones(half, dtype=np.float32); c = np.ones(half, dtype=np.float32); a = np.empty_like(b)
    np.multiply(c, 3.0, out=a); np.add(a, b, out=a)
    triad = []
    for _ in range(runs):
        # a = b + 3 c in one pass per operation would need numexpr; two passes read c, b and a and write a twice
        t = time.perf_counter(); np.multiply(c, 3.0, out=a); np.add(a, b, out=a); dt = time.perf_counter() - t
        triad.append((2 * a.nbytes + 2 * a.nbytes + b.nbytes + c.nbytes) / dt / 1e9)
    return copy, triad


def main() -> None:
    runs = int(sys.argv[sys.argv.index('--runs') + 1]) if '--runs' in sys.argv else 5
    threads = os.cpu_count() or 1
    one = sgemm(1, runs)
    every = sgemm(threads, runs)
    copy, triad = bandwidth(runs)
    med = statistics.median
    print(f'sgemm 2048^3, 1 thread:        {med(one):7.1f} GFLOP/s  (runs: {", ".join(f"{x:.1f}" for x in one)})')
    print(f'sgemm 2048^3, {threads} threads:       {med(every):7.1f} GFLOP/s  (runs: {", ".join(f"{x:.1f}" for x in every)})')
    print(f'copy 256 MiB (read + write):   {med(copy):7.1f} GB/s')
    print(f'triad-like passes (2 ops):     {med(triad):7.1f} GB/s')
    print(f'ridge point (all threads):     {med(every) / med(copy):7.1f} FLOP per byte')


if __name__ == '__main__':
    main()
