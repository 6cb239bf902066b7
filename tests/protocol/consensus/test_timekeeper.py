"""Timekeeper and PotState (S&T 2.2, 2.4): slot after slot, subscribers, restarts, injections, re-anchoring."""
from __future__ import annotations

import threading
import time

import pytest

import accel
from pot_chain_support import SMALL_ITERATIONS, CountingBackend, pot_case, prove_chain
from protocol.consensus import (
    PotNextSlotInput, PotParametersChange, PotProof, PotState, PotVerifier, Timekeeper, genesis_seed, injected_seed,
)

BASIC = pot_case("test_basic")
SEED = bytes.fromhex(BASIC["seed_hex"])
ENTROPY = bytes(range(32))


@pytest.fixture(scope="module")
def cpu():
    return accel.backend("cpu")


def test_first_slot_is_proved_from_the_genesis_seed_and_matches_the_vector(cpu):
    tk = Timekeeper.from_genesis(cpu, SEED, 512)
    proof = tk.step()
    assert (proof.slot, proof.seed, proof.slot_iterations) == (1, SEED, 512)
    assert [c.hex() for c in proof.checkpoints] == BASIC["derived_not_from_reference"]["checkpoints_hex"]
    assert tk.next_input == PotNextSlotInput(2, 512, proof.output)  # no injection: the output verbatim


def test_slots_chain_and_reach_subscribers_in_order(cpu):
    tk = Timekeeper.from_genesis(cpu, genesis_seed(bytes(32)), SMALL_ITERATIONS)
    seen: list[PotProof] = []
    unsubscribe = tk.subscribe(seen.append)
    for _ in range(12):
        tk.step()
    assert [p.slot for p in seen] == list(range(1, 13))
    assert all(b.seed == a.output for a, b in zip(seen, seen[1:]))
    PotVerifier(cpu).verify_slots(seen, PotNextSlotInput.genesis(genesis_seed(bytes(32)), SMALL_ITERATIONS))
    unsubscribe()
    tk.step()
    assert len(seen) == 12 and tk.state.latest.slot == 13


def test_own_slots_are_in_the_verifier_cache(cpu):
    tk = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS)
    proof = tk.step()
    assert tk.state.verifier.try_get_checkpoints(proof.seed, proof.slot_iterations) == proof.checkpoints


def test_restart_from_a_given_slot_continues_the_same_chain(cpu):
    continuous = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS)
    full = [continuous.step() for _ in range(10)]
    resumed = Timekeeper.resume(cpu, full[5])  # a node restarted with slot 6 stored
    assert resumed.next_input.slot == 7
    assert [resumed.step() for _ in range(4)] == full[6:10]


def test_restart_before_an_injection_applies_it(cpu):
    change = PotParametersChange(8, 2 * SMALL_ITERATIONS, ENTROPY)
    reference = prove_chain(cpu, PotNextSlotInput.genesis(SEED, SMALL_ITERATIONS), 10, change)
    tk = Timekeeper.resume(cpu, reference[4], parameters_change=change)
    assert [tk.step() for _ in range(5)] == reference[5:10]
    assert reference[7].seed == injected_seed(ENTROPY, reference[6].output)
    assert reference[7].slot_iterations == reference[9].slot_iterations == 2 * SMALL_ITERATIONS


def test_scheduled_change_injects_entropy_and_raises_iterations(cpu):
    tk = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS)
    tk.state.set_parameters_change(PotParametersChange(4, 2 * SMALL_ITERATIONS, ENTROPY))
    proofs = [tk.step() for _ in range(6)]
    assert [p.slot_iterations for p in proofs] == [SMALL_ITERATIONS] * 3 + [2 * SMALL_ITERATIONS] * 3
    assert proofs[3].seed == injected_seed(ENTROPY, proofs[2].output)
    assert proofs[4].seed == proofs[3].output


def test_run_until_stopped_in_a_thread(cpu):
    tk = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS)
    got = threading.Event()
    slots = []

    def on_slot(proof):
        slots.append(proof.slot)
        if len(slots) == 25:
            got.set()

    tk.subscribe(on_slot)
    tk.start()
    assert got.wait(20)
    tk.stop()
    n = len(slots)
    time.sleep(0.05)
    assert len(slots) == n and slots == list(range(1, n + 1))


