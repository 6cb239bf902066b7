"""Block import checks (protocol.md 3.2): what a node verifies before a block joins its database.

`check_header(header, parent, ...)` runs the checks in this order and raises the first failure as a named
`BlockImportError` subclass (all ValueError):

0. `UnknownParent` — no parent given, or `header.parent_hash` is not the parent's hash;
   `InvalidBlockNumber` — number != parent number + 1; `MissingPreDigest` — no pre-digest (genesis is never
   imported, it is the database's first block). Checked first: nothing else can be judged without them.
1. `HeaderUnsealed` (no seal), `HeaderBadSeal` (seal or public key not structurally valid sr25519),
   `BadRewardSignature` (seal is not the solution public key's signature over the pre-hash, reward context).
2. `SlotMustIncrease` — slot not strictly greater than the parent's (spec 3.2 lists it with the import-level
   checks; it comes before the PoT checks here because their expected checkpoint count is the slot difference).
3. PoT: `InvalidPotJustification` when the checkpoint count is not `future slot - parent future slot`
   (the parent's future slot is 0 for genesis: the PoT chain starts at slot 1) or the last checkpoint is not
   the future proof of time; then, if `verify_pot` is given, `PotVerificationFailed` when it returns False
   (errors it raises itself, e.g. `protocol.consensus.pot.PotError` subclasses, propagate unchanged).
   `verify_pot(parent, header) -> bool` is the caller's (e.g. the PoT timekeeper's verifier: seeds derived from
   the parent, checkpoints verified fully or from its cache, `proof_of_time` consistent with the chain).
4. Solution: `verify_solution(solution, slot, proof_of_time, solution_range)` — the caller's function (spec 10,
   `protocol.consensus.verify_solution` with KZG and piece-check parameters bound, e.g. with functools.partial);
   it raises its own named errors, which propagate unchanged. It is given the *expected* solution range.
5. `InvalidSolutionRange` — the header's range is not the expected one (see
   `solution_range.solution_range_for_child`); `BelowArchivingPoint` — when `archived_block_number` is given,
   a block at or below it (already archived history) is refused.

`check_block(block, parent, ...)` adds the body checks after the header's: `ExtrinsicsRootMismatch` (the header's
extrinsics root is not `block.body_root()`), `InvalidSegmentHeaders` (when `expected_segment_headers` is given,
the block must store exactly those, in order).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from protocol.archiving.segment import SegmentHeader
from protocol.consensus import schnorrkel
from protocol.consensus.block import Block, Header
from protocol.consensus.keys import verify_signature
from protocol.consensus.solution import Solution

SolutionVerifier = Callable[[Solution, int, bytes, int], object]
BlockPotVerifier = Callable[[Header, Header], bool]


class BlockImportError(ValueError):
    """A block that must not be imported; the subclass names the rule it breaks."""


class UnknownParent(BlockImportError):
    """The parent block is not known (or is not the block the header names)."""


class InvalidBlockNumber(BlockImportError):
    """The block number is not the parent's plus one."""


class MissingPreDigest(BlockImportError):
    """A non-genesis header without the Subspace pre-digest."""


class HeaderUnsealed(BlockImportError):
    """The header carries no seal."""


class HeaderBadSeal(BlockImportError):
    """The seal or the solution's public key is not a structurally valid sr25519 signature / key."""


class BadRewardSignature(BlockImportError):
    """The seal is not the solution public key's signature over the header pre-hash."""


class InvalidPotJustification(BlockImportError):
    """The PoT checkpoints do not cover exactly the slots since the parent, or do not end at the future PoT."""


class PotVerificationFailed(BlockImportError):
    """The proof of time does not verify against the parent's PoT chain."""


class SlotMustIncrease(BlockImportError):
    """The slot is not strictly greater than the parent's."""


class InvalidSolutionRange(BlockImportError):
    """The header's solution range is not the one the chain expects."""


class BelowArchivingPoint(BlockImportError):
    """The block is at or below the archived point: its history is already archived."""


class ExtrinsicsRootMismatch(BlockImportError):
    """The header's extrinsics root does not commit to the block's body."""


class InvalidSegmentHeaders(BlockImportError):
    """The block does not store the segment headers the archiver produced."""


