"""The curve library used on the CPU: py-arkworks-bls12381 (arkworks through PyO3) for decoding,
subgroup checks, pairings and one-shot MSMs; prepared MSM bases use accel/kzg/cpu_msm.py instead.

G1 MSM of 2^15 random scalars over the network's powers (the archiver's record commitment), measured
on the 2-core CI machine (Python 3.11, AMD EPYC "znver1" ~2 GHz) while it was otherwise quiet (under
the usual load of other jobs, wall times were 1.5-2.5x these; CPU seconds moved less):

| engine                                                        | 1 core, s      | 2 cores, s | one-time       |
| ------------------------------------------------------------- | -------------- | ---------- | -------------- |
| arkworks `G1Point.multiexp_unchecked` (holds the GIL)         | 0.82-0.83      | same (GIL) | none           |
| ark-algebra-py 0.2.1 `G1.msm` (same arkworks 0.4, with rayon) | 0.75-0.79 CPU  | 0.39-0.41  | none           |
| ckzg 2.1.8 (blst Pippenger), 8 x `blob_to_kzg_commitment`     | 0.72           | same (GIL) | 3.5 s a chunk  |
| accel/kzg/cpu_msm.py: fixed-base tables, batch-affine buckets | 0.42; 0.47 [1] | 0.22       | 3 s, 51 MB     |

[1] with the ADX assembly product; with the portable one.

- ckzg: a setup whose 4,096 "Lagrange" points are a chunk of the bases, pre-permuted (c-kzg
  bit-reverses them on load), makes `blob_to_kzg_commitment` that chunk's MSM (bit-exact, summed over
  8 chunks). Loading refuses setups in monomial form by the pairing check e(L[1], G2[0]) = e(L[0],
  G2[1]) on the file order, which a bit-reversed chunk of powers does not satisfy; each load builds
  the FK20 cell-proof tables (the cost above), and `precompute` (8 vs 0: 0.10 vs 0.09 s per
  4,096-point commitment, 4.8 vs 3.3 s to load) only serves cell proofs. The binding holds the GIL.
- Without an MSM API: pyblst 0.3.15, blspy 2.0.3 and pymcl 1.0.2 (single scalar multiplications);
  mcl 0.0.6 needs a system libmcl; zksnake 0.1.0 wraps the same arkworks 0.4 MSM; py_ecc is pure
  Python, about 10^4 times slower.
- Projected archiving (128 such MSMs a segment): arkworks 106 s on one core (the GIL); cpu_msm
  28 s wall on 2 cores (`CpuMsmBases.msm_many`, 1.87x over one thread), 55 CPU s. Most of it is
  field products (about 61 ns each with the ADX assembly of accel/kzg/fp_cpu.py, 84 ns portable):
  the 20 s goal needs about 1.4x more, or the GPU backend.

Pairing checks use arkworks' `GT.pairing_check`.
"""
from __future__ import annotations

try:
    import py_arkworks_bls12381 as ark
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("accel.kzg needs py-arkworks-bls12381: pip install py-arkworks-bls12381") from e

__all__ = ["ark"]
