"""pot_prove / pot_verify / pot_verify_many on every backend, against pot.json and the reference."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accel.pot import openssl_chain, reference
from accel.pot.ops import verify_with_openssl
from pot_vectors import pot_case

SLOT = pot_case("test_basic")
SEED = bytes.fromhex(SLOT["seed_hex"])
CHECKPOINTS = [bytes.fromhex(h) for h in SLOT["derived_not_from_reference"]["checkpoints_hex"]]


def test_prove_gives_the_derived_checkpoints(be):
    assert be.pot_prove(SEED, 512) == CHECKPOINTS


def test_verify_accepts_the_derived_checkpoints(be):
    assert be.pot_verify(SEED, 512, CHECKPOINTS) is True


def test_verify_with_other_iteration_counts_fails(be):
    # pot.json: 1024 iterations -> false; aes.rs: 22 and 18 checkpoint iterations (176, 144 per slot) -> false
    cps160 = be.pot_prove(SEED, 160)
    assert be.pot_verify_many([(SEED, 1024, CHECKPOINTS), (SEED, 176, cps160), (SEED, 144, cps160),
                               (SEED, 160, cps160)]) == [False, False, False, True]


def test_verify_with_another_seed_fails(be):
    cps = be.pot_prove(SEED, 160)
    assert be.pot_verify(bytes.fromhex("d7d6dcd8d593c23da8db6b5b1413b13a"), 160, cps) is False


@pytest.mark.parametrize("index", range(8))
def test_any_wrong_checkpoint_fails(be, index):
    bad = list(CHECKPOINTS)
    bad[index] = bytes([bad[index][0] ^ 1]) + bad[index][1:]
    assert be.pot_verify(SEED, 512, bad) is False


def test_checkpoint_of_0x16_bytes_fails(be):
    assert be.pot_verify(SEED, 512, [bytes([0x16] * 16), *CHECKPOINTS[1:]]) is False


def test_swapped_checkpoints_fail(be):
    assert be.pot_verify(SEED, 512, [CHECKPOINTS[1], CHECKPOINTS[0], *CHECKPOINTS[2:]]) is False


def test_verify_many_mixes_slots_and_iteration_counts(be):
    rng = np.random.default_rng(5)
    items, expected = [], []
    for i in range(40):
        seed = rng.bytes(16)
        iterations = 16 * int(rng.integers(1, 40))
        cps = openssl_chain.chain_checkpoints(seed, reference.pot_key(seed), iterations // 8)
        if i % 3 == 1:
            cps[i % 8] = rng.bytes(16)
        items.append((seed, iterations, cps))
        expected.append(i % 3 != 1)
    assert be.pot_verify_many(items) == expected


def test_verify_many_of_nothing_is_empty(be):
    assert be.pot_verify_many([]) == []


def test_larger_slot_round_trips(be):
    iterations = 160_000 if be.name == "cpu" else 16_000  # pocl runs the T-table kernel on the CPU
    cps = be.pot_prove(SEED, iterations)
    assert cps[0] == openssl_chain.chain(SEED, reference.pot_key(SEED), iterations // 8)
    assert be.pot_verify(SEED, iterations, cps) is True
    assert be.pot_verify(SEED, iterations, [*cps[:7], cps[6]]) is False


@settings(max_examples=10)
@given(seed=st.binary(min_size=16, max_size=16), sixteenths=st.integers(1, 4))
def test_prove_and_verify_agree_with_reference(be, seed, sixteenths):
    iterations = 16 * sixteenths
    expected = reference.prove(seed, iterations)
    assert be.pot_prove(seed, iterations) == expected
    assert be.pot_verify(seed, iterations, expected) is True


@settings(max_examples=15)
@given(seed=st.binary(min_size=16, max_size=16), sixteenths=st.integers(1, 64), index=st.integers(0, 7),
       flip=st.integers(1, 255))
def test_corrupted_byte_is_caught(be, seed, sixteenths, index, flip):
    iterations = 16 * sixteenths
    cps = be.pot_prove(seed, iterations)
    bad = list(cps)
    bad[index] = bytes([bad[index][0] ^ flip]) + bad[index][1:]
    assert be.pot_verify_many([(seed, iterations, cps), (seed, iterations, bad)]) == [True, False]


# ---------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("iterations", [0, -16, 8, 24, 520, 17])
def test_bad_iteration_counts_raise(be, iterations):
    with pytest.raises(ValueError):
        be.pot_prove(SEED, iterations)
    with pytest.raises(ValueError):
        be.pot_verify(SEED, iterations, CHECKPOINTS)


@pytest.mark.parametrize("seed", [b"", bytes(15), bytes(17), bytes(32)])
def test_wrong_seed_length_raises(be, seed):
    with pytest.raises(ValueError):
        be.pot_prove(seed, 512)
    with pytest.raises(ValueError):
        be.pot_verify(seed, 512, CHECKPOINTS)


@pytest.mark.parametrize("checkpoints", [
    CHECKPOINTS[:7], [*CHECKPOINTS, CHECKPOINTS[0]], [*CHECKPOINTS[:7], bytes(15)], [*CHECKPOINTS[:7], bytes(17)],
    b"".join(CHECKPOINTS),
])
def test_wrong_checkpoints_shape_raises(be, checkpoints):
    with pytest.raises(ValueError):
        be.pot_verify(SEED, 512, checkpoints)


def test_one_bad_item_rejects_the_whole_batch(be):
    with pytest.raises(ValueError, match="item 1"):
        be.pot_verify_many([(SEED, 512, CHECKPOINTS), (SEED, 500, CHECKPOINTS)])
    with pytest.raises(ValueError):
        be.pot_verify_many([(SEED, 512)])


# --------------------------------------------------------------------------- CPU verification paths
def test_openssl_fallback_verifies_without_aesni():
    bad = [*CHECKPOINTS[:3], bytes(16), *CHECKPOINTS[4:]]
    assert verify_with_openssl([(SEED, 512, CHECKPOINTS), (SEED, 512, bad), (SEED, 1024, CHECKPOINTS)]) == [
        True, False, False]


@pytest.mark.parametrize("lanes", [1, 2])
@pytest.mark.parametrize("schedule", ["forward", "split", "together"])
def test_every_aesni_lane_shape_agrees(lanes, schedule):
    """Every (register width, chain schedule) of the AES-NI verifier, on one thread and on several;
    iterations 512 vs 1024 also catch a schedule that runs the wrong number of steps."""
    aesni = pytest.importorskip("accel.pot.aesni")
    if not aesni.aesni_available() or (lanes == 2 and not aesni.vaes_available()):
        pytest.skip("this CPU lacks the AES instructions for this shape")
    from accel.pot.ops import _slot_arrays

    bad = [*CHECKPOINTS[:7], bytes(16)]
    items = [(SEED, 512, CHECKPOINTS), (SEED, 512, bad), (SEED, 1024, CHECKPOINTS)]
    for batch in (items, items[:1]):  # shares on the thread pool; one slot on the calling thread
        arrays = _slot_arrays(batch)
        assert aesni.verify_slots(*arrays, lanes_per_register=lanes, schedule=schedule).tolist() == [
            True, False, False][:len(batch)]


def test_compiled_round_keys_match_the_numpy_schedule():
    aesni = pytest.importorskip("accel.pot.aesni")
    from accel.pot.key_schedule import expand_keys, inverse_cipher_keys

    keys = np.random.default_rng(7).integers(0, 256, (20, 16), dtype=np.uint8)
    keys[0] = 0
    keys[1] = 255
    enc, dec = aesni.round_keys(keys)
    assert np.array_equal(enc, expand_keys(keys))
    assert np.array_equal(dec, inverse_cipher_keys(expand_keys(keys)))


@pytest.mark.parametrize("slots", [1, 3])
def test_single_slot_serial_and_batch_paths_agree(slots):
    aesni = pytest.importorskip("accel.pot.aesni")
    if not aesni.aesni_available():
        pytest.skip("this CPU lacks AES-NI")
    from accel.pot.ops import _slot_arrays

    bad = [*CHECKPOINTS[:7], bytes(16)]
    items = [(SEED, 512, CHECKPOINTS), (SEED, 512, bad), (SEED, 1024, CHECKPOINTS)][:slots]
    assert aesni.verify_slots(*_slot_arrays(items, aesni.round_keys)).tolist() == [True, False, False][:slots]


def test_shares_split_slots_by_work():
    aesni = pytest.importorskip("accel.pot.aesni")
    assert aesni._shares(np.array([5, 5, 5, 5]), 2) == [(0, 2), (2, 4)]
    assert aesni._shares(np.array([30, 1, 1, 1]), 2) == [(0, 1), (1, 4)]
    assert aesni._shares(np.array([1, 1]), 4) == [(0, 1), (1, 2)]
    for m in range(1, 9):
        spans = aesni._shares(np.ones(m, dtype=np.int64), 3)
        assert spans[0][0] == 0 and spans[-1][1] == m and all(a < b for a, b in spans)
        assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))
