"""Constants of the proof-of-space tables (pos.md section 1), each with its source.

Sources: pos.md section 1 (read from autonomys/subspace crates/subspace-proof-of-space, chiapos
constants and `tables.rs`), and the Chia proof-of-space construction it derives from.
"""
from __future__ import annotations

import math

K_PRODUCTION = 20  # PosProof::K (pos.md 1)
K_MIN = 15  # the Rust crate's supported range behind its feature flags (pos.md 1)
K_MAX = 25

PARAM_EXT = 6  # extension bits appended to y (pos.md 1)
PARAM_M = 1 << PARAM_EXT  # 64 match targets per left entry
PARAM_B = 119
PARAM_C = 127
PARAM_BC = PARAM_B * PARAM_C  # 15113: bucket width in y space

NUM_TABLES = 7  # table 1 = f1, tables 2..7 = fn
SEED_BYTES = 32

MAX_BUCKET_SIZE = 512  # REDUCED_BUCKET_SIZE: entries kept per bucket, first inserted (pos.md 3)
MAX_MATCHES_PER_PAIR = 512  # REDUCED_MATCHES_COUNT: matches kept per bucket pair, first enumerated (pos.md 4)

# Metadata bits stored with table t, as multiples of K (pos.md 1, metadata table); index = table number.
META_MULTIPLIER = (0, 1, 2, 4, 4, 3, 2, 0)

CHALLENGE_INDEX_MAX = 2**32 - 1  # challenge index is a u32 (pos.md 6)
NUM_S_BUCKETS = 2**16  # Record::NUM_S_BUCKETS: challenges a farmer asks of one table (pos.md 9)


def check_k(k: int) -> int:
    """`k` as an int if it is in the supported range, else ValueError."""
    if isinstance(k, bool) or not isinstance(k, int) or not K_MIN <= k <= K_MAX:
        raise ValueError(f"k must be an integer in {K_MIN}..{K_MAX}, got {k!r}")
    return k


def y_bits(k: int) -> int:
    """Width of a y value: K + EXT bits (26 at K=20)."""
    return k + PARAM_EXT


def meta_bits(k: int, table: int) -> int:
    """Metadata bits stored with table `table` (1..7): K, 2K, 4K, 4K, 3K, 2K, 0."""
    return META_MULTIPLIER[table] * k


def fn_message_bytes(k: int, table: int) -> int:
    """Bytes of the BLAKE3 input that makes a table-`table` entry (2..7): y || meta || meta (pos.md 5)."""
    return -(-(y_bits(k) + 2 * meta_bits(k, table - 1)) // 8)


def num_buckets(k: int) -> int:
    """ceil(2^(K+EXT) / BC): 4441 at K=20 (buckets 0..4440)."""
    return -(-(1 << y_bits(k)) // PARAM_BC)


def proof_bytes(k: int) -> int:
    """64 x values of K bits: 8K bytes (160 at K=20)."""
    return 64 * k // 8


def keystream_blocks(k: int) -> int:
    """ChaCha8 blocks holding the K*2^K keystream bits of f1, plus one so every x can read two words."""
    return math.ceil(k * (1 << k) / 512) + 1
