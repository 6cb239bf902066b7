"""Fixtures for the KZG tests: the network's parameters file (loaded by path from shared/data/kzg)."""
from __future__ import annotations

import pytest

from accel.kzg import load_parameters
from accel.kzg.constants import NETWORK_PARAMETERS_FILE


@pytest.fixture(scope="session")
def network_parameters_path(shared_dir):
    path = shared_dir / "data" / "kzg" / NETWORK_PARAMETERS_FILE
    if not path.is_file():
        pytest.skip(f"network KZG parameters not found at {path}")
    return path


@pytest.fixture(scope="session")
def network_parameters(network_parameters_path):
    return load_parameters(network_parameters_path)


@pytest.fixture(scope="session")
def network_g1(network_parameters) -> list[bytes]:
    return network_parameters.g1_points()
