"""Quick benchmark of the hashing primitives against peers measured in the same run.

ChaCha8 keystream (GB/s) versus OpenSSL's ChaCha20 through `cryptography` (20 rounds, so the peer
does 2.5x the rounds per byte: the ratio is reported as measured, with that note), and batched
BLAKE3 of 160-byte messages (the proof size) versus the `blake3` crate called once per message.
"""
from __future__ import annotations

import os

import blake3
import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

import accel
from accel.benchmarking import Figure, measure_rate


def run(backend_name: str, quick: bool = True) -> list[Figure]:
    be = accel.backend(backend_name)
    repeats = 3 if quick else 10
    seeds = np.frombuffer(os.urandom(32 * 1024), np.uint8).reshape(1024, 32)
    blocks = 64 if quick else 256
    nbytes = seeds.shape[0] * blocks * 64
    rate, low, high = measure_rate(lambda: be.chacha8_keystream(seeds, blocks), nbytes / 1e9, repeats)
    enc = Cipher(algorithms.ChaCha20(bytes(32), bytes(16)), mode=None).encryptor()
    zeros = bytes(nbytes)
    peer, peer_low, peer_high = measure_rate(lambda: enc.update(zeros), nbytes / 1e9, repeats)
    figures = [Figure("chacha8", f"keystream, {seeds.shape[0]} seeds x {blocks} blocks", be.name, rate, "GB/s",
                      low, high, repeats, "OpenSSL ChaCha20 (1 core)", peer, "peer runs 20 rounds, ours 8",
                      peer_low=peer_low, peer_high=peer_high)]

    n = 8192 if quick else 65536
    msgs = np.frombuffer(os.urandom(160 * n), np.uint8).reshape(n, 160)
    rate, low, high = measure_rate(lambda: be.blake3_hash_many(msgs), n / 1e6, repeats)
    rows = [bytes(r) for r in msgs]
    peer, peer_low, peer_high = measure_rate(lambda: [blake3.blake3(r).digest() for r in rows], n / 1e6, repeats)
    figures.append(Figure("blake3", f"{n} messages of 160 bytes", be.name, rate, "Mhash/s", low, high, repeats,
                          "blake3 crate, one call per message", peer, peer_low=peer_low, peer_high=peer_high))
    return figures
