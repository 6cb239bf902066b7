"""Properties of every cached numba kernel of the CPU backends.

- Its own cache key: numba's disk cache keys a compiled kernel on its module and qualified name, not on
  its compile options, so two cached dispatchers built from one Python function (a parallel kernel and
  its serial twin) share one entry, and whichever compiles first is then loaded for both.
- It releases the GIL (nogil): a node plots, replots and proves on worker threads while its networking
  and consensus keep running on others; a kernel holding the GIL stalls them for its whole run.
- Parallel kernels launched from several threads at once run under a thread-safe threading layer
  (accel/numba_threads.py)."""
from __future__ import annotations

import importlib
import pkgutil

import numba
import numpy as np
import pytest
from numba.core.caching import NullCache

import accel


def _cached_dispatchers(module):
    for value in vars(module).values():
        value = getattr(value, "kernel", value)  # accel.numba_threads.parallel_kernel's lock wrapper
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


def test_a_thread_safe_threading_layer_where_one_loads():
    from accel import numba_threads
    from accel.erasure import cpu

    if numba_threads.USER_LAYER:
        pytest.skip(f"NUMBA_THREADING_LAYER={numba_threads.USER_LAYER} chosen by the user")
    loadable = [layer for layer in numba_threads.PREFERRED_LAYERS if numba_threads.layer_loadable(layer)]
    assert numba_threads.THREADSAFE == bool(loadable)
    x = np.zeros((1 << 12, 4), dtype=np.uint64)
    cpu._ntt(x, 1, 12, cpu.twiddles(12), 12, False)  # a parallel kernel has run: the layer is chosen
    if loadable:
        assert numba.threading_layer() == loadable[0]


def test_parallel_kernels_run_from_two_threads_at_once():
    """Threads in parallel kernels at the same time (the node's replotter, prover and piece handlers):
    the same results as one after the other, and no abort (numba's workqueue layer would abort; under
    it accel.numba_threads serialises the launches)."""
    from concurrent.futures import ThreadPoolExecutor

    import accel

    be = accel.backend("cpu")
    seeds = [bytes([i]) * 32 for i in range(4)]
    alone = [be.pos_table(seed, 15).prove_many(np.arange(4096, dtype=np.uint32)) for seed in seeds]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda seed: be.pos_table(seed, 15).prove_many(np.arange(4096, dtype=np.uint32)),
                                 seeds))
    for (p1, f1), (p2, f2) in zip(alone, together):
        assert np.array_equal(p1, p2) and np.array_equal(f1, f2)
