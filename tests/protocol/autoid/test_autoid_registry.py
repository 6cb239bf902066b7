"""Registry behaviour beyond the reference fixtures: order of checks, bad input, persistence, chains, co-issuance."""

from __future__ import annotations

import pytest
from autoid_support import DAY_MS, NOW_MS, Identity

from protocol.autoid import (AutoIdIdentifierMismatch, AutoIdRegistry, CertificateActionType, CertificateRevoked,
                             ChainTooLong, CoIssuance, CoSignature, ExpiredCertificate, InsufficientCoIssuers,
                             InvalidCertificate, InvalidSignature, NonceOverflow, PublicKeyMismatch, Signature,
                             UnknownAutoId, UnknownIssuer, UntrustedRoot, certificate_action_message, co_issue,
                             derive_identifier, generate_key, make_csr, sign, sign_message, split_certificate,
                             verify_auto_id, verify_message)
from protocol.autoid.algorithms import OID_SHA256_WITH_RSA, algorithm_identifier
from protocol.autoid.der import encode_oid, encode_element


def _revoke(key, auto_id, nonce):
    return sign(key, certificate_action_message(auto_id, nonce, CertificateActionType.REVOKE_CERTIFICATE))


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa-p256", "ecdsa-p384"])
def test_roots_and_leaves_of_each_key_type_register_and_verify(registry, pki, key_type):
    root = pki.root(f"root {key_type}", key_type)
    leaf = pki.leaf("agent", root, key_type)
    root_id = registry.register_certificate(root.certificate)
    leaf_id = registry.register_certificate(leaf.certificate, root_id)
    assert root_id == derive_identifier(f"root {key_type}".encode())
    assert leaf_id == derive_identifier(b"agent", root_id)
    assert [r.identifier for r in verify_auto_id(registry, leaf_id, trusted_roots=[root_id])] == [leaf_id, root_id]


def test_rsa_leaf_under_reference_issuer_verifies(registry, ref, pki):
    issuer_id = registry.register_certificate(ref.issuer_cert)
    leaf = pki.leaf("rsa agent", Identity(ref.issuer_key, ref.issuer_cert), "rsa")
    leaf_id = registry.register_certificate(leaf.certificate, issuer_id)
    assert split_certificate(leaf.certificate).signature_algorithm == \
        algorithm_identifier(OID_SHA256_WITH_RSA, null_parameter=True)
    assert len(verify_auto_id(registry, leaf_id)) == 2


def test_expired_root_is_refused(registry, pki):
    root = pki.root("old", not_before_ms=NOW_MS - 10 * DAY_MS, not_after_ms=NOW_MS - DAY_MS)
    with pytest.raises(ExpiredCertificate):
        registry.register_certificate(root.certificate)
    assert registry.auto_ids() == []


def test_not_yet_valid_leaf_is_refused_after_signature_check(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    early = pki.leaf("early", root, not_before_ms=NOW_MS + DAY_MS, not_after_ms=NOW_MS + 2 * DAY_MS)
    before = registry.state()
    with pytest.raises(ExpiredCertificate):
        registry.register_certificate(early.certificate, root_id)
    assert registry.state() == before  # the serial written at step 7 never lands


def test_validity_bounds_are_inclusive_in_milliseconds(pki):
    root = pki.root("edge", not_before_ms=NOW_MS, not_after_ms=NOW_MS + 1000)
    for now, ok in [(NOW_MS - 1, False), (NOW_MS, True), (NOW_MS + 1000, True), (NOW_MS + 1001, False)]:
        with AutoIdRegistry(clock=lambda now=now: now) as reg:
            if ok:
                reg.register_certificate(root.certificate)
            else:
                with pytest.raises(ExpiredCertificate):
                    reg.register_certificate(root.certificate)


def test_leaf_signed_by_another_key_is_refused_as_wrong_issuer(registry, pki):
    root, stranger = pki.root("root"), pki.root("stranger")
    root_id = registry.register_certificate(root.certificate)
    forged = pki.leaf("agent", stranger)
    with pytest.raises(InvalidSignature):
        registry.register_certificate(forged.certificate, root_id)
    assert registry.get(root_id).issued_serials == {registry.get(root_id).serial}


def test_leaf_under_unknown_issuer_is_refused_before_decoding(registry):
    with pytest.raises(UnknownIssuer):
        registry.register(b"not even DER", b"", b"", issuer_id=bytes(32))


def test_malformed_der_and_pem_are_invalid_certificate(registry):
    for garbage in [b"", b"\x30", b"\x30\x80\x00\x00", b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----",
                    b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "text", None]:
        with pytest.raises(InvalidCertificate):
            registry.register_certificate(garbage)  # type: ignore[arg-type]
    with pytest.raises(InvalidCertificate):
        registry.register(b"\x30\x03\x02\x01\x01", b"", b"")
    assert registry.auto_ids() == []


def test_tbs_without_common_name_is_invalid_certificate(registry):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID
    import datetime as dt
    key = generate_key("ed25519")
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "no cn")])
    start = dt.datetime.fromtimestamp(NOW_MS // 1000 - 60, dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(start).not_valid_after(start + dt.timedelta(days=1))
            .sign(key, None)).public_bytes(serialization.Encoding.DER)
    with pytest.raises(InvalidCertificate, match="no common name"):
        registry.register_certificate(cert)


