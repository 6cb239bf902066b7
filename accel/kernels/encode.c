/* Record encoding on the device (storage_and_time.md 6.2): the steps of a record after its PoS table,
 * proofs and erasure extension, so that only the 1 MiB result and the 8 KiB bitfield leave the device.
 *
 *   encode_load_record   2^15 big-endian scalars -> little-endian limbs (the erasure input) and a
 *                        "non-canonical scalar seen" flag (value >= r)
 *   encode_mask          per s-bucket s: chunk(s) = record chunk s/2 (even s) or parity chunk s/2
 *                        (odd s); mask = BLAKE3(proof of challenge s); encodable = proof found and
 *                        chunk XOR mask != 0 (6.2 step 3); writes the masked chunk where encodable,
 *                        the plain chunk elsewhere, and encodable as a u32 (for the prefix sum)
 *   encode_compact       with rank = exclusive prefix sum of encodable: the first 2^15 encodable
 *                        s-buckets go to rows rank (in s order), then the unencoded ones fill the
 *                        remaining rows in s order (6.2 step 4)
 *   encode_bitfield      bit s = encoded(s), little-endian bit order within each byte
 *
 * A chunk is 32 bytes; proofs are 8K bytes each (K a run-time argument, as in pos_prove.c).
 */
#include "blake3.h"
#include "fr.h"

#define ENCODE_CHUNK_BYTES 32u
#define ENCODE_NUM_CHUNKS 32768u     /* chunks of a record (2^15) */
#define ENCODE_NUM_S_BUCKETS 65536u  /* s-buckets after the erasure extension (2^16) */

/* Byte j (big-endian order) of an element given as 8 little-endian u32 limbs. */
DEVICE_FN u8 encode_limb_byte(GLOBAL const u32* limbs, u32 j)
{
    u32 b = 31u - j;  /* little-endian byte index */
    return (u8)(limbs[b >> 2] >> (8u * (b & 3u)));
}

KERNEL void encode_load_record(GLOBAL const u8* record, GLOBAL u32* limbs, GLOBAL u32* status)
{
    u32 i = GLOBAL_ID();
    if (i >= ENCODE_NUM_CHUNKS) return;
    GLOBAL const u8* c = record + (u64)i * ENCODE_CHUNK_BYTES;
    u32 w[FR_LIMBS];
    for (u32 l = 0; l < FR_LIMBS; l++) {
        u32 o = 28u - 4u * l;  /* limb l (little-endian) is big-endian bytes o..o+3 */
        w[l] = ((u32)c[o] << 24) | ((u32)c[o + 1u] << 16) | ((u32)c[o + 2u] << 8) | (u32)c[o + 3u];
        limbs[(u64)i * FR_LIMBS + l] = w[l];
    }
    /* canonical: value < r, compared from the most significant limb */
    u32 less = 0u, decided = 0u;
    for (u32 l = FR_LIMBS; l-- > 0u;) {
        if (!decided && w[l] != FR_MODULUS[l]) {
            less = w[l] < FR_MODULUS[l];
            decided = 1u;
        }
    }
    if (!less) status[0] = 1u;  /* every writer stores the same value */
}

KERNEL void encode_mask(GLOBAL const u8* record, GLOBAL const u32* parity, GLOBAL const u8* proofs,
                        GLOBAL const u8* found, u32 k, GLOBAL u8* chunks, GLOBAL u32* encodable)
{
    u32 s = GLOBAL_ID();
    if (s >= ENCODE_NUM_S_BUCKETS) return;
    u32 i = s >> 1;
    u8 plain[ENCODE_CHUNK_BYTES];
    if ((s & 1u) == 0u) {
        for (u32 j = 0; j < ENCODE_CHUNK_BYTES; j++) plain[j] = record[(u64)i * ENCODE_CHUNK_BYTES + j];
    } else {
        for (u32 j = 0; j < ENCODE_CHUNK_BYTES; j++) plain[j] = encode_limb_byte(parity + (u64)i * FR_LIMBS, j);
    }
    GLOBAL u8* out = chunks + (u64)s * ENCODE_CHUNK_BYTES;
    u32 ok = 0u;
    if (found[s]) {
        u32 key[8];
        for (int w = 0; w < 8; w++) key[w] = BLAKE3_IV[w];
        u32 h[8];
        blake3_hash_chunk(proofs + (u64)s * 8u * k, 8u * k, key, 0u, h);
        u8 masked[ENCODE_CHUNK_BYTES];
        u32 any = 0u;
        for (u32 j = 0; j < ENCODE_CHUNK_BYTES; j++) {
            masked[j] = plain[j] ^ (u8)(h[j >> 2] >> (8u * (j & 3u)));
            any |= masked[j];
        }
        if (any != 0u) {
            ok = 1u;
            for (u32 j = 0; j < ENCODE_CHUNK_BYTES; j++) out[j] = masked[j];
        }
    }
    if (!ok) {
        for (u32 j = 0; j < ENCODE_CHUNK_BYTES; j++) out[j] = plain[j];
    }
    encodable[s] = ok;
}

/* rank: ENCODE_NUM_S_BUCKETS + 1 exclusive prefix sums of encodable (rank[65536] = total encodable). */
KERNEL void encode_compact(GLOBAL const u8* chunks, GLOBAL const u32* encodable, GLOBAL const u32* rank,
                           GLOBAL u8* out)
{
    u32 s = GLOBAL_ID();
    if (s >= ENCODE_NUM_S_BUCKETS) return;
    u32 total = rank[ENCODE_NUM_S_BUCKETS];
    u32 num_encoded = total < ENCODE_NUM_CHUNKS ? total : ENCODE_NUM_CHUNKS;
    u32 before = rank[s] < ENCODE_NUM_CHUNKS ? rank[s] : ENCODE_NUM_CHUNKS;  /* encoded s-buckets below s */
    u32 row;
    if (encodable[s] && rank[s] < ENCODE_NUM_CHUNKS) {
        row = rank[s];
    } else {
        row = num_encoded + (s - before);  /* s - before: unencoded s-buckets below s */
        if (row >= ENCODE_NUM_CHUNKS) return;
    }
    for (u32 j = 0; j < ENCODE_CHUNK_BYTES; j++)
        out[(u64)row * ENCODE_CHUNK_BYTES + j] = chunks[(u64)s * ENCODE_CHUNK_BYTES + j];
}

KERNEL void encode_bitfield(GLOBAL const u32* encodable, GLOBAL const u32* rank, GLOBAL u8* bitfield)
{
    u32 b = GLOBAL_ID();
    if (b >= ENCODE_NUM_S_BUCKETS / 8u) return;
    u32 byte = 0u;
    for (u32 t = 0; t < 8u; t++) {
        u32 s = b * 8u + t;
        if (encodable[s] && rank[s] < ENCODE_NUM_CHUNKS) byte |= 1u << t;
    }
    bitfield[b] = (u8)byte;
}
