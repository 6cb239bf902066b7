"""`accel.warmup.warm_up` (run by scripts/setup.sh as `autonomys warmup`): every kernel family of the CPU
backend runs once without error, each step is reported, and a failing step is reported, not raised."""
from __future__ import annotations

import pytest

import accel
from accel import warmup


def test_every_cpu_family_warms_up_and_is_reported():
    seen = []
    results = warmup.warm_up("cpu", lambda family, seconds, error: seen.append((family, seconds, error)))
    assert results and all(error is None for error in results.values()), results
    assert [f for f, _, _ in seen] == list(results)
    assert {"proof of space", "erasure coding", "msm", "proof of time", "record encoding"} <= set(results)
    assert all(seconds >= 0 for _, seconds, _ in seen)


def test_a_failing_family_is_reported_and_the_rest_still_run(monkeypatch):
    real = warmup._steps

    def with_broken_first(be):
        steps = real(be)

        def broken():
            raise RuntimeError("kernel did not compile")
        return [(steps[0][0], broken)] + steps[1:2]

    monkeypatch.setattr(warmup, "_steps", with_broken_first)
    results = warmup.warm_up("cpu")
    first, second = list(results)
    assert results[first] == "RuntimeError: kernel did not compile" and results[second] is None


def test_unknown_backend_is_refused():
    with pytest.raises(accel.BackendUnavailable):
        warmup.warm_up("tpu")
