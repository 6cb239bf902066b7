"""The proof-of-time slot chain's data and its chaining rules (storage_and_time.md 2.2, protocol.md 3.1).

- `PotProof`: one slot of the chain, (slot, seed, slot iterations, 8 checkpoints), with its output (the
  last checkpoint) and its 156-byte SCALE form (the gossip message of `/subspace/subspace-proof-of-time/1`:
  slot u64 LE, seed 16 B, iterations u32 LE, checkpoints 8 x 16 B).
- `PotNextSlotInput`: what the next slot is proved from, and `derive`, the rule that chains slots: the
  parent's output becomes the seed, unless a `PotParametersChange` lands on exactly that slot, in which
  case the seed is BLAKE3(entropy || parent output)[..16] (entropy injection); a change at or before the
  slot also sets the slot iterations.
- `genesis_seed`, `injected_seed`, `global_randomness`: the hash rules of 2.2.
- Named errors (all `ValueError`s) for what a verifier refuses.

The proving and verifying themselves are the backend's (`accel.backend(...).pot_prove / pot_verify /
pot_verify_many`); this module is pure bookkeeping and never touches hardware.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Iterable, Sequence

import blake3

from protocol.constants import (
    HASH_SIZE, POT_CHECKPOINTS, POT_ENTROPY_SIZE, POT_GENESIS_SLOT, POT_ITERATIONS_MULTIPLE, POT_OUTPUT_SIZE,
    POT_SEED_SIZE,
)

U32_MAX = 2**32 - 1  # slot iterations are a NonZeroU32 on the network
U64_MAX = 2**64 - 1  # slot numbers are u64
POT_PROOF_ENCODED_SIZE = 8 + POT_SEED_SIZE + 4 + POT_CHECKPOINTS * POT_OUTPUT_SIZE  # 156


# ------------------------------------------------------------------------------------------- errors
class PotError(ValueError):
    """Base of every proof-of-time refusal."""


class PotInvalidInput(PotError):
    """Malformed data: wrong seed/entropy/checkpoint size, slot or iterations out of range."""


class PotCheckpointCountMismatch(PotError):
    """A slot carries a number of checkpoints other than 8, or a justification the wrong number of slots."""


class PotSeedMismatch(PotError):
    """A slot's seed is not the one the chain derives for it (wrong parent output or missed injection)."""


class PotIterationsMismatch(PotError):
    """A slot's iterations are not the ones the chain derives for it."""


class PotSlotMismatch(PotError):
    """Slots of a run are not consecutive, or a proof is not for the slot expected."""


class InvalidProofOfTime(PotError):
    """The checkpoints are not the AES chain of the seed (or the output is not where the chain leads)."""

    def __init__(self, message: str, slot: int | None = None) -> None:
        super().__init__(message)
        self.slot = slot


# ----------------------------------------------------------------------------------------- checks
def check_seed(seed: bytes, what: str = "PoT seed") -> bytes:
    """16 bytes (PotSeed / PotOutput), else PotInvalidInput."""
    if not isinstance(seed, (bytes, bytearray, memoryview)) or len(seed) != POT_SEED_SIZE:
        got = len(seed) if isinstance(seed, (bytes, bytearray, memoryview)) else type(seed).__name__
        raise PotInvalidInput(f"{what} must be {POT_SEED_SIZE} bytes, got {got}")
    return bytes(seed)


def check_slot_iterations(iterations: int) -> int:
    """A u32 multiple of 16 (2.1: iterations % (2 x checkpoints) == 0), else PotInvalidInput."""
    if isinstance(iterations, bool) or not isinstance(iterations, int):
        raise PotInvalidInput(f"slot iterations must be an int, got {type(iterations).__name__}")
    if not 0 < iterations <= U32_MAX or iterations % POT_ITERATIONS_MULTIPLE:
        raise PotInvalidInput(f"slot iterations must be a positive u32 multiple of {POT_ITERATIONS_MULTIPLE}, "
                              f"got {iterations}")
    return iterations


def check_slot(slot: int) -> int:
    if isinstance(slot, bool) or not isinstance(slot, int) or not 0 <= slot <= U64_MAX:
        raise PotInvalidInput(f"slot must be a u64, got {slot!r}")
    return slot


