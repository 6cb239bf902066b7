"""PoT gossip policy (S&T 2.4): verify before relaying, keep future slots, drop what cannot be right."""
from __future__ import annotations

import pytest

import accel
from pot_chain_support import SMALL_ITERATIONS, CountingBackend, prove_chain
from protocol.consensus import (
    GossipVerdict, PotGossip, PotNextSlotInput, PotProof, PotState, PotVerifier, Timekeeper,
)

SEED = bytes(range(16))


@pytest.fixture(scope="module")
def reference():
    """Slots 1..30 of the chain every node should agree on."""
    return prove_chain(accel.backend("cpu"), PotNextSlotInput.genesis(SEED, SMALL_ITERATIONS), 30)


@pytest.fixture
def node():
    """A node at slot 1 with no timekeeper of its own: it learns slots from gossip only."""
    backend = CountingBackend()
    state = PotState(PotNextSlotInput.genesis(SEED, SMALL_ITERATIONS), PotVerifier(backend))
    relayed: list[bytes] = []
    return PotGossip(state, relay=relayed.append), relayed, backend


def _tampered(proof: PotProof) -> PotProof:
    cps = list(proof.checkpoints)
    cps[2] = bytes([cps[2][0] ^ 0x80]) + cps[2][1:]
    return PotProof(proof.slot, proof.seed, proof.slot_iterations, tuple(cps))


def test_next_slot_is_verified_extended_and_relayed(node, reference):
    gossip, relayed, backend = node
    assert gossip.handle(reference[0].encode()) is GossipVerdict.ACCEPTED
    assert relayed == [reference[0].encode()] and backend.verify_batches == [1]
    assert gossip.state.next_input == reference[1].input


def test_slots_from_another_nodes_timekeeper(node):
    gossip, relayed, _ = node
    producer = Timekeeper.from_genesis(accel.backend("cpu"), SEED, SMALL_ITERATIONS)
    producer.subscribe(lambda proof: gossip.handle(proof.encode()))
    for _ in range(5):
        producer.step()
    assert gossip.state.latest == producer.state.latest and len(relayed) == 5


def test_future_slots_wait_for_their_turn(node, reference):
    gossip, relayed, _ = node
    assert gossip.handle(reference[2]) is GossipVerdict.QUEUED
    assert gossip.handle(reference[1]) is GossipVerdict.QUEUED
    assert gossip.handle(reference[1]) is GossipVerdict.DUPLICATE
    assert relayed == []
    assert gossip.handle(reference[0]) is GossipVerdict.ACCEPTED  # slot 1, then 2 and 3 from the queue
    assert gossip.state.next_input == reference[3].input
    assert relayed == [p.encode() for p in reference[:3]] and gossip.queued == 0


def test_wrong_future_candidate_is_dropped_and_the_right_one_kept(node, reference):
    gossip, relayed, _ = node
    gossip.handle(_tampered(reference[1]))
    gossip.handle(reference[1])
    gossip.handle(reference[0])
    assert gossip.state.next_input == reference[2].input and relayed[-1] == reference[1].encode()


def test_many_candidates_are_settled_by_proving(node, reference):
    gossip, _, backend = node
    for i in range(7):  # POT_EXPECTED_VERIFICATION_SPEEDUP distinct candidates for slot 2
        cps = list(reference[1].checkpoints)
        cps[0] = bytes([i]) * 16
        gossip.handle(PotProof(2, reference[1].seed, SMALL_ITERATIONS, tuple(cps)))
    gossip.handle(reference[1])
    gossip.handle(reference[0])
    assert backend.prove_calls == 1 and backend.verify_batches == [1]  # slot 1 verified, slot 2 proved
    assert gossip.state.latest == reference[1]


def test_invalid_next_slot_is_refused(node, reference):
    gossip, relayed, _ = node
    assert gossip.handle(_tampered(reference[0])) is GossipVerdict.INVALID_PROOF
    assert relayed == [] and gossip.state.next_input.slot == 1


def test_cheap_refusals_cost_no_aes(node, reference):
    gossip, _, backend = node
    gossip.handle(reference[0])
    gossip.handle(reference[1])  # next slot is 3, current slot 2
    r = reference
    assert gossip.handle(b"\x00" * 10) is GossipVerdict.NOT_DECODABLE
    assert gossip.handle(r[0]) is GossipVerdict.OLD_SLOT
    assert gossip.handle(r[12]) is GossipVerdict.TOO_FAR_IN_THE_FUTURE  # slot 13 > 2 + 10
    assert gossip.handle(r[11]) is GossipVerdict.QUEUED  # slot 12 = 2 + 10
    assert gossip.handle(PotProof(3, bytes(16), SMALL_ITERATIONS, r[2].checkpoints)) is GossipVerdict.NEXT_SLOT_MISMATCH
    assert gossip.handle(PotProof(5, r[4].seed, 2 * SMALL_ITERATIONS, r[4].checkpoints)) \
        is GossipVerdict.ITERATIONS_OUT_OF_RANGE
    assert gossip.handle(PotProof(5, r[4].seed, SMALL_ITERATIONS - 16, r[4].checkpoints)) \
        is GossipVerdict.ITERATIONS_OUT_OF_RANGE
    assert backend.verify_batches == [1, 1] and backend.prove_calls == 0


def test_current_slot_is_checked_against_the_cache(node, reference):
    gossip, _, _ = node
    gossip.handle(reference[0])
    assert gossip.handle(reference[0]) is GossipVerdict.OUTDATED
    assert gossip.handle(_tampered(reference[0])) is GossipVerdict.INVALID_PROOF
