"""Loopback JSON RPC: every route, exact answers, clean 400/404/405/500 errors, start/stop."""
from __future__ import annotations

import http.client
import json

import pytest

from chain_support import filled, genesis, make_chain, make_header
from protocol.archiving.segment import LastArchivedBlock, SegmentHeader
from protocol.consensus.block import Block
from protocol.node.chain_db import ChainDb
from protocol.node.rpc import MAX_SEGMENT_HEADERS_PER_REQUEST, RpcServer


def seg(i: int) -> SegmentHeader:
    return SegmentHeader(i, filled(f"c{i}", 48), filled(f"p{i}", 32), LastArchivedBlock(i, 7 if i == 2 else None))


@pytest.fixture
def chain(tmp_path):
    with ChainDb(tmp_path / "c.db", genesis=genesis()) as db:
        blocks = make_chain(3, start=genesis())
        for b in blocks:
            db.import_block(b)
        db.put_segment_headers([seg(i) for i in range(5)])
        yield db, blocks


@pytest.fixture
def rpc(chain):
    db, _ = chain
    server = RpcServer(db, farmer_status=lambda: {"sectors": 3, "plotted": True})
    server.start(0)
    yield server
    server.stop()


def get(server: RpcServer, path: str, method: str = "GET") -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        assert resp.getheader("Content-Type") == "application/json"
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_health_and_head(rpc, chain):
    _, blocks = chain
    assert get(rpc, "/health") == (200, {"status": "ok"})
    assert get(rpc, "/head") == (200, {"number": 3, "hash": "0x" + blocks[-1].hash().hex()})
    assert rpc.url == f"http://127.0.0.1:{rpc.port}"


def test_block_by_number_and_by_hash(rpc, chain):
    db, blocks = chain
    b = blocks[1]
    status, body = get(rpc, "/block/2")
    assert status == 200
    assert body["number"] == 2 and body["hash"] == "0x" + b.hash().hex()
    assert body["parent_hash"] == "0x" + blocks[0].hash().hex()
    assert body["slot"] == b.header.slot and body["solution_range"] == b.header.solution_range
    assert body["extrinsics"] == ["0x" + b.extrinsics[0].hex()]
    assert body["is_best"] is True and body["cumulative_weight"] == str(db.cumulative_weight(b.hash()))
    assert body["pre_digest"]["solution"]["public_key"] == "0x" + b.header.solution.public_key.hex()
    assert len(body["pot_checkpoints"]) == len(b.header.pot_checkpoints)
    assert Block.decode(bytes.fromhex(body["encoded"][2:])) == b
    assert get(rpc, "/block/0x" + b.hash().hex()) == (200, body)
    assert get(rpc, "/block/" + b.hash().hex()) == (200, body)
    status, g = get(rpc, "/block/0")
    assert status == 200 and g["pre_digest"] is None and g["seal"] is None and g["number"] == 0


def test_fork_block_is_served_by_hash_but_not_best(rpc, chain):
    db, blocks = chain
    fork = Block(make_header(blocks[0].header, blocks[0].header.slot + 1, tag="fork"))
    assert not db.import_block(fork).is_best
    status, body = get(rpc, "/block/0x" + fork.hash().hex())
    assert status == 200 and body["is_best"] is False and body["number"] == 2


def test_segment_headers(rpc):
    status, body = get(rpc, "/segment-headers")
    assert status == 200 and body["from"] == 0 and body["count"] == 5
    assert [h["segment_index"] for h in body["segment_headers"]] == [0, 1, 2, 3, 4]
    h2 = body["segment_headers"][2]
    assert h2["last_archived_block"] == {"number": 2, "partial": 7}
    assert h2["encoded"] == "0x" + seg(2).encode().hex() and h2["hash"] == "0x" + seg(2).hash().hex()
    assert h2["segment_commitment"] == "0x" + seg(2).segment_commitment.hex()
    status, body = get(rpc, "/segment-headers?from=3&count=1")
    assert status == 200 and [h["segment_index"] for h in body["segment_headers"]] == [3]
    assert get(rpc, "/segment-headers?from=9")[1]["segment_headers"] == []


def test_farmer_status(rpc, chain):
    assert get(rpc, "/farmer") == (200, {"sectors": 3, "plotted": True})
    db, _ = chain
    with RpcServer(db) as bare:
        bare.start(0)
        status, body = get(bare, "/farmer")
        assert status == 404 and body["error"] == "not_found"
    with RpcServer(db, farmer_status=lambda: 1 / 0) as broken:
        broken.start(0)
        status, body = get(broken, "/farmer")
        assert status == 500 and "ZeroDivisionError" in body["message"]
        assert get(broken, "/health")[0] == 200  # the server survives


@pytest.mark.parametrize("path, status", [
    ("/nope", 404), ("/", 404), ("/block", 404), ("/block/99", 404), ("/block/0x" + "00" * 32, 404),
    ("/block/-1", 400), ("/block/abc", 400), ("/block/0xzz", 400), ("/block/0x1234", 400),
    ("/segment-headers?from=x", 400), ("/segment-headers?count=", 400), ("/segment-headers?bogus=1", 400),
    (f"/segment-headers?count={MAX_SEGMENT_HEADERS_PER_REQUEST + 1}", 400),
])
def test_errors_are_clean_json(rpc, path, status):
    got, body = get(rpc, path)
    assert got == status
    assert body["error"] in ("not_found", "bad_request") and body["message"]


def test_only_get_is_allowed(rpc):
    status, body = get(rpc, "/head", method="POST")
    assert status == 405 and body["error"] == "method_not_allowed"


def test_loopback_only_and_lifecycle(chain):
    db, _ = chain
    with pytest.raises(ValueError, match="loopback"):
        RpcServer(db, host="0.0.0.0")
    server = RpcServer(db)
    with pytest.raises(RuntimeError):
        _ = server.port
    port = server.start(0)
    assert port > 0 and get(server, "/health")[0] == 200
    with pytest.raises(RuntimeError, match="already started"):
        server.start(0)
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        get_raw = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        get_raw.request("GET", "/health")
