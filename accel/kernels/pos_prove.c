/* The proof-of-space prover (pos.md 6): one work item per challenge index, many in one launch.
 *
 * first_k = the challenge's u32 written little-endian, read big-endian, top K bits. The first table-7
 * entry in bucket order ((y, position) ascending) with y >> EXT == first_k is found by binary search,
 * expanded depth-first (left before right) through the parent pairs of tables 7..2 into 64 x values,
 * and packed MSB-first into 8K bytes. found[c] = 0 (and a zero proof) when there is none.
 */
#include "pos.h"

KERNEL void pos_prove(u32 k, GLOBAL const u32* challenges, u32 n,
                      GLOBAL const u32* t7_sorted_y, GLOBAL const u32* t7_sorted_pos, u32 t7_size,
                      GLOBAL const u32* p2, GLOBAL const u32* p3, GLOBAL const u32* p4,
                      GLOBAL const u32* p5, GLOBAL const u32* p6, GLOBAL const u32* p7,
                      GLOBAL u8* proofs, GLOBAL u8* found)
{
    u32 c = GLOBAL_ID();
    if (c >= n) return;
    u32 nbytes = 8u * k;
    GLOBAL u8* proof = proofs + (u64)c * nbytes;
    u32 fk = pos_first_k(challenges[c], k);
    u32 target = fk << POS_PARAM_EXT;
    u32 lo = 0u, hi = t7_size;
    while (lo < hi) {
        u32 mid = (lo + hi) >> 1;
        if (t7_sorted_y[mid] < target) lo = mid + 1u; else hi = mid;
    }
    if (lo >= t7_size || (t7_sorted_y[lo] >> POS_PARAM_EXT) != fk) {
        found[c] = 0u;
        for (u32 j = 0; j < nbytes; j++) proof[j] = 0u;
        return;
    }
    found[c] = 1u;
    u32 positions[64];
    positions[0] = t7_sorted_pos[lo];
    u32 width = 1u;
    for (u32 t = 7u; t >= 2u; t--) {
        GLOBAL const u32* parents = t == 7u ? p7 : t == 6u ? p6 : t == 5u ? p5 : t == 4u ? p4 : t == 3u ? p3 : p2;
        for (u32 j = width; j-- > 0u;) {  /* expand in place from the end: left before right */
            u32 p = positions[j];
            positions[2u * j] = parents[2u * (u64)p];
            positions[2u * j + 1u] = parents[2u * (u64)p + 1u];
        }
        width *= 2u;
    }
    u64 acc = 0u;
    u32 nacc = 0u, out = 0u;
    for (u32 j = 0; j < 64u; j++) {
        acc = (acc << k) | positions[j];
        nacc += k;
        while (nacc >= 8u) {
            proof[out++] = (u8)(acc >> (nacc - 8u));
            nacc -= 8u;
        }
    }
}
