"""Lhotse CutSet manifests for zst.

One cut per utterance, with one supervision holding the transcript (``text``), its language
(``language``, ISO 639-1) and, in ``custom["translations"]``, translations by language
(``{"de": "...", "fr": "..."}``). N-way parallel corpora keep a shared ``custom["parallel_id"]``.

Audio is never decoded by Lhotse here: zst reads ``cut.recording.sources[0].source`` with
:func:`zst.audio.load_audio` (which handles m4a through ffmpeg), cutting ``cut.start`` /
``cut.duration`` seconds.

Bad rows (missing or unreadable audio, empty text, zero or too long duration, ...) are skipped and
returned as :class:`BadRow` s, never fatal to a corpus.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
from lhotse import CutSet, MonoCut, Recording, SupervisionSegment
from lhotse.audio import AudioSource

from zst.audio import SAMPLE_RATE, load_audio
from zst.errors import AudioError, ManifestError, UnknownLanguageError, ZstError
from zst.languages import to_iso1
from zst.runs import atomic_write_text

MANIFEST_NAME = "cuts.jsonl.gz"


@dataclass(frozen=True)
class BadRow:
    """A skipped corpus row: where it came from and why."""

    source: str  # file the row came from
    row: int | None  # 1-based line number in that file (None when not line-based)
    item: str  # utterance id or audio path
    reason: str


def write_bad_rows(rows: Iterable[BadRow], path: str | Path) -> Path:
    """Write a TSV report ``source, row, item, reason`` (header included), atomically."""
    lines = ["source\trow\titem\treason"]
    for r in rows:
        lines.append("\t".join([r.source, "" if r.row is None else str(r.row), r.item, r.reason.replace("\t", " ")]))
    return atomic_write_text(path, "\n".join(lines) + "\n")


def make_cut(
    cut_id: str,
    audio_path: str | Path,
    *,
    text: str,
    language: str,
    start: float = 0.0,
    duration: float | None = None,
    translations: dict[str, str] | None = None,
    parallel_id: str | None = None,
    speaker: str | None = None,
    check: bool = True,
    max_seconds: float | None = None,
) -> MonoCut:
    """Build one cut for ``duration`` s of ``audio_path`` from ``start`` s.

    With ``check`` the segment is decoded once (16 kHz) to validate it and measure it.

    Raises:
        ZstError: empty text, unknown language, undecodable/empty/non-finite audio, a segment past
            the end of the audio, or one longer than ``max_seconds``. The message names the item.
    """
    text = (text or "").strip()
    if not text:
        raise ZstError(f"{cut_id}: empty transcript")
    lang = to_iso1(language)
    if duration is not None and duration <= 0:
        raise ZstError(f"{cut_id}: zero-length segment ({start:.3f}-{start + duration:.3f} s)")
    if check:
        audio = load_audio(audio_path, offset=start, duration=duration)
        seg_seconds = len(audio) / SAMPLE_RATE
        if duration is not None and seg_seconds + 0.05 < duration:
            raise ZstError(f"{cut_id}: segment {start:.2f}-{start + duration:.2f} s runs past the end of "
                           f"{audio_path} ({start + seg_seconds:.2f} s)")
        if not np.any(audio):
            raise AudioError(f"{audio_path}: audio is all zeros")
        duration = seg_seconds if duration is None else duration
    if duration is None:
        raise ZstError(f"{cut_id}: duration unknown (pass duration or check=True)")
    if max_seconds is not None and duration > max_seconds:
        raise ZstError(f"{cut_id}: {duration:.1f} s is longer than the maximum of {max_seconds:.1f} s")
    total = start + duration
    rec = Recording(
        id=cut_id,
        sources=[AudioSource(type="file", channels=[0], source=str(Path(audio_path).resolve()))],
        sampling_rate=SAMPLE_RATE,
        num_samples=int(round(total * SAMPLE_RATE)),
        duration=total,
    )
    custom = {"translations": {to_iso1(k): v for k, v in (translations or {}).items()}}
    if parallel_id is not None:
        custom["parallel_id"] = str(parallel_id)
    sup = SupervisionSegment(id=cut_id, recording_id=cut_id, start=start, duration=duration, text=text,
                             language=lang, speaker=speaker, custom=custom)
    return MonoCut(id=cut_id, start=start, duration=duration, channel=0, recording=rec, supervisions=[sup])


def read_folder(folder: str | Path, tsv: str | Path, *, max_seconds: float = 60.0) -> tuple[CutSet, list[BadRow]]:
    """Read a folder of audio files described by a TSV.

    TSV (tab-separated, with a header): required ``file`` (path relative to ``folder``, or
    absolute), ``text`` (transcript) and ``lang`` (its language); optional ``id`` (default: the
    file name without suffix) and translations as ``text_<lang>`` columns (``text_de``) or a
    ``tgt_text``/``tgt_lang`` pair. Read with quoting off (transcripts may contain ``"``).

    Returns:
        The cuts, and the rows that were skipped with their reasons.

    Raises:
        ManifestError: the TSV is missing, empty or lacks a required column (fatal: no row could be
            read). Row-level problems are returned as :class:`BadRow` s instead.
    """
    folder, tsv = Path(folder), Path(tsv)
    if not folder.is_dir():
        raise ManifestError(f"{folder}: not a folder")
    if not tsv.is_file():
        raise ManifestError(f"{tsv}: TSV file not found")
    with open(tsv, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = list(reader)
    if not rows:
        raise ManifestError(f"{tsv}: empty file (expected a header with file, text, lang)")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("file", "text", "lang") if c not in header]
    if missing:
        raise ManifestError(f"{tsv}: missing column(s) {', '.join(missing)} in header {header}")
    col = {name: i for i, name in enumerate(header)}
    cuts, bad, seen = [], [], set()
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        get = lambda name: row[col[name]].strip() if name in col and col[name] < len(row) else ""  # noqa: E731
        audio_rel = get("file")
        item = get("id") or Path(audio_rel).stem or f"row{lineno}"
        try:
            if len(row) != len(header):
                raise ZstError(f"{len(row)} fields, header has {len(header)}")
            if item in seen:
                raise ZstError(f"duplicate id '{item}'")
            audio_path = Path(audio_rel) if Path(audio_rel).is_absolute() else folder / audio_rel
            if not audio_rel or not audio_path.is_file():
                raise ZstError(f"audio file not found: {audio_path}")
            translations = {h[5:]: row[i].strip() for h, i in col.items() if h.startswith("text_") and row[i].strip()}
            if get("tgt_text") and get("tgt_lang"):
                translations[get("tgt_lang")] = get("tgt_text")
            cut = make_cut(item, audio_path, text=get("text"), language=get("lang"), translations=translations,
                           parallel_id=get("parallel_id") or None, max_seconds=max_seconds)
        except (ZstError, UnknownLanguageError, AudioError) as e:
            bad.append(BadRow(str(tsv), lineno, item, str(e)))
            continue
        seen.add(item)
        cuts.append(cut)
    return CutSet.from_cuts(cuts), bad


def load_manifest(path: str | Path) -> CutSet:
    """Load a CutSet written by ``zst prepare`` (a file, or a run dir holding ``cuts.jsonl.gz``).

    Raises:
        ManifestError: missing, unreadable or empty.
    """
    p = Path(path)
    if p.is_dir():
        p = p / MANIFEST_NAME
    if not p.is_file():
        raise ManifestError(f"{p}: manifest not found (run `zst prepare` first)")
    try:
        cuts = CutSet.from_file(p)  # None for an empty file
        cuts = cuts.to_eager() if cuts is not None else CutSet.from_cuts([])
    except Exception as e:  # lhotse raises assorted errors on corrupt files
        raise ManifestError(f"{p}: cannot read manifest ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
    if len(cuts) == 0:
        raise ManifestError(f"{p}: manifest has no utterances")
    return cuts


def cut_text(cut) -> str:
    return cut.supervisions[0].text


def cut_language(cut) -> str:
    return cut.supervisions[0].language


def cut_translations(cut) -> dict[str, str]:
    sup = cut.supervisions[0]
    return dict((sup.custom or {}).get("translations", {}))


def load_cut_audio(cut) -> np.ndarray:
    """The cut's samples: float32 mono 16 kHz ``(n,)``."""
    return load_audio(cut.recording.sources[0].source, offset=cut.start, duration=cut.duration)
