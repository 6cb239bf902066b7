"""The BLS12-381 scalar field Fr: canonical 32-byte big-endian encoding (storage_and_time.md
section 1), arithmetic on Python integers, and the conversion between encoded scalars and the limb
arrays every fast implementation works on.

Untrusted bytes are validated here, once, at the edge: `decode_scalar` / `scalars_to_limbs` reject a
value >= r (blst `scalar_fr_check`) with ValueError. Arrays of scalars are (n, 4) uint64 arrays of
little-endian 64-bit limbs of the canonical integer; GPUs view the same memory as (n, 8) uint32.
Hand-written because the field is tiny and the formats must be exact; py_ecc/blst would add a
dependency for four lines of arithmetic.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from accel._inputs import byte_rows
from accel.erasure.constants import MODULUS, MODULUS_LIMBS64, SCALAR_BYTES

Scalars = bytes | bytearray | memoryview | Sequence[bytes] | np.ndarray

_MODULUS_LIMBS = np.array(MODULUS_LIMBS64, dtype=np.uint64)


# ------------------------------------------------------------------------------ single scalars
def decode_scalar(data: bytes) -> int:
    """The integer of a canonical 32-byte big-endian scalar; ValueError when not 32 bytes or >= r."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) != SCALAR_BYTES:
        raise ValueError(f"a scalar is {SCALAR_BYTES} bytes, got {len(data) if hasattr(data, '__len__') else data!r}")
    value = int.from_bytes(bytes(data), "big")
    if value >= MODULUS:
        raise ValueError(f"non-canonical scalar {bytes(data).hex()}: value >= r")
    return value


def encode_scalar(value: int) -> bytes:
    """Canonical 32-byte big-endian encoding of an element (0 <= value < r)."""
    if not 0 <= value < MODULUS:
        raise ValueError(f"{value} is not a field element (0 <= x < r)")
    return value.to_bytes(SCALAR_BYTES, "big")


def add(a: int, b: int) -> int:
    return (a + b) % MODULUS


def sub(a: int, b: int) -> int:
    return (a - b) % MODULUS


def mul(a: int, b: int) -> int:
    return a * b % MODULUS


def inv(a: int) -> int:
    """Multiplicative inverse (ValueError for 0)."""
    if a % MODULUS == 0:
        raise ValueError("0 has no inverse in Fr")
    return pow(a, MODULUS - 2, MODULUS)


# ------------------------------------------------------------------------------ arrays of scalars
def scalar_rows(scalars: Scalars, what: str = "scalars") -> np.ndarray:
    """Scalars given as one concatenated bytes object, a list of 32-byte items or an (n, 32) uint8
    array, as an (n, 32) uint8 array (lengths checked, values not yet)."""
    return byte_rows(scalars, SCALAR_BYTES, what)


def rows_to_limbs(rows: np.ndarray, what: str = "scalars") -> np.ndarray:
    """(..., 32) uint8 big-endian scalars -> (..., 4) uint64 little-endian limbs; ValueError naming
    the first index whose value is >= r."""
    if rows.dtype != np.uint8 or rows.shape[-1] != SCALAR_BYTES:
        raise ValueError(f"{what}: expected (..., {SCALAR_BYTES}) uint8, got {rows.dtype} {rows.shape}")
    lead = rows.shape[:-1]
    flat = np.ascontiguousarray(rows).reshape(-1, SCALAR_BYTES)
    # Big-endian bytes reversed per row are the little-endian integer: limb i = bytes 8i..8i+7 LE.
    out = np.ascontiguousarray(flat[:, ::-1]).view("<u8").astype(np.uint64, copy=False)
    bad = ~limbs_below_modulus(out)
    if bad.any():
        raise non_canonical_error(what, flat, int(np.flatnonzero(bad)[0]), lead)
    return out.reshape(*lead, 4)


def non_canonical_error(what: str, flat: np.ndarray, i: int, lead: tuple[int, ...]) -> ValueError:
    """The ValueError for the non-canonical scalar at flat index i of (m, 32) rows `flat` that have the
    leading shape `lead` (the index is reported in that shape)."""
    index = tuple(int(v) for v in np.unravel_index(i, lead)) if len(lead) > 1 else i
    return ValueError(f"{what}[{index}]: non-canonical scalar {bytes(flat[i]).hex()} (value >= r)")


def scalars_to_limbs(scalars: Scalars, what: str = "scalars") -> np.ndarray:
    """Untrusted scalars (list, concatenated bytes or (n, 32) uint8) -> validated (n, 4) uint64 limbs."""
    return rows_to_limbs(scalar_rows(scalars, what), what)


def limbs_below_modulus(limbs: np.ndarray) -> np.ndarray:
    """Boolean mask: which rows of an (n, 4) uint64 limb array hold a value < r (lexicographic compare
    from the most significant limb)."""
    less = np.zeros(limbs.shape[0], dtype=bool)
    equal = np.ones(limbs.shape[0], dtype=bool)
    for i in (3, 2, 1, 0):
        col = limbs[:, i]
        less |= equal & (col < _MODULUS_LIMBS[i])
        equal &= col == _MODULUS_LIMBS[i]
    return less


def limbs_to_rows(limbs: np.ndarray) -> np.ndarray:
    """(..., 4) uint64 canonical limbs -> (..., 32) uint8 big-endian scalars."""
    lead = limbs.shape[:-1]
    le = np.ascontiguousarray(limbs.reshape(-1, 4)).astype("<u8", copy=False).view(np.uint8)
    return np.ascontiguousarray(le[:, ::-1]).reshape(*lead, SCALAR_BYTES)


def limbs_to_list(limbs: np.ndarray) -> list[bytes]:
    """(n, 4) uint64 canonical limbs -> list of n 32-byte big-endian scalars."""
    return rows_to_list(limbs_to_rows(limbs))


def rows_to_list(rows: np.ndarray) -> list[bytes]:
    """(n, 32) uint8 -> list of n 32-byte bytes objects (numpy's 32-byte void items become bytes in
    one C loop, about 5x faster than slicing one bytes object in Python)."""
    return np.ascontiguousarray(rows).reshape(-1, SCALAR_BYTES).view(f"V{SCALAR_BYTES}").ravel().tolist()


def ints_to_limbs(values: Sequence[int]) -> np.ndarray:
    """Python integers (each 0 <= x < r) -> (n, 4) uint64 limbs."""
    raw = b"".join(encode_scalar(v) for v in values)
    return rows_to_limbs(np.frombuffer(raw, dtype=np.uint8).reshape(-1, SCALAR_BYTES))


def limbs_to_ints(limbs: np.ndarray) -> list[int]:
    """(n, 4) uint64 limbs -> Python integers."""
    return [int(a) | int(b) << 64 | int(c) << 128 | int(d) << 192 for a, b, c, d in limbs.reshape(-1, 4).tolist()]
