"""Compile a backend's kernels ahead of use: `autonomys warmup [--backend ...]`, run by scripts/setup.sh.

The CPU backend's kernels are numba functions compiled on first call and cached on disk (`cache=True`,
in the package's __pycache__); the OpenCL/CUDA programs are built on first use and cached by the
driver. Compiling everything takes minutes on a small machine (about 3-4 CPU minutes for the CPU
backend on the 2-core CI machine), which otherwise lands on the first plot, the first node start or the
first `autonomys bench` run (issue 11: the quick bench must finish in 5 minutes). Warming up runs
each kernel family once on tiny inputs of the same types as real work, so the cached machine code is
exactly what real calls load.

Each step is timed, and a step that fails is reported with its error instead of stopping the rest
(a kernel that does not compile here will fail the same way when used, with the same message).
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

import accel

RECORD_SCALARS = 1 << 15  # one record: the sizes that pick the multi-threaded kernels
SMALL_SCALARS = 1 << 12  # below the erasure code's single-thread threshold


def _scalars(n: int, seed: int) -> bytes:
    rows = np.random.default_rng(seed).integers(0, 256, (n, 32), dtype=np.uint8)
    rows[:, 0] = 0  # canonical: below r
    return rows.tobytes()


def _steps(be) -> list[tuple[str, Callable[[], object]]]:
    def hashing() -> None:
        be.chacha8_keystream([bytes(32)], 4)
        be.blake3_hash_many(np.zeros((4, 160), dtype=np.uint8))
        be.blake3_hash_runs(np.zeros((128, 32), dtype=np.uint8), np.zeros((2, 32), dtype=np.uint8), [64, 64], 8)

    def pos() -> None:
        table = be.pos_table(bytes(32), 15)
        table.find_proofs(range(64))

    def erasure() -> None:
        for n in (SMALL_SCALARS, RECORD_SCALARS):
            source = _scalars(n, n)
            parity = be.erasure_extend(source)
            shards: list[bytes | None] = [None] * (2 * n)  # interleaved: 2i = source i, 2i + 1 = parity i
            shards[1::2] = list(parity)  # only the parity half present
            be.erasure_recover(shards)
            be.fr_ifft(source)
        be.fr_quotient(_scalars(64, 2), 5)

    def msm() -> None:
        from accel.kzg import dev_parameters  # noqa: PLC0415 - loads the curve library

        params = dev_parameters(64)
        bases = be.msm_prepare(params.g1_powers)
        bases.msm(_scalars(64, 1))

    def pot() -> None:
        checkpoints = be.pot_prove(bytes(16), 16 * 8)
        be.pot_verify(bytes(16), 16 * 8, checkpoints)
        be.pot_verify_many([(bytes(16), 16 * 8, checkpoints)] * 2)

    def encoding() -> None:
        record = _scalars(RECORD_SCALARS, 3)
        encoded = be.encode_record(bytes(32), record, k=15)
        be.decode_record(bytes(32), encoded, k=15)

    return [("hashing", hashing), ("proof of space", pos), ("erasure coding", erasure), ("msm", msm),
            ("proof of time", pot), ("record encoding", encoding)]


def warm_up(backend_name: str = "cpu", report: Callable[[str, float, str | None], None] | None = None
            ) -> dict[str, str | None]:
    """Run every kernel family of `backend_name` once; {family: None or the error text}. `report(family,
    seconds, error)` is called after each step."""
    be = accel.backend(backend_name)
    results: dict[str, str | None] = {}
    for name, step in _steps(be):
        t0 = time.perf_counter()
        try:
            step()
            error = None
        except Exception as e:  # noqa: BLE001 - reported per family; the others still compile
            error = f"{type(e).__name__}: {e}"
        results[name] = error
        if report is not None:
            report(name, time.perf_counter() - t0, error)
    return results
