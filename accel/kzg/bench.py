"""Measured figures for G1 multi-scalar multiplication and KZG commitments (storage_and_time.md
section 3), per backend, beside peers measured in the same run (`autonomys bench`, accel.benchmarking).

- MSM of n random canonical scalars over the first n G1 powers, through bases prepared once
  (`be.msm_prepare`, what `Kzg` does), in points per second. Peer: arkworks' Pippenger
  (`G1Point.multiexp_unchecked`, what the CPU backend ran before its fixed-base engine).
- At n = 4,096, a second peer: c-kzg-4844 (blst's Pippenger) `blob_to_kzg_commitment`, a 4,096-point
  MSM over Lagrange points (blob parsing included), with a setup derived from the network's powers
  (accel.erasure.bench.ckzg_setup_file); reported only when the parameters file is present.
- KZG commit of one record (2^15 values: inverse FFT then a 2^15-point MSM) in commits per second;
  peer: arkworks (the same inverse FFT, then arkworks' Pippenger over the same powers; the two
  commitments are checked equal), and on a GPU backend also the CPU backend.

The parameters (and so the bases each backend prepares from them, cached on the object by `Kzg`)
are one object per process, `bench_parameters()`, shared with the archiving, farming and node
benches: `autonomys bench` prepares the 2^15 powers once per backend.

Bases are the network's powers (../shared/data/kzg/, or $AUTONOMYS_KZG_PARAMETERS) when the file is
present, else the INSECURE development setup (same cost: any subgroup points do).
"""
from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

import numpy as np

import accel
from accel.benchmarking import Figure, measure_rate
from accel.kzg.constants import G1_BYTES, NETWORK_G1_POWERS, NETWORK_PARAMETERS_FILE, SCALAR_BYTES
from accel.kzg.cpu_msm import CpuMsmBases
from accel.kzg.parameters import Parameters, dev_parameters, load_parameters
from accel.kzg.points import decode_checked, point_rows

PARAMETERS_ENV = "AUTONOMYS_KZG_PARAMETERS"
QUICK_SIZES = (256, 4096)
FULL_SIZES = (256, 1024, 4096, 2**15)
CKZG_POINTS = 4096
RECORD_VALUES = 2**15
ARKWORKS_PEER = "arkworks multiexp (CPU)"
ARKWORKS_COMMIT_PEER = "arkworks commit (CPU)"


