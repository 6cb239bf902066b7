"""The CPU backend: numba kernels over all cores (and OpenSSL / curve libraries where they win)."""
from __future__ import annotations

import numba  # noqa: F401 - fail here, with a clear BackendUnavailable from accel.backend, if missing

from accel.backend import Backend
from accel.device import DeviceInfo
from accel.encoding.ops import EncodingOps
from accel.erasure.ops import ErasureCpu
from accel.hashing.ops import HashingCpu
from accel.kzg.ops import MsmCpu
from accel.plotting.ops import PosCpu
from accel.pot.ops import PotCpu


class CpuBackend(HashingCpu, EncodingOps, PosCpu, ErasureCpu, MsmCpu, PotCpu, Backend):
    name = "cpu"

    def __init__(self, device: DeviceInfo) -> None:
        self.device = device
