/* Radix-2 NTTs over Fr and the erasure-coding steps built on them (storage_and_time.md sections 3
 * and 4): the GPU twin of accel/erasure/cpu.py, orchestrated by accel/erasure/gpu.py. Data stay on
 * the device across all stages of an operation.
 *
 * Layout: element k of a buffer is 8 little-endian u32 limbs at x[8k .. 8k+7]; a buffer holds `rows`
 * transforms of n = 2^log_n values one after the other. Twiddles w_{2h}^j are read from one table of
 * w_T^j (j < T/2, Montgomery form) at index j << (log_tw - 1 - log_h).
 *   ntt_stage, dit = 1: Cooley-Tukey stage (bit-reversed in -> natural out after all stages, log_h rising)
 *   ntt_stage, dit = 0: Gentleman-Sande stage (natural in -> bit-reversed out, log_h falling)
 * One work item per butterfly (stages) or per element (pointwise kernels); every kernel guards
 * `gid >= n`. */
#include "fr.h"

DEVICE_FN u32 bit_reverse(u32 i, u32 bits)
{
    u32 out = 0u;
    for (u32 b = 0u; b < bits; b++) {
        out = (out << 1) | (i & 1u);
        i >>= 1;
    }
    return out;
}

KERNEL void ntt_stage(GLOBAL u32* x, const GLOBAL u32* tw, u32 n, u32 log_n, u32 log_h, u32 log_tw, u32 dit)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return; /* n = rows * 2^(log_n - 1) butterflies */
    u32 half_n = 1u << (log_n - 1u);
    u32 row = k >> (log_n - 1u);
    u32 kk = k & (half_n - 1u);
    u32 h = 1u << log_h;
    u32 j = kk & (h - 1u);
    u32 i0 = (row << log_n) + ((kk >> log_h) << (log_h + 1u)) + j;
    u32 i1 = i0 + h;
    u32 t = j << (log_tw - 1u - log_h);
    u32 u[FR_LIMBS], v[FR_LIMBS], s[FR_LIMBS];
    fr_load(u, x + (u64)i0 * FR_LIMBS);
    fr_load(v, x + (u64)i1 * FR_LIMBS);
    if (dit) {
        if (t != 0u) fr_mont_mul_global(v, v, tw + (u64)t * FR_LIMBS);
        fr_add(s, u, v);
        fr_sub(v, u, v);
    } else {
        fr_add(s, u, v);
        fr_sub(v, u, v);
        if (t != 0u) fr_mont_mul_global(v, v, tw + (u64)t * FR_LIMBS);
    }
    fr_store(x + (u64)i0 * FR_LIMBS, s);
    fr_store(x + (u64)i1 * FR_LIMBS, v);
}

/* dst[row n + bitrev(i)] = src[row n + i]   (n = total elements) */
KERNEL void bit_reverse_rows(const GLOBAL u32* src, GLOBAL u32* dst, u32 n, u32 log_n)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    u32 mask = (1u << log_n) - 1u;
    u32 to = (k & ~mask) | bit_reverse(k & mask, log_n);
    for (int l = 0; l < FR_LIMBS; l++) dst[(u64)to * FR_LIMBS + l] = src[(u64)k * FR_LIMBS + l];
}

/* x[k] = x[k] * table[k mod 2^log_n] (Montgomery-form table) */
KERNEL void mul_by_table(GLOBAL u32* x, const GLOBAL u32* table, u32 n, u32 log_n)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    u32 a[FR_LIMBS];
    fr_load(a, x + (u64)k * FR_LIMBS);
    fr_mont_mul_global(a, a, table + (u64)(k & ((1u << log_n) - 1u)) * FR_LIMBS);
    fr_store(x + (u64)k * FR_LIMBS, a);
}

/* x[k] = mont_mul(x[k], y[k]) */
KERNEL void mul_pointwise(GLOBAL u32* x, const GLOBAL u32* y, u32 n)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    u32 a[FR_LIMBS];
    fr_load(a, x + (u64)k * FR_LIMBS);
    fr_mont_mul_global(a, a, y + (u64)k * FR_LIMBS);
    fr_store(x + (u64)k * FR_LIMBS, a);
}

/* x[k] = mont_mul(x[k], c) for one constant c */
KERNEL void mul_by_constant(GLOBAL u32* x, const GLOBAL u32* c, u32 n)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    u32 a[FR_LIMBS];
    fr_load(a, x + (u64)k * FR_LIMBS);
    fr_mont_mul_global(a, a, c);
    fr_store(x + (u64)k * FR_LIMBS, a);
}

KERNEL void copy_elements(const GLOBAL u32* src, GLOBAL u32* dst, u32 n)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    for (int l = 0; l < FR_LIMBS; l++) dst[(u64)k * FR_LIMBS + l] = src[(u64)k * FR_LIMBS + l];
}

/* dst[i] = src[bitrev(i)] * R where present[bitrev(i)], else 0 (to Montgomery form, bit-reversed). */
KERNEL void gather_bitrev_to_mont(const GLOBAL u32* src, const GLOBAL u8* present, GLOBAL u32* dst, u32 n, u32 log_n)
{
    u32 i = GLOBAL_ID();
    if (i >= n) return;
    u32 j = bit_reverse(i, log_n);
    u32 a[FR_LIMBS];
    if (present[j]) {
        u32 r2[FR_LIMBS];
        for (int l = 0; l < FR_LIMBS; l++) r2[l] = FR_R2[l];
        fr_load(a, src + (u64)j * FR_LIMBS);
        fr_mont_mul(a, a, r2);
    } else {
        fr_zero(a);
    }
    fr_store(dst + (u64)i * FR_LIMBS, a);
}

