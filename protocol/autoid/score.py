"""Auto Score: probabilistic proof of personhood from weighted evidence (domains_and_ai.md 3.1; white paper §B).

Each piece of evidence (a ZK passport, a credit card or social account proven by zkTLS, ...) is a privately
proven claim about the holder of an Auto ID. Its type carries a weight in basis points (how hard it is to forge),
a cap (how many of that type count) and a maximum validity. The score is a noisy-OR: with q = 10,000 and each
counted weight w (heaviest first), q = q * (10,000 - w) // 10,000 and score = 10,000 - q, i.e. the chance that
*all* evidence is non-human shrinks multiplicatively. Scores are computed on read, so expiry lowers them.

Weights are configuration (`EvidenceWeight` per type, defaults `DEFAULT_WEIGHTS` from the spec's table) passed to
`AutoScore`; evidence, nullifiers, verifiers and nonces persist in the registry's SQLite file. Proofs are checked
by a pluggable `ProofVerifier`; the built-in one is the spec's *attestor mode*: an Ed25519 signature by a
registered attestor key over H(b"autoscore-attest" ‖ public_inputs). Its verifier id is blake2_256(public key)
([DESIGN]).

[DESIGN] on the spec's "the liveness variant replaces the plain one": adding `ZkPassportLiveness` whose nullifier
is bound to this Auto ID by a `ZkPassport` entry replaces that entry; any other reuse on the same Auto ID is
`DuplicateEvidence`. `remove_evidence` checks, in order: Auto ID exists, nonce, signature, evidence present.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Mapping, Protocol

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .algorithms import PrivateKey, Signature, sign, verify_signature
from .encoding import encode_b32, encode_bytes, encode_str_bytes_map, encode_u8, encode_u64
from .errors import (BadNonce, BadSignature, CertificateRevoked, DuplicateEvidence, EvidenceExpired,
                     ExpiredCertificate, InvalidEvidenceProof, InvalidRequest, InvalidSignature, NullifierInUse,
                     UnknownAutoId, UnknownEvidence, UnknownEvidenceType, UnknownVerifier)
from .identifier import blake2_256
from .registry import AutoIdRecord, AutoIdRegistry

BPS = 10_000
DAY_MS = 86_400_000


class EvidenceType(IntEnum):
    ZK_PASSPORT_LIVENESS = 0
    ZK_PASSPORT = 1
    GOVERNMENT_DOCUMENT = 2
    CREDIT_CARD = 3
    SOCIAL_ACCOUNT = 4
    NETWORK_PARTICIPATION = 5
    AUTONOMYS_ACTIVITY = 6


class ScoreLevel(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3


LEVEL_THRESHOLDS = ((2_000, ScoreLevel.NONE), (5_000, ScoreLevel.LOW), (8_500, ScoreLevel.MEDIUM))
"""score < 2,000 → None, < 5,000 → Low, < 8,500 → Medium, else High (domains_and_ai.md 3.1)."""


@dataclass(frozen=True)
class EvidenceWeight:
    weight_bps: int
    cap: int
    validity_ms: int


DEFAULT_WEIGHTS: Mapping[int, EvidenceWeight] = {
    EvidenceType.ZK_PASSPORT_LIVENESS: EvidenceWeight(9_500, 1, 365 * DAY_MS),
    EvidenceType.ZK_PASSPORT: EvidenceWeight(8_500, 1, 365 * DAY_MS),
    EvidenceType.GOVERNMENT_DOCUMENT: EvidenceWeight(7_500, 1, 365 * DAY_MS),
    EvidenceType.CREDIT_CARD: EvidenceWeight(4_000, 1, 180 * DAY_MS),
    EvidenceType.SOCIAL_ACCOUNT: EvidenceWeight(2_000, 3, 90 * DAY_MS),
    EvidenceType.NETWORK_PARTICIPATION: EvidenceWeight(2_500, 2, 180 * DAY_MS),
    EvidenceType.AUTONOMYS_ACTIVITY: EvidenceWeight(1_000, 1, 30 * DAY_MS),
}

PASSPORT_TYPES = frozenset({EvidenceType.ZK_PASSPORT_LIVENESS, EvidenceType.ZK_PASSPORT})


def type_group(evidence_type: int) -> int:
    """Nullifier space of a type: the two passport types share group 0, every other type is its own group."""
    return 0 if evidence_type in PASSPORT_TYPES else int(evidence_type)


def nullifier_for(evidence_type: int, document_secret: bytes) -> bytes:
    """H(b"autoscore-null" ‖ u8(type group) ‖ document_secret): the same document gives the same nullifier."""
    return blake2_256(b"autoscore-null" + encode_u8(type_group(evidence_type)) + document_secret)


@dataclass(frozen=True)
class EvidenceEntry:
    type: int
    nullifier: bytes
    issued_at_ms: int
    expires_at_ms: int
    disclosed: Mapping[str, bytes] = field(default_factory=dict)
    verifier_id: bytes = bytes(32)
    proof: bytes = b""

    def encode(self) -> bytes:
        return (encode_u8(self.type) + encode_b32(self.nullifier) + encode_u64(self.issued_at_ms)
                + encode_u64(self.expires_at_ms) + encode_str_bytes_map(self.disclosed)
                + encode_b32(self.verifier_id) + encode_bytes(self.proof))

    def public_inputs(self, auto_id: bytes) -> bytes:
        """CE(type, nullifier, auto_id, issued, expires, disclosed): what the proof is about."""
        return (encode_u8(self.type) + encode_b32(self.nullifier) + encode_b32(auto_id)
                + encode_u64(self.issued_at_ms) + encode_u64(self.expires_at_ms)
                + encode_str_bytes_map(self.disclosed))

    def is_live_at(self, now_ms: int) -> bool:
        return self.issued_at_ms <= now_ms < self.expires_at_ms

    def to_json(self) -> str:
        return json.dumps({"type": self.type, "nullifier": self.nullifier.hex(), "issued": self.issued_at_ms,
                           "expires": self.expires_at_ms, "disclosed": {k: v.hex() for k, v in self.disclosed.items()},
                           "verifier_id": self.verifier_id.hex(), "proof": self.proof.hex()})

    @classmethod
    def from_json(cls, text: str) -> EvidenceEntry:
        d = json.loads(text)
        return cls(d["type"], bytes.fromhex(d["nullifier"]), d["issued"], d["expires"],
                   {k: bytes.fromhex(v) for k, v in d["disclosed"].items()}, bytes.fromhex(d["verifier_id"]),
                   bytes.fromhex(d["proof"]))


class ProofVerifier(Protocol):
    """verify(type, verifier_id, public_inputs, proof) → bool; ZK circuits plug in behind this call."""

    def __call__(self, evidence_type: int, verifier_id: bytes, public_inputs: bytes, proof: bytes) -> bool: ...


def attest_message(public_inputs: bytes) -> bytes:
    return blake2_256(b"autoscore-attest" + public_inputs)


def attestor_verifier_id(public_key: ed25519.Ed25519PublicKey) -> bytes:
    """[DESIGN] The verifier id of an attestor key: blake2_256 of its raw 32-byte public key."""
    return blake2_256(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def attest(attestor_key: ed25519.Ed25519PrivateKey, entry: EvidenceEntry, auto_id: bytes) -> EvidenceEntry:
    """The attestor's proof for an entry about `auto_id` (test verifier of domains_and_ai.md 3.1)."""
    verifier_id = attestor_verifier_id(attestor_key.public_key())
    unsigned = replace(entry, verifier_id=verifier_id)
    return replace(unsigned, proof=attestor_key.sign(attest_message(unsigned.public_inputs(auto_id))))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS score_evidence (auto_id BLOB NOT NULL, nullifier BLOB NOT NULL, type INTEGER NOT NULL,
    entry TEXT NOT NULL, PRIMARY KEY (auto_id, nullifier));
