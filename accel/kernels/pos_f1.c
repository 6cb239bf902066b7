/* Table 1 of the proof-of-space tables (pos.md 2): the ChaCha8 keystream of the seed, then y of every x.
 *
 * pos_keystream: one work item per 64-byte block (counter = block index, zero nonce); words stay
 *   little-endian as the stream's bytes are laid out.
 * pos_f1: one work item per x: the two 32-bit stream words holding bits [K*x, K*x + K) read big-endian,
 *   K bits extracted, the top EXT bits of x appended.
 */
#include "chacha8.h"
#include "pos.h"

KERNEL void pos_keystream(GLOBAL const u32* seed_words, GLOBAL u32* stream, u32 num_blocks)
{
    u32 gid = GLOBAL_ID();
    if (gid >= num_blocks) return;
    u32 key[8];
    for (int i = 0; i < 8; i++) key[i] = seed_words[i];
    u32 block[CHACHA_BLOCK_WORDS];
    chacha8_block(key, gid, block);
    GLOBAL u32* dst = stream + (u64)gid * CHACHA_BLOCK_WORDS;
    for (int i = 0; i < CHACHA_BLOCK_WORDS; i++) dst[i] = block[i];
}

KERNEL void pos_f1(GLOBAL const u32* stream, GLOBAL u32* y_out, u32 k)
{
    u32 x = GLOBAL_ID();
    if (x >= (1u << k)) return;
    u64 bit = (u64)x * k;
    u64 w = bit >> 5;
    u32 o = (u32)(bit & 31u);
    u32 yb = k + POS_PARAM_EXT;
    u64 v = ((u64)BSWAP32(stream[w]) << 32) | (u64)BSWAP32(stream[w + 1u]);
    u64 mask = (((u64)1 << yb) - 1u) ^ (((u64)1 << POS_PARAM_EXT) - 1u);
    y_out[x] = (u32)(((v >> (64u - yb - o)) & mask) | (u64)(x >> (k - POS_PARAM_EXT)));
}
