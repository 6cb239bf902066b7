"""KZG polynomial commitments over BLS12-381 as the network uses them (storage_and_time.md section 3;
their use in archiving is section 5.2).

- `commit(values)`: the n values (n a power of two, at most the number of G1 powers) are evaluations
  over the domain w_n^i; their coefficients (inverse FFT) are committed against the monomial powers
  with one MSM through the backend's resident bases (`be.msm_prepare`).
- `create_witness(values, index)`: commitment of (P(X) - P(x)) / (X - x), x = w_n^index.
- `verify(...)`: e(C - [y]G1, G2[0]) == e(pi, G2[1] - [x]G2[0]) with a library pairing check, evaluated
  as e(C - [y]G1 + [x]pi, G2[0]) == e(pi, G2[1]) so both scalar products are in G1.
  Commitments and witnesses are decoded as blst `p1_uncompress` does (no subgroup check); any decoding
  failure gives False, never an exception. A malformed `value` (not 32 bytes, or >= r) is a caller
  error and raises ValueError: the network parses the chunk as a scalar before verifying (spec 10).
- `verify_batch(items)`: all openings at once with one random linear combination (2 pairings).
- `extend_commitments(commitments)`: spec 4 `extend_commitments`, the erasure extension applied to G1
  points (inverse FFT over G1, zero-pad, forward FFT of twice the size, natural order), used for the
  128 -> 256 record commitments of a segment (spec 5.2 step 3).

[UNSURE] `verify` with a num_values that is not a power of two: the reference looks its settings up
for num_values.next_power_of_two(), so the domain is that size here too, and an index outside the
domain gives False.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

import blake3
import numpy as np

from accel.kzg import reference
from accel.kzg.constants import G1_BYTES, R, SCALAR_BYTES
from accel.kzg.library import ark
from accel.kzg.parameters import Parameters
from accel.kzg.points import Scalars, decode_unchecked, scalar_rows

try:
    import pyblst as _blst
except ImportError:  # pragma: no cover - pyblst is a dependency; arkworks answers without it
    _blst = None

_G1_IDENTITY = b"\xc0" + bytes(47)

Opening = tuple[bytes, int, int, bytes, bytes]  # (commitment, num_values, index, value, witness)


def _ints(rows: np.ndarray) -> list[int]:
    return [int.from_bytes(rows[i].tobytes(), "big") for i in range(rows.shape[0])]


def _rows(values: Sequence[int]) -> bytes:
    return b"".join(v.to_bytes(SCALAR_BYTES, "big") for v in values)


def coefficients(values: Sequence[int]) -> list[int]:
    """Spec 3 `poly(values)`: coefficients of the polynomial through values over w_n^i."""
    return reference.coefficients(values)


def blake3_254_hash_to_scalar(data: bytes) -> bytes:
    """Spec 3: BLAKE3(data) with the top two bits cleared, as a canonical big-endian scalar."""
    h = bytearray(blake3.blake3(bytes(data)).digest())
    h[0] &= 0x3F
    return bytes(h)


def _check_domain(num_values: int, index: int) -> None:
    if not isinstance(num_values, (int, np.integer)) or num_values < 1 or num_values & (num_values - 1):
        raise ValueError(f"num_values {num_values!r} is not a power of two")
    if not isinstance(index, (int, np.integer)) or not 0 <= index < num_values:
        raise ValueError(f"index {index!r} outside the domain of {num_values} values")


class Kzg:
    """Commit, open and verify with `parameters`; MSMs run on `backend` (default: the CPU backend)."""

    def __init__(self, parameters: Parameters, backend: Any = None) -> None:
        if not isinstance(parameters, Parameters):
            raise ValueError("Kzg needs accel.kzg parameters (load_parameters or dev_parameters)")
        if backend is None:
            import accel  # noqa: PLC0415 - accel imports accel.kzg lazily

            backend = accel.backend("cpu")
        self.parameters = parameters
        self.backend = backend
        self._g1 = ark.G1Point()
        self._g2_0 = parameters.g2_point(0)
        self._g2_1 = parameters.g2_point(1)

    # ------------------------------------------------------------------ committing
    @property
    def bases(self) -> Any:
        """The parameters' G1 powers prepared on the backend (decoded and checked once, then cached)."""
        cache = self.parameters.__dict__.setdefault("_prepared", {})
        key = (self.backend.name, id(self.backend))
        if key not in cache:
            cache[key] = self.backend.msm_prepare(self.parameters.g1_powers)
        return cache[key]

    def _value_rows(self, values: Scalars) -> np.ndarray:
        """`values` as (n, 32) rows of canonical scalars, n a power of two within the G1 powers."""
        rows = scalar_rows(values, "values")
        n = rows.shape[0]
        if n == 0 or n & (n - 1):
            raise ValueError(f"values: {n} values, expected a power of two")
        if n > self.parameters.num_g1:
            raise ValueError(f"values: {n} values exceed the {self.parameters.num_g1} G1 powers")
        return rows

    def commit_coefficients(self, coeffs: Sequence[int]) -> bytes:
        if len(coeffs) > self.parameters.num_g1:
            raise ValueError(f"{len(coeffs)} coefficients exceed the {self.parameters.num_g1} G1 powers")
        return self.bases.msm(_rows(coeffs))

    def coefficients(self, values: Scalars) -> list[int]:
        """Spec 3 `poly(values)`: coefficients through `values` over w_n^i, by the backend's inverse
        NTT when it has one (the readable `coefficients` is the reference for it)."""
        rows = self._value_rows(values)
        ifft = getattr(self.backend, "fr_ifft", None)
        if ifft is None or rows.shape[0] < 64:
            return coefficients(_ints(rows))
        return _ints(ifft(rows).reshape(rows.shape[0], SCALAR_BYTES))

    def commit(self, values: Scalars) -> bytes:
        """48-byte compressed commitment to the polynomial through `values` (spec 3); the scalars stay
        32-byte rows (inverse NTT, then one MSM) where the backend has an NTT."""
        rows = self._value_rows(values)
        ifft = getattr(self.backend, "fr_ifft", None)
        if ifft is None or rows.shape[0] < 64:
            return self.commit_coefficients(self.coefficients(values))
        return self.bases.msm(ifft(rows))

    def create_witness(self, values: Scalars, index: int) -> bytes:
        """48-byte opening proof of values[index] (spec 3 `create_witness`)."""
        return self.create_witness_on_domain(values, self._value_rows(values).shape[0], index)

    def create_witness_on_domain(self, values: Scalars, num_values: int, index: int) -> bytes:
        """Opening proof at w_N^index (N = num_values, a power of two >= len(values)) of the polynomial
        through `values` over w_n^i, n = len(values): the farmer's chunk witness, a record's 2^15 values
        opened on the 65,536 s-bucket domain (storage_and_time.md 8 steps 4-6). Scalars stay 32-byte
        rows throughout (the backend's inverse NTT, `fr_quotient`, one MSM) where the backend has them."""
        rows = self._value_rows(values)
        n = rows.shape[0]
        _check_domain(num_values, index)
        if num_values < n:
            raise ValueError(f"num_values {num_values} is smaller than the {n} values")
        ifft, quotient = getattr(self.backend, "fr_ifft", None), getattr(self.backend, "fr_quotient", None)
        if ifft is None or quotient is None or n < 64:
            return self.create_witness_for_polynomial(self.coefficients(values), num_values, index)
        x = pow(reference.domain_root(int(num_values)), int(index), R)
        return self.bases.msm(quotient(ifft(rows), x))

    def create_witness_for_polynomial(self, coeffs: Sequence[int], num_values: int, index: int) -> bytes:
        """Opening proof of the polynomial with `coeffs` at w_n^index, n = num_values (a power of two that
        may exceed len(coeffs)): the farmer's chunk witness over the 65,536 s-bucket domain of a record
        polynomial of degree < 2^15 (storage_and_time.md 8 step 6)."""
        _check_domain(num_values, index)
        x = pow(reference.domain_root(int(num_values)), int(index), R)
        return self.commit_coefficients(reference.quotient(list(coeffs), x))

    # ------------------------------------------------------------------ verifying
    def _opening_scalars(self, num_values: int, index: int, value: bytes) -> tuple[int, int] | None:
        """(x, y) of an opening, or None when the domain or index cannot be valid; ValueError for a
        malformed value."""
        y = _ints(scalar_rows([value], "value"))[0]
        if not isinstance(num_values, (int, np.integer)) or not isinstance(index, (int, np.integer)):
            return None
        if num_values < 1 or num_values > 2**32 or index < 0:
            return None
        size = 1 << (int(num_values) - 1).bit_length()
        if index >= size:
            return None
        return pow(reference.domain_root(size), int(index), R), y

    def _opening_terms(self, commitment: bytes, num_values: int, index: int, value: bytes, witness: bytes,
                       scalars: tuple[int, int] | None = None):
        """(C, x, y, pi) as library objects and ints, or None when the opening cannot be valid; `scalars`:
        the opening's (x, y) when the caller has already computed them."""
        scalars = scalars if scalars is not None else self._opening_scalars(num_values, index, value)
        if scalars is None:
            return None
        try:
            c = decode_unchecked(commitment, "commitment")
            pi = decode_unchecked(witness, "witness")
        except (ValueError, TypeError):
            return None
        return c, scalars[0], scalars[1], pi

    def verify(self, commitment: bytes, num_values: int, index: int, value: bytes, witness: bytes) -> bool:
        """Whether `witness` opens `commitment` to `value` at w_n^index (n = num_values); spec 3."""
        scalars = self._opening_scalars(num_values, index, value)
        if scalars is None:
            return False
        if isinstance(commitment, (bytes, bytearray)) and isinstance(witness, (bytes, bytearray)) \
                and len(commitment) == G1_BYTES and len(witness) == G1_BYTES:
            fast = self._verify_blst(bytes(commitment), scalars[0], scalars[1], bytes(witness))
            if fast is not None:
                return fast
        terms = self._opening_terms(commitment, num_values, index, value, witness, scalars)
        if terms is None:
            return False
        c, x, y, pi = terms
        # e(C - [y]G1, G2[0]) == e(pi, G2[1] - [x]G2[0])  <=>  e(C - [y]G1 + [x]pi, G2[0]) == e(pi, G2[1]):
        # the same check with both scalar multiplications in G1 (about 3x cheaper than one in G2).
        lhs = c - self._g1 * ark.Scalar(y) + pi * ark.Scalar(x)
        return bool(ark.GT.pairing_check([lhs, -pi], [self._g2_0, self._g2_1]))

    def _verify_blst(self, commitment: bytes, x: int, y: int, witness: bytes) -> bool | None:
        """The same pairing equation through blst (pyblst): two Miller loops and one final
        exponentiation, about 1.5x faster than the arkworks pairing check, and blst decoding instead of
        the readable square root. None (the caller uses arkworks) where blst cannot answer for the same
        inputs the same way: bytes blst refuses to decode, or an identity on either side (the
        Miller loop's infinity handling is not relied on)."""
        if _blst is None:
            return None
        try:
            c = _blst.BlstP1Element.uncompress(bytes(commitment))
            pi = _blst.BlstP1Element.uncompress(bytes(witness))
        except Exception:  # pyblst's own error type: the arkworks path decides
            return None
        g2_0, g2_1, g1 = self._blst_points()
        lhs = c
        if y:
            lhs = lhs + g1.scalar_mul(R - y)
        if x:
            lhs = lhs + pi.scalar_mul(x)
        if lhs.compress() == _G1_IDENTITY or pi.compress() == _G1_IDENTITY:
            return None
        return bool(_blst.final_verify(_blst.miller_loop(lhs, g2_0), _blst.miller_loop(pi, g2_1)))

    def _blst_points(self) -> tuple:
        """(G2[0], G2[1], G1 generator) as blst points, decoded once."""
        cached = self.__dict__.get("_blst_cache")
        if cached is None:
            cached = (_blst.BlstP2Element.uncompress(bytes(self._g2_0.to_compressed_bytes())),
                      _blst.BlstP2Element.uncompress(bytes(self._g2_1.to_compressed_bytes())),
                      _blst.BlstP1Element.uncompress(bytes(self._g1.to_compressed_bytes())))
            self.__dict__["_blst_cache"] = cached
        return cached

    def verify_batch(self, openings: Sequence[Opening]) -> bool:
        """Whether every opening verifies, with one random linear combination:
        e(sum rho_k (C_k - [y_k]G1 + [x_k]pi_k), G2[0]) == e(sum rho_k pi_k, G2[1])."""
        points, scalars, witnesses, weights = [], [], [], []
        y_total = 0
        for opening in openings:
            if len(opening) != 5:
                raise ValueError("each opening is (commitment, num_values, index, value, witness)")
            terms = self._opening_terms(*opening)
            if terms is None:
                return False
            c, x, y, pi = terms
            rho = int.from_bytes(os.urandom(16), "big") | 1
            points += [c, pi]
            scalars += [rho, rho * x % R]
            witnesses.append(pi)
            weights.append(rho)
            y_total = (y_total + rho * y) % R
        if not points:
            return True
        points.append(self._g1)
        scalars.append(-y_total % R)
        lhs = ark.G1Point.multiexp_unchecked(points, [ark.Scalar(s) for s in scalars])
        rhs = ark.G1Point.multiexp_unchecked(witnesses, [ark.Scalar(w) for w in weights])
        return bool(ark.GT.pairing_check([lhs, -rhs], [self._g2_0, self._g2_1]))

    # ------------------------------------------------------------------ segments
    def extend_commitments(self, commitments: Sequence[bytes]) -> list[bytes]:
        return extend_commitments(commitments)


