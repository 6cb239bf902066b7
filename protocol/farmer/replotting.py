"""Replotting of expiring sectors (storage_and_time.md 6.1 expiration, protocol.md 3.4 and 5, white
paper "plot expiration").

A sector plotted at history size h can be checked for expiration once the segment with index
`check - 1` is archived, `check = h + MIN_SECTOR_LIFETIME`; its expiration history size is then
`check + H(sector_id || that segment's commitment) mod (MIN_SECTOR_LIFETIME + 4h - check)`, i.e. uniform
in [h + 4, 4h + 4). Verifiers reject its solutions once `expires_at <= current history size` (spec 10
step 6c). With `s` the index of the last archived segment (current history size s + 1), the farmer
(protocol.md 3.4) calls a sector *about to expire* when `expires_at <= s + 1` and *expired* when
`expires_at <= s`; both are replotted, expired ones first. So a farm replots its sectors gradually as
history grows (all of them by the time it has quadrupled), keeping most of the plot farming meanwhile.

`Replotter` does that in a background thread: each replot is `plot_sector` at the current history size,
same sector index and piece count, committed with `files.commit_pair`, so at every instant the farm holds
either the complete old sector or the complete new one (after `load_sector`'s recovery).
"""
from __future__ import annotations

import enum
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from protocol.constants import MIN_SECTOR_LIFETIME
from protocol.farmer.plotting import PieceGetter, PlottedSector, plot_sector
from protocol.farmer.sector import expiration_check_history_size, sector_expiration

SegmentCommitments = Callable[[int], "bytes | None"]  # segment index -> 48-byte commitment, None if unknown


class SectorState(enum.Enum):
    LIVE = "live"  # expiration unknown yet, or later than the next segment
    ABOUT_TO_EXPIRE = "about to expire"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SectorExpiry:
    sector_index: int
    history_size: int  # the sector's (at plotting time)
    expires_at: int | None  # history size at which it expires; None until its check segment is archived
    state: SectorState


def sector_expiry(sector: PlottedSector, segment_commitment: SegmentCommitments, current_history_size: int,
                  min_sector_lifetime: int = MIN_SECTOR_LIFETIME) -> SectorExpiry:
    """Expiration of one sector given the archived segments' commitments and the current history size."""
    if current_history_size < 1:
        raise ValueError(f"current history size must be >= 1, got {current_history_size}")
    last_segment = current_history_size - 1
    check = expiration_check_history_size(sector.history_size, min_sector_lifetime)
    commitment = segment_commitment(check - 1) if check - 1 <= last_segment else None
    if commitment is None:
        return SectorExpiry(sector.sector_index, sector.history_size, None, SectorState.LIVE)
    expires_at = sector_expiration(sector.sector_id, sector.history_size, commitment, min_sector_lifetime)
    if expires_at <= last_segment:
        state = SectorState.EXPIRED
    elif expires_at <= last_segment + 1:
        state = SectorState.ABOUT_TO_EXPIRE
    else:
        state = SectorState.LIVE
    return SectorExpiry(sector.sector_index, sector.history_size, expires_at, state)


def expiring_sectors(sectors: Iterable[PlottedSector], segment_commitment: SegmentCommitments,
                     current_history_size: int, min_sector_lifetime: int = MIN_SECTOR_LIFETIME) -> list[SectorExpiry]:
    """Sectors to replot, expired ones first, then about to expire; earliest expiration first in each."""
    found = [sector_expiry(s, segment_commitment, current_history_size, min_sector_lifetime) for s in sectors]
    due = [e for e in found if e.state is not SectorState.LIVE]
    return sorted(due, key=lambda e: (e.state is not SectorState.EXPIRED, e.expires_at, e.sector_index))


class Replotter:
    """Replots a farm's expiring sectors in a background thread.

    `sectors` are the farm's current sectors; `piece_getter` serves any piece of the current history;
    `segment_commitment` the archived segments' commitments. Call `update(history_size)` after each new
    archived segment (it schedules what became due and returns those sector indexes); `sectors()` is the
    farm's current view, `on_replotted(new_sector)` is called after each switch. A failed replot leaves the
    old sector in place and is recorded in `errors`.
    """

    def __init__(self, backend, public_key: bytes, farm: Path, sectors: Iterable[PlottedSector],
                 piece_getter: PieceGetter, segment_commitment: SegmentCommitments, history_size: int,
                 on_replotted: Callable[[PlottedSector], None] | None = None,
                 min_sector_lifetime: int = MIN_SECTOR_LIFETIME) -> None:
        self.backend = backend
        self.public_key = public_key
        self.farm = Path(farm)
        self.piece_getter = piece_getter
        self.segment_commitment = segment_commitment
        self.min_sector_lifetime = min_sector_lifetime
        self.on_replotted = on_replotted
        self.errors: list[tuple[int, BaseException]] = []
        self._sectors = {s.sector_index: s for s in sectors}
        self._history_size = history_size
        self._lock = threading.Lock()
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._pending: set[int] = set()
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    def sectors(self) -> dict[int, PlottedSector]:
        with self._lock:
            return dict(self._sectors)

    @property
    def history_size(self) -> int:
        return self._history_size

    def update(self, history_size: int) -> list[int]:
        """New current history size: schedule the sectors that are now due; returns their indexes."""
        with self._lock:
            if history_size < self._history_size:
                raise ValueError(f"history size went back from {self._history_size} to {history_size}")
            self._history_size = history_size
            due = expiring_sectors(self._sectors.values(), self.segment_commitment, history_size,
                                   self.min_sector_lifetime)
            scheduled = [e.sector_index for e in due if e.sector_index not in self._pending]
            self._pending.update(scheduled)
        for index in scheduled:
            self._queue.put(index)
        return scheduled

    def start(self) -> "Replotter":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="replotter", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Finish the replot in progress, drop the queued ones and end the thread."""
        if self._thread is None:
            return
        while True:  # drop what is queued
            try:
                index = self._queue.get_nowait()
            except queue.Empty:
                break
            if index is not None:
                with self._lock:
                    self._pending.discard(index)
                    self._idle.notify_all()
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is scheduled or being replotted; False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def _run(self) -> None:
        while True:
            index = self._queue.get()
            if index is None:
                return
            try:
                self._replot(index)
            except Exception as e:  # noqa: BLE001 - recorded; the old sector stays in place
                with self._lock:
                    self.errors.append((index, e))
            finally:
                with self._lock:
                    self._pending.discard(index)
                    self._idle.notify_all()

    def _replot(self, index: int) -> None:
        with self._lock:
            old = self._sectors[index]
            history_size = self._history_size
        new = plot_sector(self.backend, self.public_key, index, history_size, old.pieces_in_sector,
                          self.piece_getter, self.farm)
        with self._lock:
            self._sectors[index] = new
        if self.on_replotted is not None:
            self.on_replotted(new)
