"""PoT verification on the CPU with AES-NI (storage_and_time.md 2.1): the 8 segments of a slot run
interleaved in one core, and slots spread over the cores.

Segment k checks AES_key^n(input_k) == checkpoint_k (n = iterations / 8): 8 independent chains of n
AES each, against the prover's one chain of 8n. AES-NI issues up to 2 rounds a cycle but takes ~4
cycles to finish one, so keeping 8 chains in flight turns the latency-bound prover's work into
throughput-bound work (ceiling ~8x on one core with 128-bit AES-NI; the prover's CBC loop also pays
an XOR per step, so ~8.5x measured). With 128-bit AES-NI the 8 chains run forward for all n steps;
with VAES (256-bit AES-NI) verification meets in the middle instead (8 chains encrypt input_k n/2
times, 8 decrypt checkpoint_k n/2 times, two chains per instruction in 8 ymm registers), which lifts
the ceiling on CPUs with two 256-bit AES units.

Why hand-written: numba has no AES and OpenSSL exposes no multi-lane primitive, so the inner loop
is emitted here as LLVM IR through `numba.extending.intrinsic`, calling `llvm.x86.aesni.aesenc`
(and `.256` with VAES); numba compiles it into a plain loop over slots (nogil; a thread pool runs
shares of the slots on the other cores). The encryption round key 0 is folded into the last round
key (aesenclast with rk10 ^ rk0), as in the reference's x86 path, which removes one XOR from every
step of every chain (the same for decryption).
Imported only when the CPU reports AES-NI; `accel.pot.ops` falls back to the OpenSSL chain otherwise.
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np
from llvmlite import binding as llvm_binding
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from accel.pot.constants import AES128_ROUND_KEYS, AES128_ROUNDS, AES_RCON, AES_SBOX, POT_CHECKPOINTS, gf_mul

_I64 = ir.IntType(64)


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags of /proc/cpuinfo (empty where it cannot be read); read once per process
    (a read costs ~0.3 ms, which a per-call check would add to every verification)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@functools.lru_cache(maxsize=1)
def _llvm_host_features() -> frozenset[str]:
    """LLVM's host CPU features, asked once per process (~1 ms a query)."""
    try:
        return frozenset(f[1:] for f in llvm_binding.get_host_cpu_features().flatten().split(",") if f.startswith("+"))
    except Exception:  # pragma: no cover - llvmlite without host feature detection
        return frozenset()


@functools.lru_cache(maxsize=1)
def aesni_available() -> bool:
    """AES-NI reported by the CPU (/proc/cpuinfo 'aes') and usable by numba's LLVM target."""
    return "aes" in cpu_flags() and "aes" in _llvm_host_features()


@functools.lru_cache(maxsize=1)
def vaes_available() -> bool:
    """256-bit VAES (two AES blocks per instruction) usable here."""
    host = _llvm_host_features()
    return aesni_available() and {"vaes", "avx2"} <= cpu_flags() and {"vaes", "avx"} <= host


_BROADCAST_128 = ir.Constant(ir.VectorType(ir.IntType(32), 4), [0, 1, 0, 1])  # (lo, hi) -> (lo, hi, lo, hi)


def _launder(builder, pointer):
    """`pointer`, hidden from the optimiser for one loop iteration (an empty asm with side effects).

    Round keys loaded through it cannot be hoisted out of the loop, so LLVM reloads them from L1 each
    step (10 cheap loads per 80 AES rounds) instead of keeping 10 keys in registers and spilling chain
    states to the stack, which would put a store-to-load round trip on every chain's critical path
    (16 vector registers: 8 states + 10 keys do not fit; seen in the generated code, ~20% slower).
    """
    fnty = ir.FunctionType(pointer.type, [pointer.type])
    return builder.asm(fnty, "", "=r,0", [pointer], side_effect=True)


