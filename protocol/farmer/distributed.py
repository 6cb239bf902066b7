"""Proving jobs across a cluster (storage_and_time.md 8, protocol.md 5: farmers): `prove_farm` sends each
audit candidate's proving (PoS table regeneration, record decode, chunk witness: `prove_candidate`) to a
Ray task, with `num_gpus` when the backend is a GPU one, and returns the same solutions in the same order
as the in-process `prove`. It follows `plot_sectors`' rules (`batch.ray_session`): no address runs
in-process, "local" starts Ray on this machine (in-process when Ray is not installed), any other address
joins that cluster.

KZG parameters reach the workers once: a `Parameters` object goes into Ray's object store once per call
(it pickles as its raw powers) and a worker fetches it only when it has not prepared those parameters
yet; a parameters file path is loaded by the worker itself. Each process keeps one `Kzg` per (backend,
parameters) in `_KZG`, so the 2^15 G1 powers are prepared for MSM once per worker process, not per task.
"""
from __future__ import annotations

import os
import threading
from collections import deque
from pathlib import Path
from typing import Callable, Union

import blake3

import accel
from accel.kzg import Kzg, Parameters, load_parameters
from protocol.consensus.solution import Solution
from protocol.farmer.audit import AuditCandidate
from protocol.farmer.batch import GPU_BACKENDS, ray_session, ray_task_resources
from protocol.farmer.plotting import PlottedSector, load_sector
from protocol.farmer.proving import prove, prove_candidate

ParametersSource = Union[Parameters, str, os.PathLike]
"""A `Parameters` object, or the path of a parameters file (`load_parameters`, network checksum)."""

_KZG: dict[tuple[str, str], Kzg] = {}
_KZG_LOCK = threading.Lock()


def parameters_key(parameters: ParametersSource) -> str:
    """What identifies a set of parameters across processes: the BLAKE3 of the powers of a `Parameters`
    object, or the absolute path of a parameters file."""
    if isinstance(parameters, Parameters):
        digest = blake3.blake3(parameters.g1_powers)
        for g2 in parameters.g2_powers:
            digest.update(g2)
        return "powers:" + digest.hexdigest()
    if isinstance(parameters, (str, os.PathLike)):
        return "file:" + os.path.abspath(os.fspath(parameters))
    raise ValueError(f"KZG parameters must be accel.kzg.Parameters or a file path, got {type(parameters).__name__}")


def process_kzg(backend_name: str, key: str, load: Callable[[], Parameters]) -> Kzg:
    """This process's `Kzg` for (backend, parameters key), created (and its MSM bases prepared) on first use
    with the parameters `load()` returns."""
    with _KZG_LOCK:
        kzg = _KZG.get((backend_name, key))
        if kzg is None:
            kzg = Kzg(load(), accel.backend(backend_name))
            kzg.bases  # noqa: B018 - prepare the G1 powers now, once per process
            _KZG[(backend_name, key)] = kzg
        return kzg


def _loader(parameters: ParametersSource) -> Callable[[], Parameters]:
    if isinstance(parameters, Parameters):
        return lambda: parameters
    return lambda: load_parameters(parameters)


def _prove_job(backend_name: str, key: str, boxed_parameters: list, sector: PlottedSector,
               candidate: AuditCandidate, public_key: bytes, reward_address: bytes) -> Solution | None:
    """One proving job in a Ray worker. `boxed_parameters` is [ObjectRef or path]: a reference inside a list
    is not fetched by Ray before the call, so a worker that already prepared these parameters skips it."""
    def load() -> Parameters:
        item = boxed_parameters[0]
        if isinstance(item, (str, os.PathLike)):
            return load_parameters(item)
        import ray  # noqa: PLC0415 - only ever called inside a Ray worker

        return ray.get(item)

    kzg = process_kzg(backend_name, key, load)
    return prove_candidate(kzg.backend, kzg, sector, candidate, public_key, reward_address)


def _farm_sectors(sectors: dict[int, PlottedSector] | str | os.PathLike, candidates: list[AuditCandidate],
                  public_key: bytes) -> dict[int, PlottedSector]:
    if isinstance(sectors, dict):
        return sectors
    farm = Path(sectors)
    out: dict[int, PlottedSector] = {}
    for index in sorted({c.sector_index for c in candidates}):
        sector = load_sector(farm, index, public_key)
        if sector is None:
            raise ValueError(f"farm {farm}: sector {index} of an audit candidate is not plotted")
        out[index] = sector
    return out


def prove_farm(backend_name: str, sectors: dict[int, PlottedSector] | str | os.PathLike,
               candidates: list[AuditCandidate], public_key: bytes, reward_address: bytes,
               parameters: ParametersSource, ray_address: str | None = None, limit: int | None = 1,
               gpus_per_job: float = 1) -> list[Solution]:
    """Solutions for the nearest `candidates` (ascending distance, as `audit_farm` orders them), at most
    `limit` of them (None: all), byte-identical to the in-process `prove`.

    `sectors` maps sector index to `PlottedSector`, or is the farm directory (the candidates' sectors are
    loaded from it). With Ray, jobs are submitted in candidate order, a window of them in flight (at least
    `limit`, at least one per GPU or CPU of the cluster), results are taken in candidate order, and the jobs
    still queued or running once `limit` solutions are found are cancelled. Each job asks for
    `gpus_per_job` GPUs when the backend is a GPU one and the cluster has GPUs, else one CPU.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 (or None for all), got {limit}")
    if backend_name == "auto":  # the driver's choice, so that GPU jobs ask Ray for a GPU
        backend_name = accel.backend("auto").name
    limit = len(candidates) if limit is None else limit
    key, load = parameters_key(parameters), _loader(parameters)
    farm = _farm_sectors(sectors, candidates, public_key)
    missing = sorted({c.sector_index for c in candidates} - farm.keys())
    if missing:
        raise ValueError(f"audit candidates name sectors {missing} that are not given")
    if not candidates:
        return []
    ray = ray_session(ray_address)
    if ray is None:
        kzg = process_kzg(backend_name, key, load)
        return prove(kzg.backend, kzg, farm, candidates, public_key, reward_address, limit)

    cluster = ray.cluster_resources()
    task = ray.remote(_prove_job).options(**ray_task_resources(backend_name, cluster, gpus_per_job))
    slots = int(cluster.get("GPU", 0) / gpus_per_job) if backend_name in GPU_BACKENDS else 0
    window = max(limit, slots or int(cluster.get("CPU", 1)), 1)
    boxed = [parameters if not isinstance(parameters, Parameters) else ray.put(parameters)]
    sector_refs = {i: ray.put(farm[i]) for i in sorted({c.sector_index for c in candidates})}
    queue = deque(candidates)
    in_flight: deque = deque()
    out: list[Solution] = []
    try:
        while len(out) < limit and (queue or in_flight):
            while queue and len(in_flight) < window:
                c = queue.popleft()
                in_flight.append(task.remote(backend_name, key, boxed, sector_refs[c.sector_index], c, public_key,
                                             reward_address))
            solution = ray.get(in_flight.popleft())
            if solution is not None:
                out.append(solution)
    finally:
        for ref in in_flight:  # not needed any more (limit reached, or an error)
            try:
                ray.cancel(ref)
            except Exception:  # noqa: BLE001 - finished already, or its node went away: nothing to stop
                pass
    return out
