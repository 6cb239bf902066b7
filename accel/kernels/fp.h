/* The BLS12-381 base field Fp (381 bits) in Montgomery form: 12 little-endian 32-bit limbs,
 * R = 2^384 (storage_and_time.md section 3; 32-bit limbs so the same code runs on any OpenCL device).
 * Constants are checked against accel/kzg/constants.py by tests/accel/kzg/test_msm_gpu.py.
 * Elements are kept fully reduced (< p). Output pointers may alias inputs. */
#ifndef FP_H
#define FP_H
#include "port.h"

#define FP_LIMBS 12
/* -p^-1 mod 2^32 (Montgomery reduction constant) */
#define FP_PINV 0xfffcfffdu

/* p, little-endian limbs */
CONSTANT_MEM u32 FP_P[FP_LIMBS] = {
    0xffffaaabu, 0xb9feffffu, 0xb153ffffu, 0x1eabfffeu, 0xf6b0f624u, 0x6730d2a0u,
    0xf38512bfu, 0x64774b84u, 0x434bacd7u, 0x4b1ba7b6u, 0x397fe69au, 0x1a0111eau};
/* 1 in Montgomery form: 2^384 mod p */
CONSTANT_MEM u32 FP_ONE[FP_LIMBS] = {
    0x0002fffdu, 0x76090000u, 0xc40c0002u, 0xebf4000bu, 0x53c758bau, 0x5f489857u,
    0x70525745u, 0x77ce5853u, 0xa256ec6du, 0x5c071a97u, 0xfa80e493u, 0x15f65ec3u};

DEVICE_FN void fp_copy(u32* r, const u32* a) { for (int i = 0; i < FP_LIMBS; i++) r[i] = a[i]; }
DEVICE_FN void fp_zero(u32* r) { for (int i = 0; i < FP_LIMBS; i++) r[i] = 0u; }
DEVICE_FN void fp_one(u32* r) { for (int i = 0; i < FP_LIMBS; i++) r[i] = FP_ONE[i]; }

DEVICE_FN int fp_is_zero(const u32* a)
{
    u32 acc = 0u;
    for (int i = 0; i < FP_LIMBS; i++) acc |= a[i];
    return acc == 0u;
}

DEVICE_FN int fp_equal(const u32* a, const u32* b)
{
    u32 acc = 0u;
    for (int i = 0; i < FP_LIMBS; i++) acc |= a[i] ^ b[i];
    return acc == 0u;
}

/* r = a - p when a >= p (a < 2p). */
DEVICE_FN void fp_reduce_once(u32* r, const u32* a)
{
    u32 t[FP_LIMBS];
    u32 borrow = 0u;
    for (int i = 0; i < FP_LIMBS; i++) {
        u64 d = (u64)a[i] - FP_P[i] - borrow;
        t[i] = (u32)d;
        borrow = (u32)(d >> 63);
    }
    for (int i = 0; i < FP_LIMBS; i++) r[i] = borrow ? a[i] : t[i];
}

DEVICE_FN void fp_add(u32* r, const u32* a, const u32* b)
{
    u32 s[FP_LIMBS];
    u32 carry = 0u;  /* a + b < 2p < 2^382: no carry out of the top limb */
    for (int i = 0; i < FP_LIMBS; i++) {
        u64 t = (u64)a[i] + b[i] + carry;
        s[i] = (u32)t;
        carry = (u32)(t >> 32);
    }
    fp_reduce_once(r, s);
}

DEVICE_FN void fp_sub(u32* r, const u32* a, const u32* b)
{
    u32 d[FP_LIMBS];
    u32 borrow = 0u;
    for (int i = 0; i < FP_LIMBS; i++) {
        u64 t = (u64)a[i] - b[i] - borrow;
        d[i] = (u32)t;
        borrow = (u32)(t >> 63);
    }
    u32 mask = 0u - borrow, carry = 0u;  /* add p back on borrow */
    for (int i = 0; i < FP_LIMBS; i++) {
        u64 t = (u64)d[i] + (FP_P[i] & mask) + carry;
        r[i] = (u32)t;
        carry = (u32)(t >> 32);
    }
}

DEVICE_FN void fp_neg(u32* r, const u32* a)
{
    u32 z[FP_LIMBS];
    fp_zero(z);
    fp_sub(r, z, a);
}

/* r = a * b / 2^384 mod p (CIOS Montgomery multiplication). */
DEVICE_FN void fp_mul(u32* r, const u32* a, const u32* b)
{
    u32 t[FP_LIMBS + 2];
    for (int i = 0; i < FP_LIMBS + 2; i++) t[i] = 0u;
    for (int i = 0; i < FP_LIMBS; i++) {
        u64 carry = 0u;
        u32 bi = b[i];
        for (int j = 0; j < FP_LIMBS; j++) {
            u64 s = (u64)a[j] * bi + t[j] + carry;
            t[j] = (u32)s;
            carry = s >> 32;
        }
        u64 s = (u64)t[FP_LIMBS] + carry;
        t[FP_LIMBS] = (u32)s;
        t[FP_LIMBS + 1] = (u32)(s >> 32);
        u32 m = t[0] * FP_PINV;
        s = (u64)m * FP_P[0] + t[0];
        carry = s >> 32;
        for (int j = 1; j < FP_LIMBS; j++) {
            s = (u64)m * FP_P[j] + t[j] + carry;
            t[j - 1] = (u32)s;
            carry = s >> 32;
        }
        s = (u64)t[FP_LIMBS] + carry;
        t[FP_LIMBS - 1] = (u32)s;
        t[FP_LIMBS] = t[FP_LIMBS + 1] + (u32)(s >> 32);
    }
    fp_reduce_once(r, t);  /* t < 2p since 4p < 2^384 */
}

DEVICE_FN void fp_sqr(u32* r, const u32* a) { fp_mul(r, a, a); }

#endif /* FP_H */
