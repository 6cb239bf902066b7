"""Three dev nodes on loopback (issue 12): two on `backend="cpu"` and one on `backend="opencl"` (pocl on a
CPU-only machine; when OpenCL is unavailable that node runs on cpu and only the opencl assertions skip). They
produce blocks and agree on them, every block stored on a node passed that node's import checks (the
opencl node's blocks verify on the cpu nodes and the other way round); a node stopped and restarted
catches up with its chain DB intact; pieces come from a peer's cache and from a peer's plot; a peer serving
a bad piece is refused and scored down."""
from __future__ import annotations

import threading
import time

import pytest

import accel
from accel.kzg import Kzg, dev_parameters
from protocol.archiving import is_piece_valid
from protocol.dsn.retrieval import ARCHIVAL, PEER_CACHE, PEER_PLOT, PieceNotFound
from protocol.node.chain_db import ChainDb
from protocol.node.service import Node, NodeConfig

TIMEOUT = 240.0
OPENCL = accel.available_backends().get("opencl") is None
BACKENDS = ("cpu", "opencl" if OPENCL else "cpu", "cpu")  # node 2 is the one restarted: keep it on cpu


@pytest.fixture(scope="module")
def kzg():
    return Kzg(dev_parameters())


def config(base, backend="cpu", **kw):
    return NodeConfig(base_path=base, backend=backend, rpc_port=0, pieces_per_sector=1, slot_duration=0.5,
                      slot_probability=(1, 10), piece_cache_size=32, **kw)


class Running:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.events = []
        node.on_event = self.events.append
        self.thread = threading.Thread(target=node.run, daemon=True)
        self.thread.start()
        assert node.ready.wait(TIMEOUT), "node did not start"

    def stop(self) -> None:
        self.node.stop()
        self.thread.join(60)
        assert not self.thread.is_alive()