def _emit_chain_loop(builder, vec, chains, steps) -> None:
    """Emit `for step in range(steps)` advancing every chain one AES per step, states in registers.

    chains: [(pointers to the group's state registers, whitening key, [(aes intrinsic, round key)] * 10,
    round-key pointer)], a round key being a register value or an int r: round key r, loaded in the loop
    through the laundered round-key pointer (one 16-byte key, broadcast to both lanes of a 256-bit
    register). States are loaded and whitened before the loop and stored (un-whitened) after it.
    """
    pointers = [p for ptrs, _, _, _ in chains for p in ptrs]
    whitening = [w for ptrs, w, _, _ in chains for _ in ptrs]
    initial = [builder.xor(builder.load(p, align=1), w) for p, w in zip(pointers, whitening)]
    pre = builder.block
    header = builder.append_basic_block("pot.chain.header")
    body = builder.append_basic_block("pot.chain.body")
    done = builder.append_basic_block("pot.chain.done")
    builder.branch(header)
    builder.position_at_end(header)
    step = builder.phi(_I64)
    step.add_incoming(ir.Constant(_I64, 0), pre)
    phis = [builder.phi(vec) for _ in pointers]
    for phi, v in zip(phis, initial):
        phi.add_incoming(v, pre)
    builder.cbranch(builder.icmp_signed("<", step, steps), body, done)
    builder.position_at_end(body)
    states = list(phis)
    key_bases = [_launder(builder, kp) for _, _, _, kp in chains]
    for r in range(AES128_ROUNDS):  # round-major order: all chains take round r together
        out = []
        for (ptrs, _, rounds, _), base in zip(chains, key_bases):
            fn, key = rounds[r]
            if isinstance(key, int):
                key = builder.load(builder.gep(base, [ir.Constant(_I64, key)]), align=1)
                if vec.count == 4:
                    key = builder.shuffle_vector(key, key, _BROADCAST_128)
            out.extend(builder.call(fn, [st, key]) for st in states[len(out):len(out) + len(ptrs)])
        states = out
    end = builder.block
    step.add_incoming(builder.add(step, ir.Constant(_I64, 1)), end)
    for phi, v in zip(phis, states):
        phi.add_incoming(v, end)
    builder.branch(header)
    builder.position_at_end(done)
    for p, st, w in zip(pointers, phis, whitening):
        builder.store(builder.xor(st, w), p, align=1)


SCHEDULES = ("forward", "split", "together")


