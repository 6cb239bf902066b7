"""Crash-safe file writes: write to a temporary file beside the target, fsync it, rename over the
target and fsync the directory, so a crash leaves either the old file or the complete new one."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable


def atomic_write(path: Path, parts: Iterable[bytes | memoryview]) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        for part in parts:
            f.write(part)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
