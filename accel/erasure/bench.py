"""Measured figures for erasure coding (storage_and_time.md section 4), per backend, side by side
with the peer library `ckzg` (c-kzg-4844) in the same run.

- extend of 2^n source scalars -> 2^n parity scalars (2^(n+1) evaluations): n = 12 (a blob, the same
  input size as the ckzg peer) and n = 15 (one record), more sizes in full mode;
- recover of one record from half of its 2^16 shards (a random half);
- ckzg `compute_cells`: one EIP-7594 blob, 4,096 -> 8,192 evaluations.
Per-element figures are per source element (2^15 for a record, 4,096 for a blob), so the ratio
compares the same work (a 2x extension) per value. `measure()` returns a dict; `bench/benchmarks/
erasure.py` (asv) and `autonomys bench` consume it.

ckzg needs a trusted setup in its text format (4,096 G1 Lagrange points in bit-reversed order,
65 G2 points, 4,096 G1 monomial points). It ships none, so one is derived from the network's own
powers of tau (../shared/data/kzg/eth-public-parameters.bin, a different tau than Ethereum's but the
same format): the first 4,096 G1 monomial powers, the 65 G2 powers, and the Lagrange points as the
inverse FFT of the monomial points over G1 (py_arkworks_bls12381 for the group arithmetic). The
setup's tau does not change compute_cells' cost.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from accel.erasure.constants import MODULUS, SCALAR_BYTES
from accel.erasure.domain import root_of_unity

RECORD_SOURCE = 2**15
BLOB_SOURCE = 4096
G1_BYTES, G2_BYTES = 48, 96
PARAMETERS_ENV = "AUTONOMYS_KZG_PARAMETERS"


def _default_parameters() -> Path:
    env = os.environ.get(PARAMETERS_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kzg" / "eth-public-parameters.bin"


def ckzg_setup_file(parameters: Path | None = None, cache_dir: Path | None = None) -> Path:
    """A c-kzg-4844 trusted-setup text file derived from the network's powers of tau (cached)."""
    parameters = parameters or _default_parameters()
    cache_dir = cache_dir or Path(tempfile.gettempdir()) / "autonomys-bench"
    out = cache_dir / "ckzg_setup_from_subspace_tau.txt"
    if out.is_file():
        return out
    from py_arkworks_bls12381 import G1Point, Scalar  # noqa: PLC0415 - bench-only dependency

    raw = parameters.read_bytes()
    g1_count = 2**15
    monomial = [raw[i * G1_BYTES:(i + 1) * G1_BYTES] for i in range(BLOB_SOURCE)]
    g2 = [raw[g1_count * G1_BYTES + i * G2_BYTES:g1_count * G1_BYTES + (i + 1) * G2_BYTES] for i in range(65)]

    def g1_fft(points: list[Any], root: int) -> list[Any]:  # radix-2, natural order
        if len(points) == 1:
            return points
        even, odd = g1_fft(points[0::2], root * root % MODULUS), g1_fft(points[1::2], root * root % MODULUS)
        half, w, res = len(points) // 2, 1, [None] * len(points)
        for i in range(half):
            t = odd[i] * Scalar(w)
            res[i], res[i + half] = even[i] + t, even[i] - t
            w = w * root % MODULUS
        return res

    inv_root = pow(root_of_unity(BLOB_SOURCE), MODULUS - 2, MODULUS)
    inv_n = Scalar(pow(BLOB_SOURCE, MODULUS - 2, MODULUS))
    lagrange = [p * inv_n for p in g1_fft([G1Point.from_compressed_bytes(b) for b in monomial], inv_root)]
    bits = BLOB_SOURCE.bit_length() - 1
    brp = [int(format(i, f"0{bits}b")[::-1], 2) for i in range(BLOB_SOURCE)]
    lines = [str(BLOB_SOURCE), "65"]
    lines += [lagrange[brp[i]].to_compressed_bytes().hex() for i in range(BLOB_SOURCE)]
    lines += [b.hex() for b in g2]
    lines += [b.hex() for b in monomial]
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(out)
    return out


class _Times(list):
    """Wall-clock seconds per run, with the process CPU seconds of the same runs in `.cpu` (the CPU time
    of all threads: on a shared machine it shows the work when the wall clock shows the load)."""
    cpu: list[float]