def test_run_with_max_slots_and_pace(cpu):
    tk = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS, slot_duration=0.02)
    start = time.monotonic()
    assert tk.run(threading.Event(), max_slots=5) == 5
    assert time.monotonic() - start >= 0.08  # slot k is published k - 1 durations after the start at the earliest
    assert tk.state.latest.slot == 5


def test_stop_event_ends_the_paced_wait_early(cpu):
    tk = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS, slot_duration=30)
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    start = time.monotonic()
    assert tk.run(stop) == 1
    assert time.monotonic() - start < 5


def test_a_failing_subscriber_does_not_stop_the_chain(cpu):
    tk = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS)
    seen = []
    tk.subscribe(lambda p: 1 / 0)
    tk.subscribe(seen.append)
    tk.step()
    tk.step()
    assert [p.slot for p in seen] == [1, 2]


def test_proof_is_discarded_when_the_tip_moved_while_proving(cpu):
    """Another source (a verified gossip proof) published the slot first: ours is dropped, nothing twice."""
    state = PotState(PotNextSlotInput.genesis(SEED, SMALL_ITERATIONS), PotVerifier(cpu))
    other = prove_chain(cpu, state.next_input, 1)[0]

    class RacingBackend(CountingBackend):
        def pot_prove(self, seed, iterations):
            out = super().pot_prove(seed, iterations)
            state.try_extend(state.next_input, other)
            return out

    published = []
    state.subscribe(published.append)
    tk = Timekeeper(RacingBackend(cpu), state)
    assert tk.step() is None and tk.discarded == 1
    assert published == [other] and state.next_input.slot == 2


def test_try_extend_refuses_a_proof_for_another_input(cpu):
    state = PotState(PotNextSlotInput.genesis(SEED, SMALL_ITERATIONS), PotVerifier(cpu))
    wrong = prove_chain(cpu, PotNextSlotInput.genesis(bytes(16), SMALL_ITERATIONS), 1)[0]
    assert state.try_extend(state.next_input, wrong) is False
    assert state.next_input.slot == 1


# ------------------------------------------------------------------------------------ re-anchoring
def _timekeeper_with(cpu, slots: int) -> tuple[Timekeeper, list[PotProof]]:
    tk = Timekeeper.from_genesis(cpu, SEED, SMALL_ITERATIONS)
    return tk, [tk.step() for _ in range(slots)]


def test_best_block_on_our_chain_keeps_the_tip(cpu):
    tk, proofs = _timekeeper_with(cpu, 10)
    resets = []
    tk.state.on_reset(resets.append)
    # best block's future slot 6: the slots after it are all in our verifier cache
    assert tk.state.update(6, proofs[5].output, SMALL_ITERATIONS, None) == proofs[9].next_input()
    assert resets == []


def test_best_block_injecting_unknown_entropy_moves_the_tip_back(cpu):
    tk, proofs = _timekeeper_with(cpu, 10)
    change = PotParametersChange(8, SMALL_ITERATIONS, ENTROPY)
    resets = []
    tk.state.on_reset(resets.append)
    nxt = tk.state.update(6, proofs[5].output, SMALL_ITERATIONS, change)
    assert nxt == PotNextSlotInput(8, SMALL_ITERATIONS, injected_seed(ENTROPY, proofs[6].output))
    assert resets == [nxt] and tk.state.latest.slot == 7 and tk.state.get(8) is None
    assert tk.step().seed == nxt.seed


def test_best_block_ahead_of_us_moves_the_tip_forward(cpu):
    reference = prove_chain(cpu, PotNextSlotInput.genesis(SEED, SMALL_ITERATIONS), 20)
    tk, _ = _timekeeper_with(cpu, 3)
    nxt = tk.state.update(15, reference[14].output, SMALL_ITERATIONS, None)
    assert nxt == reference[15].input
    assert [tk.step() for _ in range(4)] == reference[15:19]


def test_recent_slots_for_justifications(cpu):
    tk, proofs = _timekeeper_with(cpu, 10)
    assert tk.state.slots(3, 7) == proofs[2:7]
    assert tk.state.slots(8, 12) is None
    assert tk.state.get(10) == proofs[9]
