"""Erasure coding and radix-2 NTTs over Fr on all CPU cores (numba), storage_and_time.md sections 3-4.
The CPU twin of accel/kernels/ntt.c; bit-identical with accel/erasure/reference.py.

Data are (rows * n, 4) uint64 little-endian limb arrays, `rows` independent transforms of size n
laid out one after the other, so one call serves a single record (rows = 1, n = 2^15) or the
archiver's 32,768 chunk positions of 128 values each. Every stage is one parallel loop over all
rows * n / 2 butterflies.

Transforms (in place; twiddles w_{2h}^j read from one table of w_T^j, j < T/2, at stride T/(2h)):
- `ntt_dif`: natural order in, bit-reversed order out (Gentleman-Sande butterflies);
- `ntt_dit`: bit-reversed in, natural out (Cooley-Tukey). With the inverse table this is an
  unscaled inverse transform. DIF then DIT needs no permutation, which is how extend works.
Values multiplied only by Montgomery-form constants stay in plain form (see fr_cpu.py), so extend,
the FFTs and recover never convert the data: recover's data-by-data products have one factor fixed by
the erasure pattern, which becomes a Montgomery-form table (`pattern_tables`, cached per pattern).

Per-call overhead is kept out of small calls: `extend_bytes` and `recover_bytes` go from the 32-byte
big-endian scalars to the result bytes in compiled code (validation and conversion fused into the
first and last transform phase), and work below PARALLEL_MIN_VALUES (or, on a machine without idle
cores, below BUSY_SERIAL_MAX_VALUES) runs on the calling thread.
"""
from __future__ import annotations

import collections
import contextlib
import functools
import threading
from typing import Iterator

import numba as nb
import numpy as np

from accel.cpu_load import idle_cores
from accel.numba_threads import parallel_kernel, renamed
from accel.erasure.constants import MODULUS, MONT_R, RECOVERY_SHIFT
from accel.erasure.domain import root_of_unity
from accel.erasure.fr import ints_to_limbs
from accel.erasure.fr_cpu import (ONE_MONT, P0, P1, P2, P3, ZERO, _sbb, fr_add, fr_neg,
                                   fr_sub, mont_inverse, mont_mul, mul_row)

# numba's on-disk cache of these kernels is keyed on this file only, not on the arithmetic they inline
# from accel/erasure/fr_cpu.py: bump this after a change there. 2: the low-limb reduction by shifts
# (revision 1) taken back: 34.5 ns per product with it, 33.5 without.
FR_CPU_REVISION = 2
SCHOOLBOOK_MAX_DEGREE = 16  # zero-polynomial tree levels up to this degree multiply directly, larger by NTT
INVERSION_CHUNK = 1024  # batch inversion: one Fermat inversion per chunk of this many values
BLOCK_LOG = 10  # NTT stages with half-size < 2^10 run within blocks of 1,024 values (32 KiB)
COLUMN_CHUNK = 16  # larger stages: one task per 16 adjacent columns (4 cache lines per row)
# Work below this many values runs on the calling thread only: a parallel region costs a thread wake-up
# and a join (microseconds on an idle machine, a scheduler time slice on a loaded one), which is more than
# a 4,096-value extend is worth; ckzg's compute_cells, the peer, is single-threaded as well.
PARALLEL_MIN_VALUES = 1 << 14
# Work below BUSY_SERIAL_MAX_VALUES values also runs on one thread while other processes leave fewer
# than MIN_IDLE_CORES cores idle (accel.cpu_load): every parallel region ends in a join that waits for
# the slowest thread, and without an idle core for it a second thread is descheduled mid-region.
# Measured on 2 shared cores: at load ~9, extend of 2^15 values 74 ms on one thread vs 95 ms on two,
# recovery of 2^16 1.1 s vs 1.9 s; at load ~1.6, 45 ms vs 47 ms and 0.76 s vs 0.92 s. Larger batches
# (the archiver's) keep their threads: their regions are long, and more threads get more of a contended
# CPU.
BUSY_SERIAL_MAX_VALUES = 1 << 20
MIN_IDLE_CORES = 1.5


# ------------------------------------------------------------------------------ numba kernels
@nb.njit(cache=True, nogil=True)
def _bitrev(index, bits):
    out = 0
    v = index
    for _ in range(bits):
        out = (out << 1) | (v & 1)
        v >>= 1
    return out


@parallel_kernel
def powers_kernel(base, count, out):
    """out[j] = base^j (Montgomery form in, Montgomery form out), in parallel blocks."""
    block = 256
    nblocks = (count + block - 1) // block
    # base^(block) by repeated squaring is not needed: compute block starts sequentially.
    starts = np.empty((nblocks, 4), dtype=np.uint64)
    s0, s1, s2, s3 = ONE_MONT[0], ONE_MONT[1], ONE_MONT[2], ONE_MONT[3]
    step0, step1, step2, step3 = ONE_MONT[0], ONE_MONT[1], ONE_MONT[2], ONE_MONT[3]
    for _ in range(block):
        step0, step1, step2, step3 = mont_mul(step0, step1, step2, step3, base[0], base[1], base[2], base[3])
    for b in range(nblocks):
        starts[b, 0], starts[b, 1], starts[b, 2], starts[b, 3] = s0, s1, s2, s3
        s0, s1, s2, s3 = mont_mul(s0, s1, s2, s3, step0, step1, step2, step3)
    for b in nb.prange(nblocks):
        x0, x1, x2, x3 = starts[b, 0], starts[b, 1], starts[b, 2], starts[b, 3]
        for j in range(b * block, min(count, (b + 1) * block)):
            out[j, 0], out[j, 1], out[j, 2], out[j, 3] = x0, x1, x2, x3
            x0, x1, x2, x3 = mont_mul(x0, x1, x2, x3, base[0], base[1], base[2], base[3])


