/* BLAKE3 compression and single-chunk hashing (inputs up to one 1024-byte chunk).
 * From the BLAKE3 specification: 7 rounds of the G mixing function over a 16-word state, message
 * word permutation between rounds, chunk flags CHUNK_START/CHUNK_END/ROOT, keyed mode = KEYED_HASH
 * flag with the key words as the initial chaining value. Output: the 32-byte (8-word) root hash.
 */
#ifndef BLAKE3_H
#define BLAKE3_H

#define BLAKE3_BLOCK_LEN 64u
#define BLAKE3_CHUNK_LEN 1024u
#define BLAKE3_ROUNDS 7

#define BLAKE3_CHUNK_START 1u
#define BLAKE3_CHUNK_END 2u
#define BLAKE3_ROOT 8u
#define BLAKE3_KEYED_HASH 16u

CONSTANT_MEM u32 BLAKE3_IV[8] = {
    0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
    0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u,
};

CONSTANT_MEM u8 BLAKE3_MSG_SCHEDULE[BLAKE3_ROUNDS][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

#define BLAKE3_G(a, b, c, d, mx, my)              \
    a = a + b + (mx); d = ROTR32(d ^ a, 16);      \
    c = c + d;        b = ROTR32(b ^ c, 12);      \
    a = a + b + (my); d = ROTR32(d ^ a, 8);       \
    c = c + d;        b = ROTR32(b ^ c, 7)

/* Compress one 64-byte block m (16 little-endian words) into the chaining value cv (in place). */
DEVICE_FN void blake3_compress(u32 cv[8], const u32 m[16], u64 counter, u32 block_len, u32 flags)
{
    u32 v[16];
    for (int i = 0; i < 8; i++) v[i] = cv[i];
    for (int i = 0; i < 4; i++) v[8 + i] = BLAKE3_IV[i];
    v[12] = (u32)counter;
    v[13] = (u32)(counter >> 32);
    v[14] = block_len;
    v[15] = flags;
    for (int r = 0; r < BLAKE3_ROUNDS; r++) {
        BLAKE3_G(v[0], v[4], v[8], v[12], m[BLAKE3_MSG_SCHEDULE[r][0]], m[BLAKE3_MSG_SCHEDULE[r][1]]);
        BLAKE3_G(v[1], v[5], v[9], v[13], m[BLAKE3_MSG_SCHEDULE[r][2]], m[BLAKE3_MSG_SCHEDULE[r][3]]);
        BLAKE3_G(v[2], v[6], v[10], v[14], m[BLAKE3_MSG_SCHEDULE[r][4]], m[BLAKE3_MSG_SCHEDULE[r][5]]);
        BLAKE3_G(v[3], v[7], v[11], v[15], m[BLAKE3_MSG_SCHEDULE[r][6]], m[BLAKE3_MSG_SCHEDULE[r][7]]);
        BLAKE3_G(v[0], v[5], v[10], v[15], m[BLAKE3_MSG_SCHEDULE[r][8]], m[BLAKE3_MSG_SCHEDULE[r][9]]);
        BLAKE3_G(v[1], v[6], v[11], v[12], m[BLAKE3_MSG_SCHEDULE[r][10]], m[BLAKE3_MSG_SCHEDULE[r][11]]);
        BLAKE3_G(v[2], v[7], v[8], v[13], m[BLAKE3_MSG_SCHEDULE[r][12]], m[BLAKE3_MSG_SCHEDULE[r][13]]);
        BLAKE3_G(v[3], v[4], v[9], v[14], m[BLAKE3_MSG_SCHEDULE[r][14]], m[BLAKE3_MSG_SCHEDULE[r][15]]);
    }
    for (int i = 0; i < 8; i++) cv[i] = v[i] ^ v[i + 8];
}

/* Root hash of a message of `len` <= 1024 bytes in global memory. `key` holds the 8 key words in
 * keyed mode (flags = BLAKE3_KEYED_HASH) or the IV (flags = 0); the 8-word hash goes to `out`. */
DEVICE_FN void blake3_hash_chunk(GLOBAL const u8* data, u32 len, const u32 key[8], u32 mode_flags, u32 out[8])
{
    for (int i = 0; i < 8; i++) out[i] = key[i];
    u32 blocks = len == 0u ? 1u : (len + BLAKE3_BLOCK_LEN - 1u) / BLAKE3_BLOCK_LEN;
    for (u32 b = 0; b < blocks; b++) {
        u32 start = b * BLAKE3_BLOCK_LEN;
        u32 block_len = (b + 1u == blocks) ? len - start : BLAKE3_BLOCK_LEN;
        u32 m[16];
        for (u32 w = 0; w < 16u; w++) {
            u32 word = 0u;
            for (u32 j = 0; j < 4u; j++) {
                u32 pos = w * 4u + j;
                if (pos < block_len) word |= (u32)data[start + pos] << (8u * j);
            }
            m[w] = word;
        }
        u32 flags = mode_flags;
        if (b == 0u) flags |= BLAKE3_CHUNK_START;
        if (b + 1u == blocks) flags |= BLAKE3_CHUNK_END | BLAKE3_ROOT;
        blake3_compress(out, m, 0ul, block_len, flags);
    }
}

#endif /* BLAKE3_H */
