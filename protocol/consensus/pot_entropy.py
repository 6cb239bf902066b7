"""Entropy injection and scheduled slot-iteration changes on the runtime side (storage_and_time.md 2.3).

Every `interval` blocks (50) a block stores the entropy BLAKE3(solution chunk || its PoT output); the entry
of `lookback` intervals earlier (100 blocks) gets a target slot `delay` (15) slots after the current block's
slot, and from then on blocks deposit a `PotParametersChange {target slot, iterations, entropy}` digest that
the node side applies through `PotNextSlotInput.derive` (protocol.consensus.pot). A root call may raise the
slot iterations (`set_slot_iterations`); the raise waits for the next injection and takes effect at the same
target slot.

`PotEntropyState.on_block` runs the five steps of 2.3 in their order for one block; `pot_parameters()` is what
the runtime API reports after it (current iterations, next change). The state is plain data, so the node can
keep one per chain head (copy it on forks with `copy()`).
"""
from __future__ import annotations

import copy as _copy
from collections import OrderedDict
from dataclasses import dataclass

import blake3

from protocol.constants import (
    POT_ENTROPY_INJECTION_DELAY, POT_ENTROPY_INJECTION_INTERVAL, POT_ENTROPY_INJECTION_LOOKBACK_DEPTH,
    SCALAR_BYTES, BLOCK_AUTHORING_DELAY,
)
from protocol.consensus.pot import PotError, PotInvalidInput, PotParametersChange, check_seed, check_slot_iterations


class PotSlotIterationsMustIncrease(PotError):
    """set_pot_slot_iterations: the new value must be strictly greater than the current one."""


class PotSlotIterationsUpdateAlreadyScheduled(PotError):
    """set_pot_slot_iterations: an earlier update already has its target slot."""


def block_entropy(chunk: bytes, proof_of_time: bytes) -> bytes:
    """Entropy a block contributes: BLAKE3(solution chunk 32 B || its own PoT output 16 B) (2.3 step 3)."""
    if not isinstance(chunk, (bytes, bytearray)) or len(chunk) != SCALAR_BYTES:
        raise PotInvalidInput(f"solution chunk must be {SCALAR_BYTES} bytes")
    return blake3.blake3(bytes(chunk) + check_seed(proof_of_time, "proof of time")).digest()


@dataclass
class _Entry:
    entropy: bytes
    target_slot: int | None = None


@dataclass
class _IterationsUpdate:
    slot_iterations: int
    target_slot: int | None = None


class PotEntropyState:
    """The runtime's PoT parameters: current slot iterations, stored entropy, a pending iterations raise."""

    def __init__(self, slot_iterations: int, interval: int = POT_ENTROPY_INJECTION_INTERVAL,
                 lookback_depth: int = POT_ENTROPY_INJECTION_LOOKBACK_DEPTH,
                 delay: int = POT_ENTROPY_INJECTION_DELAY) -> None:
        # const-asserted in the reference: interval > delay > authoring delay + 1
        if not interval > delay > BLOCK_AUTHORING_DELAY + 1 or lookback_depth < 1:
            raise PotInvalidInput("need interval > delay > block authoring delay + 1 and lookback depth >= 1")
        self.slot_iterations = check_slot_iterations(slot_iterations)
        self.interval = interval
        self.lookback_depth = lookback_depth
        self.delay = delay
        self.entries: OrderedDict[int, _Entry] = OrderedDict()  # block number -> entropy, in block order
        self.pending: _IterationsUpdate | None = None
        self.last_block: int | None = None

    def copy(self) -> "PotEntropyState":
        return _copy.deepcopy(self)

    def set_slot_iterations(self, slot_iterations: int) -> None:
        """Root call `set_pot_slot_iterations`: a multiple of 16, strictly above the current value; it takes
        effect at the target slot of the next entropy injection."""
        check_slot_iterations(slot_iterations)
        if self.pending is not None and self.pending.target_slot is not None:
            raise PotSlotIterationsUpdateAlreadyScheduled(
                f"an update to {self.pending.slot_iterations} is already scheduled for slot {self.pending.target_slot}")
        if slot_iterations <= self.slot_iterations:
            raise PotSlotIterationsMustIncrease(f"{slot_iterations} <= current {self.slot_iterations}")
        self.pending = _IterationsUpdate(slot_iterations)

    def _source(self, block_number: int) -> int | None:
        """Block whose entropy the digest of `block_number` carries: floor(b/I)*I - I*D, if not negative."""
        source = block_number // self.interval * self.interval - self.interval * self.lookback_depth
        return source if source >= 0 else None

    def _change_for(self, block_number: int) -> PotParametersChange | None:
        source = self._source(block_number)
        entry = self.entries.get(source) if source is not None else None
        if entry is None or entry.target_slot is None:
            return None
        iterations = self.slot_iterations
        if self.pending is not None and self.pending.target_slot == entry.target_slot:
            iterations = self.pending.slot_iterations
        return PotParametersChange(entry.target_slot, iterations, entry.entropy)

    def on_block(self, block_number: int, slot: int, chunk: bytes, proof_of_time: bytes) -> PotParametersChange | None:
        """Run 2.3 for block `block_number` at `slot` (its solution's chunk and its PoT output); returns the
        PotParametersChange digest the block deposits, or None. Blocks come one after another (number >= 1)."""
        if block_number < 1:
            raise PotInvalidInput("on_block runs for blocks >= 1 (genesis has no on_initialize)")
        # 1. a pending raise whose target slot has come becomes current
        if self.pending is not None and self.pending.target_slot is not None and self.pending.target_slot <= slot:
            self.slot_iterations = self.pending.slot_iterations
            self.pending = None
        # 2.-3. every interval: store this block's entropy, schedule the entry `lookback` intervals back
        source = self._source(block_number)
        if block_number % self.interval == 0:
            self.entries[block_number] = _Entry(block_entropy(chunk, proof_of_time))
            if source is not None and source in self.entries:
                target = slot + self.delay
                self.entries[source].target_slot = target
                if self.pending is not None and self.pending.target_slot is None:
                    self.pending.target_slot = target
        # 4. the digest
        change = self._change_for(block_number)
        # 5. drop the oldest entry once its target slot has passed
        if self.entries:
            oldest_block, oldest = next(iter(self.entries.items()))
            if oldest.target_slot is not None and oldest.target_slot < slot:
                del self.entries[oldest_block]
        self.last_block = block_number
        return change

    def pot_parameters(self) -> tuple[int, PotParametersChange | None]:
        """Runtime API `pot_parameters()` after the last block: (slot iterations, next change)."""
        if self.last_block is None:
            return self.slot_iterations, None
        return self.slot_iterations, self._change_for(self.last_block)
