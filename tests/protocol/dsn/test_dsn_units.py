"""DSN units (issue 12): wire format byte for byte, malformed frames, piece keys and XOR distance, the
farmer cache's closest-pieces eviction, the retrieval order and refusal of pieces that do not validate,
and a malformed peer scored down and disconnected while the network keeps serving."""
from __future__ import annotations

import hashlib
import socket
import struct
import time

import pytest

from protocol.constants import PIECE_SIZE
from protocol.dsn import wire
from protocol.dsn.cache import PieceCache
from protocol.dsn.distance import closest_peers, distance, kad_key, piece_distance, piece_key, unsigned_varint
from protocol.dsn.network import MALFORMED_PENALTY, Network, Peer
from protocol.dsn.retrieval import ARCHIVAL, LOCAL_CACHE, PEER_CACHE, PEER_PLOT, PieceGetter, PieceNotFound
from protocol.dsn.wire import Frame, Hello, MalformedMessage


def test_frame_layout_bytes():
    f = Frame(wire.GET_PIECE, 7, wire.encode_get_piece(0x0102, wire.SOURCE_PLOT))
    assert f.encode() == bytes.fromhex("0e000000" "03" "07000000" "0201000000000000" "02")
    assert wire.decode_frames(f.encode() + Frame(wire.ANNOUNCE, 0, b"xy").encode()) == [
        f, Frame(wire.ANNOUNCE, 0, b"xy")]


