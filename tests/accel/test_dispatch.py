"""accel.backend / accel.available_backends: selection, errors and device descriptions."""
from __future__ import annotations

import pytest

import accel
from accel.device import DeviceInfo, select_device


def test_available_backends_lists_every_backend_with_cpu_usable():
    avail = accel.available_backends()
    assert set(avail) == {"cpu", "opencl", "cuda"}
    assert avail["cpu"] is None
    for name, reason in avail.items():
        assert reason is None or (isinstance(reason, str) and reason), name


def test_unknown_backend_names_the_valid_ones():
    with pytest.raises(accel.BackendUnavailable) as e:
        accel.backend("tpu")
    assert "'tpu'" in str(e.value)
    for valid in ("auto", "cpu", "opencl", "cuda"):
        assert valid in str(e.value)


def test_unusable_backend_says_what_to_install():
    avail = accel.available_backends()
    unusable = [n for n, r in avail.items() if r is not None]
    if not unusable:
        pytest.skip("every backend is usable on this machine")
    for name in unusable:
        with pytest.raises(accel.BackendUnavailable) as e:
            accel.backend(name)
        assert "install" in str(e.value)


def test_auto_prefers_cuda_then_opencl_gpu_then_cpu():
    avail = accel.available_backends()
    be = accel.backend("auto")
    if avail["cuda"] is None:
        assert be.name == "cuda"
    elif avail["opencl"] is None and any(d.kind == "gpu" for d in accel.device.opencl_devices()):
        assert be.name == "opencl" and be.device.kind == "gpu"
    else:
        assert be.name == "cpu"


def test_backend_objects_are_shared_per_device():
    assert accel.backend("cpu") is accel.backend("cpu", device=0)


def test_cpu_backend_describes_its_device():
    be = accel.backend("cpu")
    assert be.name == "cpu"
    assert be.device.compute_units >= 1
    assert be.device.memory_bytes > 0
    assert "cpu" in repr(be)


def test_device_selection_by_index_and_name():
    devs = [DeviceInfo("opencl", 0, "Alpha GPU", "gpu", 2**30, 10), DeviceInfo("opencl", 1, "Beta CPU", "cpu", 2**30, 2)]
    assert select_device(devs, None).index == 0
    assert select_device(devs, 1).name == "Beta CPU"
    assert select_device(devs, "beta").index == 1
    with pytest.raises(accel.BackendUnavailable, match="out of range"):
        select_device(devs, 5)
    with pytest.raises(accel.BackendUnavailable, match="no device matches 'gamma'"):
        select_device(devs, "gamma")


def test_opencl_backend_runs_on_the_cpu_driver_when_present():
    if accel.available_backends()["opencl"] is not None:
        pytest.skip(f"OpenCL unavailable: {accel.available_backends()['opencl']}")
    be = accel.backend("opencl")
    assert be.name == "opencl"
    assert be.device.compute_units >= 1
