"""numba kernels of the proof-of-space tables on all CPU cores (the CPU twins of accel/kernels/pos_*.c).

Stages per table (pos.md 2-6): f1 of every x from the ChaCha8 keystream; a parallel counting sort
by bucket (per-chunk histograms, so the first MAX_BUCKET_SIZE inserted entries of a bucket are known
exactly) followed by a sort of each bucket by (y, position); matching of every adjacent bucket pair
in parallel into 512 slots per pair; fn over the matches at dense generation-order positions
(exclusive sum of the per-pair counts); and the prover, many challenges at once.

Words are carried in uint64 with explicit masks (numba widens uint32 arithmetic and mixes signed
and unsigned into floats, so every operand is cast). Metadata of up to 4K = 100 bits is a (hi, lo)
pair of uint64. Imported only by the CPU backend.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from accel.hashing.constants import BLAKE3_IV
from accel.plotting.constants import (
    MAX_BUCKET_SIZE, MAX_MATCHES_PER_PAIR, PARAM_B, PARAM_BC, PARAM_C, PARAM_EXT, PARAM_M,
)

U64 = np.uint64
M32 = U64(0xFFFFFFFF)
EXT = U64(PARAM_EXT)
BC = PARAM_BC
CAP_BUCKET = MAX_BUCKET_SIZE
CAP_PAIR = MAX_MATCHES_PER_PAIR
_IV = np.array(BLAKE3_IV, dtype=np.uint64)
# (2m + parity)^2 mod C for parity 0/1 and m < 64 (pos.md 4)
_SQUARES = np.array([[((2 * m + p) ** 2) % PARAM_C for m in range(PARAM_M)] for p in range(2)], dtype=np.int64)
BLAKE3_FLAGS_ONE_BLOCK = 1 | 2 | 8  # CHUNK_START | CHUNK_END | ROOT


@nb.njit(inline="always")
def _bswap32(x):
    return (((x & U64(0xFF)) << U64(24)) | ((x & U64(0xFF00)) << U64(8))
            | ((x >> U64(8)) & U64(0xFF00)) | ((x >> U64(24)) & U64(0xFF)))


# ------------------------------------------------------------------------------------------- f1
@nb.njit(parallel=True, cache=True)
def f1_kernel(keystream, k, y_out):
    """y of every x (pos.md 2) from the keystream's little-endian uint32 words."""
    kk = U64(k)
    yb = U64(k + PARAM_EXT)
    mask = ((U64(1) << yb) - U64(1)) ^ ((U64(1) << EXT) - U64(1))
    n = y_out.shape[0]
    for x in nb.prange(n):
        bit = U64(x) * kk
        w = bit >> U64(5)
        o = bit & U64(31)
        v = (_bswap32(U64(keystream[w])) << U64(32)) | _bswap32(U64(keystream[w + U64(1)]))
        y_out[x] = np.uint32(((v >> (U64(64) - yb - o)) & mask) | (U64(x) >> (kk - EXT)))


