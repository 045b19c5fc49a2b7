"""zst.metrics: BLEU/chrF agree with sacreBLEU, tokenizer per language, WER/CER by hand."""

from __future__ import annotations

import dataclasses

import pytest
import sacrebleu

from zst.errors import ZstError
from zst.metrics import Score, bleu, bleu_tokenizer, cer, chrf, normalize_text, wer

HYPS = ["the cat sat on the mat", "a dog barked at the mailman loudly", "it is raining today"]
REFS = ["the cat sat on a mat", "the dog barked loudly at the postman", "today it is raining"]


def test_bleu_equals_sacrebleu():
    s = bleu(HYPS, REFS, "de")
    direct = sacrebleu.corpus_bleu(HYPS, [REFS])
    assert s.name == "BLEU" and s.n == 3 and s.note is None
    assert s.score == pytest.approx(direct.score, abs=1e-9)
    assert 0 < s.score < 100
    assert "tok:13a" in s.signature and "nrefs:1" in s.signature
    assert s.signature.endswith(f"version:{sacrebleu.__version__}")


def test_bleu_perfect_and_zero():
    assert bleu(REFS, REFS, "en").score == pytest.approx(100.0)
    assert bleu(["x y z w"] * 3, REFS, "en").score == pytest.approx(0.0)


def test_bleu_zh_uses_zh_tokenizer():
    hyps, refs = ["我们今天去公园散步。"], ["我们今天去公园走走。"]
    s = bleu(hyps, refs, "zh")
    assert "tok:zh" in s.signature
    direct = sacrebleu.metrics.BLEU(tokenize="zh").corpus_score(hyps, [refs])
    assert s.score == pytest.approx(direct.score)
    # Character-level tokenisation gives partial credit; 13a would see one token and score 0.
    assert s.score > 30
    assert bleu(hyps, refs, "zho_Hans").signature == s.signature


@pytest.mark.parametrize("lang", ["ja", "ko"])
def test_bleu_ja_ko_tokenizer_or_char_fallback(lang):
    tok, note = bleu_tokenizer(lang)
    s = bleu(["今日は晴れです"], ["今日は雨です"], lang)
    assert f"tok:{tok}" in s.signature
    if tok == "char":
        assert note is not None and f"{lang}-mecab unavailable" in note and s.note == note
    else:
        assert tok == f"{lang}-mecab" and s.note is None


def test_bleu_tokenizer_choice():
    assert bleu_tokenizer("fr") == ("13a", None)
    assert bleu_tokenizer("zh") == ("zh", None)
    assert bleu_tokenizer("deu_Latn") == ("13a", None)


def test_chrf_equals_sacrebleu():
    s = chrf(HYPS, REFS, "de")
    direct = sacrebleu.corpus_chrf(HYPS, [REFS])
    assert s.name == "chrF" and s.n == 3
    assert s.score == pytest.approx(direct.score)
    assert "nc:6" in s.signature and "nw:0" in s.signature


def test_wer_hand_computed():
    # 1 substitution in 4 reference words.
    s = wer(["the cat sat down"], ["the dog sat down"])
    assert s.name == "WER" and s.score == pytest.approx(25.0) and s.n == 1
    assert "norm:whisper-basic" in s.signature
    # corpus level: (1 sub + 1 del) / (4 + 4) words
    s = wer(["the cat sat down", "a b c"], ["the dog sat down", "a b c d"])
    assert s.score == pytest.approx(25.0)


def test_wer_normalisation():
    assert normalize_text("Hello, World!") == "hello world"
    assert wer(["Hello, World!"], ["hello world"]).score == 0.0
    assert wer(["Hello, World!"], ["hello world"], normalize=False).score == pytest.approx(100.0)
    # bracketed spans are dropped by Whisper's basic normaliser
    assert wer(["hello [noise] world"], ["Hello world."]).score == 0.0


def test_cer_hand_computed():
    assert cer(["abxd"], ["abcd"]).score == pytest.approx(25.0)
    # spaces count: "ab cd" vs "ab ce" -> 1 sub in 5 chars
    assert cer(["AB, CE"], ["ab cd"]).score == pytest.approx(20.0)


def test_wer_empty_strings():
    # empty hypothesis: all reference words deleted
    assert wer([""], ["one two"]).score == pytest.approx(100.0)
    # empty reference among others: hypothesis words are insertions, denominator unchanged
    assert wer(["extra", "a b"], ["", "a b"]).score == pytest.approx(50.0)
    # only empty references: undefined rate -> 0 if hyps empty too, else 100, with a note
    s = wer([""], [""])
    assert s.score == 0.0 and "empty" in s.note
    s = wer(["x y z"], ["!!"])  # normalises to empty
    assert s.score == 100.0 and "empty" in s.note


def test_length_mismatch_and_empty_corpus():
    with pytest.raises(ZstError, match="2 hypotheses but 1 references"):
        bleu(["a", "b"], ["a"], "en")
    with pytest.raises(ZstError, match="1 hypotheses but 3 references"):
        wer(["a"], ["a", "b", "c"])
    with pytest.raises(ZstError, match="no segments"):
        chrf([], [], "en")
    with pytest.raises(ZstError, match="not a string"):
        cer([None], ["a"])


def test_score_is_frozen():
    s = wer(["a"], ["a"])
    assert isinstance(s, Score)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.score = 1.0  # type: ignore[misc]
