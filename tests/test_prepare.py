"""``zst prepare folder``: good rows kept, every kind of bad row reported, fatal TSV errors, teacher states."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from typer.testing import CliRunner

from zst.cli.main import app
from zst.data.manifests import load_manifest
from zst.data.teacher import TEACHER_FIELD
from zst.languages import to_nllb
from zst.testing.tiny import DEMO_SENTENCES


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _clip(speech_clips, lang: str, i: int) -> dict:
    return next(c for c in speech_clips if c["lang"] == lang and c["text"] == DEMO_SENTENCES[lang][i])


def _bad_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def corpus(speech_clips, tmp_path_factory) -> dict:
    """A folder with 5 good clips and one audio file per kind of bad row, and a TSV mixing them.

    TSV line numbers (the header is line 1; line 7 is blank and silently skipped)::

        2 good en_00        8 unknown language   13 good de_00
        3 good fr_00        9 too few fields     14 good en_01 (id column empty -> file stem)
        4 missing file     10 duplicate id       15 good fr_01, file given as an absolute path
        5 garbage file     11 too long
        6 empty text       12 all zeros
    """
    root = tmp_path_factory.mktemp("corpus")
    good = {}
    for lang, i in (("en", 0), ("fr", 0), ("de", 0), ("en", 1), ("fr", 1)):
        c = _clip(speech_clips, lang, i)
        dst = root / f"{lang}_{i:02d}.wav"
        shutil.copy(c["path"], dst)
        good[f"{lang}_{i:02d}"] = {"path": dst, "text": c["text"], "lang": lang}
    (root / "garbage.wav").write_bytes(b"this is not audio at all\n" * 200)
    sf.write(root / "zeros.wav", np.zeros(16000, np.float32), 16000, subtype="PCM_16")
    # About 6.5 s of speech: longer than --max-seconds 4 (every good clip is under 2 s).
    long_audio = np.concatenate([sf.read(c["path"], dtype="float32")[0] for c in speech_clips[:5]])
    sf.write(root / "long.wav", long_audio, 16000, subtype="PCM_16")
    long_seconds = len(long_audio) / 16000
    assert long_seconds > 4.5

    de = DEMO_SENTENCES["de"]
    rows = [
        "id\tfile\ttext\tlang\ttext_de",
        f"en_00\ten_00.wav\t{good['en_00']['text']}\ten\t{de[0]}",  # 2
        f"fr_00\tfr_00.wav\t{good['fr_00']['text']}\tfra\t{de[0]}",  # 3 (ISO 639-3 code)
        "missing\tnope.wav\tSome text.\ten\t",  # 4
        "garbage\tgarbage.wav\tSome text.\ten\t",  # 5
        "empty\ten_00.wav\t  \ten\t",  # 6
        "",  # 7 blank
        "unknown_lang\ten_00.wav\tSome text.\txx\t",  # 8
        "short_row\ten_00.wav\tSome text.",  # 9
        f"en_00\ten_01.wav\t{good['en_01']['text']}\ten\t",  # 10 duplicate id
        "long\tlong.wav\tA long one.\ten\t",  # 11
        "zeros\tzeros.wav\tSilence.\ten\t",  # 12
        f"de_00\tde_00.wav\t{good['de_00']['text']}\tdeu_Latn\t",  # 13 (NLLB code)
        f"\ten_01.wav\t{good['en_01']['text']}\tEnglish\t{de[1]}",  # 14 (English name, default id)
        f"fr_01\t{root / 'fr_01.wav'}\t{good['fr_01']['text']}\tfr\t{de[1]}",  # 15 absolute path
    ]
    tsv = root / "corpus.tsv"
    tsv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    expected_bad = {
        4: ("missing", "audio file not found"),
        5: ("garbage", "cannot decode audio"),
        6: ("empty", "empty transcript"),
        8: ("unknown_lang", "unknown language 'xx'"),
        9: ("short_row", "3 fields, header has 5"),
        10: ("en_00", "duplicate id 'en_00'"),
        11: ("long", f"{long_seconds:.1f} s is longer than the maximum of 4.0 s"),
        12: ("zeros", "audio is all zeros"),
    }
    return {"root": root, "tsv": tsv, "good": good, "expected_bad": expected_bad}


@pytest.fixture(scope="module")
def prepared(corpus, tiny_nllb_dir, tmp_path_factory) -> dict:
    run = tmp_path_factory.mktemp("prep") / "run"
    r = _invoke("prepare", "folder", corpus["root"], "--tsv", corpus["tsv"], "--text-model", tiny_nllb_dir,
                "--max-seconds", "4", "--device", "cpu", "-o", run)
    return {"result": r, "run": run}


def test_good_rows_kept_bad_rows_reported(corpus, prepared):
    r, run = prepared["result"], prepared["run"]
    assert r.exit_code == 0, r.output
    n_good, n_bad = len(corpus["good"]), len(corpus["expected_bad"])
    assert f"prepare: {n_good} utterances" in r.stdout and f"{n_bad} bad rows" in r.stdout
    # The log names the report (stderr, not quiet).
    assert f"skipped {n_bad} bad row(s)" in r.stderr and "bad_rows.tsv" in r.stderr

    cuts = load_manifest(run)
    assert len(cuts) == n_good
    assert sorted(c.id for c in cuts) == sorted(corpus["good"])
    for c in cuts:
        g = corpus["good"][c.id]
        sup = c.supervisions[0]
        assert sup.text == g["text"] and sup.language == g["lang"]
        assert c.duration == pytest.approx(sf.info(g["path"]).duration, abs=1e-3)
        assert Path(c.recording.sources[0].source) == g["path"].resolve()
    de = DEMO_SENTENCES["de"]
    by_id = {c.id: c for c in cuts}
    assert by_id["en_00"].supervisions[0].custom["translations"] == {"de": de[0]}
    assert by_id["fr_00"].supervisions[0].custom["translations"] == {"de": de[0]}
    assert by_id["en_01"].supervisions[0].custom["translations"] == {"de": de[1]}
    assert by_id["de_00"].supervisions[0].custom["translations"] == {}

    bad = _bad_rows(run / "bad_rows.tsv")
    assert len(bad) == n_bad
    got = {int(b["row"]): b for b in bad}
    assert set(got) == set(corpus["expected_bad"])
    for line, (item, reason) in corpus["expected_bad"].items():
        assert got[line]["source"] == str(corpus["tsv"])
        assert got[line]["item"] == item, line
        assert reason in got[line]["reason"], (line, got[line]["reason"])


def test_run_dir_contents(prepared, tiny_nllb_dir):
    run = prepared["run"]
    for name in ("config.yaml", "env.json", "log.txt", "cuts.jsonl.gz", "bad_rows.tsv"):
        assert (run / name).is_file(), name
    assert sorted(p.name for p in (run / "teacher").rglob("*.npy"))  # one array per cut
    assert not [p for p in run.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".tmp")]
    log = (run / "log.txt").read_text()
    assert "prepared 5 utterances" in log


def test_teacher_states_match_direct_encoder(prepared, tiny_nllb_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_nllb_dir))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(tiny_nllb_dir)).eval()
    d = model.config.d_model
    cuts = load_manifest(prepared["run"])
    for cut in cuts:
        assert cut.custom["teacher_model"] == str(tiny_nllb_dir)
        states = cut.load_custom(TEACHER_FIELD)
        assert states.dtype == np.float16
        sup = cut.supervisions[0]
        tok.src_lang = to_nllb(sup.language)
        ids = tok(sup.text)["input_ids"]
        assert ids[0] == tok.convert_tokens_to_ids(to_nllb(sup.language)) and ids[-1] == tok.eos_token_id
        assert states.shape == (len(ids), d), cut.id
        with torch.no_grad():
            direct = model.get_encoder()(input_ids=torch.tensor([ids])).last_hidden_state[0].numpy()
        np.testing.assert_allclose(states.astype(np.float32), direct, rtol=2e-3, atol=2e-3, err_msg=cut.id)
        assert np.abs(direct).max() > 0.5  # not trivially zero


def test_missing_required_column_exits_2(corpus, tmp_path):
    tsv = tmp_path / "bad_header.tsv"
    tsv.write_text("file\ttranscript\tlang\nen_00.wav\tThe cat sleeps.\ten\n", encoding="utf-8")
    r = _invoke("prepare", "folder", corpus["root"], "--tsv", tsv, "--no-teacher", "-o", tmp_path / "run")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and str(tsv) in lines[0] and "missing column(s) text" in lines[0]
    assert r.stdout == ""


def test_missing_tsv_exits_2(corpus, tmp_path):
    r = _invoke("prepare", "folder", corpus["root"], "--tsv", tmp_path / "nope.tsv", "--no-teacher",
                "-o", tmp_path / "run", "-q")
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nope.tsv'}: TSV file not found"


def test_no_valid_row_exits_2(corpus, tmp_path):
    tsv = tmp_path / "all_bad.tsv"
    tsv.write_text("file\ttext\tlang\nnope.wav\tA.\ten\ngarbage.wav\tB.\ten\nen_00.wav\t\ten\n", encoding="utf-8")
    r = _invoke("prepare", "folder", corpus["root"], "--tsv", tsv, "--no-teacher", "-o", tmp_path / "run", "-q")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "no valid utterance (3 bad rows" in lines[0]
    assert str(tsv) in lines[0]
    assert [int(b["row"]) for b in _bad_rows(tmp_path / "run" / "bad_rows.tsv")] == [2, 3, 4]
    assert not (tmp_path / "run" / "cuts.jsonl.gz").exists()


def test_no_teacher_manifest_has_no_states(corpus, tmp_path):
    r = _invoke("prepare", "folder", corpus["root"], "--tsv", corpus["tsv"], "--no-teacher", "--max-seconds", "4",
                "-o", tmp_path / "run", "-q")
    assert r.exit_code == 0, r.output
    cuts = load_manifest(tmp_path / "run" / "cuts.jsonl.gz")
    assert len(cuts) == len(corpus["good"])
    assert not any(c.has_custom(TEACHER_FIELD) for c in cuts)
    assert not (tmp_path / "run" / "teacher").exists()


def test_max_seconds_default_keeps_long_clip(corpus, tmp_path):
    """Without --max-seconds (default 60 s) the 6.5 s clip is a good row."""
    r = _invoke("prepare", "folder", corpus["root"], "--tsv", corpus["tsv"], "--no-teacher", "-o", tmp_path / "run",
                "-q")
    assert r.exit_code == 0, r.output
    assert f"prepare: {len(corpus['good']) + 1} utterances" in r.stdout
    ids = {c.id for c in load_manifest(tmp_path / "run")}
    assert "long" in ids
