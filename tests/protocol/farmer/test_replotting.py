"""Replotting (storage_and_time.md 6.1, protocol.md 3.4 and 5, white paper plot expiration): expiration
states and their thresholds, the gradual expiration of a farm as history grows, the crash-safe switch of
a sector's two files, and the background `Replotter` on a small synthetic history (2 one-piece sectors
plotted at history size 1, synthetic segment commitments)."""
from __future__ import annotations

import os
import threading

import blake3
import pytest

import accel
from farm_support import PUBLIC_KEY, synthetic_piece
from protocol.farmer import files
from protocol.farmer.plotting import PlottedSector, load_sector, plot_sector, sector_paths
from protocol.farmer.reading import verify_sector
from protocol.farmer.replotting import Replotter, SectorState, expiring_sectors, sector_expiry
from protocol.farmer.sector import sector_expiration, sector_id


def _sector(index: int, history_size: int) -> PlottedSector:
    """A sector description for the expiration arithmetic only (no files)."""
    return PlottedSector(index, history_size, 1, sector_id(PUBLIC_KEY, index, history_size), [], None, None, None)


def _commitments(seed: int):
    return lambda i: blake3.blake3(f"{seed}:{i}".encode()).digest(length=48)


def test_states_and_thresholds():
    sector = _sector(3, 10)
    commit = _commitments(1)
    expires = sector_expiration(sector.sector_id, 10, commit(10 + 4 - 1))
    assert 14 <= expires < 44
    # check segment (index 13) not archived yet: unknown, live
    early = sector_expiry(sector, commit, 13)
    assert (early.expires_at, early.state) == (None, SectorState.LIVE)
    assert sector_expiry(sector, commit, 14).expires_at == expires
    assert sector_expiry(sector, commit, expires - 1).state is SectorState.LIVE
    assert sector_expiry(sector, commit, expires).state is SectorState.ABOUT_TO_EXPIRE  # last segment + 1
    assert sector_expiry(sector, commit, expires + 1).state is SectorState.EXPIRED
    assert sector_expiry(sector, lambda i: None, 1000).state is SectorState.LIVE
    with pytest.raises(ValueError):
        sector_expiry(sector, commit, 0)


def test_expiring_sectors_order():
    commit = _commitments(2)
    sectors = [_sector(i, 10) for i in range(200)]
    due = expiring_sectors(sectors, commit, 30)
    states = [e.state for e in due]
    assert states == sorted(states, key=lambda s: s is not SectorState.EXPIRED)
    expired = [e.expires_at for e in due if e.state is SectorState.EXPIRED]
    assert expired == sorted(expired) and all(x <= 29 for x in expired)
    assert all(e.expires_at == 30 for e in due if e.state is SectorState.ABOUT_TO_EXPIRE)
    assert {e.sector_index for e in due} == {s.sector_index for s in sectors
                                             if sector_expiry(s, commit, 30).expires_at <= 30}


def test_gradual_expiration_as_history_grows():
    """Expirations are uniform in [h+4, 4h+4): none before, about a third by the time history doubles
    (the white paper's 'about half' is its round figure; the spec's formula gives (2h-h-4)/3h), all
    by the time it has quadrupled (+4) — sectors are replaced gradually, never all at once."""
    h, n = 100, 3000
    commit = _commitments(3)
    sectors = [_sector(i % 65536, h) for i in range(n)]
    expiries = [sector_expiry(s, commit, 10 * h).expires_at for s in sectors]
    assert min(expiries) >= h + 4 and max(expiries) < 4 * h + 4
    at_double = sum(e <= 2 * h for e in expiries) / n
    assert 0.28 < at_double < 0.38
    assert sum(e <= 4 * h + 4 for e in expiries) == n


