"""Archiving (storage_and_time.md section 5): blocks into 128-record segments, erasure-coded into
256 pieces with KZG commitments and witnesses, and reconstruction back to blocks.

Framing (`SegmentFramer`, 5.1) is pure Python; the heavy work of 5.2 (extension, commitments,
witnesses) and 5.3 (recovery) goes through `accel` (`be.erasure_extend_batch`,
`be.erasure_recover_batch`, `be.fr_ifft`, the KZG powers prepared once by `be.msm_prepare`).

    archiver = Archiver(kzg, backend)                   # kzg: accel.kzg.Kzg
    segments = archiver.add_block(data)                 # [ArchivedSegment(.header, .pieces)]
    Reconstructor(kzg, backend).add_segment(pieces)     # blocks completed by this segment
    PiecesReconstructor(kzg, backend).reconstruct_piece(pieces, position)
    is_piece_valid(kzg, piece, segment_commitment, position)
"""
from protocol.archiving.archiver import ArchivedSegment, Archiver
from protocol.archiving.errors import (IncorrectPiecePosition, IncorrectSegmentOrder, InconsistentPieces,
                                       InvalidPiece, NotEnoughPieces, ReconstructorError, SegmentDecodeError)
from protocol.archiving.framing import FramedSegment, InvalidBlockSmallSize, InvalidLastArchivedBlock, SegmentFramer
from protocol.archiving.geometry import NETWORK_GEOMETRY, SegmentGeometry
from protocol.archiving.pieces import is_piece_valid, split_piece
from protocol.archiving.reconstructor import PiecesReconstructor, ReconstructedContents, Reconstructor
from protocol.archiving.segment import (
    INITIAL_LAST_ARCHIVED_BLOCK, ItemKind, LastArchivedBlock, SegmentHeader, SegmentItem, decode_segment,
    encode_segment,
)

__all__ = [
    "ArchivedSegment", "Archiver", "FramedSegment", "INITIAL_LAST_ARCHIVED_BLOCK", "IncorrectPiecePosition",
    "IncorrectSegmentOrder", "InconsistentPieces", "InvalidBlockSmallSize", "InvalidLastArchivedBlock",
    "InvalidPiece", "ItemKind", "LastArchivedBlock", "NETWORK_GEOMETRY", "NotEnoughPieces", "PiecesReconstructor",
    "ReconstructedContents", "Reconstructor", "ReconstructorError", "SegmentDecodeError", "SegmentFramer",
    "SegmentGeometry", "SegmentHeader", "SegmentItem", "decode_segment", "encode_segment", "is_piece_valid",
    "split_piece",
]
