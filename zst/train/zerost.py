"""ZeroST trainers: ``distill`` (KD step) and ``train_nll`` (NLL step), ZeroST §2.2.

Each builds its parts and calls :func:`zst.train.loop.train`; both read a manifest from
``zst prepare`` and write a run directory whose ``model/`` folder is a ZeroST checkpoint.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from zst.config import DistillConfig, TrainNLLConfig
from zst.data.batching import SpeechDataset
from zst.data.manifests import load_manifest
from zst.data.teacher import TEACHER_FIELD
from zst.errors import ConfigError, ManifestError, ZstError
from zst.losses import FINE_MODES
from zst.models.zerost import ZeroST, resolve_checkpoint
from zst.runs import RunDir
from zst.train.loop import train, training_cuts


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _training_cuts(manifest: str, cuts, max_seconds: float, window_seconds: float, run: RunDir, *,
                   need_teacher: bool):
    def problem(cut) -> str | None:
        return "no cached teacher states" if need_teacher and not cut.has_custom(TEACHER_FIELD) else None

    return training_cuts(manifest, cuts, min(max_seconds, window_seconds), run, problem)


def _save(model: ZeroST, folder: Path) -> None:
    model.save(folder)


def distill(cfg: DistillConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """KD step: train encoder adapters, projection, Q-Former (and KD Proj) so that Q-Former outputs
    match the cached NLLB-encoder states of each transcript (ZeroST Eq. 1–5).

    Returns the loop's summary. Raises ZstError on bad input (manifest without teacher states,
    unloadable models).
    """
    all_cuts = load_manifest(cfg.manifest)  # bad input fails before any model is loaded
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "distill")
    seed_everything(cfg.optim.seed)
    model = ZeroST.create(cfg.model, with_decoder=False)
    cuts = _training_cuts(cfg.manifest, all_cuts, cfg.optim.max_cut_seconds, model.speech.window_seconds, run,
                          need_teacher=True)
    _warn_other_teacher(cuts, cfg.model.text_model, run)
    model.prepare_step("kd", continue_from_kd=False)

    return train(model=model, loss_fn=lambda m, batch: m(batch, "kd"), save_model=_save, cuts=cuts, dataset=SpeechDataset(with_teacher=True),
                 cfg=cfg.optim, run=run, resume=resume, quiet=quiet, description="distill")


def train_nll(cfg: TrainNLLConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """NLL step: teacher-force the frozen NLLB decoder on each transcript from Q-Former outputs
    (ZeroST Eq. 6).

    With ``cfg.init`` (a distill run or checkpoint) the KD-trained parts are frozen and new encoder
    adapters plus Q-Former adapters are trained (KD→NLL); without it everything ZeroST owns is
    trained from scratch (the paper's "NLL only" baseline). With ``cfg.init`` an NLL run or
    checkpoint, the parts its NLL step trained go on training (more steps, e.g. on more data).
    When starting from ``init`` the architecture comes from that checkpoint and ``cfg.model`` is
    ignored; ``cfg.init_speech_encoder`` then swaps in another speech encoder of the same width
    (e.g. the same one trained on further) under the trained bridge.

    ``cfg.kd_weight`` > 0 adds the KD loss (Eq. 1–5, fine-grained term ``cfg.kd_fine``) beside NLL
    on the same Q-Former outputs, over the utterances that have cached teacher states (not in the
    paper, whose KD is a separate first step).

    Raises:
        ZstError: ``cfg.init_speech_encoder`` without ``cfg.init``, or an encoder of another width.
        ConfigError: a negative ``kd_weight``, an unknown ``kd_fine``, or ``kd_fine`` without ``kd_weight``.
        ManifestError: ``kd_weight`` > 0 and no utterance has cached teacher states.
    """
    if cfg.kd_weight < 0 or cfg.kd_fine not in (None, *FINE_MODES):
        raise ConfigError(f"kd_weight must be >= 0 (got {cfg.kd_weight}) and kd_fine {' or '.join(FINE_MODES)} "
                          f"(got {cfg.kd_fine!r})")
    if cfg.kd_fine and not cfg.kd_weight:
        raise ConfigError(f"kd_fine {cfg.kd_fine} sets the fine-grained term of the KD beside NLL, which is off: "
                          f"give kd_weight > 0 (--kd-weight) or drop kd_fine")
    if cfg.init_speech_encoder and not cfg.init:
        raise ZstError(f"init_speech_encoder {cfg.init_speech_encoder} needs init (the run whose bridge goes on "
                       f"over it); without init, the model's speech_encoder is the encoder")
    all_cuts = load_manifest(cfg.manifest)
    run = RunDir(run_dir, quiet=quiet)
    if cfg.init:
        model = ZeroST.load(cfg.init, with_decoder=True, speech_encoder=cfg.init_speech_encoder)
        cfg = TrainNLLConfig(**{**cfg.__dict__, "model": model.cfg, "init": str(resolve_checkpoint(cfg.init))})
    run.write_config(cfg, "train-nll")
    seed_everything(cfg.optim.seed)
    if not cfg.init:
        model = ZeroST.create(cfg.model, with_decoder=True)
    cuts = _training_cuts(cfg.manifest, all_cuts, cfg.optim.max_cut_seconds, model.speech.window_seconds, run,
                          need_teacher=False)
    model.prepare_step("nll", continue_from_kd=bool(cfg.init))
    if cfg.kd_weight:
        _setup_auxiliary_kd(model, cfg, cuts, run)
    w = cfg.kd_weight

    return train(model=model, loss_fn=lambda m, batch: m(batch, "nll", kd_weight=w), save_model=_save, cuts=cuts,
                 dataset=SpeechDataset(with_teacher=bool(w), teacher_optional=True),
                 cfg=cfg.optim, run=run, resume=resume, quiet=quiet, description="train-nll")


def _warn_other_teacher(cuts, text_model: str, run: RunDir) -> None:
    """Log a warning when the cuts' teacher states were made by another model than ``text_model``."""
    teacher = {c.custom.get("teacher_model") for c in cuts}
    if teacher != {text_model}:
        run.log(f"warning: teacher states were made by {sorted(map(str, teacher))}, "
                f"the model's text model is {text_model}")


def _setup_auxiliary_kd(model: ZeroST, cfg: TrainNLLConfig, cuts, run: RunDir) -> None:
    """KD beside NLL: check that some cuts have teacher states and set the KD's fine-grained term. Its
    Proj stays frozen, as the NLL step leaves it (trained, Eq. 1's Proj collapses: docs/results/README.md)."""
    with_states = [c for c in cuts if c.has_custom(TEACHER_FIELD)]
    if not with_states:
        raise ManifestError(f"{cfg.manifest}: kd_weight {cfg.kd_weight} needs cached teacher states, and no "
                            f"utterance has them: run `zst prepare` with --text-model")
    _warn_other_teacher(with_states, model.cfg.text_model, run)
    if cfg.kd_fine:
        model.set_kd_fine(cfg.kd_fine)
    run.log(f"auxiliary KD ({model.kd.fine_mode} fine-grained term, weight {cfg.kd_weight}) on "
            f"{len(with_states)} of {len(cuts)} utterances")
