"""The CPU backend's fixed-base MSM (accel/kzg/cpu_msm.py, storage_and_time.md section 3): bit-exact
against arkworks' Pippenger at several sizes and edge cases, its field arithmetic against Python
integers, its signed digits, and `msm_many`."""
from __future__ import annotations

import random

import numba as nb
import numpy as np
import pytest
from hypothesis import given, strategies as st

from accel.kzg import g1
from accel.kzg.constants import G1_IDENTITY, P, R
from accel.kzg.cpu_msm import (MAX_WINDOW_BITS, CpuMsmBases, FixedBaseTables, _encode, arkworks_msm,
                               window_bits)
from accel.kzg.fp_cpu import (USE_ADX, fp_add, fp_inv, fp_load, fp_mul, fp_mul_adx, fp_mul_portable, fp_sqr, fp_store,
                              fp_sub, from_mont_int, to_mont_int)
from accel.kzg.library import ark
from accel.kzg.points import decode_checked, point_rows

FIELD = st.integers(min_value=0, max_value=P - 1)
SCALARS = st.integers(min_value=0, max_value=R - 1)


def _rows(values) -> np.ndarray:
    return np.frombuffer(b"".join(v.to_bytes(32, "big") for v in values), dtype=np.uint8).reshape(len(values), 32)


@pytest.fixture(scope="module")
def points(network_g1) -> list:
    """Arkworks points of the first 4,100 network powers (one more chunk than 4,096)."""
    return decode_checked(point_rows(network_g1[:4100]))


@pytest.fixture(scope="module")
def bases(points) -> CpuMsmBases:
    return CpuMsmBases(points, threads=2)


# ------------------------------------------------------------------------------ field arithmetic
@nb.njit
def _field_ops(a, b, out):
    x, y = fp_load(a, 0), fp_load(b, 0)
    fp_store(out, 0, fp_mul(x, y))
    fp_store(out, 1, fp_sqr(x))
    fp_store(out, 2, fp_add(x, y))
    fp_store(out, 3, fp_sub(x, y))
    fp_store(out, 4, fp_inv(x))


@given(FIELD, FIELD)
def test_field_arithmetic_matches_python_integers(x, y):
    out = np.empty((5, 6), np.uint64)
    _field_ops(np.array([to_mont_int(x)], np.uint64), np.array([to_mont_int(y)], np.uint64), out)
    got = [from_mont_int(out[i]) for i in range(5)]
    assert got == [x * y % P, x * x % P, (x + y) % P, (x - y) % P, pow(x, P - 2, P)]


def _products_with(product):
    @nb.njit
    def products(a, b, out):
        for i in range(a.shape[0]):
            fp_store(out, i, product(fp_load(a, i), fp_load(b, i)))
    return products


@pytest.mark.parametrize("adx", [False, pytest.param(True, marks=pytest.mark.skipif(not USE_ADX, reason="no ADX"))])
def test_both_montgomery_products_match_python_integers(adx):
    rng = random.Random(adx)
    xs = [0, 1, P - 1, P - 2, 2**380, 2**64 - 1] + [rng.randrange(P) for _ in range(2000)]
    ys = [P - 1, 0, P - 1, 2**383 % P, 2**381 % P, 2**64] + [rng.randrange(P) for _ in range(2000)]
    out = np.empty((len(xs), 6), np.uint64)
    products = _products_with(fp_mul_adx if adx else fp_mul_portable)  # compiled only where it runs
    products(np.array([to_mont_int(x) for x in xs], np.uint64), np.array([to_mont_int(y) for y in ys], np.uint64), out)
    assert [from_mont_int(out[i]) for i in range(len(xs))] == [x * y % P for x, y in zip(xs, ys)]
    assert all(int.from_bytes(out[i].tobytes(), "little") < P for i in range(len(xs)))


def test_field_edge_values():
    for x, y in [(0, 0), (P - 1, P - 1), (1, P - 1), (P - 1, 0), (2**381 % P, 2**380)]:
        out = np.empty((5, 6), np.uint64)
        _field_ops(np.array([to_mont_int(x)], np.uint64), np.array([to_mont_int(y)], np.uint64), out)
        assert [from_mont_int(out[i]) for i in range(5)] == [x * y % P, x * x % P, (x + y) % P, (x - y) % P,
                                                             pow(x, P - 2, P)]


