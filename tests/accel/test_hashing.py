"""ChaCha8 and BLAKE3 batches: reference against published values and libraries, every backend
against the reference bit for bit, and bad input."""
from __future__ import annotations

import blake3 as blake3_lib
import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from hypothesis import given, strategies as st

from accel.hashing import reference
from vectors import load_vectors

# ChaCha8, 256-bit all-zero key, zero nonce, block 0 (the published ChaCha8 test vector).
CHACHA8_ZERO_KEY_BLOCK0 = bytes.fromhex(
    "3e00ef2f895f40d67f5bb8e81f09a5a12c840ec3ce9a7f3b181be188ef711a1e"
    "984ce172b9216f419f445367456d5619314a42a3da86b001387bfdb80e0cfe42")


def test_reference_chacha8_matches_published_zero_key_block():
    assert reference.chacha8_keystream(bytes(32), 1) == CHACHA8_ZERO_KEY_BLOCK0


@given(key=st.binary(min_size=32, max_size=32), counter=st.integers(0, 2**32 - 4),
       nonce=st.binary(min_size=12, max_size=12))
def test_reference_chacha_block_structure_matches_openssl_chacha20(key, counter, nonce):
    # The same block function with 20 rounds must equal OpenSSL's ChaCha20 (16-byte IV = LE counter || nonce).
    iv = counter.to_bytes(4, "little") + nonce
    expected = Cipher(algorithms.ChaCha20(key, iv), mode=None).encryptor().update(bytes(128))
    got = reference.chacha_block(key, counter, nonce, rounds=20) + reference.chacha_block(key, counter + 1, nonce, rounds=20)
    assert got == expected


def _f1_from_keystream(stream: bytes, k: int, x: int, ext: int = 6) -> int:
    """pos.md section 2: K keystream bits at bit offset K*x (MSB-first), then the top EXT bits of x."""
    bits = int.from_bytes(stream, "big")
    total = len(stream) * 8
    c = (bits >> (total - k * x - k)) & ((1 << k) - 1)
    return (c << ext) | (x >> (k - ext))


def test_chacha8_keystream_reproduces_network_f1_vectors(be):
    cases = load_vectors("pos.json")["f1"]
    assert cases
    for case in cases:
        k, x = case["k"], case["x"]
        num_blocks = (k * x + k) // 512 + 1
        stream = be.chacha8_keystream([bytes.fromhex(case["seed_hex"])], num_blocks)[0].tobytes()
        assert _f1_from_keystream(stream, k, x) == case["expected_y"], case


@given(seeds=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=4),
       num_blocks=st.integers(1, 6), counter=st.integers(0, 2**32 - 7))
def test_chacha8_backends_equal_reference(be, seeds, num_blocks, counter):
    out = be.chacha8_keystream(seeds, num_blocks, counter)
    assert out.shape == (len(seeds), num_blocks * 64) and out.dtype == np.uint8
    for i, seed in enumerate(seeds):
        assert out[i].tobytes() == reference.chacha8_keystream(seed, num_blocks, counter)


def test_chacha8_accepts_concatenated_seeds_and_arrays(be):
    seeds = bytes(range(64))
    a = be.chacha8_keystream(seeds, 2)
    b = be.chacha8_keystream(np.frombuffer(seeds, np.uint8).reshape(2, 32), 2)
    assert a.tobytes() == b.tobytes() == reference.chacha8_keystream(seeds[:32], 2) + reference.chacha8_keystream(seeds[32:], 2)


def test_chacha8_counter_crossing_word_boundary_is_modular_in_32_bits(be):
    seed = bytes(range(32))
    out = be.chacha8_keystream([seed], 1, counter=2**32 - 1)
    assert out[0].tobytes() == reference.chacha_block(seed, 2**32 - 1)


EDGE_LENGTHS = [0, 1, 3, 4, 63, 64, 65, 127, 128, 129, 511, 512, 513, 1023, 1024]


def test_reference_blake3_matches_the_blake3_crate_at_block_edges():
    key = bytes(range(32))
    for n in EDGE_LENGTHS:
        msg = bytes((i * 7 + 3) & 0xFF for i in range(n))
        assert reference.blake3(msg) == blake3_lib.blake3(msg).digest()
        assert reference.blake3(msg, key) == blake3_lib.blake3(msg, key=key).digest()


def test_blake3_backends_match_the_crate_at_block_edges(be):
    msgs = [bytes((i * 13 + n) & 0xFF for i in range(n)) for n in EDGE_LENGTHS]
    key = bytes(range(100, 132))
    plain = be.blake3_hash_many(msgs)
    keyed = be.blake3_hash_many(msgs, keys=key)
    for i, m in enumerate(msgs):
        assert plain[i].tobytes() == blake3_lib.blake3(m).digest()
        assert keyed[i].tobytes() == blake3_lib.blake3(m, key=key).digest()


@given(msgs=st.lists(st.binary(max_size=1024), min_size=1, max_size=6), data=st.data())
def test_blake3_backends_with_per_message_keys_equal_reference(be, msgs, data):
    keys = data.draw(st.lists(st.binary(min_size=32, max_size=32), min_size=len(msgs), max_size=len(msgs)))
    out = be.blake3_hash_many(msgs, keys=keys)
    for m, k, h in zip(msgs, keys, out):
        assert h.tobytes() == reference.blake3(m, k)


