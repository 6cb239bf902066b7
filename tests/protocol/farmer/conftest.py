"""Fixtures shared by the farming test modules: one reference farm plotted in-process on the CPU
(2 sectors of 1 synthetic piece at history size 1), compared byte for byte by the backend, crash and
Ray tests."""
from __future__ import annotations

import pytest

from farm_support import REFERENCE_HISTORY, REFERENCE_PIECES, REFERENCE_SECTORS, PUBLIC_KEY, synthetic_piece
from protocol.farmer.batch import plot_sectors


@pytest.fixture(scope="session")
def reference_farm(tmp_path_factory):
    farm = tmp_path_factory.mktemp("reference-farm")
    plot_sectors("cpu", PUBLIC_KEY, farm, REFERENCE_SECTORS, REFERENCE_PIECES, REFERENCE_HISTORY, synthetic_piece)
    return farm
