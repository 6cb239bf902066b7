"""KZG commit / create_witness / verify (storage_and_time.md section 3) with the network's parameters:
the exact derived vector and round trips of erasure_kzg.json, agreement between backends, an
independent check with the development setup's public tau, and bad input."""
from __future__ import annotations

import random

import blake3
import pytest

from accel.kzg import Kzg, blake3_254_hash_to_scalar, dev_parameters, extend_commitments, g1, reference
from accel.kzg.constants import G1_GENERATOR, G1_IDENTITY, R
from vectors import load_vectors


def _case():
    return next(c for c in load_vectors("erasure_kzg.json")["cases"] if c.get("kind") == "exact_derived")


def _b(values) -> list[bytes]:
    return [v.to_bytes(32, "big") for v in values]


@pytest.fixture(scope="module")
def network_kzg(network_parameters):
    return Kzg(network_parameters)


def test_derived_vector_commitment_and_witnesses(be, network_parameters):
    case = _case()
    values = [b"\x00" + bytes.fromhex(v) for v in case["values_31B_hex"]]
    assert values[0][1:] == blake3.blake3(bytes([0])).digest()[:31]
    assert reference.domain_root(8) == int(case["domain_root_w8_hex"], 16)
    coeffs = reference.coefficients([int.from_bytes(v, "big") for v in values])
    assert _b(coeffs) == [bytes.fromhex(c) for c in case["coefficients_be_hex"]]
    kzg = Kzg(network_parameters, be)
    commitment = kzg.commit(values)
    assert commitment.hex() == case["commitment_hex"]
    assert blake3_254_hash_to_scalar(commitment).hex() == case["blake3_254_hash_to_scalar_of_commitment_hex"]
    for i in range(8):
        witness = kzg.create_witness(values, i)
        assert witness.hex() == case["witnesses_hex"][i]
        assert kzg.verify(commitment, 8, i, values[i], witness)
    wrong_value = (int.from_bytes(values[1], "big") + 1).to_bytes(32, "big")
    assert not kzg.verify(commitment, 8, 1, wrong_value, bytes.fromhex(case["witnesses_hex"][1]))


def test_round_trip_of_random_31_byte_values(network_kzg):
    """erasure_kzg.json 'basic': 8 random 31-byte values, every witness verifies, a wrong one does not."""
    rng = random.Random(11)
    values = [b"\x00" + rng.randbytes(31) for _ in range(8)]
    commitment = network_kzg.commit(values)
    witnesses = [network_kzg.create_witness(values, i) for i in range(8)]
    for i in range(8):
        assert network_kzg.verify(commitment, 8, i, values[i], witnesses[i])
        assert not network_kzg.verify(commitment, 8, i, values[i], witnesses[(i + 1) % 8])
        assert not network_kzg.verify(commitment, 8, (i + 1) % 8, values[i], witnesses[i])
    assert network_kzg.verify_batch([(commitment, 8, i, values[i], witnesses[i]) for i in range(8)])
    bad = [(commitment, 8, i, values[i], witnesses[i]) for i in range(8)]
    bad[5] = (commitment, 8, 5, values[4], witnesses[5])
    assert not network_kzg.verify_batch(bad)
    assert network_kzg.verify_batch([])


def test_record_size_commitment_opens_on_the_double_domain(network_kzg):
    """A 2^15-value record committed with the network's powers opens at w_{2^16}^(2i) (spec 3 and 10)."""
    rng = random.Random(5)
    values = [b"\x00" + rng.randbytes(31) for _ in range(2**15)]
    commitment = network_kzg.commit(values)
    witness = network_kzg.create_witness(values, 12345)
    assert network_kzg.verify(commitment, 2**15, 12345, values[12345], witness)
    assert network_kzg.verify(commitment, 2**16, 2 * 12345, values[12345], witness)
    assert not network_kzg.verify(commitment, 2**15, 12346, values[12345], witness)


def test_commitment_equals_the_polynomial_at_the_public_dev_tau():
    params = dev_parameters(256)
    kzg = Kzg(params)
    rng = random.Random(2)
    ints = [rng.randrange(R) for _ in range(256)]
    expected = g1.mul(G1_GENERATOR, reference.evaluate(reference.coefficients(ints), params.insecure_tau))
    assert kzg.commit(_b(ints)) == g1.encode(expected)
    x = pow(reference.domain_root(256), 7, R)
    q = reference.quotient(reference.coefficients(ints), x)
    assert kzg.create_witness(_b(ints), 7) == g1.encode(g1.mul(G1_GENERATOR, reference.evaluate(q, params.insecure_tau)))


def test_backends_agree_on_commitments_and_witnesses(be, network_parameters, network_kzg):
    rng = random.Random(9)
    values = _b([rng.randrange(R) for _ in range(64)])
    kzg = Kzg(network_parameters, be)
    assert kzg.commit(values) == network_kzg.commit(values)
    assert kzg.create_witness(values, 63) == network_kzg.create_witness(values, 63)


def test_constant_polynomial_has_the_identity_witness(network_kzg):
    values = _b([5] * 4)
    assert network_kzg.create_witness(values, 2) == G1_IDENTITY
    assert network_kzg.commit(_b([0] * 16)) == G1_IDENTITY
    assert network_kzg.verify(network_kzg.commit(values), 4, 2, values[0], G1_IDENTITY)


