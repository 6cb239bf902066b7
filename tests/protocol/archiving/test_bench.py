"""protocol.archiving.bench helpers on the small geometry (the figures themselves are measured at full size
by `python -m protocol.archiving.bench` and the asv suite)."""
from __future__ import annotations

from conftest import SMALL
from protocol.archiving import bench
from protocol.archiving.pieces import encode_segment_pieces

STAGES = {"erasure", "record_commitments", "extend_commitments", "witnesses", "pieces"}


def test_timed_segment_is_the_encoded_segment_and_every_stage_is_timed(small_kzg, cpu):
    segment = bench.random_segment(SMALL)
    seconds, stages, encoded = bench.time_segment(small_kzg, cpu, segment, SMALL)
    assert set(stages) == STAGES and seconds >= sum(stages.values()) * 0.99
    assert encoded.pieces == encode_segment_pieces(small_kzg, cpu, segment, SMALL).pieces
    estimate, estimate_stages = bench.estimate_segment(small_kzg, cpu, segment, SMALL)
    assert set(estimate_stages) == STAGES and estimate > 0
    assert bench.time_reconstruction(cpu, encoded.pieces, SMALL) > 0
