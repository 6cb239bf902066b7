"""GPU kernel sources, written once in C for OpenCL and CUDA (NVRTC), and their loader.

`port.h` maps address spaces, thread indices, barriers, fixed-width integers and 64-bit multiply-high
onto each dialect; every other header holds one concept (`chacha8.h`, `blake3.h`, ...) and every `.c`
file is the main file of one program. `loader.assemble()` inlines the includes with `#line`
directives so compiler errors point at the original file and line.
"""
from accel.kernels.loader import KERNEL_DIR, assemble, kernel_sources

__all__ = ["KERNEL_DIR", "assemble", "kernel_sources"]
