"""Record encoding and decoding (storage_and_time.md 6.2 and 9) of one 1 MiB record at the network's
K=20, per backend: PoS table, erasure extension to 2^16 chunks, proofs for all 65,536 s-buckets and
BLAKE3 masking (decode: table, unmasking, recovery from the 2^15 present chunks)."""
from __future__ import annotations

from accel.erasure.bench import random_scalars
from accel.plotting.constants import K_PRODUCTION

from .common import BACKENDS, backend_or_skip

SEED = bytes(range(32))


class RecordEncoding:
    params = (BACKENDS,)
    param_names = ["backend"]
    number = 1
    repeat = (1, 5, 300.0)
    timeout = 900

    def setup(self, backend):
        self.be = backend_or_skip(backend)
        self.record = random_scalars(2**15, seed=5)
        self.encoded = self.be.encode_record(SEED, self.record, K_PRODUCTION)  # compile / warm up

    def time_encode_record(self, backend):
        self.be.encode_record(SEED, self.record, K_PRODUCTION)

    def time_decode_record(self, backend):
        self.be.decode_record(SEED, self.encoded, K_PRODUCTION)

    def peakmem_encode_record(self, backend):
        self.be.encode_record(SEED, self.record, K_PRODUCTION)
