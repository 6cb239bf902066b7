"""Sizes of record encoding (storage_and_time.md 1 and 6.2)."""

SCALAR_BYTES = 32
RECORD_NUM_CHUNKS = 2**15  # chunks (scalars) of a record
RECORD_NUM_S_BUCKETS = 2**16  # chunks after erasure extension: the PoS challenges of a record
RECORD_BYTES = RECORD_NUM_CHUNKS * SCALAR_BYTES  # 1 MiB
BITFIELD_BYTES = RECORD_NUM_S_BUCKETS // 8  # 8,192
PIPELINE_DEPTH = 2  # records in flight in the GPU encoding pipeline (accel/encoding/gpu.py), one queue each
