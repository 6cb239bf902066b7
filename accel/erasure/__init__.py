"""Erasure coding over the BLS12-381 scalar field Fr, and the shared Fr layer (storage_and_time.md
sections 1, 3 and 4). KZG (accel/kzg/) builds on the same field, domains and transforms.

Field and encoding (accel.erasure.fr, plain Python integers and numpy limb arrays):
    MODULUS                                  r = 0x73eda753...00000001
    decode_scalar(b32) -> int                canonical 32-byte big-endian; ValueError if >= r
    encode_scalar(int) -> bytes
    scalars_to_limbs(list | bytes | (n,32) uint8) -> (n, 4) uint64   validated, little-endian 64-bit limbs
    limbs_to_rows / limbs_to_list            back to (n, 32) uint8 / list of bytes
Domains (accel.erasure.domain):
    root_of_unity(n) = 7^((r-1)/n) mod r, domain(n), powers(base, count), log2_size(n)
Reference (accel.erasure.reference, the oracle; Python integers):
    fft, ifft, extend, recover, interleave, zero_polynomial, extend_bytes, recover_bytes
Backend operations (accel.backend(name), from accel/erasure/ops.py):
    be.erasure_extend(source) -> list[bytes]           n source scalars -> n parity scalars
    be.erasure_recover(shards) -> list[bytes]          2n interleaved shards (None = missing) -> 2n values
    be.erasure_extend_batch((b, n, 32) uint8) -> (b, n, 32) uint8
    be.fr_fft(values, inverse=False), be.fr_ifft(values) -> (n, 32) or (b, n, 32) uint8, natural order
Montgomery arithmetic: accel/erasure/fr_cpu.py (numba, 4 x 64-bit limbs), accel/kernels/fr.h
(OpenCL/CUDA, 8 x 32-bit limbs); constants with their formulas in accel/erasure/constants.py.
"""
from accel.erasure import constants, reference
from accel.erasure.constants import MODULUS, RECOVERY_SHIFT, SCALAR_BYTES
from accel.erasure.domain import domain, log2_size, powers, root_of_unity
from accel.erasure.fr import (decode_scalar, encode_scalar, limbs_to_list, limbs_to_rows, rows_to_limbs,
                              scalar_rows, scalars_to_limbs)

__all__ = [
    "MODULUS",
    "RECOVERY_SHIFT",
    "SCALAR_BYTES",
    "constants",
    "decode_scalar",
    "domain",
    "encode_scalar",
    "limbs_to_list",
    "limbs_to_rows",
    "log2_size",
    "powers",
    "reference",
    "root_of_unity",
    "rows_to_limbs",
    "scalar_rows",
    "scalars_to_limbs",
]
