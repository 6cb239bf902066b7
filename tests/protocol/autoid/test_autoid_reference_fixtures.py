"""The reference fixtures behave as the reference tests expect (../shared/data/autoid/README.md, items 1-9)."""

from __future__ import annotations

import hashlib

import pytest
from autoid_support import ISSUER_ID, LEAF_ID, NOW_MS

from protocol.autoid import (AutoIdIdentifierAlreadyExists, AutoIdRegistry, CertificateActionType,
                             CertificateAlreadyRevoked, CertificateRevoked, CertificateSerialAlreadyIssued,
                             InvalidSignature, blake2_256, certificate_action_message, decode_tbs, derive_identifier,
                             sign, split_certificate)
from protocol.autoid.encoding import decode_register_params, decode_renew_params, decode_signature

ISSUER_SERIAL = 0x661A58765A68028B83BBE7D7B1BDE34FAA4A3982
UPDATED_ISSUER_SERIAL = 0x0E8F13DBA74F8388BDB41A6A98343D19103F1303
LEAF_SERIAL = 0x5E8BBA0C16DFBBBCBFCAEA13227C1BF1DD1A6A39
UPDATED_LEAF_SERIAL = 0x5E8BBA0C16DFBBBCBFCAEA13227C1BF1DD1A6A3A


def _revoke_sig(key, auto_id, nonce):
    return sign(key, certificate_action_message(auto_id, nonce, CertificateActionType.REVOKE_CERTIFICATE))


def _deactivate_sig(key, auto_id, nonce):
    return sign(key, certificate_action_message(auto_id, nonce, CertificateActionType.DEACTIVATE_AUTO_ID))


def test_identifier_unit_vectors_match_blake2_256():
    test_id = derive_identifier(b"Test")
    assert test_id.hex() == "8d2143d76615c515b5cc88fa7806aef268edeea87571c8f8b21a19f77b9993ba"
    assert derive_identifier(b"child", test_id).hex() == \
        "b273167fb0c55e2df1fcd5c44fcf90e497bd826e2eb4be2f167ff1c46b4d686d"
    assert blake2_256(b"Test") == test_id


def test_fixture_tbs_fields_decode_exactly(ref):
    issuer = decode_tbs(split_certificate(ref.issuer_cert).tbs)
    leaf_parts = split_certificate(ref.leaf_cert)
    leaf = decode_tbs(leaf_parts.tbs)
    assert issuer.serial == ISSUER_SERIAL and leaf.serial == LEAF_SERIAL
    assert issuer.subject_common_name == b"Vedhavyas Sinhareddi"
    assert leaf.subject_common_name == b"Vedhavyas Singareddi Leaf"
    assert len(issuer.raw) == 775 and len(leaf.raw) == 763
    assert len(issuer.subject_public_key_info) == 294
    assert hashlib.sha256(issuer.subject_public_key_info).hexdigest().startswith("a0c68bd9")
    assert hashlib.sha256(leaf.subject_public_key_info).hexdigest().startswith("74bf866c")
    assert issuer.not_before_ms == 1_718_658_680_000  # 2024-06-17 21:11:20Z
    assert issuer.not_after_ms == 1_807_132_280_000   # 2027-04-07 21:11:20Z
    assert leaf_parts.signature_algorithm.hex() == "300d06092a864886f70d01010b0500"
    assert len(leaf_parts.signature) == 256
    assert derive_identifier(issuer.subject_common_name) == ISSUER_ID
    assert derive_identifier(leaf.subject_common_name, ISSUER_ID) == LEAF_ID


def test_root_registration_stores_cn_nonce_and_own_serial(registry, ref):
    assert registry.register_certificate(ref.issuer_cert) == ISSUER_ID
    record = registry.get(ISSUER_ID)
    assert record.subject_common_name == b"Vedhavyas Sinhareddi"
    assert record.issuer_id is None and record.nonce == 0
    assert record.issued_serials == {ISSUER_SERIAL}
    assert record.certificate() == ref.issuer_cert


