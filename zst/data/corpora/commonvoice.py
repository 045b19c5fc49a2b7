"""Common Voice reader: ``{root}/{locale}/{split}.tsv`` + ``{root}/{locale}/clips/*.mp3`` → cuts.

Layout (every release): one folder per locale (``en``, ``fr``, ``zh-CN``, ``sv-SE``, ...) holding
``clips/`` (MP3, 48 kHz in real releases) and tab-separated TSVs with a header: ``validated.tsv``
(every validated clip), ``train.tsv``, ``dev.tsv``, ``test.tsv`` (the official splits, subsets of
``validated.tsv``), ``invalidated.tsv``, ``other.tsv``. Columns change across releases:
Common Voice 4 (the one CoVoST 2 uses) has ``client_id path sentence up_votes down_votes age
gender accent``; later ones rename ``accent`` → ``accents`` and add ``variant``, ``locale``,
``segment`` (and ``sentence_id``, ``sentence_domain`` since CV 16/17). Only ``path`` and ``sentence``
are required here (``client_id`` is the speaker when present); columns are found by name. TSVs are
read with ``quoting=csv.QUOTE_NONE`` (sentences contain unbalanced ``"``), as Lhotse does.

Cut ids are ``{iso}_{clip stem}`` (e.g. ``en_common_voice_en_19664034``) — the same ids the CoVoST 2
reader gives the same clips. Durations are the decoded clip lengths at the file's own rate.
"""

from __future__ import annotations

import csv
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf
from lhotse import CutSet

from zst.audio import SAMPLE_RATE, load_audio
from zst.data.corpora import ReadOptions
from zst.data.corpora._common import RowReasons, keyed_row_problem
from zst.data.manifests import BadRow, make_cut
from zst.errors import AudioError, ManifestError, UnknownLanguageError, ZstError
from zst.languages import to_iso1

__all__ = ["CV_LOCALE_OVERRIDES", "ClipItem", "check_clips", "clip_seconds", "locale_to_iso", "read", "read_tsv",
           "sort_bad_rows"]

#: Common Voice locales whose ISO 639-1 code is not their first part (zh-HK is Cantonese).
CV_LOCALE_OVERRIDES: dict[str, str] = {"zh-HK": "yue"}

#: split names accepted for ``opts.split`` → TSV file stem.
_SPLIT_FILES = {"train": "train", "dev": "dev", "validation": "dev", "valid": "dev", "test": "test"}

_ROW_REASONS = RowReasons(fields="malformed row: {got} fields, header has {want}", key="empty path",
                          duplicate="duplicate clip '{key}'")


def locale_to_iso(locale: str) -> str | None:
    """ISO 639-1 code (zst manifest code) of a Common Voice locale folder name, or None if unknown.

    ``zh-CN`` / ``zh-TW`` → ``zh``, ``zh-HK`` → ``yue``, ``sv-SE`` → ``sv``, ``en`` → ``en``.
    """
    if locale in CV_LOCALE_OVERRIDES:
        return CV_LOCALE_OVERRIDES[locale]
    try:
        return to_iso1(locale)
    except (UnknownLanguageError, ValueError):
        return None