@nb.njit(inline="always")
def _butterfly_dif(x, i0, i1, tw, t):
    """(u, v) -> (u + v, (u - v) w), w = tw[t]; t = 0 means w = 1."""
    u0, u1, u2, u3 = x[i0, 0], x[i0, 1], x[i0, 2], x[i0, 3]
    v0, v1, v2, v3 = x[i1, 0], x[i1, 1], x[i1, 2], x[i1, 3]
    x[i0, 0], x[i0, 1], x[i0, 2], x[i0, 3] = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
    d0, d1, d2, d3 = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)
    if t != 0:
        d0, d1, d2, d3 = mont_mul(d0, d1, d2, d3, tw[t, 0], tw[t, 1], tw[t, 2], tw[t, 3])
    x[i1, 0], x[i1, 1], x[i1, 2], x[i1, 3] = d0, d1, d2, d3


@nb.njit(inline="always")
def _butterfly_dit(x, i0, i1, tw, t):
    """(u, v) -> (u + v w, u - v w), w = tw[t]; t = 0 means w = 1."""
    v0, v1, v2, v3 = x[i1, 0], x[i1, 1], x[i1, 2], x[i1, 3]
    if t != 0:
        v0, v1, v2, v3 = mont_mul(v0, v1, v2, v3, tw[t, 0], tw[t, 1], tw[t, 2], tw[t, 3])
    u0, u1, u2, u3 = x[i0, 0], x[i0, 1], x[i0, 2], x[i0, 3]
    x[i0, 0], x[i0, 1], x[i0, 2], x[i0, 3] = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
    x[i1, 0], x[i1, 1], x[i1, 2], x[i1, 3] = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)


@nb.njit(cache=True, nogil=True)
def _stage_in_block(x, base, log_block, log_h, tw, log_tw, dit):
    """One stage (half-size 2^log_h) over the contiguous block of 2^log_block values at `base`."""
    h = 1 << log_h
    shift = log_tw - 1 - log_h
    for kk in range(1 << (log_block - 1)):
        j = kk & (h - 1)
        i0 = base + ((kk >> log_h) << (log_h + 1)) + j
        if dit:
            _butterfly_dit(x, i0, i0 + h, tw, j << shift)
        else:
            _butterfly_dif(x, i0, i0 + h, tw, j << shift)


@nb.njit(cache=True, nogil=True)
def _stage_in_columns(x, base, log_n, log_block, log_h, lo_first, lo_count, tw, log_tw, dit):
    """One stage with 2^log_h >= 2^log_block over the values of one transform (at `base`) whose index
    mod 2^log_block lies in [lo_first, lo_first + lo_count): such stages never mix other indices."""
    h = 1 << log_h
    shift = log_tw - 1 - log_h
    hb_log = log_h - log_block
    for q in range(1 << (log_n - log_block - 1)):
        blk = q >> hb_log
        jhi = q & ((1 << hb_log) - 1)
        for lo in range(lo_first, lo_first + lo_count):
            j = (jhi << log_block) + lo
            i0 = base + (blk << (log_h + 1)) + j
            if dit:
                _butterfly_dit(x, i0, i0 + h, tw, j << shift)
            else:
                _butterfly_dif(x, i0, i0 + h, tw, j << shift)


@nb.njit(cache=True, nogil=True)
def _block_stages(x, start, log_block, tw, log_tw, dit):
    """All stages with half-size < 2^log_block on the contiguous block of 2^log_block values at `start`
    (DIT: smallest first; DIF: largest first)."""
    for s in range(log_block):
        log_h = s if dit else log_block - 1 - s
        _stage_in_block(x, start, log_block, log_h, tw, log_tw, dit)


@nb.njit(cache=True, nogil=True)
def _column_stages(x, base, log_n, log_block, lo, tw, log_tw, dit):
    """All stages with half-size >= 2^log_block of the transform at `base`, on the values whose index
    mod 2^log_block lies in [lo, lo + COLUMN_CHUNK) (DIT: smallest first; DIF: largest first)."""
    for s in range(log_n - log_block):
        log_h = log_block + s if dit else log_n - 1 - s
        _stage_in_columns(x, base, log_n, log_block, log_h, lo, COLUMN_CHUNK, tw, log_tw, dit)


@parallel_kernel
def _ntt(x, rows, log_n, tw, log_tw, dit):
    """Both NTTs in two parallel phases, so that a whole transform costs two thread synchronisations:
    stages with half-size < 2^BLOCK_LOG run block by block (contiguous, cache-resident), the larger
    ones column chunk by column chunk. DIT runs the block phase first, DIF last."""
    log_block = min(log_n, BLOCK_LOG)
    n = 1 << log_n
    blocks = rows << (log_n - log_block)
    chunks = (1 << log_block) // COLUMN_CHUNK
    for phase in range(2):
        if (phase == 0) == dit:
            for b in nb.prange(blocks):
                _block_stages(x, b << log_block, log_block, tw, log_tw, dit)
        elif log_n > log_block:
            for task in nb.prange(rows * chunks):
                row = task // chunks
                _column_stages(x, row * n, log_n, log_block, (task - row * chunks) * COLUMN_CHUNK, tw, log_tw, dit)


# `_ntt` on the calling thread: the same code compiled without parallel=True, where prange runs as
# range (the same phases, in order). Under its own name: built from `_ntt`'s own function object it shared
# its cache entry, and a fresh install ran every NTT serial or every NTT parallel (accel.numba_threads).
_ntt_serial = nb.njit(cache=True, nogil=True)(renamed(_ntt.py_func, "_ntt_serial"))


