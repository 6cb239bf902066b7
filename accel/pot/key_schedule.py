"""AES-128 key schedules of many PoT keys at once (FIPS-197 5.2 and 5.3.5), vectorised with numpy.

The fast verifiers (AES-NI on the CPU, T-tables on GPUs) take the encryption round keys and the
equivalent-inverse-cipher round keys precomputed per slot; computing them here, for a whole batch
in a few numpy operations, keeps the per-slot host cost far below one AES chain. The readable
single-key version is `accel.pot.reference.expand_key` / `inverse_cipher_round_keys`, which the
tests compare against.
"""
from __future__ import annotations

import numpy as np

from accel.pot.constants import AES128_ROUND_KEYS, AES128_ROUNDS, AES_RCON, AES_SBOX, gf_mul

_SBOX = np.array(AES_SBOX, dtype=np.uint8)
_MUL = {m: np.array([gf_mul(x, m) for x in range(256)], dtype=np.uint8) for m in (9, 11, 13, 14)}


def expand_keys(keys: np.ndarray) -> np.ndarray:
    """(n, 16) uint8 keys -> (n, 11, 16) uint8 round keys."""
    n = keys.shape[0]
    words = np.empty((n, 4 * AES128_ROUND_KEYS, 4), dtype=np.uint8)
    words[:, :4] = keys.reshape(n, 4, 4)
    for i in range(4, 4 * AES128_ROUND_KEYS):
        temp = words[:, i - 1]
        if i % 4 == 0:
            temp = _SBOX[np.roll(temp, -1, axis=1)]
            temp[:, 0] ^= np.uint8(AES_RCON[i // 4 - 1])
        words[:, i] = words[:, i - 4] ^ temp
    return words.reshape(n, AES128_ROUND_KEYS, 16)


def _inv_mix_columns(blocks: np.ndarray) -> np.ndarray:
    """InvMixColumns of (..., 16) uint8 states (columns of 4 bytes)."""
    cols = blocks.reshape(*blocks.shape[:-1], 4, 4)
    a0, a1, a2, a3 = (cols[..., r] for r in range(4))
    m9, m11, m13, m14 = _MUL[9], _MUL[11], _MUL[13], _MUL[14]
    out = np.stack([
        m14[a0] ^ m11[a1] ^ m13[a2] ^ m9[a3],
        m9[a0] ^ m14[a1] ^ m11[a2] ^ m13[a3],
        m13[a0] ^ m9[a1] ^ m14[a2] ^ m11[a3],
        m11[a0] ^ m13[a1] ^ m9[a2] ^ m14[a3],
    ], axis=-1)
    return out.reshape(blocks.shape)


def inverse_cipher_keys(round_keys: np.ndarray) -> np.ndarray:
    """(n, 11, 16) encryption round keys -> (n, 11, 16) equivalent-inverse-cipher keys in use order:
    dk[0] = rk[10], dk[r] = InvMixColumns(rk[10 - r]) for r = 1..9, dk[10] = rk[0]."""
    out = np.empty_like(round_keys)
    out[:, 0] = round_keys[:, AES128_ROUNDS]
    out[:, 1:AES128_ROUNDS] = _inv_mix_columns(round_keys[:, AES128_ROUNDS - 1:0:-1])
    out[:, AES128_ROUNDS] = round_keys[:, 0]
    return out