def _g1_fft(points: list, root: int) -> list:
    """Natural-order radix-2 FFT over G1: out[i] = sum_j points[j] * root^(i j)."""
    n = len(points)
    if n == 1:
        return list(points)
    half_root = root * root % R
    even, odd = _g1_fft(points[0::2], half_root), _g1_fft(points[1::2], half_root)
    out = [None] * n
    w = 1
    for i in range(n // 2):
        t = odd[i] * ark.Scalar(w) if w != 1 else odd[i]
        out[i], out[i + n // 2] = even[i] + t, even[i] - t
        w = w * root % R
    return out


def extend_commitments(commitments: Sequence[bytes]) -> list[bytes]:
    """Spec 4 `extend_commitments`: n commitments (n a power of two) -> 2n, interleaved (2i = input i,
    2i+1 = commitment of parity record i). ValueError for a count that is not a power of two or a
    commitment that does not decode."""
    items = list(commitments)
    n = len(items)
    if n == 0 or n & (n - 1):
        raise ValueError(f"commitments: {n} commitments, expected a power of two")
    points = []
    for i, c in enumerate(items):
        if not isinstance(c, (bytes, bytearray)) or len(c) != G1_BYTES:
            raise ValueError(f"commitments[{i}]: expected {G1_BYTES} bytes")
        points.append(decode_unchecked(bytes(c), f"commitments[{i}]"))
    inv_n = ark.Scalar(pow(n, -1, R))
    coeffs = [p * inv_n for p in _g1_fft(points, pow(reference.domain_root(n), -1, R))]
    coeffs += [ark.G1Point.identity()] * n
    return [bytes(p.to_compressed_bytes()) for p in _g1_fft(coeffs, reference.domain_root(2 * n))]
