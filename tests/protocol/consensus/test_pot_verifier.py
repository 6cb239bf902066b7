"""PotVerifier (S&T 2.4, P 3.2 step 2): cache, full/quick verification, batch chain sync, named refusals."""
from __future__ import annotations

import random

import pytest

from pot_chain_support import SMALL_ITERATIONS, CountingBackend, pot_case, prove_chain
from protocol.consensus import (
    InvalidProofOfTime, PotCheckpointCountMismatch, PotInvalidInput, PotIterationsMismatch, PotNextSlotInput,
    PotParametersChange, PotProof, PotSeedMismatch, PotSlotMismatch, PotVerifier, full_pot_verification,
    injected_seed,
)

BASIC = pot_case("test_basic")
SEED = bytes.fromhex(BASIC["seed_hex"])
CHECKPOINTS = tuple(bytes.fromhex(h) for h in BASIC["derived_not_from_reference"]["checkpoints_hex"])
ENTROPY = bytes(range(32))


def _flip(cp: bytes) -> bytes:
    return bytes([cp[0] ^ 1]) + cp[1:]


@pytest.fixture
def counting():
    return CountingBackend()


@pytest.fixture
def chain(counting):
    """20 slots from the genesis input SEED at 256 iterations, with an injection at slot 10."""
    change = PotParametersChange(10, 2 * SMALL_ITERATIONS, ENTROPY)
    return prove_chain(counting.inner, PotNextSlotInput.genesis(SEED, SMALL_ITERATIONS), 20, change), change


# ------------------------------------------------------------------------------------------ vectors
def test_vector_checkpoints_verify_and_other_iterations_do_not(be):
    verifier = PotVerifier(be)
    assert verifier.verify_checkpoints(SEED, 512, CHECKPOINTS) is True
    assert verifier.verify_checkpoints(SEED, 1024, CHECKPOINTS) is False  # pot.json: 1024 iterations -> false


def test_vector_is_output_valid_over_one_slot_not_two(counting):
    verifier = PotVerifier(counting)
    output = CHECKPOINTS[-1]
    first = PotNextSlotInput(1, 512, SEED)
    assert verifier.is_output_valid(first, 1, output) is True
    assert verifier.is_output_valid(first, 2, output) is False
    assert counting.prove_calls == 2  # slot 1 once (then cached), slot 2 once


def test_is_output_valid_follows_injection(counting, chain):
    proofs, change = chain
    verifier = PotVerifier(counting)
    assert verifier.is_output_valid(proofs[0].input, 20, proofs[-1].output, [change]) is True
    assert verifier.is_output_valid(proofs[0].input, 20, proofs[-1].output) is False  # without the injection


# -------------------------------------------------------------------------------------------- cache
def test_second_verification_is_answered_by_the_cache(counting):
    verifier = PotVerifier(counting)
    assert verifier.verify_checkpoints(SEED, 512, CHECKPOINTS)
    assert verifier.verify_checkpoints(SEED, 512, CHECKPOINTS)
    assert counting.verify_batches == [1]
    assert verifier.try_get_checkpoints(SEED, 512) == CHECKPOINTS


def test_other_checkpoints_for_a_cached_input_are_refused_without_aes(counting):
    verifier = PotVerifier(counting)
    verifier.inject_verified_checkpoints(SEED, 512, CHECKPOINTS)
    bad = (_flip(CHECKPOINTS[0]), *CHECKPOINTS[1:])
    assert verifier.verify_checkpoints(SEED, 512, bad) is False
    assert counting.verify_batches == []


def test_failed_verification_is_not_cached(counting):
    verifier = PotVerifier(counting)
    bad = (*CHECKPOINTS[:7], _flip(CHECKPOINTS[7]))
    assert verifier.verify_checkpoints(SEED, 512, bad) is False
    assert verifier.try_get_checkpoints(SEED, 512) is None
    assert verifier.verify_checkpoints(SEED, 512, CHECKPOINTS) is True


def test_cache_is_a_bounded_lru(counting, chain):
    proofs, _ = chain
    verifier = PotVerifier(counting, cache_size=3)
    for p in proofs[:3]:
        verifier.inject_verified_checkpoints(p.seed, p.slot_iterations, p.checkpoints)
    assert verifier.try_get_checkpoints(proofs[0].seed, proofs[0].slot_iterations)  # refresh slot 1
    verifier.inject_verified_checkpoints(proofs[3].seed, proofs[3].slot_iterations, proofs[3].checkpoints)
    assert len(verifier) == 3
    assert verifier.try_get_checkpoints(proofs[1].seed, proofs[1].slot_iterations) is None  # least recently used
    assert verifier.try_get_checkpoints(proofs[0].seed, proofs[0].slot_iterations) is not None


