"""Language of the hypotheses: the zero-resource speech LLM paper's Table II and Fig. 2.

An LLM prompted to transcribe Catalan may answer in Spanish. For every direction of a predictions
file (:func:`zst.evaluation.read_predictions` records), each hypothesis' language is detected with
langdetect (:func:`zst.metrics.detect_languages`, seeded) and compared with the language asked for
(``tgt_lang``; for transcription that is the source language):

* **language accuracy** — fraction of hypotheses in the asked-for language (0-1);
* for transcription directions (``src == tgt``) with references: **WER** on all hypotheses and
  **WER†** on the right-language ones only (Table II's dagger rows);
* a **confusion matrix** — asked-for language (rows) × detected language (columns), counts — drawn
  as a PNG with each row normalised (Fig. 2).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Sequence

from zst.errors import ZstError
from zst.evaluation.protocols import save_figure
from zst.metrics import UNDETECTED, detect_languages, language_accuracy, wer
from zst.runs import atomic_write_text

__all__ = ["confusion_counts", "language_report", "language_markdown", "plot_confusion", "write_language_report"]


def confusion_counts(expected: Sequence[str], detected: Sequence[str]) -> dict[str, dict[str, int]]:
    """``{expected: {detected: count}}`` over the pairs (only pairs that occur)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for e, d in zip(expected, detected, strict=True):
        counts[e][d] += 1
    return {e: dict(sorted(c.items())) for e, c in sorted(counts.items())}


def _mean(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def language_report(records: Sequence[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
    """Language accuracy per direction, WER / WER† for transcription, and the confusion counts.

    Args:
        records: prediction records with ``src_lang``, ``tgt_lang``, ``hyp`` and optional ``ref``.
        seed: langdetect seed.

    Returns:
        ``{"seed", "directions": [{"src", "tgt", "n", "language_accuracy", "wer", "wer_right_language",
        "n_right_language"}], "mean": {"language_accuracy", "wer", "wer_right_language"},
        "confusion": {expected: {detected: count}}}``. ``wer``/``wer_right_language`` are ``None``
        for translation directions, directions without references, and (†) when no hypothesis is in
        the right language.

    Raises:
        ZstError: no records.
    """
    if not records:
        raise ZstError("language report: no predictions")
    detected = detect_languages([r["hyp"] for r in records], seed=seed)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        groups[(r["src_lang"], r["tgt_lang"])].append(i)
    directions = []
    for (src, tgt), idx in sorted(groups.items()):
        right = [i for i in idx if detected[i] == tgt]
        row = {"src": src, "tgt": tgt, "n": len(idx), "n_right_language": len(right),
               "language_accuracy": language_accuracy([detected[i] for i in idx], [tgt] * len(idx)),
               "wer": None, "wer_right_language": None}
        scored = [i for i in idx if records[i].get("ref") is not None]
        if src == tgt and len(scored) == len(idx):
            row["wer"] = wer([records[i]["hyp"] for i in idx], [records[i]["ref"] for i in idx]).score
            if right:
                row["wer_right_language"] = wer([records[i]["hyp"] for i in right],
                                                [records[i]["ref"] for i in right]).score
        directions.append(row)
    mean = {key: _mean([d[key] for d in directions]) for key in ("language_accuracy", "wer", "wer_right_language")}
    return {"seed": seed, "directions": directions, "mean": mean,
            "confusion": confusion_counts([r["tgt_lang"] for r in records], detected)}


def _fmt(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def language_markdown(report: dict[str, Any]) -> str:
    """Table II's layout: one row per direction with language accuracy, WER and WER†."""
    lines = ["| src | tgt | n | language accuracy | WER (all) | WER† (right language) |",
             "|---|---|---:|---:|---:|---:|"]
    for d in report["directions"]:
        lines.append(f"| {d['src']} | {d['tgt']} | {d['n']} | {_fmt(d['language_accuracy'], 2)} | "
                     f"{_fmt(d['wer'], 1)} | {_fmt(d['wer_right_language'], 1)} ({d['n_right_language']}) |")
    m = report["mean"]
    lines.append(f"| **mean** | | | {_fmt(m['language_accuracy'], 2)} | {_fmt(m['wer'], 1)} | "
                 f"{_fmt(m['wer_right_language'], 1)} |")
    lines.append("")
    lines.append(f"Languages detected with langdetect (seed {report['seed']}); † = WER over the hypotheses in the "
                 f"asked-for language only (their count in brackets).")
    return "\n".join(lines) + "\n"


def plot_confusion(confusion: dict[str, dict[str, int]], path: str | Path, title: str | None = None) -> Path:
    """Save the asked-for × detected language matrix as a PNG (rows normalised, counts written in)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = list(confusion)
    cols = sorted({d for c in confusion.values() for d in c} - {UNDETECTED})
    cols += [UNDETECTED] if any(UNDETECTED in c for c in confusion.values()) else []
    counts = np.array([[confusion[r].get(c, 0) for c in cols] for r in rows], dtype=float)
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(1.5 + 0.6 * len(cols), 1.0 + 0.5 * len(rows)), dpi=120)
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("detected language (langdetect)")
    ax.set_ylabel("asked-for language")
    for i in range(len(rows)):
        for j in range(len(cols)):
            if counts[i, j]:
                ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.6 else "black")
    ax.set_title(title or "language confusion")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of row")
    return save_figure(fig, path)


def write_language_report(report: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write ``language.json``, ``language.md`` and ``language_confusion.png`` into ``out_dir``."""
    out_dir = Path(out_dir)
    paths = {"json": out_dir / "language.json", "md": out_dir / "language.md",
             "png": out_dir / "language_confusion.png"}
    atomic_write_text(paths["json"], json.dumps(report, indent=2) + "\n")
    atomic_write_text(paths["md"], language_markdown(report))
    plot_confusion(report["confusion"], paths["png"])
    return paths
