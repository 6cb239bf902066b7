"""The `autonomys` command line: backends listing, bench JSON/README generation."""
from __future__ import annotations

import importlib.util
import json
import sys
import types

import pytest

from typer.testing import CliRunner

import accel
import accel.benchmarking
from accel.benchmarking import NO_PEER, README_END, README_START, Figure, collect, expand_backends, update_readme
from protocol.cli import app

runner = CliRunner()


def test_backends_lists_every_backend_and_the_auto_choice():
    result = runner.invoke(app, ["backends"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for name in ("cpu", "opencl", "cuda"):
        assert name in result.output
    assert f"auto -> {accel.backend('auto').name}" in result.output
    for name, reason in accel.available_backends().items():
        if reason is not None:
            assert "install" in result.output


def test_bench_writes_json_with_peer_ratios_and_regenerates_the_readme_table(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# title\n\n## Performance\n")
    out = tmp_path / "bench.json"
    result = runner.invoke(app, ["bench", "--backend", "cpu", "--only", "hashing", "--json", str(out),
                                 "--readme", str(readme)], terminal_width=200)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert {"schema", "created", "quick", "machine", "backends", "requested_backends", "figures", "skipped",
            "timings_s", "wall_s"} <= set(doc)
    assert doc["quick"] is True and doc["requested_backends"] == ["cpu"] and doc["wall_s"] > 0
    machine = doc["machine"]
    assert {"cpu", "cores", "memory_bytes", "cpu_flags", "gpus", "platform", "python", "versions", "commit"} <= set(machine)
    assert set(machine["gpus"]) == {"opencl", "cuda"}
    assert machine["versions"]["numpy"] and machine["versions"]["blake3"] and "openssl" in machine["versions"]
    assert set(doc["timings_s"]) == {"accel.hashing.bench@cpu"}
    assert all({"value", "low", "high", "repeats", "unit", "peer", "peer_value", "peer_note", "ratio", "extra"} <= set(f)
               for f in doc["figures"])
    kernels = {f["kernel"] for f in doc["figures"]}
    assert {"chacha8", "blake3"} <= kernels
    for f in doc["figures"]:
        assert f["backend"] == "cpu" and f["value"] > 0 and f["low"] <= f["value"] <= f["high"]
        assert f["peer"] and f["peer_value"] > 0 and f["ratio"] == f["value"] / f["peer_value"]
        assert f["peer_low"] <= f["peer_value"] <= f["peer_high"]
    text = readme.read_text()
    assert text.count(README_START) == 1 and text.count(README_END) == 1
    assert "| chacha8 |" in text and "| blake3 |" in text


def test_readme_table_is_replaced_not_appended_twice():
    doc = {"machine": {"cpu": "X"}, "figures": [
        {"kernel": "k", "what": "w", "backend": "cpu", "value": 2.0, "unit": "u", "low": 1.0, "high": 3.0,
         "peer": "p", "peer_value": 1.0, "ratio": 2.0, "peer_note": None}]}
    once = update_readme("intro\n", doc)
    twice = update_readme(once, doc)
    assert once == twice
    assert "| k | w | cpu | 2 u [1..3] | p | 1 u | 2.00x |" in once


def test_unknown_backend_in_bench_is_reported_not_a_traceback():
    result = runner.invoke(app, ["bench", "--backend", "tpu", "--only", "hashing"], terminal_width=200)
    assert result.exit_code == 0
    assert "skipping backend tpu" in result.output


def test_unknown_backend_is_recorded_in_the_json_not_dropped(tmp_path):
    out = tmp_path / "bench.json"
    result = runner.invoke(app, ["bench", "--backend", "tpu", "--only", "hashing", "--json", str(out)],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["figures"] == [] and doc["skipped"][0]["backend"] == "tpu" and doc["skipped"][0]["reason"]


def test_collect_reports_a_failing_family_and_notes_every_missing_peer(monkeypatch):
    def broken(backend_name, quick):
        raise RuntimeError("no device memory")

    def peerless(backend_name, quick):
        return [Figure("k", "w", backend_name, 1.0, "u", 1.0, 1.0, 1)]

    for name, fn in (("fake_broken_bench", broken), ("fake_peerless_bench", peerless)):
        monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(run=fn))
    monkeypatch.setattr(accel.benchmarking, "bench_modules", lambda: ["fake_broken_bench", "fake_peerless_bench"])
    skipped, timings = [], {}
    figures = collect("cpu", True, None, skipped, timings)
    assert [(s.module, s.backend) for s in skipped] == [("fake_broken_bench", "cpu")]
    assert "no device memory" in skipped[0].reason
    assert set(timings) == {"fake_broken_bench@cpu", "fake_peerless_bench@cpu"}
    assert figures[0].peer_note == NO_PEER


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed (bench extra)")
def test_plots_include_time_versus_size_for_sized_figures(tmp_path):
    def fig(kernel, what, n, rate, peer=None):
        extra = {"size": n, "seconds": n / rate}
        if peer:
            extra["peer_seconds"] = n / peer
        return {"kernel": kernel, "what": what, "backend": "cpu", "value": rate, "unit": "x/s", "low": rate,
                "high": rate, "peer": "p" if peer else None, "peer_value": peer, "extra": extra}

    doc = {"figures": [fig("msm", "256 points", 256, 2e3, 3e3), fig("msm", "4096 points", 4096, 7e3, 6e3),
                       fig("erasure", "extend 2^12", 4096, 5e4, 2e5), fig("erasure", "extend 2^15", 2**15, 2e5),
                       {"kernel": "pos-table", "what": "K=20", "backend": "cpu", "value": 0.07, "unit": "tables/s",
                        "low": 0.07, "high": 0.07, "peer": "chiapos", "peer_value": 0.03}]}
    written = {p.rsplit("/", 1)[-1] for p in accel.benchmarking.plot_figures(doc, tmp_path)}
    assert written == {"msm.png", "msm_time_vs_size.png", "erasure.png", "erasure_time_vs_size.png", "pos-table.png"}
    assert all((tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in written)


def test_bench_backend_all_means_every_usable_backend_once():
    available = {"cpu": None, "opencl": None, "cuda": "no driver"}
    assert expand_backends(["all"], available) == ["cpu", "opencl"]
    assert expand_backends(["cpu", "all"], available) == ["cpu", "opencl"]
    assert expand_backends(["auto"], available) == ["auto"]
