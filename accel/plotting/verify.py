"""Proof-of-space verification as the network does it (pos.md section 7): `is_proof_valid`.

Validates its inputs at the edge (ValueError for a seed that is not 32 bytes, K outside 15..25, a
challenge index outside u32, a proof that is not 8K bytes) and then accepts and rejects exactly what
the network's verifier does, quirks included: pairs are checked with the r condition only, without
the bucket adjacency test (pos.md 7, "Important quirk"), which is a consensus rule. Any proof of the
right length is answered with True or False; it never raises.

Speed: the check is on every block import (storage_and_time.md 10 step 3), so it does not run the
readable reference (pure-Python ChaCha8 and BLAKE3, ~50 ms a proof). It computes the at most 128
ChaCha8 blocks the 64 leaves touch in one numpy pass (16 state words x the blocks, so a few hundred
vector operations) and the 63 fn hashes with the `blake3` package, which takes well under a
millisecond; `reference.is_proof_valid` stays the yardstick it is tested against.
"""
from __future__ import annotations

import numbers

import blake3
import numpy as np

from accel.hashing.constants import CHACHA8_ROUNDS, CHACHA_SIGMA
from accel.plotting import reference
from accel.plotting.constants import (
    CHALLENGE_INDEX_MAX, K_PRODUCTION, NUM_TABLES, PARAM_B, PARAM_BC, PARAM_C, PARAM_EXT, PARAM_M, SEED_BYTES,
    check_k, meta_bits, proof_bytes, y_bits,
)


def check_seed(seed: object) -> bytes:
    if not isinstance(seed, (bytes, bytearray, memoryview)) or len(seed) != SEED_BYTES:
        raise ValueError(f"seed must be {SEED_BYTES} bytes, got {type(seed).__name__}"
                         + (f" of {len(seed)} bytes" if isinstance(seed, (bytes, bytearray, memoryview)) else ""))
    return bytes(seed)


def check_challenge_index(challenge_index: object) -> int:
    """A u32 challenge index (Python or numpy integer) as an int, else ValueError."""
    if isinstance(challenge_index, bool) or not isinstance(challenge_index, numbers.Integral) \
            or not 0 <= int(challenge_index) <= CHALLENGE_INDEX_MAX:
        raise ValueError(f"challenge index must be an integer in 0..2^32-1, got {challenge_index!r}")
    return int(challenge_index)


def is_proof_valid(seed: bytes, challenge_index: int, proof: bytes, k: int = K_PRODUCTION) -> bool:
    """True iff `proof` (8K bytes: 64 x values of K bits) proves `challenge_index` for the table of `seed`."""
    check_k(k)
    seed = check_seed(seed)
    challenge_index = check_challenge_index(challenge_index)
    if not isinstance(proof, (bytes, bytearray, memoryview)) or len(proof) != proof_bytes(k):
        raise ValueError(f"proof must be {proof_bytes(k)} bytes at K={k}")
    return _is_proof_valid(seed, challenge_index, bytes(proof), k)


def chacha8_blocks(seed: bytes, counters: np.ndarray) -> np.ndarray:
    """(n, 64) uint8: the ChaCha8 blocks of `seed` (zero nonce) at each u32 counter, vectorised over blocks."""
    key = np.frombuffer(seed, dtype="<u4").astype(np.uint32)
    n = len(counters)
    init = np.zeros((16, n), dtype=np.uint32)
    init[0:4] = np.array(CHACHA_SIGMA, dtype=np.uint32)[:, None]
    init[4:12] = key[:, None]
    init[12] = counters.astype(np.uint32)
    x = [row.copy() for row in init]

    def rotl(v: np.ndarray, r: int) -> np.ndarray:
        return (v << np.uint32(r)) | (v >> np.uint32(32 - r))

    def quarter(a: int, b: int, c: int, d: int) -> None:
        x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 16)  # noqa: E702
        x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 12)  # noqa: E702
        x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 8)  # noqa: E702
        x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 7)  # noqa: E702

    for _ in range(CHACHA8_ROUNDS // 2):
        quarter(0, 4, 8, 12); quarter(1, 5, 9, 13); quarter(2, 6, 10, 14); quarter(3, 7, 11, 15)  # noqa: E702
        quarter(0, 5, 10, 15); quarter(1, 6, 11, 12); quarter(2, 7, 8, 13); quarter(3, 4, 9, 14)  # noqa: E702
    out = np.stack(x) + init
    return np.ascontiguousarray(out.T).astype("<u4").view(np.uint8)


def _leaves(seed: bytes, xs: list[int], k: int) -> list[int]:
    """f1 of each x (pos.md 2), from the blocks the xs touch."""
    first = [k * x // 512 for x in xs]
    counters = np.array(sorted({c + d for c in first for d in (0, 1)}), dtype=np.int64)
    blocks = chacha8_blocks(seed, counters)
    row = {int(c): i for i, c in enumerate(counters)}
    ys = []
    for x, b in zip(xs, first):
        window = int.from_bytes(blocks[row[b]].tobytes() + blocks[row[b + 1]].tobytes(), "big")
        c = (window >> (1024 - (k * x - 512 * b) - k)) & ((1 << k) - 1)
        ys.append((c << PARAM_EXT) | (x >> (k - PARAM_EXT)))
    return ys


def _matches(y_left: int, y_right: int) -> bool:
    """`reference.has_match` in O(1): the target's bucket-column term (r_left // C + m) mod B fixes m, as
    m < PARAM_M < PARAM_B, so only that m's second term needs checking."""
    r_left, r_right = y_left % PARAM_BC, y_right % PARAM_BC
    m = (r_right // PARAM_C - r_left // PARAM_C) % PARAM_B
    if m >= PARAM_M:
        return False
    parity = (y_left // PARAM_BC) % 2
    return ((2 * m + parity) ** 2 + r_left) % PARAM_C == r_right % PARAM_C


def _is_proof_valid(seed: bytes, challenge_index: int, proof: bytes, k: int) -> bool:
    """`reference.is_proof_valid` with numpy ChaCha8 and the blake3 package (same arithmetic)."""
    xs = reference.unpack_proof(proof, k)
    ys, metas = _leaves(seed, xs, k), xs
    yb = y_bits(k)
    for table in range(2, NUM_TABLES + 1):
        pm = meta_bits(k, table - 1)
        nbits = yb + 2 * pm
        nbytes = -(-nbits // 8)
        next_ys, next_metas = [], []
        for i in range(0, len(ys), 2):
            y_left, meta_left, meta_right = ys[i], metas[i], metas[i + 1]
            if not _matches(y_left, ys[i + 1]):
                return False
            message = (((y_left << (2 * pm)) | (meta_left << pm) | meta_right) << (8 * nbytes - nbits))
            h = int.from_bytes(blake3.blake3(message.to_bytes(nbytes, "big")).digest(), "big")
            next_ys.append(h >> (256 - yb))
            if table in (2, 3):
                next_metas.append((meta_left << pm) | meta_right)
            elif table < NUM_TABLES:
                mb = meta_bits(k, table)
                next_metas.append((h >> (256 - yb - mb)) & ((1 << mb) - 1))
            else:
                next_metas.append(0)
        ys, metas = next_ys, next_metas
    return ys[0] >> PARAM_EXT == reference.first_k(challenge_index, k)
