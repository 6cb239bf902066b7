"""Shared machinery of the quick side-by-side benchmarks (`autonomys bench`) and the asv suite.

Each concept package may have a `bench` module with `run(backend_name: str, quick: bool) -> list[Figure]`;
`collect()` finds them. Figures carry the spread over repetitions and, where a peer library was
measured in the same run, the peer's figure and our ratio to it (>1 means we are faster).
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import statistics
import subprocess
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Callable

import accel


@dataclass
class Figure:
    """One measured quantity: `value` in `unit` (a rate: higher is better), min/max over repetitions."""

    kernel: str
    what: str
    backend: str
    value: float
    unit: str
    low: float
    high: float
    repeats: int
    peer: str | None = None
    peer_value: float | None = None
    peer_note: str | None = None  # why a peer is missing, or what differs in its workload
    extra: dict = field(default_factory=dict)
    peer_low: float | None = None  # the peer's min/max over its repetitions, where measured
    peer_high: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.peer_value if self.peer_value else None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


def measure_rate(fn: Callable[[], object], work: float, repeats: int = 5, warmup: int = 1) -> tuple[float, float, float]:
    """(median, min, max) of work / seconds over `repeats` calls of fn, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        rates.append(work / (time.perf_counter() - t0))
    return statistics.median(rates), min(rates), max(rates)


EXTRA_BENCH_MODULES = ["protocol.archiving.bench", "protocol.farmer.bench"]  # whole-pipeline figures built on the kernels


def _package_benches(package: str) -> list[str]:
    """`<package>.<sub>.bench` for every sub-package of `package` that has a bench module."""
    try:
        pkg = importlib.import_module(package)
    except ImportError:
        return []
    return sorted(f"{package}.{info.name}.bench" for info in pkgutil.iter_modules(pkg.__path__)
                  if info.ispkg and importlib.util.find_spec(f"{package}.{info.name}.bench") is not None)


def bench_modules() -> list[str]:
    """Names of every `accel.<concept>.bench` module present, then the protocol-level ones (every
    `protocol.<area>.bench`, plus EXTRA_BENCH_MODULES)."""
    extra = [m for m in EXTRA_BENCH_MODULES if importlib.util.find_spec(m.rsplit(".", 1)[0]) is not None
             and importlib.util.find_spec(m) is not None]
    protocol_level = _package_benches("protocol")
    return _package_benches("accel") + protocol_level + [m for m in extra if m not in protocol_level]


def expand_backends(requested: list[str], available: dict[str, str | None]) -> list[str]:
    """`requested` with "all" replaced by every usable backend (`available`: name -> None when usable,
    as accel.available_backends() gives), each name once, in order."""
    usable = [name for name, reason in available.items() if reason is None]
    return list(dict.fromkeys(b for name in requested for b in (usable if name == "all" else [name])))


NO_PEER = "no peer measured"  # prefix of the note on a figure whose module gave no peer and no reason


@dataclass
class Skipped:
    """A bench module that could not run on a backend: reported in the JSON, never silently dropped."""

    module: str
    backend: str
    reason: str


def collect(backend_name: str, quick: bool = True, only: list[str] | None = None,
            skipped: list[Skipped] | None = None, timings: dict[str, float] | None = None) -> list[Figure]:
    """Run every concept's quick benchmark on `backend_name`.

    A module that raises is recorded in `skipped` (module, backend, reason) and the run goes on; the
    seconds each module took go to `timings` ("<module>@<backend>"). A figure without a peer figure
    and without a note gets NO_PEER as its note, so that every missing ratio says why."""
    figures: list[Figure] = []
    for name in bench_modules():
        if only and not any(o in name for o in only):
            continue
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(name)
            got = module.run(backend_name, quick)
        except Exception as e:  # noqa: BLE001 - one broken family must not hide the others' figures
            if skipped is None:
                raise
            last = traceback.extract_tb(e.__traceback__)[-1]
            skipped.append(Skipped(name, backend_name,
                                   f"{type(e).__name__}: {e} ({os.path.basename(last.filename)}:{last.lineno})"))
            got = []
        if timings is not None:
            timings[f"{name}@{backend_name}"] = time.perf_counter() - t0
        for f in got:
            if f.peer_value is None and not f.peer_note:
                f.peer_note = NO_PEER
        figures.extend(got)
    return figures


LIBRARIES = ("numpy", "numba", "pyopencl", "cupy-cuda12x", "blake3", "cryptography", "ckzg", "py-arkworks-bls12381",
             "chiapos", "matplotlib", "asv")


