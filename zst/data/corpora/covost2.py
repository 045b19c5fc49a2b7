"""CoVoST 2 reader: ``covost_v2.{src}_{tgt}.tsv`` joined with Common Voice → cuts with translations.

Layout: a Common Voice root (see :mod:`zst.data.corpora.commonvoice`; CoVoST 2 uses Common Voice 4)
plus the CoVoST 2 translation TSVs. Following fairseq's ``prep_covost_data.py`` they sit in the
source locale folder, ``{root}/{src_locale}/covost_v2.{src_locale}_{tgt_locale}.tsv``; a file at
``{root}/covost_v2.{src}_{tgt}.tsv`` is accepted too (the locale folder wins when both exist).
Fairseq's generated ``covost_v2.{src}_{tgt}.{split}.tsv`` files are ignored.

Each TSV is tab-separated with a header; columns used: ``path`` (clip file name), ``translation``
and ``split`` (``train``, ``train_covost`` — also training data in v2 —, ``dev``, ``test``); the
released files also carry ``sentence`` and ``client_id``. Rows are joined on ``path`` with
``{root}/{src_locale}/validated.tsv`` (``path``, ``sentence``, ``client_id``), which gives the
transcript and speaker, exactly as CoVoST's ``get_covost_splits.py`` merges them; audio is
``{root}/{src_locale}/clips/{path}``. CoVoST TSVs are read with ``quoting=QUOTE_NONE,
escapechar='\\'`` (how CoVoST's scripts read and write them); ``validated.tsv`` with quoting off
and no escape character, as Common Voice ships it.

One cut per clip of the split, id ``{src_iso}_{clip stem}`` (same as the Common Voice reader),
with ``custom["translations"]`` holding every selected target whose TSV lists the clip.
"""

from __future__ import annotations

import re
from pathlib import Path

from lhotse import CutSet

from zst.data.corpora import ReadOptions
from zst.data.corpora.commonvoice import ClipItem, check_clips, locale_to_iso, read_tsv, sort_bad_rows
from zst.data.manifests import BadRow
from zst.errors import ManifestError

__all__ = ["read", "find_covost_tsvs", "COVOST_SPLITS"]

#: ``opts.split`` → values of the ``split`` column that belong to it.
COVOST_SPLITS: dict[str, tuple[str, ...]] = {
    "train": ("train", "train_covost"),
    "train_covost": ("train", "train_covost"),
    "dev": ("dev",),
    "validation": ("dev",),
    "test": ("test",),
}

_NAME = re.compile(r"^covost_v2\.([A-Za-z]+(?:-[A-Za-z]+)*)_([A-Za-z]+(?:-[A-Za-z]+)*)\.tsv$")


def find_covost_tsvs(root: Path) -> dict[tuple[str, str], Path]:
    """Every CoVoST 2 TSV under ``root``: ``{(src_locale, tgt_locale): path}``.

    Looks in ``{root}/*/`` (the source locale folder; a file is only taken from the folder of its
    own source locale) and in ``{root}/``.
    """
    out: dict[tuple[str, str], Path] = {}
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in sorted(d.glob("covost_v2.*.tsv")):
            m = _NAME.match(f.name)
            if m and m.group(1) == d.name:
                out[(m.group(1), m.group(2))] = f
    for f in sorted(root.glob("covost_v2.*.tsv")):
        m = _NAME.match(f.name)
        if m and (m.group(1), m.group(2)) not in out:
            out[(m.group(1), m.group(2))] = f
    return out


def _load_validated(path: Path) -> dict[str, tuple[str, str]]:
    """``validated.tsv`` → ``{path: (sentence, client_id)}`` (malformed rows are left out)."""
    header, rows = read_tsv(path)
    col = {h: i for i, h in enumerate(header)}
    if "path" not in col or "sentence" not in col:
        return {}
    out = {}
    for _, cells in rows:
        if len(cells) != len(header):
            continue
        out.setdefault(cells[col["path"]].strip(),
                       (cells[col["sentence"]].strip(), cells[col["client_id"]].strip() if "client_id" in col else ""))
    return out


