"""Europarl-ST v1.1 reader: whole-speech m4a files + segment lists → one cut per segment.

Layout (as released; see also :mod:`zst.testing.layouts.europarl_st`)::

    {root}/{src}/audios/{speech_id}.m4a          whole speeches (several segments each)
    {root}/{src}/{tgt}/{split}/segments.lst      "speech_id start_sec end_sec" per line,
                                                 e.g. "en.20080924.31.3-243 0.00 5.64"
    {root}/{src}/{tgt}/{split}/segments.{src}    transcripts, line-aligned with segments.lst
    {root}/{src}/{tgt}/{split}/segments.{tgt}    translations, line-aligned with segments.lst
    {root}/{src}/{tgt}/{split}/speeches.lst      speech ids; speakers.lst is line-aligned with it
    {root}/{src}/{tgt}/{split}/speeches.{src|tgt} whole-speech texts (unused)

Languages de en es fr it nl pl pt ro; splits train, dev, test (and train-noisy). The same segment
of a source speech usually appears in several ``{tgt}`` folders; this reader takes the union of
the segments of every ``{src}/{tgt}/{split}`` folder and makes one cut per distinct
(speech, start, end), with the translations of every folder listing it. ``m4a`` is the released
format; converted ``{speech_id}.wav``/``.flac`` files are used when no ``.m4a`` exists.

Like the public loaders (fairseq's ``prep_europarl_data.py``), segments are grouped by speech and
sorted by start; each speech is decoded once (:func:`zst.audio.load_audio`, 16 kHz mono, ffmpeg for
m4a) and every segment is validated on that array as samples ``[round(start*16000),
round(end*16000))``; there is never one ffmpeg call per segment.

Ids: segment ``k`` of a speech is its index among all distinct well-formed segments of that
speech listed in any target folder of the split, sorted by (start, end). ``parallel_id`` is
``{speech_id}_{k}`` and the cut id ``{src_iso}_{speech_id}_{k}``. The index does not depend on
``opts.tgt_languages`` or on which segments are valid, so it is stable; when several source
languages use the same speech ids for the same sentences (the zst mini-world), ``parallel_id``
joins them.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from lhotse import CutSet

from zst.audio import SAMPLE_RATE, load_audio
from zst.data.corpora import ReadOptions
from zst.data.corpora._common import SPLIT_ALIASES
from zst.data.manifests import BadRow, make_cut
from zst.errors import ManifestError, UnknownLanguageError, ZstError
from zst.languages import to_iso1

__all__ = ["read", "EUROPARL_SPLITS", "AUDIO_SUFFIXES", "END_TOLERANCE"]

EUROPARL_SPLITS = ("train", "dev", "test", "train-noisy")
AUDIO_SUFFIXES = (".m4a", ".wav", ".flac")
#: a segment may end this many seconds after the decoded audio (it is then shortened to the end).
END_TOLERANCE = 0.05


def _iso(name: str) -> str | None:
    try:
        return to_iso1(name)
    except (UnknownLanguageError, ValueError):
        return None


def _lines(path: Path) -> list[str] | None:
    """Lines of a text file (one final newline ignored, ``\\r`` stripped), or None if missing."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text:
        return []
    if text.endswith("\n"):
        text = text[:-1]
    return [ln.rstrip("\r") for ln in text.split("\n")]


@dataclass
class _Segment:
    speech: str
    start: float
    end: float
    text: str = ""
    translations: dict[str, str] = field(default_factory=dict)
    speaker: str | None = None
    source: str | None = None  # first accepted listing
    row: int | None = None
    k: int = -1

    @property
    def accepted(self) -> bool:
        return self.source is not None


def _speech_audio(src_dir: Path, speech: str) -> Path:
    for suffix in AUDIO_SUFFIXES:
        p = src_dir / "audios" / f"{speech}{suffix}"
        if p.is_file():
            return p
    return src_dir / "audios" / f"{speech}.m4a"


