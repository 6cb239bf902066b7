"""pot.json from the shared vectors directory (read by path: the name `conftest` is ambiguous once
several test packages carry their own conftest.py)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("AUTONOMYS_SHARED", Path(__file__).resolve().parents[3].parent / "shared"))


def pot_vectors() -> dict:
    path = SHARED / "vectors" / "pot.json"
    if not path.is_file():
        pytest.skip(f"test vectors {path} not found (set AUTONOMYS_SHARED)")
    return json.loads(path.read_text())


def pot_case(origin_suffix: str) -> dict:
    return next(c for c in pot_vectors()["cases"] if c["origin"].endswith(origin_suffix))
