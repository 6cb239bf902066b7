"""Proof-of-time operations of every backend (storage_and_time.md 2.1): `pot_prove`, `pot_verify`,
`pot_verify_many`. Input validation is shared; proving always runs the OpenSSL chain on the CPU
(a sequential chain has no GPU version, see `accel.pot.openssl_chain`); verification runs the
AES-NI lanes on the CPU (`accel.pot.aesni`, OpenSSL fallback without AES-NI) or the T-table kernel
accel/kernels/pot_verify.c on GPUs. Mixed into the backend classes.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from accel.pot import openssl_chain
from accel.pot.constants import AES_BLOCK_BYTES, POT_CHECKPOINTS
from accel.pot.key_schedule import expand_keys, inverse_cipher_keys
from accel.pot.reference import check_checkpoints, check_iterations, check_seed, pot_key

PotItem = tuple[bytes, int, Sequence[bytes]]


def _check_items(items: Sequence[PotItem]) -> list[tuple[bytes, int, list[bytes]]]:
    """Validate every (seed, iterations, checkpoints) before any work: ValueError on the first bad one."""
    if isinstance(items, (bytes, bytearray, str)):
        raise ValueError("pot_verify_many expects a list of (seed, iterations, checkpoints) tuples")
    out = []
    for i, item in enumerate(items):
        try:
            seed, iterations, checkpoints = item
        except (TypeError, ValueError):
            raise ValueError(f"item {i}: expected (seed, iterations, checkpoints)") from None
        try:
            check_iterations(iterations)
            out.append((check_seed(seed), iterations, check_checkpoints(checkpoints)))
        except ValueError as e:
            raise ValueError(f"item {i}: {e}") from None
    return out


def _numpy_round_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    enc = expand_keys(keys)
    return enc, inverse_cipher_keys(enc)


def _slot_arrays(items: list[tuple[bytes, int, list[bytes]]],
                 round_keys: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] = _numpy_round_keys,
                 ) -> tuple[np.ndarray, ...]:
    """Round keys and chain start states of m slots: enc_keys, dec_keys (m, 11, 16); forward
    (m, 8, 16) = [seed, cp0..cp6]; backward (m, 8, 16) = [cp0..cp7]; halves (m,) int64 = n / 2.
    round_keys: (m, 16) keys -> (enc_keys, dec_keys) (numpy by default; the AES-NI path passes its
    compiled twin, which has no fixed cost)."""
    m = len(items)
    keys = np.frombuffer(b"".join(pot_key(seed) for seed, _, _ in items), dtype=np.uint8).reshape(m, 16)
    enc, dec = round_keys(keys)
    forward = np.frombuffer(b"".join(seed + b"".join(cps[:-1]) for seed, _, cps in items),
                            dtype=np.uint8).reshape(m, POT_CHECKPOINTS, AES_BLOCK_BYTES).copy()
    backward = np.frombuffer(b"".join(b"".join(cps) for _, _, cps in items),
                             dtype=np.uint8).reshape(m, POT_CHECKPOINTS, AES_BLOCK_BYTES).copy()
    halves = np.array([iterations // (2 * POT_CHECKPOINTS) for _, iterations, _ in items], dtype=np.int64)
    return enc, dec, forward, backward, halves


def _prove(seed: bytes, iterations: int) -> list[bytes]:
    n = check_iterations(iterations)
    seed = check_seed(seed)
    return openssl_chain.chain_checkpoints(seed, pot_key(seed), n)


def verify_with_openssl(items: list[tuple[bytes, int, list[bytes]]]) -> list[bool]:
    """Portable verification for CPUs without AES-NI: each segment re-run forward through OpenSSL
    (AES is a permutation, so enc^n(input_k) == cp_k iff enc^(n/2)(input_k) == dec^(n/2)(cp_k))."""
    results = []
    for seed, iterations, checkpoints in items:
        key = pot_key(seed)
        n = iterations // POT_CHECKPOINTS
        inputs = [seed, *checkpoints[:-1]]
        results.append(all(openssl_chain.chain(start, key, n) == target
                           for start, target in zip(inputs, checkpoints)))
    return results


@functools.lru_cache(maxsize=1)
def _aesni() -> bool:
    from accel.pot.aesni import aesni_available  # noqa: PLC0415 - llvmlite import

    return aesni_available()


class PotCpu:
    """Proof of time on the CPU: OpenSSL chain for proving, AES-NI lanes x cores for verifying."""

    def pot_prove(self, seed: bytes, iterations: int) -> list[bytes]:
        """8 checkpoints of 16 bytes (storage_and_time.md 2.1), key = BLAKE3(seed)[:16]."""
        return _prove(seed, iterations)

    def pot_verify(self, seed: bytes, iterations: int, checkpoints: Sequence[bytes]) -> bool:
        """True iff all 8 checkpoints are the chain of `seed` over `iterations` (one core)."""
        return self.pot_verify_many([(seed, iterations, checkpoints)])[0]

    def pot_verify_many(self, items: Sequence[PotItem]) -> list[bool]:
        """pot_verify of each (seed, iterations, checkpoints), slots spread over all cores."""
        checked = _check_items(items)
        if not checked:
            return []
        if not _aesni():
            return verify_with_openssl(checked)
        from accel.pot.aesni import round_keys, verify_slots  # noqa: PLC0415 - numba compile on first use

        return [bool(v) for v in verify_slots(*_slot_arrays(checked, round_keys))]


class PotGpu:
    """Proof of time on a GPU backend: proving on the CPU (sequential chain), batch verification on the
    device with one work item per chain (16 per slot)."""

    gpu: "accel.device.GpuDevice"  # type: ignore[name-defined]  # noqa: F821

    def pot_prove(self, seed: bytes, iterations: int) -> list[bytes]:
        """8 checkpoints of 16 bytes, computed by the CPU's OpenSSL chain: no GPU prover exists because
        each AES step needs the previous one."""
        return _prove(seed, iterations)

    def pot_verify(self, seed: bytes, iterations: int, checkpoints: Sequence[bytes]) -> bool:
        return self.pot_verify_many([(seed, iterations, checkpoints)])[0]

    def pot_verify_many(self, items: Sequence[PotItem]) -> list[bool]:
        """Verify thousands of slots in one launch (chain sync)."""
        checked = _check_items(items)
        for i, (_, iterations, _) in enumerate(checked):
            if iterations // (2 * POT_CHECKPOINTS) >= 2**32:
                raise ValueError(f"item {i}: iterations {iterations} exceed the GPU kernel's 32-bit step counter")
        if not checked:
            return []
        enc, dec, forward, backward, halves = _slot_arrays(checked)
        m = len(checked)
        states = np.concatenate([forward, backward]).reshape(-1, 4, 4)  # forward chains, then backward

        def words(a: np.ndarray) -> np.ndarray:  # 16-byte blocks -> big-endian column words
            return np.ascontiguousarray(a.reshape(-1).view(">u4").astype(np.uint32))

        d_states = self.gpu.to_device(words(states))
        prog = self.gpu.program("pot_verify.c")
        self.gpu.launch(prog, "pot_verify_chains", 2 * m * POT_CHECKPOINTS,
                        (self.gpu.to_device(words(enc)), self.gpu.to_device(words(dec)), d_states,
                         self.gpu.to_device(halves.astype(np.uint32)), np.uint32(m)))
        ends = self.gpu.to_host(d_states).astype(">u4").view(np.uint8).reshape(2, m, POT_CHECKPOINTS * AES_BLOCK_BYTES)
        return [bool(v) for v in np.all(ends[0] == ends[1], axis=1)]
