"""Readable reference of erasure coding over Fr (storage_and_time.md sections 3 and 4), in plain
Python integers. It is the oracle every backend must match bit for bit; it favours clarity over
speed (fine up to a few thousand values).

- `fft(values)`: evaluations of the polynomial with coefficients `values` on the domain of size
  n = len(values), natural order; `ifft` is its inverse (coefficients from evaluations, times 1/n).
- `extend(source)`: n source values = evaluations at the even points w_{2n}^{2i} of a polynomial of
  degree < n; returns its n values at the odd points w_{2n}^{2i+1}. Computed as the spec says:
  c = IFFT_n(source), zero-pad to 2n, FFT_2n, odd indices.
- `recover(shards)`: 2n interleaved shards (None = missing), at least n present; returns all 2n
  evaluations. Zero-polynomial method with coset shift 5 (section 4), defined precisely here because
  for shard sets that are not consistent with a degree < n polynomial the output depends on the
  algorithm ([UNSURE] spec point: the reference does not detect them, callers validate). The steps,
  which every backend reproduces exactly (finite-field arithmetic is exact, so only the formula matters):
    Z(x)  = prod over missing i of (x - w_{2n}^i)                         (monic, degree = #missing)
    ez    = IFFT_2n( E_i * Z(w_{2n}^i) )          with E_i = shard i, or 0 where missing
    q     = IFFT_2n( FFT_2n(ez_j * 5^j) / FFT_2n(z_j * 5^j) )   (division pointwise)
    out   = FFT_2n( q_j * 5^-j )                  (all 2n coefficients kept, none truncated)
  For consistent shards `out` is the unique degree < n interpolant's evaluations, so present shards
  come back unchanged and the missing ones are filled in.
"""
from __future__ import annotations

from typing import Sequence

from accel.erasure.constants import MODULUS, RECOVERY_SHIFT
from accel.erasure.domain import log2_size, powers, root_of_unity
from accel.erasure.fr import decode_scalar, encode_scalar, inv

R = MODULUS


def _fft(values: Sequence[int], root: int) -> list[int]:
    n = len(values)
    if n == 1:
        return [values[0] % R]
    even = _fft(values[0::2], root * root % R)
    odd = _fft(values[1::2], root * root % R)
    out = [0] * n
    w = 1
    for i in range(n // 2):
        t = w * odd[i] % R
        out[i] = (even[i] + t) % R
        out[i + n // 2] = (even[i] - t) % R
        w = w * root % R
    return out


def fft(values: Sequence[int]) -> list[int]:
    """Evaluations P(w_n^i), i = 0..n-1, of P(X) = sum values[j] X^j (n a power of two)."""
    n = len(values)
    log2_size(n, "FFT length")
    return _fft(list(values), root_of_unity(n))


def ifft(values: Sequence[int]) -> list[int]:
    """Coefficients c_j (j = 0..n-1) of the polynomial with P(w_n^i) = values[i]."""
    n = len(values)
    log2_size(n, "FFT length")
    n_inv = inv(n)
    return [c * n_inv % R for c in _fft(list(values), inv(root_of_unity(n)))]


def extend(source: Sequence[int]) -> list[int]:
    """The n parity values of n source values (section 4): P(w_{2n}^{2i+1}), P = IFFT_n(source)."""
    n = len(source)
    log2_size(n, "number of source values")
    coefficients = ifft(source) + [0] * n
    return fft(coefficients)[1::2]


def interleave(source: Sequence[int], parity: Sequence[int]) -> list[int]:
    """[s0, p0, s1, p1, ...]: the full evaluation vector on the 2n domain."""
    return [v for pair in zip(source, parity) for v in pair]


def zero_polynomial(missing: Sequence[int], size: int) -> list[int]:
    """Coefficients (low to high, len(missing) + 1 of them) of prod (X - w_size^i) over i in missing."""
    w = root_of_unity(size)
    poly = [1]
    for i in missing:
        root = pow(w, i, R)
        nxt = [0] * (len(poly) + 1)
        for j, c in enumerate(poly):  # poly * (X - root)
            nxt[j + 1] = (nxt[j + 1] + c) % R
            nxt[j] = (nxt[j] - c * root) % R
        poly = nxt
    return poly


def check_shards(count: int, present: int) -> int:
    """n (the number of source values) for `count` shards with `present` of them given; ValueError
    when count is not a power of two >= 2 or fewer than half are present."""
    if count < 2:
        raise ValueError(f"number of shards must be a power of two >= 2, got {count}")
    log2_size(count, "number of shards")
    if present < count // 2:
        raise ValueError(f"not enough shards to recover: {present} of {count} present, need at least {count // 2}")
    return count // 2


def recover(shards: Sequence[int | None]) -> list[int]:
    """All 2n evaluations from 2n interleaved shards with at least n present (zero-polynomial method)."""
    size = len(shards)
    check_shards(size, sum(s is not None for s in shards))
    missing = [i for i, s in enumerate(shards) if s is None]
    z = zero_polynomial(missing, size) + [0] * (size - len(missing) - 1)
    z_eval = fft(z)
    ez = ifft([(0 if s is None else s) * z_eval[i] % R for i, s in enumerate(shards)])
    shift = powers(RECOVERY_SHIFT, size)
    ez_shifted = fft([c * s % R for c, s in zip(ez, shift)])
    z_shifted = fft([c * s % R for c, s in zip(z, shift)])
    q = ifft([a * inv(b) % R for a, b in zip(ez_shifted, z_shifted)])
    unshift = powers(inv(RECOVERY_SHIFT), size)
    return fft([c * s % R for c, s in zip(q, unshift)])


# ------------------------------------------------------------------------------ bytes interface
def extend_bytes(source: Sequence[bytes]) -> list[bytes]:
    """`extend` on canonical 32-byte big-endian scalars (ValueError for a non-canonical one)."""
    return [encode_scalar(v) for v in extend([decode_scalar(s) for s in source])]


def recover_bytes(shards: Sequence[bytes | None]) -> list[bytes]:
    """`recover` on canonical 32-byte big-endian scalars (None = missing)."""
    return [encode_scalar(v) for v in recover([None if s is None else decode_scalar(s) for s in shards])]
