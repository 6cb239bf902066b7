"""The CPU backend: numba kernels over all cores (and OpenSSL / curve libraries where they win)."""
from __future__ import annotations

import numba  # noqa: F401 - fail here, with a clear BackendUnavailable from accel.backend, if missing

from accel.backend import Backend
from accel.device import DeviceInfo
from accel.hashing.ops import HashingCpu


class CpuBackend(HashingCpu, Backend):
    name = "cpu"

    def __init__(self, device: DeviceInfo) -> None:
        self.device = device
