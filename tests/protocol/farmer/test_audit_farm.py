"""`audit_farm` hashes the whole farm's challenged chunks in one backend call with one key per sector:
it must give exactly the candidates of auditing each sector alone (`audit_sector`), merged nearest first
(ties: sector order, then chunk order), on every backend, and each sector's candidates must be its
challenged s-bucket's chunks within half the solution range, computed here from the blake3 package."""
from __future__ import annotations

import struct

import blake3
import numpy as np
import pytest

from protocol.constants import RECORD_NUM_S_BUCKETS
from protocol.farmer.audit import audit_farm, audit_sector, read_s_bucket
from protocol.farmer.layout import SectorMetadata, sector_size
from protocol.farmer.plotting import PlottedSector
from protocol.farmer.sector import audit_s_bucket, global_challenge, sector_id, sector_slot_challenge

PIECES = 8
U64_MAX = 2**64 - 1


def _sector(directory, index: int, rng: np.random.Generator, empty: bool = False) -> PlottedSector:
    """A sector file of random bytes whose s-buckets hold 0..PIECES chunks (random sizes; none if empty)."""
    path = directory / f"s{index}.plot"
    sizes = rng.integers(0, PIECES + 1, RECORD_NUM_S_BUCKETS).astype(np.uint16) * (not empty)
    path.write_bytes(rng.integers(0, 256, sector_size(PIECES), dtype=np.uint8).tobytes())
    meta = SectorMetadata(index, PIECES, sizes, 1)
    return PlottedSector(index, 1, PIECES, sector_id(bytes(32), index, 1), [], meta, path, path)


@pytest.mark.parametrize("solution_range", [U64_MAX, U64_MAX // 3, 0])
def test_farm_audit_equals_the_sectors_audited_one_by_one(be, tmp_path, solution_range):
    rng = np.random.default_rng(5)
    sectors = [_sector(tmp_path, i, rng) for i in range(12)]
    for slot in range(6):
        challenge = global_challenge(slot.to_bytes(16, "little"), slot)
        one_by_one = [c for s in sectors for c in audit_sector(be, s, challenge, solution_range)]
        expected = sorted(one_by_one, key=lambda c: c.distance)
        assert audit_farm(be, sectors, challenge, solution_range) == expected
        for s in sectors:  # independent check of one sector's candidates (spec 7)
            ssc = sector_slot_challenge(s.sector_id, challenge)
            data = read_s_bucket(s, audit_s_bucket(ssc))
            g = struct.unpack_from("<Q", challenge)[0]
            want = []
            for k in range(len(data) // 32):
                a = struct.unpack_from("<Q", blake3.blake3(data[32 * k:32 * k + 32], key=ssc).digest())[0]
                d = min((a - g) % 2**64, (g - a) % 2**64)
                if d <= solution_range // 2:
                    want.append((d, k))
            assert [(c.distance, c.chunk_index) for c in audit_sector(be, s, challenge, solution_range)] == sorted(want)


def test_empty_farm_and_empty_s_buckets(be, tmp_path):
    rng = np.random.default_rng(6)
    sector = _sector(tmp_path, 0, rng, empty=True)
    challenge = global_challenge(bytes(16), 0)
    assert audit_farm(be, [], challenge, U64_MAX) == []
    assert audit_farm(be, [sector], challenge, U64_MAX) == []


def test_sectors_sharing_one_file_and_a_short_file(be, tmp_path):
    """Sectors laid over one file (a single plot file) audit as if each had its own; a file cut short
    of the challenged s-bucket is a clear error naming the sector."""
    rng = np.random.default_rng(7)
    base = _sector(tmp_path, 0, rng)
    shared = [PlottedSector(i, 1, PIECES, sector_id(bytes(32), i, 1), [], base.metadata, base.path, base.path)
              for i in range(40)]
    copies = []
    for s in shared:
        path = tmp_path / f"copy{s.sector_index}.plot"
        path.write_bytes(base.path.read_bytes())
        copies.append(PlottedSector(s.sector_index, 1, PIECES, s.sector_id, [], s.metadata, path, path))
    challenge = global_challenge(bytes(16), 3)
    assert audit_farm(be, shared, challenge, U64_MAX) == audit_farm(be, copies, challenge, U64_MAX)
    copies[5].path.write_bytes(b"\0" * 100)
    with pytest.raises(ValueError, match="sector 5: file too short"):
        audit_farm(be, copies, challenge, U64_MAX)
