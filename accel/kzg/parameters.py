"""KZG public parameters (storage_and_time.md section 3; layout in shared/data/kzg/README.md).

- `load_parameters(path)`: the network's file, 2^15 compressed G1 monomial powers [tau^j]G1 then
  65 compressed G2 powers [tau^j]G2 (Ethereum ceremony transcript #3). The size and the sha256 are
  checked (ValueError naming which); the G2 points are decoded with on-curve and subgroup checks here,
  the G1 points when a backend prepares them for MSM (`be.msm_prepare`, which checks every point).
- `dev_parameters(n)`: an INSECURE deterministic setup for the dev node and tests: tau is derived
  from a public label, so anybody can open a commitment to anything. Never use it on a network.
"""
from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field

import blake3

from accel.kzg.constants import (DEV_G2_POWERS, DEV_TAU_LABEL, G1_BYTES, G2_BYTES, NETWORK_G1_POWERS,
                                 NETWORK_G2_POWERS, NETWORK_PARAMETERS_SHA256, NETWORK_PARAMETERS_SIZE, R)
from accel.kzg.library import ark


@dataclass(frozen=True, eq=False)
class Parameters:
    """G1 monomial powers (compressed, file order) and G2 powers; `insecure_tau` is set only for the
    development setup."""

    g1_powers: bytes
    g2_powers: tuple[bytes, ...]
    description: str
    insecure_tau: int | None = None
    _g2_points: list = field(default_factory=list, repr=False)

    @property
    def num_g1(self) -> int:
        return len(self.g1_powers) // G1_BYTES

    def g1_points(self) -> list[bytes]:
        return [self.g1_powers[i:i + G1_BYTES] for i in range(0, len(self.g1_powers), G1_BYTES)]

    def g2_point(self, index: int):  # -> ark.G2Point
        """The decoded (subgroup-checked) G2 power of index 0 or 1."""
        return self._g2_points[index]

    def __reduce__(self):
        """Pickle (Ray's object store, worker processes) as the raw powers: the decoded G2 points are
        rebuilt on load and caches such as `Kzg.bases`' prepared MSM tables are not carried."""
        return _make, (self.g1_powers, self.g2_powers, self.description, self.insecure_tau)


def _decode_g2(data: bytes, what: str):
    try:
        return ark.G2Point.from_compressed_bytes(data)
    except Exception as e:  # the library raises its own exception type
        from accel.kzg import g2  # noqa: PLC0415 - find the precise reason for the message
        g2.decode(data, subgroup_check=True, what=what)
        raise ValueError(f"{what}: rejected by the curve library ({e})") from None


def _make(g1_powers: bytes, g2_powers: tuple[bytes, ...], description: str, tau: int | None = None) -> Parameters:
    if len(g2_powers) < 2:
        raise ValueError("parameters: at least 2 G2 powers are needed ([1]G2 and [tau]G2)")
    points = [_decode_g2(g, f"parameters G2 power {i}") for i, g in enumerate(g2_powers[:2])]
    return Parameters(g1_powers, g2_powers, description, tau, points)


def load_parameters(path: str | os.PathLike, sha256: str | None = NETWORK_PARAMETERS_SHA256) -> Parameters:
    """The network's parameters file; ValueError naming the problem (size, checksum, a bad point).

    `sha256=None` accepts a file of the same layout with other powers (checked point by point later).
    """
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != NETWORK_PARAMETERS_SIZE:
        raise ValueError(f"parameters file {os.fspath(path)!r}: size {len(data)} bytes, expected "
                         f"{NETWORK_PARAMETERS_SIZE} ({NETWORK_G1_POWERS} G1 + {NETWORK_G2_POWERS} G2 powers)")
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and digest != sha256:
        raise ValueError(f"parameters file {os.fspath(path)!r}: sha256 checksum {digest} does not match "
                         f"the expected {sha256}")
    split = NETWORK_G1_POWERS * G1_BYTES
    g2 = tuple(data[split + i * G2_BYTES: split + (i + 1) * G2_BYTES] for i in range(NETWORK_G2_POWERS))
    return _make(data[:split], g2, f"network parameters (sha256 {digest[:16]}...)")


def dev_tau() -> int:
    """The public, hence INSECURE, tau of the development setup."""
    return int.from_bytes(blake3.blake3(DEV_TAU_LABEL).digest(), "big") % R


@functools.lru_cache(maxsize=4)
def dev_parameters(n: int = NETWORK_G1_POWERS) -> Parameters:
    """INSECURE deterministic setup with n G1 powers (tau from a public label): dev node and tests only."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"dev_parameters: n must be a positive integer, got {n!r}")
    tau = dev_tau()
    g, h = ark.G1Point(), ark.G2Point()
    g1, power = [], 1
    for _ in range(n):
        g1.append((g * ark.Scalar(power)).to_compressed_bytes())
        power = power * tau % R
    g2 = tuple((h * ark.Scalar(pow(tau, j, R))).to_compressed_bytes() for j in range(DEV_G2_POWERS))
    return _make(b"".join(bytes(p) for p in g1), g2, f"INSECURE development parameters (n={n})", tau)
