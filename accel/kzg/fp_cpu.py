"""BLS12-381 base field Fp and G1 point arithmetic for numba (storage_and_time.md section 3): the CPU
twin of accel/kernels/fp.h and g1.h, used by the CPU MSM (accel/kzg/cpu_msm.py).

An Fp element is a tuple of six uint64 limbs, little-endian, in Montgomery form (a * 2^384 mod p).
Multiplication is CIOS without the final carry word, valid because the top limb of p is below
2^63 - 1 (asserted below); inputs < p give outputs < p. `fp_mul`, `fp_sqr`, `fp_add` and `fp_sub`
are numba intrinsics that emit LLVM IR: the additions in place (i384 add/subtract and select), the
product as one shared function per module, either x86-64 assembly with the ADX/BMI2 instructions
(mulx, adox, adcx: two carry chains at once, about 61 ns here) where the host CPU has them, or
portable i128 arithmetic (about 84 ns; `fp_mul_portable`). Written as plain njit functions with
inline="always", the kernels took minutes to compile (numba's IR-level inlining); this takes seconds.

G1 (y^2 = x^3 + 4, a = 0) points are affine (x, y) tuples or Jacobian (X, Y, Z) with Z = 0 for the
identity; the formulas are the standard ones for a = 0 short Weierstrass curves (EFD dbl-2009-l,
madd-2007-bl, add-2007-bl) with the exceptional cases (equal points, opposite points, identity)
handled explicitly, so every function is complete.
"""
from __future__ import annotations

import numba as nb
import numpy as np
import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from accel.kzg.constants import P

FP_LIMBS = 6
FpTuple = types.UniTuple(types.uint64, FP_LIMBS)
_I64 = ir.IntType(64)
_LIMB = 2**64
_MONT_R = 2**384 % P  # Montgomery R = 2^384 mod p
assert P >> 320 < 2**63 - 1, "no-carry CIOS needs the top limb of p below 2^63 - 1"


def to_limbs(value: int) -> tuple[int, ...]:
    """Six little-endian 64-bit limbs of a 384-bit integer."""
    return tuple((value >> (64 * i)) % _LIMB for i in range(FP_LIMBS))


def from_limbs(limbs) -> int:
    return sum(int(v) << (64 * i) for i, v in enumerate(limbs))


