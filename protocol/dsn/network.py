"""Peers on loopback: connections, hello, requests, announcements, peer exchange, scoring (issue 12).

One asyncio event loop in a daemon thread owns every socket; the node talks to it from its own threads
(`request`, `announce`, `peers`), and the loop hands incoming requests and announcements to the node's
`DsnHandler` in a small thread pool, so that a slow handler (a block import, reading a piece from a plot)
never stalls reading from sockets. Wire format: protocol.dsn.wire.

Connection life: the dialer sends HELLO (genesis hash, peer id, listen port, best block), the listener
answers STATUS; a different genesis, our own peer id or a banned peer ends it. A second connection to a
peer already connected keeps the one dialed by the smaller peer id (both ends decide alike). Then the
dialer asks GET_PEERS and dials every peer it did not know (so nodes bootstrapped from one peer find the
others), and every few seconds the bootstrap list is re-dialed (a restarted peer is found again).

Scoring: each peer starts at 0; `penalize` subtracts (malformed bytes: MALFORMED_PENALTY, which
disconnects at once; an invalid block or piece: BAD_DATA_PENALTY); at BAN_SCORE or below the peer is
disconnected and banned for BAN_SECONDS (the network's first temporary ban backoff is 5 s). Every penalty is
logged with its reason; the node keeps running.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from protocol.dsn import wire
from protocol.dsn.wire import Frame, Hello, MalformedMessage

log = logging.getLogger("autonomys.dsn")

MALFORMED_PENALTY = 100
BAD_DATA_PENALTY = 50
BAN_SCORE = -100
BAN_SECONDS = 5.0
HANDSHAKE_TIMEOUT = 10.0
REQUEST_TIMEOUT = 30.0
MAINTENANCE_INTERVAL = 2.0
HANDLER_THREADS = 8


class DsnHandler(Protocol):
    """What the node provides to the network (called from the network's worker threads)."""

    def status(self) -> tuple[int, bytes]: ...  # best block number and hash

    def get_blocks(self, first: int, count: int) -> list[bytes]: ...  # encoded best-chain blocks

    def get_piece(self, index: int, source: int) -> bytes | None: ...

    def on_announce(self, peer: "Peer", block: bytes) -> None: ...

    def on_peer(self, peer: "Peer") -> None: ...  # a peer connected (its best block is in peer.best_*)


class PeerError(RuntimeError):
    """A request that got no usable answer (peer gone, timeout, ERROR response)."""


@dataclass(eq=False)
class Peer:
    peer_id: bytes
    host: str
    listen_port: int
    dialer: bytes  # peer id of the side that opened the connection
    best_number: int = 0
    best_hash: bytes = bytes(32)
    score: int = 0
    writer: asyncio.StreamWriter | None = field(default=None, repr=False)
    pending: dict = field(default_factory=dict, repr=False)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    announces: asyncio.Queue = field(default_factory=asyncio.Queue, repr=False)
    closed: bool = False

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.listen_port

    def short(self) -> str:
        return self.peer_id.hex()[:12]


class Network:
    """A node's DSN endpoint (module docstring). `start()` returns the listening port."""

    def __init__(self, peer_id: bytes, genesis_hash: bytes, handler: DsnHandler, *, host: str = "127.0.0.1",
                 listen_port: int = 0, bootstrap: list[str] | tuple[str, ...] = (),
                 request_timeout: float = REQUEST_TIMEOUT) -> None:
        self.peer_id = bytes(peer_id)
        self.genesis_hash = bytes(genesis_hash)
        self.handler = handler
        self.host = host
        self.listen_port = listen_port
        self.bootstrap = [parse_address(a) for a in bootstrap]
        self.request_timeout = request_timeout
        self._peers: dict[bytes, Peer] = {}
        self._banned: dict[bytes, float] = {}
        self._known: set[tuple[str, int]] = set(self.bootstrap)
        self._dialing: set[tuple[str, int]] = set()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="dsn-handler")
        self._started = threading.Event()
        self._stopping = False
        self.penalties: list[tuple[bytes, int, str]] = []  # (peer id, amount, reason), for tests and status

    # ------------------------------------------------------------------ lifecycle (any thread)
    def start(self) -> int:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="dsn-loop", daemon=True)
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.listen_port = fut.result(30)
        return self.listen_port

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._on_inbound, self.host, self.listen_port, limit=2**16)
        port = self._server.sockets[0].getsockname()[1]
        self.listen_port = port
        self._maintenance = asyncio.get_running_loop().create_task(self._maintain())
        return port

    def stop(self) -> None:
        if self._loop is None:
            return
        self._stopping = True
        try:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        except Exception:  # noqa: BLE001 - stopping is best effort
            log.exception("dsn: stop")
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._loop = None

    async def _stop(self) -> None:
        self._maintenance.cancel()
        if self._server is not None:
            self._server.close()
        for peer in list(self._peers.values()):
            await self._close(peer)
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ public API (node threads)
    def peers(self) -> list[Peer]:
        return [p for p in list(self._peers.values()) if not p.closed]

    def peer(self, peer_id: bytes) -> Peer | None:
        return self._peers.get(peer_id)

    def request(self, peer: Peer, kind: int, body: bytes, timeout: float | None = None) -> Frame:
        """Send a request and wait for its response frame (PeerError on ERROR, timeout or disconnect).
        Call from a thread other than the network loop (e.g. the node or a handler thread)."""
        timeout = self.request_timeout if timeout is None else timeout
        if self._loop is None:
            raise PeerError("network is not running")
        fut = asyncio.run_coroutine_threadsafe(self._request(peer, kind, body, timeout), self._loop)
        try:
            return fut.result(timeout + 5)
        except concurrent.futures.TimeoutError as e:
            fut.cancel()
            raise PeerError(f"peer {peer.short()}: no answer in {timeout} s") from e

    def announce(self, block: bytes, exclude: Peer | None = None) -> None:
        """Send a block announcement to every connected peer (but `exclude`)."""
        if self._loop is None:
            return
        for peer in self.peers():
            if peer is not exclude:
                asyncio.run_coroutine_threadsafe(self._send_quiet(peer, Frame(wire.ANNOUNCE, 0, block)), self._loop)

    def penalize(self, peer: Peer, amount: int, reason: str) -> None:
        """Score a peer down (thread-safe); at BAN_SCORE it is disconnected and banned for BAN_SECONDS."""
        peer.score -= amount
        self.penalties.append((peer.peer_id, amount, reason))
        log.warning("dsn: peer %s scored down by %d to %d: %s", peer.short(), amount, peer.score, reason)
        if peer.score <= BAN_SCORE:
            self._banned[peer.peer_id] = time.monotonic() + BAN_SECONDS
            log.warning("dsn: peer %s disconnected and banned for %.0f s", peer.short(), BAN_SECONDS)
            if self._loop is not None:
                asyncio.run_coroutine_threadsafe(self._close(peer), self._loop)

    def dial(self, address: str) -> None:
        """Connect to host:port (in the background)."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._dial(parse_address(address)), self._loop)

    # ------------------------------------------------------------------ loop side
    def _hello(self) -> Hello:
        number, best = self.handler.status()
        return Hello(self.genesis_hash, self.peer_id, self.listen_port, number, best)

    async def _maintain(self) -> None:
        while True:
            connected = {p.address for p in self.peers()}
            for address in list(self._known):
                if address not in connected and address != (self.host, self.listen_port):
                    asyncio.get_running_loop().create_task(self._dial(address))
            await asyncio.sleep(MAINTENANCE_INTERVAL)

    async def _dial(self, address: tuple[str, int]) -> None:
        if address in self._dialing or self._stopping:
            return
        if any(p.address == address for p in self.peers()):
            return
        self._dialing.add(address)
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*address, limit=2**16), 5)
        except (OSError, asyncio.TimeoutError):
            self._dialing.discard(address)
            return
        try:
            await self._connection(reader, writer, outbound=True, address=address)
        finally:
            self._dialing.discard(address)

    async def _on_inbound(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._connection(reader, writer, outbound=False, address=None)

    async def _read_frame(self, reader: asyncio.StreamReader) -> Frame:
        prefix = await reader.readexactly(wire.LENGTH_SIZE)
        (length,) = struct.unpack("<I", prefix)
        wire.check_length(length)
        return wire.decode_frame(await reader.readexactly(length))

    async def _handshake(self, reader, writer, outbound: bool) -> Hello:
        if outbound:
            writer.write(Frame(wire.HELLO, 1, (await self._in_pool(self._hello)).encode()).encode())
            await writer.drain()
            frame = await self._read_frame(reader)
            if frame.kind != wire.STATUS or frame.request_id != 1:
                raise MalformedMessage(f"expected STATUS, got kind 0x{frame.kind:02x}")
            return Hello.decode(frame.body)
        frame = await self._read_frame(reader)
        if frame.kind != wire.HELLO:
            raise MalformedMessage(f"expected HELLO, got kind 0x{frame.kind:02x}")
        hello = Hello.decode(frame.body)
        writer.write(Frame(wire.STATUS, frame.request_id, (await self._in_pool(self._hello)).encode()).encode())
        await writer.drain()
        return hello

    async def _connection(self, reader, writer, outbound: bool, address) -> None:
        remote_host = writer.get_extra_info("peername")[0] if writer.get_extra_info("peername") else self.host
        try:
            hello = await asyncio.wait_for(self._handshake(reader, writer, outbound), HANDSHAKE_TIMEOUT)
        except (MalformedMessage, asyncio.IncompleteReadError, asyncio.TimeoutError, OSError) as e:
            log.warning("dsn: handshake with %s failed: %s", address or remote_host, e)
            writer.close()
            return
        reason = None
        if hello.genesis_hash != self.genesis_hash:
            reason = "different genesis"
        elif hello.peer_id == self.peer_id:
            reason = "ourselves"
        elif self._banned.get(hello.peer_id, 0) > time.monotonic():
            reason = "banned"
        if reason:
            log.info("dsn: dropping connection to %s: %s", hello.peer_id.hex()[:12], reason)
            writer.close()
            return
        peer = Peer(hello.peer_id, remote_host, hello.listen_port,
                    self.peer_id if outbound else hello.peer_id, hello.best_number, hello.best_hash, writer=writer)
        existing = self._peers.get(peer.peer_id)
        if existing is not None and not existing.closed:
            if existing.dialer <= peer.dialer:  # keep the connection dialed by the smaller peer id
                writer.close()
                return
            await self._close(existing)
        self._peers[peer.peer_id] = peer
        self._known.add(peer.address)
        log.info("dsn: connected to %s at %s:%d (best #%d)", peer.short(), peer.host, peer.listen_port,
                 peer.best_number)
        loop = asyncio.get_running_loop()
        announcer = loop.create_task(self._announce_worker(peer))
        loop.run_in_executor(self._pool, self._safe, self.handler.on_peer, peer)
        if outbound:
            loop.create_task(self._exchange_peers(peer))
        try:
            await self._read_loop(peer, reader)
        finally:
            announcer.cancel()
            await self._close(peer)

    async def _read_loop(self, peer: Peer, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        while not peer.closed:
            try:
                frame = await self._read_frame(reader)
            except MalformedMessage as e:
                self.penalize(peer, MALFORMED_PENALTY, f"malformed frame: {e}")
                return
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                return
            if frame.kind & wire.RESPONSE:  # STATUS/BLOCKS/PIECE/PEERS/ERROR answer a request of ours
                fut = peer.pending.pop(frame.request_id, None)
                if fut is not None and not fut.done():
                    fut.set_result(frame)
            elif frame.kind == wire.ANNOUNCE:
                peer.announces.put_nowait(frame.body)
            else:
                loop.create_task(self._serve(peer, frame))

    async def _announce_worker(self, peer: Peer) -> None:
        """Announcements from one peer, handled in order, one at a time."""
        while True:
            body = await peer.announces.get()
            await self._in_pool(self._safe, self.handler.on_announce, peer, body)

    async def _serve(self, peer: Peer, frame: Frame) -> None:
        try:
            if frame.kind == wire.HELLO:
                body = (await self._in_pool(self._hello)).encode()
            elif frame.kind == wire.GET_BLOCKS:
                first, count = wire.decode_get_blocks(frame.body)
                body = wire.encode_blocks(await self._in_pool(self.handler.get_blocks, first, count))
            elif frame.kind == wire.GET_PIECE:
                index, source = wire.decode_get_piece(frame.body)
                body = wire.encode_piece(await self._in_pool(self.handler.get_piece, index, source))
            elif frame.kind == wire.GET_PEERS:
                body = wire.encode_peers([(p.peer_id, p.host, p.listen_port) for p in self.peers()
                                          if p is not peer])
            else:  # pragma: no cover - decode_frame admits only known kinds
                raise MalformedMessage(f"kind 0x{frame.kind:02x} is not a request")
            reply = Frame(frame.kind | wire.RESPONSE, frame.request_id, body)
        except MalformedMessage as e:
            self.penalize(peer, MALFORMED_PENALTY, f"malformed request: {e}")
            return
        except Exception as e:  # noqa: BLE001 - our failure to serve is the peer's ERROR, not our crash
            log.exception("dsn: serving 0x%02x to %s", frame.kind, peer.short())
            reply = Frame(wire.ERROR, frame.request_id, f"{type(e).__name__}: {e}".encode()[:1000])
        await self._send_quiet(peer, reply)

    async def _exchange_peers(self, peer: Peer) -> None:
        try:
            frame = await self._request(peer, wire.GET_PEERS, b"", self.request_timeout)
            entries = wire.decode_peers(frame.body)
        except MalformedMessage as e:
            self.penalize(peer, MALFORMED_PENALTY, f"malformed PEERS: {e}")
            return
        except PeerError:
            return
        for peer_id, host, port in entries:
            if peer_id != self.peer_id and peer_id not in self._peers:
                self._known.add((host, port))
                asyncio.get_running_loop().create_task(self._dial((host, port)))

    async def _request(self, peer: Peer, kind: int, body: bytes, timeout: float) -> Frame:
        if peer.closed:
            raise PeerError(f"peer {peer.short()} is disconnected")
        request_id = next(self._ids) & 0xFFFFFFFF or next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        peer.pending[request_id] = fut
        try:
            await self._send(peer, Frame(kind, request_id, body))
            frame = await asyncio.wait_for(fut, timeout)
        except (asyncio.TimeoutError, ConnectionError, OSError) as e:
            raise PeerError(f"peer {peer.short()}: {type(e).__name__} {e}") from e
        finally:
            peer.pending.pop(request_id, None)
        if frame.kind == wire.ERROR:
            raise PeerError(f"peer {peer.short()}: {frame.body.decode('utf-8', 'replace')}")
        if frame.kind != kind | wire.RESPONSE:
            self.penalize(peer, MALFORMED_PENALTY, f"answered 0x{kind:02x} with 0x{frame.kind:02x}")
            raise PeerError(f"peer {peer.short()}: wrong response kind")
        return frame

    async def _send(self, peer: Peer, frame: Frame) -> None:
        if peer.closed or peer.writer is None:
            raise ConnectionError("peer disconnected")
        data = frame.encode()
        async with peer.write_lock:
            peer.writer.write(data)
            await peer.writer.drain()

    async def _send_quiet(self, peer: Peer, frame: Frame) -> None:
        try:
            await self._send(peer, frame)
        except MalformedMessage as e:  # ours: e.g. a block bigger than a frame
            log.warning("dsn: not sent to %s: %s", peer.short(), e)
        except (ConnectionError, OSError):
            await self._close(peer)

    async def _close(self, peer: Peer) -> None:
        if peer.closed:
            return
        peer.closed = True
        if self._peers.get(peer.peer_id) is peer:
            del self._peers[peer.peer_id]
        for fut in peer.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("peer disconnected"))
        peer.pending.clear()
        if peer.writer is not None:
            peer.writer.close()
        log.info("dsn: disconnected from %s", peer.short())

    async def _in_pool(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    @staticmethod
    def _safe(fn, *args) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a handler's failure must not take the network down
            log.exception("dsn: handler %s failed", getattr(fn, "__name__", fn))


def parse_address(address: str | tuple[str, int]) -> tuple[str, int]:
    """'host:port' -> (host, port); ValueError on anything else."""
    if isinstance(address, tuple):
        return address
    host, sep, port = str(address).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r} is not host:port")
    return host, int(port)
