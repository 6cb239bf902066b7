"""Piece index arithmetic against piece_index.json (S&T 1)."""
from __future__ import annotations

import pytest

from protocol.archiving import piece_index as pi
from vectors import load_vectors


def _value(v) -> int:
    return v if isinstance(v, int) else int(str(v).split("=")[-1].strip())


def test_source_cases_match_the_reference():
    vec = load_vectors("piece_index.json")
    assert vec["source_cases"]
    for row in vec["source_cases"]:
        index, pos, source_pos, segment, next_source = map(_value, row)
        assert pi.is_source(index)
        assert pi.position(index) == pos
        assert pi.source_position(index) == source_pos
        assert pi.segment_index(index) == segment
        assert pi.next_source_index(index) == next_source


def test_parity_cases_match_the_reference():
    vec = load_vectors("piece_index.json")
    for row in vec["parity_cases"]:
        index, pos, segment = map(_value, row)
        assert not pi.is_source(index)
        assert pi.position(index) == pos
        assert pi.segment_index(index) == segment
        with pytest.raises(ValueError, match="parity"):
            pi.source_position(index)
        with pytest.raises(ValueError, match="parity"):
            pi.next_source_index(index)


def test_source_first_order_puts_source_position_p_at_index_p():
    order = pi.segment_piece_indexes_source_first(3)
    assert len(order) == 256 and sorted(order) == list(range(768, 1024))
    for p in range(128):
        assert order[p] == pi.source_piece_index(3, p)
    for q in range(1, 256, 2):
        assert order[q // 2 + 128] == 768 + q


@pytest.mark.parametrize("bad", [-1, 2**64, "1"])
def test_out_of_range_piece_index_is_refused(bad):
    with pytest.raises(ValueError, match="u64"):
        pi.segment_index(bad)
