"""`be.msm` and `be.msm_prepare` on every backend against the plain-Python reference and py_ecc
(storage_and_time.md section 3), with the network's G1 powers as bases."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, strategies as st
from py_ecc.optimized_bls12_381 import G1 as PY_ECC_G1, add as py_add, multiply as py_mul, normalize

from accel.kzg import fp, g1, reference
from accel.kzg.constants import G1_IDENTITY, R

SCALARS = st.integers(min_value=0, max_value=R - 1)


def _b(values) -> list[bytes]:
    return [v.to_bytes(32, "big") for v in values]


def _py_ecc_msm(points, scalars) -> bytes:
    acc = None
    for (x, y), k in zip(points, scalars):
        term = py_mul((x, y, 1) if False else _py_point(x, y), k)
        acc = term if acc is None else py_add(acc, term)
    nx, ny = normalize(acc)
    return g1.encode(None if (int(nx), int(ny)) == (0, 0) and acc[2] == 0 else (int(nx), int(ny)))


def _py_point(x, y):
    from py_ecc.fields import optimized_bls12_381_FQ as FQ  # noqa: PLC0415

    return (FQ(x), FQ(y), FQ(1))


@given(st.lists(SCALARS, min_size=1, max_size=6))
def test_msm_matches_the_reference(be, network_g1, scalars):
    points = network_g1[5:5 + len(scalars)]
    expected = g1.encode(reference.msm([g1.decode(p) for p in points], scalars))
    assert be.msm(points, _b(scalars)) == expected
    assert be.msm(b"".join(points), b"".join(_b(scalars))) == expected


def test_msm_matches_py_ecc(be, network_g1):
    rng = random.Random(7)
    scalars = [rng.randrange(R) for _ in range(5)] + [R - 1, 0, 1]
    points = network_g1[100:108]
    expected = _py_ecc_msm([g1.decode(p) for p in points], scalars)
    assert be.msm(points, _b(scalars)) == expected


def test_edge_scalars_and_repeated_points(be, network_g1):
    p = network_g1[1]
    assert be.msm([p, p], _b([R - 1, 1])) == G1_IDENTITY
    assert be.msm([p, p], _b([2, 3])) == g1.encode(g1.mul(g1.decode(p), 5))
    assert be.msm([p], _b([0])) == G1_IDENTITY
    assert be.msm([], []) == G1_IDENTITY
    top = [(1 << 254) + 12345, R - 2, 2**128 - 1]
    pts = network_g1[:3]
    assert be.msm(pts, _b(top)) == g1.encode(reference.msm([g1.decode(q) for q in pts], top))


def test_prepared_bases_serve_many_msms_and_prefixes(be, network_g1):
    points = network_g1[:64]
    bases = be.msm_prepare(points)
    rng = random.Random(3)
    decoded = [g1.decode(p) for p in points[:8]]
    for n in (1, 3, 8):
        scalars = [rng.randrange(R) for _ in range(n)]
        assert bases.msm(_b(scalars)) == g1.encode(reference.msm(decoded[:n], scalars))
    full = [rng.randrange(R) for _ in range(64)]
    assert bases.msm(_b(full)) == be.msm(points, _b(full))


def test_mismatched_lengths_are_refused(be, network_g1):
    with pytest.raises(ValueError, match="2 scalars for 3 points"):
        be.msm(network_g1[:3], _b([1, 2]))
    with pytest.raises(ValueError, match="3 scalars for 2 points"):
        be.msm_prepare(network_g1[:2]).msm(_b([1, 2, 3]))
    with pytest.raises(ValueError, match="expected 32 bytes"):
        be.msm(network_g1[:1], [bytes(31)])
    with pytest.raises(ValueError, match="multiple of 48"):
        be.msm(b"".join(network_g1[:2])[:-1], _b([1]))


def test_non_canonical_scalar_is_refused(be, network_g1):
    with pytest.raises(ValueError, match=r"scalars\[1\]: non-canonical"):
        be.msm(network_g1[:2], _b([1, R]))
    with pytest.raises(ValueError, match=r"scalars\[0\]: non-canonical"):
        be.msm(network_g1[:1], [b"\xff" * 32])


def test_bad_points_are_refused_naming_which(be, network_g1):
    x_off_curve = next(x for x in range(1, 100) if fp.fp_sqrt(x**3 + 4) is None)
    off_curve = bytes([0x80]) + x_off_curve.to_bytes(47, "big")
    off_subgroup = bytes([0x80]) + (4).to_bytes(47, "big")  # (4, y) is on E1 but outside the subgroup
    no_flag = bytes([network_g1[0][0] & 0x7F]) + network_g1[0][1:]
    for bad, reason in ((off_curve, "not on the curve"), (off_subgroup, "not in the prime-order subgroup"),
                        (no_flag, "compression flag")):
        with pytest.raises(ValueError, match=rf"points\[1\]: {reason}"):
            be.msm([network_g1[0], bad], _b([1, 1]))
        with pytest.raises(ValueError, match=reason):
            be.msm_prepare([bad])
