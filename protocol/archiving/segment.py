"""Segments and their items, segment headers (storage_and_time.md 5.1 and 5.2 step 6).

`Segment::V0` = byte 0x00 followed by the SCALE encodings of its items (no item count), zero-padded
to 130,023,424 bytes (zeros decode as Padding). Items: 0 Padding, 1 Block(Vec<u8>),
2 BlockStart(Vec<u8>), 3 BlockContinuation(Vec<u8>), 4 ParentSegmentHeader(SegmentHeader).
"""
from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

import blake3
import numpy as np

from protocol.constants import COMMITMENT_SIZE, HASH_SIZE, RECORDED_HISTORY_SEGMENT_SIZE
from protocol.scale import ScaleDecodeError, compact_len, decode_compact, encode_compact

SEGMENT_VERSION_V0 = 0
SEGMENT_HEADER_VERSION_V0 = 0
PROGRESS_COMPLETE = 0
PROGRESS_PARTIAL = 1


@dataclass(frozen=True)
class LastArchivedBlock:
    """The last block (partly) archived in a segment: `partial` = bytes archived so far, None = complete."""

    number: int
    partial: int | None

    @property
    def is_complete(self) -> bool:
        return self.partial is None

    def encode(self) -> bytes:
        if self.partial is None:
            return struct.pack("<IB", self.number, PROGRESS_COMPLETE)
        return struct.pack("<IBI", self.number, PROGRESS_PARTIAL, self.partial)


# The archiver's starting marker: "nothing archived yet" (S&T 5.1).
INITIAL_LAST_ARCHIVED_BLOCK = LastArchivedBlock(0, 0)


@dataclass(frozen=True)
class SegmentHeader:
    """SegmentHeader::V0 (S&T 5.2 step 6). SCALE: 94 bytes when the block is complete, 98 when partial."""

    segment_index: int
    segment_commitment: bytes  # 48-byte compressed G1
    prev_segment_header_hash: bytes  # 32 bytes
    last_archived_block: LastArchivedBlock

    def __post_init__(self) -> None:
        if len(self.segment_commitment) != COMMITMENT_SIZE:
            raise ValueError(f"segment commitment must be {COMMITMENT_SIZE} bytes")
        if len(self.prev_segment_header_hash) != HASH_SIZE:
            raise ValueError(f"previous segment header hash must be {HASH_SIZE} bytes")

    def encode(self) -> bytes:
        return (bytes([SEGMENT_HEADER_VERSION_V0]) + struct.pack("<Q", self.segment_index)
                + self.segment_commitment + self.prev_segment_header_hash + self.last_archived_block.encode())

    def hash(self) -> bytes:
        """BLAKE3 of the SCALE encoding: what the next header's `prev_segment_header_hash` holds."""
        return blake3.blake3(self.encode()).digest()

    @classmethod
    def decode_from(cls, data: bytes | memoryview, offset: int = 0) -> tuple["SegmentHeader", int]:
        """(header, new offset) decoded at `offset`."""
        end = offset + 1 + 8 + COMMITMENT_SIZE + HASH_SIZE + 4 + 1
        if end > len(data):
            raise ScaleDecodeError("segment header: input exhausted")
        if data[offset] != SEGMENT_HEADER_VERSION_V0:
            raise ScaleDecodeError(f"segment header: unknown version {data[offset]}")
        (index,) = struct.unpack_from("<Q", data, offset + 1)
        pos = offset + 9
        commitment = bytes(data[pos:pos + COMMITMENT_SIZE])
        pos += COMMITMENT_SIZE
        prev = bytes(data[pos:pos + HASH_SIZE])
        pos += HASH_SIZE
        (number,) = struct.unpack_from("<I", data, pos)
        progress = data[pos + 4]
        pos += 5
        if progress == PROGRESS_COMPLETE:
            partial = None
        elif progress == PROGRESS_PARTIAL:
            if pos + 4 > len(data):
                raise ScaleDecodeError("segment header: input exhausted")
            (partial,) = struct.unpack_from("<I", data, pos)
            pos += 4
        else:
            raise ScaleDecodeError(f"segment header: unknown archived progress {progress}")
        return cls(index, commitment, prev, LastArchivedBlock(number, partial)), pos

    @classmethod
    def decode(cls, data: bytes) -> "SegmentHeader":
        header, end = cls.decode_from(data)
        if end != len(data):
            raise ScaleDecodeError(f"segment header: {len(data) - end} trailing bytes")
        return header


