"""Quick benchmark of proof of time (storage_and_time.md 2.1, 11) against peers measured in the same run.

- prove: chained AES-128 per second of `be.pot_prove` (one slot), against OpenSSL's AES-128-CBC over a
  big zero buffer measured the way `openssl speed -evp aes-128-cbc` does (the same chain with no
  per-call overhead: the ceiling of one core). Reference: ~200 M/s on a 6 GHz i9-14900K.
- verify one slot: how many times faster `be.pot_verify` is than `be.pot_prove` on the same slot (the
  reference's gossip code assumes >= 7x, EXPECTED_POT_VERIFICATION_SPEEDUP).
- verify many (chain sync): slots per second of `be.pot_verify_many`, against proving those slots
  (slots per second of `be.pot_prove`) measured in the same run.
"""
from __future__ import annotations

import os
import time

import accel
from accel.benchmarking import Figure, measure_rate
from accel.pot.openssl_chain import raw_cbc_rate

EXPECTED_VERIFICATION_SPEEDUP = 7  # sc-proof-of-time gossip assumption (storage_and_time.md 11)


def _seconds(fn, clock=time.perf_counter) -> float:
    t0 = clock()
    fn()
    return clock() - t0


def run(backend_name: str, quick: bool = True) -> list[Figure]:
    be = accel.backend(backend_name)
    repeats = 3 if quick else 7
    iterations = 2**20 if quick else 2**24
    seed = os.urandom(16)
    checkpoints = be.pot_prove(seed, iterations)

    prove, low, high = measure_rate(lambda: be.pot_prove(seed, iterations), iterations / 1e6, repeats)
    peer = raw_cbc_rate(0.3 if quick else 1.0)[0] / 1e6
    figures = [Figure("pot", f"prove one slot of {iterations:,} iterations", be.name, prove, "M AES/s", low, high,
                      repeats, "OpenSSL AES-128-CBC, one big buffer (openssl speed style)", peer,
                      "same chained AES; ours is bounded by it (proving is sequential)")]

    # one slot big enough that the fixed cost of a call (~0.1 ms: key schedule, arrays) stays < 1%
    iterations = 2**22 if quick else 2**24
    checkpoints = be.pot_prove(seed, iterations)
    be.pot_verify(seed, iterations, checkpoints)  # compile / warm up
    # On the CPU backend proving and one-slot verification both run on the calling thread, so the CPU
    # time of that thread compares them unaffected by other processes taking turns on the core; GPU
    # verification waits on the device, so there wall time it is.
    cpu = be.name == "cpu"
    clock = time.thread_time if cpu else time.perf_counter
    speedups = []
    for _ in range(repeats):  # pairs measured back to back
        prove_s = _seconds(lambda: be.pot_prove(seed, iterations), clock)
        verify_s = _seconds(lambda: be.pot_verify(seed, iterations, checkpoints), clock)
        speedups.append(prove_s / verify_s)
    speedups.sort()
    median = speedups[len(speedups) // 2]
    figures.append(Figure("pot", f"verify one slot of {iterations:,} iterations, speedup over proving it"
                          + (" (CPU time of the calling thread)" if cpu else ""), be.name,
                          median, "x", speedups[0], speedups[-1], repeats, None, None,
                          f"the reference assumes >= {EXPECTED_VERIFICATION_SPEEDUP}x"))

    slots = 16 if quick else 256
    batch_iterations = 2**18 if quick else 2**20
    items = []
    for i in range(slots):
        s = os.urandom(16)
        items.append((s, batch_iterations, be.pot_prove(s, batch_iterations)))
    be.pot_verify_many(items[:1])
    rate, low, high = measure_rate(lambda: be.pot_verify_many(items), slots, repeats)
    peer, peer_low, peer_high = measure_rate(lambda: be.pot_prove(items[0][0], batch_iterations), 1, repeats)
    figures.append(Figure("pot", f"verify {slots} slots of {batch_iterations:,} iterations (chain sync)", be.name,
                          rate, "slots/s", low, high, repeats, "proving the same slots (pot_prove)", peer,
                          peer_low=peer_low, peer_high=peer_high))
    return figures
