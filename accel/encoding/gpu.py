"""Record encoding as one device-resident pipeline (storage_and_time.md 6.2), for the GPU backends
(OpenCL and CUDA through `accel.device.GpuDevice`). Per record, on one queue/stream:

    upload the 1 MiB record -> encode_load_record (big-endian scalars -> limbs, canonical check)
    -> erasure extension in place (accel/erasure/gpu.py `extend_on_device`: the parity stays here)
    -> PoS table of the seed (accel/plotting/ops.py GpuPosTable) -> proofs of all 65,536 challenges
       (`prove_on_device`) -> encode_mask (BLAKE3 of each found proof, XOR, "encodable" test)
    -> exclusive prefix sum of the encodable flags (pos_exclusive_scan of accel/kernels/pos_sort.c)
    -> encode_compact (first 2^15 encoded chunks in s order, then the plain fill in s order)
       and encode_bitfield -> download the 1 MiB result, the 8 KiB bitfield and a status word.

Kernels: accel/kernels/encode.c. Nothing else crosses the bus except the handful of u32 table sizes
the PoS build reads back.

Records in flight: `encode_records` keeps PIPELINE_DEPTH records on as many queues (OpenCL command
queues / CUDA streams). Record i+1 is uploaded and enqueued while record i's tail (proofs, masking,
compaction) runs and its result is downloaded asynchronously into a page-locked (CUDA) host buffer;
the host waits for record i's download only when its slot is needed again (record i + depth) or at
the end. What overlaps: the upload of record i+1 and the download of record i with the device work of
the other record; the host's enqueueing (and the PoS build's small blocking size reads, which wait on
their own queue only) with the device work of the other queue.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from accel.encoding.constants import (BITFIELD_BYTES, PIPELINE_DEPTH, RECORD_BYTES, RECORD_NUM_CHUNKS,
                                      RECORD_NUM_S_BUCKETS, SCALAR_BYTES)
from accel.encoding.ops import EncodingOps, check_batch
from accel.encoding.record import EncodedRecord
from accel.erasure.fr import rows_to_limbs
from accel.plotting.constants import K_PRODUCTION

LOG_RECORD_CHUNKS = RECORD_NUM_CHUNKS.bit_length() - 1  # 15: erasure extension of 2^15 values
LIMB_WORDS = SCALAR_BYTES // 4  # u32 limbs per scalar on the device
SCAN_GROUP = 256  # POS_SCAN_GROUP of accel/kernels/pos_sort.c
NO_CAP = 0xFFFFFFFF


@dataclass
class _Slot:
    """One record in flight: its queue, its host staging buffers and what is pending on it."""

    queue: Any
    record: np.ndarray  # host staging for the upload (RECORD_BYTES uint8)
    chunks: np.ndarray  # host destination of the result (RECORD_BYTES uint8)
    bitfield: np.ndarray  # BITFIELD_BYTES uint8
    status: np.ndarray  # 1 uint32: non-zero when the record held a non-canonical scalar
    pending: tuple[int, bytes, list[Any], list[Any]] | None = None  # (index, record, tokens, device buffers)


class GpuRecordEncoder:
    """The device pipeline of one GpuDevice (built once per backend; one batch at a time)."""

    def __init__(self, gpu: Any, ntt: Any, depth: int = PIPELINE_DEPTH) -> None:
        self.gpu, self.ntt = gpu, ntt
        self.program = gpu.program("encode.c")
        self.sort_program = gpu.program("pos_sort.c")
        # Resident inputs every record shares, uploaded (blocking) before other queues use them.
        ntt.prepare_extend(LOG_RECORD_CHUNKS)
        self.challenges = gpu.to_device(np.arange(RECORD_NUM_S_BUCKETS, dtype=np.uint32))
        gpu.synchronize()
        self.slots = [_Slot(gpu.new_queue(), gpu.host_buffer(RECORD_BYTES, np.uint8),
                            gpu.host_buffer(RECORD_BYTES, np.uint8), gpu.host_buffer(BITFIELD_BYTES, np.uint8),
                            gpu.host_buffer(1, np.uint32)) for _ in range(max(1, depth))]
        self.lock = threading.Lock()

    def _launch(self, program: Any, kernel: str, items: int, *args: Any, **kw: Any) -> None:
        conv = tuple(np.uint32(a) if isinstance(a, (int, np.integer)) else a for a in args)
        self.gpu.launch(program, kernel, items, conv, **kw)

    def _enqueue(self, slot: _Slot, index: int, seed: bytes, record: bytes, k: int) -> None:
        """Queue every step of one record on the slot's queue; returns once the work is queued (the PoS
        build waits for its own table sizes)."""
        from accel.plotting.ops import GpuPosTable  # noqa: PLC0415 - avoid an import cycle at start-up

        gpu = self.gpu
        with gpu.on_queue(slot.queue):
            slot.record[:] = np.frombuffer(record, np.uint8)
            d_record = gpu.to_device_async(slot.record)
            status = gpu.empty(1, np.uint32)
            self._launch(self.sort_program, "pos_zero", 1, status, 1)
            parity = gpu.empty(RECORD_NUM_CHUNKS * LIMB_WORDS, np.uint32)
            self._launch(self.program, "encode_load_record", RECORD_NUM_CHUNKS, d_record, parity, status)
            self.ntt.extend_on_device(parity, 1, LOG_RECORD_CHUNKS)
            table = GpuPosTable(gpu, bytes(seed), k)
            proofs, found = table.prove_on_device(self.challenges, RECORD_NUM_S_BUCKETS)
            del table  # its buffers are released once the queued kernels are done with them
            chunks = gpu.empty(RECORD_NUM_S_BUCKETS * SCALAR_BYTES, np.uint8)
            encodable = gpu.empty(RECORD_NUM_S_BUCKETS, np.uint32)
            self._launch(self.program, "encode_mask", RECORD_NUM_S_BUCKETS, d_record, parity, proofs, found, k,
                         chunks, encodable)
            del proofs, found, parity
            rank = gpu.empty(RECORD_NUM_S_BUCKETS + 1, np.uint32)
            self._launch(self.sort_program, "pos_exclusive_scan", SCAN_GROUP, encodable, RECORD_NUM_S_BUCKETS, rank,
                         NO_CAP, local_size=SCAN_GROUP)
            out = gpu.empty(RECORD_BYTES, np.uint8)
            bitfield = gpu.empty(BITFIELD_BYTES, np.uint8)
            self._launch(self.program, "encode_compact", RECORD_NUM_S_BUCKETS, chunks, encodable, rank, out)
            self._launch(self.program, "encode_bitfield", BITFIELD_BYTES, encodable, rank, bitfield)
            tokens = [gpu.to_host_async(out, slot.chunks), gpu.to_host_async(bitfield, slot.bitfield),
                      gpu.to_host_async(status, slot.status)]
        slot.pending = (index, record, tokens, [d_record, out, bitfield, status])

    def _finish(self, slot: _Slot) -> tuple[int, EncodedRecord]:
        """Wait for the slot's downloads and turn them into an EncodedRecord (ValueError for a record
        with a non-canonical scalar, with the erasure code's message)."""
        assert slot.pending is not None
        index, record, tokens, _ = slot.pending
        for token in tokens:
            self.gpu.wait(token)
        slot.pending = None
        if slot.status[0]:
            rows_to_limbs(np.frombuffer(record, np.uint8).reshape(RECORD_NUM_CHUNKS, SCALAR_BYTES), "source")
            raise ValueError("source: non-canonical scalar (value >= r)")  # pragma: no cover - raised above
        return index, EncodedRecord(slot.chunks.tobytes(), slot.bitfield.tobytes())

    def _drain(self) -> None:
        """Wait for everything in flight (after an error), so no transfer into a host buffer is left."""
        for slot in self.slots:
            if slot.pending is not None:
                for token in slot.pending[2]:
                    self.gpu.wait(token)
                slot.pending = None

    def encode(self, seeds: Sequence[bytes], records: Sequence[bytes], k: int) -> list[EncodedRecord]:
        results: list[EncodedRecord | None] = [None] * len(records)
        with self.lock:
            try:
                for i, (seed, record) in enumerate(zip(seeds, records)):
                    slot = self.slots[i % len(self.slots)]
                    if slot.pending is not None:
                        j, enc = self._finish(slot)
                        results[j] = enc
                    self._enqueue(slot, i, seed, bytes(record), k)
                for n in range(len(records), len(records) + len(self.slots)):  # oldest first
                    slot = self.slots[n % len(self.slots)]
                    if slot.pending is not None:
                        j, enc = self._finish(slot)
                        results[j] = enc
            finally:
                self._drain()
        return results  # type: ignore[return-value]


class EncodingGpu(EncodingOps):
    """`encode_record` / `encode_records` as the fused device pipeline of `GpuRecordEncoder`;
    `decode_record` stays the composed one of EncodingOps (device PoS, BLAKE3 and recovery)."""

    gpu: Any  # accel.device.GpuDevice

    def _record_encoder(self) -> GpuRecordEncoder:
        encoder = getattr(self, "_gpu_record_encoder", None)
        if encoder is None:
            encoder = self._gpu_record_encoder = GpuRecordEncoder(self.gpu, self._ntt_engine())
        return encoder

    def encode_record(self, seed: bytes, record: bytes, k: int = K_PRODUCTION) -> EncodedRecord:
        """See EncodingOps.encode_record; one record through the device pipeline."""
        return self.encode_records([seed], [record], k=k)[0]

    def encode_records(self, seeds: Sequence[bytes], records: Sequence[bytes],
                       k: int = K_PRODUCTION) -> list[EncodedRecord]:
        """`encode_record` of each (seed, record) pair with PIPELINE_DEPTH records in flight on separate
        queues/streams; identical to the one-at-a-time results. Inputs are validated before any work."""
        check_batch(seeds, records, k)
        if not len(records):
            return []
        return self._record_encoder().encode(seeds, records, k)
