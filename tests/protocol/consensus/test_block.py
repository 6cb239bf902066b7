"""Headers and blocks: SCALE layout, hashing (pre-hash vs hash), validation and decoding errors."""
from __future__ import annotations

import struct

import blake3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chain_support import filled, genesis, make_chain, make_header, make_solution
from protocol.archiving.segment import LastArchivedBlock, SegmentHeader
from protocol.consensus.block import (
    PRE_DIGEST_SIZE, SEAL_SIZE, ZERO_HASH, Block, Header, PreDigest, body_root, genesis_block,
)
from protocol.consensus.solution import SOLUTION_SIZE
from protocol.consensus.solution_range import INITIAL_SOLUTION_RANGE
from protocol.scale import ScaleDecodeError, encode_compact


def segment_header(index: int) -> SegmentHeader:
    return SegmentHeader(index, filled(f"seg{index}", 48), filled(f"prev{index}", 32),
                         LastArchivedBlock(index * 10, None if index % 2 else 123))


def test_genesis_header_layout_is_exact():
    g = genesis().header
    expected = (ZERO_HASH + b"\x00" + ZERO_HASH + body_root(()) + b"\x00"
                + struct.pack("<Q", INITIAL_SOLUTION_RANGE) + b"\x00" + b"\x00")
    assert g.encode() == expected
    assert len(expected) == 108
    assert g.hash() == blake3.blake3(expected).digest()
    assert g.slot == 0 and g.future_slot == 0 and g.is_genesis and g.solution is None
    assert body_root(()) == blake3.blake3(b"\x00\x00").digest()


def test_sealed_header_layout_and_sizes():
    g = genesis().header
    h = make_header(g, slot=5).with_seal(filled("seal", SEAL_SIZE))
    enc = h.encode()
    assert PRE_DIGEST_SIZE == 1 + 8 + SOLUTION_SIZE + 1 + 32
    pre_at = 32 + 1 + 64
    assert enc[pre_at] == 1 and enc[pre_at + 1] == 0
    assert struct.unpack_from("<Q", enc, pre_at + 2)[0] == 5
    assert enc[pre_at + 10:pre_at + 10 + SOLUTION_SIZE] == h.solution.encode()
    # 9 checkpoint sets: slots 1..=9 (future slot 9, genesis future slot 0)
    assert len(h.pot_checkpoints) == 9
    assert len(enc) == 32 + 1 + 64 + 1 + PRE_DIGEST_SIZE + 8 + 1 + 9 * 128 + 1 + 64
    assert enc[-65] == 1 and enc[-64:] == h.seal
    assert h.pot_checkpoints[-1][-1] == h.pre_digest.future_proof_of_time


def test_pre_hash_ignores_seal_and_hash_covers_it():
    h = make_header(genesis().header, slot=3)
    sealed = h.with_seal(filled("seal", 64))
    other = h.with_seal(filled("seal2", 64))
    assert h.pre_hash() == sealed.pre_hash() == other.pre_hash()
    assert len({h.hash(), sealed.hash(), other.hash()}) == 3
    assert sealed.pre_hash() == blake3.blake3(h.encode()).digest()


def test_header_round_trips_through_scale():
    for h in (genesis().header, make_header(genesis().header, 1),
              make_header(genesis().header, 2).with_seal(filled("x", 64))):
        assert Header.decode(h.encode()) == h


def test_block_with_extrinsics_and_segment_headers_round_trips():
    xts = (b"", b"a", bytes(300), filled("big", 70_000))
    shs = (segment_header(0), segment_header(1))
    header = make_header(genesis().header, 4)
    header = Header(header.parent_hash, 1, header.state_root, body_root(xts, shs), header.pre_digest,
                    header.solution_range, header.pot_checkpoints)
    block = Block(header, xts, shs)
    assert block.body_root() == header.extrinsics_root
    data = block.encode()
    assert data[len(header.encode()):].startswith(encode_compact(4) + b"\x00" + b"\x04a")
    assert Block.decode(data) == block
    assert block.hash() == header.hash() and block.number == 1


