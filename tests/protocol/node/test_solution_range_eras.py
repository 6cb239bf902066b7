"""Solution range per era on the node (issue 12, protocol.md 3.3): the range a child carries is derived from
its parent's chain (`child_solution_range`), changing at era ends exactly as `next_solution_range` says; a
dev node farms and imports with it, and a block carrying another range is refused as InvalidSolutionRange."""
from __future__ import annotations

import dataclasses

import pytest

from accel.kzg import Kzg, dev_parameters
from protocol.consensus import Block, Header, PreDigest, Solution, seal_header
from protocol.consensus.block import ZERO_HASH
from protocol.consensus.solution import _FIXED
from protocol.consensus.solution_range import child_solution_range, next_solution_range
from protocol.node.chain_db import ChainDb
from protocol.node.service import Node, NodeConfig

PROBABILITY = (1, 6)
INITIAL = 10**15


def _solution() -> Solution:
    fields = {name: bytes(size) for name, size in _FIXED.items()}
    return Solution(sector_index=0, history_size=1, piece_offset=0, **fields)


def _chain(slots: list[int], era: int, adjust: bool = True) -> list[Header]:
    """Genesis, then one block per slot, each carrying the range `child_solution_range` asks of it."""
    solution = _solution()
    headers = [Header(ZERO_HASH, 0, ZERO_HASH, ZERO_HASH, None, 123)]
    by_hash = {headers[0].hash(): headers[0]}
    for slot in slots:
        parent = headers[-1]
        solution_range = child_solution_range(parent, by_hash.get, initial=INITIAL, adjust_enabled=adjust,
                                              slot_probability=PROBABILITY, era_duration=era)
        pre = PreDigest(slot, solution, bytes(16), bytes(16))
        header = Header(parent.hash(), parent.number + 1, ZERO_HASH, ZERO_HASH, pre, solution_range)
        headers.append(header)
        by_hash[header.hash()] = header
    return headers


def test_range_changes_at_era_ends_as_next_solution_range_says():
    era = 4
    # era 1 (blocks 1..4) fast: 3 slots from block 1 to block 4; era 2 (blocks 4..8) slow: 60 slots
    slots = [1, 2, 3, 4, 10, 20, 40, 64, 65, 66]
    h = _chain(slots, era)
    assert all(x.solution_range == INITIAL for x in h[1:5])  # block #1 takes the initial range, not genesis's
    first = next_solution_range(INITIAL, h[4].slot - h[1].slot, PROBABILITY, era)
    assert first == INITIAL // 4  # clamped: the era took 3 slots for 24 expected
    assert all(x.solution_range == first for x in h[5:9])
    second = next_solution_range(first, h[8].slot - h[4].slot, PROBABILITY, era)
    assert second == first * 60 // (era * 6)  # 60 slots for 24 expected: the range widens x 2.5
    assert all(x.solution_range == second for x in h[9:])


def test_range_stays_without_adjustment_and_needs_the_era_start():
    h = _chain([1, 2, 3, 4, 5, 6, 7, 8, 9], 4, adjust=False)
    assert {x.solution_range for x in h[1:]} == {INITIAL}
    h = _chain([1, 2, 3, 4], 4)
    with pytest.raises(ValueError, match="not known"):  # an era end whose ancestry is missing
        child_solution_range(h[4], lambda _: None, initial=INITIAL, adjust_enabled=True, era_duration=4)
    with pytest.raises(ValueError):
        child_solution_range(h[4], {}.get, initial=-1)


@pytest.fixture(scope="module")
def kzg():
    return Kzg(dev_parameters())


PROBABILITY_NODE = (1, 40)  # far from U64_MAX even after one era's x4 widening (a U64_MAX block weighs 0)


def config(base, **kw):
    return NodeConfig(base_path=base, backend="cpu", rpc_port=0, pieces_per_sector=1, slot_duration=0.1,
                      slot_probability=PROBABILITY_NODE, era_duration=2, solution_range_adjustment=True,
                      max_slots=4000, **kw)


def test_dev_node_adjusts_per_era_and_rejects_a_wrong_range(tmp_path, kzg):
    node = Node(config(tmp_path, max_blocks=4), kzg=kzg)
    assert node.run() == 4
    with ChainDb(tmp_path / "chain.db") as db:
        chain = [db.header_by_number(n) for n in range(db.head().number + 1)]
    initial = node.initial_solution_range
    expected = [initial, initial]  # blocks #1 and #2 (era 1 ends at #2)
    expected.append(next_solution_range(initial, chain[2].slot - chain[1].slot, PROBABILITY_NODE, 2))
    expected.append(expected[-1])  # era 2: blocks #2..#4
    assert [h.solution_range for h in chain[1:5]] == expected

    events = []
    node = Node(config(tmp_path), events.append, kzg=kzg)
    node.prepare()  # the stored chain, no block production
    try:
        block = node.db.block_by_number(4)
        parent = node.db.header(block.header.parent_hash)
        assert node.expected_solution_range(parent) == block.header.solution_range
        wrong = dataclasses.replace(block.header, solution_range=block.header.solution_range // 2, seal=None)
        forged = Block(seal_header(wrong, node.keypair), block.extrinsics, block.segment_headers)
        assert not node._import(forged, parent, block.segment_headers)  # noqa: SLF001 - the import path itself
        assert not node.db.has_block(forged.hash())
        rejected = [e.message for e in events if e.kind == "rejected"]
        assert len(rejected) == 1 and "InvalidSolutionRange" in rejected[0]
    finally:
        node.shutdown()
