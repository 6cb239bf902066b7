"""The DSN on loopback (protocol.md 4, issue 12): peers, block sync and announcement, piece cache and
retrieval. Wire format and the py-libp2p decision: protocol.dsn.wire.

    net = Network(peer_id, genesis_hash, handler, listen_port=0, bootstrap=["127.0.0.1:30333"])
    port = net.start(); net.peers(); net.request(peer, wire.GET_BLOCKS, wire.encode_get_blocks(1, 64))
    cache = PieceCache(peer_id, capacity); cache.offer(index, piece)   # keeps the closest pieces
    PieceGetter(cache, net, kzg, segment_commitment).get(index)        # local -> L2 -> L1 -> archival
"""
from protocol.dsn.cache import PieceCache
from protocol.dsn.distance import closest_peers, distance, peer_id_from_public_key, piece_distance, piece_key
from protocol.dsn.network import DsnHandler, Network, Peer, PeerError, parse_address
from protocol.dsn.retrieval import (ARCHIVAL, LOCAL_CACHE, PEER_CACHE, PEER_PLOT, PieceGetter, PieceNotFound,
                                    Retrieved)
from protocol.dsn.wire import MalformedMessage

__all__ = [
    "ARCHIVAL", "DsnHandler", "LOCAL_CACHE", "MalformedMessage", "Network", "PEER_CACHE", "PEER_PLOT", "Peer",
    "PeerError", "PieceCache", "PieceGetter", "PieceNotFound", "Retrieved", "closest_peers", "distance",
    "parse_address", "peer_id_from_public_key", "piece_distance", "piece_key",
]
