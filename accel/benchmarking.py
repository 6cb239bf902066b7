"""Shared machinery of the quick side-by-side benchmarks (`autonomys bench`) and the asv suite.

Each concept package may have a `bench` module with `run(backend_name: str, quick: bool) -> list[Figure]`;
`collect()` finds them. Figures carry the spread over repetitions and, where a peer library was
measured in the same run, the peer's figure and our ratio to it (>1 means we are faster).
"""
from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import accel


@dataclass
class Figure:
    """One measured quantity: `value` in `unit` (a rate: higher is better), min/max over repetitions."""

    kernel: str
    what: str
    backend: str
    value: float
    unit: str
    low: float
    high: float
    repeats: int
    peer: str | None = None
    peer_value: float | None = None
    peer_note: str | None = None  # why a peer is missing, or what differs in its workload
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.value / self.peer_value if self.peer_value else None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


def measure_rate(fn: Callable[[], object], work: float, repeats: int = 5, warmup: int = 1) -> tuple[float, float, float]:
    """(median, min, max) of work / seconds over `repeats` calls of fn, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        rates.append(work / (time.perf_counter() - t0))
    return statistics.median(rates), min(rates), max(rates)


def bench_modules() -> list[str]:
    """Names of every `accel.<concept>.bench` module present."""
    found = []
    for info in pkgutil.iter_modules(accel.__path__):
        if info.ispkg and importlib.util.find_spec(f"accel.{info.name}.bench") is not None:
            found.append(f"accel.{info.name}.bench")
    return sorted(found)


def collect(backend_name: str, quick: bool = True, only: list[str] | None = None) -> list[Figure]:
    """Run every concept's quick benchmark on `backend_name`."""
    figures: list[Figure] = []
    for name in bench_modules():
        if only and not any(o in name for o in only):
            continue
        module = importlib.import_module(name)
        figures.extend(module.run(backend_name, quick))
    return figures
