"""The lookup tables of accel/kernels/aes128.h, derived from the S-box (FIPS-197 5.1.1-5.1.3 and
5.3.1-5.3.3 folded into 32-bit table words, the classic "T-table" formulation).

Te0[x] = (2*S[x], S[x], S[x], 3*S[x]) and Td0[x] = (14*Si[x], 9*Si[x], 13*Si[x], 11*Si[x]) as
big-endian words; the other three tables of each direction are byte rotations of these and are
computed in the kernel. `python -m accel.pot.tables` prints the C text that aes128.h embeds; a test
checks the header against it, so the kernel's constants always come with their derivation.
"""
from __future__ import annotations

from accel.pot.constants import AES_INV_SBOX, AES_SBOX, gf_mul


def _word(b0: int, b1: int, b2: int, b3: int) -> int:
    return (b0 << 24) | (b1 << 16) | (b2 << 8) | b3


def te0() -> list[int]:
    return [_word(gf_mul(s, 2), s, s, gf_mul(s, 3)) for s in AES_SBOX]


def td0() -> list[int]:
    return [_word(gf_mul(s, 14), gf_mul(s, 9), gf_mul(s, 13), gf_mul(s, 11)) for s in AES_INV_SBOX]


def _c_array(name: str, ctype: str, values: list[int], digits: int, per_line: int) -> str:
    rows = [", ".join(f"0x{v:0{digits}x}u" for v in values[i:i + per_line]) for i in range(0, len(values), per_line)]
    return f"CONSTANT_MEM {ctype} {name}[256] = {{\n    " + ",\n    ".join(rows) + "\n};\n"


def c_tables() -> str:
    """The table definitions of aes128.h, exactly as they appear there."""
    return (_c_array("AES_TE0", "u32", te0(), 8, 8) + _c_array("AES_TD0", "u32", td0(), 8, 8)
            + _c_array("AES_SBOX", "u8", list(AES_SBOX), 2, 16)
            + _c_array("AES_INV_SBOX", "u8", list(AES_INV_SBOX), 2, 16))


if __name__ == "__main__":
    print(c_tables(), end="")
