"""erasure_kzg.json from the shared vectors directory (read by path, like pot_vectors.py)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("AUTONOMYS_SHARED", Path(__file__).resolve().parents[3].parent / "shared"))


def erasure_vectors() -> dict:
    path = SHARED / "vectors" / "erasure_kzg.json"
    if not path.is_file():
        pytest.skip(f"test vectors {path} not found (set AUTONOMYS_SHARED)")
    return json.loads(path.read_text())


def case(origin_contains: str, kind: str | None = None) -> dict:
    return next(c for c in erasure_vectors()["cases"]
                if origin_contains in c.get("origin", "") and (kind is None or c["kind"] == kind))
