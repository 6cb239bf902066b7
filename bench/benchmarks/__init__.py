"""asv benchmarks of the accel kernels, one module per kernel family, parameterised by backend.

Run from bench/: `asv run --quick -E existing` (uses the active environment, offline), then
`asv publish` for the HTML. Backends unavailable on the machine are skipped (setup raises
NotImplementedError, which asv reports as skipped).
"""
