"""``zst eval``: score predictions (BLEU/chrF for translation, WER/CER for transcription)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from zst.cli.common import QuietOpt, handle_errors, run_dir_opt


@handle_errors
def eval_cmd(
    predictions: Path = typer.Argument(..., help="predictions.jsonl from `zst translate` (or its run dir)."),
    refs: Optional[Path] = typer.Option(None, "--refs", help="TSV id<TAB>reference overriding the `ref` field."),
    protocol: Optional[str] = typer.Option(None, "--protocol", help="europarl-st: also arrange BLEU as the 72 "
                                           "directions among de en es fr it nl pl pt ro, average per source and "
                                           "overall, and draw a heatmap. (default: none)"),
    run_dir: Path = run_dir_opt("runs/eval"),
    quiet: bool = QuietOpt,
):
    """Score each (src, tgt) direction: sacreBLEU BLEU + chrF (signatures kept; zh/ja/ko tokenizers by
    target) or, when tgt = src, WER + CER after Whisper's basic normaliser. Writes scores.json and
    scores.md in --run-dir and prints the table; with --protocol also <protocol>.json/.md/_bleu.png."""
    from rich.console import Console

    from zst.config import EvalConfig
    from zst.errors import ZstError
    from zst.evaluation import format_table, read_predictions, read_references, score_predictions, write_scores
    from zst.evaluation.protocols import PROTOCOLS, grid_protocol, protocol_markdown, write_protocol
    from zst.runs import RunDir

    if predictions.is_dir():
        predictions = predictions / "predictions" / "predictions.jsonl" \
            if (predictions / "predictions").is_dir() else predictions / "predictions.jsonl"
    if protocol is not None and protocol not in PROTOCOLS:
        raise ZstError(f"--protocol: unknown protocol '{protocol}' (available: {', '.join(PROTOCOLS)})")
    cfg = EvalConfig(predictions=str(predictions), refs=None if refs is None else str(refs), protocol=protocol)
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "eval")
    result = score_predictions(read_predictions(predictions), read_references(refs) if refs else None)
    json_path, _ = write_scores(result, run.path)
    Console().print(format_table(result))
    typer.echo(f"scores written to {json_path}")
    if protocol:
        proto = grid_protocol(result, protocol)
        paths = write_protocol(proto, run.path)
        typer.echo(protocol_markdown(proto))
        typer.echo(f"{protocol} tables written to {paths['md']} and {paths['png']}")
