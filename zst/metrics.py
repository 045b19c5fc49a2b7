"""Corpus-level metrics: BLEU and chrF (sacreBLEU), WER and CER (jiwer), all on a 0-100 scale.

BLEU's tokenizer follows the target language as sacreBLEU recommends: ``zh`` for Chinese (and
Cantonese), ``ja-mecab`` / ``ko-mecab`` for Japanese / Korean when their extras
(``sacrebleu[ja]`` / ``sacrebleu[ko]``) are installed, otherwise ``char`` with a note; ``13a``
for everything else. WER/CER first apply Whisper's ``BasicTextNormalizer`` (lower-case, drop
bracketed/parenthesised spans, replace punctuation and symbols with spaces, squeeze spaces).
Language identification of hypotheses (the zero-resource speech LLM paper's language accuracy,
Table II) uses langdetect with a fixed seed, so repeated runs agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from zst.errors import UnknownLanguageError, ZstError
from zst.languages import to_iso1

__all__ = ["Score", "bleu", "bleu_tokenizer", "cer", "chrf", "detect_languages", "language_accuracy",
           "normalize_text", "wer"]

#: :func:`detect_languages`' answer for text without letters (empty, digits, punctuation).
UNDETECTED = "unknown"


@dataclass(frozen=True)
class Score:
    """One corpus-level score.

    Attributes:
        name: metric name ("BLEU", "chrF", "WER", "CER").
        score: value on a 0-100 scale (WER/CER may exceed 100 with many insertions).
        signature: reproducibility string (sacreBLEU signature, or jiwer version + normaliser).
        n: number of segments scored.
        note: caveat worth reporting (e.g. a tokenizer fallback), else None.
    """

    name: str
    score: float
    signature: str
    n: int
    note: str | None = None


def _check(hyps: Sequence[str], refs: Sequence[str], metric: str) -> tuple[list[str], list[str]]:
    hyps, refs = list(hyps), list(refs)
    if len(hyps) != len(refs):
        raise ZstError(f"{metric}: {len(hyps)} hypotheses but {len(refs)} references; they must pair up one to one")
    if not hyps:
        raise ZstError(f"{metric}: no segments to score (0 hypotheses and 0 references)")
    for kind, items in (("hypothesis", hyps), ("reference", refs)):
        for i, s in enumerate(items):
            if not isinstance(s, str):
                raise ZstError(f"{metric}: {kind} {i} is {type(s).__name__}, not a string")
    return hyps, refs


@lru_cache(maxsize=None)
def _mecab_available(tokenize: str) -> bool:
    """Whether sacreBLEU can build the MeCab tokenizer (needs MeCab + its dictionary)."""
    from sacrebleu.metrics import BLEU

    try:
        BLEU(tokenize=tokenize)
    except (ImportError, RuntimeError, AssertionError, OSError):
        return False
    return True


def bleu_tokenizer(tgt_lang: str) -> tuple[str, str | None]:
    """Pick sacreBLEU's tokenizer for a target language.

    Args:
        tgt_lang: any code :func:`zst.languages.to_iso1` accepts (unknown codes use ``13a``).

    Returns:
        ``(tokenize, note)``: ``zh`` for zh/yue; ``ja-mecab``/``ko-mecab`` for ja/ko if the
        MeCab extras import, else ``char`` with a note saying so; ``13a`` otherwise.
    """
    try:
        lang = to_iso1(tgt_lang)
    except UnknownLanguageError:
        return "13a", None
    if lang in ("zh", "yue"):
        return "zh", None
    if lang in ("ja", "ko"):
        tok = f"{lang}-mecab"
        if _mecab_available(tok):
            return tok, None
        return "char", f"{tok} unavailable (pip install 'sacrebleu[{lang}]'); BLEU used tok:char"
    return "13a", None


def bleu(hyps: Sequence[str], refs: Sequence[str], tgt_lang: str) -> Score:
    """Corpus BLEU with sacreBLEU (one reference per segment), tokenizer chosen by ``tgt_lang``.

    Args:
        hyps: system outputs, length n.
        refs: references, length n (aligned with ``hyps``).
        tgt_lang: target language code (see :func:`bleu_tokenizer`).

    Returns:
        :class:`Score` with sacreBLEU's score (0-100) and signature, e.g.
        ``nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0``.

    Raises:
        ZstError: lengths differ, the corpus is empty, or an item is not a string.
    """
    from sacrebleu.metrics import BLEU

    hyps, refs = _check(hyps, refs, "BLEU")
    tok, note = bleu_tokenizer(tgt_lang)
    metric = BLEU(tokenize=tok)
    result = metric.corpus_score(hyps, [refs])
    return Score("BLEU", float(result.score), str(metric.get_signature()), len(hyps), note)


def chrf(hyps: Sequence[str], refs: Sequence[str], tgt_lang: str | None = None) -> Score:
    """Corpus chrF (character 6-grams, beta 2, no word n-grams) with sacreBLEU.

    chrF works on characters with whitespace removed, so it needs no tokenizer; ``tgt_lang``
    is accepted for symmetry with :func:`bleu` and not used.

    Raises:
        ZstError: lengths differ, the corpus is empty, or an item is not a string.
    """
    from sacrebleu.metrics import CHRF

    hyps, refs = _check(hyps, refs, "chrF")
    metric = CHRF()
    result = metric.corpus_score(hyps, [refs])
    return Score("chrF", float(result.score), str(metric.get_signature()), len(hyps), None)


@lru_cache(maxsize=1)
def _normalizer():
    from transformers.models.whisper.english_normalizer import BasicTextNormalizer

    return BasicTextNormalizer()


def normalize_text(text: str) -> str:
    """Whisper's basic (language-independent) normalisation, stripped: ``"Hello, World!"`` -> ``"hello world"``.

    Source: ``transformers.models.whisper.english_normalizer.BasicTextNormalizer``.
    """
    return _normalizer()(text).strip()


def _error_rate(name: str, hyps, refs, normalize: bool) -> Score:
    import jiwer

    hyps, refs = _check(hyps, refs, name)
    if normalize:
        hyps = [normalize_text(h) for h in hyps]
        refs = [normalize_text(r) for r in refs]
    else:
        hyps = [" ".join(h.split()) for h in hyps]
        refs = [" ".join(r.split()) for r in refs]
    if name == "WER":
        out = jiwer.process_words(refs, hyps)
        n_ref = sum(len(r.split()) for r in refs)
        n_hyp = sum(len(h.split()) for h in hyps)
    else:
        out = jiwer.process_characters(refs, hyps)
        n_ref = sum(len(r) for r in refs)
        n_hyp = sum(len(h) for h in hyps)
    errors = out.substitutions + out.deletions + out.insertions
    note = None
    if n_ref == 0:
        # jiwer returns the raw insertion count here; a rate is undefined, so report 0 or 100.
        score = 0.0 if n_hyp == 0 else 100.0
        note = "all references are empty" + (
            " (as are the hypotheses)" if n_hyp == 0 else "; every hypothesis unit counted as an error"
        )
    else:
        score = 100.0 * errors / n_ref
    unit = "word" if name == "WER" else "char"
    signature = f"jiwer:{_jiwer_version()}|unit:{unit}|norm:{'whisper-basic' if normalize else 'none'}"
    return Score(name, float(score), signature, len(hyps), note)


@lru_cache(maxsize=1)
def _jiwer_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jiwer")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def wer(hyps: Sequence[str], refs: Sequence[str], normalize: bool = True) -> Score:
    """Corpus word error rate in percent: 100 * (S + D + I) / (reference words), via jiwer 4.

    Args:
        hyps: transcripts, length n.
        refs: reference transcripts, length n.
        normalize: apply :func:`normalize_text` (Whisper's BasicTextNormalizer) to both sides
            first; otherwise only whitespace is collapsed.

    Empty strings are allowed on either side: an empty reference adds its hypothesis words as
    insertions, an empty hypothesis counts all reference words as deletions. If *all* references
    are empty the rate is undefined; the score is then 0.0 (hypotheses empty too) or 100.0, with
    a ``note``.

    Raises:
        ZstError: lengths differ, the corpus is empty, or an item is not a string.
    """
    return _error_rate("WER", hyps, refs, normalize)


def cer(hyps: Sequence[str], refs: Sequence[str], normalize: bool = True) -> Score:
    """Corpus character error rate in percent (spaces count as characters), via jiwer 4.

    Same arguments, normalisation, empty-string handling and errors as :func:`wer`.
    """
    return _error_rate("CER", hyps, refs, normalize)


def detect_languages(texts: Sequence[str], seed: int = 0) -> list[str]:
    """The language of each text by langdetect (Mundnich et al., Table II / Fig. 2), as an ISO 639-1
    code where zst knows it (``zh-cn`` → ``zh``), else langdetect's own code; :data:`UNDETECTED` for
    text langdetect finds no features in.

    ``langdetect.DetectorFactory.seed`` is set to ``seed`` first: langdetect samples n-grams at
    random, and with the same seed every text gets the same answer in any run or order.
    """
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = seed
    out = []
    for text in texts:
        try:
            code = detect(text)
        except LangDetectException:
            out.append(UNDETECTED)
            continue
        try:
            out.append(to_iso1(code))
        except UnknownLanguageError:
            out.append(code)
    return out


def language_accuracy(detected: Sequence[str], expected: Sequence[str]) -> float:
    """Fraction (0-1) of ``detected`` languages equal to ``expected`` (ISO 639-1, pairwise).

    Raises:
        ZstError: lengths differ or there is nothing to score.
    """
    if len(detected) != len(expected):
        raise ZstError(f"language accuracy: {len(detected)} detections but {len(expected)} expected languages")
    if not detected:
        raise ZstError("language accuracy: no hypotheses to score")
    return sum(d == e for d, e in zip(detected, expected)) / len(detected)
