"""Sector contents map (storage_and_time.md 6.3): one 65,536-bit bitfield per record (bit s set iff
the chunk of s-bucket s is PoS-encoded; bit s = (b[s>>3] >> (s&7)) & 1), then H(all bitfields).

Held as a (records, 65,536) bool numpy array so that the s-bucket sizes and per-record positions of
the on-disk layout (6.4) are vectorised.
"""
from __future__ import annotations

import blake3
import numpy as np

from protocol.constants import CONTENTS_MAP_BITFIELD_SIZE, HASH_SIZE, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS


class InvalidContentsMap(ValueError):
    """Wrong length, checksum mismatch, or a record with more than 32,768 encoded chunks."""


def contents_map_size(pieces_in_sector: int) -> int:
    return CONTENTS_MAP_BITFIELD_SIZE * pieces_in_sector + HASH_SIZE


class ContentsMap:
    """Encoded bitfields of every record of a sector and the chunk ownership derived from them."""

    def __init__(self, encoded: np.ndarray) -> None:
        if encoded.dtype != np.bool_ or encoded.ndim != 2 or encoded.shape[1] != RECORD_NUM_S_BUCKETS:
            raise InvalidContentsMap(f"expected a (records, {RECORD_NUM_S_BUCKETS}) bool array")
        counts = encoded.sum(axis=1)
        if (counts > RECORD_NUM_CHUNKS).any():
            bad = int(np.argmax(counts > RECORD_NUM_CHUNKS))
            raise InvalidContentsMap(f"record {bad} has {int(counts[bad])} encoded chunks, more than {RECORD_NUM_CHUNKS}")
        self.encoded = encoded

    @property
    def pieces_in_sector(self) -> int:
        return self.encoded.shape[0]

    @classmethod
    def from_bitfields(cls, bitfields: list[bytes]) -> "ContentsMap":
        rows = np.frombuffer(b"".join(bitfields), dtype=np.uint8).reshape(len(bitfields), CONTENTS_MAP_BITFIELD_SIZE)
        return cls(np.unpackbits(rows, axis=1, bitorder="little").astype(bool))

    def bitfield(self, piece_offset: int) -> bytes:
        return np.packbits(self.encoded[piece_offset], bitorder="little").tobytes()

    def encode(self) -> bytes:
        bits = np.packbits(self.encoded, axis=1, bitorder="little").tobytes()
        return bits + blake3.blake3(bits).digest()

    @classmethod
    def decode(cls, data: bytes, pieces_in_sector: int) -> "ContentsMap":
        if len(data) != contents_map_size(pieces_in_sector):
            raise InvalidContentsMap(f"contents map of {len(data)} bytes, expected {contents_map_size(pieces_in_sector)}")
        bits, checksum = data[:-HASH_SIZE], data[-HASH_SIZE:]
        if blake3.blake3(bits).digest() != checksum:
            raise InvalidContentsMap("contents map checksum mismatch")
        rows = np.frombuffer(bits, dtype=np.uint8).reshape(pieces_in_sector, CONTENTS_MAP_BITFIELD_SIZE)
        return cls(np.unpackbits(rows, axis=1, bitorder="little").astype(bool))

    def has_chunk(self) -> np.ndarray:
        """(records, 65,536) bool: record has a stored chunk in s-bucket s (encoded, or among the first
        32,768 - num_encoded unencoded s-buckets in increasing s)."""
        enc = self.encoded
        missing = RECORD_NUM_CHUNKS - enc.sum(axis=1)
        unencoded_rank = np.cumsum(~enc, axis=1)  # 1-based rank of each unset bit
        return enc | (~enc & (unencoded_rank <= missing[:, None]))

    def s_bucket_sizes(self) -> np.ndarray:
        """Records having a chunk in each s-bucket, as uint16 (the sector metadata's s_bucket_sizes)."""
        return self.has_chunk().sum(axis=0).astype(np.uint16)
