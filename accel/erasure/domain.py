"""Radix-2 evaluation domains of Fr (storage_and_time.md section 3): the domain of size n = 2^k is
{w_n^i : i = 0..n-1} in natural order, w_n = 7^((r-1)/n) mod r (rust-kzg SCALE2_ROOT_OF_UNITY).
Because w_{2n}^2 = w_n, one table of powers of the largest root serves every smaller size by striding.
"""
from __future__ import annotations

import functools

from accel.erasure.constants import GENERATOR, MODULUS, TWO_ADICITY


def log2_size(n: int, what: str = "length") -> int:
    """k with n = 2^k (n >= 1, k <= 32); ValueError saying why otherwise."""
    if not isinstance(n, int) or n < 1 or n & (n - 1):
        raise ValueError(f"{what} must be a power of two, got {n}")
    k = n.bit_length() - 1
    if k > TWO_ADICITY:
        raise ValueError(f"{what} 2^{k} exceeds the largest radix-2 domain of Fr (2^{TWO_ADICITY})")
    return k


@functools.lru_cache(maxsize=None)
def root_of_unity(n: int) -> int:
    """Primitive n-th root of unity w_n = 7^((r-1)/n) mod r, n a power of two."""
    log2_size(n, "domain size")
    return pow(GENERATOR, (MODULUS - 1) // n, MODULUS)


def powers(base: int, count: int) -> list[int]:
    """[base^0, base^1, ..., base^(count-1)] mod r."""
    out = [1] * count
    for i in range(1, count):
        out[i] = out[i - 1] * base % MODULUS
    return out


def domain(n: int) -> list[int]:
    """The evaluation points w_n^0 .. w_n^(n-1), natural order."""
    return powers(root_of_unity(n), n)
