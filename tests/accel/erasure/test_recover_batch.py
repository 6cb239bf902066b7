"""be.erasure_recover_batch (storage_and_time.md 4, used by the archiving reconstruction of 5.3): every row
agrees bit for bit with be.erasure_recover and the reference, for consistent and inconsistent shards."""
from __future__ import annotations

import random

import numpy as np
import pytest

from accel.erasure import reference as ref
from accel.erasure.constants import MODULUS as R
from accel.erasure.fr import encode_scalar


def _batch(rows: list[list[int]]) -> np.ndarray:
    raw = b"".join(encode_scalar(v) for row in rows for v in row)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(rows), len(rows[0]), 32).copy()


@pytest.mark.parametrize("size", [2, 16, 256])
def test_recover_batch_of_consistent_rows_gives_every_value(be, size):
    rng = random.Random(size)
    sources = [[rng.randrange(R) for _ in range(size // 2)] for _ in range(3)]
    full = _batch([ref.interleave(s, ref.extend(s)) for s in sources])
    present = np.zeros(size, dtype=bool)
    present[rng.sample(range(size), size // 2)] = True
    damaged = full.copy()
    damaged[:, ~present] = 0xFF  # the bytes of absent shards are ignored (even non-canonical ones)
    assert np.array_equal(be.erasure_recover_batch(damaged, present), full)


def test_recover_batch_of_inconsistent_rows_follows_the_single_row_algorithm(be):
    rng = random.Random(7)
    rows = [[rng.randrange(R) for _ in range(32)] for _ in range(4)]
    present = np.zeros(32, dtype=bool)
    present[rng.sample(range(32), 20)] = True
    out = be.erasure_recover_batch(_batch(rows), present)
    for r, row in enumerate(rows):
        expected = ref.recover([v if present[i] else None for i, v in enumerate(row)])
        assert out[r].tobytes() == b"".join(encode_scalar(v) for v in expected)


def test_recover_batch_rejects_bad_input_with_the_reason(be):
    shards = np.zeros((2, 8, 32), dtype=np.uint8)
    with pytest.raises(ValueError, match="not enough shards"):
        be.erasure_recover_batch(shards, [True, False] * 2 + [False] * 4)
    with pytest.raises(ValueError, match="8 booleans"):
        be.erasure_recover_batch(shards, [True] * 7)
    with pytest.raises(ValueError, match=r"\(b, 2n, 32\)"):
        be.erasure_recover_batch(np.zeros((8, 32), dtype=np.uint8), [True] * 8)
    bad = shards.copy()
    bad[1, 3] = 0xFF
    with pytest.raises(ValueError, match="non-canonical"):
        be.erasure_recover_batch(bad, [True] * 8)
