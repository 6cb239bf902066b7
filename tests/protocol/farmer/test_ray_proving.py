"""Proving jobs as Ray tasks (issue 9, batch plotting service: "sectors (and proving jobs) are scheduled as
tasks with GPU resources"): on a small farm of real pieces, `prove_farm` through a local Ray instance gives
byte-identical solutions to the in-process `prove`, in the same order, each passing `verify_solution`;
without Ray installed "local" runs in-process. The windowed submission (limit, skipped unencoded
candidates, cancelling what is left) is checked against a stand-in for Ray that runs jobs in-process."""
from __future__ import annotations

import pickle
import sys

import pytest

from protocol.consensus import PieceCheckParams, verify_solution
from protocol.farmer import distributed, global_challenge
from protocol.farmer.audit import AuditCandidate, audit_farm
from protocol.farmer.batch import plot_sectors, ray_session
from protocol.farmer.distributed import parameters_key, prove_farm
from protocol.farmer.proving import candidate_record, prove
from protocol.farmer.reading import read_contents_map

PUBLIC_KEY = bytes(range(32))
REWARD = bytes(range(32, 64))
SECTORS, PIECES, HISTORY = 2, 1, 1
U64_MAX = 2**64 - 1


@pytest.fixture(scope="module")
def farm(cpu, segment, tmp_path_factory):
    """Two one-piece sectors plotted in-process from the shared real segment."""
    path = tmp_path_factory.mktemp("ray-proving-farm")
    sectors = plot_sectors("cpu", PUBLIC_KEY, path, SECTORS, PIECES, HISTORY, lambda i: segment.pieces[i])
    return path, {s.sector_index: s for s in sectors}


@pytest.fixture(scope="module")
def challenge(cpu, farm):
    """The first slot whose audit (whole solution range) gives an encoded candidate in every sector:
    (slot, proof of time, candidates nearest first)."""
    _, sectors = farm
    maps = {i: read_contents_map(s) for i, s in sectors.items()}
    for slot in range(64):
        pot = slot.to_bytes(16, "little")
        candidates = audit_farm(cpu, list(sectors.values()), global_challenge(pot, slot), U64_MAX)
        encoded = [c for c in candidates if candidate_record(maps[c.sector_index], c.s_bucket, c.chunk_index)[1]]
        if len(encoded) == SECTORS == len(candidates):
            return slot, pot, candidates
    raise AssertionError("no slot with an encoded candidate in each sector among 64")


@pytest.fixture(scope="module")
def in_process(cpu, kzg, farm, challenge):
    """The reference: every candidate proved in-process by `prove`."""
    _, sectors = farm
    _, _, candidates = challenge
    solutions = prove(cpu, kzg, sectors, candidates, PUBLIC_KEY, REWARD, limit=len(candidates))
    assert len(solutions) == len(candidates)
    return solutions


@pytest.fixture(scope="module")
def ray_local():
    """One local Ray instance (2 CPUs) for the module; `prove_farm(..., "local")` reuses it."""
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield ray
    ray.shutdown()


def test_ray_proving_matches_in_process(ray_local, kzg, farm, challenge, in_process, segment):
    path, _ = farm
    slot, pot, candidates = challenge
    # parameters through the object store, sectors loaded from the farm directory
    solutions = prove_farm("cpu", path, candidates, PUBLIC_KEY, REWARD, kzg.parameters, ray_address="local",
                           limit=None)
    assert [s.encode() for s in solutions] == [s.encode() for s in in_process]
    assert [s.sector_index for s in solutions] == [c.sector_index for c in candidates]
    check = PieceCheckParams(HISTORY, lambda i: segment.header.segment_commitment if i == 0 else None)
    for solution in solutions:
        verify_solution(solution, slot, pot, U64_MAX, kzg, check)


def test_without_ray_local_runs_in_process(monkeypatch, kzg, farm, challenge, in_process):
    _, sectors = farm
    _, _, candidates = challenge
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.warns(RuntimeWarning, match="Ray is not installed"):
        solutions = prove_farm("cpu", sectors, candidates, PUBLIC_KEY, REWARD, kzg.parameters, ray_address="local")
    assert [s.encode() for s in solutions] == [in_process[0].encode()]
    with pytest.raises(RuntimeError, match="needs Ray"):
        ray_session("10.0.0.1:6379")  # a cluster address cannot be served in-process


# ---------------------------------------------------------------- the submission window, without Ray
class _Ref:
    def __init__(self, value):
        self.value = value


