"""Properties of every cached numba kernel of the CPU backends.

- Its own cache key: numba's disk cache keys a compiled kernel on its module and qualified name, not on
  its compile options, so two cached dispatchers built from one Python function (a parallel kernel and
  its serial twin) share one entry, and whichever compiles first is then loaded for both.
- It releases the GIL (nogil): a node plots, replots and proves on worker threads while its networking
  and consensus keep running on others; a kernel holding the GIL stalls them for its whole run."""
from __future__ import annotations

import importlib
import pkgutil

import numba
from numba.core.caching import NullCache

import accel


def _cached_dispatchers(module):
    for value in vars(module).values():
        if isinstance(value, numba.core.registry.CPUDispatcher) and not isinstance(value._cache, NullCache):
            yield value


def _all_cached_dispatchers() -> list:
    dispatchers = {}
    for name in sorted(info.name for info in pkgutil.walk_packages(accel.__path__, "accel.")):
        try:
            module = importlib.import_module(name)
        except ImportError:  # a GPU-only module without its driver: it has no numba kernels
            continue
        for dispatcher in _cached_dispatchers(module):
            dispatchers[id(dispatcher)] = dispatcher
    assert len(dispatchers) > 20  # the scan found the kernels
    return list(dispatchers.values())


def test_no_two_cached_kernels_share_a_cache_key():
    owners: dict[tuple[str, str], list] = {}
    for dispatcher in _all_cached_dispatchers():
        owners.setdefault((dispatcher.py_func.__module__, dispatcher.py_func.__qualname__), []).append(dispatcher)
    shared = {key: len(group) for key, group in owners.items() if len(group) > 1}
    assert not shared, f"cached numba kernels sharing a cache key: {shared}"


def test_cpu_kernels_release_the_gil():
    holding = [f"{d.py_func.__module__}.{d.py_func.__qualname__}" for d in _all_cached_dispatchers()
               if not d.targetoptions.get("nogil")]
    assert not holding, f"kernels that hold the GIL: {holding}"


def test_ntt_twins_compile_differently():
    from accel.erasure import cpu

    assert cpu._ntt_serial.py_func.__qualname__ != cpu._ntt.py_func.__qualname__
    assert cpu._ntt.targetoptions.get("parallel") and not cpu._ntt_serial.targetoptions.get("parallel")
