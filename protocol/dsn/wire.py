"""The DSN wire format (issue 12): length-prefixed frames over TCP on loopback.

Every frame is

    u32 LE length  | u8 kind | u32 LE request id | body (length - 5 bytes)

`length` counts kind + request id + body and must be 5..MAX_FRAME_SIZE (a bigger or smaller prefix is a
malformed frame: the sender is disconnected). A request carries a non-zero request id chosen by the sender;
its response carries the same id and the kind `request kind | 0x80`; notifications (block announcements)
carry request id 0 and get no response. Integers are little-endian (like SCALE); blocks are their SCALE
encoding (`Block.encode()`).

| kind | name        | body |
|------|-------------|------|
| 0x01 | HELLO       | genesis hash [32] · peer id [32] · listen port u16 · best number u64 · best hash [32] |
| 0x81 | STATUS      | same layout as HELLO (the answering peer's view) |
| 0x02 | GET_BLOCKS  | first block number u64 · count u32 (1..MAX_BLOCKS_PER_REQUEST) |
| 0x82 | BLOCKS      | count u32 · count x (length u32 · SCALE block) — best-chain blocks from `first`, fewer at the head |
| 0x03 | GET_PIECE   | piece index u64 · source u8 (1 = piece cache, 2 = plots, 3 = archival history) |
| 0x83 | PIECE       | found u8 (0/1) · the piece (PIECE_SIZE bytes) when found |
| 0x04 | GET_PEERS   | empty |
| 0x84 | PEERS       | count u16 · count x (peer id [32] · host length u8 · host ASCII · port u16) |
| 0x10 | ANNOUNCE    | SCALE block (a block the sender just produced or imported) |
| 0xff | ERROR       | UTF-8 reason (answer to a request the peer could not serve) |

The maximum frame (MAX_FRAME_SIZE) is two pieces, the spec's max packet size (protocol.md 4).

[DESIGN] Why not py-libp2p: `pip install libp2p` (0.8.1) resolves on this machine, but it brings ~45
dependencies (trio, aioquic, grpcio, protobuf, coincurve, zeroconf...) and runs on trio while the node is
threads + asyncio; the spec's network behaviour we need on loopback (hello, block sync, block announcement,
piece requests, Kademlia XOR distance to order peers) fits in a few hundred lines with a wire format that is
documented here and tested byte for byte. Consequently this DSN does not interoperate with the network's
libp2p peers (no multistream-select, noise, yamux or `/subspace/kad/0.1.0`); it keeps the network's
semantics (piece keys, distances, cache selection, retrieval order).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from protocol.constants import PIECE_SIZE

FRAME_HEADER = struct.Struct("<IBI")  # length, kind, request id
LENGTH_SIZE = 4
MIN_FRAME_LENGTH = 5  # kind + request id
MAX_FRAME_SIZE = 2 * PIECE_SIZE  # spec 4: max packet = 2 x piece size
MAX_BLOCKS_PER_REQUEST = 64
MAX_PEERS_PER_RESPONSE = 256
HASH_SIZE = 32
PEER_ID_SIZE = 32

HELLO, GET_BLOCKS, GET_PIECE, GET_PEERS = 0x01, 0x02, 0x03, 0x04
ANNOUNCE = 0x10
RESPONSE = 0x80
STATUS, BLOCKS, PIECE, PEERS = HELLO | RESPONSE, GET_BLOCKS | RESPONSE, GET_PIECE | RESPONSE, GET_PEERS | RESPONSE
ERROR = 0xFF
REQUESTS = frozenset({HELLO, GET_BLOCKS, GET_PIECE, GET_PEERS})
KINDS = frozenset({HELLO, GET_BLOCKS, GET_PIECE, GET_PEERS, ANNOUNCE, STATUS, BLOCKS, PIECE, PEERS, ERROR})

SOURCE_CACHE, SOURCE_PLOT, SOURCE_ARCHIVAL = 1, 2, 3
SOURCES = (SOURCE_CACHE, SOURCE_PLOT, SOURCE_ARCHIVAL)


class MalformedMessage(ValueError):
    """Bytes from a peer that are not a valid frame or body (the peer is scored down and disconnected)."""


@dataclass(frozen=True)
class Frame:
    kind: int
    request_id: int
    body: bytes = b""

    def encode(self) -> bytes:
        if self.kind not in KINDS:
            raise MalformedMessage(f"unknown message kind 0x{self.kind:02x}")
        if not 0 <= self.request_id < 2**32:
            raise MalformedMessage(f"request id {self.request_id} is not a u32")
        length = MIN_FRAME_LENGTH + len(self.body)
        if length > MAX_FRAME_SIZE:
            raise MalformedMessage(f"frame of {length} bytes exceeds {MAX_FRAME_SIZE}")
        return FRAME_HEADER.pack(length, self.kind, self.request_id) + bytes(self.body)


def check_length(length: int) -> int:
    """Validate a frame's length prefix (MalformedMessage outside MIN_FRAME_LENGTH..MAX_FRAME_SIZE)."""
    if not MIN_FRAME_LENGTH <= length <= MAX_FRAME_SIZE:
        raise MalformedMessage(f"frame length {length} outside {MIN_FRAME_LENGTH}..{MAX_FRAME_SIZE}")
    return length


