"""CPU zero polynomial (accel/erasure/cpu.py `zero_polynomial_mont`, storage_and_time.md section 4): the
product tree (direct products, then evaluation-form doubling levels) gives the reference's coefficients
for every number of missing points, across the switch between the two kinds of level."""
from __future__ import annotations

import random

import numpy as np
import pytest

from accel.erasure.constants import MODULUS, MONT_R
from accel.erasure.fr import limbs_to_ints
from accel.erasure.reference import zero_polynomial

R_INV = pow(MONT_R, MODULUS - 2, MODULUS)


@pytest.mark.parametrize("log_size", [1, 3, 6, 9])
def test_zero_polynomial_matches_the_reference(log_size):
    from accel.erasure import cpu

    size = 1 << log_size
    rng = random.Random(log_size)
    counts = {0, 1, 2, size // 2, size // 2 - 1, min(size, 17), min(size, 33), min(size, 65), rng.randint(0, size)}
    for m in sorted(counts):
        missing = sorted(rng.sample(range(size), m))
        got = cpu.zero_polynomial_mont(np.array(missing, dtype=np.int64), log_size)
        assert [v * R_INV % MODULUS for v in limbs_to_ints(got)] == zero_polynomial(missing, size), m


def test_recovery_tables_follow_the_pattern_not_the_cache():
    import accel
    from accel.erasure import cpu

    be = accel.backend("cpu")
    n = 8
    source = [bytes(31) + bytes([i + 1]) for i in range(n)]
    full = [v for pair in zip(source, be.erasure_extend(source)) for v in pair]
    rng = random.Random(3)
    patterns = [set(rng.sample(range(2 * n), n)) for _ in range(cpu.PATTERN_CACHE_ENTRIES + 2)]
    for keep in patterns + patterns[::-1]:  # evicted and cached patterns alike
        assert be.erasure_recover([v if i in keep else None for i, v in enumerate(full)]) == full
