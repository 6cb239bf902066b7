"""Farmer keys and sr25519 seals: schnorrkel compatibility (against py-sr25519-bindings with its fixed
context b"substrate"), the network's reward context, key files, header sealing."""
from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest
import sr25519
from hypothesis import given, settings
from hypothesis import strategies as st

from chain_support import genesis, make_header
from protocol.consensus import schnorrkel
from protocol.consensus.keys import KeyFileError, Keypair, seal_header, verify_signature

SEED = bytes(range(32))


# --- building blocks against published vectors -------------------------------------------------------
def test_keccak_permutation_gives_sha3_256():
    for msg in (b"", b"abc"):
        state = bytearray(200)
        block = msg + b"\x06" + bytes(136 - len(msg) - 1)
        block = block[:-1] + bytes([block[-1] | 0x80])
        for i, b in enumerate(block):
            state[i] ^= b
        schnorrkel.keccak_f1600(state)
        assert bytes(state[:32]) == hashlib.sha3_256(msg).digest()


def test_merlin_transcript_matches_the_published_vector():
    t = schnorrkel.Transcript(b"test protocol")
    t.append_message(b"some label", b"some data")
    assert t.challenge_bytes(b"challenge", 32).hex() == (
        "d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615")


def test_ristretto_generator_multiples_match_rfc_9496():
    enc = schnorrkel.ristretto_encode
    assert enc(schnorrkel.IDENTITY) == bytes(32)
    b1 = schnorrkel.BASEPOINT
    assert enc(b1).hex() == "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
    assert enc(schnorrkel.point_add(b1, b1)).hex() == (
        "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919")
    assert enc(schnorrkel.scalar_mult(3, b1)).hex() == (
        "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259")
    assert enc(schnorrkel.scalar_mult_base(3)) == enc(schnorrkel.scalar_mult(3, b1))
    assert enc(schnorrkel.scalar_mult(schnorrkel.L, b1)) == bytes(32)
    assert enc(schnorrkel.ristretto_decode(enc(b1))) == enc(b1)


@pytest.mark.parametrize("bad", [
    bytes(31), b"\x01" + bytes(31), (2**255 - 19).to_bytes(32, "little"), b"\xff" * 32,
    bytes.fromhex("26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371"),  # RFC 9496 bad encoding
])
def test_invalid_ristretto_encodings_are_refused(bad):
    with pytest.raises(schnorrkel.InvalidPublicKey):
        schnorrkel.ristretto_decode(bad)


# --- compatibility with schnorrkel (the binding, context b"substrate") -------------------------------
@settings(max_examples=6)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=200))
def test_signatures_interoperate_with_schnorrkel(seed, message):
    public, secret = sr25519.pair_from_seed(seed)
    kp = Keypair(seed)
    assert kp.public_key == bytes(public)
    theirs = sr25519.sign((public, secret), message)
    assert verify_signature(kp.public_key, message, theirs, context=b"substrate")
    ours = kp.sign(message, context=b"substrate")
    assert sr25519.verify(ours, message, public)


def test_reward_context_separates_from_the_substrate_context():
    kp = Keypair(SEED)
    msg = b"pre-hash"
    reward = kp.sign(msg)
    assert verify_signature(kp.public_key, msg, reward)
    assert not sr25519.verify(reward, msg, kp.public_key)  # the binding's fixed context cannot check seals
    assert not verify_signature(kp.public_key, msg, kp.sign(msg, context=b"substrate"))


def test_wrong_message_key_or_signature_fails():
    kp, other = Keypair(SEED), Keypair(bytes(32))
    sig = kp.sign(b"m")
    assert not verify_signature(kp.public_key, b"n", sig)
    assert not verify_signature(other.public_key, b"m", sig)
    flipped = bytearray(sig)
    flipped[5] ^= 1
    assert not verify_signature(kp.public_key, b"m", bytes(flipped))


