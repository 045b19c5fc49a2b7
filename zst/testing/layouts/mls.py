"""Writer of the Multilingual LibriSpeech (MLS, OpenSLR 94) layout, read by :mod:`zst.data.corpora.mls`.

One call writes one language, all its splits::

    {root}/mls_{language}/metainfo.txt                      speaker | gender | partition | minutes | book | ...
    {root}/mls_{language}/{split}/transcripts.txt           "{speaker}_{book}_{utterance}\\t{text}"
    {root}/mls_{language}/{split}/segments.txt              "{id}\\t{url}\\t{start}\\t{end}"
    {root}/mls_{language}/{split}/audio/{speaker}/{book}/{id}.flac    16 kHz, 16-bit

``{language}`` is the English name MLS uses (``french``; other languages: their English name, or
the ISO code when the name has several words). Ids are numeric as in MLS: speakers get a number
(a CRC of the zst speaker id, or the id itself when it is digits), each (speaker, split) one book
number, utterances are numbered ``000000, 000001, ...`` per book in input order. Transcripts are
written the way MLS ships them, lower case without punctuation (:func:`normalize_transcript`), so
the text a reader returns is that normal form, not ``Utterance.text``. ``segments.txt`` points at
made-up LibriVox mp3 URLs with consecutive times (no reader needs it).
"""

from __future__ import annotations

import unicodedata
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Iterable

import numpy as np
import soundfile as sf

from zst.data.corpora.mls import MLS_FOLDER_BY_LANGUAGE, MLS_LANGUAGES
from zst.errors import UnknownLanguageError
from zst.languages import language_name, to_iso1
from zst.testing.layouts import Utterance
from zst.testing.layouts._common import Written, checked_utterances, finite_audio

__all__ = ["normalize_transcript", "mls_folder_name", "write_mls"]

_KEEP_IN_WORDS = "'’-"
_METAINFO_HEADER = (" SPEAKER   |   GENDER   | PARTITION  |  MINUTES   |  BOOK ID   |"
                    "             TITLE              |            CHAPTER            ")


def normalize_transcript(text: str) -> str:
    """Lower-case ``text`` and drop punctuation, as MLS/FLEURS/VoxPopuli normalised transcripts are.

    Unicode punctuation (category ``P*``) becomes a space, except apostrophes and hyphens inside
    words (``"day-room"``, ``"phyllis's"``); whitespace and control characters are collapsed to
    single spaces. Letters, digits and symbols of any script are kept (NFC).
    """
    chars = []
    for ch in unicodedata.normalize("NFC", text).lower():
        cat = unicodedata.category(ch)
        if (cat[0] == "P" and ch not in _KEEP_IN_WORDS) or cat[0] == "Z" or cat == "Cc":
            chars.append(" ")
        else:
            chars.append(ch)
    words = (w.strip(_KEEP_IN_WORDS) for w in "".join(chars).split())
    return " ".join(w for w in words if w)


def mls_folder_name(lang: str) -> str:
    """``mls_{language}`` folder of ISO code ``lang`` (``"fr"`` → ``"mls_french"``).

    Raises:
        UnknownLanguageError: ``lang`` is not in zst's language table.
    """
    if lang in MLS_FOLDER_BY_LANGUAGE:
        return f"mls_{MLS_FOLDER_BY_LANGUAGE[lang]}"
    name = language_name(lang).lower()
    return f"mls_{name if name.isalpha() else lang}"


def _numbers(keys: Iterable[str], taken: set[int] | None = None) -> dict[str, int]:
    """Deterministic distinct numbers in [1000, 99999] for ``keys`` (digit keys keep their value)."""
    taken = set() if taken is None else taken
    out: dict[str, int] = {}
    keys = sorted(set(keys), key=lambda k: (not k.isdigit(), k))
    for key in keys:
        num = int(key) if key.isdigit() else 1000 + zlib.crc32(key.encode("utf-8")) % 99000
        while num in taken:
            num = num + 1 if num < 99999 else 1000
        taken.add(num)
        out[key] = num
    return out


