"""FLEURS reader: ``{root}/{lang_dir}/{split}.tsv`` + ``{root}/{lang_dir}/audio/{split}/*.wav`` → cuts.

Layout (as shipped by ``google/fleurs`` on the HF hub, ``data/{lang_dir}/`` once the
``audio/{split}.tar.gz`` archives are extracted in place)::

    {root}/en_us/train.tsv            header-less, tab-separated, one line per recording
    {root}/en_us/dev.tsv
    {root}/en_us/test.tsv
    {root}/en_us/audio/train/10004088536354799741.wav     16 kHz mono
    {root}/fr_fr/...

Each TSV line has 7 fields: FLoRes sentence id, audio file name, raw transcription, normalised
transcription (lower case, no punctuation), characters/phonemes, number of samples (16 kHz), gender
(``MALE``/``FEMALE``/``OTHER``). The sentence id is shared across languages (FLEURS is n-way
parallel) and one id can have several recordings (several speakers) in one language.

Cuts: id ``{lang}_{file stem}`` (``fr_10004088536354799741``), text = raw transcription (the
normalised one is kept in ``supervision.custom["transcription"]``), ``custom["parallel_id"]`` = the
FLoRes id, ``custom["translations"]`` = raw transcription of the same id in each target language
(the first well-formed TSV line of that id with a non-empty text, whatever its audio). FLEURS has no
speaker ids: the speaker is left unset and the gender is set.
"""

from __future__ import annotations

from pathlib import Path

from lhotse import CutSet

from zst.audio import SAMPLE_RATE
from zst.data.corpora import ReadOptions
from zst.data.corpora._common import SPLIT_ALIASES, discover_language_dirs, text_lines, whole_file_cut
from zst.data.manifests import BadRow
from zst.errors import ManifestError, UnknownLanguageError, ZstError
from zst.languages import to_iso1

__all__ = ["FLEURS_LANGUAGE_DIRS", "FLEURS_DIR_BY_LANGUAGE", "NUM_SAMPLES_TOLERANCE", "fleurs_language", "read"]

#: FLEURS' 102 language directories (HF ``google/fleurs`` configs) -> zst language code (ISO 639-1,
#: or ISO 639-3 where none exists). ``cmn_hans_cn`` is Mandarin in simplified characters (``zh``),
#: ``yue_hant_hk`` Cantonese (``yue``), ``fil_ph`` Filipino (``tl``), ``nb_no`` Norwegian Bokmål
#: (``no``), ``es_419`` Latin-American Spanish (``es``).
FLEURS_LANGUAGE_DIRS: dict[str, str] = {
    "af_za": "af", "am_et": "am", "ar_eg": "ar", "as_in": "as", "ast_es": "ast", "az_az": "az",
    "be_by": "be", "bg_bg": "bg", "bn_in": "bn", "bs_ba": "bs", "ca_es": "ca", "ceb_ph": "ceb",
    "ckb_iq": "ckb", "cmn_hans_cn": "zh", "cs_cz": "cs", "cy_gb": "cy", "da_dk": "da", "de_de": "de",
    "el_gr": "el", "en_us": "en", "es_419": "es", "et_ee": "et", "fa_ir": "fa", "ff_sn": "ff",
    "fi_fi": "fi", "fil_ph": "tl", "fr_fr": "fr", "ga_ie": "ga", "gl_es": "gl", "gu_in": "gu",
    "ha_ng": "ha", "he_il": "he", "hi_in": "hi", "hr_hr": "hr", "hu_hu": "hu", "hy_am": "hy",
    "id_id": "id", "ig_ng": "ig", "is_is": "is", "it_it": "it", "ja_jp": "ja", "jv_id": "jv",
    "ka_ge": "ka", "kam_ke": "kam", "kea_cv": "kea", "kk_kz": "kk", "km_kh": "km", "kn_in": "kn",
    "ko_kr": "ko", "ky_kg": "ky", "lb_lu": "lb", "lg_ug": "lg", "ln_cd": "ln", "lo_la": "lo",
    "lt_lt": "lt", "luo_ke": "luo", "lv_lv": "lv", "mi_nz": "mi", "mk_mk": "mk", "ml_in": "ml",
    "mn_mn": "mn", "mr_in": "mr", "ms_my": "ms", "mt_mt": "mt", "my_mm": "my", "nb_no": "no",
    "ne_np": "ne", "nl_nl": "nl", "nso_za": "nso", "ny_mw": "ny", "oc_fr": "oc", "om_et": "om",
    "or_in": "or", "pa_in": "pa", "pl_pl": "pl", "ps_af": "ps", "pt_br": "pt", "ro_ro": "ro",
    "ru_ru": "ru", "sd_in": "sd", "sk_sk": "sk", "sl_si": "sl", "sn_zw": "sn", "so_so": "so",
    "sr_rs": "sr", "sv_se": "sv", "sw_ke": "sw", "ta_in": "ta", "te_in": "te", "tg_tj": "tg",
    "th_th": "th", "tr_tr": "tr", "uk_ua": "uk", "umb_ao": "umb", "ur_pk": "ur", "uz_uz": "uz",
    "vi_vn": "vi", "wo_sn": "wo", "xh_za": "xh", "yo_ng": "yo", "yue_hant_hk": "yue", "zu_za": "zu",
}  # fmt: skip

