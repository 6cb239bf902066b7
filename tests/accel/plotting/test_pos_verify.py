"""`accel.plotting.is_proof_valid` (pos.md 7): accepts every reference proof, rejects mutations and other
challenges, reproduces the network's quirks, and refuses malformed input with ValueError."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accel.plotting import is_proof_valid, reference
from pos_cases import SEED_K20, expected_proofs_k20

SEED = bytes.fromhex(SEED_K20)
PROOFS = {c: p for c, p in expected_proofs_k20().items() if p is not None}
PROOF = PROOFS[600426542]


def test_accepts_every_reference_proof():
    assert len(PROOFS) >= 16
    for c, proof in PROOFS.items():
        assert is_proof_valid(SEED, c, proof), c


def test_rejects_every_reference_proof_for_the_next_challenge():
    for c, proof in PROOFS.items():
        assert not is_proof_valid(SEED, c + 1, proof), c


def test_rejects_a_proof_under_another_seed():
    assert not is_proof_valid(bytes(32), 600426542, PROOF)


def test_accepts_challenges_that_share_the_little_endian_prefix():
    """first_k = the top K bits of the index's little-endian bytes read big-endian: at K=20 the top 12 bits
    of the index (byte 3 and the low nibble of byte 2) do not matter."""
    for flip in (1 << 16, 1 << 19, 1 << 24, 1 << 31):
        assert is_proof_valid(SEED, 600426542 ^ flip, PROOF)
    for flip in (1 << 0, 1 << 8, 1 << 20, 1 << 23):
        assert not is_proof_valid(SEED, 600426542 ^ flip, PROOF)


@given(st.integers(0, 160 * 8 - 1))
def test_rejects_any_single_bit_flip(bit):
    mutated = bytearray(PROOF)
    mutated[bit // 8] ^= 0x80 >> (bit % 8)
    assert not is_proof_valid(SEED, 600426542, bytes(mutated))


@given(st.integers(0, 31))
def test_rejects_swapping_the_halves_of_a_pair(pair):
    xs = reference.unpack_proof(PROOF, 20)
    xs[2 * pair], xs[2 * pair + 1] = xs[2 * pair + 1], xs[2 * pair]
    assert not is_proof_valid(SEED, 600426542, reference.pack_proof(xs, 20))


def test_rejects_all_zero_and_all_one_proofs():
    assert not is_proof_valid(SEED, 0, bytes(160))
    assert not is_proof_valid(SEED, 0, b"\xff" * 160)


@pytest.mark.parametrize("seed", [bytes(31), bytes(33), "00" * 32, None])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError):
        is_proof_valid(seed, 0, PROOF)


@pytest.mark.parametrize("k", [14, 26, True, 20.0])
def test_bad_k_is_refused(k):
    with pytest.raises(ValueError):
        is_proof_valid(SEED, 0, PROOF, k)


@pytest.mark.parametrize("challenge", [-1, 2**32, 1.5, True, "0", None])
def test_challenge_outside_u32_is_refused(challenge):
    with pytest.raises(ValueError):
        is_proof_valid(SEED, challenge, PROOF)


@pytest.mark.parametrize("proof", [PROOF[:-1], PROOF + b"\x00", b"", "ab" * 80, None])
def test_proof_of_the_wrong_length_or_type_is_refused(proof):
    with pytest.raises(ValueError):
        is_proof_valid(SEED, 600426542, proof)


def test_proof_length_follows_k():
    with pytest.raises(ValueError):
        is_proof_valid(SEED, 0, PROOF, k=16)  # 160 bytes is K=20; K=16 proofs are 128 bytes
    assert is_proof_valid(SEED, 0, bytes(128), k=16) is False


# --------------------------------------------------------------- the fast path against the reference
@given(st.binary(min_size=32, max_size=32), st.lists(st.integers(0, 2**32 - 2), min_size=1, max_size=40))
def test_numpy_chacha8_blocks_equal_the_reference(seed, counters):
    import numpy as np

    from accel.hashing.reference import chacha_block
    from accel.plotting.verify import chacha8_blocks

    got = chacha8_blocks(seed, np.array(counters, dtype=np.int64))
    assert [bytes(row) for row in got] == [chacha_block(seed, c) for c in counters]


@given(st.integers(0, 63), st.integers(0, 2**20 - 1), st.sampled_from(sorted(PROOFS)))
def test_fast_path_agrees_with_the_reference_on_altered_leaves(leaf, value, challenge):
    """Replacing one x keeps the tables below the altered branch matching, so the check fails at every
    depth: both paths must give the same answer (mostly False, True for the untouched proof)."""
    from accel.plotting.verify import _is_proof_valid

    xs = reference.unpack_proof(PROOFS[challenge], 20)
    for proof in (PROOFS[challenge], reference.pack_proof(xs[:leaf] + [value] + xs[leaf + 1:], 20)):
        assert _is_proof_valid(SEED, challenge, proof, 20) == reference.is_proof_valid(SEED, challenge, proof, 20)


@pytest.mark.parametrize("k", [15, 17])
def test_fast_path_agrees_with_the_reference_at_small_k(k):
    import accel

    seed = bytes(range(32))
    table = accel.backend("cpu").pos_table(seed, k)
    found = 0
    for challenge in range(0, 2**16, 997):
        proof = table.find_proof(challenge)
        if proof is None:
            continue
        found += 1
        assert is_proof_valid(seed, challenge, proof, k) and reference.is_proof_valid(seed, challenge, proof, k)
        other = challenge ^ (1 << 8)
        assert is_proof_valid(seed, other, proof, k) == reference.is_proof_valid(seed, other, proof, k)
    assert found > 10


@given(st.integers(0, 2**26 - 1), st.integers(0, 2**26 - 1))
def test_constant_time_match_rule_equals_the_reference(y_left, y_right):
    from accel.plotting.verify import _matches

    assert _matches(y_left, y_right) == reference.has_match(y_left, y_right)


@given(st.integers(0, 2**26 - 1))
def test_constant_time_match_rule_accepts_every_target(y_left):
    from accel.plotting.verify import _matches

    bucket = y_left // 15113
    for r in reference.match_targets(y_left % 15113, bucket % 2):
        assert _matches(y_left, (bucket + 1) * 15113 + r)
