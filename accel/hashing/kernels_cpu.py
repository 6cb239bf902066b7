"""numba kernels for ChaCha8 and single-chunk BLAKE3 (the CPU twins of accel/kernels/chacha8.h and
blake3.h). Words are carried in uint64 and masked to 32 bits, because numba widens uint32 arithmetic.
Imported only by the CPU backend."""
from __future__ import annotations

import numba as nb
import numpy as np

from accel.hashing.constants import BLAKE3_IV, CHACHA_SIGMA

M32 = np.uint64(0xFFFFFFFF)
_SIGMA = np.array(CHACHA_SIGMA, dtype=np.uint64)
_IV = np.array(BLAKE3_IV, dtype=np.uint64)
_SCHEDULE = np.array([
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8],
    [3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1],
    [10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6],
    [12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4],
    [9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7],
    [11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13],
], dtype=np.int64)  # BLAKE3_MSG_PERMUTATION applied r times, row r


@nb.njit(inline="always")
def _rotl(x, n):
    return ((x << np.uint64(n)) | (x >> np.uint64(32 - n))) & M32


@nb.njit(inline="always")
def _qr(a, b, c, d):
    a = (a + b) & M32
    d = _rotl(d ^ a, 16)
    c = (c + d) & M32
    b = _rotl(b ^ c, 12)
    a = (a + b) & M32
    d = _rotl(d ^ a, 8)
    c = (c + d) & M32
    b = _rotl(b ^ c, 7)
    return a, b, c, d


@nb.njit(parallel=True, cache=True)
def chacha8_keystream_kernel(keys, num_blocks, counter0, out):
    """keys: (n, 8) uint32; out: (n, num_blocks * 16) uint32. State words live in registers (uint64 masked)."""
    n = keys.shape[0]
    s0, s1, s2, s3 = _SIGMA[0], _SIGMA[1], _SIGMA[2], _SIGMA[3]
    for item in nb.prange(n * num_blocks):
        k = item // num_blocks
        b = item - k * num_blocks
        k0, k1, k2, k3 = np.uint64(keys[k, 0]), np.uint64(keys[k, 1]), np.uint64(keys[k, 2]), np.uint64(keys[k, 3])
        k4, k5, k6, k7 = np.uint64(keys[k, 4]), np.uint64(keys[k, 5]), np.uint64(keys[k, 6]), np.uint64(keys[k, 7])
        ctr = np.uint64(counter0 + b) & M32
        x0, x1, x2, x3 = s0, s1, s2, s3
        x4, x5, x6, x7 = k0, k1, k2, k3
        x8, x9, x10, x11 = k4, k5, k6, k7
        x12, x13, x14, x15 = ctr, np.uint64(0), np.uint64(0), np.uint64(0)
        for _ in range(4):
            x0, x4, x8, x12 = _qr(x0, x4, x8, x12)
            x1, x5, x9, x13 = _qr(x1, x5, x9, x13)
            x2, x6, x10, x14 = _qr(x2, x6, x10, x14)
            x3, x7, x11, x15 = _qr(x3, x7, x11, x15)
            x0, x5, x10, x15 = _qr(x0, x5, x10, x15)
            x1, x6, x11, x12 = _qr(x1, x6, x11, x12)
            x2, x7, x8, x13 = _qr(x2, x7, x8, x13)
            x3, x4, x9, x14 = _qr(x3, x4, x9, x14)
        o = out[k]
        base = b * 16
        o[base + 0] = np.uint32((x0 + s0) & M32)
        o[base + 1] = np.uint32((x1 + s1) & M32)
        o[base + 2] = np.uint32((x2 + s2) & M32)
        o[base + 3] = np.uint32((x3 + s3) & M32)
        o[base + 4] = np.uint32((x4 + k0) & M32)
        o[base + 5] = np.uint32((x5 + k1) & M32)
        o[base + 6] = np.uint32((x6 + k2) & M32)
        o[base + 7] = np.uint32((x7 + k3) & M32)
        o[base + 8] = np.uint32((x8 + k4) & M32)
        o[base + 9] = np.uint32((x9 + k5) & M32)
        o[base + 10] = np.uint32((x10 + k6) & M32)
        o[base + 11] = np.uint32((x11 + k7) & M32)
        o[base + 12] = np.uint32((x12 + ctr) & M32)
        o[base + 13] = np.uint32(x13)
        o[base + 14] = np.uint32(x14)
        o[base + 15] = np.uint32(x15)


