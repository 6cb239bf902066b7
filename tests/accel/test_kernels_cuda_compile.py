"""Every kernel program compiles for CUDA (nvcc -ptx when on PATH, and NVRTC from the
nvidia-cuda-nvrtc-cu12 wheel), so the CUDA build is checked on machines without a GPU."""
from __future__ import annotations

import shutil

import pytest

from accel.kernels import cuda_check, kernel_sources

COMPILERS = [
    pytest.param("nvrtc", marks=pytest.mark.skipif(cuda_check.load_nvrtc() is None,
                                                   reason="NVRTC not installed (pip install nvidia-cuda-nvrtc-cu12)")),
    pytest.param("nvcc", marks=pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not on PATH")),
]


def test_a_cuda_compiler_is_available_for_the_check():
    assert cuda_check.available_compiler() in ("nvcc", "nvrtc"), \
        "install nvidia-cuda-nvrtc-cu12 (the test extra) so the CUDA build is checked"


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("program", kernel_sources())
def test_kernel_compiles_for_cuda(program, compiler):
    ptx = cuda_check.compile_ptx(program, compiler=compiler)
    assert ".entry" in ptx, f"{program}: no kernel entry point in the PTX"
