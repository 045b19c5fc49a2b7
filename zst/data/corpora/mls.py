"""Multilingual LibriSpeech (MLS, OpenSLR 94) reader: ``mls_{language}/{split}/transcripts.txt`` + flac → cuts.

Layout of the extracted ``mls_{language}.tar.gz`` archives (``mls_{language}_opus`` for the opus
release)::

    {root}/mls_french/metainfo.txt            speaker | gender | partition | minutes | book id | title | chapter
    {root}/mls_french/train/transcripts.txt   "{speaker}_{book}_{utterance}\\t{text}" per line
    {root}/mls_french/train/segments.txt      "{id}\\t{librivox mp3 url}\\t{start}\\t{end}" (not needed)
    {root}/mls_french/train/audio/{speaker}/{book}/{speaker}_{book}_{utterance}.flac   16 kHz
    {root}/mls_french/{dev,test}/...

``metainfo.txt`` has a header line and space-padded ``|``-separated fields (M/F genders; its
partition column also names the unreleased ``secret`` set); it only gives speaker genders here and
may be missing. Transcripts are lower case without punctuation, as MLS ships them. ``mls_lm_*``
folders (language-model text) are ignored; when both ``mls_x`` and ``mls_x_opus`` exist the flac
folder is read. ``root`` may also be one ``mls_{language}`` folder itself.

Cuts: id ``{lang}_{speaker}_{book}_{utterance}``, text = the transcript, speaker = the speaker id,
gender from ``metainfo.txt``. MLS has no translations.
"""

from __future__ import annotations

import re
from pathlib import Path

from lhotse import CutSet

from zst.data.corpora import ReadOptions
from zst.data.corpora._common import (SPLIT_ALIASES, RowReasons, discover_language_dirs, keyed_row_problem,
                                      text_lines, whole_file_cut)
from zst.data.manifests import BadRow
from zst.errors import ManifestError, ZstError
from zst.languages import to_iso1

__all__ = ["MLS_LANGUAGES", "MLS_FOLDER_BY_LANGUAGE", "mls_audio_path", "read"]

#: MLS language folder names (``mls_{name}``) -> ISO 639-1.
MLS_LANGUAGES: dict[str, str] = {
    "english": "en", "german": "de", "dutch": "nl", "french": "fr",
    "spanish": "es", "italian": "it", "portuguese": "pt", "polish": "pl",
}  # fmt: skip

#: ISO 639-1 -> MLS language folder name (inverse of :data:`MLS_LANGUAGES`).
MLS_FOLDER_BY_LANGUAGE: dict[str, str] = {lang: name for name, lang in MLS_LANGUAGES.items()}

_ID_RE = re.compile(r"^(\d+)_(\d+)_(\d+)$")
_GENDERS = {"M": "male", "F": "female"}
_ROW_REASONS = RowReasons(fields="malformed line: {got} tab-separated fields, expected 2 (id, text)",
                          key="malformed line: id {key!r} is not {{speaker}}_{{book}}_{{utterance}}",
                          duplicate="duplicate id '{key}'")


def mls_audio_path(split_dir: str | Path, utt_id: str, ext: str = ".flac") -> Path:
    """Audio file of MLS utterance ``{speaker}_{book}_{utterance}``.

    Returns ``{split_dir}/audio/{speaker}/{book}/{utt_id}{ext}``; raises ValueError when ``utt_id``
    does not have three ``_``-separated parts.
    """
    speaker, book, _ = utt_id.split("_")
    return Path(split_dir) / "audio" / speaker / book / f"{utt_id}{ext}"


def _folder_language(folder_name: str) -> str:
    """ISO 639-1 code of an ``mls_{language}[_opus]`` folder name.

    Raises:
        UnknownLanguageError: neither :data:`MLS_LANGUAGES` nor :func:`zst.languages.to_iso1` knows it.
    """
    name = folder_name[len("mls_"):].removesuffix("_opus")
    return MLS_LANGUAGES.get(name) or to_iso1(name)


def _flac_over_opus(new: Path, kept: Path) -> bool:
    """Whether folder ``new`` replaces ``kept`` of the same language: flac (``mls_x``) over opus (``mls_x_opus``)."""
    return kept.name.endswith("_opus") and not new.name.endswith("_opus")


