"""Every backend's proof-of-space tables (`be.pos_table`) bit-for-bit against pos.json and the readable
reference: the K=20 reference proofs and table digests, whole small-K tables against the reference,
all 2^16 s-bucket challenges against the CPU, the 512 caps on crafted input, and bad input."""
from __future__ import annotations

import numpy as np
import pytest

import accel
from accel.plotting import is_proof_valid, reference
from accel.plotting.constants import NUM_S_BUCKETS, PARAM_BC, proof_bytes, y_bits
from pos_cases import SEED_K20, SMALL_SEEDS, expected_proofs_k20, pos_vectors, table_for, u32_digest

SEED = bytes.fromhex(SEED_K20)
ALL_CHALLENGES = np.arange(NUM_S_BUCKETS, dtype=np.uint32)


# ------------------------------------------------------------------------------------------ K = 20
def test_k20_find_proofs_equal_every_reference_proof(be):
    table = table_for(be, SEED, 20)
    expected = expected_proofs_k20()
    assert table.find_proofs(list(expected)) == list(expected.values())
    assert table.find_proof(1011) == expected[1011]  # the equal-y tie: smaller position first
    assert table.find_proof(1232460437) is None


def test_k20_tables_equal_the_derived_digests(be):
    d = pos_vectors()["derived_k20"]
    table = table_for(be, SEED, 20)
    assert table.table_sizes == d["table_entry_counts"]
    for t in range(2, 8):
        assert u32_digest(table.parents(t)) == d["parents_sha256_generation_order"][t - 1], f"table {t} parents"
    assert u32_digest(table.table7_y()) == d["y_sha256_bucket_order"][6]


def test_k20_every_found_proof_verifies(be):
    table = table_for(be, SEED, 20)
    challenges = np.arange(0, NUM_S_BUCKETS, 4099, dtype=np.uint32)
    proofs, found = table.prove_many(challenges)
    assert 0.4 < found.mean() < 0.9  # about 62% of challenges have a proof at K=20 (pos.md 6)
    for c, proof, f in zip(challenges, proofs, found):
        if f:
            assert is_proof_valid(SEED, int(c), bytes(proof))
        else:
            assert not proof.any()


def test_cpu_s_bucket_index_of_table_7_answers_as_the_whole_table():
    """The CPU table keeps a sorted index of only the table-7 entries an s-bucket challenge can reach
    (first K bits with their low K - 16 bits zero); a batch with any larger challenge searches the whole
    sorted table 7. Both must give the same proofs for all 2^16 s-bucket challenges."""
    table = table_for(accel.backend("cpu"), SEED, 20)
    assert len(table.t7_sorted_y) < len(table.table7_y()) // 8
    indexed = table.prove_many(ALL_CHALLENGES)
    whole = table.prove_many(np.append(ALL_CHALLENGES, np.uint32(600426542)))  # a vector challenge > 2^16
    assert np.array_equal(indexed[1], whole[1][:-1]) and np.array_equal(indexed[0], whole[0][:-1])
    assert whole[1][-1]


def test_cpu_table_7_order_keeps_the_bucket_cap():
    """Table 7's sorted order (whole and s-bucket index) is the reference's bucket order, including the
    MAX_BUCKET_SIZE cap on crafted y values (two buckets far over it, the others as usual)."""
    from accel.plotting.constants import MAX_BUCKET_SIZE, PARAM_EXT
    from accel.plotting.ops import CpuPosTable

    rng = np.random.default_rng(5)
    y = rng.integers(0, 1 << 26, 20000, dtype=np.uint64)
    y[rng.choice(len(y), 2 * MAX_BUCKET_SIZE, replace=False)] = 7 * PARAM_BC + 3  # one crowded y value
    crowded = rng.choice(len(y), MAX_BUCKET_SIZE + 300, replace=False)
    y[crowded] = 11 * PARAM_BC + rng.integers(0, PARAM_BC, len(crowded), dtype=np.uint64)
    table = object.__new__(CpuPosTable)  # only table 7 and k are needed here
    table.k, table.t7_y, table._t7_full = 20, y.astype(np.uint32), None
    order = reference.bucket_order(y)
    assert np.array_equal(table.table7_y(), y[order].astype(np.uint32))
    assert np.array_equal(table._full_t7()[1], order.astype(np.uint32))
    index_y, index_pos = table._sorted_t7(s_bucket_only=True)
    reachable = order[((y[order] >> np.uint64(PARAM_EXT)) & np.uint64(0xF)) == 0]
    assert np.array_equal(index_pos, reachable.astype(np.uint32)) and np.array_equal(index_y, y[reachable])


K20_SEEDS = [SEED, bytes(range(200, 232)), bytes.fromhex("5a" * 32)]  # the vector seed and two arbitrary ones


@pytest.mark.parametrize("seed", K20_SEEDS, ids=["vector-seed", "seed-200", "seed-5a"])
def test_k20_all_s_bucket_proofs_equal_the_cpu(be, seed):
    """Issue 4: for several seeds at K=20, the proofs of all 65,536 s-bucket challenges are identical
    between this backend and the CPU backend (which the K=20 vectors and digests pin to the network)."""
    if be.name == "cpu":
        pytest.skip("the CPU backend is the yardstick of this comparison")
    proofs, found = table_for(be, seed, 20).prove_many(ALL_CHALLENGES)
    cpu_proofs, cpu_found = table_for(accel.backend("cpu"), seed, 20).prove_many(ALL_CHALLENGES)
    assert np.array_equal(found, cpu_found) and np.array_equal(proofs, cpu_proofs)
    assert 0.5 < found.mean() < 0.75


