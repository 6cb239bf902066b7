"""Piece retrieval in the spec's order, every piece validated before use (protocol.md 4).

`PieceGetter.get(index)` tries, in order, and returns the first piece that validates:

1. the local piece cache (`PieceCache`; pieces in it were validated, or archived by this node);
2. peers' piece caches (DSN L2), asking the peers closest to the piece key first (XOR distance);
3. peers' plots (DSN L1: the peer reads the piece back from its farm with `read_piece`);
4. archival history: any peer that holds the segment (every node here archives its chain).

The network's farmer also asks its node's RPC between L2 and L1; a node here *is* that node, so that
step is the local cache. Each piece from a peer is checked with `protocol.archiving.is_piece_valid`
against the commitment of its segment (from the caller's segment headers); a piece that does not
validate, or has no known segment commitment, is refused, its peer scored down (an invalid piece) and
the next source asked. A valid piece is offered to the local cache.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from protocol.archiving import InvalidPiece, is_piece_valid
from protocol.archiving.piece_index import position, segment_index
from protocol.dsn import wire
from protocol.dsn.cache import PieceCache
from protocol.dsn.distance import closest_peers
from protocol.dsn.network import BAD_DATA_PENALTY, MALFORMED_PENALTY, Network, PeerError
from protocol.dsn.wire import MalformedMessage

log = logging.getLogger("autonomys.dsn")

LOCAL_CACHE, PEER_CACHE, PEER_PLOT, ARCHIVAL = "local cache", "peer cache", "peer plot", "archival"
REMOTE_ORDER = ((PEER_CACHE, wire.SOURCE_CACHE), (PEER_PLOT, wire.SOURCE_PLOT), (ARCHIVAL, wire.SOURCE_ARCHIVAL))


class PieceNotFound(LookupError):
    """No source had a piece that validates."""


@dataclass(frozen=True)
class Retrieved:
    piece: bytes
    source: str  # LOCAL_CACHE | PEER_CACHE | PEER_PLOT | ARCHIVAL
    peer_id: bytes | None = None


class PieceGetter:
    """Retrieval order and validation (module docstring)."""

    def __init__(self, cache: PieceCache, network: Network | None, kzg,
                 segment_commitment: Callable[[int], bytes | None]) -> None:
        self.cache = cache
        self.network = network
        self.kzg = kzg
        self.segment_commitment = segment_commitment
        self.rejected = 0

    def validate(self, index: int, piece: bytes) -> bool:
        """Whether `piece` is piece `index` of the history (its segment's commitment must be known)."""
        commitment = self.segment_commitment(segment_index(index))
        if commitment is None:
            return False
        try:
            return is_piece_valid(self.kzg, piece, commitment, position(index))
        except InvalidPiece:
            return False

    def get(self, index: int, sources: tuple[str, ...] = (LOCAL_CACHE, PEER_CACHE, PEER_PLOT, ARCHIVAL)
            ) -> Retrieved:
        """The piece from the first source (in the spec's order, restricted to `sources`) that validates."""
        if LOCAL_CACHE in sources:
            piece = self.cache.get(index)
            if piece is not None:
                return Retrieved(piece, LOCAL_CACHE)
        peers = [] if self.network is None else self.network.peers()
        by_id = {p.peer_id: p for p in peers}
        order = [by_id[i] for i in closest_peers(list(by_id), index)]
        for name, source in REMOTE_ORDER:
            if name not in sources:
                continue
            for peer in order:
                if peer.closed:
                    continue
                try:
                    frame = self.network.request(peer, wire.GET_PIECE, wire.encode_get_piece(index, source))
                    piece = wire.decode_piece(frame.body)
                except MalformedMessage as e:
                    self.network.penalize(peer, MALFORMED_PENALTY, f"malformed PIECE: {e}")
                    continue
                except PeerError as e:
                    log.info("dsn: piece %d from %s (%s): %s", index, peer.short(), name, e)
                    continue
                if piece is None:
                    continue
                if not self.validate(index, piece):
                    self.rejected += 1
                    self.network.penalize(peer, BAD_DATA_PENALTY, f"piece {index} does not match its segment "
                                                                  "commitment")
                    continue
                self.cache.offer(index, piece)
                return Retrieved(piece, name, peer.peer_id)
        raise PieceNotFound(f"piece {index}: no source in {sources} had a valid piece")
