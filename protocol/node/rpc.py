"""The node's JSON-over-HTTP RPC, on loopback only (spec README: `autonomys node --rpc-port PORT`).

Standard-library `ThreadingHTTPServer` in a background thread: the node is read by local tools (CLI, tests,
a farmer on the same machine), so there is no need for a web framework or a public listener. Binding is
refused for anything but a loopback address.

Routes (GET only; every answer is a JSON object; byte strings are 0x-prefixed lowercase hex):

    /health                     {"status": "ok"}
    /head                       {"number": int, "hash": "0x…"}           the best block
    /block/<number>             the best chain's block at that height
    /block/0x<hash>             any stored block (forks included); bare 64-hex-digit hashes are accepted too
                                -> {"number", "hash", "parent_hash", "state_root", "extrinsics_root", "slot",
                                    "solution_range", "pre_digest", "pot_checkpoints", "seal", "extrinsics",
                                    "segment_headers", "is_best", "cumulative_weight" (decimal string),
                                    "encoded" (the SCALE block)}
    /segment-headers[?from=N&count=M]   {"from": N, "count": len, "segment_headers": [...]}, at most
                                MAX_SEGMENT_HEADERS_PER_REQUEST per call (default from=0, count=that maximum)
    /farmer                     whatever `farmer_status()` returns (a JSON-serialisable dict); 404 when the
                                node runs no farmer

Errors: {"error": "<kind>", "message": "..."} with 400 (bad parameter), 404 (unknown route or block),
405 (method other than GET), 500 (the farmer status callable failed).

Usage:

    rpc = RpcServer(chain_db, farmer_status=lambda: {...})
    port = rpc.start(9944)          # 0 picks a free port; returns the bound port
    ...
    rpc.stop()
"""
from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from protocol.archiving.segment import SegmentHeader
from protocol.consensus.block import Block, PreDigest
from protocol.consensus.solution import Solution
from protocol.node.chain_db import ChainDb

DEFAULT_RPC_PORT = 9944
MAX_SEGMENT_HEADERS_PER_REQUEST = 1000
_POLL_INTERVAL_S = 0.05  # how soon stop() is noticed by the serving thread
FarmerStatus = Callable[[], dict[str, Any]]