def write_mls(root: str | Path, lang: str, utterances: Iterable[Utterance]) -> dict:
    """Write ``utterances`` of language ``lang`` in the MLS layout under ``root`` (see module docstring).

    Args:
        root: corpus root; ``mls_{language}/`` is created in it. Existing files of this language's
            splits are overwritten (write each language once, with all its splits).
        lang: ISO 639-1 code; every utterance must have this ``lang``.
        utterances: the language's utterances (any splits, any order). Audio: float32 16 kHz
            ``(n,)`` in [-1, 1] (clipped), written as 16-bit FLAC.

    Returns:
        ``{"corpus": "mls", "lang", "dir" (the mls_ folder), "splits" ({split: count}),
        "ids" ({uid: MLS id}), "cut_ids" ({uid: id of the reader's cut}), "texts" ({uid: written
        transcript}), "audio" ({uid: file path}), "speakers" ({zst speaker: MLS speaker number}),
        "notes" (list of str)}``.

    Raises:
        ValueError: an utterance of another language, a duplicate uid, or non-finite audio.
    """
    utts = checked_utterances("write_mls", lang, utterances)
    lang_dir = Path(root) / mls_folder_name(lang)
    speakers = _numbers(u.speaker for u in utts)
    books: dict[tuple[str, str], int] = {}
    for spk in sorted(speakers):
        pairs = sorted({u.split for u in utts if u.speaker == spk})
        nums = _numbers((f"{spk}|{split}" for split in pairs), set())
        books.update({(spk, split): nums[f"{spk}|{split}"] for split in pairs})

    name = lang_dir.name[len("mls_"):]
    try:
        cut_lang = MLS_LANGUAGES.get(name) or to_iso1(name)  # the code the reader gives this folder
    except UnknownLanguageError:
        cut_lang = lang
    written = Written("mls", lang)
    counters: dict[tuple[int, int], int] = defaultdict(int)
    by_split: dict[str, list[tuple[str, str, str, float]]] = defaultdict(list)  # split -> (id, text, url, dur)
    meta: dict[tuple[int, int], list] = {}  # (spk, book) -> [gender, split, seconds]
    made_dirs: set[Path] = set()
    notes: list[str] = []
    empty = 0
    for u in utts:
        spk, book = speakers[u.speaker], books[(u.speaker, u.split)]
        utt_id = f"{spk}_{book}_{counters[(spk, book)]:06d}"
        counters[(spk, book)] += 1
        audio = finite_audio("write_mls", lang, u)
        folder = lang_dir / u.split / "audio" / str(spk) / str(book)
        if folder not in made_dirs:
            folder.mkdir(parents=True, exist_ok=True)
            made_dirs.add(folder)
        path = folder / f"{utt_id}.flac"
        sf.write(str(path), np.clip(audio, -1.0, 1.0), 16_000, format="FLAC", subtype="PCM_16")
        text = normalize_transcript(u.text)
        empty += not text
        by_split[u.split].append((utt_id, text, f"http://www.archive.org/download/zst_book_{book}/"
                                                f"zst_{book}_{spk}_64kb.mp3", u.duration))
        m = meta.setdefault((spk, book), [u.gender[:1].upper() or "U", u.split, 0.0])
        m[2] += u.duration
        written.add(u.uid, utt_id, f"{cut_lang}_{utt_id}", text, path)
    if empty:
        notes.append(f"{empty} transcript(s) are empty once normalised (readers report them as bad rows)")

    for split, rows in by_split.items():
        split_dir = lang_dir / split
        split_dir.mkdir(parents=True, exist_ok=True)
        (split_dir / "transcripts.txt").write_text("".join(f"{i}\t{t}\n" for i, t, _, _ in rows), encoding="utf-8")
        ends: dict[str, float] = defaultdict(float)
        seg_lines = []
        for i, _, url, dur in rows:
            start = ends[url] + 0.5
            ends[url] = start + dur
            seg_lines.append(f"{i}\t{url}\t{start:.2f}\t{start + dur:.2f}\n")
        (split_dir / "segments.txt").write_text("".join(seg_lines), encoding="utf-8")
    meta_lines = [_METAINFO_HEADER]
    for (spk, book), (gender, split, seconds) in sorted(meta.items()):
        meta_lines.append(f"{spk:^11}|{gender:^12}|{split:^12}|{seconds / 60:^12.3f}|{book:^12}|"
                          f"{f'zst mini-world book {book}':^32}|{f'Chapter {spk}':^31}")
    lang_dir.mkdir(parents=True, exist_ok=True)
    (lang_dir / "metainfo.txt").write_text("\n".join(meta_lines) + "\n", encoding="utf-8")
    return written.result(lang_dir, {split: len(rows) for split, rows in by_split.items()}, notes, speakers=speakers)