def _cpu_flags() -> list[str]:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith(("flags", "Features")):
                    return sorted(line.split(":", 1)[1].split())
    except OSError:
        pass
    return []


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info() -> dict:
    """What the figures were measured on: CPU model, cores, memory, CPU flags, GPUs (by backend),
    OS, Python, library versions (None = not installed), OpenSSL and this checkout's commit."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    from accel.device import cpu_devices, cuda_devices, opencl_devices  # noqa: PLC0415

    cpu = cpu_devices()[0]
    gpus: dict[str, list[str] | str] = {}
    for kind, lister in (("opencl", opencl_devices), ("cuda", cuda_devices)):
        try:
            gpus[kind] = [d.describe() for d in lister()]
        except Exception as e:  # noqa: BLE001 - no driver / package: say so
            gpus[kind] = f"unavailable: {e}"
    versions: dict[str, str | None] = {}
    for lib in ("autonomys-accel", *LIBRARIES):
        try:
            versions[lib] = version(lib)
        except PackageNotFoundError:
            versions[lib] = None
    try:
        import ssl  # noqa: PLC0415

        versions["openssl"] = ssl.OPENSSL_VERSION
    except ImportError:
        versions["openssl"] = None
    try:
        from cryptography.hazmat.backends.openssl.backend import backend as crypto_backend  # noqa: PLC0415

        versions["openssl (cryptography)"] = crypto_backend.openssl_version_text()
    except Exception:  # noqa: BLE001
        pass
    return {"cpu": cpu.name, "cores": cpu.compute_units, "memory_bytes": cpu.memory_bytes,
            "cpu_flags": _cpu_flags(), "gpus": gpus, "platform": platform.platform(),
            "python": platform.python_version(), "versions": versions, "commit": _git_commit(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


def bench_document(figures: list[Figure], *, quick: bool, requested: list[str], skipped: list[Skipped],
                   timings: dict[str, float], wall_s: float) -> dict:
    """The `autonomys bench --json` document (machine, backends, figures with spread, skips, timings)."""
    return {"schema": 1, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": quick,
            "machine": machine_info(), "backends": accel.available_backends(), "requested_backends": requested,
            "figures": [f.as_dict() for f in figures], "skipped": [asdict(s) for s in skipped],
            "timings_s": timings, "wall_s": wall_s}


README_START = "<!-- bench:start (generated by `autonomys bench --readme README.md`; do not edit by hand) -->"
README_END = "<!-- bench:end -->"


def markdown_table(doc: dict) -> str:
    """The README performance table for a `autonomys bench --json` document: one row per figure,
    the peer's note as a numbered footnote (what differs in its workload), skipped families below."""
    machine = doc.get("machine", {})
    versions = machine.get("versions") or {}
    libs = ", ".join(f"{k} {versions[k]}" for k in ("numpy", "numba", "ckzg", "py-arkworks-bls12381", "blake3",
                                                     "chiapos", "openssl") if versions.get(k))
    mode = {True: "quick", False: "full"}.get(doc.get("quick"), "?")
    lines = [f"Measured on {machine.get('cpu', '?')} ({machine.get('cores', '?')} threads, "
             f"{machine.get('platform', '?')}), Python {machine.get('python', '?')}"
             + (f", commit {machine['commit'][:10]}" if machine.get("commit") else "")
             + (f", {doc['created']}" if doc.get("created") else "") + f", {mode} mode"
             + (f", load average {machine['load_average'][0]:.1f} at the end" if machine.get("load_average") else "")
             + (f"; {libs}" if libs else "") + ".",
             "Median over repetitions (warm-up excluded), [min..max]; ratio = ours / peer (above 1: we are faster);"
             " peers run in the same process on the same input unless a footnote says what differs.", "",
             "| kernel | workload | backend | ours | peer | peer figure | ratio |", "|---|---|---|---|---|---|---|"]
    notes: list[str] = []
    for f in doc.get("figures", []):
        peer = f.get("peer") or "-"
        if f.get("peer_value"):
            peer_fig = f"{f['peer_value']:.4g} {f['unit']}"
            if f.get("peer_low") and f.get("peer_high"):
                peer_fig += f" [{f['peer_low']:.3g}..{f['peer_high']:.3g}]"
            if f.get("peer_note"):
                if f["peer_note"] not in notes:
                    notes.append(f["peer_note"])
                peer += f" [{notes.index(f['peer_note']) + 1}]"
        else:
            peer_fig = f.get("peer_note") or "not measured"
        ratio = f"{f['ratio']:.2f}x" if f.get("ratio") else "-"
        lines.append(f"| {f['kernel']} | {f['what']} | {f['backend']} | {f['value']:.4g} {f['unit']} "
                     f"[{f['low']:.3g}..{f['high']:.3g}] | {peer} | {peer_fig} | {ratio} |")
    if notes:
        lines.append("")
        lines.extend(f"[{i}] {note}" + ("  " if i < len(notes) else "") for i, note in enumerate(notes, 1))
    for s in doc.get("skipped", []):
        lines.append(f"\nNot measured: {s['module']} on {s['backend']}: {s['reason']}")
    return "\n".join(lines)


