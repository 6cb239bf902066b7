"""Canonical encoding CE (SCALE) of what Auto ID hashes and signs (domains_and_ai.md section 0, protocol.md 1.6).

The spec asks for the `scalecodec` package rather than a hand-written codec; each primitive below is encoded by
it. Structs are the concatenation of their fields in order (that is what SCALE does for structs), maps are lists of
(key, value) pairs sorted by the key's encoding, options are 0x00 | 0x01 ‖ value.

`certificate_action_message` is the message a revocation / deactivation signs on chain:
SCALE(CertificateAction{id: H256, nonce: U256, action}) = id(32) ‖ nonce little-endian(32) ‖ action(1), 65 bytes.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache
from typing import Mapping, Sequence

from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from .algorithms import Signature
from .errors import InvalidRequest

U256_MAX = (1 << 256) - 1


class CertificateActionType(IntEnum):
    """The action byte of a CertificateAction (protocol.md 1.6, 1.7)."""

    REVOKE_CERTIFICATE = 0
    DEACTIVATE_AUTO_ID = 1


@lru_cache(maxsize=1)
def _runtime() -> RuntimeConfigurationObject:
    runtime = RuntimeConfigurationObject()
    runtime.update_type_registry(load_type_registry_preset("legacy"))
    return runtime


def _encode(type_string: str, value: object) -> bytes:
    return bytes(_runtime().create_scale_object(type_string).encode(value).data)


def encode_u8(value: int) -> bytes:
    return _encode("u8", value)


def encode_u16(value: int) -> bytes:
    return _encode("u16", value)


def encode_u64(value: int) -> bytes:
    if not 0 <= value < 1 << 64:
        raise InvalidRequest(f"{value} does not fit in u64")
    return _encode("u64", value)


def encode_u256(value: int) -> bytes:
    if not 0 <= value <= U256_MAX:
        raise InvalidRequest(f"{value} does not fit in U256")
    return _encode("U256", value)


def encode_compact(value: int) -> bytes:
    return _encode("Compact<u64>", value)


def encode_bytes(value: bytes) -> bytes:
    """Vec<u8>: compact length ‖ octets."""
    return encode_compact(len(value)) + bytes(value)


def encode_str(value: str) -> bytes:
    return _encode("Text", value)


def encode_b32(value: bytes) -> bytes:
    if len(value) != 32:
        raise InvalidRequest(f"expected 32 bytes, got {len(value)}")
    return bytes(value)


def encode_option_b32(value: bytes | None) -> bytes:
    return b"\x00" if value is None else b"\x01" + encode_b32(value)


def encode_list(items: Sequence[bytes]) -> bytes:
    """Vec<T> of already-encoded items."""
    return encode_compact(len(items)) + b"".join(items)


def encode_str_bytes_map(mapping: Mapping[str, bytes]) -> bytes:
    """map[str, bytes], sorted by CE(key)."""
    pairs = sorted((encode_str(k), encode_bytes(v)) for k, v in mapping.items())
    return encode_list([k + v for k, v in pairs])


def encode_str_str_map(mapping: Mapping[str, str]) -> bytes:
    """map[str, str], sorted by CE(key)."""
    pairs = sorted((encode_str(k), encode_str(v)) for k, v in mapping.items())
    return encode_list([k + v for k, v in pairs])


def decode_compact(data: bytes, offset: int) -> tuple[int, int]:
    """Read a compact integer at `offset`; return it and the offset after it."""
    obj = _runtime().create_scale_object("Compact<u64>", ScaleBytes(bytes(data[offset:])))
    try:
        value = obj.decode(check_remaining=False)
    except Exception as exc:  # noqa: BLE001 - scalecodec raises several kinds on truncated input
        raise InvalidRequest(f"bad compact integer: {exc}") from None
    return int(value), offset + obj.data.offset


def decode_bytes(data: bytes, offset: int) -> tuple[bytes, int]:
    """Read a Vec<u8> at `offset`; return it and the offset after it."""
    length, offset = decode_compact(data, offset)
    end = offset + length
    if end > len(data):
        raise InvalidRequest("Vec<u8> runs past the end of the input")
    return bytes(data[offset:end]), end


def certificate_action_message(auto_id: bytes, nonce: int, action: CertificateActionType) -> bytes:
    """The 65-byte message signed to revoke or deactivate (protocol.md 1.6, 1.7)."""
    return encode_b32(auto_id) + encode_u256(nonce) + encode_u8(int(action))


def encode_signature(signature: Signature) -> bytes:
    """SCALE of the pallet's Signature{signature_algorithm: DerVec, value: Vec<u8>}."""
    return encode_bytes(signature.algorithm) + encode_bytes(signature.value)


def decode_signature(data: bytes) -> Signature:
    """Inverse of `encode_signature`; the whole input must be consumed."""
    algorithm, offset = decode_bytes(data, 0)
    value, offset = decode_bytes(data, offset)
    if offset != len(data):
        raise InvalidRequest("trailing bytes after Signature")
    return Signature(algorithm, value)


def _decode_x509_fields(data: bytes, offset: int) -> tuple[bytes, bytes, bytes]:
    tbs, offset = decode_bytes(data, offset)
    algorithm, offset = decode_bytes(data, offset)
    signature, offset = decode_bytes(data, offset)
    if offset != len(data):
        raise InvalidRequest("trailing bytes after the certificate fields")
    return tbs, algorithm, signature


def _decode_x509_call(data: bytes, what: str) -> tuple[bytes | None, bytes, bytes, bytes]:
    # byte 0: X509 variant; byte 1: Root/None (0) or Leaf/Some (1) followed by the 32-byte issuer id
    if len(data) < 2 or data[0] != 0 or data[1] not in (0, 1):
        raise InvalidRequest(f"not a {what} call argument")
    if data[1] == 0:
        return (None, *_decode_x509_fields(data, 2))
    if len(data) < 34:
        raise InvalidRequest("truncated issuer id")
    return (bytes(data[2:34]), *_decode_x509_fields(data, 34))


def decode_register_params(data: bytes) -> tuple[bytes | None, bytes, bytes, bytes]:
    """SCALE RegisterAutoId::X509(Root{..} | Leaf{issuer_id, ..}) → (issuer_id or None, tbs, algorithm, signature)."""
    return _decode_x509_call(data, "RegisterAutoId::X509")


def decode_renew_params(data: bytes) -> tuple[bytes | None, bytes, bytes, bytes]:
    """SCALE RenewAutoId::X509{issuer_id: Option<H256>, ..} → (issuer_id or None, tbs, algorithm, signature).

    Same layout as registration: the Option's 0/1 sits where the Root/Leaf index does."""
    return _decode_x509_call(data, "RenewAutoId::X509")