# ---------------------------------------------------------------------------------- bucket sort
@nb.njit(parallel=True, cache=True)
def bucket_histograms(y, n, num_chunks, hist):
    """hist[c, b]: entries of bucket b in position chunk c."""
    chunk = (n + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        hist[c, :] = 0
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            hist[c, np.int64(y[i]) // BC] += 1


@nb.njit(parallel=True, cache=True)
def bucket_offsets(hist, bucket_start, chunk_offset):
    """Kept entries per bucket (first CAP_BUCKET inserted) and each chunk's first insertion rank per bucket.

    bucket_start (num_buckets + 1) gets the dense start of each capped bucket, less the exclusive sum
    (done by the caller); chunk_offset[c, b] = entries of bucket b in chunks before c."""
    num_chunks, nb_ = hist.shape
    for b in nb.prange(nb_):
        acc = 0
        for c in range(num_chunks):
            chunk_offset[c, b] = acc
            acc += hist[c, b]
        bucket_start[b + 1] = min(acc, CAP_BUCKET)


@nb.njit(parallel=True, cache=True)
def bucket_scatter(y, n, num_chunks, chunk_offset, bucket_start, keys):
    """keys[bucket_start[b] + rank] = y << 32 | position for the first CAP_BUCKET entries of each bucket."""
    chunk = (n + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        rank = chunk_offset[c].copy()
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            b = np.int64(y[i]) // BC
            r = rank[b]
            rank[b] = r + 1
            if r < CAP_BUCKET:
                keys[bucket_start[b] + r] = (U64(y[i]) << U64(32)) | U64(i)


@nb.njit(parallel=True, cache=True)
def bucket_sort_split(keys, bucket_start, sorted_y, sorted_pos):
    """Sort each bucket by (y, position) and split the keys into y and position arrays."""
    nb_ = bucket_start.shape[0] - 1
    for b in nb.prange(nb_):
        s, e = bucket_start[b], bucket_start[b + 1]
        keys[s:e] = np.sort(keys[s:e])
        for i in range(s, e):
            sorted_y[i] = np.uint32(keys[i] >> U64(32))
            sorted_pos[i] = np.uint32(keys[i] & M32)


# ------------------------------------------------------------------------------------- matching
@nb.njit(parallel=True, cache=True)
def match_pairs(sorted_y, sorted_pos, bucket_start, num_chunks, match_left, match_right, match_count):
    """Matches of every bucket pair (b, b+1) in the enumeration order of pos.md 4, first CAP_PAIR kept:
    match_left/right[b * CAP_PAIR + i] = positions, match_count[b] = kept matches."""
    num_pairs = bucket_start.shape[0] - 2
    per_chunk = (num_pairs + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        run_start = np.zeros(BC, dtype=np.int32)  # r-map of the right bucket: r -> run in bucket order
        run_len = np.zeros(BC, dtype=np.int32)
        for b in range(c * per_chunk, min(num_pairs, (c + 1) * per_chunk)):
            ls, le = bucket_start[b], bucket_start[b + 1]
            rs, re = bucket_start[b + 1], bucket_start[b + 2]
            base_r = (b + 1) * BC
            for j in range(rs, re):
                r = np.int64(sorted_y[j]) - base_r
                if run_len[r] == 0:
                    run_start[r] = j
                run_len[r] += 1
            base_l = b * BC
            parity = b & 1
            out = b * CAP_PAIR
            count = 0
            for i in range(ls, le):
                if count >= CAP_PAIR:
                    break
                r_l = np.int64(sorted_y[i]) - base_l
                row0 = r_l // PARAM_C
                wrap = PARAM_B - row0  # m >= wrap gives the smallest rows: targets ascending start there
                first_m = wrap if wrap < PARAM_M else 0
                for mm in range(PARAM_M):
                    m = (first_m + mm) & (PARAM_M - 1)
                    row = row0 + m
                    if row >= PARAM_B:
                        row -= PARAM_B
                    col = _SQUARES[parity, m] + r_l % PARAM_C
                    if col >= PARAM_C:
                        col -= PARAM_C
                    t = row * PARAM_C + col
                    cnt = run_len[t]
                    if cnt:
                        st = run_start[t]
                        for q in range(cnt):
                            if count < CAP_PAIR:
                                match_left[out + count] = sorted_pos[i]
                                match_right[out + count] = sorted_pos[st + q]
                            count += 1
            match_count[b] = min(count, CAP_PAIR)
            for j in range(rs, re):  # clear only what was set
                run_len[np.int64(sorted_y[j]) - base_r] = 0


# ------------------------------------------------------------------------------------------- fn
# One-block BLAKE3 with the state in registers. `accel.hashing.kernels_cpu.blake3_compress_inplace`
# (the general, array-based compression) costs ~4x more per call; every fn input is one block
# (<= 29 bytes for K <= 25, pos.md 5), so this register-resident variant is what the tables use.
# It is checked by the K=20 table digests of pos.json and by table equality with the reference (tests/accel/plotting).
@nb.njit(inline="always")
def _rotr(x, n):
    return ((x >> U64(n)) | (x << U64(32 - n))) & M32


@nb.njit(inline="always")
def _g(a, b, c, d, mx, my):
    a = (a + b + mx) & M32
    d = _rotr(d ^ a, 16)
    c = (c + d) & M32
    b = _rotr(b ^ c, 12)
    a = (a + b + my) & M32
    d = _rotr(d ^ a, 8)
    c = (c + d) & M32
    b = _rotr(b ^ c, 7)
    return a, b, c, d


@nb.njit(inline="always")
def _round(s, m):
    s0, s4, s8, s12 = _g(s[0], s[4], s[8], s[12], m[0], m[1])
    s1, s5, s9, s13 = _g(s[1], s[5], s[9], s[13], m[2], m[3])
    s2, s6, s10, s14 = _g(s[2], s[6], s[10], s[14], m[4], m[5])
    s3, s7, s11, s15 = _g(s[3], s[7], s[11], s[15], m[6], m[7])
    s0, s5, s10, s15 = _g(s0, s5, s10, s15, m[8], m[9])
    s1, s6, s11, s12 = _g(s1, s6, s11, s12, m[10], m[11])
    s2, s7, s8, s13 = _g(s2, s7, s8, s13, m[12], m[13])
    s3, s4, s9, s14 = _g(s3, s4, s9, s14, m[14], m[15])
    return (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15)


@nb.njit(inline="always")
def _permute(m):  # BLAKE3_MSG_PERMUTATION
    return (m[2], m[6], m[3], m[10], m[7], m[0], m[4], m[13], m[1], m[11], m[12], m[5], m[9], m[14], m[15], m[8])


@nb.njit(inline="always")
def blake3_one_block(m, block_len):
    """Root hash (8 words) of a message of block_len <= 64 bytes given as 16 little-endian words."""
    s = (_IV[0], _IV[1], _IV[2], _IV[3], _IV[4], _IV[5], _IV[6], _IV[7],
         _IV[0], _IV[1], _IV[2], _IV[3], U64(0), U64(0), U64(block_len), U64(BLAKE3_FLAGS_ONE_BLOCK))
    s = _round(s, m)
    m = _permute(m)
    s = _round(s, m)
    m = _permute(m)
    s = _round(s, m)
    m = _permute(m)
    s = _round(s, m)
    m = _permute(m)
    s = _round(s, m)
    m = _permute(m)
    s = _round(s, m)
    m = _permute(m)
    s = _round(s, m)
    return (s[0] ^ s[8], s[1] ^ s[9], s[2] ^ s[10], s[3] ^ s[11], s[4] ^ s[12], s[5] ^ s[13], s[6] ^ s[14], s[7] ^ s[15])


@nb.njit(inline="always")
def _put_bits(w, pos, value, nbits):
    """OR the nbits (1..64) low bits of value into the MSB-first bit string w (uint64 words) at pos."""
    word = pos >> 6
    end = (pos & 63) + nbits
    if end <= 64:
        w[word] |= value << U64(64 - end)
    else:
        w[word] |= value >> U64(end - 64)
        w[word + 1] |= value << U64(128 - end)


@nb.njit(inline="always")
def _get_bits(w, pos, nbits):
    """nbits (1..64) of the MSB-first bit string w starting at bit pos."""
    word = pos >> 6
    off = pos & 63
    v = (w[word] << U64(off)) >> U64(64 - nbits)
    if off + nbits > 64:
        v |= w[word + 1] >> U64(128 - off - nbits)
    return v


@nb.njit(parallel=True, cache=True)
def fn_kernel(k, table, parent_y, parent_meta_hi, parent_meta_lo, match_left, match_right, match_count,
              pair_offset, num_chunks, y_out, meta_hi_out, meta_lo_out, parents_out):
    """fn (pos.md 5) of every kept match, written at its dense generation-order position."""
    yb = k + PARAM_EXT
    pm = (0, k, 2 * k, 4 * k, 4 * k, 3 * k, 2 * k, 0)[table - 1]
    mb = (0, k, 2 * k, 4 * k, 4 * k, 3 * k, 2 * k, 0)[table]
    nbits = yb + 2 * pm
    nbytes = (nbits + 7) // 8
    num_pairs = match_count.shape[0]
    per_chunk = (num_pairs + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        words = np.zeros(5, dtype=np.uint64)  # 256-bit message / hash as MSB-first words, plus a guard
        for b in range(c * per_chunk, min(num_pairs, (c + 1) * per_chunk)):
            for i in range(match_count[b]):
                left = match_left[b * CAP_PAIR + i]
                right = match_right[b * CAP_PAIR + i]
                for j in range(5):
                    words[j] = 0
                _put_bits(words, 0, U64(parent_y[left]), yb)
                pos = yb
                for side in range(2):
                    e = left if side == 0 else right
                    if pm > 64:
                        _put_bits(words, pos, parent_meta_hi[e], pm - 64)
                        _put_bits(words, pos + pm - 64, parent_meta_lo[e], 64)
                    else:
                        _put_bits(words, pos, parent_meta_lo[e], pm)
                    pos += pm
                z = U64(0)
                m0 = _bswap32(words[0] >> U64(32))
                m1 = _bswap32(words[0] & M32)
                m2 = _bswap32(words[1] >> U64(32))
                m3 = _bswap32(words[1] & M32)
                m4 = _bswap32(words[2] >> U64(32))
                m5 = _bswap32(words[2] & M32)
                m6 = _bswap32(words[3] >> U64(32))
                m7 = _bswap32(words[3] & M32)
                h = blake3_one_block((m0, m1, m2, m3, m4, m5, m6, m7, z, z, z, z, z, z, z, z), nbytes)
                for j in range(4):
                    words[j] = (_bswap32(h[2 * j]) << U64(32)) | _bswap32(h[2 * j + 1])
                words[4] = 0
                dst = pair_offset[b] + i
                y_out[dst] = np.uint32(words[0] >> U64(64 - yb))
                parents_out[dst, 0] = left
                parents_out[dst, 1] = right
                if table == 2 or table == 3:
                    a_lo = parent_meta_lo[left]
                    b_lo = parent_meta_lo[right]
                    meta_hi_out[dst] = a_lo >> U64(64 - pm)
                    meta_lo_out[dst] = (a_lo << U64(pm)) | b_lo
                elif mb > 64:
                    meta_hi_out[dst] = _get_bits(words, yb, mb - 64)
                    meta_lo_out[dst] = _get_bits(words, yb + mb - 64, 64)
                elif mb > 0:
                    meta_hi_out[dst] = 0
                    meta_lo_out[dst] = _get_bits(words, yb, mb)


# ---------------------------------------------------------------------------------------- prove
@nb.njit(parallel=True, cache=True)
def prove_kernel(k, challenges, t7_sorted_y, t7_sorted_pos, p2, p3, p4, p5, p6, p7, proofs, found):
    """For each challenge: the first table-7 entry (y, position order) with y >> EXT == first_k,
    expanded depth-first to 64 x values and packed MSB-first (pos.md 6)."""
    n = challenges.shape[0]
    nbytes = proofs.shape[1]
    for ci in nb.prange(n):
        first_k = _bswap32(U64(challenges[ci])) >> U64(32 - k)
        target = np.uint32(first_k << EXT)
        idx = np.searchsorted(t7_sorted_y, target)
        if idx >= t7_sorted_y.shape[0] or (U64(t7_sorted_y[idx]) >> EXT) != first_k:
            found[ci] = False
            continue
        found[ci] = True
        positions = np.empty(64, dtype=np.uint32)
        positions[0] = t7_sorted_pos[idx]
        width = 1
        for t in range(7, 1, -1):
            parents = p7 if t == 7 else p6 if t == 6 else p5 if t == 5 else p4 if t == 4 else p3 if t == 3 else p2
            for j in range(width - 1, -1, -1):  # expand in place from the end: left before right
                p = positions[j]
                positions[2 * j] = parents[p, 0]
                positions[2 * j + 1] = parents[p, 1]
            width *= 2
        acc = U64(0)
        nacc = 0
        out = 0
        for j in range(64):
            acc = (acc << U64(k)) | U64(positions[j])
            nacc += k
            while nacc >= 8:
                proofs[ci, out] = np.uint8((acc >> U64(nacc - 8)) & U64(0xFF))
                out += 1
                nacc -= 8
        for j in range(out, nbytes):
            proofs[ci, j] = 0
