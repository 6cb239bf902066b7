"""Readable reference of the proof-of-space tables (pos.md sections 2-7): the yardstick for the backends.

Plain Python integers for single entries (f1 of one x, fn of one pair, the match rule, verification)
and numpy for whole-table steps (f1 of every x, bucket order, matching one bucket pair at a time, fn
of a whole table as bit matrices). Written from the spec, checked against ../shared/vectors/pos.json.
It builds a K=20 table in a few tens of seconds: ChaCha8 comes from `accel.hashing.reference`
(pure Python) and the bulk fn hashing uses the `blake3` package (the single-entry path uses the
pure-Python `accel.hashing.reference.blake3`), so no numba and no device are involved.

Conventions: bit strings are MSB-first; a table's "position" is the index of an entry in generation
order (table 1: position = x); "bucket order" is (y, position) ascending with at most
MAX_BUCKET_SIZE entries per bucket, the first inserted ones (pos.md 3).
"""
from __future__ import annotations

from dataclasses import dataclass

import blake3 as blake3_package
import numpy as np

from accel.hashing.reference import blake3 as blake3_reference
from accel.hashing.reference import chacha8_keystream, chacha_block
from accel.plotting.constants import (
    MAX_BUCKET_SIZE, MAX_MATCHES_PER_PAIR, NUM_TABLES, PARAM_B, PARAM_BC, PARAM_C, PARAM_EXT, PARAM_M,
    check_k, keystream_blocks, meta_bits, num_buckets, proof_bytes, y_bits,
)


# ------------------------------------------------------------------------------ single entries
def first_k(challenge_index: int, k: int) -> int:
    """The K-bit challenge prefix: the u32 written little-endian, read back big-endian (pos.md 6)."""
    return int.from_bytes(challenge_index.to_bytes(4, "little"), "big") >> (32 - k)


def f1(seed: bytes, k: int, x: int) -> int:
    """y of table-1 entry x: K keystream bits at bit K*x, then the top EXT bits of x (pos.md 2)."""
    bit = k * x
    block = bit // 512
    window = chacha_block(seed, block) + chacha_block(seed, block + 1)
    value = int.from_bytes(window, "big")
    c = (value >> (1024 - (bit - 512 * block) - k)) & ((1 << k) - 1)
    return (c << PARAM_EXT) | (x >> (k - PARAM_EXT))


