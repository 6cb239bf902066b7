/* Element-wise Fp and G1 operations over arrays: the kernels through which tests check fp.h and g1.h
 * against the plain-Python oracle (accel/kzg/fp.py, accel/kzg/g1.py; tests/accel/kzg/test_msm_gpu.py),
 * one work item per element. Fp elements are 12 words, XYZZ points 48, affine points 24 (g1.h). */
#include "g1.h"

#define FP_OP_MUL 0u
#define FP_OP_ADD 1u
#define FP_OP_SUB 2u
#define FP_OP_NEG 3u

#define G1_OP_ADD 0u         /* p + q (both XYZZ) */
#define G1_OP_ADD_AFFINE 1u  /* p + (affine a) */
#define G1_OP_DOUBLE 2u      /* 2 p */
#define G1_OP_MUL_U32 3u     /* k p */

KERNEL void fp_ops(GLOBAL const u32* a, GLOBAL const u32* b, GLOBAL u32* out, u32 n, u32 op)
{
    u32 gid = GLOBAL_ID();
    if (gid >= n) return;
    u32 x[FP_LIMBS], y[FP_LIMBS], r[FP_LIMBS];
    for (int i = 0; i < FP_LIMBS; i++) { x[i] = a[(u64)gid * FP_LIMBS + i]; y[i] = b[(u64)gid * FP_LIMBS + i]; }
    if (op == FP_OP_MUL) fp_mul(r, x, y);
    else if (op == FP_OP_ADD) fp_add(r, x, y);
    else if (op == FP_OP_SUB) fp_sub(r, x, y);
    else fp_neg(r, x);
    for (int i = 0; i < FP_LIMBS; i++) out[(u64)gid * FP_LIMBS + i] = r[i];
}

KERNEL void g1_ops(GLOBAL const u32* p, GLOBAL const u32* q, GLOBAL const u32* affine, GLOBAL const u32* ks,
                   GLOBAL u32* out, u32 n, u32 op)
{
    u32 gid = GLOBAL_ID();
    if (gid >= n) return;
    g1_xyzz acc, other;
    g1_load(&acc, p + (u64)gid * G1_XYZZ_WORDS);
    if (op == G1_OP_ADD) {
        g1_load(&other, q + (u64)gid * G1_XYZZ_WORDS);
        g1_add(&acc, &other);
    } else if (op == G1_OP_ADD_AFFINE) {
        u32 x[FP_LIMBS], y[FP_LIMBS];
        for (int i = 0; i < FP_LIMBS; i++) {
            x[i] = affine[(u64)gid * G1_AFFINE_WORDS + i];
            y[i] = affine[(u64)gid * G1_AFFINE_WORDS + FP_LIMBS + i];
        }
        g1_add_affine(&acc, x, y);
    } else if (op == G1_OP_DOUBLE) {
        g1_double(&acc);
    } else {
        g1_mul_u32(&acc, ks[gid]);
    }
    g1_store(out + (u64)gid * G1_XYZZ_WORDS, &acc);
}
