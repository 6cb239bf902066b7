"""Shared helpers of the farming tests: deterministic synthetic pieces (canonical random records with
a random 96-byte commitment/witness tail; enough for plotting, reading and byte comparisons, not for
KZG checks) and a plotting entry point the crash test runs in a subprocess:

    python farm_support.py FARM SECTORS PIECES_PER_SECTOR HISTORY_SIZE

prints one line per plotted record ("record") and "done" at the end.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from protocol.constants import PIECE_SIZE, RECORD_SIZE

PUBLIC_KEY = bytes(range(32))
# The reference farm of conftest.py: sectors, pieces per sector, history size.
REFERENCE_SECTORS, REFERENCE_PIECES, REFERENCE_HISTORY = 2, 1, 1


def synthetic_piece(index: int) -> bytes:
    """Piece `index` of a synthetic history: 32,768 canonical scalars (first byte of each chunk zero)."""
    rng = np.random.default_rng(1_000_003 + index)
    record = rng.integers(0, 256, RECORD_SIZE, dtype=np.uint8).reshape(-1, 32)
    record[:, 0] = 0
    return record.tobytes() + rng.bytes(PIECE_SIZE - RECORD_SIZE)


def main(argv: list[str]) -> None:
    from protocol.farmer.batch import plot_sectors  # noqa: PLC0415

    farm, sectors, pieces, history = Path(argv[0]), int(argv[1]), int(argv[2]), int(argv[3])

    def progress() -> None:
        print("record", flush=True)

    plot_sectors("cpu", PUBLIC_KEY, farm, sectors, pieces, history, synthetic_piece, on_record=progress)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
