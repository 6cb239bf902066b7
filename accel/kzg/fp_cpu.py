"""BLS12-381 base field Fp and G1 point arithmetic for numba (storage_and_time.md section 3): the CPU
twin of accel/kernels/fp.h and g1.h, used by the CPU MSM (accel/kzg/cpu_msm.py).

An Fp element is a tuple of six uint64 limbs, little-endian, in Montgomery form (a * 2^384 mod p).
Multiplication is CIOS without the final carry word, valid because the top limb of p is below
2^63 - 1 (asserted below); inputs < p give outputs < p. The 64 x 64 -> 128-bit multiply-accumulate
comes from the numba intrinsics of accel/erasure/fr_cpu.py (LLVM i128 arithmetic, lowered to the
CPU's widening multiply and add-with-carry).

G1 (y^2 = x^3 + 4, a = 0) points are affine (x, y) tuples or Jacobian (X, Y, Z) with Z = 0 for the
identity; the formulas are the standard ones for a = 0 short Weierstrass curves (EFD dbl-2009-l,
madd-2007-bl, add-2007-bl) with the exceptional cases (equal points, opposite points, identity)
handled explicitly, so every function is complete.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from accel.erasure.fr_cpu import _adc, _mac, _sbb
from accel.kzg.constants import P

FP_LIMBS = 6
_LIMB = 2**64
_MONT_R = 2**384 % P  # Montgomery R = 2^384 mod p
assert P >> 320 < 2**63 - 1, "no-carry CIOS needs the top limb of p below 2^63 - 1"


def to_limbs(value: int) -> tuple[int, ...]:
    """Six little-endian 64-bit limbs of a 384-bit integer."""
    return tuple((value >> (64 * i)) % _LIMB for i in range(FP_LIMBS))


def from_limbs(limbs) -> int:
    return sum(int(v) << (64 * i) for i, v in enumerate(limbs))


P0, P1, P2, P3, P4, P5 = (np.uint64(v) for v in to_limbs(P))
INV = np.uint64((-pow(P, -1, _LIMB)) % _LIMB)  # -p^-1 mod 2^64
ZERO = np.uint64(0)
ONE = np.uint64(1)
R2_LIMBS = tuple(np.uint64(v) for v in to_limbs(2**768 % P))  # R^2 mod p: to Montgomery form
ONE_MONT = tuple(np.uint64(v) for v in to_limbs(_MONT_R))  # Montgomery form of 1
PLAIN_ONE = (ONE, ZERO, ZERO, ZERO, ZERO, ZERO)
FP_ZERO = (ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
P_MINUS_2_LIMBS = np.array(to_limbs(P - 2), dtype=np.uint64)  # Fermat exponent for inversion


def to_mont_int(value: int) -> tuple[int, ...]:
    """Montgomery limbs of a plain integer < p (host side, for tables and tests)."""
    return to_limbs(value * _MONT_R % P)


def from_mont_int(limbs) -> int:
    return from_limbs(limbs) * pow(_MONT_R, -1, P) % P


@nb.njit(inline="always")
def _reduce_once(t0, t1, t2, t3, t4, t5):
    """t - p if t >= p else t, for t < 2p."""
    d0, b = _sbb(t0, P0, ZERO)
    d1, b = _sbb(t1, P1, b)
    d2, b = _sbb(t2, P2, b)
    d3, b = _sbb(t3, P3, b)
    d4, b = _sbb(t4, P4, b)
    d5, b = _sbb(t5, P5, b)
    if b:
        return (t0, t1, t2, t3, t4, t5)
    return (d0, d1, d2, d3, d4, d5)


@nb.njit(inline="always")
def _cios_round(t0, t1, t2, t3, t4, t5, a, bi):
    t0, ac = _mac(a[0], bi, t0, ZERO)
    m = t0 * INV
    _, c = _mac(m, P0, t0, ZERO)
    t1, ac = _mac(a[1], bi, t1, ac)
    t0, c = _mac(m, P1, t1, c)
    t2, ac = _mac(a[2], bi, t2, ac)
    t1, c = _mac(m, P2, t2, c)
    t3, ac = _mac(a[3], bi, t3, ac)
    t2, c = _mac(m, P3, t3, c)
    t4, ac = _mac(a[4], bi, t4, ac)
    t3, c = _mac(m, P4, t4, c)
    t5, ac = _mac(a[5], bi, t5, ac)
    t4, c = _mac(m, P5, t5, c)
    return t0, t1, t2, t3, t4, c + ac


@nb.njit(inline="always")
def fp_mul(a, b):
    """a * b * 2^-384 mod p (Montgomery product) for a, b < p."""
    t0, t1, t2, t3, t4, t5 = _cios_round(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, a, b[0])
    t0, t1, t2, t3, t4, t5 = _cios_round(t0, t1, t2, t3, t4, t5, a, b[1])
    t0, t1, t2, t3, t4, t5 = _cios_round(t0, t1, t2, t3, t4, t5, a, b[2])
    t0, t1, t2, t3, t4, t5 = _cios_round(t0, t1, t2, t3, t4, t5, a, b[3])
    t0, t1, t2, t3, t4, t5 = _cios_round(t0, t1, t2, t3, t4, t5, a, b[4])
    t0, t1, t2, t3, t4, t5 = _cios_round(t0, t1, t2, t3, t4, t5, a, b[5])
    return _reduce_once(t0, t1, t2, t3, t4, t5)


@nb.njit(inline="always")
def fp_sqr(a):
    return fp_mul(a, a)


@nb.njit(inline="always")
def fp_add(a, b):
    """a + b mod p (the sum of two values < p < 2^381 fits six limbs)."""
    s0, c = _adc(a[0], b[0], ZERO)
    s1, c = _adc(a[1], b[1], c)
    s2, c = _adc(a[2], b[2], c)
    s3, c = _adc(a[3], b[3], c)
    s4, c = _adc(a[4], b[4], c)
    s5, c = _adc(a[5], b[5], c)
    return _reduce_once(s0, s1, s2, s3, s4, s5)


@nb.njit(inline="always")
def fp_sub(a, b):
    """a - b mod p."""
    d0, w = _sbb(a[0], b[0], ZERO)
    d1, w = _sbb(a[1], b[1], w)
    d2, w = _sbb(a[2], b[2], w)
    d3, w = _sbb(a[3], b[3], w)
    d4, w = _sbb(a[4], b[4], w)
    d5, w = _sbb(a[5], b[5], w)
    if w:
        d0, c = _adc(d0, P0, ZERO)
        d1, c = _adc(d1, P1, c)
        d2, c = _adc(d2, P2, c)
        d3, c = _adc(d3, P3, c)
        d4, c = _adc(d4, P4, c)
        d5, c = _adc(d5, P5, c)
    return (d0, d1, d2, d3, d4, d5)


@nb.njit(inline="always")
def fp_dbl(a):
    return fp_add(a, a)


@nb.njit(inline="always")
def fp_is_zero(a):
    return (a[0] | a[1] | a[2] | a[3] | a[4] | a[5]) == ZERO


@nb.njit(inline="always")
def fp_eq(a, b):
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5])) == ZERO


@nb.njit(inline="always")
def fp_neg(a):
    return fp_sub(FP_ZERO, a)


@nb.njit(inline="always")
def fp_load(arr, i):
    """Row i of an (n, 6) uint64 array as a tuple."""
    return (arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3], arr[i, 4], arr[i, 5])


@nb.njit(inline="always")
def fp_store(arr, i, a):
    arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3], arr[i, 4], arr[i, 5] = a


@nb.njit(nogil=True, cache=True)
def fp_inv(a):
    """Inverse in Montgomery form, a^(p-2) (Fermat); the inverse of 0 is 0."""
    r = ONE_MONT
    for limb in range(FP_LIMBS - 1, -1, -1):
        e = P_MINUS_2_LIMBS[limb]
        for bit in range(63, -1, -1):
            r = fp_mul(r, r)
            if (e >> np.uint64(bit)) & ONE:
                r = fp_mul(r, a)
    return r


# ----------------------------------------------------------------------------------------- G1

@nb.njit(inline="always")
def jac_identity():
    return ONE_MONT, ONE_MONT, FP_ZERO


@nb.njit(inline="always")
def jac_dbl(x, y, z):
    """2 (X, Y, Z) (dbl-2009-l; the identity doubles to itself, and no point of odd order has y = 0)."""
    if fp_is_zero(z):
        return x, y, z
    a = fp_sqr(x)
    b = fp_sqr(y)
    c = fp_sqr(b)
    d = fp_dbl(fp_sub(fp_sub(fp_sqr(fp_add(x, b)), a), c))
    e = fp_add(fp_dbl(a), a)
    f = fp_sqr(e)
    x3 = fp_sub(f, fp_dbl(d))
    c8 = fp_dbl(fp_dbl(fp_dbl(c)))
    y3 = fp_sub(fp_mul(e, fp_sub(d, x3)), c8)
    z3 = fp_dbl(fp_mul(y, z))
    return x3, y3, z3


@nb.njit(inline="always")
def jac_add_affine(x1, y1, z1, x2, y2):
    """(X1, Y1, Z1) + (x2, y2) with (x2, y2) affine, not the identity (madd-2007-bl)."""
    if fp_is_zero(z1):
        return x2, y2, ONE_MONT
    z1z1 = fp_sqr(z1)
    u2 = fp_mul(x2, z1z1)
    s2 = fp_mul(y2, fp_mul(z1, z1z1))
    h = fp_sub(u2, x1)
    r = fp_dbl(fp_sub(s2, y1))
    if fp_is_zero(h):
        if fp_is_zero(r):
            return jac_dbl(x2, y2, ONE_MONT)
        return jac_identity()
    hh = fp_sqr(h)
    i = fp_dbl(fp_dbl(hh))
    j = fp_mul(h, i)
    v = fp_mul(x1, i)
    x3 = fp_sub(fp_sub(fp_sqr(r), j), fp_dbl(v))
    y3 = fp_sub(fp_mul(r, fp_sub(v, x3)), fp_dbl(fp_mul(y1, j)))
    z3 = fp_sub(fp_sub(fp_sqr(fp_add(z1, h)), z1z1), hh)
    return x3, y3, z3


@nb.njit(inline="always")
def jac_add(x1, y1, z1, x2, y2, z2):
    """(X1, Y1, Z1) + (X2, Y2, Z2) (add-2007-bl), complete."""
    if fp_is_zero(z1):
        return x2, y2, z2
    if fp_is_zero(z2):
        return x1, y1, z1
    z1z1 = fp_sqr(z1)
    z2z2 = fp_sqr(z2)
    u1 = fp_mul(x1, z2z2)
    u2 = fp_mul(x2, z1z1)
    s1 = fp_mul(y1, fp_mul(z2, z2z2))
    s2 = fp_mul(y2, fp_mul(z1, z1z1))
    h = fp_sub(u2, u1)
    r = fp_dbl(fp_sub(s2, s1))
    if fp_is_zero(h):
        if fp_is_zero(r):
            return jac_dbl(x1, y1, z1)
        return jac_identity()
    i = fp_sqr(fp_dbl(h))
    j = fp_mul(h, i)
    v = fp_mul(u1, i)
    x3 = fp_sub(fp_sub(fp_sqr(r), j), fp_dbl(v))
    y3 = fp_sub(fp_mul(r, fp_sub(v, x3)), fp_dbl(fp_mul(s1, j)))
    z3 = fp_mul(fp_sub(fp_sub(fp_sqr(fp_add(z1, z2)), z1z1), z2z2), h)
    return x3, y3, z3


@nb.njit(inline="always")
def jac_to_affine(x, y, z):
    """(x, y, is_identity) in Montgomery form."""
    if fp_is_zero(z):
        return FP_ZERO, FP_ZERO, True
    zi = fp_inv(z)
    zi2 = fp_sqr(zi)
    return fp_mul(x, zi2), fp_mul(y, fp_mul(zi, zi2)), False
