"""G1 multi-scalar multiplication through prepared bases, and KZG commitments, per backend and size
(storage_and_time.md section 3; accel/kzg/bench.py has the peers)."""
from __future__ import annotations

import dataclasses

from accel.kzg import Kzg
from accel.kzg.bench import bench_parameters, random_scalars
from accel.kzg.constants import G1_BYTES

from .common import BACKENDS, backend_or_skip


class Msm:
    params = (BACKENDS, [256, 4096])
    param_names = ["backend", "points"]
    timeout = 300

    def setup(self, backend, points):
        self.be = backend_or_skip(backend)
        powers = bench_parameters(points).g1_powers[:points * G1_BYTES]
        self.bases = self.be.msm_prepare(powers)
        self.scalars = random_scalars(points)
        self.bases.msm(self.scalars)  # compile / warm up

    def time_msm(self, backend, points):
        self.bases.msm(self.scalars)

    def peakmem_msm(self, backend, points):
        self.bases.msm(self.scalars)


class KzgCommit:
    params = (BACKENDS, [2**12, 2**15])
    param_names = ["backend", "values"]
    timeout = 600

    def setup(self, backend, values):
        self.be = backend_or_skip(backend)
        params = bench_parameters(values)
        params = dataclasses.replace(params, g1_powers=params.g1_powers[:values * G1_BYTES])  # prepare only these
        self.kzg = Kzg(params, self.be)
        self.values = random_scalars(values, seed=2)
        self.kzg.commit(self.values)  # prepares the bases, compiles, warms up

    def time_commit(self, backend, values):
        self.kzg.commit(self.values)

    def peakmem_commit(self, backend, values):
        self.kzg.commit(self.values)
