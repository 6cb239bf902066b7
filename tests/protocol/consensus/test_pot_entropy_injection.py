"""Runtime entropy injection and scheduled slot-iteration raises (S&T 2.3), and the node side applying them."""
from __future__ import annotations

import blake3
import pytest

from pot_chain_support import SMALL_ITERATIONS, pot_derived_chaining
from protocol.consensus import PotEntropyState, PotInvalidInput, PotNextSlotInput, PotParametersChange, injected_seed
from protocol.consensus.pot_entropy import (
    PotSlotIterationsMustIncrease, PotSlotIterationsUpdateAlreadyScheduled, block_entropy,
)

SLOTS_PER_BLOCK = 3  # block b is at slot 3b in these runs


def _chunk(b: int) -> bytes:
    return blake3.blake3(b"chunk" + b.to_bytes(4, "little")).digest()


def _pot(b: int) -> bytes:
    return blake3.blake3(b"pot" + b.to_bytes(4, "little")).digest()[:16]


def _run(state: PotEntropyState, last: int, first: int = 1, on_block=None) -> dict[int, PotParametersChange]:
    digests = {}
    for b in range(first, last + 1):
        if on_block:
            on_block(b, state)
        change = state.on_block(b, SLOTS_PER_BLOCK * b, _chunk(b), _pot(b))
        if change is not None:
            digests[b] = change
    return digests


def test_block_entropy_hashes_chunk_then_proof_of_time():
    chunk, pot = bytes(range(32)), bytes(range(16))
    assert block_entropy(chunk, pot) == blake3.blake3(chunk + pot).digest()
    with pytest.raises(PotInvalidInput):
        block_entropy(chunk[:31], pot)


def test_entropy_of_block_50_is_injected_15_slots_after_block_150():
    digests = _run(PotEntropyState(SMALL_ITERATIONS), 220)
    target = SLOTS_PER_BLOCK * 150 + 15  # 465
    expected = PotParametersChange(target, SMALL_ITERATIONS, block_entropy(_chunk(50), _pot(50)))
    # deposited from block 150 up to and including the first block whose slot exceeds the target (156: slot 468)
    assert {b for b, c in digests.items() if c == expected} == set(range(150, 157))
    # then block 100's entropy, scheduled by block 200, from 200 on
    later = {b: c for b, c in digests.items() if c != expected}
    assert min(later) == 200
    assert later[200] == PotParametersChange(615, SMALL_ITERATIONS, block_entropy(_chunk(100), _pot(100)))
    assert not any(b < 150 for b in digests)


def test_no_digest_before_block_150_and_none_after_the_entry_is_dropped():
    digests = _run(PotEntropyState(SMALL_ITERATIONS), 199)
    assert sorted(digests) == list(range(150, 157))


def test_pot_parameters_report_the_next_change():
    state = PotEntropyState(SMALL_ITERATIONS)
    assert state.pot_parameters() == (SMALL_ITERATIONS, None)
    _run(state, 152)
    iterations, change = state.pot_parameters()
    assert iterations == SMALL_ITERATIONS and change.slot == 465


def test_iterations_raise_takes_effect_at_the_injection_target_slot():
    def raise_at_120(b, state):
        if b == 120:
            state.set_slot_iterations(2 * SMALL_ITERATIONS)

    state = PotEntropyState(SMALL_ITERATIONS)
    digests = _run(state, 154, on_block=raise_at_120)
    assert digests[150].slot == 465 and digests[150].slot_iterations == 2 * SMALL_ITERATIONS
    assert state.slot_iterations == SMALL_ITERATIONS  # slot 462 < 465: not yet
    state.on_block(155, 465, _chunk(155), _pot(155))
    assert state.slot_iterations == 2 * SMALL_ITERATIONS and state.pending is None


def test_iterations_raise_is_validated():
    state = PotEntropyState(SMALL_ITERATIONS)
    with pytest.raises(PotSlotIterationsMustIncrease):
        state.set_slot_iterations(SMALL_ITERATIONS)
    with pytest.raises(PotInvalidInput):
        state.set_slot_iterations(SMALL_ITERATIONS + 8)
    state.set_slot_iterations(2 * SMALL_ITERATIONS)
    state.set_slot_iterations(3 * SMALL_ITERATIONS)  # replaces an update that has no target yet
    _run(state, 150)
    with pytest.raises(PotSlotIterationsUpdateAlreadyScheduled):
        state.set_slot_iterations(4 * SMALL_ITERATIONS)


def test_parameters_are_checked():
    with pytest.raises(PotInvalidInput):
        PotEntropyState(SMALL_ITERATIONS, interval=10, delay=15)
    with pytest.raises(PotInvalidInput):
        PotEntropyState(SMALL_ITERATIONS).on_block(0, 0, bytes(32), bytes(16))


def test_forks_copy_the_state():
    state = PotEntropyState(SMALL_ITERATIONS)
    _run(state, 149)
    fork = state.copy()
    a = state.on_block(150, 450, _chunk(150), _pot(150))
    b = fork.on_block(150, 451, _chunk(150), _pot(150))
    assert (a.slot, b.slot) == (465, 466)


def test_node_side_applies_the_digest_through_derive():
    vec = pot_derived_chaining()
    entropy = bytes.fromhex(vec["injection_entropy_hex"])
    parent_output = bytes.fromhex(vec["parent_output_hex"])
    change = PotParametersChange(465, SMALL_ITERATIONS, entropy)
    before = PotNextSlotInput.derive(SMALL_ITERATIONS, 463, parent_output, change)
    at = PotNextSlotInput.derive(SMALL_ITERATIONS, 464, parent_output, change)
    assert before.seed == parent_output
    assert at.seed.hex() == vec["next_seed_with_injection_hex"] == injected_seed(entropy, parent_output).hex()
