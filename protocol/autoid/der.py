"""Minimal strict DER reader and writer for the X.509 pieces Auto ID handles (protocol.md section 1.2).

Hand-written on purpose: the registry receives a *bare* TBSCertificate, an AlgorithmIdentifier and raw signature
bytes as three separate byte strings, and must keep the subject CN and the SubjectPublicKeyInfo bytes exactly as
they appear inside the TBS. `cryptography` only parses whole certificates and hands back decoded values, so this
module walks the DER itself: single-byte tags, definite minimal lengths, no trailing bytes. Anything else raises
`DerError` (a ValueError), which the certificate layer turns into the spec's `InvalidCertificate`.
"""

from __future__ import annotations

from dataclasses import dataclass

TAG_BOOLEAN = 0x01
TAG_INTEGER = 0x02
TAG_BIT_STRING = 0x03
TAG_OCTET_STRING = 0x04
TAG_NULL = 0x05
TAG_OID = 0x06
TAG_UTF8_STRING = 0x0C
TAG_PRINTABLE_STRING = 0x13
TAG_TELETEX_STRING = 0x14
TAG_IA5_STRING = 0x16
TAG_UTC_TIME = 0x17
TAG_GENERALIZED_TIME = 0x18
TAG_VISIBLE_STRING = 0x1A
TAG_SEQUENCE = 0x30
TAG_SET = 0x31

_MAX_LENGTH_OCTETS = 4  # lengths up to 4 GiB; certificates are far smaller


class DerError(ValueError):
    """The bytes are not the strict DER this module expects."""


@dataclass(frozen=True)
class Tlv:
    """One DER element: its tag byte, its content octets and its complete encoding."""

    tag: int
    content: bytes
    encoding: bytes


def read_element(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    """Read one element at `offset`; return it and the offset just past it."""
    if offset + 2 > len(data):
        raise DerError("truncated element header")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used in X.509")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DerError("indefinite length is not DER")
    else:
        count = first & 0x7F
        if count > _MAX_LENGTH_OCTETS or pos + count > len(data):
            raise DerError("bad long-form length")
        length_bytes = data[pos:pos + count]
        if length_bytes[0] == 0:
            raise DerError("non-minimal length")
        length = int.from_bytes(length_bytes, "big")
        if length < 0x80:
            raise DerError("non-minimal length")
        pos += count
    end = pos + length
    if end > len(data):
        raise DerError("element runs past the end of its container")
    return Tlv(tag, bytes(data[pos:end]), bytes(data[offset:end])), end


def read_single(data: bytes, expected_tag: int | None = None) -> Tlv:
    """Read exactly one element that fills `data` entirely."""
    element, end = read_element(data, 0)
    if end != len(data):
        raise DerError("trailing bytes after element")
    if expected_tag is not None and element.tag != expected_tag:
        raise DerError(f"expected tag 0x{expected_tag:02x}, got 0x{element.tag:02x}")
    return element


def read_children(content: bytes) -> list[Tlv]:
    """Split the content of a constructed element into its child elements."""
    children: list[Tlv] = []
    offset = 0
    while offset < len(content):
        child, offset = read_element(content, offset)
        children.append(child)
    return children


def decode_oid(content: bytes) -> str:
    """Dotted-decimal form of an OBJECT IDENTIFIER's content octets."""
    if not content or content[-1] & 0x80:
        raise DerError("bad OID")
    arcs: list[int] = []
    value = 0
    start_of_arc = True
    for byte in content:
        if start_of_arc and byte == 0x80:
            raise DerError("non-minimal OID arc")
        value = (value << 7) | (byte & 0x7F)
        start_of_arc = not byte & 0x80
        if start_of_arc:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode_element(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + encode_length(len(content)) + content


def encode_oid(dotted: str) -> bytes:
    """DER encoding (tag, length and content) of a dotted OBJECT IDENTIFIER."""
    arcs = [int(a) for a in dotted.split(".")]
    numbers = [40 * arcs[0] + arcs[1], *arcs[2:]]
    body = bytearray()
    for number in numbers:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        body.extend(reversed(chunk))
    return encode_element(TAG_OID, bytes(body))
