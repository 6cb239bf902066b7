"""Segment framing against archiving.json (S&T 5.1): block sizes -> segments and last archived blocks."""
from __future__ import annotations

import pytest

from protocol.archiving.framing import InvalidBlockSmallSize, InvalidLastArchivedBlock, SegmentFramer
from protocol.archiving.segment import (
    ItemKind, LastArchivedBlock, SegmentHeader, SegmentItem, decode_segment, encode_segment,
)
from protocol.constants import RECORDED_HISTORY_SEGMENT_SIZE as SIZE
from vectors import load_vectors


def _framing_cases() -> list[dict]:
    return [c for c in load_vectors("archiving.json")["cases"] if c["kind"] == "framing"]


def _lab(expected: dict) -> LastArchivedBlock:
    return LastArchivedBlock(expected["number"], None if expected.get("complete") else expected["partial"])


def _size(value) -> int:
    return value if isinstance(value, int) else int(str(value).split("=")[-1].strip())


def _archive(block_sizes: list[int]) -> list[list[tuple[int, LastArchivedBlock, int]]]:
    """For each block: the segments it completes as (index, last archived block, encoded length)."""
    framer = SegmentFramer()
    index, prev = 0, bytes(32)
    out = []
    for n in block_sizes:
        framer.add_block(bytes(n))
        produced = []
        while (framed := framer.next_segment()) is not None:
            header = SegmentHeader(index, bytes(48), prev, framed.last_archived_block)
            used = 1 + sum(item.encoded_size() for item in framed.items)
            produced.append((index, framed.last_archived_block, used))
            framer.push_parent_header(header)
            prev, index = header.hash(), index + 1
        out.append(produced)
    return out


def test_archiver_case_produces_the_reference_segments():
    case = next(c for c in _framing_cases() if c["origin"].endswith("archiver()"))
    got = _archive(case["blocks_bytes_len"])
    for step in case["expect"]:
        produced = got[step["after_block"]]
        assert len(produced) == step["segments_produced"]
        expected = step.get("segments") or ([step] if "segment_index" in step else [])
        for (index, lab, _), exp in zip(produced, expected):
            assert index == exp["segment_index"]
            assert lab == _lab(exp["last_archived_block"])
    assert got[3][0][2] == SIZE - 2  # "segment ends 2 bytes short of SIZE"


def test_reconstructor_case_headers_match_the_reference():
    case = next(c for c in _framing_cases() if "reconstructor.rs" in c["origin"])
    got = [seg for produced in _archive(case["blocks_bytes_len"]) for seg in produced]
    expected = case["expect_segment_headers_seen_by_reconstructor"] + [case["derived_segment_4_after_block_4"]]
    assert [(i, lab) for i, lab, _ in got] == [(e["segment_index"], _lab(e["last_archived_block"])) for e in expected]


def test_one_byte_smaller_segment_edge():
    case = next(c for c in _framing_cases() if "one_byte_smaller_segment" in c["origin"])
    block = _size(case["block_len"])
    (produced,) = _archive([block])
    assert [(i, lab, used) for i, lab, used in produced] == [
        (0, _lab(case["derived_segment"]["last_archived_block"]), case["derived_segment"]["encoded_len_before_padding"])]
    assert _archive([block - 1]) == [[]]


def test_spill_over_edge_case():
    case = next(c for c in _framing_cases() if "spill_over_edge_case" in c["origin"])
    sizes = [_size(s) for s in case["blocks_bytes_len"]]
    first, second = _archive(sizes)
    assert first == []
    assert [(i, lab, used) for i, lab, used in second][0] == (
        0, _lab(case["derived_segments_on_second_add"][0]["last_archived_block"]),
        case["derived_segments_on_second_add"][0]["encoded_len_before_padding"])
    assert second[1][:2] == (1, _lab(case["derived_segments_on_second_add"][1]["last_archived_block"]))
    assert second[1][2] == SIZE


def test_restart_with_invalid_last_block_is_refused():
    header = SegmentHeader(0, bytes(48), bytes(32), LastArchivedBlock(5, 10))
    with pytest.raises(InvalidLastArchivedBlock, match=r"InvalidLastArchivedBlock\(10\)"):
        SegmentFramer.with_initial_state(header, bytes(10))
    with pytest.raises(InvalidBlockSmallSize, match="block_bytes: 6, archived_block_bytes: 10"):
        SegmentFramer.with_initial_state(header, bytes(6))


def test_restart_continues_the_partial_block_after_the_parent_header():
    header = SegmentHeader(7, bytes(48), bytes(32), LastArchivedBlock(5, 10))
    framer = SegmentFramer.with_initial_state(header, bytes(range(25)))
    assert [i.kind for i in framer.buffer] == [ItemKind.PARENT_SEGMENT_HEADER, ItemKind.BLOCK_CONTINUATION]
    assert bytes(framer.buffer[1].data) == bytes(range(10, 25))


def test_segment_encoding_round_trips_items_and_pads_with_zeros():
    header = SegmentHeader(3, bytes(range(48)), bytes(range(32)), LastArchivedBlock(9, 1234))
    items = [SegmentItem(ItemKind.PARENT_SEGMENT_HEADER, header=header),
             SegmentItem(ItemKind.BLOCK_CONTINUATION, b"abc" * 30),
             SegmentItem(ItemKind.BLOCK, bytes(range(256)) * 100),
             SegmentItem(ItemKind.BLOCK_START, b"x")]
    encoded = encode_segment(items, size=100_000)
    assert len(encoded) == 100_000
    assert encoded[0] == 0 and encoded[1] == ItemKind.PARENT_SEGMENT_HEADER
    decoded = decode_segment(encoded)
    assert [(i.kind, bytes(i.data), i.header) for i in decoded] == [(i.kind, bytes(i.data), i.header) for i in items]


def test_segment_header_scale_sizes_and_round_trip():
    partial = SegmentHeader(1, bytes(48), bytes(32), LastArchivedBlock(2, 3))
    complete = SegmentHeader(1, bytes(48), bytes(32), LastArchivedBlock(2, None))
    assert len(partial.encode()) == 98 and len(complete.encode()) == 94
    assert SegmentHeader.decode(partial.encode()) == partial
    assert SegmentHeader.decode(complete.encode()) == complete


@pytest.mark.parametrize("bad", [b"\x01", b"\x00\x05", b"\x00\x01\xff\xff\xff\xff"])
def test_corrupt_segments_raise_a_decode_error(bad):
    with pytest.raises(ValueError):
        decode_segment(bad)
