"""Proof-of-space tables (pos.md) per backend: building all seven tables, and answering the 65,536
s-bucket challenges of a record from a built table."""
from __future__ import annotations

import numpy as np

from .common import BACKENDS, backend_or_skip

SEED = bytes.fromhex("23023404333717545b0a6f0c0dde9710e4d3fe2d5cc6cc0a090a0b818bab0f17")
S_BUCKETS = np.arange(2**16, dtype=np.uint32)


class PosTable:
    params = (BACKENDS, [17, 20])
    param_names = ["backend", "k"]
    timeout = 300
    number = 1
    repeat = 3

    def setup(self, backend, k):
        self.be = backend_or_skip(backend)
        self.table = self.be.pos_table(SEED, k)  # also compiles (numba) / builds the kernels

    def time_build_tables(self, backend, k):
        self.be.pos_table(SEED, k)

    def time_prove_all_s_buckets(self, backend, k):
        self.table.prove_many(S_BUCKETS)

    def track_table7_entries(self, backend, k):
        return self.table.table_sizes[-1]
