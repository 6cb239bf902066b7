"""Multi-scalar multiplication on G1 for every backend (storage_and_time.md section 3): validation
shared by all, then the CPU (curve library) or GPU (accel/kernels/msm.c) implementation. Mixed into
the backend classes.

`be.msm(points, scalars)`: compressed G1 points and canonical big-endian scalars (equal counts) ->
compressed G1 sum. `be.msm_prepare(points)` decodes and checks the points once (on the curve and in
the prime-order subgroup) and keeps them resident; `.msm(scalars)` then accepts up to len(points)
scalars and uses that many leading points (a KZG polynomial of degree < m uses the first m powers).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from accel.kzg.cpu_msm import CpuMsmBases
from accel.kzg.points import Scalars, decode_checked, point_rows, scalar_rows

Points = Sequence[bytes] | bytes | np.ndarray


def _check_counts(num_points: int, rows: np.ndarray, exact: bool) -> None:
    n = rows.shape[0]
    if (exact and n != num_points) or n > num_points:
        raise ValueError(f"scalars: {n} scalars for {num_points} points"
                         + ("" if exact else " (at most one scalar per prepared point)"))


class _MsmOps:
    """`msm` through `msm_prepare` (one validation path for every backend)."""

    def msm_prepare(self, points: Points) -> Any:  # pragma: no cover - provided by the subclasses
        raise NotImplementedError

    def msm(self, points: Points, scalars: Scalars) -> bytes:
        prows, srows = point_rows(points), scalar_rows(scalars)
        _check_counts(prows.shape[0], srows, exact=True)
        return self.msm_prepare(prows).msm(srows)


class MsmCpu(_MsmOps):
    """MSM on the CPU (accel/kzg/cpu_msm.py): prepared bases get fixed-base tables and run on all
    cores; a one-shot `msm` runs arkworks' Pippenger (accel.kzg.library says why)."""

    def msm_prepare(self, points: Points) -> CpuMsmBases:
        return CpuMsmBases(decode_checked(point_rows(points)))

    def msm(self, points: Points, scalars: Scalars) -> bytes:
        prows, srows = point_rows(points), scalar_rows(scalars)
        _check_counts(prows.shape[0], srows, exact=True)
        return CpuMsmBases(decode_checked(prows), precompute=False).msm(srows)


class _SerialMsmMany:
    """`msm_many(batch)`: one MSM per scalar list, in order (the CPU bases run them on all cores)."""

    def msm_many(self, batch: Sequence[Scalars]) -> list[bytes]:
        return [self.msm(scalars) for scalars in batch]  # type: ignore[attr-defined]


class GpuMsmBases(_SerialMsmMany):
    """G1 bases resident on a GPU (accel/kzg/gpu.py, accel/kernels/msm.c)."""

    def __init__(self, device_bases: Any) -> None:
        self._bases = device_bases

    def __len__(self) -> int:
        return len(self._bases)

    def msm(self, scalars: Scalars) -> bytes:
        rows = scalar_rows(scalars)
        _check_counts(len(self._bases), rows, exact=False)
        return self._bases.msm_rows(rows)


class MsmGpu(_MsmOps):
    """MSM on a GPU backend (OpenCL or CUDA): the bases are decoded and checked on the host exactly as
    on the CPU backend, then kept on the device as affine Montgomery words; Pippenger runs there."""

    gpu: Any  # accel.device.GpuDevice

    def _msm_engine(self) -> Any:
        engine = getattr(self, "_msm_gpu_engine", None)
        if engine is None:
            from accel.kzg.gpu import GpuMsm  # noqa: PLC0415 - the kernels are built on first use

            engine = self._msm_gpu_engine = GpuMsm(self.gpu)
        return engine

    def msm_prepare(self, points: Points) -> GpuMsmBases:
        decoded = decode_checked(point_rows(points))
        return GpuMsmBases(self._msm_engine().prepare([bytes(p.to_xy_bytes_le()) for p in decoded]))
