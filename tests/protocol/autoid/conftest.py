"""Fixtures of the Auto ID tests: the reference fixtures (../shared/data/autoid), a registry with the clock pinned
to 2024-07-01 (the reference certificates expire in 2027) and a small certificate factory."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # autoid_support, whatever pytest's import mode

import pytest  # noqa: E402
from autoid_support import AUTOID_DATA, NOW_MS, Pki, ReferenceFixtures  # noqa: E402

from protocol.autoid import AutoIdRegistry, load_private_key  # noqa: E402


@pytest.fixture(scope="session")
def autoid_data() -> Path:
    if not AUTOID_DATA.is_dir():
        pytest.skip(f"Auto ID fixtures not found at {AUTOID_DATA} (they live in ../shared/data/autoid)")
    return AUTOID_DATA


@pytest.fixture(scope="session")
def ref(autoid_data: Path) -> ReferenceFixtures:
    read = lambda name: (autoid_data / name).read_bytes()  # noqa: E731
    return ReferenceFixtures(read("issuer.cert.der"), read("leaf.cert.der"), read("updated.issuer.cert.der"),
                             read("updated.leaf.cert.der"), load_private_key(read("private.issuer.pem")),
                             load_private_key(read("private.leaf.pem")), autoid_data / "benchmarks")


@pytest.fixture
def registry() -> AutoIdRegistry:
    with AutoIdRegistry(":memory:", clock=lambda: NOW_MS) as reg:
        yield reg


@pytest.fixture(scope="session")
def pki() -> Pki:
    return Pki()
