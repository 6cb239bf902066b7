"""Multi-scalar multiplication on G1 on a GPU (storage_and_time.md section 3): the driver of the
Pippenger kernels of accel/kernels/msm.c through `accel.device.GpuDevice`.

Bases are decoded and subgroup-checked once on the host (accel.kzg.points.decode_checked, the same
check as the CPU backend), converted to affine Montgomery words (x, y as 12 little-endian 32-bit
limbs each, R = 2^384) and kept resident on the device. Each `msm(scalars)` uploads the scalars as
8 little-endian 32-bit limbs and runs, on the device: signed c-bit digits with per-bucket counts,
a scatter of point indices into buckets, bucket sums, the running-sum reduction of each window and a
Horner combination over windows. The host does two small things in between: the exclusive prefix
sum of the bucket counts, and the cut of buckets into tasks of at most `task_entries` points (the
per-task loop is serial, so a bucket hit by many scalars (equal, small or structured scalars) is
shared by several work items instead of stalling the launch). The XYZZ result comes back and is
turned into the ZCash compressed encoding with the plain-Python G1 code (accel.kzg.g1).

Identity bases (allowed by the API, never present in the network's powers) are handled by zeroing
their scalars on the host: the kernels' mixed addition assumes a non-identity affine base.

Choice of the window width c (`window_bits`): the work is ceil(256 / c) windows x (n mixed additions
+ 2 B = 2^c full additions for the running sums), a full XYZZ addition costing 1.4 mixed ones (14
against 10 field multiplications and squarings, EFD add-2008-s and madd-2008-s; pocl measures about
1.25), and c minimises that count (ties to the larger c: more buckets, more parallel work). That gives
c = 2..4 for n <= 64, c = 8 for n = 1,024, c = 9 for n = 4,096 and c = 12 for n = 2^15 (22 windows x
2,048 buckets = 45,056 bucket work items, enough to occupy a GPU, 16 points per bucket on average).
On pocl (2 cores) at n = 4,096 the mixed additions take about 70% of the time and the running sums
most of the rest; digits, scatter and the host prefix sum are about 1%.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from accel.kzg import g1
from accel.kzg.constants import G1_BYTES, G1_IDENTITY, P

FP_LIMBS = 12  # 32-bit limbs of an Fp element (fp.h FP_LIMBS)
FP_BYTES = 4 * FP_LIMBS
SCALAR_WORDS = 8  # 32-bit limbs of a scalar (msm.c MSM_SCALAR_WORDS)
AFFINE_WORDS = 2 * FP_LIMBS  # g1.h G1_AFFINE_WORDS
XYZZ_WORDS = 4 * FP_LIMBS  # g1.h G1_XYZZ_WORDS
MONTGOMERY_R = 1 << 384  # fp.h: R = 2^384
SCALAR_BITS = 256  # windows cover 256 bits (> 255 bits of r), so the signed top window never carries out
MIN_WINDOW_BITS = 2
MAX_WINDOW_BITS = 16  # 2^15 buckets per window: bucket indices and counts stay far below 2^31
TASK_MIN_ENTRIES = 8  # a task sums at most max(8, 2 x the mean bucket size) points
TASK_MEAN_FACTOR = 2
SEGMENT_BUCKETS = 16
FULL_ADD_COST = 1.4  # an XYZZ addition in mixed additions (14 / 10 multiplications and squarings)  # buckets per running-sum segment (msm_segment_sums)


# ------------------------------------------------------------------------------------ conversions
def fp_to_words(values: Sequence[int]) -> np.ndarray:
    """(n, 12) uint32: each value (an int in [0, p)) in Montgomery form, little-endian limbs."""
    raw = b"".join((v * MONTGOMERY_R % P).to_bytes(FP_BYTES, "little") for v in values)
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32).reshape(-1, FP_LIMBS)


def words_to_fp(words: np.ndarray) -> list[int]:
    """The ints (in [0, p)) of Montgomery-form rows of 12 little-endian 32-bit limbs."""
    r_inv = pow(MONTGOMERY_R, -1, P)
    rows = np.ascontiguousarray(words, dtype="<u4").reshape(-1, FP_LIMBS)
    return [int.from_bytes(rows[i].tobytes(), "little") * r_inv % P for i in range(rows.shape[0])]


def affine_words(xy_le: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 24) uint32 Montgomery (x, y) words of points given as 96-byte little-endian x || y, and the
    boolean mask of identity points (x = y = 0; no subgroup point has x = 0 otherwise)."""
    xs = [int.from_bytes(b[:G1_BYTES], "little") for b in xy_le]
    ys = [int.from_bytes(b[G1_BYTES:], "little") for b in xy_le]
    identity = np.array([x == 0 and y == 0 for x, y in zip(xs, ys)], dtype=bool)
    words = np.concatenate([fp_to_words(xs), fp_to_words(ys)], axis=1) if xs else np.zeros((0, AFFINE_WORDS), np.uint32)
    return np.ascontiguousarray(words), identity