def _make_meet_in_middle(lanes_per_register: int, schedule: str):
    """An intrinsic checking the 8 segments of one slot in place.

    Args of the intrinsic (uint8 C-contiguous arrays): enc_keys (11, 16), dec_keys (11, 16) (the
    equivalent inverse cipher's keys in use order), forward (8, 16) and backward (8, 16) states,
    updated in place; half: int64 = n / 2 (n = iterations / 8, the segment length).
    lanes_per_register: 1 (xmm, AES-NI) or 2 (ymm, VAES). schedule:
      "forward": the 8 forward chains run all n steps in one loop (backward untouched: the checkpoints),
        no decryption (AES decryption rounds are slower than encryption ones on some CPUs, e.g. Zen);
      "split": meet in the middle, 8 forward chains n/2 steps, then the 8 backward ones n/2 steps;
      "together": meet in the middle, all 16 chains in one loop (for VAES: 8 ymm registers).
    Afterwards forward == backward iff every segment checks.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    vec = ir.VectorType(_I64, 2 * lanes_per_register)
    suffix = ".256" if lanes_per_register == 2 else ""
    registers = POT_CHECKPOINTS // lanes_per_register

    @intrinsic
    def meet_in_middle(typingctx, enc_keys, dec_keys, forward, backward, half):
        sig = types.void(enc_keys, dec_keys, forward, backward, types.int64)

        def codegen(context, builder, signature, args):
            arrays = [context.make_array(signature.args[i])(context, builder, args[i]) for i in range(4)]
            key128 = ir.VectorType(_I64, 2)
            fnty = ir.FunctionType(vec, [vec, vec])
            aes = {name: cgutils.get_or_insert_function(builder.module, fnty, f"llvm.x86.aesni.{name}{suffix}")
                   for name in ("aesenc", "aesenclast", "aesdec", "aesdeclast")}

            def chains(keys_data, states_data, middle: str, last: str):
                """One direction: its 8 chains, whitening key 0, rounds 1..9 from memory, and round 10
                xor key 0 in a register (folds the next step's whitening into this step's last round)."""
                kp = builder.bitcast(keys_data, key128.as_pointer())
                k0, k10 = (builder.load(builder.gep(kp, [ir.Constant(_I64, r)]), align=1) for r in (0, AES128_ROUNDS))
                if lanes_per_register == 2:  # the same key in both 128-bit halves
                    k0, k10 = (builder.shuffle_vector(k, k, _BROADCAST_128) for k in (k0, k10))
                sp = builder.bitcast(states_data, vec.as_pointer())
                return ([builder.gep(sp, [ir.Constant(_I64, i)]) for i in range(registers)], k0,
                        [(aes[middle], r) for r in range(1, AES128_ROUNDS)] + [(aes[last], builder.xor(k10, k0))],
                        kp)

            def forward_chains():
                return chains(arrays[0].data, arrays[2].data, "aesenc", "aesenclast")

            def backward_chains():
                return chains(arrays[1].data, arrays[3].data, "aesdec", "aesdeclast")

            half_steps = args[4]
            if schedule == "forward":
                _emit_chain_loop(builder, vec, [forward_chains()], builder.add(half_steps, half_steps))
            elif schedule == "split":  # each pass loads its own keys, so the other's hold no registers
                _emit_chain_loop(builder, vec, [forward_chains()], half_steps)
                _emit_chain_loop(builder, vec, [backward_chains()], half_steps)
            else:
                _emit_chain_loop(builder, vec, [forward_chains(), backward_chains()], half_steps)
            return context.get_dummy_value()

        return sig, codegen

    return meet_in_middle


def _make_verify_run(meet_in_middle):
    """An uncached kernel for another (lanes, schedule) shape (used by tests and benchmarks)."""

    def verify_run(enc_keys, dec_keys, forward, backward, halves, ok):
        for i in range(forward.shape[0]):
            meet_in_middle(enc_keys[i], dec_keys[i], forward[i], backward[i], halves[i])
            ok[i] = np.all(forward[i] == backward[i])

    return nb.njit(nogil=True)(verify_run)


# The two shapes used by default, written out as module-level functions so that numba's disk cache
# keeps one entry each. 128-bit AES-NI runs the 8 forward chains for the whole segment: 8 states fit
# the 16 vector registers next to the round keys, and 8 chains in flight cover the AES latency (4
# cycles, 2 rounds a cycle on Zen 1), so one core does 8 AES in the time the prover does one. Measured
# on Zen 1 (EPYC, CPU time of one thread, 2^23 iterations): "forward" 2.04 ns per AES, "split" 2.05,
# "together" 2.46 (16 states leave no register for keys: states spill); the prover 17.9 (~8.8x).
# VAES holds 2 chains per register and runs all 16 meet-in-the-middle chains in one loop.
_mitm_aesni = _make_meet_in_middle(1, "forward")
_mitm_vaes = _make_meet_in_middle(2, "together")


# One slot per call of these compiled loops, released from the GIL: `verify_slots` runs them on the
# calling thread for one slot and on a small thread pool, one contiguous share of the slots per
# thread, for many. (A numba prange loop costs a thread-pool launch per call and, with the OpenMP
# layer, leaves its workers spinning afterwards, which on a loaded machine steals the core that the
# next slot, or the prover, needs.)
@nb.njit(cache=True, nogil=True)
def _verify_run_aesni(enc_keys, dec_keys, forward, backward, halves, ok):
    for i in range(forward.shape[0]):
        _mitm_aesni(enc_keys[i], dec_keys[i], forward[i], backward[i], halves[i])
        ok[i] = np.all(forward[i] == backward[i])


@nb.njit(cache=True, nogil=True)
def _verify_run_vaes(enc_keys, dec_keys, forward, backward, halves, ok):
    for i in range(forward.shape[0]):
        _mitm_vaes(enc_keys[i], dec_keys[i], forward[i], backward[i], halves[i])
        ok[i] = np.all(forward[i] == backward[i])


_kernels: dict[tuple[int, str], object] = {(1, "forward"): _verify_run_aesni, (2, "together"): _verify_run_vaes}


@functools.lru_cache(maxsize=1)
def _thread_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="pot-verify")


def _shares(halves: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Split slots 0..m into `parts` contiguous ranges of about equal work (sum of halves)."""
    work = np.cumsum(halves, dtype=np.float64)
    # each share ends just after the slot where the running work reaches its target
    cuts = np.searchsorted(work, work[-1] * np.arange(1, parts) / parts, side="left") + 1
    bounds = [0, *sorted(set(int(c) for c in cuts) - {0, len(halves)}), len(halves)]
    return list(zip(bounds[:-1], bounds[1:]))


# ------------------------------------------------------------------------------ key schedules (FIPS-197)
_SBOX_TABLE = np.array(AES_SBOX, dtype=np.uint8)
_RCON_TABLE = np.array(AES_RCON, dtype=np.uint8)
_INV_MIX_TABLE = np.array([[gf_mul(x, m) for x in range(256)] for m in (14, 11, 13, 9)], dtype=np.uint8)


