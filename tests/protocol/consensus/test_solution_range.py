"""Solution range arithmetic (protocol.md 3.1, 3.3; S&T 10): exact integer order, saturation, clamping."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.consensus.solution_range import (
    INITIAL_SOLUTION_RANGE, era_start_block_number, is_era_end, next_solution_range, pieces_to_solution_range,
    solution_range_for_child, solution_range_to_pieces, voting_solution_range,
)

U64_MAX = 2**64 - 1


def test_initial_solution_range_matches_spec():
    assert INITIAL_SOLUTION_RANGE == 6_148_914_691_236_495
    assert pieces_to_solution_range(1000, (1, 6)) == 6_148_914_691_236_495


def test_pieces_to_solution_range_uses_left_to_right_integer_order():
    # ((u64::MAX / 6 * 1) / 2^15 * 2^16) / n, truncating at each step
    assert pieces_to_solution_range(1) == (U64_MAX // 6) // 32768 * 65536
    assert pieces_to_solution_range(1) == 6_148_914_691_236_495_360
    assert pieces_to_solution_range(3, (1, 1)) == (U64_MAX // 32768 * 65536) // 3
    assert pieces_to_solution_range(7, (2, 3)) == ((U64_MAX // 3 * 2) // 32768 * 65536) // 7


def test_solution_range_to_pieces_inverts_the_conversion():
    for pieces in (1, 10, 1000, 123_456):
        assert solution_range_to_pieces(pieces_to_solution_range(pieces)) == pieces


@pytest.mark.parametrize("call", [
    lambda: pieces_to_solution_range(0),
    lambda: pieces_to_solution_range(10, (0, 6)),
    lambda: pieces_to_solution_range(10, (7, 6)),
    lambda: solution_range_to_pieces(0),
    lambda: next_solution_range(-1, 10),
    lambda: next_solution_range(10, 2**64),
    lambda: next_solution_range(10, 10, era_duration=0),
    lambda: voting_solution_range(2**64),
])
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_era_with_expected_slot_count_keeps_the_range():
    assert next_solution_range(INITIAL_SOLUTION_RANGE, 2016 * 6) == INITIAL_SOLUTION_RANGE


def test_slower_era_widens_and_faster_era_narrows():
    cur = 1_000_000_007
    assert next_solution_range(cur, 2016 * 6 * 2) == cur * 2016 * 12 // 2016 // 6 == 2 * cur
    assert next_solution_range(cur, 2016 * 3) == cur * 2016 * 3 // 2016 // 6 == 500_000_003
    assert next_solution_range(cur, 12_097) == cur * 12_097 // 2016 // 6 == 1_000_082_678


def test_adjustment_is_clamped_to_a_factor_of_four():
    cur = 1_000_000_000
    assert next_solution_range(cur, 2016 * 6 * 100) == 4 * cur
    assert next_solution_range(cur, 1) == cur // 4
    assert next_solution_range(cur, 0) == cur // 4


def test_adjustment_saturates_at_u64_max():
    assert next_solution_range(U64_MAX, U64_MAX) == U64_MAX
    big = U64_MAX // 2
    assert next_solution_range(big, 2016 * 6 * 3) == U64_MAX  # 3x would overflow u64: saturates, clamp max is MAX


@given(st.integers(0, U64_MAX), st.integers(0, U64_MAX))
def test_adjustment_matches_a_u128_model(cur, slots):
    product = min(cur * slots, 2**128 - 1)
    scaled = min(product // 2016 // 6, U64_MAX)
    expected = min(max(scaled, cur // 4), min(cur * 4, U64_MAX))
    assert next_solution_range(cur, slots) == expected


def test_voting_range_is_ten_times_saturating():
    assert voting_solution_range(INITIAL_SOLUTION_RANGE) == 61_489_146_912_364_950
    assert voting_solution_range(U64_MAX // 5) == U64_MAX


def test_era_boundaries():
    assert not is_era_end(0)
    assert not is_era_end(2015)
    assert is_era_end(2016) and is_era_end(4032)
    assert era_start_block_number(2016) == 1
    assert era_start_block_number(4032) == 2016
    with pytest.raises(ValueError, match="does not end an era"):
        era_start_block_number(2017)


def test_solution_range_for_child():
    r = INITIAL_SOLUTION_RANGE
    # not an era end, or adjustment disabled: unchanged
    assert solution_range_for_child(2015, r, 50_000, None, adjust_enabled=True) == r
    assert solution_range_for_child(2016, r, 50_000, 10, adjust_enabled=False) == r
    assert solution_range_for_child(0, r, 0, None, adjust_enabled=True) == r
    # era end with adjustment: derived from the era's slot count
    assert solution_range_for_child(2016, r, 10 + 2016 * 12, 10, adjust_enabled=True) == 2 * r
    with pytest.raises(ValueError, match="era start slot is needed"):
        solution_range_for_child(2016, r, 100, None, adjust_enabled=True)
    with pytest.raises(ValueError, match="after the era end slot"):
        solution_range_for_child(2016, r, 100, 101, adjust_enabled=True)
