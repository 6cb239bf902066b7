"""The curve library used on the CPU: py-arkworks-bls12381 (arkworks through PyO3).

Measured here (2 cores, Python 3.11; `python -m accel.kzg.bench`): among the PyPI libraries that
install on Python 3.11, arkworks' `G1Point.multiexp_unchecked` is the only general G1 MSM with
Python bindings (pyblst 0.3.15, blspy 2.0.3 and pymcl 1.0.2 expose only single scalar
multiplications; py_ecc is pure Python, about 10^4 times slower; ckzg 2.1.8 runs blst's Pippenger
but only inside `blob_to_kzg_commitment` over its own 4,096-point setup, where it is about 1.5-2x
faster than arkworks at n = 4,096). Pairing checks use arkworks' `GT.pairing_check`.
"""
from __future__ import annotations

try:
    import py_arkworks_bls12381 as ark
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("accel.kzg needs py-arkworks-bls12381: pip install py-arkworks-bls12381") from e

__all__ = ["ark"]
