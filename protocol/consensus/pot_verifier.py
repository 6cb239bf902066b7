"""Verifying the proof-of-time slot chain (storage_and_time.md 2.4, protocol.md 3.2 step 2).

`PotVerifier` keeps the checkpoints of verified (seed, slot iterations) pairs in a bounded LRU: the chain is
deterministic, so a pair once verified answers every later question about it (the same checkpoints are
valid, any others are not) without AES work. On a miss it asks the backend:

- `verify_checkpoints` / `verify_proof`: one slot, full verification (`be.pot_verify`: ~8x cheaper than
  proving), as gossip does before relaying a proof;
- `verify_slots`: a run of consecutive slots (chain sync): the chaining (slot numbers, seeds, iterations,
  injections) is checked first with named errors, then every uncached slot in one `be.pot_verify_many`
  call (all cores, or one GPU launch);
- `verify_justification`: the checkpoints a block carries for the slots since its parent; `full=False` is
  the quick path of block import during sync: the checkpoints are only anchored (last output = the block's
  future proof of time, chained inputs) and cached as if verified, `full_pot_verification` decides which
  blocks get which (every block near the sync target, a random sample further back);
- `is_output_valid`: the slow path, proving slot after slot from the cache or the backend.

Only `accel.backend(...)` objects are used; no backend library is imported here.
"""
from __future__ import annotations

import random
import threading
from collections import OrderedDict
from typing import Iterable, Sequence

import accel
from protocol.constants import BLOCK_AUTHORING_DELAY, POT_FULL_VERIFICATION_DEPTH, POT_VERIFIER_CACHE_SIZE
from protocol.consensus.pot import (
    InvalidProofOfTime, PotCheckpointCountMismatch, PotInvalidInput, PotIterationsMismatch, PotNextSlotInput,
    PotParametersChange, PotProof, PotSeedMismatch, PotSlotMismatch, applicable_change, chain_inputs,
    check_checkpoints, check_seed, check_slot_iterations,
)

Changes = Iterable[PotParametersChange] | PotParametersChange | None
_Key = tuple[bytes, int]


def _as_backend(backend) -> "accel.Backend":
    return accel.backend(backend) if isinstance(backend, str) else backend


def full_pot_verification(block_number: int, sync_target: int, rng: random.Random | None = None) -> bool:
    """Whether block import verifies this block's PoT fully (True) or quickly (sc-consensus-subspace):
    always within POT_FULL_VERIFICATION_DEPTH (1,581) blocks of the sync target (or past it); further
    back a random sample of about 1,581..3,162 blocks per distance band, thinning to 1 in 1,000."""
    diff = sync_target - block_number
    if diff <= POT_FULL_VERIFICATION_DEPTH:
        return True
    double = 2 * POT_FULL_VERIFICATION_DEPTH  # 3,162
    if diff <= 6_234:
        sample_size = POT_FULL_VERIFICATION_DEPTH
    elif diff <= 20 * double:  # 63,240
        sample_size = double * (diff - double) // (diff - 1)
    elif diff <= 1_000 * double:  # 3,162,000
        sample_size = double
    else:
        sample_size = diff // 1_000
    return (rng or random).randint(0, diff) < sample_size


