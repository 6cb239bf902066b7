"""G1 multi-scalar multiplication on the CPU backend (storage_and_time.md section 3): fixed-base
bucket method with precomputed window tables and batch-affine additions, in numba, on all cores.

Why not a library: the PyPI libraries for Python 3.11 measured in accel/kzg/library.py either run a
general Pippenger that holds the GIL on one core (py-arkworks-bls12381: 0.83 s for 2^15 points here)
or only commit over their own 4,096-point setup (ckzg / blst: 0.72 s for 2^15 points as 8 chunks,
plus 3.5 s to load each chunk's setup). The archiver's bases never change (the KZG powers), which a
general MSM cannot exploit; this one does (about 0.36 s for 2^15 points on one core of the 2-core CI
machine, 0.22 s per MSM with `msm_many` on both):

- `msm_prepare` (once per set of bases, `FixedBaseTables`): with a window of c bits and
  W = ceil(256 / c) windows, every base P_i gets the rows [2^(c k)] P_i, k < W, stored affine.
- An MSM with scalars s_i: each s_i is cut into W signed c-bit digits d_ik (|d_ik| <= 2^(c-1), a
  carry moves into the next window), so sum_i s_i P_i = sum_(i,k) d_ik [2^(c k)] P_i: ONE bucket pass
  over n W table points and 2^(c-1) buckets (no doublings, no per-window reduction). The points of
  each bucket are summed as a tree, in place: every level adds disjoint pairs in affine coordinates
  with one shared field inversion per block of 8,192 (Montgomery's trick), about 6 field
  multiplications an addition, against 11 for a mixed Jacobian addition. The buckets are then
  combined by the running sum T = sum_b b B_b, run as 1,024 lock-stepped lanes so that it too is
  batches of affine additions. The bucket entries are gathered from the table in bucket order (with
  software prefetch) into scratch arrays kept between MSMs (page faults of fresh ones cost ~7%).
- Threads: the kernels release the GIL (`nogil`). One MSM splits its windows over the threads;
  `msm_many` runs one MSM per thread.

Every exceptional case (identity bases, equal or opposite points in a pair, empty buckets) takes an
explicit branch, so the result is the exact group element; its ZCash encoding is bit-for-bit what
arkworks or blst give (tests/accel/kzg/test_cpu_msm.py).
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numba as nb
import numpy as np

from accel.kzg import g1
from accel.kzg.constants import G1_BYTES, G1_IDENTITY, SCALAR_BYTES
from accel.kzg.fp_cpu import (FP_LIMBS, FP_ZERO, ONE_MONT, PLAIN_ONE, R2_LIMBS, fp_add, fp_dbl, fp_eq, fp_inv,
                              fp_is_zero, fp_load, fp_mul, fp_neg, fp_sqr, fp_store, fp_sub, from_limbs,
                              jac_add, jac_add_affine, jac_dbl, jac_identity)
from accel.kzg.library import ark
from accel.kzg.points import Scalars, scalar_rows
from accel.prefetch import prefetch

# numba's on-disk cache of these kernels is keyed on this file only: it does not see changes to the
# arithmetic they inline from accel/kzg/fp_cpu.py. Bump this after such a change (stale caches would
# keep the old, equally exact, code). 2: ADX product with register outputs; add/sub on one borrow chain.
FP_CPU_REVISION = 2
# Window width limits: c bits give 2^(c-1) buckets; 16 is the optimum of the cost model at 2^15 bases.
MIN_WINDOW_BITS = 2
MAX_WINDOW_BITS = 16
SCALAR_BITS = 8 * SCALAR_BYTES  # digits cover 256 bits: scalars < r < 2^255 leave room for the last carry
# Measured cost per operation in field multiplications (about 61 ns each on the 2-core CI machine),
# for the window choice: a batch-affine pair addition (6 products: 3 for the shared inversion, 3 for
# the slope and coordinates, plus loads and stores) and a bucket of the running sum (two batch-affine
# additions and a smaller batch).
COST_AFFINE_ADD = 9
COST_BUCKET_SUM = 20
# Pair additions per shared inversion (one inversion costs about 570 multiplications; the block's
# scratch, 8,192 prefix products and task indices, is about 0.5 MB: the L2 cache of one core).
BLOCK = 8192
# Lanes of the bucket running sum, advanced together as one batch of 2 x 1,024 affine additions per step.
RUNNING_SUM_LANES = 1024
# Gather: table rows are prefetched this many entries ahead (the reads are scattered over the table).
PREFETCH_DISTANCE = 24
# Largest table kept (2^15 bases: 51 MB); larger base sets run arkworks' Pippenger instead.
MAX_TABLE_BYTES = 1 << 30
TABLE_BYTES_PER_POINT = 2 * FP_LIMBS * 8 + 1  # affine x, y and the identity flag
# Below this many table points an MSM runs on one thread (a thread hand-off costs more).
PARALLEL_MIN_ENTRIES = 1 << 14


def window_bits(num_points: int) -> int:
    """The window width c minimising n ceil(256 / c) affine additions plus 2^(c-1) bucket sums."""
    def cost(c: int) -> int:
        return num_points * math.ceil(SCALAR_BITS / c) * COST_AFFINE_ADD + (1 << (c - 1)) * COST_BUCKET_SUM
    return min(range(MIN_WINDOW_BITS, MAX_WINDOW_BITS + 1), key=cost)


def table_bytes(num_points: int) -> int:
    """Memory of the fixed-base tables for this many bases."""
    return num_points * -(-SCALAR_BITS // window_bits(num_points)) * TABLE_BYTES_PER_POINT


def default_threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# ------------------------------------------------------------------------------------ kernels

@nb.njit(nogil=True, cache=True)
def _to_montgomery(xy_le, xs, ys, inf):
    """Affine points as 96 little-endian bytes (x then y, all zero for the identity) -> Montgomery rows."""
    n = xy_le.shape[0]
    for i in range(n):
        is_zero = True
        for j in range(2 * FP_LIMBS):
            if xy_le[i, j] != 0:
                is_zero = False
        inf[i] = 1 if is_zero else 0
        x = (xy_le[i, 0], xy_le[i, 1], xy_le[i, 2], xy_le[i, 3], xy_le[i, 4], xy_le[i, 5])
        y = (xy_le[i, 6], xy_le[i, 7], xy_le[i, 8], xy_le[i, 9], xy_le[i, 10], xy_le[i, 11])
        fp_store(xs, i, fp_mul(x, R2_LIMBS))
        fp_store(ys, i, fp_mul(y, R2_LIMBS))


@nb.njit(nogil=True, cache=True)
def _fill_tables(tx, ty, tinf, n, i0, i1, c):
    """Rows k >= 1 of the table for bases i0..i1-1: [2^(c k)] P_i, affine (row 0 holds the bases).

    Row k is row k-1 doubled c times in Jacobian coordinates, then normalised with one inversion for
    the whole slice (Montgomery's trick)."""
    w = tx.shape[0] // n
    m = i1 - i0
    jx = np.empty((m, FP_LIMBS), np.uint64)
    jy = np.empty((m, FP_LIMBS), np.uint64)
    jz = np.empty((m, FP_LIMBS), np.uint64)
    prefix = np.empty((m, FP_LIMBS), np.uint64)
    for j in range(m):
        i = i0 + j
        fp_store(jx, j, fp_load(tx, i))
        fp_store(jy, j, fp_load(ty, i))
        fp_store(jz, j, FP_ZERO if tinf[i] else ONE_MONT)
    for k in range(1, w):
        acc = ONE_MONT
        for j in range(m):
            x, y, z = fp_load(jx, j), fp_load(jy, j), fp_load(jz, j)
            for _ in range(c):
                x, y, z = jac_dbl(x, y, z)
            fp_store(jx, j, x)
            fp_store(jy, j, y)
            fp_store(jz, j, z)
            fp_store(prefix, j, acc)
            if not fp_is_zero(z):
                acc = fp_mul(acc, z)
        inv = fp_inv(acc)
        for j in range(m - 1, -1, -1):
            row = k * n + i0 + j
            z = fp_load(jz, j)
            if fp_is_zero(z):
                tinf[row] = 1
                fp_store(tx, row, FP_ZERO)
                fp_store(ty, row, FP_ZERO)
                continue
            zi = fp_mul(inv, fp_load(prefix, j))
            inv = fp_mul(inv, z)
            zi2 = fp_sqr(zi)
            tinf[row] = 0
            fp_store(tx, row, fp_mul(fp_load(jx, j), zi2))
            fp_store(ty, row, fp_mul(fp_load(jy, j), fp_mul(zi2, zi)))


@nb.njit(nogil=True, cache=True)
def _signed_digits(rows, c, w):
    """(n, 32) big-endian scalars -> (n, w) signed digits in [-2^(c-1), 2^(c-1)], LSB window first."""
    n = rows.shape[0]
    out = np.empty((n, w), np.int32)
    limbs = np.empty(5, np.uint64)  # 4 little-endian limbs and a zero limb for windows past bit 255
    mask = (np.uint64(1) << np.uint64(c)) - np.uint64(1)
    half = np.int64(1) << (c - 1)
    full = np.int64(1) << c
    for i in range(n):
        for li in range(4):
            v = np.uint64(0)
            for b in range(8):
                v = (v << np.uint64(8)) | np.uint64(rows[i, 24 - 8 * li + b])
            limbs[li] = v
        limbs[4] = np.uint64(0)
        carry = np.int64(0)
        for k in range(w):
            bit = k * c
            li = bit // 64
            sh = np.uint64(bit % 64)
            v = limbs[li] >> sh
            if bit % 64 + c > 64:
                v |= limbs[li + 1] << (np.uint64(64) - sh)
            d = np.int64(v & mask) + carry
            if d > half:
                d -= full
                carry = 1
            else:
                carry = 0
            out[i, k] = d
    return out


@nb.njit(nogil=True, cache=True)
def _flush(bx, by, binf, t_a, t_b, cnt, kind, prefix):
    """Run `cnt` pair tasks in place: entry t_a[t] <- entry t_a[t] + entry t_b[t]. The entries of one
    call's tasks are pairwise distinct except that a t_a may be read as the t_b of a LATER task (read
    first: the backward pass runs from the last task), which the bucket running sum uses.

    Forward pass: prefix products of the denominators (Montgomery's trick: one inversion for all);
    backward pass: each denominator is recomputed from the points (cheaper than storing it)."""
    acc = ONE_MONT
    for t in range(cnt):
        a = t_a[t]
        b = t_b[t]
        if binf[b]:
            kind[t] = 0  # result = a (nothing to do)
        elif binf[a]:
            kind[t] = 1  # result = b
        else:
            xa = fp_load(bx, a)
            xb = fp_load(bx, b)
            if not fp_eq(xa, xb):
                kind[t] = 3
                d = fp_sub(xb, xa)
            elif fp_eq(fp_load(by, a), fp_load(by, b)):
                kind[t] = 4  # doubling: slope 3 x^2 / 2 y (y != 0 on the prime-order subgroup)
                d = fp_dbl(fp_load(by, a))
            else:
                kind[t] = 2  # opposite points: identity
                continue
            fp_store(prefix, t, acc)
            acc = fp_mul(acc, d)
    inv = fp_inv(acc)
    for t in range(cnt - 1, -1, -1):
        kd = kind[t]
        a = t_a[t]
        if kd >= 3:
            b = t_b[t]
            xa = fp_load(bx, a)
            ya = fp_load(by, a)
            if kd == 3:
                xb = fp_load(bx, b)
                d = fp_sub(xb, xa)
            else:
                d = fp_dbl(ya)
            dinv = fp_mul(inv, fp_load(prefix, t))
            inv = fp_mul(inv, d)
            if kd == 3:
                lam = fp_mul(fp_sub(fp_load(by, b), ya), dinv)
                x3 = fp_sub(fp_sub(fp_sqr(lam), xa), xb)
            else:
                xx = fp_sqr(xa)
                lam = fp_mul(fp_add(fp_dbl(xx), xx), dinv)
                x3 = fp_sub(fp_sqr(lam), fp_dbl(xa))
            fp_store(bx, a, x3)
            fp_store(by, a, fp_sub(fp_mul(lam, fp_sub(xa, x3)), ya))
        elif kd == 2:
            binf[a] = 1
        elif kd == 1:
            b = t_b[t]
            fp_store(bx, a, fp_load(bx, b))
            fp_store(by, a, fp_load(by, b))
            binf[a] = 0


@nb.njit(nogil=True, cache=True)
def _msm_windows(tx, ty, tinf, n_table, digits, k0, k1, c, out, sx, sy, sinf, sorder, ax, ay, ainf):
    """sum over i < n and k0 <= k < k1 of digits[i, k] [2^(c k)] P_i -> out (3, 6) Jacobian (Montgomery).

    sx, sy, sinf, sorder: scratch for the bucket entries (at least n (k1 - k0) rows); ax, ay, ainf:
    scratch for the running sum (`running_sum_rows(c)` rows). Reused between MSMs (`_Scratch`): fresh
    arrays of this size cost about 25 ms of page faults per 2^15 MSM.
    """
    n = digits.shape[0]
    h = 1 << (c - 1)
    counts = np.zeros(h, np.int64)
    for k in range(k0, k1):
        for i in range(n):
            d = digits[i, k]
            if d != 0:
                counts[abs(d) - 1] += 1
    starts = np.empty(h, np.int64)
    total = 0
    for b in range(h):
        starts[b] = total
        total += counts[b]
    bx = sx[:total]
    by = sy[:total]
    binf = sinf[:total]
    # Counting sort of the (window, base) entries by bucket (signed indices: negative digits), then a
    # sequential gather of the table points (negated for negative digits).
    pos = starts.copy()
    order = sorder[:total]
    for k in range(k0, k1):
        base = k * n_table
        for i in range(n):
            d = digits[i, k]
            if d == 0:
                continue
            b = abs(d) - 1
            j = pos[b]
            pos[b] = j + 1
            order[j] = base + i if d > 0 else -(base + i) - 1
    for j in range(total):
        if j + PREFETCH_DISTANCE < total:
            ahead = order[j + PREFETCH_DISTANCE]
            ahead = -ahead - 1 if ahead < 0 else ahead
            for limb in (0, FP_LIMBS - 1):  # a 48-byte row may straddle two cache lines
                prefetch(tx, ahead * FP_LIMBS + limb)
                prefetch(ty, ahead * FP_LIMBS + limb)
        src = order[j]
        negative = src < 0
        if negative:
            src = -src - 1
        fp_store(bx, j, fp_load(tx, src))
        y = fp_load(ty, src)
        fp_store(by, j, fp_neg(y) if negative else y)
        binf[j] = tinf[src]
    # Tree-sum each bucket in place: at stride s, entry start + 2ks absorbs entry start + (2k+1)s (an
    # unpaired last entry waits for the next level); the bucket's sum ends at its start.
    t_a = np.empty(BLOCK, np.uint64)  # unsigned indices: no negative-index wraparound code
    t_b = np.empty(BLOCK, np.uint64)
    kind = np.empty(BLOCK, np.uint8)
    prefix = np.empty((BLOCK, FP_LIMBS), np.uint64)
    stride = 1
    active = True
    while active:
        active = False
        cnt = 0
        for b in range(h):
            length = counts[b]
            if length <= stride:
                continue
            if length > 2 * stride:
                active = True
            s = starts[b]
            j = 0
            while j + stride < length:
                t_a[cnt] = s + j
                t_b[cnt] = s + j + stride
                cnt += 1
                if cnt == BLOCK:
                    _flush(bx, by, binf, t_a, t_b, cnt, kind, prefix)
                    cnt = 0
                j += 2 * stride
        if cnt:
            _flush(bx, by, binf, t_a, t_b, cnt, kind, prefix)
        stride *= 2
    _bucket_sum(bx, by, binf, counts, starts, ax, ay, ainf, out)


@nb.njit(nogil=True, cache=True)
def _bucket_sum(bx, by, binf, counts, starts, ax, ay, ainf, out):
    """sum_b (b + 1) B_b for the bucket sums B_b (at bx[starts[b]] when counts[b] > 0) -> out (3, 6).

    Running sums in `groups` lock-stepped lanes of `span` buckets each: lane g walks its buckets from
    the top with S_g += B_b and T_g += S_g (the S_g before this step), both in ONE batch of affine
    additions per step (one inversion, through `_flush`: the T tasks come last, so the backward pass
    reads S_g before its own task changes it). Then T_g + S_g = sum_b (b - g span + 1) B_b over lane
    g, and the total is sum_g (T_g + S_g) + span sum_g g S_g (a Jacobian running sum over the lanes,
    then doublings)."""
    h = counts.shape[0]
    groups = min(RUNNING_SUM_LANES, h)
    span = h // groups  # h and the lane count are powers of two
    # Layout: buckets [0, h), lane sums S at h + g, lane totals T at h + groups + g.
    # (ax, ay: scratch, at least h + 2 groups rows; only rows flagged finite in ainf are ever read)
    ainf[:h + 2 * groups] = 1
    t_a = np.empty(2 * groups, np.uint64)
    t_b = np.empty(2 * groups, np.uint64)
    kind = np.empty(2 * groups, np.uint8)
    prefix = np.empty((2 * groups, FP_LIMBS), np.uint64)
    for b in range(h):
        if counts[b]:
            j = starts[b]
            fp_store(ax, b, fp_load(bx, j))
            fp_store(ay, b, fp_load(by, j))
            ainf[b] = binf[j]
    for g in range(groups):
        t_a[g] = h + g  # S_g += B_(top of lane g - step)
        t_a[groups + g] = h + groups + g  # T_g += S_g
        t_b[groups + g] = h + g
    for step in range(span):
        for g in range(groups):
            t_b[g] = (g + 1) * span - 1 - step
        _flush(ax, ay, ainf, t_a, t_b, 2 * groups if step else groups, kind, prefix)
    # sum_g g S_g by a running sum from the top lane, times span; plus sum_g (T_g + S_g).
    sx, sy, sz = jac_identity()
    wx, wy, wz = jac_identity()
    for g in range(groups - 1, 0, -1):
        if not ainf[h + g]:
            sx, sy, sz = jac_add_affine(sx, sy, sz, fp_load(ax, h + g), fp_load(ay, h + g))
        wx, wy, wz = jac_add(wx, wy, wz, sx, sy, sz)
    m = span
    while m > 1:
        wx, wy, wz = jac_dbl(wx, wy, wz)
        m >>= 1
    for j in range(h, h + 2 * groups):
        if not ainf[j]:
            wx, wy, wz = jac_add_affine(wx, wy, wz, fp_load(ax, j), fp_load(ay, j))
    fp_store(out, 0, wx)
    fp_store(out, 1, wy)
    fp_store(out, 2, wz)


def running_sum_rows(c: int) -> int:
    """Rows of the running sum's scratch for window c: 2^(c-1) buckets, then S and T of each lane."""
    h = 1 << (c - 1)
    return h + 2 * min(RUNNING_SUM_LANES, h)


@nb.njit(nogil=True, cache=True)
def _sum_to_affine(parts):
    """Sum of (m, 3, 6) Jacobian points -> (2, 6) plain (non-Montgomery) affine x, y; flag 1 if identity."""
    x, y, z = jac_identity()
    for i in range(parts.shape[0]):
        x, y, z = jac_add(x, y, z, fp_load(parts[i], 0), fp_load(parts[i], 1), fp_load(parts[i], 2))
    out = np.zeros((2, FP_LIMBS), np.uint64)
    if fp_is_zero(z):
        return out, 1
    zi = fp_inv(z)
    zi2 = fp_sqr(zi)
    fp_store(out, 0, fp_mul(fp_mul(x, zi2), PLAIN_ONE))
    fp_store(out, 1, fp_mul(fp_mul(y, fp_mul(zi2, zi)), PLAIN_ONE))
    return out, 0


# ------------------------------------------------------------------------------------ host side

class _Scratch:
    """Scratch arrays of `_msm_windows`, kept for reuse: one set per MSM running at the same time (one
    per thread), each (n W rows of bucket entries, 96 + 9 bytes each, and the running sum's rows)."""

    def __init__(self, entries: int, window: int) -> None:
        self._entries = entries
        self._window = window
        self._free: list[tuple] = []
        self._lock = threading.Lock()

    def acquire(self) -> tuple:
        with self._lock:
            if self._free:
                return self._free.pop()
        rows = running_sum_rows(self._window)
        return (np.empty((self._entries, FP_LIMBS), np.uint64), np.empty((self._entries, FP_LIMBS), np.uint64),
                np.empty(self._entries, np.uint8), np.empty(self._entries, np.int64),
                np.empty((rows, FP_LIMBS), np.uint64), np.empty((rows, FP_LIMBS), np.uint64), np.empty(rows, np.uint8))

    def release(self, scratch: tuple) -> None:
        with self._lock:
            self._free.append(scratch)


class FixedBaseTables:
    """The precomputed rows [2^(c k)] P_i (k < W) of a fixed list of G1 bases, affine, Montgomery form.

    `xy_le`: (n, 96) uint8, each base's affine x then y, little-endian (zeros: the identity), as
    arkworks' `to_xy_bytes_le` gives; the points must already be checked (on the curve, in the
    subgroup). Building costs n (W - 1) c doublings, split over `threads`. Each MSM running at the
    same time keeps a scratch set of about the tables' size (`_Scratch`) for the next one."""

    def __init__(self, xy_le: np.ndarray, threads: int = 1, window: int | None = None) -> None:
        n = xy_le.shape[0]
        if n == 0:
            raise ValueError("FixedBaseTables: no bases")
        self.num_points = n
        self.window = window if window is not None else window_bits(n)
        if not MIN_WINDOW_BITS <= self.window <= MAX_WINDOW_BITS:
            raise ValueError(f"window: {self.window} bits, expected {MIN_WINDOW_BITS}..{MAX_WINDOW_BITS}")
        self.num_windows = -(-SCALAR_BITS // self.window)
        rows = n * self.num_windows
        self.x = np.empty((rows, FP_LIMBS), np.uint64)
        self.y = np.empty((rows, FP_LIMBS), np.uint64)
        self.inf = np.empty(rows, np.uint8)
        self._scratch = _Scratch(rows, self.window)  # per concurrent MSM, on first use
        words = np.ascontiguousarray(xy_le, dtype=np.uint8).view("<u8").reshape(n, 2 * FP_LIMBS).astype(np.uint64)
        _to_montgomery(words, self.x[:n], self.y[:n], self.inf[:n])
        cuts = np.linspace(0, n, min(threads, n) + 1).astype(int)
        jobs = [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
        if len(jobs) == 1:
            _fill_tables(self.x, self.y, self.inf, n, 0, n, self.window)
        else:
            with ThreadPoolExecutor(len(jobs)) as pool:
                list(pool.map(lambda j: _fill_tables(self.x, self.y, self.inf, n, j[0], j[1], self.window), jobs))

    @property
    def nbytes(self) -> int:
        return self.x.nbytes + self.y.nbytes + self.inf.nbytes

    def partial(self, digits: np.ndarray, k0: int, k1: int) -> np.ndarray:
        """Jacobian (3, 6) sum over windows k0..k1-1 (runs without the GIL)."""
        out = np.empty((3, FP_LIMBS), np.uint64)
        scratch = self._scratch.acquire()
        try:
            _msm_windows(self.x, self.y, self.inf, self.num_points, digits, k0, k1, self.window, out, *scratch)
        finally:
            self._scratch.release(scratch)
        return out

    def digits(self, rows: np.ndarray) -> np.ndarray:
        return _signed_digits(rows, self.window, self.num_windows)


def _encode(parts: list[np.ndarray]) -> bytes:
    xy, is_identity = _sum_to_affine(np.stack(parts))
    if is_identity:
        return G1_IDENTITY
    return g1.encode((from_limbs(xy[0]), from_limbs(xy[1])))


def arkworks_msm(points: list, rows: np.ndarray) -> bytes:
    """sum rows[i] points[i] by arkworks' Pippenger (one-shot MSMs: no tables to amortise)."""
    n = rows.shape[0]
    if n == 0:
        return G1_IDENTITY
    values = [ark.Scalar.from_be_bytes(rows[i].tobytes()) for i in range(n)]
    return bytes(ark.G1Point.multiexp_unchecked(points[:n], values).to_compressed_bytes())


class CpuMsmBases:
    """G1 bases decoded once (CPU backend): `msm(scalars)` and `msm_many(batch)`.

    `points`: checked arkworks points (accel.kzg.points.decode_checked). `threads`: worker threads
    (default: the CPUs this process may use). `precompute=False` skips the fixed-base tables and
    runs arkworks' Pippenger instead (for bases used once: building the tables costs about 13
    MSMs); so do base sets whose tables would pass MAX_TABLE_BYTES."""

    def __init__(self, points: list, threads: int | None = None, precompute: bool = True) -> None:
        self.threads = max(1, threads if threads is not None else default_threads())
        self._n = n = len(points)
        if n and table_bytes(n) > MAX_TABLE_BYTES:
            precompute = False
        self._points = None if precompute else points
        self._tables = None
        self._xy: np.ndarray | None = None
        self._prefix: dict[int, FixedBaseTables] = {}
        if n and precompute:
            xy = np.frombuffer(b"".join(bytes(p.to_xy_bytes_le()) for p in points), dtype=np.uint8)
            self._xy = xy.reshape(n, 2 * G1_BYTES)
            self._tables = FixedBaseTables(self._xy, self.threads)

    def __len__(self) -> int:
        return self._n

    def _rows(self, scalars: Scalars) -> np.ndarray:
        rows = scalar_rows(scalars)
        if rows.shape[0] > self._n:
            raise ValueError(f"scalars: {rows.shape[0]} scalars for {self._n} points "
                             "(at most one scalar per prepared point)")
        return rows

    def _msm_rows(self, rows: np.ndarray, threads: int) -> bytes:
        if rows.shape[0] == 0:
            return G1_IDENTITY
        t = self._tables
        if t is None:
            return arkworks_msm(self._points, rows)
        t = self._tables_for(rows.shape[0])
        digits = t.digits(rows)
        parts = min(threads, t.num_windows)
        if parts <= 1 or rows.shape[0] * t.num_windows < PARALLEL_MIN_ENTRIES:
            return _encode([t.partial(digits, 0, t.num_windows)])
        cuts = np.linspace(0, t.num_windows, parts + 1).astype(int)
        with ThreadPoolExecutor(parts) as pool:
            return _encode(list(pool.map(lambda k: t.partial(digits, int(cuts[k]), int(cuts[k + 1])),
                                         range(parts))))

    def _tables_for(self, m: int) -> "FixedBaseTables":
        """Tables for an MSM over the first m bases: the full ones, or, when m is so much smaller that a
        narrower window wins (the 2^(c-1) bucket sums of the full tables' window would dominate, e.g.
        the archiver's 256 segment witnesses over the 2^15 powers: ~34 ms each), tables of the first
        2^ceil(log2 m) bases with their own window, built once and kept."""
        size = 1 << max(0, (m - 1).bit_length())
        if size >= self._n or window_bits(size) >= self._tables.window:
            return self._tables
        tables = self._prefix.get(size)
        if tables is None:
            tables = self._prefix[size] = FixedBaseTables(self._xy[:size], 1)
        return tables

    def msm(self, scalars: Scalars) -> bytes:
        """sum_i scalars[i] P_i over the first len(scalars) bases; the windows are split over the threads."""
        return self._msm_rows(self._rows(scalars), self.threads)

    def msm_many(self, batch: Sequence[Scalars]) -> list[bytes]:
        """[self.msm(s) for s in batch], one MSM per thread (the archiver's 128 record commitments)."""
        all_rows = [self._rows(s) for s in batch]
        if self.threads <= 1 or len(all_rows) <= 1 or self._tables is None:
            return [self._msm_rows(r, self.threads) for r in all_rows]
        with ThreadPoolExecutor(min(self.threads, len(all_rows))) as pool:
            return list(pool.map(lambda r: self._msm_rows(r, 1), all_rows))
