"""Signature algorithms of Auto ID certificates and messages (protocol.md section 1.2).

A signature arrives as (AlgorithmIdentifier DER, raw signature bytes) and is checked against a
SubjectPublicKeyInfo DER. Supported, as the spec asks ("at least RSA PKCS#1 v1.5 + SHA-256", others "if cheap"):

* RSA PKCS#1 v1.5 with SHA-256/384/512; the AlgorithmIdentifier is accepted with and without the explicit NULL
  parameter (the fixtures use both forms);
* ECDSA with SHA-256/384 over P-256 and P-384 (DER Ecdsa-Sig-Value, as X.509 carries it);
* Ed25519 (RFC 8410, no parameters).

RSA-PSS is left out ([UNSURE] in the spec; its parameters need a full ASN.1 model). Anything unsupported, a key
of the wrong type for the algorithm, or an unparsable key fails verification, which the registry reports as
`InvalidSignature` exactly like the reference's generic verifier. The cryptographic primitives come from
`cryptography`; only the AlgorithmIdentifier bytes are handled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from . import der
from .errors import InvalidSignature, UnsupportedAlgorithm

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey]

OID_SHA256_WITH_RSA = "1.2.840.113549.1.1.11"
OID_SHA384_WITH_RSA = "1.2.840.113549.1.1.12"
OID_SHA512_WITH_RSA = "1.2.840.113549.1.1.13"
OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
OID_ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3"
OID_ED25519 = "1.3.101.112"

_RSA_HASHES = {OID_SHA256_WITH_RSA: hashes.SHA256, OID_SHA384_WITH_RSA: hashes.SHA384,
               OID_SHA512_WITH_RSA: hashes.SHA512}
_ECDSA_HASHES = {OID_ECDSA_WITH_SHA256: hashes.SHA256, OID_ECDSA_WITH_SHA384: hashes.SHA384}
_SUPPORTED_CURVES = (ec.SECP256R1, ec.SECP384R1)


@dataclass(frozen=True)
class Signature:
    """A signature as the chain carries it: AlgorithmIdentifier DER and the raw signature value."""

    algorithm: bytes
    value: bytes


def algorithm_identifier(oid: str, *, null_parameter: bool) -> bytes:
    """DER AlgorithmIdentifier for `oid`, with or without an explicit NULL parameter."""
    body = der.encode_oid(oid) + (der.encode_element(der.TAG_NULL, b"") if null_parameter else b"")
    return der.encode_element(der.TAG_SEQUENCE, body)


def parse_algorithm_identifier(algorithm: bytes) -> str:
    """The signature OID of an AlgorithmIdentifier; raises InvalidSignature if it is malformed or unsupported.

    RSA accepts absent or NULL parameters; ECDSA and Ed25519 accept none.
    """
    try:
        seq = der.read_single(algorithm, der.TAG_SEQUENCE)
        children = der.read_children(seq.content)
        if not children or children[0].tag != der.TAG_OID or len(children) > 2:
            raise der.DerError("bad AlgorithmIdentifier")
        oid = der.decode_oid(children[0].content)
    except der.DerError as exc:
        raise InvalidSignature(f"malformed AlgorithmIdentifier: {exc}") from None
    params = children[1:]
    if oid in _RSA_HASHES:
        if params and (params[0].tag != der.TAG_NULL or params[0].content):
            raise InvalidSignature("RSA AlgorithmIdentifier parameters must be NULL or absent")
        return oid
    if oid in _ECDSA_HASHES or oid == OID_ED25519:
        if params:
            raise InvalidSignature("ECDSA/Ed25519 AlgorithmIdentifier takes no parameters")
        return oid
    raise InvalidSignature(f"unsupported signature algorithm {oid}")


def verify_signature(spki: bytes, algorithm: bytes, message: bytes, signature: bytes) -> None:
    """Verify `signature` over `message` with the key in `spki`; raise InvalidSignature if it does not hold."""
    oid = parse_algorithm_identifier(algorithm)
    try:
        key = serialization.load_der_public_key(spki)
    except Exception as exc:  # noqa: BLE001 - any unusable key (ValueError, UnsupportedAlgorithm) refuses it
        raise InvalidSignature(f"unusable public key: {type(exc).__name__}") from None
    try:
        if oid in _RSA_HASHES:
            if not isinstance(key, rsa.RSAPublicKey):
                raise InvalidSignature("algorithm is RSA but the key is not")
            key.verify(signature, message, padding.PKCS1v15(), _RSA_HASHES[oid]())
        elif oid in _ECDSA_HASHES:
            if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, _SUPPORTED_CURVES):
                raise InvalidSignature("algorithm is ECDSA but the key is not P-256/P-384")
            key.verify(signature, message, ec.ECDSA(_ECDSA_HASHES[oid]()))
        else:
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise InvalidSignature("algorithm is Ed25519 but the key is not")
            key.verify(signature, message)
    except _CryptoInvalidSignature:
        raise InvalidSignature("signature does not verify") from None
    except (ValueError, TypeError) as exc:
        raise InvalidSignature(f"signature does not verify: {exc}") from None


def signature_oid_for_key(key: PrivateKey) -> str:
    """The signature algorithm Auto ID uses for a key: SHA-256 based except Ed25519 (and SHA-384 on P-384)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return OID_SHA256_WITH_RSA
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if isinstance(key.curve, ec.SECP256R1):
            return OID_ECDSA_WITH_SHA256
        if isinstance(key.curve, ec.SECP384R1):
            return OID_ECDSA_WITH_SHA384
        raise UnsupportedAlgorithm(f"curve {key.curve.name} is not supported")
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return OID_ED25519
    raise UnsupportedAlgorithm(f"key type {type(key).__name__} is not supported")


def hash_for_key(key: PrivateKey) -> hashes.HashAlgorithm | None:
    """The hash `cryptography`'s certificate builders need for this key (None for Ed25519)."""
    oid = signature_oid_for_key(key)
    if oid in _RSA_HASHES:
        return _RSA_HASHES[oid]()
    if oid in _ECDSA_HASHES:
        return _ECDSA_HASHES[oid]()
    return None


def sign(key: PrivateKey, message: bytes) -> Signature:
    """Sign `message` with `key`; the AlgorithmIdentifier is the form certificates use (NULL for RSA)."""
    oid = signature_oid_for_key(key)
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(message, padding.PKCS1v15(), _RSA_HASHES[oid]())
        return Signature(algorithm_identifier(oid, null_parameter=True), value)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        value = key.sign(message, ec.ECDSA(_ECDSA_HASHES[oid]()))
        return Signature(algorithm_identifier(oid, null_parameter=False), value)
    return Signature(algorithm_identifier(oid, null_parameter=False), key.sign(message))


def public_key_info(key: PrivateKey) -> bytes:
    """SubjectPublicKeyInfo DER of a private key's public half."""
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
