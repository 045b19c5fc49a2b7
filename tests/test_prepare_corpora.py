"""`zst prepare <corpus>` on the real layouts: language selection, bad-row counts on the console,
summary.json, teacher states, and one-line errors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from lhotse import CutSet
from typer.testing import CliRunner

from zst.cli.main import app
from zst.testing.layouts import Utterance
from zst.testing.layouts.fleurs import write_fleurs

TEXT = {"en": "The dog sees the cat {i}.", "fr": "Le chien voit le chat {i}.", "de": "Der Hund sieht die Katze {i}."}


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def fleurs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fleurs")
    rng = np.random.default_rng(0)
    for lang in TEXT:
        utts = [Utterance(uid=f"{split}{i}", parallel_id=str(100 * k + i), lang=lang, split=split,
                          text=TEXT[lang].format(i=i), speaker=f"{lang}{i}", gender="female",
                          audio=(0.1 * rng.standard_normal(8000 + 800 * i)).astype(np.float32))
                for k, split in enumerate(("train", "dev", "test")) for i in range(4)]
        write_fleurs(root, lang, utts)
    # one bad row: the audio of French test utterance 2 is gone
    tsv = next(root.glob("fr_*/test.tsv"))
    rows = list(csv.reader(tsv.open(encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
    (tsv.parent / "audio" / "test" / rows[2][1]).unlink()
    return root


def test_prepare_fleurs_selects_languages_and_counts_bad_rows(fleurs_root, tmp_path):
    run = tmp_path / "run"
    r = _invoke("prepare", "fleurs", fleurs_root, "--split", "test", "--exclude", "de", "--no-teacher", "-o", run, "-q")
    assert r.exit_code == 0, r.output
    assert "7 utterances" in r.output and "1 bad rows" in r.output and "en 4, fr 3" in r.output
    summary = json.loads((run / "summary.json").read_text())
    assert summary["languages"]["en"]["utterances"] == 4 and summary["bad_rows"] == 1 and "de" not in summary["languages"]
    bad = list(csv.DictReader((run / "bad_rows.tsv").open(encoding="utf-8"), delimiter="\t"))
    assert len(bad) == 1 and bad[0]["row"] == "3" and "not found" in bad[0]["reason"]
    cuts = CutSet.from_file(run / "cuts.jsonl.gz")
    en = [c for c in cuts if c.supervisions[0].language == "en"]
    assert {c.supervisions[0].custom["parallel_id"] for c in en} == {"200", "201", "202", "203"}
    assert all(set(c.supervisions[0].custom["translations"]) == {"fr"} for c in en)  # de excluded


def test_prepare_fleurs_caches_teacher_states(fleurs_root, tiny_nllb_dir, tmp_path):
    run = tmp_path / "run"
    r = _invoke("prepare", "fleurs", fleurs_root, "--split", "dev", "--languages", "en", "--text-model", tiny_nllb_dir,
                "-o", run, "-q")
    assert r.exit_code == 0, r.output
    cuts = CutSet.from_file(run / "cuts.jsonl.gz")
    assert len(cuts) == 4
    states = cuts[0].load_teacher_states()
    assert states.ndim == 2 and states.shape[0] > 3


def test_prepare_missing_root_and_unknown_language_exit_2(tmp_path):
    r = _invoke("prepare", "mls", tmp_path / "nope", "--no-teacher", "-o", tmp_path / "run", "-q")
    assert r.exit_code == 2
    assert r.output.strip() == f"error: {tmp_path / 'nope'}: corpus folder not found"
    (tmp_path / "empty").mkdir()
    r = _invoke("prepare", "fleurs", tmp_path / "empty", "--languages", "xx", "--no-teacher", "-o", tmp_path / "r2",
                "-q")
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "xx" in r.output