def _read_folder(folder: Path, src: str, tgt_name: str, tgt_iso: str, attach: bool,
                 segs: dict[tuple[str, int, int], _Segment], speakers: dict[str, str], bad: list[BadRow]) -> None:
    """Parse one ``{src}/{tgt}/{split}`` folder into ``segs`` (shared across target folders)."""
    lst_path = folder / "segments.lst"
    src_path, tgt_path = folder / f"segments.{src}", folder / f"segments.{tgt_name}"
    lst = _lines(lst_path) or []
    src_lines, tgt_lines = _lines(src_path), _lines(tgt_path)
    spk_ids, spk_lines = _lines(folder / "speeches.lst"), _lines(folder / "speakers.lst")
    if spk_ids and spk_lines:
        for sp, spk in zip(spk_ids, spk_lines):
            if sp.strip() and spk.strip():
                speakers.setdefault(sp.strip(), spk.strip())
    in_folder: set[tuple[str, int, int]] = set()
    for i, line in enumerate(lst, start=1):
        parts = line.split()
        try:
            if len(parts) != 3:
                raise ValueError(f"{len(parts)} fields")
            speech, start, end = parts[0], float(parts[1]), float(parts[2])
            if not (math.isfinite(start) and math.isfinite(end)):
                raise ValueError("non-finite time")
        except ValueError as e:
            bad.append(BadRow(str(lst_path), i, line.strip()[:80] or f"line{i}",
                              f"malformed line ({e}; expected 'speech_id start_sec end_sec')"))
            continue
        key = (speech, round(start * 1000), round(end * 1000))
        seg = segs.setdefault(key, _Segment(speech, start, end))
        problems = []
        for name, lines in ((src_path.name, src_lines), (tgt_path.name, tgt_lines)):
            if lines is None:
                problems.append(f"{name} not found")
            elif i > len(lines):
                problems.append(f"no line {i} in {name} (it has {len(lines)} lines, segments.lst has {len(lst)})")
        if key in in_folder:
            problems.append("duplicate segment in segments.lst")
        if problems:
            bad.append(BadRow(str(lst_path), i, line.strip(), "; ".join(problems)))
            continue
        in_folder.add(key)
        if not seg.accepted:
            seg.source, seg.row = str(lst_path), i
        if not seg.text:
            seg.text = src_lines[i - 1].strip()
        translation = tgt_lines[i - 1].strip()
        if not translation:
            bad.append(BadRow(str(tgt_path), i, line.strip(), "empty translation (the transcript is kept)"))
        elif attach:
            seg.translations.setdefault(tgt_iso, translation)
    for path, lines in ((src_path, src_lines), (tgt_path, tgt_lines)):
        for j in range(len(lst) + 1, len(lines or []) + 1):
            bad.append(BadRow(str(path), j, lines[j - 1].strip()[:80] or f"line{j}",
                              f"extra line: segments.lst has only {len(lst)} lines"))


def _check_speech(src_dir: Path, src_iso: str, speech: str, segments: list[_Segment],
                  opts: ReadOptions) -> tuple[list, list[BadRow]]:
    """Decode one speech once and turn its (pre-checked) segments into cuts or bad rows."""
    cuts, bad = [], []
    path = _speech_audio(src_dir, speech)

    def cut_id(seg: _Segment) -> str:
        return f"{src_iso}_{seg.speech}_{seg.k}"

    try:
        audio = load_audio(path)
    except ZstError as e:
        return [], [BadRow(seg.source, seg.row, cut_id(seg), str(e)) for seg in segments]
    n = len(audio)
    out_dir = None
    if opts.audio_dir is not None:
        out_dir = Path(opts.audio_dir) / src_iso
        out_dir.mkdir(parents=True, exist_ok=True)
    for seg in segments:
        cid = cut_id(seg)
        a, b = int(round(seg.start * SAMPLE_RATE)), int(round(seg.end * SAMPLE_RATE))
        try:
            if a >= n or b > n + END_TOLERANCE * SAMPLE_RATE:
                raise ZstError(f"{cid}: segment {seg.start:.2f}-{seg.end:.2f} s runs past the end of {path} "
                               f"({n / SAMPLE_RATE:.2f} s)")
            b = min(b, n)
            samples = audio[a:b]
            if not np.any(samples):
                raise ZstError(f"{cid}: audio is all zeros ({path} {seg.start:.2f}-{seg.end:.2f} s)")
            common = dict(text=seg.text, language=src_iso, translations=seg.translations,
                          parallel_id=f"{seg.speech}_{seg.k}", speaker=seg.speaker, check=False)
            if out_dir is not None:
                flac = out_dir / f"{cid}.flac"
                tmp = out_dir / f"{cid}.tmp.flac"
                sf.write(str(tmp), np.clip(samples, -1.0, 1.0), SAMPLE_RATE, format="FLAC", subtype="PCM_16")
                os.replace(tmp, flac)
                cut = make_cut(cid, flac, duration=len(samples) / SAMPLE_RATE, **common)
            else:
                cut = make_cut(cid, path, start=a / SAMPLE_RATE, duration=(b - a) / SAMPLE_RATE, **common)
        except (ZstError, UnknownLanguageError) as e:
            bad.append(BadRow(seg.source, seg.row, cid, str(e)))
            continue
        cuts.append(cut)
    return cuts, bad


