"""The Auto ID registry: the identity domain's state and its calls (protocol.md sections 1.1 and 1.3-1.8).

`AutoIdRegistry` keeps the stored Auto IDs, each issuer's issued serials, the per-issuer revocation lists and the
nonces, in SQLite (a file, or ":memory:"), so state survives a restart. Every call runs in one SQLite transaction:
the checks run in the spec's order, writes the reference makes before a later check (renewal puts the old serial
into the CRL before verifying the signature) are made in the same order, and any refusal rolls the whole call
back, which gives the network's all-or-nothing behaviour. The first failing check names the error.

Co-issuance (domains_and_ai.md 3.3, App. A.3 of the white paper) is an addition above the network's calls: a leaf
may carry `CoIssuance` (k and the other issuers' signatures over the same TBS); it is checked after the spec's
eight leaf checks ([DESIGN] step 9, `InsufficientCoIssuers`) and stored with the leaf.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .algorithms import Signature, verify_signature
from .certificate import CertificateParts, TbsCertificate, decode_tbs, join_certificate, split_certificate
from .encoding import U256_MAX, CertificateActionType, certificate_action_message
from .errors import (AutoIdIdentifierAlreadyExists, AutoIdIdentifierMismatch, CertificateAlreadyRevoked,
                     CertificateRevoked, CertificateSerialAlreadyIssued, ExpiredCertificate, InsufficientCoIssuers,
                     InvalidSignature, NonceOverflow, PublicKeyMismatch, UnknownAutoId,
                     UnknownIssuer)
from .identifier import IDENTIFIER_BYTES, derive_identifier

Clock = Callable[[], int]
"""Milliseconds since the Unix epoch (the block timestamp on chain)."""


def system_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class CoSignature:
    """One co-issuer's signature over a co-issued leaf's TBS."""

    issuer_id: bytes
    signature: Signature


@dataclass(frozen=True)
class CoIssuance:
    """k-of-n co-issuance: the leaf's registered issuer counts as one signer, `signatures` are the others."""

    threshold: int
    signatures: tuple[CoSignature, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"threshold": self.threshold, "signatures": [
            [s.issuer_id.hex(), s.signature.algorithm.hex(), s.signature.value.hex()] for s in self.signatures]})

    @classmethod
    def from_json(cls, text: str) -> CoIssuance:
        data = json.loads(text)
        return cls(data["threshold"], tuple(
            CoSignature(bytes.fromhex(i), Signature(bytes.fromhex(a), bytes.fromhex(v)))
            for i, a, v in data["signatures"]))


@dataclass(frozen=True)
class AutoIdRecord:
    """A stored Auto ID (protocol.md 1.1), plus the signature of its certificate so it can be shown whole."""

    identifier: bytes
    issuer_id: bytes | None
    serial: int
    subject_common_name: bytes
    subject_public_key_info: bytes
    not_before_ms: int
    not_after_ms: int
    tbs: bytes
    signature_algorithm: bytes
    signature: bytes
    nonce: int
    issued_serials: frozenset[int] = field(default_factory=frozenset)
    co_issuance: CoIssuance | None = None

    def is_valid_at(self, now_ms: int) -> bool:
        return self.not_before_ms <= now_ms <= self.not_after_ms

    @property
    def signer_id(self) -> bytes:
        """Whose revocation list holds this certificate's serial: its issuer's, or its own for a root."""
        return self.issuer_id if self.issuer_id is not None else self.identifier

    def certificate(self) -> bytes:
        """The full certificate DER."""
        return join_certificate(CertificateParts(self.tbs, self.signature_algorithm, self.signature))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS auto_ids (
    id BLOB PRIMARY KEY, issuer_id BLOB, serial BLOB NOT NULL, subject_cn BLOB NOT NULL, spki BLOB NOT NULL,
    not_before_ms INTEGER NOT NULL, not_after_ms INTEGER NOT NULL, tbs BLOB NOT NULL,
    signature_algorithm BLOB NOT NULL, signature BLOB NOT NULL, nonce BLOB NOT NULL, co_issuance TEXT);
