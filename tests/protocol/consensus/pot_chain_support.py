"""Helpers of the PoT slot-chain tests: pot.json, small chains proved on the CPU, a backend that counts calls."""
from __future__ import annotations

from vectors import load_vectors

import accel
from protocol.consensus.pot import PotNextSlotInput, PotParametersChange, PotProof

SMALL_ITERATIONS = 256  # 32 AES per checkpoint: microseconds per slot


def pot_case(origin_suffix: str) -> dict:
    return next(c for c in load_vectors("pot.json")["cases"] if c["origin"].endswith(origin_suffix))


def pot_derived_chaining() -> dict:
    """The exact_derived case of pot.json: seeds, chaining, injection, randomness, challenge."""
    return next(c for c in load_vectors("pot.json")["cases"] if c["kind"] == "exact_derived")


def prove_chain(backend, first: PotNextSlotInput, count: int,
                changes: list[PotParametersChange] | PotParametersChange | None = None) -> list[PotProof]:
    """`count` consecutive slots from `first`, proved with backend.pot_prove and chained with derive."""
    proofs, current = [], first
    for _ in range(count):
        proof = PotProof.for_input(current, backend.pot_prove(current.seed, current.slot_iterations))
        proofs.append(proof)
        current = proof.next_input(changes)
    return proofs


class CountingBackend:
    """Wraps a backend and counts its PoT calls (to check what the verifier leaves to the cache)."""

    def __init__(self, backend=None) -> None:
        self.inner = backend or accel.backend("cpu")
        self.name = self.inner.name
        self.prove_calls = 0
        self.verify_batches: list[int] = []

    def pot_prove(self, seed, iterations):
        self.prove_calls += 1
        return self.inner.pot_prove(seed, iterations)

    def pot_verify(self, seed, iterations, checkpoints):
        return self.pot_verify_many([(seed, iterations, checkpoints)])[0]

    def pot_verify_many(self, items):
        self.verify_batches.append(len(items))
        return self.inner.pot_verify_many(items)
