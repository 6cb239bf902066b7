"""Proof of time (storage_and_time.md section 2.1): an AES-128 chain keyed by BLAKE3(seed)[:16],
8 checkpoints per slot. Backends expose `pot_prove`, `pot_verify` and `pot_verify_many`:

- proving is one sequential chain, run by OpenSSL's AES-128-CBC on the CPU on every backend (no GPU
  prover exists: each step needs the one before);
- verification meets in the middle per segment (16 independent chains of n/2 AES), interleaved in
  AES-NI/VAES lanes on one core and spread over cores across slots (`aesni`), or one GPU work item
  per chain for thousands of slots (accel/kernels/pot_verify.c).

`reference` is the readable yardstick (plain FIPS-197 AES).
"""
from accel.pot import reference
from accel.pot.constants import POT_CHECKPOINTS, POT_ITERATIONS_MULTIPLE, POT_KEY_BYTES, POT_SEED_BYTES

__all__ = ["POT_CHECKPOINTS", "POT_ITERATIONS_MULTIPLE", "POT_KEY_BYTES", "POT_SEED_BYTES", "reference"]
