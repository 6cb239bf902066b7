"""The parts of Parity's SCALE codec that framing needs: compact integers and fixed-width LE integers.

Written by hand because segment encoding/decoding walks 130 MB buffers item by item: a general
SCALE library (scalecodec) builds Python objects per field and is orders of magnitude slower here.
Spec: storage_and_time.md conventions (SCALE) and 5.1 (compact length prefixes).
"""
from __future__ import annotations

import struct

COMPACT_SINGLE_MAX = 2**6  # 1-byte mode: values < 2^6
COMPACT_TWO_MAX = 2**14  # 2-byte mode: values < 2^14
COMPACT_FOUR_MAX = 2**30  # 4-byte mode: values < 2^30; above: big-integer mode


class ScaleDecodeError(ValueError):
    """Input bytes are not a valid SCALE encoding of the expected type."""


def compact_len(value: int) -> int:
    """Bytes taken by the SCALE compact encoding of `value`."""
    if value < COMPACT_SINGLE_MAX:
        return 1
    if value < COMPACT_TWO_MAX:
        return 2
    if value < COMPACT_FOUR_MAX:
        return 4
    return 1 + (value.bit_length() + 7) // 8


def encode_compact(value: int) -> bytes:
    if value < 0:
        raise ValueError("compact integers are unsigned")
    if value < COMPACT_SINGLE_MAX:
        return bytes([value << 2])
    if value < COMPACT_TWO_MAX:
        return struct.pack("<H", (value << 2) | 0b01)
    if value < COMPACT_FOUR_MAX:
        return struct.pack("<I", (value << 2) | 0b10)
    raw = value.to_bytes((value.bit_length() + 7) // 8, "little")
    return bytes([((len(raw) - 4) << 2) | 0b11]) + raw


def decode_compact(data: bytes | memoryview, offset: int) -> tuple[int, int]:
    """(value, new offset) of the compact integer at `offset`."""
    if offset >= len(data):
        raise ScaleDecodeError("compact integer: input exhausted")
    mode = data[offset] & 0b11
    if mode == 0b00:
        return data[offset] >> 2, offset + 1
    if mode == 0b01:
        if offset + 2 > len(data):
            raise ScaleDecodeError("compact integer: input exhausted")
        return struct.unpack_from("<H", data, offset)[0] >> 2, offset + 2
    if mode == 0b10:
        if offset + 4 > len(data):
            raise ScaleDecodeError("compact integer: input exhausted")
        return struct.unpack_from("<I", data, offset)[0] >> 2, offset + 4
    size = (data[offset] >> 2) + 4
    if offset + 1 + size > len(data):
        raise ScaleDecodeError("compact integer: input exhausted")
    return int.from_bytes(bytes(data[offset + 1:offset + 1 + size]), "little"), offset + 1 + size
