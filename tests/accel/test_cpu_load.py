"""accel/cpu_load.py: the cores other processes leave idle, from the machine's busy time less this
process's own CPU time (so a process's own recent threads do not make it look busy)."""
from __future__ import annotations

import pytest

from accel import cpu_load


@pytest.fixture
def fake_counters(monkeypatch):
    """Drive idle_cores with made-up clocks: 2 cores, machine busy seconds, own CPU seconds, now."""
    state = {"now": 100.0, "machine": 1000.0, "own": 10.0}
    monkeypatch.setattr(cpu_load, "usable_cores", lambda: 2)
    monkeypatch.setattr(cpu_load, "_machine_busy_seconds", lambda: state["machine"])
    monkeypatch.setattr(cpu_load, "_own_seconds", lambda: state["own"])
    monkeypatch.setattr(cpu_load, "_load_average_idle", lambda cores: -5.0)
    monkeypatch.setattr(cpu_load, "_clock", lambda: state["now"])
    monkeypatch.setattr(cpu_load, "_state", {"time": None, "machine": None, "own": None, "idle": None})
    return state


def test_first_sample_falls_back_to_the_load_average(fake_counters):
    assert cpu_load.idle_cores() == -5.0


def test_own_cpu_time_does_not_count_as_busy(fake_counters):
    cpu_load.idle_cores()
    fake_counters.update(now=102.0, machine=1004.0, own=14.0)  # 2 s: both cores busy, all of it ours
    assert cpu_load.idle_cores() == pytest.approx(2.0)


def test_other_processes_cpu_time_counts(fake_counters):
    cpu_load.idle_cores()
    fake_counters.update(now=102.0, machine=1003.0, own=11.0)  # 3 s busy of which 1 s ours: 1 core of others
    assert cpu_load.idle_cores() == pytest.approx(1.0)
    fake_counters.update(now=102.5, machine=1010.0, own=11.0)  # within MIN_INTERVAL_S: the last answer
    assert cpu_load.idle_cores() == pytest.approx(1.0)
    fake_counters.update(now=104.0, machine=1010.0, own=11.0)  # 7 s of others over 2 s: fully loaded
    assert cpu_load.idle_cores() == pytest.approx(-1.5)


def test_real_counters_give_a_bounded_answer():
    idle = cpu_load.idle_cores()
    assert isinstance(idle, float) and idle <= cpu_load.usable_cores()
