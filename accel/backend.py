"""The Backend base class and backend selection (`accel.backend`, `accel.available_backends`).

`auto` picks CUDA, then OpenCL on a GPU device, then the CPU. A backend object is created once per
(name, device) and reused, so GPU contexts, compiled programs and resident buffers are shared by
everything in the process that asks for the same backend.
"""
from __future__ import annotations

import functools
import threading
from typing import Callable

from accel.device import DeviceInfo, cpu_devices, cuda_devices, opencl_devices, select_device
from accel.errors import BackendUnavailable

BACKEND_NAMES = ("cpu", "opencl", "cuda")
AUTO_ORDER = ("cuda", "opencl", "cpu")


class Backend:
    """Operations of the public contract (`../shared/spec/README.md`), implemented by one backend.

    Attributes:
        name: "cpu", "opencl" or "cuda" (never "auto").
        device: the device this backend runs on.
    """

    name: str
    device: DeviceInfo

    def __repr__(self) -> str:
        return f"<accel backend {self.name}: {self.device.describe()}>"


def _device_lister(name: str) -> Callable[[], list[DeviceInfo]]:
    return {"cpu": cpu_devices, "opencl": opencl_devices, "cuda": cuda_devices}[name]


def available_backends() -> dict[str, str | None]:
    """Each backend name -> None when usable here, else the reason it is not (with what to install)."""
    out: dict[str, str | None] = {}
    for name in BACKEND_NAMES:
        try:
            _device_lister(name)()
            _backend_class(name)
            out[name] = None
        except BackendUnavailable as e:
            out[name] = str(e)
    return out


def _backend_class(name: str) -> type[Backend]:
    if name == "cpu":
        try:
            from accel.backends.cpu import CpuBackend  # noqa: PLC0415 - imports numba
        except ImportError as e:
            raise BackendUnavailable(f"the CPU backend needs numba ({e}); pip install numba") from e
        return CpuBackend
    if name == "opencl":
        from accel.backends.opencl import OpenCLBackend  # noqa: PLC0415

        return OpenCLBackend
    from accel.backends.cuda import CudaBackend  # noqa: PLC0415

    return CudaBackend


_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def _create(name: str, index: int) -> Backend:
    info = _device_lister(name)()[index]
    return _backend_class(name)(info)  # type: ignore[call-arg]


def backend(name: str = "auto", device: int | str | None = None) -> Backend:
    """The backend `name` ("auto", "cpu", "opencl", "cuda") on `device` (index or name substring).

    Raises BackendUnavailable for an unknown name (listing the valid ones) or a backend that cannot
    run here (saying why and what to install).
    """
    if not isinstance(name, str) or name not in ("auto", *BACKEND_NAMES):
        raise BackendUnavailable(f"unknown backend {name!r}; valid backends: auto, {', '.join(BACKEND_NAMES)}")
    if name == "auto":
        return _auto(device)
    devices = _device_lister(name)()
    info = select_device(devices, device)
    with _lock:
        return _create(name, info.index)


def _auto(device: int | str | None) -> Backend:
    for name in AUTO_ORDER:
        try:
            devices = _device_lister(name)()
        except BackendUnavailable:
            continue
        if name == "opencl":
            devices = [d for d in devices if d.kind == "gpu"]
            if not devices:
                continue
        try:
            info = select_device(devices, device)
        except BackendUnavailable:
            continue
        with _lock:
            return _create(name, info.index)
    raise BackendUnavailable(f"no backend can run here with device={device!r}")
