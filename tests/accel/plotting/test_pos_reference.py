"""The readable reference of the proof-of-space tables (accel/plotting/reference.py) against pos.json:
f1 and fn vectors, the match rule, proof packing, the kernel header's constants, and (slow) the whole
K=20 table: entry counts, every derived_k20 digest and every reference proof."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accel.plotting import constants, reference
from accel.plotting.constants import PARAM_B, PARAM_BC, PARAM_C, PARAM_M
from pos_cases import SEED_K20, expected_proofs_k20, pos_vectors, u32_digest


def test_f1_matches_every_vector():
    for case in pos_vectors()["f1"]:
        assert reference.f1(bytes.fromhex(case["seed_hex"]), case["k"], case["x"]) == case["expected_y"], case


def test_f1_of_one_x_equals_the_whole_table_path():
    seed = bytes.fromhex(SEED_K20)
    table = reference.f1_all(seed, 15)
    for x in (0, 1, 2, 1000, 32767):
        assert int(table[x]) == reference.f1(seed, 15, x)


def test_fn_matches_every_vector():
    for case in pos_vectors()["fn"]:
        y, meta = reference.fn(case["k"], case["table"], int(case["y"], 16), int(case["left_metadata"], 16),
                               int(case["right_metadata"], 16))
        assert y == int(case["expected_y"], 16), case
        if case["expected_metadata"] is not None:
            assert meta == int(case["expected_metadata"], 16), case


def test_match_targets_are_64_distinct_ascending_values_below_bc():
    for r in (0, 1, PARAM_C - 1, PARAM_BC // 2, PARAM_BC - 1):
        for parity in (0, 1):
            t = reference.match_targets(r, parity)
            assert len(set(t)) == PARAM_M and t == sorted(t) and 0 <= t[0] and t[-1] < PARAM_BC


def test_has_match_follows_the_chia_rule():
    y_left = 7 * PARAM_BC + 300
    r = 300
    for m in (0, 5, 63):
        target = ((r // PARAM_C + m) % PARAM_B) * PARAM_C + ((2 * m + 1) ** 2 + r) % PARAM_C  # bucket 7: parity 1
        assert reference.has_match(y_left, 8 * PARAM_BC + target)
    assert not reference.has_match(y_left, 8 * PARAM_BC + (r // PARAM_C + 64) % PARAM_B * PARAM_C)


def test_has_match_does_not_check_bucket_adjacency():
    """The network's verifier quirk (pos.md 7): only the r condition is tested."""
    y_left = 7 * PARAM_BC + 300
    target = reference.match_targets(300, 1)[0]
    assert reference.has_match(y_left, 8 * PARAM_BC + target)
    assert reference.has_match(y_left, 100 * PARAM_BC + target)  # not the next bucket, still a match
    assert reference.has_match(y_left, 7 * PARAM_BC + target)  # same bucket


def test_first_k_writes_little_endian_and_reads_big_endian():
    assert reference.first_k(0x01020304, 20) == 0x04030 >> 0 == 0x04030
    assert reference.first_k(1 << 31, 20) == 0  # the top byte of the index lands in the dropped bits
    assert reference.first_k(0xFF, 15) == 0xFF << 7


@given(st.integers(15, 25), st.data())
def test_pack_and_unpack_are_inverse(k, data):
    xs = data.draw(st.lists(st.integers(0, (1 << k) - 1), min_size=64, max_size=64))
    packed = reference.pack_proof(xs, k)
    assert len(packed) == 8 * k and reference.unpack_proof(packed, k) == xs


def test_kernel_header_constants_equal_constants_py():
    header = (Path(constants.__file__).resolve().parents[1] / "kernels" / "pos.h").read_text()
    defines = dict(re.findall(r"#define (POS_\w+) (\d+)u", header))
    assert {k: int(v) for k, v in defines.items()} == {
        "POS_PARAM_EXT": constants.PARAM_EXT, "POS_PARAM_M": constants.PARAM_M, "POS_PARAM_B": constants.PARAM_B,
        "POS_PARAM_C": constants.PARAM_C, "POS_PARAM_BC": constants.PARAM_BC,
        "POS_MAX_BUCKET_SIZE": constants.MAX_BUCKET_SIZE, "POS_MAX_MATCHES": constants.MAX_MATCHES_PER_PAIR,
        "POS_GROUP_SIZE": 256,
    }


def test_constants_derive_the_k20_sizes():
    assert constants.num_buckets(20) == 4441 and constants.proof_bytes(20) == 160 and constants.y_bits(20) == 26
    assert [constants.meta_bits(20, t) for t in range(1, 8)] == [20, 40, 80, 80, 60, 40, 0]


@pytest.mark.parametrize("bad_k", [14, 26, True, 20.0])
def test_reference_refuses_k_outside_the_supported_range(bad_k):
    with pytest.raises(ValueError):
        reference.ReferenceTables(bytes(32), bad_k)


@pytest.fixture(scope="module")
def reference_k20():
    return reference.ReferenceTables(bytes.fromhex(SEED_K20), 20)


@pytest.mark.slow
def test_reference_k20_tables_match_every_derived_digest(reference_k20):
    """~60 s: the whole K=20 table of the readable reference against derived_k20 of pos.json."""
    d = pos_vectors()["derived_k20"]
    tables = reference_k20.tables
    assert [len(t.y) for t in tables] == d["table_entry_counts"]
    for i, t in enumerate(tables):
        assert u32_digest(t.y) == d["y_sha256_generation_order"][i], f"table {i + 1} y (generation order)"
        assert u32_digest(t.y[t.order]) == d["y_sha256_bucket_order"][i], f"table {i + 1} y (bucket order)"
        if i:
            assert u32_digest(t.parents) == d["parents_sha256_generation_order"][i], f"table {i + 1} parents"
    assert d["parents_sha256_generation_order"][0] is None
    first8 = [{"y": int(tables[0].y[x]), "x": int(x)} for x in tables[0].order[:8]]
    assert first8 == d["table1_first8_bucket_order"]
    for row in d["table2_first8_generation_order"]:
        p = row["position"]
        left, right = (int(v) for v in tables[1].parents[p])
        meta = int("".join(map(str, tables[1].meta[p])), 2)
        assert (int(tables[1].y[p]), left, right, meta) == (row["y"], row["left_x"], row["right_x"],
                                                            int(row["metadata_hex"], 16))


@pytest.mark.slow
def test_reference_k20_finds_every_reference_proof(reference_k20):
    d = pos_vectors()["derived_k20"]
    for c, proof in expected_proofs_k20().items():
        assert reference_k20.find_proof(c) == proof, c
    for c, n in d["table7_candidates_0_31"].items():
        assert len(reference_k20.candidates(int(c))) == n, c
