"""Plotting a sector (storage_and_time.md 6.1-6.4): select the sector's pieces from history, encode
every record with its PoS seed on the chosen backend, and write the sector file byte for byte as
6.4 lays it out, plus the sector metadata file. Both are written to temporary files, fsynced and
renamed together (`files.commit_pair`), so a crash never leaves a sector that looks complete, and a
replotted sector is either the complete old one or the complete new one; `plot_sectors` skips
finished sectors, so plotting resumes where it stopped.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import blake3
import numpy as np

from protocol.constants import COMMITMENT_SIZE, PIECE_SIZE, RECORD_SIZE, WITNESS_SIZE
from protocol.farmer.contents_map import ContentsMap
from protocol.farmer.files import commit_pair, recover_pair
from protocol.farmer.layout import RecordMetadata, SectorMetadata, s_bucket_region, sector_size
from protocol.farmer.sector import evaluation_seed, piece_index_for_offset, sector_id

PieceGetter = Callable[[int], bytes]  # piece index -> 1,048,672-byte piece


def sector_paths(farm: Path, sector_index: int) -> tuple[Path, Path]:
    """(sector file, sector metadata file) of a sector inside a farm directory."""
    return farm / f"sector-{sector_index:05d}.plot", farm / f"sector-{sector_index:05d}.meta"


@dataclass(frozen=True)
class PlottedSector:
    sector_index: int
    history_size: int
    pieces_in_sector: int
    sector_id: bytes
    piece_indexes: list[int]
    metadata: SectorMetadata
    path: Path
    metadata_path: Path


ENCODE_BATCH = 4  # records given to the backend's encode_records at once (a GPU keeps several in flight)


def _encoded_pieces(backend, sid: bytes, piece_indexes: list[int], piece_getter: PieceGetter):
    """(offset, piece index, piece, EncodedRecord) in offset order, records encoded ENCODE_BATCH at a time."""
    encode_many = getattr(backend, "encode_records", None)
    offsets = list(enumerate(piece_indexes))
    for start in range(0, len(offsets), ENCODE_BATCH):
        batch = offsets[start:start + ENCODE_BATCH]
        pieces = []
        for _, index in batch:
            piece = piece_getter(index)
            if len(piece) != PIECE_SIZE:
                raise ValueError(f"piece {index} has {len(piece)} bytes, expected {PIECE_SIZE}")
            pieces.append(piece)
        seeds = [evaluation_seed(sid, offset) for offset, _ in batch]
        records = [piece[:RECORD_SIZE] for piece in pieces]
        if encode_many is not None:
            encs = encode_many(seeds, records)
        else:
            encs = [backend.encode_record(seed, record) for seed, record in zip(seeds, records)]
        for (offset, index), piece, enc in zip(batch, pieces, encs):
            yield offset, index, piece, enc


def plot_sector(backend, public_key: bytes, sector_index: int, history_size: int, pieces_in_sector: int,
                piece_getter: PieceGetter, farm: Path,
                on_record: Callable[[int], None] | None = None) -> PlottedSector:
    """Plot one sector into `farm` and return its description."""
    if not 1 <= pieces_in_sector < 2**16:
        raise ValueError(f"pieces in sector must be in 1..65535, got {pieces_in_sector}")
    sid = sector_id(public_key, sector_index, history_size)
    piece_indexes = [piece_index_for_offset(sid, o, history_size) for o in range(pieces_in_sector)]
    bitfields: list[np.ndarray] = []
    record_chunks: list[np.ndarray] = []
    metadata: list[bytes] = []
    for offset, index, piece, enc in _encoded_pieces(backend, sid, piece_indexes, piece_getter):
        commitment = piece[RECORD_SIZE:RECORD_SIZE + COMMITMENT_SIZE]
        witness = piece[RECORD_SIZE + COMMITMENT_SIZE:RECORD_SIZE + COMMITMENT_SIZE + WITNESS_SIZE]
        encoded = enc.encoded
        # Chunks in increasing s-bucket order, as the region layout consumes them.
        order = np.argsort(enc.chunk_s_buckets(), kind="stable")
        record_chunks.append(enc.chunks_array()[order])
        bitfields.append(encoded)
        metadata.append(RecordMetadata(commitment, witness, blake3.blake3(piece).digest()).encode())
        if on_record is not None:
            on_record(offset)
    contents = ContentsMap(np.stack(bitfields))
    region = s_bucket_region(contents, record_chunks)
    body = [contents.encode(), region.tobytes(), b"".join(metadata)]
    hasher = blake3.blake3()
    for part in body:
        hasher.update(part)
    sector_path, meta_path = sector_paths(Path(farm), sector_index)
    meta = SectorMetadata(sector_index, pieces_in_sector, contents.s_bucket_sizes(), history_size)
    commit_pair(sector_path, [*body, hasher.digest()], meta_path, [meta.encode()])
    return PlottedSector(sector_index, history_size, pieces_in_sector, sid, piece_indexes, meta,
                         sector_path, meta_path)


def load_sector(farm: Path, sector_index: int, public_key: bytes) -> PlottedSector | None:
    """A finished sector of the farm, or None when it was never completed (files missing or wrong size)."""
    from protocol.farmer.layout import InvalidSector  # noqa: PLC0415

    sector_path, meta_path = sector_paths(Path(farm), sector_index)
    recover_pair(sector_path, meta_path)  # finish a switch a crash interrupted
    if not meta_path.is_file() or not sector_path.is_file():
        return None
    try:
        meta = SectorMetadata.decode(meta_path.read_bytes())
    except InvalidSector:
        return None
    if meta.sector_index != sector_index or sector_path.stat().st_size != sector_size(meta.pieces_in_sector):
        return None
    sid = sector_id(public_key, sector_index, meta.history_size)
    indexes = [piece_index_for_offset(sid, o, meta.history_size) for o in range(meta.pieces_in_sector)]
    return PlottedSector(sector_index, meta.history_size, meta.pieces_in_sector, sid, indexes, meta,
                         sector_path, meta_path)
