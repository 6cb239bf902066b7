"""Hash and stream-cipher primitives of plotting: batched ChaCha8 keystream (pos.md section 2) and
batched BLAKE3 of messages up to one 1024-byte chunk, plain and keyed (storage_and_time.md
conventions). `reference` is the readable yardstick; backends expose `chacha8_keystream` and
`blake3_hash_many` with identical results."""
from accel.hashing.constants import BLAKE3_CHUNK_LEN, CHACHA_BLOCK_BYTES
from accel.hashing import reference

__all__ = ["BLAKE3_CHUNK_LEN", "CHACHA_BLOCK_BYTES", "reference"]
