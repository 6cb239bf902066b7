"""The `autonomys` command line: backends listing, bench JSON/README generation."""
from __future__ import annotations

import json

from typer.testing import CliRunner

import accel
from accel.benchmarking import README_END, README_START, update_readme
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
    kernels = {f["kernel"] for f in doc["figures"]}
    assert {"chacha8", "blake3"} <= kernels
    for f in doc["figures"]:
        assert f["backend"] == "cpu" and f["value"] > 0 and f["low"] <= f["value"] <= f["high"]
        assert f["peer"] and f["peer_value"] > 0 and f["ratio"] == f["value"] / f["peer_value"]
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
