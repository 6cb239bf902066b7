"""Verifiable credentials (domains_and_ai.md 3.2 acceptance scenarios 1-7) and Auto Score (3.1 scenarios 1-6)."""

from __future__ import annotations

from dataclasses import replace
from itertools import count

import pytest
from autoid_support import DAY_MS, NOW_MS

from protocol.autoid import (AlreadyRevoked, AutoScore, BadHolderSignature, BadIssuerSignature, BadNonce, BadSignature, CertificateActionType,
                             CertificateRevoked, CredentialExpired, CredentialIssuer, CredentialRevocations,
                             CredentialRevoked, DuplicateEvidence, EvidenceEntry, EvidenceExpired, EvidenceType,
                             EvidenceWeight, HolderKeyMismatch, InvalidEvidenceProof, InvalidSignature, NonceMismatch,
                             NonceReused, NullifierInUse, ScoreLevel, UnknownEvidence, UntrustedIssuer, attest,
                             certificate_action_message, generate_key, nullifier_for, present, respond_to_challenge,
                             sign, verify_presentation)

VERIFIER = bytes([7]) * 32
NONCE = bytes([9]) * 32


def _revoke(key, auto_id, nonce):
    return sign(key, certificate_action_message(auto_id, nonce, CertificateActionType.REVOKE_CERTIFICATE))


@pytest.fixture
def world(registry, pki):
    root = pki.root("root")
    root_id = registry.register_certificate(root.certificate)
    university = pki.leaf("university", root)
    university_id = registry.register_certificate(university.certificate, root_id)
    alice = pki.root("alice", "ecdsa-p256")
    alice_id = registry.register_certificate(alice.certificate)
    counter = count(1)
    issuer = CredentialIssuer(registry, university_id, university.key,
                              random_bytes=lambda n: next(counter).to_bytes(n, "big"))
    return dict(registry=registry, pki=pki, root=root, root_id=root_id, university=university,
                university_id=university_id, alice=alice, alice_id=alice_id, issuer=issuer)


def _diploma(w):
    challenge = w["issuer"].challenge(w["alice_id"], {"nature_of_request": "diploma"}, NOW_MS + DAY_MS)
    response = respond_to_challenge(challenge, w["alice"].key)
    return w["issuer"].issue(response, "diploma", {"degree": b"BSc"}, expires_at_ms=NOW_MS + 365 * DAY_MS)


def _verify(w, presentation, **kw):
    kw.setdefault("trusted_roots", [w["root_id"]])
    return verify_presentation(w["registry"], presentation, expected_nonce=NONCE, verifier_id=VERIFIER, **kw)


def test_credential_happy_path_is_valid(world):
    credential = _diploma(world)
    assert credential.subject == world["alice_id"] and credential.issuer == world["university_id"]
    assert credential.vc_id == (2).to_bytes(32, "big")  # nonce took 1, vc_id 2
    assert _verify(world, present(credential, NONCE, VERIFIER, world["alice"].key)) == credential.vc_hash


def test_answered_challenge_cannot_be_answered_again(world):
    challenge = world["issuer"].challenge(world["alice_id"], {}, NOW_MS + DAY_MS)
    response = respond_to_challenge(challenge, world["alice"].key)
    world["issuer"].issue(response, "diploma", {}, expires_at_ms=NOW_MS + DAY_MS)
    with pytest.raises(NonceReused):
        world["issuer"].issue(response, "diploma", {}, expires_at_ms=NOW_MS + DAY_MS)


def test_replayed_presentation_with_old_nonce_is_refused(world):
    presentation = present(_diploma(world), bytes(32), VERIFIER, world["alice"].key)
    with pytest.raises(NonceMismatch):
        _verify(world, presentation)


def test_revoked_credential_is_refused_and_revocation_is_single(world):
    credential = _diploma(world)
    revocations = CredentialRevocations(world["registry"])
    nonce, signature = revocations.sign_revocation(credential.vc_hash, world["university_id"], world["university"].key)
    revocations.revoke(credential.vc_hash, world["university_id"], nonce, signature)
    assert revocations.nonce(world["university_id"]) == 1
    with pytest.raises(CredentialRevoked):
        _verify(world, present(credential, NONCE, VERIFIER, world["alice"].key))
    nonce, signature = revocations.sign_revocation(credential.vc_hash, world["university_id"], world["university"].key)
    with pytest.raises(AlreadyRevoked):
        revocations.revoke(credential.vc_hash, world["university_id"], nonce, signature)
    with pytest.raises(InvalidSignature):  # replay of a used nonce
        revocations.revoke(credential.vc_hash, world["university_id"], 0, signature)