def test_bodies_round_trip():
    h = Hello(b"g" * 32, b"p" * 32, 30333, 12, b"b" * 32)
    assert Hello.decode(h.encode()) == h and len(h.encode()) == 106
    assert wire.decode_get_blocks(wire.encode_get_blocks(5, 64)) == (5, 64)
    assert wire.decode_blocks(wire.encode_blocks([b"a", b"", b"ccc"])) == [b"a", b"", b"ccc"]
    assert wire.decode_piece(wire.encode_piece(None)) is None
    piece = bytes(range(256)) * (PIECE_SIZE // 256) + bytes(PIECE_SIZE % 256)
    assert wire.decode_piece(wire.encode_piece(piece)) == piece
    peers = [(b"q" * 32, "127.0.0.1", 1234)]
    assert wire.decode_peers(wire.encode_peers(peers)) == peers


@pytest.mark.parametrize("data", [
    struct.pack("<I", 3) + b"abc",                      # shorter than a header
    struct.pack("<I", wire.MAX_FRAME_SIZE + 1),         # bigger than two pieces
    struct.pack("<IBI", 5, 0x42, 1),                    # unknown kind
    struct.pack("<IBI", 5, wire.HELLO, 0),              # request without id
    struct.pack("<IBI", 9, wire.HELLO, 1),              # truncated
])
def test_malformed_frames(data):
    with pytest.raises(MalformedMessage):
        wire.decode_frames(data)


@pytest.mark.parametrize("decode,body", [
    (Hello.decode, b"x" * 105), (wire.decode_get_blocks, struct.pack("<QI", 1, 0)),
    (wire.decode_get_blocks, struct.pack("<QI", 1, 65)), (wire.decode_blocks, struct.pack("<II", 1, 9) + b"x"),
    (wire.decode_get_piece, struct.pack("<QB", 1, 9)), (wire.decode_piece, b"\x01" + b"x" * 10),
    (wire.decode_piece, b"\x02"), (wire.decode_peers, struct.pack("<H", 1) + b"x" * 32 + b"\x02\xff\xfe\x00\x01"),
    (wire.decode_blocks, struct.pack("<I", 0) + b"trailing"),
])
def test_malformed_bodies(decode, body):
    with pytest.raises(MalformedMessage):
        decode(body)


def test_piece_key_and_distance():
    assert unsigned_varint(0xB39910) == bytes.fromhex("90b2ce05")
    assert piece_key(1) == bytes.fromhex("90b2ce0508") + (1).to_bytes(8, "little")
    a, b = b"a" * 32, b"b" * 32
    assert distance(a, a) == 0 and distance(a, b) == distance(b, a)
    assert distance(a, b) == int.from_bytes(hashlib.sha256(a).digest(), "big") ^ int.from_bytes(
        hashlib.sha256(b).digest(), "big")
    peers = [bytes([i]) * 32 for i in range(10)]
    order = closest_peers(peers, 42)
    assert [piece_distance(p, 42) for p in order] == sorted(piece_distance(p, 42) for p in peers)
    with pytest.raises(ValueError):
        piece_key(-1)


def test_cache_keeps_the_closest_pieces():
    own = b"\x07" * 32
    cache = PieceCache(own, 8)
    for i in range(100):
        cache.offer(i, b"%d" % i)
    expected = sorted(range(100), key=lambda i: kad_key(own) ^ kad_key(piece_key(i)))[:8]
    assert cache.indexes() == sorted(expected)
    assert cache.evictions > 0 and len(cache) == 8
    farthest = max(expected, key=cache.distance)
    worse = next(i for i in range(100, 10_000) if cache.distance(i) > cache.distance(farthest))
    assert not cache.offer(worse, b"no") and worse not in cache
    better = next(i for i in range(100, 10_000) if cache.distance(i) < cache.distance(farthest))
    assert cache.offer(better, b"yes") and better in cache and farthest not in cache
    assert not PieceCache(own, 0).offer(1, b"x")


class FakeNetwork:
    """Peers answering GET_PIECE from per-source dicts."""

    def __init__(self, peers: dict[bytes, dict[int, dict[int, bytes]]]) -> None:
        self._peers = {pid: Peer(pid, "127.0.0.1", 1, pid) for pid in peers}
        self.store = peers
        self.asked: list[tuple[bytes, int]] = []
        self.penalties: list[tuple[bytes, int, str]] = []

    def peers(self):
        return list(self._peers.values())

    def request(self, peer, kind, body, timeout=None):
        index, source = wire.decode_get_piece(body)
        self.asked.append((peer.peer_id, source))
        return Frame(wire.PIECE, 1, wire.encode_piece(self.store[peer.peer_id].get(source, {}).get(index)))

    def penalize(self, peer, amount, reason):
        self.penalties.append((peer.peer_id, amount, reason))


def piece(tag: int) -> bytes:
    return bytes([tag]) * PIECE_SIZE


def getter(net, cache=None, good=()):
    g = PieceGetter(cache or PieceCache(b"\x01" * 32, 4), net, kzg=None, segment_commitment=lambda s: b"")
    g.validate = lambda index, p: p in good  # validation itself is tested on real pieces (multi-node test)
    return g


def test_retrieval_order_and_validation():
    a, b = b"\xaa" * 32, b"\xbb" * 32
    net = FakeNetwork({a: {wire.SOURCE_PLOT: {5: piece(1)}, wire.SOURCE_ARCHIVAL: {5: piece(2), 6: piece(9)}},
                       b: {wire.SOURCE_CACHE: {5: piece(3)}, wire.SOURCE_PLOT: {6: piece(4)}}})
    g = getter(net, good={piece(1), piece(2), piece(3), piece(4)})
    got = g.get(5)
    assert (got.source, got.peer_id, got.piece) == (PEER_CACHE, b, piece(3))
    assert g.get(5).source == LOCAL_CACHE  # offered to the local cache
    got = g.get(5, sources=(PEER_PLOT, ARCHIVAL))
    assert (got.source, got.piece) == (PEER_PLOT, piece(1))
    first_asked = net.asked[0][0]
    assert first_asked == closest_peers([a, b], 5)[0]  # the closest peer is asked first
    assert g.get(6, sources=(ARCHIVAL, PEER_PLOT)).source == PEER_PLOT  # spec order, whatever the tuple order
    # piece(9) does not validate: refused, its peer scored down, PieceNotFound in the end
    with pytest.raises(PieceNotFound):
        g.get(6, sources=(ARCHIVAL,))
    assert g.rejected == 1 and net.penalties[-1][0] == a


class Handler:
    def status(self):
        return 0, bytes(32)

    def get_blocks(self, first, count):
        return [b"block %d" % n for n in range(first, first + min(count, 3))]

    def get_piece(self, index, source):
        return None

    def on_announce(self, peer, block):
        self.announced = (peer.peer_id, block)

    def on_peer(self, peer):
        pass


def wait_for(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_network_requests_and_malformed_peer():
    genesis = b"G" * 32
    h1, h2 = Handler(), Handler()
    n1 = Network(b"\x01" * 32, genesis, h1)
    port = n1.start()
    n2 = Network(b"\x02" * 32, genesis, h2, bootstrap=[f"127.0.0.1:{port}"])
    n2.start()
    other = Network(b"\x03" * 32, b"X" * 32, Handler(), bootstrap=[f"127.0.0.1:{port}"])  # another genesis
    other.start()
    try:
        assert wait_for(lambda: len(n1.peers()) == 1 and len(n2.peers()) == 1)
        peer = n2.peers()[0]
        frame = n2.request(peer, wire.GET_BLOCKS, wire.encode_get_blocks(4, 10))
        assert wire.decode_blocks(frame.body) == [b"block 4", b"block 5", b"block 6"]
        n2.announce(b"hello block")
        assert wait_for(lambda: getattr(h1, "announced", None) == (b"\x02" * 32, b"hello block"))
        assert not other.peers()
        # a raw client that says HELLO then sends garbage: scored down, disconnected, n1 keeps serving
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(Frame(wire.HELLO, 1, Hello(genesis, b"\x09" * 32, 1, 0, bytes(32)).encode()).encode())
        (length,) = struct.unpack("<I", s.recv(4))
        while length:
            length -= len(s.recv(length))
        assert wait_for(lambda: len(n1.peers()) == 2)
        s.sendall(struct.pack("<IBI", 5, 0x42, 0))
        assert wait_for(lambda: any(p[0] == b"\x09" * 32 and p[1] == MALFORMED_PENALTY for p in n1.penalties))
        assert wait_for(lambda: len(n1.peers()) == 1)
        assert s.recv(10) == b""  # closed by n1
        s.close()
        frame = n2.request(n2.peers()[0], wire.GET_BLOCKS, wire.encode_get_blocks(1, 1))
        assert wire.decode_blocks(frame.body) == [b"block 1"]
    finally:
        for n in (n1, n2, other):
            n.stop()
