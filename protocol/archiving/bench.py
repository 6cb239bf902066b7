"""Measured figures for archiving (storage_and_time.md 5.2-5.3) on one backend: seconds per full
segment (130,023,424 bytes of random history -> 256 pieces) with the time per stage, and seconds to
reconstruct a segment's source records from a random half of its pieces.

`run(backend_name, quick)` follows the `accel.<concept>.bench` convention (`autonomys bench`): quick
mode measures every stage at full size except the record commitments, which it measures on 8 of the
128 records and scales (a 2^15-point MSM costs the same for any random record); full mode archives a
whole random segment and reconstructs it. No peer is measured: the reference archiver (Rust) does
not run here; storage_and_time.md 11 lists no figure for it (its criterion bench has no numbers).

KZG parameters: the network file ($AUTONOMYS_KZG_PARAMETERS, else ../shared/data/kzg/), or the
INSECURE dev setup of the same size when absent (same cost). MSMs run on the measured backend.
"""
from __future__ import annotations

import random
import statistics
import time
from typing import Any

import accel
from accel.benchmarking import Figure
from accel.kzg import Kzg
from accel.kzg.bench import PARAMETERS_ENV, bench_parameters, parameters_path  # noqa: F401 - one file for all
from protocol.archiving.geometry import NETWORK_GEOMETRY, SegmentGeometry
from protocol.archiving.pieces import (encode_segment_pieces, extend_records, record_commitments,
                                       segment_openings, source_records)
from protocol.archiving.reconstructor import parse_pieces, recover_records

SAMPLED_RECORDS = 8  # quick mode: record commitments measured on this many records, scaled to 128
WARM_RECORDS = 2  # committed untimed first: one per thread allocates the MSM scratch a running archiver keeps


def make_kzg(backend: Any, geometry: SegmentGeometry = NETWORK_GEOMETRY) -> Kzg:
    """Kzg on `backend` with the network parameters if present, else dev parameters; powers prepared.

    The parameters are the process-wide object of `accel.kzg.bench.bench_parameters`, so the bases a
    backend prepares are shared by every bench family in the run (prepared once, never timed)."""
    params = bench_parameters(geometry.record_chunks)
    kzg = Kzg(params, backend)
    kzg.bases  # noqa: B018 - prepare the powers once, outside the timings
    return kzg


def random_segment(geometry: SegmentGeometry = NETWORK_GEOMETRY, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(geometry.segment_size)


def time_segment(kzg: Any, backend: Any, segment: bytes, geometry: SegmentGeometry = NETWORK_GEOMETRY
                 ) -> tuple[float, dict[str, float], Any]:
    """(seconds, seconds per stage, encoded segment) for archiving one segment."""
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    encoded = encode_segment_pieces(kzg, backend, segment, geometry, timings=stages)
    return time.perf_counter() - t0, stages, encoded


def estimate_segment(kzg: Any, backend: Any, segment: bytes, geometry: SegmentGeometry = NETWORK_GEOMETRY
                     ) -> tuple[float, dict[str, float]]:
    """Seconds per segment with the record commitments measured on SAMPLED_RECORDS records and scaled."""
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    sources = source_records(segment, geometry)
    records = extend_records(backend, sources)
    stages["erasure"] = time.perf_counter() - t0
    record_commitments(kzg, backend, sources[:WARM_RECORDS])
    t0 = time.perf_counter()
    sample = record_commitments(kzg, backend, sources[:SAMPLED_RECORDS])
    stages["record_commitments"] = (time.perf_counter() - t0) * geometry.source_records / SAMPLED_RECORDS
    commitments_in = sample * (geometry.source_records // SAMPLED_RECORDS)
    t0 = time.perf_counter()
    commitments = kzg.extend_commitments(commitments_in)
    stages["extend_commitments"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    openings = segment_openings(kzg, backend, commitments)
    stages["witnesses"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _ = [records[k].tobytes() + commitments[k] + openings.witnesses[k] for k in range(geometry.pieces)]
    stages["pieces"] = time.perf_counter() - t0
    return sum(stages.values()), stages


def time_reconstruction(backend: Any, pieces: list[bytes], geometry: SegmentGeometry = NETWORK_GEOMETRY,
                        seed: int = 2) -> float:
    """Seconds to recover the source records from a random half of the pieces (no consistency check)."""
    keep = set(random.Random(seed).sample(range(geometry.pieces), geometry.source_records))
    half = [p if k in keep else None for k, p in enumerate(pieces)]
    t0 = time.perf_counter()
    recover_records(backend, parse_pieces(half, geometry), need_parity=False, check_consistency=False)
    return time.perf_counter() - t0


def run(backend_name: str, quick: bool = True) -> list[Figure]:
    be = accel.backend(backend_name)
    kzg = make_kzg(be)
    geometry = NETWORK_GEOMETRY
    segment = random_segment(geometry)
    mb = geometry.segment_size / 1e6
    note = "no peer: the reference archiver (Rust) is not runnable here"
    figures = []
    if quick:
        seconds, stages = estimate_segment(kzg, be, segment, geometry)
        extra = {"seconds_per_segment": seconds, "stages_s": stages, "estimated": True,
                 "note": f"record commitments measured on {SAMPLED_RECORDS} of 128 records and scaled"}
        figures.append(Figure("archiving", "archive one segment (128 random records -> 256 pieces)", be.name,
                              mb / seconds, "MB/s", mb / seconds, mb / seconds, 1, None, None, note, extra))
        return figures
    runs = [time_segment(kzg, be, segment, geometry) for _ in range(2)]
    seconds = [r[0] for r in runs]
    extra = {"seconds_per_segment": statistics.median(seconds), "stages_s": runs[-1][1], "estimated": False}
    figures.append(Figure("archiving", "archive one segment (128 random records -> 256 pieces)", be.name,
                          mb / statistics.median(seconds), "MB/s", mb / max(seconds), mb / min(seconds), len(runs),
                          None, None, note, extra))
    pieces = runs[-1][2].pieces
    rec = [time_reconstruction(be, pieces, geometry, seed) for seed in (2, 3)]
    figures.append(Figure("archiving", "reconstruct one segment from a random half of its pieces", be.name,
                          mb / statistics.median(rec), "MB/s", mb / max(rec), mb / min(rec), len(rec), None, None,
                          note, {"seconds_per_segment": statistics.median(rec)}))
    return figures


if __name__ == "__main__":  # python -m protocol.archiving.bench [backend] [--full]
    import sys

    name = next((a for a in sys.argv[1:] if not a.startswith("-")), "cpu")
    for figure in run(name, quick="--full" not in sys.argv):
        print(figure.as_dict())
