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
    starts = sector.metadata.s_bucket_starts
    start = int(starts[s_bucket]) * SCALAR_BYTES
    length = int(starts[s_bucket + 1] - starts[s_bucket]) * SCALAR_BYTES
    offset = contents_map_size(sector.pieces_in_sector) + start
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

    The whole farm's challenged chunks are hashed in one backend call with one key per chunk (each
    sector's slot challenge), so a farm of 1,000 sectors pays one kernel launch, not 1,000 (the same
    candidates as `audit_sector` of each sector)."""
    parts = []  # (sector, s_bucket, chunks, ssc)
    for sector in sectors:
        ssc = sector_slot_challenge(sector.sector_id, global_challenge)
        s_bucket = audit_s_bucket(ssc)
        data = read_s_bucket(sector, s_bucket)
        if data:
            parts.append((sector, s_bucket, np.frombuffer(data, np.uint8).reshape(-1, SCALAR_BYTES), ssc))
    if not parts:
        return []
    chunks = np.concatenate([p[2] for p in parts])
    keys = np.repeat(np.frombuffer(b"".join(p[3] for p in parts), np.uint8).reshape(-1, 32),
                     [p[2].shape[0] for p in parts], axis=0)
    hashes = backend.blake3_hash_many(chunks, keys=keys)
    a = hashes[:, :8].copy().view("<u8").reshape(-1)
    g = np.uint64(struct.unpack_from("<Q", global_challenge)[0])
    distance = np.minimum(a - g, g - a)  # uint64 arithmetic wraps
    keep = np.flatnonzero(distance <= np.uint64(solution_range // 2))
    keep = keep[np.argsort(distance[keep], kind="stable")]  # farm order breaks ties: sector, then chunk
    starts = np.cumsum([0] + [p[2].shape[0] for p in parts])
    owner = np.searchsorted(starts, keep, side="right") - 1
    return [AuditCandidate(parts[o][0].sector_index, parts[o][1], int(k - starts[o]), int(distance[k]),
                           chunks[k].tobytes()) for k, o in zip(keep, owner)]
