"""numba kernels of the proof-of-space tables on all CPU cores (the CPU twins of accel/kernels/pos_*.c).

Stages per table (pos.md 2-6): f1 of every x from the ChaCha8 keystream; a parallel counting sort
by bucket (per-chunk histograms, so the first MAX_BUCKET_SIZE inserted entries of a bucket are known
exactly) followed by a stable radix sort of each bucket by y, which lays y, position and metadata
out in bucket order; matching of every adjacent bucket pair in parallel into 512 slots per pair
(indices into the bucket-order arrays); fn over the matches at dense generation-order positions
(exclusive sum of the per-pair counts) in three passes: pack the messages, hash them with 32-bit
SIMD lanes, unpack y and metadata; and the prover, many challenges at once.

Measured on the 2-core CI machine (AMD EPYC znver1 ~2 GHz, one numba thread, other jobs running):
3.7 core-s per K=20 table before this layout, 1.7-1.9 after (match 0.8-0.9 s, sort 0.4, BLAKE3
0.25, pack 0.15); `accel/plotting/bench.py` reports it as core_seconds_per_table.

Words are carried in uint64 with explicit masks (numba widens uint32 arithmetic and mixes signed
and unsigned into floats, so every operand is cast); the BLAKE3 lanes are uint32 with explicit
truncation. Metadata of up to 4K = 100 bits is a (hi, lo) pair of uint64. Imported only by the
CPU backend.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from accel.hashing.kernels_cpu import _span_one_key
from accel.numba_threads import parallel_kernel
from accel.prefetch import prefetch
from accel.plotting.constants import (
    MAX_BUCKET_SIZE, MAX_MATCHES_PER_PAIR, PARAM_B, PARAM_BC, PARAM_C, PARAM_EXT, PARAM_M,
)

U64 = np.uint64
M32 = U64(0xFFFFFFFF)
EXT = U64(PARAM_EXT)
BC = PARAM_BC
CAP_BUCKET = MAX_BUCKET_SIZE
CAP_PAIR = MAX_MATCHES_PER_PAIR


@nb.njit(inline="always")
def _bswap32(x):
    return (((x & U64(0xFF)) << U64(24)) | ((x & U64(0xFF00)) << U64(8))
            | ((x >> U64(8)) & U64(0xFF00)) | ((x >> U64(24)) & U64(0xFF)))


# ------------------------------------------------------------------------------------------- f1
@parallel_kernel
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
@parallel_kernel
def bucket_histograms(y, n, num_chunks, hist):
    """hist[c, b]: entries of bucket b in position chunk c."""
    chunk = (n + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        hist[c, :] = 0
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            hist[c, np.int64(y[i]) // BC] += 1


@parallel_kernel
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


@parallel_kernel
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


# Entries ahead whose metadata the gather prefetches (accel/prefetch.py).
PREFETCH_AHEAD_GATHER = 8
RADIX_BITS = 7  # two stable counting passes cover r < BC = 15113 < 2^14
assert BC <= 1 << (2 * RADIX_BITS)


@parallel_kernel
def bucket_sort_split(keys, bucket_start, num_chunks, meta_mode, meta_hi, meta_lo, sorted_y, sorted_pos, sorted_hi,
                      sorted_lo):
    """Sort each bucket by (y, position), split the keys into y and position arrays and lay the
    entries' metadata out in the same order: meta_mode 0 = none (table 7), 1 = the position (table 1,
    metadata = x), 2 = gathered from meta_hi/meta_lo.

    A bucket's keys arrive in insertion order, which is position order, so a stable sort by y alone
    gives (y, position) order: two 7-bit counting passes over r = y - bucket * BC (about 3x faster
    than a comparison sort of ~240 keys). The metadata gather costs one random read per entry here
    so that matching and fn read their inputs from neighbouring sorted slots instead (about 5x less
    time in fn's packing)."""
    nb_ = bucket_start.shape[0] - 1
    per_chunk = (nb_ + num_chunks - 1) // num_chunks
    radix = 1 << RADIX_BITS
    low = U64(radix - 1)
    for c in nb.prange(num_chunks):
        tmp = np.empty(CAP_BUCKET, dtype=np.uint64)
        count = np.empty(radix, dtype=np.int64)
        for b in range(c * per_chunk, min(nb_, (c + 1) * per_chunk)):
            s, e = bucket_start[b], bucket_start[b + 1]
            base = U64(b * BC)
            for shift in range(2):
                src_is_keys = shift == 0
                sh = U64(RADIX_BITS * shift)
                count[:] = 0
                for i in range(s, e):
                    v = keys[i] if src_is_keys else tmp[i - s]
                    count[np.int64((((v >> U64(32)) - base) >> sh) & low)] += 1
                acc = 0
                for d in range(radix):
                    cnt = count[d]
                    count[d] = acc
                    acc += cnt
                for i in range(s, e):
                    v = keys[i] if src_is_keys else tmp[i - s]
                    d = np.int64((((v >> U64(32)) - base) >> sh) & low)
                    if src_is_keys:
                        tmp[count[d]] = v
                    else:
                        keys[s + count[d]] = v
                    count[d] += 1
            for i in range(s, e):
                pos = keys[i] & M32
                sorted_y[i] = np.uint32(keys[i] >> U64(32))
                sorted_pos[i] = np.uint32(pos)
                if meta_mode == 2:
                    if i + PREFETCH_AHEAD_GATHER < e:  # a random place in 2 x 8 MB
                        ahead = np.int64(keys[i + PREFETCH_AHEAD_GATHER] & M32)
                        prefetch(meta_hi, ahead)
                        prefetch(meta_lo, ahead)
                    sorted_hi[i] = meta_hi[pos]
                    sorted_lo[i] = meta_lo[pos]
                elif meta_mode == 1:
                    sorted_hi[i] = 0
                    sorted_lo[i] = pos


# ------------------------------------------------------------------------------------- matching
_TARGETS: list[np.ndarray] = []


def left_targets() -> np.ndarray:
    """(2, BC, 64) uint16: for bucket parity p and left r, the 64 right r values that match, ascending
    (pos.md 4; `reference.match_targets` for one r). 3.9 MB, built once with numpy: reading a row of
    it replaces six integer operations and a table lookup per probe in the matching loop."""
    if not _TARGETS:
        r = np.arange(BC, dtype=np.int64)[:, None]
        m = np.arange(PARAM_M, dtype=np.int64)[None, :]
        rows = (r // PARAM_C + m) % PARAM_B
        out = np.empty((2, BC, PARAM_M), dtype=np.uint16)
        for parity in range(2):
            out[parity] = np.sort(rows * PARAM_C + ((2 * m + parity) ** 2 + r) % PARAM_C, axis=1)
        _TARGETS.append(out)
    return _TARGETS[0]


# Left entries ahead whose target row is prefetched (2..8 measured alike; 0.125 -> 0.085 core-s per table).
PREFETCH_AHEAD = 4


@parallel_kernel
def match_pairs(sorted_y, bucket_start, num_chunks, targets, match_left, match_right, match_count):
    """Matches of every bucket pair (b, b+1) in the enumeration order of pos.md 4, first CAP_PAIR kept:
    match_left/right[b * CAP_PAIR + i] = indices into the sorted (bucket-order) arrays, match_count[b] =
    kept matches. `targets` is
    `left_targets()`: each left r's 64 target r values, ascending. The row of the entry PREFETCH_AHEAD
    places on is prefetched (accel/prefetch.py): without it the loop waits on the row's cache misses."""
    num_pairs = bucket_start.shape[0] - 2
    per_chunk = (num_pairs + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        run_start = np.zeros(BC, dtype=np.int32)  # r-map of the right bucket: r -> run in bucket order
        run_len = np.zeros(BC, dtype=np.int32)
        present = np.zeros(BC, dtype=np.uint8)  # r values of the right bucket: 15 KB, stays in L1
        for b in range(c * per_chunk, min(num_pairs, (c + 1) * per_chunk)):
            ls, le = bucket_start[b], bucket_start[b + 1]
            rs, re = bucket_start[b + 1], bucket_start[b + 2]
            base_r = (b + 1) * BC
            for j in range(rs, re):
                r = np.int64(sorted_y[j]) - base_r
                if run_len[r] == 0:
                    run_start[r] = j
                    present[r] = 1
                run_len[r] += 1
            base_l = b * BC
            parity = b & 1
            out = b * CAP_PAIR
            count = 0
            for i in range(ls, le):
                if count >= CAP_PAIR:
                    break
                if i + PREFETCH_AHEAD < le:  # the target row of a later entry: a random place in 3.9 MB
                    ahead = (parity * BC + np.int64(sorted_y[i + PREFETCH_AHEAD]) - base_l) * PARAM_M
                    prefetch(targets, ahead)
                    prefetch(targets, ahead + PARAM_M // 2)
                    prefetch(targets, ahead + PARAM_M - 1)
                r_l = np.int64(sorted_y[i]) - base_l
                for mm in range(PARAM_M):
                    t = np.int64(targets[parity, r_l, mm])
                    if present[t]:
                        cnt = run_len[t]
                        st = run_start[t]
                        for q in range(cnt):
                            if count < CAP_PAIR:
                                match_left[out + count] = i
                                match_right[out + count] = st + q
                            count += 1
            match_count[b] = min(count, CAP_PAIR)
            for j in range(rs, re):  # clear only what was set
                r = np.int64(sorted_y[j]) - base_r
                run_len[r] = 0
                present[r] = 0


# ------------------------------------------------------------------------------------------- fn
# fn is one kernel, `fn_blocks`, working in blocks of FN_BLOCK matches so that the hashing vectorises:
# each match's one-block message is written as 8 little-endian words in column layout (word w of
# message j at msg[w, j]), the block's columns are hashed with 32-bit lanes
# (`accel.hashing.kernels_cpu._span_one_key`; AVX2: about 3x the throughput of one hash at a time), and
# y and the metadata are taken out of the hashes. Every fn input is one block (<= 29 bytes for K <= 25,
# pos.md 5). Checked by the K=20 table digests of pos.json and by table equality with the reference
# (tests/accel/plotting).
U32 = np.uint32


@nb.njit(inline="always")
def _get_bits(w, pos, nbits):
    """nbits (1..64) of the MSB-first bit string w starting at bit pos."""
    word = pos >> 6
    off = pos & 63
    v = (w[word] << U64(off)) >> U64(64 - nbits)
    if off + nbits > 64:
        v |= w[word + 1] >> U64(128 - off - nbits)
    return v


@nb.njit(inline="always")
def _meta_bits(k, table):
    return (0, k, 2 * k, 4 * k, 4 * k, 3 * k, 2 * k, 0)[table]


@nb.njit(inline="always")
def _shl_or(w0, w1, w2, w3, value, n):
    """The 256-bit word string (w0..w3, MSB first) shifted left by n (1..64) bits with value in the low bits."""
    if n == 64:
        return w1, w2, w3, value
    sn, sr = U64(n), U64(64 - n)
    return (w0 << sn) | (w1 >> sr), (w1 << sn) | (w2 >> sr), (w2 << sn) | (w3 >> sr), (w3 << sn) | value


@nb.njit(inline="always")
def _append_meta(w0, w1, w2, w3, hi, lo, pm):
    if pm > 64:
        w0, w1, w2, w3 = _shl_or(w0, w1, w2, w3, hi, pm - 64)
        return _shl_or(w0, w1, w2, w3, lo, 64)
    return _shl_or(w0, w1, w2, w3, lo, pm)


# Matches per block of the fused fn: the block's messages and hashes (2 x 8 KB of columns) stay in L1.
FN_BLOCK = 256


@nb.njit(inline="always")
def _fn_hash_block(k, table, msg, hashes, fill, first_dst, iv, block_len, flags, words, y_out, meta_hi_out,
                   meta_lo_out):
    """Hash the block's `fill` message columns (vectorised lanes) and unpack y and the metadata of
    tables 4..6 to the outputs at first_dst.. (the block is a contiguous run of generation order)."""
    _span_one_key(msg, iv, U64(0), U32(block_len), U32(flags), hashes, U64(0), U64(fill))
    yb = k + PARAM_EXT
    mb = _meta_bits(k, table)
    for j in range(fill):
        dst = first_dst + j
        for w in range(4):
            words[w] = (_bswap32(U64(hashes[2 * w, j])) << U64(32)) | _bswap32(U64(hashes[2 * w + 1, j]))
        y_out[dst] = np.uint32(words[0] >> U64(64 - yb))
        if table >= 4 and table <= 6:
            if mb > 64:
                meta_hi_out[dst] = _get_bits(words, yb, mb - 64)
                meta_lo_out[dst] = _get_bits(words, yb + mb - 64, 64)
            else:
                meta_hi_out[dst] = 0
                meta_lo_out[dst] = _get_bits(words, yb, mb)


@parallel_kernel
def fn_blocks(k, table, sorted_y, sorted_pos, sorted_hi, sorted_lo, match_left, match_right, match_count,
              pair_offset, num_chunks, iv, block_len, flags, y_out, meta_hi_out, meta_lo_out, parents_out):
    """fn (pos.md 5) of every kept match, from the parent table in bucket order, in cache-sized blocks:
    FN_BLOCK messages y_left || meta_left || meta_right (MSB-first, zero-padded, one BLAKE3 block) are
    laid out as 8 little-endian word columns, hashed together with 32-bit lanes
    (`accel.hashing.kernels_cpu._span_one_key`: the lane loop vectorises) and unpacked into y and the
    metadata of tables 4..6 at their dense generation-order positions; the parents and the metadata of
    tables 2 and 3 (the concatenation of the parents') are written as the messages are built. The
    message is built in four registers by shift-and-or appends (the table's widths make every branch
    uniform). Blocks keep the messages and hashes in L1 instead of two arrays of 32 bytes per entry."""
    yb = k + PARAM_EXT
    pm = _meta_bits(k, table - 1)
    pad = 256 - yb - 2 * pm
    num_pairs = match_count.shape[0]
    per_chunk = (num_pairs + num_chunks - 1) // num_chunks
    for c in nb.prange(num_chunks):
        msg = np.zeros((8, FN_BLOCK), dtype=np.uint32)
        hashes = np.empty((8, FN_BLOCK), dtype=np.uint32)
        words = np.zeros(5, dtype=np.uint64)
        fill = 0
        first_dst = 0
        for b in range(c * per_chunk, min(num_pairs, (c + 1) * per_chunk)):
            for i in range(match_count[b]):
                left = match_left[b * CAP_PAIR + i]
                right = match_right[b * CAP_PAIR + i]
                z = U64(0)
                w0, w1, w2, w3 = _shl_or(z, z, z, z, U64(sorted_y[left]), yb)
                w0, w1, w2, w3 = _append_meta(w0, w1, w2, w3, sorted_hi[left], sorted_lo[left], pm)
                w0, w1, w2, w3 = _append_meta(w0, w1, w2, w3, sorted_hi[right], sorted_lo[right], pm)
                rest = pad
                while rest > 0:
                    step = min(rest, 64)
                    w0, w1, w2, w3 = _shl_or(w0, w1, w2, w3, z, step)
                    rest -= step
                dst = pair_offset[b] + i
                if fill == 0:
                    first_dst = dst
                msg[0, fill] = U32(_bswap32(w0 >> U64(32)))
                msg[1, fill] = U32(_bswap32(w0 & M32))
                msg[2, fill] = U32(_bswap32(w1 >> U64(32)))
                msg[3, fill] = U32(_bswap32(w1 & M32))
                msg[4, fill] = U32(_bswap32(w2 >> U64(32)))
                msg[5, fill] = U32(_bswap32(w2 & M32))
                msg[6, fill] = U32(_bswap32(w3 >> U64(32)))
                msg[7, fill] = U32(_bswap32(w3 & M32))
                parents_out[dst, 0] = sorted_pos[left]
                parents_out[dst, 1] = sorted_pos[right]
                if table == 2 or table == 3:
                    a_lo = sorted_lo[left]
                    meta_hi_out[dst] = a_lo >> U64(64 - pm)
                    meta_lo_out[dst] = (a_lo << U64(pm)) | sorted_lo[right]
                fill += 1
                if fill == FN_BLOCK:
                    _fn_hash_block(k, table, msg, hashes, fill, first_dst, iv, block_len, flags, words, y_out,
                                   meta_hi_out, meta_lo_out)
                    fill = 0
        if fill > 0:
            _fn_hash_block(k, table, msg, hashes, fill, first_dst, iv, block_len, flags, words, y_out, meta_hi_out,
                           meta_lo_out)


# ---------------------------------------------------------------------------------------- prove
@parallel_kernel
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
