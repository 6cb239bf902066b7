"""Farmer identity: an sr25519 keypair that signs block seals (protocol.md 3.2 step 1).

A farmer's public key is in every solution it produces (`Solution.public_key`) and is the key whose
signature over the header pre-hash seals the block (`Header.seal`). Signatures use schnorrkel with the
signing context `REWARD_SIGNING_CONTEXT = b"subspace_reward"`, as the network does.

Libraries: keypairs are derived from a 32-byte seed by `py-sr25519-bindings` (`sr25519.pair_from_seed`,
schnorrkel's `MiniSecretKey::expand_to_keypair(ExpandMode::Ed25519)`, so a seed gives the same public key
as Substrate tools). That binding's `sign`/`verify` hard-code the signing context `b"substrate"`, which is
NOT the network's; signing and verification therefore go through `protocol.consensus.schnorrkel`, a pure
Python schnorrkel that takes the context as a parameter and is tested bit-compatible with the binding.

Key file (`Keypair.save` / `Keypair.load`): JSON `{"scheme": "sr25519", "seed": hex, "public_key": hex}`,
written atomically (temporary file in the same directory, fsync, rename, fsync of the directory) with mode
0600; loading refuses a file readable or writable by group/others (`KeyFileError`), a malformed file, or one
whose public key does not match its seed.

API: `Keypair.generate()`, `Keypair.from_seed(seed)`, `kp.public_key`, `kp.sign(message)`,
`verify_signature(public_key, message, signature) -> bool`, `seal_header(header, kp) -> Header`,
`Keypair.save(path)`, `Keypair.load(path)`.
"""
from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sr25519

from protocol.constants import REWARD_SIGNING_CONTEXT
from protocol.consensus import schnorrkel
from protocol.consensus.block import Header

SEED_SIZE = 32
PUBLIC_KEY_SIZE = schnorrkel.PUBLIC_KEY_SIZE
SIGNATURE_SIZE = schnorrkel.SIGNATURE_SIZE
KEY_FILE_SCHEME = "sr25519"


class KeyFileError(ValueError):
    """A key file that cannot be used: unreadable, malformed, inconsistent, or with unsafe permissions."""


@dataclass(frozen=True)
class Keypair:
    """An sr25519 keypair derived from a 32-byte seed. The seed never appears in repr()."""

    seed: bytes = field(repr=False)
    public_key: bytes = field(init=False)
    _secret_scalar: int = field(init=False, repr=False, compare=False)
    _nonce: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, (bytes, bytearray)) or len(self.seed) != SEED_SIZE:
            raise ValueError(f"keypair seed must be {SEED_SIZE} bytes")
        object.__setattr__(self, "seed", bytes(self.seed))
        public, secret = sr25519.pair_from_seed(self.seed)
        object.__setattr__(self, "public_key", bytes(public))
        object.__setattr__(self, "_secret_scalar", int.from_bytes(secret[:32], "little") % schnorrkel.L)
        object.__setattr__(self, "_nonce", bytes(secret[32:]))

    @classmethod
    def generate(cls) -> Keypair:
        """A fresh keypair from 32 bytes of OS randomness."""
        return cls(os.urandom(SEED_SIZE))

    @classmethod
    def from_seed(cls, seed: bytes) -> Keypair:
        return cls(seed)

    def sign(self, message: bytes, context: bytes = REWARD_SIGNING_CONTEXT) -> bytes:
        """64-byte schnorrkel signature of `message` under `context` (default: the reward context)."""
        return schnorrkel.sign(self._secret_scalar, self._nonce, self.public_key, context, bytes(message))

    # --- key file ------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the key file atomically with mode 0600 (module docstring), replacing any existing file."""
        path = Path(path)
        payload = json.dumps({"scheme": KEY_FILE_SCHEME, "seed": self.seed.hex(),
                              "public_key": self.public_key.hex()}, indent=1).encode() + b"\n"
        directory = path.parent if str(path.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Keypair:
        """Read a key file written by `save`; KeyFileError if unsafe, malformed or inconsistent."""
        path = Path(path)
        try:
            mode = path.stat().st_mode
            raw = path.read_bytes()
        except OSError as exc:
            raise KeyFileError(f"cannot read key file {path}: {exc.strerror or exc}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(f"key file {path} is accessible by group or others "
                               f"(mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}")
        try:
            data = json.loads(raw)
            if data.get("scheme") != KEY_FILE_SCHEME:
                raise KeyFileError(f"key file {path}: scheme {data.get('scheme')!r}, expected {KEY_FILE_SCHEME!r}")
            seed = bytes.fromhex(data["seed"])
            public_key = bytes.fromhex(data["public_key"])
        except KeyFileError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyFileError(f"key file {path} is malformed: {exc}") from exc
        if len(seed) != SEED_SIZE:
            raise KeyFileError(f"key file {path}: seed must be {SEED_SIZE} bytes, got {len(seed)}")
        keypair = cls(seed)
        if keypair.public_key != public_key:
            raise KeyFileError(f"key file {path}: public key does not match the seed")
        return keypair

    @classmethod
    def load_or_generate(cls, path: str | os.PathLike[str]) -> Keypair:
        """Load the key file at `path`, or create it with a fresh keypair if it does not exist."""
        if Path(path).exists():
            return cls.load(path)
        keypair = cls.generate()
        keypair.save(path)
        return keypair


def verify_signature(public_key: bytes, message: bytes, signature: bytes,
                     context: bytes = REWARD_SIGNING_CONTEXT) -> bool:
    """True iff `signature` is `public_key`'s signature of `message` under `context`. Structurally invalid
    inputs raise `schnorrkel.InvalidSignatureFormat` / `schnorrkel.InvalidPublicKey` (both ValueError)."""
    return schnorrkel.verify(bytes(public_key), context, bytes(message), bytes(signature))


def seal_header(header: Header, keypair: Keypair) -> Header:
    """The header sealed by `keypair`: its signature over `header.pre_hash()`. The keypair must be the one
    named in the header's solution (ValueError otherwise; genesis headers are never sealed)."""
    if header.solution is None:
        raise ValueError("the genesis header carries no solution and is not sealed")
    if header.solution.public_key != keypair.public_key:
        raise ValueError("the keypair is not the solution's public key: the seal would not verify")
    return header.with_seal(keypair.sign(header.pre_hash()))
