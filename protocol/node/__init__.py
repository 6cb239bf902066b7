"""The node (ARCHITECTURE "node"): chain database and loopback RPC; the running loop and `autonomys node`
wire them to consensus (protocol.consensus) and archiving."""
from protocol.node.chain_db import (
    ChainDb, ChainDbError, ChainHead, GenesisMismatch, ImportResult, SegmentHeaderConflict, UnknownBlock,
)
from protocol.node.rpc import DEFAULT_RPC_PORT, RpcServer

__all__ = ["DEFAULT_RPC_PORT", "RpcServer", "ChainDb", "ChainDbError", "ChainHead", "GenesisMismatch",
           "ImportResult", "SegmentHeaderConflict", "UnknownBlock"]
