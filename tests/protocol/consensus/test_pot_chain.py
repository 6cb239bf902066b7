"""PoT slot-chain data and chaining rules (S&T 2.2) against pot.json: seeds, derive, injection, encoding."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pot_chain_support import pot_case, pot_derived_chaining
from protocol.consensus import (
    PotCheckpointCountMismatch, PotError, PotInvalidInput, PotNextSlotInput, PotParametersChange, PotProof,
    genesis_seed, global_randomness, injected_seed,
)
from protocol.consensus.pot import POT_PROOF_ENCODED_SIZE, applicable_change, chain_inputs
from protocol.farmer import global_challenge

BASIC = pot_case("test_basic")
DERIVED = pot_derived_chaining()
SEED = bytes.fromhex(BASIC["seed_hex"])
CHECKPOINTS = tuple(bytes.fromhex(h) for h in BASIC["derived_not_from_reference"]["checkpoints_hex"])
OUTPUT = bytes.fromhex(DERIVED["parent_output_hex"])
ENTROPY = bytes.fromhex(DERIVED["injection_entropy_hex"])


def test_proof_output_is_the_last_checkpoint():
    proof = PotProof(1, SEED, 512, CHECKPOINTS)
    assert proof.output.hex() == BASIC["derived_not_from_reference"]["output_hex"]


def test_next_seed_without_injection_is_the_parent_output_verbatim():
    nxt = PotNextSlotInput.derive(512, 1, OUTPUT, None)
    assert (nxt.slot, nxt.slot_iterations, nxt.seed.hex()) == (2, 512, DERIVED["next_seed_without_injection_hex"])


def test_next_seed_with_injection_at_the_next_slot():
    change = PotParametersChange(slot=2, slot_iterations=1024, entropy=ENTROPY)
    nxt = PotNextSlotInput.derive(512, 1, OUTPUT, change)
    assert (nxt.slot, nxt.slot_iterations, nxt.seed.hex()) == (2, 1024, DERIVED["next_seed_with_injection_hex"])
    assert injected_seed(ENTROPY, OUTPUT).hex() == DERIVED["next_seed_with_injection_hex"]


def test_change_before_the_next_slot_sets_iterations_but_injects_nothing():
    nxt = PotNextSlotInput.derive(512, 5, OUTPUT, PotParametersChange(3, 1024, ENTROPY))
    assert (nxt.slot, nxt.slot_iterations, nxt.seed) == (6, 1024, OUTPUT)


def test_change_after_the_next_slot_does_nothing_yet():
    nxt = PotNextSlotInput.derive(512, 1, OUTPUT, PotParametersChange(3, 1024, ENTROPY))
    assert (nxt.slot, nxt.slot_iterations, nxt.seed) == (2, 512, OUTPUT)


def test_genesis_seeds():
    zero = bytes(32)
    assert genesis_seed(zero).hex() == DERIVED["genesis_seed_zero_hash_empty_entropy_hex"]
    assert genesis_seed(zero, b"abc").hex() == DERIVED["genesis_seed_zero_hash_entropy_abc_hex"]
    assert genesis_seed(zero, "abc").hex() == DERIVED["genesis_seed_zero_hash_entropy_abc_hex"]


def test_genesis_input_is_slot_one():
    first = PotNextSlotInput.genesis(SEED, 512)
    assert (first.slot, first.slot_iterations, first.seed) == (1, 512, SEED)


def test_global_randomness_and_challenge():
    assert global_randomness(OUTPUT).hex() == DERIVED["global_randomness_hex"]
    assert global_challenge(OUTPUT, 1).hex() == DERIVED["global_challenge_slot1_hex"]


@pytest.mark.parametrize("iterations", [0, 8, 24, 100, 512 + 8, 2**32, -16])
def test_iterations_must_be_a_u32_multiple_of_16(iterations):
    # pot.json error case: NotMultipleOfCheckpoints when iterations % 16 != 0
    with pytest.raises(PotInvalidInput):
        PotNextSlotInput(1, iterations, SEED)
    with pytest.raises(PotInvalidInput):
        PotProof(1, SEED, iterations, CHECKPOINTS)


@pytest.mark.parametrize("count", [0, 7, 9])
def test_wrong_checkpoint_count_is_named(count):
    with pytest.raises(PotCheckpointCountMismatch):
        PotProof(1, SEED, 512, (CHECKPOINTS * 2)[:count])


@pytest.mark.parametrize("bad", [b"", bytes(15), bytes(17), "0" * 16, None])
def test_bad_seed_is_refused(bad):
    with pytest.raises(PotInvalidInput):
        PotNextSlotInput(1, 512, bad)
    with pytest.raises(PotInvalidInput):
        PotProof(1, SEED, 512, (bad, *CHECKPOINTS[1:]))


def test_bad_entropy_and_slot_are_refused():
    with pytest.raises(PotInvalidInput):
        PotParametersChange(5, 512, bytes(31))
    with pytest.raises(PotInvalidInput):
        PotNextSlotInput(-1, 512, SEED)
    with pytest.raises(PotInvalidInput):
        PotNextSlotInput.derive(512, 2**64 - 1, OUTPUT)
    with pytest.raises(PotInvalidInput):
        genesis_seed(bytes(31))


def test_errors_are_value_errors():
    assert issubclass(PotError, ValueError)


def test_encoding_is_156_bytes_in_scale_order():
    proof = PotProof(0x0102, SEED, 512, CHECKPOINTS)
    data = proof.encode()
    assert len(data) == POT_PROOF_ENCODED_SIZE == 156
    assert data[:8] == (0x0102).to_bytes(8, "little") and data[8:24] == SEED
    assert data[24:28] == (512).to_bytes(4, "little") and data[28:] == b"".join(CHECKPOINTS)
    assert PotProof.decode(data) == proof


@pytest.mark.parametrize("data", [b"", bytes(155), bytes(157)])
def test_decoding_wrong_length_is_refused(data):
    with pytest.raises(PotInvalidInput):
        PotProof.decode(data)


def test_decoding_iterations_not_multiple_of_16_is_refused():
    data = bytearray(PotProof(1, SEED, 512, CHECKPOINTS).encode())
    data[24:28] = (520).to_bytes(4, "little")
    with pytest.raises(PotInvalidInput):
        PotProof.decode(bytes(data))


@given(slot=st.integers(0, 2**64 - 1), iterations=st.integers(1, 2**28 - 1).map(lambda n: 16 * n),
       blob=st.binary(min_size=144, max_size=144))
def test_encoding_round_trips(slot, iterations, blob):
    proof = PotProof(slot, blob[:16], iterations, tuple(blob[16 + 16 * i:32 + 16 * i] for i in range(8)))
    assert PotProof.decode(proof.encode()) == proof


def test_applicable_change_is_the_latest_reached():
    a, b = PotParametersChange(5, 512, ENTROPY), PotParametersChange(9, 1024, bytes(32))
    assert applicable_change([a, b], 4) is None
    assert applicable_change([b, a], 5) is a
    assert applicable_change([a, b], 8) is a
    assert applicable_change([a, b], 12) is b


def test_chain_inputs_follow_outputs_and_inject():
    outputs = [bytes([i]) * 16 for i in range(1, 5)]
    change = PotParametersChange(3, 1024, ENTROPY)
    inputs = chain_inputs(PotNextSlotInput(1, 512, SEED), outputs, [change])
    assert [i.slot for i in inputs] == [1, 2, 3, 4]
    assert inputs[1].seed == outputs[0]
    assert inputs[2].seed == injected_seed(ENTROPY, outputs[1]) and inputs[2].slot_iterations == 1024
    assert inputs[3].seed == outputs[2] and inputs[3].slot_iterations == 1024
