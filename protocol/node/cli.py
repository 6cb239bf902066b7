"""`autonomys node` and `autonomys plot` (spec README, "the command line").

    autonomys node --dev --backend auto|cpu|opencl|cuda [--base-path DIR] [--rpc-port PORT]
                   [--farm DIR --farm-size SIZE] [--pieces-per-sector M] [--max-blocks N] [--max-slots N]
                   [--listen-port PORT] [--bootstrap HOST:PORT ...]
    autonomys plot --backend ... --farm DIR --sectors N [--pieces-per-sector M] [--dev] [--pieces DIR]
                   [--history-size H] [--ray-address ADDR | --in-process]

Sizes take the units B, KiB, MiB, GiB, TiB (or K, M, G, T as powers of 1024). A farm of SIZE holds
floor(SIZE / sector_size(M)) sectors of M pieces (spec 6.4), at least one.
"""
from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from protocol.farmer.layout import sector_size

console = Console()
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30,
          "t": 1 << 40, "tib": 1 << 40}


def parse_size(text: str) -> int:
    """'4GiB' -> 4,294,967,296 bytes; typer.BadParameter on anything else."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text or "")
    if not m or m.group(2).lower() not in _UNITS:
        raise typer.BadParameter(f"{text!r} is not a size (e.g. 2GiB, 500MiB, 1073741824)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def sectors_for_size(size: int, pieces_per_sector: int) -> int:
    return max(1, size // sector_size(pieces_per_sector))


def node(
    dev: bool = typer.Option(False, "--dev", help="run a single-node development chain (the only mode so far)"),
    backend: str = typer.Option("auto", "--backend", "-b", help="auto, cpu, opencl or cuda"),
    base_path: Optional[Path] = typer.Option(None, "--base-path", help="chain database, keys and farm (default: a "
                                             "temporary directory with --dev)"),
    rpc_port: int = typer.Option(9944, "--rpc-port", help="JSON RPC on 127.0.0.1:PORT (0 = any free port)"),
    farm: Optional[Path] = typer.Option(None, "--farm", help="farm directory (default: BASE_PATH/farm)"),
    farm_size: Optional[str] = typer.Option(None, "--farm-size", help="farm size, e.g. 100MiB (default: 1 sector)"),
    pieces_per_sector: int = typer.Option(4, "--pieces-per-sector", help="pieces per sector (network: up to 1000)"),
    slot_iterations: Optional[int] = typer.Option(None, "--slot-iterations", help="PoT iterations per slot"),
    slot_duration: float = typer.Option(1.0, "--slot-duration", help="seconds per slot (0 = as fast as PoT)"),
    max_blocks: Optional[int] = typer.Option(None, "--max-blocks", help="stop after producing N blocks"),
    max_slots: Optional[int] = typer.Option(None, "--max-slots", help="stop after N slots"),
    kzg_parameters: Optional[Path] = typer.Option(None, "--kzg-parameters",
                                                  help="the network's KZG parameters file (default: INSECURE "
                                                       "dev setup)"),
    listen_port: Optional[int] = typer.Option(None, "--listen-port", help="DSN on 127.0.0.1:PORT (0 = any free "
                                              "port; default: no DSN unless --bootstrap is given)"),
    bootstrap: Optional[list[str]] = typer.Option(None, "--bootstrap", help="a peer to dial, host:port "
                                                  "(repeat the flag for several)"),
) -> None:
    """Run a node: timekeeper, farmer and block production, with the RPC on loopback."""
    from protocol.constants import POT_SLOT_ITERATIONS_DEMO  # noqa: PLC0415
    from protocol.node.service import Node, NodeConfig  # noqa: PLC0415

    if not dev:
        console.print("[red]only --dev is supported: this node runs a single-node development chain[/red]")
        raise typer.Exit(2)
    temporary = None
    if base_path is None:
        temporary = tempfile.TemporaryDirectory(prefix="autonomys-dev-")
        base_path = Path(temporary.name)
    sectors = 1 if farm_size is None else sectors_for_size(parse_size(farm_size), pieces_per_sector)
    try:
        config = NodeConfig(base_path=base_path, backend=backend, rpc_port=rpc_port, farm=farm, sectors=sectors,
                            pieces_per_sector=pieces_per_sector,
                            slot_iterations=slot_iterations or POT_SLOT_ITERATIONS_DEMO,
                            slot_duration=slot_duration, max_blocks=max_blocks, max_slots=max_slots,
                            kzg_parameters=kzg_parameters, listen_port=listen_port, bootstrap=bootstrap or [])
        from protocol.dsn.network import parse_address  # noqa: PLC0415

        for address in config.bootstrap:
            parse_address(address)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    styles = {"block": "green", "rejected": "red", "segment": "cyan", "plotted": "magenta", "slot": "dim"}

    def show(event) -> None:
        console.print(f"[{styles.get(event.kind, 'bold')}]{time.strftime('%H:%M:%S')} {event.kind:8}[/] "
                      f"{event.message}")

    console.print(f"[bold]autonomys dev node[/bold] base path {base_path}, farm {config.farm} "
                  f"({sectors} sector(s) x {pieces_per_sector} pieces)")
    node_ = Node(config, show)
    try:
        produced = node_.run()
    except KeyboardInterrupt:
        node_.stop()
        produced = node_.produced
    finally:
        if temporary is not None:
            temporary.cleanup()
    console.print(f"[bold]stopped[/bold] after {produced} block(s), {node_.slots_seen} slot(s)")


def plot(
    backend: str = typer.Option("auto", "--backend", "-b", help="auto, cpu, opencl or cuda"),
    farm: Path = typer.Option(..., "--farm", help="farm directory (one file per sector, spec 6.4)"),
    sectors: int = typer.Option(..., "--sectors", min=1, help="number of sectors"),
    pieces_per_sector: int = typer.Option(1000, "--pieces-per-sector", min=1, max=1000),
    dev: bool = typer.Option(False, "--dev", help="plot the dev chain's genesis history (INSECURE dev KZG)"),
    pieces: Optional[Path] = typer.Option(None, "--pieces", help="directory of pieces named <piece index>.piece"),
    history_size: Optional[int] = typer.Option(None, "--history-size", help="history size (segments) at plotting"),
    public_key: Optional[str] = typer.Option(None, "--public-key", help="farmer public key, 32-byte hex "
                                             "(default: the key in FARM/farmer-key.json, created if missing)"),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="plot sectors as Ray tasks on this "
                                              "cluster (default: a local Ray instance when Ray is installed)"),
    in_process: bool = typer.Option(False, "--in-process", help="plot in this process even when Ray is installed"),
) -> None:
    """Plot sectors into a farm directory; finished sectors are skipped, so an interrupted run resumes.

    Sectors are Ray tasks (with `num_gpus` on a GPU backend) on the cluster at --ray-address; with no
    address a local Ray instance is started when Ray is installed, else (or with --in-process) the
    sectors are plotted here. The bytes are identical whichever way it runs."""
    import importlib.util  # noqa: PLC0415

    from protocol.farmer.batch import PieceDirectory, dev_history, plot_sectors  # noqa: PLC0415

    if in_process and ray_address is not None:
        console.print("[red]--in-process and --ray-address exclude each other[/red]")
        raise typer.Exit(2)
    if ray_address is None and not in_process and importlib.util.find_spec("ray") is not None:
        ray_address = "local"

    if (pieces is None) == (not dev):
        console.print("[red]give exactly one source of pieces: --dev or --pieces DIR[/red]")
        raise typer.Exit(2)
    farm.mkdir(parents=True, exist_ok=True)
    if public_key is not None:
        try:
            key = bytes.fromhex(public_key.removeprefix("0x"))
        except ValueError:
            raise typer.BadParameter("--public-key must be hex") from None
        if len(key) != 32:
            raise typer.BadParameter("--public-key must be 32 bytes")
    else:
        from protocol.consensus import Keypair  # noqa: PLC0415

        key = Keypair.load_or_generate(farm / "farmer-key.json").public_key
    if dev:
        console.print("archiving the dev genesis history (INSECURE dev KZG parameters)...")
        source, size = dev_history(backend)
    else:
        source = PieceDirectory(pieces)
        size = source.history_size()
    size = history_size or size
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"plotting {sectors} sector(s) on {backend}", total=sectors * pieces_per_sector)
        done = plot_sectors(backend, key, farm, sectors, pieces_per_sector, size, source,
                            on_record=lambda: progress.advance(task), ray_address=ray_address)
    console.print(f"[green]{len(done)} sector(s) in {farm}[/green]")


def register(app: typer.Typer) -> None:
    app.command()(node)
    app.command()(plot)
