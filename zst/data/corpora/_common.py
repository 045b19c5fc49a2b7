"""Pieces shared by the corpus readers (mostly FLEURS, VoxPopuli and MLS, which have the same shape).

Each reader keeps its own layout, columns and wording; what lives here is the logic they had in
common, parameterised by that wording so every bad row keeps the reason text its reader documents:

* :func:`text_lines` — the lines of a text file, tolerant of a BOM, CRLF and invalid UTF-8;
* :func:`discover_language_dirs` — which language folders a corpus root holds, which selected
  languages lack a folder or the split file, and the one :class:`ManifestError` raised when none
  has the requested split;
* :class:`RowReasons` / :func:`keyed_row_problem` — the field-count / key / duplicate checks of a
  row identified by one key;
* :func:`whole_file_cut` — a cut for a whole audio file, with the file checked first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from lhotse import MonoCut

from zst.data.corpora import ReadOptions
from zst.data.manifests import BadRow, make_cut
from zst.errors import ManifestError, UnknownLanguageError, ZstError

__all__ = ["SPLIT_ALIASES", "text_lines", "discover_language_dirs", "RowReasons", "keyed_row_problem",
           "whole_file_cut"]

#: other names accepted for ``opts.split`` → the split name used on disk.
SPLIT_ALIASES = {"validation": "dev", "valid": "dev"}


def text_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(1-based line number, text) of each non-blank line of ``path``; text None when it is not UTF-8.

    A leading UTF-8 BOM and trailing ``\\r`` are dropped; line numbers count blank lines too, so they
    are the numbers an editor shows.
    """
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


def discover_language_dirs(
    candidates: Iterable[Path],
    language_of: Callable[[str], str],
    rel: str,
    opts: ReadOptions,
    *,
    corpus: str,
    noun: str,
    where: Path,
    expected: str,
    replaces: Callable[[Path, Path], bool] | None = None,
    item_is_dir: bool = False,
) -> tuple[dict[str, Path], dict[str, Path], list[BadRow]]:
    """The corpus's language folders among ``candidates`` and the split file ``{folder}/{rel}`` of each
    selected language that has one.

    Args:
        candidates: folders that have the corpus's layout, in reading order.
        language_of: folder name → language code; raises :class:`UnknownLanguageError` when unknown.
        rel: the split file relative to a language folder (``"dev.tsv"``, ``"dev/transcripts.txt"``).
        opts: the selected languages.
        corpus, noun: wording of the bad rows and the error (``"FLEURS"``, ``"directory"``).
        where: the folder the language folders are in (named in bad rows and the error).
        expected: the layout the error says was expected (``"{root}/<lang>/dev.tsv"``).
        replaces: for a second folder of a language, ``replaces(new, kept)`` says (silently) whether
            it takes the place of the kept one. Without it the first folder is kept and every later
            one of a selected language is a bad row.
        item_is_dir: name a missing split file's bad row by its folder, not by its language.

    Returns:
        ``({lang: folder}, {lang: split file}, bad_rows)``: every language found; the selected ones
        with the split file, in folder order; and, all with ``row=None``, in this order:
        ``unknown {corpus} language {noun} (...)`` and ``second {noun} for language '...' (already
        reading ...); skipped`` (item: the folder name), ``no {corpus} {noun} for language '...'``
        for each language of ``opts.languages`` without a folder, ``missing {rel}`` for each
        selected folder without the file.

    Raises:
        ManifestError: no selected language has the split file.
    """
    dirs: dict[str, Path] = {}
    bad: list[BadRow] = []
    for d in candidates:
        try:
            lang = language_of(d.name)
        except UnknownLanguageError as e:
            bad.append(BadRow(str(d), None, d.name, f"unknown {corpus} language {noun} ({e})"))
            continue
        if lang in dirs:
            if replaces is not None:
                if replaces(d, dirs[lang]):
                    dirs[lang] = d
            elif opts.wants(lang):
                bad.append(BadRow(str(d), None, d.name, f"second {noun} for language '{lang}' "
                                                        f"(already reading {dirs[lang].name}); skipped"))
            continue
        dirs[lang] = d

    for lang in opts.languages:
        if lang not in dirs and opts.wants(lang):
            bad.append(BadRow(str(where), None, lang, f"no {corpus} {noun} for language '{lang}'"))
    files = {lang: dirs[lang] / rel for lang in dirs if opts.wants(lang)}
    for lang, f in files.items():
        if not f.is_file():
            bad.append(BadRow(str(f), None, dirs[lang].name if item_is_dir else lang, f"missing {rel}"))
    files = {lang: f for lang, f in files.items() if f.is_file()}
    if not files:
        wanted = ", ".join(opts.languages) if opts.languages else "any language"
        raise ManifestError(f"{where}: no {corpus} {rel} for {wanted} (expected {expected})")
    return dirs, files, bad


@dataclass(frozen=True)
class RowReasons:
    """A reader's wording of the checks of :func:`keyed_row_problem` (``str.format`` templates).

    Attributes:
        fields: wrong number of fields; ``{got}`` and ``{want}`` are the counts.
        key: the key is empty or malformed; ``{key}`` is the key.
        duplicate: the cut id was already read; ``{key}`` is the key.
    """

    fields: str
    key: str
    duplicate: str


def keyed_row_problem(
    got: int,
    want: int,
    key: str,
    cut_id: str,
    seen: set[str],
    item: str,
    reasons: RowReasons,
    key_ok: bool | None = None,
) -> tuple[str, str] | None:
    """The first problem of a row identified by ``key`` (its cut: ``cut_id``), as ``(item, reason)``.

    Checks, in this order: ``got`` fields where ``want`` are expected; the key is valid (``key_ok``,
    by default: not empty); ``cut_id`` not in ``seen`` (the caller adds it once the row is used). The
    first two are reported under ``item``, a duplicate under ``cut_id``.

    Returns:
        ``(item, reason)`` for a :class:`BadRow`, or None when the row passes.
    """
    if got != want:
        return item, reasons.fields.format(got=got, want=want)
    if not (bool(key) if key_ok is None else key_ok):
        return item, reasons.key.format(key=key)
    if cut_id in seen:
        return cut_id, reasons.duplicate.format(key=key)
    return None


def whole_file_cut(cut_id: str, audio_path: Path, **kwargs) -> MonoCut:
    """:func:`~zst.data.manifests.make_cut` for the whole of ``audio_path`` (decoded once to check it).

    ``kwargs`` go to ``make_cut`` (``text``, ``language``, ``max_seconds``, ...).

    Raises:
        ZstError: ``audio file not found: ...``, ``audio file is empty (0 bytes): ...``, or any
            problem ``make_cut`` finds (undecodable/all-zero audio, empty text, too long).
    """
    if not audio_path.is_file():
        raise ZstError(f"audio file not found: {audio_path}")
    if audio_path.stat().st_size == 0:
        raise ZstError(f"audio file is empty (0 bytes): {audio_path}")
    return make_cut(cut_id, audio_path, **kwargs)
