"""sr25519 (schnorrkel) signatures with a chosen signing context, in pure Python (protocol.md 3.2 step 1).

Why this exists: the network signs block seals and votes with schnorrkel under the signing context
`b"subspace_reward"`; the available binding (`py-sr25519-bindings`) hard-codes the Substrate context
`b"substrate"`, so its signatures would never verify on the network and the network's would never verify
with it. This module implements the three pieces schnorrkel is made of, from their public specifications:

* Keccak-f[1600] (FIPS 202) and the STROBE-128 operations Merlin uses (meta-AD, AD, PRF);
* Merlin transcripts (`Transcript`: append_message, challenge_bytes);
* Ristretto255 (RFC 9496) over edwards25519: decoding, encoding, addition, scalar multiplication;

and schnorrkel's Schnorr signature on top:

    t = Transcript(b"SigningContext"); t.append_message(b"", context); t.append_message(b"sign-bytes", message)
    t.append_message(b"proto-name", b"Schnorr-sig"); t.append_message(b"sign:pk", public_key)
    R = r * B;  t.append_message(b"sign:R", R);  k = challenge_bytes(b"sign:c", 64) mod l
    s = k * secret + r;  signature = R || s, with bit 7 of byte 63 set (schnorrkel's marker)

Verification recomputes k and checks `encode(s * B - k * A) == R`; signatures without the marker, with a
non-canonical s, or with a public key that is not a canonical Ristretto encoding are structurally invalid
(`InvalidSignatureFormat` / `InvalidPublicKey`), a wrong signature returns False.

Compatibility is tested bit for bit against the binding with its context `b"substrate"` in both directions
(tests/protocol/consensus/test_keys.py): only the context bytes differ in real use.

Keys: `secret_scalar` is schnorrkel's `SecretKey.key` (the first 32 bytes of the binding's 64-byte secret,
little-endian, reduced mod l); the nonce half of a schnorrkel secret only seeds the per-signature randomness,
which here is BLAKE2b(nonce, public key, context, message, 32 fresh random bytes) mod l — any r gives a valid
signature, so this is interoperable; it is hedged: deterministic inputs plus fresh randomness.

Not constant-time (Python big integers): fine for a node signing its own blocks on its own machine, not for
a signing service exposed to timing measurements. Speed: a few milliseconds per sign or verify.

API: `sign(secret_scalar, nonce, public_key, context, message) -> bytes`,
`verify(public_key, context, message, signature) -> bool`, `public_key_from_scalar(secret_scalar) -> bytes`.
"""
from __future__ import annotations

import hashlib
import os
import struct

# --- Keccak-f[1600] (FIPS 202) ----------------------------------------------------------------------
_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
    0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
# rotation offsets r[x + 5y]
_ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14]
_M64 = (1 << 64) - 1


