"""``zst train-slm``: the zero-resource speech LLM (speech encoder → CNN adapter → mT0 + LoRA)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from zst.cli.common import (ConfigOpt, QuietOpt, ResumeOpt, echo_trained, handle_errors, quiet_libraries,
                            resolve_config, run_dir_opt)
from zst.cli.options import (BatchSecondsOpt, CheckpointEveryOpt, GradAccumOpt, LogEveryOpt, LrOpt, MaxMinutesOpt,
                             MaxStepsOpt, PrecisionOpt, SeedOpt, SpeechEncoderOpt, WorkersOpt, _opt, optim_flags,
                             path_or_none)
from zst.config import SLMConfig, SLMModelConfig

_S, _SM = SLMConfig(), SLMModelConfig()


def _codes(value: Optional[str]) -> Optional[list[str]]:
    return None if value is None else [v for v in value.replace(",", " ").split() if v]


@handle_errors
def train_slm_cmd(
    manifest: Optional[Path] = typer.Argument(None, help="Manifest from `zst prepare` (cuts.jsonl.gz or its run "
                                              "dir); ST needs text_<st-target> translations.", show_default=False),
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/train-slm"),
    speech_encoder: Optional[str] = SpeechEncoderOpt,
    llm: Optional[str] = _opt("--llm", "mT0 / MT5 model: HF id or local folder.", _SM.llm),
    tasks: Optional[str] = _opt("--tasks", "Tasks, comma-separated: st,asr (multitask) | st | asr.",
                                ",".join(_S.tasks)),
    st_target: Optional[str] = _opt("--st-target", "ST target language (ISO 639-1).", _S.st_target),
    schedule: Optional[str] = _opt("--schedule", "joint | sequential (CNN pretrained on ASR for --pretrain-steps, "
                                   "then CNN + LoRA).", _S.schedule),
    pretrain_steps: Optional[int] = _opt("--pretrain-steps", "Optimizer updates of the sequential schedule's CNN "
                                         "pretraining on ASR.", _S.pretrain_steps),
    st_prompts: Optional[Path] = _opt("--st-prompts", "File of ST training prompts, one per line, each with "
                                      "{target}.", "the built-in 25"),
    asr_prompts: Optional[Path] = _opt("--asr-prompts", "File of ASR training prompts, one per line, each with "
                                       "{language}.", "the built-in 25"),
    lora: Optional[bool] = typer.Option(None, "--lora/--no-lora", help="LoRA on the LLM (--no-lora: CNN only). "
                                        "(default: --lora)", show_default=False),
    lora_r: Optional[int] = _opt("--lora-r", "LoRA rank r.", _SM.lora_r),
    lora_alpha: Optional[float] = _opt("--lora-alpha", "LoRA scale alpha.", _SM.lora_alpha),
    lora_targets: Optional[str] = _opt("--lora-targets", "LLM linear modules given LoRA, comma-separated.",
                                       ",".join(_SM.lora_targets)),
    lr: Optional[float] = LrOpt,
    max_steps: Optional[int] = MaxStepsOpt,
    batch_seconds: Optional[float] = BatchSecondsOpt,
    grad_accum: Optional[int] = GradAccumOpt,
    mixed_precision: Optional[str] = PrecisionOpt,
    checkpoint_every: Optional[int] = CheckpointEveryOpt,
    log_every: Optional[int] = LogEveryOpt,
    num_workers: Optional[int] = WorkersOpt,
    seed: Optional[int] = SeedOpt,
    max_minutes: Optional[float] = MaxMinutesOpt,
    resume: bool = ResumeOpt,
    quiet: bool = QuietOpt,
):
    """Zero-resource speech LLM: frozen speech encoder → learned layer average → 2-layer CNN adapter →
    soft prompt of a frozen mT0 (+ LoRA), trained on ST into --st-target and/or ASR with 25 sampled
    prompts per task. `zst translate -m RUN` then translates (or, with --task transcribe, transcribes)."""
    from zst.errors import ConfigError
    from zst.train.slm import train_slm

    quiet_libraries(quiet)
    flags = {"manifest": path_or_none(manifest), "tasks": _codes(tasks), "st_target": st_target,
             "schedule": schedule, "pretrain_steps": pretrain_steps, "st_prompts": path_or_none(st_prompts),
             "asr_prompts": path_or_none(asr_prompts), "model.speech_encoder": speech_encoder, "model.llm": llm,
             "model.lora": lora, "model.lora_r": lora_r, "model.lora_alpha": lora_alpha,
             "model.lora_targets": _codes(lora_targets),
             **optim_flags(lr, max_steps, batch_seconds, grad_accum, mixed_precision, checkpoint_every, log_every,
                           num_workers, seed, max_minutes)}
    cfg = resolve_config(SLMConfig, config, flags)
    if not cfg.manifest:
        raise ConfigError("no manifest: give MANIFEST or `manifest:` in --config")
    summary = train_slm(cfg, run_dir, resume=resume, quiet=quiet)
    pre = summary.get("pretrain")
    if summary["stage"] == "pretrain":  # the time budget ended in the CNN pretraining
        echo_trained("train-slm: CNN pretraining", summary, run_dir / "pretrain")
        return
    first = f"CNN pretraining {pre['steps']} steps (final loss {pre['final_loss']:.4f}), then " if pre else ""
    echo_trained("train-slm", summary, run_dir, first)