def test_cache_size_must_be_positive(counting):
    with pytest.raises(PotInvalidInput):
        PotVerifier(counting, cache_size=0)


# ---------------------------------------------------------------------------------- single proofs
def test_verify_proof_against_the_expected_input(counting, chain):
    proofs, _ = chain
    verifier = PotVerifier(counting)
    verifier.verify_proof(proofs[4], proofs[4].input)
    with pytest.raises(PotSlotMismatch):
        verifier.verify_proof(proofs[4], proofs[5].input)
    with pytest.raises(PotSeedMismatch):
        verifier.verify_proof(proofs[4], PotNextSlotInput(5, SMALL_ITERATIONS, bytes(16)))
    with pytest.raises(PotIterationsMismatch):
        verifier.verify_proof(proofs[4], PotNextSlotInput(5, 2 * SMALL_ITERATIONS, proofs[4].seed))
    bad = PotProof(5, proofs[4].seed, SMALL_ITERATIONS, (*proofs[4].checkpoints[:3], bytes(16), *proofs[4].checkpoints[4:]))
    with pytest.raises(InvalidProofOfTime) as err:
        PotVerifier(counting).verify_proof(bad)
    assert err.value.slot == 5


def test_quick_verification_caches_without_checking(counting, chain):
    proofs, _ = chain
    verifier = PotVerifier(counting)
    verifier.verify_proof(proofs[2], full=False)
    assert counting.verify_batches == []
    assert verifier.try_get_checkpoints(proofs[2].seed, proofs[2].slot_iterations) == proofs[2].checkpoints


@pytest.mark.parametrize("bad_checkpoints", [CHECKPOINTS[:7], (*CHECKPOINTS, CHECKPOINTS[0])])
def test_malformed_checkpoint_lists_are_named(counting, bad_checkpoints):
    with pytest.raises(PotCheckpointCountMismatch):
        PotVerifier(counting).verify_checkpoints(SEED, 512, bad_checkpoints)
    assert counting.verify_batches == []


def test_malformed_inputs_are_refused_before_any_work(counting):
    verifier = PotVerifier(counting)
    with pytest.raises(PotInvalidInput):
        verifier.verify_many([(SEED, 512, CHECKPOINTS), (SEED[:15], 512, CHECKPOINTS)])
    with pytest.raises(PotInvalidInput):
        verifier.verify_checkpoints(SEED, 520, CHECKPOINTS)
    assert counting.verify_batches == []


# ------------------------------------------------------------------------------- chain sync (batch)
def test_run_of_slots_verifies_in_one_batch(be, chain):
    proofs, change = chain
    counting = CountingBackend(be)
    verifier = PotVerifier(counting)
    verifier.verify_slots(proofs, proofs[0].input, [change])
    assert counting.verify_batches == [20]
    assert proofs[9].seed == injected_seed(ENTROPY, proofs[8].output)
    verifier.verify_slots(proofs, proofs[0].input, [change])  # all cached now
    assert counting.verify_batches == [20]


def test_tampered_slot_in_a_run_is_named_by_slot(be, chain):
    proofs, change = chain
    bad = list(proofs)
    p = bad[6]
    bad[6] = PotProof(p.slot, p.seed, p.slot_iterations, (*p.checkpoints[:5], _flip(p.checkpoints[5]), p.checkpoints[6],
                                                          p.checkpoints[7]))
    with pytest.raises(InvalidProofOfTime) as err:
        PotVerifier(be).verify_slots(bad, proofs[0].input, [change])
    assert err.value.slot == 7


def test_run_without_the_injection_has_a_seed_mismatch_at_the_injected_slot(counting, chain):
    proofs, _ = chain
    with pytest.raises(PotSeedMismatch, match="slot 10"):
        PotVerifier(counting).verify_slots(proofs)
    assert counting.verify_batches == []  # chaining is checked before any AES


def test_run_with_a_gap_or_wrong_iterations_is_refused(counting, chain):
    proofs, change = chain
    with pytest.raises(PotSlotMismatch):
        PotVerifier(counting).verify_slots(proofs[:3] + proofs[4:8], None, [change])
    with pytest.raises(PotIterationsMismatch):
        PotVerifier(counting).verify_slots(proofs[9:12], PotNextSlotInput(10, SMALL_ITERATIONS, proofs[9].seed))
    with pytest.raises(PotSeedMismatch):
        PotVerifier(counting).verify_slots(proofs[:2], PotNextSlotInput.genesis(bytes(16), SMALL_ITERATIONS))


