"""The GPU MSM (accel/kernels/fp.h, g1.h, msm.c driven by accel/kzg/gpu.py; storage_and_time.md
section 3) layer by layer: the header constants against accel/kzg/constants.py, the Fp and G1
kernels against the plain-Python field and curve code on random inputs, the signed digits, then
whole MSMs bit for bit against the CPU backend (arkworks) at several sizes and on the edge cases
(identity bases, zero scalars, repeated points, P + (-P), crowded buckets)."""
from __future__ import annotations

import random
import re

import numpy as np
import pytest

import accel
from accel.kernels import KERNEL_DIR
from accel.kzg import g1, gpu, reference
from accel.kzg.constants import G1_GENERATOR, G1_IDENTITY, P, R
from accel.kzg.library import ark

_AVAILABLE = accel.available_backends()
GPU_BACKENDS = [pytest.param(name, id=name, marks=[pytest.mark.skip(reason=f"{name} unavailable: {_AVAILABLE[name]}")]
                             if _AVAILABLE.get(name) else [])
                for name in accel.BACKEND_NAMES if name != "cpu"]
SIZES = (1, 2, 3, 17, 256, 1024, 4096)


def _b(values) -> list[bytes]:
    return [v.to_bytes(32, "big") for v in values]


@pytest.fixture(scope="module", params=GPU_BACKENDS)
def gpu_be(request) -> accel.Backend:
    return accel.backend(request.param)


@pytest.fixture(scope="module")
def cpu_be() -> accel.Backend:
    return accel.backend("cpu")


@pytest.fixture(scope="module")
def powers(network_g1) -> list[bytes]:
    return network_g1[:max(SIZES)]


@pytest.fixture(scope="module")
def prepared(gpu_be, cpu_be, powers):
    """The first 4,096 network powers prepared once on the GPU backend and on the CPU backend."""
    return gpu_be.msm_prepare(powers), cpu_be.msm_prepare(powers)