def _hex(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def solution_to_json(solution: Solution) -> dict[str, Any]:
    return {"public_key": _hex(solution.public_key), "reward_address": _hex(solution.reward_address),
            "sector_index": solution.sector_index, "history_size": solution.history_size,
            "piece_offset": solution.piece_offset, "record_commitment": _hex(solution.record_commitment),
            "record_witness": _hex(solution.record_witness), "chunk": _hex(solution.chunk),
            "chunk_witness": _hex(solution.chunk_witness), "proof_of_space": _hex(solution.proof_of_space)}


def pre_digest_to_json(pre: PreDigest) -> dict[str, Any]:
    return {"slot": pre.slot, "solution": solution_to_json(pre.solution), "proof_of_time": _hex(pre.proof_of_time),
            "future_proof_of_time": _hex(pre.future_proof_of_time)}


def segment_header_to_json(sh: SegmentHeader) -> dict[str, Any]:
    return {"segment_index": sh.segment_index, "segment_commitment": _hex(sh.segment_commitment),
            "prev_segment_header_hash": _hex(sh.prev_segment_header_hash),
            "last_archived_block": {"number": sh.last_archived_block.number,
                                    "partial": sh.last_archived_block.partial},
            "hash": _hex(sh.hash()), "encoded": _hex(sh.encode())}


def block_to_json(block: Block, is_best: bool, cumulative_weight: int | None) -> dict[str, Any]:
    h = block.header
    return {"number": h.number, "hash": _hex(h.hash()), "parent_hash": _hex(h.parent_hash),
            "state_root": _hex(h.state_root), "extrinsics_root": _hex(h.extrinsics_root), "slot": h.slot,
            "solution_range": h.solution_range,
            "pre_digest": None if h.pre_digest is None else pre_digest_to_json(h.pre_digest),
            "pot_checkpoints": [[_hex(cp) for cp in cps] for cps in h.pot_checkpoints],
            "seal": None if h.seal is None else _hex(h.seal),
            "extrinsics": [_hex(xt) for xt in block.extrinsics],
            "segment_headers": [segment_header_to_json(sh) for sh in block.segment_headers],
            "is_best": is_best,
            "cumulative_weight": None if cumulative_weight is None else str(cumulative_weight),
            "encoded": _hex(block.encode())}


class _HttpError(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def _parse_uint(name: str, raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 20:
        raise _HttpError(400, "bad_request", f"{name} must be a non-negative integer, got {raw!r}")
    return int(raw)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RpcServer:
    """Loopback JSON RPC over a `ChainDb` (module docstring for the routes)."""

    def __init__(self, chain: ChainDb, farmer_status: FarmerStatus | None = None, host: str = "127.0.0.1") -> None:
        if not _is_loopback(host):
            raise ValueError(f"the RPC listens on loopback only, not {host!r}")
        self.chain = chain
        self.farmer_status = farmer_status
        self.host = host
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self, port: int = DEFAULT_RPC_PORT) -> int:
        """Listen on host:port (0 = any free port) in a background thread; returns the bound port."""
        if self._server is not None:
            raise RuntimeError("RPC server already started")
        server_cls = ThreadingHTTPServer
        if ":" in self.host:
            server_cls = type("ThreadingHTTPServerV6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        server = server_cls((self.host, port), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": _POLL_INTERVAL_S},
                                        name="autonomys-rpc", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Stop listening and wait for the server thread; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("RPC server not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __enter__(self) -> RpcServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- routes ------------------------------------------------------------------------------------------
    def route(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        """Answer one GET (raises _HttpError for error answers)."""
        parts = [p for p in path.split("/") if p]
        if parts == ["health"]:
            return {"status": "ok"}
        if parts == ["head"]:
            head = self.chain.head()
            return {"number": head.number, "hash": _hex(head.hash)}
        if len(parts) == 2 and parts[0] == "block":
            return self._block(parts[1])
        if parts == ["segment-headers"]:
            return self._segment_headers(query)
        if parts == ["farmer"]:
            if self.farmer_status is None:
                raise _HttpError(404, "not_found", "this node runs no farmer")
            try:
                status = self.farmer_status()
            except Exception as exc:  # noqa: BLE001 - reported to the client as a 500
                raise _HttpError(500, "internal_error", f"farmer status failed: {type(exc).__name__}: {exc}")
            if not isinstance(status, dict):
                raise _HttpError(500, "internal_error", "farmer status is not a JSON object")
            return status
        raise _HttpError(404, "not_found", f"no route {path!r}")

    def _block(self, ident: str) -> dict[str, Any]:
        text = ident[2:] if ident.lower().startswith("0x") else ident
        if ident.lower().startswith("0x") or len(text) == 64:
            try:
                block_hash = bytes.fromhex(text)
            except ValueError:
                raise _HttpError(400, "bad_request", f"block hash {ident!r} is not hex") from None
            if len(block_hash) != 32:
                raise _HttpError(400, "bad_request", f"block hash must be 32 bytes, got {len(block_hash)}")
        else:
            number = _parse_uint("block number", ident)
            block_hash = self.chain.hash_by_number(number)
            if block_hash is None:
                raise _HttpError(404, "not_found", f"no best-chain block at height {number}")
        block = self.chain.block(block_hash)
        if block is None:
            raise _HttpError(404, "not_found", f"block 0x{block_hash.hex()} is not stored")
        is_best = self.chain.hash_by_number(block.number) == block_hash
        return block_to_json(block, is_best, self.chain.cumulative_weight(block_hash))

    def _segment_headers(self, query: dict[str, list[str]]) -> dict[str, Any]:
        unknown = set(query) - {"from", "count"}
        if unknown:
            raise _HttpError(400, "bad_request", f"unknown parameter(s) {sorted(unknown)}")
        start = _parse_uint("from", query["from"][-1]) if "from" in query else 0
        count = _parse_uint("count", query["count"][-1]) if "count" in query else MAX_SEGMENT_HEADERS_PER_REQUEST
        if count > MAX_SEGMENT_HEADERS_PER_REQUEST:
            raise _HttpError(400, "bad_request", f"count is at most {MAX_SEGMENT_HEADERS_PER_REQUEST}")
        headers = self.chain.segment_headers(start, count)
        return {"from": start, "count": len(headers), "segment_headers": [segment_header_to_json(h) for h in headers]}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        rpc = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "autonomys-node-rpc"

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                try:
                    query = parse_qs(url.query, keep_blank_values=True, strict_parsing=False)
                    self._send(200, rpc.route(url.path, query))
                except _HttpError as err:
                    self._send(err.status, {"error": err.kind, "message": err.message})
                except Exception as exc:  # noqa: BLE001 - never let a request kill the server thread
                    self._send(500, {"error": "internal_error", "message": f"{type(exc).__name__}: {exc}"})

            def _not_allowed(self) -> None:
                self._send(405, {"error": "method_not_allowed", "message": f"{self.command} is not supported"})

            do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet by default
                pass

        return Handler
