/* Multi-scalar multiplication on G1 of BLS12-381: Pippenger with signed c-bit windows and bucket
 * accumulation (storage_and_time.md section 3; driven by accel/kzg/gpu.py, which documents the
 * choice of c and of the task and segment sizes).
 *
 * Scalars: 8 little-endian 32-bit limbs each (< r < 2^255). Bases: affine Montgomery (x, y), 24 words,
 * resident on the device, never the identity (the driver zeroes the scalars of identity bases). With
 * W = ceil(256 / c) windows and B = 2^(c-1) buckets per window, signed digits d in [-2^(c-1), 2^(c-1)]
 * are formed with a carry between windows (W c >= 256 > 255 bits, so the top window never carries
 * out); |d| selects bucket |d|-1 and the sign negates the base.
 *   1. msm_digits:        one item per scalar: digits, and an atomic count per (window, bucket)
 *   (host: exclusive prefix sum of the counts -> bucket offsets; each bucket is cut into tasks of at
 *    most T entries, so that one crowded bucket (equal or structured scalars) does not serialise the
 *    whole launch on one work item)
 *   2. msm_scatter:       one item per scalar: point index (| sign << 31) into its buckets' slots
 *   3. msm_task_sums:     one item per task: sum of its points (mixed XYZZ additions)
 *   4. msm_bucket_sums:   one item per (window, bucket): sum of the bucket's task sums
 *   5. msm_segment_sums:  one item per (window, segment of L buckets): sum_k (k + 1) B_k over the segment
 *                         by running sums from the top, plus (first bucket index) * (segment total)
 *   6. msm_window_sums:   one item per window: sum of its segments
 *   7. msm_combine:       one item: Horner over windows, result = sum_w 2^(c w) S_w
 */
#include "g1.h"

#define MSM_SCALAR_WORDS 8
#define MSM_SIGN_BIT 0x80000000u

DEVICE_FN u32 msm_window_bits(GLOBAL const u32* scalar, u32 offset, u32 c)
{
    u32 limb = offset >> 5, shift = offset & 31u;
    if (limb >= MSM_SCALAR_WORDS) return 0u;
    u32 v = scalar[limb] >> shift;
    if (shift + c > 32u && limb + 1u < MSM_SCALAR_WORDS) v |= scalar[limb + 1u] << (32u - shift);
    return v & ((1u << c) - 1u);
}

KERNEL void msm_digits(GLOBAL const u32* scalars, u32 n, u32 c, u32 windows, GLOBAL u32* counts,
                       GLOBAL u32* digits)
{
    u32 gid = GLOBAL_ID();
    if (gid >= n) return;
    GLOBAL const u32* scalar = scalars + (u64)gid * MSM_SCALAR_WORDS;
    u32 buckets = 1u << (c - 1u), carry = 0u;  /* buckets = 2^(c-1), the largest digit magnitude */
    for (u32 w = 0; w < windows; w++) {
        u32 raw = msm_window_bits(scalar, w * c, c) + carry;
        u32 digit = 0u;
        if (raw > buckets) { digit = ((1u << c) - raw) | MSM_SIGN_BIT; carry = 1u; }
        else { digit = raw; carry = 0u; }
        digits[(u64)w * n + gid] = digit;
        if (digit & ~MSM_SIGN_BIT) ATOMIC_ADD_U32(&counts[w * buckets + (digit & ~MSM_SIGN_BIT) - 1u], 1u);
    }
}

KERNEL void msm_scatter(GLOBAL const u32* digits, u32 n, u32 c, u32 windows, GLOBAL u32* cursors,
                        GLOBAL u32* entries)
{
    u32 gid = GLOBAL_ID();
    if (gid >= n) return;
    u32 buckets = 1u << (c - 1u);
    for (u32 w = 0; w < windows; w++) {
        u32 digit = digits[(u64)w * n + gid];
        u32 magnitude = digit & ~MSM_SIGN_BIT;
        if (magnitude == 0u) continue;
        u32 slot = ATOMIC_ADD_U32(&cursors[w * buckets + magnitude - 1u], 1u);
        entries[slot] = gid | (digit & MSM_SIGN_BIT);
    }
}

