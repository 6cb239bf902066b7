"""Constants of the BLS12-381 scalar field Fr and of its radix-2 evaluation domains
(storage_and_time.md sections 1, 3 and 4), each derived in code from the modulus with its formula.

Limb layout used by every fast implementation: little-endian limbs of the canonical integer
(limb 0 least significant); 4 x 64-bit limbs on the CPU (numba), 8 x 32-bit limbs on GPUs.
Montgomery form of x is x * R mod r with R = 2^256 (the same R for both limb widths, so the
two layouts hold the same bits).
"""
from __future__ import annotations

# Fr modulus r (spec section 1, "BLS12-381 scalar field modulus").
MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
SCALAR_BYTES = 32  # canonical encoding: 32 bytes big-endian, value < r (spec section 1)
SAFE_SCALAR_BYTES = 31  # a 31-byte chunk prefixed with 0x00 is always < r

# Radix-2 domains (spec section 3): w_n = GENERATOR^((r-1)/n) for n = 2^k, k <= TWO_ADICITY.
GENERATOR = 7  # rust-kzg SCALE2_ROOT_OF_UNITY base; 7 is a quadratic non-residue, see _check()
TWO_ADICITY = (((MODULUS - 1) & -(MODULUS - 1)).bit_length() - 1)  # largest k with 2^k | r-1 (= 32)

# Coset shift of the zero-polynomial recovery (spec section 4, "coset shift factor 5"). Any element
# outside every 2^k-th root subgroup works; 5^(2^32) != 1 is checked below.
RECOVERY_SHIFT = 5

# Montgomery arithmetic, R = 2^256.
LIMB_BITS = 64
LIMBS = 4
LIMB_BITS_GPU = 32
LIMBS_GPU = 8
MONT_R = (1 << 256) % MODULUS  # Montgomery form of 1
MONT_R2 = (1 << 512) % MODULUS  # to_montgomery(x) = mont_mul(x, R^2)
MONT_INV64 = (-pow(MODULUS, -1, 1 << 64)) % (1 << 64)  # -r^-1 mod 2^64 (= 0xfffffffeffffffff)
MONT_INV32 = (-pow(MODULUS, -1, 1 << 32)) % (1 << 32)  # -r^-1 mod 2^32 (= 0xffffffff)

# The "no final carry" Montgomery multiplication (CIOS without the extra word) is valid because the
# top limb of r is below (2^64 - 1) / 2 - 1 (resp. 2^32); checked below.
MAX_LOG_SIZE = TWO_ADICITY


def limbs(value: int, bits: int = LIMB_BITS, count: int = LIMBS) -> tuple[int, ...]:
    """Little-endian limbs of a non-negative integer."""
    mask = (1 << bits) - 1
    return tuple((value >> (bits * i)) & mask for i in range(count))


MODULUS_LIMBS64 = limbs(MODULUS)
MODULUS_LIMBS32 = limbs(MODULUS, LIMB_BITS_GPU, LIMBS_GPU)
MONT_R_LIMBS64 = limbs(MONT_R)
MONT_R2_LIMBS64 = limbs(MONT_R2)


def _check() -> None:
    assert TWO_ADICITY == 32
    assert pow(GENERATOR, (MODULUS - 1) // 2, MODULUS) == MODULUS - 1  # non-residue: w_n has order exactly n
    assert pow(RECOVERY_SHIFT, 1 << TWO_ADICITY, MODULUS) != 1  # 5 lies in no radix-2 domain
    assert MODULUS_LIMBS64[3] < (2**64 - 1) // 2 - 1 and MODULUS_LIMBS32[7] < (2**32 - 1) // 2 - 1
    assert (MODULUS * -MONT_INV64) % (1 << 64) == 1 and (MODULUS * -MONT_INV32) % (1 << 32) == 1


_check()
