/* Proof-of-space tables (pos.md): constants and bit helpers shared by pos_*.c.
 *
 * The constants are those of accel/plotting/constants.py (a test reads this header and compares);
 * K is a run-time argument of every kernel, so one build serves K = 15..25. Bit strings are
 * MSB-first in u64 words, as in accel/plotting/kernels_cpu.py.
 */
#ifndef POS_H
#define POS_H

#define POS_PARAM_EXT 6u           /* extension bits appended to y (pos.md 1) */
#define POS_PARAM_M 64u            /* match targets per left entry = 2^EXT */
#define POS_PARAM_B 119u
#define POS_PARAM_C 127u
#define POS_PARAM_BC 15113u        /* B * C: bucket width in y space */
#define POS_MAX_BUCKET_SIZE 512u   /* entries kept per bucket: the first inserted (pos.md 3) */
#define POS_MAX_MATCHES 512u       /* matches kept per bucket pair: the first enumerated (pos.md 4) */
#define POS_R_BITMAP_WORDS ((POS_PARAM_BC + 31u) / 32u)  /* one bit per r value of a bucket */
#define POS_GROUP_SIZE 256u        /* work-group size of the per-bucket kernels (host launches with it) */

/* OR the nbits (1..64) low bits of value into the MSB-first bit string w at bit pos. */
DEVICE_FN void pos_put_bits(u64* w, u32 pos, u64 value, u32 nbits)
{
    u32 word = pos >> 6;
    u32 end = (pos & 63u) + nbits;
    if (end <= 64u) {
        w[word] |= value << (64u - end);
    } else {
        w[word] |= value >> (end - 64u);
        w[word + 1u] |= value << (128u - end);
    }
}

/* nbits (1..64) of the MSB-first bit string w starting at bit pos. */
DEVICE_FN u64 pos_get_bits(const u64* w, u32 pos, u32 nbits)
{
    u32 word = pos >> 6;
    u32 off = pos & 63u;
    u64 v = (w[word] << off) >> (64u - nbits);
    if (off + nbits > 64u) v |= w[word + 1u] >> (128u - off - nbits);
    return v;
}

/* Metadata bits stored with table t (1..7) as a multiple of K: K, 2K, 4K, 4K, 3K, 2K, 0 (pos.md 1). */
DEVICE_FN u32 pos_meta_bits(u32 k, u32 table)
{
    switch (table) {
    case 1u: return k;
    case 2u: return 2u * k;
    case 3u: return 4u * k;
    case 4u: return 4u * k;
    case 5u: return 3u * k;
    case 6u: return 2u * k;
    default: return 0u;
    }
}

/* The K-bit challenge prefix: the u32 index written little-endian and read back big-endian (pos.md 6). */
DEVICE_FN u32 pos_first_k(u32 challenge_index, u32 k)
{
    return BSWAP32(challenge_index) >> (32u - k);
}

#endif /* POS_H */
