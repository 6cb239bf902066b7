"""Proof-of-space verification as the network does it (pos.md section 7): `is_proof_valid`.

Validates its inputs at the edge (ValueError for a seed that is not 32 bytes, K outside 15..25, a
challenge index outside u32, a proof that is not 8K bytes) and then accepts and rejects exactly what
the network's verifier does, quirks included: pairs are checked with the r condition only, without
the bucket adjacency test (pos.md 7, "Important quirk"), which is a consensus rule. Any proof of the
right length is answered with True or False; it never raises.
"""
from __future__ import annotations

import numbers

from accel.plotting import reference
from accel.plotting.constants import CHALLENGE_INDEX_MAX, K_PRODUCTION, SEED_BYTES, check_k, proof_bytes


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
    return reference.is_proof_valid(seed, challenge_index, bytes(proof), k)
