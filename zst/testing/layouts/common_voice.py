"""Writer of the Common Voice layout and CoVoST 2 translation TSVs.

Read back by :mod:`zst.data.corpora.commonvoice` and :mod:`zst.data.corpora.covost2`. Layout
written under ``root`` for one language::

    {locale}/clips/common_voice_{locale}_{uid}.mp3    one clip per utterance (MP3, 16 kHz mono)
    {locale}/validated.tsv                            every clip (tab-separated, with a header)
    {locale}/train.tsv, dev.tsv, test.tsv             the clips of each split (header-only if none)
    {locale}/covost_v2.{locale}_{tgt_locale}.tsv      CoVoST 2 translations (one per target)

Common Voice TSV headers (columns are found by name by the readers):

* ``release="cv4"`` (Common Voice 4, the release CoVoST 2 is built on):
  ``client_id path sentence up_votes down_votes age gender accent``
* ``release="cv16"`` (Common Voice 16+):
  ``client_id path sentence_id sentence sentence_domain up_votes down_votes age gender accents
  variant locale segment``

The CoVoST 2 TSV has the header ``path sentence translation client_id split`` like the released
``covost_v2.{src}_{tgt}.tsv`` files; it is written the way CoVoST's own scripts write TSVs
(``quoting=QUOTE_NONE, escapechar='\\'``: a backslash is written as ``\\\\``). Common Voice TSVs
are written unescaped, as Mozilla ships them.

Real clips are 48 kHz MP3; these are 16 kHz MP3 (libsndfile/LAME via soundfile), which every
reader resamples the same way.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

from zst.testing.layouts import SPLITS, Utterance

__all__ = ["CV4_HEADER", "CV16_HEADER", "COVOST_HEADER", "cv_locale", "write_common_voice"]

CV4_HEADER = ("client_id", "path", "sentence", "up_votes", "down_votes", "age", "gender", "accent")
CV16_HEADER = ("client_id", "path", "sentence_id", "sentence", "sentence_domain", "up_votes", "down_votes", "age",
               "gender", "accents", "variant", "locale", "segment")
COVOST_HEADER = ("path", "sentence", "translation", "client_id", "split")

#: ISO 639-1 -> Common Voice locale where they differ (for the writers; readers accept more).
_LOCALES = {"zh": "zh-CN"}


def cv_locale(lang: str) -> str:
    """Common Voice locale folder name used by the writer for ISO code ``lang`` (``zh`` -> ``zh-CN``)."""
    return _LOCALES.get(lang, lang)


def _clean(text: str) -> str:
    """One TSV cell: no tabs or newlines."""
    return " ".join(str(text).split())


def _write_tsv(path: Path, header: tuple[str, ...], rows: list[list[str]], *, escape: bool = False) -> None:
    def cell(x: str) -> str:
        x = _clean(x)
        return x.replace("\\", "\\\\") if escape else x

    lines = ["\t".join(header)] + ["\t".join(cell(c) for c in row) for row in rows]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _write_mp3(path: Path, audio: np.ndarray) -> None:
    tmp = path.with_name(path.stem + ".tmp.mp3")
    sf.write(str(tmp), np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0), 16_000, format="MP3")
    os.replace(tmp, path)


def write_common_voice(
    root: str | Path,
    lang: str,
    utterances: list[Utterance],
    *,
    locale: str | None = None,
    covost_targets: tuple[str, ...] | list[str] = (),
    translations: dict[str, dict[str, str]] | None = None,
    release: str = "cv4",
    workers: int | None = None,
) -> dict:
    """Write one language of a Common Voice corpus (and its CoVoST 2 TSVs) under ``root``.

    Args:
        root: corpus root (created if missing).
        lang: ISO 639-1 code of the utterances.
        utterances: the clips, in the order the TSVs list them; ``utt.split`` picks the split TSV,
            ``utt.speaker`` becomes ``client_id``, ``utt.gender`` the ``gender`` column.
        locale: Common Voice locale folder (default: ``zh-CN`` for ``zh``, else ``lang``).
        covost_targets: target languages (ISO 639-1) of the CoVoST 2 TSVs to write,
            ``covost_v2.{locale}_{tgt_locale}.tsv`` in the locale folder; utterances without a
            non-empty ``translations[utt.parallel_id][tgt]`` are left out of that file.
        translations: ``translations[parallel_id][lang]``; required with ``covost_targets``.
        release: ``"cv4"`` or ``"cv16"``: which Common Voice TSV header to write (see module doc).
        workers: MP3 encoding threads (default: up to 4, bounded by the CPU count).

    Returns:
        ``{"locale": ..., "clips": n, "seconds": total audio seconds, "splits": {split: n},
        "covost": {tgt: rows}}``.

    Raises:
        ValueError: unknown ``release``, duplicate ``uid``, or ``covost_targets`` without
            ``translations``.
    """
    if release not in ("cv4", "cv16"):
        raise ValueError(f"release must be 'cv4' or 'cv16', got {release!r}")
    if covost_targets and translations is None:
        raise ValueError("covost_targets needs translations")
    loc = locale or cv_locale(lang)
    d = Path(root) / loc
    clips = d / "clips"
    clips.mkdir(parents=True, exist_ok=True)

    names: list[str] = []
    seen: set[str] = set()
    for u in utterances:
        if u.uid in seen:
            raise ValueError(f"duplicate uid '{u.uid}' in language {lang}")
        seen.add(u.uid)
        names.append(f"common_voice_{loc}_{u.uid}.mp3")

    n_workers = workers or max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        for _ in pool.map(lambda pair: _write_mp3(clips / pair[0], pair[1].audio), zip(names, utterances)):
            pass

    def cv_row(u: Utterance, name: str) -> list[str]:
        if release == "cv4":
            return [u.speaker, name, u.text, "2", "0", "", u.gender, ""]
        sid = hashlib.sha256(f"{lang}:{u.parallel_id}".encode()).hexdigest()
        return [u.speaker, name, sid, u.text, "", "2", "0", "", u.gender, "", "", loc, ""]

    header = CV4_HEADER if release == "cv4" else CV16_HEADER
    _write_tsv(d / "validated.tsv", header, [cv_row(u, n) for u, n in zip(utterances, names)])
    split_counts = {}
    for split in SPLITS:
        rows = [cv_row(u, n) for u, n in zip(utterances, names) if u.split == split]
        _write_tsv(d / f"{split}.tsv", header, rows)
        split_counts[split] = len(rows)

    covost_counts = {}
    for tgt in covost_targets:
        rows = []
        for u, n in zip(utterances, names):
            text = _clean((translations or {}).get(u.parallel_id, {}).get(tgt, ""))
            if text:
                rows.append([n, u.text, text, u.speaker, u.split])
        _write_tsv(d / f"covost_v2.{loc}_{cv_locale(tgt)}.tsv", COVOST_HEADER, rows, escape=True)
        covost_counts[tgt] = len(rows)
    return {"locale": loc, "clips": len(names), "seconds": sum(u.duration for u in utterances),
            "splits": split_counts, "covost": covost_counts}
