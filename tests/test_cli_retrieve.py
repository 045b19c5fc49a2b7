"""``zst retrieve`` end to end on a tiny random Whisper and espeak-ng speech, and its bad-input exits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lhotse import CutSet

from zst.data.manifests import make_cut
from zst.testing.tiny import DEMO_SENTENCES
from conftest import invoke as _invoke, one_error_line as _one_error_line


def _manifest(path, clips, *, ids=None):
    """Write a manifest of the clips with parallel id = the sentence's index (or ``ids(lang, k)``)."""
    cuts, k_of = [], {}
    for c in clips:
        k = DEMO_SENTENCES[c["lang"]].index(c["text"])
        pid = ids(c["lang"], k) if ids else str(k)
        cuts.append(make_cut(f"{c['lang']}_{k}", c["path"], text=c["text"], language=c["lang"], parallel_id=pid))
        k_of[c["lang"]] = k
    CutSet.from_cuts(cuts).to_file(path)
    return path


@pytest.fixture(scope="module")
def manifest(tmp_path_factory, speech_clips):
    return _manifest(tmp_path_factory.mktemp("retrieve") / "cuts.jsonl.gz", speech_clips)


def test_retrieve_end_to_end(manifest, tiny_whisper_dir, tmp_path):
    run = tmp_path / "run"
    r = _invoke("retrieve", manifest, "--model", tiny_whisper_dir, "--layer", "1", "--src", "en", "--src", "fr",
                "--tgt", "en", "--tgt", "fr", "--tgt", "de", "--metric", "seqsim", "--device", "cpu", "-o", run, "-q")
    assert r.exit_code == 0, (r.output, r.exception)
    scores = json.loads((run / "scores.json").read_text())
    assert [(p["src"], p["tgt"]) for p in scores["pairs"]] == [("en", "fr"), ("en", "de"), ("fr", "en"), ("fr", "de")]
    assert all(p["n"] == 6 and 0 <= p["R@1"] <= p["R@5"] <= 1 for p in scores["pairs"])
    assert scores["layer"] == 1 and scores["metric"] == "seqsim"
    for pair in ("en-fr", "en-de", "fr-en", "fr-de"):
        m = np.load(run / "scores" / f"{pair}.npy")
        assert m.shape == (6, 6) and np.isfinite(m).all()
        assert (run / "scores" / f"{pair}.ids.txt").read_text().split() == [str(k) for k in range(6)]
    retrieved = [json.loads(x) for x in (run / "retrieved.jsonl").read_text().splitlines()]
    assert len(retrieved) == 24 and all(len(x["top"]) == 5 and 1 <= x["gold_rank"] <= 6 for x in retrieved)
    assert "| en | fr | 6 |" in (run / "scores.md").read_text()
    assert (run / "recall_at_1.png").read_bytes()[:4] == b"\x89PNG"
    assert (run / "config.yaml").is_file() and (run / "env.json").is_file()
    assert "R@1=" in r.stdout
    cache = list((run / "features").glob("states-*.safetensors"))
    assert len(cache) == 1
    stamp = cache[0].stat().st_mtime_ns

    # same run dir, another metric with a faiss prefilter: the cached states are reused, not recomputed
    r = _invoke("retrieve", manifest, "--model", tiny_whisper_dir, "--layer", "1", "--src", "en", "--tgt", "de",
                "--metric", "ot", "--faiss-prefilter", "3", "--device", "cpu", "-o", run, "-q")
    assert r.exit_code == 0, (r.output, r.exception)
    assert cache[0].stat().st_mtime_ns == stamp
    m = np.load(run / "scores" / "en-de.npy")
    assert (np.isfinite(m).sum(1) == 3).all()
    assert json.loads((run / "scores.json").read_text())["faiss_prefilter"] == 3


def test_no_shared_ids_exits_2(tmp_path, speech_clips, tiny_whisper_dir):
    clips = [c for c in speech_clips if c["lang"] in ("en", "fr")]
    path = _manifest(tmp_path / "cuts.jsonl.gz", clips, ids=lambda lang, k: f"{lang}{k}")
    r = _invoke("retrieve", path, "--model", tiny_whisper_dir, "--src", "en", "--tgt", "fr", "-o", tmp_path / "r")
    _one_error_line(r, "share no parallel id", "en", "fr")


def test_layer_out_of_range_exits_2(manifest, tiny_whisper_dir, tmp_path):
    r = _invoke("retrieve", manifest, "--model", tiny_whisper_dir, "--layer", "7", "--src", "en", "--tgt", "fr",
                "--device", "cpu", "-o", tmp_path / "r")
    _one_error_line(r, "--layer 7", "out of range", "2 layers")


def test_empty_manifest_exits_2(tmp_path, tiny_whisper_dir):
    path = tmp_path / "cuts.jsonl.gz"
    CutSet.from_cuts([]).to_file(path)
    r = _invoke("retrieve", path, "--model", tiny_whisper_dir, "-o", tmp_path / "r")
    _one_error_line(r, "no utterances")


def test_unknown_language_and_metric_exit_2(manifest, tiny_whisper_dir, tmp_path):
    r = _invoke("retrieve", manifest, "--model", tiny_whisper_dir, "--src", "es", "-o", tmp_path / "r")
    _one_error_line(r, "--src es", "en")
    r = _invoke("retrieve", manifest, "--model", tiny_whisper_dir, "--metric", "l2", "-o", tmp_path / "r")
    _one_error_line(r, "--metric", "seqsim")
