"""Shared inputs of the proof-of-space tests: the pos.json vectors and a per-process cache of built tables
(a K=20 table costs seconds on the CPU and ~10 s on pocl, so each backend builds each one once)."""
from __future__ import annotations

import hashlib

import numpy as np

from vectors import load_vectors

SEED_K20 = "23023404333717545b0a6f0c0dde9710e4d3fe2d5cc6cc0a090a0b818bab0f17"
SMALL_SEEDS = {15: bytes(range(32)), 16: bytes(range(100, 132)), 17: bytes(range(7, 39))}  # arbitrary, fixed

_tables: dict[tuple[str, bytes, int], object] = {}


def pos_vectors() -> dict:
    return load_vectors("pos.json")


def table_for(be, seed: bytes, k: int):
    """be.pos_table(seed, k), built once per (backend, seed, k) in this process."""
    key = (be.name, seed, k)
    if key not in _tables:
        _tables[key] = be.pos_table(seed, k)
    return _tables[key]


def u32_digest(values: np.ndarray) -> str:
    """SHA-256 of values as little-endian u32, row-major (the derived_k20 serialisation)."""
    return hashlib.sha256(np.ascontiguousarray(values, dtype="<u4").tobytes()).hexdigest()


def expected_proofs_k20() -> dict[int, bytes | None]:
    """Every reference proof of pos.json for the K=20 seed: k20_tables and derived_k20 (challenges 0..31)."""
    v = pos_vectors()
    assert v["k20_tables"]["seed_hex"] == v["derived_k20"]["seed_hex"] == SEED_K20
    out: dict[int, bytes | None] = {}
    for source in (v["k20_tables"]["find_proof"], v["derived_k20"]["find_proof_0_31"]):
        for c, proof in source.items():
            out[int(c)] = None if proof is None else bytes.fromhex(proof)
    return out
