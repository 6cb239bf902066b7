"""Proof-of-time gossip: which received slots to verify, relay, keep or drop (storage_and_time.md 2.4).

A node relays a PoT proof only once it is verified, and only the proof of its own next slot:

- cheap checks first (no AES): older than the current slot, more than 10 slots ahead of it, for the next
  slot but with another seed or iterations, or iterations outside [current, 1.5 x current] -> dropped;
- for the next slot: full verification (`PotVerifier`, cached), then the state is extended and the proof
  relayed;
- for a later slot (up to 10 ahead): kept, and looked at again whenever the tip moves; when the slot is
  reached the distinct candidates are verified one by one, unless there are so many of them
  (>= POT_EXPECTED_VERIFICATION_SPEEDUP, 7) that proving the slot ourselves is cheaper;
- for the current (already proved) slot: checked against the cache only (a different proof is invalid).

Verdicts are returned (`GossipVerdict`) so that the network layer can adjust peer reputation; the
bytes on the wire are `PotProof.encode()` (156 bytes).
"""
from __future__ import annotations

import enum
from typing import Callable

from protocol.constants import (
    POT_EXPECTED_VERIFICATION_SPEEDUP, POT_GOSSIP_MAX_ITERATIONS_GROWTH, POT_MAX_SLOTS_IN_THE_FUTURE,
)
from protocol.consensus.pot import PotError, PotNextSlotInput, PotProof
from protocol.consensus.timekeeper import PotState


class GossipVerdict(enum.Enum):
    ACCEPTED = "accepted"  # verified proof of the next slot: state extended, relayed
    QUEUED = "queued"  # future slot, kept until it is next
    DUPLICATE = "duplicate"  # already queued or already our slot
    OUTDATED = "outdated"  # the current slot, not contradicting what we know
    NOT_DECODABLE = "not decodable"
    OLD_SLOT = "old slot"
    TOO_FAR_IN_THE_FUTURE = "too far in the future"
    NEXT_SLOT_MISMATCH = "next slot mismatch"
    ITERATIONS_OUT_OF_RANGE = "slot iterations outside of range"
    INVALID_PROOF = "invalid proof"


class PotGossip:
    """Gossip handling on top of a `PotState` (whose verifier does the checking)."""

    def __init__(self, state: PotState, relay: Callable[[bytes], None] | None = None,
                 max_slots_in_the_future: int = POT_MAX_SLOTS_IN_THE_FUTURE,
                 prove_threshold: int = POT_EXPECTED_VERIFICATION_SPEEDUP) -> None:
        self.state = state
        self.verifier = state.verifier
        self.relay = relay
        self.max_slots_in_the_future = max_slots_in_the_future
        self.prove_threshold = prove_threshold
        self._future: dict[bytes, PotProof] = {}  # encoded proof -> proof, slots beyond the next one
        # the state's own lock: the timekeeper thread enters state -> gossip (subscriber), the network thread
        # gossip -> state (try_extend); one lock for both cannot deadlock
        self._lock = state.lock
        self._draining = False
        state.subscribe(lambda _proof: self.on_next_slot_input())
        state.on_reset(lambda _input: self.on_next_slot_input())

    def _precheck(self, proof: PotProof, next_input: PotNextSlotInput) -> GossipVerdict | None:
        current_slot = next_input.slot - 1
        if proof.slot < current_slot:
            return GossipVerdict.OLD_SLOT
        if proof.slot > current_slot + self.max_slots_in_the_future:
            return GossipVerdict.TOO_FAR_IN_THE_FUTURE
        if proof.slot == next_input.slot and not next_input.matches(proof):
            return GossipVerdict.NEXT_SLOT_MISMATCH
        num, den = POT_GOSSIP_MAX_ITERATIONS_GROWTH
        if not next_input.slot_iterations <= proof.slot_iterations <= next_input.slot_iterations * num // den:
            return GossipVerdict.ITERATIONS_OUT_OF_RANGE
        return None

    def handle(self, message: bytes | PotProof) -> GossipVerdict:
        """Process one received proof (its encoded bytes or a PotProof)."""
        if isinstance(message, PotProof):
            proof = message
        else:
            try:
                proof = PotProof.decode(message)
            except PotError:
                return GossipVerdict.NOT_DECODABLE
        with self._lock:
            next_input = self.state.next_input
            verdict = self._precheck(proof, next_input)
            if verdict is not None:
                return verdict
            if proof.slot < next_input.slot:
                known = self.verifier.try_get_checkpoints(proof.seed, proof.slot_iterations)
                if known is not None and known != proof.checkpoints:
                    return GossipVerdict.INVALID_PROOF
                return GossipVerdict.OUTDATED
            if proof.slot > next_input.slot:
                key = proof.encode()
                if key in self._future:
                    return GossipVerdict.DUPLICATE
                self._future[key] = proof
                return GossipVerdict.QUEUED
            if not self.verifier.verify_checkpoints(proof.seed, proof.slot_iterations, proof.checkpoints):
                return GossipVerdict.INVALID_PROOF
            draining, self._draining = self._draining, True  # relay this slot before queued later ones
            try:
                extended = self.state.try_extend(next_input, proof)
            finally:
                self._draining = draining
            if not extended:
                return GossipVerdict.DUPLICATE
            self._relay(proof)
            self.on_next_slot_input()
            return GossipVerdict.ACCEPTED

    def _relay(self, proof: PotProof) -> None:
        if self.relay is not None:
            self.relay(proof.encode())

    def on_next_slot_input(self) -> list[PotProof]:
        """Look at the queued proofs again after the tip moved: drop the outdated, accept the next slot's
        correct one (verifying the candidates, or proving the slot if there are too many). Returns the proofs
        accepted (each extends the state, which may make the next queued slot current in turn)."""
        with self._lock:
            if self._draining:
                return []
            self._draining = True
            accepted: list[PotProof] = []
            try:
                while True:
                    next_input = self.state.next_input
                    candidates = []
                    for key, proof in list(self._future.items()):
                        if proof.slot <= next_input.slot:
                            del self._future[key]
                            if proof.slot == next_input.slot and next_input.matches(proof):
                                candidates.append(proof)
                    if not candidates:
                        return accepted
                    correct = self._choose(next_input, candidates)
                    if correct is None or not self.state.try_extend(next_input, correct):
                        return accepted
                    accepted.append(correct)
                    self._relay(correct)
            finally:
                self._draining = False

    def _choose(self, next_input: PotNextSlotInput, candidates: list[PotProof]) -> PotProof | None:
        if len(candidates) < self.prove_threshold:
            for proof in candidates:
                if self.verifier.verify_checkpoints(proof.seed, proof.slot_iterations, proof.checkpoints):
                    return proof
            return None
        checkpoints = self.verifier.get_checkpoints(next_input)  # cheaper than verifying them all
        return next((p for p in candidates if p.checkpoints == checkpoints), None)

    @property
    def queued(self) -> int:
        return len(self._future)
