"""Block headers and blocks of the node (protocol.md 3.2, storage_and_time.md 2.2 and 10).

What a header carries, in the network's terms:

* `parent_hash`, `number` (u32 BlockNumber), `state_root`, `extrinsics_root`: the Substrate header fields;
* `pre_digest`: the Subspace pre-runtime digest `PreDigest::V0 {slot, solution, pot_info: PreDigestPotInfo::V0
  {proof_of_time, future_proof_of_time}}` — the slot claimed, the farmer's `Solution`, the PoT output of that
  slot and of slot + BLOCK_AUTHORING_DELAY (the "future" proof of time). Absent only in the genesis header;
* `solution_range`: the range the solution was checked against (the network deposits it as a digest item);
* `pot_checkpoints`: the PoT checkpoints of every slot from the parent's future slot + 1 up to this block's
  future slot, 8 x 16 bytes per slot (the network sends them as the block's `SubspaceJustification`);
* `seal`: the 64-byte sr25519 signature of the solution's public key over the header *pre-hash* (the hash of
  the header without its seal), with signing context REWARD_SIGNING_CONTEXT (see `protocol.consensus.keys`).

Hashing. The network hashes headers with BLAKE2-256 over the SCALE encoding of the Substrate header, whose
digest holds the pre-digest and seal as `DigestItem`s. This node uses BLAKE3-256 (the hash every other
part of this project uses) over its own fixed SCALE layout below; the shape — which fields, which order,
pre-hash without seal, hash with seal — mimics the network, but the hashes are not the network's.

SCALE layout of a header (integers little-endian, `compact` = SCALE compact integer):

    parent_hash[32] | compact(number) | state_root[32] | extrinsics_root[32]
    | Option<PreDigest> (0x00 | 0x01 PreDigest)
    | solution_range u64
    | compact(len) PotCheckpoints*   (each 8 x 16 = 128 bytes)
    | Option<seal> (0x00 | 0x01 signature[64])

    PreDigest = 0x00 (V0) | slot u64 | Solution (SOLUTION_SIZE bytes) | 0x00 (PotInfo V0)
                | proof_of_time[16] | future_proof_of_time[16]

A block is `header | compact(n) (compact(len) extrinsic)* | compact(m) SegmentHeader*`: extrinsics are opaque
byte strings (this node does not execute a runtime), segment headers are those the block stores (the network
carries them in an inherent). `extrinsics_root = BLAKE3(SCALE(body))` (the network uses an ordered trie root).

API: `Header`, `PreDigest`, `Block`, `body_root(extrinsics, segment_headers)`, `genesis_block(...)`;
`Header.hash()`, `Header.pre_hash()`, `Header.with_seal(sig)`, `encode()`/`decode(bytes)` on every type.
Decoding bad bytes raises `protocol.scale.ScaleDecodeError` (a ValueError); bad field values ValueError.
"""
from __future__ import annotations

import dataclasses
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import blake3

from protocol.archiving.segment import SegmentHeader
from protocol.constants import BLOCK_AUTHORING_DELAY, HASH_SIZE, POT_CHECKPOINT_SIZE, POT_CHECKPOINTS_PER_SLOT
from protocol.consensus.solution import SOLUTION_SIZE, Solution
from protocol.scale import ScaleDecodeError, decode_compact, encode_compact

POT_OUTPUT_SIZE = POT_CHECKPOINT_SIZE  # 16 bytes: a PoT output is a checkpoint
POT_CHECKPOINTS_SIZE = POT_CHECKPOINTS_PER_SLOT * POT_CHECKPOINT_SIZE  # 128 bytes per slot
SEAL_SIZE = 64  # sr25519 signature
ZERO_HASH = bytes(HASH_SIZE)
PRE_DIGEST_VERSION_V0 = 0
POT_INFO_VERSION_V0 = 0
PRE_DIGEST_SIZE = 1 + 8 + SOLUTION_SIZE + 1 + 2 * POT_OUTPUT_SIZE
_U32 = 1 << 32
_U64 = 1 << 64


def _hash(data: bytes) -> bytes:
    return blake3.blake3(data).digest()


def _check_bytes(name: str, value: object, size: int) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        got = len(value) if isinstance(value, (bytes, bytearray)) else type(value).__name__
        raise ValueError(f"{name}: expected {size} bytes, got {got}")
    return bytes(value)


