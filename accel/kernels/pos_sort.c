/* Bucket order of a proof-of-space table (pos.md 3): entries grouped by bucket = y / BC, at most
 * POS_MAX_BUCKET_SIZE kept per bucket (the smallest positions, i.e. the first inserted), each bucket
 * sorted by (y, position). Deterministic although the scatter uses atomics: the kept set is chosen by
 * position rank and the final order by (y, position) rank, both independent of scatter order.
 *
 * Host sequence per table (n entries, nb buckets):
 *   pos_zero(counts, nb); pos_histogram(y, n, counts);
 *   pos_exclusive_scan(counts, nb, all_start, ~0)      -> where each bucket's entries land in `keys`
 *   pos_exclusive_scan(counts, nb, kept_start, 512)    -> the bucket boundaries of the sorted table
 *   pos_zero(counts, nb); pos_scatter(y, n, all_start, counts, keys);
 *   pos_sort_buckets(keys, all_start, kept_start, nb, sorted_y, sorted_pos)   one group per bucket
 */
#include "pos.h"

#define POS_SCAN_GROUP 256u

KERNEL void pos_zero(GLOBAL u32* a, u32 n)
{
    u32 gid = GLOBAL_ID();
    if (gid < n) a[gid] = 0u;
}

KERNEL void pos_histogram(GLOBAL const u32* y, u32 n, GLOBAL u32* counts)
{
    u32 gid = GLOBAL_ID();
    if (gid < n) ATOMIC_ADD_U32(&counts[y[gid] / POS_PARAM_BC], 1u);
}

/* out[0] = 0, out[i + 1] = out[i] + min(in[i], cap) for i < n; launched as one group of (at most)
 * POS_SCAN_GROUP work items; a smaller group (a device limit) still gives the same result. */
KERNEL void pos_exclusive_scan(GLOBAL const u32* in, u32 n, GLOBAL u32* out, u32 cap)
{
    LOCAL_MEM u32 partial[POS_SCAN_GROUP];
    if (GROUP_ID() != 0u) return;  /* whole group */
    u32 lid = LOCAL_ID();
    u32 threads = LOCAL_SIZE() < POS_SCAN_GROUP ? LOCAL_SIZE() : POS_SCAN_GROUP;
    u32 per = (n + threads - 1u) / threads;
    u32 lo = lid < threads ? lid * per : n;  /* work items beyond POS_SCAN_GROUP get no range */
    if (lo > n) lo = n;
    u32 hi = lo + per < n ? lo + per : n;
    u32 sum = 0u;
    for (u32 i = lo; i < hi; i++) sum += in[i] < cap ? in[i] : cap;
    if (lid < threads) partial[lid] = sum;
    LOCAL_BARRIER();
    if (lid == 0u) {
        u32 acc = 0u;
        for (u32 i = 0; i < threads; i++) {
            u32 v = partial[i];
            partial[i] = acc;
            acc += v;
        }
    }
    LOCAL_BARRIER();
    u32 acc = lid < threads ? partial[lid] : 0u;
    if (lid == 0u) out[0] = 0u;
    for (u32 i = lo; i < hi; i++) {
        acc += in[i] < cap ? in[i] : cap;
        out[i + 1u] = acc;
    }
}

/* keys[all_start[b] + slot] = y << 32 | position, slot from an atomic cursor per bucket (any order). */
KERNEL void pos_scatter(GLOBAL const u32* y, u32 n, GLOBAL const u32* all_start, GLOBAL u32* cursor,
                        GLOBAL u64* keys)
{
    u32 gid = GLOBAL_ID();
    if (gid >= n) return;
    u32 v = y[gid];
    u32 b = v / POS_PARAM_BC;
    u32 slot = ATOMIC_ADD_U32(&cursor[b], 1u);
    keys[all_start[b] + slot] = ((u64)v << 32) | gid;
}

/* One group per bucket: keep the POS_MAX_BUCKET_SIZE smallest positions, then place each kept entry at
 * its (y, position) rank. Keys are unique (positions are), so ranks are a permutation. */
KERNEL void pos_sort_buckets(GLOBAL const u64* keys, GLOBAL const u32* all_start, GLOBAL const u32* kept_start,
                             u32 num_buckets, GLOBAL u32* sorted_y, GLOBAL u32* sorted_pos)
{
    LOCAL_MEM u64 kept[POS_MAX_BUCKET_SIZE];
    u32 b = GROUP_ID();
    if (b >= num_buckets) return;  /* whole group: no barrier is skipped by part of it */
    u32 lid = LOCAL_ID();
    u32 lsz = LOCAL_SIZE();
    u32 start = all_start[b];
    u32 count = all_start[b + 1u] - start;
    u32 nkept = count < POS_MAX_BUCKET_SIZE ? count : POS_MAX_BUCKET_SIZE;
    if (count <= POS_MAX_BUCKET_SIZE) {
        for (u32 i = lid; i < count; i += lsz) kept[i] = keys[start + i];
    } else {  /* overflow (rare): rank by position among all entries of the bucket */
        for (u32 i = lid; i < count; i += lsz) {
            u64 key = keys[start + i];
            u32 pos = (u32)key;
            u32 rank = 0u;
            for (u32 j = 0; j < count; j++) rank += (u32)keys[start + j] < pos ? 1u : 0u;
            if (rank < POS_MAX_BUCKET_SIZE) kept[rank] = key;
        }
    }
    LOCAL_BARRIER();
    u32 out = kept_start[b];
    for (u32 i = lid; i < nkept; i += lsz) {
        u64 key = kept[i];
        u32 rank = 0u;
        for (u32 j = 0; j < nkept; j++) rank += kept[j] < key ? 1u : 0u;
        sorted_y[out + rank] = (u32)(key >> 32);
        sorted_pos[out + rank] = (u32)key;
    }
}
