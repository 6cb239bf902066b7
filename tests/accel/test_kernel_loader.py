"""The kernel loader: assembly with #line directives, caching, and compiler errors with file:line."""
from __future__ import annotations

import pytest

import accel
from accel import KernelBuildError
from accel.kernels import cuda_check, kernel_sources, loader

BROKEN_HEADER = "DEVICE_FN u32 twice(u32 x)\n{\n    return x * 2u\n}\n"  # missing ';' on line 3
BROKEN_MAIN = '#include "broken.h"\nKERNEL void k(GLOBAL u32* out) { out[0] = twice(1u); }\n'


@pytest.fixture
def broken_dir(tmp_path):
    (tmp_path / "broken.h").write_text(BROKEN_HEADER)
    (tmp_path / "broken.c").write_text(BROKEN_MAIN)
    return tmp_path


def test_every_program_has_a_main_file():
    assert {"chacha8.c", "blake3.c"} <= set(kernel_sources())


def test_assemble_puts_port_h_first_and_marks_every_file_with_line_directives():
    src = loader.assemble("blake3.c")
    assert src.startswith('#line 1 "port.h"')
    assert '#line 1 "blake3.h"' in src and '#line 1 "blake3.c"' in src
    assert src.count('#line 1 "port.h"') == 1
    assert "#include" not in src.replace("#include <", "")


def test_missing_source_is_a_build_error():
    with pytest.raises(KernelBuildError, match="not found"):
        loader.assemble("no_such_kernel.c")


def test_build_error_parses_clang_and_nvrtc_locations():
    e = loader.build_error("<stdin>\nbroken.h:3:17: error: expected ';' after return statement\n")
    assert (e.file, e.line) == ("broken.h", 3) and "expected ';'" in str(e)
    e = loader.build_error('broken.h(4): error: expected a ";"\n')
    assert (e.file, e.line) == ("broken.h", 4)


def test_opencl_compile_error_points_at_header_file_and_line(broken_dir, monkeypatch):
    if accel.available_backends()["opencl"] is not None:
        pytest.skip("OpenCL unavailable")
    be = accel.backend("opencl")
    source = loader.assemble("broken.c", broken_dir)
    with pytest.raises(KernelBuildError) as e:
        be.gpu.compile(source, ())
    assert e.value.file == "broken.h"
    assert e.value.line in (3, 4)  # clang reports the line of the missing ';' or the next token


def test_nvrtc_compile_error_points_at_header_file_and_line(broken_dir):
    if cuda_check.load_nvrtc() is None:
        pytest.skip("NVRTC not installed (pip install nvidia-cuda-nvrtc-cu12)")
    with pytest.raises(KernelBuildError) as e:
        cuda_check.compile_ptx("broken.c", compiler="nvrtc", directory=broken_dir)
    assert e.value.file == "broken.h"
    assert e.value.line in (3, 4)


def test_programs_are_cached_per_source_and_options():
    if accel.available_backends()["opencl"] is not None:
        pytest.skip("OpenCL unavailable")
    gpu = accel.backend("opencl").gpu
    a = gpu.program("chacha8.c")
    assert gpu.program("chacha8.c") is a
    assert gpu.program("chacha8.c", {"UNUSED_FLAG": 1}) is not a
