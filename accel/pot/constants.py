"""Constants of the proof-of-time primitive (storage_and_time.md section 2.1) and of AES-128
(FIPS-197), from which the tables are derived rather than typed in.

`AES_SBOX` is computed as in FIPS-197 section 5.1.1 (multiplicative inverse in GF(2^8) modulo
x^8 + x^4 + x^3 + x + 1, then the affine transform with constant 0x63); the round constants are the
powers of x in the same field (section 5.2).
"""
from __future__ import annotations

POT_SEED_BYTES = 16  # PotSeed (storage_and_time.md 1)
POT_KEY_BYTES = 16  # PotKey = BLAKE3(seed)[0..16] (2.1)
POT_OUTPUT_BYTES = 16  # PotOutput = checkpoint[7]
POT_CHECKPOINTS = 8  # PotCheckpoints = 8 x 16 B
# prove/verify need iterations % (2 * POT_CHECKPOINTS) == 0: n = iterations / 8 per segment, and n must be even
# so that verification can meet in the middle (n/2 forward, n/2 backward).
POT_ITERATIONS_MULTIPLE = 2 * POT_CHECKPOINTS

AES_BLOCK_BYTES = 16
AES128_ROUNDS = 10
AES128_ROUND_KEYS = AES128_ROUNDS + 1
AES_POLY = 0x11B  # x^8 + x^4 + x^3 + x + 1 (FIPS-197 4.2)
AES_AFFINE_CONSTANT = 0x63  # FIPS-197 5.1.1


def gf_mul(a: int, b: int) -> int:
    """Product in GF(2^8) modulo AES_POLY (FIPS-197 4.2)."""
    result = 0
    while b:
        if b & 1:
            result ^= a
        a <<= 1
        if a & 0x100:
            a ^= AES_POLY
        b >>= 1
    return result


def _gf_inverse(a: int) -> int:
    """a^254 = a^-1 in GF(2^8); 0 maps to 0 (FIPS-197 5.1.1)."""
    result = 1
    for _ in range(254):
        result = gf_mul(result, a)
    return result if a else 0


def _sbox_entry(x: int) -> int:
    b = _gf_inverse(x)
    out = AES_AFFINE_CONSTANT
    for i in range(8):
        bit = ((b >> i) ^ (b >> ((i + 4) % 8)) ^ (b >> ((i + 5) % 8)) ^ (b >> ((i + 6) % 8)) ^ (b >> ((i + 7) % 8))) & 1
        out ^= bit << i
    return out


AES_SBOX: tuple[int, ...] = tuple(_sbox_entry(x) for x in range(256))
AES_INV_SBOX: tuple[int, ...] = tuple(AES_SBOX.index(y) for y in range(256))


def _rcon() -> tuple[int, ...]:
    out, r = [], 1
    for _ in range(AES128_ROUNDS):
        out.append(r)
        r = gf_mul(r, 2)
    return tuple(out)


AES_RCON: tuple[int, ...] = _rcon()  # 01 02 04 08 10 20 40 80 1b 36
