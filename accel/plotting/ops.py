"""The proof-of-space operations of every backend (pos.md 2-6): `be.pos_table(seed, k)` builds the
seven tables of a seed and returns a table object whose `find_proof` / `find_proofs` answer
challenges. Input validation is shared; the CPU mixin runs the numba kernels of
`accel/plotting/kernels_cpu.py`, the GPU mixin the kernels of accel/kernels/pos_*.c with every table
resident on the device, only proofs coming back. Mixed into the backend classes.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable

import numpy as np

from accel.hashing.constants import BLAKE3_IV
from accel.plotting.constants import (
    CHALLENGE_INDEX_MAX, K_PRODUCTION, MAX_BUCKET_SIZE, MAX_MATCHES_PER_PAIR, NUM_S_BUCKETS, NUM_TABLES,
    PARAM_BC, PARAM_EXT, check_k, fn_message_bytes, keystream_blocks, num_buckets, proof_bytes,
)
from accel.plotting import reference
from accel.plotting.verify import check_challenge_index, check_seed


def challenge_array(challenge_indices: Iterable[int] | np.ndarray) -> np.ndarray:
    """Challenge indices as a uint32 array; ValueError for anything outside u32."""
    if isinstance(challenge_indices, np.ndarray):
        if challenge_indices.ndim != 1 or not np.issubdtype(challenge_indices.dtype, np.integer):
            raise ValueError(f"challenge indices: expected a 1-D integer array, got {challenge_indices.dtype} "
                             f"{challenge_indices.shape}")
        if challenge_indices.size and (int(challenge_indices.min()) < 0
                                       or int(challenge_indices.max()) > CHALLENGE_INDEX_MAX):
            raise ValueError("challenge indices must be in 0..2^32-1")
        return challenge_indices.astype(np.uint32)
    if isinstance(challenge_indices, (bytes, bytearray, str)) or isinstance(challenge_indices, numbers.Number):
        raise ValueError(f"challenge indices: expected a sequence of integers, got {type(challenge_indices).__name__}")
    if isinstance(challenge_indices, range) and challenge_indices.step > 0:
        if len(challenge_indices) and (challenge_indices[0] < 0 or challenge_indices[-1] > CHALLENGE_INDEX_MAX):
            raise ValueError("challenge indices must be in 0..2^32-1")
        return np.arange(challenge_indices.start, challenge_indices.stop, challenge_indices.step, dtype=np.uint32)
    items = list(challenge_indices)
    try:  # plain Python ints in range convert in one step (65,536 of them: ~3 ms instead of ~0.2 s)
        array = np.array(items, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        array = None
    if array is not None and array.shape == (len(items),) \
            and all(type(c) is int or isinstance(c, np.integer) for c in items):
        if array.size and (int(array.min()) < 0 or int(array.max()) > CHALLENGE_INDEX_MAX):
            raise ValueError("challenge indices must be in 0..2^32-1")
        return array.astype(np.uint32)
    return np.array([check_challenge_index(c) for c in items], dtype=np.uint32)


class PosTable:
    """The seven tables of one seed on one backend; answers challenges (pos.md 6)."""

    seed: bytes
    k: int

    def find_proof(self, challenge_index: int) -> bytes | None:
        """The first proof in table-7 order (smallest y, then position) for the challenge, or None."""
        return self.find_proofs(np.array([check_challenge_index(challenge_index)], dtype=np.uint32))[0]

    def find_proofs(self, challenge_indices: Iterable[int] | np.ndarray) -> list[bytes | None]:
        """`find_proof` of each challenge index, answered in one batch."""
        proofs, found = self.prove_many(challenge_array(challenge_indices))
        return [bytes(p) if f else None for p, f in zip(proofs, found)]

    def prove_many(self, challenges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(proofs (n, 8K) uint8, found (n,) bool) for a uint32 array of challenge indices."""
        raise NotImplementedError  # pragma: no cover - implemented per backend

    # Diagnostics (tests compare them with the derived_k20 digests of pos.json) ----------------------
    table_sizes: list[int]  # entries of tables 1..7 (after the 512 caps)

    def parents(self, table: int) -> np.ndarray:
        """(n, 2) uint32 [left, right] parent positions of table 2..7 in generation order."""
        raise NotImplementedError  # pragma: no cover - implemented per backend

    def table7_y(self) -> np.ndarray:
        """y of table 7 in bucket order ((y, position) ascending), uint32."""
        raise NotImplementedError  # pragma: no cover - implemented per backend

    def __repr__(self) -> str:
        return f"<{type(self).__name__} k={self.k} seed={self.seed.hex()[:16]}...>"