def test_unsupported_signature_algorithm_is_invalid_signature(registry, pki):
    root = pki.root("root")
    parts = split_certificate(root.certificate)
    md5_rsa = encode_element(0x30, encode_oid("1.2.840.113549.1.1.4") + b"\x05\x00")
    for algorithm in [md5_rsa, b"\x30\x00", b"junk", algorithm_identifier(OID_SHA256_WITH_RSA, null_parameter=False)]:
        with pytest.raises(InvalidSignature):
            registry.register(parts.tbs, algorithm, parts.signature)
    assert registry.auto_ids() == []


def test_renewal_cannot_rotate_the_key(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    rotated = pki.root("root")  # same CN, new key: signed by the new key, so the old key does not verify it
    with pytest.raises(InvalidSignature):
        registry.renew_certificate(root_id, rotated.certificate)
    leaf = pki.leaf("agent", root)
    leaf_id = registry.register_certificate(leaf.certificate, root_id)
    new_key_leaf = pki.leaf("agent", root)  # issuer-signed, new key
    before = registry.state()
    with pytest.raises(PublicKeyMismatch):
        registry.renew_certificate(leaf_id, new_key_leaf.certificate, root_id)
    assert registry.state() == before


def test_renewal_with_another_cn_is_identifier_mismatch(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    renamed = pki.root("renamed", key=root.key)
    with pytest.raises(AutoIdIdentifierMismatch):
        registry.renew_certificate(root_id, renamed.certificate)
    assert registry.revoked_serials(root_id) == frozenset()  # the CRL write before the check was rolled back


def test_self_renewal_with_the_same_certificate_self_revokes(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    registry.renew_certificate(root_id, root.certificate)
    assert registry.revoked_serials(root_id) == {registry.get(root_id).serial}
    with pytest.raises(CertificateRevoked):
        verify_auto_id(registry, root_id)


def test_unknown_targets_have_the_spec_error_names(registry, ref):
    sig = Signature(b"", b"")
    with pytest.raises(UnknownAutoId):
        registry.revoke(bytes(32), sig)
    with pytest.raises(UnknownAutoId):
        registry.renew(bytes(32), b"", b"", b"")
    with pytest.raises(UnknownIssuer):  # sic, protocol.md 1.7
        registry.deactivate(bytes(32), sig)
    with pytest.raises(UnknownAutoId):
        registry.revoke(b"short", sig)


def test_replayed_revocation_signature_is_refused(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    first, second = pki.leaf("a", root), pki.leaf("b", root)
    a = registry.register_certificate(first.certificate, root_id)
    b = registry.register_certificate(second.certificate, root_id)
    registry.revoke(a, _revoke(root.key, a, 0))
    before = registry.state()
    with pytest.raises(InvalidSignature):  # bound to nonce 0, the issuer's nonce is now 1
        registry.revoke(b, _revoke(root.key, b, 0))
    assert registry.state() == before
    registry.revoke(b, _revoke(root.key, b, 1))
    assert registry.get(root_id).nonce == 2


def test_nonce_overflow_is_refused_and_rolled_back(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    leaf_id = registry.register_certificate(pki.leaf("a", root).certificate, root_id)
    top = (1 << 256) - 1
    registry.db.execute("UPDATE auto_ids SET nonce = ? WHERE id = ?", (top.to_bytes(32, "big"), root_id))
    with pytest.raises(NonceOverflow):
        registry.revoke(leaf_id, _revoke(root.key, leaf_id, top))
    assert registry.revoked_serials(root_id) == frozenset()


def test_state_survives_a_restart(tmp_path, pki):
    path = tmp_path / "autoid.sqlite"
    root = pki.root("root")
    with AutoIdRegistry(path, clock=lambda: NOW_MS) as reg:
        root_id = reg.register_certificate(root.certificate)
        leaf_id = reg.register_certificate(pki.leaf("a", root).certificate, root_id)
        reg.revoke(leaf_id, _revoke(root.key, leaf_id, 0))
        state = reg.state()
    with AutoIdRegistry(path, clock=lambda: NOW_MS) as reg:
        assert reg.state() == state
        assert reg.get(root_id).nonce == 1
        with pytest.raises(CertificateRevoked):
            verify_auto_id(reg, leaf_id)


def test_a_refused_call_leaves_the_file_unchanged(tmp_path, pki):
    path = tmp_path / "autoid.sqlite"
    root = pki.root("root")
    with AutoIdRegistry(path, clock=lambda: NOW_MS) as reg:
        root_id = reg.register_certificate(root.certificate)
        with pytest.raises(AutoIdIdentifierMismatch):
            reg.renew_certificate(root_id, pki.root("other", key=root.key).certificate)
    with AutoIdRegistry(path, clock=lambda: NOW_MS) as reg:
        assert reg.revoked_serials(root_id) == frozenset()


def test_chain_of_trust_walks_three_levels_and_honours_trusted_roots(registry, pki):
    root = pki.root("root")
    middle = pki.leaf("team", root, can_issue=True)
    agent = pki.leaf("agent", middle)
    root_id = registry.register_certificate(root.certificate)
    middle_id = registry.register_certificate(middle.certificate, root_id)
    agent_id = registry.register_certificate(agent.certificate, middle_id)
    assert [r.identifier for r in verify_auto_id(registry, agent_id, trusted_roots={root_id})] == \
        [agent_id, middle_id, root_id]
    with pytest.raises(UntrustedRoot):
        verify_auto_id(registry, agent_id, trusted_roots={bytes(32)})
    registry.revoke(middle_id, _revoke(root.key, middle_id, 0))
    with pytest.raises(CertificateRevoked):
        verify_auto_id(registry, agent_id)


def test_deactivated_issuer_breaks_the_chain_of_its_leaves(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    leaf_id = registry.register_certificate(pki.leaf("a", root).certificate, root_id)
    registry.deactivate(root_id, sign(root.key, certificate_action_message(
        root_id, 0, CertificateActionType.DEACTIVATE_AUTO_ID)))
    assert registry.get(leaf_id) is not None  # leaves are not removed (protocol.md 1.7)
    with pytest.raises(UnknownIssuer):
        verify_auto_id(registry, leaf_id)


def test_chain_deeper_than_eight_links_is_too_long(registry, pki):
    issuer = pki.root("root")
    issuer_id = registry.register_certificate(issuer.certificate)
    for depth in range(9):
        child = pki.leaf(f"level {depth}", issuer, can_issue=True)
        issuer_id = registry.register_certificate(child.certificate, issuer_id)
        issuer = child
    with pytest.raises(ChainTooLong):
        verify_auto_id(registry, issuer_id)


def test_message_signed_with_an_auto_id_verifies_only_unaltered(registry, pki):
    root = pki.root("author", "ecdsa-p256")
    root_id = registry.register_certificate(root.certificate)
    signature = sign_message(root.key, b"article v1")
    verify_message(registry, root_id, b"article v1", signature)
    with pytest.raises(InvalidSignature):
        verify_message(registry, root_id, b"article v2", signature)


def test_co_issued_leaf_needs_k_valid_issuers(registry, pki):
    a, b, c = pki.root("org a"), pki.root("org b"), pki.root("org c")
    ids = [registry.register_certificate(x.certificate) for x in (a, b, c)]
    model_key = generate_key()
    csr = make_csr(model_key, "model instance")
    issued = co_issue(csr, [(ids[0], a.certificate, a.key), (ids[1], b.certificate, b.key),
                            (ids[2], c.certificate, c.key)], threshold=3, now_ms=NOW_MS)
    leaf_id = registry.register_certificate(issued.certificate, ids[0], co_issuance=issued.co_issuance)
    assert registry.get(leaf_id).co_issuance == issued.co_issuance
    verify_auto_id(registry, leaf_id)
    registry.revoke(ids[2], _revoke(c.key, ids[2], 0))
    with pytest.raises(InsufficientCoIssuers):
        verify_auto_id(registry, leaf_id)


def test_co_issuance_with_a_forged_co_signature_is_refused(registry, pki):
    a, b = pki.root("org a"), pki.root("org b")
    ids = [registry.register_certificate(x.certificate) for x in (a, b)]
    issued = co_issue(make_csr(generate_key(), "model"), [(ids[0], a.certificate, a.key)], 1, now_ms=NOW_MS)
    forged = CoIssuance(2, (CoSignature(ids[1], sign(a.key, split_certificate(issued.certificate).tbs)),))
    before = registry.state()
    with pytest.raises(InsufficientCoIssuers):
        registry.register_certificate(issued.certificate, ids[0], co_issuance=forged)
    assert registry.state() == before