def machine_busy() -> bool:
    """Whether other processes leave fewer than MIN_IDLE_CORES of this process's cores idle
    (`accel.cpu_load.idle_cores`: their CPU time, not the load average, which also counts this
    process's own threads of the last minute)."""
    return idle_cores() < MIN_IDLE_CORES


def parallel_worth(values: int) -> bool:
    """Whether work on `values` field elements is worth parallel regions (see PARALLEL_MIN_VALUES and
    BUSY_SERIAL_MAX_VALUES)."""
    if values < PARALLEL_MIN_VALUES:
        return False
    return values >= BUSY_SERIAL_MAX_VALUES or not machine_busy()


def use_threads(values: int) -> bool:
    """Whether a kernel on `values` field elements should run its parallel version."""
    return nb.get_num_threads() > 1 and parallel_worth(values)


@contextlib.contextmanager
def threads_for(values: int) -> Iterator[None]:
    """Within: parallel kernels use one thread unless an operation on `values` elements is worth more
    (`parallel_worth`); numba's thread count is per calling thread, so other threads are unaffected."""
    before = nb.get_num_threads()
    if before == 1 or parallel_worth(values):
        yield
        return
    nb.set_num_threads(1)
    try:
        yield
    finally:
        nb.set_num_threads(before)


def _run_ntt(x: np.ndarray, rows: int, log_n: int, tw: np.ndarray, log_tw: int, dit: bool) -> None:
    if log_n:
        (_ntt if use_threads(rows << log_n) else _ntt_serial)(x, rows, log_n, tw, log_tw, dit)


def ntt_dif(x: np.ndarray, rows: int, log_n: int, tw: np.ndarray, log_tw: int) -> None:
    """In-place DIF NTT of `rows` transforms of size 2^log_n: natural in, bit-reversed out."""
    _run_ntt(x, rows, log_n, tw, log_tw, False)


def ntt_dit(x: np.ndarray, rows: int, log_n: int, tw: np.ndarray, log_tw: int) -> None:
    """In-place DIT NTT of `rows` transforms of size 2^log_n: bit-reversed in, natural out."""
    _run_ntt(x, rows, log_n, tw, log_tw, True)


# ------------------------------------------------------------------------------ bytes <-> limbs, fused extend
@nb.njit(inline="always")
def _load_scalar(src, i, x, j):
    """x[j] = little-endian limbs of the 32-byte big-endian scalar src[i]; returns True when it is
    canonical (< r, borrow out of x - r)."""
    for k in range(4):
        v = ZERO
        first = 24 - 8 * k
        for byte in range(8):
            v = (v << np.uint64(8)) | np.uint64(src[i, first + byte])
        x[j, k] = v
    _, b = _sbb(x[j, 0], P0, ZERO)
    _, b = _sbb(x[j, 1], P1, b)
    _, b = _sbb(x[j, 2], P2, b)
    _, b = _sbb(x[j, 3], P3, b)
    return b != ZERO


@nb.njit(inline="always")
def _store_scalar(x, j, out, i):
    """out[i] = 32-byte big-endian encoding of the limbs x[j]."""
    for k in range(4):
        v = x[j, k]
        last = 31 - 8 * k
        for byte in range(8):
            out[i, last - byte] = np.uint8(v & np.uint64(0xFF))
            v >>= np.uint64(8)


@nb.njit(cache=True, nogil=True)
def quotient_bytes(src, x_mont, out):
    """Synthetic division by (X - x) (the KZG opening quotient, section 3): src (n, 32) big-endian
    coefficients c_0..c_{n-1} -> out (n-1, 32): q_{n-2} = c_{n-1}, q_{k-1} = c_k + x q_k. x_mont: the
    four limbs of x in Montgomery form, so mont_mul(q, x_mont) = q x on plain values. Returns the first
    non-canonical index of src, or -1."""
    n = src.shape[0]
    bad = -1
    q = np.empty((1, 4), dtype=np.uint64)
    c = np.empty((1, 4), dtype=np.uint64)
    if not _load_scalar(src, n - 1, q, 0):
        bad = n - 1
    _store_scalar(q, 0, out, n - 2)
    for k in range(n - 2, 0, -1):
        if not _load_scalar(src, k, c, 0) and bad < 0:
            bad = k
        t0, t1, t2, t3 = mont_mul(q[0, 0], q[0, 1], q[0, 2], q[0, 3], x_mont[0], x_mont[1], x_mont[2], x_mont[3])
        q[0, 0], q[0, 1], q[0, 2], q[0, 3] = fr_add(c[0, 0], c[0, 1], c[0, 2], c[0, 3], t0, t1, t2, t3)
        _store_scalar(q, 0, out, k - 1)
    if bad < 0 and n > 0 and not _load_scalar(src, 0, c, 0):
        bad = 0
    return bad


@nb.njit(cache=True, nogil=True)
def _load_range(src, x, start, count, bad, task):
    """Limbs of src[start:start+count]; the first non-canonical index goes to bad[task]."""
    for i in range(start, start + count):
        if not _load_scalar(src, i, x, i) and bad[task] < 0:
            bad[task] = i


@nb.njit(cache=True, nogil=True)
def _store_range(x, out, start, count):
    for i in range(start, start + count):
        _store_scalar(x, i, out, i)


@nb.njit(cache=True, nogil=True)
def _load_columns(src, x, base, log_n, log_block, lo, bad, task):
    """`_load_range` of the values a column task owns (index mod 2^log_block in [lo, lo + COLUMN_CHUNK))."""
    for hi in range(1 << (log_n - log_block)):
        i = base + (hi << log_block) + lo
        for k in range(i, i + COLUMN_CHUNK):
            if not _load_scalar(src, k, x, k) and (bad[task] < 0 or k < bad[task]):
                bad[task] = k


