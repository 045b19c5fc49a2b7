"""``zst prepare``: corpus on disk → Lhotse manifest (+ cached teacher states) in a run directory.

Writes ``cuts.jsonl.gz``, ``bad_rows.tsv`` (skipped rows with reasons) and, with a text model,
``teacher/`` (NLLB-encoder states per transcript, see :mod:`zst.data.teacher`).
"""

from __future__ import annotations

import os
from pathlib import Path

from zst.config import PrepareConfig
from zst.data.manifests import MANIFEST_NAME, read_folder, write_bad_rows
from zst.data.teacher import cache_teacher_states
from zst.errors import ManifestError, ZstError
from zst.runs import RunDir

CORPORA = ("folder",)


def prepare(cfg: PrepareConfig, run_dir: str | Path, *, quiet: bool = False) -> dict:
    """Read ``cfg.corpus`` from ``cfg.source`` and write the manifest to ``run_dir``.

    Returns:
        ``{"utterances", "bad_rows", "hours", "manifest"}``.

    Raises:
        ZstError: unknown corpus, unreadable corpus files, or no valid utterance at all.
    """
    if cfg.corpus not in CORPORA:
        raise ZstError(f"unknown corpus '{cfg.corpus}' (available: {', '.join(CORPORA)})")
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, f"prepare {cfg.corpus}")
    if cfg.tsv is None:
        raise ZstError("option --tsv is required for a folder corpus")
    cuts, bad = read_folder(cfg.source, cfg.tsv, max_seconds=cfg.max_seconds)
    write_bad_rows(bad, run.path / "bad_rows.tsv")
    if bad:
        run.log(f"skipped {len(bad)} bad row(s), listed in {run.path / 'bad_rows.tsv'} "
                f"(first: line {bad[0].row}: {bad[0].reason})")
    if len(cuts) == 0:
        raise ManifestError(f"{cfg.tsv}: no valid utterance ({len(bad)} bad rows, see {run.path / 'bad_rows.tsv'})")
    if cfg.text_model:
        cuts = cache_teacher_states(cuts, cfg.text_model, run.path / "teacher", batch_size=cfg.teacher_batch_size,
                                    device=cfg.device, quiet=quiet)
    out = run.path / MANIFEST_NAME
    tmp = out.with_name(".tmp." + MANIFEST_NAME)
    cuts.to_file(tmp)
    os.replace(tmp, out)
    hours = sum(c.duration for c in cuts) / 3600
    run.log(f"prepared {len(cuts)} utterances ({hours:.3f} h) -> {out}")
    return {"utterances": len(cuts), "bad_rows": len(bad), "hours": hours, "manifest": str(out)}