CREATE INDEX IF NOT EXISTS auto_ids_by_tbs ON auto_ids (tbs);
CREATE TABLE IF NOT EXISTS issued_serials (auto_id BLOB NOT NULL, serial BLOB NOT NULL,
    PRIMARY KEY (auto_id, serial));
CREATE TABLE IF NOT EXISTS revoked_serials (issuer_id BLOB NOT NULL, serial BLOB NOT NULL,
    PRIMARY KEY (issuer_id, serial));
"""


def _u256(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _is_identifier(value: object) -> bool:
    return isinstance(value, (bytes, bytearray)) and len(value) == IDENTIFIER_BYTES


def _require_bytes(value: object, error: type[Exception], what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise error(f"{what} must be bytes")
    return bytes(value)


class AutoIdRegistry:
    """The identity domain's state with register / renew / revoke / deactivate (protocol.md 1.3-1.7)."""

    def __init__(self, path: str | Path = ":memory:", clock: Clock = system_clock_ms) -> None:
        self.path = str(path)
        self.clock = clock
        self._lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._schemas: set[str] = set()
        self.ensure_schema(_SCHEMA)

    # --- plumbing ---------------------------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> AutoIdRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db(self) -> sqlite3.Connection:
        """The SQLite connection; sibling modules (claims, score) keep their tables in the same file."""
        return self._db

    def ensure_schema(self, script: str) -> None:
        """Create tables (`CREATE ... IF NOT EXISTS` statements) once per connection, without committing."""
        with self._lock:
            if script in self._schemas:
                return
            for statement in filter(None, (part.strip() for part in script.split(";"))):
                self._db.execute(statement)
            self._schemas.add(script)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: commit if the block returns, roll back everything if it raises. Nests."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def now(self) -> int:
        return self.clock()

    # --- reads ------------------------------------------------------------------------------------------------
    def get(self, auto_id: bytes) -> AutoIdRecord | None:
        """The stored Auto ID, or None."""
        if not _is_identifier(auto_id):
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT id, issuer_id, serial, subject_cn, spki, not_before_ms, not_after_ms, tbs,"
                " signature_algorithm, signature, nonce, co_issuance FROM auto_ids WHERE id = ?",
                (bytes(auto_id),)).fetchone()
            if row is None:
                return None
            serials = self._db.execute("SELECT serial FROM issued_serials WHERE auto_id = ?",
                                       (bytes(auto_id),)).fetchall()
        return AutoIdRecord(
            identifier=row[0], issuer_id=row[1], serial=int.from_bytes(row[2], "big"), subject_common_name=row[3],
            subject_public_key_info=row[4], not_before_ms=row[5], not_after_ms=row[6], tbs=row[7],
            signature_algorithm=row[8], signature=row[9], nonce=int.from_bytes(row[10], "big"),
            issued_serials=frozenset(int.from_bytes(s, "big") for (s,) in serials),
            co_issuance=CoIssuance.from_json(row[11]) if row[11] else None)

    def auto_ids(self) -> list[bytes]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM auto_ids ORDER BY id")]

    def find_by_tbs(self, tbs: bytes) -> bytes | None:
        """The identifier whose stored certificate has exactly this TBS, or None."""
        with self._lock:
            row = self._db.execute("SELECT id FROM auto_ids WHERE tbs = ?", (bytes(tbs),)).fetchone()
        return row[0] if row else None

    def revoked_serials(self, issuer_id: bytes) -> frozenset[int]:
        """CRL[issuer_id]: the serials revoked under that issuer (protocol.md 1.1)."""
        with self._lock:
            rows = self._db.execute("SELECT serial FROM revoked_serials WHERE issuer_id = ?",
                                    (bytes(issuer_id),)).fetchall()
        return frozenset(int.from_bytes(s, "big") for (s,) in rows)

    def is_revoked(self, record: AutoIdRecord) -> bool:
        """Whether the record's current serial is in its signer's revocation list."""
        return self._in_crl(record.signer_id, record.serial)

    def state(self) -> tuple[tuple, ...]:
        """Every row of the registry's tables, sorted: equal states compare equal (used to show 'unchanged')."""
        with self._lock:
            tables = [name for (name,) in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            return tuple((name, tuple(sorted(self._db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)))
                         for name in tables)

    # --- calls ------------------------------------------------------------------------------------------------
    def register(self, tbs: bytes, signature_algorithm: bytes, signature: bytes,
                 issuer_id: bytes | None = None, co_issuance: CoIssuance | None = None) -> bytes:
        """Register a root (issuer_id None, protocol.md 1.3) or a leaf (1.4); return its identifier."""
        with self.transaction():
            if issuer_id is None:
                return self._register_root(tbs, signature_algorithm, signature)
            return self._register_leaf(issuer_id, tbs, signature_algorithm, signature, co_issuance)

    def register_certificate(self, certificate: bytes, issuer_id: bytes | None = None,
                             co_issuance: CoIssuance | None = None) -> bytes:
        """`register` with a full certificate (DER or PEM) taken apart first."""
        parts = split_certificate(certificate)
        return self.register(parts.tbs, parts.signature_algorithm, parts.signature, issuer_id, co_issuance)

    def _register_root(self, tbs: bytes, algorithm: bytes, signature: bytes) -> bytes:
        now = self.now()
        cert = decode_tbs(tbs)                                                        # 1
        verify_signature(cert.subject_public_key_info, _require_bytes(algorithm, InvalidSignature, "algorithm"),
                         cert.raw, _require_bytes(signature, InvalidSignature, "signature"))  # 2
        if not cert.is_valid_at(now):                                                  # 3
            raise ExpiredCertificate("certificate is not valid now")
        auto_id = derive_identifier(cert.subject_common_name)
        if self._exists(auto_id):                                                      # 4
            raise AutoIdIdentifierAlreadyExists(auto_id.hex())
        self._insert(auto_id, None, cert, algorithm, signature, None)
        return auto_id

    def _register_leaf(self, issuer_id: bytes, tbs: bytes, algorithm: bytes, signature: bytes,
                       co_issuance: CoIssuance | None) -> bytes:
        now = self.now()
        issuer = self.get(issuer_id)
        if issuer is None:                                                             # 1
            raise UnknownIssuer(bytes(issuer_id).hex() if isinstance(issuer_id, (bytes, bytearray)) else "")
        if not issuer.is_valid_at(now):                                                # 2
            raise ExpiredCertificate("issuer certificate is not valid now")
        cert = decode_tbs(tbs)                                                         # 3
        verify_signature(issuer.subject_public_key_info, _require_bytes(algorithm, InvalidSignature, "algorithm"),
                         cert.raw, _require_bytes(signature, InvalidSignature, "signature"))  # 4
        if not cert.is_valid_at(now):                                                  # 5
            raise ExpiredCertificate("certificate is not valid now")
        crl = self.revoked_serials(issuer.identifier)
        if issuer.serial in crl or cert.serial in crl:                                 # 6
            raise CertificateRevoked("issuer or certificate serial is revoked")
        if cert.serial in issuer.issued_serials:                                       # 7
            raise CertificateSerialAlreadyIssued(hex(cert.serial))
        self._db.execute("INSERT INTO issued_serials VALUES (?, ?)", (issuer.identifier, _u256(cert.serial)))
        auto_id = derive_identifier(cert.subject_common_name, issuer.identifier)
        if self._exists(auto_id):                                                      # 8
            raise AutoIdIdentifierAlreadyExists(auto_id.hex())
        if co_issuance is not None:                                                    # 9 [DESIGN]
            self._check_co_issuance(issuer, cert, co_issuance, now)
        self._insert(auto_id, issuer.identifier, cert, algorithm, signature, co_issuance)
        return auto_id

    def renew(self, auto_id: bytes, tbs: bytes, signature_algorithm: bytes, signature: bytes,
              issuer_id: bytes | None = None) -> None:
        """Replace an Auto ID's certificate, keeping identifier, key, nonce and issued serials (protocol.md 1.5)."""
        with self.transaction():
            now = self.now()
            target = self.get(auto_id)
            if target is None:                                                         # 1
                raise UnknownAutoId(_hex(auto_id))
            cert = decode_tbs(tbs)                                                     # 2
            if issuer_id is None:                                                      # 3 (self-renewal)
                self._add_to_crl(target.identifier, target.serial)
                key = target.subject_public_key_info
            else:
                issuer = self.get(issuer_id)
                if issuer is None:
                    raise UnknownIssuer(_hex(issuer_id))
                if not issuer.is_valid_at(now):
                    raise ExpiredCertificate("issuer certificate is not valid now")
                if self._in_crl(issuer.identifier, issuer.serial) or self._in_crl(issuer.identifier, cert.serial):
                    raise CertificateRevoked("issuer or new serial is revoked")
                if cert.serial in issuer.issued_serials:
                    raise CertificateSerialAlreadyIssued(hex(cert.serial))
                self._db.execute("INSERT INTO issued_serials VALUES (?, ?)",
                                 (issuer.identifier, _u256(cert.serial)))
                self._add_to_crl(issuer.identifier, target.serial)
                key = issuer.subject_public_key_info
            verify_signature(key, _require_bytes(signature_algorithm, InvalidSignature, "algorithm"),
                             cert.raw, _require_bytes(signature, InvalidSignature, "signature"))  # 4
            if not cert.is_valid_at(now):                                              # 5
                raise ExpiredCertificate("new certificate is not valid now")
            if cert.subject_public_key_info != target.subject_public_key_info:         # 6
                raise PublicKeyMismatch("renewal cannot change the public key")
            derived = derive_identifier(cert.subject_common_name, None if issuer_id is None else bytes(issuer_id))
            if derived != target.identifier:                                           # 7
                raise AutoIdIdentifierMismatch(derived.hex())
            self._db.execute(
                "UPDATE auto_ids SET issuer_id = ?, serial = ?, subject_cn = ?, spki = ?, not_before_ms = ?,"
                " not_after_ms = ?, tbs = ?, signature_algorithm = ?, signature = ? WHERE id = ?",
                (None if issuer_id is None else bytes(issuer_id), _u256(cert.serial), cert.subject_common_name,
                 cert.subject_public_key_info, cert.not_before_ms, cert.not_after_ms, cert.raw,
                 bytes(signature_algorithm), bytes(signature), target.identifier))

    def renew_certificate(self, auto_id: bytes, certificate: bytes, issuer_id: bytes | None = None) -> None:
        """`renew` with a full certificate (DER or PEM)."""
        parts = split_certificate(certificate)
        self.renew(auto_id, parts.tbs, parts.signature_algorithm, parts.signature, issuer_id)

    def revoke(self, auto_id: bytes, signature: Signature) -> None:
        """Revoke an Auto ID's current certificate; signed by its issuer, or by itself if a root (protocol.md 1.6)."""
        with self.transaction():
            target = self.get(auto_id)
            if target is None:                                                         # 1
                raise UnknownAutoId(_hex(auto_id))
            signer = target if target.issuer_id is None else self.get(target.issuer_id)
            if signer is None:                                                         # 2
                raise UnknownIssuer(target.issuer_id.hex() if target.issuer_id else "")
            if self._in_crl(signer.identifier, target.serial) or self._in_crl(signer.identifier, signer.serial):
                raise CertificateAlreadyRevoked(hex(target.serial))                    # 3
            message = certificate_action_message(target.identifier, signer.nonce,
                                                 CertificateActionType.REVOKE_CERTIFICATE)
            _verify_action(signer.subject_public_key_info, signature, message)         # 4
            self._add_to_crl(signer.identifier, target.serial)                         # 5
            if signer.nonce == U256_MAX:
                raise NonceOverflow(signer.identifier.hex())
            self._db.execute("UPDATE auto_ids SET nonce = ? WHERE id = ?",
                             (_u256(signer.nonce + 1), signer.identifier))

    def deactivate(self, auto_id: bytes, signature: Signature) -> None:
        """Remove an Auto ID, signed by its own key (protocol.md 1.7; unknown target is `UnknownIssuer`, sic)."""
        with self.transaction():
            target = self.get(auto_id)
            if target is None:                                                         # 1
                raise UnknownIssuer(_hex(auto_id))
            message = certificate_action_message(target.identifier, target.nonce,
                                                 CertificateActionType.DEACTIVATE_AUTO_ID)
            _verify_action(target.subject_public_key_info, signature, message)         # 2
            self._db.execute("DELETE FROM auto_ids WHERE id = ?", (target.identifier,))  # 3
            self._db.execute("DELETE FROM issued_serials WHERE auto_id = ?", (target.identifier,))

    # --- co-issuance ------------------------------------------------------------------------------------------
    def valid_co_signers(self, issuer: AutoIdRecord, tbs: bytes, co_issuance: CoIssuance, now_ms: int) -> set[bytes]:
        """Distinct issuers (the registered issuer included) whose signature over `tbs` counts now: registered,
        valid, unrevoked and verifying."""
        signers = {issuer.identifier}
        for co_signature in co_issuance.signatures:
            co_issuer = self.get(co_signature.issuer_id)
            if co_issuer is None or not co_issuer.is_valid_at(now_ms) or self.is_revoked(co_issuer):
                continue
            try:
                verify_signature(co_issuer.subject_public_key_info, co_signature.signature.algorithm, tbs,
                                 co_signature.signature.value)
            except InvalidSignature:
                continue
            signers.add(co_issuer.identifier)
        return signers

    def _check_co_issuance(self, issuer: AutoIdRecord, cert: TbsCertificate, co_issuance: CoIssuance,
                           now: int) -> None:
        if not isinstance(co_issuance.threshold, int) or co_issuance.threshold < 1:
            raise InsufficientCoIssuers("threshold must be at least 1")
        count = len(self.valid_co_signers(issuer, cert.raw, co_issuance, now))
        if count < co_issuance.threshold:
            raise InsufficientCoIssuers(f"{count} of {co_issuance.threshold} required signatures are valid")

    # --- helpers ----------------------------------------------------------------------------------------------
    def _exists(self, auto_id: bytes) -> bool:
        return self._db.execute("SELECT 1 FROM auto_ids WHERE id = ?", (auto_id,)).fetchone() is not None

    def _in_crl(self, issuer_id: bytes, serial: int) -> bool:
        return self._db.execute("SELECT 1 FROM revoked_serials WHERE issuer_id = ? AND serial = ?",
                                (issuer_id, _u256(serial))).fetchone() is not None

    def _add_to_crl(self, issuer_id: bytes, serial: int) -> None:
        self._db.execute("INSERT OR IGNORE INTO revoked_serials VALUES (?, ?)", (issuer_id, _u256(serial)))

    def _insert(self, auto_id: bytes, issuer_id: bytes | None, cert: TbsCertificate, algorithm: bytes,
                signature: bytes, co_issuance: CoIssuance | None) -> None:
        self._db.execute(
            "INSERT INTO auto_ids VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (auto_id, issuer_id, _u256(cert.serial), cert.subject_common_name, cert.subject_public_key_info,
             cert.not_before_ms, cert.not_after_ms, cert.raw, bytes(algorithm), bytes(signature), _u256(0),
             co_issuance.to_json() if co_issuance else None))
        self._db.execute("INSERT OR IGNORE INTO issued_serials VALUES (?, ?)", (auto_id, _u256(cert.serial)))


def _verify_action(spki: bytes, signature: Signature, message: bytes) -> None:
    if not isinstance(signature, Signature):
        raise InvalidSignature("signature must be a Signature(algorithm, value)")
    verify_signature(spki, _require_bytes(signature.algorithm, InvalidSignature, "algorithm"), message,
                     _require_bytes(signature.value, InvalidSignature, "signature"))


def _hex(value: object) -> str:
    return bytes(value).hex() if isinstance(value, (bytes, bytearray)) else repr(value)


__all__ = ["AutoIdRecord", "AutoIdRegistry", "Clock", "CoIssuance", "CoSignature", "system_clock_ms"]