def read_tsv(path: Path, *, escapechar: str | None = None) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Open a tab-separated file with a header, quoting off.

    Returns:
        ``(header, rows)``: the stripped header cells and an iterator of ``(line_number, cells)``
        (1-based line number of the row's first line; the header is line 1). Blank lines are
        skipped. The file is read eagerly, so the iterator needs no open handle.
    """
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar=escapechar)
        rows = []
        header: list[str] = []
        start = 1
        for cells in reader:
            if not header:
                header = [h.strip().lstrip("\ufeff") for h in cells]
            elif any(c.strip() for c in cells):
                rows.append((start, cells))
            start = reader.line_num + 1
    return header, iter(rows)


def clip_seconds(path: Path) -> float:
    """Decode a clip fully and return its duration in seconds at its own sampling rate.

    soundfile (libsndfile: mp3, wav, flac, ogg) first; files it cannot read go through
    :func:`zst.audio.load_audio` (ffmpeg).

    Raises:
        AudioError: missing file, undecodable data, no samples, NaN/Inf samples, or all zeros.
    """
    if not path.is_file():
        raise AudioError(f"{path}: audio file not found")
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        data, sr = load_audio(path)[:, None], SAMPLE_RATE  # raises AudioError if ffmpeg fails too
    if data.size == 0:
        raise AudioError(f"{path}: audio is empty, 0 samples")
    if not np.isfinite(data).all():
        raise AudioError(f"{path}: audio contains non-finite samples (NaN/Inf)")
    if not np.any(data):
        raise AudioError(f"{path}: audio is all zeros")
    return data.shape[0] / sr


@dataclass
class ClipItem:
    """One clip to validate: where it was listed, what it says, what to attach."""

    cut_id: str
    audio: Path
    text: str
    language: str
    speaker: str | None
    source: str
    row: int
    translations: dict[str, str] = field(default_factory=dict)


def check_clips(items: list[ClipItem], max_seconds: float) -> tuple[list, list[BadRow]]:
    """Decode every clip once (threads) and build its cut; invalid clips become bad rows.

    Returns the cuts and bad rows in the order of ``items``.
    """

    def one(it: ClipItem):
        try:
            if not it.text.strip():
                raise ZstError(f"{it.cut_id}: empty transcript")
            seconds = clip_seconds(it.audio)
            return make_cut(it.cut_id, it.audio, text=it.text, language=it.language, duration=seconds,
                            translations=it.translations, speaker=it.speaker or None, check=False,
                            max_seconds=max_seconds)
        except (ZstError, UnknownLanguageError) as e:
            return BadRow(it.source, it.row, it.cut_id, str(e))

    workers = max(1, min(8, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, items))
    cuts = [r for r in results if not isinstance(r, BadRow)]
    bad = [r for r in results if isinstance(r, BadRow)]
    return cuts, bad


def sort_bad_rows(rows: list[BadRow]) -> list[BadRow]:
    """Bad rows ordered by file, then line (stable for rows of the same line)."""
    return sorted(rows, key=lambda b: (b.source, b.row or 0))


def _locale_dirs(root: Path, opts: ReadOptions) -> list[tuple[Path, str]]:
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        iso = locale_to_iso(d.name)
        if iso is not None and opts.wants(iso):
            out.append((d, iso))
    return out


def read(root: Path, opts: ReadOptions) -> tuple[CutSet, list[BadRow]]:
    """Read split ``opts.split`` of a Common Voice corpus for the languages ``opts`` selects.

    Args:
        root: folder holding one folder per locale (``{root}/{locale}/{split}.tsv``,
            ``{root}/{locale}/clips/``); see the module docstring for the layout.
        opts: ``split`` (``train``/``dev``/``test``; ``validation`` means ``dev``; any other name
            reads ``{split}.tsv``, e.g. ``validated``), ``languages``/``exclude`` (ISO 639-1; locales
            are mapped, ``zh-CN`` → ``zh``), ``max_seconds``. Common Voice has no translations.

    Returns:
        ``(cuts, bad_rows)``. One cut per TSV row: id ``{iso}_{clip stem}``, whole clip, text =
        ``sentence``, speaker = ``client_id``. Bad rows (reported, never fatal): wrong field count,
        empty ``path`` or sentence, duplicate clip, missing/undecodable/silent audio, longer than
        ``opts.max_seconds``; a TSV without ``path``/``sentence`` columns is one bad row (line 1).

    Raises:
        ManifestError: ``root`` is not a folder, or no selected locale has ``{split}.tsv``.
    """
    root = Path(root)
    if not root.is_dir():
        raise ManifestError(f"{root}: Common Voice root not found")
    stem = _SPLIT_FILES.get(opts.split, opts.split)
    found = [(d, iso, d / f"{stem}.tsv") for d, iso in _locale_dirs(root, opts) if (d / f"{stem}.tsv").is_file()]
    if not found:
        raise ManifestError(f"{root}: no Common Voice {{locale}}/{stem}.tsv for the selected languages")
    items: list[ClipItem] = []
    bad: list[BadRow] = []
    seen: set[str] = set()
    for d, iso, tsv in found:
        header, rows = read_tsv(tsv)
        col = {h: i for i, h in enumerate(header)}
        missing = [c for c in ("path", "sentence") if c not in col]
        if missing:
            bad.append(BadRow(str(tsv), 1, "header", f"missing column(s) {', '.join(missing)} in header {header}"))
            continue
        for lineno, cells in rows:
            rel = cells[col["path"]].strip() if col["path"] < len(cells) else ""
            cut_id = f"{iso}_{Path(rel).stem}" if rel else f"{iso}_line{lineno}"
            problem = keyed_row_problem(len(cells), len(header), rel, cut_id, seen, rel or cut_id, _ROW_REASONS)
            if problem:
                bad.append(BadRow(str(tsv), lineno, *problem))
                continue
            seen.add(cut_id)
            speaker = cells[col["client_id"]].strip() if "client_id" in col else None
            items.append(ClipItem(cut_id, d / "clips" / rel, cells[col["sentence"]].strip(), iso, speaker,
                                  str(tsv), lineno))
    cuts, bad_clips = check_clips(items, opts.max_seconds)
    return CutSet.from_cuts(cuts), sort_bad_rows(bad + bad_clips)
