"""The `autonomys` command line (Typer + Rich): one place for every command.

    autonomys backends                      what can run here, with devices, or why not and what to install
    autonomys warmup [--backend ...]        compile the kernels now (setup.sh runs it for the CPU backend)
    autonomys bench [--backend ...|all] [--json FILE] [--quick/--full] [--plot DIR] [--readme FILE]
    autonomys node --dev [--backend ...]     a dev chain: timekeeper, farmer, blocks, RPC (protocol/node/cli.py)
    autonomys plot --farm DIR --sectors N   batch plotting (protocol/farmer/batch.py)
    autonomys autoid ...                    Auto ID identities and claims against a local registry
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import accel
from accel.device import cpu_devices, cuda_devices, opencl_devices

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Autonomys accelerated farming engine and node.")
console = Console()

_LISTERS = {"cpu": cpu_devices, "opencl": opencl_devices, "cuda": cuda_devices}


@app.command()
def backends() -> None:
    """Show each backend with its devices (name, memory, compute units), or why it is unusable."""
    avail = accel.available_backends()
    table = Table(title="accel backends")
    table.add_column("backend")
    table.add_column("status")
    table.add_column("devices / reason")
    for name in accel.BACKEND_NAMES:
        reason = avail[name]
        if reason is None:
            devices = "\n".join(d.describe() for d in _LISTERS[name]())
            table.add_row(name, "[green]usable[/green]", escape(devices))
        else:
            table.add_row(name, "[red]unavailable[/red]", escape(reason))
    console.print(table)
    try:
        chosen = accel.backend("auto")
        console.print(f"auto -> [bold]{chosen.name}[/bold] on {escape(chosen.device.describe())}")
    except accel.BackendUnavailable as e:  # pragma: no cover - the CPU backend is always there
        console.print(f"[red]no backend usable: {e}[/red]")


@app.command()
def warmup(backend: list[str] = typer.Option(["cpu"], "--backend", "-b",
                                            help="cpu, opencl, cuda, auto (repeatable) or all")) -> None:
    """Compile every kernel of the backend(s) now (numba's disk cache, the driver's program cache), so the
    first plot, node start or bench run does not pay for it. Run by scripts/setup.sh."""
    from accel.benchmarking import expand_backends  # noqa: PLC0415
    from accel.warmup import warm_up  # noqa: PLC0415

    failed = False
    for name in expand_backends(backend, accel.available_backends()):
        def report(family: str, seconds: float, error: str | None, name: str = name) -> None:
            status = "[green]ok[/green]" if error is None else f"[red]{escape(error)}[/red]"
            console.print(f"warmup {name}: {family} {seconds:.1f} s {status}")

        failed |= any(e is not None for e in warm_up(name, report).values())
    if failed:
        raise typer.Exit(1)


@app.command()
def bench(
    backend: list[str] = typer.Option(["auto"], "--backend", "-b",
                                      help="auto, cpu, opencl, cuda (repeatable) or all (every usable backend)"),
    json_path: Optional[Path] = typer.Option(None, "--json", help="write every figure with its spread to FILE"),
    quick: bool = typer.Option(True, "--quick/--full", help="small sizes and few repetitions, or the full run"),
    only: list[str] = typer.Option([], "--only", help="run only kernels whose module name contains this"),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write PNG charts (needs matplotlib) to DIR"),
    readme: Optional[Path] = typer.Option(None, "--readme", help="regenerate the performance table in this README"),
) -> None:
    """Measure our kernels and peer libraries side by side in one run and print the ratios."""
    import time  # noqa: PLC0415

    from accel.benchmarking import Skipped, bench_document, collect, expand_backends  # noqa: PLC0415

    t0 = time.perf_counter()
    figures, skipped, timings = [], [], {}
    backend = expand_backends(backend, accel.available_backends())
    for name in backend:
        try:
            be = accel.backend(name)
        except accel.BackendUnavailable as e:
            console.print(f"[yellow]skipping backend {name}: {escape(str(e))}[/yellow]")
            skipped.append(Skipped("*", name, str(e)))
            continue
        with console.status(f"benchmarking on {be.name} ({be.device.name})"):
            figures.extend(collect(be.name, quick, only or None, skipped, timings))
    table = Table(title="autonomys bench (median, [min..max] over repetitions)")
    for col in ("kernel", "workload", "backend", "ours", "peer", "peer figure", "ratio"):
        table.add_column(col)
    for f in figures:
        peer_fig = f"{f.peer_value:.4g} {f.unit}" if f.peer_value else (f.peer_note or "not measured")
        ratio = f"{f.ratio:.2f}x" if f.ratio else "-"
        table.add_row(*(escape(c) for c in (f.kernel, f.what, f.backend,
                                             f"{f.value:.4g} {f.unit} [{f.low:.3g}..{f.high:.3g}]",
                                             f.peer or "-", peer_fig, ratio)))
    console.print(table)
    for s in skipped:
        console.print(f"[yellow]not measured: {escape(s.module)} on {escape(s.backend)}: {escape(s.reason)}[/yellow]")
    doc = bench_document(figures, quick=quick, requested=list(backend), skipped=skipped, timings=timings,
                         wall_s=time.perf_counter() - t0)
    console.print(f"bench wall time {doc['wall_s']:.0f} s")
    if json_path is not None:
        json_path.write_text(json.dumps(doc, indent=1))
        console.print(f"wrote {json_path}")
    if plot is not None:
        from accel.benchmarking import plot_figures  # noqa: PLC0415

        for written in plot_figures(doc, plot):
            console.print(f"wrote {written}")
    if readme is not None:
        from accel.benchmarking import update_readme  # noqa: PLC0415

        readme.write_text(update_readme(readme.read_text(), doc))
        console.print(f"updated the performance table in {readme}")


SUBCOMMANDS = {  # module holding a Typer `app` -> (command name, help)
    "protocol.autoid.cli": ("autoid", "Auto ID: X.509 identities, registry, claims."),
}


def _mount_subcommands() -> None:
    import importlib  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415

    for module, (name, help_text) in SUBCOMMANDS.items():
        if importlib.util.find_spec(module) is not None:  # areas land one by one; import errors still raise
            app.add_typer(importlib.import_module(module).app, name=name, help=help_text)


_mount_subcommands()

from protocol.node.cli import register as _register_node_commands  # noqa: E402 - after the app exists

_register_node_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
