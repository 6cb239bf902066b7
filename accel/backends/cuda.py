"""The CUDA backend (CuPy, kernels compiled by NVRTC): the kernels of accel/kernels/ on NVIDIA GPUs."""
from __future__ import annotations

from accel.backends.gpu import GpuBackend
from accel.device import CudaDevice, DeviceInfo


class CudaBackend(GpuBackend):
    name = "cuda"

    def __init__(self, device: DeviceInfo) -> None:
        super().__init__(device, CudaDevice(device))
