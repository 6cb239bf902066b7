"""Auditing a farm for one slot (storage_and_time.md 7): per sector, read the challenged s-bucket
(one contiguous read), hash every chunk keyed with the sector slot challenge on the backend, and keep
the chunks within half the solution range of the global challenge, nearest first.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

import numpy as np

from protocol.constants import SCALAR_BYTES
from protocol.farmer.contents_map import contents_map_size
from protocol.farmer.plotting import PlottedSector


@dataclass(frozen=True)
class AuditCandidate:
    sector_index: int
    s_bucket: int
    chunk_index: int  # index of the chunk inside the s-bucket
    distance: int
    chunk: bytes  # the stored (masked) chunk


def s_bucket_extent(sector: PlottedSector, s_bucket: int) -> tuple[int, int]:
    """(byte offset in the sector file, chunks) of one s-bucket's stored chunks (spec 6.4 layout)."""
    starts = sector.metadata.s_bucket_starts
    offset = contents_map_size(sector.pieces_in_sector) + int(starts[s_bucket]) * SCALAR_BYTES
    return offset, int(starts[s_bucket + 1] - starts[s_bucket])


def read_s_bucket(sector: PlottedSector, s_bucket: int) -> bytes:
    """The stored chunks of one s-bucket of a sector (32 bytes each, records in piece-offset order)."""
    offset, count = s_bucket_extent(sector, s_bucket)
    length = count * SCALAR_BYTES
    with open(sector.path, "rb") as f:
        data = os.pread(f.fileno(), length, offset)
    if len(data) != length:
        raise ValueError(f"sector {sector.sector_index}: file too short reading s-bucket {s_bucket}")
    return data


def audit_sector(backend, sector: PlottedSector, global_challenge: bytes, solution_range: int) -> list[AuditCandidate]:
    """Candidates of one sector for this slot, by ascending distance (stable: equal distances keep chunk order)."""
    return audit_farm(backend, [sector], global_challenge, solution_range)


def audit_farm(backend, sectors: list[PlottedSector], global_challenge: bytes,
               solution_range: int) -> list[AuditCandidate]:
    """Every sector's candidates, nearest first across the farm (ties: sector order, then chunk order).

    The slot challenges and audited s-buckets of all sectors are computed at once, each challenged
    s-bucket is read straight into one farm-wide buffer (each plot file opened once per call), and the
    chunks are hashed in one backend call keyed by runs (`blake3_hash_runs`: each sector's chunks under
    its slot challenge), so a farm of 1,000 sectors pays one kernel launch, not 1,000 (the same
    candidates as `audit_sector` of each sector)."""
    if not sectors:
        return []
    ids = np.frombuffer(b"".join(s.sector_id for s in sectors), np.uint8).reshape(-1, 32)
    challenges = ids ^ np.frombuffer(global_challenge, np.uint8)  # sector_slot_challenge of every sector
    s_buckets = challenges[:, 0].astype(np.int64) | (challenges[:, 1].astype(np.int64) << 8)  # audit_s_bucket
    counts = np.empty(len(sectors), dtype=np.int64)
    offsets = np.empty(len(sectors), dtype=np.int64)
    for i, (sector, s_bucket) in enumerate(zip(sectors, s_buckets.tolist())):
        offsets[i], counts[i] = s_bucket_extent(sector, s_bucket)
    first = np.zeros(len(sectors) + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    chunks = np.empty((int(first[-1]), SCALAR_BYTES), dtype=np.uint8)
    buffer = memoryview(chunks.reshape(-1))
    descriptors: dict[str, int] = {}
    try:
        for i, sector in enumerate(sectors):
            if not counts[i]:
                continue
            path = os.fspath(sector.path)
            fd = descriptors.get(path)
            if fd is None:
                fd = descriptors[path] = os.open(path, os.O_RDONLY)
            view = buffer[first[i] * SCALAR_BYTES:first[i + 1] * SCALAR_BYTES]
            if os.preadv(fd, [view], int(offsets[i])) != len(view):
                raise ValueError(f"sector {sector.sector_index}: file too short reading s-bucket {s_buckets[i]}")
    finally:
        for fd in descriptors.values():
            os.close(fd)
    if not chunks.shape[0]:
        return []
    prefixes = backend.blake3_hash_runs(chunks, challenges, counts, out_bytes=8)
    a = prefixes.view("<u8").reshape(-1)
    g = np.uint64(struct.unpack_from("<Q", global_challenge)[0])
    distance = np.minimum(a - g, g - a)  # uint64 arithmetic wraps
    keep = np.flatnonzero(distance <= np.uint64(solution_range // 2))
    keep = keep[np.argsort(distance[keep], kind="stable")]  # farm order breaks ties: sector, then chunk
    owner = np.searchsorted(first, keep, side="right") - 1
    return [AuditCandidate(sectors[o].sector_index, int(s_buckets[o]), int(k - first[o]), int(distance[k]),
                           chunks[k].tobytes()) for k, o in zip(keep.tolist(), owner.tolist())]
