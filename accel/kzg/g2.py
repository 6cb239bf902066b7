"""G2 points of BLS12-381 in plain Python: affine arithmetic over Fp2 and the ZCash compressed
encoding (96 bytes: x.c1 || x.c0 big-endian, flags in the first byte) (storage_and_time.md section 3).

A point is ((x0, x1), (y0, y1)) or None for the identity. Only the parameters file carries G2 points
(verification uses G2[0] and G2[1]); they are checked on the curve and in the subgroup when loaded.
The readable layer; pairings use a library (accel.kzg.kzg).
"""
from __future__ import annotations

from accel.kzg.constants import B2, FLAG_COMPRESSED, FLAG_INFINITY, FLAG_SORT, G2_BYTES, P, R
from accel.kzg.fp import (Fp2, fp2_add, fp2_inv, fp2_is_lexicographically_largest, fp2_mul, fp2_neg, fp2_sqr,
                          fp2_sqrt, fp2_sub)

G2Point = tuple[Fp2, Fp2] | None


def is_on_curve(point: G2Point) -> bool:
    if point is None:
        return True
    x, y = point
    return fp2_sub(fp2_sqr(y), fp2_add(fp2_mul(fp2_sqr(x), x), B2)) == (0, 0)


def neg(point: G2Point) -> G2Point:
    return None if point is None else (point[0], fp2_neg(point[1]))


def add(a: G2Point, b: G2Point) -> G2Point:
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2:
        if fp2_add(y1, y2) == (0, 0):
            return None
        lam = fp2_mul(fp2_mul((3, 0), fp2_sqr(x1)), fp2_inv(fp2_add(y1, y1)))
    else:
        lam = fp2_mul(fp2_sub(y2, y1), fp2_inv(fp2_sub(x2, x1)))
    x3 = fp2_sub(fp2_sub(fp2_sqr(lam), x1), x2)
    return (x3, fp2_sub(fp2_mul(lam, fp2_sub(x1, x3)), y1))


def mul(point: G2Point, k: int) -> G2Point:
    out: G2Point = None
    for bit in bin(k)[2:]:
        out = add(out, out)
        if bit == "1":
            out = add(out, point)
    return out


def in_subgroup(point: G2Point) -> bool:
    return mul(point, R) is None


def encode(point: G2Point) -> bytes:
    if point is None:
        return bytes([FLAG_COMPRESSED | FLAG_INFINITY]) + bytes(G2_BYTES - 1)
    (x0, x1), y = point
    out = bytearray(x1.to_bytes(48, "big") + x0.to_bytes(48, "big"))
    out[0] |= FLAG_COMPRESSED | (FLAG_SORT if fp2_is_lexicographically_largest(y) else 0)
    return bytes(out)


def decode(data: bytes, subgroup_check: bool = True, what: str = "G2 point") -> G2Point:
    """Decode a compressed G2 point; ValueError naming the problem."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) != G2_BYTES:
        raise ValueError(f"{what}: expected {G2_BYTES} bytes")
    data = bytes(data)
    flags = data[0]
    if not flags & FLAG_COMPRESSED:
        raise ValueError(f"{what}: compression flag (0x80) not set")
    if flags & FLAG_INFINITY:
        if flags & 0x3F or any(data[1:]):
            raise ValueError(f"{what}: infinity flag set with other non-zero bits")
        return None
    x1 = int.from_bytes(bytes([flags & 0x1F]) + data[1:48], "big")
    x0 = int.from_bytes(data[48:], "big")
    if x0 >= P or x1 >= P:
        raise ValueError(f"{what}: x coordinate not less than the field modulus")
    x = (x0, x1)
    y = fp2_sqrt(fp2_add(fp2_mul(fp2_sqr(x), x), B2))
    if y is None:
        raise ValueError(f"{what}: not on the curve")
    if fp2_is_lexicographically_largest(y) != bool(flags & FLAG_SORT):
        y = fp2_neg(y)
    point = (x, y)
    if subgroup_check and not in_subgroup(point):
        raise ValueError(f"{what}: not in the prime-order subgroup")
    return point