/* dst[i] = src[bitrev(i)] / R (out of Montgomery form, back to natural order). */
KERNEL void gather_bitrev_from_mont(const GLOBAL u32* src, GLOBAL u32* dst, u32 n, u32 log_n)
{
    u32 i = GLOBAL_ID();
    if (i >= n) return;
    u32 a[FR_LIMBS], one[FR_LIMBS];
    fr_zero(one);
    one[0] = 1u;
    fr_load(a, src + (u64)bit_reverse(i, log_n) * FR_LIMBS);
    fr_mont_mul(a, a, one);
    fr_store(dst + (u64)i * FR_LIMBS, a);
}

/* In place: x[i] -> x[i]^-1 (Montgomery form, all non-zero), Montgomery's trick over chunks of
 * `chunk` values, one work item per chunk; `prefix` is scratch of the same size as x. n = chunks. */
KERNEL void batch_inverse(GLOBAL u32* x, GLOBAL u32* prefix, u32 n, u32 total, u32 chunk)
{
    u32 c = GLOBAL_ID();
    if (c >= n) return;
    u32 lo = c * chunk;
    u32 hi = lo + chunk < total ? lo + chunk : total;
    u32 acc[FR_LIMBS], v[FR_LIMBS], t[FR_LIMBS];
    fr_one_mont(acc);
    for (u32 i = lo; i < hi; i++) {
        fr_store(prefix + (u64)i * FR_LIMBS, acc);
        fr_mont_mul_global(acc, acc, x + (u64)i * FR_LIMBS);
    }
    fr_mont_inverse(acc, acc);
    for (u32 i = hi; i-- > lo;) {
        fr_load(v, x + (u64)i * FR_LIMBS);
        fr_mont_mul_global(t, acc, prefix + (u64)i * FR_LIMBS);
        fr_store(x + (u64)i * FR_LIMBS, t);
        fr_mont_mul(acc, acc, v);
    }
}

/* Leaves of the zero-polynomial tree: out[i] = -domain[missing[i]] for i < m, else 0 (factor X). */
KERNEL void zero_poly_leaves(const GLOBAL u32* domain, const GLOBAL u32* missing, u32 m, GLOBAL u32* out, u32 n)
{
    u32 i = GLOBAL_ID();
    if (i >= n) return;
    u32 a[FR_LIMBS], z[FR_LIMBS];
    fr_zero(z);
    if (i < m) {
        fr_load(a, domain + (u64)missing[i] * FR_LIMBS);
        fr_sub(a, z, a);
    } else {
        fr_zero(a);
    }
    fr_store(out + (u64)i * FR_LIMBS, a);
}

/* Monic products, coefficient by coefficient: rows 2p, 2p+1 of src (b low coefficients each, Montgomery
 * form) -> row p of out (2b low coefficients): (X^b + a)(X^b + c) = X^2b + X^b (a + c) + a c.
 * One work item per output coefficient, n = total output coefficients. */
KERNEL void monic_products_schoolbook(const GLOBAL u32* src, GLOBAL u32* out, u32 n, u32 b)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    u32 p = k / (2u * b);
    u32 e = k - p * 2u * b;
    const GLOBAL u32* a = src + (u64)(2u * p * b) * FR_LIMBS;
    const GLOBAL u32* c = a + (u64)b * FR_LIMBS;
    u32 acc[FR_LIMBS], x[FR_LIMBS], t[FR_LIMBS];
    fr_zero(acc);
    u32 first = e >= b ? e - (b - 1u) : 0u;
    for (u32 i = first; i <= e && i < b; i++) {
        fr_load(x, a + (u64)i * FR_LIMBS);
        fr_mont_mul_global(t, x, c + (u64)(e - i) * FR_LIMBS);
        fr_add(acc, acc, t);
    }
    if (e >= b) {
        fr_load(x, a + (u64)(e - b) * FR_LIMBS);
        fr_load(t, c + (u64)(e - b) * FR_LIMBS);
        fr_add(x, x, t);
        fr_add(acc, acc, x);
    }
    fr_store(out + (u64)k * FR_LIMBS, acc);
}

/* Rows 2p / 2p+1 of b values -> rows p of 2b values in fa / fc, zero-padded. n = total outputs. */
KERNEL void split_pairs_padded(const GLOBAL u32* src, GLOBAL u32* fa, GLOBAL u32* fc, u32 n, u32 b)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    u32 p = k / (2u * b);
    u32 i = k - p * 2u * b;
    for (int l = 0; l < FR_LIMBS; l++) {
        fa[(u64)k * FR_LIMBS + l] = i < b ? src[(u64)(2u * p * b + i) * FR_LIMBS + l] : 0u;
        fc[(u64)k * FR_LIMBS + l] = i < b ? src[(u64)(2u * p * b + b + i) * FR_LIMBS + l] : 0u;
    }
}

/* out row p = prod row p * inv_size + X^b (a + c). n = total outputs. */
KERNEL void finish_monic_products(const GLOBAL u32* prod, const GLOBAL u32* src, const GLOBAL u32* inv_size,
                                  GLOBAL u32* out, u32 n, u32 b)
{
    u32 k = GLOBAL_ID();
    if (k >= n) return;
    u32 p = k / (2u * b);
    u32 i = k - p * 2u * b;
    u32 t[FR_LIMBS], x[FR_LIMBS], y[FR_LIMBS];
    fr_load(t, prod + (u64)k * FR_LIMBS);
    fr_mont_mul_global(t, t, inv_size);
    if (i >= b) {
        u32 a = 2u * p * b + i - b;
        fr_load(x, src + (u64)a * FR_LIMBS);
        fr_load(y, src + (u64)(a + b) * FR_LIMBS);
        fr_add(x, x, y);
        fr_add(t, t, x);
    }
    fr_store(out + (u64)k * FR_LIMBS, t);
}
