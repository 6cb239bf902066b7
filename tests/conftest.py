"""Shared fixtures: the backends present on this machine, the shared spec/vectors directory, and
hypothesis settings sized for CI (2 cores)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import accel

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AUTONOMYS_SHARED", ROOT.parent / "shared"))

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_AVAILABLE = accel.available_backends()


def _backend_param(name: str):
    reason = _AVAILABLE.get(name)
    marks = [pytest.mark.skip(reason=f"{name} backend unavailable here: {reason}")] if reason else []
    if name == "cuda":
        marks.append(pytest.mark.cuda)
    return pytest.param(name, marks=marks, id=name)


ALL_BACKENDS = [_backend_param(n) for n in accel.BACKEND_NAMES]


@pytest.fixture(params=ALL_BACKENDS)
def be(request) -> accel.Backend:
    """Each backend usable here (cpu always; opencl on pocl in CI; cuda on a GPU machine)."""
    return accel.backend(request.param)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared spec/vectors directory not found at {SHARED} (set AUTONOMYS_SHARED)")
    return SHARED


from vectors import load_vectors  # noqa: E402,F401 - re-exported for `from conftest import load_vectors`
