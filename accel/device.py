"""Device discovery and a thin runtime wrapper over pyopencl and CuPy.

`DeviceInfo` describes one device (what `autonomys backends` prints). `GpuDevice` is the one
interface the GPU modules (`accel/*/gpu.py`) program against: upload, allocate, download, build a
program from `accel/kernels/` and launch a kernel over n work items. `OpenCLDevice` and
`CudaDevice` implement it; everything backend-specific stays in this file and in the loader.

Sizes are in bytes; `compute_units` is OpenCL compute units, CUDA streaming multiprocessors or CPU
hardware threads available to this process.
"""
from __future__ import annotations

import contextlib
import os
import platform
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from accel.errors import BackendUnavailable
from accel.kernels import loader

INSTALL_HINT = {
    "opencl": "install the OpenCL extra (pip install 'autonomys-accel[opencl]') and an OpenCL driver "
    "(a GPU vendor driver, or Debian's pocl-opencl-icd / pip's pocl-binary-distribution for the CPU)",
    "cuda": "install the CUDA extra (pip install 'autonomys-accel[cuda]') on a machine with an NVIDIA GPU "
    "and a driver supporting CUDA 12",
}

DEFAULT_LOCAL_SIZE = 128  # work-group / thread-block size used when a kernel does not ask for another


@dataclass(frozen=True)
class DeviceInfo:
    """One compute device as a backend sees it."""

    backend: str  # "cpu" | "opencl" | "cuda"
    index: int  # position in the backend's device list (the `device=` argument of accel.backend)
    name: str
    kind: str  # "cpu" | "gpu" | "accelerator"
    memory_bytes: int
    compute_units: int
    platform: str = ""

    def describe(self) -> str:
        gib = self.memory_bytes / 2**30
        plat = f" [{self.platform}]" if self.platform else ""
        return f"#{self.index} {self.name}{plat} ({self.kind}, {gib:.1f} GiB, {self.compute_units} compute units)"


# ---------------------------------------------------------------------------------------------- CPU
def cpu_threads() -> int:
    """Hardware threads this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def cpu_devices() -> list[DeviceInfo]:
    """The host CPU as the CPU backend's single device."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        memory = 0
    return [DeviceInfo("cpu", 0, name, "cpu", memory, cpu_threads())]


# ------------------------------------------------------------------------------------------- OpenCL
def _import_pyopencl() -> Any:
    try:
        import pyopencl  # noqa: PLC0415 - optional dependency
    except ImportError as e:
        raise BackendUnavailable(f"pyopencl is not installed ({e}); {INSTALL_HINT['opencl']}") from e
    return pyopencl


def _opencl_raw_devices() -> list[Any]:
    cl = _import_pyopencl()
    try:
        platforms = cl.get_platforms()
    except Exception as e:  # pyopencl raises LogicError/RuntimeError when no ICD is found
        raise BackendUnavailable(f"no OpenCL platform found ({e}); {INSTALL_HINT['opencl']}") from e
    devices = []
    for p in platforms:
        try:
            devices.extend(p.get_devices())
        except Exception:  # a platform without devices
            continue
    if not devices:
        raise BackendUnavailable(f"OpenCL platforms have no devices; {INSTALL_HINT['opencl']}")
    return devices


def _opencl_kind(dev: Any) -> str:
    cl = _import_pyopencl()
    if dev.type & cl.device_type.GPU:
        return "gpu"
    if dev.type & cl.device_type.CPU:
        return "cpu"
    return "accelerator"


def opencl_devices() -> list[DeviceInfo]:
    """Every OpenCL device of every platform; raises BackendUnavailable saying why there is none."""
    return [
        DeviceInfo("opencl", i, d.name.strip(), _opencl_kind(d), int(d.global_mem_size),
                   int(d.max_compute_units), d.platform.name.strip())
        for i, d in enumerate(_opencl_raw_devices())
    ]


# --------------------------------------------------------------------------------------------- CUDA
def _import_cupy() -> Any:
    try:
        import cupy  # noqa: PLC0415 - optional dependency
    except ImportError as e:
        raise BackendUnavailable(f"CuPy is not installed ({e}); {INSTALL_HINT['cuda']}") from e
    return cupy


def cuda_devices() -> list[DeviceInfo]:
    """Every CUDA device; raises BackendUnavailable saying why there is none."""
    cupy = _import_cupy()
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDARuntimeError: no driver, insufficient driver, no device
        raise BackendUnavailable(f"CUDA runtime cannot start ({e}); {INSTALL_HINT['cuda']}") from e
    if count == 0:
        raise BackendUnavailable(f"no CUDA device found; {INSTALL_HINT['cuda']}")
    out = []
    for i in range(count):
        props = cupy.cuda.runtime.getDeviceProperties(i)
        name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
        out.append(DeviceInfo("cuda", i, name, "gpu", int(props["totalGlobalMem"]),
                              int(props["multiProcessorCount"]),
                              f"compute capability {props['major']}.{props['minor']}"))
    return out


