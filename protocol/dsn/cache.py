"""The farmer piece cache (protocol.md 4, "farmer cache selection"; the DSN's L2 cache).

A cache of `capacity` pieces that keeps the pieces **closest (XOR distance of piece key and peer id) to
its own peer id**: while there is room it accepts any piece; when full it accepts a new piece only if it is
closer than the farthest piece held, which is evicted. Every node offers each piece it archives (all
segments at start, then each new segment), so across peers with random ids the caches cover the history
by proximity, and a piece's closest peers are the ones to ask for it first.

Pieces are validated before they are offered (retrieval validates against the segment commitment; the
node's own archived pieces are its own output). Thread-safe. Finding the farthest piece is a max over the
held distances (O(capacity)); caches here hold hundreds of pieces, not millions.
"""
from __future__ import annotations

import threading

from protocol.dsn.distance import kad_key, piece_key


class PieceCache:
    """Pieces closest to `peer_id`, at most `capacity` of them."""

    def __init__(self, peer_id: bytes, capacity: int) -> None:
        if capacity < 0:
            raise ValueError(f"cache capacity {capacity} < 0")
        self.peer_id = bytes(peer_id)
        self.capacity = capacity
        self._own_key = kad_key(self.peer_id)
        self._pieces: dict[int, bytes] = {}
        self._distance: dict[int, int] = {}
        self._lock = threading.Lock()
        self.evictions = 0

    def distance(self, piece_index: int) -> int:
        return self._own_key ^ kad_key(piece_key(piece_index))

    def offer(self, piece_index: int, piece: bytes) -> bool:
        """Store the piece if there is room or it is closer than the farthest held one (which is evicted).
        Returns whether the piece is now in the cache."""
        d = self.distance(piece_index)
        with self._lock:
            if piece_index in self._pieces:
                return True
            if self.capacity == 0:
                return False
            if len(self._pieces) >= self.capacity:
                farthest = max(self._distance, key=self._distance.__getitem__)
                if d >= self._distance[farthest]:
                    return False
                del self._pieces[farthest], self._distance[farthest]
                self.evictions += 1
            self._pieces[piece_index] = piece
            self._distance[piece_index] = d
            return True

    def get(self, piece_index: int) -> bytes | None:
        with self._lock:
            return self._pieces.get(piece_index)

    def remove(self, piece_index: int) -> None:
        with self._lock:
            self._pieces.pop(piece_index, None)
            self._distance.pop(piece_index, None)

    def __contains__(self, piece_index: int) -> bool:
        with self._lock:
            return piece_index in self._pieces

    def __len__(self) -> int:
        with self._lock:
            return len(self._pieces)

    def indexes(self) -> list[int]:
        with self._lock:
            return sorted(self._pieces)
