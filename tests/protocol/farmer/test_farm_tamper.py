"""Tampering (issue 9 "Must show" and "Bad input"): one flipped byte in each region of a sector file
(contents map, s-bucket region, record metadata, final checksum) and in the sector metadata file gives
a clear named error from the function that reads it, and `verify_sector` names every one; a solution
with any verified field altered is rejected by `verify_solution`."""
from __future__ import annotations

import dataclasses
import shutil

import pytest

from protocol.constants import RECORD_METADATA_SIZE, RECORD_SIZE
from protocol.consensus import PieceCheckParams, SolutionVerificationError, verify_solution
from protocol.farmer import global_challenge
from protocol.farmer.audit import audit_farm
from protocol.farmer.contents_map import InvalidContentsMap, contents_map_size
from protocol.farmer.layout import InvalidSector, SectorChecksumMismatch, SectorMetadata, sector_size
from protocol.farmer.plotting import load_sector, plot_sector
from protocol.farmer.proving import prove
from protocol.farmer.reading import read_contents_map, read_piece, verify_sector

PUBLIC_KEY = bytes(range(32))
REWARD = bytes(32)
PIECES = 1
U64_MAX = 2**64 - 1


@pytest.fixture(scope="module")
def plotted(cpu, segment, tmp_path_factory):
    farm = tmp_path_factory.mktemp("farm")
    return plot_sector(cpu, PUBLIC_KEY, 0, 1, PIECES, lambda i: segment.pieces[i], farm)


def _tampered(sector, tmp_path, which: str, offset: int):
    """A copy of the sector's files with one byte flipped at `offset` of the sector or metadata file."""
    plot, meta = tmp_path / sector.path.name, tmp_path / sector.metadata_path.name
    shutil.copyfile(sector.path, plot)
    shutil.copyfile(sector.metadata_path, meta)
    target = plot if which == "sector" else meta
    data = bytearray(target.read_bytes())
    data[offset] ^= 0x01
    target.write_bytes(bytes(data))
    return dataclasses.replace(sector, path=plot, metadata_path=meta)


CMAP = contents_map_size(PIECES)
REGIONS = {  # region -> (byte offset in the sector file, error of the reading function)
    "contents map": (100, InvalidContentsMap),
    "contents map checksum": (CMAP - 1, InvalidContentsMap),
    "s-bucket region": (CMAP + RECORD_SIZE // 2 + 31, InvalidSector),
    "record commitment": (CMAP + PIECES * RECORD_SIZE + 5, None),
    "record witness": (CMAP + PIECES * RECORD_SIZE + 60, InvalidSector),
    "piece checksum": (CMAP + PIECES * RECORD_SIZE + RECORD_METADATA_SIZE - 1, None),
    "final checksum": (sector_size(PIECES) - 1, None),
}
# Reading a piece back decodes its record (seconds on the CPU), so the reader's own error is checked
# on one field of the record metadata (commitment, witness and checksum all enter H(piece) alike);
# `verify_sector` is checked on every region.


def test_untampered_sector_verifies(plotted):
    verify_sector(plotted)


@pytest.mark.parametrize("region", list(REGIONS))
def test_flipped_byte_in_sector_region(cpu, plotted, tmp_path, region):
    offset, read_error = REGIONS[region]
    broken = _tampered(plotted, tmp_path, "sector", offset)
    expected = InvalidContentsMap if region.startswith("contents map") else SectorChecksumMismatch
    with pytest.raises(expected):
        verify_sector(broken)
    if read_error is not None:  # the reader of that region names it too
        with pytest.raises(read_error):
            read_piece(cpu, broken, 0)


@pytest.mark.parametrize("offset", [0, 4 + 2 * 1000, 131_080, 131_115])
def test_flipped_byte_in_metadata_file(plotted, tmp_path, offset):
    broken = _tampered(plotted, tmp_path, "meta", offset)
    with pytest.raises(InvalidSector, match="metadata checksum"):
        SectorMetadata.decode(broken.metadata_path.read_bytes())
    with pytest.raises(InvalidSector, match="metadata checksum"):
        verify_sector(broken)
    # the farm treats it as unfinished (so plotting replaces it) instead of trusting it
    assert load_sector(tmp_path, 0, PUBLIC_KEY) is None


def test_contents_map_reader_names_corruption(plotted, tmp_path):
    with pytest.raises(InvalidContentsMap, match="checksum"):
        read_contents_map(_tampered(plotted, tmp_path, "sector", 7))


@pytest.fixture(scope="module")
def solved(cpu, kzg, plotted):
    for slot in range(32):
        pot = slot.to_bytes(16, "little")
        candidates = audit_farm(cpu, [plotted], global_challenge(pot, slot), U64_MAX)
        solutions = prove(cpu, kzg, {0: plotted}, candidates, PUBLIC_KEY, REWARD)
        if solutions:
            return slot, pot, solutions[0]
    pytest.fail("no encoded candidate in 32 slots")


def _flip(value, bit: int = 0):
    if isinstance(value, int):  # bit + 1: never turns history size 1 into 0 (rejected by Solution itself)
        return value ^ (1 << (bit + 1))
    data = bytearray(value)
    data[-1] ^= 1 << bit
    return bytes(data)


VERIFIED_FIELDS = ["public_key", "sector_index", "history_size", "piece_offset", "record_commitment",
                   "record_witness", "chunk", "chunk_witness", "proof_of_space"]


@pytest.mark.parametrize("field", VERIFIED_FIELDS)
def test_altered_solution_rejected(kzg, segment, solved, field):
    slot, pot, solution = solved
    params = PieceCheckParams(1, lambda i: segment.header.segment_commitment if i == 0 else None)
    verify_solution(solution, slot, pot, U64_MAX, kzg, params)
    for bit in (0, 3):
        altered = dataclasses.replace(solution, **{field: _flip(getattr(solution, field), bit)})
        with pytest.raises(SolutionVerificationError):
            verify_solution(altered, slot, pot, U64_MAX, kzg, params)