def check_checkpoints(checkpoints: Sequence[bytes]) -> tuple[bytes, ...]:
    """Exactly 8 blocks of 16 bytes: PotCheckpointCountMismatch or PotInvalidInput otherwise."""
    if isinstance(checkpoints, (bytes, bytearray, memoryview, str)):
        raise PotInvalidInput("checkpoints must be a sequence of 16-byte blocks, not one byte string")
    checkpoints = tuple(checkpoints)
    if len(checkpoints) != POT_CHECKPOINTS:
        raise PotCheckpointCountMismatch(f"expected {POT_CHECKPOINTS} checkpoints, got {len(checkpoints)}")
    return tuple(check_seed(cp, f"checkpoint {i}") for i, cp in enumerate(checkpoints))


# ------------------------------------------------------------------------------------ hash rules
def genesis_seed(genesis_hash: bytes, external_entropy: bytes = b"") -> bytes:
    """PotSeed::from_genesis = BLAKE3(genesis block hash 32 B || external entropy)[..16] (2.2).

    `external_entropy` is the UTF-8 of the chain spec's `potExternalEntropy` (or the CLI's), empty if none.
    """
    if not isinstance(genesis_hash, (bytes, bytearray)) or len(genesis_hash) != HASH_SIZE:
        raise PotInvalidInput(f"genesis hash must be {HASH_SIZE} bytes")
    if isinstance(external_entropy, str):
        external_entropy = external_entropy.encode()
    return blake3.blake3(bytes(genesis_hash) + bytes(external_entropy)).digest()[:POT_SEED_SIZE]


def injected_seed(entropy: bytes, parent_output: bytes) -> bytes:
    """Seed of the slot where entropy is injected: BLAKE3(entropy 32 B || parent output 16 B)[..16] (2.2)."""
    if not isinstance(entropy, (bytes, bytearray)) or len(entropy) != POT_ENTROPY_SIZE:
        raise PotInvalidInput(f"entropy must be {POT_ENTROPY_SIZE} bytes")
    return blake3.blake3(bytes(entropy) + check_seed(parent_output, "parent output")).digest()[:POT_SEED_SIZE]


def global_randomness(pot_output: bytes) -> bytes:
    """Randomness of a slot = BLAKE3(its PoT output), 32 bytes (2.2); the farmer's global challenge is
    BLAKE3(randomness || slot u64 LE) (`protocol.farmer.global_challenge`)."""
    return blake3.blake3(check_seed(pot_output, "PoT output")).digest()


# ------------------------------------------------------------------------------------- data types
@dataclass(frozen=True)
class PotParametersChange:
    """A scheduled change of the PoT chain (runtime digest, 2.3): from `slot` on the chain runs
    `slot_iterations` per slot, and the seed of `slot` itself mixes in `entropy` (32 B)."""

    slot: int
    slot_iterations: int
    entropy: bytes

    def __post_init__(self) -> None:
        check_slot(self.slot)
        check_slot_iterations(self.slot_iterations)
        if not isinstance(self.entropy, bytes) or len(self.entropy) != POT_ENTROPY_SIZE:
            raise PotInvalidInput(f"entropy must be {POT_ENTROPY_SIZE} bytes")


@dataclass(frozen=True)
class PotNextSlotInput:
    """What slot `slot` is proved from: `seed` (16 B) and `slot_iterations` (AES steps for the slot)."""

    slot: int
    slot_iterations: int
    seed: bytes

    def __post_init__(self) -> None:
        check_slot(self.slot)
        check_slot_iterations(self.slot_iterations)
        check_seed(self.seed)

    @classmethod
    def genesis(cls, seed: bytes, slot_iterations: int) -> "PotNextSlotInput":
        """Input of the first slot (slot 1): the genesis seed, the runtime's iterations, no derivation (2.2)."""
        return cls(POT_GENESIS_SLOT, slot_iterations, seed)

    @classmethod
    def derive(cls, base_iterations: int, parent_slot: int, parent_output: bytes,
               change: PotParametersChange | None = None) -> "PotNextSlotInput":
        """PotNextSlotInput::derive (2.2): next slot = parent + 1; a change with `slot <= next` sets the
        iterations, and one with `slot == next` injects its entropy into the seed; else the seed is the
        parent output verbatim."""
        next_slot = check_slot(parent_slot + 1)
        parent_output = check_seed(parent_output, "parent output")
        iterations = base_iterations
        seed = parent_output
        if change is not None and change.slot <= next_slot:
            iterations = change.slot_iterations
            if change.slot == next_slot:
                seed = injected_seed(change.entropy, parent_output)
        return cls(next_slot, iterations, seed)

    def matches(self, proof: "PotProof") -> bool:
        return (proof.slot, proof.seed, proof.slot_iterations) == (self.slot, self.seed, self.slot_iterations)


