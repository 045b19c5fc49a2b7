"""``zst translate``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from zst.cli.common import ConfigOpt, QuietOpt, handle_errors, quiet_libraries, resolve_config, run_dir_opt
from zst.config import TranslateConfig


@handle_errors
def translate_cmd(
    inputs: List[Path] = typer.Argument(..., help="Audio files, folders of audio, or manifests (cuts.jsonl.gz)."),
    tgt: Optional[List[str]] = typer.Option(None, "--tgt", "-t", help="Target language, repeatable: ISO 639-1/3 "
                                            "(de, fra) or NLLB code (zho_Hans). (default: en)"),
    src: Optional[str] = typer.Option(None, "--src", help="Source language of plain audio inputs (recorded in the "
                                      "predictions for `zst eval`; manifests carry their own)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="ZeroST, ST or speech-LLM run dir or checkpoint, "
                                         "or a Whisper model (HF id or folder). "
                                         "(default: the embedded default model)"),
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/translate"),
    task: Optional[str] = typer.Option(None, "--task", help="translate | transcribe. Speech LLMs (`zst train-slm`): "
                                       "ASR in each input's --src / manifest language, --tgt ignored. Whisper: "
                                       "the <|task|> token forced after <|lang|>; without --tgt, ASR. "
                                       "(default: translate)"),
    decode_lang: Optional[str] = typer.Option(None, "--decode-lang", help="Whisper: language token used in place "
                                              "of the source language's (ASR, X→en), e.g. es for unseen Catalan."),
    beam_size: Optional[int] = typer.Option(None, "--beam-size", help="Beams in the decoder. (default: 4)"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Segments per forward pass. (default: 8)"),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", help="Tokens per segment. (default: 200)"),
    length_penalty: Optional[float] = typer.Option(None, "--length-penalty", help="Beam search's length exponent p: "
                                                   "a finished hypothesis scores log-probability / length^p, so p > 1 "
                                                   "favours longer outputs, p < 1 shorter. (default: the model's "
                                                   "generation config, 1.0 unless it sets one)"),
    device: Optional[str] = typer.Option(None, "--device", help="auto | cpu | cuda. (default: auto)"),
    quiet: bool = QuietOpt,
):
    """Translate (or, with a speech LLM, transcribe) speech; prints `id<TAB>tgt<TAB>translation` lines and writes
    predictions/predictions.jsonl and predictions/<tgt>.txt in --run-dir."""
    from zst.inference import translate

    quiet_libraries(quiet)
    flags = {"model": None if model is None else str(model), "tgt": tuple(tgt) if tgt else None, "src": src,
             "task": task, "decode_lang": decode_lang, "beam_size": beam_size, "batch_size": batch_size,
             "max_new_tokens": max_new_tokens, "length_penalty": length_penalty, "device": device}
    cfg = resolve_config(TranslateConfig, config, flags)
    for r in translate(cfg, inputs, run_dir, quiet=quiet):
        typer.echo(f"{r['id']}\t{r['tgt_lang']}\t{r['hyp']}")

