"""numba kernels for ChaCha8 and single-chunk BLAKE3 (the CPU twins of accel/kernels/chacha8.h and
blake3.h). Words are carried in uint64 and masked to 32 bits, because numba widens uint32 arithmetic;
the one-block column kernel (`blake3_columns`, end of the file) uses uint32 lanes with explicit
truncation instead, so that LLVM vectorises it. Imported only by the CPU backend."""
from __future__ import annotations

import numba as nb
import numpy as np

from accel.hashing.constants import BLAKE3_IV, CHACHA_SIGMA
from accel.numba_threads import parallel_kernel

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


@parallel_kernel
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


@nb.njit(cache=True, nogil=True)
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


@parallel_kernel
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


# ------------------------------------------------------------------ one-block BLAKE3 over columns
# Many one-block messages of one length, in column layout (word w of message i at msg[w, i]): the lane
# loop is straight-line uint32 code that LLVM turns into AVX2 (about 3x the throughput of hashing one
# message at a time). Used by the PoS fn hashing (accel/plotting/kernels_cpu.py) and by
# `blake3_hash_many` for batches of equal-length messages of at most 64 bytes (the farm audit's
# 32-byte chunks, keyed per sector).
U32 = np.uint32
_IV32 = tuple(int(v) for v in BLAKE3_IV)
ONE_BLOCK_FLAGS = 1 | 2 | 8  # CHUNK_START | CHUNK_END | ROOT
KEYED_FLAG = 16


@nb.njit(inline="always")
def _rotr32(x, n):
    return U32((x >> U32(n)) | U32(x << U32(32 - n)))


@nb.njit(inline="always")
def _g32(a, b, c, d, mx, my):
    a = U32(a + b + mx)
    d = _rotr32(U32(d ^ a), 16)
    c = U32(c + d)
    b = _rotr32(U32(b ^ c), 12)
    a = U32(a + b + my)
    d = _rotr32(U32(d ^ a), 8)
    c = U32(c + d)
    b = _rotr32(U32(b ^ c), 7)
    return a, b, c, d


@nb.njit(inline="always")
def _round32(s, m):
    s0, s4, s8, s12 = _g32(s[0], s[4], s[8], s[12], m[0], m[1])
    s1, s5, s9, s13 = _g32(s[1], s[5], s[9], s[13], m[2], m[3])
    s2, s6, s10, s14 = _g32(s[2], s[6], s[10], s[14], m[4], m[5])
    s3, s7, s11, s15 = _g32(s[3], s[7], s[11], s[15], m[6], m[7])
    s0, s5, s10, s15 = _g32(s0, s5, s10, s15, m[8], m[9])
    s1, s6, s11, s12 = _g32(s1, s6, s11, s12, m[10], m[11])
    s2, s7, s8, s13 = _g32(s2, s7, s8, s13, m[12], m[13])
    s3, s4, s9, s14 = _g32(s3, s4, s9, s14, m[14], m[15])
    return (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15)


@nb.njit(inline="always")
def _permute32(m):  # BLAKE3_MSG_PERMUTATION
    return (m[2], m[6], m[3], m[10], m[7], m[0], m[4], m[13], m[1], m[11], m[12], m[5], m[9], m[14], m[15], m[8])


@nb.njit(inline="always")
def compress_one_block(cv, m, block_len, flags):
    """Root output words (8) of one block: chaining value cv (8 words), message m (16 words), both uint32
    tuples; straight-line (the seven rounds written out) so that lane loops vectorise."""
    z = U32(0)
    s = (cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
         U32(_IV32[0]), U32(_IV32[1]), U32(_IV32[2]), U32(_IV32[3]), z, z, block_len, flags)
    # the seven rounds written out: a loop here would stop LLVM vectorising the caller's lane loop
    s = _round32(s, m)
    m = _permute32(m)
    s = _round32(s, m)
    m = _permute32(m)
    s = _round32(s, m)
    m = _permute32(m)
    s = _round32(s, m)
    m = _permute32(m)
    s = _round32(s, m)
    m = _permute32(m)
    s = _round32(s, m)
    m = _permute32(m)
    s = _round32(s, m)
    return (s[0] ^ s[8], s[1] ^ s[9], s[2] ^ s[10], s[3] ^ s[11], s[4] ^ s[12], s[5] ^ s[13], s[6] ^ s[14],
            s[7] ^ s[15])


@nb.njit(inline="always")
def _column_hash(msg, i, cv, block_len, flags, out):
    z = U32(0)
    m = (msg[0, i], msg[1, i], msg[2, i], msg[3, i], msg[4, i], msg[5, i], msg[6, i], msg[7, i],
         z, z, z, z, z, z, z, z)
    h = compress_one_block(cv, m, block_len, flags)
    out[0, i] = h[0]
    out[1, i] = h[1]
    out[2, i] = h[2]
    out[3, i] = h[3]
    out[4, i] = h[4]
    out[5, i] = h[5]
    out[6, i] = h[6]
    out[7, i] = h[7]


# One chaining value for a whole span: with a chaining value per message (keys loaded per lane) LLVM
# does not vectorise the lane loop, so per-message keys are handled as runs of equal keys. u64
# bounds: unsigned indices carry no negative-index fix-up, which the vectorisation also needs.
@nb.njit(cache=True, error_model="numpy", nogil=True)
def _span_one_key(msg, keys, key_index, block_len, flags, out, lo, hi):
    k = key_index
    cv = (keys[0, k], keys[1, k], keys[2, k], keys[3, k], keys[4, k], keys[5, k], keys[6, k], keys[7, k])
    for i in range(lo, hi):
        _column_hash(msg, i, cv, block_len, flags, out)


@parallel_kernel
def blake3_columns(msg, n, keys, key_runs, block_len, flags, out, num_chunks):
    """out[:, i] = BLAKE3 root hash words of the block_len-byte (<= 32) message msg[:, i], i < n. msg:
    (8, >= n) uint32 little-endian words (bytes past block_len zero); keys: (8, r) chaining values (the
    IV unkeyed, the key's words keyed), message i using column j where key_runs[j] <= i < key_runs[j + 1]
    (key_runs: r + 1 ascending int64, first 0, last n); flags: ONE_BLOCK_FLAGS (| KEYED_FLAG)."""
    per = (n + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        lo = min(n, c * per)
        hi = min(n, (c + 1) * per)
        j = np.searchsorted(key_runs, lo, side="right") - 1
        while lo < hi:
            stop = min(hi, key_runs[j + 1])
            _span_one_key(msg, keys, np.uint64(j), U32(block_len), U32(flags), out, np.uint64(lo), np.uint64(stop))
            lo = stop
            j += 1
