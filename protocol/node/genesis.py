"""The dev chain's genesis and its history (see protocol.node.service for the [DESIGN] notes).

The genesis block is fixed (its solution range field is the network's initial range; the range the dev
chain's blocks carry is sized to the farm, see NodeConfig), so every dev node and `autonomys plot --dev`
derive the same segment 0 from it: the genesis block's encoding followed by zeros up to a full segment.
"""
from __future__ import annotations

from protocol.archiving import ArchivedSegment, Archiver
from protocol.constants import RECORDED_HISTORY_SEGMENT_SIZE
from protocol.consensus import Block, genesis_block
from protocol.consensus.solution_range import INITIAL_SOLUTION_RANGE

GENESIS_EXTRINSIC = b"autonomys dev chain genesis"
GENESIS_HISTORY_PADDING = RECORDED_HISTORY_SEGMENT_SIZE  # zeros after the genesis block: completes segment 0


def dev_genesis_block() -> Block:
    return genesis_block(INITIAL_SOLUTION_RANGE, extrinsics=[GENESIS_EXTRINSIC])


def archive_dev_genesis(kzg, backend) -> tuple[Archiver, list[ArchivedSegment]]:
    """An archiver that has taken the genesis history, and the segments it completed (segment 0)."""
    archiver = Archiver(kzg, backend)
    segments = archiver.add_block(dev_genesis_block().encode() + bytes(GENESIS_HISTORY_PADDING))
    return archiver, segments
