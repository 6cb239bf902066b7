"""Readable KZG over BLS12-381 in plain Python integers (storage_and_time.md section 3): the oracle
the backends and `accel.kzg.Kzg` are checked against.

- `domain_root(n)`: w_n = 7^((r-1)/n) mod r; the domain is w_n^i, i = 0..n-1, in natural order.
- `coefficients(values)`: the inverse FFT of spec 3 `poly(values)`.
- `commit(powers, coefficients)`: sum c_j [tau^j]G1 (monomial powers, file order).
- `quotient(coefficients, x)`: synthetic division from the top coefficient, (P(X) - P(x)) / (X - x).
- `witness_point(values, index)`: x = w_n^index and the quotient's coefficients.
- `msm(points, scalars)`: sum k_i P_i by double-and-add (tiny sizes only).

Scalars here are plain ints mod r. The inverse FFT is the erasure-coding reference's textbook radix-2
transform (accel.erasure.reference, the same domain 7^((r-1)/n)); the fast Fr NTT of the engine is
the backend's `fr_ifft`, which `accel.kzg.Kzg` uses.
"""
from __future__ import annotations

from typing import Sequence

from accel.erasure import reference as erasure_reference
from accel.kzg import g1
from accel.kzg.constants import DOMAIN_GENERATOR, MAX_DOMAIN_LOG2, R


def domain_root(n: int) -> int:
    """The primitive n-th root of unity w_n = 7^((r-1)/n) mod r (n a power of two, n <= 2^32)."""
    if n < 1 or n & (n - 1) or n > 2**MAX_DOMAIN_LOG2:
        raise ValueError(f"domain size {n} is not a power of two in [1, 2^{MAX_DOMAIN_LOG2}]")
    return pow(DOMAIN_GENERATOR, (R - 1) // n, R)


def coefficients(values: Sequence[int]) -> list[int]:
    """Coefficients c_j with P(w_n^i) = values[i] (inverse FFT over the natural-order domain)."""
    domain_root(len(values))  # the KZG domain limits (ValueError naming them)
    return erasure_reference.ifft([v % R for v in values])


def evaluate(coeffs: Sequence[int], x: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % R
    return acc


def quotient(coeffs: Sequence[int], x: int) -> list[int]:
    """Coefficients of (P(X) - P(x)) / (X - x): q_{k-1} = c_k + x q_k from the top; len(P) - 1 of them."""
    n = len(coeffs)
    if n <= 1:
        return []
    q = [0] * (n - 1)
    q[n - 2] = coeffs[n - 1] % R
    for k in range(n - 2, 0, -1):
        q[k - 1] = (coeffs[k] + x * q[k]) % R
    return q


def msm(points: Sequence[g1.G1Point], scalars: Sequence[int]) -> g1.G1Point:
    acc: g1.G1Point = None
    for p, k in zip(points, scalars, strict=True):
        acc = g1.add(acc, g1.mul(p, k % R))
    return acc


def commit(powers: Sequence[g1.G1Point], coeffs: Sequence[int]) -> bytes:
    """Compressed commitment sum c_j [tau^j]G1."""
    if len(coeffs) > len(powers):
        raise ValueError(f"{len(coeffs)} coefficients exceed the {len(powers)} G1 powers")
    return g1.encode(msm(powers[: len(coeffs)], coeffs))


def create_witness(powers: Sequence[g1.G1Point], values: Sequence[int], index: int) -> bytes:
    coeffs = coefficients(values)
    return commit(powers, quotient(coeffs, pow(domain_root(len(values)), index, R)))