def decode_frame(payload: bytes) -> Frame:
    """A frame from the `length` bytes after its prefix (kind, request id, body)."""
    if len(payload) < MIN_FRAME_LENGTH:
        raise MalformedMessage(f"frame of {len(payload)} bytes is shorter than its header")
    kind, request_id = struct.unpack_from("<BI", payload, 0)
    if kind not in KINDS:
        raise MalformedMessage(f"unknown message kind 0x{kind:02x}")
    if kind in REQUESTS and request_id == 0:
        raise MalformedMessage("a request needs a non-zero request id")
    return Frame(kind, request_id, bytes(payload[MIN_FRAME_LENGTH:]))


def decode_frames(data: bytes) -> list[Frame]:
    """Every complete frame in a byte string (tests, tools); MalformedMessage on trailing or bad bytes."""
    frames, offset = [], 0
    while offset < len(data):
        if len(data) - offset < LENGTH_SIZE:
            raise MalformedMessage("truncated length prefix")
        (length,) = struct.unpack_from("<I", data, offset)
        check_length(length)
        end = offset + LENGTH_SIZE + length
        if end > len(data):
            raise MalformedMessage("truncated frame")
        frames.append(decode_frame(data[offset + LENGTH_SIZE:end]))
        offset = end
    return frames


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = bytes(data), 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.offset + n > len(self.data):
            raise MalformedMessage(f"body too short: wanted {n} bytes at {self.offset} of {len(self.data)}")
        out = self.data[self.offset:self.offset + n]
        self.offset += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def done(self) -> None:
        if self.offset != len(self.data):
            raise MalformedMessage(f"{len(self.data) - self.offset} trailing bytes in the body")


# ---------------------------------------------------------------------------------------- bodies
@dataclass(frozen=True)
class Hello:
    """HELLO / STATUS body: who the peer is and its best block."""

    genesis_hash: bytes
    peer_id: bytes
    listen_port: int
    best_number: int
    best_hash: bytes

    def encode(self) -> bytes:
        if len(self.genesis_hash) != HASH_SIZE or len(self.peer_id) != PEER_ID_SIZE or len(self.best_hash) != HASH_SIZE:
            raise ValueError("hello: hashes and peer id are 32 bytes")
        return self.genesis_hash + self.peer_id + struct.pack("<HQ", self.listen_port, self.best_number) + \
            self.best_hash

    @classmethod
    def decode(cls, body: bytes) -> "Hello":
        r = _Reader(body)
        genesis, peer_id = r.take(HASH_SIZE), r.take(PEER_ID_SIZE)
        port, number = r.unpack("<HQ")
        best = r.take(HASH_SIZE)
        r.done()
        return cls(genesis, peer_id, port, number, best)


