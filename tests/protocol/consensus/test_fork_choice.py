"""Fork choice (protocol.md 3.2): block weight, cumulative weight, heaviest chain with ties keeping the first."""
from __future__ import annotations

import pytest

from protocol.consensus.fork_choice import ForkChoice, block_weight, cumulative_weight, is_heavier
from protocol.consensus.solution_range import INITIAL_SOLUTION_RANGE

U64_MAX = 2**64 - 1


def test_block_weight_is_u64_max_minus_range():
    assert block_weight(INITIAL_SOLUTION_RANGE) == 18_446_744_073_709_551_615 - 6_148_914_691_236_495
    assert block_weight(0) == U64_MAX
    assert block_weight(U64_MAX) == 0
    for bad in (-1, 2**64, 1.5):
        with pytest.raises(ValueError):
            block_weight(bad)


def test_cumulative_weight_sums_past_u64():
    w = 0
    for _ in range(3):
        w = cumulative_weight(w, 0)
    assert w == 3 * U64_MAX
    assert cumulative_weight(10, U64_MAX - 5) == 15
    with pytest.raises(ValueError):
        cumulative_weight(-1, 0)


def test_narrower_range_chain_wins_over_longer_wider_one():
    narrow = cumulative_weight(cumulative_weight(0, U64_MAX // 2), U64_MAX // 2)  # two blocks, half range
    wide = 0
    for _ in range(3):
        wide = cumulative_weight(wide, U64_MAX - U64_MAX // 4)  # three blocks, 3/4 range
    assert narrow > wide


def test_ties_keep_the_first_seen():
    fc = ForkChoice(b"g" * 32, 0)
    assert fc.consider(b"a" * 32, 100)
    assert not fc.consider(b"b" * 32, 100)
    assert fc.best_hash == b"a" * 32
    assert not fc.consider(b"c" * 32, 99)
    assert fc.consider(b"d" * 32, 101)
    assert (fc.best_hash, fc.best_weight) == (b"d" * 32, 101)
    assert is_heavier(2, 1) and not is_heavier(1, 1) and not is_heavier(0, 1)