def _check_uint(name: str, value: object, limit: int, kind: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < limit:
        raise ValueError(f"{name}: {value!r} is not a {kind}")


def _need(data: bytes | memoryview, offset: int, size: int, what: str) -> None:
    if offset + size > len(data):
        raise ScaleDecodeError(f"{what}: input exhausted")


def _option_tag(data: bytes | memoryview, offset: int, what: str) -> bool:
    _need(data, offset, 1, what)
    tag = data[offset]
    if tag not in (0, 1):
        raise ScaleDecodeError(f"{what}: invalid Option tag {tag}")
    return tag == 1


@dataclass(frozen=True)
class PreDigest:
    """Subspace pre-digest V0: slot (u64), solution, PoT output of `slot` and of `slot + 4`."""

    slot: int
    solution: Solution
    proof_of_time: bytes
    future_proof_of_time: bytes

    def __post_init__(self) -> None:
        _check_uint("pre_digest.slot", self.slot, _U64, "u64")
        if not isinstance(self.solution, Solution):
            raise ValueError(f"pre_digest.solution: expected a Solution, got {type(self.solution).__name__}")
        object.__setattr__(self, "proof_of_time", _check_bytes("pre_digest.proof_of_time", self.proof_of_time,
                                                               POT_OUTPUT_SIZE))
        object.__setattr__(self, "future_proof_of_time", _check_bytes(
            "pre_digest.future_proof_of_time", self.future_proof_of_time, POT_OUTPUT_SIZE))

    @property
    def future_slot(self) -> int:
        """Slot whose PoT output is `future_proof_of_time`: slot + BLOCK_AUTHORING_DELAY."""
        return self.slot + BLOCK_AUTHORING_DELAY

    def encode(self) -> bytes:
        """SCALE encoding, PRE_DIGEST_SIZE bytes."""
        return (bytes([PRE_DIGEST_VERSION_V0]) + struct.pack("<Q", self.slot) + self.solution.encode()
                + bytes([POT_INFO_VERSION_V0]) + self.proof_of_time + self.future_proof_of_time)

    @classmethod
    def decode_from(cls, data: bytes | memoryview, offset: int = 0) -> tuple[PreDigest, int]:
        """(pre-digest, new offset) decoded at `offset`."""
        _need(data, offset, PRE_DIGEST_SIZE, "pre-digest")
        if data[offset] != PRE_DIGEST_VERSION_V0:
            raise ScaleDecodeError(f"pre-digest: unknown version {data[offset]}")
        (slot,) = struct.unpack_from("<Q", data, offset + 1)
        o = offset + 9
        try:
            solution = Solution.decode(bytes(data[o:o + SOLUTION_SIZE]))
        except ValueError as exc:  # e.g. history_size 0
            raise ScaleDecodeError(f"pre-digest: {exc}") from exc
        o += SOLUTION_SIZE
        if data[o] != POT_INFO_VERSION_V0:
            raise ScaleDecodeError(f"pre-digest: unknown PoT info version {data[o]}")
        o += 1
        pot = bytes(data[o:o + POT_OUTPUT_SIZE])
        future = bytes(data[o + POT_OUTPUT_SIZE:o + 2 * POT_OUTPUT_SIZE])
        return cls(slot, solution, pot, future), o + 2 * POT_OUTPUT_SIZE


def _normalise_checkpoints(value: object) -> tuple[tuple[bytes, ...], ...]:
    if isinstance(value, (bytes, bytearray, str)) or not isinstance(value, Iterable):
        raise ValueError("pot_checkpoints: expected a sequence of per-slot checkpoint lists")
    out = []
    for i, slot_checkpoints in enumerate(value):
        if isinstance(slot_checkpoints, (bytes, bytearray, str)) or not isinstance(slot_checkpoints, Iterable):
            raise ValueError(f"pot_checkpoints[{i}]: expected {POT_CHECKPOINTS_PER_SLOT} checkpoints")
        cps = tuple(_check_bytes(f"pot_checkpoints[{i}][{j}]", cp, POT_CHECKPOINT_SIZE)
                    for j, cp in enumerate(slot_checkpoints))
        if len(cps) != POT_CHECKPOINTS_PER_SLOT:
            raise ValueError(f"pot_checkpoints[{i}]: expected {POT_CHECKPOINTS_PER_SLOT} checkpoints, got {len(cps)}")
        out.append(cps)
    return tuple(out)


@dataclass(frozen=True)
class Header:
    """A block header (module docstring for the fields and the encoding). Immutable; `with_seal` seals."""

    parent_hash: bytes
    number: int
    state_root: bytes
    extrinsics_root: bytes
    pre_digest: PreDigest | None
    solution_range: int
    pot_checkpoints: tuple[tuple[bytes, ...], ...] = ()
    seal: bytes | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "parent_hash", _check_bytes("header.parent_hash", self.parent_hash, HASH_SIZE))
        _check_uint("header.number", self.number, _U32, "u32 block number")
        object.__setattr__(self, "state_root", _check_bytes("header.state_root", self.state_root, HASH_SIZE))
        object.__setattr__(self, "extrinsics_root",
                           _check_bytes("header.extrinsics_root", self.extrinsics_root, HASH_SIZE))
        if self.pre_digest is None and self.number != 0:
            raise ValueError(f"header #{self.number}: only the genesis header has no pre-digest")
        if self.pre_digest is not None and not isinstance(self.pre_digest, PreDigest):
            raise ValueError(f"header.pre_digest: expected a PreDigest, got {type(self.pre_digest).__name__}")
        _check_uint("header.solution_range", self.solution_range, _U64, "u64")
        object.__setattr__(self, "pot_checkpoints", _normalise_checkpoints(self.pot_checkpoints))
        if self.seal is not None:
            object.__setattr__(self, "seal", _check_bytes("header.seal", self.seal, SEAL_SIZE))

    # --- derived values ------------------------------------------------------------------------------
    @property
    def slot(self) -> int:
        """The slot claimed by the pre-digest; 0 for genesis."""
        return 0 if self.pre_digest is None else self.pre_digest.slot

    @property
    def future_slot(self) -> int:
        """Slot of the last PoT output this header proves: slot + 4; 0 for genesis (the PoT chain starts
        at slot 1 after genesis, S&T 2.2)."""
        return 0 if self.pre_digest is None else self.pre_digest.future_slot

    @property
    def solution(self) -> Solution | None:
        return None if self.pre_digest is None else self.pre_digest.solution

    @property
    def is_genesis(self) -> bool:
        return self.number == 0

    # --- encoding and hashing ------------------------------------------------------------------------
    def encode(self) -> bytes:
        """SCALE encoding of the whole header, seal included."""
        return self._encode(with_seal=True)

    def encode_unsealed(self) -> bytes:
        """SCALE encoding with the seal slot set to None: what the pre-hash covers."""
        return self._encode(with_seal=False)

    def _encode(self, with_seal: bool) -> bytes:
        parts = [self.parent_hash, encode_compact(self.number), self.state_root, self.extrinsics_root]
        parts.append(b"\x00" if self.pre_digest is None else b"\x01" + self.pre_digest.encode())
        parts.append(struct.pack("<Q", self.solution_range))
        parts.append(encode_compact(len(self.pot_checkpoints)))
        parts.extend(b"".join(cps) for cps in self.pot_checkpoints)
        parts.append(b"\x01" + self.seal if with_seal and self.seal is not None else b"\x00")
        return b"".join(parts)

    def pre_hash(self) -> bytes:
        """BLAKE3 of the unsealed encoding: the message the seal signs (the same before and after sealing)."""
        return _hash(self.encode_unsealed())

    def hash(self) -> bytes:
        """Block hash: BLAKE3 of the full SCALE encoding, seal included."""
        return _hash(self.encode())

    def with_seal(self, seal: bytes) -> Header:
        """A copy of this header carrying `seal` (64 bytes)."""
        return dataclasses.replace(self, seal=seal)

    @classmethod
    def decode_from(cls, data: bytes | memoryview, offset: int = 0) -> tuple[Header, int]:
        """(header, new offset) decoded at `offset`."""
        _need(data, offset, HASH_SIZE, "header")
        parent = bytes(data[offset:offset + HASH_SIZE])
        number, o = decode_compact(data, offset + HASH_SIZE)
        if number >= _U32:
            raise ScaleDecodeError(f"header: block number {number} is not a u32")
        _need(data, o, 2 * HASH_SIZE, "header")
        state_root = bytes(data[o:o + HASH_SIZE])
        extrinsics_root = bytes(data[o + HASH_SIZE:o + 2 * HASH_SIZE])
        o += 2 * HASH_SIZE
        pre_digest = None
        if _option_tag(data, o, "header pre-digest"):
            pre_digest, o = PreDigest.decode_from(data, o + 1)
        else:
            o += 1
        _need(data, o, 8, "header solution range")
        (solution_range,) = struct.unpack_from("<Q", data, o)
        count, o = decode_compact(data, o + 8)
        _need(data, o, count * POT_CHECKPOINTS_SIZE, "header PoT checkpoints")
        checkpoints = []
        for _ in range(count):
            checkpoints.append(tuple(bytes(data[o + i * POT_CHECKPOINT_SIZE:o + (i + 1) * POT_CHECKPOINT_SIZE])
                                     for i in range(POT_CHECKPOINTS_PER_SLOT)))
            o += POT_CHECKPOINTS_SIZE
        seal = None
        if _option_tag(data, o, "header seal"):
            _need(data, o + 1, SEAL_SIZE, "header seal")
            seal = bytes(data[o + 1:o + 1 + SEAL_SIZE])
            o += 1 + SEAL_SIZE
        else:
            o += 1
        try:
            header = cls(parent, number, state_root, extrinsics_root, pre_digest, solution_range,
                         tuple(checkpoints), seal)
        except ValueError as exc:  # e.g. a non-genesis header without pre-digest
            raise ScaleDecodeError(f"header: {exc}") from exc
        return header, o

    @classmethod
    def decode(cls, data: bytes) -> Header:
        header, end = cls.decode_from(data)
        if end != len(data):
            raise ScaleDecodeError(f"header: {len(data) - end} trailing bytes")
        return header


