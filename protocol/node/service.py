"""The running node (issue 12): a single-node dev chain that keeps time, farms and produces blocks.

Wiring, one thread each where it matters (all heavy work goes through the chosen `accel` backend):

    Timekeeper (PoT thread) --slot proofs--> queue --> node loop:
        for the slot S whose future slot S + 4 has just been proved:
            audit every sector with the global challenge of S, prove the nearest encoded candidate,
            build the block (pre-digest: slot, solution, PoT of S and S + 4; the PoT checkpoints since the
            parent's future slot; segment headers archived since the parent), seal it with the farmer's
            sr25519 key, import it through the same checks as a block from the network
            (`check_block` + `verify_solution` with piece checks + PoT verification), store it (SQLite)
        blocks CONFIRMATION_DEPTH_K_DEV deep are archived; new segment headers go into the next block
    RpcServer (HTTP thread) on 127.0.0.1: /head, /block/..., /segment-headers, /farmer

[DESIGN] Dev genesis history. A fresh chain has no history to plot, so the dev node archives the genesis
block padded with zeros to fill segment 0 (history size 1) before farming; everything is deterministic,
so a restart re-derives the same segment. The reference seeds its history from its genesis block too;
the exact padding of its dev chain spec is not in the spec, so dev chains are not interchangeable.

[DESIGN] Dev parameters (all in `NodeConfig`): PoT POT_SLOT_ITERATIONS_DEMO iterations per slot paced at
one slot per second, the INSECURE dev KZG setup (`accel.kzg.dev_parameters`), a small farm plotted on
start (1 sector of 4 pieces by default), confirmation depth 5, and a solution range sized so that the
farm wins about one slot in `slot_probability` (1/6 like the network) — solution range adjustment is off
(the network's default).
"""
from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import accel
from protocol.archiving import SegmentHeader
from protocol.constants import (
    BLOCK_AUTHORING_DELAY, CONFIRMATION_DEPTH_K_DEV, POT_SLOT_ITERATIONS_DEMO,
)
from protocol.consensus import (
    Block, Header, Keypair, PieceCheckParams, PotProof, PreDigest, Timekeeper, check_block, genesis_seed, pieces_to_solution_range, seal_header, verify_solution,
)
from protocol.consensus.block import body_root
from protocol.farmer import global_challenge
from protocol.farmer.audit import audit_farm
from protocol.farmer.plotting import PlottedSector, load_sector, plot_sector
from protocol.farmer.proving import prove
from protocol.node.chain_db import ChainDb
from protocol.node.genesis import archive_dev_genesis, dev_genesis_block
from protocol.node.rpc import DEFAULT_RPC_PORT, RpcServer

log = logging.getLogger("autonomys.node")
POT_META_KEY = "pot_head_future_proof"


@dataclass
class NodeConfig:
    """What `autonomys node --dev` runs with; every default is the dev chain's."""

    base_path: Path
    backend: str = "auto"
    rpc_port: int = DEFAULT_RPC_PORT
    farm: Path | None = None  # default: base_path / "farm"
    sectors: int = 1
    pieces_per_sector: int = 4
    slot_iterations: int = POT_SLOT_ITERATIONS_DEMO
    slot_duration: float = 1.0  # seconds per slot (0 = as fast as PoT proves)
    slot_probability: tuple[int, int] = (1, 6)
    confirmation_depth: int = CONFIRMATION_DEPTH_K_DEV
    max_blocks: int | None = None  # stop after producing this many blocks
    max_slots: int | None = None  # stop after this many slots
    kzg_parameters: Path | None = None  # the network file; default: the INSECURE dev setup
    reward_address: bytes = field(default=bytes(32))

    def __post_init__(self) -> None:
        self.base_path = Path(self.base_path)
        self.farm = Path(self.farm) if self.farm is not None else self.base_path / "farm"
        if self.sectors < 1 or not 1 <= self.pieces_per_sector <= 1000:
            raise ValueError("a dev farm needs at least 1 sector of 1..1000 pieces")
        if self.slot_iterations <= 0 or self.slot_iterations % 16:
            raise ValueError("slot iterations must be a positive multiple of 16")