def _timed(fn: Callable[[], Any], repeat: int, warmup: bool = True,
           prepare: Callable[[], Any] | None = None) -> _Times:
    """Times of `repeat` runs of fn() (or fn(prepare()) with a fresh untimed argument per run)."""
    if warmup:
        fn() if prepare is None else fn(prepare())  # warm-up: compilation, caches, twiddle tables
    times = _Times()
    times.cpu = []
    for _ in range(repeat):
        arg = None if prepare is None else prepare()
        t, c = time.perf_counter(), time.process_time()
        fn() if prepare is None else fn(arg)
        times.append(time.perf_counter() - t)
        times.cpu.append(time.process_time() - c)
    return times


def _summary(times: list[float], elements: int) -> dict[str, float]:
    med = statistics.median(times)
    out = {"median_s": med, "min_s": min(times), "max_s": max(times),
           "ns_per_element": med / elements * 1e9, "runs": len(times)}
    if getattr(times, "cpu", None):
        out["cpu_median_s"] = statistics.median(times.cpu)
        out["cpu_ns_per_element"] = out["cpu_median_s"] / elements * 1e9
    return out


def random_scalars(count: int, seed: int = 1) -> bytes:
    """`count` canonical scalars (31 random bytes behind a zero byte, as records hold them)."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((count, SCALAR_BYTES), dtype=np.uint8)
    rows[:, 1:] = rng.integers(0, 256, size=(count, SCALAR_BYTES - 1), dtype=np.uint8)
    return rows.tobytes()


def measure(backends: list[str] | None = None, repeat: int = 5, log_source: int = 15,
            with_ckzg: bool = True, recover: bool = True) -> dict[str, Any]:
    """Figures for extend (2^log_source -> 2^(log_source+1)) and recover from half, per backend, and
    ckzg compute_cells. Unavailable backends / peers are reported with the reason instead of numbers."""
    import accel  # noqa: PLC0415

    n = 1 << log_source
    source = random_scalars(n)
    rng = np.random.default_rng(2)
    results: dict[str, Any] = {"source_elements": n, "backends": {}, "ckzg": None}
    for name in backends or list(accel.BACKEND_NAMES):
        try:
            be = accel.backend(name)
        except accel.BackendUnavailable as e:
            results["backends"][name] = {"unavailable": str(e)}
            continue
        entry: dict[str, Any] = {"device": be.device.describe(),
                                 "extend": _summary(_timed(lambda: be.erasure_extend(source), repeat), n)}
        if recover:
            parity = be.erasure_extend(source)
            full = [v for pair in zip([source[i * 32:(i + 1) * 32] for i in range(n)], parity) for v in pair]
            def random_half() -> list[bytes | None]:  # a fresh erasure pattern per run (CPU caches patterns)
                keep = set(rng.permutation(2 * n)[:n].tolist())
                return [v if i in keep else None for i, v in enumerate(full)]

            shards = random_half()
            entry["recover_round_trip_ok"] = be.erasure_recover(shards) == full
            runs = max(1, repeat // 2)
            entry["recover"] = _summary(_timed(be.erasure_recover, runs, warmup=False, prepare=random_half), n)
            entry["recover_same_pattern"] = _summary(_timed(lambda: be.erasure_recover(shards), runs,
                                                            warmup=False), n)
        results["backends"][name] = entry
    if with_ckzg:
        results["ckzg"] = _measure_ckzg(repeat)
        peer = results["ckzg"].get("compute_cells", {}).get("ns_per_element")
        for entry in results["backends"].values():
            if peer and "extend" in entry:
                entry["extend_speedup_vs_ckzg"] = peer / entry["extend"]["ns_per_element"]
    return results


def _ckzg_peer() -> tuple[Callable[[], Any] | None, str]:
    """(one ckzg compute_cells call on a fixed blob, its version), or (None, why it cannot run)."""
    try:
        import ckzg  # noqa: PLC0415 - peer library, bench only
    except ImportError as e:
        return None, f"ckzg not installed ({e}); pip install ckzg"
    try:
        setup = ckzg.load_trusted_setup(str(ckzg_setup_file()), 0)
    except Exception as e:  # noqa: BLE001 - report why the peer could not run
        return None, f"no usable trusted setup for ckzg: {type(e).__name__}: {e}"
    blob = random_scalars(BLOB_SOURCE, seed=3)
    return (lambda: ckzg.compute_cells(blob, setup)), _version("ckzg")


def _measure_ckzg(repeat: int) -> dict[str, Any]:
    peer, version = _ckzg_peer()
    if peer is None:
        return {"unavailable": version}
    return {"version": version, "cells": len(peer()), "compute_cells": _summary(_timed(peer, repeat), BLOB_SOURCE)}


def _timed_pair(fn: Callable[[], Any], peer: Callable[[], Any], repeat: int) -> tuple[_Times, _Times]:
    """Times of fn and peer run alternately (after one warm-up each), so that on a shared machine both
    see the same background load."""
    fn()
    peer()
    ours, theirs = _Times(), _Times()
    ours.cpu, theirs.cpu = [], []
    for _ in range(repeat):
        for f, times in ((peer, theirs), (fn, ours)):
            t, c = time.perf_counter(), time.process_time()
            f()
            times.append(time.perf_counter() - t)
            times.cpu.append(time.process_time() - c)
    return ours, theirs


def _version(package: str) -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version(package)


QUICK_LOG_SIZES = (12, 15)  # extend: a blob's size (the same input as ckzg's) and a record's
FULL_LOG_SIZES = (10, 12, 14, 15, 16)
RECOVER_LOG_SIZE = 15  # recover: one record


def run(backend_name: str, quick: bool = True) -> list:
    """`autonomys bench` figures on `backend_name`, in source elements per second: extend at several
    sizes (2^12 = an EIP-7594 blob, whose peer is ckzg's compute_cells on the same number of values;
    2^15 = one record, compared per element with the same ckzg figure), and recover one record from a
    random half of its shards (no peer: see the note). `extra` holds size and seconds (plots)."""
    from accel.benchmarking import Figure  # noqa: PLC0415

    import accel  # noqa: PLC0415

    repeat = 5 if quick else 9
    peer, note = _ckzg_peer()
    be = accel.backend(backend_name)
    figures = []
    for log_n in QUICK_LOG_SIZES if quick else FULL_LOG_SIZES:
        n = 1 << log_n
        source = random_scalars(n)
        if peer is not None:  # measured alternately with ckzg: the same load for both
            ours, theirs = _timed_pair(lambda: be.erasure_extend(source), peer, repeat)
            p = _summary(theirs, BLOB_SOURCE)
            peer_args = ("ckzg", BLOB_SOURCE / p["median_s"], (
                "ckzg compute_cells of one blob: the same 4,096 -> 8,192 extension (cells in bit-reversed order)"
                if n == BLOB_SOURCE else "ckzg compute_cells on a 4,096-value blob, compared per source element")
                + "; run alternately with this backend")
            peer_range = (BLOB_SOURCE / p["max_s"], BLOB_SOURCE / p["min_s"])
            peer_extra = {"peer_cpu_seconds": p.get("cpu_median_s")}
            if n == BLOB_SOURCE:  # plotted by size only where the peer did that size
                peer_extra["peer_seconds"] = p["median_s"]
        else:
            ours = _timed(lambda: be.erasure_extend(source), repeat)
            peer_args, peer_range, peer_extra = (None, None, note), (None, None), {}
        s = _summary(ours, n)
        figures.append(Figure("erasure", f"extend 2^{log_n} -> 2^{log_n + 1} values", backend_name,
                              n / s["median_s"], "elements/s", n / s["max_s"], n / s["min_s"], s["runs"],
                              *peer_args, {"size": n, "seconds": s["median_s"], "cpu_seconds": s.get("cpu_median_s"),
                                           **peer_extra}, *peer_range))
        if log_n == RECOVER_LOG_SIZE:
            res = measure([backend_name], repeat=repeat, log_source=log_n, with_ckzg=False, recover=True)
            r = res["backends"][backend_name]["recover"]
            figures.append(Figure(
                "erasure", f"recover 2^{log_n + 1} values from a random half of the shards", backend_name,
                n / r["median_s"], "elements/s", n / r["max_s"], n / r["min_s"], r["runs"], None, None,
                "no peer: ckzg recovers cells only together with their KZG proofs "
                "(recover_cells_and_kzg_proofs), a different workload; a new random erasure pattern each run "
                "(extra: seconds_same_pattern, when the pattern recurs)",
                {"size": n, "seconds": r["median_s"], "cpu_seconds": r.get("cpu_median_s"),
                 "seconds_same_pattern": res["backends"][backend_name]["recover_same_pattern"]["median_s"]}))
    return figures
