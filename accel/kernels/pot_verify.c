/* Proof-of-time verification of many slots at once (storage_and_time.md 2.1): one work item per
 * chain. A slot has 16 independent chains of n/2 AES-128 steps (segment k: encrypt input_k forward,
 * decrypt checkpoint_k backward); the host compares the two ends of each segment.
 *
 * Chains are laid out forward first, then backward, so that a warp / SIMD group runs one direction:
 *   chain c < num_slots * 8:  forward,  slot = c / 8
 *   chain c >= num_slots * 8: backward, slot = (c - num_slots * 8) / 8
 * enc_keys / dec_keys: num_slots x 44 words (host-expanded; dec in equivalent-inverse-cipher order);
 * states: 2 * num_slots * 8 x 4 big-endian words, updated in place; halves: n/2 per slot. */
#include "aes128.h"

#define POT_SEGMENTS 8u

KERNEL void pot_verify_chains(GLOBAL const u32* enc_keys, GLOBAL const u32* dec_keys, GLOBAL u32* states,
                              GLOBAL const u32* halves, u32 num_slots)
{
    LOCAL_MEM aes_tables tables;
    aes128_load_tables(&tables);  /* before the bounds check: every item takes part in the barrier */
    u32 gid = GLOBAL_ID();
    u32 forward_chains = num_slots * POT_SEGMENTS;
    if (gid >= 2u * forward_chains) return;
    int backward = gid >= forward_chains;
    u32 slot = (backward ? gid - forward_chains : gid) / POT_SEGMENTS;
    GLOBAL const u32* keys = (backward ? dec_keys : enc_keys) + slot * AES128_KEY_WORDS;
    u32 rk[AES128_KEY_WORDS];
    for (int i = 0; i < AES128_KEY_WORDS; i++) rk[i] = keys[i];
    u32 s[4];
    for (int i = 0; i < 4; i++) s[i] = states[gid * 4u + i];
    u32 steps = halves[slot];
    if (backward) {
        for (u32 i = 0; i < steps; i++) aes128_decrypt_block(s, rk, &tables);
    } else {
        for (u32 i = 0; i < steps; i++) aes128_encrypt_block(s, rk, &tables);
    }
    for (int i = 0; i < 4; i++) states[gid * 4u + i] = s[i];
}
