"""erasure_extend / erasure_recover / fr_fft on every backend: erasure_kzg.json round trips and error
cases, and bit-for-bit agreement with the reference on random and edge inputs."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accel.erasure import reference as ref
from accel.erasure.constants import MODULUS as R
from accel.erasure.fr import encode_scalar
from erasure_vectors import case

EDGE = [0, 1, R - 1]
field_elements = st.one_of(st.sampled_from(EDGE), st.integers(0, R - 1))


def enc(values):
    return [encode_scalar(v) for v in values]


def random_source(n, seed):
    rng = random.Random(seed)
    return [rng.randrange(R) for _ in range(n)]


def test_vector_basic_data_round_trip(be):
    c = case("tests.rs basic_data")
    n = c["params"]["source"]
    source = random_source(n, 1)
    parity = be.erasure_extend(enc(source))
    assert parity == enc(ref.extend(source))
    full = [v for pair in zip(enc(source), parity) for v in pair]
    shards = list(full)
    for i in range(n // 2):
        shards[2 * i] = None  # first 64 sources
        shards[2 * (n - 1 - i) + 1] = None  # last 64 parities
    assert be.erasure_recover(shards) == full


def test_vector_bad_shards_number(be):
    with pytest.raises(ValueError, match="power of two"):
        be.erasure_extend(enc(random_source(255, 2)))
    with pytest.raises(ValueError, match="power of two"):
        be.erasure_recover(enc(random_source(255, 3)))


def test_vector_not_enough_partial(be):
    source = random_source(128, 4)
    full = enc(ref.interleave(source, ref.extend(source)))
    rng = random.Random(5)
    order = list(range(256))
    rng.shuffle(order)
    too_few = [v if i in set(order[:127]) else None for i, v in enumerate(full)]
    with pytest.raises(ValueError, match="not enough shards.*127 of 256"):
        be.erasure_recover(too_few)
    half = [v if i in set(order[:128]) else None for i, v in enumerate(full)]
    assert be.erasure_recover(half) == full


def test_concatenated_source_equals_list_source(be):
    source = enc(random_source(16, 6))
    assert be.erasure_extend(b"".join(source)) == be.erasure_extend(source)


@given(st.integers(0, 6).flatmap(lambda k: st.lists(field_elements, min_size=1 << k, max_size=1 << k)))
def test_extend_agrees_with_reference(be, source):
    assert be.erasure_extend(enc(source)) == enc(ref.extend(source))


@given(st.integers(0, 6).flatmap(lambda k: st.lists(field_elements, min_size=1 << k, max_size=1 << k)),
       st.booleans())
def test_fft_and_inverse_fft_agree_with_reference(be, values, inverse):
    expected = ref.ifft(values) if inverse else ref.fft(values)
    assert be.fr_fft(enc(values), inverse=inverse).tobytes() == b"".join(enc(expected))


@given(st.integers(1, 6), st.randoms(use_true_random=False), st.data())
def test_recover_of_consistent_shards_agrees_with_reference(be, log_n, rnd, data):
    n = 1 << log_n
    source = data.draw(st.lists(field_elements, min_size=n, max_size=n))
    full = ref.interleave(source, ref.extend(source))
    keep = set(rnd.sample(range(2 * n), data.draw(st.integers(n, 2 * n))))
    shards = [v if i in keep else None for i, v in enumerate(full)]
    assert be.erasure_recover([None if s is None else encode_scalar(s) for s in shards]) == enc(full)


@settings(max_examples=15)
@given(st.integers(1, 5), st.randoms(use_true_random=False), st.data())
def test_recover_of_inconsistent_shards_follows_the_reference_algorithm(be, log_n, rnd, data):
    n = 1 << log_n
    values = data.draw(st.lists(field_elements, min_size=2 * n, max_size=2 * n))
    keep = set(rnd.sample(range(2 * n), data.draw(st.integers(n, 2 * n))))
    shards = [v if i in keep else None for i, v in enumerate(values)]
    assert be.erasure_recover([None if s is None else encode_scalar(s) for s in shards]) == enc(ref.recover(shards))


@given(st.integers(R, 2**256 - 1), st.integers(0, 7))
def test_non_canonical_scalars_are_rejected(be, bad, position):
    source = enc(random_source(8, 8))
    source[position] = bad.to_bytes(32, "big")
    with pytest.raises(ValueError, match=rf"source\[{position}\].*non-canonical"):
        be.erasure_extend(source)
    shards = source + [None] * 8
    with pytest.raises(ValueError, match=rf"shards\[{position}\].*non-canonical"):
        be.erasure_recover(shards)
    with pytest.raises(ValueError, match="non-canonical"):
        be.fr_fft(source)


def test_malformed_inputs_are_rejected_with_the_reason(be):
    with pytest.raises(ValueError, match="power of two"):
        be.erasure_extend([])
    with pytest.raises(ValueError, match="32 bytes"):
        be.erasure_extend([bytes(32), bytes(31)])
    with pytest.raises(ValueError, match="power of two >= 2"):
        be.erasure_recover([bytes(32)])
    with pytest.raises(ValueError, match=r"shards\[1\]"):
        be.erasure_recover([bytes(32), b"x"])


def test_extend_batch_is_extend_of_each_row(be):
    rows = [random_source(32, 10 + i) for i in range(5)]
    batch = np.frombuffer(b"".join(b"".join(enc(r)) for r in rows), dtype=np.uint8).reshape(5, 32, 32)
    out = be.erasure_extend_batch(batch)
    assert out.shape == (5, 32, 32)
    assert [b"".join(enc(ref.extend(r))) for r in rows] == [out[i].tobytes() for i in range(5)]


def test_transforms_across_the_block_boundary_agree_with_reference(be):
    # 2^11 values: the CPU NTT's column phase and several GPU launch shapes are exercised.
    values = random_source(2**11, 11)
    assert be.fr_fft(enc(values)).tobytes() == b"".join(enc(ref.fft(values)))
    half = values[:2**10]
    assert be.erasure_extend(enc(half)) == enc(ref.extend(half))


def test_full_record_extend_and_recover_from_half_on_cpu():
    import accel

    be = accel.backend("cpu")
    n = 2**15
    source = random_source(n, 12)
    parity = be.erasure_extend(enc(source))
    # Spot-check parity against the definition: P(w_{2n}^{2i+1}) by Horner on the reference coefficients.
    coefficients = ref.ifft(source)
    w = pow(7, (R - 1) // (2 * n), R)
    for i in (0, 1, 12345, n - 1):
        x = pow(w, 2 * i + 1, R)
        acc = 0
        for c in reversed(coefficients):
            acc = (acc * x + c) % R
        assert parity[i] == encode_scalar(acc)
    full = [v for pair in zip(enc(source), parity) for v in pair]
    rng = random.Random(13)
    keep = set(rng.sample(range(2 * n), n))
    assert be.erasure_recover([v if i in keep else None for i, v in enumerate(full)]) == full
    # source from parity alone: the zero polynomial is X^n + 1 (all even points missing)
    assert be.erasure_recover([None if i % 2 == 0 else v for i, v in enumerate(full)]) == full


@pytest.mark.parametrize("n", [1, 2, 3, 64, 2**12])
def test_quotient_agrees_with_the_kzg_reference(be, n):
    """`fr_quotient` (synthetic division by X - x, compiled) equals the readable KZG quotient, including
    x = 0, x = r - 1 and coefficients at r - 1."""
    from accel.kzg import reference as kzg_ref

    rng = random.Random(n)
    coeffs = [rng.randrange(R) for _ in range(n)]
    coeffs[-1] = R - 1
    for x in (0, 1, R - 1, rng.randrange(R)):
        got = be.fr_quotient([encode_scalar(c) for c in coeffs], x)
        assert got.shape == (max(n - 1, 0), 32)
        assert [int.from_bytes(row.tobytes(), "big") for row in got] == kzg_ref.quotient(coeffs, x)


def test_quotient_rejects_bad_input(be):
    good = [encode_scalar(3)] * 4
    with pytest.raises(ValueError, match="non-canonical"):
        be.fr_quotient(good[:2] + [R.to_bytes(32, "big")] + good[:1], 5)
    for x in (-1, R, 1.5, True):
        with pytest.raises(ValueError, match="x must be"):
            be.fr_quotient(good, x)