@nb.njit(cache=True, nogil=True)
def _store_columns(x, out, base, log_n, log_block, lo):
    for hi in range(1 << (log_n - log_block)):
        i = base + (hi << log_block) + lo
        for k in range(i, i + COLUMN_CHUNK):
            _store_scalar(x, k, out, k)


@nb.njit(cache=True, nogil=True)
def _extend_block(x, start, log_block, n, tw_inv, tw_fwd, log_n, table):
    """The middle of extend on one block: small DIF stages, times the extend table, small DIT stages."""
    _block_stages(x, start, log_block, tw_inv, log_n, False)
    for i in range(start, start + (1 << log_block)):
        mul_row(x, i, table, i & (n - 1))
    _block_stages(x, start, log_block, tw_fwd, log_n, True)


@nb.njit(cache=True, nogil=True)
def _column_task(src, out, x, task, chunks, n, log_n, log_block, tw, dit, bad):
    """Large stages of one column chunk; DIF (the first phase of extend) loads the bytes first, DIT (the
    last) stores them after."""
    row = task // chunks
    lo = (task - row * chunks) * COLUMN_CHUNK
    if not dit:
        _load_columns(src, x, row * n, log_n, log_block, lo, bad, task)
    _column_stages(x, row * n, log_n, log_block, lo, tw, log_n, dit)
    if dit:
        _store_columns(x, out, row * n, log_n, log_block, lo)


@nb.njit(cache=True, nogil=True)
def _whole_block_task(src, out, x, b, log_block, n, tw_inv, tw_fwd, log_n, table, bad):
    """Extend of transforms that fit in one block (n <= 2^BLOCK_LOG): load, transform, store."""
    start = b << log_block
    _load_range(src, x, start, 1 << log_block, bad, b)
    _extend_block(x, start, log_block, n, tw_inv, tw_fwd, log_n, table)
    _store_range(x, out, start, 1 << log_block)


@parallel_kernel
def _extend_bytes_parallel(src, out, x, rows, log_n, tw_inv, tw_fwd, table, bad):
    """Parity bytes of `rows` rows of 2^log_n source bytes in three parallel regions (one when a row fits
    in a block): [load + large DIF stages], [small DIF stages, extend table, small DIT stages],
    [large DIT stages + store]. bad[task] = first non-canonical flat index seen by that task, else -1."""
    log_block = min(log_n, BLOCK_LOG)
    n = 1 << log_n
    blocks = rows << (log_n - log_block)
    if log_n > log_block:
        chunks = (1 << log_block) // COLUMN_CHUNK
        for task in nb.prange(rows * chunks):
            _column_task(src, out, x, task, chunks, n, log_n, log_block, tw_inv, False, bad)
        for b in nb.prange(blocks):
            _extend_block(x, b << log_block, log_block, n, tw_inv, tw_fwd, log_n, table)
        for task in nb.prange(rows * chunks):
            _column_task(src, out, x, task, chunks, n, log_n, log_block, tw_fwd, True, bad)
    else:
        for b in nb.prange(blocks):
            _whole_block_task(src, out, x, b, log_block, n, tw_inv, tw_fwd, log_n, table, bad)


@nb.njit(cache=True, nogil=True)
def _extend_bytes_serial(src, out, x, rows, log_n, tw_inv, tw_fwd, table, bad):
    """`_extend_bytes_parallel` on the calling thread (the same tasks, in order)."""
    log_block = min(log_n, BLOCK_LOG)
    n = 1 << log_n
    blocks = rows << (log_n - log_block)
    if log_n > log_block:
        chunks = (1 << log_block) // COLUMN_CHUNK
        for task in range(rows * chunks):
            _column_task(src, out, x, task, chunks, n, log_n, log_block, tw_inv, False, bad)
        for b in range(blocks):
            _extend_block(x, b << log_block, log_block, n, tw_inv, tw_fwd, log_n, table)
        for task in range(rows * chunks):
            _column_task(src, out, x, task, chunks, n, log_n, log_block, tw_fwd, True, bad)
    else:
        for b in range(blocks):
            _whole_block_task(src, out, x, b, log_block, n, tw_inv, tw_fwd, log_n, table, bad)


@parallel_kernel
def load_scalars_parallel(src, x, present, bad):
    """x[i] = limbs of src[i] where present[i % len(present)] (else 0); bad[chunk] as in _load_range."""
    n = src.shape[0]
    chunk = 4096
    size = present.shape[0]
    for c in nb.prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if present[i % size]:
                if not _load_scalar(src, i, x, i) and bad[c] < 0:
                    bad[c] = i
            else:
                x[i, 0], x[i, 1], x[i, 2], x[i, 3] = ZERO, ZERO, ZERO, ZERO


@nb.njit(cache=True, nogil=True)
def load_scalars_serial(src, x, present, bad):
    n = src.shape[0]
    size = present.shape[0]
    for i in range(n):
        if present[i % size]:
            if not _load_scalar(src, i, x, i) and bad[0] < 0:
                bad[0] = i
        else:
            x[i, 0], x[i, 1], x[i, 2], x[i, 3] = ZERO, ZERO, ZERO, ZERO


@parallel_kernel
def store_scalars(x, out):
    """out[i] = 32-byte big-endian encoding of x[i]."""
    for i in nb.prange(x.shape[0]):
        _store_scalar(x, i, out, i)


@nb.njit(cache=True, nogil=True)
def store_scalars_serial(x, out):
    for i in range(x.shape[0]):
        _store_scalar(x, i, out, i)


