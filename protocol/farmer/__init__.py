"""Farming (storage_and_time.md 6-10): sector identity and piece selection, the on-disk sector
layout, plotting, auditing, proving and reading. Heavy work goes through `accel`."""
from protocol.farmer.contents_map import ContentsMap, InvalidContentsMap, contents_map_size
from protocol.farmer.layout import (
    SECTOR_METADATA_SIZE, InvalidSector, RecordMetadata, SectorChecksumMismatch, SectorMetadata,
    SectorMetadataMismatch, sector_size,
)
from protocol.farmer.sector import (
    InvalidHistorySize, audit_distance, audit_s_bucket, evaluation_seed, global_challenge, piece_index_for_offset,
    public_key_hash, sector_expiration, sector_id, sector_slot_challenge,
)

__all__ = [
    "ContentsMap", "InvalidContentsMap", "InvalidHistorySize", "InvalidSector", "RecordMetadata",
    "SECTOR_METADATA_SIZE", "SectorChecksumMismatch", "SectorMetadata", "SectorMetadataMismatch",
    "audit_distance", "audit_s_bucket", "contents_map_size",
    "evaluation_seed", "global_challenge", "piece_index_for_offset", "public_key_hash", "sector_expiration",
    "sector_id", "sector_size", "sector_slot_challenge",
]
