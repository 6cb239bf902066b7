"""Proof of space (pos.md): the seven Chia-derived tables of one seed, the prover and the verifier.

    table = accel.backend("cpu").pos_table(seed, k=20)
    table.find_proof(challenge_index)              # 8K bytes (160 at K=20) or None
    table.find_proofs(challenge_indices)           # list of the same, in one batch
    accel.plotting.is_proof_valid(seed, challenge_index, proof, k=20)

`reference` is the readable yardstick; the backends' tables (accel/plotting/ops.py) return identical
proofs.
"""
from accel.plotting import constants, reference
from accel.plotting.verify import is_proof_valid

__all__ = ["constants", "is_proof_valid", "reference"]
