"""The PoAS solution a farmer submits with a block or vote (storage_and_time.md 8, step 8).

Fields in the network's order; `encode()` is its SCALE form (fixed-size byte arrays without length
prefix, integers little-endian; `history_size` is a NonZeroU64 encoded as u64) so that a solution our
farmer produces has the network's shape. Sizes in bytes: public key 32 (sr25519), reward address 32,
record commitment/witness and chunk witness 48 (compressed G1), chunk 32 (scalar), proof of space 160.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from protocol.constants import COMMITMENT_SIZE, POS_PROOF_SIZE, SCALAR_BYTES, WITNESS_SIZE

PUBLIC_KEY_SIZE = 32
REWARD_ADDRESS_SIZE = 32
SOLUTION_SIZE = (PUBLIC_KEY_SIZE + REWARD_ADDRESS_SIZE + 2 + 8 + 2 + COMMITMENT_SIZE + WITNESS_SIZE + SCALAR_BYTES
                 + WITNESS_SIZE + POS_PROOF_SIZE)
_FIXED = {"public_key": PUBLIC_KEY_SIZE, "reward_address": REWARD_ADDRESS_SIZE,
          "record_commitment": COMMITMENT_SIZE, "record_witness": WITNESS_SIZE, "chunk": SCALAR_BYTES,
          "chunk_witness": WITNESS_SIZE, "proof_of_space": POS_PROOF_SIZE}


@dataclass(frozen=True)
class Solution:
    """A farmer's claim to a slot: which sector/record/chunk, with the proofs that tie it to history."""

    public_key: bytes
    reward_address: bytes
    sector_index: int
    history_size: int
    piece_offset: int
    record_commitment: bytes
    record_witness: bytes
    chunk: bytes
    chunk_witness: bytes
    proof_of_space: bytes

    def __post_init__(self) -> None:
        for name, size in _FIXED.items():
            value = getattr(self, name)
            if not isinstance(value, (bytes, bytearray)) or len(value) != size:
                raise ValueError(f"solution.{name}: expected {size} bytes, got "
                                 f"{len(value) if isinstance(value, (bytes, bytearray)) else type(value).__name__}")
        if not 0 <= self.sector_index < 1 << 16:
            raise ValueError(f"solution.sector_index: {self.sector_index} is not a u16")
        if not 0 < self.history_size < 1 << 64:
            raise ValueError(f"solution.history_size: {self.history_size} is not a non-zero u64")
        if not 0 <= self.piece_offset < 1 << 16:
            raise ValueError(f"solution.piece_offset: {self.piece_offset} is not a u16")

    def encode(self) -> bytes:
        """SCALE encoding, SOLUTION_SIZE bytes."""
        return (self.public_key + self.reward_address + struct.pack("<HQH", self.sector_index, self.history_size,
                                                                     self.piece_offset)
                + self.record_commitment + self.record_witness + self.chunk + self.chunk_witness
                + self.proof_of_space)

    @classmethod
    def decode(cls, data: bytes) -> Solution:
        """Inverse of `encode`; ValueError on a wrong length."""
        if len(data) != SOLUTION_SIZE:
            raise ValueError(f"solution: expected {SOLUTION_SIZE} bytes, got {len(data)}")
        pk, ra = data[:32], data[32:64]
        sector_index, history_size, piece_offset = struct.unpack_from("<HQH", data, 64)
        o = 76
        fields = []
        for size in (COMMITMENT_SIZE, WITNESS_SIZE, SCALAR_BYTES, WITNESS_SIZE, POS_PROOF_SIZE):
            fields.append(bytes(data[o:o + size]))
            o += size
        return cls(bytes(pk), bytes(ra), sector_index, history_size, piece_offset, *fields)
