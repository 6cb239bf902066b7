/* The BLS12-381 scalar field Fr (255 bits) in Montgomery form: 8 little-endian 32-bit limbs,
 * R = 2^256 (storage_and_time.md sections 1 and 3). The same bits as the CPU backend's 4 x 64-bit
 * limbs (accel/erasure/fr_cpu.py) on a little-endian host, so tables and data move between them
 * unchanged. Constants are derived in accel/erasure/constants.py (formulas there) and checked against
 * this file by tests/accel/erasure/test_kernels.py.
 *
 * Multiplication is CIOS without the extra carry word, valid because the top limb of r is below
 * 2^31 - 1. Inputs < r give outputs < r. mont_mul(x, c R) = x c: data multiplied only by
 * Montgomery-form constants stay in plain form. Output pointers may alias inputs. */
#ifndef FR_H
#define FR_H
#include "port.h"

#define FR_LIMBS 8
/* -r^-1 mod 2^32 */
#define FR_RINV 0xffffffffu

/* r, little-endian limbs */
CONSTANT_MEM u32 FR_MODULUS[FR_LIMBS] = {
    0x00000001u, 0xffffffffu, 0xfffe5bfeu, 0x53bda402u, 0x09a1d805u, 0x3339d808u, 0x299d7d48u, 0x73eda753u};
/* r - 2, the Fermat inversion exponent */
CONSTANT_MEM u32 FR_MODULUS_MINUS_2[FR_LIMBS] = {
    0xffffffffu, 0xfffffffeu, 0xfffe5bfeu, 0x53bda402u, 0x09a1d805u, 0x3339d808u, 0x299d7d48u, 0x73eda753u};
/* 1 in Montgomery form: 2^256 mod r */
CONSTANT_MEM u32 FR_ONE[FR_LIMBS] = {
    0xfffffffeu, 0x00000001u, 0x00034802u, 0x5884b7fau, 0xecbc4ff5u, 0x998c4fefu, 0xacc5056fu, 0x1824b159u};
/* 2^512 mod r: mont_mul(x, FR_R2) is x in Montgomery form */
CONSTANT_MEM u32 FR_R2[FR_LIMBS] = {
    0xf3f29c6du, 0xc999e990u, 0x87925c23u, 0x2b6cedcbu, 0x7254398fu, 0x05d31496u, 0x9f59ff11u, 0x0748d9d9u};

DEVICE_FN void fr_load(u32* r, const GLOBAL u32* p) { for (int i = 0; i < FR_LIMBS; i++) r[i] = p[i]; }
DEVICE_FN void fr_store(GLOBAL u32* p, const u32* a) { for (int i = 0; i < FR_LIMBS; i++) p[i] = a[i]; }
DEVICE_FN void fr_zero(u32* r) { for (int i = 0; i < FR_LIMBS; i++) r[i] = 0u; }
DEVICE_FN void fr_one_mont(u32* r) { for (int i = 0; i < FR_LIMBS; i++) r[i] = FR_ONE[i]; }

DEVICE_FN int fr_is_zero(const u32* a)
{
    u32 acc = 0u;
    for (int i = 0; i < FR_LIMBS; i++) acc |= a[i];
    return acc == 0u;
}

/* r = a - modulus when a >= modulus (a < 2 modulus). */
DEVICE_FN void fr_reduce_once(u32* r, const u32* a)
{
    u32 t[FR_LIMBS];
    u32 borrow = 0u;
    for (int i = 0; i < FR_LIMBS; i++) {
        u64 d = (u64)a[i] - FR_MODULUS[i] - borrow;
        t[i] = (u32)d;
        borrow = (u32)(d >> 63);
    }
    for (int i = 0; i < FR_LIMBS; i++) r[i] = borrow ? a[i] : t[i];
}

/* r = a + b mod r (a + b < 2^256 since both are below r < 2^255). */
DEVICE_FN void fr_add(u32* r, const u32* a, const u32* b)
{
    u32 s[FR_LIMBS];
    u32 carry = 0u;
    for (int i = 0; i < FR_LIMBS; i++) {
        u64 t = (u64)a[i] + b[i] + carry;
        s[i] = (u32)t;
        carry = (u32)(t >> 32);
    }
    fr_reduce_once(r, s);
}

/* r = a - b mod r. */
DEVICE_FN void fr_sub(u32* r, const u32* a, const u32* b)
{
    u32 d[FR_LIMBS];
    u32 borrow = 0u;
    for (int i = 0; i < FR_LIMBS; i++) {
        u64 t = (u64)a[i] - b[i] - borrow;
        d[i] = (u32)t;
        borrow = (u32)(t >> 63);
    }
    u32 mask = 0u - borrow; /* add r back when the subtraction wrapped */
    u32 carry = 0u;
    for (int i = 0; i < FR_LIMBS; i++) {
        u64 t = (u64)d[i] + (FR_MODULUS[i] & mask) + carry;
        r[i] = (u32)t;
        carry = (u32)(t >> 32);
    }
}

/* r = a b 2^-256 mod r (CIOS, no final carry word). */
DEVICE_FN void fr_mont_mul(u32* r, const u32* a, const u32* b)
{
    u32 t[FR_LIMBS];
    for (int i = 0; i < FR_LIMBS; i++) t[i] = 0u;
    for (int i = 0; i < FR_LIMBS; i++) {
        u64 p = (u64)a[0] * b[i] + t[0];
        t[0] = (u32)p;
        u32 carry_a = (u32)(p >> 32);
        u32 m = t[0] * FR_RINV;
        p = (u64)m * FR_MODULUS[0] + t[0];
        u32 carry_m = (u32)(p >> 32);
        for (int j = 1; j < FR_LIMBS; j++) {
            p = (u64)a[j] * b[i] + t[j] + carry_a;
            t[j] = (u32)p;
            carry_a = (u32)(p >> 32);
            p = (u64)m * FR_MODULUS[j] + t[j] + carry_m;
            t[j - 1] = (u32)p;
            carry_m = (u32)(p >> 32);
        }
        t[FR_LIMBS - 1] = carry_m + carry_a;
    }
    fr_reduce_once(r, t);
}

/* r = a b 2^-256 with b read from global memory (a table entry). */
DEVICE_FN void fr_mont_mul_global(u32* r, const u32* a, const GLOBAL u32* b)
{
    u32 bb[FR_LIMBS];
    fr_load(bb, b);
    fr_mont_mul(r, a, bb);
}

/* Inverse in Montgomery form: (a R)^-1 R = a^(r-2) R (Fermat), a != 0. */
DEVICE_FN void fr_mont_inverse(u32* r, const u32* a)
{
    u32 acc[FR_LIMBS];
    fr_one_mont(acc);
    for (int limb = FR_LIMBS - 1; limb >= 0; limb--) {
        u32 e = FR_MODULUS_MINUS_2[limb];
        for (int bit = 31; bit >= 0; bit--) {
            fr_mont_mul(acc, acc, acc);
            if ((e >> bit) & 1u) fr_mont_mul(acc, acc, a);
        }
    }
    for (int i = 0; i < FR_LIMBS; i++) r[i] = acc[i];
}

#endif /* FR_H */
