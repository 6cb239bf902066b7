"""The BLS12-381 base field Fp and its quadratic extension Fp2 = Fp[u]/(u^2 + 1), in plain Python
integers (storage_and_time.md section 3: point decompression needs square roots).

This is the readable layer used to decode and validate points and as an oracle for the GPU kernels
(accel/kernels/fp.h); bulk curve arithmetic on the CPU goes through a curve library (see accel.kzg.ops).
Fp2 elements are (c0, c1) tuples meaning c0 + c1*u.
"""
from __future__ import annotations

from accel.kzg.constants import P

Fp2 = tuple[int, int]

# p = 3 (mod 4), so a square root of a square a is a^((p+1)/4).
_SQRT_EXP = (P + 1) // 4
_HALF_P = (P - 1) // 2


def fp_sqrt(a: int) -> int | None:
    """A square root of a in Fp, or None when a is not a square."""
    a %= P
    s = pow(a, _SQRT_EXP, P)
    return s if s * s % P == a else None


def fp_inv(a: int) -> int:
    if a % P == 0:
        raise ZeroDivisionError("inverse of zero in Fp")
    return pow(a, -1, P)


def fp_is_lexicographically_largest(a: int) -> bool:
    """ZCash sort flag for Fp: a > (p - 1) / 2."""
    return a > _HALF_P


def fp2_add(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def fp2_sub(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def fp2_neg(a: Fp2) -> Fp2:
    return (-a[0] % P, -a[1] % P)


def fp2_mul(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def fp2_sqr(a: Fp2) -> Fp2:
    return fp2_mul(a, a)


def fp2_inv(a: Fp2) -> Fp2:
    norm = fp_inv(a[0] * a[0] + a[1] * a[1])
    return (a[0] * norm % P, -a[1] * norm % P)


def fp2_pow(a: Fp2, e: int) -> Fp2:
    out: Fp2 = (1, 0)
    for bit in bin(e)[2:]:
        out = fp2_sqr(out)
        if bit == "1":
            out = fp2_mul(out, a)
    return out


def fp2_sqrt(a: Fp2) -> Fp2 | None:
    """A square root of a in Fp2, or None (Adj & Rodriguez-Henriquez 2012, algorithm 9, for p = 3 mod 4)."""
    a = (a[0] % P, a[1] % P)
    if a == (0, 0):
        return (0, 0)
    a1 = fp2_pow(a, (P - 3) // 4)
    alpha = fp2_mul(fp2_mul(a1, a1), a)
    x0 = fp2_mul(a1, a)
    if alpha == (P - 1, 0):
        x = (-x0[1] % P, x0[0])  # u * x0
    else:
        b = fp2_pow(fp2_add((1, 0), alpha), (P - 1) // 2)
        x = fp2_mul(b, x0)
    return x if fp2_sqr(x) == a else None


def fp2_is_lexicographically_largest(a: Fp2) -> bool:
    """ZCash sort flag for Fp2: compare c1, or c0 when c1 is zero."""
    return a[1] > _HALF_P if a[1] else a[0] > _HALF_P
