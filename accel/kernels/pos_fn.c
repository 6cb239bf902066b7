/* fn of the proof-of-space tables 2..7 (pos.md 5): one work item per match slot b * 512 + i.
 *
 * Kept matches (i < match_count[b]) produce the entry at dense position pair_offset[b] + i (the CPU's
 * generation order). Hash input: y_left (K + EXT bits) || meta_left || meta_right, MSB-first and
 * zero-padded to whole bytes, at most 29 bytes for K <= 25, hence one BLAKE3 block. New y = the top
 * K + EXT bits of the hash; new metadata: meta_left || meta_right for tables 2 and 3, the hash bits after
 * y for tables 4..6, none for table 7. Metadata is two u64 per entry (high bits, low 64 bits); the
 * metadata of table 1 is x = the position and is not stored.
 */
#include "blake3.h"
#include "pos.h"

KERNEL void pos_fn(u32 k, u32 table, GLOBAL const u32* parent_y, GLOBAL const u64* parent_meta,
                   GLOBAL const u32* match_left, GLOBAL const u32* match_right, GLOBAL const u32* match_count,
                   GLOBAL const u32* pair_offset, u32 num_pairs,
                   GLOBAL u32* y_out, GLOBAL u64* meta_out, GLOBAL u32* parents_out)
{
    u32 gid = GLOBAL_ID();
    u32 b = gid / POS_MAX_MATCHES;
    u32 i = gid % POS_MAX_MATCHES;
    if (b >= num_pairs || i >= match_count[b]) return;
    u32 src = gid;
    u32 left = match_left[src], right = match_right[src];
    u32 yb = k + POS_PARAM_EXT;
    u32 pm = pos_meta_bits(k, table - 1u);
    u32 mb = pos_meta_bits(k, table);
    u32 nbytes = (yb + 2u * pm + 7u) / 8u;

    u64 meta_hi[2], meta_lo[2];
    if (table == 2u) {
        meta_hi[0] = 0u; meta_lo[0] = left;
        meta_hi[1] = 0u; meta_lo[1] = right;
    } else {
        meta_hi[0] = parent_meta[2u * (u64)left]; meta_lo[0] = parent_meta[2u * (u64)left + 1u];
        meta_hi[1] = parent_meta[2u * (u64)right]; meta_lo[1] = parent_meta[2u * (u64)right + 1u];
    }

    u64 w[5] = {0u, 0u, 0u, 0u, 0u};  /* 256-bit message / hash, MSB-first, plus a guard word */
    pos_put_bits(w, 0u, (u64)parent_y[left], yb);
    u32 pos = yb;
    for (u32 side = 0; side < 2u; side++) {
        if (pm > 64u) {
            pos_put_bits(w, pos, meta_hi[side], pm - 64u);
            pos_put_bits(w, pos + pm - 64u, meta_lo[side], 64u);
        } else {
            pos_put_bits(w, pos, meta_lo[side], pm);
        }
        pos += pm;
    }
    u32 m[16];
    for (u32 j = 0; j < 4u; j++) {
        m[2u * j] = BSWAP32((u32)(w[j] >> 32));
        m[2u * j + 1u] = BSWAP32((u32)w[j]);
    }
    for (u32 j = 8; j < 16u; j++) m[j] = 0u;
    u32 h[8];
    for (u32 j = 0; j < 8u; j++) h[j] = BLAKE3_IV[j];
    blake3_compress(h, m, 0u, nbytes, BLAKE3_CHUNK_START | BLAKE3_CHUNK_END | BLAKE3_ROOT);
    for (u32 j = 0; j < 4u; j++) w[j] = ((u64)BSWAP32(h[2u * j]) << 32) | (u64)BSWAP32(h[2u * j + 1u]);
    w[4] = 0u;

    u32 dst = pair_offset[b] + i;
    y_out[dst] = (u32)(w[0] >> (64u - yb));
    parents_out[2u * (u64)dst] = left;
    parents_out[2u * (u64)dst + 1u] = right;
    if (table == 2u || table == 3u) {
        meta_out[2u * (u64)dst] = meta_lo[0] >> (64u - pm);
        meta_out[2u * (u64)dst + 1u] = (meta_lo[0] << pm) | meta_lo[1];
    } else if (mb > 64u) {
        meta_out[2u * (u64)dst] = pos_get_bits(w, yb, mb - 64u);
        meta_out[2u * (u64)dst + 1u] = pos_get_bits(w, yb + mb - 64u, 64u);
    } else if (mb > 0u) {
        meta_out[2u * (u64)dst] = 0u;
        meta_out[2u * (u64)dst + 1u] = pos_get_bits(w, yb, mb);
    }
}
