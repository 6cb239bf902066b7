"""Piece and segment index arithmetic (storage_and_time.md section 1, vectors piece_index.json).

A piece index is a u64: segment = index // 256, position = index % 256; even positions are source
pieces (source position = position // 2), odd positions parity pieces.
"""
from __future__ import annotations

from protocol.constants import PIECES_PER_SEGMENT, SOURCE_RECORDS_PER_SEGMENT

U64_MAX = 2**64 - 1


def _check_u64(value: int, what: str) -> int:
    if not isinstance(value, int) or not 0 <= value <= U64_MAX:
        raise ValueError(f"{what} must be a u64, got {value!r}")
    return value


def segment_index(piece_index: int) -> int:
    return _check_u64(piece_index, "piece index") // PIECES_PER_SEGMENT


def position(piece_index: int) -> int:
    """Position of the piece inside its segment (0..255)."""
    return _check_u64(piece_index, "piece index") % PIECES_PER_SEGMENT


def is_source(piece_index: int) -> bool:
    return _check_u64(piece_index, "piece index") % 2 == 0


def source_position(piece_index: int) -> int:
    """Index of a source piece among the segment's 128 source records; ValueError for parity pieces."""
    if not is_source(piece_index):
        raise ValueError(f"piece {piece_index} is a parity piece: it has no source position")
    return position(piece_index) // 2


def next_source_index(piece_index: int) -> int:
    """The next source piece index after a source piece (ValueError for parity pieces)."""
    if not is_source(piece_index):
        raise ValueError(f"piece {piece_index} is a parity piece")
    return piece_index + 2


def first_piece_index(segment: int) -> int:
    return _check_u64(segment, "segment index") * PIECES_PER_SEGMENT


def last_piece_index(segment: int) -> int:
    return first_piece_index(segment) + PIECES_PER_SEGMENT - 1


def source_piece_index(segment: int, source_pos: int) -> int:
    """Piece index of source record `source_pos` (0..127) of a segment."""
    if not 0 <= source_pos < SOURCE_RECORDS_PER_SEGMENT:
        raise ValueError(f"source position {source_pos} outside 0..{SOURCE_RECORDS_PER_SEGMENT - 1}")
    return first_piece_index(segment) + 2 * source_pos


def segment_piece_indexes_source_first(segment: int) -> list[int]:
    """The segment's 256 piece indexes, source pieces (even positions) first, then parity pieces."""
    first = first_piece_index(segment)
    return [first + p for p in range(0, PIECES_PER_SEGMENT, 2)] + [first + p for p in range(1, PIECES_PER_SEGMENT, 2)]