# ------------------------------------------------------------------------------ digits and windows
@given(st.lists(SCALARS, min_size=1, max_size=4), st.integers(min_value=2, max_value=MAX_WINDOW_BITS))
def test_signed_digits_rebuild_the_scalar(scalars, c):
    from accel.kzg.cpu_msm import _signed_digits  # noqa: PLC0415

    w = -(-256 // c)
    digits = _signed_digits(_rows(scalars), c, w)
    for s, row in zip(scalars, digits):
        assert sum(int(d) << (c * k) for k, d in enumerate(row)) == s
        assert all(abs(int(d)) <= 1 << (c - 1) for d in row)


def test_window_choice_grows_with_the_number_of_bases():
    widths = [window_bits(n) for n in (1, 64, 4096, 2**15, 2**20)]
    assert widths == sorted(widths)
    assert 2 <= widths[0] and widths[-1] <= MAX_WINDOW_BITS
    assert 12 <= window_bits(2**15) <= 16


# ------------------------------------------------------------------------------ bit-exact MSMs
@pytest.mark.parametrize("n", [1, 2, 7, 64, 4095, 4097, 4100])
def test_msm_matches_arkworks(bases, points, n):
    rng = random.Random(n)
    rows = _rows([rng.randrange(R) for _ in range(n)])
    assert bases.msm(rows) == arkworks_msm(points, rows)


def test_edge_scalars(bases, points):
    n = 300
    cases = {
        "all zero": [0] * n,
        "one nonzero": [0] * 150 + [5] + [0] * 149,
        "all one": [1] * n,
        "all r-1": [R - 1] * n,
        "carries": [(1 << 255) - 1 if (1 << 255) - 1 < R else R - 1] * 10 + [2**k for k in range(250)] + [0] * 40,
        "mixed": [0, 1, R - 1, R - 2, 2**128, 2**254, 3] * 42 + [7] * 6,
    }
    for name, values in cases.items():
        rows = _rows(values)
        assert bases.msm(rows) == arkworks_msm(points, rows), name
    assert bases.msm(_rows([0] * n)) == G1_IDENTITY
    assert bases.msm([]) == G1_IDENTITY


def test_equal_opposite_and_identity_bases_hit_every_branch(network_g1):
    p, q = network_g1[3], network_g1[4]
    minus_p = g1.encode(g1.neg(g1.decode(p)))
    pts = [p, p, minus_p, G1_IDENTITY, q, p, minus_p, q]
    decoded = decode_checked(point_rows(pts))
    bases = CpuMsmBases(decoded, threads=1)
    for values in ([1] * 8, [2, 2, 4, 9, 1, 2, 0, 1], [R - 1, 1, 0, 5, 3, 0, 1, R - 3], [7, 7, 7, 7, 7, 7, 7, 7]):
        rows = _rows(values)
        assert bases.msm(rows) == arkworks_msm(decoded, rows)
    assert bases.msm(_rows([1, 0, 1])) == G1_IDENTITY  # P + (-P)
    assert bases.msm(_rows([0, 0, 0, 5])) == G1_IDENTITY  # the identity base


@pytest.mark.parametrize("window", [2, 5, 16])
def test_explicit_windows(network_g1, window):
    pts = decode_checked(point_rows(network_g1[:40]))
    xy = np.frombuffer(b"".join(bytes(p.to_xy_bytes_le()) for p in pts), dtype=np.uint8).reshape(40, 96)
    tables = FixedBaseTables(xy, threads=2, window=window)
    rng = random.Random(window)
    rows = _rows([rng.randrange(R) for _ in range(40)])
    digits = tables.digits(rows)
    assert _encode([tables.partial(digits, 0, tables.num_windows)]) == arkworks_msm(pts, rows)
    half = tables.num_windows // 2
    split = [tables.partial(digits, 0, half), tables.partial(digits, half, tables.num_windows)]
    assert _encode(split) == arkworks_msm(pts, rows)


@given(st.lists(SCALARS, min_size=1, max_size=12))
def test_msm_property(bases, points, scalars):
    rows = _rows(scalars)
    assert bases.msm(rows) == arkworks_msm(points, rows)


def test_msm_many_matches_single_msms(bases, points):
    rng = random.Random(11)
    batch = [_rows([rng.randrange(R) for _ in range(n)]) for n in (4100, 1, 0, 513, 4100)]
    expected = [arkworks_msm(points, rows) for rows in batch]
    assert bases.msm_many(batch) == expected
    assert CpuMsmBases(points[:600], threads=1).msm_many([b[:600] for b in batch]) == \
        [arkworks_msm(points, b[:600]) for b in batch]
    assert bases.msm_many([]) == []


def test_without_precompute_runs_arkworks(points):
    rng = random.Random(2)
    rows = _rows([rng.randrange(R) for _ in range(50)])
    plain = CpuMsmBases(points[:50], precompute=False)
    assert plain.msm(rows) == arkworks_msm(points, rows)
    assert plain.msm_many([rows, rows[:3]]) == [arkworks_msm(points, rows), arkworks_msm(points, rows[:3])]


def test_huge_base_sets_skip_the_tables(points, monkeypatch):
    import accel.kzg.cpu_msm as cpu_msm  # noqa: PLC0415

    assert cpu_msm.table_bytes(2**15) < 60e6
    monkeypatch.setattr(cpu_msm, "MAX_TABLE_BYTES", cpu_msm.table_bytes(20) - 1)
    rows = _rows([3, 1, 4, 1, 5] * 4)
    big = CpuMsmBases(points[:20])
    assert big._tables is None and big.msm(rows) == arkworks_msm(points, rows)


def test_every_backend_takes_a_batch(be, network_g1):
    bases = be.msm_prepare(network_g1[:16])
    batch = [_rows([5, 6, 7]), _rows([]), _rows(list(range(16)))]
    assert bases.msm_many(batch) == [be.msm(network_g1[:len(r)], r) for r in batch]


def test_bad_input_is_refused(bases):
    with pytest.raises(ValueError, match="4101 scalars for 4100 points"):
        bases.msm(_rows([1] * 4101))
    with pytest.raises(ValueError, match="non-canonical"):
        bases.msm([R.to_bytes(32, "big")])
    with pytest.raises(ValueError, match="non-canonical"):
        bases.msm_many([_rows([1]), [R.to_bytes(32, "big")]])
    with pytest.raises(ValueError, match="window"):
        FixedBaseTables(np.zeros((1, 96), np.uint8), window=17)
    with pytest.raises(ValueError, match="no bases"):
        FixedBaseTables(np.zeros((0, 96), np.uint8))


def test_empty_bases():
    empty = CpuMsmBases([])
    assert len(empty) == 0
    assert empty.msm([]) == G1_IDENTITY
    with pytest.raises(ValueError, match="1 scalars for 0 points"):
        empty.msm(_rows([1]))


def test_identity_from_ark_is_zero_bytes():
    """The table builder reads arkworks' identity as 96 zero bytes (x = y = 0 is not on the curve)."""
    assert bytes(ark.G1Point.identity().to_xy_bytes_le()) == bytes(96)


def test_small_msms_on_large_bases_use_narrower_prefix_tables(bases, points):
    """An MSM over the first m << n bases runs on tables of the first 2^ceil(log2 m) bases with their own
    window (built once, kept), bit-exact with arkworks, alone and in msm_many."""
    rng = random.Random(256)
    batch = [_rows([rng.randrange(R) for _ in range(m)]) for m in (255, 256, 200, 3)]
    expected = [arkworks_msm(points, rows) for rows in batch]
    assert [bases.msm(rows) for rows in batch] == expected
    assert bases.msm_many(batch) == expected
    prefix = bases._prefix
    assert {256, 4} <= set(prefix) and all(t.window < bases._tables.window for t in prefix.values())
    assert bases._tables_for(4100) is bases._tables and bases._tables_for(256) is prefix[256]


@pytest.mark.parametrize("pattern", ["equal", "cancel", "mixed"])
def test_bucket_running_sum_exceptional_steps(points, pattern):
    """The bucket running sum (several buckets per lane: 4,096 buckets over RUNNING_SUM_LANES lanes) with
    bucket patterns that make a lane's T and S equal (doubling), opposite (identity), or identity,
    against arkworks' sum_b (b + 1) B_b."""
    from accel.kzg.cpu_msm import RUNNING_SUM_LANES, _bucket_sum, running_sum_rows  # noqa: PLC0415

    h = 4096
    assert h // RUNNING_SUM_LANES >= 4
    p = points[5]
    palette = [p, -p, p + p, -(p + p), points[9], ark.G1Point.identity()]
    xy = np.frombuffer(b"".join(bytes(q.to_xy_bytes_le()) for q in palette), dtype=np.uint8).reshape(-1, 96)
    table = FixedBaseTables(xy, window=2)
    rng = random.Random(pattern)
    if pattern == "equal":  # every bucket P: at the fourth step of a lane T = S = 3P
        choice = [0] * h
    elif pattern == "cancel":  # lane tops P, then -2P: S = -P meets T = P
        choice = [0 if b % (h // RUNNING_SUM_LANES) == h // RUNNING_SUM_LANES - 1 else 3 for b in range(h)]
    else:  # everything, empty buckets (None) included
        choice = [rng.choice([0, 1, 2, 3, 4, 5, None]) for _ in range(h)]
    counts = np.array([0 if c is None else 1 for c in choice], np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    rows = [c for c in choice if c is not None]
    bx, by, binf = table.x[rows].copy(), table.y[rows].copy(), table.inf[rows].copy()
    out = np.empty((3, 6), np.uint64)
    rows_sum = running_sum_rows(13)  # 4,096 buckets; scratch full of junk: only flagged rows are read
    ax, ay = np.full((rows_sum, 6), 7, np.uint64), np.full((rows_sum, 6), 7, np.uint64)
    _bucket_sum(bx, by, binf, counts, starts, ax, ay, np.zeros(rows_sum, np.uint8), out)
    used = [b for b in range(h) if choice[b] is not None]
    expected = arkworks_msm([palette[choice[b]] for b in used], _rows([b + 1 for b in used]))
    assert _encode([out]) == expected
