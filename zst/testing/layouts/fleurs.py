"""Writer of the FLEURS layout (``google/fleurs``), read by :mod:`zst.data.corpora.fleurs`.

One call writes one language, all its splits::

    {root}/{lang_dir}/{split}.tsv                  header-less, 7 tab-separated fields per recording
    {root}/{lang_dir}/audio/{split}/{file}.wav     16 kHz, 16-bit PCM

``lang_dir`` is FLEURS' directory name (``fr_fr``, ``cmn_hans_cn``; table in
:data:`zst.data.corpora.fleurs.FLEURS_DIR_BY_LANGUAGE`). TSV fields: sentence id, file name, raw
transcription (``Utterance.text`` with whitespace runs collapsed), normalised transcription
(:func:`~zst.testing.layouts.mls.normalize_transcript`), its characters (``"a | b c |"``, words
separated by ``|``), number of samples, gender (``MALE``/``FEMALE``/``OTHER``).

The sentence id is the utterance's ``parallel_id``. Real FLEURS ids are integers (FLoRes sentence
numbers), so a parallel id that is not all digits is replaced by a number: the one given in
``sentence_ids``, else :func:`fleurs_sentence_id` (a 63-bit hash of the parallel id, the same in
every process and every language, so the cross-language join survives). File names are numbers
too, as in FLEURS: a hash of (language directory, uid).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Mapping

from zst.audio import save_wav
from zst.data.corpora.fleurs import FLEURS_DIR_BY_LANGUAGE, fleurs_language
from zst.errors import UnknownLanguageError
from zst.testing.layouts import Utterance
from zst.testing.layouts._common import Written, checked_utterances, collapse_whitespace, collapsed_notes, finite_audio
from zst.testing.layouts.mls import normalize_transcript

__all__ = ["fleurs_dir_name", "fleurs_sentence_id", "write_fleurs"]

_GENDERS = {"male": "MALE", "female": "FEMALE"}


def fleurs_dir_name(lang: str) -> str:
    """FLEURS directory of ISO code ``lang`` (``"fr"`` → ``"fr_fr"``; unknown codes: ``lang`` itself)."""
    return FLEURS_DIR_BY_LANGUAGE.get(lang, lang)


def fleurs_sentence_id(parallel_id: str) -> str:
    """The FLEURS sentence id written for ``parallel_id``: itself when it is ASCII digits, else a
    deterministic 63-bit number (decimal) from its SHA-1."""
    pid = str(parallel_id)
    if pid.isascii() and pid.isdigit():
        return pid
    return str(int.from_bytes(hashlib.sha1(pid.encode("utf-8")).digest()[:8], "big") >> 1)


def _file_stem(dir_name: str, uid: str) -> str:
    return str(int.from_bytes(hashlib.sha1(f"{dir_name}/{uid}".encode("utf-8")).digest()[:8], "big"))


def _chars(normalized: str) -> str:
    return " ".join(" ".join(word) + " |" for word in normalized.split())


def write_fleurs(
    root: str | Path,
    lang: str,
    utterances: Iterable[Utterance],
    *,
    dir_name: str | None = None,
    sentence_ids: Mapping[str, int | str] | None = None,
) -> dict:
    """Write ``utterances`` of language ``lang`` in the FLEURS layout under ``root`` (see module docstring).

    Args:
        root: corpus root; ``{lang_dir}/`` is created in it. Existing TSVs of the splits written
            are overwritten (write each language once, with all its splits).
        lang: ISO 639-1 code; every utterance must have this ``lang``.
        utterances: the language's utterances (any splits; several utterances may share a
            ``parallel_id``: several recordings of one sentence). Audio: float32 16 kHz ``(n,)``
            in [-1, 1] (clipped), written as 16-bit PCM WAV.
        dir_name: language directory name (default :func:`fleurs_dir_name`).
        sentence_ids: optional ``{parallel_id: integer id}`` for non-numeric parallel ids (pass the
            same mapping to every language); ids not in it go through :func:`fleurs_sentence_id`.

    Returns:
        ``{"corpus": "fleurs", "lang", "dir", "splits" ({split: count}), "ids" ({uid: file stem}),
        "cut_ids" ({uid: id of the reader's cut}), "texts" ({uid: raw transcription written}),
        "audio" ({uid: wav path}), "parallel_ids" ({parallel_id: sentence id written}),
        "notes" (list of str, e.g. that parallel ids were mapped to numbers)}``.

    Raises:
        ValueError: an utterance of another language, a duplicate uid, a file-name hash collision,
            two parallel ids mapped to one sentence id, or non-finite audio.
    """
    utts = checked_utterances("write_fleurs", lang, utterances)
    dir_name = dir_name or fleurs_dir_name(lang)
    lang_dir = Path(root) / dir_name

    pids: dict[str, str] = {}
    owner: dict[str, str] = {}
    for u in utts:
        if u.parallel_id in pids:
            continue
        sid = str(sentence_ids[u.parallel_id]) if sentence_ids and u.parallel_id in sentence_ids else \
            fleurs_sentence_id(u.parallel_id)
        if sid in owner:
            raise ValueError(f"write_fleurs({lang!r}): parallel ids {owner[sid]!r} and {u.parallel_id!r} "
                             f"both map to FLEURS sentence id {sid}")
        owner[sid] = u.parallel_id
        pids[u.parallel_id] = sid
    notes = []
    mapped = sum(1 for p, s in pids.items() if p != s)
    if mapped:
        notes.append(f"{mapped} parallel id(s) are not integers: written as numeric FLEURS sentence ids "
                     f"(see 'parallel_ids'); readers return those as parallel_id")

    try:
        cut_lang = fleurs_language(dir_name)  # the code the reader gives this directory
    except UnknownLanguageError:
        cut_lang = lang
    written = Written("fleurs", lang)
    lines: dict[str, list[str]] = defaultdict(list)
    stems: set[str] = set()
    changed = 0
    for u in utts:
        stem = _file_stem(dir_name, u.uid)
        if stem in stems:
            raise ValueError(f"write_fleurs({lang!r}): file-name hash collision for uid {u.uid}")
        stems.add(stem)
        audio = finite_audio("write_fleurs", lang, u)
        split_dir = lang_dir / "audio" / u.split
        if not lines[u.split]:
            split_dir.mkdir(parents=True, exist_ok=True)
        path = split_dir / f"{stem}.wav"
        save_wav(path, audio)
        raw = collapse_whitespace(u.text)
        changed += raw != u.text
        norm = normalize_transcript(raw)
        gender = _GENDERS.get(u.gender.lower(), "OTHER")
        lines[u.split].append("\t".join([pids[u.parallel_id], path.name, raw, norm, _chars(norm),
                                         str(len(audio)), gender]))
        written.add(u.uid, stem, f"{cut_lang}_{stem}", raw, path)
    notes += collapsed_notes(changed)
    for split, rows in lines.items():
        (lang_dir / f"{split}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return written.result(lang_dir, {split: len(rows) for split, rows in lines.items()}, notes, parallel_ids=pids)
