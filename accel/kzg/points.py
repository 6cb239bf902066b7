"""Validation at the public edge of the MSM and KZG operations: G1 point lists and scalar lists
(storage_and_time.md section 3: compressed G1, canonical 32-byte big-endian scalars < r)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from accel._inputs import byte_rows
from accel.kzg import g1
from accel.kzg.constants import G1_BYTES, R, SCALAR_BYTES
from accel.kzg.library import ark

_R_BYTES = np.frombuffer(R.to_bytes(SCALAR_BYTES, "big"), dtype=np.uint8)

Scalars = bytes | bytearray | memoryview | Sequence[bytes] | np.ndarray


def scalar_rows(scalars: Scalars, what: str = "scalars") -> np.ndarray:
    """(n, 32) uint8 rows of canonical big-endian scalars; ValueError naming the first value >= r."""
    rows = byte_rows(scalars, SCALAR_BYTES, what)
    if rows.shape[0]:
        diff = rows != _R_BYTES
        first = np.argmax(diff, axis=1)
        idx = np.arange(rows.shape[0])
        below = diff[idx, first] & (rows[idx, first] < _R_BYTES[first])
        bad = np.flatnonzero(~below)
        if bad.size:
            raise ValueError(f"{what}[{bad[0]}]: non-canonical scalar (value >= r)")
    return rows


def point_rows(points: Sequence[bytes] | bytes | np.ndarray, what: str = "points") -> np.ndarray:
    return byte_rows(points, G1_BYTES, what)


def decode_checked(rows: np.ndarray, what: str = "points") -> list:
    """Library points from compressed rows, each checked on the curve and in the subgroup."""
    out = []
    for i in range(rows.shape[0]):
        data = rows[i].tobytes()
        try:
            out.append(ark.G1Point.from_compressed_bytes(data))
        except Exception:  # the library's own error type: find the precise reason
            g1.decode(data, subgroup_check=True, what=f"{what}[{i}]")
            raise ValueError(f"{what}[{i}]: rejected by the curve library") from None
    return out


def decode_unchecked(data: bytes, what: str):
    """A library point decoded exactly as the network decodes commitments and witnesses (blst
    p1_uncompress: no subgroup check); ValueError when the bytes are not a point."""
    point = g1.decode(data, subgroup_check=False, what=what)
    if point is None:
        return ark.G1Point.identity()
    xy = point[0].to_bytes(48, "big") + point[1].to_bytes(48, "big")
    return ark.G1Point.from_xy_bytes_unchecked_be(xy)
