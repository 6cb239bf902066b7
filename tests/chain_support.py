"""Builders shared by the consensus and node tests: deterministic solutions, headers and small chains."""
from __future__ import annotations

import hashlib

from protocol.consensus.block import Block, Header, PreDigest, body_root, genesis_block
from protocol.consensus.solution import Solution
from protocol.consensus.solution_range import INITIAL_SOLUTION_RANGE


def filled(tag: str, size: int) -> bytes:
    """Deterministic bytes of `size` derived from `tag` (SHAKE-256)."""
    return hashlib.shake_256(tag.encode()).digest(size)


def make_solution(public_key: bytes | None = None, tag: str = "s") -> Solution:
    return Solution(public_key or filled(tag + "pk", 32), filled(tag + "ra", 32), 3, 7, 11,
                    filled(tag + "rc", 48), filled(tag + "rw", 48), b"\x00" + filled(tag + "ch", 31),
                    filled(tag + "cw", 48), filled(tag + "pos", 160))


def checkpoints(tag: str, slots: int, last_output: bytes | None = None) -> tuple[tuple[bytes, ...], ...]:
    """`slots` checkpoint sets; the final checkpoint of the last set is `last_output` when given."""
    sets = [tuple(filled(f"{tag}cp{s}/{i}", 16) for i in range(8)) for s in range(slots)]
    if last_output is not None and sets:
        sets[-1] = sets[-1][:7] + (last_output,)
    return tuple(sets)


def make_header(parent: Header, slot: int, solution_range: int = INITIAL_SOLUTION_RANGE,
                public_key: bytes | None = None, extrinsics: tuple[bytes, ...] = (), tag: str = "h") -> Header:
    """An unsealed child of `parent` at `slot`, with a PoT justification of the right length."""
    future = filled(f"{tag}fut{slot}", 16)
    count = slot + 4 - parent.future_slot
    pre = PreDigest(slot, make_solution(public_key, tag), filled(f"{tag}pot{slot}", 16), future)
    return Header(parent.hash(), parent.number + 1, filled(f"{tag}state{slot}", 32), body_root(extrinsics), pre,
                  solution_range, checkpoints(f"{tag}{slot}", max(count, 0), future))


def genesis() -> Block:
    return genesis_block(INITIAL_SOLUTION_RANGE)


def make_chain(length: int, tag: str = "c", start: Block | None = None, slot_step: int = 6) -> list[Block]:
    """`length` unsealed blocks after `start` (default: genesis), extrinsic bodies included."""
    blocks = [start or genesis()]
    for _ in range(length):
        parent = blocks[-1].header
        xts = (f"{tag}-xt-{parent.number + 1}".encode(),)
        blocks.append(Block(make_header(parent, parent.slot + slot_step, extrinsics=xts, tag=tag), xts))
    return blocks[1:] if start is not None else blocks
