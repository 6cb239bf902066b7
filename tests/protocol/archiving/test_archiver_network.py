"""Archiving at the network's full size (S&T 5.2-5.3) with the network's KZG parameters: the derived
full-segment vector of archiving.json, the header chain, a round trip of a segment-sized block through
two full segments, and a full segment rebuilt from a random half of its pieces.

Full segments are slow on a CPU (a 2^15-point MSM per non-zero source record), so the data here are
mostly zeros: zero records commit without an MSM, every other step runs at full size. Two segments
are archived in the whole file. The reconstructor's block numbering (reconstructor.rs basic()) is
checked on the framing alone (no cryptography) at full SIZE."""
from __future__ import annotations

import random

import blake3
import numpy as np
import pytest

from accel.kzg import blake3_254_hash_to_scalar, extend_commitments
from protocol.archiving import (Archiver, ItemKind, LastArchivedBlock, PiecesReconstructor, Reconstructor,
                                SegmentFramer, SegmentHeader, is_piece_valid)
from protocol.archiving.pieces import record_commitments, record_scalars
from protocol.archiving.reconstructor import BlockAssembler
from protocol.constants import PIECE_SIZE, RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE as SIZE
from vectors import load_vectors


def _derived() -> dict:
    return next(c for c in load_vectors("archiving.json")["cases"] if c["kind"] == "exact_derived")


def _sparse_block(seed: int) -> bytes:
    """SIZE bytes, zero except two random runs (2-3 source records that need a real MSM)."""
    rng = random.Random(seed)
    block = bytearray(SIZE)
    for start in (5_000_000, 90_000_000):
        block[start:start + 50_000] = rng.randbytes(50_000)
    return bytes(block)


@pytest.fixture(scope="module")
def archived(network_kzg, cpu):
    """Segment 0 of one all-zero block of SIZE bytes (the derived vector), then segment 1, which a
    second (sparse) block of SIZE bytes completes."""
    archiver = Archiver(network_kzg, cpu)
    first = archiver.add_block(bytes(SIZE))
    second_block = _sparse_block(1)
    second = archiver.add_block(second_block)
    return first, second, second_block


def test_derived_full_segment_vector(archived):
    case = _derived()
    (segment,), _, _ = archived
    pieces = segment.pieces
    assert len(pieces) == 256 and {len(p) for p in pieces} == {PIECE_SIZE}
    for position, chunk in case["record_chunk0_hex_by_position"].items():
        assert pieces[int(position)][:32].hex() == chunk
    for piece in pieces:  # "every other chunk of every record is 32 zero bytes"
        assert not np.frombuffer(piece, np.uint8, RECORD_SIZE - 32, 32).any()
    commitments = segment.record_commitments
    assert [c.hex() for c in commitments[:8]] == case["record_commitments_hex_first8"]
    assert commitments[-1].hex() == case["record_commitment_last_hex"]
    assert [p[RECORD_SIZE:RECORD_SIZE + 48] for p in pieces] == commitments
    assert blake3.blake3(b"".join(commitments)).hexdigest() == case["record_commitments_blake3_of_concat_256x48"]
    assert segment.segment_commitment.hex() == case["segment_commitment_hex"]
    for position, witness in case["witnesses_hex"].items():
        assert pieces[int(position)][-48:].hex() == witness
    assert blake3.blake3(b"".join(p[-48:] for p in pieces)).hexdigest() == case["witnesses_blake3_of_concat_256x48"]
    for position, digest in case["piece_blake3_hex"].items():
        assert blake3.blake3(pieces[int(position)]).hexdigest() == digest
    whole = blake3.blake3()
    for piece in pieces:
        whole.update(piece)
    assert whole.hexdigest() == case["archived_segment_blake3_of_256_pieces_concat"]


def test_derived_segment_header_and_framing(archived):
    case = _derived()
    (segment,), _, _ = archived
    expected = case["segment_header"]
    assert segment.header.segment_index == expected["segment_index"]
    assert segment.header.prev_segment_header_hash.hex() == expected["prev_segment_header_hash"]
    assert segment.header.last_archived_block == LastArchivedBlock(expected["last_archived_block"]["number"],
                                                                   expected["last_archived_block"]["partial"])
    assert segment.header.encode().hex() == case["segment_header_scale_hex"]
    assert segment.header.hash().hex() == case["segment_header_hash_blake3_hex"]
    assert [(i.kind, len(i.data)) for i in segment.items] == [(ItemKind.BLOCK_START, 130023418)]


