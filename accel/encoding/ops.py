"""Record encoding and decoding (storage_and_time.md 6.2 and 9), composed from a backend's own
operations so that it runs wherever the PoS, erasure and BLAKE3 kernels run:

    encode: PoS table(seed) -> extend the 2^15 record scalars to 2^16 s-bucket chunks ->
            proofs for all 65,536 challenges -> chunk XOR BLAKE3(proof) -> take the first 2^15
            encoded chunks in s order, fill with plain chunks in s order.
    decode: unmask the encoded chunks with BLAKE3(proof) -> recover the 2^16 values from the 2^15
            present -> even positions are the record.

A backend may override `encode_record` / `encode_records` with a fused device pipeline (the GPU
backends do: accel/encoding/gpu.py); the result must be identical.
"""
from __future__ import annotations

import numpy as np

from typing import Sequence

from accel.encoding.constants import RECORD_BYTES, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, SCALAR_BYTES
from accel.plotting.constants import K_PRODUCTION, check_k
from accel.erasure.fr import rows_to_limbs
from accel.encoding.record import EncodedRecord, bitfield_from_bools, chunk_s_buckets


def _check_seed(seed: bytes) -> None:
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
        raise ValueError(f"PoS seed must be 32 bytes, got {len(seed) if hasattr(seed, '__len__') else seed!r}")


def check_record(record: bytes) -> None:
    """ValueError unless `record` is RECORD_BYTES bytes (the scalars are checked by the erasure step)."""
    if not isinstance(record, (bytes, bytearray, memoryview)):
        raise ValueError(f"record must be bytes, got {type(record).__name__}")
    if len(record) != RECORD_BYTES:
        raise ValueError(f"record must be {RECORD_BYTES} bytes, got {len(record)}")


def check_batch(seeds: Sequence[bytes], records: Sequence[bytes], k: int) -> None:
    """Validate a batch for `encode_records` before any work: equal lengths, every seed and record, k."""
    if isinstance(seeds, (bytes, bytearray)) or isinstance(records, (bytes, bytearray)):
        raise ValueError("encode_records takes a list of seeds and a list of records")
    if len(seeds) != len(records):
        raise ValueError(f"encode_records: {len(seeds)} seeds for {len(records)} records")
    for seed, record in zip(seeds, records):
        _check_seed(seed)
        check_record(record)
    check_k(k)


def masks_for_proofs(backend, proofs: np.ndarray, found: np.ndarray) -> np.ndarray:
    """BLAKE3(proof) of every found proof (`prove_many`'s (n, 8K) proofs and (n,) found flags) as
    (n, 32) uint8, zero rows where there is no proof."""
    masks = np.zeros((found.shape[0], SCALAR_BYTES), dtype=np.uint8)
    if found.any():
        masks[found] = backend.blake3_hash_many(np.ascontiguousarray(proofs[found]))
    return masks


class EncodingOps:
    """encode_record / decode_record for any backend with pos_table, erasure_extend/recover and BLAKE3."""

    def encode_record(self, seed: bytes, record: bytes, k: int = K_PRODUCTION) -> EncodedRecord:
        """Encode one 1 MiB record (2^15 big-endian scalars) with the PoS table of `seed` (6.2).

        `k` is the PoS space parameter (20 on the network; smaller only for tests)."""
        _check_seed(seed)
        check_record(record)
        table = self.pos_table(bytes(seed), k)
        source = np.frombuffer(bytes(record), np.uint8).reshape(RECORD_NUM_CHUNKS, SCALAR_BYTES)
        parity = self.erasure_extend(bytes(record))  # ValueError on non-canonical scalars
        s_chunks = np.empty((RECORD_NUM_S_BUCKETS, SCALAR_BYTES), dtype=np.uint8)
        s_chunks[0::2] = source
        s_chunks[1::2] = np.frombuffer(b"".join(parity), np.uint8).reshape(RECORD_NUM_CHUNKS, SCALAR_BYTES)
        proofs, present = table.prove_many(np.arange(RECORD_NUM_S_BUCKETS, dtype=np.uint32))
        masks = masks_for_proofs(self, proofs, present)
        masked = s_chunks ^ masks
        encodable = present & masked.any(axis=1)  # an all-zero result counts as not encoded (6.2 step 3)
        encoded = encodable & (np.cumsum(encodable) <= RECORD_NUM_CHUNKS)
        order = chunk_s_buckets(encoded)
        out = np.where(encoded[order, None], masked[order], s_chunks[order])
        return EncodedRecord(out.tobytes(), bitfield_from_bools(encoded))

    def encode_records(self, seeds: Sequence[bytes], records: Sequence[bytes],
                       k: int = K_PRODUCTION) -> list[EncodedRecord]:
        """`encode_record` of each (seed, record) pair, in order; all inputs are validated first."""
        check_batch(seeds, records, k)
        return [self.encode_record(seed, record, k=k) for seed, record in zip(seeds, records)]

    def decode_record(self, seed: bytes, enc: EncodedRecord, k: int = K_PRODUCTION, table=None) -> bytes:
        """The original record from its encoding (9 steps 3-4). `table`: this seed's PoS table when the
        caller already has it (the prover does), so it is not generated twice."""
        _check_seed(seed)
        if not isinstance(enc, EncodedRecord):
            raise ValueError("decode_record expects an EncodedRecord")
        encoded = enc.encoded
        order = chunk_s_buckets(encoded)
        chunks = enc.chunks_array().copy()
        masked_rows = np.flatnonzero(encoded[order])
        if masked_rows.size:
            table = table if table is not None else self.pos_table(bytes(seed), k)
            proofs, present = table.prove_many(order[masked_rows].astype(np.uint32))
            if not present.all():
                raise ValueError("corrupt encoded record: an encoded s-bucket has no proof of space for this seed")
            chunks[masked_rows] ^= masks_for_proofs(self, proofs, present)
        shards = np.zeros((RECORD_NUM_S_BUCKETS, SCALAR_BYTES), dtype=np.uint8)
        shards[order] = chunks
        have = np.zeros(RECORD_NUM_S_BUCKETS, dtype=bool)
        have[order] = True
        if have[0::2].all():  # every source chunk was stored: no recovery, only the canonical check
            source = np.ascontiguousarray(shards[0::2])
            rows_to_limbs(source, "decoded record")
        else:  # recover the missing source chunks from the parity
            source = self.erasure_recover_batch(shards[None], have)[0, 0::2]
        return source.tobytes()
