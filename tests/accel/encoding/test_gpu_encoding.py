"""The fused device pipeline of record encoding (accel/encoding/gpu.py, accel/kernels/encode.c):
byte-identical to the composed CPU `encode_record` (itself tested against accel/encoding/reference.py
in test_record_encoding.py, which on a GPU backend now runs the fused path too), the batch form equal
to one record at a time, several records in flight, the compaction rules at every density, decoding,
and bad input. Runs on pocl's OpenCL in CI (small K, one record at K=20) and on CUDA where present."""
from __future__ import annotations

import numpy as np
import pytest

import accel
from accel.encoding.constants import BITFIELD_BYTES, RECORD_BYTES, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS
from accel.encoding.gpu import SCAN_GROUP, GpuRecordEncoder
from accel.encoding.ops import EncodingOps
from accel.encoding.record import bitfield_from_bools, chunk_s_buckets

_AVAILABLE = accel.available_backends()


def _gpu_param(name: str):
    marks = [pytest.mark.skip(reason=f"{name} unavailable: {_AVAILABLE[name]}")] if _AVAILABLE.get(name) else []
    return pytest.param(name, id=name, marks=marks + ([pytest.mark.cuda] if name == "cuda" else []))


GPU_BACKENDS = [_gpu_param(n) for n in ("opencl", "cuda")]


@pytest.fixture(params=GPU_BACKENDS)
def gpu_be(request) -> accel.Backend:
    return accel.backend(request.param)


@pytest.fixture(scope="module")
def cpu() -> accel.Backend:
    return accel.backend("cpu")


def random_record(rng: np.random.Generator) -> bytes:
    """2^15 random canonical scalars (top byte below 0x73 keeps every value < r)."""
    chunks = rng.integers(0, 256, size=(RECORD_NUM_CHUNKS, 32), dtype=np.uint8)
    chunks[:, 0] %= 0x73
    return chunks.tobytes()


def composed(backend, seed: bytes, record: bytes, k: int):
    """The host-composed encoding (EncodingOps) on `backend`, bypassing any fused override."""
    return EncodingOps.encode_record(backend, seed, record, k=k)


def test_gpu_backend_uses_the_fused_pipeline(gpu_be):
    assert type(gpu_be).encode_record is not EncodingOps.encode_record
    assert type(gpu_be).encode_records is not EncodingOps.encode_records


@pytest.mark.parametrize("k", [15, 16])
def test_batch_matches_composed_cpu_and_one_at_a_time(gpu_be, cpu, k):
    """Three records (more than the pipeline depth, so a queue is reused) with their own seeds."""
    rng = np.random.default_rng(100 + k)
    seeds = [rng.bytes(32) for _ in range(3)]
    records = [random_record(rng) for _ in range(3)]
    batch = gpu_be.encode_records(seeds, records, k=k)
    assert len(batch) == 3
    for seed, record, enc in zip(seeds, records, batch):
        expected = composed(cpu, seed, record, k)
        assert enc.encoded_bitfield == expected.encoded_bitfield
        assert enc.chunks == expected.chunks
    assert gpu_be.encode_record(seeds[1], records[1], k=k) == batch[1]


def test_k20_matches_composed_cpu_and_decodes(gpu_be, cpu):
    rng = np.random.default_rng(2020)
    seed, record = rng.bytes(32), random_record(rng)
    enc = gpu_be.encode_record(seed, record)
    assert enc == composed(cpu, seed, record, 20)
    assert enc.num_encoded == RECORD_NUM_CHUNKS
    assert cpu.decode_record(seed, enc) == record


def test_decode_of_fused_output(gpu_be):
    rng = np.random.default_rng(5)
    seed, record = rng.bytes(32), random_record(rng)
    enc = gpu_be.encode_record(seed, record, k=15)
    assert gpu_be.decode_record(seed, enc, k=15) == record


@pytest.mark.parametrize("depth", [1, 3])
def test_pipeline_depth_does_not_change_results(gpu_be, cpu, depth):
    rng = np.random.default_rng(30 + depth)
    seeds = [rng.bytes(32) for _ in range(2)]
    records = [random_record(rng), bytes(RECORD_BYTES)]
    encoder = GpuRecordEncoder(gpu_be.gpu, gpu_be._ntt_engine(), depth=depth)
    got = encoder.encode(seeds, records, 15)
    assert got == [composed(cpu, s, r, 15) for s, r in zip(seeds, records)]


