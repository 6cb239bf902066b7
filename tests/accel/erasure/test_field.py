"""The Fr layer: modulus, derived constants, roots of unity and the canonical scalar encoding."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accel.erasure import constants, fr
from accel.erasure.domain import domain, log2_size, root_of_unity
from erasure_vectors import case

R = constants.MODULUS
EDGE = [0, 1, 2, R - 2, R - 1]
field_elements = st.one_of(st.sampled_from(EDGE), st.integers(0, R - 1))


def test_modulus_and_montgomery_constants_follow_their_formulas():
    assert R == int(case("SCALE2_ROOT_OF_UNITY")["expect"].split("r = ")[1].split()[0], 16)
    assert constants.TWO_ADICITY == 32
    assert constants.MONT_INV64 == 0xFFFFFFFEFFFFFFFF and constants.MONT_INV32 == 0xFFFFFFFF
    assert constants.MONT_R == 2**256 % R and constants.MONT_R2 == 2**512 % R
    assert constants.MODULUS_LIMBS64 == (0xFFFFFFFF00000001, 0x53BDA402FFFE5BFE, 0x3339D80809A1D805, 0x73EDA753299D7D48)


def test_root_of_unity_of_the_8_value_vector():
    exact = case("same procedure as shared/subspace-kzg/src/tests.rs basic", "exact_derived")
    assert root_of_unity(8) == int(exact["domain_root_w8_hex"], 16)


@pytest.mark.parametrize("log_n", [1, 2, 8, 15, 16, 32])
def test_root_of_unity_has_exact_order_n(log_n):
    w = root_of_unity(1 << log_n)
    assert pow(w, 1 << log_n, R) == 1
    assert pow(w, 1 << (log_n - 1), R) == R - 1


def test_smaller_domains_are_strided_larger_ones():
    assert domain(256)[::2] == domain(128)
    assert root_of_unity(2**16) ** 2 % R == root_of_unity(2**15)


@pytest.mark.parametrize("n", [0, 3, 255, 2**33])
def test_sizes_that_are_not_powers_of_two_up_to_2_32_are_rejected(n):
    with pytest.raises(ValueError, match="power of two|exceeds"):
        log2_size(n)


def test_safe_31_byte_chunk_encodes_with_leading_zero_byte():
    raw = bytes(range(1, 32))
    assert fr.encode_scalar(fr.decode_scalar(b"\x00" + raw)) == b"\x00" + raw


@given(field_elements)
def test_scalar_encoding_round_trips(x):
    b = fr.encode_scalar(x)
    assert len(b) == 32 and int.from_bytes(b, "big") == x and fr.decode_scalar(b) == x


@given(st.integers(R, 2**256 - 1))
def test_non_canonical_scalar_is_rejected(x):
    with pytest.raises(ValueError, match="non-canonical"):
        fr.decode_scalar(x.to_bytes(32, "big"))
    with pytest.raises(ValueError, match=r"scalars\[1\].*non-canonical"):
        fr.scalars_to_limbs([bytes(32), x.to_bytes(32, "big")])


@given(st.lists(field_elements, min_size=1, max_size=20))
def test_limb_arrays_round_trip_exactly(values):
    raw = b"".join(fr.encode_scalar(v) for v in values)
    limbs = fr.scalars_to_limbs(raw)
    assert limbs.dtype == np.uint64 and limbs.shape == (len(values), 4)
    assert fr.limbs_to_ints(limbs) == values
    assert b"".join(fr.limbs_to_list(limbs)) == raw
    assert fr.limbs_to_rows(limbs).tobytes() == raw


def test_scalar_of_wrong_length_is_rejected():
    with pytest.raises(ValueError, match="32 bytes"):
        fr.scalars_to_limbs([bytes(31)])
    with pytest.raises(ValueError, match="multiple of 32"):
        fr.scalars_to_limbs(bytes(33))
