"""The sequential AES-128 chain through OpenSSL: proving (storage_and_time.md 2.1) on every backend.

The chain b -> AES_k(b) repeated is exactly AES-128-CBC encryption of zero blocks with the current
block as IV (c_i = AES_k(c_{i-1} xor 0)), so OpenSSL's CBC code (AES-NI where the CPU has it) runs it
at the cipher's latency limit with no Python per AES step. One encryptor carries the chain across
calls; `update_into` reuses one output buffer, sized to stay in the L2 cache.

There is deliberately no GPU prover: every step needs the previous output, so the chain cannot be
split, and one CPU core with AES-NI (a few ns per AES) is faster than any single GPU thread.
"""
from __future__ import annotations

import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from accel.pot.constants import AES_BLOCK_BYTES, POT_CHECKPOINTS

CHUNK_BLOCKS = 8192  # 128 KiB of zeros in and out per OpenSSL call: ~40 us of chain per Python round trip


class _ChainBuffers:
    """A zero input and an output buffer reused for every call (one pair per thread of use)."""

    def __init__(self, blocks: int = CHUNK_BLOCKS) -> None:
        self.blocks = blocks
        self.zeros = bytes(blocks * AES_BLOCK_BYTES)
        self.out = bytearray(blocks * AES_BLOCK_BYTES + AES_BLOCK_BYTES - 1)
        self.view = memoryview(self.zeros)


def _advance(encryptor, buffers: _ChainBuffers, count: int) -> bytes:
    """Run the CBC chain `count` more blocks; returns the last output block."""
    zeros, out, full = buffers.view, buffers.out, buffers.blocks
    last = 0
    while count > 0:
        m = full if count >= full else count
        written = encryptor.update_into(zeros[:m * AES_BLOCK_BYTES], out)
        last = written
        count -= m
    return bytes(out[last - AES_BLOCK_BYTES:last])


def chain_checkpoints(seed: bytes, key: bytes, checkpoint_iterations: int, num_checkpoints: int = POT_CHECKPOINTS,
                      buffers: _ChainBuffers | None = None) -> list[bytes]:
    """checkpoint[k] = AES_key^(n (k+1))(seed) for k < num_checkpoints, n = checkpoint_iterations."""
    buffers = buffers or _ChainBuffers(min(CHUNK_BLOCKS, checkpoint_iterations))
    encryptor = Cipher(algorithms.AES(key), modes.CBC(seed)).encryptor()
    return [_advance(encryptor, buffers, checkpoint_iterations) for _ in range(num_checkpoints)]


def chain(block: bytes, key: bytes, iterations: int) -> bytes:
    """AES_key applied `iterations` times to one block."""
    return chain_checkpoints(block, key, iterations, 1)[0]


def raw_cbc_rate(seconds: float = 1.0, buffer_bytes: int = 1 << 24) -> tuple[float, float]:
    """Chained AES-128 encryptions per second of OpenSSL CBC over one big zero buffer, measured the way
    `openssl speed -evp aes-128-cbc` does (no per-call overhead to speak of): (rate, elapsed seconds)."""
    zeros = bytes(buffer_bytes)
    out = bytearray(buffer_bytes + AES_BLOCK_BYTES - 1)
    encryptor = Cipher(algorithms.AES(bytes(16)), modes.CBC(bytes(16))).encryptor()
    encryptor.update_into(zeros, out)  # warm up
    done = 0
    start = time.perf_counter()
    while True:
        encryptor.update_into(zeros, out)
        done += buffer_bytes // AES_BLOCK_BYTES
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, elapsed