# ---------------------------------------------------------------------------------------- small K
@pytest.mark.parametrize("k", [15, 16])
def test_small_k_tables_equal_the_reference(be, k):
    seed = SMALL_SEEDS[k]
    ref = reference.ReferenceTables(seed, k)
    table = table_for(be, seed, k)
    assert table.table_sizes == [len(t.y) for t in ref.tables]
    for t in range(2, 8):
        assert np.array_equal(table.parents(t), ref.tables[t - 1].parents), f"table {t}"
    t7 = ref.tables[-1]
    assert np.array_equal(table.table7_y(), t7.y[t7.order])
    challenges = list(range(0, NUM_S_BUCKETS, 97))
    assert table.find_proofs(challenges) == ref.find_proofs(challenges)


@pytest.mark.parametrize("k", [15, 16, 17])
def test_all_s_bucket_proofs_equal_the_cpu(be, k):
    seed = SMALL_SEEDS[k]
    proofs, found = table_for(be, seed, k).prove_many(ALL_CHALLENGES)
    cpu_proofs, cpu_found = table_for(accel.backend("cpu"), seed, k).prove_many(ALL_CHALLENGES)
    assert proofs.shape == (NUM_S_BUCKETS, proof_bytes(k))
    assert np.array_equal(found, cpu_found) and np.array_equal(proofs, cpu_proofs)
    assert 0.3 < found.mean() < 0.9


def test_challenge_indices_beyond_u16_use_their_low_bytes(be):
    """first_k comes from the index's little-endian bytes, so bits 16+ (at K=15: 15+) do not change it."""
    table = table_for(be, SMALL_SEEDS[15], 15)
    base = np.arange(0, 4096, dtype=np.uint32)
    a = table.prove_many(base)
    b = table.prove_many(base | np.uint32(0xFFFE0000))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_empty_batch_gives_empty_arrays(be):
    proofs, found = table_for(be, SMALL_SEEDS[15], 15).prove_many(np.zeros(0, dtype=np.uint32))
    assert proofs.shape == (0, proof_bytes(15)) and found.shape == (0,)
    assert table_for(be, SMALL_SEEDS[15], 15).find_proofs([]) == []


# ------------------------------------------------------------------------------------------- caps
def crafted_overflow_table(k: int = 15) -> np.ndarray:
    """y values (position order) with a 700-entry bucket of few distinct y (so equal-y ties and the
    512-entry cap), next to 10 right entries on one match target of all of them (so > 512 matches)."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 1 << y_bits(k), 1 << k, dtype=np.uint64)
    chosen = rng.choice(1 << k, 710, replace=False)
    y[chosen[:700]] = 5 * PARAM_BC + rng.integers(0, 3, 700)
    y[chosen[700:]] = 6 * PARAM_BC + reference.match_targets(0, 5 % 2)[0]
    return y


def test_512_caps_and_tie_order_equal_the_reference_on_crafted_input(be):
    y = crafted_overflow_table()
    order = reference.bucket_order(y)
    left, right = reference.find_matches(y, order, 15)
    stages = be._pos_bucket_order_and_matches(y, 15)
    assert np.diff(stages["bucket_start"])[5] == 512  # 700 entries, first 512 by position kept
    assert stages["match_count"].max() == 512  # 512 x 10 matches in pair (5, 6), first 512 kept
    assert np.array_equal(stages["sorted_pos"], order) and np.array_equal(stages["sorted_y"], y[order])
    assert np.array_equal(stages["match_left"], left) and np.array_equal(stages["match_right"], right)


# -------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("seed", [bytes(31), bytes(33), "00" * 32, None])
def test_bad_seed_is_refused(be, seed):
    with pytest.raises(ValueError):
        be.pos_table(seed, 15)


@pytest.mark.parametrize("k", [14, 26, 0, -20, True, 20.0, "20"])
def test_k_outside_15_to_25_is_refused(be, k):
    with pytest.raises(ValueError):
        be.pos_table(bytes(32), k)


@pytest.mark.parametrize("challenge", [-1, 2**32, 1.0, True, "1", None])
def test_challenge_outside_u32_is_refused(be, challenge):
    table = table_for(be, SMALL_SEEDS[15], 15)
    with pytest.raises(ValueError):
        table.find_proof(challenge)
    with pytest.raises(ValueError):
        table.find_proofs([0, challenge])


@pytest.mark.parametrize("challenges", [np.array([0, 2**32], dtype=np.int64), np.array([-1]),
                                        np.zeros((2, 2), dtype=np.uint32), np.array([0.5]), 7, b"\x00\x01"])
def test_bad_challenge_batches_are_refused(be, challenges):
    with pytest.raises(ValueError):
        table_for(be, SMALL_SEEDS[15], 15).find_proofs(challenges)


def test_table_diagnostics_refuse_a_table_number_outside_2_to_7(be):
    table = table_for(be, SMALL_SEEDS[15], 15)
    for t in (1, 8):
        with pytest.raises(ValueError):
            table.parents(t)