def update_readme(readme_text: str, doc: dict) -> str:
    """README text with the section between the bench markers replaced by `markdown_table(doc)`."""
    block = f"{README_START}\n{markdown_table(doc)}\n{README_END}"
    if README_START in readme_text and README_END in readme_text:
        head, rest = readme_text.split(README_START, 1)
        _, tail = rest.split(README_END, 1)
        return head + block + tail
    return readme_text.rstrip("\n") + "\n\n" + block + "\n"


def _series_name(f: dict) -> str:
    """Operation a sized figure belongs to: the first word of its workload when it is a word."""
    first = f["what"].split()[0] if f["what"] else ""
    return first if first.isalpha() else ""


def plot_figures(doc: dict, directory) -> list[str]:
    """PNG charts written to `directory` (needs matplotlib), returns their paths:

    * `<kernel>.png` for every kernel: ours versus the peer, one pair of bars per figure, labelled by
      backend (so pos-table.png is tables per second versus backend, with chiapos beside each);
    * `<kernel>_time_vs_size.png` for kernels whose figures carry `extra["size"]` and
      `extra["seconds"]` (MSM, the erasure FFTs): seconds per call versus size, log-log, one line per
      backend and operation, peers dashed where `extra["peer_seconds"]` is present."""
    from pathlib import Path  # noqa: PLC0415

    import matplotlib  # noqa: PLC0415 - optional (bench extra)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    by_kernel: dict[str, list[dict]] = {}
    for f in doc.get("figures", []):
        by_kernel.setdefault(f["kernel"], []).append(f)
    for kernel, figs in by_kernel.items():
        labels = [f"{f['backend']}\n{f['what'][:28]}" for f in figs]
        ours = [f["value"] for f in figs]
        peers = [f.get("peer_value") or 0.0 for f in figs]
        fig, ax = plt.subplots(figsize=(max(4, 1.8 * len(figs)), 3.5))
        xs = range(len(figs))
        ax.bar([x - 0.2 for x in xs], ours, 0.4, label="ours")
        ax.bar([x + 0.2 for x in xs], peers, 0.4, label="peer")
        ax.set_xticks(list(xs), labels, fontsize=7)
        units = sorted({f["unit"] for f in figs})
        ax.set_ylabel(" / ".join(units))
        if len(units) > 1 or max(ours + peers) / max(min(v for v in ours + peers if v > 0), 1e-300) > 1e3:
            ax.set_yscale("log")
        ax.set_title(kernel)
        ax.legend()
        fig.tight_layout()
        path = out / f"{kernel}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))

        sized = [f for f in figs if "size" in (f.get("extra") or {}) and "seconds" in f["extra"]]
        if len({f["extra"]["size"] for f in sized}) < 2:
            continue
        series: dict[tuple[str, bool], dict[int, float]] = {}
        for f in sized:
            op = _series_name(f)
            series.setdefault((f"ours {f['backend']} {op}".strip(), False), {})[f["extra"]["size"]] = \
                f["extra"]["seconds"]
            if f.get("peer") and f["extra"].get("peer_seconds"):
                series.setdefault((f"{f['peer']} {op}".strip(), True), {})[f["extra"]["size"]] = \
                    f["extra"]["peer_seconds"]
        fig, ax = plt.subplots(figsize=(6, 4))
        for (label, is_peer), points in sorted(series.items()):
            sizes = sorted(points)
            ax.plot(sizes, [points[n] for n in sizes], "--o" if is_peer else "-o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("size (points / source values)")
        ax.set_ylabel("seconds per call (median)")
        ax.set_title(f"{kernel}: time versus size")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out / f"{kernel}_time_vs_size.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(str(path))
    return written
