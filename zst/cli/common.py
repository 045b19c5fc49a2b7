"""Shared CLI plumbing: error handling (exit 2 on bad input), config resolution, common options."""

from __future__ import annotations

import functools
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable

import typer

from zst.config import resolve
from zst.errors import ZstError

EXIT_BAD_INPUT = 2

ConfigOpt = typer.Option(None, "--config", "-c", help="YAML config file; flags given on the command line win.",
                         exists=False, dir_okay=False)
QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress bars or log lines on the console.")
SeedOpt = typer.Option(None, "--seed", help="Random seed (Python, NumPy, torch, data order). (default: 0)")
ResumeOpt = typer.Option(False, "--resume", help="Continue from the newest checkpoint in --run-dir.")


def run_dir_opt(default: str) -> Any:
    return typer.Option(Path(default), "--run-dir", "-o", help="Folder for config.yaml, env.json, log.txt, "
                        "metrics.jsonl and outputs.")


def quiet_libraries(quiet: bool) -> None:
    """Silence transformers' own progress bars and info logs (zst shows its own)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass
    logging.getLogger("lhotse").setLevel(logging.ERROR)


def handle_errors(fn: Callable) -> Callable:
    """Run a command; a :class:`ZstError` becomes one ``error: ...`` line on stderr and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ZstError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper


def resolve_config(cls, config_file: Path | None, flags: dict[str, Any]):
    """Defaults <- YAML <- flags (see :func:`zst.config.resolve`)."""
    return resolve(cls, config_file, flags)


def echo_err(message: str) -> None:
    print(message, file=sys.stderr)


def echo_trained(name: str, summary: dict, run_dir: Path, first: str = "") -> None:
    """Print a trainer's summary line: steps, final loss and the model folder, or, when its time limit
    (``--max-minutes``) stopped it, where it stopped and how to go on."""
    if not summary.get("finished", True):
        typer.echo(f"{name}: time limit reached at step {summary['steps']} (final loss {summary['final_loss']:.4f}); "
                   f"checkpoint in {run_dir / 'checkpoints'}: run again with --resume to go on")
        return
    typer.echo(f"{name}: {first}{summary['steps']} steps, final loss {summary['final_loss']:.4f}; "
               f"model in {run_dir / 'model'}")
