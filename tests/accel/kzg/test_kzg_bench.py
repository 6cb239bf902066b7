"""accel/kzg/bench.py follows the `run(backend_name, quick) -> list[Figure]` shape (at tiny sizes here)."""
from __future__ import annotations

from accel.kzg import bench


def test_bench_reports_msm_and_commit_figures_with_peers(be, monkeypatch, network_parameters_path):
    monkeypatch.setattr(bench, "QUICK_SIZES", (8, 64))
    monkeypatch.setattr(bench, "RECORD_VALUES", 16)
    figures = bench.run(be.name, quick=True)
    commit = [("kzg", "commit one record (16 values)")] * (1 if be.name == "cpu" else 2)  # + CPU backend
    assert [(f.kernel, f.what) for f in figures] == [("msm", "8 points, random scalars"),
                                                     ("msm", "64 points, random scalars"), *commit]
    assert figures[2].peer == bench.ARKWORKS_COMMIT_PEER  # a different implementation, never ourselves
    for f in figures:
        assert f.backend == be.name and f.value > 0 and f.low <= f.value <= f.high and f.peer_value > 0