@nb.njit(cache=True, nogil=True)
def _round_keys_into(keys, enc, dec):
    """enc[i] = the 11 AES-128 round keys of keys[i] (FIPS-197 5.2); dec[i] = the equivalent inverse
    cipher's keys in use order (5.3.5): enc[10], InvMixColumns(enc[9..1]), enc[0]."""
    for i in range(keys.shape[0]):
        for b in range(16):
            enc[i, 0, b] = keys[i, b]
        for r in range(1, AES128_ROUND_KEYS):
            # first word: w[i-4] ^ SubWord(RotWord(w[i-1])) ^ Rcon; the others: w[i-4] ^ w[i-1]
            enc[i, r, 0] = enc[i, r - 1, 0] ^ _SBOX_TABLE[enc[i, r - 1, 13]] ^ _RCON_TABLE[r - 1]
            enc[i, r, 1] = enc[i, r - 1, 1] ^ _SBOX_TABLE[enc[i, r - 1, 14]]
            enc[i, r, 2] = enc[i, r - 1, 2] ^ _SBOX_TABLE[enc[i, r - 1, 15]]
            enc[i, r, 3] = enc[i, r - 1, 3] ^ _SBOX_TABLE[enc[i, r - 1, 12]]
            for b in range(4, 16):
                enc[i, r, b] = enc[i, r - 1, b] ^ enc[i, r, b - 4]
        for b in range(16):
            dec[i, 0, b] = enc[i, AES128_ROUNDS, b]
            dec[i, AES128_ROUNDS, b] = enc[i, 0, b]
        for r in range(1, AES128_ROUNDS):
            for c in range(4):  # InvMixColumns: out[row] = sum_k (14, 11, 13, 9)[(k - row) % 4] * a[k]
                for row in range(4):
                    v = np.uint8(0)
                    for k in range(4):
                        v ^= _INV_MIX_TABLE[(k - row) % 4, enc[i, AES128_ROUNDS - r, 4 * c + k]]
                    dec[i, r, 4 * c + row] = v


def round_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m, 16) uint8 keys -> encryption and equivalent-inverse-cipher round keys, (m, 11, 16) each.

    The same as `key_schedule.expand_keys` / `inverse_cipher_keys`, compiled: ~1 us a key instead of
    the numpy version's ~0.7 ms fixed cost, which matters when verifying one slot.
    """
    keys = np.ascontiguousarray(keys, dtype=np.uint8)
    enc = np.empty((keys.shape[0], AES128_ROUND_KEYS, 16), dtype=np.uint8)
    dec = np.empty_like(enc)
    _round_keys_into(keys, enc, dec)
    return enc, dec


def verify_slots(enc_keys: np.ndarray, dec_keys: np.ndarray, forward: np.ndarray, backward: np.ndarray,
                 halves: np.ndarray, lanes_per_register: int | None = None,
                 schedule: str | None = None) -> np.ndarray:
    """Check of m slots' segments: (m,) bool; one slot runs on the calling thread, more are split into
    numba.get_num_threads() contiguous shares of about equal work, one per thread.

    enc_keys/dec_keys: (m, 11, 16) uint8; forward: (m, 8, 16) inputs [seed, cp0..cp6]; backward:
    (m, 8, 16) checkpoints (both may be overwritten); halves: (m,) int64 = n/2 per slot.
    lanes_per_register: 2 for VAES, 1 for 128-bit AES-NI (default: the best available); schedule:
    one of SCHEDULES (see `_make_meet_in_middle`; default "together" with VAES, else "forward").
    """
    if lanes_per_register is None:
        lanes_per_register = 2 if vaes_available() else 1
    if schedule is None:
        schedule = "together" if lanes_per_register == 2 else "forward"
    shape = (lanes_per_register, schedule)
    kernel = _kernels.get(shape)
    if kernel is None:
        kernel = _kernels[shape] = _make_verify_run(_make_meet_in_middle(lanes_per_register, schedule))
    arrays = (enc_keys, dec_keys, forward, backward, halves)
    ok = np.zeros(forward.shape[0], dtype=np.bool_)
    threads = min(nb.get_num_threads(), forward.shape[0])
    if threads <= 1:
        kernel(*arrays, ok)
        return ok
    futures = [_thread_pool().submit(kernel, *(a[lo:hi] for a in arrays), ok[lo:hi])
               for lo, hi in _shares(halves, threads)]
    for f in futures:
        f.result()
    return ok