def check_seal(header: Header) -> None:
    """Step 1 alone: the header is sealed by its solution's public key (HeaderUnsealed/HeaderBadSeal/
    BadRewardSignature)."""
    if header.solution is None:
        raise MissingPreDigest(f"header #{header.number} has no pre-digest")
    if header.seal is None:
        raise HeaderUnsealed(f"header #{header.number} is not sealed")
    try:
        ok = verify_signature(header.solution.public_key, header.pre_hash(), header.seal)
    except (schnorrkel.InvalidSignatureFormat, schnorrkel.InvalidPublicKey) as exc:
        raise HeaderBadSeal(f"header #{header.number}: {exc}") from exc
    if not ok:
        raise BadRewardSignature(f"header #{header.number}: seal is not the farmer's signature of the pre-hash")


def check_pot_justification(header: Header, parent: Header) -> None:
    """Step 2's structural part: checkpoint count and last checkpoint (InvalidPotJustification)."""
    assert header.pre_digest is not None
    expected = header.future_slot - parent.future_slot
    if expected <= 0 or len(header.pot_checkpoints) != expected:
        raise InvalidPotJustification(
            f"header #{header.number}: {len(header.pot_checkpoints)} checkpoint sets, expected {max(expected, 0)} "
            f"(future slot {header.future_slot}, parent future slot {parent.future_slot})")
    if header.pot_checkpoints[-1][-1] != header.pre_digest.future_proof_of_time:
        raise InvalidPotJustification(f"header #{header.number}: last checkpoint is not the future proof of time")


def check_header(header: Header, parent: Header | None, *, expected_solution_range: int,
                 verify_solution: SolutionVerifier, verify_pot: BlockPotVerifier | None = None,
                 archived_block_number: int | None = None) -> None:
    """Raise the first rule `header` breaks as a child of `parent` (module docstring for the order)."""
    if parent is None or header.parent_hash != parent.hash():
        raise UnknownParent(f"header #{header.number}: parent 0x{header.parent_hash.hex()} is not known")
    if header.number != parent.number + 1:
        raise InvalidBlockNumber(f"header #{header.number} on parent #{parent.number}")
    if header.pre_digest is None:
        raise MissingPreDigest(f"header #{header.number} has no pre-digest")
    pre = header.pre_digest
    check_seal(header)
    if pre.slot <= parent.slot:
        raise SlotMustIncrease(f"header #{header.number}: slot {pre.slot} after parent slot {parent.slot}")
    check_pot_justification(header, parent)
    if verify_pot is not None and not verify_pot(parent, header):
        raise PotVerificationFailed(f"header #{header.number}: proof of time does not verify")
    verify_solution(pre.solution, pre.slot, pre.proof_of_time, expected_solution_range)
    if header.solution_range != expected_solution_range:
        raise InvalidSolutionRange(f"header #{header.number}: solution range {header.solution_range}, "
                                   f"expected {expected_solution_range}")
    if archived_block_number is not None and header.number <= archived_block_number:
        raise BelowArchivingPoint(f"block #{header.number} is at or below the archived block "
                                  f"#{archived_block_number}")


def check_block(block: Block, parent: Header | None, *, expected_solution_range: int,
                verify_solution: SolutionVerifier, verify_pot: BlockPotVerifier | None = None,
                expected_segment_headers: Sequence[SegmentHeader] | None = None,
                archived_block_number: int | None = None) -> None:
    """`check_header`, then the body: extrinsics root, and segment headers when `expected_segment_headers`
    is given."""
    check_header(block.header, parent, expected_solution_range=expected_solution_range,
                 verify_solution=verify_solution, verify_pot=verify_pot,
                 archived_block_number=archived_block_number)
    if block.header.extrinsics_root != block.body_root():
        raise ExtrinsicsRootMismatch(f"block #{block.number}: extrinsics root does not match the body")
    if expected_segment_headers is not None and tuple(expected_segment_headers) != block.segment_headers:
        raise InvalidSegmentHeaders(
            f"block #{block.number}: stores {len(block.segment_headers)} segment headers "
            f"({[h.segment_index for h in block.segment_headers]}), expected "
            f"{[h.segment_index for h in expected_segment_headers]}")