def test_blake3_accepts_fixed_width_array(be):
    arr = np.arange(3 * 160, dtype=np.uint64).astype(np.uint8).reshape(3, 160)
    out = be.blake3_hash_many(arr)
    assert [o.tobytes() for o in out] == [blake3_lib.blake3(r.tobytes()).digest() for r in arr]


def test_empty_batches_return_empty_arrays(be):
    assert be.blake3_hash_many([]).shape == (0, 32)
    assert be.chacha8_keystream([], 3).shape == (0, 192)


@pytest.mark.parametrize("call, message", [
    (lambda be: be.chacha8_keystream([bytes(31)], 1), "expected 32 bytes"),
    (lambda be: be.chacha8_keystream(bytes(33), 1), "not a multiple of 32"),
    (lambda be: be.chacha8_keystream([bytes(32)], 0), "num_blocks"),
    (lambda be: be.chacha8_keystream([bytes(32)], 2, counter=2**32 - 1), "32-bit counter"),
    (lambda be: be.blake3_hash_many([bytes(1025)]), "exceed 1024"),
    (lambda be: be.blake3_hash_many(b"abc"), "sequence of messages"),
    (lambda be: be.blake3_hash_many([b"a", "b"]), "expected bytes"),
    (lambda be: be.blake3_hash_many([b"a"], keys=bytes(31)), "not a multiple of 32"),
    (lambda be: be.blake3_hash_many([b"a", b"b", b"c"], keys=[bytes(32)] * 2), "1 or 3 keys"),
])
def test_bad_input_is_rejected_before_device_work(be, call, message):
    with pytest.raises(ValueError, match=message):
        call(be)


@pytest.mark.parametrize("length", [1, 7, 31, 32])
@pytest.mark.parametrize("key_mode", ["none", "one", "runs", "each"])
def test_equal_length_batches_equal_the_blake3_package(be, length, key_mode):
    """Batches of >= 64 equal-length messages of <= 32 bytes take the CPU backend's vectorised column
    kernel (keys in runs of equal consecutive keys, as the farm audit gives them): every mode and length
    equals the blake3 package."""
    rng = np.random.default_rng(length)
    n = 1000 + length
    messages = rng.integers(0, 256, (n, length), dtype=np.uint8)
    key_list = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)) for _ in range(n)]
    if key_mode == "none":
        keys, per_message = None, [None] * n
    elif key_mode == "one":
        keys, per_message = key_list[0], [key_list[0]] * n
    elif key_mode == "runs":
        per_message = [key_list[i // 97] for i in range(n)]
        keys = np.frombuffer(b"".join(per_message), np.uint8).reshape(n, 32)
    else:
        per_message = key_list
        keys = per_message
    got = be.blake3_hash_many(messages, keys=keys)
    for i in range(n):
        m = messages[i].tobytes()
        k = per_message[i]
        assert got[i].tobytes() == (blake3_lib.blake3(m, key=k) if k else blake3_lib.blake3(m)).digest(), i


@pytest.mark.parametrize("length", [5, 32])
@pytest.mark.parametrize("n", [10, 1500])
def test_hash_runs_equal_keys_repeated(be, length, n):
    """`blake3_hash_runs` (keys given once per run, empty runs allowed, a prefix of each hash) equals the
    blake3 package with each message's key, on the column path (n >= 64) and the fallback alike."""
    rng = np.random.default_rng(n + length)
    messages = rng.integers(0, 256, (n, length), dtype=np.uint8)
    cuts = np.sort(rng.integers(0, n + 1, 9))
    counts = np.diff(np.concatenate([[0], cuts, [n]]))  # 10 runs, some of them empty
    keys = rng.integers(0, 256, (counts.size, 32), dtype=np.uint8)
    owner = np.repeat(np.arange(counts.size), counts)
    for out_bytes in (8, 32):
        got = be.blake3_hash_runs(messages, keys, counts, out_bytes=out_bytes)
        assert got.shape == (n, out_bytes)
        for i in range(n):
            want = blake3_lib.blake3(messages[i].tobytes(), key=keys[owner[i]].tobytes()).digest()
            assert got[i].tobytes() == want[:out_bytes], i


@pytest.mark.parametrize("counts, out_bytes, message", [
    ([2, 2], 8, "counts"), ([3], 8, "counts"), ([-1, 4, 0], 8, "counts"), ([3, 0], 6, "out_bytes"),
    ([3, 0], 36, "out_bytes")])
def test_hash_runs_bad_input(be, counts, out_bytes, message):
    messages = np.zeros((3, 32), dtype=np.uint8)
    keys = np.zeros((len(counts), 32), dtype=np.uint8) if len(counts) != 1 else np.zeros((2, 32), dtype=np.uint8)
    with pytest.raises(ValueError, match=message):
        be.blake3_hash_runs(messages, keys, np.array(counts), out_bytes=out_bytes)
