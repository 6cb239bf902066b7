"""CI smoke run of the asv suite (bench/): discovery imports every benchmark family, and one cheap
benchmark runs end to end in this environment (`environment_type: existing`, offline, nothing
installed). The full suite is not part of CI: `cd bench && asv run --quick -E existing:<python>`."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
FAMILIES = {"hashing", "plotting", "encoding", "erasure", "kzg", "pot", "archiving", "farming"}

pytestmark = pytest.mark.skipif(importlib.util.find_spec("asv") is None,
                                reason="asv not installed (pip install 'autonomys-accel[test]')")


def test_asv_config_uses_the_existing_environment():
    conf = json.loads((BENCH / "asv.conf.json").read_text())
    assert conf["environment_type"] == "existing"
    assert conf["benchmark_dir"] == "benchmarks"


def test_asv_quick_run_of_one_benchmark(tmp_path):
    conf = json.loads((BENCH / "asv.conf.json").read_text())
    conf.update(repo=str(ROOT), benchmark_dir=str(BENCH / "benchmarks"), results_dir=str(tmp_path / "results"),
                html_dir=str(tmp_path / "html"))
    (tmp_path / "asv.conf.json").write_text(json.dumps(conf))
    env = dict(os.environ, HOME=str(tmp_path), AUTONOMYS_BENCH_BACKENDS="cpu")  # machine file in a temp home
    asv = [sys.executable, "-m", "asv", "--config", str(tmp_path / "asv.conf.json")]
    subprocess.run([*asv[:3], "machine", "--yes", "--machine", "ci-smoke"], env=env, cwd=tmp_path, check=True,
                   capture_output=True, timeout=60)
    proc = subprocess.run([*asv, "run", "--quick", "--dry-run", "--show-stderr", "--machine", "ci-smoke",
                           "-E", f"existing:{sys.executable}", "--bench", r"^hashing\.ChaCha8Keystream\."],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "failed" not in out.lower(), out
    assert "time_keystream_16_blocks" in out and " ok" in out, out
    discovered = json.loads((tmp_path / "results" / "benchmarks.json").read_text())
    assert FAMILIES <= {name.split(".")[0] for name in discovered if name != "version"}, sorted(discovered)
    assert any(name.startswith("erasure.") and ".peakmem_" in name for name in discovered)
    assert "encoding.RecordEncoding.time_encode_record" in discovered
