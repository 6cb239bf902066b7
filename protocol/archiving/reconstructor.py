"""Reconstruction (storage_and_time.md 5.3): pieces back to segments, blocks and missing pieces.

- `Reconstructor(kzg, backend).add_segment(pieces)`: the 256 pieces of one segment in position order,
  None for a missing one, at least 128 present -> the blocks completed by this segment. With every
  source piece present their chunks are read directly; otherwise all 2^15 chunk columns are recovered
  in one `be.erasure_recover_batch` call. Segments must come in order; a block cut across segments
  is returned by the segment that completes it, and a block whose start was never seen is dropped
  (as the reference does). `add_segment_contents` also gives the block numbers and the parent header.
- `PiecesReconstructor(kzg, backend)`: `reconstruct_segment(pieces)` -> all 256 pieces,
  `reconstruct_piece(pieces, position)` -> one, byte-identical to the archiver's. Missing record
  commitments are interpolated from present ones (pieces.recover_commitments), then the segment
  polynomial is rebuilt and the missing witnesses regenerated.

Checks (clear errors, never a crash or silent wrong data): wrong piece count, type or length
(InvalidPiece), fewer than half present (NotEnoughPieces), a recovered source chunk that is not a
safe 31-byte scalar (InconsistentPieces: the reference assumes it and would panic), and, when more
than half the pieces are present, agreement of every present piece with the erasure code of the
recovered source records (InconsistentPieces; `check_consistency=False` skips this one extension).
With exactly half present there is no redundancy: a corrupted record is then only caught by
`is_piece_valid` against the segment commitment.

[UNSURE] Block numbering without the reference source at hand: numbers come from the parent segment
header (`last_archived_block`: Partial(n) -> the continuation is block n, Complete -> next is n + 1),
segment 0 starts at block 0; this reproduces every expectation of `archiving.json` (reconstructor.rs
basic(): [[0], [1, 2], [], [], [3]] in one reconstructor, [2], [], [], [] for fresh ones).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from protocol.archiving.errors import (IncorrectPiecePosition, IncorrectSegmentOrder, InconsistentPieces,
                                       InvalidPiece, NotEnoughPieces, SegmentDecodeError)
from protocol.archiving.geometry import NETWORK_GEOMETRY, SegmentGeometry
from protocol.archiving.pieces import (check_piece, pieces_from_records, recover_commitments,
                                       segment_bytes_from_records, segment_openings)
from protocol.archiving.segment import ItemKind, SegmentHeader, SegmentItem, decode_segment
from protocol.constants import COMMITMENT_SIZE, SCALAR_BYTES
from protocol.scale import ScaleDecodeError


# ------------------------------------------------------------------------------ pieces -> records
@dataclass
class _Pieces:
    """Validated pieces of one segment: the bytes (None = missing) and the presence mask."""

    items: list[bytes | None]
    present: np.ndarray
    geometry: SegmentGeometry

    def record(self, k: int) -> np.ndarray:
        piece = self.items[k]
        assert piece is not None
        return np.frombuffer(piece, dtype=np.uint8, count=self.geometry.record_size).reshape(
            self.geometry.record_chunks, SCALAR_BYTES)

    def commitment(self, k: int) -> bytes | None:
        piece = self.items[k]
        r = self.geometry.record_size
        return None if piece is None else piece[r:r + COMMITMENT_SIZE]


def parse_pieces(pieces: Sequence[bytes | None], geometry: SegmentGeometry) -> _Pieces:
    """InvalidPiece / NotEnoughPieces unless `pieces` is one segment's pieces with at least half present."""
    if isinstance(pieces, (bytes, bytearray, memoryview, str)) or not hasattr(pieces, "__len__"):
        raise InvalidPiece(f"pieces: expected a list of {geometry.pieces} pieces (None for a missing one)")
    if len(pieces) != geometry.pieces:
        raise InvalidPiece(f"pieces: expected {geometry.pieces} pieces in position order (None for a missing "
                           f"one), got {len(pieces)}")
    items = [None if p is None else check_piece(p, geometry, f"pieces[{k}]") for k, p in enumerate(pieces)]
    present = np.array([p is not None for p in items], dtype=bool)
    if present.sum() < geometry.source_records:
        raise NotEnoughPieces(f"only {int(present.sum())} of {geometry.pieces} pieces present, at least "
                              f"{geometry.source_records} are needed")
    return _Pieces(items, present, geometry)


