"""Auto ID identifiers (protocol.md section 1.1).

An identifier is 32 bytes derived from the subject Common Name only, never from the key, so a renewed
certificate (same CN, same issuer) keeps its identifier:

* root:  blake2b-256(CN)
* leaf:  blake2b-256(issuer_identifier ‖ CN)
"""

from __future__ import annotations

import hashlib

from .errors import InvalidRequest

IDENTIFIER_BYTES = 32


def blake2_256(data: bytes) -> bytes:
    """BLAKE2b with a 32-byte digest (Substrate's blake2_256)."""
    return hashlib.blake2b(data, digest_size=IDENTIFIER_BYTES).digest()


def derive_identifier(common_name: bytes, issuer_id: bytes | None = None) -> bytes:
    """The Auto ID identifier of a certificate with subject CN `common_name`, issued by `issuer_id` (None: root)."""
    if issuer_id is None:
        return blake2_256(common_name)
    if len(issuer_id) != IDENTIFIER_BYTES:
        raise InvalidRequest(f"issuer identifier must be {IDENTIFIER_BYTES} bytes, got {len(issuer_id)}")
    return blake2_256(issuer_id + common_name)


def parse_identifier(text: str) -> bytes:
    """A 32-byte identifier from hex (with or without 0x); raise InvalidRequest otherwise."""
    cleaned = text.strip().removeprefix("0x")
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidRequest(f"identifier is not hex: {text!r}") from None
    if len(raw) != IDENTIFIER_BYTES:
        raise InvalidRequest(f"identifier must be {IDENTIFIER_BYTES} bytes, got {len(raw)}")
    return raw
