"""Readable reference of the proof-of-time primitive (storage_and_time.md section 2.1): plain
AES-128 from FIPS-197, the iterated chain, prove and verify.

Hand-written, although OpenSSL has AES, because it is the yardstick the fast paths are checked
against (and is itself checked against `cryptography`'s AES-ECB and the pot.json vectors), and
because the GPU kernel and the AES-NI path need the equivalent-inverse-cipher round keys
(FIPS-197 5.3.5), which no library exposes. Slow on purpose: one Python loop per byte operation.

State layout: 16 bytes in FIPS-197 input order, byte i = state[row i % 4][column i // 4].
"""
from __future__ import annotations

import blake3

from accel.pot.constants import (
    AES128_ROUNDS, AES_BLOCK_BYTES, AES_INV_SBOX, AES_RCON, AES_SBOX, POT_CHECKPOINTS, POT_ITERATIONS_MULTIPLE,
    POT_KEY_BYTES, POT_SEED_BYTES, gf_mul,
)


# --------------------------------------------------------------------------------- AES-128 (FIPS-197)
def expand_key(key: bytes) -> list[bytes]:
    """The 11 round keys of AES-128 (FIPS-197 5.2), 16 bytes each."""
    if len(key) != POT_KEY_BYTES:
        raise ValueError(f"AES-128 key must be {POT_KEY_BYTES} bytes, got {len(key)}")
    words = [list(key[4 * i:4 * i + 4]) for i in range(4)]
    for i in range(4, 4 * (AES128_ROUNDS + 1)):
        temp = list(words[i - 1])
        if i % 4 == 0:
            temp = temp[1:] + temp[:1]  # RotWord
            temp = [AES_SBOX[b] for b in temp]  # SubWord
            temp[0] ^= AES_RCON[i // 4 - 1]
        words.append([a ^ b for a, b in zip(words[i - 4], temp)])
    return [bytes(sum(words[4 * r:4 * r + 4], [])) for r in range(AES128_ROUNDS + 1)]


def _add_round_key(s: list[int], rk: bytes) -> list[int]:
    return [a ^ b for a, b in zip(s, rk)]


def _shift_rows(s: list[int]) -> list[int]:
    # row r is rotated left by r columns: new[r][c] = old[r][(c + r) % 4]
    return [s[r + 4 * ((c + r) % 4)] for c in range(4) for r in range(4)]


def _inv_shift_rows(s: list[int]) -> list[int]:
    return [s[r + 4 * ((c - r) % 4)] for c in range(4) for r in range(4)]


# x -> c * x in GF(2^8) for the MixColumns / InvMixColumns coefficients, tabulated once for speed
_TIMES = {c: [gf_mul(x, c) for x in range(256)] for c in (1, 2, 3, 9, 11, 13, 14)}


def _mix_column(col: list[int], m: tuple[int, int, int, int]) -> list[int]:
    # circulant matrix with first row m (FIPS-197 5.1.3 / 5.3.3)
    t0, t1, t2, t3 = (_TIMES[c] for c in m)
    return [t0[col[r]] ^ t1[col[(r + 1) % 4]] ^ t2[col[(r + 2) % 4]] ^ t3[col[(r + 3) % 4]] for r in range(4)]


def _mix_columns(s: list[int], m: tuple[int, int, int, int]) -> list[int]:
    return sum((_mix_column(s[4 * c:4 * c + 4], m) for c in range(4)), [])


MIX = (2, 3, 1, 1)
INV_MIX = (14, 11, 13, 9)


def encrypt_block(round_keys: list[bytes], block: bytes) -> bytes:
    """AES-128 Cipher (FIPS-197 5.1)."""
    s = _add_round_key(list(block), round_keys[0])
    for r in range(1, AES128_ROUNDS + 1):
        s = [AES_SBOX[b] for b in s]
        s = _shift_rows(s)
        if r != AES128_ROUNDS:
            s = _mix_columns(s, MIX)
        s = _add_round_key(s, round_keys[r])
    return bytes(s)


def decrypt_block(round_keys: list[bytes], block: bytes) -> bytes:
    """AES-128 InvCipher (FIPS-197 5.3)."""
    s = _add_round_key(list(block), round_keys[AES128_ROUNDS])
    for r in range(AES128_ROUNDS - 1, -1, -1):
        s = _inv_shift_rows(s)
        s = [AES_INV_SBOX[b] for b in s]
        s = _add_round_key(s, round_keys[r])
        if r != 0:
            s = _mix_columns(s, INV_MIX)
    return bytes(s)


def inverse_cipher_round_keys(round_keys: list[bytes]) -> list[bytes]:
    """Round keys of the equivalent inverse cipher (FIPS-197 5.3.5), in decryption order.

    dk[0] = rk[10], dk[r] = InvMixColumns(rk[10 - r]) for r = 1..9, dk[10] = rk[0]: the schedule
    that AES-NI's `aesdec` and the T-table decryption of accel/kernels/aes128.h consume.
    """
    out = [round_keys[AES128_ROUNDS]]
    out += [bytes(_mix_columns(list(round_keys[AES128_ROUNDS - r]), INV_MIX)) for r in range(1, AES128_ROUNDS)]
    out.append(round_keys[0])
    return out


# ---------------------------------------------------------------------------- proof of time (2.1)
def pot_key(seed: bytes) -> bytes:
    """key(seed) = BLAKE3(seed)[0..16] (storage_and_time.md 2.1)."""
    return blake3.blake3(seed).digest()[:POT_KEY_BYTES]


def check_iterations(iterations: int) -> int:
    """Iterations per slot must be a positive multiple of 16; returns n = iterations / 8 per checkpoint."""
    if isinstance(iterations, bool) or not isinstance(iterations, int):
        raise ValueError(f"iterations must be an int, got {type(iterations).__name__}")
    if iterations <= 0 or iterations % POT_ITERATIONS_MULTIPLE:
        raise ValueError(f"iterations must be a positive multiple of {POT_ITERATIONS_MULTIPLE}, got {iterations}")
    return iterations // POT_CHECKPOINTS


def check_seed(seed: bytes) -> bytes:
    if not isinstance(seed, (bytes, bytearray, memoryview)) or len(seed) != POT_SEED_BYTES:
        got = len(seed) if isinstance(seed, (bytes, bytearray, memoryview)) else type(seed).__name__
        raise ValueError(f"PoT seed must be {POT_SEED_BYTES} bytes, got {got}")
    return bytes(seed)


def check_checkpoints(checkpoints: list[bytes]) -> list[bytes]:
    if isinstance(checkpoints, (bytes, bytearray, memoryview, str)) or len(checkpoints) != POT_CHECKPOINTS:
        raise ValueError(f"expected a list of {POT_CHECKPOINTS} checkpoints")
    out = []
    for i, cp in enumerate(checkpoints):
        if not isinstance(cp, (bytes, bytearray, memoryview)) or len(cp) != AES_BLOCK_BYTES:
            raise ValueError(f"checkpoint {i} must be {AES_BLOCK_BYTES} bytes")
        out.append(bytes(cp))
    return out


def prove_with_key(seed: bytes, key: bytes, checkpoint_iterations: int) -> list[bytes]:
    """8 checkpoints: checkpoint[k] = AES_key^(n (k+1))(seed), n = checkpoint_iterations."""
    round_keys = expand_key(key)
    block = seed
    checkpoints = []
    for _ in range(POT_CHECKPOINTS):
        for _ in range(checkpoint_iterations):
            block = encrypt_block(round_keys, block)
        checkpoints.append(block)
    return checkpoints


def verify_with_key(seed: bytes, key: bytes, checkpoint_iterations: int, checkpoints: list[bytes]) -> bool:
    """Meet in the middle per segment: enc^(n/2)(input_k) == dec^(n/2)(checkpoint_k), inputs [seed, cp0..cp6]."""
    if checkpoint_iterations % 2:
        return False
    round_keys = expand_key(key)
    inputs = [seed, *checkpoints[:-1]]
    for start, target in zip(inputs, checkpoints):
        forward, backward = start, target
        for _ in range(checkpoint_iterations // 2):
            forward = encrypt_block(round_keys, forward)
            backward = decrypt_block(round_keys, backward)
        if forward != backward:
            return False
    return True


def prove(seed: bytes, iterations: int) -> list[bytes]:
    """prove(seed, iterations) of storage_and_time.md 2.1 with key = BLAKE3(seed)[0..16]."""
    n = check_iterations(iterations)
    seed = check_seed(seed)
    return prove_with_key(seed, pot_key(seed), n)


def verify(seed: bytes, iterations: int, checkpoints: list[bytes]) -> bool:
    """verify(seed, iterations, checkpoints) of storage_and_time.md 2.1; all 8 must match."""
    n = check_iterations(iterations)
    seed = check_seed(seed)
    checkpoints = check_checkpoints(checkpoints)
    return verify_with_key(seed, pot_key(seed), n, checkpoints)
