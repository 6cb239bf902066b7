"""Issuing Auto ID certificates (white paper App. A.1-A.3; protocol.md section 1.2 for the algorithms).

* `self_issue`: a root certificate signed by its own key (App. A.1).
* `make_csr` + `issue_from_csr`: the subject keeps its key and sends a CSR; the issuer checks the CSR's
  self-signature and signs a leaf under its own certificate (App. A.2).
* `co_issue`: the same leaf TBS signed by several issuers; the first issuer's signature makes the certificate,
  the others travel as `CoSignature`s with a threshold k (App. A.3, domains_and_ai.md 3.3).

Keys: Ed25519, ECDSA P-256 (and P-384) and RSA (2048+). Certificates are built with `cryptography`'s X.509
builder; roots carry BasicConstraints CA:TRUE, leaves CA:FALSE unless asked to issue further, so ordinary TLS
stacks accept the same chains.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from .algorithms import PrivateKey, hash_for_key, sign, signature_oid_for_key
from .certificate import certificate_der, split_certificate
from .errors import InvalidCertificate, InvalidPrivateKey, InvalidRequest, InvalidSignature, UnsupportedAlgorithm
from .registry import CoIssuance, CoSignature

KEY_TYPES = ("ed25519", "ecdsa-p256", "ecdsa-p384", "rsa")
DEFAULT_RSA_BITS = 2048
DEFAULT_VALIDITY_DAYS = 365


def generate_key(key_type: str = "ed25519", *, rsa_bits: int = DEFAULT_RSA_BITS) -> PrivateKey:
    """A new private key of one of `KEY_TYPES`."""
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ecdsa-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if key_type == "rsa":
        if rsa_bits < 2048:
            raise UnsupportedAlgorithm("RSA keys must have at least 2048 bits")
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    raise UnsupportedAlgorithm(f"unknown key type {key_type!r}; expected one of {', '.join(KEY_TYPES)}")


def load_private_key(data: bytes, password: bytes | None = None) -> PrivateKey:
    """A private key from PEM or DER (PKCS#8 or traditional); InvalidPrivateKey / UnsupportedAlgorithm otherwise."""
    loader = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    try:
        key = loader(data, password=password)
    except (ValueError, TypeError) as exc:
        raise InvalidPrivateKey(str(exc) or type(exc).__name__) from None
    except Exception as exc:  # noqa: BLE001 - cryptography's UnsupportedAlgorithm for exotic key types
        raise UnsupportedAlgorithm(str(exc) or type(exc).__name__) from None
    signature_oid_for_key(key)  # raises UnsupportedAlgorithm for DSA, other curves, X25519 ...
    return key


def private_key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM of a key (what the fixtures use)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def subject_name(common_name: str, **attributes: str) -> x509.Name:
    """An X.509 name with CN and optional O / OU / C / L / ST / emailAddress."""
    oids = {"organization": NameOID.ORGANIZATION_NAME, "organizational_unit": NameOID.ORGANIZATIONAL_UNIT_NAME,
            "country": NameOID.COUNTRY_NAME, "locality": NameOID.LOCALITY_NAME,
            "state": NameOID.STATE_OR_PROVINCE_NAME, "email": NameOID.EMAIL_ADDRESS}
    if not common_name:
        raise InvalidRequest("an Auto ID certificate needs a non-empty common name")
    parts = [x509.NameAttribute(oids[k], v) for k, v in attributes.items() if k in oids]
    try:
        return x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None


def _validity(not_before_ms: int | None, not_after_ms: int | None, now_ms: int) -> tuple[dt.datetime, dt.datetime]:
    start = now_ms if not_before_ms is None else not_before_ms
    end = start + DEFAULT_VALIDITY_DAYS * 86_400_000 if not_after_ms is None else not_after_ms
    if end < start:
        raise InvalidRequest("not_after is before not_before")
    # X.509 times have whole seconds: round the start down and the end down too (validity stays inside the ask)
    to_dt = lambda ms: dt.datetime.fromtimestamp(ms // 1000, tz=dt.timezone.utc)  # noqa: E731
    return to_dt(start), to_dt(end)


def _serial(serial: int | None) -> int:
    value = x509.random_serial_number() if serial is None else serial
    if not 0 < value < 1 << 159:
        raise InvalidRequest("serial must be positive and fit in 20 octets")
    return value


def _build(subject: x509.Name, issuer: x509.Name, public_key: object, signing_key: PrivateKey, *, serial: int | None,
           not_before_ms: int | None, not_after_ms: int | None, now_ms: int, is_ca: bool) -> bytes:
    start, end = _validity(not_before_ms, not_after_ms, now_ms)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(_serial(serial)).not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    certificate = builder.sign(signing_key, hash_for_key(signing_key))
    return certificate.public_bytes(serialization.Encoding.DER)


def self_issue(key: PrivateKey, common_name: str, *, serial: int | None = None, not_before_ms: int | None = None,
               not_after_ms: int | None = None, now_ms: int, **name_attributes: str) -> bytes:
    """A self-signed root certificate (DER) for `key` with subject CN `common_name` (App. A.1)."""
    signature_oid_for_key(key)
    name = subject_name(common_name, **name_attributes)
    return _build(name, name, key.public_key(), key, serial=serial, not_before_ms=not_before_ms,
                  not_after_ms=not_after_ms, now_ms=now_ms, is_ca=True)


def make_csr(key: PrivateKey, common_name: str, **name_attributes: str) -> bytes:
    """A certificate signing request (DER) for the subject's key (App. A.2 step 2)."""
    signature_oid_for_key(key)
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject_name(common_name, **name_attributes))
    return csr.sign(key, hash_for_key(key)).public_bytes(serialization.Encoding.DER)


def _load_csr(csr: bytes) -> x509.CertificateSigningRequest:
    try:
        request = (x509.load_pem_x509_csr(csr) if b"-----BEGIN" in csr else x509.load_der_x509_csr(csr))
        public_key = request.public_key()
    except (ValueError, TypeError) as exc:
        raise InvalidCertificate(f"malformed CSR: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - unsupported key inside the CSR
        raise UnsupportedAlgorithm(str(exc) or type(exc).__name__) from None
    if not isinstance(public_key, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
        raise UnsupportedAlgorithm(f"CSR key type {type(public_key).__name__} is not supported")
    if not request.is_signature_valid:
        raise InvalidSignature("CSR is not signed by the key it carries")
    if not request.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        raise InvalidCertificate("CSR subject has no common name")
    return request


def _issuer_name(issuer_certificate: bytes) -> x509.Name:
    try:
        return x509.load_der_x509_certificate(certificate_der(issuer_certificate)).subject
    except ValueError as exc:
        raise InvalidCertificate(f"issuer certificate: {exc}") from None


def issue_from_csr(csr: bytes, issuer_certificate: bytes, issuer_key: PrivateKey, *, serial: int | None = None,
                   not_before_ms: int | None = None, not_after_ms: int | None = None, now_ms: int,
                   can_issue: bool = False) -> bytes:
    """A leaf certificate (DER) for the CSR's key and subject, signed by the issuer (App. A.2 step 3)."""
    request = _load_csr(csr)
    signature_oid_for_key(issuer_key)
    return _build(request.subject, _issuer_name(issuer_certificate), request.public_key(), issuer_key,
                  serial=serial, not_before_ms=not_before_ms, not_after_ms=not_after_ms, now_ms=now_ms,
                  is_ca=can_issue)


@dataclass(frozen=True)
class CoIssuedCertificate:
    """A co-issued leaf: the certificate signed by the first issuer and the others' signatures over its TBS."""

    certificate: bytes
    co_issuance: CoIssuance


def co_issue(csr: bytes, issuers: Sequence[tuple[bytes, bytes, PrivateKey]], threshold: int, *,
             serial: int | None = None, not_before_ms: int | None = None, not_after_ms: int | None = None,
             now_ms: int) -> CoIssuedCertificate:
    """Co-issue a leaf (App. A.3): `issuers` = [(issuer Auto ID, issuer certificate, issuer key), ...].

    The first issuer signs the certificate (it is the leaf's registered issuer); every other issuer signs the
    same TBS. `threshold` k counts the first issuer too.
    """
    if not issuers:
        raise InvalidRequest("co-issuance needs at least one issuer")
    if not 1 <= threshold <= len(issuers):
        raise InvalidRequest(f"threshold must be between 1 and {len(issuers)}")
    _, first_certificate, first_key = issuers[0]
    certificate = issue_from_csr(csr, first_certificate, first_key, serial=serial, not_before_ms=not_before_ms,
                                 not_after_ms=not_after_ms, now_ms=now_ms)
    tbs = split_certificate(certificate).tbs
    co_signatures = tuple(CoSignature(bytes(issuer_id), sign(key, tbs)) for issuer_id, _, key in issuers[1:])
    return CoIssuedCertificate(certificate, CoIssuance(threshold, co_signatures))


def new_serial() -> int:
    """A random positive 159-bit serial (fits the 20-octet X.509 limit)."""
    return secrets.randbits(159) | 1