def _genders(metainfo: Path) -> dict[str, str]:
    """speaker id -> ``male``/``female`` from ``metainfo.txt`` (header and odd lines skipped; {} if missing)."""
    genders: dict[str, str] = {}
    if not metainfo.is_file():
        return genders
    for _, line in text_lines(metainfo):
        fields = [f.strip() for f in (line or "").split("|")]
        if len(fields) >= 2 and fields[0].isdigit():
            genders.setdefault(fields[0], _GENDERS.get(fields[1].upper(), fields[1].lower()))
    return genders


def read(root: str | Path, opts: ReadOptions) -> tuple[CutSet, list[BadRow]]:
    """Read one split of MLS (layout in the module docstring) into cuts.

    Args:
        root: folder holding ``mls_{language}/`` folders (or one such folder).
        opts: ``split`` (``train``/``dev``/``test``; ``validation`` accepted for ``dev``), languages
            (``languages``/``exclude``, ISO 639-1) and ``max_seconds``.

    Returns:
        ``(cuts, bad_rows)``: one cut per valid utterance (16 kHz, whole file; opus files are
        decoded with ffmpeg), in language then transcript order; and the skipped lines with their
        reasons (malformed line: not ``id<TAB>text``, id not ``{speaker}_{book}_{utterance}``, not
        UTF-8; duplicate id; missing/undecodable/empty/all-zero audio; empty transcript; longer
        than ``max_seconds``; unknown ``mls_*`` folders and requested languages without data are
        reported with their path).

    Raises:
        ManifestError: ``root`` is not a folder, or no selected language has ``{split}/transcripts.txt``.
    """
    root = Path(root)
    split = SPLIT_ALIASES.get(opts.split, opts.split)
    if not root.is_dir():
        raise ManifestError(f"{root}: MLS root not found (expected {root}/mls_<language>/{split}/transcripts.txt)")
    candidates = [root] if root.name.startswith("mls_") else sorted(p for p in root.glob("mls_*") if p.is_dir())
    candidates = [d for d in candidates if d.is_dir() and not d.name.startswith("mls_lm_")]
    folders, transcripts, bad = discover_language_dirs(
        candidates, _folder_language, f"{split}/transcripts.txt", opts, corpus="MLS", noun="folder", where=root,
        expected=f"{root}/mls_<language>/{split}/transcripts.txt", replaces=_flac_over_opus)

    cuts = []
    seen: set[str] = set()
    for lang, path in transcripts.items():
        folder = folders[lang]
        genders = _genders(folder / "metainfo.txt")
        exts = (".opus", ".flac") if folder.name.endswith("_opus") else (".flac", ".opus")
        for lineno, line in text_lines(path):
            if line is None:
                bad.append(BadRow(str(path), lineno, f"line {lineno}", "malformed line: not valid UTF-8"))
                continue
            fields = line.split("\t")
            utt_id = fields[0].strip()
            cut_id = f"{lang}_{utt_id}"
            problem = keyed_row_problem(len(fields), 2, utt_id, cut_id, seen, cut_id if utt_id else f"line {lineno}",
                                        _ROW_REASONS, key_ok=bool(_ID_RE.match(utt_id)))
            if problem:
                bad.append(BadRow(str(path), lineno, *problem))
                continue
            audio_path = mls_audio_path(folder / split, utt_id, exts[0])
            if not audio_path.is_file() and mls_audio_path(folder / split, utt_id, exts[1]).is_file():
                audio_path = mls_audio_path(folder / split, utt_id, exts[1])
            speaker = utt_id.split("_")[0]
            try:
                cut = whole_file_cut(cut_id, audio_path, text=fields[1], language=lang, speaker=speaker,
                                     max_seconds=opts.max_seconds)
            except ZstError as e:
                bad.append(BadRow(str(path), lineno, cut_id, str(e)))
                continue
            cut.supervisions[0].gender = genders.get(speaker)
            seen.add(cut_id)
            cuts.append(cut)
    return CutSet.from_cuts(cuts), bad