P0, P1, P2, P3, P4, P5 = (np.uint64(v) for v in to_limbs(P))
INV = np.uint64((-pow(P, -1, _LIMB)) % _LIMB)  # -p^-1 mod 2^64
ZERO = np.uint64(0)
ONE = np.uint64(1)
R2_LIMBS = tuple(np.uint64(v) for v in to_limbs(2**768 % P))  # R^2 mod p: to Montgomery form
ONE_MONT = tuple(np.uint64(v) for v in to_limbs(_MONT_R))  # Montgomery form of 1
PLAIN_ONE = (ONE, ZERO, ZERO, ZERO, ZERO, ZERO)
FP_ZERO = (ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
P_MINUS_2_LIMBS = np.array(to_limbs(P - 2), dtype=np.uint64)  # Fermat exponent for inversion


def to_mont_int(value: int) -> tuple[int, ...]:
    """Montgomery limbs of a plain integer < p (host side, for tables and tests)."""
    return to_limbs(value * _MONT_R % P)


def from_mont_int(limbs) -> int:
    return from_limbs(limbs) * pow(_MONT_R, -1, P) % P


def _fp_tuple_out(context, builder, sig, value):
    """An i384 value -> the six-limb tuple numba expects."""
    out = context.get_constant_undef(sig.return_type)
    for i in range(FP_LIMBS):
        limb = builder.lshr(value, ir.Constant(value.type, 64 * i)) if i else value
        out = builder.insert_value(out, builder.trunc(limb, _I64), i)
    return out


def _fp_wide(builder, tup, width: int = 384):
    """A six-limb tuple -> one i384 (or wider) LLVM integer."""
    t = ir.IntType(width)
    acc = ir.Constant(t, 0)
    for i in range(FP_LIMBS):
        v = builder.zext(builder.extract_value(tup, i), t)
        acc = builder.or_(acc, builder.shl(v, ir.Constant(t, 64 * i)) if i else v)
    return acc


def _mont_mul_ir(builder, a_tup, b_tup):
    """CIOS Montgomery product in LLVM IR: per limb b_i, t += a b_i, then t = (t + m p) / 2^64 with
    m = t_0 (-p^-1) mod 2^64; each limb step is one 64 x 64 -> 128-bit multiply-accumulate."""
    i128 = ir.IntType(128)
    low = ir.Constant(i128, _LIMB - 1)
    shift = ir.Constant(i128, 64)
    a = [builder.zext(builder.extract_value(a_tup, j), i128) for j in range(FP_LIMBS)]
    p = [ir.Constant(i128, v) for v in to_limbs(P)]
    t = [ir.Constant(i128, 0)] * FP_LIMBS
    for i in range(FP_LIMBS):
        bi = builder.zext(builder.extract_value(b_tup, i), i128)
        carry = ir.Constant(i128, 0)
        u = []
        for j in range(FP_LIMBS):
            v = builder.add(builder.add(builder.mul(a[j], bi), t[j]), carry)
            u.append(builder.and_(v, low))
            carry = builder.lshr(v, shift)
        top = carry
        m = builder.zext(builder.mul(builder.trunc(u[0], _I64), ir.Constant(_I64, int(INV))), i128)
        carry = builder.lshr(builder.add(builder.mul(m, p[0]), u[0]), shift)
        t = []
        for j in range(1, FP_LIMBS):
            v = builder.add(builder.add(builder.mul(m, p[j]), u[j]), carry)
            t.append(builder.and_(v, low))
            carry = builder.lshr(v, shift)
        t.append(builder.add(carry, top))  # < 2^64: no-carry CIOS (top limb of p < 2^63 - 1)
    w = ir.IntType(384)
    acc = ir.Constant(w, 0)
    for j in range(FP_LIMBS):
        v = builder.zext(builder.trunc(t[j], _I64), w)
        acc = builder.or_(acc, builder.shl(v, ir.Constant(w, 64 * j)) if j else v)
    return _reduce_ir(builder, acc)


def _reduce_ir(builder, value):
    """value - p if value >= p else value, for value < 2p."""
    modulus = ir.Constant(value.type, P)
    return builder.select(builder.icmp_unsigned(">=", value, modulus), builder.sub(value, modulus), value)


_FP_STRUCT = ir.LiteralStructType([_I64] * FP_LIMBS)
_FP_MUL_SYMBOL = "accel_kzg_fp_mont_mul"


def _fp_mul_function(module):
    """The portable Montgomery product as one internal, non-inlined LLVM function per module: a call
    costs about 5% over inlining it, and keeps a kernel's compile time in seconds, not minutes."""
    try:
        return module.get_global(_FP_MUL_SYMBOL)
    except KeyError:
        pass
    fn = ir.Function(module, ir.FunctionType(_FP_STRUCT, [_FP_STRUCT, _FP_STRUCT]), _FP_MUL_SYMBOL)
    fn.linkage = "internal"
    fn.attributes.add("noinline")
    builder = ir.IRBuilder(fn.append_basic_block())
    value = _mont_mul_ir(builder, fn.args[0], fn.args[1])
    out = ir.Constant(_FP_STRUCT, ir.Undefined)
    for i in range(FP_LIMBS):
        limb = builder.lshr(value, ir.Constant(value.type, 64 * i)) if i else value
        out = builder.insert_value(out, builder.trunc(limb, _I64), i)
    builder.ret(out)
    return fn


def _call_fp_mul(context, builder, sig, a, b):
    def as_struct(tup):
        out = ir.Constant(_FP_STRUCT, ir.Undefined)
        for i in range(FP_LIMBS):
            out = builder.insert_value(out, builder.extract_value(tup, i), i)
        return out
    r = builder.call(_fp_mul_function(builder.module), [as_struct(a), as_struct(b)])
    out = context.get_constant_undef(sig.return_type)
    for i in range(FP_LIMBS):
        out = builder.insert_value(out, builder.extract_value(r, i), i)
    return out


# ------------------------------------------------------------------ x86-64 ADX/BMI2 product
# The same CIOS product written in x86-64 assembly (AT&T syntax) with two interleaved carry chains:
# mulx gives a limb product without touching the flags, adox carries the low halves along OF and adcx
# the high halves along CF, as blst's hand-written assembly does. LLVM cannot emit adox/adcx from
# i128 arithmetic; this runs the product in about 61 ns instead of 84 ns (about 300 instructions).
# Registers: %rsi a, %rcx b, %r8 the constants (p's limbs, then -p^-1 mod 2^64); the accumulator
# t0..t6 lives in %r9..%r15 and is renamed (not moved) after each round's shift. The result leaves
# in registers (asm outputs, no memory round trip); the final "subtract p unless that borrows" runs
# on a copy in the scratch registers.

_FP_MUL_ADX_SYMBOL = "accel_kzg_fp_mont_mul_adx"
_FP_MUL_ADX_CONSTANTS = [*to_limbs(P), int(INV)]
_ADX_SCRATCH = ["%rax", "%rbx", "%rdx", "%rdi", "%rsi", "%rcx"]  # rsi, rcx: the consumed a, b pointers


def _mont_mul_adx_asm() -> tuple[str, list[str]]:
    """(assembly, the six registers holding the result limbs, least significant first)."""
    t = ["%r9", "%r10", "%r11", "%r12", "%r13", "%r14", "%r15"]
    lines = [f"xorq {r}, {r}" for r in t]

    def accumulate(source: str) -> None:
        # t += source[0..5] * %rdx; both carry chains start clear (xor) and end in t6.
        lines.append("xorl %eax, %eax")
        for j in range(FP_LIMBS):
            lines.append(f"mulxq {8 * j}({source}), %rax, %rbx")
            lines.append(f"adoxq %rax, {t[j]}")
            lines.append(f"adcxq %rbx, {t[j + 1]}")
        lines.append("movl $$0, %eax")  # mov keeps the flags
        lines.append(f"adoxq %rax, {t[6]}")

    for i in range(FP_LIMBS):
        lines.append(f"movq {8 * i}(%rcx), %rdx")
        accumulate("%rsi")  # t += a * b_i
        lines.append(f"movq {t[0]}, %rdx")
        lines.append("imulq 48(%r8), %rdx")  # m = t0 * (-p^-1) mod 2^64
        accumulate("%r8")  # t += m * p: t0 becomes 0
        t = t[1:] + t[:1]  # t /= 2^64: the zeroed t0 register is the new (empty) top limb
    u = _ADX_SCRATCH
    lines += [f"movq {t[j]}, {u[j]}" for j in range(FP_LIMBS)]
    lines.append(f"subq 0(%r8), {u[0]}")  # u = t - p; keep t where that borrows
    lines += [f"sbbq {8 * j}(%r8), {u[j]}" for j in range(1, FP_LIMBS)]
    lines += [f"cmovncq {u[j]}, {t[j]}" for j in range(FP_LIMBS)]
    return "\n".join(lines), t[:FP_LIMBS]


_FP_MUL_ADX_RESULT = ir.LiteralStructType([_I64] * (FP_LIMBS + 2))  # the limbs, then the spent rsi, rcx


def _fp_mul_adx_function(module):
    try:
        return module.get_global(_FP_MUL_ADX_SYMBOL)
    except KeyError:
        pass
    ptr = _I64.as_pointer()
    fn = ir.Function(module, ir.FunctionType(_FP_MUL_ADX_RESULT, [ptr, ptr]), _FP_MUL_ADX_SYMBOL)
    fn.linkage = "internal"
    fn.attributes.add("noinline")
    builder = ir.IRBuilder(fn.append_basic_block())
    table_type = ir.ArrayType(_I64, len(_FP_MUL_ADX_CONSTANTS))
    table = ir.GlobalVariable(module, table_type, _FP_MUL_ADX_SYMBOL + "_constants")
    table.linkage = "internal"
    table.global_constant = True
    table.initializer = ir.Constant(table_type, _FP_MUL_ADX_CONSTANTS)
    text, result = _mont_mul_adx_asm()
    outputs = ",".join("={%s}" % r[1:] for r in result) + ",={rsi},={rcx}"
    clobbers = ",".join("~{%s}" % r for r in ("rax", "rbx", "rdx", "rdi", "r9", "r10", "r11", "r12", "r13",
                                             "r14", "r15") if "%" + r not in result)
    constraints = f"{outputs},{{rsi}},{{rcx}},{{r8}},{clobbers},~{{memory}},~{{dirflag}},~{{fpsr}},~{{flags}}"
    asm = ir.InlineAsm(ir.FunctionType(_FP_MUL_ADX_RESULT, [ptr] * 3), text, constraints, side_effect=False)
    builder.ret(builder.call(asm, [*fn.args, builder.bitcast(table, ptr)]))
    return fn


def _call_fp_mul_adx(context, builder, sig, a, b):
    limbs = ir.ArrayType(_I64, FP_LIMBS)
    ptr = _I64.as_pointer()
    slots = [cgutils.alloca_once(builder, limbs) for _ in range(2)]  # a, b (entry block)
    zero = ir.Constant(ir.IntType(32), 0)

    def slot(k: int, i: int):
        return builder.gep(slots[k], [zero, ir.Constant(ir.IntType(32), i)])
    for i in range(FP_LIMBS):
        builder.store(builder.extract_value(a, i), slot(0, i))
        builder.store(builder.extract_value(b, i), slot(1, i))
    r = builder.call(_fp_mul_adx_function(builder.module), [builder.bitcast(s, ptr) for s in slots])
    out = context.get_constant_undef(sig.return_type)
    for i in range(FP_LIMBS):
        out = builder.insert_value(out, builder.extract_value(r, i), i)
    return out


def _host_has_adx() -> bool:
    """Whether LLVM's host CPU (what numba compiles for) has ADX and BMI2 (mulx, adox, adcx)."""
    try:
        features = llvm.get_host_cpu_features()
        return bool(features.get("adx")) and bool(features.get("bmi2"))
    except Exception:  # noqa: BLE001 - no feature list: stay portable
        return False


USE_ADX = _host_has_adx()
if USE_ADX:
    llvm.initialize_native_asmparser()  # inline assembly needs the target's assembler parser


@intrinsic
def fp_mul_portable(typingctx, a, b):
    """The Montgomery product from LLVM i128 arithmetic (any CPU)."""
    def codegen(context, builder, sig, args):
        return _call_fp_mul(context, builder, sig, args[0], args[1])
    return FpTuple(FpTuple, FpTuple), codegen


@intrinsic
def fp_mul_adx(typingctx, a, b):
    """The Montgomery product in ADX/BMI2 assembly (only where USE_ADX)."""
    def codegen(context, builder, sig, args):
        return _call_fp_mul_adx(context, builder, sig, args[0], args[1])
    return FpTuple(FpTuple, FpTuple), codegen


_call_product = _call_fp_mul_adx if USE_ADX else _call_fp_mul


@intrinsic
def fp_mul(typingctx, a, b):
    """a * b * 2^-384 mod p (Montgomery product) for a, b < p."""
    def codegen(context, builder, sig, args):
        return _call_product(context, builder, sig, args[0], args[1])
    return FpTuple(FpTuple, FpTuple), codegen


@intrinsic
def fp_sqr(typingctx, a):
    """a^2 * 2^-384 mod p."""
    def codegen(context, builder, sig, args):
        return _call_product(context, builder, sig, args[0], args[0])
    return FpTuple(FpTuple), codegen


def _usub_with_borrow(builder, x, y):
    """(x - y, borrow) from one subtract-with-borrow chain (llvm.usub.with.overflow), instead of a
    subtraction plus a separate comparison chain (about 10% faster add and sub)."""
    t = x.type
    fnty = ir.FunctionType(ir.LiteralStructType([t, ir.IntType(1)]), [t, t])
    r = builder.call(builder.module.declare_intrinsic("llvm.usub.with.overflow", [t], fnty), [x, y])
    return builder.extract_value(r, 0), builder.extract_value(r, 1)


@intrinsic
def fp_add(typingctx, a, b):
    """a + b mod p (the sum of two values < p < 2^381 fits 384 bits)."""
    def codegen(context, builder, sig, args):
        s = builder.add(_fp_wide(builder, args[0]), _fp_wide(builder, args[1]))
        t, borrow = _usub_with_borrow(builder, s, ir.Constant(s.type, P))
        return _fp_tuple_out(context, builder, sig, builder.select(borrow, s, t))
    return FpTuple(FpTuple, FpTuple), codegen


@intrinsic
def fp_sub(typingctx, a, b):
    """a - b mod p: x - y, plus p where that borrows."""
    def codegen(context, builder, sig, args):
        d, borrow = _usub_with_borrow(builder, _fp_wide(builder, args[0]), _fp_wide(builder, args[1]))
        d = builder.add(d, builder.and_(builder.sext(borrow, d.type), ir.Constant(d.type, P)))
        return _fp_tuple_out(context, builder, sig, d)
    return FpTuple(FpTuple, FpTuple), codegen


@nb.njit(inline="always")
def fp_dbl(a):
    return fp_add(a, a)


@nb.njit(inline="always")
def fp_is_zero(a):
    return (a[0] | a[1] | a[2] | a[3] | a[4] | a[5]) == ZERO


@nb.njit(inline="always")
def fp_eq(a, b):
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5])) == ZERO


