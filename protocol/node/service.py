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
    DSN (protocol.dsn, with `listen_port`/`bootstrap`): blocks produced are announced; announced and synced
        blocks go through the same `check_block` (PoT justification verified standalone from the parent's
        future PoT, so a node needs no PoT gossip; a synced batch's checkpoints in one `pot_verify_many`)
        and fork choice (`ChainDb.import_block`); a node behind its peers syncs (GET_BLOCKS) on connecting and
        whenever an announced block's parent is unknown; its timekeeper is fast-forwarded with the verified
        slots. Pieces: a `PieceCache` of the pieces closest to the node's peer id (offered every archived
        piece), served to peers with the plots and the archived history; `Node.get_piece` retrieves in the
        spec's order (local cache, peers' caches, peers' plots, archival), validating every piece.

[DESIGN] A node farms the newest slot only (slots that queued up while it was proving or importing are
skipped), keeps the slot proofs since its best block's future slot for its justifications (not only the
timekeeper's last 256), and does not author while syncing or while a peer reports a longer chain.

[DESIGN] Multi-node dev chains: every node must run the same dev parameters (slot iterations, farm size,
slot probability, era duration, adjustment on/off), since the expected solution range is derived from them.
Blocks from peers carry no other segment headers than ones this node archived itself (each is compared with
the stored header).

[DESIGN] Dev genesis history. A fresh chain has no history to plot, so the dev node archives the genesis
block padded with zeros to fill segment 0 (history size 1) before farming; everything is deterministic,
so a restart re-derives the same segment. The reference seeds its history from its genesis block too;
the exact padding of its dev chain spec is not in the spec, so dev chains are not interchangeable.

