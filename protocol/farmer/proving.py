"""Proving (storage_and_time.md 8): turn an audit candidate into a `Solution` — find which record the
chunk belongs to, regenerate that record's PoS table, decode the record from the sector, open its
polynomial at the audited s-bucket (chunk witness over the 65,536 domain) and attach the proof of space.
Unencoded candidates are dropped (step 1).
"""
from __future__ import annotations

import blake3
import numpy as np

from protocol.constants import RECORD_NUM_S_BUCKETS
from protocol.consensus.solution import Solution
from protocol.farmer.audit import AuditCandidate
from protocol.farmer.contents_map import ContentsMap
from protocol.farmer.plotting import PlottedSector
from protocol.farmer.reading import read_contents_map, read_encoded_record, read_record_metadata
from protocol.farmer.sector import evaluation_seed


def candidate_record(contents: ContentsMap, s_bucket: int, chunk_index: int) -> tuple[int, bool]:
    """(piece offset, encoded?) of the chunk_index-th stored chunk of an s-bucket (8 step 1)."""
    holders = np.flatnonzero(contents.has_chunk()[:, s_bucket])
    if not 0 <= chunk_index < holders.size:
        raise ValueError(f"s-bucket {s_bucket} holds {holders.size} chunks, no chunk {chunk_index}")
    offset = int(holders[chunk_index])
    return offset, bool(contents.encoded[offset, s_bucket])


def prove_candidate(backend, kzg, sector: PlottedSector, candidate: AuditCandidate, public_key: bytes,
                    reward_address: bytes, contents: ContentsMap | None = None) -> Solution | None:
    """The solution for one audit candidate, or None when its chunk is not PoS-encoded."""
    contents = contents if contents is not None else read_contents_map(sector)
    s = candidate.s_bucket
    offset, encoded = candidate_record(contents, s, candidate.chunk_index)
    if not encoded:
        return None
    seed = evaluation_seed(sector.sector_id, offset)
    table = backend.pos_table(seed)
    proof = table.find_proof(s)
    if proof is None:  # a plotted encoded chunk always has one: the sector is corrupt
        raise ValueError(f"sector {sector.sector_index}: encoded s-bucket {s} of record {offset} has no proof")
    chunk = bytes(a ^ b for a, b in zip(candidate.chunk, blake3.blake3(proof).digest()))
    record = backend.decode_record(seed, read_encoded_record(sector, offset, contents), table=table)
    # the record polynomial (degree < 2^15, 8 step 4) opened on the 65,536 s-bucket domain (8 step 6)
    witness = kzg.create_witness_on_domain(record, RECORD_NUM_S_BUCKETS, s)
    meta = read_record_metadata(sector, offset)
    return Solution(public_key=public_key, reward_address=reward_address, sector_index=sector.sector_index,
                    history_size=sector.history_size, piece_offset=offset, record_commitment=meta.commitment,
                    record_witness=meta.witness, chunk=chunk, chunk_witness=witness, proof_of_space=proof)


def prove(backend, kzg, sectors: dict[int, PlottedSector], candidates: list[AuditCandidate], public_key: bytes,
          reward_address: bytes, limit: int = 1) -> list[Solution]:
    """Solutions for the nearest candidates (ascending distance), at most `limit` of them."""
    out: list[Solution] = []
    maps: dict[int, ContentsMap] = {}
    for candidate in candidates:
        sector = sectors[candidate.sector_index]
        if candidate.sector_index not in maps:
            maps[candidate.sector_index] = read_contents_map(sector)
        solution = prove_candidate(backend, kzg, sector, candidate, public_key, reward_address,
                                   maps[candidate.sector_index])
        if solution is not None:
            out.append(solution)
            if len(out) >= limit:
                break
    return out


