"""Node figures (issue 12): blocks imported per second while syncing from a peer over the DSN.

`run(backend_name, quick)` (the `autonomys bench` convention): a source dev node produces N blocks
(quick: 3, full: 10; 1 piece per sector, slot probability 1/2, dev PoT of 4,096 iterations per slot),
then fresh nodes on the same backend connect to it on loopback and sync, one after the other (3
repetitions): GET_BLOCKS batches, each batch's PoT checkpoints verified in one `pot_verify_many` on the
backend, then every block through `check_block` (seal, PoT, solution with its KZG and PoS checks,
segment headers) and the chain DB (SQLite, fsync per block). The figure is N over the wall time of the
sync alone (setup, genesis archiving and plotting excluded), median and spread over the repetitions.

The source's timekeeper is paced (SLOT_SECONDS per slot): unpaced, it
spins one core on slots of a fraction of a millisecond while the producer proves, and the synced
chain then has thousands of slots per block, a number set by how long proving took. The slots the
chain spans (each one's PoT checked during the sync) are in `extra["slots"]`. KZG: the process-wide
bench parameters (`accel.kzg.bench.bench_parameters`; network file or dev setup), so the bases and the
genesis segment are prepared once per run. No peer: the reference node's sync rate depends on its
network and is not in the spec.
"""
from __future__ import annotations

import queue
import statistics
import tempfile
import threading
import time
from pathlib import Path

import accel
from accel.benchmarking import Figure

SYNC_REPEATS = 3  # fresh syncing nodes per run (each one syncs the whole chain)
SLOT_SECONDS = 0.02  # the source's PoT pacing (both modes): at most 50 slots per second


def sync_rate(backend_name: str, blocks: int, workdir: Path, repeats: int = 1,
              slot_seconds: float = SLOT_SECONDS) -> tuple[list[float], int]:
    """(seconds of each of `repeats` syncs, slots the chain spans): fresh nodes, one after the other,
    each syncing `blocks` blocks from one source node on loopback."""
    from protocol.archiving.bench import make_kzg  # noqa: PLC0415 - shared, prepared parameters
    from protocol.node.service import Node, NodeConfig  # noqa: PLC0415 - heavy imports on use

    be = accel.backend(backend_name)
    kzg = make_kzg(be)
    common = dict(backend=backend_name, rpc_port=0, pieces_per_sector=1, slot_duration=slot_seconds,
                  slot_probability=(1, 2), listen_port=0)
    source = Node(NodeConfig(base_path=workdir / "source", max_blocks=blocks, **common),
                  lambda e: None, kzg=kzg)
    done = threading.Event()
    holder: dict = {}

    def produce() -> None:  # produce, then keep serving until the syncs are measured
        source.config.max_blocks = None
        source.prepare()
        source.timekeeper.subscribe(source._on_pot)  # noqa: SLF001
        source.timekeeper.start()
        source.ready.set()
        try:
            while source.produced < blocks and not done.is_set():
                try:
                    proof = source._slots.get(timeout=0.2)  # noqa: SLF001
                    while not source._slots.empty():  # noqa: SLF001 - the newest slot only
                        proof = source._slots.get_nowait()  # noqa: SLF001
                except queue.Empty:
                    continue
                source._on_slot(proof)  # noqa: SLF001
            source.timekeeper.stop()
            holder["ready"] = True
            done.wait()
        except Exception as e:  # noqa: BLE001 - reported by the measuring thread
            holder["error"] = e
        finally:
            source.shutdown()

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    while "ready" not in holder and "error" not in holder and producer.is_alive():
        time.sleep(0.2)
    if "ready" not in holder:
        done.set()
        raise RuntimeError(f"source node failed: {holder.get('error')}")
    times: list[float] = []
    try:
        head = source.db.head()
        slots = source.db.header(head.hash).slot
        for i in range(repeats):
            sink = Node(NodeConfig(base_path=workdir / f"sink{i}", **common), lambda e: None, kzg=kzg)
            try:
                sink.prepare()
                sink.network.dial(f"127.0.0.1:{source.listen_port}")
                end = time.monotonic() + 60
                while not sink.network.peers() and time.monotonic() < end:
                    time.sleep(0.05)
                if not sink.network.peers():
                    raise RuntimeError("the syncing node could not connect to the source")
                peer = sink.network.peers()[0]
                peer.best_number = head.number
                start = time.perf_counter()
                imported = sink.sync_from(peer)
                times.append(time.perf_counter() - start)
            finally:
                # The sink's network handed the new peer to its handler, which waits for `ready` (set by
                # the node's run loop, which the bench does not start): release it, or the interpreter's
                # exit joins that handler thread forever. The sink is synced by now: nothing left to do.
                sink.ready.set()
                sink.shutdown()
            if imported < blocks:
                raise RuntimeError(f"synced {imported} of {blocks} blocks")
    finally:
        done.set()
        producer.join(30)
    return times, slots


def run(backend_name: str, quick: bool) -> list[Figure]:
    blocks = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="autonomys-sync-bench-") as tmp:
        times, slots = sync_rate(backend_name, blocks, Path(tmp), SYNC_REPEATS, SLOT_SECONDS)
    rates = [blocks / t for t in times]
    return [Figure("node", f"block sync from a peer on loopback ({blocks} blocks over {slots} PoT slots, "
                           "batch-verified, full import checks)", backend_name, statistics.median(rates),
                   "blocks/s", min(rates), max(rates), len(rates),
                   peer_note="no peer: the reference node's sync rate is network-bound and not in the spec",
                   extra={"blocks": blocks, "slots": slots, "slot_seconds": SLOT_SECONDS,
                          "seconds": statistics.median(times), "seconds_each": times})]
