"""Archiving (storage_and_time.md 5.2-5.3) per backend: seconds per full segment (130 MB of random history
-> 256 pieces with commitments and witnesses) and seconds to recover a segment from a random half of
its pieces. The work lives in protocol.archiving.bench (also used by `python -m protocol.archiving.bench`)."""
from __future__ import annotations

from .common import WholeRunBenchmark, backend_or_skip


class ArchiveSegment(WholeRunBenchmark):
    repeat = (1, 3, 600.0)

    def setup(self, backend):
        from protocol.archiving import bench

        self.be = backend_or_skip(backend)
        try:
            self.kzg = bench.make_kzg(self.be)
        except (NotImplementedError, AttributeError) as e:  # no MSM on this backend yet
            raise NotImplementedError(f"KZG on {backend}: {e}") from e
        self.segment = bench.random_segment()
        self.bench = bench

    def time_archive_segment(self, backend):
        self.bench.time_segment(self.kzg, self.be, self.segment)


class ReconstructSegment(WholeRunBenchmark):
    repeat = (1, 3, 600.0)

    def setup(self, backend):
        import random

        from protocol.archiving.geometry import NETWORK_GEOMETRY as G
        from protocol.archiving.pieces import extend_records, source_records
        from protocol.archiving.reconstructor import parse_pieces

        self.be = backend_or_skip(backend)
        records = extend_records(self.be, source_records(random.Random(1).randbytes(G.segment_size)))
        filler = bytes(96)  # commitments and witnesses do not take part in recovery
        keep = set(random.Random(2).sample(range(G.pieces), G.source_records))
        self.pieces = parse_pieces([records[k].tobytes() + filler if k in keep else None for k in range(G.pieces)], G)

    def time_recover_source_records(self, backend):
        from protocol.archiving.reconstructor import recover_records

        recover_records(self.be, self.pieces, need_parity=False, check_consistency=False)
