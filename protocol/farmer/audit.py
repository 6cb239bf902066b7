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
from protocol.farmer.sector import audit_s_bucket, sector_slot_challenge

U64_MASK = np.uint64(2**64 - 1)


@dataclass(frozen=True)
class AuditCandidate:
    sector_index: int
    s_bucket: int
    chunk_index: int  # index of the chunk inside the s-bucket
    distance: int
    chunk: bytes  # the stored (masked) chunk


def read_s_bucket(sector: PlottedSector, s_bucket: int) -> bytes:
    """The stored chunks of one s-bucket of a sector (32 bytes each, records in piece-offset order)."""
    sizes = sector.metadata.s_bucket_sizes
    start = int(sizes[:s_bucket].sum(dtype=np.int64)) * SCALAR_BYTES
    length = int(sizes[s_bucket]) * SCALAR_BYTES
    offset = contents_map_size(sector.pieces_in_sector) + start
    with open(sector.path, "rb") as f:
        data = os.pread(f.fileno(), length, offset)
    if len(data) != length:
        raise ValueError(f"sector {sector.sector_index}: file too short reading s-bucket {s_bucket}")
    return data


def audit_sector(backend, sector: PlottedSector, global_challenge: bytes, solution_range: int) -> list[AuditCandidate]:
    """Candidates of one sector for this slot, by ascending distance (stable: equal distances keep chunk order)."""
    ssc = sector_slot_challenge(sector.sector_id, global_challenge)
    s_bucket = audit_s_bucket(ssc)
    data = read_s_bucket(sector, s_bucket)
    if not data:
        return []
    chunks = np.frombuffer(data, np.uint8).reshape(-1, SCALAR_BYTES)
    hashes = backend.blake3_hash_many(chunks, keys=ssc)
    a = hashes[:, :8].copy().view("<u8").reshape(-1)
    g = np.uint64(struct.unpack_from("<Q", global_challenge)[0])
    distance = np.minimum(a - g, g - a)  # uint64 arithmetic wraps
    keep = np.flatnonzero(distance <= np.uint64(solution_range // 2))
    keep = keep[np.argsort(distance[keep], kind="stable")]
    return [AuditCandidate(sector.sector_index, s_bucket, int(k), int(distance[k]), chunks[k].tobytes()) for k in keep]


def audit_farm(backend, sectors: list[PlottedSector], global_challenge: bytes,
               solution_range: int) -> list[AuditCandidate]:
    """Every sector's candidates, nearest first across the farm."""
    found = [c for s in sectors for c in audit_sector(backend, s, global_challenge, solution_range)]
    return sorted(found, key=lambda c: c.distance)