def recover_records(backend: Any, pieces: _Pieces, *, need_parity: bool, check_consistency: bool
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    """(source records (n, chunks, 32), parity records (n, chunks, 32) or None unless needed) of a
    segment from its present pieces (5.3), with the checks of the module docstring."""
    g = pieces.geometry
    n, chunks = g.source_records, g.record_chunks
    present = pieces.present
    if present[0::2].all():
        sources = np.stack([pieces.record(2 * i) for i in range(n)])
        parity = None
    else:
        columns = np.zeros((chunks, g.pieces, SCALAR_BYTES), dtype=np.uint8)
        for k in np.flatnonzero(present):
            columns[:, k] = pieces.record(int(k))
        try:
            recovered = backend.erasure_recover_batch(columns, present)
        except ValueError as e:  # a non-canonical chunk in a present piece
            raise InconsistentPieces(f"a piece holds a chunk that is not a scalar: {e}") from None
        del columns
        sources = np.ascontiguousarray(recovered[:, 0::2].transpose(1, 0, 2))
        parity = np.ascontiguousarray(recovered[:, 1::2].transpose(1, 0, 2))
        del recovered
    bad = np.flatnonzero(sources[:, :, 0].any(axis=1))
    if bad.size:
        raise InconsistentPieces(f"source record {int(bad[0])} (piece {2 * int(bad[0])}) has a chunk that is not a "
                                 "safe 31-byte scalar: the pieces are corrupted or from different segments")
    check = check_consistency and int(present.sum()) > n
    if check or (need_parity and parity is None):
        expected = np.ascontiguousarray(backend.erasure_extend_batch(
            np.ascontiguousarray(sources.transpose(1, 0, 2))).transpose(1, 0, 2))
        if check:
            for k in np.flatnonzero(present):
                k = int(k)
                if not np.array_equal(pieces.record(k), sources[k // 2] if k % 2 == 0 else expected[k // 2]):
                    raise InconsistentPieces(f"piece {k} disagrees with the erasure code of the other pieces: "
                                             "corrupted or from a different segment")
        parity = expected
    return sources, parity


# ------------------------------------------------------------------------------ items -> blocks
@dataclass
class ReconstructedContents:
    """What one segment gives: the parent segment header it carries (None for segment 0) and the
    blocks it completes as (block number, bytes)."""

    segment_header: SegmentHeader | None = None
    blocks: list[tuple[int, bytes]] = field(default_factory=list)


class BlockAssembler:
    """Walks the items of consecutive segments and reassembles blocks (5.3 `add_segment`)."""

    def __init__(self) -> None:
        self._partial: tuple[int, bytearray] | None = None  # a block cut at the end of the last segment
        self._last_segment_index: int | None = None

    def add_items(self, items: Sequence[SegmentItem]) -> ReconstructedContents:
        out = ReconstructedContents()
        next_number = 0
        current: tuple[int, bytearray] | None = None
        has_header = any(item.kind == ItemKind.PARENT_SEGMENT_HEADER for item in items)
        if not has_header:
            self._check_order(0)

        def finish() -> None:
            nonlocal current
            if current is not None:
                out.blocks.append((current[0], bytes(current[1])))
                current = None

        for item in items:
            if item.kind == ItemKind.PADDING:
                continue
            if item.kind == ItemKind.PARENT_SEGMENT_HEADER:
                header = item.header
                assert header is not None
                self._check_order(header.segment_index + 1)
                out.segment_header = header
                lab = header.last_archived_block
                if lab.partial is None:
                    if self._partial is not None:  # the previous segment ended exactly with its block
                        out.blocks.append((self._partial[0], bytes(self._partial[1])))
                        self._partial = None
                    next_number = lab.number + 1
                else:
                    next_number = lab.number
                    if self._partial is not None and (self._partial[0] != lab.number
                                                      or len(self._partial[1]) != lab.partial):
                        raise InconsistentPieces(
                            f"segment {header.segment_index + 1} continues block {lab.number} after {lab.partial} "
                            f"bytes, but {len(self._partial[1])} bytes of block {self._partial[0]} were kept")
            elif item.kind == ItemKind.BLOCK:
                finish()
                self._partial = None
                out.blocks.append((next_number, bytes(item.data)))
                next_number += 1
            elif item.kind == ItemKind.BLOCK_START:
                finish()
                self._partial = None
                current = (next_number, bytearray(item.data))
                next_number += 1
            elif item.kind == ItemKind.BLOCK_CONTINUATION:
                if current is None and self._partial is not None and self._partial[0] == next_number:
                    current, self._partial = self._partial, None
                if current is not None:
                    current[1].extend(item.data)
                next_number = (current[0] if current is not None else next_number) + 1
                # without the block's start (fresh reconstructor) the continuation is dropped
        self._partial = current
        return out

    def _check_order(self, segment_index: int) -> None:
        if self._last_segment_index is not None and segment_index != self._last_segment_index + 1:
            raise IncorrectSegmentOrder(f"expected segment {self._last_segment_index + 1}, got segment {segment_index}")
        self._last_segment_index = segment_index


# ------------------------------------------------------------------------------ public classes
class Reconstructor:
    """Segments' pieces -> blocks (S&T 5.3). `kzg` is kept for piece verification by callers; the
    recovery itself is erasure decoding on `backend`."""

    def __init__(self, kzg: Any, backend: Any, *, geometry: SegmentGeometry = NETWORK_GEOMETRY,
                 check_consistency: bool = True) -> None:
        self.kzg = kzg
        self.backend = backend
        self.geometry = geometry
        self.check_consistency = check_consistency
        self._assembler = BlockAssembler()

    def reconstruct_segment_bytes(self, pieces: Sequence[bytes | None]) -> bytes:
        """The encoded (zero-padded) segment of these pieces."""
        parsed = parse_pieces(pieces, self.geometry)
        sources, _ = recover_records(self.backend, parsed, need_parity=False,
                                     check_consistency=self.check_consistency)
        return segment_bytes_from_records(sources)

    def reconstruct_segment(self, pieces: Sequence[bytes | None]) -> list[SegmentItem]:
        """The segment's items (5.3 `reconstruct_segment`); SegmentDecodeError if they do not decode."""
        data = self.reconstruct_segment_bytes(pieces)
        try:
            return decode_segment(data)
        except ScaleDecodeError as e:
            raise SegmentDecodeError(f"reconstructed segment does not decode: {e}") from None

    def add_segment_contents(self, pieces: Sequence[bytes | None]) -> ReconstructedContents:
        return self._assembler.add_items(self.reconstruct_segment(pieces))

    def add_segment(self, pieces: Sequence[bytes | None]) -> list[bytes]:
        """Blocks completed by this segment (the next segment in order), from any half of its pieces."""
        return [data for _, data in self.add_segment_contents(pieces).blocks]


class PiecesReconstructor:
    """Missing pieces of a segment, byte-identical to the archiver's (S&T 5.3 PiecesReconstructor)."""

    def __init__(self, kzg: Any, backend: Any, *, geometry: SegmentGeometry = NETWORK_GEOMETRY,
                 check_consistency: bool = True) -> None:
        self.kzg = kzg
        self.backend = backend
        self.geometry = geometry
        self.check_consistency = check_consistency

    def _rebuild(self, pieces: Sequence[bytes | None], positions: list[int]) -> dict[int, bytes]:
        parsed = parse_pieces(pieces, self.geometry)
        wanted = [k for k in positions if parsed.items[k] is None]
        out = {k: parsed.items[k] for k in positions if parsed.items[k] is not None}
        if not wanted:
            return out  # type: ignore[return-value]
        sources, parity = recover_records(self.backend, parsed, need_parity=any(k % 2 for k in wanted),
                                          check_consistency=self.check_consistency)
        commitments = recover_commitments(self.kzg, [parsed.commitment(k) for k in range(self.geometry.pieces)])
        openings = segment_openings(self.kzg, self.backend, commitments, wanted)
        for k in wanted:
            record = sources[k // 2] if k % 2 == 0 else parity[k // 2]  # type: ignore[index]
            out[k] = pieces_from_records(record[None], [commitments[k]], {0: openings.witnesses[k]})[0]
        return out  # type: ignore[return-value]

    def reconstruct_segment(self, pieces: Sequence[bytes | None]) -> list[bytes]:
        """All pieces of the segment (present ones returned as given)."""
        rebuilt = self._rebuild(pieces, list(range(self.geometry.pieces)))
        return [rebuilt[k] for k in range(self.geometry.pieces)]

    def reconstruct_piece(self, pieces: Sequence[bytes | None], position: int) -> bytes:
        """The piece at `position` (IncorrectPiecePosition outside 0..255)."""
        if not isinstance(position, (int, np.integer)) or not 0 <= position < self.geometry.pieces:
            raise IncorrectPiecePosition(f"position {position!r} outside 0..{self.geometry.pieces - 1}")
        return self._rebuild(pieces, [int(position)])[int(position)]