def applicable_change(changes: Iterable[PotParametersChange] | PotParametersChange | None,
                      next_slot: int) -> PotParametersChange | None:
    """Of several scheduled changes, the one `derive` should see for `next_slot`: the latest with
    `slot <= next_slot` (it alone sets the iterations from then on), else None."""
    if changes is None:
        return None
    if isinstance(changes, PotParametersChange):
        changes = (changes,)
    best = None
    for change in changes:
        if change.slot <= next_slot and (best is None or change.slot > best.slot):
            best = change
    return best


@dataclass(frozen=True)
class PotProof:
    """One proved slot: the chain from `seed` over `slot_iterations` AES-128 steps, as 8 checkpoints."""

    slot: int
    seed: bytes
    slot_iterations: int
    checkpoints: tuple[bytes, ...]

    def __post_init__(self) -> None:
        check_slot(self.slot)
        check_seed(self.seed)
        check_slot_iterations(self.slot_iterations)
        object.__setattr__(self, "checkpoints", check_checkpoints(self.checkpoints))

    @classmethod
    def for_input(cls, slot_input: PotNextSlotInput, checkpoints: Sequence[bytes]) -> "PotProof":
        return cls(slot_input.slot, slot_input.seed, slot_input.slot_iterations, tuple(checkpoints))

    @property
    def output(self) -> bytes:
        """PotOutput of the slot: the last checkpoint."""
        return self.checkpoints[-1]

    @property
    def input(self) -> PotNextSlotInput:
        return PotNextSlotInput(self.slot, self.slot_iterations, self.seed)

    def next_input(self, change: Iterable[PotParametersChange] | PotParametersChange | None = None
                   ) -> PotNextSlotInput:
        """The input of the slot after this one (derive with this slot's iterations as the base)."""
        return PotNextSlotInput.derive(self.slot_iterations, self.slot, self.output,
                                       applicable_change(change, self.slot + 1))

    def encode(self) -> bytes:
        """SCALE of the gossip proof: slot u64 LE || seed || iterations u32 LE || 8 checkpoints."""
        return struct.pack("<Q", self.slot) + self.seed + struct.pack("<I", self.slot_iterations) + b"".join(
            self.checkpoints)

    @classmethod
    def decode(cls, data: bytes) -> "PotProof":
        """Inverse of `encode`; PotInvalidInput on a wrong length or invalid field."""
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) != POT_PROOF_ENCODED_SIZE:
            raise PotInvalidInput(f"an encoded PoT proof is {POT_PROOF_ENCODED_SIZE} bytes")
        data = bytes(data)
        (slot,) = struct.unpack_from("<Q", data, 0)
        seed = data[8:8 + POT_SEED_SIZE]
        (iterations,) = struct.unpack_from("<I", data, 8 + POT_SEED_SIZE)
        body = data[12 + POT_SEED_SIZE:]
        checkpoints = tuple(body[i * POT_OUTPUT_SIZE:(i + 1) * POT_OUTPUT_SIZE] for i in range(POT_CHECKPOINTS))
        return cls(slot, seed, iterations, checkpoints)


def chain_inputs(first: PotNextSlotInput, outputs: Sequence[bytes],
                 changes: Iterable[PotParametersChange] | PotParametersChange | None = None
                 ) -> list[PotNextSlotInput]:
    """Inputs of len(outputs) consecutive slots starting at `first`, where outputs[i] is slot i's output:
    [first, derive(first, outputs[0]), ...]. Used to check a run of slots or a block justification."""
    changes = list(changes) if changes is not None and not isinstance(changes, PotParametersChange) else changes
    inputs = [first]
    for output in outputs[:-1]:
        prev = inputs[-1]
        inputs.append(PotNextSlotInput.derive(prev.slot_iterations, prev.slot, output,
                                              applicable_change(changes, prev.slot + 1)))
    return inputs
