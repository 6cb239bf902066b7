"""Killing the plotter mid-sector (issue 9 "Must show"): a subprocess plotting a 2-sector farm is
SIGKILLed while it encodes the second sector; afterwards nothing looks like a finished second sector,
temporary files of the killed run are ignored by `load_sector` and removed by the next run, and plotting
again finishes the farm with sectors byte-identical to an uninterrupted run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import farm_support
from farm_support import PUBLIC_KEY, synthetic_piece
from protocol.farmer.batch import plot_sectors
from protocol.farmer.files import TEMP_SUFFIXES
from protocol.farmer.plotting import load_sector, sector_paths

SECTORS, PIECES, HISTORY = 2, 2, 1
ROOT = Path(__file__).resolve().parents[3]


def _temp_files(farm: Path) -> list[Path]:
    return [p for p in farm.iterdir() if p.name.endswith(TEMP_SUFFIXES)]


def test_sigkill_mid_sector_then_resume(tmp_path):
    farm = tmp_path / "farm"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(Path(farm_support.__file__).parent)]))
    proc = subprocess.Popen([sys.executable, farm_support.__file__, str(farm), str(SECTORS), str(PIECES), str(HISTORY)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        # Records 0-1 are sector 0 (then written), record 2 is the first of sector 1: kill while
        # sector 1's second record is being encoded.
        for _ in range(PIECES + 1):
            assert proc.stdout.readline().strip() == "record", "plotter exited early"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    first = load_sector(farm, 0, PUBLIC_KEY)
    assert first is not None and first.pieces_in_sector == PIECES
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
    assert len(records) == SECTORS * PIECES  # finished sector 0 counted, not replotted

    clean = tmp_path / "uninterrupted"
    plot_sectors("cpu", PUBLIC_KEY, clean, SECTORS, PIECES, HISTORY, synthetic_piece)
    for index in range(SECTORS):
        for resumed, reference in zip(sector_paths(farm, index), sector_paths(clean, index)):
            assert resumed.read_bytes() == reference.read_bytes(), resumed.name
