"""A real loopback mTLS exchange: a registered client connects; a revoked or unknown one is refused."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest
from autoid_support import Pki

from protocol.autoid import (AutoIdRegistry, CertificateActionType, PublicKeyMismatch, certificate_action_message,
                             client_context, server_context, sign, system_clock_ms)

# TLS stacks check validity against the real clock, so these certificates are made around the real now.
NOW = system_clock_ms()


@pytest.fixture
def network():
    pki = Pki(now_ms=NOW)
    registry = AutoIdRegistry(":memory:")  # real clock, like the TLS stack
    root = pki.root("mtls root", "ecdsa-p256")
    root_id = registry.register_certificate(root.certificate)
    server = pki.leaf("server", root)
    server_id = registry.register_certificate(server.certificate, root_id)
    yield pki, registry, root, root_id, server, server_id
    registry.close()


def _exchange(server_ctx, client_ctx) -> tuple[list, object]:
    """Run one connection; return (server outcomes, client outcome)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    outcomes: list = []

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                outcomes.append(("peer", tls.auto_id_peer))
                tls.sendall(b"hello " + tls.recv(16))
        except ssl.SSLError as error:
            outcomes.append(("refused", getattr(getattr(error, "reason", None), "name", None) or type(error).__name__))
        except OSError as error:
            outcomes.append(("refused", type(error).__name__))

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=10) as raw:
            with client_ctx.wrap_socket(raw) as tls:
                tls.sendall(b"client")
                reply: object = tls.recv(64)
    except (ssl.SSLError, OSError) as error:
        reply = type(error).__name__
    thread.join(10)
    listener.close()
    return outcomes, reply


def test_registered_client_and_server_authenticate_each_other(network):
    pki, registry, root, root_id, server, server_id = network
    client = pki.leaf("client", root, "ed25519")
    client_id = registry.register_certificate(client.certificate, root_id)
    outcomes, reply = _exchange(server_context(registry, server_id, server.key, trusted_roots=[root_id]),
                                client_context(registry, client_id, client.key, trusted_roots=[root_id]))
    assert outcomes == [("peer", client_id)]
    assert reply == b"hello client"


def test_unknown_client_is_refused_in_the_handshake(network):
    pki, registry, root, root_id, server, server_id = network
    stranger_registry = AutoIdRegistry(":memory:")
    stranger_root = pki.root("stranger root")
    stranger_root_id = stranger_registry.register_certificate(stranger_root.certificate)
    outcomes, reply = _exchange(server_context(registry, server_id, server.key),
                                client_context(stranger_registry, stranger_root_id, stranger_root.key))
    stranger_registry.close()
    assert outcomes and outcomes[0][0] == "refused"
    assert reply != b"hello client"


def test_client_revoked_after_the_server_started_is_refused(network):
    pki, registry, root, root_id, server, server_id = network
    client = pki.leaf("client", root)
    client_id = registry.register_certificate(client.certificate, root_id)
    server_ctx = server_context(registry, server_id, server.key)  # client is still trusted here
    client_ctx = client_context(registry, client_id, client.key)
    registry.revoke(client_id, sign(root.key, certificate_action_message(
        client_id, 0, CertificateActionType.REVOKE_CERTIFICATE)))
    outcomes, reply = _exchange(server_ctx, client_ctx)
    assert outcomes == [("refused", "CertificateRevoked")]
    assert reply != b"hello client"


def test_revoked_client_is_refused_by_a_fresh_server_context(network):
    pki, registry, root, root_id, server, server_id = network
    client = pki.leaf("client", root)
    client_id = registry.register_certificate(client.certificate, root_id)
    client_ctx = client_context(registry, client_id, client.key)
    registry.revoke(client_id, sign(root.key, certificate_action_message(
        client_id, 0, CertificateActionType.REVOKE_CERTIFICATE)))
    outcomes, reply = _exchange(server_context(registry, server_id, server.key), client_ctx)
    assert outcomes and outcomes[0][0] == "refused"
    assert reply != b"hello client"


def test_context_refuses_a_key_that_is_not_the_auto_ids(network):
    pki, registry, root, root_id, server, server_id = network
    with pytest.raises(PublicKeyMismatch):
        server_context(registry, server_id, root.key)
