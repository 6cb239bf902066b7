"""Killing the plotter mid-sector (issue 9 "Must show"): a subprocess plotting a 2-sector farm is
SIGKILLed as soon as the first sector's record is encoded (so while it writes the first sector or
encodes the second); afterwards no sector looks finished unless it verifies, temporary files of a
killed run are ignored by `load_sector` and removed by the next run, and plotting again finishes the
farm with sectors byte-identical to an uninterrupted run (the session's reference farm)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import farm_support
from farm_support import PUBLIC_KEY, REFERENCE_HISTORY, REFERENCE_PIECES, REFERENCE_SECTORS, synthetic_piece
from protocol.farmer.batch import plot_sectors
from protocol.farmer.files import TEMP_SUFFIXES
from protocol.farmer.plotting import load_sector, sector_paths
from protocol.farmer.reading import verify_sector

SECTORS, PIECES, HISTORY = REFERENCE_SECTORS, REFERENCE_PIECES, REFERENCE_HISTORY
ROOT = Path(__file__).resolve().parents[3]


def _temp_files(farm: Path) -> list[Path]:
    return [p for p in farm.iterdir() if p.name.endswith(TEMP_SUFFIXES)]


def test_sigkill_mid_sector_then_resume(tmp_path, reference_farm):
    farm = tmp_path / "farm"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(Path(farm_support.__file__).parent)]))
    proc = subprocess.Popen([sys.executable, farm_support.__file__, str(farm), str(SECTORS), str(PIECES), str(HISTORY)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "record", "plotter exited early"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    first = load_sector(farm, 0, PUBLIC_KEY)  # killed while writing it, or just after
    if first is not None:
        verify_sector(first)
    assert load_sector(farm, 1, PUBLIC_KEY) is None
    assert not any(p.exists() for p in sector_paths(farm, 1))

    # Leftovers of a run killed while writing (a partial sector and metadata under temporary names)
    # never look like a finished sector and are removed by the next run.
    plot, meta = sector_paths(farm, 1)
    (farm / (plot.name + ".next")).write_bytes(b"partial sector")
    (farm / (meta.name + ".next.tmp")).write_bytes(b"partial metadata")
    (farm / (plot.name + ".tmp")).write_bytes(b"older temporary")
    assert load_sector(farm, 1, PUBLIC_KEY) is None

    records = []
    plot_sectors("cpu", PUBLIC_KEY, farm, SECTORS, PIECES, HISTORY, synthetic_piece,
                 on_record=lambda: records.append(1))
    assert not _temp_files(farm)
    assert len(records) == SECTORS * PIECES  # a finished sector is counted, not replotted
    for index in range(SECTORS):
        for resumed, reference in zip(sector_paths(farm, index), sector_paths(reference_farm, index)):
            assert resumed.read_bytes() == reference.read_bytes(), resumed.name
