"""numba's disk cache keys a compiled kernel on its module and qualified name, not on its compile
options: two cached dispatchers built from one Python function (a parallel kernel and its serial twin)
share one entry, and whichever compiles first is then loaded for both. Every cached kernel of the CPU
backends must therefore have its own (module, qualified name)."""
from __future__ import annotations

import importlib
import pkgutil

import numba
from numba.core.caching import NullCache

import accel

CPU_MODULES = ["accel.erasure.cpu", "accel.erasure.fr_cpu", "accel.kzg.cpu_msm", "accel.kzg.fp_cpu",
               "accel.hashing.kernels_cpu", "accel.prefetch"]


def _cached_dispatchers(module):
    for value in vars(module).values():
        if isinstance(value, numba.core.registry.CPUDispatcher) and not isinstance(value._cache, NullCache):
            yield value


def test_no_two_cached_kernels_share_a_cache_key():
    names = set(CPU_MODULES)
    for info in pkgutil.walk_packages(accel.__path__, "accel."):
        if info.name.endswith(("cpu", "cpu_msm", "kernels_cpu")) or ".plotting." in info.name:
            names.add(info.name)
    dispatchers = {}
    for name in sorted(names):
        try:
            module = importlib.import_module(name)
        except ImportError:  # a GPU-only module without its driver: it has no numba kernels
            continue
        for dispatcher in _cached_dispatchers(module):
            dispatchers[id(dispatcher)] = dispatcher
    owners: dict[tuple[str, str], list] = {}
    for dispatcher in dispatchers.values():
        owners.setdefault((dispatcher.py_func.__module__, dispatcher.py_func.__qualname__), []).append(dispatcher)
    shared = {key: len(group) for key, group in owners.items() if len(group) > 1}
    assert not shared, f"cached numba kernels sharing a cache key: {shared}"
    assert len(dispatchers) > 20  # the scan found the kernels


def test_ntt_twins_compile_differently():
    from accel.erasure import cpu

    assert cpu._ntt_serial.py_func.__qualname__ != cpu._ntt.py_func.__qualname__
    assert cpu._ntt.targetoptions.get("parallel") and not cpu._ntt_serial.targetoptions.get("parallel")