def test_revocation_by_a_non_issuer_is_refused_or_ignored(world):
    credential = _diploma(world)
    revocations = CredentialRevocations(world["registry"])
    _, forged = revocations.sign_revocation(credential.vc_hash, world["university_id"], world["alice"].key)
    with pytest.raises(InvalidSignature):
        revocations.revoke(credential.vc_hash, world["university_id"], 0, forged)
    nonce, own = revocations.sign_revocation(credential.vc_hash, world["alice_id"], world["alice"].key)
    revocations.revoke(credential.vc_hash, world["alice_id"], nonce, own)  # posted under alice: ignored
    _verify(world, present(credential, NONCE, VERIFIER, world["alice"].key))


def test_credential_survives_subject_renewal(world):
    credential = _diploma(world)
    renewed = world["pki"].root("alice", key=world["alice"].key, not_after_ms=NOW_MS + 700 * DAY_MS)
    world["registry"].renew_certificate(world["alice_id"], renewed.certificate)
    _verify(world, present(credential, NONCE, VERIFIER, world["alice"].key))


def test_credential_of_an_issuer_under_a_revoked_root_is_untrusted(world):
    credential = _diploma(world)
    world["registry"].revoke(world["root_id"], _revoke(world["root"].key, world["root_id"], 0))
    with pytest.raises(UntrustedIssuer):
        _verify(world, present(credential, NONCE, VERIFIER, world["alice"].key))


def test_challenge_signed_by_an_unregistered_key_is_holder_key_mismatch(world):
    challenge = world["issuer"].challenge(world["alice_id"], {}, NOW_MS + DAY_MS)
    with pytest.raises(HolderKeyMismatch):
        world["issuer"].issue(respond_to_challenge(challenge, generate_key()), "diploma", {},
                              expires_at_ms=NOW_MS + DAY_MS)


def test_expired_credential_and_forged_signatures_are_named(world):
    credential = _diploma(world)
    presentation = present(credential, NONCE, VERIFIER, world["alice"].key)
    with pytest.raises(CredentialExpired):
        _verify(world, presentation, now_ms=credential.expires_at_ms)
    with pytest.raises(BadHolderSignature):
        _verify(world, present(credential, NONCE, VERIFIER, generate_key()))
    tampered = replace(credential, claims={"degree": b"PhD"})
    with pytest.raises(BadIssuerSignature):
        _verify(world, present(tampered, NONCE, VERIFIER, world["alice"].key))


# --- Auto Score ---------------------------------------------------------------------------------------------------
@pytest.fixture
def scoring(registry, pki):
    holder = pki.root("holder", "ecdsa-p256")
    holder_id = registry.register_certificate(holder.certificate)
    attestor = generate_key("ed25519")
    score = AutoScore(registry)
    for evidence_type in EvidenceType:
        score.register_attestor(evidence_type, attestor.public_key())
    return registry, pki, score, holder, holder_id, attestor


def _add(score, attestor, holder, auto_id, evidence_type, secret, *, issued=NOW_MS - DAY_MS, days=30, disclosed=None):
    entry = attest(attestor, EvidenceEntry(int(evidence_type), nullifier_for(evidence_type, secret), issued,
                                           issued + days * DAY_MS, disclosed or {}), auto_id)
    nonce, signature = score.sign_add(holder.key, auto_id, entry)
    score.add_evidence(auto_id, entry, nonce, signature)
    return entry


