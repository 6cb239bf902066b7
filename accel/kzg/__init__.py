"""KZG commitments and multi-scalar multiplication on BLS12-381 (storage_and_time.md section 3).

Public API: `Kzg`, `load_parameters`, `dev_parameters` (INSECURE, local only), `Parameters`,
`extend_commitments`, `blake3_254_hash_to_scalar`; MSM is a backend operation (`be.msm`,
`be.msm_prepare`, accel/kzg/ops.py).
"""
from accel.kzg.kzg import Kzg, blake3_254_hash_to_scalar, extend_commitments
from accel.kzg.parameters import Parameters, dev_parameters, dev_tau, load_parameters

__all__ = ["Kzg", "Parameters", "blake3_254_hash_to_scalar", "dev_parameters", "dev_tau", "extend_commitments",
           "load_parameters"]
