"""Batch plotting for `autonomys plot` (storage_and_time.md 6): many sectors from a piece source, on one
machine or as Ray tasks across a cluster (protocol.md 5: plotters), resuming where a run stopped.

Piece sources: `PieceDirectory` (files `<piece index>.piece` of 1,048,672 bytes, e.g. exported from a
node's piece cache) or the dev chain's genesis history (`dev_history`). Each Ray task creates its own
`accel` backend on the worker (so a GPU worker plots on its GPU) and writes the sector into the shared
farm directory with the same write-fsync-rename discipline as local plotting.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Callable

import accel
from protocol.constants import PIECE_SIZE, PIECES_PER_SEGMENT
from protocol.farmer.files import clean_stale
from protocol.farmer.plotting import PlottedSector, load_sector, plot_sector

GPU_BACKENDS = ("cuda", "opencl")

_PIECE_NAME = re.compile(r"^(\d+)\.piece$")


class PieceDirectory:
    """Pieces stored one per file as `<piece index>.piece`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise ValueError(f"piece directory {self.path} does not exist")

    def indexes(self) -> list[int]:
        return sorted(int(m.group(1)) for p in self.path.iterdir() if (m := _PIECE_NAME.match(p.name)))

    def history_size(self) -> int:
        """Segments present: 1 + the highest segment index among the pieces (ValueError if empty)."""
        idx = self.indexes()
        if not idx:
            raise ValueError(f"no <index>.piece files in {self.path}")
        return idx[-1] // PIECES_PER_SEGMENT + 1

    def __call__(self, index: int) -> bytes:
        path = self.path / f"{index}.piece"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KeyError(f"piece {index} is not in {self.path}") from None
        if len(data) != PIECE_SIZE:
            raise ValueError(f"{path}: {len(data)} bytes, a piece is {PIECE_SIZE}")
        return data


class DictPieces:
    """Pieces held in memory (the dev history)."""

    def __init__(self, pieces: dict[int, bytes]) -> None:
        self.pieces = pieces

    def __call__(self, index: int) -> bytes:
        if index not in self.pieces:
            raise KeyError(f"piece {index} is not in the dev history")
        return self.pieces[index]


def dev_history(backend_name: str) -> tuple[DictPieces, int]:
    """The dev chain's genesis history (segment 0) as a piece source, and its history size (1)."""
    from accel.kzg import Kzg, dev_parameters  # noqa: PLC0415
    from protocol.node.genesis import archive_dev_genesis  # noqa: PLC0415

    be = accel.backend(backend_name)
    _, segments = archive_dev_genesis(Kzg(dev_parameters(), be), be)
    pieces = {s.header.segment_index * PIECES_PER_SEGMENT + i: p for s in segments for i, p in enumerate(s.pieces)}
    return DictPieces(pieces), len(segments)


def _plot_one(backend_name: str, public_key: bytes, farm: Path, sector_index: int, pieces_per_sector: int,
              history_size: int, source: Callable[[int], bytes],
              on_record: Callable[[], None] | None = None) -> PlottedSector:
    existing = load_sector(farm, sector_index, public_key)
    if existing is not None:  # finished earlier: resume after it
        if on_record is not None:
            for _ in range(existing.pieces_in_sector):
                on_record()
        return existing
    return plot_sector(accel.backend(backend_name), public_key, sector_index, history_size, pieces_per_sector,
                       source, farm, on_record=(lambda _o: on_record()) if on_record else None)


def ray_task_resources(backend_name: str, cluster_resources: dict, gpus: float = 1) -> dict:
    """Ray options of one task (a sector plot or a proving job): `gpus` GPUs (a whole one by default) for
    GPU backends when the cluster has any, else one CPU (no GPU)."""
    if backend_name in GPU_BACKENDS and cluster_resources.get("GPU", 0) >= 1:
        return {"num_gpus": gpus}
    return {"num_cpus": 1}


def ray_session(ray_address: str | None):
    """The `ray` module, connected to `ray_address` ("local" starts a Ray instance on this machine unless
    one is already running in this process), or None to run in-process: no address, or "local" asked
    while Ray is not installed (with a warning). A cluster address without Ray is a RuntimeError."""
    if ray_address is None:
        return None
    try:
        import ray  # noqa: PLC0415
    except ImportError:
        if ray_address == "local":
            warnings.warn("Ray is not installed: running in-process", RuntimeWarning, stacklevel=3)
            return None
        raise RuntimeError(f"--ray-address {ray_address} needs Ray: pip install 'autonomys-accel[distributed]'") \
            from None
    if not ray.is_initialized():
        # address="local" always starts a new instance: ray.init() without an address would attach to
        # any cluster already running on the machine (started from another checkout or environment)
        ray.init(address=ray_address, include_dashboard=False, log_to_driver=False)
    return ray


def plot_sectors(backend_name: str, public_key: bytes, farm: Path, sectors: int, pieces_per_sector: int,
                 history_size: int, source: Callable[[int], bytes], on_record: Callable[[], None] | None = None,
                 ray_address: str | None = None) -> list[PlottedSector]:
    """Plot sectors 0..sectors-1 of `farm` (skipping finished ones); with `ray_address`, one Ray task each
    (`num_gpus=1` per task when the backend is a GPU one and the cluster has GPUs; "local" starts Ray here,
    and runs in-process when Ray is not installed: `ray_session`). Temporary files left by a killed run
    are removed first (one plotter per farm at a time)."""
    farm = Path(farm)
    farm.mkdir(parents=True, exist_ok=True)
    clean_stale(farm)
    ray = ray_session(ray_address)
    if ray is None:
        return [_plot_one(backend_name, public_key, farm, i, pieces_per_sector, history_size, source, on_record)
                for i in range(sectors)]
    task = ray.remote(_plot_one).options(**ray_task_resources(backend_name, ray.cluster_resources()))
    source_ref = ray.put(source)
    refs = [task.remote(backend_name, public_key, farm, i, pieces_per_sector, history_size, source_ref)
            for i in range(sectors)]
    done = []
    for ref in refs:
        sector = ray.get(ref)
        done.append(sector)
        if on_record is not None:
            for _ in range(sector.pieces_in_sector):
                on_record()
    return done
