"""Errors of archiving and reconstruction (storage_and_time.md 5.2-5.3). All are ValueErrors: they
describe bad input (pieces, segments, restart state), never an internal failure."""
from __future__ import annotations


class ReconstructorError(ValueError):
    """Pieces or segments given to a reconstructor cannot be turned back into data."""


class InvalidPiece(ReconstructorError):
    """A piece has the wrong type or length, or a position outside the segment."""


class NotEnoughPieces(ReconstructorError):
    """Fewer than half of a segment's pieces are present (erasure coding rate 1/2)."""


class InconsistentPieces(ReconstructorError):
    """The pieces do not belong to one valid archived segment (corrupted or mixed pieces): a source
    chunk does not fit a safe 31-byte scalar, or the redundant pieces disagree with the others."""


class IncorrectPiecePosition(ReconstructorError):
    """A requested piece position is not inside the segment (0..255 on the network)."""


class IncorrectSegmentOrder(ReconstructorError):
    """Segments were given to a reconstructor out of order."""


class SegmentDecodeError(ReconstructorError):
    """The reconstructed segment bytes are not a valid Segment::V0 encoding."""
