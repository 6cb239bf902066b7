"""Record encoding for plotting (storage_and_time.md 6.2) and its inverse (9): `be.encode_record`,
`be.decode_record`, `EncodedRecord`."""
from accel.encoding.record import EncodedRecord, chunk_s_buckets

__all__ = ["EncodedRecord", "chunk_s_buckets"]
