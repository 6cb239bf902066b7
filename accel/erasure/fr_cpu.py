"""Fr arithmetic for numba: Montgomery multiplication on 4 x 64-bit little-endian limbs, addition,
subtraction, inversion (the CPU twin of accel/kernels/fr.h). Imported only by the CPU backend.

numba has no 128-bit integer type, so the 64 x 64 -> 128-bit multiply-accumulate is written as a
numba intrinsic that emits LLVM `i128` arithmetic (`_mac`, `_adc`, `_sbb`); LLVM lowers it to the
machine's widening multiply and add-with-carry (x86-64 `mul`/`mulx`/`adc`, aarch64 `umulh`), which
is what blst's assembly does by hand. The portable alternative (products from 32-bit halves) costs
four multiplications per limb product.

Montgomery multiplication is CIOS without the final carry word ("no-carry" variant), valid since the
top limb of r is below 2^63 - 1 (checked in constants.py). Inputs < r give outputs < r. Since
mont_mul(x, c * R) = x * c, multiplying plain (canonical) data by Montgomery-form constants keeps
the data plain: linear maps such as FFTs need no conversion at all.
"""
from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from accel.erasure.constants import MODULUS_LIMBS64, MONT_INV64, MONT_R2_LIMBS64, MONT_R_LIMBS64

P0, P1, P2, P3 = (np.uint64(x) for x in MODULUS_LIMBS64)
INV = np.uint64(MONT_INV64)
ZERO = np.uint64(0)
ONE = np.uint64(1)
R2_0, R2_1, R2_2, R2_3 = (np.uint64(x) for x in MONT_R2_LIMBS64)
ONE_MONT = np.array(MONT_R_LIMBS64, dtype=np.uint64)  # Montgomery form of 1 (= R mod r)


def _wide_codegen(op):
    def codegen(context, builder, signature, args):
        i128, i64 = ir.IntType(128), ir.IntType(64)
        lo, hi = op(builder, [builder.zext(a, i128) for a in args], i128)
        return context.make_tuple(builder, signature.return_type,
                                  [builder.trunc(lo, i64), builder.trunc(hi, i64)])
    return codegen


def _split(builder, value, i128):
    return value, builder.lshr(value, ir.Constant(i128, 64))


@intrinsic
def _mac(typingctx, a, b, c, d):
    """(lo, hi) of a * b + c + d (never overflows 128 bits)."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64, types.uint64)
    return sig, _wide_codegen(lambda bl, v, t: _split(bl, bl.add(bl.add(bl.mul(v[0], v[1]), v[2]), v[3]), t))


@intrinsic
def _adc(typingctx, a, b, carry):
    """(sum, carry out) of a + b + carry."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64)
    return sig, _wide_codegen(lambda bl, v, t: _split(bl, bl.add(bl.add(v[0], v[1]), v[2]), t))


@intrinsic
def _sbb(typingctx, a, b, borrow):
    """(difference, borrow out in {0, 1}) of a - b - borrow."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64)

    def op(bl, v, t):
        diff = bl.sub(bl.sub(v[0], v[1]), v[2])
        return diff, bl.lshr(diff, ir.Constant(t, 127))
    return sig, _wide_codegen(op)


@nb.njit(inline="always")
def _reduce_once(t0, t1, t2, t3):
    """t - r if t >= r else t, for t < 2r."""
    d0, b = _sbb(t0, P0, ZERO)
    d1, b = _sbb(t1, P1, b)
    d2, b = _sbb(t2, P2, b)
    d3, b = _sbb(t3, P3, b)
    if b:
        return t0, t1, t2, t3
    return d0, d1, d2, d3


@nb.njit(inline="always")
def _cios_round(t0, t1, t2, t3, a0, a1, a2, a3, bi):
    t0, ac = _mac(a0, bi, t0, ZERO)
    m = t0 * INV
    _, c = _mac(m, P0, t0, ZERO)
    t1, ac = _mac(a1, bi, t1, ac)
    t0, c = _mac(m, P1, t1, c)
    t2, ac = _mac(a2, bi, t2, ac)
    t1, c = _mac(m, P2, t2, c)
    t3, ac = _mac(a3, bi, t3, ac)
    t2, c = _mac(m, P3, t3, c)
    return t0, t1, t2, c + ac


@nb.njit(inline="always")
def mont_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    """a * b * 2^-256 mod r for a, b < r (limbs little-endian)."""
    t0, t1, t2, t3 = _cios_round(ZERO, ZERO, ZERO, ZERO, a0, a1, a2, a3, b0)
    t0, t1, t2, t3 = _cios_round(t0, t1, t2, t3, a0, a1, a2, a3, b1)
    t0, t1, t2, t3 = _cios_round(t0, t1, t2, t3, a0, a1, a2, a3, b2)
    t0, t1, t2, t3 = _cios_round(t0, t1, t2, t3, a0, a1, a2, a3, b3)
    return _reduce_once(t0, t1, t2, t3)


@nb.njit(inline="always")
def fr_add(a0, a1, a2, a3, b0, b1, b2, b3):
    """a + b mod r (a, b < r < 2^255, so the sum never leaves 256 bits)."""
    s0, c = _adc(a0, b0, ZERO)
    s1, c = _adc(a1, b1, c)
    s2, c = _adc(a2, b2, c)
    s3, c = _adc(a3, b3, c)
    return _reduce_once(s0, s1, s2, s3)


@nb.njit(inline="always")
def fr_sub(a0, a1, a2, a3, b0, b1, b2, b3):
    """a - b mod r."""
    d0, b = _sbb(a0, b0, ZERO)
    d1, b = _sbb(a1, b1, b)
    d2, b = _sbb(a2, b2, b)
    d3, b = _sbb(a3, b3, b)
    if b:
        d0, c = _adc(d0, P0, ZERO)
        d1, c = _adc(d1, P1, c)
        d2, c = _adc(d2, P2, c)
        d3, c = _adc(d3, P3, c)
    return d0, d1, d2, d3


@nb.njit(inline="always")
def fr_neg(a0, a1, a2, a3):
    return fr_sub(ZERO, ZERO, ZERO, ZERO, a0, a1, a2, a3)


@nb.njit(inline="always")
def mul_row(x, i, c, k):
    """x[i] = mont_mul(x[i], c[k]) for (n, 4) limb arrays."""
    x[i, 0], x[i, 1], x[i, 2], x[i, 3] = mont_mul(x[i, 0], x[i, 1], x[i, 2], x[i, 3],
                                                  c[k, 0], c[k, 1], c[k, 2], c[k, 3])


@nb.njit(cache=True, nogil=True)
def mont_inverse(a0, a1, a2, a3):
    """Inverse in Montgomery form: (aR)^-1 R = a^(r-2) R by square-and-multiply over the bits of r-2."""
    e0, e1, e2, e3 = P0 - np.uint64(2), P1, P2, P3  # r - 2 (the low limb of r is odd and > 2)
    r0, r1, r2, r3 = ONE_MONT[0], ONE_MONT[1], ONE_MONT[2], ONE_MONT[3]
    for limb in range(3, -1, -1):
        e = e3 if limb == 3 else (e2 if limb == 2 else (e1 if limb == 1 else e0))
        for bit in range(63, -1, -1):
            r0, r1, r2, r3 = mont_mul(r0, r1, r2, r3, r0, r1, r2, r3)
            if (e >> np.uint64(bit)) & ONE:
                r0, r1, r2, r3 = mont_mul(r0, r1, r2, r3, a0, a1, a2, a3)
    return r0, r1, r2, r3
