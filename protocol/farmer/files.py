"""Crash-safe file writes: write to a temporary file beside the target, fsync it, rename over the
target and fsync the directory, so a crash leaves either the old file or the complete new one.

A sector is two files (the sector file and its metadata file, storage_and_time.md 6.4) that must change
together. `commit_pair` replaces both so that, after `recover_pair`, a crash at any instant leaves
either the complete old pair or the complete new pair (never a new sector file with old metadata):

1. the new sector file is written and fsynced as `<sector>.next`;
2. the new metadata is written atomically as `<meta>.next`: from here the switch is decided;
3. `<sector>.next` is renamed over `<sector>`, then `<meta>.next` over `<meta>`.

`recover_pair` rolls a decided switch forward (step 3) and drops an undecided one (a `<sector>.next`
without `<meta>.next`). Temporary names end in `.tmp` or `.next`; `clean_stale` removes the leftovers
of killed runs.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterable

TEMP_SUFFIXES = (".tmp", ".next")
_commit_lock = threading.Lock()  # one switch or recovery at a time inside a process


def _fsync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _write_fsync(path: Path, parts: Iterable[bytes | memoryview]) -> None:
    with open(path, "wb") as f:
        for part in parts:
            f.write(part)
        f.flush()
        os.fsync(f.fileno())


def atomic_write(path: Path, parts: Iterable[bytes | memoryview]) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    _write_fsync(tmp, parts)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _next(path: Path) -> Path:
    return path.with_name(path.name + ".next")


def commit_pair(data_path: Path, data_parts: Iterable[bytes | memoryview], meta_path: Path,
                meta_parts: Iterable[bytes | memoryview]) -> None:
    """Replace (or create) a data file and its metadata file together (see the module docstring).
    A failure before the decision point (e.g. ENOSPC) removes the new files and leaves the old pair."""
    data_path, meta_path = Path(data_path), Path(meta_path)
    try:
        _write_fsync(_next(data_path), data_parts)
        atomic_write(_next(meta_path), meta_parts)  # the decision point
    except BaseException:
        if not _next(meta_path).exists():  # undecided: drop the partial new files
            for leftover in (_next(data_path), _next(meta_path).with_name(_next(meta_path).name + ".tmp")):
                leftover.unlink(missing_ok=True)
        raise
    with _commit_lock:
        _roll_forward(data_path, meta_path)


def _roll_forward(data_path: Path, meta_path: Path) -> None:
    data_next, meta_next = _next(data_path), _next(meta_path)
    if data_next.exists():
        os.replace(data_next, data_path)
    if meta_next.exists():
        os.replace(meta_next, meta_path)
    _fsync_dir(data_path.parent)


def recover_pair(data_path: Path, meta_path: Path) -> None:
    """Finish a decided switch left by a crash, or drop an undecided one (see the module docstring)."""
    data_path, meta_path = Path(data_path), Path(meta_path)
    with _commit_lock:
        if _next(meta_path).exists():
            try:
                _roll_forward(data_path, meta_path)
            except FileNotFoundError:  # another process finished it concurrently
                pass


def clean_stale(directory: Path) -> list[Path]:
    """Remove temporary files of killed runs in `directory` (recovering decided switches first);
    returns the removed paths. Call only when no writer is active in that directory."""
    directory = Path(directory)
    for meta_next in directory.glob("*.meta.next"):
        meta = meta_next.with_name(meta_next.name[: -len(".next")])
        recover_pair(meta.with_suffix(".plot"), meta)
    removed = []
    for p in directory.iterdir():
        if p.is_file() and p.name.endswith(TEMP_SUFFIXES):
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed
