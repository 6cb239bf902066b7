"""Verifiable claims (credentials) issued to Auto IDs (domains_and_ai.md 3.2; white paper App. D).

Flow: the issuer hands out a `Challenge` (random nonce, subject Auto ID, metadata, expiry); the holder answers with
a `ChallengeResponse` signed by its Auto ID key; the issuer checks it against the subject's *registered* key and
signs a `Credential` to the subject's Auto ID (not to a key). Later the holder shows a `Presentation` signed with
its current key over a verifier's nonce; `verify_presentation` checks it. Issuers revoke on chain by posting the
credential's hash with a signature (`CredentialRevocations.revoke`).

Encodings and messages are exactly those of domains_and_ai.md 3.2 with CE = SCALE (`encoding.py`); an Auto ID
signature is encoded as the struct {algorithm: bytes, value: bytes} ([DESIGN]: the spec writes "signature", and
Auto ID signatures are (AlgorithmIdentifier, value) pairs as on chain). Signed messages are the 32-byte hashes.

Decisions on [UNSURE] points:
* The revocation registry is keyed by (vc_hash, issuer), not vc_hash alone: with a vc_hash-only key, anyone with
  an Auto ID could post a (verifier-ignored) entry first and make the real issuer's revocation fail with
  `AlreadyRevoked`. `AlreadyRevoked` is therefore per issuer.
* The revoke request's nonce must equal the issuer's stored `VcRevokeNonce`; a stale or future nonce can only
  carry a signature over another message, so it is refused as `InvalidSignature`, as the pallet does for
  CertificateAction nonces.
* The issuer's challenge log (handed-out nonces, answered nonces, issued credentials) is issuer-local state; it is
  kept in the same SQLite file so the CLI works across invocations.
* "Key rotation by renewal" cannot happen on chain (protocol.md 1.5 step 6 refuses new keys), so the holder
  signature is checked against whatever key the subject has registered now; a renewed subject keeps working.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from typing import Callable, Collection, Mapping

from .algorithms import PrivateKey, Signature, sign, verify_signature
from .encoding import (encode_b32, encode_signature, encode_str, encode_str_bytes_map, encode_str_str_map, encode_u8,
                       encode_u64)
from .errors import (AlreadyRevoked, AutoIdError, BadHolderSignature, BadIssuerSignature, CredentialExpired,
                     CredentialRevoked, HolderKeyMismatch, InvalidRequest, InvalidSignature, NonceMismatch,
                     NonceReused, UnknownIssuer, UntrustedIssuer)
from .identifier import blake2_256
from .registry import AutoIdRegistry
from .verification import verify_auto_id

CREDENTIAL_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vc_revocations (vc_hash BLOB NOT NULL, issuer BLOB NOT NULL,
    revoked_at_block INTEGER NOT NULL, reason INTEGER NOT NULL, PRIMARY KEY (vc_hash, issuer));
CREATE TABLE IF NOT EXISTS vc_revoke_nonces (issuer BLOB PRIMARY KEY, nonce INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS vc_issuer_challenges (issuer BLOB NOT NULL, nonce BLOB NOT NULL, challenge TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0, credential TEXT, PRIMARY KEY (issuer, nonce));
"""


def _hash(tag: bytes, *parts: bytes) -> bytes:
    return blake2_256(tag + b"".join(parts))


@dataclass(frozen=True)
class Challenge:
    """The issuer's nonce challenge to a subject Auto ID."""

    nonce: bytes
    subject: bytes
    metadata: Mapping[str, str]
    expires_at_ms: int

    def encode(self) -> bytes:
        return (encode_b32(self.nonce) + encode_b32(self.subject) + encode_str_str_map(self.metadata)
                + encode_u64(self.expires_at_ms))

    def signing_message(self) -> bytes:
        """H(b"vc-challenge" ‖ nonce ‖ subject ‖ CE(metadata)) [PAPER: nonce ‖ Auto ID ‖ metadata]."""
        return _hash(b"vc-challenge", encode_b32(self.nonce), encode_b32(self.subject),
                     encode_str_str_map(self.metadata))

    def to_json(self) -> dict:
        return {"nonce": self.nonce.hex(), "subject": self.subject.hex(), "metadata": dict(self.metadata),
                "expires_at_ms": self.expires_at_ms}

    @classmethod
    def from_json(cls, data: dict) -> Challenge:
        return cls(bytes.fromhex(data["nonce"]), bytes.fromhex(data["subject"]), dict(data["metadata"]),
                   int(data["expires_at_ms"]))


@dataclass(frozen=True)
class ChallengeResponse:
    challenge: Challenge
    signature: Signature

    def encode(self) -> bytes:
        return self.challenge.encode() + encode_signature(self.signature)

    def to_json(self) -> dict:
        return {"challenge": self.challenge.to_json(), "signature": _signature_json(self.signature)}

    @classmethod
    def from_json(cls, data: dict) -> ChallengeResponse:
        return cls(Challenge.from_json(data["challenge"]), _signature_from_json(data["signature"]))


@dataclass(frozen=True)
class Credential:
    """A verifiable credential issued to a subject Auto ID (domains_and_ai.md 3.2)."""

    vc_id: bytes
    issuer: bytes
    subject: bytes
    claim_type: str
    claims: Mapping[str, bytes]
    issued_at_ms: int
    expires_at_ms: int
    challenge_hash: bytes
    issuer_signature: Signature = field(default=Signature(b"", b""))
    version: int = CREDENTIAL_VERSION

    def encode_unsigned(self) -> bytes:
        return (encode_u8(self.version) + encode_b32(self.vc_id) + encode_b32(self.issuer)
                + encode_b32(self.subject) + encode_str(self.claim_type) + encode_str_bytes_map(self.claims)
                + encode_u64(self.issued_at_ms) + encode_u64(self.expires_at_ms) + encode_b32(self.challenge_hash))

    def signing_message(self) -> bytes:
        """H(b"vc" ‖ CE(all fields but the issuer signature))."""
        return _hash(b"vc", self.encode_unsigned())

    def encode(self) -> bytes:
        return self.encode_unsigned() + encode_signature(self.issuer_signature)

    @property
    def vc_hash(self) -> bytes:
        """H(b"vc-hash" ‖ CE(Credential)): what a revocation posts."""
        return _hash(b"vc-hash", self.encode())

    def to_json(self) -> dict:
        return {"version": self.version, "vc_id": self.vc_id.hex(), "issuer": self.issuer.hex(),
                "subject": self.subject.hex(), "claim_type": self.claim_type,
                "claims": {k: v.hex() for k, v in self.claims.items()}, "issued_at_ms": self.issued_at_ms,
                "expires_at_ms": self.expires_at_ms, "challenge_hash": self.challenge_hash.hex(),
                "issuer_signature": _signature_json(self.issuer_signature)}

    @classmethod
    def from_json(cls, data: dict) -> Credential:
        return cls(bytes.fromhex(data["vc_id"]), bytes.fromhex(data["issuer"]), bytes.fromhex(data["subject"]),
                   str(data["claim_type"]), {k: bytes.fromhex(v) for k, v in data["claims"].items()},
                   int(data["issued_at_ms"]), int(data["expires_at_ms"]), bytes.fromhex(data["challenge_hash"]),
                   _signature_from_json(data["issuer_signature"]), int(data["version"]))


@dataclass(frozen=True)
class Presentation:
    """A credential shown to a verifier, signed by the holder's current key over the verifier's nonce."""

    credential: Credential
    verifier_nonce: bytes
    verifier_id: bytes
    holder_signature: Signature

    @staticmethod
    def signing_message(verifier_nonce: bytes, vc_hash: bytes, verifier_id: bytes) -> bytes:
        return _hash(b"vc-present", encode_b32(verifier_nonce), encode_b32(vc_hash), encode_b32(verifier_id))

    def to_json(self) -> dict:
        return {"credential": self.credential.to_json(), "verifier_nonce": self.verifier_nonce.hex(),
                "verifier_id": self.verifier_id.hex(), "holder_signature": _signature_json(self.holder_signature)}

    @classmethod
    def from_json(cls, data: dict) -> Presentation:
        return cls(Credential.from_json(data["credential"]), bytes.fromhex(data["verifier_nonce"]),
                   bytes.fromhex(data["verifier_id"]), _signature_from_json(data["holder_signature"]))


@dataclass(frozen=True)
class RevocationEntry:
    vc_hash: bytes
    issuer: bytes
    revoked_at_block: int
    reason: int


def _signature_json(signature: Signature) -> dict:
    return {"algorithm": signature.algorithm.hex(), "value": signature.value.hex()}


def _signature_from_json(data: dict) -> Signature:
    return Signature(bytes.fromhex(data["algorithm"]), bytes.fromhex(data["value"]))


