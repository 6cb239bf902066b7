"""Helpers shared by the asv benchmark modules.

BACKENDS: the backends usable on this machine (accel.available_backends), so that results carry no
columns of skipped parameters; `AUTONOMYS_BENCH_BACKENDS=cpu,opencl` narrows (or forces) the list,
e.g. for the CI smoke run.
"""
from __future__ import annotations

import os

import accel

BACKENDS_ENV = "AUTONOMYS_BENCH_BACKENDS"


def _backends() -> list[str]:
    chosen = os.environ.get(BACKENDS_ENV)
    if chosen:
        return [b.strip() for b in chosen.split(",") if b.strip()]
    usable = [name for name, reason in accel.available_backends().items() if reason is None]
    return usable or ["cpu"]


BACKENDS = _backends()


def backend_or_skip(name: str) -> accel.Backend:
    """The backend, or NotImplementedError (asv: skip) when it cannot run on this machine."""
    try:
        return accel.backend(name)
    except accel.BackendUnavailable as e:
        raise NotImplementedError(str(e)) from e


class WholeRunBenchmark:
    """Base of the pipeline benchmarks (archiving a segment, farming): one parameter, the backend; each
    timed call is a whole run of seconds, so one call per sample, no warm-up loop (setup compiles), a
    long timeout. Subclasses set `repeat`."""

    params = (BACKENDS,)
    param_names = ["backend"]
    number = 1
    warmup_time = 0
    timeout = 1800
