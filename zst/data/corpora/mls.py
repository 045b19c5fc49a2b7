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
from typing import Iterator

from lhotse import CutSet

from zst.data.corpora import ReadOptions
from zst.data.manifests import BadRow, make_cut
from zst.errors import ManifestError, UnknownLanguageError, ZstError
from zst.languages import to_iso1

__all__ = ["MLS_LANGUAGES", "MLS_FOLDER_BY_LANGUAGE", "mls_audio_path", "read"]

#: MLS language folder names (``mls_{name}``) -> ISO 639-1.
MLS_LANGUAGES: dict[str, str] = {
    "english": "en", "german": "de", "dutch": "nl", "french": "fr",
    "spanish": "es", "italian": "it", "portuguese": "pt", "polish": "pl",
}  # fmt: skip

#: ISO 639-1 -> MLS language folder name (inverse of :data:`MLS_LANGUAGES`).
MLS_FOLDER_BY_LANGUAGE: dict[str, str] = {lang: name for name, lang in MLS_LANGUAGES.items()}

_SPLIT_ALIASES = {"validation": "dev", "valid": "dev"}
_ID_RE = re.compile(r"^(\d+)_(\d+)_(\d+)$")
_GENDERS = {"M": "male", "F": "female"}


def mls_audio_path(split_dir: str | Path, utt_id: str, ext: str = ".flac") -> Path:
    """Audio file of MLS utterance ``{speaker}_{book}_{utterance}``.

    Returns ``{split_dir}/audio/{speaker}/{book}/{utt_id}{ext}``; raises ValueError when ``utt_id``
    does not have three ``_``-separated parts.
    """
    speaker, book, _ = utt_id.split("_")
    return Path(split_dir) / "audio" / speaker / book / f"{utt_id}{ext}"


def _lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(1-based line number, text) of each non-blank line; text None when it is not UTF-8."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        try:
            yield lineno, raw.decode("utf-8")
        except UnicodeDecodeError:
            yield lineno, None


def _language_folders(root: Path, bad: list[BadRow]) -> dict[str, Path]:
    """ISO 639-1 -> ``mls_*`` folder (flac preferred over opus); unknown names go to ``bad``."""
    candidates = [root] if root.name.startswith("mls_") else sorted(p for p in root.glob("mls_*") if p.is_dir())
    folders: dict[str, Path] = {}
    for d in candidates:
        if not d.is_dir() or d.name.startswith("mls_lm_"):
            continue
        name = d.name[len("mls_"):]
        opus = name.endswith("_opus")
        name = name[: -len("_opus")] if opus else name
        try:
            lang = MLS_LANGUAGES.get(name) or to_iso1(name)
        except UnknownLanguageError as e:
            bad.append(BadRow(str(d), None, d.name, f"unknown MLS language folder ({e})"))
            continue
        if lang not in folders or (folders[lang].name.endswith("_opus") and not opus):
            folders[lang] = d
    return folders


def _genders(metainfo: Path) -> dict[str, str]:
    """speaker id -> ``male``/``female`` from ``metainfo.txt`` (header and odd lines skipped; {} if missing)."""
    genders: dict[str, str] = {}
    if not metainfo.is_file():
        return genders
    for _, line in _lines(metainfo):
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
    split = _SPLIT_ALIASES.get(opts.split, opts.split)
    if not root.is_dir():
        raise ManifestError(f"{root}: MLS root not found (expected {root}/mls_<language>/{split}/transcripts.txt)")
    bad: list[BadRow] = []
    folders = _language_folders(root, bad)
    sources = [lang for lang in folders if opts.wants(lang)]
    for lang in opts.languages:
        if lang not in folders and opts.wants(lang):
            bad.append(BadRow(str(root), None, lang, f"no MLS folder for language '{lang}'"))
    transcripts = {lang: folders[lang] / split / "transcripts.txt" for lang in sources}
    for lang in sources:
        if not transcripts[lang].is_file():
            bad.append(BadRow(str(transcripts[lang]), None, lang, f"missing {split}/transcripts.txt"))
    sources = [lang for lang in sources if transcripts[lang].is_file()]
    if not sources:
        wanted = ", ".join(opts.languages) if opts.languages else "any language"
        raise ManifestError(f"{root}: no MLS {split}/transcripts.txt for {wanted} "
                            f"(expected {root}/mls_<language>/{split}/transcripts.txt)")

    cuts = []
    seen: set[str] = set()
    for lang in sources:
        folder, path = folders[lang], transcripts[lang]
        genders = _genders(folder / "metainfo.txt")
        exts = (".opus", ".flac") if folder.name.endswith("_opus") else (".flac", ".opus")
        for lineno, line in _lines(path):
            if line is None:
                bad.append(BadRow(str(path), lineno, f"line {lineno}", "malformed line: not valid UTF-8"))
                continue
            fields = line.split("\t")
            utt_id = fields[0].strip()
            cut_id = f"{lang}_{utt_id}"
            item = cut_id if utt_id else f"line {lineno}"
            if len(fields) != 2:
                bad.append(BadRow(str(path), lineno, item,
                                  f"malformed line: {len(fields)} tab-separated fields, expected 2 (id, text)"))
                continue
            if not _ID_RE.match(utt_id):
                bad.append(BadRow(str(path), lineno, item,
                                  f"malformed line: id {utt_id!r} is not {{speaker}}_{{book}}_{{utterance}}"))
                continue
            if cut_id in seen:
                bad.append(BadRow(str(path), lineno, cut_id, f"duplicate id '{utt_id}'"))
                continue
            audio_path = mls_audio_path(folder / split, utt_id, exts[0])
            if not audio_path.is_file() and mls_audio_path(folder / split, utt_id, exts[1]).is_file():
                audio_path = mls_audio_path(folder / split, utt_id, exts[1])
            speaker = utt_id.split("_")[0]
            try:
                if not audio_path.is_file():
                    raise ZstError(f"audio file not found: {audio_path}")
                if audio_path.stat().st_size == 0:
                    raise ZstError(f"audio file is empty (0 bytes): {audio_path}")
                cut = make_cut(cut_id, audio_path, text=fields[1], language=lang, speaker=speaker,
                               max_seconds=opts.max_seconds)
            except ZstError as e:
                bad.append(BadRow(str(path), lineno, cut_id, str(e)))
                continue
            cut.supervisions[0].gender = genders.get(speaker)
            seen.add(cut_id)
            cuts.append(cut)
    return CutSet.from_cuts(cuts), bad
