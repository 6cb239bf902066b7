"""Constants and helpers of the Auto ID tests (imported by conftest.py and the tests; unique module name)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from protocol.autoid import PrivateKey, generate_key, issue_from_csr, make_csr, self_issue

NOW_MS = 1_719_792_000_000
DAY_MS = 86_400_000
ISSUER_ID = bytes.fromhex("8d66f57e35d26fb7a81de8eb274ebd9e672288dcbf3f7313335e8feeec3e3bf9")
LEAF_ID = bytes.fromhex("5c549b317b0f47e81894a9374f244f1cdd062c4a436071d8629f2c69509861a1")


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() or (parent / ".git").exists():
            return parent
    return here.parents[3]


AUTOID_DATA = (_repo_root() / ".." / "shared" / "data" / "autoid").resolve()


@dataclass(frozen=True)
class ReferenceFixtures:
    issuer_cert: bytes
    leaf_cert: bytes
    updated_issuer_cert: bytes
    updated_leaf_cert: bytes
    issuer_key: PrivateKey
    leaf_key: PrivateKey
    benchmarks: Path


@dataclass(frozen=True)
class Identity:
    key: PrivateKey
    certificate: bytes


class Pki:
    """Makes certificates valid around NOW_MS (one day before to one year after unless told otherwise)."""

    def __init__(self, now_ms: int = NOW_MS) -> None:
        self.now_ms = now_ms

    def _window(self, kw: dict) -> dict:
        kw.setdefault("not_before_ms", self.now_ms - DAY_MS)
        kw.setdefault("not_after_ms", self.now_ms + 365 * DAY_MS)
        return kw

    def root(self, cn: str, key_type: str = "ed25519", **kw) -> Identity:
        key = kw.pop("key", None) or generate_key(key_type)
        return Identity(key, self_issue(key, cn, now_ms=self.now_ms, **self._window(kw)))

    def leaf(self, cn: str, issuer: Identity, key_type: str = "ed25519", **kw) -> Identity:
        key = kw.pop("key", None) or generate_key(key_type)
        csr = make_csr(key, cn)
        return Identity(key, issue_from_csr(csr, issuer.certificate, issuer.key, now_ms=self.now_ms,
                                            **self._window(kw)))
