"""numba's threading layer for the CPU kernels, chosen before the first parallel kernel runs.

A node runs accel's CPU kernels from several threads at once: the replotter plots, the slot loop audits
and proves, the DSN handlers decode pieces, and the kernels release the GIL (`nogil`; numba's parallel
regions run without it in any case). numba's OpenMP and TBB layers take concurrent parallel launches;
its `workqueue` layer aborts the process on one (measured: "Concurrent access has been detected").
So, unless the user chose a layer (NUMBA_THREADING_LAYER):

- a thread-safe layer is selected where one loads: OpenMP first (libgomp, the layer the kernels were
  tuned on), then TBB (libtbb on the loader's path);
- where neither loads, `parallel_kernel` wraps every parallel kernel in one process-wide lock, so
  that they run one at a time (each still on all cores).
"""
from __future__ import annotations

import importlib
import os
import threading
import types

import numba

PREFERRED_LAYERS = ("omp", "tbb")  # thread-safe layers, in order of preference
USER_LAYER = os.environ.get("NUMBA_THREADING_LAYER", "").strip().lower()


def layer_loadable(layer: str) -> bool:
    """Whether numba's `layer` ("omp", "tbb") can load here (its runtime library is present)."""
    try:
        importlib.import_module(f"numba.np.ufunc.{layer}pool")
    except (ImportError, OSError):
        return False
    return True


def _configure() -> bool:
    """Select a thread-safe layer where one loads; True when parallel kernels may run concurrently."""
    if USER_LAYER and USER_LAYER != "default":
        return USER_LAYER in ("omp", "tbb", "safe", "threadsafe")
    available = [layer for layer in PREFERRED_LAYERS if layer_loadable(layer)]
    if not available:
        return False
    numba.config.THREADING_LAYER_PRIORITY = [*available, *(lay for lay in ("omp", "tbb", "workqueue")
                                                           if lay not in available)]
    numba.config.THREADING_LAYER = "threadsafe"
    return True


THREADSAFE = _configure()
_LAUNCH_LOCK = threading.RLock()


def renamed(func: types.FunctionType, name: str) -> types.FunctionType:
    """A copy of a Python function under another name, so that numba caches its build apart: numba's
    disk cache keys a kernel on its module and qualified name only, not on its compile options."""
    twin = types.FunctionType(func.__code__, func.__globals__, name, func.__defaults__, func.__closure__)
    twin.__qualname__ = name
    twin.__doc__ = func.__doc__
    return twin


def parallel_kernel(func: types.FunctionType):
    """`numba.njit(parallel=True, cache=True, nogil=True)`; where the threading layer is not thread-safe,
    a wrapper that launches it under the process-wide lock (it keeps the kernel's `py_func`)."""
    kernel = numba.njit(parallel=True, cache=True, nogil=True)(func)
    if THREADSAFE:
        return kernel

    def one_at_a_time(*args):
        with _LAUNCH_LOCK:
            return kernel(*args)
    one_at_a_time.__name__ = one_at_a_time.__qualname__ = func.__name__
    one_at_a_time.__doc__ = func.__doc__
    one_at_a_time.py_func = func
    one_at_a_time.kernel = kernel
    return one_at_a_time