class PotVerifier:
    """Verifies PoT slots on a backend and remembers the verified ones (bounded LRU, thread-safe)."""

    def __init__(self, backend, genesis_seed: bytes | None = None, cache_size: int = POT_VERIFIER_CACHE_SIZE) -> None:
        if cache_size < 1:
            raise PotInvalidInput("cache_size must be at least 1")
        self.backend = _as_backend(backend)
        self.genesis_seed = check_seed(genesis_seed, "genesis seed") if genesis_seed is not None else None
        self.cache_size = cache_size
        self._cache: OrderedDict[_Key, tuple[bytes, ...]] = OrderedDict()
        self._lock = threading.Lock()  # the cache
        self._backend_lock = threading.Lock()  # one verification on the device at a time
        self.stats = {"cache_hits": 0, "verified_slots": 0, "rejected_slots": 0, "proved_slots": 0, "batches": 0}

    # ------------------------------------------------------------------------------------- cache
    def __len__(self) -> int:
        return len(self._cache)

    def try_get_checkpoints(self, seed: bytes, slot_iterations: int) -> tuple[bytes, ...] | None:
        """Verified checkpoints of (seed, iterations) if cached (refreshes their LRU position)."""
        key = (bytes(seed), slot_iterations)
        with self._lock:
            cps = self._cache.get(key)
            if cps is not None:
                self._cache.move_to_end(key)
                self.stats["cache_hits"] += 1
            return cps

    def inject_verified_checkpoints(self, seed: bytes, slot_iterations: int, checkpoints: Sequence[bytes]) -> None:
        """Remember checkpoints as verified without checking them: our own timekeeper's, or the quick path."""
        self._store((check_seed(seed), check_slot_iterations(slot_iterations)), check_checkpoints(checkpoints))

    def _store(self, key: _Key, checkpoints: tuple[bytes, ...]) -> None:
        with self._lock:
            self._cache[key] = checkpoints
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    # ------------------------------------------------------------------------------ verification
    def verify_many(self, items: Sequence[tuple[bytes, int, Sequence[bytes]]]) -> list[bool]:
        """Full verification of independent (seed, iterations, checkpoints): cached pairs answer from the
        cache, the rest (deduplicated) go to the backend in one `pot_verify_many` call; valid ones are cached.
        Malformed items raise PotInvalidInput / PotCheckpointCountMismatch before any work."""
        checked = [(check_seed(s), check_slot_iterations(n), check_checkpoints(c)) for s, n, c in items]
        results: list[bool | None] = []
        todo: dict[tuple[bytes, int, tuple[bytes, ...]], list[int]] = {}
        for i, (seed, iterations, cps) in enumerate(checked):
            cached = self.try_get_checkpoints(seed, iterations)
            results.append(None if cached is None else cached == cps)
            if cached is None:
                todo.setdefault((seed, iterations, cps), []).append(i)
        if todo:
            unique = list(todo)
            with self._backend_lock:
                verdicts = self.backend.pot_verify_many([(s, n, list(c)) for s, n, c in unique])
            self.stats["batches"] += 1
            for (seed, iterations, cps), ok in zip(unique, verdicts):
                self.stats["verified_slots" if ok else "rejected_slots"] += 1
                if ok:
                    self._store((seed, iterations), cps)
                for i in todo[(seed, iterations, cps)]:
                    results[i] = bool(ok)
        return [bool(r) for r in results]

    def verify_checkpoints(self, seed: bytes, slot_iterations: int, checkpoints: Sequence[bytes]) -> bool:
        """Full verification of one slot's checkpoints (cache first)."""
        return self.verify_many([(seed, slot_iterations, checkpoints)])[0]

    def verify_proof(self, proof: PotProof, expected: PotNextSlotInput | None = None, full: bool = True) -> None:
        """Check one slot; raises PotSlotMismatch / PotSeedMismatch / PotIterationsMismatch when it is not
        the slot `expected`, InvalidProofOfTime when its checkpoints are wrong. `full=False` caches it unchecked."""
        if expected is not None:
            _check_against(proof, expected)
        if not full:
            self.inject_verified_checkpoints(proof.seed, proof.slot_iterations, proof.checkpoints)
        elif not self.verify_checkpoints(proof.seed, proof.slot_iterations, proof.checkpoints):
            raise InvalidProofOfTime(f"slot {proof.slot}: checkpoints are not the chain of its seed", proof.slot)

    def verify_slots(self, proofs: Sequence[PotProof], first_input: PotNextSlotInput | None = None,
                     changes: Changes = None) -> None:
        """Verify a run of consecutive slots (chain sync) in one batch. Each slot must be the one derived
        from the one before (with `changes` applied), the first one `first_input` if given; then every
        slot's checkpoints must verify. Raises the named error of the first offending slot."""
        proofs = list(proofs)
        if not proofs:
            return
        changes = _listed(changes)
        expected = first_input
        for proof in proofs:
            if expected is not None:
                _check_against(proof, expected)
            expected = proof.next_input(applicable_change(changes, proof.slot + 1))
        verdicts = self.verify_many([(p.seed, p.slot_iterations, p.checkpoints) for p in proofs])
        for proof, ok in zip(proofs, verdicts):
            if not ok:
                raise InvalidProofOfTime(f"slot {proof.slot}: checkpoints are not the chain of its seed", proof.slot)

    def verify_justification(self, seed: bytes, checkpoints: Sequence[Sequence[bytes]], slot: int,
                             future_proof_of_time: bytes, slot_iterations: int, change: Changes = None,
                             full: bool = True, expected_seed: bytes | None = None,
                             parent_future_slot: int | None = None,
                             authoring_delay: int = BLOCK_AUTHORING_DELAY) -> list[PotProof]:
        """Check the PoT a block for `slot` carries (protocol.md 3.2 step 2): checkpoint sets of the slots
        up to its future slot (slot + 4), the first proved from `seed`. The last output must be the block's
        `future_proof_of_time`; inputs chain with `derive`; at import `expected_seed` (the parent's next seed,
        or the genesis seed) and the count (future slot - `parent_future_slot`) must match. Full: every
        set verified in one batch; quick: cached unchecked. Returns the slots as PotProofs."""
        sets = [check_checkpoints(c) for c in checkpoints]
        if not sets:
            raise PotCheckpointCountMismatch("a PoT justification needs at least one checkpoint set")
        future_slot = slot + authoring_delay
        if parent_future_slot is not None and len(sets) != future_slot - parent_future_slot:
            raise PotCheckpointCountMismatch(f"{len(sets)} checkpoint sets for slots {parent_future_slot + 1}.."
                                             f"{future_slot}")
        seed = check_seed(seed)
        if expected_seed is not None and seed != expected_seed:
            raise PotSeedMismatch("justification seed is not the one following the parent block")
        if sets[-1][-1] != check_seed(future_proof_of_time, "future proof of time"):
            raise InvalidProofOfTime("last checkpoint is not the block's future proof of time", future_slot)
        first_slot = future_slot - (len(sets) - 1)
        if first_slot < 1:
            raise InvalidProofOfTime("more checkpoint sets than slots before the future slot", future_slot)
        change = _listed(change)
        first_change = applicable_change(change, first_slot)
        iterations = first_change.slot_iterations if first_change is not None else slot_iterations
        inputs = chain_inputs(PotNextSlotInput(first_slot, iterations, seed), [cps[-1] for cps in sets], change)
        proofs = [PotProof.for_input(i, cps) for i, cps in zip(inputs, sets)]
        if full:
            self.verify_slots(proofs, proofs[0].input, change)
        else:
            for p in proofs:
                self.inject_verified_checkpoints(p.seed, p.slot_iterations, p.checkpoints)
        return proofs

    # -------------------------------------------------------------------------------- slow path
    def get_checkpoints(self, slot_input: PotNextSlotInput) -> tuple[bytes, ...]:
        """Checkpoints of an input: from the cache, else proved on the backend (sequential, slow) and cached."""
        cps = self.try_get_checkpoints(slot_input.seed, slot_input.slot_iterations)
        if cps is None:
            cps = tuple(self.backend.pot_prove(slot_input.seed, slot_input.slot_iterations))
            self.stats["proved_slots"] += 1
            self._store((slot_input.seed, slot_input.slot_iterations), cps)
        return cps

    def is_output_valid(self, slot_input: PotNextSlotInput, slots: int, output: bytes, changes: Changes = None) -> bool:
        """Whether `slots` slots proved on from `slot_input` end with `output` (re-proves uncached slots)."""
        if slots < 1:
            raise PotInvalidInput("slots must be at least 1")
        output = check_seed(output, "output")
        changes = _listed(changes)
        current = slot_input
        for i in range(slots):
            cps = self.get_checkpoints(current)
            if i == slots - 1:
                return cps[-1] == output
            current = PotNextSlotInput.derive(current.slot_iterations, current.slot, cps[-1],
                                              applicable_change(changes, current.slot + 1))
        return False  # unreachable


def _listed(changes: Changes) -> list[PotParametersChange] | PotParametersChange | None:
    if changes is None or isinstance(changes, PotParametersChange):
        return changes
    return list(changes)


def _check_against(proof: PotProof, expected: PotNextSlotInput) -> None:
    if proof.slot != expected.slot:
        raise PotSlotMismatch(f"proof for slot {proof.slot}, expected slot {expected.slot}")
    if proof.seed != expected.seed:
        raise PotSeedMismatch(f"slot {proof.slot}: seed {proof.seed.hex()} != expected {expected.seed.hex()}")
    if proof.slot_iterations != expected.slot_iterations:
        raise PotIterationsMismatch(f"slot {proof.slot}: {proof.slot_iterations} iterations, expected "
                                    f"{expected.slot_iterations}")
