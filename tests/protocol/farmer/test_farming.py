"""Farming end to end on real (network-size) pieces: archive one segment, plot a small sector from it,
audit, prove, verify the solution with every check of spec 10 (and each named rejection), read every
piece back bit-exact, and crash safety of the sector files."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from protocol.consensus import (
    FutureHistorySize, InvalidChunk, InvalidChunkWitness, InvalidPiece, InvalidPieceOffset, InvalidProofOfSpace,
    OutsideSolutionRange, PieceCheckParams, Solution, verify_solution,
)
from protocol.farmer import global_challenge
from protocol.farmer.audit import audit_farm
from protocol.farmer.plotting import load_sector, plot_sector, sector_paths
from protocol.farmer.proving import prove
from protocol.farmer.reading import read_piece
from protocol.farmer.layout import InvalidSector

PUBLIC_KEY = bytes(range(32))
REWARD = bytes(32)
PIECES_IN_SECTOR = 3
U64_MAX = 2**64 - 1


@pytest.fixture(scope="module")
def plotted(cpu, segment, tmp_path_factory):
    farm = tmp_path_factory.mktemp("farm")
    sector = plot_sector(cpu, PUBLIC_KEY, 0, 1, PIECES_IN_SECTOR, lambda i: segment.pieces[i], farm)
    return farm, sector


def piece_check(segment, current_history_size=1):
    return PieceCheckParams(current_history_size,
                            lambda i: segment.header.segment_commitment if i == 0 else None)


def test_sector_files(plotted):
    farm, sector = plotted
    loaded = load_sector(farm, 0, PUBLIC_KEY)
    assert (loaded.sector_id, loaded.piece_indexes, loaded.path) == (sector.sector_id, sector.piece_indexes, sector.path)
    assert (loaded.metadata.s_bucket_sizes == sector.metadata.s_bucket_sizes).all()
    assert load_sector(farm, 1, PUBLIC_KEY) is None
    assert not list(Path(farm).glob("*.tmp*"))


def test_read_every_piece(cpu, plotted, segment):
    _, sector = plotted
    for offset, index in enumerate(sector.piece_indexes):
        assert read_piece(cpu, sector, offset) == segment.pieces[index]


def find_solution(cpu, kzg, sector, slot=0):
    for slot in range(slot, slot + 16):
        pot = slot.to_bytes(16, "little")
        candidates = audit_farm(cpu, [sector], global_challenge(pot, slot), U64_MAX)
        solutions = prove(cpu, kzg, {sector.sector_index: sector}, candidates, PUBLIC_KEY, REWARD)
        if solutions:
            return slot, pot, solutions[0]
    raise AssertionError("no encoded candidate in 16 slots")


def test_prove_and_verify(cpu, kzg, plotted, segment):
    _, sector = plotted
    slot, pot, solution = find_solution(cpu, kzg, sector)
    assert Solution.decode(solution.encode()) == solution
    verify_solution(solution, slot, pot, U64_MAX, kzg, piece_check(segment))
    # each named rejection
    with pytest.raises(InvalidProofOfSpace):
        verify_solution(solution, slot + 1000, pot, U64_MAX, kzg)
    with pytest.raises(OutsideSolutionRange):
        verify_solution(solution, slot, pot, 0, kzg)
    bad_witness = dataclasses.replace(solution, chunk_witness=solution.record_witness)
    with pytest.raises(InvalidChunkWitness):
        verify_solution(bad_witness, slot, pot, U64_MAX, kzg)
    with pytest.raises(InvalidChunk):
        verify_solution(dataclasses.replace(solution, chunk=b"\xff" * 32), slot, pot, U64_MAX, kzg)
    with pytest.raises(InvalidPieceOffset):
        verify_solution(solution, slot, pot, U64_MAX, kzg,
                        PieceCheckParams(1, lambda i: segment.header.segment_commitment, max_pieces_in_sector=0))
    with pytest.raises(InvalidPiece):
        verify_solution(dataclasses.replace(solution, record_witness=solution.chunk_witness), slot, pot, U64_MAX,
                        kzg, piece_check(segment))


def test_corrupt_sector_detected(cpu, plotted, tmp_path):
    farm, sector = plotted
    copy = tmp_path / sector.path.name
    data = bytearray(sector.path.read_bytes())
    data[len(data) // 2] ^= 1  # a chunk in the s-bucket region
    copy.write_bytes(bytes(data))
    broken = dataclasses.replace(sector, path=copy)
    with pytest.raises(InvalidSector):
        for offset in range(PIECES_IN_SECTOR):
            read_piece(cpu, broken, offset)


def test_interrupted_plot_leaves_no_sector(cpu, segment, tmp_path):
    """A failure mid-plot leaves no file that looks like a finished sector; plotting again completes it."""
    calls = []

    def failing_getter(index):
        calls.append(index)
        if len(calls) > 1:
            raise OSError("piece source went away")
        return segment.pieces[index]

    with pytest.raises(OSError):
        plot_sector(cpu, PUBLIC_KEY, 3, 1, PIECES_IN_SECTOR, failing_getter, tmp_path)
    assert load_sector(tmp_path, 3, PUBLIC_KEY) is None
    assert not any(p.exists() for p in sector_paths(tmp_path, 3))


def test_bad_input(cpu, tmp_path, segment):
    with pytest.raises(ValueError):
        plot_sector(cpu, PUBLIC_KEY, 0, 1, 0, lambda i: segment.pieces[i], tmp_path)
    with pytest.raises(ValueError):
        plot_sector(cpu, PUBLIC_KEY, 0, 1, 1, lambda i: b"short", tmp_path)
    with pytest.raises(ValueError):
        plot_sector(cpu, b"short", 0, 1, 1, lambda i: segment.pieces[i], tmp_path)
    assert not os.listdir(tmp_path)


def test_future_history_size_checked_first(kzg, plotted):
    """Step 6a comes before the offset, expiration and piece checks (a sector from the future)."""
    from protocol.consensus.verification import _check_piece
    from protocol.farmer import sector_id

    _, sector = plotted
    future = Solution(PUBLIC_KEY, REWARD, 0, 5, 999_999 % 65536, bytes(48), bytes(48), bytes(32), bytes(48),
                      bytes(160))
    with pytest.raises(FutureHistorySize):
        _check_piece(future, sector_id(PUBLIC_KEY, 0, 5), PieceCheckParams(3, lambda i: None), kzg)
    with pytest.raises(InvalidPieceOffset):
        _check_piece(future, sector_id(PUBLIC_KEY, 0, 5), PieceCheckParams(4, lambda i: None), kzg)
