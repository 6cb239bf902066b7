"""Consensus (protocol.md 3, storage_and_time.md 2 and 10): the PoT slot chain and timekeeper, the
PoAS solution and its verification, solution range, fork choice and block import."""
from protocol.consensus.solution import SOLUTION_SIZE, Solution

__all__ = ["SOLUTION_SIZE", "Solution"]
