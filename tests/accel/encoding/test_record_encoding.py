"""Record encoding (storage_and_time.md 6.2) and decoding (9): every backend bit-exact with the
readable reference, round trips at the network's K=20, the all-zero sentinel, and bad input."""
from __future__ import annotations

import os

import blake3
import numpy as np
import pytest

from accel.encoding import EncodedRecord, reference
from accel.encoding.constants import RECORD_BYTES, RECORD_NUM_CHUNKS

K_SMALL = 15  # same procedure, a cheaper PoS table


def random_record(rng: np.random.Generator) -> bytes:
    """2^15 random canonical scalars (top byte below 0x73 keeps every value < r)."""
    chunks = rng.integers(0, 256, size=(RECORD_NUM_CHUNKS, 32), dtype=np.uint8)
    chunks[:, 0] %= 0x73
    return chunks.tobytes()


@pytest.fixture(scope="module")
def small_case():
    rng = np.random.default_rng(7)
    seed, record = rng.bytes(32), random_record(rng)
    return seed, record, reference.encode_record(seed, record, k=K_SMALL)


def test_backend_matches_reference(be, small_case):
    seed, record, expected = small_case
    enc = be.encode_record(seed, record, k=K_SMALL)
    assert enc.encoded_bitfield == expected.encoded_bitfield
    assert enc.chunks == expected.chunks
    assert 0 < enc.num_encoded <= RECORD_NUM_CHUNKS
    assert be.decode_record(seed, enc, k=K_SMALL) == record


def test_zero_record_round_trip(be):
    seed = bytes(range(32))
    record = bytes(RECORD_BYTES)
    enc = be.encode_record(seed, record, k=K_SMALL)
    assert enc == reference.encode_record(seed, record, k=K_SMALL)
    assert be.decode_record(seed, enc, k=K_SMALL) == record


def test_masked_zero_is_not_encoded(be):
    """A chunk equal to BLAKE3(its proof) masks to 32 zero bytes: the reference treats it as unencoded."""
    rng = np.random.default_rng(11)
    seed = rng.bytes(32)
    chunks = np.frombuffer(random_record(rng), np.uint8).reshape(RECORD_NUM_CHUNKS, 32).copy()
    table = be.pos_table(seed, K_SMALL)
    for i in range(RECORD_NUM_CHUNKS):  # the first even s-bucket whose mask is itself a canonical scalar
        proof = table.find_proof(2 * i)
        if proof is not None and blake3.blake3(proof).digest()[0] < 0x73:
            break
    chunks[i] = np.frombuffer(blake3.blake3(proof).digest(), np.uint8)
    record = chunks.tobytes()
    enc = be.encode_record(seed, record, k=K_SMALL)
    assert not enc.encoded[2 * i]
    assert enc == reference.encode_record(seed, record, k=K_SMALL)
    assert be.decode_record(seed, enc, k=K_SMALL) == record


def test_k20_round_trip(be):
    """The network's K: 2^15 chunks kept, the first encodable s-buckets masked, decode exact."""
    rng = np.random.default_rng(20)
    seed, record = rng.bytes(32), random_record(rng)
    enc = be.encode_record(seed, record)
    table = be.pos_table(seed)
    order = enc.chunk_s_buckets()
    first = int(order[0])
    proof = table.find_proof(first)
    mask = np.frombuffer(blake3.blake3(proof).digest(), np.uint8)
    source_or_parity = enc.chunks_array()[0] ^ mask
    if first % 2 == 0:  # an even s-bucket holds the record chunk itself
        assert source_or_parity.tobytes() == record[first // 2 * 32:first // 2 * 32 + 32]
    assert be.decode_record(seed, enc) == record


def test_bad_input(be):
    seed = bytes(32)
    with pytest.raises(ValueError, match="record must be"):
        be.encode_record(seed, bytes(100), k=K_SMALL)
    with pytest.raises(ValueError, match="seed"):
        be.encode_record(bytes(31), bytes(RECORD_BYTES), k=K_SMALL)
    with pytest.raises(ValueError):
        be.encode_record(seed, b"\xff" * RECORD_BYTES, k=K_SMALL)  # non-canonical scalars
    with pytest.raises(ValueError, match="k must"):
        be.encode_record(seed, bytes(RECORD_BYTES), k=14)
    with pytest.raises(ValueError, match="EncodedRecord"):
        be.decode_record(seed, b"not a record", k=K_SMALL)


def test_encoded_record_validation():
    with pytest.raises(ValueError, match="chunks"):
        EncodedRecord(bytes(10), bytes(8192))
    with pytest.raises(ValueError, match="bitfield"):
        EncodedRecord(bytes(RECORD_BYTES), bytes(10))
    with pytest.raises(ValueError, match="more than"):
        EncodedRecord(bytes(RECORD_BYTES), b"\xff" * 8192)


def test_corrupt_bitfield_detected(be):
    """Marking an s-bucket without a proof as encoded is rejected, never silently decoded."""
    seed = os.urandom(32)
    table = be.pos_table(seed, K_SMALL)
    missing = next(s for s in range(65536) if table.find_proof(s) is None)
    bits = bytearray(8192)
    bits[missing >> 3] |= 1 << (missing & 7)
    with pytest.raises(ValueError, match="no proof"):
        be.decode_record(seed, EncodedRecord(bytes(RECORD_BYTES), bytes(bits)), k=K_SMALL)
