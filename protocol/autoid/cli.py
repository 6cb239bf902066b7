"""`autonomys autoid ...`: Auto ID against a local registry file (spec README, "the command line").

    issue       new key + certificate (self-issued, or under --issuer-cert/--issuer-key); --register adds it
    register    --cert CERT [--issuer-id HEX]  or  --params FILE (SCALE call argument); prints the new Auto ID
    renew       --id HEX --cert CERT [--issuer-id HEX]  or  --params FILE
    revoke      --id HEX --key SIGNER.pem  or  --signature FILE (SCALE Signature)
    deactivate  --id HEX --key OWN.pem     or  --signature FILE
    verify      --id HEX [--trusted-root HEX ...] [--message FILE --signature FILE]
    sign        --key KEY.pem --message FILE --out FILE (SCALE Signature)
    claim       challenge | respond | issue | present | verify | revoke   (verifiable credentials)

Every command takes --registry FILE (SQLite; created on first use) and --now-ms to pin the clock. Exit 0 on
success; a refusal exits 1 and prints the error's name (e.g. `CertificateSerialAlreadyIssued`) on stdout, with
the detail on stderr. Mounted by protocol/cli.py as `app.add_typer(autoid_app, name="autoid")`.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

import typer

from . import claims as vc
from .algorithms import sign
from .certificate import split_certificate
from .encoding import (CertificateActionType, certificate_action_message, decode_register_params,
                       decode_renew_params, decode_signature, encode_signature)
from .errors import AutoIdError, InvalidRequest
from .identifier import parse_identifier
from .issuance import (generate_key, issue_from_csr, load_private_key, make_csr, private_key_pem, self_issue,
                       KEY_TYPES)
from .registry import AutoIdRegistry, system_clock_ms
from .verification import verify_auto_id, verify_message

app = typer.Typer(help="Auto ID: X.509 identities on a local registry file.", no_args_is_help=True)
claim_app = typer.Typer(help="Verifiable credentials issued to Auto IDs.", no_args_is_help=True)
app.add_typer(claim_app, name="claim")

F = TypeVar("F", bound=Callable[..., None])

RegistryOption = typer.Option(..., "--registry", help="SQLite registry file (created if missing)")
NowOption = typer.Option(None, "--now-ms", help="pin the clock (ms since the Unix epoch)")


def refusals_exit_1(command: F) -> F:
    """Print a refusal's name and exit 1 instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except AutoIdError as error:
            typer.echo(error.name)
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
        except OSError as error:
            typer.echo(InvalidRequest.__name__)
            typer.echo(f"InvalidRequest: {error}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _open(registry: Path, now_ms: Optional[int]) -> AutoIdRegistry:
    return AutoIdRegistry(registry, clock=system_clock_ms if now_ms is None else (lambda: now_ms))


def _read(path: Path) -> bytes:
    return Path(path).read_bytes()


def _id(text: Optional[str]) -> Optional[bytes]:
    return None if text is None else parse_identifier(text)


def _key_value(pairs: List[str], as_bytes: bool) -> dict:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidRequest(f"expected KEY=VALUE, got {pair!r}")
        if as_bytes:
            try:
                result[key] = bytes.fromhex(value)
            except ValueError:
                raise InvalidRequest(f"claim value for {key!r} is not hex") from None
        else:
            result[key] = value
    return result


@app.command()
@refusals_exit_1
def issue(cn: str = typer.Option(..., "--cn", help="subject common name"),
          cert_out: Path = typer.Option(..., "--cert-out", help="where to write the certificate (DER)"),
          key_out: Optional[Path] = typer.Option(None, "--key-out", help="where to write a new private key (PEM)"),
          key: Optional[Path] = typer.Option(None, "--key", help="use this existing private key instead"),
          key_type: str = typer.Option("ed25519", "--key-type", help=f"one of {', '.join(KEY_TYPES)}"),
          issuer_cert: Optional[Path] = typer.Option(None, "--issuer-cert"),
          issuer_key: Optional[Path] = typer.Option(None, "--issuer-key"),
          days: int = typer.Option(365, "--days"),
          serial: Optional[int] = typer.Option(None, "--serial"),
          register: bool = typer.Option(False, "--register", help="also register it (needs --registry)"),
          issuer_id: Optional[str] = typer.Option(None, "--issuer-id", help="issuer Auto ID when registering"),
          registry: Optional[Path] = typer.Option(None, "--registry"),
          now_ms: Optional[int] = NowOption) -> None:
    """Create a key and a certificate: self-issued, or issued from a CSR by --issuer-cert/--issuer-key."""
    if key is None and key_out is None:
        raise InvalidRequest("give --key (existing) or --key-out (new key)")
    if (issuer_cert is None) != (issuer_key is None):
        raise InvalidRequest("--issuer-cert and --issuer-key go together")
    if register and registry is None:
        raise InvalidRequest("--register needs --registry")
    now = system_clock_ms() if now_ms is None else now_ms
    subject_key = load_private_key(_read(key)) if key is not None else generate_key(key_type)
    window = dict(not_before_ms=now, not_after_ms=now + days * 86_400_000, now_ms=now, serial=serial)
    if issuer_cert is None:
        certificate = self_issue(subject_key, cn, **window)
    else:
        certificate = issue_from_csr(make_csr(subject_key, cn), _read(issuer_cert),
                                     load_private_key(_read(issuer_key)), **window)  # type: ignore[arg-type]
    if register:
        with _open(registry, now_ms) as reg:  # type: ignore[arg-type]
            auto_id = reg.register_certificate(certificate, _id(issuer_id))
    if key_out is not None:
        key_out.write_bytes(private_key_pem(subject_key))
    cert_out.write_bytes(certificate)
    if register:
        typer.echo(auto_id.hex())


@app.command()
@refusals_exit_1
def register(registry: Path = RegistryOption,
             cert: Optional[Path] = typer.Option(None, "--cert", help="certificate (DER or PEM)"),
             issuer_id: Optional[str] = typer.Option(None, "--issuer-id", help="issuer Auto ID (hex) for a leaf"),
             params: Optional[Path] = typer.Option(None, "--params", help="SCALE RegisterAutoId argument"),
             now_ms: Optional[int] = NowOption) -> None:
    """Register a root (no --issuer-id) or a leaf; print the new Auto ID (hex)."""
    if (cert is None) == (params is None):
        raise InvalidRequest("give exactly one of --cert and --params")
    if params is not None:
        issuer, tbs, algorithm, signature = decode_register_params(_read(params))
    else:
        parts = split_certificate(_read(cert))  # type: ignore[arg-type]
        issuer, tbs, algorithm, signature = _id(issuer_id), parts.tbs, parts.signature_algorithm, parts.signature
    with _open(registry, now_ms) as reg:
        typer.echo(reg.register(tbs, algorithm, signature, issuer).hex())


@app.command()
@refusals_exit_1
def renew(registry: Path = RegistryOption,
          auto_id: str = typer.Option(..., "--id", help="Auto ID to renew (hex)"),
          cert: Optional[Path] = typer.Option(None, "--cert"),
          issuer_id: Optional[str] = typer.Option(None, "--issuer-id"),
          params: Optional[Path] = typer.Option(None, "--params", help="SCALE RenewAutoId argument"),
          now_ms: Optional[int] = NowOption) -> None:
    """Renew an Auto ID's certificate (same key, same identifier)."""
    if (cert is None) == (params is None):
        raise InvalidRequest("give exactly one of --cert and --params")
    if params is not None:
        issuer, tbs, algorithm, signature = decode_renew_params(_read(params))
    else:
        parts = split_certificate(_read(cert))  # type: ignore[arg-type]
        issuer, tbs, algorithm, signature = _id(issuer_id), parts.tbs, parts.signature_algorithm, parts.signature
    target = parse_identifier(auto_id)
    with _open(registry, now_ms) as reg:
        reg.renew(target, tbs, algorithm, signature, issuer)
    typer.echo(target.hex())


def _action_signature(reg: AutoIdRegistry, target: bytes, action: CertificateActionType, key: Optional[Path],
                      signature: Optional[Path]):  # noqa: ANN202
    if (key is None) == (signature is None):
        raise InvalidRequest("give exactly one of --key and --signature")
    if signature is not None:
        return decode_signature(_read(signature))
    record = reg.get(target)
    signer = record if record is None or action == CertificateActionType.DEACTIVATE_AUTO_ID \
        or record.issuer_id is None else reg.get(record.issuer_id)
    nonce = 0 if signer is None else signer.nonce  # unknown ids are refused by the call itself
    return sign(load_private_key(_read(key)), certificate_action_message(target, nonce, action))  # type: ignore


@app.command()
@refusals_exit_1
def revoke(registry: Path = RegistryOption, auto_id: str = typer.Option(..., "--id"),
           key: Optional[Path] = typer.Option(None, "--key", help="signer's key: the issuer's, or the root's own"),
           signature: Optional[Path] = typer.Option(None, "--signature", help="SCALE Signature file"),
           now_ms: Optional[int] = NowOption) -> None:
    """Revoke an Auto ID's current certificate (signed by its issuer, or a root by itself)."""
    target = parse_identifier(auto_id)
    with _open(registry, now_ms) as reg:
        reg.revoke(target, _action_signature(reg, target, CertificateActionType.REVOKE_CERTIFICATE, key, signature))
    typer.echo(target.hex())


@app.command()
@refusals_exit_1
def deactivate(registry: Path = RegistryOption, auto_id: str = typer.Option(..., "--id"),
               key: Optional[Path] = typer.Option(None, "--key", help="the Auto ID's own key"),
               signature: Optional[Path] = typer.Option(None, "--signature", help="SCALE Signature file"),
               now_ms: Optional[int] = NowOption) -> None:
    """Deactivate (remove) an Auto ID, signed by its own key."""
    target = parse_identifier(auto_id)
    with _open(registry, now_ms) as reg:
        reg.deactivate(target, _action_signature(reg, target, CertificateActionType.DEACTIVATE_AUTO_ID, key,
                                                 signature))
    typer.echo(target.hex())


@app.command()
@refusals_exit_1
def verify(registry: Path = RegistryOption, auto_id: str = typer.Option(..., "--id"),
           trusted_root: List[str] = typer.Option([], "--trusted-root", help="trusted root Auto ID (repeatable)"),
           message: Optional[Path] = typer.Option(None, "--message", help="also verify a signed message"),
           signature: Optional[Path] = typer.Option(None, "--signature", help="SCALE Signature of --message"),
           now_ms: Optional[int] = NowOption) -> None:
    """Verify an Auto ID (validity, revocation, chain of trust) and optionally a message it signed."""
    target = parse_identifier(auto_id)
    roots = [parse_identifier(r) for r in trusted_root] or None
    if (message is None) != (signature is None):
        raise InvalidRequest("--message and --signature go together")
    with _open(registry, now_ms) as reg:
        if message is not None:
            verify_message(reg, target, _read(message), decode_signature(_read(signature)),  # type: ignore[arg-type]
                           trusted_roots=roots)
        chain = verify_auto_id(reg, target, trusted_roots=roots)
    typer.echo("valid: " + " -> ".join(record.identifier.hex() for record in chain))


@app.command("sign")
@refusals_exit_1
def sign_command(key: Path = typer.Option(..., "--key"), message: Path = typer.Option(..., "--message"),
                 out: Path = typer.Option(..., "--out", help="SCALE Signature output file")) -> None:
    """Sign a file with an Auto ID's private key."""
    out.write_bytes(encode_signature(sign(load_private_key(_read(key)), _read(message))))


def _load_json(kind: type, path: Path):  # noqa: ANN202
    return vc.parse_json(kind, _read(path))


def _write_json(path: Optional[Path], obj: object) -> None:
    text = json.dumps(obj.to_json(), indent=1, sort_keys=True)  # type: ignore[attr-defined]
    if path is None:
        typer.echo(text)
    else:
        path.write_text(text)


@claim_app.command("challenge")
@refusals_exit_1
def claim_challenge(registry: Path = RegistryOption, issuer_id: str = typer.Option(..., "--issuer-id"),
                    issuer_key: Path = typer.Option(..., "--issuer-key"),
                    subject: str = typer.Option(..., "--subject", help="subject Auto ID (hex)"),
                    meta: List[str] = typer.Option([], "--meta", help="KEY=VALUE metadata (repeatable)"),
                    expires_ms: int = typer.Option(..., "--expires-ms"),
                    out: Optional[Path] = typer.Option(None, "--out"), now_ms: Optional[int] = NowOption) -> None:
    """Issuer: hand out a nonce challenge to a subject."""
    with _open(registry, now_ms) as reg:
        issuer = vc.CredentialIssuer(reg, parse_identifier(issuer_id), load_private_key(_read(issuer_key)))
        _write_json(out, issuer.challenge(parse_identifier(subject), _key_value(meta, False), expires_ms))


@claim_app.command("respond")
@refusals_exit_1
def claim_respond(challenge: Path = typer.Option(..., "--challenge"), key: Path = typer.Option(..., "--key"),
                  out: Optional[Path] = typer.Option(None, "--out")) -> None:
    """Holder: sign a challenge with the Auto ID's key."""
    _write_json(out, vc.respond_to_challenge(_load_json(vc.Challenge, challenge), load_private_key(_read(key))))


@claim_app.command("issue")
@refusals_exit_1
def claim_issue(registry: Path = RegistryOption, issuer_id: str = typer.Option(..., "--issuer-id"),
                issuer_key: Path = typer.Option(..., "--issuer-key"),
                response: Path = typer.Option(..., "--response"),
                claim_type: str = typer.Option(..., "--type"),
                claim: List[str] = typer.Option([], "--claim", help="KEY=HEXVALUE (repeatable)"),
                expires_ms: int = typer.Option(..., "--expires-ms"),
                out: Optional[Path] = typer.Option(None, "--out"), now_ms: Optional[int] = NowOption) -> None:
    """Issuer: check a challenge response and issue a credential."""
    with _open(registry, now_ms) as reg:
        issuer = vc.CredentialIssuer(reg, parse_identifier(issuer_id), load_private_key(_read(issuer_key)))
        _write_json(out, issuer.issue(_load_json(vc.ChallengeResponse, response), claim_type,
                                      _key_value(claim, True), expires_at_ms=expires_ms))


@claim_app.command("present")
@refusals_exit_1
def claim_present(credential: Path = typer.Option(..., "--credential"), key: Path = typer.Option(..., "--key"),
                  nonce: str = typer.Option(..., "--nonce", help="verifier's nonce (32 bytes hex)"),
                  verifier_id: str = typer.Option(..., "--verifier-id"),
                  out: Optional[Path] = typer.Option(None, "--out")) -> None:
    """Holder: present a credential to a verifier."""
    _write_json(out, vc.present(_load_json(vc.Credential, credential), parse_identifier(nonce),
                                parse_identifier(verifier_id), load_private_key(_read(key))))


@claim_app.command("verify")
@refusals_exit_1
def claim_verify(registry: Path = RegistryOption, presentation: Path = typer.Option(..., "--presentation"),
                 nonce: str = typer.Option(..., "--nonce"), verifier_id: str = typer.Option(..., "--verifier-id"),
                 trusted_root: List[str] = typer.Option([], "--trusted-root"),
                 now_ms: Optional[int] = NowOption) -> None:
    """Verifier: check a presentation; prints the credential hash."""
    with _open(registry, now_ms) as reg:
        vc_hash = vc.verify_presentation(reg, _load_json(vc.Presentation, presentation),
                                         expected_nonce=parse_identifier(nonce),
                                         verifier_id=parse_identifier(verifier_id),
                                         trusted_roots=[parse_identifier(r) for r in trusted_root] or None)
    typer.echo("valid: " + vc_hash.hex())


@claim_app.command("revoke")
@refusals_exit_1
def claim_revoke(registry: Path = RegistryOption, credential: Path = typer.Option(..., "--credential"),
                 issuer_key: Path = typer.Option(..., "--issuer-key"),
                 reason: int = typer.Option(0, "--reason"), now_ms: Optional[int] = NowOption) -> None:
    """Issuer: post a credential's revocation (hash + signature) to the registry."""
    issued = _load_json(vc.Credential, credential)
    with _open(registry, now_ms) as reg:
        revocations = vc.CredentialRevocations(reg)
        nonce, signature = revocations.sign_revocation(issued.vc_hash, issued.issuer,
                                                       load_private_key(_read(issuer_key)))
        revocations.revoke(issued.vc_hash, issued.issuer, nonce, signature, reason=reason)
    typer.echo(issued.vc_hash.hex())


def main() -> None:  # pragma: no cover - convenience entry for `python -m protocol.autoid.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