@given(st.lists(st.binary(max_size=100), max_size=8), st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1))
def test_block_round_trip_property(xts, number, solution_range):
    pre = None if number == 0 else PreDigest(number * 3, make_solution(), filled("p", 16), filled("f", 16))
    header = Header(filled("parent", 32), number, filled("state", 32), body_root(xts), pre, solution_range)
    block = Block(header, tuple(xts))
    assert Block.decode(block.encode()) == block


def test_chain_links_by_hash():
    chain = make_chain(3)
    for parent, child in zip(chain, chain[1:]):
        assert child.header.parent_hash == parent.hash()
        assert child.number == parent.number + 1


@pytest.mark.parametrize("kwargs, message", [
    ({"parent_hash": b"\x00" * 31}, "parent_hash: expected 32 bytes"),
    ({"number": 2**32}, "not a u32"),
    ({"number": -1}, "not a u32"),
    ({"solution_range": 2**64}, "not a u64"),
    ({"seal": b"\x00" * 63}, "seal: expected 64 bytes"),
    ({"pre_digest": None}, "only the genesis header has no pre-digest"),
    ({"pot_checkpoints": ((b"\x00" * 16,) * 7,)}, "expected 8 checkpoints, got 7"),
    ({"pot_checkpoints": ((b"\x00" * 15,) * 8,)}, "expected 16 bytes"),
    ({"pot_checkpoints": b"\x00" * 128}, "sequence of per-slot checkpoint lists"),
])
def test_bad_header_fields_are_refused(kwargs, message):
    base = make_header(genesis().header, 1)
    fields = {f: getattr(base, f) for f in ("parent_hash", "number", "state_root", "extrinsics_root", "pre_digest",
                                            "solution_range", "pot_checkpoints", "seal")}
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Header(**fields)


def test_bad_pre_digest_and_block_fields_are_refused():
    with pytest.raises(ValueError, match="proof_of_time: expected 16 bytes"):
        PreDigest(1, make_solution(), b"\x00" * 15, b"\x00" * 16)
    with pytest.raises(ValueError, match="not a u64"):
        PreDigest(2**64, make_solution(), b"\x00" * 16, b"\x00" * 16)
    with pytest.raises(ValueError, match="one byte string"):
        Block(genesis().header, b"abc")
    with pytest.raises(ValueError, match=r"extrinsics\[1\]: expected bytes"):
        Block(genesis().header, (b"a", "b"))
    with pytest.raises(ValueError, match="expected a SegmentHeader"):
        Block(genesis().header, (), (b"x",))


def test_decoding_bad_bytes_raises_scale_errors():
    h = make_header(genesis().header, 2).with_seal(filled("s", 64))
    enc = h.encode()
    with pytest.raises(ScaleDecodeError, match="trailing"):
        Header.decode(enc + b"\x00")
    for cut in (0, 10, 40, 200, len(enc) - 1):
        with pytest.raises(ScaleDecodeError):
            Header.decode(enc[:cut])
    bad_tag = bytearray(enc)
    bad_tag[97] = 2  # Option tag of the pre-digest
    with pytest.raises(ScaleDecodeError, match="invalid Option tag 2"):
        Header.decode(bytes(bad_tag))
    bad_version = bytearray(enc)
    bad_version[98] = 1  # PreDigest version
    with pytest.raises(ScaleDecodeError, match="unknown version 1"):
        Header.decode(bytes(bad_version))
    no_pre = bytearray(genesis().header.encode())
    no_pre[32] = 4  # number 1 without a pre-digest
    with pytest.raises(ScaleDecodeError, match="only the genesis header"):
        Header.decode(bytes(no_pre))
    block = genesis_block(INITIAL_SOLUTION_RANGE, extrinsics=(b"abc",)).encode()
    with pytest.raises(ScaleDecodeError):
        Block.decode(block[:-3])
    with pytest.raises(ScaleDecodeError, match="trailing"):
        Block.decode(block + b"\x00")
