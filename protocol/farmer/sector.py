"""Sector identity, piece selection, evaluation seeds and expiration (storage_and_time.md 6.1),
and the per-slot challenges of auditing (section 7 steps 2-4).
"""
from __future__ import annotations

import struct

import blake3

from protocol.constants import (
    MAX_PIECES_IN_SECTOR, MIN_SECTOR_LIFETIME, PIECES_PER_SEGMENT, RECENT_HISTORY_FRACTION, RECENT_SEGMENTS,
)

U64_MAX = 2**64 - 1


class InvalidHistorySize(ValueError):
    """A history size of zero or one whose expiration arithmetic overflows u64."""


def _h(data: bytes) -> bytes:
    return blake3.blake3(data).digest()


def _hk(key: bytes, data: bytes) -> bytes:
    return blake3.blake3(data, key=key).digest()


def _u256_le(data: bytes) -> int:
    return int.from_bytes(data, "little")


def public_key_hash(public_key: bytes) -> bytes:
    if len(public_key) != 32:
        raise ValueError(f"public key must be 32 bytes, got {len(public_key)}")
    return _h(public_key)


def sector_id(public_key: bytes, sector_index: int, history_size: int) -> bytes:
    """H_k(H(public_key), sector_index u16 LE || history_size u64 LE)."""
    if not 0 <= sector_index < 2**16:
        raise ValueError(f"sector index must be a u16, got {sector_index}")
    if not 1 <= history_size <= U64_MAX:
        raise InvalidHistorySize(f"history size must be a non-zero u64, got {history_size}")
    return _hk(public_key_hash(public_key), struct.pack("<HQ", sector_index, history_size))


def piece_index_for_offset(sector: bytes, piece_offset: int, history_size: int,
                           max_pieces_in_sector: int = MAX_PIECES_IN_SECTOR,
                           recent_segments: int = RECENT_SEGMENTS,
                           recent_history_fraction: tuple[int, int] = RECENT_HISTORY_FRACTION) -> int:
    """Index of the history piece plotted at `piece_offset` of a sector (6.1)."""
    if not 0 <= piece_offset < 2**16:
        raise ValueError(f"piece offset must be a u16, got {piece_offset}")
    a, b = recent_history_fraction
    key = struct.pack("<H", piece_offset).ljust(32, b"\0")
    h = _u256_le(_hk(key, sector))
    hist = history_size * PIECES_PER_SEGMENT
    recent = recent_segments * PIECES_PER_SEGMENT
    min_hist = recent * (b * PIECES_PER_SEGMENT) // (a * PIECES_PER_SEGMENT)
    num_interleaved = max(1, max_pieces_in_sector * (a * PIECES_PER_SEGMENT) // (b * PIECES_PER_SEGMENT) * 2)
    if hist > min_hist and piece_offset < num_interleaved and piece_offset % 2 == 1:
        return h % recent + (hist - recent)
    return h % hist


def evaluation_seed(sector: bytes, piece_offset: int) -> bytes:
    """PoS seed of the record at `piece_offset`: H(sector_id || offset u16 LE)."""
    return _h(sector + struct.pack("<H", piece_offset))


def expiration_check_history_size(history_size: int, min_sector_lifetime: int = MIN_SECTOR_LIFETIME) -> int:
    """History size whose segment commitment decides the expiration: history_size + MIN_SECTOR_LIFETIME."""
    check = history_size + min_sector_lifetime
    if check > U64_MAX:
        raise InvalidHistorySize("history size overflows when adding the minimum sector lifetime")
    return check


def sector_expiration(sector: bytes, history_size: int, segment_commitment_at_check: bytes,
                      min_sector_lifetime: int = MIN_SECTOR_LIFETIME) -> int:
    """History size at which the sector expires (6.1); `segment_commitment_at_check` is the commitment of
    segment index `history_size + min_sector_lifetime - 1`."""
    check = expiration_check_history_size(history_size, min_sector_lifetime)
    last = min_sector_lifetime + 4 * history_size
    if last > U64_MAX:
        raise InvalidHistorySize("history size overflows the expiration window")
    h = _u256_le(_h(sector + segment_commitment_at_check))
    return check + h % (last - check)


def global_challenge(pot_output: bytes, slot: int) -> bytes:
    """H(H(pot_output) || slot u64 LE) (7 step 2)."""
    return _h(_h(pot_output) + struct.pack("<Q", slot))


def sector_slot_challenge(sector: bytes, global_chal: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(sector, global_chal))


def audit_s_bucket(sector_slot_chal: bytes) -> int:
    """The s-bucket audited this slot: u16 LE of the first 2 bytes of the sector slot challenge."""
    return struct.unpack_from("<H", sector_slot_chal)[0]


def audit_distance(audit_hash: bytes, global_chal: bytes) -> int:
    """min(a - g, g - a) wrapping in u64, a and g the first 8 bytes (LE) of each (7 step 6)."""
    a = struct.unpack_from("<Q", audit_hash)[0]
    g = struct.unpack_from("<Q", global_chal)[0]
    return min((a - g) & U64_MAX, (g - a) & U64_MAX)