def test_commit_pair_crash_at_every_step(tmp_path, monkeypatch):
    """A crash at any rename of a replot leaves, after recovery, the complete old or the complete new pair."""
    data, meta = tmp_path / "sector-00000.plot", tmp_path / "sector-00000.meta"
    real_replace = os.replace
    outcomes = set()
    for crash_at in range(6):
        files.commit_pair(data, [b"old data"], meta, [b"old meta"])
        calls = []

        def replace(src, dst, _crash_at=crash_at):
            calls.append(src)
            if len(calls) > _crash_at:
                raise OSError("killed")
            real_replace(src, dst)

        monkeypatch.setattr(files.os, "replace", replace)
        try:
            files.commit_pair(data, [b"new data"], meta, [b"new meta"])
        except OSError:
            pass
        monkeypatch.setattr(files.os, "replace", real_replace)
        files.recover_pair(data, meta)
        pair = (data.read_bytes(), meta.read_bytes())
        assert pair in {(b"old data", b"old meta"), (b"new data", b"new meta")}, (crash_at, pair)
        outcomes.add(pair)
        files.clean_stale(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == [meta.name, data.name]
    assert len(outcomes) == 2  # both sides of the decision point were exercised


def test_commit_pair_out_of_space_keeps_old_pair(tmp_path, monkeypatch):
    """A farm directory without space: a clear OSError, the old pair intact, no partial files left."""
    import errno

    data, meta = tmp_path / "sector-00000.plot", tmp_path / "sector-00000.meta"
    files.commit_pair(data, [b"old data"], meta, [b"old meta"])
    real_write = files._write_fsync

    for fail_on in (1, 2):  # while writing the sector file, then while writing the metadata
        calls = []

        def write(path, parts, _fail_on=fail_on):
            calls.append(path)
            if len(calls) == _fail_on:
                with open(path, "wb") as f:
                    f.write(b"part")  # a partial write, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device")
            real_write(path, parts)

        monkeypatch.setattr(files, "_write_fsync", write)
        with pytest.raises(OSError, match="No space"):
            files.commit_pair(data, [b"new data"], meta, [b"new meta"])
        monkeypatch.setattr(files, "_write_fsync", real_write)
        assert (data.read_bytes(), meta.read_bytes()) == (b"old data", b"old meta")
        assert sorted(p.name for p in tmp_path.iterdir()) == [meta.name, data.name]


def _seed_with_spread() -> int:
    """Synthetic commitments under which sector 0 expires at 5 and sector 1 at 7 (history 1 -> [5, 8))."""
    for seed in range(10_000):
        commit = _commitments(seed)
        exp = [sector_expiration(sector_id(PUBLIC_KEY, i, 1), 1, commit(4)) for i in (0, 1)]
        if exp == [5, 7]:
            return seed
    raise AssertionError("no seed found")


def test_replotter_replaces_expired_sector(tmp_path):
    cpu = accel.backend("cpu")
    farm = tmp_path / "farm"
    farm.mkdir()
    sectors = [plot_sector(cpu, PUBLIC_KEY, i, 1, 1, synthetic_piece, farm) for i in (0, 1)]
    untouched = [p.read_bytes() for p in sector_paths(farm, 1)]
    commit = _commitments(_seed_with_spread())
    replotted = []
    replotter = Replotter(cpu, PUBLIC_KEY, farm, sectors, synthetic_piece, commit, 1,
                          on_replotted=replotted.append).start()
    try:
        assert replotter.update(4) == []  # check segment (index 4) not archived yet
        seen, stop = [], threading.Event()

        def reader():  # the farm always holds a valid sector 0 while it is replotted
            while not stop.is_set():
                loaded = load_sector(farm, 0, PUBLIC_KEY)
                seen.append(None if loaded is None else loaded.history_size)

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            assert replotter.update(6) == [0]  # sector 0 expired (5 <= 5), sector 1 live (7 > 6)
            assert replotter.wait_idle(300)
        finally:
            stop.set()
            thread.join()
        assert not replotter.errors
        assert seen and set(seen) <= {1, 6}
    finally:
        replotter.stop()

    new = load_sector(farm, 0, PUBLIC_KEY)
    assert new.history_size == 6 and replotter.sectors()[0].history_size == 6
    assert [s.sector_index for s in replotted] == [0]
    verify_sector(new)
    reference = tmp_path / "reference"
    reference.mkdir()
    plot_sector(cpu, PUBLIC_KEY, 0, 6, 1, synthetic_piece, reference)
    for a, b in zip(sector_paths(farm, 0), sector_paths(reference, 0)):
        assert a.read_bytes() == b.read_bytes()
    assert [p.read_bytes() for p in sector_paths(farm, 1)] == untouched
    assert not [p for p in farm.iterdir() if p.name.endswith(files.TEMP_SUFFIXES)]


def test_failed_replot_keeps_old_sector(tmp_path):
    cpu = accel.backend("cpu")
    old = plot_sector(cpu, PUBLIC_KEY, 0, 1, 1, synthetic_piece, tmp_path)
    before = [p.read_bytes() for p in sector_paths(tmp_path, 0)]

    def gone(index):
        raise KeyError(f"piece {index} unavailable")

    replotter = Replotter(cpu, PUBLIC_KEY, tmp_path, [old], gone, _commitments(0), 1).start()
    try:
        assert replotter.update(100) == [0]
        assert replotter.wait_idle(60)
    finally:
        replotter.stop()
    assert [i for i, _ in replotter.errors] == [0]
    assert [p.read_bytes() for p in sector_paths(tmp_path, 0)] == before
    assert replotter.sectors()[0] == old
    with pytest.raises(ValueError):
        replotter.update(50)
