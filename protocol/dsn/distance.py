"""Peer ids, piece keys and Kademlia XOR distance (protocol.md 4).

* Piece key: a multihash with code 0xb39910 wrapping the piece index as u64 LE, i.e. the bytes
  `varint(0xb39910) || varint(8) || index.to_bytes(8, "little")` (`piece_key`).
* Distance: XOR of the SHA-256 of the two keys' bytes, read as a 256-bit big-endian integer (libp2p's
  `kbucket::Key` hashes its preimage with SHA-256 and compares the digests as U256).
* Peer id [DESIGN]: libp2p peer ids are multihashes of a protobuf-wrapped public key; this DSN uses the
  32-byte BLAKE3 of the node's sr25519 public key (`peer_id_from_public_key`), or any 32 random bytes.
  The distance treats it as opaque bytes exactly as libp2p does.
"""
from __future__ import annotations

import hashlib
import os

import blake3

PIECE_KEY_MULTIHASH_CODE = 0xB39910
PEER_ID_SIZE = 32


def unsigned_varint(value: int) -> bytes:
    """The multiformats unsigned varint (LEB128) of a non-negative integer."""
    if value < 0:
        raise ValueError("varint of a negative number")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def piece_key(piece_index: int) -> bytes:
    """The record key of a piece: multihash(code 0xb39910, index u64 LE)."""
    if not isinstance(piece_index, int) or not 0 <= piece_index < 2**64:
        raise ValueError(f"piece index {piece_index!r} is not a u64")
    return unsigned_varint(PIECE_KEY_MULTIHASH_CODE) + unsigned_varint(8) + piece_index.to_bytes(8, "little")


def peer_id_from_public_key(public_key: bytes) -> bytes:
    return blake3.blake3(bytes(public_key)).digest()


def random_peer_id() -> bytes:
    return os.urandom(PEER_ID_SIZE)


def kad_key(preimage: bytes) -> int:
    """The Kademlia key of a peer id or record key: SHA-256 of its bytes as a big-endian integer."""
    return int.from_bytes(hashlib.sha256(bytes(preimage)).digest(), "big")


def distance(a: bytes, b: bytes) -> int:
    """XOR distance between two preimages (peer ids or record keys)."""
    return kad_key(a) ^ kad_key(b)


def piece_distance(peer_id: bytes, piece_index: int) -> int:
    """Distance between a peer and a piece (its piece key)."""
    return distance(peer_id, piece_key(piece_index))


def closest_peers(peer_ids, piece_index: int) -> list[bytes]:
    """Peer ids sorted by increasing distance to the piece: which peers to ask first."""
    key = kad_key(piece_key(piece_index))
    return sorted(peer_ids, key=lambda p: kad_key(p) ^ key)
