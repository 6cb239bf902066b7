"""Contents map and on-disk layout arithmetic (S&T 6.3, 6.4)."""
from __future__ import annotations

import numpy as np
import pytest

from protocol.farmer import ContentsMap, InvalidContentsMap, InvalidSector, SectorMetadata, sector_size
from protocol.farmer.layout import record_chunk_locations, s_bucket_region


def test_sector_size_for_1000_pieces():
    assert sector_size(1000) == 1_056_896_064


def _random_map(rng, n):
    enc = np.zeros((n, 65536), dtype=bool)
    for o in range(n):
        k = int(rng.integers(30000, 32769))
        enc[o, rng.choice(65536, size=k, replace=False)] = True
    return ContentsMap(enc)


def test_every_record_has_exactly_32768_chunks_and_encoded_bits_win():
    rng = np.random.default_rng(5)
    cm = _random_map(rng, 3)
    has = cm.has_chunk()
    assert (has.sum(axis=1) == 32768).all()
    assert (has | ~cm.encoded).all() and (has[cm.encoded]).all()
    # the unencoded chunks are the first unset positions in increasing s
    for o in range(3):
        unset = np.flatnonzero(~cm.encoded[o])
        need = 32768 - cm.encoded[o].sum()
        assert has[o, unset[:need]].all() and not has[o, unset[need:]].any()


def test_contents_map_round_trip_and_bit_order():
    enc = np.zeros((2, 65536), dtype=bool)
    enc[0, 0] = enc[0, 9] = enc[1, 65535] = True
    cm = ContentsMap(enc)
    raw = cm.encode()
    assert len(raw) == 2 * 8192 + 32
    assert raw[0] == 0b1 and raw[1] == 0b10 and raw[8192 + 8191] == 0x80
    assert (ContentsMap.decode(raw, 2).encoded == enc).all()
    assert cm.bitfield(0)[:2] == bytes([1, 2])


def test_corrupt_contents_map_is_refused():
    raw = bytearray(ContentsMap(np.zeros((1, 65536), dtype=bool)).encode())
    with pytest.raises(InvalidContentsMap, match="bytes"):
        ContentsMap.decode(bytes(raw[:-1]), 1)
    raw[5] ^= 1
    with pytest.raises(InvalidContentsMap, match="checksum"):
        ContentsMap.decode(bytes(raw), 1)
    with pytest.raises(InvalidContentsMap, match="more than 32768"):
        ContentsMap(np.ones((1, 65536), dtype=bool))


def test_region_order_and_chunk_locations_agree():
    rng = np.random.default_rng(7)
    n = 3
    cm = _random_map(rng, n)
    chunks = [rng.integers(0, 256, (32768, 32), dtype=np.uint8) for _ in range(n)]
    region = s_bucket_region(cm, chunks)
    meta = SectorMetadata(0, n, cm.s_bucket_sizes(), 1)
    offsets = meta.s_bucket_offsets()
    assert region.shape == (n * 32768, 32)
    for o in range(n):
        s_buckets, locations = record_chunk_locations(cm, offsets, o)
        assert s_buckets.size == 32768
        assert (region[locations] == chunks[o]).all()


def test_sector_metadata_round_trip_and_checksum():
    sizes = np.arange(65536, dtype=np.uint16) % 7
    meta = SectorMetadata(5, 10, sizes, 42)
    raw = meta.encode()
    assert len(raw) == 131_116
    back = SectorMetadata.decode(raw)
    assert (back.sector_index, back.pieces_in_sector, back.history_size) == (5, 10, 42)
    assert (back.s_bucket_sizes == sizes).all()
    bad = bytearray(raw)
    bad[100] ^= 1
    with pytest.raises(InvalidSector, match="checksum"):
        SectorMetadata.decode(bytes(bad))