#: zst language code -> FLEURS directory name (inverse of :data:`FLEURS_LANGUAGE_DIRS`).
FLEURS_DIR_BY_LANGUAGE: dict[str, str] = {lang: d for d, lang in FLEURS_LANGUAGE_DIRS.items()}

#: Largest accepted difference (samples at 16 kHz, = 10 ms) between the TSV's num-samples column
#: and the decoded audio; larger ones mean a truncated or wrong file and make the row bad.
NUM_SAMPLES_TOLERANCE = 160

SPLITS = ("train", "dev", "test")
_N_FIELDS = 7
_GENDERS = {"MALE": "male", "FEMALE": "female", "OTHER": "other"}


def fleurs_language(dir_name: str) -> str:
    """zst language code of a FLEURS language directory (``"cmn_hans_cn"`` → ``"zh"``).

    Directories outside :data:`FLEURS_LANGUAGE_DIRS` are resolved from their part before the first
    ``_`` (``"en_gb"`` → ``"en"``, ``"eo"`` → ``"eo"``).

    Raises:
        UnknownLanguageError: neither the table nor :func:`zst.languages.to_iso1` knows the name.
    """
    name = dir_name.strip().lower()
    if name in FLEURS_LANGUAGE_DIRS:
        return FLEURS_LANGUAGE_DIRS[name]
    return to_iso1(name.split("_")[0])


def _parse_tsv(tsv: Path, bad: list[BadRow]) -> list[tuple[int, list[str]]]:
    """Well-formed lines of a FLEURS TSV as (line number, 7 stripped fields); the rest go to ``bad``."""
    rows = []
    for lineno, line in text_lines(tsv):
        if line is None:
            bad.append(BadRow(str(tsv), lineno, f"line {lineno}", "malformed line: not valid UTF-8"))
            continue
        fields = [f.strip() for f in line.split("\t")]
        item = fields[1] if len(fields) > 1 and fields[1] else f"line {lineno}"
        if len(fields) != _N_FIELDS:
            bad.append(BadRow(str(tsv), lineno, item,
                              f"malformed line: {len(fields)} tab-separated fields, expected {_N_FIELDS}"))
            continue
        if not fields[0]:
            bad.append(BadRow(str(tsv), lineno, item, "malformed line: empty sentence id (field 1)"))
            continue
        if not fields[1]:
            bad.append(BadRow(str(tsv), lineno, item, "malformed line: empty audio file name (field 2)"))
            continue
        try:
            int(fields[5])
        except ValueError:
            bad.append(BadRow(str(tsv), lineno, item,
                              f"malformed line: num-samples field (6) is not an integer: {fields[5]!r}"))
            continue
        rows.append((lineno, fields))
    return rows


