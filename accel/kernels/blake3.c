/* Batched BLAKE3 of messages up to 1024 bytes, plain or keyed: one work item per message.
 * data: all messages concatenated; offsets/lengths: byte ranges per message;
 * keys: num_keys x 8 words, num_keys = 0 (plain hash), 1 (one key for all) or n (a key per message);
 * out: n x 8 words (the 32-byte hashes, little-endian words = the hash bytes in order). */
#include "blake3.h"

KERNEL void blake3_hash_many(GLOBAL const u8* data, GLOBAL const u32* offsets, GLOBAL const u32* lengths,
                             GLOBAL const u32* keys, u32 num_keys, GLOBAL u32* out, u32 n)
{
    u32 gid = GLOBAL_ID();
    if (gid >= n) return;
    u32 key[8];
    u32 mode = 0u;
    if (num_keys == 0u) {
        for (int i = 0; i < 8; i++) key[i] = BLAKE3_IV[i];
    } else {
        u32 k = num_keys == 1u ? 0u : gid;
        for (int i = 0; i < 8; i++) key[i] = keys[k * 8u + i];
        mode = BLAKE3_KEYED_HASH;
    }
    u32 h[8];
    blake3_hash_chunk(data + offsets[gid], lengths[gid], key, mode, h);
    for (int i = 0; i < 8; i++) out[gid * 8u + i] = h[i];
}