def _check_table_args(seed: bytes, k: int) -> tuple[bytes, int]:
    return check_seed(seed), check_k(k)


StageArrays = dict[str, np.ndarray]


def _stage_arrays(sorted_y: np.ndarray, sorted_pos: np.ndarray, bucket_start: np.ndarray, match_left: np.ndarray,
                  match_right: np.ndarray, match_count: np.ndarray) -> StageArrays:
    """Host arrays of the sort and match stages, matches compacted to generation order (for tests)."""
    slots = np.arange(MAX_MATCHES_PER_PAIR)[None, :] < np.asarray(match_count)[:, None]
    return {
        "sorted_y": np.asarray(sorted_y, dtype=np.uint32), "sorted_pos": np.asarray(sorted_pos, dtype=np.uint32),
        "bucket_start": np.asarray(bucket_start, dtype=np.int64),
        "match_left": np.asarray(match_left).reshape(-1, MAX_MATCHES_PER_PAIR)[slots].astype(np.uint32),
        "match_right": np.asarray(match_right).reshape(-1, MAX_MATCHES_PER_PAIR)[slots].astype(np.uint32),
        "match_count": np.asarray(match_count, dtype=np.int64),
    }


def _check_table_number(table: int) -> int:
    if isinstance(table, bool) or not isinstance(table, int) or not 2 <= table <= NUM_TABLES:
        raise ValueError(f"table must be 2..{NUM_TABLES}, got {table!r}")
    return table


