"""Fixtures shared by the farming test modules: one reference farm plotted in-process on the CPU
(2 sectors of 1 synthetic piece at history size 1), compared byte for byte by the backend, crash and
Ray tests."""
from __future__ import annotations

import numpy as np
import pytest

import accel
from accel.kzg import Kzg, load_parameters
from protocol.archiving import Archiver
from protocol.constants import RAW_RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE
from vectors import SHARED
from farm_support import REFERENCE_HISTORY, REFERENCE_PIECES, REFERENCE_SECTORS, PUBLIC_KEY, synthetic_piece
from protocol.farmer.batch import plot_sectors


@pytest.fixture(scope="session")
def reference_farm(tmp_path_factory):
    farm = tmp_path_factory.mktemp("reference-farm")
    plot_sectors("cpu", PUBLIC_KEY, farm, REFERENCE_SECTORS, REFERENCE_PIECES, REFERENCE_HISTORY, synthetic_piece)
    return farm


NETWORK_PARAMETERS = SHARED / "data" / "kzg" / "eth-public-parameters.bin"


@pytest.fixture(scope="session")
def cpu():
    return accel.backend("cpu")


@pytest.fixture(scope="session")
def kzg(cpu):
    if not NETWORK_PARAMETERS.is_file():
        pytest.skip(f"network KZG parameters not found at {NETWORK_PARAMETERS}")
    return Kzg(load_parameters(NETWORK_PARAMETERS), cpu)


@pytest.fixture(scope="session")
def segment(kzg, cpu):
    """One real (network-size) archived segment, shared by the farming modules: a segment-sized block that
    is random for its first 4 records and zero after (zero records commit to the identity without an
    MSM, which keeps archiving cheap; parity records are dense)."""
    rng = np.random.default_rng(5)
    block = rng.bytes(4 * RAW_RECORD_SIZE) + bytes(RECORDED_HISTORY_SEGMENT_SIZE - 4 * RAW_RECORD_SIZE)
    segments = Archiver(kzg, cpu).add_block(block)
    assert segments
    return segments[0]
