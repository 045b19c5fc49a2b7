"""``zst prepare``: corpus on disk → Lhotse manifest (+ cached teacher states) in a run directory.

Corpora: ``folder`` (audio files + a TSV, :func:`zst.data.manifests.read_folder`) and the real
layouts read by :mod:`zst.data.corpora` (europarl-st, covost2, commonvoice, fleurs, voxpopuli,
mls). ``mix`` combines prepared manifests with per-language temperature sampling
(:mod:`zst.data.mixing`).

A run directory gets ``cuts.jsonl.gz``, ``bad_rows.tsv`` (skipped rows with reasons), ``summary.json``
(utterances and hours per language), with a text model ``teacher/`` (NLLB-encoder states per
transcript) and with a sentence model ``sentence/`` (LaBSE-type sentence embeddings per transcript,
for SAMU-XLS-R distillation); see :mod:`zst.data.teacher`.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from lhotse import CutSet

from zst.config import MixConfig, PrepareConfig
from zst.data.corpora import CORPUS_MODULES, ReadOptions, get_reader
from zst.data.manifests import MANIFEST_NAME, load_manifest, read_folder, write_bad_rows
from zst.data.mixing import mix
from zst.data.teacher import cache_sentence_embeddings, cache_teacher_states
from zst.errors import ManifestError, ZstError
from zst.languages import to_iso1
from zst.runs import RunDir, atomic_write_text

CORPORA = ("folder", *CORPUS_MODULES)


def _codes(codes) -> tuple[str, ...]:
    return tuple(to_iso1(c) for c in codes)


def read_corpus(cfg: PrepareConfig, audio_dir: Path | None = None):
    """Read ``cfg.corpus`` from ``cfg.source``: ``(CutSet, bad rows)``, languages filtered.

    Raises:
        ZstError: unknown corpus, missing option, unusable corpus root.
    """
    opts = ReadOptions(split=cfg.split, languages=_codes(cfg.languages), exclude=_codes(cfg.exclude),
                       tgt_languages=_codes(cfg.tgt_languages), max_seconds=cfg.max_seconds, audio_dir=audio_dir)
    if cfg.corpus == "folder":
        if cfg.tsv is None:
            raise ZstError("option --tsv is required for a folder corpus")
        cuts, bad = read_folder(cfg.source, cfg.tsv, max_seconds=cfg.max_seconds)
        return cuts.filter(lambda c: opts.wants(c.supervisions[0].language)).to_eager(), bad
    if cfg.corpus not in CORPUS_MODULES:
        raise ZstError(f"unknown corpus '{cfg.corpus}' (available: {', '.join(CORPORA)})")
    if not Path(cfg.source).is_dir():
        raise ManifestError(f"{cfg.source}: corpus folder not found")
    return get_reader(cfg.corpus)(Path(cfg.source), opts)


def summarize(cuts) -> dict:
    """``{"utterances", "hours", "languages": {lang: {"utterances", "hours"}}}``."""
    langs: dict[str, dict] = defaultdict(lambda: {"utterances": 0, "hours": 0.0})
    for c in cuts:
        d = langs[c.supervisions[0].language]
        d["utterances"] += 1
        d["hours"] += c.duration / 3600
    return {"utterances": sum(d["utterances"] for d in langs.values()),
            "hours": sum(d["hours"] for d in langs.values()),
            "languages": dict(sorted(langs.items()))}


def _write_manifest(cuts: CutSet, run: RunDir) -> Path:
    out = run.path / MANIFEST_NAME
    tmp = out.with_name(".tmp." + MANIFEST_NAME)
    cuts.to_file(tmp)
    os.replace(tmp, out)
    return out


def prepare(cfg: PrepareConfig, run_dir: str | Path, *, quiet: bool = False) -> dict:
    """Read a corpus split and write its manifest (and teacher states) to ``run_dir``.

    Returns:
        ``{"utterances", "bad_rows", "hours", "languages", "manifest"}``.

    Raises:
        ZstError: unknown corpus, unreadable corpus files, or no valid utterance at all.
    """
    if cfg.corpus not in CORPORA:
        raise ZstError(f"unknown corpus '{cfg.corpus}' (available: {', '.join(CORPORA)})")
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, f"prepare {cfg.corpus}")
    audio_dir = run.path / "audio" if cfg.segment_audio else None
    cuts, bad = read_corpus(cfg, audio_dir)
    write_bad_rows(bad, run.path / "bad_rows.tsv")
    if bad:
        run.log(f"skipped {len(bad)} bad row(s), listed in {run.path / 'bad_rows.tsv'} "
                f"(first: {bad[0].source} line {bad[0].row}: {bad[0].reason})")
    if len(cuts) == 0:
        where = cfg.tsv if cfg.corpus == "folder" else f"{cfg.source} (split {cfg.split})"
        raise ManifestError(f"{where}: no valid utterance ({len(bad)} bad rows, see {run.path / 'bad_rows.tsv'})")
    if cfg.text_model:
        cuts = cache_teacher_states(cuts, cfg.text_model, run.path / "teacher", batch_size=cfg.teacher_batch_size,
                                    device=cfg.device, quiet=quiet)
    if cfg.sentence_model:
        cuts = cache_sentence_embeddings(cuts, cfg.sentence_model, run.path / "sentence",
                                         batch_size=cfg.teacher_batch_size, device=cfg.device, quiet=quiet)
    out = _write_manifest(cuts, run)
    summary = summarize(cuts)
    atomic_write_text(run.path / "summary.json", json.dumps({**summary, "bad_rows": len(bad)}, indent=1) + "\n")
    per_lang = ", ".join(f"{k} {v['utterances']}" for k, v in summary["languages"].items())
    run.log(f"prepared {summary['utterances']} utterances ({summary['hours']:.3f} h; {per_lang}) -> {out}")
    return {**summary, "bad_rows": len(bad), "manifest": str(out)}


def prepare_mix(cfg: MixConfig, run_dir: str | Path, *, quiet: bool = False) -> dict:
    """Mix prepared manifests with per-language temperature sampling into ``run_dir``.

    Writes ``cuts.jsonl.gz`` and ``mix.json`` (sizes before/after, sampling probabilities).

    Raises:
        ZstError: no input, unreadable manifest, duplicate ids, bad alpha/unit, nothing left.
    """
    if not cfg.manifests:
        raise ZstError("give at least one manifest (cuts.jsonl.gz or a `zst prepare` run dir) to mix")
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "prepare mix")
    inputs = [load_manifest(m) for m in cfg.manifests]
    for field, what in (("teacher_model", "teacher states"), ("sentence_model", "sentence embeddings")):
        teachers = {(c.custom or {}).get(field) for cs in inputs for c in cs}
        if len(teachers - {None}) > 1:
            raise ZstError(f"cannot mix manifests whose {what} come from different models: "
                           f"{', '.join(sorted(t for t in teachers if t))}")
    mixed, report = mix(inputs, alpha=cfg.alpha, seed=cfg.seed, unit=cfg.unit,
                        languages=_codes(cfg.languages), exclude=_codes(cfg.exclude))
    if len(mixed) == 0:
        raise ZstError("nothing to mix after the language selection")
    out = _write_manifest(mixed, run)
    atomic_write_text(run.path / "mix.json", json.dumps(report.as_dict(), indent=1) + "\n")
    for lang in report.before:
        run.log(f"{lang}: {report.before[lang]:.3f} -> {report.after[lang]:.3f} {report.unit} "
                f"(q={report.probabilities[lang]:.3f}; {report.utterances_before[lang]} -> "
                f"{report.utterances_after[lang]} utterances)")
    summary = summarize(mixed)
    run.log(f"mixed {summary['utterances']} utterances ({summary['hours']:.3f} h) -> {out}")
    return {**summary, "manifest": str(out), "report": report.as_dict()}
