"""Exceptions of the accel package.

`BackendUnavailable` is raised by `accel.backend()` for an unknown backend name (naming the valid ones)
and for a known backend that cannot run here (saying why and what to install).
`KernelBuildError` is raised by the kernel loader when OpenCL or NVRTC rejects a kernel source; it
carries the original file name and line so that the message points into `accel/kernels/`.
"""
from __future__ import annotations


class BackendUnavailable(RuntimeError):
    """The requested backend is unknown or cannot be used on this machine."""


class KernelBuildError(RuntimeError):
    """A kernel source failed to compile.

    Attributes:
        file: kernel source file the first error points at (relative to `accel/kernels/`), or None.
        line: 1-based line in that file, or None.
        log: the full compiler log.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None, log: str = "") -> None:
        where = f"{file}:{line}: " if file is not None and line is not None else ""
        super().__init__(f"{where}{message}")
        self.file = file
        self.line = line
        self.log = log
