"""``zst prepare <corpus>``: corpus on disk → manifest + cached teacher states."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from zst.cli.common import ConfigOpt, QuietOpt, handle_errors, quiet_libraries, resolve_config, run_dir_opt
from zst.config import DEFAULT_TEXT_MODEL, PrepareConfig

app = typer.Typer(help="Build a Lhotse manifest (and cache NLLB-encoder states of the transcripts) from a corpus.",
                  no_args_is_help=True)


@app.command("folder")
@handle_errors
def folder(
    source: Path = typer.Argument(..., help="Folder holding the audio files."),
    tsv: Optional[Path] = typer.Option(None, "--tsv", help="TSV with header: file, text, lang "
                                       "[, id, text_<lang> translations, tgt_text + tgt_lang]."),
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/prepare"),
    text_model: Optional[str] = typer.Option(None, "--text-model", help="NLLB model (HF id or folder) whose encoder "
                                             f"states are cached for `zst distill`. (default: {DEFAULT_TEXT_MODEL})"),
    no_teacher: bool = typer.Option(False, "--no-teacher", help="Skip caching teacher states (train-nll and "
                                    "translate do not need them)."),
    max_seconds: Optional[float] = typer.Option(None, "--max-seconds", help="Longer utterances are skipped as bad "
                                                "rows, in seconds. (default: 60)"),
    device: Optional[str] = typer.Option(None, "--device", help="auto | cpu | cuda for the teacher. (default: auto)"),
    quiet: bool = QuietOpt,
):
    """A folder of audio files described by a TSV."""
    from zst.prepare import prepare

    quiet_libraries(quiet)
    flags = {"corpus": "folder", "source": str(source), "tsv": None if tsv is None else str(tsv),
             "text_model": text_model, "max_seconds": max_seconds, "device": device}
    cfg = resolve_config(PrepareConfig, config, flags)
    if no_teacher:
        cfg = PrepareConfig(**{**cfg.__dict__, "text_model": None})
    s = prepare(cfg, run_dir, quiet=quiet)
    typer.echo(f"prepare: {s['utterances']} utterances ({s['hours'] * 60:.1f} min), {s['bad_rows']} bad rows; "
               f"manifest {s['manifest']}")
