"""`autonomys autoid ...` through typer's CliRunner against the `app` object."""

from __future__ import annotations

import json

import pytest
from autoid_support import ISSUER_ID, LEAF_ID, NOW_MS
from typer.testing import CliRunner

from protocol.autoid import AutoIdRegistry
from protocol.autoid.cli import app

PIN = ["--now-ms", str(NOW_MS)]


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "registry.sqlite")

    def run(*args: str):
        result = runner.invoke(app, [*args, "--registry", db, *PIN])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, result.output.splitlines()[0] if result.output else ""

    run.db = db
    return run


def test_register_prints_ids_and_refuses_reused_serial(cli, autoid_data):
    assert cli("register", "--cert", str(autoid_data / "issuer.cert.der")) == (0, ISSUER_ID.hex())
    leaf = ["register", "--cert", str(autoid_data / "leaf.cert.der"), "--issuer-id", ISSUER_ID.hex()]
    assert cli(*leaf) == (0, LEAF_ID.hex())
    assert cli(*leaf) == (1, "CertificateSerialAlreadyIssued")


def test_benchmark_files_drive_renew_revoke_and_deactivate(cli, autoid_data):
    bench = autoid_data / "benchmarks"
    assert cli("register", "--params", str(bench / "issuer_register_auto_id_params")) == (0, ISSUER_ID.hex())
    assert cli("register", "--params", str(bench / "leaf_register_auto_id_params")) == (0, LEAF_ID.hex())
    assert cli("renew", "--id", LEAF_ID.hex(), "--params", str(bench / "leaf_auto_id_renewal"))[0] == 0
    assert cli("revoke", "--id", ISSUER_ID.hex(), "--signature",
               str(bench / "issuer_auto_id_revocation_signature"))[0] == 0
    assert cli("verify", "--id", LEAF_ID.hex()) == (1, "CertificateRevoked")
    # the reference deactivation signature is bound to nonce 0; the revocation moved the nonce to 1
    assert cli("deactivate", "--id", ISSUER_ID.hex(), "--signature",
               str(bench / "issuer_auto_id_deactivation_signature")) == (1, "InvalidSignature")
    assert cli("deactivate", "--id", ISSUER_ID.hex(), "--key", str(autoid_data / "private.issuer.pem"))[0] == 0
    assert cli("deactivate", "--id", ISSUER_ID.hex(), "--key", str(autoid_data / "private.issuer.pem")) == \
        (1, "UnknownIssuer")
    with AutoIdRegistry(cli.db) as registry:
        assert registry.auto_ids() == [LEAF_ID]


def test_revoke_with_a_key_signs_for_the_current_nonce(cli, autoid_data):
    cli("register", "--cert", str(autoid_data / "issuer.cert.der"))
    cli("register", "--cert", str(autoid_data / "leaf.cert.der"), "--issuer-id", ISSUER_ID.hex())
    assert cli("revoke", "--id", LEAF_ID.hex(), "--key", str(autoid_data / "private.leaf.pem")) == \
        (1, "InvalidSignature")
    assert cli("revoke", "--id", LEAF_ID.hex(), "--key", str(autoid_data / "private.issuer.pem")) == \
        (0, LEAF_ID.hex())
    assert cli("revoke", "--id", LEAF_ID.hex(), "--key", str(autoid_data / "private.issuer.pem")) == \
        (1, "CertificateAlreadyRevoked")


def test_bad_input_gets_a_named_error_and_exit_1(cli, tmp_path, autoid_data):
    junk = tmp_path / "junk.der"
    junk.write_bytes(b"\x30\x82\xff")
    assert cli("register", "--cert", str(junk)) == (1, "InvalidCertificate")
    assert cli("register", "--cert", str(tmp_path / "missing.der")) == (1, "InvalidRequest")
    assert cli("register", "--cert", str(autoid_data / "leaf.cert.der"), "--issuer-id", "zz") == (1, "InvalidRequest")
    assert cli("register", "--cert", str(autoid_data / "leaf.cert.der"), "--issuer-id", "00" * 32) == \
        (1, "UnknownIssuer")
    assert cli("revoke", "--id", "00" * 32, "--key", str(autoid_data / "private.leaf.pem")) == (1, "UnknownAutoId")


