"""The farming bench is collected by `autonomys bench`, and its audit workload is a farm of full-size
sectors (one sparse file, 500 chunks in every s-bucket). The measured run itself is not part of CI."""
from __future__ import annotations

import accel
from accel.benchmarking import bench_modules
from protocol.farmer import bench, global_challenge
from protocol.farmer.audit import audit_farm
from protocol.farmer.layout import sector_size


def test_collected():
    assert "protocol.farmer.bench" in bench_modules()


def test_audit_workload_is_a_farm_of_full_sectors(tmp_path):
    sectors = bench._full_sectors_for_audit(tmp_path, 3)
    assert [s.sector_index for s in sectors] == [0, 1, 2] and len({s.sector_id for s in sectors}) == 3
    sector = sectors[0]
    assert sector.path.stat().st_size == sector_size(bench.FULL_SECTOR)
    assert int(sector.metadata.s_bucket_sizes.sum()) == bench.FULL_SECTOR * 32_768
    found = audit_farm(accel.backend("cpu"), sectors, global_challenge(bytes(16), 0), 2**64 - 1)
    assert len(found) == 3 * bench.FULL_SECTOR // 2  # every chunk of each s-bucket is within the full range
    assert [c.distance for c in found] == sorted(c.distance for c in found)
