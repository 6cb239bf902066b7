"""ChaCha8 keystream and BLAKE3 batches per backend."""
from __future__ import annotations

import numpy as np

from .common import BACKENDS, backend_or_skip


class ChaCha8Keystream:
    params = (BACKENDS, [256, 4096])
    param_names = ["backend", "seeds"]

    def setup(self, backend, seeds):
        self.be = backend_or_skip(backend)
        self.seeds = np.random.default_rng(1).integers(0, 256, (seeds, 32), dtype=np.uint8)
        self.be.chacha8_keystream(self.seeds, 1)  # compile/warm up

    def time_keystream_16_blocks(self, backend, seeds):
        self.be.chacha8_keystream(self.seeds, 16)


class Blake3Batch:
    params = (BACKENDS, [32, 160, 1024])
    param_names = ["backend", "message_bytes"]

    def setup(self, backend, message_bytes):
        self.be = backend_or_skip(backend)
        self.msgs = np.random.default_rng(2).integers(0, 256, (4096, message_bytes), dtype=np.uint8)
        self.key = bytes(range(32))
        self.be.blake3_hash_many(self.msgs[:1])

    def time_plain(self, backend, message_bytes):
        self.be.blake3_hash_many(self.msgs)

    def time_keyed(self, backend, message_bytes):
        self.be.blake3_hash_many(self.msgs, keys=self.key)
