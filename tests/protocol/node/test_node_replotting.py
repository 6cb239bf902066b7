"""The node's background replotting (issue 9, spec 6.1 / protocol.md 3.4): when history grows past a
sector's expiration, the node leaves the expired sector out of auditing, replots it at the current
history size in the background, swaps it into the farm (the file on disk and the audited set) and
reports it; a live sector is left alone.

History growth is simulated: archiving the segments that expire a dev sector (4 x 128 MiB of blocks)
would take minutes, so the test gives the node's replotter and expiry check one fixed commitment for
every segment and serves pieces of the larger history from the node's archived ones (plotting reads
pieces, it does not check them against segment commitments; `verify_sector` would)."""
from __future__ import annotations

import pytest

from accel.kzg import Kzg, dev_parameters
from protocol.farmer.plotting import load_sector
from protocol.farmer.replotting import SectorState, sector_expiry
from protocol.node.service import Node, NodeConfig

COMMITMENT = bytes([0x97]) + bytes(range(47))  # any 48 bytes: only hashed by the expiration rule


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    base = tmp_path_factory.mktemp("replot-node")
    events = []
    n = Node(NodeConfig(base_path=base, backend="cpu", rpc_port=0, pieces_per_sector=1, sectors=2,
                        slot_duration=0), events.append, kzg=Kzg(dev_parameters()))
    n.prepare()
    n.events = events
    yield n
    n.shutdown()


def test_expired_sectors_are_skipped_then_replotted_in_the_background(node):
    start = node.history_size
    assert set(node.sectors) == {0, 1} and all(s.history_size == start for s in node.sectors.values())
    assert node.farmed_sectors() == list(node.sectors.values())  # nothing can have expired yet

    def commitment(index):
        return COMMITMENT if index < grown else None
    pieces = sorted(node.pieces)
    node._segment_commitment = commitment  # the expiry check of the audit and of the replotter
    node.replotter.segment_commitment = commitment
    node.replotter.piece_getter = lambda index: node.pieces[pieces[index % len(pieces)]]
    grown = 4 * start + 4  # every sector plotted at `start` has expired by now (expires_at < 4h + 4)
    node.history_size = grown
    before = {i: s for i, s in node.sectors.items()}
    assert all(sector_expiry(s, commitment, grown).state is SectorState.EXPIRED for s in before.values())
    assert node.farmed_sectors() == []  # expired sectors are not audited while they wait

    assert sorted(node.replotter.update(grown)) == [0, 1]
    assert node.replotter.wait_idle(600) and not node.replotter.errors
    for index in (0, 1):
        new = node.sectors[index]
        assert new.history_size == grown and new.sector_id != before[index].sector_id
        on_disk = load_sector(node.config.farm, index, node.keypair.public_key)
        assert on_disk is not None and on_disk.history_size == grown
    assert len(node.farmed_sectors()) == 2  # live again: their check segment is not archived yet
    replotted = [e for e in node.events if e.kind == "replotted"]
    assert sorted(e.data["sector_index"] for e in replotted) == [0, 1]
    assert node.replotter.update(grown) == []  # nothing left to do at this history size
