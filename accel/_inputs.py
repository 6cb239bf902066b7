"""Validation of untrusted inputs at the public edge of `accel`: wrong shapes and lengths raise
ValueError before any device work is queued."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def byte_rows(data: bytes | bytearray | memoryview | Sequence[bytes] | np.ndarray, width: int,
              what: str) -> np.ndarray:
    """Rows of exactly `width` bytes as a C-contiguous (n, width) uint8 array.

    Accepts one concatenated bytes object (length a multiple of `width`), a sequence of `width`-byte
    items, or an (n, width) uint8 array.
    """
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != width:
            raise ValueError(f"{what}: expected a (n, {width}) uint8 array, got {data.dtype} {data.shape}")
        return np.ascontiguousarray(data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) % width:
            raise ValueError(f"{what}: {len(raw)} bytes is not a multiple of {width}")
        return np.frombuffer(raw, dtype=np.uint8).reshape(-1, width).copy()
    items = list(data)
    for i, item in enumerate(items):
        if not isinstance(item, (bytes, bytearray, memoryview)):
            raise ValueError(f"{what}[{i}]: expected bytes, got {type(item).__name__}")
        if len(item) != width:
            raise ValueError(f"{what}[{i}]: expected {width} bytes, got {len(item)}")
    if not items:
        return np.zeros((0, width), dtype=np.uint8)
    return np.frombuffer(b"".join(bytes(i) for i in items), dtype=np.uint8).reshape(-1, width).copy()


def ragged_bytes(messages: Sequence[bytes] | np.ndarray, max_len: int,
                 what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Messages of up to `max_len` bytes packed as (data, offsets, lengths) uint8/uint32 arrays.

    Accepts a sequence of bytes or an (n, L) uint8 array (n messages of L bytes each).
    """
    if isinstance(messages, np.ndarray):
        if messages.dtype != np.uint8 or messages.ndim != 2:
            raise ValueError(f"{what}: expected a (n, L) uint8 array, got {messages.dtype} {messages.shape}")
        n, length = messages.shape
        if length > max_len:
            raise ValueError(f"{what}: messages of {length} bytes exceed {max_len}")
        data = np.ascontiguousarray(messages).reshape(-1)
        offsets = (np.arange(n, dtype=np.uint64) * length).astype(np.uint32)
        return data, offsets, np.full(n, length, dtype=np.uint32)
    if isinstance(messages, (bytes, bytearray, memoryview, str)):
        raise ValueError(f"{what}: expected a sequence of messages, got a single {type(messages).__name__}")
    items = list(messages)
    lengths = np.zeros(len(items), dtype=np.uint32)
    for i, item in enumerate(items):
        if not isinstance(item, (bytes, bytearray, memoryview)):
            raise ValueError(f"{what}[{i}]: expected bytes, got {type(item).__name__}")
        if len(item) > max_len:
            raise ValueError(f"{what}[{i}]: {len(item)} bytes exceed {max_len}")
        lengths[i] = len(item)
    offsets = np.zeros(len(items), dtype=np.uint32)
    if len(items) > 1:
        offsets[1:] = np.cumsum(lengths[:-1], dtype=np.uint64).astype(np.uint32)
    data = np.frombuffer(b"".join(bytes(i) for i in items), dtype=np.uint8).copy()
    return data, offsets, lengths


def broadcast_keys(keys: bytes | Sequence[bytes] | np.ndarray | None, n: int, what: str) -> np.ndarray:
    """Keys for keyed hashing as a (0|1|n, 32) uint8 array: None, one 32-byte key, or n keys."""
    if keys is None:
        return np.zeros((0, 32), dtype=np.uint8)
    if isinstance(keys, (bytes, bytearray, memoryview)) and len(keys) == 32:
        return np.frombuffer(bytes(keys), dtype=np.uint8).reshape(1, 32).copy()
    rows = byte_rows(keys, 32, what)
    if rows.shape[0] not in (1, n):
        raise ValueError(f"{what}: expected 1 or {n} keys of 32 bytes, got {rows.shape[0]}")
    return rows
