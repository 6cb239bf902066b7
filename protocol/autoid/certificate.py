"""X.509 certificates as Auto ID sees them (protocol.md sections 1.1 and 1.2).

* `decode_tbs` turns a bare TBSCertificate into the fields the registry stores: serial (256-bit unsigned),
  subject CN bytes, SPKI DER exactly as embedded, validity in milliseconds, and the raw TBS. Failure, for any
  reason the spec lists (malformed DER, validity that does not convert, no CN), is `InvalidCertificate`.
* `split_certificate` takes a full certificate (DER or PEM) apart into the three byte strings a registration
  carries: TBS, signature AlgorithmIdentifier, signature value (BIT STRING content without the unused-bits byte).
* `join_certificate` is its inverse, so the registry can hand back a full certificate (for mTLS).

The walk is hand-written (see `der.py` for why); `cryptography` is used for keys and signatures only.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
from dataclasses import dataclass

from . import der
from .errors import InvalidCertificate

OID_COMMON_NAME = "2.5.4.3"
MAX_SERIAL_BYTES = 32  # serials are U256 on chain (protocol.md 1.1)

_CN_STRING_TAGS = frozenset({der.TAG_UTF8_STRING, der.TAG_PRINTABLE_STRING, der.TAG_TELETEX_STRING,
                             der.TAG_IA5_STRING, der.TAG_VISIBLE_STRING})
_PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.S)


@dataclass(frozen=True)
class TbsCertificate:
    """The decoded parts of a TBSCertificate that Auto ID uses."""

    serial: int
    subject_common_name: bytes
    subject_public_key_info: bytes
    not_before_ms: int
    not_after_ms: int
    raw: bytes

    def is_valid_at(self, now_ms: int) -> bool:
        """Validity is inclusive on both ends (protocol.md 1.1)."""
        return self.not_before_ms <= now_ms <= self.not_after_ms


@dataclass(frozen=True)
class CertificateParts:
    """A full certificate taken apart into what a registration request carries."""

    tbs: bytes
    signature_algorithm: bytes
    signature: bytes


def decode_tbs(tbs: bytes) -> TbsCertificate:
    """Decode a DER TBSCertificate (protocol.md 1.2); raise InvalidCertificate if it is not usable."""
    if not isinstance(tbs, (bytes, bytearray)):
        raise InvalidCertificate("TBS must be bytes")
    try:
        return _decode_tbs(bytes(tbs))
    except der.DerError as exc:
        raise InvalidCertificate(str(exc)) from None


def _decode_tbs(tbs: bytes) -> TbsCertificate:
    fields = der.read_children(der.read_single(tbs, der.TAG_SEQUENCE).content)
    if fields and fields[0].tag == 0xA0:  # [0] EXPLICIT Version
        version = der.read_single(fields[0].content, der.TAG_INTEGER).content
        if version not in (b"\x00", b"\x01", b"\x02"):
            raise der.DerError("unknown certificate version")
        fields = fields[1:]
    if len(fields) < 6:
        raise der.DerError("TBSCertificate is missing fields")
    serial_tlv, signature_alg, issuer, validity, subject, spki = fields[:6]
    _expect(serial_tlv, der.TAG_INTEGER, "serial")
    _expect(signature_alg, der.TAG_SEQUENCE, "signature algorithm")
    _expect(issuer, der.TAG_SEQUENCE, "issuer")
    _expect(validity, der.TAG_SEQUENCE, "validity")
    _expect(subject, der.TAG_SEQUENCE, "subject")
    _expect(spki, der.TAG_SEQUENCE, "subjectPublicKeyInfo")
    optional_tags = [f.tag for f in fields[6:]]
    if any(tag not in (0x81, 0x82, 0xA3) for tag in optional_tags) or optional_tags != sorted(set(optional_tags)):
        raise der.DerError("unexpected trailing TBS fields")
    _check_name(issuer)
    spki_children = der.read_children(spki.content)
    if len(spki_children) != 2 or spki_children[0].tag != der.TAG_SEQUENCE \
            or spki_children[1].tag != der.TAG_BIT_STRING:
        raise der.DerError("malformed subjectPublicKeyInfo")
    times = der.read_children(validity.content)
    if len(times) != 2:
        raise der.DerError("validity must hold two times")
    return TbsCertificate(
        serial=_decode_serial(serial_tlv.content),
        subject_common_name=_first_common_name(subject),
        subject_public_key_info=spki.encoding,
        not_before_ms=_decode_time_ms(times[0]),
        not_after_ms=_decode_time_ms(times[1]),
        raw=tbs,
    )


def _expect(element: der.Tlv, tag: int, what: str) -> None:
    if element.tag != tag:
        raise der.DerError(f"{what}: unexpected tag 0x{element.tag:02x}")


def _decode_serial(content: bytes) -> int:
    """The serial as the chain stores it: the INTEGER's octets read as big-endian unsigned, at most 256 bits.

    [UNSURE] The reference reads the DER INTEGER octets into a U256; a negative serial therefore becomes a large
    unsigned value (not rejected) and more than 32 significant octets cannot be stored (rejected here).
    """
    if not content:
        raise der.DerError("empty serial")
    significant = content.lstrip(b"\x00")
    if len(significant) > MAX_SERIAL_BYTES:
        raise der.DerError("serial wider than 256 bits")
    return int.from_bytes(significant, "big")


def _name_attributes(name: der.Tlv) -> list[tuple[str, der.Tlv]]:
    attributes: list[tuple[str, der.Tlv]] = []
    for rdn in der.read_children(name.content):
        _expect(rdn, der.TAG_SET, "RDN")
        members = der.read_children(rdn.content)
        if not members:
            raise der.DerError("empty RDN")
        for attribute in members:
            _expect(attribute, der.TAG_SEQUENCE, "attribute")
            parts = der.read_children(attribute.content)
            if len(parts) != 2 or parts[0].tag != der.TAG_OID:
                raise der.DerError("malformed attribute")
            attributes.append((der.decode_oid(parts[0].content), parts[1]))
    return attributes


def _check_name(name: der.Tlv) -> None:
    _name_attributes(name)


def _first_common_name(subject: der.Tlv) -> bytes:
    """The first CN attribute's raw string octets (protocol.md 1.1).

    [UNSURE] The reference reads the CN as text; here UTF8String, PrintableString, TeletexString, IA5String and
    VisibleString are accepted if their octets are valid UTF-8. BMPString/UniversalString CNs are refused
    (`InvalidCertificate`), the same outcome as "no CN".
    """
    for oid, value in _name_attributes(subject):
        if oid == OID_COMMON_NAME:
            if value.tag not in _CN_STRING_TAGS:
                raise der.DerError("subject CN is not a text string")
            try:
                value.content.decode("utf-8")
            except UnicodeDecodeError:
                raise der.DerError("subject CN is not UTF-8") from None
            return value.content
    raise der.DerError("subject has no common name")


def _decode_time_ms(element: der.Tlv) -> int:
    """UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as Unix milliseconds (u64: no pre-1970)."""
    text = element.content
    if element.tag == der.TAG_UTC_TIME and len(text) == 13:
        year = int(text[:2]) if text[:12].isdigit() else -1
        year += 2000 if 0 <= year < 50 else 1900
        rest = text[2:]
    elif element.tag == der.TAG_GENERALIZED_TIME and len(text) == 15:
        year = int(text[:4]) if text[:14].isdigit() else -1
        rest = text[4:]
    else:
        raise der.DerError("validity time is not UTCTime/GeneralizedTime in DER form")
    if year < 0 or not rest[:10].isdigit() or rest[10:] != b"Z":
        raise der.DerError("malformed validity time")
    month, day, hour, minute, second = (int(rest[i:i + 2]) for i in range(0, 10, 2))
    days_in_month = calendar.monthrange(year, month)[1] if 1 <= month <= 12 and year >= 1 else 0
    if not (1 <= day <= days_in_month and hour < 24 and minute < 60 and second < 60):
        raise der.DerError("validity time out of range")
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if seconds < 0:
        raise der.DerError("validity before 1970 does not convert to u64 milliseconds")
    return seconds * 1000


def certificate_der(data: bytes) -> bytes:
    """DER of a certificate given as DER or PEM (first CERTIFICATE block); raise InvalidCertificate otherwise."""
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidCertificate("certificate must be bytes")
    data = bytes(data)
    if b"-----BEGIN" in data:
        match = _PEM_CERTIFICATE.search(data)
        if match is None:
            raise InvalidCertificate("no PEM CERTIFICATE block")
        try:
            return base64.b64decode(b"".join(match.group(1).split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidCertificate("PEM body is not base64") from None
    return data


def split_certificate(data: bytes) -> CertificateParts:
    """Take a full certificate (DER or PEM) apart into TBS, AlgorithmIdentifier and signature value."""
    raw = certificate_der(data)
    try:
        parts = der.read_children(der.read_single(raw, der.TAG_SEQUENCE).content)
        if len(parts) != 3 or parts[0].tag != der.TAG_SEQUENCE or parts[1].tag != der.TAG_SEQUENCE \
                or parts[2].tag != der.TAG_BIT_STRING:
            raise der.DerError("a certificate is SEQUENCE {tbs, algorithm, signature}")
        bits = parts[2].content
        if not bits or bits[0] != 0:
            raise der.DerError("signature BIT STRING must have no unused bits")
    except der.DerError as exc:
        raise InvalidCertificate(str(exc)) from None
    return CertificateParts(tbs=parts[0].encoding, signature_algorithm=parts[1].encoding, signature=bits[1:])


def join_certificate(parts: CertificateParts) -> bytes:
    """The full certificate DER from its three parts (inverse of `split_certificate`)."""
    body = parts.tbs + parts.signature_algorithm + der.encode_element(der.TAG_BIT_STRING, b"\x00" + parts.signature)
    return der.encode_element(der.TAG_SEQUENCE, body)


def certificate_pem(certificate: bytes) -> bytes:
    """PEM text of a DER certificate."""
    body = base64.b64encode(certificate)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"
