"""Writer of the VoxPopuli transcribed-data layout, read by :mod:`zst.data.corpora.voxpopuli`.

One call writes one language, all its splits::

    {root}/transcribed_data/{lang}/asr_{split}.tsv            header + one line per segment
    {root}/transcribed_data/{lang}/{year}/{segment id}.ogg    16 kHz Ogg Vorbis

Header: ``id raw_text normalized_text speaker_id split gender is_gold_transcript accent`` (the
current release's columns). Segment ids look like VoxPopuli's,
``20180612-0900-PLENARY-7-en_20180612-13:47:48_3`` (session date, sitting, item, language, time of
the speech, segment number): date, item and time are drawn from a hash of (lang, uid), the segment
number counts repeats of the same prefix in input order, so the ids are deterministic and unique.
``raw_text`` is ``Utterance.text`` (whitespace collapsed), ``normalized_text`` its
:func:`~zst.testing.layouts.mls.normalize_transcript` form, ``speaker_id`` the zst speaker id,
``gender`` ``male``/``female``, ``is_gold_transcript`` ``True``, ``accent`` ``None``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Iterable

import numpy as np
import soundfile as sf

from zst.data.corpora.voxpopuli import TSV_COLUMNS, voxpopuli_audio_path
from zst.testing.layouts import Utterance
from zst.testing.layouts._common import Written, checked_utterances, collapse_whitespace, collapsed_notes, finite_audio
from zst.testing.layouts.mls import normalize_transcript

__all__ = ["voxpopuli_segment_prefix", "write_voxpopuli"]


def voxpopuli_segment_prefix(lang: str, uid: str) -> str:
    """VoxPopuli-style id without its segment number, e.g. ``20180612-0900-PLENARY-7-en_20180612-13:47:48``.

    Deterministic in (lang, uid): year 2009–2020, sitting item 1–20, time 09:00–20:59.
    """
    h = hashlib.sha1(f"{lang}/{uid}".encode("utf-8")).digest()
    date = f"{2009 + h[0] % 12}{1 + h[1] % 12:02d}{1 + h[2] % 28:02d}"
    return f"{date}-0900-PLENARY-{1 + h[3] % 20}-{lang}_{date}-{9 + h[4] % 12:02d}:{h[5] % 60:02d}:{h[6] % 60:02d}"


def write_voxpopuli(root: str | Path, lang: str, utterances: Iterable[Utterance]) -> dict:
    """Write ``utterances`` of language ``lang`` in VoxPopuli's layout under ``root`` (see module docstring).

    Args:
        root: VoxPopuli root; ``transcribed_data/{lang}/`` is created in it. Existing TSVs of the
            splits written are overwritten (write each language once, with all its splits).
        lang: ISO 639-1 code (the folder name); every utterance must have this ``lang``.
        utterances: the language's utterances (any splits). Audio: float32 16 kHz ``(n,)`` in
            [-1, 1] (clipped), encoded as Ogg Vorbis by soundfile (lossy; the sample count is kept).

    Returns:
        ``{"corpus": "voxpopuli", "lang", "dir", "splits" ({split: count}), "ids" ({uid: segment
        id}), "cut_ids" ({uid: id of the reader's cut}), "texts" ({uid: raw_text written}),
        "audio" ({uid: ogg path}), "notes" (list of str)}``.

    Raises:
        ValueError: an utterance of another language, a duplicate uid, or non-finite audio.
    """
    utts = checked_utterances("write_voxpopuli", lang, utterances)
    lang_dir = Path(root) / "transcribed_data" / lang

    written = Written("voxpopuli", lang)
    repeats: dict[str, int] = defaultdict(int)
    rows: dict[str, list[str]] = defaultdict(list)
    made_dirs: set[Path] = set()
    changed = 0
    for u in utts:
        prefix = voxpopuli_segment_prefix(lang, u.uid)
        seg_id = f"{prefix}_{repeats[prefix]}"
        repeats[prefix] += 1
        audio = finite_audio("write_voxpopuli", lang, u)
        path = voxpopuli_audio_path(lang_dir, seg_id)
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        sf.write(str(path), np.clip(audio, -1.0, 1.0), 16_000, format="OGG", subtype="VORBIS")
        raw = collapse_whitespace(u.text)
        changed += raw != u.text
        rows[u.split].append("\t".join([seg_id, raw, normalize_transcript(raw), u.speaker, u.split,
                                        u.gender.lower(), "True", "None"]))
        written.add(u.uid, seg_id, f"{lang}_{seg_id}", raw, path)
    lang_dir.mkdir(parents=True, exist_ok=True)
    for split, lines in rows.items():
        (lang_dir / f"asr_{split}.tsv").write_text("\n".join(["\t".join(TSV_COLUMNS), *lines]) + "\n",
                                                   encoding="utf-8")
    return written.result(lang_dir, {split: len(lines) for split, lines in rows.items()}, collapsed_notes(changed))
