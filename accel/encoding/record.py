"""The encoded record (storage_and_time.md 6.2 step 4): what a backend's `encode_record` returns and
`decode_record` takes, plus the s-bucket bookkeeping shared by encoding, the sector layout and reading.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accel.encoding.constants import BITFIELD_BYTES, RECORD_BYTES, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS


@dataclass(frozen=True)
class EncodedRecord:
    """`chunks`: 2^15 x 32 bytes, the taken encoded chunks in increasing s-bucket, then the unencoded
    fill in increasing s-bucket. `encoded_bitfield`: 8,192 bytes, bit s = (b[s>>3] >> (s&7)) & 1."""

    chunks: bytes
    encoded_bitfield: bytes

    def __post_init__(self) -> None:
        if len(self.chunks) != RECORD_BYTES:
            raise ValueError(f"encoded record chunks must be {RECORD_BYTES} bytes, got {len(self.chunks)}")
        if len(self.encoded_bitfield) != BITFIELD_BYTES:
            raise ValueError(f"encoded bitfield must be {BITFIELD_BYTES} bytes, got {len(self.encoded_bitfield)}")
        if self.num_encoded > RECORD_NUM_CHUNKS:
            raise ValueError(f"encoded bitfield has {self.num_encoded} bits set, more than {RECORD_NUM_CHUNKS}")

    @property
    def encoded(self) -> np.ndarray:
        """65,536 bools: s-bucket s holds a PoS-masked chunk."""
        return np.unpackbits(np.frombuffer(self.encoded_bitfield, np.uint8), bitorder="little").astype(bool)

    @property
    def num_encoded(self) -> int:
        return int(np.unpackbits(np.frombuffer(self.encoded_bitfield, np.uint8)).sum())

    def chunk_s_buckets(self) -> np.ndarray:
        """The s-bucket of each of the 2^15 chunks, in the order of `chunks`."""
        return chunk_s_buckets(self.encoded)

    def chunks_array(self) -> np.ndarray:
        return np.frombuffer(self.chunks, np.uint8).reshape(RECORD_NUM_CHUNKS, 32)


def chunk_s_buckets(encoded: np.ndarray) -> np.ndarray:
    """S-buckets of [encoded ones in increasing s, then the first 2^15 - #encoded unencoded ones]."""
    taken = np.flatnonzero(encoded)
    fill = np.flatnonzero(~encoded)[:RECORD_NUM_CHUNKS - taken.size]
    return np.concatenate([taken, fill])


def bitfield_from_bools(encoded: np.ndarray) -> bytes:
    if encoded.shape != (RECORD_NUM_S_BUCKETS,):
        raise ValueError("expected 65,536 bits")
    return np.packbits(encoded, bitorder="little").tobytes()
