"""Archiving (storage_and_time.md section 5): blocks into 128-record segments, erasure-coded into
256 pieces with KZG commitments and witnesses, and reconstruction back to blocks.

Framing (`SegmentFramer`, 5.1) is pure Python; the heavy work of 5.2 (extension, commitments,
witnesses) goes through `accel`.
"""
from protocol.archiving.framing import FramedSegment, InvalidBlockSmallSize, InvalidLastArchivedBlock, SegmentFramer
from protocol.archiving.segment import (
    INITIAL_LAST_ARCHIVED_BLOCK, ItemKind, LastArchivedBlock, SegmentHeader, SegmentItem, decode_segment,
    encode_segment,
)

__all__ = [
    "FramedSegment", "INITIAL_LAST_ARCHIVED_BLOCK", "InvalidBlockSmallSize", "InvalidLastArchivedBlock", "ItemKind",
    "LastArchivedBlock", "SegmentFramer", "SegmentHeader", "SegmentItem", "decode_segment", "encode_segment",
]
