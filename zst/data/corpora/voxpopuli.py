"""VoxPopuli (transcribed ASR data) reader: ``transcribed_data/{lang}/asr_{split}.tsv`` + ogg → cuts.

Layout written by VoxPopuli's ``voxpopuli.get_asr_data`` (``facebookresearch/voxpopuli``)::

    {root}/transcribed_data/en/asr_train.tsv      tab-separated, with a header
    {root}/transcribed_data/en/asr_dev.tsv
    {root}/transcribed_data/en/asr_test.tsv
    {root}/transcribed_data/en/2018/20180612-0900-PLENARY-7-en_20180612-13:47:48_3.ogg

The TSV header is ``id raw_text normalized_text speaker_id split gender is_gold_transcript
accent``; older releases lack the last two columns, so columns are found by name (only ``id`` and
one of ``raw_text``/``normalized_text`` are required). Segment ids are ``{session}_{time}_{n}``
and the audio of id ``x`` is ``{lang}/{x[:4]}/{x}.ogg`` (the session's year). ``root`` may also be
the ``transcribed_data`` folder itself.

Cuts: id ``{lang}_{segment id}``, text = ``raw_text`` (a few real rows have it empty: then
``normalized_text``, recorded in ``custom["text_field"]``), speaker = ``speaker_id``, gender set;
``normalized_text`` is kept in ``supervision.custom``. VoxPopuli ASR data has no translations.
"""

from __future__ import annotations

from pathlib import Path

from lhotse import CutSet

from zst.data.corpora import ReadOptions
from zst.data.corpora._common import (SPLIT_ALIASES, RowReasons, discover_language_dirs, keyed_row_problem,
                                      text_lines, whole_file_cut)
from zst.data.manifests import BadRow
from zst.errors import ManifestError, ZstError
from zst.languages import to_iso1

__all__ = ["VOXPOPULI_ASR_LANGUAGES", "TSV_COLUMNS", "voxpopuli_audio_path", "read"]

#: The 16 languages with transcribed VoxPopuli data (no Portuguese).
VOXPOPULI_ASR_LANGUAGES = ("en", "de", "fr", "es", "pl", "it", "ro", "hu", "cs", "nl", "fi", "hr", "sk", "sl",
                           "et", "lt")

#: Header of ``asr_{split}.tsv`` in current releases (older ones stop after ``gender``).
TSV_COLUMNS = ("id", "raw_text", "normalized_text", "speaker_id", "split", "gender", "is_gold_transcript", "accent")

_ROW_REASONS = RowReasons(fields="malformed line: {got} tab-separated fields, header has {want}",
                          key="malformed line: empty id", duplicate="duplicate id '{key}'")


def voxpopuli_audio_path(lang_dir: str | Path, segment_id: str) -> Path:
    """Audio file of a VoxPopuli segment: ``{lang_dir}/{segment_id[:4]}/{segment_id}.ogg``."""
    return Path(lang_dir) / segment_id[:4] / f"{segment_id}.ogg"


def read(root: str | Path, opts: ReadOptions) -> tuple[CutSet, list[BadRow]]:
    """Read one split of VoxPopuli's transcribed data (layout in the module docstring) into cuts.

    Args:
        root: the VoxPopuli root holding ``transcribed_data/`` (or that folder itself).
        opts: ``split`` (``train``/``dev``/``test``; ``validation`` accepted for ``dev``), languages
            (``languages``/``exclude``, ISO 639-1) and ``max_seconds``.

    Returns:
        ``(cuts, bad_rows)``: one cut per valid segment (16 kHz, whole file), in language then TSV
        order; and the skipped rows with their reasons (malformed line: wrong field count or not
        UTF-8, empty id, duplicate id, missing/undecodable/empty/all-zero audio, empty transcript,
        longer than ``max_seconds``; a TSV whose header lacks ``id`` or both text columns, unknown
        language folders and requested languages without data are reported with their path).

    Raises:
        ManifestError: ``root`` is not a folder, or no selected language has an ``asr_{split}.tsv``.
    """
    root = Path(root)
    split = SPLIT_ALIASES.get(opts.split, opts.split)
    if not root.is_dir():
        raise ManifestError(f"{root}: VoxPopuli root not found "
                            f"(expected {root}/transcribed_data/<lang>/asr_{split}.tsv)")
    data_dir = root / "transcribed_data"
    if not data_dir.is_dir():
        data_dir = root
    # language folders hold asr_*.tsv files (year folders and anything else are ignored);
    # "en_accented" (the L2-English test set) also maps to "en"
    candidates = [d for d in sorted(p for p in data_dir.iterdir() if p.is_dir()) if any(d.glob("asr_*.tsv"))]
    dirs, tsvs, bad = discover_language_dirs(candidates, to_iso1, f"asr_{split}.tsv", opts, corpus="VoxPopuli",
                                           noun="folder", where=data_dir, expected=f"{data_dir}/<lang>/asr_{split}.tsv")

    cuts = []
    seen: set[str] = set()
    for lang, tsv in tsvs.items():
        lines = text_lines(tsv)
        first = next(lines, None)
        header = [h.strip() for h in first[1].split("\t")] if first and first[1] is not None else []
        col = {name: i for i, name in enumerate(header)}
        if "id" not in col or not ({"raw_text", "normalized_text"} & set(col)):
            bad.append(BadRow(str(tsv), first[0] if first else None, lang,
                              f"header must name 'id' and 'raw_text' or 'normalized_text' columns, got {header}"))
            continue
        for lineno, line in lines:
            if line is None:
                bad.append(BadRow(str(tsv), lineno, f"line {lineno}", "malformed line: not valid UTF-8"))
                continue
            fields = line.split("\t")
            row = {name: fields[i].strip() for name, i in col.items() if i < len(fields)}
            seg_id = row.get("id", "")
            cut_id = f"{lang}_{seg_id}"
            problem = keyed_row_problem(len(fields), len(header), seg_id, cut_id, seen,
                                        cut_id if seg_id else f"line {lineno}", _ROW_REASONS)
            if problem:
                bad.append(BadRow(str(tsv), lineno, *problem))
                continue
            text, field = row.get("raw_text", ""), "raw_text"
            if not text and row.get("normalized_text", ""):
                text, field = row.get("normalized_text", ""), "normalized_text"
            audio_path = voxpopuli_audio_path(dirs[lang], seg_id)
            try:
                cut = whole_file_cut(cut_id, audio_path, text=text, language=lang,
                                     speaker=row.get("speaker_id", "") or None, max_seconds=opts.max_seconds)
            except ZstError as e:
                bad.append(BadRow(str(tsv), lineno, cut_id, str(e)))
                continue
            sup = cut.supervisions[0]
            sup.gender = row.get("gender", "").lower() or None
            sup.custom["normalized_text"] = row.get("normalized_text", "")
            if field != "raw_text":
                sup.custom["text_field"] = field
            seen.add(cut_id)
            cuts.append(cut)
    return CutSet.from_cuts(cuts), bad
