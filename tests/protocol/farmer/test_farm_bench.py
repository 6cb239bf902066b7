"""The farming bench is collected by `autonomys bench`, and its audit workload is a full-size sector
(sparse file, 500 chunks in every s-bucket). The measured run itself is not part of CI (minutes)."""
from __future__ import annotations

import accel
from accel.benchmarking import bench_modules
from protocol.farmer import bench, global_challenge
from protocol.farmer.audit import audit_sector
from protocol.farmer.layout import sector_size


def test_collected():
    assert "protocol.farmer.bench" in bench_modules()


def test_audit_workload_is_a_full_sector(tmp_path):
    sector = bench._full_sector_for_audit(tmp_path)
    assert sector.path.stat().st_size == sector_size(bench.FULL_SECTOR)
    assert int(sector.metadata.s_bucket_sizes.sum()) == bench.FULL_SECTOR * 32_768
    found = audit_sector(accel.backend("cpu"), sector, global_challenge(bytes(16), 0), 2**64 - 1)
    assert len(found) == bench.FULL_SECTOR // 2  # every chunk of the s-bucket is within the full range
    assert [c.distance for c in found] == sorted(c.distance for c in found)
