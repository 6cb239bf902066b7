"""Erasure coding (storage_and_time.md section 4) per backend: extend 2^n source scalars to 2^(n+1)
evaluations, and recover all 2^(n+1) values from a random half of the shards. n = 15 is one record
(2^15 -> 2^16); n = 12 is the size of an EIP-7594 blob (the ckzg peer in accel/erasure/bench.py)."""
from __future__ import annotations

import numpy as np

from accel.erasure.bench import random_scalars

from .common import BACKENDS, backend_or_skip


PATTERNS = 6  # distinct missing-shard patterns cycled through: more than the backend caches (4), so
# every timed recover pays for its zero polynomial as a farmer decoding different records does


def _setup(backend: str, log_source: int):
    be = backend_or_skip(backend)
    n = 1 << log_source
    source = random_scalars(n)
    parity = be.erasure_extend(source)  # compile / warm up (numba, OpenCL build, twiddles)
    full = [v for pair in zip([source[i * 32:(i + 1) * 32] for i in range(n)], parity) for v in pair]
    rng = np.random.default_rng(2)
    patterns = []
    for _ in range(PATTERNS):
        keep = set(rng.permutation(2 * n)[:n].tolist())
        patterns.append([v if i in keep else None for i, v in enumerate(full)])
    be.erasure_recover(patterns[0])  # warm up the recovery path too
    return be, source, patterns


class ErasureExtend:
    params = (BACKENDS, [12, 15])
    param_names = ["backend", "log2_source"]
    timeout = 300

    def setup(self, backend, log2_source):
        self.be, self.source, _ = _setup(backend, log2_source)

    def time_extend(self, backend, log2_source):
        self.be.erasure_extend(self.source)

    def peakmem_extend(self, backend, log2_source):
        self.be.erasure_extend(self.source)


class ErasureRecover:
    params = (BACKENDS, [12, 15])
    param_names = ["backend", "log2_source"]
    timeout = 300

    def setup(self, backend, log2_source):
        self.be, _, self.patterns = _setup(backend, log2_source)
        self.calls = 0

    def _next(self):
        self.calls += 1
        return self.patterns[self.calls % PATTERNS]

    def time_recover_from_half(self, backend, log2_source):
        """A different random half on every call (no missing-pattern cache hit)."""
        self.be.erasure_recover(self._next())

    def time_recover_same_half(self, backend, log2_source):
        """The same half every call: the backend's cached zero polynomial (repeated decodes of one record)."""
        self.be.erasure_recover(self.patterns[0])

    def peakmem_recover_from_half(self, backend, log2_source):
        self.be.erasure_recover(self._next())
