"""Ray-distributed plotting (issue 9 "Must show"): `plot_sectors(..., ray_address="local")` plots two
sectors as Ray tasks and gives the same bytes as in-process plotting. Skipped when Ray is not installed
(it is in the `test` extra). Also: GPU backends ask Ray for a whole GPU per sector task."""
from __future__ import annotations

import pytest

from farm_support import PUBLIC_KEY, REFERENCE_HISTORY, REFERENCE_PIECES, REFERENCE_SECTORS, synthetic_piece
from protocol.farmer.batch import PieceDirectory, plot_sectors, ray_task_resources
from protocol.farmer.plotting import sector_paths
from protocol.farmer.sector import piece_index_for_offset, sector_id

SECTORS, PIECES, HISTORY = REFERENCE_SECTORS, REFERENCE_PIECES, REFERENCE_HISTORY


def test_ray_task_resources():
    assert ray_task_resources("cuda", {"GPU": 4.0, "CPU": 64.0}) == {"num_gpus": 1}
    assert ray_task_resources("opencl", {"GPU": 1.0}) == {"num_gpus": 1}
    assert ray_task_resources("opencl", {"CPU": 2.0}) == {"num_cpus": 1}
    assert ray_task_resources("cpu", {"GPU": 8.0}) == {"num_cpus": 1}


@pytest.fixture
def ray_local():
    ray = pytest.importorskip("ray")
    yield ray
    ray.shutdown()


def test_ray_plotting_matches_in_process(ray_local, reference_farm, tmp_path):
    # The pieces the two sectors need, as a piece directory every Ray worker can read.
    pieces = tmp_path / "pieces"
    pieces.mkdir()
    for index in range(SECTORS):
        sid = sector_id(PUBLIC_KEY, index, HISTORY)
        for offset in range(PIECES):
            piece = piece_index_for_offset(sid, offset, HISTORY)
            (pieces / f"{piece}.piece").write_bytes(synthetic_piece(piece))
    source = PieceDirectory(pieces)

    local, distributed = reference_farm, tmp_path / "ray"  # local: plotted in-process
    records = []
    done = plot_sectors("cpu", PUBLIC_KEY, distributed, SECTORS, PIECES, HISTORY, source,
                        on_record=lambda: records.append(1), ray_address="local")
    assert [s.sector_index for s in done] == list(range(SECTORS))
    assert len(records) == SECTORS * PIECES
    for index in range(SECTORS):
        for a, b in zip(sector_paths(local, index), sector_paths(distributed, index)):
            assert a.read_bytes() == b.read_bytes(), a.name
