"""Solution verification (storage_and_time.md 10, protocol.md 3.2 steps 3-7), checks in the
network's order, each failure a named exception so the same bad solution fails with the same error
as on the network.

    verify_solution(solution, slot, proof_of_time, solution_range, kzg, piece_check=None) -> None

`proof_of_time` is the 16-byte PoT output of the slot; `kzg` an `accel.kzg.Kzg` (its parameters decide
the network); `piece_check` (optional, `PieceCheckParams`) enables the history checks of step 6.
The reference returns the audit distance on success; the project contract returns None, so
`solution_distance(...)` gives the distance for callers who rank solutions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import blake3

from accel.plotting import is_proof_valid
from protocol.archiving import piece_index as pieces
from protocol.constants import MAX_PIECES_IN_SECTOR, MIN_SECTOR_LIFETIME, PIECES_PER_SEGMENT, RECORD_NUM_S_BUCKETS
from protocol.consensus.solution import Solution
from protocol.farmer.sector import (
    InvalidHistorySize, audit_distance, audit_s_bucket, evaluation_seed, expiration_check_history_size,
    global_challenge, piece_index_for_offset, sector_expiration, sector_id, sector_slot_challenge,
)


class SolutionVerificationError(ValueError):
    """A solution the network would reject; the subclass names the reason."""


class InvalidProofOfSpace(SolutionVerificationError):
    pass


class OutsideSolutionRange(SolutionVerificationError):
    pass


class InvalidChunkWitness(SolutionVerificationError):
    pass


class InvalidChunk(SolutionVerificationError):
    pass


class FutureHistorySize(SolutionVerificationError):
    pass


class InvalidPieceOffset(SolutionVerificationError):
    pass


class SectorExpired(SolutionVerificationError):
    pass


class InvalidPiece(SolutionVerificationError):
    pass


class InvalidSolutionHistorySize(SolutionVerificationError):
    """The sector's history size makes the expiration arithmetic overflow (the network's InvalidHistorySize)."""


@dataclass(frozen=True)
class PieceCheckParams:
    """Step 6 inputs: the chain's view of history. `segment_commitment(segment_index)` returns the
    48-byte commitment of a segment, or None when that segment is not archived yet."""

    current_history_size: int
    segment_commitment: Callable[[int], bytes | None]
    max_pieces_in_sector: int = MAX_PIECES_IN_SECTOR
    min_sector_lifetime: int = MIN_SECTOR_LIFETIME


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def solution_distance(solution: Solution, slot: int, proof_of_time: bytes) -> tuple[bytes, int, int]:
    """(sector_id, s_bucket, distance) of a solution for a slot: steps 1, 2 and 4 without the checks."""
    sid = sector_id(solution.public_key, solution.sector_index, solution.history_size)
    challenge = global_challenge(proof_of_time, slot)
    ssc = sector_slot_challenge(sid, challenge)
    s_bucket = audit_s_bucket(ssc)
    masked = _xor(solution.chunk, blake3.blake3(solution.proof_of_space).digest())
    distance = audit_distance(blake3.blake3(masked, key=ssc).digest(), challenge)
    return sid, s_bucket, distance


def verify_solution(solution: Solution, slot: int, proof_of_time: bytes, solution_range: int, kzg,
                    piece_check: PieceCheckParams | None = None) -> None:
    """Raise the named error of the first failing check of spec 10, or return None for a valid solution."""
    if not isinstance(solution, Solution):
        raise TypeError(f"verify_solution expects a Solution, got {type(solution).__name__}")
    if not isinstance(proof_of_time, (bytes, bytearray)) or len(proof_of_time) != 16:
        raise ValueError("proof_of_time must be the 16-byte PoT output of the slot")
    if not 0 <= slot < 2**64 or not 0 <= solution_range < 2**64:
        raise ValueError("slot and solution range must be u64")
    try:
        sid, s_bucket, distance = solution_distance(solution, slot, bytes(proof_of_time))
    except InvalidHistorySize as e:
        raise InvalidSolutionHistorySize(str(e)) from e
    if not is_proof_valid(evaluation_seed(sid, solution.piece_offset), s_bucket, solution.proof_of_space):
        raise InvalidProofOfSpace(f"proof of space invalid for s-bucket {s_bucket}")
    if distance > solution_range // 2:
        raise OutsideSolutionRange(f"audit distance {distance} exceeds half the solution range {solution_range}")
    if int.from_bytes(solution.chunk, "big") >= _modulus():
        raise InvalidChunk("chunk is not a canonical scalar")
    if not kzg.verify(solution.record_commitment, RECORD_NUM_S_BUCKETS, s_bucket, solution.chunk,
                      solution.chunk_witness):
        raise InvalidChunkWitness(f"chunk witness does not open the record commitment at s-bucket {s_bucket}")
    if piece_check is None:
        return None
    _check_piece(solution, sid, piece_check, kzg)
    return None


def _check_piece(solution: Solution, sid: bytes, params: PieceCheckParams, kzg) -> None:
    if solution.history_size > params.current_history_size + 1:
        raise FutureHistorySize(f"history size {solution.history_size} is beyond the current "
                                f"{params.current_history_size} + 1")
    if solution.piece_offset >= params.max_pieces_in_sector:
        raise InvalidPieceOffset(f"piece offset {solution.piece_offset} >= {params.max_pieces_in_sector}")
    try:
        check = expiration_check_history_size(solution.history_size, params.min_sector_lifetime)
        commitment = params.segment_commitment(check - 1)
        if commitment is not None:
            expires = sector_expiration(sid, solution.history_size, commitment, params.min_sector_lifetime)
            if expires <= params.current_history_size:
                raise SectorExpired(f"sector expired at history size {expires} "
                                    f"(current {params.current_history_size})")
    except InvalidHistorySize as e:
        raise InvalidSolutionHistorySize(str(e)) from e
    index = piece_index_for_offset(sid, solution.piece_offset, solution.history_size,
                                   max_pieces_in_sector=params.max_pieces_in_sector)
    segment_commitment = params.segment_commitment(pieces.segment_index(index))
    if segment_commitment is None:
        raise InvalidPiece(f"segment {pieces.segment_index(index)} of piece {index} is not known")
    from accel.kzg import blake3_254_hash_to_scalar  # noqa: PLC0415 - accel.kzg loads the curve library

    if not kzg.verify(segment_commitment, PIECES_PER_SEGMENT, pieces.position(index),
                      blake3_254_hash_to_scalar(solution.record_commitment), solution.record_witness):
        raise InvalidPiece(f"record commitment of piece {index} is not in its segment commitment")


def _modulus() -> int:
    from accel.erasure import MODULUS  # noqa: PLC0415

    return MODULUS
