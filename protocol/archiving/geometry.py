"""The shape of an archived segment (storage_and_time.md sections 1 and 5.2): how many source records a
segment holds and how many 31-byte chunks a record holds.

The network's geometry is fixed (`NETWORK_GEOMETRY`: 128 source records of 2^15 chunks, so 256 pieces of
1,048,672 bytes per 130,023,424-byte segment). A smaller geometry runs exactly the same code with the
same rules (framing, erasure coding at rate 1/2, KZG commitments and witnesses) and exists so that
tests and the dev tools can exercise whole multi-segment histories in milliseconds; only
NETWORK_GEOMETRY produces network-compatible pieces.
"""
from __future__ import annotations

from dataclasses import dataclass

from protocol.constants import (COMMITMENT_SIZE, RECORD_NUM_CHUNKS, SAFE_SCALAR_BYTES, SCALAR_BYTES,
                                SOURCE_RECORDS_PER_SEGMENT, WITNESS_SIZE)


def _is_power_of_two(n: int) -> bool:
    return isinstance(n, int) and n >= 1 and n & (n - 1) == 0


@dataclass(frozen=True)
class SegmentGeometry:
    """`source_records` records of `record_chunks` chunks per segment (both powers of two)."""

    source_records: int = SOURCE_RECORDS_PER_SEGMENT
    record_chunks: int = RECORD_NUM_CHUNKS

    def __post_init__(self) -> None:
        if not _is_power_of_two(self.source_records) or not _is_power_of_two(self.record_chunks):
            raise ValueError(f"segment geometry: source_records ({self.source_records}) and record_chunks "
                             f"({self.record_chunks}) must be powers of two")
        if self.segment_size < 128:
            raise ValueError(f"segment geometry: a {self.segment_size}-byte segment cannot hold a parent "
                             "segment header and data")

    @property
    def pieces(self) -> int:
        """Pieces per archived segment (erasure coding rate 1/2)."""
        return 2 * self.source_records

    @property
    def raw_record_size(self) -> int:
        return self.record_chunks * SAFE_SCALAR_BYTES

    @property
    def record_size(self) -> int:
        return self.record_chunks * SCALAR_BYTES

    @property
    def piece_size(self) -> int:
        """record || record commitment || record witness."""
        return self.record_size + COMMITMENT_SIZE + WITNESS_SIZE

    @property
    def segment_size(self) -> int:
        """Bytes of recorded history per segment (RecordedHistorySegment::SIZE for the network)."""
        return self.source_records * self.raw_record_size


NETWORK_GEOMETRY = SegmentGeometry()
