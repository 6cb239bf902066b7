"""ZCash compressed G1/G2 encoding and decoding (storage_and_time.md section 3), checked against the
network's parameters file and py_ecc's independent decompression."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from py_ecc.bls.point_compression import decompress_G1
from py_ecc.optimized_bls12_381 import normalize

from accel.kzg import fp, g1, g2
from accel.kzg.constants import G1_GENERATOR, G1_IDENTITY, G2_GENERATOR, P, R


def _first_x_off_subgroup() -> int:
    """Smallest x > 0 with (x, y) on E1 (x = 4 here): such points are not in the r-order subgroup."""
    x = 1
    while fp.fp_sqrt(x**3 + 4) is None:
        x += 1
    return x


def _compressed(x: int, flags: int = 0x80) -> bytes:
    out = bytearray(x.to_bytes(48, "big"))
    out[0] |= flags
    return bytes(out)


def test_first_network_powers_are_the_generators(network_parameters):
    assert g1.decode(network_parameters.g1_powers[:48]) == G1_GENERATOR
    assert g2.decode(network_parameters.g2_powers[0]) == G2_GENERATOR
    assert network_parameters.g1_powers[:4].hex() == "97f1d3a7"


def test_network_points_round_trip_and_match_py_ecc(network_g1, network_parameters):
    for data in network_g1[:6] + network_g1[-2:]:
        point = g1.decode(data)
        assert g1.encode(point) == data
        x, y = normalize(decompress_G1(int.from_bytes(data, "big")))
        assert (int(x), int(y)) == point
    for data in network_parameters.g2_powers[:3]:
        assert g2.encode(g2.decode(data)) == data


def test_identity_encodes_as_c0_then_zeros():
    assert g1.encode(None) == G1_IDENTITY == bytes.fromhex("c0" + "00" * 47)
    assert g1.decode(G1_IDENTITY) is None


@given(st.integers(min_value=0, max_value=R - 1))
def test_multiples_of_the_generator_round_trip(k):
    point = g1.mul(G1_GENERATOR, k)
    assert g1.decode(g1.encode(point)) == point


@pytest.mark.parametrize("data, reason", [
    (bytes(47), "expected 48 bytes"),
    (G1_GENERATOR[0].to_bytes(48, "big"), "compression flag"),
    (bytes([0xE0]) + bytes(47), "infinity flag"),
    (bytes([0xC0]) + bytes(46) + b"\x01", "infinity flag"),
    (_compressed(P), "not less than the field modulus"),
    (_compressed(0), "x coordinate is zero"),
])
def test_malformed_g1_bytes_are_refused_naming_why(data, reason):
    with pytest.raises(ValueError, match=reason):
        g1.decode(data)


def test_off_curve_g1_point_is_refused():
    x = next(x for x in range(1, 100) if fp.fp_sqrt(x**3 + 4) is None)
    with pytest.raises(ValueError, match="not on the curve"):
        g1.decode(_compressed(x))


def test_off_subgroup_g1_point_is_refused_only_when_checked():
    data = _compressed(_first_x_off_subgroup())
    with pytest.raises(ValueError, match="not in the prime-order subgroup"):
        g1.decode(data)
    point = g1.decode(data, subgroup_check=False)
    assert g1.is_on_curve(point) and not g1.in_subgroup(point)


def test_malformed_g2_bytes_are_refused_naming_why():
    with pytest.raises(ValueError, match="expected 96 bytes"):
        g2.decode(bytes(95))
    with pytest.raises(ValueError, match="compression flag"):
        g2.decode(bytes(96))
    with pytest.raises(ValueError, match="not less than the field modulus"):
        g2.decode(_compressed(P) + bytes(48))


@given(st.integers(min_value=0, max_value=P - 1), st.integers(min_value=0, max_value=P - 1))
def test_fp2_square_roots_square_back(a, b):
    square = fp.fp2_sqr((a, b))
    root = fp.fp2_sqrt(square)
    assert root is not None and fp.fp2_sqr(root) == square
