"""Farming (storage_and_time.md 6-10) per backend: plotting one record into a sector, auditing a
farm of 1,000 sectors of 1,000 pieces from page cache, proving a solution and verifying it. The setup lives in
protocol.farmer.bench (also `python -m protocol.farmer.bench BACKEND`)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from .common import WholeRunBenchmark, backend_or_skip

PUBLIC_KEY = bytes(range(32))
U64_MAX = 2**64 - 1


class Farming(WholeRunBenchmark):
    repeat = (1, 3, 300.0)

    def setup(self, backend):
        from protocol.farmer import bench, global_challenge
        from protocol.farmer.audit import audit_sector
        from protocol.farmer.plotting import plot_sector

        self.be = backend_or_skip(backend)
        self.kzg, _ = bench._kzg(self.be)
        self.getter = bench._piece_getter(self.kzg)
        self.tmp = tempfile.TemporaryDirectory(prefix="asv-farm-")
        self.farm = Path(self.tmp.name)
        self.sector = plot_sector(self.be, PUBLIC_KEY, 0, 1, 1, self.getter, self.farm)  # also compiles
        self.audit_farm = bench._full_sectors_for_audit(self.farm, bench.FULL_SECTOR)
        self.challenge = global_challenge(bytes(16), 0)
        self.candidate = None
        for slot in range(64):
            pot = slot.to_bytes(16, "little")
            for candidate in audit_sector(self.be, self.sector, global_challenge(pot, slot), U64_MAX):
                from protocol.farmer.proving import prove_candidate

                solution = prove_candidate(self.be, self.kzg, self.sector, candidate, PUBLIC_KEY, bytes(32))
                if solution is not None:
                    self.candidate, self.solution, self.slot, self.pot = candidate, solution, slot, pot
                    return
        raise NotImplementedError("no provable candidate in 64 slots")

    def teardown(self, backend):
        self.tmp.cleanup()

    def time_plot_one_record(self, backend):
        from protocol.farmer.plotting import plot_sector

        plot_sector(self.be, PUBLIC_KEY, 1, 1, 1, self.getter, self.farm)

    def time_audit_farm_of_1000_sectors(self, backend):
        """One slot's audit of 1,000 sectors of 1,000 pieces from page cache (target: under 100 ms)."""
        from protocol.farmer.audit import audit_farm

        audit_farm(self.be, self.audit_farm, self.challenge, U64_MAX // 1000)

    def time_prove(self, backend):
        from protocol.farmer.proving import prove_candidate

        prove_candidate(self.be, self.kzg, self.sector, self.candidate, PUBLIC_KEY, bytes(32))

    def time_verify_solution(self, backend):
        from protocol.consensus import verify_solution

        verify_solution(self.solution, self.slot, self.pot, U64_MAX, self.kzg)

    def track_solution_bytes(self, backend):
        return len(self.solution.encode())
