"""Chain database: blocks by hash and number, fork choice and reorgs, segment headers, reopening, and
durability of committed blocks across SIGKILL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chain_support import filled, genesis, make_chain
from protocol.archiving.segment import LastArchivedBlock, SegmentHeader
from protocol.consensus.block import Block, genesis_block
from protocol.consensus.solution_range import INITIAL_SOLUTION_RANGE
from protocol.node.chain_db import (
    ChainDb, ChainDbError, GenesisMismatch, SegmentHeaderConflict, UnknownBlock,
)

ROOT = Path(__file__).resolve().parents[3]
U64_MAX = 2**64 - 1
W = U64_MAX - INITIAL_SOLUTION_RANGE  # weight of one block at the initial range


def seg(i: int) -> SegmentHeader:
    return SegmentHeader(i, filled(f"c{i}", 48), filled(f"p{i}", 32), LastArchivedBlock(i, None))


@pytest.fixture
def db(tmp_path):
    with ChainDb(tmp_path / "chain.db", genesis=genesis()) as d:
        yield d


def test_new_database_starts_at_genesis(db):
    g = genesis()
    head = db.head()
    assert (head.number, head.hash, head.cumulative_weight) == (0, g.hash(), 0)
    assert db.genesis_hash() == g.hash() and not db.is_empty
    assert db.block_by_number(0) == g
    assert db.block(g.hash()) == g and db.header(g.hash()) == g.header


def test_import_extends_the_best_chain(db):
    chain = make_chain(5, start=genesis())
    for i, block in enumerate(chain, 1):
        result = db.import_block(block)
        assert (result.number, result.is_best, result.cumulative_weight) == (i, True, i * W)
    head = db.head()
    assert (head.number, head.hash, head.cumulative_weight) == (5, chain[-1].hash(), 5 * W)
    for block in chain:
        assert db.block_by_number(block.number) == block
        assert db.hash_by_number(block.number) == block.hash()
        assert db.cumulative_weight(block.hash()) == block.number * W
    assert db.block_by_number(6) is None and db.hash_by_number(-1) is None
    assert db.block(b"\x00" * 32) is None and db.header(b"\x00" * 32) is None
    assert db.has_block(chain[2].hash()) and not db.has_block(b"\x00" * 32)
    assert db.header_by_number(3) == chain[2].header and db.header_by_number(9) is None
    assert db.block_count() == 6


def test_reimport_is_a_no_op_and_unknown_parent_is_refused(db):
    chain = make_chain(2, start=genesis())
    db.import_block(chain[0])
    again = db.import_block(chain[0])
    assert again.already_known and again.is_best and db.block_count() == 2
    with pytest.raises(UnknownBlock):
        db.import_block(make_chain(2, start=genesis(), tag="other")[1])


def test_heavier_fork_reorgs_and_ties_keep_first_seen(db):
    main = make_chain(3, start=genesis(), tag="main")
    for b in main:
        db.import_block(b)
    # a fork from block 1 with a narrower range (heavier per block): 2 blocks outweigh main's 2
    from chain_support import make_header
    fork = []
    parent = main[0].header
    for _ in range(2):
        header = make_header(parent, parent.slot + 1, solution_range=INITIAL_SOLUTION_RANGE // 2, tag="fork")
        fork.append(Block(header))
        parent = header
    r = db.import_block(fork[0])
    assert not r.is_best  # 1 fork block at range/2 < 2 main blocks
    r = db.import_block(fork[1])
    assert r.is_best and r.cumulative_weight == W + 2 * (U64_MAX - INITIAL_SOLUTION_RANGE // 2)
    assert db.head().hash == fork[1].hash() and db.head().number == 3
    assert [db.hash_by_number(n) for n in range(4)] == [genesis().hash(), main[0].hash(), fork[0].hash(),
                                                        fork[1].hash()]
    # a sibling of main[2] with equal weight does not replace the head it ties with
    db.set_head(main[2].hash())
    twin = Block(make_header(main[1].header, main[1].header.slot + 2, tag="twin"))
    assert not db.import_block(twin).is_best
    assert db.head().hash == main[2].hash()
    assert [db.hash_by_number(n) for n in range(4)] == [genesis().hash()] + [b.hash() for b in main]


def test_set_head_to_a_lower_block_trims_the_best_chain(db):
    chain = make_chain(4, start=genesis())
    for b in chain:
        db.import_block(b)
    db.set_head(chain[1].hash())
    assert db.head().number == 2 and db.hash_by_number(3) is None
    assert db.block(chain[3].hash()) == chain[3]  # still stored
    with pytest.raises(UnknownBlock):
        db.set_head(b"\x01" * 32)


def test_reopen_restores_head_and_checks_genesis(tmp_path):
    path = tmp_path / "c.db"
    chain = make_chain(3, start=genesis())
    with ChainDb(path, genesis=genesis()) as d:
        for b in chain:
            d.import_block(b)
        d.put_segment_headers([seg(0)])
        d.put_meta("archiver", b"state")
    with ChainDb(path) as d:
        assert d.head().hash == chain[-1].hash() and d.head().cumulative_weight == 3 * W
        assert d.segment_header(0) == seg(0) and d.get_meta("archiver") == b"state"
    with ChainDb(path, genesis=genesis()) as d:
        assert d.head().number == 3
    with pytest.raises(GenesisMismatch):
        ChainDb(path, genesis=genesis_block(INITIAL_SOLUTION_RANGE - 1))


def test_empty_database_without_genesis(tmp_path):
    with ChainDb(tmp_path / "e.db") as d:
        assert d.is_empty and d.genesis_hash() is None
        with pytest.raises(ChainDbError, match="no chain yet"):
            d.head()
        with pytest.raises(ChainDbError, match="no chain yet"):
            d.import_block(make_chain(1, start=genesis())[0])


def test_segment_headers(db):
    db.put_segment_headers([seg(0), seg(1), seg(2)])
    db.put_segment_headers([seg(2)])  # same again: no-op
    assert db.segment_headers() == [seg(0), seg(1), seg(2)]
    assert db.segment_headers(start=1, count=1) == [seg(1)]
    assert db.segment_headers(start=5) == []
    assert db.last_segment_header() == seg(2) and db.segment_header(7) is None and db.segment_header(-1) is None
    with pytest.raises(SegmentHeaderConflict):
        db.put_segment_headers([seg(3), SegmentHeader(1, filled("x", 48), bytes(32), LastArchivedBlock(0, None))])
    assert db.segment_header(3) is None  # the whole batch was rolled back
    with pytest.raises(ValueError):
        db.segment_headers(start=-1)


def test_reserved_meta_keys(db):
    with pytest.raises(ChainDbError, match="reserved"):
        db.put_meta("head", b"x")


def test_reads_from_another_thread_during_imports(db):
    chain = make_chain(30, start=genesis())
    errors = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                head = db.head()
                assert db.block_by_number(head.number) is not None
            except Exception as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    for b in chain:
        db.import_block(b)
    stop.set()
    t.join()
    assert errors == [] and db.head().number == 30


WRITER = r"""
import sys
sys.path[:0] = [{root!r}, {tests!r}]
from chain_support import genesis, make_chain
from protocol.node.chain_db import ChainDb
db = ChainDb(sys.argv[1], genesis=genesis())
block = genesis()
while True:  # until killed
    block = make_chain(1, start=block)[0]
    db.import_block(block)
    print(block.number, block.hash().hex(), flush=True)
"""


def test_committed_blocks_survive_sigkill(tmp_path):
    path = tmp_path / "killed.db"
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT), tests=str(ROOT / "tests")))
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
    committed = []
    deadline = time.monotonic() + 60
    try:
        while len(committed) < 40 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            number, h = line.split()
            committed.append((int(number), bytes.fromhex(h)))
        proc.send_signal(signal.SIGKILL)  # mid-writes: the writer is importing the next block
    finally:
        proc.kill()
        proc.wait()
    assert len(committed) >= 40, "writer did not report enough commits"
    with ChainDb(path, genesis=genesis()) as d:
        head = d.head()
        last_number, _ = committed[-1]
        assert head.number >= last_number  # may hold one more block committed after the last report
        for number, h in committed:
            assert d.hash_by_number(number) == h
            assert d.block(h).hash() == h
        assert d.hash_by_number(head.number) == head.hash
        # the database is writable again and continues the chain
        nxt = make_chain(head.number + 1, start=genesis())[head.number]
        assert d.import_block(nxt).is_best