def test_every_piece_of_the_derived_segment_verifies(archived, network_kzg, cpu):
    (segment,), _, _ = archived
    pieces, commitments = segment.pieces, segment.record_commitments
    # Record commitments: recomputed for every source record (zero ones without an MSM), extended to parity.
    sources = np.stack([record_scalars(pieces[k][:RECORD_SIZE]) for k in range(0, 256, 2)])
    recomputed = record_commitments(network_kzg, cpu, sources)
    assert recomputed == commitments[0::2]
    assert extend_commitments(recomputed) == commitments
    # Openings of every piece against the segment commitment, checked together.
    openings = [(segment.segment_commitment, 256, k, blake3_254_hash_to_scalar(commitments[k]), pieces[k][-48:])
                for k in range(256)]
    assert network_kzg.verify_batch(openings)
    # And the whole reference check on a source and a parity piece (a real 2^15-point MSM each).
    for position in (0, 1):
        assert is_piece_valid(network_kzg, pieces[position], segment.segment_commitment, position)
    assert not is_piece_valid(network_kzg, pieces[1], segment.segment_commitment, 3)


def test_second_segment_chains_and_round_trips_the_first_block(archived, network_kzg, cpu):
    (first,), second, block = archived
    assert len(second) == 1
    (segment,) = second
    assert segment.header.segment_index == 1
    assert segment.header.prev_segment_header_hash == first.header.hash()
    assert [i.kind for i in segment.items] == [ItemKind.PARENT_SEGMENT_HEADER, ItemKind.BLOCK_CONTINUATION,
                                               ItemKind.BLOCK_START]
    assert segment.header.last_archived_block.number == 1
    reconstructor = Reconstructor(network_kzg, cpu)
    # Segment 0 from all source pieces and a few parity ones (direct read + consistency check) ...
    keep = set(range(0, 256, 2)) | {1, 77, 255}
    assert reconstructor.add_segment([p if k in keep else None for k, p in enumerate(first.pieces)]) == []
    # ... segment 1 from a random half (erasure recovery of all 2^15 chunk columns).
    rng = random.Random(11)
    half = set(rng.sample(range(256), 128))
    contents = reconstructor.add_segment_contents([p if k in half else None for k, p in enumerate(segment.pieces)])
    assert contents.segment_header == first.header
    assert [n for n, _ in contents.blocks] == [0]
    assert contents.blocks[0][1] == bytes(SIZE)
    del block


def test_full_segment_is_rebuilt_from_a_random_half(archived, network_kzg, cpu):
    _, (segment,), _ = archived
    rng = random.Random(12)
    half = set(rng.sample(range(256), 128)) - {0} | {1}  # source record 0 (non-zero) is rebuilt
    pieces = [p if k in half else None for k, p in enumerate(segment.pieces)]
    assert PiecesReconstructor(network_kzg, cpu).reconstruct_segment(pieces) == segment.pieces


# ------------------------------------------------------------------------------ block numbering
def _assemble(block_sizes: list[int], fresh: bool) -> list[list[int]]:
    """Frame the blocks at full SIZE and feed every segment's items to one assembler (or a fresh one per
    segment): block numbers per segment, with each block's length checked."""
    framer = SegmentFramer()
    index, prev = 0, bytes(32)
    assembler = BlockAssembler()
    out = []
    for number, size in enumerate(block_sizes):
        block = bytearray(size)
        block[0] = block[-1] = number + 1
        framer.add_block(bytes(block))
        while (framed := framer.next_segment()) is not None:
            header = SegmentHeader(index, bytes(48), prev, framed.last_archived_block)
            framer.push_parent_header(header)
            prev, index = header.hash(), index + 1
            if fresh:
                assembler = BlockAssembler()
            blocks = assembler.add_items(framed.items).blocks
            for n, data in blocks:
                assert len(data) == block_sizes[n] and data[0] == data[-1] == n + 1
            out.append([n for n, _ in blocks])
    return out


def test_reconstructor_block_numbers_match_the_reference():
    case = next(c for c in load_vectors("archiving.json")["cases"] if "reconstructor.rs" in c["origin"])
    sizes = case["blocks_bytes_len"]
    assert _assemble(sizes, fresh=False) == case["expect_blocks_from_full_reconstructor"]
    fresh = _assemble(sizes, fresh=True)
    assert fresh[1:] == [case["expect_blocks_from_fresh_reconstructor_per_segment"][f"segment{i}"] for i in range(1, 5)]
