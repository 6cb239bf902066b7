"""Property tests: any mutated DER, signature or nonce is refused with a named error and changes nothing."""

from __future__ import annotations


from autoid_support import NOW_MS, Pki
from cryptography import x509
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from protocol.autoid import (AutoIdError, AutoIdRegistry, CertificateActionType, InvalidSignature,
                             certificate_action_message, decode_tbs, sign, split_certificate)
from protocol.autoid.errors import ALL_ERRORS

PKI = Pki()
ROOT = PKI.root("property root")
LEAF = PKI.leaf("property leaf", ROOT)
NAMES = {cls.__name__ for cls in ALL_ERRORS}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _registry_with_root_and_leaf() -> tuple[AutoIdRegistry, bytes, bytes]:
    registry = AutoIdRegistry(":memory:", clock=lambda: NOW_MS)
    root_id = registry.register_certificate(ROOT.certificate)
    leaf_id = registry.register_certificate(LEAF.certificate, root_id)
    return registry, root_id, leaf_id


REGISTRY, ROOT_ID, LEAF_ID = _registry_with_root_and_leaf()
OTHER_LEAF = PKI.leaf("another leaf", ROOT)
OTHER_PARTS = split_certificate(OTHER_LEAF.certificate)
ROOT_PARTS = split_certificate(PKI.root("another root").certificate)


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for position, value in edits:
        out[position % len(out)] ^= value
    return bytes(out)


edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=4)


@SETTINGS
@given(edits=edits, as_leaf=st.booleans())
def test_mutated_tbs_is_refused_with_a_named_error_and_nothing_changes(edits, as_leaf):
    parts = OTHER_PARTS if as_leaf else ROOT_PARTS
    mutated = _mutate(parts.tbs, edits)
    assume(mutated != parts.tbs)
    before = REGISTRY.state()
    try:
        REGISTRY.register(mutated, parts.signature_algorithm, parts.signature, ROOT_ID if as_leaf else None)
    except AutoIdError as error:
        assert error.name in NAMES
    else:
        raise AssertionError("a mutated TBS was accepted")
    assert REGISTRY.state() == before


@SETTINGS
@given(edits=edits)
def test_mutated_signature_is_invalid_signature_and_nothing_changes(edits):
    mutated = _mutate(OTHER_PARTS.signature, edits)
    assume(mutated != OTHER_PARTS.signature)
    before = REGISTRY.state()
    try:
        REGISTRY.register(OTHER_PARTS.tbs, OTHER_PARTS.signature_algorithm, mutated, ROOT_ID)
    except InvalidSignature:
        pass
    else:
        raise AssertionError("a mutated signature was accepted")
    assert REGISTRY.state() == before


@SETTINGS
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_as_certificate_never_escape_as_tracebacks(data):
    before = REGISTRY.state()
    try:
        REGISTRY.register_certificate(data, ROOT_ID)
    except AutoIdError as error:
        assert error.name in NAMES
    assert REGISTRY.state() == before


@SETTINGS
@given(nonce=st.integers(1, (1 << 256) - 1), action=st.sampled_from(list(CertificateActionType)))
def test_revocation_signed_for_another_nonce_or_action_is_refused(nonce, action):
    message = certificate_action_message(LEAF_ID, nonce, action)
    if action == CertificateActionType.DEACTIVATE_AUTO_ID:
        message = certificate_action_message(LEAF_ID, nonce - 1, action)  # includes the right nonce 0 case
    before = REGISTRY.state()
    try:
        REGISTRY.revoke(LEAF_ID, sign(ROOT.key, message))
    except InvalidSignature:
        pass
    else:
        raise AssertionError("a revocation for another nonce/action was accepted")
    assert REGISTRY.state() == before


@settings(max_examples=25, deadline=None)
@given(cn=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
       .filter(lambda s: len(s.encode()) <= 64),  # X.509 CN upper bound (64) as cryptography counts it
       serial=st.integers(1, (1 << 159) - 1),
       start=st.integers(0, 4_000_000_000), length=st.integers(0, 10**9))
def test_tbs_decoder_agrees_with_cryptography(cn, serial, start, length):
    cert = PKI.root.__func__(Pki(now_ms=start * 1000), cn, key=ROOT.key, serial=serial,
                             not_before_ms=start * 1000, not_after_ms=(start + length) * 1000).certificate
    parsed = x509.load_der_x509_certificate(cert)
    tbs = decode_tbs(split_certificate(cert).tbs)
    assert tbs.serial == parsed.serial_number
    assert tbs.subject_common_name == cn.encode()
    assert tbs.not_before_ms == int(parsed.not_valid_before_utc.timestamp()) * 1000
    assert tbs.not_after_ms == int(parsed.not_valid_after_utc.timestamp()) * 1000
    assert tbs.raw == parsed.tbs_certificate_bytes


def test_unmutated_inputs_of_the_property_tests_are_accepted():
    registry, root_id, _ = _registry_with_root_and_leaf()
    registry.register(OTHER_PARTS.tbs, OTHER_PARTS.signature_algorithm, OTHER_PARTS.signature, root_id)
    registry.register(ROOT_PARTS.tbs, ROOT_PARTS.signature_algorithm, ROOT_PARTS.signature)
    registry.revoke(LEAF_ID, sign(ROOT.key, certificate_action_message(LEAF_ID, 0, CertificateActionType(0))))
    assert len(registry.auto_ids()) == 4