def select_device(devices: Sequence[DeviceInfo], device: int | str | None) -> DeviceInfo:
    """Pick a device by index or by a case-insensitive substring of its name (None = the first)."""
    if device is None:
        return devices[0]
    if isinstance(device, int):
        if 0 <= device < len(devices):
            return devices[device]
        raise BackendUnavailable(f"device index {device} out of range; devices: "
                                 + "; ".join(d.describe() for d in devices))
    matches = [d for d in devices if str(device).lower() in d.name.lower()]
    if not matches:
        raise BackendUnavailable(f"no device matches {device!r}; devices: " + "; ".join(d.describe() for d in devices))
    return matches[0]


# ------------------------------------------------------------------------------- runtime wrappers
class GpuDevice:
    """What GPU kernels need from a device: buffers, programs, launches. Implemented for OpenCL and CUDA."""

    info: DeviceInfo
    backend_name: str
    live_bytes: int = 0  # device memory held by buffers from `empty`/`to_device` that are still alive
    peak_bytes: int = 0  # the most `live_bytes` reached since the last `reset_peak` (benchmarks report it)

    def _track(self, buffer: Any, nbytes: int) -> Any:
        """Count `nbytes` of device memory until `buffer` is garbage collected."""
        try:
            weakref.finalize(buffer, self._release, int(nbytes))
        except TypeError:  # a buffer type without weak references: not counted
            return buffer
        self.live_bytes += int(nbytes)
        self.peak_bytes = max(self.peak_bytes, self.live_bytes)
        return buffer

    def _release(self, nbytes: int) -> None:
        self.live_bytes -= nbytes

    def reset_peak(self) -> None:
        self.peak_bytes = self.live_bytes

    def program(self, main_source: str, defines: dict[str, int | str] | None = None) -> Any:
        """Build (or fetch from cache) the program whose main file is `main_source` in accel/kernels/."""
        return loader.build(self, main_source, defines or {})

    # Implemented by subclasses --------------------------------------------------------------------
    def compile(self, source: str, options: tuple[str, ...]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_device(self, array: np.ndarray) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def empty(self, shape: int | tuple[int, ...], dtype: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_host(self, buffer: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def launch(self, program: Any, kernel: str, items: int, args: Sequence[Any],
               local_size: int = DEFAULT_LOCAL_SIZE) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def synchronize(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # Several queues (OpenCL command queues / CUDA streams) for overlapping transfers with compute ----
    def new_queue(self) -> Any:  # pragma: no cover - abstract
        """A further in-order queue (OpenCL) or stream (CUDA) on this device."""
        raise NotImplementedError

    @contextlib.contextmanager
    def on_queue(self, queue: Any) -> Iterator[None]:  # pragma: no cover - abstract
        """Within the block, this thread's uploads, allocations, launches, downloads and `synchronize`
        go to `queue` (from `new_queue`) instead of the device's default queue."""
        raise NotImplementedError
        yield

    def host_buffer(self, shape: int | tuple[int, ...], dtype: Any) -> np.ndarray:
        """A host array that asynchronous transfers can use (page-locked on CUDA)."""
        return np.empty(shape, dtype)

    def to_device_async(self, array: np.ndarray) -> Any:  # pragma: no cover - abstract
        """A device copy of `array`, enqueued on the current queue without waiting; `array` (from
        `host_buffer`) must stay unchanged until work queued after it has completed."""
        raise NotImplementedError

    def to_host_async(self, buffer: Any, out: np.ndarray) -> Any:  # pragma: no cover - abstract
        """Enqueue a copy of `buffer` into the host array `out` (same size) on the current queue; returns
        a token for `wait`."""
        raise NotImplementedError

    def wait(self, token: Any) -> None:  # pragma: no cover - abstract
        """Block until the transfer of `to_host_async` that returned `token` has completed."""
        raise NotImplementedError

    @property
    def cache_key(self) -> tuple[str, int, str]:
        return (self.backend_name, self.info.index, self.info.name)


def _round_up(n: int, m: int) -> int:
    return (n + m - 1) // m * m


class OpenCLDevice(GpuDevice):
    """pyopencl context + in-order queue on one device."""

    backend_name = "opencl"

    def __init__(self, info: DeviceInfo) -> None:
        self.cl = _import_pyopencl()
        import pyopencl.array  # noqa: PLC0415,F401 - registers cl.array

        self.info = info
        self._raw = _opencl_raw_devices()[info.index]
        self.context = self.cl.Context([self._raw])
        self._default_queue = self.cl.CommandQueue(self.context)
        self._local = threading.local()  # this thread's queue while inside `on_queue`
        self._kernels: dict[tuple[int, str], Any] = {}

    @property
    def queue(self) -> Any:
        """The queue this thread's operations go to: the default one unless inside `on_queue`."""
        queue = getattr(self._local, "queue", None)
        return self._default_queue if queue is None else queue

    def new_queue(self) -> Any:
        return self.cl.CommandQueue(self.context)

    @contextlib.contextmanager
    def on_queue(self, queue: Any) -> Iterator[None]:
        previous = getattr(self._local, "queue", None)
        self._local.queue = queue
        try:
            yield
        finally:
            self._local.queue = previous

    def to_device_async(self, array: np.ndarray) -> Any:
        buffer = self.empty(array.shape, array.dtype)
        self.cl.enqueue_copy(self.queue, buffer.data, array, is_blocking=False)
        return buffer

    def to_host_async(self, buffer: Any, out: np.ndarray) -> Any:
        return self.cl.enqueue_copy(self.queue, out, buffer.data, is_blocking=False)

    def wait(self, token: Any) -> None:
        token.wait()

    def compile(self, source: str, options: tuple[str, ...]) -> Any:
        program = self.cl.Program(self.context, source)
        try:
            return program.build(options=list(options))
        except self.cl.RuntimeError as e:  # build failure: the compiler log lives on the program
            try:
                log = program.get_build_info(self._raw, self.cl.program_build_info.LOG)
            except self.cl.Error:
                log = ""
            raise loader.build_error(f"{log}\n{e}") from None

    def to_device(self, array: np.ndarray) -> Any:
        array = np.ascontiguousarray(array)
        return self._track(self.cl.array.to_device(self.queue, array), array.nbytes)

    def empty(self, shape: int | tuple[int, ...], dtype: Any) -> Any:
        buffer = self.cl.array.empty(self.queue, shape, dtype)
        return self._track(buffer, buffer.nbytes)

    def to_host(self, buffer: Any) -> np.ndarray:
        return buffer.get(queue=self.queue)

    def launch(self, program: Any, kernel: str, items: int, args: Sequence[Any],
               local_size: int = DEFAULT_LOCAL_SIZE) -> None:
        if items <= 0:
            return
        key = (id(program), kernel)
        k = self._kernels.get(key)
        if k is None:
            k = self._kernels[key] = getattr(program, kernel)
        local = min(local_size, self._raw.max_work_group_size)
        raw = [a.data if hasattr(a, "data") and isinstance(a, self.cl.array.Array) else a for a in args]
        k(self.queue, (_round_up(items, local),), (local,), *raw)

    def synchronize(self) -> None:
        self.queue.finish()


class CudaDevice(GpuDevice):
    """CuPy device; programs are compiled with NVRTC through `cupy.RawModule`."""

    backend_name = "cuda"

    def __init__(self, info: DeviceInfo) -> None:
        self.cupy = _import_cupy()
        self.info = info
        self._device = self.cupy.cuda.Device(info.index)
        self._functions: dict[tuple[int, str], Any] = {}

    def new_queue(self) -> Any:
        with self._device:
            return self.cupy.cuda.Stream(non_blocking=True)

    @contextlib.contextmanager
    def on_queue(self, queue: Any) -> Iterator[None]:
        with self._device, queue:  # CuPy's current stream is per thread
            yield

    def host_buffer(self, shape: int | tuple[int, ...], dtype: Any) -> np.ndarray:
        count = int(np.prod(shape))
        memory = self.cupy.cuda.alloc_pinned_memory(max(1, count * np.dtype(dtype).itemsize))
        return np.frombuffer(memory, dtype, count).reshape(shape)

    def to_device_async(self, array: np.ndarray) -> Any:
        with self._device:
            buffer = self.cupy.empty(array.shape, array.dtype)
            buffer.set(array, stream=self.cupy.cuda.get_current_stream())
        return self._track(buffer, buffer.nbytes)

    def to_host_async(self, buffer: Any, out: np.ndarray) -> Any:
        with self._device:
            stream = self.cupy.cuda.get_current_stream()
            buffer.get(stream=stream, out=out, blocking=False)  # CuPy >= 13: asynchronous into pinned `out`
            return stream.record()

    def wait(self, token: Any) -> None:
        token.synchronize()

    def compile(self, source: str, options: tuple[str, ...]) -> Any:
        with self._device:
            module = self.cupy.RawModule(code=source, options=("--std=c++14", *options))
            try:
                module.compile()
            except self.cupy.cuda.compiler.CompileException as e:
                raise loader.build_error(e.get_message() if hasattr(e, "get_message") else str(e)) from None
        return module

    def to_device(self, array: np.ndarray) -> Any:
        with self._device:
            buffer = self.cupy.asarray(np.ascontiguousarray(array))
        return self._track(buffer, buffer.nbytes)

    def empty(self, shape: int | tuple[int, ...], dtype: Any) -> Any:
        with self._device:
            buffer = self.cupy.empty(shape, dtype)
        return self._track(buffer, buffer.nbytes)

    def to_host(self, buffer: Any) -> np.ndarray:
        with self._device:
            return self.cupy.asnumpy(buffer)

    def launch(self, program: Any, kernel: str, items: int, args: Sequence[Any],
               local_size: int = DEFAULT_LOCAL_SIZE) -> None:
        if items <= 0:
            return
        key = (id(program), kernel)
        fn = self._functions.get(key)
        if fn is None:
            fn = self._functions[key] = program.get_function(kernel)
        with self._device:
            fn(((items + local_size - 1) // local_size,), (local_size,), tuple(args))

    def synchronize(self) -> None:
        with self._device:
            self.cupy.cuda.get_current_stream().synchronize()
