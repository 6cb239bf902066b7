"""The readable PoT reference (accel/pot/reference.py) against FIPS-197, OpenSSL and pot.json."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from accel.pot import key_schedule, reference, tables
from accel.pot.constants import AES_INV_SBOX, AES_SBOX
from pot_vectors import pot_case

blocks = st.binary(min_size=16, max_size=16)


def test_sbox_has_the_fips197_values():
    assert (AES_SBOX[0x00], AES_SBOX[0x01], AES_SBOX[0x53], AES_SBOX[0xFF]) == (0x63, 0x7C, 0xED, 0x16)
    assert AES_INV_SBOX[0x63] == 0x00 and sorted(AES_SBOX) == list(range(256))


def test_fips197_appendix_c1_example():
    rk = reference.expand_key(bytes(range(16)))
    ct = reference.encrypt_block(rk, bytes.fromhex("00112233445566778899aabbccddeeff"))
    assert ct.hex() == "69c4e0d86a7b0430d8cdb78070b4c55a"
    assert reference.decrypt_block(rk, ct).hex() == "00112233445566778899aabbccddeeff"


def test_fips197_appendix_a1_key_expansion():
    rk = reference.expand_key(bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"))
    assert rk[10].hex() == "d014f9a8c9ee2589e13f0cc8b6630ca6"


@settings(max_examples=25)
@given(key=blocks, block=blocks)
def test_aes_matches_openssl_ecb_both_ways(key, block):
    rk = reference.expand_key(key)
    expected = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(block)
    assert reference.encrypt_block(rk, block) == expected
    assert reference.decrypt_block(rk, expected) == block


@settings(max_examples=10)
@given(keys=st.lists(blocks, min_size=1, max_size=6))
def test_batched_key_schedules_match_reference(keys):
    arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 16)
    enc = key_schedule.expand_keys(arr)
    dec = key_schedule.inverse_cipher_keys(enc)
    for i, key in enumerate(keys):
        rk = reference.expand_key(key)
        assert enc[i].tobytes() == b"".join(rk)
        assert dec[i].tobytes() == b"".join(reference.inverse_cipher_round_keys(rk))


def test_kernel_header_embeds_the_derived_tables():
    header = (Path(tables.__file__).resolve().parents[1] / "kernels" / "aes128.h").read_text()
    assert tables.c_tables() in header
    assert tables.te0()[0] == 0xC66363A5 and tables.td0()[0] == 0x51F4A750


def test_explicit_key_case_of_aes_rs():
    case = pot_case("aes.rs tests::test_create_verify")
    seed, key = bytes.fromhex(case["seed_hex"]), bytes.fromhex(case["key_hex"])
    cps = reference.prove_with_key(seed, key, 20)
    assert [c.hex() for c in cps] == case["derived_not_from_reference"]["checkpoints_hex"]
    assert reference.verify_with_key(seed, key, 20, cps)
    assert not reference.verify_with_key(seed, key, 20, [bytes([0x16] * 16), *cps[1:]])
    assert not reference.verify_with_key(seed, key, 22, cps)
    assert not reference.verify_with_key(seed, key, 18, cps)
    assert not reference.verify_with_key(bytes.fromhex("d7d6dcd8d593c23da8db6b5b1413b13a"), key, 20, cps)
    assert not reference.verify_with_key(seed, bytes.fromhex("9b8b9b0ffef5b0d70199fc67f46ea27a"), 20, cps)


def test_blake3_keyed_slot_case():
    case = pot_case("verifier/tests.rs test_basic")
    derived = case["derived_not_from_reference"]
    seed = bytes.fromhex(case["seed_hex"])
    assert reference.pot_key(seed).hex() == derived["key_hex_blake3_seed_first16"]
    cps = reference.prove(seed, case["slot_iterations"])
    assert [c.hex() for c in cps] == derived["checkpoints_hex"]
    assert cps[-1].hex() == derived["output_hex"]
    assert reference.verify(seed, 512, cps)
    assert not reference.verify(seed, 1024, cps)


@pytest.mark.parametrize("iterations", [0, -16, 8, 24, 100, 17])
def test_reference_rejects_iterations_not_positive_multiples_of_16(iterations):
    with pytest.raises(ValueError):
        reference.prove(bytes(16), iterations)
    with pytest.raises(ValueError):
        reference.verify(bytes(16), iterations, [bytes(16)] * 8)