def test_registering_the_same_root_again_is_refused_without_change(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    before = registry.state()
    with pytest.raises(AutoIdIdentifierAlreadyExists):
        registry.register_certificate(ref.issuer_cert)
    assert registry.state() == before


def test_leaf_registration_adds_serial_to_issuer(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    assert registry.register_certificate(ref.leaf_cert, ISSUER_ID) == LEAF_ID
    assert registry.get(ISSUER_ID).issued_serials == {ISSUER_SERIAL, LEAF_SERIAL}
    leaf = registry.get(LEAF_ID)
    assert leaf.issuer_id == ISSUER_ID and leaf.issued_serials == {LEAF_SERIAL} and leaf.nonce == 0


def test_leaf_with_reused_serial_is_refused(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    registry.register_certificate(ref.leaf_cert, ISSUER_ID)
    before = registry.state()
    with pytest.raises(CertificateSerialAlreadyIssued):
        registry.register_certificate(ref.leaf_cert, ISSUER_ID)
    assert registry.state() == before


def test_root_self_renewal_revokes_old_serial_and_keeps_id_nonce_serials(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    registry.register_certificate(ref.leaf_cert, ISSUER_ID)
    registry.renew_certificate(ISSUER_ID, ref.updated_issuer_cert)
    record = registry.get(ISSUER_ID)
    assert record.serial == UPDATED_ISSUER_SERIAL
    assert record.identifier == ISSUER_ID and record.nonce == 0
    assert record.issued_serials == {ISSUER_SERIAL, LEAF_SERIAL}
    assert registry.revoked_serials(ISSUER_ID) == {ISSUER_SERIAL}


def test_leaf_renewal_under_issuer_revokes_old_leaf_serial(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    registry.register_certificate(ref.leaf_cert, ISSUER_ID)
    registry.renew_certificate(ISSUER_ID, ref.updated_issuer_cert)
    registry.renew_certificate(LEAF_ID, ref.updated_leaf_cert, ISSUER_ID)
    assert registry.get(ISSUER_ID).issued_serials == {ISSUER_SERIAL, LEAF_SERIAL, UPDATED_LEAF_SERIAL}
    assert registry.revoked_serials(ISSUER_ID) == {ISSUER_SERIAL, LEAF_SERIAL}
    assert registry.get(LEAF_ID).serial == UPDATED_LEAF_SERIAL
    assert registry.get(LEAF_ID).issued_serials == {LEAF_SERIAL}


def test_self_revoked_issuer_blocks_leaf_registration(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    registry.revoke(ISSUER_ID, _revoke_sig(ref.issuer_key, ISSUER_ID, 0))
    assert registry.revoked_serials(ISSUER_ID) == {ISSUER_SERIAL}
    assert registry.get(ISSUER_ID).nonce == 1
    with pytest.raises(CertificateRevoked):
        registry.register_certificate(ref.leaf_cert, ISSUER_ID)


def test_leaf_cannot_revoke_itself_but_issuer_can_once(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    registry.register_certificate(ref.leaf_cert, ISSUER_ID)
    before = registry.state()
    with pytest.raises(InvalidSignature):
        registry.revoke(LEAF_ID, _revoke_sig(ref.leaf_key, LEAF_ID, 0))
    assert registry.state() == before
    stale = _revoke_sig(ref.issuer_key, LEAF_ID, 0)
    registry.revoke(LEAF_ID, stale)
    assert registry.revoked_serials(ISSUER_ID) == {LEAF_SERIAL}
    assert registry.get(ISSUER_ID).nonce == 1
    with pytest.raises(CertificateAlreadyRevoked):  # CRL check comes before the (stale) signature
        registry.revoke(LEAF_ID, stale)


def test_deactivation_removes_the_entry_and_allows_re_registration(registry, ref):
    registry.register_certificate(ref.issuer_cert)
    registry.deactivate(ISSUER_ID, _deactivate_sig(ref.issuer_key, ISSUER_ID, 0))
    assert registry.get(ISSUER_ID) is None
    assert registry.register_certificate(ref.issuer_cert) == ISSUER_ID


def _bench(ref, name: str) -> bytes:
    return (ref.benchmarks / name).read_bytes()


def test_benchmark_ids_are_the_raw_identifiers(ref):
    assert _bench(ref, "issuer_auto_id") == ISSUER_ID
    assert _bench(ref, "leaf_auto_id") == LEAF_ID


def test_benchmark_call_arguments_carry_the_fixture_tbs(ref):
    issuer, tbs, alg, sig = decode_register_params(_bench(ref, "issuer_register_auto_id_params"))
    parts = split_certificate(ref.issuer_cert)
    assert (issuer, tbs, alg, sig) == (None, parts.tbs, parts.signature_algorithm, parts.signature)
    issuer, tbs, _, _ = decode_register_params(_bench(ref, "leaf_register_auto_id_params"))
    assert issuer == ISSUER_ID and tbs == split_certificate(ref.leaf_cert).tbs
    issuer, tbs, _, _ = decode_renew_params(_bench(ref, "leaf_auto_id_renewal"))
    assert issuer == ISSUER_ID and tbs == split_certificate(ref.updated_leaf_cert).tbs
    assert decode_signature(_bench(ref, "leaf_auto_id_revocation_signature")).algorithm.hex() == \
        "300b06092a864886f70d01010b"


def _register_from_benchmarks(ref) -> AutoIdRegistry:
    registry = AutoIdRegistry(":memory:", clock=lambda: NOW_MS)
    for name in ("issuer_register_auto_id_params", "leaf_register_auto_id_params"):
        issuer, tbs, alg, sig = decode_register_params(_bench(ref, name))
        registry.register(tbs, alg, sig, issuer)
    return registry


def test_benchmark_replay_register_and_revoke_issuer(ref):
    with _register_from_benchmarks(ref) as registry:
        assert registry.auto_ids() == sorted([ISSUER_ID, LEAF_ID])
        registry.revoke(ISSUER_ID, decode_signature(_bench(ref, "issuer_auto_id_revocation_signature")))
        assert registry.revoked_serials(ISSUER_ID) == {ISSUER_SERIAL}


def test_benchmark_replay_revoke_leaf(ref):
    with _register_from_benchmarks(ref) as registry:
        registry.revoke(LEAF_ID, decode_signature(_bench(ref, "leaf_auto_id_revocation_signature")))
        assert registry.revoked_serials(ISSUER_ID) == {LEAF_SERIAL}


def test_benchmark_replay_deactivate_issuer(ref):
    with _register_from_benchmarks(ref) as registry:
        registry.deactivate(ISSUER_ID, decode_signature(_bench(ref, "issuer_auto_id_deactivation_signature")))
        assert registry.auto_ids() == [LEAF_ID]


def test_benchmark_replay_renew_issuer_and_leaf(ref):
    with _register_from_benchmarks(ref) as registry:
        issuer, tbs, alg, sig = decode_renew_params(_bench(ref, "issuer_auto_id_renewal"))
        registry.renew(ISSUER_ID, tbs, alg, sig, issuer)
        issuer, tbs, alg, sig = decode_renew_params(_bench(ref, "leaf_auto_id_renewal"))
        registry.renew(LEAF_ID, tbs, alg, sig, issuer)
        assert registry.get(ISSUER_ID).serial == UPDATED_ISSUER_SERIAL
        assert registry.get(LEAF_ID).serial == UPDATED_LEAF_SERIAL
