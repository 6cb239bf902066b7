"""Kernel loader: assemble a program from `accel/kernels/`, build it for a device and cache it.

Sources are assembled here rather than left to the compilers' include paths because NVRTC and the
OpenCL compilers disagree on include resolution; inlining with `#line "file"` directives keeps
compiler messages pointing at the original file and line, which `build_error` then extracts.
Built programs are cached per (device, source hash, build options) for the life of the process;
pyopencl and CuPy additionally keep their own on-disk binary caches keyed by source.
"""
from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any

from accel.errors import KernelBuildError

KERNEL_DIR = Path(__file__).resolve().parent
PORTABILITY_HEADER = "port.h"

_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')
_cache: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


def kernel_sources() -> list[str]:
    """Names of every program main file (`*.c`) in accel/kernels/."""
    return sorted(p.name for p in KERNEL_DIR.glob("*.c"))


def _read(directory: Path, name: str) -> str:
    path = directory / name
    if not path.is_file() or path.parent != directory:
        raise KernelBuildError(f"kernel source {name!r} not found in {directory}")
    return path.read_text(encoding="utf-8")


def _inline(directory: Path, name: str, seen: set[str], out: list[str]) -> None:
    if name in seen:  # every header is included once per program
        return
    seen.add(name)
    out.append(f'#line 1 "{name}"')
    for number, line in enumerate(_read(directory, name).splitlines(), start=1):
        m = _INCLUDE.match(line)
        if m:
            _inline(directory, m.group(1), seen, out)
            out.append(f'#line {number + 1} "{name}"')
        else:
            out.append(line)


def assemble(main: str, directory: Path = KERNEL_DIR) -> str:
    """One self-contained source for `main` (a `.c` file): port.h first, includes inlined once each.

    `directory` holds `main` and its headers (accel/kernels/ unless a test points elsewhere); port.h
    always comes from accel/kernels/.
    """
    out: list[str] = []
    seen: set[str] = set()
    _inline(KERNEL_DIR, PORTABILITY_HEADER, seen, out)
    _inline(Path(directory).resolve(), main, seen, out)
    return "\n".join(out) + "\n"


def options_for(defines: dict[str, int | str]) -> tuple[str, ...]:
    """Compiler options (-D) for the given defines, in a stable order."""
    return tuple(f"-D{k}={v}" for k, v in sorted(defines.items()))


def source_hash(source: str, options: tuple[str, ...]) -> str:
    return hashlib.sha256((source + "\0" + "\0".join(options)).encode()).hexdigest()


def build(device: Any, main: str, defines: dict[str, int | str]) -> Any:
    """Build `main` for `device` (a `accel.device.GpuDevice`), reusing a cached program when possible."""
    source = assemble(main)
    options = options_for(defines)
    key = (device.cache_key, source_hash(source, options))
    with _lock:
        program = _cache.get(key)
        if program is None:
            program = _cache[key] = device.compile(source, options)
    return program


# clang/NVIDIA-OpenCL: `file.h:12:5: error: ...`; pocl: `error: file.h:12:5: ...`;
# NVRTC/nvcc: `file.h(12): error: ...`
_ERROR_LOCATIONS = (
    re.compile(r'error:\s*([\w./-]+\.(?:h|c|cu|cl)):(\d+):(?:\d+:)?\s*(.*)'),
    re.compile(r'([\w./-]+\.(?:h|c|cu|cl)):(\d+):(?:\d+:)?\s*(?:fatal )?error:?\s*(.*)'),
    re.compile(r'([\w./-]+\.(?:h|c|cu|cl))\((\d+)\):\s*(?:catastrophic )?error:?\s*(.*)'),
)


def build_error(log: str) -> KernelBuildError:
    """A KernelBuildError pointing at the first error's file and line found in a compiler log."""
    for line in log.splitlines():
        for pattern in _ERROR_LOCATIONS:
            m = pattern.search(line)
            if m:
                return KernelBuildError(m.group(3).strip() or "compile error", file=Path(m.group(1)).name,
                                        line=int(m.group(2)), log=log)
    return KernelBuildError("kernel build failed:\n" + log[-4000:], log=log)