def read(root: str | Path, opts: ReadOptions) -> tuple[CutSet, list[BadRow]]:
    """Read one split of FLEURS (layout in the module docstring) into cuts.

    Args:
        root: folder holding the language directories (``en_us/``, ``cmn_hans_cn/``, ...).
        opts: ``split`` (``train``/``dev``/``test``; ``validation`` is accepted for ``dev``),
            source languages (``languages``/``exclude``, ISO 639-1), ``tgt_languages`` (languages
            whose texts are attached as translations; empty = every source language read; a target
            that is not a source only has its TSV read, not its audio) and ``max_seconds``.

    Returns:
        ``(cuts, bad_rows)``: one cut per valid recording (16 kHz, start 0, the whole file), in
        directory then file order; and the skipped lines/items with their reasons (malformed line,
        empty id/file name, non-integer num-samples, duplicate file, missing/undecodable/empty/
        all-zero audio, num-samples column off by more than :data:`NUM_SAMPLES_TOLERANCE` samples,
        empty transcript, longer than ``max_seconds``; unknown language directories and requested
        languages without data are reported with ``row=None``).

    Raises:
        ManifestError: ``root`` is not a folder, or no selected language has a ``{split}.tsv``.
    """
    root = Path(root)
    split = SPLIT_ALIASES.get(opts.split, opts.split)
    if not root.is_dir():
        raise ManifestError(f"{root}: FLEURS root not found (expected {root}/<lang_dir>/{split}.tsv, e.g. en_us/)")
    # a language directory has audio/ or a split TSV; other folders are ignored
    candidates = [d for d in sorted(p for p in root.iterdir() if p.is_dir())
                  if (d / "audio").is_dir() or any((d / f"{s}.tsv").is_file() for s in (*SPLITS, split))]
    dirs, tsvs, bad = discover_language_dirs(candidates, fleurs_language, f"{split}.tsv", opts, corpus="FLEURS",
                                           noun="directory", where=root, item_is_dir=True,
                                           expected=f"{root}/<lang_dir>/{split}.tsv, e.g. en_us/{split}.tsv")
    sources = list(tsvs)

    targets: list[str] = []
    for code in opts.tgt_languages or sources:
        try:
            lang = to_iso1(code)
        except UnknownLanguageError as e:
            bad.append(BadRow(str(root), None, code, f"unknown target language ({e})"))
            continue
        if lang not in dirs or not (dirs[lang] / f"{split}.tsv").is_file():
            bad.append(BadRow(str(root), None, lang, f"no FLEURS {split}.tsv for target language '{lang}'"))
        elif lang not in targets:
            targets.append(lang)

    rows = {lang: _parse_tsv(tsvs[lang], bad) for lang in sources}
    # First non-empty raw transcription per sentence id, per target language.
    texts: dict[str, dict[str, str]] = {}
    for lang in targets:
        lang_rows = rows[lang] if lang in rows else _parse_tsv(dirs[lang] / f"{split}.tsv", [])
        first: dict[str, str] = {}
        for _, f in lang_rows:
            if f[2] and f[0] not in first:
                first[f[0]] = f[2]
        texts[lang] = first

    cuts = []
    seen: set[str] = set()
    for lang in sources:
        tsv, audio_dir = tsvs[lang], dirs[lang] / "audio" / split
        for lineno, (pid, file_name, raw, norm, _chars, n_samples, gender) in rows[lang]:
            cut_id = f"{lang}_{Path(file_name).stem}"
            if cut_id in seen:
                bad.append(BadRow(str(tsv), lineno, cut_id,
                                  f"duplicate id '{cut_id}' (audio file {file_name} listed twice)"))
                continue
            audio_path = audio_dir / file_name
            try:
                cut = whole_file_cut(cut_id, audio_path, text=raw, language=lang, parallel_id=pid,
                                     max_seconds=opts.max_seconds)
                got = int(round(cut.duration * SAMPLE_RATE))
                if abs(got - int(n_samples)) > NUM_SAMPLES_TOLERANCE:
                    raise ZstError(f"num-samples column says {int(n_samples)} but {audio_path} has {got} samples "
                                   f"at {SAMPLE_RATE} Hz")
            except ZstError as e:
                bad.append(BadRow(str(tsv), lineno, cut_id, str(e)))
                continue
            sup = cut.supervisions[0]
            sup.gender = _GENDERS.get(gender.upper(), gender.lower() or None)
            sup.custom["transcription"] = norm
            sup.custom["translations"] = {t: texts[t][pid] for t in targets if t != lang and pid in texts[t]}
            seen.add(cut_id)
            cuts.append(cut)
    return CutSet.from_cuts(cuts), bad