@nb.njit(inline="always")
def fp_neg(a):
    return fp_sub(FP_ZERO, a)


@nb.njit(inline="always")
def fp_load(arr, i):
    """Row i of an (n, 6) uint64 array as a tuple."""
    return (arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3], arr[i, 4], arr[i, 5])


@nb.njit(inline="always")
def fp_store(arr, i, a):
    arr[i, 0], arr[i, 1], arr[i, 2], arr[i, 3], arr[i, 4], arr[i, 5] = a


@nb.njit(nogil=True, cache=True)
def fp_inv(a):
    """Inverse in Montgomery form, a^(p-2) (Fermat); the inverse of 0 is 0."""
    r = ONE_MONT
    for limb in range(FP_LIMBS - 1, -1, -1):
        e = P_MINUS_2_LIMBS[limb]
        for bit in range(63, -1, -1):
            r = fp_mul(r, r)
            if (e >> np.uint64(bit)) & ONE:
                r = fp_mul(r, a)
    return r


# ----------------------------------------------------------------------------------------- G1

@nb.njit(inline="always")
def jac_identity():
    return ONE_MONT, ONE_MONT, FP_ZERO


@nb.njit(inline="always")
def jac_dbl(x, y, z):
    """2 (X, Y, Z) (dbl-2009-l; the identity doubles to itself, and no point of odd order has y = 0)."""
    if fp_is_zero(z):
        return x, y, z
    a = fp_sqr(x)
    b = fp_sqr(y)
    c = fp_sqr(b)
    d = fp_dbl(fp_sub(fp_sub(fp_sqr(fp_add(x, b)), a), c))
    e = fp_add(fp_dbl(a), a)
    f = fp_sqr(e)
    x3 = fp_sub(f, fp_dbl(d))
    c8 = fp_dbl(fp_dbl(fp_dbl(c)))
    y3 = fp_sub(fp_mul(e, fp_sub(d, x3)), c8)
    z3 = fp_dbl(fp_mul(y, z))
    return x3, y3, z3