class ItemKind(enum.IntEnum):
    PADDING = 0
    BLOCK = 1
    BLOCK_START = 2
    BLOCK_CONTINUATION = 3
    PARENT_SEGMENT_HEADER = 4


@dataclass(frozen=True)
class SegmentItem:
    """One item of a segment. `data` is the block bytes (a memoryview avoids copying large blocks);
    `header` is set for PARENT_SEGMENT_HEADER."""

    kind: ItemKind
    data: bytes | memoryview = b""
    header: SegmentHeader | None = None

    @property
    def payload_len(self) -> int:
        """Bytes of block data carried (0 for padding and headers)."""
        return len(self.data) if self.kind in _BLOCK_KINDS else 0

    def encoded_size(self) -> int:
        if self.kind in _BLOCK_KINDS:
            return 1 + compact_len(len(self.data)) + len(self.data)
        if self.kind == ItemKind.PARENT_SEGMENT_HEADER:
            assert self.header is not None
            return 1 + len(self.header.encode())
        return 1


_BLOCK_KINDS = (ItemKind.BLOCK, ItemKind.BLOCK_START, ItemKind.BLOCK_CONTINUATION)


def encode_segment(items: list[SegmentItem], size: int = RECORDED_HISTORY_SEGMENT_SIZE) -> bytearray:
    """Segment::V0 of `items`, zero-padded to `size` bytes."""
    out = bytearray(size)
    out[0] = SEGMENT_VERSION_V0
    pos = 1
    for item in items:
        if item.kind in _BLOCK_KINDS:
            prefix = bytes([item.kind]) + encode_compact(len(item.data))
            out[pos:pos + len(prefix)] = prefix
            pos += len(prefix)
            out[pos:pos + len(item.data)] = item.data
            pos += len(item.data)
        elif item.kind == ItemKind.PARENT_SEGMENT_HEADER:
            assert item.header is not None
            enc = bytes([item.kind]) + item.header.encode()
            out[pos:pos + len(enc)] = enc
            pos += len(enc)
        else:
            pos += 1  # padding is a zero byte
        if pos > size:
            raise ValueError(f"segment items encode to more than {size} bytes")
    return out


def decode_segment(data: bytes | bytearray | memoryview) -> list[SegmentItem]:
    """Items of an encoded segment, without the trailing padding. Raises ScaleDecodeError on bad input."""
    view = memoryview(data)
    if len(view) == 0 or view[0] != SEGMENT_VERSION_V0:
        raise ScaleDecodeError("segment: unknown version byte")
    items: list[SegmentItem] = []
    pos = 1
    end = len(view)
    while pos < end:
        kind = view[pos]
        pos += 1
        if kind == ItemKind.PADDING:
            # Skip the whole run of zero bytes at once (a segment ends in up to 130 MB of padding).
            rest = np.frombuffer(view[pos:], dtype=np.uint8)
            nonzero = np.flatnonzero(rest)
            if nonzero.size == 0:
                break
            pos += int(nonzero[0])
            continue
        if kind in (ItemKind.BLOCK, ItemKind.BLOCK_START, ItemKind.BLOCK_CONTINUATION):
            length, pos = decode_compact(view, pos)
            if pos + length > end:
                raise ScaleDecodeError("segment: block item runs past the end of the segment")
            items.append(SegmentItem(ItemKind(kind), bytes(view[pos:pos + length])))
            pos += length
        elif kind == ItemKind.PARENT_SEGMENT_HEADER:
            header, pos = SegmentHeader.decode_from(view, pos)
            items.append(SegmentItem(ItemKind.PARENT_SEGMENT_HEADER, header=header))
        else:
            raise ScaleDecodeError(f"segment: unknown item variant {kind} at byte {pos - 1}")
    return items
