"""The proof-of-space operations of every backend (pos.md 2-6): `be.pos_table(seed, k)` builds the
seven tables of a seed and returns a table object whose `find_proof` / `find_proofs` answer
challenges. Input validation is shared; the CPU mixin runs the numba kernels of
`accel/plotting/kernels_cpu.py`, the GPU mixin the kernels of accel/kernels/pos_*.c with every table
resident on the device, only proofs coming back. Mixed into the backend classes.
"""
from __future__ import annotations

import numbers
from typing import Iterable

import numpy as np

from accel.plotting.constants import (
    CHALLENGE_INDEX_MAX, K_PRODUCTION, MAX_MATCHES_PER_PAIR, NUM_TABLES, check_k, keystream_blocks,
    num_buckets, proof_bytes,
)
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
    return np.array([check_challenge_index(c) for c in challenge_indices], dtype=np.uint32)


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

    def __repr__(self) -> str:
        return f"<{type(self).__name__} k={self.k} seed={self.seed.hex()[:16]}...>"


def _check_table_args(seed: bytes, k: int) -> tuple[bytes, int]:
    return check_seed(seed), check_k(k)


# ------------------------------------------------------------------------------------------- CPU
class CpuPosTable(PosTable):
    """Tables in host memory: parents of tables 2..7 and the sorted table 7 (what the prover needs)."""

    def __init__(self, seed: bytes, k: int) -> None:
        from accel.hashing.kernels_cpu import chacha8_keystream_kernel  # noqa: PLC0415 - numba compile on first use
        from accel.plotting import kernels_cpu as K  # noqa: PLC0415
        import numba  # noqa: PLC0415

        self.seed, self.k = seed, k
        chunks = max(1, numba.get_num_threads() * 4)
        nbk = num_buckets(k)
        keystream = np.empty((1, keystream_blocks(k) * 16), dtype=np.uint32)
        chacha8_keystream_kernel(np.frombuffer(seed, dtype="<u4").reshape(1, 8), keystream_blocks(k), 0, keystream)
        y = np.empty(1 << k, dtype=np.uint32)
        K.f1_kernel(keystream[0], k, y)
        meta_hi = np.zeros(1 << k, dtype=np.uint64)
        meta_lo = np.arange(1 << k, dtype=np.uint64)  # table-1 metadata = x = position
        self.parents: list[np.ndarray] = []
        hist = np.empty((chunks, nbk), dtype=np.int64)
        chunk_offset = np.empty((chunks, nbk), dtype=np.int64)
        match_left = np.empty((nbk - 1) * MAX_MATCHES_PER_PAIR, dtype=np.uint32)
        match_right = np.empty_like(match_left)
        match_count = np.empty(nbk - 1, dtype=np.int64)
        for table in range(2, NUM_TABLES + 2):
            sorted_y, sorted_pos, bucket_start = self._sort(K, y, chunks, hist, chunk_offset)
            if table > NUM_TABLES:
                break
            K.match_pairs(sorted_y, sorted_pos, bucket_start, chunks, match_left, match_right, match_count)
            pair_offset = np.zeros(nbk, dtype=np.int64)
            np.cumsum(match_count, out=pair_offset[1:])
            n = int(pair_offset[-1])
            new_y = np.empty(n, dtype=np.uint32)
            new_hi = np.empty(n, dtype=np.uint64)
            new_lo = np.empty(n, dtype=np.uint64)
            parents = np.empty((n, 2), dtype=np.uint32)
            K.fn_kernel(k, table, y, meta_hi, meta_lo, match_left, match_right, match_count, pair_offset, chunks,
                        new_y, new_hi, new_lo, parents)
            self.parents.append(parents)
            y, meta_hi, meta_lo = new_y, new_hi, new_lo
        self.t7_sorted_y, self.t7_sorted_pos = sorted_y, sorted_pos
        self.table_sizes = [1 << k] + [len(p) for p in self.parents]

    @staticmethod
    def _sort(K, y, chunks, hist, chunk_offset):  # noqa: N803 - K is the kernels module
        n = len(y)
        bucket_start = np.zeros(hist.shape[1] + 1, dtype=np.int64)
        K.bucket_histograms(y, n, chunks, hist)
        K.bucket_offsets(hist, bucket_start, chunk_offset)
        np.cumsum(bucket_start, out=bucket_start)
        keys = np.empty(int(bucket_start[-1]), dtype=np.uint64)
        K.bucket_scatter(y, n, chunks, chunk_offset, bucket_start, keys)
        sorted_y = np.empty(len(keys), dtype=np.uint32)
        sorted_pos = np.empty(len(keys), dtype=np.uint32)
        K.bucket_sort_split(keys, bucket_start, sorted_y, sorted_pos)
        return sorted_y, sorted_pos, bucket_start

    def prove_many(self, challenges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from accel.plotting.kernels_cpu import prove_kernel  # noqa: PLC0415

        proofs = np.zeros((len(challenges), proof_bytes(self.k)), dtype=np.uint8)
        found = np.zeros(len(challenges), dtype=np.bool_)
        if len(challenges):
            prove_kernel(self.k, challenges, self.t7_sorted_y, self.t7_sorted_pos, *self.parents, proofs, found)
        return proofs, found


class PosCpu:
    """Proof-of-space tables on all CPU cores (numba)."""

    def pos_table(self, seed: bytes, k: int = K_PRODUCTION) -> PosTable:
        """The seven tables of `seed` (32 bytes) at space parameter k (15..25)."""
        seed, k = _check_table_args(seed, k)
        return CpuPosTable(seed, k)
