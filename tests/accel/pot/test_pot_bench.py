"""The PoT quick benchmark returns the three figures with peers measured in the same run (CPU only: quick)."""
from __future__ import annotations

from accel.pot import bench


def test_pot_bench_reports_prove_verify_and_batch_figures():
    figures = bench.run("cpu", quick=True)
    assert [f.unit for f in figures] == ["M AES/s", "x", "slots/s"]
    assert all(f.low <= f.value <= f.high and f.value > 0 for f in figures)
    assert figures[0].peer_value > 0 and figures[2].peer_value > 0
    assert figures[1].peer is None and "7x" in figures[1].peer_note
