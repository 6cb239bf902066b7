"""The readable reference against erasure_kzg.json and against the definitions of section 4."""
from __future__ import annotations

import random

import pytest

from accel.erasure import reference as ref
from accel.erasure.constants import MODULUS as R
from accel.erasure.domain import root_of_unity
from erasure_vectors import case

EXACT = case("same procedure as shared/subspace-kzg/src/tests.rs basic", "exact_derived")
VALUES = [int("00" + h, 16) for h in EXACT["values_31B_hex"]]


def horner(coefficients, x):
    acc = 0
    for c in reversed(coefficients):
        acc = (acc * x + c) % R
    return acc


def test_inverse_fft_gives_the_vector_coefficients():
    assert [f"{c:064x}" for c in ref.ifft(VALUES)] == EXACT["coefficients_be_hex"]


def test_fft_evaluates_the_coefficients_on_the_domain():
    coefficients = [int(h, 16) for h in EXACT["coefficients_be_hex"]]
    w = root_of_unity(8)
    assert ref.fft(coefficients) == VALUES == [horner(coefficients, pow(w, i, R)) for i in range(8)]


@pytest.mark.parametrize("n", [1, 2, 4, 32])
def test_extend_gives_the_values_at_the_odd_points_of_the_2n_domain(n):
    rng = random.Random(n)
    source = [rng.randrange(R) for _ in range(n)]
    coefficients = ref.ifft(source)
    w = root_of_unity(2 * n)
    assert ref.extend(source) == [horner(coefficients, pow(w, 2 * i + 1, R)) for i in range(n)]


def test_vector_round_trip_basic_data():
    c = case("tests.rs basic_data")
    n = c["params"]["source"]
    rng = random.Random(7)
    source = [rng.randrange(R) for _ in range(n)]
    full = ref.interleave(source, ref.extend(source))
    shards = list(full)
    for i in range(n // 2):  # first half of the sources and last half of the parities missing
        shards[2 * i] = None
        shards[2 * (n - 1 - i) + 1] = None
    assert sum(s is None for s in shards) == n
    assert ref.recover(shards) == full


def test_zero_polynomial_vanishes_exactly_on_the_missing_points():
    missing = [1, 4, 6]
    z = ref.zero_polynomial(missing, 8)
    w = root_of_unity(8)
    assert z[-1] == 1 and len(z) == 4
    assert [horner(z, pow(w, i, R)) == 0 for i in range(8)] == [i in missing for i in range(8)]


def test_recover_with_too_few_shards_says_why():
    with pytest.raises(ValueError, match="not enough shards.*127 of 256"):
        ref.recover([1] * 127 + [None] * 129)