@parallel_kernel
def bit_reverse_rows(x, rows, log_n):
    """In-place bit-reversal permutation of each row of 2^log_n values."""
    n = 1 << log_n
    for k in nb.prange(rows * n):
        row = k >> log_n
        i = k & (n - 1)
        j = _bitrev(i, log_n)
        if i < j:
            a = row * n + i
            b = row * n + j
            for limb in range(4):
                tmp = x[a, limb]
                x[a, limb] = x[b, limb]
                x[b, limb] = tmp


@parallel_kernel
def mul_by_table(x, rows, n, table):
    """x[row * n + i] *= table[i] (table in Montgomery form: plain data stay plain)."""
    for k in nb.prange(rows * n):
        mul_row(x, k, table, k & (n - 1))


@parallel_kernel
def mul_by_constant(x, c):
    """x[i] = mont_mul(x[i], c) for one constant row c (shape (1, 4))."""
    for k in nb.prange(x.shape[0]):
        mul_row(x, k, c, 0)


@parallel_kernel
def batch_inverse(x, chunk):
    """In place: every (non-zero, Montgomery-form) x[i] -> x[i]^-1, Montgomery's trick per chunk."""
    n = x.shape[0]
    nchunks = (n + chunk - 1) // chunk
    prefix = np.empty_like(x)
    for c in nb.prange(nchunks):
        lo = c * chunk
        hi = min(n, lo + chunk)
        a0, a1, a2, a3 = ONE_MONT[0], ONE_MONT[1], ONE_MONT[2], ONE_MONT[3]
        for i in range(lo, hi):
            prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3] = a0, a1, a2, a3
            a0, a1, a2, a3 = mont_mul(a0, a1, a2, a3, x[i, 0], x[i, 1], x[i, 2], x[i, 3])
        a0, a1, a2, a3 = mont_inverse(a0, a1, a2, a3)  # 1 / (x_lo ... x_hi-1)
        for i in range(hi - 1, lo - 1, -1):
            v0, v1, v2, v3 = x[i, 0], x[i, 1], x[i, 2], x[i, 3]
            x[i, 0], x[i, 1], x[i, 2], x[i, 3] = mont_mul(a0, a1, a2, a3, prefix[i, 0], prefix[i, 1], prefix[i, 2], prefix[i, 3])
            a0, a1, a2, a3 = mont_mul(a0, a1, a2, a3, v0, v1, v2, v3)


@parallel_kernel
def zero_poly_leaves(domain_mont, missing, count, out):
    """Leaf level of the zero-polynomial tree: out[i] = -w^missing[i] (low coefficient of X - w^i),
    and 0 (the factor X) for the padding leaves i >= len(missing)."""
    for i in nb.prange(count):
        if i < missing.shape[0]:
            m = missing[i]
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = fr_neg(domain_mont[m, 0], domain_mont[m, 1],
                                                                domain_mont[m, 2], domain_mont[m, 3])
        else:
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = ZERO, ZERO, ZERO, ZERO


@parallel_kernel
def monic_products_schoolbook(src, b, out):
    """Pairs of monic degree-b polynomials (low coefficients only, rows 2k and 2k+1 of b values each in
    `src`) -> their monic degree-2b products (2b low coefficients per row of `out`):
    (X^b + a)(X^b + c) = X^2b + X^b (a + c) + a c. Montgomery form."""
    pairs = src.shape[0] // (2 * b)
    for p in nb.prange(pairs):
        a = 2 * p * b
        c = a + b
        o = 2 * p * b
        for i in range(2 * b):
            out[o + i, 0], out[o + i, 1], out[o + i, 2], out[o + i, 3] = ZERO, ZERO, ZERO, ZERO
        for i in range(b):
            for j in range(b):
                t0, t1, t2, t3 = mont_mul(src[a + i, 0], src[a + i, 1], src[a + i, 2], src[a + i, 3],
                                          src[c + j, 0], src[c + j, 1], src[c + j, 2], src[c + j, 3])
                k = o + i + j
                out[k, 0], out[k, 1], out[k, 2], out[k, 3] = fr_add(out[k, 0], out[k, 1], out[k, 2], out[k, 3],
                                                                    t0, t1, t2, t3)
        for i in range(b):
            t0, t1, t2, t3 = fr_add(src[a + i, 0], src[a + i, 1], src[a + i, 2], src[a + i, 3],
                                    src[c + i, 0], src[c + i, 1], src[c + i, 2], src[c + i, 3])
            k = o + b + i
            out[k, 0], out[k, 1], out[k, 2], out[k, 3] = fr_add(out[k, 0], out[k, 1], out[k, 2], out[k, 3],
                                                                t0, t1, t2, t3)


@parallel_kernel
def combine_children(ev, b, scratch):
    """One product-tree level in evaluation form. Node k of degree b (monic, X^b + f) holds E(f), the
    values of f at the 2b-th roots of unity in bit-reversed order, in ev[2bk : 2b(k+1)]. For each pair
    (L, R) -> parent X^2b + g with g = X^b (f_L + f_R) + f_L f_R: E(g) at the same 2b points, into the
    first half of the parent's slot and into scratch row p. X^b is +1 at even and -1 at odd points, which
    are the first and second half of a bit-reversed vector. Montgomery form."""
    two_b = 2 * b
    pairs = ev.shape[0] // (2 * two_b)
    for k in nb.prange(pairs * two_b):
        p = k // two_b
        j = k - p * two_b
        left = 2 * p * two_b + j
        right = left + two_b
        t0, t1, t2, t3 = mont_mul(ev[left, 0], ev[left, 1], ev[left, 2], ev[left, 3],
                                  ev[right, 0], ev[right, 1], ev[right, 2], ev[right, 3])
        s0, s1, s2, s3 = fr_add(ev[left, 0], ev[left, 1], ev[left, 2], ev[left, 3],
                                ev[right, 0], ev[right, 1], ev[right, 2], ev[right, 3])
        if j < b:
            t0, t1, t2, t3 = fr_add(t0, t1, t2, t3, s0, s1, s2, s3)
        else:
            t0, t1, t2, t3 = fr_sub(t0, t1, t2, t3, s0, s1, s2, s3)
        ev[left, 0], ev[left, 1], ev[left, 2], ev[left, 3] = t0, t1, t2, t3
        scratch[k, 0], scratch[k, 1], scratch[k, 2], scratch[k, 3] = t0, t1, t2, t3


