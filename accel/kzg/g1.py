"""G1 points of BLS12-381 in plain Python: affine arithmetic and the ZCash compressed encoding
(storage_and_time.md section 3, "Encodings").

A point is an (x, y) tuple of ints, or None for the identity. Decoding follows blst's
`p1_uncompress` exactly (compression bit required; infinity bit only as `c0 00..00`; x < p; x != 0;
on the curve; the sort bit picks y) and adds the prime-order subgroup check when asked: the network
applies no subgroup check to commitments and witnesses (spec section 3), while bases of an MSM and the
public parameters are checked on load. Errors are ValueError naming what is wrong.

This is the readable layer (decoding, oracle for the GPU kernels); bulk arithmetic uses a library.
"""
from __future__ import annotations

from accel.kzg.constants import B1, FLAG_COMPRESSED, FLAG_INFINITY, FLAG_SORT, G1_BYTES, G1_IDENTITY, P, R
from accel.kzg.fp import fp_inv, fp_is_lexicographically_largest, fp_sqrt

G1Point = tuple[int, int] | None


def is_on_curve(point: G1Point) -> bool:
    if point is None:
        return True
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - B1) % P == 0


def neg(point: G1Point) -> G1Point:
    return None if point is None else (point[0], -point[1] % P)


def add(a: G1Point, b: G1Point) -> G1Point:
    """a + b in affine coordinates."""
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        lam = 3 * x1 * x1 * fp_inv(2 * y1) % P
    else:
        lam = (y2 - y1) * fp_inv(x2 - x1) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def mul(point: G1Point, k: int) -> G1Point:
    """[k] point by double-and-add (k >= 0, any size)."""
    out: G1Point = None
    for bit in bin(k)[2:]:
        out = add(out, out)
        if bit == "1":
            out = add(out, point)
    return out


def in_subgroup(point: G1Point) -> bool:
    """Whether the point lies in the prime-order subgroup: [r] P is the identity."""
    return mul(point, R) is None


def encode(point: G1Point) -> bytes:
    """ZCash compressed encoding: 48 bytes, big-endian x with flag bits."""
    if point is None:
        return G1_IDENTITY
    x, y = point
    out = bytearray(x.to_bytes(G1_BYTES, "big"))
    out[0] |= FLAG_COMPRESSED | (FLAG_SORT if fp_is_lexicographically_largest(y) else 0)
    return bytes(out)


def decode(data: bytes, subgroup_check: bool = True, what: str = "G1 point") -> G1Point:
    """Decode a compressed G1 point; ValueError naming the problem (length, flags, x >= p, x = 0,
    not on the curve, not in the subgroup)."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) != G1_BYTES:
        raise ValueError(f"{what}: expected {G1_BYTES} bytes")
    data = bytes(data)
    flags = data[0]
    if not flags & FLAG_COMPRESSED:
        raise ValueError(f"{what}: compression flag (0x80) not set")
    if flags & FLAG_INFINITY:
        if flags & 0x3F or any(data[1:]):
            raise ValueError(f"{what}: infinity flag set with other non-zero bits")
        return None
    x = int.from_bytes(bytes([flags & 0x1F]) + data[1:], "big")
    if x >= P:
        raise ValueError(f"{what}: x coordinate not less than the field modulus")
    if x == 0:
        raise ValueError(f"{what}: x coordinate is zero")
    y = fp_sqrt(x * x * x + B1)
    if y is None:
        raise ValueError(f"{what}: not on the curve")
    if fp_is_lexicographically_largest(y) != bool(flags & FLAG_SORT):
        y = P - y
    point = (x, y)
    if subgroup_check and not in_subgroup(point):
        raise ValueError(f"{what}: not in the prime-order subgroup")
    return point
