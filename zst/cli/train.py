"""``zst distill`` and ``zst train-nll`` (``zst train-slm`` is in :mod:`zst.cli.slm`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from zst.cli.common import (ConfigOpt, QuietOpt, ResumeOpt, echo_trained, handle_errors, quiet_libraries,
                            resolve_config, run_dir_opt)
from zst.cli.options import (AdapterDimOpt, ArchOpt, BatchSecondsOpt, BetaOpt, CheckpointEveryOpt, EmbeddingDimOpt,
                             EncoderTrainingOpt, FinetuneOpt, GradAccumOpt, LogEveryOpt, LrOpt, MaxMinutesOpt,
                             MaxStepsOpt, ObjectiveOpt, PrecisionOpt, QFormerOpt, QueriesOpt, SeedOpt, SpeechEncoderOpt,
                             SrcLanguagesOpt, TextModelOpt, TgtLanguagesOpt, WhisperTaskOpt, WorkersOpt, model_flags,
                             optim_flags, path_or_none, reject_options)
from zst.config import DistillConfig, SemanticDistillConfig, TrainNLLConfig, TrainSTConfig, WhisperFinetuneConfig

ManifestArg = typer.Argument(None, help="Manifest from `zst prepare` (cuts.jsonl.gz or its run dir).",
                             show_default=False)


@handle_errors
def distill_cmd(
    manifest: Optional[Path] = ManifestArg,
    objective: Optional[str] = ObjectiveOpt,
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/distill"),
    speech_encoder: Optional[str] = SpeechEncoderOpt,
    text_model: Optional[str] = TextModelOpt,
    qformer: Optional[str] = QFormerOpt,
    queries: Optional[int] = QueriesOpt,
    adapter_dim: Optional[int] = AdapterDimOpt,
    beta: Optional[float] = BetaOpt,
    embedding_dim: Optional[int] = EmbeddingDimOpt,
    encoder_training: Optional[str] = EncoderTrainingOpt,
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
    """ZeroST step 1 (KD): train adapters + projection + Q-Former towards cached NLLB-encoder states.
    With --objective semantic: SAMU-XLS-R, a speech encoder + attention pooling + projection trained so
    that the utterance embedding matches the cached sentence embedding of the transcript (1 - cos)."""
    from zst.train.zerost import distill

    quiet_libraries(quiet)
    optim = optim_flags(lr, max_steps, batch_seconds, grad_accum, mixed_precision, checkpoint_every, log_every,
                        num_workers, seed, max_minutes)
    if _choice(objective, "--objective", ("kd", "semantic")) == "semantic":
        reject_options("--objective semantic", text_model=text_model, qformer=qformer, queries=queries, beta=beta)
        _distill_semantic(manifest, config, run_dir, resume, quiet, optim, speech_encoder=speech_encoder,
                          adapter_dim=adapter_dim, embedding_dim=embedding_dim, encoder_training=encoder_training)
        return
    reject_options("--objective kd", embedding_dim=embedding_dim, encoder_training=encoder_training)
    flags = {"manifest": path_or_none(manifest),
             **model_flags(speech_encoder, text_model, qformer, queries, adapter_dim, beta), **optim}
    cfg = resolve_config(DistillConfig, config, flags)
    _require_manifest(cfg.manifest)
    summary = distill(cfg, run_dir, resume=resume, quiet=quiet)
    echo_trained("distill", summary, run_dir)


@handle_errors
def train_nll_cmd(
    manifest: Optional[Path] = ManifestArg,
    init: Optional[Path] = typer.Option(None, "--init", help="Distill run dir or checkpoint to start from (KD→NLL; "
                                        "an NLL run: go on training it, e.g. on more data, with --speech-encoder on another encoder of the same width; --arch st: a SAMU run from `distill --objective semantic`). Without it: "
                                        "the NLL-only baseline / a plain encoder, architecture from the flags."),
    arch: Optional[str] = ArchOpt,
    tgt_languages: Optional[str] = TgtLanguagesOpt,
    encoder_training: Optional[str] = EncoderTrainingOpt,
    src_languages: Optional[str] = SrcLanguagesOpt,
    finetune: Optional[str] = FinetuneOpt,
    task: Optional[str] = WhisperTaskOpt,
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/train-nll"),
    speech_encoder: Optional[str] = SpeechEncoderOpt,
    text_model: Optional[str] = TextModelOpt,
    qformer: Optional[str] = QFormerOpt,
    queries: Optional[int] = QueriesOpt,
    adapter_dim: Optional[int] = AdapterDimOpt,
    kd_weight: Optional[float] = typer.Option(
        None, "--kd-weight", min=0.0, help="ZeroST: add this weight times the KD loss (paper Eq. 1-5, on the "
        "utterances with cached teacher states) beside NLL; not in the paper. Default 0."),
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
    """ZeroST step 2 (NLL): teacher-force the frozen NLLB decoder on transcripts from Q-Former outputs.
    With --arch st: an encoder-decoder ST model (speech encoder, SAMU-initialised by --init, → length
    adapter → NLLB decoder with adapters) trained on the manifest's X->Y translation pairs.
    With --arch whisper: the Whisper model given by --speech-encoder fine-tuned on X->Y pairs with
    <|tgt|><|task|> (decoder, LoRA or all weights; encoder frozen unless --finetune full)."""
    from zst.train.zerost import train_nll

    quiet_libraries(quiet)
    optim = optim_flags(lr, max_steps, batch_seconds, grad_accum, mixed_precision, checkpoint_every, log_every,
                        num_workers, seed, max_minutes)
    arch = _choice(arch, "--arch", ("zerost", "st", "whisper"))
    if arch == "whisper":
        reject_options("--arch whisper", init=init, text_model=text_model, qformer=qformer, queries=queries,
                       adapter_dim=adapter_dim, encoder_training=encoder_training, kd_weight=kd_weight)
        flags = {"manifest": path_or_none(manifest), "model": speech_encoder, "tgt_languages": tgt_languages,
                 "src_languages": src_languages, "finetune": finetune, "task": task, **optim}
        from zst.train.whisper_st import train_whisper

        _train_run(WhisperFinetuneConfig, config, flags, train_whisper, "train-nll --arch whisper", run_dir, resume,
                   quiet)
        return
    reject_options(f"--arch {arch}", src_languages=src_languages, finetune=finetune, task=task)
    if arch == "st":
        reject_options("--arch st", qformer=qformer, queries=queries, kd_weight=kd_weight)
        flags = {"manifest": path_or_none(manifest), "init": path_or_none(init), "tgt_languages": tgt_languages,
                 "model.speech_encoder": speech_encoder, "model.text_model": text_model,
                 "model.adapter_dim": adapter_dim, "model.encoder_training": encoder_training, **optim}
        from zst.train.samu import train_st

        _train_run(TrainSTConfig, config, flags, train_st, "train-nll --arch st", run_dir, resume, quiet)
        return
    reject_options("--arch zerost", tgt_languages=tgt_languages, encoder_training=encoder_training)
    # with --init the architecture is the checkpoint's; --speech-encoder then swaps its frozen encoder
    swap = {"init_speech_encoder": speech_encoder} if init is not None else {}
    flags = {"manifest": path_or_none(manifest), "init": path_or_none(init), **swap, "kd_weight": kd_weight,
             **model_flags(None if swap else speech_encoder, text_model, qformer, queries, adapter_dim, None),
             **optim}
    cfg = resolve_config(TrainNLLConfig, config, flags)
    _require_manifest(cfg.manifest)
    summary = train_nll(cfg, run_dir, resume=resume, quiet=quiet)
    echo_trained("train-nll", summary, run_dir)


def _choice(value: Optional[str], option: str, choices: tuple[str, ...]) -> str:
    """``value`` (``None`` = the first choice), or ConfigError naming ``option`` when it is not one of ``choices``."""
    from zst.errors import ConfigError

    value = choices[0] if value is None else value
    if value not in choices:
        raise ConfigError(f"{option} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _distill_semantic(manifest, config, run_dir, resume, quiet, optim, **model) -> None:
    from zst.train.samu import distill_semantic

    flags = {"manifest": path_or_none(manifest), **{f"model.{k}": v for k, v in model.items()}, **optim}
    _train_run(SemanticDistillConfig, config, flags, distill_semantic, "distill --objective semantic", run_dir,
               resume, quiet)


def _train_run(config_cls, config, flags, trainer, name: str, run_dir: Path, resume: bool, quiet: bool) -> None:
    """Resolve ``config_cls`` from ``--config`` + ``flags``, run ``trainer(cfg, run_dir, resume=, quiet=)``
    and print its summary line."""
    cfg = resolve_config(config_cls, config, flags)
    _require_manifest(cfg.manifest)
    summary = trainer(cfg, run_dir, resume=resume, quiet=quiet)
    echo_trained(name, summary, run_dir)


def _require_manifest(manifest: str) -> None:
    from zst.errors import ConfigError

    if not manifest:
        raise ConfigError("no manifest: give MANIFEST or `manifest:` in --config")
