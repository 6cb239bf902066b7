"""Hardware dispatch for the Autonomys engine: one interface, three backends (CPU, OpenCL, CUDA).

    import accel
    accel.available_backends()      # {"cpu": None, "opencl": "why not", "cuda": "why not"}
    be = accel.backend("auto")      # CUDA, else OpenCL on a GPU, else CPU
    be.chacha8_keystream(seeds, num_blocks)
    be.blake3_hash_many(messages, keys=None)
    be.blake3_hash_runs(messages, keys, counts, out_bytes=32)  # keys[j] for the j-th run of counts[j]

The public contract is in `../shared/spec/README.md`; protocol code uses only this package's public
names and never imports cupy, pyopencl or numba itself.
"""
from accel.backend import Backend, available_backends, backend, BACKEND_NAMES
from accel.errors import BackendUnavailable, KernelBuildError

__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "BackendUnavailable",
    "KernelBuildError",
    "available_backends",
    "backend",
]
