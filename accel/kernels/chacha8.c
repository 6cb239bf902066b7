/* Batched ChaCha8 keystream: one work item per (seed, block).
 * keys: num_keys x 8 little-endian words; out: num_keys x num_blocks x 16 words, block b of key k
 * uses counter counter0 + b. */
#include "chacha8.h"

KERNEL void chacha8_keystream(GLOBAL const u32* keys, GLOBAL u32* out, u32 num_keys, u32 num_blocks,
                              u32 counter0)
{
    u32 gid = GLOBAL_ID();
    if (gid >= num_keys * num_blocks) return;
    u32 k = gid / num_blocks;
    u32 b = gid - k * num_blocks;
    u32 key[8];
    for (int i = 0; i < 8; i++) key[i] = keys[k * 8u + i];
    u32 block[CHACHA_BLOCK_WORDS];
    chacha8_block(key, counter0 + b, block);
    GLOBAL u32* dst = out + (u64)gid * CHACHA_BLOCK_WORDS;
    for (int i = 0; i < CHACHA_BLOCK_WORDS; i++) dst[i] = block[i];
}
