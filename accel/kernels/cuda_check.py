"""Compile-check the kernels for CUDA on a machine without a GPU.

`nvcc -ptx` is used when it is on PATH; otherwise NVRTC is called directly through ctypes from the
`nvidia-cuda-nvrtc-cu12` wheel (or a system libnvrtc). CuPy's own compile path needs a device, so
this module talks to NVRTC's C API itself (nvrtcCreateProgram / CompileProgram / GetProgramLog /
GetPTX); it only produces PTX text and never launches anything.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from accel.errors import KernelBuildError
from accel.kernels import loader

CHECK_ARCH = "compute_80"  # Ampere and newer: the oldest architecture both NVRTC 12 and nvcc 13 accept


def _nvrtc_candidates() -> list[str]:
    found: list[str] = []
    try:
        import nvidia.cuda_nvrtc  # noqa: PLC0415 - optional wheel

        for base in nvidia.cuda_nvrtc.__path__:
            found += sorted(glob.glob(os.path.join(base, "lib", "libnvrtc.so*")))
    except ImportError:
        pass
    for root in filter(None, (os.environ.get("CUDA_PATH"), os.environ.get("CUDA_HOME"), "/usr/local/cuda")):
        found += sorted(glob.glob(os.path.join(root, "lib64", "libnvrtc.so*")))
    system = ctypes.util.find_library("nvrtc")
    if system:
        found.append(system)
    return [f for f in found if "builtins" not in f and ".alt." not in f]


def load_nvrtc() -> ctypes.CDLL | None:
    """The NVRTC shared library, or None when neither the wheel nor a CUDA toolkit provides it."""
    for candidate in _nvrtc_candidates():
        try:
            return ctypes.CDLL(candidate)
        except OSError:
            continue
    return None


def available_compiler() -> str | None:
    """"nvcc" or "nvrtc" (what `compile_ptx` will use), or None."""
    if shutil.which("nvcc"):
        return "nvcc"
    return "nvrtc" if load_nvrtc() is not None else None


def _check(lib: ctypes.CDLL, status: int, what: str) -> None:
    if status != 0:
        lib.nvrtcGetErrorString.restype = ctypes.c_char_p
        raise KernelBuildError(f"NVRTC {what} failed: {lib.nvrtcGetErrorString(status).decode()}")


def _compile_nvrtc(source: str, name: str, options: tuple[str, ...]) -> str:
    lib = load_nvrtc()
    if lib is None:
        raise KernelBuildError("NVRTC not found: pip install nvidia-cuda-nvrtc-cu12")
    prog = ctypes.c_void_p()
    _check(lib, lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), name.encode(), 0, None, None), "create")
    try:
        opts = [f"--gpu-architecture={CHECK_ARCH}", "--std=c++14", *options]
        arr = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
        status = lib.nvrtcCompileProgram(prog, len(opts), arr)
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(prog, log)
        if status != 0:
            raise loader.build_error(log.value.decode(errors="replace"))
        lib.nvrtcGetPTXSize(prog, ctypes.byref(size))
        ptx = ctypes.create_string_buffer(size.value)
        _check(lib, lib.nvrtcGetPTX(prog, ptx), "get PTX")
        return ptx.value.decode()
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def _compile_nvcc(source: str, name: str, options: tuple[str, ...]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (Path(name).stem + ".cu")
        src.write_text(source, encoding="utf-8")
        out = Path(tmp) / "out.ptx"
        proc = subprocess.run(["nvcc", "-ptx", f"-arch={CHECK_ARCH}", "-std=c++14", *options, "-o", str(out), str(src)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise loader.build_error(proc.stderr + proc.stdout)
        return out.read_text(encoding="utf-8")


def compile_ptx(main: str, defines: dict[str, int | str] | None = None, compiler: str | None = None,
                directory: Path = loader.KERNEL_DIR) -> str:
    """PTX for kernel program `main` (a `.c` file in `directory`, normally accel/kernels/), assembled the
    way the CUDA backend assembles it. `compiler` is "nvcc", "nvrtc" or None for the first available."""
    compiler = compiler or available_compiler()
    source = loader.assemble(main, directory)
    options = loader.options_for(defines or {})
    if compiler == "nvcc":
        return _compile_nvcc(source, main, options)
    if compiler == "nvrtc":
        return _compile_nvrtc(source, main, options)
    raise KernelBuildError("no CUDA compiler: put nvcc on PATH or pip install nvidia-cuda-nvrtc-cu12")
