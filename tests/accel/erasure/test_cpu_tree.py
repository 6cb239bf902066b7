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


def test_small_work_runs_on_one_thread_and_large_batches_on_all():
    from accel.erasure import cpu

    assert not cpu.parallel_worth(cpu.PARALLEL_MIN_VALUES - 1)
    assert cpu.parallel_worth(cpu.BUSY_SERIAL_MAX_VALUES)


@pytest.mark.parametrize("parallel", [False, True])
def test_parallel_and_single_thread_kernels_agree_with_the_reference(monkeypatch, parallel):
    """Both versions of every CPU kernel, whatever the machine's load: sizes across the NTT block
    boundary (2^11 source values: column phase with fused byte conversion), a batch, and a recovery."""
    import accel
    from accel.erasure import cpu
    from accel.erasure import reference as ref
    from accel.erasure.fr import encode_scalar

    monkeypatch.setattr(cpu, "parallel_worth", lambda values: parallel)
    monkeypatch.setattr(cpu, "use_threads", lambda values: parallel)
    be = accel.backend("cpu")
    rng = random.Random(7 + parallel)
    source = [rng.randrange(MODULUS) for _ in range(2**11)]
    assert be.erasure_extend([encode_scalar(v) for v in source]) == [encode_scalar(v) for v in ref.extend(source)]
    rows = [[rng.randrange(MODULUS) for _ in range(16)] for _ in range(3)]
    batch = np.frombuffer(b"".join(encode_scalar(v) for r in rows for v in r), dtype=np.uint8).reshape(3, 16, 32)
    assert [be.erasure_extend_batch(batch)[i].tobytes() for i in range(3)] == \
        [b"".join(encode_scalar(v) for v in ref.extend(r)) for r in rows]
    shards = [rng.randrange(MODULUS) for _ in range(64)]
    missing = set(rng.sample(range(64), 32))
    shards = [None if i in missing else v for i, v in enumerate(shards)]
    assert be.erasure_recover([None if s is None else encode_scalar(s) for s in shards]) == \
        [encode_scalar(v) for v in ref.recover(shards)]
    bad = [encode_scalar(v) for v in source]
    bad[1500] = (MODULUS + 1).to_bytes(32, "big")
    with pytest.raises(ValueError, match=r"source\[1500\].*non-canonical"):
        be.erasure_extend(bad)
