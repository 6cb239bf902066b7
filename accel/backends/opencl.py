"""The OpenCL backend (pyopencl): the kernels of accel/kernels/ on any OpenCL device."""
from __future__ import annotations

from accel.backends.gpu import GpuBackend
from accel.device import DeviceInfo, OpenCLDevice


class OpenCLBackend(GpuBackend):
    name = "opencl"

    def __init__(self, device: DeviceInfo) -> None:
        super().__init__(device, OpenCLDevice(device))