KERNEL void msm_task_sums(GLOBAL const u32* bases, GLOBAL const u32* entries, GLOBAL const u32* task_starts,
                          GLOBAL const u32* task_counts, u32 tasks, GLOBAL u32* task_sums)
{
    u32 gid = GLOBAL_ID();
    if (gid >= tasks) return;
    g1_xyzz acc;
    g1_set_identity(&acc);
    u32 start = task_starts[gid], end = start + task_counts[gid];
    u32 x[FP_LIMBS], y[FP_LIMBS];
    for (u32 k = start; k < end; k++) {
        u32 e = entries[k];
        GLOBAL const u32* base = bases + (u64)(e & ~MSM_SIGN_BIT) * G1_AFFINE_WORDS;
        for (int i = 0; i < FP_LIMBS; i++) { x[i] = base[i]; y[i] = base[FP_LIMBS + i]; }
        if (e & MSM_SIGN_BIT) fp_neg(y, y);
        g1_add_affine(&acc, x, y);
    }
    g1_store(task_sums + (u64)gid * G1_XYZZ_WORDS, &acc);
}

/* task_firsts[b] .. task_firsts[b + 1] are the tasks of bucket b (none for an empty bucket). */
KERNEL void msm_bucket_sums(GLOBAL const u32* task_sums, GLOBAL const u32* task_firsts, u32 total_buckets,
                            GLOBAL u32* bucket_sums)
{
    u32 gid = GLOBAL_ID();
    if (gid >= total_buckets) return;
    g1_xyzz acc, t;
    g1_set_identity(&acc);
    for (u32 k = task_firsts[gid]; k < task_firsts[gid + 1u]; k++) {
        g1_load(&t, task_sums + (u64)k * G1_XYZZ_WORDS);
        g1_add(&acc, &t);
    }
    g1_store(bucket_sums + (u64)gid * G1_XYZZ_WORDS, &acc);
}

KERNEL void msm_segment_sums(GLOBAL const u32* bucket_sums, u32 c, u32 windows, u32 segments,
                             GLOBAL u32* segment_sums)
{
    u32 gid = GLOBAL_ID();
    if (gid >= windows * segments) return;
    u32 buckets = 1u << (c - 1u);
    u32 w = gid / segments, s = gid - w * segments;
    u32 length = buckets / segments, first = s * length;
    g1_xyzz running, acc, b;
    g1_set_identity(&running);
    g1_set_identity(&acc);
    for (u32 k = first + length; k-- > first;) {
        g1_load(&b, bucket_sums + ((u64)w * buckets + k) * G1_XYZZ_WORDS);
        g1_add(&running, &b);
        g1_add(&acc, &running);       /* acc = sum (k - first + 1) B_k */
    }
    g1_mul_u32(&running, first);      /* + first * sum B_k gives weights k + 1 */
    g1_add(&acc, &running);
    g1_store(segment_sums + (u64)gid * G1_XYZZ_WORDS, &acc);
}

KERNEL void msm_window_sums(GLOBAL const u32* segment_sums, u32 windows, u32 segments, GLOBAL u32* window_sums)
{
    u32 gid = GLOBAL_ID();
    if (gid >= windows) return;
    g1_xyzz acc, s;
    g1_set_identity(&acc);
    for (u32 k = 0; k < segments; k++) {
        g1_load(&s, segment_sums + ((u64)gid * segments + k) * G1_XYZZ_WORDS);
        g1_add(&acc, &s);
    }
    g1_store(window_sums + (u64)gid * G1_XYZZ_WORDS, &acc);
}

KERNEL void msm_combine(GLOBAL const u32* window_sums, u32 c, u32 windows, GLOBAL u32* out, u32 n)
{
    if (GLOBAL_ID() >= n) return;
    g1_xyzz acc, s;
    g1_set_identity(&acc);
    for (u32 w = windows; w-- > 0;) {
        for (u32 i = 0; i < c; i++) g1_double(&acc);
        g1_load(&s, window_sums + (u64)w * G1_XYZZ_WORDS);
        g1_add(&acc, &s);
    }
    g1_store(out, &acc);
}
