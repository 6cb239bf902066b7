"""Solution range: from pieces, era adjustment, voting range (protocol.md 3.1 and 3.3, storage_and_time.md 10).

The solution range is a u64: a solution wins a slot when the distance between the global challenge and the
audit chunk is at most range / 2 (S&T 10 step 4). A larger range means more winning solutions, so the range
is inversely proportional to the space pledged.

Arithmetic follows the network's integer order exactly (Rust u64/u128 with left-to-right division), so
results are bit-exact, not approximations:

* `pieces_to_solution_range(n, (a, b)) = ((U64_MAX // b * a) // 2^15 * 2^16) // n`
* era adjustment (`next_solution_range`):
  `clamp(min(U64_MAX, sat128(sat128(cur * era_slot_count) * a) // era_duration // b), cur // 4, sat64(cur * 4))`
  where sat128/sat64 saturate at 2^128 - 1 / 2^64 - 1 (Rust `saturating_mul`).
* voting range = block range x (EXPECTED_VOTES_PER_BLOCK + 1), saturating at U64_MAX.

When the range changes (runtime `do_finalize` / `enact_era_change`, modelled here): at the end of every block
whose number is a non-zero multiple of ERA_DURATION, if adjustment is enabled, the next range is derived from
the number of slots the era took (`slot(end block) - era start slot`), and it applies from the next block on.
The era start slot is the slot of block #1 for the first era and afterwards the slot of the previous era-end
block. Decision ([UNSURE] in the reference reading): the era start slot moves at every era end even when
adjustment is disabled, so enabling adjustment never measures more than one era. Mainnet runs with adjustment
disabled (`ShouldAdjustSolutionRange = false`), i.e. the range stays INITIAL_SOLUTION_RANGE.

A chain keeps no other state for this: every header carries the range it was checked against, so the range
a child must carry is a function of its parent's chain alone (`child_solution_range(parent, header_of, ...)`
walks back to the era start block when the parent ends an era). Block producers and importers call the same
function on the same parent, so two nodes with the same parameters always agree.

API: `pieces_to_solution_range`, `solution_range_to_pieces`, `next_solution_range`, `voting_solution_range`,
`is_era_end`, `era_start_block_number`, `solution_range_for_child`, `child_solution_range`,
`INITIAL_SOLUTION_RANGE`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from protocol.constants import (
    ERA_DURATION, EXPECTED_VOTES_PER_BLOCK, MAX_PIECES_IN_SECTOR, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS,
    SLOT_PROBABILITY, U64_MAX,
)

if TYPE_CHECKING:
    from protocol.consensus.block import Header

U128_MAX = 2**128 - 1


def _check_probability(slot_probability: tuple[int, int]) -> tuple[int, int]:
    a, b = slot_probability
    if not (isinstance(a, int) and isinstance(b, int)) or a <= 0 or b <= 0 or a > b:
        raise ValueError(f"slot probability must be (a, b) with 0 < a <= b, got {slot_probability!r}")
    return a, b


def _check_u64(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= U64_MAX:
        raise ValueError(f"{name}: {value!r} is not a u64")


def pieces_to_solution_range(pieces: int, slot_probability: tuple[int, int] = SLOT_PROBABILITY) -> int:
    """Solution range at which `pieces` plotted pieces win a slot with the given probability (P 3.1)."""
    a, b = _check_probability(slot_probability)
    if not isinstance(pieces, int) or not 0 < pieces <= U64_MAX:
        raise ValueError(f"pieces must be a positive u64, got {pieces!r}")
    return ((U64_MAX // b * a) // RECORD_NUM_CHUNKS * RECORD_NUM_S_BUCKETS) // pieces


def solution_range_to_pieces(solution_range: int, slot_probability: tuple[int, int] = SLOT_PROBABILITY) -> int:
    """Inverse of `pieces_to_solution_range` in the same integer order: the space (in pieces) the range
    corresponds to."""
    a, b = _check_probability(slot_probability)
    _check_u64("solution_range", solution_range)
    if solution_range == 0:
        raise ValueError("solution range 0 corresponds to no finite number of pieces")
    return ((U64_MAX // b * a) // RECORD_NUM_CHUNKS * RECORD_NUM_S_BUCKETS) // solution_range


INITIAL_SOLUTION_RANGE = pieces_to_solution_range(MAX_PIECES_IN_SECTOR, SLOT_PROBABILITY)  # 6,148,914,691,236,495


def next_solution_range(current: int, era_slot_count: int, slot_probability: tuple[int, int] = SLOT_PROBABILITY,
                        era_duration: int = ERA_DURATION) -> int:
    """Range for the next era (P 3.3): `current` scaled by era_slot_count / (era_duration / probability),
    clamped to [current / 4, current x 4]. An era that took exactly era_duration x b / a slots keeps the range;
    a slower era (less space) widens it."""
    a, b = _check_probability(slot_probability)
    _check_u64("current solution range", current)
    _check_u64("era slot count", era_slot_count)
    if not isinstance(era_duration, int) or era_duration <= 0:
        raise ValueError(f"era duration must be a positive number of blocks, got {era_duration!r}")
    scaled = min(min(current * era_slot_count, U128_MAX) * a, U128_MAX) // era_duration // b
    lower = current // 4
    upper = min(current * 4, U64_MAX)
    return max(lower, min(min(scaled, U64_MAX), upper))


def voting_solution_range(solution_range: int, expected_votes_per_block: int = EXPECTED_VOTES_PER_BLOCK) -> int:
    """Range a vote is checked against: block range x (expected votes + 1), saturating (P 3.1)."""
    _check_u64("solution_range", solution_range)
    return min(solution_range * (expected_votes_per_block + 1), U64_MAX)


def is_era_end(block_number: int, era_duration: int = ERA_DURATION) -> bool:
    """True for the blocks that close an era: non-zero multiples of `era_duration`."""
    return block_number > 0 and block_number % era_duration == 0


def era_start_block_number(era_end_block: int, era_duration: int = ERA_DURATION) -> int:
    """The block whose slot is the era start slot when `era_end_block` closes its era: block #1 for the first
    era, otherwise the previous era-end block."""
    if not is_era_end(era_end_block, era_duration):
        raise ValueError(f"block #{era_end_block} does not end an era of {era_duration} blocks")
    return max(1, era_end_block - era_duration)


def solution_range_for_child(parent_number: int, parent_solution_range: int, parent_slot: int,
                             era_start_slot: int | None, adjust_enabled: bool = False,
                             slot_probability: tuple[int, int] = SLOT_PROBABILITY,
                             era_duration: int = ERA_DURATION) -> int:
    """The solution range a child of the given parent must carry (what `InvalidSolutionRange` checks).

    `era_start_slot` is the slot of `era_start_block_number(parent_number)` on the parent's chain; it is only
    read when the parent ends an era with adjustment enabled (pass None otherwise)."""
    _check_u64("parent solution range", parent_solution_range)
    if adjust_enabled and is_era_end(parent_number, era_duration):
        if era_start_slot is None:
            raise ValueError(f"block #{parent_number} ends an era: its era start slot is needed")
        if era_start_slot > parent_slot:
            raise ValueError(f"era start slot {era_start_slot} is after the era end slot {parent_slot}")
        return next_solution_range(parent_solution_range, parent_slot - era_start_slot, slot_probability,
                                   era_duration)
    return parent_solution_range


def child_solution_range(parent: Header, header_of: Callable[[bytes], Header | None], *, initial: int,
                         adjust_enabled: bool = False, slot_probability: tuple[int, int] = SLOT_PROBABILITY,
                         era_duration: int = ERA_DURATION) -> int:
    """The solution range a child of `parent` must carry, from the parent's chain alone.

    A child of genesis carries `initial` (the chain's initial range; a chain whose genesis header already holds
    it passes `parent.solution_range`). Otherwise `solution_range_for_child`, with the era start slot read
    from the parent's own ancestry (`header_of(hash)` returns a stored header or None) when the parent ends
    an era and adjustment is enabled. ValueError when an ancestor needed is missing."""
    _check_u64("initial solution range", initial)
    if not isinstance(era_duration, int) or era_duration <= 0:
        raise ValueError(f"era duration must be a positive number of blocks, got {era_duration!r}")
    if parent.number == 0:
        return initial
    era_start_slot = None
    if adjust_enabled and is_era_end(parent.number, era_duration):
        start = era_start_block_number(parent.number, era_duration)
        header: Header | None = parent
        while header is not None and header.number > start:
            header = header_of(header.parent_hash)
        if header is None or header.number != start:
            raise ValueError(f"block #{parent.number} ends an era: its ancestor #{start} is not known")
        era_start_slot = header.slot
    return solution_range_for_child(parent.number, parent.solution_range, parent.slot, era_start_slot,
                                    adjust_enabled, slot_probability, era_duration)