CREATE TABLE IF NOT EXISTS score_nullifiers (nullifier BLOB PRIMARY KEY, auto_id BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS score_nonces (auto_id BLOB PRIMARY KEY, nonce INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS score_verifiers (type INTEGER NOT NULL, verifier_id BLOB NOT NULL,
    attestor_key BLOB, PRIMARY KEY (type, verifier_id));
"""


def add_message(auto_id: bytes, entry: EvidenceEntry, nonce: int) -> bytes:
    return blake2_256(b"autoscore-add" + encode_b32(auto_id) + entry.encode() + encode_u64(nonce))


def remove_message(auto_id: bytes, nullifier: bytes, nonce: int) -> bytes:
    return blake2_256(b"autoscore-remove" + encode_b32(auto_id) + encode_b32(nullifier) + encode_u64(nonce))


class AutoScore:
    """Evidence per Auto ID and the score computed from it (domains_and_ai.md 3.1)."""

    def __init__(self, registry: AutoIdRegistry, weights: Mapping[int, EvidenceWeight] | None = None,
                 proof_verifier: ProofVerifier | None = None) -> None:
        self.registry = registry
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        for evidence_type, weight in self.weights.items():
            if not (0 <= weight.weight_bps <= BPS and weight.cap >= 0 and weight.validity_ms >= 0):
                raise InvalidRequest(f"bad weight for type {evidence_type}: {weight}")
        self.proof_verifier = proof_verifier or self._attestor_verify
        registry.ensure_schema(_SCHEMA)

    # --- governance -------------------------------------------------------------------------------------------
    def register_attestor(self, evidence_type: int, public_key: ed25519.Ed25519PublicKey) -> bytes:
        """Register an attestor key as a verifier for one evidence type; return its verifier id."""
        verifier_id = attestor_verifier_id(public_key)
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        with self.registry.transaction() as db:
            db.execute("INSERT OR REPLACE INTO score_verifiers VALUES (?, ?, ?)", (int(evidence_type), verifier_id, raw))
        return verifier_id

    def register_verifier(self, evidence_type: int, verifier_id: bytes) -> None:
        """Register a non-attestor verifier (a ZK circuit checked by `proof_verifier`)."""
        with self.registry.transaction() as db:
            db.execute("INSERT OR REPLACE INTO score_verifiers VALUES (?, ?, NULL)",
                       (int(evidence_type), bytes(verifier_id)))

    def _attestor_verify(self, evidence_type: int, verifier_id: bytes, public_inputs: bytes, proof: bytes) -> bool:
        row = self.registry.db.execute("SELECT attestor_key FROM score_verifiers WHERE type = ? AND verifier_id = ?",
                                       (int(evidence_type), verifier_id)).fetchone()
        if row is None or row[0] is None:
            return False
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(row[0]).verify(proof, attest_message(public_inputs))
        except (_CryptoInvalidSignature, ValueError):
            return False
        return True

    # --- reads ------------------------------------------------------------------------------------------------
    def nonce(self, auto_id: bytes) -> int:
        row = self.registry.db.execute("SELECT nonce FROM score_nonces WHERE auto_id = ?", (bytes(auto_id),)).fetchone()
        return row[0] if row else 0

    def evidence(self, auto_id: bytes) -> list[EvidenceEntry]:
        rows = self.registry.db.execute("SELECT entry FROM score_evidence WHERE auto_id = ? ORDER BY rowid",
                                        (bytes(auto_id),)).fetchall()
        return [EvidenceEntry.from_json(r[0]) for r in rows]

    def score(self, auto_id: bytes, now_ms: int | None = None) -> int:
        """0..10,000 noisy-OR of the live, capped evidence."""
        now = self.registry.now() if now_ms is None else now_ms
        live = [e for e in self.evidence(auto_id) if e.is_live_at(now) and e.type in self.weights]
        kept: list[EvidenceEntry] = []
        for evidence_type in sorted({e.type for e in live}):
            of_type = sorted((e for e in live if e.type == evidence_type), key=lambda e: (e.issued_at_ms, e.nullifier))
            kept.extend(of_type[: self.weights[evidence_type].cap])
        kept.sort(key=lambda e: (-self.weights[e.type].weight_bps, e.type, e.nullifier))
        q = BPS
        for entry in kept:
            q = q * (BPS - self.weights[entry.type].weight_bps) // BPS
        return BPS - q

    def level(self, auto_id: bytes, now_ms: int | None = None) -> ScoreLevel:
        value = self.score(auto_id, now_ms)
        for bound, level in LEVEL_THRESHOLDS:
            if value < bound:
                return level
        return ScoreLevel.HIGH

    def has_attribute(self, auto_id: bytes, key: str, value: bytes, now_ms: int | None = None) -> bool:
        now = self.registry.now() if now_ms is None else now_ms
        return any(e.is_live_at(now) and e.disclosed.get(key) == value for e in self.evidence(auto_id))

    # --- calls ------------------------------------------------------------------------------------------------
    def sign_add(self, holder_key: PrivateKey, auto_id: bytes, entry: EvidenceEntry) -> tuple[int, Signature]:
        nonce = self.nonce(auto_id)
        return nonce, sign(holder_key, add_message(auto_id, entry, nonce))

    def sign_remove(self, holder_key: PrivateKey, auto_id: bytes, nullifier: bytes) -> tuple[int, Signature]:
        nonce = self.nonce(auto_id)
        return nonce, sign(holder_key, remove_message(auto_id, nullifier, nonce))

    def add_evidence(self, auto_id: bytes, entry: EvidenceEntry, nonce: int, signature: Signature) -> None:
        """Add one piece of evidence; checks in the order of domains_and_ai.md 3.1."""
        with self.registry.transaction() as db:
            now = self.registry.now()
            holder = self._live_holder(auto_id, now)
            self._check_nonce_and_signature(holder, nonce, signature, lambda: add_message(holder.identifier, entry, nonce))
            weight = self.weights.get(entry.type)
            if weight is None:
                raise UnknownEvidenceType(str(entry.type))
            if db.execute("SELECT 1 FROM score_verifiers WHERE type = ? AND verifier_id = ?",
                          (int(entry.type), bytes(entry.verifier_id))).fetchone() is None:
                raise UnknownVerifier(bytes(entry.verifier_id).hex())
            if not entry.is_live_at(now) or entry.expires_at_ms - entry.issued_at_ms > weight.validity_ms:
                raise EvidenceExpired("evidence is not live now or outlives its type's validity")
            if not self.proof_verifier(entry.type, entry.verifier_id, entry.public_inputs(holder.identifier), entry.proof):
                raise InvalidEvidenceProof("proof does not verify")
            row = db.execute("SELECT auto_id FROM score_nullifiers WHERE nullifier = ?", (entry.nullifier,)).fetchone()
            if row is not None:
                if row[0] != holder.identifier:
                    raise NullifierInUse(entry.nullifier.hex())
                bound = db.execute("SELECT type FROM score_evidence WHERE auto_id = ? AND nullifier = ?",
                                   (holder.identifier, entry.nullifier)).fetchone()
                if not (bound and bound[0] == EvidenceType.ZK_PASSPORT
                        and entry.type == EvidenceType.ZK_PASSPORT_LIVENESS):
                    raise DuplicateEvidence(entry.nullifier.hex())
                db.execute("DELETE FROM score_evidence WHERE auto_id = ? AND nullifier = ?",
                           (holder.identifier, entry.nullifier))
            db.execute("INSERT INTO score_evidence VALUES (?, ?, ?, ?)",
                       (holder.identifier, entry.nullifier, int(entry.type), entry.to_json()))
            db.execute("INSERT OR REPLACE INTO score_nullifiers VALUES (?, ?)", (entry.nullifier, holder.identifier))
            db.execute("INSERT OR REPLACE INTO score_nonces VALUES (?, ?)", (holder.identifier, nonce + 1))

    def remove_evidence(self, auto_id: bytes, nullifier: bytes, nonce: int, signature: Signature) -> None:
        """Remove a piece of evidence and unbind its nullifier."""
        with self.registry.transaction() as db:
            holder = self.registry.get(auto_id)
            if holder is None:
                raise UnknownAutoId(_hex(auto_id))
            self._check_nonce_and_signature(holder, nonce, signature,
                                            lambda: remove_message(holder.identifier, nullifier, nonce))
            deleted = db.execute("DELETE FROM score_evidence WHERE auto_id = ? AND nullifier = ?",
                                 (holder.identifier, bytes(nullifier))).rowcount
            if not deleted:
                raise UnknownEvidence(_hex(nullifier))
            db.execute("DELETE FROM score_nullifiers WHERE nullifier = ?", (bytes(nullifier),))
            db.execute("INSERT OR REPLACE INTO score_nonces VALUES (?, ?)", (holder.identifier, nonce + 1))

    def _live_holder(self, auto_id: bytes, now: int) -> AutoIdRecord:
        holder = self.registry.get(auto_id)
        if holder is None:
            raise UnknownAutoId(_hex(auto_id))
        if not holder.is_valid_at(now):
            raise ExpiredCertificate(holder.identifier.hex())
        if self.registry.is_revoked(holder):
            raise CertificateRevoked(holder.identifier.hex())
        return holder

    def _check_nonce_and_signature(self, holder: AutoIdRecord, nonce: int, signature: Signature, message) -> None:
        if nonce != self.nonce(holder.identifier):
            raise BadNonce(f"expected nonce {self.nonce(holder.identifier)}, got {nonce}")
        try:
            verify_signature(holder.subject_public_key_info, signature.algorithm, message(), signature.value)
        except (InvalidSignature, InvalidRequest, AttributeError):
            raise BadSignature("not signed by the holder's registered key") from None


def _hex(value: object) -> str:
    return bytes(value).hex() if isinstance(value, (bytes, bytearray)) else repr(value)