def scalar_words(rows: np.ndarray) -> np.ndarray:
    """(n, 8) uint32 little-endian limbs of (n, 32) big-endian scalar rows."""
    return np.ascontiguousarray(rows[:, ::-1]).view("<u4").astype(np.uint32).reshape(-1, SCALAR_WORDS)


def xyzz_to_point(words: np.ndarray) -> g1.G1Point:
    """Affine (x, y) ints, or None for the identity, of one XYZZ point (48 Montgomery words)."""
    x, y, zz, zzz = words_to_fp(np.asarray(words).reshape(4, FP_LIMBS))
    if zz == 0:
        return None
    return (x * pow(zz, -1, P) % P, y * pow(zzz, -1, P) % P)


def point_to_xyzz(point: g1.G1Point) -> np.ndarray:
    """48 Montgomery words of an affine point (ZZ = ZZZ = 1), or zeros for the identity."""
    if point is None:
        return np.zeros(XYZZ_WORDS, np.uint32)
    return fp_to_words([point[0], point[1], 1, 1]).reshape(-1)


# ------------------------------------------------------------------------------------ parameters
def window_count(c: int) -> int:
    return -(-SCALAR_BITS // c)


def window_bits(n: int) -> int:
    """Window width c for n points: argmin of ceil(256 / c) * (n + 1.4 * 2^c), larger c on ties (module doc)."""
    costs = [(window_count(c) * (n + FULL_ADD_COST * (1 << c)), -c)
             for c in range(MIN_WINDOW_BITS, MAX_WINDOW_BITS + 1)]
    return -min(costs)[1]


def task_entries(n: int, c: int) -> int:
    """Most points one work item adds up in msm_task_sums."""
    return max(TASK_MIN_ENTRIES, TASK_MEAN_FACTOR * -(-n // (1 << (c - 1))))


def signed_digits(k: int, c: int) -> list[int]:
    """The signed c-bit digits of msm_digits, lowest window first: k = sum d_w 2^(c w), |d_w| <= 2^(c-1)."""
    out, carry = [], 0
    for w in range(window_count(c)):
        raw = ((k >> (w * c)) & ((1 << c) - 1)) + carry
        carry = int(raw > 1 << (c - 1))
        out.append(raw - (carry << c))
    return out


# ------------------------------------------------------------------------------------ device
class GpuMsm:
    """The msm.c program on one GpuDevice."""

    def __init__(self, gpu: Any) -> None:
        self.gpu = gpu
        self.program = gpu.program("msm.c")

    def _launch(self, kernel: str, items: int, *args: Any) -> None:
        conv = [np.uint32(a) if isinstance(a, (int, np.integer)) else a for a in args]
        self.gpu.launch(self.program, kernel, items, tuple(conv))

    def _empty(self, words: int) -> Any:
        return self.gpu.empty(max(1, words), np.uint32)

    def prepare(self, xy_le: Sequence[bytes]) -> "DeviceBases":
        words, identity = affine_words(xy_le)
        buffer = self.gpu.to_device(words.reshape(-1)) if words.size else None
        return DeviceBases(self, buffer, identity)

    def run(self, bases: Any, scalars: np.ndarray) -> np.ndarray:
        """The 48 XYZZ words of sum scalars[i] bases[i], i < n ((n, 8) uint32 scalar limbs, n >= 1)."""
        n = scalars.shape[0]
        c = window_bits(n)
        windows, buckets = window_count(c), 1 << (c - 1)
        total_buckets = windows * buckets
        counts = self.gpu.to_device(np.zeros(total_buckets, np.uint32))
        digits = self._empty(windows * n)
        self._launch("msm_digits", n, self.gpu.to_device(scalars.reshape(-1)), n, c, windows, counts, digits)
        counts_host = self.gpu.to_host(counts).astype(np.int64)
        offsets = np.zeros(total_buckets, np.int64)
        np.cumsum(counts_host[:-1], out=offsets[1:])
        entries_total = int(counts_host.sum())
        if entries_total == 0:
            return point_to_xyzz(None)
        entries = self._empty(entries_total)
        self._launch("msm_scatter", n, digits, n, c, windows, self.gpu.to_device(offsets.astype(np.uint32)), entries)

        # Buckets cut into tasks of at most `limit` points; task_firsts[b] .. task_firsts[b + 1] are bucket b's.
        limit = task_entries(n, c)
        per_bucket = -(-counts_host // limit)
        task_firsts = np.zeros(total_buckets + 1, np.int64)
        np.cumsum(per_bucket, out=task_firsts[1:])
        tasks = int(task_firsts[-1])
        owner = np.repeat(np.arange(total_buckets), per_bucket)
        part = np.arange(tasks) - task_firsts[owner]
        starts = offsets[owner] + part * limit
        sizes = np.minimum(limit, counts_host[owner] - part * limit)
        task_sums = self._empty(tasks * XYZZ_WORDS)
        self._launch("msm_task_sums", tasks, bases, entries, self.gpu.to_device(starts.astype(np.uint32)),
                     self.gpu.to_device(sizes.astype(np.uint32)), tasks, task_sums)
        bucket_sums = self._empty(total_buckets * XYZZ_WORDS)
        self._launch("msm_bucket_sums", total_buckets, task_sums, self.gpu.to_device(task_firsts.astype(np.uint32)),
                     total_buckets, bucket_sums)

        segments = max(1, buckets // SEGMENT_BUCKETS)
        segment_sums = self._empty(windows * segments * XYZZ_WORDS)
        self._launch("msm_segment_sums", windows * segments, bucket_sums, c, windows, segments, segment_sums)
        window_sums = self._empty(windows * XYZZ_WORDS)
        self._launch("msm_window_sums", windows, segment_sums, windows, segments, window_sums)
        out = self._empty(XYZZ_WORDS)
        self._launch("msm_combine", 1, window_sums, c, windows, out, 1)
        return self.gpu.to_host(out)


class DeviceBases:
    """G1 bases resident on a GPU as affine Montgomery words (behind `be.msm_prepare` of the GPU
    backends; accel.kzg.ops.GpuMsmBases validates the scalars)."""

    def __init__(self, engine: GpuMsm, buffer: Any, identity: np.ndarray) -> None:
        self._engine = engine
        self._buffer = buffer
        self._identity = identity

    def __len__(self) -> int:
        return int(self._identity.shape[0])

    def msm_rows(self, rows: np.ndarray) -> bytes:
        """Compressed sum over the first rows.shape[0] bases of (n, 32) canonical big-endian scalar rows
        (validated by the caller, accel.kzg.ops)."""
        n = rows.shape[0]
        if n == 0:
            return G1_IDENTITY
        words = scalar_words(rows)
        words[self._identity[:n]] = 0
        if not words.any():
            return G1_IDENTITY
        return g1.encode(xyzz_to_point(self._engine.run(self._buffer, words)))


__all__ = ["DeviceBases", "GpuMsm", "affine_words", "fp_to_words", "point_to_xyzz", "scalar_words",
           "signed_digits", "task_entries", "window_bits", "words_to_fp", "xyzz_to_point"]
