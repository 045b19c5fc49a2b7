"""zst.evaluation.scoring: predictions/references files, per-direction scores, outputs."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from zst.errors import ZstError
from zst.evaluation import format_table, read_predictions, read_references, score_predictions, write_scores
from zst.metrics import bleu, chrf

ROWS = [
    {"id": "s1", "audio": "a/s1.wav", "src_lang": "fr", "tgt_lang": "de", "hyp": "die Katze sitzt auf der Matte",
     "ref": "die Katze sitzt auf einer Matte"},
    {"id": "s2", "audio": "a/s2.wav", "src_lang": "fr", "tgt_lang": "de", "hyp": "es regnet heute",
     "ref": "heute regnet es"},
    {"id": "s3", "audio": "a/s3.wav", "src_lang": "fr", "tgt_lang": "de", "hyp": "guten Morgen", "ref": None},
    {"id": "s1", "audio": "a/s1.wav", "src_lang": "fr", "tgt_lang": "fr", "hyp": "Le chat est assis.",
     "ref": "le chat est assis"},
    {"id": "s2", "audio": "a/s2.wav", "src_lang": "fr", "tgt_lang": "fr", "hyp": "il pleut demain",
     "ref": "il pleut aujourd'hui"},
]  # fmt: skip


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_read_and_score(tmp_path):
    preds = read_predictions(_write_jsonl(tmp_path / "preds.jsonl", ROWS))
    assert len(preds) == 5 and preds[2]["ref"] is None
    result = score_predictions(preds)
    assert result["missing_refs"] == 1
    by_dir = {(d["src"], d["tgt"]): d for d in result["directions"]}
    assert list(by_dir) == [("fr", "de"), ("fr", "fr")]

    tr = by_dir[("fr", "de")]
    hyps, refs = [ROWS[0]["hyp"], ROWS[1]["hyp"]], [ROWS[0]["ref"], ROWS[1]["ref"]]
    assert (tr["task"], tr["n"], tr["missing_refs"]) == ("translation", 2, 1)
    assert tr["bleu"] == pytest.approx(bleu(hyps, refs, "de").score, abs=1e-4)
    assert tr["chrf"] == pytest.approx(chrf(hyps, refs, "de").score, abs=1e-4)
    assert "tok:13a" in tr["bleu_signature"] and "nc:6" in tr["chrf_signature"]

    asr = by_dir[("fr", "fr")]
    assert (asr["task"], asr["n"], asr["missing_refs"]) == ("transcription", 2, 0)
    # normalised: "le chat est assis" exact; "il pleut demain" vs "il pleut aujourd hui" = 1 sub + 1 del.
    # (Whisper's basic normaliser turns the apostrophe into a space) -> 2 errors / 8 words
    assert asr["wer"] == pytest.approx(25.0)
    assert "wer_signature" in asr and "bleu" not in asr


def test_language_codes_are_normalised(tmp_path):
    rows = [dict(ROWS[0], src_lang="fra", tgt_lang="deu_Latn")]
    preds = read_predictions(_write_jsonl(tmp_path / "p.jsonl", rows))
    assert (preds[0]["src_lang"], preds[0]["tgt_lang"]) == ("fr", "de")


def test_unknown_source_language_is_scored_as_translation(tmp_path):
    rows = [dict(ROWS[0], src_lang=None), dict(ROWS[1], src_lang=None)]
    preds = read_predictions(_write_jsonl(tmp_path / "p.jsonl", rows))
    assert [p["src_lang"] for p in preds] == ["?", "?"]
    (d,) = score_predictions(preds)["directions"]
    hyps, refs = [r["hyp"] for r in rows], [r["ref"] for r in rows]
    assert (d["src"], d["tgt"], d["task"]) == ("?", "de", "translation")
    assert d["bleu"] == pytest.approx(round(bleu(hyps, refs, "de").score, 4))


def test_references_file_overrides(tmp_path):
    refs_path = tmp_path / "refs.tsv"
    refs_path.write_text("s3\tguten Morgen\ns1\tdie Katze sitzt auf der Matte\n\n", encoding="utf-8")
    refs = read_references(refs_path)
    assert refs == {"s3": "guten Morgen", "s1": "die Katze sitzt auf der Matte"}
    preds = read_predictions(_write_jsonl(tmp_path / "p.jsonl", ROWS[:3]))
    result = score_predictions(preds, refs)
    (d,) = result["directions"]
    assert result["missing_refs"] == 0 and d["n"] == 3
    hyps = [r["hyp"] for r in ROWS[:3]]
    expected = bleu(hyps, [refs["s1"], ROWS[1]["ref"], refs["s3"]], "de").score
    assert d["bleu"] == pytest.approx(expected, abs=1e-4)


def test_direction_without_any_reference(tmp_path):
    result = score_predictions([dict(ROWS[2])])
    (d,) = result["directions"]
    assert d["n"] == 0 and d["bleu"] is None and d["missing_refs"] == 1 and result["missing_refs"] == 1


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("{not json", r"p\.jsonl:2: invalid JSON"),
        ('["a list"]', r"p\.jsonl:2: expected a JSON object"),
        ('{"id": "x", "src_lang": "fr", "tgt_lang": "de"}', r"p\.jsonl:2: missing field 'hyp'"),
        ('{"id": 3, "src_lang": "fr", "tgt_lang": "de", "hyp": "a"}', r"p\.jsonl:2: field 'id' must be a string"),
        ('{"id": "x", "src_lang": "frx", "tgt_lang": "de", "hyp": "a"}', r"p\.jsonl:2: unknown language 'frx'"),
        ('{"id": "x", "src_lang": "fr", "tgt_lang": "de", "hyp": "a", "ref": 1}', r"p\.jsonl:2: field 'ref'"),
        (json.dumps(ROWS[0]), r"p\.jsonl:2: duplicate id 's1' for fr->de \(first on line 1\)"),
    ],
)
def test_bad_predictions(tmp_path, line, match):
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps(ROWS[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ZstError, match=match) as err:
        read_predictions(p)
    assert "\n" not in str(err.value)


def test_missing_and_empty_predictions(tmp_path):
    with pytest.raises(ZstError, match="not found"):
        read_predictions(tmp_path / "none.jsonl")
    (tmp_path / "e.jsonl").write_text("\n\n")
    with pytest.raises(ZstError, match="empty"):
        read_predictions(tmp_path / "e.jsonl")


def test_bad_references(tmp_path):
    p = tmp_path / "r.tsv"
    p.write_text("a\tok\nno tab here\n", encoding="utf-8")
    with pytest.raises(ZstError, match=r"r\.tsv:2: expected 'id<TAB>text'"):
        read_references(p)
    p.write_text("a\tone\na\ttwo\n", encoding="utf-8")
    with pytest.raises(ZstError, match=r"r\.tsv:2: duplicate id 'a' \(first on line 1\)"):
        read_references(p)


def test_write_scores_and_table(tmp_path):
    preds = read_predictions(_write_jsonl(tmp_path / "p.jsonl", ROWS))
    result = score_predictions(preds)
    out = tmp_path / "out" / "run1"
    json_path, md_path = write_scores(result, out)
    assert json.loads(json_path.read_text(encoding="utf-8")) == result
    md = md_path.read_text(encoding="utf-8")
    fr_de = next(d for d in result["directions"] if d["tgt"] == "de")
    assert f"| fr->de | translation | 2 | {fr_de['bleu']:.2f} |" in md
    assert "| fr->fr | transcription | 2 | - | - | 25.00 |" in md
    assert "1 rows without a reference were skipped" in md
    assert sorted(p.name for p in out.iterdir()) == ["scores.json", "scores.md"]  # no temp files left

    table = format_table(result)
    assert table.row_count == 2
    console = Console(record=True, width=160)
    console.print(table)
    text = console.export_text()
    assert "fr->de" in text and "25.00" in text and "tok:13a" in text

    (tmp_path / "file").write_text("x")
    with pytest.raises(ZstError, match="not a directory"):
        write_scores(result, tmp_path / "file")


def test_table_caption_keeps_brackets():
    result = score_predictions(
        [{"id": "a", "src_lang": "en", "tgt_lang": "ja", "hyp": "今日は晴れ", "ref": "今日は雨"}]
    )
    console = Console(record=True, width=200)
    console.print(format_table(result))
    text = console.export_text()
    note = result["directions"][0]["note"]
    if note:  # MeCab extras missing: the fallback note must survive rich rendering verbatim
        assert "sacrebleu[ja]" in text
    assert "tok:" in text
