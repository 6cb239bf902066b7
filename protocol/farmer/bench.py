"""Measured figures for farming (storage_and_time.md 6-10) on one backend, `run(backend_name, quick)`
as `autonomys bench` expects:

- plotting: records per second (seconds and process core-seconds per record in `extra`, and the
  1,000-piece sector estimate); the issue's targets are at most 0.6 core-seconds per record on the CPU
  and under 2.5 s per 1,000-piece sector on an H100-class GPU;
- auditing: `audit_farm` of a farm of 1,000 sectors of 1,000 pieces read from page cache (one sparse
  file with the s-bucket sizes of a full sector: 500 chunks in every s-bucket, so each sector's read
  and keyed hashes are a real sector's; target: 1,000 sectors under 100 ms);
- proving: solutions per second (target under 750 ms on the CPU) and the solution's encoded size
  (target under 1 KB);
- verification: `verify_solution` calls per second (target under 10 ms), without the piece check.

The plotted piece is synthetic (a random canonical record with its real KZG commitment, so the solution
verifies); quick mode plots two records and times one proof, full mode four and times three, each timed
proof on a record not proved before (the first proof is an untimed warm-up). KZG parameters as in
`protocol.archiving.bench`. No peer is measured (the reference farmer does not run here).
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import accel
from accel.benchmarking import Figure
from protocol.constants import PIECE_SIZE, RECORD_NUM_S_BUCKETS, RECORD_SIZE, WITNESS_SIZE
from protocol.farmer.audit import audit_farm, audit_sector
from protocol.farmer.layout import SectorMetadata, sector_size
from protocol.farmer.plotting import PlottedSector, plot_sector
from protocol.farmer.sector import global_challenge, sector_id

PUBLIC_KEY = bytes(range(32))
FULL_SECTOR = 1000  # pieces in a mainnet-size sector
U64_MAX = 2**64 - 1


def _kzg(be):
    from protocol.archiving.bench import make_kzg  # noqa: PLC0415

    try:
        return make_kzg(be), be.name
    except (NotImplementedError, AttributeError):  # no MSM on this backend: commitments on the CPU
        return make_kzg(accel.backend("cpu")), "cpu"


def _piece_getter(kzg, seed: int = 7):
    rng = np.random.default_rng(seed)
    record = rng.integers(0, 256, RECORD_SIZE, dtype=np.uint8).reshape(-1, 32)
    record[:, 0] = 0  # canonical scalars
    record = record.tobytes()
    piece = record + kzg.commit(record) + bytes(WITNESS_SIZE)
    assert len(piece) == PIECE_SIZE
    return lambda _index: piece


def _full_sectors_for_audit(directory: Path, count: int) -> list[PlottedSector]:
    """`count` mainnet-size sectors (1,000 pieces, a full sector's s-bucket sizes) over one sparse file:
    auditing reads one s-bucket per sector, which each sector id puts elsewhere, from the page cache."""
    path = directory / "audit.plot"
    with open(path, "wb") as f:
        f.truncate(sector_size(FULL_SECTOR))
    sizes = np.full(RECORD_NUM_S_BUCKETS, FULL_SECTOR // 2, dtype=np.uint16)
    return [PlottedSector(i, 1, FULL_SECTOR, sector_id(PUBLIC_KEY, i, 1), [], SectorMetadata(i, FULL_SECTOR, sizes, 1),
                          path, path) for i in range(count)]


def run(backend_name: str, quick: bool = True) -> list[Figure]:
    from protocol.consensus import verify_solution  # noqa: PLC0415
    from protocol.farmer.proving import candidate_record, prove_candidate  # noqa: PLC0415
    from protocol.farmer.reading import read_contents_map  # noqa: PLC0415

    be = accel.backend(backend_name)
    kzg, kzg_backend = _kzg(be)
    getter = _piece_getter(kzg)
    records = 2 if quick else 4  # the timed proofs need records other than the warm-up's
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="farm-bench-") as tmp:
        farm = Path(tmp)
        be.encode_record(bytes(32), getter(0)[:RECORD_SIZE])  # warm-up: compile kernels, build programs
        t0, c0 = time.perf_counter(), time.process_time()
        sector = plot_sector(be, PUBLIC_KEY, 0, 1, records, getter, farm)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        per_record = wall / records
        figures.append(Figure("farming", f"plot a {records}-record sector (per record)", be.name, 1 / per_record,
                              "records/s", 1 / per_record, 1 / per_record, 1, None, None,
                              "targets: <= 0.6 core-s/record (CPU), < 2.5 s per 1,000-piece sector (H100)",
                              {"seconds_per_record": per_record, "core_seconds_per_record": cpu / records,
                               "seconds_per_1000_piece_sector": per_record * FULL_SECTOR}))

        farm_sectors = _full_sectors_for_audit(farm, FULL_SECTOR)
        slots = 10 if quick else 50
        challenges = [global_challenge(s.to_bytes(16, "little"), s) for s in range(slots + 1)]
        audit_farm(be, farm_sectors, challenges[-1], U64_MAX // 1000)  # warm-up (and page cache)
        times = []
        for challenge in challenges[:slots]:
            t0 = time.perf_counter()
            audit_farm(be, farm_sectors, challenge, U64_MAX // 1000)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        figures.append(Figure("farming", f"audit a farm of {FULL_SECTOR} 1,000-piece sectors (page cache)", be.name,
                              1 / med, "farms/s", 1 / max(times), 1 / min(times), slots, None, None,
                              "target: 1,000 sectors under 100 ms",
                              {"ms_per_1000_sectors": med * 1e3, "ms_per_sector": med}))

        contents = read_contents_map(sector)
        wanted = 1 if quick else 3
        prove_times, verify_times, solution = [], [], None
        # Each timed solution comes from a record not proved before in this process: a farmer rarely
        # proves the same record twice, and the erasure code caches a record's recovery pattern. The
        # first solution is proved untimed (it loads each kernel of the path).
        proved: set[int] = set()
        for slot in range(64):
            pot = slot.to_bytes(16, "little")
            challenge = global_challenge(pot, slot)
            for candidate in audit_sector(be, sector, challenge, U64_MAX):
                offset, encoded = candidate_record(contents, candidate.s_bucket, candidate.chunk_index)
                if not encoded or offset in proved:
                    continue
                if not proved:
                    prove_candidate(be, kzg, sector, candidate, PUBLIC_KEY, bytes(32), contents)
                    proved.add(offset)
                    continue
                t0 = time.perf_counter()
                found = prove_candidate(be, kzg, sector, candidate, PUBLIC_KEY, bytes(32), contents)
                prove_times.append(time.perf_counter() - t0)
                proved.add(offset)
                solution = found
                for _ in range(5 if quick else 20):
                    t0 = time.perf_counter()
                    verify_solution(found, slot, pot, U64_MAX, kzg)
                    verify_times.append(time.perf_counter() - t0)
                break
            if len(prove_times) >= wanted:
                break
        if solution is None:
            raise RuntimeError("farming bench: no provable candidate in 64 slots")
        med = statistics.median(prove_times)
        figures.append(Figure("farming", "prove one solution (decode record, chunk witness)", be.name, 1 / med,
                              "solutions/s", 1 / max(prove_times), 1 / min(prove_times), len(prove_times), None, None,
                              f"target: < 750 ms on the CPU; KZG on {kzg_backend}", {"ms_per_solution": med * 1e3}))
        size = len(solution.encode())
        figures.append(Figure("farming", "solution size (target < 1 KB)", be.name, size, "bytes", size, size, 1))
        med = statistics.median(verify_times)
        figures.append(Figure("farming", "verify_solution (no piece check)", be.name, 1 / med, "verifications/s",
                              1 / max(verify_times), 1 / min(verify_times), len(verify_times), None, None,
                              "target: < 10 ms", {"ms_per_verification": med * 1e3}))
    return figures


if __name__ == "__main__":
    import sys

    for fig in run(sys.argv[1] if len(sys.argv) > 1 else "cpu", quick=os.environ.get("FULL") is None):
        print(f"{fig.what:55s} {fig.backend:7s} {fig.value:10.4g} {fig.unit:16s} {fig.extra}")