@dataclass
class NodeEvent:
    """What the node reports to its caller (the CLI prints these)."""

    kind: str  # "status" | "plotted" | "slot" | "block" | "segment" | "rejected"
    message: str
    data: dict = field(default_factory=dict)


class Node:
    """A dev node: `Node(config, on_event).run()` blocks until stopped (`stop()`, max_blocks, max_slots)."""

    def __init__(self, config: NodeConfig, on_event: Callable[[NodeEvent], None] | None = None,
                 kzg=None) -> None:
        """`kzg`: an `accel.kzg.Kzg` to reuse (embedders and tests); default: built from the config."""
        self.config = config
        self._kzg = kzg
        self.on_event = on_event or (lambda e: log.info(e.message))
        self._stop = threading.Event()
        self._slots: queue.Queue[PotProof] = queue.Queue()
        self.produced = 0
        self.slots_seen = 0
        self.rpc_port: int | None = None
        self.sectors: dict[int, PlottedSector] = {}
        self._pending_segment_headers: list[SegmentHeader] = []
        self._archived_through = 0  # highest block number fed to the archiver
        self.ready = threading.Event()

    # ------------------------------------------------------------------ setup
    def _emit(self, kind: str, message: str, **data) -> None:
        self.on_event(NodeEvent(kind, message, data))

    def _setup(self) -> None:
        cfg = self.config
        cfg.base_path.mkdir(parents=True, exist_ok=True)
        cfg.farm.mkdir(parents=True, exist_ok=True)
        self.backend = accel.backend(cfg.backend)
        self._emit("status", f"backend {self.backend.name} ({getattr(self.backend, 'device', '')})")
        from accel.kzg import Kzg, dev_parameters, load_parameters  # noqa: PLC0415 - curve library load

        if self._kzg is not None:
            params = self._kzg.parameters
        elif cfg.kzg_parameters is not None:
            params = load_parameters(cfg.kzg_parameters)
        else:
            self._emit("status", "KZG: INSECURE dev parameters (generating 2^15 powers)")
            params = dev_parameters()
        self.kzg = Kzg(params, self.backend)
        self.keypair = Keypair.load_or_generate(cfg.base_path / "farmer-key.json")
        self.total_pieces = cfg.sectors * cfg.pieces_per_sector
        # A tiny farm with a high slot probability would ask for more than the whole u64 range.
        self.solution_range = min(pieces_to_solution_range(self.total_pieces, cfg.slot_probability), 2**64 - 1)
        genesis = dev_genesis_block()
        self.db = ChainDb(cfg.base_path / "chain.db", genesis)
        self.genesis = genesis
        self._archive_history()
        self._plot_farm()
        self.rpc = RpcServer(self.db, farmer_status=self.farmer_status)
        self.rpc_port = self.rpc.start(cfg.rpc_port)
        self._emit("status", f"RPC on http://127.0.0.1:{self.rpc_port} (GET /head)", port=self.rpc_port)

    def _archive_history(self) -> None:
        """Re-derive the archived history: dev genesis segment, then every confirmed block of the best chain."""
        self._emit("status", "archiving the genesis segment")
        self.pieces: dict[int, bytes] = {}
        stored = {h.segment_index for h in self.db.segment_headers()}
        self.archiver, segments = archive_dev_genesis(self.kzg, self.backend)
        new = []
        for segment in segments:
            new.append(segment.header)
            base = segment.header.segment_index * len(segment.pieces)
            self.pieces.update({base + i: p for i, p in enumerate(segment.pieces)})
        head = self.db.head()
        for number in range(1, max(0, head.number - self.config.confirmation_depth) + 1):
            new += self._archive(self.db.block_by_number(number).encode())
            self._archived_through = number
        fresh = [h for h in new if h.segment_index not in stored]
        if fresh:
            self.db.put_segment_headers(fresh)
            if head.number > 0:  # produced before a restart and not yet in a block
                self._pending_segment_headers += [h for h in fresh if h.segment_index > 0]
        self.history_size = len(self.db.segment_headers())

    def _archive(self, data: bytes) -> list[SegmentHeader]:
        headers = []
        for segment in self.archiver.add_block(data):
            headers.append(segment.header)
            base = segment.header.segment_index * len(segment.pieces)
            self.pieces.update({base + i: p for i, p in enumerate(segment.pieces)})
            self._emit("segment", f"archived segment {segment.header.segment_index}",
                       segment_index=segment.header.segment_index)
        return headers

    def _piece(self, index: int) -> bytes:
        if index not in self.pieces:
            raise KeyError(f"piece {index} is not in the node's piece cache")
        return self.pieces[index]

    def _plot_farm(self) -> None:
        cfg = self.config
        for sector_index in range(cfg.sectors):
            sector = load_sector(cfg.farm, sector_index, self.keypair.public_key)
            if sector is None:
                started = time.monotonic()
                sector = plot_sector(self.backend, self.keypair.public_key, sector_index, self.history_size,
                                     cfg.pieces_per_sector, self._piece, cfg.farm)
                self._emit("plotted", f"plotted sector {sector_index} ({cfg.pieces_per_sector} pieces) in "
                           f"{time.monotonic() - started:.1f} s", sector_index=sector_index)
            else:
                self._emit("plotted", f"sector {sector_index} already plotted", sector_index=sector_index)
            self.sectors[sector_index] = sector

    def farmer_status(self) -> dict:
        return {"public_key": "0x" + self.keypair.public_key.hex(), "backend": self.backend.name,
                "sectors": len(self.sectors), "pieces_per_sector": self.config.pieces_per_sector,
                "history_size": self.history_size, "solution_range": self.solution_range,
                "blocks_produced": self.produced, "slots_seen": self.slots_seen}

    # ------------------------------------------------------------------ block production
    def _verify_pot(self, parent: Header, header: Header) -> bool:
        """Every slot's checkpoints in the justification verify and chain (one batched pot_verify_many)."""
        first = parent.future_slot + 1
        proofs = self.timekeeper.state.slots(first, header.future_slot)
        if proofs is None or len(proofs) != len(header.pot_checkpoints):
            return False
        if any(tuple(p.checkpoints) != tuple(c) for p, c in zip(proofs, header.pot_checkpoints)):
            return False
        return all(self.backend.pot_verify_many([(p.seed, p.slot_iterations, list(p.checkpoints))
                                                 for p in proofs]))

    def _on_slot(self, future: PotProof) -> None:
        self.slots_seen += 1
        slot = future.slot - BLOCK_AUTHORING_DELAY
        if slot < 1:
            return
        head = self.db.head()
        parent = self.db.header(head.hash)
        if slot <= parent.slot or future.slot <= parent.future_slot:
            return
        pot = self.timekeeper.state.get(slot)
        if pot is None:
            return
        challenge = global_challenge(pot.output, slot)
        candidates = audit_farm(self.backend, list(self.sectors.values()), challenge, self.solution_range)
        self._emit("slot", f"slot {slot}: {len(candidates)} audit candidates", slot=slot,
                   candidates=len(candidates))
        if not candidates:
            return
        solutions = prove(self.backend, self.kzg, self.sectors, candidates, self.keypair.public_key,
                          self.config.reward_address)
        if not solutions:
            return
        justification = self.timekeeper.state.slots(parent.future_slot + 1, future.slot)
        if justification is None:
            return
        segment_headers = tuple(self._pending_segment_headers)
        extrinsics = (f"slot {slot}".encode(),)
        header = Header(head.hash, head.number + 1, parent.state_root, body_root(extrinsics, segment_headers),
                        PreDigest(slot, solutions[0], pot.output, future.output), self.solution_range,
                        tuple(tuple(p.checkpoints) for p in justification))
        block = Block(seal_header(header, self.keypair), extrinsics, segment_headers)
        self._import(block, parent, segment_headers)

    def _import(self, block: Block, parent: Header, expected_segment_headers) -> None:
        piece_check = PieceCheckParams(self.history_size, self._segment_commitment)
        verifier = functools.partial(_verify_with, kzg=self.kzg, piece_check=piece_check)
        try:
            check_block(block, parent, expected_solution_range=self.solution_range, verify_solution=verifier,
                        verify_pot=self._verify_pot, expected_segment_headers=expected_segment_headers,
                        archived_block_number=None)
        except ValueError as e:  # a rejected block is reported, never stored
            self._emit("rejected", f"block #{block.number} rejected: {type(e).__name__}: {e}")
            return
        result = self.db.import_block(block)
        future = self.timekeeper.state.get(block.header.future_slot)
        if result.is_best and future is not None:
            self.db.put_meta(POT_META_KEY, future.encode())  # where a restarted node resumes its PoT chain
        self._pending_segment_headers = [h for h in self._pending_segment_headers
                                         if h not in block.segment_headers]
        self.produced += 1
        self._emit("block", f"block #{block.number} 0x{result.hash.hex()[:16]}... slot {block.header.slot} "
                   f"piece offset {block.header.solution.piece_offset}",
                   number=block.number, hash=result.hash.hex(), slot=block.header.slot)
        self._archive_confirmed()

    def _segment_commitment(self, segment_index: int) -> bytes | None:
        header = self.db.segment_header(segment_index)
        return None if header is None else header.segment_commitment

    def _archive_confirmed(self) -> None:
        head = self.db.head()
        while self._archived_through < head.number - self.config.confirmation_depth:
            self._archived_through += 1
            fresh = self._archive(self.db.block_by_number(self._archived_through).encode())
            if fresh:
                self.db.put_segment_headers(fresh)
                self._pending_segment_headers += fresh
                self.history_size = len(self.db.segment_headers())

    # ------------------------------------------------------------------ lifecycle
    def run(self) -> int:
        """Set up, then produce blocks until stopped; returns the number of blocks produced."""
        self._setup()
        head = self.db.head()
        last = self.db.get_meta(POT_META_KEY)
        if head.number > 0 and last is not None:
            # Continue the PoT chain after the head's future slot, so new blocks chain onto the stored ones.
            self.timekeeper = Timekeeper.resume(self.backend, PotProof.decode(last),
                                                slot_duration=self.config.slot_duration or None)
            self._emit("status", f"resuming at block #{head.number}, PoT slot {PotProof.decode(last).slot + 1}")
        else:
            self.timekeeper = Timekeeper.from_genesis(self.backend, genesis_seed(self.genesis.hash()),
                                                      self.config.slot_iterations,
                                                      slot_duration=self.config.slot_duration or None)
        self.timekeeper.subscribe(self._slots.put)
        self.timekeeper.start(self.config.max_slots)
        self.ready.set()
        try:
            while not self._stop.is_set():
                if self.config.max_blocks is not None and self.produced >= self.config.max_blocks:
                    break
                try:
                    proof = self._slots.get(timeout=0.2)
                except queue.Empty:
                    if self.config.max_slots is not None and self.slots_seen >= self.config.max_slots:
                        break
                    continue
                self._on_slot(proof)
        finally:
            self.shutdown()
        return self.produced

    def stop(self) -> None:
        self._stop.set()

    def shutdown(self) -> None:
        tk = getattr(self, "timekeeper", None)
        if tk is not None:
            tk.stop()
        rpc = getattr(self, "rpc", None)
        if rpc is not None:
            rpc.stop()
        db = getattr(self, "db", None)
        if db is not None:
            db.close()


def _verify_with(solution, slot, proof_of_time, solution_range, *, kzg, piece_check) -> None:
    verify_solution(solution, slot, proof_of_time, solution_range, kzg, piece_check)