def read(root: Path, opts: ReadOptions) -> tuple[CutSet, list[BadRow]]:
    """Read split ``opts.split`` of Europarl-ST v1.1 for the source languages ``opts`` selects.

    Args:
        root: the corpus root holding ``{src}/audios/`` and ``{src}/{tgt}/{split}/`` (module doc).
        opts: ``split`` (``train``, ``dev``, ``test``, ``train-noisy``; ``validation`` = ``dev``),
            ``languages``/``exclude`` (source languages, ISO 639-1), ``tgt_languages`` (the
            translations attached; every target folder is still read, so the set of cuts and their
            ids do not depend on it), ``max_seconds``, ``audio_dir``.

    Returns:
        ``(cuts, bad_rows)``. One cut per distinct valid segment: id ``{src}_{speech_id}_{k}``,
        text from ``segments.{src}``, ``translations`` ``{tgt_iso: text}`` from every target folder
        listing it, ``parallel_id`` ``{speech_id}_{k}``, speaker from ``speakers.lst``. Without
        ``opts.audio_dir`` a cut points into the speech file (``start``/``duration`` in seconds);
        with it, each valid segment is written as a 16 kHz 16-bit FLAC
        ``{audio_dir}/{src_iso}/{cut_id}.flac`` and the cut covers that whole file.

        Bad rows (never fatal), reported at their line: a malformed ``segments.lst`` line, a line
        without a matching line in ``segments.{src}``/``segments.{tgt}`` (line counts differ: the
        surplus lines of the longer file are reported too), a duplicate line, an empty translation
        (the transcript is still used). Reported once per segment, at its first good listing: zero
        or negative length, empty transcript, longer than ``opts.max_seconds``, missing or
        undecodable speech audio (one row per segment of that speech), a segment starting after the
        end of the audio or ending more than 50 ms after it, all-zero samples.

    Raises:
        ManifestError: ``root`` is not a folder, or no selected source language has a
            ``{src}/{tgt}/{split}/segments.lst``.
    """
    root = Path(root)
    if not root.is_dir():
        raise ManifestError(f"{root}: Europarl-ST root not found")
    split = SPLIT_ALIASES.get(opts.split, opts.split)
    plan = []
    for src_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        src_iso = _iso(src_dir.name)
        if src_iso is None or not opts.wants(src_iso):
            continue
        folders = []
        for tgt_dir in sorted(p for p in src_dir.iterdir() if p.is_dir() and p.name != "audios"):
            tgt_iso = _iso(tgt_dir.name)
            if tgt_iso is None or tgt_iso == src_iso or not (tgt_dir / split / "segments.lst").is_file():
                continue
            folders.append((tgt_dir / split, tgt_dir.name, tgt_iso))
        if folders:
            plan.append((src_dir, src_iso, folders))
    if not plan:
        raise ManifestError(f"{root}: no Europarl-ST {{src}}/{{tgt}}/{split}/segments.lst for the selected languages")

    all_cuts, all_bad = [], []
    workers = max(1, min(8, os.cpu_count() or 1))
    for src_dir, src_iso, folders in plan:
        segs: dict[tuple[str, int, int], _Segment] = {}
        speakers: dict[str, str] = {}
        bad: list[BadRow] = []
        for folder, tgt_name, tgt_iso in folders:
            attach = not opts.tgt_languages or tgt_iso in opts.tgt_languages
            _read_folder(folder, src_dir.name, tgt_name, tgt_iso, attach, segs, speakers, bad)
        # number the segments of each speech, then run the checks that need no audio
        by_speech: dict[str, list[_Segment]] = {}
        for seg in segs.values():
            by_speech.setdefault(seg.speech, []).append(seg)
        to_decode: list[tuple[str, list[_Segment]]] = []
        for speech in sorted(by_speech):
            ordered = sorted(by_speech[speech], key=lambda s: (s.start, s.end))
            good = []
            for k, seg in enumerate(ordered):
                seg.k = k
                if not seg.accepted:
                    continue
                seg.speaker = speakers.get(speech)
                cid = f"{src_iso}_{speech}_{k}"
                if seg.end == seg.start:
                    reason = f"{cid}: zero-length segment ({seg.start:.2f}-{seg.end:.2f} s)"
                elif seg.end < seg.start or seg.start < 0:
                    reason = f"{cid}: negative segment: start {seg.start:.2f} s, end {seg.end:.2f} s"
                elif not seg.text:
                    reason = f"{cid}: empty transcript"
                elif seg.end - seg.start > opts.max_seconds:
                    reason = (f"{cid}: {seg.end - seg.start:.1f} s is longer than the maximum of "
                              f"{opts.max_seconds:.1f} s")
                else:
                    good.append(seg)
                    continue
                bad.append(BadRow(seg.source, seg.row, cid, reason))
            if good:
                to_decode.append((speech, good))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = pool.map(lambda job: _check_speech(src_dir, src_iso, job[0], job[1], opts), to_decode)
            for cuts, speech_bad in results:
                all_cuts.extend(cuts)
                bad.extend(speech_bad)
        all_bad.extend(bad)
    return CutSet.from_cuts(all_cuts), sorted(all_bad, key=lambda b: (b.source, b.row or 0))
