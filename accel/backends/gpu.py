"""What the OpenCL and CUDA backends share: every GPU operation is written once against
`accel.device.GpuDevice`, and the two backends differ only in the device wrapper they hold."""
from __future__ import annotations

from accel.backend import Backend
from accel.device import DeviceInfo, GpuDevice
from accel.encoding.gpu import EncodingGpu
from accel.erasure.ops import ErasureGpu
from accel.hashing.ops import HashingGpu
from accel.kzg.ops import MsmGpu
from accel.plotting.ops import PosGpu
from accel.pot.ops import PotGpu


class GpuBackend(HashingGpu, EncodingGpu, ErasureGpu, MsmGpu, PosGpu, PotGpu, Backend):
    gpu: GpuDevice

    def __init__(self, device: DeviceInfo, gpu: GpuDevice) -> None:
        self.device = device
        self.gpu = gpu