@nb.njit(inline="always")
def _rotr(x, n):
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & M32


@nb.njit(inline="always")
def _g(v, a, b, c, d, mx, my):
    v[a] = (v[a] + v[b] + mx) & M32
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = (v[c] + v[d]) & M32
    v[b] = _rotr(v[b] ^ v[c], 12)
    v[a] = (v[a] + v[b] + my) & M32
    v[d] = _rotr(v[d] ^ v[a], 8)
    v[c] = (v[c] + v[d]) & M32
    v[b] = _rotr(v[b] ^ v[c], 7)


@nb.njit(cache=True)
def blake3_compress_inplace(cv, m, v, counter, block_len, flags):
    """cv: 8 uint64 words (updated); m: 16 uint64 message words; v: 16-word scratch."""
    for i in range(8):
        v[i] = cv[i]
    for i in range(4):
        v[8 + i] = _IV[i]
    v[12] = np.uint64(counter) & M32
    v[13] = np.uint64(counter) >> np.uint64(32)
    v[14] = np.uint64(block_len)
    v[15] = np.uint64(flags)
    for r in range(7):
        sch = _SCHEDULE[r]
        _g(v, 0, 4, 8, 12, m[sch[0]], m[sch[1]])
        _g(v, 1, 5, 9, 13, m[sch[2]], m[sch[3]])
        _g(v, 2, 6, 10, 14, m[sch[4]], m[sch[5]])
        _g(v, 3, 7, 11, 15, m[sch[6]], m[sch[7]])
        _g(v, 0, 5, 10, 15, m[sch[8]], m[sch[9]])
        _g(v, 1, 6, 11, 12, m[sch[10]], m[sch[11]])
        _g(v, 2, 7, 8, 13, m[sch[12]], m[sch[13]])
        _g(v, 3, 4, 9, 14, m[sch[14]], m[sch[15]])
    for i in range(8):
        cv[i] = v[i] ^ v[i + 8]


@nb.njit(parallel=True, cache=True)
def blake3_hash_many_kernel(data, offsets, lengths, keys, out):
    """data: uint8 bytes; offsets/lengths: uint32 per message; keys: (0|1|n, 8) uint32; out: (n, 8) uint32."""
    n = offsets.shape[0]
    num_keys = keys.shape[0]
    for item in nb.prange(n):
        cv = np.empty(8, dtype=np.uint64)
        m = np.empty(16, dtype=np.uint64)
        v = np.empty(16, dtype=np.uint64)
        mode = 0
        if num_keys == 0:
            for i in range(8):
                cv[i] = _IV[i]
        else:
            k = np.int64(0) if num_keys == 1 else np.int64(item)
            for i in range(8):
                cv[i] = np.uint64(keys[k, i])
            mode = 16  # KEYED_HASH
        length = np.int64(lengths[item])
        start0 = np.int64(offsets[item])
        blocks = 1 if length == 0 else (length + 63) // 64
        for b in range(blocks):
            start = b * 64
            block_len = length - start if b == blocks - 1 else 64
            for w in range(16):
                word = np.uint64(0)
                for j in range(4):
                    pos = w * 4 + j
                    if pos < block_len:
                        word |= np.uint64(data[start0 + start + pos]) << np.uint64(8 * j)
                m[w] = word
            flags = mode
            if b == 0:
                flags |= 1  # CHUNK_START
            if b == blocks - 1:
                flags |= 2 | 8  # CHUNK_END | ROOT
            blake3_compress_inplace(cv, m, v, 0, block_len, flags)
        for i in range(8):
            out[item, i] = np.uint32(cv[i])
