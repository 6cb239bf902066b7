"""The erasure-coding and Fr-transform operations of every backend (storage_and_time.md sections 3-4):
input validation shared by all (ValueError before any device work), then the CPU (numba,
accel/erasure/cpu.py) or GPU (accel/kernels/ntt.c through accel/erasure/gpu.py) implementation.
Mixed into the backend classes.

Contract (../shared/spec/README.md):
    be.erasure_extend(source: list[bytes] | bytes) -> list[bytes]      # n scalars -> n parity scalars
    be.erasure_recover(shards: list[bytes | None]) -> list[bytes]      # 2n interleaved shards -> 2n values
Batched helpers for the archiver and KZG (arrays of canonical 32-byte big-endian scalars):
    be.erasure_extend_batch(sources: (b, n, 32) uint8) -> (b, n, 32) uint8
    be.erasure_recover_batch(shards: (b, 2n, 32) uint8, present: (2n,) bool) -> (b, 2n, 32) uint8
    be.fr_fft(values) / be.fr_ifft(values) -> (n, 32) or (b, n, 32) uint8 (natural order, section 3)
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from accel.erasure.constants import MODULUS, MONT_R, SCALAR_BYTES
from accel.erasure.domain import log2_size
from accel.erasure.fr import (Scalars, ints_to_limbs, limbs_to_list, limbs_to_rows, non_canonical_error, rows_to_limbs, rows_to_list,
                              scalar_rows)
from accel.erasure.reference import check_shards


def _source_limbs(source: Scalars) -> tuple[np.ndarray, int]:
    if isinstance(source, np.ndarray) and source.ndim != 2:
        raise ValueError(f"source: expected (n, {SCALAR_BYTES}) uint8, got shape {source.shape}")
    rows = scalar_rows(source, "source")
    log_n = log2_size(rows.shape[0], "number of source values")
    return rows_to_limbs(rows, "source"), log_n


def _batch_limbs(values: Scalars, what: str) -> tuple[np.ndarray, int, int, bool]:
    """(b * n, 4) limbs, b, log2(n), whether the input was a batch (a 3-D array)."""
    if isinstance(values, np.ndarray) and values.ndim == 3:
        if values.dtype != np.uint8 or values.shape[2] != SCALAR_BYTES:
            raise ValueError(f"{what}: expected (b, n, {SCALAR_BYTES}) uint8, got {values.dtype} {values.shape}")
        b, n = values.shape[:2]
        log_n = log2_size(n, f"{what} row length")
        return rows_to_limbs(values, what).reshape(b * n, 4), b, log_n, True
    rows = scalar_rows(values, what)
    log_n = log2_size(rows.shape[0], f"number of {what}")
    return rows_to_limbs(rows, what), 1, log_n, False


def _shard_rows(shards: Sequence[bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    """2n shards (32-byte scalars or None) -> ((2n, 32) uint8 with zeros where missing, present mask);
    ValueError naming the first malformed shard. Values are not yet checked against r."""
    if isinstance(shards, (bytes, bytearray, memoryview, str)) or not hasattr(shards, "__len__"):
        raise ValueError("shards: expected a list of 32-byte scalars or None")
    items = list(shards)
    present = np.fromiter((s is not None for s in items), dtype=bool, count=len(items))
    check_shards(len(items), int(present.sum()))
    given = [s for s in items if s is not None]
    rows = np.zeros((len(items), SCALAR_BYTES), dtype=np.uint8)
    # Fast path (C loops only): every given shard a bytes/bytearray of the right length.
    if set(map(type, given)) <= {bytes, bytearray} and set(map(len, given)) <= {SCALAR_BYTES}:
        if given:
            rows[present] = np.frombuffer(b"".join(given), dtype=np.uint8).reshape(-1, SCALAR_BYTES)
        return rows, present
    for i, s in enumerate(items):
        if s is None:
            continue
        if not isinstance(s, (bytes, bytearray, memoryview)) or len(bytes(s)) != SCALAR_BYTES:
            raise ValueError(f"shards[{i}]: expected {SCALAR_BYTES} bytes or None, got {s!r:.60}")
        rows[i] = np.frombuffer(bytes(s), dtype=np.uint8)
    return rows, present


def _shard_limbs(shards: Sequence[bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    rows, present = _shard_rows(shards)
    return rows_to_limbs(rows, "shards"), present


def _shape_out(limbs: np.ndarray, b: int, batched: bool) -> np.ndarray:
    rows = limbs_to_rows(limbs)
    return rows.reshape(b, -1, SCALAR_BYTES) if batched else rows



def _check_batch(shards: np.ndarray, present: Sequence[bool] | np.ndarray) -> tuple[np.ndarray, int, int]:
    """(present mask, batch size b, shards per row 2n) of an `erasure_recover_batch` call, or ValueError."""
    if not isinstance(shards, np.ndarray) or shards.ndim != 3 or shards.dtype != np.uint8 \
            or shards.shape[2] != SCALAR_BYTES:
        raise ValueError(f"shards: expected a (b, 2n, {SCALAR_BYTES}) uint8 array")
    mask = np.asarray(present, dtype=bool)
    b, size = shards.shape[:2]
    if mask.shape != (size,):
        raise ValueError(f"present: expected {size} booleans (one per shard), got shape {mask.shape}")
    check_shards(size, int(mask.sum()))
    return mask, b, size

class _ErasureOps:
    """The public methods; subclasses provide the limb-level `_extend_rows`, `_fft_rows`, `_recover`."""

    def erasure_extend(self, source: Scalars) -> list[bytes]:
        """n parity scalars of n source scalars (n a power of two): the values at the odd points
        w_{2n}^{2i+1} of the polynomial through the source at the even points (section 4)."""
        limbs, log_n = _source_limbs(source)
        return limbs_to_list(self._extend_rows(limbs, 1, log_n))

    def erasure_extend_batch(self, sources: np.ndarray) -> np.ndarray:
        """`erasure_extend` of each row of a (b, n, 32) uint8 array -> (b, n, 32) uint8 parity."""
        if not isinstance(sources, np.ndarray) or sources.ndim != 3:
            raise ValueError("sources: expected a (b, n, 32) uint8 array")
        limbs, b, log_n, _ = _batch_limbs(sources, "sources")
        return _shape_out(self._extend_rows(limbs, b, log_n), b, True)

    def erasure_recover(self, shards: Sequence[bytes | None]) -> list[bytes]:
        """All 2n values (interleaved source/parity) from 2n shards with at least n present
        (None = missing), zero-polynomial method (section 4; see accel.erasure.reference.recover)."""
        limbs, present = _shard_limbs(shards)
        return limbs_to_list(self._recover(limbs, present))

    def erasure_recover_batch(self, shards: np.ndarray, present: Sequence[bool] | np.ndarray) -> np.ndarray:
        """`erasure_recover` of each row of a (b, 2n, 32) uint8 array, all rows with the same shards
        present (`present`: 2n booleans; the bytes of absent shards are ignored) -> (b, 2n, 32) uint8
        (section 4; the archiver's reconstruction of 2^15 chunk positions, section 5.3)."""
        mask, b, size = _check_batch(shards, present)
        rows = np.where(mask[None, :, None], shards, np.uint8(0))
        limbs = rows_to_limbs(rows, "shards").reshape(b * size, 4)
        return _shape_out(self._recover_rows(limbs, b, mask), b, True)

    def fr_fft(self, values: Scalars, inverse: bool = False) -> np.ndarray:
        """Evaluations on the domain of size n of the polynomial with coefficients `values` (natural
        order), or with inverse=True the coefficients from evaluations (times 1/n). `values`: a list
        or concatenation of n scalars, an (n, 32) array, or a (b, n, 32) batch; same shape out (uint8)."""
        limbs, b, log_n, batched = _batch_limbs(values, "values")
        return _shape_out(self._fft_rows(limbs, b, log_n, inverse), b, batched)

    def fr_ifft(self, values: Scalars) -> np.ndarray:
        """Coefficients c_j with P(w_n^i) = values[i] (section 3 `poly`); see fr_fft."""
        return self.fr_fft(values, inverse=True)

    def fr_quotient(self, coefficients: Scalars, x: int) -> np.ndarray:
        """Coefficients of (P(X) - P(x)) / (X - x) for the polynomial P with `coefficients` (n canonical
        scalars, lowest degree first): (n - 1, 32) uint8 big-endian (section 3: the KZG opening quotient
        of `create_witness`). Synthetic division is sequential, so every backend runs it on the host, in
        compiled code (about 2 ms for 2^15 coefficients against about 0.15 s with Python integers)."""
        from accel.erasure import cpu  # noqa: PLC0415 - numba compile on first use

        rows = scalar_rows(coefficients, "coefficients")
        if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or not 0 <= int(x) < MODULUS:
            raise ValueError(f"x must be an integer in 0..r-1, got {x!r}")
        if rows.shape[0] <= 1:
            return np.zeros((0, SCALAR_BYTES), dtype=np.uint8)
        out = np.empty((rows.shape[0] - 1, SCALAR_BYTES), dtype=np.uint8)
        bad = cpu.quotient_bytes(np.ascontiguousarray(rows), ints_to_limbs([int(x) * MONT_R % MODULUS])[0], out)
        if bad >= 0:
            raise non_canonical_error("coefficients", rows, bad, (rows.shape[0],))
        return out

    # Implemented by the backend mixins ----------------------------------------------------------
    def _extend_rows(self, limbs: np.ndarray, rows: int, log_n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _fft_rows(self, limbs: np.ndarray, rows: int, log_n: int, inverse: bool) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _recover(self, limbs: np.ndarray, present: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _recover_rows(self, limbs: np.ndarray, rows: int, present: np.ndarray) -> np.ndarray:
        """Default: one `_recover` per row (backends override it with a batched path)."""
        size = present.shape[0]
        return np.concatenate([self._recover(limbs[r * size:(r + 1) * size], present) for r in range(rows)])


class ErasureCpu(_ErasureOps):
    """Erasure coding and Fr NTTs on all CPU cores (numba)."""

    def erasure_extend(self, source: Scalars) -> list[bytes]:
        """See `_ErasureOps.erasure_extend`; bytes in, bytes out in one compiled call (no limb arrays
        built in Python)."""
        if isinstance(source, np.ndarray) and source.ndim != 2:
            raise ValueError(f"source: expected (n, {SCALAR_BYTES}) uint8, got shape {source.shape}")
        rows = scalar_rows(source, "source")
        log_n = log2_size(rows.shape[0], "number of source values")
        return rows_to_list(self._extend_bytes(rows, log_n, "source", rows.shape[:1]))

    def erasure_extend_batch(self, sources: np.ndarray) -> np.ndarray:
        """See `_ErasureOps.erasure_extend_batch`."""
        if not isinstance(sources, np.ndarray) or sources.ndim != 3 or sources.dtype != np.uint8 \
                or sources.shape[2] != SCALAR_BYTES:
            raise ValueError(f"sources: expected a (b, n, {SCALAR_BYTES}) uint8 array")
        b, n = sources.shape[:2]
        log_n = log2_size(n, "sources row length")
        flat = np.ascontiguousarray(sources).reshape(b * n, SCALAR_BYTES)
        return self._extend_bytes(flat, log_n, "sources", (b, n)).reshape(b, n, SCALAR_BYTES)

    def erasure_recover(self, shards: Sequence[bytes | None]) -> list[bytes]:
        """See `_ErasureOps.erasure_recover`; bytes to bytes in compiled code."""
        rows, present = _shard_rows(shards)
        return rows_to_list(self._recover_bytes(rows, present, (rows.shape[0],)))

    def erasure_recover_batch(self, shards: np.ndarray, present: Sequence[bool] | np.ndarray) -> np.ndarray:
        """See `_ErasureOps.erasure_recover_batch`."""
        mask, b, size = _check_batch(shards, present)
        flat = np.ascontiguousarray(shards).reshape(b * size, SCALAR_BYTES)
        return self._recover_bytes(flat, mask, (b, size)).reshape(b, size, SCALAR_BYTES)

    @staticmethod
    def _recover_bytes(flat: np.ndarray, present: np.ndarray, lead: tuple[int, ...]) -> np.ndarray:
        from accel.erasure import cpu  # noqa: PLC0415 - numba compile on first use

        if flat.shape[0] == 0:
            return flat.copy()
        out, bad = cpu.recover_bytes(flat, present)
        if bad >= 0:
            raise non_canonical_error("shards", flat, bad, lead)
        return out

    @staticmethod
    def _extend_bytes(flat: np.ndarray, log_n: int, what: str, lead: tuple[int, ...]) -> np.ndarray:
        from accel.erasure import cpu  # noqa: PLC0415 - numba compile on first use

        if flat.shape[0] == 0:
            return flat.copy()
        out, bad = cpu.extend_bytes(flat, log_n)
        if bad >= 0:
            raise non_canonical_error(what, flat, bad, lead)
        return out

    def _extend_rows(self, limbs: np.ndarray, rows: int, log_n: int) -> np.ndarray:
        from accel.erasure import cpu  # noqa: PLC0415 - numba compile on first use

        return cpu.extend_rows(limbs, log_n)

    def _fft_rows(self, limbs: np.ndarray, rows: int, log_n: int, inverse: bool) -> np.ndarray:
        from accel.erasure import cpu  # noqa: PLC0415

        return cpu.fft_rows(limbs, log_n, inverse)

    def _recover(self, limbs: np.ndarray, present: np.ndarray) -> np.ndarray:
        from accel.erasure import cpu  # noqa: PLC0415

        return cpu.recover_values(limbs, present)

    def _recover_rows(self, limbs: np.ndarray, rows: int, present: np.ndarray) -> np.ndarray:
        from accel.erasure import cpu  # noqa: PLC0415

        return cpu.recover_rows(limbs, present)


class ErasureGpu(_ErasureOps):
    """Erasure coding and Fr NTTs on a GPU (OpenCL or CUDA): accel/kernels/ntt.c, data resident on the
    device across all stages of a call."""

    gpu: Any  # accel.device.GpuDevice

    def _ntt_engine(self) -> Any:
        engine = getattr(self, "_erasure_gpu_engine", None)
        if engine is None:
            from accel.erasure.gpu import GpuNtt  # noqa: PLC0415

            engine = self._erasure_gpu_engine = GpuNtt(self.gpu)
        return engine

    def _extend_rows(self, limbs: np.ndarray, rows: int, log_n: int) -> np.ndarray:
        return self._ntt_engine().extend_rows(limbs, rows, log_n)

    def _fft_rows(self, limbs: np.ndarray, rows: int, log_n: int, inverse: bool) -> np.ndarray:
        return self._ntt_engine().fft_rows(limbs, rows, log_n, inverse)

    def _recover(self, limbs: np.ndarray, present: np.ndarray) -> np.ndarray:
        return self._ntt_engine().recover_values(limbs, present)
