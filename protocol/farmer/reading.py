"""Reading a sector back (storage_and_time.md 8 step 3 and 9): the chunks of one record from the
s-bucket region, unmasked and recovered into the original record, and the whole piece with its
commitment and witness, checked against the stored piece checksum.
"""
from __future__ import annotations

import os

import blake3
import numpy as np

from accel.encoding import EncodedRecord
from protocol.constants import HASH_SIZE, RECORD_METADATA_SIZE, RECORD_NUM_CHUNKS, RECORD_SIZE, SCALAR_BYTES
from protocol.farmer.contents_map import ContentsMap, contents_map_size
from protocol.farmer.layout import (
    InvalidSector, RecordMetadata, SectorChecksumMismatch, SectorMetadata, SectorMetadataMismatch,
    record_chunk_locations, sector_size,
)
from protocol.farmer.plotting import PlottedSector
from protocol.farmer.sector import evaluation_seed


def _pread(path, length: int, offset: int) -> bytes:
    with open(path, "rb") as f:
        data = os.pread(f.fileno(), length, offset)
    if len(data) != length:
        raise InvalidSector(f"{path}: file too short ({length} bytes at {offset})")
    return data


def read_contents_map(sector: PlottedSector) -> ContentsMap:
    """The sector's contents map, checksum verified (InvalidContentsMap on corruption)."""
    n = sector.pieces_in_sector
    return ContentsMap.decode(_pread(sector.path, contents_map_size(n), 0), n)


def read_record_metadata(sector: PlottedSector, piece_offset: int) -> RecordMetadata:
    n = sector.pieces_in_sector
    offset = contents_map_size(n) + n * RECORD_SIZE + RECORD_METADATA_SIZE * piece_offset
    return RecordMetadata.decode(_pread(sector.path, RECORD_METADATA_SIZE, offset))


def read_encoded_record(sector: PlottedSector, piece_offset: int,
                        contents: ContentsMap | None = None) -> EncodedRecord:
    """The stored chunks of one record, as the `EncodedRecord` that `be.decode_record` takes (9 step 2)."""
    if not 0 <= piece_offset < sector.pieces_in_sector:
        raise ValueError(f"piece offset {piece_offset} outside the sector's {sector.pieces_in_sector} pieces")
    contents = contents if contents is not None else read_contents_map(sector)
    offsets = sector.metadata.s_bucket_offsets()
    s_buckets, locations = record_chunk_locations(contents, offsets, piece_offset)
    if s_buckets.size != RECORD_NUM_CHUNKS:
        raise InvalidSector(f"record {piece_offset} has {s_buckets.size} chunks, expected {RECORD_NUM_CHUNKS}")
    base = contents_map_size(sector.pieces_in_sector)
    # The record's chunks are scattered through the region (one per s-bucket): map it and gather.
    if sector.path.stat().st_size < base + sector.pieces_in_sector * RECORD_SIZE:
        raise InvalidSector(f"{sector.path}: file too short for its s-bucket region")
    region = np.memmap(sector.path, dtype=np.uint8, mode="r", offset=base,
                       shape=(sector.pieces_in_sector * RECORD_NUM_CHUNKS, SCALAR_BYTES))
    chunks = np.asarray(region[locations])  # increasing s
    del region
    encoded = contents.encoded[piece_offset]
    # EncodedRecord order: encoded chunks by s, then the unencoded fill by s.
    order = np.argsort(~encoded[s_buckets], kind="stable")
    return EncodedRecord(chunks[order].tobytes(), np.packbits(encoded, bitorder="little").tobytes())


def read_piece(backend, sector: PlottedSector, piece_offset: int) -> bytes:
    """The 1,048,672-byte piece at `piece_offset`, bit-exact (9); InvalidSector if its checksum fails."""
    enc = read_encoded_record(sector, piece_offset)
    try:
        record = backend.decode_record(evaluation_seed(sector.sector_id, piece_offset), enc)
    except InvalidSector:
        raise
    except ValueError as e:  # e.g. a corrupted chunk that is no longer a canonical scalar
        raise InvalidSector(f"sector {sector.sector_index} piece offset {piece_offset}: undecodable ({e})") from e
    meta = read_record_metadata(sector, piece_offset)
    piece = record + meta.commitment + meta.witness
    if blake3.blake3(piece).digest() != meta.piece_checksum:
        raise InvalidSector(f"sector {sector.sector_index} piece offset {piece_offset}: checksum mismatch")
    return piece


HASH_BLOCK = 1 << 22  # bytes hashed per read in `verify_sector`


def verify_sector(sector: PlottedSector) -> None:
    """Full check of a sector's two files (6.4), or the named error of the first failure:

    the metadata file (its BLAKE3 checksum: `InvalidSector`) and its agreement with the sector file
    (index, piece count, file size, s-bucket sizes derived from the contents map:
    `SectorMetadataMismatch`), the contents map checksum (`InvalidContentsMap`) and the final
    H(all preceding bytes) of the sector file (`SectorChecksumMismatch`; covers the s-bucket region
    and the record metadata). Reads the whole file once (about 1 GiB for 1,000 pieces).
    """
    meta = SectorMetadata.decode(_pread(sector.metadata_path, os.path.getsize(sector.metadata_path), 0))
    n = sector.pieces_in_sector
    if (meta.sector_index, meta.pieces_in_sector, meta.history_size) != (sector.sector_index, n, sector.history_size):
        raise SectorMetadataMismatch(f"{sector.metadata_path}: metadata describes sector {meta.sector_index} "
                                     f"({meta.pieces_in_sector} pieces, history {meta.history_size}), expected "
                                     f"{sector.sector_index} ({n} pieces, history {sector.history_size})")
    size = os.path.getsize(sector.path)
    if size != sector_size(n):
        raise SectorMetadataMismatch(f"{sector.path}: {size} bytes, a sector of {n} pieces has {sector_size(n)}")
    contents = read_contents_map(sector)
    if not np.array_equal(contents.s_bucket_sizes(), meta.s_bucket_sizes):
        raise SectorMetadataMismatch(f"{sector.metadata_path}: s-bucket sizes disagree with the contents map")
    hasher = blake3.blake3()
    body = size - HASH_SIZE
    with open(sector.path, "rb") as f:
        done = 0
        while done < body:
            block = f.read(min(HASH_BLOCK, body - done))
            if not block:
                raise InvalidSector(f"{sector.path}: file shrank while being verified")
            hasher.update(block)
            done += len(block)
        stored = f.read(HASH_SIZE)
    if hasher.digest() != stored:
        raise SectorChecksumMismatch(f"{sector.path}: sector checksum mismatch")