@pytest.mark.parametrize("density", [0.0, 0.05, 0.45, 0.5, 0.55, 0.9, 1.0])
def test_compaction_rules(gpu_be, density):
    """encode_compact / encode_bitfield against chunk_s_buckets for encodable densities below, at and
    above 2^15 of 2^16 (the fill path and the cap path of 6.2 step 4)."""
    gpu = gpu_be.gpu
    rng = np.random.default_rng(int(density * 100))
    encodable = rng.random(RECORD_NUM_S_BUCKETS) < density
    chunks = rng.integers(0, 256, size=(RECORD_NUM_S_BUCKETS, 32), dtype=np.uint8)
    program, scan = gpu.program("encode.c"), gpu.program("pos_sort.c")
    d_enc = gpu.to_device(encodable.astype(np.uint32))
    rank = gpu.empty(RECORD_NUM_S_BUCKETS + 1, np.uint32)
    out = gpu.to_device(np.full(RECORD_BYTES, 0xAA, np.uint8))
    bitfield = gpu.empty(BITFIELD_BYTES, np.uint8)
    gpu.launch(scan, "pos_exclusive_scan", SCAN_GROUP,
               (d_enc, np.uint32(RECORD_NUM_S_BUCKETS), rank, np.uint32(0xFFFFFFFF)), local_size=SCAN_GROUP)
    gpu.launch(program, "encode_compact", RECORD_NUM_S_BUCKETS, (gpu.to_device(chunks.reshape(-1)), d_enc, rank, out))
    gpu.launch(program, "encode_bitfield", BITFIELD_BYTES, (d_enc, rank, bitfield))
    encoded = encodable & (np.cumsum(encodable) <= RECORD_NUM_CHUNKS)
    assert gpu.to_host(bitfield).tobytes() == bitfield_from_bools(encoded)
    assert gpu.to_host(out).tobytes() == chunks[chunk_s_buckets(encoded)].tobytes()


def test_bad_input(gpu_be):
    seed, good = bytes(32), bytes(RECORD_BYTES)
    bad = bytearray(good)
    bad[32 * 7:32 * 8] = b"\xff" * 32  # scalar 7 >= r
    with pytest.raises(ValueError, match=r"source\[7\]: non-canonical"):
        gpu_be.encode_record(seed, bytes(bad), k=15)
    with pytest.raises(ValueError, match="non-canonical"):  # a bad record in the middle of a batch
        gpu_be.encode_records([seed] * 3, [good, bytes(bad), good], k=15)
    assert gpu_be.encode_records([seed], [good], k=15)[0] == gpu_be.encode_record(seed, good, k=15)  # still usable
    with pytest.raises(ValueError, match="record must be"):
        gpu_be.encode_records([seed, seed], [good, bytes(100)], k=15)
    with pytest.raises(ValueError, match="record must be bytes"):
        gpu_be.encode_record(seed, 12345, k=15)
    with pytest.raises(ValueError, match="seed"):
        gpu_be.encode_records([bytes(31)], [good], k=15)
    with pytest.raises(ValueError, match="2 seeds for 1 records"):
        gpu_be.encode_records([seed, seed], [good], k=15)
    with pytest.raises(ValueError, match="list of seeds"):
        gpu_be.encode_records(seed, [good], k=15)
    with pytest.raises(ValueError, match="k must"):
        gpu_be.encode_records([seed], [good], k=26)
    assert gpu_be.encode_records([], [], k=15) == []


def test_cpu_batch_form(cpu):
    """Every backend has encode_records; on the CPU it is encode_record one at a time."""
    rng = np.random.default_rng(9)
    seeds, records = [rng.bytes(32)], [random_record(rng)]
    assert cpu.encode_records(seeds, records, k=15) == [cpu.encode_record(seeds[0], records[0], k=15)]
    with pytest.raises(ValueError, match="record must be"):
        cpu.encode_records(seeds, [bytes(5)], k=15)