def test_malformed_signatures_raise():
    kp = Keypair(SEED)
    sig = kp.sign(b"m")
    unmarked = sig[:63] + bytes([sig[63] & 0x7F])
    with pytest.raises(schnorrkel.InvalidSignatureFormat, match="not marked"):
        verify_signature(kp.public_key, b"m", unmarked)
    with pytest.raises(schnorrkel.InvalidSignatureFormat, match="expected 64 bytes"):
        verify_signature(kp.public_key, b"m", sig[:63])
    big_s = sig[:32] + (schnorrkel.L + 1).to_bytes(32, "little")[:31] + bytes([0x80 | 0x10])
    with pytest.raises(schnorrkel.InvalidSignatureFormat, match="not canonical"):
        verify_signature(kp.public_key, b"m", big_s)
    with pytest.raises(schnorrkel.InvalidPublicKey):
        verify_signature(b"\xff" * 32, b"m", sig)


def test_signatures_are_randomised_but_all_valid():
    kp = Keypair(SEED)
    a, b = kp.sign(b"m"), kp.sign(b"m")
    assert a != b
    assert verify_signature(kp.public_key, b"m", a) and verify_signature(kp.public_key, b"m", b)


# --- keypairs and key files ----------------------------------------------------------------------------
def test_keypair_is_deterministic_from_seed_and_hides_it():
    kp = Keypair.from_seed(SEED)
    assert kp == Keypair(SEED)
    assert kp.public_key.hex() == "e2111779981618705ecacea1af6ff9350bce2b2dccd03e0c3e01eb0c823d2666"
    assert SEED.hex() not in repr(kp) and "seed" not in repr(kp)
    assert Keypair.generate() != Keypair.generate()
    with pytest.raises(ValueError, match="32 bytes"):
        Keypair(bytes(31))


def test_key_file_round_trip_is_private_and_atomic(tmp_path):
    path = tmp_path / "farmer.key"
    kp = Keypair(SEED)
    kp.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Keypair.load(path) == kp
    assert json.loads(path.read_text()) == {"scheme": "sr25519", "seed": SEED.hex(),
                                            "public_key": kp.public_key.hex()}
    other = Keypair(bytes(32))
    other.save(path)  # replaces
    assert Keypair.load(path) == other
    assert sorted(p.name for p in tmp_path.iterdir()) == ["farmer.key"]  # no temporary left behind


def test_load_or_generate_creates_once(tmp_path):
    path = tmp_path / "k.json"
    first = Keypair.load_or_generate(path)
    assert Keypair.load_or_generate(path) == first


def test_unsafe_or_bad_key_files_are_refused(tmp_path):
    path = tmp_path / "k"
    Keypair(SEED).save(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        Keypair.load(path)
    with pytest.raises(KeyFileError, match="cannot read"):
        Keypair.load(tmp_path / "missing")
    cases = {
        "not json": b"{",
        "wrong scheme": json.dumps({"scheme": "ed25519", "seed": SEED.hex(), "public_key": "00"}).encode(),
        "short seed": json.dumps({"scheme": "sr25519", "seed": "00", "public_key": "00"}).encode(),
        "mismatch": json.dumps({"scheme": "sr25519", "seed": SEED.hex(), "public_key": "00" * 32}).encode(),
        "not hex": json.dumps({"scheme": "sr25519", "seed": "zz", "public_key": "00"}).encode(),
        "list": b"[]",
    }
    for name, raw in cases.items():
        path.write_bytes(raw)
        os.chmod(path, 0o600)
        with pytest.raises(KeyFileError):
            Keypair.load(path)


# --- header seals ---------------------------------------------------------------------------------------
def test_seal_header_signs_the_pre_hash():
    kp = Keypair(SEED)
    header = make_header(genesis().header, 2, public_key=kp.public_key)
    sealed = seal_header(header, kp)
    assert sealed.pre_hash() == header.pre_hash()
    assert verify_signature(kp.public_key, header.pre_hash(), sealed.seal)
    with pytest.raises(ValueError, match="not the solution's public key"):
        seal_header(header, Keypair(bytes(32)))
    with pytest.raises(ValueError, match="genesis"):
        seal_header(genesis().header, kp)
