"""Consensus (protocol.md 3, storage_and_time.md 2 and 10): the PoT slot chain and timekeeper, the
PoAS solution and its verification, solution range, fork choice and block import."""
from protocol.consensus.block import Block, Header, PreDigest, body_root, genesis_block
from protocol.consensus.block_import import (
    BadRewardSignature, BelowArchivingPoint, BlockImportError, ExtrinsicsRootMismatch, HeaderBadSeal, HeaderUnsealed,
    InvalidBlockNumber, InvalidPotJustification, InvalidSegmentHeaders, InvalidSolutionRange, MissingPreDigest,
    PotVerificationFailed, SlotMustIncrease, UnknownParent, check_block, check_header,
)
from protocol.consensus.fork_choice import ForkChoice, block_weight, cumulative_weight
from protocol.consensus.keys import KeyFileError, Keypair, seal_header, verify_signature
from protocol.consensus.pot import (
    InvalidProofOfTime, PotCheckpointCountMismatch, PotError, PotInvalidInput, PotIterationsMismatch,
    PotNextSlotInput, PotParametersChange, PotProof, PotSeedMismatch, PotSlotMismatch, genesis_seed,
    global_randomness, injected_seed,
)
from protocol.consensus.pot_entropy import PotEntropyState
from protocol.consensus.pot_gossip import GossipVerdict, PotGossip
from protocol.consensus.pot_verifier import PotVerifier, full_pot_verification
from protocol.consensus.solution import SOLUTION_SIZE, Solution
from protocol.consensus.solution_range import (
    INITIAL_SOLUTION_RANGE, next_solution_range, pieces_to_solution_range, solution_range_for_child,
    voting_solution_range,
)
from protocol.consensus.timekeeper import PotState, Timekeeper
from protocol.consensus.verification import (
    FutureHistorySize, InvalidChunk, InvalidChunkWitness, InvalidPiece, InvalidPieceOffset, InvalidProofOfSpace,
    InvalidSolutionHistorySize, OutsideSolutionRange, PieceCheckParams, SectorExpired, SolutionVerificationError,
    solution_distance, verify_solution,
)

__all__ = [
    "GossipVerdict", "InvalidProofOfTime", "PotCheckpointCountMismatch", "PotEntropyState", "PotError", "PotGossip",
    "PotInvalidInput", "PotIterationsMismatch", "PotNextSlotInput", "PotParametersChange", "PotProof",
    "PotSeedMismatch", "PotSlotMismatch", "PotState", "PotVerifier", "Timekeeper", "full_pot_verification",
    "genesis_seed", "global_randomness", "injected_seed",
    "SOLUTION_SIZE", "Solution",
    "BadRewardSignature", "BelowArchivingPoint", "Block", "BlockImportError", "ExtrinsicsRootMismatch", "ForkChoice",
    "Header", "HeaderBadSeal", "HeaderUnsealed", "INITIAL_SOLUTION_RANGE", "InvalidBlockNumber",
    "InvalidPotJustification", "InvalidSegmentHeaders", "InvalidSolutionRange", "KeyFileError", "Keypair",
    "MissingPreDigest", "PotVerificationFailed", "PreDigest", "SlotMustIncrease", "UnknownParent", "block_weight",
    "body_root", "check_block", "check_header", "cumulative_weight", "genesis_block", "next_solution_range",
    "pieces_to_solution_range", "seal_header", "solution_range_for_child", "verify_signature",
    "voting_solution_range",
    "FutureHistorySize", "InvalidChunk", "InvalidChunkWitness", "InvalidPiece", "InvalidPieceOffset",
    "InvalidProofOfSpace", "InvalidSolutionHistorySize", "OutsideSolutionRange", "PieceCheckParams", "SectorExpired",
    "SolutionVerificationError", "solution_distance", "verify_solution"]