[DESIGN] Dev parameters (all in `NodeConfig`): PoT POT_SLOT_ITERATIONS_DEMO iterations per slot paced at
one slot per second, the INSECURE dev KZG setup (`accel.kzg.dev_parameters`), a small farm plotted on
start (1 sector of 4 pieces by default), confirmation depth 5, and an initial solution range (block #1's)
sized so that the farm wins about one slot in `slot_probability` (1/6 like the network).

[DESIGN] Solution range per era (protocol.md 3.3): every header carries its range; the range a child must
carry is `solution_range.child_solution_range(parent, ...)` — derived from the parent's chain alone, used
both to farm (audit and header) and to check every imported block (`check_block(expected_solution_range=
...)`), so nodes with the same parameters agree and a block with another range is `InvalidSolutionRange`.
Dev default: adjustment OFF (like mainnet), eras of ERA_DURATION_DEV (10) blocks when it is switched on
(`NodeConfig(solution_range_adjustment=True)`, tested in tests/protocol/node/test_solution_range_eras.py).
Why off: on a dev farm the block rate is limited by proving time (seconds per solution, during which the
node skips slots), not by the range, so every era looks slow and the adjustment widens the range x4 per era
up to U64_MAX; a block of range U64_MAX weighs 0 in fork choice, so the best chain stops growing (measured:
a single node at slot probability 1/2 stalled at block #2 after its first era). Mainnet does not meet this
(its range is far below U64_MAX).
"""
from __future__ import annotations

import collections
import copy
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
    BLOCK_AUTHORING_DELAY, CONFIRMATION_DEPTH_K_DEV, ERA_DURATION_DEV, POT_SLOT_ITERATIONS_DEMO,
)
from protocol.consensus import (
    Block, Header, Keypair, PieceCheckParams, PotProof, PreDigest, Timekeeper, check_block, genesis_seed, pieces_to_solution_range, seal_header, verify_solution,
)
from protocol.consensus.block import body_root
from protocol.consensus.block_import import BelowArchivingPoint, InvalidSegmentHeaders
from protocol.consensus.pot import PotNextSlotInput, chain_inputs
from protocol.consensus.solution_range import child_solution_range
from protocol.dsn import wire
from protocol.dsn.cache import PieceCache
from protocol.dsn.distance import peer_id_from_public_key
from protocol.dsn.network import BAD_DATA_PENALTY, MALFORMED_PENALTY, Network, Peer, PeerError
from protocol.dsn.retrieval import PieceGetter, Retrieved
from protocol.farmer.reading import read_piece
from protocol.farmer import global_challenge
from protocol.farmer.audit import audit_farm
from protocol.farmer.plotting import PlottedSector, load_sector, plot_sector
from protocol.farmer.proving import prove
from protocol.farmer.replotting import Replotter, sector_expiry
from protocol.node.chain_db import ChainDb
from protocol.node.genesis import archive_dev_genesis, dev_genesis_block
from protocol.node.rpc import DEFAULT_RPC_PORT, RpcServer

log = logging.getLogger("autonomys.node")
POT_META_KEY = "pot_head_future_proof"
POT_SLOTS_KEPT = 1024  # slot proofs held before pruning those below the best block's future slot
POT_SLOTS_MARGIN = 64  # slots kept below it (forks of the best block's parent)


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
    listen_port: int | None = None  # DSN on 127.0.0.1:PORT (0 = any free port); None = no DSN
    bootstrap: list[str] = field(default_factory=list)  # peers to dial, "host:port"
    piece_cache_size: int = 64  # pieces kept in the DSN piece cache (closest to the peer id)
    solution_range_adjustment: bool = False  # adjust the range at every era end (module docstring: why off)
    era_duration: int = ERA_DURATION_DEV  # blocks per solution-range era

    def __post_init__(self) -> None:
        self.base_path = Path(self.base_path)
        self.farm = Path(self.farm) if self.farm is not None else self.base_path / "farm"
        if self.sectors < 1 or not 1 <= self.pieces_per_sector <= 1000:
            raise ValueError("a dev farm needs at least 1 sector of 1..1000 pieces")
        if self.slot_iterations <= 0 or self.slot_iterations % 16:
            raise ValueError("slot iterations must be a positive multiple of 16")
        self.bootstrap = list(self.bootstrap)
        if self.bootstrap and self.listen_port is None:
            self.listen_port = 0
        if self.piece_cache_size < 0:
            raise ValueError("piece cache size must be >= 0")
        if not isinstance(self.era_duration, int) or self.era_duration < 1:
            raise ValueError(f"era duration must be a positive number of blocks, got {self.era_duration!r}")


@dataclass
class NodeEvent:
    """What the node reports to its caller (the CLI prints these)."""

    kind: str  # "status" | "plotted" | "replotted" | "slot" | "block" | "segment" | "rejected"
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
        # expiry segment of each plotted sector, once its check segment is archived (it never changes)
        self._expires_at: dict[tuple[int, int, bytes], int] = {}
        self._pending_segment_headers: list[SegmentHeader] = []
        self._archived_through = 0  # highest block number fed to the archiver
        self.ready = threading.Event()
        self.imported = 0  # blocks from peers imported
        self.network: Network | None = None
        self.listen_port: int | None = None
        self._lock = threading.RLock()  # block production and import, one at a time
        self._sync_lock = threading.Lock()
        self._pot_slots: dict[int, PotProof] = {}  # slots since (about) the best block's future slot
        self._pot_floor = 0  # the best block's future slot
        self._pot_verified: set[tuple[bytes, int, tuple[bytes, ...]]] = set()
        self.authoring = threading.Event()  # cleared: the node imports and serves but farms no slot
        self.authoring.set()

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
        self.peer_id = peer_id_from_public_key(self.keypair.public_key)
        self.cache = PieceCache(self.peer_id, cfg.piece_cache_size)
        self.total_pieces = cfg.sectors * cfg.pieces_per_sector
        # Block #1's range (later blocks: `expected_solution_range`). A tiny farm with a high slot probability
        # would ask for more than the whole u64 range.
        self.initial_solution_range = min(pieces_to_solution_range(self.total_pieces, cfg.slot_probability),
                                          2**64 - 1)
        genesis = dev_genesis_block()
        self.db = ChainDb(cfg.base_path / "chain.db", genesis)
        self.genesis = genesis
        self._archive_history()
        self._plot_farm()
        # Expiring sectors are replotted in the background at the current history size (spec 6.1,
        # protocol.md 3.4); until a replot switches, an expired sector is left out of auditing.
        self.replotter = Replotter(self.backend, self.keypair.public_key, cfg.farm, self.sectors.values(),
                                   self._piece, self._segment_commitment, self.history_size,
                                   on_replotted=self._on_replotted).start()
        self.replotter.update(self.history_size)
        self.piece_getter = PieceGetter(self.cache, None, self.kzg, self._segment_commitment)
        if cfg.listen_port is not None:
            self.network = Network(self.peer_id, genesis.hash(), _DsnAdapter(self), listen_port=cfg.listen_port,
                                   bootstrap=cfg.bootstrap)
            self.listen_port = self.network.start()
            self.piece_getter.network = self.network
            self._emit("status", f"DSN on 127.0.0.1:{self.listen_port}, peer id {self.peer_id.hex()[:16]}..., "
                       f"bootstrap {cfg.bootstrap or 'none'}", port=self.listen_port)
        self.rpc = RpcServer(self.db, farmer_status=self.farmer_status)
        self.rpc_port = self.rpc.start(cfg.rpc_port)
        self._emit("status", f"RPC on http://127.0.0.1:{self.rpc_port} (GET /head)", port=self.rpc_port)

    def _archive_history(self) -> None:
        """Re-derive the archived history: dev genesis segment, then every confirmed block of the best chain."""
        self._emit("status", "archiving the genesis segment")
        self.pieces: dict[int, bytes] = {}
        stored = {h.segment_index for h in self.db.segment_headers()}
        self.archiver, segments = _genesis_history(self.kzg, self.backend)
        new = []
        for segment in segments:
            new.append(segment.header)
            base = segment.header.segment_index * len(segment.pieces)
            self._add_pieces(base, segment.pieces)
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
            self._add_pieces(base, segment.pieces)
            self._emit("segment", f"archived segment {segment.header.segment_index}",
                       segment_index=segment.header.segment_index)
        return headers

    def _add_pieces(self, base: int, pieces) -> None:
        """Archived pieces: kept as the node's history, offered to the DSN piece cache."""
        for i, piece in enumerate(pieces):
            self.pieces[base + i] = piece
            self.cache.offer(base + i, piece)

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

    def _on_replotted(self, sector: PlottedSector) -> None:
        with self._lock:
            self.sectors[sector.sector_index] = sector
        self._emit("replotted", f"replotted sector {sector.sector_index} at history size {sector.history_size}",
                   sector_index=sector.sector_index, history_size=sector.history_size)

    def farmed_sectors(self) -> list[PlottedSector]:
        """The sectors audited now: every sector but the expired ones (their solutions would be rejected,
        spec 10 step 6c) while they wait for their replot."""
        last_segment = self.history_size - 1
        sectors = list(self.sectors.values())
        if len(self._expires_at) > 2 * len(sectors) + 16:  # forget replotted sectors' entries
            live = {(s.sector_index, s.history_size, s.sector_id) for s in sectors}
            self._expires_at = {k: v for k, v in self._expires_at.items() if k in live}
        farmed = []
        for s in sectors:
            key = (s.sector_index, s.history_size, s.sector_id)
            expires_at = self._expires_at.get(key)
            if expires_at is None:  # computed once, when the sector's check segment is archived
                expires_at = sector_expiry(s, self._segment_commitment, self.history_size).expires_at
                if expires_at is not None:
                    self._expires_at[key] = expires_at
            if expires_at is None or expires_at > last_segment:  # sector_expiry's EXPIRED: expires_at <= last
                farmed.append(s)
        return farmed

    def farmer_status(self) -> dict:
        return {"public_key": "0x" + self.keypair.public_key.hex(), "backend": self.backend.name,
                "sectors": len(self.sectors), "pieces_per_sector": self.config.pieces_per_sector,
                "history_size": self.history_size, "solution_range": self.solution_range,
                "solution_range_adjustment": self.config.solution_range_adjustment,
                "era_duration": self.config.era_duration,
                "blocks_produced": self.produced, "slots_seen": self.slots_seen}

    # ------------------------------------------------------------------ block production
    def expected_solution_range(self, parent: Header) -> int:
        """The solution range a child of `parent` (a stored header) must carry: the initial range after
        genesis, then per era as `child_solution_range` derives it from the parent's chain. ValueError when
        an ancestor it needs is not stored."""
        cfg = self.config
        return child_solution_range(parent, self.db.header, initial=self.initial_solution_range,
                                    adjust_enabled=cfg.solution_range_adjustment,
                                    slot_probability=cfg.slot_probability, era_duration=cfg.era_duration)

    @property
    def solution_range(self) -> int:
        """The range the next block on the best chain is farmed with."""
        return self.expected_solution_range(self.db.header(self.db.head().hash))

    def _justification(self, parent: Header, header: Header) -> list[PotProof]:
        """The header's PoT checkpoints as slot proofs chained from the parent's future PoT (genesis: the
        genesis seed at slot 1); PotError (a ValueError) when they are not well formed."""
        iterations = self.config.slot_iterations
        if parent.pre_digest is None:
            first = PotNextSlotInput.genesis(genesis_seed(self.genesis.hash()), iterations)
        else:
            first = PotNextSlotInput.derive(iterations, parent.future_slot, parent.pre_digest.future_proof_of_time)
        inputs = chain_inputs(first, [c[-1] for c in header.pot_checkpoints])
        return [PotProof.for_input(i, c) for i, c in zip(inputs, header.pot_checkpoints)]

    def _pot_output(self, slot: int, parent: Header, proofs: list[PotProof]) -> bytes | None:
        """PoT output of `slot`: from this header's justification or an ancestor's."""
        for p in proofs:
            if p.slot == slot:
                return p.output
        h: Header | None = parent
        while h is not None and h.pre_digest is not None and h.future_slot >= slot:
            first = h.future_slot - len(h.pot_checkpoints) + 1
            if first <= slot:
                return h.pot_checkpoints[slot - first][-1]
            h = self.db.header(h.parent_hash)
        return None

    def _verify_pot_batch(self, proofs: list[PotProof]) -> bool:
        """Verify slot proofs not verified before, all in one `pot_verify_many` on the backend."""
        todo = [p for p in proofs if (p.seed, p.slot_iterations, p.checkpoints) not in self._pot_verified]
        if not todo:
            return True
        if not all(self.backend.pot_verify_many([(p.seed, p.slot_iterations, list(p.checkpoints)) for p in todo])):
            return False
        if len(self._pot_verified) > 100_000:
            self._pot_verified.clear()
        self._pot_verified.update((p.seed, p.slot_iterations, p.checkpoints) for p in todo)
        return True

    def _verify_pot(self, parent: Header, header: Header) -> bool:
        """The justification chains from the parent's future PoT and every slot verifies (one batched
        pot_verify_many), and the pre-digest's proof of time is its slot's output."""
        proofs = self._justification(parent, header)
        if self._pot_output(header.slot, parent, proofs) != header.pre_digest.proof_of_time:
            return False
        return self._verify_pot_batch(proofs)

    def _on_pot(self, proof: PotProof) -> None:
        """Timekeeper subscriber: keep the slot (justifications of our blocks) and queue it for farming.
        Slots at or before the best block's future slot (minus a margin for forks) are dropped."""
        self._pot_slots[proof.slot] = proof
        if len(self._pot_slots) > POT_SLOTS_KEPT:
            floor = self._pot_floor - POT_SLOTS_MARGIN
            for slot in [s for s in self._pot_slots if s <= floor]:
                del self._pot_slots[slot]
        self._slots.put(proof)

    def _on_slot(self, future: PotProof) -> None:
        """Farm one slot: audit under the node's lock, prove without it (proving takes seconds; blocks from
        peers keep importing meanwhile), then author on the best block as it is then (a block on a stale
        parent would only fork the chain) if the slot is still after it and its child's range is unchanged."""
        with self._lock:
            found = self._audit_slot(future)
        if found is None:
            return
        head, parent, slot, pot, solution_range, candidates = found
        solutions = prove(self.backend, self.kzg, self.sectors, candidates, self.keypair.public_key,
                          self.config.reward_address)
        if not solutions:
            return
        with self._lock:
            if self._stop.is_set():
                return
            if self.db.head().hash != head.hash:
                # A block arrived while proving: the solution (bound to the slot's challenge and the range
                # only) still claims the slot on the new best block if that is older and asks the same range.
                head = self.db.head()
                parent = self.db.header(head.hash)
                if (slot <= parent.slot or future.slot <= parent.future_slot
                        or self.expected_solution_range(parent) != solution_range):
                    self._emit("slot", f"slot {slot}: the best block moved past it while proving, solution "
                               "dropped", slot=slot, candidates=0)
                    return
            justification = [self._pot_slots.get(s) for s in range(parent.future_slot + 1, future.slot + 1)]
            if any(p is None for p in justification):
                return
            segment_headers = tuple(self._pending_segment_headers)
            extrinsics = (f"slot {slot}".encode(),)
            header = Header(head.hash, head.number + 1, parent.state_root, body_root(extrinsics, segment_headers),
                            PreDigest(slot, solutions[0], pot.output, future.output), solution_range,
                            tuple(tuple(p.checkpoints) for p in justification))
            block = Block(seal_header(header, self.keypair), extrinsics, segment_headers)
            self._import(block, parent, segment_headers)

    def _audit_slot(self, future: PotProof):
        """(head, parent header, slot, its PoT, solution range, audit candidates) when the farm may author a
        block for the slot whose future slot `future` proves, else None. Called under the node's lock."""
        self.slots_seen += 1
        slot = future.slot - BLOCK_AUTHORING_DELAY
        if slot < 1 or not self.authoring.is_set():
            return None
        head = self.db.head()
        parent = self.db.header(head.hash)
        if slot <= parent.slot or future.slot <= parent.future_slot:
            return None
        if self.network is not None and (self._sync_lock.locked() or
                                         any(p.best_number > head.number for p in self.network.peers())):
            return None  # major sync: a peer has a longer chain; author only once caught up
        pot = self._pot_slots.get(slot)
        if pot is None:
            return None
        challenge = global_challenge(pot.output, slot)
        solution_range = self.expected_solution_range(parent)
        candidates = audit_farm(self.backend, self.farmed_sectors(), challenge, solution_range)
        self._emit("slot", f"slot {slot}: {len(candidates)} audit candidates", slot=slot,
                   candidates=len(candidates))
        if not candidates:
            return None
        return head, parent, slot, pot, solution_range, candidates

    def _import(self, block: Block, parent: Header, expected_segment_headers, origin: Peer | None = None) -> bool:
        """Check and store a block (ours when `origin` is None, else a peer's); False if rejected."""
        piece_check = PieceCheckParams(self.history_size, self._segment_commitment)
        verifier = functools.partial(_verify_with, kzg=self.kzg, piece_check=piece_check)
        try:
            check_block(block, parent, expected_solution_range=self.expected_solution_range(parent),
                        verify_solution=verifier,
                        verify_pot=self._verify_pot, expected_segment_headers=expected_segment_headers,
                        archived_block_number=None if origin is None else self._archived_through)
            if origin is not None:
                for sh in block.segment_headers:
                    if self.db.segment_header(sh.segment_index) != sh:
                        raise InvalidSegmentHeaders(f"block #{block.number}: segment header "
                                                    f"{sh.segment_index} is not the one this node archived")
            proofs = self._justification(parent, block.header)
        except ValueError as e:  # a rejected block is reported, never stored
            source = "" if origin is None else f" from peer {origin.short()}"
            self._emit("rejected", f"block #{block.number}{source} rejected: {type(e).__name__}: {e}")
            if origin is not None and self.network is not None and not isinstance(e, BelowArchivingPoint):
                self.network.penalize(origin, BAD_DATA_PENALTY, f"block #{block.number}: {type(e).__name__}")
            return False
        result = self.db.import_block(block)
        if result.already_known:
            return False
        if result.is_best:
            self._pot_floor = block.header.future_slot
            self.db.put_meta(POT_META_KEY, proofs[-1].encode())  # where a restarted node resumes its PoT chain
        if origin is not None:
            self._advance_pot(proofs)
        self._pending_segment_headers = [h for h in self._pending_segment_headers
                                         if h not in block.segment_headers]
        if origin is None:
            self.produced += 1
        else:
            self.imported += 1
        who = "produced" if origin is None else f"imported from {origin.short()}"
        self._emit("block", f"block #{block.number} 0x{result.hash.hex()[:16]}... slot {block.header.slot} "
                   f"piece offset {block.header.solution.piece_offset} ({who}{', best' if result.is_best else ''})",
                   number=block.number, hash=result.hash.hex(), slot=block.header.slot, origin=who,
                   best=result.is_best)
        self._archive_confirmed()
        if self.network is not None:
            self.network.announce(block.encode(), exclude=origin)
        return True

    def _advance_pot(self, proofs: list[PotProof]) -> None:
        """Fast-forward the timekeeper through verified slots it has not proved yet (PoT is deterministic:
        the slots are the ones it would compute)."""
        state = self.timekeeper.state
        for proof in proofs:
            expected = state.next_input
            if expected.slot == proof.slot:
                state.try_extend(expected, proof)

    # ------------------------------------------------------------------ blocks from peers
    def import_block_from_peer(self, peer: Peer, data: bytes) -> str:
        """An announced block: imported if its parent is known, else a sync from the peer. Returns what
        happened ("imported", "known", "rejected", "synced", "malformed")."""
        try:
            block = Block.decode(data)
        except Exception as e:  # noqa: BLE001 - any decoding failure is the peer's malformed bytes
            if self.network is not None:
                self.network.penalize(peer, MALFORMED_PENALTY, f"undecodable block: {type(e).__name__}: {e}")
            return "malformed"
        with self._lock:
            if self._stop.is_set():
                return "stopped"
            if self.db.has_block(block.hash()):
                return "known"
            parent = self.db.header(block.header.parent_hash)
            if parent is not None:
                if not self._import(block, parent, None, origin=peer):
                    return "rejected"
                peer.best_number = max(peer.best_number, block.number)
                return "imported"
        self.sync_from(peer)
        return "synced"

    def sync_from(self, peer: Peer) -> int:
        """Download and import the peer's best chain past our head (GET_BLOCKS batches, PoT of each batch
        verified in one pot_verify_many). Returns the number of blocks imported."""
        imported = 0
        with self._sync_lock:
            first = self.db.head().number + 1
            while not self._stop.is_set() and not peer.closed:
                try:
                    frame = self.network.request(peer, wire.GET_BLOCKS,
                                                 wire.encode_get_blocks(first, wire.MAX_BLOCKS_PER_REQUEST))
                    encoded = wire.decode_blocks(frame.body)
                    blocks = [Block.decode(b) for b in encoded]
                except PeerError as e:
                    log.info("sync from %s: %s", peer.short(), e)
                    break
                except Exception as e:  # noqa: BLE001 - malformed bytes from the peer
                    self.network.penalize(peer, MALFORMED_PENALTY, f"undecodable BLOCKS: {type(e).__name__}: {e}")
                    break
                if not blocks:
                    break
                if any(b.number != first + i for i, b in enumerate(blocks)):
                    self.network.penalize(peer, BAD_DATA_PENALTY, "BLOCKS out of order")
                    break
                if not self.db.has_block(blocks[0].header.parent_hash):
                    if first <= 1:
                        self.network.penalize(peer, BAD_DATA_PENALTY, "BLOCKS do not chain to our genesis")
                        break
                    first = max(1, first - wire.MAX_BLOCKS_PER_REQUEST)  # a fork: look for the common ancestor
                    continue
                n, ok = self.import_batch(blocks, peer)
                imported += n
                if not ok:
                    break
                peer.best_number = max(peer.best_number, blocks[-1].number)
                first = blocks[-1].number + 1
        # What the peer has beyond our head is known again from its next announcement (a failed sync must
        # not keep this node from authoring for good).
        peer.best_number = min(peer.best_number, self.db.head().number)
        if imported:
            self._emit("status", f"synced {imported} block(s) from {peer.short()}, head "
                       f"#{self.db.head().number}", imported=imported)
        return imported

    def import_batch(self, blocks: list[Block], peer: Peer) -> tuple[int, bool]:
        """Import consecutive blocks (the first one's parent stored): the PoT of every new block in one
        batched verification, then each through `check_block`. Returns (imported, all accepted)."""
        with self._lock:
            if self._stop.is_set():
                return 0, False
            fresh, parents, parent = [], [], None
            for b in blocks:
                if self.db.has_block(b.hash()):
                    parent = b.header
                    continue
                parent = parent if parent is not None and parent.hash() == b.header.parent_hash \
                    else self.db.header(b.header.parent_hash)
                if parent is None:
                    break
                fresh.append(b)
                parents.append(parent)
                parent = b.header
            try:
                proofs = [p for b, par in zip(fresh, parents) for p in self._justification(par, b.header)]
                self._verify_pot_batch(proofs)  # failures are found again (and reported) block by block
            except ValueError:
                pass
            count = 0
            for b, par in zip(fresh, parents):
                if not self._import(b, par, None, origin=peer):
                    return count, False
                count += 1
            return count, True

    def get_piece(self, index: int, sources: tuple[str, ...] | None = None) -> Retrieved:
        """Piece `index` from the local cache, peers' caches, peers' plots or archival history (in that
        order, restricted to `sources`), validated against its segment commitment."""
        return self.piece_getter.get(index) if sources is None else self.piece_getter.get(index, sources)

    def serve_piece(self, index: int, source: int) -> bytes | None:
        """A peer's GET_PIECE: from the cache, a plot (read back from the farm) or the archived history."""
        if source == wire.SOURCE_CACHE:
            return self.cache.get(index)
        if source == wire.SOURCE_ARCHIVAL:
            return self.pieces.get(index)
        for sector in list(self.sectors.values()):
            indexes = list(sector.piece_indexes)
            if index in indexes:
                return read_piece(self.backend, sector, indexes.index(index))
        return None

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
                self.replotter.update(self.history_size)

    # ------------------------------------------------------------------ lifecycle
    def run(self) -> int:
        """Set up, then produce blocks until stopped; returns the number of blocks produced."""
        self.prepare()
        self.timekeeper.subscribe(self._on_pot)
        self.timekeeper.start(self.config.max_slots)
        self.ready.set()
        try:
            while not self._stop.is_set():
                if self.config.max_blocks is not None and self.produced >= self.config.max_blocks:
                    break
                proof = None
                try:
                    proof = self._slots.get(timeout=0.2)
                    while True:  # farm the newest slot only: older ones are past (a busy node skips them)
                        newer = self._slots.get_nowait()
                        self.slots_seen += 1
                        proof = newer
                except queue.Empty:
                    if proof is None:
                        if self.config.max_slots is not None and self.slots_seen >= self.config.max_slots:
                            break
                        continue
                self._on_slot(proof)
        finally:
            self.shutdown()
        return self.produced

    def prepare(self) -> None:
        """Everything `run` does before producing: history, farm, RPC, DSN, and the timekeeper (not
        started). Embedders that only import blocks (e.g. the sync benchmark) call this, then `shutdown`."""
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

    def stop(self) -> None:
        self._stop.set()

    def shutdown(self) -> None:
        self._stop.set()
        replotter = getattr(self, "replotter", None)
        if replotter is not None:
            replotter.stop(timeout=60)  # a replot in progress finishes (write, fsync, rename)
        if self.network is not None:
            self.network.stop()
        tk = getattr(self, "timekeeper", None)
        if tk is not None:
            tk.stop()
        rpc = getattr(self, "rpc", None)
        if rpc is not None:
            rpc.stop()
        db = getattr(self, "db", None)
        if db is not None:
            with self._lock:  # after an import in progress in a network thread
                db.close()


def _verify_with(solution, slot, proof_of_time, solution_range, *, kzg, piece_check) -> None:
    verify_solution(solution, slot, proof_of_time, solution_range, kzg, piece_check)


class _DsnAdapter:
    """The node as the network's `DsnHandler`."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def status(self) -> tuple[int, bytes]:
        head = self.node.db.head()
        return head.number, head.hash

    def get_blocks(self, first: int, count: int) -> list[bytes]:
        out, size = [], 64
        for number in range(first, first + count):
            block = self.node.db.block_by_number(number)
            if block is None:
                break
            data = block.encode()
            size += len(data) + 4
            if out and size > wire.MAX_FRAME_SIZE:  # the rest in the next request
                break
            out.append(data)
        return out

    def get_piece(self, index: int, source: int) -> bytes | None:
        return self.node.serve_piece(index, source)

    def on_announce(self, peer: Peer, block: bytes) -> None:
        self.node.ready.wait()  # the timekeeper exists from then on
        self.node.import_block_from_peer(peer, block)

    def on_peer(self, peer: Peer) -> None:
        self.node.ready.wait()
        if peer.best_number > self.node.db.head().number:
            self.node.sync_from(peer)


_GENESIS_HISTORY: dict[int, tuple[object, object, list]] = {}
_GENESIS_LOCK = threading.Lock()


def _genesis_history(kzg, backend):
    """`archive_dev_genesis`, archived once per KZG parameters in a process (it is deterministic): nodes
    sharing a process (tests, benchmarks) get their own archiver copy and the same immutable pieces."""
    with _GENESIS_LOCK:
        key = id(kzg.parameters)
        cached = _GENESIS_HISTORY.get(key)
        if cached is None or cached[0] is not kzg.parameters:
            archiver, segments = archive_dev_genesis(kzg, backend)
            cached = _GENESIS_HISTORY[key] = (kzg.parameters, archiver, segments)
        _, archiver, segments = cached
        fresh = copy.copy(archiver)
        fresh.kzg, fresh.backend = kzg, backend
        # The archiver's only mutable state is its framer's buffer (a deque of immutable items).
        fresh._framer = copy.copy(archiver._framer)  # noqa: SLF001
        fresh._framer.buffer = collections.deque(archiver._framer.buffer)  # noqa: SLF001
        return fresh, list(segments)
