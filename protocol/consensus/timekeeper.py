"""The node's proof-of-time tip and the timekeeper that extends it (storage_and_time.md 2.2, 2.4).

`PotState` is the node's view of the slot chain: the input of the next slot to prove, the scheduled
parameters change (entropy injection / new iterations, from the best block's runtime), the recent slots,
and the subscribers that get every new slot (`PotProof`: slot, seed, iterations, checkpoints), in slot
order. It is extended by whoever has the next slot first, our timekeeper or a verified gossip proof
(`try_extend` succeeds only for the input it was proved from), and re-anchored on block import
(`update`: derive the next input from the best block's future PoT, then fast-forward through slots the
verifier already knows, so a chain that agrees with us keeps our tip and one that injected other
entropy moves it back).

`Timekeeper` proves one slot after another on a backend (`be.pot_prove`: the sequential AES chain on a
CPU core) and offers `step()` (one slot), `run(stop_event)` (loop, for any thread or executor) and
`start()`/`stop()` (its own daemon thread). `slot_duration` paces it: the reference proves as fast as
the chain's iterations allow (~1 s at 206,557,520 iterations); the dev node uses a few thousand
iterations and a pace instead, since its slots would otherwise take microseconds.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Callable

import accel
from protocol.constants import POT_SLOT_ITERATIONS_DEMO, SLOT_DURATION_MS
from protocol.consensus.pot import (
    PotInvalidInput, PotNextSlotInput, PotParametersChange, PotProof, applicable_change, check_seed,
)
from protocol.consensus.pot_verifier import PotVerifier

log = logging.getLogger(__name__)

Subscriber = Callable[[PotProof], None]
RECENT_SLOTS = 256  # [DESIGN] slots kept for block production (justifications reach back to the parent's slot)


class PotState:
    """Next slot input + scheduled change + recent slots + subscribers; thread-safe (one re-entrant lock,
    held while subscribers run so that they see slots in order: subscribers must return quickly)."""

    def __init__(self, next_input: PotNextSlotInput, verifier: PotVerifier,
                 parameters_change: PotParametersChange | None = None, recent_slots: int = RECENT_SLOTS) -> None:
        self._next = next_input
        self.verifier = verifier
        self._change = parameters_change
        self._recent: OrderedDict[int, PotProof] = OrderedDict()
        self._recent_slots = recent_slots
        self._subscribers: list[Subscriber] = []
        self._reset_listeners: list[Callable[[PotNextSlotInput], None]] = []
        self._lock = threading.RLock()

    # ------------------------------------------------------------------------------------ reading
    @property
    def lock(self) -> threading.RLock:
        """The state's re-entrant lock (shared with gossip handling)."""
        return self._lock

    @property
    def next_input(self) -> PotNextSlotInput:
        return self._next

    @property
    def parameters_change(self) -> PotParametersChange | None:
        return self._change

    @property
    def latest(self) -> PotProof | None:
        """The last slot published, if any."""
        with self._lock:
            return next(reversed(self._recent.values()), None)

    def get(self, slot: int) -> PotProof | None:
        """A recent slot by number (the last RECENT_SLOTS published)."""
        with self._lock:
            return self._recent.get(slot)

    def slots(self, first: int, last: int) -> list[PotProof] | None:
        """Slots first..last inclusive, or None if any is not held (e.g. for a block's justification)."""
        with self._lock:
            out = [self._recent.get(s) for s in range(first, last + 1)]
        return None if any(p is None for p in out) else out  # type: ignore[return-value]

    # ---------------------------------------------------------------------------------- listeners
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(proof)` for every new slot; returns a function that unsubscribes it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)
        return unsubscribe

    def on_reset(self, callback: Callable[[PotNextSlotInput], None]) -> None:
        """Call `callback(next_input)` whenever the tip is moved by `update`/`reset` rather than extended."""
        with self._lock:
            self._reset_listeners.append(callback)

    # ---------------------------------------------------------------------------------- changing
    def set_parameters_change(self, change: PotParametersChange | None) -> None:
        """The best block's scheduled change; applied when the chain reaches its slot."""
        with self._lock:
            self._change = change

    def try_extend(self, expected: PotNextSlotInput, proof: PotProof) -> bool:
        """Publish `proof` as the next slot iff the tip is still `expected` and the proof is for it (the
        caller verified or proved it). Returns False (nothing changes) when the tip has moved on."""
        with self._lock:
            if self._next != expected or not expected.matches(proof):
                return False
            self.verifier.inject_verified_checkpoints(proof.seed, proof.slot_iterations, proof.checkpoints)
            self._next = proof.next_input(applicable_change(self._change, proof.slot + 1))
            self._recent[proof.slot] = proof
            while len(self._recent) > self._recent_slots:
                self._recent.popitem(last=False)
            for callback in list(self._subscribers):
                try:
                    callback(proof)
                except Exception:  # noqa: BLE001 - a subscriber's bug must not stop the chain
                    log.exception("PoT subscriber %r failed on slot %d", callback, proof.slot)
            return True

    def reset(self, next_input: PotNextSlotInput) -> None:
        """Move the tip to `next_input` (restart from a given slot)."""
        with self._lock:
            if next_input == self._next:
                return
            self._next = next_input
            for slot in [s for s in self._recent if s >= next_input.slot]:
                del self._recent[slot]
            listeners = list(self._reset_listeners)
            for callback in listeners:
                try:
                    callback(next_input)
                except Exception:  # noqa: BLE001
                    log.exception("PoT reset listener %r failed", callback)

    def update(self, best_slot: int, best_output: bytes, best_slot_iterations: int,
               parameters_change: PotParametersChange | None) -> PotNextSlotInput:
        """Re-anchor on the best block: its (future) PoT slot and output, its runtime's slot iterations and
        next change. The next input is derived from it, then advanced over every slot whose checkpoints
        the verifier holds; if that is not the current tip, the tip moves there (and the timekeeper restarts
        from it). Returns the resulting next input."""
        best_output = check_seed(best_output, "best output")
        with self._lock:
            self._change = parameters_change
            slot, output, iterations = best_slot, best_output, best_slot_iterations
            for _ in range(self.verifier.cache_size + 1):  # bounded: each step consumes one cached slot
                candidate = PotNextSlotInput.derive(iterations, slot, output,
                                                    applicable_change(parameters_change, slot + 1))
                if candidate == self._next:
                    break
                known = self.verifier.try_get_checkpoints(candidate.seed, candidate.slot_iterations)
                if known is None:
                    break
                slot, output, iterations = candidate.slot, known[-1], candidate.slot_iterations
            if candidate != self._next:
                self.reset(candidate)  # behind (other entropy, or our slots not on this chain) or ahead of us
            return self._next


class Timekeeper:
    """Proves the slot chain on a backend and publishes each slot through a `PotState`."""

    def __init__(self, backend, state: PotState, slot_duration: float | None = None) -> None:
        self.backend = accel.backend(backend) if isinstance(backend, str) else backend
        self.state = state
        self.slot_duration = slot_duration
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.proved = 0  # slots proved by us and published
        self.discarded = 0  # slots proved by us but superseded (gossip or reset was first)

    @classmethod
    def from_genesis(cls, backend, genesis_seed: bytes, slot_iterations: int = POT_SLOT_ITERATIONS_DEMO,
                     verifier: PotVerifier | None = None, slot_duration: float | None = None,
                     parameters_change: PotParametersChange | None = None) -> "Timekeeper":
        """A timekeeper at slot 1 (genesis seed, no derivation: storage_and_time.md 2.2)."""
        be = accel.backend(backend) if isinstance(backend, str) else backend
        verifier = verifier or PotVerifier(be, genesis_seed)
        state = PotState(PotNextSlotInput.genesis(genesis_seed, slot_iterations), verifier, parameters_change)
        return cls(be, state, slot_duration)

    @classmethod
    def resume(cls, backend, last: PotProof, verifier: PotVerifier | None = None,
               parameters_change: PotParametersChange | None = None,
               slot_duration: float | None = None) -> "Timekeeper":
        """A timekeeper continuing after `last` (e.g. the last slot a restarted node had stored), with the
        best block's scheduled change, if any."""
        be = accel.backend(backend) if isinstance(backend, str) else backend
        verifier = verifier or PotVerifier(be)
        state = PotState(last.next_input(parameters_change), verifier, parameters_change)
        return cls(be, state, slot_duration)

    @staticmethod
    def dev_slot_duration() -> float:
        """The network's slot duration in seconds (1 s), the natural pace for a dev node."""
        return SLOT_DURATION_MS / 1000

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        return self.state.subscribe(callback)

    @property
    def next_input(self) -> PotNextSlotInput:
        return self.state.next_input

    def step(self) -> PotProof | None:
        """Prove the next slot and publish it; None if the tip moved while proving (nothing published by us)."""
        slot_input = self.state.next_input
        checkpoints = self.backend.pot_prove(slot_input.seed, slot_input.slot_iterations)
        proof = PotProof.for_input(slot_input, checkpoints)
        if self.state.try_extend(slot_input, proof):
            self.proved += 1
            return proof
        self.discarded += 1
        return None

    def run(self, stop_event: threading.Event, max_slots: int | None = None) -> int:
        """Prove slots until `stop_event` is set (or `max_slots` are published); returns how many. With a
        `slot_duration`, slot k is published no earlier than k slot durations after the start."""
        published = 0
        start = time.monotonic()
        while not stop_event.is_set() and (max_slots is None or published < max_slots):
            if self.step() is not None:
                published += 1
            if self.slot_duration:
                wait = start + published * self.slot_duration - time.monotonic()
                if wait > 0 and stop_event.wait(wait):
                    break
        return published

    def start(self, max_slots: int | None = None) -> threading.Thread:
        """Run in a daemon thread (the reference gives the timekeeper a dedicated core)."""
        if self._thread is not None and self._thread.is_alive():
            raise PotInvalidInput("timekeeper already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, args=(self._stop, max_slots), name="pot-timekeeper",
                                        daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to stop after the slot it is proving, and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