# ------------------------------------------------------------------------------ cached tables
def _mont_limbs(values: list[int]) -> np.ndarray:
    return ints_to_limbs([v * MONT_R % MODULUS for v in values])


def mont_constant(value: int) -> np.ndarray:
    """One Montgomery-form constant as a (4,) uint64 array."""
    return _mont_limbs([value % MODULUS])[0]


@functools.lru_cache(maxsize=None)
def power_table(base: int, count: int) -> np.ndarray:
    """(count, 4) Montgomery-form limbs of base^0 .. base^(count-1); read-only."""
    out = np.empty((count, 4), dtype=np.uint64)
    powers_kernel(mont_constant(base), count, out)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=None)
def twiddles(log_n: int, inverse: bool = False) -> np.ndarray:
    """w^j (or w^-j) for j < n/2, w = w_n, Montgomery form (the NTT twiddle table of size n)."""
    w = root_of_unity(1 << log_n)
    if inverse:
        w = pow(w, MODULUS - 2, MODULUS)
    return power_table(w, max(1, (1 << log_n) >> 1))


@functools.lru_cache(maxsize=None)
def extend_table(log_n: int) -> np.ndarray:
    """In bit-reversed position i: w_{2n}^j / n with j = bitrev(i) (Montgomery form): turns the unscaled
    inverse transform of the source (bit-reversed coefficients) into the coefficients of P(w_{2n} X)."""
    n = 1 << log_n
    natural = power_table(root_of_unity(2 * n), n)
    scaled = natural.copy()
    mul_by_constant(scaled, mont_constant(pow(n, MODULUS - 2, MODULUS))[None, :])
    order = np.array([int(format(i, f"0{log_n}b")[::-1], 2) if log_n else 0 for i in range(n)], dtype=np.int64)
    out = np.ascontiguousarray(scaled[order])
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=None)
def recovery_tables(log_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For domain size N: (5^j / N, 5^j, 5^-j / N), j < N, Montgomery form (recover steps, see reference)."""
    size = 1 << log_size
    inv_size = mont_constant(pow(size, MODULUS - 2, MODULUS))[None, :]
    shift = power_table(RECOVERY_SHIFT, size)
    shift_scaled = shift.copy()
    mul_by_constant(shift_scaled, inv_size)
    unshift_scaled = power_table(pow(RECOVERY_SHIFT, MODULUS - 2, MODULUS), size).copy()
    mul_by_constant(unshift_scaled, inv_size)
    for t in (shift_scaled, unshift_scaled):
        t.setflags(write=False)
    return shift_scaled, shift, unshift_scaled


@functools.lru_cache(maxsize=None)
def inverse_size(log_n: int) -> np.ndarray:
    """1 / 2^log_n in Montgomery form, shape (1, 4)."""
    return mont_constant(pow(1 << log_n, MODULUS - 2, MODULUS))[None, :]


def _first_bad(bad: np.ndarray) -> int:
    hits = bad[bad >= 0]
    return int(hits.min()) if hits.size else -1


# ------------------------------------------------------------------------------ operations
def load_scalars(src: np.ndarray, present: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(m, 32) uint8 big-endian scalars -> ((m, 4) uint64 limbs, index of the first non-canonical one or
    -1). With `present` (k booleans, k dividing m), row i is taken only where present[i % k] (else 0)."""
    m = src.shape[0]
    x = np.empty((m, 4), dtype=np.uint64)
    mask = np.ones(1, dtype=np.uint8) if present is None else present.astype(np.uint8)
    if use_threads(m):
        bad = np.full((m + 4095) // 4096, -1, dtype=np.int64)
        load_scalars_parallel(src, x, mask, bad)
    else:
        bad = np.full(1, -1, dtype=np.int64)
        load_scalars_serial(src, x, mask, bad)
    return x, _first_bad(bad)


def store_scalars_bytes(x: np.ndarray) -> np.ndarray:
    """(m, 4) uint64 canonical limbs -> (m, 32) uint8 big-endian scalars."""
    out = np.empty((x.shape[0], 32), dtype=np.uint8)
    (store_scalars if use_threads(x.shape[0]) else store_scalars_serial)(x, out)
    return out


def extend_bytes(source: np.ndarray, log_n: int) -> tuple[np.ndarray, int]:
    """Parity of each row of n = 2^log_n source scalars, bytes to bytes in one compiled call (the
    conversions run inside the first and last transform phases). source: (rows * n, 32) uint8
    big-endian; returns ((rows * n, 32) uint8 parity, index of the first non-canonical source scalar
    or -1, in which case the parity is meaningless). The same arithmetic as `extend_rows`."""
    total = source.shape[0]
    n = 1 << log_n
    rows = total // n
    out = np.empty((total, 32), dtype=np.uint8)
    x = np.empty((total, 4), dtype=np.uint64)
    log_block = min(log_n, BLOCK_LOG)
    tasks = max(rows << (log_n - log_block), rows * ((1 << log_block) // COLUMN_CHUNK))
    bad = np.full(tasks, -1, dtype=np.int64)
    kernel = _extend_bytes_parallel if use_threads(total) else _extend_bytes_serial
    kernel(np.ascontiguousarray(source), out, x, rows, log_n, twiddles(log_n, True), twiddles(log_n),
           extend_table(log_n), bad)
    return out, _first_bad(bad)


def fft_rows(values: np.ndarray, log_n: int, inverse: bool = False) -> np.ndarray:
    """Natural-order FFT (or inverse FFT, scaled by 1/n) of each row of 2^log_n plain values.
    values: (rows * n, 4) uint64 canonical limbs; returns a new array."""
    n = 1 << log_n
    rows = values.shape[0] // n
    x = np.ascontiguousarray(values).copy()
    if log_n == 0:
        return x
    with threads_for(x.shape[0]):
        bit_reverse_rows(x, rows, log_n)
        ntt_dit(x, rows, log_n, twiddles(log_n, inverse), log_n)
        if inverse:
            mul_by_constant(x, inverse_size(log_n))
    return x


def extend_rows(source: np.ndarray, log_n: int) -> np.ndarray:
    """Parity of each row of n = 2^log_n source values (plain (rows * n, 4) limbs) -> same shape.
    Section 4: P = IFFT_n(source); parity_i = P(w_{2n}^{2i+1}) = FFT_n(c_j w_{2n}^j)_i."""
    n = 1 << log_n
    rows = source.shape[0] // n
    x = np.ascontiguousarray(source).copy()
    if log_n:
        ntt_dif(x, rows, log_n, twiddles(log_n, inverse=True), log_n)  # n * coefficients, bit-reversed
    mul_by_table(x, rows, n, extend_table(log_n))  # c_j w_{2n}^j, still bit-reversed
    if log_n:
        ntt_dit(x, rows, log_n, twiddles(log_n), log_n)  # natural-order values at the odd points
    return x


@functools.lru_cache(maxsize=None)
def coset_twist_table(log_half: int) -> np.ndarray:
    """w_{4h}^j / (2h) for j < 2h, h = 2^log_half (Montgomery form): turns 2h times the coefficients of
    a polynomial of degree < 2h into those of g(w_{4h} X), whose values at the 2h-th roots are g's
    values at the odd points of the 4h-th roots."""
    two_h = 2 << log_half
    out = power_table(root_of_unity(2 * two_h), two_h).copy()
    mul_by_constant(out, inverse_size(log_half + 1))
    out.setflags(write=False)
    return out


def zero_polynomial_mont(missing: np.ndarray, log_size: int) -> np.ndarray:
    """Coefficients (Montgomery form, len(missing) + 1, low to high) of prod (X - w_N^i) over missing i,
    by a product tree of monic polynomials: direct products up to degree SCHOOLBOOK_MAX_DEGREE, then in
    evaluation form (a node of degree b kept as its low part's values at the 2b-th roots): a parent's
    values at those points are pointwise products of its children's (`combine_children`); the values at
    the other half of the parent's 4b points cost one inverse and one forward transform of size 2b
    ("doubling"), two transforms per level where multiplying in coefficient form costs three."""
    size = 1 << log_size
    m = missing.shape[0]
    leaves = 1 if m == 0 else 1 << (m - 1).bit_length()
    level = np.empty((leaves, 4), dtype=np.uint64)
    zero_poly_leaves(power_table(root_of_unity(size), size), missing.astype(np.int64), leaves, level)
    if m == 0:
        level[:] = 0
    b = 1
    while b < leaves and b <= SCHOOLBOOK_MAX_DEGREE:
        out = np.empty_like(level)
        monic_products_schoolbook(level, b, out)
        level = out
        b *= 2
    if b < leaves:
        tw_fwd, tw_inv = twiddles(log_size), twiddles(log_size, inverse=True)
        log_b = b.bit_length() - 1
        ev = np.zeros((2 * leaves, 4), dtype=np.uint64)  # node k of degree b: E(f) in ev[2bk : 2b(k+1)]
        ev.reshape(-1, 2 * b, 4)[:, :b] = level.reshape(-1, b, 4)
        ntt_dif(ev, leaves // b, log_b + 1, tw_fwd, log_size)
        scratch = np.empty_like(level)
        while True:
            pairs = leaves // (2 * b)
            combine_children(ev, b, scratch)  # parents' values at their 2b even points
            ntt_dit(scratch, pairs, log_b + 1, tw_inv, log_size)  # 2b * coefficients of each parent's g
            if 2 * b == leaves:
                mul_by_constant(scratch, inverse_size(log_b + 1))
                level = scratch
                break
            mul_by_table(scratch, pairs, 2 * b, coset_twist_table(log_b))
            ntt_dif(scratch, pairs, log_b + 1, tw_fwd, log_size)  # values at the 2b odd points
            ev.reshape(pairs, 4 * b, 4)[:, 2 * b:] = scratch.reshape(pairs, 2 * b, 4)
            b *= 2
            log_b += 1
    # level holds the low coefficients of X^(leaves - m) Z(X), monic of degree `leaves`.
    z = np.zeros((m + 1, 4), dtype=np.uint64)
    z[:m] = level[leaves - m:] if m else level[:0]
    z[m] = ONE_MONT
    return z


@functools.lru_cache(maxsize=None)
def recovery_tables_bitrev(log_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(5^j / N, 5^-j / N) of `recovery_tables` in bit-reversed position j (they multiply the
    bit-reversed output of a DIF transform)."""
    shift_scaled, _, unshift_scaled = recovery_tables(log_size)
    order = _bitrev_order(log_size)
    out = (np.ascontiguousarray(shift_scaled[order]), np.ascontiguousarray(unshift_scaled[order]))
    for t in out:
        t.setflags(write=False)
    return out


def _bitrev_order(log_n: int) -> np.ndarray:
    n = 1 << log_n
    order = np.zeros(n, dtype=np.int64)
    for bit in range(log_n):
        order |= ((np.arange(n) >> bit) & 1) << (log_n - 1 - bit)
    return order


PATTERN_CACHE_ENTRIES = 4  # erasure patterns whose tables are kept (2 x N x 32 bytes each: 4 MiB per record)
_pattern_cache: collections.OrderedDict[bytes, tuple[np.ndarray, np.ndarray]] = collections.OrderedDict()
_pattern_lock = threading.Lock()


def pattern_tables(present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two tables recovery needs from the erasure pattern alone, natural order, Montgomery form:
    Z(w^i) and 1 / Z(5 w^i), i < N, Z the zero polynomial of the missing points. Kept for the last
    PATTERN_CACHE_ENTRIES patterns (the same pattern recurs when rows share it or a record is read again)."""
    size = present.shape[0]
    key = size.to_bytes(8, "little") + np.packbits(present).tobytes()
    with _pattern_lock:
        hit = _pattern_cache.get(key)
        if hit is not None:
            _pattern_cache.move_to_end(key)
            return hit
    log_size = size.bit_length() - 1
    missing = np.flatnonzero(~present)
    z = np.zeros((size, 4), dtype=np.uint64)
    z[:missing.shape[0] + 1] = zero_polynomial_mont(missing, log_size)
    z_eval = z.copy()
    ntt_dif(z_eval, 1, log_size, twiddles(log_size), log_size)  # Z(w^i), bit-reversed
    bit_reverse_rows(z_eval, 1, log_size)
    mul_by_table(z, 1, size, recovery_tables(log_size)[1])  # coefficients of Z(5X)
    ntt_dif(z, 1, log_size, twiddles(log_size), log_size)
    batch_inverse(z, INVERSION_CHUNK)  # 1 / Z(5 w^i), bit-reversed
    bit_reverse_rows(z, 1, log_size)
    for t in (z_eval, z):
        t.setflags(write=False)
    with _pattern_lock:
        _pattern_cache[key] = (z_eval, z)
        while len(_pattern_cache) > PATTERN_CACHE_ENTRIES:
            _pattern_cache.popitem(last=False)
    return z_eval, z


def recover_limbs(x: np.ndarray, present: np.ndarray) -> np.ndarray:
    """In place: rows of N plain limbs ((rows * N, 4), zero where `present` (N,) is False) -> all N
    values of each row, the steps of reference.recover. Recovery is linear in the data and each of its
    data-by-data products has one factor fixed by the pattern (Z(w^i), 1 / Z(5 w^i)), so these are
    Montgomery-form tables, the data stay plain, and DIF/DIT alternate so that no permutation is needed:
        E Z (natural) -DIF^-1-> N coeffs (bit-rev) * 5^j/N -DIT-> (E Z)(5 w^i) (natural) / Z(5 w^i)
        -DIF^-1-> N q (bit-rev) * 5^-j/N -DIT-> out (natural).
    Unlike the reference, the GPU path and the former CPU path, Z(5X) is divided out in natural order:
    the same field values, so the same bits."""
    size = present.shape[0]
    log_size = size.bit_length() - 1
    rows = x.shape[0] // size
    tw_fwd, tw_inv = twiddles(log_size), twiddles(log_size, inverse=True)
    shift_br, unshift_br = recovery_tables_bitrev(log_size)
    z_eval, inv_z_coset = pattern_tables(present)
    mul_by_table(x, rows, size, z_eval)  # E_i Z(w^i)
    ntt_dif(x, rows, log_size, tw_inv, log_size)  # N * coefficients of E Z, bit-reversed
    mul_by_table(x, rows, size, shift_br)  # coefficients of (E Z)(5X)
    ntt_dit(x, rows, log_size, tw_fwd, log_size)  # (E Z)(5 w^i), natural
    mul_by_table(x, rows, size, inv_z_coset)  # R(5 w^i) = (E Z)(5 w^i) / Z(5 w^i)
    ntt_dif(x, rows, log_size, tw_inv, log_size)  # N * coefficients q_j of R(5X), bit-reversed
    mul_by_table(x, rows, size, unshift_br)  # q_j 5^-j: coefficients of R(X)
    ntt_dit(x, rows, log_size, tw_fwd, log_size)  # values, natural
    return x


def recover_bytes(shards: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, int]:
    """Recovery bytes to bytes: shards (rows * N, 32) uint8 (rows where present[i % N] is False are
    ignored) -> ((rows * N, 32) uint8 values, -1), or (empty, index of the first non-canonical present
    shard)."""
    with threads_for(shards.shape[0]):
        x, bad = load_scalars(np.ascontiguousarray(shards), present)
        if bad >= 0:
            return np.empty((0, 32), dtype=np.uint8), bad
        return store_scalars_bytes(recover_limbs(x, present)), -1


def recover_values(shards: np.ndarray, present: np.ndarray) -> np.ndarray:
    """All N evaluations from N shards ((N, 4) plain limbs, rows where `present` is False ignored),
    the steps of reference.recover. Returns (N, 4) plain limbs."""
    return recover_rows(shards, present)


def recover_rows(shards: np.ndarray, present: np.ndarray) -> np.ndarray:
    """`recover_values` of many rows sharing one erasure pattern: shards (rows * N, 4) plain limbs
    (rows where `present` (N,) is False ignored) -> (rows * N, 4) plain limbs (the archiver's
    reconstruction: 32,768 chunk positions x 256 pieces)."""
    size = present.shape[0]
    x = np.ascontiguousarray(shards).copy()
    x.reshape(-1, size, 4)[:, ~present] = 0
    with threads_for(x.shape[0]):
        return recover_limbs(x, present)
