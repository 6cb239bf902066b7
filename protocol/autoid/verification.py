"""Verifying a registered Auto ID and messages signed with it (white paper App. B; domains_and_ai.md 3.3).

`verify_auto_id` follows App. B.3 of the white paper: the Auto ID is registered, within its validity period, not in
its signer's revocation list, and every link of its issuer chain up to a root is registered, valid, unrevoked and
signed by the next key up (the root by itself), ending at a root the verifier trusts. A co-issued leaf must still
have at least k valid signers. The first failing check names the error:

1. unknown identifier → `UnknownAutoId` (an unknown issuer further up → `UnknownIssuer`)
2. outside validity → `ExpiredCertificate`
3. serial in the signer's CRL → `CertificateRevoked`
4. certificate signature does not verify with the issuer's (root: own) key → `InvalidSignature`
5. co-issuance below threshold → `InsufficientCoIssuers`
6. a cycle or more than `MAX_CHAIN_DEPTH` links → `ChainTooLong` (domains_and_ai.md 3.3)
7. the root reached is not in `trusted_roots` → `UntrustedRoot` ([DESIGN]; `trusted_roots=None` trusts every
   registered root, which is the network's own view)

`sign_message` / `verify_message` are App. B.1-B.2: any bytes signed with the Auto ID's key, checked with the
registered SPKI after the Auto ID itself verifies.
"""

from __future__ import annotations

from typing import Collection

from .algorithms import PrivateKey, Signature, sign, verify_signature
from .errors import (CertificateRevoked, ChainTooLong, ExpiredCertificate, InsufficientCoIssuers, InvalidSignature,
                     UnknownAutoId, UnknownIssuer, UntrustedRoot)
from .registry import AutoIdRecord, AutoIdRegistry

MAX_CHAIN_DEPTH = 8
"""Most issuer links walked from an Auto ID to its root (domains_and_ai.md 3.3: depth > 8 → ChainTooLong)."""


def verify_auto_id(registry: AutoIdRegistry, auto_id: bytes, *, trusted_roots: Collection[bytes] | None = None,
                   now_ms: int | None = None) -> list[AutoIdRecord]:
    """Verify `auto_id` and its chain of trust; return the chain from the Auto ID up to its root."""
    now = registry.now() if now_ms is None else now_ms
    record = registry.get(auto_id)
    if record is None:
        raise UnknownAutoId(bytes(auto_id).hex() if isinstance(auto_id, (bytes, bytearray)) else repr(auto_id))
    chain = [record]
    seen = {record.identifier}
    while True:
        _check_link(registry, record, now)
        if record.issuer_id is None:
            break
        issuer = registry.get(record.issuer_id)
        if issuer is None:
            raise UnknownIssuer(record.issuer_id.hex())
        verify_signature(issuer.subject_public_key_info, record.signature_algorithm, record.tbs, record.signature)
        if record.co_issuance is not None:
            signers = registry.valid_co_signers(issuer, record.tbs, record.co_issuance, now)
            if len(signers) < record.co_issuance.threshold:
                raise InsufficientCoIssuers(f"{len(signers)} of {record.co_issuance.threshold} signers still valid")
        if issuer.identifier in seen or len(chain) > MAX_CHAIN_DEPTH:
            raise ChainTooLong(f"chain longer than {MAX_CHAIN_DEPTH} links or cyclic")
        seen.add(issuer.identifier)
        chain.append(issuer)
        record = issuer
    verify_signature(record.subject_public_key_info, record.signature_algorithm, record.tbs, record.signature)
    if trusted_roots is not None and record.identifier not in {bytes(r) for r in trusted_roots}:
        raise UntrustedRoot(record.identifier.hex())
    return chain


def _check_link(registry: AutoIdRegistry, record: AutoIdRecord, now: int) -> None:
    if not record.is_valid_at(now):
        raise ExpiredCertificate(f"{record.identifier.hex()} is not valid now")
    if registry.is_revoked(record):
        raise CertificateRevoked(f"{record.identifier.hex()} serial {record.serial:#x} is revoked")


def sign_message(key: PrivateKey, message: bytes) -> Signature:
    """Sign any bytes with an Auto ID's private key (App. B.1)."""
    return sign(key, message)


def verify_message(registry: AutoIdRegistry, auto_id: bytes, message: bytes, signature: Signature, *,
                   trusted_roots: Collection[bytes] | None = None, now_ms: int | None = None) -> None:
    """Check that `message` was signed by the current key of a verifying Auto ID (App. B.2-B.3)."""
    chain = verify_auto_id(registry, auto_id, trusted_roots=trusted_roots, now_ms=now_ms)
    if not isinstance(signature, Signature) or not isinstance(message, (bytes, bytearray)):
        raise InvalidSignature("expected message bytes and a Signature(algorithm, value)")
    verify_signature(chain[0].subject_public_key_info, signature.algorithm, message, signature.value)
