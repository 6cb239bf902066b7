"""Backends produce byte-identical sectors (issue 9): two one-piece sectors plotted on OpenCL (pocl
here; skipped where no OpenCL device exists) give the same sector and metadata files as the CPU
reference farm. CUDA is compared the same way on a GPU machine."""
from __future__ import annotations

import pytest

import accel
from farm_support import PUBLIC_KEY, REFERENCE_HISTORY, REFERENCE_PIECES, REFERENCE_SECTORS, synthetic_piece
from protocol.farmer.batch import plot_sectors
from protocol.farmer.plotting import sector_paths


def _available(name: str) -> bool:
    try:
        accel.backend(name)
    except accel.BackendUnavailable:
        return False
    return True


@pytest.mark.parametrize("name", ["opencl", pytest.param("cuda", marks=pytest.mark.cuda)])
def test_backend_sector_bytes_equal_cpu(name, reference_farm, tmp_path):
    if not _available(name):
        pytest.skip(f"{name} backend unavailable here")
    plot_sectors(name, PUBLIC_KEY, tmp_path, REFERENCE_SECTORS, REFERENCE_PIECES, REFERENCE_HISTORY, synthetic_piece)
    for index in range(REFERENCE_SECTORS):
        for ours, theirs in zip(sector_paths(reference_farm, index), sector_paths(tmp_path, index)):
            assert theirs.read_bytes() == ours.read_bytes(), theirs.name