def parameters_path() -> Path:
    env = os.environ.get(PARAMETERS_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kzg" / NETWORK_PARAMETERS_FILE


@functools.lru_cache(maxsize=2)
def _network_parameters(path: str) -> Parameters:
    return load_parameters(path)


def bench_parameters(n: int = NETWORK_G1_POWERS) -> Parameters:
    """The network parameters when the file is present, else the development setup with n powers.

    One object per process (both are cached): `Kzg.bases` caches a backend's prepared bases on the
    Parameters object, so every bench family (kzg, archiving, farming, node) that asks for the
    parameters here prepares the 2^15 bases once per backend, outside its timings, instead of once each."""
    path = parameters_path()
    return _network_parameters(str(path)) if path.is_file() else dev_parameters(n)


def random_scalars(count: int, seed: int = 1) -> bytes:
    """`count` canonical big-endian scalars (31 random bytes behind a zero byte, as records hold them)."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((count, SCALAR_BYTES), dtype=np.uint8)
    rows[:, 1:] = rng.integers(0, 256, size=(count, SCALAR_BYTES - 1), dtype=np.uint8)
    return rows.tobytes()


def _ckzg_peer(scalars: bytes, repeats: int) -> tuple[float | None, str | None]:
    """Points per second of ckzg's blob_to_kzg_commitment on the 4,096 scalars, or why there is none."""
    if not parameters_path().is_file():
        return None, "needs the network parameters file to derive a ckzg setup"
    try:
        import ckzg  # noqa: PLC0415 - bench-only peer

        from accel.erasure.bench import ckzg_setup_file  # noqa: PLC0415

        settings = ckzg.load_trusted_setup(str(ckzg_setup_file(parameters_path())), 0)
    except Exception as e:  # noqa: BLE001 - a missing peer is reported, not fatal
        return None, f"ckzg unavailable ({e})"
    rate, _, _ = measure_rate(lambda: ckzg.blob_to_kzg_commitment(scalars, settings), CKZG_POINTS, repeats)
    return rate, None


def run(backend_name: str, quick: bool = True) -> list[Figure]:
    be = accel.backend(backend_name)
    cpu = accel.backend("cpu")
    sizes = QUICK_SIZES if quick else FULL_SIZES
    repeats = 3 if quick else 5
    params = bench_parameters(max(max(sizes), RECORD_VALUES))
    points = params.g1_powers[:max(sizes) * G1_BYTES]
    bases = be.msm_prepare(points)
    peer_points = decode_checked(point_rows(params.g1_powers[:max(max(sizes), RECORD_VALUES) * G1_BYTES]))
    peer_bases = CpuMsmBases(peer_points[:max(sizes)], precompute=False)  # arkworks
    figures = []
    for n in sizes:
        scalars = random_scalars(n, seed=n)
        rate, low, high = measure_rate(lambda: bases.msm(scalars), n / 1e3, repeats)
        peer, peer_low, peer_high = measure_rate(lambda: peer_bases.msm(scalars), n / 1e3, repeats)
        what = f"{n} points, random scalars"
        extra = {"size": n, "seconds": n / 1e3 / rate}  # time versus size (accel.benchmarking.plot_figures)
        figures.append(Figure("msm", what, be.name, rate, "kpoints/s", low, high, repeats, ARKWORKS_PEER, peer,
                              None, {**extra, "peer_seconds": n / 1e3 / peer}, peer_low, peer_high))
        if n == CKZG_POINTS:
            peer, note = _ckzg_peer(scalars, repeats)
            figures.append(Figure("msm", what, be.name, rate, "kpoints/s", low, high, repeats,
                                  "ckzg blob_to_kzg_commitment (blst)", peer / 1e3 if peer else None,
                                  note or "peer parses the blob and uses Lagrange points",
                                  {**extra, "peer_seconds": n / peer} if peer else dict(extra)))

    from accel.kzg import Kzg  # noqa: PLC0415

    values = random_scalars(RECORD_VALUES, seed=7)
    record_params = params if params.num_g1 == RECORD_VALUES else \
        dataclasses.replace(params, g1_powers=params.g1_powers[:RECORD_VALUES * G1_BYTES])  # shared bases if 2^15
    kzg = Kzg(record_params, be)
    commit_repeats = 3 if quick else 5
    rate, low, high = measure_rate(lambda: kzg.commit(values), 1, commit_repeats)
    what = f"commit one record ({RECORD_VALUES} values)"
    # arkworks: the same inverse FFT (the CPU backend's), then arkworks' Pippenger over the same powers
    record_bases = CpuMsmBases(peer_points[:RECORD_VALUES], precompute=False)
    cpu_kzg = Kzg(record_params, cpu)
    if record_bases.msm(_coefficient_rows(cpu_kzg, values)) != kzg.commit(values):
        raise RuntimeError("kzg bench: the arkworks peer's commitment differs from ours")
    peer, peer_low, peer_high = measure_rate(lambda: record_bases.msm(_coefficient_rows(cpu_kzg, values)), 1,
                                             commit_repeats)
    figures.append(Figure("kzg", what, be.name, rate, "commits/s", low, high, commit_repeats, ARKWORKS_COMMIT_PEER,
                          peer, "the same inverse FFT (CPU backend), then arkworks multiexp", peer_low=peer_low,
                          peer_high=peer_high))
    if be.name != "cpu":  # a GPU backend beside the CPU backend, same record
        peer, peer_low, peer_high = measure_rate(lambda: cpu_kzg.commit(values), 1, commit_repeats)
        figures.append(Figure("kzg", what, be.name, rate, "commits/s", low, high, commit_repeats, "CPU backend",
                              peer, peer_low=peer_low, peer_high=peer_high))
    return figures


def _coefficient_rows(kzg, values: bytes) -> bytes:
    """The polynomial's coefficients (inverse FFT of the values) as canonical big-endian scalar rows."""
    return b"".join(c.to_bytes(SCALAR_BYTES, "big") for c in kzg.coefficients(values))


if __name__ == "__main__":  # python -m accel.kzg.bench [backend] [--full]
    import sys

    name = next((a for a in sys.argv[1:] if not a.startswith("-")), "cpu")
    for f in run(name, quick="--full" not in sys.argv):
        ratio = f" ratio {f.ratio:.2f}" if f.ratio else ""
        print(f"{f.kernel:4} {f.what:36} {f.backend:7} {f.value:10.4g} {f.unit} [{f.low:.3g}..{f.high:.3g}] "
              f"peer {f.peer}: {f.peer_value}{ratio} {f.peer_note or ''}")