def test_undecodable_commitment_or_witness_verifies_false(network_kzg):
    values = _b([1, 2, 3, 4])
    commitment, witness = network_kzg.commit(values), network_kzg.create_witness(values, 0)
    off_subgroup = bytes([0x80]) + (4).to_bytes(47, "big")
    for bad in (bytes(48), commitment[:47], b"\xff" * 48, bytes([0xE0]) + bytes(47)):
        assert not network_kzg.verify(bad, 4, 0, values[0], witness)
        assert not network_kzg.verify(commitment, 4, 0, values[0], bad)
    assert not network_kzg.verify(commitment, 4, 0, values[0], off_subgroup)
    assert not network_kzg.verify(commitment, 4, 4, values[0], witness)
    assert not network_kzg.verify(commitment, 0, 0, values[0], witness)


def test_bad_values_are_refused(network_kzg):
    with pytest.raises(ValueError, match="power of two"):
        network_kzg.commit(_b([1, 2, 3]))
    with pytest.raises(ValueError, match=r"values\[1\]: non-canonical"):
        network_kzg.commit(_b([1, R]))
    with pytest.raises(ValueError, match="exceed the 32768 G1 powers"):
        network_kzg.commit(_b([0] * 2**16))
    with pytest.raises(ValueError, match="outside the domain"):
        network_kzg.create_witness(_b([1, 2]), 2)
    with pytest.raises(ValueError, match="non-canonical"):
        network_kzg.verify(G1_IDENTITY, 2, 0, R.to_bytes(32, "big"), G1_IDENTITY)


def test_extended_commitments_commit_to_the_extended_records(network_kzg):
    """Spec 4 extend_commitments == commitments of the erasure-extended records (linearity)."""
    rng = random.Random(4)
    records = [[rng.randrange(R) for _ in range(4)] for _ in range(4)]  # 4 source records of 4 chunks
    commitments = [network_kzg.commit(_b(r)) for r in records]
    extended = extend_commitments(commitments)
    assert extended[0::2] == commitments
    # parity record i, chunk j = P_j(w_8^(2i+1)) where P_j goes through chunk j of the 4 sources
    for i in range(4):
        parity = []
        for j in range(4):
            coeffs = reference.coefficients([records[k][j] for k in range(4)])
            parity.append(reference.evaluate(coeffs, pow(reference.domain_root(8), 2 * i + 1, R)))
        assert extended[2 * i + 1] == network_kzg.commit(_b(parity))
    with pytest.raises(ValueError, match="power of two"):
        extend_commitments(commitments[:3])


def test_blst_fast_path_answers_as_the_arkworks_pairing(network_kzg, monkeypatch):
    """`verify` answers through blst where it can; forcing the arkworks path must give the same answer
    for valid openings, each field altered, identities and points outside the subgroup."""
    rng = random.Random(11)
    values = _b([rng.randrange(R) for _ in range(16)])
    commitment = network_kzg.commit(values)
    witnesses = [network_kzg.create_witness(values, i) for i in range(16)]
    off_subgroup = bytes([0x80]) + (4).to_bytes(47, "big")
    cases = [(commitment, 16, i, values[i], witnesses[i]) for i in range(16)]
    cases += [(commitment, 16, i, values[(i + 1) % 16], witnesses[i]) for i in range(4)]
    cases += [(commitment, 16, i, values[i], witnesses[(i + 1) % 16]) for i in range(4)]
    cases += [(commitment, 32, 2 * i + 1, values[i], witnesses[i]) for i in range(4)]
    cases += [(G1_IDENTITY, 16, 0, values[0], witnesses[0]), (commitment, 16, 0, values[0], G1_IDENTITY),
              (G1_IDENTITY, 16, 3, bytes(32), G1_IDENTITY), (G1_GENERATOR, 16, 0, bytes(32), G1_IDENTITY),
              (commitment, 16, 1, values[1], off_subgroup), (off_subgroup, 16, 1, values[1], witnesses[1])]
    fast = [network_kzg.verify(*case) for case in cases]
    assert fast[:16] == [True] * 16 and not any(fast[16:28])
    monkeypatch.setattr(Kzg, "_verify_blst", lambda self, *a: None)
    assert [network_kzg.verify(*case) for case in cases] == fast


def test_witness_on_a_larger_domain_equals_the_readable_path():
    """`create_witness_on_domain` (rows, the backend's NTT and `fr_quotient`) opens the polynomial through
    256 values at w_512^i for odd i (the farmer's chunk witness shape): equal to the readable quotient at
    the dev tau, and it verifies on the 512 domain."""
    params = dev_parameters(256)
    kzg = Kzg(params)
    rng = random.Random(3)
    ints = [rng.randrange(R) for _ in range(256)]
    coeffs = reference.coefficients(ints)
    for index in (0, 1, 77, 511):
        x = pow(reference.domain_root(512), index, R)
        want = g1.encode(g1.mul(G1_GENERATOR, reference.evaluate(reference.quotient(coeffs, x), params.insecure_tau)))
        got = kzg.create_witness_on_domain(_b(ints), 512, index)
        assert got == want == kzg.create_witness_for_polynomial(coeffs, 512, index)
        value = reference.evaluate(coeffs, x).to_bytes(32, "big")
        assert kzg.verify(kzg.commit(_b(ints)), 512, index, value, got)
    with pytest.raises(ValueError, match="smaller"):
        kzg.create_witness_on_domain(_b(ints), 128, 3)
    with pytest.raises(ValueError, match="outside"):
        kzg.create_witness_on_domain(_b(ints), 512, 512)
