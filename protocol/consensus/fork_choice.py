"""Fork choice: the heaviest chain wins (protocol.md 3.2, storage_and_time.md 10 step 7).

A block's weight is `U64_MAX - solution_range` (a narrower range means more space behind the chain, so more
weight); a chain's weight is the sum over its blocks, kept per block as the cumulative weight
`parent cumulative + block weight` (genesis: 0, it carries no solution). The best chain is the one whose head
has the largest cumulative weight; a block of equal weight to the current best never replaces it, so ties keep
the block seen first. Cumulative weights are unbounded Python ints (the network keeps a u128).

API: `block_weight(solution_range)`, `cumulative_weight(parent_cumulative, solution_range)`,
`is_heavier(candidate, best)`, and `ForkChoice`, an in-memory tracker of the best head:

    fc = ForkChoice(genesis_hash, 0)
    if fc.consider(block_hash, weight):   # True: the block is the new best head
        ...
"""
from __future__ import annotations

from dataclasses import dataclass

from protocol.constants import U64_MAX

GENESIS_CUMULATIVE_WEIGHT = 0


def block_weight(solution_range: int) -> int:
    """Weight one block adds to its chain: U64_MAX - solution_range."""
    if not isinstance(solution_range, int) or not 0 <= solution_range <= U64_MAX:
        raise ValueError(f"solution range {solution_range!r} is not a u64")
    return U64_MAX - solution_range


def cumulative_weight(parent_cumulative: int, solution_range: int) -> int:
    """Cumulative weight of a block: its parent's plus its own."""
    if not isinstance(parent_cumulative, int) or parent_cumulative < 0:
        raise ValueError(f"parent cumulative weight {parent_cumulative!r} is not a non-negative int")
    return parent_cumulative + block_weight(solution_range)


def is_heavier(candidate: int, best: int) -> bool:
    """Whether a head of cumulative weight `candidate` replaces the best head of weight `best` (strictly
    heavier: ties keep the first seen)."""
    return candidate > best


@dataclass
class ForkChoice:
    """The best head seen so far, by cumulative weight (ties keep the first seen)."""

    best_hash: bytes
    best_weight: int

    def consider(self, block_hash: bytes, weight: int) -> bool:
        """Offer a newly imported block; returns True (and makes it the best head) if it is strictly heavier."""
        if is_heavier(weight, self.best_weight):
            self.best_hash, self.best_weight = bytes(block_hash), weight
            return True
        return False
