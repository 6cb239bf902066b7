"""Consensus (protocol.md 3, storage_and_time.md 2 and 10): the PoT slot chain and timekeeper, the
PoAS solution and its verification, solution range, fork choice and block import."""
from protocol.consensus.pot import (
    InvalidProofOfTime, PotCheckpointCountMismatch, PotError, PotInvalidInput, PotIterationsMismatch,
    PotNextSlotInput, PotParametersChange, PotProof, PotSeedMismatch, PotSlotMismatch, genesis_seed,
    global_randomness, injected_seed,
)
from protocol.consensus.pot_entropy import PotEntropyState
from protocol.consensus.pot_gossip import GossipVerdict, PotGossip
from protocol.consensus.pot_verifier import PotVerifier, full_pot_verification
from protocol.consensus.solution import SOLUTION_SIZE, Solution
from protocol.consensus.timekeeper import PotState, Timekeeper

__all__ = [
    "GossipVerdict", "InvalidProofOfTime", "PotCheckpointCountMismatch", "PotEntropyState", "PotError", "PotGossip",
    "PotInvalidInput", "PotIterationsMismatch", "PotNextSlotInput", "PotParametersChange", "PotProof",
    "PotSeedMismatch", "PotSlotMismatch", "PotState", "PotVerifier", "Timekeeper", "full_pot_verification",
    "genesis_seed", "global_randomness", "injected_seed",
    "SOLUTION_SIZE", "Solution"]
