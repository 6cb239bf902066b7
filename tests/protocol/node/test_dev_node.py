"""The dev node end to end (issue 12): it archives its genesis history, plots, produces blocks that
pass the import checks, answers GET /head on loopback while running, survives a restart with its chain
intact and continues it; batch plotting from a piece directory gives the same sector as the node's."""
from __future__ import annotations

import json
import threading
import urllib.request

import pytest

from accel.kzg import Kzg, dev_parameters
from protocol.consensus import Block
from protocol.farmer.batch import PieceDirectory, plot_sectors
from protocol.node.chain_db import ChainDb
from protocol.node.service import Node, NodeConfig



@pytest.fixture(scope="module")
def kzg():
    return Kzg(dev_parameters())


def config(base, **kw):
    return NodeConfig(base_path=base, backend="cpu", rpc_port=0, pieces_per_sector=1, slot_duration=0,
                      slot_probability=(1, 2), max_slots=200, **kw)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, kzg):
    base = tmp_path_factory.mktemp("node")
    heads = []
    events = []
    node = Node(config(base, max_blocks=1), events.append, kzg=kzg)

    def poll():
        node.ready.wait(600)
        with urllib.request.urlopen(f"http://127.0.0.1:{node.rpc_port}/head", timeout=10) as r:
            heads.append(json.loads(r.read()))

    poller = threading.Thread(target=poll)
    poller.start()
    produced = node.run()
    poller.join(60)
    return base, node, produced, heads, events


def test_produces_a_block_and_serves_head(first_run):
    base, node, produced, heads, events = first_run
    assert produced == 1
    assert heads and heads[0]["number"] in (0, 1) and heads[0]["hash"].startswith("0x")
    kinds = [e.kind for e in events]
    assert "plotted" in kinds and "block" in kinds and "rejected" not in kinds
    with ChainDb(base / "chain.db") as db:
        head = db.head()
        block = db.block_by_number(1)
    assert head.number == 1 and isinstance(block, Block)
    assert block.header.solution.public_key == node.keypair.public_key
    assert block.header.seal is not None


def test_restart_continues_the_chain(first_run, kzg):
    base, _, _, _, _ = first_run
    with ChainDb(base / "chain.db") as db:
        first = db.block_by_number(1)
    events = []
    node = Node(config(base, max_blocks=1), events.append, kzg=kzg)
    assert node.run() == 1
    assert any(e.kind == "plotted" and "already" in e.message for e in events)
    with ChainDb(base / "chain.db") as db:
        assert db.head().number == 2
        assert db.block_by_number(1).hash() == first.hash()
        second = db.block_by_number(2)
    assert second.header.parent_hash == first.hash()
    assert second.header.slot > first.header.slot


def test_batch_plot_matches_node_sector(first_run, tmp_path):
    base, node, _, _, _ = first_run
    sector = node.sectors[0]
    pieces = tmp_path / "pieces"
    pieces.mkdir()
    for index in sector.piece_indexes:
        (pieces / f"{index}.piece").write_bytes(node.pieces[index])
    source = PieceDirectory(pieces)
    done = plot_sectors("cpu", node.keypair.public_key, tmp_path / "farm", 1, 1, 1, source)
    assert done[0].path.read_bytes() == sector.path.read_bytes()
    assert done[0].metadata_path.read_bytes() == sector.metadata_path.read_bytes()
    with pytest.raises(KeyError):
        source(10**6)
