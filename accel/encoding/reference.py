"""Readable reference of record encoding (storage_and_time.md 6.2) and decoding (9): the yardstick
the backends' `encode_record` / `decode_record` are tested against. Built only from the other
references (accel.plotting.reference tables, accel.erasure.reference over Python integers) and the
`blake3` package; slow (seconds per record) and single-threaded by design.

Decoding has no separate reference: it is `be.erasure_recover` (whose own reference,
accel.erasure.reference.recover, is quadratic in the number of missing shards and far too slow at
2^15 of them) after unmasking, and it is tested as the exact inverse of this encoder.

`k` is the PoS space parameter: the network uses 20; tests may use a smaller one (15..19) to make the
table cheap, which changes nothing else in the procedure.
"""
from __future__ import annotations

import blake3

from accel.encoding.constants import RECORD_BYTES, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, SCALAR_BYTES
from accel.encoding.record import EncodedRecord
from accel.erasure import reference as erasure
from accel.plotting.constants import K_PRODUCTION
from accel.plotting.reference import ReferenceTables


def s_bucket_chunks(record: bytes) -> list[bytes]:
    """The 65,536 s-bucket chunks of a record: s = 2i is record chunk i, s = 2i + 1 parity chunk i (6.2 step 2)."""
    source = [record[i * SCALAR_BYTES:(i + 1) * SCALAR_BYTES] for i in range(RECORD_NUM_CHUNKS)]
    parity = erasure.extend_bytes(source)
    return [c for pair in zip(source, parity) for c in pair]


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def encode_record(seed: bytes, record: bytes, k: int = K_PRODUCTION) -> EncodedRecord:
    """6.2 steps 1-4, one s-bucket at a time."""
    if len(record) != RECORD_BYTES:
        raise ValueError(f"record must be {RECORD_BYTES} bytes, got {len(record)}")
    table = ReferenceTables(seed, k)
    chunks = s_bucket_chunks(record)
    taken: list[bytes] = []
    bits = bytearray(RECORD_NUM_S_BUCKETS // 8)
    for s in range(RECORD_NUM_S_BUCKETS):
        if len(taken) == RECORD_NUM_CHUNKS:
            break
        proof = table.find_proof(s)
        if proof is None:
            continue
        masked = xor(chunks[s], blake3.blake3(proof).digest())
        if masked == bytes(SCALAR_BYTES):  # the reference's "no proof" sentinel
            continue
        taken.append(masked)
        bits[s >> 3] |= 1 << (s & 7)
    fill = [chunks[s] for s in range(RECORD_NUM_S_BUCKETS) if not (bits[s >> 3] >> (s & 7)) & 1]
    out = taken + fill[:RECORD_NUM_CHUNKS - len(taken)]
    return EncodedRecord(b"".join(out), bytes(bits))
