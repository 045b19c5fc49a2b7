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
    language_id: bool = typer.Option(False, "--language-id", help="Also detect each hypothesis' language with "
                                     "langdetect: language accuracy per direction, WER on all and on right-language "
                                     "hypotheses (†), confusion matrix PNG (speech-LLM paper Table II, Fig. 2)."),
    seed: int = typer.Option(0, "--seed", help="langdetect seed (same seed, same detections)."),
    run_dir: Path = run_dir_opt("runs/eval"),
    quiet: bool = QuietOpt,
):
    """Score each (src, tgt) direction: sacreBLEU BLEU + chrF (signatures kept; zh/ja/ko tokenizers by
    target) or, when tgt = src, WER + CER after Whisper's basic normaliser. Writes scores.json and
    scores.md in --run-dir and prints the table; with --protocol also <protocol>.json/.md/_bleu.png; with
    --language-id also language.json/.md and language_confusion.png."""
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
    cfg = EvalConfig(predictions=str(predictions), refs=None if refs is None else str(refs), protocol=protocol,
                     language_id=language_id, seed=seed)
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "eval")
    records = read_predictions(predictions)
    references = read_references(refs) if refs else None
    result = score_predictions(records, references)
    json_path, _ = write_scores(result, run.path)
    Console().print(format_table(result))
    typer.echo(f"scores written to {json_path}")
    if protocol:
        proto = grid_protocol(result, protocol)
        paths = write_protocol(proto, run.path)
        typer.echo(protocol_markdown(proto))
        typer.echo(f"{protocol} tables written to {paths['md']} and {paths['png']}")
    if language_id:
        from zst.evaluation.language import language_markdown, language_report, write_language_report

        if references:
            records = [{**r, "ref": references.get(r["id"], r.get("ref"))} for r in records]
        report = language_report(records, seed=seed)
        paths = write_language_report(report, run.path)
        typer.echo(language_markdown(report))
        typer.echo(f"language report written to {paths['md']} and {paths['png']}")