def parse_json(kind: type, text: str | bytes):  # noqa: ANN201 - returns an instance of `kind`
    """Decode a Challenge / ChallengeResponse / Credential / Presentation from JSON; InvalidRequest if malformed."""
    try:
        return kind.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidRequest(f"not a {kind.__name__}: {type(exc).__name__}: {exc}") from None


# --- holder side ----------------------------------------------------------------------------------------------
def respond_to_challenge(challenge: Challenge, holder_key: PrivateKey) -> ChallengeResponse:
    """The holder signs the challenge with its Auto ID key (App. D.2 step 5)."""
    return ChallengeResponse(challenge, sign(holder_key, challenge.signing_message()))


def present(credential: Credential, verifier_nonce: bytes, verifier_id: bytes, holder_key: PrivateKey) -> Presentation:
    """The holder shows a credential, signing the verifier's nonce (App. D.4 step 2)."""
    message = Presentation.signing_message(verifier_nonce, credential.vc_hash, verifier_id)
    return Presentation(credential, verifier_nonce, verifier_id, sign(holder_key, message))


# --- issuer side ----------------------------------------------------------------------------------------------
class CredentialIssuer:
    """An Auto ID that issues credentials; its challenge log lives in the registry's SQLite file."""

    def __init__(self, registry: AutoIdRegistry, issuer_id: bytes, issuer_key: PrivateKey,
                 random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> None:
        self.registry = registry
        self.issuer_id = bytes(issuer_id)
        self.issuer_key = issuer_key
        self.random_bytes = random_bytes
        registry.ensure_schema(_SCHEMA)

    def challenge(self, subject: bytes, metadata: Mapping[str, str], expires_at_ms: int) -> Challenge:
        """A fresh challenge for `subject` (App. D.2 step 4); remembered so it can be answered once."""
        challenge = Challenge(self.random_bytes(32), bytes(subject), dict(metadata), expires_at_ms)
        challenge.encode()  # validates sizes before anything is stored
        with self.registry.transaction() as db:
            db.execute("INSERT INTO vc_issuer_challenges (issuer, nonce, challenge) VALUES (?, ?, ?)",
                       (self.issuer_id, challenge.nonce, json.dumps(challenge.to_json())))
        return challenge

    def issue(self, response: ChallengeResponse, claim_type: str, claims: Mapping[str, bytes], *,
              expires_at_ms: int) -> Credential:
        """Check the holder's answer and sign a credential to its Auto ID (App. D.2 steps 6-7)."""
        now = self.registry.now()
        challenge = response.challenge
        with self.registry.transaction() as db:
            row = db.execute("SELECT challenge, answered FROM vc_issuer_challenges WHERE issuer = ? AND nonce = ?",
                             (self.issuer_id, bytes(challenge.nonce))).fetchone()
            if row is None or row[1] or Challenge.from_json(json.loads(row[0])) != challenge \
                    or now > challenge.expires_at_ms:
                raise NonceReused("challenge nonce is not an open, unexpired challenge of this issuer")
            subject = verify_auto_id(self.registry, challenge.subject)[0]
            try:
                verify_signature(subject.subject_public_key_info, response.signature.algorithm,
                                 challenge.signing_message(), response.signature.value)
            except InvalidSignature:
                raise HolderKeyMismatch("challenge response is not signed by the subject's registered key") from None
            credential = Credential(
                vc_id=self.random_bytes(32), issuer=self.issuer_id, subject=challenge.subject, claim_type=claim_type,
                claims=dict(claims), issued_at_ms=now, expires_at_ms=expires_at_ms,
                challenge_hash=blake2_256(response.encode()))
            credential = replace(credential, issuer_signature=sign(self.issuer_key, credential.signing_message()))
            db.execute("UPDATE vc_issuer_challenges SET answered = 1, credential = ? WHERE issuer = ? AND nonce = ?",
                       (json.dumps(credential.to_json()), self.issuer_id, bytes(challenge.nonce)))
        return credential


# --- on-chain revocation registry -----------------------------------------------------------------------------
class CredentialRevocations:
    """map[(vc_hash, issuer) → RevocationEntry] and VcRevokeNonce[issuer], in the registry's SQLite file."""

    def __init__(self, registry: AutoIdRegistry) -> None:
        self.registry = registry
        registry.ensure_schema(_SCHEMA)

    def nonce(self, issuer: bytes) -> int:
        row = self.registry.db.execute("SELECT nonce FROM vc_revoke_nonces WHERE issuer = ?",
                                       (bytes(issuer),)).fetchone()
        return row[0] if row else 0

    @staticmethod
    def signing_message(vc_hash: bytes, issuer: bytes, nonce: int) -> bytes:
        return _hash(b"vc-revoke", encode_b32(vc_hash), encode_b32(issuer), encode_u64(nonce))

    def sign_revocation(self, vc_hash: bytes, issuer: bytes, issuer_key: PrivateKey) -> tuple[int, Signature]:
        """The nonce and signature an issuer posts to revoke `vc_hash` now."""
        nonce = self.nonce(issuer)
        return nonce, sign(issuer_key, self.signing_message(vc_hash, issuer, nonce))

    def revoke(self, vc_hash: bytes, issuer: bytes, nonce: int, signature: Signature, *, reason: int = 0,
               block: int = 0) -> RevocationEntry:
        """Post a revocation: UnknownIssuer, InvalidSignature (incl. wrong nonce), AlreadyRevoked; then nonce+1."""
        with self.registry.transaction() as db:
            record = self.registry.get(issuer)
            if record is None:
                raise UnknownIssuer(bytes(issuer).hex() if isinstance(issuer, (bytes, bytearray)) else "")
            if not isinstance(vc_hash, (bytes, bytearray)) or len(vc_hash) != 32:
                raise InvalidRequest("vc_hash must be 32 bytes")
            stored = self.nonce(issuer)
            if nonce != stored:
                raise InvalidSignature(f"revocation nonce {nonce} is not the issuer's current nonce {stored}")
            verify_signature(record.subject_public_key_info, signature.algorithm,
                             self.signing_message(vc_hash, record.identifier, stored), signature.value)
            if self.entry(vc_hash, issuer) is not None:
                raise AlreadyRevoked(bytes(vc_hash).hex())
            entry = RevocationEntry(bytes(vc_hash), record.identifier, block, reason)
            db.execute("INSERT INTO vc_revocations VALUES (?, ?, ?, ?)",
                       (entry.vc_hash, entry.issuer, entry.revoked_at_block, entry.reason))
            db.execute("INSERT OR REPLACE INTO vc_revoke_nonces VALUES (?, ?)", (record.identifier, stored + 1))
        return entry

    def entry(self, vc_hash: bytes, issuer: bytes) -> RevocationEntry | None:
        row = self.registry.db.execute(
            "SELECT vc_hash, issuer, revoked_at_block, reason FROM vc_revocations WHERE vc_hash = ? AND issuer = ?",
            (bytes(vc_hash), bytes(issuer))).fetchone()
        return RevocationEntry(*row) if row else None


# --- verifier side --------------------------------------------------------------------------------------------
def verify_presentation(registry: AutoIdRegistry, presentation: Presentation, *, expected_nonce: bytes,
                        verifier_id: bytes, trusted_roots: Collection[bytes] | None = None,
                        now_ms: int | None = None) -> bytes:
    """Verify a presentation (domains_and_ai.md 3.2); return the credential's vc_hash. First failure wins."""
    now = registry.now() if now_ms is None else now_ms
    credential = presentation.credential
    if presentation.verifier_nonce != expected_nonce or presentation.verifier_id != verifier_id:
        raise NonceMismatch("presentation answers another nonce or verifier")
    if not now < credential.expires_at_ms:
        raise CredentialExpired(f"expired at {credential.expires_at_ms}")
    try:
        issuer = verify_auto_id(registry, credential.issuer, trusted_roots=trusted_roots, now_ms=now)[0]
    except AutoIdError as error:
        raise UntrustedIssuer(error.name) from None
    try:
        vc_hash = credential.vc_hash
        verify_signature(issuer.subject_public_key_info, credential.issuer_signature.algorithm,
                         credential.signing_message(), credential.issuer_signature.value)
    except (InvalidSignature, InvalidRequest):
        raise BadIssuerSignature("credential is not signed by its issuer's registered key") from None
    subject = registry.get(credential.subject)
    if subject is None or not subject.is_valid_at(now):
        raise BadHolderSignature("subject has no currently valid registered key")
    try:
        verify_signature(subject.subject_public_key_info, presentation.holder_signature.algorithm,
                         Presentation.signing_message(presentation.verifier_nonce, vc_hash, presentation.verifier_id),
                         presentation.holder_signature.value)
    except (InvalidSignature, InvalidRequest):
        raise BadHolderSignature("presentation is not signed by the subject's current key") from None
    if CredentialRevocations(registry).entry(vc_hash, credential.issuer) is not None:
        raise CredentialRevoked(vc_hash.hex())
    return vc_hash
