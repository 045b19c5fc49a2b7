"""``zst distill``, ``zst train-nll`` and ``zst train-slm``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from zst.cli.common import ConfigOpt, QuietOpt, ResumeOpt, handle_errors, quiet_libraries, resolve_config, run_dir_opt
from zst.cli.options import (AdapterDimOpt, BatchSecondsOpt, BetaOpt, CheckpointEveryOpt, GradAccumOpt, LogEveryOpt,
                             LrOpt, MaxStepsOpt, PrecisionOpt, QFormerOpt, QueriesOpt, SeedOpt, SpeechEncoderOpt,
                             TextModelOpt, WorkersOpt, model_flags, optim_flags, path_or_none)
from zst.config import DistillConfig, TrainNLLConfig

ManifestArg = typer.Argument(None, help="Manifest from `zst prepare` (cuts.jsonl.gz or its run dir).",
                             show_default=False)


@handle_errors
def distill_cmd(
    manifest: Optional[Path] = ManifestArg,
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/distill"),
    speech_encoder: Optional[str] = SpeechEncoderOpt,
    text_model: Optional[str] = TextModelOpt,
    qformer: Optional[str] = QFormerOpt,
    queries: Optional[int] = QueriesOpt,
    adapter_dim: Optional[int] = AdapterDimOpt,
    beta: Optional[float] = BetaOpt,
    lr: Optional[float] = LrOpt,
    max_steps: Optional[int] = MaxStepsOpt,
    batch_seconds: Optional[float] = BatchSecondsOpt,
    grad_accum: Optional[int] = GradAccumOpt,
    mixed_precision: Optional[str] = PrecisionOpt,
    checkpoint_every: Optional[int] = CheckpointEveryOpt,
    log_every: Optional[int] = LogEveryOpt,
    num_workers: Optional[int] = WorkersOpt,
    seed: Optional[int] = SeedOpt,
    resume: bool = ResumeOpt,
    quiet: bool = QuietOpt,
):
    """ZeroST step 1 (KD): train adapters + projection + Q-Former towards cached NLLB-encoder states."""
    from zst.train.zerost import distill

    quiet_libraries(quiet)
    flags = {"manifest": path_or_none(manifest),
             **model_flags(speech_encoder, text_model, qformer, queries, adapter_dim, beta),
             **optim_flags(lr, max_steps, batch_seconds, grad_accum, mixed_precision, checkpoint_every, log_every,
                           num_workers, seed)}
    cfg = resolve_config(DistillConfig, config, flags)
    _require_manifest(cfg.manifest)
    summary = distill(cfg, run_dir, resume=resume, quiet=quiet)
    typer.echo(f"distill: {summary['steps']} steps, final loss {summary['final_loss']:.4f}; model in {run_dir / 'model'}")


@handle_errors
def train_nll_cmd(
    manifest: Optional[Path] = ManifestArg,
    init: Optional[Path] = typer.Option(None, "--init", help="Distill run dir or checkpoint to start from (KD→NLL). "
                                        "Without it: the NLL-only baseline, architecture from the model flags."),
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/train-nll"),
    speech_encoder: Optional[str] = SpeechEncoderOpt,
    text_model: Optional[str] = TextModelOpt,
    qformer: Optional[str] = QFormerOpt,
    queries: Optional[int] = QueriesOpt,
    adapter_dim: Optional[int] = AdapterDimOpt,
    lr: Optional[float] = LrOpt,
    max_steps: Optional[int] = MaxStepsOpt,
    batch_seconds: Optional[float] = BatchSecondsOpt,
    grad_accum: Optional[int] = GradAccumOpt,
    mixed_precision: Optional[str] = PrecisionOpt,
    checkpoint_every: Optional[int] = CheckpointEveryOpt,
    log_every: Optional[int] = LogEveryOpt,
    num_workers: Optional[int] = WorkersOpt,
    seed: Optional[int] = SeedOpt,
    resume: bool = ResumeOpt,
    quiet: bool = QuietOpt,
):
    """ZeroST step 2 (NLL): teacher-force the frozen NLLB decoder on transcripts from Q-Former outputs."""
    from zst.train.zerost import train_nll

    quiet_libraries(quiet)
    flags = {"manifest": path_or_none(manifest), "init": path_or_none(init),
             **model_flags(speech_encoder, text_model, qformer, queries, adapter_dim, None),
             **optim_flags(lr, max_steps, batch_seconds, grad_accum, mixed_precision, checkpoint_every, log_every,
                           num_workers, seed)}
    cfg = resolve_config(TrainNLLConfig, config, flags)
    _require_manifest(cfg.manifest)
    summary = train_nll(cfg, run_dir, resume=resume, quiet=quiet)
    typer.echo(f"train-nll: {summary['steps']} steps, final loss {summary['final_loss']:.4f}; "
               f"model in {run_dir / 'model'}")


def train_slm_cmd():
    """Zero-resource speech LLM (encoder → CNN adapter → mT0 + LoRA). Not implemented yet."""
    typer.echo("error: `zst train-slm` is not implemented yet (planned: the zero-resource speech LLM)", err=True)
    raise typer.Exit(1)


def _require_manifest(manifest: str) -> None:
    from zst.errors import ConfigError

    if not manifest:
        raise ConfigError("no manifest: give MANIFEST or `manifest:` in --config")