# ------------------------------------------------------------------------------------------- CPU
class CpuPosTable(PosTable):
    """Tables in host memory: parents of tables 2..7 and the sorted table 7 (what the prover needs)."""

    def __init__(self, seed: bytes, k: int) -> None:
        from accel.hashing.kernels_cpu import (  # noqa: PLC0415 - numba compile on first use
            ONE_BLOCK_FLAGS, chacha8_keystream_kernel)
        from accel.plotting import kernels_cpu as K  # noqa: PLC0415
        import numba  # noqa: PLC0415

        iv = np.array(BLAKE3_IV, dtype=np.uint32).reshape(8, 1)
        self.seed, self.k = seed, k
        chunks = max(1, numba.get_num_threads() * 4)
        nbk = num_buckets(k)
        keystream = np.empty((1, keystream_blocks(k) * 16), dtype=np.uint32)
        chacha8_keystream_kernel(np.frombuffer(seed, dtype="<u4").reshape(1, 8), keystream_blocks(k), 0, keystream)
        y = np.empty(1 << k, dtype=np.uint32)
        K.f1_kernel(keystream[0], k, y)
        meta_hi = meta_lo = np.empty(0, dtype=np.uint64)  # table-1 metadata = x = position (meta_mode 1)
        self.parents_list: list[np.ndarray] = []
        hist = np.empty((chunks, nbk), dtype=np.int64)
        chunk_offset = np.empty((chunks, nbk), dtype=np.int64)
        match_left = np.empty((nbk - 1) * MAX_MATCHES_PER_PAIR, dtype=np.uint32)
        match_right = np.empty_like(match_left)
        match_count = np.empty(nbk - 1, dtype=np.int64)
        for table in range(2, NUM_TABLES + 1):
            meta_mode = 1 if table == 2 else 2  # x / gathered
            sorted_y, sorted_pos, sorted_hi, sorted_lo, bucket_start = self._sort(K, y, meta_mode, meta_hi, meta_lo,
                                                                                 chunks, hist, chunk_offset)
            K.match_pairs(sorted_y, bucket_start, chunks, K.left_targets(), match_left, match_right, match_count)
            pair_offset = np.zeros(nbk, dtype=np.int64)
            np.cumsum(match_count, out=pair_offset[1:])
            n = int(pair_offset[-1])
            new_y = np.empty(n, dtype=np.uint32)
            new_hi = np.empty(n, dtype=np.uint64)
            new_lo = np.empty(n, dtype=np.uint64)
            parents = np.empty((n, 2), dtype=np.uint32)
            K.fn_blocks(k, table, sorted_y, sorted_pos, sorted_hi, sorted_lo, match_left, match_right, match_count,
                        pair_offset, chunks, iv, fn_message_bytes(k, table), ONE_BLOCK_FLAGS, new_y, new_hi, new_lo,
                        parents)
            self.parents_list.append(parents)
            y, meta_hi, meta_lo = new_y, new_hi, new_lo
        self.t7_y = y  # generation order
        self.t7_sorted_y, self.t7_sorted_pos = self._sorted_t7(s_bucket_only=True)
        # below K=17 every first-K value is an s-bucket challenge's: the index is the whole table
        self._t7_full = (self.t7_sorted_y, self.t7_sorted_pos) if k <= 16 else None
        self.table_sizes = [1 << k] + [len(p) for p in self.parents_list]

    def _sorted_t7(self, s_bucket_only: bool) -> tuple[np.ndarray, np.ndarray]:
        """Table 7 in bucket order ((y, position) ascending, pos.md 3): all of it, or (s_bucket_only) just
        the entries that a challenge index below NUM_S_BUCKETS can ask for. Such an index's first K bits
        are its little-endian bytes read big-endian, so their low K - 16 bits are zero: at K=20 one entry
        in 16, sorted with numpy in a few ms instead of bucket-sorting the 2^20 entries (about 3% of a
        table). Bucket order keeps the first MAX_BUCKET_SIZE entries of a bucket; with about 236 per
        bucket at K=20 the cap binds only on crafted input, which takes the reference's bucket order."""
        y = self.t7_y
        free_bits = self.k - 16
        reachable = ((y >> np.uint32(PARAM_EXT)) & np.uint32((1 << free_bits) - 1)) == 0 \
            if s_bucket_only and free_bits > 0 else None
        if np.bincount(y // np.uint32(PARAM_BC)).max(initial=0) > MAX_BUCKET_SIZE:
            order = reference.bucket_order(y.astype(np.uint64))
            if reachable is not None:
                order = order[reachable[order]]
            return y[order], order.astype(np.uint32)
        pos = np.arange(len(y)) if reachable is None else np.flatnonzero(reachable)
        keys = (y[pos].astype(np.uint64) << np.uint64(32)) | pos.astype(np.uint64)
        keys.sort()
        return (keys >> np.uint64(32)).astype(np.uint32), (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)

    def _full_t7(self) -> tuple[np.ndarray, np.ndarray]:
        if self._t7_full is None:
            self._t7_full = self._sorted_t7(s_bucket_only=False)
        return self._t7_full

    @staticmethod
    def _sort(K, y, meta_mode, meta_hi, meta_lo, chunks, hist, chunk_offset):  # noqa: N803 - K is the kernels module
        n = len(y)
        bucket_start = np.zeros(hist.shape[1] + 1, dtype=np.int64)
        K.bucket_histograms(y, n, chunks, hist)
        K.bucket_offsets(hist, bucket_start, chunk_offset)
        np.cumsum(bucket_start, out=bucket_start)
        keys = np.empty(int(bucket_start[-1]), dtype=np.uint64)
        K.bucket_scatter(y, n, chunks, chunk_offset, bucket_start, keys)
        sorted_y = np.empty(len(keys), dtype=np.uint32)
        sorted_pos = np.empty(len(keys), dtype=np.uint32)
        sorted_hi = np.empty(len(keys), dtype=np.uint64)
        sorted_lo = np.empty(len(keys), dtype=np.uint64)
        K.bucket_sort_split(keys, bucket_start, chunks, meta_mode, meta_hi, meta_lo, sorted_y, sorted_pos, sorted_hi,
                            sorted_lo)
        return sorted_y, sorted_pos, sorted_hi, sorted_lo, bucket_start

    def parents(self, table: int) -> np.ndarray:
        return self.parents_list[_check_table_number(table) - 2]

    def table7_y(self) -> np.ndarray:
        return self._full_t7()[0]

    def prove_many(self, challenges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from accel.plotting.kernels_cpu import prove_kernel  # noqa: PLC0415

        proofs = np.zeros((len(challenges), proof_bytes(self.k)), dtype=np.uint8)
        found = np.zeros(len(challenges), dtype=np.bool_)
        if len(challenges):
            s_buckets = int(challenges.max()) < NUM_S_BUCKETS
            t7_y, t7_pos = (self.t7_sorted_y, self.t7_sorted_pos) if s_buckets else self._full_t7()
            prove_kernel(self.k, challenges, t7_y, t7_pos, *self.parents_list, proofs, found)
        return proofs, found


class PosCpu:
    """Proof-of-space tables on all CPU cores (numba)."""

    def pos_table(self, seed: bytes, k: int = K_PRODUCTION) -> PosTable:
        """The seven tables of `seed` (32 bytes) at space parameter k (15..25)."""
        seed, k = _check_table_args(seed, k)
        return CpuPosTable(seed, k)

    def _pos_bucket_order_and_matches(self, y: np.ndarray, k: int) -> StageArrays:
        """Diagnostics: bucket order and kept matches of a table given by its y values (position order)."""
        from accel.plotting import kernels_cpu as K  # noqa: PLC0415
        import numba  # noqa: PLC0415

        y = np.ascontiguousarray(y, dtype=np.uint32)
        chunks = max(1, numba.get_num_threads() * 4)
        nbk = num_buckets(k)
        no_meta = np.empty(0, dtype=np.uint64)
        sorted_y, sorted_pos, _, _, bucket_start = CpuPosTable._sort(
            K, y, 0, no_meta, no_meta, chunks, np.empty((chunks, nbk), dtype=np.int64),
            np.empty((chunks, nbk), dtype=np.int64))
        match_left = np.zeros((nbk - 1) * MAX_MATCHES_PER_PAIR, dtype=np.uint32)
        match_right = np.zeros_like(match_left)
        match_count = np.empty(nbk - 1, dtype=np.int64)
        K.match_pairs(sorted_y, bucket_start, chunks, K.left_targets(), match_left, match_right, match_count)
        kept = (np.arange(MAX_MATCHES_PER_PAIR)[None, :] < match_count[:, None]).ravel()
        to_position = lambda index: np.where(kept, sorted_pos[np.where(kept, index, 0)], 0)  # noqa: E731
        return _stage_arrays(sorted_y, sorted_pos, bucket_start, to_position(match_left), to_position(match_right),
                             match_count)


# ------------------------------------------------------------------------------------------- GPU
GROUP_SIZE = 256  # POS_GROUP_SIZE of accel/kernels/pos.h: work items per bucket (pair) group
SCAN_GROUP = 256  # POS_SCAN_GROUP of accel/kernels/pos_sort.c: the single group of pos_exclusive_scan
NO_CAP = 0xFFFFFFFF
PROGRAMS = ("f1", "sort", "match", "fn", "prove")  # accel/kernels/pos_<name>.c


class GpuPosKernels:
    """The kernels of accel/kernels/pos_*.c on one device, and the two stages that every table repeats."""

    def __init__(self, gpu: Any, k: int) -> None:
        self.gpu, self.k = gpu, k
        self.num_buckets = num_buckets(k)
        self.programs = {name: gpu.program(f"pos_{name}.c") for name in PROGRAMS}
        nbk = self.num_buckets
        self.counts = gpu.empty(nbk, np.uint32)
        self.all_start = gpu.empty(nbk + 1, np.uint32)

    def launch(self, program: str, kernel: str, items: int, *args: Any, local_size: int | None = None) -> None:
        conv = tuple(np.uint32(a) if isinstance(a, (int, np.integer)) else a for a in args)
        if local_size is None:
            self.gpu.launch(self.programs[program], kernel, items, conv)
        else:
            self.gpu.launch(self.programs[program], kernel, items, conv, local_size=local_size)

    def read_u32(self, buffer: Any, index: int) -> int:
        """One u32 of a device buffer (a table size): the only readback while tables are built."""
        return int(self.gpu.to_host(buffer[index:index + 1])[0])

    def sort(self, y: Any, n: int) -> tuple[Any, Any, Any]:
        """Bucket order (pos.md 3) of a table of n entries: (sorted_y, sorted_pos, kept_start), where bucket
        b holds sorted entries kept_start[b]..kept_start[b + 1]."""
        gpu, nbk = self.gpu, self.num_buckets
        kept_start = gpu.empty(nbk + 1, np.uint32)
        self.launch("sort", "pos_zero", nbk, self.counts, nbk)
        self.launch("sort", "pos_histogram", n, y, n, self.counts)
        self.launch("sort", "pos_exclusive_scan", SCAN_GROUP, self.counts, nbk, self.all_start, NO_CAP,
                    local_size=SCAN_GROUP)
        self.launch("sort", "pos_exclusive_scan", SCAN_GROUP, self.counts, nbk, kept_start, MAX_BUCKET_SIZE,
                    local_size=SCAN_GROUP)
        self.launch("sort", "pos_zero", nbk, self.counts, nbk)
        keys = gpu.empty(max(n, 1), np.uint64)
        self.launch("sort", "pos_scatter", n, y, n, self.all_start, self.counts, keys)
        sorted_y = gpu.empty(max(n, 1), np.uint32)
        sorted_pos = gpu.empty(max(n, 1), np.uint32)
        self.launch("sort", "pos_sort_buckets", nbk * GROUP_SIZE, keys, self.all_start, kept_start, nbk, sorted_y,
                    sorted_pos, local_size=GROUP_SIZE)
        return sorted_y, sorted_pos, kept_start

    def match(self, sorted_y: Any, sorted_pos: Any, kept_start: Any) -> tuple[Any, Any, Any, Any, int]:
        """Kept matches of every bucket pair (pos.md 4) in 512 slots per pair: (left, right, count per pair,
        dense offset per pair, total)."""
        gpu, num_pairs = self.gpu, self.num_buckets - 1
        match_left = gpu.empty(num_pairs * MAX_MATCHES_PER_PAIR, np.uint32)
        match_right = gpu.empty(num_pairs * MAX_MATCHES_PER_PAIR, np.uint32)
        match_count = gpu.empty(num_pairs, np.uint32)
        pair_offset = gpu.empty(num_pairs + 1, np.uint32)
        self.launch("match", "pos_match", num_pairs * GROUP_SIZE, sorted_y, sorted_pos, kept_start, num_pairs,
                    match_left, match_right, match_count, local_size=GROUP_SIZE)
        self.launch("sort", "pos_exclusive_scan", SCAN_GROUP, match_count, num_pairs, pair_offset, NO_CAP,
                    local_size=SCAN_GROUP)
        return match_left, match_right, match_count, pair_offset, self.read_u32(pair_offset, num_pairs)


class GpuPosTable(PosTable):
    """Tables in device memory (accel/kernels/pos_*.c); step for step the CPU's algorithm, so the tables,
    their positions and the proofs are bit-identical. Kept after the build: the parent pairs of tables
    2..7 and table 7 in bucket order; `prove_many` uploads challenges and downloads only proofs."""

    def __init__(self, gpu: Any, seed: bytes, k: int) -> None:
        self.gpu, self.seed, self.k = gpu, seed, k
        kern = self._kernels = GpuPosKernels(gpu, k)
        n = 1 << k
        blocks = keystream_blocks(k)
        stream = gpu.empty(blocks * 16, np.uint32)
        kern.launch("f1", "pos_keystream", blocks,
                    gpu.to_device(np.frombuffer(seed, dtype="<u4").astype(np.uint32)), stream, blocks)
        y = gpu.empty(n, np.uint32)
        kern.launch("f1", "pos_f1", n, stream, y, k)
        del stream
        meta = gpu.empty(2, np.uint64)  # table 1 stores no metadata (it is the position)
        num_pairs = kern.num_buckets - 1
        self._parents: list[Any] = []
        self.table_sizes = [n]
        for table in range(2, NUM_TABLES + 1):
            sorted_y, sorted_pos, kept_start = kern.sort(y, n)
            match_left, match_right, match_count, pair_offset, n = kern.match(sorted_y, sorted_pos, kept_start)
            del sorted_y, sorted_pos, kept_start
            new_y = gpu.empty(max(n, 1), np.uint32)
            new_meta = gpu.empty(max(n, 1) * 2, np.uint64)
            parents = gpu.empty(max(n, 1) * 2, np.uint32)
            kern.launch("fn", "pos_fn", num_pairs * MAX_MATCHES_PER_PAIR, k, table, y, meta, match_left,
                        match_right, match_count, pair_offset, num_pairs, new_y, new_meta, parents)
            self._parents.append(parents)
            self.table_sizes.append(n)
            y, meta = new_y, new_meta
        del meta
        self._t7_y, self._t7_pos, kept_start = kern.sort(y, n)
        self._t7_size = kern.read_u32(kept_start, kern.num_buckets)

    def parents(self, table: int) -> np.ndarray:
        n = self.table_sizes[_check_table_number(table) - 1]
        return self.gpu.to_host(self._parents[table - 2]).reshape(-1, 2)[:n]

    def table7_y(self) -> np.ndarray:
        return self.gpu.to_host(self._t7_y)[:self._t7_size]

    def prove_many(self, challenges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(challenges)
        nbytes = proof_bytes(self.k)
        if n == 0:
            return np.zeros((0, nbytes), dtype=np.uint8), np.zeros(0, dtype=np.bool_)
        proofs, found = self.prove_on_device(self.gpu.to_device(challenges.astype(np.uint32)), n)
        return self.gpu.to_host(proofs).reshape(n, nbytes), self.gpu.to_host(found).astype(np.bool_)

    def prove_on_device(self, challenges: Any, n: int) -> tuple[Any, Any]:
        """Device buffers (proofs: n * 8K uint8, found: n uint8) for the n uint32 challenge indices in the
        device buffer `challenges`; nothing is transferred (record encoding masks on the device)."""
        proofs = self.gpu.empty(max(n, 1) * proof_bytes(self.k), np.uint8)
        found = self.gpu.empty(max(n, 1), np.uint8)
        self._kernels.launch("prove", "pos_prove", n, self.k, challenges, n, self._t7_y, self._t7_pos,
                             self._t7_size, *self._parents, proofs, found)
        return proofs, found


class PosGpu:
    """Proof-of-space tables on a GPU backend (OpenCL or CUDA): every stage on the device."""

    gpu: Any  # accel.device.GpuDevice

    def pos_table(self, seed: bytes, k: int = K_PRODUCTION) -> PosTable:
        """The seven tables of `seed` (32 bytes) at space parameter k (15..25), resident on the device."""
        seed, k = _check_table_args(seed, k)
        return GpuPosTable(self.gpu, seed, k)

    def _pos_bucket_order_and_matches(self, y: np.ndarray, k: int) -> StageArrays:
        """Diagnostics: bucket order and kept matches of a table given by its y values (position order)."""
        kern = GpuPosKernels(self.gpu, k)
        y = np.ascontiguousarray(y, dtype=np.uint32)
        sorted_y, sorted_pos, kept_start = kern.sort(self.gpu.to_device(y), len(y))
        match_left, match_right, match_count, _, _ = kern.match(sorted_y, sorted_pos, kept_start)
        total = kern.read_u32(kept_start, kern.num_buckets)
        host = self.gpu.to_host
        return _stage_arrays(host(sorted_y)[:total], host(sorted_pos)[:total], host(kept_start), host(match_left),
                             host(match_right), host(match_count))
