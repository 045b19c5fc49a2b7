"""SAMU-XLS-R trainers: semantic distillation (``zst distill --objective semantic``) and the
encoder-decoder ST model on translation pairs (``zst train-nll --arch st``).

Both read a manifest from ``zst prepare`` (multilingual data is balanced beforehand with ``zst
prepare mix --alpha``, SAMU-XLS-R Eq. 3), check it before loading any model, build their parts and
call :func:`zst.train.loop.train`; the run directory's ``model/`` is a SAMU or ST checkpoint.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from lhotse import CutSet

from zst.config import SemanticDistillConfig, TrainSTConfig
from zst.data.batching import TARGET_FIELD, SpeechDataset
from zst.data.manifests import cut_translations, load_manifest
from zst.data.teacher import SENTENCE_FIELD
from zst.errors import ConfigError, ManifestError
from zst.languages import to_iso1
from zst.models.samu import CHECKPOINT_FORMAT as SAMU_FORMAT, SAMU
from zst.models.st import STModel
from zst.models.zerost import resolve_checkpoint
from zst.runs import RunDir
from zst.train.loop import train, training_cuts
from zst.train.zerost import seed_everything


def has_transcript(cut) -> bool:
    """Whether the cut has a supervision with a non-empty transcript."""
    return bool(cut.supervisions) and bool((cut.supervisions[0].text or "").strip())


def check_semantic_manifest(manifest: str, cuts, embedding_dim: int) -> None:
    """Fail fast on a manifest SAMU distillation cannot use.

    Raises:
        ManifestError: no utterance has a transcript, or none has a cached sentence embedding.
        ConfigError: the cached embeddings' width differs from the projection's ``embedding_dim``.
    """
    transcribed = [c for c in cuts if has_transcript(c)]
    if not transcribed:
        raise ManifestError(f"{manifest}: the manifest has no transcripts; semantic distillation needs "
                            f"transcribed speech")
    embedded = next((c for c in transcribed if c.has_custom(SENTENCE_FIELD)), None)
    if embedded is None:
        raise ManifestError(f"{manifest}: no cached sentence embeddings; run `zst prepare ... --sentence-model "
                            f"MODEL` first")
    width = int(embedded.load_custom(SENTENCE_FIELD).shape[-1])
    if width != embedding_dim:
        teacher = (embedded.custom or {}).get("sentence_model", "the teacher")
        raise ConfigError(f"{manifest}: the teacher's sentence embeddings ({teacher}) are {width}-dimensional but "
                          f"the projection outputs {embedding_dim}; pass --embedding-dim {width}")


def _semantic_problem(cut) -> str | None:
    if not has_transcript(cut):
        return "no transcript"
    if not cut.has_custom(SENTENCE_FIELD):
        return "no cached sentence embedding"
    return None


def distill_semantic(cfg: SemanticDistillConfig, run_dir: str | Path, *, resume: bool = False,
                     quiet: bool = False) -> dict:
    """SAMU-XLS-R semantic distillation: train the encoder (adapters or all but its front end),
    attention pooling and projection so that ``tanh(W pool(C))`` matches the cached sentence
    embedding of each transcript (loss ``1 − cos``, SAMU-XLSR §II).

    Returns the loop's summary. Raises ZstError on bad input (see :func:`check_semantic_manifest`;
    unloadable encoder), before any model is loaded where it can.
    """
    all_cuts = load_manifest(cfg.manifest)
    check_semantic_manifest(cfg.manifest, all_cuts, cfg.model.embedding_dim)
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "distill --objective semantic")
    seed_everything(cfg.optim.seed)
    model = SAMU.create(cfg.model)
    limit = min(cfg.optim.max_cut_seconds, model.speech.window_seconds)
    cuts = training_cuts(cfg.manifest, all_cuts, limit, run, _semantic_problem)
    teachers = sorted({str((c.custom or {}).get("sentence_model")) for c in cuts})
    run.log(f"semantic distillation towards {', '.join(teachers)} sentence embeddings ({cfg.model.embedding_dim}-d)")
    model.prepare_training()
    return train(model=model, loss_fn=lambda m, batch: m(batch), save_model=lambda m, folder: m.save(folder),
                 cuts=cuts, dataset=SpeechDataset(with_sentence_embedding=True), cfg=cfg.optim, run=run,
                 resume=resume, quiet=quiet, description="distill semantic")


def translation_pairs(manifest: str, cuts, tgt_languages: tuple[str, ...] = ()) -> CutSet:
    """One cut per (utterance, target language) with an attached translation (target ≠ source),
    id ``{cut id}>{tgt}`` and ``custom["st_target"] = tgt``.

    Raises:
        ManifestError: no utterance has a translation (into ``tgt_languages``).
    """
    wanted = {to_iso1(t) for t in tgt_languages}
    pairs = []
    for c in cuts:
        if not c.supervisions:  # no source language
            continue
        src = c.supervisions[0].language
        for tgt, text in sorted(cut_translations(c).items()):
            if tgt != src and (text or "").strip() and (not wanted or tgt in wanted):
                pairs.append(c.with_id(f"{c.id}>{tgt}").with_custom(TARGET_FIELD, tgt))
    if not pairs:
        into = f" into {', '.join(sorted(wanted))}" if wanted else ""
        raise ManifestError(f"{manifest}: no translations{into} attached to the utterances; the ST model trains on "
                            f"X->Y pairs (prepare a corpus with translations, e.g. text_<lang> TSV columns)")
    return CutSet.from_cuts(pairs)


def _samu_encoder_settings(init: str) -> tuple[Path, dict]:
    folder = resolve_checkpoint(init, SAMU_FORMAT, "SAMU")
    samu = json.loads((folder / "config.json").read_text())["model"]
    return folder, {k: samu[k] for k in ("speech_encoder", "encoder_training", "adapter_dim")}


def train_st(cfg: TrainSTConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """NLL training of the encoder-decoder ST model on X→Y translation pairs.

    With ``cfg.init`` (a SAMU run or checkpoint) the speech encoder's settings come from it and its
    distilled weights initialise the ST encoder; without it the plain encoder is the baseline.

    Returns the loop's summary. Raises ZstError on bad input (no translations, not a SAMU checkpoint,
    unloadable models).
    """
    all_cuts = load_manifest(cfg.manifest)
    pairs = translation_pairs(cfg.manifest, all_cuts, cfg.tgt_languages)
    if cfg.init:
        folder, encoder = _samu_encoder_settings(cfg.init)
        cfg = replace(cfg, init=str(folder), model=replace(cfg.model, **encoder))
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "train-nll --arch st")
    seed_everything(cfg.optim.seed)
    model = STModel.create(cfg.model)
    if cfg.init:
        model.init_from_samu(cfg.init)
        run.log(f"speech encoder initialised from the SAMU checkpoint {cfg.init}")
    limit = min(cfg.optim.max_cut_seconds, model.speech.window_seconds)
    cuts = training_cuts(cfg.manifest, pairs, limit, run, lambda c: None)
    langs = sorted({c.custom[TARGET_FIELD] for c in cuts})
    run.log(f"{len(cuts)} translation pairs into {', '.join(langs)}")
    model.prepare_training()
    return train(model=model, loss_fn=lambda m, batch: m(batch), save_model=lambda m, folder: m.save(folder),
                 cuts=cuts, dataset=SpeechDataset(with_translation=True), cfg=cfg.optim, run=run,
                 resume=resume, quiet=quiet, description="train-nll st")

