"""The archiver (storage_and_time.md 5.1-5.2): blocks in, archived segments out.

`Archiver(kzg, backend).add_block(data)` buffers the block and returns every segment it completes
(none, one or several), each with its 256 pieces and its header. Framing is `SegmentFramer` (5.1);
each produced segment is encoded, zero-padded and turned into pieces (`encode_segment_pieces`, 5.2);
its header chains to the previous one by hash and opens the next segment (`ParentSegmentHeader`).

Incremental mode of the reference (committing whole raw records of a segment's already-fitted prefix
as blocks arrive) only moves work earlier and gives identical output (5.2); it is not done here: all
work for a segment happens in the `add_block` call that completes it.

[UNSURE] Restart (`with_initial_state`) takes the header of the last archived segment and the bytes of its
last (possibly partially archived) block, as the reference does; the pieces of later segments are
identical to an archiver that never stopped (tested).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.archiving.framing import SegmentFramer
from protocol.archiving.geometry import NETWORK_GEOMETRY, SegmentGeometry
from protocol.archiving.pieces import encode_segment_pieces
from protocol.archiving.segment import SegmentHeader, SegmentItem, encode_segment
from protocol.constants import HASH_SIZE


@dataclass(frozen=True)
class ArchivedSegment:
    """One archived segment: `header` (SegmentHeader::V0) and `pieces` (256 x 1,048,672 bytes on the
    network, position order: 2i source record i, 2i+1 parity record i)."""

    header: SegmentHeader
    pieces: list[bytes]
    record_commitments: list[bytes]
    items: list[SegmentItem]

    @property
    def segment_index(self) -> int:
        return self.header.segment_index

    @property
    def segment_commitment(self) -> bytes:
        return self.header.segment_commitment


class Archiver:
    """Turns a chain of blocks into archived segments (S&T 5). `kzg`: accel.kzg.Kzg (its MSMs run on its
    own backend); `backend`: the accel backend of the erasure coding and Fr transforms."""

    def __init__(self, kzg: Any, backend: Any, *, geometry: SegmentGeometry = NETWORK_GEOMETRY) -> None:
        self.kzg = kzg
        self.backend = backend
        self.geometry = geometry
        self._framer = SegmentFramer(geometry.segment_size)
        self._segment_index = 0
        self._prev_header_hash = bytes(HASH_SIZE)

    @classmethod
    def with_initial_state(cls, kzg: Any, backend: Any, header: SegmentHeader, last_block: bytes, *,
                           geometry: SegmentGeometry = NETWORK_GEOMETRY) -> "Archiver":
        """Continue after the segment of `header`; `last_block` = bytes of its last archived block
        (InvalidLastArchivedBlock / InvalidBlockSmallSize when they cannot be that block)."""
        if not isinstance(header, SegmentHeader):
            raise ValueError("header: expected a SegmentHeader")
        archiver = cls(kzg, backend, geometry=geometry)
        archiver._framer = SegmentFramer.with_initial_state(header, bytes(last_block), geometry.segment_size)
        archiver._segment_index = header.segment_index + 1
        archiver._prev_header_hash = header.hash()
        return archiver

    @property
    def next_segment_index(self) -> int:
        return self._segment_index

    def add_block(self, data: bytes | bytearray | memoryview) -> list[ArchivedSegment]:
        """Archive one block; returns the segments it completes, in order (usually none)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ValueError(f"block: expected bytes, got {type(data).__name__}")
        self._framer.add_block(bytes(data))  # a private copy: the framer keeps views into it
        produced = []
        while (framed := self._framer.next_segment()) is not None:
            produced.append(self._archive(framed.items, framed.last_archived_block))
        return produced

    def _archive(self, items: list[SegmentItem], last_archived_block: Any) -> ArchivedSegment:
        encoded = encode_segment_pieces(self.kzg, self.backend, encode_segment(items, self.geometry.segment_size),
                                        self.geometry)
        header = SegmentHeader(self._segment_index, encoded.segment_commitment, self._prev_header_hash,
                               last_archived_block)
        self._framer.push_parent_header(header)
        self._segment_index += 1
        self._prev_header_hash = header.hash()
        return ArchivedSegment(header, encoded.pieces, encoded.record_commitments, items)
