/* ChaCha8 block function (RFC 8439 structure with 8 rounds = 4 double rounds).
 * Key: 8 little-endian words; nonce: all zero (the proof-of-space f1 stream, pos.md section 2);
 * 32-bit block counter. Output: the 16 keystream words of one 64-byte block, little-endian.
 */
#ifndef CHACHA8_H
#define CHACHA8_H

#define CHACHA8_DOUBLE_ROUNDS 4
#define CHACHA_BLOCK_WORDS 16

/* "expand 32-byte k" as four little-endian words. */
#define CHACHA_SIGMA0 0x61707865u
#define CHACHA_SIGMA1 0x3320646eu
#define CHACHA_SIGMA2 0x79622d32u
#define CHACHA_SIGMA3 0x6b206574u

#define CHACHA_QR(a, b, c, d)              \
    a += b; d ^= a; d = ROTL32(d, 16);     \
    c += d; b ^= c; b = ROTL32(b, 12);     \
    a += b; d ^= a; d = ROTL32(d, 8);      \
    c += d; b ^= c; b = ROTL32(b, 7)

DEVICE_FN void chacha8_block(const u32 key[8], u32 counter, u32 out[CHACHA_BLOCK_WORDS])
{
    u32 x0 = CHACHA_SIGMA0, x1 = CHACHA_SIGMA1, x2 = CHACHA_SIGMA2, x3 = CHACHA_SIGMA3;
    u32 x4 = key[0], x5 = key[1], x6 = key[2], x7 = key[3];
    u32 x8 = key[4], x9 = key[5], x10 = key[6], x11 = key[7];
    u32 x12 = counter, x13 = 0u, x14 = 0u, x15 = 0u;
    for (int i = 0; i < CHACHA8_DOUBLE_ROUNDS; i++) {
        CHACHA_QR(x0, x4, x8, x12);
        CHACHA_QR(x1, x5, x9, x13);
        CHACHA_QR(x2, x6, x10, x14);
        CHACHA_QR(x3, x7, x11, x15);
        CHACHA_QR(x0, x5, x10, x15);
        CHACHA_QR(x1, x6, x11, x12);
        CHACHA_QR(x2, x7, x8, x13);
        CHACHA_QR(x3, x4, x9, x14);
    }
    out[0] = x0 + CHACHA_SIGMA0; out[1] = x1 + CHACHA_SIGMA1;
    out[2] = x2 + CHACHA_SIGMA2; out[3] = x3 + CHACHA_SIGMA3;
    out[4] = x4 + key[0]; out[5] = x5 + key[1]; out[6] = x6 + key[2]; out[7] = x7 + key[3];
    out[8] = x8 + key[4]; out[9] = x9 + key[5]; out[10] = x10 + key[6]; out[11] = x11 + key[7];
    out[12] = x12 + counter; out[13] = x13; out[14] = x14; out[15] = x15;
}

#endif /* CHACHA8_H */
