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


def model_flags(speech_encoder: Optional[str], text_model: Optional[str], qformer: Optional[str],
                queries: Optional[int], adapter_dim: Optional[int], beta: Optional[float]) -> dict:
    return {"model.speech_encoder": speech_encoder, "model.text_model": text_model, "model.qformer": qformer,
            "model.num_queries": queries, "model.adapter_dim": adapter_dim, "model.kd_beta": beta}


def optim_flags(lr, max_steps, batch_seconds, grad_accum, mixed_precision, checkpoint_every, log_every, num_workers,
                seed) -> dict:
    return {"optim.lr": lr, "optim.max_steps": max_steps, "optim.batch_seconds": batch_seconds,
            "optim.grad_accum": grad_accum, "optim.mixed_precision": mixed_precision,
            "optim.checkpoint_every": checkpoint_every, "optim.log_every": log_every,
            "optim.num_workers": num_workers, "optim.seed": seed}


def path_or_none(p: Optional[Path]) -> Optional[str]:
    return None if p is None else str(p)
