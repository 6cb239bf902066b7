/* Matching of adjacent buckets of a proof-of-space table (pos.md 4), in the CPU's enumeration order.
 *
 * One group of POS_GROUP_SIZE work items per bucket pair (b, b + 1). The right bucket's r values
 * (y - (b + 1) * BC, ascending since the bucket is in (y, position) order) go to local memory with a
 * bitmap of the r values present. Each left entry (bucket order) counts its matches over its 64
 * targets, an exclusive scan of the counts gives every left entry its first output slot, and a second
 * pass writes the matches there: left entries in bucket order, targets ascending, every right entry
 * with r == target in bucket order. Slots >= POS_MAX_MATCHES are dropped, i.e. the first 512 matches
 * are kept, exactly as on the CPU.
 *
 * Outputs: match_left/right[b * 512 + i] = parent positions, match_count[b] = kept matches.
 */
#include "pos.h"

/* (2m + parity)^2 mod C for parity 0 (first 64) and 1 (next 64). */
DEVICE_FN u32 pos_square_mod_c(u32 m, u32 parity)
{
    u32 v = 2u * m + parity;
    return (v * v) % POS_PARAM_C;
}

/* Target number `mm` (0..63) in ascending order for a left r: rows (r / C + m) mod B are distinct and
 * ascending from the m where the row wraps, so ascending targets are m = first_m, first_m + 1, ... (mod 64). */
DEVICE_FN u32 pos_target(u32 r_left, u32 parity, u32 first_m, u32 mm)
{
    u32 m = (first_m + mm) & (POS_PARAM_M - 1u);
    u32 row = r_left / POS_PARAM_C + m;
    if (row >= POS_PARAM_B) row -= POS_PARAM_B;
    u32 col = pos_square_mod_c(m, parity) + r_left % POS_PARAM_C;
    if (col >= POS_PARAM_C) col -= POS_PARAM_C;
    return row * POS_PARAM_C + col;
}

DEVICE_FN u32 pos_first_m(u32 r_left)
{
    u32 wrap = POS_PARAM_B - r_left / POS_PARAM_C;  /* m >= wrap gives the smallest rows */
    return wrap < POS_PARAM_M ? wrap : 0u;
}

KERNEL void pos_match(GLOBAL const u32* sorted_y, GLOBAL const u32* sorted_pos, GLOBAL const u32* bucket_start,
                      u32 num_pairs, GLOBAL u32* match_left, GLOBAL u32* match_right, GLOBAL u32* match_count)
{
    LOCAL_MEM u32 right_r[POS_MAX_BUCKET_SIZE];
    LOCAL_MEM u32 present[POS_R_BITMAP_WORDS];
    LOCAL_MEM u32 first_slot[POS_MAX_BUCKET_SIZE];
    u32 b = GROUP_ID();
    if (b >= num_pairs) return;  /* whole group */
    u32 lid = LOCAL_ID();
    u32 lsz = LOCAL_SIZE();
    u32 ls = bucket_start[b], rs = bucket_start[b + 1u], re = bucket_start[b + 2u];
    u32 nl = rs - ls, nr = re - rs;
    u32 base_l = b * POS_PARAM_BC, base_r = base_l + POS_PARAM_BC;
    u32 parity = b & 1u;

    for (u32 j = lid; j < POS_R_BITMAP_WORDS; j += lsz) present[j] = 0u;
    LOCAL_BARRIER();
    for (u32 j = lid; j < nr; j += lsz) {
        u32 y = sorted_y[rs + j];
        u32 r = y - base_r;
        right_r[j] = r;
        if (j == 0u || sorted_y[rs + j - 1u] != y)  /* one add per distinct r: an atomic OR */
            ATOMIC_ADD_U32(&present[r >> 5], 1u << (r & 31u));
    }
    LOCAL_BARRIER();

    /* pass 1: matches per left entry */
    for (u32 i = lid; i < nl; i += lsz) {
        u32 r_left = sorted_y[ls + i] - base_l;
        u32 first_m = pos_first_m(r_left);
        u32 count = 0u;
        for (u32 mm = 0; mm < POS_PARAM_M; mm++) {
            u32 t = pos_target(r_left, parity, first_m, mm);
            if (!((present[t >> 5] >> (t & 31u)) & 1u)) continue;
            u32 lo = 0u, hi = nr;  /* first right entry with r >= t */
            while (lo < hi) {
                u32 mid = (lo + hi) >> 1;
                if (right_r[mid] < t) lo = mid + 1u; else hi = mid;
            }
            while (lo < nr && right_r[lo] == t) { count++; lo++; }
        }
        first_slot[i] = count;
    }
    LOCAL_BARRIER();
    if (lid == 0u) {
        u32 acc = 0u;
        for (u32 i = 0; i < nl; i++) {
            u32 c = first_slot[i];
            first_slot[i] = acc;
            acc += c;
        }
        match_count[b] = acc < POS_MAX_MATCHES ? acc : POS_MAX_MATCHES;
    }
    LOCAL_BARRIER();

    /* pass 2: write the matches of every left entry whose first slot is inside the cap */
    u32 out = b * POS_MAX_MATCHES;
    for (u32 i = lid; i < nl; i += lsz) {
        u32 slot = first_slot[i];
        if (slot >= POS_MAX_MATCHES) continue;
        u32 r_left = sorted_y[ls + i] - base_l;
        u32 left_pos = sorted_pos[ls + i];
        u32 first_m = pos_first_m(r_left);
        for (u32 mm = 0; mm < POS_PARAM_M && slot < POS_MAX_MATCHES; mm++) {
            u32 t = pos_target(r_left, parity, first_m, mm);
            if (!((present[t >> 5] >> (t & 31u)) & 1u)) continue;
            u32 lo = 0u, hi = nr;
            while (lo < hi) {
                u32 mid = (lo + hi) >> 1;
                if (right_r[mid] < t) lo = mid + 1u; else hi = mid;
            }
            for (; lo < nr && right_r[lo] == t && slot < POS_MAX_MATCHES; lo++, slot++) {
                match_left[out + slot] = left_pos;
                match_right[out + slot] = sorted_pos[rs + lo];
            }
        }
    }
}