def read(root: Path, opts: ReadOptions) -> tuple[CutSet, list[BadRow]]:
    """Read split ``opts.split`` of CoVoST 2 for the source and target languages ``opts`` selects.

    Args:
        root: the Common Voice root with the CoVoST 2 TSVs (see the module docstring).
        opts: ``split`` (``train`` includes ``train_covost`` rows; ``train_covost`` is an alias of
            ``train``), ``languages``/``exclude`` (source, ISO 639-1; locales are mapped, ``zh-CN``
            → ``zh``), ``tgt_languages`` (targets whose TSVs are read; empty = all),
            ``max_seconds``.

    Returns:
        ``(cuts, bad_rows)``: one cut per clip of the split listed by at least one good row, with
        the transcript and speaker of ``validated.tsv`` and ``translations`` = ``{tgt_iso: text}``.
        Bad rows (never fatal): wrong field count, empty ``path`` or translation, a path listed twice
        in one TSV, a path missing from ``validated.tsv`` (or no ``validated.tsv``) — each reported
        at its TSV line; a TSV without ``path``/``translation``/``split`` columns (line 1); and once
        per clip, at its first listing: empty transcript, missing/undecodable/silent audio, longer
        than ``opts.max_seconds``.

    Raises:
        ManifestError: ``root`` is not a folder, or it has no CoVoST 2 TSV for any selected
            (source, target) pair.
    """
    root = Path(root)
    if not root.is_dir():
        raise ManifestError(f"{root}: CoVoST 2 / Common Voice root not found")
    wanted_splits = COVOST_SPLITS.get(opts.split, (opts.split,))
    pairs = []
    for (src_loc, tgt_loc), path in sorted(find_covost_tsvs(root).items()):
        src_iso, tgt_iso = locale_to_iso(src_loc), locale_to_iso(tgt_loc)
        if src_iso is None or tgt_iso is None or not opts.wants(src_iso):
            continue
        if opts.tgt_languages and tgt_iso not in opts.tgt_languages:
            continue
        pairs.append((src_loc, src_iso, tgt_iso, path))
    if not pairs:
        raise ManifestError(f"{root}: no CoVoST 2 file {{locale}}/covost_v2.{{src}}_{{tgt}}.tsv for the selected "
                            "languages")

    bad: list[BadRow] = []
    items: dict[str, ClipItem] = {}
    validated: dict[str, dict[str, tuple[str, str]] | None] = {}
    for src_loc, src_iso, tgt_iso, tsv in pairs:
        if src_loc not in validated:
            vpath = root / src_loc / "validated.tsv"
            validated[src_loc] = _load_validated(vpath) if vpath.is_file() else None
        joined = validated[src_loc]
        vname = root / src_loc / "validated.tsv"
        header, rows = read_tsv(tsv, escapechar="\\")
        col = {h: i for i, h in enumerate(header)}
        missing = [c for c in ("path", "translation", "split") if c not in col]
        if missing:
            bad.append(BadRow(str(tsv), 1, "header", f"missing column(s) {', '.join(missing)} in header {header}"))
            continue
        listed: set[str] = set()
        for lineno, cells in rows:
            rel = cells[col["path"]].strip() if col["path"] < len(cells) else ""
            if len(cells) != len(header):
                bad.append(BadRow(str(tsv), lineno, rel or f"line{lineno}",
                                  f"malformed row: {len(cells)} fields, header has {len(header)}"))
                continue
            if cells[col["split"]].strip() not in wanted_splits:
                continue
            cut_id = f"{src_iso}_{Path(rel).stem}"
            if not rel:
                bad.append(BadRow(str(tsv), lineno, f"line{lineno}", "empty path"))
                continue
            if rel in listed:
                bad.append(BadRow(str(tsv), lineno, cut_id, f"duplicate clip '{rel}'"))
                continue
            listed.add(rel)
            if joined is None:
                bad.append(BadRow(str(tsv), lineno, cut_id, f"{vname} not found (needed for the transcript)"))
                continue
            if rel not in joined:
                bad.append(BadRow(str(tsv), lineno, cut_id, f"'{rel}' is not in {vname}"))
                continue
            translation = cells[col["translation"]].strip()
            if not translation:
                bad.append(BadRow(str(tsv), lineno, cut_id, "empty translation"))
                continue
            item = items.get(cut_id)
            if item is None:
                sentence, client = joined[rel]
                item = items[cut_id] = ClipItem(cut_id, root / src_loc / "clips" / rel, sentence, src_iso,
                                                client or None, str(tsv), lineno)
            item.translations[tgt_iso] = translation
    cuts, bad_clips = check_clips(list(items.values()), opts.max_seconds)
    return CutSet.from_cuts(cuts), sort_bad_rows(bad + bad_clips)
