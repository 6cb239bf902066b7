"""Software prefetch for the numba CPU kernels: `prefetch(array, index)` asks the CPU to start loading
the cache line holding `array.flat[index]` now, without waiting for it (LLVM's `llvm.prefetch`, a
`prefetcht0` on x86-64, `prfm pldl1keep` on aarch64; a no-op where the target has none).

Why by hand: numba exposes no prefetch, and a plain load of the line ("touching" it) stalls retirement
until the line arrives, which is what prefetching is meant to avoid. The CPU PoS matching loop reads
a 128-byte row of a 3.9 MB target table at a random place for every left entry; prefetching the row
of the entry a few places ahead cut the loop from about 0.125 to 0.085 core-seconds per K=20 table
(accel/plotting/kernels_cpu.py `match_pairs`). The CPU MSM's gather of table points scattered over
a 51 MB table prefetches the same way (accel/kzg/cpu_msm.py).

A prefetch never faults, so an index past the end of the array is harmless; callers still keep it in
bounds so that the address arithmetic stays meaningful.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_I8_PTR = ir.IntType(8).as_pointer()
_I32 = ir.IntType(32)
_PREFETCH = "llvm.prefetch.p0i8"
_READ, _LOCALITY_HIGH, _DATA_CACHE = 0, 3, 1  # llvm.prefetch(address, rw, locality, cache type)


def _prefetch_function(module: ir.Module) -> ir.Function:
    try:
        return module.get_global(_PREFETCH)
    except KeyError:
        return ir.Function(module, ir.FunctionType(ir.VoidType(), [_I8_PTR, _I32, _I32, _I32]), _PREFETCH)


@intrinsic
def prefetch(typingctx, array, index):  # noqa: ARG001 - numba's intrinsic signature
    """Start loading the cache line of array.flat[index] (a C-contiguous numpy array, integer index)."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        address = builder.bitcast(builder.gep(data, [args[1]]), _I8_PTR)
        builder.call(_prefetch_function(builder.module),
                     [address, ir.Constant(_I32, _READ), ir.Constant(_I32, _LOCALITY_HIGH),
                      ir.Constant(_I32, _DATA_CACHE)])
        return context.get_dummy_value()

    return sig, codegen
