"""Quick benchmark of the proof-of-space tables (pos.md) against chiapos measured in the same run.

Two figures per backend, both at the network's K=20:
* tables per second: `be.pos_table(seed, 20)`, all seven tables of one seed (what plotting one record
  needs, pos.md 9);
* challenges per second: `table.prove_many` over all 65,536 s-buckets of a record (each answer is the
  first proof in table-7 order, or none; about 62% have one).

The peer is chiapos (Chia's C++ plotter and prover, `pip install chiapos`, part of the bench extra)
when it imports, else the figure says it is unavailable. Its workload differs and the note says how:
`DiskPlotter` writes a complete Chia plot file (forward propagation, backpropagation, compression; tmp
files in a temporary directory), and its prover answers a 32-byte challenge with
`get_qualities_for_challenge` plus `get_full_proof` from the plot file.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import time
import tracemalloc
from typing import Iterator

import numpy as np

import accel
from accel.benchmarking import Figure, measure_rate
from accel.plotting.constants import K_PRODUCTION, NUM_S_BUCKETS

BENCH_SEED = bytes.fromhex("23023404333717545b0a6f0c0dde9710e4d3fe2d5cc6cc0a090a0b818bab0f17")  # pos.json K=20 seed
CHIAPOS_BUFFER_MB = 500  # chiapos DiskPlotter settings: memory buffer, sort buckets, stripe size
CHIAPOS_BUCKETS = 16
CHIAPOS_STRIPE = 8192


@contextlib.contextmanager
def _quiet_native_output() -> Iterator[None]:
    """Silence stdout/stderr at the file-descriptor level: chiapos' C++ plotter logs every bucket."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def _chiapos_peer(k: int, repeats: int, challenges: int) -> tuple[float | None, float | None, str]:
    """(plots/s, challenges/s, note) of chiapos at K=k, or (None, None, why not)."""
    try:
        from chiapos import DiskPlotter, DiskProver  # noqa: PLC0415 - optional peer (bench extra)
    except ImportError as e:
        return None, None, f"chiapos unavailable ({e}); pip install chiapos"
    threads = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="chiapos-bench-") as d:
        def plot(name: str) -> str:
            with _quiet_native_output():
                DiskPlotter().create_plot_disk(d, d, d, name, k, bytes(48), BENCH_SEED, CHIAPOS_BUFFER_MB,
                                               CHIAPOS_BUCKETS, CHIAPOS_STRIPE, threads, False)
            return os.path.join(d, name)

        try:
            times = []
            path = ""
            for i in range(repeats):
                t0 = time.perf_counter()
                path = plot(f"bench{i}.plot")
                times.append(time.perf_counter() - t0)
                if i + 1 < repeats:
                    os.remove(path)
            prover = DiskProver(path)
            chs = [hashlib.sha256(i.to_bytes(4, "little")).digest() for i in range(challenges)]
            t0 = time.perf_counter()
            for c in chs:
                if prover.get_qualities_for_challenge(c):
                    prover.get_full_proof(c, 0)
            prove_rate = challenges / (time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - report why the peer could not run
            return None, None, f"chiapos failed: {e}"
    return 1 / float(np.median(times)), prove_rate, (
        f"chiapos {k=}: full Chia disk plot ({threads} threads, tmp files), proofs via "
        "qualities + full proof from the plot file; different format, same K")


def _peak_memory(be, build) -> int:
    """Peak bytes one table build holds: device memory (buffers of the backend's GpuDevice) on a GPU
    backend, traced host allocations (numpy reports its buffers to tracemalloc) on the CPU."""
    gpu = getattr(be, "gpu", None)
    if gpu is not None and hasattr(gpu, "reset_peak"):
        gpu.reset_peak()
        base = gpu.live_bytes
        table = build()
        gpu.synchronize()
        peak = gpu.peak_bytes - base
        del table
        return peak
    tracemalloc.start()
    try:
        table = build()
        peak = tracemalloc.get_traced_memory()[1]
        del table
    finally:
        tracemalloc.stop()
    return peak


def run(backend_name: str, quick: bool = True) -> list[Figure]:
    be = accel.backend(backend_name)
    k = K_PRODUCTION
    repeats = 3 if quick else 5
    table = be.pos_table(BENCH_SEED, k)  # also the warm-up: numba compile / kernel build
    cpu0 = time.process_time()
    rate, low, high = measure_rate(lambda: be.pos_table(BENCH_SEED, k), 1, repeats, warmup=0)
    core_seconds = (time.process_time() - cpu0) / repeats  # CPU time of this process: all numba threads
    peer_tables, peer_proofs, note = _chiapos_peer(k, 1 if quick else 3, 500 if quick else 4000)
    extra = {"core_seconds_per_table": core_seconds, "target_core_seconds_cpu": 1.5} if be.name == "cpu" else {}
    extra["peak_memory_mb_per_table"] = _peak_memory(be, lambda: be.pos_table(BENCH_SEED, k)) / 2**20
    figures = [Figure("pos-table", f"all 7 tables, K={k}", be.name, rate, "tables/s", low, high, repeats,
                      "chiapos DiskPlotter", peer_tables, note, extra)]
    challenges = np.arange(NUM_S_BUCKETS, dtype=np.uint32)
    rate, low, high = measure_rate(lambda: table.prove_many(challenges), NUM_S_BUCKETS, repeats + 1)
    figures.append(Figure("pos-prove", f"{NUM_S_BUCKETS} s-bucket challenges, K={k}", be.name, rate, "challenges/s",
                          low, high, repeats + 1, "chiapos DiskProver", peer_proofs, note))
    return figures
