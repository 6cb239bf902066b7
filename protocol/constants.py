"""Every network constant of the Autonomys (Subspace) protocol, in one place, with its spec section.

Sizes are in bytes unless the name says otherwise. Sections refer to `../shared/spec/storage_and_time.md`
(S&T) and `../shared/spec/protocol.md` (P). Areas append their constants here in their own section.
"""
from __future__ import annotations

# --- S&T 1: sizes of the core primitives ------------------------------------------------------------
SCALAR_BYTES = 32  # canonical big-endian BLS12-381 Fr element
SAFE_SCALAR_BYTES = 31  # bytes that always fit a scalar (prefixed with one 0x00 byte)
RECORD_NUM_CHUNKS = 2**15  # scalars per record
RECORD_NUM_S_BUCKETS = 2**16  # chunks after erasure coding at rate 1/2
RAW_RECORD_SIZE = RECORD_NUM_CHUNKS * SAFE_SCALAR_BYTES  # 1,015,808
RECORD_SIZE = RECORD_NUM_CHUNKS * SCALAR_BYTES  # 1,048,576 (1 MiB)
COMMITMENT_SIZE = 48  # compressed G1: record commitment, segment commitment
WITNESS_SIZE = 48  # compressed G1: record witness, chunk witness
PIECE_SIZE = RECORD_SIZE + COMMITMENT_SIZE + WITNESS_SIZE  # 1,048,672
SOURCE_RECORDS_PER_SEGMENT = 128
PIECES_PER_SEGMENT = 256  # erasure coding rate (1, 2)
RECORDED_HISTORY_SEGMENT_SIZE = SOURCE_RECORDS_PER_SEGMENT * RAW_RECORD_SIZE  # 130,023,424
ARCHIVED_HISTORY_SEGMENT_SIZE = PIECES_PER_SEGMENT * PIECE_SIZE  # 268,460,032
POS_SEED_SIZE = 32
POS_K = 20
POS_PROOF_SIZE = 64 * POS_K // 8  # 160
HASH_SIZE = 32  # BLAKE3-256

# --- S&T 5.1-5.2: archiving -------------------------------------------------------------------------
SEGMENT_HEADER_SIZE_COMPLETE = 94  # SCALE(SegmentHeader::V0) with archived_progress = Complete
SEGMENT_HEADER_SIZE_PARTIAL = 98  # ... with archived_progress = Partial(u32)

# --- S&T 6-10 and P 3: farming and consensus parameters (mainnet runtime) ----------------------------
MAX_PIECES_IN_SECTOR = 1000
RECENT_SEGMENTS = 5
RECENT_HISTORY_FRACTION = (1, 10)
MIN_SECTOR_LIFETIME = 4  # in history sizes (segments)
SLOT_PROBABILITY = (1, 6)
CONTENTS_MAP_BITFIELD_SIZE = RECORD_NUM_S_BUCKETS // 8  # 8,192 bytes per record
RECORD_METADATA_SIZE = COMMITMENT_SIZE + WITNESS_SIZE + HASH_SIZE  # 128 bytes per record

# --- P 3.1 / S&T 2.2, 10: consensus (block production, solution range, fork choice) ------------------
U64_MAX = 2**64 - 1
SLOT_DURATION_MS = 1000
BLOCK_AUTHORING_DELAY = 4  # slots: a block for slot S carries the PoT output of slot S + 4
ERA_DURATION = 2016  # blocks per solution-range era
ERA_DURATION_DEV = 10  # [DESIGN] dev chains with solution range adjustment on (off by default): eras of 10 blocks
EXPECTED_VOTES_PER_BLOCK = 9  # voting solution range = block range x (9 + 1)
CONFIRMATION_DEPTH_K = 100  # archiving depth (dev chains: 5)
CONFIRMATION_DEPTH_K_DEV = 5
POT_CHECKPOINTS_PER_SLOT = 8
POT_CHECKPOINT_SIZE = 16
REWARD_SIGNING_CONTEXT = b"subspace_reward"  # sr25519 signing context of the block seal (P 3.2 step 1)

# --- S&T 2 and P 3.1: proof of time ---------------------------------------------------------------
POT_SEED_SIZE = 16  # PotSeed; also PotKey = BLAKE3(seed)[..16] and PotOutput
POT_OUTPUT_SIZE = 16
POT_CHECKPOINTS = 8  # PotCheckpoints = 8 x 16 bytes; output = the last one
POT_ITERATIONS_MULTIPLE = 2 * POT_CHECKPOINTS  # slot iterations must divide into 8 even segments
POT_ENTROPY_SIZE = 32  # Blake3Hash of (solution chunk || proof of time) injected into the chain (S&T 2.3)
POT_SLOT_ITERATIONS_MAINNET = 206_557_520  # genesis value; root may raise it (S&T 2.2)
POT_SLOT_ITERATIONS_DEVNET = 150_000_000
POT_SLOT_ITERATIONS_DEV = 100_000_000  # the reference's dev/local chain spec
POT_SLOT_ITERATIONS_DEMO = 4_096  # [DESIGN] this project's `autonomys node --dev` default: milliseconds per slot
POT_GENESIS_SLOT = 1  # the PoT chain starts at slot 1 from the genesis seed (S&T 2.2)
POT_ENTROPY_INJECTION_INTERVAL = 50  # blocks
POT_ENTROPY_INJECTION_LOOKBACK_DEPTH = 2  # intervals: entropy of block 50k is injected after block 50k + 100
POT_ENTROPY_INJECTION_DELAY = 15  # slots after the injecting block's slot
POT_MAX_SLOTS_IN_THE_FUTURE = 10  # gossip: proofs further ahead of the current slot are dropped (S&T 2.4)
POT_EXPECTED_VERIFICATION_SPEEDUP = 7  # gossip: with this many distinct candidates, prove instead of verifying
POT_GOSSIP_MAX_ITERATIONS_GROWTH = (3, 2)  # gossip: slot iterations above 1.5x the current ones are refused
# Full vs quick PoT verification of imported blocks during sync (sc-consensus-subspace): every block within
# this distance of the sync target is fully verified; further back a random sample is (see consensus.pot_verifier).
POT_FULL_VERIFICATION_DEPTH = 1_581
POT_VERIFIER_CACHE_SIZE = 1_000  # [DESIGN] verified (seed, iterations) -> checkpoints kept (LRU)
