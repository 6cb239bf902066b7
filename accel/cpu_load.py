"""How many of this process's cores other processes leave idle, for kernels that choose between one
thread and a parallel region.

A parallel region ends in a join that waits for its slowest thread; where another process keeps a
core busy, that thread is descheduled mid-region and the region runs slower than on one thread. The
1-minute load average sees that, but it also counts this process's own threads of the last minute:
right after a two-thread PoS table, a farmer proving a solution read a load of about 1.5 on two cores
and ran its erasure recovery on one thread (0.52 s instead of 0.27 s). So the CPU time of other
processes is measured directly: the machine's busy time (/proc/stat) less this process's own CPU time
(os.times), over the interval since the previous sample. Where /proc/stat is missing (not Linux), and
for the first sample, the load average stands in.
"""
from __future__ import annotations

import os
import threading
import time

MIN_INTERVAL_S = 1.0  # a new sample at most once a second; calls in between reuse the last answer
_clock = time.monotonic  # seconds; a module attribute so that tests can drive it
_lock = threading.Lock()
_state: dict[str, float | None] = {"time": None, "machine": None, "own": None, "idle": None}


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _machine_busy_seconds() -> float | None:
    """CPU-seconds all cores of the machine spent busy since boot (/proc/stat, all but idle and iowait)."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != b"cpu" or len(fields) < 5:
        return None
    ticks = [int(v) for v in fields[1:9]]
    busy = sum(ticks) - ticks[3] - (ticks[4] if len(ticks) > 4 else 0)
    return busy / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _load_average_idle(cores: int) -> float:
    try:
        return cores - os.getloadavg()[0]
    except (OSError, AttributeError):
        return float(cores)


def idle_cores() -> float:
    """Cores (of `usable_cores`) that other processes left idle, averaged since the previous sample
    (at least MIN_INTERVAL_S ago; the answer is reused in between). Can be negative under heavy load."""
    now = _clock()
    with _lock:
        last = _state["time"]
        if last is not None and now - last < MIN_INTERVAL_S and _state["idle"] is not None:
            return _state["idle"]
        cores = usable_cores()
        machine, own = _machine_busy_seconds(), _own_seconds()
        if last is None or machine is None or _state["machine"] is None:
            idle = _load_average_idle(cores)
        else:
            others = (machine - _state["machine"]) - (own - _state["own"])
            idle = cores - max(0.0, others) / max(now - last, 1e-3)
        _state.update(time=now, machine=machine, own=own, idle=idle)
        return idle
