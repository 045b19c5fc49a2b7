"""Writer of the Europarl-ST v1.1 layout (read back by :mod:`zst.data.corpora.europarl_st`).

Layout written under ``root`` for one source language ``src``::

    {src}/audios/{speech_id}.m4a            one whole speech: 16 kHz mono AAC (64 kb/s) in MP4
    {src}/{tgt}/{split}/segments.lst        "speech_id start end" per line, seconds with 2 decimals
    {src}/{tgt}/{split}/segments.{src}      transcript of each segment, line-aligned with segments.lst
    {src}/{tgt}/{split}/segments.{tgt}      translation of each segment, line-aligned too
    {src}/{tgt}/{split}/speeches.lst        one speech id per line (speeches of this folder, in order)
    {src}/{tgt}/{split}/speakers.lst        speaker id of each speech, line-aligned with speeches.lst
    {src}/{tgt}/{split}/speeches.{src}      whole-speech transcript (segment texts joined by spaces)
    {src}/{tgt}/{split}/speeches.{tgt}      whole-speech translation, line-aligned with speeches.lst

This matches the released corpus as public loaders (fairseq's ``prep_europarl_data.py``, the
mllp.upv.es description) read it: ``speakers.lst`` is line-aligned with ``speeches.lst``; real
speaker lines are opaque ids, which zst keeps whole.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from zst.testing.layouts import Utterance

__all__ = ["EUROPARL_LANGUAGES", "write_europarl_st"]

#: The nine languages of Europarl-ST v1.1 (every one is both a source and a target).
EUROPARL_LANGUAGES: tuple[str, ...] = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ro")

_SR = 16_000
_CS = _SR // 100  # samples per centisecond (segments.lst has 2 decimals)
_DITHER = 1e-4  # amplitude of the noise filling the gaps (keeps AAC from digital silence)


def _clean(text: str) -> str:
    """One line of text: no tabs or newlines."""
    return " ".join(str(text).split())


def _encode_m4a(path: Path, audio: np.ndarray) -> None:
    """Encode float32 mono 16 kHz ``audio`` to AAC in ``path`` (m4a) via one ffmpeg process."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RuntimeError("writing Europarl-ST m4a files needs ffmpeg on PATH")
    tmp = path.with_name(path.stem + ".tmp.m4a")
    cmd = [exe, "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(_SR), "-ac", "1", "-i", "pipe:0",
           "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
           "-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k", str(tmp)]
    proc = subprocess.run(cmd, input=np.ascontiguousarray(audio, dtype="<f4").tobytes(), capture_output=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{path}: ffmpeg failed ({msg[-1] if msg else 'no message'})")
    os.replace(tmp, path)


def write_europarl_st(
    root: str | Path,
    src: str,
    speeches: dict[str, list[Utterance]],
    translations: dict[str, dict[str, str]],
    *,
    tgt_langs: tuple[str, ...] | list[str] | None = None,
    gap_seconds: float = 0.5,
    workers: int | None = None,
) -> dict:
    """Write source language ``src`` of a Europarl-ST v1.1 corpus under ``root``.

    Each speech's utterances (one speaker, in the given order) are concatenated with
    ``gap_seconds`` of near-silence (deterministic noise of amplitude 1e-4, seeded by the speech id)
    before the first, between and after the last one, and encoded as 16 kHz mono AAC
    (``{src}/audios/{speech_id}.m4a``, one ffmpeg process per speech, fed float32 on stdin). Segment
    times are written with 2 decimals, the start rounded down and the end rounded up, so both stay
    inside the gaps and a segment never loses speech (it gains at most 10 ms on each side).

    For every ``tgt`` in ``tgt_langs`` and every split present among the utterances, the folder
    ``{src}/{tgt}/{split}/`` gets ``segments.lst``, ``segments.{src}`` (``utt.text``),
    ``segments.{tgt}`` (``translations[utt.parallel_id][tgt]``), ``speeches.lst``,
    ``speakers.lst`` (each speech's ``utt.speaker``) and ``speeches.{src|tgt}``. A segment without
    a translation into ``tgt`` is left out of that folder only; folders with no segment are not
    written. A speech whose utterances span several splits is listed in each of them.

    Args:
        root: corpus root (created if missing).
        src: source language (ISO 639-1), the folder name.
        speeches: speech id -> its utterances in order. The caller chooses speech ids (the same id
            for the same sentences in every language makes readers' parallel ids join languages).
        translations: ``translations[parallel_id][lang]`` = text of sentence tuple ``parallel_id``
            in language ``lang``.
        tgt_langs: target languages (default: the other eight Europarl-ST languages).
        gap_seconds: silence around each utterance in seconds (>= 0.05).
        workers: ffmpeg processes run at once (default: up to 4, bounded by the CPU count).

    Returns:
        ``{"speeches": n, "segments": utterances written, "seconds": audio seconds written,
        "folders": number of {tgt}/{split} folders, "lines": segments.lst lines over all folders}``.

    Raises:
        ValueError: ``gap_seconds`` < 0.05, an empty speech, or a speech id that is not a plain
            file name.
        RuntimeError: ffmpeg missing or failing.
    """
    if gap_seconds < 0.05:
        raise ValueError(f"gap_seconds must be >= 0.05 s, got {gap_seconds}")
    root = Path(root)
    tgts = [t for t in (EUROPARL_LANGUAGES if tgt_langs is None else tgt_langs) if t != src]
    audio_dir = root / src / "audios"
    audio_dir.mkdir(parents=True, exist_ok=True)
    gap = int(round(gap_seconds * _SR))

    # Lay out each speech: samples and the (start_cs, end_cs) of every utterance.
    jobs: list[tuple[Path, np.ndarray]] = []
    # split -> list of (speech_id, speaker, [(utt, start_cs, end_cs)])
    by_split: dict[str, list[tuple[str, str, list[tuple[Utterance, int, int]]]]] = {}
    total_samples = 0
    n_segments = 0
    for speech_id, utts in speeches.items():
        if not utts:
            raise ValueError(f"speech '{speech_id}' has no utterances")
        if not speech_id or "/" in speech_id or any(c.isspace() for c in speech_id):
            raise ValueError(f"speech id '{speech_id}' must be a plain file name without spaces")
        n = gap + sum(u.num_samples + gap for u in utts)
        rng = np.random.default_rng(zlib.crc32(f"{src}/{speech_id}".encode()))
        audio = (rng.standard_normal(n) * _DITHER).astype(np.float32)
        pos = gap
        per_split: dict[str, list[tuple[Utterance, int, int]]] = {}
        for u in utts:
            audio[pos:pos + u.num_samples] = np.asarray(u.audio, dtype=np.float32)
            start_cs = pos // _CS
            end_cs = -(-(pos + u.num_samples) // _CS)
            per_split.setdefault(u.split, []).append((u, start_cs, end_cs))
            pos += u.num_samples + gap
        np.clip(audio, -1.0, 1.0, out=audio)
        jobs.append((audio_dir / f"{speech_id}.m4a", audio))
        total_samples += n
        n_segments += len(utts)
        speaker = utts[0].speaker
        for split, segs in per_split.items():
            by_split.setdefault(split, []).append((speech_id, speaker, segs))

    n_workers = workers or max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        for _ in pool.map(lambda job: _encode_m4a(*job), jobs):
            pass

    folders = lines_total = 0
    for tgt in tgts:
        for split in sorted(by_split):
            seg_lines, src_lines, tgt_lines = [], [], []
            sp_ids, sp_spk, sp_src, sp_tgt = [], [], [], []
            for speech_id, speaker, segs in by_split[split]:
                kept = [(u, s, e) for u, s, e in segs if _clean(translations.get(u.parallel_id, {}).get(tgt, ""))]
                if not kept:
                    continue
                for u, s, e in kept:
                    seg_lines.append(f"{speech_id} {s / 100:.2f} {e / 100:.2f}")
                    src_lines.append(_clean(u.text))
                    tgt_lines.append(_clean(translations[u.parallel_id][tgt]))
                sp_ids.append(speech_id)
                sp_spk.append(_clean(speaker))
                sp_src.append(" ".join(_clean(u.text) for u, _, _ in kept))
                sp_tgt.append(" ".join(_clean(translations[u.parallel_id][tgt]) for u, _, _ in kept))
            if not seg_lines:
                continue
            d = root / src / tgt / split
            d.mkdir(parents=True, exist_ok=True)
            files = {
                "segments.lst": seg_lines, f"segments.{src}": src_lines, f"segments.{tgt}": tgt_lines,
                "speeches.lst": sp_ids, "speakers.lst": sp_spk, f"speeches.{src}": sp_src, f"speeches.{tgt}": sp_tgt,
            }
            for name, lines in files.items():
                (d / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
            folders += 1
            lines_total += len(seg_lines)
    return {"speeches": len(jobs), "segments": n_segments, "seconds": total_samples / _SR,
            "folders": folders, "lines": lines_total}