def _random_points(rng: random.Random, count: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(count):
        xy = bytes((ark.G1Point() * ark.Scalar(rng.randrange(1, R))).to_xy_bytes_be())
        out.append((int.from_bytes(xy[:48], "big"), int.from_bytes(xy[48:], "big")))
    return out


def _xyzz(point, rng: random.Random) -> np.ndarray:
    """A random XYZZ representative (X = x l^2, Y = y l^3, ZZ = l^2, ZZZ = l^3) of an affine point."""
    if point is None:
        return np.zeros(gpu.XYZZ_WORDS, np.uint32)
    lam = rng.randrange(1, P)
    l2, l3 = lam * lam % P, lam * lam * lam % P
    return gpu.fp_to_words([point[0] * l2 % P, point[1] * l3 % P, l2, l3]).reshape(-1)


# ------------------------------------------------------------------------------------ constants
def _header_array(text: str, name: str) -> int:
    body = re.search(rf"{name}\[FP_LIMBS\]\s*=\s*\{{([^}}]*)\}}", text).group(1)
    limbs = [int(v, 16) for v in re.findall(r"0x([0-9a-fA-F]+)u", body)]
    assert len(limbs) == gpu.FP_LIMBS
    return sum(v << (32 * i) for i, v in enumerate(limbs))


def _header_define(text: str, name: str) -> int:
    return int(re.search(rf"#define {name}\s+(\S+?)u?\b", text).group(1), 0)


def test_fp_header_constants_match_the_field():
    text = (KERNEL_DIR / "fp.h").read_text()
    assert _header_define(text, "FP_LIMBS") == gpu.FP_LIMBS
    assert _header_array(text, "FP_P") == P
    assert _header_array(text, "FP_ONE") == gpu.MONTGOMERY_R % P
    assert _header_define(text, "FP_PINV") == -pow(P, -1, 1 << 32) % (1 << 32)
    assert 4 * P < gpu.MONTGOMERY_R  # fp_mul's single final subtraction relies on it


def test_msm_header_sizes_match_the_driver():
    text = (KERNEL_DIR / "msm.c").read_text()
    assert _header_define(text, "MSM_SCALAR_WORDS") == gpu.SCALAR_WORDS
    g1_text = (KERNEL_DIR / "g1.h").read_text()
    assert "#define G1_AFFINE_WORDS (2 * FP_LIMBS)" in g1_text and gpu.AFFINE_WORDS == 2 * gpu.FP_LIMBS
    assert "#define G1_XYZZ_WORDS (4 * FP_LIMBS)" in g1_text and gpu.XYZZ_WORDS == 4 * gpu.FP_LIMBS


# ------------------------------------------------------------------------------------ Fp and G1 kernels
@pytest.mark.parametrize("op, expected", [(0, lambda a, b: a * b % P), (1, lambda a, b: (a + b) % P),
                                          (2, lambda a, b: (a - b) % P), (3, lambda a, b: -a % P)],
                         ids=["mul", "add", "sub", "neg"])
def test_fp_kernel_matches_python_integers(gpu_be, op, expected):
    rng = random.Random(op)
    edges = [0, 1, 2, P - 1, P - 2, (P - 1) // 2, 1 << 380, gpu.MONTGOMERY_R % P]
    a = edges + [rng.randrange(P) for _ in range(120)] + edges[::-1]
    b = edges[::-1] + [rng.randrange(P) for _ in range(120)] + edges
    dev = gpu_be.gpu.to_device
    out = gpu_be.gpu.empty(len(a) * gpu.FP_LIMBS, np.uint32)
    args = [dev(gpu.fp_to_words(a).reshape(-1)), dev(gpu.fp_to_words(b).reshape(-1)), out, np.uint32(len(a)),
            np.uint32(op)]
    gpu_be.gpu.launch(gpu_be.gpu.program("g1_ops.c"), "fp_ops", len(a), args)
    words = gpu_be.gpu.to_host(out).reshape(-1, gpu.FP_LIMBS)
    # exactly the limbs of the canonical (fully reduced) Montgomery form of the expected value
    assert np.array_equal(words, gpu.fp_to_words([expected(x, y) for x, y in zip(a, b)]))


def _g1_kernel(be, op: int, p_words, q_words=None, affine=None, ks=None) -> list:
    n = len(p_words)
    zeros = np.zeros(1, np.uint32)
    dev = be.gpu.to_device
    out = be.gpu.empty(n * gpu.XYZZ_WORDS, np.uint32)
    args = [dev(np.concatenate(p_words)),
            dev(np.concatenate(q_words)) if q_words is not None else dev(zeros),
            dev(np.concatenate(affine)) if affine is not None else dev(zeros),
            dev(np.asarray(ks, np.uint32)) if ks is not None else dev(zeros),
            out, np.uint32(n), np.uint32(op)]
    be.gpu.launch(be.gpu.program("g1_ops.c"), "g1_ops", n, args)
    host = be.gpu.to_host(out).reshape(n, gpu.XYZZ_WORDS)
    return [gpu.xyzz_to_point(host[i]) for i in range(n)]


def _pairs(rng: random.Random):
    """(p, q) pairs covering generic sums, doubling, P + (-P) and the identity on either side."""
    pts = _random_points(rng, 12)
    pairs = [(pts[i], pts[i + 1]) for i in range(0, 8, 2)]
    pairs += [(pts[8], pts[8]), (pts[9], g1.neg(pts[9])), (None, pts[10]), (pts[11], None), (None, None)]
    return pairs


def test_g1_xyzz_addition_matches_affine_python(gpu_be):
    rng = random.Random(21)
    pairs = _pairs(rng)
    got = _g1_kernel(gpu_be, 0, [_xyzz(p, rng) for p, _ in pairs], [_xyzz(q, rng) for _, q in pairs])
    assert got == [g1.add(p, q) for p, q in pairs]


def test_g1_mixed_addition_matches_affine_python(gpu_be):
    rng = random.Random(22)
    pairs = [(p, q) for p, q in _pairs(rng) if q is not None]  # the affine operand is never the identity
    got = _g1_kernel(gpu_be, 1, [_xyzz(p, rng) for p, _ in pairs],
                     affine=[gpu.fp_to_words(list(q)).reshape(-1) for _, q in pairs])
    assert got == [g1.add(p, q) for p, q in pairs]


def test_g1_doubling_and_small_multiples_match_affine_python(gpu_be):
    rng = random.Random(23)
    pts = _random_points(rng, 6) + [None]
    assert _g1_kernel(gpu_be, 2, [_xyzz(p, rng) for p in pts]) == [g1.add(p, p) for p in pts]
    ks = [0, 1, 2, 3, 255, 4096, 65537, 2**32 - 1]
    base = _random_points(rng, 1)[0]
    got = _g1_kernel(gpu_be, 3, [_xyzz(base, rng) for _ in ks], ks=ks)
    assert got == [g1.mul(base, k) for k in ks]


# ------------------------------------------------------------------------------------ digits and parameters
def test_signed_digits_recompose_the_scalar_within_bounds():
    rng = random.Random(5)
    for c in range(gpu.MIN_WINDOW_BITS, gpu.MAX_WINDOW_BITS + 1):
        for k in [0, 1, R - 1, (1 << 254) + 12345, 2**128 - 1] + [rng.randrange(R) for _ in range(20)]:
            digits = gpu.signed_digits(k, c)
            assert len(digits) == gpu.window_count(c)
            assert all(abs(d) <= 1 << (c - 1) for d in digits)
            assert sum(d << (c * w) for w, d in enumerate(digits)) == k


def test_digit_kernel_matches_signed_digits(gpu_be):
    rng = random.Random(6)
    scalars = [0, 1, R - 1, (1 << 254) + 12345, 2**128 - 1, 2**255 - 19 - 2**250] + [rng.randrange(R) for _ in range(58)]
    scalars = [s % R for s in scalars]
    rows = np.frombuffer(b"".join(_b(scalars)), np.uint8).reshape(-1, 32)
    engine = gpu.GpuMsm(gpu_be.gpu)
    for c in (2, 9, 12, 13, 16):
        windows, buckets, n = gpu.window_count(c), 1 << (c - 1), len(scalars)
        counts = gpu_be.gpu.to_device(np.zeros(windows * buckets, np.uint32))
        digits = gpu_be.gpu.empty(windows * n, np.uint32)
        engine._launch("msm_digits", n, gpu_be.gpu.to_device(gpu.scalar_words(rows).reshape(-1)), n, c, windows,
                       counts, digits)
        got = gpu_be.gpu.to_host(digits).reshape(windows, n).T
        signed = np.where(got & 0x80000000, -(got & 0x7FFFFFFF).astype(np.int64), got.astype(np.int64))
        expected = np.array([gpu.signed_digits(k, c) for k in scalars], dtype=np.int64)
        assert np.array_equal(signed, expected), f"c = {c}"
        magnitudes = np.abs(expected[expected != 0])
        windows_of = np.nonzero(expected)[1]
        tally = np.bincount(windows_of * buckets + magnitudes - 1, minlength=windows * buckets)
        assert np.array_equal(gpu_be.gpu.to_host(counts), tally), f"c = {c}"


def test_window_and_task_sizes_are_the_documented_ones():
    assert [gpu.window_bits(n) for n in (1, 64, 1024, 4096, 2**15)] == [2, 4, 8, 9, 12]
    assert gpu.window_count(12) * (1 << 11) == 45056
    assert gpu.task_entries(2**15, 12) == 32 and gpu.task_entries(4, 2) == gpu.TASK_MIN_ENTRIES


# ------------------------------------------------------------------------------------ whole MSMs
@pytest.mark.parametrize("n", SIZES)
def test_msm_is_bit_exact_with_the_cpu_backend(prepared, n):
    bases, cpu_bases = prepared
    rng = random.Random(n)
    scalars = b"".join(_b(rng.randrange(R) for _ in range(n)))
    assert bases.msm(scalars) == cpu_bases.msm(scalars)


def test_prepared_bases_have_the_cpu_api(prepared, powers):
    bases, _ = prepared
    assert len(bases) == len(powers)
    assert bases.msm([]) == G1_IDENTITY
    with pytest.raises(ValueError, match=f"{len(powers) + 1} scalars for {len(powers)} points"):
        bases.msm(bytes(32 * (len(powers) + 1)))
    with pytest.raises(ValueError, match=r"scalars\[0\]: non-canonical"):
        bases.msm(_b([R]))


def test_zero_and_structured_scalars(prepared):
    """All-zero scalars, a few non-zero ones among zeros, small scalars (upper windows empty) and
    one scalar repeated 1,024 times (every point in one bucket per window: tasks split it)."""
    bases, cpu_bases = prepared
    rng = random.Random(8)
    assert bases.msm(_b([0] * 300)) == G1_IDENTITY
    sparse = [0] * 300
    sparse[7], sparse[250] = rng.randrange(R), 1
    small = list(range(1, 301))
    same = [rng.randrange(R)] * 1024
    top_bits = [(1 << 254) | rng.randrange(1 << 200) for _ in range(100)] + [R - 1] * 50
    for scalars in (sparse, small, same, top_bits):
        assert bases.msm(_b(scalars)) == cpu_bases.msm(_b(scalars))


def test_identity_repeated_and_opposite_points(gpu_be, cpu_be, powers):
    rng = random.Random(9)
    p, q = powers[3], powers[4]
    minus_p = g1.encode(g1.neg(g1.decode(p)))
    k = rng.randrange(R)
    cases = [
        ([G1_IDENTITY], [k]),
        ([G1_IDENTITY, p, G1_IDENTITY], [k, 5, 7]),
        ([p, minus_p], [k, k]),                     # P + (-P) with equal scalars
        ([p, p], [k, R - k]),                       # k P + (r - k) P
        ([p, p, p, q], [1, 1, 1, 2]),               # repeated points land in one bucket: doubling
        ([p] * 40 + [minus_p] * 40, [k] * 80),
        ([q] * 33, [rng.randrange(R) for _ in range(33)]),
    ]
    for points, scalars in cases:
        assert gpu_be.msm(points, _b(scalars)) == cpu_be.msm(points, _b(scalars))
    assert gpu_be.msm([p, minus_p], _b([k, k])) == G1_IDENTITY
    assert gpu_be.msm([p, p, p, q], _b([1, 1, 1, 2])) == g1.encode(
        g1.add(g1.mul(g1.decode(p), 3), g1.mul(g1.decode(q), 2)))
    assert gpu_be.msm([], []) == G1_IDENTITY
    assert gpu_be.msm([g1.encode(G1_GENERATOR)], _b([1])) == g1.encode(G1_GENERATOR)


def test_one_point_matches_the_reference(gpu_be, powers):
    for k in (1, 2, R - 1, 2**64 + 3):
        assert gpu_be.msm(powers[:1], _b([k])) == g1.encode(reference.msm([g1.decode(powers[0])], [k]))