def test_liveness_passport_alone_scores_9500_high(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    _add(score, attestor, holder, holder_id, EvidenceType.ZK_PASSPORT_LIVENESS, b"passport-1")
    assert score.score(holder_id) == 9_500 and score.level(holder_id) == ScoreLevel.HIGH


def test_credit_card_and_social_accounts_combine_as_noisy_or_with_cap(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    _add(score, attestor, holder, holder_id, EvidenceType.CREDIT_CARD, b"card")
    for i in range(3):
        _add(score, attestor, holder, holder_id, EvidenceType.SOCIAL_ACCOUNT, b"social %d" % i)
    assert score.score(holder_id) == 6_928 and score.level(holder_id) == ScoreLevel.MEDIUM
    _add(score, attestor, holder, holder_id, EvidenceType.SOCIAL_ACCOUNT, b"social 3")
    assert score.score(holder_id) == 6_928
    assert score.nonce(holder_id) == 5


def test_same_passport_on_a_second_auto_id_is_nullifier_in_use_until_removed(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    other = pki.root("other holder")
    other_id = registry.register_certificate(other.certificate)
    entry = _add(score, attestor, holder, holder_id, EvidenceType.ZK_PASSPORT, b"passport")
    before = registry.state()
    with pytest.raises(NullifierInUse):
        _add(score, attestor, other, other_id, EvidenceType.ZK_PASSPORT, b"passport")
    assert registry.state() == before
    nonce, signature = score.sign_remove(holder.key, holder_id, entry.nullifier)
    score.remove_evidence(holder_id, entry.nullifier, nonce, signature)
    _add(score, attestor, other, other_id, EvidenceType.ZK_PASSPORT, b"passport")
    assert score.score(other_id) == 8_500 and score.score(holder_id) == 0
    with pytest.raises(UnknownEvidence):
        nonce, signature = score.sign_remove(holder.key, holder_id, entry.nullifier)
        score.remove_evidence(holder_id, entry.nullifier, nonce, signature)


def test_liveness_replaces_plain_passport_but_duplicates_are_refused(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    _add(score, attestor, holder, holder_id, EvidenceType.ZK_PASSPORT, b"passport")
    _add(score, attestor, holder, holder_id, EvidenceType.ZK_PASSPORT_LIVENESS, b"passport")
    assert [e.type for e in score.evidence(holder_id)] == [EvidenceType.ZK_PASSPORT_LIVENESS]
    with pytest.raises(DuplicateEvidence):
        _add(score, attestor, holder, holder_id, EvidenceType.ZK_PASSPORT, b"passport")


def test_expiring_social_evidence_lowers_the_score(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    _add(score, attestor, holder, holder_id, EvidenceType.SOCIAL_ACCOUNT, b"s", issued=NOW_MS - 80 * DAY_MS, days=90)
    assert score.score(holder_id) == 2_000
    assert score.score(holder_id, now_ms=NOW_MS + 10 * DAY_MS) == 0
    with pytest.raises(EvidenceExpired):  # 100 days old with 90-day validity
        _add(score, attestor, holder, holder_id, EvidenceType.SOCIAL_ACCOUNT, b"t", issued=NOW_MS - 100 * DAY_MS,
             days=100)


def test_attestation_for_another_auto_id_and_revoked_holder_are_refused(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    entry = attest(attestor, EvidenceEntry(1, nullifier_for(1, b"p"), NOW_MS - DAY_MS, NOW_MS + DAY_MS), bytes(32))
    nonce, signature = score.sign_add(holder.key, holder_id, entry)
    with pytest.raises(InvalidEvidenceProof):
        score.add_evidence(holder_id, entry, nonce, signature)
    registry.revoke(holder_id, _revoke(holder.key, holder_id, 0))
    with pytest.raises(CertificateRevoked):
        _add(score, attestor, holder, holder_id, EvidenceType.CREDIT_CARD, b"card")


def test_disclosed_attribute_holds_only_while_evidence_is_live(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    _add(score, attestor, holder, holder_id, EvidenceType.ZK_PASSPORT, b"p", days=30,
         disclosed={"age_over_18": b"\x01"})
    assert score.has_attribute(holder_id, "age_over_18", b"\x01")
    assert not score.has_attribute(holder_id, "age_over_18", b"\x00")
    assert not score.has_attribute(holder_id, "age_over_18", b"\x01", now_ms=NOW_MS + 30 * DAY_MS)


def test_replayed_nonce_and_foreign_signature_are_refused(scoring):
    registry, pki, score, holder, holder_id, attestor = scoring
    entry = attest(attestor, EvidenceEntry(3, nullifier_for(3, b"c"), NOW_MS - DAY_MS, NOW_MS + DAY_MS), holder_id)
    nonce, signature = score.sign_add(holder.key, holder_id, entry)
    with pytest.raises(BadSignature):
        score.add_evidence(holder_id, entry, nonce, sign(generate_key(), b"x"))
    score.add_evidence(holder_id, entry, nonce, signature)
    with pytest.raises(BadNonce):
        score.add_evidence(holder_id, entry, nonce, signature)


def test_weights_are_configurable(registry, pki):
    holder = pki.root("holder")
    holder_id = registry.register_certificate(holder.certificate)
    attestor = generate_key()
    score = AutoScore(registry, weights={EvidenceType.CREDIT_CARD: EvidenceWeight(5_000, 1, 10 * DAY_MS)})
    score.register_attestor(EvidenceType.CREDIT_CARD, attestor.public_key())
    _add(score, attestor, holder, holder_id, EvidenceType.CREDIT_CARD, b"card", days=5)
    assert score.score(holder_id) == 5_000 and score.level(holder_id) == ScoreLevel.MEDIUM