def test_verify_many_deduplicates_and_mixes_cached(counting, chain):
    proofs, _ = chain
    verifier = PotVerifier(counting)
    verifier.inject_verified_checkpoints(proofs[0].seed, proofs[0].slot_iterations, proofs[0].checkpoints)
    items = [(p.seed, p.slot_iterations, p.checkpoints) for p in (proofs[0], proofs[1], proofs[1], proofs[2])]
    items.append((proofs[3].seed, proofs[3].slot_iterations, proofs[4].checkpoints))
    assert verifier.verify_many(items) == [True, True, True, True, False]
    assert counting.verify_batches == [3]


# ---------------------------------------------------------------------------------- justifications
def _justification(proofs, first_slot, future_slot):
    sets = [p.checkpoints for p in proofs if first_slot <= p.slot <= future_slot]
    return proofs[first_slot - 1].seed, sets


def test_block_justification_full_and_quick(counting, chain):
    proofs, change = chain
    # block at slot 12, future slot 16, parent's future slot 7: sets for slots 8..16
    seed, sets = _justification(proofs, 8, 16)
    verifier = PotVerifier(counting)
    got = verifier.verify_justification(seed, sets, 12, proofs[15].output, SMALL_ITERATIONS, change,
                                        expected_seed=proofs[6].next_input(change).seed, parent_future_slot=7)
    assert [p.slot for p in got] == list(range(8, 17)) and got == proofs[7:16]
    assert counting.verify_batches == [9]
    quick = PotVerifier(counting)
    quick.verify_justification(seed, sets, 12, proofs[15].output, SMALL_ITERATIONS, change, full=False)
    assert counting.verify_batches == [9] and len(quick) == 9


def test_block_justification_refusals(counting, chain):
    proofs, change = chain
    seed, sets = _justification(proofs, 8, 16)
    verifier = PotVerifier(counting)
    with pytest.raises(InvalidProofOfTime):  # last output is not the future proof of time
        verifier.verify_justification(seed, sets, 12, proofs[14].output, SMALL_ITERATIONS, change)
    with pytest.raises(PotCheckpointCountMismatch):
        verifier.verify_justification(seed, sets, 12, proofs[15].output, SMALL_ITERATIONS, change, parent_future_slot=6)
    with pytest.raises(PotSeedMismatch):
        verifier.verify_justification(seed, sets, 12, proofs[15].output, SMALL_ITERATIONS, change,
                                      expected_seed=proofs[0].seed)
    with pytest.raises(PotCheckpointCountMismatch):
        verifier.verify_justification(seed, [], 12, proofs[15].output, SMALL_ITERATIONS, change)
    with pytest.raises(InvalidProofOfTime) as err:  # without the injection slot 10's derived seed is wrong
        verifier.verify_justification(seed, sets, 12, proofs[15].output, SMALL_ITERATIONS, None)
    assert err.value.slot == 10
    bad = list(sets)
    bad[3] = (*bad[3][:7], _flip(bad[3][7]))  # slot 11's output
    with pytest.raises(InvalidProofOfTime) as err:
        verifier.verify_justification(seed, bad, 12, proofs[15].output, SMALL_ITERATIONS, change)
    assert err.value.slot == 11


def test_genesis_block_justification_starts_at_slot_one(counting, chain):
    proofs, change = chain
    seed, sets = _justification(proofs, 1, 5)
    got = PotVerifier(counting, genesis_seed=SEED).verify_justification(
        seed, sets, 1, proofs[4].output, SMALL_ITERATIONS, change, expected_seed=SEED, parent_future_slot=0)
    assert [p.slot for p in got] == [1, 2, 3, 4, 5]


# ---------------------------------------------------------------------------------- full vs quick
def test_blocks_near_the_sync_target_are_always_fully_verified():
    rng = random.Random(1)
    assert all(full_pot_verification(n, 10_000, rng) for n in range(10_000 - 1_581, 10_050))


def test_blocks_far_behind_are_sampled():
    rng = random.Random(2)
    # diff 2,000: 1,581 of 2,001 draws; diff 10,000,000: 1 in 1,000
    near = sum(full_pot_verification(0, 2_000, rng) for _ in range(4_000)) / 4_000
    far = sum(full_pot_verification(0, 10_000_000, rng) for _ in range(20_000)) / 20_000
    assert abs(near - 1_581 / 2_001) < 0.03
    assert far < 0.004
