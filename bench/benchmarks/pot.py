"""Proof of time per backend: proving one slot (the sequential chain), verifying one slot, and verifying a
run of slots in one batch (chain sync)."""
from __future__ import annotations

import numpy as np

from .common import BACKENDS, backend_or_skip

ITERATIONS = 2**20  # per slot: ~5 ms of chain at 200 M AES/s


class PotProve:
    params = (BACKENDS,)
    param_names = ["backend"]

    def setup(self, backend):
        self.be = backend_or_skip(backend)
        self.seed = bytes(range(16))

    def time_prove_slot(self, backend):
        self.be.pot_prove(self.seed, ITERATIONS)


class PotVerify:
    params = (BACKENDS, [1, 64])
    param_names = ["backend", "slots"]
    timeout = 300

    def setup(self, backend, slots):
        self.be = backend_or_skip(backend)
        rng = np.random.default_rng(3)
        self.items = []
        for _ in range(slots):
            seed = rng.bytes(16)
            self.items.append((seed, ITERATIONS, self.be.pot_prove(seed, ITERATIONS)))
        self.be.pot_verify_many(self.items[:1])  # compile / warm up

    def time_verify_many(self, backend, slots):
        assert all(self.be.pot_verify_many(self.items))
