"""zst.languages: ISO 639-1/3, English names, NLLB codes and Whisper tokens."""

from __future__ import annotations

import pytest

from zst.errors import UnknownLanguageError
from zst.languages import (
    LANGUAGES,
    NLLB_CODES,
    language_name,
    lookup,
    to_iso1,
    to_nllb,
    whisper_language_token,
)

EUROPARL_ST = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ro")
COVOST2 = ("fr", "de", "es", "ca", "it", "ru", "zh", "pt", "fa", "et", "mn", "nl", "tr", "ar", "sv",
           "lv", "sl", "ta", "ja", "id", "cy", "en")  # fmt: skip
# FLEURS' 102 languages as zst manifest codes (FLEURS dirs like cmn_hans_cn, ckb_iq, ff_sn).
FLEURS = ("af", "am", "ar", "as", "ast", "az", "be", "bg", "bn", "bs", "ca", "ceb", "ckb", "cs", "cy",
          "da", "de", "el", "en", "es", "et", "fa", "ff", "fi", "tl", "fr", "ga", "gl", "gu", "ha", "he",
          "hi", "hr", "hu", "hy", "id", "ig", "is", "it", "ja", "jv", "ka", "kam", "kea", "kk", "km",
          "kn", "ko", "ky", "lb", "lg", "ln", "lo", "lt", "luo", "lv", "mi", "mk", "ml", "mn", "mr",
          "ms", "mt", "my", "no", "ne", "nl", "nso", "ny", "oc", "om", "or", "pa", "pl", "ps", "pt",
          "ro", "ru", "sd", "sk", "sl", "sn", "so", "sr", "sv", "sw", "ta", "te", "tg", "th", "tr",
          "uk", "umb", "ur", "uz", "vi", "wo", "xh", "yo", "yue", "zh", "zu")  # fmt: skip


@pytest.mark.parametrize(
    ("iso1", "iso3", "name", "nllb"),
    [
        ("en", "eng", "English", "eng_Latn"),
        ("zh", "zho", "Chinese", "zho_Hans"),
        ("ja", "jpn", "Japanese", "jpn_Jpan"),
        ("ca", "cat", "Catalan", "cat_Latn"),
        ("af", "afr", "Afrikaans", "afr_Latn"),
        ("pl", "pol", "Polish", "pol_Latn"),
        ("ro", "ron", "Romanian", "ron_Latn"),
        ("nl", "nld", "Dutch", "nld_Latn"),
        ("pt", "por", "Portuguese", "por_Latn"),
        ("fr", "fra", "French", "fra_Latn"),
        ("de", "deu", "German", "deu_Latn"),
        ("ar", "ara", "Arabic", "arb_Arab"),
        ("fa", "fas", "Persian", "pes_Arab"),
        ("lv", "lav", "Latvian", "lvs_Latn"),
        ("mn", "mon", "Mongolian", "khk_Cyrl"),
        ("yue", "yue", "Cantonese", "yue_Hant"),
    ],
)
def test_table_rows_and_all_spellings(iso1, iso3, name, nllb):
    for spelling in (iso1, iso3, nllb, name, name.upper(), iso1.upper(), nllb.lower(), f" {iso1} "):
        assert to_nllb(spelling) == nllb
        assert to_iso1(spelling) == iso1
        assert language_name(spelling) == name
    lang = lookup(iso1)
    assert (lang.iso1, lang.iso3, lang.name, lang.nllb) == (iso1, iso3, name, nllb)


def test_nllb_codes_are_returned_as_is():
    assert to_nllb("zho_Hans") == "zho_Hans"
    assert to_nllb("zho_Hant") == "zho_Hant"
    assert to_nllb("ACE_ARAB") == "ace_Arab"  # valid FLORES-200 code outside the table
    assert len(NLLB_CODES) == len(set(NLLB_CODES)) == 202


def test_locale_tags_and_aliases():
    assert to_nllb("zh-CN") == "zho_Hans"
    assert to_nllb("zh-TW") == "zho_Hant"
    assert to_nllb("cmn_hans_cn") == "zho_Hans"
    assert to_iso1("en-US") == "en"
    assert to_iso1("sv-SE") == "sv"
    assert to_iso1("ger") == "de"  # ISO 639-2/B
    assert to_iso1("nb") == "no"
    assert to_iso1("fil") == "tl"
    assert to_iso1("iw") == "he"


def test_unknown_language_lists_closest():
    with pytest.raises(UnknownLanguageError) as err:
        to_nllb("frx")
    msg = str(err.value)
    assert msg.startswith("unknown language 'frx': closest are fr, fra, fra_Latn (French)")
    assert "\n" not in msg
    with pytest.raises(UnknownLanguageError, match="unknown language 'qqqq'"):
        to_iso1("qqqq")
    with pytest.raises(UnknownLanguageError, match="empty"):
        to_iso1("")


def test_languages_without_nllb_or_whisper():
    with pytest.raises(UnknownLanguageError, match="Latin has no NLLB-200 code"):
        to_nllb("la")
    assert whisper_language_token("la") == "<|la|>"
    with pytest.raises(UnknownLanguageError, match="not one of Whisper's languages"):
        whisper_language_token("ast")
    assert to_nllb("ast") == "ast_Latn"


def test_whisper_tokens():
    assert whisper_language_token("fr") == "<|fr|>"
    assert whisper_language_token("zho_Hans") == "<|zh|>"
    assert whisper_language_token("Chinese") == "<|zh|>"
    assert whisper_language_token("jv") == "<|jw|>"
    assert whisper_language_token("jav_Latn") == "<|jw|>"
    assert whisper_language_token("haw") == "<|haw|>"
    assert whisper_language_token("yue") == "<|yue|>"


def test_corpus_languages_map_to_nllb():
    for code in {*EUROPARL_ST, *COVOST2, *FLEURS}:
        assert to_nllb(code) in NLLB_CODES, code
        assert to_iso1(code) == code


def test_table_is_consistent():
    iso1s = [lang.iso1 for lang in LANGUAGES]
    assert len(iso1s) == len(set(iso1s))
    assert all(lang.nllb is None or lang.nllb in NLLB_CODES for lang in LANGUAGES)
    assert all(len(lang.iso3) == 3 for lang in LANGUAGES)


def test_matches_transformers_nllb_codes():
    nllb = pytest.importorskip("transformers.models.nllb.tokenization_nllb")
    assert list(NLLB_CODES) == list(nllb.FAIRSEQ_LANGUAGE_CODES)
    assert {lang.nllb for lang in LANGUAGES if lang.nllb} <= set(nllb.FAIRSEQ_LANGUAGE_CODES)


def test_covers_all_whisper_languages():
    whisper = pytest.importorskip("transformers.models.whisper.tokenization_whisper")
    assert len(whisper.LANGUAGES) >= 99
    for code, name in whisper.LANGUAGES.items():
        assert whisper_language_token(code) == f"<|{code}|>"
        assert whisper_language_token(name) == f"<|{code}|>", name
    for name, code in whisper.TO_LANGUAGE_CODE.items():
        assert whisper_language_token(name) == f"<|{code}|>", name
