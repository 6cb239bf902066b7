"""Backends produce byte-identical sectors (issue 9): a 2-piece sector plotted on the CPU and on
OpenCL (pocl here; skipped where no OpenCL device exists) gives the same sector file and metadata
file, and the same through `plot_sectors`. CUDA is compared the same way on a GPU machine."""
from __future__ import annotations

import pytest

import accel
from farm_support import PUBLIC_KEY, synthetic_piece
from protocol.farmer.batch import plot_sectors
from protocol.farmer.plotting import load_sector

PIECES = 2


def _available(name: str) -> bool:
    try:
        accel.backend(name)
    except accel.BackendUnavailable:
        return False
    return True


@pytest.fixture(scope="module")
def cpu_farm(tmp_path_factory):
    farm = tmp_path_factory.mktemp("cpu-farm")
    plot_sectors("cpu", PUBLIC_KEY, farm, 1, PIECES, 1, synthetic_piece)
    return farm


@pytest.mark.parametrize("name", ["opencl", pytest.param("cuda", marks=pytest.mark.cuda)])
def test_backend_sector_bytes_equal_cpu(name, cpu_farm, tmp_path):
    if not _available(name):
        pytest.skip(f"{name} backend unavailable here")
    plot_sectors(name, PUBLIC_KEY, tmp_path, 1, PIECES, 1, synthetic_piece)
    ours, theirs = load_sector(cpu_farm, 0, PUBLIC_KEY), load_sector(tmp_path, 0, PUBLIC_KEY)
    assert theirs is not None
    assert theirs.path.read_bytes() == ours.path.read_bytes()
    assert theirs.metadata_path.read_bytes() == ours.metadata_path.read_bytes()
