"""Import-level checks (protocol.md 3.2): each named error, the check order, and the caller's verifiers."""
from __future__ import annotations

import dataclasses

import pytest

from chain_support import checkpoints, filled, genesis, make_header
from protocol.archiving.segment import LastArchivedBlock, SegmentHeader
from protocol.consensus.block import Block, body_root
from protocol.consensus.block_import import (
    BadRewardSignature, BelowArchivingPoint, ExtrinsicsRootMismatch, HeaderBadSeal, HeaderUnsealed,
    InvalidBlockNumber, InvalidPotJustification, PotVerificationFailed, InvalidSegmentHeaders, InvalidSolutionRange,
    SlotMustIncrease, UnknownParent, check_block, check_header,
)
from protocol.consensus.keys import Keypair, seal_header
from protocol.consensus.solution_range import INITIAL_SOLUTION_RANGE

KP = Keypair(bytes(range(32)))
GENESIS = genesis().header


class SolutionRejected(ValueError):
    pass


class Recorder:
    def __init__(self, fail: bool = False):
        self.calls, self.fail = [], fail

    def __call__(self, solution, slot, proof_of_time, solution_range):
        self.calls.append((solution, slot, proof_of_time, solution_range))
        if self.fail:
            raise SolutionRejected("OutsideSolutionRange")


def child(parent=GENESIS, slot=3, seal=True, **kwargs):
    h = make_header(parent, slot, public_key=KP.public_key, **kwargs)
    return seal_header(h, KP) if seal else h


def check(header, parent=GENESIS, verifier=None, **kwargs):
    kwargs.setdefault("expected_solution_range", INITIAL_SOLUTION_RANGE)
    check_header(header, parent, verify_solution=verifier or Recorder(), **kwargs)


def test_valid_header_passes_and_solution_is_verified_with_expected_range():
    h = child()
    rec = Recorder()
    check(h, verifier=rec)
    pre = h.pre_digest
    assert rec.calls == [(pre.solution, 3, pre.proof_of_time, INITIAL_SOLUTION_RANGE)]
    h2 = child(h, slot=9)
    assert len(h2.pot_checkpoints) == 6
    check(h2, parent=h)


def test_parent_errors():
    h = child()
    with pytest.raises(UnknownParent):
        check(h, parent=None)
    with pytest.raises(UnknownParent):
        check(h, parent=child(slot=2))
    wrong_number = seal_header(dataclasses.replace(make_header(GENESIS, 3, public_key=KP.public_key), number=2), KP)
    with pytest.raises(InvalidBlockNumber):
        check(wrong_number)


def test_seal_errors():
    with pytest.raises(HeaderUnsealed):
        check(child(seal=False))
    h = child()
    with pytest.raises(HeaderBadSeal, match="not marked"):
        check(h.with_seal(bytes(64)))
    with pytest.raises(BadRewardSignature):
        check(h.with_seal(KP.sign(b"something else")))
    with pytest.raises(BadRewardSignature):  # the network's context, not Substrate's
        check(h.with_seal(KP.sign(h.pre_hash(), context=b"substrate")))
    other = Keypair(bytes(32))
    h_other = make_header(GENESIS, 3, public_key=KP.public_key).with_seal(other.sign(h.pre_hash()))
    with pytest.raises(BadRewardSignature):
        check(h_other)
    bad_key = make_header(GENESIS, 3, public_key=b"\xff" * 32).with_seal(KP.sign(b"x"))
    with pytest.raises(HeaderBadSeal, match="Ristretto"):
        check(bad_key)


def test_slot_must_increase():
    h = child(slot=5)
    with pytest.raises(SlotMustIncrease):
        check(child(h, slot=5), parent=h)
    with pytest.raises(SlotMustIncrease):
        check(child(h, slot=4), parent=h)
    with pytest.raises(SlotMustIncrease):
        check(child(GENESIS, slot=0))


def test_pot_justification_errors():
    base = make_header(GENESIS, 3, public_key=KP.public_key)
    fut = base.pre_digest.future_proof_of_time
    too_few = dataclasses.replace(base, pot_checkpoints=checkpoints("x", 6, fut))
    with pytest.raises(InvalidPotJustification, match="6 checkpoint sets, expected 7"):
        check(seal_header(too_few, KP))
    wrong_last = dataclasses.replace(base, pot_checkpoints=checkpoints("x", 7, filled("other", 16)))
    with pytest.raises(InvalidPotJustification, match="last checkpoint"):
        check(seal_header(wrong_last, KP))


def test_pot_verifier_is_consulted():
    h = child()
    seen = []
    check(h, verify_pot=lambda parent, header: seen.append((parent, header)) or True)
    assert seen == [(GENESIS, h)]
    with pytest.raises(PotVerificationFailed):
        check(h, verify_pot=lambda parent, header: False)


def test_solution_verifier_errors_propagate():
    with pytest.raises(SolutionRejected):
        check(child(), verifier=Recorder(fail=True))


def test_solution_range_and_archiving_point():
    with pytest.raises(InvalidSolutionRange, match="expected 5"):
        check(child(), expected_solution_range=5)
    with pytest.raises(BelowArchivingPoint):
        check(child(), archived_block_number=1)
    check(child(), archived_block_number=0)


def test_checks_run_in_order():
    # unsealed AND wrong range AND failing solution: the seal is reported first
    with pytest.raises(HeaderUnsealed):
        check(child(seal=False), verifier=Recorder(fail=True), expected_solution_range=5)
    # bad PoT AND failing solution: PoT first
    with pytest.raises(PotVerificationFailed):
        check(child(), verifier=Recorder(fail=True), verify_pot=lambda p, h: False)
    # failing solution AND wrong range: solution first
    with pytest.raises(SolutionRejected):
        check(child(), verifier=Recorder(fail=True), expected_solution_range=5)


def test_block_body_checks():
    xts = (b"tx1", b"tx2")
    sh = SegmentHeader(0, filled("c", 48), bytes(32), LastArchivedBlock(0, 10))
    good = Block(child(extrinsics=xts), xts)
    kw = {"expected_solution_range": INITIAL_SOLUTION_RANGE, "verify_solution": Recorder()}
    check_block(good, GENESIS, **kw)
    check_block(good, GENESIS, expected_segment_headers=(), **kw)
    with pytest.raises(ExtrinsicsRootMismatch):
        check_block(Block(good.header, (b"tx1",)), GENESIS, **kw)
    with pytest.raises(InvalidSegmentHeaders):
        check_block(good, GENESIS, expected_segment_headers=(sh,), **kw)
    h = seal_header(dataclasses.replace(make_header(GENESIS, 3, public_key=KP.public_key),
                                        extrinsics_root=body_root((), (sh,))), KP)
    check_block(Block(h, (), (sh,)), GENESIS, expected_segment_headers=[sh], **kw)
