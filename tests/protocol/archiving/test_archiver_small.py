"""Archiver, Reconstructor, PiecesReconstructor and piece verification on a small segment geometry
(S&T 5.1-5.3 with 8 source records of 32 chunks; the rules are those of the network geometry, which
test_archiver_network.py checks at full size). Erasure coding runs on every backend; MSMs on the CPU."""
from __future__ import annotations

import random

import blake3
import numpy as np
import pytest

from conftest import SMALL
from protocol.archiving import (Archiver, IncorrectPiecePosition, IncorrectSegmentOrder, InconsistentPieces,
                                InvalidLastArchivedBlock, InvalidPiece, LastArchivedBlock, NotEnoughPieces,
                                PiecesReconstructor, Reconstructor, is_piece_valid)
from protocol.archiving.pieces import G1_IDENTITY

SIZE = SMALL.segment_size
N = SMALL.pieces


def _archive(kzg, backend, blocks):
    archiver = Archiver(kzg, backend, geometry=SMALL)
    return [s for block in blocks for s in archiver.add_block(block)]


def _random_half(pieces, rng, extra=0):
    keep = set(rng.sample(range(len(pieces)), len(pieces) // 2 + extra))
    return [p if k in keep else None for k, p in enumerate(pieces)]


def _blocks(seed, count, max_len):
    rng = random.Random(seed)
    return [rng.randbytes(rng.randrange(1, max_len)) for _ in range(count)]


@pytest.fixture(scope="module")
def history(small_kzg, cpu):
    blocks = _blocks(1, 14, 2 * SIZE)
    return blocks, _archive(small_kzg, cpu, blocks)


# ------------------------------------------------------------------------------ archiving
def test_segment_shapes_and_header_chain(history):
    _, segments = history
    assert len(segments) >= 5
    prev = bytes(32)
    for index, segment in enumerate(segments):
        assert segment.header.segment_index == index
        assert segment.header.prev_segment_header_hash == prev
        assert len(segment.pieces) == N and {len(p) for p in segment.pieces} == {SMALL.piece_size}
        prev = blake3.blake3(segment.header.encode()).digest()


def test_source_pieces_carry_the_segment_bytes_in_31_byte_chunks(small_kzg, cpu):
    block = bytes(range(256)) * (SIZE // 256 + 1)
    (segment,) = _archive(small_kzg, cpu, [block])
    records = [np.frombuffer(p[:SMALL.record_size], np.uint8).reshape(-1, 32) for p in segment.pieces[0::2]]
    assert all(not r[:, 0].any() for r in records)
    data = b"".join(r[:, 1:].tobytes() for r in records)
    assert data[:1] == b"\x00" and data[1:2] == b"\x02"  # Segment::V0, then a BlockStart item
    cut = segment.header.last_archived_block.partial
    assert data.endswith(block[:cut])


def test_every_piece_verifies_against_its_segment_commitment(history, small_kzg):
    _, segments = history
    for segment in segments[:3]:
        for position, piece in enumerate(segment.pieces):
            assert is_piece_valid(small_kzg, piece, segment.segment_commitment, position, SMALL)


def test_piece_verification_rejects_wrong_position_commitment_or_bytes(history, small_kzg):
    segment = history[1][0]
    piece = segment.pieces[3]
    assert not is_piece_valid(small_kzg, piece, segment.segment_commitment, 4, SMALL)
    assert not is_piece_valid(small_kzg, piece, history[1][1].segment_commitment, 3, SMALL)
    for offset in (100, SMALL.record_size + 5, SMALL.piece_size - 1):  # record, commitment, witness
        bad = bytearray(piece)
        bad[offset] ^= 1
        assert not is_piece_valid(small_kzg, bytes(bad), segment.segment_commitment, 3, SMALL)
    non_canonical = b"\xff" * 32 + piece[32:]
    assert not is_piece_valid(small_kzg, non_canonical, segment.segment_commitment, 3, SMALL)
    with pytest.raises(InvalidPiece, match="1119 bytes"):
        is_piece_valid(small_kzg, piece[:-1], segment.segment_commitment, 3, SMALL)
    with pytest.raises(InvalidPiece, match="position 16"):
        is_piece_valid(small_kzg, piece, segment.segment_commitment, 16, SMALL)


def test_all_zero_records_commit_to_the_identity(small_kzg, cpu):
    archiver = Archiver(small_kzg, cpu, geometry=SMALL)
    (segment,) = archiver.add_block(bytes(SIZE))
    assert segment.record_commitments[2] == G1_IDENTITY  # source record 1: zeros only
    assert segment.record_commitments[0] != G1_IDENTITY  # record 0 holds the item prefix
    assert is_piece_valid(small_kzg, segment.pieces[2], segment.segment_commitment, 2, SMALL)


def test_archiving_is_the_same_on_every_backend(be, small_kzg, history):
    blocks, segments = history
    again = _archive(small_kzg, be, blocks[:6])
    assert again and [s.pieces for s in again] == [s.pieces for s in segments[:len(again)]]
    assert [s.header for s in again] == [s.header for s in segments[:len(again)]]


def test_restart_from_a_header_gives_the_same_later_segments(history, small_kzg, cpu):
    blocks, segments = history
    archiver = Archiver(small_kzg, cpu, geometry=SMALL)
    fed = 0
    while not archiver.add_block(blocks[fed]):
        fed += 1
    fed += 1
    first = segments[0].header
    lab = first.last_archived_block
    restarted = Archiver.with_initial_state(small_kzg, cpu, first, blocks[lab.number], geometry=SMALL)
    later = [s for block in blocks[lab.number + 1:] for s in restarted.add_block(block)]
    assert [s.pieces for s in later] == [s.pieces for s in segments[1:1 + len(later)]]
    assert [s.header for s in later] == [s.header for s in segments[1:1 + len(later)]]


def test_restart_with_the_wrong_last_block_is_refused(small_kzg, cpu):
    from protocol.archiving import SegmentHeader
    header = SegmentHeader(0, G1_IDENTITY, bytes(32), LastArchivedBlock(3, 10))
    with pytest.raises(InvalidLastArchivedBlock):
        Archiver.with_initial_state(small_kzg, cpu, header, bytes(10), geometry=SMALL)


def test_block_that_is_not_bytes_is_refused(small_kzg, cpu):
    with pytest.raises(ValueError, match="expected bytes"):
        Archiver(small_kzg, cpu, geometry=SMALL).add_block("text")


# ------------------------------------------------------------------------------ round trips
def _reconstruct(kzg, backend, segments, seed, extra=0):
    rng = random.Random(seed)
    reconstructor = Reconstructor(kzg, backend, geometry=SMALL)
    return [b for s in segments for b in reconstructor.add_segment(_random_half(s.pieces, rng, extra))]


def test_tiny_block_round_trips(small_kzg, cpu):
    blocks = [b"\x2a", random.Random(2).randbytes(SIZE)]  # the second one fills the segment
    segments = _archive(small_kzg, cpu, blocks)
    assert len(segments) == 1
    assert _reconstruct(small_kzg, cpu, segments, 3) == [b"\x2a"]


def test_block_of_exactly_a_segment_round_trips(small_kzg, cpu):
    blocks = [random.Random(4).randbytes(SIZE), random.Random(5).randbytes(SIZE), b"x"]
    segments = _archive(small_kzg, cpu, blocks)
    assert len(segments) == 2
    assert _reconstruct(small_kzg, cpu, segments, 6) == blocks[:1]


@pytest.mark.parametrize("seed", [7, 8])
def test_history_spanning_several_segments_round_trips_from_random_halves(be, small_kzg, history, seed):
    blocks, segments = history
    got = _reconstruct(small_kzg, be, segments, seed, extra=seed % 2)
    assert got == blocks[:len(got)]
    assert len(got) >= len(blocks) - 3


def test_every_segment_reassembles_from_its_source_pieces_alone(small_kzg, cpu, history):
    blocks, segments = history
    reconstructor = Reconstructor(small_kzg, cpu, geometry=SMALL)
    got = []
    for s in segments:
        got += reconstructor.add_segment([p if k % 2 == 0 else None for k, p in enumerate(s.pieces)])
    assert got == blocks[:len(got)]


def test_fresh_reconstructor_drops_blocks_whose_start_it_never_saw(small_kzg, cpu, history):
    blocks, segments = history
    contents = Reconstructor(small_kzg, cpu, geometry=SMALL).add_segment_contents(segments[2].pieces)
    assert contents.segment_header == segments[1].header
    first_number = segments[1].header.last_archived_block.number + 1
    assert [n for n, _ in contents.blocks] == list(range(first_number, first_number + len(contents.blocks)))
    assert [b for _, b in contents.blocks] == blocks[first_number:first_number + len(contents.blocks)]


# ------------------------------------------------------------------------------ pieces reconstruction
@pytest.mark.parametrize("position", range(N))
def test_single_missing_piece_is_rebuilt_byte_identical(small_kzg, cpu, history, position):
    segment = history[1][1]
    pieces = list(segment.pieces)
    pieces[position] = None
    assert PiecesReconstructor(small_kzg, cpu, geometry=SMALL).reconstruct_piece(pieces, position) == \
        segment.pieces[position]


def test_whole_segment_is_rebuilt_from_any_half(be, small_kzg, history):
    rng = random.Random(9)
    rebuilder = PiecesReconstructor(small_kzg, be, geometry=SMALL)
    for segment in history[1][:3]:
        assert rebuilder.reconstruct_segment(_random_half(segment.pieces, rng)) == segment.pieces


# ------------------------------------------------------------------------------ bad input
def test_too_few_pieces_is_refused(small_kzg, cpu, history):
    pieces = list(history[1][0].pieces)
    for k in range(N // 2 + 1):
        pieces[k] = None
    with pytest.raises(NotEnoughPieces, match="only 7 of 16"):
        Reconstructor(small_kzg, cpu, geometry=SMALL).add_segment(pieces)
    with pytest.raises(NotEnoughPieces):
        PiecesReconstructor(small_kzg, cpu, geometry=SMALL).reconstruct_piece(pieces, 0)


def test_wrong_piece_count_length_or_type_is_refused(small_kzg, cpu, history):
    pieces = list(history[1][0].pieces)
    reconstructor = Reconstructor(small_kzg, cpu, geometry=SMALL)
    with pytest.raises(InvalidPiece, match="expected 16 pieces"):
        reconstructor.add_segment(pieces[:-1])
    with pytest.raises(InvalidPiece, match=r"pieces\[4\]: 1121 bytes"):
        reconstructor.add_segment(pieces[:4] + [pieces[4] + b"\x00"] + pieces[5:])
    with pytest.raises(InvalidPiece, match=r"pieces\[0\]: expected bytes"):
        reconstructor.add_segment([1234] + pieces[1:])
    with pytest.raises(InvalidPiece):
        reconstructor.add_segment(b"".join(pieces))


def test_corrupted_piece_is_detected_when_pieces_are_redundant(small_kzg, cpu, history):
    segment = history[1][0]
    for position, offset in ((0, 40), (5, 40), (6, 200)):
        pieces = list(segment.pieces)
        bad = bytearray(pieces[position])
        bad[offset] ^= 0x10
        pieces[position] = bytes(bad)
        pieces[1] = None  # some recovery is needed
        with pytest.raises(InconsistentPieces, match="piece|source record"):
            Reconstructor(small_kzg, cpu, geometry=SMALL).add_segment(pieces)
        with pytest.raises(InconsistentPieces):
            PiecesReconstructor(small_kzg, cpu, geometry=SMALL).reconstruct_piece(pieces, 1)


def test_corrupted_source_chunk_prefix_is_detected_without_redundancy(small_kzg, cpu, history):
    segment = history[1][0]
    pieces = [p if k % 2 == 0 else None for k, p in enumerate(segment.pieces)]
    bad = bytearray(pieces[2])
    bad[32 * 5] = 1  # the leading byte of chunk 5 of source record 1
    pieces[2] = bytes(bad)
    with pytest.raises(InconsistentPieces, match="source record 1"):
        Reconstructor(small_kzg, cpu, geometry=SMALL).add_segment(pieces)


def test_pieces_of_different_segments_are_detected(small_kzg, cpu, history):
    a, b = history[1][0], history[1][1]
    mixed = a.pieces[:8] + b.pieces[8:12] + [None] * 4
    with pytest.raises(InconsistentPieces):
        Reconstructor(small_kzg, cpu, geometry=SMALL).add_segment(mixed)


def test_segments_out_of_order_are_refused(small_kzg, cpu, history):
    segments = history[1]
    reconstructor = Reconstructor(small_kzg, cpu, geometry=SMALL)
    reconstructor.add_segment(segments[0].pieces)
    with pytest.raises(IncorrectSegmentOrder, match="expected segment 1, got segment 2"):
        reconstructor.add_segment(segments[2].pieces)
    with pytest.raises(IncorrectSegmentOrder):
        reconstructor.add_segment(segments[0].pieces)


def test_piece_position_outside_the_segment_is_refused(small_kzg, cpu, history):
    with pytest.raises(IncorrectPiecePosition, match="position 16"):
        PiecesReconstructor(small_kzg, cpu, geometry=SMALL).reconstruct_piece(history[1][0].pieces, 16)


def test_every_archiving_json_case_has_its_test():
    """Where each case of archiving.json is checked (a new case kind must get a test)."""
    from vectors import load_vectors
    covered = {
        "archiver.rs archiver()": "test_framing.py (framing); pieces valid + header chain: this file",
        "reconstructor.rs basic()": "test_framing.py (headers), test_archiver_network.py (block numbers)",
        "one_byte_smaller_segment": "test_framing.py", "spill_over_edge_case": "test_framing.py",
        "piece_reconstruction.rs": "test_single_missing_piece_is_rebuilt_byte_identical, "
                                   "test_whole_segment_is_rebuilt_from_any_half, test_too_few_pieces_is_refused, "
                                   "test_piece_position_outside_the_segment_is_refused, test_archiver_network.py",
        "invalid_usage()": "test_framing.py, test_restart_with_the_wrong_last_block_is_refused",
        "object_on_the_edge_of_segment()": "test_archiver_network.py::test_derived_full_segment_vector",
    }
    for case in load_vectors("archiving.json")["cases"]:
        origin = case.get("origin", case.get("origin_input", ""))
        assert any(key in origin for key in covered), f"archiving.json case without a test: {origin}"
