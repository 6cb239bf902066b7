"""Readable reference of ChaCha8 and single-chunk BLAKE3, in plain Python integers.

Written from RFC 8439 section 2.3 (the ChaCha block function; `rounds` selectable so the same code is
checked against ChaCha20 implementations) and the BLAKE3 specification (compression function,
chunk flags, keyed mode). Slow on purpose: it is the yardstick the backends are tested against.
"""
from __future__ import annotations

import struct

from accel.hashing.constants import (
    BLAKE3_BLOCK_LEN, BLAKE3_CHUNK_LEN, BLAKE3_IV, BLAKE3_MSG_PERMUTATION, BLAKE3_ROUNDS, CHACHA8_ROUNDS,
    CHACHA_SIGMA, CHUNK_END, CHUNK_START, KEYED_HASH, ROOT,
)

MASK32 = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & MASK32


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & MASK32


def _quarter_round(s: list[int], a: int, b: int, c: int, d: int) -> None:
    s[a] = (s[a] + s[b]) & MASK32; s[d] = _rotl(s[d] ^ s[a], 16)  # noqa: E702
    s[c] = (s[c] + s[d]) & MASK32; s[b] = _rotl(s[b] ^ s[c], 12)  # noqa: E702
    s[a] = (s[a] + s[b]) & MASK32; s[d] = _rotl(s[d] ^ s[a], 8)  # noqa: E702
    s[c] = (s[c] + s[d]) & MASK32; s[b] = _rotl(s[b] ^ s[c], 7)  # noqa: E702


def chacha_block(key: bytes, counter: int, nonce: bytes = bytes(12), rounds: int = CHACHA8_ROUNDS) -> bytes:
    """One 64-byte ChaCha block (RFC 8439 2.3): 32-byte key, 32-bit counter, 12-byte nonce."""
    if len(key) != 32 or len(nonce) != 12 or rounds % 2:
        raise ValueError("chacha_block: key must be 32 bytes, nonce 12 bytes, rounds even")
    state = [*CHACHA_SIGMA, *struct.unpack("<8I", key), counter & MASK32, *struct.unpack("<3I", nonce)]
    s = list(state)
    for _ in range(rounds // 2):
        _quarter_round(s, 0, 4, 8, 12)
        _quarter_round(s, 1, 5, 9, 13)
        _quarter_round(s, 2, 6, 10, 14)
        _quarter_round(s, 3, 7, 11, 15)
        _quarter_round(s, 0, 5, 10, 15)
        _quarter_round(s, 1, 6, 11, 12)
        _quarter_round(s, 2, 7, 8, 13)
        _quarter_round(s, 3, 4, 9, 14)
    return struct.pack("<16I", *((x + y) & MASK32 for x, y in zip(s, state)))


def chacha8_keystream(seed: bytes, num_blocks: int, counter: int = 0) -> bytes:
    """ChaCha8 keystream of `num_blocks` 64-byte blocks for a 32-byte seed, zero nonce (pos.md 2)."""
    return b"".join(chacha_block(seed, counter + i) for i in range(num_blocks))


def _g(v: list[int], a: int, b: int, c: int, d: int, mx: int, my: int) -> None:
    v[a] = (v[a] + v[b] + mx) & MASK32; v[d] = _rotr(v[d] ^ v[a], 16)  # noqa: E702
    v[c] = (v[c] + v[d]) & MASK32; v[b] = _rotr(v[b] ^ v[c], 12)  # noqa: E702
    v[a] = (v[a] + v[b] + my) & MASK32; v[d] = _rotr(v[d] ^ v[a], 8)  # noqa: E702
    v[c] = (v[c] + v[d]) & MASK32; v[b] = _rotr(v[b] ^ v[c], 7)  # noqa: E702


def blake3_compress(cv: list[int], block: bytes, counter: int, block_len: int, flags: int) -> list[int]:
    """BLAKE3 compression function: the new 8-word chaining value."""
    m = list(struct.unpack("<16I", block))
    v = [*cv, *BLAKE3_IV[:4], counter & MASK32, counter >> 32, block_len, flags]
    for r in range(BLAKE3_ROUNDS):
        _g(v, 0, 4, 8, 12, m[0], m[1])
        _g(v, 1, 5, 9, 13, m[2], m[3])
        _g(v, 2, 6, 10, 14, m[4], m[5])
        _g(v, 3, 7, 11, 15, m[6], m[7])
        _g(v, 0, 5, 10, 15, m[8], m[9])
        _g(v, 1, 6, 11, 12, m[10], m[11])
        _g(v, 2, 7, 8, 13, m[12], m[13])
        _g(v, 3, 4, 9, 14, m[14], m[15])
        if r + 1 < BLAKE3_ROUNDS:
            m = [m[i] for i in BLAKE3_MSG_PERMUTATION]
    return [v[i] ^ v[i + 8] for i in range(8)]


def blake3(message: bytes, key: bytes | None = None) -> bytes:
    """32-byte BLAKE3 root hash of a message of at most 1024 bytes (one chunk); keyed if `key` given."""
    if len(message) > BLAKE3_CHUNK_LEN:
        raise ValueError(f"blake3 reference handles one chunk ({BLAKE3_CHUNK_LEN} bytes), got {len(message)}")
    if key is not None and len(key) != 32:
        raise ValueError(f"blake3 key must be 32 bytes, got {len(key)}")
    cv = list(struct.unpack("<8I", key)) if key is not None else list(BLAKE3_IV)
    mode = KEYED_HASH if key is not None else 0
    blocks = [message[i:i + BLAKE3_BLOCK_LEN] for i in range(0, len(message), BLAKE3_BLOCK_LEN)] or [b""]
    for i, block in enumerate(blocks):
        flags = mode | (CHUNK_START if i == 0 else 0) | (CHUNK_END | ROOT if i == len(blocks) - 1 else 0)
        cv = blake3_compress(cv, block.ljust(BLAKE3_BLOCK_LEN, b"\0"), 0, len(block), flags)
    return struct.pack("<8I", *cv)
