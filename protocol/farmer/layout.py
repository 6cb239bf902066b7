"""On-disk sector layout (storage_and_time.md 6.4), byte for byte, and the sector metadata file.

    contents map (8,192 n + 32) | s-bucket region (n MiB) | record metadata (128 n) | H(all before) (32)

The s-bucket region holds, for s = 0..65535 and, inside, records in increasing piece offset, the
32-byte chunk of every record that has one in s. Metadata per record: commitment (48) || witness (48)
|| H(piece) (32). The separate sector metadata is SCALE {sector_index u16, pieces_in_sector u16,
s_bucket_sizes [u16; 65536], history_size u64} || H(that encoding).
"""
from __future__ import annotations

import functools

import struct
from dataclasses import dataclass

import blake3
import numpy as np

from protocol.constants import (
    COMMITMENT_SIZE, HASH_SIZE, RECORD_METADATA_SIZE, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, RECORD_SIZE,
    SCALAR_BYTES, WITNESS_SIZE,
)
from protocol.farmer.contents_map import ContentsMap, contents_map_size

SECTOR_METADATA_SIZE = 2 + 2 + 2 * RECORD_NUM_S_BUCKETS + 8 + HASH_SIZE  # 131,116


class InvalidSector(ValueError):
    """Sector bytes or metadata that do not have the layout or checksums of 6.4."""


class SectorChecksumMismatch(InvalidSector):
    """The sector file's final H(all preceding bytes) does not match its contents (6.4 item 4)."""


class SectorMetadataMismatch(InvalidSector):
    """The sector metadata file disagrees with the sector file (index, piece count, s-bucket sizes, size)."""


def sector_size(pieces_in_sector: int) -> int:
    """n*1,048,576 + n*128 + (8,192n + 32) + 32 bytes."""
    n = pieces_in_sector
    return n * RECORD_SIZE + n * RECORD_METADATA_SIZE + contents_map_size(n) + HASH_SIZE


@dataclass(frozen=True)
class RecordMetadata:
    commitment: bytes
    witness: bytes
    piece_checksum: bytes

    def encode(self) -> bytes:
        return self.commitment + self.witness + self.piece_checksum

    @classmethod
    def decode(cls, data: bytes) -> "RecordMetadata":
        if len(data) != RECORD_METADATA_SIZE:
            raise InvalidSector(f"record metadata must be {RECORD_METADATA_SIZE} bytes")
        c, w = COMMITMENT_SIZE, COMMITMENT_SIZE + WITNESS_SIZE
        return cls(data[:c], data[c:w], data[w:])


@dataclass(frozen=True)
class SectorMetadata:
    sector_index: int
    pieces_in_sector: int
    s_bucket_sizes: np.ndarray  # uint16[65536]
    history_size: int

    @functools.cached_property
    def s_bucket_starts(self) -> np.ndarray:
        """int64[65537]: chunks stored before each s-bucket (exclusive prefix sum of the sizes, computed
        once: auditing reads one s-bucket of every sector each slot). The sizes are not to be changed
        after this is first read."""
        starts = np.zeros(RECORD_NUM_S_BUCKETS + 1, dtype=np.int64)
        np.cumsum(np.asarray(self.s_bucket_sizes, dtype=np.int64), out=starts[1:])
        return starts

    def encode(self) -> bytes:
        sizes = np.asarray(self.s_bucket_sizes, dtype="<u2")
        if sizes.shape != (RECORD_NUM_S_BUCKETS,):
            raise ValueError("s_bucket_sizes must hold 65,536 entries")
        body = (struct.pack("<HH", self.sector_index, self.pieces_in_sector) + sizes.tobytes()
                + struct.pack("<Q", self.history_size))
        return body + blake3.blake3(body).digest()

    @classmethod
    def decode(cls, data: bytes) -> "SectorMetadata":
        if len(data) != SECTOR_METADATA_SIZE:
            raise InvalidSector(f"sector metadata must be {SECTOR_METADATA_SIZE} bytes, got {len(data)}")
        body, checksum = data[:-HASH_SIZE], data[-HASH_SIZE:]
        if blake3.blake3(body).digest() != checksum:
            raise InvalidSector("sector metadata checksum mismatch")
        index, pieces = struct.unpack_from("<HH", body)
        sizes = np.frombuffer(body, dtype="<u2", count=RECORD_NUM_S_BUCKETS, offset=4).astype(np.uint16)
        (history_size,) = struct.unpack_from("<Q", body, 4 + 2 * RECORD_NUM_S_BUCKETS)
        if history_size == 0:
            raise InvalidSector("sector metadata history size is zero")
        return cls(index, pieces, sizes, history_size)

    def s_bucket_offsets(self) -> np.ndarray:
        """First chunk (in 32-byte units) of each s-bucket inside the s-bucket region (prefix sums)."""
        return self.s_bucket_starts[:-1].copy()


def s_bucket_region(contents: ContentsMap, record_chunks: list[np.ndarray]) -> np.ndarray:
    """The s-bucket region as a (n * 32,768, 32) uint8 array.

    `record_chunks[o]` is record o's (32,768, 32) chunks in the order of 6.2 step 4 (chunks of its
    s-buckets with a stored chunk, increasing s), so chunk j of record o belongs to the j-th s-bucket
    where `contents.has_chunk()[o]` is set.
    """
    has = contents.has_chunk()
    n = has.shape[0]
    # Region order is (s, record): sort every (record, s) pair with a chunk by s, then record.
    rec_idx, s_idx = np.nonzero(has)  # row-major: grouped by record, s increasing within a record
    if rec_idx.size != n * RECORD_NUM_CHUNKS:
        raise InvalidSector("every record must contribute exactly 32,768 chunks")
    order = np.lexsort((rec_idx, s_idx))
    stacked = np.stack(record_chunks).reshape(n * RECORD_NUM_CHUNKS, SCALAR_BYTES)
    return stacked[order]


def record_chunk_locations(contents: ContentsMap, sizes_offsets: np.ndarray, piece_offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(s-buckets, chunk locations in the region) of every stored chunk of one record, increasing s (9 step 2)."""
    has = contents.has_chunk()
    s_buckets = np.flatnonzero(has[piece_offset])
    earlier = has[:piece_offset, s_buckets].sum(axis=0) if piece_offset else np.zeros(s_buckets.size, np.int64)
    return s_buckets, sizes_offsets[s_buckets] + earlier
