"""Erasure coding and Fr NTTs on a GPU (storage_and_time.md sections 3-4): the orchestration of the
kernels of accel/kernels/ntt.c through `accel.device.GpuDevice`, step for step the same as
accel/erasure/cpu.py (so results are bit-identical). Uploads the input once, runs every stage on the
device, downloads the result once. Tables (twiddles, extension and recovery scalings, domain powers)
are computed once per size by the CPU code (numba; the Montgomery-form bits are the same for 4 x 64-
and 8 x 32-bit limbs) and kept resident on the device.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from accel.erasure import cpu as tables
from accel.erasure.constants import MODULUS
from accel.erasure.domain import root_of_unity

INVERSION_CHUNK = 32  # values per work item in batch inversion (2^16 values -> 2,048 work items)
SCHOOLBOOK_MAX_DEGREE = 32  # zero-polynomial tree: direct products up to this degree, NTT above


class GpuNtt:
    """Device-resident Fr transforms for one GpuDevice."""

    def __init__(self, gpu: Any) -> None:
        self.gpu = gpu
        self.program = gpu.program("ntt.c")
        self._tables: dict[tuple, Any] = {}

    # -------------------------------------------------------------------------------- helpers
    def _launch(self, kernel: str, n: int, *args: Any) -> None:
        conv = [np.uint32(a) if isinstance(a, (int, np.integer)) else a for a in args]
        self.gpu.launch(self.program, kernel, n, tuple(conv))

    def _table(self, key: tuple, make: Any) -> Any:
        buf = self._tables.get(key)
        if buf is None:
            host = np.ascontiguousarray(make())
            buf = self._tables[key] = self.gpu.to_device(host.view(np.uint32).reshape(-1))
        return buf

    def _twiddles(self, log_n: int, inverse: bool) -> Any:
        return self._table(("tw", log_n, inverse), lambda: tables.twiddles(log_n, inverse))

    def _constant(self, value: int) -> Any:
        return self._table(("const", value % MODULUS), lambda: tables.mont_constant(value)[None, :])

    def _upload(self, limbs: np.ndarray) -> Any:
        return self.gpu.to_device(np.ascontiguousarray(limbs).view(np.uint32).reshape(-1))

    def _download(self, buf: Any, count: int) -> np.ndarray:
        return self.gpu.to_host(buf).view(np.uint64).reshape(count, 4)

    def _empty(self, count: int) -> Any:
        return self.gpu.empty(max(1, count) * 8, np.uint32)

    def ntt(self, x: Any, rows: int, log_n: int, tw: Any, log_tw: int, dit: bool) -> None:
        """All stages of `rows` in-place transforms of size 2^log_n on a device buffer."""
        butterflies = rows << (log_n - 1) if log_n else 0
        stages = range(log_n) if dit else range(log_n - 1, -1, -1)
        for log_h in stages:
            self._launch("ntt_stage", butterflies, x, tw, butterflies, log_n, log_h, log_tw, int(dit))

    # -------------------------------------------------------------------------------- operations
    def fft_rows(self, limbs: np.ndarray, rows: int, log_n: int, inverse: bool) -> np.ndarray:
        count = limbs.shape[0]
        if log_n == 0:
            return limbs.copy()
        src = self._upload(limbs)
        x = self._empty(count)
        self._launch("bit_reverse_rows", count, src, x, count, log_n)
        self.ntt(x, rows, log_n, self._twiddles(log_n, inverse), log_n, dit=True)
        if inverse:
            self._launch("mul_by_constant", count, x, self._constant(pow(1 << log_n, MODULUS - 2, MODULUS)), count)
        return self._download(x, count)

    def extend_rows(self, limbs: np.ndarray, rows: int, log_n: int) -> np.ndarray:
        count = limbs.shape[0]
        x = self._upload(limbs)
        self.extend_on_device(x, rows, log_n)
        return self._download(x, count)

    def extend_on_device(self, x: Any, rows: int, log_n: int) -> None:
        """`extend_rows` in place on a device buffer (rows * 2^log_n canonical elements, 8 u32 limbs
        each): source values in, parity values out; nothing is transferred (record encoding keeps the
        parity on the device)."""
        count = rows << log_n
        self.ntt(x, rows, log_n, self._twiddles(log_n, True), log_n, dit=False)
        table = self._table(("extend", log_n), lambda: tables.extend_table(log_n))
        self._launch("mul_by_table", count, x, table, count, log_n)
        self.ntt(x, rows, log_n, self._twiddles(log_n, False), log_n, dit=True)

    def prepare_extend(self, log_n: int) -> None:
        """Upload the tables `extend_on_device` needs for this size now (blocking), so that later calls
        on other queues/streams find them complete."""
        self._twiddles(log_n, True)
        self._twiddles(log_n, False)
        self._table(("extend", log_n), lambda: tables.extend_table(log_n))

    def zero_polynomial(self, missing: np.ndarray, log_size: int, out: Any) -> None:
        """Write the Montgomery-form coefficients of prod (X - w^i), i in missing, into out[0 .. m]
        (out holds 2^log_size zeroed elements): the same product tree as cpu.zero_polynomial_mont."""
        size = 1 << log_size
        m = int(missing.shape[0])
        if m == 0:
            one = tables.ONE_MONT[None, :]
            self._launch("copy_elements", 1, self._upload(one), out, 1)
            return
        leaves = 1 << (m - 1).bit_length()
        domain = self._table(("domain", log_size), lambda: tables.power_table(root_of_unity(size), size))
        level = self._empty(leaves)
        self._launch("zero_poly_leaves", leaves, domain, self.gpu.to_device(missing.astype(np.uint32)), m,
                     level, leaves)
        tw_fwd, tw_inv = self._twiddles(log_size, False), self._twiddles(log_size, True)
        b = 1
        while b < leaves:
            nxt = self._empty(leaves)
            if b <= SCHOOLBOOK_MAX_DEGREE:
                self._launch("monic_products_schoolbook", leaves, level, nxt, leaves, b)
            else:
                fa, fc = self._empty(leaves), self._empty(leaves)
                self._launch("split_pairs_padded", leaves, level, fa, fc, leaves, b)
                log_2b = (2 * b).bit_length() - 1
                pairs = leaves // (2 * b)
                self.ntt(fa, pairs, log_2b, tw_fwd, log_size, dit=False)
                self.ntt(fc, pairs, log_2b, tw_fwd, log_size, dit=False)
                self._launch("mul_pointwise", leaves, fa, fc, leaves)
                self.ntt(fa, pairs, log_2b, tw_inv, log_size, dit=True)
                self._launch("finish_monic_products", leaves, fa, level,
                             self._constant(pow(2 * b, MODULUS - 2, MODULUS)), nxt, leaves, b)
            level = nxt
            b *= 2
        # low coefficients of X^(leaves - m) Z: Z's are level[leaves - m ..], then the leading 1.
        host = self._download(level, leaves)
        z = np.zeros((m + 1, 4), dtype=np.uint64)
        z[:m] = host[leaves - m:]
        z[m] = tables.ONE_MONT
        self._launch("copy_elements", m + 1, self._upload(z), out, m + 1)

    def recover_values(self, limbs: np.ndarray, present: np.ndarray) -> np.ndarray:
        size = limbs.shape[0]
        log_size = size.bit_length() - 1
        tw_fwd, tw_inv = self._twiddles(log_size, False), self._twiddles(log_size, True)
        keys = ("recovery", log_size)
        shift_scaled = self._table((*keys, 0), lambda: tables.recovery_tables(log_size)[0])
        shift = self._table((*keys, 1), lambda: tables.recovery_tables(log_size)[1])
        unshift_scaled = self._table((*keys, 2), lambda: tables.recovery_tables(log_size)[2])
        z = self.gpu.to_device(np.zeros(size * 8, dtype=np.uint32))
        self.zero_polynomial(np.flatnonzero(~present), log_size, z)
        z_eval = self._empty(size)
        self._launch("copy_elements", size, z, z_eval, size)
        self.ntt(z_eval, 1, log_size, tw_fwd, log_size, dit=False)
        ez = self._empty(size)
        self._launch("gather_bitrev_to_mont", size, self._upload(limbs),
                     self.gpu.to_device(present.astype(np.uint8)), ez, size, log_size)
        self._launch("mul_pointwise", size, ez, z_eval, size)
        self.ntt(ez, 1, log_size, tw_inv, log_size, dit=True)
        self._launch("mul_by_table", size, ez, shift_scaled, size, log_size)
        self.ntt(ez, 1, log_size, tw_fwd, log_size, dit=False)
        self._launch("mul_by_table", size, z, shift, size, log_size)
        self.ntt(z, 1, log_size, tw_fwd, log_size, dit=False)
        chunks = (size + INVERSION_CHUNK - 1) // INVERSION_CHUNK
        self._launch("batch_inverse", chunks, z, z_eval, chunks, size, INVERSION_CHUNK)  # z_eval: scratch
        self._launch("mul_pointwise", size, ez, z, size)
        self.ntt(ez, 1, log_size, tw_inv, log_size, dit=True)
        self._launch("mul_by_table", size, ez, unshift_scaled, size, log_size)
        self.ntt(ez, 1, log_size, tw_fwd, log_size, dit=False)
        out = self._empty(size)
        self._launch("gather_bitrev_from_mont", size, ez, out, size, log_size)
        return self._download(out, size)