def fn(k: int, table: int, y_left: int, meta_left: int, meta_right: int) -> tuple[int, int]:
    """(y, metadata) of the table-`table` entry made from a left entry (y, meta) and a right meta (pos.md 5)."""
    pm = meta_bits(k, table - 1)
    nbits = y_bits(k) + 2 * pm
    nbytes = -(-nbits // 8)
    message = (((y_left << (2 * pm)) | (meta_left << pm) | meta_right) << (8 * nbytes - nbits)).to_bytes(nbytes, "big")
    h = int.from_bytes(blake3_reference(message), "big")
    y = h >> (256 - y_bits(k))
    if table in (2, 3):
        meta = (meta_left << pm) | meta_right
    elif table in (4, 5, 6):
        mb = meta_bits(k, table)
        meta = (h >> (256 - y_bits(k) - mb)) & ((1 << mb) - 1)
    else:
        meta = 0
    return y, meta


def match_targets(r_left: int, parity: int) -> list[int]:
    """The 64 r values a right entry must have to match a left entry with r = r_left, ascending (pos.md 4)."""
    return sorted(((r_left // PARAM_C + m) % PARAM_B) * PARAM_C + ((2 * m + parity) ** 2 + r_left) % PARAM_C
                  for m in range(PARAM_M))


def has_match(y_left: int, y_right: int) -> bool:
    """The verifier's match test: the r condition only, no bucket adjacency check (pos.md 7, quirk)."""
    parity = (y_left // PARAM_BC) % 2
    return y_right % PARAM_BC in match_targets(y_left % PARAM_BC, parity)


def pack_proof(xs: list[int], k: int) -> bytes:
    """64 x values of K bits each, MSB-first, into 8K bytes (pos.md 6 step 4)."""
    value = 0
    for x in xs:
        value = (value << k) | int(x)
    return value.to_bytes(proof_bytes(k), "big")


def unpack_proof(proof: bytes, k: int) -> list[int]:
    value = int.from_bytes(proof, "big")
    return [(value >> (k * (63 - i))) & ((1 << k) - 1) for i in range(64)]


def is_proof_valid(seed: bytes, challenge_index: int, proof: bytes, k: int) -> bool:
    """Recompute the 64 leaves up to one table-7 y and compare its top K bits with the challenge (pos.md 7)."""
    xs = unpack_proof(proof, k)
    ys = [f1(seed, k, x) for x in xs]
    metas = xs
    for table in range(2, NUM_TABLES + 1):
        next_ys, next_metas = [], []
        for i in range(0, len(ys), 2):
            if not has_match(ys[i], ys[i + 1]):
                return False
            y, meta = fn(k, table, ys[i], metas[i], metas[i + 1])
            next_ys.append(y)
            next_metas.append(meta)
        ys, metas = next_ys, next_metas
    return ys[0] >> PARAM_EXT == first_k(challenge_index, k)


# ------------------------------------------------------------------------------- whole tables
def _int_bits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of the MSB-first bits of each value."""
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    return ((values.astype(np.uint64)[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)


def _bits_int(bits: np.ndarray) -> np.ndarray:
    """Inverse of `_int_bits` for widths up to 64."""
    shifts = np.arange(bits.shape[1] - 1, -1, -1, dtype=np.uint64)
    return (bits.astype(np.uint64) << shifts).sum(axis=1, dtype=np.uint64)


def f1_all(seed: bytes, k: int) -> np.ndarray:
    """y of every x in 0..2^K-1 (pos.md 2), uint64."""
    stream = np.frombuffer(chacha8_keystream(seed, keystream_blocks(k)) + bytes(8), dtype=np.uint8)
    x = np.arange(1 << k, dtype=np.uint64)
    bit = x * np.uint64(k)
    byte = (bit // np.uint64(8)).astype(np.int64)
    window = np.zeros(x.shape, dtype=np.uint64)  # 8 stream bytes from `byte`, big-endian
    for i in range(8):
        window = (window << np.uint64(8)) | stream[byte + i]
    c = (window << (bit % np.uint64(8))) >> np.uint64(64 - k)
    return (c << np.uint64(PARAM_EXT)) | (x >> np.uint64(k - PARAM_EXT))


def bucket_order(y: np.ndarray) -> np.ndarray:
    """Positions in bucket order: by (y, position), keeping the first MAX_BUCKET_SIZE inserted per bucket (pos.md 3)."""
    bucket = y // np.uint64(PARAM_BC)
    by_bucket = np.argsort(bucket, kind="stable")  # inside a bucket: increasing position = insertion order
    bucket_sorted = bucket[by_bucket]
    rank = np.arange(len(y)) - np.searchsorted(bucket_sorted, bucket_sorted, side="left")
    kept = by_bucket[rank < MAX_BUCKET_SIZE]
    return kept[np.lexsort((kept, y[kept]))]


def find_matches(y: np.ndarray, order: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(left positions, right positions) of every match, in generation order (pos.md 4 and 5)."""
    buckets = y[order] // np.uint64(PARAM_BC)
    bounds = np.searchsorted(buckets, np.arange(num_buckets(k) + 1, dtype=np.uint64))
    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    for b in range(num_buckets(k) - 1):
        left = order[bounds[b]:bounds[b + 1]]
        right = order[bounds[b + 1]:bounds[b + 2]]
        if len(left) == 0 or len(right) == 0:
            continue
        r_left = (y[left] - np.uint64(b * PARAM_BC)).astype(np.int64)
        r_right = (y[right] - np.uint64((b + 1) * PARAM_BC)).astype(np.int64)  # ascending: bucket is sorted by y
        m = np.arange(PARAM_M)
        targets = ((r_left[:, None] // PARAM_C + m) % PARAM_B) * PARAM_C + ((2 * m + b % 2) ** 2 + r_left[:, None]) % PARAM_C
        targets = np.sort(targets, axis=1).ravel()  # per left entry, targets ascending
        # r-map of the right bucket: r -> the contiguous run of right entries with that r
        per_r = np.bincount(r_right, minlength=PARAM_BC)
        run_start = (np.cumsum(per_r) - per_r)[targets]
        run_len = per_r[targets]  # every right entry with r == target matches
        total = int(run_len.sum())
        if total == 0:
            continue
        left_index = np.repeat(np.arange(len(targets)) // PARAM_M, run_len)
        within_run = np.arange(total) - np.repeat(np.cumsum(run_len) - run_len, run_len)
        right_index = np.repeat(run_start, run_len) + within_run
        lefts.append(left[left_index[:MAX_MATCHES_PER_PAIR]])
        rights.append(right[right_index[:MAX_MATCHES_PER_PAIR]])
    if not lefts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(lefts), np.concatenate(rights)


def _blake3_rows(messages: np.ndarray) -> np.ndarray:
    """BLAKE3 of each row of an (n, L) uint8 matrix: (n, 32) uint8."""
    n, length = messages.shape
    data = messages.tobytes()
    digests = b"".join(blake3_package.blake3(data[i * length:(i + 1) * length]).digest() for i in range(n))
    return np.frombuffer(digests, dtype=np.uint8).reshape(n, 32)


def fn_all(k: int, table: int, y_left: np.ndarray, meta_left: np.ndarray,
           meta_right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """fn for many pairs (pos.md 5): metadata as (n, bits) MSB-first bit matrices -> (y, metadata bits)."""
    chunk = 1 << 18  # bounds the bit matrices' memory
    ys, metas = [], []
    for s in range(0, len(y_left), chunk):
        yl, ml, mr = y_left[s:s + chunk], meta_left[s:s + chunk], meta_right[s:s + chunk]
        message_bits = np.concatenate([_int_bits(yl, y_bits(k)), ml, mr], axis=1)
        hash_bits = np.unpackbits(_blake3_rows(np.packbits(message_bits, axis=1)), axis=1)
        ys.append(_bits_int(hash_bits[:, :y_bits(k)]))
        if table in (2, 3):
            metas.append(np.concatenate([ml, mr], axis=1))
        else:
            metas.append(hash_bits[:, y_bits(k):y_bits(k) + meta_bits(k, table)])
    if not ys:
        return np.zeros(0, np.uint64), np.zeros((0, meta_bits(k, table)), np.uint8)
    return np.concatenate(ys), np.concatenate(metas)


@dataclass
class Table:
    """One table in generation order, with its bucket order."""

    y: np.ndarray  # uint64 per position
    meta: np.ndarray  # (n, meta_bits) MSB-first bits per position
    parents: np.ndarray | None  # (n, 2) [left, right] positions in the previous table; None for table 1
    order: np.ndarray  # positions in bucket order


class ReferenceTables:
    """All seven tables of one seed (pos.md 2-5), and the prover over them (pos.md 6)."""

    def __init__(self, seed: bytes, k: int = 20) -> None:
        check_k(k)
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
            raise ValueError("seed must be 32 bytes")
        self.seed, self.k = bytes(seed), k
        y = f1_all(self.seed, k)
        x = np.arange(1 << k, dtype=np.uint64)
        self.tables = [Table(y, _int_bits(x, k), None, bucket_order(y))]
        for table in range(2, NUM_TABLES + 1):
            parent = self.tables[-1]
            left, right = find_matches(parent.y, parent.order, k)
            y, meta = fn_all(k, table, parent.y[left], parent.meta[left], parent.meta[right])
            self.tables.append(Table(y, meta, np.stack([left, right], axis=1), bucket_order(y)))

    def candidates(self, challenge_index: int) -> np.ndarray:
        """Table-7 positions whose y starts with first_k, in bucket order (pos.md 6 steps 1-2)."""
        t7 = self.tables[-1]
        target = first_k(challenge_index, self.k)
        ys = t7.y[t7.order]
        lo = np.searchsorted(ys, np.uint64(target << PARAM_EXT), side="left")
        hi = np.searchsorted(ys, np.uint64(((target + 1) << PARAM_EXT)), side="left")
        return t7.order[lo:hi]

    def find_proof(self, challenge_index: int) -> bytes | None:
        """The first proof in table-7 order for the challenge, or None (pos.md 6)."""
        found = self.candidates(challenge_index)
        if len(found) == 0:
            return None
        positions = [int(found[0])]
        for table in range(NUM_TABLES, 1, -1):  # depth-first, left before right
            parents = self.tables[table - 1].parents
            positions = [int(p) for q in positions for p in parents[q]]
        return pack_proof(positions, self.k)

    def find_proofs(self, challenge_indices) -> list[bytes | None]:
        return [self.find_proof(int(c)) for c in challenge_indices]
