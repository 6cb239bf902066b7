"""Fixtures of the archiving tests: a small segment geometry with INSECURE dev KZG parameters (fast, the
same code paths), and the network's parameters file for the full-size tests (skipped when absent)."""
from __future__ import annotations

import pytest

import accel
from accel.kzg import Kzg, dev_parameters, load_parameters
from protocol.archiving import SegmentGeometry
from vectors import SHARED

# 8 source records of 32 chunks: 16 pieces of 1,120 bytes per 7,936-byte segment.
SMALL = SegmentGeometry(source_records=8, record_chunks=32)
NETWORK_PARAMETERS = SHARED / "data" / "kzg" / "eth-public-parameters.bin"


@pytest.fixture(scope="session")
def cpu() -> accel.Backend:
    return accel.backend("cpu")


@pytest.fixture(scope="session")
def small_kzg(cpu) -> Kzg:
    return Kzg(dev_parameters(SMALL.record_chunks), cpu)


@pytest.fixture(scope="session")
def network_kzg(cpu) -> Kzg:
    if not NETWORK_PARAMETERS.is_file():
        pytest.skip(f"network KZG parameters not found at {NETWORK_PARAMETERS}")
    return Kzg(load_parameters(NETWORK_PARAMETERS), cpu)
