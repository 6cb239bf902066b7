"""SCALE compact integers (the framing's length prefixes)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from protocol.scale import ScaleDecodeError, compact_len, decode_compact, encode_compact


@pytest.mark.parametrize("value, encoded", [
    (0, "00"), (1, "04"), (63, "fc"), (64, "0101"), (16383, "fdff"), (16384, "02000100"),
    (2**30 - 1, "feffffff"), (2**30, "0300000040"), (130023424, "0200001f"),
])
def test_known_compact_encodings(value, encoded):
    assert encode_compact(value).hex() == encoded
    assert compact_len(value) == len(encoded) // 2
    assert decode_compact(bytes.fromhex(encoded), 0) == (value, len(encoded) // 2)


@given(st.integers(0, 2**64))
def test_compact_round_trip(value):
    enc = encode_compact(value)
    assert len(enc) == compact_len(value)
    assert decode_compact(b"\xaa" + enc, 1) == (value, 1 + len(enc))


@pytest.mark.parametrize("bad", ["", "01", "020000", "07000000"])
def test_truncated_compact_is_refused(bad):
    with pytest.raises(ScaleDecodeError):
        decode_compact(bytes.fromhex(bad), 0)