def wait_for(cond, timeout=TIMEOUT, what=""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def canonical(node: Node) -> list[bytes]:
    head = node.db.head().number
    return [node.db.hash_by_number(n) for n in range(head + 1)]


def agree(nodes, depth) -> bool:
    """Every node's best chain has at least `depth` blocks and they are the same up to depth."""
    chains = [canonical(n) for n in nodes]
    return min(len(c) for c in chains) > depth + 1 and len({tuple(c[:depth + 1]) for c in chains}) == 1


@pytest.fixture(scope="module")
def network(tmp_path_factory, kzg):
    bases = [tmp_path_factory.mktemp(f"node{i}") for i in range(3)]
    a = Running(Node(config(bases[0], listen_port=0), kzg=kzg))
    boot = [f"127.0.0.1:{a.node.listen_port}"]
    others = [Running(Node(config(b, be, bootstrap=boot), kzg=kzg)) for b, be in zip(bases[1:], BACKENDS[1:])]
    nodes = [a, *others]
    yield nodes, bases, kzg
    for r in nodes:
        if r.thread.is_alive():
            r.stop()


def test_three_nodes_produce_and_agree(network):
    nodes, _, _ = network
    wait_for(lambda: all(len(r.node.network.peers()) == 2 for r in nodes), 60, "a full mesh")
    wait_for(lambda: agree([r.node for r in nodes], 3), what="3 common blocks")
    assert sum(r.node.produced for r in nodes) >= 3
    assert sum(r.node.imported for r in nodes) >= 3  # blocks crossed the network
    # every block of every best chain is stored on every node: it passed that node's check_block
    for r in nodes:
        for h in canonical(r.node)[1:-2]:
            assert all(o.node.db.has_block(h) for o in nodes)
    assert not [e for r in nodes for e in r.events if e.kind == "rejected"]


@pytest.mark.skipif(not OPENCL, reason=f"opencl backend unavailable: {accel.available_backends().get('opencl')}")
def test_opencl_node_produces_and_imports(network):
    nodes, _, _ = network
    ocl = nodes[1].node
    assert ocl.backend.name == "opencl"
    # pocl proves far slower than the cpu nodes produce blocks (its slot is past before its proof is
    # ready), so the cpu nodes stop authoring until the opencl node has produced a block
    for i in (0, 2):
        nodes[i].node.authoring.clear()
    try:
        wait_for(lambda: ocl.produced >= 1, what="a block from the opencl node")
        produced = [bytes.fromhex(e.data["hash"]) for e in nodes[1].events
                    if e.kind == "block" and e.data["origin"] == "produced"]
        # its block reaches the cpu nodes through their full import checks
        wait_for(lambda: all(nodes[i].node.db.has_block(produced[0]) for i in (0, 2)), 60,
                 "the opencl node's block on the cpu nodes")
    finally:
        for i in (0, 2):
            nodes[i].node.authoring.set()
    assert ocl.imported >= 1
    number = ocl.db.header(produced[0]).number
    wait_for(lambda: agree([r.node for r in nodes], number), 120, "agreement on the opencl node's block")
    assert all(r.node.db.hash_by_number(number) == produced[0] for r in nodes)
    assert not [e for e in nodes[1].events if e.kind == "rejected"]


def test_piece_from_peer_cache_and_plot(network):
    nodes, _, kzg = network
    a, b, c = (r.node for r in nodes)
    # Caches keep the pieces closest to each (random) peer id, so they may overlap: make `a` the only
    # peer caching this piece.
    index = next(i for i in a.cache.indexes() if i != a.sectors[0].piece_indexes[0])
    for n in (b, c):
        n.cache.remove(index)
    got = c.get_piece(index, sources=(PEER_CACHE,))
    assert got.source == PEER_CACHE and got.peer_id == a.peer_id and got.piece == a.pieces[index]
    plotted = a.sectors[0].piece_indexes[0]
    for n in (a, b, c):
        n.cache.remove(plotted)
    got = c.get_piece(plotted, sources=(PEER_CACHE, PEER_PLOT))
    assert got.source == PEER_PLOT and got.peer_id == a.peer_id and got.piece == a.pieces[plotted]
    header = c.db.segment_header(0)
    assert is_piece_valid(kzg, got.piece, header.segment_commitment, plotted % 256)


def test_bad_piece_is_refused_and_peer_scored_down(network):
    nodes, _, _ = network
    a, b, c = (r.node for r in nodes)
    index = 3
    bad = bytearray(a.pieces[index])
    bad[100] ^= 1
    a_serve, b_serve = a.serve_piece, b.serve_piece
    a.serve_piece = lambda i, s: bytes(bad)
    b.serve_piece = lambda i, s: None
    try:
        with pytest.raises(PieceNotFound):
            c.get_piece(index, sources=(ARCHIVAL,))
    finally:
        a.serve_piece, b.serve_piece = a_serve, b_serve
    assert c.piece_getter.rejected >= 1
    assert any(pid == a.peer_id for pid, _, _ in c.network.penalties)
    got = c.get_piece(index, sources=(ARCHIVAL,))  # the node keeps working, the good piece is taken
    assert got.source == ARCHIVAL and got.piece == a.pieces[index]


def test_restarted_node_catches_up(network):
    nodes, bases, kzg = network
    a = nodes[0].node
    nodes[2].stop()
    with ChainDb(bases[2] / "chain.db") as db:
        before = [db.hash_by_number(n) for n in range(db.head().number + 1)]
        stored_before = db.block_count()
    target = max(a.db.head().number, len(before) - 1) + 1
    wait_for(lambda: a.db.head().number >= target, what="the others to move on")
    restarted = Running(Node(config(bases[2], bootstrap=[f"127.0.0.1:{a.listen_port}"]), kzg=kzg))
    nodes[2] = restarted
    c = restarted.node
    wait_for(lambda: c.db.head().number >= target, what="the restarted node to catch up")
    assert any(e.kind == "status" and "synced" in e.message for e in restarted.events)
    assert all(c.db.has_block(h) for h in before)  # nothing lost
    assert c.db.block_count() >= stored_before
    wait_for(lambda: agree([r.node for r in nodes], target - 2), 60, "agreement after the restart")
