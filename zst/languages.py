"""Language codes: ISO 639-1/639-3, English names, NLLB (FLORES-200) codes and Whisper tokens.

zst's manifests use ISO 639-1 codes (``fr``); languages without one (Hawaiian, Cantonese,
Asturian, ...) use their ISO 639-3 code, as Whisper does for ``haw`` and ``yue``. Every lookup
accepts, case-insensitively:

* an ISO 639-1 code (``zh``), an ISO 639-3 code (``fra``) or ISO 639-2/B code (``ger``),
* an NLLB / FLORES-200 code (``zho_Hans``),
* an English name (``German``) or one of Whisper's language names (``valencian``),
* a locale-style tag whose first part is one of the above (``en-US``, ``zh-CN``, ``cmn_hans_cn``).

Sources: Whisper's ``LANGUAGES``/``TO_LANGUAGE_CODE`` tables
(``transformers/models/whisper/tokenization_whisper.py``), the FLORES-200 codes of NLLB
(``FAIRSEQ_LANGUAGE_CODES`` in ``transformers/models/nllb/tokenization_nllb.py``), ISO 639 tables
(SIL), and the language lists of Europarl-ST, CoVoST 2 and FLEURS.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from zst.errors import UnknownLanguageError

__all__ = [
    "LANGUAGES",
    "NLLB_CODES",
    "Language",
    "language_name",
    "lookup",
    "to_iso1",
    "to_nllb",
    "whisper_language_token",
]


@dataclass(frozen=True)
class Language:
    """One row of the language table.

    Attributes:
        iso1: ISO 639-1 code, or the ISO 639-3 code where none exists (zst's manifest code).
        iso3: ISO 639-3 code (the macrolanguage code where ISO has one, e.g. ``ara``, ``zho``).
        name: English name.
        nllb: NLLB / FLORES-200 code, or None if NLLB-200 does not cover the language.
        whisper: Whisper's language code (``jw`` for Javanese), or None if Whisper lacks it.
        aliases: other accepted spellings (ISO 639-2/B, individual-language codes, names).
    """

    iso1: str
    iso3: str
    name: str
    nllb: str | None
    whisper: str | None
    aliases: tuple[str, ...] = ()


# The 202 FLORES-200 codes known to NLLB-200, in the order of transformers'
# `FAIRSEQ_LANGUAGE_CODES` (tests check the two lists are equal when transformers is importable).
NLLB_CODES: tuple[str, ...] = (
    "ace_Arab", "ace_Latn", "acm_Arab", "acq_Arab", "aeb_Arab", "afr_Latn", "ajp_Arab", "aka_Latn",
    "amh_Ethi", "apc_Arab", "arb_Arab", "ars_Arab", "ary_Arab", "arz_Arab", "asm_Beng", "ast_Latn",
    "awa_Deva", "ayr_Latn", "azb_Arab", "azj_Latn", "bak_Cyrl", "bam_Latn", "ban_Latn", "bel_Cyrl",
    "bem_Latn", "ben_Beng", "bho_Deva", "bjn_Arab", "bjn_Latn", "bod_Tibt", "bos_Latn", "bug_Latn",
    "bul_Cyrl", "cat_Latn", "ceb_Latn", "ces_Latn", "cjk_Latn", "ckb_Arab", "crh_Latn", "cym_Latn",
    "dan_Latn", "deu_Latn", "dik_Latn", "dyu_Latn", "dzo_Tibt", "ell_Grek", "eng_Latn", "epo_Latn",
    "est_Latn", "eus_Latn", "ewe_Latn", "fao_Latn", "pes_Arab", "fij_Latn", "fin_Latn", "fon_Latn",
    "fra_Latn", "fur_Latn", "fuv_Latn", "gla_Latn", "gle_Latn", "glg_Latn", "grn_Latn", "guj_Gujr",
    "hat_Latn", "hau_Latn", "heb_Hebr", "hin_Deva", "hne_Deva", "hrv_Latn", "hun_Latn", "hye_Armn",
    "ibo_Latn", "ilo_Latn", "ind_Latn", "isl_Latn", "ita_Latn", "jav_Latn", "jpn_Jpan", "kab_Latn",
    "kac_Latn", "kam_Latn", "kan_Knda", "kas_Arab", "kas_Deva", "kat_Geor", "knc_Arab", "knc_Latn",
    "kaz_Cyrl", "kbp_Latn", "kea_Latn", "khm_Khmr", "kik_Latn", "kin_Latn", "kir_Cyrl", "kmb_Latn",
    "kon_Latn", "kor_Hang", "kmr_Latn", "lao_Laoo", "lvs_Latn", "lij_Latn", "lim_Latn", "lin_Latn",
    "lit_Latn", "lmo_Latn", "ltg_Latn", "ltz_Latn", "lua_Latn", "lug_Latn", "luo_Latn", "lus_Latn",
    "mag_Deva", "mai_Deva", "mal_Mlym", "mar_Deva", "min_Latn", "mkd_Cyrl", "plt_Latn", "mlt_Latn",
    "mni_Beng", "khk_Cyrl", "mos_Latn", "mri_Latn", "zsm_Latn", "mya_Mymr", "nld_Latn", "nno_Latn",
    "nob_Latn", "npi_Deva", "nso_Latn", "nus_Latn", "nya_Latn", "oci_Latn", "gaz_Latn", "ory_Orya",
    "pag_Latn", "pan_Guru", "pap_Latn", "pol_Latn", "por_Latn", "prs_Arab", "pbt_Arab", "quy_Latn",
    "ron_Latn", "run_Latn", "rus_Cyrl", "sag_Latn", "san_Deva", "sat_Beng", "scn_Latn", "shn_Mymr",
    "sin_Sinh", "slk_Latn", "slv_Latn", "smo_Latn", "sna_Latn", "snd_Arab", "som_Latn", "sot_Latn",
    "spa_Latn", "als_Latn", "srd_Latn", "srp_Cyrl", "ssw_Latn", "sun_Latn", "swe_Latn", "swh_Latn",
    "szl_Latn", "tam_Taml", "tat_Cyrl", "tel_Telu", "tgk_Cyrl", "tgl_Latn", "tha_Thai", "tir_Ethi",
    "taq_Latn", "taq_Tfng", "tpi_Latn", "tsn_Latn", "tso_Latn", "tuk_Latn", "tum_Latn", "tur_Latn",
    "twi_Latn", "tzm_Tfng", "uig_Arab", "ukr_Cyrl", "umb_Latn", "urd_Arab", "uzn_Latn", "vec_Latn",
    "vie_Latn", "war_Latn", "wol_Latn", "xho_Latn", "ydd_Hebr", "yor_Latn", "yue_Hant", "zho_Hans",
    "zho_Hant", "zul_Latn",
)  # fmt: skip


def _L(iso1, iso3, name, nllb, whisper=True, *aliases):  # noqa: N802 - table shorthand
    return Language(iso1, iso3, name, nllb, iso1 if whisper is True else whisper, tuple(aliases))


# fmt: off
LANGUAGES: tuple[Language, ...] = (
    # --- Whisper's 100 languages (large-v3 order) ---
    _L("en", "eng", "English", "eng_Latn"),
    _L("zh", "zho", "Chinese", "zho_Hans", True, "chi", "cmn", "mandarin", "zho_Hant"),
    _L("de", "deu", "German", "deu_Latn", True, "ger"),
    _L("es", "spa", "Spanish", "spa_Latn", True, "castilian"),
    _L("ru", "rus", "Russian", "rus_Cyrl"),
    _L("ko", "kor", "Korean", "kor_Hang"),
    _L("fr", "fra", "French", "fra_Latn", True, "fre"),
    _L("ja", "jpn", "Japanese", "jpn_Jpan"),
    _L("pt", "por", "Portuguese", "por_Latn"),
    _L("tr", "tur", "Turkish", "tur_Latn"),
    _L("pl", "pol", "Polish", "pol_Latn"),
    _L("ca", "cat", "Catalan", "cat_Latn", True, "valencian"),
    _L("nl", "nld", "Dutch", "nld_Latn", True, "dut", "flemish"),
    _L("ar", "ara", "Arabic", "arb_Arab", True, "arb", "modern standard arabic"),
    _L("sv", "swe", "Swedish", "swe_Latn"),
    _L("it", "ita", "Italian", "ita_Latn"),
    _L("id", "ind", "Indonesian", "ind_Latn", True, "in"),
    _L("hi", "hin", "Hindi", "hin_Deva"),
    _L("fi", "fin", "Finnish", "fin_Latn"),
    _L("vi", "vie", "Vietnamese", "vie_Latn"),
    _L("he", "heb", "Hebrew", "heb_Hebr", True, "iw"),
    _L("uk", "ukr", "Ukrainian", "ukr_Cyrl"),
    _L("el", "ell", "Greek", "ell_Grek", True, "gre"),
    _L("ms", "msa", "Malay", "zsm_Latn", True, "may", "zsm"),
    _L("cs", "ces", "Czech", "ces_Latn", True, "cze"),
    _L("ro", "ron", "Romanian", "ron_Latn", True, "rum", "moldavian", "moldovan"),
    _L("da", "dan", "Danish", "dan_Latn"),
    _L("hu", "hun", "Hungarian", "hun_Latn"),
    _L("ta", "tam", "Tamil", "tam_Taml"),
    _L("no", "nor", "Norwegian", "nob_Latn", True, "nb", "nob", "norwegian bokmal",
       "norwegian bokmål", "bokmal"),
    _L("th", "tha", "Thai", "tha_Thai"),
    _L("ur", "urd", "Urdu", "urd_Arab"),
    _L("hr", "hrv", "Croatian", "hrv_Latn"),
    _L("bg", "bul", "Bulgarian", "bul_Cyrl"),
    _L("lt", "lit", "Lithuanian", "lit_Latn"),
    _L("la", "lat", "Latin", None),
    _L("mi", "mri", "Maori", "mri_Latn", True, "mao"),
    _L("ml", "mal", "Malayalam", "mal_Mlym"),
    _L("cy", "cym", "Welsh", "cym_Latn", True, "wel"),
    _L("sk", "slk", "Slovak", "slk_Latn", True, "slo"),
    _L("te", "tel", "Telugu", "tel_Telu"),
    _L("fa", "fas", "Persian", "pes_Arab", True, "per", "pes", "farsi"),
    _L("lv", "lav", "Latvian", "lvs_Latn", True, "lvs"),
    _L("bn", "ben", "Bengali", "ben_Beng", True, "bangla"),
    _L("sr", "srp", "Serbian", "srp_Cyrl"),
    _L("az", "aze", "Azerbaijani", "azj_Latn", True, "azj"),
    _L("sl", "slv", "Slovenian", "slv_Latn", True, "slovene"),
    _L("kn", "kan", "Kannada", "kan_Knda"),
    _L("et", "est", "Estonian", "est_Latn", True, "ekk"),
    _L("mk", "mkd", "Macedonian", "mkd_Cyrl", True, "mac"),
    _L("br", "bre", "Breton", None),
    _L("eu", "eus", "Basque", "eus_Latn", True, "baq"),
    _L("is", "isl", "Icelandic", "isl_Latn", True, "ice"),
    _L("hy", "hye", "Armenian", "hye_Armn", True, "arm"),
    _L("ne", "nep", "Nepali", "npi_Deva", True, "npi"),
    _L("mn", "mon", "Mongolian", "khk_Cyrl", True, "khk"),
    _L("bs", "bos", "Bosnian", "bos_Latn"),
    _L("kk", "kaz", "Kazakh", "kaz_Cyrl"),
    _L("sq", "sqi", "Albanian", "als_Latn", True, "alb", "als"),
    _L("sw", "swa", "Swahili", "swh_Latn", True, "swh"),
    _L("gl", "glg", "Galician", "glg_Latn"),
    _L("mr", "mar", "Marathi", "mar_Deva"),
    _L("pa", "pan", "Punjabi", "pan_Guru", True, "panjabi"),
    _L("si", "sin", "Sinhala", "sin_Sinh", True, "sinhalese"),
    _L("km", "khm", "Khmer", "khm_Khmr"),
    _L("sn", "sna", "Shona", "sna_Latn"),
    _L("yo", "yor", "Yoruba", "yor_Latn"),
    _L("so", "som", "Somali", "som_Latn"),
    _L("af", "afr", "Afrikaans", "afr_Latn"),
    _L("oc", "oci", "Occitan", "oci_Latn"),
    _L("ka", "kat", "Georgian", "kat_Geor", True, "geo"),
    _L("be", "bel", "Belarusian", "bel_Cyrl"),
    _L("tg", "tgk", "Tajik", "tgk_Cyrl"),
    _L("sd", "snd", "Sindhi", "snd_Arab"),
    _L("gu", "guj", "Gujarati", "guj_Gujr"),
    _L("am", "amh", "Amharic", "amh_Ethi"),
    _L("yi", "yid", "Yiddish", "ydd_Hebr", True, "ydd", "ji"),
    _L("lo", "lao", "Lao", "lao_Laoo"),
    _L("uz", "uzb", "Uzbek", "uzn_Latn", True, "uzn"),
    _L("fo", "fao", "Faroese", "fao_Latn"),
    _L("ht", "hat", "Haitian Creole", "hat_Latn", True, "haitian"),
    _L("ps", "pus", "Pashto", "pbt_Arab", True, "pbt", "pushto"),
    _L("tk", "tuk", "Turkmen", "tuk_Latn"),
    _L("nn", "nno", "Norwegian Nynorsk", "nno_Latn", True, "nynorsk"),
    _L("mt", "mlt", "Maltese", "mlt_Latn"),
    _L("sa", "san", "Sanskrit", "san_Deva"),
    _L("lb", "ltz", "Luxembourgish", "ltz_Latn", True, "letzeburgesch"),
    _L("my", "mya", "Burmese", "mya_Mymr", True, "bur", "myanmar"),
    _L("bo", "bod", "Tibetan", "bod_Tibt", True, "tib"),
    _L("tl", "tgl", "Tagalog", "tgl_Latn", True, "fil", "filipino"),
    _L("mg", "mlg", "Malagasy", "plt_Latn", True, "plt"),
    _L("as", "asm", "Assamese", "asm_Beng"),
    _L("tt", "tat", "Tatar", "tat_Cyrl"),
    _L("haw", "haw", "Hawaiian", None),
    _L("ln", "lin", "Lingala", "lin_Latn"),
    _L("ha", "hau", "Hausa", "hau_Latn"),
    _L("ba", "bak", "Bashkir", "bak_Cyrl"),
    _L("jv", "jav", "Javanese", "jav_Latn", "jw", "jw"),
    _L("su", "sun", "Sundanese", "sun_Latn"),
    _L("yue", "yue", "Cantonese", "yue_Hant"),
    # --- FLEURS / Common Voice / NLLB languages that Whisper lacks ---
    _L("ast", "ast", "Asturian", "ast_Latn", None),
    _L("ceb", "ceb", "Cebuano", "ceb_Latn", None),
    _L("ckb", "ckb", "Central Kurdish", "ckb_Arab", None, "sorani"),
    _L("kmr", "kmr", "Northern Kurdish", "kmr_Latn", None, "kurmanji"),
    _L("ff", "ful", "Fula", "fuv_Latn", None, "fulah", "fuv"),
    _L("ga", "gle", "Irish", "gle_Latn", None),
    _L("ig", "ibo", "Igbo", "ibo_Latn", None),
    _L("kam", "kam", "Kamba", "kam_Latn", None),
    _L("kea", "kea", "Kabuverdianu", "kea_Latn", None),
    _L("ky", "kir", "Kyrgyz", "kir_Cyrl", None, "kirghiz"),
    _L("lg", "lug", "Ganda", "lug_Latn", None, "luganda"),
    _L("luo", "luo", "Luo", "luo_Latn", None),
    _L("nso", "nso", "Northern Sotho", "nso_Latn", None, "sepedi", "pedi"),
    _L("ny", "nya", "Nyanja", "nya_Latn", None, "chichewa", "chewa"),
    _L("om", "orm", "Oromo", "gaz_Latn", None, "gaz"),
    _L("or", "ori", "Odia", "ory_Orya", None, "ory", "oriya"),
    _L("umb", "umb", "Umbundu", "umb_Latn", None),
    _L("wo", "wol", "Wolof", "wol_Latn", None),
    _L("xh", "xho", "Xhosa", "xho_Latn", None),
    _L("zu", "zul", "Zulu", "zul_Latn", None),
    _L("eo", "epo", "Esperanto", "epo_Latn", None),
    _L("rw", "kin", "Kinyarwanda", "kin_Latn", None),
    _L("kab", "kab", "Kabyle", "kab_Latn", None),
    _L("ak", "aka", "Akan", "aka_Latn", None),
    _L("ay", "aym", "Aymara", "ayr_Latn", None, "ayr"),
    _L("bm", "bam", "Bambara", "bam_Latn", None),
    _L("dz", "dzo", "Dzongkha", "dzo_Tibt", None),
    _L("ee", "ewe", "Ewe", "ewe_Latn", None),
    _L("fj", "fij", "Fijian", "fij_Latn", None),
    _L("gd", "gla", "Scottish Gaelic", "gla_Latn", None, "gaelic"),
    _L("gn", "grn", "Guarani", "grn_Latn", None),
    _L("ki", "kik", "Kikuyu", "kik_Latn", None),
    _L("kg", "kon", "Kongo", "kon_Latn", None),
    _L("ks", "kas", "Kashmiri", "kas_Arab", None),
    _L("li", "lim", "Limburgish", "lim_Latn", None),
    _L("qu", "que", "Quechua", "quy_Latn", None, "quy"),
    _L("rn", "run", "Rundi", "run_Latn", None, "kirundi"),
    _L("sg", "sag", "Sango", "sag_Latn", None),
    _L("sc", "srd", "Sardinian", "srd_Latn", None),
    _L("sm", "smo", "Samoan", "smo_Latn", None),
    _L("ss", "ssw", "Swati", "ssw_Latn", None),
    _L("st", "sot", "Southern Sotho", "sot_Latn", None, "sesotho"),
    _L("tn", "tsn", "Tswana", "tsn_Latn", None),
    _L("ts", "tso", "Tsonga", "tso_Latn", None),
    _L("tw", "twi", "Twi", "twi_Latn", None),
    _L("ug", "uig", "Uyghur", "uig_Arab", None, "uighur"),
    _L("fy", "fry", "Western Frisian", None, None, "frisian"),
)
# fmt: on

_NLLB_BY_LOWER = {c.lower(): c for c in NLLB_CODES}
# Chinese written in traditional characters (zh-TW, zh-Hant, cmn_hant_tw): NLLB's zho_Hant.
_TRADITIONAL_SUBTAGS = {"hant", "tw"}


@lru_cache(maxsize=1)
def _index() -> dict[str, Language]:
    """Map every accepted lower-case key to its row; raises RuntimeError on a clash."""
    index: dict[str, Language] = {}
    for lang in LANGUAGES:
        keys = {lang.iso1, lang.iso3, lang.name, *lang.aliases}
        if lang.nllb:
            keys.add(lang.nllb)
        for key in keys:
            key = key.lower()
            other = index.get(key)
            if other is not None and other is not lang:
                raise RuntimeError(f"language table: key {key!r} is used by {other.iso1} and {lang.iso1}")
            index[key] = lang
    return index


def _split_tag(code: str) -> list[str]:
    return [p for p in re.split(r"[-_]", code.strip().lower()) if p]


def _unknown(code: str, why: str | None = None) -> UnknownLanguageError:
    """Build the one-line error for an unknown code, listing the closest table rows (difflib)."""
    if why:
        return UnknownLanguageError(f"language {code!r}: {why}")
    index = _index()
    rows: list[Language] = []
    for key in difflib.get_close_matches(code.strip().lower(), list(index), n=8, cutoff=0.6):
        if index[key] not in rows:
            rows.append(index[key])
    if not rows:
        return UnknownLanguageError(
            f"unknown language {code!r}: use an ISO 639-1 code (fr), ISO 639-3 code (fra), "
            "NLLB code (fra_Latn) or English name (French)"
        )
    closest = "; ".join(
        ", ".join(dict.fromkeys(c for c in (r.iso1, r.iso3, r.nllb) if c)) + f" ({r.name})" for r in rows[:3]
    )
    return UnknownLanguageError(f"unknown language {code!r}: closest are {closest}")


def lookup(code: str) -> Language:
    """Find the table row for ``code`` (any accepted spelling, case-insensitive).

    Args:
        code: ISO 639-1/639-3/639-2B code, NLLB code, English or Whisper name, or a locale
            tag such as ``en-US`` / ``cmn_hans_cn`` (its first part is used).

    Returns:
        The :class:`Language` row.

    Raises:
        UnknownLanguageError: the code is not in the table; the message lists the closest codes.
    """
    if not isinstance(code, str) or not code.strip():
        raise UnknownLanguageError(f"unknown language {code!r}: empty language code")
    index = _index()
    key = code.strip().lower()
    if key in index:
        return index[key]
    parts = _split_tag(key)
    if len(parts) > 1 and parts[0] in index:
        return index[parts[0]]
    raise _unknown(code)


def to_nllb(code: str) -> str:
    """Return the NLLB / FLORES-200 code (``zho_Hans``) for a language code.

    Any of the 202 NLLB codes is returned as is (in canonical case) even when not in the table.
    Chinese tags with a ``Hant``/``TW`` part (``zh-TW``, ``zh_Hant``) give ``zho_Hant``.

    Raises:
        UnknownLanguageError: unknown code (message lists the closest codes) or a language
            that NLLB-200 does not cover (Latin, Breton, Hawaiian, Western Frisian).
    """
    if isinstance(code, str) and code.strip().lower() in _NLLB_BY_LOWER:
        return _NLLB_BY_LOWER[code.strip().lower()]
    lang = lookup(code)
    if lang.nllb is None:
        raise _unknown(code, f"{lang.name} has no NLLB-200 code")
    if lang.iso1 == "zh" and _TRADITIONAL_SUBTAGS & set(_split_tag(code)[1:]):
        return "zho_Hant"
    return lang.nllb


def to_iso1(code: str) -> str:
    """Return zst's manifest code: ISO 639-1 (``fr``), or ISO 639-3 where none exists (``yue``).

    Raises:
        UnknownLanguageError: unknown code; the message lists the closest codes.
    """
    return lookup(code).iso1


def language_name(code: str) -> str:
    """Return the English name of a language (``"French"`` for ``fr``/``fra``/``fra_Latn``).

    Raises:
        UnknownLanguageError: unknown code; the message lists the closest codes.
    """
    return lookup(code).name


def whisper_language_token(code: str) -> str:
    """Return Whisper's language token, e.g. ``<|fr|>``, ``<|zh|>``, ``<|jw|>``, ``<|haw|>``.

    Raises:
        UnknownLanguageError: unknown code, or a language Whisper was not trained on.
    """
    lang = lookup(code)
    if lang.whisper is None:
        raise _unknown(code, f"{lang.name} is not one of Whisper's languages")
    return f"<|{lang.whisper}|>"
