"""Mutual TLS between Auto IDs (white paper App. B.4).

Both sides present the certificate of a registered Auto ID and accept the other only if its certificate verifies
against the registry: registered, within validity, not revoked, chain of trust to a trusted root
(`verification.verify_auto_id`). Python's `ssl` has no verification callback, so the check runs in two places:

1. When a context is built, its trust store holds exactly the certificates of the Auto IDs that verify at that
   moment, with X509_V_FLAG_PARTIAL_CHAIN so a registered certificate is itself a trust anchor (the registry, not
   CA flags, decides). An unknown or already-revoked peer fails inside the TLS handshake.
2. Right after every handshake, the peer's certificate is looked up in the registry (by its exact TBS) and
   verified again, so a revocation made after the context was built is honoured: the connection is closed and
   `PeerRefused` (an `ssl.SSLCertVerificationError` carrying the registry's error name) is raised.

Host names are not checked: peers are identified by Auto ID, not DNS.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from typing import Collection

from cryptography.hazmat.primitives import serialization

from .algorithms import PrivateKey, public_key_info
from .certificate import certificate_pem, split_certificate
from .errors import AutoIdError, InvalidCertificate, PublicKeyMismatch, UnknownAutoId
from .registry import AutoIdRegistry
from .verification import verify_auto_id


class PeerRefused(AutoIdError, ssl.SSLCertVerificationError):
    """The TLS peer's certificate does not verify against the registry; `reason` is the registry's error name."""

    def __init__(self, reason: AutoIdError) -> None:
        super().__init__(f"peer refused: {reason.name}")
        self.reason = reason

    def __str__(self) -> str:
        return f"PeerRefused: {self.reason}"


def peer_auto_id(registry: AutoIdRegistry, peer_certificate: bytes | None,
                 trusted_roots: Collection[bytes] | None = None) -> bytes:
    """The verified Auto ID of a peer's DER certificate; raises the registry's named error otherwise."""
    if not peer_certificate:
        raise InvalidCertificate("peer presented no certificate")
    auto_id = registry.find_by_tbs(split_certificate(peer_certificate).tbs)
    if auto_id is None:
        raise UnknownAutoId("peer certificate is not the registered certificate of any Auto ID")
    verify_auto_id(registry, auto_id, trusted_roots=trusted_roots)
    return auto_id


class AutoIdSSLSocket(ssl.SSLSocket):
    """An SSLSocket that checks the peer against the registry as the last step of its handshake."""

    auto_id_peer: bytes | None = None

    def do_handshake(self, block: bool = False) -> None:  # noqa: FBT001 - signature of ssl.SSLSocket
        super().do_handshake(block)
        context = self.context
        assert isinstance(context, AutoIdSSLContext)
        try:
            self.auto_id_peer = peer_auto_id(context.registry, self.getpeercert(binary_form=True),
                                             context.trusted_roots)
        except AutoIdError as error:
            self.close()
            raise PeerRefused(error) from None


class AutoIdSSLContext(ssl.SSLContext):
    """An SSLContext bound to a registry; built by `server_context` / `client_context`."""

    sslsocket_class = AutoIdSSLSocket
    registry: AutoIdRegistry
    trusted_roots: Collection[bytes] | None


def _context(side: ssl._SSLMethod, registry: AutoIdRegistry, auto_id: bytes, private_key: PrivateKey,
             trusted_roots: Collection[bytes] | None) -> AutoIdSSLContext:
    record = registry.get(auto_id)
    if record is None:
        raise UnknownAutoId("own Auto ID is not registered")
    if public_key_info(private_key) != record.subject_public_key_info:
        raise PublicKeyMismatch("private key does not match the Auto ID's registered key")
    context = AutoIdSSLContext(side)
    context.registry = registry
    context.trusted_roots = None if trusted_roots is None else frozenset(bytes(r) for r in trusted_roots)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    anchors = b""
    for candidate in registry.auto_ids():
        try:
            verify_auto_id(registry, candidate, trusted_roots=context.trusted_roots)
        except AutoIdError:
            continue
        anchors += registry.get(candidate).certificate()  # type: ignore[union-attr]
    if anchors:
        context.load_verify_locations(cadata=anchors)
    key_pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    with tempfile.TemporaryDirectory(prefix="autoid-tls-") as directory:
        path = os.path.join(directory, "identity.pem")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
            handle.write(certificate_pem(record.certificate()) + key_pem)
        context.load_cert_chain(path)
    return context


def server_context(registry: AutoIdRegistry, auto_id: bytes, private_key: PrivateKey, *,
                   trusted_roots: Collection[bytes] | None = None) -> AutoIdSSLContext:
    """A server context presenting `auto_id`'s certificate and requiring a registry-verified client."""
    return _context(ssl.PROTOCOL_TLS_SERVER, registry, auto_id, private_key, trusted_roots)


def client_context(registry: AutoIdRegistry, auto_id: bytes, private_key: PrivateKey, *,
                   trusted_roots: Collection[bytes] | None = None) -> AutoIdSSLContext:
    """A client context presenting `auto_id`'s certificate and requiring a registry-verified server."""
    return _context(ssl.PROTOCOL_TLS_CLIENT, registry, auto_id, private_key, trusted_roots)
