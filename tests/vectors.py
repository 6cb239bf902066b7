"""Test vectors and data from ../shared (or $AUTONOMYS_SHARED): `from vectors import load_vectors, SHARED`."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AUTONOMYS_SHARED", ROOT.parent / "shared"))


def load_vectors(name: str) -> dict:
    """A vectors file from ../shared/vectors by name (e.g. "pos.json"); skips the test if absent."""
    path = SHARED / "vectors" / name
    if not path.is_file():
        pytest.skip(f"test vectors {path} not found (set AUTONOMYS_SHARED)")
    return json.loads(path.read_text())
