"""The archiver's segment framing state machine (storage_and_time.md 5.1), separate from the
cryptography of 5.2 so that it can be checked against `archiving.json` on its own.

Blocks are buffered as items; `next_segment()` fills one segment of 130,023,424 bytes exactly as
the reference does, including its quirks (the loop stops 2 bytes short of SIZE; a cut keeps
`len - spill` payload bytes with the spill computed from the ORIGINAL compact prefix; an item whose
spill exceeds its payload is pushed back whole).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from protocol.archiving.segment import (
    INITIAL_LAST_ARCHIVED_BLOCK, ItemKind, LastArchivedBlock, SegmentHeader, SegmentItem,
)
from protocol.constants import RECORDED_HISTORY_SEGMENT_SIZE

# The fill loop runs while size < SIZE - 2 (S&T 5.1).
_FILL_LIMIT_SLACK = 2


class InvalidLastArchivedBlock(ValueError):
    """The restart block has exactly the length the header says was already archived."""


class InvalidBlockSmallSize(ValueError):
    """The restart block is shorter than what the header says was already archived."""


@dataclass
class FramedSegment:
    """Items of one segment (in order) and the last archived block after it."""

    items: list[SegmentItem]
    last_archived_block: LastArchivedBlock


class SegmentFramer:
    """Buffers blocks and cuts them into segments. `size` is SIZE (tests of the cutting rules may shrink it)."""

    def __init__(self, size: int = RECORDED_HISTORY_SEGMENT_SIZE) -> None:
        self.size = size
        self.buffer: deque[SegmentItem] = deque()
        self.last_archived_block = INITIAL_LAST_ARCHIVED_BLOCK

    @classmethod
    def with_initial_state(cls, header: SegmentHeader, last_block: bytes,
                           size: int = RECORDED_HISTORY_SEGMENT_SIZE) -> "SegmentFramer":
        """Resume after `header`; `last_block` is the bytes of the header's last archived block."""
        framer = cls(size)
        lab = header.last_archived_block
        framer.last_archived_block = lab
        framer.buffer.append(SegmentItem(ItemKind.PARENT_SEGMENT_HEADER, header=header))
        if lab.partial is not None:
            if len(last_block) == lab.partial:
                raise InvalidLastArchivedBlock(f"InvalidLastArchivedBlock({lab.partial})")
            if len(last_block) < lab.partial:
                raise InvalidBlockSmallSize(f"InvalidBlockSmallSize {{block_bytes: {len(last_block)}, "
                                            f"archived_block_bytes: {lab.partial}}}")
            framer.buffer.append(SegmentItem(ItemKind.BLOCK_CONTINUATION, memoryview(last_block)[lab.partial:]))
        return framer

    def add_block(self, data: bytes) -> None:
        self.buffer.append(SegmentItem(ItemKind.BLOCK, memoryview(data)))

    def push_parent_header(self, header: SegmentHeader) -> None:
        """After a segment is produced: its header opens the next segment."""
        self.buffer.appendleft(SegmentItem(ItemKind.PARENT_SEGMENT_HEADER, header=header))

    def next_segment(self) -> FramedSegment | None:
        """Fill one segment from the buffer, or None (buffer untouched) if there is not enough data yet."""
        items: list[SegmentItem] = []
        size = 1  # the segment's version byte
        lab = self.last_archived_block
        while size < self.size - _FILL_LIMIT_SLACK:
            if not self.buffer:
                self.buffer.extendleft(reversed(items))
                return None
            item = self.buffer.popleft()
            item_size = item.encoded_size()
            size += item_size
            if size >= self.size:
                spill = size - self.size
                if spill > item.payload_len:
                    self.buffer.appendleft(item)
                    size -= item_size
                    break
            if item.kind == ItemKind.BLOCK:
                number = lab.number if lab == INITIAL_LAST_ARCHIVED_BLOCK else lab.number + 1
                lab = LastArchivedBlock(number, None)
            elif item.kind == ItemKind.BLOCK_CONTINUATION:
                lab = LastArchivedBlock(lab.number, (lab.partial or 0) + len(item.data))
            items.append(item)

        spill = max(0, size - self.size)
        if spill > 0:
            last = items[-1]
            keep = len(last.data) - spill
            head, tail = last.data[:keep], last.data[keep:]
            self.buffer.appendleft(SegmentItem(ItemKind.BLOCK_CONTINUATION, tail))
            if last.kind == ItemKind.BLOCK:
                items[-1] = SegmentItem(ItemKind.BLOCK_START, head)
                lab = LastArchivedBlock(lab.number, keep)
            else:  # BLOCK_CONTINUATION
                items[-1] = SegmentItem(ItemKind.BLOCK_CONTINUATION, head)
                lab = LastArchivedBlock(lab.number, (lab.partial or 0) - spill)
        else:
            lab = LastArchivedBlock(lab.number, None)
        self.last_archived_block = lab
        return FramedSegment(items, lab)
