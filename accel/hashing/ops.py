"""The hashing operations of every backend: input validation shared by all, then the CPU (numba)
or GPU (accel/kernels/chacha8.c, blake3.c) implementation. Mixed into the backend classes."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from accel._inputs import broadcast_keys, byte_rows, ragged_bytes
from accel.hashing.constants import BLAKE3_CHUNK_LEN, BLAKE3_IV, CHACHA_BLOCK_BYTES, MAX_BLOCK_COUNTER

Seeds = bytes | Sequence[bytes] | np.ndarray


def _check_chacha(seeds: Seeds, num_blocks: int, counter: int) -> np.ndarray:
    keys = byte_rows(seeds, 32, "seeds")
    if not isinstance(num_blocks, (int, np.integer)) or num_blocks < 1:
        raise ValueError(f"num_blocks must be a positive integer, got {num_blocks!r}")
    if not isinstance(counter, (int, np.integer)) or counter < 0 or counter + num_blocks > MAX_BLOCK_COUNTER:
        raise ValueError(f"block counter range [{counter}, {counter}+{num_blocks}) exceeds the 32-bit counter")
    if keys.shape[0] * num_blocks >= 2**32:
        raise ValueError("batch too large: seeds x num_blocks must stay below 2^32 blocks")
    return keys


def _check_runs(messages: np.ndarray, keys: np.ndarray, counts: np.ndarray, out_bytes: int) -> np.ndarray:
    """Validate `blake3_hash_runs` arguments; the counts as int64."""
    if not isinstance(messages, np.ndarray) or messages.ndim != 2 or messages.dtype != np.uint8 \
            or messages.shape[1] > BLAKE3_CHUNK_LEN:
        raise ValueError(f"messages: expected an (n, <= {BLAKE3_CHUNK_LEN}) uint8 array")
    if not isinstance(keys, np.ndarray) or keys.ndim != 2 or keys.dtype != np.uint8 or keys.shape[1] != 32:
        raise ValueError("keys: expected an (r, 32) uint8 array")
    counts = np.asarray(counts)
    if counts.shape != (keys.shape[0],) or not np.issubdtype(counts.dtype, np.integer) \
            or (counts.size and int(counts.min()) < 0) or int(counts.sum()) != messages.shape[0]:
        raise ValueError(f"counts: expected {keys.shape[0]} non-negative run lengths summing to {messages.shape[0]}")
    if not isinstance(out_bytes, (int, np.integer)) or not 4 <= out_bytes <= 32 or out_bytes % 4:
        raise ValueError(f"out_bytes must be a multiple of 4 in 4..32, got {out_bytes!r}")
    return counts.astype(np.int64)


class HashingCpu:
    """ChaCha8 and BLAKE3 batches on all CPU cores (numba)."""

    def chacha8_keystream(self, seeds: Seeds, num_blocks: int, counter: int = 0) -> np.ndarray:
        """ChaCha8 keystream (zero nonce, pos.md 2) for each 32-byte seed: (n, num_blocks * 64) uint8."""
        keys = _check_chacha(seeds, num_blocks, counter)
        from accel.hashing.kernels_cpu import chacha8_keystream_kernel  # noqa: PLC0415 - numba compile on first use

        out = np.empty((keys.shape[0], num_blocks * 16), dtype=np.uint32)
        if keys.shape[0]:
            chacha8_keystream_kernel(keys.view("<u4"), num_blocks, counter, out)
        return out.view(np.uint8)

    def blake3_hash_many(self, messages: Sequence[bytes] | np.ndarray,
                         keys: bytes | Sequence[bytes] | np.ndarray | None = None) -> np.ndarray:
        """BLAKE3 of each message (<= 1024 bytes), keyed when `keys` is one 32-byte key or one per message:
        (n, 32) uint8."""
        if isinstance(messages, np.ndarray) and messages.ndim == 2 and messages.dtype == np.uint8 \
                and 0 < messages.shape[1] <= COLUMN_MAX_BYTES and messages.shape[0] >= COLUMN_MIN_MESSAGES:
            return _hash_columns(messages, broadcast_keys(keys, messages.shape[0], "keys"))
        data, offsets, lengths = ragged_bytes(messages, BLAKE3_CHUNK_LEN, "messages")
        key_rows = broadcast_keys(keys, len(offsets), "keys")
        from accel.hashing.kernels_cpu import blake3_hash_many_kernel  # noqa: PLC0415

        out = np.empty((len(offsets), 8), dtype=np.uint32)
        if len(offsets):
            blake3_hash_many_kernel(data, offsets, lengths, key_rows.view("<u4"), out)
        return out.view(np.uint8)


    def blake3_hash_runs(self, messages: np.ndarray, keys: np.ndarray, counts: np.ndarray,
                         out_bytes: int = 32) -> np.ndarray:
        """Keyed BLAKE3 of n equal-length messages in runs: the first counts[0] under keys[0], the next
        counts[1] under keys[1], ... (the farm audit: each sector's chunks under its slot challenge);
        the first `out_bytes` bytes of each hash, (n, out_bytes) uint8. Equal to `blake3_hash_many` with
        each key repeated, without materialising the repeated keys."""
        counts = _check_runs(messages, keys, counts, out_bytes)
        n = messages.shape[0]
        if n < COLUMN_MIN_MESSAGES or messages.shape[1] > COLUMN_MAX_BYTES:
            return self.blake3_hash_many(messages, keys=np.repeat(keys, counts, axis=0))[:, :out_bytes]
        nonempty = np.flatnonzero(counts)
        runs = np.zeros(nonempty.size + 1, dtype=np.int64)
        np.cumsum(counts[nonempty], out=runs[1:])
        words = _hash_columns_runs(messages, np.ascontiguousarray(keys[nonempty]), runs, out_bytes // 4)
        return np.ascontiguousarray(words.T).view(np.uint8)


COLUMN_MAX_BYTES = 32  # equal-length batches of messages up to this long use the column kernel
COLUMN_MIN_MESSAGES = 64  # below this, the column layout's copies cost more than they save


def _hash_columns(messages: np.ndarray, key_rows: np.ndarray) -> np.ndarray:
    """`blake3_hash_many` of n equal-length messages of at most 32 bytes with the vectorised column
    kernel (accel/hashing/kernels_cpu.py `blake3_columns`): consecutive messages under the same key form
    one run."""
    n = messages.shape[0]
    if key_rows.shape[0] == 0:
        keys, runs = None, np.array([0, n], dtype=np.int64)
    elif key_rows.shape[0] == 1:
        keys, runs = key_rows, np.array([0, n], dtype=np.int64)
    else:
        starts = np.concatenate([[0], np.flatnonzero((key_rows[1:] != key_rows[:-1]).any(axis=1)) + 1])
        keys, runs = np.ascontiguousarray(key_rows[starts]), np.append(starts, n).astype(np.int64)
    return np.ascontiguousarray(_hash_columns_runs(messages, keys, runs, 8).T).view(np.uint8)


def _hash_columns_runs(messages: np.ndarray, keys: np.ndarray | None, runs: np.ndarray, out_words: int) -> np.ndarray:
    """The first out_words words of each hash as (out_words, n) uint32: message i hashed unkeyed (keys
    None) or under keys[j] for runs[j] <= i < runs[j + 1]."""
    from accel.hashing.kernels_cpu import KEYED_FLAG, ONE_BLOCK_FLAGS, blake3_columns  # noqa: PLC0415
    import numba  # noqa: PLC0415

    n, length = messages.shape
    if length == COLUMN_MAX_BYTES:
        columns = np.ascontiguousarray(messages.view("<u4").T)
    else:
        padded = np.zeros((n, COLUMN_MAX_BYTES), dtype=np.uint8)
        padded[:, :length] = messages
        columns = np.ascontiguousarray(padded.view("<u4").T)
    flags = ONE_BLOCK_FLAGS
    if keys is None:
        key_columns = np.array(BLAKE3_IV, dtype=np.uint32).reshape(8, 1)
    else:
        flags |= KEYED_FLAG
        key_columns = np.ascontiguousarray(keys.view("<u4").T)
    out = np.empty((8, n), dtype=np.uint32)  # the kernel writes every word (a branch would stop it vectorising)
    chunks = max(1, min(numba.get_num_threads() * 4, n // 1024))
    blake3_columns(columns, n, key_columns, runs, length, flags, out, chunks)
    return out[:out_words]


class HashingGpu:
    """ChaCha8 and BLAKE3 batches on a GPU device (OpenCL or CUDA), one work item per block/message."""

    gpu: "accel.device.GpuDevice"  # type: ignore[name-defined]  # noqa: F821

    def chacha8_keystream(self, seeds: Seeds, num_blocks: int, counter: int = 0) -> np.ndarray:
        keys = _check_chacha(seeds, num_blocks, counter)
        n = keys.shape[0]
        if n == 0:
            return np.zeros((0, num_blocks * CHACHA_BLOCK_BYTES), dtype=np.uint8)
        prog = self.gpu.program("chacha8.c")
        d_keys = self.gpu.to_device(keys.view("<u4").reshape(-1))
        d_out = self.gpu.empty(n * num_blocks * 16, np.uint32)
        self.gpu.launch(prog, "chacha8_keystream", n * num_blocks,
                        (d_keys, d_out, np.uint32(n), np.uint32(num_blocks), np.uint32(counter)))
        return self.gpu.to_host(d_out).view(np.uint8).reshape(n, num_blocks * CHACHA_BLOCK_BYTES)

    def blake3_hash_many(self, messages: Sequence[bytes] | np.ndarray,
                         keys: bytes | Sequence[bytes] | np.ndarray | None = None) -> np.ndarray:
        data, offsets, lengths = ragged_bytes(messages, BLAKE3_CHUNK_LEN, "messages")
        n = len(offsets)
        key_rows = broadcast_keys(keys, n, "keys")
        if n == 0:
            return np.zeros((0, 32), dtype=np.uint8)
        prog = self.gpu.program("blake3.c")
        # Zero-length buffers are not allowed by OpenCL: pad data and keys to at least one element.
        d_data = self.gpu.to_device(data if data.size else np.zeros(1, np.uint8))
        d_keys = self.gpu.to_device(key_rows.view("<u4").reshape(-1) if key_rows.size else np.zeros(8, np.uint32))
        d_out = self.gpu.empty(n * 8, np.uint32)
        self.gpu.launch(prog, "blake3_hash_many", n,
                        (d_data, self.gpu.to_device(offsets), self.gpu.to_device(lengths), d_keys,
                         np.uint32(key_rows.shape[0]), d_out, np.uint32(n)))
        return self.gpu.to_host(d_out).view(np.uint8).reshape(n, 32)

    def blake3_hash_runs(self, messages: np.ndarray, keys: np.ndarray, counts: np.ndarray,
                         out_bytes: int = 32) -> np.ndarray:
        """See HashingCpu.blake3_hash_runs (one work item per message, the keys repeated on the host)."""
        counts = _check_runs(messages, keys, counts, out_bytes)
        return self.blake3_hash_many(messages, keys=np.repeat(keys, counts, axis=0))[:, :out_bytes]
