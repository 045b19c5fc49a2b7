"""Typer options for the model and optimisation fields shared by the trainers.

Flags default to ``None`` ("not given") so that a ``--config`` file can supply the value; the help
text shows the built-in default and unit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from zst.config import ModelConfig, OptimConfig

_M, _O = ModelConfig(), OptimConfig()


def _opt(flag: str, help: str, default_value) -> typer.models.OptionInfo:
    return typer.Option(None, flag, help=f"{help} (default: {default_value})", show_default=False)


SpeechEncoderOpt = _opt("--speech-encoder", "Speech encoder: HF id or local folder (Whisper or wav2vec2/MMS).",
                        _M.speech_encoder)
TextModelOpt = _opt("--text-model", "NLLB model: HF id or local folder.", _M.text_model)
QFormerOpt = _opt("--qformer", "Q-Former: simple | lite | nllb.", _M.qformer)
QueriesOpt = _opt("--queries", "Number of queries q.", _M.num_queries)
AdapterDimOpt = _opt("--adapter-dim", "Houlsby adapter bottleneck width.", _M.adapter_dim)
BetaOpt = _opt("--beta", "KD loss scale beta.", _M.kd_beta)
LrOpt = _opt("--lr", "Peak learning rate (Adam).", _O.lr)
MaxStepsOpt = _opt("--max-steps", "Optimizer updates.", _O.max_steps)
BatchSecondsOpt = _opt("--batch-seconds", "Audio seconds per batch and device.", _O.batch_seconds)
GradAccumOpt = _opt("--grad-accum", "Batches per optimizer update.", _O.grad_accum)
PrecisionOpt = _opt("--mixed-precision", "auto | no | bf16 | fp16.", _O.mixed_precision)
CheckpointEveryOpt = _opt("--checkpoint-every", "Steps between checkpoints.", _O.checkpoint_every)
LogEveryOpt = _opt("--log-every", "Steps between metrics.jsonl records.", _O.log_every)
WorkersOpt = _opt("--num-workers", "Audio-decoding worker processes.", _O.num_workers)
SeedOpt = _opt("--seed", "Random seed (init, data order, dropout).", _O.seed)
MaxMinutesOpt = _opt("--max-minutes", "Wall-clock budget of this run in minutes: at the first step past it, write a "
                    "checkpoint and stop; run again with --resume to go on (for time-limited jobs). 0: none.",
                    _O.max_minutes)


def model_flags(speech_encoder: Optional[str], text_model: Optional[str], qformer: Optional[str],
                queries: Optional[int], adapter_dim: Optional[int], beta: Optional[float]) -> dict:
    return {"model.speech_encoder": speech_encoder, "model.text_model": text_model, "model.qformer": qformer,
            "model.num_queries": queries, "model.adapter_dim": adapter_dim, "model.kd_beta": beta}


def optim_flags(lr, max_steps, batch_seconds, grad_accum, mixed_precision, checkpoint_every, log_every, num_workers,
                seed, max_minutes) -> dict:
    return {"optim.lr": lr, "optim.max_steps": max_steps, "optim.batch_seconds": batch_seconds,
            "optim.grad_accum": grad_accum, "optim.mixed_precision": mixed_precision,
            "optim.checkpoint_every": checkpoint_every, "optim.log_every": log_every,
            "optim.num_workers": num_workers, "optim.seed": seed, "optim.max_minutes": max_minutes}


def path_or_none(p: Optional[Path]) -> Optional[str]:
    return None if p is None else str(p)


# -- SAMU-XLS-R (`distill --objective semantic`) and the encoder-decoder ST model (`train-nll --arch st`)
ObjectiveOpt = typer.Option(None, "--objective", help="kd: ZeroST KD towards cached NLLB-encoder states | semantic: "
                            "SAMU-XLS-R, the utterance embedding towards the cached sentence embedding of the "
                            "transcript (needs `zst prepare --sentence-model`; its --speech-encoder default is "
                            "facebook/wav2vec2-xls-r-300m). (default: kd)", show_default=False)
ArchOpt = typer.Option(None, "--arch", help="zerost: ZeroST NLL on transcripts | st: encoder-decoder ST model on "
                       "X->Y translation pairs, encoder from a SAMU run given by --init (or a plain one: default "
                       "facebook/wav2vec2-xls-r-300m) | whisper: fine-tune the Whisper model given by "
                       "--speech-encoder on X->Y pairs, encoder frozen. (default: zerost)",
                       show_default=False)
EmbeddingDimOpt = _opt("--embedding-dim", "SAMU projection width; must equal the teacher's sentence embedding "
                       "width (LaBSE: 768).", 768)
EncoderTrainingOpt = _opt("--encoder-training", "adapters (Houlsby, frozen base) | full (all but the conv front "
                          "end, as SAMU-XLS-R).", "adapters")
TgtLanguagesOpt = _opt("--tgt-languages", "Translation targets to train on, comma-separated ISO 639-1.", "all attached")

# -- Whisper decoder fine-tuning (`train-nll --arch whisper`; Whisper cross-lingual study §4.3)
SrcLanguagesOpt = _opt("--src-languages", "--arch whisper: source languages to train on, comma-separated ISO 639-1 "
                       "(the paper: en).", "all")
FinetuneOpt = _opt("--finetune", "--arch whisper: decoder (all decoder weights) | lora (peft LoRA in the decoder) | "
                   "full (encoder too); the encoder stays frozen except with full.", "decoder")
WhisperTaskOpt = _opt("--task", "--arch whisper: task token after <|tgt|> in training and decoding (the paper "
                      "fine-tunes with <|zh|><|transcribe|>).", "transcribe")


def reject_options(context: str, **given) -> None:
    """Raise :class:`ConfigError` naming the first option in ``given`` (``flag_name=value``) that was
    given although it does not apply in ``context``."""
    from zst.errors import ConfigError

    for name, value in given.items():
        if value is not None:
            raise ConfigError(f"--{name.replace('_', '-')} does not apply to {context}")
