"""Sector identity, piece selection, seeds, expiration and audit arithmetic against the derived
sector vectors of piece_index.json (S&T 6.1, 7)."""
from __future__ import annotations

import blake3
import pytest

from protocol import farmer
from vectors import load_vectors


@pytest.fixture(scope="module")
def vec():
    return load_vectors("piece_index.json")["derived_sector_vectors"]


def test_public_key_hash(vec):
    assert farmer.public_key_hash(bytes.fromhex(vec["public_key_hex"])).hex() == vec["public_key_hash_hex"]


def test_every_derived_sector_case(vec):
    pk = bytes.fromhex(vec["public_key_hex"])
    assert len(vec["cases"]) == 3
    for case in vec["cases"]:
        sid = farmer.sector_id(pk, case["sector_index"], case["history_size"])
        assert sid.hex() == case["sector_id_hex"]
        hs = case["history_size"]
        assert [farmer.piece_index_for_offset(sid, o, hs) for o in range(6)] == case["piece_indexes_offsets_0_to_5"]
        assert farmer.piece_index_for_offset(sid, 199, hs) == case["piece_index_offset_199"]
        assert farmer.piece_index_for_offset(sid, 201, hs) == case["piece_index_offset_201"]
        assert farmer.evaluation_seed(sid, 0).hex() == case["evaluation_seed_offset_0_hex"]
        assert farmer.evaluation_seed(sid, 1).hex() == case["evaluation_seed_offset_1_hex"]
        gc = bytes.fromhex(case["global_challenge_hex"])
        ssc = farmer.sector_slot_challenge(sid, gc)
        assert ssc.hex() == case["sector_slot_challenge_hex"]
        assert farmer.audit_s_bucket(ssc) == case["s_bucket_audit_index"]
        assert farmer.sector_expiration(sid, hs, bytes(48)) == case["expiration_history_size_with_zero_commitment"]
        ex = case["audit_example"]
        audit = blake3.blake3(bytes.fromhex(ex["stored_chunk_hex"]), key=ssc).digest()
        assert audit.hex() == ex["audit_hash_hex"]
        assert farmer.audit_distance(audit, gc) == ex["distance"]


def test_global_challenge_of_the_pot_vector():
    pot = next(c for c in load_vectors("pot.json")["cases"] if "global_challenge_slot1_hex" in c)
    gc = farmer.global_challenge(bytes.fromhex(pot["parent_output_hex"]), 1)
    assert gc.hex() == pot["global_challenge_slot1_hex"]


def test_recent_history_branch_only_for_odd_offsets_below_200_in_large_history(vec):
    sid = bytes(32)
    hs = 100  # 25,600 pieces > 12,800
    for o in (1, 3, 199):
        assert 25600 - 1280 <= farmer.piece_index_for_offset(sid, o, hs) < 25600
    assert farmer.piece_index_for_offset(sid, 201, hs) < 25600


@pytest.mark.parametrize("call", [
    lambda: farmer.sector_id(bytes(31), 0, 1),
    lambda: farmer.sector_id(bytes(32), 2**16, 1),
    lambda: farmer.sector_id(bytes(32), 0, 0),
    lambda: farmer.piece_index_for_offset(bytes(32), -1, 1),
])
def test_bad_sector_inputs_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_expiration_overflow_is_invalid_history_size():
    with pytest.raises(farmer.InvalidHistorySize):
        farmer.sector_expiration(bytes(32), 2**64 - 2, bytes(48))