@nb.njit(inline="always")
def jac_add_affine(x1, y1, z1, x2, y2):
    """(X1, Y1, Z1) + (x2, y2) with (x2, y2) affine, not the identity (madd-2007-bl)."""
    if fp_is_zero(z1):
        return x2, y2, ONE_MONT
    z1z1 = fp_sqr(z1)
    u2 = fp_mul(x2, z1z1)
    s2 = fp_mul(y2, fp_mul(z1, z1z1))
    h = fp_sub(u2, x1)
    r = fp_dbl(fp_sub(s2, y1))
    if fp_is_zero(h):
        if fp_is_zero(r):
            return jac_dbl(x2, y2, ONE_MONT)
        return jac_identity()
    hh = fp_sqr(h)
    i = fp_dbl(fp_dbl(hh))
    j = fp_mul(h, i)
    v = fp_mul(x1, i)
    x3 = fp_sub(fp_sub(fp_sqr(r), j), fp_dbl(v))
    y3 = fp_sub(fp_mul(r, fp_sub(v, x3)), fp_dbl(fp_mul(y1, j)))
    z3 = fp_sub(fp_sub(fp_sqr(fp_add(z1, h)), z1z1), hh)
    return x3, y3, z3


@nb.njit(inline="always")
def jac_add(x1, y1, z1, x2, y2, z2):
    """(X1, Y1, Z1) + (X2, Y2, Z2) (add-2007-bl), complete."""
    if fp_is_zero(z1):
        return x2, y2, z2
    if fp_is_zero(z2):
        return x1, y1, z1
    z1z1 = fp_sqr(z1)
    z2z2 = fp_sqr(z2)
    u1 = fp_mul(x1, z2z2)
    u2 = fp_mul(x2, z1z1)
    s1 = fp_mul(y1, fp_mul(z2, z2z2))
    s2 = fp_mul(y2, fp_mul(z1, z1z1))
    h = fp_sub(u2, u1)
    r = fp_dbl(fp_sub(s2, s1))
    if fp_is_zero(h):
        if fp_is_zero(r):
            return jac_dbl(x1, y1, z1)
        return jac_identity()
    i = fp_sqr(fp_dbl(h))
    j = fp_mul(h, i)
    v = fp_mul(u1, i)
    x3 = fp_sub(fp_sub(fp_sqr(r), j), fp_dbl(v))
    y3 = fp_sub(fp_mul(r, fp_sub(v, x3)), fp_dbl(fp_mul(s1, j)))
    z3 = fp_mul(fp_sub(fp_sub(fp_sqr(fp_add(z1, z2)), z1z1), z2z2), h)
    return x3, y3, z3


@nb.njit(inline="always")
def jac_to_affine(x, y, z):
    """(x, y, is_identity) in Montgomery form."""
    if fp_is_zero(z):
        return FP_ZERO, FP_ZERO, True
    zi = fp_inv(z)
    zi2 = fp_sqr(zi)
    return fp_mul(x, zi2), fp_mul(y, fp_mul(zi, zi2)), False