def _rol(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _M64 if n else v


def keccak_f1600(state: bytearray) -> None:
    """Apply the Keccak-f[1600] permutation in place to a 200-byte state (lanes little-endian, x + 5y)."""
    a = list(struct.unpack("<25Q", state))
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [a[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rol(a[x + 5 * y], _ROT[x + 5 * y])
        a = [b[i] ^ (~b[(i % 5 + 1) % 5 + 5 * (i // 5)] & b[(i % 5 + 2) % 5 + 5 * (i // 5)]) for i in range(25)]
        a[0] ^= rc
    state[:] = struct.pack("<25Q", *a)


# --- STROBE-128, the subset Merlin uses ---------------------------------------------------------------
_STROBE_R = 166  # 200 - 128/4 - 2
_FLAG_I, _FLAG_A, _FLAG_C, _FLAG_T, _FLAG_M, _FLAG_K = 1, 2, 4, 8, 16, 32


class _Strobe128:
    def __init__(self, protocol_label: bytes) -> None:
        st = bytearray(200)
        st[0:6] = bytes([1, _STROBE_R + 2, 1, 0, 1, 96])
        st[6:18] = b"STROBEv1.0.2"
        keccak_f1600(st)
        self.state, self.pos, self.pos_begin, self.cur_flags = st, 0, 0, 0
        self.meta_ad(protocol_label, False)

    def clone(self) -> _Strobe128:
        other = object.__new__(_Strobe128)
        other.state, other.pos, other.pos_begin, other.cur_flags = (bytearray(self.state), self.pos,
                                                                    self.pos_begin, self.cur_flags)
        return other

    def _run_f(self) -> None:
        self.state[self.pos] ^= self.pos_begin
        self.state[self.pos + 1] ^= 0x04
        self.state[_STROBE_R + 1] ^= 0x80
        keccak_f1600(self.state)
        self.pos = self.pos_begin = 0

    def _absorb(self, data: bytes) -> None:
        for byte in data:
            self.state[self.pos] ^= byte
            self.pos += 1
            if self.pos == _STROBE_R:
                self._run_f()

    def _squeeze(self, n: int) -> bytes:
        out = bytearray(n)
        for i in range(n):
            out[i] = self.state[self.pos]
            self.state[self.pos] = 0
            self.pos += 1
            if self.pos == _STROBE_R:
                self._run_f()
        return bytes(out)

    def _begin_op(self, flags: int, more: bool) -> None:
        if more:
            if self.cur_flags != flags:
                raise AssertionError("STROBE: continued operation with different flags")
            return
        old_begin = self.pos_begin
        self.pos_begin = self.pos + 1
        self.cur_flags = flags
        self._absorb(bytes([old_begin, flags]))
        if flags & (_FLAG_C | _FLAG_K) and self.pos != 0:
            self._run_f()

    def meta_ad(self, data: bytes, more: bool) -> None:
        self._begin_op(_FLAG_M | _FLAG_A, more)
        self._absorb(data)

    def ad(self, data: bytes, more: bool) -> None:
        self._begin_op(_FLAG_A, more)
        self._absorb(data)

    def prf(self, n: int, more: bool) -> bytes:
        self._begin_op(_FLAG_I | _FLAG_A | _FLAG_C, more)
        return self._squeeze(n)


class Transcript:
    """A Merlin transcript (merlin.cool): labelled messages in, labelled challenge bytes out."""

    def __init__(self, label: bytes) -> None:
        self._strobe = _Strobe128(b"Merlin v1.0")
        self.append_message(b"dom-sep", label)

    def clone(self) -> Transcript:
        other = object.__new__(Transcript)
        other._strobe = self._strobe.clone()
        return other

    def append_message(self, label: bytes, message: bytes) -> None:
        self._strobe.meta_ad(label, False)
        self._strobe.meta_ad(struct.pack("<I", len(message)), True)
        self._strobe.ad(message, False)

    def challenge_bytes(self, label: bytes, n: int) -> bytes:
        self._strobe.meta_ad(label, False)
        self._strobe.meta_ad(struct.pack("<I", n), True)
        return self._strobe.prf(n, False)


# --- edwards25519 / Ristretto255 (RFC 9496) --------------------------------------------------------
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # prime order of the group
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _neg(x: int) -> bool:
    return x % P & 1 == 1


def _abs(x: int) -> int:
    x %= P
    return P - x if x & 1 else x


def _sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    """(was_square, r) with r = sqrt(u/v) (non-negative) when u/v is square, else sqrt(i*u/v) (RFC 9496 4.2)."""
    v3 = v * v % P * v % P
    v7 = v3 * v3 % P * v % P
    r = u * v3 % P * pow(u * v7 % P, (P - 5) // 8, P) % P
    check = v * r % P * r % P
    correct = check == u % P
    flipped = check == (-u) % P
    flipped_i = check == (-u * SQRT_M1) % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return correct or flipped, _abs(r)


INVSQRT_A_MINUS_D = _sqrt_ratio_m1(1, (-1 - D) % P)[1]

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z
IDENTITY: Point = (0, 1, 1, 0)


def _base_point() -> Point:
    y = 4 * pow(5, P - 2, P) % P
    _, x = _sqrt_ratio_m1((y * y - 1) % P, (D * y * y + 1) % P)  # x^2 = (y^2 - 1) / (d y^2 + 1), x >= 0
    return (x, y, 1, x * y % P)


BASEPOINT = _base_point()


def point_add(p1: Point, p2: Point) -> Point:
    """Complete addition on -x^2 + y^2 = 1 + d x^2 y^2 (extended coordinates, a = -1)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * D % P * t2 % P
    d = z1 * 2 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_neg(p: Point) -> Point:
    x, y, z, t = p
    return ((-x) % P, y, z, (-t) % P)


def scalar_mult(k: int, p: Point) -> Point:
    """k * p (double-and-add, variable time)."""
    k %= L
    result = IDENTITY
    addend = p
    while k:
        if k & 1:
            result = point_add(result, addend)
        addend = point_add(addend, addend)
        k >>= 1
    return result


_BASE_TABLE: list[Point] = []


def scalar_mult_base(k: int) -> Point:
    """k * B using a table of 2^i * B (built on first use): additions only, about 3x faster than `scalar_mult`."""
    if not _BASE_TABLE:
        p = BASEPOINT
        for _ in range(L.bit_length()):
            _BASE_TABLE.append(p)
            p = point_add(p, p)
    k %= L
    result = IDENTITY
    i = 0
    while k:
        if k & 1:
            result = point_add(result, _BASE_TABLE[i])
        k >>= 1
        i += 1
    return result


def ristretto_encode(p: Point) -> bytes:
    """Canonical 32-byte Ristretto255 encoding (RFC 9496 4.3.2)."""
    x0, y0, z0, t0 = p
    u1 = (z0 + y0) * (z0 - y0) % P
    u2 = x0 * y0 % P
    _, invsqrt = _sqrt_ratio_m1(1, u1 * u2 % P * u2 % P)
    den1 = invsqrt * u1 % P
    den2 = invsqrt * u2 % P
    z_inv = den1 * den2 % P * t0 % P
    if _neg(t0 * z_inv):
        x, y, den_inv = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P, den1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den_inv = x0, y0, den2
    if _neg(x * z_inv):
        y = (-y) % P
    return _abs(den_inv * (z0 - y)).to_bytes(32, "little")


class InvalidPublicKey(ValueError):
    """32 bytes that are not the canonical Ristretto255 encoding of a group element."""


class InvalidSignatureFormat(ValueError):
    """64 bytes that are not a schnorrkel signature (length, missing marker bit, non-canonical s)."""


def ristretto_decode(data: bytes) -> Point:
    """Inverse of `ristretto_encode`; InvalidPublicKey for a non-canonical or invalid encoding (RFC 9496 4.3.1)."""
    if len(data) != 32:
        raise InvalidPublicKey(f"expected 32 bytes, got {len(data)}")
    s = int.from_bytes(data, "little")
    if s >= P or s & 1:
        raise InvalidPublicKey("non-canonical Ristretto encoding")
    ss = s * s % P
    u1 = (1 - ss) % P
    u2 = (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 % P * u1) - u2_sqr) % P
    was_square, invsqrt = _sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x % P * v % P
    x = _abs(2 * s * den_x)
    y = u1 * den_y % P
    t = x * y % P
    if not was_square or _neg(t) or y == 0:
        raise InvalidPublicKey("bytes do not encode a Ristretto255 point")
    return (x, y, 1, t)


# --- schnorrkel Schnorr signatures -------------------------------------------------------------------
SIGNATURE_SIZE = 64
PUBLIC_KEY_SIZE = 32
_MARKER = 0x80


def _signing_transcript(context: bytes, message: bytes) -> Transcript:
    t = Transcript(b"SigningContext")
    t.append_message(b"", context)
    t.append_message(b"sign-bytes", message)
    t.append_message(b"proto-name", b"Schnorr-sig")
    return t


def _challenge(t: Transcript) -> int:
    return int.from_bytes(t.challenge_bytes(b"sign:c", 64), "little") % L


def public_key_from_scalar(secret_scalar: int) -> bytes:
    """The 32-byte public key of a secret scalar: encode(secret * B)."""
    return ristretto_encode(scalar_mult_base(secret_scalar))


def sign(secret_scalar: int, nonce: bytes, public_key: bytes, context: bytes, message: bytes) -> bytes:
    """A 64-byte schnorrkel signature of `message` under `context` (module docstring)."""
    t = _signing_transcript(context, message)
    t.append_message(b"sign:pk", public_key)
    seed = hashlib.blake2b(b"".join((nonce, public_key, struct.pack("<I", len(context)), context, message,
                                     os.urandom(32))), digest_size=64, person=b"sr25519-witness").digest()
    r = int.from_bytes(seed, "little") % L
    big_r = ristretto_encode(scalar_mult_base(r))
    t.append_message(b"sign:R", big_r)
    k = _challenge(t)
    s = (k * secret_scalar + r) % L
    out = bytearray(big_r + s.to_bytes(32, "little"))
    out[63] |= _MARKER
    return bytes(out)


def verify(public_key: bytes, context: bytes, message: bytes, signature: bytes) -> bool:
    """True iff `signature` is public_key's schnorrkel signature of `message` under `context`.

    Raises InvalidSignatureFormat / InvalidPublicKey for structurally invalid inputs (like schnorrkel's
    `Signature::from_bytes` / `PublicKey::from_bytes`); a well-formed but wrong signature returns False."""
    if len(signature) != SIGNATURE_SIZE:
        raise InvalidSignatureFormat(f"expected {SIGNATURE_SIZE} bytes, got {len(signature)}")
    if not signature[63] & _MARKER:
        raise InvalidSignatureFormat("signature bytes are not marked as a schnorrkel signature")
    s_bytes = bytearray(signature[32:])
    s_bytes[31] &= 0x7F
    s = int.from_bytes(s_bytes, "little")
    if s >= L:
        raise InvalidSignatureFormat("signature scalar is not canonical")
    a = ristretto_decode(bytes(public_key))
    t = _signing_transcript(context, message)
    t.append_message(b"sign:pk", bytes(public_key))
    t.append_message(b"sign:R", bytes(signature[:32]))
    k = _challenge(t)
    big_r = point_add(scalar_mult_base(s), point_neg(scalar_mult(k, a)))
    return ristretto_encode(big_r) == bytes(signature[:32])
