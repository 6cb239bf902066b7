"""Named refusals of Auto ID (protocol.md section 1, domains_and_ai.md sections 3.1-3.3).

Every refusal is an exception whose class name is the error name the network uses, so the same request fails
with the same name here as on chain (`CertificateSerialAlreadyIssued`, `InvalidSignature`, ...). Callers that
only want the name read `error.name`. Errors that exist only above the on-chain registry (claims, Auto Score,
chain-of-trust walking, local key handling) carry the names of domains_and_ai.md or, where that file names none,
a [DESIGN] name documented on the class.
"""

from __future__ import annotations


class AutoIdError(Exception):
    """Base class: a request refused with a named error; nothing it touched was changed."""

    @property
    def name(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        detail = super().__str__()
        return f"{self.name}: {detail}" if detail else self.name


# --- on-chain registry errors (protocol.md 1.3-1.8), names exactly as the pallet's ---
class InvalidCertificate(AutoIdError):
    """TBS (or full certificate / PEM) is not decodable DER, has unconvertible validity or no subject CN."""


class InvalidSignature(AutoIdError):
    """Signature does not verify with the required key, or its algorithm is not supported."""


class ExpiredCertificate(AutoIdError):
    """A certificate's validity period does not contain now (covers not-yet-valid too)."""


class AutoIdIdentifierAlreadyExists(AutoIdError):
    """The derived identifier is already registered."""


class UnknownIssuer(AutoIdError):
    """The named issuer is not registered (also deactivate's 'unknown target', sic, protocol.md 1.7)."""


class UnknownAutoId(AutoIdError):
    """The target Auto ID is not registered."""


class CertificateRevoked(AutoIdError):
    """The issuer's current serial or the certificate's serial is in the issuer's revocation list."""


class CertificateAlreadyRevoked(AutoIdError):
    """Revocation of a serial that is already revoked (or whose signer is revoked)."""


class CertificateSerialAlreadyIssued(AutoIdError):
    """The issuer already issued a certificate with this serial."""


class PublicKeyMismatch(AutoIdError):
    """A renewal tried to change the registered public key."""


class AutoIdIdentifierMismatch(AutoIdError):
    """A renewal's certificate derives a different identifier than the one renewed."""


class NonceOverflow(AutoIdError):
    """The signer's 256-bit nonce cannot be incremented any more."""


# --- above the registry: chain of trust and co-issuance (domains_and_ai.md 3.3) ---
class ChainTooLong(AutoIdError):
    """The issuer chain has a cycle or is deeper than the verification limit."""


class UntrustedRoot(AutoIdError):
    """[DESIGN] The chain ends at a registered root that the verifier does not trust."""


class InsufficientCoIssuers(AutoIdError):
    """[DESIGN] Fewer than k of the listed co-issuers signed the certificate validly."""


# --- local input handling (keys, algorithms), never sent on chain ---
class InvalidPrivateKey(AutoIdError):
    """[DESIGN] A private key file or object is not a usable PEM/DER private key."""


class UnsupportedAlgorithm(AutoIdError):
    """[DESIGN] A key type or signature algorithm outside Ed25519, ECDSA P-256/P-384 and RSA."""


class InvalidRequest(AutoIdError):
    """[DESIGN] A locally built request is malformed (e.g. a bad hex identifier, wrong-size nonce)."""


# --- verifiable credentials (domains_and_ai.md 3.2) ---
class NonceReused(AutoIdError):
    """A challenge nonce was already answered, or is not one the issuer handed out, or has expired."""


class HolderKeyMismatch(AutoIdError):
    """The challenge response is not signed by the subject's registered key."""


class AlreadyRevoked(AutoIdError):
    """The credential hash is already in the on-chain credential revocation registry."""


class NonceMismatch(AutoIdError):
    """The presentation answers a different verifier nonce or verifier id."""


class CredentialExpired(AutoIdError):
    """The credential's expiry has passed."""


class UntrustedIssuer(AutoIdError):
    """The credential issuer's Auto ID is not registered, valid, unrevoked and chained to a trusted root."""


class BadIssuerSignature(AutoIdError):
    """The credential's issuer signature does not verify with the issuer's registered key."""


class BadHolderSignature(AutoIdError):
    """The presentation is not signed by the subject's currently registered key."""


class CredentialRevoked(AutoIdError):
    """The credential's issuer posted a revocation for its hash."""


# --- Auto Score (domains_and_ai.md 3.1) ---
class BadNonce(AutoIdError):
    """The request's nonce is not the holder's current score nonce."""


class BadSignature(AutoIdError):
    """The request is not signed by the holder's registered key."""


class UnknownEvidenceType(AutoIdError):
    """The evidence type has no configured weight."""


class UnknownVerifier(AutoIdError):
    """The verifier is not registered for the evidence type."""


class EvidenceExpired(AutoIdError):
    """The evidence is outside its issue/expiry window or longer-lived than its type allows."""


class InvalidEvidenceProof(AutoIdError):
    """The evidence proof does not verify."""


class NullifierInUse(AutoIdError):
    """The evidence's nullifier is bound to another Auto ID."""


class DuplicateEvidence(AutoIdError):
    """The evidence's nullifier is already bound to this Auto ID."""


class UnknownEvidence(AutoIdError):
    """No evidence with this nullifier is bound to this Auto ID."""


ALL_ERRORS: tuple[type[AutoIdError], ...] = tuple(
    cls for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, AutoIdError) and cls is not AutoIdError
)
