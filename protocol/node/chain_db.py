"""The node's chain database: blocks, the best chain, segment headers (ARCHITECTURE "node: chain DB").

Embedded SQLite in WAL mode with `synchronous=FULL`: every `import_block` / `set_head` / `put_segment_headers`
call is one transaction, and once it returns the data is on disk — a process killed at any instant (kill -9,
power loss) reopens with every returned-from write present and the head it had set (tested with SIGKILL in
tests/protocol/node/test_chain_db.py). Why SQLite and not a key-value library: it is in the standard library,
gives atomic multi-table transactions (block + head + best-chain index move together on a reorg), and lets
other processes read a live database.

Tables: `blocks(hash, number, parent_hash, header, body, weight)` — every imported block, SCALE-encoded
(`Header.encode()`, `Block.encode_body()`), with its cumulative fork-choice weight as a decimal string (it
outgrows 64 bits after two blocks); `canonical(number, hash)` — the best chain, genesis to head;
`segment_headers(segment_index, header)`; `meta(key, value)` — genesis, head, schema version, and free
entries for the node (`put_meta` / `get_meta`, e.g. archiver state).

Fork choice lives here because the head must move in the same transaction as the block: `import_block`
computes `cumulative = parent's + (U64_MAX - solution_range)` and makes the block the head iff it is strictly
heavier than the current head (protocol.md 3.2: ties keep the first seen), rewriting the best-chain index
back to the common ancestor. Consensus checks (`protocol.consensus.check_block`) are the caller's, before import.

Usage:

    db = ChainDb(path, genesis=genesis_block(INITIAL_SOLUTION_RANGE))   # creates, or reopens and checks genesis
    result = db.import_block(block)         # ImportResult(hash, number, cumulative_weight, is_best)
    db.head()                               # ChainHead(number, hash, cumulative_weight)
    db.block_by_number(5); db.block(hash); db.header(hash); db.hash_by_number(5)
    db.put_segment_headers([...]); db.segment_headers(start=0, count=10); db.last_segment_header()
    db.close()                              # or use as a context manager

Thread-safe: one connection guarded by a lock, so the RPC thread may read while the node imports.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from protocol.archiving.segment import SegmentHeader
from protocol.consensus.block import Block, Header
from protocol.consensus.fork_choice import GENESIS_CUMULATIVE_WEIGHT, block_weight, is_heavier

SCHEMA_VERSION = 1
_I64_MAX = 2**63 - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS blocks (
    hash BLOB PRIMARY KEY, number INTEGER NOT NULL, parent_hash BLOB NOT NULL,
    header BLOB NOT NULL, body BLOB NOT NULL, weight TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_by_number ON blocks(number);
CREATE TABLE IF NOT EXISTS canonical (number INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS segment_headers (segment_index INTEGER PRIMARY KEY, header BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


class ChainDbError(ValueError):
    """A write the database refuses (unknown parent, different genesis, conflicting segment header...)."""


class GenesisMismatch(ChainDbError):
    """The database holds a chain with another genesis block."""


class UnknownBlock(ChainDbError):
    """A block (or parent) hash the database does not hold."""


class SegmentHeaderConflict(ChainDbError):
    """A segment header differs from the one already stored at that index."""


@dataclass(frozen=True)
class ChainHead:
    number: int
    hash: bytes
    cumulative_weight: int


@dataclass(frozen=True)
class ImportResult:
    hash: bytes
    number: int
    cumulative_weight: int
    is_best: bool  # the block is now the head
    already_known: bool = False


class ChainDb:
    """Blocks, best chain and segment headers in one SQLite file (module docstring)."""

    def __init__(self, path: str | os.PathLike[str], genesis: Block | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            with self._transaction():
                for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    self._conn.execute(statement)
                version = self._meta("schema_version")
                if version is None:
                    self._set_meta("schema_version", str(SCHEMA_VERSION).encode())
                elif int(version) != SCHEMA_VERSION:
                    raise ChainDbError(f"{self.path}: schema version {int(version)}, this node reads {SCHEMA_VERSION}")
                stored_genesis = self._meta("genesis")
                if stored_genesis is None:
                    if genesis is not None:
                        self._insert_genesis(genesis)
                elif genesis is not None and genesis.hash() != stored_genesis:
                    raise GenesisMismatch(f"{self.path} holds genesis 0x{stored_genesis.hex()}, "
                                          f"not 0x{genesis.hash().hex()}")
        except BaseException:
            self._conn.close()
            raise

    # --- plumbing --------------------------------------------------------------------------------------
    def _transaction(self) -> _Transaction:
        return _Transaction(self)

    def _meta(self, key: str) -> bytes | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def _set_meta(self, key: str, value: bytes) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _insert_genesis(self, genesis: Block) -> None:
        if genesis.number != 0:
            raise ChainDbError(f"genesis must be block #0, got #{genesis.number}")
        h = genesis.hash()
        self._conn.execute("INSERT INTO blocks VALUES (?, 0, ?, ?, ?, ?)",
                           (h, genesis.header.parent_hash, genesis.header.encode(), genesis.encode_body(),
                            str(GENESIS_CUMULATIVE_WEIGHT)))
        self._conn.execute("INSERT INTO canonical VALUES (0, ?)", (h,))
        self._set_meta("genesis", h)
        self._set_meta("head", h)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ChainDb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads -------------------------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        """True until a genesis block is stored."""
        with self._lock:
            return self._meta("genesis") is None

    def genesis_hash(self) -> bytes | None:
        with self._lock:
            return self._meta("genesis")

    def head(self) -> ChainHead:
        """The best block; ChainDbError on an empty database."""
        with self._lock:
            h = self._meta("head")
            if h is None:
                raise ChainDbError(f"{self.path} holds no chain yet (open it with a genesis block)")
            number, weight = self._conn.execute("SELECT number, weight FROM blocks WHERE hash = ?", (h,)).fetchone()
            return ChainHead(number, h, int(weight))

    def has_block(self, block_hash: bytes) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM blocks WHERE hash = ?", (bytes(block_hash),)).fetchone()
        return row is not None

    def header(self, block_hash: bytes) -> Header | None:
        with self._lock:
            row = self._conn.execute("SELECT header FROM blocks WHERE hash = ?", (bytes(block_hash),)).fetchone()
        return None if row is None else Header.decode(bytes(row[0]))

    def block(self, block_hash: bytes) -> Block | None:
        with self._lock:
            row = self._conn.execute("SELECT header, body FROM blocks WHERE hash = ?",
                                     (bytes(block_hash),)).fetchone()
        if row is None:
            return None
        extrinsics, segment_headers, _ = Block.decode_body(bytes(row[1]))
        return Block(Header.decode(bytes(row[0])), extrinsics, segment_headers)

    def cumulative_weight(self, block_hash: bytes) -> int | None:
        with self._lock:
            row = self._conn.execute("SELECT weight FROM blocks WHERE hash = ?", (bytes(block_hash),)).fetchone()
        return None if row is None else int(row[0])

    def hash_by_number(self, number: int) -> bytes | None:
        """Hash of the best chain's block at `number` (None above the head or for a negative number)."""
        if not 0 <= number <= _I64_MAX:
            return None
        with self._lock:
            row = self._conn.execute("SELECT hash FROM canonical WHERE number = ?", (number,)).fetchone()
        return None if row is None else bytes(row[0])

    def block_by_number(self, number: int) -> Block | None:
        with self._lock:
            h = self.hash_by_number(number)
            return None if h is None else self.block(h)

    def header_by_number(self, number: int) -> Header | None:
        with self._lock:
            h = self.hash_by_number(number)
            return None if h is None else self.header(h)

    def block_count(self) -> int:
        """Blocks stored, forks included."""
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM blocks").fetchone()[0]

    # --- writes ------------------------------------------------------------------------------------------
    def import_block(self, block: Block) -> ImportResult:
        """Store `block` (its parent must be stored) and move the head to it if it is strictly heavier.
        Importing a block already stored changes nothing (`already_known=True`)."""
        h = block.hash()
        with self._lock, self._transaction():
            row = self._conn.execute("SELECT number, weight FROM blocks WHERE hash = ?", (h,)).fetchone()
            if row is not None:
                head = self._meta("head")
                return ImportResult(h, row[0], int(row[1]), head == h, already_known=True)
            if self._meta("genesis") is None:
                raise ChainDbError(f"{self.path} holds no chain yet (open it with a genesis block)")
            parent = self._conn.execute("SELECT number, weight FROM blocks WHERE hash = ?",
                                        (block.header.parent_hash,)).fetchone()
            if parent is None:
                raise UnknownBlock(f"block #{block.number}: parent 0x{block.header.parent_hash.hex()} is not stored")
            if block.number != parent[0] + 1:
                raise ChainDbError(f"block #{block.number} on parent #{parent[0]}")
            weight = int(parent[1]) + block_weight(block.header.solution_range)
            self._conn.execute("INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?)",
                               (h, block.number, block.header.parent_hash, block.header.encode(),
                                block.encode_body(), str(weight)))
            head_weight = int(self._conn.execute("SELECT weight FROM blocks WHERE hash = ?",
                                                 (self._meta("head"),)).fetchone()[0])
            is_best = is_heavier(weight, head_weight)
            if is_best:
                self._move_head(h, block.number)
        return ImportResult(h, block.number, weight, is_best)

    def set_head(self, block_hash: bytes) -> None:
        """Make a stored block the head regardless of weight (e.g. an operator's choice, tests)."""
        block_hash = bytes(block_hash)
        with self._lock, self._transaction():
            row = self._conn.execute("SELECT number FROM blocks WHERE hash = ?", (block_hash,)).fetchone()
            if row is None:
                raise UnknownBlock(f"block 0x{block_hash.hex()} is not stored")
            self._move_head(block_hash, row[0])

    def _move_head(self, block_hash: bytes, number: int) -> None:
        """Point the best-chain index at `block_hash`'s ancestry (inside a transaction)."""
        self._conn.execute("DELETE FROM canonical WHERE number > ?", (number,))
        h, n = block_hash, number
        while n >= 0:
            row = self._conn.execute("SELECT hash FROM canonical WHERE number = ?", (n,)).fetchone()
            if row is not None and bytes(row[0]) == h:
                break  # common ancestor reached
            self._conn.execute("INSERT OR REPLACE INTO canonical VALUES (?, ?)", (n, h))
            h = bytes(self._conn.execute("SELECT parent_hash FROM blocks WHERE hash = ?", (h,)).fetchone()[0])
            n -= 1
        self._set_meta("head", block_hash)

    # --- segment headers ---------------------------------------------------------------------------------
    def put_segment_headers(self, headers: Iterable[SegmentHeader]) -> None:
        """Store segment headers (one transaction). Storing the same header again is a no-op; a different
        header at a stored index raises SegmentHeaderConflict and stores none of the batch."""
        headers = list(headers)
        with self._lock, self._transaction():
            for sh in headers:
                if not isinstance(sh, SegmentHeader):
                    raise ChainDbError(f"expected a SegmentHeader, got {type(sh).__name__}")
                if not 0 <= sh.segment_index <= _I64_MAX:
                    raise ChainDbError(f"segment index {sh.segment_index} does not fit the database")
                enc = sh.encode()
                row = self._conn.execute("SELECT header FROM segment_headers WHERE segment_index = ?",
                                         (sh.segment_index,)).fetchone()
                if row is None:
                    self._conn.execute("INSERT INTO segment_headers VALUES (?, ?)", (sh.segment_index, enc))
                elif bytes(row[0]) != enc:
                    raise SegmentHeaderConflict(f"segment {sh.segment_index} already has a different header")

    def segment_header(self, segment_index: int) -> SegmentHeader | None:
        if not 0 <= segment_index <= _I64_MAX:
            return None
        with self._lock:
            row = self._conn.execute("SELECT header FROM segment_headers WHERE segment_index = ?",
                                     (segment_index,)).fetchone()
        return None if row is None else SegmentHeader.decode(bytes(row[0]))

    def segment_headers(self, start: int = 0, count: int | None = None) -> list[SegmentHeader]:
        """Stored segment headers with index >= start, in index order, at most `count` of them."""
        if start < 0 or (count is not None and count < 0):
            raise ValueError("start and count must be non-negative")
        with self._lock:
            rows = self._conn.execute(
                "SELECT header FROM segment_headers WHERE segment_index >= ? ORDER BY segment_index LIMIT ?",
                (min(start, _I64_MAX), -1 if count is None else count)).fetchall()
        return [SegmentHeader.decode(bytes(r[0])) for r in rows]

    def last_segment_header(self) -> SegmentHeader | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT header FROM segment_headers ORDER BY segment_index DESC LIMIT 1").fetchone()
        return None if row is None else SegmentHeader.decode(bytes(row[0]))

    # --- free metadata -------------------------------------------------------------------------------------
    _RESERVED = frozenset({"schema_version", "genesis", "head"})

    def put_meta(self, key: str, value: bytes) -> None:
        """Durably store a node-defined value (keys "schema_version", "genesis", "head" are reserved)."""
        if key in self._RESERVED:
            raise ChainDbError(f"meta key {key!r} is reserved")
        with self._lock, self._transaction():
            self._set_meta(key, bytes(value))

    def get_meta(self, key: str) -> bytes | None:
        with self._lock:
            return self._meta(key)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception (the connection is in autocommit mode)."""

    def __init__(self, db: ChainDb) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db._lock.acquire()
        self._db._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._db._conn.execute("COMMIT")
            else:
                self._db._conn.execute("ROLLBACK")
        finally:
            self._db._lock.release()
