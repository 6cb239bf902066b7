"""Multi-scalar multiplication on G1 for every backend (storage_and_time.md section 3): validation
shared by all, then the CPU (curve library) or GPU (accel/kernels/msm.c) implementation. Mixed into
the backend classes.

`be.msm(points, scalars)`: compressed G1 points and canonical big-endian scalars (equal counts) ->
compressed G1 sum. `be.msm_prepare(points)` decodes and checks the points once (on the curve and in
the prime-order subgroup) and keeps them resident; `.msm(scalars)` then accepts up to len(points)
scalars and uses that many leading points (a KZG polynomial of degree < m uses the first m powers).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from accel.kzg.constants import G1_IDENTITY
from accel.kzg.library import ark
from accel.kzg.points import Scalars, decode_checked, point_rows, scalar_rows

Points = Sequence[bytes] | bytes | np.ndarray


def _check_counts(num_points: int, rows: np.ndarray, exact: bool) -> None:
    n = rows.shape[0]
    if (exact and n != num_points) or n > num_points:
        raise ValueError(f"scalars: {n} scalars for {num_points} points"
                         + ("" if exact else " (at most one scalar per prepared point)"))


class CpuMsmBases:
    """G1 bases decoded once into library points (CPU backend)."""

    def __init__(self, points: list) -> None:
        self._points = points

    def __len__(self) -> int:
        return len(self._points)

    def msm(self, scalars: Scalars) -> bytes:
        rows = scalar_rows(scalars)
        _check_counts(len(self._points), rows, exact=False)
        n = rows.shape[0]
        if n == 0:
            return G1_IDENTITY
        values = [ark.Scalar.from_be_bytes(rows[i].tobytes()) for i in range(n)]
        return bytes(ark.G1Point.multiexp_unchecked(self._points[:n], values).to_compressed_bytes())


class MsmCpu:
    """MSM through arkworks' Pippenger (accel.kzg.library says why a library)."""

    def msm_prepare(self, points: Points) -> CpuMsmBases:
        return CpuMsmBases(decode_checked(point_rows(points)))

    def msm(self, points: Points, scalars: Scalars) -> bytes:
        prows, srows = point_rows(points), scalar_rows(scalars)
        _check_counts(prows.shape[0], srows, exact=True)
        return self.msm_prepare(prows).msm(srows)