class _InlineRay:
    """Stands in for the `ray` module: tasks run when their result is asked for (so unasked ones never run)."""

    def __init__(self, cpus: int = 2) -> None:
        self.cpus, self.submitted, self.ran, self.cancelled, self.options = cpus, [], [], [], None

    def cluster_resources(self) -> dict:
        return {"CPU": float(self.cpus)}

    def put(self, value):
        return _Ref(value)

    def remote(self, fn):
        ray = self

        class Task:
            def options(self, **options):
                ray.options = options
                return self

            def remote(self, *args):
                ref = _Ref((fn, args))
                ray.submitted.append(ref)
                return ref

        return Task()

    def get(self, ref):
        fn, args = ref.value
        self.ran.append(ref)
        return fn(*(a.value if isinstance(a, _Ref) else a for a in args))

    def cancel(self, ref) -> None:
        self.cancelled.append(ref)


def _candidate(sector_index: int, chunk_index: int) -> AuditCandidate:
    return AuditCandidate(sector_index, 7, chunk_index, distance=chunk_index, chunk=bytes(32))


@pytest.fixture
def inline_ray(monkeypatch, farm):
    """`prove_farm` on the stand-in Ray with a stand-in prover: candidate chunk_index odd -> not encoded."""
    fake = _InlineRay()
    monkeypatch.setattr(distributed, "ray_session", lambda address: fake if address else None)

    def fake_prove(_backend, _kzg, sector, candidate, _pk, _reward, contents=None):
        return None if candidate.chunk_index % 2 else (sector.sector_index, candidate.chunk_index)

    monkeypatch.setattr(distributed, "prove_candidate", fake_prove)
    monkeypatch.setattr(distributed, "process_kzg", lambda *_: type("K", (), {"backend": None})())
    return fake


def test_window_keeps_candidate_order_and_limit(inline_ray, farm, kzg):
    _, sectors = farm
    candidates = [_candidate(i % 2, c) for i, c in enumerate([1, 0, 3, 2, 4, 6, 8])]
    got = prove_farm("cpu", sectors, candidates, PUBLIC_KEY, REWARD, kzg.parameters, ray_address="x", limit=2)
    assert got == [(1, 0), (1, 2)]  # unencoded 1 and 3 skipped, first two solutions in candidate order
    assert inline_ray.options == {"num_cpus": 1}
    # window = max(limit, CPUs) = 2 jobs in flight: 5 submitted by the time the 2nd solution (4th job) is in
    assert len(inline_ray.submitted) == 5 and len(inline_ray.ran) == 4
    assert inline_ray.cancelled == inline_ray.submitted[4:]
    everything = prove_farm("cpu", sectors, candidates, PUBLIC_KEY, REWARD, kzg.parameters, ray_address="x",
                            limit=None)
    assert everything == [(1, 0), (1, 2), (0, 4), (1, 6), (0, 8)]


def test_gpu_jobs_ask_for_gpus(inline_ray, farm, kzg):
    _, sectors = farm
    inline_ray.cluster_resources = lambda: {"CPU": 8.0, "GPU": 2.0}
    prove_farm("opencl", sectors, [_candidate(0, 0)], PUBLIC_KEY, REWARD, kzg.parameters, ray_address="x",
               gpus_per_job=0.5)
    assert inline_ray.options == {"num_gpus": 0.5}


def test_bad_input(farm, kzg, tmp_path):
    path, sectors = farm
    with pytest.raises(ValueError, match="limit"):
        prove_farm("cpu", sectors, [], PUBLIC_KEY, REWARD, kzg.parameters, limit=0)
    with pytest.raises(ValueError, match="not plotted"):
        prove_farm("cpu", path, [_candidate(5, 0)], PUBLIC_KEY, REWARD, kzg.parameters)
    with pytest.raises(ValueError, match="not given"):
        prove_farm("cpu", sectors, [_candidate(5, 0)], PUBLIC_KEY, REWARD, kzg.parameters)
    with pytest.raises(ValueError, match="KZG parameters"):
        prove_farm("cpu", sectors, [_candidate(0, 0)], PUBLIC_KEY, REWARD, object())
    assert prove_farm("cpu", sectors, [], PUBLIC_KEY, REWARD, kzg.parameters) == []
    assert parameters_key(tmp_path / "p.bin") == f"file:{tmp_path / 'p.bin'}"
    # the key a worker caches its prepared parameters under survives the trip through the object store
    assert parameters_key(pickle.loads(pickle.dumps(kzg.parameters))) == parameters_key(kzg.parameters)
