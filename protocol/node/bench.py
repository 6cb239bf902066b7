"""Node figures (issue 12): blocks imported per second while syncing from a peer over the DSN.

`run(backend_name, quick)` (the `autonomys bench` convention): a source dev node produces N blocks
(quick: 3, full: 10; 1 piece per sector, slot probability 1/2, unpaced PoT), then a fresh node on the same
backend connects to it on loopback and syncs: GET_BLOCKS batches, each batch's PoT checkpoints verified
in one `pot_verify_many` on the backend, then every block through `check_block` (seal, PoT, solution with
its KZG and PoS checks, segment headers) and the chain DB (SQLite, fsync per block). The figure is N over
the wall time of the sync alone (setup, genesis archiving and plotting excluded). No peer: the reference
node's sync rate depends on its network and is not in the spec.
"""
from __future__ import annotations

import queue
import tempfile
import threading
import time
from pathlib import Path

import accel
from accel.benchmarking import Figure
from accel.kzg import Kzg, dev_parameters


def sync_rate(backend_name: str, blocks: int, workdir: Path) -> tuple[float, float]:
    """(blocks per second, seconds) for a fresh node syncing `blocks` blocks from a peer."""
    from protocol.node.service import Node, NodeConfig  # noqa: PLC0415 - heavy imports on use

    be = accel.backend(backend_name)
    kzg = Kzg(dev_parameters(), be)
    common = dict(backend=backend_name, rpc_port=0, pieces_per_sector=1, slot_duration=0,
                  slot_probability=(1, 2), listen_port=0)
    source = Node(NodeConfig(base_path=workdir / "source", max_blocks=blocks, **common),
                  lambda e: None, kzg=kzg)
    done = threading.Event()
    holder: dict = {}

    def produce() -> None:  # produce, then keep serving until the sync is measured
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
    sink = Node(NodeConfig(base_path=workdir / "sink", **common), lambda e: None, kzg=kzg)
    try:
        sink.prepare()
        sink.network.dial(f"127.0.0.1:{source.listen_port}")
        end = time.monotonic() + 60
        while not sink.network.peers() and time.monotonic() < end:
            time.sleep(0.05)
        peer = sink.network.peers()[0]
        peer.best_number = source.db.head().number
        start = time.perf_counter()
        imported = sink.sync_from(peer)
        seconds = time.perf_counter() - start
    finally:
        sink.shutdown()
        done.set()
        producer.join(30)
    if imported < blocks:
        raise RuntimeError(f"synced {imported} of {blocks} blocks")
    return imported / seconds, seconds


def run(backend_name: str, quick: bool) -> list[Figure]:
    blocks = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="autonomys-sync-bench-") as tmp:
        rate, seconds = sync_rate(backend_name, blocks, Path(tmp))
    return [Figure("node", f"block sync from a peer on loopback ({blocks} blocks, PoT batch-verified, "
                           "full import checks)", backend_name, rate, "blocks/s", rate, rate, 1,
                   peer_note="no peer: the reference node's sync rate is network-bound and not in the spec",
                   extra={"blocks": blocks, "seconds": seconds})]