def encode_get_blocks(first: int, count: int) -> bytes:
    if not 1 <= count <= MAX_BLOCKS_PER_REQUEST or not 0 <= first < 2**64:
        raise ValueError(f"get blocks: first {first}, count {count} (1..{MAX_BLOCKS_PER_REQUEST})")
    return struct.pack("<QI", first, count)


def decode_get_blocks(body: bytes) -> tuple[int, int]:
    r = _Reader(body)
    first, count = r.unpack("<QI")
    r.done()
    if not 1 <= count <= MAX_BLOCKS_PER_REQUEST:
        raise MalformedMessage(f"get blocks: count {count} outside 1..{MAX_BLOCKS_PER_REQUEST}")
    return first, count


def encode_blocks(blocks: list[bytes]) -> bytes:
    return struct.pack("<I", len(blocks)) + b"".join(struct.pack("<I", len(b)) + b for b in blocks)


def decode_blocks(body: bytes) -> list[bytes]:
    r = _Reader(body)
    (count,) = r.unpack("<I")
    if count > MAX_BLOCKS_PER_REQUEST:
        raise MalformedMessage(f"blocks: {count} blocks, at most {MAX_BLOCKS_PER_REQUEST}")
    out = []
    for _ in range(count):
        (n,) = r.unpack("<I")
        out.append(r.take(n))
    r.done()
    return out


def encode_get_piece(index: int, source: int) -> bytes:
    if source not in SOURCES or not 0 <= index < 2**64:
        raise ValueError(f"get piece: index {index}, source {source}")
    return struct.pack("<QB", index, source)


def decode_get_piece(body: bytes) -> tuple[int, int]:
    r = _Reader(body)
    index, source = r.unpack("<QB")
    r.done()
    if source not in SOURCES:
        raise MalformedMessage(f"get piece: unknown source {source}")
    return index, source


def encode_piece(piece: bytes | None) -> bytes:
    if piece is None:
        return b"\x00"
    if len(piece) != PIECE_SIZE:
        raise ValueError(f"a piece is {PIECE_SIZE} bytes, got {len(piece)}")
    return b"\x01" + piece


def decode_piece(body: bytes) -> bytes | None:
    """The piece (None when the peer has none); MalformedMessage when the size is not a piece's."""
    r = _Reader(body)
    (found,) = r.unpack("<B")
    if found == 0:
        r.done()
        return None
    if found != 1:
        raise MalformedMessage(f"piece: found flag {found}")
    piece = r.take(PIECE_SIZE)
    r.done()
    return piece


def encode_peers(peers: list[tuple[bytes, str, int]]) -> bytes:
    peers = peers[:MAX_PEERS_PER_RESPONSE]
    out = [struct.pack("<H", len(peers))]
    for peer_id, host, port in peers:
        h = host.encode("ascii")
        if len(peer_id) != PEER_ID_SIZE or len(h) > 255:
            raise ValueError("peers: bad peer id or host")
        out.append(peer_id + struct.pack("<B", len(h)) + h + struct.pack("<H", port))
    return b"".join(out)


def decode_peers(body: bytes) -> list[tuple[bytes, str, int]]:
    r = _Reader(body)
    (count,) = r.unpack("<H")
    if count > MAX_PEERS_PER_RESPONSE:
        raise MalformedMessage(f"peers: {count} entries")
    out = []
    for _ in range(count):
        peer_id = r.take(PEER_ID_SIZE)
        (n,) = r.unpack("<B")
        try:
            host = r.take(n).decode("ascii")
        except UnicodeDecodeError as e:
            raise MalformedMessage("peers: host is not ASCII") from e
        (port,) = r.unpack("<H")
        out.append((peer_id, host, port))
    r.done()
    return out