def _encode_body(extrinsics: Sequence[bytes], segment_headers: Sequence[SegmentHeader]) -> bytes:
    parts = [encode_compact(len(extrinsics))]
    for xt in extrinsics:
        parts.append(encode_compact(len(xt)))
        parts.append(bytes(xt))
    parts.append(encode_compact(len(segment_headers)))
    parts.extend(sh.encode() for sh in segment_headers)
    return b"".join(parts)


def body_root(extrinsics: Sequence[bytes], segment_headers: Sequence[SegmentHeader] = ()) -> bytes:
    """The `extrinsics_root` a header must carry for this body: BLAKE3 of the body's SCALE encoding."""
    return _hash(_encode_body(extrinsics, segment_headers))


@dataclass(frozen=True)
class Block:
    """Header plus body: opaque extrinsics and the segment headers this block stores (in index order)."""

    header: Header
    extrinsics: tuple[bytes, ...] = ()
    segment_headers: tuple[SegmentHeader, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.header, Header):
            raise ValueError(f"block.header: expected a Header, got {type(self.header).__name__}")
        if isinstance(self.extrinsics, (bytes, bytearray)):
            raise ValueError("block.extrinsics: expected a sequence of byte strings, got one byte string")
        xts = tuple(self.extrinsics)
        for i, xt in enumerate(xts):
            if not isinstance(xt, (bytes, bytearray)):
                raise ValueError(f"block.extrinsics[{i}]: expected bytes, got {type(xt).__name__}")
        object.__setattr__(self, "extrinsics", tuple(bytes(xt) for xt in xts))
        shs = tuple(self.segment_headers)
        for i, sh in enumerate(shs):
            if not isinstance(sh, SegmentHeader):
                raise ValueError(f"block.segment_headers[{i}]: expected a SegmentHeader, got {type(sh).__name__}")
        object.__setattr__(self, "segment_headers", shs)

    @property
    def number(self) -> int:
        return self.header.number

    def hash(self) -> bytes:
        """The block hash is its header's hash."""
        return self.header.hash()

    def body_root(self) -> bytes:
        """What `header.extrinsics_root` must equal for this body."""
        return body_root(self.extrinsics, self.segment_headers)

    def encode_body(self) -> bytes:
        return _encode_body(self.extrinsics, self.segment_headers)

    def encode(self) -> bytes:
        return self.header.encode() + self.encode_body()

    @staticmethod
    def decode_body(data: bytes | memoryview, offset: int = 0) -> tuple[tuple[bytes, ...], tuple[SegmentHeader, ...],
                                                                      int]:
        """(extrinsics, segment headers, new offset) of a body encoded at `offset`."""
        count, o = decode_compact(data, offset)
        extrinsics = []
        for _ in range(count):
            size, o = decode_compact(data, o)
            _need(data, o, size, "block extrinsic")
            extrinsics.append(bytes(data[o:o + size]))
            o += size
        count, o = decode_compact(data, o)
        segment_headers = []
        for _ in range(count):
            sh, o = SegmentHeader.decode_from(data, o)
            segment_headers.append(sh)
        return tuple(extrinsics), tuple(segment_headers), o

    @classmethod
    def decode(cls, data: bytes) -> Block:
        header, o = Header.decode_from(data)
        extrinsics, segment_headers, o = cls.decode_body(data, o)
        if o != len(data):
            raise ScaleDecodeError(f"block: {len(data) - o} trailing bytes")
        return cls(header, extrinsics, segment_headers)


def genesis_block(solution_range: int, state_root: bytes = ZERO_HASH, extrinsics: Sequence[bytes] = (),
                  segment_headers: Sequence[SegmentHeader] = ()) -> Block:
    """Block #0: zero parent hash, no pre-digest, no seal; `solution_range` is the chain's initial range
    (`protocol.consensus.solution_range.INITIAL_SOLUTION_RANGE` on mainnet-like chains)."""
    header = Header(ZERO_HASH, 0, state_root, body_root(extrinsics, segment_headers), None, solution_range)
    return Block(header, tuple(extrinsics), tuple(segment_headers))