def test_issue_register_sign_and_verify_round_trip(cli, tmp_path):
    key, cert = tmp_path / "alice.pem", tmp_path / "alice.der"
    code, alice_id = cli("issue", "--cn", "alice", "--key-out", str(key), "--cert-out", str(cert), "--register")
    assert code == 0 and len(bytes.fromhex(alice_id)) == 32
    agent_key, agent_cert = tmp_path / "agent.pem", tmp_path / "agent.der"
    code, agent_id = cli("issue", "--cn", "agent", "--key-out", str(agent_key), "--cert-out", str(agent_cert),
                         "--issuer-cert", str(cert), "--issuer-key", str(key), "--key-type", "ecdsa-p256",
                         "--register", "--issuer-id", alice_id)
    assert code == 0
    message, signature = tmp_path / "msg", tmp_path / "msg.sig"
    message.write_bytes(b"signed content")
    assert CliRunner().invoke(app, ["sign", "--key", str(agent_key), "--message", str(message),
                                    "--out", str(signature)]).exit_code == 0
    assert cli("verify", "--id", agent_id, "--trusted-root", alice_id, "--message", str(message),
               "--signature", str(signature)) == (0, f"valid: {agent_id} -> {alice_id}")
    message.write_bytes(b"altered content")
    assert cli("verify", "--id", agent_id, "--message", str(message), "--signature", str(signature)) == \
        (1, "InvalidSignature")
    assert cli("issue", "--cn", "x", "--cert-out", str(tmp_path / "x.der"), "--key-out", str(tmp_path / "x.pem"),
               "--key-type", "dsa") == (1, "UnsupportedAlgorithm")


def test_claim_commands_issue_present_verify_and_revoke(cli, tmp_path):
    ids = {}
    for name in ("university", "alice"):
        ids[name] = cli("issue", "--cn", name, "--key-out", str(tmp_path / f"{name}.pem"),
                        "--cert-out", str(tmp_path / f"{name}.der"), "--register")[1]
    runner, db = CliRunner(), cli.db

    def claim(*args: str) -> tuple[int, str]:
        pinned = PIN if args[0] in ("challenge", "issue", "verify", "revoke") else []
        result = runner.invoke(app, ["claim", *args, *pinned])
        return result.exit_code, result.output

    challenge, response, credential, presentation = (tmp_path / f for f in ("c.json", "r.json", "vc.json", "p.json"))
    assert claim("challenge", "--registry", db, "--issuer-id", ids["university"], "--issuer-key",
                 str(tmp_path / "university.pem"), "--subject", ids["alice"], "--meta", "request_date=2024-07-01",
                 "--expires-ms", "99999999999999", "--out", str(challenge))[0] == 0
    assert claim("respond", "--challenge", str(challenge), "--key", str(tmp_path / "alice.pem"),
                 "--out", str(response))[0] == 0
    issue = ["issue", "--registry", db, "--issuer-id", ids["university"], "--issuer-key",
             str(tmp_path / "university.pem"), "--response", str(response), "--type", "diploma", "--claim",
             "degree=425363", "--expires-ms", "99999999999999", "--out", str(credential)]
    assert claim(*issue)[0] == 0
    assert claim(*issue)[1].splitlines()[0] == "NonceReused"
    assert json.loads(credential.read_text())["claims"] == {"degree": "425363"}
    nonce, verifier = "11" * 32, "22" * 32
    assert claim("present", "--credential", str(credential), "--key", str(tmp_path / "alice.pem"), "--nonce", nonce,
                 "--verifier-id", verifier, "--out", str(presentation))[0] == 0
    verify = ["verify", "--registry", db, "--presentation", str(presentation), "--nonce", nonce,
              "--verifier-id", verifier]
    code, output = claim(*verify)
    assert code == 0 and output.startswith("valid: ")
    assert claim("revoke", "--registry", db, "--credential", str(credential), "--issuer-key",
                 str(tmp_path / "university.pem"))[0] == 0
    assert claim(*verify)[1].splitlines()[0] == "CredentialRevoked"
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert claim("verify", "--registry", db, "--presentation", str(bad), "--nonce", nonce,
                 "--verifier-id", verifier)[1].splitlines()[0] == "InvalidRequest"
